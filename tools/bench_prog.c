// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-packet cost of the XDP program through BPF_PROG_TEST_RUN, against an empty XDP_PASS
 * program measured in the same run. Every call runs the program once (repeat = 1) on a frame
 * copied in fresh, because with repeat > 1 the program would re-read a frame it already
 * rewrote; the figure is the kernel-reported duration of that one run.
 *
 * The cases are measured in many short interleaved rounds so that machine noise (this is a
 * shared 2-core machine, and its load drifts within seconds) hits all of them alike. Reported
 * is the mean over all calls of a case, not the median: the kernel-reported durations come in
 * steps of about 10 ns here, so the median jumps by a whole step (5% of an established packet)
 * from one run to the next, while the mean of 200k calls moved by 1-3%.
 *
 * Two references run beside xlb: the empty program (the baseline of every ratio) and the
 * floor of any flow table, a program that makes one lookup in xlb's own flow table and nothing
 * else (tools/bench_floor.bpf.c): what xlb adds on the established path is the difference.
 *
 * Established flows are measured three ways. The targets are read on the first, the method
 * the reference figures were taken with: the same frame, copied in fresh, every call,
 * so one hot flow, in a table of 1k and of 1M flows: the program's own cost and what the size
 * of the table adds to it. Then 1k active flows taking turns at random, in both tables, and
 * finally any of the million at random: there each lookup misses the CPU caches and the TLB
 * (the 1M table is ~90 MB), which measures this machine's memory more than the program; they
 * are printed for information.
 *
 * A benchmark, not a test: it prints PASS/MISS against the targets and exits 0 either way.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench_floor.skel.h"
#include "pass.skel.h"
#include "xlb.skel.h"
#include "log.h"
#include "maps.h"
#include "state.h"

#define ROUNDS 100
#define CALLS_PER_ROUND 2000
/* Unrecorded calls at the start of each round: the previous case evicted this one's working
 * set from the caches, which a steady stream of this case alone would keep there. */
#define WARMUP_CALLS 500
#define SMALL_FLOWS 1000
#define ACTIVE_FLOWS SMALL_FLOWS
#define BIG_FLOWS XLB_DEFAULT_FLOWS
#define FRAME_LEN 60	    /* the shortest Ethernet frame without FCS */
#define VIP_ADDR 0x0a000001 /* 10.0.0.1 */
#define VIP_PORT 80

/* One XDP program to measure, and how to make the frame of its nth call. */
struct bench_case {
	const char *name;
	int prog;
	void (*frame)(struct bench_case *c, __u8 *frame, __u64 n);
	const __u32 *flows; /* established cases: clients whose flow is in the table */
	__u32 nflows;
	__u32 want;  /* the verdict every call must give */
	__u64 calls; /* made so far, warm-up included: numbers the new clients */
	__u32 *ns;   /* durations of the recorded calls */
	__u64 count;
	double mean;
};

/* Frames are Ethernet + IPv4 + TCP to VIP_ADDR:VIP_PORT from a client chosen per call. */
static void frame_init(__u8 *f)
{
	struct ethhdr *eth = (void *)f;
	struct iphdr *ip = (void *)(eth + 1);
	struct tcphdr *tcp = (void *)(ip + 1);

	memset(f, 0, FRAME_LEN);
	memcpy(eth->h_dest, (__u8[]){ 2, 0, 0, 0, 0xaa, 1 }, ETH_ALEN);
	memcpy(eth->h_source, (__u8[]){ 2, 0, 0, 0, 0xcc, 1 }, ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(sizeof(*ip) + sizeof(*tcp));
	ip->ttl = 64;
	ip->protocol = IPPROTO_TCP;
	ip->daddr = htonl(VIP_ADDR);
	tcp->dest = htons(VIP_PORT);
	tcp->doff = 5;
	tcp->ack = 1;
}

/* Client number i: address 11.0.0.0 + i, port 1024 + i % 60000 (distinct for every i). */
static void set_client(__u8 *f, __u32 i)
{
	struct iphdr *ip = (void *)(f + ETH_HLEN);
	struct tcphdr *tcp = (void *)(ip + 1);

	ip->saddr = htonl(0x0b000000 + i);
	tcp->source = htons(1024 + i % 60000);
}

static struct xlb_flow4_key client_key(__u32 i)
{
	return (struct xlb_flow4_key){
		.saddr = htonl(0x0b000000 + i),
		.daddr = htonl(VIP_ADDR),
		.sport = htons(1024 + i % 60000),
		.dport = htons(VIP_PORT),
		.proto = IPPROTO_TCP,
	};
}

static __u64 rng_state = 0x9e3779b97f4a7c15ull;

static __u64 rnd(void)
{
	/* xorshift64: cheap and reproducible; quality does not matter here */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void frame_other(struct bench_case *c, __u8 *f, __u64 n)
{
	(void)c;
	set_client(f, n);
	((struct iphdr *)(f + ETH_HLEN))->daddr = htonl(0x0a0000fe); /* not a VIP */
}

static void frame_new(struct bench_case *c, __u8 *f, __u64 n)
{
	(void)c;
	/* past the established clients' numbers, never the same twice */
	set_client(f, BIG_FLOWS + n);
}

/* Always the same established flow: the first of the case's list. */
static void frame_one(struct bench_case *c, __u8 *f, __u64 n)
{
	(void)n;
	set_client(f, c->flows[0]);
}

/* A random established flow. Not looked up from userspace here: that would bring its bucket
 * into the cache right before the measured run. */
static void frame_established(struct bench_case *c, __u8 *f, __u64 n)
{
	(void)n;
	set_client(f, c->flows[rnd() % c->nflows]);
}

static int run_once(struct bench_case *c, bool record)
{
	__u8 frame[FRAME_LEN], out[FRAME_LEN];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = FRAME_LEN,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

	frame_init(frame);
	c->frame(c, frame, c->calls++);
	if (bpf_prog_test_run_opts(c->prog, &opts))
		return -errno;
	if (opts.retval != c->want) {
		fprintf(stderr, "%s: verdict %u, want %u\n", c->name, opts.retval, c->want);
		return -EPROTO;
	}
	if (record)
		c->ns[c->count++] = opts.duration;
	return 0;
}

static double mean(const __u32 *v, __u64 n)
{
	double sum = 0;

	for (__u64 i = 0; i < n; i++)
		sum += v[i];
	return sum / n;
}

/* An xlb instance of its own (nothing pinned), with one VIP and two backends on ifindex 1,
 * the ingress interface of BPF_PROG_TEST_RUN, so that balanced packets give XDP_TX. */
static int xlb_open(struct xlb_bpf **skel, struct xlb_maps *m, __u32 *slot)
{
	struct xlb_vip_spec vip = { .ip.family = AF_INET, .port = VIP_PORT, .proto = IPPROTO_TCP };
	struct xlb_backend_spec be = { .weight = 1, .ifindex = 1, .mac = { 2, 0, 0, 0, 1, 1 } };
	struct bpf_map *map;
	__u32 id;
	int err;

	*skel = xlb_bpf__open();
	if (!*skel)
		return -errno;
	bpf_object__for_each_map(map, (*skel)->obj) bpf_map__set_pin_path(map, NULL);
	/* IPv4 only here: a full-size IPv6 table would cost memory and load time for nothing */
	bpf_map__set_max_entries((*skel)->maps.xlb_flow6, 1024);
	err = xlb_bpf__load(*skel);
	err = err ?: xlb_maps_from_object(m, (*skel)->obj);
	if (err)
		return err;
	*(__be32 *)vip.ip.addr = htonl(VIP_ADDR);
	err = xlb_vip_add(m, &vip, XLB_SCHED_RR, false, &id);
	be.addr.family = AF_INET;
	*(__be32 *)be.addr.addr = htonl(0x0a010001);
	err = err ?: xlb_backend_add(m, id, &be, slot);
	*(__be32 *)be.addr.addr = htonl(0x0a010002);
	be.mac[5] = 2;
	return err ?: xlb_backend_add(m, id, &be, NULL);
}

/* Fills the flow table with clients 0..n-1 on the backend in slot, and lists in present[]
 * those the table holds afterwards (an LRU table may evict some before it is full); returns
 * their number or -errno. */
static long fill_flows(struct xlb_maps *m, __u32 slot, __u32 n, __u32 *present)
{
	enum { BATCH = 65536 };
	struct xlb_flow4_key *keys = calloc(BATCH, sizeof(*keys));
	struct xlb_flow *vals = calloc(BATCH, sizeof(*vals));
	struct xlb_backend be;
	struct xlb_flow flow;
	long held = 0;
	int err;

	err = xlb_backend_get(m, slot, &be);
	if (err || !keys || !vals)
		goto out;
	for (__u32 base = 0; base < n; base += BATCH) {
		__u32 count = n - base < BATCH ? n - base : BATCH;

		for (__u32 i = 0; i < count; i++) {
			keys[i] = client_key(base + i);
			vals[i] = (struct xlb_flow){
				.backend = slot,
				.gen = be.gen,
				.vip_id = be.vip_id,
			};
		}
		if (bpf_map_update_batch(m->flow4, keys, vals, &count, NULL)) {
			err = -errno;
			goto out;
		}
	}
	for (__u32 i = 0; i < n; i++) {
		struct xlb_flow4_key key = client_key(i);

		if (!bpf_map_lookup_elem(m->flow4, &key, &flow))
			present[held++] = i;
	}
out:
	free(keys);
	free(vals);
	return err ?: held;
}

/* The one-lookup reference, sharing the flow table of an xlb instance. */
static int floor_open(struct bench_floor_bpf **floor, struct xlb_bpf *xlb)
{
	int err;

	*floor = bench_floor_bpf__open();
	if (!*floor)
		return -errno;
	err = bpf_map__reuse_fd((*floor)->maps.flows, bpf_map__fd(xlb->maps.xlb_flow4));
	return err ?: bench_floor_bpf__load(*floor);
}

/* n flows picked at random from the table's, to be the active ones among all. */
static __u32 *pick_active(const __u32 *flows, __u32 nflows, __u32 n)
{
	__u32 *active = calloc(n, sizeof(*active));

	for (__u32 i = 0; active && i < n; i++)
		active[i] = flows[rnd() % nflows];
	return active;
}

static const char *verdict(double got, double target)
{
	return got <= target ? "PASS" : "MISS";
}

int main(void)
{
	struct xlb_bpf *small = NULL, *big = NULL, *fresh = NULL;
	__u32 slot_small, slot_big, slot_fresh, *small_flows, *big_flows, *big_active;
	struct bench_floor_bpf *floor = NULL;
	struct xlb_maps ms, mb, mf;
	struct pass_bpf *pass;
	long nsmall = 0, nbig = 0;
	double scale;
	int err;

	xlb_log_setup_libs();
	pass = pass_bpf__open_and_load();
	err = pass ? 0 : -errno;
	/* three instances: 1k flows, 1M flows, and one whose table only new flows fill */
	err = err ?: xlb_open(&small, &ms, &slot_small);
	err = err ?: xlb_open(&big, &mb, &slot_big);
	err = err ?: xlb_open(&fresh, &mf, &slot_fresh);
	err = err ?: floor_open(&floor, small);
	if (err) {
		fprintf(stderr, "bench_prog: loading the programs failed: %s\n", strerror(-err));
		return 1;
	}
	small_flows = calloc(SMALL_FLOWS, sizeof(*small_flows));
	big_flows = calloc(BIG_FLOWS, sizeof(*big_flows));
	if (!small_flows || !big_flows)
		return 1;
	nsmall = fill_flows(&ms, slot_small, SMALL_FLOWS, small_flows);
	if (nsmall == SMALL_FLOWS)
		nbig = fill_flows(&mb, slot_big, BIG_FLOWS, big_flows);
	big_active = nbig > 0 ? pick_active(big_flows, nbig, ACTIVE_FLOWS) : NULL;
	if (nsmall != SMALL_FLOWS || nbig < BIG_FLOWS / 2 || !big_active) {
		fprintf(stderr, "bench_prog: filling the flow tables failed: %s\n",
			nbig < 0 ? strerror(-nbig) : "entries missing");
		return 1;
	}

	int xlb_small = bpf_program__fd(small->progs.xlb);
	struct bench_case cases[] = {
		{ .name = "empty XDP_PASS program",
		  .prog = bpf_program__fd(pass->progs.xdp_pass),
		  .frame = frame_other,
		  .want = XDP_PASS },
		{ .name = "xlb, not for a VIP",
		  .prog = xlb_small,
		  .frame = frame_other,
		  .want = XDP_PASS },
		{ .name = "xlb, new flow",
		  .prog = bpf_program__fd(fresh->progs.xlb),
		  .frame = frame_new,
		  .want = XDP_TX },
		{ .name = "one flow-table lookup (floor)",
		  .prog = bpf_program__fd(floor->progs.one_lookup),
		  .frame = frame_one,
		  .flows = small_flows,
		  .nflows = nsmall,
		  .want = XDP_TX },
		{ .name = "xlb, established, 1k flows",
		  .prog = xlb_small,
		  .frame = frame_one,
		  .flows = small_flows,
		  .nflows = nsmall,
		  .want = XDP_TX },
		{ .name = "xlb, established, 1M flows",
		  .prog = bpf_program__fd(big->progs.xlb),
		  .frame = frame_one,
		  .flows = big_active,
		  .nflows = ACTIVE_FLOWS,
		  .want = XDP_TX },
		{ .name = "  1k active of 1k (info)",
		  .prog = xlb_small,
		  .frame = frame_established,
		  .flows = small_flows,
		  .nflows = nsmall,
		  .want = XDP_TX },
		{ .name = "  1k active of 1M (info)",
		  .prog = bpf_program__fd(big->progs.xlb),
		  .frame = frame_established,
		  .flows = big_active,
		  .nflows = ACTIVE_FLOWS,
		  .want = XDP_TX },
		{ .name = "  any of the 1M (info)",
		  .prog = bpf_program__fd(big->progs.xlb),
		  .frame = frame_established,
		  .flows = big_flows,
		  .nflows = nbig,
		  .want = XDP_TX },
	};
	enum { EMPTY, OTHER, NEW, FLOOR, EST_1K, EST_1M, ACTIVE_1K, ACTIVE_1M, ANY_1M, NCASES };
	static const double target[NCASES] = { [NEW] = 2.5, [EST_1K] = 1.6, [EST_1M] = 1.6 };

	for (int c = 0; c < NCASES; c++) {
		cases[c].ns = calloc(ROUNDS * CALLS_PER_ROUND, sizeof(*cases[c].ns));
		if (!cases[c].ns)
			return 1;
	}
	for (int r = 0; r < ROUNDS; r++)
		for (int c = 0; c < NCASES; c++)
			for (int i = -WARMUP_CALLS; i < CALLS_PER_ROUND; i++) {
				err = run_once(&cases[c], i >= 0);
				if (err) {
					fprintf(stderr, "bench_prog: %s: test run failed: %s\n",
						cases[c].name, strerror(-err));
					return 1;
				}
			}

	printf("XDP program cost, BPF_PROG_TEST_RUN, repeat 1, fresh %d-byte frame per call\n",
	       FRAME_LEN);
	printf("mean of %d calls per case in %d interleaved rounds; the 1M table holds %ld flows,\n"
	       "of which %d are active\n",
	       ROUNDS * CALLS_PER_ROUND, ROUNDS, nbig, ACTIVE_FLOWS);
	printf("\n");
	printf("%-30s %10s %10s %8s\n", "case", "ns/packet", "x empty", "target");
	for (int c = 0; c < NCASES; c++) {
		double ratio;

		cases[c].mean = mean(cases[c].ns, cases[c].count);
		ratio = cases[c].mean / cases[EMPTY].mean;
		printf("%-30s %10.1f %10.2f", cases[c].name, cases[c].mean, ratio);
		if (target[c])
			printf("   <= %.1f %s", target[c], verdict(ratio, target[c]));
		printf("\n");
	}
	scale = cases[EST_1M].mean / cases[EST_1K].mean;
	printf("%-30s %10s %10.2f   <= 1.2 %s\n", "established 1M / 1k", "", scale,
	       verdict(scale, 1.2));
	printf("%-30s %10.1f %10.2f   (ns, ratio)\n", "established, above the floor",
	       cases[EST_1K].mean - cases[FLOOR].mean, cases[EST_1K].mean / cases[FLOOR].mean);
	printf("%-30s %10s %10.2f   (info)\n", "1k active: 1M / 1k", "",
	       cases[ACTIVE_1M].mean / cases[ACTIVE_1K].mean);
	return 0;
}
