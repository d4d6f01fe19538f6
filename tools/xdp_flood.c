// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdp_flood: the packet generator of the packets-per-second benchmark, and the two programs
 * at the far ends of its path (tools/bench_pps.sh).
 *
 *   xdp_flood [send] --dev DEV --dst-mac MAC --src IP --dst IP:PORT --seconds N
 *             [--size BYTES] [--src-mac MAC] [--flows N] [--batch N]
 *       UDP over IPv4 out of DEV at full rate for N seconds; prints the frames sent.
 *   xdp_flood count --dev DEV --dst IP[:PORT] --pin PATH
 *       attaches a counter to DEV that counts and drops the UDP frames to IP[:PORT] addressed
 *       to DEV's MAC; its per-CPU count is pinned at PATH.
 *   xdp_flood read PATH
 *       prints that count.
 *   xdp_flood bare --dev DEV --vip IP:PORT --backend MAC --backend MAC
 *       attaches the baseline forwarder (tools/bare_tx.bpf.c) to DEV.
 *
 * xdp-trafficgen does not load on current kernels, and this kernel has no pktgen. The
 * sender runs tools/flood.bpf.c through BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES: the
 * kernel runs the program on fresh copies of one frame, batch by batch, and sends every
 * copy the program returns XDP_TX for out of the interface given as the ingress one. No
 * socket, no skb on the sending side. The program gives each frame the next source port
 * (--flows, default 64512), so a VIP sees many flows.
 *
 * The programs are attached natively (veth supports it) with the kernel's own XDP attach,
 * not libxdp's dispatcher: they are instruments, not something to share an interface
 * with. They stay attached after this process exits; `ip link set dev DEV xdp off` or
 * deleting the interface removes them.
 *
 * Exit status: 0 done, 1 failed, 2 bad arguments (one line on stderr each time).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "addr.h"
#include "log.h"
#include "bare_tx.skel.h"
#include "count.skel.h"
#include "flood.skel.h"

#define PROG "xdp_flood"
#define SEND_USAGE                                                                     \
	"xdp_flood [send] --dev DEV --dst-mac MAC --src IP --dst IP:PORT --seconds N " \
	"[--size BYTES] [--src-mac MAC] [--flows N] [--batch N]"
#define COUNT_USAGE "xdp_flood count --dev DEV --dst IP[:PORT] --pin PATH"
#define READ_USAGE "xdp_flood read PATH"
#define BARE_USAGE "xdp_flood bare --dev DEV --vip IP:PORT --backend MAC --backend MAC"

/* Ethernet + IPv4 without options + UDP: the shortest frame the sender builds. */
#define MIN_FRAME (ETH_HLEN + sizeof(struct iphdr) + sizeof(struct udphdr))
/* The shortest Ethernet frame without its FCS ("64-byte packets" on the wire). */
#define DEFAULT_FRAME 60
/* A 1500-byte MTU: larger frames would be dropped by the devices on the path. */
#define MAX_FRAME 1514
#define FIRST_SPORT 1024
#define MAX_FLOWS (65536 - FIRST_SPORT)
/* The kernel's limit on frames per live-frames batch (TEST_XDP_MAX_BATCH). */
#define MAX_BATCH 256
/* Each BPF_PROG_RUN call is sized to take about this long: short enough to stop on time
 * and on a signal, long enough that the page pool set-up of each call is noise. */
#define CALL_NS 10000000ull

static void die(int status, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));

static void die(int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

#define die_usage(fmt, ...) die(2, fmt, ##__VA_ARGS__)
#define die_fail(fmt, ...) die(1, fmt, ##__VA_ARGS__)

struct args {
	const char *cmd, *usage;
	const char *dev, *pin;
	__u8 dst_mac[ETH_ALEN], src_mac[ETH_ALEN], backend[2][ETH_ALEN];
	int nbackends;
	bool has_dst_mac, has_src_mac;
	struct in_addr src, dst;
	__u16 port; /* host order; 0: none given */
	bool has_src, has_dst;
	double seconds;
	unsigned long size, flows, batch;
};

static unsigned long parse_num(const char *opt, const char *s, unsigned long min, unsigned long max,
			       const struct args *a)
{
	unsigned long v;

	if (xlb_parse_uint(s, max, &v) || v < min)
		die_usage("%s: bad %s '%s': expected %lu to %lu; usage: %s", a->cmd, opt, s, min,
			  max, a->usage);
	return v;
}

static void parse_ip4(const char *opt, const char *s, struct in_addr *out, const struct args *a)
{
	if (inet_pton(AF_INET, s, out) != 1)
		die_usage("%s: bad %s '%s': expected an IPv4 address; usage: %s", a->cmd, opt, s,
			  a->usage);
}

/* "IP:PORT", or "IP" too when the port is optional. */
static void parse_ip4_port(const char *opt, const char *s, bool port_optional, struct args *a)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strrchr(s, ':');
	size_t len = colon ? (size_t)(colon - s) : strlen(s);
	unsigned long port = 0;

	if ((!colon && !port_optional) || len >= sizeof(host) ||
	    (colon && xlb_parse_uint(colon + 1, 65535, &port)) || (colon && !port))
		die_usage("%s: bad %s '%s': expected IPv4:PORT%s; usage: %s", a->cmd, opt, s,
			  port_optional ? " or IPv4" : "", a->usage);
	memcpy(host, s, len);
	host[len] = '\0';
	parse_ip4(opt, host, &a->dst, a);
	a->port = port;
	a->has_dst = true;
}

static void parse_mac(const char *opt, const char *s, __u8 *mac, const struct args *a)
{
	if (xlb_parse_mac(s, mac))
		die_usage("%s: bad %s '%s': expected a MAC like 02:00:00:00:00:01; usage: %s",
			  a->cmd, opt, s, a->usage);
}

static void parse_seconds(const char *s, struct args *a)
{
	char *end;

	errno = 0;
	a->seconds = strtod(s, &end);
	if (errno || end == s || *end || !(a->seconds > 0 && a->seconds <= 86400))
		die_usage("%s: bad --seconds '%s': expected a duration in seconds, more than 0; "
			  "usage: %s",
			  a->cmd, s, a->usage);
}

static const struct option long_opts[] = {
	{ "dev", required_argument, NULL, 'd' },
	{ "dst-mac", required_argument, NULL, 'M' },
	{ "src-mac", required_argument, NULL, 'm' },
	{ "src", required_argument, NULL, 's' },
	{ "dst", required_argument, NULL, 't' },
	{ "seconds", required_argument, NULL, 'S' },
	{ "size", required_argument, NULL, 'z' },
	{ "flows", required_argument, NULL, 'f' },
	{ "batch", required_argument, NULL, 'b' },
	{ "pin", required_argument, NULL, 'p' },
	{ "vip", required_argument, NULL, 'v' },
	{ "backend", required_argument, NULL, 'B' },
	{ NULL, 0, NULL, 0 },
};

/* Parses argv (after the subcommand) into a; allowed lists the options the subcommand
 * takes, by their short letters. Positional arguments land in *pos (at most one). */
static void parse_args(int argc, char **argv, const char *allowed, struct args *a, const char **pos)
{
	int opt;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":", long_opts, NULL)) != -1) {
		if (opt == '?' || (opt != ':' && !strchr(allowed, opt)))
			die_usage("%s: unknown option '%s'; usage: %s", a->cmd, argv[optind - 1],
				  a->usage);
		if (opt == ':')
			die_usage("%s: option '%s' needs a value; usage: %s", a->cmd,
				  argv[optind - 1], a->usage);
		switch (opt) {
		case 'd':
			a->dev = optarg;
			break;
		case 'M':
			parse_mac("--dst-mac", optarg, a->dst_mac, a);
			a->has_dst_mac = true;
			break;
		case 'm':
			parse_mac("--src-mac", optarg, a->src_mac, a);
			a->has_src_mac = true;
			break;
		case 's':
			parse_ip4("--src", optarg, &a->src, a);
			a->has_src = true;
			break;
		case 't':
			parse_ip4_port("--dst", optarg, !strcmp(a->cmd, "count"), a);
			break;
		case 'v':
			parse_ip4_port("--vip", optarg, false, a);
			break;
		case 'S':
			parse_seconds(optarg, a);
			break;
		case 'z':
			a->size = parse_num("--size", optarg, MIN_FRAME, MAX_FRAME, a);
			break;
		case 'f':
			a->flows = parse_num("--flows", optarg, 1, MAX_FLOWS, a);
			break;
		case 'b':
			a->batch = parse_num("--batch", optarg, 1, MAX_BATCH, a);
			break;
		case 'p':
			a->pin = optarg;
			break;
		case 'B':
			if (a->nbackends == 2)
				die_usage("%s: more than two --backend; usage: %s", a->cmd,
					  a->usage);
			parse_mac("--backend", optarg, a->backend[a->nbackends++], a);
			break;
		}
	}
	if (optind < argc && pos && !*pos)
		*pos = argv[optind++];
	if (optind < argc)
		die_usage("%s: unexpected argument '%s'; usage: %s", a->cmd, argv[optind],
			  a->usage);
}

static void need(bool have, const char *opt, const struct args *a)
{
	if (!have)
		die_usage("%s: %s is required; usage: %s", a->cmd, opt, a->usage);
}

/* The interface's index and MAC in this network namespace. */
static int dev_lookup(const char *dev, int *ifindex, __u8 mac[ETH_ALEN])
{
	struct ifreq ifr = {};
	int fd, err = 0;

	if (strlen(dev) >= IFNAMSIZ)
		return -ENODEV;
	*ifindex = if_nametoindex(dev);
	if (!*ifindex)
		return -errno;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	strcpy(ifr.ifr_name, dev);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	close(fd);
	return err;
}

static void dev_or_die(const struct args *a, int *ifindex, __u8 mac[ETH_ALEN])
{
	int err = dev_lookup(a->dev, ifindex, mac);

	if (err)
		die_fail("%s: no usable interface '%s' in this network namespace: %s", a->cmd,
			 a->dev, strerror(-err));
}

/* Attaches prog to ifindex in driver mode, unless a program is attached there already. */
static int attach_native(int ifindex, int prog_fd)
{
	return bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST,
			      NULL)
		       ? -errno
		       : 0;
}

/* err from attach_native as one line; exits when there is an error. */
static void attach_check(const struct args *a, int err)
{
	if (err == -EBUSY || err == -EEXIST)
		die_fail("%s: %s already has an XDP program: detach it first (ip link set dev %s "
			 "xdp off)",
			 a->cmd, a->dev, a->dev);
	if (err)
		die_fail("%s: attaching to %s in native mode failed: %s", a->cmd, a->dev,
			 strerror(-err));
}

static __u16 ip_checksum(const void *hdr, size_t len)
{
	const __u16 *p = hdr;
	__u32 sum = 0;

	for (; len > 1; len -= 2)
		sum += *p++;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* One UDP/IPv4 frame of a->size bytes, zero payload, UDP checksum 0 ("none"), so that the
 * program can change the source port without fixing anything up. */
static void build_frame(const struct args *a, __u8 *frame)
{
	struct ethhdr *eth = (void *)frame;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);

	memset(frame, 0, a->size);
	memcpy(eth->h_dest, a->dst_mac, ETH_ALEN);
	memcpy(eth->h_source, a->src_mac, ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(a->size - ETH_HLEN);
	ip->frag_off = htons(0x4000); /* DF */
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = a->src.s_addr;
	ip->daddr = a->dst.s_addr;
	ip->check = ip_checksum(ip, sizeof(*ip));
	udp->source = htons(FIRST_SPORT);
	udp->dest = htons(a->port);
	udp->len = htons(a->size - ETH_HLEN - sizeof(*ip));
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * Runs the program over the frame until the time is up, in calls sized from the rate so far
 * to last about CALL_NS each; returns the frames sent or -errno. In live-frames mode `repeat`
 * is the number of frames of the call, sent in batches of batch_size (the kernel's default,
 * 64, when 0); the context's ingress_ifindex is the device they leave by.
 *
 * *timed: the kernel's own measure of the calls (duration per frame times frames). The
 * frames' whole way through veths down to the receivers runs in the softirqs these calls
 * raise, on this CPU and inside that measure, which leaves out the time the CPU was given to
 * other tasks: frames per timed second are what one core forwards when it is not shared.
 */
static long long flood(int prog_fd, int ifindex, __u8 *frame, __u32 size, __u32 batch,
		       double seconds, double *elapsed, double *timed)
{
	struct xdp_md ctx = { .data_end = size, .ingress_ifindex = ifindex };
	__u64 start = now_ns(), end = start + (__u64)(seconds * 1e9), t = start;
	long long sent = 0;
	__u32 chunk = 4096;
	double busy_ns = 0;

	while (!stop && t < end) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = size,
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .repeat = chunk,
			    .batch_size = batch);
		__u64 before = t, took, want;

		if (bpf_prog_test_run_opts(prog_fd, &opts)) {
			/* a signal ends the call early; how many of its frames left is unknown */
			if (errno == EINTR && stop)
				break;
			return -errno;
		}
		sent += chunk;
		busy_ns += (double)opts.duration * chunk;
		t = now_ns();
		took = t - before ?: 1;
		/* the next call's size: CALL_NS at this call's rate, never past the end */
		want = (__u64)chunk * (t < end && end - t < CALL_NS ? end - t : CALL_NS) / took;
		chunk = want < 64 ? 64 : want > (1u << 22) ? 1u << 22 : want;
	}
	*elapsed = (t - start) / 1e9;
	*timed = busy_ns / 1e9;
	return sent;
}

/*
 * BPF_PROG_RUN with repeat > 1 adds the program to the kernel's XDP dispatcher for the call
 * and removes it afterwards, and each change waits for an RCU grace period: 20-40 ms a call
 * here, longer than the sending. A program that is attached somewhere stays in the
 * dispatcher and the call changes nothing. So the program is also attached to the loopback
 * device, in generic mode, through a link that goes away with this process; there it passes
 * every packet (it only acts on tx_ifindex). Returns the link, or NULL when that failed (lo
 * has a program already): the flood then runs, only with the wait in every call.
 */
static struct bpf_link *hold_in_dispatcher(struct bpf_program *prog)
{
	int lo = if_nametoindex("lo");
	struct bpf_link *link;

	link = lo ? bpf_program__attach_xdp(prog, lo) : NULL;
	if (libbpf_get_error(link))
		link = NULL;
	if (!link)
		fprintf(stderr, PROG ": send: note: cannot attach the sender to lo too; every "
				     "call waits for two RCU grace periods (slower)\n");
	return link;
}

static int cmd_send(int argc, char **argv, const char *cmd)
{
	struct args a = {
		.cmd = cmd, .usage = SEND_USAGE, .size = DEFAULT_FRAME, .flows = MAX_FLOWS
	};
	__u8 frame[MAX_FRAME], dev_mac[ETH_ALEN];
	struct flood_bpf *skel;
	struct bpf_link *hold;
	double elapsed = 0, timed = 0;
	long long sent;
	int ifindex, err;

	parse_args(argc, argv, "dMmstSzfb", &a, NULL);
	need(a.dev, "--dev", &a);
	need(a.has_dst_mac, "--dst-mac", &a);
	need(a.has_src, "--src", &a);
	need(a.has_dst, "--dst", &a);
	need(a.seconds > 0, "--seconds", &a);
	dev_or_die(&a, &ifindex, dev_mac);
	if (!a.has_src_mac)
		memcpy(a.src_mac, dev_mac, ETH_ALEN);
	build_frame(&a, frame);

	skel = flood_bpf__open();
	if (!skel)
		die_fail("%s: opening the sender program failed: %s", cmd, strerror(errno));
	skel->rodata->sport_base = FIRST_SPORT;
	skel->rodata->sport_count = a.flows;
	skel->rodata->tx_ifindex = ifindex;
	err = flood_bpf__load(skel);
	if (err)
		die_fail("%s: loading the sender program failed: %s", cmd, strerror(-err));
	hold = hold_in_dispatcher(skel->progs.flood_tx);

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	sent = flood(bpf_program__fd(skel->progs.flood_tx), ifindex, frame, a.size, a.batch,
		     a.seconds, &elapsed, &timed);
	bpf_link__destroy(hold);
	flood_bpf__destroy(skel);
	if (sent < 0)
		die_fail("%s: sending on %s failed: %s%s", cmd, a.dev, strerror(-sent),
			 sent == -EINVAL || sent == -EOPNOTSUPP
				 ? " (this kernel needs BPF_F_TEST_XDP_LIVE_FRAMES, 5.18 or later)"
				 : "");
	printf("sent %lld frames of %lu bytes in %.3f s: %.0f frames/s; test-run time %.3f s\n",
	       sent, a.size, elapsed, elapsed > 0 ? sent / elapsed : 0, timed);
	return 0;
}

static int cmd_count(int argc, char **argv)
{
	struct args a = { .cmd = "count", .usage = COUNT_USAGE };
	struct count_bpf *skel;
	__u8 mac[ETH_ALEN];
	int ifindex, err;

	parse_args(argc, argv, "dtp", &a, NULL);
	need(a.dev, "--dev", &a);
	need(a.has_dst, "--dst", &a);
	need(a.pin, "--pin", &a);
	dev_or_die(&a, &ifindex, mac);

	skel = count_bpf__open();
	if (!skel)
		die_fail("count: opening the counter program failed: %s", strerror(errno));
	memcpy((void *)skel->rodata->own_mac, mac, ETH_ALEN);
	skel->rodata->dst_addr = a.dst.s_addr;
	skel->rodata->dst_port = htons(a.port);
	err = count_bpf__load(skel);
	if (err)
		die_fail("count: loading the counter program failed: %s", strerror(-err));
	err = bpf_map__pin(skel->maps.pps_count, a.pin);
	if (err)
		die_fail("count: pinning the count at %s failed: %s", a.pin, strerror(-err));
	err = attach_native(ifindex, bpf_program__fd(skel->progs.count_udp));
	if (err)
		bpf_map__unpin(skel->maps.pps_count, a.pin);
	count_bpf__destroy(skel);
	attach_check(&a, err);
	return 0;
}

static int cmd_read(int argc, char **argv)
{
	struct args a = { .cmd = "read", .usage = READ_USAGE };
	const char *path = NULL;
	int ncpus, fd;
	__u32 key = 0;
	__u64 *vals, sum = 0;

	parse_args(argc, argv, "", &a, &path);
	need(path, "PATH", &a);
	fd = bpf_obj_get(path);
	if (fd < 0)
		die_fail("read: no pinned count at %s: %s", path, strerror(errno));
	ncpus = libbpf_num_possible_cpus();
	vals = ncpus > 0 ? calloc(ncpus, sizeof(*vals)) : NULL;
	if (!vals)
		die_fail("read: cannot size the per-CPU values: %s", strerror(ENOMEM));
	if (bpf_map_lookup_elem(fd, &key, vals))
		die_fail("read: reading %s failed: %s", path, strerror(errno));
	for (int i = 0; i < ncpus; i++)
		sum += vals[i];
	printf("%llu\n", (unsigned long long)sum);
	free(vals);
	close(fd);
	return 0;
}

static int cmd_bare(int argc, char **argv)
{
	struct args a = { .cmd = "bare", .usage = BARE_USAGE };
	struct bare_tx_bpf *skel;
	__u8 mac[ETH_ALEN];
	int ifindex, err;

	parse_args(argc, argv, "dvB", &a, NULL);
	need(a.dev, "--dev", &a);
	need(a.has_dst, "--vip", &a);
	need(a.nbackends == 2, "--backend (twice)", &a);
	dev_or_die(&a, &ifindex, mac);

	skel = bare_tx_bpf__open();
	if (!skel)
		die_fail("bare: opening the forwarder program failed: %s", strerror(errno));
	skel->rodata->vip_addr = a.dst.s_addr;
	skel->rodata->vip_port = htons(a.port);
	memcpy(skel->bss->src_mac, mac, ETH_ALEN);
	memcpy(skel->bss->backend_mac, a.backend, sizeof(a.backend));
	err = bare_tx_bpf__load(skel);
	if (err)
		die_fail("bare: loading the forwarder program failed: %s", strerror(-err));
	err = attach_native(ifindex, bpf_program__fd(skel->progs.bare_tx));
	bare_tx_bpf__destroy(skel);
	attach_check(&a, err);
	return 0;
}

int main(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	xlb_log_setup_libs();
	if (!strcmp(sub, "count"))
		return cmd_count(argc - 1, argv + 1);
	if (!strcmp(sub, "read"))
		return cmd_read(argc - 1, argv + 1);
	if (!strcmp(sub, "bare"))
		return cmd_bare(argc - 1, argv + 1);
	if (!strcmp(sub, "send"))
		return cmd_send(argc - 1, argv + 1, "send");
	if (argc > 1 && sub[0] != '-')
		die_usage("unknown command '%s': one of send (the default), count, read, bare",
			  sub);
	return cmd_send(argc, argv, "send");
}
