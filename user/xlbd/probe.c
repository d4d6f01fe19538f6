// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "probe.h"

/* A status line longer than this is not an HTTP server talking. */
#define STATUS_LINE_MAX 256

struct probe {
	struct bufferevent *bev;
	struct event *deadline;
	int status; /* the one that means healthy */
	probe_done_fn done;
	void *arg;
	struct timespec start;
};

static long elapsed_us(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000000L + (now.tv_nsec - since->tv_nsec) / 1000;
}

static void finish(struct probe *p, bool ok, const char *why)
{
	probe_done_fn done = p->done;
	void *arg = p->arg;
	long us = elapsed_us(&p->start);

	bufferevent_free(p->bev); /* closes the socket */
	event_free(p->deadline);
	free(p);
	done(arg, ok, us, why);
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

static void on_event(struct bufferevent *bev, short what, void *ctx)
{
	struct probe *p = ctx;

	if (what & BEV_EVENT_CONNECTED) {
		/* the request waits in the output buffer from the start; now the answer */
		bufferevent_enable(bev, EV_READ);
		return;
	}
	if (what & BEV_EVENT_EOF)
		finish(p, false, "connection closed");
	else if (what & BEV_EVENT_ERROR)
		finish(p, false, strerror(EVUTIL_SOCKET_ERROR()));
}

static void on_deadline(evutil_socket_t fd, short what, void *ctx)
{
	(void)fd, (void)what;
	finish(ctx, false, "timeout");
}

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
	/* Reset rather than close: a checker must not leave a TIME_WAIT per check behind. */
	struct linger reset = { .l_onoff = 1, .l_linger = 0 };
	probe_done_fn done = p->done;
	void *arg = p->arg;
	long us = elapsed_us(&p->start);

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
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
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
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

int probe_start(struct event_base *base, const struct sockaddr *addr, socklen_t addrlen,
		const struct probe_spec *spec, int timeout_ms, probe_done_fn done, void *arg)
{
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	struct probe *p = calloc(1, sizeof(*p));

	if (spec->kind == PROBE_TCP) {
		free(p);
		return tcp_probe_start(base, addr, addrlen, timeout_ms, done, arg);
	}
	if (!p)
		return -ENOMEM;
	*p = (struct probe){ .status = spec->status, .done = done, .arg = arg };
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
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
