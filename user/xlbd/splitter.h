/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xlbd's side of an xlb-sqlproxy admin socket (a Unix socket; one command a line, each reply
 * one or more lines ending with an empty line). A push, non-blocking on the daemon's event
 * base and bounded by a deadline:
 *   connect; `show servers` (a header line, then tab-separated rows; columns found by their
 *   header name: name, address, role, lag); each node is matched to the server whose address
 *   is the same endpoint (parsed, not compared as text); for every node whose role or lag
 *   there differs from ours, `set server NAME role R` and, for replicas and the primary,
 *   `set server NAME lag S`, each answered `OK` or `ERR: ...`; close.
 * A connection per push: a restarted splitter is found at the next push, and nothing is kept
 * open to a process that may be gone. Sending only what differs keeps the splitter's log and
 * counters quiet while everything is as it should be, and still heals one that restarted with
 * its config's roles.
 *
 * Logged once until the situation changes: a splitter that cannot be reached (and when it is
 * back), a node the splitter does not list, an ERR answer. Role changes sent are logged.
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

struct splitter;

/* A splitter at the admin socket `path` (copied); NULL when out of memory. */
struct splitter *splitter_new(struct event_base *base, const char *path);

/* Ends a push under way (nothing more is sent) and frees s; NULL is fine. */
void splitter_free(struct splitter *s);

/*
 * Pushes nodes[0..n) (copied; n <= XLBD_MAX_MYSQL_NODES), within timeout_ms. When a push is
 * still under way, this one starts as soon as it ends, with these nodes (only the latest
 * waits). Results go to the log and the counters below.
 */
void splitter_push(struct splitter *s, const struct splitter_node *nodes, unsigned int n,
		   int timeout_ms);

const char *splitter_path(const struct splitter *s);
/* The last push ended well (false before the first one ended). */
bool splitter_reachable(const struct splitter *s);
/* Pushes that failed: no connection, a timeout, a reply not understood, an ERR answer. */
unsigned long splitter_push_errors(const struct splitter *s);
/* Pushes that ended, well or not. */
unsigned long splitter_pushes(const struct splitter *s);
bool splitter_busy(const struct splitter *s);

#endif
