// SPDX-License-Identifier: GPL-2.0-only
/* Unix-or-TCP endpoints (grammar in endpoint.h). */
#include <errno.h>
#include <string.h>
#include <sys/un.h>

#include "endpoint.h"
#include "inifile.h"

_Static_assert(XLB_UNIX_PATH_MAX + 1 == sizeof(((struct sockaddr_un *)NULL)->sun_path),
	       "a path as long as sockaddr_un holds");

int xlb_endpoint_parse(const char *s, struct xlb_endpoint *out)
{
	struct xlb_endpoint ep = {};
	size_t len = strlen(s);

	if (!len)
		return -EINVAL;
	/* what looks like an address must be one: a typo is an error, not a file name */
	if ((*s >= '0' && *s <= '9') || *s == '[' || strchr(s, ':')) {
		if (xlb_ini_parse_endpoint(s, &ep.ip, &ep.port) < 0)
			return -EINVAL;
		ep.family = ep.ip.family;
	} else {
		if (len > XLB_UNIX_PATH_MAX)
			return -EINVAL;
		ep.family = AF_UNIX;
		memcpy(ep.path, s, len + 1);
	}
	*out = ep;
	return 0;
}

socklen_t xlb_endpoint_sockaddr(const struct xlb_endpoint *ep, struct sockaddr_storage *ss)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)ss;

	if (ep->family != AF_UNIX)
		return xlb_sockaddr(&ep->ip, ep->port, ss);
	_Static_assert(sizeof(struct sockaddr_storage) >= sizeof(struct sockaddr_un),
		       "a sockaddr_un fits");
	memset(ss, 0, sizeof(*ss));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, ep->path, strlen(ep->path) + 1);
	return sizeof(*sun);
}

bool xlb_endpoint_equal(const struct xlb_endpoint *a, const struct xlb_endpoint *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_UNIX)
		return !strcmp(a->path, b->path);
	return a->port == b->port && xlb_addr_equal(&a->ip, &b->ip);
}
