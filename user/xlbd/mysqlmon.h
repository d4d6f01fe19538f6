/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The [mysql] monitor (issue 4): every interval, one round of checks of every MariaDB node,
 * then the roles (mysqlroles.h) pushed to every splitter (splitter.h).
 *
 * A check runs `SELECT @@read_only` and `SHOW SLAVE STATUS` on a connection kept open from
 * one check to the next (a monitor at 200 ms would otherwise log in five times a second per
 * node); a connection that broke in between is opened anew within the same check. Each check
 * has a deadline (9/10 of the interval, at most 5 s), so a node that hangs never holds the
 * round up beyond it, and the round's push starts before the next round does. Everything is
 * non-blocking on the daemon's event base (Connector/C's non-blocking API, mysqlconn.h).
 *
 * The credentials: [mysql] user and the first line of password_file, read when the monitor
 * starts (and at each reload); no password_file is an empty password.
 *
 * Logged: a node's role when it changes (with why it is offline), a warning while several
 * nodes are writable (once per change), and what splitter.h says once.
 */
#ifndef XLBD_MYSQLMON_H
#define XLBD_MYSQLMON_H

#include <stdbool.h>
#include <event2/event.h>

#include "config.h"
#include "mysqlroles.h"
#include "splitter.h"

/* A check's deadline is 9/10 of the interval, and at most this. */
#define MYSQLMON_MAX_TIMEOUT_MS 5000

struct mysqlmon;

/* What the metrics show of one node. */
struct mysqlmon_node_status {
	char addr[XLB_VIP_STRLEN];	     /* "ADDR:PORT" */
	bool checked;			     /* a round has ended since the monitor started */
	const struct mysql_observation *obs; /* the last check */
	const struct mysql_verdict *verdict; /* its role from the last round */
	unsigned long checks_ok, checks_failed;
	long latency_us; /* of the last check */
};

/* Starts monitoring cfg's nodes (the section is copied) on base; the first round starts at
 * once. NULL with errno set when out of memory. */
struct mysqlmon *mysqlmon_start(struct event_base *base, const struct xlbd_mysql *cfg);

/* Stops every check and push under way, closes the connections; NULL is fine. */
void mysqlmon_stop(struct mysqlmon *m);

/*
 * For a reload: *m keeps running when cfg (and the password file's first line) is what it
 * runs with; otherwise it is stopped and, when cfg->present, a new one started. 0, or -ENOMEM
 * (then *m is NULL: nothing is monitored).
 */
int mysqlmon_apply(struct mysqlmon **m, struct event_base *base, const struct xlbd_mysql *cfg);

unsigned int mysqlmon_nr_nodes(const struct mysqlmon *m);
void mysqlmon_node(const struct mysqlmon *m, unsigned int i, struct mysqlmon_node_status *out);
unsigned int mysqlmon_nr_splitters(const struct mysqlmon *m);
const struct splitter *mysqlmon_splitter(const struct mysqlmon *m, unsigned int i);
/* Rounds ended since the start. */
unsigned long mysqlmon_rounds(const struct mysqlmon *m);

#endif
