// SPDX-License-Identifier: GPL-2.0-only
/*
 * A backend's reply relayed to the client packet by packet (see relay.h): a state machine over
 * the shapes a reply can take, translating what the client did not negotiate.
 *
 * What MariaDB 10.11 sends a Connector/C connection, as captured (tests/unit/test_sql_relay.c
 * holds the bytes):
 *   - OK packets carry the info as a lenenc string and, with SERVER_SESSION_STATE_CHANGED, a
 *     lenenc block of session-state changes after it (then with an info, empty or not); an
 *     OK with nothing to say ends after its warnings. To a client without session tracking
 *     the server sends the info as a lenenc string too, and only when it is not empty;
 *   - column definitions carry one lenenc string of extended type information right after
 *     org_name ("" for most columns, "\x01\x04json", "\x00\x05point");
 *   - a column count is followed by one byte: 1 when definitions follow, 0 when a
 *     COM_STMT_EXECUTE's are the same as those the client last got for the statement (its
 *     COM_STMT_PREPARE reply counts). The EOF that ends the definitions is sent even then;
 *   - progress reports (ERR 0xffff) come before the OK of a long ALTER TABLE ... COPY, each
 *     taking a sequence number.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "protocol.h"
#include "relay.h"

#define CAP_SESSION_TRACK (1ull << 23)
#define MARIADB_CAP_PROGRESS (1ull << 32)
#define MARIADB_CAP_EXTENDED_METADATA (1ull << 35)
#define MARIADB_CAP_CACHE_METADATA (1ull << 36)

#define STATUS_MORE_RESULTS 0x0008
#define STATUS_CURSOR_EXISTS 0x0040
#define STATUS_LAST_ROW_SENT 0x0080
#define STATUS_SESSION_STATE_CHANGED 0x4000

/* More columns than any server returns: a count beyond is a broken stream, not a reply. */
#define MAX_COLUMNS 0xffff

enum relay_state {
	S_FIRST,	   /* the first packet of the reply, or of the next result */
	S_PREP_PARAMS,	   /* COM_STMT_PREPARE: parameter definitions */
	S_PREP_PARAMS_EOF, /* ... and their EOF */
	S_PREP_COLS,	   /* COM_STMT_PREPARE: column definitions */
	S_PREP_COLS_EOF,
	S_DEFS, /* a result set's column definitions */
	S_DEFS_EOF,
	S_CACHED_EOF, /* cached definitions sent: the EOF after the ones the backend skipped */
	S_ROWS,
	S_FIELDS,      /* COM_FIELD_LIST: definitions until EOF */
	S_LAST_CHUNKS, /* the rest of a long packet that ends the reply */
	S_DONE,
};

/* One statement's column definitions, as the client sees them: each a u32 length (host
 * order) and the payload. */
struct stmt_defs {
	uint32_t id;
	uint32_t columns;
	uint16_t status; /* of the EOF after them: for an EOF the backend would leave out */
	struct evbuffer *defs;
	struct stmt_defs *next;
};

#define STMT_BUCKETS 64

struct relay_stmts {
	struct stmt_defs *bucket[STMT_BUCKETS];
};

struct relay_stmts *relay_stmts_new(void)
{
	return calloc(1, sizeof(struct relay_stmts));
}

static void stmt_defs_free(struct stmt_defs *d)
{
	evbuffer_free(d->defs);
	free(d);
}

void relay_stmts_forget(struct relay_stmts *s, uint32_t stmt_id)
{
	struct stmt_defs **pp, *d;

	if (!s)
		return;
	for (pp = &s->bucket[stmt_id % STMT_BUCKETS]; (d = *pp); pp = &d->next) {
		if (d->id == stmt_id) {
			*pp = d->next;
			stmt_defs_free(d);
			return;
		}
	}
}

void relay_stmts_clear(struct relay_stmts *s)
{
	struct stmt_defs *d;
	int i;

	if (!s)
		return;
	for (i = 0; i < STMT_BUCKETS; i++) {
		while ((d = s->bucket[i])) {
			s->bucket[i] = d->next;
			stmt_defs_free(d);
		}
	}
}

void relay_stmts_free(struct relay_stmts *s)
{
	relay_stmts_clear(s);
	free(s);
}

static struct stmt_defs *stmt_find(struct relay_stmts *s, uint32_t id)
{
	struct stmt_defs *d;

	for (d = s ? s->bucket[id % STMT_BUCKETS] : NULL; d; d = d->next) {
		if (d->id == id)
			return d;
	}
	return NULL;
}

/* The definitions just collected become the statement's; the old ones go. */
static int stmt_store(struct relay *r, uint32_t id)
{
	struct stmt_defs *d = stmt_find(r->stmts, id);

	if (!d) {
		d = calloc(1, sizeof(*d));
		if (!d)
			return -ENOMEM;
		d->id = id;
		d->next = r->stmts->bucket[id % STMT_BUCKETS];
		r->stmts->bucket[id % STMT_BUCKETS] = d;
	} else {
		evbuffer_free(d->defs);
	}
	d->columns = r->columns;
	d->status = r->status & ~(STATUS_CURSOR_EXISTS | STATUS_LAST_ROW_SENT);
	d->defs = r->defs;
	r->defs = NULL;
	r->caching = false;
	return 0;
}

static void defs_drop(struct relay *r)
{
	if (r->defs)
		evbuffer_free(r->defs);
	r->defs = NULL;
	r->caching = false;
}

/* Starts collecting the definitions that follow, when the backend may later skip them. */
static int defs_start(struct relay *r, uint32_t columns)
{
	defs_drop(r);
	r->columns = columns;
	if (!r->stmts || !(r->backend_caps & MARIADB_CAP_CACHE_METADATA))
		return 0;
	r->defs = evbuffer_new();
	if (!r->defs)
		return -ENOMEM;
	r->caching = true;
	return 0;
}

void relay_begin(struct relay *r, enum relay_kind kind, uint64_t backend_caps, uint32_t client_caps,
		 struct relay_stmts *stmts, uint32_t stmt_id)
{
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->backend_caps = backend_caps;
	r->client_caps = client_caps;
	r->stmts = stmts;
	r->exec_stmt_id = stmt_id;
	/* A fetch starts with rows, a field list with definitions. */
	if (kind == RELAY_STMT_FETCH)
		r->state = S_ROWS;
	else if (kind == RELAY_FIELD_LIST)
		r->state = S_FIELDS;
	else
		r->state = S_FIRST;
}

void relay_end(struct relay *r)
{
	defs_drop(r);
}

struct part {
	const void *p;
	size_t len;
};

/* One packet made of parts, to the client (when out) and to the definitions being
 * collected (when collect). */
static int emit(struct relay *r, struct evbuffer *out, uint8_t *seq, const struct part *parts,
		int n, bool collect)
{
	uint8_t h[MYSQL_HEADER_LEN];
	uint32_t len32;
	size_t len = 0;
	int i;

	for (i = 0; i < n; i++)
		len += parts[i].len;
	if (len > MYSQL_MAX_PAYLOAD)
		return -EPROTO;
	if (collect && r->defs) {
		len32 = (uint32_t)len;
		if (evbuffer_add(r->defs, &len32, sizeof(len32)))
			return -ENOMEM;
		for (i = 0; i < n; i++) {
			if (parts[i].len && evbuffer_add(r->defs, parts[i].p, parts[i].len))
				return -ENOMEM;
		}
	}
	if (!out)
		return 0;
	h[0] = (uint8_t)len;
	h[1] = (uint8_t)(len >> 8);
	h[2] = (uint8_t)(len >> 16);
	h[3] = (*seq)++;
	if (evbuffer_add(out, h, sizeof(h)))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (parts[i].len && evbuffer_add(out, parts[i].p, parts[i].len))
			return -ENOMEM;
	}
	r->emitted = true;
	return 0;
}

static int emit_raw(struct relay *r, struct evbuffer *out, uint8_t *seq, const uint8_t *p,
		    size_t len)
{
	struct part part = { p, len };

	return emit(r, out, seq, &part, 1, false);
}

static bool is_eof(const uint8_t *p, size_t len)
{
	return len && len < 9 && p[0] == 0xfe;
}

static bool xlate_track(const struct relay *r)
{
	return (r->backend_caps & CAP_SESSION_TRACK) && !(r->client_caps & CAP_SESSION_TRACK);
}

/* Session-state entries the proxy reads (an OK's session-state part, MariaDB's
 * session_track_*): SESSION_TRACK_SYSTEM_VARIABLES and SESSION_TRACK_SCHEMA. */
#define TRACK_SYSTEM_VARIABLE 0
#define TRACK_SCHEMA 1

static void copy_str(char *dst, size_t size, const uint8_t *src, size_t len, bool *has)
{
	if (len >= size)
		return;
	memcpy(dst, src, len);
	dst[len] = '\0';
	*has = true;
}

/* Keeps last_gtid and the current schema from an OK's session-state part: entries of a type
 * byte and a lenenc string; a system variable's string holds its name and value, a schema's
 * the name, each lenenc. What does not parse is ignored: the state only informs the proxy,
 * the client never sees it. */
static void note_state(struct relay *r, const uint8_t *state, size_t len)
{
	struct mysql_reader rd;

	mysql_reader_init(&rd, state, len);
	while (mysql_reader_left(&rd) && !rd.bad) {
		uint8_t type = mysql_read_u8(&rd);
		size_t data_len, name_len, value_len;
		const uint8_t *data = mysql_read_lenenc_str(&rd, &data_len);
		const uint8_t *name, *value;
		struct mysql_reader d;

		if (rd.bad)
			break;
		mysql_reader_init(&d, data, data_len);
		if (type == TRACK_SCHEMA) {
			name = mysql_read_lenenc_str(&d, &name_len);
			if (!d.bad)
				copy_str(r->schema, sizeof(r->schema), name, name_len,
					 &r->has_schema);
			continue;
		}
		if (type != TRACK_SYSTEM_VARIABLE)
			continue;
		name = mysql_read_lenenc_str(&d, &name_len);
		value = mysql_read_lenenc_str(&d, &value_len);
		if (!d.bad && name_len == 9 && !memcmp(name, "last_gtid", 9))
			copy_str(r->gtid, sizeof(r->gtid), value, value_len, &r->has_gtid);
	}
}

/* An OK: its status recorded; the session-state part dropped when the client did not ask
 * for it. The info stays a lenenc string: servers send it so to every client (only the
 * protocol documentation calls it string<EOF> without session tracking), and Connector/C
 * reads it so, rejecting anything else as a malformed packet. An empty info is left out, as
 * a server does for a client without session tracking. */
static int relay_ok(struct relay *r, const uint8_t *p, size_t len, struct evbuffer *out,
		    uint8_t *seq)
{
	struct mysql_reader rd;
	const uint8_t *info = NULL, *state = NULL;
	uint8_t tail[4];
	size_t head, info_len = 0, state_len;
	uint16_t status, warnings;

	mysql_reader_init(&rd, p, len);
	mysql_read_u8(&rd);
	mysql_read_lenenc(&rd, NULL);
	mysql_read_lenenc(&rd, NULL);
	head = (size_t)(rd.p - p);
	status = mysql_read_u16(&rd);
	warnings = mysql_read_u16(&rd);
	if (rd.bad)
		return -EPROTO;
	r->status = status;
	if (!xlate_track(r))
		return emit_raw(r, out, seq, p, len);
	if (mysql_reader_left(&rd)) {
		info = rd.p;
		mysql_read_lenenc_str(&rd, &info_len);
		/* the info with its length prefix, when there is one */
		info_len = info_len ? (size_t)(rd.p - info) : 0;
		if (status & STATUS_SESSION_STATE_CHANGED)
			state = mysql_read_lenenc_str(&rd, &state_len);
		if (rd.bad)
			return -EPROTO;
		if (state)
			note_state(r, state, state_len);
	}
	status &= ~STATUS_SESSION_STATE_CHANGED;
	r->status = status;
	tail[0] = (uint8_t)status;
	tail[1] = (uint8_t)(status >> 8);
	tail[2] = (uint8_t)warnings;
	tail[3] = (uint8_t)(warnings >> 8);
	{
		struct part parts[] = { { p, head }, { tail, 4 }, { info, info_len } };

		return emit(r, out, seq, parts, 3, false);
	}
}

static int relay_eof(struct relay *r, const uint8_t *p, size_t len, struct evbuffer *out,
		     uint8_t *seq)
{
	uint8_t eof[8];

	if (len < 5)
		return -EPROTO;
	r->status = (uint16_t)(p[3] | p[4] << 8);
	if (!xlate_track(r) || !(r->status & STATUS_SESSION_STATE_CHANGED))
		return emit_raw(r, out, seq, p, len);
	r->status &= ~STATUS_SESSION_STATE_CHANGED;
	memcpy(eof, p, len);
	eof[3] = (uint8_t)r->status;
	eof[4] = (uint8_t)(r->status >> 8);
	return emit_raw(r, out, seq, eof, len);
}

static int relay_err(struct relay *r, const uint8_t *p, size_t len, struct evbuffer *out,
		     uint8_t *seq)
{
	if (len < 3)
		return -EPROTO;
	r->err_code = (uint16_t)(p[1] | p[2] << 8);
	return emit_raw(r, out, seq, p, len);
}

/* A column definition (protocol 4.1): six lenenc strings, MariaDB's extended type
 * information when negotiated (dropped: the client did not ask for it), then the fixed
 * fields (0x0c and 12 bytes) and, in a COM_FIELD_LIST reply, a default value. */
static int relay_def(struct relay *r, const uint8_t *p, size_t len, struct evbuffer *out,
		     uint8_t *seq, bool collect)
{
	struct mysql_reader rd;
	const uint8_t *rest;
	size_t head, n;
	int i;

	mysql_reader_init(&rd, p, len);
	for (i = 0; i < 6; i++)
		mysql_read_lenenc_str(&rd, &n);
	head = (size_t)(rd.p - p);
	if (r->backend_caps & MARIADB_CAP_EXTENDED_METADATA)
		mysql_read_lenenc_str(&rd, &n);
	rest = rd.p;
	if (rd.bad || mysql_reader_left(&rd) < 13 || rest[0] != 0x0c)
		return -EPROTO;
	{
		struct part parts[] = { { p, head }, { rest, mysql_reader_left(&rd) } };

		return emit(r, out, seq, parts, 2, collect);
	}
}

/* The cached definitions of the statement a COM_STMT_EXECUTE ran, in place of those the
 * backend skipped. */
static int emit_cached(struct relay *r, uint64_t columns, struct evbuffer *out, uint8_t *seq)
{
	struct stmt_defs *d = stmt_find(r->stmts, r->exec_stmt_id);
	const uint8_t *p;
	size_t len, off = 0;
	uint32_t n;
	int err;

	/* Without them the client could not read the rows: the connection is of no use. */
	if (r->kind != RELAY_STMT_EXECUTE || !d || d->columns != columns)
		return -EPROTO;
	len = evbuffer_get_length(d->defs);
	p = evbuffer_pullup(d->defs, -1);
	if (len && !p)
		return -ENOMEM;
	/* Until the backend's EOF says otherwise (and for one made up should it not come). */
	r->status = d->status;
	while (off < len) {
		memcpy(&n, p + off, sizeof(n));
		off += sizeof(n);
		err = emit_raw(r, out, seq, p + off, n);
		if (err)
			return err;
		off += n;
	}
	return 0;
}

static int relay_column_count(struct relay *r, const uint8_t *p, size_t len, struct evbuffer *out,
			      uint8_t *seq)
{
	struct mysql_reader rd;
	bool follows = true, is_null;
	uint64_t count;
	size_t n;
	int err;

	mysql_reader_init(&rd, p, len);
	count = mysql_read_lenenc(&rd, &is_null);
	n = (size_t)(rd.p - p);
	if (r->backend_caps & MARIADB_CAP_CACHE_METADATA)
		follows = mysql_read_u8(&rd) != 0;
	if (rd.bad || is_null || mysql_reader_left(&rd) || !count || count > MAX_COLUMNS)
		return -EPROTO;
	err = emit_raw(r, out, seq, p, n);
	if (err)
		return err;
	r->left = count;
	if (!follows) {
		err = emit_cached(r, count, out, seq);
		r->state = S_CACHED_EOF;
		return err;
	}
	r->state = S_DEFS;
	return r->kind == RELAY_STMT_EXECUTE ? defs_start(r, (uint32_t)count) : 0;
}

static int relay_prepare_ok(struct relay *r, const uint8_t *p, size_t len, struct evbuffer *out,
			    uint8_t *seq)
{
	struct mysql_reader rd;
	int err;

	mysql_reader_init(&rd, p, len);
	mysql_read_u8(&rd);
	r->stmt_id = mysql_read_u32(&rd);
	r->columns = mysql_read_u16(&rd);
	r->params = mysql_read_u16(&rd);
	if (rd.bad)
		return -EPROTO;
	err = emit_raw(r, out, seq, p, len);
	if (err)
		return err;
	if (r->params) {
		r->left = r->params;
		r->state = S_PREP_PARAMS;
	} else if (r->columns) {
		r->left = r->columns;
		r->state = S_PREP_COLS;
		return defs_start(r, r->columns);
	} else {
		r->state = S_DONE;
	}
	return 0;
}

/* The first packet of a reply, or of the next result of a multi-result reply. */
static int relay_first(struct relay *r, const uint8_t *p, size_t len, bool more,
		       struct evbuffer *out, uint8_t *seq)
{
	int err;

	if (r->kind == RELAY_STATISTICS) {
		/* A string, unless the server refused. */
		if (len >= 3 && p[0] == 0xff && !more) {
			r->state = S_DONE;
			return relay_err(r, p, len, out, seq);
		}
		r->state = more ? S_LAST_CHUNKS : S_DONE;
		return emit_raw(r, out, seq, p, len);
	}
	/* Only rows (and statistics) can take 16 MB. */
	if (!len || more)
		return -EPROTO;
	if (p[0] == 0xff) {
		r->state = S_DONE;
		return relay_err(r, p, len, out, seq);
	}
	switch (r->kind) {
	case RELAY_STMT_PREPARE:
		if (p[0] != 0x00)
			return -EPROTO;
		return relay_prepare_ok(r, p, len, out, seq);
	case RELAY_SIMPLE:
		r->state = S_DONE;
		if (p[0] == 0x00)
			return relay_ok(r, p, len, out, seq);
		if (is_eof(p, len))
			return relay_eof(r, p, len, out, seq);
		return -EPROTO;
	case RELAY_QUERY:
	case RELAY_STMT_EXECUTE:
		if (p[0] == 0x00) {
			err = relay_ok(r, p, len, out, seq);
			r->state = (r->status & STATUS_MORE_RESULTS) ? S_FIRST : S_DONE;
			return err;
		}
		/* 0xfb asks for a local file (LOCAL INFILE), which the proxy turned off;
		 * 0xfe is no column count. */
		if (p[0] == 0xfb || p[0] == 0xfe)
			return -EPROTO;
		return relay_column_count(r, p, len, out, seq);
	default:
		return -EPROTO;
	}
}

/* With out == NULL: the first column of the first text row, for the proxy's own queries. */
static void capture_value(struct relay *r, const uint8_t *p, size_t len)
{
	struct mysql_reader rd;
	bool is_null;
	uint64_t n;
	size_t avail;

	mysql_reader_init(&rd, p, len);
	n = mysql_read_lenenc(&rd, &is_null);
	if (rd.bad)
		return;
	r->has_value = true;
	r->value_null = is_null;
	avail = mysql_reader_left(&rd);
	if (n < avail)
		avail = (size_t)n;
	if (avail > sizeof(r->value) - 1)
		avail = sizeof(r->value) - 1;
	memcpy(r->value, rd.p, avail);
	r->value[avail] = 0;
}

static int relay_row(struct relay *r, const uint8_t *p, size_t len, bool more, struct evbuffer *out,
		     uint8_t *seq)
{
	int err;

	if (!len)
		return -EPROTO;
	if (!more && is_eof(p, len)) {
		err = relay_eof(r, p, len, out, seq);
		if ((r->kind == RELAY_QUERY || r->kind == RELAY_STMT_EXECUTE) &&
		    (r->status & STATUS_MORE_RESULTS))
			r->state = S_FIRST;
		else
			r->state = S_DONE;
		return err;
	}
	if (p[0] == 0xff) {
		if (more)
			return -EPROTO;
		r->state = S_DONE;
		return relay_err(r, p, len, out, seq);
	}
	if (!out && r->kind == RELAY_QUERY && !r->has_value)
		capture_value(r, p, len);
	r->continued = more;
	return emit_raw(r, out, seq, p, len);
}

/* Definitions and their EOF, in a result set or a prepare reply. */
static int relay_defs(struct relay *r, const uint8_t *p, size_t len, bool more,
		      struct evbuffer *out, uint8_t *seq)
{
	int err;

	if (more || !len)
		return -EPROTO;
	switch (r->state) {
	case S_PREP_PARAMS:
	case S_PREP_COLS:
	case S_DEFS:
		err = relay_def(r, p, len, out, seq, r->state != S_PREP_PARAMS);
		if (!err && !--r->left)
			r->state++; /* to its EOF */
		return err;
	case S_FIELDS:
		if (p[0] == 0xff) {
			r->state = S_DONE;
			return relay_err(r, p, len, out, seq);
		}
		if (is_eof(p, len)) {
			r->state = S_DONE;
			return relay_eof(r, p, len, out, seq);
		}
		return relay_def(r, p, len, out, seq, false);
	default:
		break;
	}
	/* An EOF ends the definitions. */
	if (!is_eof(p, len))
		return -EPROTO;
	err = relay_eof(r, p, len, out, seq);
	if (err)
		return err;
	switch (r->state) {
	case S_PREP_PARAMS_EOF:
		if (r->columns) {
			r->left = r->columns;
			r->state = S_PREP_COLS;
			return defs_start(r, r->columns);
		}
		r->state = S_DONE;
		return 0;
	case S_PREP_COLS_EOF:
		r->state = S_DONE;
		return r->caching ? stmt_store(r, r->stmt_id) : 0;
	default: /* S_DEFS_EOF, S_CACHED_EOF */
		/* A cursor was opened: the rows come with COM_STMT_FETCH. */
		if (r->kind == RELAY_STMT_EXECUTE && (r->status & STATUS_CURSOR_EXISTS))
			r->state = S_DONE;
		else
			r->state = S_ROWS;
		return r->caching ? stmt_store(r, r->exec_stmt_id) : 0;
	}
}

static bool is_progress(const struct relay *r, const uint8_t *p, size_t len)
{
	return (r->backend_caps & MARIADB_CAP_PROGRESS) && len >= 3 && p[0] == 0xff &&
	       p[1] == 0xff && p[2] == 0xff;
}

int relay_feed(struct relay *r, const uint8_t *payload, size_t len, struct evbuffer *out,
	       uint8_t *seq)
{
	bool more = len == MYSQL_MAX_PAYLOAD;
	int err;

	if (r->state == S_DONE || len > MYSQL_MAX_PAYLOAD)
		return -EPROTO;
	if (r->continued) {
		/* The next chunk of a long payload: data, whatever its first byte. */
		r->continued = more;
		err = emit_raw(r, out, seq, payload, len);
		if (!err && !more && r->state == S_LAST_CHUNKS)
			r->state = S_DONE;
		goto out;
	}
	if (!more && is_progress(r, payload, len))
		return 0;

	switch (r->state) {
	case S_FIRST:
		err = relay_first(r, payload, len, more, out, seq);
		if (!err && more)
			r->continued = true;
		break;
	case S_CACHED_EOF:
		/* Should the backend ever leave out this EOF too, the client still needs one. */
		if (!is_eof(payload, len)) {
			uint8_t eof[5] = { 0xfe, 0, 0, (uint8_t)r->status,
					   (uint8_t)(r->status >> 8) };

			err = emit_raw(r, out, seq, eof, sizeof(eof));
			if (err)
				break;
			r->state = S_ROWS;
			err = relay_row(r, payload, len, more, out, seq);
			break;
		}
		err = relay_defs(r, payload, len, more, out, seq);
		break;
	case S_ROWS:
		err = relay_row(r, payload, len, more, out, seq);
		break;
	default:
		err = relay_defs(r, payload, len, more, out, seq);
		break;
	}
out:
	if (err) {
		r->state = S_DONE;
		defs_drop(r);
		return err;
	}
	if (r->state == S_DONE && !r->continued) {
		defs_drop(r);
		return 1;
	}
	return 0;
}
