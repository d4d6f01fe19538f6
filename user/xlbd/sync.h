/* SPDX-License-Identifier: GPL-2.0-only */
/* Making the maps match the config, for the VIPs the config owns. */
#ifndef XLBD_SYNC_H
#define XLBD_SYNC_H

#include "daemon.h"

/*
 * Applies the difference between two configs to the maps: VIPs of `old` that `new` lacks are
 * removed; every VIP of `new` is added or given its scheduler; its backends are added,
 * re-weighted, and those the config does not list are removed, so that a reload leaves the
 * owned VIPs exactly as configured. Flows to unchanged backends are untouched. `old` may be
 * NULL (start): VIPs not in `new` are then left alone. A backend whose MAC is not known yet
 * waits in d->pending (see below). Every problem (a full table ...) is logged in one line and
 * the rest is still applied; returns the number of problems.
 */
int xlbd_sync(struct xlbd *d, const struct xlbd_config *old, const struct xlbd_config *new);

/* Adds the configured backends whose MAC was not known yet (d->pending) as their ARP/ND
 * answers come in; never waits for one. */
void xlbd_retry_pending(struct xlbd *d);

#endif
