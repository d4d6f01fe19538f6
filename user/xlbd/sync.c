// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "resolve.h"
#include "sync.h"

static const struct xlbd_vip *find_vip(const struct xlbd_config *cfg,
				       const struct xlb_vip_spec *addr)
{
	for (unsigned int i = 0; cfg && i < cfg->nr_vips; i++) {
		const struct xlb_vip_spec *v = &cfg->vips[i].addr;

		if (xlb_addr_equal(&v->ip, &addr->ip) && v->port == addr->port &&
		    v->proto == addr->proto)
			return &cfg->vips[i];
	}
	return NULL;
}

static bool lists_backend(const struct xlbd_vip *vip, const struct xlb_addr *addr)
{
	for (unsigned int i = 0; i < vip->nr_backends; i++)
		if (xlb_addr_equal(&vip->backends[i].addr, addr))
			return true;
	return false;
}

/* A configured backend whose MAC is not known yet, retried without blocking. */
static void pending_add(struct xlbd *d, const struct xlbd_vip *vip, const struct xlbd_backend *b)
{
	char addr[XLB_VIP_STRLEN];
	struct xlbd_pending *more = realloc(d->pending, (d->nr_pending + 1) * sizeof(*more));

	if (!more)
		return;
	d->pending = more;
	d->pending[d->nr_pending++] = (struct xlbd_pending){ .vip = vip, .backend = b };
	xlb_format_addr(&b->addr, addr, sizeof(addr));
	pr_info("VIP %s: backend %s waits for its MAC (ARP/ND); added once it answers\n", vip->name,
		addr);
}

/*
 * Adds a configured backend. Its MAC is looked up without waiting (the event loop and the
 * lock are held): when it is not known yet, the lookup has sent an ARP/ND request and the
 * backend is left pending, for xlbd_retry_pending() to add once the answer is in.
 * Returns 0, -EHOSTUNREACH (pending) or another -errno (logged).
 */
static int add_backend(struct xlbd *d, const struct xlbd_vip *vip, __u32 id,
		       const struct xlbd_backend *b)
{
	struct xlb_backend_spec spec = { .addr = b->addr, .weight = b->weight };
	char err[256], addr[XLB_VIP_STRLEN];
	int ret;

	xlb_format_addr(&b->addr, addr, sizeof(addr));
	ret = xlb_backend_resolve(&spec, NULL, NULL, 0, err, sizeof(err));
	if (ret == -EHOSTUNREACH)
		return ret;
	if (ret) {
		pr_warn("VIP %s: backend %s not added: %s\n", vip->name, addr, err);
		return ret;
	}
	ret = xlb_backend_add(&d->maps, id, &spec, NULL);
	if (ret)
		pr_warn("VIP %s: backend %s not added: %s\n", vip->name, addr, strerror(-ret));
	else
		pr_info("VIP %s: backend %s added (weight %u)\n", vip->name, addr, b->weight);
	return ret;
}

/* The backends of VIP `id` as the config says. Returns the number of problems. */
static int sync_backends(struct xlbd *d, const struct xlbd_vip *vip, __u32 id)
{
	char addr[XLB_VIP_STRLEN];
	struct xlb_backend be;
	struct xlb_addr a;
	int problems = 0, ret;
	__u32 slot;

	for (slot = 0; slot < XLB_MAX_BACKENDS; slot++) {
		if (xlb_backend_get(&d->maps, slot, &be) || be.vip_id != id)
			continue;
		xlb_backend_addr(&be, &a);
		if (lists_backend(vip, &a))
			continue;
		xlb_format_addr(&a, addr, sizeof(addr));
		if (xlb_backend_del(&d->maps, slot)) {
			pr_warn("VIP %s: backend %s not removed\n", vip->name, addr);
			problems++;
		} else {
			pr_info("VIP %s: backend %s removed\n", vip->name, addr);
		}
	}
	for (unsigned int i = 0; i < vip->nr_backends; i++) {
		const struct xlbd_backend *b = &vip->backends[i];

		if (xlb_backend_find(&d->maps, id, &b->addr, &slot)) {
			ret = add_backend(d, vip, id, b);
			if (ret == -EHOSTUNREACH)
				pending_add(d, vip, b);
			else
				problems += !!ret;
			continue;
		}
		if (xlb_backend_get(&d->maps, slot, &be) || be.weight == b->weight)
			continue;
		xlb_format_addr(&b->addr, addr, sizeof(addr));
		if (xlb_backend_update(&d->maps, slot, b->weight, XLB_KEEP, XLB_KEEP)) {
			pr_warn("VIP %s: weight of backend %s not changed\n", vip->name, addr);
			problems++;
		} else {
			pr_info("VIP %s: backend %s now has weight %u\n", vip->name, addr,
				b->weight);
		}
	}
	return problems;
}

static int sync_vip(struct xlbd *d, const struct xlbd_vip *vip)
{
	struct xlb_vip cur;
	__u32 id;
	int ret;

	ret = xlb_vip_find(&d->maps, &vip->addr, &id);
	if (ret == -ENOENT) {
		ret = xlb_vip_add(&d->maps, &vip->addr, vip->sched, false, &id);
		if (ret) {
			pr_warn("VIP %s not added: %s\n", vip->name, strerror(-ret));
			return 1;
		}
		pr_info("VIP %s added\n", vip->name);
	} else if (ret) {
		pr_warn("VIP %s: %s\n", vip->name, strerror(-ret));
		return 1;
	} else if (!xlb_vip_get(&d->maps, id, &cur) && cur.sched != vip->sched &&
		   xlb_vip_set_sched(&d->maps, id, vip->sched)) {
		pr_warn("VIP %s: scheduler not changed\n", vip->name);
		return 1 + sync_backends(d, vip, id);
	}
	return sync_backends(d, vip, id);
}

int xlbd_sync(struct xlbd *d, const struct xlbd_config *old, const struct xlbd_config *new)
{
	int problems = 0;
	__u32 id;

	if (xlb_maps_lock(&d->maps))
		return 1;
	d->nr_pending = 0; /* they point into the config being replaced */
	for (unsigned int i = 0; old && i < old->nr_vips; i++) {
		const struct xlbd_vip *vip = &old->vips[i];

		if (find_vip(new, &vip->addr) || xlb_vip_find(&d->maps, &vip->addr, &id))
			continue;
		if (xlb_vip_del(&d->maps, id)) {
			pr_warn("VIP %s not removed\n", vip->name);
			problems++;
		} else {
			pr_info("VIP %s removed\n", vip->name);
		}
	}
	for (unsigned int i = 0; i < new->nr_vips; i++)
		problems += sync_vip(d, &new->vips[i]);
	xlb_maps_unlock(&d->maps);
	return problems;
}

/* After this many tries without an answer a pending backend is reported, once: the quick
 * retries after a sync (main.c, 20 in a second) and then ten seconds of rescans. */
#define PENDING_WARN_TRIES 30

void xlbd_retry_pending(struct xlbd *d)
{
	unsigned int n = 0;
	char addr[XLB_VIP_STRLEN];
	__u32 id, slot;

	if (!d->nr_pending || xlb_maps_lock(&d->maps))
		return;
	for (unsigned int i = 0; i < d->nr_pending; i++) {
		struct xlbd_pending *p = &d->pending[i];

		/* gone from the maps (the CLI removed the VIP), or added meanwhile */
		if (xlb_vip_find(&d->maps, &p->vip->addr, &id) ||
		    !xlb_backend_find(&d->maps, id, &p->backend->addr, &slot))
			continue;
		if (add_backend(d, p->vip, id, p->backend) != -EHOSTUNREACH)
			continue;
		if (++p->tries == PENDING_WARN_TRIES) {
			xlb_format_addr(&p->backend->addr, addr, sizeof(addr));
			pr_warn("VIP %s: backend %s still unknown to ARP/ND after %u tries; "
				"retrying\n",
				p->vip->name, addr, p->tries);
		}
		d->pending[n++] = *p;
	}
	d->nr_pending = n;
	xlb_maps_unlock(&d->maps);
}

const struct xlbd_vip *xlbd_vip_of(const struct xlbd *d, __u32 id)
{
	struct xlb_vip_spec spec;
	struct xlb_vip vip;

	if (xlb_vip_get((struct xlb_maps *)&d->maps, id, &vip))
		return NULL;
	xlb_vip_to_spec(&vip, &spec);
	return find_vip(d->cfg, &spec);
}
