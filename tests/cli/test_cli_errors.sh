#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Bad input to the xlb CLI: every case must print exactly one line on stderr naming what is
# wrong, exit 2 for usage errors (malformed arguments, unknown options) and 1 for the rest,
# and leave the maps exactly as they were. TAP.
#
# A failed command that half-wrote the maps is the bug this guards against, so each case
# compares `vip list --json` and `backend list --json` before and after.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/lib/tap.sh
source "$ROOT/tests/lib/tap.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (XDP attach, bpffs)"

XLB=${XLB:-$ROOT/build/xlb}
NS=xlbc-$$
export XLB_PIN_DIR=/sys/fs/bpf/xlbc-$$
TMP=$(mktemp -d /tmp/xlbc.XXXXXX)
DEV=xa
VIP=10.0.0.1:80/tcp
VIP6='[fd00::1]:80/tcp'
MAC=02:00:00:00:00:21

x() { nsenter --net="/run/netns/$NS" "$XLB" "$@"; }

cleanup() {
	if [ -e "/run/netns/$NS" ]; then
		x detach "$DEV" >/dev/null 2>&1
		ip netns del "$NS"
	fi
	rm -rf "$XLB_PIN_DIR" "$TMP"
}
trap cleanup EXIT

bail() {
	echo "Bail out! $*"
	exit 1
}

# snapshot: the whole state the CLI shows, as JSON.
snapshot() {
	x vip list --json && x backend list --json
}

# expect_err NAME RC REGEX CMD...: CMD (run in the namespace, as is) fails with exit code
# RC (or one of "1|2"), prints one stderr line matching REGEX (case-insensitive), and the maps are unchanged.
expect_err() {
	local name=$1 want=$2 re=$3 rc lines
	shift 3
	snapshot >"$TMP/before" 2>&1
	nsenter --net="/run/netns/$NS" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	snapshot >"$TMP/after" 2>&1
	# WANT may list alternatives ("1|2") where the grammar leaves the class open.
	if [[ "|$want|" == *"|$rc|"* ]]; then
		ok "$name: exit code $rc"
	else
		fail "$name: exit code"
		diag "got '$rc', want '$want'"
	fi
	lines=$(wc -l <"$TMP/err")
	# A message without a trailing newline is still one line.
	[ -s "$TMP/err" ] && [ "$(tail -c1 "$TMP/err" | od -An -c | tr -d ' ')" != '\n' ] &&
		lines=$((lines + 1))
	is "$name: one line on stderr" "$lines" 1
	if grep -qiE -- "$re" "$TMP/err"; then
		ok "$name: stderr names the problem"
	else
		fail "$name: stderr names the problem"
		diag "stderr does not match /$re/:"
	fi
	sed 's/^/#   stderr: /' "$TMP/err"
	if cmp -s "$TMP/before" "$TMP/after"; then
		ok "$name: maps unchanged"
	else
		fail "$name: maps unchanged"
		diff "$TMP/before" "$TMP/after" | sed 's/^/#   /'
	fi
}

# --- set-up: a private namespace, a veth pair, xlb attached on one end -------------------
[ -x "$XLB" ] || bail "$XLB missing: run make"
if ! mountpoint -q /sys/fs/bpf; then
	mount -t bpf bpf /sys/fs/bpf || bail "cannot mount bpffs"
fi
ip netns add "$NS" || bail "ip netns add $NS"
ip -n "$NS" link add "$DEV" type veth peer name xb || bail "veth"
ip -n "$NS" link set dev lo up
ip -n "$NS" link set dev "$DEV" up
ip -n "$NS" link set dev xb up
# A directly connected subnet on which nobody answers ARP (xb has no address): neighbour
# resolution of 10.99.0.50 must fail.
ip -n "$NS" addr add 10.99.0.1/24 dev "$DEV"
ip -n "$NS" addr add fd00:99::1/64 dev "$DEV" nodad

x attach "$DEV" --mode native >/dev/null || bail "xlb attach $DEV failed"
x vip add "$VIP" || bail "xlb vip add $VIP failed"
x backend add "$VIP" 10.99.0.11 --mac 02:00:00:00:00:11 || bail "backend add failed"
x backend add "$VIP" 10.99.0.12 --mac 02:00:00:00:00:12 --weight 3 || bail "backend add failed"
x vip add "$VIP6" || bail "xlb vip add $VIP6 failed"
x backend add "$VIP6" fd00:99::11 --mac 02:00:00:00:00:11 || bail "backend add failed"
snapshot >"$TMP/base" 2>&1 || bail "xlb vip/backend list --json failed"
# Unchanged maps only mean something if the snapshot shows them.
check "baseline lists the VIP and its backends" \
	grep -q '10\.99\.0\.12' "$TMP/base"

# --- usage errors: exit 2 ----------------------------------------------------------------
expect_err "vip add without port" 2 '10\.0\.0\.1/tcp|port' "$XLB" vip add 10.0.0.1/tcp
expect_err "vip add 300.1.1.1" 2 '300\.1\.1\.1' "$XLB" vip add 300.1.1.1:80/tcp
expect_err "vip add port 0" 2 'port|:0/tcp' "$XLB" vip add 10.0.0.1:0/tcp
expect_err "vip add port 65536" 2 'port|65536' "$XLB" vip add 10.0.0.1:65536/tcp
expect_err "vip add proto sctp" 2 'sctp|proto' "$XLB" vip add 10.0.0.1:80/sctp
expect_err "vip add IPv6 without brackets" 2 'fd00::1:80|bracket' "$XLB" vip add fd00::1:80/tcp
expect_err "vip add bad IPv6" 2 'fd00::zz' "$XLB" vip add '[fd00::zz]:80/tcp'
expect_err "vip add --sched bogus" 2 'sched|bogus' "$XLB" vip add 10.0.0.2:80/tcp --sched bogus
expect_err "vip add unknown option" 2 '--frobnicate' "$XLB" vip add 10.0.0.2:80/tcp --frobnicate
expect_err "vip add missing VIP" 2 'missing|expect|usage|vip|addr' "$XLB" vip add
expect_err "vip del missing VIP" 2 'missing|expect|usage|vip|addr' "$XLB" vip del
expect_err "unknown command" 2 'frobnicate' "$XLB" frobnicate
expect_err "vip unknown subcommand" 2 'frobnicate' "$XLB" vip frobnicate
expect_err "backend add missing address" 2 'missing|expect|usage|backend|addr' \
	"$XLB" backend add "$VIP"
expect_err "backend add bad address" 2 '10\.99\.0\.300' \
	"$XLB" backend add "$VIP" 10.99.0.300 --mac "$MAC"
expect_err "backend add unknown option" 2 '--frobnicate' \
	"$XLB" backend add "$VIP" 10.99.0.21 --mac "$MAC" --frobnicate
expect_err "backend add --weight without value" 2 'weight' \
	"$XLB" backend add "$VIP" 10.99.0.21 --mac "$MAC" --weight
expect_err "backend add --weight abc" 2 'weight|abc' \
	"$XLB" backend add "$VIP" 10.99.0.21 --mac "$MAC" --weight abc
expect_err "backend add --weight -1" 2 'weight|-1' \
	"$XLB" backend add "$VIP" 10.99.0.21 --mac "$MAC" --weight -1
expect_err "backend add --weight 99999999999" 2 'weight|99999999999' \
	"$XLB" backend add "$VIP" 10.99.0.21 --mac "$MAC" --weight 99999999999
expect_err "backend set --weight 5x" 2 'weight|5x' \
	"$XLB" backend set "$VIP" 10.99.0.11 --weight 5x
expect_err "backend set --state sideways" 2 'state|sideways' \
	"$XLB" backend set "$VIP" 10.99.0.11 --state sideways
expect_err "backend set --state without value" 2 'state' \
	"$XLB" backend set "$VIP" 10.99.0.11 --state
expect_err "backend add --mac too short" 2 'mac|02:00:00:00:00' \
	"$XLB" backend add "$VIP" 10.99.0.21 --mac 02:00:00:00:00
expect_err "backend add --mac not hex" 2 'mac|zz' \
	"$XLB" backend add "$VIP" 10.99.0.21 --mac 02:00:00:00:00:zz
expect_err "vip add extra argument" 2 'extra' "$XLB" vip add 10.0.0.2:80/tcp extra
expect_err "vip add --per-packet on TCP" 2 'per-packet|udp|tcp' \
	"$XLB" vip add 10.0.0.2:80/tcp --per-packet
expect_err "backend set without a change" 2 'weight|state|nothing' \
	"$XLB" backend set "$VIP" 10.99.0.11
expect_err "attach missing DEV" 2 'missing|expect|usage|dev' "$XLB" attach
expect_err "attach --mode turbo" 2 'mode|turbo' "$XLB" attach xb --mode turbo
expect_err "attach --flows abc" 2 'flows|abc' "$XLB" attach xb --flows abc
expect_err "stats --interval 0" 2 'interval' "$XLB" stats --interval 0
expect_err "flows malformed VIP" 2 '10\.0\.0\.1/tcp|port' "$XLB" flows 10.0.0.1/tcp
expect_err "backend list malformed VIP" 2 '10\.0\.0\.1/tcp|port' "$XLB" backend list 10.0.0.1/tcp

# --- other errors: exit 1 ----------------------------------------------------------------
expect_err "vip add duplicate" 1 '10\.0\.0\.1:80|exist|already' "$XLB" vip add "$VIP"
expect_err "vip add duplicate IPv6" 1 'fd00::1|exist|already' "$XLB" vip add "$VIP6"
expect_err "vip del unknown VIP" 1 '10\.0\.0\.9' "$XLB" vip del 10.0.0.9:80/tcp
expect_err "backend add unknown VIP" 1 '10\.0\.0\.9' \
	"$XLB" backend add 10.0.0.9:80/tcp 10.99.0.21 --mac "$MAC"
expect_err "backend add unknown VIP (other proto)" 1 '10\.0\.0\.1:80/udp|udp|vip' \
	"$XLB" backend add 10.0.0.1:80/udp 10.99.0.21 --mac "$MAC"
expect_err "backend set unknown VIP" 1 '10\.0\.0\.9' \
	"$XLB" backend set 10.0.0.9:80/tcp 10.99.0.11 --state drain
expect_err "backend del unknown VIP" 1 '10\.0\.0\.9' "$XLB" backend del 10.0.0.9:80/tcp 10.99.0.11
expect_err "backend list unknown VIP" 1 '10\.0\.0\.9' "$XLB" backend list 10.0.0.9:80/tcp
expect_err "flows unknown VIP" 1 '10\.0\.0\.9' "$XLB" flows 10.0.0.9:80/tcp
expect_err "detach missing device" 1 'nosuchdev' "$XLB" detach nosuchdev
expect_err "backend set unknown backend" 1 '10\.99\.0\.99' \
	"$XLB" backend set "$VIP" 10.99.0.99 --state drain
expect_err "backend del unknown backend" 1 '10\.99\.0\.99' "$XLB" backend del "$VIP" 10.99.0.99
expect_err "backend add duplicate" 1 '10\.99\.0\.11|exist|already' \
	"$XLB" backend add "$VIP" 10.99.0.11 --mac "$MAC"
expect_err "backend add --dev missing device" 1 'nosuchdev' \
	"$XLB" backend add "$VIP" 10.99.0.21 --mac "$MAC" --dev nosuchdev
expect_err "backend add unresolvable MAC" 1 '10\.99\.0\.50|resolv|neigh|mac' \
	"$XLB" backend add "$VIP" 10.99.0.50
expect_err "backend add unresolvable MAC (IPv6)" 1 'fd00:99::50|resolv|neigh|mac' \
	"$XLB" backend add "$VIP6" fd00:99::50

# --- not attached / no bpffs: the pin dir is empty or missing ----------------------------
mkdir -p "$TMP/empty"
for dir in "$TMP/empty" "$TMP/missing"; do
	for cmd in "vip list" "backend list" "stats" "vip add 10.0.0.5:80/tcp"; do
		# shellcheck disable=SC2086 # cmd is split into words on purpose
		expect_err "XLB_PIN_DIR=${dir#"$TMP"/}: $cmd" 1 'attach|pin|bpf|not found|no such' \
			env XLB_PIN_DIR="$dir" "$XLB" $cmd
	done
done
is "nothing was created in the empty pin dir" "$(ls -A "$TMP/empty")" ""
check "the missing pin dir was not created" test ! -e "$TMP/missing"

# --- not root ----------------------------------------------------------------------------
# A copy nobody can execute whatever the permissions on the path to the checkout.
install -m 0755 -d "$TMP/bin"
install -m 0755 "$XLB" "$TMP/bin/xlb"
chmod 0755 "$TMP"
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
expect_err "not root: vip list" 1 'root|permi|privile|cap_' "${NOBODY[@]}" "$TMP/bin/xlb" vip list
expect_err "not root: vip add" 1 'root|permi|privile|cap_' \
	"${NOBODY[@]}" "$TMP/bin/xlb" vip add 10.0.0.5:80/tcp
expect_err "not root: backend set" 1 'root|permi|privile|cap_' \
	"${NOBODY[@]}" "$TMP/bin/xlb" backend set "$VIP" 10.99.0.11 --state down
expect_err "not root: attach" 1 'root|permi|privile|cap_' \
	"${NOBODY[@]}" "$TMP/bin/xlb" attach xb

# The whole run changed nothing.
snapshot >"$TMP/end" 2>&1
check "maps at the end equal the baseline" cmp -s "$TMP/base" "$TMP/end"

tap_done
