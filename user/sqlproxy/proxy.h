/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xlb-sqlproxy's state: the configuration (issue 4's keys), the servers with their runtime
 * role, lag and counters, the users, and the proxy-wide counters. One struct sp_proxy per
 * process; the config parser fills cfg, the admin socket and the sessions read and change it.
 */
#ifndef XLB_SQLPROXY_PROXY_H
#define XLB_SQLPROXY_PROXY_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>

#define SP_MAX_SERVERS 16
#define SP_MAX_USERS 64
#define SP_NAME_LEN 64	    /* server and user names, with the NUL */
#define SP_PASSWORD_LEN 128 /* with the NUL */
#define SP_ADDR_LEN 80	    /* "host:port" or "[v6]:port", with the NUL */

#define SP_DEFAULT_LISTEN "127.0.0.1:6033"
#define SP_DEFAULT_ADMIN "/run/xlb/sqlproxy.sock"
#define SP_DEFAULT_MAX_LAG_MS 5000
#define SP_DEFAULT_CAUSAL_TIMEOUT_MS 1000
#define SP_DEFAULT_CONNECT_TIMEOUT_MS 2000

enum sp_role {
	SP_ROLE_PRIMARY,
	SP_ROLE_REPLICA,
	SP_ROLE_OFFLINE,
};

struct sp_server_stats {
	uint64_t reads;	 /* statements routed here as reads */
	uint64_t writes; /* statements routed here as writes (or pinned, or in a transaction) */
	uint64_t errors; /* connects that failed and connections lost mid-statement */
	uint64_t connections; /* backend connections opened to it, ever */
	unsigned int open;    /* backend connections open now */
};

struct sp_server {
	char name[SP_NAME_LEN];
	char address[SP_ADDR_LEN];    /* as configured: "host:port" */
	struct sockaddr_storage addr; /* parsed from address */
	char host[64];		      /* numeric host, for Connector/C */
	unsigned int port;
	enum sp_role role;     /* from the config; then `set server NAME role` */
	unsigned int lag_s;    /* from `set server NAME lag`; 0 until told */
	int64_t down_until_ms; /* a failed connect keeps reads away until then (monotonic) */
	struct sp_server_stats stats;
};

struct sp_user {
	char name[SP_NAME_LEN];
	char password[SP_PASSWORD_LEN];
};

struct sp_config {
	char listen[SP_ADDR_LEN];
	struct sockaddr_storage listen_addr;
	char admin[PATH_MAX];
	unsigned int max_lag_ms;	 /* max_lag: replicas further behind serve no reads */
	bool causal_reads;		 /* causal_reads */
	unsigned int causal_timeout_ms;	 /* causal_timeout: MASTER_GTID_WAIT's bound */
	unsigned int connect_timeout_ms; /* connect_timeout: to a backend */
	struct sp_server servers[SP_MAX_SERVERS];
	unsigned int nr_servers;
	struct sp_user users[SP_MAX_USERS];
	unsigned int nr_users;
};

struct sp_stats {
	uint64_t sessions_total;
	unsigned int sessions_open;
	uint64_t statements;	   /* client commands handled */
	uint64_t errors;	   /* ERR packets the proxy itself sent */
	uint64_t auth_failures;	   /* wrong user or password */
	uint64_t protocol_errors;  /* sessions closed for malformed input */
	uint64_t causal_waits;	   /* MASTER_GTID_WAIT run before a read */
	uint64_t causal_fallbacks; /* reads sent to the primary because the wait timed out */
};

struct sp_session;
TAILQ_HEAD(sp_session_list, sp_session);

struct sp_proxy {
	struct event_base *base;
	struct evconnlistener *listener;       /* clients, on cfg.listen */
	struct evconnlistener *admin_listener; /* the admin socket, on cfg.admin */
	struct sp_admin *admin;		       /* admin.c's: its connections and socket */
	struct sp_config cfg;
	struct sp_stats stats;
	struct sp_session_list sessions;
	uint32_t next_session_id;
	unsigned int replica_cursor; /* sessions pick replicas round robin */
	char server_version[64];     /* shown to clients: the last one a backend gave */
	const char *config_path;     /* read again on SIGHUP */
};

/* CLOCK_MONOTONIC in ms: the clock of down_until_ms. */
int64_t sp_now_ms(void);

const char *sp_role_name(enum sp_role role);
/* "primary" | "replica" | "offline" -> 0 and *role, or -EINVAL. */
int sp_role_parse(const char *s, enum sp_role *role);
struct sp_server *sp_server_find(struct sp_proxy *p, const char *name);
const struct sp_user *sp_user_find(const struct sp_proxy *p, const char *name);

#endif
