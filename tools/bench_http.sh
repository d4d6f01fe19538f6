#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# shellcheck disable=SC2086,SC2046 # node, pid and path lists are split into words on purpose
# shellcheck disable=SC2317 # cleanup and what it calls run from the EXIT trap
# xlb against the other ways to balance the same two web servers (issue 5): HTTP and HTTPS
# with wrk, in the lab, one run, the same load against each path:
#
#   xlb           the VIP (XDP, L2 DSR: replies go from the backend straight to the client)
#   haproxy-http  Debian's HAProxy on the lb, http mode, roundrobin (HTTP only)
#   haproxy-tcp   the same HAProxy, tcp mode: plain relay for HTTP, TLS passthrough for HTTPS
#   nft           nftables `numgen inc mod 2` DNAT + source NAT on the lb (the kernel's NAT),
#                 on a second address of the lb
#   direct        no balancer: one wrk to web1, one to web2
#
# Every path is driven by two wrk at once with half the threads and connections each
# (requests/s summed, p50 the mean of the two, p99 the worse), with keep-alive connections
# (the per-request cost of a path: a balancer sees one packet per request) and with a new
# connection per request ("Connection: close": a flow to set up every time, five packets
# through the balancer, where one that keeps per-connection state pays). 32 connections from
# 2 wrk threads (one per core) keep every path busy without queueing so deep that the
# latencies only measure the queue. Rounds alternate: every path once per round, groups and
# paths in an order rotated each round, short runs and several rounds, so that the noise of
# this shared machine falls on all paths alike. wrk, both nginx, HAProxy and the kernel share
# two cores: only the ratios within one run mean anything.
#
# The lab on one machine is not the network it models: the lb's work is done by the same two
# cores that run wrk and nginx, so every packet the client sends through the lb (xlb: the
# client's half; HAProxy and nftables: both halves) costs CPU that direct requests do not pay,
# and no balancer can reach the direct figure there. With HTTPS and a new connection per
# request, wrk resumes its TLS session; through any balancer about half the connections land
# on the other server, which cannot resume it (separate certificates and ticket keys), so
# every balancer does more full handshakes than direct.
#
# The lab is brought up with tools/lab.sh (its own prefix and networks, see below) and taken
# down at the end, also on failure or Ctrl-C; HAProxy runs on the lb with a config in a temp
# dir, the nftables table is loaded only while its path is measured.
#
# Prints a table per protocol and connection kind (mean requests/s, min-max over the rounds,
# p50/p99 latency, errors, CPU time per request of wrk, the lab's processes and the kernel's
# softirq work, the ratio to xlb), the targets (xlb >= 1.8x HAProxy, >= 1.2x nftables,
# >= 0.95x direct) with PASS/MISS, and writes $BENCH_HTTP_OUT/http.dat and http.png (gnuplot,
# tools/bench_http.gp). Exits 0 on a missed target: it is a measurement, not a test.
#
# BENCH_HTTP_SECONDS (3 per run), BENCH_HTTP_ROUNDS (5), BENCH_HTTP_CONNS (32, all threads
# together), BENCH_HTTP_OUT (build/bench).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tools/netns.sh
source "$ROOT/tools/netns.sh"
# shellcheck source=tests/lib/wrk.sh
source "$ROOT/tests/lib/wrk.sh"

SECS=${BENCH_HTTP_SECONDS:-3}
ROUNDS=${BENCH_HTTP_ROUNDS:-5}
CONNS=${BENCH_HTTP_CONNS:-32}
OUT=${BENCH_HTTP_OUT:-$ROOT/build/bench}
# One wrk thread per core: wrk is the client and must not starve for lack of threads, more
# threads than cores only add switching.
THREADS=$(nproc)
# This benchmark's own lab: prefix, networks and pin dir of its own (not `make lab`'s).
LAB_PREFIX=xlbh-
LAB_NET4=10.52.0.0/24
LAB_NET6=fd00:52::/64
export XLB_PIN_DIR=/sys/fs/bpf/xlbh
# HAProxy's ports on the lb's own address (xlb has the VIP's 80 and 443).
HAP_HTTP=18080
HAP_TCP=18081
HAP_TLS=18443
# nftables gets an address of its own on the lb (host .3 of the lab's network, set below), 80
# and 443, and NATs the backends' side to it as well (see nft_load).
NFT_HOST=3
NFT_TABLE=xlbh_bench
# How many requests (one connection each) check that a path splits over both backends.
SPLIT_N=20
# The name the lab's certificates carry for the VIP; curl dials it with --resolve through the
# lb's addresses, which the certificates do not name.
TLS_NAME=vip.xlb.lab

TMP=
LAB_MADE=
HAP_PID=
WRK_PIDS=
NFT_UP=

die() { echo "bench_http: $*" >&2; exit 1; }

# --- the lab --------------------------------------------------------------------------------

# lab CMD: tools/lab.sh on this benchmark's prefix and networks (LAB_BIN and the like pass
# through the environment).
lab() {
	LAB_PREFIX=$LAB_PREFIX LAB_NET4=$LAB_NET4 LAB_NET6=$LAB_NET6 "$ROOT/tools/lab.sh" "$@"
}

# lab_up: the whole lab (client; lb with xlbd, VIP:80 and VIP:443 over web1 and web2; nginx
# on both with the lab CA's certificates and /node answering the server's name); sets CA.
lab_up() {
	LAB_MADE=1
	if ! lab up >"$TMP/lab.log" 2>&1; then
		echo "bench_http: tools/lab.sh up failed; the end of its output:" >&2
		tail -n 15 "$TMP/lab.log" >&2
		return 1
	fi
	CA=$NETNS_RUNDIR/ca/ca.crt
	[ -r "$CA" ] || { echo "bench_http: the lab CA $CA is missing" >&2; return 1; }
}

# lab_down: everything lab_up made, gone.
lab_down() {
	[ -n "$LAB_MADE" ] || return 0
	lab down >>"$TMP/lab.log" 2>&1 || echo "bench_http: tools/lab.sh down failed" >&2
	LAB_MADE=
}

# backends_healthy: how many backends xlbd has up (the lab has 8: v4 and v6, :80 and :443). A
# health check that timed out under the load would have moved the VIP's traffic.
backends_healthy() {
	netns_exec lb "$NETNS_XLB" backend list --json 2>/dev/null |
		python3 -c 'import json,sys; print(sum(1 for b in json.load(sys.stdin) if b["health"] == "up"))'
}

# --- HAProxy and nftables on the lb ---------------------------------------------------------

# haproxy_conf: roundrobin over the two backends, one thread per core, Debian's defaults
# otherwise (http mode keeps server connections alive and reuses them, as shipped), TCP checks
# like xlbd's.
haproxy_conf() {
	local lb=${NETNS_IP4[lb]} w1=${NETNS_IP4[web1]} w2=${NETNS_IP4[web2]}
	cat <<EOF
# Generated by tools/bench_http.sh.
global
	nbthread $THREADS
	maxconn 4096
defaults
	timeout connect 5s
	timeout client 30s
	timeout server 30s
	maxconn 4096
listen http_mode
	mode http
	bind $lb:$HAP_HTTP
	balance roundrobin
	server web1 $w1:80 check
	server web2 $w2:80 check
listen tcp_mode
	mode tcp
	bind $lb:$HAP_TCP
	balance roundrobin
	server web1 $w1:80 check
	server web2 $w2:80 check
listen tls_passthrough
	mode tcp
	bind $lb:$HAP_TLS
	balance roundrobin
	server web1 $w1:443 check
	server web2 $w2:443 check
EOF
}

# haproxy_start: HAProxy in the lb's namespace, in the foreground of a child we keep the pid
# of (nsenter execs it, so $! is HAProxy itself).
haproxy_start() {
	haproxy_conf >"$TMP/haproxy.cfg"
	haproxy -c -q -f "$TMP/haproxy.cfg" || { echo "bench_http: bad haproxy config" >&2; return 1; }
	netns_exec lb haproxy -db -f "$TMP/haproxy.cfg" >"$TMP/haproxy.log" 2>&1 &
	HAP_PID=$!
	for _ in $(seq 50); do
		netns_exec client curl -s -o /dev/null --max-time 1 \
			"http://${NETNS_IP4[lb]}:$HAP_HTTP/node" && return 0
		kill -0 "$HAP_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "bench_http: haproxy did not start:" >&2
	tail -n 5 "$TMP/haproxy.log" >&2
	return 1
}

haproxy_stop() {
	[ -n "$HAP_PID" ] || return 0
	kill -TERM "$HAP_PID" 2>/dev/null
	wait "$HAP_PID" 2>/dev/null
	HAP_PID=
}

# nft_setup: the nft path's address on the lb's interface (the lb answers ARP for it; xlb's
# program passes its traffic to the stack like any other that is not for a VIP), forwarding on
# in the lb's namespace only, no ICMP redirects (the lb forwards out of the interface the
# packet came in by).
nft_setup() {
	ip -n "$(netns_name lb)" addr replace "$NFT_ADDR/32" dev "$NETNS_DEV" || return 1
	netns_exec lb sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
		"net.ipv4.conf.$NETNS_DEV.send_redirects=0"
}

# nft_load: DNAT of NFT_ADDR:80 and :443 to web1 and web2 in turn (numgen inc mod 2, per
# connection: conntrack keeps the choice), and source NAT to NFT_ADDR so that replies come
# back through the lb. That is masquerade with the address named: masquerade would take the
# interface's primary address, which HAProxy's connections to the same backends use too; the
# backends then see one address and port reused by two TCP timestamp clocks (HAProxy's, and
# the client's passed through the NAT), and their PAWS check drops the SYNs that hit a
# TIME_WAIT of the other (TcpExtPAWSTimewait; measured: HAProxy's new connections fell to a
# few hundred per second). Loaded only while the nft path is used: a NAT table turns on
# connection tracking in the namespace, which would tax HAProxy's connections too.
nft_load() {
	local w1=${NETNS_IP4[web1]} w2=${NETNS_IP4[web2]}
	NFT_UP=1
	netns_exec lb nft -f - <<EOF
table ip $NFT_TABLE {
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr $NFT_ADDR tcp dport 80 dnat to numgen inc mod 2 map { 0 : $w1, 1 : $w2 } : 80
		ip daddr $NFT_ADDR tcp dport 443 dnat to numgen inc mod 2 map { 0 : $w1, 1 : $w2 } : 443
	}
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		ct status dnat ip daddr { $w1, $w2 } snat to $NFT_ADDR
	}
}
EOF
}

# nft_unload: the table gone (and checked).
nft_unload() {
	[ -n "$NFT_UP" ] || return 0
	netns_exec lb nft delete table ip "$NFT_TABLE"
	if netns_exec lb nft list table ip "$NFT_TABLE" >/dev/null 2>&1; then
		echo "bench_http: nft table $NFT_TABLE is still there" >&2
		return 1
	fi
	NFT_UP=
}

cleanup() {
	[ -n "$WRK_PIDS" ] && kill $WRK_PIDS 2>/dev/null
	haproxy_stop
	[ -e "/run/netns/${LAB_PREFIX}lb" ] && nft_unload
	lab_down
	[ -n "$TMP" ] && rm -rf "$TMP"
}

# --- the paths ------------------------------------------------------------------------------

# url PROTO PATH [WEB]: where wrk and curl go for that path (direct: to backend WEB).
url() {
	local proto=$1 path=$2 lb=${NETNS_IP4[lb]} port
	case $proto/$path in
	http/xlb) echo "http://$NETNS_VIP4/node" ;;
	https/xlb) echo "https://$NETNS_VIP4/node" ;;
	http/haproxy-http) echo "http://$lb:$HAP_HTTP/node" ;;
	http/haproxy-tcp) echo "http://$lb:$HAP_TCP/node" ;;
	https/haproxy-tcp) echo "https://$lb:$HAP_TLS/node" ;;
	http/nft) echo "http://$NFT_ADDR/node" ;;
	https/nft) echo "https://$NFT_ADDR/node" ;;
	http/direct) echo "http://${NETNS_IP4[$3]}/node" ;;
	https/direct) echo "https://${NETNS_IP4[$3]}/node" ;;
	*) return 1 ;;
	esac
}

# paths PROTO: the paths measured for PROTO (xlb first: the others are compared with it).
paths() {
	case $1 in
	http) echo "xlb haproxy-http haproxy-tcp nft direct" ;;
	https) echo "xlb haproxy-tcp nft direct" ;;
	esac
}

# curl_node URL: one request on its own connection, verified against the lab CA; prints the
# node that answered (nothing on failure). HTTPS through an address the certificate does not
# name (the lb's) dials TLS_NAME pinned to that address.
curl_node() {
	local u=$1 hostport host port
	hostport=${u#*://}
	hostport=${hostport%%/*}
	host=${hostport%:*}
	port=${hostport##*:}
	[ "$port" = "$hostport" ] && port=443
	if [ "${u%%:*}" = https ] && [ "$host" != "$NETNS_VIP4" ] &&
		[ "$host" != "${NETNS_IP4[web1]}" ] && [ "$host" != "${NETNS_IP4[web2]}" ]; then
		u="https://$TLS_NAME:$port/node"
		netns_exec client curl -sf --max-time 3 --cacert "$CA" \
			--resolve "$TLS_NAME:$port:$host" "$u"
	else
		netns_exec client curl -sf --max-time 3 --cacert "$CA" "$u"
	fi
}

# split PROTO PATH: SPLIT_N requests through the path, one connection each; prints and
# records in $OUT/http.split "PROTO PATH WEB1 WEB2 FAILED". A balancer that sends them all
# to one backend is not measuring balancing; the smoke test checks this file.
split() {
	local proto=$1 path=$2 i n w1=0 w2=0 bad=0 u
	[ "$path" = nft ] && { nft_load || die "the nftables DNAT did not load"; }
	for i in $(seq "$SPLIT_N"); do
		if [ "$path" = direct ]; then
			u=$(url "$proto" direct "web$((i % 2 + 1))")
		else
			u=$(url "$proto" "$path")
		fi
		n=$(curl_node "$u")
		case $n in
		web1) w1=$((w1 + 1)) ;;
		web2) w2=$((w2 + 1)) ;;
		*) bad=$((bad + 1)) ;;
		esac
	done
	[ "$path" = nft ] && { nft_unload || die "cannot remove the nft table"; }
	echo "$proto $path $w1 $w2 $bad" >>"$OUT/http.split"
	printf '  %-6s %-13s web1 %3d  web2 %3d  failed %3d\n' "$proto" "$path" "$w1" "$w2" "$bad"
}

# --- measuring ------------------------------------------------------------------------------

# lat_ms FILE PCT: a latency percentile of wrk --latency, in ms.
lat_ms() {
	awk -v p="$2%" '$1 == p {
		v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
		f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : 1
		printf "%.3f", v * f; found = 1 }
		END { if (!found) printf "0" }' "$1"
}

# rps FILE: wrk's requests/s.
rps() {
	local r
	r=$(awk '/^Requests\/sec:/ { print $2 }' "$1")
	echo "${r:-0}"
}

# lab_ticks: CPU ticks so far of what serves the requests: every process in the lb's and
# the web servers' namespaces (nginx, HAProxy, xlbd...) and the machine's interrupt and softirq
# time (where the kernel's packet path mostly runs). The machine is shared with other work,
# so its total busy time would say nothing about these paths; wrk's own time is added by
# measure().
lab_ticks() {
	local n pids=
	for n in lb web1 web2; do
		pids="$pids $(ip netns pids "$(netns_name "$n")" 2>/dev/null)"
	done
	{
		for n in $pids; do
			cat "/proc/$n/stat" 2>/dev/null
		done
	} | sed 's/.*) //' | awk -v irq="$(awk '/^cpu / { print $7 + $8 }' /proc/stat)" \
		'{ t += $12 + $13 } END { printf "%d", t + irq }'
}

# wrk_run OUTFILE CONNS THREADS URL KIND: one wrk in the client (KIND close: a new connection
# per request).
wrk_run() {
	local out=$1 c=$2 t=$3 u=$4 kind=$5 hdr=()
	[ "$kind" = close ] && hdr=(-H "Connection: close")
	netns_exec client wrk -t"$t" -c"$c" -d"${SECS}s" --latency "${hdr[@]}" "$u" >"$out" 2>&1
}

# measure PROTO KIND PATH ROUND: one measured run: two wrk at once, each with half the threads
# and connections, both to the path (direct: one to each backend), so that the client is the
# same two processes whatever the path (one wrk of two threads is some 5-10% slower than two of
# one here, which alone would tilt the comparison with direct). Requests/s summed, p50 the mean
# of the two, p99 the worse. Appends "PROTO KIND PATH ROUND RPS P50 P99 ERRORS CPU_US_PER_REQ"
# to $TMP/runs.
measure() {
	local proto=$1 kind=$2 path=$3 r=$4 f=$TMP/wrk.$1.$2.$3.$4 c0 c1 rq p50 p99 err req ua ub
	local TIMEFORMAT='%U %S' half=$((THREADS > 1 ? THREADS / 2 : 1))
	if [ "$path" = direct ]; then
		ua=$(url "$proto" direct web1)
		ub=$(url "$proto" direct web2)
	else
		ua=$(url "$proto" "$path")
		ub=$ua
	fi
	[ "$path" = nft ] && { nft_load || die "the nftables DNAT did not load"; }
	c0=$(lab_ticks)
	{ time {
		wrk_run "$f.a" $((CONNS / 2)) $half "$ua" "$kind" &
		WRK_PIDS=$!
		wrk_run "$f.b" $((CONNS / 2)) $half "$ub" "$kind"
		wait $WRK_PIDS
	}; } 2>"$f.time"
	WRK_PIDS=
	c1=$(lab_ticks)
	[ "$path" = nft ] && { nft_unload || die "cannot remove the nft table"; }
	rq=$(awk -v a="$(rps "$f.a")" -v b="$(rps "$f.b")" 'BEGIN { printf "%.0f", a + b }')
	p50=$(awk -v a="$(lat_ms "$f.a" 50)" -v b="$(lat_ms "$f.b" 50)" \
		'BEGIN { printf "%.3f", (a + b) / 2 }')
	p99=$(awk -v a="$(lat_ms "$f.a" 99)" -v b="$(lat_ms "$f.b" 99)" \
		'BEGIN { printf "%.3f", (a > b ? a : b) }')
	err=$(($(wrk_errors "$f.a") + $(wrk_non2xx "$f.a") + $(wrk_errors "$f.b") + \
		$(wrk_non2xx "$f.b")))
	req=$(($(wrk_requests "$f.a") + $(wrk_requests "$f.b")))
	echo "$proto $kind $path $r $rq $p50 $p99 $err" \
		"$(awk -v j=$((c1 - c0)) -v hz="$HZ" -v n="$req" '{ w = $1 + $2 }
			END { printf "%.1f", (n > 0 ? 1e6 * (j / hz + w) / n : 0) }' "$f.time")" >>"$TMP/runs"
}

# rotate N WORDS...: the words, starting at the (N mod count)-th.
rotate() {
	local n=$1
	shift
	local a=("$@") i
	for i in $(seq 0 $((${#a[@]} - 1))); do
		printf '%s ' "${a[$(((i + n) % ${#a[@]}))]}"
	done
}

GROUPS_ALL="http/keepalive http/close https/keepalive https/close"

# --- main -----------------------------------------------------------------------------------

[ "$(id -u)" = 0 ] || die "must run as root (namespaces, XDP, bpffs)"
missing=
for c in wrk haproxy nft gnuplot curl nginx openssl; do
	command -v $c >/dev/null || missing="$missing $c"
done
if [ -n "$missing" ]; then
	echo "bench_http: skipped, needs$missing (make deps)"
	exit 0
fi
[ -x "$NETNS_XLB" ] || die "$NETNS_XLB missing: run make"
case $CONNS in
*[!0-9]* | '' | 0 | 1) die "BENCH_HTTP_CONNS must be an even number >= 2, got '$CONNS'" ;;
esac
CONNS=$((CONNS / 2 * 2))

netns_init "$LAB_PREFIX" "$LAB_NET4" "$LAB_NET6" || exit 1
NFT_ADDR=$NETNS_NET4_BASE.$NFT_HOST
# The lab of this prefix is brought up and taken down here: one that is up already is someone
# else's (or a crashed run's) and is not ours to remove.
if [ -e "/run/netns/$(netns_name lb)" ]; then
	die "a lab with the prefix $LAB_PREFIX is up already; take it down first:" \
		"LAB_PREFIX=$LAB_PREFIX LAB_NET4=$LAB_NET4 LAB_NET6=$LAB_NET6 tools/lab.sh down"
fi
trap cleanup EXIT
trap 'exit 130' INT TERM
HZ=$(getconf CLK_TCK)
TMP=$(mktemp -d /tmp/xlbh-bench.XXXXXX)
mkdir -p "$OUT" || die "cannot make $OUT"
rm -f "$OUT/http.split" "$OUT/http.dat" "$OUT/http.png"
: >"$TMP/runs"

echo "bench_http: bringing up the lab (tools/lab.sh, ${LAB_PREFIX}*, $LAB_NET4)"
lab_up || die "the lab did not come up"
healthy0=$(backends_healthy)
haproxy_start || die "haproxy did not start"
nft_setup || die "cannot set up the nft path's address and forwarding in $(netns_name lb)"

echo "Each path splits $SPLIT_N requests (one connection each) over the backends:"
for proto in http https; do
	for path in $(paths $proto); do
		split "$proto" "$path"
	done
done

echo "wrk: two at once, $THREADS threads and $CONNS connections in all, ${SECS}s" \
	"per run, $ROUNDS rounds, $(nproc) CPUs; keepalive and close (a new connection per request)"
for r in $(seq "$ROUNDS"); do
	for g in $(rotate $((r - 1)) $GROUPS_ALL); do
		proto=${g%/*}
		kind=${g#*/}
		printf '  round %d  %-5s %-9s' "$r" "$proto" "$kind"
		for path in $(rotate $((r - 1)) $(paths "$proto")); do
			measure "$proto" "$kind" "$path" "$r"
			printf ' %s %s' "$path" "$(awk -v g="$proto $kind $path $r" \
				'$1" "$2" "$3" "$4 == g { print $5 }' "$TMP/runs")"
		done
		echo
	done
done
healthy1=$(backends_healthy)
if [ "$healthy1" != "$healthy0" ]; then
	echo "bench_http: xlbd's healthy backends went from $healthy0 to $healthy1 during the run" \
		"(a check timed out under load?): xlb's figures may include a failover" >&2
fi

# Per case: mean/min/max requests/s, mean p50/p99, errors summed, mean CPU per request.
awk '{ k = $1 " " $2 " " $3; n[k]++; s[k] += $5
	if (!(k in mn) || $5 < mn[k]) mn[k] = $5
	if (!(k in mx) || $5 > mx[k]) mx[k] = $5
	p5[k] += $6; p9[k] += $7; e[k] += $8; cpu[k] += $9 }
	END { for (k in n) printf "%s %.0f %.0f %.0f %.3f %.3f %d %.1f\n", k, s[k] / n[k], mn[k],
		mx[k], p5[k] / n[k], p9[k] / n[k], e[k], cpu[k] / n[k] }' "$TMP/runs" >"$TMP/means"

# mean_of PROTO KIND PATH: mean requests/s of that case.
mean_of() { awk -v k="$1 $2 $3" '$1" "$2" "$3 == k { print $4 }' "$TMP/means"; }

# The data file: one gnuplot block (two blank lines apart) per group, in GROUPS_ALL's order.
{
	echo "# xlb bench_http: $THREADS wrk threads, $CONNS connections, ${SECS}s x $ROUNDS rounds"
	echo "# group path rps_mean rps_min rps_max p50_ms p99_ms errors cpu_us_per_req ratio_to_xlb"
	for g in $GROUPS_ALL; do
		proto=${g%/*}
		kind=${g#*/}
		x=$(mean_of "$proto" "$kind" xlb)
		for path in $(paths "$proto"); do
			awk -v k="$proto $kind $path" -v g="$proto-$kind" -v p="$path" -v x="$x" \
				'$1" "$2" "$3 == k { printf "%s %s %s %s %s %s %s %s %s %.2f\n", g, p, $4,
				$5, $6, $7, $8, $9, $10, (x > 0 ? $4 / x : 0) }' "$TMP/means"
		done
		printf '\n\n'
	done
} >"$OUT/http.dat"

echo
printf '  %-6s %-9s %-13s %9s %17s %8s %8s %6s %8s %7s\n' proto conns path "req/s" "min-max" \
	"p50 ms" "p99 ms" errors "CPU us/r" "vs xlb"
awk '/^[^#]/ && NF {
	split($1, g, "-")
	printf "  %-6s %-9s %-13s %9s %17s %8.2f %8.2f %6d %8.1f %7.2f\n", g[1], g[2], $2, $3,
		$4 "-" $5, $6, $7, $8, $9, $10 }' "$OUT/http.dat"

# Targets: xlb's requests/s over the other path's, per protocol and connection kind.
echo
echo "  targets: xlb's requests/s / the other's   (HAProxy >= 1.8, nftables >= 1.2, direct >= 0.95)"
printf '  %-6s %-9s %-16s %-16s %-16s %-16s\n' proto conns "vs haproxy-http" "vs haproxy-tcp" \
	"vs nft" "vs direct"
for g in $GROUPS_ALL; do
	proto=${g%/*}
	kind=${g#*/}
	x=$(mean_of "$proto" "$kind" xlb)
	line=
	for t in haproxy-http:1.8 haproxy-tcp:1.8 nft:1.2 direct:0.95; do
		o=$(mean_of "$proto" "$kind" "${t%:*}")
		if [ -z "$o" ]; then
			line="$line$(printf '%-17s' -)"
			continue
		fi
		line="$line$(awk -v x="$x" -v o="$o" -v t="${t#*:}" 'BEGIN {
			r = o > 0 ? x / o : 0; printf "%-17s", sprintf("%.2f %s", r, (r >= t ? "PASS" : "MISS")) }')"
	done
	printf '  %-6s %-9s %s\n' "$proto" "$kind" "$line"
done

sub="$THREADS wrk threads, $CONNS connections, ${SECS} s x $ROUNDS rounds, $(nproc) CPUs"
if gnuplot -e "dat='$OUT/http.dat'; png='$OUT/http.png'; sub='$sub'" "$ROOT/tools/bench_http.gp" \
	2>"$TMP/gnuplot.log"; then
	echo
	echo "  chart: $OUT/http.png   data: $OUT/http.dat"
else
	echo "bench_http: gnuplot failed: $(head -n 3 "$TMP/gnuplot.log")" >&2
fi
exit 0
