// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "probe.h"

/* A status line longer than this is not an HTTP server talking. */
#define STATUS_LINE_MAX 256

struct probe {
	struct bufferevent *bev;
	struct event *deadline;
	const struct probe_spec *spec;
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
		finish(p, status == p->spec->status,
		       status == p->spec->status ? "" : "wrong status");
}

static void on_event(struct bufferevent *bev, short what, void *ctx)
{
	struct probe *p = ctx;

	if (what & BEV_EVENT_CONNECTED) {
		if (p->spec->kind == PROBE_TCP) {
			finish(p, true, "");
			return;
		}
		/* HTTP/1.0 and Connection: close: one request, one answer, no keep-alive */
		evbuffer_add_printf(
			bufferevent_get_output(bev),
			"%s %s HTTP/1.0\r\nUser-Agent: xlbd\r\nConnection: close\r\n\r\n",
			p->spec->method, p->spec->path);
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

int probe_start(struct event_base *base, const struct sockaddr *addr, socklen_t addrlen,
		const struct probe_spec *spec, int timeout_ms, probe_done_fn done, void *arg)
{
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	struct probe *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	*p = (struct probe){ .spec = spec, .done = done, .arg = arg };
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	p->deadline = evtimer_new(base, on_deadline, p);
	if (!p->bev || !p->deadline)
		goto fail;
	bufferevent_setcb(p->bev, on_read, NULL, on_event, p);
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
