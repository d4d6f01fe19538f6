/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the XDP program and userspace share: limits, map key/value layouts, enums and pin
 * names. One definition for both sides; every struct has explicit padding and a size check,
 * because a silent layout difference between BPF and userspace corrupts the maps.
 */
#ifndef XLB_ABI_H
#define XLB_ABI_H

#include <linux/types.h>

/* VIPs are numbered 0..XLB_MAX_VIPS-1; the id indexes every per-VIP array. */
#define XLB_MAX_VIPS 256
/* Backend slots are shared by all VIPs; a slot belongs to one VIP while in use. */
#define XLB_MAX_BACKENDS 1024
/* Backends one VIP may have (the ring holds each of them at least once). */
#define XLB_MAX_BACKENDS_PER_VIP 256
/* Slots in a VIP's scheduling ring: rr puts each eligible backend once, wrr interleaves by
 * weight; weights whose sum exceeds this are scaled down proportionally. */
#define XLB_RING_SIZE 1024
/* Largest weight accepted by the CLI; keeps the wrr ring exact for realistic weights. */
#define XLB_MAX_WEIGHT 1000
/* Default flow-table size per address family; `xlb attach --flows N` overrides it. */
#define XLB_DEFAULT_FLOWS (1u << 20)

/* Flow creation times are kept in units of 2^30 ns (1.07 s): a shift, not a division. */
#define XLB_TIME_SHIFT 30
/* A TCP SYN for a known flow is a retransmission while the flow is younger than this (in
 * those units: ~8.6 s, past Linux's SYN retries at 1, 3 and 7 s); after that the client has
 * reused the port for a new connection, which is scheduled afresh. */
#define XLB_SYN_RETRY_WINDOW 8

/* Where the maps and the program are pinned; XLB_PIN_DIR in the environment overrides it. */
#define XLB_PIN_ROOT "/sys/fs/bpf"
#define XLB_PIN_DIR_DEFAULT XLB_PIN_ROOT "/xlb"

/* Map names (≤ 15 characters; libbpf pins each map under the pin dir by this name). */
#define XLB_MAP_VIP4 "xlb_vip4"
#define XLB_MAP_VIP6 "xlb_vip6"
#define XLB_MAP_VIPS "xlb_vips"
#define XLB_MAP_RINGS "xlb_rings"
#define XLB_MAP_CURSOR "xlb_cursor"
#define XLB_MAP_BACKENDS "xlb_backends"
#define XLB_MAP_FLOW4 "xlb_flow4"
#define XLB_MAP_FLOW6 "xlb_flow6"
#define XLB_MAP_TX_PORTS "xlb_tx_ports"
#define XLB_MAP_VIP_STATS "xlb_vip_stats"
#define XLB_MAP_BE_STATS "xlb_be_stats"
#define XLB_MAP_VERDICTS "xlb_verdicts"

enum xlb_sched {
	XLB_SCHED_RR = 0,
	XLB_SCHED_WRR = 1,
};

enum xlb_vip_flags {
	XLB_VIP_IN_USE = 1 << 0,
	/* UDP only: every packet goes to the next backend; no flow entry is made. */
	XLB_VIP_PER_PACKET = 1 << 1,
};

/* Set by people (`xlb backend set --state`). Drain keeps existing flows, takes no new ones. */
enum xlb_admin_state {
	XLB_ADMIN_UP = 0,
	XLB_ADMIN_DRAIN = 1,
	XLB_ADMIN_DOWN = 2,
};

/* Set by the health checker (xlbd). Down reschedules the backend's flows. */
enum xlb_health_state {
	XLB_HEALTH_UP = 0,
	XLB_HEALTH_DOWN = 1,
};

/* Verdict and drop-reason counters, indexes into the xlb_verdicts per-CPU array. */
enum xlb_counter {
	XLB_CNT_PASS = 0,
	XLB_CNT_TX,
	XLB_CNT_REDIRECT,
	XLB_CNT_DROP,
	/* drop reasons; each drop also counts in XLB_CNT_DROP */
	XLB_CNT_DROP_NO_BACKEND,
	XLB_CNT_DROP_NO_TX_PORT,
	XLB_CNT_MAX,
};

/* xlb_vip4 key: an IPv4 VIP. 8 bytes so it hashes in two words. */
struct xlb_vip4_key {
	__be32 addr;
	__be16 port;
	__u8 proto;
	__u8 pad;
};
_Static_assert(sizeof(struct xlb_vip4_key) == 8, "xlb_vip4_key layout");

/* xlb_vip6 key: an IPv6 VIP. */
struct xlb_vip6_key {
	__u8 addr[16];
	__be16 port;
	__u8 proto;
	__u8 pad;
};
_Static_assert(sizeof(struct xlb_vip6_key) == 20, "xlb_vip6_key layout");

/* xlb_vips value, indexed by VIP id. The VIP hash maps point here; the key is repeated so
 * that userspace can list VIPs from this array alone. */
struct xlb_vip {
	__u32 flags; /* enum xlb_vip_flags */
	__u8 sched;  /* enum xlb_sched */
	__u8 family; /* AF_INET or AF_INET6 */
	__u8 proto;  /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 ring;   /* which of the VIP's two rings is live (0 or 1) */
	__be16 port;
	__u16 pad;
	__u8 addr[16]; /* IPv4 in the first 4 bytes */
};
_Static_assert(sizeof(struct xlb_vip) == 28, "xlb_vip layout");

/* xlb_rings value, at index vip_id * 2 + ring. Userspace fills the idle ring and then flips
 * xlb_vip.ring, so the program never reads a half-written ring. */
struct xlb_ring {
	__u32 len;
	__u32 slot[XLB_RING_SIZE]; /* backend slot numbers */
};
_Static_assert(sizeof(struct xlb_ring) == 4 + 4 * XLB_RING_SIZE, "xlb_ring layout");

/* xlb_backends value, indexed by backend slot. */
struct xlb_backend {
	__u32 gen; /* bumped each time the slot is (re)used; flows remember it */
	__u32 vip_id;
	__u32 weight;
	__u32 ifindex; /* egress interface */
	__u8 in_use;
	__u8 admin;	 /* enum xlb_admin_state */
	__u8 health;	 /* enum xlb_health_state */
	__u8 family;	 /* of addr: AF_INET or AF_INET6 */
	__u8 mac[6];	 /* destination: the backend's MAC */
	__u8 src_mac[6]; /* source: the egress interface's MAC */
	__u8 addr[16];	 /* the backend's address, for people and health checks */
};
_Static_assert(sizeof(struct xlb_backend) == 48, "xlb_backend layout");

/* xlb_flow4 key: the IPv4 5-tuple, 16 bytes (two 8-byte words for the hash). */
struct xlb_flow4_key {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 pad[3];
};
_Static_assert(sizeof(struct xlb_flow4_key) == 16, "xlb_flow4_key layout");

/* xlb_flow6 key: the IPv6 5-tuple. */
struct xlb_flow6_key {
	__u8 saddr[16];
	__u8 daddr[16];
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 pad[3];
};
_Static_assert(sizeof(struct xlb_flow6_key) == 40, "xlb_flow6_key layout");

/* Flow-table value: the backend a flow was given, and the slot's generation then. */
struct xlb_flow {
	__u32 backend;
	__u32 gen;
	__u32 vip_id;
	__u32 created; /* monotonic time >> XLB_TIME_SHIFT: about seconds */
};
_Static_assert(sizeof(struct xlb_flow) == 16, "xlb_flow layout");

/* Per-CPU traffic counters, per VIP (xlb_vip_stats) and per backend slot (xlb_be_stats). */
struct xlb_stats {
	__u64 packets;
	__u64 bytes;
	__u64 new_flows;
	__u64 drops;
};
_Static_assert(sizeof(struct xlb_stats) == 32, "xlb_stats layout");

#endif
