// SPDX-License-Identifier: GPL-2.0-only
/* xlb: the command line of the XDP load balancer, in the style of ip(8) and bpftool. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"

static const struct cli_command commands[] = {
	{ "attach", cmd_attach },
	{ "detach", cmd_detach },
	{ "status", cmd_status },
	{ "vip", cmd_vip },
	{ "backend", cmd_backend },
	{ "backend-setup", cmd_backend_setup },
	{ "stats", cmd_stats },
	{ "flows", cmd_flows },
	{ "top", cmd_top },
	{},
};

static const char usage[] =
	"usage: xlb [-v] COMMAND ...\n"
	"  attach DEV [--mode native|skb] [--flows N]\n"
	"  detach DEV\n"
	"  status [--json]\n"
	"  vip add ADDR:PORT/PROTO [--sched rr|wrr] [--per-packet]   (IPv6: [ADDR]:PORT/PROTO)\n"
	"  vip del ADDR:PORT/PROTO\n"
	"  vip list [--json]\n"
	"  backend add VIP BACKEND_ADDR [--weight N] [--mac MAC] [--dev DEV]\n"
	"  backend set VIP BACKEND_ADDR [--weight N] [--state up|drain|down]\n"
	"  backend del VIP BACKEND_ADDR\n"
	"  backend list [VIP] [--json]\n"
	"  stats [--json] [--interval SEC]\n"
	"  flows [VIP] [--json]\n"
	"  top [--interval SEC] [--count N] [--once]\n"
	"  backend-setup VIP     (on a backend host: VIP on lo, arp_ignore/arp_announce)\n"
	"Maps are pinned in $XLB_PIN_DIR (default /sys/fs/bpf/xlb).\n";

int main(int argc, char **argv)
{
	int i = 1;

	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			xlb_log_level = XLB_LOG_DEBUG;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 0;
		} else {
			die_usage("unknown option '%s'; run 'xlb --help'", argv[i]);
		}
		i++;
	}
	if (i == argc) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	xlb_log_setup_libs();
	return cli_dispatch(NULL, commands, argc - i, argv + i);
}
