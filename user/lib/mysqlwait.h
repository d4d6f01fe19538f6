/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Connector/C's non-blocking API on a libevent loop: a _start or _cont call returns what it
 * waits for (MYSQL_WAIT_* bits); these turn that into an event and the event back into the
 * bits the next _cont call takes. Shared by xlbd's MySQL checks and xlb-sqlproxy's backends.
 */
#ifndef XLB_MYSQLWAIT_H
#define XLB_MYSQLWAIT_H

#include <event2/event.h>
#include <mysql/mysql.h>

/* Arms ev (already created, maybe pending) for what status asks: the connector's socket,
 * asked for each time (a connect may try more than one), and its timeout. 0 or -errno. */
int mysql_wait_arm(struct event *ev, MYSQL *my, int status, event_callback_fn cb, void *arg);

/* The MYSQL_WAIT_* bits for what libevent reported. */
int mysql_wait_ready(short what);

#endif
