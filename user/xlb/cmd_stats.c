// SPDX-License-Identifier: GPL-2.0-only
/* xlb stats and xlb flows. */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "cli.h"

/* One snapshot of every counter, so that --interval can print differences. */
struct snapshot {
	__u64 verdicts[XLB_CNT_MAX];
	struct xlb_stats vip[XLB_MAX_VIPS];
	struct xlb_stats backend[XLB_MAX_BACKENDS];
};

static void take_snapshot(struct xlb_maps *m, struct snapshot *s)
{
	struct xlb_backend be;
	struct xlb_vip vip;
	int err;

	memset(s, 0, sizeof(*s));
	err = xlb_read_verdicts(m, s->verdicts);
	if (err)
		die_err(err, "reading counters");
	for (__u32 id = 0; id < XLB_MAX_VIPS; id++)
		if (!xlb_vip_get(m, id, &vip))
			xlb_read_vip_stats(m, id, &s->vip[id]);
	for (__u32 slot = 0; slot < XLB_MAX_BACKENDS; slot++)
		if (!xlb_backend_get(m, slot, &be))
			xlb_read_backend_stats(m, slot, &s->backend[slot]);
}

/* A counter that went down was reset (its VIP id or backend slot was reused): all of its
 * value is new since then. */
static __u64 counter_delta(__u64 now, __u64 then)
{
	return now >= then ? now - then : now;
}

static struct xlb_stats stats_delta(const struct xlb_stats *now, const struct xlb_stats *then)
{
	return (struct xlb_stats){
		.packets = counter_delta(now->packets, then->packets),
		.bytes = counter_delta(now->bytes, then->bytes),
		.new_flows = counter_delta(now->new_flows, then->new_flows),
		.drops = counter_delta(now->drops, then->drops),
	};
}

static void print_row(bool json, bool *first, const char *kind, const char *vip,
		      const char *backend, const struct xlb_stats *st)
{
	if (json)
		printf("%s{\"kind\":\"%s\",\"vip\":\"%s\",\"backend\":\"%s\",\"packets\":%llu,"
		       "\"bytes\":%llu,\"new_flows\":%llu,\"drops\":%llu}",
		       *first ? "" : ",", kind, vip, backend, st->packets, st->bytes, st->new_flows,
		       st->drops);
	else
		printf("%-28s %-26s %12llu %14llu %10llu %8llu\n", vip, backend, st->packets,
		       st->bytes, st->new_flows, st->drops);
	*first = false;
}

/* Prints now - then (then is all zeroes for totals). */
static void print_stats(struct xlb_maps *m, const struct snapshot *now, const struct snapshot *then,
			bool json)
{
	char vip_name[XLB_VIP_STRLEN], addr[XLB_VIP_STRLEN];
	struct xlb_vip_spec spec;
	struct xlb_backend be;
	struct xlb_vip vip;
	struct xlb_stats d;
	struct xlb_addr a;
	bool first = true;

	if (json)
		printf("{\"traffic\":[");
	else
		printf("%-28s %-26s %12s %14s %10s %8s\n", "VIP", "BACKEND", "PACKETS", "BYTES",
		       "NEW_FLOWS", "DROPS");
	for (__u32 id = 0; id < XLB_MAX_VIPS; id++) {
		if (xlb_vip_get(m, id, &vip))
			continue;
		xlb_vip_to_spec(&vip, &spec);
		xlb_format_vip(&spec, vip_name, sizeof(vip_name));
		d = stats_delta(&now->vip[id], &then->vip[id]);
		print_row(json, &first, "vip", vip_name, "*", &d);
		for (__u32 slot = 0; slot < XLB_MAX_BACKENDS; slot++) {
			if (xlb_backend_get(m, slot, &be) || be.vip_id != id)
				continue;
			xlb_backend_addr(&be, &a);
			xlb_format_addr(&a, addr, sizeof(addr));
			d = stats_delta(&now->backend[slot], &then->backend[slot]);
			print_row(json, &first, "backend", vip_name, addr, &d);
		}
	}
	if (json) {
		printf("],\"verdicts\":{");
		for (int c = 0; c < XLB_CNT_MAX; c++)
			printf("%s\"%s\":%llu", c ? "," : "", xlb_counter_name(c),
			       now->verdicts[c] - then->verdicts[c]);
		printf("}}\n");
	} else {
		printf("verdicts:");
		for (int c = 0; c < XLB_CNT_MAX; c++)
			printf(" %s %llu", xlb_counter_name(c),
			       now->verdicts[c] - then->verdicts[c]);
		printf("\n");
	}
	fflush(stdout);
}

struct stats_opts {
	bool json;
	unsigned long interval;
};

static void stats_opt(int opt, const char *arg, void *ctx)
{
	struct stats_opts *o = ctx;

	if (opt == 'j')
		o->json = true;
	else if (opt == 'i' && (o->interval = cli_parse_uint("--interval", arg, 3600)) == 0)
		die_usage("stats: --interval must be at least 1 second");
}

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "interval", required_argument, NULL, 'i' },
		{},
	};
	static struct snapshot then, now, zero;
	struct cli_args a = { .argc = argc,
			      .argv = argv,
			      .cmd = "stats",
			      .usage = "xlb stats [--json] [--interval SEC]" };
	struct stats_opts o = {};
	struct xlb_maps m;

	cli_parse(&a, opts, stats_opt, &o);
	cli_want_args(&a, 0, 0);
	cli_open_maps(&m);
	take_snapshot(&m, &now);
	if (!o.interval) {
		print_stats(&m, &now, &zero, o.json);
		xlb_maps_close(&m);
		return 0;
	}
	/* With --interval: what happened in each interval, until interrupted. */
	for (;;) {
		then = now;
		sleep(o.interval);
		take_snapshot(&m, &now);
		if (!o.json)
			printf("--- last %lus\n", o.interval);
		print_stats(&m, &now, &then, o.json);
	}
}

struct flow_walk {
	struct xlb_maps *m;
	bool json, first;
	__u32 only_vip;
	unsigned long count;
};

static void print_flow(struct flow_walk *w, const struct xlb_addr *client, __u16 sport,
		       const struct xlb_flow *f)
{
	char caddr[XLB_VIP_STRLEN], vip_name[XLB_VIP_STRLEN], baddr[XLB_VIP_STRLEN] = "-";
	struct xlb_vip_spec spec;
	struct xlb_backend be;
	struct xlb_vip vip;
	struct xlb_addr a;
	bool live;

	if (w->only_vip != XLB_MAX_VIPS && f->vip_id != w->only_vip)
		return;
	if (xlb_vip_get(w->m, f->vip_id, &vip))
		return;
	xlb_vip_to_spec(&vip, &spec);
	xlb_format_vip(&spec, vip_name, sizeof(vip_name));
	xlb_format_addr(client, caddr, sizeof(caddr));
	/* The program's own test (bpf/sched.h flow_backend): a flow whose slot was freed or
	 * reused, or whose backend is down, is rescheduled at its next packet. */
	live = !xlb_backend_get(w->m, f->backend, &be) && be.gen == f->gen &&
	       be.vip_id == f->vip_id && be.admin != XLB_ADMIN_DOWN && be.health != XLB_HEALTH_DOWN;
	if (live) {
		xlb_backend_addr(&be, &a);
		xlb_format_addr(&a, baddr, sizeof(baddr));
	}
	if (w->json)
		printf("%s{\"client\":\"%s\",\"port\":%u,\"vip\":\"%s\",\"backend\":\"%s\","
		       "\"stale\":%s}",
		       w->first ? "" : ",", caddr, sport, vip_name, baddr, live ? "false" : "true");
	else
		printf("%-40s %5u  %-28s -> %s%s\n", caddr, sport, vip_name, baddr,
		       live ? "" : " (stale)");
	w->first = false;
	w->count++;
}

static void walk_flow4(struct flow_walk *w)
{
	struct xlb_flow4_key key, next, *prev = NULL;
	struct xlb_flow f;

	while (!bpf_map_get_next_key(w->m->flow4, prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(w->m->flow4, &key, &f)) {
			struct xlb_addr client = { .family = AF_INET };

			memcpy(client.addr, &key.saddr, 4);
			print_flow(w, &client, ntohs(key.sport), &f);
		}
	}
}

static void walk_flow6(struct flow_walk *w)
{
	struct xlb_flow6_key key, next, *prev = NULL;
	struct xlb_flow f;

	while (!bpf_map_get_next_key(w->m->flow6, prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(w->m->flow6, &key, &f)) {
			struct xlb_addr client = { .family = AF_INET6 };

			memcpy(client.addr, key.saddr, 16);
			print_flow(w, &client, ntohs(key.sport), &f);
		}
	}
}

int cmd_flows(int argc, char **argv)
{
	struct cli_args a = {
		.argc = argc, .argv = argv, .cmd = "flows", .usage = "xlb flows [VIP] [--json]"
	};
	struct flow_walk w = { .first = true, .only_vip = XLB_MAX_VIPS };
	struct xlb_maps m;

	cli_parse(&a, cli_json_opts, cli_json_opt, &w.json);
	cli_want_args(&a, 0, 1);
	if (a.npos) {
		struct xlb_vip_spec v;

		cli_parse_vip(a.pos[0], &v);
	}
	cli_open_maps(&m);
	w.m = &m;
	if (a.npos)
		w.only_vip = cli_find_vip(&m, a.pos[0]);
	if (w.json)
		printf("[");
	else
		printf("%-40s %5s  %-28s    %s\n", "CLIENT", "PORT", "VIP", "BACKEND");
	walk_flow4(&w);
	walk_flow6(&w);
	if (w.json)
		printf("]\n");
	else
		printf("%lu flows\n", w.count);
	xlb_maps_close(&m);
	return 0;
}
