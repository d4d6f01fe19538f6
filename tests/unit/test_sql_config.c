// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of xlb-sqlproxy's config parser (user/sqlproxy/proxy_config.h): the issue's
 * example parses to the values it says, defaults fill the rest, the value forms work, every
 * bad config gives one "FILE:LINE: ..." message naming the right line, and a file that others
 * may read is refused.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proxy_config.h"
#include "../lib/tap.h"

/* a test's expected message, built at run time */
static char name_buf[256];

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The example, line numbers as comments. */
static const char example[] =
	"[proxy]\n"								      /* 1 */
	"listen = 127.0.0.1:6033\n"						      /* 2 */
	"admin = /run/xlb/sqlproxy.sock   ; Unix socket, mode 0600\n"		      /* 3 */
	"max_lag = 5s                     ; replicas further behind serve no reads\n" /* 4 */
	"causal_reads = on                ; a session never reads older data than its "
	"own last write\n"	      /* 5 */
	"\n"			      /* 6 */
	"[server db1]\n"	      /* 7 */
	"address = 10.10.0.11:3306\n" /* 8 */
	"role = primary                   ; primary | replica | offline (xlbd changes it at "
	"runtime)\n"		      /* 9 */
	"\n"			      /* 10 */
	"[server db2]\n"	      /* 11 */
	"address = 10.10.0.12:3306\n" /* 12 */
	"role = replica\n"	      /* 13 */
	"\n"			      /* 14 */
	"[user app]\n"		      /* 15 */
	"password = secret                ; the file must not be readable by others, or the "
	"proxy refuses to start\n"; /* 16 */

/* The least a config needs. */
#define MIN_SERVER "[server a]\naddress = 10.0.0.1:3306\nrole = replica\n" /* lines 1-3 */
#define MIN_USER "[user u]\npassword = p\n"
#define MIN MIN_SERVER MIN_USER /* lines 1-5 */

static int parse(const char *text, struct sp_config *cfg, char *err, size_t len)
{
	return sp_config_parse_string(text, "t.conf", cfg, err, len);
}

static bool sin_is(const struct sockaddr_storage *ss, const char *ip, unsigned int port)
{
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
	struct in_addr want;

	return ss->ss_family == AF_INET && inet_pton(AF_INET, ip, &want) == 1 &&
	       s4->sin_addr.s_addr == want.s_addr && ntohs(s4->sin_port) == port;
}

static struct sp_config cfg; /* big: not on the stack */

static void test_example(void)
{
	const struct sp_server *s;
	char err[256] = "";
	int ret;

	memset(&cfg, 0, sizeof(cfg));
	ret = parse(example, &cfg, err, sizeof(err));
	if (!ASSERT_OK(ret, "example: parses")) {
		printf("#   %s\n", err);
		return;
	}
	ASSERT_TRUE(!strcmp(cfg.listen, "127.0.0.1:6033"), "example: listen");
	ASSERT_TRUE(sin_is(&cfg.listen_addr, "127.0.0.1", 6033), "example: listen_addr");
	ASSERT_TRUE(!strcmp(cfg.admin, "/run/xlb/sqlproxy.sock"), "example: admin, comment gone");
	ASSERT_EQ(cfg.max_lag_ms, 5000, "example: max_lag 5s");
	ASSERT_TRUE(cfg.causal_reads, "example: causal_reads on");
	ASSERT_EQ(cfg.causal_timeout_ms, 1000, "example: causal_timeout default 1s");
	ASSERT_EQ(cfg.connect_timeout_ms, 2000, "example: connect_timeout default 2s");

	ASSERT_EQ(cfg.nr_servers, 2, "example: two servers");
	s = &cfg.servers[0];
	ASSERT_TRUE(!strcmp(s->name, "db1"), "example: server 1 db1");
	ASSERT_TRUE(!strcmp(s->address, "10.10.0.11:3306"), "example: db1 address as written");
	ASSERT_TRUE(sin_is(&s->addr, "10.10.0.11", 3306), "example: db1 addr");
	ASSERT_TRUE(!strcmp(s->host, "10.10.0.11"), "example: db1 host");
	ASSERT_EQ(s->port, 3306, "example: db1 port");
	ASSERT_EQ(s->role, SP_ROLE_PRIMARY, "example: db1 primary");
	ASSERT_EQ(s->lag_s, 0, "example: db1 lag 0 until told");
	ASSERT_EQ(s->down_until_ms, 0, "example: db1 not down");
	ASSERT_EQ(s->stats.reads + s->stats.writes + s->stats.errors, 0, "example: db1 counters 0");
	s = &cfg.servers[1];
	ASSERT_TRUE(!strcmp(s->name, "db2"), "example: server 2 db2");
	ASSERT_TRUE(sin_is(&s->addr, "10.10.0.12", 3306), "example: db2 addr");
	ASSERT_EQ(s->role, SP_ROLE_REPLICA, "example: db2 replica");

	ASSERT_EQ(cfg.nr_users, 1, "example: one user");
	ASSERT_TRUE(!strcmp(cfg.users[0].name, "app"), "example: user app");
	ASSERT_TRUE(!strcmp(cfg.users[0].password, "secret"), "example: password secret");
}

static void test_defaults(void)
{
	char err[256] = "";
	int ret;

	memset(&cfg, 0xa5, sizeof(cfg)); /* whatever was there goes */
	ret = parse(MIN, &cfg, err, sizeof(err));
	if (!ASSERT_OK(ret, "defaults: no [proxy] parses")) {
		printf("#   %s\n", err);
		return;
	}
	ASSERT_TRUE(!strcmp(cfg.listen, SP_DEFAULT_LISTEN), "defaults: listen 127.0.0.1:6033");
	ASSERT_TRUE(sin_is(&cfg.listen_addr, "127.0.0.1", 6033), "defaults: listen_addr");
	ASSERT_TRUE(!strcmp(cfg.admin, "/run/xlb/sqlproxy.sock"), "defaults: admin");
	ASSERT_EQ(cfg.max_lag_ms, 5000, "defaults: max_lag 5s");
	ASSERT_TRUE(!cfg.causal_reads, "defaults: causal_reads off");
	ASSERT_EQ(cfg.causal_timeout_ms, 1000, "defaults: causal_timeout 1s");
	ASSERT_EQ(cfg.connect_timeout_ms, 2000, "defaults: connect_timeout 2s");
	ASSERT_EQ(cfg.nr_servers, 1, "defaults: one server");
	ASSERT_EQ(cfg.servers[0].lag_s, 0, "defaults: lag 0");
	ASSERT_EQ(cfg.servers[0].stats.open, 0, "defaults: counters 0");
	ASSERT_EQ(cfg.nr_users, 1, "defaults: one user");

	ret = parse("[proxy]\n" MIN, &cfg, err, sizeof(err));
	ASSERT_OK(ret, "defaults: an empty [proxy] is fine");
}

static void test_values(void)
{
	static const struct {
		const char *v;
		bool on;
	} bools[] = {
		{ "on", true },	    { "yes", true },  { "true", true }, { "1", true },
		{ "ON", true },	    { "True", true }, { "off", false }, { "no", false },
		{ "false", false }, { "0", false },   { "Off", false },
	};
	const struct sp_server *s;
	char text[1024], err[256] = "";
	int ret;

	for (size_t i = 0; i < ARRAY_SIZE(bools); i++) {
		snprintf(text, sizeof(text), "[proxy]\ncausal_reads = %s\n" MIN, bools[i].v);
		cfg.causal_reads = !bools[i].on;
		ret = parse(text, &cfg, err, sizeof(err));
		ASSERT_TRUE(!ret && cfg.causal_reads == bools[i].on,
			    tname("values: causal_reads = %s", bools[i].v));
	}

	ret = parse("[proxy]\r\n"
		    "  listen = [::1]:3307   # v6\r\n"
		    "\tadmin = relative.sock\r\n"
		    "max_lag = 500ms\r\n"
		    "causal_timeout = 2m\r\n"
		    "connect_timeout = 250ms\r\n"
		    "[ server  db-1.x ]\n"
		    "address = [2001:DB8:0::11]:3306\n"
		    "role = offline\n"
		    "[server db2]\n"
		    "role = primary\n"
		    "address = 10.0.0.2:13306\n"
		    "[user u1]\n"
		    "password = p;a#s=s:w[o]rd\n"
		    "[user u2]\n"
		    "password =   two  words   ; a comment\n"
		    "[user u3]\n"
		    "password = cut ;here\n",
		    &cfg, err, sizeof(err));
	if (!ASSERT_OK(ret, "values: variants parse")) {
		printf("#   %s\n", err);
		return;
	}
	ASSERT_TRUE(!strcmp(cfg.listen, "[::1]:3307"), "values: IPv6 listen as written");
	ASSERT_EQ(cfg.listen_addr.ss_family, AF_INET6, "values: IPv6 listen_addr");
	ASSERT_EQ(ntohs(((struct sockaddr_in6 *)&cfg.listen_addr)->sin6_port), 3307,
		  "values: IPv6 listen port");
	ASSERT_TRUE(!strcmp(cfg.admin, "relative.sock"), "values: relative admin path kept");
	ASSERT_EQ(cfg.max_lag_ms, 500, "values: max_lag 500ms");
	ASSERT_EQ(cfg.causal_timeout_ms, 120000, "values: causal_timeout 2m");
	ASSERT_EQ(cfg.connect_timeout_ms, 250, "values: connect_timeout 250ms");
	s = &cfg.servers[0];
	ASSERT_TRUE(!strcmp(s->name, "db-1.x"), "values: name from '[ server  db-1.x ]'");
	ASSERT_TRUE(!strcmp(s->host, "2001:db8::11"), "values: IPv6 host, numeric and short");
	ASSERT_EQ(s->addr.ss_family, AF_INET6, "values: IPv6 server addr");
	ASSERT_EQ(s->port, 3306, "values: IPv6 server port");
	ASSERT_EQ(s->role, SP_ROLE_OFFLINE, "values: role offline");
	s = &cfg.servers[1];
	ASSERT_EQ(s->role, SP_ROLE_PRIMARY, "values: role before address");
	ASSERT_EQ(s->port, 13306, "values: port 13306");
	ASSERT_TRUE(!strcmp(cfg.users[0].password, "p;a#s=s:w[o]rd"),
		    "values: ';', '#', '=', ':' and brackets inside a password stay");
	ASSERT_TRUE(!strcmp(cfg.users[1].password, "two  words"),
		    "values: blanks inside stay, around go");
	ASSERT_TRUE(!strcmp(cfg.users[2].password, "cut"),
		    "values: ';' after a blank starts a comment");
	/* the admin socket over TCP, for an xlbd on another machine */
	{
		static const char *const tcp[] = { "127.0.0.1:6034", "10.10.0.11:23371",
						   "[::1]:6034", "[fd00:23::11]:65535" };

		for (size_t k = 0; k < ARRAY_SIZE(tcp); k++) {
			snprintf(text, sizeof(text), "[proxy]\nadmin = %s\n" MIN, tcp[k]);
			ret = parse(text, &cfg, err, sizeof(err));
			ASSERT_TRUE(!ret && !strcmp(cfg.admin, tcp[k]),
				    tname("values: TCP admin = %s kept as written", tcp[k]));
		}
	}
}

static void test_limits(void)
{
	size_t cap = 1 << 16, n = 0;
	char *text = malloc(cap), err[256] = "", pw[SP_PASSWORD_LEN + 1], name[SP_NAME_LEN + 1];
	int ret;

	if (!ASSERT_TRUE(text, "limits: malloc"))
		return;
	memset(pw, 'p', SP_PASSWORD_LEN - 1);
	pw[SP_PASSWORD_LEN - 1] = '\0';
	memset(name, 'n', SP_NAME_LEN - 1);
	name[SP_NAME_LEN - 1] = '\0';
	for (int i = 0; i < SP_MAX_SERVERS; i++)
		n += snprintf(text + n, cap - n,
			      "[server s%d]\naddress = 10.0.0.%d:3306\nrole = %s\n", i, i + 1,
			      i ? "replica" : "primary");
	for (int i = 0; i < SP_MAX_USERS - 1; i++)
		n += snprintf(text + n, cap - n, "[user u%d]\npassword = %s\n", i, pw);
	n += snprintf(text + n, cap - n, "[user %s]\npassword = x\n", name);
	ret = parse(text, &cfg, err, sizeof(err));
	if (ASSERT_OK(ret, "limits: every limit reached parses")) {
		ASSERT_EQ(cfg.nr_servers, SP_MAX_SERVERS, "limits: servers");
		ASSERT_EQ(cfg.nr_users, SP_MAX_USERS, "limits: users");
		ASSERT_EQ(strlen(cfg.users[0].password), SP_PASSWORD_LEN - 1,
			  "limits: longest password kept whole");
		ASSERT_TRUE(!strcmp(cfg.users[SP_MAX_USERS - 1].name, name),
			    "limits: longest user name");
	} else {
		printf("#   %s\n", err);
	}

	/* one more of each */
	n = 0;
	for (int i = 0; i <= SP_MAX_SERVERS; i++)
		n += snprintf(text + n, cap - n,
			      "[server s%d]\naddress = 10.0.0.%d:3306\n"
			      "role = replica\n",
			      i, i + 1);
	ret = parse(text, &cfg, err, sizeof(err));
	ASSERT_EQ(ret, -EINVAL, "limits: server 17 refused");
	snprintf(name_buf, sizeof(name_buf),
		 "t.conf:%d: too many [server NAME] sections: expected at most %d",
		 3 * SP_MAX_SERVERS + 1, SP_MAX_SERVERS);
	ASSERT_TRUE(!strcmp(err, name_buf), "limits: server 17 line and message");
	n = snprintf(text, cap, "%s", MIN_SERVER);
	for (int i = 0; i <= SP_MAX_USERS; i++)
		n += snprintf(text + n, cap - n, "[user u%d]\npassword = p\n", i);
	ret = parse(text, &cfg, err, sizeof(err));
	ASSERT_EQ(ret, -EINVAL, "limits: user 65 refused");
	ASSERT_TRUE(strstr(err, "too many [user NAME] sections: expected at most 64"),
		    "limits: user 65 message");
	free(text);
}

#define LONG100                                                                                    \
	"0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567" \
	"890123456789"

static const struct tap_config_case bad_cases[] = {
	/* sections and syntax */
	{ "unknown section", MIN "[backend x]\n", 6,
	  "unknown section [backend x]: expected [proxy], [server NAME] or [user NAME]" },
	{ "[proxy] with a name", "[proxy p]\n", 1, "unknown section [proxy p]" },
	{ "key outside a section", "listen = 127.0.0.1:6033\n" MIN, 1,
	  "key 'listen' outside a section: expected it after [proxy], [server NAME] or "
	  "[user NAME]" },
	{ "unterminated header", MIN "[server b\n", 6,
	  "unterminated section header '[server b': expected [proxy], [server NAME] or "
	  "[user NAME]" },
	{ "no '='", "[proxy]\nlisten 127.0.0.1:6033\n", 2,
	  "cannot parse 'listen 127.0.0.1:6033': expected KEY = VALUE, [SECTION] or a comment" },
	{ "':' instead of '='", "[proxy]\nmax_lag: 5s\n", 2, "cannot parse 'max_lag: 5s'" },
	{ "duplicate [proxy]", "[proxy]\n" MIN "[proxy]\n", 7,
	  "duplicate section [proxy] (also at line 1): expected each section once" },
	{ "duplicate key", "[proxy]\nmax_lag = 1s\nmax_lag = 2s\n", 3,
	  "duplicate key 'max_lag' in [proxy] (also at line 2): expected it once" },
	{ "first error wins", "[proxy]\nmax_lag = 5\nlisten = x\n", 2, "bad duration '5'" },
	{ "unknown [proxy] key", "[proxy]\nmax_lags = 5s\n", 2,
	  "unknown key 'max_lags' in [proxy]: expected listen, admin, max_lag, causal_reads, "
	  "causal_timeout or connect_timeout" },
	/* [proxy] values */
	{ "listen host name", "[proxy]\nlisten = localhost:6033\n", 2,
	  "bad listen address 'localhost:6033' in [proxy]: expected a numeric ADDR:PORT or "
	  "[ADDR6]:PORT" },
	{ "listen without port", "[proxy]\nlisten = 127.0.0.1\n", 2, "bad listen address" },
	{ "listen port 0", "[proxy]\nlisten = 127.0.0.1:0\n", 2, "bad listen address" },
	{ "listen port 65536", "[proxy]\nlisten = 127.0.0.1:65536\n", 2, "bad listen address" },
	{ "listen IPv6 without brackets", "[proxy]\nlisten = ::1:6033\n", 2, "bad listen address" },
	{ "listen IPv4 in brackets", "[proxy]\nlisten = [127.0.0.1]:6033\n", 2,
	  "bad listen address" },
	{ "listen with a protocol", "[proxy]\nlisten = 127.0.0.1:6033/tcp\n", 2,
	  "bad listen address" },
	{ "admin empty", "[proxy]\nadmin =\n", 2,
	  "bad admin '' in [proxy]: expected the path of a Unix socket (1 to 107 characters, no "
	  "':') or a numeric ADDR:PORT or [ADDR6]:PORT" },
	{ "admin too long", "[proxy]\nadmin = /run/xlb/" LONG100 "\n", 2,
	  "bad admin '/run/xlb/0123" },
	/* what looks like an address must be one, never a file of that name */
	{ "admin without port", "[proxy]\nadmin = 10.0.0.1\n", 2,
	  "bad admin '10.0.0.1' in [proxy]: expected the path of a Unix socket (1 to 107 "
	  "characters, no ':') or a numeric ADDR:PORT or [ADDR6]:PORT" },
	{ "admin host name", "[proxy]\nadmin = localhost:6034\n", 2,
	  "bad admin 'localhost:6034' in [proxy]: expected the path of a Unix socket (1 to 107 "
	  "characters, no ':') or a numeric ADDR:PORT or [ADDR6]:PORT" },
	{ "admin port 0", "[proxy]\nadmin = 127.0.0.1:0\n", 2,
	  "bad admin '127.0.0.1:0' in [proxy]: expected the path of a Unix socket (1 to 107 "
	  "characters, no ':') or a numeric ADDR:PORT or [ADDR6]:PORT" },
	{ "admin port 65536", "[proxy]\nadmin = 127.0.0.1:65536\n", 2,
	  "bad admin '127.0.0.1:65536' in [proxy]: expected the path of a Unix socket (1 to 107 "
	  "characters, no ':') or a numeric ADDR:PORT or [ADDR6]:PORT" },
	{ "admin IPv6 without brackets", "[proxy]\nadmin = ::1:6034\n", 2,
	  "bad admin '::1:6034' in [proxy]: expected the path of a Unix socket (1 to 107 "
	  "characters, no ':') or a numeric ADDR:PORT or [ADDR6]:PORT" },
	{ "admin IPv6 without port", "[proxy]\nadmin = [::1]\n", 2,
	  "bad admin '[::1]' in [proxy]: expected the path of a Unix socket (1 to 107 characters, "
	  "no ':') or a numeric ADDR:PORT or [ADDR6]:PORT" },
	{ "admin with a protocol", "[proxy]\nadmin = 127.0.0.1:6034/tcp\n", 2,
	  "bad admin '127.0.0.1:6034/tcp' in [proxy]: expected the path of a Unix socket (1 to 107 "
	  "characters, no ':') or a numeric ADDR:PORT or [ADDR6]:PORT" },
	{ "admin path with ':'", "[proxy]\nadmin = /run/a:b.sock\n", 2,
	  "bad admin '/run/a:b.sock' in [proxy]: expected the path of a Unix socket (1 to 107 "
	  "characters, no ':') or a numeric ADDR:PORT or [ADDR6]:PORT" },
	{ "max_lag bare number", "[proxy]\nmax_lag = 5\n", 2,
	  "bad duration '5' for max_lag in [proxy]: expected a number with ms, s or m, from 1ms "
	  "to 1h (e.g. 250ms, 1s, 2m)" },
	{ "max_lag 0s", "[proxy]\nmax_lag = 0s\n", 2, "bad duration '0s' for max_lag" },
	{ "max_lag 2h", "[proxy]\nmax_lag = 2h\n", 2, "bad duration '2h' for max_lag" },
	{ "causal_timeout fraction", "[proxy]\ncausal_timeout = 1.5s\n", 2,
	  "bad duration '1.5s' for causal_timeout in [proxy]" },
	{ "connect_timeout negative", "[proxy]\nconnect_timeout = -1s\n", 2,
	  "bad duration '-1s' for connect_timeout in [proxy]" },
	{ "causal_reads maybe", "[proxy]\ncausal_reads = maybe\n", 2,
	  "bad causal_reads 'maybe' in [proxy]: expected on or off (or yes/no, true/false, 1/0)" },
	{ "causal_reads empty", "[proxy]\ncausal_reads =\n", 2, "bad causal_reads ''" },
	/* [server NAME] */
	{ "[server] without a name", MIN "[server]\n", 6,
	  "section [server] has no name: expected [server NAME]" },
	{ "bad server name", "[server a/b]\n", 1,
	  "bad server name 'a/b': expected 1 to 63 characters of A-Z, a-z, 0-9, '_', '.' or '-'" },
	{ "server name too long", "[server " LONG100 "]\n", 1, "bad server name" },
	{ "duplicate server", MIN "[server a]\n", 6,
	  "duplicate section [server a] (also at line 1): expected each section once" },
	{ "unknown server key", MIN_SERVER "weight = 2\n", 4,
	  "unknown key 'weight' in [server a]: expected address or role" },
	{ "server host name", "[server a]\naddress = db1.example:3306\n", 2,
	  "bad address 'db1.example:3306' in [server a]: expected a numeric ADDR:PORT or "
	  "[ADDR6]:PORT" },
	{ "server without port", "[server a]\naddress = 10.0.0.1\n", 2,
	  "bad address '10.0.0.1' in [server a]" },
	{ "server bad IPv4", "[server a]\naddress = 10.0.0.256:3306\n", 2, "bad address" },
	{ "duplicate address", MIN_SERVER "[server b]\naddress = 10.0.0.1:3306\n", 5,
	  "duplicate address 10.0.0.1:3306 in [server b] (also [server a] at line 2): expected "
	  "each server once" },
	{ "duplicate IPv6 address",
	  "[server a]\naddress = [2001:db8::1]:3306\nrole = replica\n[server b]\n"
	  "address = [2001:DB8:0::1]:3306\n",
	  5, "duplicate address [2001:DB8:0::1]:3306 in [server b] (also [server a] at line 2)" },
	{ "bad role", "[server a]\nrole = master\n", 2,
	  "bad role 'master' in [server a]: expected primary, replica or offline" },
	{ "role in capitals", "[server a]\nrole = Primary\n", 2, "bad role 'Primary'" },
	{ "second primary",
	  "[server a]\naddress = 10.0.0.1:3306\nrole = primary\n"
	  "[server b]\naddress = 10.0.0.2:3306\nrole = primary\n",
	  6,
	  "second primary in [server b] ([server a] at line 3 is primary too): expected at most "
	  "one server with role = primary" },
	{ "server without address", "[server a]\nrole = replica\n" MIN_USER, 1,
	  "[server a] has no address: expected address = ADDR:PORT" },
	{ "server without role", "[server a]\naddress = 10.0.0.1:3306\n" MIN_USER, 1,
	  "[server a] has no role: expected role = primary, replica or offline" },
	{ "server without role at the end", MIN_USER "\n[server a]\naddress = 10.0.0.1:3306\n", 4,
	  "[server a] has no role" },
	{ "duplicate role", MIN_SERVER "role = primary\n", 4,
	  "duplicate key 'role' in [server a] (also at line 3): expected it once" },
	/* [user NAME] */
	{ "[user] without a name", MIN "[user]\n", 6,
	  "section [user] has no name: expected [user NAME]" },
	{ "bad user name", MIN "[user a b]\n", 6, "bad user name 'a b'" },
	{ "user name with '@'", MIN "[user app@host]\n", 6, "bad user name 'app@host'" },
	{ "duplicate user", MIN "[user u]\n", 6,
	  "duplicate section [user u] (also at line 4): expected each section once" },
	{ "unknown user key", MIN "passwd = x\n", 6,
	  "unknown key 'passwd' in [user u]: expected password" },
	{ "user without password", MIN_SERVER "[user u]\n", 4,
	  "[user u] has no password: expected password = SECRET" },
	{ "empty password", MIN_SERVER "[user u]\npassword =\n", 5,
	  "empty password in [user u]: expected password = SECRET (a ';' or '#' after a blank "
	  "starts a comment)" },
	{ "password that is a comment", MIN_SERVER "[user u]\npassword = #secret\n", 5,
	  "empty password in [user u]" },
	{ "password too long",
	  MIN_SERVER "[user u]\npassword = " LONG100 "0123456789012345678901234567\n", 5,
	  "password too long in [user u]: expected at most 127 characters" },
	/* the whole file */
	{ "no server", MIN_USER, 0,
	  "no [server NAME] section: expected at least one, with address and role" },
	{ "empty file", "", 0, "no [server NAME] section" },
	{ "[proxy] only", "[proxy]\nmax_lag = 1s\n", 0, "no [server NAME] section" },
	{ "no user", MIN_SERVER, 0,
	  "no [user NAME] section: expected at least one, with a password" },
};

static void test_bad(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct tap_config_case *c = &bad_cases[i];
		char err[512] = "";
		int ret;

		memset(&cfg, 0x5a, sizeof(cfg));
		ret = parse(c->text, &cfg, err, sizeof(err));
		ASSERT_EQ(ret, -EINVAL, tname("bad: %s: -EINVAL", c->name));
		ASSERT_EQ(cfg.nr_servers, 0x5a5a5a5a, tname("bad: %s: cfg untouched", c->name));
		tap_config_error(err, "t.conf", c->line, c->phrase, c->name);
	}
}

/* Messages are logged; the password they are about is not in them. */
static void test_password_not_shown(void)
{
	char err[512] = "";

	parse(MIN_SERVER "[user u]\npassword = " LONG100 "HUSH5678901234567890123456789\n", &cfg,
	      err, sizeof(err));
	ASSERT_TRUE(strstr(err, "password too long") && !strstr(err, "HUSH"),
		    "password: a too long one is not shown");
}

/* libinih reads lines into 200 bytes, for this file as for xlbd's. */
static void test_long_line(void)
{
	char text[512], err[512] = "";
	int n, ret;

	n = snprintf(text, sizeof(text), "%s[user v]\npassword = ", MIN);
	memset(text + n, 'x', 190);
	snprintf(text + n + 190, sizeof(text) - n - 190, "\n");
	ret = parse(text, &cfg, err, sizeof(err));
	ASSERT_EQ(ret, -EINVAL, "long line: refused");
	ASSERT_TRUE(!strcmp(err, "t.conf:7: line too long (201 characters without comments): "
				 "expected at most 198"),
		    "long line: message");
}

static int write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fputs(text, f);
	fclose(f);
	return chmod(path, mode) ? -errno : 0;
}

static void test_files(void)
{
	static const mode_t refused[] = { 0644, 0604, 0602, 0601, 0666, 0777 };
	char dir[] = "/tmp/xlb-test-sqlconf-XXXXXX", path[64], err[512] = "", want[600];
	int ret;

	if (!ASSERT_TRUE(mkdtemp(dir), "file: mkdtemp"))
		return;
	snprintf(path, sizeof(path), "%s/sqlproxy.conf", dir);

	ASSERT_OK(write_file(path, example, 0600), "file: write 0600");
	memset(&cfg, 0, sizeof(cfg));
	ret = sp_config_load(path, &cfg, err, sizeof(err));
	if (!ASSERT_OK(ret, "file: mode 0600 loads"))
		printf("#   %s\n", err);
	ASSERT_EQ(cfg.nr_servers, 2, "file: values read");
	chmod(path, 0640);
	ASSERT_OK(sp_config_load(path, &cfg, err, sizeof(err)), "file: mode 0640 loads");
	chmod(path, 0400);
	ASSERT_OK(sp_config_load(path, &cfg, err, sizeof(err)), "file: mode 0400 loads");

	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
		char mode[8];

		snprintf(mode, sizeof(mode), "%04o", (unsigned int)refused[i]);
		chmod(path, refused[i]);
		memset(&cfg, 0x5a, sizeof(cfg));
		ret = sp_config_load(path, &cfg, err, sizeof(err));
		ASSERT_EQ(ret, -EPERM, tname("file: mode %s refused, -EPERM", mode));
		snprintf(want, sizeof(want),
			 "%s: mode %s gives others access to a file that holds passwords: expected "
			 "none (chmod 600 %s)",
			 path, mode, path);
		if (!ASSERT_TRUE(!strcmp(err, want), tname("file: mode %s message", mode)))
			printf("#   got  '%s'\n#   want '%s'\n", err, want);
		ASSERT_EQ(cfg.nr_servers, 0x5a5a5a5a, tname("file: mode %s: cfg untouched", mode));
	}

	/* the mode comes first: a bad file that others can read says so before its errors */
	ASSERT_OK(write_file(path, "[bogus]\n", 0644), "file: write a bad 0644 file");
	ret = sp_config_load(path, &cfg, err, sizeof(err));
	ASSERT_EQ(ret, -EPERM, "file: mode checked before the content");
	chmod(path, 0600);
	ret = sp_config_load(path, &cfg, err, sizeof(err));
	ASSERT_EQ(ret, -EINVAL, "file: bad content -EINVAL");
	snprintf(want, sizeof(want), "%s:1: unknown section [bogus]", path);
	ASSERT_TRUE(!strncmp(err, want, strlen(want)), "file: message names the file and line");
	unlink(path);

	ret = sp_config_load(path, &cfg, err, sizeof(err));
	ASSERT_EQ(ret, -ENOENT, "file: missing -ENOENT");
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory", path);
	ASSERT_TRUE(!strcmp(err, want), "file: missing message");

	ret = sp_config_load(dir, &cfg, err, sizeof(err));
	ASSERT_EQ(ret, -EISDIR, "file: a directory -EISDIR");
	snprintf(want, sizeof(want), "%s: cannot read: Is a directory", dir);
	ASSERT_TRUE(!strcmp(err, want), "file: directory message");
	rmdir(dir);
}

int main(void)
{
	test_example();
	test_defaults();
	test_values();
	test_limits();
	test_bad();
	test_password_not_shown();
	test_long_line();
	test_files();
	return tap_done();
}
