#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# xlbd drives xlb-sqlproxy (issue 4): a real MariaDB primary and replica, the splitter with
# both servers offline, and xlbd with a [mysql] section pushing roles and lag to the
# splitter's admin socket. Roles appear; the replica's threads stopped (all, or the SQL
# thread) make it offline and started again a replica; a lagging replica's lag is pushed; a
# hung node is offline by the check's deadline while the other is still checked; read_only
# flipped both ways moves the primary; a restarted splitter is healed; metrics and /status
# show it all. A second splitter has its admin on TCP (127.0.0.1:23371, clients on 23372):
# xlbd drives it as the Unix one, and its counters (`show stats`) are in xlbd's /metrics
# (xlb_sqlproxy_*), following the reads sent through it, kept once it is gone. TAP.
#
# xlbd needs an interface to attach xlb to: everything runs in one network namespace of its
# own (prefix xlbm-, 10.23.0.0/24), MariaDB, splitter and xlbd on that namespace's loopback,
# so no port here can collide with another test. The script re-runs itself inside it.
# XLBD=PATH, SQLPROXY=PATH and XLB=PATH run other builds; XLBM_SHOW_LOG=1 shows xlbd's log
# (it is shown anyway when a test fails).
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/lib/tap.sh
source "$ROOT/tests/lib/tap.sh"
# shellcheck source=tests/lib/sqlproxy.sh
source "$ROOT/tests/lib/sqlproxy.sh"
# shellcheck source=tools/netns.sh
source "$ROOT/tools/netns.sh"
# Only the lb's namespace (and the switch its veth hangs on): no clients, no web servers.
NETNS_NODES=lb
NETNS_BACKENDS=
netns_init xlbm- 10.23.0.0/24 fd00:23::/64
export XLBD=${XLBD:-$ROOT/build/xlbd}
export XLB_PIN_DIR=/sys/fs/bpf/xlbm
export SQLPROXY XLB=$NETNS_XLB

# ---- outside: the namespace, then this script again inside it ----------------------------
if [ "${1-}" != inside ]; then
	[ "$(id -u)" = 0 ] || skip_all "needs root (namespaces, XDP, MariaDB)"
	missing=$(sqlp_missing)
	[ -z "$missing" ] || skip_all "needs $missing"
	[ -x "$XLBD" ] || bail "$XLBD missing: run make"
	[ -x "$XLB" ] || bail "$XLB missing: run make"
	command -v curl >/dev/null || skip_all "needs curl"
	if ! mountpoint -q /sys/fs/bpf; then
		mount -t bpf bpf /sys/fs/bpf || bail "cannot mount bpffs"
	fi
	outside_cleanup() {
		netns_down
		rm -rf "$XLB_PIN_DIR"
	}
	trap outside_cleanup EXIT
	# leftovers of an interrupted run of this test (never another's: other prefix)
	outside_cleanup
	netns_up || bail "building the namespace failed"
	nsenter --net="/run/netns/$(netns_name lb)" bash "$0" inside
	exit $?
fi

# ---- inside the lb's namespace -----------------------------------------------------------
INTERVAL_MS=200
METRICS=127.0.0.1:9591
sqlp_init xlbd 23340
CONF=$SQLP_TMP/xlbd.conf
LOG=$SQLP_TMP/xlbd.log
PWFILE=$SQLP_TMP/monitor.pw
XLBD_PID=
DB1=127.0.0.1:$SQLP_PPORT
DB2=127.0.0.1:$SQLP_RPORT
LOCK_PID=
# the splitter with a TCP admin
TCP_ADMIN=127.0.0.1:23371
TCP_PORT=23372
TCP_CONF=$SQLP_TMP/sqlproxy-tcp.conf
TCP_PID=

cleanup() {
	[ -n "$LOCK_PID" ] && kill "$LOCK_PID" 2>/dev/null
	[ -n "$TCP_PID" ] && kill "$TCP_PID" 2>/dev/null
	if [ -n "$XLBD_PID" ] && kill -0 "$XLBD_PID" 2>/dev/null; then
		kill -KILL "$XLBD_PID" 2>/dev/null
		wait "$XLBD_PID" 2>/dev/null
	fi
	"$XLB" detach "$NETNS_DEV" >/dev/null 2>&1
	sqlp_cleanup
}
trap cleanup EXIT

now_ms() {
	local t=${EPOCHREALTIME//[.,]/}
	echo $((t / 1000))
}

# roles [ADMIN]: "db1=ROLE db2=ROLE" as the splitter (by default the Unix one) has them.
roles() {
	sqlp_admin_at "${1:-$SQLP_ADMIN}" show servers 2>/dev/null | awk -F'\t' '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		{ printf "%s%s=%s", sep, $(col["name"]), $(col["role"]); sep = " " }'
}

# wait_roles WANT MAX_MS [ADMIN]: polls the splitter every 50 ms until its roles are WANT;
# sets WAITED_MS; 1 after MAX_MS, saying what it saw.
wait_roles() {
	local want=$1 max=$2 at=${3-} t0 now got
	t0=$(now_ms)
	while :; do
		got=$(roles "$at")
		now=$(now_ms)
		if [ "$got" = "$want" ]; then
			WAITED_MS=$((now - t0))
			return 0
		fi
		[ $((now - t0)) -ge "$max" ] && break
		sleep 0.05
	done
	diag "waited $max ms for '$want', the splitter has '$got'"
	return 1
}

# check_roles NAME WANT [MAX_MS [ADMIN]]: one test point: the splitter gets WANT within MAX_MS
# (default: ten intervals).
check_roles() {
	local ok=0
	wait_roles "$2" "${3:-$((10 * INTERVAL_MS))}" "${4-}" || ok=1
	if [ $ok = 0 ]; then
		ok "$1: $2 (after $WAITED_MS ms)"
	else
		fail "$1: $2"
		diag "xlbd's last lines:"
		tail -n 5 "$LOG" | sed 's/^/#   /'
	fi
}

# lag_of NAME: the lag the splitter has for NAME.
lag_of() { sqlp_server_field "$1" lag; }

# log_count TEXT: lines of xlbd's log that contain TEXT.
log_count() { grep -cF -- "$1" "$LOG"; }

# scrape PATH FILE: GET http://$METRICS/PATH; prints the HTTP status.
scrape() {
	curl -s --noproxy '*' --max-time 3 -o "$2" -w '%{http_code}' "http://$METRICS$1" 2>/dev/null
}

# metric FILE SERIES: the value of the exact series line (name and labels), or nothing.
metric() { awk -v s="$2" '$1 == s { print $2 }' "$1"; }

# splitter_conf: tests/lib/sqlproxy.sh's config with both servers offline: the roles are
# xlbd's to set.
splitter_conf() {
	sqlp_write_conf
	sed -i 's/^role = .*/role = offline/' "$SQLP_CONF"
}

# splitter_start: the splitter up and answering on its admin socket, or 1.
splitter_start() {
	"$SQLPROXY" -c "$SQLP_CONF" --foreground >>"$SQLP_LOG" 2>&1 &
	SQLP_PID=$!
	for _ in $(seq 100); do
		kill -0 "$SQLP_PID" 2>/dev/null || break
		[ -S "$SQLP_ADMIN" ] && sqlp_admin show servers >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	tail -n 20 "$SQLP_LOG" | sed 's/^/# sqlproxy: /'
	return 1
}

splitter_stop() {
	kill "$SQLP_PID" 2>/dev/null
	wait "$SQLP_PID" 2>/dev/null
	SQLP_PID=
}

# tcp_splitter_start: the second splitter, admin on TCP, both servers offline; or 1.
tcp_splitter_start() {
	sed -e "s/^listen = .*/listen = 127.0.0.1:$TCP_PORT/" -e "s|^admin = .*|admin = $TCP_ADMIN|" \
		"$SQLP_CONF" >"$TCP_CONF"
	chmod 600 "$TCP_CONF"
	"$SQLPROXY" -c "$TCP_CONF" --foreground >>"$SQLP_TMP/sqlproxy-tcp.log" 2>&1 &
	TCP_PID=$!
	for _ in $(seq 100); do
		kill -0 "$TCP_PID" 2>/dev/null || break
		sqlp_admin_at "$TCP_ADMIN" show servers >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	tail -n 20 "$SQLP_TMP/sqlproxy-tcp.log" | sed 's/^/# sqlproxy-tcp: /'
	return 1
}

# tcp_reads N: N reads (SELECT, one statement each) through the TCP splitter in one session.
tcp_reads() {
	local sql="" i
	for i in $(seq "$1"); do sql+="SELECT $i; "; done
	timeout 20 "$MARIADB_CLIENT" --no-defaults -h127.0.0.1 -P"$TCP_PORT" -uapp -papp-secret \
		-N -B -e "$sql" >/dev/null
}

xlbd_conf() {
	cat <<EOF
# written by tests/sql/test_xlbd_mysql.sh
[lb]
interface = $NETNS_DEV
mode = native
metrics = $METRICS

[mysql]
node = $DB1
node = $DB2
user = monitor
password_file = $PWFILE
interval = ${INTERVAL_MS}ms
splitter = $SQLP_ADMIN
splitter = $TCP_ADMIN
EOF
}

# ---- set-up ------------------------------------------------------------------------------
ip link set dev lo up
mariadb_pair_start "$SQLP_TMP/db" "$SQLP_PPORT" "$SQLP_RPORT" || bail "MariaDB pair did not start"
mariadb_sql db1 "CREATE TABLE xlbtest.t (id INT PRIMARY KEY AUTO_INCREMENT, v INT)" ||
	bail "cannot create the test table"
mariadb_wait_replica || bail "the replica did not catch up"
splitter_conf
splitter_start || bail "xlb-sqlproxy did not start"
is "the splitter starts with both servers offline" "$(roles)" "db1=offline db2=offline"
tcp_splitter_start || bail "xlb-sqlproxy with a TCP admin did not start"
is "the TCP splitter starts with both servers offline" "$(roles "$TCP_ADMIN")" \
	"db1=offline db2=offline"
echo monitor-pw >"$PWFILE"
xlbd_conf >"$CONF"
: >"$LOG"
"$XLBD" -c "$CONF" --foreground >>"$LOG" 2>&1 &
XLBD_PID=$!

# ---- roles -------------------------------------------------------------------------------
check_roles "xlbd pushes the roles" "db1=primary db2=replica" 5000
check_roles "xlbd pushes the roles over TCP" "db1=primary db2=replica" 5000 "$TCP_ADMIN"
is "the replica's lag is pushed over TCP: 0" \
	"$(sqlp_admin_at "$TCP_ADMIN" show servers | awk -F'\t' '$1 == "db2" { print $4 }')" 0
is "the replica's lag is pushed: 0" "$(lag_of db2)" 0
is "the primary's role is logged once" "$(log_count "mysql node $DB1: primary")" 1
is "the replica's role is logged once" "$(log_count "mysql node $DB2: replica")" 1
lines=$(wc -l <"$LOG")
sleep $((5 * INTERVAL_MS / 1000)).$((5 * INTERVAL_MS % 1000))
is "nothing more is logged while nothing changes (5 intervals)" "$(wc -l <"$LOG")" "$lines"

code=$(scrape /metrics "$SQLP_TMP/metrics")
is "/metrics: 200" "$code" 200
is "metrics: db1 up" "$(metric "$SQLP_TMP/metrics" "xlb_mysql_node_up{node=\"$DB1\"}")" 1
is "metrics: db1 primary" \
	"$(metric "$SQLP_TMP/metrics" "xlb_mysql_node_role{node=\"$DB1\",role=\"primary\"}")" 1
is "metrics: db2 not primary" \
	"$(metric "$SQLP_TMP/metrics" "xlb_mysql_node_role{node=\"$DB2\",role=\"primary\"}")" 0
is "metrics: db2 replica" \
	"$(metric "$SQLP_TMP/metrics" "xlb_mysql_node_role{node=\"$DB2\",role=\"replica\"}")" 1
is "metrics: db2's lag" \
	"$(metric "$SQLP_TMP/metrics" "xlb_mysql_node_lag_seconds{node=\"$DB2\"}")" 0
is "metrics: the splitter is up" \
	"$(metric "$SQLP_TMP/metrics" "xlb_mysql_splitter_up{splitter=\"$SQLP_ADMIN\"}")" 1
is "metrics: no push error" "$(metric "$SQLP_TMP/metrics" \
	"xlb_mysql_splitter_push_errors_total{splitter=\"$SQLP_ADMIN\"}")" 0
is "metrics: the TCP splitter is up" \
	"$(metric "$SQLP_TMP/metrics" "xlb_mysql_splitter_up{splitter=\"$TCP_ADMIN\"}")" 1
is "metrics: no push error over TCP" "$(metric "$SQLP_TMP/metrics" \
	"xlb_mysql_splitter_push_errors_total{splitter=\"$TCP_ADMIN\"}")" 0
for fam in "sessions_open gauge" "sessions_total counter" "statements_total counter" \
	"errors_total counter" "auth_failures_total counter" "protocol_errors_total counter" \
	"causal_waits_total counter" "causal_fallbacks_total counter" \
	"server_queries_total counter" "server_errors_total counter"; do
	check "metrics: # TYPE xlb_sqlproxy_$fam" grep -qxF "# TYPE xlb_sqlproxy_$fam" \
		"$SQLP_TMP/metrics"
done
for sp in "$SQLP_ADMIN" "$TCP_ADMIN"; do
	check "metrics: xlb_sqlproxy_sessions_open{splitter=\"$sp\"}" test -n "$(metric \
		"$SQLP_TMP/metrics" "xlb_sqlproxy_sessions_open{splitter=\"$sp\"}")"
done

# Reads through the TCP splitter: its read counter in xlbd's metrics goes up by exactly as
# many, within a few push intervals, and agrees with the splitter's own `show stats`.
READS_SERIES="xlb_sqlproxy_server_queries_total{splitter=\"$TCP_ADMIN\",server=\"db2\",kind=\"read\"}"
STMTS_SERIES="xlb_sqlproxy_statements_total{splitter=\"$TCP_ADMIN\"}"
scrape /metrics "$SQLP_TMP/metrics" >/dev/null
reads0=$(metric "$SQLP_TMP/metrics" "$READS_SERIES")
stmts0=$(metric "$SQLP_TMP/metrics" "$STMTS_SERIES")
check "metrics: the TCP splitter's reads of db2 ($reads0)" test -n "$reads0"
tcp_reads 7 || diag "the reads through the TCP splitter failed"
t0=$(now_ms)
reads=$reads0
while [ $(($(now_ms) - t0)) -lt $((10 * INTERVAL_MS)) ]; do
	scrape /metrics "$SQLP_TMP/metrics" >/dev/null
	reads=$(metric "$SQLP_TMP/metrics" "$READS_SERIES")
	[ "${reads:-0}" -ge $((${reads0:-0} + 7)) ] && break
	sleep 0.05
done
is "metrics: 7 reads through the TCP splitter: its db2 reads + 7 (within 10 intervals)" \
	"$((${reads:-0} - ${reads0:-0}))" 7
sleep $((2 * INTERVAL_MS / 1000)).$((2 * INTERVAL_MS % 1000))
scrape /metrics "$SQLP_TMP/metrics" >/dev/null
is "metrics: and not more two intervals later" \
	"$(($(metric "$SQLP_TMP/metrics" "$READS_SERIES") - ${reads0:-0}))" 7
# every client command counts: the 7 SELECTs and the client's COM_QUIT
is "metrics: statements + 8 (7 SELECTs, 1 COM_QUIT)" \
	"$(($(metric "$SQLP_TMP/metrics" "$STMTS_SERIES") - ${stmts0:-0}))" 8
is "metrics: the same as the splitter's show stats" \
	"$(metric "$SQLP_TMP/metrics" "$READS_SERIES")" \
	"$(sqlp_admin_at "$TCP_ADMIN" show stats | awk '$1 == "reads.db2" { print $2 }')"
code=$(scrape /status "$SQLP_TMP/status")
is "/status: 200" "$code" 200
out=$(python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))["mysql"]
print(" ".join("%s=%s,up=%s,ro=%s" % (n["address"], n["role"], n["up"], n["read_only"])
               for n in m["nodes"]), " ".join("%s" % s["reachable"] for s in m["splitters"]))
' "$SQLP_TMP/status" 2>&1)
is "/status: the nodes and the splitter" "$out" \
	"$DB1=primary,up=True,ro=False $DB2=replica,up=True,ro=True True True"
out=$(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["mysql"]["splitters"][1]
print(s["path"], s["stats"]["sessions_open"] >= 0,
      sorted(x["name"] for x in s["stats"]["servers"]))
' "$SQLP_TMP/status" 2>&1)
is "/status: the TCP splitter's stats" "$out" "$TCP_ADMIN True ['db1', 'db2']"

# ---- replication stopped and started -----------------------------------------------------
mariadb_sql db2 "STOP SLAVE"
check_roles "STOP SLAVE on db2: offline" "db1=primary db2=offline"
check "the reason is logged" grep -qF "mysql node $DB2: offline, was replica: replication IO \
thread and SQL thread not running" "$LOG"
mariadb_sql db2 "START SLAVE"
check_roles "START SLAVE on db2: a replica again" "db1=primary db2=replica"

mariadb_sql db2 "STOP SLAVE SQL_THREAD"
check_roles "STOP SLAVE SQL_THREAD on db2 (a stopped replica): offline" "db1=primary db2=offline"
check "the reason is logged" grep -qF "replication SQL thread not running" "$LOG"
mariadb_sql db2 "START SLAVE SQL_THREAD"
check_roles "START SLAVE SQL_THREAD: a replica again" "db1=primary db2=replica"

# ---- lag ---------------------------------------------------------------------------------
# A lock on the replica holds the SQL thread on a write from the primary: both threads run,
# Seconds_Behind_Master grows, and the splitter is told.
mariadb_sql db2 "LOCK TABLES xlbtest.t WRITE; DO SLEEP(10)" >/dev/null 2>&1 &
LOCK_PID=$!
sleep 0.3
mariadb_sql db1 "INSERT INTO xlbtest.t (v) VALUES (1)"
t0=$(now_ms)
lag=0
while [ $(($(now_ms) - t0)) -lt 8000 ]; do
	lag=$(lag_of db2)
	[ "${lag:-0}" -ge 2 ] && break
	sleep 0.05
done
check "a lagging replica's lag is pushed (saw $lag s)" test "${lag:-0}" -ge 2
is "a lagging replica is still a replica" "$(roles)" "db1=primary db2=replica"
# the lock goes with its connection
id=$(mariadb_sql db2 "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'DO SLEEP%'")
[ -n "$id" ] && mariadb_sql db2 "KILL $id"
wait "$LOCK_PID" 2>/dev/null
LOCK_PID=
mariadb_wait_replica
t0=$(now_ms)
while [ "$(lag_of db2)" != 0 ] && [ $(($(now_ms) - t0)) -lt 3000 ]; do sleep 0.05; done
is "caught up: lag 0 again" "$(lag_of db2)" 0

# ---- a node that hangs -------------------------------------------------------------------
# Stopped (SIGSTOP): connections are accepted by the kernel and never answered. Its checks end
# at their deadline; db1's go on.
kill -STOP "$(sqlp_node_pid db2)"
check_roles "db2 hangs: offline by the check's deadline" "db1=primary db2=offline"
check "the deadline is the reason" grep -qF "mysql node $DB2: offline, was replica: \
unreachable: no answer within" "$LOG"
mariadb_sql db1 "SET GLOBAL read_only = 1"
check_roles "db1 is still checked while db2 hangs (read_only: offline)" \
	"db1=offline db2=offline"
mariadb_sql db1 "SET GLOBAL read_only = 0"
kill -CONT "$(sqlp_node_pid db2)"
check_roles "db2 answers again: back as a replica" "db1=primary db2=replica" 5000

# ---- read_only flipped ---------------------------------------------------------------
mariadb_sql db1 "SET GLOBAL read_only = 1"
mariadb_sql db2 "SET GLOBAL read_only = 0"
check_roles "read_only flipped (db1 1, db2 0): db2 primary, db1 offline" \
	"db1=offline db2=primary"
check "db2's promotion is logged" grep -qF "mysql node $DB2: primary, was " "$LOG"
mariadb_sql db2 "SET GLOBAL read_only = 1"
mariadb_sql db1 "SET GLOBAL read_only = 0"
check_roles "and back: db1 primary, db2 replica" "db1=primary db2=replica"

# ---- both writable ---------------------------------------------------------------------
n=$(log_count "nodes are writable")
mariadb_sql db2 "SET GLOBAL read_only = 0"
sleep $((3 * INTERVAL_MS / 1000)).$((3 * INTERVAL_MS % 1000))
check_roles "both writable: db1 stays primary (db2 replicates from it), db2 offline" \
	"db1=primary db2=offline"
sleep $((3 * INTERVAL_MS / 1000)).$((3 * INTERVAL_MS % 1000))
is "both writable: warned once" "$(log_count "nodes are writable")" $((n + 1))
mariadb_sql db2 "SET GLOBAL read_only = 1"
check_roles "db2 read-only again: a replica" "db1=primary db2=replica"

# ---- connections lost ----------------------------------------------------------------
# The monitor's kept connection to db1 killed on the server: the next check opens a new one
# within the same check, so db1 never looks down.
n=$(log_count "mysql node $DB1: ")
monitor_conns() {
	mariadb_sql db1 "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'monitor'"
}
for id in $(monitor_conns); do
	mariadb_sql db1 "KILL $id"
done
sleep $((5 * INTERVAL_MS / 1000)).$((5 * INTERVAL_MS % 1000))
is "the monitor's connection killed on db1: db1 stays primary, nothing logged" \
	"$(log_count "mysql node $DB1: ")" "$n"
is "and a new connection was opened" "$(monitor_conns | grep -c .)" 1

# db2 killed (-9) and started again: offline while it is gone; a replica once it is back
# and read-only again (read_only is not in its config).
sqlp_node_kill db2
check_roles "db2 killed: offline" "db1=primary db2=offline"
check "db2 is unreachable" grep -qF "mysql node $DB2: offline, was replica: unreachable: " "$LOG"
sqlp_node_restart db2 || bail "db2 did not start again"
mariadb_sql db2 "SET GLOBAL read_only = 1"
check_roles "db2 restarted: a replica again" "db1=primary db2=replica" 5000

# ---- the splitter restarts ---------------------------------------------------------------
n=$(log_count "cannot push roles")
splitter_stop
sleep $((4 * INTERVAL_MS / 1000)).$((4 * INTERVAL_MS % 1000))
is "an unreachable splitter is logged once" "$(log_count "cannot push roles")" $((n + 1))
splitter_start || bail "xlb-sqlproxy did not start again"
check_roles "a restarted splitter gets the roles again" "db1=primary db2=replica"
check "and it is said to be back" grep -qF "splitter $SQLP_ADMIN: reachable again" "$LOG"
code=$(scrape /metrics "$SQLP_TMP/metrics")
errors=$(metric "$SQLP_TMP/metrics" \
	"xlb_mysql_splitter_push_errors_total{splitter=\"$SQLP_ADMIN\"}")
check "metrics: the failed pushes are counted ($errors)" test "${errors:-0}" -ge 1

# ---- reload ------------------------------------------------------------------------------
n=$(log_count "mysql: ")
kill -HUP "$XLBD_PID"
sleep 0.5
check "SIGHUP with the same [mysql]: the monitor goes on undisturbed" \
	test "$(log_count "mysql: ")" = "$n"
xlbd_conf | sed "s/^node = $DB2\$//" >"$CONF"
kill -HUP "$XLBD_PID"
sleep 0.5
check "SIGHUP with another [mysql]: the monitor restarts" \
	grep -qF "mysql: restarting with the new [mysql] section" "$LOG"
mariadb_sql db2 "STOP SLAVE"
sleep $((5 * INTERVAL_MS / 1000)).$((5 * INTERVAL_MS % 1000))
is "a node no longer configured is no longer pushed" "$(roles)" "db1=primary db2=replica"
mariadb_sql db2 "START SLAVE"

# ---- the TCP splitter goes away ----------------------------------------------------------
kill "$TCP_PID" 2>/dev/null
wait "$TCP_PID" 2>/dev/null
TCP_PID=
sleep $((3 * INTERVAL_MS / 1000)).$((3 * INTERVAL_MS % 1000))
scrape /metrics "$SQLP_TMP/metrics" >/dev/null
is "metrics: a TCP splitter gone: xlb_mysql_splitter_up 0" \
	"$(metric "$SQLP_TMP/metrics" "xlb_mysql_splitter_up{splitter=\"$TCP_ADMIN\"}")" 0
check "metrics: its last counters are kept" test -n "$(metric "$SQLP_TMP/metrics" "$READS_SERIES")"
check "it is logged" grep -qF "splitter $TCP_ADMIN: cannot push roles: " "$LOG"

# ---- the end -----------------------------------------------------------------------------
kill -TERM "$XLBD_PID"
rc=0
for _ in $(seq 100); do kill -0 "$XLBD_PID" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$XLBD_PID" 2>/dev/null; then rc=124; else wait "$XLBD_PID" || rc=$?; fi
XLBD_PID=
is "xlbd stops on SIGTERM, exit 0" "$rc" 0
is "the splitter refused no command" "$(log_count "refused: ")" 0
if [ "$tap_failed" != 0 ] || [ -n "${XLBM_SHOW_LOG-}" ]; then
	sed 's/^/# xlbd: /' "$LOG"
fi
tap_done
