// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>

#include "ring.h"
#include "state.h"

static int map_update(int fd, const void *key, const void *value, __u64 flags)
{
	return bpf_map_update_elem(fd, key, value, flags) ? -errno : 0;
}

static int map_lookup(int fd, const void *key, void *value)
{
	return bpf_map_lookup_elem(fd, key, value) ? -errno : 0;
}

/* Writes zeroes to every CPU's copy of a per-CPU entry. */
static int zero_percpu(int fd, __u32 index, size_t value_size)
{
	void *zero = calloc(xlb_ncpus(), value_size);
	int err;

	if (!zero)
		return -ENOMEM;
	err = map_update(fd, &index, zero, BPF_ANY);
	free(zero);
	return err;
}

/* Looks the VIP up in its family's hash map; fills the key for the caller's use. */
static int vip_hash_op(struct xlb_maps *m, const struct xlb_vip_spec *v, int op, __u32 *id)
{
	struct xlb_vip4_key k4 = { .port = htons(v->port), .proto = v->proto };
	struct xlb_vip6_key k6 = { .port = htons(v->port), .proto = v->proto };
	int fd = v->ip.family == AF_INET6 ? m->vip6 : m->vip4;
	void *key = v->ip.family == AF_INET6 ? (void *)&k6 : (void *)&k4;

	memcpy(&k4.addr, v->ip.addr, 4);
	memcpy(k6.addr, v->ip.addr, 16);
	switch (op) {
	case 0:
		return map_lookup(fd, key, id);
	case 1:
		return map_update(fd, key, id, BPF_NOEXIST);
	default:
		return bpf_map_delete_elem(fd, key) ? -errno : 0;
	}
}

enum { VIP_LOOKUP, VIP_INSERT, VIP_DELETE };

int xlb_vip_find(struct xlb_maps *m, const struct xlb_vip_spec *v, __u32 *id)
{
	return vip_hash_op(m, v, VIP_LOOKUP, id);
}

int xlb_vip_get(struct xlb_maps *m, __u32 id, struct xlb_vip *vip)
{
	const struct xlb_vip *mem = xlb_maps_vip_mem(m, id);
	int err = 0;

	if (mem)
		*vip = *mem;
	else
		err = map_lookup(m->vips, &id, vip);
	if (err)
		return err;
	return vip->flags & XLB_VIP_IN_USE ? 0 : -ENOENT;
}

void xlb_vip_to_spec(const struct xlb_vip *vip, struct xlb_vip_spec *v)
{
	memset(v, 0, sizeof(*v));
	v->ip.family = vip->family;
	memcpy(v->ip.addr, vip->addr, 16);
	v->port = ntohs(vip->port);
	v->proto = vip->proto;
}

/* Both rings empty, cursor and counters zero: a fresh VIP id. */
static int vip_reset_slots(struct xlb_maps *m, __u32 id)
{
	struct xlb_ring *empty = calloc(1, sizeof(*empty));
	__u64 zero = 0;
	int err = -ENOMEM;

	if (!empty)
		return err;
	for (__u32 r = 0; r < 2; r++) {
		__u32 idx = id * 2 + r;

		err = map_update(m->rings, &idx, empty, BPF_ANY);
		if (err)
			goto out;
	}
	err = map_update(m->cursor, &id, &zero, BPF_ANY);
	if (!err)
		err = zero_percpu(m->vip_stats, id, sizeof(struct xlb_stats));
out:
	free(empty);
	return err;
}

int xlb_vip_add(struct xlb_maps *m, const struct xlb_vip_spec *v, enum xlb_sched sched,
		bool per_packet, __u32 *id_out)
{
	struct xlb_vip vip = {}, none = {};
	__u32 id, existing;
	int err;

	if (per_packet && v->proto != IPPROTO_UDP)
		return -EINVAL;
	if (!xlb_vip_find(m, v, &existing))
		return -EEXIST;
	for (id = 0; id < XLB_MAX_VIPS; id++)
		if (xlb_vip_get(m, id, &vip) == -ENOENT)
			break;
	if (id == XLB_MAX_VIPS)
		return -ENOSPC;

	err = vip_reset_slots(m, id);
	if (err)
		return err;
	vip = (struct xlb_vip){
		.flags = XLB_VIP_IN_USE | (per_packet ? XLB_VIP_PER_PACKET : 0),
		.sched = sched,
		.family = v->ip.family,
		.proto = v->proto,
		.port = htons(v->port),
	};
	memcpy(vip.addr, v->ip.addr, 16);
	err = map_update(m->vips, &id, &vip, BPF_ANY);
	if (err)
		return err;
	/* The hash entry last: only a complete VIP becomes visible to packets. */
	err = vip_hash_op(m, v, VIP_INSERT, &id);
	if (err) {
		map_update(m->vips, &id, &none, BPF_ANY);
		return err;
	}
	if (id_out)
		*id_out = id;
	return 0;
}

/* Makes ifindex a redirect target; *created says whether this call added it. */
static int tx_port_hold(struct xlb_maps *m, __u32 ifindex, bool *created)
{
	__u32 value;
	int err;

	*created = false;
	if (!ifindex || !map_lookup(m->tx_ports, &ifindex, &value))
		return 0;
	err = map_update(m->tx_ports, &ifindex, &ifindex, BPF_NOEXIST);
	*created = !err;
	return err == -EEXIST ? 0 : err;
}

/* Removes ifindex from the redirect targets once no backend in use egresses through it:
 * the devmap is small (64 interfaces) and must not fill up with interfaces of the past. */
static void tx_port_release(struct xlb_maps *m, __u32 ifindex)
{
	struct xlb_backend be;

	for (__u32 slot = 0; slot < XLB_MAX_BACKENDS; slot++)
		if (!xlb_backend_get(m, slot, &be) && be.ifindex == ifindex)
			return;
	bpf_map_delete_elem(m->tx_ports, &ifindex);
}

int xlb_vip_del(struct xlb_maps *m, __u32 id)
{
	struct xlb_vip vip, none = {};
	struct xlb_vip_spec spec;
	struct xlb_backend be;
	int err, ret;

	err = xlb_vip_get(m, id, &vip);
	if (err)
		return err;
	xlb_vip_to_spec(&vip, &spec);
	/* Unhook the VIP first so that no packet is scheduled onto a half-removed VIP. */
	err = vip_hash_op(m, &spec, VIP_DELETE, NULL);
	if (err)
		return err;
	/* From here on packets no longer see the VIP: finish removing it whatever fails, so
	 * that it is never left listed but unreachable, and report the first failure. */
	for (__u32 slot = 0; slot < XLB_MAX_BACKENDS; slot++) {
		if (xlb_backend_get(m, slot, &be) || be.vip_id != id)
			continue;
		be.in_use = 0;
		ret = map_update(m->backends, &slot, &be, BPF_ANY);
		if (!ret)
			tx_port_release(m, be.ifindex);
		err = err ?: ret;
	}
	ret = vip_reset_slots(m, id);
	err = err ?: ret;
	ret = map_update(m->vips, &id, &none, BPF_ANY);
	return err ?: ret;
}

int xlb_vip_set_sched(struct xlb_maps *m, __u32 id, enum xlb_sched sched)
{
	struct xlb_vip vip, old;
	int err;

	err = xlb_vip_get(m, id, &vip);
	if (err)
		return err;
	old = vip;
	vip.sched = sched;
	err = map_update(m->vips, &id, &vip, BPF_ANY);
	if (err)
		return err;
	err = xlb_ring_rebuild(m, id);
	if (err)
		map_update(m->vips, &id, &old, BPF_ANY);
	return err;
}

void xlb_backend_addr(const struct xlb_backend *be, struct xlb_addr *addr)
{
	addr->family = be->family;
	memcpy(addr->addr, be->addr, 16);
}

int xlb_backend_get(struct xlb_maps *m, __u32 slot, struct xlb_backend *be)
{
	const struct xlb_backend *mem = xlb_maps_backend_mem(m, slot);
	int err = 0;

	if (mem)
		*be = *mem;
	else
		err = map_lookup(m->backends, &slot, be);
	if (err)
		return err;
	return be->in_use ? 0 : -ENOENT;
}

int xlb_backend_find(struct xlb_maps *m, __u32 vip_id, const struct xlb_addr *addr, __u32 *slot)
{
	struct xlb_backend be;
	struct xlb_addr a;

	for (__u32 s = 0; s < XLB_MAX_BACKENDS; s++) {
		if (xlb_backend_get(m, s, &be) || be.vip_id != vip_id)
			continue;
		xlb_backend_addr(&be, &a);
		if (xlb_addr_equal(&a, addr)) {
			*slot = s;
			return 0;
		}
	}
	return -ENOENT;
}

int xlb_ring_rebuild(struct xlb_maps *m, __u32 vip_id)
{
	struct xlb_ring_member members[XLB_MAX_BACKENDS_PER_VIP];
	struct xlb_ring *ring = NULL;
	struct xlb_backend be;
	struct xlb_vip vip;
	unsigned int n = 0;
	__u32 idle;
	int err;

	err = xlb_vip_get(m, vip_id, &vip);
	if (err)
		return err;
	for (__u32 slot = 0; slot < XLB_MAX_BACKENDS && n < XLB_MAX_BACKENDS_PER_VIP; slot++) {
		if (xlb_backend_get(m, slot, &be) || be.vip_id != vip_id)
			continue;
		if (be.admin != XLB_ADMIN_UP || be.health != XLB_HEALTH_UP || be.weight == 0)
			continue;
		members[n++] = (struct xlb_ring_member){ .slot = slot, .weight = be.weight };
	}
	ring = malloc(sizeof(*ring));
	if (!ring)
		return -ENOMEM;
	err = xlb_ring_build(members, n, vip.sched, ring);
	if (err)
		goto out;
	idle = vip_id * 2 + !(vip.ring & 1);
	err = map_update(m->rings, &idle, ring, BPF_ANY);
	if (err)
		goto out;
	vip.ring = !(vip.ring & 1);
	err = map_update(m->vips, &vip_id, &vip, BPF_ANY);
out:
	free(ring);
	return err;
}

/* Writes a backend slot and rebuilds its VIP's ring; on failure puts `old` back. */
static int backend_commit(struct xlb_maps *m, __u32 slot, const struct xlb_backend *be,
			  const struct xlb_backend *old)
{
	int err = map_update(m->backends, &slot, be, BPF_ANY);

	if (err)
		return err;
	err = xlb_ring_rebuild(m, be->vip_id);
	if (err)
		map_update(m->backends, &slot, old, BPF_ANY);
	return err;
}

static unsigned int vip_backend_count(struct xlb_maps *m, __u32 vip_id)
{
	struct xlb_backend be;
	unsigned int n = 0;

	for (__u32 slot = 0; slot < XLB_MAX_BACKENDS; slot++)
		n += !xlb_backend_get(m, slot, &be) && be.vip_id == vip_id;
	return n;
}

int xlb_backend_add(struct xlb_maps *m, __u32 vip_id, const struct xlb_backend_spec *spec,
		    __u32 *slot_out)
{
	struct xlb_backend be, old;
	bool port_created;
	struct xlb_vip vip;
	__u32 slot;
	int err;

	err = xlb_vip_get(m, vip_id, &vip);
	if (err)
		return err;
	if (spec->weight > XLB_MAX_WEIGHT)
		return -EINVAL;
	if (!xlb_backend_find(m, vip_id, &spec->addr, &slot))
		return -EEXIST;
	if (vip_backend_count(m, vip_id) >= XLB_MAX_BACKENDS_PER_VIP)
		return -ENOSPC;
	for (slot = 0; slot < XLB_MAX_BACKENDS; slot++)
		if (xlb_backend_get(m, slot, &old) == -ENOENT)
			break;
	if (slot == XLB_MAX_BACKENDS)
		return -ENOSPC;

	err = zero_percpu(m->be_stats, slot, sizeof(struct xlb_stats));
	if (err)
		return err;
	err = tx_port_hold(m, spec->ifindex, &port_created);
	if (err)
		return err;
	be = (struct xlb_backend){
		/* a new generation, so that flows of the slot's previous owner reschedule */
		.gen = old.gen + 1 ? old.gen + 1 : 1,
		.vip_id = vip_id,
		.weight = spec->weight,
		.ifindex = spec->ifindex,
		.in_use = 1,
		.admin = XLB_ADMIN_UP,
		.health = XLB_HEALTH_UP,
		.family = spec->addr.family,
	};
	memcpy(be.mac, spec->mac, 6);
	memcpy(be.src_mac, spec->src_mac, 6);
	memcpy(be.addr, spec->addr.addr, 16);
	old.in_use = 0;
	err = backend_commit(m, slot, &be, &old);
	if (err) {
		if (port_created)
			bpf_map_delete_elem(m->tx_ports, &spec->ifindex);
		return err;
	}
	if (slot_out)
		*slot_out = slot;
	return 0;
}

int xlb_backend_update(struct xlb_maps *m, __u32 slot, int weight, int admin, int health)
{
	struct xlb_backend be, old;
	int err;

	err = xlb_backend_get(m, slot, &be);
	if (err)
		return err;
	if (weight < XLB_KEEP || weight > XLB_MAX_WEIGHT || admin < XLB_KEEP ||
	    admin > XLB_ADMIN_DOWN || health < XLB_KEEP || health > XLB_HEALTH_DOWN)
		return -EINVAL;
	old = be;
	if (weight != XLB_KEEP)
		be.weight = weight;
	if (admin != XLB_KEEP)
		be.admin = admin;
	if (health != XLB_KEEP)
		be.health = health;
	return backend_commit(m, slot, &be, &old);
}

int xlb_backend_del(struct xlb_maps *m, __u32 slot)
{
	struct xlb_backend be, old;
	int err;

	err = xlb_backend_get(m, slot, &be);
	if (err)
		return err;
	old = be;
	/* Out of the slot first (its flows reschedule at once), then out of the ring. */
	be.in_use = 0;
	err = backend_commit(m, slot, &be, &old);
	if (!err)
		tx_port_release(m, be.ifindex);
	return err;
}

static int read_percpu_stats(int fd, __u32 index, struct xlb_stats *out)
{
	int ncpus = xlb_ncpus();
	struct xlb_stats *per = calloc(ncpus, sizeof(*per));
	int err;

	if (!per)
		return -ENOMEM;
	memset(out, 0, sizeof(*out));
	err = map_lookup(fd, &index, per);
	for (int c = 0; !err && c < ncpus; c++) {
		out->packets += per[c].packets;
		out->bytes += per[c].bytes;
		out->new_flows += per[c].new_flows;
		out->drops += per[c].drops;
	}
	free(per);
	return err;
}

int xlb_read_vip_stats(struct xlb_maps *m, __u32 id, struct xlb_stats *out)
{
	return read_percpu_stats(m->vip_stats, id, out);
}

int xlb_read_backend_stats(struct xlb_maps *m, __u32 slot, struct xlb_stats *out)
{
	return read_percpu_stats(m->be_stats, slot, out);
}

int xlb_read_verdicts(struct xlb_maps *m, __u64 out[XLB_CNT_MAX])
{
	int ncpus = xlb_ncpus();
	__u64 *per = calloc(ncpus, sizeof(*per));
	int err = 0;

	if (!per)
		return -ENOMEM;
	for (__u32 c = 0; !err && c < XLB_CNT_MAX; c++) {
		err = map_lookup(m->verdicts, &c, per);
		out[c] = 0;
		for (int cpu = 0; !err && cpu < ncpus; cpu++)
			out[c] += per[cpu];
	}
	free(per);
	return err;
}

const char *xlb_counter_name(enum xlb_counter c)
{
	static const char *const names[XLB_CNT_MAX] = {
		[XLB_CNT_PASS] = "pass",
		[XLB_CNT_TX] = "tx",
		[XLB_CNT_REDIRECT] = "redirect",
		[XLB_CNT_DROP] = "drop",
		[XLB_CNT_DROP_NO_BACKEND] = "drop_no_backend",
		[XLB_CNT_DROP_NO_TX_PORT] = "drop_no_tx_port",
	};

	return c < XLB_CNT_MAX ? names[c] : "?";
}

const char *xlb_admin_name(__u8 admin)
{
	return admin == XLB_ADMIN_UP ? "up" : admin == XLB_ADMIN_DRAIN ? "drain" : "down";
}

const char *xlb_health_name(__u8 health)
{
	return health == XLB_HEALTH_UP ? "up" : "down";
}

const char *xlb_sched_name(__u8 sched)
{
	return sched == XLB_SCHED_WRR ? "wrr" : "rr";
}
