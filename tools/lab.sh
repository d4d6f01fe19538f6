#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# shellcheck disable=SC2086 # node lists are split into words on purpose
# The whole site on this machine: `tools/lab.sh up` builds client, lb, web1 and web2 as network
# namespaces, runs the role scripts of tools/roles/ in them (the same ones that provision the
# Vagrant VMs), waits until xlbd has both web servers up, and shows the site working;
# `tools/lab.sh down` removes all of it. `make lab` / `make lab-down`.
#
#   lb    xlbd: XDP on eth0, the VIP's :80 and :443, HTTP(S) checks of /health, [mysql]
#   web1  nginx (TLS from the lab CA), appd, xlb-sqlproxy, MariaDB primary
#   web2  nginx, appd, xlb-sqlproxy, MariaDB replica of web1's (GTID)
#
# Several labs may run side by side (the tests and benchmarks run their own):
#   LAB_PREFIX   namespace prefix (xlb-); the run directory is /run/<prefix>netns
#   LAB_NET4     IPv4 /24 of the segment (10.10.0.0/24): client .1, lb .2, web1 .11, web2 .12,
#                VIP .100
#   LAB_NET6     IPv6 /64 (fd00:10::/64), the same host numbers
#   XLB_PIN_DIR  xlb's pins (/sys/fs/bpf/xlb; for another prefix /sys/fs/bpf/<prefix without ->)
#   LAB_REQUESTS how many HTTPS requests `up` shows split (20)
#   LAB_BIN      where the daemons are (build/): to run the lab on another build
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=tools/netns.sh
source "$HERE/netns.sh"

LAB_PREFIX=${LAB_PREFIX:-xlb-}
LAB_NET4=${LAB_NET4:-10.10.0.0/24}
LAB_NET6=${LAB_NET6:-fd00:10::/64}
if [ "$LAB_PREFIX" = xlb- ]; then
	export XLB_PIN_DIR=${XLB_PIN_DIR:-/sys/fs/bpf/xlb}
else
	export XLB_PIN_DIR=${XLB_PIN_DIR:-/sys/fs/bpf/${LAB_PREFIX%-}}
fi
REQUESTS=${LAB_REQUESTS:-20}
BIN=${LAB_BIN:-$ROOT/build}
XLB=$BIN/xlb
DOMAIN=xlb.lab

die() { echo "lab: $*" >&2; exit 1; }
# What the demonstration of `up` found wrong; up fails when it is not empty.
PROBLEMS=()

netns_init "$LAB_PREFIX" "$LAB_NET4" "$LAB_NET6" || exit 2
SITE_FILE=$NETNS_RUNDIR/site.env
CA=$NETNS_RUNDIR/ca/ca.crt
METRICS_URL=http://${NETNS_IP4[lb]}:9591/metrics

# site_file: the site description every role reads, with this lab's values (vagrant/site.env
# is the VMs').
site_file() {
	local n
	echo "# Written by tools/lab.sh up: the lab's site description (see tools/roles/common.sh)."
	echo "SITE_KIND=lab"
	echo "SITE_WEBS=\"$NETNS_BACKENDS\""
	for n in $NETNS_NODES; do
		echo "SITE_IP4_$n=${NETNS_IP4[$n]}"
		echo "SITE_IP6_$n=${NETNS_IP6[$n]}"
	done
	cat <<EOF
SITE_VIP4=$NETNS_VIP4
SITE_VIP6=$NETNS_VIP6
SITE_DOMAIN=$DOMAIN
SITE_STATE=$NETNS_RUNDIR
SITE_CA_DIR=$NETNS_RUNDIR/ca
SITE_BIN=$BIN
SITE_SRC=$ROOT
SITE_IFACE=$NETNS_DEV
SITE_XDP_MODE=native
SITE_PIN_DIR=$XLB_PIN_DIR
SITE_SPLITTER_ADMIN=tcp
EOF
}

# role NODE SCRIPT up|down: a role script in the node's namespace (nsenter keeps the pins in
# view); every daemon it starts lives there. A namespace deleted under a running lab leaves
# its daemons running: `down` still stops them, by their pid files, from here.
role() {
	if [ -e "/run/netns/$(netns_name "$1")" ]; then
		netns_exec "$1" env NODE="$1" SITE_FILE="$SITE_FILE" bash "$HERE/roles/$2.sh" "$3"
	elif [ "$3" = down ]; then
		env NODE="$1" SITE_FILE="$SITE_FILE" bash "$HERE/roles/$2.sh" down
	else
		die "no namespace $(netns_name "$1")"
	fi
}

lbx() { netns_exec lb "$XLB" "$@"; }

# node_macs: "NODE=MAC" of every node's interface on the segment (MAC empty for a node that
# has none yet).
node_macs() {
	local n
	for n in $NETNS_NODES; do
		printf '%s=%s ' "$n" "$(node_mac "$n")"
	done
}

node_mac() {
	ip -n "$(netns_name "$1")" -br link show dev "$NETNS_DEV" 2>/dev/null | awk '{ print $3 }'
}

# forget_macs BEFORE: a node made again (its namespace was gone) has a new MAC, which the
# others' neighbour caches would not learn for half a minute: a web server would send its
# DSR answers to the client's old MAC. Those entries go, so that they are resolved again.
forget_macs() {
	local n m
	for n in $NETNS_NODES; do
		case " $1 " in
		*" $n=$(node_mac "$n") "*) continue ;;
		esac
		for m in $NETNS_NODES; do
			[ "$m" = "$n" ] && continue
			ip -n "$(netns_name "$m")" neigh del "${NETNS_IP4[$n]}" dev "$NETNS_DEV" 2>/dev/null
			ip -n "$(netns_name "$m")" neigh del "${NETNS_IP6[$n]}" dev "$NETNS_DEV" 2>/dev/null
		done
	done
	return 0
}

# adopt_orphans: a node's namespace deleted by hand (`ip netns del`) under a running lab lives
# on as long as its daemons do, out of reach by name, with its veth still on the bridge, so
# that netns_up could not make the node again. Name it again after one of its daemons (`ip
# netns attach`): up then carries on with the daemons that run, down stops them as usual. A
# daemon is known by its pid file and by its command line, which names the node's directory.
adopt_orphans() {
	local n ns f pid self
	self=$(readlink /proc/self/ns/net)
	for n in $NETNS_NODES; do
		ns=$(netns_name "$n")
		[ -e "/run/netns/$ns" ] && continue
		for f in "$NETNS_RUNDIR/$n"/*.pid "$NETNS_RUNDIR/$n"/nginx/nginx.pid \
			"$NETNS_RUNDIR/$n"/mariadb/pid; do
			pid=$(cat "$f" 2>/dev/null) || continue
			[ -n "$pid" ] || continue
			tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$NETNS_RUNDIR/$n/" ||
				continue
			[ "$(readlink "/proc/$pid/ns/net")" != "$self" ] || continue
			if ip netns attach "$ns" "$pid"; then
				echo "== $ns had been deleted under its daemons: named again (the namespace of pid $pid)"
				break
			fi
		done
	done
}

# backends_up: how many backends of the lab's VIPs xlbd has marked healthy.
backends_up() {
	lbx backend list --json 2>/dev/null | python3 -c '
import json, sys
print(sum(1 for b in json.load(sys.stdin) if b["health"] == "up" and b["state"] == "up"))'
}

# wait_backends N SECONDS: N backends up.
wait_backends() {
	for _ in $(seq $(($2 * 10))); do
		[ "$(backends_up)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# ccurl ARGS...: curl on the client, trusting the lab CA, with the lab's names resolved.
ccurl() {
	netns_exec client curl -s --noproxy '*' --cacert "$CA" --connect-timeout 2 --max-time 5 \
		--resolve "vip.$DOMAIN:443:$NETNS_VIP4" --resolve "vip.$DOMAIN:80:$NETNS_VIP4" \
		--resolve "web1.$DOMAIN:443:${NETNS_IP4[web1]}" \
		--resolve "web2.$DOMAIN:443:${NETNS_IP4[web2]}" "$@"
}

# https_batch COUNT: COUNT requests for https://vip.xlb.lab/node from the client, one
# connection each, 8 at a time; a line per request, "BODY CODE", or " 000" when it failed.
https_batch() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	seq "$1" | netns_exec client xargs -P 8 -n 1 sh -c \
		'r=$(curl -s --noproxy "*" --cacert "$1" --resolve "$2" --connect-timeout 2 \
			--max-time 5 -w "%{http_code}" "$3" 2>/dev/null); echo $r' \
		sh "$CA" "vip.$DOMAIN:443:$NETNS_VIP4" "https://vip.$DOMAIN/node"
}

# json_field FIELD: a top-level field of the JSON object on stdin.
json_field() {
	python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1" 2>/dev/null
}

# splitter_line NODE: the node's splitter counters on one line, asked from inside the node
# (its admin listens on the node's address).
splitter_line() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	netns_exec "$1" env SITE_FILE="$SITE_FILE" NODE="$1" bash -c \
		'source "$0/roles/common.sh" && site_admin "$(site_admin_addr "$NODE")" "show stats"' \
		"$HERE" | awk '$1 ~ /^(sessions_total|statements|causal_waits|reads\.|writes\.)/ {
			printf "%s=%s ", $1, $2 } END { print "" }'
}

show() {
	local out w1 w2 resp id text got whoami
	echo
	echo "== $REQUESTS HTTPS requests through the VIP: https://vip.$DOMAIN/node" \
		"($NETNS_VIP4, CA-verified, one connection each)"
	out=$(https_batch "$REQUESTS")
	w1=$(netns_count web1 <<<"$out")
	w2=$(netns_count web2 <<<"$out")
	echo "   web1: $w1   web2: $w2   failed: $((REQUESTS - w1 - w2))"
	[ $((w1 + w2)) = "$REQUESTS" ] ||
		PROBLEMS+=("$((REQUESTS - w1 - w2)) of $REQUESTS HTTPS requests through the VIP failed")

	text="hello from the lab, $(date +%T)"
	echo "== a note written through web2 (https://web2.$DOMAIN, pinned to ${NETNS_IP4[web2]}" \
		"with curl --resolve)"
	resp=$(ccurl -X POST -H 'Content-Type: application/json' \
		--data "{\"text\": \"$text\", \"author\": \"lab\"}" "https://web2.$DOMAIN/api/notes")
	echo "   POST /api/notes on web2: $resp"
	id=$(json_field id <<<"$resp")
	[ -n "$id" ] || PROBLEMS+=("the note could not be written through web2")
	if [ -n "$id" ]; then
		got=$(netns_exec web1 mariadb --no-defaults --socket="$NETNS_RUNDIR/web1/mariadb/sock" \
			-uroot -N -B -e "SELECT id, text, @@server_id FROM notes.notes WHERE id = $id" 2>&1)
		echo "   on the primary (web1's MariaDB, asked directly): ${got//$'\t'/ | }"
		echo "   GET /api/notes on web2: $(ccurl "https://web2.$DOMAIN/api/notes" | python3 -c '
import json, sys
d = json.load(sys.stdin)
ids = [n["id"] for n in d["notes"]]
print("note %s %s, read from server_id %s" % (sys.argv[1],
      "is there" if int(sys.argv[1]) in ids else "is MISSING", d["db_server_id"]))' "$id" 2>&1)"
	fi
	whoami=$(ccurl "https://web2.$DOMAIN/api/whoami")
	echo "   GET /api/whoami on web2: $whoami"
	echo "   (server_id 1 is web1's primary, 2 web2's replica: web2's reads go to its replica)"

	echo "== the splitters (show stats on their admin)"
	echo "   web1: $(splitter_line web1)"
	echo "   web2: $(splitter_line web2)"

	echo "== xlb stats (rows of VIPs and backends with no packets yet left out)"
	lbx stats | awk 'NR == 1 || /^verdicts/ || $3 != 0'
}

up() {
	[ "$(id -u)" = 0 ] || die "must run as root (namespaces, XDP, bpffs, MariaDB)"
	local b c macs
	for b in xlb xlbd xlb-sqlproxy appd; do
		[ -x "$BIN/$b" ] || die "$BIN/$b missing: run make"
	done
	for c in nginx curl openssl mariadbd mariadb python3; do
		command -v "$c" >/dev/null || [ -x "/usr/sbin/$c" ] || die "$c is needed: run make deps"
	done
	# libxdp and xlb pin under /sys/fs/bpf; a fresh container may not have it mounted.
	if ! mountpoint -q /sys/fs/bpf; then
		mount -t bpf bpf /sys/fs/bpf || die "cannot mount bpffs on /sys/fs/bpf"
	fi

	echo "== namespaces ${NETNS_PREFIX}{client,lb,web1,web2} on a bridge in $NETNS_SW" \
		"($LAB_NET4, $LAB_NET6)"
	adopt_orphans
	macs=$(node_macs)
	netns_up || die "building the namespaces failed (ip netns list; make lab-down removes what is left)"
	forget_macs "$macs"
	site_file >"$SITE_FILE"
	NODE=ca SITE_FILE=$SITE_FILE bash "$HERE/roles/ca.sh" up || die "the lab CA failed"
	for n in $NETNS_BACKENDS; do
		role "$n" web up || die "the web role failed on $n"
	done
	role lb lb up || die "the lb role failed"
	role client client up || die "the client role failed"

	# Two backends for each of the VIPs (v4 and v6, :80 and :443).
	if ! wait_backends 8 30; then
		lbx backend list
		die "xlbd did not mark every backend up within 30 s ($NETNS_RUNDIR/lb/xlbd.log)"
	fi
	echo "== xlbd: every backend up"
	lbx backend list

	show

	local pins=
	[ "$XLB_PIN_DIR" = /sys/fs/bpf/xlb ] || pins="XLB_PIN_DIR=$XLB_PIN_DIR "
	cat <<EOF

Look around (nsenter enters one namespace and keeps /sys/fs/bpf in view):
  ${pins}nsenter --net=/run/netns/$(netns_name lb) $XLB stats
  ${pins}nsenter --net=/run/netns/$(netns_name lb) $XLB top
  ${pins}nsenter --net=/run/netns/$(netns_name lb) $XLB backend list
  nsenter --net=/run/netns/$(netns_name client) curl $METRICS_URL
  nsenter --net=/run/netns/$(netns_name client) bash          # a shell in the client
  then, in it:
    curl --cacert $CA https://$NETNS_VIP4/node
    curl --cacert $CA https://[$NETNS_VIP6]/api/whoami
    curl --cacert $CA https://$NETNS_VIP4/api/notes
    curl --cacert $CA -H 'Content-Type: application/json' -d '{"text":"hi"}' https://$NETNS_VIP4/api/notes
    wrk -c 32 -d 10s https://$NETNS_VIP4/node
  Logs, configs and pids: $NETNS_RUNDIR/{lb,web1,web2}; xlb's pins: $XLB_PIN_DIR
EOF
	if [ "$LAB_PREFIX" = xlb- ]; then
		echo "Remove everything with: make lab-down"
	else
		echo "Remove everything with: LAB_PREFIX=$LAB_PREFIX tools/lab.sh down"
	fi
	if [ ${#PROBLEMS[@]} != 0 ]; then
		printf 'lab: %s\n' "${PROBLEMS[@]}" >&2
		die "the site is up but does not work as it should: see the logs in $NETNS_RUNDIR"
	fi
}

down() {
	[ "$(id -u)" = 0 ] || die "must run as root"
	local n
	adopt_orphans
	# The roles stop their daemons cleanly (MariaDB flushes, xlbd leaves, xlb is detached
	# before its pins go); netns_down then kills whatever is left in the namespaces.
	if [ -r "$SITE_FILE" ]; then
		role client client down
		role lb lb down
		for n in web2 web1; do
			role "$n" web down
		done
	elif [ -e "/run/netns/$(netns_name lb)" ] && [ -x "$XLB" ]; then
		lbx detach "$NETNS_DEV" >/dev/null 2>&1
	fi
	rm -rf "$XLB_PIN_DIR"
	netns_down
	echo "lab: down"
}

case ${1-} in
up) up ;;
down) down ;;
*) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
