# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Set-up shared by the xlb-sqlproxy tests (tests/sql/test_sqlproxy_*.sh) and its benchmark: a
# private MariaDB primary and replica (tools/mariadb.sh), the splitter in front of them, its
# admin socket, clients through it, and a raw MySQL protocol client in Python for what the
# ordinary clients cannot send. Source it after tap.sh (the tests) or alone (the benchmark).
#
#   sqlp_init NAME BASE_PORT     # BASE_PORT: the proxy; +6 primary, +7 replica
#   sqlp_start                   # MariaDB pair, config, proxy up and answering, or 1
#   sqlp_q "SQL"                 # through the proxy as app, tab-separated, no headers
#   sqlp_admin "show stats"      # one admin command, its reply without the empty line
#   sqlp_cleanup                 # from an EXIT trap
#
# SQLPROXY=PATH runs another build of the proxy.

SQLP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SQLPROXY=${SQLPROXY:-$SQLP_ROOT/build/xlb-sqlproxy}
# The Python cases import the admin client (tools/sqlproxy_admin.py) as a module.
export PYTHONPATH=$SQLP_ROOT/tools${PYTHONPATH:+:$PYTHONPATH}
# shellcheck source=tools/mariadb.sh
source "$SQLP_ROOT/tools/mariadb.sh"

SQLP_TMP=
SQLP_PID=
SQLP_PORT=
SQLP_PPORT=
SQLP_RPORT=
SQLP_CONF=
SQLP_ADMIN=
SQLP_LOG=
declare -gA SQLP_SESS_PID=() SQLP_SESS_FD=()

# sqlp_init NAME BASE_PORT: names and ports; nothing started yet. Test ports stay below the
# kernel's ephemeral range (32768 and up): a listener there fails now and then with "Address
# already in use" when some client's outgoing connection happens to hold that port.
sqlp_init() {
	SQLP_TMP=$(mktemp -d "/tmp/xlb-sqlp-$1.XXXXXX")
	# mysqld runs as the mysql user and must reach its datadir below this directory.
	chmod 755 "$SQLP_TMP"
	SQLP_PORT=$2
	SQLP_PPORT=$(($2 + 6))
	SQLP_RPORT=$(($2 + 7))
	SQLP_CONF=$SQLP_TMP/sqlproxy.conf
	SQLP_ADMIN=$SQLP_TMP/sqlproxy.sock
	SQLP_LOG=$SQLP_TMP/sqlproxy.log
	sqlp_write_pyclient
}

# sqlp_missing: what this machine lacks to run the SQL tests, or nothing.
sqlp_missing() {
	local c
	[ "$(id -u)" = 0 ] || { echo "root (MariaDB runs as the mysql user)"; return; }
	for c in mariadbd mariadb-install-db mariadb python3 perl timeout; do
		command -v "$c" >/dev/null 2>&1 || [ -x "/usr/sbin/$c" ] || { echo "$c"; return; }
	done
	[ -x "$SQLPROXY" ] || echo "$SQLPROXY (make build/xlb-sqlproxy)"
}

# sqlp_write_conf: the config the issue documents, mode 0600 (the proxy refuses others).
sqlp_write_conf() {
	(
		umask 077
		cat >"$SQLP_CONF" <<EOF
# written by tests/lib/sqlproxy.sh
[proxy]
listen = 127.0.0.1:$SQLP_PORT
admin = $SQLP_ADMIN
max_lag = 5s
causal_reads = on

[server db1]
address = 127.0.0.1:$SQLP_PPORT
role = primary

[server db2]
address = 127.0.0.1:$SQLP_RPORT
role = replica

[user app]
password = app-secret
EOF
	)
}

# sqlp_proxy_start: the proxy in the foreground of a background job, answering SQL (10 s).
sqlp_proxy_start() {
	"$SQLPROXY" -c "$SQLP_CONF" --foreground ${SQLP_VERBOSE:+-v} >>"$SQLP_LOG" 2>&1 &
	SQLP_PID=$!
	for _ in $(seq 100); do
		if ! kill -0 "$SQLP_PID" 2>/dev/null; then
			echo "sqlp: xlb-sqlproxy exited at start:" >&2
			tail -n 20 "$SQLP_LOG" >&2
			SQLP_PID=
			return 1
		fi
		[ -S "$SQLP_ADMIN" ] && [ "$(sqlp_q "SELECT 1" 2>/dev/null)" = 1 ] && return 0
		sleep 0.1
	done
	echo "sqlp: xlb-sqlproxy did not answer SELECT 1 within 10 s:" >&2
	tail -n 20 "$SQLP_LOG" >&2
	return 1
}

# sqlp_start: the MariaDB pair, then the proxy.
sqlp_start() {
	mariadb_pair_start "$SQLP_TMP/db" "$SQLP_PPORT" "$SQLP_RPORT" || return 1
	sqlp_write_conf
	sqlp_proxy_start
}

sqlp_proxy_alive() { [ -n "$SQLP_PID" ] && kill -0 "$SQLP_PID" 2>/dev/null; }

sqlp_cleanup() {
	local n
	for n in "${!SQLP_SESS_PID[@]}"; do
		kill "${SQLP_SESS_PID[$n]}" 2>/dev/null
	done
	if [ -n "$SQLP_PID" ]; then
		kill "$SQLP_PID" 2>/dev/null
		wait "$SQLP_PID" 2>/dev/null
	fi
	# A stopped node (the tests freeze one with SIGSTOP) would not hear SIGTERM.
	for n in db1 db2; do
		[ -n "$MARIADB_DIR" ] && [ -f "$MARIADB_DIR/$n/pid" ] &&
			kill -CONT "$(cat "$MARIADB_DIR/$n/pid")" 2>/dev/null
	done
	mariadb_pair_stop
	[ -n "$SQLP_TMP" ] && rm -rf "$SQLP_TMP"
	SQLP_TMP=
}

# sqlp_test_begin NAME BASE_PORT [perl]: the start of a TAP test file (tests/lib/tap.sh
# sourced): skips the whole file when a tool is missing (with "perl", DBD::MariaDB too),
# starts the pair and the proxy, and stops them when the test exits.
sqlp_test_begin() {
	local missing
	missing=$(sqlp_missing)
	[ -z "$missing" ] || skip_all "needs $missing"
	if [ "${3:-}" = perl ]; then
		perl -MDBD::MariaDB -e 1 2>/dev/null ||
			skip_all "needs DBD::MariaDB (libdbd-mariadb-perl)"
	fi
	sqlp_init "$1" "$2"
	trap sqlp_cleanup EXIT
	sqlp_start || bail "MariaDB pair or xlb-sqlproxy did not start"
}

# sqlp_client [ARGS...]: the mariadb client through the proxy as app; 20 s at most, so that a
# proxy that hangs fails the test instead of stalling it.
sqlp_client() {
	timeout 20 "$MARIADB_CLIENT" --no-defaults -h127.0.0.1 -P"$SQLP_PORT" -uapp -papp-secret \
		-N -B "$@"
}

# sqlp_q SQL: runs SQL through the proxy; rows on stdout, the client's error on stderr.
sqlp_q() { sqlp_client -e "$1"; }

# sqlp_qe SQL: like sqlp_q with stderr folded into stdout (for comparing error messages).
sqlp_qe() { sqlp_client -e "$1" 2>&1; }

# sqlp_admin COMMAND: one admin command; the reply up to (without) its terminating empty
# line. 1 if the socket does not answer or the reply does not end.
sqlp_admin() { sqlp_admin_at "$SQLP_ADMIN" "$@"; }

# sqlp_admin_at ADMIN COMMAND: the same at ADMIN, a Unix socket path or a TCP ADDR:PORT or
# [ADDR6]:PORT (as [proxy] admin takes it).
sqlp_admin_at() { "$SQLP_ROOT/tools/sqlproxy_admin.py" "$@"; }

# sqlp_py_points SCRIPT [TIMEOUT]: runs a Python test script (60 s at most by default) that
# prints "PASS<TAB>name" or "FAIL<TAB>name<TAB>detail" per point and "DONE" at its end; each
# line becomes a TAP point, and one more says whether the script reached its end. The script
# finds the proxy in SQLP_PORT, SQLP_ADMIN and SQLP_PID.
sqlp_py_points() {
	local res name detail done=
	while IFS=$'\t' read -r res name detail; do
		case $res in
		PASS) ok "$name" ;;
		FAIL) fail "$name"; diag "$detail" ;;
		DONE) done=1 ;;
		*) diag "$res $name $detail" ;;
		esac
	done < <(SQLP_PORT=$SQLP_PORT SQLP_ADMIN=$SQLP_ADMIN SQLP_PID=$SQLP_PID \
		timeout "${2:-60}" python3 "$1" 2>&1)
	check "$(basename "$1" .py): the script ran to its end" [ -n "$done" ]
}

SQLP_STATS_BEFORE=

# sqlp_stat KEY [TEXT]: a value of `show stats` (of TEXT, by default a fresh one); 0 if absent.
sqlp_stat() {
	local text=${2-}
	[ $# -ge 2 ] || text=$(sqlp_admin show stats)
	awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }' <<<"$text"
}

# sqlp_mark, then sqlp_delta KEY: how much a counter grew since the mark.
sqlp_mark() { SQLP_STATS_BEFORE=$(sqlp_admin show stats); }
sqlp_delta() {
	local now
	now=$(sqlp_admin show stats)
	echo $(($(sqlp_stat "$1" "$now") - $(sqlp_stat "$1" "$SQLP_STATS_BEFORE")))
}

# sqlp_server_field NAME COLUMN: a column of NAME's row in `show servers` (name address role
# lag state reads writes errors open).
sqlp_server_field() {
	sqlp_admin show servers | awk -F'\t' -v n="$1" -v c="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$1 == n { print $(col[c]) }'
}

# Long-lived client sessions: a mariadb client reading statements from a fifo, so that a test
# can change the servers between two statements of one session.
# sqlp_session_open NAME [--force]
sqlp_session_open() {
	local n=$1 fd
	shift
	mkfifo "$SQLP_TMP/$n.in"
	: >"$SQLP_TMP/$n.out"
	: >"$SQLP_TMP/$n.err"
	# --unbuffered: each result is in the file as soon as it is read. Without --force a
	# failing statement ends the client, which sqlp_session_query sees; with it the client
	# goes on, and sqlp_session_query reports the error.
	(
		sqlp_close_session_fds
		exec timeout 120 "$MARIADB_CLIENT" --no-defaults -h127.0.0.1 -P"$SQLP_PORT" -uapp \
			-papp-secret -N -B --unbuffered "$@" xlbtest <"$SQLP_TMP/$n.in" \
			>"$SQLP_TMP/$n.out" 2>"$SQLP_TMP/$n.err"
	) &
	SQLP_SESS_PID[$n]=$!
	exec {fd}>"$SQLP_TMP/$n.in"
	SQLP_SESS_FD[$n]=$fd
}

# sqlp_close_session_fds: in a child about to run in the background, closes the write ends
# of the sessions' fifos. A process that kept one would hold that session open: its client
# would never see the end of its input.
sqlp_close_session_fds() {
	local fd
	for fd in "${SQLP_SESS_FD[@]}"; do
		exec {fd}>&-
	done
}

# sqlp_session_query NAME SQL: sends one statement that returns one row; prints that row, or
# "ERR nnnn" when it failed in a --force session. 1 if the client died (the statement failed
# in a session without --force) or nothing came within 10 s.
sqlp_session_query() {
	local n=$1 before ebefore
	before=$(wc -l <"$SQLP_TMP/$n.out")
	ebefore=$(wc -l <"$SQLP_TMP/$n.err")
	echo "$2;" >&"${SQLP_SESS_FD[$n]}" || return 1
	for _ in $(seq 200); do
		# The error first: it is written before anything a later statement prints.
		if [ "$(wc -l <"$SQLP_TMP/$n.err")" -gt "$ebefore" ] &&
			[[ $(tail -n 1 "$SQLP_TMP/$n.err") =~ ^ERROR\ ([0-9]+) ]]; then
			echo "ERR ${BASH_REMATCH[1]}"
			return 0
		fi
		if [ "$(wc -l <"$SQLP_TMP/$n.out")" -gt "$before" ]; then
			tail -n 1 "$SQLP_TMP/$n.out"
			return 0
		fi
		kill -0 "${SQLP_SESS_PID[$n]}" 2>/dev/null || break
		sleep 0.05
	done
	echo "session $n: no answer to '$2': $(cat "$SQLP_TMP/$n.err")" >&2
	return 1
}

# sqlp_session_close NAME: ends the session; 0 if the client exited cleanly.
sqlp_session_close() {
	local n=$1 rc fd=${SQLP_SESS_FD[$1]}
	exec {fd}>&-
	wait "${SQLP_SESS_PID[$n]}"
	rc=$?
	unset "SQLP_SESS_PID[$n]" "SQLP_SESS_FD[$n]"
	return $rc
}

# sqlp_node_pid NODE: the mariadbd of db1 or db2.
sqlp_node_pid() { cat "$MARIADB_DIR/$1/pid"; }

# sqlp_node_kill NODE: kill -9, keeping its command line for sqlp_node_restart.
sqlp_node_kill() {
	local pid
	pid=$(sqlp_node_pid "$1")
	tr '\0' '\n' <"/proc/$pid/cmdline" >"$MARIADB_DIR/$1/cmdline"
	# The server is this shell's child (tools/mariadb.sh started it): wait reaps it without
	# bash's "Killed" job notice in the test output.
	{
		kill -9 "$pid"
		wait "$pid"
	} 2>/dev/null
	while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
}

# sqlp_node_restart NODE: the same server again on its datadir, answering (15 s).
sqlp_node_restart() {
	local d=$MARIADB_DIR/$1 args
	mapfile -t args <"$d/cmdline"
	(
		sqlp_close_session_fds
		exec "${args[@]}" >>"$d/mariadbd.out" 2>&1
	) &
	for _ in $(seq 150); do
		mariadb_sql "$1" "SELECT 1" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# sqlp_replica_writes: GTIDs the replica wrote itself (server_id 2), which only a statement
# sent to it by mistake can make: the replica's binlog state lists one domain-server-seq
# triple per server that wrote. Prints nothing when there are none.
sqlp_replica_writes() {
	mariadb_sql db2 "SELECT @@gtid_binlog_state" | tr ',' '\n' | awk -F- '$2 == 2'
}

# The raw protocol client (sqlp.py in SQLP_TMP): import it from Python tests with
# sys.path.insert(0, os.environ["SQLP_TMP"]).
sqlp_write_pyclient() {
	export SQLP_TMP
	cat >"$SQLP_TMP/sqlp.py" <<'EOF'
# A minimal MySQL protocol client, for what mariadb and Connector/C cannot be made to send.
import hashlib, socket, struct

LONG_PASSWORD, CONNECT_WITH_DB, PROTOCOL_41, SSL = 0x1, 0x8, 0x200, 0x800
TRANSACTIONS, SECURE_CONNECTION, PLUGIN_AUTH = 0x2000, 0x8000, 0x80000
CAPS = LONG_PASSWORD | PROTOCOL_41 | TRANSACTIONS | SECURE_CONNECTION | PLUGIN_AUTH


class Closed(Exception):
    pass


class Err(Exception):
    def __init__(self, code, msg):
        super().__init__("ERR %d: %s" % (code, msg))
        self.code = code


def native(password, scramble):
    if not password:
        return b""
    s1 = hashlib.sha1(password.encode()).digest()
    s3 = hashlib.sha1(scramble + hashlib.sha1(s1).digest()).digest()
    return bytes(a ^ b for a, b in zip(s1, s3))


def lenenc(p, i):
    """(value, next index) of the length-encoded integer at p[i]; value None for 0xfb."""
    c = p[i]
    if c < 0xfb:
        return c, i + 1
    if c == 0xfb:
        return None, i + 1
    n = {0xfc: 2, 0xfd: 3, 0xfe: 8}[c]
    return int.from_bytes(p[i + 1:i + 1 + n], "little"), i + 1 + n


class Conn:
    def __init__(self, port, host="127.0.0.1", timeout=10):
        self.s = socket.create_connection((host, port), timeout=timeout)
        self.seq = 0

    def recv_exact(self, n):
        b = b""
        while len(b) < n:
            d = self.s.recv(n - len(b))
            if not d:
                raise Closed()
            b += d
        return b

    def read(self):
        """One logical packet's payload (16 MB pieces joined)."""
        out = b""
        while True:
            h = self.recv_exact(4)
            n = int.from_bytes(h[:3], "little")
            self.seq = (h[3] + 1) & 0xff
            out += self.recv_exact(n)
            if n < 0xffffff:
                return out

    def send(self, payload, seq=None):
        if seq is not None:
            self.seq = seq
        while True:
            piece, payload = payload[:0xffffff], payload[0xffffff:]
            self.s.sendall(len(piece).to_bytes(3, "little") + bytes([self.seq]) + piece)
            self.seq = (self.seq + 1) & 0xff
            if len(piece) < 0xffffff:
                return

    def raw(self, data):
        self.s.sendall(data)

    def greeting(self):
        p = self.read()
        if p[0] == 0xff:
            raise Err(int.from_bytes(p[1:3], "little"), p[3:].decode(errors="replace"))
        i = p.index(b"\0", 1) + 1
        self.version = p[1:i - 1].decode()
        s1 = p[i + 4:i + 12]
        i += 13
        caps = int.from_bytes(p[i:i + 2], "little")
        i += 5
        caps |= int.from_bytes(p[i:i + 2], "little") << 16
        i += 2 + 1 + 10
        s2 = p[i:i + 12]
        self.server_caps = caps
        self.scramble = s1 + s2
        return p

    def login_packet(self, user, password, db=None, caps=CAPS):
        if db:
            caps |= CONNECT_WITH_DB
        auth = native(password, self.scramble)
        p = struct.pack("<IIB23x", caps, 1 << 24, 33) + user.encode() + b"\0"
        p += bytes([len(auth)]) + auth
        if db:
            p += db.encode() + b"\0"
        return p + b"mysql_native_password\0"

    def auth_result(self, password):
        p = self.read()
        if p[0] == 0xfe and len(p) > 1:  # auth switch: answer the new scramble
            name_end = p.index(b"\0", 1)
            self.scramble = p[name_end + 1:name_end + 21]
            self.send(native(password, self.scramble))
            p = self.read()
        return self.ok_or_err(p)

    def login(self, user="app", password="app-secret", db=None):
        self.greeting()
        self.send(self.login_packet(user, password, db))
        return self.auth_result(password)

    @staticmethod
    def ok_or_err(p):
        if p[0] == 0xff:
            raise Err(int.from_bytes(p[1:3], "little"), p[9:].decode(errors="replace"))
        return p

    def command(self, cmd, arg=b""):
        self.send(bytes([cmd]) + arg, seq=0)

    def ok_status(self, p):
        _, i = lenenc(p, 1)
        _, i = lenenc(p, i)
        self.status = int.from_bytes(p[i:i + 2], "little")

    def result(self):
        """OK -> None; a text result set -> its rows (lists of str or None). self.status:
        the server status that ended it (MORE_RESULTS_EXISTS = 0x8)."""
        p = self.ok_or_err(self.read())
        if p[0] == 0x00:
            self.ok_status(p)
            return None
        ncols, _ = lenenc(p, 0)
        for _ in range(ncols):
            self.read()
        self.read()  # EOF
        rows = []
        while True:
            p = self.ok_or_err(self.read())
            if p[0] == 0xfe and len(p) < 9:
                self.status = int.from_bytes(p[3:5], "little")
                return rows
            row, i = [], 0
            for _ in range(ncols):
                n, i = lenenc(p, i)
                if n is None:
                    row.append(None)
                else:
                    row.append(p[i:i + n].decode(errors="replace"))
                    i += n
            rows.append(row)

    def results(self):
        """Every result of a multi-statement: a list of result()s."""
        out = [self.result()]
        while self.status & 0x8:
            out.append(self.result())
        return out

    def prepare(self, sql):
        """COM_STMT_PREPARE: (statement id, columns, parameters)."""
        self.command(0x16, sql.encode())
        p = self.ok_or_err(self.read())
        sid = int.from_bytes(p[1:5], "little")
        ncols = int.from_bytes(p[5:7], "little")
        nparams = int.from_bytes(p[7:9], "little")
        for n in (nparams, ncols):
            if n:
                for _ in range(n + 1):  # definitions, then EOF
                    self.read()
        return sid, ncols, nparams

    def execute(self, sid):
        """COM_STMT_EXECUTE of a statement without parameters: None (OK) or its binary rows,
        raw (0x00, NULL bitmap from bit 2, values)."""
        self.command(0x17, struct.pack("<IBI", sid, 0, 1))
        p = self.ok_or_err(self.read())
        if p[0] == 0x00:
            return None
        n, _ = lenenc(p, 0)
        for _ in range(n + 1):
            self.read()
        rows = []
        while True:
            p = self.ok_or_err(self.read())
            if p[0] == 0xfe and len(p) < 9:
                return rows
            rows.append(p)

    def change_user(self, user, password, db=None):
        """COM_CHANGE_USER, answering the greeting's scramble (or an auth switch's)."""
        auth = native(password, self.scramble)
        p = user.encode() + b"\0" + bytes([len(auth)]) + auth + (db or "").encode() + b"\0"
        p += struct.pack("<H", 33) + b"mysql_native_password\0"
        self.command(0x11, p)
        return self.auth_result(password)

    def query(self, sql):
        self.command(0x03, sql.encode())
        return self.result()

    def value(self, sql):
        return self.query(sql)[0][0]

    def close_hard(self):
        """Closes with a RST, as a client that vanishes does."""
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.s.close()

    def outcome(self, wait=5):
        """What the proxy did after something bad: 'err CODE', 'closed', or 'silent'."""
        self.s.settimeout(wait)
        try:
            p = self.read()
        except Closed:
            return "closed"
        except socket.timeout:
            return "silent"
        except ConnectionResetError:
            return "closed"
        if p[:1] == b"\xff":
            return "err %d" % int.from_bytes(p[1:3], "little")
        return "packet %r" % p[:16]
EOF
}
