/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Packet parsing: Ethernet (one optional 802.1Q/802.1ad tag), IPv4 (any IHL, no fragments),
 * IPv6 (fixed header only), TCP, UDP. Anything else, or anything cut short, is "not ours":
 * the caller passes it on unchanged. */
#ifndef XLB_BPF_PARSE_H
#define XLB_BPF_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <xlb/abi.h>

#ifndef ETH_P_8021Q
#define ETH_P_8021Q 0x8100
#endif
#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif
#define XLB_IP_MF 0x2000
#define XLB_IP_OFFSET 0x1FFF

struct vlan_tag {
	__be16 tci;
	__be16 proto;
};

/* What the rest of the program needs to know about a packet. */
struct packet {
	struct ethhdr *eth;
	__u8 family;
	__u8 proto;
	__be16 sport;
	__be16 dport;
	__u8 syn; /* a TCP SYN without ACK: the first packet of a connection */
	struct iphdr *ip4;
	struct ipv6hdr *ip6;
};

/* Returns 0 when the packet is a complete IPv4/IPv6 TCP/UDP packet, -1 otherwise. */
static __always_inline int parse_packet(void *data, void *data_end, struct packet *pkt)
{
	struct ethhdr *eth = data;
	void *l3, *l4, *l3_end;
	__be16 proto;

	if ((void *)(eth + 1) > data_end)
		return -1;
	pkt->eth = eth;
	proto = eth->h_proto;
	l3 = eth + 1;
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
		struct vlan_tag *tag = l3;

		if ((void *)(tag + 1) > data_end)
			return -1;
		proto = tag->proto;
		l3 = tag + 1;
	}

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = l3;

		if ((void *)(ip + 1) > data_end || ip->ihl < 5)
			return -1;
		/* Only the first fragment has ports, and later ones cannot be matched to it
		 * here: leave every fragment to the kernel. */
		if (ip->frag_off & bpf_htons(XLB_IP_MF | XLB_IP_OFFSET))
			return -1;
		l4 = (void *)ip + ip->ihl * 4;
		l3_end = (void *)ip + bpf_ntohs(ip->tot_len);
		pkt->family = 2; /* AF_INET */
		pkt->proto = ip->protocol;
		pkt->ip4 = ip;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = l3;

		if ((void *)(ip6 + 1) > data_end)
			return -1;
		l4 = ip6 + 1;
		l3_end = l4 + bpf_ntohs(ip6->payload_len);
		pkt->family = 10; /* AF_INET6 */
		/* Extension headers (fragments included) are not walked: nexthdr must be L4. */
		pkt->proto = ip6->nexthdr;
		pkt->ip6 = ip6;
	} else {
		return -1;
	}

	/* A packet cut short (longer by its IP header than the frame) is not forwarded. The
	 * frame may be longer than the packet: Ethernet pads short frames. */
	if (l3_end > data_end)
		return -1;
	if (pkt->proto == IPPROTO_TCP) {
		struct tcphdr *tcp = l4;

		if ((void *)(tcp + 1) > data_end || (void *)(tcp + 1) > l3_end)
			return -1;
		pkt->sport = tcp->source;
		pkt->dport = tcp->dest;
		pkt->syn = tcp->syn && !tcp->ack;
	} else if (pkt->proto == IPPROTO_UDP) {
		struct udphdr *udp = l4;

		if ((void *)(udp + 1) > data_end || (void *)(udp + 1) > l3_end)
			return -1;
		pkt->sport = udp->source;
		pkt->dport = udp->dest;
	} else {
		return -1;
	}
	return 0;
}

#endif
