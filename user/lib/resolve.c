// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "netlink.h"
#include "resolve.h"

int xlb_backend_resolve(struct xlb_backend_spec *spec, const char *dev, const __u8 *mac,
			int timeout_ms, char *err, size_t errlen)
{
	char ifname[IF_NAMESIZE] = "?", addr[XLB_VIP_STRLEN];
	int ifindex, ret;

	xlb_format_addr(&spec->addr, addr, sizeof(addr));
	if (dev) {
		ifindex = if_nametoindex(dev);
		if (!ifindex) {
			snprintf(err, errlen, "no interface '%s' in this network namespace", dev);
			return -ENODEV;
		}
	} else if ((ret = xlb_route_ifindex(&spec->addr, &ifindex))) {
		snprintf(err, errlen, "no route to backend %s: give --dev DEV, or add a route",
			 addr);
		return ret;
	}
	spec->ifindex = ifindex;
	if_indextoname(ifindex, ifname);
	ret = xlb_if_mac(ifindex, spec->src_mac);
	if (ret) {
		snprintf(err, errlen, "cannot read the MAC of %s: %s", ifname, strerror(-ret));
		return ret;
	}
	if (mac) {
		memcpy(spec->mac, mac, 6);
		return 0;
	}
	ret = xlb_neigh_resolve(ifindex, &spec->addr, timeout_ms, spec->mac);
	if (ret == -EHOSTUNREACH)
		snprintf(
			err, errlen,
			"cannot resolve the MAC of backend %s on %s (no ARP/ND answer): check that "
			"it is up on that segment, or give --mac",
			addr, ifname);
	else if (ret)
		snprintf(err, errlen, "neighbour lookup for %s: %s", addr, strerror(-ret));
	return ret;
}
