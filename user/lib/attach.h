/* SPDX-License-Identifier: GPL-2.0-only */
/* Loading xlb's XDP program with its maps pinned, and attaching it through libxdp. */
#ifndef XLB_ATTACH_H
#define XLB_ATTACH_H

#include <stdbool.h>
#include <linux/types.h>
#include <xdp/libxdp.h>

/* Loads the program (reusing the pinned maps, or pinning new ones) and attaches it to
 * ifindex. flows: flow-table size per family, 0 for the default or the size of the maps
 * already pinned. obj_path: the BPF object to load, NULL for the one built in. -EEXIST when
 * xlb is attached there already; -EBUSY when flows differs from the pinned tables' size. */
int xlb_attach(int ifindex, enum xdp_attach_mode mode, __u32 flows, const char *obj_path);
/* Replaces xlb's program on ifindex by the one of obj_path (NULL: built in) when the two
 * differ, atomically and keeping the pinned maps, flow tables included; *replaced says
 * whether it did. -ENOENT when xlb is not attached there, -EOPNOTSUPP under libxdp's
 * dispatcher. */
int xlb_upgrade(int ifindex, const char *obj_path, bool *replaced);
/* -ENOENT when xlb is not attached to ifindex. */
int xlb_detach(int ifindex);
/* The mode xlb is attached in on ifindex, XDP_MODE_UNSPEC when it is not; *prog_id set. */
enum xdp_attach_mode xlb_attached_mode(int ifindex, __u32 *prog_id);
/* Size of the pinned flow tables, 0 when there are none. */
__u32 xlb_pinned_flows(void);

const char *xlb_mode_name(enum xdp_attach_mode mode);

#endif
