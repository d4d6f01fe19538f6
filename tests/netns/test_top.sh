#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# shellcheck disable=SC2086,SC2016 # node lists split on purpose; awk programs in '...'
# xlb top end to end: client, lb and two nginx backends in network namespaces. An IPv4 VIP
# under wrk load shows packets/s on it and both backends; an IPv6 VIP with a known number
# of idle connections held open shows exactly that many flows, split over its backends;
# drain and down show in the admin column (and down backends' flows stop counting); frames
# fit 80 columns and follow each other when stdout is no terminal; on a terminal the
# cursor is hidden and given back on 'q' and on SIGINT. Usage errors exit 2. TAP.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/lib/tap.sh
source "$ROOT/tests/lib/tap.sh"

# shellcheck source=tests/lib/netns_test.sh
source "$ROOT/tests/lib/netns_test.sh"

netns_test_init xlbo- 10.25.0.0/24 fd00:25::/64
VIP4=$NETNS_VIP4:80/tcp
VIP6=[$NETNS_VIP6]:80/tcp
URL4=http://$NETNS_VIP4/
HELD=6 # idle connections held open to the IPv6 VIP
HOLD_PID=''
WRK_PID=''

cleanup() {
	[ -n "$HOLD_PID" ] && kill "$HOLD_PID" 2>/dev/null
	[ -n "$WRK_PID" ] && kill "$WRK_PID" 2>/dev/null
	netns_test_cleanup
}
trap cleanup EXIT

# row FRAME NAME: the fields of NAME's row (VIP or backend) in the frame, or nothing.
row() {
	awk -v n="$2" '{ sub(/^ +/, "") } $1 == n { print; exit }' <<<"$1"
}

# col FRAME NAME N: field N of NAME's row (1 name, 2 PKT/S, 3 BYTE/S, 4 NEW/S, 5 FLOWS,
# 6 WGT, 7 ADMIN, 8 HEALTH).
col() {
	local f
	read -r -a f <<<"$(row "$1" "$2")"
	echo "${f[$(($3 - 1))]-}"
}

# positive VALUE: a rate above zero ("12", "1.5k"; not "0", "-" or empty).
positive() { awk -v v="$1" 'BEGIN { exit !(v + 0 > 0) }'; }

# widest TEXT: the length of its longest line.
widest() { awk '{ if (length > w) w = length } END { print w + 0 }' <<<"$1"; }

# show TEXT: as TAP comments.
show() { printf "# |%s\n" "${1//$'\n'/$'\n# |'}"; }

# usage_error NAME ARGS...: `xlb top ARGS` exits 2 with one line on stderr, nothing on stdout.
usage_error() {
	local name=$1 out rc
	shift
	out=$("$XLB" top "$@" 2>"$TMP/err")
	rc=$?
	is "$name: exit 2" "$rc" 2
	is "$name: one line on stderr, none on stdout" "$(wc -l <"$TMP/err") ${#out}" "1 0"
	diag "$(cat "$TMP/err")"
}

# --- usage errors (no maps needed) ----------------------------------------------------
[ -x "$XLB" ] || bail "$XLB missing: run make"
usage_error "--interval 0" --interval 0
usage_error "--interval x" --interval x
usage_error "--interval -1" --interval -1
usage_error "--count 0" --count 0
usage_error "extra argument" --once extra
usage_error "--once with --count" --once --count 2

# --- set-up ----------------------------------------------------------------------------
if ! mountpoint -q /sys/fs/bpf; then
	mount -t bpf bpf /sys/fs/bpf || bail "cannot mount bpffs"
fi
netns_down
rm -rf "$XLB_PIN_DIR"
netns_up || bail "building the namespaces failed"

out=$(lbx top --once 2>"$TMP/err")
rc=$?
is "not attached: exit 1" "$rc" 1
check "not attached: one line saying so" \
	test "$(wc -l <"$TMP/err")" = 1 -a -n "$(grep 'not attached' "$TMP/err")"

quiet netns_backend_setup "$VIP4" || bail "backend-setup $VIP4 failed"
quiet netns_backend_setup "$VIP6" || bail "backend-setup $VIP6 failed"
netns_nginx_start $NETNS_BACKENDS || bail "starting nginx failed"
quiet lbx attach "$NETNS_DEV" --mode native || bail "attach failed"
for vip in "$VIP4" "$VIP6"; do
	quiet lbx vip add "$vip" || bail "vip add $vip failed"
done
for n in $NETNS_BACKENDS; do
	quiet lbx backend add "$VIP4" "${NETNS_IP4[$n]}" || bail "backend add $VIP4 $n failed"
	quiet lbx backend add "$VIP6" "${NETNS_IP6[$n]}" || bail "backend add $VIP6 $n failed"
done
W1=${NETNS_IP4[web1]} W2=${NETNS_IP4[web2]}
W1_6=${NETNS_IP6[web1]} W2_6=${NETNS_IP6[web2]}

# HELD idle TCP connections to the IPv6 VIP, held until stdin closes: nothing else goes to
# that VIP, so its flows are exactly these, half on each backend (round robin).
cat >"$TMP/hold.py" <<'EOF'
import socket, sys

socks = [socket.create_connection((sys.argv[1], 80), timeout=5) for _ in range(int(sys.argv[2]))]
print("held", len(socks), flush=True)
sys.stdin.read()
EOF
coproc HOLD { netns_exec client python3 -u "$TMP/hold.py" "$NETNS_VIP6" "$HELD"; }
HOLD_IN=${HOLD[1]}
read -r -t 10 held <&"${HOLD[0]}" || held="no answer"
is "$HELD idle connections to $VIP6 held open" "$held" "held $HELD"

# Load on the IPv4 VIP for the frames below: keep-alive connections, a steady packet rate.
netns_exec client wrk -t1 -c4 -d12s "$URL4" >"$TMP/wrk.out" 2>&1 &
WRK_PID=$!
sleep 1

# --- --once under load ------------------------------------------------------------------
start=$(date +%s%N)
once=$(lbx top --once 2>"$TMP/err")
rc=$?
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
show "$once"
is "--once: exit 0" "$rc" 0
is "--once: nothing on stderr" "$(cat "$TMP/err")" ""
check "--once: every line within 80 columns ($(widest "$once"))" test "$(widest "$once")" -le 80
check "--once: rates over one interval, 1 s by default (took ${elapsed_ms} ms)" \
	test "$elapsed_ms" -ge 1000
is "--once: one frame (one header line)" "$(grep -c ' pkt/s ' <<<"$once")" 1
check "--once: header names the interface" grep -q " dev $NETNS_DEV\$" <<<"$once"
for name in "$VIP4" "$W1" "$W2"; do
	v=$(col "$once" "$name" 2)
	check "--once: $name packets/s > 0 under load (${v:-no row})" positive "$v"
done
is "--once: $VIP6 flows = the $HELD held connections" "$(col "$once" "$VIP6" 5)" "$HELD"
is "--once: $W1_6 has half of them" "$(col "$once" "$W1_6" 5)" $((HELD / 2))
is "--once: $W2_6 has the other half" "$(col "$once" "$W2_6" 5)" $((HELD / 2))
is "--once: $VIP6 idle: 0 packets/s" "$(col "$once" "$VIP6" 2)" 0
# wrk's 4 connections, and the one it opens first to try the address.
f4=$(col "$once" "$VIP4" 5)
check "--once: $VIP4 flows ($f4) >= wrk's 4 connections" test "${f4:-0}" -ge 4
is "--once: $VIP4 flows = the sum of its backends'" \
	"$f4" "$(($(col "$once" "$W1" 5) + $(col "$once" "$W2" 5)))"
is "--once: admin and health of $W1 up" "$(col "$once" "$W1" 7) $(col "$once" "$W1" 8)" "up up"
is "--once: $VIP4 scheduler and backends taking flows" \
	"$(col "$once" "$VIP4" 6) $(col "$once" "$VIP4" 7) $(col "$once" "$VIP4" 8)" "rr 2/2 up"

# --- --count 3 --interval 0.5 under load -------------------------------------------------
start=$(date +%s%N)
frames=$(lbx top --count 3 --interval 0.5 2>"$TMP/err")
rc=$?
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
show "$frames"
is "--count 3: exit 0" "$rc" 0
is "--count 3: nothing on stderr" "$(cat "$TMP/err")" ""
check "--count 3: every line within 80 columns ($(widest "$frames"))" \
	test "$(widest "$frames")" -le 80
check "--count 3 --interval 0.5: took 1.5 s or more (${elapsed_ms} ms)" \
	test "$elapsed_ms" -ge 1500
is "--count 3: three frames" "$(grep -c ' pkt/s ' <<<"$frames")" 3
is "--count 3: frames separated by one blank line each" "$(grep -c '^$' <<<"$frames")" 2
# Each frame on its own: the blank line ends it.
i=0
while IFS= read -r -d '' frame; do
	i=$((i + 1))
	for name in "$VIP4" "$W1" "$W2"; do
		v=$(col "$frame" "$name" 2)
		check "frame $i: $name packets/s > 0 (${v:-no row})" positive "$v"
	done
	is "frame $i: $VIP6 flows" "$(col "$frame" "$VIP6" 5)" "$HELD"
done < <(awk 'BEGIN { RS = "" } { printf "%s\n%c", $0, 0 }' <<<"$frames")
is "--count 3: three frames read" "$i" 3

wait "$WRK_PID"
WRK_PID=
check "wrk ran without errors" grep -q "requests in" "$TMP/wrk.out"

# --- admin states -------------------------------------------------------------------------
quiet lbx backend set "$VIP4" "$W1" --state drain || fail "backend set $W1 drain"
quiet lbx backend set "$VIP4" "$W2" --state down || fail "backend set $W2 down"
quiet lbx backend set "$VIP6" "$W2_6" --state down || fail "backend set $W2_6 down"
st=$(lbx top --once --interval 0.2)
show "$st"
is "drain: $W1 admin drain, health up" "$(col "$st" "$W1" 7) $(col "$st" "$W1" 8)" "drain up"
is "down: $W2 admin down, health up" "$(col "$st" "$W2" 7) $(col "$st" "$W2" 8)" "down up"
is "no traffic: $VIP4 0 packets/s" "$(col "$st" "$VIP4" 2)" 0
is "$VIP4: no backend takes new flows" "$(col "$st" "$VIP4" 7)" "0/2"
# A down backend's flows go elsewhere at their next packet: they are not its any more.
is "down: $W2_6's held flows no longer count" "$(col "$st" "$W2_6" 5)" 0
is "down: $VIP6 counts only $W1_6's" "$(col "$st" "$VIP6" 5)" $((HELD / 2))
quiet lbx backend set "$VIP6" "$W2_6" --state up || fail "backend set $W2_6 up"
st=$(lbx top --once --interval 0.2)
is "up again before any packet: $VIP6 flows back to $HELD" "$(col "$st" "$VIP6" 5)" "$HELD"
quiet lbx backend set "$VIP4" "$W1" --state up
quiet lbx backend set "$VIP4" "$W2" --state up

# --- a backend removed and added between frames --------------------------------------------
(
	sleep 0.6
	lbx backend del "$VIP4" "$W2"
	sleep 1
	lbx backend add "$VIP4" "$W2"
) >/dev/null 2>&1 &
chg=$!
frames=$(lbx top --count 6 --interval 0.5 2>"$TMP/err")
rc=$?
wait "$chg"
show "$frames"
is "backend removed and re-added during --count 6: exit 0, no stderr" \
	"$rc $(cat "$TMP/err")" "0 "
check "a frame without $W2 (removed)" \
	awk -v b="$W2" 'BEGIN { RS = "" } !index($0, "  " b " ") { f = 1 } END { exit !f }' \
	<<<"$frames"
check "re-added $W2: '-' rates on its first frame back" \
	awk -v b="$W2" '$1 == b && $2 == "-" { f = 1 } END { exit !f }' <<<"$frames"

# --- on a terminal ---------------------------------------------------------------------
# top_kill SIG: sends SIG to the running `xlb top --interval 0.3` itself (not to script or
# the shell around it).
top_kill() {
	local p
	for p in $(pgrep -f "top --interval 0.3"); do
		[ "$(readlink "/proc/$p/exe")" = "$XLB" ] && kill -"$1" "$p"
	done
}

# script(1) gives top a pseudo-terminal for stdin and stdout.
if command -v script >/dev/null; then
	(sleep 1.2; printf q) | timeout 10 script -qfec \
		"nsenter --net=/run/netns/$(netns_name lb) $XLB top --interval 0.3" \
		/dev/null >"$TMP/tty.out"
	is "terminal: 'q' quits, exit 0" "$?" 0
	check "terminal: cursor hidden" grep -qF $'\e[?25l' "$TMP/tty.out"
	check "terminal: frames drawn from the top left" grep -qF $'\e[H' "$TMP/tty.out"
	check "terminal: cursor shown again at the end" \
		test "$(grep -aoF $'\e[?25' "$TMP/tty.out" | wc -l)" = 2 -a \
		-n "$(tail -c 20 "$TMP/tty.out" | grep -aF $'\e[?25h')"
	check "terminal: the frame is there" grep -qaF "$VIP4" "$TMP/tty.out"

	# SIGINT to top itself (not to script): the cursor comes back and top dies of it.
	script -qfec "nsenter --net=/run/netns/$(netns_name lb) $XLB top --interval 0.3" \
		/dev/null >"$TMP/tty2.out" </dev/null &
	spid=$!
	sleep 1.2
	top_kill INT
	wait "$spid"
	rc=$?
	is "terminal: SIGINT ends top as a signal does (130)" "$rc" 130
	check "terminal: cursor shown again after SIGINT" \
		grep -qF $'\e[?25h' "$TMP/tty2.out"

	# SIGQUIT (Ctrl-\ on the keyboard) likewise: the terminal is not left without echo
	# and cursor. `stty -a` after top, on the same terminal, shows its modes. A background
	# job starts with SIGQUIT ignored: perl gives top its default action back.
	timeout 10 script -qfec "perl -e '\$SIG{QUIT} = \"DEFAULT\"; exec @ARGV' \
		nsenter --net=/run/netns/$(netns_name lb) $XLB top --interval 0.3; \
		stty -a | grep -o -- '-\\?icanon\\|-\\?echo\\b' | tr '\\n' ' '" /dev/null \
		>"$TMP/tty3.out" </dev/null &
	spid=$!
	sleep 1.2
	top_kill QUIT
	wait "$spid"
	check "terminal: cursor shown again after SIGQUIT" grep -qF $'\e[?25h' "$TMP/tty3.out"
	check "terminal: echo and line editing back after SIGQUIT" \
		grep -qaE '(^|[^-])icanon echo ' "$TMP/tty3.out"

	# Ctrl-Z (SIGTSTP), then fg (SIGCONT): the shell gets the cursor back while top is
	# stopped, and top takes the terminal again after, drawing on until 'q'.
	(sleep 1; top_kill TSTP; sleep 0.4; top_kill CONT) &
	kpid=$!
	(sleep 2.2; printf q) | timeout 10 script -qfec \
		"nsenter --net=/run/netns/$(netns_name lb) $XLB top --interval 0.3" \
		/dev/null >"$TMP/tty4.out"
	is "terminal: after Ctrl-Z and fg, 'q' still quits, exit 0" "$?" 0
	wait "$kpid"
	cursor=$(grep -aoF $'\e[?25' "$TMP/tty4.out" | wc -l)
	is "terminal: cursor shown at Ctrl-Z, hidden again after fg, shown at the end" "$cursor" 4
	# what came after the first cursor-show (the one at Ctrl-Z)
	after=$(<"$TMP/tty4.out")
	after=${after#*$'\e[?25h'}
	check "terminal: frames drawn again after fg" grep -qaF "$VIP4" <<<"$after"
else
	for _ in $(seq 12); do ok "# SKIP script(1) missing"; done
fi

exec {HOLD_IN}>&-
wait "$HOLD_PID" 2>/dev/null
HOLD_PID=

tap_done
