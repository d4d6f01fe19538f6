#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# xlb-sqlproxy (issue 4) at the protocol level: logins refused as a server refuses them
# (ERR 1045), the commands the issue lists (ping, init_db, prepare/execute/reset/close, reset
# connection, change user, quit), payloads and rows over 16 MB, and bad input (garbage,
# lengths that lie, truncation, unknown commands, a client that vanishes mid-result, one that
# stops reading a large one): only that session gets an ERR or is closed; a session opened
# before goes on, and so does the proxy. A raw protocol client in Python sends what the
# ordinary clients cannot. Against a real MariaDB primary and replica. TAP.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/lib/tap.sh
source "$ROOT/tests/lib/tap.sh"
# shellcheck source=tests/lib/sqlproxy.sh
source "$ROOT/tests/lib/sqlproxy.sh"

sqlp_test_begin protocol 23320

# err_code OUTPUT: the MySQL error code in a client's message, or "none".
err_code() {
	if [[ $1 =~ ERROR\ ([0-9]+) ]]; then echo "${BASH_REMATCH[1]}"; else echo none; fi
}

# --- logins --------------------------------------------------------------------------------

client() {
	timeout 20 "$MARIADB_CLIENT" --no-defaults -h127.0.0.1 -P"$SQLP_PORT" -N -B "$@" 2>&1
}
sqlp_mark
is "wrong password: ERR 1045" "$(err_code "$(client -uapp -pwrong -e "SELECT 1")")" 1045
is "unknown user: ERR 1045" "$(err_code "$(client -unobody -papp-secret -e "SELECT 1")")" 1045
is "empty password: ERR 1045" "$(err_code "$(client -uapp --password= -e "SELECT 1")")" 1045
out=$(client -uapp -pwrong -e "SELECT 1")
check "the message names the user, as a server's does ($out)" \
	grep -q "Access denied for user 'app'" <<<"$out"
is "a login into a schema that does not exist: ERR 1049" \
	"$(err_code "$(client -uapp -papp-secret -D no_such_db -e "SELECT 1")")" 1049
# A client's mistake is not a server failure: nobody else's reads may move.
is "... db1 is not marked down for it" "$(sqlp_server_field db1 state)" up
is "... db2 is not marked down for it" "$(sqlp_server_field db2 state)" up
is "... the next session's read still goes to the replica" "$(sqlp_q "SELECT @@server_id")" 2
# Whatever the above did, both servers up again before the next case (5 s).
for _ in $(seq 50); do
	[ "$(sqlp_server_field db1 state)$(sqlp_server_field db2 state)" = upup ] && break
	sleep 0.1
done
is "USE of a schema that does not exist: ERR 1049" \
	"$(err_code "$(client -uapp -papp-secret -e "SELECT 1; USE no_such_db")")" 1049
is "... db2 is not marked down for it" "$(sqlp_server_field db2 state)" up
is "... the next session's read still goes to the replica" "$(sqlp_q "SELECT @@server_id")" 2
# shellcheck disable=SC2016 # Perl code, expanded by Perl
out=$(timeout 20 perl -MDBI -e '
	my $dbh = DBI->connect("DBI:MariaDB:host=127.0.0.1;port=$ARGV[0]", "app", "wrong",
		{ PrintError => 0 });
	print $dbh ? "connected" : $DBI::err;' "$SQLP_PORT" 2>&1)
is "Connector/C (DBD::MariaDB) with a wrong password: ERR 1045" "$out" 1045
check "show stats counts the refused logins" [ "$(sqlp_delta auth_failures)" -ge 4 ]
is "the right password still works" "$(client -uapp -papp-secret -e "SELECT 'in'")" in

# --- the commands the issue lists, from a raw client ---------------------------------------

cat >"$SQLP_TMP/commands.py" <<'EOF'
import os, struct, sys, time
sys.path.insert(0, os.environ["SQLP_TMP"])
import sqlp

port = int(os.environ["SQLP_PORT"])

def point(name, good, detail=""):
    print("%s\t%s\t%s" % ("PASS" if good else "FAIL", name, detail), flush=True)

def attempt(name, fn, want):
    try:
        got = fn()
    except Exception as e:
        got = "%s: %s" % (type(e).__name__, e)
    point(name, got == want, "got %r, want %r" % (got, want))

c = sqlp.Conn(port)
c.login()
c.command(0x0e)
attempt("COM_PING: OK", lambda: c.read()[0], 0)
c.command(0x02, b"xlbtest")
attempt("COM_INIT_DB xlbtest: OK", lambda: c.read()[0], 0)
attempt("... then SELECT DATABASE() is xlbtest", lambda: c.value("SELECT DATABASE()"), "xlbtest")
c.command(0x02, b"no_such_db")
attempt("COM_INIT_DB of a schema that does not exist: ERR 1049", c.outcome, "err 1049")
attempt("... and the session goes on in xlbtest", lambda: c.value("SELECT DATABASE()"), "xlbtest")

# Binary protocol by hand: a statement of three columns, the second NULL (bit 1 + 2 of the
# row's NULL bitmap), executed twice, reset, executed, closed, then executed again (ERR).
def prepared():
    sid, ncols, nparams = c.prepare("SELECT 41 + 1, NULL, 'x'")
    out = [ncols, nparams]
    for _ in range(2):
        rows = c.execute(sid)
        out.append((len(rows), rows[0][1] & 0x08, rows[0][-1:]))
    c.command(0x1a, struct.pack("<I", sid))
    out.append(c.read()[0])
    out.append(len(c.execute(sid)))
    c.command(0x19, struct.pack("<I", sid))  # COM_STMT_CLOSE has no reply
    try:
        c.execute(sid)
        out.append("executed after close")
    except sqlp.Err as e:
        out.append(e.code)
    out.append(c.value("SELECT 'after'"))
    return out

attempt("COM_STMT_PREPARE/EXECUTE x2/RESET/EXECUTE/CLOSE, then EXECUTE gets ERR 1243",
        prepared, [3, 0, (1, 0x08, b"x"), (1, 0x08, b"x"), 0, 1, 1243, "after"])

# COM_STMT_SEND_LONG_DATA (no reply) three times, then an execute binding that parameter as
# a BLOB: the server saw all 3,000 bytes.
def long_data():
    sid, ncols, _ = c.prepare("SELECT LENGTH(?)")
    for _ in range(3):
        c.command(0x18, struct.pack("<IH", sid, 0) + b"a" * 1000)
    # statement, flags, iterations, NULL bitmap, new-params-bound, type MYSQL_TYPE_BLOB
    c.command(0x17, struct.pack("<IBI", sid, 0, 1) + b"\x00\x01\xfc\x00")
    c.read()
    for _ in range(ncols + 1):
        c.read()
    row = c.read()
    c.read()  # EOF
    c.command(0x19, struct.pack("<I", sid))
    return int.from_bytes(row[2:10], "little")

attempt("COM_STMT_SEND_LONG_DATA x3, then EXECUTE: the server got 3000 bytes", long_data, 3000)

c.query("SET @x = 5")
c.query("CREATE TEMPORARY TABLE tmp_r (a INT)")
c.command(0x1f)
attempt("COM_RESET_CONNECTION: OK", lambda: c.read()[0], 0)
attempt("... user variables are gone", lambda: c.value("SELECT @x"), None)

def temp_gone():
    try:
        c.query("SELECT * FROM tmp_r")
        return "still there"
    except sqlp.Err as e:
        return e.code

attempt("... temporary tables are gone (ERR 1146)", temp_gone, 1146)
attempt("... and the session still works", lambda: c.value("SELECT 'ok'"), "ok")

c.query("SET @y = 7")
attempt("COM_CHANGE_USER to app with the right password: OK",
        lambda: c.change_user("app", "app-secret", "xlbtest")[0], 0)
attempt("... the session is app's, in xlbtest, its variables reset",
        lambda: c.query("SELECT CURRENT_USER(), DATABASE(), @y")[0], ["app@%", "xlbtest", None])
attempt("... reads and writes after it work",
        lambda: (c.query("CREATE TABLE IF NOT EXISTS cu (a INT)"),
                 c.query("INSERT INTO cu VALUES (1)"), c.value("SELECT COUNT(*) FROM cu"))[2], "1")

def change_bad():
    try:
        c.change_user("app", "wrong")
        return "accepted"
    except sqlp.Err as e:
        return e.code

attempt("COM_CHANGE_USER with a wrong password: ERR 1045", change_bad, 1045)

c = sqlp.Conn(port)
c.login(db="xlbtest")
if c.server_caps & 0x10000:  # CLIENT_MULTI_STATEMENTS offered: a multi-statement works
    c = sqlp.Conn(port)
    c.greeting()
    c.send(c.login_packet("app", "app-secret", "xlbtest", sqlp.CAPS | 0x10000 | 0x20000))
    c.auth_result("app-secret")
    attempt("a multi-statement (offered): every result, on the primary",
            lambda: c.command(0x03, b"SELECT @@server_id; SELECT 2") or c.results(),
            [[["1"]], [["2"]]])
else:
    point("multi-statements not offered (CLIENT_MULTI_STATEMENTS clear): nothing to test", True)
c.command(0x09)
attempt("COM_STATISTICS: the server's status line",
        lambda: c.read()[:7], b"Uptime:")
c.command(0x01)
attempt("COM_QUIT: the proxy closes the connection", lambda: c.outcome(5), "closed")
print("DONE")
EOF
sqlp_py_points "$SQLP_TMP/commands.py" 180

# --- over 16 MB ----------------------------------------------------------------------------

cat >"$SQLP_TMP/big.py" <<'EOF'
import os, sys
sys.path.insert(0, os.environ["SQLP_TMP"])
import sqlp

port = int(os.environ["SQLP_PORT"])
MAX = 0xffffff

def point(name, got, want):
    print("%s\t%s\tgot %r, want %r" % ("PASS" if got == want else "FAIL", name, got, want),
          flush=True)

c = sqlp.Conn(port, timeout=60)
c.login(db="xlbtest")
# A COM_QUERY of exactly 16 MB - 1 bytes: one full packet, then the empty one that ends it.
n = MAX - 1 - len("SELECT LENGTH('')")
point("COM_QUERY of exactly 16 MB - 1 bytes (an empty packet follows)",
      c.value("SELECT LENGTH('" + "x" * n + "')"), str(n))
n = 17 << 20
point("COM_QUERY of 17 MB (two packets)", c.value("SELECT LENGTH('" + "y" * n + "')"), str(n))
# A row of exactly 16 MB - 1 bytes: the lenenc length (4 bytes) plus the value.
n = MAX - 4
rows = c.query("SELECT REPEAT('z', %d)" % n)
point("a row of exactly 16 MB - 1 bytes comes whole", len(rows[0][0]), n)
point("... and the session goes on", c.value("SELECT 'next'"), "next")
n = 20 << 20
rows = c.query("SELECT REPEAT('w', %d), 'tail'" % n)
point("a row of 20 MB (two packets), and the column after it", (len(rows[0][0]), rows[0][1]),
      (n, "tail"))
c.query("CREATE TABLE big (id INT PRIMARY KEY, b LONGBLOB)")
c.query("INSERT INTO big VALUES (1, '" + "b" * (17 << 20) + "')")
point("an INSERT of 17 MB through the proxy lands on db1", c.value(
    "/* xlb:primary */ SELECT LENGTH(b) FROM big WHERE id = 1"), str(17 << 20))
print("DONE")
EOF
sqlp_py_points "$SQLP_TMP/big.py" 180
mariadb_wait_replica
out=$(sqlp_client --max-allowed-packet=64M -e "SELECT LENGTH(b), @@server_id FROM xlbtest.big")
is "the 17 MB row read back through the proxy from the replica" "$out" "$(printf '%d\t2' $((17 << 20)))"
# shellcheck disable=SC2016 # Perl code
out=$(timeout 60 perl -MDBI -e '
	my $dbh = DBI->connect("DBI:MariaDB:database=xlbtest;host=127.0.0.1;port=$ARGV[0]",
		"app", "app-secret", { RaiseError => 1, mariadb_server_prepare => 1 });
	my $sth = $dbh->prepare("SELECT REPEAT(?, ?), ?");
	for my $n (20 << 20, 0xffffff - 4) {
		$sth->execute("x", $n, "tail");
		my @r = $sth->fetchrow_array;
		print length($r[0]), " $r[1] ";
	}
	$sth = $dbh->prepare("SELECT LENGTH(?)");
	$sth->execute("z" x (17 << 20));
	print $sth->fetchrow_array;' "$SQLP_PORT" 2>&1)
is "binary protocol (DBD::MariaDB): rows of 20 MB and of 16 MB - 1, a 17 MB parameter" \
	"$out" "$((20 << 20)) tail $((0xffffff - 4)) tail $((17 << 20))"
python3 -c 'print("SELECT LENGTH(\x27" + "q" * (17 << 20) + "\x27);")' >"$SQLP_TMP/big.sql"
is "the mariadb client sends a 17 MB statement through the proxy" \
	"$(sqlp_client --max-allowed-packet=64M <"$SQLP_TMP/big.sql")" $((17 << 20))
is "the mariadb client receives a 17 MB value through the proxy" \
	"$(sqlp_client --max-allowed-packet=64M -e "SELECT REPEAT('r', 17825792)" | wc -c)" 17825793

# --- bad input -----------------------------------------------------------------------------

cat >"$SQLP_TMP/bad.py" <<'EOF'
import os, socket, struct, sys, time
sys.path.insert(0, os.environ["SQLP_TMP"])
import sqlp
from sqlproxy_admin import command

port = int(os.environ["SQLP_PORT"])
pid = int(os.environ["SQLP_PID"])

def point(name, good, detail=""):
    print("%s\t%s\t%s" % ("PASS" if good else "FAIL", name, detail), flush=True)

def alive():
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False

def admin(cmd):
    return command(os.environ["SQLP_ADMIN"], cmd)[0]

def stat(key):
    for line in admin("show stats").splitlines():
        f = line.split()
        if len(f) >= 2 and f[0] == key:
            return int(f[1])
    return None

def sessions_open():
    return stat("sessions_open")

def rss_kb():
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

# The witness: a session opened before any bad input, used after each case.
w = sqlp.Conn(port)
w.login(db="xlbtest")
w.value("SELECT 1")
wp = sqlp.Conn(port)
wp.login(db="xlbtest")
wp.query("SELECT @@server_id FROM DUAL FOR UPDATE")  # this one holds a primary connection

def after(name):
    """The proxy, and sessions opened before, are unaffected."""
    try:
        good = w.value("SELECT 'w'") == "w" and wp.value("SELECT 'p' FOR UPDATE") == "p"
        detail = ""
    except Exception as e:
        good, detail = False, "%s: %s" % (type(e).__name__, e)
    point("%s: the proxy lives, earlier sessions still answer" % name, alive() and good,
          detail if alive() else "the proxy died")

def expect_err_or_close(name, conn, wait=5):
    o = conn.outcome(wait)
    point("%s: ERR or close (%s)" % (name, o), o == "closed" or o.startswith("err "),
          "the proxy answered neither with an ERR nor by closing within %d s" % wait)
    conn.s.close()
    after(name)

def greeted():
    c = sqlp.Conn(port)
    c.greeting()
    return c

def logged_in():
    c = sqlp.Conn(port)
    c.login(db="xlbtest")
    return c

c = greeted()
c.send(b"\xffgarbage, not a handshake response" * 4)
expect_err_or_close("a garbage handshake response", c)

c = greeted()
c.send(b"\x01\x02")
expect_err_or_close("a 2-byte handshake response", c)

c = greeted()
p = c.login_packet("app", "app-secret")
cut = p.index(b"app\0") + 4  # the auth length byte follows the user name
c.send(p[:cut] + b"\xf0" + p[cut + 1:cut + 10])
expect_err_or_close("a handshake response whose auth length runs past its end", c)

# MariaDB takes a schema name that runs to the end of the packet: so may the proxy, if the
# session then works.
c = greeted()
p = c.login_packet("app", "app-secret", "xlbtest")
c.send(p[:-len("mysql_native_password\0") - 1])  # the schema without its NUL, nothing after
o = c.outcome()
if o.startswith("packet b'\\x00"):
    try:
        o = "a working session in " + c.value("SELECT DATABASE()")
    except Exception as e:
        o = "OK, then %s: %s" % (type(e).__name__, e)
point("a handshake response ending in a schema without its NUL: ERR, close, or a session "
      "(%s)" % o, o in ("closed", "a working session in xlbtest") or o.startswith("err "))
c.s.close()
after("a schema without its NUL")

c = greeted()
p = c.login_packet("a" * 300, "app-secret")
c.send(p)
expect_err_or_close("a user name of 300 bytes", c)

c = greeted()
p = c.login_packet("app", "app-secret")
c.raw(struct.pack("<I", 10 | (1 << 24)) + p)  # the header says 10 bytes; 60 follow
expect_err_or_close("a packet whose header says 10 bytes while 60 follow", c)

c = greeted()
c.raw(b"\xe8\x03\x00\x01" + b"\0" * 50)  # 1000 announced, 50 sent, then nothing
time.sleep(1)
c.close_hard()
after("a packet announcing 1000 bytes, 50 sent, then a reset")

c = greeted()
c.raw(b"\x40\x00")  # half a header
c.s.close()
after("half a packet header, then close")

c = greeted()
p = c.login_packet("app", "app-secret")
c.raw(struct.pack("<I", len(p) | (1 << 24)) + p[:len(p) // 2])
c.s.close()
after("a truncated handshake response, then close")

c = greeted()
if c.server_caps & sqlp.SSL:
    point("SSL offered: the SSL request case does not apply", True)
    c.s.close()
else:
    c.send(struct.pack("<IIB23x", sqlp.CAPS | sqlp.SSL, 1 << 24, 33))
    expect_err_or_close("an SSL request the proxy did not offer", c)

for cmd in (0x7f, 0x00, 0xff, 0x05):
    c = logged_in()
    c.command(cmd)
    expect_err_or_close("unknown command byte 0x%02x after a good login" % cmd, c)

c = logged_in()
c.send(b"", seq=0)
expect_err_or_close("an empty command packet", c)

c = logged_in()
c.command(0x17, b"\x01\x00")
expect_err_or_close("a COM_STMT_EXECUTE of 2 bytes", c)

c = logged_in()
c.command(0x17, struct.pack("<IBI", 12345, 0, 1))
expect_err_or_close("a COM_STMT_EXECUTE of a statement never prepared", c)

c = logged_in()
sid, _, _ = c.prepare("SELECT ? + 1")
c.command(0x17, struct.pack("<IBI", sid, 0, 1) + b"\x00\x01")  # parameter types missing
expect_err_or_close("a COM_STMT_EXECUTE whose parameters are cut short", c)

c = logged_in()
c.command(0x03, b"SELECT 'a'")
c.raw(b"\x05\x00\x00\x00\x03SELE")  # a second command before the first one's reply
time.sleep(1)
c.close_hard()
after("a command sent before the previous reply, then a reset")

c = logged_in()
msg = b"\x03SELECT 'bytewise'"
pkt = struct.pack("<I", len(msg)) + msg
for i in range(len(pkt)):
    c.raw(pkt[i:i + 1])
    time.sleep(0.01)
try:
    rows = c.result()
    point("a command sent one byte at a time is answered", rows == [["bytewise"]], repr(rows))
except Exception as e:
    point("a command sent one byte at a time is answered", False, repr(e))
c.s.close()
after("bytewise")

# 50 connections that never log in: the proxy must not wait on them.
idle = [sqlp.Conn(port) for _ in range(50)]
after("50 connections idle before their login")
for s in idle:
    s.s.close()

# A client that vanishes in the middle of a 100 MB result (on the replica and, pinned by
# FOR UPDATE, the primary).
for where, sql in (("replica", "SELECT REPEAT('v', 1000), seq FROM seq_1_to_100000"),
                   ("primary", "SELECT REPEAT('v', 1000), seq FROM seq_1_to_100000 FOR UPDATE")):
    c = logged_in()
    c.command(0x03, sql.encode())
    got = 0
    while got < 65536:
        got += len(c.s.recv(65536))
    c.close_hard()
    after("a client reset after 64 KB of a 100 MB result (%s)" % where)

# One that stops reading a 100 MB result: the proxy relays, it does not buffer the whole
# reply (it would grow by 100 MB); then the client reads on and every row is there.
c = logged_in()
r0 = rss_kb()
c.command(0x03, b"SELECT REPEAT('s', 1000), seq FROM seq_1_to_100000")
for _ in range(1 + 2 + 1):  # column count, two definitions, EOF
    c.read()
rows, last = 0, b""
while rows < 1000:
    last = c.read()
    rows += 1
time.sleep(3)
r1 = rss_kb()
point("a client that stops reading a 100 MB result: the proxy grows by less than 32 MB",
      r1 - r0 < 32 * 1024, "RSS %d kB -> %d kB" % (r0, r1))
c.s.settimeout(60)
while True:
    p = c.read()
    if p[0] == 0xfe and len(p) < 9:
        break
    rows, last = rows + 1, p
point("... then it reads on: 100000 rows, the last one row 100000",
      rows == 100000 and last.endswith(b"100000"), "%d rows, last ends %r" % (rows, last[-8:]))
c.s.close()
after("a slow reader of a 100 MB result")

# Every session closed above is gone from the proxy: the two witnesses are left (5 s).
for _ in range(50):
    now = sessions_open()
    if now == 2:
        break
    time.sleep(0.1)
point("the sessions that vanished are closed in the proxy (open: %s, want 2)" % now, now == 2)
print("DONE")
EOF
sqlp_py_points "$SQLP_TMP/bad.py" 180

# The config holds passwords: a copy readable by others is refused at start, with a message
# that names it. Another listen port and admin socket, so that a proxy that does start
# anyway does not clash with the running one (and is stopped).
sed -e "s/^listen = .*/listen = 127.0.0.1:$((SQLP_PORT + 1))/" \
	-e "s|^admin = .*|admin = $SQLP_TMP/loose.sock|" "$SQLP_CONF" >"$SQLP_TMP/loose.conf"
chmod 644 "$SQLP_TMP/loose.conf"
out=$(timeout 5 "$SQLPROXY" -c "$SQLP_TMP/loose.conf" --foreground 2>&1)
rc=$?
check "a config readable by others: the proxy refuses to start (exit $rc; 124: it ran on)" \
	grep -qvxE '0|124' <<<"$rc"
check "... and says which file ($(head -n 1 <<<"$out"))" grep -q "loose.conf" <<<"$out"

# The admin socket over TCP (admin = ADDR:PORT, for an xlbd on another machine): a second
# proxy on the same servers, its admin on 127.0.0.1:23373, its clients on 23374. The same
# protocol as on the Unix socket.
TCP_ADMIN=127.0.0.1:23373
sed -e "s/^listen = .*/listen = 127.0.0.1:23374/" -e "s|^admin = .*|admin = $TCP_ADMIN|" \
	"$SQLP_CONF" >"$SQLP_TMP/tcp.conf"
chmod 600 "$SQLP_TMP/tcp.conf"
"$SQLPROXY" -c "$SQLP_TMP/tcp.conf" --foreground >>"$SQLP_TMP/tcp.log" 2>&1 &
TCP_PID=$!
for _ in $(seq 100); do
	sqlp_admin_at "$TCP_ADMIN" help >/dev/null 2>&1 && break
	sleep 0.1
done
# name address role: the columns that do not count traffic
servers_of() { sqlp_admin_at "$1" show servers | cut -f1-3; }
out=$(servers_of "$TCP_ADMIN")
is "TCP admin: show servers answers as on the Unix socket" "$out" "$(servers_of "$SQLP_ADMIN")"
is "TCP admin: set server NAME role" "$(sqlp_admin_at "$TCP_ADMIN" set server db2 role offline)" OK
is "TCP admin: the role is set" "$(servers_of "$TCP_ADMIN" | awk -F'\t' '$1 == "db2" { print $3 }')" \
	offline
is "TCP admin: an error is one ERR line" "$(sqlp_admin_at "$TCP_ADMIN" show nothing)" \
	"ERR: bad show command: expected show servers, show stats or show sessions"
# its own clients' port, the same admin port
sed "s/^listen = .*/listen = 127.0.0.1:23375/" "$SQLP_TMP/tcp.conf" >"$SQLP_TMP/tcp2.conf"
chmod 600 "$SQLP_TMP/tcp2.conf"
out=$(timeout 5 "$SQLPROXY" -c "$SQLP_TMP/tcp2.conf" --foreground 2>&1)
rc=$?
is "TCP admin: a second proxy on the same port does not start (exit $rc)" "$(grep -cxE '0|124' \
	<<<"$rc")" 0
check "... and says why in one line ($(head -n 1 <<<"$out"))" \
	grep -qF "$TCP_ADMIN: cannot bind the admin socket: Address already in use" <<<"$out"
kill "$TCP_PID" 2>/dev/null
wait "$TCP_PID" 2>/dev/null
sed -i "s|^admin = .*|admin = localhost:23373|" "$SQLP_TMP/tcp.conf"
out=$("$SQLPROXY" -c "$SQLP_TMP/tcp.conf" --check-config 2>&1)
is "TCP admin: a host name is refused in one line" "$out" "xlb-sqlproxy: $SQLP_TMP/tcp.conf:4: bad admin \
'localhost:23373' in [proxy]: expected the path of a Unix socket (1 to 107 characters, no ':') \
or a numeric ADDR:PORT or [ADDR6]:PORT"

check "after all of it, a new session works" [ "$(sqlp_q "SELECT 'fresh'")" = fresh ]
diag "show stats: $(sqlp_admin show stats | tr '\n' ' ')"
check "xlb-sqlproxy is still running" sqlp_proxy_alive

tap_done
