/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where a control socket lives: the path of a Unix socket or a numeric TCP ADDR:PORT. Both
 * ends of xlb-sqlproxy's admin socket use it ([proxy] admin = and xlbd's [mysql] splitter =),
 * so that what one accepts the other can reach.
 *
 * Grammar (one value, as written in a config file):
 *   ENDPOINT = ADDR:PORT | [ADDR6]:PORT | PATH
 *   - a value that starts with a digit or '[', or holds a ':', is an address and must be a
 *     numeric IPv4 a.b.c.d:PORT or a bracketed IPv6 [ADDR6]:PORT, PORT 1..65535 (no host
 *     names: nothing waits on DNS). So "10.0.0.1" without its port, "host:9000" or
 *     "::1:9000" are errors, never taken for a file name;
 *   - anything else is the path of a Unix socket, 1 to XLB_UNIX_PATH_MAX characters
 *     (sockaddr_un); absolute, or relative to the working directory of whoever opens it
 *     (a relative path that starts with a digit is written "./1.sock").
 */
#ifndef XLB_ENDPOINT_H
#define XLB_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <linux/types.h>

#include "addr.h"

/* sizeof(sockaddr_un.sun_path) - 1: the NUL must fit. */
#define XLB_UNIX_PATH_MAX 107

/* What a message says is expected of an ENDPOINT. */
#define XLB_ENDPOINT_EXPECTED                                                             \
	"the path of a Unix socket (1 to 107 characters, no ':') or a numeric ADDR:PORT " \
	"or [ADDR6]:PORT"

struct xlb_endpoint {
	int family;			  /* AF_UNIX, AF_INET or AF_INET6 */
	char path[XLB_UNIX_PATH_MAX + 1]; /* AF_UNIX */
	struct xlb_addr ip;		  /* AF_INET, AF_INET6 */
	__u16 port;			  /* host order */
};

/* s into *out: 0, or -EINVAL (nothing written to out). */
int xlb_endpoint_parse(const char *s, struct xlb_endpoint *out);

/* The socket address to bind or connect to, zero-filled; returns its length. */
socklen_t xlb_endpoint_sockaddr(const struct xlb_endpoint *ep, struct sockaddr_storage *ss);

/* The same socket: the same path as written, or the same address and port. */
bool xlb_endpoint_equal(const struct xlb_endpoint *a, const struct xlb_endpoint *b);

static inline bool xlb_endpoint_is_unix(const struct xlb_endpoint *ep)
{
	return ep->family == AF_UNIX;
}

#endif
