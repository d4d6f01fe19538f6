// SPDX-License-Identifier: GPL-2.0-only
/* xlb backend add / set / del / list, and backend-setup (run on the backend itself). */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "netlink.h"
#include "resolve.h"

struct backend_opts {
	long weight; /* XLB_KEEP when not given */
	int state;   /* XLB_KEEP when not given */
	bool have_mac;
	__u8 mac[6];
	const char *dev;
};

static void backend_opt(int opt, const char *arg, void *ctx)
{
	struct backend_opts *o = ctx;

	switch (opt) {
	case 'w':
		o->weight = cli_parse_uint("--weight", arg, XLB_MAX_WEIGHT);
		break;
	case 's':
		if (!strcmp(arg, "up"))
			o->state = XLB_ADMIN_UP;
		else if (!strcmp(arg, "drain"))
			o->state = XLB_ADMIN_DRAIN;
		else if (!strcmp(arg, "down"))
			o->state = XLB_ADMIN_DOWN;
		else
			die_usage("bad --state '%s': expected up, drain or down", arg);
		break;
	case 'm':
		if (xlb_parse_mac(arg, o->mac))
			die_usage("bad --mac '%s': expected six hex bytes like 02:00:00:00:00:0b",
				  arg);
		o->have_mac = true;
		break;
	case 'd':
		o->dev = arg;
		break;
	}
}

/* The egress interface and the MACs of a new backend, from the options or the kernel. */
static void backend_spec(const struct backend_opts *o, struct xlb_backend_spec *spec)
{
	char err[256];

	if (xlb_backend_resolve(spec, o->dev, o->have_mac ? o->mac : NULL, XLB_RESOLVE_TIMEOUT_MS,
				err, sizeof(err)))
		die("%s", err);
}

static int backend_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "weight", required_argument, NULL, 'w' },
		{ "mac", required_argument, NULL, 'm' },
		{ "dev", required_argument, NULL, 'd' },
		{},
	};
	struct cli_args a = {
		.argc = argc,
		.argv = argv,
		.cmd = "backend add",
		.usage = "xlb backend add VIP BACKEND_ADDR [--weight N] [--mac MAC] [--dev DEV]"
	};
	struct backend_opts o = { .weight = 1, .state = XLB_KEEP };
	struct xlb_backend_spec spec = {};
	struct xlb_vip_spec vip;
	struct xlb_maps m;
	__u32 vip_id;
	int err;

	cli_parse(&a, opts, backend_opt, &o);
	cli_want_args(&a, 2, 2);
	cli_parse_vip(a.pos[0], &vip);
	cli_parse_addr(a.pos[1], &spec.addr);
	spec.weight = o.weight;
	cli_open_maps(&m);
	vip_id = cli_find_vip(&m, a.pos[0]);
	/* Resolve before taking the lock: an ARP wait must not hold up the daemon. */
	backend_spec(&o, &spec);
	cli_lock(&m);
	vip_id = cli_find_vip(&m, a.pos[0]);
	err = xlb_backend_add(&m, vip_id, &spec, NULL);
	if (err == -EEXIST)
		die("backend %s is already in VIP %s (change it with 'xlb backend set')", a.pos[1],
		    a.pos[0]);
	if (err == -ENOSPC)
		die("cannot add backend %s: VIP %s has %d backends or all %d slots are used",
		    a.pos[1], a.pos[0], XLB_MAX_BACKENDS_PER_VIP, XLB_MAX_BACKENDS);
	if (err)
		die_err(err, a.pos[1]);
	xlb_maps_close(&m);
	return 0;
}

/* The slot of an existing backend of an existing VIP; exits when there is none. */
static __u32 find_backend(struct xlb_maps *m, const char *vip_str, const char *addr_str)
{
	struct xlb_addr addr;
	__u32 vip_id, slot;

	cli_parse_addr(addr_str, &addr);
	vip_id = cli_find_vip(m, vip_str);
	if (xlb_backend_find(m, vip_id, &addr, &slot))
		die("no backend %s in VIP %s (see 'xlb backend list %s')", addr_str, vip_str,
		    vip_str);
	return slot;
}

static int backend_set(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "weight", required_argument, NULL, 'w' },
		{ "state", required_argument, NULL, 's' },
		{},
	};
	struct cli_args a = {
		.argc = argc,
		.argv = argv,
		.cmd = "backend set",
		.usage = "xlb backend set VIP BACKEND_ADDR [--weight N] [--state up|drain|down]"
	};
	struct backend_opts o = { .weight = XLB_KEEP, .state = XLB_KEEP };
	struct xlb_vip_spec vip;
	struct xlb_addr addr;
	struct xlb_maps m;
	int err;

	cli_parse(&a, opts, backend_opt, &o);
	cli_want_args(&a, 2, 2);
	cli_parse_vip(a.pos[0], &vip);
	cli_parse_addr(a.pos[1], &addr);
	if (o.weight == XLB_KEEP && o.state == XLB_KEEP)
		die_usage("backend set: nothing to change: give --weight N or --state STATE");
	cli_open_maps(&m);
	cli_lock(&m);
	err = xlb_backend_update(&m, find_backend(&m, a.pos[0], a.pos[1]), o.weight, o.state,
				 XLB_KEEP);
	if (err)
		die_err(err, a.pos[1]);
	xlb_maps_close(&m);
	return 0;
}

static int backend_del(int argc, char **argv)
{
	struct cli_args a = { .argc = argc,
			      .argv = argv,
			      .cmd = "backend del",
			      .usage = "xlb backend del VIP BACKEND_ADDR" };
	struct xlb_vip_spec vip;
	struct xlb_addr addr;
	struct xlb_maps m;
	int err;

	cli_parse(&a, cli_no_opts, cli_ignore_opt, NULL);
	cli_want_args(&a, 2, 2);
	cli_parse_vip(a.pos[0], &vip);
	cli_parse_addr(a.pos[1], &addr);
	cli_open_maps(&m);
	cli_lock(&m);
	err = xlb_backend_del(&m, find_backend(&m, a.pos[0], a.pos[1]));
	if (err)
		die_err(err, a.pos[1]);
	xlb_maps_close(&m);
	return 0;
}

static void print_backend(struct xlb_maps *m, __u32 slot, const struct xlb_backend *be, bool json,
			  bool first)
{
	char vip_name[XLB_VIP_STRLEN], addr[XLB_VIP_STRLEN], mac[XLB_MAC_STRLEN];
	char dev[IF_NAMESIZE] = "?";
	struct xlb_vip_spec spec;
	struct xlb_stats st = {};
	struct xlb_addr a;
	struct xlb_vip vip;

	if (xlb_vip_get(m, be->vip_id, &vip))
		return;
	xlb_vip_to_spec(&vip, &spec);
	xlb_format_vip(&spec, vip_name, sizeof(vip_name));
	xlb_backend_addr(be, &a);
	xlb_format_addr(&a, addr, sizeof(addr));
	xlb_format_mac(be->mac, mac, sizeof(mac));
	if_indextoname(be->ifindex, dev);
	xlb_read_backend_stats(m, slot, &st);
	if (json)
		printf("%s{\"vip\":\"%s\",\"backend\":\"%s\",\"weight\":%u,\"state\":\"%s\","
		       "\"health\":\"%s\",\"mac\":\"%s\",\"dev\":\"%s\",\"packets\":%llu,"
		       "\"bytes\":%llu,\"new_flows\":%llu}",
		       first ? "" : ",", vip_name, addr, be->weight, xlb_admin_name(be->admin),
		       xlb_health_name(be->health), mac, dev, st.packets, st.bytes, st.new_flows);
	else
		printf("%-28s %-26s %6u %-5s %-6s %-17s %-10s %llu\n", vip_name, addr, be->weight,
		       xlb_admin_name(be->admin), xlb_health_name(be->health), mac, dev,
		       st.new_flows);
}

static int backend_list(int argc, char **argv)
{
	struct cli_args a = { .argc = argc,
			      .argv = argv,
			      .cmd = "backend list",
			      .usage = "xlb backend list [VIP] [--json]" };
	struct xlb_backend be;
	struct xlb_maps m;
	bool json = false, first = true;
	__u32 only_vip = XLB_MAX_VIPS;

	cli_parse(&a, cli_json_opts, cli_json_opt, &json);
	cli_want_args(&a, 0, 1);
	if (a.npos) {
		struct xlb_vip_spec v;

		cli_parse_vip(a.pos[0], &v);
	}
	cli_open_maps(&m);
	if (a.npos)
		only_vip = cli_find_vip(&m, a.pos[0]);
	if (json)
		printf("[");
	else
		printf("%-28s %-26s %6s %-5s %-6s %-17s %-10s %s\n", "VIP", "BACKEND", "WEIGHT",
		       "STATE", "HEALTH", "MAC", "DEV", "FLOWS");
	for (__u32 s = 0; s < XLB_MAX_BACKENDS; s++) {
		if (xlb_backend_get(&m, s, &be))
			continue;
		if (only_vip != XLB_MAX_VIPS && be.vip_id != only_vip)
			continue;
		print_backend(&m, s, &be, json, first);
		first = false;
	}
	if (json)
		printf("]\n");
	xlb_maps_close(&m);
	return 0;
}

int cmd_backend(int argc, char **argv)
{
	static const struct cli_command subs[] = {
		{ "add", backend_add },
		{ "set", backend_set },
		{ "del", backend_del },
		{ "list", backend_list },
		{},
	};

	return cli_dispatch("backend", subs, argc - 1, argv + 1);
}

static void write_sysctl(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, value, strlen(value)) < 0)
		die("cannot set %s: %s (run as root)", path, strerror(errno));
	close(fd);
}

/* On a DSR backend: the VIP on lo, so the kernel accepts the forwarded packets, and ARP
 * settings that keep it from answering for the VIP the load balancer owns. */
int cmd_backend_setup(int argc, char **argv)
{
	struct cli_args a = {
		.argc = argc, .argv = argv, .cmd = "backend-setup", .usage = "xlb backend-setup VIP"
	};
	struct xlb_vip_spec v;
	int err;

	cli_parse(&a, cli_no_opts, cli_ignore_opt, NULL);
	cli_want_args(&a, 1, 1);
	cli_parse_vip(a.pos[0], &v);
	err = xlb_lo_addr_add(&v.ip);
	if (err)
		die_err(err, "adding the VIP to lo");
	write_sysctl("/proc/sys/net/ipv4/conf/all/arp_ignore", "1");
	write_sysctl("/proc/sys/net/ipv4/conf/all/arp_announce", "2");
	printf("VIP address of %s is on lo; arp_ignore=1, arp_announce=2\n", a.pos[0]);
	return 0;
}
