// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>

#include "daemon_args.h"
#include "log.h"

static const struct option common_opts[] = {
	{ "config", required_argument, NULL, 'c' }, { "foreground", no_argument, NULL, 'f' },
	{ "check-config", no_argument, NULL, 'k' }, { "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
};
#define NR_COMMON (sizeof(common_opts) / sizeof(common_opts[0]))

/* "PROG: what is wrong" in one line, then the usage; exit 2. */
static noreturn void usage_error(const struct daemon_args *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void usage_error(const struct daemon_args *a, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", a->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", a->usage);
	exit(2);
}

void daemon_args_parse(struct daemon_args *a, int argc, char **argv, const struct option *extra,
		       void (*on_opt)(int opt, const char *arg, void *ctx), void *ctx)
{
	/* the shared options, the daemon's, and the empty entry getopt_long stops at */
	struct option opts[NR_COMMON + DAEMON_OPT_MAX_EXTRA + 1] = {};
	size_t n = 0;
	int opt;

	for (; n < NR_COMMON; n++)
		opts[n] = common_opts[n];
	for (const struct option *o = extra; o && o->name; o++) {
		if (n == NR_COMMON + DAEMON_OPT_MAX_EXTRA)
			abort(); /* a daemon with more options than DAEMON_OPT_MAX_EXTRA */
		opts[n++] = *o;
	}
	/* ':' first makes a missing value ':'; the messages are ours */
	opterr = 0;
	optind = 0; /* full reset: the same process may parse more than once (tests) */
	while ((opt = getopt_long(argc, argv, ":c:fvh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			a->config = optarg;
			break;
		case 'f':
			a->foreground = true;
			break;
		case 'k':
			a->check_only = true;
			break;
		case 'v':
			if (xlb_log_level < XLB_LOG_DEBUG)
				xlb_log_level++;
			break;
		case 'h':
			fputs(a->usage, stdout);
			exit(0);
		case ':':
			usage_error(a, "option '%s' needs a value", argv[optind - 1]);
		case '?':
			usage_error(a, "unknown option '%s'", argv[optind - 1]);
		default:
			on_opt(opt, optarg, ctx);
		}
	}
	if (optind < argc)
		usage_error(a, "unexpected argument '%s'", argv[optind]);
	if (!a->config)
		usage_error(a, "no config file: expected -c FILE");
}
