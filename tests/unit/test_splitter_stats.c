// SPDX-License-Identifier: GPL-2.0-only
/*
 * xlbd's parser of a splitter's `show stats` reply (user/xlbd/splitter.h): a reply captured
 * from xlb-sqlproxy's admin.c, and the same produced live by sp_admin_exec (so that a change
 * of the splitter's output that xlbd no longer understands fails here), then replies that
 * must be refused (fields missing, garbage, cut short) and ones that must be tolerated (new
 * keys, another order). TAP.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/buffer.h>

#include "admin.h"
#include "proxy_config.h"
#include "splitter.h"
#include "../lib/tap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* `show stats` of admin.c with tests/unit/test_sql_admin.c's state, byte for byte. */
static const char captured[] = "sessions_open 2\n"
			       "sessions_total 12\n"
			       "statements 345\n"
			       "errors 3\n"
			       "auth_failures 1\n"
			       "protocol_errors 2\n"
			       "causal_waits 40\n"
			       "causal_fallbacks 4\n"
			       "reads.db1 10\n"
			       "writes.db1 200\n"
			       "errors.db1 1\n"
			       "reads.db2 135\n"
			       "writes.db2 0\n"
			       "errors.db2 0\n"
			       "reads.db3 0\n"
			       "writes.db3 0\n"
			       "errors.db3 0\n"
			       "\n";

static struct splitter_stats st; /* 3 KB: off the stack */

static bool check_captured(const struct splitter_stats *s, const char *what)
{
	static const unsigned long want[SPLITTER_NR_COUNTERS] = { 2, 12, 345, 3, 1, 2, 40, 4 };
	bool ok = true;

	for (int c = 0; c < SPLITTER_NR_COUNTERS; c++)
		ok &= ASSERT_EQ(s->counters[c], want[c],
				tname("%s: %s", what, splitter_counter_key(c)));
	ok &= ASSERT_EQ(s->nr_servers, 3, tname("%s: three servers", what));
	if (s->nr_servers != 3)
		return false;
	ok &= ASSERT_TRUE(!strcmp(s->servers[0].name, "db1") && s->servers[0].reads == 10 &&
				  s->servers[0].writes == 200 && s->servers[0].errors == 1,
			  tname("%s: db1 reads, writes, errors", what));
	ok &= ASSERT_TRUE(!strcmp(s->servers[1].name, "db2") && s->servers[1].reads == 135 &&
				  !s->servers[1].writes && !s->servers[1].errors,
			  tname("%s: db2", what));
	ok &= ASSERT_TRUE(!strcmp(s->servers[2].name, "db3"), tname("%s: db3", what));
	return ok;
}

static void test_captured(void)
{
	char why[256] = "";

	if (!ASSERT_OK(splitter_stats_parse(captured, &st, why, sizeof(why)), "captured: parses"))
		printf("#   %s\n", why);
	check_captured(&st, "captured");
}

/* The reply of the splitter built from this tree: the same state as test_sql_admin.c. */
static void test_live(void)
{
	static const char conf[] = "[server db1]\naddress = 10.0.0.1:3306\nrole = primary\n"
				   "[server db2]\naddress = [2001:db8::2]:3306\nrole = replica\n"
				   "[server db3]\naddress = 10.0.0.3:3307\nrole = offline\n"
				   "[user app]\npassword = secret\n";
	static struct sp_proxy p;
	struct evbuffer *out = evbuffer_new();
	char err[256] = "", *reply = NULL;
	size_t len;

	if (!ASSERT_TRUE(out, "live: evbuffer"))
		return;
	if (!ASSERT_OK(sp_config_parse_string(conf, "t.conf", &p.cfg, err, sizeof(err)),
		       "live: splitter config")) {
		printf("#   %s\n", err);
		goto out;
	}
	TAILQ_INIT(&p.sessions);
	p.stats = (struct sp_stats){ .sessions_total = 12,
				     .sessions_open = 2,
				     .statements = 345,
				     .errors = 3,
				     .auth_failures = 1,
				     .protocol_errors = 2,
				     .causal_waits = 40,
				     .causal_fallbacks = 4 };
	p.cfg.servers[0].stats =
		(struct sp_server_stats){ .reads = 10, .writes = 200, .errors = 1 };
	p.cfg.servers[1].stats = (struct sp_server_stats){ .reads = 135 };
	sp_admin_exec(&p, "show stats", out);
	len = evbuffer_get_length(out);
	reply = calloc(1, len + 1);
	if (!ASSERT_TRUE(reply, "live: reply"))
		goto out;
	evbuffer_remove(out, reply, len);
	if (!ASSERT_TRUE(!strcmp(reply, captured), "live: admin.c says what was captured"))
		printf("#   got '%s'\n", reply);
	if (!ASSERT_OK(splitter_stats_parse(reply, &st, err, sizeof(err)), "live: parses"))
		printf("#   %s\n", err);
	check_captured(&st, "live");
out:
	free(reply);
	evbuffer_free(out);
}

static void test_tolerated(void)
{
	static const char reordered[] = "reads.db1 10\n"
					"causal_fallbacks 4\n"
					"new_counter 77\n"
					"uptime 12.5s\n"
					"latency.db1 1.5ms\n"
					"errors.db1 1\n"
					"sessions_open 2\n"
					"lag.db1 5\n"
					"sessions_total 12\n"
					"statements 345\n"
					"writes.db1 200\n"
					"errors 3\n"
					"auth_failures 1\n"
					"protocol_errors 2\n"
					"causal_waits 40\n"
					"\r\n";
	static const char no_servers[] =
		"sessions_open 0\nsessions_total 0\nstatements 0\n"
		"errors 0\nauth_failures 0\nprotocol_errors 0\n"
		"causal_waits 0\ncausal_fallbacks 18446744073709551615\n\n";
	char why[256] = "";
	int ret;

	ret = splitter_stats_parse(reordered, &st, why, sizeof(why));
	if (!ASSERT_OK(ret, "tolerated: another order, unknown keys, CRLF end"))
		printf("#   %s\n", why);
	ASSERT_TRUE(!ret && st.nr_servers == 1 && st.servers[0].reads == 10 &&
			    st.servers[0].writes == 200 &&
			    st.counters[SPLITTER_STATEMENTS] == 345 &&
			    st.counters[SPLITTER_CAUSAL_FALLBACKS] == 4,
		    "tolerated: values found by key");
	ret = splitter_stats_parse(no_servers, &st, why, sizeof(why));
	ASSERT_TRUE(!ret && !st.nr_servers && st.counters[SPLITTER_CAUSAL_FALLBACKS] == ~0ul,
		    "tolerated: no servers; a 64-bit counter at its maximum");
}

/* Replies that are refused whole, with the reason that is logged. */
static void test_refused(void)
{
	static const struct {
		const char *name, *text, *why;
	} cases[] = {
		{ "empty reply", "\n", "no sessions_open" },
		{ "nothing at all", "",
		  "the reply is cut short: expected an empty line at its end" },
		{ "cut short mid-reply", "sessions_open 2\nsessions_total 12\nstat",
		  "the reply is cut short: expected an empty line at its end" },
		{ "cut short before the empty line", "sessions_open 2\n",
		  "the reply is cut short: expected an empty line at its end" },
		{ "a counter missing",
		  "sessions_open 2\nsessions_total 12\nstatements 345\nerrors 3\nauth_failures 1\n"
		  "protocol_errors 2\ncausal_waits 40\n\n",
		  "no causal_fallbacks" },
		{ "a server's field missing",
		  "sessions_open 2\nsessions_total 12\nstatements 345\nerrors 3\nauth_failures 1\n"
		  "protocol_errors 2\ncausal_waits 40\ncausal_fallbacks 4\nreads.db1 1\n"
		  "errors.db1 0\n\n",
		  "no writes.db1" },
		{ "an ERR answer", "ERR: unknown command 'show': expected help\n\n",
		  "the splitter answered 'ERR: unknown command 'show': expected help'" },
		{ "garbage", "\x01\x02garbage\n\n", "'\x01\x02garbage' is not a line KEY VALUE" },
		{ "tab instead of a blank", "sessions_open\t2\n\n",
		  "'sessions_open\t2' is not a line KEY VALUE" },
		{ "no key", " 2\n\n", "' 2' is not a line KEY VALUE" },
		{ "value not a number", "sessions_open two\n\n",
		  "bad value in 'sessions_open two': expected a whole number" },
		{ "negative value", "sessions_open -1\n\n",
		  "bad value in 'sessions_open -1': expected a whole number" },
		{ "two blanks", "sessions_open  2\n\n",
		  "bad value in 'sessions_open  2': expected a whole number" },
		{ "value with a tail", "statements 12x\n\n",
		  "bad value in 'statements 12x': expected a whole number" },
		{ "value too big", "statements 18446744073709551616\n\n",
		  "bad value in 'statements 18446744073709551616': expected a whole number" },
		{ "a counter twice", "statements 1\nstatements 2\n\n", "statements given twice" },
		{ "a server field twice", "reads.db1 1\nreads.db1 2\n\n", "reads.db1 given twice" },
		{ "a server without a name", "reads. 1\n\n",
		  "bad server name in 'reads. 1': expected 1 to 63 characters" },
		{ "text after the end",
		  "sessions_open 2\nsessions_total 12\nstatements 345\nerrors 3\nauth_failures 1\n"
		  "protocol_errors 2\ncausal_waits 40\ncausal_fallbacks 4\n\nsessions_open 3\n\n",
		  "text after the reply's empty line" },
	};
	char why[256];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int ret;

		why[0] = '\0';
		ret = splitter_stats_parse(cases[i].text, &st, why, sizeof(why));
		ASSERT_EQ(ret, -EINVAL, tname("refused: %s: -EINVAL", cases[i].name));
		if (!ASSERT_TRUE(!strcmp(why, cases[i].why),
				 tname("refused: %s: why", cases[i].name)))
			printf("#   got  '%s'\n#   want '%s'\n", why, cases[i].why);
	}
}

/* More servers than the parser keeps: refused, not cut. */
static void test_too_many(void)
{
	char *text = malloc(64 * (SPLITTER_MAX_SERVERS + 2)), why[256] = "";
	size_t n = 0;

	if (!ASSERT_TRUE(text, "too many: malloc"))
		return;
	for (int i = 0; i <= SPLITTER_MAX_SERVERS; i++)
		n += sprintf(text + n, "reads.s%d 1\n", i);
	sprintf(text + n, "\n");
	ASSERT_EQ(splitter_stats_parse(text, &st, why, sizeof(why)), -EINVAL,
		  "too many: 33 servers refused");
	ASSERT_TRUE(!strcmp(why, "more than 32 servers"), "too many: said so");
	free(text);
}

int main(void)
{
	test_captured();
	test_live();
	test_tolerated();
	test_refused();
	test_too_many();
	return tap_done();
}
