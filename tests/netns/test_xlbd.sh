#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# shellcheck disable=SC2086 # node and pid lists are split into words on purpose
# xlbd end to end (issue 3): client, lb (xlbd attaches xlb) and two nginx backends in network
# namespaces. Config checking, health checks that steer the data plane (failover and
# recovery timed), kill -9 and restart under wrk load, SIGHUP reloads (backend removed, added,
# a bad config), metrics checked against the packets sent, SIGTERM and --detach-on-exit. TAP.
#
# Own namespace prefix, pin dir and subnets, so it runs next to `make lab` and the other netns
# tests without touching them. XLBD=PATH runs another xlbd binary (the CLI is build/xlb).
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/lib/tap.sh
source "$ROOT/tests/lib/tap.sh"
# shellcheck source=tests/lib/wrk.sh
source "$ROOT/tests/lib/wrk.sh"

# shellcheck source=tests/lib/netns_test.sh
source "$ROOT/tests/lib/netns_test.sh"

netns_test_init xlbdt- 10.21.0.0/24 fd00:21::/64
XLBD=${XLBD:-$ROOT/build/xlbd}
VIP4=$NETNS_VIP4:80/tcp
URL4=http://$NETNS_VIP4/
WEB1=${NETNS_IP4[web1]}
WEB2=${NETNS_IP4[web2]}
# In the lb's namespace: its loopback is its own, so the port is free whatever else runs.
METRICS=127.0.0.1:9591
# Health checking as the test wants it timed: down after 3 failures 250 ms apart, up after 2.
INTERVAL_MS=250
TIMEOUT_MS=200
RISE=2
FALL=3
CONF=$TMP/xlbd.conf
LOG=$TMP/xlbd.log
XLBD_PID=
WRK_PID=
LOOP_PID=

# now_ms: wall clock in milliseconds (EPOCHREALTIME's separator follows the locale).
now_ms() {
	local t=${EPOCHREALTIME//[.,]/}
	echo $((t / 1000))
}

# secs MS: "0.83" for 830.
secs() { printf "%d.%02d" $(($1 / 1000)) $(($1 % 1000 / 10)); }

cleanup() {
	[ -n "$LOOP_PID" ] && kill "$LOOP_PID" 2>/dev/null
	[ -n "$WRK_PID" ] && kill "$WRK_PID" 2>/dev/null
	if [ -n "$XLBD_PID" ] && kill -0 "$XLBD_PID" 2>/dev/null; then
		kill -KILL "$XLBD_PID" 2>/dev/null
		wait "$XLBD_PID" 2>/dev/null
	fi
	netns_test_cleanup
}
trap cleanup EXIT


# conf BACKEND_IP...: the config file's text. The line numbers of the keys above the
# backends are fixed: the bad-config cases below name them.
conf() {
	local b
	cat <<EOF
# xlbd config of tests/netns/test_xlbd.sh
[lb]
interface = $NETNS_DEV
mode = native
metrics = $METRICS

[vip web]
address = $VIP4
scheduler = rr
check = http GET / 200
interval = ${INTERVAL_MS}ms
timeout = ${TIMEOUT_MS}ms
rise = $RISE
fall = $FALL
EOF
	for b in "$@"; do
		echo "backend = $b"
	done
}
# Line numbers in conf's text.
L_ADDRESS=8
L_SCHEDULER=9
L_INTERVAL=11

# xlbd_start [ARGS...]: xlbd in the lb's namespace, in the foreground of a background job,
# stderr appended to $LOG. nsenter execs xlbd, so $! is the daemon itself.
xlbd_start() {
	nsenter --net="/run/netns/$(netns_name lb)" "$XLBD" -c "$CONF" --foreground "$@" \
		>>"$LOG" 2>&1 &
	XLBD_PID=$!
}

# xlbd_signal SIG: sends SIG and waits up to 5 s for the daemon to end; sets XLBD_RC (124:
# it did not end and was killed).
xlbd_signal() {
	kill -"$1" "$XLBD_PID"
	for _ in $(seq 100); do
		kill -0 "$XLBD_PID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$XLBD_PID" 2>/dev/null; then
		kill -KILL "$XLBD_PID"
		wait "$XLBD_PID" 2>/dev/null
		XLBD_RC=124
	else
		wait "$XLBD_PID"
		XLBD_RC=$?
	fi
	XLBD_PID=
}

# log_since N: the daemon's log after its first N lines.
log_lines() { wc -l <"$LOG"; }
log_since() { tail -n +$(($1 + 1)) "$LOG"; }

# new_flows: the new-flow counters of `xlb stats` by backend ("*": the VIP), for diagnostics.
new_flows() {
	lbx stats --json 2>/dev/null | python3 -c '
import json, sys
d = {}
for r in json.load(sys.stdin)["traffic"]:
    d[r["backend"]] = r["new_flows"]
print(d)
' 2>/dev/null
}

# states: the VIP's backends as the maps hold them, "ADDR=HEALTH ..." sorted; empty when
# nothing is pinned. sed rather than python: it is polled every 50 ms.
states() {
	lbx backend list "$VIP4" --json 2>/dev/null |
		grep -o '"backend":"[^"]*"[^}]*"health":"[a-z]*"' |
		sed 's/"backend":"\([^"]*\)".*"health":"\([a-z]*\)"/\1=\2/' | sort | tr '\n' ' ' |
		sed 's/ $//'
}

# wait_states WANT MAX_MS: polls states every 50 ms until it is WANT; sets WAITED_MS (the
# time it took) and returns 0, or 1 after MAX_MS.
wait_states() {
	local want=$1 max=$2 t0 now
	t0=$(now_ms)
	while :; do
		now=$(now_ms)
		if [ "$(states)" = "$want" ]; then
			WAITED_MS=$((now - t0))
			return 0
		fi
		[ $((now - t0)) -ge "$max" ] && break
		sleep 0.05
	done
	WAITED_MS=$max
	diag "waited $(secs "$max") s for '$want', last seen '$(states)'"
	return 1
}


# pinned: what is in the pin dir (nothing when it does not exist).
pinned() { ls -A "$XLB_PIN_DIR" 2>/dev/null; }

# vip_batch N: like netns_http_batch to the VIP ("BODY CODE" per request), but each request
# from a client port this run never used before (from 10000 up, below the ephemeral range).
# The flow table keeps a flow after its connection closed, and a new connection that the
# kernel gives a 5-tuple used earlier in the run (its port allocator comes round again after
# some thousand connections) would follow that old flow instead of the round robin; exact
# splits would then be off by a few. Sets VB_OUT (the lines) and VB_FLOWS (the new-flow
# counters before and after). Not in $(...): the port count must survive the call.
VB_PORT=10000
vip_batch() {
	local first=$VB_PORT before
	VB_PORT=$((VB_PORT + $1))
	before=$(new_flows)
	# shellcheck disable=SC2016 # expanded by the inner shell
	VB_OUT=$(seq "$first" $((first + $1 - 1)) | netns_exec client xargs -P 8 -n 1 sh -c \
		'r=$(curl -s --noproxy "*" --local-port "$2" --connect-timeout 2 --max-time 5 -w "%{http_code}" "$1" 2>/dev/null); echo $r' \
		sh "$URL4")
	VB_FLOWS="new flows before: $before; after: $(new_flows)"
}

# split_even NAME OUT N: N requests all answered 200, half by each backend.
split_even() {
	local name=$1 out=$2 n=$3 w1 w2
	w1=$(netns_count web1 <<<"$out")
	w2=$(netns_count web2 <<<"$out")
	is "$name: all $n requests answered 200" "$((w1 + w2))" "$n"
	is "$name: web1 got exactly half" "$w1" "$((n / 2))"
	is "$name: web2 got exactly half" "$w2" "$((n / 2))"
	[ "$w1" = "$((n / 2))" ] || diag "$VB_FLOWS"
}

# all_to NAME OUT N NODE: N requests, all answered 200 by NODE.
all_to() { is "$1: all $3 requests answered 200 by $4" "$(netns_count "$4" <<<"$2")" "$3"; }


# metric FILE NAME LABEL_VALUE [vip]: the value of the series NAME{...} that has a label
# whose value is LABEL_VALUE (quoted, so "10.21.0.1" does not match "10.21.0.11"); with "vip",
# only a series without a backend label (the VIP's own). Empty when there is no such series,
# "many" when several match.
metric() {
	local lines
	lines=$(grep "^$2{" "$1" | grep -F "\"$3\"")
	[ "${4-}" = vip ] && lines=$(grep -v 'backend=' <<<"$lines")
	case $(grep -c . <<<"$lines") in
	0) echo "" ;;
	1) awk '{ printf "%.0f\n", $NF + 0 }' <<<"$lines" ;;
	*) echo many ;;
	esac
}

# scrape PATH FILE: GET http://$METRICS/PATH from the lb; prints the HTTP status.
scrape() {
	netns_exec lb curl -s --noproxy '*' --max-time 3 -o "$2" -w '%{http_code}' \
		"http://$METRICS$1" 2>/dev/null
}

# client_out_segs: TCP segments the client has sent (its namespace's counter).
# shellcheck disable=SC2016 # awk fields
client_out_segs() {
	netns_exec client awk '/^Tcp:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 }
		else print $c["OutSegs"] }' /proc/net/snmp
}

# A client for the reload cases: opens NKEEP keep-alive connections to the VIP (new flows,
# so round robin spreads them), prints READY, then for SECONDS sends a request on each open
# connection every 20 ms and, with NEW=1, also one request on a new connection. At the end:
#   keep INDEX BACKEND OK ERRORS [first error]   (one line per kept connection)
#   new web1=N web2=N fail=N [first error]
# A kept connection that errs (reset, answered by another backend) is counted and closed.
cat >"$TMP/conns.py" <<'EOF'
import socket, sys, time

host, nkeep, secs, new = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4] == "1"
fam = socket.AF_INET6 if ":" in host else socket.AF_INET


class Conn:
    def __init__(self, close=False):
        self.s = socket.socket(fam, socket.SOCK_STREAM)
        self.s.settimeout(2)
        self.s.connect((host, 80))
        self.buf = b""
        self.close = close

    def more(self):
        d = self.s.recv(4096)
        if not d:
            raise EOFError("connection closed by peer")
        self.buf += d

    def get(self):
        hdr = "Connection: close\r\n" if self.close else ""
        self.s.sendall(("GET / HTTP/1.1\r\nHost: vip\r\n%s\r\n" % hdr).encode())
        while b"\r\n\r\n" not in self.buf:
            self.more()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        n = 0
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                n = int(v)
        while len(self.buf) < n:
            self.more()
        body, self.buf = self.buf[:n], self.buf[n:]
        status = lines[0].split()[1].decode()
        if status != "200":
            raise RuntimeError("status " + status)
        return body.decode().strip()


def err(e):
    return "%s: %s" % (type(e).__name__, e)


keep = []
for i in range(nkeep):
    c = Conn()
    c.backend, c.ok, c.errs, c.err = c.get(), 1, 0, ""
    keep.append(c)
print("READY", flush=True)
new_ok, new_fail, new_err = {}, 0, ""
end = time.monotonic() + secs
while time.monotonic() < end:
    for c in keep:
        if c.errs:
            continue
        try:
            b = c.get()
            if b != c.backend:
                raise RuntimeError("answered by %s" % b)
            c.ok += 1
        except Exception as e:
            c.errs, c.err = 1, err(e)
            c.s.close()
    if new:
        try:
            n = Conn(close=True)
            b = n.get()
            new_ok[b] = new_ok.get(b, 0) + 1
            n.s.close()
        except Exception as e:
            new_fail += 1
            new_err = new_err or err(e)
    time.sleep(0.02)
for i, c in enumerate(keep):
    print("keep", i, c.backend, c.ok, c.errs, c.err, flush=True)
print("new web1=%d web2=%d fail=%d %s" % (new_ok.get("web1", 0), new_ok.get("web2", 0),
      new_fail, new_err), flush=True)
EOF

# loop_start NKEEP SECONDS NEW: conns.py in the client, output in $TMP/loop.out; returns once
# it printed READY (or fails after 5 s).
loop_start() {
	: >"$TMP/loop.out"
	netns_exec client python3 -u "$TMP/conns.py" "$NETNS_VIP4" "$1" "$2" "$3" \
		>"$TMP/loop.out" 2>&1 &
	LOOP_PID=$!
	for _ in $(seq 100); do
		grep -q '^READY' "$TMP/loop.out" && return 0
		kill -0 "$LOOP_PID" 2>/dev/null || break
		sleep 0.05
	done
	sed 's/^/# conns.py: /' "$TMP/loop.out"
	return 1
}
loop_wait() {
	wait "$LOOP_PID"
	LOOP_PID=
	sed 's/^/# conns.py: /' "$TMP/loop.out"
}
# loop_keep_on NODE: "CONNS OK ERRORS" summed over the kept connections on NODE.
loop_keep_on() {
	awk -v b="$1" '$1 == "keep" && $3 == b { n++; ok += $4; e += $5 }
		END { print n + 0, ok + 0, e + 0 }' "$TMP/loop.out"
}
# loop_new FIELD: web1, web2 or fail of the new-connection line.
loop_new() {
	sed -n "s/^new .*\b$1=\([0-9]*\).*/\1/p" "$TMP/loop.out"
}

# reload NAME WANT BACKEND_IP...: rewrites the config with these backends, SIGHUP, waits until
# the maps hold WANT.
reload() {
	local name=$1 want=$2
	shift 2
	conf "$@" >"$CONF"
	RELOAD_LOG0=$(log_lines)
	kill -HUP "$XLBD_PID"
	wait_states "$want" 3000
	check "$name: maps hold '$want' ($(secs "$WAITED_MS") s after SIGHUP)" \
		test "$(states)" = "$want"
}

# --- set-up ----------------------------------------------------------------------------
[ -x "$XLB" ] || bail "$XLB missing: run make"
[ -x "$XLBD" ] || bail "$XLBD missing: run make"
if ! mountpoint -q /sys/fs/bpf; then
	mount -t bpf bpf /sys/fs/bpf || bail "cannot mount bpffs"
fi
# Leftovers of an interrupted run of this test (never another's: other prefix, other pins).
netns_down
rm -rf "$XLB_PIN_DIR"

netns_up || bail "building the namespaces failed"
netns_backend_setup "$VIP4" >/dev/null || bail "xlb backend-setup $VIP4 failed"
netns_nginx_start $NETNS_BACKENDS || bail "starting nginx failed"
out=$(netns_http_batch client "http://$WEB1/" 1)
is "web1 answers directly" "$out" "web1 200"
out=$(netns_http_batch client "http://$WEB2/" 1)
is "web2 answers directly" "$out" "web2 200"
: >"$LOG"

# --- a. config errors ------------------------------------------------------------------
conf "$WEB1" "$WEB2" >"$CONF"

# check_config_bad NAME FILE LINE: --check-config exits 1 with one stderr line naming
# FILE:LINE: (LINE empty: naming FILE).
check_config_bad() {
	local name=$1 file=$2 line=$3 err rc want
	err=$(netns_exec lb timeout 10 "$XLBD" -c "$file" --check-config 2>&1 >/dev/null)
	rc=$?
	is "--check-config, $name: exit 1" "$rc" 1
	want=$file${line:+:$line}:
	if [ "$(grep -c . <<<"$err")" = 1 ] && grep -q -F "$want" <<<"$err"; then
		ok "--check-config, $name: one line naming $(basename "$want")"
	else
		fail "--check-config, $name: one line naming $(basename "$want")"
	fi
	diag "${err//$'\n'/$'\n# '}"
}

err=$(netns_exec lb timeout 10 "$XLBD" -c "$CONF" --check-config 2>&1 >/dev/null)
rc=$?
is "--check-config, good file: exit 0" "$rc" 0
is "--check-config, good file: nothing on stderr" "$err" ""

conf "$WEB1" "$WEB2" | sed "${L_SCHEDULER}a colour = blue" >"$TMP/unknown_key.conf"
check_config_bad "unknown key" "$TMP/unknown_key.conf" $((L_SCHEDULER + 1))
conf "$WEB1" "$WEB2" | sed "${L_ADDRESS}s|.*|address = 10.21.0.300:80/tcp|" >"$TMP/bad_addr.conf"
check_config_bad "bad address" "$TMP/bad_addr.conf" $L_ADDRESS
conf "$WEB1" "$WEB2" | sed "${L_INTERVAL}s|.*|interval = 250xs|" >"$TMP/bad_duration.conf"
check_config_bad "bad duration" "$TMP/bad_duration.conf" $L_INTERVAL
# Two VIP sections with one address: the second address line is at fault.
{
	conf "$WEB1" "$WEB2"
	echo
	echo "[vip other]"
	echo "address = $VIP4"
	echo "backend = $WEB1"
} >"$TMP/dup_vip.conf"
check_config_bad "duplicate VIP address" "$TMP/dup_vip.conf" $(($(conf "$WEB1" "$WEB2" | wc -l) + 3))
# The same VIP name twice: the second section header is.
{
	conf "$WEB1" "$WEB2"
	echo
	echo "[vip web]"
	echo "address = $NETNS_VIP4:443/tcp"
	echo "backend = $WEB1"
} >"$TMP/dup_name.conf"
check_config_bad "duplicate VIP name" "$TMP/dup_name.conf" $(($(conf "$WEB1" "$WEB2" | wc -l) + 2))
check_config_bad "missing file" "$TMP/no-such.conf" ""

# Starting (not --check-config) on a bad config: exit 1, and nothing done.
err=$(netns_exec lb timeout 10 "$XLBD" -c "$TMP/unknown_key.conf" --foreground 2>&1 >/dev/null)
rc=$?
is "start with a bad config: exit 1" "$rc" 1
check "start with a bad config: the error names unknown_key.conf:$((L_SCHEDULER + 1)):" \
	grep -q -F "$TMP/unknown_key.conf:$((L_SCHEDULER + 1)):" <<<"$err"
is "start with a bad config: no XDP program on $NETNS_DEV" \
	"$(netns_xdp_mode lb "$NETNS_DEV")" ""
is "start with a bad config: nothing pinned in $XLB_PIN_DIR" "$(pinned)" ""

# --- b. start: both backends up, even split ---------------------------------------------
t0=$(now_ms)
xlbd_start
wait_states "$WEB1=up $WEB2=up" 5000
diag "both backends up $(secs "$WAITED_MS") s after xlbd started"
check "xlbd started: both backends health up within 2 s ($(secs "$WAITED_MS") s)" \
	test "$(states)" = "$WEB1=up $WEB2=up" -a "$WAITED_MS" -le 2000
check "xlbd is running" kill -0 "$XLBD_PID"
is "xlbd attached xlb in native mode" "$(netns_xdp_mode lb "$NETNS_DEV")" 1
check "maps pinned in $XLB_PIN_DIR" test -e "$XLB_PIN_DIR/xlb_vips"
status=$(lbx status)
check "xlb status shows the daemon and its config" grep -q "daemon: .*xlbd at .*config $CONF" <<<"$status"
vip_batch 200
out=$VB_OUT
split_even "200 new connections" "$out" 200

# --- c. failover and recovery -----------------------------------------------------------
# nginx is stopped here rather than with netns_nginx_stop, which waits for its master to
# exit: the master lingers 1-2 s after its listening socket has gone. The clock starts at the
# SIGTERM; a poller in the client also records when web1 stopped answering requests.
cat >"$TMP/stopwatch.py" <<'EOF'
import socket, sys, time

end = time.time() + 5
while time.time() < end:
    try:
        s = socket.create_connection((sys.argv[1], 80), timeout=0.1)
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        if not s.recv(100).startswith(b"HTTP/1.1 200"):
            raise OSError("not 200")
        s.close()
    except OSError:
        print(int(time.time() * 1000), flush=True)
        break
    time.sleep(0.01)
EOF
netns_exec client python3 "$TMP/stopwatch.py" "$WEB1" >"$TMP/stopwatch.out" 2>&1 &
sw_pid=$!
sleep 0.2
nginx_pid=$(cat "$(netns_nginx_dir web1)/nginx.pid")
n0=$(log_lines)
t_kill=$(now_ms)
kill -TERM "$nginx_pid"
t_down=
while [ $(($(now_ms) - t_kill)) -lt 4000 ]; do
	if [ "$(states)" = "$WEB1=down $WEB2=up" ]; then
		t_down=$(now_ms)
		break
	fi
	sleep 0.05
done
wait "$sw_pid"
t_dead=$(head -n 1 "$TMP/stopwatch.out")
netns_nginx_stop web1 # waits for the master, removes its pid file
bound=$((FALL * INTERVAL_MS + 200))
if [ -n "$t_down" ]; then
	failover=$((t_down - t_kill))
	if [[ "$t_dead" =~ ^[0-9]+$ ]]; then
		diag "failover: $(secs "$failover") s from SIGTERM to nginx; web1 stopped answering" \
			"$(secs $((t_dead - t_kill))) s after the SIGTERM, so $(secs $((t_down - t_dead))) s" \
			"from then (fall x interval + 200 ms = $(secs $bound) s)"
	else
		diag "failover: $(secs "$failover") s from SIGTERM to nginx (stopwatch: '$t_dead')"
	fi
	check "failover: web1 health down within 1.5 s of stopping nginx ($(secs "$failover") s)" \
		test "$failover" -le 1500
else
	fail "failover: web1 health down within 1.5 s of stopping nginx (not down after 4 s)"
fi
down_lines=$(log_since "$n0" | grep -c "$WEB1 .*is down")
is "failover: one log line says $WEB1 is down" "$down_lines" 1
log_since "$n0" | sed 's/^/# xlbd: /'
vip_batch 100
out=$VB_OUT
all_to "web1 down" "$out" 100 web2

n0=$(log_lines)
t_start=$(now_ms)
netns_nginx_start web1 || bail "restarting nginx on web1 failed"
t_up=
while [ $(($(now_ms) - t_start)) -lt 4000 ]; do
	if [ "$(states)" = "$WEB1=up $WEB2=up" ]; then
		t_up=$(now_ms)
		break
	fi
	sleep 0.05
done
if [ -n "$t_up" ]; then
	recovery=$((t_up - t_start))
	diag "recovery: $(secs "$recovery") s (from starting nginx; rise x interval = $(secs $((RISE * INTERVAL_MS))) s)"
	check "recovery: web1 health up within 1.5 s of starting nginx ($(secs "$recovery") s)" \
		test "$recovery" -le 1500
else
	fail "recovery: web1 health up within 1.5 s of starting nginx (not up after 4 s)"
fi
is "recovery: one log line says $WEB1 is up" "$(log_since "$n0" | grep -c "$WEB1 .*is up")" 1
vip_batch 100
out=$VB_OUT
split_even "web1 back" "$out" 100

# --- d. kill -9 and restart under load ---------------------------------------------------
netns_exec client wrk -t2 -c8 -d5s --timeout 3s "$URL4" >"$TMP/wrk.out" 2>&1 &
WRK_PID=$!
# New connections all along, besides wrk's kept-alive ones.
loop_start 0 4.5 1 || fail "new-connection loop did not start"
sleep 1
kill -KILL "$XLBD_PID"
{ wait "$XLBD_PID"; } 2>/dev/null
XLBD_PID=
sleep 0.5
n0=$(log_lines)
xlbd_start
# The restarted daemon must take health over from the maps: sampled until wrk ends, no
# backend may be seen down.
seen=
while kill -0 "$WRK_PID" 2>/dev/null; do
	s=$(states)
	if [ "$s" != "$WEB1=up $WEB2=up" ]; then
		seen="$seen [$s]"
		diag "during the restart: $(lbx backend list "$VIP4" --json 2>&1 | head -c 300)"
	fi
	sleep 0.1
done
wait "$WRK_PID"
wrk_rc=$?
WRK_PID=
loop_wait
sed 's/^/# wrk: /' "$TMP/wrk.out"
is "kill -9: wrk exit status" "$wrk_rc" 0
reqs=$(wrk_requests "$TMP/wrk.out")
check "kill -9: wrk completed requests (${reqs:-none})" test "${reqs:-0}" -gt 0
is "kill -9: wrk saw no non-2xx responses" "$(wrk_non2xx "$TMP/wrk.out")" 0
is "kill -9: wrk saw no socket errors" "$(wrk_errors "$TMP/wrk.out")" 0
is "kill -9: no new connection failed" "$(loop_new fail)" 0
check "kill -9: new connections were made ($(loop_new web1) + $(loop_new web2))" \
	test "$(($(loop_new web1) + $(loop_new web2)))" -gt 0
is "kill -9: both backends up in the maps throughout the restart" "$seen" ""
check "kill -9: the restarted xlbd runs" kill -0 "$XLBD_PID"
sleep 1
is "kill -9: both backends still up a second later" "$(states)" "$WEB1=up $WEB2=up"
is "kill -9: the restarted xlbd logged no backend down" \
	"$(log_since "$n0" | grep -c 'is down')" 0
log_since "$n0" | sed 's/^/# xlbd: /'
vip_batch 100
out=$VB_OUT
split_even "after restart" "$out" 100

# --- e. reloads --------------------------------------------------------------------------
# [web1 web2] -> [web1]: web2 removed; kept connections on web1 must not notice.
loop_start 4 3 0 || fail "kept-connection loop did not start"
sleep 0.3
reload "reload without web2" "$WEB1=up" "$WEB1"
loop_wait
read -r kn kok kerr <<<"$(loop_keep_on web1)"
check "reload without web2: kept connections on web1 ($kn) exist" test "$kn" -gt 0
is "reload without web2: no failure on web1's $kn kept connections ($kok requests)" "$kerr" 0
vip_batch 50
out=$VB_OUT
all_to "reload without web2" "$out" 50 web1
log_since "$RELOAD_LOG0" | sed 's/^/# xlbd: /'

# A backend added with the CLI to a VIP the config owns is health-checked like the others
# (until the next reload, which makes the VIP match the config again).
cli_add_web2() { lbx backend add "$VIP4" "$WEB2" >/dev/null; }
check "cli: xlb backend add web2 to the owned VIP" cli_add_web2
wait_states "$WEB1=up $WEB2=up" 2000
netns_nginx_stop web2
wait_states "$WEB1=up $WEB2=down" 3000
check "cli-added web2 is checked: down once its nginx stops ($(secs "$WAITED_MS") s)" \
	test "$(states)" = "$WEB1=up $WEB2=down"
netns_nginx_start web2 || bail "restarting nginx on web2 failed"
wait_states "$WEB1=up $WEB2=up" 3000
check "cli-added web2 is checked: up again once nginx is back ($(secs "$WAITED_MS") s)" \
	test "$(states)" = "$WEB1=up $WEB2=up"
# back to what the config says, for the reload that adds web2 below
lbx backend del "$VIP4" "$WEB2"

# [web1] -> [web1 web2]: web2 added; nothing may fail, old connections or new.
loop_start 4 3 1 || fail "kept-connection loop did not start"
sleep 0.3
reload "reload adding web2" "$WEB1=up $WEB2=up" "$WEB1" "$WEB2"
loop_wait
read -r kn kok kerr <<<"$(loop_keep_on web1)"
is "reload adding web2: all 4 kept connections on web1" "$kn" 4
is "reload adding web2: no failure on them ($kok requests)" "$kerr" 0
is "reload adding web2: no new connection failed" "$(loop_new fail)" 0
check "reload adding web2: new connections reached web2 ($(loop_new web2))" \
	test "$(loop_new web2)" -gt 0
vip_batch 100
out=$VB_OUT
split_even "reload adding web2" "$out" 100
log_since "$RELOAD_LOG0" | sed 's/^/# xlbd: /'

# [web1 web2] -> [web2]: web1 removed; kept connections on web2 must not notice.
loop_start 4 3 0 || fail "kept-connection loop did not start"
sleep 0.3
reload "reload without web1" "$WEB2=up" "$WEB2"
loop_wait
read -r kn kok kerr <<<"$(loop_keep_on web2)"
check "reload without web1: kept connections on web2 ($kn) exist" test "$kn" -gt 0
is "reload without web1: no failure on web2's $kn kept connections ($kok requests)" "$kerr" 0
vip_batch 50
out=$VB_OUT
all_to "reload without web1" "$out" 50 web2
log_since "$RELOAD_LOG0" | sed 's/^/# xlbd: /'

# A bad config on reload: the daemon keeps running on the old one and says why, once.
conf "$WEB1" "$WEB2" | sed "${L_SCHEDULER}a colour = blue" >"$CONF"
n0=$(log_lines)
kill -HUP "$XLBD_PID"
sleep 1
check "bad reload: xlbd still runs" kill -0 "$XLBD_PID"
is "bad reload: the maps still hold the old backends" "$(states)" "$WEB2=up"
bad_lines=$(log_since "$n0" | grep -c -F "$CONF:$((L_SCHEDULER + 1)):")
is "bad reload: one log line names xlbd.conf:$((L_SCHEDULER + 1)):" "$bad_lines" 1
is "bad reload: and says the reload failed" \
	"$(log_since "$n0" | grep -F "$CONF:$((L_SCHEDULER + 1)):" | grep -ciE 'reload|old config|keep')" 1
log_since "$n0" | sed 's/^/# xlbd: /'
# What the health checks sent last (xlbd's probes come from the lb's address).
grep -F "${NETNS_IP4[lb]} " "$(netns_nginx_dir web2)/access.log" | tail -n 2 |
	sed 's/^/# web2 access.log: /'
vip_batch 20
out=$VB_OUT
all_to "bad reload" "$out" 20 web2
reload "good config again" "$WEB1=up $WEB2=up" "$WEB1" "$WEB2"
vip_batch 100
out=$VB_OUT
split_even "good config again" "$out" 100

# A configured backend that does not answer ARP yet (its host is not up) is added as soon
# as it does, without a reload; meanwhile the daemon goes on (no blocking, no lock held).
LATE=$NETNS_NET4_BASE.13
reload "reload with a backend not up yet" "$WEB1=up $WEB2=up" "$WEB1" "$WEB2" "$LATE"
check "late backend: not in the maps while nobody answers for $LATE" \
	test "$(states)" = "$WEB1=up $WEB2=up"
is "late backend: metrics still served meanwhile" "$(scrape /metrics "$TMP/late")" 200
netns_exec web2 ip addr add "$LATE/24" dev "$NETNS_DEV"
wait_states "$WEB1=up $WEB2=up $LATE=up" 3000
check "late backend: added once $LATE answers ARP ($(secs "$WAITED_MS") s)" \
	test "$(states)" = "$WEB1=up $WEB2=up $LATE=up"
reload "late backend removed again" "$WEB1=up $WEB2=up" "$WEB1" "$WEB2"
netns_exec web2 ip addr del "$LATE/24" dev "$NETNS_DEV"

# Maps removed and pinned anew behind the daemon's back (detach, rm -r the pin dir, attach):
# it follows the new maps and applies its config to them.
lbx detach "$NETNS_DEV" >/dev/null
rm -rf "$XLB_PIN_DIR"
lbx attach "$NETNS_DEV" >/dev/null
wait_states "$WEB1=up $WEB2=up" 3000
check "new maps: xlbd applied its config to them ($(secs "$WAITED_MS") s)" \
	test "$(states)" = "$WEB1=up $WEB2=up"
vip_batch 100
out=$VB_OUT
split_even "new maps" "$out" 100

# --- f. metrics ----------------------------------------------------------------------------
code=$(scrape /metrics "$TMP/m0")
if [ "$code" != 200 ]; then
	diag "GET /metrics: HTTP status '$code'"
	ok "metrics # SKIP metrics not served yet"
else
	for ip in "$WEB1" "$WEB2"; do
		is "metrics: xlb_backend_up of $ip is 1" "$(metric "$TMP/m0" xlb_backend_up "$ip")" 1
	done
	p0=$(metric "$TMP/m0" xlb_vip_packets_total web vip)
	[ -n "$p0" ] || p0=$(metric "$TMP/m0" xlb_vip_packets_total "$VIP4" vip)
	segs0=$(client_out_segs)
	N=100
	vip_batch $N
	out=$VB_OUT
	segs1=$(client_out_segs)
	code=$(scrape /metrics "$TMP/m1")
	p1=$(metric "$TMP/m1" xlb_vip_packets_total web vip)
	[ -n "$p1" ] || p1=$(metric "$TMP/m1" xlb_vip_packets_total "$VIP4" vip)
	if [[ "$p0" =~ ^[0-9]+$ && "$p1" =~ ^[0-9]+$ ]]; then
		delta=$((p1 - p0)) segs=$((segs1 - segs0))
		diag "metrics: xlb_vip_packets_total grew by $delta over $N requests; the client sent $segs TCP segments"
		check "metrics: VIP packets grew by >= 3 x $N ($delta)" test "$delta" -ge $((3 * N))
		check "metrics: VIP packets grew by >= the client's segments ($delta >= $segs)" \
			test "$delta" -ge "$segs"
	else
		fail "metrics: xlb_vip_packets_total of the VIP (got '$p0' then '$p1')"
		grep '^xlb_vip_packets_total' "$TMP/m0" | sed 's/^/# /'
	fi
	code=$(scrape /status "$TMP/status")
	check "status: /status is JSON (HTTP $code)" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/status"
fi

# --- g. SIGTERM: the data plane keeps forwarding; --detach-on-exit removes it -------------
xlbd_signal TERM
is "SIGTERM: xlbd exits 0" "$XLBD_RC" 0
is "SIGTERM: xlb still attached" "$(netns_xdp_mode lb "$NETNS_DEV")" 1
check "SIGTERM: maps still pinned" test -e "$XLB_PIN_DIR/xlb_vips"
vip_batch 100
out=$VB_OUT
split_even "no daemon" "$out" 100

xlbd_start --detach-on-exit
wait_states "$WEB1=up $WEB2=up" 3000
check "--detach-on-exit: xlbd runs" kill -0 "$XLBD_PID"
# Give it time to be fully up (it may have found the backends up in the maps at once).
sleep 0.5
xlbd_signal TERM
is "--detach-on-exit: SIGTERM exits 0" "$XLBD_RC" 0
is "--detach-on-exit: no XDP program on $NETNS_DEV" "$(netns_xdp_mode lb "$NETNS_DEV")" ""
before1=$(wc -l <"$(netns_nginx_dir web1)/access.log")
before2=$(wc -l <"$(netns_nginx_dir web2)/access.log")
vip_batch 20
out=$VB_OUT
is "--detach-on-exit: no request to the VIP answered" "$(grep -c ' 200$' <<<"$out")" 0
is "--detach-on-exit: the backends saw none of them" \
	"$(wc -l <"$(netns_nginx_dir web1)/access.log") $(wc -l <"$(netns_nginx_dir web2)/access.log")" \
	"$before1 $before2"

tap_done
