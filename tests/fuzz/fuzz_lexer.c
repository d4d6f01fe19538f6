// fuzz-sources: user/sqlproxy/lexer.c
// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for xlb-sqlproxy's statement classifier: any bytes classify without a read
 * past the end (libFuzzer's buffer is exactly the input's size, and so are the copies here), and
 * the answer keeps sql_class's rules. The hint in front always yields the primary; a plain
 * comment in front changes nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lexer.h"

#define ALL_FLAGS (SQL_F_PIN | SQL_F_HINT_PRIMARY | SQL_F_MULTI | SQL_F_LAST_SERVER | SQL_F_USE)

static void check(const struct sql_class *c)
{
	if (c->route != SQL_ROUTE_READ && c->route != SQL_ROUTE_WRITE &&
	    c->route != SQL_ROUTE_SESSION)
		abort();
	if (c->flags & ~ALL_FLAGS)
		abort();
	/* a reason always, and necessarily for a pin: the session logs it */
	if (!c->why || !c->why[0])
		abort();
	if ((c->flags & (SQL_F_PIN | SQL_F_HINT_PRIMARY | SQL_F_MULTI)) &&
	    c->route != SQL_ROUTE_WRITE)
		abort();
	if ((c->flags & SQL_F_LAST_SERVER) && c->route != SQL_ROUTE_READ)
		abort();
	if ((c->flags & SQL_F_USE) && c->route != SQL_ROUTE_SESSION)
		abort();
}

static void classify_copy(const char *prefix, const uint8_t *data, size_t size, struct sql_class *c)
{
	size_t plen = strlen(prefix);
	char *buf = malloc(plen + size);

	if (!buf)
		abort();
	memcpy(buf, prefix, plen);
	memcpy(buf + plen, data, size);
	sql_classify(buf, plen + size, c);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sql_class c, again, hinted;

	sql_classify((const char *)data, size, &c);
	check(&c);

	/* pure: the same bytes, the same answer */
	sql_classify((const char *)data, size, &again);
	if (again.route != c.route || again.flags != c.flags || again.why != c.why)
		abort();

	/* the hint in front of anything: the primary */
	classify_copy("/* xlb:primary */ ", data, size, &hinted);
	check(&hinted);
	if (hinted.route != SQL_ROUTE_WRITE || !(hinted.flags & SQL_F_HINT_PRIMARY))
		abort();

	/* a comment in front leaves the lexer where it started: the same answer */
	classify_copy("/* c */ ", data, size, &hinted);
	if (hinted.route != c.route || hinted.flags != c.flags || hinted.why != c.why)
		abort();
	return 0;
}
