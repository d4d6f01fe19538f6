// SPDX-License-Identifier: GPL-2.0-only
/*
 * appd's database session (see db.h for the rules). The statements are constants: input
 * only ever travels as a bound parameter of a prepared statement.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mysql/errmsg.h>
#include <mysql/mysqld_error.h>

#include "db.h"
#include "log.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/*
 * One row per note, and one row with a NULL note when there is none: the LEFT JOIN from the
 * one-row (SELECT @@server_id) keeps the answering server's id even for an empty result.
 * UNIX_TIMESTAMP: the time in UTC whatever the session's time_zone, formatted here.
 */
#define NOTE_COLUMNS "s.sid, n.id, n.text, n.author, UNIX_TIMESTAMP(n.created)"
#define LIST_SQL(limit)                                                                        \
	"SELECT " NOTE_COLUMNS " FROM (SELECT @@server_id AS sid) AS s LEFT JOIN "             \
	"(SELECT id, text, author, created FROM notes ORDER BY id DESC LIMIT " limit ") AS n " \
	"ON 1 = 1 ORDER BY n.id DESC"

static const char list_sql[] = LIST_SQL(STR(APPD_LIMIT_MAX));
static const char list_limit_sql[] = LIST_SQL("?");
static const char get_sql[] = "SELECT " NOTE_COLUMNS " FROM (SELECT @@server_id AS sid) AS s "
			      "LEFT JOIN notes AS n ON n.id = ?";
static const char insert_sql[] = "INSERT INTO notes (text, author) VALUES (?, ?)";
static const char whoami_sql[] = "SELECT @@server_id, @@read_only";
static const char health_sql[] = "SELECT @@server_id";

enum { COL_SID, COL_ID, COL_TEXT, COL_AUTHOR, COL_CREATED, NR_COLS };

void appd_db_init(struct appd_db *db, const struct appd_config *cfg, const char *password)
{
	*db = (struct appd_db){ .cfg = cfg, .password = password };
}

void appd_db_close(struct appd_db *db)
{
	if (db->my)
		mysql_close(db->my);
	db->my = NULL;
}

/* Errors after which the session is gone: the client library's own (CR_*, 2000-2999: lost,
 * gone away, timed out) and a server or splitter that ended the session. */
static bool session_lost(unsigned int code)
{
	return (code >= 2000 && code < 3000) || code == ER_CONNECTION_KILLED ||
	       code == ER_SERVER_SHUTDOWN;
}

/* Records the error; closes the session when it is lost. msg may belong to db->my: it is
 * copied before the session goes. */
static int fail(struct appd_db *db, const char *what, unsigned int code, const char *msg)
{
	snprintf(db->err, sizeof(db->err), "database: %s: %s (error %u)", what, msg, code);
	if (!session_lost(code))
		return -EIO;
	appd_db_close(db);
	return -ECONNRESET;
}

static int stmt_fail(struct appd_db *db, MYSQL_STMT *st, const char *what)
{
	unsigned int code = mysql_stmt_errno(st);
	char msg[200];
	int ret;

	snprintf(msg, sizeof(msg), "%s", mysql_stmt_error(st));
	mysql_stmt_close(st); /* while the connection it belongs to is still there */
	ret = fail(db, what, code, msg);
	return ret;
}

static int db_connect(struct appd_db *db)
{
	const struct appd_config *cfg = db->cfg;
	unsigned int secs = (cfg->timeout_ms + 999) / 1000;
	my_bool no = 0;
	MYSQL *my;

	my = mysql_init(NULL);
	if (!my) {
		snprintf(db->err, sizeof(db->err), "database: out of memory");
		return -ENOMEM;
	}
	/* bounded everywhere: a dead database must give 503 at once, never a hung loop; no
	 * silent reconnect: a new session is a decision of ours (it forgets causal reads) */
	mysql_options(my, MYSQL_OPT_CONNECT_TIMEOUT, &secs);
	mysql_options(my, MYSQL_OPT_READ_TIMEOUT, &secs);
	mysql_options(my, MYSQL_OPT_WRITE_TIMEOUT, &secs);
	mysql_options(my, MYSQL_OPT_RECONNECT, &no);
	mysql_options(my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (!mysql_real_connect(my, cfg->db_host, cfg->user, db->password, cfg->database,
				cfg->db_port, NULL, 0)) {
		snprintf(db->err, sizeof(db->err), "database: cannot connect to %s: %s (error %u)",
			 cfg->db_address, mysql_error(my), mysql_errno(my));
		mysql_close(my);
		return -ECONNREFUSED;
	}
	db->my = my;
	pr_info("appd: connected to %s as %s, database %s\n", cfg->db_address, cfg->user,
		cfg->database);
	return 0;
}

static int ensure(struct appd_db *db)
{
	return db->my ? 0 : db_connect(db);
}

bool appd_db_worth_again(bool was_open, unsigned int elapsed_ms, unsigned int timeout_ms)
{
	return was_open && elapsed_ms < timeout_ms;
}

static unsigned int ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (unsigned int)((t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000);
}

typedef int (*read_fn)(struct appd_db *db, void *arg);

/* A read on the session; when a session made before this call broke under it at once (the
 * splitter restarted while we were idle), once more on a new one. A read that ran out of
 * time is not run again: a hung splitter costs a request one timeout, not a timeout for the
 * read and another for the connect. */
static int read_retry(struct appd_db *db, read_fn fn, void *arg)
{
	bool was_open = db->my != NULL;
	struct timespec t0;
	int ret = ensure(db);

	if (ret)
		return ret;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = fn(db, arg);
	if (ret != -ECONNRESET ||
	    !appd_db_worth_again(was_open, ms_since(&t0), db->cfg->timeout_ms))
		return ret;
	pr_info("appd: %s: reconnecting to run the read again\n", db->err);
	ret = ensure(db);
	return ret ? ret : fn(db, arg);
}

/* ---- rows of notes ---- */

static int copy_text(char *dst, size_t size, size_t *len, const char *src, unsigned long n)
{
	if (n >= size)
		return -EIO;
	memcpy(dst, src, n);
	dst[n] = '\0';
	*len = n;
	return 0;
}

/* A text-protocol row into *note (*has_note false for the NULL row) and *sid. */
static int text_row(struct appd_db *db, MYSQL_ROW row, const unsigned long *lens,
		    struct appd_note *note, bool *has_note, unsigned long long *sid)
{
	*sid = row[COL_SID] ? strtoull(row[COL_SID], NULL, 10) : 0;
	*has_note = row[COL_ID] != NULL;
	if (!*has_note)
		return 0;
	note->id = strtoull(row[COL_ID], NULL, 10);
	note->created[0] = '\0';
	if (!row[COL_TEXT] || !row[COL_AUTHOR] ||
	    copy_text(note->text, sizeof(note->text), &note->text_len, row[COL_TEXT],
		      lens[COL_TEXT]) ||
	    copy_text(note->author, sizeof(note->author), &note->author_len, row[COL_AUTHOR],
		      lens[COL_AUTHOR])) {
		snprintf(db->err, sizeof(db->err), "database: note %llu does not fit",
			 (unsigned long long)note->id);
		return -EIO;
	}
	if (row[COL_CREATED])
		appd_format_created(row[COL_CREATED], lens[COL_CREATED], note->created,
				    sizeof(note->created));
	return 0;
}

/* Result buffers of a prepared statement's note rows. */
struct row_bind {
	MYSQL_BIND b[NR_COLS];
	unsigned long len[NR_COLS];
	my_bool null[NR_COLS];
	unsigned long long sid, id;
	char ts[32];
	struct appd_note note;
};

static void bind_rows(struct row_bind *r)
{
	memset(r->b, 0, sizeof(r->b));
	r->b[COL_SID] = (MYSQL_BIND){ .buffer_type = MYSQL_TYPE_LONGLONG,
				      .buffer = &r->sid,
				      .is_unsigned = 1 };
	r->b[COL_ID] = (MYSQL_BIND){ .buffer_type = MYSQL_TYPE_LONGLONG,
				     .buffer = &r->id,
				     .is_unsigned = 1 };
	/* one byte short of each buffer: the NUL is ours to add */
	r->b[COL_TEXT] = (MYSQL_BIND){ .buffer_type = MYSQL_TYPE_STRING,
				       .buffer = r->note.text,
				       .buffer_length = sizeof(r->note.text) - 1 };
	r->b[COL_AUTHOR] = (MYSQL_BIND){ .buffer_type = MYSQL_TYPE_STRING,
					 .buffer = r->note.author,
					 .buffer_length = sizeof(r->note.author) - 1 };
	r->b[COL_CREATED] = (MYSQL_BIND){ .buffer_type = MYSQL_TYPE_STRING,
					  .buffer = r->ts,
					  .buffer_length = sizeof(r->ts) - 1 };
	for (int i = 0; i < NR_COLS; i++) {
		r->b[i].length = &r->len[i];
		r->b[i].is_null = &r->null[i];
	}
}

/* After a fetch: the note's lengths and NULs. */
static void finish_row(struct row_bind *r, bool *has_note)
{
	struct appd_note *n = &r->note;

	*has_note = !r->null[COL_ID];
	n->id = r->id;
	n->text_len = r->null[COL_TEXT] ? 0 : r->len[COL_TEXT];
	n->text[n->text_len] = '\0';
	n->author_len = r->null[COL_AUTHOR] ? 0 : r->len[COL_AUTHOR];
	n->author[n->author_len] = '\0';
	n->created[0] = '\0';
	if (!r->null[COL_CREATED])
		appd_format_created(r->ts, r->len[COL_CREATED], n->created, sizeof(n->created));
}

/* Runs a prepared read of note rows with one BIGINT UNSIGNED parameter; each row that holds
 * a note goes to notes[*n] while there is room. */
static int stmt_notes(struct appd_db *db, const char *sql, unsigned long long param,
		      struct appd_note *notes, size_t max, size_t *n, unsigned long long *sid)
{
	MYSQL_BIND in = { .buffer_type = MYSQL_TYPE_LONGLONG, .buffer = &param, .is_unsigned = 1 };
	struct row_bind *r;
	MYSQL_STMT *st;
	bool has_note, any = false;
	int ret = 0, rc;

	r = calloc(1, sizeof(*r));
	st = r ? mysql_stmt_init(db->my) : NULL;
	if (!st) {
		free(r);
		snprintf(db->err, sizeof(db->err), "database: out of memory");
		return -ENOMEM;
	}
	bind_rows(r);
	if (mysql_stmt_prepare(st, sql, strlen(sql)) || mysql_stmt_bind_param(st, &in) ||
	    mysql_stmt_execute(st) || mysql_stmt_bind_result(st, r->b)) {
		ret = stmt_fail(db, st, "read");
		goto out_free;
	}
	*n = 0;
	while ((rc = mysql_stmt_fetch(st)) == 0) {
		any = true;
		*sid = r->sid;
		finish_row(r, &has_note);
		if (has_note && *n < max)
			notes[(*n)++] = r->note;
	}
	if (rc == MYSQL_DATA_TRUNCATED) {
		snprintf(db->err, sizeof(db->err), "database: a note does not fit");
		ret = -EIO;
	} else if (rc != MYSQL_NO_DATA) {
		ret = stmt_fail(db, st, "read");
		goto out_free;
	} else if (!any) {
		snprintf(db->err, sizeof(db->err), "database: the read returned no row");
		ret = -EIO;
	}
	mysql_stmt_close(st);
out_free:
	free(r);
	return ret;
}

/* A plain query's result, all rows in memory (at most APPD_LIMIT_MAX + 1). */
static int text_query(struct appd_db *db, const char *sql, MYSQL_RES **res)
{
	if (mysql_real_query(db->my, sql, strlen(sql)))
		return fail(db, "read", mysql_errno(db->my), mysql_error(db->my));
	*res = mysql_store_result(db->my);
	if (!*res)
		return fail(db, "read", mysql_errno(db->my), mysql_error(db->my));
	return 0;
}

/* ---- the API's statements ---- */

struct list_args {
	unsigned int limit;
	struct appd_note *notes;
	size_t n;
	unsigned long long sid;
};

static int list_once(struct appd_db *db, void *arg)
{
	struct list_args *a = arg;
	MYSQL_RES *res;
	MYSQL_ROW row;
	bool has_note, any = false;
	int ret;

	if (a->limit)
		return stmt_notes(db, list_limit_sql, a->limit, a->notes, APPD_LIMIT_MAX, &a->n,
				  &a->sid);
	ret = text_query(db, list_sql, &res);
	if (ret)
		return ret;
	a->n = 0;
	while (!ret && a->n < APPD_LIMIT_MAX && (row = mysql_fetch_row(res))) {
		any = true;
		ret = text_row(db, row, mysql_fetch_lengths(res), &a->notes[a->n], &has_note,
			       &a->sid);
		if (!ret && has_note)
			a->n++;
	}
	mysql_free_result(res);
	if (!ret && !any) {
		snprintf(db->err, sizeof(db->err), "database: the read returned no row");
		ret = -EIO;
	}
	return ret;
}

int appd_db_list(struct appd_db *db, unsigned int limit, struct appd_note *notes, size_t *n,
		 unsigned long long *server_id)
{
	struct list_args a = { .limit = limit, .notes = notes };
	int ret = read_retry(db, list_once, &a);

	if (!ret) {
		*n = a.n;
		*server_id = a.sid;
	}
	return ret;
}

struct get_args {
	uint64_t id;
	struct appd_note *note;
	size_t n;
	unsigned long long sid;
};

static int get_once(struct appd_db *db, void *arg)
{
	struct get_args *a = arg;

	return stmt_notes(db, get_sql, a->id, a->note, 1, &a->n, &a->sid);
}

int appd_db_get(struct appd_db *db, uint64_t id, struct appd_note *note,
		unsigned long long *server_id)
{
	struct get_args a = { .id = id, .note = note };
	int ret = read_retry(db, get_once, &a);

	if (ret)
		return ret;
	*server_id = a.sid;
	return a.n ? 0 : -ENOENT;
}

int appd_db_insert(struct appd_db *db, const char *text, size_t text_len, const char *author,
		   size_t author_len, uint64_t *id)
{
	unsigned long lens[2] = { text_len, author_len };
	MYSQL_BIND in[2] = {
		{ .buffer_type = MYSQL_TYPE_STRING,
		  .buffer = (void *)text,
		  .buffer_length = text_len,
		  .length = &lens[0] },
		{ .buffer_type = MYSQL_TYPE_STRING,
		  .buffer = (void *)author,
		  .buffer_length = author_len,
		  .length = &lens[1] },
	};
	struct timespec t0;
	MYSQL_STMT *st;
	int ret;

	/*
	 * A write is never sent twice: it may have been stored before its session broke. So
	 * the session is proved first, with COM_PING, which xlb-sqlproxy answers itself: that
	 * shows our socket to it is alive (not that a database is), and a session that died
	 * while idle is replaced before the write instead of failing it.
	 */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (db->my && mysql_ping(db->my)) {
		/* a ping that ran out of time: the splitter hangs, and a connect would too */
		if (!appd_db_worth_again(true, ms_since(&t0), db->cfg->timeout_ms))
			return fail(db, "ping",
				    mysql_errno(db->my) ? mysql_errno(db->my) : CR_SERVER_LOST,
				    mysql_error(db->my));
		pr_info("appd: the database session is gone (%s): reconnecting\n",
			mysql_error(db->my));
		appd_db_close(db);
	}
	ret = ensure(db);
	if (ret)
		return ret;
	st = mysql_stmt_init(db->my);
	if (!st) {
		snprintf(db->err, sizeof(db->err), "database: out of memory");
		return -ENOMEM;
	}
	if (mysql_stmt_prepare(st, insert_sql, strlen(insert_sql)) ||
	    mysql_stmt_bind_param(st, in) || mysql_stmt_execute(st))
		return stmt_fail(db, st, "insert");
	*id = mysql_stmt_insert_id(st);
	mysql_stmt_close(st);
	return 0;
}

struct pair_args {
	const char *sql;
	unsigned long long a, b;
	unsigned int cols;
};

/* A plain query of one row of cols (1 or 2) integers. */
static int pair_once(struct appd_db *db, void *arg)
{
	struct pair_args *p = arg;
	MYSQL_RES *res;
	MYSQL_ROW row;
	int ret;

	ret = text_query(db, p->sql, &res);
	if (ret)
		return ret;
	row = mysql_fetch_row(res);
	if (!row || mysql_num_fields(res) < p->cols || !row[0] || (p->cols > 1 && !row[1])) {
		snprintf(db->err, sizeof(db->err), "database: unexpected reply to '%s'", p->sql);
		ret = -EIO;
	} else {
		p->a = strtoull(row[0], NULL, 10);
		p->b = p->cols > 1 ? strtoull(row[1], NULL, 10) : 0;
	}
	mysql_free_result(res);
	return ret;
}

int appd_db_whoami(struct appd_db *db, unsigned long long *server_id, bool *read_only)
{
	struct pair_args p = { .sql = whoami_sql, .cols = 2 };
	int ret = read_retry(db, pair_once, &p);

	if (!ret) {
		*server_id = p.a;
		*read_only = p.b != 0;
	}
	return ret;
}

int appd_db_health(struct appd_db *db, unsigned long long *server_id)
{
	struct pair_args p = { .sql = health_sql, .cols = 1 };
	int ret = read_retry(db, pair_once, &p);

	if (!ret)
		*server_id = p.a;
	return ret;
}
