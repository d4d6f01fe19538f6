// SPDX-License-Identifier: GPL-2.0-only
/*
 * Packet fixtures for the XDP program, run through BPF_PROG_TEST_RUN with repeat = 1 (the
 * program rewrites the frame; a second run would see its own output). Each group loads a fresh
 * skeleton, so every counter starts at zero and must end equal to what its fixtures imply.
 * VIPs and backends are configured only through user/lib/state.h: that is under test too.
 *
 * In BPF_PROG_TEST_RUN the ingress interface is loopback, so a backend with ifindex 1 gets
 * XDP_TX and a backend behind a veth made here gets XDP_REDIRECT.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xlb.skel.h"
#include "log.h"
#include "maps.h"
#include "state.h"
#include "../lib/tap.h"

/* Fixtures name the common case (TCP4(port)) and then what differs from it; fields left out
 * are zero on purpose (untagged, UNCHANGED, not a new flow). */
#pragma GCC diagnostic ignored "-Woverride-init"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define FRAME_MAX 256
#define MAX_BE 8
/* Enough to load fast; the fixtures make a few hundred flows at most. */
#define TEST_FLOWS 4096
#define LO_IFINDEX 1
#define VLAN_ID 42

static const __u8 lb_mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0xaa, 0x01 };
static const __u8 client_mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0xcc, 0x01 };

/* IPv6 extension header put between the fixed header and L4. */
enum ext6 { EXT_NONE, EXT_HOP, EXT_FRAG };

/* A frame to build. Zero fields mean the common case: untagged, IHL 5, no options. */
struct pkt {
	const char *src, *dst; /* IPv4 or IPv6 literals; the family follows dst */
	__u8 proto;            /* TCP, UDP, or anything else (8 zero bytes of L4) */
	__u16 sport, dport;
	__u16 vlan_proto;      /* ETH_P_8021Q or ETH_P_8021AD: one tag with VLAN_ID */
	__u8 ihl;              /* IPv4 header words, 0 meaning 5; words past 5 are NOP options */
	__u16 frag_off;        /* IPv4 flags and fragment offset, host order */
	enum ext6 ext;
	__u8 tcp_opts;         /* bytes of TCP options (NOPs), a multiple of 4 */
	__u16 payload;         /* bytes after the L4 header */
	bool ack;              /* TCP: an ACK of an open connection instead of a SYN */
	bool arp;              /* an ARP request from src for dst instead of IP */
};

struct frame {
	__u8 data[FRAME_MAX];
	__u32 len;
};

/* Where a frame must go: UNCHANGED, or the nth backend added to the group (B1 first). */
enum { UNCHANGED = 0, B1, B2, B3, B4, B5, B6 };

struct fixture {
	const char *name;
	struct pkt pkt;
	__u32 verdict;
	int to;        /* for TX/REDIRECT the output is the input with this backend's MACs */
	bool new_flow; /* the packet starts (or restarts) a flow: counts in new_flows */
};

struct be {
	__u32 slot, vip;
	__u8 mac[ETH_ALEN], src_mac[ETH_ALEN];
};

/* One group of fixtures: a fresh program, its backends, and the counters it must end with. */
struct env {
	const char *group;
	struct xlb_bpf *skel;
	struct xlb_maps m;
	int prog;
	struct be b[MAX_BE];
	int nb;
	__u64 verdicts[XLB_CNT_MAX];
	struct xlb_stats vip_stats[XLB_MAX_VIPS];
	struct xlb_stats be_stats[XLB_MAX_BACKENDS];
};

/* A test name prefixed with the group of cases it belongs to. */
static const char *env_name(const struct env *e, const char *what)
{
	return tname("%s: %s", e->group, what);
}

/* ---- frames ---- */

static __u8 *put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
	return p + 2;
}

static bool is_v6(const struct pkt *p)
{
	return strchr(p->dst, ':') != NULL;
}

static void put_addr(const char *s, bool v6, void *out)
{
	/* A fixture with a bad literal is a broken test, not a failing one. */
	if (inet_pton(v6 ? AF_INET6 : AF_INET, s, out) != 1) {
		fprintf(stderr, "bad address in fixture: %s\n", s);
		exit(2);
	}
}

static __u8 *put_arp(const struct pkt *p, __u8 *l3)
{
	l3 = put16(l3, 1);         /* Ethernet */
	l3 = put16(l3, ETH_P_IP);
	*l3++ = ETH_ALEN;
	*l3++ = 4;
	l3 = put16(l3, 1);         /* request */
	memcpy(l3, client_mac, ETH_ALEN);
	put_addr(p->src, false, l3 + 6);
	memset(l3 + 10, 0, ETH_ALEN);
	put_addr(p->dst, false, l3 + 16);
	return l3 + 20;
}

static size_t l4_len(const struct pkt *p)
{
	size_t hdr = p->proto == IPPROTO_TCP ? sizeof(struct tcphdr) + p->tcp_opts :
		     p->proto == IPPROTO_UDP ? sizeof(struct udphdr) : 8;

	return hdr + p->payload;
}

static void put_l4(const struct pkt *p, __u8 *l4)
{
	size_t len = l4_len(p);

	if (p->proto == IPPROTO_TCP) {
		struct tcphdr *tcp = (void *)l4;

		tcp->source = htons(p->sport);
		tcp->dest = htons(p->dport);
		tcp->seq = htonl(1);
		tcp->doff = (sizeof(*tcp) + p->tcp_opts) / 4;
		tcp->syn = !p->ack;
		tcp->ack = p->ack;
		tcp->window = htons(65535);
		memset(tcp + 1, 1 /* NOP */, p->tcp_opts);
	} else if (p->proto == IPPROTO_UDP) {
		struct udphdr *udp = (void *)l4;

		udp->source = htons(p->sport);
		udp->dest = htons(p->dport);
		udp->len = htons(len);
	} else {
		l4[0] = 8; /* ICMP echo request */
	}
	/* A visible pattern, so that a payload cut or moved shows in a byte compare. */
	memset(l4 + len - p->payload, 0xab, p->payload);
}

/* Checksums stay zero: the program neither checks nor changes them (DSR rewrites MACs only). */
static void build(const struct pkt *p, struct frame *f)
{
	struct ethhdr *eth = (void *)f->data;
	__u8 *l3 = f->data + ETH_HLEN - 2, *l4;
	bool v6 = is_v6(p);

	memset(f, 0, sizeof(*f));
	memcpy(eth->h_dest, lb_mac, ETH_ALEN);
	memcpy(eth->h_source, client_mac, ETH_ALEN);
	if (p->vlan_proto) {
		l3 = put16(l3, p->vlan_proto);
		l3 = put16(l3, VLAN_ID);
	}
	l3 = put16(l3, p->arp ? ETH_P_ARP : v6 ? ETH_P_IPV6 : ETH_P_IP);
	if (p->arp) {
		f->len = put_arp(p, l3) - f->data;
		return;
	}

	if (v6) {
		struct ipv6hdr *ip6 = (void *)l3;
		size_t ext_len = p->ext == EXT_NONE ? 0 : 8;

		ip6->version = 6;
		ip6->payload_len = htons(ext_len + l4_len(p));
		ip6->nexthdr = p->ext == EXT_HOP ? 0 : p->ext == EXT_FRAG ? 44 : p->proto;
		ip6->hop_limit = 64;
		put_addr(p->src, true, &ip6->saddr);
		put_addr(p->dst, true, &ip6->daddr);
		l4 = (__u8 *)(ip6 + 1);
		if (p->ext != EXT_NONE) {
			l4[0] = p->proto; /* next header; length 0 means 8 bytes */
			if (p->ext == EXT_HOP) {
				l4[2] = 1; /* PadN option over the 6 remaining bytes */
				l4[3] = 4;
			} else {
				put16(l4 + 2, 1); /* offset 0, more fragments */
			}
			l4 += ext_len;
		}
	} else {
		struct iphdr *ip = (void *)l3;
		/* an IHL below 5 is a lie of the header: the 20 bytes are still there */
		size_t ihl = p->ihl > 5 ? p->ihl : 5;

		ip->version = 4;
		ip->ihl = p->ihl ? p->ihl : 5;
		ip->tot_len = htons(ihl * 4 + l4_len(p));
		ip->frag_off = htons(p->frag_off);
		ip->ttl = 64;
		ip->protocol = p->proto;
		put_addr(p->src, false, &ip->saddr);
		put_addr(p->dst, false, &ip->daddr);
		l4 = l3 + ihl * 4;
		memset(ip + 1, 1 /* NOP */, ihl * 4 - sizeof(*ip));
	}
	put_l4(p, l4);
	f->len = l4 + l4_len(p) - f->data;
}

/* The frame a backend receives: the input with its MACs (L2 DSR). */
static void frame_to(const struct env *e, const struct frame *in, int to, struct frame *want)
{
	*want = *in;
	if (to == UNCHANGED)
		return;
	memcpy(want->data, e->b[to - 1].mac, ETH_ALEN);
	memcpy(want->data + ETH_ALEN, e->b[to - 1].src_mac, ETH_ALEN);
}

/* Which backend's frame out is (B1...), UNCHANGED, or -1 when it is neither. */
static int frame_went_to(const struct env *e, const struct frame *in, const struct frame *out)
{
	struct frame want;

	for (int to = UNCHANGED; to <= e->nb; to++) {
		frame_to(e, in, to, &want);
		if (out->len == want.len && !memcmp(out->data, want.data, want.len))
			return to;
	}
	return -1;
}

static int prog_run(int prog, const void *data, __u32 len, struct frame *out, __u32 *verdict)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data, .data_size_in = len,
		    .data_out = out->data, .data_size_out = sizeof(out->data), .repeat = 1);

	if (bpf_prog_test_run_opts(prog, &opts))
		return -errno;
	*verdict = opts.retval;
	out->len = opts.data_size_out;
	return 0;
}

/* ---- the group: program, configuration, expected counters ---- */

static bool env_open(struct env *e, const char *group)
{
	struct bpf_map *map;
	int err;

	memset(e, 0, sizeof(*e));
	e->group = group;
	e->skel = xlb_bpf__open();
	if (!ASSERT_TRUE(e->skel, env_name(e, "open skeleton")))
		return false;
	/* Nothing pinned: the test must not touch (or reuse) a running xlb's maps. */
	bpf_object__for_each_map(map, e->skel->obj)
		bpf_map__set_pin_path(map, NULL);
	bpf_map__set_max_entries(e->skel->maps.xlb_flow4, TEST_FLOWS);
	bpf_map__set_max_entries(e->skel->maps.xlb_flow6, TEST_FLOWS);
	err = xlb_bpf__load(e->skel);
	if (!ASSERT_OK(err, env_name(e, "load")))
		goto fail;
	err = xlb_maps_from_object(&e->m, e->skel->obj);
	if (!ASSERT_OK(err, env_name(e, "maps")))
		goto fail;
	e->prog = bpf_program__fd(e->skel->progs.xlb);
	return true;
fail:
	xlb_bpf__destroy(e->skel);
	return false;
}

static __u32 add_vip(struct env *e, const char *vip, enum xlb_sched sched, bool per_packet)
{
	struct xlb_vip_spec spec;
	__u32 id = 0;
	int err;

	err = xlb_parse_vip(vip, &spec);
	if (!err)
		err = xlb_vip_add(&e->m, &spec, sched, per_packet, &id);
	ASSERT_OK(err, env_name(e, vip));
	/* A new VIP id starts with zeroed counters. */
	memset(&e->vip_stats[id], 0, sizeof(e->vip_stats[id]));
	return id;
}

/* Backend n (B1 first) gets MAC 02:00:00:00:01:n and source MAC 02:00:00:00:02:n. */
static struct be *add_backend(struct env *e, __u32 vip, const char *addr, __u32 weight,
			      __u32 ifindex)
{
	struct xlb_backend_spec spec = { .weight = weight, .ifindex = ifindex };
	struct be *be = &e->b[e->nb++];
	int err;

	be->vip = vip;
	memcpy(be->mac, (__u8[]){ 2, 0, 0, 0, 1, e->nb }, ETH_ALEN);
	memcpy(be->src_mac, (__u8[]){ 2, 0, 0, 0, 2, e->nb }, ETH_ALEN);
	memcpy(spec.mac, be->mac, ETH_ALEN);
	memcpy(spec.src_mac, be->src_mac, ETH_ALEN);
	err = xlb_parse_addr(addr, &spec.addr);
	if (!err)
		err = xlb_backend_add(&e->m, vip, &spec, &be->slot);
	ASSERT_OK(err, env_name(e, addr));
	memset(&e->be_stats[be->slot], 0, sizeof(e->be_stats[be->slot]));
	return be;
}

static void set_backend(struct env *e, int to, int admin, int health)
{
	int err = xlb_backend_update(&e->m, e->b[to - 1].slot, XLB_KEEP, admin, health);

	ASSERT_OK(err, env_name(e, "backend update"));
}

static int vip_of(struct env *e, const struct pkt *p)
{
	struct xlb_vip_spec spec = { .port = p->dport, .proto = p->proto };
	__u32 id;

	if (xlb_parse_addr(p->dst, &spec.ip) || xlb_vip_find(&e->m, &spec, &id))
		return -1;
	return id;
}

static void count(struct xlb_stats *s, __u32 len, bool new_flow)
{
	s->packets++;
	s->bytes += len;
	s->new_flows += new_flow;
}

/* What one packet adds to the counters, given its verdict and the backend it was given. */
static void account(struct env *e, const struct pkt *p, __u32 len, __u32 verdict, int to,
		    bool new_flow)
{
	const struct be *be;
	int vip;

	switch (verdict) {
	case XDP_PASS:
		e->verdicts[XLB_CNT_PASS]++;
		return;
	case XDP_TX:
		e->verdicts[XLB_CNT_TX]++;
		break;
	case XDP_REDIRECT:
		e->verdicts[XLB_CNT_REDIRECT]++;
		break;
	case XDP_DROP:
		e->verdicts[XLB_CNT_DROP]++;
		if (to != UNCHANGED) {
			/* scheduled, counted as traffic, then no way out */
			e->verdicts[XLB_CNT_DROP_NO_TX_PORT]++;
			break;
		}
		e->verdicts[XLB_CNT_DROP_NO_BACKEND]++;
		vip = vip_of(e, p);
		if (vip >= 0)
			e->vip_stats[vip].drops++;
		return;
	}
	if (to < B1)
		return;
	be = &e->b[to - 1];
	count(&e->vip_stats[be->vip], len, new_flow);
	count(&e->be_stats[be->slot], len, new_flow);
}

/* Compares one entry's counters; says which and how they differ. */
static bool stats_match(const char *what, __u32 index, const struct xlb_stats *got,
			const struct xlb_stats *want)
{
	if (got->packets == want->packets && got->bytes == want->bytes &&
	    got->new_flows == want->new_flows && got->drops == want->drops)
		return true;
	printf("# %s %u: packets/bytes/new/drops %llu/%llu/%llu/%llu, want %llu/%llu/%llu/%llu\n",
	       what, index, got->packets, got->bytes, got->new_flows, got->drops, want->packets,
	       want->bytes, want->new_flows, want->drops);
	return false;
}

/* Every counter of the program equals the sum of what the group's packets imply. */
static void check_counters(struct env *e)
{
	__u64 verdicts[XLB_CNT_MAX];
	struct xlb_stats got;
	char what[64];
	int bad, err;

	err = xlb_read_verdicts(&e->m, verdicts);
	if (!ASSERT_OK(err, env_name(e, "read verdicts")))
		return;
	for (int c = 0; c < XLB_CNT_MAX; c++) {
		snprintf(what, sizeof(what), "counter %s", xlb_counter_name(c));
		ASSERT_EQ(verdicts[c], e->verdicts[c], env_name(e, what));
	}

	bad = 0;
	for (__u32 id = 0; id < XLB_MAX_VIPS; id++) {
		memset(&got, 0xff, sizeof(got));
		xlb_read_vip_stats(&e->m, id, &got);
		bad += !stats_match("vip", id, &got, &e->vip_stats[id]);
	}
	ASSERT_EQ(bad, 0, env_name(e, "per-VIP counters"));

	bad = 0;
	for (__u32 slot = 0; slot < XLB_MAX_BACKENDS; slot++) {
		memset(&got, 0xff, sizeof(got));
		xlb_read_backend_stats(&e->m, slot, &got);
		bad += !stats_match("backend slot", slot, &got, &e->be_stats[slot]);
	}
	ASSERT_EQ(bad, 0, env_name(e, "per-backend counters"));
}

static void env_close(struct env *e)
{
	check_counters(e);
	xlb_maps_close(&e->m);
	xlb_bpf__destroy(e->skel);
}

/* ---- running fixtures ---- */

static bool run_fixture(struct env *e, const struct fixture *fx)
{
	struct frame in, want, out;
	__u32 verdict = ~0u;
	bool ok;
	int err;

	build(&fx->pkt, &in);
	frame_to(e, &in, fx->verdict == XDP_PASS ? UNCHANGED : fx->to, &want);
	err = prog_run(e->prog, in.data, in.len, &out, &verdict);
	/* A dropped frame goes nowhere: its bytes do not matter. */
	ok = !err && verdict == fx->verdict &&
	     (verdict == XDP_DROP ||
	      (out.len == want.len && !memcmp(out.data, want.data, want.len)));
	if (!ASSERT_TRUE(ok, env_name(e, fx->name)))
		printf("#   err %d, verdict %u (want %u), frame went to %d (want %d)\n", err,
		       verdict, fx->verdict, err ? -1 : frame_went_to(e, &in, &out), fx->to);
	account(e, &fx->pkt, in.len, fx->verdict, fx->to, fx->new_flow);
	return ok;
}

static void run_table(struct env *e, const struct fixture *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		run_fixture(e, &t[i]);
}

#define RUN(e, ...)                                                        \
	do {                                                               \
		const struct fixture t_[] = { __VA_ARGS__ };               \
		run_table(e, t_, ARRAY_SIZE(t_));                          \
	} while (0)

/*
 * Sends n packets that must all be balanced with XDP_TX (source port base->sport + i * step),
 * recording in seq[i] which backend each went to. For counts and orders that a table cannot
 * spell out; every packet is still checked byte for byte.
 */
static bool send_many(struct env *e, const struct pkt *base, int n, int step, bool new_flow,
		      int *seq)
{
	struct frame in, out;
	struct pkt p = *base;
	__u32 verdict;

	for (int i = 0; i < n; i++) {
		p.sport = base->sport + i * step;
		build(&p, &in);
		if (prog_run(e->prog, in.data, in.len, &out, &verdict) || verdict != XDP_TX) {
			printf("# packet %d: verdict %u\n", i, verdict);
			return false;
		}
		seq[i] = frame_went_to(e, &in, &out);
		if (seq[i] < B1) {
			printf("# packet %d: frame mangled\n", i);
			return false;
		}
		account(e, &p, in.len, verdict, seq[i], new_flow);
	}
	return true;
}

/* Checks that seq[0..n) visits k backends in turn, starting at first, each n / k times. */
static void check_rr(struct env *e, const int *seq, int n, int k, int first, const char *what)
{
	int counts[MAX_BE + 1] = {}, order_ok = 1;

	for (int i = 0; i < n; i++) {
		counts[seq[i]]++;
		order_ok &= seq[i] == B1 + (first - B1 + i) % k;
	}
	for (int to = B1; to < B1 + k; to++) {
		char name[64];

		snprintf(name, sizeof(name), "%s: B%d gets n/k", what, to);
		ASSERT_EQ(counts[to], n / k, env_name(e, name));
	}
	ASSERT_TRUE(order_ok, env_name(e, "round-robin order"));
}

/* ---- the groups ---- */

#define VIP4 "10.0.0.1"
#define VIP6 "2001:db8::1"
#define CLIENT4 "192.0.2.10"
#define CLIENT6 "2001:db8:c::10"

#define TCP4(port) .src = CLIENT4, .dst = VIP4, .proto = IPPROTO_TCP, .sport = (port), .dport = 80
#define TCP6(port) .src = CLIENT6, .dst = VIP6, .proto = IPPROTO_TCP, .sport = (port), .dport = 80

/* Everything that is not a complete TCP/UDP packet for a VIP leaves byte for byte unchanged. */
static void test_pass(void)
{
	struct env e;
	__u32 v4, v6;

	if (!env_open(&e, "pass"))
		return;
	v4 = add_vip(&e, VIP4 ":80/tcp", XLB_SCHED_RR, false);
	v6 = add_vip(&e, "[" VIP6 "]:80/tcp", XLB_SCHED_RR, false);
	add_backend(&e, v4, "10.1.0.1", 1, LO_IFINDEX);
	add_backend(&e, v6, "2001:db8:1::1", 1, LO_IFINDEX);
	RUN(&e,
	    { "IPv4 to another address", { TCP4(1000), .dst = "10.0.0.2" }, XDP_PASS },
	    { "IPv4 to another port of the VIP", { TCP4(1000), .dport = 81 }, XDP_PASS },
	    { "IPv4 UDP to a TCP VIP", { TCP4(1000), .proto = IPPROTO_UDP }, XDP_PASS },
	    { "IPv4 ICMP to the VIP address", { TCP4(0), .proto = IPPROTO_ICMP }, XDP_PASS },
	    { "IPv6 to another address", { TCP6(1000), .dst = "2001:db8::2" }, XDP_PASS },
	    { "IPv6 UDP to a TCP VIP", { TCP6(1000), .proto = IPPROTO_UDP }, XDP_PASS },
	    { "ARP for the VIP", { .src = CLIENT4, .dst = VIP4, .arp = true }, XDP_PASS },
	    { "tagged IPv4 to another address",
	      { TCP4(1000), .dst = "10.0.0.2", .vlan_proto = ETH_P_8021Q }, XDP_PASS },
	    { "IPv4 first fragment (MF)", { TCP4(1001), .frag_off = 0x2000 }, XDP_PASS },
	    { "IPv4 later fragment (offset)", { TCP4(1002), .frag_off = 185 }, XDP_PASS },
	    { "IPv4 middle fragment (MF, offset)", { TCP4(1003), .frag_off = 0x2000 | 185 },
	      XDP_PASS },
	    { "IPv4 with IHL 4", { TCP4(1004), .ihl = 4 }, XDP_PASS },
	    { "IPv6 hop-by-hop header", { TCP6(1005), .ext = EXT_HOP }, XDP_PASS },
	    { "IPv6 fragment header", { TCP6(1006), .ext = EXT_FRAG }, XDP_PASS },
	    /* the contrast: DF is no fragment, and the VIPs do balance */
	    { "IPv4 with DF to the VIP", { TCP4(1007), .frag_off = 0x4000 }, XDP_TX, B1, true },
	    { "IPv6 to the VIP", { TCP6(1008) }, XDP_TX, B2, true });
	env_close(&e);
}

/* New flows take the backends in turn; a known flow keeps its backend. */
static void test_rr(const char *group, const char *vip, const char *const be_addr[], int k,
		    struct pkt base)
{
	enum { N = 40 };
	int seq[N * 3];
	struct env e;
	struct pkt p;
	__u32 id;

	if (!env_open(&e, group))
		return;
	id = add_vip(&e, vip, XLB_SCHED_RR, false);
	for (int i = 0; i < k; i++)
		add_backend(&e, id, be_addr[i], 1, LO_IFINDEX);

	/* first round, then the same flows again: each sticks to its backend */
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < 2 * k; i++) {
			struct fixture fx = {
				.name = pass ? "established flow keeps its backend" :
					       "new flow takes the next backend",
				.pkt = base,
				.verdict = XDP_TX,
				.to = B1 + i % k,
				.new_flow = !pass,
			};

			fx.pkt.sport = base.sport + i;
			run_fixture(&e, &fx);
		}
	}

	/* N * k more new flows: exactly N each, in turn (the cursor is at 2k, so B1 next) */
	p = base;
	p.sport = base.sport + 2 * k;
	if (ASSERT_TRUE(send_many(&e, &p, N * k, 1, true, seq), env_name(&e, "N*k new flows")))
		check_rr(&e, seq, N * k, k, B1, "N*k new flows");
	env_close(&e);
}

static void test_rr_groups(void)
{
	static const char *const be4[] = { "10.1.0.1", "10.1.0.2" };
	static const char *const be6[] = { "2001:db8:1::1", "2001:db8:1::2", "2001:db8:1::3" };

	test_rr("rr IPv4 TCP", VIP4 ":80/tcp", be4, 2, (struct pkt){ TCP4(2000) });
	test_rr("rr IPv6 TCP", "[" VIP6 "]:80/tcp", be6, 3, (struct pkt){ TCP6(2000) });
	test_rr("rr IPv4 UDP", VIP4 ":53/udp", be4, 2,
		(struct pkt){ TCP4(2000), .proto = IPPROTO_UDP, .dport = 53 });
	test_rr("rr IPv6 UDP", "[" VIP6 "]:53/udp", be6, 3,
		(struct pkt){ TCP6(2000), .proto = IPPROTO_UDP, .dport = 53 });
}

/* A per-packet UDP VIP sends every packet of one flow to the next backend, and keeps no flow. */
static void test_per_packet(void)
{
	const struct pkt dns = { TCP4(5353), .proto = IPPROTO_UDP, .dport = 53 };
	struct xlb_flow4_key key = {
		.sport = htons(5353), .dport = htons(53), .proto = IPPROTO_UDP,
	};
	struct xlb_flow flow;
	int seq[8], err;
	struct env e;
	__u32 id;

	if (!env_open(&e, "per-packet UDP"))
		return;
	id = add_vip(&e, VIP4 ":53/udp", XLB_SCHED_RR, true);
	add_backend(&e, id, "10.1.0.1", 1, LO_IFINDEX);
	add_backend(&e, id, "10.1.0.2", 1, LO_IFINDEX);
	if (ASSERT_TRUE(send_many(&e, &dns, 8, 0, false, seq), env_name(&e, "one 5-tuple, 8 packets")))
		check_rr(&e, seq, 8, 2, B1, "same 5-tuple");
	inet_pton(AF_INET, CLIENT4, &key.saddr);
	inet_pton(AF_INET, VIP4, &key.daddr);
	err = bpf_map_lookup_elem(e.m.flow4, &key, &flow) ? -errno : 0;
	ASSERT_EQ(err, -ENOENT, env_name(&e, "no flow entry made"));
	env_close(&e);
}

/* wrr with weights 1 and 3: over 4N new flows N and 3N, the light backend once in every 4. */
static void test_wrr(void)
{
	enum { N = 50 };
	const struct pkt base = { TCP4(3000) };
	int seq[4 * N], counts[MAX_BE + 1] = {}, bad_windows = 0;
	struct env e;
	__u32 id;

	if (!env_open(&e, "wrr 1:3"))
		return;
	id = add_vip(&e, VIP4 ":80/tcp", XLB_SCHED_WRR, false);
	add_backend(&e, id, "10.1.0.1", 1, LO_IFINDEX);
	add_backend(&e, id, "10.1.0.2", 3, LO_IFINDEX);
	if (!ASSERT_TRUE(send_many(&e, &base, 4 * N, 1, true, seq), env_name(&e, "4N new flows")))
		goto out;
	for (int i = 0; i < 4 * N; i++)
		counts[seq[i]]++;
	ASSERT_EQ(counts[B1], N, env_name(&e, "weight 1 gets N"));
	ASSERT_EQ(counts[B2], 3 * N, env_name(&e, "weight 3 gets 3N"));
	for (int w = 0; w < N; w++)
		bad_windows += (seq[4 * w] == B1) + (seq[4 * w + 1] == B1) +
			       (seq[4 * w + 2] == B1) + (seq[4 * w + 3] == B1) != 1;
	ASSERT_EQ(bad_windows, 0, env_name(&e, "weight 1 once in every window of 4"));

	/* the first flows again: each keeps the backend it was given */
	for (int i = 0; i < 8; i++) {
		struct fixture fx = { "established wrr flow keeps its backend", base, XDP_TX,
				      seq[i] };

		fx.pkt.sport = base.sport + i;
		run_fixture(&e, &fx);
	}
out:
	env_close(&e);
}

/* Drain: known flows stay, new flows avoid the backend. */
static void test_drain(void)
{
	struct env e;
	__u32 id;

	if (!env_open(&e, "drain"))
		return;
	id = add_vip(&e, VIP4 ":80/tcp", XLB_SCHED_RR, false);
	add_backend(&e, id, "10.1.0.1", 1, LO_IFINDEX);
	add_backend(&e, id, "10.1.0.2", 1, LO_IFINDEX);
	RUN(&e, { "flow A", { TCP4(1) }, XDP_TX, B1, true },
	    { "flow B", { TCP4(2) }, XDP_TX, B2, true });
	set_backend(&e, B1, XLB_ADMIN_DRAIN, XLB_KEEP);
	RUN(&e, { "flow A stays on the drained backend", { TCP4(1) }, XDP_TX, B1 },
	    { "new flow C avoids it", { TCP4(3) }, XDP_TX, B2, true },
	    { "new flow D avoids it", { TCP4(4) }, XDP_TX, B2, true },
	    { "new flow E avoids it", { TCP4(5) }, XDP_TX, B2, true },
	    { "flow B stays", { TCP4(2) }, XDP_TX, B2 },
	    { "flow A still stays", { TCP4(1) }, XDP_TX, B1 });
	env_close(&e);
}

/* Makes the IPv4 TCP flow of p look as old as `units` time units (XLB_TIME_SHIFT). */
static bool age_flow(struct env *e, const struct pkt *p, __u32 units)
{
	struct xlb_flow4_key key = { .sport = htons(p->sport), .dport = htons(p->dport),
				     .proto = p->proto };
	struct xlb_flow flow;

	inet_pton(AF_INET, p->src, &key.saddr);
	inet_pton(AF_INET, p->dst, &key.daddr);
	if (bpf_map_lookup_elem(e->m.flow4, &key, &flow))
		return false;
	flow.created -= units;
	return !bpf_map_update_elem(e->m.flow4, &key, &flow, BPF_EXIST);
}

/* A SYN on a known flow: a retransmission while the flow is young, a new connection on a
 * reused client port once it is older than a retransmission can be. */
static void test_syn(void)
{
	const struct pkt a = { TCP4(1) };
	struct env e;
	__u32 id;

	if (!env_open(&e, "syn"))
		return;
	id = add_vip(&e, VIP4 ":80/tcp", XLB_SCHED_RR, false);
	add_backend(&e, id, "10.1.0.1", 1, LO_IFINDEX);
	add_backend(&e, id, "10.1.0.2", 1, LO_IFINDEX);
	RUN(&e, { "SYN of flow A", { TCP4(1) }, XDP_TX, B1, true },
	    { "SYN retransmitted: same backend", { TCP4(1) }, XDP_TX, B1 },
	    { "ACK of flow A", { TCP4(1), .ack = true }, XDP_TX, B1 });
	ASSERT_TRUE(age_flow(&e, &a, XLB_SYN_RETRY_WINDOW + 1), env_name(&e, "flow A aged"));
	RUN(&e, { "ACK of the old flow A: still its backend", { TCP4(1), .ack = true }, XDP_TX,
		  B1 },
	    { "SYN on A's port after the window: a new connection, next backend", { TCP4(1) },
	      XDP_TX, B2, true },
	    { "ACK of the new connection follows it", { TCP4(1), .ack = true }, XDP_TX, B2 });
	env_close(&e);
}

/* Down, by people or by the health checker: known flows move to another backend. */
static void test_down(void)
{
	struct env e;
	__u32 v1, v2;

	if (!env_open(&e, "down"))
		return;
	v1 = add_vip(&e, VIP4 ":80/tcp", XLB_SCHED_RR, false);
	v2 = add_vip(&e, VIP4 ":443/tcp", XLB_SCHED_RR, false);
	add_backend(&e, v1, "10.1.0.1", 1, LO_IFINDEX);
	add_backend(&e, v1, "10.1.0.2", 1, LO_IFINDEX);
	add_backend(&e, v2, "10.1.0.1", 1, LO_IFINDEX);
	add_backend(&e, v2, "10.1.0.2", 1, LO_IFINDEX);
	RUN(&e, { "flow A", { TCP4(1) }, XDP_TX, B1, true },
	    { "flow B", { TCP4(2) }, XDP_TX, B2, true },
	    { "flow C", { TCP4(1), .dport = 443 }, XDP_TX, B3, true },
	    { "flow D", { TCP4(2), .dport = 443 }, XDP_TX, B4, true });

	set_backend(&e, B1, XLB_ADMIN_DOWN, XLB_KEEP);
	RUN(&e, { "admin down: flow A moves", { TCP4(1) }, XDP_TX, B2, true },
	    { "admin down: flow A stays moved", { TCP4(1) }, XDP_TX, B2 },
	    { "admin down: flow B stays", { TCP4(2) }, XDP_TX, B2 });

	set_backend(&e, B3, XLB_KEEP, XLB_HEALTH_DOWN);
	RUN(&e, { "health down: flow C moves", { TCP4(1), .dport = 443 }, XDP_TX, B4, true },
	    { "health down: flow C stays moved", { TCP4(1), .dport = 443 }, XDP_TX, B4 },
	    { "health down: new flow E avoids it", { TCP4(5), .dport = 443 }, XDP_TX, B4,
	      true });

	/* the last backend of the VIP goes too: nowhere left, known flows included */
	set_backend(&e, B4, XLB_KEEP, XLB_HEALTH_DOWN);
	RUN(&e, { "all down: flow C dropped", { TCP4(1), .dport = 443 }, XDP_DROP },
	    { "all down: new flow F dropped", { TCP4(6), .dport = 443 }, XDP_DROP });
	env_close(&e);
}

/* A deleted backend's flows reschedule; a new owner of its slot inherits none of them. */
static void test_delete(void)
{
	struct env e;
	__u32 v1, v2;
	int err;

	if (!env_open(&e, "delete"))
		return;
	v1 = add_vip(&e, VIP4 ":80/tcp", XLB_SCHED_RR, false);
	v2 = add_vip(&e, "10.0.0.2:80/tcp", XLB_SCHED_RR, false);
	add_backend(&e, v1, "10.1.0.1", 1, LO_IFINDEX);
	add_backend(&e, v1, "10.1.0.2", 1, LO_IFINDEX);
	RUN(&e, { "flow A", { TCP4(1) }, XDP_TX, B1, true },
	    { "flow B", { TCP4(2) }, XDP_TX, B2, true },
	    { "flow C", { TCP4(3) }, XDP_TX, B1, true });

	err = xlb_backend_del(&e.m, e.b[0].slot);
	ASSERT_OK(err, env_name(&e, "delete B1"));
	RUN(&e, { "flow A rescheduled", { TCP4(1) }, XDP_TX, B2, true },
	    { "flow B stays", { TCP4(2) }, XDP_TX, B2 });

	/* B3 takes B1's slot for another VIP; flow C still names that slot */
	add_backend(&e, v2, "10.1.0.3", 1, LO_IFINDEX);
	ASSERT_EQ(e.b[2].slot, e.b[0].slot, env_name(&e, "B3 reuses B1's slot"));
	RUN(&e, { "flow C does not follow the slot to B3", { TCP4(3) }, XDP_TX, B2, true },
	    { "flow to the other VIP takes B3", { TCP4(1), .dst = "10.0.0.2" }, XDP_TX, B3,
	      true });
	env_close(&e);
}

/* A VIP with nothing to send to drops, and says why. */
static void test_no_backend(void)
{
	struct env e;
	__u32 v3;

	if (!env_open(&e, "no backend"))
		return;
	add_vip(&e, VIP4 ":80/tcp", XLB_SCHED_RR, false);
	add_vip(&e, "[" VIP6 "]:80/tcp", XLB_SCHED_RR, false);
	v3 = add_vip(&e, VIP4 ":443/tcp", XLB_SCHED_WRR, false);
	add_backend(&e, v3, "10.1.0.1", 0, LO_IFINDEX);
	RUN(&e, { "IPv4 VIP without backends", { TCP4(1) }, XDP_DROP },
	    { "IPv4 VIP without backends, again", { TCP4(2) }, XDP_DROP },
	    { "IPv6 VIP without backends", { TCP6(1) }, XDP_DROP },
	    { "VIP whose only backend has weight 0", { TCP4(1), .dport = 443 }, XDP_DROP });
	env_close(&e);
}

/* A backend behind another interface is reached by XDP_REDIRECT through the devmap. */
static void test_redirect(void)
{
	char cmd[128], ifname[IF_NAMESIZE];
	__u32 id, ifindex;
	struct env e;
	int err;

	if (!env_open(&e, "redirect"))
		return;
	snprintf(ifname, sizeof(ifname), "xlbt%d", getpid() % 100000);
	snprintf(cmd, sizeof(cmd), "ip link add %s type veth peer name %sp", ifname, ifname);
	ifindex = system(cmd) ? 0 : if_nametoindex(ifname);
	if (!ASSERT_TRUE(ifindex, env_name(&e, "veth for the other interface")))
		goto out;
	id = add_vip(&e, VIP4 ":80/tcp", XLB_SCHED_RR, false);
	add_backend(&e, id, "10.1.0.1", 1, ifindex);
	RUN(&e, { "backend behind another interface", { TCP4(1) }, XDP_REDIRECT, B1, true });

	/* the interface leaves the devmap: nowhere to send, counted as such */
	err = bpf_map_delete_elem(e.m.tx_ports, &ifindex);
	ASSERT_OK(err, env_name(&e, "devmap entry removed"));
	RUN(&e, { "known flow, no tx port", { TCP4(1) }, XDP_DROP, B1 },
	    { "new flow, no tx port", { TCP4(2) }, XDP_DROP, B1, true });
	snprintf(cmd, sizeof(cmd), "ip link del %s", ifname);
	err = system(cmd);
	ASSERT_OK(err, env_name(&e, "veth removed"));
out:
	env_close(&e);
}

/* One 802.1Q or 802.1ad tag: balanced like untagged, and the tag stays. */
static void test_vlan(void)
{
	struct env e;
	__u32 v4, v6;

	if (!env_open(&e, "vlan"))
		return;
	v4 = add_vip(&e, VIP4 ":80/tcp", XLB_SCHED_RR, false);
	v6 = add_vip(&e, "[" VIP6 "]:80/tcp", XLB_SCHED_RR, false);
	add_backend(&e, v4, "10.1.0.1", 1, LO_IFINDEX);
	add_backend(&e, v4, "10.1.0.2", 1, LO_IFINDEX);
	add_backend(&e, v6, "2001:db8:1::1", 1, LO_IFINDEX);
	RUN(&e, { "802.1Q IPv4", { TCP4(1), .vlan_proto = ETH_P_8021Q }, XDP_TX, B1, true },
	    { "802.1ad IPv4", { TCP4(2), .vlan_proto = ETH_P_8021AD }, XDP_TX, B2, true },
	    { "802.1Q IPv4 established", { TCP4(1), .vlan_proto = ETH_P_8021Q }, XDP_TX, B1 },
	    { "802.1Q IPv6", { TCP6(1), .vlan_proto = ETH_P_8021Q }, XDP_TX, B3, true },
	    { "802.1Q UDP to the TCP VIP", { TCP4(3), .vlan_proto = ETH_P_8021Q,
	      .proto = IPPROTO_UDP }, XDP_PASS });
	env_close(&e);
}

/* IPv4 options move L4 but change nothing else. */
static void test_ip_options(void)
{
	struct env e;
	__u32 id;

	if (!env_open(&e, "IPv4 options"))
		return;
	id = add_vip(&e, VIP4 ":80/tcp", XLB_SCHED_RR, false);
	add_backend(&e, id, "10.1.0.1", 1, LO_IFINDEX);
	add_backend(&e, id, "10.1.0.2", 1, LO_IFINDEX);
	for (int ihl = 6; ihl <= 15; ihl++) {
		struct fixture fx = { "IHL 6..15", { TCP4(100 + ihl), .ihl = ihl, .payload = 4 },
				      XDP_TX, B1 + ihl % 2, true };

		run_fixture(&e, &fx);
	}
	env_close(&e);
}

/*
 * Every prefix of a valid VIP frame: below 14 bytes the kernel refuses it, from 14 bytes up
 * to one short of the whole frame the program must pass it unchanged; the whole frame is
 * balanced (which shows it was a VIP frame).
 */
static void test_truncation(void)
{
	static const struct fixture whole[] = {
		{ "IPv4 TCP", { TCP4(1) }, XDP_TX, B1, true },
		{ "IPv4 TCP with options", { TCP4(2), .tcp_opts = 20 }, XDP_TX, B1, true },
		{ "IPv4 IHL 15 TCP", { TCP4(3), .ihl = 15 }, XDP_TX, B1, true },
		{ "IPv4 TCP with payload", { TCP4(4), .payload = 10 }, XDP_TX, B1, true },
		{ "802.1Q IPv4 TCP", { TCP4(5), .vlan_proto = ETH_P_8021Q }, XDP_TX, B1, true },
		{ "IPv4 UDP", { TCP4(6), .proto = IPPROTO_UDP, .dport = 53 }, XDP_TX, B2, true },
		{ "IPv4 UDP with payload", { TCP4(7), .proto = IPPROTO_UDP, .dport = 53,
		  .payload = 12 }, XDP_TX, B2, true },
		{ "IPv6 TCP", { TCP6(1) }, XDP_TX, B3, true },
		{ "IPv6 UDP", { TCP6(2), .proto = IPPROTO_UDP, .dport = 53 }, XDP_TX, B4, true },
		{ "IPv6 UDP with payload", { TCP6(3), .proto = IPPROTO_UDP, .dport = 53,
		  .payload = 12 }, XDP_TX, B4, true },
	};
	struct frame in, out;
	struct env e;
	__u32 v;

	if (!env_open(&e, "truncation"))
		return;
	v = add_vip(&e, VIP4 ":80/tcp", XLB_SCHED_RR, false);
	add_backend(&e, v, "10.1.0.1", 1, LO_IFINDEX);
	v = add_vip(&e, VIP4 ":53/udp", XLB_SCHED_RR, false);
	add_backend(&e, v, "10.1.0.1", 1, LO_IFINDEX);
	v = add_vip(&e, "[" VIP6 "]:80/tcp", XLB_SCHED_RR, false);
	add_backend(&e, v, "2001:db8:1::1", 1, LO_IFINDEX);
	v = add_vip(&e, "[" VIP6 "]:53/udp", XLB_SCHED_RR, false);
	add_backend(&e, v, "2001:db8:1::1", 1, LO_IFINDEX);

	for (size_t i = 0; i < ARRAY_SIZE(whole); i++) {
		const struct fixture *fx = &whole[i];
		int refused = 0, passed = 0, first_bad = 0;
		char what[96];

		/* the whole frame first: it makes the flow, so a cut that gets through anyway
		 * is an established packet and the counter checks stay exact */
		run_fixture(&e, fx);
		build(&fx->pkt, &in);
		for (__u32 len = 0; len < in.len; len++) {
			struct frame cut = in;
			__u32 verdict = ~0u;
			int err, to;

			cut.len = len;
			err = prog_run(e.prog, cut.data, len, &out, &verdict);
			if (len < ETH_HLEN) {
				refused += err == -EINVAL;
				continue;
			}
			if (err)
				continue;
			to = frame_went_to(&e, &cut, &out);
			account(&e, &fx->pkt, len, verdict, to, false);
			if (verdict == XDP_PASS && to == UNCHANGED)
				passed++;
			else if (!first_bad)
				first_bad = len;
		}
		if (first_bad)
			printf("# %s: first bad cut %d of %u bytes\n", fx->name, first_bad, in.len);
		snprintf(what, sizeof(what), "%s: cut below 14 bytes refused (EINVAL)", fx->name);
		ASSERT_EQ(refused, ETH_HLEN, env_name(&e, what));
		snprintf(what, sizeof(what), "%s: every cut from 14 bytes passes unchanged",
			 fx->name);
		ASSERT_EQ(passed, in.len - ETH_HLEN, env_name(&e, what));
	}
	env_close(&e);
}

int main(void)
{
	/* libbpf's notes (e.g. on libxdp's .xdp_run_config section) only at debug level */
	xlb_log_setup_libs();
	test_pass();
	test_rr_groups();
	test_per_packet();
	test_wrr();
	test_drain();
	test_syn();
	test_down();
	test_delete();
	test_no_backend();
	test_redirect();
	test_vlan();
	test_ip_options();
	test_truncation();
	return tap_done();
}
