// SPDX-License-Identifier: GPL-2.0-only
/*
 * xlbd's [mysql] monitor without MariaDB (tests/sql/test_xlbd_mysql.sh has the real servers):
 *   - the role derivation, case by case (mysqlroles.h);
 *   - addresses as the splitters and SHOW SLAVE STATUS write them;
 *   - pushes to a fake splitter admin socket served by this test: what is sent and in what
 *     order, nothing when all is in place, a node the splitter lacks, ERR answers, a
 *     splitter that is not there or never answers;
 *   - the monitor with a node that refuses and one that never greets: both offline, rounds
 *     go on at the interval, the hanging node holds no round up. TAP.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "log.h"
#include "mysqlmon.h"
#include "mysqlroles.h"
#include "splitter.h"
#include "../lib/tap.h"

static struct xlbd_endpoint ep(const char *s)
{
	struct xlbd_endpoint e = {};

	if (mysql_parse_endpoint(s, &e))
		fprintf(stderr, "bad endpoint in the test: %s\n", s);
	return e;
}

/* ---- role derivation ---- */

#define DB1 "10.0.0.1:3306"
#define DB2 "10.0.0.2:3306"
#define DB3 "10.0.0.3:3306"

enum { R_OFF = MYSQL_ROLE_OFFLINE, R_PRI = MYSQL_ROLE_PRIMARY, R_REP = MYSQL_ROLE_REPLICA };

/* Observations in short: */
static const struct mysql_observation DOWN = { .lag_s = -1, .error = "Connection refused" };
static const struct mysql_observation WRITABLE = { .up = true, .lag_s = -1 };
static const struct mysql_observation ALONE = { .up = true, .read_only = true, .lag_s = -1 };

/* A read-only node replicating from master with both threads as given. */
static struct mysql_observation repl(const char *master, bool io, bool sql, long lag,
				     const char *error)
{
	struct mysql_observation o = { .up = true,
				       .read_only = true,
				       .replicating = true,
				       .io_running = io,
				       .sql_running = sql,
				       .lag_s = lag };

	if (master) {
		o.master_known = true;
		o.master = ep(master);
	}
	snprintf(o.error, sizeof(o.error), "%s", error ? error : "");
	return o;
}

/* The same, writable: a replica promoted with read_only = 0 whose threads still run. */
static struct mysql_observation writable_repl(const char *master)
{
	struct mysql_observation o = repl(master, true, true, 0, NULL);

	o.read_only = false;
	return o;
}

struct role_case {
	const char *name;
	unsigned int n;
	struct mysql_observation obs[3];
	int role[3];
	unsigned int lag[3];
	const char *why[3]; /* a part of the offline reason, or NULL */
	unsigned int extra; /* writable nodes made offline */
};

static void test_roles(void)
{
	const struct role_case cases[] = {
		{ .name = "primary and a replica",
		  .n = 2,
		  .obs = { WRITABLE, repl(DB1, true, true, 0, NULL) },
		  .role = { R_PRI, R_REP } },
		{ .name = "the replica's lag is Seconds_Behind_Master",
		  .n = 2,
		  .obs = { WRITABLE, repl(DB1, true, true, 42, NULL) },
		  .role = { R_PRI, R_REP },
		  .lag = { 0, 42 } },
		{ .name = "replica with both threads stopped (STOP SLAVE)",
		  .n = 2,
		  .obs = { WRITABLE, repl(DB1, false, false, -1, NULL) },
		  .role = { R_PRI, R_OFF },
		  .why = { NULL, "IO thread and SQL thread not running" } },
		{ .name = "replica with the SQL thread stopped",
		  .n = 2,
		  .obs = { WRITABLE, repl(DB1, true, false, -1, NULL) },
		  .role = { R_PRI, R_OFF },
		  .why = { NULL, "replication SQL thread not running" } },
		{ .name = "replica with the IO thread connecting",
		  .n = 2,
		  .obs = { WRITABLE, repl(DB1, false, true, 0, "error reconnecting to master") },
		  .role = { R_PRI, R_OFF },
		  .why = { NULL, "IO thread not running: error reconnecting" } },
		{ .name = "replica broken by an SQL error",
		  .n = 2,
		  .obs = { WRITABLE,
			   repl(DB1, true, false, -1, "Duplicate entry '1' for key 'PRIMARY'") },
		  .role = { R_PRI, R_OFF },
		  .why = { NULL, "SQL thread not running: Duplicate entry" } },
		{ .name = "threads running but lag NULL",
		  .n = 2,
		  .obs = { WRITABLE, repl(DB1, true, true, -1, NULL) },
		  .role = { R_PRI, R_OFF },
		  .why = { NULL, "lag unknown" } },
		{ .name = "read-only without replication",
		  .n = 2,
		  .obs = { WRITABLE, ALONE },
		  .role = { R_PRI, R_OFF },
		  .why = { NULL, "not replicating" } },
		{ .name = "unreachable replica",
		  .n = 2,
		  .obs = { WRITABLE, DOWN },
		  .role = { R_PRI, R_OFF },
		  .why = { NULL, "unreachable: Connection refused" } },
		{ .name = "unreachable primary: the replica still serves reads",
		  .n = 2,
		  .obs = { DOWN, repl(DB1, true, true, 3, NULL) },
		  .role = { R_OFF, R_REP },
		  .lag = { 0, 3 },
		  .why = { "unreachable" } },
		{ .name = "read_only flipped: db2 writable (still replicating), db1 read-only "
			  "alone",
		  .n = 2,
		  .obs = { ALONE, writable_repl(DB1) },
		  .role = { R_OFF, R_PRI },
		  .why = { "not replicating" } },
		{ .name = "no writable node: replicas stay replicas",
		  .n = 2,
		  .obs = { ALONE, repl(DB1, true, true, 0, NULL) },
		  .role = { R_OFF, R_REP },
		  .why = { "not replicating" } },
		{ .name = "two writable: the one the replica follows wins",
		  .n = 3,
		  .obs = { WRITABLE, WRITABLE, repl(DB2, true, true, 1, NULL) },
		  .role = { R_OFF, R_PRI, R_REP },
		  .lag = { 0, 0, 1 },
		  .why = { "writable too, but " DB2 " is the primary" },
		  .extra = 1 },
		{ .name = "two writable: db2 replicates from db1 (read_only = 0 by mistake)",
		  .n = 2,
		  .obs = { WRITABLE, writable_repl(DB1) },
		  .role = { R_PRI, R_OFF },
		  .why = { NULL, "writable too, but " DB1 " is the primary" },
		  .extra = 1 },
		{ .name = "two writable: db1 replicates from db2, so db2 wins",
		  .n = 2,
		  .obs = { writable_repl(DB2), WRITABLE },
		  .role = { R_OFF, R_PRI },
		  .why = { "writable too, but " DB2 " is the primary" },
		  .extra = 1 },
		{ .name = "two writable replicating from each other: the first in config order",
		  .n = 2,
		  .obs = { writable_repl(DB2), writable_repl(DB1) },
		  .role = { R_PRI, R_OFF },
		  .extra = 1 },
		{ .name = "two writable, nobody follows either: the first in config order",
		  .n = 3,
		  .obs = { WRITABLE, WRITABLE, ALONE },
		  .role = { R_PRI, R_OFF, R_OFF },
		  .why = { NULL, "writable too, but " DB1 " is the primary" },
		  .extra = 1 },
		{ .name = "three writable",
		  .n = 3,
		  .obs = { WRITABLE, WRITABLE, WRITABLE },
		  .role = { R_PRI, R_OFF, R_OFF },
		  .why = { NULL, "writable too", "writable too" },
		  .extra = 2 },
		{ .name = "a stopped replica does not make its master the primary",
		  .n = 3,
		  .obs = { WRITABLE, WRITABLE, repl(DB2, false, false, -1, NULL) },
		  .role = { R_PRI, R_OFF, R_OFF },
		  .why = { NULL, "writable too" },
		  .extra = 1 },
		{ .name = "chained replication: db3 follows the replica db2",
		  .n = 3,
		  .obs = { WRITABLE, repl(DB1, true, true, 1, NULL),
			   repl(DB2, true, true, 2, NULL) },
		  .role = { R_PRI, R_REP, R_REP },
		  .lag = { 0, 1, 2 } },
		{ .name = "after a failover: db3 follows the demoted db1",
		  .n = 3,
		  .obs = { ALONE, WRITABLE, repl(DB1, true, true, 0, NULL) },
		  .role = { R_OFF, R_PRI, R_OFF },
		  .why = { NULL, NULL, "replicates from " DB1 ", which is neither" } },
		{ .name = "a chain behind a stopped replica is offline too",
		  .n = 3,
		  .obs = { WRITABLE, repl(DB1, false, false, -1, NULL),
			   repl(DB2, true, true, 0, NULL) },
		  .role = { R_PRI, R_OFF, R_OFF },
		  .why = { NULL, NULL, "replicates from " DB2 } },
		{ .name = "a master outside the config is trusted",
		  .n = 2,
		  .obs = { WRITABLE, repl("192.168.1.1:3306", true, true, 0, NULL) },
		  .role = { R_PRI, R_REP } },
		{ .name = "a master given by name is trusted",
		  .n = 2,
		  .obs = { WRITABLE, repl(NULL, true, true, 5, NULL) },
		  .role = { R_PRI, R_REP },
		  .lag = { 0, 5 } },
		{ .name = "all unreachable",
		  .n = 2,
		  .obs = { DOWN, DOWN },
		  .role = { R_OFF, R_OFF },
		  .why = { "unreachable", "unreachable" } },
		{ .name = "a single writable node",
		  .n = 1,
		  .obs = { WRITABLE },
		  .role = { R_PRI } },
	};
	const struct xlbd_endpoint nodes[3] = { ep(DB1), ep(DB2), ep(DB3) };

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct role_case *rc = &cases[c];
		struct mysql_verdict v[3];
		unsigned int extra = mysql_derive_roles(nodes, rc->obs, rc->n, v);
		bool ok = extra == rc->extra;

		for (unsigned int i = 0; i < rc->n; i++) {
			ok = ok && (int)v[i].role == rc->role[i] && v[i].lag_s == rc->lag[i];
			if (rc->why[i])
				ok = ok && strstr(v[i].why, rc->why[i]);
			/* offline always says why; the others never */
			ok = ok && !v[i].why[0] == (v[i].role != MYSQL_ROLE_OFFLINE);
		}
		if (!ASSERT_TRUE(ok, tname("roles: %s", rc->name))) {
			printf("#   extra %u, want %u\n", extra, rc->extra);
			for (unsigned int i = 0; i < rc->n; i++)
				printf("#   node %u: %s lag %u '%s'\n", i + 1,
				       mysql_role_name(v[i].role), v[i].lag_s, v[i].why);
		}
	}
}

static void test_endpoints(void)
{
	struct xlbd_endpoint e, want = ep("127.0.0.1:3306");
	char buf[XLB_VIP_STRLEN];

	ASSERT_TRUE(!mysql_parse_endpoint("[::1]:3307", &e) && e.ip.family == AF_INET6 &&
			    e.port == 3307,
		    "endpoint: [::1]:3307");
	mysql_format_endpoint(&e, buf, sizeof(buf));
	ASSERT_TRUE(!strcmp(buf, "[::1]:3307"), "endpoint: formatted back with brackets");
	ASSERT_EQ(mysql_parse_endpoint("::1:3307", &e), -EINVAL,
		  "endpoint: IPv6 without brackets is refused");
	ASSERT_EQ(mysql_parse_endpoint("db1:3306", &e), -EINVAL, "endpoint: a name is refused");
	ASSERT_EQ(mysql_parse_endpoint("127.0.0.1", &e), -EINVAL, "endpoint: no port");
	ASSERT_EQ(mysql_parse_endpoint("127.0.0.1:0", &e), -EINVAL, "endpoint: port 0");
	ASSERT_EQ(mysql_parse_endpoint("127.0.0.1:65536", &e), -EINVAL, "endpoint: port 65536");
	ASSERT_TRUE(!mysql_parse_host_port("127.0.0.1", "3306", &e) &&
			    mysql_endpoint_equal(&e, &want),
		    "Master_Host and Master_Port");
	ASSERT_TRUE(!mysql_parse_host_port("::ffff:127.0.0.1", "3306", &e) &&
			    e.ip.family == AF_INET6 && !mysql_endpoint_equal(&e, &want),
		    "Master_Host: IPv6 as it is");
	ASSERT_EQ(mysql_parse_host_port("db1.example", "3306", &e), -EINVAL,
		  "Master_Host: a name is no address");
}

/* ---- a fake splitter admin socket ---- */

#define MAX_ROWS 8
#define MAX_LOG 64

struct fake_row {
	char name[32], address[64], role[16], lag[16];
};

struct fake_splitter {
	char path[108];
	struct evconnlistener *listener;
	bool silent;	       /* accepts and never answers */
	const char *refuse;    /* a server name whose `set`s get ERR */
	bool header_reordered; /* the columns in another order */
	struct fake_row rows[MAX_ROWS];
	int nr_rows;
	char log[MAX_LOG][160]; /* the commands received */
	int nr_log;
	int connections;
	struct bufferevent *held[8];
	int nr_held;
};

static struct event_base *base;

static void fake_reply(struct fake_splitter *f, struct bufferevent *bev, const char *line)
{
	struct evbuffer *out = bufferevent_get_output(bev);
	char name[64], what[16], value[16];

	if (f->nr_log < MAX_LOG)
		snprintf(f->log[f->nr_log++], sizeof(f->log[0]), "%s", line);
	if (!strcmp(line, "show servers")) {
		if (f->header_reordered)
			evbuffer_add_printf(out, "state\tlag\trole\taddress\tname\n");
		else
			evbuffer_add_printf(
				out,
				"name\taddress\trole\tlag\tstate\treads\twrites\terrors\topen\n");
		for (int i = 0; i < f->nr_rows; i++) {
			const struct fake_row *r = &f->rows[i];

			if (f->header_reordered)
				evbuffer_add_printf(out, "up\t%s\t%s\t%s\t%s\n", r->lag, r->role,
						    r->address, r->name);
			else
				evbuffer_add_printf(out, "%s\t%s\t%s\t%s\tup\t0\t0\t0\t0\n",
						    r->name, r->address, r->role, r->lag);
		}
		evbuffer_add(out, "\n", 1);
		return;
	}
	if (sscanf(line, "set server %63s %15s %15s", name, what, value) == 3) {
		if (f->refuse && !strcmp(name, f->refuse)) {
			evbuffer_add_printf(out, "ERR: server %s is read-only here\n\n", name);
			return;
		}
		for (int i = 0; i < f->nr_rows; i++) {
			if (strcmp(f->rows[i].name, name))
				continue;
			if (!strcmp(what, "role"))
				snprintf(f->rows[i].role, sizeof(f->rows[i].role), "%s", value);
			else
				snprintf(f->rows[i].lag, sizeof(f->rows[i].lag), "%s", value);
			evbuffer_add_printf(out, "OK\n\n");
			return;
		}
		evbuffer_add_printf(out, "ERR: no server %s\n\n", name);
		return;
	}
	evbuffer_add_printf(out, "ERR: unknown command\n\n");
}

static void fake_on_read(struct bufferevent *bev, void *ctx)
{
	char *line;

	while ((line = evbuffer_readln(bufferevent_get_input(bev), NULL, EVBUFFER_EOL_LF))) {
		fake_reply(ctx, bev, line);
		free(line);
	}
}

static void fake_on_event(struct bufferevent *bev, short what, void *ctx)
{
	(void)what, (void)ctx;
	bufferevent_free(bev);
}

static void fake_on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
			   int len, void *ctx)
{
	struct fake_splitter *f = ctx;
	struct bufferevent *bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);

	(void)l, (void)sa, (void)len;
	f->connections++;
	if (f->silent) {
		if (f->nr_held < 8)
			f->held[f->nr_held++] = bev;
		return;
	}
	bufferevent_setcb(bev, fake_on_read, NULL, fake_on_event, f);
	bufferevent_enable(bev, EV_READ);
}

static int fake_start(struct fake_splitter *f, const char *dir, const char *name)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	snprintf(f->path, sizeof(f->path), "%s/%s", dir, name);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->path);
	f->listener = evconnlistener_new_bind(base, fake_on_accept, f, LEV_OPT_CLOSE_ON_FREE, 16,
					      (struct sockaddr *)&sun, sizeof(sun));
	return f->listener ? 0 : -1;
}

static void fake_stop(struct fake_splitter *f)
{
	while (f->nr_held > 0)
		bufferevent_free(f->held[--f->nr_held]);
	if (f->listener)
		evconnlistener_free(f->listener);
	f->listener = NULL;
	unlink(f->path);
}

static void fake_row(struct fake_splitter *f, const char *name, const char *address,
		     const char *role, const char *lag)
{
	struct fake_row *r = &f->rows[f->nr_rows++];

	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->address, sizeof(r->address), "%s", address);
	snprintf(r->role, sizeof(r->role), "%s", role);
	snprintf(r->lag, sizeof(r->lag), "%s", lag);
}

/* The commands received, one a line, without the `show servers` and `show stats` of every
 * push. */
static const char *fake_sets(const struct fake_splitter *f)
{
	static char buf[4096];
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < f->nr_log; i++)
		if (strcmp(f->log[i], "show servers") && strcmp(f->log[i], "show stats"))
			n += snprintf(buf + n, sizeof(buf) - n, "%s\n", f->log[i]);
	return buf;
}

static void loop_ms(int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000;
}

/* Runs the loop until s has no push under way (or 5 s); returns the ms it took. */
static long push_and_wait(struct splitter *s, const struct splitter_node *nodes, unsigned int n,
			  int timeout_ms)
{
	long t0 = now_ms();

	splitter_push(s, nodes, n, timeout_ms);
	while (splitter_busy(s) && now_ms() - t0 < 5000)
		loop_ms(5);
	/* the fake sees the last reply's close */
	loop_ms(5);
	return now_ms() - t0;
}

static void check_sets(const struct fake_splitter *f, const char *want, const char *name)
{
	if (!ASSERT_TRUE(!strcmp(fake_sets(f), want), name))
		printf("#   got:\n%s#   want:\n%s", fake_sets(f), want);
}

static void test_splitter(const char *dir)
{
	struct fake_splitter f = {}, silent = { .silent = true };
	struct splitter_node nodes[3] = {
		{ ep("127.0.0.1:3306"), MYSQL_ROLE_PRIMARY, 0 },
		{ ep("127.0.0.1:3307"), MYSQL_ROLE_REPLICA, 4 },
		{ ep("[::1]:3308"), MYSQL_ROLE_OFFLINE, 0 },
	};
	struct splitter *s = NULL, *gone = NULL, *hung = NULL;
	long took;

	if (!ASSERT_OK(fake_start(&f, dir, "split.sock"), "fake splitter listening") ||
	    !ASSERT_OK(fake_start(&silent, dir, "silent.sock"), "silent splitter listening"))
		goto out;
	/* as a splitter that just started with its config's roles */
	fake_row(&f, "db1", "127.0.0.1:3306", "offline", "0");
	fake_row(&f, "db2", "127.0.0.1:3307", "primary", "0");
	fake_row(&f, "db3", "[0:0::1]:3308", "replica", "0");
	s = splitter_new(base, f.path);
	if (!ASSERT_TRUE(s, "splitter_new"))
		goto out;

	push_and_wait(s, nodes, 3, 1000);
	check_sets(&f,
		   "set server db2 lag 4\n"
		   "set server db2 role replica\n"
		   "set server db3 role offline\n"
		   "set server db1 role primary\n",
		   "push: lag before role, demotions before the promotion, by parsed address");
	ASSERT_TRUE(splitter_reachable(s) && splitter_pushes(s) == 1 && !splitter_push_errors(s),
		    "push: reachable, no error");
	ASSERT_TRUE(!strcmp(f.rows[0].role, "primary") && !strcmp(f.rows[1].role, "replica") &&
			    !strcmp(f.rows[1].lag, "4") && !strcmp(f.rows[2].role, "offline"),
		    "push: the splitter holds the roles");

	f.nr_log = 0;
	push_and_wait(s, nodes, 3, 1000);
	check_sets(&f, "", "push again: nothing to change, nothing sent");
	ASSERT_EQ(f.nr_log, 2, "push again: only `show servers` and `show stats`");

	f.nr_log = 0;
	nodes[1].lag_s = 9;
	push_and_wait(s, nodes, 3, 1000);
	check_sets(&f, "set server db2 lag 9\n", "push: a new lag alone");

	/* the splitter restarted with its config's roles, columns in another order */
	f.nr_log = 0;
	f.header_reordered = true;
	snprintf(f.rows[0].role, sizeof(f.rows[0].role), "offline");
	push_and_wait(s, nodes, 3, 1000);
	check_sets(&f, "set server db1 role primary\n",
		   "push: a restarted splitter is healed; columns found by name");

	/* a node the splitter does not list, one it refuses */
	f.nr_log = 0;
	f.nr_rows = 2;
	f.refuse = "db2";
	nodes[1].role = MYSQL_ROLE_OFFLINE;
	push_and_wait(s, nodes, 3, 1000);
	check_sets(&f, "set server db2 role offline\n",
		   "push: an unlisted node is skipped, the refused set was sent");
	ASSERT_TRUE(splitter_reachable(s) && splitter_push_errors(s) == 1,
		    "push: an ERR answer counts as a push error, the splitter is reachable");

	/* not there */
	gone = splitter_new(base, "/nonexistent/xlb-test/sqlproxy.sock");
	if (gone) {
		took = push_and_wait(gone, nodes, 3, 1000);
		ASSERT_TRUE(!splitter_reachable(gone) && splitter_push_errors(gone) == 1 &&
				    took < 500,
			    "push: a missing socket fails at once");
	}
	/* never answers: the deadline ends the push; a push asked for meanwhile follows it */
	hung = splitter_new(base, silent.path);
	if (hung) {
		long t0 = now_ms();

		splitter_push(hung, nodes, 3, 200);
		loop_ms(50);
		splitter_push(hung, nodes, 3, 200);
		while (splitter_pushes(hung) < 2 && now_ms() - t0 < 3000)
			loop_ms(5);
		took = now_ms() - t0;
		ASSERT_TRUE(splitter_pushes(hung) == 2 && !splitter_reachable(hung) &&
				    splitter_push_errors(hung) == 2 && silent.connections == 2,
			    "push: a silent splitter times out; the queued push runs after");
		ASSERT_TRUE(took >= 380 && took < 1000,
			    "push: each within its deadline (200 ms, twice)");
		printf("#   two timed-out pushes took %ld ms\n", took);
	}
out:
	splitter_free(s);
	splitter_free(gone);
	splitter_free(hung);
	fake_stop(&f);
	fake_stop(&silent);
	loop_ms(10);
}

/* ---- the monitor, without a MariaDB ---- */

/* A loopback port with nothing listening (bound, never listened on); *fd keeps it. */
static int closed_port(int *fd, __u16 *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);

	*fd = socket(AF_INET, SOCK_STREAM, 0);
	if (*fd < 0 || bind(*fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(*fd, (struct sockaddr *)&a, &len))
		return -1;
	*port = ntohs(a.sin_port);
	return 0;
}

static void test_monitor(const char *dir)
{
	struct fake_splitter f = {};
	struct xlbd_mysql cfg = { .present = true, .interval_ms = 200, .user = "monitor" };
	int closed_fd = -1, hang_fd = -1;
	__u16 closed, hang;
	struct mysqlmon_node_status st[2];
	struct mysqlmon *m = NULL;
	char addr[64];
	long t0;

	if (!ASSERT_OK(closed_port(&closed_fd, &closed), "a closed port") ||
	    !ASSERT_OK(closed_port(&hang_fd, &hang) || listen(hang_fd, 16),
		       "a port that accepts and never greets") ||
	    !ASSERT_OK(fake_start(&f, dir, "mon.sock"), "fake splitter for the monitor"))
		goto out;
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", closed);
	fake_row(&f, "a", addr, "primary", "0");
	cfg.nodes[0] = ep(addr);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", hang);
	fake_row(&f, "b", addr, "replica", "0");
	cfg.nodes[1] = ep(addr);
	cfg.nr_nodes = 2;
	snprintf(cfg.splitters[0], sizeof(cfg.splitters[0]), "%s", f.path);
	cfg.nr_splitters = 1;

	m = mysqlmon_start(base, &cfg);
	if (!ASSERT_TRUE(m, "mysqlmon_start"))
		goto out;
	t0 = now_ms();
	while (mysqlmon_rounds(m) < 4 && now_ms() - t0 < 3000)
		loop_ms(10);
	t0 = now_ms() - t0;
	/* the first round starts at once; each ends by the hanging node's 180 ms deadline */
	ASSERT_TRUE(mysqlmon_rounds(m) >= 4 && t0 < 1500,
		    "monitor: rounds go on at the interval (4 in under 1.5 s)");
	printf("#   4 rounds in %ld ms\n", t0);
	mysqlmon_node(m, 0, &st[0]);
	mysqlmon_node(m, 1, &st[1]);
	ASSERT_TRUE(st[0].checked && !st[0].obs->up && st[0].verdict->role == MYSQL_ROLE_OFFLINE &&
			    strstr(st[0].verdict->why, "unreachable: Can't connect"),
		    "monitor: a refused node is offline");
	printf("#   refused: %s\n", st[0].verdict->why);
	ASSERT_TRUE(!st[1].obs->up && st[1].verdict->role == MYSQL_ROLE_OFFLINE &&
			    strstr(st[1].verdict->why, "no answer within 180 ms"),
		    "monitor: a node that never greets is offline by the check's deadline");
	ASSERT_TRUE(st[0].latency_us < 100000,
		    "monitor: the refused node's check did not wait for the hanging one");
	ASSERT_TRUE(st[0].checks_failed >= 4 && st[1].checks_failed >= 4 && !st[0].checks_ok,
		    "monitor: every round checked both");
	loop_ms(100);
	ASSERT_TRUE(!strcmp(f.rows[0].role, "offline") && !strcmp(f.rows[1].role, "offline"),
		    "monitor: the splitter was told both are offline");
	ASSERT_TRUE(strstr(fake_sets(&f), "set server a role offline\n") &&
			    !strstr(fake_sets(&f), " lag "),
		    "monitor: no lag is pushed for offline nodes");
	ASSERT_EQ(mysqlmon_nr_splitters(m), 1, "monitor: one splitter");
	ASSERT_TRUE(splitter_reachable(mysqlmon_splitter(m, 0)), "monitor: splitter reachable");
	/* a reload with the same section keeps the monitor, another one replaces it */
	{
		struct mysqlmon *before = m;
		unsigned long rounds = mysqlmon_rounds(m);

		ASSERT_TRUE(!mysqlmon_apply(&m, base, &cfg) && m == before &&
				    mysqlmon_rounds(m) == rounds,
			    "monitor: the same [mysql] on reload keeps it running");
		cfg.interval_ms = 300;
		ASSERT_TRUE(!mysqlmon_apply(&m, base, &cfg) && m && !mysqlmon_rounds(m),
			    "monitor: a changed [mysql] starts a new one");
		cfg.present = false;
		ASSERT_TRUE(!mysqlmon_apply(&m, base, &cfg) && !m,
			    "monitor: no [mysql] any more stops it");
	}
out:
	mysqlmon_stop(m);
	fake_stop(&f);
	if (closed_fd >= 0)
		close(closed_fd);
	if (hang_fd >= 0)
		close(hang_fd);
	loop_ms(10);
}

int main(void)
{
	char dir[] = "/tmp/xlb-test-mysqlmon-XXXXXX";

	/* the monitor's role lines would mix with TAP on stdout: warnings only, on stderr */
	xlb_log_level = XLB_LOG_WARN;
	test_roles();
	test_endpoints();
	base = event_base_new();
	if (!ASSERT_TRUE(base, "event base") || !ASSERT_TRUE(mkdtemp(dir), "a temp directory"))
		return tap_done();
	test_splitter(dir);
	test_monitor(dir);
	rmdir(dir);
	event_base_free(base);
	return tap_done();
}
