/* SPDX-License-Identifier: GPL-2.0-only */
/* Parsing and printing of addresses, VIPs ("ADDR:PORT/PROTO", "[ADDR6]:PORT/PROTO") and MACs. */
#ifndef XLB_ADDR_H
#define XLB_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <linux/types.h>

/* An IPv4 or IPv6 address; IPv4 lives in the first 4 bytes of addr, the rest zero. */
struct xlb_addr {
	__u8 family; /* AF_INET or AF_INET6 */
	__u8 addr[16];
};

struct xlb_vip_spec {
	struct xlb_addr ip;
	__u16 port; /* host order */
	__u8 proto; /* IPPROTO_TCP or IPPROTO_UDP */
};

/* Big enough for "[IPv6]:65535/tcp". */
#define XLB_VIP_STRLEN 64
#define XLB_MAC_STRLEN 18

/* All return 0 or -EINVAL; nothing is written to the output on error. */
int xlb_parse_addr(const char *s, struct xlb_addr *out);
int xlb_parse_vip(const char *s, struct xlb_vip_spec *out);
int xlb_parse_mac(const char *s, __u8 mac[6]);
int xlb_parse_uint(const char *s, unsigned long max, unsigned long *out);

void xlb_format_addr(const struct xlb_addr *a, char *buf, size_t len);
void xlb_format_vip(const struct xlb_vip_spec *v, char *buf, size_t len);
void xlb_format_mac(const __u8 mac[6], char *buf, size_t len);
const char *xlb_proto_name(__u8 proto);

/* addr and port (host order) as a socket address, zero-filled; returns its length. */
socklen_t xlb_sockaddr(const struct xlb_addr *a, __u16 port, struct sockaddr_storage *ss);

bool xlb_addr_equal(const struct xlb_addr *a, const struct xlb_addr *b);

#endif
