/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xlb-sqlproxy's config file (/etc/xlb/sqlproxy.conf, `xlb-sqlproxy -c FILE`), read into
 * struct sp_config (proxy.h). Syntax as xlbd's (user/lib/inifile.h): `[section]` and
 * `key = value` lines; `;` or `#` starts a comment at the start of a line or after a blank.
 *
 * [proxy]                        optional, at most once; every key has a default
 *   listen = ADDR:PORT           clients connect here; default 127.0.0.1:6033
 *   admin = PATH | ADDR:PORT     the admin socket (admin.h): a Unix socket at PATH, mode
 *                                0600 (1 to 107 characters, sockaddr_un), or a TCP socket
 *                                on a numeric ADDR:PORT or [ADDR6]:PORT, so that xlbd on
 *                                another machine can drive the proxy (grammar in
 *                                user/lib/endpoint.h); default /run/xlb/sqlproxy.sock.
 *                                A TCP admin has NO authentication: whoever reaches the port
 *                                may change the servers' roles. Bind it only to a private or
 *                                management address that only xlbd's machine can reach
 *                                (and firewall it), never to a public one or 0.0.0.0
 *   max_lag = DURATION           replicas further behind serve no reads; default 5s
 *   causal_reads = BOOL          a session never reads older data than its own last write;
 *                                default off
 *   causal_timeout = DURATION    how long such a read waits for its write to reach the
 *                                replica (MASTER_GTID_WAIT) before it goes to the primary;
 *                                default 1s
 *   connect_timeout = DURATION   connecting (and logging in) to a backend; default 2s
 * [server NAME]                  1 to SP_MAX_SERVERS
 *   address = ADDR:PORT          required
 *   role = ROLE                  required: primary, replica or offline (xlbd changes it at
 *                                runtime through the admin socket)
 * [user NAME]                    1 to SP_MAX_USERS: who may log in to the proxy
 *   password = SECRET            required
 *
 * Values:
 *   - ADDR:PORT is numeric, IPv4 a.b.c.d:PORT or IPv6 [ADDR6]:PORT, port 1..65535: no host
 *     names, so that the proxy never waits on DNS;
 *   - DURATION is a whole number with ms, s or m, from 1ms to 1h (500ms, 5s, 2m). A bare
 *     number is refused, never guessed: MariaDB counts lag in seconds, timeouts are often
 *     thought of in milliseconds;
 *   - BOOL is on/off, yes/no, true/false or 1/0, in any case;
 *   - NAME is 1 to SP_NAME_LEN - 1 characters of [A-Za-z0-9_.-], unique among servers and
 *     among users (it is a word of admin commands);
 *   - SECRET is 1 to SP_PASSWORD_LEN - 1 characters, anything but blanks at either end (they
 *     are stripped). A `;` or `#` after a blank starts a comment, so `a ;b` is the password
 *     `a`, and `password = #x` an empty one, which is refused;
 *   - at most one server has role = primary in the file (at runtime xlbd may name a second
 *     one while it switches over);
 *   - no two servers share an address.
 *
 * The file holds passwords: sp_config_load refuses it while others (not owner or group) may
 * read, write or execute it, as ssh does with its keys. Install it with mode 0600 or 0640.
 */
#ifndef XLB_SQLPROXY_PROXY_CONFIG_H
#define XLB_SQLPROXY_PROXY_CONFIG_H

#include <stddef.h>

#include "proxy.h"

/*
 * Reads the file at path into *cfg (defaults where a key is absent). On failure *cfg is
 * untouched and err holds one line without a newline, "PATH:LINE: what was wrong: what was
 * expected" (or "PATH: ..." when no line is to blame). Returns 0, -EINVAL for a bad config,
 * -EPERM when others may access the file, -ENOMEM, or the -errno of opening or reading it.
 */
int sp_config_load(const char *path, struct sp_config *cfg, char *err, size_t errlen);

/* The same for config text in memory, without the permission check; name stands for the file
 * name in messages. */
int sp_config_parse_string(const char *text, const char *name, struct sp_config *cfg, char *err,
			   size_t errlen);

#endif
