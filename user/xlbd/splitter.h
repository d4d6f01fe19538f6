/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xlbd's side of an xlb-sqlproxy admin socket (one command a line, each reply one or more
 * lines ending with an empty line), reached at its [proxy] admin: a Unix socket path, or a
 * TCP ADDR:PORT for a splitter on another machine (user/lib/endpoint.h); the dialogue is the
 * same over both. A push, non-blocking on the daemon's event base and bounded by a deadline
 * (the TCP connect included):
 *   connect; `show servers` (a header line, then tab-separated rows; columns found by their
 *   header name: name, address, role, lag); each node is matched to the server whose address
 *   is the same endpoint (parsed, not compared as text); for every node whose role or lag
 *   there differs from ours, `set server NAME role R` and, for replicas and the primary,
 *   `set server NAME lag S`, each answered `OK` or `ERR: ...`; then `show stats`, whose
 *   counters are kept (the last that parsed) for the metrics; close.
 * A connection per push: a restarted splitter is found at the next push, and nothing is kept
 * open to a process that may be gone. Sending only what differs keeps the splitter's log and
 * counters quiet while everything is as it should be, and still heals one that restarted with
 * its config's roles. The stats ride on the same connection: one round trip more per
 * interval, no second schedule.
 *
 * Logged once until the situation changes: a splitter that cannot be reached (and when it is
 * back), a node the splitter does not list, an ERR answer, a `show stats` reply not
 * understood. Role changes sent are logged.
 */
#ifndef XLBD_SPLITTER_H
#define XLBD_SPLITTER_H

#include <stdbool.h>
#include <event2/event.h>

#include "config.h"
#include "mysqlroles.h"

/* What a splitter is to be told about one node. */
struct splitter_node {
	struct xlbd_endpoint addr;
	enum mysql_role role;
	unsigned int lag_s; /* replicas; ignored for the others */
};

/*
 * `show stats` of a splitter (user/sqlproxy/admin.h): "KEY VALUE" lines, the proxy's counters
 * by name, then reads.NAME, writes.NAME and errors.NAME per server. Parsed by key, in any
 * order; keys not known here (a newer splitter's) are skipped. Every counter below must be
 * there, each once, as a whole decimal number; every server listed must have all three.
 */
enum splitter_counter {
	SPLITTER_SESSIONS_OPEN, /* a gauge: client sessions now */
	SPLITTER_SESSIONS_TOTAL,
	SPLITTER_STATEMENTS,
	SPLITTER_ERRORS, /* ERR packets the proxy itself sent */
	SPLITTER_AUTH_FAILURES,
	SPLITTER_PROTOCOL_ERRORS,
	SPLITTER_CAUSAL_WAITS,
	SPLITTER_CAUSAL_FALLBACKS,
	SPLITTER_NR_COUNTERS,
};

/* Servers of one splitter: beyond its own limit (SP_MAX_SERVERS, 16), so that a newer one
 * with more still fits. */
#define SPLITTER_MAX_SERVERS 32
#define SPLITTER_NAME_LEN 64

struct splitter_server_stats {
	char name[SPLITTER_NAME_LEN];
	unsigned long reads, writes, errors; /* statements routed there by kind; its failures */
	unsigned int seen;		     /* which of the three the reply had, bits */
};

struct splitter_stats {
	unsigned long counters[SPLITTER_NR_COUNTERS];
	unsigned int seen; /* bit per counter */
	struct splitter_server_stats servers[SPLITTER_MAX_SERVERS];
	unsigned int nr_servers; /* in the reply's order */
};

/* The key of each counter in `show stats`. */
const char *splitter_counter_key(enum splitter_counter c);

/* Empties st before a reply's first line. */
void splitter_stats_init(struct splitter_stats *st);
/* One line of the reply (without its newline, not the empty last one). 0, or -EINVAL with
 * why (one line) for an ERR answer, a line that is not "KEY VALUE", a value that is not a
 * whole number, a key given twice, or more than SPLITTER_MAX_SERVERS servers. */
int splitter_stats_line(struct splitter_stats *st, const char *line, char *why, size_t whylen);
/* After the empty line: 0, or -EINVAL with why when a counter or a server's field is missing. */
int splitter_stats_end(const struct splitter_stats *st, char *why, size_t whylen);
/* A whole reply as read from the socket, its terminating empty line included (a reply cut
 * short is -EINVAL); the three above in turn. */
int splitter_stats_parse(const char *reply, struct splitter_stats *st, char *why, size_t whylen);

struct splitter;

/* A splitter at `admin` (copied): a Unix socket path or ADDR:PORT (endpoint.h); NULL when
 * out of memory or admin is neither. */
struct splitter *splitter_new(struct event_base *base, const char *admin);

/* Ends a push under way (nothing more is sent) and frees s; NULL is fine. */
void splitter_free(struct splitter *s);

/*
 * Pushes nodes[0..n) (copied; n <= XLBD_MAX_MYSQL_NODES), within timeout_ms. When a push is
 * still under way, this one starts as soon as it ends, with these nodes (only the latest
 * waits). Results go to the log and the counters below.
 */
void splitter_push(struct splitter *s, const struct splitter_node *nodes, unsigned int n,
		   int timeout_ms);

/* Its admin socket as configured (a path or ADDR:PORT): the metrics' label. */
const char *splitter_name(const struct splitter *s);
/* The counters of the last `show stats` that parsed, kept while the splitter cannot be
 * reached; NULL before the first. */
const struct splitter_stats *splitter_stats(const struct splitter *s);
/* The last push ended well (false before the first one ended). */
bool splitter_reachable(const struct splitter *s);
/* Pushes that failed: no connection, a timeout, a reply not understood, an ERR answer. */
unsigned long splitter_push_errors(const struct splitter *s);
/* Pushes that ended, well or not. */
unsigned long splitter_pushes(const struct splitter *s);
bool splitter_busy(const struct splitter *s);

#endif
