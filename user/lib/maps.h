/* SPDX-License-Identifier: GPL-2.0-only */
/* Handles on xlb's maps: opened from their pins (the CLI, the daemon) or taken from a loaded
 * object (tests, benchmarks). Everything else in userspace works on a struct xlb_maps. */
#ifndef XLB_MAPS_H
#define XLB_MAPS_H

#include <stdbool.h>
#include <xlb/abi.h>

struct bpf_object;

struct xlb_maps {
	int vip4, vip6, vips, rings, cursor, backends;
	int flow4, flow6, tx_ports, vip_stats, be_stats, verdicts;
	int lock_fd; /* the pin dir, flock()ed while a change is made; -1 when not pinned */
	/* xlb_vips and xlb_backends mapped read-only: entry reads without a syscall. NULL
	 * when the map cannot be mapped (then reads go through the syscall). */
	const void *vips_mem, *backends_mem;
};

#include "pindir.h"

/* 0, -ENOENT when xlb's maps are not pinned there (not attached), or another -errno. */
int xlb_maps_open_pinned(struct xlb_maps *m, const char *pin_dir);
int xlb_maps_from_object(struct xlb_maps *m, struct bpf_object *obj);
void xlb_maps_close(struct xlb_maps *m);

/* Whether the maps pinned in pin_dir are no longer the ones m holds (removed, or removed and
 * pinned anew by another attach): a long-lived holder then reopens them. */
bool xlb_maps_replaced(const struct xlb_maps *m, const char *pin_dir);

/* Serialise changes between the CLI and the daemon: allocation of VIP ids and backend slots
 * is read-modify-write over several maps. No-ops for maps that are not pinned. */
int xlb_maps_lock(struct xlb_maps *m);
void xlb_maps_unlock(struct xlb_maps *m);

/* An entry of the mapped xlb_vips / xlb_backends, or NULL when not mapped (see state.h for
 * the functions to use). */
const struct xlb_vip *xlb_maps_vip_mem(const struct xlb_maps *m, __u32 id);
const struct xlb_backend *xlb_maps_backend_mem(const struct xlb_maps *m, __u32 slot);

/* Number of possible CPUs, the stride of per-CPU map values. */
int xlb_ncpus(void);

#endif
