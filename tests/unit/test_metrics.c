// SPDX-License-Identifier: GPL-2.0-only
/*
 * xlbd's /metrics and /status over real HTTP: the maps of a loaded, unpinned program with a
 * VIP of the config and one that is not, packets run through BPF_PROG_TEST_RUN so that every
 * counter has a known value, a hand-made struct xlbd with health targets, a [mysql] monitor
 * of a node that is not there, and libevent's HTTP client on the same event base as the
 * server.
 *
 * XLB_METRICS_BENCH=1 in the environment adds a measurement (not a test): the cost of a
 * scrape with 1M entries in the flow table.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "xlb.skel.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "maps.h"
#include "metrics.h"
#include "mysqlmon.h"
#include "state.h"
#include "../lib/tap.h"

#define TEST_FLOWS 4096
#define LO_IFINDEX 1
#define FRAME_LEN (ETH_HLEN + sizeof(struct iphdr) + sizeof(struct tcphdr))

static const __u8 lb_mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0xaa, 0x01 };
static const __u8 client_mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0xcc, 0x01 };

static const char config_text[] = "[lb]\n"
				  "interface = lo\n"
				  "[vip web]\n"
				  "address = 10.10.0.100:80/tcp\n"
				  "backend = 10.10.0.11\n"
				  "backend = 10.10.0.12 weight=2\n"
				  "check = tcp\n"
				  "interval = 250ms\n"
				  "timeout = 200ms\n";

struct env {
	struct xlb_bpf *skel;
	struct xlbd d;
	__u32 web, other, b1, b2;
};

static bool load(struct env *e, __u32 flows)
{
	struct bpf_map *map;
	int err;

	e->skel = xlb_bpf__open();
	if (!ASSERT_TRUE(e->skel, "open skeleton"))
		return false;
	bpf_object__for_each_map(map, e->skel->obj) bpf_map__set_pin_path(map, NULL);
	bpf_map__set_max_entries(e->skel->maps.xlb_flow4, flows);
	bpf_map__set_max_entries(e->skel->maps.xlb_flow6, flows);
	err = xlb_bpf__load(e->skel);
	if (!err)
		err = xlb_maps_from_object(&e->d.maps, e->skel->obj);
	if (!ASSERT_OK(err, "load skeleton")) {
		xlb_bpf__destroy(e->skel);
		e->skel = NULL;
		return false;
	}
	return true;
}

static void unload(struct env *e)
{
	xlb_maps_close(&e->d.maps);
	xlb_bpf__destroy(e->skel);
}

static int add_vip(struct env *e, const char *s, __u32 *id)
{
	struct xlb_vip_spec spec;
	int err = xlb_parse_vip(s, &spec);

	return err ? err : xlb_vip_add(&e->d.maps, &spec, XLB_SCHED_RR, false, id);
}

static int add_backend(struct env *e, __u32 vip, const char *addr, __u8 last, __u32 *slot)
{
	struct xlb_backend_spec spec = { .weight = 1, .ifindex = LO_IFINDEX };
	int err = xlb_parse_addr(addr, &spec.addr);

	memcpy(spec.mac, (__u8[]){ 0x02, 0, 0, 0, 0xbb, last }, ETH_ALEN);
	memcpy(spec.src_mac, lb_mac, ETH_ALEN);
	return err ? err : xlb_backend_add(&e->d.maps, vip, &spec, slot);
}

/* An IPv4 TCP SYN or UDP datagram from 10.0.0.1:sport, FRAME_LEN bytes either way. */
static __u32 run_packet(struct env *e, const char *dst, __u16 dport, __u8 proto, __u16 sport)
{
	__u8 frame[FRAME_LEN] = {}, out[256];
	struct ethhdr *eth = (void *)frame;
	struct iphdr *ip = (void *)(eth + 1);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = sizeof(frame),
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

	memcpy(eth->h_dest, lb_mac, ETH_ALEN);
	memcpy(eth->h_source, client_mac, ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(sizeof(frame) - ETH_HLEN);
	ip->ttl = 64;
	ip->protocol = proto;
	inet_pton(AF_INET, "10.0.0.1", &ip->saddr);
	inet_pton(AF_INET, dst, &ip->daddr);
	if (proto == IPPROTO_TCP) {
		struct tcphdr *tcp = (void *)(ip + 1);

		tcp->source = htons(sport);
		tcp->dest = htons(dport);
		tcp->doff = 5;
		tcp->syn = 1;
	} else {
		struct udphdr *udp = (void *)(ip + 1);

		udp->source = htons(sport);
		udp->dest = htons(dport);
		udp->len = htons(sizeof(frame) - ETH_HLEN - sizeof(*ip));
	}
	if (bpf_prog_test_run_opts(bpf_program__fd(e->skel->progs.xlb), &opts))
		return ~0u;
	return opts.retval;
}

/* ---- a tiny HTTP client on the same event base ---- */

struct response {
	int code; /* 0: no response */
	char type[128];
	char allow[64];
	char *body;
	size_t len;
	struct event_base *base;
};

static void on_response(struct evhttp_request *req, void *arg)
{
	struct response *r = arg;
	const char *h;

	if (req && evhttp_request_get_response_code(req)) {
		struct evbuffer *in = evhttp_request_get_input_buffer(req);

		r->code = evhttp_request_get_response_code(req);
		h = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
		snprintf(r->type, sizeof(r->type), "%s", h ? h : "");
		h = evhttp_find_header(evhttp_request_get_input_headers(req), "Allow");
		snprintf(r->allow, sizeof(r->allow), "%s", h ? h : "");
		r->len = evbuffer_get_length(in);
		r->body = calloc(1, r->len + 1);
		if (r->body)
			evbuffer_remove(in, r->body, r->len);
	}
	event_base_loopbreak(r->base);
}

/* Fetches path; the loop serves the server and the client until the answer is in. */
static void fetch(struct event_base *base, __u16 port, enum evhttp_cmd_type cmd, const char *path,
		  struct response *r)
{
	struct evhttp_connection *conn = evhttp_connection_base_new(base, NULL, "127.0.0.1", port);
	struct evhttp_request *req = evhttp_request_new(on_response, r);
	struct timeval deadline = { 10, 0 };

	memset(r, 0, sizeof(*r));
	r->base = base;
	evhttp_connection_set_timeout(conn, 5);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host", "127.0.0.1");
	if (evhttp_make_request(conn, req, cmd, path) == 0) {
		event_base_loopexit(base, &deadline);
		event_base_dispatch(base);
	}
	evhttp_connection_free(conn);
}

static void response_free(struct response *r)
{
	free(r->body);
	r->body = NULL;
}

/* The body holds this whole line. */
static bool has_line(const struct response *r, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = r->body; p && (p = strstr(p, line)); p++)
		if ((p == r->body || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

/* Parse-ability checked by python3 (a dependency of the tests already). */
static bool json_parses(const char *body)
{
	FILE *p = popen("python3 -c 'import json,sys; json.load(sys.stdin)'", "w");

	if (!p)
		return false;
	fputs(body, p);
	return pclose(p) == 0;
}

static void check_metrics(const struct response *r, __u16 port)
{
	static const char *const lines[] = {
		"# TYPE xlb_vip_packets_total counter",
		"xlb_vip_packets_total{vip=\"web\",address=\"10.10.0.100:80/tcp\"} 4",
		"xlb_vip_bytes_total{vip=\"web\",address=\"10.10.0.100:80/tcp\"} 216",
		"xlb_vip_new_flows_total{vip=\"web\",address=\"10.10.0.100:80/tcp\"} 4",
		"xlb_vip_drops_total{vip=\"web\",address=\"10.10.0.100:80/tcp\"} 0",
		/* a VIP the config does not have is labelled by its address */
		"xlb_vip_drops_total{vip=\"10.10.0.200:53/udp\",address=\"10.10.0.200:53/udp\"} 1",
		"xlb_vip_packets_total{vip=\"10.10.0.200:53/udp\",address=\"10.10.0.200:53/udp\"} "
		"0",
		"# TYPE xlb_backend_packets_total counter",
		"xlb_backend_packets_total{vip=\"web\",backend=\"10.10.0.11\"} 2",
		"xlb_backend_packets_total{vip=\"web\",backend=\"10.10.0.12\"} 2",
		"xlb_backend_bytes_total{vip=\"web\",backend=\"10.10.0.11\"} 108",
		"xlb_backend_new_flows_total{vip=\"web\",backend=\"10.10.0.12\"} 2",
		"# TYPE xlb_backend_up gauge",
		"xlb_backend_up{vip=\"web\",backend=\"10.10.0.11\"} 1",
		"xlb_backend_up{vip=\"web\",backend=\"10.10.0.12\"} 0",
		"# TYPE xlb_backend_admin_state gauge",
		"xlb_backend_admin_state{vip=\"web\",backend=\"10.10.0.11\",state=\"up\"} 1",
		"xlb_backend_admin_state{vip=\"web\",backend=\"10.10.0.11\",state=\"drain\"} 0",
		"xlb_backend_admin_state{vip=\"web\",backend=\"10.10.0.11\",state=\"down\"} 0",
		"xlb_backend_admin_state{vip=\"web\",backend=\"10.10.0.12\",state=\"up\"} 0",
		"xlb_backend_admin_state{vip=\"web\",backend=\"10.10.0.12\",state=\"drain\"} 1",
		"xlb_backend_weight{vip=\"web\",backend=\"10.10.0.12\"} 1",
		"# TYPE xlb_backend_check_latency_seconds gauge",
		"xlb_backend_check_latency_seconds{vip=\"web\",backend=\"10.10.0.11\"} 0.001234",
		"# TYPE xlb_backend_checks_total counter",
		"xlb_backend_checks_total{vip=\"web\",backend=\"10.10.0.11\",result=\"ok\"} 7",
		"xlb_backend_checks_total{vip=\"web\",backend=\"10.10.0.11\",result=\"failed\"} 2",
		"# TYPE xlb_backend_health_transitions_total counter",
		"xlb_backend_health_transitions_total{vip=\"web\",backend=\"10.10.0.11\"} 1",
		"# TYPE xlb_verdicts_total counter",
		"xlb_verdicts_total{verdict=\"pass\"} 1",
		"xlb_verdicts_total{verdict=\"tx\"} 4",
		"xlb_verdicts_total{verdict=\"redirect\"} 0",
		"xlb_verdicts_total{verdict=\"drop\"} 1",
		"# TYPE xlb_drops_total counter",
		"xlb_drops_total{reason=\"no_backend\"} 1",
		"xlb_drops_total{reason=\"no_tx_port\"} 0",
		"# TYPE xlb_flows gauge",
		"xlb_flows 4",
		"# TYPE xlb_flows_capacity gauge",
		"xlb_flows_capacity 8192",
		"# TYPE xlb_config_reload_timestamp_seconds gauge",
		"xlb_config_reload_timestamp_seconds 1700000000",
	};
	static const char *const absent[] = {
		/* nobody checks backend 2 (as one added with the CLI): no check series */
		"backend=\"10.10.0.12\",result=",
		"xlb_backend_check_latency_seconds{vip=\"web\",backend=\"10.10.0.12\"}",
		"xlb_backend_health_transitions_total{vip=\"web\",backend=\"10.10.0.12\"}",
	};
	size_t nr_help = 0, nr_type = 0;

	(void)port;
	ASSERT_EQ(r->code, 200, "/metrics: 200");
	ASSERT_TRUE(!strcmp(r->type, "text/plain; version=0.0.4; charset=utf-8"),
		    "/metrics: Content-Type text/plain; version=0.0.4");
	if (!ASSERT_TRUE(r->body, "/metrics: a body"))
		return;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (!ASSERT_TRUE(has_line(r, lines[i]), tname("/metrics has %s", lines[i])))
			printf("# body:\n%s", r->body);
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		ASSERT_TRUE(!strstr(r->body, absent[i]), tname("/metrics has no %s", absent[i]));
	for (const char *p = r->body; (p = strstr(p, "# HELP ")); p++)
		nr_help++;
	for (const char *p = r->body; (p = strstr(p, "# TYPE ")); p++)
		nr_type++;
	ASSERT_EQ(nr_help, nr_type, "/metrics: a HELP for every TYPE");
	ASSERT_EQ(nr_type, 18, "/metrics: 18 metric families");
	ASSERT_TRUE(r->body[r->len - 1] == '\n', "/metrics: ends with a newline");
}

static void check_status(const struct response *r)
{
	static const char *const parts[] = {
		"\"config\":\"/etc/xlb/x\\\"y\\\\z.conf\"",
		"\"last_reload\":\"2023-11-14T22:13:20Z\"",
		"{\"id\":0,\"name\":\"web\",\"address\":\"10.10.0.100:80/tcp\",\"in_config\":true,"
		"\"scheduler\":\"rr\",\"per_packet\":false,\"packets\":4,\"bytes\":216,"
		"\"new_flows\":4,\"drops\":0,\"backends\":[",
		"\"address\":\"10.10.0.11\",\"weight\":1,\"admin\":\"up\",\"health\":\"up\","
		"\"packets\":2,\"bytes\":108,\"new_flows\":2,\"check\":{\"checks_ok\":7,"
		"\"checks_failed\":2,\"transitions\":1,\"last_latency_seconds\":0.001234}}",
		"\"address\":\"10.10.0.12\",\"weight\":1,\"admin\":\"drain\",\"health\":\"down\","
		"\"packets\":2,\"bytes\":108,\"new_flows\":2,\"check\":null}",
		"\"name\":\"10.10.0.200:53/udp\",\"address\":\"10.10.0.200:53/udp\","
		"\"in_config\":false",
		"\"drops\":1,\"backends\":[]}",
		"\"verdicts\":{\"pass\":1,\"tx\":4,\"redirect\":0,\"drop\":1,\"drop_no_backend\":1,"
		"\"drop_no_tx_port\":0}",
		"\"flows\":{\"entries\":4,\"capacity\":8192}",
		"\"mysql\":null}", /* no [mysql] section */
	};

	ASSERT_EQ(r->code, 200, "/status: 200");
	ASSERT_TRUE(!strcmp(r->type, "application/json"), "/status: Content-Type application/json");
	if (!ASSERT_TRUE(r->body, "/status: a body"))
		return;
	ASSERT_TRUE(json_parses(r->body), "/status: parses as JSON");
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (!ASSERT_TRUE(strstr(r->body, parts[i]), tname("/status has %s", parts[i])))
			printf("# body: %s", r->body);
}

/*
 * The [mysql] monitor's series and /status part, with one node nobody listens on (a bound
 * port, never listened on) and a splitter socket that does not exist, whose path needs
 * escaping: after its first round the node is down and offline and the push failed.
 */
static void check_mysql(struct xlbd *d, __u16 port)
{
	struct xlbd_mysql cfg = { .present = true, .interval_ms = 1000, .user = "monitor" };
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	char node[64], line[256];
	struct response r;
	int fd, tries = 0;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (!ASSERT_TRUE(fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
				 !getsockname(fd, (struct sockaddr *)&a, &len),
			 "mysql: a closed port"))
		goto out;
	snprintf(node, sizeof(node), "127.0.0.1:%u", ntohs(a.sin_port));
	cfg.nodes[0] =
		(struct xlbd_endpoint){ .ip = { .family = AF_INET, .addr = { 127, 0, 0, 1 } },
					.port = ntohs(a.sin_port) };
	cfg.nr_nodes = 1;
	snprintf(cfg.splitters[0], sizeof(cfg.splitters[0]), "/nonexistent/x\"y.sock");
	cfg.nr_splitters = 1;
	d->mysql = mysqlmon_start(d->base, &cfg);
	if (!ASSERT_TRUE(d->mysql, "mysql: the monitor starts"))
		goto out;
	fetch(d->base, port, EVHTTP_REQ_GET, "/metrics", &r);
	ASSERT_TRUE(r.body && strstr(r.body, "# TYPE xlb_mysql_node_up gauge\n") &&
			    !strstr(r.body, "xlb_mysql_node_up{") &&
			    !strstr(r.body, "xlb_mysql_splitter_up{"),
		    "mysql: before the first round, the families without nodes");
	ASSERT_TRUE(r.body && strstr(r.body, "xlb_mysql_splitter_push_errors_total{splitter=\""
					     "/nonexistent/x\\\"y.sock\"} 0\n"),
		    "mysql: the push error counter from the start, its label escaped");
	response_free(&r);
	while (!mysqlmon_rounds(d->mysql) && tries++ < 100) {
		struct timeval tv = { 0, 20000 };

		event_base_loopexit(d->base, &tv);
		event_base_dispatch(d->base);
	}
	if (!ASSERT_TRUE(mysqlmon_rounds(d->mysql), "mysql: a round ended"))
		goto out;
	fetch(d->base, port, EVHTTP_REQ_GET, "/metrics", &r);
	snprintf(line, sizeof(line), "xlb_mysql_node_up{node=\"%s\"} 0", node);
	ASSERT_TRUE(has_line(&r, line), tname("/metrics has %s", line));
	snprintf(line, sizeof(line), "xlb_mysql_node_role{node=\"%s\",role=\"offline\"} 1", node);
	ASSERT_TRUE(has_line(&r, line), tname("/metrics has %s", line));
	snprintf(line, sizeof(line), "xlb_mysql_node_role{node=\"%s\",role=\"primary\"} 0", node);
	ASSERT_TRUE(has_line(&r, line), tname("/metrics has %s", line));
	ASSERT_TRUE(r.body && !strstr(r.body, "xlb_mysql_node_lag_seconds{"),
		    "mysql: no lag for a node that is down");
	ASSERT_TRUE(has_line(&r, "xlb_mysql_splitter_up{splitter=\"/nonexistent/x\\\"y.sock\"} 0"),
		    "mysql: the splitter is not up");
	ASSERT_TRUE(has_line(&r, "xlb_mysql_splitter_push_errors_total{splitter=\"/nonexistent/"
				 "x\\\"y.sock\"} 1"),
		    "mysql: one push error");
	response_free(&r);
	fetch(d->base, port, EVHTTP_REQ_GET, "/status", &r);
	snprintf(line, sizeof(line),
		 "\"mysql\":{\"nodes\":[{\"address\":\"%s\",\"checked\":true,\"up\":false,"
		 "\"role\":\"offline\",\"why\":\"unreachable: ",
		 node);
	ASSERT_TRUE(r.body && strstr(r.body, line), "/status: the mysql node");
	ASSERT_TRUE(r.body &&
			    strstr(r.body, "\"splitters\":[{\"path\":\"/nonexistent/x\\\"y.sock\","
					   "\"reachable\":false,\"pushes\":1,\"push_errors\":1,"
					   "\"stats\":null}]}}"),
		    "/status: the splitter");
	if (!ASSERT_TRUE(r.body && json_parses(r.body), "/status with mysql parses"))
		printf("# %s\n", r.body ? r.body : "");
	response_free(&r);
out:
	mysqlmon_stop(d->mysql);
	d->mysql = NULL;
	if (fd >= 0)
		close(fd);
}

/* ---- a splitter's counters: a fake admin socket over TCP ---- */

struct fake_admin {
	struct evconnlistener *listener;
	__u16 port;
	const char *stats; /* the reply to `show stats`, its empty line included */
};

static void fake_admin_read(struct bufferevent *bev, void *arg)
{
	struct fake_admin *f = arg;
	struct evbuffer *out = bufferevent_get_output(bev);
	char *line;

	while ((line = evbuffer_readln(bufferevent_get_input(bev), NULL, EVBUFFER_EOL_LF))) {
		if (!strcmp(line, "show servers")) /* no rows: nothing to set */
			evbuffer_add_printf(out, "name\taddress\trole\tlag\n\n");
		else if (!strcmp(line, "show stats"))
			evbuffer_add(out, f->stats, strlen(f->stats));
		else
			evbuffer_add_printf(out, "ERR: unknown command\n\n");
		free(line);
	}
}

static void fake_admin_event(struct bufferevent *bev, short what, void *arg)
{
	(void)what, (void)arg;
	bufferevent_free(bev);
}

static void fake_admin_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
			      int len, void *arg)
{
	struct bufferevent *bev =
		bufferevent_socket_new(evconnlistener_get_base(l), fd, BEV_OPT_CLOSE_ON_FREE);

	(void)sa, (void)len;
	bufferevent_setcb(bev, fake_admin_read, NULL, fake_admin_event, arg);
	bufferevent_enable(bev, EV_READ);
}

static int fake_admin_start(struct event_base *base, struct fake_admin *f)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);

	f->listener = evconnlistener_new_bind(base, fake_admin_accept, f,
					      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
					      (struct sockaddr *)&a, sizeof(a));
	if (!f->listener ||
	    getsockname(evconnlistener_get_fd(f->listener), (struct sockaddr *)&a, &len))
		return -1;
	f->port = ntohs(a.sin_port);
	return 0;
}

static void run_ms(struct event_base *base, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

/* Runs the loop until the splitter has ended n more pushes (3 s at most). */
static bool wait_pushes(struct event_base *base, const struct splitter *sp, unsigned long n)
{
	unsigned long want = splitter_pushes(sp) + n;

	for (int i = 0; i < 300 && splitter_pushes(sp) < want; i++)
		run_ms(base, 10);
	return splitter_pushes(sp) >= want;
}

#define STATS_HEAD                                                                        \
	"sessions_open 2\nsessions_total 12\nstatements 345\nerrors 3\nauth_failures 1\n" \
	"protocol_errors 2\ncausal_waits 40\ncausal_fallbacks 4\n"

/*
 * xlb_sqlproxy_* and /status' "stats" from a splitter reached over TCP (a fake admin socket on
 * the test's loop) next to one never reached (a Unix path that does not exist): values as the
 * splitter says them, updated at the next push, kept when a reply is garbage and when the
 * splitter goes away (then xlb_mysql_splitter_up 0); none for the splitter never reached.
 */
static void check_sqlproxy(struct xlbd *d, __u16 port)
{
	struct xlbd_mysql cfg = { .present = true, .interval_ms = 100, .user = "monitor" };
	struct fake_admin f = { .stats = STATS_HEAD "reads.db1 10\nwrites.db1 200\n"
						    "errors.db1 1\nreads.x\"y 7\nwrites.x\"y 0\n"
						    "errors.x\"y 0\nnew_thing 5\n\n" };
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	const struct splitter *sp;
	char label[64], line[256];
	struct response r;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (!ASSERT_TRUE(fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
				 !getsockname(fd, (struct sockaddr *)&a, &len),
			 "sqlproxy: a closed port for the node") ||
	    !ASSERT_OK(fake_admin_start(d->base, &f), "sqlproxy: fake admin on TCP"))
		goto out;
	cfg.nodes[0] =
		(struct xlbd_endpoint){ .ip = { .family = AF_INET, .addr = { 127, 0, 0, 1 } },
					.port = ntohs(a.sin_port) };
	cfg.nr_nodes = 1;
	snprintf(label, sizeof(label), "127.0.0.1:%u", f.port);
	snprintf(cfg.splitters[0], sizeof(cfg.splitters[0]), "%s", label);
	snprintf(cfg.splitters[1], sizeof(cfg.splitters[1]), "/nonexistent/sqlproxy.sock");
	cfg.nr_splitters = 2;
	d->mysql = mysqlmon_start(d->base, &cfg);
	if (!ASSERT_TRUE(d->mysql, "sqlproxy: the monitor starts"))
		goto out;
	sp = mysqlmon_splitter(d->mysql, 0);

	fetch(d->base, port, EVHTTP_REQ_GET, "/metrics", &r);
	ASSERT_TRUE(r.body && strstr(r.body, "# TYPE xlb_sqlproxy_sessions_open gauge\n") &&
			    !strstr(r.body, "xlb_sqlproxy_sessions_open{"),
		    "sqlproxy: before the first push, the families without series");
	response_free(&r);
	if (!ASSERT_TRUE(wait_pushes(d->base, sp, 2) && splitter_stats(sp),
			 "sqlproxy: pushed over TCP, stats kept"))
		goto out;

	fetch(d->base, port, EVHTTP_REQ_GET, "/metrics", &r);
	{
		static const char *const fams[] = {
			"# TYPE xlb_sqlproxy_sessions_open gauge",
			"# TYPE xlb_sqlproxy_sessions_total counter",
			"# TYPE xlb_sqlproxy_statements_total counter",
			"# TYPE xlb_sqlproxy_errors_total counter",
			"# TYPE xlb_sqlproxy_auth_failures_total counter",
			"# TYPE xlb_sqlproxy_protocol_errors_total counter",
			"# TYPE xlb_sqlproxy_causal_waits_total counter",
			"# TYPE xlb_sqlproxy_causal_fallbacks_total counter",
			"# TYPE xlb_sqlproxy_server_queries_total counter",
			"# TYPE xlb_sqlproxy_server_errors_total counter",
		};
		static const struct {
			const char *fmt;
			const char *value;
		} series[] = {
			{ "xlb_mysql_splitter_up{splitter=\"%s\"}", "1" },
			{ "xlb_sqlproxy_sessions_open{splitter=\"%s\"}", "2" },
			{ "xlb_sqlproxy_sessions_total{splitter=\"%s\"}", "12" },
			{ "xlb_sqlproxy_statements_total{splitter=\"%s\"}", "345" },
			{ "xlb_sqlproxy_errors_total{splitter=\"%s\"}", "3" },
			{ "xlb_sqlproxy_auth_failures_total{splitter=\"%s\"}", "1" },
			{ "xlb_sqlproxy_protocol_errors_total{splitter=\"%s\"}", "2" },
			{ "xlb_sqlproxy_causal_waits_total{splitter=\"%s\"}", "40" },
			{ "xlb_sqlproxy_causal_fallbacks_total{splitter=\"%s\"}", "4" },
			{ "xlb_sqlproxy_server_queries_total{splitter=\"%s\",server=\"db1\","
			  "kind=\"read\"}",
			  "10" },
			{ "xlb_sqlproxy_server_queries_total{splitter=\"%s\",server=\"db1\","
			  "kind=\"write\"}",
			  "200" },
			{ "xlb_sqlproxy_server_errors_total{splitter=\"%s\",server=\"db1\"}", "1" },
			/* a server name is a label value: escaped */
			{ "xlb_sqlproxy_server_queries_total{splitter=\"%s\",server=\"x\\\"y\","
			  "kind=\"read\"}",
			  "7" },
		};

		for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++)
			ASSERT_TRUE(has_line(&r, fams[i]), tname("sqlproxy: %s", fams[i]));
		for (size_t i = 0; i < sizeof(series) / sizeof(series[0]); i++) {
			int n = snprintf(line, sizeof(line), series[i].fmt, label);

			snprintf(line + n, sizeof(line) - n, " %s", series[i].value);
			if (!ASSERT_TRUE(has_line(&r, line), tname("sqlproxy: %s", line)))
				printf("# body:\n%s", r.body ? r.body : "");
		}
	}
	ASSERT_TRUE(r.body && !strstr(r.body, "xlb_sqlproxy_sessions_open{splitter=\"/nonexistent"),
		    "sqlproxy: no series for a splitter never reached");
	ASSERT_TRUE(r.body && !strstr(r.body, "new_thing"), "sqlproxy: unknown keys skipped");
	response_free(&r);

	fetch(d->base, port, EVHTTP_REQ_GET, "/status", &r);
	snprintf(line, sizeof(line), "{\"path\":\"%s\",\"reachable\":true,\"pushes\":", label);
	ASSERT_TRUE(r.body && strstr(r.body, line), "sqlproxy: /status: the TCP splitter");
	ASSERT_TRUE(r.body && strstr(r.body, "\"push_errors\":0,\"stats\":{\"sessions_open\":2,"
					     "\"sessions_total\":12,\"statements\":345,"
					     "\"errors\":3,\"auth_failures\":1,"
					     "\"protocol_errors\":2,\"causal_waits\":40,"
					     "\"causal_fallbacks\":4,\"servers\":[{\"name\":"
					     "\"db1\",\"reads\":10,\"writes\":200,\"errors\":1},"
					     "{\"name\":\"x\\\"y\",\"reads\":7,"
					     "\"writes\":0,\"errors\":0}]}}"),
		    "sqlproxy: /status: its stats");
	ASSERT_TRUE(r.body && strstr(r.body, "{\"path\":\"/nonexistent/sqlproxy.sock\","
					     "\"reachable\":false,"),
		    "sqlproxy: /status: the splitter not reached");
	ASSERT_TRUE(r.body && strstr(r.body, "\"stats\":null}]}"),
		    "sqlproxy: /status: no stats for it");
	if (!ASSERT_TRUE(r.body && json_parses(r.body), "sqlproxy: /status parses"))
		printf("# %s\n", r.body ? r.body : "");
	response_free(&r);

	/* the next push brings the new counters */
	f.stats = STATS_HEAD "reads.db1 13\nwrites.db1 200\nerrors.db1 1\n\n";
	wait_pushes(d->base, sp, 2);
	fetch(d->base, port, EVHTTP_REQ_GET, "/metrics", &r);
	snprintf(line, sizeof(line),
		 "xlb_sqlproxy_server_queries_total{splitter=\"%s\",server=\"db1\",kind=\"read\"} "
		 "13",
		 label);
	ASSERT_TRUE(has_line(&r, line), "sqlproxy: updated at the next push");
	ASSERT_TRUE(r.body && !strstr(r.body, "server=\"x\\\"y\""),
		    "sqlproxy: a server gone from the reply is gone from the metrics");
	response_free(&r);

	/* a reply not understood: the last counters stay, the splitter is up */
	f.stats = "sessions_open lots\n\n";
	wait_pushes(d->base, sp, 2);
	fetch(d->base, port, EVHTTP_REQ_GET, "/metrics", &r);
	ASSERT_TRUE(has_line(&r, line), "sqlproxy: garbage: the last counters kept");
	snprintf(line, sizeof(line), "xlb_mysql_splitter_up{splitter=\"%s\"} 1", label);
	ASSERT_TRUE(has_line(&r, line), "sqlproxy: garbage: the splitter is still up");
	response_free(&r);

	/* gone: up 0, the last counters stay */
	evconnlistener_free(f.listener);
	f.listener = NULL;
	wait_pushes(d->base, sp, 2);
	fetch(d->base, port, EVHTTP_REQ_GET, "/metrics", &r);
	snprintf(line, sizeof(line), "xlb_mysql_splitter_up{splitter=\"%s\"} 0", label);
	ASSERT_TRUE(has_line(&r, line), "sqlproxy: gone: xlb_mysql_splitter_up 0");
	snprintf(line, sizeof(line),
		 "xlb_sqlproxy_server_queries_total{splitter=\"%s\",server=\"db1\",kind=\"read\"} "
		 "13",
		 label);
	ASSERT_TRUE(has_line(&r, line), "sqlproxy: gone: the last counters kept");
	response_free(&r);
out:
	mysqlmon_stop(d->mysql);
	d->mysql = NULL;
	if (f.listener)
		evconnlistener_free(f.listener);
	if (fd >= 0)
		close(fd);
	run_ms(d->base, 10);
}

static void test_http(void)
{
	struct xlbd_endpoint ep = { .ip = { .family = AF_INET, .addr = { 127, 0, 0, 1 } } };
	struct health_target t1 = {}, *targets[1] = { &t1 };
	struct xlbd_metrics *other;
	struct xlb_backend be;
	struct response r;
	char err[256], want[128];
	struct env e = {};
	int rc;

	if (!load(&e, TEST_FLOWS))
		return;
	rc = xlbd_config_parse_string(config_text, "test.conf", &e.d.cfg, err, sizeof(err));
	if (!ASSERT_OK(rc, "config parses"))
		goto out;
	e.d.base = event_base_new();
	e.d.config_path = "/etc/xlb/x\"y\\z.conf"; /* JSON must escape it */
	e.d.last_reload = 1700000000;

	rc = add_vip(&e, "10.10.0.100:80/tcp", &e.web);
	if (!rc)
		rc = add_vip(&e, "10.10.0.200:53/udp", &e.other);
	if (!rc)
		rc = add_backend(&e, e.web, "10.10.0.11", 1, &e.b1);
	if (!rc)
		rc = add_backend(&e, e.web, "10.10.0.12", 2, &e.b2);
	if (!ASSERT_OK(rc, "VIPs and backends added"))
		goto out;

	/* 4 flows split 2/2, one drop for want of a backend, one packet for nobody */
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(run_packet(&e, "10.10.0.100", 80, IPPROTO_TCP, 1000 + i), XDP_TX,
			  "flow to web: XDP_TX");
	ASSERT_EQ(run_packet(&e, "10.10.0.200", 53, IPPROTO_UDP, 2000), XDP_DROP,
		  "datagram to a VIP without backends: XDP_DROP");
	ASSERT_EQ(run_packet(&e, "10.10.0.99", 80, IPPROTO_TCP, 3000), XDP_PASS,
		  "packet for no VIP: XDP_PASS");
	rc = xlb_backend_update(&e.d.maps, e.b2, XLB_KEEP, XLB_ADMIN_DRAIN, XLB_HEALTH_DOWN);
	ASSERT_OK(rc, "backend 2 drained and down");

	ASSERT_OK(xlb_backend_get(&e.d.maps, e.b1, &be), "backend 1 read");
	t1 = (struct health_target){ .vip = &e.d.cfg->vips[0],
				     .vip_id = e.web,
				     .slot = e.b1,
				     .gen = be.gen,
				     .up = true,
				     .checks_ok = 7,
				     .checks_failed = 2,
				     .transitions = 1,
				     .last_latency_us = 1234 };
	e.d.targets = targets;
	e.d.nr_targets = 1;

	e.d.metrics = xlbd_metrics_start(&e.d, &ep, err, sizeof(err));
	if (!ASSERT_TRUE(e.d.metrics, "metrics server starts on 127.0.0.1:0")) {
		printf("# %s\n", err);
		goto out;
	}
	ep.port = xlbd_metrics_port(e.d.metrics);
	ASSERT_TRUE(ep.port != 0, "a port was picked");

	other = xlbd_metrics_start(&e.d, &ep, err, sizeof(err));
	snprintf(want, sizeof(want), "cannot listen on 127.0.0.1:%u: Address already in use",
		 ep.port);
	ASSERT_TRUE(!other && !strcmp(err, want), tname("port taken: \"%s\"", want));
	xlbd_metrics_stop(other);

	fetch(e.d.base, ep.port, EVHTTP_REQ_GET, "/metrics", &r);
	check_metrics(&r, ep.port);
	response_free(&r);

	fetch(e.d.base, ep.port, EVHTTP_REQ_GET, "/status", &r);
	check_status(&r);
	response_free(&r);

	check_mysql(&e.d, ep.port);
	check_sqlproxy(&e.d, ep.port);

	fetch(e.d.base, ep.port, EVHTTP_REQ_GET, "/nope", &r);
	ASSERT_EQ(r.code, 404, "/nope: 404");
	ASSERT_TRUE(r.body && r.len > 0 && r.len < 100, "/nope: a short body");
	response_free(&r);

	fetch(e.d.base, ep.port, EVHTTP_REQ_POST, "/metrics", &r);
	ASSERT_EQ(r.code, 405, "POST /metrics: 405");
	ASSERT_TRUE(!strcmp(r.allow, "GET, HEAD"), "POST /metrics: Allow: GET, HEAD");
	response_free(&r);

	fetch(e.d.base, ep.port, EVHTTP_REQ_GET, "/metrics?x=1", &r);
	ASSERT_EQ(r.code, 200, "/metrics?x=1: the query is ignored");
	response_free(&r);

	fetch(e.d.base, ep.port, EVHTTP_REQ_HEAD, "/status", &r);
	ASSERT_EQ(r.code, 200, "HEAD /status: 200");
	ASSERT_EQ(r.len, 0, "HEAD /status: no body");
	response_free(&r);

	/* Label values are escaped; no valid config name needs it, so bend one in memory. */
	snprintf(e.d.cfg->vips[0].name, sizeof(e.d.cfg->vips[0].name), "a\"b\\c\nd");
	fetch(e.d.base, ep.port, EVHTTP_REQ_GET, "/metrics", &r);
	ASSERT_TRUE(has_line(&r, "xlb_vip_packets_total{vip=\"a\\\"b\\\\c\\nd\","
				 "address=\"10.10.0.100:80/tcp\"} 4"),
		    "/metrics: label value escaped");
	ASSERT_TRUE(r.body && strstr(r.body, "xlb_backend_up{vip=\"a\\\"b\\\\c\\nd\",backend="),
		    "/metrics: escaped in backend labels too");
	response_free(&r);
	fetch(e.d.base, ep.port, EVHTTP_REQ_GET, "/status", &r);
	ASSERT_TRUE(r.body && strstr(r.body, "\"name\":\"a\\\"b\\\\c\\nd\""),
		    "/status: name escaped");
	ASSERT_TRUE(r.body && json_parses(r.body), "/status: still parses");
	response_free(&r);

	/* A VIP the config no longer has (a reload) is labelled by its address. */
	xlbd_config_free(e.d.cfg);
	e.d.cfg = NULL;
	e.d.targets = NULL;
	e.d.nr_targets = 0;
	e.d.last_reload = 0;
	e.d.config_path = NULL;
	fetch(e.d.base, ep.port, EVHTTP_REQ_GET, "/metrics", &r);
	ASSERT_TRUE(has_line(&r, "xlb_vip_packets_total{vip=\"10.10.0.100:80/tcp\","
				 "address=\"10.10.0.100:80/tcp\"} 4"),
		    "no config: VIP labelled by its address");
	ASSERT_TRUE(has_line(&r, "xlb_config_reload_timestamp_seconds 0"),
		    "no reload yet: timestamp 0");
	response_free(&r);
	fetch(e.d.base, ep.port, EVHTTP_REQ_GET, "/status", &r);
	ASSERT_TRUE(r.body && strstr(r.body, "{\"config\":null,\"last_reload\":null,"),
		    "no config: config and last_reload null");
	ASSERT_TRUE(r.body && json_parses(r.body), "no config: /status parses");
	response_free(&r);
out:
	xlbd_metrics_stop(e.d.metrics);
	xlbd_config_free(e.d.cfg);
	if (e.d.base)
		event_base_free(e.d.base);
	unload(&e);
}

/* ---- measurement: a scrape with 1M flows ---- */

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1e3 + (t.tv_nsec - t0->tv_nsec) / 1e6;
}

static void bench_big_table(void)
{
	struct xlbd_endpoint ep = { .ip = { .family = AF_INET, .addr = { 127, 0, 0, 1 } } };
	const __u32 n = XLB_DEFAULT_FLOWS, chunk = 65536;
	struct xlb_flow4_key *keys = calloc(chunk, sizeof(*keys));
	struct xlb_flow *vals = calloc(chunk, sizeof(*vals));
	struct timespec t0;
	struct response r;
	char err[256];
	struct env e = {};

	if (!keys || !vals || !load(&e, n))
		goto out;
	for (__u32 base = 0; base < n; base += chunk) {
		__u32 count = chunk;

		for (__u32 i = 0; i < chunk; i++)
			keys[i] = (struct xlb_flow4_key){ .saddr = htonl(base + i), .proto = 6 };
		if (bpf_map_update_batch(e.d.maps.flow4, keys, vals, &count, NULL))
			break;
	}
	e.d.base = event_base_new();
	e.d.metrics = xlbd_metrics_start(&e.d, &ep, err, sizeof(err));
	if (!ASSERT_TRUE(e.d.metrics, "bench: metrics server starts"))
		goto out;
	ep.port = xlbd_metrics_port(e.d.metrics);
	for (int i = 0; i < 4; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		fetch(e.d.base, ep.port, EVHTTP_REQ_GET, "/metrics", &r);
		printf("# scrape %d with %u flows: %.1f ms, %s\n", i, n, ms_since(&t0),
		       r.body && strstr(r.body, "\nxlb_flows 1048576\n") ? "xlb_flows 1048576"
		       : r.body && strstr(r.body, "\nxlb_flows ")	 ? "xlb_flows other"
									 : "no xlb_flows yet");
		response_free(&r);
		/* let the background walk run, as a daemon's loop would between scrapes */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		while (ms_since(&t0) < 600)
			event_base_loop(e.d.base, EVLOOP_NONBLOCK);
	}
out:
	free(keys);
	free(vals);
	xlbd_metrics_stop(e.d.metrics);
	if (e.d.base)
		event_base_free(e.d.base);
	if (e.skel)
		unload(&e);
}

int main(void)
{
	xlb_log_setup_libs();
	test_http();
	if (getenv("XLB_METRICS_BENCH"))
		bench_big_table();
	return tap_done();
}
