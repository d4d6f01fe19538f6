#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# shellcheck disable=SC2086 # node lists are split into words on purpose
# Smoke test of the pps benchmark's tool (tools/xdp_flood.c): bad arguments give exit 2 and
# one line; a half-second flood through xlb (per-packet UDP VIP) reaches the counters on both
# backends, and what they count is what xlb says it forwarded. TAP.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/lib/tap.sh
source "$ROOT/tests/lib/tap.sh"

# shellcheck source=tests/lib/netns_test.sh
source "$ROOT/tests/lib/netns_test.sh"

# Not the benchmark's prefix (xlbp-): the two may run at the same time.
netns_test_init xlbpt- 10.51.0.0/24 fd00:51::/64
FLOOD=$ROOT/build/tools/xdp_flood
COUNT_DIR=/sys/fs/bpf/xlbpt-count
VIP=$NETNS_VIP4:9/udp

cleanup() {
	netns_test_cleanup
	rm -rf "$COUNT_DIR"
}
trap cleanup EXIT

# bad_args NAME ARGS...: exit 2 and exactly one line on stderr, nothing on stdout.
bad_args() {
	local name=$1 rc
	shift
	"$FLOOD" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	is "$name: exit 2" "$rc" 2
	is "$name: one line on stderr" "$(wc -l <"$TMP/err")" 1
	is "$name: nothing on stdout" "$(wc -c <"$TMP/out")" 0
	diag "$(cat "$TMP/err")"
}

{ [ -x "$FLOOD" ] && [ -x "$XLB" ]; } || bail "$FLOOD or $XLB missing: run make"

# --- arguments ---------------------------------------------------------------------------
bad_args "unknown option" --bogus
bad_args "bad MAC" --dev eth0 --dst-mac zz --src 10.0.0.1 --dst 10.0.0.2:9 --seconds 1
bad_args "port missing" --dev eth0 --dst-mac 02:00:00:00:00:01 --src 10.0.0.1 --dst 10.0.0.2 \
	--seconds 1
bad_args "--seconds missing" --dev eth0 --dst-mac 02:00:00:00:00:01 --src 10.0.0.1 \
	--dst 10.0.0.2:9
bad_args "frame too short" --dev eth0 --dst-mac 02:00:00:00:00:01 --src 10.0.0.1 \
	--dst 10.0.0.2:9 --seconds 1 --size 41
bad_args "unknown command" frobnicate
bad_args "count without --pin" count --dev eth0 --dst 10.0.0.2
bad_args "bare with one backend" bare --dev eth0 --vip 10.0.0.2:9 --backend 02:00:00:00:00:01

# --- a flood through xlb -----------------------------------------------------------------
if ! mountpoint -q /sys/fs/bpf; then
	mount -t bpf bpf /sys/fs/bpf || bail "cannot mount bpffs"
fi
cleanup 2>/dev/null
TMP=$(mktemp -d /tmp/xlbpt.XXXXXX)
netns_up || bail "building the namespaces failed"
netns_generator_path || bail "cannot prepare the switch for the generator"
mkdir -p "$COUNT_DIR"
for n in $NETNS_BACKENDS; do
	check "xdp_flood count on $n" \
		netns_exec "$n" "$FLOOD" count --dev "$NETNS_DEV" --dst "$NETNS_VIP4:9" \
		--pin "$COUNT_DIR/$n"
done
out=$(netns_exec web1 "$FLOOD" count --dev "$NETNS_DEV" --dst "$NETNS_VIP4:9" \
	--pin "$COUNT_DIR/again" 2>&1)
is "a second counter on web1 is refused (exit 1)" "$?" 1
diag "$out"
netns_backend_setup "$VIP" >/dev/null || bail "backend-setup failed"
lbx attach "$NETNS_DEV" --mode native >/dev/null || bail "xlb attach failed"
lbx vip add "$VIP" --per-packet || bail "vip add failed"
for n in $NETNS_BACKENDS; do
	lbx backend add "$VIP" "${NETNS_IP4[$n]}" || bail "backend add failed"
done

out=$(netns_exec client "$FLOOD" --dev "$NETNS_DEV" --dst-mac "$(netns_mac lb)" \
	--src "${NETNS_IP4[client]}" --dst "$NETNS_VIP4:9" --seconds 0.5)
is "flood exit status" "$?" 0
diag "$out"
read -r _ sent _ <<<"$out"
check "frames sent (${sent:-none})" test "${sent:-0}" -gt 0
w1=$("$FLOOD" read "$COUNT_DIR/web1")
w2=$("$FLOOD" read "$COUNT_DIR/web2")
fwd=$(lbx stats --json | python3 -c '
import json, sys
for r in json.load(sys.stdin)["traffic"]:
    if r["vip"] == sys.argv[1] and r["backend"] == "*":
        print(r["packets"])' "$VIP")
diag "web1 $w1, web2 $w2, xlb forwarded ${fwd:-?} of $sent"
check "web1 counted frames" test "${w1:-0}" -gt 0
check "web2 counted frames" test "${w2:-0}" -gt 0
check "per-packet round robin: web1 and web2 within one frame" \
	test $((w1 > w2 ? w1 - w2 : w2 - w1)) -le 1
# Frames may be lost between the lb and the backends (a full veth ring), never gained.
check "backends counted what xlb forwarded (at least 99%)" \
	test "$((w1 + w2))" -le "${fwd:-0}" -a "$((100 * (w1 + w2)))" -ge "$((99 * ${fwd:-0}))"
check "xlb forwarded at most what was sent" test "${fwd:-0}" -le "$sent" -a "${fwd:-0}" -gt 0
out=$("$FLOOD" read "$COUNT_DIR/nothing" 2>&1)
is "read of a missing pin: exit 1" "$?" 1

tap_done
