#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# xlbd's cost: 1,000 backends (addresses in a namespace this script makes) checked by TCP every
# second; prints xlbd's CPU use as a share of one core. Target: under 5%.
#
# Over veth the whole handshake runs inside xlbd's connect(): the SYN is received, answered
# by the backend's namespace and the answer received again in softirq context on xlbd's own
# time, so the system share here includes the backends' side of every check, which on a real
# network their own machines would pay.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
XLBD=$ROOT/build/xlbd
LB=xlbb-lb
BE=xlbb-be
export XLB_PIN_DIR=/sys/fs/bpf/xlbb
TMP=$(mktemp -d /tmp/xlbb.XXXXXX)
SAMPLE_S=20
PID=

cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	[ -n "${SRV-}" ] && kill "$SRV" 2>/dev/null
	ip netns del "$LB" 2>/dev/null
	ip netns del "$BE" 2>/dev/null
	rm -rf "$XLB_PIN_DIR" "$TMP"
}
trap cleanup EXIT
cleanup 2>/dev/null || true
TMP=$(mktemp -d /tmp/xlbb.XXXXXX)

ip netns add "$LB"
ip netns add "$BE"
ip link add xlbb0 netns "$LB" type veth peer name xlbb1 netns "$BE"
ip -n "$LB" link set lo up
ip -n "$LB" link set xlbb0 up
ip -n "$BE" link set xlbb1 up
ip -n "$LB" addr add 10.50.0.1/16 dev xlbb0
be_mac=$(ip -n "$BE" -j link show xlbb1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')

# 1,000 backend addresses in four VIPs of 250 (a VIP holds at most 256 backends). Their MACs
# go into the neighbour table directly: ARP for a thousand addresses is not what is measured.
{
	for v in 1 2 3 4; do
		for h in $(seq 1 250); do
			echo "address add 10.50.$v.$h/16 dev xlbb1"
		done
	done
} | ip -n "$BE" -batch -
{
	for v in 1 2 3 4; do
		for h in $(seq 1 250); do
			echo "neigh replace 10.50.$v.$h lladdr $be_mac dev xlbb0 nud permanent"
		done
	done
} | ip -n "$LB" -batch -

# One listener answers for all of them: accept, close.
nsenter --net="/run/netns/$BE" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 80)); s.listen(4096)
while True:
    c, _ = s.accept(); c.close()
' &
SRV=$!

{
	printf '[lb]\ninterface = xlbb0\nmode = native\nmetrics = 127.0.0.1:9599\n'
	for v in 1 2 3 4; do
		printf '\n[vip v%d]\naddress = 10.50.%d.0:80/tcp\ncheck = tcp\ninterval = 1s\ntimeout = 500ms\n' "$v" "$v"
		for h in $(seq 1 250); do
			echo "backend = 10.50.$v.$h"
		done
	done
} >"$TMP/xlb.conf"

nsenter --net="/run/netns/$LB" "$XLBD" -c "$TMP/xlb.conf" --foreground 2>"$TMP/xlbd.log" &
PID=$!
sleep 5 # start-up: attach, 1,000 backends added, first round of checks
if ! kill -0 "$PID" 2>/dev/null; then
	echo "bench_xlbd: xlbd did not start:" >&2
	cat "$TMP/xlbd.log" >&2
	exit 1
fi
up=$(nsenter --net="/run/netns/$LB" "$ROOT/build/xlb" backend list --json | grep -o '"health":"up"' | wc -l)

# user and system ticks of xlbd
ticks() { awk '{ print $14, $15 }' "/proc/$PID/stat"; }
hz=$(getconf CLK_TCK)
read -r u0 s0 < <(ticks)
sleep "$SAMPLE_S"
read -r u1 s1 < <(ticks)
pct() { awk -v d="$1" -v hz="$hz" -v s="$SAMPLE_S" 'BEGIN { printf "%.2f", 100 * d / hz / s }'; }
share=$(pct $((u1 - u0 + s1 - s0)))
echo "xlbd, 1,000 backends checked by TCP every second ($up up), ${SAMPLE_S}s sample:"
echo "  CPU: ${share}% of one core (user $(pct $((u1 - u0)))%, system $(pct $((s1 - s0)))%)" \
	"  target < 5%: $(awk -v x="$share" 'BEGIN { print (x < 5 ? "PASS" : "MISS") }')"
