/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Per-CPU counters: no atomics, no sharing; userspace sums the CPUs. */
#ifndef XLB_BPF_STATS_H
#define XLB_BPF_STATS_H

#include "maps.h"

static __always_inline void count_verdict(__u32 counter)
{
	__u64 *n = bpf_map_lookup_elem(&xlb_verdicts, &counter);

	if (n)
		*n += 1;
}

/* Returns the XDP action so that callers can `return count_action(...)`. */
static __always_inline int count_action(int action)
{
	count_verdict(action == XDP_TX	       ? XLB_CNT_TX
		      : action == XDP_REDIRECT ? XLB_CNT_REDIRECT
		      : action == XDP_DROP     ? XLB_CNT_DROP
					       : XLB_CNT_PASS);
	return action;
}

static __always_inline int count_drop(__u32 reason)
{
	count_verdict(reason);
	return count_action(XDP_DROP);
}

static __always_inline void count_traffic(void *map, __u32 index, __u64 bytes, int new_flow)
{
	struct xlb_stats *s = bpf_map_lookup_elem(map, &index);

	if (!s)
		return;
	s->packets += 1;
	s->bytes += bytes;
	s->new_flows += new_flow;
}

static __always_inline void count_vip_drop(__u32 vip_id)
{
	struct xlb_stats *s = bpf_map_lookup_elem(&xlb_vip_stats, &vip_id);

	if (s)
		s->drops += 1;
}

#endif
