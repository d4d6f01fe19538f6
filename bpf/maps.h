/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The maps of the XDP program. All are pinned by name under the pin dir (LIBBPF_PIN_BY_NAME),
 * so the CLI and the daemon reach the same state and the program outlives them. */
#ifndef XLB_BPF_MAPS_H
#define XLB_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <xlb/abi.h>

/* IPv4 VIP -> VIP id. Looked up only when a packet misses the flow table. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLB_MAX_VIPS);
	__type(key, struct xlb_vip4_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xlb_vip4 SEC(".maps");

/* IPv6 VIP -> VIP id. Apart from IPv4 so that IPv4 keys stay 8 bytes. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLB_MAX_VIPS);
	__type(key, struct xlb_vip6_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xlb_vip6 SEC(".maps");

/* VIP id -> scheduler, flags, which ring is live. Mmapable: userspace reads it in place,
 * without a syscall per entry (the daemon scans it every second). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, XLB_MAX_VIPS);
	__type(key, __u32);
	__type(value, struct xlb_vip);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xlb_vips SEC(".maps");

/* Two scheduling rings per VIP (index vip_id * 2 + ring): one live, one being rebuilt. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_MAX_VIPS * 2);
	__type(key, __u32);
	__type(value, struct xlb_ring);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xlb_rings SEC(".maps");

/* Per-VIP round-robin cursor. Shared across CPUs on purpose: a per-CPU cursor would break
 * exact round robin; it is the one shared write on the new-flow path. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_MAX_VIPS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xlb_cursor SEC(".maps");

/* Backend slot -> address, MACs, egress, weight, states, generation. Mmapable, as above:
 * finding a backend or rebuilding a ring reads all 1,024 slots. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xlb_backend);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xlb_backends SEC(".maps");

/* IPv4 flow table: 5-tuple -> backend. LRU so that dead flows age out without a sweeper;
 * sized for XLB_DEFAULT_FLOWS, overridable at load time. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XLB_DEFAULT_FLOWS);
	__type(key, struct xlb_flow4_key);
	__type(value, struct xlb_flow);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xlb_flow4 SEC(".maps");

/* IPv6 flow table, as above. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XLB_DEFAULT_FLOWS);
	__type(key, struct xlb_flow6_key);
	__type(value, struct xlb_flow);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xlb_flow6 SEC(".maps");

/* Egress interfaces for backends behind another interface than the ingress (XDP_REDIRECT). */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xlb_tx_ports SEC(".maps");

/* Per-VIP traffic counters. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_MAX_VIPS);
	__type(key, __u32);
	__type(value, struct xlb_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xlb_vip_stats SEC(".maps");

/* Per-backend-slot traffic counters; userspace zeroes a slot's entry when it is reused. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xlb_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xlb_be_stats SEC(".maps");

/* Verdict and drop-reason counters (enum xlb_counter). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xlb_verdicts SEC(".maps");

#endif
