/* SPDX-License-Identifier: GPL-2.0-only */
/* xlb top's flow counts: walking the flow tables, and how often it is worth doing. */
#ifndef XLB_TOP_FLOWS_H
#define XLB_TOP_FLOWS_H

#include "maps.h"
#include "top_view.h"

struct top_flows {
	__u64 next_ns; /* CLOCK_MONOTONIC time of the next walk; 0: at the next reading */
};

/* CLOCK_MONOTONIC now, in ns: the time base of every reading and deadline of xlb top. */
__u64 top_mono_ns(void);

/* Fills now->be_flows: counted from the flow tables when a walk is due (or prev is NULL or
 * has no counts), else carried over from prev. 0 or -errno. */
int top_flows_update(struct top_flows *t, struct xlb_maps *m, struct xlb_top_snap *now,
		     const struct xlb_top_snap *prev);

#endif
