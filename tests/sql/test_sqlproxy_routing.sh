#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# xlb-sqlproxy (issue 4) routes each statement where a single server's semantics survive:
# plain reads to the replica, writes and transactions to the primary, reads after a write
# that see it (causal_reads), session state (SET, SET NAMES, USE, user variables, temporary
# tables) as on one server, and prepared statements over SQL and the binary protocol
# (Connector/C through DBD::MariaDB). Against a real MariaDB primary and replica. TAP.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/lib/tap.sh
source "$ROOT/tests/lib/tap.sh"
# shellcheck source=tests/lib/sqlproxy.sh
source "$ROOT/tests/lib/sqlproxy.sh"

sqlp_test_begin routing 23300 perl

mariadb_sql db1 "CREATE TABLE xlbtest.t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(64))
	ENGINE=InnoDB" || bail "cannot create the test table"
mariadb_wait_replica || bail "the replica does not follow the primary"

# --- where statements go -------------------------------------------------------------------

is "plain SELECT @@server_id runs on the replica" "$(sqlp_q "SELECT @@server_id")" 2
is "a read in a session that only read stays on the replica" \
	"$(sqlp_q "SELECT @@server_id; SELECT @@server_id" | tr '\n' ' ')" "2 2 "
is "BEGIN ... SELECT ... COMMIT runs on the primary, the next read on the replica" \
	"$(sqlp_q "BEGIN; SELECT @@server_id; COMMIT; SELECT @@server_id" | tr '\n' ' ')" "1 2 "
is "START TRANSACTION READ ONLY is a transaction too (primary)" \
	"$(sqlp_q "START TRANSACTION READ ONLY; SELECT @@server_id; COMMIT" | tr '\n' ' ')" "1 "
# --comments: the mariadb client strips comments from statements by default.
is "the /* xlb:primary */ hint sends a read to the primary" \
	"$(sqlp_client --comments -e "/* xlb:primary */ SELECT @@server_id")" 1
is "... also after the SELECT keyword" \
	"$(sqlp_client --comments -e "SELECT /* xlb:primary */ @@server_id")" 1
is "a comment or lower case does not make a read a write" \
	"$(sqlp_client --comments -e "/* hello */ select @@server_id -- trailing
		")" 2
is "a write hidden in a comment is no write; one hidden in quotes neither" \
	"$(sqlp_client --comments -e "SELECT /* INSERT INTO t */ @@server_id, 'UPDATE t SET v=1', \`delete\`.x FROM (SELECT 1 AS x) AS \`delete\`")" \
	"$(printf '2\tUPDATE t SET v=1\t1')"

sqlp_mark
marker=ins-$$-$RANDOM
out=$(sqlp_qe "INSERT INTO xlbtest.t (v) VALUES ('$marker')")
is "INSERT through the proxy succeeds" "$out" ""
is "the inserted row is on db1 (read directly)" \
	"$(mariadb_sql db1 "SELECT COUNT(*) FROM xlbtest.t WHERE v='$marker'")" 1
check "show stats: the INSERT counted as a write on db1" [ "$(sqlp_delta writes.db1)" -ge 1 ]
is "show stats: no write counted on db2" "$(sqlp_delta writes.db2)" 0

is "SELECT ... FOR UPDATE and LOCK IN SHARE MODE run on the primary" \
	"$(sqlp_q "SELECT @@server_id FROM xlbtest.t WHERE v='$marker' FOR UPDATE;
		SELECT @@server_id FROM xlbtest.t WHERE v='$marker' LOCK IN SHARE MODE;
		SELECT @@server_id FOR UPDATE" | tr '\n' ' ')" "1 1 1 "

sqlp_mark
sqlp_q "SELECT @@server_id" >/dev/null
check "show stats: a plain read counted as a read on db2" [ "$(sqlp_delta reads.db2)" -ge 1 ]
is "show stats: ... and not as a read on db1" "$(sqlp_delta reads.db1)" 0

is "SHOW VARIABLES runs on the replica" "$(sqlp_q "SHOW VARIABLES LIKE 'server_id'" | cut -f2)" 2
# The two nodes' binary logs differ in length (the replica's has its own rotate events).
is "SHOW MASTER STATUS runs on the primary" "$(sqlp_q "SHOW MASTER STATUS" | cut -f1,2)" \
	"$(mariadb_sql db1 "SHOW MASTER STATUS" | cut -f1,2)"
sqlp_mark
sqlp_q "DESCRIBE xlbtest.t; EXPLAIN SELECT * FROM xlbtest.t WHERE id = 1; SHOW TABLES FROM xlbtest" \
	>/dev/null
is "DESCRIBE, EXPLAIN SELECT, SHOW TABLES: 3 reads on db2" "$(sqlp_delta reads.db2)" 3
is "... none on db1" "$(( $(sqlp_delta reads.db1) + $(sqlp_delta writes.db1) ))" 0
is "SELECT ... INTO @var runs on the primary (and @var is kept)" \
	"$(sqlp_q "SELECT @@server_id INTO @s; SELECT @s")" 1
is "SELECT LAST_INSERT_ID() runs on the primary" "$(sqlp_q "SELECT LAST_INSERT_ID(), @@server_id" | cut -f2)" 1

# Reads that write, in MariaDB's own syntax: a replica would run them (app may write on a
# read_only server) and diverge; the GTID check at the end would see it.
mariadb_sql db1 "CREATE SEQUENCE xlbtest.seq1" && mariadb_wait_replica
is "SELECT NEXTVAL(seq) runs on the primary" \
	"$(sqlp_q "SELECT NEXTVAL(xlbtest.seq1) > 0, @@server_id")" "$(printf '1\t1')"
is "SELECT NEXT VALUE FOR seq runs on the primary" \
	"$(sqlp_q "SELECT NEXT VALUE FOR xlbtest.seq1 > 0, @@server_id")" "$(printf '1\t1')"
is "SELECT SETVAL(seq, n) runs on the primary" \
	"$(sqlp_q "SELECT SETVAL(xlbtest.seq1, 1000), @@server_id")" "$(printf '1000\t1')"
is "SET STATEMENT ... FOR INSERT writes once, on the primary" \
	"$(sqlp_q "SET STATEMENT sql_mode='' FOR INSERT INTO xlbtest.t (v) VALUES ('setstmt-$$')"
	mariadb_sql db1 "SELECT COUNT(*) FROM xlbtest.t WHERE v='setstmt-$$'")" 1
is "SET STATEMENT ... FOR SELECT is a read (replica)" \
	"$(sqlp_q "SET STATEMENT max_statement_time=5 FOR SELECT @@server_id")" 2
is "an executable comment's FOR UPDATE counts (/*! */ and /*M! */): primary" \
	"$(sqlp_client --comments -e "SELECT @@server_id /*! FOR UPDATE */; SELECT @@server_id /*M! FOR UPDATE */" | tr '\n' ' ')" \
	"1 1 "
is "a write inside an executable comment reaches the primary" \
	"$(sqlp_client --comments -e "/*! INSERT INTO xlbtest.t (v) VALUES ('execc-$$') */"
	mariadb_sql db1 "SELECT COUNT(*) FROM xlbtest.t WHERE v='execc-$$'")" 1
is "WITH ... SELECT is a read; WITH ... SELECT ... FOR UPDATE is not" \
	"$(sqlp_q "WITH c AS (SELECT 1 AS x) SELECT @@server_id FROM c;
		WITH c AS (SELECT 1 AS x) SELECT @@server_id FROM c FOR UPDATE" | tr '\n' ' ')" "2 1 "
is "LOCK TABLES ... READ: reads while locked run on the primary" \
	"$(sqlp_q "LOCK TABLES xlbtest.t READ; SELECT @@server_id; UNLOCK TABLES" | tr '\n' ' ')" "1 "
is "XA START ... XA END: reads inside run on the primary" \
	"$(sqlp_q "XA START 'xlb$$'; SELECT @@server_id; XA END 'xlb$$'; XA ROLLBACK 'xlb$$'")" 1

is "SET autocommit=0: reads go to the primary (a transaction is open)" \
	"$(sqlp_q "SET autocommit=0; SELECT @@server_id; SELECT @@server_id" | tr '\n' ' ')" "1 1 "
is "SET autocommit=0 then COMMIT: still the primary (autocommit still off)" \
	"$(sqlp_q "SET autocommit=0; SELECT 1; COMMIT; SELECT @@server_id")" "$(printf '1\n1')"
is "SET autocommit=0, then =1: reads go back to the replica" \
	"$(sqlp_q "SET autocommit=0; SELECT @@server_id; SET autocommit=1; SELECT @@server_id" | tr '\n' ' ')" "1 2 "

# --- causal reads --------------------------------------------------------------------------

# 200 insert+read pairs in one session: each read must see its own session's write, wherever
# it ran. Which server answered is printed next to the count: all on the primary would also
# be correct (the issue allows it), the share on the replica is reported.
sqlp_mark
for i in $(seq 200); do
	echo "INSERT INTO xlbtest.t (v) VALUES ('causal-$$-$i');"
	echo "SELECT COUNT(*), @@server_id FROM xlbtest.t WHERE v='causal-$$-$i';"
done >"$SQLP_TMP/causal.sql"
sqlp_client xlbtest <"$SQLP_TMP/causal.sql" >"$SQLP_TMP/causal.out" 2>&1
is "causal_reads: 200 reads right after their insert, in one session, all see the row" \
	"$(awk -F'\t' '$1 == 1' "$SQLP_TMP/causal.out" | wc -l)" 200
diag "causal reads answered by the replica: $(awk -F'\t' '$2 == 2' "$SQLP_TMP/causal.out" | wc -l)/200," \
	"waits $(sqlp_delta causal_waits), fallbacks to the primary $(sqlp_delta causal_fallbacks)"
[ "$(awk -F'\t' '$1 == 1' "$SQLP_TMP/causal.out" | wc -l)" = 200 ] ||
	diag "first wrong lines: $(grep -nv '^1	' "$SQLP_TMP/causal.out" | head -3)"

# With the replica's SQL thread stopped the row cannot reach it: a read that lands there
# without waiting for the write's GTID misses it, whatever the timing. The proxy does not
# know the replica lags (nobody told it), so only causal_reads can save these reads.
mariadb_sql db2 "STOP SLAVE SQL_THREAD"
start=$SECONDS
is "causal_reads, replica stopped: INSERT, then a read sees it" \
	"$(sqlp_q "INSERT INTO xlbtest.t (v) VALUES ('stale-$$-1');
		SELECT COUNT(*) FROM xlbtest.t WHERE v='stale-$$-1'")" 1
is "... BEGIN; INSERT; COMMIT, then a read sees it" \
	"$(sqlp_q "BEGIN; INSERT INTO xlbtest.t (v) VALUES ('stale-$$-2'); COMMIT;
		SELECT COUNT(*) FROM xlbtest.t WHERE v='stale-$$-2'")" 1
is "... autocommit=0; INSERT; COMMIT; autocommit=1, then a read sees it" \
	"$(sqlp_q "SET autocommit=0; INSERT INTO xlbtest.t (v) VALUES ('stale-$$-3'); COMMIT;
		SET autocommit=1; SELECT COUNT(*) FROM xlbtest.t WHERE v='stale-$$-3'")" 1
is "... UPDATE, then a read sees it" \
	"$(sqlp_q "UPDATE xlbtest.t SET v='stale-$$-4' WHERE v='stale-$$-1';
		SELECT COUNT(*) FROM xlbtest.t WHERE v='stale-$$-4'")" 1
is "... CREATE TABLE, then a read of the new table works" \
	"$(sqlp_q "CREATE TABLE xlbtest.stale$$ (a INT); SELECT COUNT(*) FROM xlbtest.stale$$" 2>&1)" 0
# shellcheck disable=SC2016 # Perl code
out=$(timeout 30 perl -MDBI -e '
	my $dbh = DBI->connect("DBI:MariaDB:database=xlbtest;host=127.0.0.1;port=$ARGV[0]",
		"app", "app-secret", { RaiseError => 1, mariadb_server_prepare => 1 });
	$dbh->prepare("INSERT INTO t (v) VALUES (?)")->execute("stale-$ARGV[1]-5");
	my $sth = $dbh->prepare("SELECT COUNT(*) FROM t WHERE v = ?", { mariadb_server_prepare => 0 });
	$sth->execute("stale-$ARGV[1]-5");
	print $sth->fetchrow_array;' "$SQLP_PORT" $$ 2>&1)
is "... an INSERT by COM_STMT_EXECUTE, then a text-protocol read sees it" "$out" 1
check "... and no read waits long for it (under 15 s for the 6)" [ $((SECONDS - start)) -lt 15 ]
is "a read from another session (no write of its own) may be stale: from the replica" \
	"$(sqlp_q "SELECT COUNT(*), @@server_id FROM xlbtest.t WHERE v='stale-$$-2'")" \
	"$(printf '0\t2')"
mariadb_sql db2 "START SLAVE SQL_THREAD"
mariadb_wait_replica || bail "the replica does not catch up after START SLAVE SQL_THREAD"

# --- session state as on one server --------------------------------------------------------

is "CREATE TEMPORARY TABLE, INSERT, SELECT from it" \
	"$(sqlp_q "CREATE TEMPORARY TABLE xlbtest.tmp1 (a INT); INSERT INTO xlbtest.tmp1 VALUES (1), (2);
		SELECT COUNT(*) FROM xlbtest.tmp1; SELECT SUM(a) FROM xlbtest.tmp1" | tr '\n' ' ')" "2 3 "
is "a temporary table shadowing a real one is the one read" \
	"$(sqlp_q "CREATE TEMPORARY TABLE xlbtest.t (id INT, v VARCHAR(64));
		INSERT INTO xlbtest.t VALUES (1, 'shadow'); SELECT v FROM xlbtest.t")" shadow
is "SET @x=5; SELECT @x" "$(sqlp_q "SET @x=5; SELECT @x")" 5
is "SELECT @y := 7, then SELECT @y" "$(sqlp_q "SELECT @y := 7; SELECT @y" | tr '\n' ' ')" "7 7 "
is "a user variable set, then used in a WHERE" \
	"$(sqlp_q "SET @m='$marker'; SELECT COUNT(*) FROM xlbtest.t WHERE v=@m")" 1
is "SET SESSION sql_mode before the first read: the read runs on the replica with it" \
	"$(sqlp_q "SET SESSION sql_mode='PIPES_AS_CONCAT'; SELECT @@server_id, @@sql_mode, 'a' || 'b'")" \
	"$(printf '2\tPIPES_AS_CONCAT\tab')"
is "SET SESSION sql_mode after a read (replica connection open): both see it" \
	"$(sqlp_q "SELECT 1; SET SESSION sql_mode='PIPES_AS_CONCAT'; SELECT @@server_id, 'a' || 'b';
		BEGIN; SELECT @@server_id, 'a' || 'b'; COMMIT" | tr '\n' ' ')" \
	"$(printf '1 2\tab 1\tab ')"
is "SET NAMES latin1: the replica's session uses it" \
	"$(sqlp_q "SET NAMES latin1; SELECT @@server_id, @@character_set_client, @@collation_connection")" \
	"$(printf '2\tlatin1\tlatin1_swedish_ci')"
is "SET NAMES after a read: the open replica connection follows" \
	"$(sqlp_q "SELECT 1; SET NAMES latin1; SELECT @@server_id, @@character_set_results" | tail -n 1)" \
	"$(printf '2\tlatin1')"
is "SET time_zone reaches the replica" \
	"$(sqlp_q "SET time_zone='+05:00'; SELECT @@server_id, @@session.time_zone")" \
	"$(printf '2\t+05:00')"
is "USE: the read runs on the replica in that schema" \
	"$(sqlp_q "USE xlbtest; SELECT @@server_id, DATABASE(), COUNT(*) > 200 FROM t")" \
	"$(printf '2\txlbtest\t1')"
is "the client's default schema (-D, COM_INIT_DB at login) reaches the replica" \
	"$(sqlp_client -D xlbtest -e "SELECT @@server_id, DATABASE()")" "$(printf '2\txlbtest')"
is "LAST_INSERT_ID() after an INSERT gives the session's id (as on one server)" \
	"$(sqlp_q "INSERT INTO xlbtest.t (v) VALUES ('lid-$$'); SELECT LAST_INSERT_ID() = (SELECT id FROM xlbtest.t WHERE v='lid-$$')")" 1
is "SHOW WARNINGS after a statement that warned shows its warning" \
	"$(sqlp_q "SELECT 1/0; SHOW WARNINGS" | tail -n 1 | cut -f2)" 1365
is "FOUND_ROWS() after SQL_CALC_FOUND_ROWS" \
	"$(sqlp_q "SELECT SQL_CALC_FOUND_ROWS id FROM xlbtest.t LIMIT 1; SELECT FOUND_ROWS() > 200" | tail -n 1)" 1
is "GET_LOCK pins to the primary: the lock is held where it was taken" \
	"$(sqlp_q "SELECT GET_LOCK('xlb-l', 1); SELECT IS_USED_LOCK('xlb-l') = CONNECTION_ID(); SELECT RELEASE_LOCK('xlb-l')" | tr '\n' ' ')" "1 1 1 "

# --- prepared statements -------------------------------------------------------------------

is "SQL PREPARE / EXECUTE twice / DEALLOCATE" \
	"$(sqlp_q "PREPARE s FROM 'SELECT ? + 1'; SET @p=41; EXECUTE s USING @p; SET @p=1;
		EXECUTE s USING @p; DEALLOCATE PREPARE s" | tr '\n' ' ')" "42 2 "
is "SQL PREPARE of an INSERT, executed 3 times; rows on db1" \
	"$(sqlp_q "PREPARE i FROM 'INSERT INTO xlbtest.t (v) VALUES (?)'; SET @v='sqlps-$$';
		EXECUTE i USING @v; EXECUTE i USING @v; EXECUTE i USING @v; DEALLOCATE PREPARE i"
	mariadb_sql db1 "SELECT COUNT(*) FROM xlbtest.t WHERE v='sqlps-$$'")" 3

mariadb_sql db1 "CREATE TABLE xlbtest.ps (id INT PRIMARY KEY, name VARCHAR(32), score DOUBLE,
	at DATETIME)" || bail "cannot create xlbtest.ps"
mariadb_wait_replica

# Connector/C through DBD::MariaDB. mariadb_server_prepare=1: COM_STMT_PREPARE/EXECUTE/CLOSE
# (and RESET before a re-execution), the binary protocol, rows with NULLs, several executions
# of one statement. The text-protocol handle is a second Connector/C client.
cat >"$SQLP_TMP/ps.pl" <<'EOF'
use strict;
use warnings;
use DBI;
my ($port, $what) = @ARGV;
my $dsn = "DBI:MariaDB:database=xlbtest;host=127.0.0.1;port=$port";
my $o = { RaiseError => 1, PrintError => 0, AutoCommit => 1 };
sub show { join(",", map { defined $_ ? $_ : "NULL" } @_) }
if ($what eq "text") {
	my $dbh = DBI->connect("$dsn;mariadb_server_prepare=0", "app", "app-secret", $o);
	print "server_id=", $dbh->selectrow_array("SELECT \@\@server_id"), "\n";
	print "ping=", ($dbh->ping ? 1 : 0), "\n";
	$dbh->do("INSERT INTO t (v) VALUES (?)", undef, "dbd-text");
	print "insert_id=", ($dbh->{mariadb_insertid} > 0 ? "yes" : "no"), "\n";
	print "read=", $dbh->selectrow_array("SELECT COUNT(*) FROM t WHERE v='dbd-text'"), "\n";
	$dbh->disconnect;
	exit 0;
}
my $dbh = DBI->connect("$dsn;mariadb_server_prepare=1", "app", "app-secret", $o);
my $ins = $dbh->prepare("INSERT INTO ps (id, name, score, at) VALUES (?, ?, ?, ?)");
for my $i (1 .. 5) {
	$ins->execute($i, $i % 2 ? "n$i" : undef, $i * 1.5, $i == 3 ? undef : "2024-01-0$i 12:00:00");
}
print "inserted=", $ins->rows, "\n";
my $sel = $dbh->prepare("SELECT id, name, score, at, NULL AS nothing FROM ps WHERE id <= ? ORDER BY id");
for my $n (1, 3, 5, 0) {
	$sel->execute($n);
	my $rows = $sel->fetchall_arrayref;
	print "n=$n:", join(";", map { show(@$_) } @$rows), "\n";
}
my $sid = $dbh->prepare("SELECT \@\@server_id");
$sid->execute;
print "ps_server_id=", ($sid->fetchrow_array)[0], "\n";
$sid->finish;
my $upd = $dbh->prepare("UPDATE ps SET score = score + ? WHERE id = ?");
$upd->execute(10, $_) for 1 .. 5;
print "sum=", $dbh->selectrow_array("SELECT SUM(score) FROM ps"), "\n";
my $bad = eval { $dbh->prepare("SELECT * FROM no_such_table WHERE id = ?")->execute(1); 1 };
print "bad_prepare=", ($bad ? "accepted" : ($dbh->err // "none")), "\n";
$sel->execute(2);
print "after_error:", join(";", map { show(@$_) } @{ $sel->fetchall_arrayref }), "\n";
undef $ins; undef $sel; undef $upd; undef $sid;
$dbh->disconnect;
EOF

sqlp_mark
out=$(timeout 30 perl "$SQLP_TMP/ps.pl" "$SQLP_PORT" text 2>&1)
is "Connector/C (DBD::MariaDB), text protocol: read on the replica, ping, insert, read back" \
	"$(echo "$out" | tr '\n' ' ')" "server_id=2 ping=1 insert_id=yes read=1 "

sqlp_mark
out=$(timeout 30 perl "$SQLP_TMP/ps.pl" "$SQLP_PORT" binary 2>&1)
want="inserted=1
n=1:1,n1,1.5,2024-01-01 12:00:00,NULL
n=3:1,n1,1.5,2024-01-01 12:00:00,NULL;2,NULL,3,2024-01-02 12:00:00,NULL;3,n3,4.5,NULL,NULL
n=5:1,n1,1.5,2024-01-01 12:00:00,NULL;2,NULL,3,2024-01-02 12:00:00,NULL;3,n3,4.5,NULL,NULL;4,NULL,6,2024-01-04 12:00:00,NULL;5,n5,7.5,2024-01-05 12:00:00,NULL
n=0:
ps_server_id=1
sum=72.5
bad_prepare=1146
after_error:1,n1,11.5,2024-01-01 12:00:00,NULL;2,NULL,13,2024-01-02 12:00:00,NULL"
is "binary protocol (server-side prepare): inserts, selects with NULLs, executed again and again" \
	"$out" "$want"
[ "$out" = "$want" ] || diag "$(diff <(echo "$want") <(echo "$out"))"
is "the prepared rows are on db1" "$(mariadb_sql db1 "SELECT COUNT(*), SUM(score) FROM xlbtest.ps")" \
	"$(printf '5\t72.5')"
check "show stats: the prepared statements counted as writes on db1" \
	[ "$(sqlp_delta writes.db1)" -ge 15 ]
is "show stats: none counted on db2 as a write" "$(sqlp_delta writes.db2)" 0

# --- bookkeeping ---------------------------------------------------------------------------

servers=$(sqlp_admin show servers)
is "show servers: db1 is the primary" "$(sqlp_server_field db1 role)" primary
is "show servers: db2 is a replica" "$(sqlp_server_field db2 role)" replica
check "show servers: db2's read counter matches show stats' reads.db2" \
	[ "$(sqlp_server_field db2 reads)" = "$(sqlp_stat reads.db2)" ]
diag "show servers:"
while IFS= read -r line; do diag "  $line"; done <<<"$servers"
sqlp_session_open s1
sqlp_session_query s1 "SELECT @@server_id" >/dev/null
sqlp_session_query s1 "CREATE TEMPORARY TABLE tmp_s (a INT); SELECT 1" >/dev/null
# id peer user db state primary replica in_trans pinned statements
row=$(sqlp_admin show sessions | awk -F'\t' 'NR > 1 && $3 == "app"')
diag "show sessions: $row"
is "show sessions lists the open session: user app, schema xlbtest" \
	"$(cut -f3,4 <<<"$row")" "$(printf 'app\txlbtest')"
check "... pinned to the primary, with the reason ($(cut -f9 <<<"$row"))" \
	[ -n "$(cut -f9 <<<"$row" | tr -d -- -)" ]
is "... connected to db1 and db2, no transaction open" "$(cut -f6-8 <<<"$row")" \
	"$(printf 'db1\tdb2\tno')"
check "... closes cleanly" sqlp_session_close s1
is "admin: a set for an unknown server is refused" \
	"$(sqlp_admin set server nosuch role primary | cut -c1-4)" "ERR:"
is "admin: an unknown role is refused" "$(sqlp_admin set server db2 role boss | cut -c1-4)" "ERR:"
is "admin: a lag that is not a number is refused" \
	"$(sqlp_admin set server db2 lag soon | cut -c1-4)" "ERR:"
is "admin: an unknown command is refused" "$(sqlp_admin frobnicate | cut -c1-4)" "ERR:"
is "admin: after all that, db2 is still a replica" "$(sqlp_server_field db2 role)" replica
is "nothing was ever written on the replica itself (no GTID with server_id 2)" \
	"$(sqlp_replica_writes)" ""
mariadb_wait_replica
is "primary and replica hold the same rows" \
	"$(mariadb_sql db2 "CHECKSUM TABLE xlbtest.t, xlbtest.ps")" \
	"$(mariadb_sql db1 "CHECKSUM TABLE xlbtest.t, xlbtest.ps")"
check "xlb-sqlproxy is still running" sqlp_proxy_alive

tap_done
