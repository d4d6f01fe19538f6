// SPDX-License-Identifier: GPL-2.0-only
/* xlb attach / detach / status. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "cli.h"
#include "daemon_status.h"

struct attach_opts {
	enum xdp_attach_mode mode;
	__u32 flows;
};

static void attach_opt(int opt, const char *arg, void *ctx)
{
	struct attach_opts *o = ctx;

	if (opt == 'm') {
		if (!strcmp(arg, "native"))
			o->mode = XDP_MODE_NATIVE;
		else if (!strcmp(arg, "skb"))
			o->mode = XDP_MODE_SKB;
		else
			die_usage("attach: bad --mode '%s': expected native or skb", arg);
	} else if (opt == 'f') {
		o->flows = cli_parse_uint("--flows", arg, 1u << 28);
		if (o->flows < 1024)
			die_usage("attach: --flows %s is too small: at least 1024", arg);
	}
}

static int ifindex_or_die(const char *dev)
{
	int ifindex = if_nametoindex(dev);

	if (!ifindex)
		die("no interface '%s' in this network namespace", dev);
	return ifindex;
}

int cmd_attach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "flows", required_argument, NULL, 'f' },
		{},
	};
	struct cli_args a = { .argc = argc,
			      .argv = argv,
			      .cmd = "attach",
			      .usage = "xlb attach DEV [--mode native|skb] [--flows N]" };
	struct attach_opts o = { .mode = XDP_MODE_NATIVE };
	int ifindex, err;

	cli_parse(&a, opts, attach_opt, &o);
	cli_want_args(&a, 1, 1);
	ifindex = ifindex_or_die(a.pos[0]);
	err = xlb_attach(ifindex, o.mode, o.flows, NULL);
	if (err == -EEXIST)
		die("xlb is already attached to %s (detach it first to change the mode)", a.pos[0]);
	if (err == -EBUSY)
		die("the pinned flow tables hold %u flows, not %u: detach xlb everywhere and "
		    "remove "
		    "%s to resize them",
		    xlb_pinned_flows(), o.flows, xlb_pin_dir());
	if (err == -EOPNOTSUPP)
		die("cannot attach to %s in %s mode: the driver does not support it (try --mode "
		    "skb)",
		    a.pos[0], xlb_mode_name(o.mode));
	if (err)
		die_err(err, "attach");
	printf("xlb attached to %s (%s), maps in %s\n", a.pos[0], xlb_mode_name(o.mode),
	       xlb_pin_dir());
	return 0;
}

int cmd_detach(int argc, char **argv)
{
	struct cli_args a = {
		.argc = argc, .argv = argv, .cmd = "detach", .usage = "xlb detach DEV"
	};
	int err;

	cli_parse(&a, cli_no_opts, cli_ignore_opt, NULL);
	cli_want_args(&a, 1, 1);
	err = xlb_detach(ifindex_or_die(a.pos[0]));
	if (err == -ENOENT)
		die("xlb is not attached to %s", a.pos[0]);
	if (err)
		die_err(err, "detach");
	printf("xlb detached from %s; the maps stay pinned in %s\n", a.pos[0], xlb_pin_dir());
	return 0;
}

/* The value of the JSON string member `key` in text, copied into out; "-" when absent. */
static void json_string(const char *text, const char *key, char *out, size_t len)
{
	char pattern[64];
	const char *v;
	size_t n;

	snprintf(pattern, sizeof(pattern), "\"%s\":\"", key);
	v = strstr(text, pattern);
	if (!v) {
		snprintf(out, len, "-");
		return;
	}
	v += strlen(pattern);
	n = strcspn(v, "\"");
	snprintf(out, len, "%.*s", (int)n, v);
}

/* Ends the status output with what xlbd says of itself, when one answers. */
static void print_daemon(bool json, unsigned int attached)
{
	char *status = daemon_status_fetch();
	char config[256], reload[64];

	if (json) {
		printf("]%s%s}\n", status ? ",\"daemon\":" : ",\"daemon\":null",
		       status ? status : "");
	} else {
		printf("%s\n", attached ? "" : " none in this network namespace");
		if (status) {
			json_string(status, "config", config, sizeof(config));
			json_string(status, "last_reload", reload, sizeof(reload));
			printf("daemon:     xlbd at %s, config %s, last reload %s\n",
			       daemon_status_address(), config, reload);
		} else {
			printf("daemon:     none answering at %s\n", daemon_status_address());
		}
	}
	free(status);
}

int cmd_status(int argc, char **argv)
{
	struct cli_args a = {
		.argc = argc, .argv = argv, .cmd = "status", .usage = "xlb status [--json]"
	};
	struct if_nameindex *ifs, *i;
	unsigned int vips = 0, backends = 0, n = 0;
	struct xlb_backend be;
	struct xlb_vip vip;
	struct xlb_maps m;
	bool json = false;

	cli_parse(&a, cli_json_opts, cli_json_opt, &json);
	cli_want_args(&a, 0, 0);
	cli_open_maps(&m);
	for (__u32 id = 0; id < XLB_MAX_VIPS; id++)
		vips += !xlb_vip_get(&m, id, &vip);
	for (__u32 s = 0; s < XLB_MAX_BACKENDS; s++)
		backends += !xlb_backend_get(&m, s, &be);

	printf(json ? "{\"pin_dir\":\"%s\",\"vips\":%u,\"backends\":%u,\"flow_table_size\":%u,"
		      "\"interfaces\":["
		    : "maps:       %s\nvips:       %u\nbackends:   %u\nflow table: %u per family\n"
		      "attached:  ",
	       xlb_pin_dir(), vips, backends, xlb_pinned_flows());
	ifs = if_nameindex();
	for (i = ifs; i && i->if_index; i++) {
		__u32 prog_id = 0;
		enum xdp_attach_mode mode = xlb_attached_mode(i->if_index, &prog_id);

		if (mode == XDP_MODE_UNSPEC)
			continue;
		if (json)
			printf("%s{\"dev\":\"%s\",\"mode\":\"%s\",\"prog_id\":%u}", n ? "," : "",
			       i->if_name, xlb_mode_name(mode), prog_id);
		else
			printf(" %s (%s, prog %u)", i->if_name, xlb_mode_name(mode), prog_id);
		n++;
	}
	if_freenameindex(ifs);
	print_daemon(json, n);
	xlb_maps_close(&m);
	return 0;
}
