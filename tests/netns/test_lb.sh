#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# shellcheck disable=SC2086 # node and pid lists are split into words on purpose
# End to end: client, lb (xlb attached, native mode) and two nginx backends in network
# namespaces on one bridge. Round robin over 1,000 connections, drain, down, delete and
# re-add under wrk load, forwarding with no userspace process, detach, IPv6. TAP.
#
# Own namespace prefix, pin dir and subnets, so it runs next to `make lab` without
# touching it, and proves that nothing depends on the lab's addresses.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/lib/tap.sh
source "$ROOT/tests/lib/tap.sh"
# shellcheck source=tests/lib/wrk.sh
source "$ROOT/tests/lib/wrk.sh"

# shellcheck source=tests/lib/netns_test.sh
source "$ROOT/tests/lib/netns_test.sh"

netns_test_init xlbt- 10.20.0.0/24 fd00:20::/64
VIP4=$NETNS_VIP4:80/tcp
VIP6=[$NETNS_VIP6]:80/tcp
URL4=http://$NETNS_VIP4/
URL6=http://[$NETNS_VIP6]/
KA_PID=

cleanup() {
	[ -n "$KA_PID" ] && kill "$KA_PID" 2>/dev/null
	[ -n "${WRK_PID-}" ] && kill "$WRK_PID" 2>/dev/null
	netns_test_cleanup
}
trap cleanup EXIT


# split NAME OUT N: N requests all answered 200, half by each backend.
split_even() {
	local name=$1 out=$2 n=$3 w1 w2
	w1=$(netns_count web1 <<<"$out")
	w2=$(netns_count web2 <<<"$out")
	is "$name: all $n requests answered 200" "$((w1 + w2))" "$n"
	is "$name: web1 got exactly half" "$w1" "$((n / 2))"
	is "$name: web2 got exactly half" "$w2" "$((n / 2))"
}


# stat_of VIP BACKEND FIELD: a counter of `xlb stats --json` (BACKEND "*": the VIP's total).
stat_of() {
	lbx stats --json | python3 -c '
import json, sys
vip, be, field = sys.argv[1:]
for r in json.load(sys.stdin)["traffic"]:
    if r["vip"] == vip and r["backend"] == be:
        print(r[field])
' "$@"
}

# client_conns_on NODE: the client's open connections to the IPv4 VIP that the backend
# NODE serves (the same client port on both ends). Counting on the backend alone would
# also count sockets whose client side is gone, like the connection reset in the down test.
client_conns_on() {
	local ports
	ports=$(netns_exec client ss -Htn state established "( dst $NETNS_VIP4 and dport = :80 )" |
		awk '{ n = split($3, a, ":"); print a[n] }' | sort -u)
	netns_exec "$1" ss -Htn state established "( src $NETNS_VIP4 and sport = :80 )" |
		awk -v c="${NETNS_IP4[client]}" '{ n = split($4, a, ":"); if (a[1] == c) print a[n] }' |
		sort -u | comm -12 - <(echo "$ports") | wc -l
}

# access_lines NODE: requests nginx logged so far.
access_lines() { wc -l <"$(netns_nginx_dir "$1")/access.log"; }

# A client that keeps one TCP connection open and sends a request on it for every line
# on stdin, printing "BODY STATUS LOCALPORT" (or "ERR ..."): the same local port on
# every answer proves the connection is the same one.
cat >"$TMP/keepalive.py" <<'EOF'
import socket, sys

host = sys.argv[1]
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.settimeout(5)
buf = b""


def recv_more():
    global buf
    d = s.recv(4096)
    if not d:
        raise EOFError("connection closed by peer")
    buf += d


def get():
    global buf
    s.sendall(b"GET / HTTP/1.1\r\nHost: vip\r\n\r\n")
    while b"\r\n\r\n" not in buf:
        recv_more()
    head, buf = buf.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    n = 0
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            n = int(v)
    while len(buf) < n:
        recv_more()
    body, buf = buf[:n], buf[n:]
    return body.decode().strip(), lines[0].split()[1].decode()


try:
    s.connect((host, 80))
    port = s.getsockname()[1]
except OSError as e:
    print("ERR connect", e, flush=True)
    sys.exit(1)
for _ in sys.stdin:
    try:
        body, status = get()
        print(body, status, port, flush=True)
    except Exception as e:
        print("ERR", type(e).__name__, e, flush=True)
EOF

# ka_start: opens the kept-alive connection to the IPv4 VIP and sends its first request;
# sets KA_BE (the backend that answered), KA_PORT, KA_OTHER (the other backend).
ka_start() {
	local status
	coproc KA { netns_exec client python3 -u "$TMP/keepalive.py" "$NETNS_VIP4"; }
	KA_IN=${KA[1]}
	KA_OUT=${KA[0]}
	read -r KA_BE status KA_PORT <<<"$(ka_req)"
	is "keep-alive connection answered" "$status" 200
	case $KA_BE in
	web2) KA_OTHER=web1 ;;
	*) KA_BE=web1 KA_OTHER=web2 ;;
	esac
	diag "keep-alive connection from port $KA_PORT is on $KA_BE"
}

# ka_stop: closes the helper's stdin, which ends it.
ka_stop() {
	exec {KA_IN}>&-
	wait "$KA_PID" 2>/dev/null
	KA_PID=
}

# ka_req: one request on the kept-alive connection; its answer line on stdout.
ka_req() {
	local line=
	[ -n "$KA_PID" ] || { echo "ERR no keepalive client"; return; }
	echo go >&"$KA_IN"
	read -r -t 10 line <&"$KA_OUT" || line="ERR no answer"
	echo "$line"
}

# --- set-up ----------------------------------------------------------------------------
[ -x "$XLB" ] || bail "$XLB missing: run make"
if ! mountpoint -q /sys/fs/bpf; then
	mount -t bpf bpf /sys/fs/bpf || bail "cannot mount bpffs"
fi
# Leftovers of an interrupted run of this test (never the lab's: other prefix, other pins).
netns_down
rm -rf "$XLB_PIN_DIR"

netns_up || bail "building the namespaces failed"
check "xlb backend-setup $VIP4 on web1 and web2" quiet netns_backend_setup "$VIP4"
for n in $NETNS_BACKENDS; do
	ns=$(netns_name "$n")
	is "$n: VIP $NETNS_VIP4 on lo" \
		"$(ip -n "$ns" -4 -o addr show dev lo | grep -c " $NETNS_VIP4/")" 1
	is "$n: arp_ignore=1" "$(netns_exec "$n" sysctl -n net.ipv4.conf.all.arp_ignore)" 1
	is "$n: arp_announce=2" "$(netns_exec "$n" sysctl -n net.ipv4.conf.all.arp_announce)" 2
done
netns_nginx_start $NETNS_BACKENDS || bail "starting nginx failed"

# The backends answer on their own addresses: otherwise every later failure is nginx's.
out=$(netns_http_batch client "http://${NETNS_IP4[web1]}/" 1)
is "web1 answers directly" "$out" "web1 200"
out=$(netns_http_batch client "http://${NETNS_IP4[web2]}/" 1)
is "web2 answers directly" "$out" "web2 200"

check "xlb attach $NETNS_DEV --mode native" quiet lbx attach "$NETNS_DEV" --mode native
is "attached in native (driver) mode" "$(netns_xdp_mode lb "$NETNS_DEV")" 1
check "maps pinned in $XLB_PIN_DIR" test -e "$XLB_PIN_DIR/xlb_vips"

check "xlb vip add $VIP4" quiet lbx vip add "$VIP4"
for n in $NETNS_BACKENDS; do
	check "xlb backend add $VIP4 ${NETNS_IP4[$n]} (MAC resolved)" \
		quiet lbx backend add "$VIP4" "${NETNS_IP4[$n]}"
	mac=$(ip -j -n "$(netns_name "$n")" link show dev "$NETNS_DEV" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')
	is "$n: resolved MAC $mac in backend list --json" \
		"$(lbx backend list "$VIP4" --json | grep -ci -F "$mac")" 1
done

# --- round robin -----------------------------------------------------------------------
out=$(netns_http_batch client "$URL4" 1000)
split_even "IPv4 1000 new connections" "$out" 1000
is "stats: 1000 new flows on the VIP" "$(stat_of "$VIP4" '*' new_flows)" 1000
is "stats: 500 new flows on web1" "$(stat_of "$VIP4" "${NETNS_IP4[web1]}" new_flows)" 500
is "stats: 500 new flows on web2" "$(stat_of "$VIP4" "${NETNS_IP4[web2]}" new_flows)" 500
is "stats: no drops" "$(lbx stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["verdicts"]["drop"])')" 0

# --- drain: new connections avoid the backend, an open one stays on it -------------------
ka_start
drained=$KA_BE other=$KA_OTHER ka_port=$KA_PORT
check "xlb backend set $VIP4 ${NETNS_IP4[$drained]} --state drain" \
	quiet lbx backend set "$VIP4" "${NETNS_IP4[$drained]}" --state drain
out=$(netns_http_batch client "$URL4" 100)
is "drain: all 100 new connections go to $other" "$(netns_count "$other" <<<"$out")" 100
is "drain: the open connection still reaches $drained" "$(ka_req)" "$drained 200 $ka_port"
is "drain: and again" "$(ka_req)" "$drained 200 $ka_port"
check "xlb backend set $VIP4 ${NETNS_IP4[$drained]} --state up" \
	quiet lbx backend set "$VIP4" "${NETNS_IP4[$drained]}" --state up
out=$(netns_http_batch client "$URL4" 100)
split_even "back up after drain" "$out" 100
ka_stop

# --- down: new connections avoid the backend, and its open flows are scheduled again ----
ka_start
down=$KA_BE other=$KA_OTHER ka_port=$KA_PORT
check "xlb backend set $VIP4 ${NETNS_IP4[$down]} --state down" \
	quiet lbx backend set "$VIP4" "${NETNS_IP4[$down]}" --state down
out=$(netns_http_batch client "$URL4" 100)
is "down: all 100 new connections go to $other" "$(netns_count "$other" <<<"$out")" 100
# Rescheduled to $other, which has no such connection and resets it: any answer from
# $down would mean the flow still goes there.
ka_answer=$(ka_req)
diag "open connection after $down went down: $ka_answer"
check "down: the open connection no longer reaches $down" \
	test "$ka_answer" != "$down 200 $ka_port"
ka_stop
check "xlb backend set $VIP4 ${NETNS_IP4[$down]} --state up" \
	quiet lbx backend set "$VIP4" "${NETNS_IP4[$down]}" --state up
out=$(netns_http_batch client "$URL4" 100)
split_even "back up after down" "$out" 100

# --- delete and re-add a backend while wrk runs -----------------------------------------
# 8 keep-alive connections, half on each backend. Deleting web2 reschedules its flows to
# web1, which resets them: at most that many socket errors, and never a bad status.
netns_exec client wrk -t2 -c8 -d6s --timeout 3s "$URL4" >"$TMP/wrk.out" 2>&1 &
WRK_PID=$!
sleep 2
on_removed=$(client_conns_on web2)
diag "connections on web2 when it is deleted: $on_removed"
check "wrk had connections on web2 before the delete" test "$on_removed" -gt 0
check "xlb backend del $VIP4 ${NETNS_IP4[web2]} (under load)" \
	quiet lbx backend del "$VIP4" "${NETNS_IP4[web2]}"
sleep 2
check "xlb backend add $VIP4 ${NETNS_IP4[web2]} (under load)" \
	quiet lbx backend add "$VIP4" "${NETNS_IP4[web2]}"
wait "$WRK_PID"
wrk_rc=$?
WRK_PID=
sed 's/^/# wrk: /' "$TMP/wrk.out"
is "wrk exit status" "$wrk_rc" 0
reqs=$(wrk_requests "$TMP/wrk.out")
check "wrk completed requests (${reqs:-none})" test "${reqs:-0}" -gt 0
is "wrk: no non-2xx responses" "$(wrk_non2xx "$TMP/wrk.out")" 0
errs=$(wrk_errors "$TMP/wrk.out")
check "wrk: socket errors ($errs) <= connections that were on web2 ($on_removed)" \
	test "$errs" -le "$on_removed"
out=$(netns_http_batch client "$URL4" 100)
split_even "web2 back in rotation after re-add" "$out" 100

# --- IPv6 VIP --------------------------------------------------------------------------
check "xlb backend-setup $VIP6 on web1 and web2" quiet netns_backend_setup "$VIP6"
check "xlb vip add $VIP6" quiet lbx vip add "$VIP6"
for n in $NETNS_BACKENDS; do
	check "xlb backend add $VIP6 ${NETNS_IP6[$n]} (MAC resolved)" \
		quiet lbx backend add "$VIP6" "${NETNS_IP6[$n]}"
done
out=$(netns_http_batch client "$URL6" 1000)
split_even "IPv6 1000 new connections" "$out" 1000

# --- no userspace process: the pinned program and maps forward on their own --------------
# Every xlb command above has exited; anything still running from this build is a leak.
left=
for p in /proc/[0-9]*; do
	exe=$(readlink "$p/exe" 2>/dev/null) || continue
	case $exe in
	"$ROOT"/build/xlb | "$ROOT"/build/xlbd) left="$left ${p#/proc/}" ;;
	esac
done
is "no userspace xlb process is running" "${left# }" ""
# A leftover would be this run's own: end it, so the next checks prove forwarding without it.
[ -n "$left" ] && kill $left 2>/dev/null
out=$(netns_http_batch client "$URL4" 100)
split_even "IPv4 with no xlb process" "$out" 100
out=$(netns_http_batch client "$URL6" 100)
split_even "IPv6 with no xlb process" "$out" 100

# --- detach ----------------------------------------------------------------------------
before1=$(access_lines web1)
before2=$(access_lines web2)
check "xlb detach $NETNS_DEV" quiet lbx detach "$NETNS_DEV"
is "no XDP program left on $NETNS_DEV" "$(netns_xdp_mode lb "$NETNS_DEV")" ""
out=$(netns_http_batch client "$URL4" 20)
is "detached: no IPv4 request to the VIP answered" "$(grep -c ' 200$' <<<"$out")" 0
out=$(netns_http_batch client "$URL6" 20)
is "detached: no IPv6 request to the VIP answered" "$(grep -c ' 200$' <<<"$out")" 0
is "detached: web1's nginx saw none of them" "$(access_lines web1)" "$before1"
is "detached: web2's nginx saw none of them" "$(access_lines web2)" "$before2"

tap_done
