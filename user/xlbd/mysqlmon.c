// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "mysqlconn.h"
#include "mysqlmon.h"
#include "probe.h"

struct node {
	struct mysqlmon *m;
	struct xlbd_endpoint ep;
	char name[XLB_VIP_STRLEN];
	struct sockaddr_storage sa;
	struct mysql_conn conn;
	bool reused; /* this check runs on a connection an earlier one opened */
	bool in_flight;
	struct event *deadline;
	struct timespec start;
	struct mysql_observation obs;  /* of the check under way */
	struct mysql_observation last; /* of the last check that ended */
	long latency_us;
	unsigned long checks_ok, checks_failed;
};

struct mysqlmon {
	struct event_base *base;
	struct xlbd_mysql cfg;
	struct probe_spec cred; /* user and password: a MySQL probe's */
	struct node nodes[XLBD_MAX_MYSQL_NODES];
	struct mysql_verdict verdicts[XLBD_MAX_MYSQL_NODES];
	struct splitter *splitters[XLBD_MAX_SPLITTERS];
	struct event *tick;
	int timeout_ms;
	unsigned int running;	 /* checks of the round under way that have not ended */
	unsigned int said_extra; /* writable nodes beyond the primary, last warned about */
	unsigned long rounds;
};

static long elapsed_us(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000000L + (now.tv_nsec - since->tv_nsec) / 1000;
}

static struct timeval tv_of_ms(unsigned int ms)
{
	return (struct timeval){ ms / 1000, (ms % 1000) * 1000 };
}

/* ---- the round: roles, the log, the push ---- */

static void log_verdict(const struct node *n, const struct mysql_verdict *v, bool first)
{
	const char *was = first ? "" : mysql_role_name(n->m->verdicts[n - n->m->nodes].role);

	if (v->role == MYSQL_ROLE_OFFLINE)
		pr_info("mysql node %s: offline%s%s: %s\n", n->name, *was ? ", was " : "", was,
			v->why);
	else if (v->role == MYSQL_ROLE_REPLICA)
		pr_info("mysql node %s: replica, %u s behind%s%s\n", n->name, v->lag_s,
			*was ? ", was " : "", was);
	else
		pr_info("mysql node %s: primary%s%s\n", n->name, *was ? ", was " : "", was);
}

static void round_done(struct mysqlmon *m)
{
	struct mysql_observation obs[XLBD_MAX_MYSQL_NODES] = {};
	struct mysql_verdict v[XLBD_MAX_MYSQL_NODES];
	struct splitter_node push[XLBD_MAX_MYSQL_NODES];
	unsigned int n = m->cfg.nr_nodes, extra;

	for (unsigned int i = 0; i < n; i++)
		obs[i] = m->nodes[i].last;
	extra = mysql_derive_roles(m->cfg.nodes, obs, n, v);
	for (unsigned int i = 0; i < n; i++) {
		/* a role is said when it changes, not every interval */
		if (!m->rounds || v[i].role != m->verdicts[i].role)
			log_verdict(&m->nodes[i], &v[i], !m->rounds);
		pr_debug("mysql node %s: %s, lag %ld, %s\n", m->nodes[i].name,
			 mysql_role_name(v[i].role), obs[i].lag_s, v[i].why);
		push[i] = (struct splitter_node){ .addr = m->cfg.nodes[i],
						  .role = v[i].role,
						  .lag_s = v[i].lag_s };
	}
	if (extra && extra != m->said_extra)
		pr_warn("mysql: %u nodes are writable (read_only = 0); one primary is kept, the "
			"others are offline: set read_only = 1 on all but one\n",
			extra + 1);
	m->said_extra = extra;
	memcpy(m->verdicts, v, n * sizeof(v[0]));
	m->rounds++;
	for (unsigned int i = 0; i < m->cfg.nr_splitters; i++)
		if (m->splitters[i])
			splitter_push(m->splitters[i], push, n, m->timeout_ms);
}

/* ---- one check of one node ---- */

static void check_end(struct node *n, bool ok, const char *why)
{
	struct mysqlmon *m = n->m;

	if (!n->in_flight)
		return;
	n->in_flight = false;
	evtimer_del(n->deadline);
	n->latency_us = elapsed_us(&n->start);
	n->obs.up = ok;
	if (!ok) {
		/* why may be the connection's error message: copied before it is closed */
		snprintf(n->obs.error, sizeof(n->obs.error), "%s", why);
		/* a failed or timed-out connection is in no state to be reused */
		mysql_conn_close(&n->conn, true);
		n->checks_failed++;
	} else {
		n->checks_ok++;
	}
	n->last = n->obs;
	if (--m->running == 0)
		round_done(m);
}

/* The columns of SHOW SLAVE STATUS the roles need, found by name: their order and number
 * change between versions. */
enum slave_col {
	COL_IO,
	COL_SQL,
	COL_LAG,
	COL_HOST,
	COL_PORT,
	COL_IO_ERR,
	COL_SQL_ERR,
	NR_COLS,
};

static const char *const slave_cols[NR_COLS] = {
	[COL_IO] = "Slave_IO_Running",	     [COL_SQL] = "Slave_SQL_Running",
	[COL_LAG] = "Seconds_Behind_Master", [COL_HOST] = "Master_Host",
	[COL_PORT] = "Master_Port",	     [COL_IO_ERR] = "Last_IO_Error",
	[COL_SQL_ERR] = "Last_SQL_Error",
};

static void on_slave_status(void *arg, bool ok, MYSQL_RES *res)
{
	struct node *n = arg;
	struct mysql_observation *o = &n->obs;
	const char *v[NR_COLS] = {};
	MYSQL_FIELD *f;
	MYSQL_ROW row;

	if (!ok) {
		check_end(n, false, mysql_conn_error(&n->conn));
		return;
	}
	/* no row: no replication configured */
	row = res ? mysql_fetch_row(res) : NULL;
	o->lag_s = -1;
	if (row) {
		f = mysql_fetch_fields(res);
		for (unsigned int i = 0; i < mysql_num_fields(res); i++)
			for (int c = 0; c < NR_COLS; c++)
				if (!strcmp(f[i].name, slave_cols[c]))
					v[c] = row[i];
		o->replicating = true;
		o->io_running = v[COL_IO] && !strcmp(v[COL_IO], "Yes");
		o->sql_running = v[COL_SQL] && !strcmp(v[COL_SQL], "Yes");
		if (v[COL_LAG]) /* NULL while the server cannot tell */
			o->lag_s = strtol(v[COL_LAG], NULL, 10);
		o->master_known = v[COL_HOST] && v[COL_PORT] &&
				  !mysql_parse_host_port(v[COL_HOST], v[COL_PORT], &o->master);
		snprintf(o->error, sizeof(o->error), "%s",
			 v[COL_IO_ERR] && *v[COL_IO_ERR]     ? v[COL_IO_ERR]
			 : v[COL_SQL_ERR] && *v[COL_SQL_ERR] ? v[COL_SQL_ERR]
							     : "");
	}
	if (res)
		mysql_free_result(res);
	check_end(n, true, "");
}

static void open_conn(struct node *n);

static void on_read_only(void *arg, bool ok, MYSQL_RES *res)
{
	struct node *n = arg;
	MYSQL_ROW row;
	int err;

	if (!ok && n->reused) {
		/* closed since the last check (a restart, wait_timeout): once more, anew */
		pr_debug("mysql node %s: kept connection lost (%s); reconnecting\n", n->name,
			 mysql_conn_error(&n->conn));
		mysql_conn_close(&n->conn, true);
		open_conn(n);
		return;
	}
	if (!ok) {
		check_end(n, false, mysql_conn_error(&n->conn));
		return;
	}
	row = res ? mysql_fetch_row(res) : NULL;
	if (!row || !row[0]) {
		if (res)
			mysql_free_result(res);
		check_end(n, false, "SELECT @@read_only returned no value");
		return;
	}
	n->obs.read_only = strcmp(row[0], "0") != 0;
	mysql_free_result(res);
	err = mysql_conn_query(&n->conn, "SHOW SLAVE STATUS", on_slave_status, n);
	if (err)
		check_end(n, false, strerror(-err));
}

static void query_read_only(struct node *n)
{
	int err = mysql_conn_query(&n->conn, "SELECT @@read_only", on_read_only, n);

	if (err)
		check_end(n, false, strerror(-err));
}

static void on_connected(void *arg, bool ok, MYSQL_RES *res)
{
	struct node *n = arg;

	(void)res;
	if (!ok)
		check_end(n, false, mysql_conn_error(&n->conn));
	else
		query_read_only(n);
}

static void open_conn(struct node *n)
{
	struct mysqlmon *m = n->m;
	int err;

	n->reused = false;
	err = mysql_conn_open(&n->conn, m->base, (struct sockaddr *)&n->sa, m->cfg.user,
			      m->cred.password, on_connected, n);
	if (err)
		check_end(n, false, strerror(-err));
}

static void on_check_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct node *n = arg;
	char why[64];

	(void)fd, (void)what;
	snprintf(why, sizeof(why), "no answer within %d ms", n->m->timeout_ms);
	check_end(n, false, why);
}

static void check_start(struct node *n)
{
	struct mysqlmon *m = n->m;
	struct timeval tv = tv_of_ms(m->timeout_ms);
	char why[MYSQL_WHY_LEN];

	n->obs = (struct mysql_observation){ .lag_s = -1 };
	n->in_flight = true;
	clock_gettime(CLOCK_MONOTONIC, &n->start);
	evtimer_add(n->deadline, &tv);
	if (m->cred.password_err) {
		/* never try the server without the password the config names */
		probe_password_why(&m->cred, why, sizeof(why));
		check_end(n, false, why);
	} else if (n->conn.my) {
		n->reused = true;
		query_read_only(n);
	} else {
		open_conn(n);
	}
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct mysqlmon *m = arg;
	struct timeval every = tv_of_ms(m->cfg.interval_ms);

	(void)fd, (void)what;
	evtimer_add(m->tick, &every);
	if (m->running) {
		/* cannot happen with deadlines shorter than the interval; never two checks of
		 * a node at once if it does */
		pr_debug("mysql: the last round is still running; this one skipped\n");
		return;
	}
	/* one more than the nodes: a check that ends at once (a refused connection) must not
	 * end the round before every check has started */
	m->running = m->cfg.nr_nodes + 1;
	for (unsigned int i = 0; i < m->cfg.nr_nodes; i++)
		check_start(&m->nodes[i]);
	if (--m->running == 0)
		round_done(m);
}

/* ---- the monitor ---- */

/* The credentials of cfg: a MySQL probe spec, its password read from the file. */
static void read_credentials(const struct xlbd_mysql *cfg, struct probe_spec *cred)
{
	*cred = (struct probe_spec){ .kind = PROBE_MYSQL, .user = cfg->user };
	if (cfg->password_file[0])
		probe_read_password(cred, cfg->password_file);
}

struct mysqlmon *mysqlmon_start(struct event_base *base, const struct xlbd_mysql *cfg)
{
	static const struct timeval now = { 0, 0 };
	struct mysqlmon *m = calloc(1, sizeof(*m));
	char why[MYSQL_WHY_LEN];

	if (!m)
		return NULL;
	m->base = base;
	m->cfg = *cfg;
	m->timeout_ms = m->cfg.interval_ms * 9 / 10;
	if (m->timeout_ms > MYSQLMON_MAX_TIMEOUT_MS)
		m->timeout_ms = MYSQLMON_MAX_TIMEOUT_MS;
	if (m->timeout_ms < 1)
		m->timeout_ms = 1;
	/* pointers into m's own copy of the config, which lives as long as m */
	read_credentials(&m->cfg, &m->cred);
	if (m->cred.password_err) {
		probe_password_why(&m->cred, why, sizeof(why));
		pr_warn("mysql: %s; every check fails until it is readable and xlbd reloaded\n",
			why);
	}
	m->tick = evtimer_new(base, on_tick, m);
	if (!m->tick)
		goto fail;
	for (unsigned int i = 0; i < m->cfg.nr_nodes; i++) {
		struct node *n = &m->nodes[i];

		n->m = m;
		n->ep = m->cfg.nodes[i];
		mysql_format_endpoint(&n->ep, n->name, sizeof(n->name));
		xlb_sockaddr(&n->ep.ip, n->ep.port, &n->sa);
		n->obs.lag_s = n->last.lag_s = -1;
		n->deadline = evtimer_new(base, on_check_deadline, n);
		if (!n->deadline)
			goto fail;
	}
	for (unsigned int i = 0; i < m->cfg.nr_splitters; i++) {
		m->splitters[i] = splitter_new(base, m->cfg.splitters[i]);
		if (!m->splitters[i])
			goto fail;
	}
	evtimer_add(m->tick, &now);
	pr_info("mysql: monitoring %u node%s every %u ms, informing %u splitter%s\n",
		m->cfg.nr_nodes, m->cfg.nr_nodes == 1 ? "" : "s", m->cfg.interval_ms,
		m->cfg.nr_splitters, m->cfg.nr_splitters == 1 ? "" : "s");
	return m;
fail:
	mysqlmon_stop(m);
	errno = ENOMEM;
	return NULL;
}

void mysqlmon_stop(struct mysqlmon *m)
{
	if (!m)
		return;
	for (unsigned int i = 0; i < m->cfg.nr_nodes; i++) {
		struct node *n = &m->nodes[i];

		/* a check under way is abandoned: its callbacks never run */
		mysql_conn_close(&n->conn, n->in_flight);
		if (n->deadline)
			event_free(n->deadline);
	}
	for (unsigned int i = 0; i < m->cfg.nr_splitters; i++)
		splitter_free(m->splitters[i]);
	if (m->tick)
		event_free(m->tick);
	explicit_bzero(m->cred.password, sizeof(m->cred.password));
	free(m);
}

static bool same_config(const struct mysqlmon *m, const struct xlbd_mysql *cfg)
{
	const struct xlbd_mysql *a = &m->cfg;
	struct probe_spec cred;
	bool same;

	if (!cfg->present || a->nr_nodes != cfg->nr_nodes || a->nr_splitters != cfg->nr_splitters ||
	    a->interval_ms != cfg->interval_ms || strcmp(a->user, cfg->user) ||
	    strcmp(a->password_file, cfg->password_file))
		return false;
	for (unsigned int i = 0; i < a->nr_nodes; i++)
		if (!mysql_endpoint_equal(&a->nodes[i], &cfg->nodes[i]))
			return false;
	for (unsigned int i = 0; i < a->nr_splitters; i++)
		if (strcmp(a->splitters[i], cfg->splitters[i]))
			return false;
	/* the same file may hold a new password */
	read_credentials(cfg, &cred);
	same = cred.password_err == m->cred.password_err &&
	       !strcmp(cred.password, m->cred.password);
	explicit_bzero(cred.password, sizeof(cred.password));
	return same;
}

int mysqlmon_apply(struct mysqlmon **m, struct event_base *base, const struct xlbd_mysql *cfg)
{
	if (*m && same_config(*m, cfg))
		return 0;
	if (*m)
		pr_info("mysql: %s\n", cfg->present ? "restarting with the new [mysql] section"
						    : "no [mysql] section any more: stopped");
	mysqlmon_stop(*m);
	*m = NULL;
	if (!cfg->present)
		return 0;
	*m = mysqlmon_start(base, cfg);
	return *m ? 0 : -ENOMEM;
}

unsigned int mysqlmon_nr_nodes(const struct mysqlmon *m)
{
	return m->cfg.nr_nodes;
}

void mysqlmon_node(const struct mysqlmon *m, unsigned int i, struct mysqlmon_node_status *out)
{
	const struct node *n = &m->nodes[i];

	*out = (struct mysqlmon_node_status){ .checked = m->rounds > 0,
					      .obs = &n->last,
					      .verdict = &m->verdicts[i],
					      .checks_ok = n->checks_ok,
					      .checks_failed = n->checks_failed,
					      .latency_us = n->latency_us };
	memcpy(out->addr, n->name, sizeof(out->addr));
}

unsigned int mysqlmon_nr_splitters(const struct mysqlmon *m)
{
	return m->cfg.nr_splitters;
}

const struct splitter *mysqlmon_splitter(const struct mysqlmon *m, unsigned int i)
{
	return m->splitters[i];
}

unsigned long mysqlmon_rounds(const struct mysqlmon *m)
{
	return m->rounds;
}
