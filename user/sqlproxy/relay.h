/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A backend's reply to one command, relayed packet by packet as it streams in: where it ends,
 * the server status it leaves (transaction, autocommit, more results), and what the client
 * must see instead where the backend connection speaks more of the protocol than the client.
 *
 * The backend connection is opened by Connector/C, which always asks a MariaDB server for
 * session tracking and the MariaDB extensions (extended column metadata, metadata caching,
 * progress reports). The proxy offers clients none of them, so the relay
 *   - drops the session-state part of OK packets and the SESSION_STATE_CHANGED flag,
 *   - drops the extended type information from column definitions,
 *   - drops the "metadata follows" byte after a column count, and when a COM_STMT_EXECUTE's
 *     reply skips the column definitions (cached metadata), sends the cached ones,
 *   - drops progress-report packets (ERR 0xffff).
 * Packets are renumbered from the client's sequence: the proxy may add or drop some.
 * Neither side may have CLIENT_DEPRECATE_EOF (Connector/C never asks for it; the proxy does
 * not offer it): results end with EOF packets.
 */
#ifndef XLB_SQLPROXY_RELAY_H
#define XLB_SQLPROXY_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct evbuffer;

/* The shape of the reply, from the command that asked for it. */
enum relay_kind {
	RELAY_QUERY,	    /* COM_QUERY: OK, ERR or text result sets, maybe several */
	RELAY_STMT_PREPARE, /* COM_STMT_PREPARE: prepare-OK and its definitions, or ERR */
	RELAY_STMT_EXECUTE, /* COM_STMT_EXECUTE: OK, ERR or binary result sets */
	RELAY_STMT_FETCH,   /* COM_STMT_FETCH: binary rows then EOF, or ERR */
	RELAY_FIELD_LIST,   /* COM_FIELD_LIST: column definitions then EOF, or ERR */
	RELAY_SIMPLE,	    /* OK or ERR (or EOF, for COM_SET_OPTION) */
	RELAY_STATISTICS,   /* COM_STATISTICS: one string packet */
};

/* The column definitions of the prepared statements of one backend connection, for replies
 * that skip them (MARIADB_CLIENT_CACHE_METADATA). */
struct relay_stmts;
struct relay_stmts *relay_stmts_new(void);
void relay_stmts_free(struct relay_stmts *s);
void relay_stmts_forget(struct relay_stmts *s, uint32_t stmt_id); /* COM_STMT_CLOSE */
void relay_stmts_clear(struct relay_stmts *s); /* COM_RESET_CONNECTION, COM_CHANGE_USER */

struct relay {
	/* results, readable at any time */
	uint16_t status;   /* the server status of the last OK or EOF, 0 while none came: after
			    * an ERR reply the status is unknown, keep the previous one */
	uint16_t err_code; /* the ERR that ended the reply, or 0 */
	uint32_t stmt_id;  /* the id a COM_STMT_PREPARE got */
	bool emitted;	   /* something went to the client already */
	/* with out == NULL (the proxy's own queries): the first column of the first row */
	char value[256];
	bool has_value, value_null;
	/* the session's last GTID, when an OK reported a change of last_gtid (the proxy asks
	 * the primary to track it: session_track_system_variables) */
	char gtid[128];
	bool has_gtid;
	/* the schema an OK reported as the new current one (USE, COM_INIT_DB...) */
	char schema[65];
	bool has_schema;

	/* private */
	enum relay_kind kind;
	uint64_t backend_caps; /* with MariaDB's extended capabilities in bits 32..63 */
	uint32_t client_caps;
	struct relay_stmts *stmts;
	uint32_t exec_stmt_id;
	int state;
	uint64_t left;	/* definitions left in this part */
	bool continued; /* the previous packet was 16 MB - 1: this one continues it */
	bool caching;	/* the definitions being relayed replace the statement's cached ones */
	uint32_t params, columns;
	struct evbuffer *defs; /* definitions being collected for the cache */
};

/* Starts a reply. stmts may be NULL (no statements on this connection); stmt_id is the
 * statement a COM_STMT_EXECUTE runs. */
void relay_begin(struct relay *r, enum relay_kind kind, uint64_t backend_caps, uint32_t client_caps,
		 struct relay_stmts *stmts, uint32_t stmt_id);

/* One packet from the backend: its payload (len < 16 MB - 1 ends a logical packet). What the
 * client should see goes to out numbered from *seq, or nowhere if out is NULL. Returns 1 when
 * the reply is complete, 0 if more packets belong to it, -EPROTO if this one cannot be part
 * of such a reply (the connection is then unusable), -ENOMEM. With out == NULL, seq is not
 * used (may be NULL). A COM_STMT_EXECUTE that opens a cursor is complete after its column
 * definitions (status has SERVER_STATUS_CURSOR_EXISTS, 0x40). What the relay held is freed
 * when it returns anything but 0. */
int relay_feed(struct relay *r, const uint8_t *payload, size_t len, struct evbuffer *out,
	       uint8_t *seq);

/* Frees what a reply cut short (the backend lost) holds. Safe after completion too. */
void relay_end(struct relay *r);

#endif
