/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One MariaDB connection driven by MariaDB Connector/C's non-blocking API on a libevent base:
 * connect, then queries whose results are stored whole, one operation at a time. Shared by
 * the health probe (connect, SELECT 1, close) and the [mysql] monitor (one connection per
 * node kept open between checks).
 *
 * There is no deadline here: each user has its own (a probe's timeout, a check's), and on
 * expiry closes the connection with abort set, which never waits for the server.
 */
#ifndef XLBD_MYSQLCONN_H
#define XLBD_MYSQLCONN_H

#include <stdbool.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <event2/event.h>
#include <mysql/mysql.h>

#include "probe.h" /* PROBE_PASSWORD_MAX: the passwords are those probe_read_password reads */

/* A user name, with the NUL (MariaDB's are at most 80 characters). */
#define MYSQL_CONN_USER_MAX 256

/*
 * The end of an operation: ok, and for a query the stored result, which the callback owns
 * (mysql_free_result; NULL for a statement without a result set). When !ok,
 * mysql_conn_error() says why. The callback may start the next operation or close the
 * connection (and free the memory it lives in): the driver does not touch it afterwards.
 */
typedef void (*mysql_conn_done_fn)(void *arg, bool ok, MYSQL_RES *res);

struct mysql_conn {
	MYSQL *my;	  /* NULL: closed */
	struct event *io; /* on the connector's socket, for what it waits for */
	int step;	  /* the operation under way, see mysqlconn.c */
	const char *sql;  /* the query under way; the caller's, kept until done */
	/* Connector/C reads these while the connect runs, after mysql_conn_open returned */
	char host[INET6_ADDRSTRLEN];
	unsigned int port;
	char user[MYSQL_CONN_USER_MAX];
	char password[PROBE_PASSWORD_MAX];
	mysql_conn_done_fn done;
	void *arg;
};

/*
 * Starts connecting c (which must be closed: zeroed, or after mysql_conn_close) to addr over
 * TCP as user/password. 0, or -errno when it could not start (done is then never called;
 * -ENAMETOOLONG for a user name too long); done may be called before this returns (a refused
 * connection).
 */
int mysql_conn_open(struct mysql_conn *c, struct event_base *base, const struct sockaddr *addr,
		    const char *user, const char *password, mysql_conn_done_fn done, void *arg);

/* Runs sql (a string that lives until done is called) on the open, idle connection and stores
 * its result. 0 or -errno as mysql_conn_open. */
int mysql_conn_query(struct mysql_conn *c, const char *sql, mysql_conn_done_fn done, void *arg);

/* Why the last operation failed: the server's or the connector's message. */
const char *mysql_conn_error(const struct mysql_conn *c);

/*
 * Closes c, if open, and leaves it zeroed. abort: an operation may be under way or the server
 * may hang; the socket is shut down and reset first, so that the COM_QUIT mysql_close() sends
 * in blocking mode fails at once instead of waiting. Without it, an idle connection says
 * goodbye to the server properly.
 */
void mysql_conn_close(struct mysql_conn *c, bool abort);

#endif
