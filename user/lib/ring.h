/* SPDX-License-Identifier: GPL-2.0-only */
/* Building a VIP's scheduling ring from its eligible backends (no map access: unit-testable). */
#ifndef XLB_RING_H
#define XLB_RING_H

#include <xlb/abi.h>

struct xlb_ring_member {
	__u32 slot;
	__u32 weight; /* > 0 */
};

/*
 * rr: each member once, in the order given. wrr: every member weight/gcd times, interleaved
 * by smooth weighted round robin (nginx's algorithm), so that no backend gets a burst; when
 * the reduced weights add up to more than XLB_RING_SIZE they are scaled down, each keeping
 * at least one slot. Returns 0 or -EINVAL (n > XLB_RING_SIZE).
 */
int xlb_ring_build(const struct xlb_ring_member *members, unsigned int n, enum xlb_sched sched,
		   struct xlb_ring *out);

#endif
