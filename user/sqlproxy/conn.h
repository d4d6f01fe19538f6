/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A socket with an input and an output buffer on the event loop: the proxy's replacement
 * for libevent's bufferevent, which costs four system calls per relayed message beyond the
 * read and the write (FIONREAD before every read, and epoll_ctl to add and remove the write
 * event around every write). Here the socket is read when epoll says so, and what is added
 * to the output is written once the current callbacks are done, with a write event only
 * when the kernel's buffer is full.
 */
#ifndef XLB_SQLPROXY_CONN_H
#define XLB_SQLPROXY_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/event.h>

struct evbuffer;
struct sp_conn;

/* Each callback may free the connection (sp_conn_free). */
struct sp_conn_ops {
	void (*readable)(void *arg);		    /* new bytes in sp_conn_in() */
	void (*drained)(void *arg);		    /* the output fell to the armed mark */
	void (*closed)(void *arg, const char *why); /* EOF, or a read or write error */
};

/* NULL when out of memory. With own_fd the socket is closed by sp_conn_free. */
struct sp_conn *sp_conn_new(struct event_base *base, evutil_socket_t fd, bool own_fd,
			    const struct sp_conn_ops *ops, void *arg);
void sp_conn_free(struct sp_conn *c);

struct evbuffer *sp_conn_in(struct sp_conn *c);
/* Bytes added here are sent once the running callbacks return. */
struct evbuffer *sp_conn_out(struct sp_conn *c);

/* Stops or resumes reading the socket. Resuming calls readable again (from the loop) when
 * the input holds bytes already: no read event would come for them. */
void sp_conn_pause(struct sp_conn *c, bool pause);
/* Calls readable again from the loop (bytes left in the input to act on later). */
void sp_conn_recheck(struct sp_conn *c);
/* Calls drained once, from the loop, when the output holds at most mark bytes (at once if
 * it does already). */
void sp_conn_notify_drained(struct sp_conn *c, size_t mark);

#endif
