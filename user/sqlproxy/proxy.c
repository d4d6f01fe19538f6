// SPDX-License-Identifier: GPL-2.0-only
/* Small lookups on the proxy's state that the config, the admin socket and sessions share. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "proxy.h"

int64_t sp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *const role_names[] = {
	[SP_ROLE_PRIMARY] = "primary",
	[SP_ROLE_REPLICA] = "replica",
	[SP_ROLE_OFFLINE] = "offline",
};

const char *sp_role_name(enum sp_role role)
{
	if ((unsigned int)role >= sizeof(role_names) / sizeof(role_names[0]))
		return "?";
	return role_names[role];
}

int sp_role_parse(const char *s, enum sp_role *role)
{
	for (unsigned int i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (!strcmp(s, role_names[i])) {
			*role = i;
			return 0;
		}
	return -EINVAL;
}

struct sp_server *sp_server_find(struct sp_proxy *p, const char *name)
{
	for (unsigned int i = 0; i < p->cfg.nr_servers; i++)
		if (!strcmp(p->cfg.servers[i].name, name))
			return &p->cfg.servers[i];
	return NULL;
}

/* User names compare as MariaDB compares them: case-sensitively. */
const struct sp_user *sp_user_find(const struct sp_proxy *p, const char *name)
{
	for (unsigned int i = 0; i < p->cfg.nr_users; i++)
		if (!strcmp(p->cfg.users[i].name, name))
			return &p->cfg.users[i];
	return NULL;
}
