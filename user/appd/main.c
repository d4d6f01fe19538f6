// SPDX-License-Identifier: GPL-2.0-only
/*
 * appd: the demo application server behind each web server's nginx. A JSON API over notes
 * stored in MariaDB through the local xlb-sqlproxy (writes to the primary, reads where the
 * splitter sends them), plus /api/whoami and /health that show which web server and which
 * database server answered.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <mysql/mysql.h>

#include "appd_config.h"
#include "daemon_args.h"
#include "db.h"
#include "http.h"
#include "log.h"

static const char usage[] = "usage: appd -c FILE [--foreground] [--check-config] [-v]\n";

static void on_stop(evutil_socket_t sig, short what, void *ctx)
{
	(void)what;
	pr_info("appd: signal %d: stopping\n", (int)sig);
	event_base_loopexit(ctx, NULL);
}

int main(int argc, char **argv)
{
	struct daemon_args o = { .prog = "appd", .usage = usage };
	struct appd_config cfg;
	struct appd_http http = {};
	struct appd_db db = {};
	struct event_base *base = NULL;
	struct event *sigterm = NULL, *sigint = NULL;
	char err[512], password[APPD_PASSWORD_LEN];
	int rc = 1;

	daemon_args_parse(&o, argc, argv, NULL, NULL, NULL);
	/* the password is read before detaching (daemon() moves to /): a relative path in the
	 * config means what it meant where appd was started */
	if (appd_config_load(o.config, &cfg, err, sizeof(err)) ||
	    appd_password_read(cfg.password_file, password, sizeof(password), err, sizeof(err))) {
		fprintf(stderr, "appd: %s\n", err);
		return 1;
	}
	if (o.check_only) {
		printf("%s: OK (listen %s, name %s, database %s at %s as %s)\n", o.config,
		       cfg.listen, cfg.name, cfg.database, cfg.db_address, cfg.user);
		explicit_bzero(password, sizeof(password));
		return 0;
	}
	/* a client that goes away mid-reply must not kill the server */
	signal(SIGPIPE, SIG_IGN);
	if (mysql_library_init(0, NULL, NULL)) {
		fprintf(stderr, "appd: cannot initialise Connector/C\n");
		goto out;
	}
	base = event_base_new();
	if (!base) {
		fprintf(stderr, "appd: cannot create the event loop\n");
		goto out;
	}
	appd_db_init(&db, &cfg, password);
	/* the socket is bound before detaching: a start that cannot work fails where the
	 * operator sees it */
	if (appd_http_start(&http, base, &cfg, &db, err, sizeof(err))) {
		fprintf(stderr, "appd: %s\n", err);
		goto out;
	}
	if (!o.foreground && daemon(0, 1) < 0) {
		perror("appd: daemon");
		goto out;
	}
	if (event_reinit(base)) {
		fprintf(stderr, "appd: cannot set up the event loop after detaching\n");
		goto out;
	}
	sigterm = evsignal_new(base, SIGTERM, on_stop, base);
	sigint = evsignal_new(base, SIGINT, on_stop, base);
	if (!sigterm || !sigint || evsignal_add(sigterm, NULL) || evsignal_add(sigint, NULL)) {
		fprintf(stderr, "appd: cannot handle signals\n");
		goto out;
	}
	pr_warn("appd: %s listening on %s, database %s at %s\n", cfg.name, cfg.listen, cfg.database,
		cfg.db_address);
	event_base_dispatch(base);
	rc = 0;
out:
	appd_http_stop(&http);
	appd_db_close(&db);
	if (sigterm)
		event_free(sigterm);
	if (sigint)
		event_free(sigint);
	if (base)
		event_base_free(base);
	mysql_library_end();
	explicit_bzero(password, sizeof(password));
	return rc;
}
