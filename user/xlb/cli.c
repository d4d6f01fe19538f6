// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static noreturn void vdie(int code, const char *fmt, va_list ap)
{
	fputs("xlb: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	exit(code);
}

void die_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdie(EXIT_USAGE, fmt, ap);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdie(EXIT_FAILURE, fmt, ap);
}

void die_err(int err, const char *what)
{
	if (err == -EPERM || err == -EACCES)
		die("%s: permission denied: run xlb as root (it needs CAP_BPF and CAP_NET_ADMIN)",
		    what);
	die("%s: %s", what, strerror(-err));
}

void cli_parse(struct cli_args *a, const struct option *opts,
	       void (*on_opt)(int opt, const char *arg, void *ctx), void *ctx)
{
	int opt;

	/* Long options only, as in the grammar; ':' first makes a missing value ':'. */
	opterr = 0;
	optind = 0; /* full reset: the same process may parse several times (tests) */
	while ((opt = getopt_long(a->argc, a->argv, ":h", opts, NULL)) != -1) {
		if (opt == 'h') {
			printf("usage: %s\n", a->usage);
			exit(0);
		}
		if (opt == '?')
			die_usage("%s: unknown option '%s'; usage: %s", a->cmd, a->argv[optind - 1],
				  a->usage);
		if (opt == ':')
			die_usage("%s: option '%s' needs a value; usage: %s", a->cmd,
				  a->argv[optind - 1], a->usage);
		on_opt(opt, optarg, ctx);
	}
	a->npos = 0;
	for (int i = optind; i < a->argc; i++) {
		if (a->npos == (int)(sizeof(a->pos) / sizeof(a->pos[0])))
			die_usage("%s: too many arguments; usage: %s", a->cmd, a->usage);
		a->pos[a->npos++] = a->argv[i];
	}
}

const struct option cli_json_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{},
};
const struct option cli_no_opts[] = { {} };

void cli_json_opt(int opt, const char *arg, void *ctx)
{
	(void)arg;
	if (opt == 'j')
		*(bool *)ctx = true;
}

void cli_ignore_opt(int opt, const char *arg, void *ctx)
{
	(void)opt, (void)arg, (void)ctx;
}

void cli_want_args(struct cli_args *a, int min, int max)
{
	if (a->npos < min)
		die_usage("%s: missing argument; usage: %s", a->cmd, a->usage);
	if (a->npos > max)
		die_usage("%s: unexpected argument '%s'; usage: %s", a->cmd, a->pos[max], a->usage);
}

void cli_open_maps(struct xlb_maps *m)
{
	int err = xlb_maps_open_pinned(m, xlb_pin_dir());

	if (err == -ENOENT)
		die("xlb is not attached: no maps pinned in %s (run 'xlb attach DEV'; is bpffs "
		    "mounted on /sys/fs/bpf?)",
		    xlb_pin_dir());
	if (err == -EPROTO)
		die("the maps pinned in %s are from another version of xlb: detach it everywhere "
		    "and remove that directory",
		    xlb_pin_dir());
	if (err)
		die_err(err, xlb_pin_dir());
}

void cli_lock(struct xlb_maps *m)
{
	int err = xlb_maps_lock(m);

	if (err)
		die_err(err, "locking the maps");
}

void cli_parse_vip(const char *s, struct xlb_vip_spec *v)
{
	if (xlb_parse_vip(s, v))
		die_usage("bad VIP '%s': expected ADDR:PORT/PROTO or [IPV6ADDR]:PORT/PROTO, port "
			  "1-65535, PROTO tcp or udp",
			  s);
}

void cli_parse_addr(const char *s, struct xlb_addr *a)
{
	if (xlb_parse_addr(s, a))
		die_usage("bad address '%s': expected an IPv4 or IPv6 address", s);
}

unsigned long cli_parse_uint(const char *what, const char *s, unsigned long max)
{
	unsigned long v;

	if (xlb_parse_uint(s, max, &v))
		die_usage("bad %s '%s': expected a whole number from 0 to %lu", what, s, max);
	return v;
}

__u32 cli_find_vip(struct xlb_maps *m, const char *s)
{
	struct xlb_vip_spec v;
	__u32 id;
	int err;

	cli_parse_vip(s, &v);
	err = xlb_vip_find(m, &v, &id);
	if (err == -ENOENT)
		die("no VIP %s: add it first with 'xlb vip add %s'", s, s);
	if (err)
		die_err(err, s);
	return id;
}

int cli_dispatch(const char *what, const struct cli_command *cmds, int argc, char **argv)
{
	char names[128] = "";

	for (const struct cli_command *c = cmds; c->name; c++) {
		if (argc > 0 && !strcmp(argv[0], c->name))
			return c->run(argc, argv);
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 c == cmds ? "" : ", ", c->name);
	}
	if (argc == 0)
		die_usage("%s%smissing command: one of %s", what ? what : "", what ? ": " : "",
			  names);
	die_usage("%s%sunknown command '%s': one of %s", what ? what : "", what ? ": " : "",
		  argv[0], names);
}
