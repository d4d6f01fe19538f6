// SPDX-License-Identifier: GPL-2.0-only
/*
 * xlbd's health probes against servers this test runs on loopback: one that answers 200, one
 * that answers 503, one that accepts and never answers, and a port nobody listens on. TAP.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "probe.h"
#include "../lib/tap.h"

enum server_kind { ANSWER_200, ANSWER_503, NEVER_ANSWER };

struct server {
	enum server_kind kind;
	struct evconnlistener *listener;
	struct sockaddr_in addr;
	int held_fd; /* NEVER_ANSWER keeps the accepted socket open and silent */
};

struct outcome {
	int calls;
	bool ok;
	char why[64];
	int order; /* when it finished among all probes of one run */
};

#define NR_PROBES 6

static int finished;
static struct event_base *base;

static void on_done(void *arg, bool ok, long latency_us, const char *why)
{
	struct outcome *o = arg;

	(void)latency_us;
	o->calls++;
	o->ok = ok;
	snprintf(o->why, sizeof(o->why), "%s", why);
	o->order = ++finished;
	/* the servers' listeners would keep the loop running for ever */
	if (finished == NR_PROBES)
		event_base_loopbreak(base);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
		      void *ctx)
{
	struct server *s = ctx;
	const char *reply = s->kind == ANSWER_200
				    ? "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
				    : "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n";

	(void)l, (void)sa, (void)len;
	if (s->kind == NEVER_ANSWER) {
		s->held_fd = fd;
		return;
	}
	/* the request is small and the reply smaller: blocking I/O is fine in a test */
	if (write(fd, reply, strlen(reply)) < 0)
		perror("write");
	close(fd);
}

static int server_start(struct event_base *base, struct server *s, enum server_kind kind)
{
	socklen_t len = sizeof(s->addr);

	*s = (struct server){ .kind = kind, .held_fd = -1 };
	s->addr.sin_family = AF_INET;
	s->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->listener = evconnlistener_new_bind(base, on_accept, s, LEV_OPT_CLOSE_ON_FREE, 16,
					      (struct sockaddr *)&s->addr, sizeof(s->addr));
	if (!s->listener)
		return -1;
	return getsockname(evconnlistener_get_fd(s->listener), (struct sockaddr *)&s->addr, &len);
}

/* A loopback port with nothing listening: bound, never listened on, so nobody else gets it. */
static int closed_port(struct sockaddr_in *addr, int *fd)
{
	socklen_t len = sizeof(*addr);

	*fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (*fd < 0 || bind(*fd, (struct sockaddr *)addr, sizeof(*addr)))
		return -1;
	return getsockname(*fd, (struct sockaddr *)addr, &len);
}

static void probe(struct event_base *base, const struct sockaddr_in *addr,
		  const struct probe_spec *spec, int timeout_ms, struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	if (probe_start(base, (const struct sockaddr *)addr, sizeof(*addr), spec, timeout_ms,
			on_done, o))
		o->calls = -1;
}

int main(void)
{
	const struct probe_spec tcp = { .kind = PROBE_TCP };
	const struct probe_spec http = {
		.kind = PROBE_HTTP, .method = "GET", .path = "/health", .status = 200
	};
	struct server s200, s503, hang;
	struct outcome o[NR_PROBES];
	struct sockaddr_in closed;
	int closed_fd;

	base = event_base_new();
	if (!ASSERT_TRUE(base, "event base") ||
	    !ASSERT_OK(server_start(base, &s200, ANSWER_200), "server answering 200") ||
	    !ASSERT_OK(server_start(base, &s503, ANSWER_503), "server answering 503") ||
	    !ASSERT_OK(server_start(base, &hang, NEVER_ANSWER), "server never answering") ||
	    !ASSERT_OK(closed_port(&closed, &closed_fd), "a closed port"))
		return tap_done();

	/* All at once on one base: the hanging one must not hold up the others. */
	probe(base, &s200.addr, &tcp, 1000, &o[0]);
	probe(base, &closed, &tcp, 1000, &o[1]);
	probe(base, &s200.addr, &http, 1000, &o[2]);
	probe(base, &s503.addr, &http, 1000, &o[3]);
	probe(base, &hang.addr, &http, 300, &o[4]);
	probe(base, &closed, &http, 1000, &o[5]);
	event_base_dispatch(base);

	for (int i = 0; i < NR_PROBES; i++)
		ASSERT_EQ(o[i].calls, 1, "each probe reports exactly once");
	ASSERT_TRUE(o[0].ok, "tcp: a listening port is healthy");
	ASSERT_TRUE(!o[1].ok, "tcp: a closed port is not");
	ASSERT_TRUE(o[2].ok, "http: 200 when 200 is expected is healthy");
	ASSERT_TRUE(!o[3].ok && !strcmp(o[3].why, "wrong status"), "http: 503 is not");
	ASSERT_TRUE(!o[4].ok && !strcmp(o[4].why, "timeout"), "http: no answer times out");
	ASSERT_TRUE(!o[5].ok, "http: a closed port is not healthy");
	ASSERT_EQ(o[4].order, NR_PROBES,
		  "the hanging server's probe finished last, after all others");

	if (hang.held_fd >= 0)
		close(hang.held_fd);
	close(closed_fd);
	evconnlistener_free(s200.listener);
	evconnlistener_free(s503.listener);
	evconnlistener_free(hang.listener);
	event_base_free(base);
	return tap_done();
}
