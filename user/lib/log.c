// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "log.h"

enum xlb_log_level xlb_log_level = XLB_LOG_WARN;

void xlb_log(enum xlb_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > xlb_log_level)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* xlb reports every failure in one line of its own; the libraries' detail (verifier logs,
 * retried attach modes, missing pins the caller expected) is for -v. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return xlb_log_level >= XLB_LOG_DEBUG ? vfprintf(stderr, fmt, ap) : 0;
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return xlb_log_level >= XLB_LOG_DEBUG ? vfprintf(stderr, fmt, ap) : 0;
}

void xlb_log_setup_libs(void)
{
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
}
