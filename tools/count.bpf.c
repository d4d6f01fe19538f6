// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The pps benchmark's counter, on a backend's interface: counts and drops the UDP frames
 * addressed to this interface's MAC and to one destination (address, and port unless 0).
 * Dropping them here keeps the backend's own stack out of the measurement; the MAC check
 * keeps out copies the bridge floods to every port, which are not deliveries. Everything
 * else passes.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>

/* Set before load by `xdp_flood count`. */
const volatile __u8 own_mac[ETH_ALEN];
const volatile __be32 dst_addr;
const volatile __be16 dst_port; /* 0: any port */

/* Frames counted, per CPU (one slot): no shared cache line between the CPUs receiving. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} pps_count SEC(".maps");

static __always_inline int mac_is_own(const __u8 *mac)
{
	for (int i = 0; i < ETH_ALEN; i++)
		if (mac[i] != own_mac[i])
			return 0;
	return 1;
}

SEC("xdp")
int count_udp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp;
	__u32 key = 0;
	__u64 *n;

	if ((void *)(ip + 1) > data_end || eth->h_proto != __constant_htons(ETH_P_IP))
		return XDP_PASS;
	if (ip->protocol != IPPROTO_UDP || ip->daddr != dst_addr || ip->ihl < 5)
		return XDP_PASS;
	udp = (void *)ip + ip->ihl * 4;
	if ((void *)(udp + 1) > data_end || (dst_port && udp->dest != dst_port))
		return XDP_PASS;
	if (!mac_is_own(eth->h_dest))
		return XDP_PASS;
	n = bpf_map_lookup_elem(&pps_count, &key);
	if (n)
		*n += 1;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
