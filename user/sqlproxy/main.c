// SPDX-License-Identifier: GPL-2.0-only
/*
 * xlb-sqlproxy: a MySQL read/write splitter. Clients log in to it as to a MariaDB server;
 * writes, transactions and session-pinning statements go to the primary, plain reads to a
 * replica that is up and not too far behind. xlbd (or an operator) changes roles and lag
 * through the admin socket.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <event2/event.h>
#include <mysql/mysql.h>

#include "admin.h"
#include "daemon_args.h"
#include "log.h"
#include "proxy.h"
#include "proxy_config.h"
#include "session.h"

static const char usage[] = "usage: xlb-sqlproxy -c FILE [--foreground] [--check-config] [-v]\n";

/*
 * SIGHUP: the users and the [proxy] settings are taken from the file again. The servers keep
 * their runtime role and lag (xlbd's or the admin socket's, not the file's); a file whose
 * servers differ, or whose listen or admin address changed, needs a restart, and says so.
 */
static void on_reload(evutil_socket_t sig, short what, void *ctx)
{
	struct sp_proxy *p = ctx;
	struct sp_config *n = calloc(1, sizeof(*n));
	char err[512];

	(void)sig, (void)what;
	if (!n) {
		pr_warn("sqlproxy: reload: out of memory; the old config stays\n");
		return;
	}
	if (sp_config_load(p->config_path, n, err, sizeof(err))) {
		pr_warn("sqlproxy: reload: %s; the old config stays\n", err);
		goto out;
	}
	if (n->nr_servers != p->cfg.nr_servers)
		goto servers_changed;
	for (unsigned int i = 0; i < n->nr_servers; i++)
		if (strcmp(n->servers[i].name, p->cfg.servers[i].name) ||
		    strcmp(n->servers[i].address, p->cfg.servers[i].address))
			goto servers_changed;
	if (strcmp(n->listen, p->cfg.listen) || strcmp(n->admin, p->cfg.admin))
		pr_warn("sqlproxy: reload: listen and admin change only with a restart\n");
	memcpy(p->cfg.users, n->users, sizeof(n->users));
	p->cfg.nr_users = n->nr_users;
	p->cfg.max_lag_ms = n->max_lag_ms;
	p->cfg.causal_reads = n->causal_reads;
	p->cfg.causal_timeout_ms = n->causal_timeout_ms;
	p->cfg.connect_timeout_ms = n->connect_timeout_ms;
	pr_warn("sqlproxy: reloaded %s: %u users\n", p->config_path, n->nr_users);
	goto out;
servers_changed:
	pr_warn("sqlproxy: reload: the servers changed; restart xlb-sqlproxy to apply that. "
		"The old config stays\n");
out:
	explicit_bzero(n, sizeof(*n));
	free(n);
}

/* Each session holds two or three sockets: as many as the hard limit allows. */
static void raise_file_limit(void)
{
	struct rlimit lim;

	if (!getrlimit(RLIMIT_NOFILE, &lim) && lim.rlim_cur < lim.rlim_max) {
		lim.rlim_cur = lim.rlim_max;
		setrlimit(RLIMIT_NOFILE, &lim);
	}
}

static void on_stop(evutil_socket_t sig, short what, void *ctx)
{
	struct sp_proxy *p = ctx;

	(void)what;
	pr_info("sqlproxy: signal %d: stopping\n", (int)sig);
	event_base_loopexit(p->base, NULL);
}

int main(int argc, char **argv)
{
	struct daemon_args o = { .prog = "xlb-sqlproxy", .usage = usage };
	struct sp_proxy *p = calloc(1, sizeof(*p));
	struct event *sigterm = NULL, *sigint = NULL, *sighup = NULL;
	char err[512];
	int rc = 1;

	daemon_args_parse(&o, argc, argv, NULL, NULL, NULL);
	if (!p) {
		fprintf(stderr, "xlb-sqlproxy: out of memory\n");
		return 1;
	}
	p->config_path = o.config;
	if (sp_config_load(o.config, &p->cfg, err, sizeof(err))) {
		fprintf(stderr, "xlb-sqlproxy: %s\n", err);
		return 1;
	}
	if (o.check_only) {
		printf("%s: OK (%u servers, %u users)\n", o.config, p->cfg.nr_servers,
		       p->cfg.nr_users);
		return 0;
	}
	/* a client that goes away mid-reply must not kill the proxy; a SIGHUP before the
	 * handler is in place must not either */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	raise_file_limit();
	if (mysql_library_init(0, NULL, NULL)) {
		fprintf(stderr, "xlb-sqlproxy: cannot initialise Connector/C\n");
		return 1;
	}
	p->base = event_base_new();
	if (!p->base) {
		fprintf(stderr, "xlb-sqlproxy: cannot create the event loop\n");
		return 1;
	}
	if (sp_sessions_listen(p, err, sizeof(err)) || sp_admin_open(p, err, sizeof(err))) {
		fprintf(stderr, "xlb-sqlproxy: %s\n", err);
		goto out;
	}
	/* sockets are bound before the daemon detaches: a start that cannot work fails
	 * where the operator sees it */
	if (!o.foreground && daemon(0, 1) < 0) {
		perror("xlb-sqlproxy: daemon");
		goto out;
	}
	if (event_reinit(p->base)) {
		fprintf(stderr, "xlb-sqlproxy: cannot set up the event loop after detaching\n");
		goto out;
	}
	sigterm = evsignal_new(p->base, SIGTERM, on_stop, p);
	sigint = evsignal_new(p->base, SIGINT, on_stop, p);
	sighup = evsignal_new(p->base, SIGHUP, on_reload, p);
	if (!sigterm || !sigint || !sighup || evsignal_add(sigterm, NULL) ||
	    evsignal_add(sigint, NULL) || evsignal_add(sighup, NULL)) {
		fprintf(stderr, "xlb-sqlproxy: cannot handle signals\n");
		goto out;
	}
	pr_warn("sqlproxy: listening on %s, admin socket %s, %u servers\n", p->cfg.listen,
		p->cfg.admin, p->cfg.nr_servers);
	event_base_dispatch(p->base);
	rc = 0;
out:
	sp_sessions_close_all(p);
	sp_admin_close(p);
	if (sigterm)
		event_free(sigterm);
	if (sigint)
		event_free(sigint);
	if (sighup)
		event_free(sighup);
	event_base_free(p->base);
	mysql_library_end();
	explicit_bzero(&p->cfg, sizeof(p->cfg));
	free(p);
	return rc;
}
