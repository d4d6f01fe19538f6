/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The command line the daemons (xlbd, xlb-sqlproxy, appd) share: -c/--config FILE,
 * --foreground (-f), --check-config, -v/--verbose (once: info, twice: debug) and -h/--help,
 * plus a daemon's own long options, handed to its callback as cli_parse() does for the CLI.
 * A usage error is one line "PROG: ..." followed by the usage, exit 2; --help prints the
 * usage, exit 0.
 */
#ifndef XLB_DAEMON_ARGS_H
#define XLB_DAEMON_ARGS_H

#include <getopt.h>
#include <stdbool.h>

/* A daemon's own options take their values from here up, clear of the shared ones. */
#define DAEMON_OPT_BASE 256
/* The most options of its own a daemon may add. */
#define DAEMON_OPT_MAX_EXTRA 8

struct daemon_args {
	const char *prog;   /* for messages: "xlbd" */
	const char *usage;  /* "usage: xlbd -c FILE ...\n" */
	const char *config; /* -c FILE, always set after parsing */
	bool foreground, check_only;
};

/*
 * Parses argv into a (prog and usage set by the caller) and exits on a usage error or --help.
 * extra: the daemon's own options, ending in an empty entry, or NULL; each one found is
 * passed to on_opt with its value (NULL for an option without one). -v raises xlb_log_level
 * by one level each time, up to debug.
 */
void daemon_args_parse(struct daemon_args *a, int argc, char **argv, const struct option *extra,
		       void (*on_opt)(int opt, const char *arg, void *ctx), void *ctx);

#endif
