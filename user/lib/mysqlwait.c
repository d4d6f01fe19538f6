// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>

#include "mysqlwait.h"

int mysql_wait_arm(struct event *ev, MYSQL *my, int status, event_callback_fn cb, void *arg)
{
	unsigned int ms = mysql_get_timeout_value_ms(my);
	struct timeval tv = { ms / 1000, ms % 1000 * 1000 };
	evutil_socket_t fd = mysql_get_socket(my);
	short what = 0;

	/* libevent has no exceptional conditions; a socket that has one is readable */
	if (status & (MYSQL_WAIT_READ | MYSQL_WAIT_EXCEPT))
		what |= EV_READ;
	if (status & MYSQL_WAIT_WRITE)
		what |= EV_WRITE;
	if (!what)
		fd = -1;
	event_del(ev);
	if (event_assign(ev, event_get_base(ev), fd, what, cb, arg))
		return -EINVAL;
	return event_add(ev, status & MYSQL_WAIT_TIMEOUT ? &tv : NULL) ? -ENOMEM : 0;
}

int mysql_wait_ready(short what)
{
	int ready = 0;

	if (what & EV_READ)
		ready |= MYSQL_WAIT_READ;
	if (what & EV_WRITE)
		ready |= MYSQL_WAIT_WRITE;
	if (what & EV_TIMEOUT)
		ready |= MYSQL_WAIT_TIMEOUT;
	return ready;
}
