// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of xlb-sqlproxy's admin socket (user/sqlproxy/admin.h): every command and error
 * of sp_admin_exec, compared whole, then the socket itself on a temporary path: mode 0600, a
 * stale socket replaced, a live one refused, replies over a real connection ending with the
 * empty line, and the connection closed after a line that is too long.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "admin.h"
#include "proxy_config.h"
#include "session.h"
#include "../lib/tap.h"

static const char conf[] = "[server db1]\naddress = 10.0.0.1:3306\nrole = primary\n"
			   "[server db2]\naddress = [2001:db8::2]:3306\nrole = replica\n"
			   "[server db3]\naddress = 10.0.0.3:3307\nrole = offline\n"
			   "[user app]\npassword = secret\n";

static struct sp_proxy proxy;
static struct sp_session sess[2];

static int setup(struct sp_proxy *p)
{
	char err[256];
	int ret;

	memset(p, 0, sizeof(*p));
	ret = sp_config_parse_string(conf, "t.conf", &p->cfg, err, sizeof(err));
	if (ret) {
		printf("# %s\n", err);
		return ret;
	}
	TAILQ_INIT(&p->sessions);
	return 0;
}

/* Some state for the show commands to show. */
static void fill(struct sp_proxy *p)
{
	struct sp_server *s = p->cfg.servers;

	p->stats = (struct sp_stats){ .sessions_total = 12,
				      .sessions_open = 2,
				      .statements = 345,
				      .errors = 3,
				      .auth_failures = 1,
				      .protocol_errors = 2,
				      .causal_waits = 40,
				      .causal_fallbacks = 4 };
	s[0].stats = (struct sp_server_stats){ .reads = 10, .writes = 200, .errors = 1, .open = 2 };
	s[1].stats = (struct sp_server_stats){ .reads = 135, .open = 1 };
	s[1].lag_s = 3;
	s[2].down_until_ms = sp_now_ms() + 60000;
	s[0].down_until_ms = sp_now_ms() - 1; /* passed: up again */

	sess[0] = (struct sp_session){
		.id = 1, .state = "idle", .primary = 0, .replica = 1, .statements = 7
	};
	strcpy(sess[0].peer, "10.0.0.5:40000");
	strcpy(sess[0].user, "app");
	strcpy(sess[0].db, "shop");
	/* a client chose its schema name: it must not make a column or a line of its own */
	sess[1] = (struct sp_session){ .id = 2,
				       .state = "query",
				       .pinned = "temporary table",
				       .primary = 0,
				       .replica = -1,
				       .in_trans = true };
	strcpy(sess[1].peer, "[::1]:5555");
	strcpy(sess[1].db, "evil\tdb\nx");
	TAILQ_INSERT_TAIL(&p->sessions, &sess[0], link);
	TAILQ_INSERT_TAIL(&p->sessions, &sess[1], link);
}

/* sp_admin_exec's reply, as a string the caller frees. */
static char *run(const char *line)
{
	struct evbuffer *out = evbuffer_new();
	size_t len;
	char *s;

	sp_admin_exec(&proxy, line, out);
	len = evbuffer_get_length(out);
	s = malloc(len + 1);
	evbuffer_remove(out, s, len);
	s[len] = '\0';
	evbuffer_free(out);
	return s;
}

static bool check_reply(const char *line, const char *want, const char *name)
{
	char *got = run(line);
	bool ok = ASSERT_TRUE(!strcmp(got, want), name);

	if (!ok)
		printf("#   got  '%s'\n#   want '%s'\n", got, want);
	free(got);
	return ok;
}

static void test_show(void)
{
	check_reply("show servers",
		    "name\taddress\trole\tlag\tstate\treads\twrites\terrors\topen\n"
		    "db1\t10.0.0.1:3306\tprimary\t0\tup\t10\t200\t1\t2\n"
		    "db2\t[2001:db8::2]:3306\treplica\t3\tup\t135\t0\t0\t1\n"
		    "db3\t10.0.0.3:3307\toffline\t0\tdown\t0\t0\t0\t0\n"
		    "\n",
		    "show servers: header, a line per server, empty line");
	check_reply("show stats",
		    "sessions_open 2\nsessions_total 12\nstatements 345\nerrors 3\n"
		    "auth_failures 1\nprotocol_errors 2\ncausal_waits 40\ncausal_fallbacks 4\n"
		    "reads.db1 10\nwrites.db1 200\nerrors.db1 1\n"
		    "reads.db2 135\nwrites.db2 0\nerrors.db2 0\n"
		    "reads.db3 0\nwrites.db3 0\nerrors.db3 0\n"
		    "\n",
		    "show stats: every counter, empty line");
	check_reply("show sessions",
		    "id\tpeer\tuser\tdb\tstate\tprimary\treplica\tin_trans\tpinned\tstatements\n"
		    "1\t10.0.0.5:40000\tapp\tshop\tidle\tdb1\tdb2\tno\t-\t7\n"
		    "2\t[::1]:5555\t-\tevil?db?x\tquery\tdb1\t-\tyes\ttemporary table\t0\n"
		    "\n",
		    "show sessions: '-' for none, a client's tab and newline as '?'");
	check_reply("  show \t servers  ",
		    "name\taddress\trole\tlag\tstate\treads\twrites\terrors\topen\n"
		    "db1\t10.0.0.1:3306\tprimary\t0\tup\t10\t200\t1\t2\n"
		    "db2\t[2001:db8::2]:3306\treplica\t3\tup\t135\t0\t0\t1\n"
		    "db3\t10.0.0.3:3307\toffline\t0\tdown\t0\t0\t0\t0\n\n",
		    "show servers: blanks around and between words");
	check_reply("", "", "empty line: no reply");
	check_reply(" \t ", "", "blank line: no reply");
}

static void test_set(void)
{
	struct sp_server *s = proxy.cfg.servers;

	check_reply("set server db2 role offline", "OK\n\n", "set role: OK");
	ASSERT_EQ(s[1].role, SP_ROLE_OFFLINE, "set role: db2 offline");
	check_reply("set server db2 role primary", "OK\n\n", "set role: a second primary is OK");
	ASSERT_TRUE(s[0].role == SP_ROLE_PRIMARY && s[1].role == SP_ROLE_PRIMARY,
		    "set role: two primaries while xlbd switches over");
	check_reply("set server db1 role replica", "OK\n\n", "set role: the old one to replica");
	ASSERT_EQ(s[0].role, SP_ROLE_REPLICA, "set role: db1 replica");

	check_reply("set server db2 lag 7", "OK\n\n", "set lag: OK");
	ASSERT_EQ(s[1].lag_s, 7, "set lag: 7");
	check_reply("set server db2 lag 1000000000", "OK\n\n", "set lag: 1e9 is the most");
	ASSERT_EQ(s[1].lag_s, 1000000000, "set lag: 1e9");
	check_reply("set server db2 lag 0", "OK\n\n", "set lag: 0");
	ASSERT_EQ(s[1].lag_s, 0, "set lag: back to 0");
}

static const struct {
	const char *line, *reply;
} errors[] = {
	{ "set server db9 role primary",
	  "ERR: unknown server 'db9': expected a [server NAME] of the config\n\n" },
	{ "set server db9 lag 1",
	  "ERR: unknown server 'db9': expected a [server NAME] of the config\n\n" },
	{ "set server db1 role master",
	  "ERR: bad role 'master': expected set server NAME role primary|replica|offline\n\n" },
	{ "set server db1 role PRIMARY",
	  "ERR: bad role 'PRIMARY': expected set server NAME role primary|replica|offline\n\n" },
	{ "set server db1 lag -1",
	  "ERR: bad lag '-1': expected set server NAME lag SECONDS, a whole number from 0 to "
	  "1000000000\n\n" },
	{ "set server db1 lag 1000000001",
	  "ERR: bad lag '1000000001': expected set server NAME lag SECONDS, a whole number from 0 "
	  "to 1000000000\n\n" },
	{ "set server db1 lag 1.5", "ERR: bad lag '1.5': expected set server NAME lag SECONDS, a "
				    "whole number from 0 to 1000000000\n\n" },
	{ "set server db1 lag +1", "ERR: bad lag '+1': expected set server NAME lag SECONDS, a "
				   "whole number from 0 to 1000000000\n\n" },
	{ "set server db1 lag 99999999999999999999999",
	  "ERR: bad lag '99999999999999999999999': expected set server NAME lag SECONDS, a whole "
	  "number from 0 to 1000000000\n\n" },
	{ "set server db1 lag",
	  "ERR: bad set command: expected set server NAME role primary|replica|offline or set "
	  "server NAME lag SECONDS\n\n" },
	{ "set server db1 weight 3",
	  "ERR: bad set command: expected set server NAME role primary|replica|offline or set "
	  "server NAME lag SECONDS\n\n" },
	{ "set server db1 role primary now",
	  "ERR: bad set command: expected set server NAME role primary|replica|offline or set "
	  "server NAME lag SECONDS\n\n" },
	{ "set backend db1 role primary",
	  "ERR: bad set command: expected set server NAME role primary|replica|offline or set "
	  "server NAME lag SECONDS\n\n" },
	{ "set", "ERR: bad set command: expected set server NAME role primary|replica|offline or "
		 "set server NAME lag SECONDS\n\n" },
	{ "show", "ERR: bad show command: expected show servers, show stats or show sessions\n\n" },
	{ "show backends",
	  "ERR: bad show command: expected show servers, show stats or show sessions\n\n" },
	{ "show servers now",
	  "ERR: bad show command: expected show servers, show stats or show sessions\n\n" },
	{ "SHOW SERVERS",
	  "ERR: unknown command 'SHOW': expected show servers, show stats, show sessions, set "
	  "server NAME role primary|replica|offline, set server NAME lag SECONDS or help\n\n" },
	{ "disable server db1",
	  "ERR: unknown command 'disable': expected show servers, show stats, show sessions, set "
	  "server NAME role primary|replica|offline, set server NAME lag SECONDS or help\n\n" },
	{ "help me",
	  "ERR: unknown command 'help': expected show servers, show stats, show sessions, set "
	  "server NAME role primary|replica|offline, set server NAME lag SECONDS or help\n\n" },
};

static void test_errors(void)
{
	struct sp_server before[SP_MAX_SERVERS];
	char *line, *want;

	memcpy(before, proxy.cfg.servers, sizeof(before));
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		check_reply(errors[i].line, errors[i].reply, tname("error: '%s'", errors[i].line));
	ASSERT_TRUE(!memcmp(before, proxy.cfg.servers, sizeof(before)), "error: no server changed");

	line = malloc(SP_ADMIN_LINE_MAX + 2);
	memset(line, ' ', SP_ADMIN_LINE_MAX + 1);
	memcpy(line, "help", 4);
	line[SP_ADMIN_LINE_MAX + 1] = '\0';
	check_reply(line, "ERR: line too long (1025 bytes): expected at most 1024\n\n",
		    "error: a 1025-byte line");
	line[SP_ADMIN_LINE_MAX] = '\0';
	want = run("help");
	check_reply(line, want, "error: a 1024-byte line is no error");
	free(want);
	free(line);
}

static void test_help(void)
{
	char *h = run("help");
	size_t len = strlen(h);

	ASSERT_TRUE(len > 2 && strstr(h, "\n\n") == h + len - 2,
		    "help: one empty line, at the end");
	ASSERT_TRUE(strstr(h, "show servers") && strstr(h, "show stats") &&
			    strstr(h, "show sessions") &&
			    strstr(h, "set server NAME role primary|replica|offline") &&
			    strstr(h, "set server NAME lag SECONDS") && strstr(h, "\nhelp"),
		    "help: every command");
	free(h);
}

/* ---- the socket ---- */

static int client(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int count_ends(const char *s)
{
	int n = 0;

	for (const char *p = s; (p = strstr(p, "\n\n")); p += 2)
		n++;
	return n;
}

/*
 * Runs the event loop and reads fd until buf holds `replies` replies (empty-line ends), or
 * until the proxy closes the connection when replies is -1. Returns the bytes read; *closed
 * says whether the proxy closed. Gives up after about two seconds.
 */
static size_t pump(struct event_base *base, int fd, char *buf, size_t cap, int replies,
		   bool *closed)
{
	size_t n = 0;

	*closed = false;
	buf[0] = '\0';
	for (int i = 0; i < 2000; i++) {
		ssize_t r;

		event_base_loop(base, EVLOOP_NONBLOCK);
		r = recv(fd, buf + n, cap - 1 - n, MSG_DONTWAIT);
		if (r > 0) {
			n += r;
			buf[n] = '\0';
		} else if (r == 0) {
			*closed = true;
			return n;
		} else if (errno != EAGAIN) {
			*closed = true; /* ECONNRESET: closed as well */
			return n;
		}
		if (replies >= 0 && count_ends(buf) >= replies)
			return n;
		if (r <= 0)
			usleep(1000);
	}
	return n;
}

static bool send_all(int fd, const char *s, size_t len)
{
	return send(fd, s, len, MSG_NOSIGNAL) == (ssize_t)len;
}

/*
 * A client that sends many commands before it reads: more replies than the proxy queues (it
 * stops reading commands until they are taken), all answered in full and in order; with
 * half_close, the client shuts down writing once all is sent and the proxy closes after the
 * last reply.
 */
static void pipeline(struct event_base *base, const char *path, const char *reply, bool half_close)
{
	static char many[14 * 5000 + 1], buf[65536];
	size_t sent = 0, got = 0, len = 0, rlen = strlen(reply), want = 5000 * rlen;
	bool same = true, closed = false;
	int fd = client(path);

	for (int i = 0; i < 5000; i++)
		len += snprintf(many + len, sizeof(many) - len, "show servers\n");
	for (int i = 0; i < 20000 && !closed && (half_close || got < want); i++) {
		ssize_t r;

		if (sent < len) {
			r = send(fd, many + sent, len - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (r > 0)
				sent += r;
			if (sent == len && half_close)
				shutdown(fd, SHUT_WR);
		}
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (i < 100)
			continue; /* not reading yet: the replies pile up */
		r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		closed = r == 0;
		for (ssize_t k = 0; k < r; k++, got++)
			same &= buf[k] == reply[got % rlen];
	}
	ASSERT_EQ(got, want,
		  half_close ? "pipeline, half-closed: 5000 replies' bytes"
			     : "pipeline: 5000 commands, 5000 replies' bytes");
	ASSERT_TRUE(same, half_close ? "pipeline, half-closed: replies whole and in order"
				     : "pipeline: replies whole and in order");
	if (half_close)
		ASSERT_TRUE(closed, "pipeline, half-closed: closed after the last reply");
	close(fd);
}

static void test_socket(void)
{
	char dir[] = "/tmp/xlb-test-admin-XXXXXX", path[100], err[256] = "", buf[65536];
	char *want_stats, *want_help, *want_servers;
	struct sp_proxy *p2 = calloc(1, sizeof(*p2));
	struct event_base *base = event_base_new();
	struct stat st, st2;
	bool closed;
	mode_t mask;
	size_t n;
	int fd, ret;

	if (!ASSERT_TRUE(base && p2 && mkdtemp(dir), "socket: setup"))
		return;
	snprintf(path, sizeof(path), "%s/run/xlb/admin.sock", dir);
	snprintf(proxy.cfg.admin, sizeof(proxy.cfg.admin), "%s", path);
	proxy.base = base;

	mask = umask(022);
	ret = sp_admin_open(&proxy, err, sizeof(err));
	if (!ASSERT_OK(ret, "socket: open, parent directories created")) {
		printf("#   %s\n", err);
		return;
	}
	ASSERT_EQ(umask(mask), 022, "socket: the umask is restored");
	ASSERT_TRUE(stat(path, &st) == 0 && S_ISSOCK(st.st_mode), "socket: a socket at the path");
	ASSERT_EQ(st.st_mode & 07777, 0600, "socket: mode 0600");
	ASSERT_TRUE(proxy.admin_listener, "socket: admin_listener set");

	/* several commands on one connection, an empty line among them, CRLF on one */
	want_stats = run("show stats");
	want_help = run("help");
	fd = client(path);
	ASSERT_TRUE(fd >= 0, "socket: connect");
	ASSERT_TRUE(send_all(fd, "show stats\nset server db3 lag 9\n\nhelp\r\n", 39),
		    "socket: send three commands");
	n = pump(base, fd, buf, sizeof(buf), 3, &closed);
	ASSERT_TRUE(!closed, "socket: connection stays open between commands");
	ASSERT_EQ(n, strlen(want_stats) + 4 + strlen(want_help), "socket: three replies' bytes");
	ASSERT_TRUE(!strncmp(buf, want_stats, strlen(want_stats)) &&
			    !strncmp(buf + strlen(want_stats), "OK\n\n", 4) &&
			    !strcmp(buf + strlen(want_stats) + 4, want_help),
		    "socket: replies in order, each ending with an empty line");
	ASSERT_EQ(proxy.cfg.servers[2].lag_s, 9, "socket: the set took effect");

	/* a last command without newline, then half-close (as socat sends a file) */
	want_servers = run("show servers");
	ASSERT_TRUE(send_all(fd, "show servers", 12) && shutdown(fd, SHUT_WR) == 0,
		    "socket: send without newline, shut down writing");
	n = pump(base, fd, buf, sizeof(buf), -1, &closed);
	ASSERT_TRUE(closed && !strcmp(buf, want_servers),
		    "socket: last command answered, then closed");
	close(fd);

	/* a 1024-byte command is fine; 1025 gets an error and the connection is closed */
	fd = client(path);
	memset(buf, ' ', 2048);
	memcpy(buf, "help", 4);
	buf[SP_ADMIN_LINE_MAX] = '\n';
	ASSERT_TRUE(send_all(fd, buf, SP_ADMIN_LINE_MAX + 1), "socket: send 1024 bytes");
	n = pump(base, fd, buf, sizeof(buf), 1, &closed);
	ASSERT_TRUE(!closed && !strcmp(buf, want_help), "socket: a 1024-byte line is run");
	memset(buf, 'a', 2048);
	ASSERT_TRUE(send_all(fd, buf, 2000), "socket: send 2000 bytes without newline");
	n = pump(base, fd, buf, sizeof(buf), -1, &closed);
	ASSERT_TRUE(closed, "socket: too long: connection closed");
	ASSERT_TRUE(!strcmp(buf, "ERR: line too long: expected at most 1024 bytes a command\n\n"),
		    "socket: too long: error reply first");
	close(fd);
	fd = client(path);
	memset(buf, 'a', 1100);
	buf[1100] = '\n';
	send_all(fd, buf, 1101);
	n = pump(base, fd, buf, sizeof(buf), -1, &closed);
	ASSERT_TRUE(closed && !strncmp(buf, "ERR: line too long", 18),
		    "socket: 1100 bytes with newline: error, closed");
	close(fd);

	/* a NUL byte is no command */
	fd = client(path);
	send_all(fd, "help\0x\n", 7);
	n = pump(base, fd, buf, sizeof(buf), -1, &closed);
	ASSERT_TRUE(closed && !strcmp(buf, "ERR: NUL byte in a command: expected text\n\n"),
		    "socket: NUL byte: error, closed");
	close(fd);

	pipeline(base, path, want_servers, false);
	pipeline(base, path, want_servers, true);

	/* a live socket is refused, and stays */
	stat(path, &st);
	p2->base = base;
	memcpy(&p2->cfg, &proxy.cfg, sizeof(p2->cfg));
	TAILQ_INIT(&p2->sessions);
	ret = sp_admin_open(p2, err, sizeof(err));
	ASSERT_EQ(ret, -EADDRINUSE, "live: a second proxy on the path is refused");
	snprintf(buf, sizeof(buf),
		 "%s is already in use by another xlb-sqlproxy: expected one proxy per admin "
		 "socket (stop it or change admin in [proxy])",
		 path);
	if (!ASSERT_TRUE(!strcmp(err, buf), "live: message"))
		printf("#   %s\n", err);
	ASSERT_TRUE(stat(path, &st2) == 0 && st.st_ino == st2.st_ino, "live: first socket kept");
	fd = client(path);
	send_all(fd, "help\n", 5);
	n = pump(base, fd, buf, sizeof(buf), 1, &closed);
	ASSERT_TRUE(!strcmp(buf, want_help), "live: first proxy still answers");
	close(fd);

	/* close removes the socket */
	sp_admin_close(&proxy);
	ASSERT_TRUE(stat(path, &st) < 0 && errno == ENOENT, "close: socket removed");
	ASSERT_TRUE(!proxy.admin_listener && !proxy.admin, "close: state cleared");
	sp_admin_close(&proxy); /* twice is harmless */

	/* a stale socket (its process died) is replaced */
	{
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		int s = socket(AF_UNIX, SOCK_STREAM, 0);

		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
		ASSERT_OK(bind(s, (struct sockaddr *)&sun, sizeof(sun)), "stale: bind a socket");
		close(s);
		chmod(path, 0666);
	}
	ret = sp_admin_open(&proxy, err, sizeof(err));
	if (!ASSERT_OK(ret, "stale: replaced"))
		printf("#   %s\n", err);
	ASSERT_TRUE(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600,
		    "stale: the new one is 0600");
	fd = client(path);
	send_all(fd, "help\n", 5);
	n = pump(base, fd, buf, sizeof(buf), 1, &closed);
	ASSERT_TRUE(!strcmp(buf, want_help), "stale: the new one answers");
	close(fd);

	/* close leaves alone what is no longer ours at the path */
	unlink(path);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	sp_admin_close(&proxy);
	ASSERT_TRUE(stat(path, &st) == 0 && S_ISREG(st.st_mode), "close: another file stays");

	/* a path that holds something else is refused */
	ret = sp_admin_open(&proxy, err, sizeof(err));
	ASSERT_EQ(ret, -EEXIST, "not a socket: refused");
	ASSERT_TRUE(strstr(err, "exists and is not a socket") != NULL, "not a socket: message");
	unlink(path);

	/* too many connections: the one over the limit gets an error and is closed */
	ASSERT_OK(sp_admin_open(&proxy, err, sizeof(err)), "limit: open");
	{
		int fds[33];

		for (int i = 0; i < 33; i++) {
			fds[i] = client(path);
			event_base_loop(base, EVLOOP_NONBLOCK);
		}
		n = pump(base, fds[32], buf, sizeof(buf), -1, &closed);
		ASSERT_TRUE(closed && strstr(buf, "ERR: too many admin connections"),
			    "limit: connection 33 refused with a reply");
		send_all(fds[31], "help\n", 5);
		n = pump(base, fds[31], buf, sizeof(buf), 1, &closed);
		ASSERT_TRUE(!strcmp(buf, want_help), "limit: connection 32 served");
		for (int i = 0; i < 33; i++)
			close(fds[i]);
	}
	sp_admin_close(&proxy);

	/* idle connections are closed, so that they cannot hold every slot for good */
	sp_admin_idle_ms = 300;
	ASSERT_OK(sp_admin_open(&proxy, err, sizeof(err)), "idle: open");
	{
		static char big[1 << 19];
		int fds[32], all_closed = 1;
		size_t len;

		for (int i = 0; i < 32; i++) {
			fds[i] = client(path);
			event_base_loop(base, EVLOOP_NONBLOCK);
		}
		for (int i = 0; i < 32; i++) {
			n = pump(base, fds[i], buf, sizeof(buf), -1, &closed);
			all_closed &= closed && !n;
		}
		ASSERT_TRUE(all_closed, "idle: connections that send nothing are closed");
		fd = client(path);
		send_all(fd, "help\n", 5);
		n = pump(base, fd, buf, sizeof(buf), 1, &closed);
		ASSERT_TRUE(!strcmp(buf, want_help), "idle: a new connection is served after them");
		close(fd);
		for (int i = 0; i < 32; i++)
			close(fds[i]);

		/* a client that sends commands and never takes the replies */
		fd = client(path);
		for (len = 0; len + 11 < sizeof(big) / 4; len += 11)
			memcpy(big + len, "show stats\n", 11);
		for (size_t off = 0, i = 0; i < 100; i++) {
			ssize_t r = send(fd, big + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);

			off += r > 0 ? (size_t)r : 0;
			event_base_loop(base, EVLOOP_NONBLOCK);
			usleep(10000);
		}
		/* then read them all, for up to about 3 s: the proxy has closed by then */
		closed = false;
		for (int i = 0; i < 3000 && !closed; i++) {
			ssize_t r = recv(fd, big, sizeof(big), MSG_DONTWAIT);

			event_base_loop(base, EVLOOP_NONBLOCK);
			closed = r == 0 || (r < 0 && errno != EAGAIN);
			if (r <= 0)
				usleep(1000);
		}
		ASSERT_TRUE(closed, "idle: replies not taken: the connection is closed");
		close(fd);
	}
	sp_admin_close(&proxy);
	sp_admin_idle_ms = SP_ADMIN_IDLE_MS;

	/* a path too long for sockaddr_un */
	memset(proxy.cfg.admin, 'x', 108);
	proxy.cfg.admin[0] = '/';
	proxy.cfg.admin[108] = '\0';
	ASSERT_EQ(sp_admin_open(&proxy, err, sizeof(err)), -ENAMETOOLONG, "path: 108 refused");

	snprintf(path, sizeof(path), "%s/run/xlb", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/run", dir);
	rmdir(path);
	rmdir(dir);
	free(want_stats);
	free(want_help);
	free(want_servers);
	free(p2);
	event_base_free(base);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	if (!ASSERT_OK(setup(&proxy), "setup: config"))
		return tap_done();
	fill(&proxy);
	test_show();
	test_set();
	test_errors();
	test_help();
	test_socket();
	return tap_done();
}
