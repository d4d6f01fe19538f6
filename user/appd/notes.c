// SPDX-License-Identifier: GPL-2.0-only
/*
 * What appd accepts from a request and how it writes JSON (rules in notes.h). Kept free of
 * I/O so that every bad-input class can be tested without a server.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "notes.h"

#define BODY_EXAMPLE "{\"text\": \"...\", \"author\": \"...\"}"

long appd_utf8_count(const char *s, size_t len, size_t *bad)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	long n = 0;

	while (i < len) {
		unsigned char c = p[i];
		unsigned char lo = 0x80, hi = 0xbf; /* the second byte's range */
		size_t k;

		if (c < 0x80) {
			i++;
			n++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3;
		else
			goto bad; /* a continuation byte, an overlong lead, or past U+10FFFF */
		/* overlong three- and four-byte forms, UTF-16 surrogates, past U+10FFFF */
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
		else if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
		if (i + k >= len)
			goto bad; /* cut short */
		if (p[i + 1] < lo || p[i + 1] > hi)
			goto bad;
		for (size_t j = 2; j <= k; j++)
			if ((p[i + j] & 0xc0) != 0x80)
				goto bad;
		i += k + 1;
		n++;
	}
	return n;
bad:
	if (bad)
		*bad = i;
	return -1;
}

void appd_sanitize(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	size_t i;

	if (!dstlen)
		return;
	for (i = 0; i < srclen && i + 1 < dstlen; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
}

/* A string member's check: absent (when optional), not a string, empty, too long. */
static int check_string(json_t *root, const char *key, bool required, size_t min, size_t max,
			const char **val, size_t *len, char *err, size_t errlen)
{
	json_t *v = json_object_get(root, key);
	long chars;

	if (!v) {
		if (!required)
			return 0;
		snprintf(err, errlen, "%s is missing: expected a string of %zu to %zu characters",
			 key, min, max);
		return -EINVAL;
	}
	if (!json_is_string(v)) {
		snprintf(err, errlen,
			 "%s is not a string: expected a string of %zu to %zu characters", key, min,
			 max);
		return -EINVAL;
	}
	*val = json_string_value(v);
	*len = json_string_length(v);
	/* jansson decoded it from checked UTF-8: counting cannot fail, but never trust that */
	chars = appd_utf8_count(*val, *len, NULL);
	if (chars < 0) {
		snprintf(err, errlen, "%s is not valid UTF-8", key);
		return -EINVAL;
	}
	if ((size_t)chars < min) {
		snprintf(err, errlen, "%s is empty: expected a string of %zu to %zu characters",
			 key, min, max);
		return -EINVAL;
	}
	if ((size_t)chars > max) {
		snprintf(err, errlen, "%s has %ld characters: expected at most %zu", key, chars,
			 max);
		return -EINVAL;
	}
	return 0;
}

int appd_note_parse(const char *body, size_t len, struct appd_note_input *in, char *err,
		    size_t errlen)
{
	struct appd_note_input r = { .author = "" };
	json_error_t jerr;
	const char *key;
	json_t *value;
	size_t bad;
	int ret = -EINVAL;

	if (!len) {
		snprintf(err, errlen, "empty body: expected a JSON object like " BODY_EXAMPLE);
		return -EINVAL;
	}
	/* before jansson, to name the byte; jansson would refuse it too */
	if (appd_utf8_count(body, len, &bad) < 0) {
		snprintf(err, errlen, "body is not valid UTF-8 (at byte %zu)", bad);
		return -EINVAL;
	}
	/* JSON_DECODE_ANY: a bare string or number is "not an object", a clearer message */
	r.root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!r.root) {
		char why[96];

		appd_sanitize(why, sizeof(why), jerr.text, strlen(jerr.text));
		snprintf(err, errlen, "body is not valid JSON: %s (at byte %d)", why,
			 jerr.position);
		return -EINVAL;
	}
	if (!json_is_object(r.root)) {
		snprintf(err, errlen, "body is not a JSON object: expected " BODY_EXAMPLE);
		goto out;
	}
	json_object_foreach(r.root, key, value)
	{
		char name[41];

		if (!strcmp(key, "text") || !strcmp(key, "author"))
			continue;
		appd_sanitize(name, sizeof(name), key, strlen(key));
		snprintf(err, errlen, "unknown key '%s' in the body: expected text and author",
			 name);
		goto out;
	}
	if (check_string(r.root, "text", true, 1, APPD_TEXT_MAX, &r.text, &r.text_len, err,
			 errlen) ||
	    check_string(r.root, "author", false, 0, APPD_AUTHOR_MAX, &r.author, &r.author_len, err,
			 errlen))
		goto out;
	*in = r;
	return 0;
out:
	json_decref(r.root);
	return ret;
}

void appd_note_input_free(struct appd_note_input *in)
{
	json_decref(in->root);
	in->root = NULL;
}

static int parse_digits(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;

	if (!s || !*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned int d = *s - '0';

		if (*s < '0' || *s > '9' || v > (max - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int appd_parse_limit(const char *s, unsigned int *out)
{
	unsigned long long v;

	if (parse_digits(s, APPD_LIMIT_MAX, &v) < 0 || v < 1)
		return -EINVAL;
	*out = v;
	return 0;
}

int appd_parse_id(const char *s, uint64_t *out)
{
	unsigned long long v;

	if (parse_digits(s, UINT64_MAX, &v) < 0)
		return -EINVAL;
	*out = v;
	return 0;
}

bool appd_is_json_type(const char *ct)
{
	static const char type[] = "application/json";
	const char *p;

	if (!ct)
		return false;
	ct += strspn(ct, " \t");
	if (strncasecmp(ct, type, sizeof(type) - 1))
		return false;
	p = ct + sizeof(type) - 1;
	p += strspn(p, " \t");
	while (*p == ';') {
		const char *name, *val;
		size_t n;

		p++;
		name = p + strspn(p, " \t");
		p = name + strcspn(name, ";");
		if (strncasecmp(name, "charset=", 8))
			continue;
		val = name + 8;
		if (*val == '"')
			val++;
		n = strcspn(val, "\"; \t");
		if (!((n == 5 && !strncasecmp(val, "utf-8", 5)) ||
		      (n == 4 && !strncasecmp(val, "utf8", 4))))
			return false;
	}
	return *p == '\0';
}

int appd_format_created(const char *s, size_t len, char *out, size_t outlen)
{
	unsigned long long secs = 0;
	unsigned int ms = 0, digits = 0;
	struct tm tm;
	time_t t;
	size_t i = 0;
	int n;

	if (!len || len > 24)
		return -EINVAL;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		secs = secs * 10 + (s[i] - '0');
		if (secs > 253402300799ULL) /* 9999-12-31T23:59:59Z */
			return -EINVAL;
	}
	if (!i)
		return -EINVAL;
	if (i < len && s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			if (digits++ < 3)
				ms = ms * 10 + (s[i] - '0');
		if (!digits)
			return -EINVAL;
	}
	if (i != len)
		return -EINVAL;
	for (; digits < 3; digits++)
		ms *= 10;
	t = (time_t)secs;
	if (!gmtime_r(&t, &tm))
		return -EINVAL;
	n = snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
		     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
	return n > 0 && (size_t)n < outlen ? 0 : -EINVAL;
}

json_t *appd_note_json(const struct appd_note *n)
{
	json_t *o, *text, *author, *created;

	/* json_integer is signed: ids past INT64_MAX cannot be written (nor reached) */
	if (n->id > INT64_MAX)
		return NULL;
	o = json_object();
	text = json_stringn(n->text, n->text_len);
	author = json_stringn(n->author, n->author_len);
	created = *n->created ? json_string(n->created) : json_null();
	if (!o || !text || !author || !created) {
		json_decref(o);
		json_decref(text);
		json_decref(author);
		json_decref(created);
		return NULL;
	}
	/* set_new takes its value even when it fails: nothing else to free */
	if (json_object_set_new(o, "id", json_integer((json_int_t)n->id)) |
	    json_object_set_new(o, "text", text) | json_object_set_new(o, "author", author) |
	    json_object_set_new(o, "created", created)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *appd_error_json(const char *msg)
{
	char clean[320];

	appd_sanitize(clean, sizeof(clean), msg, strlen(msg));
	return json_pack("{s:s}", "error", clean);
}

char *appd_json_text(const json_t *v, size_t *len)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ESCAPE_SLASH | JSON_PRESERVE_ORDER), *t;
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s);
	t = realloc(s, n + 2);
	if (!t) {
		free(s);
		return NULL;
	}
	t[n] = '\n';
	t[n + 1] = '\0';
	*len = n + 1;
	return t;
}
