/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * appd's one database session: a MariaDB Connector/C connection to the local xlb-sqlproxy,
 * used synchronously from the event loop. appd is a small demo behind nginx; one session
 * serialises its requests, and that is also what makes the splitter's causal reads hold for
 * all of them: a GET after a POST on the same appd sees the note even when it reads from the
 * replica. Every statement that carries input is a prepared statement (xlb-sqlproxy sends
 * those to the primary); reads without input are plain queries, which it may send to a
 * replica. Each read asks for @@server_id in the same statement, so the id reported is the
 * server that answered it.
 *
 * Functions return 0 or -errno: -ENOENT (no such note), -ENOMEM, or for the database's
 * failures -ECONNREFUSED (cannot connect), -ECONNRESET (the session broke; it is closed and
 * the next call reconnects), -EIO (the statement failed); db->err then holds one line.
 * A read that breaks a session kept from an earlier request at once (not by running out of
 * time) is run once more on a new one; a write never is.
 */
#ifndef XLB_APPD_DB_H
#define XLB_APPD_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mysql/mysql.h>

#include "appd_config.h"
#include "notes.h"

struct appd_db {
	const struct appd_config *cfg;
	const char *password;
	MYSQL *my; /* NULL while disconnected */
	char err[256];
};

/* Nothing is connected until the first call that needs it. */
void appd_db_init(struct appd_db *db, const struct appd_config *cfg, const char *password);
void appd_db_close(struct appd_db *db);

/* The newest notes, at most limit (0: APPD_LIMIT_MAX, as a plain query) into notes[], which
 * holds APPD_LIMIT_MAX; *n how many; *server_id the server that answered. */
int appd_db_list(struct appd_db *db, unsigned int limit, struct appd_note *notes, size_t *n,
		 unsigned long long *server_id);
/* One note; -ENOENT (with *server_id set) when there is none. */
int appd_db_get(struct appd_db *db, uint64_t id, struct appd_note *note,
		unsigned long long *server_id);
/* Stores a note; *id: its new id. */
int appd_db_insert(struct appd_db *db, const char *text, size_t text_len, const char *author,
		   size_t author_len, uint64_t *id);
/* @@server_id and @@read_only of the server that answers a read. */
int appd_db_whoami(struct appd_db *db, unsigned long long *server_id, bool *read_only);
/* Whether a statement whose session broke is worth a new session and one more try: only
 * when the session was open before the request (a stale one, e.g. the splitter restarted
 * meanwhile) and it broke before the timeout ran out (a hung splitter would hang again). */
bool appd_db_worth_again(bool was_open, unsigned int elapsed_ms, unsigned int timeout_ms);
/* A real query through the splitter (its COM_PING reply proves nothing about the database). */
int appd_db_health(struct appd_db *db, unsigned long long *server_id);

#endif
