// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of appd's pure parts: the POST body checks (every class of bad input and the
 * limits), UTF-8 counting, ?limit= and id parsing, Content-Type, the JSON it writes (escaping,
 * round trip), the created time, routing, and the config parser's values and one-line errors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* by path: -Iuser/xlbd comes first and has a config.h of its own */
#include "../../user/appd/appd_config.h"
#include "../../user/appd/db.h"
#include "../../user/appd/notes.h"
#include "../../user/appd/route.h"
#include "../lib/tap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- POST bodies ---- */

struct body_case {
	const char *name;
	const char *body;
	size_t len;	    /* 0: strlen(body) */
	const char *phrase; /* NULL: accepted */
};

static const struct body_case body_cases[] = {
	{ "plain", "{\"text\":\"hello\"}", 0, NULL },
	{ "with author", "{\"text\":\"hello\",\"author\":\"me\"}", 0, NULL },
	{ "empty author", "{\"text\":\"hello\",\"author\":\"\"}", 0, NULL },
	{ "blanks around", " \n{ \"text\" : \"x\" }\n ", 0, NULL },
	{ "SQL metacharacters", "{\"text\":\"'; DROP TABLE notes; -- \\\\ \\\" `\"}", 0, NULL },
	{ "escaped unicode", "{\"text\":\"\\u00e9\\ud83d\\ude00\"}", 0, NULL },
	{ "empty body", "", 0, "empty body" },
	{ "malformed", "{\"text\":", 0, "body is not valid JSON" },
	{ "trailing garbage", "{\"text\":\"a\"} x", 0, "body is not valid JSON" },
	{ "two objects", "{\"text\":\"a\"}{}", 0, "body is not valid JSON" },
	{ "single quotes", "{'text':'a'}", 0, "body is not valid JSON" },
	{ "duplicate key", "{\"text\":\"a\",\"text\":\"b\"}", 0, "duplicate object key" },
	{ "\\u0000", "{\"text\":\"a\\u0000b\"}", 0, "body is not valid JSON" },
	{ "lone surrogate escape", "{\"text\":\"\\ud800\"}", 0, "body is not valid JSON" },
	{ "raw NUL byte", "{\"text\":\"a\0b\"}", 14, "body is not valid JSON" },
	{ "raw control character", "{\"text\":\"a\x01\"}", 0, "body is not valid JSON" },
	{ "invalid UTF-8 0xff", "{\"text\":\"\xff\"}", 0, "body is not valid UTF-8 (at byte 9)" },
	{ "overlong '/'", "{\"text\":\"\xc0\xaf\"}", 0, "not valid UTF-8" },
	{ "overlong 3-byte", "{\"text\":\"\xe0\x80\xaf\"}", 0, "not valid UTF-8" },
	{ "UTF-16 surrogate bytes", "{\"text\":\"\xed\xa0\x80\"}", 0, "not valid UTF-8" },
	{ "past U+10FFFF", "{\"text\":\"\xf4\x90\x80\x80\"}", 0, "not valid UTF-8" },
	{ "cut short", "{\"text\":\"\xe2\x82\"}", 0, "not valid UTF-8" },
	{ "stray continuation", "{\"text\":\"\x80\"}", 0, "not valid UTF-8" },
	{ "array", "[\"text\"]", 0, "body is not a JSON object" },
	{ "string", "\"text\"", 0, "body is not a JSON object" },
	{ "number", "42", 0, "body is not a JSON object" },
	{ "null", "null", 0, "body is not a JSON object" },
	{ "no text", "{}", 0, "text is missing" },
	{ "author only", "{\"author\":\"a\"}", 0, "text is missing" },
	{ "text number", "{\"text\":5}", 0, "text is not a string" },
	{ "text null", "{\"text\":null}", 0, "text is not a string" },
	{ "text array", "{\"text\":[\"a\"]}", 0, "text is not a string" },
	{ "text object", "{\"text\":{}}", 0, "text is not a string" },
	{ "text false", "{\"text\":false}", 0, "text is not a string" },
	{ "text empty", "{\"text\":\"\"}", 0, "text is empty" },
	{ "author number", "{\"text\":\"a\",\"author\":1}", 0, "author is not a string" },
	{ "author null", "{\"text\":\"a\",\"author\":null}", 0, "author is not a string" },
	{ "unknown key", "{\"text\":\"a\",\"id\":1}", 0, "unknown key 'id' in the body" },
	{ "unknown key only", "{\"txt\":\"a\"}", 0, "unknown key 'txt'" },
	{ "unknown key, non-ASCII", "{\"text\":\"a\",\"\xc3\xa9\\n\":1}", 0,
	  "unknown key '\?\?\?'" },
};

static void test_body_cases(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(body_cases); i++) {
		const struct body_case *c = &body_cases[i];
		struct appd_note_input in = { 0 };
		size_t len = c->len ? c->len : strlen(c->body);
		char err[256] = "";
		int ret = appd_note_parse(c->body, len, &in, err, sizeof(err));

		if (!c->phrase) {
			if (!ASSERT_OK(ret, tname("body: %s: accepted", c->name)))
				printf("#   %s\n", err);
			appd_note_input_free(&in);
			continue;
		}
		ASSERT_EQ(ret, -EINVAL, tname("body: %s: -EINVAL", c->name));
		if (!ASSERT_TRUE(strstr(err, c->phrase) && !strchr(err, '\n'),
				 tname("body: %s: one line naming it", c->name)))
			printf("#   got '%s'\n#   want '%s'\n", err, c->phrase);
		ASSERT_TRUE(in.root == NULL, tname("body: %s: nothing kept", c->name));
	}
}

/* A body {"text": T, "author": A} with T of n copies of unit (UTF-8 bytes). */
static char *body_of(const char *unit, size_t n, const char *author)
{
	size_t ulen = strlen(unit), len = 64 + ulen * n + strlen(author);
	char *b = malloc(len), *p;

	if (!b)
		return NULL;
	p = b + sprintf(b, "{\"text\":\"");
	for (size_t i = 0; i < n; i++, p += ulen)
		memcpy(p, unit, ulen);
	sprintf(p, "\",\"author\":\"%s\"}", author);
	return b;
}

static void test_body_limits(void)
{
	static const struct {
		const char *unit;
		size_t n;
		const char *author;
		const char *phrase;
	} cases[] = {
		{ "a", 1000, "", NULL },
		{ "a", 1001, "", "text has 1001 characters: expected at most 1000" },
		{ "\xc3\xa9", 1000, "", NULL }, /* é: 2000 bytes, 1000 characters */
		{ "\xc3\xa9", 1001, "", "text has 1001 characters" },
		{ "\xf0\x9f\x98\x80", 1000, "", NULL }, /* 😀: 4000 bytes */
		{ "\xf0\x9f\x98\x80", 1001, "", "text has 1001 characters" },
		{ "\\ud83d\\ude00", 1000, "", NULL }, /* escaped: 12000 bytes, 1000 */
		{ "\\u00e9", 1001, "", "text has 1001 characters" },
		{ "a", 1, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
		  NULL },
		{ "a", 1, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
		  "author has 65 characters: expected at most 64" },
		{ "a", 1,
		  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		  "\xc3\xa9",
		  NULL }, /* 64 é: 128 bytes */
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *b = body_of(cases[i].unit, cases[i].n, cases[i].author);
		struct appd_note_input in = { 0 };
		char err[256] = "";
		int ret;

		if (!ASSERT_TRUE(b, "limits: allocate"))
			return;
		ret = appd_note_parse(b, strlen(b), &in, err, sizeof(err));
		if (!cases[i].phrase) {
			if (!ASSERT_OK(ret, tname("limits: %zu x '%s': accepted", cases[i].n,
						  cases[i].unit)))
				printf("#   %s\n", err);
		} else {
			ASSERT_EQ(ret, -EINVAL,
				  tname("limits: %zu x '%s': refused", cases[i].n, cases[i].unit));
			if (!ASSERT_TRUE(strstr(err, cases[i].phrase),
					 tname("limits: %zu x '%s': message", cases[i].n,
					       cases[i].unit)))
				printf("#   got '%s'\n", err);
		}
		appd_note_input_free(&in);
		free(b);
	}
}

/* What the parser hands on: the decoded strings, byte for byte, and "" for no author. */
static void test_body_values(void)
{
	static const char body[] = "{\"author\":\"\\u00e9\\\"\",\"text\":\"a\\\\b\\n\\\"c'\\/\"}";
	struct appd_note_input in = { 0 };
	char err[256] = "";

	if (!ASSERT_OK(appd_note_parse(body, strlen(body), &in, err, sizeof(err)),
		       "values: parses"))
		return;
	ASSERT_TRUE(in.text_len == 8 && !memcmp(in.text, "a\\b\n\"c'/", 8), "values: text decoded");
	ASSERT_TRUE(in.author_len == 3 && !memcmp(in.author, "\xc3\xa9\"", 3),
		    "values: author decoded");
	appd_note_input_free(&in);
	if (!ASSERT_OK(appd_note_parse("{\"text\":\"t\"}", 12, &in, err, sizeof(err)),
		       "values: no author parses"))
		return;
	ASSERT_TRUE(in.author && !*in.author && !in.author_len, "values: no author is \"\"");
	appd_note_input_free(&in);
}

static void test_utf8(void)
{
	static const struct {
		const char *s;
		long want;
		size_t bad;
	} cases[] = {
		{ "", 0, 0 },
		{ "abc", 3, 0 },
		{ "\xc3\xa9t\xc3\xa9", 3, 0 },
		{ "\xe2\x82\xac", 1, 0 },
		{ "\xf0\x9f\x98\x80", 1, 0 },
		{ "\xef\xbb\xbf", 1, 0 },     /* BOM */
		{ "\xf4\x8f\xbf\xbf", 1, 0 }, /* U+10FFFF */
		{ "a\xff", -1, 1 },
		{ "ab\xc1\xbf", -1, 2 },
		{ "\xe0\x9f\xbf", -1, 0 },
		{ "\xed\xbf\xbf", -1, 0 },
		{ "\xf0\x8f\xbf\xbf", -1, 0 },
		{ "\xf5\x80\x80\x80", -1, 0 },
		{ "xy\xe2\x82", -1, 2 },
		{ "\xc3", -1, 0 },
		{ "\xc3(", -1, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t bad = 99;
		long n = appd_utf8_count(cases[i].s, strlen(cases[i].s), &bad);

		ASSERT_EQ(n, cases[i].want, tname("utf8: case %zu: count", i));
		if (cases[i].want < 0)
			ASSERT_EQ(bad, cases[i].bad, tname("utf8: case %zu: bad byte", i));
	}
}

/* ---- ?limit=, ids, Content-Type ---- */

static void test_limit_and_id(void)
{
	static const struct {
		const char *s;
		int ret;
		unsigned int want;
	} limits[] = {
		{ "1", 0, 1 },		{ "100", 0, 100 },
		{ "42", 0, 42 },	{ "007", 0, 7 },
		{ "0", -EINVAL, 0 },	{ "101", -EINVAL, 0 },
		{ "", -EINVAL, 0 },	{ "-1", -EINVAL, 0 },
		{ "+1", -EINVAL, 0 },	{ " 5", -EINVAL, 0 },
		{ "5 ", -EINVAL, 0 },	{ "1.5", -EINVAL, 0 },
		{ "1e2", -EINVAL, 0 },	{ "abc", -EINVAL, 0 },
		{ "0x10", -EINVAL, 0 }, { "99999999999999999999999", -EINVAL, 0 },
	};
	static const struct {
		const char *s;
		int ret;
		uint64_t want;
	} ids[] = {
		{ "1", 0, 1 },
		{ "0", 0, 0 },
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "0018", 0, 18 },
		{ "18446744073709551616", -EINVAL, 0 },
		{ "99999999999999999999", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "1x", -EINVAL, 0 },
		{ "%31", -EINVAL, 0 },
		{ " 1", -EINVAL, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(limits); i++) {
		unsigned int v = 12345;
		int ret = appd_parse_limit(limits[i].s, &v);

		ASSERT_EQ(ret, limits[i].ret, tname("limit '%s': result", limits[i].s));
		ASSERT_EQ(v, limits[i].ret ? 12345 : limits[i].want,
			  tname("limit '%s': value", limits[i].s));
	}
	ASSERT_EQ(appd_parse_limit(NULL, &(unsigned int){ 0 }), -EINVAL, "limit NULL: -EINVAL");
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		uint64_t v = 12345;
		int ret = appd_parse_id(ids[i].s, &v);

		ASSERT_EQ(ret, ids[i].ret, tname("id '%s': result", ids[i].s));
		ASSERT_TRUE(v == (ids[i].ret ? 12345 : ids[i].want),
			    tname("id '%s': value", ids[i].s));
	}
}

static void test_content_type(void)
{
	static const struct {
		const char *ct;
		bool json;
	} cases[] = {
		{ "application/json", true },
		{ "APPLICATION/JSON", true },
		{ "application/json; charset=utf-8", true },
		{ "application/json;charset=UTF8", true },
		{ "application/json; charset=\"utf-8\"", true },
		{ "application/json ; foo=bar", true },
		{ " application/json", true },
		{ NULL, false },
		{ "", false },
		{ "text/plain", false },
		{ "application/x-www-form-urlencoded", false },
		{ "application/jsonx", false },
		{ "application/json-patch+json", false },
		{ "application/json; charset=latin1", false },
		{ "application/json; charset=utf-16", false },
		{ "application/json x", false },
		{ "application/", false },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		ASSERT_EQ(appd_is_json_type(cases[i].ct), cases[i].json,
			  tname("Content-Type '%s'", cases[i].ct ? cases[i].ct : "(none)"));
}

/* ---- JSON out ---- */

static void test_json_escaping(void)
{
	/* everything JSON must escape, '/' (for </script>), UTF-8 kept as it is */
	static const char text[] = "q\" b\\ n\n t\t c\x01 </script> \xc3\xa9 \xf0\x9f\x98\x80";
	static const char want[] =
		"{\"id\":7,\"text\":\"q\\\" b\\\\ n\\n t\\t c\\u0001 <\\/script> \xc3\xa9 "
		"\xf0\x9f\x98\x80\",\"author\":\"\",\"created\":null}\n";
	struct appd_note *n = calloc(1, sizeof(*n));
	json_t *v, *back;
	size_t len = 0;
	char *s;

	if (!ASSERT_TRUE(n, "json: allocate"))
		return;
	n->id = 7;
	memcpy(n->text, text, sizeof(text));
	n->text_len = sizeof(text) - 1;
	v = appd_note_json(n);
	s = v ? appd_json_text(v, &len) : NULL;
	if (ASSERT_TRUE(s, "json: note written")) {
		if (!ASSERT_TRUE(!strcmp(s, want), "json: escaped as expected"))
			printf("#   got  %s#   want %s", s, want);
		ASSERT_EQ(len, strlen(want), "json: length");
		back = json_loads(s, 0, NULL);
		ASSERT_TRUE(back && !strcmp(json_string_value(json_object_get(back, "text")), text),
			    "json: decodes to the same text");
		json_decref(back);
	}
	free(s);
	json_decref(v);

	/* a text with a NUL from the database is still written (as \u0000), never cut */
	n->text[1] = '\0';
	v = appd_note_json(n);
	s = v ? appd_json_text(v, &len) : NULL;
	ASSERT_TRUE(s && strstr(s, "\"q\\u0000 b"), "json: NUL as \\u0000");
	free(s);
	json_decref(v);

	/* invalid UTF-8 (not from appd) is refused, not written as garbage */
	n->text[0] = '\xff';
	ASSERT_TRUE(!(v = appd_note_json(n)), "json: invalid UTF-8 refused");
	json_decref(v);
	n->text[0] = 'q';
	n->id = (uint64_t)INT64_MAX + 1;
	ASSERT_TRUE(!(v = appd_note_json(n)), "json: id past INT64_MAX refused");
	json_decref(v);
	n->id = 1;
	snprintf(n->created, sizeof(n->created), "2024-05-01T12:34:56.789Z");
	v = appd_note_json(n);
	ASSERT_TRUE(v && !strcmp(json_string_value(json_object_get(v, "created")), n->created),
		    "json: created as a string");
	json_decref(v);
	free(n);

	v = appd_error_json("bad \"thing\"\n\xc3\xa9");
	s = v ? appd_json_text(v, &len) : NULL;
	if (!ASSERT_TRUE(s && !strcmp(s, "{\"error\":\"bad \\\"thing\\\"\?\?\?\"}\n"),
			 "json: error body, one printable line"))
		printf("#   got %s", s ? s : "(null)\n");
	free(s);
	json_decref(v);
}

static void test_created(void)
{
	static const struct {
		const char *in;
		const char *want; /* NULL: -EINVAL */
	} cases[] = {
		{ "0", "1970-01-01T00:00:00.000Z" },
		{ "1714566896.789", "2024-05-01T12:34:56.789Z" },
		{ "1714566896.7", "2024-05-01T12:34:56.700Z" },
		{ "1714566896.123456", "2024-05-01T12:34:56.123Z" },
		{ "2147483647.999", "2038-01-19T03:14:07.999Z" },
		{ "", NULL },
		{ "abc", NULL },
		{ "1.", NULL },
		{ ".5", NULL },
		{ "-1", NULL },
		{ "12 ", NULL },
		{ "99999999999999", NULL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char out[APPD_CREATED_LEN] = "";
		int ret = appd_format_created(cases[i].in, strlen(cases[i].in), out, sizeof(out));

		if (!cases[i].want) {
			ASSERT_EQ(ret, -EINVAL, tname("created '%s': refused", cases[i].in));
			continue;
		}
		if (!ASSERT_TRUE(!ret && !strcmp(out, cases[i].want),
				 tname("created '%s'", cases[i].in)))
			printf("#   got '%s'\n", out);
	}
}

/* ---- routes ---- */

static void test_routes(void)
{
	static const struct {
		const char *path;
		enum appd_route route;
		const char *id;
	} cases[] = {
		{ "/api/notes", APPD_R_NOTES, NULL },
		{ "/api/notes/12", APPD_R_NOTE, "12" },
		{ "/api/notes/", APPD_R_NOTE, "" },
		{ "/api/notes/abc", APPD_R_NOTE, "abc" },
		{ "/api/whoami", APPD_R_WHOAMI, NULL },
		{ "/health", APPD_R_HEALTH, NULL },
		{ "/api/notes/1/2", APPD_R_NONE, NULL },
		{ "/api/notes//", APPD_R_NONE, NULL },
		{ "/api/notesx", APPD_R_NONE, NULL },
		{ "/api/whoami/", APPD_R_NONE, NULL },
		{ "/", APPD_R_NONE, NULL },
		{ "", APPD_R_NONE, NULL },
		{ "/HEALTH", APPD_R_NONE, NULL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *id = NULL;

		ASSERT_EQ(appd_route(cases[i].path, &id), cases[i].route,
			  tname("route '%s'", cases[i].path));
		if (cases[i].id)
			ASSERT_TRUE(id && !strcmp(id, cases[i].id),
				    tname("route '%s': id '%s'", cases[i].path, cases[i].id));
	}
	ASSERT_EQ(appd_route(NULL, &(const char *){ NULL }), APPD_R_NONE, "route NULL");
	ASSERT_TRUE(appd_route_allows(APPD_R_NOTES, APPD_M_POST), "POST /api/notes allowed");
	ASSERT_TRUE(!appd_route_allows(APPD_R_NOTE, APPD_M_POST), "POST /api/notes/ID refused");
	ASSERT_TRUE(!appd_route_allows(APPD_R_HEALTH, APPD_M_POST), "POST /health refused");
	ASSERT_TRUE(!appd_route_allows(APPD_R_NOTES, APPD_M_OTHER), "DELETE /api/notes refused");
	ASSERT_TRUE(appd_route_allows(APPD_R_WHOAMI, APPD_M_HEAD), "HEAD like GET");
	ASSERT_TRUE(!strcmp(appd_route_allow(APPD_R_NOTES), "GET, HEAD, POST"),
		    "Allow of /api/notes");
	ASSERT_TRUE(!strcmp(appd_route_allow(APPD_R_NOTE), "GET, HEAD"), "Allow of a note");
}

/* ---- config ---- */

#define DB "[database]\nuser = app\npassword_file = /etc/xlb/appd.pw\n" /* 3 lines */

static const char example[] = "[appd]\n"
			      "listen = 127.0.0.1:8080        ; numeric ADDR:PORT\n"
			      "name = web1                    ; reported by /api/whoami\n"
			      "max_body = 4096                ; bytes\n"
			      "[database]\n"
			      "address = 127.0.0.1:6033       ; the local xlb-sqlproxy\n"
			      "user = app\n"
			      "password_file = /etc/xlb/appd.pw   ; first line is the password\n"
			      "database = notes\n";

static void test_config_good(void)
{
	struct appd_config cfg;
	char err[512] = "", host[APPD_NAME_LEN] = "";
	int ret;

	ret = appd_config_parse_string(example, "t.conf", &cfg, err, sizeof(err));
	if (!ASSERT_OK(ret, "config: the example parses")) {
		printf("#   %s\n", err);
		return;
	}
	ASSERT_TRUE(!strcmp(cfg.listen_host, "127.0.0.1") && cfg.listen_port == 8080,
		    "config: listen");
	ASSERT_TRUE(!strcmp(cfg.name, "web1"), "config: name");
	ASSERT_EQ(cfg.max_body, 4096, "config: max_body");
	ASSERT_TRUE(!strcmp(cfg.db_host, "127.0.0.1") && cfg.db_port == 6033,
		    "config: database address");
	ASSERT_TRUE(!strcmp(cfg.user, "app"), "config: user");
	ASSERT_TRUE(!strcmp(cfg.password_file, "/etc/xlb/appd.pw"), "config: password_file");
	ASSERT_TRUE(!strcmp(cfg.database, "notes"), "config: database");
	ASSERT_EQ(cfg.timeout_ms, APPD_DEFAULT_TIMEOUT_MS, "config: timeout default");

	ret = appd_config_parse_string(DB "timeout = 1500ms\naddress = [::1]:6033\n", "t.conf",
				       &cfg, err, sizeof(err));
	if (!ASSERT_OK(ret, "config: [database] alone parses")) {
		printf("#   %s\n", err);
		return;
	}
	gethostname(host, sizeof(host) - 1);
	ASSERT_TRUE(!strcmp(cfg.name, *host ? host : "appd"), "config: name defaults to the host");
	ASSERT_TRUE(!strcmp(cfg.listen, APPD_DEFAULT_LISTEN), "config: listen default");
	ASSERT_EQ(cfg.max_body, APPD_DEFAULT_MAX_BODY, "config: max_body default");
	ASSERT_TRUE(!strcmp(cfg.database, "notes"), "config: database default");
	ASSERT_TRUE(!strcmp(cfg.db_host, "::1") && cfg.db_port == 6033, "config: IPv6 address");
	ASSERT_EQ(cfg.timeout_ms, 1500, "config: timeout 1500ms");
}

static const struct tap_config_case bad_configs[] = {
	{ "empty file", "", 0, "no [database] section: expected one with user and password_file" },
	{ "no [database]", "[appd]\nname = a\n", 0, "no [database] section" },
	{ "unknown section", DB "[server x]\n", 4,
	  "unknown section [server x]: expected [appd] or [database]" },
	{ "[appd] with a name", "[appd web]\n", 1, "unknown section [appd web]" },
	{ "duplicate [appd]", "[appd]\n" DB "[appd]\n", 5,
	  "duplicate section [appd] (also at line 1)" },
	{ "key outside a section", "name = a\n" DB, 1, "key 'name' outside a section" },
	{ "unknown [appd] key", "[appd]\nport = 80\n" DB, 2,
	  "unknown key 'port' in [appd]: expected listen, name or max_body" },
	{ "unknown [database] key", DB "host = x\n", 4,
	  "unknown key 'host' in [database]: expected address, user, password_file, database or "
	  "timeout" },
	{ "duplicate key", DB "user = b\n", 4,
	  "duplicate key 'user' in [database] (also at line 2)" },
	{ "listen host name", "[appd]\nlisten = localhost:8080\n" DB, 2,
	  "bad listen address 'localhost:8080' in [appd]: expected a numeric ADDR:PORT or "
	  "[ADDR6]:PORT" },
	{ "listen without port", "[appd]\nlisten = 127.0.0.1\n" DB, 2, "bad listen address" },
	{ "listen port 0", "[appd]\nlisten = 127.0.0.1:0\n" DB, 2, "bad listen address" },
	{ "listen port 65536", "[appd]\nlisten = 127.0.0.1:65536\n" DB, 2, "bad listen address" },
	{ "name with a blank", "[appd]\nname = web 1\n" DB, 2,
	  "bad name 'web 1' in [appd]: expected 1 to 64 characters" },
	{ "name with markup", "[appd]\nname = <b>\n" DB, 2, "bad name '<b>'" },
	{ "name too long",
	  "[appd]\nname = "
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n" DB,
	  2, "bad name" },
	{ "max_body 0", "[appd]\nmax_body = 0\n" DB, 2,
	  "bad max_body '0' in [appd]: expected a number of bytes from 64 to 1048576" },
	{ "max_body 63", "[appd]\nmax_body = 63\n" DB, 2, "bad max_body '63'" },
	{ "max_body too big", "[appd]\nmax_body = 1048577\n" DB, 2, "bad max_body '1048577'" },
	{ "max_body with a unit", "[appd]\nmax_body = 4k\n" DB, 2, "bad max_body '4k'" },
	{ "max_body negative", "[appd]\nmax_body = -1\n" DB, 2, "bad max_body '-1'" },
	{ "address host name", DB "address = db:6033\n", 4,
	  "bad address 'db:6033' in [database]: expected a numeric ADDR:PORT" },
	{ "no user", "[database]\npassword_file = /p\n", 1,
	  "[database] has no user: expected user = USER" },
	{ "no password_file", "[database]\nuser = app\n", 1,
	  "[database] has no password_file: expected password_file = PATH" },
	{ "no user, [appd] after", "[database]\npassword_file = /p\n[appd]\n", 1,
	  "[database] has no user" },
	{ "user with a blank", "[database]\nuser = a b\npassword_file = /p\n", 2,
	  "bad user 'a b' in [database]" },
	{ "empty user", "[database]\nuser =\npassword_file = /p\n", 2, "bad user ''" },
	{ "database with a dot", DB "database = a.b\n", 4,
	  "bad database 'a.b' in [database]: expected 1 to 64 characters" },
	{ "database with a quote", DB "database = a`b\n", 4, "bad database 'a`b'" },
	{ "timeout without unit", DB "timeout = 2\n", 4,
	  "bad duration '2' for timeout in [database]" },
	{ "first error wins", "[appd]\nmax_body = x\nlisten = y\n" DB, 2, "bad max_body 'x'" },
};

static void test_config_bad(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_configs); i++) {
		const struct tap_config_case *c = &bad_configs[i];
		struct appd_config cfg;
		char err[512] = "";
		int ret;

		memset(&cfg, 0x5a, sizeof(cfg));
		ret = appd_config_parse_string(c->text, "t.conf", &cfg, err, sizeof(err));
		ASSERT_EQ(ret, -EINVAL, tname("bad: %s: -EINVAL", c->name));
		ASSERT_EQ(cfg.max_body, 0x5a5a5a5a5a5a5a5aULL,
			  tname("bad: %s: untouched", c->name));
		tap_config_error(err, "t.conf", c->line, c->phrase, c->name);
	}
}

/* The password file: its first line, never others-readable, never shown in a message. */
static void test_password_file(void)
{
	char dir[] = "/tmp/appd-test.XXXXXX", path[64], pw[APPD_PASSWORD_LEN], err[512];
	static const struct {
		const char *name;
		const char *content;
		mode_t mode;
		int ret;
		const char *want; /* the password, or a phrase of the error */
	} cases[] = {
		{ "first line", "s3cr;et #x\nsecond\n", 0600, 0, "s3cr;et #x" },
		{ "CRLF", "pw\r\n", 0640, 0, "pw" },
		{ "no line end", "pw", 0600, 0, "pw" },
		{ "others may read", "HUSH\n", 0644, -EPERM,
		  "gives others access to the password" },
		{ "empty", "", 0600, -EINVAL, "empty password" },
		{ "empty first line", "\nHUSH\n", 0600, -EINVAL, "empty password" },
		{ "too long",
		  "HUSHHUSHHUSHHUSHHUSHHUSHHUSHHUSHHUSHHUSHHUSHHUSHHUSHHUSHHUSHHUSHHUSHHUSHHUSHHUSH"
		  "HUSHHUSHHUSHHUSHHUSHHUSHHUSHHUSHHUSHHUSHHUSHHUSHHUSHHUSH\n",
		  0600, -EINVAL, "password too long" },
	};

	if (!ASSERT_TRUE(mkdtemp(dir), "password: temporary directory"))
		return;
	snprintf(path, sizeof(path), "%s/pw", dir);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		FILE *f = fopen(path, "w");
		int ret;

		if (!ASSERT_TRUE(f, "password: write the file"))
			break;
		fputs(cases[i].content, f);
		fclose(f);
		chmod(path, cases[i].mode);
		err[0] = '\0';
		ret = appd_password_read(path, pw, sizeof(pw), err, sizeof(err));
		ASSERT_EQ(ret, cases[i].ret, tname("password: %s: result", cases[i].name));
		if (!cases[i].ret) {
			ASSERT_TRUE(!strcmp(pw, cases[i].want),
				    tname("password: %s: value", cases[i].name));
			continue;
		}
		if (!ASSERT_TRUE(!strncmp(err, path, strlen(path)) && strstr(err, cases[i].want) &&
					 !strstr(err, "HUSH") && !strchr(err, '\n'),
				 tname("password: %s: one line, no secret", cases[i].name)))
			printf("#   got '%s'\n", err);
	}
	unlink(path);
	ASSERT_EQ(appd_password_read(path, pw, sizeof(pw), err, sizeof(err)), -ENOENT,
		  "password: a missing file: -ENOENT");
	ASSERT_TRUE(strstr(err, "cannot open the password file"), "password: missing: message");
	rmdir(dir);
}

/* ---- when a broken read is run again ---- */

static void test_db_worth_again(void)
{
	/* a session kept from an earlier request that broke at once: the splitter restarted */
	ASSERT_TRUE(appd_db_worth_again(true, 0, 2000),
		    "again: a stale session that broke at once");
	ASSERT_TRUE(appd_db_worth_again(true, 1999, 2000), "again: ... just inside the timeout");
	/* a hung splitter: the read ran out of time, a new session would too (twice the wait) */
	ASSERT_TRUE(!appd_db_worth_again(true, 2000, 2000), "again: not after the timeout ran out");
	ASSERT_TRUE(!appd_db_worth_again(true, 2004, 1500), "again: ... rounded up to seconds");
	/* a session this request just made has nothing stale about it */
	ASSERT_TRUE(!appd_db_worth_again(false, 0, 2000), "again: not on a session just made");
}

int main(void)
{
	test_body_cases();
	test_body_limits();
	test_body_values();
	test_utf8();
	test_limit_and_id();
	test_content_type();
	test_json_escaping();
	test_created();
	test_routes();
	test_config_good();
	test_config_bad();
	test_password_file();
	test_db_worth_again();
	return tap_done();
}
