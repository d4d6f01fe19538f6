// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "addr.h"
#include "endpoint.h"
#include "log.h"
#include "splitter.h"

/* A line of a reply longer than this is not the admin protocol. */
#define LINE_MAX_LEN 4096
/* Commands of one push: a lag and a role per server; the splitter may list a node twice. */
#define MAX_CMDS (4 * XLBD_MAX_MYSQL_NODES)
#define CMD_LEN 160
#define SERVER_NAME_LEN 64
#define ERR_LEN 256

enum state {
	ST_IDLE,
	ST_SHOW,  /* `show servers` sent, reading its reply */
	ST_SET,	  /* cmds[next_cmd - 1] sent, reading its reply */
	ST_STATS, /* `show stats` sent, reading its reply */
};

struct splitter {
	struct event_base *base;
	char name[XLBD_SOCK_PATH_LEN]; /* as configured */
	struct xlb_endpoint ep;
	struct bufferevent *bev;
	struct event *deadline;
	enum state state;
	/* the push under way */
	struct splitter_node nodes[XLBD_MAX_MYSQL_NODES];
	unsigned int nr_nodes;
	bool listed[XLBD_MAX_MYSQL_NODES];
	bool have_header, in_reply;
	int col_name, col_addr, col_role, col_lag;
	/* two passes: demotions first, promotions to primary last, so that for a moment there
	 * is no primary rather than two */
	char cmds[MAX_CMDS][CMD_LEN];
	unsigned int nr_cmds, nr_promotions, next_cmd;
	char promotions[XLBD_MAX_MYSQL_NODES][CMD_LEN];
	bool answered_err;
	/* `show stats` of the push under way: parsed line by line, kept only when all parsed */
	struct splitter_stats cur;
	bool stats_bad;
	char stats_why[ERR_LEN];
	/* the next push, when one was asked for while this one ran */
	bool queued;
	struct splitter_node queued_nodes[XLBD_MAX_MYSQL_NODES];
	unsigned int queued_n;
	int queued_timeout_ms;
	/* said once, until it changes */
	bool said_down;
	bool said_unlisted[XLBD_MAX_MYSQL_NODES];
	char said_err[ERR_LEN];
	char said_stats[ERR_LEN];
	/* counters */
	bool reachable;
	unsigned long pushes, errors;
	bool have_stats;
	struct splitter_stats stats; /* the last `show stats` that parsed */
};

static void push_start(struct splitter *s, const struct splitter_node *nodes, unsigned int n,
		       int timeout_ms);

static void close_conn(struct splitter *s)
{
	if (s->bev)
		bufferevent_free(s->bev);
	s->bev = NULL;
	if (s->deadline)
		evtimer_del(s->deadline);
	s->state = ST_IDLE;
}

/* Ends the push: reached says whether the dialogue got through (ERR answers or not). */
static void push_end(struct splitter *s, bool reached, const char *why)
{
	close_conn(s);
	s->pushes++;
	s->reachable = reached;
	if (!reached || s->answered_err)
		s->errors++;
	if (!reached && !s->said_down) {
		pr_warn("splitter %s: cannot push roles: %s; retrying every interval (said once)\n",
			s->name, why);
		s->said_down = true;
	} else if (reached && s->said_down) {
		pr_info("splitter %s: reachable again\n", s->name);
		s->said_down = false;
	}
	if (reached && !s->answered_err)
		s->said_err[0] = '\0';
	if (s->queued) {
		s->queued = false;
		push_start(s, s->queued_nodes, s->queued_n, s->queued_timeout_ms);
	}
}

static void send_line(struct splitter *s, const char *line)
{
	pr_debug("splitter %s: > %s\n", s->name, line);
	if (bufferevent_write(s->bev, line, strlen(line)) || bufferevent_write(s->bev, "\n", 1))
		push_end(s, false, "out of memory");
}

/* Sends the next command, or ends the push when all are answered. */
static void next_cmd(struct splitter *s)
{
	const char *cmd;

	if (s->next_cmd == s->nr_cmds + s->nr_promotions) {
		/* the roles are in; the counters last, so that they never delay a role */
		splitter_stats_init(&s->cur);
		s->stats_bad = false;
		s->state = ST_STATS;
		send_line(s, "show stats");
		return;
	}
	cmd = s->next_cmd < s->nr_cmds ? s->cmds[s->next_cmd]
				       : s->promotions[s->next_cmd - s->nr_cmds];
	s->next_cmd++;
	s->state = ST_SET;
	if (!strncmp(cmd, "set server ", 11) && strstr(cmd, " role "))
		pr_info("splitter %s: %s\n", s->name, cmd);
	send_line(s, cmd);
}

/* Splits line in place at tabs into at most max fields; returns how many. */
static int split_tabs(char *line, char **fields, int max)
{
	int n = 0;

	while (n < max) {
		fields[n++] = line;
		line = strchr(line, '\t');
		if (!line)
			break;
		*line++ = '\0';
	}
	return n;
}

static int column(char **fields, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(fields[i], name))
			return i;
	return -1;
}

static void add_cmd(struct splitter *s, bool promotion, const char *name, const char *what,
		    const char *value)
{
	char *cmd;

	if (promotion && s->nr_promotions < XLBD_MAX_MYSQL_NODES)
		cmd = s->promotions[s->nr_promotions++];
	else if (!promotion && s->nr_cmds < MAX_CMDS)
		cmd = s->cmds[s->nr_cmds++];
	else
		return; /* a splitter listing a node many times: the rest at the next push */
	snprintf(cmd, CMD_LEN, "set server %s %s %s", name, what, value);
}

/* A name that fits one word of a command line. */
static bool good_name(const char *name)
{
	return *name && strlen(name) < SERVER_NAME_LEN && !strpbrk(name, " \t\r\n");
}

/* One row of `show servers`: the commands for every node at its address. */
static void server_row(struct splitter *s, char *line)
{
	char *f[32], lag[16], *end;
	int n = split_tabs(line, f, 32);
	struct xlbd_endpoint addr;
	const char *name, *role, *want;
	long has_lag;

	if (s->col_name >= n || s->col_addr >= n)
		return;
	name = f[s->col_name];
	if (mysql_parse_endpoint(f[s->col_addr], &addr) || !good_name(name))
		return; /* a name, not an address: never one of ours */
	role = s->col_role >= 0 && s->col_role < n ? f[s->col_role] : "";
	has_lag = -1;
	if (s->col_lag >= 0 && s->col_lag < n) {
		errno = 0;
		has_lag = strtol(f[s->col_lag], &end, 10);
		if (errno || end == f[s->col_lag] || has_lag < 0)
			has_lag = -1;
	}
	for (unsigned int i = 0; i < s->nr_nodes; i++) {
		const struct splitter_node *nd = &s->nodes[i];
		unsigned int lag_s = nd->role == MYSQL_ROLE_REPLICA ? nd->lag_s : 0;

		if (!mysql_endpoint_equal(&nd->addr, &addr))
			continue;
		s->listed[i] = true;
		want = mysql_role_name(nd->role);
		/* the lag before the role: a replica never serves reads with an old lag */
		if (nd->role != MYSQL_ROLE_OFFLINE && has_lag != (long)lag_s) {
			snprintf(lag, sizeof(lag), "%u", lag_s);
			add_cmd(s, false, name, "lag", lag);
		}
		if (strcmp(role, want))
			add_cmd(s, nd->role == MYSQL_ROLE_PRIMARY, name, "role", want);
	}
}

/* The end of `show servers`: the nodes it did not list are said once. */
static void servers_listed(struct splitter *s)
{
	char addr[XLB_VIP_STRLEN];

	for (unsigned int i = 0; i < s->nr_nodes; i++) {
		if (s->listed[i]) {
			s->said_unlisted[i] = false;
			continue;
		}
		if (s->said_unlisted[i])
			continue;
		mysql_format_endpoint(&s->nodes[i].addr, addr, sizeof(addr));
		pr_info("splitter %s: has no server at %s; skipping it (said once)\n", s->name,
			addr);
		s->said_unlisted[i] = true;
	}
	s->next_cmd = 0;
	next_cmd(s);
}

static void show_line(struct splitter *s, char *line)
{
	char *f[32];
	int n;

	if (!s->have_header) {
		if (!strncmp(line, "ERR", 3)) {
			push_end(s, false, line);
			return;
		}
		n = split_tabs(line, f, 32);
		s->col_name = column(f, n, "name");
		s->col_addr = column(f, n, "address");
		s->col_role = column(f, n, "role");
		s->col_lag = column(f, n, "lag");
		if (s->col_name < 0 || s->col_addr < 0) {
			push_end(s, false, "`show servers` has no name and address columns");
			return;
		}
		s->have_header = true;
		return;
	}
	server_row(s, line);
}

/* The first line of a reply to a `set`. */
static void set_answer(struct splitter *s, const char *line)
{
	const char *cmd = s->next_cmd <= s->nr_cmds ? s->cmds[s->next_cmd - 1]
						    : s->promotions[s->next_cmd - 1 - s->nr_cmds];

	if (!strcmp(line, "OK"))
		return;
	s->answered_err = true;
	/* the same refusal every interval is said once */
	if (strcmp(s->said_err, line)) {
		pr_warn("splitter %s: '%s' refused: %s\n", s->name, cmd, line);
		snprintf(s->said_err, sizeof(s->said_err), "%s", line);
	}
}

static void stats_line(struct splitter *s, const char *line)
{
	/* the first error is the one said; the rest of the reply is read and dropped */
	if (!s->stats_bad &&
	    splitter_stats_line(&s->cur, line, s->stats_why, sizeof(s->stats_why)) < 0)
		s->stats_bad = true;
}

/* The end of `show stats`, and of the push: the roles got through whatever the stats say. */
static void stats_done(struct splitter *s)
{
	if (!s->stats_bad && splitter_stats_end(&s->cur, s->stats_why, sizeof(s->stats_why)) < 0)
		s->stats_bad = true;
	if (!s->stats_bad) {
		s->stats = s->cur;
		s->have_stats = true;
		s->said_stats[0] = '\0';
	} else if (strcmp(s->said_stats, s->stats_why)) {
		/* the metrics keep the last counters that parsed */
		pr_warn("splitter %s: `show stats` not understood: %s; keeping the last counters "
			"(said once)\n",
			s->name, s->stats_why);
		snprintf(s->said_stats, sizeof(s->said_stats), "%s", s->stats_why);
	}
	push_end(s, true, "");
}

static void on_read(struct bufferevent *bev, void *ctx)
{
	struct splitter *s = ctx;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len;
	char *line;

	/* s->bev == bev: each line may end the push (and free bev) or even start the next one
	 * on a new connection */
	while (s->bev == bev && (line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF))) {
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if (!len) {
			/* the end of a reply */
			s->in_reply = false;
			free(line);
			if (s->state == ST_SHOW && !s->have_header)
				push_end(s, false, "empty reply to `show servers`");
			else if (s->state == ST_SHOW)
				servers_listed(s);
			else if (s->state == ST_STATS)
				stats_done(s);
			else
				next_cmd(s);
			continue;
		}
		if (s->state == ST_SHOW)
			show_line(s, line);
		else if (s->state == ST_STATS)
			stats_line(s, line);
		else if (!s->in_reply)
			set_answer(s, line);
		free(line);
		if (s->bev == bev)
			s->in_reply = true;
	}
	if (s->bev == bev && evbuffer_get_length(in) > LINE_MAX_LEN)
		push_end(s, false, "a reply line too long");
}

static void on_event(struct bufferevent *bev, short what, void *ctx)
{
	struct splitter *s = ctx;

	(void)bev;
	/* the splitter never closes first: a close is a push cut short */
	if (what & BEV_EVENT_EOF)
		push_end(s, false, "connection closed before the reply ended");
	else if (what & BEV_EVENT_ERROR)
		push_end(s, false, strerror(EVUTIL_SOCKET_ERROR()));
}

static void on_deadline(evutil_socket_t fd, short what, void *ctx)
{
	struct splitter *s = ctx;

	(void)fd, (void)what;
	push_end(s, false, "no answer in time");
}

/*
 * A non-blocking connection to the admin socket. A Unix socket connects at once or not at all
 * (EAGAIN, a full backlog, is retried at the next push like any other failure); TCP is
 * EINPROGRESS, and its outcome comes as the first write or read (an error event, or the
 * push's deadline for a SYN nobody answers).
 */
static int connect_admin(const struct xlb_endpoint *ep)
{
	struct sockaddr_storage ss;
	socklen_t len = xlb_endpoint_sockaddr(ep, &ss);
	int fd, err;

	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, len) == 0 ||
	    (errno == EINPROGRESS && !xlb_endpoint_is_unix(ep)))
		return fd;
	err = -errno;
	close(fd);
	return err;
}

static void push_start(struct splitter *s, const struct splitter_node *nodes, unsigned int n,
		       int timeout_ms)
{
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	char why[160];
	int fd;

	if (n > XLBD_MAX_MYSQL_NODES)
		n = XLBD_MAX_MYSQL_NODES;
	memcpy(s->nodes, nodes, n * sizeof(*nodes));
	s->nr_nodes = n;
	memset(s->listed, 0, sizeof(s->listed));
	s->have_header = s->in_reply = s->answered_err = false;
	s->nr_cmds = s->nr_promotions = s->next_cmd = 0;
	fd = connect_admin(&s->ep);
	if (fd < 0) {
		snprintf(why, sizeof(why), "cannot connect: %s", strerror(-fd));
		push_end(s, false, why);
		return;
	}
	s->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!s->bev) {
		close(fd);
		push_end(s, false, "out of memory");
		return;
	}
	bufferevent_setcb(s->bev, on_read, NULL, on_event, s);
	bufferevent_enable(s->bev, EV_READ);
	evtimer_add(s->deadline, &tv);
	s->state = ST_SHOW;
	send_line(s, "show servers");
}

void splitter_push(struct splitter *s, const struct splitter_node *nodes, unsigned int n,
		   int timeout_ms)
{
	if (s->state != ST_IDLE) {
		if (n > XLBD_MAX_MYSQL_NODES)
			n = XLBD_MAX_MYSQL_NODES;
		memcpy(s->queued_nodes, nodes, n * sizeof(*nodes));
		s->queued_n = n;
		s->queued_timeout_ms = timeout_ms;
		s->queued = true;
		return;
	}
	push_start(s, nodes, n, timeout_ms);
}

struct splitter *splitter_new(struct event_base *base, const char *admin)
{
	struct splitter *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	if (strlen(admin) >= sizeof(s->name) || xlb_endpoint_parse(admin, &s->ep) < 0) {
		free(s);
		return NULL;
	}
	s->base = base;
	snprintf(s->name, sizeof(s->name), "%s", admin);
	s->deadline = evtimer_new(base, on_deadline, s);
	if (!s->deadline) {
		free(s);
		return NULL;
	}
	return s;
}

void splitter_free(struct splitter *s)
{
	if (!s)
		return;
	s->queued = false;
	close_conn(s);
	event_free(s->deadline);
	free(s);
}

const char *splitter_name(const struct splitter *s)
{
	return s->name;
}

const struct splitter_stats *splitter_stats(const struct splitter *s)
{
	return s->have_stats ? &s->stats : NULL;
}

bool splitter_reachable(const struct splitter *s)
{
	return s->reachable;
}

unsigned long splitter_push_errors(const struct splitter *s)
{
	return s->errors;
}

unsigned long splitter_pushes(const struct splitter *s)
{
	return s->pushes;
}

bool splitter_busy(const struct splitter *s)
{
	return s->state != ST_IDLE;
}

/* ---- `show stats` ---- */

static const char *const counter_keys[SPLITTER_NR_COUNTERS] = {
	[SPLITTER_SESSIONS_OPEN] = "sessions_open",
	[SPLITTER_SESSIONS_TOTAL] = "sessions_total",
	[SPLITTER_STATEMENTS] = "statements",
	[SPLITTER_ERRORS] = "errors",
	[SPLITTER_AUTH_FAILURES] = "auth_failures",
	[SPLITTER_PROTOCOL_ERRORS] = "protocol_errors",
	[SPLITTER_CAUSAL_WAITS] = "causal_waits",
	[SPLITTER_CAUSAL_FALLBACKS] = "causal_fallbacks",
};

/* The per-server fields, "FIELD.NAME", in struct splitter_server_stats' seen bits. */
static const char *const server_fields[] = { "reads", "writes", "errors" };
#define NR_SERVER_FIELDS (sizeof(server_fields) / sizeof(server_fields[0]))

const char *splitter_counter_key(enum splitter_counter c)
{
	return c < SPLITTER_NR_COUNTERS ? counter_keys[c] : "?";
}

void splitter_stats_init(struct splitter_stats *st)
{
	memset(st, 0, sizeof(*st));
}

static unsigned long *server_field(struct splitter_server_stats *sv, unsigned int f)
{
	return f == 0 ? &sv->reads : f == 1 ? &sv->writes : &sv->errors;
}

/* "FIELD.NAME VALUE" of a server. */
static int server_line(struct splitter_stats *st, unsigned int f, const char *name, unsigned long v,
		       const char *line, char *why, size_t whylen)
{
	struct splitter_server_stats *sv = NULL;

	if (!good_name(name)) {
		snprintf(why, whylen, "bad server name in '%.64s': expected 1 to %d characters",
			 line, SERVER_NAME_LEN - 1);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < st->nr_servers && !sv; i++)
		if (!strcmp(st->servers[i].name, name))
			sv = &st->servers[i];
	if (!sv) {
		if (st->nr_servers == SPLITTER_MAX_SERVERS) {
			snprintf(why, whylen, "more than %d servers", SPLITTER_MAX_SERVERS);
			return -EINVAL;
		}
		sv = &st->servers[st->nr_servers++];
		snprintf(sv->name, sizeof(sv->name), "%s", name);
	}
	if (sv->seen & (1u << f)) {
		snprintf(why, whylen, "%s.%s given twice", server_fields[f], name);
		return -EINVAL;
	}
	sv->seen |= 1u << f;
	*server_field(sv, f) = v;
	return 0;
}

/* The VALUE of "KEY VALUE", a whole number. */
static int line_value(const char *line, const char *sp, unsigned long *v, char *why, size_t whylen)
{
	if (xlb_parse_uint(sp + 1, ~0ul, v) < 0) {
		snprintf(why, whylen, "bad value in '%.64s': expected a whole number", line);
		return -EINVAL;
	}
	return 0;
}

/* Keys this xlbd does not know are skipped before their value is read: a newer splitter may
 * show counters of another form. */
int splitter_stats_line(struct splitter_stats *st, const char *line, char *why, size_t whylen)
{
	char key[SPLITTER_NAME_LEN + 32];
	const char *sp = strchr(line, ' '), *dot;
	unsigned long v;
	size_t klen;

	if (!strncmp(line, "ERR", 3)) {
		snprintf(why, whylen, "the splitter answered '%.160s'", line);
		return -EINVAL;
	}
	klen = sp ? (size_t)(sp - line) : 0;
	if (!sp || !klen || klen >= sizeof(key)) {
		snprintf(why, whylen, "'%.64s' is not a line KEY VALUE", line);
		return -EINVAL;
	}
	memcpy(key, line, klen);
	key[klen] = '\0';
	dot = strchr(key, '.');
	if (dot) {
		for (unsigned int f = 0; f < NR_SERVER_FIELDS; f++)
			if (strlen(server_fields[f]) == (size_t)(dot - key) &&
			    !strncmp(key, server_fields[f], dot - key))
				return line_value(line, sp, &v, why, whylen)
					       ?: server_line(st, f, dot + 1, v, line, why, whylen);
		return 0; /* a per-server counter of a newer splitter */
	}
	for (int c = 0; c < SPLITTER_NR_COUNTERS; c++) {
		if (strcmp(key, counter_keys[c]))
			continue;
		if (st->seen & (1u << c)) {
			snprintf(why, whylen, "%s given twice", key);
			return -EINVAL;
		}
		if (line_value(line, sp, &v, why, whylen) < 0)
			return -EINVAL;
		st->seen |= 1u << c;
		st->counters[c] = v;
		return 0;
	}
	return 0; /* a counter of a newer splitter */
}

int splitter_stats_end(const struct splitter_stats *st, char *why, size_t whylen)
{
	for (int c = 0; c < SPLITTER_NR_COUNTERS; c++)
		if (!(st->seen & (1u << c))) {
			snprintf(why, whylen, "no %s", counter_keys[c]);
			return -EINVAL;
		}
	for (unsigned int i = 0; i < st->nr_servers; i++)
		for (unsigned int f = 0; f < NR_SERVER_FIELDS; f++)
			if (!(st->servers[i].seen & (1u << f))) {
				snprintf(why, whylen, "no %s.%s", server_fields[f],
					 st->servers[i].name);
				return -EINVAL;
			}
	return 0;
}

int splitter_stats_parse(const char *reply, struct splitter_stats *st, char *why, size_t whylen)
{
	char line[LINE_MAX_LEN + 1];
	const char *p = reply, *nl;
	size_t len;
	int err;

	splitter_stats_init(st);
	for (;;) {
		nl = strchr(p, '\n');
		if (!nl) {
			snprintf(why, whylen,
				 "the reply is cut short: expected an empty line at its end");
			return -EINVAL;
		}
		len = nl - p;
		if (len && p[len - 1] == '\r')
			len--;
		if (!len)
			break;
		if (len > LINE_MAX_LEN) {
			snprintf(why, whylen, "a line of %zu bytes: expected at most %d", len,
				 LINE_MAX_LEN);
			return -EINVAL;
		}
		memcpy(line, p, len);
		line[len] = '\0';
		err = splitter_stats_line(st, line, why, whylen);
		if (err)
			return err;
		p = nl + 1;
	}
	if (nl[1]) {
		snprintf(why, whylen, "text after the reply's empty line");
		return -EINVAL;
	}
	return splitter_stats_end(st, why, whylen);
}
