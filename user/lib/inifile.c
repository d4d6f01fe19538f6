// SPDX-License-Identifier: GPL-2.0-only
/*
 * The INI front end both daemons share (use in inifile.h; the name is not ini.h because that
 * is libinih's, and -Iuser/lib would shadow it). libinih splits lines into sections and
 * key/value pairs; a reader of our own sits in front of it, because Debian's libinih 55 as
 * built (checked against the library, not just its header) would otherwise:
 *   - treat an indented line as a continuation of the previous key's value (multi-line
 *     values are on), so "  backend = b" after "backend = a" became a backend "backend = b";
 *   - strip inline `;` comments but not `#` ones;
 *   - cut a line longer than its 200-byte buffer and parse the rest as a new line, which
 *     shifts every later line number and loses part of a value without a word;
 *   - never show the handler a section without keys, so `[vip web]` alone or `[foo]` would
 *     pass unnoticed.
 * So the reader hands libinih one physical line per call (libinih's line numbers stay ours),
 * already stripped of comments and leading blanks, and checks section headers itself. The
 * first error is kept, and the reader then ends the input so that no second one is made.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Debian's libinih1 is built with INI_HANDLER_LINENO: it passes the line to the handler. */
#define INI_HANDLER_LINENO 1
#include <ini.h>

#include "inifile.h"

/* ---- errors ---- */

static int vfail(struct xlb_ini *ini, unsigned int line, int code, const char *fmt, va_list ap)
{
	int n;

	if (ini->err)
		return ini->err; /* one message: the first */
	ini->err = code;
	if (!ini->errbuf || !ini->errlen)
		return code;
	if (line)
		n = snprintf(ini->errbuf, ini->errlen, "%s:%u: ", ini->name, line);
	else
		n = snprintf(ini->errbuf, ini->errlen, "%s: ", ini->name);
	if (n >= 0 && (size_t)n < ini->errlen)
		vsnprintf(ini->errbuf + n, ini->errlen - n, fmt, ap);
	return code;
}

int xlb_ini_fail(struct xlb_ini *ini, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(ini, ini->line, -EINVAL, fmt, ap);
	va_end(ap);
	return ret;
}

int xlb_ini_fail_at(struct xlb_ini *ini, unsigned int line, int code, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(ini, line, code, fmt, ap);
	va_end(ap);
	return ret;
}

/* ---- sections ---- */

static void format_desc(char *buf, size_t len, const char *type, const char *name)
{
	if (*name)
		snprintf(buf, len, "[%s %s]", type, name);
	else
		snprintf(buf, len, "[%s]", type);
}

void xlb_ini_enter(struct xlb_ini *ini, const char *type, const char *name,
		   const struct xlb_ini_key *keys, size_t nr_keys)
{
	format_desc(ini->sect_desc, sizeof(ini->sect_desc), type, name);
	ini->keys = keys;
	ini->nr_keys = nr_keys;
}

int xlb_ini_fail_dup_section(struct xlb_ini *ini, const char *type, const char *name,
			     unsigned int first_line)
{
	char desc[XLB_INI_DESC_LEN];

	format_desc(desc, sizeof(desc), type, name);
	return xlb_ini_fail(ini,
			    "duplicate section %s (also at line %u): expected each section once",
			    desc, first_line);
}

int xlb_ini_enter_once(struct xlb_ini *ini, unsigned int *first_line, const char *type,
		       const struct xlb_ini_key *keys, size_t nr_keys)
{
	if (*first_line)
		return xlb_ini_fail_dup_section(ini, type, "", *first_line);
	*first_line = ini->line;
	xlb_ini_enter(ini, type, "", keys, nr_keys);
	return 0;
}

int xlb_ini_check_name(struct xlb_ini *ini, const char *what, const char *name, size_t size)
{
	size_t len = strlen(name);

	if (len > 0 && len < size &&
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
		    len)
		return 0;
	return xlb_ini_fail(ini,
			    "bad %s name '%s': expected 1 to %zu characters of A-Z, a-z, 0-9, '_', "
			    "'.' or '-'",
			    what, name, size - 1);
}

/* s: a header line without comments or surrounding blanks, starting with '['. */
static int begin_section(struct xlb_ini *ini, const char *s)
{
	char inner[XLB_INI_VALUE_LEN], *type, *name, *end;
	const char *close = strchr(s, ']');
	size_t len;
	int err;

	/* the previous section is complete: its own errors come from earlier lines */
	if (ini->ops->end_section) {
		err = ini->ops->end_section(ini);
		if (err)
			return err;
	}
	if (!close)
		return xlb_ini_fail(ini, "unterminated section header '%s': expected %s", s,
				    ini->ops->sections);
	if (close[1])
		return xlb_ini_fail(ini,
				    "text after section header '%s': expected the header alone on "
				    "its line",
				    s);
	len = close - s - 1;
	if (len >= sizeof(inner))
		len = sizeof(inner) - 1;
	memcpy(inner, s + 1, len);
	inner[len] = '\0';

	type = inner + strspn(inner, " \t");
	end = type + strlen(type);
	while (end > type && isspace((unsigned char)end[-1]))
		*--end = '\0';
	name = type + strcspn(type, " \t");
	if (*name)
		*name++ = '\0';
	name += strspn(name, " \t");

	ini->sect_line = ini->line;
	ini->keys = NULL;
	ini->nr_keys = 0;
	memset(ini->seen, 0, sizeof(ini->seen));

	err = ini->ops->begin_section(ini, type, name);
	if (err != XLB_INI_UNKNOWN)
		return err;
	if (*name)
		name[-1] = ' '; /* show the header as written, give or take blanks */
	return xlb_ini_fail(ini, "unknown section [%s]: expected %s", type, ini->ops->sections);
}

/* ---- libinih's side ---- */

/* Cuts s at a comment: ';' or '#' at its start or after a blank. */
static void strip_comment(char *s)
{
	for (char *p = s; *p; p++)
		if ((*p == ';' || *p == '#') && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			return;
		}
}

/* Checks a line libinih is about to see; it would take any of these differently or not
 * at all. */
static int check_line(struct xlb_ini *ini, const char *s)
{
	const char *eq;

	if (!*s)
		return 0;
	if (*s == '[')
		return begin_section(ini, s);
	/* libinih splits at the first '=' or ':'; only '=' is ours, so a ':' in the key (as in
	 * "metrics 127.0.0.1:9591") is a missing '=' */
	eq = strchr(s, '=');
	if (!eq || eq == s || memchr(s, ':', eq - s))
		return xlb_ini_fail(
			ini, "cannot parse '%s': expected KEY = VALUE, [SECTION] or a comment", s);
	return 0;
}

/* libinih's fgets: one physical line per call, comments and leading blanks gone. */
static char *reader(char *str, int num, void *stream)
{
	struct xlb_ini *ini = stream;
	char *s, *end;
	size_t len;

	if (ini->err || !ini->f)
		return NULL; /* after the first error, the input ends: one message only */
	errno = 0;
	if (getline(&ini->buf, &ini->cap, ini->f) < 0) {
		if (ferror(ini->f)) {
			int e = errno ? errno : EIO;

			xlb_ini_fail_at(ini, 0, -e, "cannot read: %s", strerror(e));
		}
		return NULL;
	}
	ini->line++;
	s = ini->buf;
	if (ini->line == 1 && !strncmp(s, "\xef\xbb\xbf", 3))
		s += 3; /* a UTF-8 BOM, as libinih allows */
	s += strspn(s, " \t\r\n\f\v");
	strip_comment(s);
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	len = end - s;

	if (check_line(ini, s) < 0)
		return NULL;
	if (len + 2 > (size_t)num) {
		xlb_ini_fail(ini,
			     "line too long (%zu characters without comments): expected at most %d",
			     len, num - 2);
		return NULL;
	}
	memcpy(str, s, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
}

static int handler(void *user, const char *section, const char *name, const char *value, int lineno)
{
	struct xlb_ini *ini = user;
	size_t i;

	(void)section; /* the reader followed the headers already, and checked them */
	if (ini->err)
		return 0;
	ini->line = lineno;
	if (!ini->keys) {
		xlb_ini_fail(ini, "key '%s' outside a section: expected it after %s", name,
			     ini->ops->sections);
		return 0;
	}
	for (i = 0; i < ini->nr_keys; i++)
		if (!strcmp(ini->keys[i].name, name))
			break;
	if (i == ini->nr_keys) {
		char list[160] = "";
		size_t n = 0;

		for (size_t k = 0; k < ini->nr_keys && n < sizeof(list); k++)
			n += snprintf(list + n, sizeof(list) - n, "%s%s",
				      k == 0		      ? ""
				      : k + 1 == ini->nr_keys ? " or "
							      : ", ",
				      ini->keys[k].name);
		xlb_ini_fail(ini, "unknown key '%s' in %s: expected %s", name, ini->sect_desc,
			     list);
		return 0;
	}
	if (!ini->keys[i].repeat && ini->seen[i]) {
		xlb_ini_fail(ini, "duplicate key '%s' in %s (also at line %u): expected it once",
			     name, ini->sect_desc, ini->seen[i]);
		return 0;
	}
	ini->seen[i] = lineno;
	return ini->keys[i].parse(ini, value) == 0;
}

/* ---- entry points ---- */

void xlb_ini_init(struct xlb_ini *ini, const struct xlb_ini_ops *ops, const char *name, char *err,
		  size_t errlen)
{
	*ini = (struct xlb_ini){ .ops = ops, .name = name, .errbuf = err, .errlen = errlen };
}

int xlb_ini_open(struct xlb_ini *ini, const char *path)
{
	ini->f = fopen(path, "re");
	if (!ini->f) {
		int e = errno;

		return xlb_ini_fail_at(ini, 0, -e, "cannot open: %s", strerror(e));
	}
	return 0;
}

int xlb_ini_open_string(struct xlb_ini *ini, const char *text)
{
	/* glibc's fmemopen refuses a size of 0; an empty text is no lines (f stays NULL) */
	if (!*text)
		return 0;
	ini->f = fmemopen((void *)text, strlen(text), "r");
	if (!ini->f) {
		int e = errno;

		return xlb_ini_fail_at(ini, 0, -e, "cannot read: %s", strerror(e));
	}
	return 0;
}

int xlb_ini_parse(struct xlb_ini *ini)
{
	int rc;

	rc = ini_parse_stream(reader, ini, handler, ini);
	if (rc == -2)
		xlb_ini_fail_at(ini, 0, -ENOMEM, "out of memory");
	else if (rc > 0)
		/* only if the reader missed a syntax error that libinih found */
		xlb_ini_fail_at(ini, rc, -EINVAL,
				"cannot parse: expected KEY = VALUE, [SECTION] or a comment");
	if (!ini->err && ini->ops->end_section)
		ini->ops->end_section(ini);
	free(ini->buf);
	ini->buf = NULL;
	ini->cap = 0;
	return ini->err;
}

void xlb_ini_close(struct xlb_ini *ini)
{
	if (ini->f)
		fclose(ini->f);
	ini->f = NULL;
	free(ini->buf);
	ini->buf = NULL;
}

/* ---- values ---- */

void xlb_ini_format_duration(unsigned int ms, char *buf, size_t len)
{
	if (ms % 60000 == 0)
		snprintf(buf, len, "%um", ms / 60000);
	else if (ms % 1000 == 0)
		snprintf(buf, len, "%us", ms / 1000);
	else
		snprintf(buf, len, "%ums", ms);
}

static int parse_duration(const char *s, unsigned int *ms)
{
	unsigned long n = 0, mult;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		n = n * 10 + (*p - '0');
		if (n > XLB_INI_MAX_DURATION_MS)
			return -EINVAL;
	}
	if (!strcmp(p, "ms"))
		mult = 1;
	else if (!strcmp(p, "s"))
		mult = 1000;
	else if (!strcmp(p, "m"))
		mult = 60000;
	else
		return -EINVAL;
	if (n == 0 || n * mult > XLB_INI_MAX_DURATION_MS)
		return -EINVAL;
	*ms = n * mult;
	return 0;
}

int xlb_ini_duration(struct xlb_ini *ini, const char *key, const char *v, unsigned int *ms)
{
	if (parse_duration(v, ms) < 0)
		return xlb_ini_fail(
			ini,
			"bad duration '%s' for %s in %s: expected a number with ms, s or "
			"m, from 1ms to 1h (e.g. 250ms, 1s, 2m)",
			v, key, ini->sect_desc);
	return 0;
}

int xlb_ini_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "on", "yes", "true", "1" };
	static const char *const no[] = { "off", "no", "false", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* A VIP without the protocol, so xlb_parse_vip does the work. */
int xlb_ini_parse_endpoint(const char *s, struct xlb_addr *ip, __u16 *port)
{
	struct xlb_vip_spec v;
	char buf[XLB_INI_VALUE_LEN + 8];

	if (strchr(s, '/') || strlen(s) >= XLB_INI_VALUE_LEN)
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s/tcp", s);
	if (xlb_parse_vip(buf, &v) < 0)
		return -EINVAL;
	*ip = v.ip;
	*port = v.port;
	return 0;
}

int xlb_ini_split_words(char *s, char **words, int max)
{
	char *save, *w;
	int n = 0;

	for (w = strtok_r(s, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return max + 1;
		words[n++] = w;
	}
	return n;
}
