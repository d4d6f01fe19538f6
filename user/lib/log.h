/* SPDX-License-Identifier: GPL-2.0-only */
/* Leveled logging to stderr; the level is checked before anything is formatted. */
#ifndef XLB_LOG_H
#define XLB_LOG_H

enum xlb_log_level {
	XLB_LOG_WARN = 0,
	XLB_LOG_INFO = 1,
	XLB_LOG_DEBUG = 2,
};

extern enum xlb_log_level xlb_log_level;

void xlb_log(enum xlb_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pr_warn(...) xlb_log(XLB_LOG_WARN, __VA_ARGS__)
#define pr_info(...)                                        \
	do {                                                \
		if (xlb_log_level >= XLB_LOG_INFO)          \
			xlb_log(XLB_LOG_INFO, __VA_ARGS__); \
	} while (0)
#define pr_debug(...)                                        \
	do {                                                 \
		if (xlb_log_level >= XLB_LOG_DEBUG)          \
			xlb_log(XLB_LOG_DEBUG, __VA_ARGS__); \
	} while (0)

/* Routes libbpf's and libxdp's messages through pr_*: warnings always, the rest at debug. */
void xlb_log_setup_libs(void);

#endif
