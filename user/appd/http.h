/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * appd's HTTP API on libevent's evhttp: routing, the request checks and the JSON replies.
 * The database calls are synchronous in the event loop (db.h says why that is enough here).
 */
#ifndef XLB_APPD_HTTP_H
#define XLB_APPD_HTTP_H

#include <stddef.h>

#include <event2/event.h>
#include <event2/http.h>

#include "appd_config.h"
#include "db.h"
#include "notes.h"

/*
 * Bodies up to max_body + this are read and refused with a JSON 413. Larger ones libevent
 * refuses itself, on their Content-Length before reading them (or as a chunked body grows),
 * also with 413 but its own small HTML body: evhttp 2.1 has no hook for that reply.
 */
#define APPD_BODY_SLACK (64 * 1024)

/* The error of every 503: what failed (the splitter's address, the user, the server's own
 * message) is for the operator, in the log, never for whoever sent the request. */
#define APPD_DB_DOWN "the database is unavailable: try again later"

struct appd_http {
	struct evhttp *http;
	const struct appd_config *cfg;
	struct appd_db *db;
	struct appd_note *notes; /* APPD_LIMIT_MAX, for a list */
};

/* Binds cfg->listen; 0 or -errno with one line in err. */
int appd_http_start(struct appd_http *h, struct event_base *base, const struct appd_config *cfg,
		    struct appd_db *db, char *err, size_t errlen);
void appd_http_stop(struct appd_http *h);

#endif
