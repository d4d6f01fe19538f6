/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The generic half of a config reader for the daemons' INI files (xlbd's xlb.conf,
 * xlb-sqlproxy's sqlproxy.conf): libinih behind a line reader that works around Debian's
 * libinih quirks (see inifile.c), section headers `[TYPE]` / `[TYPE NAME]`, per-section key tables
 * with repeat flags, duplicate detection, and one-line "FILE:LINE: what: expected ..." errors
 * of which only the first is kept. The caller owns the meaning: it enters sections, parses
 * values and checks what only it knows.
 *
 * Syntax every user of this file shares: `[section]` and `key = value` lines, a line may be
 * indented; `;` or `#` starts a comment at the start of a line or after a space or tab (so
 * `path#frag` and `pass;word` keep theirs); values lose their surrounding blanks; a line is
 * at most 197 characters after comments are removed (libinih's line buffer); `:` is no
 * separator.
 *
 * Use: embed struct xlb_ini first in your parse context, xlb_ini_init(), xlb_ini_open() or
 * xlb_ini_open_string(), xlb_ini_parse(), your checks of the whole file, xlb_ini_close().
 *
 * Needs -linih; the CLI links user/lib without it and must not call anything here.
 */
#ifndef XLB_INIFILE_H
#define XLB_INIFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "addr.h"

/* The most keys a section's table may have: seen[] is indexed by a key's place in it. */
#define XLB_INI_MAX_KEYS 16
/* "[TYPE NAME]" for messages, with the NUL. */
#define XLB_INI_DESC_LEN 80
/* Any value, with the NUL: libinih's 200-byte line buffer bounds every value. */
#define XLB_INI_VALUE_LEN 200
/* Durations: from 1ms to this. */
#define XLB_INI_MAX_DURATION_MS (60u * 60 * 1000)
/* A section callback's answer for a header it does not know. */
#define XLB_INI_UNKNOWN 1

struct xlb_ini;

struct xlb_ini_key {
	const char *name;
	bool repeat; /* may appear more than once in a section */
	/* 0, or the return of xlb_ini_fail*() */
	int (*parse)(struct xlb_ini *ini, const char *value);
};

struct xlb_ini_ops {
	/* the sections a file may have, for messages: "[lb], [vip NAME] or [mysql]" */
	const char *sections;
	/*
	 * A header: type, and name ("" without one), both without blanks around. Called after
	 * end_section for the previous section. Enters the section with xlb_ini_enter*() and
	 * returns 0, fails with xlb_ini_fail*(), or returns XLB_INI_UNKNOWN.
	 */
	int (*begin_section)(struct xlb_ini *ini, const char *type, const char *name);
	/* What can only be checked once a section is complete (also at the end of the file,
	 * unless an error came first). NULL: nothing. */
	int (*end_section)(struct xlb_ini *ini);
};

struct xlb_ini {
	const struct xlb_ini_ops *ops;
	const char *name;  /* the file, in messages */
	FILE *f;	   /* after xlb_ini_open: the file (fstat it), NULL for an empty text */
	unsigned int line; /* the physical line being parsed */

	/* the current section, as the last xlb_ini_enter*() set it */
	char sect_desc[XLB_INI_DESC_LEN];    /* "[lb]", "[vip web]" */
	unsigned int sect_line;		     /* of its header */
	unsigned int seen[XLB_INI_MAX_KEYS]; /* line of each key of its table, 0: absent */

	int err; /* the first error, 0 while none */

	/* private */
	const struct xlb_ini_key *keys; /* of the current section, NULL outside one */
	size_t nr_keys;
	char *errbuf;
	size_t errlen;
	char *buf; /* getline's */
	size_t cap;
};

/* name stands for the file in messages; err gets the first error's one line. */
void xlb_ini_init(struct xlb_ini *ini, const struct xlb_ini_ops *ops, const char *name, char *err,
		  size_t errlen);
/* 0, or -errno with "NAME: cannot open: ..." as the error. */
int xlb_ini_open(struct xlb_ini *ini, const char *path);
/* The same for a text in memory, which must outlive the parse. */
int xlb_ini_open_string(struct xlb_ini *ini, const char *text);
/* Reads every line, calling ops and the key tables; ends the last section. 0 or the first
 * error (-EINVAL for a bad file, -ENOMEM, or the -errno of reading). */
int xlb_ini_parse(struct xlb_ini *ini);
/* Closes the file; the error message stays. */
void xlb_ini_close(struct xlb_ini *ini);

/* An error at the line being parsed: -EINVAL. Only the first error of a parse is kept. */
__attribute__((format(printf, 2, 3))) int xlb_ini_fail(struct xlb_ini *ini, const char *fmt, ...);
/* An error blamed on another line (0: the whole file, "NAME: ..."), or of another kind. */
__attribute__((format(printf, 4, 5))) int xlb_ini_fail_at(struct xlb_ini *ini, unsigned int line,
							  int code, const char *fmt, ...);

/* Enters section [type name] (name "" for [type]) with its key table. */
void xlb_ini_enter(struct xlb_ini *ini, const char *type, const char *name,
		   const struct xlb_ini_key *keys, size_t nr_keys);
/* For a section that appears once: *first_line is 0 until it is seen (then its line). */
int xlb_ini_enter_once(struct xlb_ini *ini, unsigned int *first_line, const char *type,
		       const struct xlb_ini_key *keys, size_t nr_keys);
/* "duplicate section [type name] (also at line N): expected each section once" */
int xlb_ini_fail_dup_section(struct xlb_ini *ini, const char *type, const char *name,
			     unsigned int first_line);
/* Section names ([vip NAME], [server NAME]): 1 to size - 1 characters of [A-Za-z0-9_.-]
 * (they become metric labels and admin-socket words). what: "VIP", "server", in messages. */
int xlb_ini_check_name(struct xlb_ini *ini, const char *what, const char *name, size_t size);

/* ---- values ---- */

/* key's value as a duration into *ms: a whole number with ms, s or m, from 1ms to 1h. A bare
 * number is refused: the unit is never guessed. */
int xlb_ini_duration(struct xlb_ini *ini, const char *key, const char *value, unsigned int *ms);
/* ms as the largest whole unit: "2m", "5s", "250ms". */
void xlb_ini_format_duration(unsigned int ms, char *buf, size_t len);
/* on/off, yes/no, true/false, 1/0 in any case: 0 and *out, or -EINVAL. */
int xlb_ini_parse_bool(const char *s, bool *out);
/* ADDR:PORT or [ADDR6]:PORT with a numeric address and a port from 1: 0 or -EINVAL. */
int xlb_ini_parse_endpoint(const char *s, struct xlb_addr *ip, __u16 *port);
/* Splits s in place at blanks; returns the number of words, or max + 1 when there are more. */
int xlb_ini_split_words(char *s, char **words, int max);

#endif
