// SPDX-License-Identifier: GPL-2.0-only
/*
 * The config file parser (keys and rules in config.h). Reading lines, section headers, key
 * tables and the form of messages are user/lib/inifile.c's, shared with xlb-sqlproxy; this
 * file gives the sections and keys their meaning.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "endpoint.h"
#include "inifile.h"

enum section {
	SECT_NONE,
	SECT_LB,
	SECT_VIP,
	SECT_MYSQL,
};

struct parse_ctx {
	struct xlb_ini ini; /* first: the key parsers get &ini and find the rest by ctx_of() */
	struct xlbd_config *cfg;

	enum section sect;
	struct xlbd_vip *vip; /* in [vip NAME] */

	/* lines kept only for messages ("also at line N") and checks at a section's end */
	unsigned int lb_line, mysql_line;
	unsigned int vip_addr_line[XLB_MAX_VIPS];
	unsigned int if_line[XLBD_MAX_INTERFACES];
	unsigned int node_line[XLBD_MAX_MYSQL_NODES];
	unsigned int splitter_line[XLBD_MAX_SPLITTERS];
	unsigned int nr_backends_total;
};

/* config.h states these limits to its readers; inifile.c enforces them */
_Static_assert(XLBD_MAX_DURATION_MS == XLB_INI_MAX_DURATION_MS, "durations as inifile.h's");
_Static_assert(XLBD_VALUE_LEN == XLB_INI_VALUE_LEN, "values as inifile.h's");

static struct parse_ctx *ctx_of(struct xlb_ini *ini)
{
	return (struct parse_ctx *)ini; /* its first member */
}

/* ---- values ---- */

static int parse_endpoint(const char *s, struct xlbd_endpoint *out)
{
	return xlb_ini_parse_endpoint(s, &out->ip, &out->port);
}

static bool endpoint_equal(const struct xlbd_endpoint *a, const struct xlbd_endpoint *b)
{
	return xlb_addr_equal(&a->ip, &b->ip) && a->port == b->port;
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

static int lb_interface(struct xlb_ini *ini, const char *v)
{
	struct parse_ctx *ctx = ctx_of(ini);
	struct xlbd_lb *lb = &ctx->cfg->lb;

	if (!valid_ifname(v))
		return xlb_ini_fail(
			ini,
			"bad interface name '%s': expected a network device name of 1 to %d "
			"characters without '/', ':' or blanks",
			v, IF_NAMESIZE - 1);
	for (unsigned int i = 0; i < lb->nr_interfaces; i++)
		if (!strcmp(lb->interfaces[i], v))
			return xlb_ini_fail(
				ini,
				"duplicate interface '%s' in [lb] (also at line %u): expected each "
				"interface once",
				v, ctx->if_line[i]);
	if (lb->nr_interfaces == XLBD_MAX_INTERFACES)
		return xlb_ini_fail(ini, "too many interfaces in [lb]: expected at most %d",
				    XLBD_MAX_INTERFACES);
	ctx->if_line[lb->nr_interfaces] = ini->line;
	snprintf(lb->interfaces[lb->nr_interfaces++], IF_NAMESIZE, "%s", v);
	return 0;
}

static int lb_mode(struct xlb_ini *ini, const char *v)
{
	struct parse_ctx *ctx = ctx_of(ini);
	if (!strcmp(v, "native"))
		ctx->cfg->lb.mode = XLBD_MODE_NATIVE;
	else if (!strcmp(v, "skb"))
		ctx->cfg->lb.mode = XLBD_MODE_SKB;
	else
		return xlb_ini_fail(ini, "bad mode '%s' in [lb]: expected native or skb", v);
	return 0;
}

static int lb_metrics(struct xlb_ini *ini, const char *v)
{
	struct parse_ctx *ctx = ctx_of(ini);
	if (parse_endpoint(v, &ctx->cfg->lb.metrics) < 0)
		return xlb_ini_fail(
			ini, "bad metrics address '%s' in [lb]: expected ADDR:PORT or [ADDR6]:PORT",
			v);
	return 0;
}

static const struct xlb_ini_key lb_keys[] = {
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

static int vip_address(struct xlb_ini *ini, const char *v)
{
	struct parse_ctx *ctx = ctx_of(ini);
	struct xlbd_config *cfg = ctx->cfg;
	struct xlbd_vip *vip = ctx->vip;
	struct xlb_vip_spec spec;
	char text[XLB_VIP_STRLEN];

	if (xlb_parse_vip(v, &spec) < 0)
		return xlb_ini_fail(
			ini,
			"bad address '%s' in %s: expected ADDR:PORT/PROTO or [ADDR6]:PORT/PROTO, "
			"PROTO tcp or udp",
			v, ini->sect_desc);
	for (unsigned int i = 0; i < cfg->nr_vips; i++) {
		const struct xlb_vip_spec *o = &cfg->vips[i].addr;

		if (&cfg->vips[i] == vip || !ctx->vip_addr_line[i])
			continue;
		if (xlb_addr_equal(&o->ip, &spec.ip) && o->port == spec.port &&
		    o->proto == spec.proto) {
			xlb_format_vip(&spec, text, sizeof(text));
			return xlb_ini_fail(
				ini,
				"duplicate VIP %s (also [vip %s] at line %u): expected each VIP "
				"address once",
				text, cfg->vips[i].name, ctx->vip_addr_line[i]);
		}
	}
	vip->addr = spec;
	ctx->vip_addr_line[vip - cfg->vips] = ini->line;
	return 0;
}

static int vip_scheduler(struct xlb_ini *ini, const char *v)
{
	struct parse_ctx *ctx = ctx_of(ini);
	if (!strcmp(v, "rr"))
		ctx->vip->sched = XLB_SCHED_RR;
	else if (!strcmp(v, "wrr"))
		ctx->vip->sched = XLB_SCHED_WRR;
	else
		return xlb_ini_fail(ini, "bad scheduler '%s' in %s: expected rr or wrr", v,
				    ini->sect_desc);
	return 0;
}

static int vip_backend(struct xlb_ini *ini, const char *v)
{
	struct parse_ctx *ctx = ctx_of(ini);
	struct xlbd_vip *vip = ctx->vip;
	struct xlbd_backend be = { .weight = XLBD_DEFAULT_WEIGHT, .line = ini->line };
	char buf[XLBD_VALUE_LEN], text[XLB_VIP_STRLEN], *words[3];
	unsigned long weight;
	int n;

	snprintf(buf, sizeof(buf), "%s", v);
	n = xlb_ini_split_words(buf, words, 2);
	if (n == 0 || n > 2 || xlb_parse_addr(words[0], &be.addr) < 0)
		return xlb_ini_fail(ini, "bad backend '%s' in %s: expected ADDR or ADDR weight=N",
				    v, ini->sect_desc);
	xlb_format_addr(&be.addr, text, sizeof(text));
	if (n == 2) {
		if (strncmp(words[1], "weight=", 7) ||
		    xlb_parse_uint(words[1] + 7, XLB_MAX_WEIGHT, &weight) < 0)
			return xlb_ini_fail(
				ini,
				"bad weight '%s' for backend %s in %s: expected weight=N, N from "
				"0 to %d",
				words[1], text, ini->sect_desc, XLB_MAX_WEIGHT);
		be.weight = weight;
	}
	for (unsigned int i = 0; i < vip->nr_backends; i++)
		if (xlb_addr_equal(&vip->backends[i].addr, &be.addr))
			return xlb_ini_fail(
				ini,
				"duplicate backend %s in %s (also at line %u): expected each "
				"backend once",
				text, ini->sect_desc, vip->backends[i].line);
	if (vip->nr_backends == XLB_MAX_BACKENDS_PER_VIP)
		return xlb_ini_fail(ini, "too many backends in %s: expected at most %d",
				    ini->sect_desc, XLB_MAX_BACKENDS_PER_VIP);
	if (ctx->nr_backends_total == XLB_MAX_BACKENDS)
		return xlb_ini_fail(ini,
				    "too many backends: expected at most %d in all VIPs together",
				    XLB_MAX_BACKENDS);

	/* grow by powers of two: reallocarray only when the count reaches one */
	if (!(vip->nr_backends & (vip->nr_backends - 1))) {
		unsigned int cap = vip->nr_backends ? vip->nr_backends * 2 : 4;
		struct xlbd_backend *b = reallocarray(vip->backends, cap, sizeof(*b));

		if (!b)
			return xlb_ini_fail_at(ini, 0, -ENOMEM, "out of memory");
		vip->backends = b;
	}
	vip->backends[vip->nr_backends++] = be;
	ctx->nr_backends_total++;
	return 0;
}

static int bad_check(struct xlb_ini *ini, const char *v, const char *why)
{
	return xlb_ini_fail(ini,
			    "bad check '%s' in %s%s: expected tcp, http METHOD PATH STATUS, "
			    "https METHOD PATH STATUS or mysql USER PASSWORD_FILE",
			    v, ini->sect_desc, why);
}

static int vip_check(struct xlb_ini *ini, const char *v)
{
	struct parse_ctx *ctx = ctx_of(ini);
	struct xlbd_check c = {};
	char buf[XLBD_VALUE_LEN], *w[5];
	unsigned long status;
	int n;

	snprintf(buf, sizeof(buf), "%s", v);
	n = xlb_ini_split_words(buf, w, 4);
	if (n == 0)
		return bad_check(ini, v, "");
	if (!strcmp(w[0], "tcp")) {
		if (n != 1)
			return bad_check(ini, v, " (tcp takes nothing more)");
		c.type = XLBD_CHECK_TCP;
	} else if (!strcmp(w[0], "http") || !strcmp(w[0], "https")) {
		c.type = strcmp(w[0], "https") ? XLBD_CHECK_HTTP : XLBD_CHECK_HTTPS;
		if (n != 4)
			return bad_check(ini, v, " (want METHOD PATH STATUS)");
		if (strlen(w[1]) >= sizeof(c.method) ||
		    strspn(w[1], "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(w[1]))
			return bad_check(ini, v, " (METHOD is a word in capitals, like GET)");
		if (w[2][0] != '/')
			return bad_check(ini, v, " (PATH starts with '/')");
		if (xlb_parse_uint(w[3], 599, &status) < 0 || status < 100)
			return bad_check(ini, v, " (STATUS is from 100 to 599)");
		strcpy(c.method, w[1]);
		snprintf(c.path, sizeof(c.path), "%s", w[2]);
		c.status = status;
	} else if (!strcmp(w[0], "mysql")) {
		if (n != 3)
			return bad_check(ini, v, " (want USER PASSWORD_FILE)");
		c.type = XLBD_CHECK_MYSQL;
		snprintf(c.user, sizeof(c.user), "%s", w[1]);
		snprintf(c.password_file, sizeof(c.password_file), "%s", w[2]);
	} else {
		return bad_check(ini, v, "");
	}
	ctx->vip->check = c;
	return 0;
}

static int vip_interval(struct xlb_ini *ini, const char *v)
{
	return xlb_ini_duration(ini, "interval", v, &ctx_of(ini)->vip->interval_ms);
}

static int vip_timeout(struct xlb_ini *ini, const char *v)
{
	return xlb_ini_duration(ini, "timeout", v, &ctx_of(ini)->vip->timeout_ms);
}

static int rise_fall(struct xlb_ini *ini, const char *key, const char *v, unsigned int *out)
{
	unsigned long n;

	if (xlb_parse_uint(v, XLBD_MAX_RISE_FALL, &n) < 0 || n == 0)
		return xlb_ini_fail(ini,
				    "bad %s '%s' in %s: expected a number of checks from 1 to %d",
				    key, v, ini->sect_desc, XLBD_MAX_RISE_FALL);
	*out = n;
	return 0;
}

static int vip_rise(struct xlb_ini *ini, const char *v)
{
	return rise_fall(ini, "rise", v, &ctx_of(ini)->vip->rise);
}

static int vip_fall(struct xlb_ini *ini, const char *v)
{
	return rise_fall(ini, "fall", v, &ctx_of(ini)->vip->fall);
}

/* In enum vip_key's order. */
static const struct xlb_ini_key vip_keys[] = {
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

static int mysql_node(struct xlb_ini *ini, const char *v)
{
	struct parse_ctx *ctx = ctx_of(ini);
	struct xlbd_mysql *m = &ctx->cfg->mysql;
	struct xlbd_endpoint ep;

	if (parse_endpoint(v, &ep) < 0)
		return xlb_ini_fail(
			ini, "bad node '%s' in [mysql]: expected ADDR:PORT or [ADDR6]:PORT", v);
	for (unsigned int i = 0; i < m->nr_nodes; i++)
		if (endpoint_equal(&m->nodes[i], &ep))
			return xlb_ini_fail(
				ini,
				"duplicate node %s in [mysql] (also at line %u): expected each "
				"node once",
				v, ctx->node_line[i]);
	if (m->nr_nodes == XLBD_MAX_MYSQL_NODES)
		return xlb_ini_fail(ini, "too many nodes in [mysql]: expected at most %d",
				    XLBD_MAX_MYSQL_NODES);
	ctx->node_line[m->nr_nodes] = ini->line;
	m->nodes[m->nr_nodes++] = ep;
	return 0;
}

static int mysql_user(struct xlb_ini *ini, const char *v)
{
	struct parse_ctx *ctx = ctx_of(ini);
	if (!*v || strpbrk(v, " \t"))
		return xlb_ini_fail(ini, "bad user '%s' in [mysql]: expected a MariaDB user name",
				    v);
	snprintf(ctx->cfg->mysql.user, XLBD_VALUE_LEN, "%s", v);
	return 0;
}

static int mysql_password_file(struct xlb_ini *ini, const char *v)
{
	struct parse_ctx *ctx = ctx_of(ini);
	if (!*v)
		return xlb_ini_fail(ini,
				    "empty password_file in [mysql]: expected the path of a file "
				    "holding the password");
	snprintf(ctx->cfg->mysql.password_file, XLBD_VALUE_LEN, "%s", v);
	return 0;
}

static int mysql_interval(struct xlb_ini *ini, const char *v)
{
	return xlb_ini_duration(ini, "interval", v, &ctx_of(ini)->cfg->mysql.interval_ms);
}

static int mysql_splitter(struct xlb_ini *ini, const char *v)
{
	struct parse_ctx *ctx = ctx_of(ini);
	struct xlbd_mysql *m = &ctx->cfg->mysql;
	struct xlb_endpoint ep, other;

	if (xlb_endpoint_parse(v, &ep) < 0)
		return xlb_ini_fail(ini,
				    "bad splitter '%s' in [mysql]: expected " XLB_ENDPOINT_EXPECTED
				    " (a splitter's admin)",
				    v);
	/* the same socket however written: [::1]:9 and [0::1]:9 are one */
	for (unsigned int i = 0; i < m->nr_splitters; i++)
		if (!xlb_endpoint_parse(m->splitters[i], &other) && xlb_endpoint_equal(&other, &ep))
			return xlb_ini_fail(
				ini,
				"duplicate splitter '%s' in [mysql] (also at line %u): expected "
				"each splitter once",
				v, ctx->splitter_line[i]);
	if (m->nr_splitters == XLBD_MAX_SPLITTERS)
		return xlb_ini_fail(ini, "too many splitters in [mysql]: expected at most %d",
				    XLBD_MAX_SPLITTERS);
	ctx->splitter_line[m->nr_splitters] = ini->line;
	snprintf(m->splitters[m->nr_splitters++], XLBD_SOCK_PATH_LEN, "%s", v);
	return 0;
}

/* In enum mysql_key's order. */
static const struct xlb_ini_key mysql_keys[] = {
	{ "node", true, mysql_node },
	{ "user", false, mysql_user },
	{ "password_file", false, mysql_password_file },
	{ "interval", false, mysql_interval },
	{ "splitter", true, mysql_splitter },
};

/* ---- sections ---- */

/* What can only be checked once a section is complete. */
static int end_section(struct xlb_ini *ini)
{
	struct parse_ctx *ctx = ctx_of(ini);
	struct xlbd_vip *vip = ctx->vip;
	char t[16], i[16];

	switch (ctx->sect) {
	case SECT_VIP:
		if (!ini->seen[VK_ADDRESS])
			return xlb_ini_fail_at(
				ini, ini->sect_line, -EINVAL,
				"%s has no address: expected address = ADDR:PORT/PROTO",
				ini->sect_desc);
		if (!ini->seen[VK_TIMEOUT]) {
			if (vip->timeout_ms > vip->interval_ms)
				vip->timeout_ms = vip->interval_ms;
		} else if (vip->timeout_ms > vip->interval_ms) {
			xlb_ini_format_duration(vip->timeout_ms, t, sizeof(t));
			xlb_ini_format_duration(vip->interval_ms, i, sizeof(i));
			/* blame the later of the two lines: it made them disagree */
			return xlb_ini_fail_at(
				ini,
				ini->seen[VK_TIMEOUT] > ini->seen[VK_INTERVAL]
					? ini->seen[VK_TIMEOUT]
					: ini->seen[VK_INTERVAL],
				-EINVAL,
				"timeout %s is longer than interval %s in %s: expected "
				"timeout <= interval",
				t, i, ini->sect_desc);
		}
		break;
	case SECT_MYSQL:
		if (!ini->seen[MK_NODE])
			return xlb_ini_fail_at(ini, ini->sect_line, -EINVAL,
					       "[mysql] has no node: expected node = ADDR:PORT");
		if (!ini->seen[MK_USER])
			return xlb_ini_fail_at(ini, ini->sect_line, -EINVAL,
					       "[mysql] has no user: expected user = NAME");
		break;
	case SECT_LB:
	case SECT_NONE:
		break;
	}
	return 0;
}

static int begin_vip(struct parse_ctx *ctx, const char *name)
{
	struct xlb_ini *ini = &ctx->ini;
	struct xlbd_config *cfg = ctx->cfg;
	struct xlbd_vip *vip;
	int err;

	err = xlb_ini_check_name(ini, "VIP", name, XLBD_NAME_LEN);
	if (err)
		return err;
	for (unsigned int i = 0; i < cfg->nr_vips; i++)
		if (!strcmp(cfg->vips[i].name, name))
			return xlb_ini_fail_dup_section(ini, "vip", name, cfg->vips[i].line);
	if (cfg->nr_vips == XLB_MAX_VIPS)
		return xlb_ini_fail(ini, "too many VIPs: expected at most %d", XLB_MAX_VIPS);
	if (!(cfg->nr_vips & (cfg->nr_vips - 1))) {
		unsigned int cap = cfg->nr_vips ? cfg->nr_vips * 2 : 4;

		vip = reallocarray(cfg->vips, cap, sizeof(*vip));
		if (!vip)
			return xlb_ini_fail_at(ini, 0, -ENOMEM, "out of memory");
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
		.line = ini->line,
	};
	snprintf(vip->name, sizeof(vip->name), "%s", name);
	ctx->vip = vip;
	ctx->sect = SECT_VIP;
	xlb_ini_enter(ini, "vip", name, vip_keys, sizeof(vip_keys) / sizeof(vip_keys[0]));
	return 0;
}

static int begin_section(struct xlb_ini *ini, const char *type, const char *name)
{
	struct parse_ctx *ctx = ctx_of(ini);

	ctx->vip = NULL;
	if (!strcmp(type, "lb") && !*name) {
		ctx->sect = SECT_LB;
		return xlb_ini_enter_once(ini, &ctx->lb_line, "lb", lb_keys,
					  sizeof(lb_keys) / sizeof(lb_keys[0]));
	}
	if (!strcmp(type, "mysql") && !*name) {
		ctx->cfg->mysql.present = true;
		ctx->sect = SECT_MYSQL;
		return xlb_ini_enter_once(ini, &ctx->mysql_line, "mysql", mysql_keys,
					  sizeof(mysql_keys) / sizeof(mysql_keys[0]));
	}
	if (!strcmp(type, "vip")) {
		if (!*name)
			return xlb_ini_fail(ini, "section [vip] has no name: expected [vip NAME]");
		return begin_vip(ctx, name);
	}
	return XLB_INI_UNKNOWN;
}

static const struct xlb_ini_ops ops = {
	.sections = "[lb], [vip NAME] or [mysql]",
	.begin_section = begin_section,
	.end_section = end_section,
};

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
	struct xlb_ini *ini = &ctx->ini;
	struct xlbd_config *cfg;

	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return xlb_ini_fail_at(ini, 0, -ENOMEM, "out of memory");
	cfg->lb.mode = XLBD_MODE_NATIVE;
	parse_endpoint(XLBD_DEFAULT_METRICS, &cfg->lb.metrics);
	cfg->mysql.interval_ms = XLBD_DEFAULT_MYSQL_INTERVAL_MS;
	ctx->cfg = cfg;

	if (!xlb_ini_parse(ini)) {
		if (!ctx->lb_line)
			xlb_ini_fail_at(
				ini, 0, -EINVAL,
				"no [lb] section: expected [lb] with interface = DEV at least");
		else if (!cfg->lb.nr_interfaces)
			xlb_ini_fail_at(
				ini, ctx->lb_line, -EINVAL,
				"[lb] has no interface: expected interface = DEV at least once");
	}
	if (ini->err) {
		xlbd_config_free(cfg);
		return ini->err;
	}
	*out = cfg;
	return 0;
}

/* text NULL: read the file at name. */
static int load(const char *name, const char *text, struct xlbd_config **out, char *err,
		size_t errlen)
{
	struct parse_ctx *ctx;
	int ret;

	*out = NULL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	xlb_ini_init(&ctx->ini, &ops, name, err, errlen);
	ret = text ? xlb_ini_open_string(&ctx->ini, text) : xlb_ini_open(&ctx->ini, name);
	if (!ret)
		ret = parse(ctx, out);
	xlb_ini_close(&ctx->ini);
	free(ctx);
	return ret;
}

int xlbd_config_load(const char *path, struct xlbd_config **out, char *err, size_t errlen)
{
	return load(path, NULL, out, err, errlen);
}

int xlbd_config_parse_string(const char *text, const char *name, struct xlbd_config **out,
			     char *err, size_t errlen)
{
	return load(name, text, out, err, errlen);
}
