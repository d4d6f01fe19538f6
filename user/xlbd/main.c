// SPDX-License-Identifier: GPL-2.0-only
/*
 * xlbd: attaches xlb, applies the config file to the maps, health-checks the backends, serves
 * metrics, and tells the SQL splitters the roles of the MariaDB nodes it monitors. The maps
 * are the state: the daemon can stop, crash or restart at any time and the data plane goes
 * on forwarding with what the maps hold.
 */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "daemon_args.h"
#include "daemon.h"
#include "health.h"
#include "log.h"
#include "metrics.h"
#include "mysqlmon.h"
#include "sync.h"

/* How often the daemon looks for backends added or removed behind its back (by the CLI). */
#define RESCAN_MS 1000

/* What only xlbd's command line has (the rest: struct daemon_args). */
struct xlbd_opts {
	const char *bpf_object; /* NULL: the program built into xlbd */
	bool detach_on_exit;
};

enum { OPT_DETACH_ON_EXIT = DAEMON_OPT_BASE, OPT_BPF_OBJECT };

static const struct option xlbd_long_opts[] = {
	{ "detach-on-exit", no_argument, NULL, OPT_DETACH_ON_EXIT },
	{ "bpf-object", required_argument, NULL, OPT_BPF_OBJECT },
	{},
};

static const char usage[] =
	"usage: xlbd -c FILE [--foreground] [--check-config] [--detach-on-exit]\n"
	"            [--bpf-object FILE] [-v]\n";

static void xlbd_opt(int opt, const char *arg, void *ctx)
{
	struct xlbd_opts *x = ctx;

	if (opt == OPT_DETACH_ON_EXIT)
		x->detach_on_exit = true;
	else if (opt == OPT_BPF_OBJECT)
		x->bpf_object = arg;
}

/*
 * Attaches xlb to every configured interface that does not have it yet, and where it is
 * attached with another program than this daemon's (an upgrade), replaces that program in
 * place, keeping the maps and so every flow.
 */
static bool has_interface(const struct xlbd_config *cfg, const char *dev)
{
	for (unsigned int i = 0; cfg && i < cfg->lb.nr_interfaces; i++)
		if (!strcmp(cfg->lb.interfaces[i], dev))
			return true;
	return false;
}

/* `old`: the config running before a reload, whose interfaces are left as they are (libxdp
 * 1.3 leaks a program fd at each look at an interface: a daemon reloaded for months must
 * not look again and again). */
static int attach_interfaces(const struct xlbd_config *cfg, const struct xlbd_config *old,
			     const char *obj_path)
{
	enum xdp_attach_mode mode = cfg->lb.mode == XLBD_MODE_SKB ? XDP_MODE_SKB : XDP_MODE_NATIVE;

	for (unsigned int i = 0; i < cfg->lb.nr_interfaces; i++) {
		const char *dev = cfg->lb.interfaces[i];
		int ifindex = if_nametoindex(dev), err;
		enum xdp_attach_mode attached;
		bool replaced;

		if (has_interface(old, dev))
			continue;
		if (!ifindex) {
			pr_warn("xlbd: no interface '%s' in this network namespace\n", dev);
			return -ENODEV;
		}
		attached = xlb_attached_mode(ifindex, NULL);
		if (attached != XDP_MODE_UNSPEC && attached != mode)
			pr_warn("%s: xlb is attached in %s mode, the config says %s: detach it "
				"(xlb detach %s) and restart xlbd to change the mode\n",
				dev, xlb_mode_name(attached), xlb_mode_name(mode), dev);
		if (attached != XDP_MODE_UNSPEC) {
			err = xlb_upgrade(ifindex, obj_path, &replaced);
			if (err)
				pr_warn("%s: the attached program stays: %s\n", dev,
					err == -EOPNOTSUPP
						? "libxdp's dispatcher cannot replace it in place"
						: strerror(-err));
			else if (replaced)
				pr_info("%s: program replaced by this xlbd's, maps and flows "
					"kept\n",
					dev);
			continue;
		}
		err = xlb_attach(ifindex, mode, 0, obj_path);
		if (err) {
			pr_warn("xlbd: cannot attach xlb to %s in %s mode: %s\n", dev,
				xlb_mode_name(mode), strerror(-err));
			return err;
		}
		pr_info("attached to %s (%s)\n", dev, xlb_mode_name(mode));
	}
	return 0;
}

static void detach_interfaces(const struct xlbd_config *cfg)
{
	for (unsigned int i = 0; i < cfg->lb.nr_interfaces; i++) {
		int ifindex = if_nametoindex(cfg->lb.interfaces[i]);

		if (ifindex && !xlb_detach(ifindex))
			pr_info("detached from %s\n", cfg->lb.interfaces[i]);
	}
}

/* Backends whose ARP/ND answer was not in yet at a sync: retried every QUICK_RETRY_MS for a
 * moment (an answer takes a millisecond on a LAN), then with every rescan. */
#define QUICK_RETRY_MS 50
#define QUICK_RETRIES 20

static void on_quick_retry(evutil_socket_t fd, short what, void *arg)
{
	struct timeval again = { 0, QUICK_RETRY_MS * 1000 };
	struct xlbd *d = arg;

	(void)fd, (void)what;
	xlbd_retry_pending(d);
	health_scan(d);
	if (d->nr_pending && ++d->quick_retries < QUICK_RETRIES)
		event_base_once(d->base, -1, EV_TIMEOUT, on_quick_retry, d, &again);
}

static void retry_pending_soon(struct xlbd *d)
{
	struct timeval soon = { 0, QUICK_RETRY_MS * 1000 };

	/* one chain of quick retries at a time */
	if (!d->nr_pending || (d->quick_retries && d->quick_retries < QUICK_RETRIES))
		return;
	d->quick_retries = 0;
	event_base_once(d->base, -1, EV_TIMEOUT, on_quick_retry, d, &soon);
}

static void reload(struct xlbd *d)
{
	struct xlbd_config *cfg, *old = d->cfg;
	char err[512];
	int problems;

	if (xlbd_config_load(d->config_path, &cfg, err, sizeof(err))) {
		pr_warn("reload failed, still running on the old config: %s\n", err);
		return;
	}
	if (attach_interfaces(cfg, old, d->bpf_object)) {
		pr_warn("reload failed, still running on the old config\n");
		xlbd_config_free(cfg);
		return;
	}
	problems = xlbd_sync(d, old, cfg);
	retry_pending_soon(d);
	d->cfg = cfg;
	health_scan(d); /* re-points the targets at the new config before the old one goes */
	xlbd_config_free(old);
	/* the monitor keeps its own copy of [mysql]: unchanged, it goes on undisturbed */
	if (mysqlmon_apply(&d->mysql, d->base, &cfg->mysql))
		pr_warn("mysql: cannot start the monitor: out of memory\n");
	d->last_reload = time(NULL);
	pr_info("reloaded %s%s\n", d->config_path, problems ? " (with problems, see above)" : "");
}

/* Every probe in flight and every metrics client holds a socket: with 1,000 backends the
 * usual soft limit of 1,024 files is too close. Up to the hard limit. */
static void raise_file_limit(void)
{
	struct rlimit lim;

	if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
		lim.rlim_cur = lim.rlim_max;
		setrlimit(RLIMIT_NOFILE, &lim);
	}
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct xlbd *d = arg;

	(void)what;
	if (sig == SIGHUP) {
		reload(d);
		return;
	}
	pr_info("stopping on signal %d; the data plane keeps forwarding\n", (int)sig);
	event_base_loopbreak(d->base);
}

/*
 * The maps the daemon holds stay alive while it holds them, even when their pins are removed:
 * if someone detached xlb, removed the pin dir and attached again, the daemon would steer
 * maps no program reads. Notice it, reopen, and apply the config to the new maps.
 */
static void follow_replaced_maps(struct xlbd *d)
{
	struct xlb_maps fresh;

	if (!xlb_maps_replaced(&d->maps, xlb_pin_dir()))
		return;
	if (xlb_maps_open_pinned(&fresh, xlb_pin_dir())) {
		if (!d->maps_gone)
			pr_warn("the maps in %s are gone (xlb detached and removed?); waiting for "
				"them to come back\n",
				xlb_pin_dir());
		d->maps_gone = true;
		return;
	}
	pr_warn("the maps in %s were replaced; following them and applying the config\n",
		xlb_pin_dir());
	d->maps_gone = false;
	health_stop_all(d); /* its slots and generations belong to the old maps */
	xlb_maps_close(&d->maps);
	d->maps = fresh;
	xlbd_sync(d, NULL, d->cfg);
	retry_pending_soon(d);
}

static void on_rescan(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	follow_replaced_maps(arg);
	xlbd_retry_pending(arg);
	health_scan(arg);
}

int main(int argc, char **argv)
{
	struct timeval rescan_every = { RESCAN_MS / 1000, (RESCAN_MS % 1000) * 1000 };
	struct event *sigs[3] = {}, *rescan = NULL;
	const int signals[3] = { SIGTERM, SIGINT, SIGHUP };
	struct daemon_args o = { .prog = "xlbd", .usage = usage };
	struct xlbd_opts x = {};
	struct xlbd d = {};
	char err[512];
	int ret = 1;

	/* A reload asked for while starting (systemctl reload right after start) must not
	 * kill the daemon: ignored until the handler is in place. */
	signal(SIGHUP, SIG_IGN);
	xlb_log_level = XLB_LOG_INFO;
	daemon_args_parse(&o, argc, argv, xlbd_long_opts, xlbd_opt, &x);
	xlb_log_setup_libs();
	d.config_path = o.config;
	if (xlbd_config_load(o.config, &d.cfg, err, sizeof(err))) {
		fprintf(stderr, "xlbd: %s\n", err);
		return 1;
	}
	if (o.check_only) {
		printf("%s: ok\n", o.config);
		xlbd_config_free(d.cfg);
		return 0;
	}
	/* Where the pins are, decided while the process that started us is still our parent
	 * (see pindir.h: under `ip netns exec` that parent is how the host's bpffs is found). */
	xlb_pin_dir();
	/* Before anything holds an event base or a socket: those do not survive a fork. stderr
	 * stays open for the log. */
	if (!o.foreground && daemon(0, 1) < 0) {
		perror("xlbd: daemon");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	raise_file_limit();
	d.bpf_object = x.bpf_object;
	if (attach_interfaces(d.cfg, NULL, d.bpf_object))
		goto out;
	ret = xlb_maps_open_pinned(&d.maps, xlb_pin_dir());
	if (ret) {
		pr_warn("xlbd: cannot open the maps in %s: %s\n", xlb_pin_dir(), strerror(-ret));
		ret = 1;
		goto out;
	}
	ret = 1;
	d.base = event_base_new();
	if (!d.base)
		goto out;
	d.metrics = xlbd_metrics_start(&d, &d.cfg->lb.metrics, err, sizeof(err));
	if (!d.metrics) {
		pr_warn("xlbd: %s\n", err);
		goto out;
	}
	xlbd_sync(&d, NULL, d.cfg);
	retry_pending_soon(&d);
	d.last_reload = time(NULL);
	health_scan(&d);
	if (mysqlmon_apply(&d.mysql, d.base, &d.cfg->mysql))
		pr_warn("mysql: cannot start the monitor: out of memory\n");
	for (int i = 0; i < 3; i++) {
		sigs[i] = evsignal_new(d.base, signals[i], on_signal, &d);
		if (!sigs[i] || evsignal_add(sigs[i], NULL))
			goto out;
	}
	rescan = event_new(d.base, -1, EV_PERSIST, on_rescan, &d);
	if (!rescan || event_add(rescan, &rescan_every))
		goto out;
	pr_info("xlbd running with %s, maps in %s\n", o.config, xlb_pin_dir());
	event_base_dispatch(d.base);
	ret = 0;
out:
	health_stop_all(&d);
	mysqlmon_stop(d.mysql);
	if (rescan)
		event_free(rescan);
	for (int i = 0; i < 3; i++)
		if (sigs[i])
			event_free(sigs[i]);
	if (d.metrics)
		xlbd_metrics_stop(d.metrics);
	if (x.detach_on_exit)
		detach_interfaces(d.cfg);
	xlb_maps_close(&d.maps);
	if (d.base)
		event_base_free(d.base);
	xlbd_config_free(d.cfg);
	free(d.pending);
	return ret;
}
