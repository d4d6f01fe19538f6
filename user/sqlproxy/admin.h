/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The admin socket, through which xlbd (and an operator with socat) reads the proxy's state
 * and sets server roles and lag: a Unix stream socket at cfg.admin, mode 0600, or, when
 * cfg.admin is an ADDR:PORT (user/lib/endpoint.h), a TCP socket there, for an xlbd on another
 * machine. The same protocol over both. TCP has no authentication (a Unix socket has its file
 * mode): it belongs on a private or management address only, and the config says so.
 *
 * Protocol, HAProxy's runtime-API convention: one command a line (at most SP_ADMIN_LINE_MAX
 * bytes; a longer one gets an error reply and the connection is closed), each reply one or
 * more lines ending with an empty line, so that a script knows where it ends; a client may
 * send any number of commands on one connection. An empty line gets no reply. Commands
 * (keywords case-sensitive):
 *
 *   show servers     header "name address role lag state reads writes errors open", then a
 *                    line per server; tab-separated (xlbd finds columns by the header's names)
 *   show stats       "KEY VALUE" lines: sessions_open, sessions_total, statements, errors,
 *                    auth_failures, protocol_errors, causal_waits, causal_fallbacks, then
 *                    reads.NAME, writes.NAME and errors.NAME per server
 *   show sessions    header "id peer user db state primary replica in_trans pinned
 *                    statements", then a line per session; tab-separated, "-" for none
 *   set server NAME role primary|replica|offline      -> OK
 *   set server NAME lag SECONDS                       -> OK (0 to 1000000000)
 *   help             the list of commands
 *
 * Errors are one line "ERR: what was wrong: what was expected". Text that comes from clients
 * (peer, user, db) is shown with control characters as '?', so that no client can forge a
 * line or a column.
 */
#ifndef XLB_SQLPROXY_ADMIN_H
#define XLB_SQLPROXY_ADMIN_H

#include <stddef.h>

#include "proxy.h"

struct evbuffer;

#define SP_ADMIN_LINE_MAX 1024 /* bytes in a command, without its newline */

/*
 * A connection that sends no command, or takes none of its replies, for this long is closed
 * (HAProxy's `stats timeout`, 10 s there): a client that vanished without a FIN (a TCP peer
 * rebooted, a network cut) or one that just sits there would otherwise hold one of the few
 * connection slots for good, and once all are held xlbd's pushes are refused. A variable so
 * that the tests can shorten it; set before sp_admin_open.
 */
#define SP_ADMIN_IDLE_MS 30000
extern unsigned int sp_admin_idle_ms;

/*
 * Listens on p->cfg.admin with p->base, into p->admin_listener. A path: creates the socket's
 * parent directory if missing (0755), replaces a stale socket that nobody answers on, and
 * refuses one that answers (another xlb-sqlproxy) or a path that is not a socket. An
 * ADDR:PORT: binds it (SO_REUSEADDR; a port in use by a live listener is refused by bind).
 * Returns 0, or -errno with a one-line reason in err.
 */
int sp_admin_open(struct sp_proxy *p, char *err, size_t errlen);

/* Closes the admin connections and the socket, and removes it if it is still ours. */
void sp_admin_close(struct sp_proxy *p);

/* Runs one command line (without its newline) and appends its reply, empty line included. */
void sp_admin_exec(struct sp_proxy *p, const char *line, struct evbuffer *out);

#endif
