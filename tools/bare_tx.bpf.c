// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The pps benchmark's baseline: the least an L2 DSR forwarder can do for a UDP VIP, on the
 * same path as xlb. The same parse of Ethernet/IPv4/UDP, the same per-packet round robin
 * over two backends by a cursor shared by all CPUs (xlb's per-packet UDP VIPs bump one the
 * same way), the same MAC rewrite and XDP_TX; no maps to look anything up in, no counters.
 * What xlb costs beyond this is its flow table, VIP and backend lookups and its statistics.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>

/* Set before load by `xdp_flood bare`. */
const volatile __be32 vip_addr;
const volatile __be16 vip_port;
/* Not read-only data: the compiler may fold a read-only array read through a cast to its
 * zero initializer. Read from memory like xlb reads a backend's MACs from its map. */
__u8 src_mac[ETH_ALEN];
__u8 backend_mac[2][ETH_ALEN];

/* Round-robin cursor, shared like xlb's per-VIP cursor. */
__u64 cursor;

SEC("xdp")
int bare_tx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp;
	__u32 be;

	if ((void *)(ip + 1) > data_end || eth->h_proto != __constant_htons(ETH_P_IP))
		return XDP_PASS;
	if (ip->protocol != IPPROTO_UDP || ip->daddr != vip_addr || ip->ihl < 5)
		return XDP_PASS;
	udp = (void *)ip + ip->ihl * 4;
	if ((void *)(udp + 1) > data_end || udp->dest != vip_port)
		return XDP_PASS;
	be = __sync_fetch_and_add(&cursor, 1) & 1;
	__builtin_memcpy(eth->h_dest, backend_mac[be], ETH_ALEN);
	__builtin_memcpy(eth->h_source, src_mac, ETH_ALEN);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
