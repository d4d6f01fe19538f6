// SPDX-License-Identifier: GPL-2.0-only
/*
 * appd's config parser (keys and rules in config.h) on top of user/lib/inifile.c, which
 * reads the lines, follows the sections and words the messages as for the other daemons.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "appd_config.h"
#include "inifile.h"
#include "secret.h"

struct parse_ctx {
	struct xlb_ini ini;	/* first: the key parsers get &ini and find the rest by ctx_of() */
	struct appd_config cfg; /* copied out only when the whole file is good */
	unsigned int appd_line, database_line;
};

static struct parse_ctx *ctx_of(struct xlb_ini *ini)
{
	return (struct parse_ctx *)ini; /* its first member */
}

/* ADDR:PORT into the text as written, the numeric host and the port. */
static int parse_address(const char *s, char text[APPD_ADDR_LEN], char host[APPD_HOST_LEN],
			 unsigned int *port)
{
	struct xlb_addr ip;
	__u16 p;

	if (strlen(s) >= APPD_ADDR_LEN || xlb_ini_parse_endpoint(s, &ip, &p) < 0)
		return -EINVAL;
	snprintf(text, APPD_ADDR_LEN, "%s", s);
	xlb_format_addr(&ip, host, APPD_HOST_LEN);
	*port = p;
	return 0;
}

static bool all_of(const char *s, const char *set)
{
	return s[strspn(s, set)] == '\0';
}

#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

/* ---- [appd] ---- */

static int appd_listen(struct xlb_ini *ini, const char *v)
{
	struct appd_config *cfg = &ctx_of(ini)->cfg;

	if (parse_address(v, cfg->listen, cfg->listen_host, &cfg->listen_port) < 0)
		return xlb_ini_fail(ini,
				    "bad listen address '%s' in [appd]: expected a numeric "
				    "ADDR:PORT or [ADDR6]:PORT",
				    v);
	return 0;
}

static int appd_name(struct xlb_ini *ini, const char *v)
{
	struct appd_config *cfg = &ctx_of(ini)->cfg;

	/* the name goes into every reply and the page: a plain word, never markup */
	if (!*v || strlen(v) >= APPD_NAME_LEN || !all_of(v, ALNUM "_.-"))
		return xlb_ini_fail(ini,
				    "bad name '%s' in [appd]: expected 1 to %d characters of A-Z, "
				    "a-z, 0-9, '_', '.' or '-'",
				    v, APPD_NAME_LEN - 1);
	snprintf(cfg->name, sizeof(cfg->name), "%s", v);
	return 0;
}

static int appd_max_body(struct xlb_ini *ini, const char *v)
{
	unsigned long n;

	if (xlb_parse_uint(v, APPD_MAX_MAX_BODY, &n) < 0 || n < APPD_MIN_MAX_BODY)
		return xlb_ini_fail(ini,
				    "bad max_body '%s' in [appd]: expected a number of bytes from "
				    "%d to %d",
				    v, APPD_MIN_MAX_BODY, APPD_MAX_MAX_BODY);
	ctx_of(ini)->cfg.max_body = n;
	return 0;
}

static const struct xlb_ini_key appd_keys[] = {
	{ "listen", false, appd_listen },
	{ "name", false, appd_name },
	{ "max_body", false, appd_max_body },
};

/* ---- [database] ---- */

enum database_key {
	DK_ADDRESS,
	DK_USER,
	DK_PASSWORD_FILE,
	DK_DATABASE,
	DK_TIMEOUT,
};

static int db_address(struct xlb_ini *ini, const char *v)
{
	struct appd_config *cfg = &ctx_of(ini)->cfg;

	if (parse_address(v, cfg->db_address, cfg->db_host, &cfg->db_port) < 0)
		return xlb_ini_fail(ini,
				    "bad address '%s' in [database]: expected a numeric ADDR:PORT "
				    "or [ADDR6]:PORT (the local xlb-sqlproxy)",
				    v);
	return 0;
}

static int db_user(struct xlb_ini *ini, const char *v)
{
	struct appd_config *cfg = &ctx_of(ini)->cfg;

	if (!*v || strlen(v) >= APPD_USER_LEN || strpbrk(v, " \t"))
		return xlb_ini_fail(ini,
				    "bad user '%s' in [database]: expected 1 to %d characters "
				    "without blanks",
				    v, APPD_USER_LEN - 1);
	snprintf(cfg->user, sizeof(cfg->user), "%s", v);
	return 0;
}

static int db_password_file(struct xlb_ini *ini, const char *v)
{
	struct appd_config *cfg = &ctx_of(ini)->cfg;

	if (!*v || strlen(v) >= APPD_PATH_LEN)
		return xlb_ini_fail(ini, "bad password_file in [database]: expected a path");
	snprintf(cfg->password_file, sizeof(cfg->password_file), "%s", v);
	return 0;
}

static int db_database(struct xlb_ini *ini, const char *v)
{
	struct appd_config *cfg = &ctx_of(ini)->cfg;

	if (!*v || strlen(v) >= APPD_DB_LEN || !all_of(v, ALNUM "_$"))
		return xlb_ini_fail(ini,
				    "bad database '%s' in [database]: expected 1 to %d characters "
				    "of A-Z, a-z, 0-9, '_' or '$'",
				    v, APPD_DB_LEN - 1);
	snprintf(cfg->database, sizeof(cfg->database), "%s", v);
	return 0;
}

static int db_timeout(struct xlb_ini *ini, const char *v)
{
	return xlb_ini_duration(ini, "timeout", v, &ctx_of(ini)->cfg.timeout_ms);
}

/* In enum database_key's order. */
static const struct xlb_ini_key database_keys[] = {
	{ "address", false, db_address },
	{ "user", false, db_user },
	{ "password_file", false, db_password_file },
	{ "database", false, db_database },
	{ "timeout", false, db_timeout },
};

/* ---- sections ---- */

static int begin_section(struct xlb_ini *ini, const char *type, const char *name)
{
	struct parse_ctx *ctx = ctx_of(ini);

	if (*name)
		return XLB_INI_UNKNOWN;
	if (!strcmp(type, "appd"))
		return xlb_ini_enter_once(ini, &ctx->appd_line, "appd", appd_keys,
					  sizeof(appd_keys) / sizeof(appd_keys[0]));
	if (!strcmp(type, "database"))
		return xlb_ini_enter_once(ini, &ctx->database_line, "database", database_keys,
					  sizeof(database_keys) / sizeof(database_keys[0]));
	return XLB_INI_UNKNOWN;
}

static int end_section(struct xlb_ini *ini)
{
	struct parse_ctx *ctx = ctx_of(ini);

	/* only [database] has required keys; seen[] belongs to the section just ended */
	if (!ctx->database_line || ini->sect_line != ctx->database_line)
		return 0;
	if (!ini->seen[DK_USER])
		return xlb_ini_fail_at(ini, ini->sect_line, -EINVAL,
				       "[database] has no user: expected user = USER");
	if (!ini->seen[DK_PASSWORD_FILE])
		return xlb_ini_fail_at(ini, ini->sect_line, -EINVAL,
				       "[database] has no password_file: expected password_file = "
				       "PATH (its first line is the password)");
	return 0;
}

static const struct xlb_ini_ops ops = {
	.sections = "[appd] or [database]",
	.begin_section = begin_section,
	.end_section = end_section,
};

/* ---- entry points ---- */

static void set_defaults(struct appd_config *cfg)
{
	parse_address(APPD_DEFAULT_LISTEN, cfg->listen, cfg->listen_host, &cfg->listen_port);
	parse_address(APPD_DEFAULT_DB_ADDRESS, cfg->db_address, cfg->db_host, &cfg->db_port);
	cfg->max_body = APPD_DEFAULT_MAX_BODY;
	snprintf(cfg->database, sizeof(cfg->database), "%s", APPD_DEFAULT_DATABASE);
	cfg->timeout_ms = APPD_DEFAULT_TIMEOUT_MS;
	/* a host name longer than the buffer is cut; gethostname() may leave it unterminated */
	if (gethostname(cfg->name, sizeof(cfg->name) - 1) < 0 || !*cfg->name)
		snprintf(cfg->name, sizeof(cfg->name), "appd");
	cfg->name[sizeof(cfg->name) - 1] = '\0';
}

/* text NULL: read the file at name. */
static int load(const char *name, const char *text, struct appd_config *cfg, char *err,
		size_t errlen)
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
	if (!ret)
		ret = xlb_ini_parse(ini);
	if (!ret && !ctx->database_line)
		ret = xlb_ini_fail_at(ini, 0, -EINVAL,
				      "no [database] section: expected one with user and "
				      "password_file");
	if (!ret)
		*cfg = ctx->cfg;
	xlb_ini_close(ini);
	free(ctx);
	return ret;
}

int appd_config_load(const char *path, struct appd_config *cfg, char *err, size_t errlen)
{
	return load(path, NULL, cfg, err, errlen);
}

int appd_config_parse_string(const char *text, const char *name, struct appd_config *cfg, char *err,
			     size_t errlen)
{
	return load(name, text, cfg, err, errlen);
}

int appd_password_read(const char *path, char *buf, size_t len, char *err, size_t errlen)
{
	struct stat st;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot open the password file: %s", path,
			 strerror(-ret));
		return ret;
	}
	ret = xlb_secret_mode_check(fd, &st);
	if (ret && ret != -EPERM) {
		snprintf(err, errlen, "%s: cannot stat the password file: %s", path,
			 strerror(-ret));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		snprintf(err, errlen, "%s: the password file is no regular file", path);
		goto out;
	}
	if (ret) {
		snprintf(err, errlen,
			 "%s: mode %04o gives others access to the password: expected none "
			 "(chmod 600 %s)",
			 path, (unsigned int)(st.st_mode & 07777), path);
		goto out;
	}
	ret = xlb_secret_read_fd(fd, buf, len);
	if (ret == -EOVERFLOW) {
		ret = -EINVAL;
		snprintf(err, errlen, "%s: password too long: expected at most %zu characters",
			 path, len - 1);
	} else if (ret) {
		snprintf(err, errlen, "%s: cannot read the password file: %s", path,
			 strerror(-ret));
	} else if (!buf[0]) {
		ret = -EINVAL;
		snprintf(err, errlen, "%s: empty password: expected the password on the first line",
			 path);
	}
out:
	close(fd);
	return ret;
}
