#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `ip netns exec` mounts a fresh sysfs on /sys, hiding /sys/fs/bpf; xlb must still find and
# share the same pins as commands entered with nsenter, in both directions. TAP.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/lib/tap.sh
source "$ROOT/tests/lib/tap.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (namespaces, XDP, bpffs)"

XLB=$ROOT/build/xlb
NS=xlbt-exec
export XLB_PIN_DIR=/sys/fs/bpf/xlbt-exec
VIP=10.30.0.100:80/tcp

cleanup() {
	ip netns exec "$NS" "$XLB" detach va >/dev/null 2>&1
	ip netns del "$NS" 2>/dev/null
	rm -rf "$XLB_PIN_DIR"
}
trap cleanup EXIT
cleanup

ip netns add "$NS"
ip -n "$NS" link add va type veth peer name vb
ip -n "$NS" link set va up
ip -n "$NS" link set vb up
ip -n "$NS" addr add 10.30.0.1/24 dev va

exec_xlb() { ip netns exec "$NS" "$XLB" "$@"; }
enter_xlb() { nsenter --net="/run/netns/$NS" "$XLB" "$@"; }
# for check: the command's own report would read as noise between the TAP lines
quiet() { "$@" >/dev/null; }

check "attach under ip netns exec" quiet exec_xlb attach va
check "the maps are pinned where the host sees them" test -e "$XLB_PIN_DIR/xlb_vips"
check "vip add under ip netns exec" quiet exec_xlb vip add "$VIP"
is "nsenter sees that VIP" "$(enter_xlb vip list --json | grep -c "\"$VIP\"")" 1
check "backend add under nsenter" quiet enter_xlb backend add "$VIP" 10.30.0.11 --mac 02:00:00:00:00:11
is "ip netns exec sees that backend" \
	"$(exec_xlb backend list "$VIP" --json | grep -c '"backend":"10.30.0.11"')" 1
check "detach under ip netns exec" quiet exec_xlb detach va
is "no XDP program left on va" "$(ip -n "$NS" -d link show va | grep -c 'prog/xdp')" 0
tap_done
