/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pure half of appd's API: what a request may carry (a note's JSON body, ?limit=, an id,
 * its Content-Type) and how notes and errors are written as JSON. No I/O, no database: the
 * unit tests run all of it.
 */
#ifndef XLB_APPD_NOTES_H
#define XLB_APPD_NOTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Characters (code points), as MariaDB counts a utf8mb4 VARCHAR(n): schema.sql's sizes. */
#define APPD_TEXT_MAX 1000
#define APPD_AUTHOR_MAX 64
/* Bytes those may take in UTF-8, plus the NUL. */
#define APPD_TEXT_BUF (APPD_TEXT_MAX * 4 + 1)
#define APPD_AUTHOR_BUF (APPD_AUTHOR_MAX * 4 + 1)
/* GET /api/notes returns at most this many, newest first. */
#define APPD_LIMIT_MAX 100
/* "2024-05-01T12:34:56.789Z" and the NUL */
#define APPD_CREATED_LEN 32

/* A note as stored. */
struct appd_note {
	uint64_t id;
	char text[APPD_TEXT_BUF];
	size_t text_len;
	char author[APPD_AUTHOR_BUF];
	size_t author_len;
	char created[APPD_CREATED_LEN]; /* "" when unknown: null in JSON */
};

/* A POST body that passed every check; text and author point into root. */
struct appd_note_input {
	json_t *root;
	const char *text;
	size_t text_len;
	const char *author; /* "" when absent */
	size_t author_len;
};

/*
 * Checks a POST /api/notes body: valid UTF-8, one JSON object (no duplicate keys), "text" a
 * string of 1 to APPD_TEXT_MAX characters, "author" absent or a string of at most
 * APPD_AUTHOR_MAX, no other key. 0 and *in (free it with appd_note_input_free), or -EINVAL
 * with one line in err that names the problem without echoing the note.
 */
int appd_note_parse(const char *body, size_t len, struct appd_note_input *in, char *err,
		    size_t errlen);
void appd_note_input_free(struct appd_note_input *in);

/* Code points in s, or -1 when s is not valid UTF-8 (overlong forms, surrogates and values
 * past U+10FFFF included). *bad: the offset of the first bad byte. */
long appd_utf8_count(const char *s, size_t len, size_t *bad);

/* ?limit=: 1 to APPD_LIMIT_MAX in decimal digits only. 0 or -EINVAL. */
int appd_parse_limit(const char *s, unsigned int *out);
/* A note id in a path: decimal digits only, 0 to UINT64_MAX. 0 or -EINVAL. */
int appd_parse_id(const char *s, uint64_t *out);
/* Whether a Content-Type header names JSON: "application/json", any case, with parameters
 * allowed but a charset other than UTF-8 refused. NULL (no header) is not JSON. */
bool appd_is_json_type(const char *content_type);

/* MariaDB's UNIX_TIMESTAMP(TIMESTAMP(3)), "1714566896.789", as ISO 8601 UTC with
 * milliseconds. 0 or -EINVAL. */
int appd_format_created(const char *unix_ts, size_t len, char *out, size_t outlen);

/* A note as a new JSON object {"id","text","author","created"}; NULL when out of memory or
 * the note is not valid UTF-8. */
json_t *appd_note_json(const struct appd_note *n);
/* {"error": msg}; msg's bytes that are not printable ASCII become '?' so that any message,
 * even one quoting the database, is valid JSON. */
json_t *appd_error_json(const char *msg);
/* The text of a reply body: compact, '/' escaped (a note holding "</script>" stays inert
 * wherever the JSON lands), followed by a newline. malloc'd; NULL when out of memory. */
char *appd_json_text(const json_t *v, size_t *len);
/* dst gets at most dstlen - 1 bytes of src with everything but printable ASCII as '?'. */
void appd_sanitize(char *dst, size_t dstlen, const char *src, size_t srclen);

#endif
