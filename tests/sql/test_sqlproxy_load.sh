#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# xlb-sqlproxy (issue 4) under real client load, with zero errors: Debian's sysbench
# oltp_read_write and oltp_read_only through the splitter, with server-side prepared
# statements (sysbench's default) and without, and mariadb-slap with 50 concurrent clients.
# Afterwards the replica holds exactly the primary's data: nothing was written to it. TAP.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/lib/tap.sh
source "$ROOT/tests/lib/tap.sh"
# shellcheck source=tests/lib/sqlproxy.sh
source "$ROOT/tests/lib/sqlproxy.sh"

command -v sysbench >/dev/null || skip_all "needs sysbench (make deps)"
SLAP=$(command -v mariadb-slap || command -v mysqlslap) || skip_all "needs mariadb-slap"

sqlp_test_begin load 23330

SB_TIME=${SB_TIME:-10}
# sb PORT TEST ARGS...: sysbench against xlbtest as app, bounded in time (a proxy that hangs
# fails the test rather than stalls it).
sb() {
	local port=$1 test=$2
	shift 2
	timeout $((SB_TIME + 60)) sysbench "$test" --mysql-host=127.0.0.1 --mysql-port="$port" --mysql-user=app \
		--mysql-password=app-secret --mysql-db=xlbtest --tables=2 --table-size=1000 "$@"
}

# The tables are made straight on the primary (sysbench's prepare is not what is tested).
sb "$SQLP_PPORT" oltp_read_write prepare >"$SQLP_TMP/prepare.log" 2>&1 ||
	bail "sysbench prepare on the primary failed: $(tail -n 3 "$SQLP_TMP/prepare.log")"
mariadb_wait_replica || bail "the replica does not follow the primary"

# sb_run NAME TEST ARGS...: one run through the proxy; TAP points for its exit status (any
# error but the ones below makes sysbench fail), its ignored errors and reconnects, and that
# it did something. Ignored errors are deadlocks and lock wait timeouts (1213, 1020, 1205):
# oltp_read_write on 2 x 1,000 rows with 8 threads gets some straight on the primary too, so
# there they are reported, not failed; a read-only run has none.
sb_run() {
	local name=$1 test=$2 log errors reconnects queries rc
	shift 2
	log=$SQLP_TMP/$test.$name.log
	sb "$SQLP_PORT" "$test" --threads=8 --time="$SB_TIME" \
		--report-interval=0 "$@" run >"$log" 2>&1
	rc=$?
	errors=$(awk '/ignored errors:/ { print $3 }' "$log")
	reconnects=$(awk '/reconnects:/ { print $2 }' "$log")
	queries=$(awk '/^ *queries:/ { print $2 }' "$log")
	is "sysbench $test ($name) through the proxy: exits 0" "$rc" 0
	if [ "$test" = oltp_read_write ]; then
		check "... ignored errors (deadlocks, as on the primary itself): ${errors:-missing}" \
			[ -n "$errors" ]
	else
		is "... ignored errors: 0" "${errors:-missing}" 0
	fi
	is "... reconnects: 0" "${reconnects:-missing}" 0
	check "... ran queries (${queries:-none}, $(awk '/^ *queries:/ { print $3 }' "$log" | tr -d '(') per second)" \
		[ "${queries:-0}" -gt 0 ]
	if [ "$rc" != 0 ] || [ "${errors:-x}" != 0 ]; then
		diag "$(grep -iE 'error|fatal' "$log" | sort | uniq -c | sort -rn | head -n 5)"
	fi
}

sqlp_mark
sb_run ps-auto oltp_read_write
sb_run ps-disable oltp_read_write --db-ps-mode=disable
diag "read_write: writes db1 +$(sqlp_delta writes.db1), reads db1 +$(sqlp_delta reads.db1)," \
	"reads db2 +$(sqlp_delta reads.db2), errors +$(sqlp_delta errors)"
sb_run ps-auto oltp_read_only
# Without BEGIN/COMMIT around each event (--skip-trx) the reads are plain reads: they go to
# the replica, which is then under load too.
sqlp_mark
sb_run ps-disable,skip-trx oltp_read_only --db-ps-mode=disable --skip-trx=on
check "oltp_read_only without transactions: the replica served reads (+$(sqlp_delta reads.db2))" \
	[ "$(sqlp_delta reads.db2)" -gt 1000 ]
is "... and the primary no writes" "$(sqlp_delta writes.db1)" 0

# mariadb-slap, 50 clients: reads (to the replica), writes and an update, on a table made
# beforehand on the primary. --no-drop and an existing schema: slap makes and drops nothing.
mariadb_sql db1 "CREATE TABLE xlbtest.slap (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(32), n INT);
	INSERT INTO xlbtest.slap (v, n) SELECT CONCAT('row', seq), seq FROM xlbtest.seq_1_to_1000" ||
	bail "cannot create the slap table"
mariadb_wait_replica
sqlp_mark
out=$(timeout 120 "$SLAP" --no-defaults -h127.0.0.1 -P"$SQLP_PORT" -uapp -papp-secret \
	--create-schema=xlbtest --no-drop --concurrency=50 --iterations=3 --number-of-queries=3000 \
	--delimiter=';' --query="SELECT v FROM slap WHERE id = FLOOR(1 + RAND() * 1000);SELECT COUNT(*) FROM slap WHERE n < 500;INSERT INTO slap (v, n) VALUES ('slap', 1);UPDATE slap SET n = n + 1 WHERE id = FLOOR(1 + RAND() * 1000)" 2>&1)
rc=$?
is "mariadb-slap, 50 clients x 3 iterations, through the proxy: exits 0" "$rc" 0
check "... without an error message" [ -z "$(grep -iE 'error|cannot' <<<"$out")" ]
[ "$rc" = 0 ] || diag "$(head -n 5 <<<"$out")"
diag "slap: $(grep -E 'Average number of seconds' <<<"$out" | sed 's/^[[:space:]]*//')"
is "... every INSERT arrived on db1 (3 x 750)" \
	"$(mariadb_sql db1 "SELECT COUNT(*) FROM xlbtest.slap WHERE v = 'slap'")" 2250
check "... reads went to db2 (+$(sqlp_delta reads.db2))" [ "$(sqlp_delta reads.db2)" -ge 1000 ]

is "nothing was ever written on the replica itself (no GTID with server_id 2)" \
	"$(sqlp_replica_writes)" ""
mariadb_wait_replica || diag "the replica did not catch up within 10 s"
is "primary and replica hold the same data" \
	"$(mariadb_sql db2 "CHECKSUM TABLE xlbtest.sbtest1, xlbtest.sbtest2, xlbtest.slap")" \
	"$(mariadb_sql db1 "CHECKSUM TABLE xlbtest.sbtest1, xlbtest.sbtest2, xlbtest.slap")"
is "no session left open in the proxy" \
	"$(sqlp_stat sessions_open)" 0
check "xlb-sqlproxy is still running" sqlp_proxy_alive

tap_done
