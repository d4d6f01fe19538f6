/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xlbd's config file (/etc/xlb/xlb.conf): INI read with Debian's libinih into one struct the
 * caller owns. The keys are the interface of issue 3 ([lb], [vip NAME]) and issue 4 ([mysql]).
 *
 * Syntax: `[section]` and `key = value` lines; a line may be indented. `;` or `#` starts a
 * comment at the start of a line or after a space or tab (`path#frag` is not a comment).
 * Lines are at most 197 characters after comments are removed (libinih's line buffer).
 * Every section appears once; a key that may not repeat appears once per section.
 *
 * Defaults, where a key is absent:
 *   [lb]     mode = native, metrics = 127.0.0.1:9591 (loopback: the numbers are not public,
 *            and `xlb status` finds the daemon there); interface has no default.
 *   [vip]    scheduler = rr, check = tcp, interval = 1s, rise = 2, fall = 3, backend weight 1,
 *            timeout = 500ms, or the interval when that is shorter.
 *   [mysql]  interval = 1s, no password_file (no password); node and user are required.
 *
 * Rules beyond syntax:
 *   - durations are a whole number with ms, s or m, from 1ms to 1h;
 *   - timeout <= interval: the checker keeps one probe per backend in flight, and a probe
 *     that outlived its interval would overlap the next one;
 *   - rise and fall are 1..100; weights 0..XLB_MAX_WEIGHT (0 takes no new flows);
 *   - VIP names are 1..XLBD_NAME_LEN-1 characters of [A-Za-z0-9_.-] (they become metric
 *     labels); at most XLB_MAX_VIPS VIPs, XLB_MAX_BACKENDS_PER_VIP backends per VIP and
 *     XLB_MAX_BACKENDS in all (the data plane's backend slots are shared);
 *   - no two VIPs share an address, no VIP lists a backend twice; a backend may be of the
 *     other address family than its VIP (as with `xlb backend add`);
 *   - paths (PASSWORD_FILE, password_file, splitter) are kept as written; relative ones are
 *     resolved by whoever opens them, from xlbd's working directory;
 *   - [mysql] splitter = is a splitter's admin socket (`admin =` of its [proxy]): the path of
 *     a Unix socket, or a numeric ADDR:PORT or [ADDR6]:PORT for one on another machine
 *     (grammar in user/lib/endpoint.h); it may repeat, mixing both; no two name the same
 *     socket. It is kept as written: it is the metrics' `splitter` label.
 */
#ifndef XLBD_CONFIG_H
#define XLBD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include <linux/types.h>

#include <xlb/abi.h>
#include "addr.h"

/* VIP names, with the NUL. */
#define XLBD_NAME_LEN 32
/* Any string value, with the NUL: libinih's 200-byte line buffer bounds every value, so a
 * value that parsed is never cut here. */
#define XLBD_VALUE_LEN 200
/* A splitter's admin socket as written: a path must fit sockaddr_un.sun_path, and an
 * "[ADDR6]:PORT" is shorter. */
#define XLBD_SOCK_PATH_LEN 108
#define XLBD_MAX_INTERFACES 16
#define XLBD_MAX_MYSQL_NODES 16
#define XLBD_MAX_SPLITTERS 16

#define XLBD_DEFAULT_METRICS "127.0.0.1:9591"
#define XLBD_DEFAULT_INTERVAL_MS 1000
#define XLBD_DEFAULT_TIMEOUT_MS 500
#define XLBD_DEFAULT_RISE 2
#define XLBD_DEFAULT_FALL 3
#define XLBD_DEFAULT_WEIGHT 1
#define XLBD_DEFAULT_MYSQL_INTERVAL_MS 1000
#define XLBD_MAX_DURATION_MS (60u * 60 * 1000)
#define XLBD_MAX_RISE_FALL 100

enum xlbd_mode {
	XLBD_MODE_NATIVE = 0,
	XLBD_MODE_SKB = 1,
};

enum xlbd_check_type {
	XLBD_CHECK_TCP = 0,
	XLBD_CHECK_HTTP = 1,
	XLBD_CHECK_HTTPS = 2,
	XLBD_CHECK_MYSQL = 3,
};

/* ADDR:PORT, or [ADDR6]:PORT. */
struct xlbd_endpoint {
	struct xlb_addr ip;
	__u16 port; /* host order */
};

struct xlbd_check {
	enum xlbd_check_type type;
	/* http and https */
	char method[16];
	char path[XLBD_VALUE_LEN];
	unsigned int status; /* 100..599 */
	/* mysql */
	char user[XLBD_VALUE_LEN];
	char password_file[XLBD_VALUE_LEN];
};

struct xlbd_backend {
	struct xlb_addr addr;
	unsigned int weight;
	unsigned int line; /* of its `backend =` line, for messages when applying it fails */
};

struct xlbd_vip {
	char name[XLBD_NAME_LEN];
	struct xlb_vip_spec addr;
	enum xlb_sched sched;
	struct xlbd_check check;
	unsigned int interval_ms;
	unsigned int timeout_ms;
	unsigned int rise;
	unsigned int fall;
	struct xlbd_backend *backends; /* in file order */
	unsigned int nr_backends;
	unsigned int line; /* of [vip NAME] */
};

struct xlbd_lb {
	char interfaces[XLBD_MAX_INTERFACES][IF_NAMESIZE];
	unsigned int nr_interfaces;
	enum xlbd_mode mode;
	struct xlbd_endpoint metrics;
};

/* [mysql] (issue 4): the MariaDB nodes xlbd monitors and the splitters it informs. */
struct xlbd_mysql {
	bool present; /* the file has a [mysql] section; nothing else here is set without it */
	struct xlbd_endpoint nodes[XLBD_MAX_MYSQL_NODES];
	unsigned int nr_nodes;
	char user[XLBD_VALUE_LEN];
	char password_file[XLBD_VALUE_LEN]; /* "" for none */
	unsigned int interval_ms;
	char splitters[XLBD_MAX_SPLITTERS][XLBD_SOCK_PATH_LEN]; /* PATH or ADDR:PORT, as written */
	unsigned int nr_splitters;
};

struct xlbd_config {
	struct xlbd_lb lb;
	struct xlbd_vip *vips; /* in file order */
	unsigned int nr_vips;
	struct xlbd_mysql mysql;
};

/*
 * Reads the file at path. On success *out is a config the caller frees with
 * xlbd_config_free(). On failure *out is NULL and err holds one line without a newline,
 * "PATH:LINE: what was wrong: what was expected" (or "PATH: ..." when no line is to blame).
 * Returns 0, -EINVAL for a bad config, -ENOMEM, or the -errno of opening or reading the file.
 */
int xlbd_config_load(const char *path, struct xlbd_config **out, char *err, size_t errlen);

/* The same for config text in memory; name stands for the file name in messages. */
int xlbd_config_parse_string(const char *text, const char *name, struct xlbd_config **out,
			     char *err, size_t errlen);

/* NULL is fine. */
void xlbd_config_free(struct xlbd_config *cfg);

#endif
