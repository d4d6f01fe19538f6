/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TAP output for C tests (read by prove), with ASSERT_* macros in the style of the kernel's
 * selftests/bpf: each prints one "ok"/"not ok" line and returns whether it held, so a test
 * reads `if (!ASSERT_OK(err, "attach")) goto out;`. Call tap_done() at the end: it prints the
 * plan and returns the exit code.
 */
#ifndef XLB_TAP_H
#define XLB_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

static inline bool tap_check(bool ok, const char *name, const char *fmt_detail, long long a,
			     long long b)
{
	tap_count++;
	printf("%s %d - %s\n", ok ? "ok" : "not ok", tap_count, name);
	if (!ok) {
		tap_failed++;
		printf("#   ");
		printf(fmt_detail, a, b);
		printf("\n");
	}
	fflush(stdout);
	return ok;
}

/* Each argument is evaluated once: ASSERT_OK(xlb_backend_del(...), ...) deletes once. */
#define ASSERT_TRUE(cond, name) tap_check(!!(cond), name, "expected true (%lld %lld)", 0, 0)
#define ASSERT_OK(err, name)                                                             \
	({                                                                               \
		long long _e = (long long)(err);                                         \
		tap_check(_e == 0, name, "expected 0, got %lld (%lld)", _e, 0);          \
	})
#define ASSERT_EQ(got, want, name)                                                       \
	({                                                                               \
		long long _g = (long long)(got), _w = (long long)(want);                 \
		tap_check(_g == _w, name, "got %lld, want %lld", _g, _w);                \
	})
#define ASSERT_LE(got, max, name)                                                        \
	({                                                                               \
		long long _g = (long long)(got), _m = (long long)(max);                  \
		tap_check(_g <= _m, name, "got %lld, max %lld", _g, _m);                 \
	})
#define ASSERT_MEM_EQ(got, want, len, name) \
	tap_check(memcmp(got, want, len) == 0, name, "bytes differ (%lld %lld)", 0, (long long)(len))

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

/* A test name with values in it (printf format). ASSERT_* copies nothing and prints at once,
 * so one buffer serves every call. */
static inline __attribute__((format(printf, 1, 2))) const char *tname(const char *fmt, ...)
{
	static char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return buf;
}

/* Bytes from hex digits ("0a1b..."), as fixtures are written; returns how many. */
static inline size_t unhex(const char *hex, uint8_t *out)
{
	size_t n = 0;
	unsigned int b;

	while (hex[0] && hex[1] && sscanf(hex, "%2x", &b) == 1) {
		out[n++] = (uint8_t)b;
		hex += 2;
	}
	return n;
}

/* A config file a parser must refuse, and what it must say (tap_config_error). */
struct tap_config_case {
	const char *name;
	const char *text;
	unsigned int line; /* 0: the message is "FILE: ..." */
	const char *phrase;
};

/* A config parser's error for case: one line, "FILE:LINE: " ("FILE: " for line 0) and then
 * phrase somewhere in it. Two points: "bad: CASE: message" and "bad: CASE: one line". */
static inline void tap_config_error(const char *err, const char *file, unsigned int line,
				    const char *phrase, const char *name)
{
	char prefix[128];

	if (line)
		snprintf(prefix, sizeof(prefix), "%s:%u: ", file, line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", file);
	if (!ASSERT_TRUE(!strncmp(err, prefix, strlen(prefix)) &&
				 strstr(err + strlen(prefix), phrase),
			 tname("bad: %s: message", name)))
		printf("#   got  '%s'\n#   want '%s%s...'\n", err, prefix, phrase);
	ASSERT_TRUE(!strchr(err, '\n'), tname("bad: %s: one line", name));
}

#endif
