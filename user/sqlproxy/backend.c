// SPDX-License-Identifier: GPL-2.0-only
/*
 * Backend connections (backend.h): Connector/C logs in without blocking, driven by the
 * event loop; then a buffered connection (conn.h) on the same socket carries raw packets both
 * ways.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/util.h>
#include <mysql/mysql.h>

#include "backend.h"
#include "conn.h"
#include "log.h"
#include "mysqlwait.h"
#include "protocol.h"
#include "relay.h"

struct sp_backend_priv {
	MYSQL *my;
	struct event *io;	/* what Connector/C waits for during the login */
	struct event *deadline; /* the login's bound */
	struct sp_conn *conn;	/* the raw packets, once logged in */
	const struct sp_backend_ops *ops;
	void *arg;
	/* Connector/C reads these while the login runs: the backend's own copies */
	char user[SP_NAME_LEN], password[SP_PASSWORD_LEN], db[65], charset[32];
	unsigned long flags;
	bool paused; /* the session takes no more packets for now */
	int depth;   /* callbacks running: a close inside one frees when they return */
	bool closed; /* sp_backend_close was called: no more callbacks */
};

static void backend_free(struct sp_backend *b)
{
	struct sp_backend_priv *bp = b->priv;
	evutil_socket_t fd = bp->my ? mysql_get_socket(bp->my) : -1;

	if (bp->conn) {
		/* COM_QUIT, so that the server counts a clean close and logs no aborted
		 * connection; skipped when a command is still going out */
		static const uint8_t quit[] = { 1, 0, 0, 0, MYSQL_COM_QUIT };

		if (!evbuffer_get_length(sp_conn_out(bp->conn)) && fd >= 0 &&
		    send(fd, quit, sizeof(quit), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			pr_debug("sqlproxy: COM_QUIT to %s: %s\n",
				 b->proxy->cfg.servers[b->server].name, strerror(errno));
		sp_conn_free(bp->conn);
	}
	/* mysql_close() would send COM_QUIT in blocking mode: a shut-down socket fails it at
	 * once, whatever state the connection is in */
	if (fd >= 0)
		shutdown(fd, SHUT_RDWR);
	if (bp->my)
		mysql_close(bp->my);
	if (bp->io)
		event_free(bp->io);
	if (bp->deadline)
		event_free(bp->deadline);
	explicit_bzero(bp->password, sizeof(bp->password));
	if (b->stmts)
		relay_stmts_free(b->stmts);
	b->proxy->cfg.servers[b->server].stats.open--;
	free(bp);
	free(b);
}

/* Leaves a callback: frees the backend if it was closed inside. */
static void backend_put(struct sp_backend *b)
{
	if (--b->priv->depth == 0 && b->priv->closed)
		backend_free(b);
}

void sp_backend_close(struct sp_backend *b)
{
	if (!b)
		return;
	b->priv->closed = true;
	if (b->priv->conn)
		sp_conn_pause(b->priv->conn, true);
	if (b->priv->depth == 0)
		backend_free(b);
}

/* ---- after the login: raw packets ---- */

static void process_packets(struct sp_backend *b)
{
	struct sp_backend_priv *bp = b->priv;
	struct evbuffer *in = sp_conn_in(bp->conn);
	size_t len;
	uint8_t seq;

	bp->depth++;
	while (!bp->closed && !bp->paused && mysql_packet_peek(in, &len, &seq) == 1) {
		const uint8_t *pkt = evbuffer_pullup(in, MYSQL_HEADER_LEN + len);

		if (!pkt) {
			bp->ops->lost(bp->arg, b, "out of memory");
			break;
		}
		bp->ops->packet(bp->arg, b, pkt + MYSQL_HEADER_LEN, len);
		if (!bp->closed)
			evbuffer_drain(in, MYSQL_HEADER_LEN + len);
	}
	backend_put(b);
}

static void on_readable(void *ctx)
{
	process_packets(ctx);
}

static void on_closed(void *ctx, const char *why)
{
	struct sp_backend *b = ctx;

	b->priv->depth++;
	b->priv->ops->lost(b->priv->arg, b, why);
	backend_put(b);
}

static const struct sp_conn_ops conn_ops = {
	.readable = on_readable,
	.closed = on_closed,
};

int sp_backend_send(struct sp_backend *b, const void *payload, size_t len)
{
	uint8_t seq = 0;

	if (!b->priv->conn || b->priv->closed)
		return -ENOTCONN;
	return mysql_write_packet(sp_conn_out(b->priv->conn), &seq, payload, len);
}

void sp_backend_pause(struct sp_backend *b, bool pause)
{
	b->priv->paused = pause;
	/* resuming calls readable again for the packets already read */
	if (b->priv->conn)
		sp_conn_pause(b->priv->conn, pause);
}

/* ---- the login, with Connector/C's non-blocking API ---- */

/* The capabilities the connection ended up with: the connector's flags that the server
 * has, and MariaDB's extended ones, which the connector always asks a MariaDB server for. */
static uint64_t negotiated_caps(MYSQL *my)
{
	unsigned long client = 0, server = 0, ext = 0;
	uint64_t caps;

	mariadb_get_infov(my, MARIADB_CONNECTION_CLIENT_CAPABILITIES, &client);
	mariadb_get_infov(my, MARIADB_CONNECTION_SERVER_CAPABILITIES, &server);
	mariadb_get_infov(my, MARIADB_CONNECTION_EXTENDED_SERVER_CAPABILITIES, &ext);
	caps = client & server & 0xffffffffu;
	if (!(server & CLIENT_MYSQL))
		caps |= ((uint64_t)ext << 32) & MARIADB_CLIENT_SUPPORTED_FLAGS;
	return caps;
}

static void login_done(struct sp_backend *b, const char *error, unsigned int code)
{
	struct sp_backend_priv *bp = b->priv;
	struct sp_proxy *p = b->proxy;
	char copy[256];

	event_del(bp->io);
	event_del(bp->deadline);
	if (!error) {
		evutil_socket_t fd = mysql_get_socket(bp->my);

		b->caps = negotiated_caps(bp->my);
		snprintf(p->server_version, sizeof(p->server_version), "5.5.5-%s",
			 mysql_get_server_info(bp->my));
		/* the socket stays Connector/C's: mysql_close() closes it */
		bp->conn = fd >= 0 && !evutil_make_socket_nonblocking(fd)
				   ? sp_conn_new(p->base, fd, false, &conn_ops, b)
				   : NULL;
		if (!bp->conn) {
			error = "cannot set up the connection (out of memory)";
			code = 2008;
		}
	}
	/* error may be mysql_error(), which goes with the handle */
	if (error)
		snprintf(copy, sizeof(copy), "%s", error);
	bp->depth++;
	bp->ops->connected(bp->arg, b, error ? copy : NULL, code);
	backend_put(b);
}

static void on_login_io(evutil_socket_t fd, short what, void *ctx);

static void login_run(struct sp_backend *b, int ready)
{
	struct sp_backend_priv *bp = b->priv;
	const struct sp_server *srv = &b->proxy->cfg.servers[b->server];
	MYSQL *connected;
	int status;

	status = ready ? mysql_real_connect_cont(&connected, bp->my, ready)
		       : mysql_real_connect_start(&connected, bp->my, srv->host, bp->user,
						  bp->password, *bp->db ? bp->db : NULL, srv->port,
						  NULL, bp->flags);
	if (!status) {
		if (connected)
			login_done(b, NULL, 0);
		else
			login_done(b, mysql_error(bp->my), mysql_errno(bp->my));
		return;
	}
	if (mysql_wait_arm(bp->io, bp->my, status, on_login_io, b))
		login_done(b, "cannot wait for the server (out of memory)", 2008);
}

static void on_login_io(evutil_socket_t fd, short what, void *ctx)
{
	(void)fd;
	login_run(ctx, mysql_wait_ready(what));
}

/* The login starts from the loop, so that open never calls back before it returned. */
static void on_login_start(evutil_socket_t fd, short what, void *ctx)
{
	(void)fd, (void)what;
	login_run(ctx, 0);
}

static void on_login_deadline(evutil_socket_t fd, short what, void *ctx)
{
	struct sp_backend *b = ctx;
	char why[128];

	(void)fd, (void)what;
	snprintf(why, sizeof(why), "no answer from %s within %u ms",
		 b->proxy->cfg.servers[b->server].address, b->proxy->cfg.connect_timeout_ms);
	login_done(b, why, 2013);
}

struct sp_backend *sp_backend_open(struct sp_proxy *p, int server,
				   const struct sp_backend_login *login,
				   const struct sp_backend_ops *ops, void *arg)
{
	unsigned int timeout_s = (p->cfg.connect_timeout_ms + 999) / 1000, no_local_infile = 0;
	struct timeval tv = { p->cfg.connect_timeout_ms / 1000,
			      p->cfg.connect_timeout_ms % 1000 * 1000 };
	struct sp_backend_priv *bp;
	struct sp_backend *b;

	b = calloc(1, sizeof(*b));
	bp = calloc(1, sizeof(*bp));
	if (!b || !bp)
		goto fail;
	b->priv = bp;
	b->proxy = p;
	b->server = server;
	bp->ops = ops;
	bp->arg = arg;
	snprintf(bp->user, sizeof(bp->user), "%s", login->user);
	snprintf(bp->password, sizeof(bp->password), "%s", login->password);
	snprintf(bp->db, sizeof(bp->db), "%s", login->db ? login->db : "");
	if (login->charset)
		snprintf(bp->charset, sizeof(bp->charset), "%s", login->charset);
	bp->flags = login->client_flags;
	b->stmts = relay_stmts_new();
	bp->my = mysql_init(NULL);
	bp->io = event_new(p->base, -1, 0, on_login_start, b);
	bp->deadline = evtimer_new(p->base, on_login_deadline, b);
	if (!b->stmts || !bp->my || !bp->io || !bp->deadline)
		goto fail_open;
	/* no LOAD DATA LOCAL: the proxy offers clients no local files either */
	if (mysql_options(bp->my, MYSQL_OPT_NONBLOCK, 0) ||
	    mysql_options(bp->my, MYSQL_OPT_CONNECT_TIMEOUT, &timeout_s) ||
	    mysql_options(bp->my, MYSQL_OPT_LOCAL_INFILE, &no_local_infile) ||
	    (*bp->charset && mysql_options(bp->my, MYSQL_SET_CHARSET_NAME, bp->charset)) ||
	    evtimer_add(bp->deadline, &tv))
		goto fail_open;
	p->cfg.servers[server].stats.open++;
	p->cfg.servers[server].stats.connections++;
	event_active(bp->io, EV_TIMEOUT, 0);
	return b;
fail_open:
	p->cfg.servers[server].stats.open++; /* backend_free counts it down */
	backend_free(b);
	return NULL;
fail:
	free(bp);
	free(b);
	return NULL;
}
