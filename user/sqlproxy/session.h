/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One client session: the login, then each command routed to the primary or a replica and
 * its reply relayed back. The fields up to `private` are what `show sessions` prints.
 */
#ifndef XLB_SQLPROXY_SESSION_H
#define XLB_SQLPROXY_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "proxy.h"

struct sp_session {
	TAILQ_ENTRY(sp_session) link;
	struct sp_proxy *proxy;
	uint32_t id;
	char peer[SP_ADDR_LEN]; /* the client's address */
	char user[SP_NAME_LEN]; /* "" until logged in */
	char db[65];		/* the current schema, "" for none */
	const char *state;	/* "login", "idle", "query", "connecting", "closing" */
	const char *pinned;	/* why the session is pinned to the primary, or NULL */
	int primary;		/* server index of the open primary connection, or -1 */
	int replica;		/* server index of the open replica connection, or -1 */
	bool in_trans;		/* a transaction is open (or autocommit is off) */
	uint64_t statements;	/* commands handled */

	/* private: session.c's */
	struct sp_session_priv *priv;
};

/* Starts accepting clients on p->cfg.listen. 0, or -errno with a one-line reason in err. */
int sp_sessions_listen(struct sp_proxy *p, char *err, size_t errlen);
/* Closes every session and the listener (shutdown). */
void sp_sessions_close_all(struct sp_proxy *p);

#endif
