#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# xlb-sqlproxy regressions, one case per fix of the review ("xlb-sqlproxy review fixes"): the
# primary connection lost or the primary role moved while the session holds a transaction or
# prepared statements ends the session instead of going on half-done on a new connection (a
# session that holds nothing there goes on); a large reply to a slow client no longer leaves
# the next reply stuck; a client's input is not read while its command runs, and a login
# header announcing a huge packet is refused at once; a causal wait on a frozen replica ends
# in time; the schema of `/* c */ USE x` and of COM_RESET_CONNECTION comes from the server;
# an unknown login schema no longer refuses every later statement; a non-default collation
# reaches both servers. Each case fails on the proxy before the fixes (f078bbe); the points
# that pass there are its set-up and guards that the fixes went no further (an autocommit
# session keeps going, an ERR still comes, the proxy stays up). Against a real MariaDB
# primary and replica; raw protocol and DBD::MariaDB clients. TAP.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/lib/tap.sh
source "$ROOT/tests/lib/tap.sh"
# shellcheck source=tests/lib/sqlproxy.sh
source "$ROOT/tests/lib/sqlproxy.sh"

sqlp_test_begin regress 25300 perl

mariadb_sql db1 "CREATE TABLE xlbtest.r (id INT PRIMARY KEY, v INT) ENGINE=InnoDB" ||
	bail "cannot create the test table"
mariadb_wait_replica || bail "the replica does not follow the primary"
# for the Python and Perl cases
export SQLP_TMP SQLP_PORT SQLP_ADMIN SQLP_PID MARIADB_DIR MARIADB_CLIENT

# Helpers for the Python cases (regress.py in SQLP_TMP), and a command that kills the
# proxy's one connection on the primary (killapp.py), for the Perl case as well.
cat >"$SQLP_TMP/regress.py" <<'EOF'
import os, signal, socket, subprocess, sys, time
sys.path.insert(0, os.environ["SQLP_TMP"])
import sqlp
from sqlproxy_admin import command

PORT = int(os.environ["SQLP_PORT"])
PID = int(os.environ["SQLP_PID"])
ADMIN = os.environ["SQLP_ADMIN"]
DIR = os.environ["MARIADB_DIR"]
CLIENT = os.environ["MARIADB_CLIENT"]

def point(name, good, detail=""):
    print("%s\t%s\t%s" % ("PASS" if good else "FAIL", name, detail), flush=True)

def sql(node, q):
    """As root on the node's socket; the rows, tab-separated."""
    r = subprocess.run([CLIENT, "--no-defaults", "--socket=%s/%s/sock" % (DIR, node),
                        "-uroot", "-N", "-B", "-e", q],
                       capture_output=True, text=True, timeout=10)
    if r.returncode:
        raise RuntimeError("%s: %s: %s" % (node, q, r.stderr.strip()))
    return r.stdout.strip()

def admin(cmd):
    return command(ADMIN, cmd)[0].rstrip("\n")

def app_ids():
    return [int(x) for x in
            sql("db1", "SELECT id FROM information_schema.processlist WHERE user='app' "
                       "ORDER BY id").split()]

def kill_primary_backend():
    """KILLs the proxy's connection on the primary, the only one of user app there (earlier
    sessions' ones may take a moment to go), and gives the proxy time to see it gone."""
    for _ in range(100):
        ids = app_ids()
        if len(ids) == 1:
            break
        time.sleep(0.05)
    else:
        raise RuntimeError("want one app connection on db1, there are %r" % ids)
    sql("db1", "KILL %d" % ids[0])
    for _ in range(100):
        if ids[0] not in app_ids():
            break
        time.sleep(0.05)
    time.sleep(0.3)
    return ids[0]

def conn(db="xlbtest", timeout=10):
    c = sqlp.Conn(PORT, timeout=timeout)
    c.login(db=db)
    return c

def attempt(fn):
    """'ok' and fn's value, 'err CODE', 'closed' (the session ended) or 'hang'."""
    try:
        return "ok", fn()
    except sqlp.Err as e:
        return "err %d" % e.code, None
    except (sqlp.Closed, ConnectionError):
        return "closed", None
    except socket.timeout:
        return "hang", None

def ended(outcome):
    """A statement after the session lost its state: an ERR or the session closed, so the
    client knows; never an OK."""
    return outcome[0] != "ok" and outcome[0] != "hang"

def rows(where):
    return sql("db1", "SELECT id FROM xlbtest.r WHERE %s ORDER BY id" % where).replace("\n", ",")

def vmrss_kb(pid, key="VmRSS"):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return -1
EOF
cat >"$SQLP_TMP/killapp.py" <<'EOF'
import os, sys
sys.path.insert(0, os.environ["SQLP_TMP"])
from regress import kill_primary_backend
kill_primary_backend()
EOF

# --- schema and character set (session tracking, COM_RESET_CONNECTION, login) -------------

cat >"$SQLP_TMP/schema.py" <<'EOF'
from regress import *

# The schema a USE named, for show sessions and for the login of later connections, is the
# server's (session tracking), not the proxy's guess from the statement's text: a comment
# before USE made it "c", and COM_RESET_CONNECTION then logged in to schema "c" (ERR 1049).
c = conn(db=None)
got = attempt(lambda: c.query("/* c */ USE xlbtest"))
point("/* c */ USE xlbtest: OK", got[0] == "ok", "got %r" % (got,))
lines = [l.split("\t") for l in admin("show sessions").split("\n")]
head, mine = lines[0], max(lines[1:], key=lambda r: int(r[0]))
db = mine[head.index("db")]
point("... show sessions says db xlbtest", db == "xlbtest", "got %r" % db)
c.command(0x1f)  # COM_RESET_CONNECTION
got = attempt(lambda: c.ok_or_err(c.read())[0])
point("COM_RESET_CONNECTION: OK", got == ("ok", 0), "got %r" % (got,))
got = attempt(lambda: c.value("SELECT DATABASE()"))
point("... then SELECT DATABASE() is xlbtest (no ERR 1049)", got == ("ok", "xlbtest"),
      "got %r" % (got,))
got = attempt(lambda: c.value("/* xlb:primary */ SELECT DATABASE()"))
point("... on the primary too", got == ("ok", "xlbtest"), "got %r" % (got,))
c.s.close()

# A login into a schema that does not exist: the first statement gets the server's ERR 1049,
# and the session is not locked on it: USE picks another one.
c = conn(db="no_such_db")
got = attempt(lambda: c.value("SELECT 1"))
point("login into no_such_db: the first statement gets ERR 1049", got[0] == "err 1049",
      "got %r" % (got,))
got = attempt(lambda: c.query("USE xlbtest"))
point("... then USE xlbtest: OK", got[0] == "ok", "got %r" % (got,))
got = attempt(lambda: c.value("SELECT DATABASE()"))
point("... SELECT DATABASE() is xlbtest", got == ("ok", "xlbtest"), "got %r" % (got,))
got = attempt(lambda: c.value("SELECT 1"))
point("... SELECT 1 works", got == ("ok", "1"), "got %r" % (got,))
c.s.close()

# A login with utf8mb4_unicode_ci (224), not utf8mb4's default collation: both servers'
# connections of the session use it.
c = sqlp.Conn(PORT)
c.greeting()
p = bytearray(c.login_packet("app", "app-secret", "xlbtest"))
p[8] = 224  # the character set byte, after capabilities and max packet size
c.send(bytes(p))
got = attempt(lambda: c.auth_result("app-secret")[0])
point("login with collation 224 (utf8mb4_unicode_ci): OK", got == ("ok", 0), "got %r" % (got,))
got = attempt(lambda: c.query("SELECT @@server_id, @@collation_connection")[0])
point("... a read (the replica) has collation_connection utf8mb4_unicode_ci",
      got == ("ok", ["2", "utf8mb4_unicode_ci"]), "got %r" % (got,))
got = attempt(lambda: c.query("/* xlb:primary */ SELECT @@server_id, @@collation_connection")[0])
point("... /* xlb:primary */: the primary has it too",
      got == ("ok", ["1", "utf8mb4_unicode_ci"]), "got %r" % (got,))
c.s.close()
print("DONE")
EOF
sqlp_py_points "$SQLP_TMP/schema.py"

# --- the primary connection lost mid-transaction -------------------------------------------

cat >"$SQLP_TMP/killtx.py" <<'EOF'
from regress import *

# BEGIN, a row, then the proxy's primary connection is killed (the server rolls the
# transaction back). The rest of the transaction must not run on a new connection, in
# autocommit: the session ends, the client sees it.
c = conn()
c.query("BEGIN")
c.query("INSERT INTO r VALUES (1, 1)")
killed = kill_primary_backend()
r2 = attempt(lambda: c.query("INSERT INTO r VALUES (2, 2)"))
point("mid-transaction, primary connection %d killed: the next INSERT fails" % killed,
      ended(r2), "got %r" % (r2,))
rc = attempt(lambda: c.query("COMMIT"))
point("... and COMMIT does not succeed (the session is over)", ended(rc), "got %r" % (rc,))
c.s.close()
got = rows("id IN (1, 2)")
point("... the primary holds neither row (no half transaction)", got == "", "rows: %r" % got)

# A session bound to nothing (autocommit, no pins, no prepared statements) loses nothing
# with its primary connection: the next statement simply opens another.
c = conn()
c.query("INSERT INTO r VALUES (3, 3)")
kill_primary_backend()
got = attempt(lambda: c.query("INSERT INTO r VALUES (4, 4)"))
point("autocommit session, idle primary connection killed: the next INSERT succeeds",
      got[0] == "ok", "got %r" % (got,))
got = attempt(lambda: c.value("/* xlb:primary */ SELECT COUNT(*) FROM r WHERE id IN (3, 4)"))
point("... and the session goes on (both rows there)", got == ("ok", "2"), "got %r" % (got,))
c.s.close()
print("DONE")
EOF
sqlp_py_points "$SQLP_TMP/killtx.py"

# The same with a prepared statement (Connector/C through DBD::MariaDB, server-side): the
# statement lived on the killed connection; executing it again must end the session (a lost
# connection, 2006/2013, or ERR 1927), not run against a fresh connection that never heard
# of it (ERR 1243 "Unknown prepared statement handler").
# shellcheck disable=SC2016 # Perl code, expanded by Perl
out=$(timeout 30 perl -MDBI -e '
	my ($port, $kill) = @ARGV;
	my $dbh = DBI->connect("DBI:MariaDB:host=127.0.0.1;port=$port;database=xlbtest;" .
		"mariadb_server_prepare=1", "app", "app-secret", { PrintError => 0 })
		or die "connect: $DBI::errstr\n";
	my $sth = $dbh->prepare("SELECT ? + 1") or die "prepare: " . $dbh->errstr . "\n";
	$sth->execute(1) or die "execute: " . $sth->errstr . "\n";
	my ($v) = $sth->fetchrow_array;
	$sth->finish;
	print "before $v\n";
	system("python3", $kill) == 0 or die "killing the backend failed\n";
	if ($sth->execute(41)) {
		my ($w) = $sth->fetchrow_array;
		print "after ok ", $w // "undef", "\n";
	} else {
		print "after err ", $sth->err, " ", $sth->errstr, "\n";
	}' "$SQLP_PORT" "$SQLP_TMP/killapp.py" 2>&1)
check "prepared statement (DBD::MariaDB, server-side) executes before the kill" \
	grep -qx "before 2" <<<"$out"
after=$(grep '^after' <<<"$out")
if [[ $after =~ ^after\ err\ (2006|2013|1927)\  ]]; then
	ok "... after its primary connection was killed, EXECUTE: the session ended (${BASH_REMATCH[1]})"
else
	fail "... after its primary connection was killed, EXECUTE: the session ended"
	while IFS= read -r line; do diag "$line"; done <<<"$out"
fi

# --- the primary role moved during a transaction -------------------------------------------

cat >"$SQLP_TMP/role.py" <<'EOF'
from regress import *

def flap(c, during):
    """db1 offline, `during` sent, db1 primary again (as xlbd does on a flapping check)."""
    out = admin("set server db1 role offline")
    try:
        res = during(c)
    finally:
        out += " " + admin("set server db1 role primary")
    if out != "OK OK":
        raise RuntimeError("admin: %r" % out)
    return res

# A command without a reply (COM_STMT_CLOSE) while db1 is offline: the session's primary
# connection goes with the role. The rest of the transaction must not commit on a new one.
c = conn()
c.query("BEGIN")
c.query("INSERT INTO r VALUES (5, 5)")
flap(c, lambda c: (c.command(0x19, b"\x01\x00\x00\x00"), time.sleep(0.3)))
r6 = attempt(lambda: c.query("INSERT INTO r VALUES (6, 6)"))
point("BEGIN, INSERT, the primary role away and back (a COM_STMT_CLOSE meanwhile): "
      "the next INSERT fails", ended(r6), "got %r" % (r6,))
rc = attempt(lambda: c.query("COMMIT"))
point("... COMMIT does not succeed", ended(rc), "got %r" % (rc,))
c.s.close()
got = rows("id IN (5, 6)")
point("... the primary holds neither row", got == "", "rows: %r" % got)

# A statement while db1 is offline gets an ERR; the session is over then, so that a client
# going on regardless does not commit the rest of its transaction alone.
c = conn()
c.query("BEGIN")
c.query("INSERT INTO r VALUES (7, 7)")
r8 = flap(c, lambda c: attempt(lambda: c.query("INSERT INTO r VALUES (8, 8)")))
point("BEGIN, INSERT, the primary role away: the next INSERT gets an ERR", ended(r8),
      "got %r" % (r8,))
r9 = attempt(lambda: c.query("INSERT INTO r VALUES (9, 9)"))
rc = attempt(lambda: c.query("COMMIT"))
point("... and with the role back, the session is over: INSERT and COMMIT fail",
      ended(r9) and ended(rc), "INSERT %r, COMMIT %r" % (r9, rc))
c.s.close()
got = rows("id BETWEEN 7 AND 9")
point("... the primary holds none of the rows", got == "", "rows: %r" % got)
print("DONE")
EOF
sqlp_py_points "$SQLP_TMP/role.py"

# --- backpressure: a reply that ended while the client was behind -------------------------

cat >"$SQLP_TMP/backpressure.py" <<'EOF'
from regress import *

HIGH = 1 << 20  # session.c's CLIENT_OUT_HIGH: above it the proxy stops reading the server

def pkt(q):
    b = b"\x03" + q.encode()
    return len(b).to_bytes(3, "little") + b"\0" + b

def read_packets(c, count):
    """Reads count packets in large reads; their size, headers included."""
    buf, i, n, total = b"", 0, 0, 0
    while n < count:
        while len(buf) - i < 4 or len(buf) - i < 4 + int.from_bytes(buf[i:i + 3], "little"):
            d = c.s.recv(1 << 22)
            if not d:
                raise sqlp.Closed()
            buf, i = buf[i:] + d, 0
        plen = int.from_bytes(buf[i:i + 3], "little")
        i += 4 + plen
        total += 4 + plen
        n += 1
    return total

def rows_sql(n):
    return "/* xlb:primary */ SELECT 'x' FROM seq_1_to_%d" % n

def next_answered(c):
    c.s.settimeout(3)
    return attempt(lambda: c.value("/* xlb:primary */ SELECT 1")) == ("ok", "1")

# The reviewer's case: a client with a small receive buffer asks for 1-2 MB and reads it
# late, then asks again.
hangs, errors = [], []
sizes = [int(x) for x in os.environ["BP_SIZES"].split()]
for n in sizes:
    c = conn(timeout=5)
    c.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    try:
        c.value("/* xlb:primary */ SELECT 1")
        c.s.sendall(pkt(rows_sql(n)))
        time.sleep(0.3)
        read_packets(c, n + 4)  # column count, definition, EOF, rows, EOF
        if not next_answered(c):
            hangs.append(n)
    except Exception as e:
        errors.append("%d: %s %s" % (n, type(e).__name__, e))
    c.s.close()
point("slow reads of %s rows (1-2 MB), then another statement: answered within 3 s"
      % ", ".join(map(str, sizes)), not hangs and not errors,
      "no answer after %r rows; %s" % (hangs, "; ".join(errors)))

# The same bug made certain. The proxy stopped reading the server when a reply packet left
# more than HIGH bytes waiting for the client, and read on only when the client had taken
# them while that reply still ran: a reply whose LAST packet crossed HIGH left the server
# connection stopped for good, and the session's next statement hung. Above, that takes the
# reply's 9-byte EOF to cross exactly; here the client arranges it: it stalls its receive
# window (small buffer and MSS), asks for a result that fills the kernel's buffers, measures
# what they hold (/proc/net/tcp), then asks for a result that brings the proxy's buffer just
# under HIGH and for a single-packet reply (an ERR of ~530 bytes) that crosses it. The
# measure can be a segment off: the ERR's position is tried at 0 and one ERR's size either
# way.
def queues(lport, rport):
    want = ("0100007F:%04X" % lport, "0100007F:%04X" % rport)
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            w = line.split()
            if (w[1], w[2]) == want:
                tx, rx = w[4].split(":")
                return int(tx, 16), int(rx, 16)
    raise RuntimeError("socket %s -> %s not in /proc/net/tcp" % want)

ERR_SQL = "/* xlb:primary */ SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '%s'" % ("x" * 500)
c = conn()
c.s.sendall(pkt(rows_sql(1)))
R1 = read_packets(c, 5)  # a one-row result, as the client gets it
c.s.sendall(pkt(ERR_SQL))
L = read_packets(c, 1)
c.s.close()

def rows_bytes(n):
    return R1 + 6 * (n - 1)  # 'x': a row is 4 + 2 bytes

def trial(offset):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 536)
    s.settimeout(5)
    s.connect(("127.0.0.1", PORT))
    c = sqlp.Conn.__new__(sqlp.Conn)
    c.s, c.seq = s, 0
    try:
        c.login(db="xlbtest")
        c.value("/* xlb:primary */ SELECT 1")
        me, n1 = s.getsockname()[1], 120000
        s.sendall(pkt(rows_sql(n1)))
        # what the kernel holds: the proxy's send queue and the client's receive queue,
        # once it no longer changes (0.2 s)
        time.sleep(0.25)
        seen = []
        while len(seen) < 4 or len(set(seen[-4:])) > 1:
            time.sleep(0.05)
            seen.append(queues(PORT, me)[0] + queues(me, PORT)[1])
            if len(seen) > 40:
                return "kernel queues never settled: %r" % seen[-8:]
        held = rows_bytes(n1) - seen[-1]  # what the proxy holds
        if not 0 < held < HIGH - 2 * L:
            return "kernel queues hold %d of %d bytes" % (seen[-1], rows_bytes(n1))
        n2 = (HIGH - held - L // 2 + offset - R1) // 6 + 1
        s.sendall(pkt(rows_sql(n2)) + pkt(ERR_SQL))
        time.sleep(0.5)  # the proxy reads both replies meanwhile; the client nothing
        read_packets(c, n1 + 4 + n2 + 4 + 1)
        return "answered" if next_answered(c) else "hang"
    except Exception as e:
        return "%s %s" % (type(e).__name__, e)
    finally:
        s.close()

got = [(off, trial(off)) for off in (0, -L, L)]
point("a reply whose last packet crosses the proxy's high mark, then another statement: "
      "answered within 3 s", all(r == "answered" for _, r in got), "got %r" % got)
print("DONE")
EOF
export BP_SIZES=${BP_SIZES:-"175000 200000 260000 330000"}
sqlp_py_points "$SQLP_TMP/backpressure.py"

# --- client input while a command runs ----------------------------------------------------

cat >"$SQLP_TMP/input.py" <<'EOF'
from regress import *

# SELECT SLEEP(3), then 2 s of junk: the proxy reads none of it before the command is done
# (it waits in the kernel's buffers), so its memory does not follow the client's sending.
c = conn()
base = vmrss_kb(PID)
c.command(0x03, b"SELECT SLEEP(3)")
c.s.setblocking(False)
junk = b"\0" * (1 << 20)
sent, t0 = 0, time.time()
while time.time() - t0 < 2 and sent < (768 << 20):
    try:
        sent += c.s.send(junk)
    except BlockingIOError:
        time.sleep(0.005)
    except OSError:
        break
rss = vmrss_kb(PID)
point("SELECT SLEEP(3) and 2 s of junk (%d MB sent): the proxy's RSS stays under 200 MB"
      % (sent >> 20), rss < 200 * 1024, "VmRSS %d kB (%d kB before)" % (rss, base))
c.close_hard()
time.sleep(0.2)
alive = True
try:
    os.kill(PID, 0)
except OSError:
    alive = False
point("... the proxy is alive", alive)
got = attempt(lambda: conn().value("SELECT 1"))
point("... and answers a new session", got == ("ok", "1"), "got %r" % (got,))

# A login header announcing a 16 MB packet: refused on the header, not after the login
# timeout (10 s) while the proxy waits for (and would hold) the whole packet.
c = sqlp.Conn(PORT)
c.greeting()
t0 = time.time()
c.raw(b"\xff\xff\xff\x01" + b"\0" * 100)
out = c.outcome(wait=6)
dt = time.time() - t0
point("a login header announcing 16 MB: refused at once (%s after %.1f s)" % (out, dt),
      out != "silent" and dt < 3, "got %s after %.1f s" % (out, dt))
c.s.close()
print("DONE")
EOF
sqlp_py_points "$SQLP_TMP/input.py"

# --- a causal wait on a frozen replica -----------------------------------------------------

cat >"$SQLP_TMP/causal.py" <<'EOF'
from regress import *

# The session's replica connection is open, then the replica freezes (SIGSTOP: the socket
# stays up, nothing answers). A read after a write waits for the write on the replica
# (MASTER_GTID_WAIT, causal_timeout 1 s): that wait must end, and the read go to the primary.
rpid = int(open(os.path.join(DIR, "db2", "pid")).read())
c = conn(timeout=10)
got = attempt(lambda: c.value("SELECT @@server_id"))
point("causal: a first read opens the session's replica connection", got == ("ok", "2"),
      "got %r" % (got,))
os.kill(rpid, signal.SIGSTOP)
try:
    got = attempt(lambda: c.query("INSERT INTO r VALUES (10, 10)"))
    point("... replica frozen: a write succeeds", got[0] == "ok", "got %r" % (got,))
    c.s.settimeout(8)
    t0 = time.time()
    got = attempt(lambda: c.value("SELECT @@server_id"))
    dt = time.time() - t0
    point("... the read after it is answered by the primary within causal_timeout + 3 s "
          "(%.1f s)" % dt, got == ("ok", "1") and dt < 4, "got %r after %.1f s" % (got, dt))
finally:
    os.kill(rpid, signal.SIGCONT)
c.s.close()
print("DONE")
EOF
sqlp_py_points "$SQLP_TMP/causal.py"

check "xlb-sqlproxy is still running" sqlp_proxy_alive
tap_done
