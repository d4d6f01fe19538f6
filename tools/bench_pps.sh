#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# shellcheck disable=SC2086 # node lists are split into words on purpose
# Packets per second through the lb: a UDP VIP flooded from the client by xdp_flood (BPF_PROG_RUN
# in live-frames mode), counted by an XDP counter on each backend's interface, with xlb on the lb
# and then a bare XDP_TX forwarder (tools/bare_tx.bpf.c: same parse, same per-packet round robin
# over the two backends, same MAC rewrite, nothing else) on the same path. Rounds alternate so
# that the machine's drift hits both alike. Target: xlb >= 0.9x the bare forwarder.
#
# The VIP is per-packet round robin (`xlb vip add --per-packet`), the mode whose work matches the
# bare forwarder's; each frame has the next of 64,512 source ports. A per-flow VIP on the next
# port (each of those ports a flow: established after the warm-up) is measured beside it, for
# information: it is the path every established TCP flow takes.
#
# Everything runs on one core: the generator's call runs each batch, and the NAPI polls of the
# veths it wakes run in the same softirq, hop after hop, down to the backends. The figure is the
# whole path's rate; what the lb's program costs is only part of it. The per-packet difference
# printed below the table is that part. On a shared machine the path gets a varying share of
# that core, so the rates are also given per second of the CPU time the path actually got (the
# generator's test-run time: the softirqs of the whole path run inside it), and the target is
# read there.
#
# Own namespace prefix, networks and pin dirs. Environment: PPS_ROUNDS (4), PPS_SECONDS (2).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tools/netns.sh
source "$ROOT/tools/netns.sh"
XLB=$NETNS_XLB
FLOOD=$ROOT/build/tools/xdp_flood
export XLB_PIN_DIR=/sys/fs/bpf/xlbp
COUNT_DIR=/sys/fs/bpf/xlbp-count
netns_init xlbp- 10.51.0.0/24 fd00:51::/64
PORT=9         # per-packet VIP (the target)
FLOW_PORT=10   # per-flow VIP (information)
SIZE=60        # the shortest Ethernet frame without FCS
ROUNDS=${PPS_ROUNDS:-4}
SECS=${PPS_SECONDS:-2}
TMP=$(mktemp -d /tmp/xlbp.XXXXXX)

die() { echo "bench_pps: $*" >&2; exit 1; }
lbx() { netns_exec lb "$XLB" "$@"; }

cleanup() {
	netns_down
	rm -rf "$XLB_PIN_DIR" "$COUNT_DIR" "$TMP"
}
trap cleanup EXIT

delivered() { echo $(($("$FLOOD" read "$COUNT_DIR/web1") + $("$FLOOD" read "$COUNT_DIR/web2"))); }

# What the lb's interface runs: xlb (both VIPs), the bare forwarder, or nothing.
lb_use() {
	case $1 in
	xlb) lbx attach "$NETNS_DEV" --mode native >/dev/null ;;
	bare) netns_exec lb "$FLOOD" bare --dev "$NETNS_DEV" --vip "$NETNS_VIP4:$PORT" \
		--backend "$(netns_mac web1)" --backend "$(netns_mac web2)" ;;
	none)
		lbx detach "$NETNS_DEV" >/dev/null 2>&1
		ip -n "$(netns_name lb)" link set dev "$NETNS_DEV" xdp off ;;
	esac
}

# flood PORT SECONDS: prints "SENT DELIVERED SECONDS TIMED" of one run of the generator.
flood() {
	local before after out sent secs timed
	before=$(delivered)
	out=$(netns_exec client "$FLOOD" --dev "$NETNS_DEV" --dst-mac "$LB_MAC" \
		--src "${NETNS_IP4[client]}" --dst "$NETNS_VIP4:$1" --seconds "$2" --size "$SIZE") ||
		return 1
	after=$(delivered)
	# "sent N frames of S bytes in T s: R frames/s; test-run time U s"
	read -r _ sent _ _ _ _ _ secs _ _ _ _ _ timed _ <<<"$out"
	echo "$sent $((after - before)) $secs $timed"
}

# Every drop or error counter of the path's veths that is not 0, except the counters' own drops.
path_losses() {
	local n
	for n in $NETNS_NODES; do
		netns_exec "$n" ethtool -S "$NETNS_DEV" | sed "s/^ */$n:/"
		netns_sw ethtool -S "$n" | sed "s/^ */switch port $n:/"
		ip -s -j -n "$NETNS_SW" link show dev "$n" | python3 -c '
import json, sys
l = json.load(sys.stdin)[0]["stats64"]
print("switch port %s: rx_dropped: %d" % (sys.argv[1], l["rx"]["dropped"]))
print("switch port %s: tx_dropped: %d" % (sys.argv[1], l["tx"]["dropped"]))' "$n"
	done | grep -E 'drop|err' | grep -v -E ': 0$|web[12]:rx_queue_0_xdp_drops'
}

# --- set-up ----------------------------------------------------------------------------
[ "$(id -u)" = 0 ] || die "needs root (namespaces, XDP, bpffs)"
{ [ -x "$FLOOD" ] && [ -x "$XLB" ]; } || die "$FLOOD or $XLB missing: run make"
if ! mountpoint -q /sys/fs/bpf; then
	mount -t bpf bpf /sys/fs/bpf || die "cannot mount bpffs"
fi
cleanup 2>/dev/null
TMP=$(mktemp -d /tmp/xlbp.XXXXXX)
netns_up || die "building the namespaces failed"
netns_generator_path || die "cannot prepare the switch for the generator"
LB_MAC=$(netns_mac lb)

mkdir -p "$COUNT_DIR"
for n in $NETNS_BACKENDS; do
	netns_exec "$n" "$FLOOD" count --dev "$NETNS_DEV" --dst "$NETNS_VIP4" --pin "$COUNT_DIR/$n" ||
		die "cannot attach the counter on $n"
done
netns_backend_setup "$NETNS_VIP4:$PORT/udp" >/dev/null || die "backend-setup failed"
lb_use xlb || die "xlb attach failed"
lbx vip add "$NETNS_VIP4:$PORT/udp" --per-packet || die "vip add failed"
lbx vip add "$NETNS_VIP4:$FLOW_PORT/udp" || die "vip add failed"
for v in $PORT $FLOW_PORT; do
	for n in $NETNS_BACKENDS; do
		lbx backend add "$NETNS_VIP4:$v/udp" "${NETNS_IP4[$n]}" || die "backend add failed"
	done
done

# Warm-up, not recorded: the per-flow VIP learns its flows, caches and the page pool warm.
{ flood $PORT 0.5 >/dev/null && flood $FLOW_PORT 1 >/dev/null; } || die "the generator failed"
lb_use none

# --- measurement -----------------------------------------------------------------------
# Rounds run the cases forwards, then backwards (ABC CBA ...): a drift of the machine's speed
# over the run then weighs on every case alike.
CASES="bare xlb xlb_flow"
declare -A SENT=() GOT=() TIME=() TIMED=()
for c in $CASES; do SENT[$c]=0 GOT[$c]=0 TIME[$c]=0 TIMED[$c]=0; done
for r in $(seq "$ROUNDS"); do
	order=$CASES
	[ $((r % 2)) = 0 ] && order=$(echo $CASES | tr ' ' '\n' | tac | tr '\n' ' ')
	prev=none
	for c in $order; do
		case $c in
		bare) port=$PORT ;;
		*) port=$PORT; [ $c = xlb_flow ] && port=$FLOW_PORT ;;
		esac
		# xlb serves both of its cases without being attached again
		if [ "$prev" = bare ] || [ "$c" = bare ] || [ "$prev" = none ]; then
			lb_use none
			lb_use "${c%_flow}" || die "attaching for $c failed"
		fi
		out=$(flood $port "$SECS") || die "the generator failed ($c, round $r)"
		read -r s g t u <<<"$out"
		SENT[$c]=$((SENT[$c] + s)) GOT[$c]=$((GOT[$c] + g))
		TIME[$c]=$(awk -v a="${TIME[$c]}" -v b="$t" 'BEGIN { print a + b }')
		TIMED[$c]=$(awk -v a="${TIMED[$c]}" -v b="$u" 'BEGIN { print a + b }')
		echo "$r $c $s $g $t $u" >>"$TMP/rounds"
		prev=$c
	done
done
lb_use none
losses=$(path_losses)

# --- report ----------------------------------------------------------------------------
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
declare -A PPS=() CPPS=()
for c in $CASES; do
	PPS[$c]=$(rate "${GOT[$c]}" "${TIME[$c]}")
	CPPS[$c]=$(rate "${GOT[$c]}" "${TIMED[$c]}")
done
echo "Packets per second, UDP $SIZE-byte frames to $NETNS_VIP4, counted at web1 + web2"
echo "$ROUNDS interleaved rounds of ${SECS}s per case; generator: xdp_flood (live frames) in the"
echo "client; one core carries the whole path (generator, switch, lb, backends)"
echo
printf "%-32s %11s %11s %7s %7s %13s %7s\n" "case" "sent/s" "delivered/s" "lost" "x bare" \
	"per core-s" "x bare"
for c in $CASES; do
	case $c in
	bare) name="bare XDP_TX forwarder" ;;
	xlb) name="xlb, per-packet UDP VIP" ;;
	xlb_flow) name="  xlb, per-flow (info)" ;;
	esac
	lost=$(awk -v s="${SENT[$c]}" -v g="${GOT[$c]}" \
		'BEGIN { printf "%.2f%%", (s > 0 ? 100 * (s - g) / s : 0) }')
	printf "%-32s %11s %11s %7s %7s %13s %7s" "$name" "$(rate "${SENT[$c]}" "${TIME[$c]}")" \
		"${PPS[$c]}" "$lost" "$(ratio "${PPS[$c]}" "${PPS[bare]}")" "${CPPS[$c]}" \
		"$(ratio "${CPPS[$c]}" "${CPPS[bare]}")"
	if [ "$c" = xlb ]; then
		printf "   >= 0.9 %s" "$(awk -v r="$(ratio "${CPPS[xlb]}" "${CPPS[bare]}")" \
			'BEGIN { print (r >= 0.9 ? "PASS" : "MISS") }')"
	fi
	echo
done
echo "(per core-s: delivered per second of the generator's test-run time, the kernel's measure of"
echo " the calls, which is the CPU time the whole path got: the target is read on it, because the"
echo " wall-clock rate mostly follows the share of the core that other tasks leave to the path)"
awk -v x="${CPPS[xlb]}" -v b="${CPPS[bare]}" -v f="${CPPS[xlb_flow]}" 'BEGIN {
	if (x > 0 && b > 0 && f > 0)
		printf "xlb over the bare forwarder, on the core, per packet: %+.0f ns (per-packet VIP), %+.0f ns (per-flow), of %.0f ns for the whole path\n",
			1e9 / x - 1e9 / b, 1e9 / f - 1e9 / b, 1e9 / b
}'
echo "per round: sent, delivered, seconds, test-run seconds, delivered/s"
while read -r r c s g t u; do
	printf "  %d %-9s %9d %9d %6s s %6s s %9s/s\n" "$r" "$c" "$s" "$g" "$t" "$u" "$(rate "$g" "$t")"
done <"$TMP/rounds"
if [ -n "$losses" ]; then
	echo "drops on the path (whole run, warm-up included):"
	echo "  ${losses//$'\n'/$'\n  '}"
else
	echo "drops on the path: none"
fi
