/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* L2 direct server return: only the MACs change; the backend owns the VIP on its loopback
 * and answers the client itself. */
#ifndef XLB_BPF_FWD_H
#define XLB_BPF_FWD_H

#include "maps.h"
#include "parse.h"
#include "stats.h"

static __always_inline int forward(struct xdp_md *ctx, struct ethhdr *eth,
				   const struct xlb_backend *be)
{
	__builtin_memcpy(eth->h_dest, be->mac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, be->src_mac, ETH_ALEN);
	if (be->ifindex == ctx->ingress_ifindex)
		return count_action(XDP_TX);
	/* The low bits of flags are the action when the interface is not in the devmap. */
	if (bpf_redirect_map(&xlb_tx_ports, be->ifindex, XDP_DROP) == XDP_REDIRECT)
		return count_action(XDP_REDIRECT);
	return count_drop(XLB_CNT_DROP_NO_TX_PORT);
}

#endif
