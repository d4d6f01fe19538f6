// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <mysql/mysql.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "mysqlconn.h"
#include "probe.h"
#include "secret.h"

/* A status line longer than this is not an HTTP server talking. */
#define STATUS_LINE_MAX 256
/* Room for a why: a server's error message, or a path and an errno. */
#define WHY_MAX 512

static long elapsed_us(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000000L + (now.tv_nsec - since->tv_nsec) / 1000;
}

static struct timeval tv_of_ms(int ms)
{
	return (struct timeval){ ms / 1000, (ms % 1000) * 1000 };
}

/* Reset rather than close: a checker must not leave a TIME_WAIT per check behind, and a
 * reset never waits for a peer that reads nothing. */
static void reset_on_close(evutil_socket_t fd)
{
	struct linger reset = { .l_onoff = 1, .l_linger = 0 };

	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
}

/* ---- HTTP and HTTPS: a request on a bufferevent, the status line of the answer ---- */

struct probe {
	struct bufferevent *bev;
	struct event *deadline;
	bool tls;
	int status; /* the one that means healthy */
	probe_done_fn done;
	void *arg;
	struct timespec start;
	char why[WHY_MAX];
};

static void finish(struct probe *p, bool ok, const char *why)
{
	probe_done_fn done = p->done;
	void *arg = p->arg;
	long us = elapsed_us(&p->start);
	char copy[WHY_MAX];

	/* why may live in p, or in the TLS state that goes with the bufferevent */
	snprintf(copy, sizeof(copy), "%s", why);
	if (!ok)
		reset_on_close(bufferevent_getfd(p->bev));
	bufferevent_free(p->bev); /* closes the socket, frees the SSL */
	event_free(p->deadline);
	free(p);
	done(arg, ok, us, copy);
}

/* "HTTP/1.x NNN ...": the status code, or -1. */
static int parse_status_line(const char *line)
{
	int major, minor, status;

	if (sscanf(line, "HTTP/%d.%d %3d", &major, &minor, &status) != 3)
		return -1;
	return status;
}

static void on_read(struct bufferevent *bev, void *ctx)
{
	struct probe *p = ctx;
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line = evbuffer_readln(in, NULL, EVBUFFER_EOL_CRLF);
	int status;

	if (!line) {
		if (evbuffer_get_length(in) > STATUS_LINE_MAX)
			finish(p, false, "no HTTP status line");
		return;
	}
	status = parse_status_line(line);
	free(line);
	if (status < 0)
		finish(p, false, "no HTTP status line");
	else
		finish(p, status == p->status, status == p->status ? "" : "wrong status");
}

/* Why a TLS connection failed: OpenSSL's reason when it has one (a server that does not
 * speak TLS gives "wrong version number" or the like), else the socket's error. */
static const char *tls_why(struct probe *p)
{
	unsigned long e = bufferevent_get_openssl_error(p->bev);
	const char *reason = e ? ERR_reason_error_string(e) : NULL;
	int err = EVUTIL_SOCKET_ERROR();

	if (reason)
		snprintf(p->why, sizeof(p->why), "TLS: %s", reason);
	else if (err)
		snprintf(p->why, sizeof(p->why), "%s", strerror(err));
	else
		snprintf(p->why, sizeof(p->why), "TLS handshake failed");
	return p->why;
}

static void on_event(struct bufferevent *bev, short what, void *ctx)
{
	struct probe *p = ctx;

	if (what & BEV_EVENT_CONNECTED) {
		/* the request waits in the output buffer from the start (for TLS, until the
		 * handshake is done, which is when this comes); now the answer */
		bufferevent_enable(bev, EV_READ);
		/* From now on a close without close_notify is the end of the answer, not an
		 * error. Not before: libevent would make a refused connection an EOF too. */
		if (p->tls)
			bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
		return;
	}
	if (what & BEV_EVENT_EOF)
		finish(p, false, "connection closed");
	else if (what & BEV_EVENT_ERROR)
		finish(p, false, p->tls ? tls_why(p) : strerror(EVUTIL_SOCKET_ERROR()));
}

static void on_deadline(evutil_socket_t fd, short what, void *ctx)
{
	(void)fd, (void)what;
	finish(ctx, false, "timeout");
}

/* The one client context of all HTTPS probes, made at the first (see probe.h). NULL when
 * OpenSSL cannot make one; the next probe tries again. */
static SSL_CTX *tls_ctx(void)
{
	static SSL_CTX *ctx;

	if (ctx)
		return ctx;
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx)
		return NULL;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	/* A server that closes without close_notify has still answered: OpenSSL 3 would make
	 * that an error (and libevent would report it before the data read with it). */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	return ctx;
}

static struct bufferevent *tls_bufferevent(struct event_base *base)
{
	SSL_CTX *ctx = tls_ctx();
	struct bufferevent *bev;
	SSL *ssl;

	if (!ctx)
		return NULL;
	ssl = SSL_new(ctx);
	if (!ssl)
		return NULL;
	/* Deferred callbacks: libevent runs a deferred read callback before a deferred event
	 * callback, so an answer that arrives with the server's close is read, not lost. */
	bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
					     BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (!bev)
		SSL_free(ssl);
	return bev;
}

static int http_probe_start(struct event_base *base, const struct sockaddr *addr, socklen_t addrlen,
			    const struct probe_spec *spec, int timeout_ms, probe_done_fn done,
			    void *arg)
{
	struct timeval tv = tv_of_ms(timeout_ms);
	struct probe *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	*p = (struct probe){
		.tls = spec->kind == PROBE_HTTPS, .status = spec->status, .done = done, .arg = arg
	};
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->bev = p->tls ? tls_bufferevent(base)
			: bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	p->deadline = evtimer_new(base, on_deadline, p);
	if (!p->bev || !p->deadline)
		goto fail;
	bufferevent_setcb(p->bev, on_read, NULL, on_event, p);
	/* Written now, sent once connected: the spec's strings are not needed after this call
	 * (a reload may free them while the probe runs). HTTP/1.0, Connection: close: one
	 * request, one answer. */
	if (evbuffer_add_printf(bufferevent_get_output(p->bev),
				"%s %s HTTP/1.0\r\nUser-Agent: xlbd\r\nConnection: close\r\n\r\n",
				spec->method, spec->path) < 0)
		goto fail;
	evtimer_add(p->deadline, &tv);
	/* A refused connection may be reported right here, through on_event: p is then gone
	 * and done was called; that is the probe's result, not a failure to start it. */
	bufferevent_socket_connect(p->bev, addr, addrlen);
	return 0;
fail:
	if (p->bev)
		bufferevent_free(p->bev);
	if (p->deadline)
		event_free(p->deadline);
	free(p);
	return -ENOMEM;
}

/* ---- TCP: a bare non-blocking connect ---- */

/* A TCP probe is a bare non-blocking connect on one event: no buffers to set up, as it runs
 * for every backend every interval. */
struct tcp_probe {
	struct event *ev;
	probe_done_fn done;
	void *arg;
	struct timespec start;
};

static void tcp_finish(struct tcp_probe *p, evutil_socket_t fd, bool ok, const char *why)
{
	probe_done_fn done = p->done;
	void *arg = p->arg;
	long us = elapsed_us(&p->start);

	reset_on_close(fd);
	close(fd);
	if (p->ev)
		event_free(p->ev);
	free(p);
	done(arg, ok, us, why);
}

static void on_tcp_connect(evutil_socket_t fd, short what, void *ctx)
{
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (what & EV_TIMEOUT) {
		tcp_finish(ctx, fd, false, "timeout");
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		soerr = errno;
	tcp_finish(ctx, fd, !soerr, soerr ? strerror(soerr) : "");
}

static int tcp_probe_start(struct event_base *base, const struct sockaddr *addr, socklen_t addrlen,
			   int timeout_ms, probe_done_fn done, void *arg)
{
	struct timeval tv = tv_of_ms(timeout_ms);
	struct tcp_probe *p = calloc(1, sizeof(*p));
	int fd;

	if (!p)
		return -ENOMEM;
	*p = (struct tcp_probe){ .done = done, .arg = arg };
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		free(p);
		return -errno;
	}
	if (connect(fd, addr, addrlen) == 0) {
		tcp_finish(p, fd, true, "");
		return 0;
	}
	if (errno != EINPROGRESS) {
		tcp_finish(p, fd, false, strerror(errno));
		return 0;
	}
	p->ev = event_new(base, fd, EV_WRITE, on_tcp_connect, p);
	if (!p->ev || event_add(p->ev, &tv)) {
		if (p->ev)
			event_free(p->ev);
		close(fd);
		free(p);
		return -ENOMEM;
	}
	return 0;
}

/* ---- MySQL: log in and SELECT 1 on a connection of mysqlconn.c ---- */

struct mysql_probe {
	struct mysql_conn conn;
	struct event *deadline;
	probe_done_fn done;
	void *arg;
	struct timespec start;
};

static void mysql_finish(struct mysql_probe *p, bool ok, const char *why)
{
	probe_done_fn done = p->done;
	void *arg = p->arg;
	long us = elapsed_us(&p->start);
	char copy[WHY_MAX];

	/* why may be mysql_error(), which goes with the handle */
	snprintf(copy, sizeof(copy), "%s", why);
	/* after a good SELECT 1 the socket's buffers are empty: COM_QUIT goes out at once */
	mysql_conn_close(&p->conn, !ok);
	event_free(p->deadline);
	free(p);
	done(arg, ok, us, copy);
}

static void on_mysql_select(void *arg, bool ok, MYSQL_RES *res)
{
	struct mysql_probe *p = arg;
	MYSQL_ROW row;

	if (!ok) {
		mysql_finish(p, false, mysql_conn_error(&p->conn));
		return;
	}
	/* the result is stored: reading and freeing it do no I/O */
	row = res ? mysql_fetch_row(res) : NULL;
	ok = row && row[0] && !strcmp(row[0], "1");
	if (res)
		mysql_free_result(res);
	mysql_finish(p, ok, ok ? "" : "SELECT 1 did not return 1");
}

static void on_mysql_connect(void *arg, bool ok, MYSQL_RES *res)
{
	struct mysql_probe *p = arg;
	int err;

	(void)res;
	if (!ok) {
		mysql_finish(p, false, mysql_conn_error(&p->conn));
		return;
	}
	err = mysql_conn_query(&p->conn, "SELECT 1", on_mysql_select, p);
	if (err)
		mysql_finish(p, false, strerror(-err));
}

static void on_mysql_deadline(evutil_socket_t fd, short what, void *ctx)
{
	(void)fd, (void)what;
	mysql_finish(ctx, false, "timeout");
}

static int mysql_probe_start(struct event_base *base, const struct sockaddr *addr,
			     const struct probe_spec *spec, int timeout_ms, probe_done_fn done,
			     void *arg)
{
	struct timeval tv = tv_of_ms(timeout_ms);
	struct mysql_probe *p;
	char why[WHY_MAX];
	int err;

	if (spec->password_err) {
		/* configured with a file that could not be read: fail every probe, saying so,
		 * rather than try the server without the password */
		probe_password_why(spec, why, sizeof(why));
		done(arg, false, 0, why);
		return 0;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	*p = (struct mysql_probe){ .done = done, .arg = arg };
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->deadline = evtimer_new(base, on_mysql_deadline, p);
	if (!p->deadline) {
		free(p);
		return -ENOMEM;
	}
	evtimer_add(p->deadline, &tv);
	/* a refused connection ends the probe right here: done was called, p is gone */
	err = mysql_conn_open(&p->conn, base, addr, spec->user ? spec->user : "", spec->password,
			      on_mysql_connect, p);
	if (err) {
		event_free(p->deadline);
		free(p);
	}
	return err;
}

int probe_start(struct event_base *base, const struct sockaddr *addr, socklen_t addrlen,
		const struct probe_spec *spec, int timeout_ms, probe_done_fn done, void *arg)
{
	switch (spec->kind) {
	case PROBE_TCP:
		return tcp_probe_start(base, addr, addrlen, timeout_ms, done, arg);
	case PROBE_HTTP:
	case PROBE_HTTPS:
		return http_probe_start(base, addr, addrlen, spec, timeout_ms, done, arg);
	case PROBE_MYSQL:
		return mysql_probe_start(base, addr, spec, timeout_ms, done, arg);
	}
	return -EINVAL;
}

int probe_read_password(struct probe_spec *spec, const char *path)
{
	spec->password_file = path;
	return spec->password_err = xlb_secret_read(path, spec->password, sizeof(spec->password));
}

void probe_password_why(const struct probe_spec *spec, char *buf, size_t len)
{
	snprintf(buf, len, "password file %s: %s", spec->password_file,
		 spec->password_err == -EOVERFLOW ? "first line too long"
						  : strerror(-spec->password_err));
}
