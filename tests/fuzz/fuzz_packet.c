// fuzz-sources: user/sqlproxy/protocol.c user/sqlproxy/relay.c
// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for what the proxy reads off the wire: the client's login (handshake
 * response, COM_CHANGE_USER), packet framing, and backend replies through the relay.
 *
 * Input: byte 0 picks the parser.
 *   0: mysql_parse_login, bytes 1..4 the server capabilities, the rest the payload;
 *   1: mysql_parse_change_user, bytes 1..4 the capabilities, the rest the payload;
 *   2: the rest as a byte stream, cut into packets with mysql_packet_peek;
 *   3+: replies through the relay. Byte 1 picks the backend's capabilities (bit 0 session
 *       tracking, 1 progress, 2 extended metadata, 3 cached metadata), byte 2 the client's
 *       (bit 0 session tracking) and bit 1 of it relays to nowhere (out == NULL). Then
 *       replies, one after the other on one backend connection (statement cache shared):
 *       a kind byte, a statement id byte, then packets, each a 2-byte little-endian length
 *       and that many bytes (fewer at the end), until the relay says the reply is over.
 *       Length 0xffff stands for a 16 MB - 1 packet starting with the next 8 bytes.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "protocol.h"
#include "relay.h"

#define CAP_SESSION_TRACK (1ull << 23)
#define BASE_BACKEND_CAPS 0xbea204ull

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void fuzz_login(const uint8_t *data, size_t size, bool change_user)
{
	struct mysql_login l;
	const char *why = NULL;
	uint32_t caps;
	uint8_t *copy;
	int ret;

	if (size < 4)
		return;
	caps = le32(data);
	data += 4;
	size -= 4;
	/* An exact-size heap copy: ASan catches any read past the payload. */
	copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	if (change_user)
		ret = mysql_parse_change_user(copy, size, caps, &l, &why);
	else
		ret = mysql_parse_login(copy, size, caps, &l, &why);
	if (ret == 0) {
		/* Every string the parser gave back is NUL-terminated inside its field. */
		if (strnlen(l.user, sizeof(l.user)) == sizeof(l.user) ||
		    strnlen(l.db, sizeof(l.db)) == sizeof(l.db) ||
		    strnlen(l.plugin, sizeof(l.plugin)) == sizeof(l.plugin) ||
		    l.auth_len > sizeof(l.auth))
			abort();
	} else if (ret != -EPROTO || !why) {
		abort();
	}
	free(copy);
}

static void fuzz_peek(const uint8_t *data, size_t size)
{
	struct evbuffer *in = evbuffer_new();
	uint8_t seq, *p;
	size_t len;

	/* In small pieces, as a socket delivers them. */
	while (size) {
		size_t n = size < 7 ? size : 7;

		evbuffer_add(in, data, n);
		data += n;
		size -= n;
		while (mysql_packet_peek(in, &len, &seq) == 1) {
			if (evbuffer_get_length(in) < MYSQL_HEADER_LEN + len)
				abort();
			evbuffer_drain(in, MYSQL_HEADER_LEN);
			p = evbuffer_pullup(in, (ev_ssize_t)len);
			if (len && !p)
				abort();
			evbuffer_drain(in, len);
		}
	}
	evbuffer_free(in);
}

static uint8_t *long_packet(void)
{
	static uint8_t *big;

	if (!big) {
		big = malloc(MYSQL_MAX_PAYLOAD);
		memset(big, 'x', MYSQL_MAX_PAYLOAD);
	}
	return big;
}

static void fuzz_relay(const uint8_t *data, size_t size)
{
	struct relay_stmts *stmts = relay_stmts_new();
	struct evbuffer *out = evbuffer_new();
	uint64_t backend_caps = BASE_BACKEND_CAPS;
	uint32_t client_caps = 0x003fa20f;
	bool to_nowhere;
	int longs = 0, ret;
	struct relay r;
	uint8_t seq;

	if (size < 2)
		goto out;
	if (data[0] & 1)
		backend_caps |= CAP_SESSION_TRACK;
	else
		backend_caps &= ~CAP_SESSION_TRACK;
	if (data[0] & 2)
		backend_caps |= 1ull << 32; /* progress */
	if (data[0] & 4)
		backend_caps |= 1ull << 35; /* extended metadata */
	if (data[0] & 8)
		backend_caps |= 1ull << 36; /* cached metadata */
	if (data[1] & 1)
		client_caps |= CAP_SESSION_TRACK;
	to_nowhere = data[1] & 2;
	data += 2;
	size -= 2;

	while (size >= 2) {
		relay_begin(&r, (enum relay_kind)(data[0] % (RELAY_STATISTICS + 1)), backend_caps,
			    client_caps, stmts, data[1]);
		data += 2;
		size -= 2;
		seq = 1;
		ret = 0;
		while (ret == 0 && size >= 2) {
			size_t len = (size_t)data[0] | (size_t)data[1] << 8;
			const uint8_t *p;
			uint8_t *copy = NULL;

			data += 2;
			size -= 2;
			if (len == 0xffff && longs < 2) {
				uint8_t *big = long_packet();
				size_t n = size < 8 ? size : 8;

				longs++;
				memcpy(big, data, n);
				data += n;
				size -= n;
				ret = relay_feed(&r, big, MYSQL_MAX_PAYLOAD,
						 to_nowhere ? NULL : out, to_nowhere ? NULL : &seq);
				memset(big, 'x', n);
			} else {
				if (len > size)
					len = size;
				copy = malloc(len ? len : 1);
				memcpy(copy, data, len);
				p = copy;
				data += len;
				size -= len;
				ret = relay_feed(&r, p, len, to_nowhere ? NULL : out,
						 to_nowhere ? NULL : &seq);
				free(copy);
			}
			if (ret != 0 && ret != 1 && ret != -EPROTO)
				abort();
			if (to_nowhere && (r.emitted || evbuffer_get_length(out)))
				abort();
			if (r.has_value && strnlen(r.value, sizeof(r.value)) == sizeof(r.value))
				abort();
			evbuffer_drain(out, evbuffer_get_length(out));
		}
		relay_end(&r);
	}
out:
	relay_stmts_free(stmts);
	evbuffer_free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	switch (data[0]) {
	case 0:
		fuzz_login(data + 1, size - 1, false);
		break;
	case 1:
		fuzz_login(data + 1, size - 1, true);
		break;
	case 2:
		fuzz_peek(data + 1, size - 1);
		break;
	default:
		fuzz_relay(data + 1, size - 1);
		break;
	}
	return 0;
}
