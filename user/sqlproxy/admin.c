// SPDX-License-Identifier: GPL-2.0-only
/* The admin socket: its commands (sp_admin_exec), its listener and connections. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "addr.h"
#include "admin.h"
#include "endpoint.h"
#include "inifile.h"
#include "log.h"
#include "session.h"

/* Bounds on what admin clients can make the proxy hold: xlbd needs one connection. */
#define ADMIN_MAX_CONNS 32
#define ADMIN_OUT_MAX (256 * 1024) /* replies queued before reading more commands */
/* The longest command has 5 words; a sixth means too many. */
#define ADMIN_MAX_WORDS 6
#define ADMIN_MAX_LAG 1000000000ul /* admin.h's; far beyond any max_lag, still an unsigned int */

unsigned int sp_admin_idle_ms = SP_ADMIN_IDLE_MS;

#define ADMIN_USAGE                                                      \
	"show servers, show stats, show sessions, set server NAME role " \
	"primary|replica|offline, set server NAME lag SECONDS or help"

/* ---- commands ---- */

/* Ends a reply: the empty line that tells the client it is complete. */
static void reply_end(struct evbuffer *out)
{
	evbuffer_add(out, "\n", 1);
}

__attribute__((format(printf, 2, 3))) static void reply_err(struct evbuffer *out, const char *fmt,
							    ...)
{
	va_list ap;

	evbuffer_add(out, "ERR: ", 5);
	va_start(ap, fmt);
	evbuffer_add_vprintf(out, fmt, ap);
	va_end(ap);
	evbuffer_add(out, "\n\n", 2);
}

/* A table field: "-" for none, control characters (a client's tab or newline) as '?'. */
static void put_field(struct evbuffer *out, const char *s, char sep)
{
	if (!s || !*s) {
		evbuffer_add(out, "-", 1);
	} else {
		for (const char *c = s; *c; c++) {
			char ch = ((unsigned char)*c < 0x20 || *c == 0x7f) ? '?' : *c;

			evbuffer_add(out, &ch, 1);
		}
	}
	evbuffer_add(out, &sep, 1);
}

static const char *server_name(const struct sp_proxy *p, int idx)
{
	return idx >= 0 && (unsigned int)idx < p->cfg.nr_servers ? p->cfg.servers[idx].name : NULL;
}

static void show_servers(struct sp_proxy *p, struct evbuffer *out)
{
	int64_t now = sp_now_ms();

	evbuffer_add_printf(out, "name\taddress\trole\tlag\tstate\treads\twrites\terrors\topen\n");
	for (unsigned int i = 0; i < p->cfg.nr_servers; i++) {
		const struct sp_server *s = &p->cfg.servers[i];

		evbuffer_add_printf(
			out, "%s\t%s\t%s\t%u\t%s\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%u\n",
			s->name, s->address, sp_role_name(s->role), s->lag_s,
			s->down_until_ms > now ? "down" : "up", s->stats.reads, s->stats.writes,
			s->stats.errors, s->stats.open);
	}
	reply_end(out);
}

static void show_stats(struct sp_proxy *p, struct evbuffer *out)
{
	const struct sp_stats *st = &p->stats;

	evbuffer_add_printf(
		out,
		"sessions_open %u\nsessions_total %" PRIu64 "\nstatements %" PRIu64
		"\nerrors %" PRIu64 "\nauth_failures %" PRIu64 "\nprotocol_errors %" PRIu64
		"\ncausal_waits %" PRIu64 "\ncausal_fallbacks %" PRIu64 "\n",
		st->sessions_open, st->sessions_total, st->statements, st->errors,
		st->auth_failures, st->protocol_errors, st->causal_waits, st->causal_fallbacks);
	for (unsigned int i = 0; i < p->cfg.nr_servers; i++) {
		const struct sp_server *s = &p->cfg.servers[i];

		evbuffer_add_printf(
			out, "reads.%s %" PRIu64 "\nwrites.%s %" PRIu64 "\nerrors.%s %" PRIu64 "\n",
			s->name, s->stats.reads, s->name, s->stats.writes, s->name,
			s->stats.errors);
	}
	reply_end(out);
}

static void show_sessions(struct sp_proxy *p, struct evbuffer *out)
{
	const struct sp_session *s;

	evbuffer_add_printf(
		out, "id\tpeer\tuser\tdb\tstate\tprimary\treplica\tin_trans\tpinned\tstatements\n");
	TAILQ_FOREACH(s, &p->sessions, link)
	{
		evbuffer_add_printf(out, "%" PRIu32 "\t", s->id);
		put_field(out, s->peer, '\t');
		put_field(out, s->user, '\t');
		put_field(out, s->db, '\t');
		put_field(out, s->state, '\t');
		put_field(out, server_name(p, s->primary), '\t');
		put_field(out, server_name(p, s->replica), '\t');
		put_field(out, s->in_trans ? "yes" : "no", '\t');
		put_field(out, s->pinned, '\t');
		evbuffer_add_printf(out, "%" PRIu64 "\n", s->statements);
	}
	reply_end(out);
}

static void help(struct evbuffer *out)
{
	evbuffer_add_printf(out, "show servers\tservers: role, lag, state and counters\n"
				 "show stats\tthe proxy's counters, and each server's\n"
				 "show sessions\tclient sessions and where they are connected\n"
				 "set server NAME role primary|replica|offline\tfrom the next "
				 "statement of each session\n"
				 "set server NAME lag SECONDS\treplication lag, against max_lag\n"
				 "help\tthis list\n");
	reply_end(out);
}

static void set_server(struct sp_proxy *p, char **w, int n, struct evbuffer *out)
{
	struct sp_server *s;
	unsigned long lag;
	enum sp_role role;

	if (n != 5 || strcmp(w[1], "server") || (strcmp(w[3], "role") && strcmp(w[3], "lag"))) {
		reply_err(out,
			  "bad set command: expected set server NAME role primary|replica|offline "
			  "or set server NAME lag SECONDS");
		return;
	}
	s = sp_server_find(p, w[2]);
	if (!s) {
		reply_err(out, "unknown server '%s': expected a [server NAME] of the config", w[2]);
		return;
	}
	if (!strcmp(w[3], "role")) {
		if (sp_role_parse(w[4], &role) < 0) {
			reply_err(out,
				  "bad role '%s': expected set server NAME role "
				  "primary|replica|offline",
				  w[4]);
			return;
		}
		/*
		 * A second primary is allowed: xlbd switches over in two steps (the new primary
		 * first, then the old one to replica or offline), and refusing the first step
		 * would leave it no order that works. Sessions pick up the change at their
		 * next statement.
		 */
		if (role != s->role)
			pr_info("admin: server %s role %s -> %s\n", s->name, sp_role_name(s->role),
				sp_role_name(role));
		s->role = role;
	} else {
		if (xlb_parse_uint(w[4], ADMIN_MAX_LAG, &lag) < 0) {
			reply_err(out,
				  "bad lag '%s': expected set server NAME lag SECONDS, a whole "
				  "number from 0 to %lu",
				  w[4], ADMIN_MAX_LAG);
			return;
		}
		s->lag_s = lag;
	}
	evbuffer_add(out, "OK\n\n", 4);
}

void sp_admin_exec(struct sp_proxy *p, const char *line, struct evbuffer *out)
{
	char buf[SP_ADMIN_LINE_MAX + 1], *w[ADMIN_MAX_WORDS];
	size_t len = strlen(line);
	int n;

	if (len > SP_ADMIN_LINE_MAX) {
		reply_err(out, "line too long (%zu bytes): expected at most %d", len,
			  SP_ADMIN_LINE_MAX);
		return;
	}
	memcpy(buf, line, len + 1);
	n = xlb_ini_split_words(buf, w, ADMIN_MAX_WORDS - 1);
	if (n == 0)
		return; /* an empty line: nothing asked, nothing to answer */
	if (!strcmp(w[0], "show") && n == 2 && !strcmp(w[1], "servers"))
		show_servers(p, out);
	else if (!strcmp(w[0], "show") && n == 2 && !strcmp(w[1], "stats"))
		show_stats(p, out);
	else if (!strcmp(w[0], "show") && n == 2 && !strcmp(w[1], "sessions"))
		show_sessions(p, out);
	else if (!strcmp(w[0], "show"))
		reply_err(out, "bad show command: expected show servers, show stats or show "
			       "sessions");
	else if (!strcmp(w[0], "set"))
		set_server(p, w, n, out);
	else if (!strcmp(w[0], "help") && n == 1)
		help(out);
	else
		reply_err(out, "unknown command '%s': expected " ADMIN_USAGE, w[0]);
}

/* ---- connections ---- */

struct admin_conn {
	TAILQ_ENTRY(admin_conn) link;
	struct sp_proxy *p;
	struct bufferevent *bev;
	bool paused;  /* replies piled up: reading waits until they are sent */
	bool eof;     /* the client sent all it will */
	bool closing; /* its last reply is queued: close once it is sent */
};

struct sp_admin {
	TAILQ_HEAD(, admin_conn) conns;
	unsigned int nr_conns;
	bool is_unix; /* else TCP: no file to remove */
	dev_t dev;    /* the socket file we bound: close removes only that one */
	ino_t ino;
};

static void conn_free(struct admin_conn *c)
{
	struct sp_admin *a = c->p->admin;

	TAILQ_REMOVE(&a->conns, c, link);
	a->nr_conns--;
	bufferevent_free(c->bev);
	free(c);
}

/* The connection ends once what is queued is sent: now, or from the write callback. c may be
 * gone on return. */
static void conn_finish(struct admin_conn *c)
{
	c->closing = true;
	bufferevent_disable(c->bev, EV_READ);
	if (!evbuffer_get_length(bufferevent_get_output(c->bev)))
		conn_free(c);
}

/* After EOF, what is left without a newline is a last command (`printf 'show stats' | socat
 * ...`). libevent keeps the end of an input buffer to itself, so it is taken out whole. */
static char *last_line(struct evbuffer *in, size_t *len)
{
	char *line;

	*len = evbuffer_get_length(in);
	line = malloc(*len + 1);
	if (!line)
		return NULL;
	evbuffer_remove(in, line, *len);
	if (*len && line[*len - 1] == '\r')
		(*len)--;
	line[*len] = '\0';
	return line;
}

/* Runs the complete lines received (and after EOF, a last one without its newline). c may be
 * gone on return. */
static void conn_run(struct admin_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer *out = bufferevent_get_output(c->bev);
	size_t len;
	char *line;

	while (!c->closing) {
		/* a client that sends without reading waits until its replies are taken */
		if (evbuffer_get_length(out) >= ADMIN_OUT_MAX) {
			c->paused = true;
			bufferevent_disable(c->bev, EV_READ);
			return;
		}
		line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF);
		if (!line) {
			len = evbuffer_get_length(in);
			/* + 1: the '\r' of a CRLF whose '\n' has not come yet */
			if (len > SP_ADMIN_LINE_MAX + 1) {
				reply_err(out, "line too long: expected at most %d bytes a command",
					  SP_ADMIN_LINE_MAX);
				break;
			}
			if (!c->eof)
				return;
			if (!len || !(line = last_line(in, &len)))
				break;
		}
		if (len > SP_ADMIN_LINE_MAX) {
			reply_err(out, "line too long (%zu bytes): expected at most %d", len,
				  SP_ADMIN_LINE_MAX);
			free(line);
			break;
		}
		if (strlen(line) != len) {
			reply_err(out, "NUL byte in a command: expected text");
			free(line);
			break;
		}
		sp_admin_exec(c->p, line, out);
		free(line);
	}
	conn_finish(c);
}

static void conn_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	conn_run(arg);
}

static void conn_write(struct bufferevent *bev, void *arg)
{
	struct admin_conn *c = arg;

	if (c->closing) {
		if (!evbuffer_get_length(bufferevent_get_output(bev)))
			conn_free(c);
		return;
	}
	if (c->paused) {
		/* the replies went out: read again, and run what came meanwhile */
		c->paused = false;
		if (!c->eof)
			bufferevent_enable(bev, EV_READ);
		conn_run(c);
	}
}

static void conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct admin_conn *c = arg;

	(void)bev;
	/* a timeout: idle for sp_admin_idle_ms, or its replies not taken for as long */
	if (what & (BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
		conn_free(c);
	} else if (what & BEV_EVENT_EOF) {
		/* a half-close (shutdown(SHUT_WR), as socat does): answer, then close */
		c->eof = true;
		if (!c->paused)
			conn_run(c);
	}
}

static void admin_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
			 int salen, void *arg)
{
	struct sp_proxy *p = arg;
	struct sp_admin *a = p->admin;
	struct timeval idle = { sp_admin_idle_ms / 1000, (sp_admin_idle_ms % 1000) * 1000 };
	struct admin_conn *c;

	(void)l;
	(void)sa;
	(void)salen;
	c = calloc(1, sizeof(*c));
	if (c)
		c->bev = bufferevent_socket_new(p->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!c || !c->bev) {
		free(c);
		evutil_closesocket(fd);
		pr_warn("admin: out of memory for a connection\n");
		return;
	}
	c->p = p;
	TAILQ_INSERT_TAIL(&a->conns, c, link);
	a->nr_conns++;
	bufferevent_setcb(c->bev, conn_read, conn_write, conn_event, c);
	bufferevent_set_timeouts(c->bev, &idle, &idle);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	if (a->nr_conns > ADMIN_MAX_CONNS) {
		reply_err(bufferevent_get_output(c->bev),
			  "too many admin connections: expected at most %d at once",
			  ADMIN_MAX_CONNS);
		conn_finish(c);
	}
}

/* ---- the socket ---- */

/* mkdir -p of path's parent directory. */
static int make_parent(const char *path, char *err, size_t errlen)
{
	char dir[sizeof(((struct sockaddr_un *)NULL)->sun_path)];
	size_t len = strlen(path);
	char *slash;

	if (len >= sizeof(dir))
		return -ENAMETOOLONG; /* sp_admin_open said so already */
	memcpy(dir, path, len + 1);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0; /* in the working directory, or in / */
	*slash = '\0';
	/* each ancestor in turn, from the top; those that exist say EEXIST */
	for (char *p = dir + 1;; p++) {
		char c = *p;

		if (c && c != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			int e = errno;

			snprintf(err, errlen, "%s: cannot create directory %s: %s", path, dir,
				 strerror(e));
			return -e;
		}
		*p = c;
		if (!c)
			return 0;
	}
}

/* What is at path already: 0 when nothing (any more), or -errno with the reason. */
static int clear_stale(const char *path, const struct sockaddr_un *sun, char *err, size_t errlen)
{
	struct stat st;
	int fd, ret, e;

	if (lstat(path, &st) < 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen,
			 "%s exists and is not a socket: expected a free path for the admin socket "
			 "(remove it or change admin in [proxy])",
			 path);
		return -EEXIST;
	}
	/* non-blocking: a live proxy with a full backlog says EAGAIN instead of keeping us */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "%s: cannot create a socket: %s", path, strerror(e));
		return -e;
	}
	/* a live proxy answers at once; a stale socket file refuses (nobody listens on it) */
	ret = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	e = errno;
	close(fd);
	if (ret == 0 || e == EAGAIN) {
		snprintf(err, errlen,
			 "%s is already in use by another xlb-sqlproxy: expected one proxy per "
			 "admin socket (stop it or change admin in [proxy])",
			 path);
		return -EADDRINUSE;
	}
	if (e != ECONNREFUSED && e != ENOENT) {
		snprintf(err, errlen, "%s: cannot tell whether the socket is in use: %s", path,
			 strerror(e));
		return -e;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		e = errno;
		snprintf(err, errlen, "%s: cannot remove the stale socket: %s", path, strerror(e));
		return -e;
	}
	pr_info("%s: removed a stale admin socket\n", path);
	return 0;
}

/* A TCP admin: bound and listening, or -errno with the reason. */
static int open_tcp(const char *where, const struct xlb_endpoint *ep, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len = xlb_endpoint_sockaddr(ep, &ss);
	int fd, one = 1, ret;

	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot create a socket: %s", where, strerror(-ret));
		return ret;
	}
	/* a restarted proxy gets its port back while xlbd's last connections are in TIME_WAIT */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, len) < 0) {
		ret = -errno;
		snprintf(err, errlen,
			 "%s: cannot bind the admin socket: %s (expected a free port on an address "
			 "of this machine)",
			 where, strerror(-ret));
		close(fd);
		return ret;
	}
	if (listen(fd, 16) < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot listen: %s", where, strerror(-ret));
		close(fd);
		return ret;
	}
	return fd;
}

/* A Unix admin: bound (mode 0600) and listening, or -errno with the reason; a records the
 * file's identity for sp_admin_close. */
static int open_unix(const char *path, struct sp_admin *a, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old_umask;
	int fd, ret, e;

	if (!*path || strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: bad admin socket path: expected 1 to %zu characters",
			 path, sizeof(sun.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	ret = make_parent(path, err, errlen);
	if (ret)
		return ret;
	ret = clear_stale(path, &sun, err, errlen);
	if (ret)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot create a socket: %s", path, strerror(-ret));
		return ret;
	}
	/* bind creates the file with the umask applied: 0600 from its first moment, never a
	 * window in which another user could connect */
	old_umask = umask(0177);
	ret = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	e = errno;
	umask(old_umask);
	if (ret < 0) {
		snprintf(err, errlen, "%s: cannot bind the admin socket: %s", path, strerror(e));
		close(fd);
		return -e;
	}
	if (stat(path, &st) == 0) {
		a->dev = st.st_dev;
		a->ino = st.st_ino;
	}
	if (listen(fd, 16) < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot listen: %s", path, strerror(-ret));
		unlink(path);
		close(fd);
		return ret;
	}
	return fd;
}

int sp_admin_open(struct sp_proxy *p, char *err, size_t errlen)
{
	const char *where = p->cfg.admin;
	struct xlb_endpoint ep;
	struct sp_admin *a;
	int fd;

	/* the config checked it already; a struct filled by hand (the tests) may still be bad */
	if (xlb_endpoint_parse(where, &ep) < 0) {
		if (*where == '/' || !*where) {
			snprintf(err, errlen,
				 "%s: bad admin socket path: expected 1 to %d characters", where,
				 XLB_UNIX_PATH_MAX);
			return -ENAMETOOLONG;
		}
		snprintf(err, errlen, "bad admin '%s': expected " XLB_ENDPOINT_EXPECTED, where);
		return -EINVAL;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "%s: out of memory", where);
		return -ENOMEM;
	}
	TAILQ_INIT(&a->conns);
	a->is_unix = xlb_endpoint_is_unix(&ep);
	fd = a->is_unix ? open_unix(where, a, err, errlen) : open_tcp(where, &ep, err, errlen);
	if (fd < 0) {
		free(a);
		return fd;
	}
	p->admin = a;
	p->admin_listener = evconnlistener_new(
		p->base, admin_accept, p, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (!p->admin_listener) {
		snprintf(err, errlen, "%s: cannot listen with libevent", where);
		p->admin = NULL;
		if (a->is_unix)
			unlink(where);
		close(fd);
		free(a);
		return -ENOMEM;
	}
	return 0;
}

void sp_admin_close(struct sp_proxy *p)
{
	struct sp_admin *a = p->admin;
	struct stat st;

	if (p->admin_listener) {
		evconnlistener_free(p->admin_listener);
		p->admin_listener = NULL;
	}
	if (!a)
		return;
	while (!TAILQ_EMPTY(&a->conns))
		conn_free(TAILQ_FIRST(&a->conns));
	/* another proxy may have taken the path since (after ours looked stale to it) */
	if (a->is_unix && stat(p->cfg.admin, &st) == 0 && st.st_dev == a->dev &&
	    st.st_ino == a->ino)
		unlink(p->cfg.admin);
	free(a);
	p->admin = NULL;
}
