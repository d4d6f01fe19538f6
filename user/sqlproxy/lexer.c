// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where a statement may run. A tokenizer that follows MariaDB's own (sql/sql_lex.cc) wherever
 * token boundaries decide routing, then a few rules over the tokens of each statement.
 *
 * The one rule above all others: no write may reach a replica. Where the server's reading of the
 * text depends on something this function cannot see (versioned comments depend on the server's
 * version, backslashes on sql_mode, multibyte characters on the connection's character set), the
 * text is classified under each reading that applies, and if the readings disagree the statement
 * goes to the primary. Only a few inputs ever need more than one reading; each is O(n), with no
 * allocation and no recursion deeper than two levels.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "lexer.h"

/* ---------------------------------------------------------------------------------------- */
/* Tokens */

enum tok_type {
	T_END,	  /* end of input (a statement also ends at T_SEMI) */
	T_WORD,	  /* keyword or bare identifier */
	T_QIDENT, /* `quoted identifier`: never a keyword */
	T_STRING, /* '...' or "..." */
	T_NUMBER,
	T_USERVAR, /* @name, @'name' */
	T_SYSVAR,  /* @@name; in @@session.name the ".name" follows as tokens of its own */
	T_LPAREN,
	T_RPAREN,
	T_COMMA,
	T_SEMI,
	T_DOT,
	T_ASSIGN, /* := */
	T_OP,	  /* any other byte: operators, and bytes no token starts with */
};

struct tok {
	enum tok_type type;
	bool quoted;	 /* T_USERVAR, T_SYSVAR: the name was quoted */
	const char *p;	 /* the word, a quoted token's content, or a variable's name */
	size_t n;	 /* its length */
	size_t end;	 /* where lexing goes on after this token */
	bool exec_after; /* inside an executable comment after this token */
};

/* How the server may read backslashes in quoted text. */
enum bs_mode {
	BS_BOTH,   /* the default: escapes in '...' and "..." */
	BS_NONE,   /* sql_mode NO_BACKSLASH_ESCAPES */
	BS_SINGLE, /* ANSI_QUOTES: "..." is an identifier, which takes no escapes */
	NR_BS,
};

/* How the server may group bytes >= 0x80 (the connection's character set). */
enum cs_mode {
	CS_UTF8,   /* valid UTF-8 sequences are identifier characters; stray bytes are not */
	CS_LATIN1, /* single-byte sets where 0xA0 (no-break space) is white space */
	CS_GBK,	   /* two-byte sets whose second byte may be '\\' or '`' */
	CS_SJIS,
	CS_BIG5,
	NR_CS,
};

/* What lexing saw that calls for another reading of the text. */
#define SEEN_HINT 0x01u	     /* a comment held the xlb:primary hint */
#define SEEN_VERSIONED 0x02u /* a versioned comment that a server may execute or skip */
#define SEEN_BACKSLASH 0x04u /* a backslash inside '...' or "..." */
#define SEEN_NBSP 0x08u	     /* a 0xA0 byte */
#define SEEN_MB_TRAIL 0x10u  /* a high byte followed by '\\' or '`' */

struct lexer {
	const unsigned char *s;
	size_t len;
	size_t pos;
	bool in_exec;	     /* inside an executable comment whose content is being read as code */
	bool skip_versioned; /* read ambiguous versioned comments as comments, not code */
	unsigned char bs;    /* enum bs_mode */
	unsigned char cs;    /* enum cs_mode */
	unsigned int seen;   /* SEEN_*, accumulated */
};

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* MariaDB's my_isspace(): the five ASCII controls and space, and in latin1 0xA0. */
static bool is_space(const struct lexer *lx, unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c == 0xa0 && lx->cs == CS_LATIN1);
}

/* Length of the valid UTF-8 character at p (2 to 4 bytes), 0 for anything else. */
static size_t utf8_len(const unsigned char *p, size_t left)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, k;

	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		lo = p[0] == 0xe0 ? 0xa0 : lo; /* no overlong forms */
		hi = p[0] == 0xed ? 0x9f : hi; /* no surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		lo = p[0] == 0xf0 ? 0x90 : lo;
		hi = p[0] == 0xf4 ? 0x8f : hi;
	} else {
		return 0;
	}
	if (left < n || p[1] < lo || p[1] > hi)
		return 0;
	for (k = 2; k < n; k++)
		if (p[k] < 0x80 || p[k] > 0xbf)
			return 0;
	return n;
}

/* Whether s[i] and s[i + 1] are one character of the two-byte character set being assumed. */
static bool mb_pair(const struct lexer *lx, size_t i)
{
	unsigned char a, b;

	if (lx->cs < CS_GBK || i + 1 >= lx->len)
		return false;
	a = lx->s[i];
	b = lx->s[i + 1];
	switch (lx->cs) {
	case CS_GBK:
		return a >= 0x81 && a <= 0xfe &&
		       ((b >= 0x40 && b <= 0x7e) || (b >= 0x80 && b <= 0xfe));
	case CS_SJIS:
		return ((a >= 0x81 && a <= 0x9f) || (a >= 0xe0 && a <= 0xfc)) &&
		       ((b >= 0x40 && b <= 0x7e) || (b >= 0x80 && b <= 0xfc));
	default: /* CS_BIG5 */
		return a >= 0xa1 && a <= 0xf9 &&
		       ((b >= 0x40 && b <= 0x7e) || (b >= 0xa1 && b <= 0xfe));
	}
}

/*
 * Length of the identifier character at i, 0 if there is none. A high byte that is not part of
 * a valid character ends the identifier, as it does in MariaDB: taking it in would make a word
 * longer than the server's and could hide a keyword behind it ("\x80FOR UPDATE").
 */
static size_t ident_len(const struct lexer *lx, size_t i)
{
	unsigned char c = lx->s[i];

	if (c < 0x80)
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
		       c == '_' || c == '$';
	if (lx->cs == CS_UTF8)
		return utf8_len(lx->s + i, lx->len - i);
	return mb_pair(lx, i) ? 2 : 0;
}

static size_t ident_run(const struct lexer *lx, size_t i)
{
	size_t k;

	while (i < lx->len && (k = ident_len(lx, i)))
		i += k;
	return i;
}

/* Notes the routing hint if the comment text s[from, to) holds it. */
static void note_hint(struct lexer *lx, size_t from, size_t to)
{
	static const char hint[] = "xlb:primary";
	const size_t n = sizeof(hint) - 1;
	size_t i, k;

	for (i = from; i + n <= to; i++) {
		for (k = 0; k < n && lower(lx->s[i + k]) == (unsigned char)hint[k]; k++)
			;
		if (k == n) {
			lx->seen |= SEEN_HINT;
			return;
		}
	}
}

/*
 * The end of a C comment whose text starts at i, after its closing star-slash (or len when it
 * has none). MariaDB's consume_comment(): a skipped versioned comment may hold one regular
 * comment (nest = 1), a regular comment none.
 */
static size_t comment_end(const struct lexer *lx, size_t i, int nest)
{
	while (i < lx->len) {
		unsigned char c = lx->s[i++];

		if (nest > 0 && c == '/' && i < lx->len && lx->s[i] == '*') {
			i = comment_end(lx, i + 1, nest - 1);
			continue;
		}
		if (c == '*' && i < lx->len && lx->s[i] == '/')
			return i + 1;
	}
	return lx->len;
}

/*
 * At "/" "*" (i): skips a comment, or enters an executable one whose content is read as code.
 * MariaDB executes an unversioned one always, and "!NNNNN" when NNNNN < 50700: every server in
 * use runs those (mysqldump's SET NAMES is one). Any other version, or the MariaDB-only
 * "M!" form, depends on the server: both readings are tried.
 */
static size_t open_comment(struct lexer *lx, size_t i)
{
	const unsigned char *s = lx->s;
	size_t n = lx->len, p = i + 2, d = 0, e;
	unsigned long version = 0;
	bool maria = false;

	if (p < n && s[p] == '!') {
		p++;
	} else if (p + 1 < n && s[p] == 'M' && s[p + 1] == '!') {
		maria = true;
		p += 2;
	} else {
		e = comment_end(lx, i + 2, 0);
		note_hint(lx, i, e);
		return e;
	}
	while (d < 6 && p + d < n && is_digit(s[p + d]))
		version = version * 10 + (s[p + d++] - '0');
	if (d < 5)
		d = 0; /* not a version: the content starts right after the '!' */
	if (maria || d == 6 || (d == 5 && version >= 50700)) {
		lx->seen |= SEEN_VERSIONED;
		if (lx->skip_versioned) {
			e = comment_end(lx, i + 2, 1);
			note_hint(lx, i, e);
			return e;
		}
	}
	lx->in_exec = true;
	return p + d;
}

/* "--" starts a comment only when a space or a control character (or the end) follows. */
static bool dash_comment(const struct lexer *lx, size_t i)
{
	const unsigned char *s = lx->s;

	if (s[i] != '-' || i + 1 >= lx->len || s[i + 1] != '-')
		return false;
	return i + 2 >= lx->len || s[i + 2] <= ' ' || s[i + 2] == 0x7f || is_space(lx, s[i + 2]);
}

/* Skips white space and comments, and crosses the ends of executable comments. */
static size_t skip_blank(struct lexer *lx, size_t i)
{
	const unsigned char *s = lx->s;
	size_t n = lx->len, e;

	for (;;) {
		while (i < n && is_space(lx, s[i]))
			i++;
		if (i >= n)
			return n;
		if (s[i] == '#' || dash_comment(lx, i)) {
			/* MariaDB ends these at a NUL byte too; the NUL then is a token */
			for (e = i; e < n && s[e] != '\n' && s[e]; e++)
				;
			note_hint(lx, i, e);
			i = e;
		} else if (s[i] == '/' && i + 1 < n && s[i + 1] == '*') {
			i = open_comment(lx, i);
		} else if (lx->in_exec && s[i] == '*' && i + 1 < n && s[i + 1] == '/') {
			lx->in_exec = false;
			i += 2;
		} else {
			return i;
		}
	}
}

/* Quoted text from i (after the opening quote q): the index of the closing quote, or len. */
static size_t quoted_end(struct lexer *lx, size_t i, unsigned char q)
{
	bool esc = (q == '\'' && lx->bs != BS_NONE) || (q == '"' && lx->bs == BS_BOTH);

	while (i < lx->len) {
		unsigned char c = lx->s[i];

		if (mb_pair(lx, i)) {
			i += 2;
		} else if (c == '\\' && q != '`') {
			lx->seen |= SEEN_BACKSLASH;
			i += esc ? 2 : 1;
		} else if (c == q) {
			if (i + 1 < lx->len && lx->s[i + 1] == q)
				i += 2; /* doubled: a quote inside */
			else
				return i;
		} else {
			i++;
		}
	}
	return lx->len;
}

/* A quoted token from i (at the opening quote); returns where lexing goes on. */
static size_t lex_quoted(struct lexer *lx, size_t i, struct tok *t)
{
	size_t e = quoted_end(lx, i + 1, lx->s[i]);

	t->p = (const char *)lx->s + i + 1;
	t->n = e - i - 1;
	return e < lx->len ? e + 1 : e;
}

/*
 * At '@'. A user variable's name is quoted or runs over identifier characters and dots
 * (MariaDB's MY_LEX_HOSTNAME); a system variable's name is the identifier right after "@@",
 * with no space: MariaDB rejects "@@ x" and "@ x" has an empty name.
 */
static size_t lex_var(struct lexer *lx, size_t i, struct tok *t)
{
	const unsigned char *s = lx->s;
	size_t n = lx->len, k;

	if (i + 1 < n && s[i + 1] == '@') {
		t->type = T_SYSVAR;
		i += 2;
		if (i < n && s[i] == '`') {
			t->quoted = true;
			return lex_quoted(lx, i, t);
		}
		t->p = (const char *)s + i;
		t->n = ident_run(lx, i) - i;
		return i + t->n;
	}
	t->type = T_USERVAR;
	i++;
	if (i < n && (s[i] == '\'' || s[i] == '"' || s[i] == '`')) {
		t->quoted = true;
		return lex_quoted(lx, i, t);
	}
	t->p = (const char *)s + i;
	for (k = i; k < n; k += s[k] == '.' ? 1 : ident_len(lx, k))
		if (s[k] != '.' && !ident_len(lx, k))
			break;
	t->n = k - i;
	return k;
}

/*
 * At a digit: an integer, a decimal ("1.5", "1." but not the "1" of "1..2"), a float ("1e5",
 * "1.5e-3"), or an identifier that starts with digits ("1abc", also 0x1f and 0b01). What follows
 * a number's end is never swallowed: "1.FOR UPDATE" keeps its FOR.
 */
static size_t lex_number(struct lexer *lx, size_t i, struct tok *t)
{
	const unsigned char *s = lx->s;
	size_t n = lx->len, k;

	t->type = T_NUMBER;
	while (i < n && is_digit(s[i]))
		i++;
	if (i < n && ident_len(lx, i)) {
		if (lower(s[i]) == 'e') {
			k = i + 1;
			if (k < n && (s[k] == '+' || s[k] == '-'))
				k++;
			if (k < n && is_digit(s[k])) {
				while (k < n && is_digit(s[k]))
					k++;
				return k;
			}
		}
		t->type = T_WORD;
		return ident_run(lx, i);
	}
	if (i < n && s[i] == '.' && !(i + 1 < n && s[i + 1] == '.')) {
		for (i++; i < n && is_digit(s[i]); i++)
			;
		if (i < n && lower(s[i]) == 'e') {
			k = i + 1;
			if (k < n && (s[k] == '+' || s[k] == '-'))
				k++;
			if (k < n && is_digit(s[k])) {
				for (i = k; i < n && is_digit(s[i]); i++)
					;
			}
		}
	}
	return i;
}

static void lex_next(struct lexer *lx, struct tok *t)
{
	const unsigned char *s = lx->s;
	size_t i = skip_blank(lx, lx->pos), start = i;
	unsigned char c;

	t->quoted = false;
	t->p = (const char *)s + i;
	t->n = 0;
	if (i >= lx->len) {
		t->type = T_END;
		goto out;
	}
	c = s[i];
	if (c == '\'' || c == '"') {
		t->type = T_STRING;
		i = lex_quoted(lx, i, t);
	} else if (c == '`') {
		t->type = T_QIDENT;
		i = lex_quoted(lx, i, t);
	} else if (c == '@') {
		i = lex_var(lx, i, t);
	} else if (is_digit(c)) {
		i = lex_number(lx, i, t);
		t->n = i - start;
	} else if (ident_len(lx, i)) {
		t->type = T_WORD;
		i = ident_run(lx, i);
		t->n = i - start;
	} else {
		i++;
		switch (c) {
		case '(':
			t->type = T_LPAREN;
			break;
		case ')':
			t->type = T_RPAREN;
			break;
		case ',':
			t->type = T_COMMA;
			break;
		case ';':
			t->type = T_SEMI;
			break;
		case '.':
			t->type = T_DOT;
			break;
		case ':':
			t->type = T_OP;
			if (i < lx->len && s[i] == '=') {
				t->type = T_ASSIGN;
				i++;
			}
			break;
		default:
			t->type = T_OP;
			break;
		}
		t->n = i - start;
	}
out:
	lx->pos = i;
	t->end = i;
	t->exec_after = lx->in_exec;
}

/* The current token and two of lookahead, each lexed once. */
struct stream {
	struct lexer lx;
	struct tok t[3];
};

static void st_init(struct stream *st, const struct lexer *lx)
{
	st->lx = *lx;
	lex_next(&st->lx, &st->t[0]);
	lex_next(&st->lx, &st->t[1]);
	lex_next(&st->lx, &st->t[2]);
}

static void st_next(struct stream *st)
{
	st->t[0] = st->t[1];
	st->t[1] = st->t[2];
	lex_next(&st->lx, &st->t[2]);
}

static bool stmt_end(const struct tok *t)
{
	return t->type == T_END || t->type == T_SEMI;
}

/* Whether the token's text is kw (lower case), ASCII case-insensitively. */
static bool text_is(const struct tok *t, const char *kw)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!kw[i] || lower((unsigned char)t->p[i]) != (unsigned char)kw[i])
			return false;
	return !kw[i];
}

static bool is_kw(const struct tok *t, const char *kw)
{
	return t->type == T_WORD && text_is(t, kw);
}

static bool is_name(const struct tok *t)
{
	return t->type == T_WORD || t->type == T_QIDENT;
}

/* ---------------------------------------------------------------------------------------- */
/* Facts: what anywhere in a statement keeps it off a replica */

struct facts {
	const char *write_why; /* makes a read a write */
	const char *pin_why;   /* pins the session */
	bool last_server;      /* reads @@warning_count or @@error_count */
	bool uservar;	       /* names a user variable (CALL and LOAD may assign it) */
};

static void set_why(const char **slot, const char *why)
{
	if (!*slot)
		*slot = why;
}

/*
 * Functions whose result depends on the server or the session, or that change state. Quoted
 * names count too: MariaDB resolves `get_lock`(...) to the built-in. A qualified db.get_lock()
 * is a stored function, counted anyway: when unsure, the primary.
 */
static const struct {
	const char *name;
	const char *why;
	bool pin;
} functions[] = {
	{ "get_lock", "GET_LOCK", true },
	{ "release_lock", "lock function", false },
	{ "release_all_locks", "lock function", false },
	{ "is_free_lock", "lock function", false },
	{ "is_used_lock", "lock function", false },
	{ "last_insert_id", "identity function", false },
	{ "found_rows", "identity function", false },
	{ "row_count", "identity function", false },
	{ "connection_id", "identity function", false },
	{ "nextval", "sequence", false },
	{ "lastval", "sequence", false },
	{ "setval", "sequence", false },
	{ "master_pos_wait", "replication function", false },
	{ "master_gtid_wait", "replication function", false },
	{ "source_pos_wait", "replication function", false },
	{ "wait_for_executed_gtid_set", "replication function", false },
	{ "wait_until_sql_thread_after_gtids", "replication function", false },
	{ "binlog_gtid_pos", "replication function", false },
};

static void call(struct facts *fx, const struct tok *name)
{
	size_t i;

	for (i = 0; i < sizeof(functions) / sizeof(functions[0]); i++) {
		if (text_is(name, functions[i].name)) {
			set_why(&fx->write_why, functions[i].why);
			if (functions[i].pin)
				set_why(&fx->pin_why, functions[i].why);
			return;
		}
	}
}

static bool is_scope(const struct tok *t)
{
	return text_is(t, "global") || text_is(t, "session") || text_is(t, "local");
}

static bool is_op(const struct tok *t, char c)
{
	return t->type == T_OP && t->n == 1 && t->p[0] == c;
}

/*
 * The name of a system variable being read (the token after "@@", or after "@@session."):
 * the session's identity variables are the primary's. In SET, a variable followed by = is
 * being assigned, not read: SET insert_id = 5 is plain session state.
 */
static void sysvar(struct facts *fx, const struct tok *name, const struct tok *next, bool is_set)
{
	if (is_set && (is_op(next, '=') || next->type == T_ASSIGN))
		return;
	if (text_is(name, "last_insert_id") || text_is(name, "identity") ||
	    text_is(name, "last_gtid") || text_is(name, "insert_id"))
		set_why(&fx->write_why, "identity variable");
	else if (text_is(name, "warning_count") || text_is(name, "error_count"))
		fx->last_server = true;
}

/* Scans one statement to its end (st then is at its ';' or the end of input). */
static void scan_facts(struct stream *st, struct facts *fx)
{
	bool is_set = is_kw(&st->t[0], "set") && !is_kw(&st->t[1], "statement");
	enum tok_type prev = T_END;
	int into = 0;	/* after INTO: 1 a name may follow, 2 a comma may */
	int scoped = 0; /* after @@session: 2 the dot comes, 1 the name */

	memset(fx, 0, sizeof(*fx));
	for (; !stmt_end(&st->t[0]); prev = st->t[0].type, st_next(st)) {
		const struct tok *t = &st->t[0], *t1 = &st->t[1], *t2 = &st->t[2];

		if (scoped && !--scoped)
			sysvar(fx, t, t1, is_set);

		/* INTO @a, @b: every variable in the list is assigned */
		if (into == 1) {
			if (t->type == T_USERVAR)
				set_why(&fx->pin_why, "user variable");
			into = is_name(t) || t->type == T_USERVAR ? 2 : 0;
		} else if (into == 2) {
			into = t->type == T_COMMA ? 1 : 0;
		}

		switch (t->type) {
		case T_WORD:
			if (t1->type == T_LPAREN)
				call(fx, t);
			if (is_kw(t, "for") && (is_kw(t1, "update") || is_kw(t1, "share"))) {
				set_why(&fx->write_why, "locking read");
			} else if (is_kw(t, "lock")) { /* LOCK IN SHARE MODE; LOCK is reserved */
				set_why(&fx->write_why, "locking read");
			} else if (is_kw(t, "into")) {
				set_why(&fx->write_why, "SELECT INTO");
				into = 1;
			} else if ((is_kw(t, "next") || is_kw(t, "previous")) &&
				   is_kw(t1, "value") && is_kw(t2, "for")) {
				set_why(&fx->write_why, "sequence");
			} else if (is_kw(t, "sql_calc_found_rows")) {
				/* its FOUND_ROWS() will be asked of the primary */
				set_why(&fx->write_why, "found rows");
			} else if (prev == T_DOT && (is_kw(t, "nextval") || is_kw(t, "currval") ||
						     is_kw(t, "lastval"))) {
				/* s.nextval, in sql_mode=ORACLE */
				set_why(&fx->write_why, "sequence");
			}
			break;
		case T_QIDENT:
		case T_STRING:
			if (t1->type == T_LPAREN)
				call(fx, t);
			break;
		case T_USERVAR:
			fx->uservar = true;
			break;
		case T_ASSIGN:
			/* outside SET, := only ever assigns a user variable */
			if (!is_set || prev == T_USERVAR)
				set_why(&fx->pin_why, "user variable");
			if (!is_set)
				set_why(&fx->write_why, "assignment");
			break;
		case T_SYSVAR:
			if (!t->quoted && is_scope(t) && t1->type == T_DOT && is_name(t2))
				scoped = 2;
			else
				sysvar(fx, t, t1, is_set);
			break;
		default:
			break;
		}
	}
}

/* ---------------------------------------------------------------------------------------- */
/* Kinds: what the statement is, from its first tokens */

struct stmt {
	enum sql_route route;
	unsigned int flags; /* SQL_F_LAST_SERVER, SQL_F_USE */
	const char *why;
	const char *pin_why; /* non-NULL: pins the session */
	bool session;	     /* changes session state, wherever it finally goes */
};

static void as_write(struct stmt *r, const char *why)
{
	r->route = SQL_ROUTE_WRITE;
	r->why = why;
}

static void as_read(struct stmt *r, const struct facts *fx, const char *why)
{
	if (fx->write_why) {
		as_write(r, fx->write_why);
		return;
	}
	r->route = SQL_ROUTE_READ;
	r->why = why;
	if (fx->last_server)
		r->flags |= SQL_F_LAST_SERVER;
}

static void as_session(struct stmt *r, const struct facts *fx, const char *why)
{
	r->session = true;
	if (fx->write_why) {
		/* SET x = LAST_INSERT_ID(): the replica would compute another value */
		as_write(r, fx->write_why);
		return;
	}
	r->route = SQL_ROUTE_SESSION;
	r->why = why;
}

static bool is_query_start(const struct tok *t)
{
	return t->type == T_LPAREN || is_kw(t, "select") || is_kw(t, "with") ||
	       is_kw(t, "values") || is_kw(t, "table");
}

/* WITH [RECURSIVE] cte AS (...) [, ...] then the statement proper, at depth 0. */
static void with_stmt(struct stream *st, const struct facts *fx, struct stmt *r)
{
	size_t depth = 0;
	bool after_body = false; /* a parenthesis just closed at depth 0 */

	for (st_next(st); !stmt_end(&st->t[0]); st_next(st)) {
		const struct tok *t = &st->t[0];

		if (t->type == T_LPAREN) {
			if (!depth && after_body) { /* WITH c AS (...) (SELECT ...) */
				as_read(r, fx, "select");
				return;
			}
			depth++;
		} else if (t->type == T_RPAREN && depth) {
			if (!--depth) {
				after_body = true;
				continue;
			}
		} else if (!depth) {
			if (is_kw(t, "select") || is_kw(t, "values") || is_kw(t, "table")) {
				as_read(r, fx, "select");
				return;
			}
			if (is_kw(t, "update") || is_kw(t, "delete") || is_kw(t, "insert") ||
			    is_kw(t, "replace")) {
				as_write(r, "write");
				return;
			}
		}
		if (!depth)
			after_body = false;
	}
	as_write(r, "unknown");
}

/* At the word after SHOW. */
static void show_stmt(struct stream *st, const struct facts *fx, struct stmt *r)
{
	const struct tok *t = &st->t[0];

	if (is_kw(t, "master") || is_kw(t, "binlog") || is_kw(t, "binary") ||
	    is_kw(t, "replicas") || (is_kw(t, "slave") && is_kw(&st->t[1], "hosts"))) {
		as_write(r, "primary status");
	} else if (is_kw(t, "warnings") || is_kw(t, "errors") || is_kw(t, "count") ||
		   is_kw(t, "profile") || is_kw(t, "profiles")) {
		/* about the previous statement, on the server that ran it */
		as_read(r, fx, "warnings");
		if (r->route == SQL_ROUTE_READ)
			r->flags |= SQL_F_LAST_SERVER;
	} else {
		as_read(r, fx, "show");
	}
}

/* EXPLAIN EXTENDED | PARTITIONS | ANALYZE | FORMAT = x, and ANALYZE FORMAT = x. */
static void skip_explain_options(struct stream *st)
{
	for (;;) {
		const struct tok *t = &st->t[0];

		if (is_kw(t, "extended") || is_kw(t, "partitions") || is_kw(t, "analyze")) {
			st_next(st);
		} else if (is_kw(t, "format")) {
			st_next(st);
			if (is_op(&st->t[0], '='))
				st_next(st);
			st_next(st);
		} else {
			return;
		}
	}
}

static bool is_comma(const struct tok *t)
{
	return t->type == T_COMMA;
}

static bool is_for(const struct tok *t)
{
	return is_kw(t, "for");
}

/* Past the next token outside parentheses that stop accepts; false at the statement's end. */
static bool skip_past(struct stream *st, bool (*stop)(const struct tok *))
{
	size_t depth = 0;

	for (st_next(st); !stmt_end(&st->t[0]); st_next(st)) {
		if (st->t[0].type == T_LPAREN) {
			depth++;
		} else if (st->t[0].type == T_RPAREN) {
			if (depth)
				depth--;
		} else if (!depth && stop(&st->t[0])) {
			st_next(st);
			return true;
		}
	}
	return false;
}

/*
 * SET, at the word after it: a list of assignments, each [GLOBAL|SESSION|...] target = value.
 * All session variables: session state. A global one, SET PASSWORD, SET TRANSACTION (only the
 * next transaction): the primary. A user variable: the primary, and the session stays there,
 * for the variable exists nowhere else.
 */
static void set_stmt(struct stream *st, const struct facts *fx, struct stmt *r)
{
	const char *write = NULL;
	bool global = false, user = false;

	if (is_kw(&st->t[0], "password")) {
		as_write(r, "set password");
		return;
	}
	if (is_kw(&st->t[0], "role")) {
		as_session(r, fx, "session state");
		return;
	}
	if (is_kw(&st->t[0], "default") && is_kw(&st->t[1], "role")) {
		as_write(r, "set default role");
		return;
	}
	do {
		const struct tok *t = &st->t[0];
		int scope = 0; /* 1 session, 2 global */

		if (is_kw(t, "global") || is_kw(t, "persist") || is_kw(t, "persist_only")) {
			scope = 2;
			st_next(st);
		} else if (is_kw(t, "session") || is_kw(t, "local")) {
			scope = 1;
			st_next(st);
		}
		switch (t->type) {
		case T_USERVAR:
			user = true;
			break;
		case T_SYSVAR:
			if (!t->n)
				set_why(&write, "unknown");
			else if (scope == 2 ||
				 (!t->quoted && text_is(t, "global") && st->t[1].type == T_DOT))
				global = true;
			break;
		case T_WORD:
			if (is_kw(t, "transaction")) {
				if (scope == 2)
					global = true;
				else if (scope != 1)
					set_why(&write, "set transaction");
			} else if (is_kw(t, "password")) {
				set_why(&write, "set password");
			} else if (scope == 2) {
				global = true;
			}
			break; /* NAMES, CHARACTER SET, CHARSET, a variable */
		case T_QIDENT:
			if (scope == 2)
				global = true;
			break;
		default:
			set_why(&write, "unknown");
			break;
		}
	} while (skip_past(st, is_comma)); /* the next assignment */

	if (user)
		r->pin_why = "user variable";
	if (global)
		as_write(r, "set global");
	else if (write)
		as_write(r, write);
	else if (user)
		as_write(r, "user variable");
	else
		as_session(r, fx, "session state");
}

/* Classifies the statement at st; fx holds its facts. */
static void kind(struct stream *st, const struct facts *fx, struct stmt *r)
{
	const struct tok *t = &st->t[0];

	/* loops only forward: into EXPLAIN's query and SET STATEMENT's statement */
	for (;;) {
		bool paren = false;

		while (t->type == T_LPAREN) {
			st_next(st);
			paren = true;
		}
		if (t->type != T_WORD) {
			as_write(r, "unknown");
			return;
		}
		if (is_kw(t, "select") || is_kw(t, "values") || is_kw(t, "table")) {
			as_read(r, fx, "select");
			return;
		}
		if (is_kw(t, "with")) {
			with_stmt(st, fx, r);
			return;
		}
		if (paren) {
			as_write(r, "unknown");
			return;
		}
		if (is_kw(t, "show")) {
			st_next(st);
			show_stmt(st, fx, r);
			return;
		}
		if (is_kw(t, "explain") || is_kw(t, "describe") || is_kw(t, "desc")) {
			st_next(st);
			skip_explain_options(st);
			if (is_query_start(t))
				continue;
			if (is_kw(t, "insert") || is_kw(t, "update") || is_kw(t, "delete") ||
			    is_kw(t, "replace"))
				as_write(r, "explain write");
			else if (is_name(t) && !is_kw(t, "for")) /* DESCRIBE tbl */
				as_read(r, fx, "describe");
			else
				as_write(r, "unknown"); /* EXPLAIN FOR CONNECTION n, ... */
			return;
		}
		if (is_kw(t, "analyze")) {
			/* MariaDB's ANALYZE stmt runs stmt; ANALYZE TABLE writes statistics */
			st_next(st);
			skip_explain_options(st);
			if (is_query_start(t) && !is_kw(t, "table"))
				continue;
			as_write(r, "write");
			return;
		}
		if (is_kw(t, "set")) {
			st_next(st);
			if (is_kw(t, "statement")) {
				if (!skip_past(st, is_for)) { /* SET STATEMENT ... FOR stmt */
					as_write(r, "unknown");
					return;
				}
				continue;
			}
			set_stmt(st, fx, r);
			return;
		}
		if (is_kw(t, "help")) {
			as_read(r, fx, "help");
			return;
		}
		if (is_kw(t, "use")) {
			r->session = true;
			r->route = SQL_ROUTE_SESSION;
			r->flags |= SQL_F_USE;
			r->why = "use";
			return;
		}
		if (is_kw(t, "lock")) {
			st_next(st);
			if (is_kw(t, "tables") || is_kw(t, "table"))
				r->pin_why = "LOCK TABLES";
		} else if (is_kw(t, "create")) {
			st_next(st);
			if (is_kw(t, "or") && is_kw(&st->t[1], "replace")) {
				st_next(st);
				st_next(st);
			}
			if (is_kw(t, "temporary"))
				r->pin_why = "temporary table";
		} else if (is_kw(t, "prepare")) {
			r->pin_why = "PREPARE";
		} else if (is_kw(t, "call") || is_kw(t, "load") || is_kw(t, "get")) {
			/* OUT parameters, LOAD DATA (@col), GET DIAGNOSTICS @n = ...: assigned */
			if (fx->uservar)
				r->pin_why = "user variable";
		} else if (is_kw(t, "begin") || is_kw(t, "start") || is_kw(t, "commit") ||
			   is_kw(t, "rollback") || is_kw(t, "savepoint") || is_kw(t, "release") ||
			   is_kw(t, "xa")) {
			as_write(r, "transaction");
			return;
		}
		as_write(r, "write");
		return;
	}
}

/* ---------------------------------------------------------------------------------------- */
/* One reading of the whole text, then all the readings together */

struct run {
	enum sql_route route;
	unsigned int flags; /* SQL_F_MULTI, SQL_F_LAST_SERVER, SQL_F_USE */
	const char *why;
	const char *pin_why;
	bool empty;   /* no statement at all */
	bool session; /* some statement changes session state */
	unsigned int seen;
};

static void run_once(const unsigned char *s, size_t len, bool skip_versioned, unsigned int bs,
		     unsigned int cs, struct run *out)
{
	struct lexer lx = {
		.s = s,
		.len = len,
		.skip_versioned = skip_versioned,
		.bs = (unsigned char)bs,
		.cs = (unsigned char)cs,
	};
	struct stmt first = { 0 };
	unsigned int nstmt = 0;
	bool lead_empty = false, at_first = true;
	struct stream st, k;
	struct facts fx;

	memset(out, 0, sizeof(*out));
	for (;;) {
		struct stmt r = { 0 };

		st_init(&st, &lx);
		lx.seen = st.lx.seen;
		if (st.t[0].type == T_END)
			break;
		if (st.t[0].type != T_SEMI) {
			scan_facts(&st, &fx);
			st_init(&k, &lx);
			kind(&k, &fx, &r);
			lx.seen = st.lx.seen | k.lx.seen;
			if (fx.pin_why && !r.pin_why)
				r.pin_why = fx.pin_why;
			if (!nstmt++)
				first = r;
			set_why(&out->pin_why, r.pin_why);
			out->session |= r.session;
		} else if (at_first) {
			lead_empty = true; /* ";SELECT 1" is two statements, the first empty */
		}
		if (st.t[0].type == T_END)
			break;
		at_first = false;
		lx.pos = st.t[0].end;
		lx.in_exec = st.t[0].exec_after;
	}
	out->seen = lx.seen;
	if (!nstmt) {
		out->empty = true;
		out->route = SQL_ROUTE_WRITE;
		out->why = "empty";
	} else if (nstmt > 1 || lead_empty) {
		out->route = SQL_ROUTE_WRITE;
		out->flags = SQL_F_MULTI;
		out->why = "multi-statement";
	} else {
		out->route = first.route;
		out->flags = first.flags;
		out->why = first.why;
	}
}

/* Folds reading r into acc: where they differ, the primary. */
static void fold(struct run *acc, const struct run *r)
{
	set_why(&acc->pin_why, r->pin_why);
	acc->session |= r->session;
	if (r->empty) /* a reading with no statement runs nothing anywhere */
		return;
	if (acc->empty) {
		acc->empty = false;
		acc->route = r->route;
		acc->flags = r->flags;
		acc->why = r->why;
		return;
	}
	acc->flags |= r->flags & (SQL_F_MULTI | SQL_F_LAST_SERVER);
	if (acc->route != r->route || ((acc->flags ^ r->flags) & SQL_F_USE)) {
		if (acc->route != SQL_ROUTE_WRITE)
			acc->why = r->route == SQL_ROUTE_WRITE ? r->why : "ambiguous statement";
		acc->route = SQL_ROUTE_WRITE;
	}
}

/* What in the text calls for a reading under another character set. */
static unsigned int prescan(const unsigned char *s, size_t len)
{
	unsigned int seen = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == 0xa0)
			seen |= SEEN_NBSP;
		if (s[i] >= 0x81 && s[i] <= 0xfe && i + 1 < len &&
		    (s[i + 1] == '\\' || s[i + 1] == '`'))
			seen |= SEEN_MB_TRAIL;
	}
	return seen;
}

static bool reading_applies(bool skip, unsigned int bs, unsigned int cs, unsigned int seen)
{
	if (skip && !(seen & SEEN_VERSIONED))
		return false;
	if (bs != BS_BOTH && !(seen & SEEN_BACKSLASH))
		return false;
	if (cs == CS_LATIN1 && !(seen & SEEN_NBSP))
		return false;
	if (cs >= CS_GBK && !(seen & SEEN_MB_TRAIL))
		return false;
	return true;
}

void sql_classify(const char *sql, size_t len, struct sql_class *out)
{
	const unsigned char *s = (const unsigned char *)sql;
	bool done[2][NR_BS][NR_CS] = { { { false } } }, more;
	unsigned int seen, skip, bs, cs, flags;
	enum sql_route route;
	const char *pin;
	struct run acc, r;

	if (!s) {
		s = (const unsigned char *)"";
		len = 0;
	}
	seen = prescan(s, len);
	run_once(s, len, false, BS_BOTH, CS_UTF8, &acc);
	done[0][BS_BOTH][CS_UTF8] = true;
	seen |= acc.seen;
	/* a reading can reveal what calls for another: go on until none is left */
	more = seen & (SEEN_VERSIONED | SEEN_BACKSLASH | SEEN_NBSP | SEEN_MB_TRAIL);
	while (more) {
		more = false;
		for (skip = 0; skip < 2; skip++) {
			for (bs = 0; bs < NR_BS; bs++) {
				for (cs = 0; cs < NR_CS; cs++) {
					if (done[skip][bs][cs] ||
					    !reading_applies(skip, bs, cs, seen))
						continue;
					run_once(s, len, skip, bs, cs, &r);
					done[skip][bs][cs] = true;
					seen |= r.seen;
					fold(&acc, &r);
					more = true;
				}
			}
		}
	}

	route = acc.route;
	flags = acc.flags & (SQL_F_MULTI | SQL_F_LAST_SERVER | SQL_F_USE);
	pin = acc.pin_why;
	if (seen & SEEN_HINT) {
		route = SQL_ROUTE_WRITE;
		flags |= SQL_F_HINT_PRIMARY;
	}
	/*
	 * Session state that ends up on the primary alone (in a multi-statement, under a hint, or
	 * as part of a write) would leave the replicas' sessions different: stay on the primary.
	 */
	if (!pin && route != SQL_ROUTE_SESSION && acc.session)
		pin = "session state on the primary";
	if (pin) {
		route = SQL_ROUTE_WRITE;
		flags |= SQL_F_PIN;
	}
	if (route != SQL_ROUTE_READ)
		flags &= ~SQL_F_LAST_SERVER;
	if (route != SQL_ROUTE_SESSION)
		flags &= ~SQL_F_USE;

	out->route = route;
	out->flags = flags;
	if (pin)
		out->why = pin;
	else if (flags & SQL_F_HINT_PRIMARY)
		out->why = "hint";
	else if (flags & SQL_F_MULTI)
		out->why = "multi-statement";
	else
		out->why = acc.why;
}
