// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of xlb top's view (top_view.h) on made-up readings: rates from counter
 * differences and resets, number formatting, which flows count, carrying flow counts over,
 * and the frame itself: the 80-column limit with long IPv6 names, "-" for what has no
 * earlier reading, removed entries gone. TAP.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "top_view.h"
#include "../lib/tap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define SEC 1000000000ull

/* ---- rates and numbers ---- */

static void test_rate(void)
{
	ASSERT_EQ(xlb_top_rate(200, 100, SEC), 100, "rate: 100 in 1 s is 100/s");
	ASSERT_EQ(xlb_top_rate(150, 100, SEC / 2), 100, "rate: 50 in 0.5 s is 100/s");
	/* measured time, not the nominal interval: 100 in 1.25 s */
	ASSERT_EQ(xlb_top_rate(1100, 1000, SEC + SEC / 4), 80, "rate: 100 in 1.25 s is 80/s");
	ASSERT_EQ(xlb_top_rate(100, 100, SEC), 0, "rate: no change is 0");
	/* A VIP deleted and added again between readings starts from zero: what it has now
	 * is what came since, never a negative rate. */
	ASSERT_EQ(xlb_top_rate(30, 1000, SEC), 30, "rate: counter went down (reset) -> its value");
	ASSERT_TRUE(xlb_top_rate(0, ~0ull, SEC) == 0, "rate: reset to 0 from the largest -> 0");
	ASSERT_TRUE(xlb_top_rate(5, 1, 0) < 0, "rate: no time elapsed -> none (-1)");
}

static void test_num(void)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
		{ -1, "-" },	      { 0, "0" },	    { 0.5, "0.5" },
		{ 3, "3" },	      { 9.94, "9.9" },	    { 9.96, "10" },
		{ 12.4, "12" },	      { 99999, "99999" },   { 99999.5, "100k" },
		{ 123456, "123k" },   { 999499, "999k" },   { 999500, "1.00M" },
		{ 1234567, "1.23M" }, { 9995000, "10.0M" }, { 99960000, "100M" },
		{ 1.2e9, "1.20G" },   { 1.84e19, "18.4E" },
	};
	char buf[16];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		xlb_top_num(cases[i].v, buf, sizeof(buf));
		if (!ASSERT_TRUE(!strcmp(buf, cases[i].want),
				 tname("num: %g -> %s", cases[i].v, cases[i].want)))
			printf("#   got '%s'\n", buf);
	}
	/* Every magnitude fits the narrowest column (NEW/S, 6 wide) with a space to spare. */
	for (double v = 0.01; v < 1e19; v *= 1.37) {
		xlb_top_num(v, buf, sizeof(buf));
		if (strlen(buf) > 5) {
			ASSERT_LE(strlen(buf), 5, tname("num: %g as '%s' fits 5 columns", v, buf));
			return;
		}
	}
	ASSERT_TRUE(true, "num: 0.01 .. 1e19 all fit 5 columns");
}

static void test_parse_interval(void)
{
	static const char *bad[] = { "0",   "0.0", "-1",   "x",	   "",	   "1s",
				     "nan", "inf", "3601", "0.09", "1e-10" };
	double v = 0;

	ASSERT_TRUE(!xlb_top_parse_interval("1", &v) && v == 1, "interval: 1");
	ASSERT_TRUE(!xlb_top_parse_interval("0.5", &v) && v == 0.5, "interval: 0.5");
	ASSERT_TRUE(!xlb_top_parse_interval("0.1", &v) && v == 0.1, "interval: 0.1");
	ASSERT_TRUE(!xlb_top_parse_interval("3600", &v) && v == 3600, "interval: 3600");
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		ASSERT_EQ(xlb_top_parse_interval(bad[i], &v), -EINVAL,
			  tname("interval: '%s' refused", bad[i]));
}

/* ---- flows ---- */

static void test_flow_live(void)
{
	struct xlb_backend be = { .in_use = 1, .gen = 7, .vip_id = 3 }, b;
	struct xlb_flow f = { .backend = 5, .gen = 7, .vip_id = 3 };

	ASSERT_TRUE(xlb_top_flow_live(&be, &f), "flow live: same generation and VIP");
	b = be, b.admin = XLB_ADMIN_DRAIN;
	ASSERT_TRUE(xlb_top_flow_live(&b, &f), "flow live: drain keeps its flows");
	b = be, b.gen = 8;
	ASSERT_TRUE(!xlb_top_flow_live(&b, &f), "flow not live: slot reused (generation)");
	b = be, b.vip_id = 4;
	ASSERT_TRUE(!xlb_top_flow_live(&b, &f), "flow not live: slot of another VIP");
	b = be, b.in_use = 0;
	ASSERT_TRUE(!xlb_top_flow_live(&b, &f), "flow not live: slot free");
	b = be, b.admin = XLB_ADMIN_DOWN;
	ASSERT_TRUE(!xlb_top_flow_live(&b, &f), "flow not live: backend set down");
	b = be, b.health = XLB_HEALTH_DOWN;
	ASSERT_TRUE(!xlb_top_flow_live(&b, &f), "flow not live: backend unhealthy");
}

/* ---- frames ---- */

static struct xlb_top_snap snap_then, snap_now;

static void set_vip(struct xlb_top_snap *s, __u32 id, const char *addr, __u16 port)
{
	struct xlb_vip *v = &s->vip[id];

	memset(v, 0, sizeof(*v));
	v->flags = XLB_VIP_IN_USE;
	v->proto = 6;
	v->port = htons(port);
	v->family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	inet_pton(v->family, addr, v->addr);
}

static void set_backend(struct xlb_top_snap *s, __u32 slot, __u32 vip, __u32 gen, const char *addr)
{
	struct xlb_backend *b = &s->be[slot];

	memset(b, 0, sizeof(*b));
	b->in_use = 1;
	b->vip_id = vip;
	b->gen = gen;
	b->weight = 1;
	b->family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	inet_pton(b->family, addr, b->addr);
}

static char *format(const struct xlb_top_snap *now, const struct xlb_top_snap *then,
		    const char *devs)
{
	struct xlb_top_frame f = { .now = now, .then = then, .clock = "12:34:56", .devs = devs };
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	int err = xlb_top_format(out, &f);

	fclose(out);
	ASSERT_OK(err, "format: no error");
	return buf;
}

/* The frame as TAP comments. */
static void diag_frame(const char *frame)
{
	size_t len;

	for (const char *l = frame; *l; l += len + (l[len] == '\n')) {
		len = strcspn(l, "\n");
		printf("# |%.*s|\n", (int)len, l);
	}
}

/* Every line of frame at most XLB_TOP_WIDTH (so < 80) columns, and ASCII only. */
static void check_width(const char *frame, const char *what)
{
	size_t worst = 0, len;

	for (const char *l = frame; *l; l += len + (l[len] == '\n')) {
		len = strcspn(l, "\n");
		if (len > worst)
			worst = len;
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)l[i] < 0x20 || (unsigned char)l[i] > 0x7e)
				worst = 1000;
	}
	if (!ASSERT_LE(worst, XLB_TOP_WIDTH, tname("%s: every line within 79 columns", what)))
		diag_frame(frame);
}

/* The whitespace-separated fields of the row of name (a line starting with it after
 * spaces); a name alone on its line has its fields on the next. 0 fields when absent. */
static int row_fields(const char *frame, const char *name, char fields[8][64])
{
	const char *l = frame, *p;
	char line[128];
	size_t len = 0;
	int n = 0;

	for (; *l; l += len + (l[len] == '\n')) {
		len = strcspn(l, "\n");
		p = l + strspn(l, " ");
		if (!strncmp(p, name, strlen(name)) &&
		    (p[strlen(name)] == ' ' || p[strlen(name)] == '\n'))
			break;
	}
	if (!*l)
		return 0;
	snprintf(line, sizeof(line), "%.*s", (int)len, l);
	if (l[len] == '\n' && !strcmp(line + strspn(line, " "), name)) {
		/* wrapped: the numbers are on the next line */
		l += len + 1;
		len = strcspn(l, "\n");
		snprintf(line, sizeof(line), "%s %.*s", name, (int)len, l);
	}
	for (char *save, *t = strtok_r(line, " ", &save); t && n < 8;
	     t = strtok_r(NULL, " ", &save))
		snprintf(fields[n++], 64, "%s", t);
	return n;
}

enum { F_NAME, F_PPS, F_BPS, F_NEWS, F_FLOWS, F_WGT, F_ADMIN, F_HEALTH };

static void expect_field(const char *frame, const char *name, int field, const char *want,
			 const char *what)
{
	char f[8][64];
	int n = row_fields(frame, name, f);

	if (!ASSERT_TRUE(n > field && !strcmp(f[field], want), what))
		printf("#   row %s: field %d is '%s', want '%s'\n", name, field,
		       n > field ? f[field] : "(none)", want);
}

#define LONG6 "2001:db8:1234:5678:9abc:def0:1234:5678"
#define LONG6_VIP "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"

static void make_readings(void)
{
	struct xlb_top_snap *t = &snap_then, *n = &snap_now;

	memset(t, 0, sizeof(*t));
	memset(n, 0, sizeof(*n));
	/* then, 2 s before now (the nominal interval is irrelevant) */
	t->when_ns = 10 * SEC;
	n->when_ns = 12 * SEC;
	n->flows_fresh = true;
	n->flows_ns = n->when_ns;

	/* VIP 0: IPv4, two backends; slot 0 drained */
	set_vip(t, 0, "10.0.0.1", 80), set_vip(n, 0, "10.0.0.1", 80);
	t->vip_stats[0] = (struct xlb_stats){ .packets = 1000, .bytes = 1000000, .new_flows = 10 };
	n->vip_stats[0] = (struct xlb_stats){ .packets = 1400, .bytes = 3000000, .new_flows = 14 };
	set_backend(t, 0, 0, 1, "10.0.0.11"), set_backend(n, 0, 0, 1, "10.0.0.11");
	n->be[0].admin = XLB_ADMIN_DRAIN;
	t->be_stats[0].packets = 500, n->be_stats[0].packets = 700;
	n->be_flows[0] = 3;
	/* slot 1: the longest kind of IPv6 name */
	set_backend(t, 1, 0, 1, LONG6), set_backend(n, 1, 0, 1, LONG6);
	n->be[1].weight = 1000;
	t->be_stats[1].packets = 500, n->be_stats[1].packets = 700;
	n->be_flows[1] = 4;
	/* slot 2: removed since then */
	set_backend(t, 2, 0, 1, "10.0.0.13");
	/* slot 3: added since then */
	set_backend(n, 3, 0, 1, "10.0.0.14");
	n->be_stats[3].packets = 50;
	n->be[3].admin = XLB_ADMIN_DOWN;
	/* slot 4: deleted and reused by another backend (generation 2) */
	set_backend(t, 4, 0, 1, "10.0.0.15"), set_backend(n, 4, 0, 2, "10.0.0.16");
	t->be_stats[4].packets = 900, n->be_stats[4].packets = 20;

	/* VIP 1: IPv6, the longest name a VIP can have; deleted and added again since then,
	 * so its counters went down */
	set_vip(t, 1, LONG6_VIP, 65535), set_vip(n, 1, LONG6_VIP, 65535);
	t->vip_stats[1].packets = 100000, n->vip_stats[1].packets = 60;
	set_backend(n, 5, 1, 1, LONG6);
	n->be[5].health = XLB_HEALTH_DOWN;

	/* VIP 2: only then (removed); VIP 3: only now (added) */
	set_vip(t, 2, "10.0.0.2", 80);
	set_vip(n, 3, "10.0.0.3", 443);
	n->vip_stats[3].packets = 10;
	t->drops = 4, n->drops = 10;
}

static void test_frame(void)
{
	char *fr, f[8][64];

	make_readings();
	fr = format(&snap_now, &snap_then, "eth0,eth1");
	diag_frame(fr);
	check_width(fr, "frame");
	ASSERT_TRUE(!strncmp(fr, "12:34:56  ", 10), "header: starts with the clock");
	ASSERT_TRUE(strstr(fr, "dev eth0,eth1\n") != NULL, "header: attached interfaces");
	/* VIP 0: 200/s over the 2 s between readings; VIP 1 reset: 60 in 2 s; VIP 3 new */
	ASSERT_TRUE(strstr(fr, "  230 pkt/s  ") != NULL,
		    "header: total 200 + 30 pkt/s (new VIP: none)");
	ASSERT_TRUE(strstr(fr, "  7 flows  ") != NULL, "header: total flows 3 + 4");
	ASSERT_TRUE(strstr(fr, "  3 drop/s  ") != NULL, "header: drops 6 in 2 s");
	ASSERT_TRUE(strstr(fr, "old)") == NULL, "header: fresh flow counts are not called old");

	expect_field(fr, "10.0.0.1:80/tcp", F_PPS, "200", "vip: packets/s from the difference");
	expect_field(fr, "10.0.0.1:80/tcp", F_BPS, "1.00M", "vip: bytes/s");
	expect_field(fr, "10.0.0.1:80/tcp", F_NEWS, "2", "vip: new flows/s");
	expect_field(fr, "10.0.0.1:80/tcp", F_FLOWS, "7", "vip: flows, the sum of its backends'");
	expect_field(fr, "10.0.0.1:80/tcp", F_WGT, "rr", "vip: scheduler");
	/* eligible: slot 1 only (0 drained, 3 down, 4 up too) -> 2 of 4 */
	expect_field(fr, "10.0.0.1:80/tcp", F_ADMIN, "2/4", "vip: backends taking new flows");
	expect_field(fr, "10.0.0.11", F_PPS, "100", "backend: packets/s");
	expect_field(fr, "10.0.0.11", F_FLOWS, "3", "backend: flows");
	expect_field(fr, "10.0.0.11", F_ADMIN, "drain", "backend: admin state drain");
	expect_field(fr, "10.0.0.11", F_HEALTH, "up", "backend: health up");
	expect_field(fr, LONG6, F_PPS, "100", "long IPv6 backend: on two lines, rate");
	expect_field(fr, LONG6, F_WGT, "1000", "long IPv6 backend: weight");
	ASSERT_TRUE(strstr(fr, "\n  " LONG6 "\n") != NULL, "long IPv6 backend: name in full");
	ASSERT_TRUE(strstr(fr, "10.0.0.13") == NULL, "removed backend: gone");
	expect_field(fr, "10.0.0.14", F_PPS, "-", "added backend: no rate on its first frame");
	expect_field(fr, "10.0.0.14", F_ADMIN, "down", "added backend: admin state down");
	expect_field(fr, "10.0.0.16", F_PPS, "-", "reused slot: no rate against the old backend");
	ASSERT_TRUE(strstr(fr, "10.0.0.15") == NULL, "reused slot: the old backend is gone");
	ASSERT_TRUE(strstr(fr, "\n[" LONG6_VIP "]:65535/tcp\n") != NULL,
		    "long IPv6 VIP: name in full on its own line");
	expect_field(fr, "[" LONG6_VIP "]:65535/tcp", F_PPS, "30",
		     "re-added VIP: counter went down, rate from its new value");
	ASSERT_TRUE(strstr(fr, "10.0.0.2:80/tcp") == NULL, "removed VIP: gone");
	expect_field(fr, "10.0.0.3:443/tcp", F_PPS, "-", "added VIP: no rate on its first frame");
	expect_field(fr, "10.0.0.3:443/tcp", F_FLOWS, "0", "added VIP without backends: 0 flows");
	ASSERT_TRUE(row_fields(fr, "10.0.0.3:443/tcp", f) == 8 && !strcmp(f[F_ADMIN], "0/0"),
		    "added VIP without backends: 0/0 up");
	free(fr);

	/* The IPv6 VIP's backend is unhealthy: find it after the VIP's name. */
	fr = format(&snap_now, &snap_then, "");
	{
		char *vip6 = strstr(fr, "[" LONG6_VIP "]");

		ASSERT_TRUE(vip6 && row_fields(vip6, LONG6, f) == 8 &&
				    !strcmp(f[F_HEALTH], "down") && !strcmp(f[F_FLOWS], "0"),
			    "unhealthy backend: health down, 0 flows");
	}
	ASSERT_TRUE(strstr(fr, "dev -\n") != NULL, "header: no interface known -> dev -");
	free(fr);

	/* No earlier reading: every rate "-", never garbage. */
	fr = format(&snap_now, NULL, "eth0");
	check_width(fr, "first frame");
	expect_field(fr, "10.0.0.1:80/tcp", F_PPS, "-", "no earlier reading: vip rate -");
	expect_field(fr, "10.0.0.11", F_BPS, "-", "no earlier reading: backend rate -");
	ASSERT_TRUE(strstr(fr, "  - pkt/s  ") && strstr(fr, "  - drop/s  "),
		    "no earlier reading: header rates -");
	free(fr);

	/* A reading not later than the one before gives no rates either. */
	fr = format(&snap_now, &snap_now, "eth0");
	expect_field(fr, "10.0.0.1:80/tcp", F_PPS, "-", "no time elapsed: rate -");
	free(fr);
}

static void test_header_cut(void)
{
	char devs[200], *fr;
	size_t n = 0;

	for (int i = 0; n + 16 < sizeof(devs); i++)
		n += snprintf(devs + n, sizeof(devs) - n, "%sveth-long%d", i ? "," : "", i);
	make_readings();
	fr = format(&snap_now, &snap_then, devs);
	check_width(fr, "many interfaces");
	ASSERT_TRUE(strstr(fr, "...\n") != NULL, "many interfaces: header cut with ...");
	free(fr);
}

static void test_carry(void)
{
	static struct xlb_top_snap later;
	char *fr;

	make_readings();
	later = snap_now;
	later.when_ns = snap_now.when_ns + 3 * SEC;
	later.flows_fresh = false;
	later.flows_ns = 0;
	memset(later.be_flows, 0, sizeof(later.be_flows));
	/* slot 1 reused between the walk and this reading; slot 6 is new */
	later.be[1].gen = 9;
	set_backend(&later, 6, 0, 1, "10.0.0.17");
	xlb_top_carry_flows(&later, &snap_now);
	ASSERT_EQ(later.be_flows[0], 3, "carry: same backend keeps its count");
	ASSERT_EQ(later.be_flows[1], XLB_TOP_FLOWS_UNKNOWN, "carry: reused slot unknown");
	ASSERT_EQ(later.be_flows[6], XLB_TOP_FLOWS_UNKNOWN, "carry: new backend unknown");
	ASSERT_TRUE(!later.flows_fresh && later.flows_ns == snap_now.flows_ns,
		    "carry: counts marked as of the walk");
	fr = format(&later, &snap_now, "eth0");
	check_width(fr, "stale frame");
	ASSERT_TRUE(strstr(fr, " 3 flows (3.0s old)  ") != NULL,
		    "stale counts: header says how old");
	expect_field(fr, "10.0.0.17", F_FLOWS, "-", "stale counts: new backend shows -");
	expect_field(fr, "10.0.0.1:80/tcp", F_FLOWS, "-", "stale counts: vip with unknown part -");
	expect_field(fr, "10.0.0.11", F_FLOWS, "3", "stale counts: carried count shown");
	free(fr);
}

static void test_empty(void)
{
	static struct xlb_top_snap none;
	char *fr = format(&none, NULL, "eth0");

	ASSERT_TRUE(strstr(fr, "(no VIPs") != NULL, "no VIPs: says so");
	check_width(fr, "no VIPs");
	free(fr);
}

int main(void)
{
	test_rate();
	test_num();
	test_parse_interval();
	test_flow_live();
	test_frame();
	test_header_cut();
	test_carry();
	test_empty();
	return tap_done();
}
