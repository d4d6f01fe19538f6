// SPDX-License-Identifier: GPL-2.0-only
/*
 * Buffered sockets (conn.h). Work that must not run inside the caller's callback (writing
 * what was added, calling readable or drained again) is a task bit plus one event made
 * active, which costs no system call; the loop runs it once the current callbacks return.
 * A task calls at most one callback and re-activates itself for the rest first, because the
 * callback may free the connection.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/util.h>

#include "conn.h"

/* One read takes at most this; a bigger reply takes more rounds of the loop. */
#define READ_CHUNK (16u << 10)

enum conn_task {
	TASK_FLUSH = 1u << 0,	 /* write what the output holds */
	TASK_READABLE = 1u << 1, /* call readable */
};

struct sp_conn {
	evutil_socket_t fd;
	bool own_fd;
	struct evbuffer *in, *out;
	struct event *ev_read;	/* persistent while not paused */
	struct event *ev_write; /* one-shot, only when the kernel took less than offered */
	struct event *ev_task;	/* made active to run tasks */
	unsigned int tasks;
	bool paused, write_waiting, drain_armed;
	size_t drain_mark;
	const struct sp_conn_ops *ops;
	void *arg;
};

static bool retriable(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

static void schedule(struct sp_conn *c, unsigned int task)
{
	c->tasks |= task;
	event_active(c->ev_task, EV_TIMEOUT, 0);
}

/* Writes until the output is empty or the kernel's buffer is full. 0, or -errno. */
static int flush(struct sp_conn *c)
{
	while (evbuffer_get_length(c->out)) {
		int n = evbuffer_write(c->out, c->fd);

		if (n >= 0)
			continue;
		if (!retriable(errno))
			return -errno;
		c->write_waiting = true;
		return event_add(c->ev_write, NULL) ? -ENOMEM : 0;
	}
	return 0;
}

static void on_task(evutil_socket_t fd, short what, void *ctx)
{
	struct sp_conn *c = ctx;
	int err;

	(void)fd, (void)what;
	if (c->tasks & TASK_FLUSH) {
		c->tasks &= ~TASK_FLUSH;
		err = flush(c);
		if (err) {
			c->ops->closed(c->arg, strerror(-err));
			return;
		}
	}
	if (c->drain_armed && !c->write_waiting && evbuffer_get_length(c->out) <= c->drain_mark) {
		c->drain_armed = false;
		if (c->tasks)
			event_active(c->ev_task, EV_TIMEOUT, 0);
		c->ops->drained(c->arg);
		return;
	}
	if (c->tasks & TASK_READABLE) {
		c->tasks &= ~TASK_READABLE;
		if (c->tasks)
			event_active(c->ev_task, EV_TIMEOUT, 0);
		c->ops->readable(c->arg);
	}
}

static void on_writable(evutil_socket_t fd, short what, void *ctx)
{
	struct sp_conn *c = ctx;

	(void)what;
	c->write_waiting = false;
	c->tasks |= TASK_FLUSH;
	on_task(fd, EV_TIMEOUT, c);
}

static void on_readable(evutil_socket_t fd, short what, void *ctx)
{
	struct sp_conn *c = ctx;
	struct evbuffer_iovec v;
	ssize_t n;

	(void)what;
	if (evbuffer_reserve_space(c->in, READ_CHUNK, &v, 1) < 1) {
		c->ops->closed(c->arg, "out of memory");
		return;
	}
	n = read(fd, v.iov_base, v.iov_len);
	if (n > 0) {
		v.iov_len = (size_t)n;
		evbuffer_commit_space(c->in, &v, 1);
		c->ops->readable(c->arg);
		return;
	}
	evbuffer_commit_space(c->in, NULL, 0);
	if (n == 0)
		c->ops->closed(c->arg, "closed by the peer");
	else if (!retriable(errno))
		c->ops->closed(c->arg, strerror(errno));
}

/* Whatever adds to the output (any module, any callback) gets it written from the loop. */
static void on_output_changed(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *ctx)
{
	struct sp_conn *c = ctx;

	(void)buf;
	if (info->n_added && !c->write_waiting && !(c->tasks & TASK_FLUSH))
		schedule(c, TASK_FLUSH);
}

struct sp_conn *sp_conn_new(struct event_base *base, evutil_socket_t fd, bool own_fd,
			    const struct sp_conn_ops *ops, void *arg)
{
	struct sp_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->fd = fd;
	c->ops = ops;
	c->arg = arg;
	c->in = evbuffer_new();
	c->out = evbuffer_new();
	c->ev_read = event_new(base, fd, EV_READ | EV_PERSIST, on_readable, c);
	c->ev_write = event_new(base, fd, EV_WRITE, on_writable, c);
	c->ev_task = event_new(base, -1, 0, on_task, c);
	if (!c->in || !c->out || !c->ev_read || !c->ev_write || !c->ev_task ||
	    !evbuffer_add_cb(c->out, on_output_changed, c) || event_add(c->ev_read, NULL)) {
		sp_conn_free(c);
		return NULL;
	}
	/* only now: a failed start must not close the caller's socket */
	c->own_fd = own_fd;
	return c;
}

void sp_conn_free(struct sp_conn *c)
{
	if (!c)
		return;
	if (c->ev_read)
		event_free(c->ev_read);
	if (c->ev_write)
		event_free(c->ev_write);
	if (c->ev_task)
		event_free(c->ev_task);
	if (c->in)
		evbuffer_free(c->in);
	if (c->out)
		evbuffer_free(c->out);
	if (c->own_fd)
		evutil_closesocket(c->fd);
	free(c);
}

struct evbuffer *sp_conn_in(struct sp_conn *c)
{
	return c->in;
}

struct evbuffer *sp_conn_out(struct sp_conn *c)
{
	return c->out;
}

void sp_conn_pause(struct sp_conn *c, bool pause)
{
	if (c->paused == pause)
		return;
	c->paused = pause;
	if (pause) {
		event_del(c->ev_read);
		return;
	}
	event_add(c->ev_read, NULL);
	if (evbuffer_get_length(c->in))
		schedule(c, TASK_READABLE);
}

void sp_conn_recheck(struct sp_conn *c)
{
	schedule(c, TASK_READABLE);
}

void sp_conn_notify_drained(struct sp_conn *c, size_t mark)
{
	c->drain_armed = true;
	c->drain_mark = mark;
	event_active(c->ev_task, EV_TIMEOUT, 0);
}
