// SPDX-License-Identifier: GPL-2.0-only
/*
 * appd's routing table. Paths match exactly (no trailing slash, no percent-decoding): an API
 * has one spelling per resource, and anything else is a 404 that names the path.
 */
#include <string.h>

#include "route.h"

#define NOTES_PREFIX "/api/notes/"

enum appd_route appd_route(const char *path, const char **id)
{
	if (!path)
		return APPD_R_NONE;
	if (!strcmp(path, "/api/notes"))
		return APPD_R_NOTES;
	if (!strncmp(path, NOTES_PREFIX, strlen(NOTES_PREFIX)) &&
	    !strchr(path + strlen(NOTES_PREFIX), '/')) {
		*id = path + strlen(NOTES_PREFIX);
		return APPD_R_NOTE;
	}
	if (!strcmp(path, "/api/whoami"))
		return APPD_R_WHOAMI;
	if (!strcmp(path, "/health"))
		return APPD_R_HEALTH;
	return APPD_R_NONE;
}

bool appd_route_allows(enum appd_route route, enum appd_method method)
{
	if (route == APPD_R_NONE)
		return false;
	if (method == APPD_M_GET || method == APPD_M_HEAD)
		return true;
	return route == APPD_R_NOTES && method == APPD_M_POST;
}

const char *appd_route_allow(enum appd_route route)
{
	return route == APPD_R_NOTES ? "GET, HEAD, POST" : "GET, HEAD";
}
