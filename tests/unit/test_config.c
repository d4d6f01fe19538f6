// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of xlbd's config parser (user/xlbd/config.h): the issue's example parses to the
 * values it says, defaults fill the rest, comments and repeated keys work, and every bad
 * config gives one "FILE:LINE: ..." message naming the right line and a non-zero return.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "../lib/tap.h"

/* a test's expected message, built at run time */
static char name_buf[256];

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The example of issue 3 with the [mysql] section of issue 4, line numbers as comments. */
static const char example[] = "[lb]\n"						    /* 1 */
			      "interface = eth1              ; may repeat\n"	    /* 2 */
			      "mode = native                 ; native | skb\n"	    /* 3 */
			      "metrics = 127.0.0.1:9591      ; Prometheus text\n"   /* 4 */
			      "\n"						    /* 5 */
			      "[vip web]\n"					    /* 6 */
			      "address = 10.10.0.100:80/tcp\n"			    /* 7 */
			      "scheduler = rr                ; rr | wrr\n"	    /* 8 */
			      "backend = 10.10.0.11\n"				    /* 9 */
			      "backend = 10.10.0.12 weight=2\n"			    /* 10 */
			      "check = http GET /health 200  ; tcp | http ...\n"    /* 11 */
			      "interval = 250ms\n"				    /* 12 */
			      "timeout = 200ms\n"				    /* 13 */
			      "rise = 2\n"					    /* 14 */
			      "fall = 3\n"					    /* 15 */
			      "\n"						    /* 16 */
			      "[mysql]\n"					    /* 17 */
			      "node = 10.10.0.11:3306\n"			    /* 18 */
			      "node = 10.10.0.12:3306\n"			    /* 19 */
			      "user = monitor\n"				    /* 20 */
			      "password_file = /etc/xlb/monitor.pw\n"		    /* 21 */
			      "interval = 500ms\n"				    /* 22 */
			      "splitter = /run/xlb/sqlproxy.sock   ; may repeat\n"; /* 23 */

static int parse(const char *text, struct xlbd_config **cfg, char *err, size_t len)
{
	return xlbd_config_parse_string(text, "t.conf", cfg, err, len);
}

static bool addr_is(const struct xlb_addr *a, int family, const char *text)
{
	struct xlb_addr want;

	return !xlb_parse_addr(text, &want) && want.family == family && xlb_addr_equal(a, &want);
}

static void test_example(void)
{
	struct xlbd_config *cfg = NULL;
	const struct xlbd_vip *v;
	char err[256] = "";
	int ret;

	ret = parse(example, &cfg, err, sizeof(err));
	if (!ASSERT_OK(ret, "example: parses")) {
		printf("#   %s\n", err);
		return;
	}
	ASSERT_EQ(cfg->lb.nr_interfaces, 1, "example: one interface");
	ASSERT_TRUE(!strcmp(cfg->lb.interfaces[0], "eth1"), "example: interface eth1");
	ASSERT_EQ(cfg->lb.mode, XLBD_MODE_NATIVE, "example: mode native");
	ASSERT_TRUE(addr_is(&cfg->lb.metrics.ip, AF_INET, "127.0.0.1"), "example: metrics addr");
	ASSERT_EQ(cfg->lb.metrics.port, 9591, "example: metrics port");

	ASSERT_EQ(cfg->nr_vips, 1, "example: one VIP");
	v = &cfg->vips[0];
	ASSERT_TRUE(!strcmp(v->name, "web"), "example: VIP name web");
	ASSERT_EQ(v->line, 6, "example: VIP line");
	ASSERT_TRUE(addr_is(&v->addr.ip, AF_INET, "10.10.0.100"), "example: VIP address");
	ASSERT_EQ(v->addr.port, 80, "example: VIP port");
	ASSERT_EQ(v->addr.proto, IPPROTO_TCP, "example: VIP tcp");
	ASSERT_EQ(v->sched, XLB_SCHED_RR, "example: scheduler rr");
	ASSERT_EQ(v->nr_backends, 2, "example: two backends");
	ASSERT_TRUE(addr_is(&v->backends[0].addr, AF_INET, "10.10.0.11"), "example: backend 1");
	ASSERT_EQ(v->backends[0].weight, 1, "example: backend 1 default weight 1");
	ASSERT_EQ(v->backends[0].line, 9, "example: backend 1 line");
	ASSERT_TRUE(addr_is(&v->backends[1].addr, AF_INET, "10.10.0.12"), "example: backend 2");
	ASSERT_EQ(v->backends[1].weight, 2, "example: backend 2 weight 2");
	ASSERT_EQ(v->check.type, XLBD_CHECK_HTTP, "example: http check");
	ASSERT_TRUE(!strcmp(v->check.method, "GET"), "example: check method GET");
	ASSERT_TRUE(!strcmp(v->check.path, "/health"), "example: check path /health");
	ASSERT_EQ(v->check.status, 200, "example: check status 200");
	ASSERT_EQ(v->interval_ms, 250, "example: interval 250ms");
	ASSERT_EQ(v->timeout_ms, 200, "example: timeout 200ms");
	ASSERT_EQ(v->rise, 2, "example: rise 2");
	ASSERT_EQ(v->fall, 3, "example: fall 3");

	ASSERT_TRUE(cfg->mysql.present, "example: [mysql] present");
	ASSERT_EQ(cfg->mysql.nr_nodes, 2, "example: two mysql nodes");
	ASSERT_TRUE(addr_is(&cfg->mysql.nodes[1].ip, AF_INET, "10.10.0.12"), "example: node 2");
	ASSERT_EQ(cfg->mysql.nodes[1].port, 3306, "example: node 2 port");
	ASSERT_TRUE(!strcmp(cfg->mysql.user, "monitor"), "example: mysql user");
	ASSERT_TRUE(!strcmp(cfg->mysql.password_file, "/etc/xlb/monitor.pw"),
		    "example: mysql password_file");
	ASSERT_EQ(cfg->mysql.interval_ms, 500, "example: mysql interval 500ms");
	ASSERT_EQ(cfg->mysql.nr_splitters, 1, "example: one splitter");
	ASSERT_TRUE(!strcmp(cfg->mysql.splitters[0], "/run/xlb/sqlproxy.sock"),
		    "example: splitter path, comment stripped");
	xlbd_config_free(cfg);
}

static void test_defaults(void)
{
	struct xlbd_config *cfg = NULL;
	char err[256] = "";
	int ret;

	ret = parse("[lb]\ninterface = eth0\n"
		    "[vip a]\naddress = 10.0.0.1:80/tcp\n"
		    "[vip b]\naddress = 10.0.0.1:53/udp\ninterval = 200ms\n"
		    "[vip c]\naddress = 10.0.0.1:443/tcp\ninterval = 2m\n",
		    &cfg, err, sizeof(err));
	if (!ASSERT_OK(ret, "defaults: minimal config parses")) {
		printf("#   %s\n", err);
		return;
	}
	ASSERT_EQ(cfg->lb.mode, XLBD_MODE_NATIVE, "defaults: mode native");
	ASSERT_TRUE(addr_is(&cfg->lb.metrics.ip, AF_INET, "127.0.0.1") &&
			    cfg->lb.metrics.port == 9591,
		    "defaults: metrics 127.0.0.1:9591");
	ASSERT_TRUE(!cfg->mysql.present, "defaults: no [mysql]");
	ASSERT_EQ(cfg->vips[0].sched, XLB_SCHED_RR, "defaults: scheduler rr");
	ASSERT_EQ(cfg->vips[0].check.type, XLBD_CHECK_TCP, "defaults: check tcp");
	ASSERT_EQ(cfg->vips[0].interval_ms, 1000, "defaults: interval 1s");
	ASSERT_EQ(cfg->vips[0].timeout_ms, 500, "defaults: timeout 500ms");
	ASSERT_EQ(cfg->vips[0].rise, 2, "defaults: rise 2");
	ASSERT_EQ(cfg->vips[0].fall, 3, "defaults: fall 3");
	ASSERT_EQ(cfg->vips[0].nr_backends, 0, "defaults: a VIP may have no backend yet");
	ASSERT_EQ(cfg->vips[1].addr.proto, IPPROTO_UDP, "defaults: udp VIP");
	ASSERT_EQ(cfg->vips[1].timeout_ms, 200, "defaults: timeout follows a shorter interval");
	ASSERT_EQ(cfg->vips[2].interval_ms, 120000, "defaults: 2m is 120000 ms");
	ASSERT_EQ(cfg->vips[2].timeout_ms, 500, "defaults: timeout 500ms under a long interval");
	xlbd_config_free(cfg);
}

/* Inline comments with ';' and '#', indentation, CRLF, a BOM, the other spellings. */
static void test_syntax_variants(void)
{
	struct xlbd_config *cfg = NULL;
	const struct xlbd_vip *v;
	char err[256] = "";
	int ret;

	ret = parse("\xef\xbb\xbf# a comment at the top\r\n"
		    "   ; an indented comment\r\n"
		    "[lb]   # the LB\r\n"
		    "  interface=eth0 # first\r\n"
		    "  interface =   e1;x\r\n"
		    "\tmode = skb\t; tab before the comment\r\n"
		    "metrics = [::1]:9000 #v6\r\n"
		    "[ vip  web-1.x ] ; blanks inside the brackets\r\n"
		    "    address = [2001:db8::100]:443/tcp ; indented, not a continuation\r\n"
		    "    scheduler = wrr\r\n"
		    "    backend = 2001:db8::11 weight=0   # weight 0: no new flows\r\n"
		    "    backend = 10.0.0.12    weight=1000\r\n"
		    "    check = https HEAD /a#b;c 204 # '#' in the path stays\r\n"
		    "    timeout = 1s\r\n"
		    "    interval = 1s\r\n"
		    "[vip db]\n"
		    "address = 10.0.0.100:3306/tcp\n"
		    "check = mysql monitor /etc/xlb/monitor.pw\n"
		    "rise = 1\n"
		    "fall = 100\n",
		    &cfg, err, sizeof(err));
	if (!ASSERT_OK(ret, "variants: parse")) {
		printf("#   %s\n", err);
		return;
	}
	ASSERT_EQ(cfg->lb.nr_interfaces, 2, "variants: two interfaces");
	ASSERT_TRUE(!strcmp(cfg->lb.interfaces[0], "eth0"), "variants: '#' comment stripped");
	ASSERT_TRUE(!strcmp(cfg->lb.interfaces[1], "e1;x"),
		    "variants: ';' without a blank before it is no comment");
	ASSERT_EQ(cfg->lb.mode, XLBD_MODE_SKB, "variants: mode skb after a tab comment");
	ASSERT_TRUE(addr_is(&cfg->lb.metrics.ip, AF_INET6, "::1"), "variants: metrics on [::1]");
	ASSERT_EQ(cfg->lb.metrics.port, 9000, "variants: metrics port");
	ASSERT_EQ(cfg->nr_vips, 2, "variants: two VIPs");
	v = &cfg->vips[0];
	ASSERT_TRUE(!strcmp(v->name, "web-1.x"), "variants: VIP name from '[ vip  web-1.x ]'");
	ASSERT_TRUE(addr_is(&v->addr.ip, AF_INET6, "2001:db8::100"), "variants: IPv6 VIP");
	ASSERT_EQ(v->addr.port, 443, "variants: IPv6 VIP port");
	ASSERT_EQ(v->sched, XLB_SCHED_WRR, "variants: indented scheduler is its own key");
	ASSERT_EQ(v->nr_backends, 2, "variants: two backends");
	ASSERT_TRUE(addr_is(&v->backends[0].addr, AF_INET6, "2001:db8::11"),
		    "variants: IPv6 backend");
	ASSERT_EQ(v->backends[0].weight, 0, "variants: weight 0");
	ASSERT_TRUE(addr_is(&v->backends[1].addr, AF_INET, "10.0.0.12"),
		    "variants: IPv4 backend behind an IPv6 VIP");
	ASSERT_EQ(v->backends[1].weight, 1000, "variants: weight 1000");
	ASSERT_EQ(v->check.type, XLBD_CHECK_HTTPS, "variants: https check");
	ASSERT_TRUE(!strcmp(v->check.method, "HEAD"), "variants: HEAD");
	ASSERT_TRUE(!strcmp(v->check.path, "/a#b;c"), "variants: path keeps '#' and ';'");
	ASSERT_EQ(v->check.status, 204, "variants: status 204");
	ASSERT_EQ(v->timeout_ms, 1000, "variants: timeout == interval is fine");
	v = &cfg->vips[1];
	ASSERT_EQ(v->check.type, XLBD_CHECK_MYSQL, "variants: mysql check");
	ASSERT_TRUE(!strcmp(v->check.user, "monitor"), "variants: mysql check user");
	ASSERT_TRUE(!strcmp(v->check.password_file, "/etc/xlb/monitor.pw"),
		    "variants: mysql check password file");
	ASSERT_EQ(v->rise, 1, "variants: rise 1");
	ASSERT_EQ(v->fall, 100, "variants: fall 100");
	xlbd_config_free(cfg);
}

/* Repeated keys, and the size limits of abi.h reached but not passed. */
static void test_repeats_and_limits(void)
{
	size_t cap = 1 << 20, n = 0;
	struct xlbd_config *cfg = NULL;
	char *text = malloc(cap), err[256] = "";
	int ret;

	if (!ASSERT_TRUE(text, "limits: malloc"))
		return;
	n += snprintf(text + n, cap - n, "[lb]\n");
	for (int i = 0; i < XLBD_MAX_INTERFACES; i++)
		n += snprintf(text + n, cap - n, "interface = eth%d\n", i);
	for (int i = 0; i < XLB_MAX_VIPS; i++) {
		n += snprintf(text + n, cap - n, "[vip v%d]\naddress = 10.1.%d.%d:80/tcp\n", i,
			      i / 250, i % 250 + 1);
		/* 4 backends each fills the 1024 shared slots exactly */
		for (int b = 0; b < XLB_MAX_BACKENDS / XLB_MAX_VIPS; b++)
			n += snprintf(text + n, cap - n, "backend = 10.2.%d.%d\n", i, b + 1);
	}
	n += snprintf(text + n, cap - n, "[mysql]\nuser = m\n");
	for (int i = 0; i < XLBD_MAX_MYSQL_NODES; i++)
		n += snprintf(text + n, cap - n, "node = 10.3.0.%d:3306\n", i + 1);
	for (int i = 0; i < XLBD_MAX_SPLITTERS; i++)
		n += snprintf(text + n, cap - n, "splitter = /run/xlb/s%d.sock\n", i);

	ret = parse(text, &cfg, err, sizeof(err));
	if (ASSERT_OK(ret, "limits: every limit reached parses")) {
		ASSERT_EQ(cfg->lb.nr_interfaces, XLBD_MAX_INTERFACES, "limits: interfaces");
		ASSERT_EQ(cfg->nr_vips, XLB_MAX_VIPS, "limits: VIPs");
		ASSERT_EQ(cfg->vips[XLB_MAX_VIPS - 1].nr_backends, 4, "limits: backends");
		ASSERT_TRUE(!strcmp(cfg->vips[255].name, "v255"), "limits: last VIP's name");
		ASSERT_EQ(cfg->mysql.nr_nodes, XLBD_MAX_MYSQL_NODES, "limits: nodes");
		ASSERT_EQ(cfg->mysql.nr_splitters, XLBD_MAX_SPLITTERS, "limits: splitters");
		ASSERT_TRUE(!strcmp(cfg->mysql.splitters[15], "/run/xlb/s15.sock"),
			    "limits: last splitter");
	} else {
		printf("#   %s\n", err);
	}
	xlbd_config_free(cfg);

	/* one VIP more */
	n += snprintf(text + n, cap - n, "[vip extra]\n");
	ret = parse(text, &cfg, err, sizeof(err));
	ASSERT_EQ(ret, -EINVAL, "limits: VIP 257 refused");
	ASSERT_TRUE(strstr(err, "too many VIPs: expected at most 256"), "limits: VIP 257 message");

	/* 256 backends in one VIP, then one more */
	n = snprintf(text, cap, "[lb]\ninterface = e\n[vip a]\naddress = 10.0.0.1:80/tcp\n");
	for (int b = 0; b < XLB_MAX_BACKENDS_PER_VIP; b++)
		n += snprintf(text + n, cap - n, "backend = 10.2.%d.%d\n", b / 250, b % 250 + 1);
	ret = parse(text, &cfg, err, sizeof(err));
	ASSERT_OK(ret, "limits: 256 backends in a VIP");
	if (!ret)
		ASSERT_EQ(cfg->vips[0].nr_backends, 256, "limits: 256 backends kept");
	xlbd_config_free(cfg);
	n += snprintf(text + n, cap - n, "backend = 10.9.9.9\n");
	ret = parse(text, &cfg, err, sizeof(err));
	ASSERT_EQ(ret, -EINVAL, "limits: backend 257 of a VIP refused");
	snprintf(name_buf, sizeof(name_buf), "t.conf:%d: too many backends in [vip a]",
		 4 + XLB_MAX_BACKENDS_PER_VIP + 1);
	ASSERT_TRUE(!strncmp(err, name_buf, strlen(name_buf)), "limits: its line and message");

	/* 5 x 205 backends: slot 1025 refused */
	n = snprintf(text, cap, "[lb]\ninterface = e\n");
	for (int i = 0; i < 5; i++) {
		n += snprintf(text + n, cap - n, "[vip v%d]\naddress = 10.0.0.%d:80/tcp\n", i,
			      i + 1);
		for (int b = 0; b < 205; b++)
			n += snprintf(text + n, cap - n, "backend = 10.%d.%d.%d\n", i + 1, b / 250,
				      b % 250 + 1);
	}
	ret = parse(text, &cfg, err, sizeof(err));
	ASSERT_EQ(ret, -EINVAL, "limits: backend slot 1025 refused");
	ASSERT_TRUE(strstr(err, "too many backends: expected at most 1024 in all VIPs"),
		    "limits: slot 1025 message");
	free(text);
}

#define LB "[lb]\ninterface = eth0\n" /* lines 1-2 */
#define VIP_ONLY "[vip web]\naddress = 10.10.0.100:80/tcp\n"
#define VIP LB VIP_ONLY /* lines 3-4 */

static const struct tap_config_case bad_cases[] = {
	/* the messages the brief shows, whole */
	{ "unknown key", VIP "scheduler = rr\nbackend = 10.0.0.1\nadress = 10.0.0.1:80/tcp\n", 7,
	  "unknown key 'adress' in [vip web]: expected address, scheduler, backend, check, "
	  "interval, timeout, rise or fall" },
	{ "bad duration", LB "[vip web]\ninterval = 25x\n", 4,
	  "bad duration '25x' for interval in [vip web]: expected a number with ms, s or m, "
	  "from 1ms to 1h (e.g. 250ms, 1s, 2m)" },
	{ "duplicate VIP", VIP "\n\n\n\n\n\n[vip web2]\naddress = 10.10.0.100:80/tcp\n", 12,
	  "duplicate VIP 10.10.0.100:80/tcp (also [vip web] at line 4): expected each VIP address "
	  "once" },
	/* sections and syntax */
	{ "unknown section", LB "[foo bar]\n", 3,
	  "unknown section [foo bar]: expected [lb], [vip NAME] or [mysql]" },
	{ "unknown empty section", LB "[]\n", 3, "unknown section []" },
	{ "[lb] with a name", "[lb x]\n", 1, "unknown section [lb x]" },
	{ "key outside a section", "interface = eth0\n[lb]\n", 1,
	  "key 'interface' outside a section: expected it after [lb], [vip NAME] or [mysql]" },
	{ "unterminated header", LB "[vip web\n", 3, "unterminated section header '[vip web'" },
	{ "text after header", LB "[vip web] x\n", 3, "text after section header '[vip web] x'" },
	{ "[vip] without a name", LB "[vip]\n", 3,
	  "section [vip] has no name: expected [vip NAME]" },
	{ "bad VIP name", LB "[vip we/b]\n", 3, "bad VIP name 'we/b'" },
	{ "VIP name too long", LB "[vip abcdefghijabcdefghijabcdefghij12]\n", 3, "bad VIP name" },
	{ "duplicate section [vip]", VIP "[vip web]\n", 5,
	  "duplicate section [vip web] (also at line 3): expected each section once" },
	{ "duplicate section [lb]", VIP "[lb]\n", 5, "duplicate section [lb] (also at line 1)" },
	{ "no '='", LB "metrics 127.0.0.1:9591\n", 3,
	  "cannot parse 'metrics 127.0.0.1:9591': expected KEY = VALUE, [SECTION] or a comment" },
	{ "no key", LB "= eth1\n", 3, "cannot parse '= eth1'" },
	{ "':' instead of '='", LB "mode: skb\n", 3, "cannot parse 'mode: skb'" },
	{ "duplicate key", VIP "address = 10.10.0.101:80/tcp\n", 5,
	  "duplicate key 'address' in [vip web] (also at line 4): expected it once" },
	{ "first error wins", LB "mode = fast\nmetrics = nowhere\n", 3, "bad mode 'fast'" },
	/* [lb] */
	{ "no [lb]", "[vip web]\naddress = 10.10.0.100:80/tcp\n", 0,
	  "no [lb] section: expected [lb] with interface = DEV at least" },
	{ "empty file", "", 0, "no [lb] section" },
	{ "comments only", "# nothing\n; here\n", 0, "no [lb] section" },
	{ "[lb] without interface", "\n[lb]\nmode = skb\n", 2,
	  "[lb] has no interface: expected interface = DEV at least once" },
	{ "bad interface", "[lb]\ninterface = a/b\n", 2, "bad interface name 'a/b'" },
	{ "interface too long", "[lb]\ninterface = abcdefghijklmnop\n", 2,
	  "bad interface name 'abcdefghijklmnop'" },
	{ "duplicate interface", LB "interface = eth1\ninterface = eth0\n", 4,
	  "duplicate interface 'eth0' in [lb] (also at line 2)" },
	{ "bad mode", LB "mode = generic\n", 3,
	  "bad mode 'generic' in [lb]: expected native or skb" },
	{ "bad metrics", LB "metrics = 127.0.0.1\n", 3,
	  "bad metrics address '127.0.0.1' in [lb]: expected ADDR:PORT or [ADDR6]:PORT" },
	{ "metrics with a protocol", LB "metrics = 127.0.0.1:9591/tcp\n", 3,
	  "bad metrics address" },
	{ "metrics port 0", LB "metrics = 127.0.0.1:0\n", 3, "bad metrics address" },
	{ "metrics IPv6 without brackets", LB "metrics = ::1:9591\n", 3, "bad metrics address" },
	/* [vip] */
	{ "VIP without address", LB "[vip web]\nbackend = 10.0.0.1\n[vip b]\n", 3,
	  "[vip web] has no address: expected address = ADDR:PORT/PROTO" },
	{ "VIP without address at the end", LB "[vip web]\n", 3, "[vip web] has no address" },
	{ "bad address", LB "[vip web]\naddress = 10.10.0.300:80/tcp\n", 4,
	  "bad address '10.10.0.300:80/tcp' in [vip web]: expected ADDR:PORT/PROTO or "
	  "[ADDR6]:PORT/PROTO, PROTO tcp or udp" },
	{ "address without protocol", LB "[vip web]\naddress = 10.10.0.100:80\n", 4,
	  "bad address '10.10.0.100:80'" },
	{ "address sctp", LB "[vip web]\naddress = 10.10.0.100:80/sctp\n", 4, "bad address" },
	{ "duplicate IPv6 VIP",
	  LB "[vip a]\naddress = [2001:db8::1]:80/tcp\n"
	     "[vip b]\naddress = [2001:db8:0::1]:80/tcp\n",
	  6, "duplicate VIP [2001:db8::1]:80/tcp (also [vip a] at line 4)" },
	{ "bad scheduler", VIP "scheduler = maglev\n", 5,
	  "bad scheduler 'maglev' in [vip web]: expected rr or wrr" },
	{ "bad backend", VIP "backend = web1\n", 5,
	  "bad backend 'web1' in [vip web]: expected ADDR or ADDR weight=N" },
	{ "backend with a port", VIP "backend = 10.0.0.1:80\n", 5, "bad backend '10.0.0.1:80'" },
	{ "backend with too much", VIP "backend = 10.0.0.1 weight=1 x\n", 5, "bad backend" },
	{ "weight too big", VIP "backend = 10.0.0.1 weight=1001\n", 5,
	  "bad weight 'weight=1001' for backend 10.0.0.1 in [vip web]: expected weight=N, N from 0 "
	  "to 1000" },
	{ "weight negative", VIP "backend = 10.0.0.1 weight=-1\n", 5, "bad weight 'weight=-1'" },
	{ "weight without '='", VIP "backend = 10.0.0.1 weight 2\n", 5, "bad backend" },
	{ "unknown backend option", VIP "backend = 10.0.0.1 mac=1\n", 5, "bad weight 'mac=1'" },
	{ "duplicate backend", VIP "backend = 10.0.0.1\nbackend = 10.0.0.2\nbackend = 10.0.0.1\n",
	  7,
	  "duplicate backend 10.0.0.1 in [vip web] (also at line 5): expected each backend once" },
	{ "duplicate IPv6 backend", VIP "backend = 2001:db8::1\nbackend = 2001:DB8:0::1 weight=3\n",
	  6, "duplicate backend 2001:db8::1 in [vip web] (also at line 5)" },
	{ "check unknown", VIP "check = ping\n", 5,
	  "bad check 'ping' in [vip web]: expected tcp, http METHOD PATH STATUS, https METHOD PATH "
	  "STATUS or mysql USER PASSWORD_FILE" },
	{ "check empty", VIP "check =\n", 5, "bad check '' in [vip web]" },
	{ "check tcp with a port", VIP "check = tcp 80\n", 5, "bad check 'tcp 80'" },
	{ "check http short", VIP "check = http GET /health\n", 5,
	  "bad check 'http GET /health' in [vip web] (want METHOD PATH STATUS)" },
	{ "check http lower-case method", VIP "check = http get / 200\n", 5,
	  "(METHOD is a word in capitals, like GET)" },
	{ "check http relative path", VIP "check = https GET health 200\n", 5,
	  "(PATH starts with '/')" },
	{ "check http status 99", VIP "check = http GET / 99\n", 5, "(STATUS is from 100 to 599)" },
	{ "check http status 600", VIP "check = http GET / 600\n", 5,
	  "(STATUS is from 100 to 599)" },
	{ "check mysql short", VIP "check = mysql monitor\n", 5, "(want USER PASSWORD_FILE)" },
	{ "duration without unit", VIP "interval = 5\n", 5, "bad duration '5' for interval" },
	{ "duration zero", VIP "timeout = 0ms\n", 5, "bad duration '0ms' for timeout" },
	{ "duration negative", VIP "interval = -1s\n", 5, "bad duration '-1s'" },
	{ "duration in hours", VIP "interval = 1h\n", 5, "bad duration '1h'" },
	{ "duration over 1h", VIP "interval = 61m\n", 5, "bad duration '61m'" },
	{ "duration with a blank", VIP "interval = 1 s\n", 5, "bad duration '1 s'" },
	{ "duration with a fraction", VIP "interval = 1.5s\n", 5, "bad duration '1.5s'" },
	{ "timeout over interval", VIP "interval = 1s\ntimeout = 2s\n", 6,
	  "timeout 2s is longer than interval 1s in [vip web]: expected timeout <= interval" },
	{ "interval under timeout", VIP "timeout = 300ms\nrise = 1\ninterval = 250ms\n", 7,
	  "timeout 300ms is longer than interval 250ms in [vip web]" },
	{ "timeout over the default interval", VIP "timeout = 1001ms\n[lb]\n", 5,
	  "timeout 1001ms is longer than interval 1s" },
	{ "rise 0", VIP "rise = 0\n", 5,
	  "bad rise '0' in [vip web]: expected a number of checks from 1 to 100" },
	{ "rise 101", VIP "rise = 101\n", 5, "bad rise '101'" },
	{ "fall word", VIP "fall = three\n", 5, "bad fall 'three'" },
	{ "fall signed", VIP "fall = +3\n", 5, "bad fall '+3'" },
	/* [mysql] */
	{ "unknown mysql key", LB "[mysql]\npassword = x\n", 4,
	  "unknown key 'password' in [mysql]: expected node, user, password_file, interval or "
	  "splitter" },
	{ "mysql without node", LB "[mysql]\nuser = m\n", 3,
	  "[mysql] has no node: expected node = ADDR:PORT" },
	{ "mysql without user", LB "[mysql]\nnode = 10.0.0.1:3306\n", 3,
	  "[mysql] has no user: expected user = NAME" },
	{ "mysql bad node", LB "[mysql]\nnode = 10.0.0.1\n", 4,
	  "bad node '10.0.0.1' in [mysql]: expected ADDR:PORT or [ADDR6]:PORT" },
	{ "mysql duplicate node", LB "[mysql]\nnode = 10.0.0.1:3306\nnode = 10.0.0.1:3306\n", 5,
	  "duplicate node 10.0.0.1:3306 in [mysql] (also at line 4)" },
	{ "mysql bad interval", LB "[mysql]\ninterval = soon\n", 4,
	  "bad duration 'soon' for interval in [mysql]" },
	{ "mysql duplicate splitter", LB "[mysql]\nsplitter = /run/a\nsplitter = /run/a\n", 5,
	  "duplicate splitter '/run/a' in [mysql] (also at line 4)" },
	{ "mysql splitter too long",
	  LB "[mysql]\nsplitter = /run/xlb/"
	     "0123456789012345678901234567890123456789012345678901234567"
	     "8901234567890123456789012345678901234567890\n",
	  4, "bad splitter '/run/xlb/0123" },
	{ "mysql splitter empty", LB "[mysql]\nsplitter =\n", 4,
	  "bad splitter '' in [mysql]: expected the path of a Unix socket (1 to 107 characters, no "
	  "':') or a numeric ADDR:PORT or [ADDR6]:PORT (a splitter's admin)" },
	{ "mysql splitter without port", LB "[mysql]\nsplitter = 10.0.0.11\n", 4,
	  "bad splitter '10.0.0.11' in [mysql]: expected the path of a Unix socket (1 to 107 "
	  "characters, no ':') or a numeric ADDR:PORT or [ADDR6]:PORT (a splitter's admin)" },
	{ "mysql splitter host name", LB "[mysql]\nsplitter = web1:6034\n", 4,
	  "bad splitter 'web1:6034' in [mysql]: expected the path of a Unix socket (1 to 107 "
	  "characters, no ':') or a numeric ADDR:PORT or [ADDR6]:PORT (a splitter's admin)" },
	{ "mysql splitter port 0", LB "[mysql]\nsplitter = 10.0.0.11:0\n", 4,
	  "bad splitter '10.0.0.11:0' in [mysql]: expected the path of a Unix socket (1 to 107 "
	  "characters, no ':') or a numeric ADDR:PORT or [ADDR6]:PORT (a splitter's admin)" },
	{ "mysql splitter IPv6 without brackets", LB "[mysql]\nsplitter = fd00::11:6034\n", 4,
	  "bad splitter 'fd00::11:6034' in [mysql]: expected the path of a Unix socket (1 to 107 "
	  "characters, no ':') or a numeric ADDR:PORT or [ADDR6]:PORT (a splitter's admin)" },
	{ "mysql splitter IPv4 in brackets", LB "[mysql]\nsplitter = [10.0.0.11]:6034\n", 4,
	  "bad splitter '[10.0.0.11]:6034' in [mysql]: expected the path of a Unix socket (1 to "
	  "107 characters, no ':') or a numeric ADDR:PORT or [ADDR6]:PORT (a splitter's admin)" },
	{ "mysql duplicate TCP splitter",
	  LB
	  "[mysql]\nsplitter = [fd00::11]:6034\nsplitter = /run/a\nsplitter = [fd00:0::11]:6034\n",
	  6,
	  "duplicate splitter '[fd00:0::11]:6034' in [mysql] (also at line 4): expected each "
	  "splitter once" },
	{ "mysql duplicate user", LB "[mysql]\nuser = a\nuser = b\n", 5,
	  "duplicate key 'user' in [mysql] (also at line 4)" },
};

/* [mysql] splitter = mixes Unix paths and TCP addresses, each kept as written. */
static void test_splitters(void)
{
	static const char *const good[] = { "/run/xlb/sqlproxy.sock", "10.10.0.11:6034",
					    "[fd00:23::12]:6034", "relative.sock",
					    "10.10.0.12:6034" };
	struct xlbd_config *cfg = NULL;
	char text[1024], err[256] = "";
	size_t n;
	int ret;

	n = snprintf(text, sizeof(text), LB "[mysql]\nnode = 10.0.0.1:3306\nuser = m\n");
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		n += snprintf(text + n, sizeof(text) - n, "splitter = %s   ; a comment\n", good[i]);
	ret = parse(text, &cfg, err, sizeof(err));
	if (!ASSERT_OK(ret, "splitters: paths and addresses mixed parse")) {
		printf("#   %s\n", err);
		return;
	}
	ASSERT_EQ(cfg->mysql.nr_splitters, 5, "splitters: all five");
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ASSERT_TRUE(!strcmp(cfg->mysql.splitters[i], good[i]),
			    tname("splitters: '%s' kept as written, in order", good[i]));
	xlbd_config_free(cfg);
}

static void test_bad(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct tap_config_case *c = &bad_cases[i];
		struct xlbd_config *cfg = (void *)1;
		char err[512] = "";
		int ret;

		ret = parse(c->text, &cfg, err, sizeof(err));
		ASSERT_EQ(ret, -EINVAL, tname("bad: %s: -EINVAL", c->name));
		ASSERT_TRUE(cfg == NULL, tname("bad: %s: no config", c->name));
		tap_config_error(err, "t.conf", c->line, c->phrase, c->name);
	}
}

/* libinih reads lines into 200 bytes: 198 characters and the newline fit, 199 do not. */
static void test_long_lines(void)
{
	const char *head = LB VIP_ONLY "check = http GET /";
	struct xlbd_config *cfg = NULL;
	char text[1024], err[512] = "";
	size_t n;
	int ret;

	/* line 5 is "check = http GET /aaa... 200", padded to len characters */
	for (int len = 198; len <= 199; len++) {
		n = snprintf(text, sizeof(text), "%s", head);
		for (int i = 0; i < len - (int)strlen("check = http GET / 200"); i++)
			text[n++] = 'a';
		n += snprintf(text + n, sizeof(text) - n, " 200 ; a comment does not count\n");
		ret = parse(text, &cfg, err, sizeof(err));
		if (len == 198) {
			ASSERT_OK(ret, "long line: 198 characters parse");
			if (!ret)
				ASSERT_EQ(strlen(cfg->vips[0].check.path), 198 - 21,
					  "long line: path kept whole");
		} else {
			ASSERT_EQ(ret, -EINVAL, "long line: 199 characters refused");
			ASSERT_TRUE(!strcmp(err, "t.conf:5: line too long (199 characters without "
						 "comments): expected at most 198"),
				    "long line: message");
		}
		xlbd_config_free(cfg);
		cfg = NULL;
	}

	/* a long comment is no long line */
	n = snprintf(text, sizeof(text), "%s", LB "#");
	memset(text + n, 'c', 500);
	snprintf(text + n + 500, sizeof(text) - n - 500, "\nmode = skb\n");
	ret = parse(text, &cfg, err, sizeof(err));
	ASSERT_OK(ret, "long line: a 500-character comment is fine");
	if (!ret)
		ASSERT_EQ(cfg->lb.mode, XLBD_MODE_SKB, "long line: the next line is read whole");
	xlbd_config_free(cfg);
}

/* The messages the brief shows, compared whole. */
static void test_exact_messages(void)
{
	struct xlbd_config *cfg;
	char err[512];

	parse(VIP "scheduler = rr\nbackend = 10.0.0.1\nadress = 10.0.0.1:80/tcp\n", &cfg, err,
	      sizeof(err));
	ASSERT_TRUE(!strcmp(err, "t.conf:7: unknown key 'adress' in [vip web]: expected address, "
				 "scheduler, backend, check, interval, timeout, rise or fall"),
		    "exact: unknown key");
	parse(VIP "\n\n\n\n\n\n[vip web2]\naddress = 10.10.0.100:80/tcp\n", &cfg, err, sizeof(err));
	ASSERT_TRUE(!strcmp(err, "t.conf:12: duplicate VIP 10.10.0.100:80/tcp (also [vip web] at "
				 "line 4): expected each VIP address once"),
		    "exact: duplicate VIP");

	/* a short buffer gets a cut message, never an overrun */
	memset(err, 'x', sizeof(err));
	parse("[foo]\n", &cfg, err, 10);
	ASSERT_TRUE(!strcmp(err, "t.conf:1:") && err[10] == 'x', "exact: short buffer is cut");
	ASSERT_EQ(parse("[foo]\n", &cfg, NULL, 0), -EINVAL, "exact: no buffer at all");
}

static void test_files(void)
{
	char path[] = "/tmp/xlb-test-config-XXXXXX", err[512] = "", want[600];
	struct xlbd_config *cfg = NULL;
	int fd, ret;
	FILE *f;

	fd = mkstemp(path);
	if (!ASSERT_TRUE(fd >= 0, "file: mkstemp"))
		return;
	f = fdopen(fd, "w");
	fputs(example, f);
	fclose(f);
	ret = xlbd_config_load(path, &cfg, err, sizeof(err));
	ASSERT_OK(ret, "file: the example loads from a file");
	if (!ret)
		ASSERT_EQ(cfg->vips[0].backends[1].weight, 2, "file: values read");
	xlbd_config_free(cfg);

	f = fopen(path, "w");
	fputs("[lb]\ninterface = eth0\n\n[vip web]\naddress = 10.10.0.100:80/tcp\n"
	      "interval = 250ms\ntimeout = 25x\n",
	      f);
	fclose(f);
	ret = xlbd_config_load(path, &cfg, err, sizeof(err));
	ASSERT_EQ(ret, -EINVAL, "file: bad duration -EINVAL");
	snprintf(want, sizeof(want), "%s:7: bad duration '25x' for timeout in [vip web]", path);
	ASSERT_TRUE(!strncmp(err, want, strlen(want)), "file: message names the file and line 7");
	ASSERT_TRUE(cfg == NULL, "file: no config on error");
	unlink(path);

	ret = xlbd_config_load(path, &cfg, err, sizeof(err));
	ASSERT_EQ(ret, -ENOENT, "file: missing file -ENOENT");
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory", path);
	ASSERT_TRUE(!strcmp(err, want), "file: missing file message");

	ret = xlbd_config_load("xlb.conf", &cfg, err, sizeof(err));
	if (access("xlb.conf", F_OK))
		ASSERT_TRUE(!strcmp(err, "xlb.conf: cannot open: No such file or directory"),
			    "file: message with the name as given");

	ret = xlbd_config_load("/tmp", &cfg, err, sizeof(err));
	ASSERT_EQ(ret, -EISDIR, "file: a directory -EISDIR");
	ASSERT_TRUE(!strcmp(err, "/tmp: cannot read: Is a directory"), "file: directory message");
}

int main(void)
{
	test_example();
	test_defaults();
	test_syntax_variants();
	test_repeats_and_limits();
	test_splitters();
	test_bad();
	test_long_lines();
	test_exact_messages();
	test_files();
	return tap_done();
}
