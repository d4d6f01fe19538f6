// SPDX-License-Identifier: GPL-2.0-only
/*
 * The config file parser (keys and rules in config.h). libinih splits lines into sections and
 * key/value pairs; a reader of our own sits in front of it, because Debian's libinih 55 as
 * built (checked against the library, not just its header) would otherwise:
 *   - treat an indented line as a continuation of the previous key's value (multi-line
 *     values are on), so "  backend = b" after "backend = a" became a backend "backend = b";
 *   - strip inline `;` comments but not `#` ones;
 *   - cut a line longer than its 200-byte buffer and parse the rest as a new line, which
 *     shifts every later line number and loses part of a value without a word;
 *   - never show the handler a section without keys, so `[vip web]` alone or `[foo]` would
 *     pass unnoticed.
 * So the reader hands libinih one physical line per call (libinih's line numbers stay ours),
 * already stripped of comments and leading blanks, and checks section headers itself. The
 * first error is kept, and the reader then ends the input so that no second one is made.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Debian's libinih1 is built with INI_HANDLER_LINENO: it passes the line to the handler. */
#define INI_HANDLER_LINENO 1
#include <ini.h>

#include "config.h"

enum section {
	SECT_NONE,
	SECT_LB,
	SECT_VIP,
	SECT_MYSQL,
};

/* The most keys any section has: seen[] below is indexed by a key's place in its table. */
#define MAX_SECTION_KEYS 8

struct parse_ctx {
	const char *name; /* the file, in messages */
	FILE *f;
	char *buf; /* getline's */
	size_t cap;
	unsigned int line; /* the physical line being parsed */
	struct xlbd_config *cfg;

	enum section sect;
	struct xlbd_vip *vip; /* in [vip NAME] */
	char sect_desc[XLBD_NAME_LEN + 8];
	unsigned int sect_line;
	unsigned int seen[MAX_SECTION_KEYS]; /* line of each key in this section, 0: absent */
	const struct key_spec *keys;	     /* of this section */
	size_t nr_keys;

	/* lines kept only for messages ("also at line N") and checks at a section's end */
	unsigned int lb_line, mysql_line;
	unsigned int vip_addr_line[XLB_MAX_VIPS];
	unsigned int if_line[XLBD_MAX_INTERFACES];
	unsigned int node_line[XLBD_MAX_MYSQL_NODES];
	unsigned int splitter_line[XLBD_MAX_SPLITTERS];
	unsigned int nr_backends_total;

	int err; /* the first error, 0 while none */
	char *errbuf;
	size_t errlen;
};

struct key_spec {
	const char *name;
	bool repeat;
	int (*parse)(struct parse_ctx *ctx, const char *value);
};

static int vfail(struct parse_ctx *ctx, unsigned int line, int code, const char *fmt, va_list ap)
{
	int n;

	if (ctx->err)
		return ctx->err; /* one message: the first */
	ctx->err = code;
	if (!ctx->errbuf || !ctx->errlen)
		return code;
	if (line)
		n = snprintf(ctx->errbuf, ctx->errlen, "%s:%u: ", ctx->name, line);
	else
		n = snprintf(ctx->errbuf, ctx->errlen, "%s: ", ctx->name);
	if (n >= 0 && (size_t)n < ctx->errlen)
		vsnprintf(ctx->errbuf + n, ctx->errlen - n, fmt, ap);
	return code;
}

/* A config error at the line being parsed. */
__attribute__((format(printf, 2, 3))) static int fail(struct parse_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(ctx, ctx->line, -EINVAL, fmt, ap);
	va_end(ap);
	return ret;
}

/* A config error blamed on another line (0: the whole file), or an error of another kind. */
__attribute__((format(printf, 4, 5))) static int fail_at(struct parse_ctx *ctx, unsigned int line,
							 int code, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(ctx, line, code, fmt, ap);
	va_end(ap);
	return ret;
}

/* ---- values ---- */

static void format_duration(unsigned int ms, char *buf, size_t len)
{
	if (ms % 60000 == 0)
		snprintf(buf, len, "%um", ms / 60000);
	else if (ms % 1000 == 0)
		snprintf(buf, len, "%us", ms / 1000);
	else
		snprintf(buf, len, "%ums", ms);
}

static int parse_duration(const char *s, unsigned int *ms)
{
	unsigned long n = 0, mult;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		n = n * 10 + (*p - '0');
		if (n > XLBD_MAX_DURATION_MS)
			return -EINVAL;
	}
	if (!strcmp(p, "ms"))
		mult = 1;
	else if (!strcmp(p, "s"))
		mult = 1000;
	else if (!strcmp(p, "m"))
		mult = 60000;
	else
		return -EINVAL;
	if (n == 0 || n * mult > XLBD_MAX_DURATION_MS)
		return -EINVAL;
	*ms = n * mult;
	return 0;
}

/* ADDR:PORT or [ADDR6]:PORT: a VIP without the protocol, so xlb_parse_vip does the work. */
static int parse_endpoint(const char *s, struct xlbd_endpoint *out)
{
	struct xlb_vip_spec v;
	char buf[XLBD_VALUE_LEN + 8];

	if (strchr(s, '/') || strlen(s) >= XLBD_VALUE_LEN)
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s/tcp", s);
	if (xlb_parse_vip(buf, &v) < 0)
		return -EINVAL;
	out->ip = v.ip;
	out->port = v.port;
	return 0;
}

static bool endpoint_equal(const struct xlbd_endpoint *a, const struct xlbd_endpoint *b)
{
	return xlb_addr_equal(&a->ip, &b->ip) && a->port == b->port;
}

/* Splits s in place at blanks; returns the number of words, or max + 1 when there are more. */
static int split_words(char *s, char **words, int max)
{
	char *save, *w;
	int n = 0;

	for (w = strtok_r(s, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return max + 1;
		words[n++] = w;
	}
	return n;
}

static int dur_key(struct parse_ctx *ctx, const char *key, const char *v, unsigned int *ms)
{
	if (parse_duration(v, ms) < 0)
		return fail(ctx,
			    "bad duration '%s' for %s in %s: expected a number with ms, s or m, "
			    "from 1ms to 1h (e.g. 250ms, 1s, 2m)",
			    v, key, ctx->sect_desc);
	return 0;
}

/* ---- [lb] ---- */

/* The kernel's rule for device names (dev_valid_name). */
static bool valid_ifname(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len >= IF_NAMESIZE || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s))
			return false;
	return true;
}

static int lb_interface(struct parse_ctx *ctx, const char *v)
{
	struct xlbd_lb *lb = &ctx->cfg->lb;

	if (!valid_ifname(v))
		return fail(ctx,
			    "bad interface name '%s': expected a network device name of 1 to %d "
			    "characters without '/', ':' or blanks",
			    v, IF_NAMESIZE - 1);
	for (unsigned int i = 0; i < lb->nr_interfaces; i++)
		if (!strcmp(lb->interfaces[i], v))
			return fail(
				ctx,
				"duplicate interface '%s' in [lb] (also at line %u): expected each "
				"interface once",
				v, ctx->if_line[i]);
	if (lb->nr_interfaces == XLBD_MAX_INTERFACES)
		return fail(ctx, "too many interfaces in [lb]: expected at most %d",
			    XLBD_MAX_INTERFACES);
	ctx->if_line[lb->nr_interfaces] = ctx->line;
	snprintf(lb->interfaces[lb->nr_interfaces++], IF_NAMESIZE, "%s", v);
	return 0;
}

static int lb_mode(struct parse_ctx *ctx, const char *v)
{
	if (!strcmp(v, "native"))
		ctx->cfg->lb.mode = XLBD_MODE_NATIVE;
	else if (!strcmp(v, "skb"))
		ctx->cfg->lb.mode = XLBD_MODE_SKB;
	else
		return fail(ctx, "bad mode '%s' in [lb]: expected native or skb", v);
	return 0;
}

static int lb_metrics(struct parse_ctx *ctx, const char *v)
{
	if (parse_endpoint(v, &ctx->cfg->lb.metrics) < 0)
		return fail(ctx,
			    "bad metrics address '%s' in [lb]: expected ADDR:PORT or [ADDR6]:PORT",
			    v);
	return 0;
}

static const struct key_spec lb_keys[] = {
	{ "interface", true, lb_interface },
	{ "mode", false, lb_mode },
	{ "metrics", false, lb_metrics },
};

/* ---- [vip NAME] ---- */

enum vip_key {
	VK_ADDRESS,
	VK_SCHEDULER,
	VK_BACKEND,
	VK_CHECK,
	VK_INTERVAL,
	VK_TIMEOUT,
	VK_RISE,
	VK_FALL,
};

static int vip_address(struct parse_ctx *ctx, const char *v)
{
	struct xlbd_config *cfg = ctx->cfg;
	struct xlbd_vip *vip = ctx->vip;
	struct xlb_vip_spec spec;
	char text[XLB_VIP_STRLEN];

	if (xlb_parse_vip(v, &spec) < 0)
		return fail(
			ctx,
			"bad address '%s' in %s: expected ADDR:PORT/PROTO or [ADDR6]:PORT/PROTO, "
			"PROTO tcp or udp",
			v, ctx->sect_desc);
	for (unsigned int i = 0; i < cfg->nr_vips; i++) {
		const struct xlb_vip_spec *o = &cfg->vips[i].addr;

		if (&cfg->vips[i] == vip || !ctx->vip_addr_line[i])
			continue;
		if (xlb_addr_equal(&o->ip, &spec.ip) && o->port == spec.port &&
		    o->proto == spec.proto) {
			xlb_format_vip(&spec, text, sizeof(text));
			return fail(
				ctx,
				"duplicate VIP %s (also [vip %s] at line %u): expected each VIP "
				"address once",
				text, cfg->vips[i].name, ctx->vip_addr_line[i]);
		}
	}
	vip->addr = spec;
	ctx->vip_addr_line[vip - cfg->vips] = ctx->line;
	return 0;
}

static int vip_scheduler(struct parse_ctx *ctx, const char *v)
{
	if (!strcmp(v, "rr"))
		ctx->vip->sched = XLB_SCHED_RR;
	else if (!strcmp(v, "wrr"))
		ctx->vip->sched = XLB_SCHED_WRR;
	else
		return fail(ctx, "bad scheduler '%s' in %s: expected rr or wrr", v, ctx->sect_desc);
	return 0;
}

static int vip_backend(struct parse_ctx *ctx, const char *v)
{
	struct xlbd_vip *vip = ctx->vip;
	struct xlbd_backend be = { .weight = XLBD_DEFAULT_WEIGHT, .line = ctx->line };
	char buf[XLBD_VALUE_LEN], text[XLB_VIP_STRLEN], *words[3];
	unsigned long weight;
	int n;

	snprintf(buf, sizeof(buf), "%s", v);
	n = split_words(buf, words, 2);
	if (n == 0 || n > 2 || xlb_parse_addr(words[0], &be.addr) < 0)
		return fail(ctx, "bad backend '%s' in %s: expected ADDR or ADDR weight=N", v,
			    ctx->sect_desc);
	xlb_format_addr(&be.addr, text, sizeof(text));
	if (n == 2) {
		if (strncmp(words[1], "weight=", 7) ||
		    xlb_parse_uint(words[1] + 7, XLB_MAX_WEIGHT, &weight) < 0)
			return fail(
				ctx,
				"bad weight '%s' for backend %s in %s: expected weight=N, N from "
				"0 to %d",
				words[1], text, ctx->sect_desc, XLB_MAX_WEIGHT);
		be.weight = weight;
	}
	for (unsigned int i = 0; i < vip->nr_backends; i++)
		if (xlb_addr_equal(&vip->backends[i].addr, &be.addr))
			return fail(ctx,
				    "duplicate backend %s in %s (also at line %u): expected each "
				    "backend once",
				    text, ctx->sect_desc, vip->backends[i].line);
	if (vip->nr_backends == XLB_MAX_BACKENDS_PER_VIP)
		return fail(ctx, "too many backends in %s: expected at most %d", ctx->sect_desc,
			    XLB_MAX_BACKENDS_PER_VIP);
	if (ctx->nr_backends_total == XLB_MAX_BACKENDS)
		return fail(ctx, "too many backends: expected at most %d in all VIPs together",
			    XLB_MAX_BACKENDS);

	/* grow by powers of two: reallocarray only when the count reaches one */
	if (!(vip->nr_backends & (vip->nr_backends - 1))) {
		unsigned int cap = vip->nr_backends ? vip->nr_backends * 2 : 4;
		struct xlbd_backend *b = reallocarray(vip->backends, cap, sizeof(*b));

		if (!b)
			return fail_at(ctx, 0, -ENOMEM, "out of memory");
		vip->backends = b;
	}
	vip->backends[vip->nr_backends++] = be;
	ctx->nr_backends_total++;
	return 0;
}

static int bad_check(struct parse_ctx *ctx, const char *v, const char *why)
{
	return fail(ctx,
		    "bad check '%s' in %s%s: expected tcp, http METHOD PATH STATUS, "
		    "https METHOD PATH STATUS or mysql USER PASSWORD_FILE",
		    v, ctx->sect_desc, why);
}

static int vip_check(struct parse_ctx *ctx, const char *v)
{
	struct xlbd_check c = {};
	char buf[XLBD_VALUE_LEN], *w[5];
	unsigned long status;
	int n;

	snprintf(buf, sizeof(buf), "%s", v);
	n = split_words(buf, w, 4);
	if (n == 0)
		return bad_check(ctx, v, "");
	if (!strcmp(w[0], "tcp")) {
		if (n != 1)
			return bad_check(ctx, v, " (tcp takes nothing more)");
		c.type = XLBD_CHECK_TCP;
	} else if (!strcmp(w[0], "http") || !strcmp(w[0], "https")) {
		c.type = strcmp(w[0], "https") ? XLBD_CHECK_HTTP : XLBD_CHECK_HTTPS;
		if (n != 4)
			return bad_check(ctx, v, " (want METHOD PATH STATUS)");
		if (strlen(w[1]) >= sizeof(c.method) ||
		    strspn(w[1], "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(w[1]))
			return bad_check(ctx, v, " (METHOD is a word in capitals, like GET)");
		if (w[2][0] != '/')
			return bad_check(ctx, v, " (PATH starts with '/')");
		if (xlb_parse_uint(w[3], 599, &status) < 0 || status < 100)
			return bad_check(ctx, v, " (STATUS is from 100 to 599)");
		strcpy(c.method, w[1]);
		snprintf(c.path, sizeof(c.path), "%s", w[2]);
		c.status = status;
	} else if (!strcmp(w[0], "mysql")) {
		if (n != 3)
			return bad_check(ctx, v, " (want USER PASSWORD_FILE)");
		c.type = XLBD_CHECK_MYSQL;
		snprintf(c.user, sizeof(c.user), "%s", w[1]);
		snprintf(c.password_file, sizeof(c.password_file), "%s", w[2]);
	} else {
		return bad_check(ctx, v, "");
	}
	ctx->vip->check = c;
	return 0;
}

static int vip_interval(struct parse_ctx *ctx, const char *v)
{
	return dur_key(ctx, "interval", v, &ctx->vip->interval_ms);
}

static int vip_timeout(struct parse_ctx *ctx, const char *v)
{
	return dur_key(ctx, "timeout", v, &ctx->vip->timeout_ms);
}

static int rise_fall(struct parse_ctx *ctx, const char *key, const char *v, unsigned int *out)
{
	unsigned long n;

	if (xlb_parse_uint(v, XLBD_MAX_RISE_FALL, &n) < 0 || n == 0)
		return fail(ctx, "bad %s '%s' in %s: expected a number of checks from 1 to %d", key,
			    v, ctx->sect_desc, XLBD_MAX_RISE_FALL);
	*out = n;
	return 0;
}

static int vip_rise(struct parse_ctx *ctx, const char *v)
{
	return rise_fall(ctx, "rise", v, &ctx->vip->rise);
}

static int vip_fall(struct parse_ctx *ctx, const char *v)
{
	return rise_fall(ctx, "fall", v, &ctx->vip->fall);
}

/* In enum vip_key's order. */
static const struct key_spec vip_keys[] = {
	{ "address", false, vip_address },   { "scheduler", false, vip_scheduler },
	{ "backend", true, vip_backend },    { "check", false, vip_check },
	{ "interval", false, vip_interval }, { "timeout", false, vip_timeout },
	{ "rise", false, vip_rise },	     { "fall", false, vip_fall },
};

/* ---- [mysql] ---- */

enum mysql_key {
	MK_NODE,
	MK_USER,
};

static int mysql_node(struct parse_ctx *ctx, const char *v)
{
	struct xlbd_mysql *m = &ctx->cfg->mysql;
	struct xlbd_endpoint ep;

	if (parse_endpoint(v, &ep) < 0)
		return fail(ctx, "bad node '%s' in [mysql]: expected ADDR:PORT or [ADDR6]:PORT", v);
	for (unsigned int i = 0; i < m->nr_nodes; i++)
		if (endpoint_equal(&m->nodes[i], &ep))
			return fail(ctx,
				    "duplicate node %s in [mysql] (also at line %u): expected each "
				    "node once",
				    v, ctx->node_line[i]);
	if (m->nr_nodes == XLBD_MAX_MYSQL_NODES)
		return fail(ctx, "too many nodes in [mysql]: expected at most %d",
			    XLBD_MAX_MYSQL_NODES);
	ctx->node_line[m->nr_nodes] = ctx->line;
	m->nodes[m->nr_nodes++] = ep;
	return 0;
}

static int mysql_user(struct parse_ctx *ctx, const char *v)
{
	if (!*v || strpbrk(v, " \t"))
		return fail(ctx, "bad user '%s' in [mysql]: expected a MariaDB user name", v);
	snprintf(ctx->cfg->mysql.user, XLBD_VALUE_LEN, "%s", v);
	return 0;
}

static int mysql_password_file(struct parse_ctx *ctx, const char *v)
{
	if (!*v)
		return fail(ctx, "empty password_file in [mysql]: expected the path of a file "
				 "holding the password");
	snprintf(ctx->cfg->mysql.password_file, XLBD_VALUE_LEN, "%s", v);
	return 0;
}

static int mysql_interval(struct parse_ctx *ctx, const char *v)
{
	return dur_key(ctx, "interval", v, &ctx->cfg->mysql.interval_ms);
}

static int mysql_splitter(struct parse_ctx *ctx, const char *v)
{
	struct xlbd_mysql *m = &ctx->cfg->mysql;

	if (!*v || strlen(v) >= XLBD_SOCK_PATH_LEN)
		return fail(ctx,
			    "bad splitter '%s' in [mysql]: expected the path of a splitter's admin "
			    "socket, at most %d characters",
			    v, XLBD_SOCK_PATH_LEN - 1);
	for (unsigned int i = 0; i < m->nr_splitters; i++)
		if (!strcmp(m->splitters[i], v))
			return fail(
				ctx,
				"duplicate splitter '%s' in [mysql] (also at line %u): expected "
				"each splitter once",
				v, ctx->splitter_line[i]);
	if (m->nr_splitters == XLBD_MAX_SPLITTERS)
		return fail(ctx, "too many splitters in [mysql]: expected at most %d",
			    XLBD_MAX_SPLITTERS);
	ctx->splitter_line[m->nr_splitters] = ctx->line;
	snprintf(m->splitters[m->nr_splitters++], XLBD_SOCK_PATH_LEN, "%s", v);
	return 0;
}

/* In enum mysql_key's order. */
static const struct key_spec mysql_keys[] = {
	{ "node", true, mysql_node },
	{ "user", false, mysql_user },
	{ "password_file", false, mysql_password_file },
	{ "interval", false, mysql_interval },
	{ "splitter", true, mysql_splitter },
};

/* ---- sections ---- */

/* What can only be checked once a section is complete. */
static int end_section(struct parse_ctx *ctx)
{
	struct xlbd_vip *vip = ctx->vip;
	char t[16], i[16];

	switch (ctx->sect) {
	case SECT_VIP:
		if (!ctx->seen[VK_ADDRESS])
			return fail_at(ctx, ctx->sect_line, -EINVAL,
				       "%s has no address: expected address = ADDR:PORT/PROTO",
				       ctx->sect_desc);
		if (!ctx->seen[VK_TIMEOUT]) {
			if (vip->timeout_ms > vip->interval_ms)
				vip->timeout_ms = vip->interval_ms;
		} else if (vip->timeout_ms > vip->interval_ms) {
			format_duration(vip->timeout_ms, t, sizeof(t));
			format_duration(vip->interval_ms, i, sizeof(i));
			/* blame the later of the two lines: it made them disagree */
			return fail_at(ctx,
				       ctx->seen[VK_TIMEOUT] > ctx->seen[VK_INTERVAL]
					       ? ctx->seen[VK_TIMEOUT]
					       : ctx->seen[VK_INTERVAL],
				       -EINVAL,
				       "timeout %s is longer than interval %s in %s: expected "
				       "timeout <= interval",
				       t, i, ctx->sect_desc);
		}
		break;
	case SECT_MYSQL:
		if (!ctx->seen[MK_NODE])
			return fail_at(ctx, ctx->sect_line, -EINVAL,
				       "[mysql] has no node: expected node = ADDR:PORT");
		if (!ctx->seen[MK_USER])
			return fail_at(ctx, ctx->sect_line, -EINVAL,
				       "[mysql] has no user: expected user = NAME");
		break;
	case SECT_LB:
	case SECT_NONE:
		break;
	}
	return 0;
}

static bool valid_vip_name(const char *s)
{
	size_t len = strlen(s);

	return len > 0 && len < XLBD_NAME_LEN &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
		       len;
}

static int begin_vip(struct parse_ctx *ctx, const char *name)
{
	struct xlbd_config *cfg = ctx->cfg;
	struct xlbd_vip *vip;

	if (!valid_vip_name(name))
		return fail(ctx,
			    "bad VIP name '%s': expected 1 to %d characters of A-Z, a-z, 0-9, '_', "
			    "'.' or '-'",
			    name, XLBD_NAME_LEN - 1);
	for (unsigned int i = 0; i < cfg->nr_vips; i++)
		if (!strcmp(cfg->vips[i].name, name))
			return fail(ctx,
				    "duplicate section [vip %s] (also at line %u): expected each "
				    "section once",
				    name, cfg->vips[i].line);
	if (cfg->nr_vips == XLB_MAX_VIPS)
		return fail(ctx, "too many VIPs: expected at most %d", XLB_MAX_VIPS);
	if (!(cfg->nr_vips & (cfg->nr_vips - 1))) {
		unsigned int cap = cfg->nr_vips ? cfg->nr_vips * 2 : 4;

		vip = reallocarray(cfg->vips, cap, sizeof(*vip));
		if (!vip)
			return fail_at(ctx, 0, -ENOMEM, "out of memory");
		cfg->vips = vip;
	}
	vip = &cfg->vips[cfg->nr_vips++];
	*vip = (struct xlbd_vip){
		.sched = XLB_SCHED_RR,
		.check.type = XLBD_CHECK_TCP,
		.interval_ms = XLBD_DEFAULT_INTERVAL_MS,
		.timeout_ms = XLBD_DEFAULT_TIMEOUT_MS,
		.rise = XLBD_DEFAULT_RISE,
		.fall = XLBD_DEFAULT_FALL,
		.line = ctx->line,
	};
	snprintf(vip->name, sizeof(vip->name), "%s", name);
	ctx->vip = vip;
	ctx->sect = SECT_VIP;
	ctx->keys = vip_keys;
	ctx->nr_keys = sizeof(vip_keys) / sizeof(vip_keys[0]);
	snprintf(ctx->sect_desc, sizeof(ctx->sect_desc), "[vip %s]", name);
	return 0;
}

/* A single-word section that appears once: [lb] or [mysql]. */
static int begin_single(struct parse_ctx *ctx, enum section sect, unsigned int *line,
			const char *desc, const struct key_spec *keys, size_t nr_keys)
{
	if (*line)
		return fail(ctx,
			    "duplicate section %s (also at line %u): expected each section once",
			    desc, *line);
	*line = ctx->line;
	ctx->sect = sect;
	ctx->keys = keys;
	ctx->nr_keys = nr_keys;
	snprintf(ctx->sect_desc, sizeof(ctx->sect_desc), "%s", desc);
	return 0;
}

/* s: a header line without comments or surrounding blanks, starting with '['. */
static int begin_section(struct parse_ctx *ctx, const char *s)
{
	char inner[XLBD_VALUE_LEN], *type, *name, *end;
	const char *close = strchr(s, ']');
	size_t len;
	int err;

	/* the previous section is complete: its own errors come from earlier lines */
	err = end_section(ctx);
	if (err)
		return err;
	if (!close)
		return fail(ctx,
			    "unterminated section header '%s': expected [lb], [vip NAME] or "
			    "[mysql]",
			    s);
	if (close[1])
		return fail(ctx,
			    "text after section header '%s': expected the header alone on its "
			    "line",
			    s);
	len = close - s - 1;
	if (len >= sizeof(inner))
		len = sizeof(inner) - 1;
	memcpy(inner, s + 1, len);
	inner[len] = '\0';

	type = inner + strspn(inner, " \t");
	end = type + strlen(type);
	while (end > type && isspace((unsigned char)end[-1]))
		*--end = '\0';
	name = type + strcspn(type, " \t");
	if (*name)
		*name++ = '\0';
	name += strspn(name, " \t");

	ctx->sect_line = ctx->line;
	ctx->vip = NULL;
	memset(ctx->seen, 0, sizeof(ctx->seen));

	if (!strcmp(type, "lb") && !*name)
		return begin_single(ctx, SECT_LB, &ctx->lb_line, "[lb]", lb_keys,
				    sizeof(lb_keys) / sizeof(lb_keys[0]));
	if (!strcmp(type, "mysql") && !*name) {
		ctx->cfg->mysql.present = true;
		return begin_single(ctx, SECT_MYSQL, &ctx->mysql_line, "[mysql]", mysql_keys,
				    sizeof(mysql_keys) / sizeof(mysql_keys[0]));
	}
	if (!strcmp(type, "vip")) {
		if (!*name)
			return fail(ctx, "section [vip] has no name: expected [vip NAME]");
		return begin_vip(ctx, name);
	}
	if (*name)
		name[-1] = ' '; /* show the header as written, give or take blanks */
	return fail(ctx, "unknown section [%s]: expected [lb], [vip NAME] or [mysql]", type);
}

/* ---- libinih's side ---- */

/* Cuts s at a comment: ';' or '#' at its start or after a blank. */
static void strip_comment(char *s)
{
	for (char *p = s; *p; p++)
		if ((*p == ';' || *p == '#') && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			return;
		}
}

/* Checks a line libinih is about to see; it would take any of these differently or not
 * at all. */
static int check_line(struct parse_ctx *ctx, const char *s)
{
	const char *eq;

	if (!*s)
		return 0;
	if (*s == '[')
		return begin_section(ctx, s);
	/* libinih splits at the first '=' or ':'; only '=' is ours, so a ':' in the key (as in
	 * "metrics 127.0.0.1:9591") is a missing '=' */
	eq = strchr(s, '=');
	if (!eq || eq == s || memchr(s, ':', eq - s))
		return fail(ctx, "cannot parse '%s': expected KEY = VALUE, [SECTION] or a comment",
			    s);
	return 0;
}

/* libinih's fgets: one physical line per call, comments and leading blanks gone. */
static char *reader(char *str, int num, void *stream)
{
	struct parse_ctx *ctx = stream;
	char *s, *end;
	size_t len;

	if (ctx->err || !ctx->f)
		return NULL; /* after the first error, the input ends: one message only */
	errno = 0;
	if (getline(&ctx->buf, &ctx->cap, ctx->f) < 0) {
		if (ferror(ctx->f)) {
			int e = errno ? errno : EIO;

			fail_at(ctx, 0, -e, "cannot read: %s", strerror(e));
		}
		return NULL;
	}
	ctx->line++;
	s = ctx->buf;
	if (ctx->line == 1 && !strncmp(s, "\xef\xbb\xbf", 3))
		s += 3; /* a UTF-8 BOM, as libinih allows */
	s += strspn(s, " \t\r\n\f\v");
	strip_comment(s);
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	len = end - s;

	if (check_line(ctx, s) < 0)
		return NULL;
	if (len + 2 > (size_t)num) {
		fail(ctx, "line too long (%zu characters without comments): expected at most %d",
		     len, num - 2);
		return NULL;
	}
	memcpy(str, s, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
}

static int handler(void *user, const char *section, const char *name, const char *value, int lineno)
{
	struct parse_ctx *ctx = user;
	size_t i;

	(void)section; /* the reader followed the headers already, and checked them */
	if (ctx->err)
		return 0;
	ctx->line = lineno;
	if (ctx->sect == SECT_NONE) {
		fail(ctx,
		     "key '%s' outside a section: expected it after [lb], [vip NAME] or [mysql]",
		     name);
		return 0;
	}
	for (i = 0; i < ctx->nr_keys; i++)
		if (!strcmp(ctx->keys[i].name, name))
			break;
	if (i == ctx->nr_keys) {
		char list[160] = "";
		size_t n = 0;

		for (size_t k = 0; k < ctx->nr_keys && n < sizeof(list); k++)
			n += snprintf(list + n, sizeof(list) - n, "%s%s",
				      k == 0		      ? ""
				      : k + 1 == ctx->nr_keys ? " or "
							      : ", ",
				      ctx->keys[k].name);
		fail(ctx, "unknown key '%s' in %s: expected %s", name, ctx->sect_desc, list);
		return 0;
	}
	if (!ctx->keys[i].repeat && ctx->seen[i]) {
		fail(ctx, "duplicate key '%s' in %s (also at line %u): expected it once", name,
		     ctx->sect_desc, ctx->seen[i]);
		return 0;
	}
	ctx->seen[i] = lineno;
	return ctx->keys[i].parse(ctx, value) == 0;
}

/* ---- entry points ---- */

void xlbd_config_free(struct xlbd_config *cfg)
{
	if (!cfg)
		return;
	for (unsigned int i = 0; i < cfg->nr_vips; i++)
		free(cfg->vips[i].backends);
	free(cfg->vips);
	free(cfg);
}

static int parse(struct parse_ctx *ctx, struct xlbd_config **out)
{
	struct xlbd_config *cfg;
	int rc;

	*out = NULL;
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return fail_at(ctx, 0, -ENOMEM, "out of memory");
	cfg->lb.mode = XLBD_MODE_NATIVE;
	parse_endpoint(XLBD_DEFAULT_METRICS, &cfg->lb.metrics);
	cfg->mysql.interval_ms = XLBD_DEFAULT_MYSQL_INTERVAL_MS;
	ctx->cfg = cfg;

	rc = ini_parse_stream(reader, ctx, handler, ctx);
	if (rc == -2)
		fail_at(ctx, 0, -ENOMEM, "out of memory");
	else if (rc > 0)
		/* only if the reader missed a syntax error that libinih found */
		fail_at(ctx, rc, -EINVAL,
			"cannot parse: expected KEY = VALUE, [SECTION] or a comment");
	if (!ctx->err && !end_section(ctx)) {
		if (!ctx->lb_line)
			fail_at(ctx, 0, -EINVAL,
				"no [lb] section: expected [lb] with interface = DEV at least");
		else if (!cfg->lb.nr_interfaces)
			fail_at(ctx, ctx->lb_line, -EINVAL,
				"[lb] has no interface: expected interface = DEV at least once");
	}
	free(ctx->buf);
	if (ctx->err) {
		xlbd_config_free(cfg);
		return ctx->err;
	}
	*out = cfg;
	return 0;
}

int xlbd_config_load(const char *path, struct xlbd_config **out, char *err, size_t errlen)
{
	struct parse_ctx *ctx;
	int ret;

	*out = NULL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	*ctx = (struct parse_ctx){ .name = path, .errbuf = err, .errlen = errlen };
	ctx->f = fopen(path, "re");
	if (!ctx->f) {
		int e = errno;

		ret = fail_at(ctx, 0, -e, "cannot open: %s", strerror(e));
		goto out;
	}
	ret = parse(ctx, out);
	fclose(ctx->f);
out:
	free(ctx);
	return ret;
}

int xlbd_config_parse_string(const char *text, const char *name, struct xlbd_config **out,
			     char *err, size_t errlen)
{
	struct parse_ctx *ctx;
	int ret;

	*out = NULL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	*ctx = (struct parse_ctx){ .name = name, .errbuf = err, .errlen = errlen };
	/* glibc's fmemopen refuses a size of 0; an empty text is no lines (f stays NULL) */
	if (*text) {
		ctx->f = fmemopen((void *)text, strlen(text), "r");
		if (!ctx->f) {
			int e = errno;

			ret = fail_at(ctx, 0, -e, "cannot read: %s", strerror(e));
			goto out;
		}
	}
	ret = parse(ctx, out);
	if (ctx->f)
		fclose(ctx->f);
out:
	free(ctx);
	return ret;
}
