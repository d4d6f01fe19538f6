/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where a statement may run: a real lexer over the SQL text (comments, quoting, case,
 * executable comments), not a regex. Pure: no I/O, no allocation, safe on any bytes.
 */
#ifndef XLB_SQLPROXY_LEXER_H
#define XLB_SQLPROXY_LEXER_H

#include <stddef.h>

enum sql_route {
	SQL_ROUTE_WRITE,   /* the primary */
	SQL_ROUTE_READ,	   /* a replica may run it */
	SQL_ROUTE_SESSION, /* session state: the primary and every open replica connection,
			    * and replayed on connections opened later */
};

/* Flags: more about a statement than its route. */
enum sql_flag {
	SQL_F_PIN = 1u << 0,	    /* pins the session to the primary for good (why says why) */
	SQL_F_HINT_PRIMARY = 1u << 1, /* a comment hint forces the primary */
	SQL_F_MULTI = 1u << 2,	    /* more than one statement */
	SQL_F_LAST_SERVER = 1u << 3, /* SHOW WARNINGS and kin: where the previous one ran */
	SQL_F_USE = 1u << 4,	    /* USE db (session state that changes the schema) */
};

struct sql_class {
	enum sql_route route;
	unsigned int flags;
	const char *why; /* a static phrase for logs and `show sessions`: "temporary table" */
};

/* Classifies len bytes of SQL (not NUL-terminated). Never fails: what it cannot tell is
 * SQL_ROUTE_WRITE, so that no write can ever reach a replica.
 *
 * Always: why is non-NULL; PIN, HINT_PRIMARY and MULTI come with SQL_ROUTE_WRITE only,
 * LAST_SERVER with SQL_ROUTE_READ only, USE with SQL_ROUTE_SESSION only. Session state that
 * ends up on the primary alone (in a multi-statement, under the hint, SET x = LAST_INSERT_ID())
 * pins, why "session state on the primary": the replicas' sessions would differ otherwise. */
void sql_classify(const char *sql, size_t len, struct sql_class *out);

#endif
