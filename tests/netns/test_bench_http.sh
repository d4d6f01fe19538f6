#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Smoke test of tools/bench_http.sh (the HTTP/HTTPS comparison of `make bench`): the whole lab
# (tools/lab.sh) and one round of one-second runs, then: every path answered, HAProxy, nftables
# and xlb split their requests over both backends, every case measured a non-zero rate, the
# chart is a PNG, and nothing of the benchmark's lab is left (namespaces, pins, HAProxy, the
# nft table). TAP.
#
# It checks that the script's pieces work, not the figures: those are the benchmark's.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/lib/tap.sh
source "$ROOT/tests/lib/tap.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (namespaces, XDP, bpffs)"
for c in wrk haproxy nft gnuplot nginx curl; do
	command -v $c >/dev/null || skip_all "needs $c (make deps)"
done

# The benchmark brings up its own lab with tools/lab.sh (prefix xlbh-) and takes it down; a
# lab of that prefix that is up already is someone else's, and the benchmark refuses to run.
[ -e /run/netns/xlbh-lb ] && skip_all "a lab with the prefix xlbh- is up (not ours to take down)"

TMP=$(mktemp -d /tmp/xlbh-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
OUT=$TMP/out

BENCH_HTTP_SECONDS=1 BENCH_HTTP_ROUNDS=1 BENCH_HTTP_OUT=$OUT \
	timeout 150 "$ROOT/tools/bench_http.sh" >"$TMP/log" 2>&1
rc=$?
sed 's/^/# /' "$TMP/log"
is "bench_http.sh exits 0" "$rc" 0
if [ ! -s "$OUT/http.split" ]; then
	fail "bench_http.sh recorded the split of each path"
	tap_done
	exit 1
fi

# Each path: all SPLIT_N requests answered, each backend a fair share (round robin: half;
# at least a third here, so that one backend taking everything fails).
want_paths="http/xlb http/haproxy-http http/haproxy-tcp http/nft http/direct https/xlb
	https/haproxy-tcp https/nft https/direct"
for p in $want_paths; do
	read -r w1 w2 bad < <(awk -v k="${p%/*} ${p#*/}" '$1" "$2 == k { print $3, $4, $5 }' \
		"$OUT/http.split")
	n=$((${w1:-0} + ${w2:-0}))
	if [ "${bad:-1}" = 0 ] && [ "$n" -gt 0 ] && [ $((w1 * 3)) -ge "$n" ] &&
		[ $((w2 * 3)) -ge "$n" ]; then
		ok "$p: $n requests split web1 $w1 / web2 $w2"
	else
		fail "$p: requests split over both backends"
		diag "web1 '${w1-}' web2 '${w2-}' failed '${bad-}'"
	fi
done

# Every case of the data file has a rate above zero, and no case is missing.
cases=$(awk '/^[^#]/ && NF { print $1 "/" $2 }' "$OUT/http.dat" 2>/dev/null | sort | tr '\n' ' ')
want=$({
	for g in http-keepalive http-close; do
		for p in xlb haproxy-http haproxy-tcp nft direct; do echo "$g/$p"; done
	done
	for g in https-keepalive https-close; do
		for p in xlb haproxy-tcp nft direct; do echo "$g/$p"; done
	done
} | sort | tr '\n' ' ')
is "http.dat holds every case" "$cases" "$want"
zero=$(awk '/^[^#]/ && NF && !($3 > 0) { printf "%s/%s ", $1, $2 }' "$OUT/http.dat" 2>/dev/null)
is "every case measured a non-zero requests/s" "$zero" ""
check "the table and the targets were printed" grep -q 'vs haproxy-http' "$TMP/log"

magic=$(head -c 8 "$OUT/http.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')
is "http.png is a PNG" "$magic" 89504e470d0a1a0a
check "the PNG's path was printed" grep -qF "$OUT/http.png" "$TMP/log"

# Nothing left: the lab's namespaces and pins, HAProxy (its config was in the script's temp
# dir), the nft table (it lived in the lb's namespace; the script also checks its removal).
left=$(ip netns list | awk '$1 ~ /^xlbh-/ { printf "%s ", $1 }')
is "no xlbh- namespace left" "$left" ""
check "no pin directory left" test ! -e /sys/fs/bpf/xlbh
check "no run directory of the lab left" test ! -e /run/xlbh-netns
left=$(pgrep -f 'haproxy -db -f /tmp/xlbh-bench' | tr '\n' ' ')
is "no HAProxy of the benchmark left" "$left" ""
check "the nft table was removed" sh -c "! grep -q 'is still there' '$TMP/log'"
check "no temp dir of the benchmark left" sh -c '! ls -d /tmp/xlbh-bench.* 2>/dev/null | grep -q .'

tap_done
