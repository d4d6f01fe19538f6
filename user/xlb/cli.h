/* SPDX-License-Identifier: GPL-2.0-only */
/* What the CLI's commands share: exiting with one clear line, argument parsing, map access. */
#ifndef XLB_CLI_H
#define XLB_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdnoreturn.h>

#include "addr.h"
#include "maps.h"
#include "state.h"

#define EXIT_USAGE 2

/* Print "xlb: <message>" on stderr and exit 2 (usage) or 1 (anything else). */
noreturn void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* die() for a failed library call: names what failed and why, with the remedy if known. */
noreturn void die_err(int err, const char *what);

/* getopt_long over a command's arguments (argv[0] is the command); options may follow the
 * positional arguments, which are left in pos[0..*npos). Returns each option like getopt. */
struct cli_args {
	int argc;
	char **argv;
	const char *cmd; /* for messages: "vip add" */
	const char *usage;
	char *pos[8];
	int npos;
};
void cli_parse(struct cli_args *a, const struct option *opts,
	       void (*on_opt)(int opt, const char *arg, void *ctx), void *ctx);
/* For commands whose only option is --json (ctx: a bool), or that have none. */
extern const struct option cli_json_opts[], cli_no_opts[];
void cli_json_opt(int opt, const char *arg, void *ctx);
void cli_ignore_opt(int opt, const char *arg, void *ctx);
/* Exits with a usage error unless there are between min and max positional arguments. */
void cli_want_args(struct cli_args *a, int min, int max);

/* The maps, opened from their pins; exits with a clear error when xlb is not attached. */
void cli_open_maps(struct xlb_maps *m);
void cli_lock(struct xlb_maps *m);

void cli_parse_vip(const char *s, struct xlb_vip_spec *v);
void cli_parse_addr(const char *s, struct xlb_addr *a);
unsigned long cli_parse_uint(const char *what, const char *s, unsigned long max);
/* The id of an existing VIP; exits when there is none. */
__u32 cli_find_vip(struct xlb_maps *m, const char *s);

/* A (sub)command: argv[0] is its name. */
struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
};
/* Runs the command named by argv[0] from a table ending in an empty entry; `what` names the
 * level in messages ("vip"; NULL at the top). */
int cli_dispatch(const char *what, const struct cli_command *cmds, int argc, char **argv);

int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_vip(int argc, char **argv);
int cmd_backend(int argc, char **argv);
int cmd_backend_setup(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_flows(int argc, char **argv);
int cmd_top(int argc, char **argv);

#endif
