// SPDX-License-Identifier: GPL-2.0-only
/* xlb top's frame: rates and layout from two readings (top_view.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "state.h"
#include "top_view.h"

/* Column widths. NAME_W + the rest + separators = XLB_TOP_WIDTH; a name wider than its
 * column (an IPv6 backend can take 39 characters) goes on a line of its own. */
#define NAME_W 30
#define ROW_FMT "%-30s %7s %7s %6s %7s %4s %-5s %-6s"
#define VIP_FMT "%-30s %7s %7s %6s %7s %s"

#define FLOWS_UNKNOWN XLB_TOP_FLOWS_UNKNOWN

/* The same VIP in both readings (an id freed and given to another VIP is not). */
static bool same_vip(const struct xlb_vip *a, const struct xlb_vip *b)
{
	return (a->flags & XLB_VIP_IN_USE) && (b->flags & XLB_VIP_IN_USE) &&
	       a->family == b->family && a->proto == b->proto && a->port == b->port &&
	       !memcmp(a->addr, b->addr, sizeof(a->addr));
}

/* The same backend: a slot reused bumps its generation. */
static bool same_backend(const struct xlb_backend *a, const struct xlb_backend *b)
{
	return a->in_use && b->in_use && a->gen == b->gen && a->vip_id == b->vip_id;
}

double xlb_top_rate(__u64 now, __u64 then, __u64 elapsed_ns)
{
	__u64 d = now >= then ? now - then : now;

	if (!elapsed_ns)
		return -1;
	return (double)d * 1e9 / (double)elapsed_ns;
}

void xlb_top_num(double v, char *buf, size_t len)
{
	static const char units[] = "kMGTPE";
	int u = 0, prec;

	if (v < 0 || isnan(v)) {
		snprintf(buf, len, "-");
		return;
	}
	/* A fraction only where it says something: 0.5 packets/s at --interval 2. */
	if (v < 9.95 && v != (double)(unsigned long long)v) {
		snprintf(buf, len, "%.1f", v);
		return;
	}
	if (v < 99999.5) {
		snprintf(buf, len, "%.0f", v);
		return;
	}
	v /= 1000;
	while (v >= 999.5 && units[u + 1]) {
		v /= 1000;
		u++;
	}
	/* Precision from the value as it will be rounded, so that 9.999 is "10.0", not
	 * "10.00": never more than 5 characters. */
	prec = v < 9.995 ? 2 : v < 99.95 ? 1 : 0;
	snprintf(buf, len, "%.*f%c", prec, v, units[u]);
}

bool xlb_top_flow_live(const struct xlb_backend *be, const struct xlb_flow *f)
{
	return be->in_use && be->gen == f->gen && be->vip_id == f->vip_id &&
	       be->admin != XLB_ADMIN_DOWN && be->health != XLB_HEALTH_DOWN;
}

void xlb_top_carry_flows(struct xlb_top_snap *now, const struct xlb_top_snap *then)
{
	for (__u32 s = 0; s < XLB_MAX_BACKENDS; s++)
		now->be_flows[s] =
			same_backend(&now->be[s], &then->be[s]) ? then->be_flows[s] : FLOWS_UNKNOWN;
	now->flows_ns = then->flows_ns;
	now->flows_fresh = false;
}

int xlb_top_parse_interval(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(v) || v < 0.1 || v > 3600)
		return -EINVAL;
	*out = v;
	return 0;
}

/* One line, cut to XLB_TOP_WIDTH with "..." when longer (only the header can be), without
 * trailing blanks. */
static __attribute__((format(printf, 2, 3))) void put_line(FILE *out, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > XLB_TOP_WIDTH) {
		memcpy(buf + XLB_TOP_WIDTH - 3, "...", 4);
		n = XLB_TOP_WIDTH;
	}
	while (n > 0 && buf[n - 1] == ' ') /* left-aligned last column */
		buf[--n] = '\0';
	fputs(buf, out);
	fputc('\n', out);
}

struct rates {
	char pps[8], bps[8], nfs[8];
};

static void stats_rates(const struct xlb_stats *now, const struct xlb_stats *then, __u64 elapsed,
			struct rates *r)
{
	xlb_top_num(then ? xlb_top_rate(now->packets, then->packets, elapsed) : -1, r->pps,
		    sizeof(r->pps));
	xlb_top_num(then ? xlb_top_rate(now->bytes, then->bytes, elapsed) : -1, r->bps,
		    sizeof(r->bps));
	xlb_top_num(then ? xlb_top_rate(now->new_flows, then->new_flows, elapsed) : -1, r->nfs,
		    sizeof(r->nfs));
}

static void format_header(FILE *out, const struct xlb_top_frame *f, __u64 elapsed)
{
	const struct xlb_top_snap *now = f->now, *then = f->then;
	char pps[8], flows[8], drops[8], age[32] = "";
	double pkts = then ? 0 : -1;
	unsigned long long nflows = 0;

	for (__u32 id = 0; id < XLB_MAX_VIPS; id++)
		if (then && same_vip(&now->vip[id], &then->vip[id]))
			pkts += xlb_top_rate(now->vip_stats[id].packets,
					     then->vip_stats[id].packets, elapsed);
	for (__u32 s = 0; s < XLB_MAX_BACKENDS; s++)
		if (now->be[s].in_use && now->be_flows[s] != FLOWS_UNKNOWN)
			nflows += now->be_flows[s];
	xlb_top_num(pkts, pps, sizeof(pps));
	xlb_top_num((double)nflows, flows, sizeof(flows));
	xlb_top_num(then ? xlb_top_rate(now->drops, then->drops, elapsed) : -1, drops,
		    sizeof(drops));
	if (!now->flows_fresh) {
		double secs = (double)(now->when_ns - now->flows_ns) / 1e9;

		snprintf(age, sizeof(age), " (%.*fs old)", secs < 9.95 ? 1 : 0, secs);
	}
	put_line(out, "%s  %s pkt/s  %s flows%s  %s drop/s  dev %s", f->clock, pps, flows, age,
		 drops, f->devs[0] ? f->devs : "-");
	put_line(out, ROW_FMT, "VIP / BACKEND", "PKT/S", "BYTE/S", "NEW/S", "FLOWS", "WGT", "ADMIN",
		 "HEALTH");
}

/* name on the row, or alone on the line before when it does not fit its column. */
static const char *row_name(FILE *out, const char *indent, const char *name)
{
	if (strlen(indent) + strlen(name) <= NAME_W) {
		static char buf[XLB_VIP_STRLEN + 8];

		snprintf(buf, sizeof(buf), "%s%s", indent, name);
		return buf;
	}
	put_line(out, "%s%s", indent, name);
	return "";
}

static void format_backend(FILE *out, const struct xlb_top_frame *f, __u32 slot, __u64 elapsed,
			   bool per_packet)
{
	const struct xlb_top_snap *now = f->now, *then = f->then;
	const struct xlb_backend *be = &now->be[slot];
	char addr[XLB_VIP_STRLEN], flows[8], weight[8];
	struct xlb_addr a;
	struct rates r;

	xlb_backend_addr(be, &a);
	xlb_format_addr(&a, addr, sizeof(addr));
	stats_rates(&now->be_stats[slot],
		    then && same_backend(be, &then->be[slot]) ? &then->be_stats[slot] : NULL,
		    elapsed, &r);
	xlb_top_num(per_packet || now->be_flows[slot] == FLOWS_UNKNOWN
			    ? -1.0
			    : (double)now->be_flows[slot],
		    flows, sizeof(flows));
	xlb_top_num(be->weight, weight, sizeof(weight));
	put_line(out, ROW_FMT, row_name(out, "  ", addr), r.pps, r.bps, r.nfs, flows, weight,
		 xlb_admin_name(be->admin), xlb_health_name(be->health));
}

static void format_vip(FILE *out, const struct xlb_top_frame *f, __u32 id, __u64 elapsed)
{
	const struct xlb_top_snap *now = f->now, *then = f->then;
	const struct xlb_vip *vip = &now->vip[id];
	bool per_packet = vip->flags & XLB_VIP_PER_PACKET, known = !per_packet;
	unsigned int total = 0, eligible = 0;
	char name[XLB_VIP_STRLEN], flows[8], tail[32];
	unsigned long long nflows = 0;
	struct xlb_vip_spec spec;
	struct rates r;

	for (__u32 s = 0; s < XLB_MAX_BACKENDS; s++) {
		const struct xlb_backend *be = &now->be[s];

		if (!be->in_use || be->vip_id != id)
			continue;
		total++;
		eligible += be->admin == XLB_ADMIN_UP && be->health == XLB_HEALTH_UP && be->weight;
		if (now->be_flows[s] == FLOWS_UNKNOWN)
			known = false;
		else
			nflows += now->be_flows[s];
	}
	xlb_vip_to_spec(vip, &spec);
	xlb_format_vip(&spec, name, sizeof(name));
	stats_rates(&now->vip_stats[id],
		    then && same_vip(vip, &then->vip[id]) ? &then->vip_stats[id] : NULL, elapsed,
		    &r);
	xlb_top_num(known ? (double)nflows : -1, flows, sizeof(flows));
	/* In the WGT..HEALTH columns: the scheduler and how many backends take new flows. */
	snprintf(tail, sizeof(tail), "%s%s %u/%u up", xlb_sched_name(vip->sched),
		 per_packet ? "/pkt" : "", eligible, total);
	put_line(out, VIP_FMT, row_name(out, "", name), r.pps, r.bps, r.nfs, flows, tail);
	for (__u32 s = 0; s < XLB_MAX_BACKENDS; s++)
		if (now->be[s].in_use && now->be[s].vip_id == id)
			format_backend(out, f, s, elapsed, per_packet);
}

int xlb_top_format(FILE *out, const struct xlb_top_frame *frame)
{
	struct xlb_top_frame fr = *frame, *f = &fr;
	__u64 elapsed = 0;
	bool any = false;

	/* Rates need time to have passed; a reading not later than the one before is none. */
	if (f->then && f->now->when_ns > f->then->when_ns)
		elapsed = f->now->when_ns - f->then->when_ns;
	else
		f->then = NULL;
	format_header(out, f, elapsed);
	for (__u32 id = 0; id < XLB_MAX_VIPS; id++) {
		if (!(f->now->vip[id].flags & XLB_VIP_IN_USE))
			continue;
		format_vip(out, f, id, elapsed);
		any = true;
	}
	if (!any)
		put_line(out, "(no VIPs: add one with 'xlb vip add ADDR:PORT/PROTO')");
	return ferror(out) ? -EIO : 0;
}
