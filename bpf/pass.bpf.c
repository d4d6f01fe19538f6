// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* An XDP program that passes everything: the baseline of `make bench`, and the stub a veth
 * peer needs so that frames sent into it with XDP_TX/XDP_REDIRECT are not dropped (lab). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
