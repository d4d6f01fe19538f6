/* SPDX-License-Identifier: GPL-2.0-only */
/* The few rtnetlink questions xlb asks the kernel: which interface reaches an address, what
 * its neighbour's MAC is, an interface's own MAC; and one change: an address on lo. */
#ifndef XLB_NETLINK_H
#define XLB_NETLINK_H

#include <linux/types.h>

#include "addr.h"

/* The egress interface of the route to addr. 0 or -errno (-ENETUNREACH: no route). */
int xlb_route_ifindex(const struct xlb_addr *addr, int *ifindex);
/* The MAC of addr in the neighbour table of ifindex, resolving it (ARP/ND) when missing,
 * waiting at most timeout_ms. 0, -EHOSTUNREACH when it cannot be resolved, or -errno. */
int xlb_neigh_resolve(int ifindex, const struct xlb_addr *addr, int timeout_ms, __u8 mac[6]);
int xlb_if_mac(int ifindex, __u8 mac[6]);
/* Adds addr/32 or addr/128 to lo; already there is success. */
int xlb_lo_addr_add(const struct xlb_addr *addr);

#endif
