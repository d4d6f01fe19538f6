// SPDX-License-Identifier: GPL-2.0-only
/*
 * xlb-sqlproxy's config parser (keys and rules in proxy_config.h). Reading lines, section
 * headers, key tables and the form of messages are user/lib/inifile.c's, shared with xlbd.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "addr.h"
#include "endpoint.h"
#include "inifile.h"
#include "proxy_config.h"
#include "secret.h"

enum section {
	SECT_NONE,
	SECT_PROXY,
	SECT_SERVER,
	SECT_USER,
};

struct parse_ctx {
	struct xlb_ini ini;   /* first: the key parsers get &ini and find the rest by ctx_of() */
	struct sp_config cfg; /* copied out only when the whole file is good */

	enum section sect;
	struct sp_server *server; /* in [server NAME] */
	struct sp_user *user;	  /* in [user NAME] */

	/* lines kept only for messages ("also at line N") */
	unsigned int proxy_line;
	unsigned int server_line[SP_MAX_SERVERS];
	unsigned int address_line[SP_MAX_SERVERS];
	unsigned int user_line[SP_MAX_USERS];
	const struct sp_server *primary; /* the server with role = primary, if any */
	unsigned int primary_line;
};

static struct parse_ctx *ctx_of(struct xlb_ini *ini)
{
	return (struct parse_ctx *)ini; /* its first member */
}

/* ADDR:PORT into the text as written, the socket address, the numeric host and the port. */
static int parse_address(const char *s, char text[SP_ADDR_LEN], struct sockaddr_storage *ss,
			 char *host, size_t host_len, unsigned int *port)
{
	struct xlb_addr ip;
	__u16 p;

	if (strlen(s) >= SP_ADDR_LEN || xlb_ini_parse_endpoint(s, &ip, &p) < 0)
		return -EINVAL;
	snprintf(text, SP_ADDR_LEN, "%s", s);
	xlb_sockaddr(&ip, p, ss);
	if (host)
		xlb_format_addr(&ip, host, host_len);
	if (port)
		*port = p;
	return 0;
}

/* ---- [proxy] ---- */

static int proxy_listen(struct xlb_ini *ini, const char *v)
{
	struct sp_config *cfg = &ctx_of(ini)->cfg;

	if (parse_address(v, cfg->listen, &cfg->listen_addr, NULL, 0, NULL) < 0)
		return xlb_ini_fail(
			ini,
			"bad listen address '%s' in [proxy]: expected a numeric ADDR:PORT "
			"or [ADDR6]:PORT",
			v);
	return 0;
}

static int proxy_admin(struct xlb_ini *ini, const char *v)
{
	struct sp_config *cfg = &ctx_of(ini)->cfg;
	struct xlb_endpoint ep;

	/* admin.c parses it again when it opens the socket: the text is what the config holds */
	if (xlb_endpoint_parse(v, &ep) < 0)
		return xlb_ini_fail(
			ini, "bad admin '%s' in [proxy]: expected " XLB_ENDPOINT_EXPECTED, v);
	snprintf(cfg->admin, sizeof(cfg->admin), "%s", v);
	return 0;
}

static int proxy_max_lag(struct xlb_ini *ini, const char *v)
{
	return xlb_ini_duration(ini, "max_lag", v, &ctx_of(ini)->cfg.max_lag_ms);
}

static int proxy_causal_reads(struct xlb_ini *ini, const char *v)
{
	if (xlb_ini_parse_bool(v, &ctx_of(ini)->cfg.causal_reads) < 0)
		return xlb_ini_fail(
			ini,
			"bad causal_reads '%s' in [proxy]: expected on or off (or yes/no, "
			"true/false, 1/0)",
			v);
	return 0;
}

static int proxy_causal_timeout(struct xlb_ini *ini, const char *v)
{
	return xlb_ini_duration(ini, "causal_timeout", v, &ctx_of(ini)->cfg.causal_timeout_ms);
}

static int proxy_connect_timeout(struct xlb_ini *ini, const char *v)
{
	return xlb_ini_duration(ini, "connect_timeout", v, &ctx_of(ini)->cfg.connect_timeout_ms);
}

static const struct xlb_ini_key proxy_keys[] = {
	{ "listen", false, proxy_listen },
	{ "admin", false, proxy_admin },
	{ "max_lag", false, proxy_max_lag },
	{ "causal_reads", false, proxy_causal_reads },
	{ "causal_timeout", false, proxy_causal_timeout },
	{ "connect_timeout", false, proxy_connect_timeout },
};

/* ---- [server NAME] ---- */

enum server_key {
	SK_ADDRESS,
	SK_ROLE,
};

static int server_address(struct xlb_ini *ini, const char *v)
{
	struct parse_ctx *ctx = ctx_of(ini);
	struct sp_server *s = ctx->server;
	unsigned int idx = s - ctx->cfg.servers;

	if (parse_address(v, s->address, &s->addr, s->host, sizeof(s->host), &s->port) < 0)
		return xlb_ini_fail(ini,
				    "bad address '%s' in %s: expected a numeric ADDR:PORT or "
				    "[ADDR6]:PORT",
				    v, ini->sect_desc);
	/* host is inet_ntop's: one spelling per address, so strcmp finds the same one */
	for (unsigned int i = 0; i < idx; i++) {
		const struct sp_server *o = &ctx->cfg.servers[i];

		if (ctx->address_line[i] && o->port == s->port && !strcmp(o->host, s->host))
			return xlb_ini_fail(ini,
					    "duplicate address %s in %s (also [server %s] at line "
					    "%u): expected each server once",
					    v, ini->sect_desc, o->name, ctx->address_line[i]);
	}
	ctx->address_line[idx] = ini->line;
	return 0;
}

static int server_role(struct xlb_ini *ini, const char *v)
{
	struct parse_ctx *ctx = ctx_of(ini);
	struct sp_server *s = ctx->server;

	if (sp_role_parse(v, &s->role) < 0)
		return xlb_ini_fail(ini,
				    "bad role '%s' in %s: expected primary, replica or offline", v,
				    ini->sect_desc);
	if (s->role != SP_ROLE_PRIMARY)
		return 0;
	/* two primaries would split writes between them; xlbd moves the role at runtime */
	if (ctx->primary)
		return xlb_ini_fail(ini,
				    "second primary in %s ([server %s] at line %u is primary too): "
				    "expected at most one server with role = primary",
				    ini->sect_desc, ctx->primary->name, ctx->primary_line);
	ctx->primary = s;
	ctx->primary_line = ini->line;
	return 0;
}

/* In enum server_key's order. */
static const struct xlb_ini_key server_keys[] = {
	{ "address", false, server_address },
	{ "role", false, server_role },
};

/* ---- [user NAME] ---- */

enum user_key {
	UK_PASSWORD,
};

/* The password is never shown in a message: the file is private, the messages may not be. */
static int user_password(struct xlb_ini *ini, const char *v)
{
	struct sp_user *u = ctx_of(ini)->user;

	if (!*v)
		return xlb_ini_fail(
			ini,
			"empty password in %s: expected password = SECRET (a ';' or '#' "
			"after a blank starts a comment)",
			ini->sect_desc);
	if (strlen(v) >= sizeof(u->password))
		return xlb_ini_fail(ini, "password too long in %s: expected at most %zu characters",
				    ini->sect_desc, sizeof(u->password) - 1);
	snprintf(u->password, sizeof(u->password), "%s", v);
	return 0;
}

/* In enum user_key's order. */
static const struct xlb_ini_key user_keys[] = {
	{ "password", false, user_password },
};

/* ---- sections ---- */

static int end_section(struct xlb_ini *ini)
{
	struct parse_ctx *ctx = ctx_of(ini);

	switch (ctx->sect) {
	case SECT_SERVER:
		if (!ini->seen[SK_ADDRESS])
			return xlb_ini_fail_at(ini, ini->sect_line, -EINVAL,
					       "%s has no address: expected address = ADDR:PORT",
					       ini->sect_desc);
		if (!ini->seen[SK_ROLE])
			return xlb_ini_fail_at(
				ini, ini->sect_line, -EINVAL,
				"%s has no role: expected role = primary, replica or "
				"offline",
				ini->sect_desc);
		break;
	case SECT_USER:
		if (!ini->seen[UK_PASSWORD])
			return xlb_ini_fail_at(ini, ini->sect_line, -EINVAL,
					       "%s has no password: expected password = SECRET",
					       ini->sect_desc);
		break;
	case SECT_PROXY:
	case SECT_NONE:
		break;
	}
	return 0;
}

/* What a [TYPE NAME] header must pass: a good name, not taken among the n sections of its
 * type (whose names are stride bytes apart from names), and room for one more. */
static int check_named(struct xlb_ini *ini, const char *type, const char *name, const char *names,
		       size_t stride, unsigned int n, const unsigned int *lines, unsigned int max)
{
	int err;

	if (!*name)
		return xlb_ini_fail(ini, "section [%s] has no name: expected [%s NAME]", type,
				    type);
	err = xlb_ini_check_name(ini, type, name, SP_NAME_LEN);
	if (err)
		return err;
	for (unsigned int i = 0; i < n; i++)
		if (!strcmp(names + i * stride, name))
			return xlb_ini_fail_dup_section(ini, type, name, lines[i]);
	if (n == max)
		return xlb_ini_fail(ini, "too many [%s NAME] sections: expected at most %u", type,
				    max);
	return 0;
}

static int begin_server(struct parse_ctx *ctx, const char *name)
{
	struct sp_config *cfg = &ctx->cfg;
	struct sp_server *s;
	int err;

	err = check_named(&ctx->ini, "server", name, cfg->servers[0].name, sizeof(cfg->servers[0]),
			  cfg->nr_servers, ctx->server_line, SP_MAX_SERVERS);
	if (err)
		return err;
	ctx->server_line[cfg->nr_servers] = ctx->ini.line;
	s = &cfg->servers[cfg->nr_servers++];
	snprintf(s->name, sizeof(s->name), "%s", name);
	ctx->server = s;
	ctx->sect = SECT_SERVER;
	xlb_ini_enter(&ctx->ini, "server", name, server_keys,
		      sizeof(server_keys) / sizeof(server_keys[0]));
	return 0;
}

static int begin_user(struct parse_ctx *ctx, const char *name)
{
	struct sp_config *cfg = &ctx->cfg;
	struct sp_user *u;
	int err;

	err = check_named(&ctx->ini, "user", name, cfg->users[0].name, sizeof(cfg->users[0]),
			  cfg->nr_users, ctx->user_line, SP_MAX_USERS);
	if (err)
		return err;
	ctx->user_line[cfg->nr_users] = ctx->ini.line;
	u = &cfg->users[cfg->nr_users++];
	snprintf(u->name, sizeof(u->name), "%s", name);
	ctx->user = u;
	ctx->sect = SECT_USER;
	xlb_ini_enter(&ctx->ini, "user", name, user_keys, sizeof(user_keys) / sizeof(user_keys[0]));
	return 0;
}

static int begin_section(struct xlb_ini *ini, const char *type, const char *name)
{
	struct parse_ctx *ctx = ctx_of(ini);

	ctx->server = NULL;
	ctx->user = NULL;
	if (!strcmp(type, "proxy") && !*name) {
		ctx->sect = SECT_PROXY;
		return xlb_ini_enter_once(ini, &ctx->proxy_line, "proxy", proxy_keys,
					  sizeof(proxy_keys) / sizeof(proxy_keys[0]));
	}
	if (!strcmp(type, "server"))
		return begin_server(ctx, name);
	if (!strcmp(type, "user"))
		return begin_user(ctx, name);
	return XLB_INI_UNKNOWN;
}

static const struct xlb_ini_ops ops = {
	.sections = "[proxy], [server NAME] or [user NAME]",
	.begin_section = begin_section,
	.end_section = end_section,
};

/* ---- entry points ---- */

static void set_defaults(struct sp_config *cfg)
{
	parse_address(SP_DEFAULT_LISTEN, cfg->listen, &cfg->listen_addr, NULL, 0, NULL);
	snprintf(cfg->admin, sizeof(cfg->admin), "%s", SP_DEFAULT_ADMIN);
	cfg->max_lag_ms = SP_DEFAULT_MAX_LAG_MS;
	cfg->causal_reads = false;
	cfg->causal_timeout_ms = SP_DEFAULT_CAUSAL_TIMEOUT_MS;
	cfg->connect_timeout_ms = SP_DEFAULT_CONNECT_TIMEOUT_MS;
}

/* The file holds passwords: nobody but its owner and group may see or change it. */
static int check_mode(struct xlb_ini *ini)
{
	struct stat st;
	int err = xlb_secret_mode_check(fileno(ini->f), &st);

	if (err && err != -EPERM)
		return xlb_ini_fail_at(ini, 0, err, "cannot stat: %s", strerror(-err));
	/* a directory fails as it reads, with EISDIR, as in xlbd */
	if (S_ISDIR(st.st_mode) || !err)
		return 0;
	return xlb_ini_fail_at(ini, 0, -EPERM,
			       "mode %04o gives others access to a file that holds passwords: "
			       "expected none (chmod 600 %s)",
			       (unsigned int)(st.st_mode & 07777), ini->name);
}

/* text NULL: read the file at name. */
static int load(const char *name, const char *text, struct sp_config *cfg, char *err, size_t errlen)
{
	struct parse_ctx *ctx;
	struct xlb_ini *ini;
	int ret;

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	ini = &ctx->ini;
	xlb_ini_init(ini, &ops, name, err, errlen);
	set_defaults(&ctx->cfg);
	ret = text ? xlb_ini_open_string(ini, text) : xlb_ini_open(ini, name);
	if (!ret && !text)
		ret = check_mode(ini);
	if (!ret)
		ret = xlb_ini_parse(ini);
	if (!ret) {
		if (!ctx->cfg.nr_servers)
			ret = xlb_ini_fail_at(
				ini, 0, -EINVAL,
				"no [server NAME] section: expected at least one, with "
				"address and role");
		else if (!ctx->cfg.nr_users)
			ret = xlb_ini_fail_at(
				ini, 0, -EINVAL,
				"no [user NAME] section: expected at least one, with a "
				"password");
	}
	if (!ret)
		*cfg = ctx->cfg;
	xlb_ini_close(ini);
	free(ctx);
	return ret;
}

int sp_config_load(const char *path, struct sp_config *cfg, char *err, size_t errlen)
{
	return load(path, NULL, cfg, err, errlen);
}

int sp_config_parse_string(const char *text, const char *name, struct sp_config *cfg, char *err,
			   size_t errlen)
{
	return load(name, text, cfg, err, errlen);
}
