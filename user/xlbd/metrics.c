// SPDX-License-Identifier: GPL-2.0-only
/*
 * /metrics and /status of xlbd. Each request reads one snapshot of the maps (VIPs, backends,
 * counters) and of the daemon's health targets, then renders it; the snapshot costs about a
 * thousand map lookups (~1 ms), cheap enough to take per request on the daemon's one thread.
 * Only the flow count is expensive, and it is cached and walked in steps (metrics.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "daemon.h"
#include "log.h"
#include "metrics.h"
#include "mysqlmon.h"
#include "state.h"

/* Entries per bpf_map_lookup_batch call: ~1.6 ms each here, the longest the loop waits. */
#define FLOW_BATCH 4096
/* A walk that took less than this is redone at every scrape, so xlb_flows is exact. */
#define FLOW_CHEAP_NS (50 * 1000000L)
/* A dearer count is refreshed at most this often. */
#define FLOW_MAX_AGE_NS (5 * 1000000000L)
/* How long one background step of a walk runs before the loop gets control back. */
#define FLOW_STEP_NS (1 * 1000000L)

/* Label sets, escaped, ready to print between braces. */
#define LABELS_LEN 320

struct vip_row {
	__u32 id;
	struct xlb_vip vip;
	struct xlb_stats st;
	const struct xlbd_vip *cfg; /* NULL when the config does not have this VIP */
	char name[XLB_VIP_STRLEN];  /* the label: config name, else the address */
	char addr[XLB_VIP_STRLEN];
	char labels[LABELS_LEN];
};

struct be_row {
	__u32 slot;
	struct xlb_backend be;
	struct xlb_stats st;
	const struct vip_row *vip;
	const struct health_target *t; /* NULL when xlbd does not check it */
	char addr[INET6_ADDRSTRLEN];
	char labels[LABELS_LEN];
};

/* Counting the flow tables, walked with batch lookups over both maps in turn. */
struct flow_count {
	struct event *step_ev;
	bool walking;
	int table; /* 0: xlb_flow4, 1: xlb_flow6 */
	bool have_token;
	__u64 token; /* the kernel's batch cursor (a bucket index for hash maps) */
	__u64 partial;
	long walk_ns; /* spent in this walk's syscalls so far */
	void *keys, *vals;
	/* the last complete count */
	bool valid;
	__u64 value;
	long cost_ns;
	struct timespec done_at;
};

struct xlbd_metrics {
	struct xlbd *d;
	struct evhttp *http;
	__u16 port;
	struct flow_count fc;
	/* the snapshot of the current request; kept here to stay off the stack */
	struct vip_row vips[XLB_MAX_VIPS];
	unsigned int nr_vips;
	struct be_row bes[XLB_MAX_BACKENDS];
	unsigned int nr_bes;
	__u64 verdicts[XLB_CNT_MAX];
	__u64 flow_capacity;
	struct xlb_backend all_bes[XLB_MAX_BACKENDS];
	bool be_ok[XLB_MAX_BACKENDS];
	const struct health_target *target_of[XLB_MAX_BACKENDS];
};

static long ns_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000000000L + (t.tv_nsec - t0->tv_nsec);
}

static void format_endpoint(const struct xlbd_endpoint *ep, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	xlb_format_addr(&ep->ip, a, sizeof(a));
	snprintf(buf, len, ep->ip.family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, ep->port);
}

/* xlbd_vip_of() lives with the daemon's main; this file needs only the match itself, and
 * keeping it here lets the tests link the metrics without the daemon. */
static const struct xlbd_vip *config_vip_of(const struct xlbd *d, const struct xlb_vip *vip)
{
	struct xlb_vip_spec spec;

	if (!d->cfg)
		return NULL;
	xlb_vip_to_spec(vip, &spec);
	for (unsigned int i = 0; i < d->cfg->nr_vips; i++) {
		const struct xlb_vip_spec *c = &d->cfg->vips[i].addr;

		if (c->port == spec.port && c->proto == spec.proto &&
		    xlb_addr_equal(&c->ip, &spec.ip))
			return &d->cfg->vips[i];
	}
	return NULL;
}

/* ---- escaping ---- */

/* Prometheus label values: backslash, double quote and newline are escaped; the rest is
 * UTF-8 as it is. Output is cut (still escaped correctly) when dst is too small. */
static size_t esc_label(char *dst, size_t size, const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		const char *rep = *s == '\\'   ? "\\\\"
				  : *s == '"'  ? "\\\""
				  : *s == '\n' ? "\\n"
					       : NULL;
		size_t len = rep ? 2 : 1;

		if (n + len >= size)
			break;
		if (rep)
			memcpy(dst + n, rep, 2);
		else
			dst[n] = *s;
		n += len;
	}
	dst[n] = '\0';
	return n;
}

static void json_str(struct evbuffer *b, const char *s)
{
	if (!s) {
		evbuffer_add(b, "null", 4);
		return;
	}
	evbuffer_add(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			evbuffer_add_printf(b, "\\%c", c);
		else if (c == '\n')
			evbuffer_add(b, "\\n", 2);
		else if (c == '\t')
			evbuffer_add(b, "\\t", 2);
		else if (c < 0x20 || c == 0x7f)
			evbuffer_add_printf(b, "\\u%04x", c);
		else
			evbuffer_add(b, s, 1);
	}
	evbuffer_add(b, "\"", 1);
}

/* ---- the flow count ---- */

/* Runs batch lookups until the walk ends or budget_ns has passed (at least one call). */
static void flow_walk_step(struct xlbd_metrics *m, long budget_ns)
{
	struct flow_count *fc = &m->fc;
	struct timespec t0;
	long spent;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		int fd = fc->table == 0 ? m->d->maps.flow4 : m->d->maps.flow6;
		__u32 count = FLOW_BATCH;
		__u64 out = 0;
		int err;

		err = bpf_map_lookup_batch(fd, fc->have_token ? &fc->token : NULL, &out, fc->keys,
					   fc->vals, &count, NULL);
		err = err ? -errno : 0;
		if (err && err != -ENOENT) {
			/* The old count stays; the next scrape starts over. */
			pr_debug("counting flows: %s", strerror(-err));
			fc->walking = false;
			break;
		}
		/* On -ENOENT (the end) count still says how many the last call returned. */
		fc->partial += count;
		if (!err) {
			fc->token = out;
			fc->have_token = true;
			continue;
		}
		fc->have_token = false;
		if (++fc->table < 2)
			continue;
		fc->walking = false;
		fc->valid = true;
		fc->value = fc->partial;
		fc->cost_ns = fc->walk_ns + ns_since(&t0);
		clock_gettime(CLOCK_MONOTONIC, &fc->done_at);
	} while (fc->walking && ns_since(&t0) < budget_ns);
	spent = ns_since(&t0);
	fc->walk_ns += spent;
}

static void flow_walk_start(struct flow_count *fc)
{
	fc->walking = true;
	fc->table = 0;
	fc->have_token = false;
	fc->partial = 0;
	fc->walk_ns = 0;
}

static void flow_step_cb(evutil_socket_t fd, short what, void *arg)
{
	struct xlbd_metrics *m = arg;
	static const struct timeval now = { 0, 0 };

	(void)fd;
	(void)what;
	if (!m->fc.walking)
		return;
	flow_walk_step(m, FLOW_STEP_NS);
	/* A zero timeout runs after the loop has polled for I/O again: probes are not starved. */
	if (m->fc.walking)
		evtimer_add(m->fc.step_ev, &now);
}

/* Brings the count up to date as far as a scrape may afford; see metrics.h. */
static void flow_refresh(struct xlbd_metrics *m)
{
	static const struct timeval now = { 0, 0 };
	struct flow_count *fc = &m->fc;
	bool cheap = !fc->valid || fc->cost_ns < FLOW_CHEAP_NS;

	if (!fc->walking && (cheap || ns_since(&fc->done_at) >= FLOW_MAX_AGE_NS))
		flow_walk_start(fc);
	if (fc->walking && cheap)
		flow_walk_step(m, FLOW_CHEAP_NS);
	if (fc->walking && !evtimer_pending(fc->step_ev, NULL))
		evtimer_add(fc->step_ev, &now);
}

static __u64 map_capacity(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.max_entries;
}

/* ---- the snapshot ---- */

static int snapshot(struct xlbd_metrics *m)
{
	struct xlbd *d = m->d;
	struct xlb_maps *maps = &d->maps;
	struct xlb_vip_spec spec;
	int err;

	m->nr_vips = 0;
	m->nr_bes = 0;
	for (__u32 id = 0; id < XLB_MAX_VIPS; id++) {
		struct vip_row *r = &m->vips[m->nr_vips];
		char esc_name[2 * XLB_VIP_STRLEN], esc_addr[2 * XLB_VIP_STRLEN];

		err = xlb_vip_get(maps, id, &r->vip);
		if (err == -ENOENT)
			continue;
		if (!err)
			err = xlb_read_vip_stats(maps, id, &r->st);
		if (err)
			return err;
		r->id = id;
		r->cfg = config_vip_of(d, &r->vip);
		xlb_vip_to_spec(&r->vip, &spec);
		xlb_format_vip(&spec, r->addr, sizeof(r->addr));
		snprintf(r->name, sizeof(r->name), "%s", r->cfg ? r->cfg->name : r->addr);
		esc_label(esc_name, sizeof(esc_name), r->name);
		esc_label(esc_addr, sizeof(esc_addr), r->addr);
		snprintf(r->labels, sizeof(r->labels), "vip=\"%s\",address=\"%s\"", esc_name,
			 esc_addr);
		m->nr_vips++;
	}

	for (__u32 s = 0; s < XLB_MAX_BACKENDS; s++) {
		err = xlb_backend_get(maps, s, &m->all_bes[s]);
		if (err && err != -ENOENT)
			return err;
		m->be_ok[s] = !err;
		m->target_of[s] = NULL;
	}
	for (unsigned int i = 0; i < d->nr_targets; i++) {
		const struct health_target *t = d->targets[i];

		/* a gone target waits for its probe's callback to free it; it checks nothing */
		if (t && !t->gone && t->slot < XLB_MAX_BACKENDS)
			m->target_of[t->slot] = t;
	}
	/* Backends grouped by VIP, in slot order: the order `xlb backend list` shows. */
	for (unsigned int v = 0; v < m->nr_vips; v++) {
		const struct vip_row *vr = &m->vips[v];
		char esc_name[2 * XLB_VIP_STRLEN];

		esc_label(esc_name, sizeof(esc_name), vr->name);
		for (__u32 s = 0; s < XLB_MAX_BACKENDS; s++) {
			struct be_row *r = &m->bes[m->nr_bes];
			const struct health_target *t = m->target_of[s];
			char addr[INET6_ADDRSTRLEN];
			struct xlb_addr a;

			if (!m->be_ok[s] || m->all_bes[s].vip_id != vr->id)
				continue;
			r->slot = s;
			r->be = m->all_bes[s];
			r->vip = vr;
			/* a target of a slot since deleted and reused is not this backend's */
			r->t = t && t->vip_id == vr->id && t->gen == r->be.gen ? t : NULL;
			err = xlb_read_backend_stats(maps, s, &r->st);
			if (err)
				return err;
			xlb_backend_addr(&r->be, &a);
			xlb_format_addr(&a, addr, sizeof(addr));
			memcpy(r->addr, addr, sizeof(addr));
			snprintf(r->labels, sizeof(r->labels), "vip=\"%s\",backend=\"%s\"",
				 esc_name, addr);
			m->nr_bes++;
		}
	}

	err = xlb_read_verdicts(maps, m->verdicts);
	if (err)
		return err;
	m->flow_capacity = map_capacity(maps->flow4) + map_capacity(maps->flow6);
	flow_refresh(m);
	return 0;
}

/* ---- /metrics ---- */

static void prom_head(struct evbuffer *b, const char *name, const char *type, const char *help)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

enum stat_field { ST_PACKETS, ST_BYTES, ST_NEW_FLOWS, ST_DROPS };

static __u64 stat_of(const struct xlb_stats *st, enum stat_field f)
{
	return f == ST_PACKETS	   ? st->packets
	       : f == ST_BYTES	   ? st->bytes
	       : f == ST_NEW_FLOWS ? st->new_flows
				   : st->drops;
}

/* The splitters' own counters (`show stats`), in splitter_counter order. */
static const struct {
	const char *name, *type, *help;
} sqlproxy_series[SPLITTER_NR_COUNTERS] = {
	/* not xlb_sqlproxy_sessions: OpenMetrics would read it as the family of the counter
	 * xlb_sqlproxy_sessions_total */
	[SPLITTER_SESSIONS_OPEN] = { "xlb_sqlproxy_sessions_open", "gauge",
				     "Client sessions open on the splitter." },
	[SPLITTER_SESSIONS_TOTAL] = { "xlb_sqlproxy_sessions_total", "counter",
				      "Client sessions the splitter accepted." },
	[SPLITTER_STATEMENTS] = { "xlb_sqlproxy_statements_total", "counter",
				  "Client commands the splitter handled." },
	[SPLITTER_ERRORS] = { "xlb_sqlproxy_errors_total", "counter",
			      "ERR packets the splitter itself sent to clients." },
	[SPLITTER_AUTH_FAILURES] = { "xlb_sqlproxy_auth_failures_total", "counter",
				     "Client logins refused: unknown user or wrong password." },
	[SPLITTER_PROTOCOL_ERRORS] = { "xlb_sqlproxy_protocol_errors_total", "counter",
				       "Client sessions closed for malformed input." },
	[SPLITTER_CAUSAL_WAITS] = { "xlb_sqlproxy_causal_waits_total", "counter",
				    "Replica reads that first waited for the session's last "
				    "write." },
	[SPLITTER_CAUSAL_FALLBACKS] = { "xlb_sqlproxy_causal_fallbacks_total", "counter",
					"Reads sent to the primary: the replica was not there in "
					"time." },
};

/* The splitters' counters, from the last `show stats` that parsed: none before the first,
 * the last ones (next to xlb_mysql_splitter_up 0) while a splitter cannot be reached. */
static void render_sqlproxy_metrics(const struct mysqlmon *mon, struct evbuffer *b)
{
	static const char *const kinds[] = { "read", "write" };
	unsigned int splitters = mysqlmon_nr_splitters(mon);
	char label[2 * XLBD_SOCK_PATH_LEN], server[2 * SPLITTER_NAME_LEN];

	for (int c = 0; c < SPLITTER_NR_COUNTERS; c++) {
		prom_head(b, sqlproxy_series[c].name, sqlproxy_series[c].type,
			  sqlproxy_series[c].help);
		for (unsigned int i = 0; i < splitters; i++) {
			const struct splitter *sp = mysqlmon_splitter(mon, i);
			const struct splitter_stats *st = splitter_stats(sp);

			if (!st)
				continue;
			esc_label(label, sizeof(label), splitter_name(sp));
			evbuffer_add_printf(b, "%s{splitter=\"%s\"} %lu\n", sqlproxy_series[c].name,
					    label, st->counters[c]);
		}
	}
	prom_head(b, "xlb_sqlproxy_server_queries_total", "counter",
		  "Statements the splitter sent to the server, by kind (read or write).");
	for (unsigned int i = 0; i < splitters; i++) {
		const struct splitter *sp = mysqlmon_splitter(mon, i);
		const struct splitter_stats *st = splitter_stats(sp);

		esc_label(label, sizeof(label), splitter_name(sp));
		for (unsigned int k = 0; st && k < st->nr_servers; k++) {
			const struct splitter_server_stats *sv = &st->servers[k];

			esc_label(server, sizeof(server), sv->name);
			for (int w = 0; w < 2; w++)
				evbuffer_add_printf(
					b,
					"xlb_sqlproxy_server_queries_total{splitter=\"%s\","
					"server=\"%s\",kind=\"%s\"} %lu\n",
					label, server, kinds[w], w ? sv->writes : sv->reads);
		}
	}
	prom_head(b, "xlb_sqlproxy_server_errors_total", "counter",
		  "Connections of the splitter to the server that failed or broke.");
	for (unsigned int i = 0; i < splitters; i++) {
		const struct splitter *sp = mysqlmon_splitter(mon, i);
		const struct splitter_stats *st = splitter_stats(sp);

		esc_label(label, sizeof(label), splitter_name(sp));
		for (unsigned int k = 0; st && k < st->nr_servers; k++) {
			esc_label(server, sizeof(server), st->servers[k].name);
			evbuffer_add_printf(b,
					    "xlb_sqlproxy_server_errors_total{splitter=\"%s\","
					    "server=\"%s\"} %lu\n",
					    label, server, st->servers[k].errors);
		}
	}
}

/* The [mysql] monitor's series; the nodes appear once the first round has ended. */
static void render_mysql_metrics(const struct mysqlmon *mon, struct evbuffer *b)
{
	static const enum mysql_role roles[] = { MYSQL_ROLE_PRIMARY, MYSQL_ROLE_REPLICA,
						 MYSQL_ROLE_OFFLINE };
	unsigned int nodes = mysqlmon_nr_nodes(mon), splitters = mysqlmon_nr_splitters(mon);
	struct mysqlmon_node_status st;
	char path[2 * XLBD_SOCK_PATH_LEN];

	prom_head(b, "xlb_mysql_node_up", "gauge",
		  "1 when the last check of the MariaDB node answered both queries.");
	for (unsigned int i = 0; i < nodes; i++) {
		mysqlmon_node(mon, i, &st);
		if (st.checked)
			evbuffer_add_printf(b, "xlb_mysql_node_up{node=\"%s\"} %d\n", st.addr,
					    st.obs->up);
	}
	prom_head(b, "xlb_mysql_node_role", "gauge",
		  "Role pushed to the splitters: 1 for the node's role, 0 for the others.");
	for (unsigned int i = 0; i < nodes; i++) {
		mysqlmon_node(mon, i, &st);
		for (unsigned int r = 0; st.checked && r < 3; r++)
			evbuffer_add_printf(b, "xlb_mysql_node_role{node=\"%s\",role=\"%s\"} %d\n",
					    st.addr, mysql_role_name(roles[r]),
					    st.verdict->role == roles[r]);
	}
	prom_head(b, "xlb_mysql_node_lag_seconds", "gauge",
		  "Seconds_Behind_Master of a replicating node, when the server knows it.");
	for (unsigned int i = 0; i < nodes; i++) {
		mysqlmon_node(mon, i, &st);
		if (st.checked && st.obs->up && st.obs->lag_s >= 0)
			evbuffer_add_printf(b, "xlb_mysql_node_lag_seconds{node=\"%s\"} %ld\n",
					    st.addr, st.obs->lag_s);
	}
	prom_head(b, "xlb_mysql_splitter_up", "gauge",
		  "1 when the last push of roles to the splitter got through.");
	for (unsigned int i = 0; i < splitters; i++) {
		const struct splitter *sp = mysqlmon_splitter(mon, i);

		esc_label(path, sizeof(path), splitter_name(sp));
		if (splitter_pushes(sp))
			evbuffer_add_printf(b, "xlb_mysql_splitter_up{splitter=\"%s\"} %d\n", path,
					    splitter_reachable(sp));
	}
	prom_head(b, "xlb_mysql_splitter_push_errors_total", "counter",
		  "Pushes of roles to the splitter that failed or were refused.");
	for (unsigned int i = 0; i < splitters; i++) {
		const struct splitter *sp = mysqlmon_splitter(mon, i);

		esc_label(path, sizeof(path), splitter_name(sp));
		evbuffer_add_printf(b,
				    "xlb_mysql_splitter_push_errors_total{splitter=\"%s\"} %lu\n",
				    path, splitter_push_errors(sp));
	}
	render_sqlproxy_metrics(mon, b);
}

static void render_metrics(struct xlbd_metrics *m, struct evbuffer *b)
{
	struct series {
		const char *name, *help;
		enum stat_field f;
	};
	static const struct series vip_series[] = {
		{ "xlb_vip_packets_total", "Packets to the VIP that the program handled.",
		  ST_PACKETS },
		{ "xlb_vip_bytes_total", "Bytes of those packets, Ethernet header included.",
		  ST_BYTES },
		{ "xlb_vip_new_flows_total", "Flows given a backend (new or rescheduled).",
		  ST_NEW_FLOWS },
		{ "xlb_vip_drops_total", "Packets to the VIP dropped (no eligible backend).",
		  ST_DROPS },
	};
	static const struct series be_series[] = {
		{ "xlb_backend_packets_total", "Packets sent to the backend.", ST_PACKETS },
		{ "xlb_backend_bytes_total", "Bytes sent to the backend.", ST_BYTES },
		{ "xlb_backend_new_flows_total", "Flows given to the backend.", ST_NEW_FLOWS },
	};
	static const char *const admin_states[] = { "up", "drain", "down" };
	const struct xlbd *d = m->d;

	for (size_t i = 0; i < sizeof(vip_series) / sizeof(vip_series[0]); i++) {
		prom_head(b, vip_series[i].name, "counter", vip_series[i].help);
		for (unsigned int v = 0; v < m->nr_vips; v++)
			evbuffer_add_printf(b, "%s{%s} %llu\n", vip_series[i].name,
					    m->vips[v].labels,
					    stat_of(&m->vips[v].st, vip_series[i].f));
	}
	for (size_t i = 0; i < sizeof(be_series) / sizeof(be_series[0]); i++) {
		prom_head(b, be_series[i].name, "counter", be_series[i].help);
		for (unsigned int k = 0; k < m->nr_bes; k++)
			evbuffer_add_printf(b, "%s{%s} %llu\n", be_series[i].name, m->bes[k].labels,
					    stat_of(&m->bes[k].st, be_series[i].f));
	}

	prom_head(b, "xlb_backend_weight", "gauge", "Scheduling weight (0 takes no new flows).");
	for (unsigned int k = 0; k < m->nr_bes; k++)
		evbuffer_add_printf(b, "xlb_backend_weight{%s} %u\n", m->bes[k].labels,
				    m->bes[k].be.weight);
	prom_head(b, "xlb_backend_up", "gauge",
		  "Health state in the maps: 1 up, 0 down (taken out by the health checks).");
	for (unsigned int k = 0; k < m->nr_bes; k++)
		evbuffer_add_printf(b, "xlb_backend_up{%s} %d\n", m->bes[k].labels,
				    m->bes[k].be.health == XLB_HEALTH_UP);
	prom_head(b, "xlb_backend_admin_state", "gauge",
		  "Admin state set by people: 1 for the current state, 0 for the others.");
	for (unsigned int k = 0; k < m->nr_bes; k++)
		for (int s = 0; s < 3; s++)
			evbuffer_add_printf(b, "xlb_backend_admin_state{%s,state=\"%s\"} %d\n",
					    m->bes[k].labels, admin_states[s],
					    m->bes[k].be.admin == s);

	prom_head(b, "xlb_backend_check_latency_seconds", "gauge",
		  "Duration of the last health probe, whatever its result.");
	for (unsigned int k = 0; k < m->nr_bes; k++) {
		const struct health_target *t = m->bes[k].t;

		if (t && t->checks_ok + t->checks_failed > 0)
			evbuffer_add_printf(b, "xlb_backend_check_latency_seconds{%s} %.6f\n",
					    m->bes[k].labels, t->last_latency_us / 1e6);
	}
	prom_head(b, "xlb_backend_checks_total", "counter", "Health probes by result.");
	for (unsigned int k = 0; k < m->nr_bes; k++) {
		const struct health_target *t = m->bes[k].t;

		if (!t)
			continue;
		evbuffer_add_printf(b, "xlb_backend_checks_total{%s,result=\"ok\"} %lu\n",
				    m->bes[k].labels, t->checks_ok);
		evbuffer_add_printf(b, "xlb_backend_checks_total{%s,result=\"failed\"} %lu\n",
				    m->bes[k].labels, t->checks_failed);
	}
	prom_head(b, "xlb_backend_health_transitions_total", "counter",
		  "Health state changes (up to down or down to up) written by xlbd.");
	for (unsigned int k = 0; k < m->nr_bes; k++)
		if (m->bes[k].t)
			evbuffer_add_printf(b, "xlb_backend_health_transitions_total{%s} %lu\n",
					    m->bes[k].labels, m->bes[k].t->transitions);

	prom_head(b, "xlb_verdicts_total", "counter", "XDP verdicts of the program.");
	for (int c = XLB_CNT_PASS; c <= XLB_CNT_DROP; c++)
		evbuffer_add_printf(b, "xlb_verdicts_total{verdict=\"%s\"} %llu\n",
				    xlb_counter_name(c), m->verdicts[c]);
	prom_head(b, "xlb_drops_total", "counter", "Drops by reason; each is also a drop verdict.");
	for (int c = XLB_CNT_DROP + 1; c < XLB_CNT_MAX; c++) {
		const char *name = xlb_counter_name(c);

		if (!strncmp(name, "drop_", 5))
			name += 5;
		evbuffer_add_printf(b, "xlb_drops_total{reason=\"%s\"} %llu\n", name,
				    m->verdicts[c]);
	}

	prom_head(b, "xlb_flows", "gauge",
		  "Entries in the flow tables, IPv4 and IPv6 (large tables: cached up to 5 s).");
	if (m->fc.valid)
		evbuffer_add_printf(b, "xlb_flows %llu\n", m->fc.value);
	prom_head(b, "xlb_flows_capacity", "gauge", "Entries the flow tables can hold.");
	evbuffer_add_printf(b, "xlb_flows_capacity %llu\n", m->flow_capacity);
	prom_head(b, "xlb_config_reload_timestamp_seconds", "gauge",
		  "Unix time the config was last loaded or reloaded.");
	evbuffer_add_printf(b, "xlb_config_reload_timestamp_seconds %lld\n",
			    (long long)d->last_reload);
	if (d->mysql)
		render_mysql_metrics(d->mysql, b);
}

/* ---- /status ---- */

static void json_stats(struct evbuffer *b, const struct xlb_stats *st, bool drops)
{
	evbuffer_add_printf(b, "\"packets\":%llu,\"bytes\":%llu,\"new_flows\":%llu", st->packets,
			    st->bytes, st->new_flows);
	if (drops)
		evbuffer_add_printf(b, ",\"drops\":%llu", st->drops);
}

static void render_backend(struct evbuffer *b, const struct be_row *r)
{
	const struct health_target *t = r->t;

	evbuffer_add_printf(b, "{\"slot\":%u,\"address\":", r->slot);
	json_str(b, r->addr);
	evbuffer_add_printf(b, ",\"weight\":%u,\"admin\":\"%s\",\"health\":\"%s\",", r->be.weight,
			    xlb_admin_name(r->be.admin), xlb_health_name(r->be.health));
	json_stats(b, &r->st, false);
	evbuffer_add(b, ",\"check\":", 9);
	if (!t) {
		/* added with the CLI to a VIP xlbd does not own: nobody checks it */
		evbuffer_add(b, "null}", 5);
		return;
	}
	evbuffer_add_printf(b, "{\"checks_ok\":%lu,\"checks_failed\":%lu,\"transitions\":%lu,",
			    t->checks_ok, t->checks_failed, t->transitions);
	if (t->checks_ok + t->checks_failed > 0)
		evbuffer_add_printf(b, "\"last_latency_seconds\":%.6f}}", t->last_latency_us / 1e6);
	else
		evbuffer_add(b, "\"last_latency_seconds\":null}}", 29);
}

/* A splitter's "stats": null before its first `show stats` that parsed, else the last. */
static void render_sqlproxy_status(const struct splitter_stats *st, struct evbuffer *b)
{
	evbuffer_add(b, "\"stats\":", 8);
	if (!st) {
		evbuffer_add(b, "null", 4);
		return;
	}
	for (int c = 0; c < SPLITTER_NR_COUNTERS; c++)
		evbuffer_add_printf(b, "%s\"%s\":%lu", c ? "," : "{", splitter_counter_key(c),
				    st->counters[c]);
	evbuffer_add(b, ",\"servers\":[", 12);
	for (unsigned int k = 0; k < st->nr_servers; k++) {
		const struct splitter_server_stats *sv = &st->servers[k];

		evbuffer_add_printf(b, "%s{\"name\":", k ? "," : "");
		json_str(b, sv->name);
		evbuffer_add_printf(b, ",\"reads\":%lu,\"writes\":%lu,\"errors\":%lu}", sv->reads,
				    sv->writes, sv->errors);
	}
	evbuffer_add(b, "]}", 2);
}

/* "mysql": null without the monitor, else its nodes and splitters. */
static void render_mysql_status(const struct mysqlmon *mon, struct evbuffer *b)
{
	struct mysqlmon_node_status st;

	if (!mon) {
		evbuffer_add(b, "null", 4);
		return;
	}
	evbuffer_add_printf(b, "{\"nodes\":[");
	for (unsigned int i = 0; i < mysqlmon_nr_nodes(mon); i++) {
		const struct mysql_observation *o;

		mysqlmon_node(mon, i, &st);
		o = st.obs;
		evbuffer_add_printf(b, "%s{\"address\":\"%s\",\"checked\":%s", i ? "," : "",
				    st.addr, st.checked ? "true" : "false");
		if (!st.checked) {
			evbuffer_add(b, "}", 1);
			continue;
		}
		evbuffer_add_printf(b,
				    ",\"up\":%s,\"role\":\"%s\",\"why\":", o->up ? "true" : "false",
				    mysql_role_name(st.verdict->role));
		json_str(b, st.verdict->why);
		evbuffer_add_printf(b, ",\"read_only\":%s,\"replicating\":%s,\"lag_seconds\":",
				    !o->up	   ? "null"
				    : o->read_only ? "true"
						   : "false",
				    !o->up	     ? "null"
				    : o->replicating ? "true"
						     : "false");
		if (o->up && o->lag_s >= 0)
			evbuffer_add_printf(b, "%ld", o->lag_s);
		else
			evbuffer_add(b, "null", 4);
		evbuffer_add_printf(b,
				    ",\"checks_ok\":%lu,\"checks_failed\":%lu,"
				    "\"last_latency_seconds\":%.6f}",
				    st.checks_ok, st.checks_failed, st.latency_us / 1e6);
	}
	evbuffer_add_printf(b, "],\"splitters\":[");
	for (unsigned int i = 0; i < mysqlmon_nr_splitters(mon); i++) {
		const struct splitter *sp = mysqlmon_splitter(mon, i);

		evbuffer_add_printf(b, "%s{\"path\":", i ? "," : "");
		json_str(b, splitter_name(sp));
		evbuffer_add_printf(b, ",\"reachable\":%s,\"pushes\":%lu,\"push_errors\":%lu,",
				    !splitter_pushes(sp)     ? "null"
				    : splitter_reachable(sp) ? "true"
							     : "false",
				    splitter_pushes(sp), splitter_push_errors(sp));
		render_sqlproxy_status(splitter_stats(sp), b);
		evbuffer_add(b, "}", 1);
	}
	evbuffer_add(b, "]}", 2);
}

static void render_status(struct xlbd_metrics *m, struct evbuffer *b)
{
	const struct xlbd *d = m->d;
	unsigned int k = 0;

	evbuffer_add(b, "{\"config\":", 10);
	json_str(b, d->config_path);
	evbuffer_add(b, ",\"last_reload\":", 15);
	if (d->last_reload > 0) {
		char when[32];
		struct tm tm;

		gmtime_r(&d->last_reload, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		json_str(b, when);
	} else {
		evbuffer_add(b, "null", 4);
	}
	evbuffer_add(b, ",\"vips\":[", 9);
	for (unsigned int v = 0; v < m->nr_vips; v++) {
		const struct vip_row *r = &m->vips[v];
		bool first = true;

		evbuffer_add_printf(b, "%s{\"id\":%u,\"name\":", v ? "," : "", r->id);
		json_str(b, r->name);
		evbuffer_add(b, ",\"address\":", 11);
		json_str(b, r->addr);
		evbuffer_add_printf(b, ",\"in_config\":%s,\"scheduler\":\"%s\",\"per_packet\":%s,",
				    r->cfg ? "true" : "false", xlb_sched_name(r->vip.sched),
				    r->vip.flags & XLB_VIP_PER_PACKET ? "true" : "false");
		json_stats(b, &r->st, true);
		evbuffer_add(b, ",\"backends\":[", 13);
		/* the rows are grouped by VIP in the same order */
		for (; k < m->nr_bes && m->bes[k].vip == r; k++) {
			if (!first)
				evbuffer_add(b, ",", 1);
			first = false;
			render_backend(b, &m->bes[k]);
		}
		evbuffer_add(b, "]}", 2);
	}
	evbuffer_add(b, "],\"verdicts\":{", 14);
	for (int c = 0; c < XLB_CNT_MAX; c++)
		evbuffer_add_printf(b, "%s\"%s\":%llu", c ? "," : "", xlb_counter_name(c),
				    m->verdicts[c]);
	evbuffer_add(b, "},\"flows\":{\"entries\":", 21);
	if (m->fc.valid)
		evbuffer_add_printf(b, "%llu", m->fc.value);
	else
		evbuffer_add(b, "null", 4);
	evbuffer_add_printf(b, ",\"capacity\":%llu},\"mysql\":", m->flow_capacity);
	render_mysql_status(d->mysql, b);
	evbuffer_add(b, "}\n", 2);
}

/* ---- HTTP ---- */

static void reply_text(struct evhttp_request *req, int code, const char *reason, const char *text)
{
	struct evbuffer *b = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "text/plain; charset=utf-8");
	if (b)
		evbuffer_add(b, text, strlen(text));
	evhttp_send_reply(req, code, reason, b);
	if (b)
		evbuffer_free(b);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct xlbd_metrics *m = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	bool metrics = path && !strcmp(path, "/metrics");
	bool status = path && !strcmp(path, "/status");
	struct evbuffer *b;
	char msg[128];
	int err;

	if (!metrics && !status) {
		reply_text(req, HTTP_NOTFOUND, "Not Found", "not found: try /metrics or /status\n");
		return;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
		reply_text(req, 405, "Method Not Allowed", "method not allowed: use GET\n");
		return;
	}
	err = snapshot(m);
	if (err) {
		snprintf(msg, sizeof(msg), "cannot read xlb's maps: %s\n", strerror(-err));
		reply_text(req, HTTP_INTERNAL, "Internal Server Error", msg);
		return;
	}
	b = evbuffer_new();
	if (!b) {
		reply_text(req, HTTP_INTERNAL, "Internal Server Error", "out of memory\n");
		return;
	}
	if (metrics)
		render_metrics(m, b);
	else
		render_status(m, b);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  metrics ? "text/plain; version=0.0.4; charset=utf-8"
				  : "application/json");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

/* Our own socket rather than evhttp_bind_socket(): that one loses errno, and the error must
 * say why the address could not be had. */
static int listen_on(const struct xlbd_endpoint *ep, __u16 *port)
{
	struct sockaddr_storage ss = {};
	socklen_t len;
	int fd, one = 1, err;

	len = xlb_sockaddr(&ep->ip, ep->port, &ss);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* a restarted daemon must get its port back while old connections sit in TIME_WAIT */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 64))
		goto fail;
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		goto fail;
	*port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					       : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

struct xlbd_metrics *xlbd_metrics_start(struct xlbd *d, const struct xlbd_endpoint *listen,
					char *errbuf, size_t errlen)
{
	static const struct timeval now = { 0, 0 };
	struct xlbd_metrics *m;
	char where[XLB_VIP_STRLEN];
	int fd, err = -ENOMEM;

	format_endpoint(listen, where, sizeof(where));
	m = calloc(1, sizeof(*m));
	if (!m)
		goto fail;
	m->d = d;
	m->fc.keys = calloc(FLOW_BATCH, sizeof(struct xlb_flow6_key));
	m->fc.vals = calloc(FLOW_BATCH, sizeof(struct xlb_flow));
	m->fc.step_ev = evtimer_new(d->base, flow_step_cb, m);
	m->http = evhttp_new(d->base);
	if (!m->fc.keys || !m->fc.vals || !m->fc.step_ev || !m->http)
		goto fail;
	/* Every method reaches on_request, so that those it does not serve get 405, not 501. */
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
						    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
						    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
						    EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	/* A client that stalls must not hold a connection forever; requests have no body. */
	evhttp_set_timeout(m->http, 10);
	evhttp_set_max_headers_size(m->http, 8192);
	evhttp_set_max_body_size(m->http, 4096);
	evhttp_set_gencb(m->http, on_request, m);

	fd = listen_on(listen, &m->port);
	if (fd < 0) {
		err = fd;
		goto fail;
	}
	if (!evhttp_accept_socket_with_handle(m->http, fd)) {
		close(fd);
		goto fail;
	}
	/* The first flow count starts now, so that the first scrape of a big table has it. */
	flow_walk_start(&m->fc);
	evtimer_add(m->fc.step_ev, &now);
	return m;
fail:
	snprintf(errbuf, errlen, "cannot listen on %s: %s", where, strerror(-err));
	xlbd_metrics_stop(m);
	return NULL;
}

void xlbd_metrics_stop(struct xlbd_metrics *m)
{
	if (!m)
		return;
	if (m->http)
		evhttp_free(m->http);
	if (m->fc.step_ev)
		event_free(m->fc.step_ev);
	free(m->fc.keys);
	free(m->fc.vals);
	free(m);
}

__u16 xlbd_metrics_port(const struct xlbd_metrics *m)
{
	return m->port;
}
