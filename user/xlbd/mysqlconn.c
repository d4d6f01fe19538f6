// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "mysqlconn.h"
#include "mysqlwait.h"

enum step {
	STEP_IDLE,
	STEP_CONNECT,
	STEP_QUERY,
	STEP_STORE,
};

/* Ends the operation; done may free c, so nothing touches c after it. */
static void conn_done(struct mysql_conn *c, bool ok, MYSQL_RES *res)
{
	c->step = STEP_IDLE;
	c->sql = NULL;
	c->done(c->arg, ok, res);
}

static void on_io(evutil_socket_t fd, short what, void *ctx);

static int conn_wait(struct mysql_conn *c, int status)
{
	return mysql_wait_arm(c->io, c->my, status, on_io, c);
}

/* Runs the operation as far as it goes without waiting: a step's _start when ready is 0, its
 * _cont with what the socket became ready for otherwise. */
static void conn_run(struct mysql_conn *c, int ready)
{
	MYSQL *connected;
	MYSQL_RES *res;
	int status, err;

	for (;; ready = 0) {
		switch (c->step) {
		case STEP_CONNECT:
			status = ready ? mysql_real_connect_cont(&connected, c->my, ready)
				       : mysql_real_connect_start(&connected, c->my, c->host,
								  c->user, c->password, NULL,
								  c->port, NULL, 0);
			if (status)
				goto wait;
			explicit_bzero(c->password, sizeof(c->password));
			conn_done(c, connected != NULL, NULL);
			return;
		case STEP_QUERY:
			status =
				ready ? mysql_real_query_cont(&err, c->my, ready)
				      : mysql_real_query_start(&err, c->my, c->sql, strlen(c->sql));
			if (status)
				goto wait;
			if (err) {
				conn_done(c, false, NULL);
				return;
			}
			c->step = STEP_STORE;
			break;
		case STEP_STORE:
			status = ready ? mysql_store_result_cont(&res, c->my, ready)
				       : mysql_store_result_start(&res, c->my);
			if (status)
				goto wait;
			/* NULL is no result set, or an error while reading it */
			conn_done(c, res || !mysql_errno(c->my), res);
			return;
		default:
			return;
		}
	}
wait:
	if (conn_wait(c, status)) {
		explicit_bzero(c->password, sizeof(c->password));
		conn_done(c, false, NULL);
	}
}

static void on_io(evutil_socket_t fd, short what, void *ctx)
{
	(void)fd;
	conn_run(ctx, mysql_wait_ready(what));
}

static int sockaddr_host_port(const struct sockaddr *addr, char *host, unsigned int *port)
{
	const void *ip;

	if (addr->sa_family == AF_INET) {
		ip = &((const struct sockaddr_in *)addr)->sin_addr;
		*port = ntohs(((const struct sockaddr_in *)addr)->sin_port);
	} else if (addr->sa_family == AF_INET6) {
		ip = &((const struct sockaddr_in6 *)addr)->sin6_addr;
		*port = ntohs(((const struct sockaddr_in6 *)addr)->sin6_port);
	} else {
		return -EAFNOSUPPORT;
	}
	/* numeric, so that Connector/C's name lookup never asks DNS (and never blocks) */
	return inet_ntop(addr->sa_family, ip, host, INET6_ADDRSTRLEN) ? 0 : -errno;
}

int mysql_conn_open(struct mysql_conn *c, struct event_base *base, const struct sockaddr *addr,
		    const char *user, const char *password, mysql_conn_done_fn done, void *arg)
{
	const unsigned int tcp = MYSQL_PROTOCOL_TCP;
	int err;

	*c = (struct mysql_conn){ .done = done, .arg = arg };
	if (strlen(user) >= sizeof(c->user))
		return -ENAMETOOLONG;
	err = sockaddr_host_port(addr, c->host, &c->port);
	if (err)
		return err;
	snprintf(c->user, sizeof(c->user), "%s", user);
	snprintf(c->password, sizeof(c->password), "%s", password);
	c->my = mysql_init(NULL);
	c->io = event_new(base, -1, 0, on_io, c);
	err = -ENOMEM;
	if (!c->my || !c->io)
		goto fail;
	/* MYSQL_OPT_NONBLOCK: every call returns when it would block, and says for what */
	if (mysql_options(c->my, MYSQL_OPT_NONBLOCK, 0) ||
	    mysql_options(c->my, MYSQL_OPT_PROTOCOL, &tcp))
		goto fail;
	c->step = STEP_CONNECT;
	conn_run(c, 0);
	return 0;
fail:
	mysql_conn_close(c, false);
	return err;
}

int mysql_conn_query(struct mysql_conn *c, const char *sql, mysql_conn_done_fn done, void *arg)
{
	if (!c->my || c->step != STEP_IDLE)
		return -EBUSY;
	c->done = done;
	c->arg = arg;
	c->sql = sql;
	c->step = STEP_QUERY;
	conn_run(c, 0);
	return 0;
}

const char *mysql_conn_error(const struct mysql_conn *c)
{
	const char *e = c->my ? mysql_error(c->my) : "";

	return *e ? e : "MySQL error";
}

void mysql_conn_close(struct mysql_conn *c, bool abort)
{
	if (c->my) {
		evutil_socket_t fd = mysql_get_socket(c->my);

		if (abort && fd >= 0) {
			/* reset rather than close: no TIME_WAIT left behind, and a reset never
			 * waits for a peer that reads nothing */
			struct linger reset = { .l_onoff = 1, .l_linger = 0 };

			setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
			shutdown(fd, SHUT_RDWR);
		}
		mysql_close(c->my);
	}
	if (c->io)
		event_free(c->io);
	explicit_bzero(c, sizeof(*c));
}
