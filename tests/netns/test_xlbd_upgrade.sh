#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Upgrade under load: an xlbd with another BPF object replaces the attached program in place,
# keeping the pinned maps, flow table included; wrk sees no failed request and a connection
# opened before the upgrade carries on with its backend. TAP.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/lib/tap.sh
source "$ROOT/tests/lib/tap.sh"
# shellcheck source=tests/lib/wrk.sh
source "$ROOT/tests/lib/wrk.sh"
# shellcheck source=tests/lib/netns_test.sh
source "$ROOT/tests/lib/netns_test.sh"
netns_test_init xlbu- 10.22.0.0/24 fd00:22::/64
XLBD=$ROOT/build/xlbd
VIP=$NETNS_VIP4:80/tcp
URL=http://$NETNS_VIP4/
PID=
KA_PID=

cleanup() {
	[ -n "$KA_PID" ] && kill "$KA_PID" 2>/dev/null
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	netns_test_cleanup
}
trap cleanup EXIT

# nsenter itself, not the netns_exec function: a function sent to the background runs in a
# subshell, and $! would be that shell's pid, not xlbd's (kill would miss the daemon).
start_xlbd() {
	nsenter --net="/run/netns/$(netns_name lb)" "$XLBD" -c "$TMP/xlb.conf" --foreground "$@" \
		2>>"$TMP/xlbd.log" &
	PID=$!
}
prog_id() { ip -j -n "$(netns_name lb)" link show dev "$NETNS_DEV" | grep -o '"id":[0-9]*' | head -1; }
flows() { netns_exec lb "$XLB" flows --json | grep -o '"client"' | wc -l; }

netns_down
rm -rf "$XLB_PIN_DIR"
netns_up || bail "building the namespaces failed"
netns_backend_setup "$VIP" >/dev/null || bail "xlb backend-setup failed"
netns_nginx_start $NETNS_BACKENDS || bail "starting nginx failed"
cat >"$TMP/xlb.conf" <<CONF
[lb]
interface = $NETNS_DEV
metrics = 127.0.0.1:9592

[vip web]
address = $VIP
backend = ${NETNS_IP4[web1]}
backend = ${NETNS_IP4[web2]}
check = http GET / 200
interval = 250ms
timeout = 200ms
CONF

# The same program built with another constant: another object, another program tag.
clang -target bpf -mcpu=v3 -O2 -g -DXLB_PICK_TRIES=5 -I"$ROOT/include" \
	-I/usr/include/"$(gcc -dumpmachine)" -c "$ROOT/bpf/xlb.bpf.c" -o "$TMP/xlb-next.bpf.o" ||
	bail "building the second BPF object failed"

start_xlbd
for _ in $(seq 50); do
	[ "$(netns_exec lb "$XLB" backend list --json 2>/dev/null | grep -o '"health":"up"' | wc -l)" = 2 ] && break
	sleep 0.1
done
before=$(prog_id)
check "xlbd attached its program ($before)" test -n "$before"

# A client that opens one connection, asks, waits for a line on stdin, asks again.
cat >"$TMP/ka.py" <<'PY'
import socket, sys
s = socket.create_connection((sys.argv[1], 80), timeout=5)
def ask():
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data or not data.split(b"\r\n\r\n", 1)[1]:
        d = s.recv(4096)
        if not d:
            return "closed"
        data += d
    return data.split(b"\r\n\r\n", 1)[1].decode().strip()
print(ask(), flush=True)
sys.stdin.readline()
print(ask(), flush=True)
PY
mkfifo "$TMP/ka.in"
netns_exec client python3 "$TMP/ka.py" "$NETNS_VIP4" <"$TMP/ka.in" >"$TMP/ka.out" 2>&1 &
KA_PID=$!
exec 7>"$TMP/ka.in"
sleep 0.5
first=$(head -1 "$TMP/ka.out")
check "a connection opened before the upgrade is answered ($first)" grep -qx 'web[12]' <<<"$first"
flows_before=$(flows)

netns_exec client wrk -t2 -c8 -d4s --timeout 3s "$URL" >"$TMP/wrk.out" 2>&1 &
WRK=$!
sleep 1
kill "$PID"
wait "$PID"
start_xlbd --bpf-object "$TMP/xlb-next.bpf.o"
for _ in $(seq 50); do
	grep -q "program replaced" "$TMP/xlbd.log" && break
	sleep 0.1
done
check "the new xlbd says it replaced the program" grep -q "program replaced" "$TMP/xlbd.log"
after=$(prog_id)
check "another program is attached ($before -> $after)" test -n "$after" -a "$after" != "$before"
wait "$WRK"
reqs=$(wrk_requests "$TMP/wrk.out")
check "wrk completed requests across the upgrade ($reqs)" test "$reqs" -gt 0
is "wrk saw no socket error" "$(wrk_errors "$TMP/wrk.out")" 0
is "wrk saw no non-2xx response" "$(wrk_non2xx "$TMP/wrk.out")" 0
echo >&7
sleep 0.5
second=$(sed -n 2p "$TMP/ka.out")
is "the connection opened before the upgrade still reaches its backend" "$second" "$first"
check "the flow table was kept ($flows_before flows before, $(flows) after)" \
	test "$(flows)" -ge "$flows_before"

# Same object again: nothing to replace.
kill "$PID"
wait "$PID"
start_xlbd --bpf-object "$TMP/xlb-next.bpf.o"
sleep 1
is "an xlbd with the attached program's object leaves it in place" "$(prog_id)" "$after"
tap_done
