// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the userspace library: address parsing and printing (addr.h), ring building
 * (ring.h), and the VIP/backend changes of state.h against the maps of a real loaded program
 * (nothing pinned, so a running xlb is never touched).
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xlb.skel.h"
#include "addr.h"
#include "log.h"
#include "maps.h"
#include "ring.h"
#include "state.h"
#include "../lib/tap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- addr.h ---- */

static void test_parse_vip_good(void)
{
	static const __u8 v4[16] = { 10, 0, 0, 1 };
	static const __u8 v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	struct xlb_vip_spec v;
	int err;

	err = xlb_parse_vip("10.0.0.1:80/tcp", &v);
	ASSERT_OK(err, "vip 10.0.0.1:80/tcp parses");
	ASSERT_EQ(v.ip.family, AF_INET, "vip v4: family");
	ASSERT_MEM_EQ(v.ip.addr, v4, 16, "vip v4: address, rest zero");
	ASSERT_EQ(v.port, 80, "vip v4: port in host order");
	ASSERT_EQ(v.proto, IPPROTO_TCP, "vip v4: tcp");

	err = xlb_parse_vip("[2001:db8::1]:443/udp", &v);
	ASSERT_OK(err, "vip [2001:db8::1]:443/udp parses");
	ASSERT_EQ(v.ip.family, AF_INET6, "vip v6: family");
	ASSERT_MEM_EQ(v.ip.addr, v6, 16, "vip v6: address");
	ASSERT_EQ(v.port, 443, "vip v6: port");
	ASSERT_EQ(v.proto, IPPROTO_UDP, "vip v6: udp");

	err = xlb_parse_vip("10.0.0.1:65535/udp", &v);
	ASSERT_OK(err, "vip port 65535 parses");
	ASSERT_EQ(v.port, 65535, "vip port 65535");
	err = xlb_parse_vip("10.0.0.1:1/tcp", &v);
	ASSERT_OK(err, "vip port 1 parses");
}

static void test_parse_vip_bad(void)
{
	static const char *const bad[] = {
		"10.0.0.1/tcp",                     /* no port */
		"10.0.0.1:/tcp",                    /* empty port */
		"10.0.0.1:0/tcp",                   /* port 0 */
		"10.0.0.1:65536/tcp",               /* port too big */
		"10.0.0.1:99999999999999999999/tcp",
		"10.0.0.1:-1/tcp",
		"10.0.0.1:+80/tcp",
		"10.0.0.1: 80/tcp",
		"10.0.0.1:80x/tcp",
		"10.0.0.1:80/sctp",                 /* unknown proto */
		"10.0.0.1:80/",
		"10.0.0.1:80",
		"2001:db8::1:443/udp",              /* IPv6 without brackets */
		"[10.0.0.1]:80/tcp",                /* brackets around IPv4 */
		"[2001:db8::1]443/udp",
		"[2001:db8::1:443/udp",
		"[]:80/tcp",
		":80/tcp",
		"10.0.0.256:80/tcp",
		"garbage",
		"",
	};
	struct xlb_vip_spec v, untouched;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int err;

		memset(&v, 0x5a, sizeof(v));
		untouched = v;
		err = xlb_parse_vip(bad[i], &v);
		ASSERT_EQ(err, -EINVAL, tname("vip \"%s\" rejected", bad[i]));
		ASSERT_MEM_EQ(&v, &untouched, sizeof(v),
			      tname("vip \"%s\": output untouched", bad[i]));
	}
}

static void test_parse_mac(void)
{
	static const char *const bad[] = {
		"", "02:00:5e:10:00", "02:00:5e:10:00:01:02", "02-00-5e-10-00-01",
		"02:00:5e:10:00:0g", "2:00:5e:10:00:01", "02:00:5e:10:00:01 ", "0x:00:5e:10:00:01",
	};
	static const __u8 want[6] = { 0x02, 0x00, 0x5e, 0xab, 0xcd, 0xef };
	__u8 mac[6], untouched[6];
	int err;

	err = xlb_parse_mac("02:00:5e:ab:cd:ef", mac);
	ASSERT_OK(err, "mac lower case parses");
	ASSERT_MEM_EQ(mac, want, 6, "mac lower case bytes");
	memset(mac, 0, sizeof(mac));
	err = xlb_parse_mac("02:00:5E:AB:CD:EF", mac);
	ASSERT_OK(err, "mac upper case parses");
	ASSERT_MEM_EQ(mac, want, 6, "mac upper case bytes");

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(mac, 0x5a, sizeof(mac));
		memcpy(untouched, mac, sizeof(mac));
		err = xlb_parse_mac(bad[i], mac);
		ASSERT_EQ(err, -EINVAL, tname("mac \"%s\" rejected", bad[i]));
		ASSERT_MEM_EQ(mac, untouched, 6, tname("mac \"%s\": output untouched", bad[i]));
	}
}

static void test_parse_uint(void)
{
	static const struct {
		const char *s;
		unsigned long max;
		int err;
		unsigned long want;
	} cases[] = {
		{ "0", 10, 0, 0 },
		{ "10", 10, 0, 10 },
		{ "007", 10, 0, 7 },
		{ "11", 10, -EINVAL, 0 },
		{ "18446744073709551615", ULONG_MAX, 0, ULONG_MAX },
		{ "18446744073709551616", ULONG_MAX, -EINVAL, 0 },
		{ "", 10, -EINVAL, 0 },
		{ "-1", ULONG_MAX, -EINVAL, 0 },
		{ "+1", 10, -EINVAL, 0 },
		{ " 1", 10, -EINVAL, 0 },
		{ "1 ", 10, -EINVAL, 0 },
		{ "0x10", 100, -EINVAL, 0 },
		{ "1e3", 10000, -EINVAL, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		unsigned long v = 12345;
		int err = xlb_parse_uint(cases[i].s, cases[i].max, &v);

		ASSERT_EQ(err, cases[i].err, tname("uint \"%s\"", cases[i].s));
		ASSERT_EQ(v, cases[i].err ? 12345 : cases[i].want,
			  tname("uint \"%s\" value", cases[i].s));
	}
}

/* What is parsed prints back as it was written (canonical forms in, canonical forms out). */
static void test_format_round_trip(void)
{
	static const char *const vips[] = {
		"10.0.0.1:80/tcp", "[2001:db8::1]:443/udp", "[::1]:65535/tcp",
		"255.255.255.255:1/udp",
	};
	static const char *const macs[] = { "02:00:5e:ab:cd:ef", "ff:ff:ff:ff:ff:ff" };
	char buf[XLB_VIP_STRLEN];
	struct xlb_vip_spec v;
	struct xlb_addr a;
	__u8 mac[6];
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(vips); i++) {
		err = xlb_parse_vip(vips[i], &v);
		buf[0] = '\0';
		if (!err)
			xlb_format_vip(&v, buf, sizeof(buf));
		ASSERT_TRUE(!err && !strcmp(buf, vips[i]), tname("vip %s round trip", vips[i]));
	}
	for (size_t i = 0; i < ARRAY_SIZE(macs); i++) {
		err = xlb_parse_mac(macs[i], mac);
		buf[0] = '\0';
		if (!err)
			xlb_format_mac(mac, buf, XLB_MAC_STRLEN);
		ASSERT_TRUE(!err && !strcmp(buf, macs[i]), tname("mac %s round trip", macs[i]));
	}
	err = xlb_parse_addr("2001:db8::10", &a);
	buf[0] = '\0';
	if (!err)
		xlb_format_addr(&a, buf, sizeof(buf));
	ASSERT_TRUE(!err && !strcmp(buf, "2001:db8::10"), "addr 2001:db8::10 round trip");
}

/* ---- ring.h ---- */

static unsigned int ring_count(const struct xlb_ring *r, __u32 slot)
{
	unsigned int n = 0;

	for (__u32 i = 0; i < r->len; i++)
		n += r->slot[i] == slot;
	return n;
}

/* The longest run of one slot in ring order (not wrapping around). */
static unsigned int ring_max_run(const struct xlb_ring *r)
{
	unsigned int best = r->len ? 1 : 0, run = 1;

	for (__u32 i = 1; i < r->len; i++) {
		run = r->slot[i] == r->slot[i - 1] ? run + 1 : 1;
		if (run > best)
			best = run;
	}
	return best;
}

static void test_sockaddr(void)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct xlb_addr a;

	xlb_parse_addr("10.1.2.3", &a);
	ASSERT_EQ(xlb_sockaddr(&a, 8080, &ss), sizeof(*s4), "sockaddr: IPv4 length");
	ASSERT_TRUE(s4->sin_family == AF_INET && s4->sin_port == htons(8080) &&
			    s4->sin_addr.s_addr == htonl(0x0a010203),
		    "sockaddr: IPv4 family, port, address");
	xlb_parse_addr("2001:db8::7", &a);
	ASSERT_EQ(xlb_sockaddr(&a, 443, &ss), sizeof(*s6), "sockaddr: IPv6 length");
	ASSERT_TRUE(s6->sin6_family == AF_INET6 && s6->sin6_port == htons(443) &&
			    !memcmp(&s6->sin6_addr, a.addr, 16) && s6->sin6_scope_id == 0,
		    "sockaddr: IPv6 family, port, address, zeroed rest");
}

static void test_ring_rr(void)
{
	static const struct xlb_ring_member m[] = { { 7, 5 }, { 3, 1 }, { 9, 100 } };
	static struct xlb_ring r;
	int err;

	err = xlb_ring_build(m, 3, XLB_SCHED_RR, &r);
	ASSERT_OK(err, "ring rr builds");
	ASSERT_EQ(r.len, 3, "ring rr: each member once, whatever its weight");
	ASSERT_TRUE(r.slot[0] == 7 && r.slot[1] == 3 && r.slot[2] == 9,
		    "ring rr: in the order given");
}

static void test_ring_wrr_counts(void)
{
	static const struct {
		const char *name;
		__u32 w[3];
		__u32 len;
		__u32 want[3];
	} cases[] = {
		{ "2,4,6 (gcd 2)", { 2, 4, 6 }, 6, { 1, 2, 3 } },
		{ "5,3,1", { 5, 3, 1 }, 9, { 5, 3, 1 } },
		{ "300,300,300 (gcd 300)", { 300, 300, 300 }, 3, { 1, 1, 1 } },
		{ "1000,24,1 (sum 1025: scaled)", { 1000, 24, 1 }, 0, { 0 } },
	};
	static struct xlb_ring r;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct xlb_ring_member m[3];
		bool counts_ok = true;
		int err;

		for (int j = 0; j < 3; j++)
			m[j] = (struct xlb_ring_member){ .slot = 10 + j, .weight = cases[i].w[j] };
		err = xlb_ring_build(m, 3, XLB_SCHED_WRR, &r);
		ASSERT_OK(err, tname("ring wrr %s builds", cases[i].name));
		if (!cases[i].len) {
			/* scaled: fits, keeps everyone, keeps the order of the weights */
			ASSERT_LE(r.len, XLB_RING_SIZE, tname("ring wrr %s: fits", cases[i].name));
			ASSERT_TRUE(ring_count(&r, 10) > ring_count(&r, 11) &&
					    ring_count(&r, 11) > ring_count(&r, 12) &&
					    ring_count(&r, 12) >= 1,
				    tname("ring wrr %s: heavier gets more, all get one",
					  cases[i].name));
			continue;
		}
		ASSERT_EQ(r.len, cases[i].len, tname("ring wrr %s: length", cases[i].name));
		for (int j = 0; j < 3; j++)
			counts_ok &= ring_count(&r, 10 + j) == cases[i].want[j];
		ASSERT_TRUE(counts_ok,
			    tname("ring wrr %s: counts are weight / gcd", cases[i].name));
	}
}

static void test_ring_wrr_smooth(void)
{
	static const struct xlb_ring_member m112[] = { { 1, 1 }, { 2, 1 }, { 3, 2 } };
	static const struct xlb_ring_member m511[] = { { 1, 5 }, { 2, 1 }, { 3, 1 } };
	static const struct xlb_ring_member m13[] = { { 1, 1 }, { 2, 3 } };
	static struct xlb_ring r;
	int err;

	err = xlb_ring_build(m112, 3, XLB_SCHED_WRR, &r);
	ASSERT_OK(err, "ring wrr 1,1,2 builds");
	ASSERT_EQ(ring_max_run(&r), 1, "ring wrr 1,1,2: no slot twice in a row");
	err = xlb_ring_build(m511, 3, XLB_SCHED_WRR, &r);
	ASSERT_OK(err, "ring wrr 5,1,1 builds");
	ASSERT_LE(ring_max_run(&r), 2, "ring wrr 5,1,1: the heavy one spread, no run over 2");
	err = xlb_ring_build(m13, 2, XLB_SCHED_WRR, &r);
	ASSERT_OK(err, "ring wrr 1,3 builds");
	ASSERT_LE(ring_max_run(&r), 2, "ring wrr 1,3: no run over 2");
}

static void test_ring_limits(void)
{
	static struct xlb_ring_member m[XLB_RING_SIZE + 1];
	static struct xlb_ring r;
	bool all_in = true;
	int err;

	/* more members than slots at full weight: each keeps one slot */
	for (int i = 0; i < XLB_RING_SIZE + 1; i++)
		m[i] = (struct xlb_ring_member){ .slot = i, .weight = 1 + i % XLB_MAX_WEIGHT };
	for (unsigned int n = 600; n <= XLB_RING_SIZE; n += XLB_RING_SIZE - 600) {
		err = xlb_ring_build(m, n, XLB_SCHED_WRR, &r);
		ASSERT_OK(err, "ring wrr with many members builds");
		ASSERT_LE(r.len, XLB_RING_SIZE, "ring wrr with many members: fits");
		for (unsigned int i = 0; i < n; i++)
			all_in &= ring_count(&r, i) >= 1;
		ASSERT_TRUE(all_in, "ring wrr with many members: every member has a slot");
	}
	err = xlb_ring_build(m, XLB_RING_SIZE + 1, XLB_SCHED_RR, &r);
	ASSERT_EQ(err, -EINVAL, "ring with more members than slots: -EINVAL");

	memset(&r, 0x5a, sizeof(r));
	err = xlb_ring_build(m, 0, XLB_SCHED_RR, &r);
	ASSERT_TRUE(!err && r.len == 0, "ring rr of nobody: empty");
	memset(&r, 0x5a, sizeof(r));
	err = xlb_ring_build(m, 0, XLB_SCHED_WRR, &r);
	ASSERT_TRUE(!err && r.len == 0, "ring wrr of nobody: empty");
}

/* ---- state.h against real maps ---- */

struct env {
	struct xlb_bpf *skel;
	struct xlb_maps m;
};

static bool env_open(struct env *e)
{
	struct bpf_map *map;
	int err;

	e->skel = xlb_bpf__open();
	if (!ASSERT_TRUE(e->skel, "open skeleton"))
		return false;
	bpf_object__for_each_map(map, e->skel->obj)
		bpf_map__set_pin_path(map, NULL);
	/* the flow tables play no part here; small ones load fast */
	bpf_map__set_max_entries(e->skel->maps.xlb_flow4, 1024);
	bpf_map__set_max_entries(e->skel->maps.xlb_flow6, 1024);
	err = xlb_bpf__load(e->skel);
	if (!err)
		err = xlb_maps_from_object(&e->m, e->skel->obj);
	if (!ASSERT_OK(err, "load skeleton")) {
		xlb_bpf__destroy(e->skel);
		return false;
	}
	return true;
}

static void env_close(struct env *e)
{
	xlb_maps_close(&e->m);
	xlb_bpf__destroy(e->skel);
}

/* The contents of the maps state.h writes, to prove a failed call changed nothing. */
struct snapshot {
	char *data[7];
	size_t len[7];
};

static int map_dump(int fd, char **out, size_t *out_len)
{
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info);
	char *buf = NULL, *key, *prev = NULL;
	size_t len = 0;

	if (bpf_obj_get_info_by_fd(fd, &info, &info_len))
		return -errno;
	key = malloc(info.key_size);
	for (;;) {
		size_t rec = info.key_size + info.value_size;
		char *grown;

		if (bpf_map_get_next_key(fd, prev, key))
			break;
		grown = realloc(buf, len + rec);
		if (!grown)
			break;
		buf = grown;
		memcpy(buf + len, key, info.key_size);
		bpf_map_lookup_elem(fd, key, buf + len + info.key_size);
		len += rec;
		prev = buf + len - rec;
	}
	free(key);
	*out = buf;
	*out_len = len;
	return 0;
}

static const char *const snap_names[7] = {
	"vip4", "vip6", "vips", "rings", "cursor", "backends", "tx_ports",
};

static void snap_take(struct env *e, struct snapshot *s)
{
	const int fds[7] = { e->m.vip4, e->m.vip6, e->m.vips, e->m.rings,
			     e->m.cursor, e->m.backends, e->m.tx_ports };

	for (int i = 0; i < 7; i++)
		map_dump(fds[i], &s->data[i], &s->len[i]);
}

static void snap_free(struct snapshot *s)
{
	for (int i = 0; i < 7; i++)
		free(s->data[i]);
}

/* One test point: err is want, and no map differs from the snapshot taken before. */
static void check_failed(struct env *e, struct snapshot *before, int err, int want,
			 const char *what)
{
	struct snapshot after;
	bool same = true;

	snap_take(e, &after);
	for (int i = 0; i < 7; i++) {
		if (after.len[i] != before->len[i] ||
		    memcmp(after.data[i], before->data[i], after.len[i])) {
			printf("# %s: map %s changed\n", what, snap_names[i]);
			same = false;
		}
	}
	snap_free(&after);
	snap_free(before);
	if (!ASSERT_EQ(err, want, what))
		return;
	ASSERT_TRUE(same, tname("%s: maps unchanged", what));
}

static struct xlb_vip_spec vip(const char *s)
{
	struct xlb_vip_spec v = {};

	if (xlb_parse_vip(s, &v)) {
		fprintf(stderr, "bad VIP in test: %s\n", s);
		exit(2);
	}
	return v;
}

static struct xlb_backend_spec backend(const char *addr, __u32 weight, __u32 ifindex)
{
	struct xlb_backend_spec b = {
		.weight = weight,
		.ifindex = ifindex,
		.mac = { 2, 0, 0, 0, 1, 1 },
		.src_mac = { 2, 0, 0, 0, 2, 1 },
	};

	if (xlb_parse_addr(addr, &b.addr)) {
		fprintf(stderr, "bad address in test: %s\n", addr);
		exit(2);
	}
	return b;
}

/* The slots of the VIP's live ring, in order; returns the ring length or -errno. */
static int live_ring(struct env *e, __u32 id, __u32 *slots, int max)
{
	static struct xlb_ring ring;
	struct xlb_vip v;
	__u32 idx;
	int err;

	err = xlb_vip_get(&e->m, id, &v);
	if (err)
		return err;
	idx = id * 2 + (v.ring & 1);
	if (bpf_map_lookup_elem(e->m.rings, &idx, &ring))
		return -errno;
	for (__u32 i = 0; i < ring.len && (int)i < max; i++)
		slots[i] = ring.slot[i];
	return ring.len;
}

static void test_state_vips(void)
{
	struct xlb_vip_spec a = vip("10.0.0.1:80/tcp"), u = vip("10.0.0.1:80/udp");
	struct xlb_vip_spec t = vip("10.0.0.2:80/tcp"), s6 = vip("[2001:db8::1]:80/tcp"), v;
	struct snapshot s;
	struct xlb_vip got;
	__u32 id, id2, found;
	struct env e;
	int err;

	if (!env_open(&e))
		return;
	err = xlb_vip_add(&e.m, &a, XLB_SCHED_WRR, false, &id);
	ASSERT_OK(err, "vip add");
	err = xlb_vip_find(&e.m, &a, &found);
	ASSERT_TRUE(!err && found == id, "vip find gives the id of add");
	err = xlb_vip_get(&e.m, id, &got);
	ASSERT_OK(err, "vip get");
	ASSERT_TRUE(got.flags == XLB_VIP_IN_USE && got.sched == XLB_SCHED_WRR &&
			    got.family == AF_INET && got.proto == IPPROTO_TCP &&
			    got.port == htons(80) && !memcmp(got.addr, a.ip.addr, 16),
		    "vip get: what was added");
	xlb_vip_to_spec(&got, &v);
	ASSERT_MEM_EQ(&v, &a, sizeof(v), "vip to spec: the spec added");

	snap_take(&e, &s);
	err = xlb_vip_add(&e.m, &a, XLB_SCHED_RR, false, &id2);
	check_failed(&e, &s, err, -EEXIST, "vip add twice: -EEXIST");
	snap_take(&e, &s);
	err = xlb_vip_add(&e.m, &t, XLB_SCHED_RR, true, &id2);
	check_failed(&e, &s, err, -EINVAL, "vip add per_packet on TCP: -EINVAL");

	err = xlb_vip_add(&e.m, &u, XLB_SCHED_RR, true, &id2);
	ASSERT_TRUE(!err && id2 != id, "vip add same address and port, UDP: another VIP");
	err = xlb_vip_get(&e.m, id2, &got);
	ASSERT_TRUE(!err && (got.flags & XLB_VIP_PER_PACKET),
		    "vip add per_packet on UDP: flag set");
	err = xlb_vip_add(&e.m, &s6, XLB_SCHED_RR, false, NULL);
	ASSERT_OK(err, "vip add IPv6");
	err = xlb_vip_find(&e.m, &s6, &found);
	ASSERT_OK(err, "vip find IPv6");

	err = xlb_vip_del(&e.m, id);
	ASSERT_OK(err, "vip del");
	err = xlb_vip_find(&e.m, &a, &found);
	ASSERT_EQ(err, -ENOENT, "vip find after del: -ENOENT");
	err = xlb_vip_get(&e.m, id, &got);
	ASSERT_EQ(err, -ENOENT, "vip get after del: -ENOENT");
	err = xlb_vip_find(&e.m, &u, &found);
	ASSERT_TRUE(!err && found == id2, "vip del leaves the other VIPs");

	snap_take(&e, &s);
	err = xlb_vip_del(&e.m, id);
	check_failed(&e, &s, err, -ENOENT, "vip del twice: -ENOENT");

	err = xlb_vip_add(&e.m, &a, XLB_SCHED_RR, false, &found);
	ASSERT_TRUE(!err && found == id, "vip add after del reuses the id");
	env_close(&e);
}

static void test_state_backends(void)
{
	struct xlb_backend_spec b1 = backend("10.1.0.1", 1, 1), b2 = backend("10.1.0.2", 2, 1);
	struct xlb_backend_spec b3 = backend("10.1.0.3", 1, 1), bad;
	struct xlb_vip_spec a = vip("10.0.0.1:80/tcp"), b = vip("10.0.0.2:80/tcp");
	struct xlb_backend got, now;
	__u32 v1, v2, s1, s2, s3, slots[8];
	struct snapshot s;
	struct env e;
	int err, n;

	if (!env_open(&e))
		return;
	err = xlb_vip_add(&e.m, &a, XLB_SCHED_RR, false, &v1);
	err = err ?: xlb_vip_add(&e.m, &b, XLB_SCHED_RR, false, &v2);
	if (!ASSERT_OK(err, "backends: two VIPs"))
		goto out;

	err = xlb_backend_add(&e.m, v1, &b1, &s1);
	ASSERT_OK(err, "backend add");
	err = xlb_backend_get(&e.m, s1, &got);
	ASSERT_OK(err, "backend get");
	ASSERT_TRUE(got.in_use && got.gen >= 1 && got.vip_id == v1 && got.weight == 1 &&
			    got.ifindex == 1 && got.admin == XLB_ADMIN_UP &&
			    got.health == XLB_HEALTH_UP && got.family == AF_INET &&
			    !memcmp(got.mac, b1.mac, 6) && !memcmp(got.src_mac, b1.src_mac, 6) &&
			    !memcmp(got.addr, b1.addr.addr, 16),
		    "backend get: what was added");
	err = xlb_backend_add(&e.m, v1, &b2, &s2);
	ASSERT_OK(err, "backend add a second");
	n = live_ring(&e, v1, slots, 8);
	ASSERT_TRUE(n == 2 && slots[0] == s1 && slots[1] == s2,
		    "live ring holds both, in slot order");

	snap_take(&e, &s);
	err = xlb_backend_add(&e.m, v1, &b1, &s3);
	check_failed(&e, &s, err, -EEXIST, "backend add twice: -EEXIST");
	snap_take(&e, &s);
	err = xlb_backend_add(&e.m, XLB_MAX_VIPS - 1, &b3, &s3);
	check_failed(&e, &s, err, -ENOENT, "backend add to no VIP: -ENOENT");
	bad = b3;
	bad.weight = XLB_MAX_WEIGHT + 1;
	snap_take(&e, &s);
	err = xlb_backend_add(&e.m, v1, &bad, &s3);
	check_failed(&e, &s, err, -EINVAL, "backend add weight over the max: -EINVAL");
	bad = b3;
	bad.ifindex = 0x7ffffff0;
	snap_take(&e, &s);
	err = xlb_backend_add(&e.m, v1, &bad, &s3);
	/* the devmap refuses an ifindex that names no device with -EINVAL */
	check_failed(&e, &s, err, -EINVAL, "backend add on a missing interface: -EINVAL");

	err = xlb_backend_add(&e.m, v2, &b1, &s3);
	ASSERT_TRUE(!err && s3 != s1, "backend add the same address to another VIP");

	err = xlb_backend_update(&e.m, s1, XLB_KEEP, XLB_ADMIN_DRAIN, XLB_KEEP);
	ASSERT_OK(err, "backend drain");
	n = live_ring(&e, v1, slots, 8);
	ASSERT_TRUE(n == 1 && slots[0] == s2, "drained backend leaves the ring");
	err = xlb_backend_update(&e.m, s1, XLB_KEEP, XLB_ADMIN_UP, XLB_KEEP);
	ASSERT_OK(err, "backend up again");
	n = live_ring(&e, v1, slots, 8);
	ASSERT_EQ(n, 2, "backend up is back in the ring");

	snap_take(&e, &s);
	err = xlb_backend_update(&e.m, s1, XLB_KEEP, XLB_ADMIN_DOWN + 1, XLB_KEEP);
	check_failed(&e, &s, err, -EINVAL, "backend update admin out of range: -EINVAL");
	snap_take(&e, &s);
	err = xlb_backend_update(&e.m, s1, XLB_KEEP, XLB_KEEP, XLB_HEALTH_DOWN + 1);
	check_failed(&e, &s, err, -EINVAL, "backend update health out of range: -EINVAL");
	snap_take(&e, &s);
	err = xlb_backend_update(&e.m, s1, XLB_MAX_WEIGHT + 1, XLB_KEEP, XLB_KEEP);
	check_failed(&e, &s, err, -EINVAL, "backend update weight over the max: -EINVAL");
	/* XLB_KEEP is -1; any other negative value is neither a value nor "keep" */
	snap_take(&e, &s);
	err = xlb_backend_update(&e.m, s1, -2, XLB_KEEP, XLB_KEEP);
	check_failed(&e, &s, err, -EINVAL, "backend update weight -2: -EINVAL");
	snap_take(&e, &s);
	err = xlb_backend_update(&e.m, s1, XLB_KEEP, -2, XLB_KEEP);
	check_failed(&e, &s, err, -EINVAL, "backend update admin -2: -EINVAL");

	err = xlb_backend_get(&e.m, s1, &got);
	err = err ?: xlb_backend_del(&e.m, s1);
	ASSERT_OK(err, "backend del");
	err = xlb_backend_get(&e.m, s1, &now);
	ASSERT_EQ(err, -ENOENT, "backend get after del: -ENOENT");
	n = live_ring(&e, v1, slots, 8);
	ASSERT_TRUE(n == 1 && slots[0] == s2, "deleted backend leaves the ring");
	snap_take(&e, &s);
	err = xlb_backend_del(&e.m, s1);
	check_failed(&e, &s, err, -ENOENT, "backend del twice: -ENOENT");
	snap_take(&e, &s);
	err = xlb_backend_update(&e.m, s1, 1, XLB_KEEP, XLB_KEEP);
	check_failed(&e, &s, err, -ENOENT, "backend update of a free slot: -ENOENT");

	/* the freed slot comes back with a new generation: old flows must not follow it */
	err = xlb_backend_add(&e.m, v2, &b3, &s3);
	ASSERT_TRUE(!err && s3 == s1, "backend add reuses the free slot");
	err = xlb_backend_get(&e.m, s3, &now);
	ASSERT_TRUE(!err && now.gen != got.gen, "reused slot has a new generation");
out:
	env_close(&e);
}

/* Deleting a VIP frees its backends (and only its) and empties its rings. */
static void test_state_vip_del_backends(void)
{
	struct xlb_vip_spec a = vip("10.0.0.1:80/tcp"), b = vip("[2001:db8::1]:80/tcp");
	struct xlb_backend_spec b1 = backend("10.1.0.1", 1, 1), b2 = backend("10.1.0.2", 1, 1);
	struct xlb_backend_spec b3 = backend("2001:db8:1::1", 1, 1);
	__u32 va, vb, s1, s2, s3, slots[4];
	struct xlb_backend be;
	struct env e;
	int err, n;

	if (!env_open(&e))
		return;
	err = xlb_vip_add(&e.m, &a, XLB_SCHED_RR, false, &va);
	err = err ?: xlb_vip_add(&e.m, &b, XLB_SCHED_RR, false, &vb);
	err = err ?: xlb_backend_add(&e.m, va, &b1, &s1);
	err = err ?: xlb_backend_add(&e.m, va, &b2, &s2);
	err = err ?: xlb_backend_add(&e.m, vb, &b3, &s3);
	err = err ?: xlb_vip_del(&e.m, va);
	if (!ASSERT_OK(err, "vip del with backends"))
		goto out;
	err = xlb_backend_get(&e.m, s1, &be);
	ASSERT_EQ(err, -ENOENT, "vip del: first backend gone");
	err = xlb_backend_get(&e.m, s2, &be);
	ASSERT_EQ(err, -ENOENT, "vip del: second backend gone");
	err = xlb_backend_get(&e.m, s3, &be);
	ASSERT_TRUE(!err && be.vip_id == vb, "vip del: other VIP's backend stays");
	n = live_ring(&e, vb, slots, 4);
	ASSERT_TRUE(n == 1 && slots[0] == s3, "vip del: other VIP's ring stays");
	err = xlb_backend_find(&e.m, va, &b1.addr, &s1);
	ASSERT_EQ(err, -ENOENT, "vip del: backend find gives -ENOENT");
out:
	env_close(&e);
}

/* Adds VIP number i (10.0.i/256.i%256:80/tcp); 0 or -errno. */
static int add_nth_vip(struct env *e, unsigned int i, __u32 *id)
{
	struct xlb_vip_spec v;
	char s[XLB_VIP_STRLEN];

	snprintf(s, sizeof(s), "10.0.%u.%u:80/tcp", i / 256, i % 256);
	v = vip(s);
	return xlb_vip_add(&e->m, &v, XLB_SCHED_RR, false, id);
}

/* Adds backend number i (10.1.i/256.i%256) to the VIP; 0 or -errno. */
static int add_nth_backend(struct env *e, __u32 vip_id, unsigned int i)
{
	struct xlb_backend_spec b = { .weight = 1, .ifindex = 1 };

	b.addr.family = AF_INET;
	b.addr.addr[0] = 10;
	b.addr.addr[1] = 1;
	b.addr.addr[2] = i / 256;
	b.addr.addr[3] = i % 256;
	return xlb_backend_add(&e->m, vip_id, &b, NULL);
}

static void test_state_limits(void)
{
	struct snapshot s;
	unsigned int i;
	__u32 ids[XLB_MAX_VIPS];
	struct env e;
	int err = 0;

	if (!env_open(&e))
		return;
	for (i = 0; i < XLB_MAX_VIPS && !err; i++)
		err = add_nth_vip(&e, i, &ids[i]);
	ASSERT_OK(err, "limits: XLB_MAX_VIPS VIPs fit");
	snap_take(&e, &s);
	err = add_nth_vip(&e, XLB_MAX_VIPS, NULL);
	check_failed(&e, &s, err, -ENOSPC, "limits: one VIP more: -ENOSPC");

	err = 0;
	for (i = 0; i < XLB_MAX_BACKENDS_PER_VIP && !err; i++)
		err = add_nth_backend(&e, ids[0], i);
	ASSERT_OK(err, "limits: XLB_MAX_BACKENDS_PER_VIP backends on one VIP fit");
	snap_take(&e, &s);
	err = add_nth_backend(&e, ids[0], i);
	check_failed(&e, &s, err, -ENOSPC, "limits: one backend more on that VIP: -ENOSPC");

	/* fill the remaining slots over further VIPs, then one more anywhere */
	err = 0;
	for (i = XLB_MAX_BACKENDS_PER_VIP; i < XLB_MAX_BACKENDS && !err; i++)
		err = add_nth_backend(&e, ids[i / XLB_MAX_BACKENDS_PER_VIP], i);
	ASSERT_OK(err, "limits: XLB_MAX_BACKENDS backends fit");
	snap_take(&e, &s);
	err = add_nth_backend(&e, ids[XLB_MAX_VIPS - 1], i);
	check_failed(&e, &s, err, -ENOSPC, "limits: one backend more in all: -ENOSPC");
	env_close(&e);
}

int main(void)
{
	/* libbpf's notes (e.g. on libxdp's .xdp_run_config section) only at debug level */
	xlb_log_setup_libs();
	test_parse_vip_good();
	test_parse_vip_bad();
	test_parse_mac();
	test_parse_uint();
	test_format_round_trip();
	test_sockaddr();
	test_ring_rr();
	test_ring_wrr_counts();
	test_ring_wrr_smooth();
	test_ring_limits();
	test_state_vips();
	test_state_backends();
	test_state_vip_del_backends();
	test_state_limits();
	return tap_done();
}
