// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdp_flood's transmitter, run through BPF_PROG_RUN in live-frames mode: the kernel hands
 * it a copy of the frame built by xdp_flood, and XDP_TX sends that copy out of the device
 * named as the ingress interface. It changes nothing but the UDP source port, so that a VIP
 * sees many flows rather than one (the frame's UDP checksum is 0, "none", and the port is
 * not part of the IP header checksum: nothing else needs fixing up).
 *
 * xdp_flood also attaches it to the loopback device, where it passes everything: see
 * hold_in_dispatcher() there for why.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* Source ports sport_base .. sport_base + sport_count - 1, one frame each in turn; a count
 * of 1 leaves the port as xdp_flood wrote it. Set before load. */
const volatile __u16 sport_base = 1024;
const volatile __u32 sport_count = 1;
/* The device the frames leave by; on any other (lo) the program does nothing. */
const volatile __u32 tx_ifindex;

/* The next port's offset. Not atomic: a test run executes on one CPU and xdp_flood starts
 * one at a time. */
__u32 next_port;

SEC("xdp")
int flood_tx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	/* xdp_flood builds the frame: IPv4 without options, then UDP */
	struct udphdr *udp = data + sizeof(struct ethhdr) + sizeof(struct iphdr);
	__u32 n;

	if (ctx->ingress_ifindex != tx_ifindex)
		return XDP_PASS;
	if (sport_count < 2 || (void *)(udp + 1) > data_end)
		return XDP_TX;
	n = next_port;
	udp->source = bpf_htons(sport_base + n);
	next_port = n + 1 < sport_count ? n + 1 : 0;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
