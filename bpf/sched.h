/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Choosing a backend: the flow table for known flows, the VIP's ring for new ones. */
#ifndef XLB_BPF_SCHED_H
#define XLB_BPF_SCHED_H

#include "maps.h"

/* Ring slots tried when the slot under the cursor is no longer eligible (the ring is being
 * rebuilt by userspace right now); after that the packet is dropped as "no backend". */
#ifndef XLB_PICK_TRIES
#define XLB_PICK_TRIES 4
#endif

/* A known flow keeps its backend unless the slot was freed or reused (generation changed)
 * or the backend is down, by people or by the health checker. Drain keeps it. */
static __always_inline struct xlb_backend *flow_backend(const struct xlb_flow *flow)
{
	__u32 slot = flow->backend;
	struct xlb_backend *be = bpf_map_lookup_elem(&xlb_backends, &slot);

	/* vip_id too: never another VIP's backend, even from a slot read while rewritten */
	if (!be || !be->in_use || be->gen != flow->gen || be->vip_id != flow->vip_id)
		return NULL;
	if (be->admin == XLB_ADMIN_DOWN || be->health == XLB_HEALTH_DOWN)
		return NULL;
	return be;
}

static __always_inline __u32 coarse_now(void)
{
	return bpf_ktime_get_ns() >> XLB_TIME_SHIFT;
}

/* A SYN on a known flow that is older than a SYN retransmission could be: the client reused
 * its port for a new connection, which gets the next backend like any other. */
static __always_inline int syn_opens_new_connection(const struct xlb_flow *flow)
{
	return coarse_now() - flow->created > XLB_SYN_RETRY_WINDOW;
}

static __always_inline int eligible_for_new_flows(const struct xlb_backend *be, __u32 vip_id)
{
	return be->in_use && be->vip_id == vip_id && be->admin == XLB_ADMIN_UP &&
	       be->health == XLB_HEALTH_UP && be->weight > 0;
}

/* The next eligible backend of the VIP in ring order; its slot in *slot_out. */
static __always_inline struct xlb_backend *pick_backend(__u32 vip_id, const struct xlb_vip *vip,
							__u32 *slot_out)
{
	__u32 ring_idx = vip_id * 2 + (vip->ring & 1);
	struct xlb_ring *ring = bpf_map_lookup_elem(&xlb_rings, &ring_idx);
	__u64 *cursor = bpf_map_lookup_elem(&xlb_cursor, &vip_id);
	__u32 len;

	if (!ring || !cursor)
		return NULL;
	len = ring->len;
	if (len == 0 || len > XLB_RING_SIZE)
		return NULL;

	for (int i = 0; i < XLB_PICK_TRIES; i++) {
		__u64 pos = __sync_fetch_and_add(cursor, 1) % len;
		struct xlb_backend *be;
		__u32 slot;

		if (pos >= XLB_RING_SIZE)
			return NULL;
		slot = ring->slot[pos];
		be = bpf_map_lookup_elem(&xlb_backends, &slot);
		if (be && eligible_for_new_flows(be, vip_id)) {
			*slot_out = slot;
			return be;
		}
	}
	return NULL;
}

#endif
