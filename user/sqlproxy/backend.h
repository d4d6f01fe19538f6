/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One connection from a session to a MariaDB server. Connector/C opens it with its
 * non-blocking API (the login, whatever the server's auth needs); after that the proxy owns
 * the socket and exchanges raw packets on it, so that replies stream through unbuffered and
 * every command, prepared statements included, passes as the client sent it.
 */
#ifndef XLB_SQLPROXY_BACKEND_H
#define XLB_SQLPROXY_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proxy.h"

struct evbuffer;
struct sp_backend;

/* What the backend tells its session. Each may close the backend (sp_backend_close). */
struct sp_backend_ops {
	/* The login ended: error NULL when it worked, else the server's or connector's message
	 * and code (1045, 2003...). */
	void (*connected)(void *arg, struct sp_backend *b, const char *error, unsigned int code);
	/* One packet's payload (a payload of MYSQL_MAX_PAYLOAD continues in the next one). */
	void (*packet)(void *arg, struct sp_backend *b, const uint8_t *payload, size_t len);
	/* The connection broke (EOF, reset, protocol error) after the login. */
	void (*lost)(void *arg, struct sp_backend *b, const char *why);
};

struct sp_backend_login {
	const char *user, *password, *db; /* db may be "" */
	const char *charset;		  /* a character set name, or NULL for the default */
	unsigned long client_flags;	  /* capabilities the client asked for that the server
					   * must apply too (FOUND_ROWS, MULTI_STATEMENTS...) */
};

struct sp_backend {
	struct sp_proxy *proxy;
	int server;    /* index in proxy->cfg.servers */
	uint64_t caps; /* negotiated, MariaDB's extended ones in bits 32..63 */
	/* session.c's */
	unsigned int replayed;	   /* session-state entries this connection has run */
	bool gtid_asked;	   /* told to report last_gtid in its OK packets (causal reads) */
	bool gtid_tracked;	   /* and it said yes */
	struct relay_stmts *stmts; /* its prepared statements' metadata (relay.h) */
	struct sp_backend_priv *priv;
};

/* Starts a login to server. NULL if it cannot even start (out of memory). */
struct sp_backend *sp_backend_open(struct sp_proxy *p, int server,
				   const struct sp_backend_login *login,
				   const struct sp_backend_ops *ops, void *arg);
/* Sends one command: payload framed from sequence 0. 0 or -ENOMEM/-ENOTCONN. */
int sp_backend_send(struct sp_backend *b, const void *payload, size_t len);
/* Stops or resumes reading (the client is slow to take what is relayed). */
void sp_backend_pause(struct sp_backend *b, bool pause);
/* Closes now; no callback comes after this returns. Safe inside a callback. */
void sp_backend_close(struct sp_backend *b);

#endif
