// SPDX-License-Identifier: GPL-2.0-only
/*
 * xlb top: VIPs and backends, refreshed every interval. On a terminal the frame is redrawn in
 * place with plain ANSI escapes (home, erase line, erase below, cursor hide/show), which
 * every terminal emulator in use understands: ncurses would add a dependency for nothing
 * more than that. Otherwise frames follow each other, a blank line between them.
 */
#define _GNU_SOURCE /* ppoll */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "cli.h"
#include "top_flows.h"
#include "top_view.h"

#define TOP_USAGE "xlb top [--interval SEC] [--count N] [--once]"

struct top_opts {
	double interval;
	unsigned long count; /* 0: until interrupted */
	bool once;
};

static void top_opt(int opt, const char *arg, void *ctx)
{
	struct top_opts *o = ctx;

	if (opt == 'i' && xlb_top_parse_interval(arg, &o->interval))
		die_usage("top: bad --interval '%s': expected seconds, from 0.1 to 3600 "
			  "(like 1 or 0.5); usage: " TOP_USAGE,
			  arg);
	if (opt == 'c' && !(o->count = cli_parse_uint("--count", arg, 1000000000)))
		die_usage("top: --count must be at least 1; usage: " TOP_USAGE);
	if (opt == 'o')
		o->once = true;
}

/* Counters of every VIP and backend in use; flow counts are top_flows_update()'s. */
static void take_sample(struct xlb_maps *m, struct xlb_top_snap *s)
{
	__u64 verdicts[XLB_CNT_MAX];
	int err;

	memset(s->vip, 0, sizeof(s->vip));
	memset(s->vip_stats, 0, sizeof(s->vip_stats));
	memset(s->be, 0, sizeof(s->be));
	memset(s->be_stats, 0, sizeof(s->be_stats));
	s->flows_ns = 0;
	s->flows_fresh = false;
	for (__u32 id = 0; id < XLB_MAX_VIPS; id++) {
		err = xlb_vip_get(m, id, &s->vip[id]);
		if (!err)
			err = xlb_read_vip_stats(m, id, &s->vip_stats[id]);
		if (err == -ENOENT)
			memset(&s->vip[id], 0, sizeof(s->vip[id]));
		else if (err)
			die_err(err, "reading the VIPs");
	}
	for (__u32 slot = 0; slot < XLB_MAX_BACKENDS; slot++) {
		err = xlb_backend_get(m, slot, &s->be[slot]);
		if (!err)
			err = xlb_read_backend_stats(m, slot, &s->be_stats[slot]);
		if (err == -ENOENT)
			memset(&s->be[slot], 0, sizeof(s->be[slot]));
		else if (err)
			die_err(err, "reading the backends");
	}
	err = xlb_read_verdicts(m, verdicts);
	if (err)
		die_err(err, "reading counters");
	s->drops = verdicts[XLB_CNT_DROP];
	s->when_ns = top_mono_ns();
}

/* The interfaces of this network namespace xlb is attached to, "eth0,eth1". */
static void attached_devs(char *buf, size_t len)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	size_t n = 0;

	buf[0] = '\0';
	for (i = ifs; i && i->if_index && n < len; i++)
		if (xlb_attached_mode(i->if_index, NULL) != XDP_MODE_UNSPEC)
			n += snprintf(buf + n, len - n, "%s%s", n ? "," : "", i->if_name);
	if (ifs)
		if_freenameindex(ifs);
}

/* ---- the terminal ---- */

static struct termios saved_tio;
static bool tio_saved, cursor_hidden;
static volatile sig_atomic_t stop_signal, suspend_asked;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void on_suspend(int sig)
{
	(void)sig;
	suspend_asked = 1;
}

/* Also run by exit(), so that die() in the middle of a refresh leaves a usable terminal. */
static void tty_restore(void)
{
	if (tio_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
	tio_saved = false;
	if (cursor_hidden)
		fputs("\033[?25h\n", stdout);
	cursor_hidden = false;
	fflush(stdout);
}

/* The signals that end top on a terminal: Ctrl-C, Ctrl-\ (quit), kill, the terminal closed. */
static const int stop_signals[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP };

/* Keys: 'q' without Enter, no echo; the cursor hidden, the screen cleared. */
static void tty_enter(void)
{
	if (isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &saved_tio)) {
		struct termios t = saved_tio;

		t.c_lflag &= ~(ICANON | ECHO);
		t.c_cc[VMIN] = 0;
		t.c_cc[VTIME] = 0;
		tio_saved = !tcsetattr(STDIN_FILENO, TCSANOW, &t);
	}
	fputs("\033[?25l\033[2J", stdout);
	cursor_hidden = true;
}

/*
 * The stop signals, and SIGTSTP (Ctrl-Z), are blocked except inside ppoll(), so one that comes
 * while a frame is being made still ends the wait that follows (no lost wake-up), and the
 * terminal is restored before the process dies of it or is stopped.
 */
static void tty_setup(sigset_t *wait_mask)
{
	struct sigaction sa = { .sa_handler = on_signal }, tstp = { .sa_handler = on_suspend };
	sigset_t block;

	sigemptyset(&block);
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		sigaddset(&block, stop_signals[i]);
	sigaddset(&block, SIGTSTP);
	sigprocmask(SIG_BLOCK, &block, wait_mask);
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++) {
		sigdelset(wait_mask, stop_signals[i]);
		sigaction(stop_signals[i], &sa, NULL);
	}
	sigdelset(wait_mask, SIGTSTP);
	sigaction(SIGTSTP, &tstp, NULL);
	atexit(tty_restore);
	tty_enter();
}

/* Ctrl-Z: the shell gets its terminal back as it was, the process stops for real (the default
 * action), and after `fg` (SIGCONT) top takes the terminal again; the next frame redraws it. */
static void tty_suspend(void)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL }, tstp = { .sa_handler = on_suspend };
	sigset_t set;

	suspend_asked = 0;
	tty_restore();
	sigemptyset(&set);
	sigaddset(&set, SIGTSTP);
	sigaction(SIGTSTP, &dfl, NULL);
	raise(SIGTSTP);
	/* delivered here: stopped until SIGCONT (in an orphaned process group the kernel
	 * discards the stop, and top just carries on) */
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigaction(SIGTSTP, &tstp, NULL);
	tty_enter();
}

/* The frame from the top left corner, each line cut to the window and erased to its end;
 * the last row gets no newline, which would scroll the window. */
static void tty_draw(const char *frame)
{
	unsigned int rows = 24, cols = 80, row = 0;
	struct winsize ws;
	size_t len;

	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_row && ws.ws_col)
		rows = ws.ws_row, cols = ws.ws_col;
	fputs("\033[H", stdout);
	for (const char *line = frame; *line && row < rows; row++) {
		len = strcspn(line, "\n");
		if (row)
			fputc('\n', stdout);
		if (row == rows - 1 && line[len] && line[len + 1])
			fputs("(more: enlarge the window)", stdout);
		else
			/* cols - 1: a line reaching the last column leaves the cursor in a
			 * pending wrap, where erasing to the end of line eats its last character */
			fwrite(line, 1, len < cols ? len : cols - 1, stdout);
		fputs("\033[K", stdout);
		line += len + (line[len] == '\n');
	}
	fputs("\033[J", stdout);
	fflush(stdout);
}

/* Waits until deadline (CLOCK_MONOTONIC ns); false when told to stop: 'q' or a signal. */
static bool wait_until(__u64 deadline, bool tty, const sigset_t *wait_mask)
{
	struct pollfd key = { .fd = STDIN_FILENO, .events = POLLIN };
	bool keys = tty && tio_saved;
	struct timespec ts;
	__u64 now;
	char c;

	for (;;) {
		if (stop_signal)
			return false;
		if (suspend_asked)
			tty_suspend();
		now = top_mono_ns();
		if (now >= deadline)
			return true;
		ts.tv_sec = (deadline - now) / 1000000000ull;
		ts.tv_nsec = (deadline - now) % 1000000000ull;
		if (ppoll(&key, keys, &ts, tty ? wait_mask : NULL) <= 0 || !keys)
			continue;
		/* Nothing to read on a readable stdin (hang-up, end): stop watching it rather
		 * than spin on it. */
		if (!(key.revents & POLLIN) || read(STDIN_FILENO, &c, 1) != 1)
			keys = false;
		else if (c == 'q' || c == 'Q')
			return false;
	}
}

/* One frame into a string, for the terminal (cut to the window) or as it is. */
static char *make_frame(const struct xlb_top_snap *now, const struct xlb_top_snap *then)
{
	static char devs[256];
	char clock[16], *buf = NULL;
	size_t len = 0;
	struct tm tm;
	time_t t = time(NULL);
	FILE *out;
	int err;

	attached_devs(devs, sizeof(devs));
	strftime(clock, sizeof(clock), "%H:%M:%S", localtime_r(&t, &tm));
	out = open_memstream(&buf, &len);
	if (!out)
		die_err(-errno, "top: making a frame");
	err = xlb_top_format(out, &(struct xlb_top_frame){
					  .now = now, .then = then, .clock = clock, .devs = devs });
	if (fclose(out) || err)
		die_err(err ? err : -EIO, "top: making a frame");
	return buf;
}

int cmd_top(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "once", no_argument, NULL, 'o' },
		{},
	};
	struct cli_args a = { .argc = argc, .argv = argv, .cmd = "top", .usage = TOP_USAGE };
	static struct xlb_top_snap snaps[2];
	struct xlb_top_snap *then = &snaps[0], *now = &snaps[1], *t;
	struct top_opts o = { .interval = 1 };
	struct top_flows flows = {};
	unsigned long frames = 0;
	__u64 interval_ns, deadline;
	bool tty, have_then;
	struct xlb_maps m;
	sigset_t wait_mask;
	char *frame;
	int err;

	sigemptyset(&wait_mask);
	cli_parse(&a, opts, top_opt, &o);
	cli_want_args(&a, 0, 0);
	if (o.once && o.count)
		die_usage("top: --once and --count exclude each other; usage: " TOP_USAGE);
	if (o.once)
		o.count = 1;
	interval_ns = (__u64)(o.interval * 1e9);
	cli_open_maps(&m);
	tty = !o.once && isatty(STDOUT_FILENO);
	if (tty)
		tty_setup(&wait_mask);

	/* Rates need two readings: the first frame comes one interval after the start. */
	take_sample(&m, then);
	have_then = true;
	deadline = then->when_ns;
	while (!o.count || frames < o.count) {
		deadline += interval_ns;
		if (deadline < top_mono_ns())
			deadline = top_mono_ns(); /* late (a long walk): no burst of frames after */
		if (!wait_until(deadline, tty, &wait_mask))
			break;
		/* Detached and attached again: other maps, and counters that start over. */
		if (xlb_maps_replaced(&m, xlb_pin_dir())) {
			xlb_maps_close(&m);
			cli_open_maps(&m);
			have_then = false;
			flows = (struct top_flows){};
		}
		take_sample(&m, now);
		err = top_flows_update(&flows, &m, now, have_then ? then : NULL);
		if (err)
			die_err(err, "top: counting flows");
		frame = make_frame(now, have_then ? then : NULL);
		if (tty) {
			tty_draw(frame);
		} else {
			printf("%s%s", frames ? "\n" : "", frame);
			fflush(stdout);
		}
		free(frame);
		frames++;
		t = then, then = now, now = t;
		have_then = true;
	}
	xlb_maps_close(&m);
	if (tty) {
		tty_restore();
		if (stop_signal) {
			/* Die of it, as the shell expects of an interrupted command. */
			signal(stop_signal, SIG_DFL);
			sigprocmask(SIG_SETMASK, &wait_mask, NULL);
			raise(stop_signal);
		}
	}
	return 0;
}
