// SPDX-License-Identifier: GPL-2.0-only
/*
 * The MySQL wire protocol as far as the proxy speaks it (see protocol.h). Everything that
 * reads trusts no length: a payload comes from a client or a backend that may lie.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <event2/buffer.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "protocol.h"

uint8_t mysql_read_u8(struct mysql_reader *r)
{
	const uint8_t *b = mysql_read_bytes(r, 1);

	return b ? b[0] : 0;
}

uint16_t mysql_read_u16(struct mysql_reader *r)
{
	const uint8_t *b = mysql_read_bytes(r, 2);

	return b ? (uint16_t)(b[0] | b[1] << 8) : 0;
}

uint32_t mysql_read_u24(struct mysql_reader *r)
{
	const uint8_t *b = mysql_read_bytes(r, 3);

	return b ? (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 : 0;
}

uint32_t mysql_read_u32(struct mysql_reader *r)
{
	const uint8_t *b = mysql_read_bytes(r, 4);

	return b ? (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
			       (uint32_t)b[3] << 24
		 : 0;
}

uint64_t mysql_read_lenenc(struct mysql_reader *r, bool *is_null)
{
	uint8_t first = mysql_read_u8(r);
	const uint8_t *b;
	uint64_t v = 0;
	int i;

	if (is_null)
		*is_null = false;
	if (r->bad)
		return 0;
	if (first < 0xfb)
		return first;
	switch (first) {
	case 0xfb:
		if (is_null)
			*is_null = true;
		return 0;
	case 0xfc:
		return mysql_read_u16(r);
	case 0xfd:
		return mysql_read_u24(r);
	case 0xfe:
		b = mysql_read_bytes(r, 8);
		for (i = 7; b && i >= 0; i--)
			v = v << 8 | b[i];
		return v;
	default:
		/* 0xff starts an ERR packet, never a number. */
		r->bad = true;
		return 0;
	}
}

const uint8_t *mysql_read_bytes(struct mysql_reader *r, size_t n)
{
	const uint8_t *p = r->p;

	if (r->bad || n > mysql_reader_left(r)) {
		r->bad = true;
		return NULL;
	}
	r->p += n;
	return p;
}

const char *mysql_read_nulstr(struct mysql_reader *r, size_t *len)
{
	const uint8_t *nul;
	const char *s = (const char *)r->p;

	*len = 0;
	if (r->bad)
		return NULL;
	nul = memchr(r->p, 0, mysql_reader_left(r));
	if (!nul) {
		r->bad = true;
		return NULL;
	}
	*len = (size_t)(nul - r->p);
	r->p = nul + 1;
	return s;
}

const uint8_t *mysql_read_lenenc_str(struct mysql_reader *r, size_t *len)
{
	bool is_null;
	uint64_t n = mysql_read_lenenc(r, &is_null);
	const uint8_t *p;

	*len = 0;
	/* A NULL is a column value, not a string: where one is allowed the caller reads the
	 * length itself. */
	if (is_null || n > SIZE_MAX)
		r->bad = true;
	p = mysql_read_bytes(r, (size_t)n);
	if (p)
		*len = (size_t)n;
	return p;
}

size_t mysql_put_lenenc(uint8_t *p, uint64_t v)
{
	size_t n, i;

	if (v < 0xfb) {
		p[0] = (uint8_t)v;
		return 1;
	}
	if (v <= 0xffff) {
		p[0] = 0xfc;
		n = 2;
	} else if (v <= 0xffffff) {
		p[0] = 0xfd;
		n = 3;
	} else {
		p[0] = 0xfe;
		n = 8;
	}
	for (i = 0; i < n; i++)
		p[1 + i] = (uint8_t)(v >> (8 * i));
	return n + 1;
}

static void put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v)
{
	put_u16(p, (uint16_t)v);
	put_u16(p + 2, (uint16_t)(v >> 16));
}

int mysql_write_frame(struct evbuffer *out, uint8_t *seq, const void *payload, size_t len)
{
	uint8_t h[MYSQL_HEADER_LEN] = { (uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16),
					*seq };

	if (len > MYSQL_MAX_PAYLOAD)
		return -EINVAL;
	if (evbuffer_add(out, h, sizeof(h)) || (len && evbuffer_add(out, payload, len)))
		return -ENOMEM;
	(*seq)++;
	return 0;
}

int mysql_write_packet(struct evbuffer *out, uint8_t *seq, const void *payload, size_t len)
{
	const uint8_t *p = payload;
	size_t chunk;
	int err;

	/* Reserve it all first so that a failure leaves no half-written payload behind. */
	if (evbuffer_expand(out, len + (len / MYSQL_MAX_PAYLOAD + 1) * MYSQL_HEADER_LEN))
		return -ENOMEM;
	/* A chunk of exactly 16 MB - 1 says "more follows", so such a payload ends with an
	 * empty packet; the empty payload is one empty packet. */
	do {
		chunk = len < MYSQL_MAX_PAYLOAD ? len : MYSQL_MAX_PAYLOAD;
		err = mysql_write_frame(out, seq, p, chunk);
		if (err)
			return err;
		p += chunk;
		len -= chunk;
	} while (chunk == MYSQL_MAX_PAYLOAD);
	return 0;
}

int mysql_packet_peek(struct evbuffer *in, size_t *len, uint8_t *seq)
{
	uint8_t h[MYSQL_HEADER_LEN];
	size_t n;

	if (evbuffer_copyout(in, h, sizeof(h)) != (ev_ssize_t)sizeof(h))
		return 0;
	n = (size_t)h[0] | (size_t)h[1] << 8 | (size_t)h[2] << 16;
	if (evbuffer_get_length(in) < MYSQL_HEADER_LEN + n)
		return 0;
	*len = n;
	*seq = h[3];
	return 1;
}

int mysql_write_ok(struct evbuffer *out, uint8_t *seq, uint64_t affected, uint64_t insert_id,
		   uint16_t status, uint16_t warnings)
{
	uint8_t p[1 + 9 + 9 + 4];
	size_t n = 0;

	p[n++] = 0x00;
	n += mysql_put_lenenc(p + n, affected);
	n += mysql_put_lenenc(p + n, insert_id);
	put_u16(p + n, status);
	put_u16(p + n + 2, warnings);
	n += 4;
	return mysql_write_packet(out, seq, p, n);
}

int mysql_write_err(struct evbuffer *out, uint8_t *seq, uint16_t code, const char *sqlstate,
		    const char *fmt, ...)
{
	uint8_t p[1 + 2 + 1 + 5 + 513];
	char *msg = (char *)p + 9;
	va_list ap;
	size_t i, n;
	int len;

	p[0] = 0xff;
	put_u16(p + 1, code);
	p[3] = '#';
	/* The SQL state is exactly five characters; a bad one would shift the message. */
	if (!sqlstate || strlen(sqlstate) != 5)
		sqlstate = "HY000";
	memcpy(p + 4, sqlstate, 5);
	va_start(ap, fmt);
	len = vsnprintf(msg, 513, fmt, ap);
	va_end(ap);
	if (len < 0)
		len = 0;
	n = (size_t)len < 512 ? (size_t)len : 512;
	/* One line: clients print it as is, and logs that quote it stay one line too. */
	for (i = 0; i < n; i++) {
		if (msg[i] == '\n' || msg[i] == '\r')
			msg[i] = ' ';
	}
	return mysql_write_packet(out, seq, p, 9 + n);
}

int mysql_write_eof(struct evbuffer *out, uint8_t *seq, uint16_t warnings, uint16_t status)
{
	uint8_t p[5] = { 0xfe };

	put_u16(p + 1, warnings);
	put_u16(p + 3, status);
	return mysql_write_packet(out, seq, p, sizeof(p));
}

/* Capability bits the parsers and the greeting depend on. */
#define CAP_CONNECT_WITH_DB 0x00000008u
#define CAP_PROTOCOL_41 0x00000200u
#define CAP_SSL 0x00000800u
#define CAP_SECURE_CONNECTION 0x00008000u
#define CAP_PLUGIN_AUTH 0x00080000u
#define CAP_CONNECT_ATTRS 0x00100000u
#define CAP_PLUGIN_AUTH_LENENC 0x00200000u

int mysql_write_greeting(struct evbuffer *out, uint8_t *seq, const struct mysql_greeting *g)
{
	const char *version = g->version ? g->version : "";
	size_t vlen = strnlen(version, 255);
	uint8_t p[1 + 256 + 4 + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10 + 13 +
		  sizeof(MYSQL_NATIVE_PASSWORD)];
	size_t n = 0;

	p[n++] = 10;
	memcpy(p + n, version, vlen);
	n += vlen;
	p[n++] = 0;
	put_u32(p + n, g->connection_id);
	n += 4;
	memcpy(p + n, g->scramble, 8);
	n += 8;
	p[n++] = 0;
	put_u16(p + n, (uint16_t)g->caps);
	n += 2;
	p[n++] = g->charset;
	put_u16(p + n, g->status);
	n += 2;
	put_u16(p + n, (uint16_t)(g->caps >> 16));
	n += 2;
	/* The scramble's length with its NUL; a server without plugin auth says 0. */
	p[n++] = (g->caps & CAP_PLUGIN_AUTH) ? MYSQL_SCRAMBLE_LEN + 1 : 0;
	/* Reserved; MariaDB puts its extended capabilities in the last 4, and the proxy
	 * offers none of them. */
	memset(p + n, 0, 10);
	n += 10;
	memcpy(p + n, g->scramble + 8, MYSQL_SCRAMBLE_LEN - 8);
	n += MYSQL_SCRAMBLE_LEN - 8;
	p[n++] = 0;
	if (g->caps & CAP_PLUGIN_AUTH) {
		memcpy(p + n, MYSQL_NATIVE_PASSWORD, sizeof(MYSQL_NATIVE_PASSWORD));
		n += sizeof(MYSQL_NATIVE_PASSWORD);
	}
	return mysql_write_packet(out, seq, p, n);
}

int mysql_write_auth_switch(struct evbuffer *out, uint8_t *seq,
			    const uint8_t scramble[MYSQL_SCRAMBLE_LEN])
{
	uint8_t p[1 + sizeof(MYSQL_NATIVE_PASSWORD) + MYSQL_SCRAMBLE_LEN + 1];
	size_t n = 0;

	p[n++] = 0xfe;
	memcpy(p + n, MYSQL_NATIVE_PASSWORD, sizeof(MYSQL_NATIVE_PASSWORD));
	n += sizeof(MYSQL_NATIVE_PASSWORD);
	memcpy(p + n, scramble, MYSQL_SCRAMBLE_LEN);
	n += MYSQL_SCRAMBLE_LEN;
	p[n++] = 0;
	return mysql_write_packet(out, seq, p, n);
}

void mysql_scramble_make(uint8_t scramble[MYSQL_SCRAMBLE_LEN])
{
	uint8_t raw[MYSQL_SCRAMBLE_LEN];
	int i;

	/* A guessable scramble lets a recorded login be replayed: no fallback to anything
	 * weaker than the kernel's or OpenSSL's generator. */
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw) &&
	    RAND_bytes(raw, sizeof(raw)) != 1)
		abort();
	/* Printable and without NUL or '$' as servers make it: the greeting's second part is
	 * NUL-terminated, and some clients treat the scramble as a C string. */
	for (i = 0; i < MYSQL_SCRAMBLE_LEN; i++) {
		scramble[i] = (uint8_t)(0x21 + raw[i] % 94);
		if (scramble[i] == '$')
			scramble[i]++;
	}
}

bool mysql_native_password_ok(const uint8_t scramble[MYSQL_SCRAMBLE_LEN], const char *password,
			      const uint8_t *answer, size_t answer_len)
{
	uint8_t stage1[SHA_DIGEST_LENGTH], stage2[SHA_DIGEST_LENGTH], mix[SHA_DIGEST_LENGTH];
	uint8_t both[MYSQL_SCRAMBLE_LEN + SHA_DIGEST_LENGTH];
	bool ok;
	int i;

	if (!password || !*password)
		return answer_len == 0;
	if (answer_len != SHA_DIGEST_LENGTH)
		return false;
	SHA1((const unsigned char *)password, strlen(password), stage1);
	SHA1(stage1, sizeof(stage1), stage2);
	memcpy(both, scramble, MYSQL_SCRAMBLE_LEN);
	memcpy(both + MYSQL_SCRAMBLE_LEN, stage2, sizeof(stage2));
	SHA1(both, sizeof(both), mix);
	for (i = 0; i < SHA_DIGEST_LENGTH; i++)
		mix[i] ^= stage1[i];
	/* Constant time: how long the compare takes must not tell how much of it matched. */
	ok = CRYPTO_memcmp(mix, answer, SHA_DIGEST_LENGTH) == 0;
	OPENSSL_cleanse(stage1, sizeof(stage1));
	OPENSSL_cleanse(mix, sizeof(mix));
	return ok;
}

/* Copies a string of n bytes into dst (size bytes with the NUL); false if it does not fit
 * or holds a NUL (which would cut it short where it is used). */
static bool copy_str(char *dst, size_t size, const void *s, size_t n)
{
	if (n >= size || memchr(s, 0, n))
		return false;
	memcpy(dst, s, n);
	dst[n] = 0;
	return true;
}

static int proto_err(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -EPROTO;
}

/* The connection attributes: a lenenc total, then that many bytes of lenenc key/value
 * pairs. Only checked: the proxy has no use for them. */
static int skip_attrs(struct mysql_reader *r, const char **why)
{
	struct mysql_reader a;
	uint64_t total = mysql_read_lenenc(r, NULL);
	const uint8_t *p;
	size_t n;

	if (total > mysql_reader_left(r))
		return proto_err(why, "connection attributes truncated");
	p = mysql_read_bytes(r, (size_t)total);
	if (r->bad)
		return proto_err(why, "connection attributes truncated");
	mysql_reader_init(&a, p, (size_t)total);
	while (mysql_reader_left(&a) && !a.bad) {
		mysql_read_lenenc_str(&a, &n);
		mysql_read_lenenc_str(&a, &n);
	}
	if (a.bad)
		return proto_err(why, "bad connection attributes");
	return 0;
}

/* What follows the auth response in both logins: database, plugin, attributes. Each is
 * optional at the end of the payload: clients differ in what they leave out there. */
static int parse_login_tail(struct mysql_reader *r, uint32_t caps, bool with_charset,
			    struct mysql_login *out, const char **why)
{
	const char *s;
	size_t n;

	if ((caps & CAP_CONNECT_WITH_DB) && mysql_reader_left(r)) {
		s = mysql_read_nulstr(r, &n);
		if (!s)
			return proto_err(why, "database name truncated");
		if (!copy_str(out->db, sizeof(out->db), s, n))
			return proto_err(why, "database name too long");
	}
	if (with_charset && mysql_reader_left(r)) {
		out->charset = (uint8_t)mysql_read_u16(r);
		if (r->bad)
			return proto_err(why, "character set truncated");
	}
	if ((caps & CAP_PLUGIN_AUTH) && mysql_reader_left(r)) {
		s = mysql_read_nulstr(r, &n);
		if (!s) {
			/* Old libmysqlclient sends the name without its NUL when it is the last
			 * field: the rest of the payload is the name. */
			r->bad = false;
			s = (const char *)r->p;
			n = mysql_reader_left(r);
			r->p = r->end;
		}
		if (!copy_str(out->plugin, sizeof(out->plugin), s, n))
			return proto_err(why, "plugin name too long");
	}
	if ((caps & CAP_CONNECT_ATTRS) && mysql_reader_left(r))
		return skip_attrs(r, why);
	return 0;
}

static int parse_user(struct mysql_reader *r, struct mysql_login *out, const char **why)
{
	size_t n;
	const char *s = mysql_read_nulstr(r, &n);

	if (!s)
		return proto_err(why, "truncated");
	if (!copy_str(out->user, sizeof(out->user), s, n))
		return proto_err(why, "user name too long");
	return 0;
}

static int set_auth(struct mysql_login *out, const void *p, size_t n, const char **why)
{
	if (!p)
		return proto_err(why, "auth response truncated");
	if (n > sizeof(out->auth))
		return proto_err(why, "auth response too long");
	memcpy(out->auth, p, n);
	out->auth_len = n;
	return 0;
}

int mysql_parse_login(const uint8_t *p, size_t len, uint32_t server_caps, struct mysql_login *out,
		      const char **why)
{
	struct mysql_reader r;
	const void *auth;
	uint32_t caps;
	size_t n;
	int err;

	memset(out, 0, sizeof(*out));
	mysql_reader_init(&r, p, len);
	/* Pre-4.1 clients send 2 bytes of capabilities: look at those before reading 4. */
	if (len >= 2 && !((p[0] | p[1] << 8) & CAP_PROTOCOL_41))
		return proto_err(why, "client too old: protocol 4.1 needed");
	caps = mysql_read_u32(&r);
	if (r.bad)
		return proto_err(why, "truncated");
	/* A 32-byte SSL request, or a client that would go on to TLS right after this. */
	if (caps & CAP_SSL)
		return proto_err(why, "TLS is not supported by xlb-sqlproxy");
	/* The layout follows what both sides agreed on; a flag the greeting did not offer is
	 * not in effect even when a client sets it. */
	caps &= server_caps;
	out->caps = caps;
	out->max_packet = mysql_read_u32(&r);
	out->charset = mysql_read_u8(&r);
	/* Reserved; MariaDB clients put their extended capabilities in the last 4 bytes. */
	mysql_read_bytes(&r, 23);
	if (r.bad)
		return proto_err(why, "truncated");
	err = parse_user(&r, out, why);
	if (err)
		return err;
	if (caps & CAP_PLUGIN_AUTH_LENENC) {
		auth = mysql_read_lenenc_str(&r, &n);
	} else if (caps & CAP_SECURE_CONNECTION) {
		n = mysql_read_u8(&r);
		auth = mysql_read_bytes(&r, n);
	} else {
		auth = mysql_read_nulstr(&r, &n);
	}
	err = set_auth(out, auth, n, why);
	if (err)
		return err;
	return parse_login_tail(&r, caps, false, out, why);
}

int mysql_parse_change_user(const uint8_t *p, size_t len, uint32_t caps, struct mysql_login *out,
			    const char **why)
{
	struct mysql_reader r;
	const void *auth;
	size_t n;
	int err;

	memset(out, 0, sizeof(*out));
	mysql_reader_init(&r, p, len);
	out->caps = caps;
	err = parse_user(&r, out, why);
	if (err)
		return err;
	if (caps & CAP_SECURE_CONNECTION) {
		n = mysql_read_u8(&r);
		auth = mysql_read_bytes(&r, n);
	} else {
		auth = mysql_read_nulstr(&r, &n);
	}
	err = set_auth(out, auth, n, why);
	if (err)
		return err;
	/* The database is not optional here: a client that has none sends an empty name. */
	if (!mysql_reader_left(&r))
		return proto_err(why, "database name truncated");
	return parse_login_tail(&r, caps | CAP_CONNECT_WITH_DB, true, out, why);
}
