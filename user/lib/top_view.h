/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What `xlb top` shows, computed and laid out from two readings of the maps: rates from
 * counter differences, flows per backend, and the 80-column frame. No map access and no
 * terminal control here, so that all of it can be tested with made-up readings.
 */
#ifndef XLB_TOP_VIEW_H
#define XLB_TOP_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <xlb/abi.h>

/* Widest line of a frame: one less than 80, so a terminal of 80 columns never wraps (some
 * wrap as soon as the last column is written). */
#define XLB_TOP_WIDTH 79

/* Everything a frame needs, read at one instant. Entries not in use are all zero. */
struct xlb_top_snap {
	__u64 when_ns; /* CLOCK_MONOTONIC when the counters were read */
	struct xlb_vip vip[XLB_MAX_VIPS];
	struct xlb_stats vip_stats[XLB_MAX_VIPS];
	struct xlb_backend be[XLB_MAX_BACKENDS];
	struct xlb_stats be_stats[XLB_MAX_BACKENDS];
	__u64 drops; /* XLB_CNT_DROP, all VIPs and none */
	/* Live flows per backend slot (xlb_top_flow_live), counted at flows_ns; carried over
	 * from an earlier reading when the flow tables were not walked for this one. */
	__u32 be_flows[XLB_MAX_BACKENDS];
	__u64 flows_ns;
	bool flows_fresh; /* the tables were walked for this reading */
};

/* be_flows of a backend whose flows were not counted: it appeared after the last walk. */
#define XLB_TOP_FLOWS_UNKNOWN UINT32_MAX

/* Flow counts of then for now, whose tables are not walked: each backend keeps its count,
 * a slot that holds another backend (or none) since then gets XLB_TOP_FLOWS_UNKNOWN. */
void xlb_top_carry_flows(struct xlb_top_snap *now, const struct xlb_top_snap *then);

struct xlb_top_frame {
	const struct xlb_top_snap *now;
	const struct xlb_top_snap *then; /* the reading before; NULL: no rates yet */
	const char *clock;		 /* wall-clock time to show, "12:34:56" */
	const char *devs;		 /* interfaces xlb is attached to, "" when none known */
};

/* Writes one frame, no line wider than XLB_TOP_WIDTH. 0 or -errno (of the stream). */
int xlb_top_format(FILE *out, const struct xlb_top_frame *f);

/* Per-second rate of a counter read twice elapsed_ns apart. A counter that went down was
 * reset (VIP id or backend slot reused): all of its value counts as new. */
double xlb_top_rate(__u64 now, __u64 then, __u64 elapsed_ns);

/* v in at most 5 characters: "0.5", "123", "12345", "123k", "1.23M"; "-" for v < 0. */
void xlb_top_num(double v, char *buf, size_t len);

/* Whether the program would send the flow to backend slot be now (bpf/sched.h
 * flow_backend): same slot generation and VIP, and not down. */
bool xlb_top_flow_live(const struct xlb_backend *be, const struct xlb_flow *f);

/* Seconds for --interval: a number from 0.1 to 3600 ("1", "0.5"); faster than ten frames a
 * second nobody can read, and a tiny one would spin. 0 or -EINVAL. */
int xlb_top_parse_interval(const char *s, double *out);

#endif
