#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# xlb-sqlproxy (issue 4) when servers go away: a replica set offline, lagging past max_lag,
# frozen or killed gets no reads and costs the client nothing (in new sessions and in a
# session that was using it); the primary offline, frozen or killed gives writes a MySQL ERR
# quickly, never a hang, while reads go on. Roles and lag come through the admin socket, as
# xlbd pushes them in the full system. Against a real MariaDB primary and replica. TAP.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/lib/tap.sh
source "$ROOT/tests/lib/tap.sh"
# shellcheck source=tests/lib/sqlproxy.sh
source "$ROOT/tests/lib/sqlproxy.sh"

sqlp_test_begin failover 23310

mariadb_sql db1 "CREATE TABLE xlbtest.f (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(64))" ||
	bail "cannot create the test table"
mariadb_wait_replica || bail "the replica does not follow the primary"

# reads_on N: N new sessions each reading @@server_id; prints the distinct answers, or FAIL
# when one failed.
reads_on() {
	local i out all=
	for i in $(seq "$1"); do
		out=$(sqlp_q "SELECT @@server_id" 2>&1) || out=FAIL
		all+="$out"$'\n'
	done
	sort -u <<<"${all%$'\n'}" | tr '\n' ' ' | sed 's/ $//'
}

# write_outcome SQL: how a write through the proxy ends, bounded by 10 s: "ok", "ERR nnnn"
# (the client's error code), or "hang"/"failed rc" when no MySQL error came back.
write_outcome() {
	local out rc
	out=$(timeout 10 "$MARIADB_CLIENT" --no-defaults -h127.0.0.1 -P"$SQLP_PORT" -uapp \
		-papp-secret -N -B -e "$1" 2>&1)
	rc=$?
	case $rc in
	0) echo ok ;;
	124) echo hang ;;
	*) if [[ $out =~ ERROR\ ([0-9]+) ]]; then echo "ERR ${BASH_REMATCH[1]}"; else echo "failed $rc: $out"; fi ;;
	esac
}

# ms_since START_MS
now_ms() {
	local t=${EPOCHREALTIME//[.,]/}
	echo $((t / 1000))
}

is "baseline: reads on the replica" "$(reads_on 3)" 2

# --- replica set offline -------------------------------------------------------------------

sqlp_session_open s1
is "a long session reads from the replica" "$(sqlp_session_query s1 "SELECT @@server_id")" 2
is "admin: set server db2 role offline" "$(sqlp_admin set server db2 role offline)" OK
is "set server db2 role offline: show servers says so" "$(sqlp_server_field db2 role)" offline
is "db2 offline: new sessions read from the primary, none fails" "$(reads_on 10)" 1
is "db2 offline: the long session's next read goes to the primary" \
	"$(sqlp_session_query s1 "SELECT @@server_id")" 1
is "admin: set server db2 role replica" "$(sqlp_admin set server db2 role replica)" OK
is "db2 back to replica: new sessions read from it again" "$(reads_on 3)" 2
is "db2 back to replica: the long session reads from it again" \
	"$(sqlp_session_query s1 "SELECT @@server_id")" 2

# --- replica lag ---------------------------------------------------------------------------

# The replica stops applying while writes go on; xlbd would see Seconds_Behind_Master grow
# and push it; here the test pushes it. max_lag is 5 s.
mariadb_sql db2 "STOP SLAVE SQL_THREAD"
for i in $(seq 20); do echo "INSERT INTO xlbtest.f (v) VALUES ('lag-$i');"; done >"$SQLP_TMP/lag.sql"
check "writes through the proxy while the replica's SQL thread is stopped" \
	sqlp_client xlbtest <"$SQLP_TMP/lag.sql"
is "the replica really is behind" \
	"$(mariadb_sql db2 "SELECT COUNT(*) FROM xlbtest.f WHERE v LIKE 'lag-%'")" 0
is "admin: set server db2 lag 3" "$(sqlp_admin set server db2 lag 3)" OK
is "set server db2 lag 3 (under max_lag): show servers shows the lag" \
	"$(sqlp_server_field db2 lag | tr -dc '0-9')" 3
is "lag 3 < max_lag 5: reads stay on the replica" "$(reads_on 3)" 2
is "admin: set server db2 lag 10" "$(sqlp_admin set server db2 lag 10)" OK
is "lag 10 > max_lag 5: new sessions read from the primary, none fails" "$(reads_on 10)" 1
is "lag 10: the long session's reads move to the primary" \
	"$(sqlp_session_query s1 "SELECT @@server_id")" 1
is "lag 10: a read sees the rows the replica has not applied" \
	"$(sqlp_q "SELECT COUNT(*) FROM xlbtest.f WHERE v LIKE 'lag-%'")" 20
mariadb_sql db2 "START SLAVE"
mariadb_wait_replica || bail "the replica does not catch up after START SLAVE"
is "admin: set server db2 lag 0" "$(sqlp_admin set server db2 lag 0)" OK
is "START SLAVE, lag 0: reads back on the replica" "$(reads_on 3)" 2
is "lag 0: the long session reads from the replica again" \
	"$(sqlp_session_query s1 "SELECT @@server_id")" 2

# --- primary offline, frozen ---------------------------------------------------------------

is "admin: set server db1 role offline" "$(sqlp_admin set server db1 role offline)" OK
t0=$(now_ms)
out=$(write_outcome "INSERT INTO xlbtest.f (v) VALUES ('no-primary')")
ms=$(($(now_ms) - t0))
check "db1 offline: a write gets a MySQL ERR (got: $out)" [ "${out%% *}" = ERR ]
check "... within 5 s (took ${ms} ms)" [ "$ms" -lt 5000 ]
is "... and did not reach db1" \
	"$(mariadb_sql db1 "SELECT COUNT(*) FROM xlbtest.f WHERE v='no-primary'")" 0
is "db1 offline: reads still work (on the replica)" "$(reads_on 3)" 2
out=$(write_outcome "BEGIN; SELECT @@server_id; COMMIT")
check "db1 offline: BEGIN; SELECT; COMMIT gets an ERR or a reply, not a hang (got: $out)" \
	grep -qE '^(ok|ERR [0-9]+)$' <<<"$out"
# One session: the failed write must not end it (a raw client, which goes on after an ERR).
out=$(python3 - "$SQLP_PORT" 2>&1 <<'PY'
import os, sys
sys.path.insert(0, os.environ["SQLP_TMP"])
import sqlp
c = sqlp.Conn(int(sys.argv[1]))
c.login(db="xlbtest")
print("read", c.value("SELECT @@server_id"), end=" ")
try:
    c.query("INSERT INTO f (v) VALUES ('no-primary')")
    print("write ok", end=" ")
except sqlp.Err as e:
    print("write ERR", end=" ")
print("read", c.value("SELECT @@server_id"))
PY
)
is "db1 offline: in one session a write gets an ERR and the next read still works" \
	"$out" "read 2 write ERR read 2"
is "admin: set server db1 role primary" "$(sqlp_admin set server db1 role primary)" OK
is "db1 primary again: writes work" "$(write_outcome "INSERT INTO xlbtest.f (v) VALUES ('back')")" ok

# A frozen primary accepts TCP connections (the kernel does) but never greets: only the
# proxy's own timeouts stand between the client and a hang.
sqlp_session_open s2
is "a long session that wrote (primary connection open)" \
	"$(sqlp_session_query s2 "SELECT @@server_id FROM xlbtest.f WHERE v='back' FOR UPDATE")" 1
kill -STOP "$(sqlp_node_pid db1)"
t0=$(now_ms)
out=$(write_outcome "INSERT INTO xlbtest.f (v) VALUES ('frozen')")
ms=$(($(now_ms) - t0))
check "db1 frozen (SIGSTOP): a new session's write gets a MySQL ERR (got: $out)" \
	[ "${out%% *}" = ERR ]
check "... within 10 s (took ${ms} ms)" [ "$ms" -lt 10000 ]
is "db1 frozen: new sessions still read (from the replica)" "$(reads_on 3)" 2
kill -CONT "$(sqlp_node_pid db1)"
is "db1 thawed: the long session that wrote before still works" \
	"$(sqlp_session_query s2 "SELECT COUNT(*) FROM xlbtest.f WHERE v='back'")" 1
check "... and closes cleanly" sqlp_session_close s2
is "db1 thawed: writes work" "$(write_outcome "INSERT INTO xlbtest.f (v) VALUES ('thawed')")" ok

# --- replica killed ------------------------------------------------------------------------

mariadb_wait_replica
is "the long session reads from the replica before it dies" \
	"$(sqlp_session_query s1 "SELECT @@server_id")" 2
sqlp_node_kill db2
is "db2 killed: the long session's next read goes to the primary, without error" \
	"$(sqlp_session_query s1 "SELECT @@server_id")" 1
is "db2 killed: new sessions read from the primary, none fails" "$(reads_on 10)" 1
is "db2 killed: writes work" "$(write_outcome "INSERT INTO xlbtest.f (v) VALUES ('no-replica')")" ok
check "db2 killed: xlb-sqlproxy counts an error against db2" [ "$(sqlp_server_field db2 errors)" -ge 1 ]
sqlp_node_restart db2 || bail "db2 does not restart"
mariadb_wait_replica || bail "the restarted replica does not catch up"
# The proxy keeps a server that failed away from reads for a while; it must come back by
# itself (nobody tells it), within 15 s.
back=
for i in $(seq 30); do
	[ "$(sqlp_q "SELECT @@server_id" 2>/dev/null)" = 2 ] && { back=$i; break; }
	sleep 0.5
done
check "db2 restarted: reads return to it by themselves (within 15 s)" [ -n "$back" ]
is "the long session survived all of it" "$(sqlp_session_query s1 "SELECT 'alive'")" alive
check "... and closes cleanly" sqlp_session_close s1

# --- primary killed, restarted; then the replica promoted -------------------------------

# Sessions that keep going after errors (--force), that wrote just before the primary dies
# and have not read since: s3's write has reached the replica, s4's has not been applied
# there (SQL thread stopped; the relay log has it). causal_reads: s3's reads may go to the
# replica; s4's must fail rather than return data older than its write.
sqlp_session_open s3 --force
sqlp_session_open s4 --force
is "a long session writes (primary connection open)" \
	"$(sqlp_session_query s3 "INSERT INTO f (v) VALUES ('s3-1'); SELECT @@server_id FOR UPDATE")" 1
mariadb_wait_replica
mariadb_sql db2 "STOP SLAVE SQL_THREAD"
is "another long session writes, which the replica receives but does not apply" \
	"$(sqlp_session_query s4 "INSERT INTO f (v) VALUES ('s4-1'); SELECT @@server_id FOR UPDATE")" 1
pos=$(mariadb_sql db1 "SELECT @@gtid_binlog_pos")
for _ in $(seq 50); do
	mariadb_sql db2 "SHOW SLAVE STATUS\G" | grep -q "Gtid_IO_Pos: $pos\$" && break
	sleep 0.1
done
sqlp_node_kill db1
t0=$(now_ms)
out=$(write_outcome "INSERT INTO xlbtest.f (v) VALUES ('dead-primary')")
ms=$(($(now_ms) - t0))
check "db1 killed: a new session's write gets a MySQL ERR (got: $out)" [ "${out%% *}" = ERR ]
check "... within 5 s (took ${ms} ms)" [ "$ms" -lt 5000 ]
is "db1 killed: the session whose write the replica has: its next read works (replica)" \
	"$(sqlp_session_query s3 "SELECT @@server_id")" 2
# Alone: a failing statement prints only its error (a statement after it would print later).
check "db1 killed: the long session's write gets a MySQL ERR" \
	grep -q '^ERR ' <<<"$(sqlp_session_query s3 "INSERT INTO f (v) VALUES ('s3-2')")"
is "db1 killed: the long session still reads after that (replica)" \
	"$(sqlp_session_query s3 "SELECT @@server_id")" 2
r1=$(sqlp_session_query s4 "SELECT COUNT(*) FROM f WHERE v='s4-1'")
r2=$(sqlp_session_query s4 "SELECT COUNT(*) FROM f WHERE v='s4-1'")
is "db1 killed, replica behind: the session that wrote never reads older data (reads: $r1, $r2)" \
	"$(printf '%s\n' "$r1" "$r2" | grep -cx 0)" 0
mariadb_sql db2 "START SLAVE SQL_THREAD"
for _ in $(seq 50); do
	[ "$(mariadb_sql db2 "SELECT COUNT(*) FROM xlbtest.f WHERE v='s4-1'")" = 1 ] && break
	sleep 0.1
done
is "... once the replica applied it, that session reads it (replica)" \
	"$(sqlp_session_query s4 "SELECT COUNT(*), @@server_id FROM f WHERE v='s4-1'")" \
	"$(printf '1\t2')"
check "... and closes cleanly" sqlp_session_close s4
is "db1 killed: new sessions still read (from the replica)" "$(reads_on 5)" 2
is "db1 killed: a read that must see older writes works" \
	"$(sqlp_q "SELECT COUNT(*) FROM xlbtest.f WHERE v='thawed'" 2>&1)" 1
is "nothing was ever written on the replica itself (no GTID with server_id 2)" \
	"$(sqlp_replica_writes)" ""

sqlp_node_restart db1 || bail "db1 does not restart"
back=
for i in $(seq 20); do
	[ "$(write_outcome "INSERT INTO xlbtest.f (v) VALUES ('restarted-$i')")" = ok ] &&
		{ back=$i; break; }
	sleep 0.5
done
check "db1 restarted: new sessions' writes work again by themselves (within 10 s)" [ -n "$back" ]
is "db1 restarted: the long session's writes work again (a new primary connection)" \
	"$(sqlp_session_query s3 "INSERT INTO f (v) VALUES ('s3-3'); SELECT @@server_id FOR UPDATE")" 1

# What xlbd does when the primary is lost for good: the replica becomes the primary.
mariadb_sql db2 "STOP SLAVE; SET GLOBAL read_only = 0"
is "admin: set server db1 role offline" "$(sqlp_admin set server db1 role offline)" OK
is "admin: set server db2 role primary" "$(sqlp_admin set server db2 role primary)" OK
is "db2 promoted: the long session's next write goes to db2" \
	"$(sqlp_session_query s3 "INSERT INTO f (v) VALUES ('s3-4'); SELECT @@server_id FOR UPDATE")" 2
is "... and is on db2" "$(mariadb_sql db2 "SELECT COUNT(*) FROM xlbtest.f WHERE v='s3-4'")" 1
is "... not on db1" "$(mariadb_sql db1 "SELECT COUNT(*) FROM xlbtest.f WHERE v='s3-4'")" 0
is "db2 promoted: a new session's write goes to db2" \
	"$(write_outcome "INSERT INTO xlbtest.f (v) VALUES ('promoted')")" ok
is "... and is on db2" "$(mariadb_sql db2 "SELECT COUNT(*) FROM xlbtest.f WHERE v='promoted'")" 1
is "db2 promoted, no replica left: reads go to db2" "$(reads_on 3)" 2
check "the long session closes cleanly" sqlp_session_close s3
check "xlb-sqlproxy is still running" sqlp_proxy_alive

tap_done
