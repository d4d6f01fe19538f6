/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * appd's config file (`appd -c FILE`), read into struct appd_config. Syntax as the other
 * daemons' (user/lib/inifile.h): `[section]` and `key = value` lines; `;` or `#` starts a
 * comment at the start of a line or after a blank.
 *
 * [appd]                         optional, at most once
 *   listen = ADDR:PORT           HTTP is served here; default 127.0.0.1:8080
 *   name = NAME                  reported by /api/whoami and every read; default the host
 *                                name (gethostname), cut to APPD_NAME_LEN - 1 characters
 *   max_body = BYTES             larger request bodies get 413; 64 to 1048576, default 4096
 * [database]                     required, at most once
 *   address = ADDR:PORT          the local xlb-sqlproxy; default 127.0.0.1:6033
 *   user = USER                  required, 1 to 80 characters without blanks
 *   password_file = PATH         required; its first line is the password (appd_password_read)
 *   database = DB                default notes; 1 to 64 characters of [A-Za-z0-9_$]
 *   timeout = DURATION           connect, read and write timeout of every query, in whole
 *                                seconds (rounded up); default 2s. Keep it above the
 *                                splitter's causal_timeout (1s by default): a causal read may
 *                                wait that long before it goes to the primary.
 *
 * ADDR:PORT is numeric (a.b.c.d:PORT or [ADDR6]:PORT): appd never waits on DNS. NAME is 1 to
 * APPD_NAME_LEN - 1 characters of [A-Za-z0-9_.-]. DURATION as everywhere: 500ms, 2s, 1m.
 */
#ifndef XLB_APPD_CONFIG_H
#define XLB_APPD_CONFIG_H

#include <stddef.h>
#include <sys/socket.h>

#define APPD_NAME_LEN 65 /* a host name (HOST_NAME_MAX 64) and the NUL */
#define APPD_ADDR_LEN 64
#define APPD_HOST_LEN 46 /* INET6_ADDRSTRLEN */
#define APPD_USER_LEN 81
#define APPD_DB_LEN 65
#define APPD_PATH_LEN 200 /* XLB_INI_VALUE_LEN: no value is longer */
#define APPD_PASSWORD_LEN 128

#define APPD_DEFAULT_LISTEN "127.0.0.1:8080"
#define APPD_DEFAULT_MAX_BODY 4096
#define APPD_MIN_MAX_BODY 64
#define APPD_MAX_MAX_BODY (1024 * 1024)
#define APPD_DEFAULT_DB_ADDRESS "127.0.0.1:6033"
#define APPD_DEFAULT_DATABASE "notes"
#define APPD_DEFAULT_TIMEOUT_MS 2000

struct appd_config {
	char listen[APPD_ADDR_LEN]; /* as written, for messages */
	char listen_host[APPD_HOST_LEN];
	unsigned int listen_port;
	char name[APPD_NAME_LEN];
	size_t max_body;

	char db_address[APPD_ADDR_LEN];
	char db_host[APPD_HOST_LEN];
	unsigned int db_port;
	char user[APPD_USER_LEN];
	char password_file[APPD_PATH_LEN];
	char database[APPD_DB_LEN];
	unsigned int timeout_ms;
};

/*
 * Reads the file at path into *cfg (defaults where a key is absent). On failure *cfg is
 * untouched and err holds one line without a newline, "PATH:LINE: what was wrong: what was
 * expected" ("PATH: ..." when no line is to blame). Returns 0, -EINVAL for a bad config,
 * -ENOMEM, or the -errno of opening or reading the file. The password file is not read here.
 */
int appd_config_load(const char *path, struct appd_config *cfg, char *err, size_t errlen);

/* The same for config text in memory; name stands for the file in messages. */
int appd_config_parse_string(const char *text, const char *name, struct appd_config *cfg, char *err,
			     size_t errlen);

/*
 * The first line of path (without its line end) into buf (xlb_secret_read_fd). Refused with
 * -EPERM while others may access the file (as xlb-sqlproxy refuses its config), -EINVAL when
 * it is no regular file or the line is empty or does not fit, -errno when it cannot be opened
 * or read. err: one line, "PATH: ...", never the password.
 */
int appd_password_read(const char *path, char *buf, size_t len, char *err, size_t errlen);

#endif
