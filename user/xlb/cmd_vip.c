// SPDX-License-Identifier: GPL-2.0-only
/* xlb vip add / del / list. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct vip_add_opts {
	enum xlb_sched sched;
	bool per_packet;
};

static void vip_add_opt(int opt, const char *arg, void *ctx)
{
	struct vip_add_opts *o = ctx;

	if (opt == 's') {
		if (!strcmp(arg, "rr"))
			o->sched = XLB_SCHED_RR;
		else if (!strcmp(arg, "wrr"))
			o->sched = XLB_SCHED_WRR;
		else
			die_usage("vip add: bad --sched '%s': expected rr or wrr", arg);
	} else if (opt == 'p') {
		o->per_packet = true;
	}
}

static int vip_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sched", required_argument, NULL, 's' },
		{ "per-packet", no_argument, NULL, 'p' },
		{},
	};
	struct cli_args a = {
		.argc = argc,
		.argv = argv,
		.cmd = "vip add",
		.usage = "xlb vip add ADDR:PORT/PROTO [--sched rr|wrr] [--per-packet]"
	};
	struct vip_add_opts o = { .sched = XLB_SCHED_RR };
	struct xlb_vip_spec v;
	struct xlb_maps m;
	int err;

	cli_parse(&a, opts, vip_add_opt, &o);
	cli_want_args(&a, 1, 1);
	cli_parse_vip(a.pos[0], &v);
	if (o.per_packet && v.proto != IPPROTO_UDP)
		die_usage("vip add: --per-packet is for UDP VIPs only; %s is TCP", a.pos[0]);
	cli_open_maps(&m);
	cli_lock(&m);
	err = xlb_vip_add(&m, &v, o.sched, o.per_packet, NULL);
	if (err == -EEXIST)
		die("VIP %s exists already (change its backends with 'xlb backend')", a.pos[0]);
	if (err == -ENOSPC)
		die("cannot add %s: all %d VIPs are in use", a.pos[0], XLB_MAX_VIPS);
	if (err)
		die_err(err, a.pos[0]);
	xlb_maps_close(&m);
	return 0;
}

static int vip_del(int argc, char **argv)
{
	struct cli_args a = {
		.argc = argc, .argv = argv, .cmd = "vip del", .usage = "xlb vip del ADDR:PORT/PROTO"
	};
	struct xlb_maps m;
	__u32 id;
	int err;

	cli_parse(&a, cli_no_opts, cli_ignore_opt, NULL);
	cli_want_args(&a, 1, 1);
	cli_open_maps(&m);
	cli_lock(&m);
	id = cli_find_vip(&m, a.pos[0]);
	err = xlb_vip_del(&m, id);
	if (err)
		die_err(err, a.pos[0]);
	xlb_maps_close(&m);
	return 0;
}

static int vip_list(int argc, char **argv)
{
	struct cli_args a = {
		.argc = argc, .argv = argv, .cmd = "vip list", .usage = "xlb vip list [--json]"
	};
	char name[XLB_VIP_STRLEN];
	struct xlb_vip_spec spec;
	struct xlb_backend be;
	struct xlb_vip vip;
	struct xlb_maps m;
	bool json = false;
	int n = 0;

	cli_parse(&a, cli_json_opts, cli_json_opt, &json);
	cli_want_args(&a, 0, 0);
	cli_open_maps(&m);
	if (json)
		printf("[");
	else
		printf("%-44s %-5s %-10s %s\n", "VIP", "SCHED", "MODE", "BACKENDS");
	for (__u32 id = 0; id < XLB_MAX_VIPS; id++) {
		unsigned int backends = 0;
		const char *mode;

		if (xlb_vip_get(&m, id, &vip))
			continue;
		for (__u32 s = 0; s < XLB_MAX_BACKENDS; s++)
			backends += !xlb_backend_get(&m, s, &be) && be.vip_id == id;
		xlb_vip_to_spec(&vip, &spec);
		xlb_format_vip(&spec, name, sizeof(name));
		mode = vip.flags & XLB_VIP_PER_PACKET ? "per-packet" : "per-flow";
		if (json)
			printf("%s{\"vip\":\"%s\",\"id\":%u,\"sched\":\"%s\",\"mode\":\"%s\","
			       "\"backends\":%u}",
			       n ? "," : "", name, id, xlb_sched_name(vip.sched), mode, backends);
		else
			printf("%-44s %-5s %-10s %u\n", name, xlb_sched_name(vip.sched), mode,
			       backends);
		n++;
	}
	if (json)
		printf("]\n");
	xlb_maps_close(&m);
	return 0;
}

int cmd_vip(int argc, char **argv)
{
	static const struct cli_command subs[] = {
		{ "add", vip_add },
		{ "del", vip_del },
		{ "list", vip_list },
		{},
	};

	return cli_dispatch("vip", subs, argc - 1, argv + 1);
}
