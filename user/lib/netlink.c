// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "netlink.h"

#define NL_BUF 32768

/* Called for each reply message; returns 1 to stop early, 0 to go on, <0 on error. */
typedef int (*nl_cb)(struct nlmsghdr *h, void *arg);

/* Sends one request and walks the replies (a dump or an ack) through cb. */
static int nl_talk(struct nlmsghdr *req, nl_cb cb, void *arg)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	static char buf[NL_BUF];
	int fd, err = 0, done = 0;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	req->nlmsg_seq = time(NULL);
	if (sendto(fd, req, req->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		goto out;
	}
	while (!done && !err) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (len < 0) {
			err = -errno;
			break;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				done = 1;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
				done = 1;
				break;
			}
			if (cb) {
				int r = cb(h, arg);

				if (r) {
					err = r < 0 ? r : 0;
					done = 1;
					break;
				}
			}
			if (!(h->nlmsg_flags & NLM_F_MULTI))
				done = 1;
		}
	}
out:
	close(fd);
	return err;
}

static void nl_add_attr(struct nlmsghdr *h, unsigned short type, const void *data, int len)
{
	struct rtattr *rta = (struct rtattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

static int addr_len(const struct xlb_addr *a)
{
	return a->family == AF_INET6 ? 16 : 4;
}

static int route_cb(struct nlmsghdr *h, void *arg)
{
	struct rtmsg *rt = NLMSG_DATA(h);
	int len = RTM_PAYLOAD(h);

	if (h->nlmsg_type != RTM_NEWROUTE)
		return 0;
	for (struct rtattr *a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == RTA_OIF) {
			*(int *)arg = *(int *)RTA_DATA(a);
			return 1;
		}
	}
	return 0;
}

int xlb_route_ifindex(const struct xlb_addr *addr, int *ifindex)
{
	struct {
		struct nlmsghdr h;
		struct rtmsg rt;
		char attrs[64];
	} req = {
		.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)),
		.h.nlmsg_type = RTM_GETROUTE,
		.h.nlmsg_flags = NLM_F_REQUEST,
		.rt.rtm_family = addr->family,
		.rt.rtm_dst_len = addr_len(addr) * 8,
	};
	int oif = 0, err;

	nl_add_attr(&req.h, RTA_DST, addr->addr, addr_len(addr));
	err = nl_talk(&req.h, route_cb, &oif);
	if (err)
		return err;
	if (!oif)
		return -ENETUNREACH;
	*ifindex = oif;
	return 0;
}

struct neigh_query {
	int ifindex;
	const struct xlb_addr *addr;
	__u8 *mac;
	int found;
};

static int neigh_cb(struct nlmsghdr *h, void *arg)
{
	struct neigh_query *q = arg;
	struct ndmsg *nd = NLMSG_DATA(h);
	int len = RTM_PAYLOAD(h);
	const void *lladdr = NULL;
	int match = 0;

	if (h->nlmsg_type != RTM_NEWNEIGH || nd->ndm_ifindex != q->ifindex ||
	    nd->ndm_family != q->addr->family)
		return 0;
	/* INCOMPLETE and FAILED entries have no usable MAC yet (or any more). */
	if (nd->ndm_state & (NUD_INCOMPLETE | NUD_FAILED | NUD_NOARP))
		return 0;
	for (struct rtattr *a = (struct rtattr *)((char *)nd + NLMSG_ALIGN(sizeof(*nd)));
	     RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == NDA_DST && RTA_PAYLOAD(a) == (unsigned)addr_len(q->addr))
			match = !memcmp(RTA_DATA(a), q->addr->addr, addr_len(q->addr));
		else if (a->rta_type == NDA_LLADDR && RTA_PAYLOAD(a) == 6)
			lladdr = RTA_DATA(a);
	}
	if (!match || !lladdr)
		return 0;
	memcpy(q->mac, lladdr, 6);
	q->found = 1;
	return 1;
}

static int neigh_lookup(int ifindex, const struct xlb_addr *addr, __u8 mac[6])
{
	struct {
		struct nlmsghdr h;
		struct ndmsg nd;
	} req = {
		.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg)),
		.h.nlmsg_type = RTM_GETNEIGH,
		.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		.nd.ndm_family = addr->family,
		.nd.ndm_ifindex = ifindex,
	};
	struct neigh_query q = { .ifindex = ifindex, .addr = addr, .mac = mac };
	int err = nl_talk(&req.h, neigh_cb, &q);

	if (err)
		return err;
	return q.found ? 0 : -ENOENT;
}

/* A datagram to the discard port makes the kernel resolve the address (ARP or ND). */
static void neigh_provoke(int ifindex, const struct xlb_addr *addr)
{
	struct sockaddr_storage to;
	socklen_t len = xlb_sockaddr(addr, 9, &to);
	char ifname[IF_NAMESIZE];
	int fd = socket(addr->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	if (if_indextoname(ifindex, ifname))
		setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, strlen(ifname));
	sendto(fd, "", 0, MSG_DONTWAIT, (struct sockaddr *)&to, len);
	close(fd);
}

int xlb_neigh_resolve(int ifindex, const struct xlb_addr *addr, int timeout_ms, __u8 mac[6])
{
	const struct timespec step = { .tv_nsec = 20 * 1000 * 1000 };
	int err = neigh_lookup(ifindex, addr, mac);

	if (err != -ENOENT)
		return err;
	neigh_provoke(ifindex, addr);
	for (int waited = 0; waited < timeout_ms; waited += 20) {
		nanosleep(&step, NULL);
		err = neigh_lookup(ifindex, addr, mac);
		if (err != -ENOENT)
			return err;
	}
	return -EHOSTUNREACH;
}

int xlb_if_mac(int ifindex, __u8 mac[6])
{
	struct ifreq ifr = {};
	int fd, err = 0;

	if (!if_indextoname(ifindex, ifr.ifr_name))
		return -ENODEV;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return err;
}

int xlb_lo_addr_add(const struct xlb_addr *addr)
{
	struct {
		struct nlmsghdr h;
		struct ifaddrmsg ifa;
		char attrs[64];
	} req = {
		.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)),
		.h.nlmsg_type = RTM_NEWADDR,
		.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
		.ifa.ifa_family = addr->family,
		.ifa.ifa_prefixlen = addr_len(addr) * 8,
		.ifa.ifa_scope = RT_SCOPE_HOST,
		.ifa.ifa_index = if_nametoindex("lo"),
	};
	int err;

	if (addr->family == AF_INET6)
		req.ifa.ifa_flags = IFA_F_NODAD;
	nl_add_attr(&req.h, IFA_LOCAL, addr->addr, addr_len(addr));
	nl_add_attr(&req.h, IFA_ADDRESS, addr->addr, addr_len(addr));
	err = nl_talk(&req.h, NULL, NULL);
	return err == -EEXIST ? 0 : err;
}
