// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>

#include "ring.h"

static __u32 gcd(__u32 a, __u32 b)
{
	while (b) {
		__u32 t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* Reduced weights: divided by their gcd, then scaled to fit the ring. */
static void reduce_weights(const struct xlb_ring_member *m, unsigned int n, __u32 *w)
{
	__u64 sum = 0;
	__u32 g = 0;

	for (unsigned int i = 0; i < n; i++)
		g = gcd(g, m[i].weight);
	for (unsigned int i = 0; i < n; i++) {
		w[i] = m[i].weight / g;
		sum += w[i];
	}
	if (sum <= XLB_RING_SIZE)
		return;
	/* Each member keeps one slot; the rest of the ring is shared by weight. */
	for (unsigned int i = 0; i < n; i++)
		w[i] = 1 + (__u64)(w[i] - 1) * (XLB_RING_SIZE - n) / sum;
}

int xlb_ring_build(const struct xlb_ring_member *members, unsigned int n, enum xlb_sched sched,
		   struct xlb_ring *out)
{
	__u32 weight[XLB_RING_SIZE];
	__s64 current[XLB_RING_SIZE];
	__s64 total = 0;

	if (n > XLB_RING_SIZE)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (sched != XLB_SCHED_WRR) {
		for (unsigned int i = 0; i < n; i++)
			out->slot[i] = members[i].slot;
		out->len = n;
		return 0;
	}

	reduce_weights(members, n, weight);
	for (unsigned int i = 0; i < n; i++) {
		total += weight[i];
		current[i] = 0;
	}
	/* Smooth weighted round robin: each turn every member gains its weight, the richest
	 * is chosen and pays the total. Over `total` turns each is chosen weight times. */
	for (__s64 turn = 0; turn < total; turn++) {
		unsigned int best = 0;

		for (unsigned int i = 0; i < n; i++) {
			current[i] += weight[i];
			if (current[i] > current[best])
				best = i;
		}
		current[best] -= total;
		out->slot[out->len++] = members[best].slot;
	}
	return 0;
}
