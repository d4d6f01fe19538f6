/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One health probe of one backend, non-blocking on a libevent base: a TCP connect; an HTTP or
 * HTTPS request whose status line must carry the expected code; or a MySQL login followed by
 * `SELECT 1`. Every probe has its own deadline, so a backend that hangs (in the TCP
 * handshake, the TLS handshake, the MySQL greeting or the query) delays no other probe.
 *
 * HTTPS: TLS without certificate verification and without SNI, as HAProxy's `check-ssl
 * verify none`: the check asks whether the server answers, not whom it answers as, and the
 * backends' certificates carry the site's name, not the address xlbd probes. One SSL_CTX
 * serves every probe; it is made at the first HTTPS probe and kept for the life of the
 * process (there is nothing to flush, and freeing it at exit would only race the probes).
 *
 * MySQL: MariaDB Connector/C's non-blocking API, driven by events on the base (mysqlconn.h); the
 * password is read from its file once, by probe_read_password(), when the check is
 * configured, never per probe.
 *
 * The caller ignores SIGPIPE (xlbd does): a TLS write to a connection the backend has reset
 * would raise it.
 */
#ifndef XLBD_PROBE_H
#define XLBD_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <event2/event.h>

/* A MySQL password, with the NUL. */
#define PROBE_PASSWORD_MAX 256

enum probe_kind {
	PROBE_TCP,
	PROBE_HTTP,
	PROBE_HTTPS,
	PROBE_MYSQL,
};

struct probe_spec {
	enum probe_kind kind;
	/* HTTP and HTTPS */
	const char *method; /* GET, HEAD ... */
	const char *path;
	int status; /* the one status code that means healthy */
	/* MySQL */
	const char *user;
	const char *password_file; /* where password came from, for messages */
	int password_err; /* 0, or -errno of reading password_file: every probe fails with it */
	char password[PROBE_PASSWORD_MAX];
};

/* Called once per probe: ok, the time it took, and when not ok, why (a short phrase). */
typedef void (*probe_done_fn)(void *arg, bool ok, long latency_us, const char *why);

/* Starts a probe of addr; the spec is not used after the call returns. 0 or -errno (then
 * done is never called); done may be called before this returns. */
int probe_start(struct event_base *base, const struct sockaddr *addr, socklen_t addrlen,
		const struct probe_spec *spec, int timeout_ms, probe_done_fn done, void *arg);

/*
 * Reads the first line of the file at path, without its line end, into spec->password and
 * points spec->password_file at path (which must outlive the spec's use). On failure the
 * password is empty and spec->password_err holds the error, so that every probe with this
 * spec fails and names the file: -errno of opening or reading it, or -EOVERFLOW for a line
 * of PROBE_PASSWORD_MAX bytes or more. Returns spec->password_err.
 */
int probe_read_password(struct probe_spec *spec, const char *path);

/* "password file PATH: why" for a spec whose password_err is set, as the probes report it. */
void probe_password_why(const struct probe_spec *spec, char *buf, size_t len);

#endif
