#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The whole site as the lab (issue 5), brought up the way a newcomer does it: `make lab`, with
# its own prefix, networks and pin dir (xlbl-, 10.24.0.0/24, fd00:24::/64, /sys/fs/bpf/xlbl)
# so that it runs beside a user's lab. Then: HTTPS through the VIP, CA-verified, split over
# web1 and web2; a note posted and read back; nginx stopped on web1 (traffic moves within the
# health check's bound, nothing fails after it) and started again; the replica's MariaDB
# stopped (the API answers from the primary) and started again; `make lab` again changes
# nothing; `make lab-down` leaves nothing behind. TAP.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/lib/tap.sh
source "$ROOT/tests/lib/tap.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (namespaces, XDP, MariaDB)"
for c in nginx mariadbd mariadb curl openssl python3 make; do
	command -v "$c" >/dev/null || [ -x "/usr/sbin/$c" ] || skip_all "needs $c (make deps)"
done

export LAB_PREFIX=xlbl- LAB_NET4=10.24.0.0/24 LAB_NET6=fd00:24::/64
export XLB_PIN_DIR=/sys/fs/bpf/xlbl
# shellcheck source=tools/netns.sh
source "$ROOT/tools/netns.sh"
netns_init "$LAB_PREFIX" "$LAB_NET4" "$LAB_NET6"
RUN=$NETNS_RUNDIR
CA=$RUN/ca/ca.crt
VIP=$NETNS_VIP4
XLB=$ROOT/build/xlb
TMP=$(mktemp -d /tmp/xlbl-test.XXXXXX)
# The health check of the site (tools/roles/lb.sh): interval 250 ms, timeout 200 ms, fall 3.
BOUND_MS=$((3 * 250 + 200))
SLACK_MS=750
LOOP_PID=

cleanup() {
	[ -n "$LOOP_PID" ] && kill "$LOOP_PID" 2>/dev/null
	make -C "$ROOT" lab-down >/dev/null 2>&1 || "$ROOT/tools/lab.sh" down >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT

now_ms() {
	local t=${EPOCHREALTIME//[.,]/}
	echo $((t / 1000))
}

# ccurl ARGS...: curl on the client with the lab CA and the lab's names.
ccurl() {
	netns_exec client curl -s --noproxy '*' --cacert "$CA" --connect-timeout 2 --max-time 5 \
		--resolve "vip.xlb.lab:443:$VIP" "$@"
}

# batch COUNT URL: COUNT requests from the client, one connection each, 8 at a time, CA
# verified; "BODY CODE" a line (" 000" when one failed).
batch() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	seq "$1" | netns_exec client xargs -P 8 -n 1 sh -c \
		'r=$(curl -s --noproxy "*" --cacert "$1" --resolve "vip.xlb.lab:443:$2" \
			--connect-timeout 2 --max-time 5 -w "%{http_code}" "$3" 2>/dev/null); echo $r' \
		sh "$CA" "$VIP" "$2"
}

# split NAME COUNT URL MIN: COUNT requests all answered, each web server at least MIN.
split() {
	local out w1 w2
	out=$(batch "$2" "$3")
	w1=$(netns_count web1 <<<"$out")
	w2=$(netns_count web2 <<<"$out")
	is "$1: all $2 answered 200" "$((w1 + w2))" "$2"
	check "$1: web1 ($w1) and web2 ($w2) both got >= $4" test "$w1" -ge "$4" -a "$w2" -ge "$4"
}

# health_of BACKEND_ADDR: the health xlbd gave that backend on the HTTPS VIP.
health_of() {
	netns_exec lb "$XLB" backend list "$VIP:443/tcp" --json 2>/dev/null | python3 -c '
import json, sys
for b in json.load(sys.stdin):
    if b["backend"] == sys.argv[1]:
        print(b["health"])' "$1"
}

# wait_health ADDR WANT MAX_MS: sets WAITED_MS; 1 when ADDR's health is not WANT by MAX_MS.
wait_health() {
	local t0
	t0=$(now_ms)
	while [ "$(health_of "$1")" != "$2" ]; do
		[ $(($(now_ms) - t0)) -ge "$3" ] && return 1
		sleep 0.05
	done
	WAITED_MS=$(($(now_ms) - t0))
}

# role NODE SCRIPT: the node's role `up` again, as `make lab` runs it.
role_up() {
	netns_exec "$1" env NODE="$1" SITE_FILE="$RUN/site.env" bash "$ROOT/tools/roles/$2.sh" up
}

# whoami_id NODE: db_server_id of /api/whoami on that web server's own address.
whoami_id() {
	ccurl --resolve "$1.xlb.lab:443:${NETNS_IP4[$1]}" "https://$1.xlb.lab/api/whoami" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["db_server_id"])' 2>/dev/null
}

# wait_backends_up N SECONDS: xlbd has N backends healthy.
wait_backends_up() {
	for _ in $(seq $(($2 * 10))); do
		[ "$(netns_exec lb "$XLB" backend list --json 2>/dev/null | python3 -c '
import json, sys
print(sum(1 for b in json.load(sys.stdin) if b["health"] == "up"))' 2>/dev/null)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# wait_whoami NODE WANT SECONDS: whoami_id NODE becomes WANT.
wait_whoami() {
	for _ in $(seq $(($3 * 10))); do
		[ "$(whoami_id "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# site_pids: the pids of every daemon of the lab, from their pid files, one line.
site_pids() {
	local f
	for f in web1/nginx/nginx.pid web1/mariadb/pid web1/sqlproxy.pid web1/appd.pid \
		web2/nginx/nginx.pid web2/mariadb/pid web2/sqlproxy.pid web2/appd.pid lb/xlbd.pid; do
		printf '%s=%s ' "$f" "$(cat "$RUN/$f" 2>/dev/null)"
	done
}

# lab_procs: processes that belong to this lab (their command line names its run directory).
lab_procs() { pgrep -f -- "$RUN/" | tr '\n' ' '; }

# daemon_pids: every daemon's pid and its children's (nginx's workers), one line.
daemon_pids() {
	local p
	for p in $(site_pids | tr ' ' '\n' | cut -d= -f2); do
		echo "$p $(pgrep -P "$p" | tr '\n' ' ')"
	done | tr '\n' ' '
}

# alive PID...: those that still run (a zombie, waiting for init to reap it, does not).
alive() {
	local p st
	for p in "$@"; do
		st=$(cat "/proc/$p/stat" 2>/dev/null) || continue
		st=${st##*) }
		[ "${st%% *}" = Z ] || printf '%s ' "$p"
	done
}

# primary_sql SQL: on web1's MariaDB directly, as root through its socket.
primary_sql() {
	mariadb --no-defaults --socket="$RUN/web1/mariadb/sock" -uroot -N -B -e "$1"
}

# ---- make lab ---------------------------------------------------------------------------
# Leftovers of an interrupted run (never another lab's: other prefix, other pins).
"$ROOT/tools/lab.sh" down >/dev/null 2>&1
# Ctrl-C in the middle of the first run (somewhere in the web roles): the next run finishes
# the job.
timeout -s INT 3 make -C "$ROOT" lab >"$TMP/lab0.log" 2>&1
diag "make lab interrupted after 3 s at: $(grep -v '^make' "$TMP/lab0.log" | tail -n 1)"
t0=$(now_ms)
make -C "$ROOT" lab >"$TMP/lab1.log" 2>&1
rc=$?
diag "make lab after it took $(($(now_ms) - t0)) ms"
if ! is "make lab (LAB_PREFIX=$LAB_PREFIX) exits 0" "$rc" 0; then
	tail -n 30 "$TMP/lab1.log" | sed 's/^/# /'
	bail "the lab did not come up"
fi
check "make lab shows the HTTPS split with no failure" \
	grep -qE '^ +web1: [0-9]+ +web2: [0-9]+ +failed: 0$' "$TMP/lab1.log"
check "make lab shows the note on the primary" grep -q 'on the primary .*: [0-9]' "$TMP/lab1.log"
check "make lab ends with how to look around" grep -q 'xlb top' "$TMP/lab1.log"
# The POST it shows, as printed, in a shell on the client (the way the output says).
post=$(grep -F -- "-d '{\"text\"" "$TMP/lab1.log" | sed 's/^ *//')
check "the POST of the look-around, copied as printed, writes a note" \
	grep -qE '^\{"id":[0-9]+' <<<"$(netns_exec client bash -c "$post" 2>/dev/null)"

# ---- HTTPS through the VIP --------------------------------------------------------------
split "HTTPS via the VIP, CA verified" 40 "https://vip.xlb.lab/node" 15
split "HTTP via the VIP" 20 "http://$VIP/node" 7
check "HTTPS via the IPv6 VIP" grep -qxE 'web[12]' <<<"$(ccurl "https://[$NETNS_VIP6]/node")"
netns_exec client curl -s --noproxy '*' --max-time 5 -o /dev/null "https://$VIP/node"
is "without the lab CA the certificate is refused (curl exit 60)" "$?" 60
# One pool, one TLS identity: a session made with web1 resumes on web2, as a client's next
# connection through the VIP may land there (TLS 1.3 tickets arrive after the handshake: the
# client stays a moment to read them).
tls_session() {
	sleep 0.5 | netns_exec client openssl s_client -connect "$1:443" -servername vip.xlb.lab \
		-CAfile "$CA" -verify_return_error "${@:2}" 2>/dev/null
}
tls_session "${NETNS_IP4[web1]}" -sess_out "$TMP/tls.sess" >/dev/null
check "a TLS session from web1 resumes on web2 (shared certificate and ticket key)" \
	grep -q '^Reused,' <<<"$(tls_session "${NETNS_IP4[web2]}" -sess_in "$TMP/tls.sess")"
out=$(ccurl -o /dev/null -w '%{http_code} %{content_type}' "https://vip.xlb.lab/")
is "the application page through the VIP" "$out" "200 text/html"
for f in app.js:application/javascript style.css:text/css; do
	out=$(ccurl -o /dev/null -w '%{http_code} %{content_type}' "https://vip.xlb.lab/${f%%:*}")
	is "its ${f%%:*} through the VIP" "$out" "200 ${f#*:}"
done
# nginx's workers are not root: the page must be where they can read it, wherever the source
# tree is (a checkout under /root is not theirs).
user=$(ps -o user= --ppid "$(cat "$RUN/web1/nginx/nginx.pid")" | head -n 1)
www=$(sed -n 's/^[[:space:]]*root \(.*\);$/\1/p' "$RUN/web1/nginx/nginx.conf")
check "nginx's workers ($user) can read the page ($www) without the source tree" \
	sh -c "case '$www' in '$RUN'/*) ;; *) exit 1 ;; esac &&
		setpriv --reuid='$user' --regid=nogroup --clear-groups cat '$www/index.html' >/dev/null"

# ---- a note posted and read back ----------------------------------------------------------
# One curl, two requests on one kept-alive connection: the same flow, the same web server,
# the same appd, so the read follows the write (causal reads in the splitter).
text="lab test note $$ $(now_ms)"
out=$(ccurl -H 'Content-Type: application/json' --data "{\"text\": \"$text\"}" \
	-o "$TMP/post.json" -w '%{http_code} %{num_connects}\n' "https://vip.xlb.lab/api/notes" \
	--next --cacert "$CA" --resolve "vip.xlb.lab:443:$VIP" -o "$TMP/list.json" \
	-w '%{http_code} %{num_connects}\n' "https://vip.xlb.lab/api/notes")
is "POST then GET on one connection: 201 on a new connection, 200 on the same" \
	"${out//$'\n'/ }" "201 1 200 0"
check "POST /api/notes answers the note's id" grep -qE '"id":[0-9]+' "$TMP/post.json"
check "GET /api/notes right after it has the note" grep -qF "\"text\":\"$text\"" "$TMP/list.json"
is "the note is on the primary" "$(primary_sql "SELECT COUNT(*) FROM notes.notes WHERE text = '$text'")" 1
out=$(ccurl -H 'Content-Type: application/json' --data '{"text": "unterminated' \
	-o "$TMP/bad.json" -w '%{http_code} %{content_type}' "https://vip.xlb.lab/api/notes")
is "malformed JSON through nginx: 400, JSON" "$out" "400 application/json"
check "with an error message" grep -q '^{"error":"' "$TMP/bad.json"
# ---- nginx stopped on web1 ----------------------------------------------------------------
# Requests one after another over new connections while nginx on web1 stops: those that
# reach web1 before xlbd takes it out fail; none may fail after the check's bound.
# shellcheck disable=SC2016 # expanded by the inner shell
netns_exec client bash -c '
	end=$((SECONDS + 6))
	while [ $SECONDS -lt $end ]; do
		r=$(curl -s --noproxy "*" --cacert "$1" --resolve "vip.xlb.lab:443:$2" \
			--connect-timeout 1 --max-time 2 -w " %{http_code}" https://vip.xlb.lab/node)
		t=${EPOCHREALTIME//[.,]/}
		echo "$((t / 1000)) $(echo $r)"
	done' sh "$CA" "$VIP" >"$TMP/loop.out" 2>/dev/null &
LOOP_PID=$!
sleep 0.5
t_stop=$(now_ms)
kill -TERM "$(cat "$RUN/web1/nginx/nginx.pid")"
if wait_health "${NETNS_IP4[web1]}" down $((BOUND_MS + SLACK_MS)); then
	ok "web1 is down in xlbd $WAITED_MS ms after nginx stopped (bound $BOUND_MS ms + $SLACK_MS)"
else
	fail "web1 is down in xlbd within $((BOUND_MS + SLACK_MS)) ms"
fi
wait "$LOOP_PID"
LOOP_PID=
total=$(wc -l <"$TMP/loop.out")
late=$(awk -v t=$((t_stop + BOUND_MS + SLACK_MS)) '$1 >= t && $NF != 200' "$TMP/loop.out" | wc -l)
after=$(awk -v t=$((t_stop + BOUND_MS + SLACK_MS)) '$1 >= t' "$TMP/loop.out" | wc -l)
early=$(awk -v t="$t_stop" '$1 >= t && $NF != 200' "$TMP/loop.out" | wc -l)
diag "$total requests while web1 stopped: $early failed before the bound, $after after it"
check "requests went on after the bound ($after)" test "$after" -ge 5
is "no request failed after the bound" "$late" 0
is "after the bound every request went to web2" \
	"$(awk -v t=$((t_stop + BOUND_MS + SLACK_MS)) '$1 >= t && $2 != "web2"' "$TMP/loop.out" | wc -l)" 0
split "with web1's nginx stopped" 20 "https://vip.xlb.lab/node" 0

check "web role up on web1 starts nginx again" quiet role_up web1 web
if wait_health "${NETNS_IP4[web1]}" up 3000; then
	ok "web1 is up again in xlbd after $WAITED_MS ms"
else
	fail "web1 is up again in xlbd within 3 s"
fi
split "web1 back" 40 "https://vip.xlb.lab/node" 15

# ---- the replica's MariaDB stopped --------------------------------------------------------
is "web2 reads from its replica" "$(whoami_id web2)" 2
kill -TERM "$(cat "$RUN/web2/mariadb/pid")"
check "replica stopped: web2's API reads from the primary (whoami db_server_id 1)" \
	wait_whoami web2 1 10
out=$(batch 20 "https://vip.xlb.lab/api/notes" | grep -c ' 200$')
is "replica stopped: 20 GET /api/notes through the VIP, all 200" "$out" 20
is "replica stopped: web2 stays up in xlbd (its appd reaches the primary)" \
	"$(health_of "${NETNS_IP4[web2]}")" up
check "web role up on web2 starts the replica again" quiet role_up web2 web
check "the replica serves web2's reads again" wait_whoami web2 2 10

# ---- make lab again ----------------------------------------------------------------------
pids=$(site_pids)
make -C "$ROOT" lab >"$TMP/lab2.log" 2>&1
is "make lab a second time exits 0" "$?" 0
is "and restarts nothing (same pids)" "$(site_pids)" "$pids"
is "one VIP on the lb's eth0" \
	"$(ip -n "$(netns_name lb)" -4 -o addr show dev eth0 | grep -c " $VIP/")" 1
for n in web1 web2; do
	is "one VIP on $n's lo" "$(ip -n "$(netns_name "$n")" -4 -o addr show dev lo | grep -c " $VIP/")" 1
done
out=$(netns_exec lb "$XLB" backend list --json | python3 -c '
import json, sys, collections
c = collections.Counter(b["vip"] for b in json.load(sys.stdin))
print(" ".join("%s=%d" % kv for kv in sorted(c.items())))')
is "two backends on each of the 4 VIPs" "$out" \
	"$VIP:443/tcp=2 $VIP:80/tcp=2 [$NETNS_VIP6]:443/tcp=2 [$NETNS_VIP6]:80/tcp=2"

# ---- up repairs ----------------------------------------------------------------------------
# nginx's master killed outright: its workers keep :80 and :443; up stops them and starts it.
kill -KILL "$(cat "$RUN/web1/nginx/nginx.pid")"
check "web role up after nginx's master was killed (SIGKILL) starts it again" quiet role_up web1 web
is "and web1 answers on its own address" \
	"$(netns_exec client curl -s --noproxy '*' --max-time 5 "http://${NETNS_IP4[web1]}/node")" web1

# A replica's first start interrupted (a datadir without the notes database): made again.
kill -TERM "$(cat "$RUN/web2/mariadb/pid")"
for _ in $(seq 100); do [ -e "$RUN/web2/mariadb/pid" ] || break; sleep 0.1; done
rm -rf "$RUN/web2/mariadb/data/notes"
check "web role up over an unfinished datadir makes it again" quiet role_up web2 web
check "and the new replica serves web2's reads" wait_whoami web2 2 10

# xlb detached by hand under a running xlbd: up starts xlbd again, which attaches it.
netns_exec lb "$XLB" detach eth0 >/dev/null 2>&1
check "lb role up attaches xlb again" quiet role_up lb lb
check "xlb is on the lb's eth0" sh -c "ip -n '$(netns_name lb)' link show dev eth0 | grep -q prog/xdp"
check "xlbd has the 8 backends up again" wait_backends_up 8 5
split "after xlb came back" 20 "https://vip.xlb.lab/node" 7

# Namespaces deleted by hand: web2's (its daemons run on in it), the client's (gone with its
# link) and then the switch's (every link gone, xlb with the lb's): make lab makes it whole.
web2_pids=$(site_pids | tr ' ' '\n' | grep '^web2/' | tr '\n' ' ')
ip netns del "$(netns_name web2)"
ip netns del "$(netns_name client)"
make -C "$ROOT" lab >"$TMP/lab3.log" 2>&1
is "make lab after web2's and the client's namespaces were deleted exits 0" "$?" 0
check "it names web2's namespace again" grep -q "$(netns_name web2) had been deleted" "$TMP/lab3.log"
is "web2's daemons are the same" "$(site_pids | tr ' ' '\n' | grep '^web2/' | tr '\n' ' ')" "$web2_pids"
check "and its HTTPS split has no failure" grep -qE '^ +web1: [0-9]+ +web2: [0-9]+ +failed: 0$' \
	"$TMP/lab3.log"
ip netns del "$NETNS_SW"
make -C "$ROOT" lab >"$TMP/lab4.log" 2>&1
is "make lab after the switch's namespace was deleted exits 0" "$?" 0
check "and its HTTPS split has no failure" grep -qE '^ +web1: [0-9]+ +web2: [0-9]+ +failed: 0$' \
	"$TMP/lab4.log"

# up fails when what it shows fails: the VIP unreachable from the client.
ip -n "$(netns_name client)" route add blackhole "$VIP/32"
"$ROOT/tools/lab.sh" up >"$TMP/lab5.log" 2>&1
is "lab.sh up exits 1 when the requests through the VIP fail" "$?" 1
check "and says so" grep -q "^lab: 20 of 20 HTTPS requests through the VIP failed" "$TMP/lab5.log"
ip -n "$(netns_name client)" route del blackhole "$VIP/32"

# ---- make lab-down -----------------------------------------------------------------------
# shellcheck disable=SC2046 # a list of pids
set -- $(daemon_pids)
diag "the lab's processes before lab-down: $#"
# Half torn down by hand first: web1's namespace deleted under its daemons.
ip netns del "$(netns_name web1)"
make -C "$ROOT" lab-down >"$TMP/down.log" 2>&1
is "make lab-down (web1's namespace deleted by hand before) exits 0" "$?" 0
is "no namespace of the lab left" "$(ip netns list | awk -v p="$LAB_PREFIX" 'index($1, p) == 1' | wc -l)" 0
is "none of the lab's $# daemon processes is left" "$(alive "$@")" ""
is "no process names the lab's run directory" "$(lab_procs)" ""
check "no pin directory left ($XLB_PIN_DIR)" test ! -e "$XLB_PIN_DIR"
check "no run directory left ($RUN)" test ! -e "$RUN"
make -C "$ROOT" lab-down >"$TMP/down2.log" 2>&1
is "make lab-down again exits 0" "$?" 0
tap_done
