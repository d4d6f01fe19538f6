#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# shellcheck disable=SC2086 # node lists are split into words on purpose
# The xlb lab on this machine: `tools/lab.sh up` builds client, lb, web1, web2 as network
# namespaces, attaches xlb to the lb, balances a VIP over two nginx backends and shows how
# 100 requests were split; `tools/lab.sh down` removes all of it. `make lab` / `make lab-down`.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools/netns.sh
source "$HERE/netns.sh"

# The lab's maps live where the CLI looks by default; an exported XLB_PIN_DIR moves them.
export XLB_PIN_DIR=${XLB_PIN_DIR:-/sys/fs/bpf/xlb}
XLB=$NETNS_XLB
REQUESTS=100

netns_init xlb- 10.10.0.0/24 fd00:10::/64
VIP=$NETNS_VIP4:80/tcp

die() { echo "lab: $*" >&2; exit 1; }

# xlb on the load balancer: in its namespace, where the device and the neighbours are.
lbx() { netns_exec lb "$XLB" "$@"; }

# The CLI's JSON lists are searched for a quoted address: "10.10.0.1" must not match
# "10.10.0.11", so the quotes are part of the pattern.
lb_has() { lbx "$@" --json 2>/dev/null | grep -q -F "$LB_HAS_PATTERN"; }

up() {
	local n out w1 w2
	[ "$(id -u)" = 0 ] || die "must run as root (namespaces, XDP, bpffs)"
	[ -x "$XLB" ] || die "$XLB missing: run make"
	if ! command -v nginx >/dev/null || ! command -v curl >/dev/null; then
		die "nginx and curl are needed: run make deps"
	fi
	# libxdp and xlb pin under /sys/fs/bpf; a fresh container may not have it mounted.
	if ! mountpoint -q /sys/fs/bpf; then
		mount -t bpf bpf /sys/fs/bpf || die "cannot mount bpffs on /sys/fs/bpf"
	fi

	echo "== topology: namespaces ${NETNS_PREFIX}{client,lb,web1,web2} on bridge br0 in $NETNS_SW"
	netns_up || die "building the namespaces failed"
	netns_backend_setup "$VIP" || die "xlb backend-setup $VIP failed on a backend"
	netns_nginx_start $NETNS_BACKENDS || die "starting nginx failed"

	# up is idempotent: attach, VIP and backends are only added when missing.
	# Attached: a program on the device and xlb's maps pinned (abi.h names them).
	if [ -e "$XLB_PIN_DIR/xlb_vips" ] &&
		ip -n "$(netns_name lb)" link show dev "$NETNS_DEV" | grep -q 'prog/xdp'; then
		echo "== xlb already attached to $NETNS_DEV in $(netns_name lb)"
	else
		echo "== xlb attach $NETNS_DEV --mode native (in $(netns_name lb))"
		lbx attach "$NETNS_DEV" --mode native || die "xlb attach failed"
	fi
	LB_HAS_PATTERN=$NETNS_VIP4
	if ! lb_has vip list; then
		echo "== xlb vip add $VIP"
		lbx vip add "$VIP" || die "xlb vip add failed"
	fi
	for n in $NETNS_BACKENDS; do
		LB_HAS_PATTERN="\"${NETNS_IP4[$n]}\""
		lb_has backend list "$VIP" && continue
		echo "== xlb backend add $VIP ${NETNS_IP4[$n]}   ($n; MAC from the neighbour table)"
		lbx backend add "$VIP" "${NETNS_IP4[$n]}" || die "xlb backend add ${NETNS_IP4[$n]} failed"
	done
	lbx backend list "$VIP"

	echo "== $REQUESTS HTTP requests from the client to http://$NETNS_VIP4/, one connection each"
	out=$(netns_http_batch client "http://$NETNS_VIP4/" "$REQUESTS")
	w1=$(netns_count web1 <<<"$out")
	w2=$(netns_count web2 <<<"$out")
	echo "web1: $w1   web2: $w2   failed: $((REQUESTS - w1 - w2))"

	echo "== xlb stats"
	lbx stats

	cat <<EOF

Look around (each command runs in one namespace; nsenter keeps /sys/fs/bpf in view,
'ip netns exec' would hide the pins):
  nsenter --net=/run/netns/$(netns_name client) curl http://$NETNS_VIP4/
  nsenter --net=/run/netns/$(netns_name lb) $XLB stats
  nsenter --net=/run/netns/$(netns_name lb) $XLB flows
  nsenter --net=/run/netns/$(netns_name lb) $XLB backend set $VIP ${NETNS_IP4[web1]} --state drain
  nsenter --net=/run/netns/$(netns_name lb) ip -s link show $NETNS_DEV
  nsenter --net=/run/netns/$(netns_name web1) ss -tn
  tail -f $(netns_nginx_dir web1)/access.log
Maps are pinned in $XLB_PIN_DIR. Remove everything with: make lab-down
EOF
}

down() {
	[ "$(id -u)" = 0 ] || die "must run as root"
	# Detach before the namespace goes, so libxdp removes its dispatcher pins too.
	if [ -e "/run/netns/$(netns_name lb)" ] && [ -x "$XLB" ]; then
		lbx detach "$NETNS_DEV" >/dev/null 2>&1
	fi
	rm -rf "$XLB_PIN_DIR"
	netns_down
	echo "lab: down"
}

case ${1-} in
up) up ;;
down) down ;;
*) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
