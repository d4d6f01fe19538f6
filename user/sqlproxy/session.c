// SPDX-License-Identifier: GPL-2.0-only
/*
 * Client sessions (session.h). A session logs the client in against the configured users,
 * then takes one command at a time: it decides where the command runs (the lexer's class,
 * the transaction state, pins, hints, the replicas' health and lag), makes sure the backend
 * connection there is open and has the session's state (SET, USE... replayed in order), for
 * causal reads waits until the replica has the session's last write, then sends the command
 * and relays the reply as it streams in.
 *
 * The session is a small state machine (enum step) advanced by run(): every step that waits
 * for a backend returns, and the backend's callback calls run() again.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <mysql/mysql.h>
#include <mysql/mysqld_error.h>

#include "backend.h"
#include "conn.h"
#include "lexer.h"
#include "log.h"
#include "protocol.h"
#include "relay.h"
#include "session.h"

/* What the proxy offers clients: what it relays faithfully. No TLS, compression, local
 * files, session tracking, DEPRECATE_EOF or MariaDB extensions (relay.h says why);
 * CLIENT_MYSQL (bit 0) is set, so MariaDB clients ask for no extended capabilities. */
#define OFFERED_CAPS                                                                           \
	(CLIENT_MYSQL | CLIENT_FOUND_ROWS | CLIENT_LONG_FLAG | CLIENT_CONNECT_WITH_DB |        \
	 CLIENT_IGNORE_SPACE | CLIENT_PROTOCOL_41 | CLIENT_INTERACTIVE | CLIENT_TRANSACTIONS | \
	 CLIENT_SECURE_CONNECTION | CLIENT_MULTI_STATEMENTS | CLIENT_MULTI_RESULTS |           \
	 CLIENT_PS_MULTI_RESULTS | CLIENT_PLUGIN_AUTH | CLIENT_CONNECT_ATTRS |                 \
	 CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA)
/* The client's wishes the servers must apply too. */
#define PASSED_CAPS \
	(CLIENT_FOUND_ROWS | CLIENT_IGNORE_SPACE | CLIENT_INTERACTIVE | CLIENT_MULTI_STATEMENTS)

#define GREETING_CHARSET 45 /* utf8mb4_general_ci */
#define MAX_LOGIN_PACKET 65536
/* A command is assembled whole (it is classified before it is sent); bigger ones are refused
 * like a server refuses them past max_allowed_packet. */
#define MAX_COMMAND (64u << 20)
/* Session state kept for replay: beyond this the session stays on the primary. */
#define MAX_STATE_ENTRIES 64
#define MAX_STATE_BYTES (64u << 10)
/* Relayed bytes waiting for a slow client: reading from the backend stops above HIGH and
 * resumes below LOW. */
#define CLIENT_OUT_HIGH (1u << 20)
#define CLIENT_OUT_LOW (256u << 10)
/* A client that does not finish its login within this is dropped. */
#define LOGIN_TIMEOUT_S 10
/* The proxy's own steps (replay, tracking, causal wait) get this much more than the server
 * needs before the backend counts as hung. */
#define STEP_MARGIN_MS 1000
/* A replica that could not be reached gets no reads for this long. */
#define DOWN_HOLD_MS 2000

enum { BK_PRIMARY, BK_REPLICA, NR_BK };

enum login_state {
	LOGIN_GREETED,	   /* waiting for the handshake response */
	LOGIN_SWITCHED,	   /* waiting for the answer to an auth switch */
	LOGIN_CHANGE_USER, /* COM_CHANGE_USER waiting for the answer to an auth switch */
	LOGGED_IN,
};

enum step {
	STEP_IDLE,    /* waiting for the client's next command */
	STEP_START,   /* about to work out what the command still needs */
	STEP_CONNECT, /* a backend logging in */
	STEP_REPLAY,  /* a session-state entry running on the backend */
	STEP_TRACK,   /* the primary told to report the session's last GTID in its OKs */
	STEP_WAIT,    /* the replica waiting for that GTID */
	STEP_REPLY,   /* the command running, its reply relayed */
};

struct state_entry {
	uint8_t *payload; /* a command: COM_QUERY "SET ...", "USE ..." or COM_INIT_DB */
	size_t len;
};

struct sp_session_priv {
	struct sp_conn *conn; /* the client's socket */
	enum login_state login;
	uint8_t scramble[MYSQL_SCRAMBLE_LEN];
	uint32_t caps; /* agreed with the client */
	char charset[32];
	char login_db[65];
	char pending_user[SP_NAME_LEN]; /* a login waiting for an auth switch answer */
	char pending_db[65];
	/* the user's credentials, copied: a reload may change the configured users */
	char password[SP_PASSWORD_LEN];

	struct sp_backend *bk[NR_BK];
	struct relay relay;
	enum step step;
	int target;	 /* BK_* the command runs on */
	int last_target; /* where the previous one ran (SHOW WARNINGS goes there) */

	/* the command being handled */
	struct evbuffer *cmd;
	uint8_t *cmd_p;
	size_t cmd_len;
	uint8_t seq; /* the next packet to the client */
	struct sql_class cls;
	enum relay_kind kind;
	bool records_state; /* on success it joins the session state */
	bool no_reply;	    /* COM_STMT_CLOSE, COM_STMT_SEND_LONG_DATA */

	struct state_entry *state;
	unsigned int nr_state, cap_state;
	size_t state_bytes;

	/* a replica refused this session's login: reads go to the primary until then */
	int64_t replica_refused_until;

	/* causal reads: a write went to the primary since the replica last caught up */
	bool need_causal, causal_missed;
	char gtid[sizeof(((struct relay *)0)->gtid)];

	struct event *login_timer;
	struct event *step_timer; /* bounds the proxy's own steps on a backend */
	bool prepared;		  /* the primary connection holds prepared statements */
	char collation[96];	  /* "SET NAMES cs COLLATE coll" when not the default, else "" */
	bool closing;
};

static void run(struct sp_session *s);
static void finish_command(struct sp_session *s);
static void client_read(void *ctx);

static struct evbuffer *client_out(struct sp_session *s)
{
	return sp_conn_out(s->priv->conn);
}

/* ---- closing ---- */

static void backend_drop(struct sp_session *s, int which)
{
	struct sp_backend *b = s->priv->bk[which];

	if (!b)
		return;
	s->priv->bk[which] = NULL;
	if (which == BK_PRIMARY)
		s->primary = -1;
	else
		s->replica = -1;
	sp_backend_close(b);
}

static void state_clear(struct sp_session *s)
{
	struct sp_session_priv *sp = s->priv;

	for (unsigned int i = 0; i < sp->nr_state; i++)
		free(sp->state[i].payload);
	sp->nr_state = 0;
	sp->state_bytes = 0;
}

static void session_free(struct sp_session *s)
{
	struct sp_session_priv *sp = s->priv;
	struct sp_proxy *p = s->proxy;

	backend_drop(s, BK_PRIMARY);
	backend_drop(s, BK_REPLICA);
	relay_end(&sp->relay);
	state_clear(s);
	free(sp->state);
	explicit_bzero(sp->password, sizeof(sp->password));
	if (sp->cmd)
		evbuffer_free(sp->cmd);
	if (sp->login_timer)
		event_free(sp->login_timer);
	if (sp->step_timer)
		event_free(sp->step_timer);
	sp_conn_free(sp->conn);
	TAILQ_REMOVE(&p->sessions, s, link);
	p->stats.sessions_open--;
	free(sp);
	free(s);
}

/* Ends the session once what it still has for the client is sent (client_drained). */
static void session_close(struct sp_session *s)
{
	struct sp_session_priv *sp = s->priv;

	if (sp->closing)
		return;
	sp->closing = true;
	s->state = "closing";
	backend_drop(s, BK_PRIMARY);
	backend_drop(s, BK_REPLICA);
	sp_conn_pause(sp->conn, true);
	sp_conn_notify_drained(sp->conn, 0);
}

/*
 * Error codes of the proxy's own ERR packets. Server codes only: Connector/C takes an ERR
 * packet with a client code (2000-2999, such as 2003 or 2013) for a malformed packet.
 */
enum proxy_error {
	ERR_OUT_OF_RESOURCES = 1041,
	ERR_ACCESS_DENIED = 1045,
	ERR_UNKNOWN_COMMAND = 1047,
	ERR_PACKET_TOO_LARGE = 1153,
	ERR_DEADLOCK = 1213,	   /* 40001: the application retries the transaction */
	ERR_READ_ONLY = 1290,	   /* what a write on a read-only server gets */
	ERR_FOREIGN_SOURCE = 1429, /* cannot connect to a backend */
	ERR_MALFORMED_PACKET = 1835,
	ERR_CONNECTION_KILLED = 1927, /* the backend connection went away mid-command */
};

static const char *sqlstate_of(uint16_t code)
{
	switch (code) {
	case ERR_ACCESS_DENIED:
		return "28000";
	case ERR_DEADLOCK:
		return "40001";
	case ERR_CONNECTION_KILLED:
		return "70100";
	case ERR_UNKNOWN_COMMAND:
	case ERR_PACKET_TOO_LARGE:
	case ERR_MALFORMED_PACKET:
		return "08S01";
	default:
		return "HY000";
	}
}

/* An ERR packet of the proxy's own to the client. */
static void send_err(struct sp_session *s, uint16_t code, const char *msg)
{
	s->proxy->stats.errors++;
	mysql_write_err(client_out(s), &s->priv->seq, code, sqlstate_of(code), "%s", msg);
}

static void protocol_error(struct sp_session *s, const char *why)
{
	pr_info("sqlproxy: session %u from %s: %s: closed\n", s->id, s->peer, why);
	s->proxy->stats.protocol_errors++;
	send_err(s, ERR_MALFORMED_PACKET, why);
	session_close(s);
}

/* The primary connection holds what a new one would not have: an open transaction, what
 * pinned the session (temporary tables, locks, user variables...), prepared statements.
 * Losing it then loses them, and the session ends as with a server that died: the client
 * reconnects and starts over, instead of going on in a state it did not ask for. */
static bool primary_bound(const struct sp_session *s)
{
	return s->in_trans || s->pinned || s->priv->prepared;
}

static void lose_session(struct sp_session *s, const char *why)
{
	pr_info("sqlproxy: session %u: %s: closed\n", s->id, why);
	send_err(s, ERR_CONNECTION_KILLED, why);
	session_close(s);
}

/* ---- servers ---- */

static int current_primary(const struct sp_proxy *p)
{
	for (unsigned int i = 0; i < p->cfg.nr_servers; i++)
		if (p->cfg.servers[i].role == SP_ROLE_PRIMARY)
			return (int)i;
	return -1;
}

static bool replica_eligible(const struct sp_proxy *p, int i, int64_t now)
{
	const struct sp_server *srv = &p->cfg.servers[i];

	return srv->role == SP_ROLE_REPLICA && (uint64_t)srv->lag_s * 1000 <= p->cfg.max_lag_ms &&
	       now >= srv->down_until_ms;
}

/* The next eligible replica in turn across sessions, or -1. */
static int pick_replica(struct sp_proxy *p)
{
	int64_t now = sp_now_ms();

	for (unsigned int n = 0; n < p->cfg.nr_servers; n++) {
		int i = (int)(p->replica_cursor++ % p->cfg.nr_servers);

		if (replica_eligible(p, i, now))
			return i;
	}
	return -1;
}

/* ---- backend callbacks ---- */

static int which_backend(struct sp_session *s, struct sp_backend *b)
{
	return s->priv->bk[BK_PRIMARY] == b ? BK_PRIMARY : BK_REPLICA;
}

/* Is this the backend the current step waits on? */
static bool step_backend(struct sp_session *s, struct sp_backend *b)
{
	struct sp_session_priv *sp = s->priv;

	switch (sp->step) {
	case STEP_CONNECT:
	case STEP_REPLAY:
	case STEP_TRACK:
	case STEP_WAIT:
	case STEP_REPLY:
		return sp->bk[sp->target] == b;
	default:
		return false;
	}
}

static void server_failed(struct sp_session *s, int which, bool hold_reads)
{
	struct sp_server *srv = &s->proxy->cfg.servers[s->priv->bk[which]->server];

	srv->stats.errors++;
	if (hold_reads)
		srv->down_until_ms = sp_now_ms() + DOWN_HOLD_MS;
}

/* The command cannot run: its ERR goes to the client and the session takes the next one. */
static void fail_command(struct sp_session *s, uint16_t code, const char *msg)
{
	struct sp_session_priv *sp = s->priv;

	if (sp->no_reply) {
		finish_command(s);
		return;
	}
	send_err(s, code, msg);
	sp->step = STEP_IDLE; /* no reply to take the server status from */
	finish_command(s);
}

/* A backend went away while the current step needed it. A read that sent the client nothing
 * yet runs again elsewhere: a lost replica costs the client nothing. */
static void step_lost(struct sp_session *s, int which, const char *why)
{
	struct sp_session_priv *sp = s->priv;
	const char *name = s->proxy->cfg.servers[sp->bk[which]->server].name;
	char msg[256];

	pr_info("sqlproxy: session %u: lost %s: %s\n", s->id, name, why);
	evtimer_del(sp->step_timer);
	server_failed(s, which, which == BK_REPLICA);
	relay_end(&sp->relay);
	snprintf(msg, sizeof(msg), "xlb-sqlproxy: lost the connection to %s during the query: %s",
		 name, why);
	if (which == BK_PRIMARY && primary_bound(s)) {
		lose_session(s, msg);
		return;
	}
	backend_drop(s, which);
	if (sp->target == BK_REPLICA && !sp->relay.emitted) {
		sp->step = STEP_START;
		run(s);
		return;
	}
	fail_command(s, ERR_CONNECTION_KILLED, msg);
}

static void on_backend_connected(void *arg, struct sp_backend *b, const char *error,
				 unsigned int code)
{
	struct sp_session *s = arg;
	struct sp_session_priv *sp = s->priv;
	int which = which_backend(s, b);
	const struct sp_server *srv = &s->proxy->cfg.servers[b->server];
	char msg[384];

	if (!error) {
		pr_debug("sqlproxy: session %u: connected to %s\n", s->id, srv->name);
		sp->step = STEP_START;
		run(s);
		return;
	}
	pr_info("sqlproxy: session %u: cannot log in to %s (%s): %s\n", s->id, srv->name,
		srv->address, error);
	/* Connector/C's own codes (2000 and up) say the server could not be reached; a server
	 * code is its answer to this login (unknown database, access denied): the server is
	 * fine, and the client gets that answer */
	server_failed(s, which, code >= 2000);
	backend_drop(s, which);
	if (which == BK_REPLICA) {
		/* this command reads from the primary, and so do the next ones for a while */
		if (code < 2000)
			sp->replica_refused_until = sp_now_ms() + DOWN_HOLD_MS;
		sp->target = BK_PRIMARY;
		sp->step = STEP_START;
		run(s);
		return;
	}
	if (code < 2000) {
		/* an unknown schema (dropped since, or wrong at login) would refuse every login
		 * of this session: the next ones log in without one, and USE can pick another */
		if (code == ER_BAD_DB_ERROR) {
			sp->login_db[0] = '\0';
			s->db[0] = '\0';
		}
		fail_command(s, (uint16_t)code, error);
		return;
	}
	snprintf(msg, sizeof(msg), "xlb-sqlproxy: primary %s (%s) unavailable: %s", srv->name,
		 srv->address, error);
	fail_command(s, ERR_FOREIGN_SOURCE, msg);
}

static void on_backend_lost(void *arg, struct sp_backend *b, const char *why)
{
	struct sp_session *s = arg;
	int which = which_backend(s, b);

	if (step_backend(s, b)) {
		step_lost(s, which, why);
		return;
	}
	pr_info("sqlproxy: session %u: idle connection to %s lost: %s\n", s->id,
		s->proxy->cfg.servers[b->server].name, why);
	if (which == BK_PRIMARY && primary_bound(s)) {
		/* nothing is asked of the session now: it just ends, and the client's next
		 * command finds it gone */
		session_close(s);
		return;
	}
	backend_drop(s, which);
}

/* A GTID position as the primary reported it: digits, dashes and commas only, since it goes
 * into a query. */
static bool gtid_usable(const char *g)
{
	return *g && strspn(g, "0123456789-,") == strlen(g);
}

static void internal_done(struct sp_session *s)
{
	struct sp_session_priv *sp = s->priv;
	struct sp_proxy *p = s->proxy;

	evtimer_del(sp->step_timer);
	switch (sp->step) {
	case STEP_REPLAY:
		if (sp->relay.err_code)
			pr_info("sqlproxy: session %u: replaying session state on %s failed "
				"(error %u)\n",
				s->id, p->cfg.servers[sp->bk[sp->target]->server].name,
				sp->relay.err_code);
		sp->bk[sp->target]->replayed++;
		break;
	case STEP_TRACK:
		sp->bk[sp->target]->gtid_tracked = !sp->relay.err_code;
		if (sp->relay.err_code)
			pr_info("sqlproxy: session %u: %s does not track last_gtid (error %u): "
				"reads after writes go to the primary\n",
				s->id, p->cfg.servers[sp->bk[sp->target]->server].name,
				sp->relay.err_code);
		break;
	case STEP_WAIT:
		p->stats.causal_waits++;
		if (!sp->relay.err_code && sp->relay.has_value && !strcmp(sp->relay.value, "0")) {
			sp->need_causal = false;
			sp->causal_missed = false;
			sp->gtid[0] = '\0';
		} else {
			/* not there in time: this read goes to the primary, and the next ones only
			 * look (timeout 0) until the replica has caught up */
			p->stats.causal_fallbacks++;
			sp->causal_missed = true;
			sp->target = BK_PRIMARY;
		}
		break;
	default:
		break;
	}
	relay_end(&sp->relay);
	sp->step = STEP_START;
	run(s);
}

static void on_backend_packet(void *arg, struct sp_backend *b, const uint8_t *payload, size_t len)
{
	struct sp_session *s = arg;
	struct sp_session_priv *sp = s->priv;
	struct evbuffer *out;
	int rc;

	if (!step_backend(s, b) || sp->step == STEP_CONNECT) {
		/* nothing was asked of it: the connection is out of step */
		on_backend_lost(s, b, "unexpected packet from the server");
		return;
	}
	out = sp->step == STEP_REPLY ? client_out(s) : NULL;
	rc = relay_feed(&sp->relay, payload, len, out, &sp->seq);
	if (rc < 0) {
		step_lost(s, which_backend(s, b),
			  rc == -ENOMEM ? "out of memory" : "malformed reply from the server");
		return;
	}
	if (rc == 0 && out && evbuffer_get_length(out) > CLIENT_OUT_HIGH) {
		sp_backend_pause(b, true);
		sp_conn_notify_drained(sp->conn, CLIENT_OUT_LOW);
	}
	if (rc == 0)
		return;
	if (sp->step == STEP_REPLY)
		finish_command(s);
	else
		internal_done(s);
}

static const struct sp_backend_ops backend_ops = {
	.connected = on_backend_connected,
	.packet = on_backend_packet,
	.lost = on_backend_lost,
};

/* ---- the steps ---- */

static void open_backend(struct sp_session *s, int which, int server)
{
	struct sp_session_priv *sp = s->priv;
	struct sp_backend_login login = {
		.user = s->user,
		.password = sp->password,
		.db = sp->login_db,
		.charset = *sp->charset ? sp->charset : NULL,
		.client_flags = sp->caps & PASSED_CAPS,
	};

	sp->bk[which] = sp_backend_open(s->proxy, server, &login, &backend_ops, s);
	if (!sp->bk[which]) {
		fail_command(s, ERR_OUT_OF_RESOURCES, "xlb-sqlproxy: out of memory");
		return;
	}
	if (which == BK_PRIMARY)
		s->primary = server;
	else
		s->replica = server;
	sp->step = STEP_CONNECT;
	s->state = "connecting";
}

/* Drops the connection of the current target if its server no longer has the role, and
 * opens one to a server that has it. true when the step now waits. */
static bool ensure_backend(struct sp_session *s)
{
	struct sp_session_priv *sp = s->priv;
	struct sp_proxy *p = s->proxy;
	int server;

	if (sp->target == BK_PRIMARY) {
		server = current_primary(p);
		if (sp->bk[BK_PRIMARY] && sp->bk[BK_PRIMARY]->server != server) {
			pr_info("sqlproxy: session %u: %s is no longer the primary\n", s->id,
				p->cfg.servers[sp->bk[BK_PRIMARY]->server].name);
			if (primary_bound(s)) {
				lose_session(s,
					     "xlb-sqlproxy: the primary changed while the session "
					     "had a transaction, prepared statements or pinned "
					     "state on it");
				return true;
			}
			backend_drop(s, BK_PRIMARY);
		}
		if (sp->bk[BK_PRIMARY])
			return false;
		if (server < 0) {
			fail_command(s, ERR_READ_ONLY,
				     "xlb-sqlproxy: no primary server (none has the "
				     "primary role): writes cannot run");
			return true;
		}
		open_backend(s, BK_PRIMARY, server);
		return true;
	}
	if (sp->bk[BK_REPLICA] && !replica_eligible(p, sp->bk[BK_REPLICA]->server, sp_now_ms()))
		backend_drop(s, BK_REPLICA);
	if (sp->bk[BK_REPLICA])
		return false;
	server = sp_now_ms() < sp->replica_refused_until ? -1 : pick_replica(p);
	if (server < 0) {
		/* no replica may serve reads: the primary does */
		sp->target = BK_PRIMARY;
		return ensure_backend(s);
	}
	open_backend(s, BK_REPLICA, server);
	return true;
}

static void send_internal(struct sp_session *s, int which, enum step step, const void *payload,
			  size_t len)
{
	struct sp_session_priv *sp = s->priv;
	struct sp_backend *b = sp->bk[which];

	unsigned int ms = (step == STEP_WAIT ? s->proxy->cfg.causal_timeout_ms
					     : s->proxy->cfg.connect_timeout_ms) +
			  STEP_MARGIN_MS;
	struct timeval tv = { ms / 1000, ms % 1000 * 1000 };

	relay_begin(&sp->relay, RELAY_QUERY, b->caps, sp->caps, b->stmts, 0);
	sp->step = step;
	s->state = step == STEP_WAIT ? "causal wait" : "replay";
	/* a server that stopped answering must not hold the session: the step is then lost
	 * like the connection, and a read goes elsewhere */
	evtimer_add(sp->step_timer, &tv);
	if (sp_backend_send(b, payload, len))
		step_lost(s, which, "cannot send");
}

static void on_step_timeout(evutil_socket_t fd, short what, void *ctx)
{
	struct sp_session *s = ctx;

	(void)fd, (void)what;
	step_lost(s, s->priv->target, "no answer in time");
}

/* Causal reads: true when the step now waits for the replica to have the session's last
 * write. */
static bool causal_step(struct sp_session *s)
{
	struct sp_session_priv *sp = s->priv;
	char q[384];
	int n;

	if (!s->proxy->cfg.causal_reads || !sp->need_causal || sp->target != BK_REPLICA)
		return false;
	if (!*sp->gtid) {
		/* a write whose GTID is unknown (the primary does not track it): this read
		 * goes where the write went */
		sp->need_causal = false;
		sp->target = BK_PRIMARY;
		return false;
	}
	n = snprintf(q, sizeof(q), "%cSELECT MASTER_GTID_WAIT('%s', %u.%03u)", MYSQL_COM_QUERY,
		     sp->gtid, sp->causal_missed ? 0 : s->proxy->cfg.causal_timeout_ms / 1000,
		     sp->causal_missed ? 0 : s->proxy->cfg.causal_timeout_ms % 1000);
	send_internal(s, BK_REPLICA, STEP_WAIT, q, (size_t)n);
	return true;
}

static void count_statement(struct sp_session *s)
{
	struct sp_session_priv *sp = s->priv;
	struct sp_server *srv = &s->proxy->cfg.servers[sp->bk[sp->target]->server];

	if (sp->cls.route == SQL_ROUTE_READ)
		srv->stats.reads++;
	else
		srv->stats.writes++;
}

static void send_command(struct sp_session *s)
{
	struct sp_session_priv *sp = s->priv;
	struct sp_backend *b = sp->bk[sp->target];
	uint32_t stmt_id = 0;

	count_statement(s);
	if (sp->kind == RELAY_STMT_EXECUTE && sp->cmd_len >= 5)
		stmt_id = (uint32_t)sp->cmd_p[1] | (uint32_t)sp->cmd_p[2] << 8 |
			  (uint32_t)sp->cmd_p[3] << 16 | (uint32_t)sp->cmd_p[4] << 24;
	relay_begin(&sp->relay, sp->kind, b->caps, sp->caps, b->stmts, stmt_id);
	sp->step = STEP_REPLY;
	s->state = "query";
	if (sp_backend_send(b, sp->cmd_p, sp->cmd_len)) {
		step_lost(s, sp->target, "cannot send");
		return;
	}
	if (sp->no_reply)
		finish_command(s);
}

static void run(struct sp_session *s)
{
	struct sp_session_priv *sp = s->priv;
	struct sp_backend *b;

	if (sp->step != STEP_START)
		return;
	if (ensure_backend(s))
		return;
	b = sp->bk[sp->target];
	if (b->replayed < sp->nr_state) {
		struct state_entry *e = &sp->state[b->replayed];

		send_internal(s, sp->target, STEP_REPLAY, e->payload, e->len);
		return;
	}
	if (sp->target == BK_PRIMARY && s->proxy->cfg.causal_reads && !b->gtid_asked) {
		/* the GTID of each write then comes with its OK, at no extra round trip, and
		 * stays known when the primary is gone by the time of the next read */
		static const char track[] =
			"\x03SET SESSION session_track_system_variables = 'last_gtid'";

		b->gtid_asked = true;
		send_internal(s, BK_PRIMARY, STEP_TRACK, track, sizeof(track) - 1);
		return;
	}
	if (causal_step(s))
		return;
	if (sp->bk[sp->target] != b) {
		/* causal_step moved the read to the primary */
		sp->step = STEP_START;
		run(s);
		return;
	}
	send_command(s);
}

/* ---- after a command ---- */

/* Adds a command to the session state every backend connection runs before its next
 * statement. false when it does not fit: the session is then pinned to the primary. */
static bool state_add(struct sp_session *s, const uint8_t *payload, size_t len)
{
	struct sp_session_priv *sp = s->priv;
	struct state_entry *e;

	if (sp->nr_state == MAX_STATE_ENTRIES || sp->state_bytes + len > MAX_STATE_BYTES) {
		s->pinned = "session state too large to replay";
		backend_drop(s, BK_REPLICA);
		return false;
	}
	if (sp->nr_state == sp->cap_state) {
		unsigned int cap = sp->cap_state ? sp->cap_state * 2 : 8;
		struct state_entry *n = realloc(sp->state, cap * sizeof(*n));

		if (!n)
			goto oom;
		sp->state = n;
		sp->cap_state = cap;
	}
	e = &sp->state[sp->nr_state];
	e->payload = malloc(len);
	if (!e->payload)
		goto oom;
	memcpy(e->payload, payload, len);
	e->len = len;
	sp->nr_state++;
	sp->state_bytes += len;
	return true;
oom:
	s->pinned = "out of memory for session state";
	backend_drop(s, BK_REPLICA);
	return false;
}

static void state_record(struct sp_session *s)
{
	struct sp_session_priv *sp = s->priv;

	/* pinned: the primary has it, and no replica connection will be opened again */
	if (s->pinned || !state_add(s, sp->cmd_p, sp->cmd_len))
		return;
	/* the connection that ran it has it already */
	sp->bk[sp->target]->replayed = sp->nr_state;
}

/* Causal reads: what the next replica read must wait for after a command on the primary. */
static void note_write(struct sp_session *s)
{
	struct sp_session_priv *sp = s->priv;

	if (sp->relay.has_gtid && gtid_usable(sp->relay.gtid)) {
		snprintf(sp->gtid, sizeof(sp->gtid), "%s", sp->relay.gtid);
		sp->need_causal = true;
		sp->causal_missed = false;
	} else if (sp->cls.route == SQL_ROUTE_WRITE && !sp->bk[BK_PRIMARY]->gtid_tracked) {
		sp->gtid[0] = '\0';
		sp->need_causal = true;
	}
}

static void finish_command(struct sp_session *s)
{
	struct sp_session_priv *sp = s->priv;
	bool ok = !sp->relay.err_code;

	if (sp->step == STEP_REPLY && sp->bk[sp->target] && !sp->no_reply) {
		uint16_t st = sp->relay.status;

		/* an ERR carries no status: the transaction state stays as it was */
		if (ok)
			s->in_trans =
				(st & SERVER_STATUS_IN_TRANS) || !(st & SERVER_STATUS_AUTOCOMMIT);
		if (ok && sp->records_state)
			state_record(s);
		if (sp->relay.has_schema)
			snprintf(s->db, sizeof(s->db), "%s", sp->relay.schema);
		if (sp->kind == RELAY_STMT_PREPARE && ok)
			sp->prepared = true;
		if (sp->target == BK_PRIMARY)
			note_write(s);
		sp->last_target = sp->target;
	}
	/* a reply that ended just as the client fell behind left its backend paused */
	if (sp->bk[sp->target])
		sp_backend_pause(sp->bk[sp->target], false);
	relay_end(&sp->relay);
	evbuffer_drain(sp->cmd, evbuffer_get_length(sp->cmd));
	sp->cmd_p = NULL;
	sp->cmd_len = 0;
	sp->step = STEP_IDLE;
	s->state = "idle";
	if (sp->closing)
		return;
	/* the client may have sent its next command already */
	sp_conn_pause(sp->conn, false);
	if (evbuffer_get_length(sp_conn_in(sp->conn)))
		sp_conn_recheck(sp->conn);
}

/* ---- commands ---- */

/* Starts a command on a backend: the target, then run() takes it from there. */
static void route(struct sp_session *s, int target, enum relay_kind kind)
{
	struct sp_session_priv *sp = s->priv;

	sp->target = target;
	sp->kind = kind;
	sp->step = STEP_START;
	run(s);
}

static int query_target(struct sp_session *s)
{
	struct sp_session_priv *sp = s->priv;
	const struct sql_class *c = &sp->cls;

	if (c->flags & SQL_F_LAST_SERVER)
		return sp->last_target;
	if (c->route != SQL_ROUTE_READ || s->pinned || s->in_trans)
		return BK_PRIMARY;
	return BK_REPLICA;
}

static void handle_query(struct sp_session *s)
{
	struct sp_session_priv *sp = s->priv;

	sql_classify((const char *)sp->cmd_p + 1, sp->cmd_len - 1, &sp->cls);
	if (sp->cls.flags & SQL_F_PIN && !s->pinned) {
		s->pinned = sp->cls.why;
		pr_debug("sqlproxy: session %u pinned to the primary: %s\n", s->id, s->pinned);
	}
	sp->records_state = sp->cls.route == SQL_ROUTE_SESSION;
	route(s, query_target(s), RELAY_QUERY);
}

/* COM_RESET_CONNECTION and COM_CHANGE_USER: the backend connections go, with everything
 * the session set on them; the next command opens fresh ones. */
static void reset_session(struct sp_session *s)
{
	struct sp_session_priv *sp = s->priv;

	backend_drop(s, BK_PRIMARY);
	backend_drop(s, BK_REPLICA);
	state_clear(s);
	s->pinned = NULL;
	s->in_trans = false;
	sp->prepared = false;
	sp->last_target = BK_PRIMARY;
	/* the client's writes stay written: causal reads still wait for the last one */
	if (*sp->collation)
		state_add(s, (const uint8_t *)sp->collation, strlen(sp->collation));
}

static void login_ok(struct sp_session *s)
{
	mysql_write_ok(client_out(s), &s->priv->seq, 0, 0, SERVER_STATUS_AUTOCOMMIT, 0);
}

static void access_denied(struct sp_session *s, const char *user, bool with_password)
{
	char msg[256];

	s->proxy->stats.auth_failures++;
	snprintf(msg, sizeof(msg), "Access denied for user '%s'@'%s' (using password: %s)", user,
		 s->peer, with_password ? "YES" : "NO");
	pr_info("sqlproxy: session %u: %s\n", s->id, msg);
	send_err(s, ERR_ACCESS_DENIED, msg);
	session_close(s);
}

/* Checks a login answer; on success the user is the session's. */
static bool authenticate(struct sp_session *s, const char *user, const uint8_t *answer, size_t len)
{
	const struct sp_user *u = sp_user_find(s->proxy, user);

	if (!u || !mysql_native_password_ok(s->priv->scramble, u->password, answer, len)) {
		access_denied(s, user, len > 0);
		return false;
	}
	snprintf(s->user, sizeof(s->user), "%s", u->name);
	snprintf(s->priv->password, sizeof(s->priv->password), "%s", u->password);
	return true;
}

/* Takes a login's schema and character set. When the client answered for another method
 * than mysql_native_password (caching_sha2_password, ed25519...), asks it for ours and
 * returns true: the answer comes in the next packet, in state switched. */
static bool take_login(struct sp_session *s, const struct mysql_login *l, enum login_state switched)
{
	struct sp_session_priv *sp = s->priv;

	snprintf(sp->login_db, sizeof(sp->login_db), "%s", l->db);
	snprintf(s->db, sizeof(s->db), "%s", l->db);
	if (l->charset) {
		const MARIADB_CHARSET_INFO *cs = mariadb_get_charset_by_nr(l->charset);
		const MARIADB_CHARSET_INFO *def =
			cs ? mariadb_get_charset_by_name(cs->csname) : NULL;

		if (cs)
			snprintf(sp->charset, sizeof(sp->charset), "%s", cs->csname);
		/* the connector logs in with the character set's default collation: another
		 * one (utf8mb4_unicode_ci...) is set by the first statement of the state */
		sp->collation[0] = '\0';
		if (cs && def && def->nr != cs->nr)
			snprintf(sp->collation, sizeof(sp->collation), "%cSET NAMES %s COLLATE %s",
				 MYSQL_COM_QUERY, cs->csname, cs->name);
	}
	state_clear(s);
	if (*sp->collation)
		state_add(s, (const uint8_t *)sp->collation, strlen(sp->collation));
	if (!*l->plugin || !strcmp(l->plugin, MYSQL_NATIVE_PASSWORD))
		return false;
	snprintf(sp->pending_user, sizeof(sp->pending_user), "%s", l->user);
	sp->login = switched;
	mysql_write_auth_switch(client_out(s), &sp->seq, sp->scramble);
	return true;
}

static void handle_change_user(struct sp_session *s)
{
	struct sp_session_priv *sp = s->priv;
	struct mysql_login l;
	const char *why = "malformed";

	if (mysql_parse_change_user(sp->cmd_p + 1, sp->cmd_len - 1, sp->caps, &l, &why)) {
		protocol_error(s, why);
		return;
	}
	reset_session(s);
	if (take_login(s, &l, LOGIN_CHANGE_USER)) {
		/* the answer is read as a login packet, into an empty buffer */
		evbuffer_drain(sp->cmd, evbuffer_get_length(sp->cmd));
		return;
	}
	if (authenticate(s, l.user, l.auth, l.auth_len))
		login_ok(s);
	finish_command(s);
}

static void dispatch(struct sp_session *s)
{
	struct sp_session_priv *sp = s->priv;
	uint8_t cmd = sp->cmd_p[0];

	s->statements++;
	s->proxy->stats.statements++;
	sp->records_state = false;
	sp->no_reply = false;
	sp->cls = (struct sql_class){ .route = SQL_ROUTE_WRITE, .why = "command" };
	switch (cmd) {
	case MYSQL_COM_QUIT:
		session_close(s);
		return;
	case MYSQL_COM_PING:
		mysql_write_ok(client_out(s), &sp->seq, 0, 0,
			       s->in_trans ? SERVER_STATUS_IN_TRANS : SERVER_STATUS_AUTOCOMMIT, 0);
		finish_command(s);
		return;
	case MYSQL_COM_QUERY:
		handle_query(s);
		return;
	case MYSQL_COM_INIT_DB:
		sp->cls.route = SQL_ROUTE_SESSION;
		sp->records_state = true;
		route(s, BK_PRIMARY, RELAY_SIMPLE);
		return;
	case MYSQL_COM_FIELD_LIST:
		sp->cls.route = SQL_ROUTE_READ;
		route(s, s->pinned || s->in_trans ? BK_PRIMARY : BK_REPLICA, RELAY_FIELD_LIST);
		return;
	case MYSQL_COM_STATISTICS:
		sp->cls.route = SQL_ROUTE_READ;
		route(s, BK_PRIMARY, RELAY_STATISTICS);
		return;
	case MYSQL_COM_STMT_PREPARE:
		route(s, BK_PRIMARY, RELAY_STMT_PREPARE);
		return;
	case MYSQL_COM_STMT_EXECUTE:
		if (sp->cmd_len < 5) {
			protocol_error(s, "COM_STMT_EXECUTE without a statement id");
			return;
		}
		route(s, BK_PRIMARY, RELAY_STMT_EXECUTE);
		return;
	case MYSQL_COM_STMT_FETCH:
		route(s, BK_PRIMARY, RELAY_STMT_FETCH);
		return;
	case MYSQL_COM_STMT_RESET:
	case MYSQL_COM_SET_OPTION:
		route(s, BK_PRIMARY, RELAY_SIMPLE);
		return;
	case MYSQL_COM_STMT_CLOSE:
	case MYSQL_COM_STMT_SEND_LONG_DATA:
		/* no reply; without a primary connection there is no statement to act on */
		sp->no_reply = true;
		if (cmd == MYSQL_COM_STMT_CLOSE && sp->cmd_len >= 5 && sp->bk[BK_PRIMARY])
			relay_stmts_forget(sp->bk[BK_PRIMARY]->stmts,
					   (uint32_t)sp->cmd_p[1] | (uint32_t)sp->cmd_p[2] << 8 |
						   (uint32_t)sp->cmd_p[3] << 16 |
						   (uint32_t)sp->cmd_p[4] << 24);
		if (!sp->bk[BK_PRIMARY]) {
			finish_command(s);
			return;
		}
		route(s, BK_PRIMARY, RELAY_SIMPLE);
		return;
	case MYSQL_COM_RESET_CONNECTION:
		snprintf(sp->login_db, sizeof(sp->login_db), "%s", s->db);
		reset_session(s);
		mysql_write_ok(client_out(s), &sp->seq, 0, 0, SERVER_STATUS_AUTOCOMMIT, 0);
		finish_command(s);
		return;
	case MYSQL_COM_CHANGE_USER:
		handle_change_user(s);
		return;
	default: {
		char msg[64];

		snprintf(msg, sizeof(msg), "Unknown command 0x%02x", cmd);
		send_err(s, ERR_UNKNOWN_COMMAND, msg);
		finish_command(s);
	}
	}
}

/* ---- the login ---- */

static void send_greeting(struct sp_session *s)
{
	struct sp_session_priv *sp = s->priv;
	struct mysql_greeting g = {
		.version = s->proxy->server_version,
		.connection_id = s->id,
		.caps = OFFERED_CAPS,
		.charset = GREETING_CHARSET,
		.status = SERVER_STATUS_AUTOCOMMIT,
	};

	mysql_scramble_make(sp->scramble);
	memcpy(g.scramble, sp->scramble, sizeof(g.scramble));
	sp->seq = 0;
	mysql_write_greeting(client_out(s), &sp->seq, &g);
}

static void logged_in(struct sp_session *s)
{
	struct sp_session_priv *sp = s->priv;

	sp->login = LOGGED_IN;
	s->state = "idle";
	event_del(sp->login_timer);
	login_ok(s);
	pr_debug("sqlproxy: session %u: %s logged in from %s\n", s->id, s->user, s->peer);
}

static void handle_login(struct sp_session *s, const uint8_t *p, size_t len)
{
	struct sp_session_priv *sp = s->priv;
	struct mysql_login l;
	const char *why = "malformed";

	if (sp->login == LOGIN_SWITCHED || sp->login == LOGIN_CHANGE_USER) {
		bool change = sp->login == LOGIN_CHANGE_USER;

		if (!authenticate(s, sp->pending_user, p, len))
			return;
		if (change) {
			sp->login = LOGGED_IN;
			login_ok(s);
			finish_command(s);
		} else {
			logged_in(s);
		}
		return;
	}
	if (mysql_parse_login(p, len, OFFERED_CAPS, &l, &why)) {
		protocol_error(s, why);
		return;
	}
	sp->caps = l.caps & OFFERED_CAPS;
	if (take_login(s, &l, LOGIN_SWITCHED))
		return;
	if (authenticate(s, l.user, l.auth, l.auth_len))
		logged_in(s);
}

static void on_login_timeout(evutil_socket_t fd, short what, void *ctx)
{
	struct sp_session *s = ctx;

	(void)fd, (void)what;
	protocol_error(s, "login not finished in time");
}

/* ---- the client's socket ---- */

static void client_read(void *ctx)
{
	struct sp_session *s = ctx;
	struct sp_session_priv *sp = s->priv;
	struct evbuffer *in = sp_conn_in(sp->conn);
	uint8_t hdr[MYSQL_HEADER_LEN], seq;
	size_t len;

	while (!sp->closing && sp->step == STEP_IDLE &&
	       evbuffer_copyout(in, hdr, sizeof(hdr)) == sizeof(hdr)) {
		bool logging_in = sp->login != LOGGED_IN;

		/* sizes are checked on the header, before the proxy holds the bytes */
		len = (size_t)hdr[0] | (size_t)hdr[1] << 8 | (size_t)hdr[2] << 16;
		seq = hdr[3];
		if (logging_in && len > MAX_LOGIN_PACKET) {
			protocol_error(s, "login packet too long");
			return;
		}
		if (evbuffer_get_length(sp->cmd) + len > MAX_COMMAND) {
			send_err(s, ERR_PACKET_TOO_LARGE,
				 "Got a packet bigger than 'max_allowed_packet' bytes");
			session_close(s);
			return;
		}
		if (evbuffer_get_length(in) < MYSQL_HEADER_LEN + len)
			break;
		evbuffer_drain(in, MYSQL_HEADER_LEN);
		evbuffer_remove_buffer(in, sp->cmd, len);
		sp->seq = seq + 1;
		if (len == MYSQL_MAX_PAYLOAD)
			continue; /* the payload goes on in the next packet */
		sp->cmd_len = evbuffer_get_length(sp->cmd);
		sp->cmd_p = evbuffer_pullup(sp->cmd, -1);
		if (logging_in) {
			handle_login(s, sp->cmd_p, sp->cmd_len);
			evbuffer_drain(sp->cmd, sp->cmd_len);
			continue;
		}
		if (!sp->cmd_len) {
			protocol_error(s, "empty command packet");
			return;
		}
		if (!sp->cmd_p) {
			send_err(s, ERR_OUT_OF_RESOURCES, "xlb-sqlproxy: out of memory");
			session_close(s);
			return;
		}
		dispatch(s);
	}
	/* while a command runs, what the client sends next waits in the kernel, not here */
	if (!sp->closing && sp->step != STEP_IDLE)
		sp_conn_pause(sp->conn, true);
}

/* The client took what was asked (sp_conn_notify_drained): the rest of a reply it was slow
 * to take, or everything before the session closes. */
static void client_drained(void *ctx)
{
	struct sp_session *s = ctx;
	struct sp_session_priv *sp = s->priv;

	if (sp->closing) {
		session_free(s);
		return;
	}
	for (int i = 0; i < NR_BK; i++)
		if (sp->bk[i])
			sp_backend_pause(sp->bk[i], false);
}

static void client_closed(void *ctx, const char *why)
{
	struct sp_session *s = ctx;

	/* nothing more can reach it: no flushing */
	pr_debug("sqlproxy: session %u: the client went away: %s\n", s->id, why);
	session_free(s);
}

static const struct sp_conn_ops client_ops = {
	.readable = client_read,
	.drained = client_drained,
	.closed = client_closed,
};

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *addr,
		      int addrlen, void *ctx)
{
	struct sp_proxy *p = ctx;
	struct sp_session_priv *sp = calloc(1, sizeof(*sp));
	struct sp_session *s = calloc(1, sizeof(*s));
	struct timeval login_tv = { LOGIN_TIMEOUT_S, 0 };
	char host[INET6_ADDRSTRLEN] = "?";
	int one = 1;

	(void)l, (void)addrlen;
	if (!s || !sp)
		goto fail;
	s->priv = sp;
	s->proxy = p;
	s->id = ++p->next_session_id;
	s->primary = s->replica = -1;
	s->state = "login";
	sp->last_target = BK_PRIMARY;
	if (addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)addr)->sin_addr, host, sizeof(host));
	else if (addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)addr)->sin6_addr, host, sizeof(host));
	snprintf(s->peer, sizeof(s->peer), "%s", host);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	sp->cmd = evbuffer_new();
	sp->conn = sp_conn_new(p->base, fd, true, &client_ops, s);
	sp->login_timer = evtimer_new(p->base, on_login_timeout, s);
	sp->step_timer = evtimer_new(p->base, on_step_timeout, s);
	if (!sp->cmd || !sp->conn || !sp->login_timer || !sp->step_timer)
		goto fail;
	TAILQ_INSERT_TAIL(&p->sessions, s, link);
	p->stats.sessions_open++;
	p->stats.sessions_total++;
	evtimer_add(sp->login_timer, &login_tv);
	send_greeting(s);
	return;
fail:
	pr_warn("sqlproxy: out of memory for a new session\n");
	if (sp && sp->conn)
		sp_conn_free(sp->conn);
	else
		evutil_closesocket(fd);
	if (sp && sp->cmd)
		evbuffer_free(sp->cmd);
	if (sp && sp->login_timer)
		event_free(sp->login_timer);
	if (sp && sp->step_timer)
		event_free(sp->step_timer);
	free(sp);
	free(s);
}

static void on_accept_resume(evutil_socket_t fd, short what, void *ctx)
{
	(void)fd, (void)what;
	evconnlistener_enable(ctx);
}

/* accept failed (out of file descriptors, most likely): the pending connection would make
 * it fail again at once, so accepting pauses a moment instead of spinning */
static void on_accept_error(struct evconnlistener *l, void *ctx)
{
	struct sp_proxy *p = ctx;
	struct timeval pause = { 0, 100 * 1000 };

	pr_warn("sqlproxy: accept: %s; pausing 100 ms\n",
		evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	evconnlistener_disable(l);
	if (event_base_once(p->base, -1, EV_TIMEOUT, on_accept_resume, l, &pause))
		evconnlistener_enable(l);
}

int sp_sessions_listen(struct sp_proxy *p, char *err, size_t errlen)
{
	const struct sockaddr *sa = (const struct sockaddr *)&p->cfg.listen_addr;
	socklen_t len = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						  : sizeof(struct sockaddr_in);

	TAILQ_INIT(&p->sessions);
	if (!*p->server_version)
		snprintf(p->server_version, sizeof(p->server_version),
			 "5.5.5-10.11.0-MariaDB-xlb-sqlproxy");
	p->listener = evconnlistener_new_bind(p->base, on_accept, p,
					      LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE, 1024, sa,
					      (int)len);
	if (!p->listener) {
		int e = errno;

		snprintf(err, errlen, "cannot listen on %s: %s", p->cfg.listen, strerror(e));
		return -e;
	}
	evconnlistener_set_error_cb(p->listener, on_accept_error);
	return 0;
}

void sp_sessions_close_all(struct sp_proxy *p)
{
	if (p->listener) {
		evconnlistener_free(p->listener);
		p->listener = NULL;
	}
	while (!TAILQ_EMPTY(&p->sessions))
		session_free(TAILQ_FIRST(&p->sessions));
}
