// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `make bench` only: the floor of any flow-table design. One lookup of the IPv4 5-tuple in
 * an LRU hash (the bench hands it xlb's own flow table), the fixed-offset parse of a plain
 * Ethernet/IPv4/TCP frame, and nothing else. xlb's established path costs this plus its
 * backend lookup, MAC rewrite and counters.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <xlb/abi.h>

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XLB_DEFAULT_FLOWS);
	__type(key, struct xlb_flow4_key);
	__type(value, struct xlb_flow);
} flows SEC(".maps");

SEC("xdp")
int one_lookup(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	struct tcphdr *tcp = (void *)(ip + 1);
	struct xlb_flow4_key key = {};

	if ((void *)(tcp + 1) > data_end)
		return XDP_PASS;
	key.saddr = ip->saddr;
	key.daddr = ip->daddr;
	key.sport = tcp->source;
	key.dport = tcp->dest;
	key.proto = ip->protocol;
	return bpf_map_lookup_elem(&flows, &key) ? XDP_TX : XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
