// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xlb: the one XDP entry. Known flows cost one hash lookup (the flow table); the VIP map is
 * consulted only on a miss. Packets that are not for a VIP leave byte for byte unchanged.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <xdp/xdp_helpers.h>

#include "maps.h"
#include "parse.h"
#include "sched.h"
#include "fwd.h"
#include "stats.h"

/* Where the flow table and VIP map lookups of one packet go, per address family. */
struct lookup {
	void *flows;
	void *flow_key;
	void *vips;
	void *vip_key;
};

static __always_inline int balance(struct xdp_md *ctx, struct packet *pkt, struct lookup *lk,
				   __u64 bytes)
{
	struct xlb_backend *be;
	struct xlb_flow *known, flow = {};
	struct xlb_vip *vip;
	__u32 *vip_id;
	__u32 slot;

	known = bpf_map_lookup_elem(lk->flows, lk->flow_key);
	if (known) {
		be = flow_backend(known);
		if (be && !(pkt->syn && syn_opens_new_connection(known))) {
			count_traffic(&xlb_vip_stats, known->vip_id, bytes, 0);
			count_traffic(&xlb_be_stats, known->backend, bytes, 0);
			return forward(ctx, pkt->eth, be);
		}
	}

	vip_id = bpf_map_lookup_elem(lk->vips, lk->vip_key);
	if (!vip_id)
		return count_action(XDP_PASS);
	flow.vip_id = *vip_id;
	vip = bpf_map_lookup_elem(&xlb_vips, &flow.vip_id);
	if (!vip || !(vip->flags & XLB_VIP_IN_USE))
		return count_action(XDP_PASS);

	be = pick_backend(flow.vip_id, vip, &slot);
	if (!be) {
		count_vip_drop(flow.vip_id);
		return count_drop(XLB_CNT_DROP_NO_BACKEND);
	}
	if (vip->flags & XLB_VIP_PER_PACKET) {
		count_traffic(&xlb_vip_stats, flow.vip_id, bytes, 0);
		count_traffic(&xlb_be_stats, slot, bytes, 0);
		return forward(ctx, pkt->eth, be);
	}
	flow.backend = slot;
	flow.gen = be->gen;
	flow.created = coarse_now();
	bpf_map_update_elem(lk->flows, lk->flow_key, &flow, BPF_ANY);
	count_traffic(&xlb_vip_stats, flow.vip_id, bytes, 1);
	count_traffic(&xlb_be_stats, slot, bytes, 1);
	return forward(ctx, pkt->eth, be);
}

SEC("xdp")
int xlb(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 bytes = data_end - data;
	struct packet pkt = {};
	struct lookup lk;

	if (parse_packet(data, data_end, &pkt) < 0)
		return count_action(XDP_PASS);

	if (pkt.ip4) {
		struct xlb_flow4_key fk = {
			.saddr = pkt.ip4->saddr,
			.daddr = pkt.ip4->daddr,
			.sport = pkt.sport,
			.dport = pkt.dport,
			.proto = pkt.proto,
		};
		struct xlb_vip4_key vk = {
			.addr = pkt.ip4->daddr,
			.port = pkt.dport,
			.proto = pkt.proto,
		};

		lk = (struct lookup){ &xlb_flow4, &fk, &xlb_vip4, &vk };
		return balance(ctx, &pkt, &lk, bytes);
	}
	if (pkt.ip6) {
		struct xlb_flow6_key fk = {
			.sport = pkt.sport,
			.dport = pkt.dport,
			.proto = pkt.proto,
		};
		struct xlb_vip6_key vk = {
			.port = pkt.dport,
			.proto = pkt.proto,
		};

		__builtin_memcpy(fk.saddr, &pkt.ip6->saddr, 16);
		__builtin_memcpy(fk.daddr, &pkt.ip6->daddr, 16);
		__builtin_memcpy(vk.addr, &pkt.ip6->daddr, 16);
		lk = (struct lookup){ &xlb_flow6, &fk, &xlb_vip6, &vk };
		return balance(ctx, &pkt, &lk, bytes);
	}
	return count_action(XDP_PASS);
}

/* libxdp: run first among co-existing programs; hand the packet on when we pass it. */
struct {
	__uint(priority, 10);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(xlb);

char LICENSE[] SEC("license") = "Dual BSD/GPL";
