/* SPDX-License-Identifier: GPL-2.0-only */
/* The state xlbd keeps besides the maps, shared by its parts (health checks, metrics, the
 * [mysql] monitor). */
#ifndef XLBD_DAEMON_H
#define XLBD_DAEMON_H

#include <stdbool.h>
#include <time.h>
#include <netinet/in.h>
#include <event2/event.h>

#include "config.h"
#include "maps.h"
#include "probe.h"
#include "state.h"

/* One health-checked backend: a backend slot of a VIP the config owns. */
struct health_target {
	const struct xlbd_vip *vip; /* its VIP in the live config */
	__u32 vip_id, slot, gen;    /* where it is in the maps; gen tells a reused slot */
	struct xlb_addr addr;
	char addr_str[INET6_ADDRSTRLEN];
	struct sockaddr_storage probe_addr; /* the backend's address, the VIP's port */
	socklen_t probe_addrlen;
	struct probe_spec spec;
	bool up;	     /* the health state written to the maps */
	unsigned int streak; /* results in a row that contradict `up` */
	unsigned long checks_ok, checks_failed, transitions;
	long last_latency_us;
	bool in_flight;
	bool tick_missed; /* a tick came while the probe was in flight */
	bool seen;	  /* still in the maps at the last scan */
	bool gone;	  /* removed while a probe was in flight: its callback frees it */
	struct event *timer;
	struct xlbd *d;
};

/* A configured backend not in the maps yet: its MAC has not been resolved. */
struct xlbd_pending {
	const struct xlbd_vip *vip; /* both in the live config */
	const struct xlbd_backend *backend;
	unsigned int tries;
};

struct mysqlmon;

struct xlbd {
	struct event_base *base;
	struct xlb_maps maps;
	bool maps_gone; /* the pins disappeared; said once (main.c) */
	struct xlbd_config *cfg;
	const char *config_path;
	const char *bpf_object; /* --bpf-object, NULL for the built-in program */
	time_t last_reload;
	struct xlbd_pending *pending;
	unsigned int nr_pending;
	unsigned int quick_retries; /* of the current chain, see main.c */
	struct health_target **targets;
	unsigned int nr_targets;
	struct health_target *target_of_slot[XLB_MAX_BACKENDS]; /* the same, by backend slot */
	struct xlbd_metrics *metrics; /* the HTTP server of /metrics and /status */
	struct mysqlmon *mysql;	      /* the [mysql] monitor; NULL without that section */
};

/* The VIP of the live config whose address is that of VIP id `id`, or NULL. */
const struct xlbd_vip *xlbd_vip_of(const struct xlbd *d, __u32 id);

#endif
