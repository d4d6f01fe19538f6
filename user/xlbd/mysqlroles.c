// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "mysqlroles.h"

const char *mysql_role_name(enum mysql_role role)
{
	switch (role) {
	case MYSQL_ROLE_PRIMARY:
		return "primary";
	case MYSQL_ROLE_REPLICA:
		return "replica";
	case MYSQL_ROLE_OFFLINE:
		break;
	}
	return "offline";
}

void mysql_format_endpoint(const struct xlbd_endpoint *ep, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	xlb_format_addr(&ep->ip, a, sizeof(a));
	snprintf(buf, len, ep->ip.family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, ep->port);
}

int mysql_parse_host_port(const char *host, const char *port, struct xlbd_endpoint *out)
{
	char buf[INET6_ADDRSTRLEN];
	size_t len = strlen(host);
	struct xlb_addr ip;
	unsigned long p;

	if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
		host++;
		len -= 2;
	}
	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, host, len);
	buf[len] = '\0';
	if (xlb_parse_addr(buf, &ip) || xlb_parse_uint(port, 65535, &p) || !p)
		return -EINVAL;
	out->ip = ip;
	out->port = p;
	return 0;
}

int mysql_parse_endpoint(const char *s, struct xlbd_endpoint *out)
{
	const char *colon = strrchr(s, ':');
	char host[INET6_ADDRSTRLEN + 2];

	/* an IPv6 address needs its brackets, or its last group would be taken for the port */
	if (!colon || (size_t)(colon - s) >= sizeof(host) ||
	    (strchr(s, ':') != colon && (s[0] != '[' || colon[-1] != ']')))
		return -EINVAL;
	memcpy(host, s, colon - s);
	host[colon - s] = '\0';
	return mysql_parse_host_port(host, colon + 1, out);
}

bool mysql_endpoint_equal(const struct xlbd_endpoint *a, const struct xlbd_endpoint *b)
{
	return a->port == b->port && xlb_addr_equal(&a->ip, &b->ip);
}

static int node_of(const struct xlbd_endpoint *nodes, unsigned int n,
		   const struct xlbd_endpoint *ep)
{
	for (unsigned int i = 0; i < n; i++)
		if (mysql_endpoint_equal(&nodes[i], ep))
			return i;
	return -1;
}

static bool writable(const struct mysql_observation *o)
{
	return o->up && !o->read_only;
}

/* A read-only node whose replication runs and says how far behind it is. */
static bool replicates(const struct mysql_observation *o)
{
	return o->up && o->read_only && o->replicating && o->io_running && o->sql_running &&
	       o->lag_s >= 0;
}

/* Why a read-only node that answered is not a replica. */
static void why_not_replica(const struct mysql_observation *o, char *why, size_t len)
{
	if (!o->replicating)
		snprintf(why, len, "read-only and not replicating");
	else if (o->io_running && o->sql_running)
		snprintf(why, len, "replication lag unknown (Seconds_Behind_Master is NULL)");
	else
		snprintf(why, len, "replication %s%s%s not running%s%s",
			 !o->io_running ? "IO thread" : "",
			 !o->io_running && !o->sql_running ? " and " : "",
			 !o->sql_running ? "SQL thread" : "", o->error[0] ? ": " : "", o->error);
}

/* The writable node to be the primary: the one most nodes replicate from (running threads),
 * the first in config order on a tie. -1 when none is writable. */
static int pick_primary(const struct xlbd_endpoint *nodes, const struct mysql_observation *obs,
			unsigned int n)
{
	int best = -1, best_followers = -1;

	for (unsigned int i = 0; i < n; i++) {
		int followers = 0;

		if (!writable(&obs[i]))
			continue;
		/* a writable node replicating from it counts too: a replica given
		 * read_only = 0 by mistake still says where the writes come from */
		for (unsigned int k = 0; k < n; k++)
			if (k != i && obs[k].up && obs[k].replicating && obs[k].io_running &&
			    obs[k].sql_running && obs[k].master_known &&
			    mysql_endpoint_equal(&obs[k].master, &nodes[i]))
				followers++;
		if (followers > best_followers) {
			best = i;
			best_followers = followers;
		}
	}
	return best;
}

unsigned int mysql_derive_roles(const struct xlbd_endpoint *nodes,
				const struct mysql_observation *obs, unsigned int n,
				struct mysql_verdict *out)
{
	int primary = pick_primary(nodes, obs, n);
	char name[XLB_VIP_STRLEN];
	unsigned int extra = 0;
	bool changed;

	for (unsigned int i = 0; i < n; i++) {
		const struct mysql_observation *o = &obs[i];
		struct mysql_verdict *v = &out[i];

		*v = (struct mysql_verdict){ .role = MYSQL_ROLE_OFFLINE };
		if (!o->up) {
			snprintf(v->why, sizeof(v->why), "unreachable: %s",
				 o->error[0] ? o->error : "no answer");
		} else if (!o->read_only) {
			if ((int)i == primary) {
				v->role = MYSQL_ROLE_PRIMARY;
			} else {
				mysql_format_endpoint(&nodes[primary], name, sizeof(name));
				snprintf(v->why, sizeof(v->why),
					 "writable too, but %s is the primary", name);
				extra++;
			}
		} else if (replicates(o)) {
			v->role = MYSQL_ROLE_REPLICA;
			v->lag_s = o->lag_s;
		} else {
			why_not_replica(o, v->why, sizeof(v->why));
		}
	}
	if (primary < 0)
		return extra;
	/* Replicas of a configured node that takes no writes and gets none by replication.
	 * Demoting one may strand those chained behind it: again until nothing changes. */
	do {
		changed = false;
		for (unsigned int i = 0; i < n; i++) {
			int m = obs[i].master_known ? node_of(nodes, n, &obs[i].master) : -1;

			if (out[i].role != MYSQL_ROLE_REPLICA || m < 0 || m == primary ||
			    (out[m].role == MYSQL_ROLE_REPLICA && m != (int)i))
				continue;
			mysql_format_endpoint(&nodes[m], name, sizeof(name));
			out[i] = (struct mysql_verdict){ .role = MYSQL_ROLE_OFFLINE };
			snprintf(out[i].why, sizeof(out[i].why),
				 "replicates from %s, which is neither the primary nor a replica",
				 name);
			changed = true;
		}
	} while (changed);
	return extra;
}
