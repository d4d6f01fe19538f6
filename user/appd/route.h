/* SPDX-License-Identifier: GPL-2.0-only */
/* Which of appd's endpoints a path names, and the methods each takes (for 405's Allow). */
#ifndef XLB_APPD_ROUTE_H
#define XLB_APPD_ROUTE_H

#include <stdbool.h>

enum appd_route {
	APPD_R_NONE,   /* 404 */
	APPD_R_NOTES,  /* /api/notes: GET (HEAD), POST */
	APPD_R_NOTE,   /* /api/notes/ID: GET (HEAD) */
	APPD_R_WHOAMI, /* /api/whoami: GET (HEAD) */
	APPD_R_HEALTH, /* /health: GET (HEAD) */
};

enum appd_method {
	APPD_M_GET,
	APPD_M_HEAD,
	APPD_M_POST,
	APPD_M_OTHER,
};

/* path without the query; *id: for APPD_R_NOTE, the segment after /api/notes/ (maybe ""),
 * pointing into path. */
enum appd_route appd_route(const char *path, const char **id);
/* Whether route takes method; HEAD wherever GET. */
bool appd_route_allows(enum appd_route route, enum appd_method method);
/* The Allow header of route's 405. */
const char *appd_route_allow(enum appd_route route);

#endif
