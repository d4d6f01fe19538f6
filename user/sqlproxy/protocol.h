/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The MySQL client/server protocol as far as the proxy speaks it: packet framing, the
 * integer and string encodings, the server greeting, the client's login (handshake response
 * and COM_CHANGE_USER), mysql_native_password, and the OK/ERR/EOF packets the proxy makes
 * itself. Pure: parsers read only inside the bytes they are given and never trust a length.
 * https://mariadb.com/kb/en/clientserver-protocol/
 */
#ifndef XLB_SQLPROXY_PROTOCOL_H
#define XLB_SQLPROXY_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct evbuffer;

#define MYSQL_HEADER_LEN 4
#define MYSQL_MAX_PAYLOAD 0xffffffu /* a payload this long continues in the next packet */
#define MYSQL_SCRAMBLE_LEN 20
#define MYSQL_NATIVE_PASSWORD "mysql_native_password"

/* Commands (the first payload byte of a client's command packet). */
enum mysql_command {
	MYSQL_COM_QUIT = 0x01,
	MYSQL_COM_INIT_DB = 0x02,
	MYSQL_COM_QUERY = 0x03,
	MYSQL_COM_FIELD_LIST = 0x04,
	MYSQL_COM_STATISTICS = 0x09,
	MYSQL_COM_PING = 0x0e,
	MYSQL_COM_CHANGE_USER = 0x11,
	MYSQL_COM_STMT_PREPARE = 0x16,
	MYSQL_COM_STMT_EXECUTE = 0x17,
	MYSQL_COM_STMT_SEND_LONG_DATA = 0x18,
	MYSQL_COM_STMT_CLOSE = 0x19,
	MYSQL_COM_STMT_RESET = 0x1a,
	MYSQL_COM_SET_OPTION = 0x1b,
	MYSQL_COM_STMT_FETCH = 0x1c,
	MYSQL_COM_RESET_CONNECTION = 0x1f,
};

/* A bounded reader over one payload. Reading past the end sets bad and yields zeros/NULL,
 * so a parser reads everything and checks bad once. */
struct mysql_reader {
	const uint8_t *p, *end;
	bool bad;
};

static inline void mysql_reader_init(struct mysql_reader *r, const void *p, size_t len)
{
	r->p = p;
	r->end = r->p + len;
	r->bad = false;
}

static inline size_t mysql_reader_left(const struct mysql_reader *r)
{
	return (size_t)(r->end - r->p);
}

uint8_t mysql_read_u8(struct mysql_reader *r);
uint16_t mysql_read_u16(struct mysql_reader *r);
uint32_t mysql_read_u24(struct mysql_reader *r);
uint32_t mysql_read_u32(struct mysql_reader *r);
/* A length-encoded integer; *is_null (may be NULL) is set for 0xfb (a NULL column value). */
uint64_t mysql_read_lenenc(struct mysql_reader *r, bool *is_null);
const uint8_t *mysql_read_bytes(struct mysql_reader *r, size_t n);
/* A NUL-terminated string: pointer and length without the NUL; NULL if there is no NUL. */
const char *mysql_read_nulstr(struct mysql_reader *r, size_t *len);
/* A length-encoded string. A NULL (0xfb) is bad here: where a NULL may stand, read the
 * length with mysql_read_lenenc. */
const uint8_t *mysql_read_lenenc_str(struct mysql_reader *r, size_t *len);

/* Bytes a length-encoded integer takes, and writes it to p (which has room for 9). */
size_t mysql_put_lenenc(uint8_t *p, uint64_t v);

/* Frames payload as packets numbered from *seq (incremented per packet): split at 16 MB, with
 * the empty packet that must follow a payload of an exact multiple. 0 or -ENOMEM. */
int mysql_write_packet(struct evbuffer *out, uint8_t *seq, const void *payload, size_t len);
/* Exactly one packet of len <= MYSQL_MAX_PAYLOAD bytes, numbered *seq (then incremented): for
 * relaying the chunks of a long payload one by one. 0, -EINVAL (too long) or -ENOMEM. */
int mysql_write_frame(struct evbuffer *out, uint8_t *seq, const void *payload, size_t len);

/* A whole packet at the front of in: 1 with its payload length and sequence id (nothing
 * removed), 0 if it has not all arrived yet. */
int mysql_packet_peek(struct evbuffer *in, size_t *len, uint8_t *seq);

int mysql_write_ok(struct evbuffer *out, uint8_t *seq, uint64_t affected, uint64_t insert_id,
		   uint16_t status, uint16_t warnings);
/* An ERR packet with a one-line message (cut at 512 bytes). */
int mysql_write_err(struct evbuffer *out, uint8_t *seq, uint16_t code, const char *sqlstate,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int mysql_write_eof(struct evbuffer *out, uint8_t *seq, uint16_t warnings, uint16_t status);

/* The server's greeting (protocol v10). caps are the 32 capability bits the proxy offers. */
struct mysql_greeting {
	const char *version;
	uint32_t connection_id;
	uint8_t scramble[MYSQL_SCRAMBLE_LEN];
	uint32_t caps;
	uint8_t charset;
	uint16_t status;
};
int mysql_write_greeting(struct evbuffer *out, uint8_t *seq, const struct mysql_greeting *g);
/* Asks the client to answer the scramble with mysql_native_password instead. */
int mysql_write_auth_switch(struct evbuffer *out, uint8_t *seq,
			    const uint8_t scramble[MYSQL_SCRAMBLE_LEN]);

/* Fills a scramble with random printable bytes (no NUL, as the protocol needs). */
void mysql_scramble_make(uint8_t scramble[MYSQL_SCRAMBLE_LEN]);
/* The client's answer matches SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw))); an empty
 * password matches an empty answer only. */
bool mysql_native_password_ok(const uint8_t scramble[MYSQL_SCRAMBLE_LEN], const char *password,
			      const uint8_t *answer, size_t answer_len);

/* A client's login: the handshake response, or COM_CHANGE_USER. Strings are copied and
 * NUL-terminated; one that does not fit is a protocol error. */
struct mysql_login {
	uint32_t caps;	/* the client's capabilities, only those the greeting offered (for
			 * COM_CHANGE_USER: the caps it was parsed with) */
	uint32_t max_packet;
	uint8_t charset; /* 0 if the client did not say */
	char user[64];
	uint8_t auth[64];
	size_t auth_len;
	char db[65];
	char plugin[64]; /* "" if the client did not name one */
};
/* The handshake response to a greeting that offered server_caps. 0, or -EPROTO with a short
 * reason in *why ("truncated", "user name too long", "TLS is not supported by xlb-sqlproxy"
 * for an SSL request, "client too old: protocol 4.1 needed"...). The database, plugin name and
 * attributes may be left out at the end of the payload even when their flag is set. */
int mysql_parse_login(const uint8_t *p, size_t len, uint32_t server_caps, struct mysql_login *out,
		      const char **why);
/* COM_CHANGE_USER's payload after the command byte, from a client with caps. */
int mysql_parse_change_user(const uint8_t *p, size_t len, uint32_t caps, struct mysql_login *out,
			    const char **why);

#endif
