#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# appd, the demo application server, against a real MariaDB primary and replica behind
# xlb-sqlproxy (causal_reads on): the API's answers and status codes, that no rejected
# request writes anything, that SQL metacharacters are stored verbatim, that reads report the
# server that answered them (the replica, then the primary once the replica is gone), and
# that /health turns 503 at once when no database is left. TAP.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/lib/tap.sh
source "$ROOT/tests/lib/tap.sh"
# shellcheck source=tests/lib/sqlproxy.sh
source "$ROOT/tests/lib/sqlproxy.sh"

APPD=${APPD:-$ROOT/build/appd}
APPD_PORT=23358
BASE=http://127.0.0.1:$APPD_PORT
APPD_PID=
MAX_BODY=16384

matches() { [[ $1 =~ $2 ]]; }

missing=$(sqlp_missing)
[ -z "$missing" ] || skip_all "needs $missing"
command -v curl >/dev/null || skip_all "needs curl"
[ -x "$APPD" ] || skip_all "needs $APPD (make build/appd)"

# The splitter on 23356, the primary on 23350, the replica on 23351.
sqlp_init appd 23356
SQLP_PPORT=23350
SQLP_RPORT=23351
T=$SQLP_TMP

appd_cleanup() {
	if [ -n "$APPD_PID" ]; then
		kill "$APPD_PID" 2>/dev/null
		wait "$APPD_PID" 2>/dev/null
	fi
	APPD_PID=
	sqlp_cleanup
}
trap appd_cleanup EXIT

sqlp_start || bail "MariaDB pair or xlb-sqlproxy did not start"
# Twice: the schema must be safe to load again.
for _ in 1 2; do
	mariadb_sql db1 "$(cat "$ROOT/user/appd/schema.sql")" || bail "cannot load schema.sql"
done
mariadb_wait_replica || bail "the replica does not follow the primary"

(
	umask 077
	printf 'app-secret\n' >"$T/appd.pw"
	cat >"$T/appd.conf" <<EOF2
[appd]
listen = 127.0.0.1:$APPD_PORT
name = test-web1
max_body = $MAX_BODY
[database]
address = 127.0.0.1:$SQLP_PORT
user = app
password_file = $T/appd.pw
database = notes
EOF2
)

# --- the command line ----------------------------------------------------------------------

out=$("$APPD" -c "$T/appd.conf" --check-config 2>&1)
check "--check-config accepts the test config" [ $? = 0 ]
diag "$out"
sed 's/^listen = .*/listen = localhost:80/' "$T/appd.conf" >"$T/bad.conf"
out=$("$APPD" -c "$T/bad.conf" --check-config 2>&1)
rc=$?
is "--check-config: a host name as listen fails with status 1" "$rc" 1
is "... in one line naming the file, line and value" \
	"$(wc -l <<<"$out") $(grep -c "bad.conf:2: bad listen address 'localhost:80'" <<<"$out")" "1 1"
chmod 644 "$T/appd.pw"
out=$("$APPD" -c "$T/appd.conf" --check-config 2>&1)
rc=$?
chmod 600 "$T/appd.pw"
is "--check-config: a password file others may read fails (status 1)" "$rc" 1
check "... saying so in one line ($out)" matches "$(wc -l <<<"$out") $out" '^1 .*gives others access'

"$APPD" -c "$T/appd.conf" --foreground -v >>"$T/appd.log" 2>&1 &
APPD_PID=$!
for _ in $(seq 100); do
	curl -s -o /dev/null "$BASE/health" && break
	kill -0 "$APPD_PID" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$APPD_PID" 2>/dev/null || {
	tail -n 20 "$T/appd.log" >&2
	bail "appd did not start"
}

# --- helpers -------------------------------------------------------------------------------

# req METHOD PATH [CURL ARGS...]: CODE, BODY, the headers in $T/hdr.
req() {
	local m=$1 p=$2
	shift 2
	CODE=$(curl -sS -m 10 -o "$T/body" -D "$T/hdr" -w '%{http_code}' -X "$m" "$@" "$BASE$p" \
		2>"$T/curl.err")
	BODY=$(cat "$T/body")
}

# post FILE [CURL ARGS...]: POST /api/notes with FILE's bytes as a JSON body.
post() {
	local f=$1
	shift
	req POST /api/notes -H 'Content-Type: application/json' --data-binary "@$f" "$@"
}

# post_text TEXT: POST of {"text": TEXT} (any bytes, JSON-encoded by Python).
post_json() {
	printf '%s' "$1" >"$T/req.json"
	post "$T/req.json"
}

# jf PATH: a field of BODY (a.b.0.c), printed as JSON for objects, lists, booleans and null.
jf() {
	python3 -c '
import json, sys
d = json.loads(sys.argv[1])
for k in sys.argv[2].split(".") if sys.argv[2] else []:
    d = d[int(k)] if isinstance(d, list) else d[k]
print(d if isinstance(d, str) or (isinstance(d, int) and not isinstance(d, bool)) else json.dumps(d))' \
		"$BODY" "$1" 2>/dev/null
}

# is_error: BODY is {"error": "one line"} and nothing else, and the reply says it is JSON.
is_error() {
	python3 -c '
import json, sys
d = json.loads(sys.argv[1])
sys.exit(0 if list(d) == ["error"] and isinstance(d["error"], str) and d["error"]
         and "\n" not in d["error"] else 1)' "$BODY" 2>/dev/null &&
		grep -qi '^content-type: application/json' "$T/hdr"
}

header() { grep -i "^$1:" "$T/hdr" | head -n 1 | cut -d' ' -f2- | tr -d '\r'; }

rows() { mariadb_sql db1 "SELECT COUNT(*) FROM notes.notes"; }

# expect_reject NAME CODE [req ARGS...]: the status, a JSON error, nothing written.
expect_reject() {
	local name=$1 want=$2 before
	shift 2
	before=$(rows)
	"$@"
	if [ "$CODE" = "$want" ] && is_error && [ "$(rows)" = "$before" ]; then
		ok "$name: $want, JSON error, nothing written"
		diag "  $(jf error)"
	else
		fail "$name: $want, JSON error, nothing written"
		diag "got $CODE '$BODY', rows $before -> $(rows)"
	fi
}

# --- reads and writes ----------------------------------------------------------------------

req GET /health
is "/health: 200" "$CODE" 200
is "/health: status ok" "$(jf status)" ok
check "/health: reports a db_server_id ($(jf db_server_id))" [ -n "$(jf db_server_id)" ]

req GET /api/whoami
is "whoami: 200" "$CODE" 200
is "whoami: server is the configured name" "$(jf server)" test-web1
is "whoami: the read ran on the replica (server_id 2)" "$(jf db_server_id)" 2
is "whoami: ... which is read-only" "$(jf db_read_only)" true
check "whoami: Content-Type application/json" grep -qi '^content-type: application/json' "$T/hdr"

req GET /api/notes
is "list of an empty table: 200" "$CODE" 200
is "... no notes" "$(jf notes)" "[]"
is "... still says which server answered (the replica)" "$(jf db_server_id)" 2

post_json '{"text":"hello from the test","author":"tap"}'
is "POST: 201" "$CODE" 201
id=$(jf id)
check "POST: an id ($id)" [ -n "$id" ]
is "POST: Location names the note" "$(header Location)" "/api/notes/$id"
is "POST: the stored text comes back" "$(jf text)" "hello from the test"
is "POST: the author too" "$(jf author)" tap
check "POST: created is an ISO 8601 UTC time ($(jf created))" \
	matches "$(jf created)" '^20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-9:]{8}\.[0-9]{3}Z$'
is "the row is on the primary" "$(mariadb_sql db1 "SELECT text FROM notes.notes WHERE id=$id")" \
	"hello from the test"

req GET "/api/notes/$id"
is "GET /api/notes/ID: 200" "$CODE" 200
is "... the note" "$(jf id) $(jf text) $(jf author)" "$id hello from the test tap"
is "... server" "$(jf server)" test-web1
check "... db_server_id ($(jf db_server_id))" [ -n "$(jf db_server_id)" ]

req GET /api/notes
is "GET /api/notes right after the POST: the new note is first" "$(jf notes.0.id)" "$id"

# Causal reads: with the replica's SQL thread stopped the note cannot reach it, so only the
# splitter's causal read (this appd's one session wrote it) can make the list show it.
mariadb_sql db2 "STOP SLAVE SQL_THREAD"
post_json '{"text":"written while the replica stands still"}'
id2=$(jf id)
is "replica stopped: POST 201" "$CODE" 201
is "... the replica really lacks the note (a read of another session would miss it)" \
	"$(mariadb_sql db2 "SELECT COUNT(*) FROM notes.notes WHERE id=$id2")" 0
req GET /api/notes
is "... GET /api/notes on the same appd sees it (causal read)" "$(jf notes.0.id)" "$id2"
diag "causal read answered by server_id $(jf db_server_id)"
mariadb_sql db2 "START SLAVE SQL_THREAD"
mariadb_wait_replica || bail "the replica does not catch up"

req GET /api/notes
is "replica caught up: the list is read on the replica" "$(jf db_server_id)" 2
is "... newest first" "$(jf notes.0.id) $(jf notes.1.id)" "$id2 $id"

# 105 more notes straight into the primary: the list stops at 100, newest first.
mariadb_sql db1 "USE notes; INSERT INTO notes (text) SELECT CONCAT('bulk ', seq) FROM seq_1_to_105"
mariadb_wait_replica
req GET /api/notes
is "list: at most 100 notes" "$(jf notes | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 100
check "list: ids strictly descending" python3 -c '
import json, sys
ids = [n["id"] for n in json.loads(sys.argv[1])["notes"]]
sys.exit(0 if all(a > b for a, b in zip(ids, ids[1:])) else 1)' "$BODY"
req GET "/api/notes?limit=3"
is "?limit=3: 200 and three notes" \
	"$CODE $(jf notes | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" "200 3"
is "?limit=3: the newest three" "$(jf notes.0.text) / $(jf notes.2.text)" "bulk 105 / bulk 103"
check "?limit=3: db_server_id reported ($(jf db_server_id))" [ -n "$(jf db_server_id)" ]
req GET "/api/notes?limit=100"
is "?limit=100: 200" "$CODE" 200

# --- what is refused -----------------------------------------------------------------------

for l in 0 101 abc -1 "" 1.5 " 5" 99999999999999999999999; do
	expect_reject "?limit='$l'" 400 req GET "/api/notes?limit=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$l")"
done
expect_reject "a query string without '='" 400 req GET "/api/notes?limit"
expect_reject "note id 'abc'" 400 req GET /api/notes/abc
expect_reject "note id -1" 400 req GET /api/notes/-1
expect_reject "note id past 2^64" 400 req GET /api/notes/18446744073709551616
expect_reject "note id ''" 400 req GET /api/notes/
expect_reject "note id 1x" 400 req GET /api/notes/1x
expect_reject "an absent note" 404 req GET /api/notes/999999999
expect_reject "unknown path" 404 req GET /nope
expect_reject "unknown path under /api" 404 req GET /api/notes/1/2
expect_reject "DELETE /api/notes" 405 req DELETE /api/notes
is "... Allow: GET, HEAD, POST" "$(header Allow)" "GET, HEAD, POST"
expect_reject "POST /api/whoami" 405 req POST /api/whoami -H 'Content-Type: application/json' -d '{}'
is "... Allow: GET, HEAD" "$(header Allow)" "GET, HEAD"
expect_reject "PUT /api/notes/1" 405 req PUT "/api/notes/$id" -H 'Content-Type: application/json' -d '{"text":"x"}'
expect_reject "POST /health" 405 req POST /health -d x

printf '{"text":"x"}' >"$T/ok.json"
expect_reject "POST without Content-Type" 415 req POST /api/notes -H 'Content-Type:' --data-binary "@$T/ok.json"
expect_reject "POST as a form (curl's default)" 415 req POST /api/notes --data-binary "@$T/ok.json"
expect_reject "POST as text/plain" 415 req POST /api/notes -H 'Content-Type: text/plain' --data-binary "@$T/ok.json"
expect_reject "POST as application/json; charset=latin1" 415 req POST /api/notes \
	-H 'Content-Type: application/json; charset=latin1' --data-binary "@$T/ok.json"
expect_reject "POST as application/jsonx" 415 req POST /api/notes \
	-H 'Content-Type: application/jsonx' --data-binary "@$T/ok.json"
req POST /api/notes -H 'Content-Type: Application/JSON; charset="UTF-8"' --data-binary "@$T/ok.json"
is "POST as Application/JSON; charset=\"UTF-8\": 201" "$CODE" 201

python3 -c "import json; print(json.dumps({'text': 'a' * ($MAX_BODY - 10)}), end='')" >"$T/big.json"
expect_reject "a body of max_body + 1 bytes" 413 post "$T/big.json"
python3 -c "import json; print(json.dumps({'text': 'a' * 40000}), end='')" >"$T/big.json"
expect_reject "a body of 40 KB" 413 post "$T/big.json"
python3 -c "import json; print(json.dumps({'text': 'a' * 300000}), end='')" >"$T/huge.json"
before=$(rows)
post "$T/huge.json"
is "a body of 300 KB: 413 (libevent refuses it before reading it)" "$CODE" 413
is "... nothing written" "$(rows)" "$before"

bad_json() {
	printf "$2" >"$T/req.json"
	expect_reject "body: $1" 400 post "$T/req.json"
}
bad_json "empty" ''
bad_json "malformed JSON" '{"text": '
bad_json "trailing garbage" '{"text": "a"} x'
bad_json "single quotes" "{'text': 'a'}"
bad_json "invalid UTF-8 (0xff)" '{"text": "\xff"}'
bad_json "invalid UTF-8 (overlong /)" '{"text": "\xc0\xaf"}'
bad_json "invalid UTF-8 (surrogate bytes)" '{"text": "\xed\xa0\x80"}'
bad_json "invalid UTF-8 (cut short)" '{"text": "\xe2\x82"}'
bad_json "an array" '["text"]'
bad_json "a string" '"text"'
bad_json "a number" '42'
bad_json "null" 'null'
bad_json "no text" '{}'
bad_json "only an author" '{"author": "x"}'
bad_json "text a number" '{"text": 5}'
bad_json "text null" '{"text": null}'
bad_json "text an array" '{"text": ["a"]}'
bad_json "text an object" '{"text": {"a": 1}}'
bad_json "text true" '{"text": true}'
bad_json "text empty" '{"text": ""}'
bad_json "text with \\\\u0000" '{"text": "a\\u0000b"}'
bad_json "text with a lone surrogate escape" '{"text": "\\ud800"}'
bad_json "duplicate text" '{"text": "a", "text": "b"}'
bad_json "unknown key" '{"text": "a", "id": 7}'
bad_json "unknown key only" '{"txt": "a"}'
bad_json "author a number" '{"text": "a", "author": 1}'
bad_json "author null" '{"text": "a", "author": null}'
python3 -c "import json; print(json.dumps({'text': 'a' * 1001}), end='')" >"$T/req.json"
expect_reject "body: text of 1001 ASCII characters" 400 post "$T/req.json"
python3 -c "import json; print(json.dumps({'text': 'é' * 1001}, ensure_ascii=False), end='')" >"$T/req.json"
expect_reject "body: text of 1001 two-byte characters" 400 post "$T/req.json"
python3 -c "import json; print(json.dumps({'text': '\U0001F600' * 1001}), end='')" >"$T/req.json"
expect_reject "body: text of 1001 emoji as \\u escapes" 400 post "$T/req.json"
python3 -c "import json; print(json.dumps({'text': 'a', 'author': 'b' * 65}), end='')" >"$T/req.json"
expect_reject "body: author of 65 characters" 400 post "$T/req.json"

# raw REQUEST (Python escapes: \r\n, \x1b): sent as is on one connection; prints the status
# and whether appd closed the connection (closed) or kept it open for 2 s (open), then the body.
raw() {
	python3 - "$APPD_PORT" "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
s.sendall(sys.argv[2].encode("latin-1").decode("unicode_escape").encode("latin-1"))
buf, state = b"", "open"
try:
    while True:
        d = s.recv(65536)
        if not d:
            state = "closed"
            break
        buf += d
except socket.timeout:
    pass
except ConnectionResetError:
    state = "closed"
head, _, body = buf.partition(b"\r\n\r\n")
print(head.split(b" ")[1].decode() if b" " in head else "none", state)
print(body.decode(errors="replace").strip())
PY
}

# Two Content-Lengths: libevent reads the body by the first; a proxy in front may have used the
# other (request smuggling). Refused before the note is parsed, and the connection closed.
before=$(rows)
{ read -r CODE state; read -r BODY; } < <(raw 'POST /api/notes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 12\r\nContent-Length: 5000\r\n\r\n{"text":"a"}')
is "two Content-Length headers: 400" "$CODE" 400
check "... a JSON error naming them ($BODY)" matches "$BODY" '"error":"more than one Content-Length'
is "... nothing written" "$(rows)" "$before"
is "... and the connection closed" "$state" closed

# A path with terminal escapes (ESC [ 31m) and other control bytes: the log names the request
# with '?' for each, so reading the log cannot run them.
raw 'PUT /api/notes/\x1b[31mred\x01\x7f HTTP/1.0\r\n\r\n' >/dev/null
sleep 0.2
check "a request with control bytes in its path is logged" grep -q 'PUT /api/notes/?\[31mred??' "$T/appd.log"
no_control_bytes() {
	python3 -c 'import sys; d = open(sys.argv[1], "rb").read()
sys.exit(1 if any((b < 32 and b not in (9, 10)) or b == 127 for b in d) else 0)' "$1"
}
check "... without a control byte in the log" no_control_bytes "$T/appd.log"

# --- what is accepted at the limits, verbatim ----------------------------------------------

# round_trip NAME PYTHON-EXPR [author]: POST {"text": EXPR}, then GET it back: the same string,
# and the same bytes in the table.
round_trip() {
	python3 -c "import json, sys; print(json.dumps({'text': $2, 'author': sys.argv[1]}, ensure_ascii=False), end='')" \
		"${3:-}" >"$T/req.json"
	post "$T/req.json"
	local nid
	nid=$(jf id)
	if [ "$CODE" != 201 ] || [ -z "$nid" ]; then
		fail "$1: stored (201)"
		diag "got $CODE $BODY"
		return
	fi
	ok "$1: stored (201)"
	req GET "/api/notes/$nid"
	check "$1: GET returns it byte for byte" python3 -c '
import json, sys
sent = json.load(open(sys.argv[1], encoding="utf-8"))
got = json.loads(sys.argv[2])
sys.exit(0 if got["text"] == sent["text"] and got["author"] == sent["author"] else 1)' \
		"$T/req.json" "$BODY"
	check "$1: the table holds the same bytes" [ "$(mariadb_sql db1 "SELECT HEX(text) FROM notes.notes WHERE id=$nid")" = \
		"$(python3 -c "import json, sys; print(json.load(open(sys.argv[1], encoding='utf-8'))['text'].encode().hex().upper())" "$T/req.json")" ]
}

round_trip "1000 two-byte characters" "'é' * 1000"
round_trip "1000 emoji (4 bytes each)" "'\U0001F600' * 1000"
round_trip "author of 64 characters" "'x'" "$(printf 'a%.0s' $(seq 64))"
round_trip "SQL metacharacters" \
	"\"'; DROP TABLE notes; -- \\\\ \\\" \\\\' OR '1'='1 /* */ \\\\0 %_ \\\\n\\n\\ttab \\\\\\\\ </script><b>x</b> \\u00e9\\u2603\""
round_trip "quotes and backslashes only" "'\\\\' * 7 + '\\'' * 5 + '\"' * 3 + '\`'"
round_trip "control characters and a BOM" "'\\x01\\x1f\\x7f\\r\\n\\ufeff'"
is "the table still exists and counts rows" "$(mariadb_sql db1 "SELECT COUNT(*) > 100 FROM notes.notes")" 1

# HEAD over a raw socket: curl --head would not notice a body sent after the headers.
head_reply=$(python3 - "$APPD_PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"HEAD /api/whoami HTTP/1.0\r\n\r\n")
buf = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    buf += d
head, _, body = buf.partition(b"\r\n\r\n")
status = head.split(b"\r\n")[0].split(b" ")[1].decode()
clen = [l.split(b":", 1)[1].strip().decode() for l in head.split(b"\r\n")
        if l.lower().startswith(b"content-length:")]
print(status, len(body), clen[0] if clen else "none")
PY
)
read -r head_code head_body head_len <<<"$head_reply"
is "HEAD /api/whoami: 200" "$head_code" 200
is "... no body" "$head_body" 0
check "... but the Content-Length of the GET ($head_len)" [ "$head_len" -gt 10 ]

# --- failures of the database --------------------------------------------------------------

# A hung splitter (stopped): a request costs one timeout (2 s), not one for the read and
# another for a new session that would hang the same way; the reply names no internals.
# timed NAME req ARGS...: the request, and its time in $MS.
timed() {
	local start
	start=$(date +%s%N)
	"$@"
	MS=$((($(date +%s%N) - start) / 1000000))
}
# splitter_resumed: SIGCONT, and appd serves again on a new session.
splitter_resumed() {
	kill -CONT "$SQLP_PID"
	for _ in $(seq 50); do
		req GET /health
		[ "$CODE" = 200 ] && return 0
		sleep 0.1
	done
	return 1
}
no_internals() { ! grep -qE "127\.0\.0\.1|$SQLP_PORT|'app'|\(error [0-9]+\)" <<<"$BODY"; }
req GET /health
kill -STOP "$SQLP_PID"
timed req GET /health
is "splitter hung: /health 503" "$CODE" 503
check "... within one timeout, not two (${MS} ms)" [ "$MS" -lt 3000 ]
is "... its error says the database is unavailable" "$(jf error)" \
	"the database is unavailable: try again later"
check "... and names none of its internals ($BODY)" no_internals
check "splitter resumed: appd serves again" splitter_resumed
kill -STOP "$SQLP_PID"
before=$(rows)
timed post_json '{"text":"to a hung splitter"}'
is "splitter hung: POST 503" "$CODE" 503
check "... within one timeout, not two (${MS} ms)" [ "$MS" -lt 3000 ]
check "... naming no internals ($BODY)" no_internals
check "splitter resumed again: appd serves again" splitter_resumed
is "... and the POST wrote nothing" "$(rows)" "$before"
check "the log holds the details of the failure" grep -q '503: database: .*(error [0-9]*)' "$T/appd.log"

sqlp_node_kill db2
req GET /api/notes
is "replica killed: GET /api/notes still 200" "$CODE" 200
is "... read on the primary (server_id 1)" "$(jf db_server_id)" 1
req GET /api/whoami
is "... whoami: server_id 1" "$(jf db_server_id)" 1
is "... not read-only" "$(jf db_read_only)" false
post_json '{"text":"after the replica died"}'
is "... POST 201" "$CODE" 201
req GET "/api/notes/$(jf id)"
is "... and it reads back" "$(jf text)" "after the replica died"
req GET /health
is "... /health 200" "$CODE" 200

sqlp_node_kill db1
start=$(date +%s%N)
req GET /health
ms=$((($(date +%s%N) - start) / 1000000))
is "primary killed too: /health 503" "$CODE" 503
check "... with a JSON error ($(jf error))" is_error
check "... that names none of the database's internals" no_internals
check "... within 2 s (${ms} ms)" [ "$ms" -lt 2000 ]
req GET /api/notes
is "... GET /api/notes: 503" "$CODE" 503
check "... with a JSON error" is_error
post_json '{"text":"nowhere to go"}'
is "... POST: 503" "$CODE" 503
check "... with a JSON error" is_error
check "... that names none of the database's internals" no_internals
start=$(date +%s%N)
req GET /health
ms=$((($(date +%s%N) - start) / 1000000))
is "... /health stays 503" "$CODE" 503
check "... and fast (${ms} ms)" [ "$ms" -lt 2000 ]

kill "$APPD_PID"
rc=0
for _ in $(seq 50); do kill -0 "$APPD_PID" 2>/dev/null || break; sleep 0.1; done
wait "$APPD_PID" || rc=$?
APPD_PID=
is "SIGTERM: appd exits with status 0" "$rc" 0
no_crash() { ! grep -qiE 'assertion|segmentation fault|aborted' "$T/appd.log"; }
check "appd logged no crash" no_crash
diag "appd log (last lines):"
while IFS= read -r line; do diag "  $line"; done < <(tail -n 8 "$T/appd.log")

tap_done
