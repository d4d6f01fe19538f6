/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xlbd's HTTP server on libevent's evhttp, on the daemon's event base:
 *   GET /metrics  Prometheus text exposition format 0.0.4
 *   GET /status   the same information as one JSON object, plus the config file and the time
 *                 of the last reload (what `xlb status` shows of the daemon), and under
 *                 "mysql" the monitored MariaDB nodes and splitters (null without [mysql]);
 *                 each splitter {"path": its admin as configured, "reachable", "pushes",
 *                 "push_errors", "stats": null or {the `show stats` counters by key,
 *                 "servers": [{"name", "reads", "writes", "errors"}]}}
 * Other paths get 404, other methods 405. HEAD works wherever GET does.
 *
 * Series (all names prefixed xlb_; `vip` is the config's VIP name when the config has the VIP,
 * else its address; `address` is "ADDR:PORT/PROTO"; `backend` is the backend's address):
 *   xlb_vip_{packets,bytes,new_flows,drops}_total{vip,address}        counter
 *   xlb_backend_{packets,bytes,new_flows}_total{vip,backend}          counter
 *   xlb_backend_weight{vip,backend}                                   gauge
 *   xlb_backend_up{vip,backend}                  gauge, 1 when the health state in the maps is up
 *   xlb_backend_admin_state{vip,backend,state="up|drain|down"}        gauge, 1 for the current
 *                                                                     state, 0 for the others
 *   xlb_backend_check_latency_seconds{vip,backend}                    gauge, last probe
 *   xlb_backend_checks_total{vip,backend,result="ok|failed"}          counter
 *   xlb_backend_health_transitions_total{vip,backend}                 counter
 *       (the three check series only for backends xlbd health-checks, the latency once a probe
 *        finished)
 *   xlb_verdicts_total{verdict="pass|tx|redirect|drop"}               counter
 *   xlb_drops_total{reason="no_backend|no_tx_port"}                   counter
 *   xlb_flows                       gauge, entries in both flow tables (see below)
 *   xlb_flows_capacity              gauge, max entries of both flow tables
 *   xlb_config_reload_timestamp_seconds  gauge, Unix time of the last (re)load, 0 for never
 * With a [mysql] section (`node` is "ADDR:PORT" as configured, `splitter` the splitter's admin
 * as configured: a Unix socket path or "ADDR:PORT"; the node series once the monitor's first
 * round has ended):
 *   xlb_mysql_node_up{node}                      gauge, 1 when the last check answered
 *   xlb_mysql_node_role{node,role="primary|replica|offline"}  gauge, 1 for the role pushed to
 *                                                the splitters, 0 for the others
 *   xlb_mysql_node_lag_seconds{node}             gauge, Seconds_Behind_Master where known
 *   xlb_mysql_splitter_up{splitter}              gauge, 1 when the last push got through (after
 *                                                the first push)
 *   xlb_mysql_splitter_push_errors_total{splitter}  counter, pushes that failed or were refused
 * and each splitter's own counters, its `show stats` read at the end of every push (`server` is
 * the splitter's [server NAME]):
 *   xlb_sqlproxy_sessions_open{splitter}                 gauge, client sessions open
 *   xlb_sqlproxy_sessions_total{splitter}                counter, client sessions accepted
 *   xlb_sqlproxy_statements_total{splitter}              counter, client commands handled
 *   xlb_sqlproxy_errors_total{splitter}                  counter, ERR packets of its own
 *   xlb_sqlproxy_auth_failures_total{splitter}           counter, logins refused
 *   xlb_sqlproxy_protocol_errors_total{splitter}         counter, sessions closed for bad input
 *   xlb_sqlproxy_causal_waits_total{splitter}            counter, reads that waited for a write
 *   xlb_sqlproxy_causal_fallbacks_total{splitter}        counter, such reads sent to the primary
 *   xlb_sqlproxy_server_queries_total{splitter,server,kind="read|write"}  counter, statements
 *                                                sent to the server, by the route they took
 *   xlb_sqlproxy_server_errors_total{splitter,server}    counter, its connections that failed
 *       A splitter not reached yet (no `show stats` understood) has none of these. One that
 *       cannot be reached any more keeps its last values, next to xlb_mysql_splitter_up 0: a
 *       counter that vanished would read as a reset; the up series says they are stale. A
 *       reply not understood also keeps the last values (and is logged once).
 *
 * Counting the flow tables walks them (there is no entry count in a BPF hash map): about
 * 400 ms for 1M entries here. A scrape counts synchronously while the last count took under
 * 50 ms; beyond that the count is refreshed at most every 5 s, by a walk in ~2 ms steps between
 * which the event loop runs other events (health checks), and a scrape reports the last
 * complete count (up to one scrape interval old). xlb_flows is absent until the first count,
 * started with the server, completes.
 */
#ifndef XLBD_METRICS_H
#define XLBD_METRICS_H

#include <stddef.h>
#include <linux/types.h>

#include "config.h"

struct xlbd;
struct xlbd_metrics;

/*
 * Listens on `listen` (IPv4 or IPv6; port 0 picks a free port) on d->base. The handlers read
 * d->maps, d->cfg, d->targets, d->mysql, d->config_path and d->last_reload at each request,
 * so the daemon may change them at any time between events. NULL on failure with one line in err:
 * "cannot listen on 127.0.0.1:9591: Address already in use".
 */
struct xlbd_metrics *xlbd_metrics_start(struct xlbd *d, const struct xlbd_endpoint *listen,
					char *err, size_t errlen);

/* Closes the listener and every open connection; NULL is fine. */
void xlbd_metrics_stop(struct xlbd_metrics *m);

/* The port listened on, in host order (useful after port 0). */
__u16 xlbd_metrics_port(const struct xlbd_metrics *m);

#endif
