/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One health probe of one backend, non-blocking on a libevent base: a TCP connect, or an
 * HTTP request whose status line must carry the expected code. Every probe has its own
 * deadline, so a backend that hangs delays no other probe.
 */
#ifndef XLBD_PROBE_H
#define XLBD_PROBE_H

#include <stdbool.h>
#include <sys/socket.h>
#include <event2/event.h>

enum probe_kind {
	PROBE_TCP,
	PROBE_HTTP,
};

struct probe_spec {
	enum probe_kind kind;
	/* HTTP only */
	const char *method; /* GET, HEAD ... */
	const char *path;
	int status; /* the one status code that means healthy */
};

/* Called once per probe: ok, the time it took, and when not ok, why (a short phrase). */
typedef void (*probe_done_fn)(void *arg, bool ok, long latency_us, const char *why);

/* Starts a probe of addr; the spec is not used after the call returns. 0 or -errno (then
 * done is never called); done may be called before this returns. */
int probe_start(struct event_base *base, const struct sockaddr *addr, socklen_t addrlen,
		const struct probe_spec *spec, int timeout_ms, probe_done_fn done, void *arg);

#endif
