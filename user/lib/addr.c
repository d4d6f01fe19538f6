// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int xlb_parse_addr(const char *s, struct xlb_addr *out)
{
	struct xlb_addr a = {};

	if (inet_pton(AF_INET, s, a.addr) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s, a.addr) == 1)
		a.family = AF_INET6;
	else
		return -EINVAL;
	*out = a;
	return 0;
}

int xlb_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* "ADDR:PORT/PROTO" for IPv4, "[ADDR]:PORT/PROTO" for IPv6. */
int xlb_parse_vip(const char *s, struct xlb_vip_spec *out)
{
	char host[INET6_ADDRSTRLEN + 2], port[8];
	const char *colon, *slash, *proto, *host_start = s;
	struct xlb_vip_spec v = {};
	unsigned long portnum;
	size_t host_len;

	slash = strrchr(s, '/');
	if (!slash)
		return -EINVAL;
	proto = slash + 1;
	if (!strcmp(proto, "tcp"))
		v.proto = IPPROTO_TCP;
	else if (!strcmp(proto, "udp"))
		v.proto = IPPROTO_UDP;
	else
		return -EINVAL;

	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close || close > slash || close[1] != ':')
			return -EINVAL;
		host_start = s + 1;
		host_len = close - host_start;
		colon = close + 1;
	} else {
		colon = memchr(s, ':', slash - s);
		if (!colon || memchr(colon + 1, ':', slash - colon - 1))
			return -EINVAL; /* an IPv6 address without brackets */
		host_len = colon - s;
	}
	if (host_len == 0 || host_len >= sizeof(host) ||
	    (size_t)(slash - colon - 1) >= sizeof(port))
		return -EINVAL;
	memcpy(host, host_start, host_len);
	host[host_len] = '\0';
	memcpy(port, colon + 1, slash - colon - 1);
	port[slash - colon - 1] = '\0';

	if (xlb_parse_addr(host, &v.ip) < 0)
		return -EINVAL;
	/* brackets are for IPv6 only, and IPv6 needs them */
	if ((*s == '[') != (v.ip.family == AF_INET6))
		return -EINVAL;
	if (xlb_parse_uint(port, 65535, &portnum) < 0 || portnum == 0)
		return -EINVAL;
	v.port = portnum;
	*out = v;
	return 0;
}

int xlb_parse_mac(const char *s, __u8 mac[6])
{
	__u8 out[6];

	if (strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		const char *p = s + i * 3;
		char hex[3] = { p[0], p[1], '\0' };

		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) ||
		    (i < 5 && p[2] != ':'))
			return -EINVAL;
		out[i] = strtoul(hex, NULL, 16);
	}
	memcpy(mac, out, 6);
	return 0;
}

void xlb_format_addr(const struct xlb_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family, a->addr, buf, len))
		snprintf(buf, len, "?");
}

const char *xlb_proto_name(__u8 proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "?";
}

void xlb_format_vip(const struct xlb_vip_spec *v, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	xlb_format_addr(&v->ip, host, sizeof(host));
	if (v->ip.family == AF_INET6)
		snprintf(buf, len, "[%s]:%u/%s", host, v->port, xlb_proto_name(v->proto));
	else
		snprintf(buf, len, "%s:%u/%s", host, v->port, xlb_proto_name(v->proto));
}

void xlb_format_mac(const __u8 mac[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

socklen_t xlb_sockaddr(const struct xlb_addr *a, __u16 port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a->addr, 16);
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	memcpy(&s4->sin_addr, a->addr, 4);
	return sizeof(*s4);
}

bool xlb_addr_equal(const struct xlb_addr *a, const struct xlb_addr *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, sizeof(a->addr));
}
