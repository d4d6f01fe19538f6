// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "daemon_status.h"

/* xlbd's default metrics address (user/xlbd/config.h), and how long to wait for it. */
#define DEFAULT_METRICS "127.0.0.1:9591"
#define WAIT_MS 300
#define BODY_MAX (4 << 20)

const char *daemon_status_address(void)
{
	const char *env = getenv("XLB_METRICS");

	return env && *env ? env : DEFAULT_METRICS;
}

/* "ADDR:PORT" or "[ADDR6]:PORT", parsed with the VIP parser by lending it a protocol. */
static int parse_endpoint(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char buf[XLB_VIP_STRLEN];
	struct xlb_vip_spec v;

	snprintf(buf, sizeof(buf), "%s/tcp", s);
	if (xlb_parse_vip(buf, &v))
		return -EINVAL;
	*len = xlb_sockaddr(&v.ip, v.port, ss);
	return 0;
}

static bool wait_for(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, WAIT_MS) == 1 && !(p.revents & (POLLERR | POLLNVAL));
}

char *daemon_status_fetch(void)
{
	static const char request[] = "GET /status HTTP/1.0\r\nConnection: close\r\n\r\n";
	char *reply = NULL, *body = NULL;
	struct sockaddr_storage ss;
	size_t used = 0, cap = 0;
	socklen_t len;
	int fd, soerr = 0;
	socklen_t errlen = sizeof(soerr);

	if (parse_endpoint(daemon_status_address(), &ss, &len))
		return NULL;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	if (connect(fd, (struct sockaddr *)&ss, len) < 0 &&
	    (errno != EINPROGRESS || !wait_for(fd, POLLOUT) ||
	     getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &errlen) || soerr))
		goto out;
	if (write(fd, request, sizeof(request) - 1) != sizeof(request) - 1)
		goto out;
	for (;;) {
		ssize_t n;

		if (used + 4096 + 1 > cap) {
			char *bigger = cap < BODY_MAX ? realloc(reply, cap + 65536) : NULL;

			if (!bigger)
				goto out;
			reply = bigger;
			cap += 65536;
		}
		if (!wait_for(fd, POLLIN))
			goto out;
		n = read(fd, reply + used, 4096);
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		used += n;
	}
	reply[used] = '\0';
	if (!strncmp(reply, "HTTP/1.", 7) && !strncmp(reply + 8, " 200", 4)) {
		char *start = strstr(reply, "\r\n\r\n");

		if (start)
			body = strdup(start + 4);
	}
out:
	free(reply);
	close(fd);
	return body;
}
