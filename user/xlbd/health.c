// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "health.h"
#include "log.h"

static void target_free(struct health_target *t)
{
	event_free(t->timer);
	explicit_bzero(t->spec.password, sizeof(t->spec.password));
	free(t);
}

static void set_health(struct health_target *t, bool up, const char *why)
{
	struct xlbd *d = t->d;
	struct xlb_backend be;
	int err = -ENOENT;

	if (xlb_maps_lock(&d->maps) == 0) {
		/* the slot may have been freed or reused since the probe started */
		if (!xlb_backend_get(&d->maps, t->slot, &be) && be.gen == t->gen)
			err = xlb_backend_update(&d->maps, t->slot, XLB_KEEP, XLB_KEEP,
						 up ? XLB_HEALTH_UP : XLB_HEALTH_DOWN);
		xlb_maps_unlock(&d->maps);
	}
	if (err) {
		pr_warn("backend %s of VIP %s: health not written: %s\n", t->addr_str, t->vip->name,
			strerror(-err));
		return;
	}
	t->up = up;
	t->transitions++;
	if (up)
		pr_info("backend %s of VIP %s is up (%u good checks)\n", t->addr_str, t->vip->name,
			t->vip->rise);
	else
		pr_info("backend %s of VIP %s is down: %s (%u failed checks)\n", t->addr_str,
			t->vip->name, why, t->vip->fall);
}

static void start_probe(struct health_target *t);

static void on_result(void *arg, bool ok, long latency_us, const char *why)
{
	struct health_target *t = arg;

	t->in_flight = false;
	if (t->gone) {
		target_free(t);
		return;
	}
	t->last_latency_us = latency_us;
	if (ok)
		t->checks_ok++;
	else
		t->checks_failed++;
	/* a result that agrees with the state resets the streak of those that do not */
	if (ok == t->up) {
		t->streak = 0;
	} else if (++t->streak >= (ok ? t->vip->rise : t->vip->fall)) {
		t->streak = 0;
		set_health(t, ok, why);
	}
	/* A probe that ran to its deadline may end just after the tick it overlapped (timeout
	 * = interval): that tick's check starts now rather than a whole interval later. */
	if (t->tick_missed) {
		t->tick_missed = false;
		start_probe(t);
	}
}

static void start_probe(struct health_target *t)
{
	int err;

	t->in_flight = true;
	err = probe_start(t->d->base, (struct sockaddr *)&t->probe_addr, t->probe_addrlen, &t->spec,
			  t->vip->timeout_ms, on_result, t);
	if (err) {
		/* No socket or no memory says nothing about the backend: no result, and
		 * nothing counted toward fall. */
		t->in_flight = false;
		pr_warn("backend %s of VIP %s: check not started: %s\n", t->addr_str, t->vip->name,
			strerror(-err));
	}
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct health_target *t = arg;
	struct timeval every = { t->vip->interval_ms / 1000, (t->vip->interval_ms % 1000) * 1000 };

	(void)fd, (void)what;
	evtimer_add(t->timer, &every);
	if (t->in_flight)
		t->tick_missed = true; /* never two probes of one backend at once */
	else
		start_probe(t);
}

static void probe_spec_of(const struct xlbd_vip *vip, struct probe_spec *spec)
{
	const struct xlbd_check *c = &vip->check;

	switch (c->type) {
	case XLBD_CHECK_HTTP:
	case XLBD_CHECK_HTTPS:
		*spec = (struct probe_spec){ .kind = PROBE_HTTP,
					     .method = c->method,
					     .path = c->path,
					     .status = c->status };
		if (c->type == XLBD_CHECK_HTTPS)
			spec->kind = PROBE_HTTPS;
		return;
	case XLBD_CHECK_MYSQL:
		/* The password file is read when the check is configured: for a new target, and
		 * after a reload (a new config, so a new password_file pointer). The rescans in
		 * between, every second, keep what was read. */
		if (spec->kind != PROBE_MYSQL || spec->password_file != c->password_file) {
			*spec = (struct probe_spec){ .kind = PROBE_MYSQL };
			probe_read_password(spec, c->password_file);
		}
		spec->user = c->user;
		return;
	case XLBD_CHECK_TCP:
		break;
	}
	*spec = (struct probe_spec){ .kind = PROBE_TCP };
}

static struct health_target *target_new(struct xlbd *d, const struct xlbd_vip *vip, __u32 id,
					__u32 slot, const struct xlb_backend *be)
{
	struct health_target *t = calloc(1, sizeof(*t));
	/* spread the first checks over an interval, not all at the same instant */
	long first_us = random() % ((long)vip->interval_ms * 1000 + 1);
	struct timeval first = { first_us / 1000000, first_us % 1000000 };

	if (!t)
		return NULL;
	*t = (struct health_target){
		.vip = vip,
		.vip_id = id,
		.slot = slot,
		.gen = be->gen,
		.d = d,
		.up = be->health == XLB_HEALTH_UP,
	};
	xlb_backend_addr(be, &t->addr);
	xlb_format_addr(&t->addr, t->addr_str, sizeof(t->addr_str));
	t->probe_addrlen = xlb_sockaddr(&t->addr, vip->addr.port, &t->probe_addr);
	probe_spec_of(vip, &t->spec);
	/* re-armed by each tick, so that the first can come at its own time */
	t->timer = evtimer_new(d->base, on_tick, t);
	if (!t->timer) {
		free(t);
		return NULL;
	}
	evtimer_add(t->timer, &first);
	return t;
}

static struct health_target *find_target(struct xlbd *d, __u32 slot, __u32 gen)
{
	struct health_target *t = d->target_of_slot[slot];

	return t && t->gen == gen ? t : NULL;
}

static void target_drop(struct health_target *t)
{
	event_del(t->timer);
	if (t->in_flight)
		t->gone = true;
	else
		target_free(t);
}

void health_scan(struct xlbd *d)
{
	struct health_target **kept;
	struct xlb_backend be;
	unsigned int n = 0;

	for (unsigned int i = 0; i < d->nr_targets; i++)
		d->targets[i]->seen = false;
	for (__u32 slot = 0; slot < XLB_MAX_BACKENDS; slot++) {
		const struct xlbd_vip *vip;
		struct health_target *t;

		if (xlb_backend_get(&d->maps, slot, &be))
			continue;
		vip = xlbd_vip_of(d, be.vip_id);
		/* A UDP port accepts no TCP connection: UDP VIPs are checked only by the
		 * checks that name their own protocol (http, https, mysql) */
		if (!vip || (vip->addr.proto == IPPROTO_UDP && vip->check.type == XLBD_CHECK_TCP))
			continue;
		t = find_target(d, slot, be.gen);
		if (!t) {
			t = target_new(d, vip, be.vip_id, slot, &be);
			if (!t)
				continue;
			kept = realloc(d->targets, (d->nr_targets + 1) * sizeof(*kept));
			if (!kept) {
				target_drop(t);
				continue;
			}
			d->targets = kept;
			d->targets[d->nr_targets++] = t;
		}
		/* the live config's, after a reload: the old one is about to be freed */
		t->vip = vip;
		probe_spec_of(vip, &t->spec);
		t->seen = true;
	}
	memset(d->target_of_slot, 0, sizeof(d->target_of_slot));
	for (unsigned int i = 0; i < d->nr_targets; i++) {
		struct health_target *t = d->targets[i];

		if (t->seen) {
			d->targets[n++] = t;
			d->target_of_slot[t->slot] = t;
		} else {
			target_drop(t);
		}
	}
	d->nr_targets = n;
}

void health_stop_all(struct xlbd *d)
{
	for (unsigned int i = 0; i < d->nr_targets; i++)
		target_drop(d->targets[i]);
	free(d->targets);
	d->targets = NULL;
	d->nr_targets = 0;
	memset(d->target_of_slot, 0, sizeof(d->target_of_slot));
}
