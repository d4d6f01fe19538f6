/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Changes to VIPs and backends, kept consistent across maps: every function either makes its
 * whole change or leaves the maps as they were. Callers hold xlb_maps_lock() around them.
 * Functions return 0 or -errno: -ENOENT (no such VIP/backend), -EEXIST (already there),
 * -ENOSPC (a limit of abi.h reached), -EINVAL (not allowed), or a map error.
 */
#ifndef XLB_STATE_H
#define XLB_STATE_H

#include <stdbool.h>
#include <xlb/abi.h>

#include "addr.h"
#include "maps.h"

struct xlb_backend_spec {
	struct xlb_addr addr;
	__u32 weight;
	__u32 ifindex;
	__u8 mac[6];
	__u8 src_mac[6];
};

/* Pass for a field of xlb_backend_update() that stays as it is. */
#define XLB_KEEP (-1)

int xlb_vip_add(struct xlb_maps *m, const struct xlb_vip_spec *v, enum xlb_sched sched,
		bool per_packet, __u32 *id);
int xlb_vip_find(struct xlb_maps *m, const struct xlb_vip_spec *v, __u32 *id);
/* -ENOENT when the id is not in use. */
int xlb_vip_get(struct xlb_maps *m, __u32 id, struct xlb_vip *vip);
void xlb_vip_to_spec(const struct xlb_vip *vip, struct xlb_vip_spec *v);
/* Changes the scheduler; the ring is rebuilt, flows keep their backends. */
int xlb_vip_set_sched(struct xlb_maps *m, __u32 id, enum xlb_sched sched);
/* Removes the VIP and all its backends. */
int xlb_vip_del(struct xlb_maps *m, __u32 id);

int xlb_backend_add(struct xlb_maps *m, __u32 vip_id, const struct xlb_backend_spec *spec,
		    __u32 *slot);
int xlb_backend_find(struct xlb_maps *m, __u32 vip_id, const struct xlb_addr *addr, __u32 *slot);
/* -ENOENT when the slot is not in use. */
int xlb_backend_get(struct xlb_maps *m, __u32 slot, struct xlb_backend *be);
/* weight, admin and health: a new value or XLB_KEEP. */
int xlb_backend_update(struct xlb_maps *m, __u32 slot, int weight, int admin, int health);
int xlb_backend_del(struct xlb_maps *m, __u32 slot);
void xlb_backend_addr(const struct xlb_backend *be, struct xlb_addr *addr);

/* Refills the VIP's idle ring from its eligible backends and makes it the live one. */
int xlb_ring_rebuild(struct xlb_maps *m, __u32 vip_id);

/* Counters summed over CPUs. */
int xlb_read_vip_stats(struct xlb_maps *m, __u32 id, struct xlb_stats *out);
int xlb_read_backend_stats(struct xlb_maps *m, __u32 slot, struct xlb_stats *out);
int xlb_read_verdicts(struct xlb_maps *m, __u64 out[XLB_CNT_MAX]);

const char *xlb_counter_name(enum xlb_counter c);
const char *xlb_admin_name(__u8 admin);
const char *xlb_health_name(__u8 health);
const char *xlb_sched_name(__u8 sched);

#endif
