/* SPDX-License-Identifier: GPL-2.0-only */
/* Where a new backend is reached: its egress interface and the two MACs of DSR. */
#ifndef XLB_RESOLVE_H
#define XLB_RESOLVE_H

#include <stddef.h>

#include "state.h"

/* How long the CLI waits for an ARP/ND answer when the MAC is not known yet. */
#define XLB_RESOLVE_TIMEOUT_MS 1000

/*
 * Fills spec->ifindex, spec->src_mac and spec->mac for spec->addr. dev: the egress interface,
 * or NULL for the one the route uses; mac: the backend's MAC, or NULL to take it from the
 * neighbour table, resolving it when missing and waiting at most timeout_ms for the answer
 * (0: send the request, do not wait). 0, -EHOSTUNREACH when no answer came, or -errno; with
 * one line in err naming the problem and the remedy.
 */
int xlb_backend_resolve(struct xlb_backend_spec *spec, const char *dev, const __u8 *mac,
			int timeout_ms, char *err, size_t errlen);

#endif
