/* SPDX-License-Identifier: GPL-2.0-only */
/* The daemon's own view for `xlb status`: its /status JSON, fetched from its metrics address. */
#ifndef XLB_DAEMON_STATUS_H
#define XLB_DAEMON_STATUS_H

/* The metrics address asked: $XLB_METRICS (ADDR:PORT or [ADDR6]:PORT), else xlbd's default. */
const char *daemon_status_address(void);
/* The body of GET /status, malloc'ed, or NULL when no daemon answers within a moment. */
char *daemon_status_fetch(void);

#endif
