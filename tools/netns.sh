# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash disable=SC2086 # node lists are split into words on purpose
# The lab topology as network namespaces, sourced by tools/lab.sh and the netns tests.
#
#   client ─┐
#   lb ─────┼── bridge in the switch namespace (one L2 segment: DSR rewrites only MACs,
#   web1 ───┤   so the lb and the backends must share a segment)
#   web2 ───┘
#
# Usage:
#   source tools/netns.sh
#   netns_init PREFIX 10.10.0.0/24 fd00:10::/64   # names and addresses, no side effects
#   netns_up                                      # namespaces, links, addresses (idempotent)
#   netns_backend_setup 10.10.0.100:80/tcp        # `xlb backend-setup` in web1 and web2
#   netns_nginx_start web1 ...                    # nginx per backend, own files
#   netns_exec client curl ...                    # run a command in a node's namespace
#   netns_down                                    # everything above, gone (idempotent)
#
# Commands run in a namespace through `nsenter --net` rather than `ip netns exec`: the
# latter remounts /sys, which hides the bpffs pins xlb keeps its maps in.

NETNS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NETNS_XLB=${XLB:-$NETNS_ROOT/build/xlb}
NETNS_PASS_OBJ=${NETNS_PASS_OBJ:-$NETNS_ROOT/build/pass.bpf.o}
NETNS_NODES="client lb web1 web2"
NETNS_BACKENDS="web1 web2"
# Interface name of every node on the segment (the lb's is the one xlb attaches to).
NETNS_DEV=eth0
# Host part of each node's address, in both families.
declare -gA NETNS_HOST=([client]=1 [lb]=2 [web1]=11 [web2]=12)
declare -gA NETNS_IP4=() NETNS_IP6=()

# netns_init PREFIX NET4/24 NET6/64: sets NETNS_* names and addresses.
netns_init() {
	local prefix=$1 net4=$2 net6=$3 n
	case $net4 in
	*.0/24) ;;
	*) echo "netns_init: IPv4 network must be a.b.c.0/24, got '$net4'" >&2; return 2 ;;
	esac
	case $net6 in
	*::/64) ;;
	*) echo "netns_init: IPv6 network must be X::/64, got '$net6'" >&2; return 2 ;;
	esac
	NETNS_PREFIX=$prefix
	NETNS_SW=${prefix}sw
	# Per-namespace directories for nginx (pid, logs, temp); one tree per prefix so
	# a test and a running lab never share files.
	NETNS_RUNDIR=/run/${prefix}netns
	NETNS_NET4_BASE=${net4%.0/24}
	NETNS_NET6_BASE=${net6%/64}
	for n in $NETNS_NODES; do
		NETNS_IP4[$n]=$NETNS_NET4_BASE.${NETNS_HOST[$n]}
		NETNS_IP6[$n]=$NETNS_NET6_BASE${NETNS_HOST[$n]}
	done
	NETNS_VIP4=$NETNS_NET4_BASE.100
	NETNS_VIP6=${NETNS_NET6_BASE}100
}

# netns_name NODE: the namespace of a node.
netns_name() { echo "${NETNS_PREFIX}$1"; }

# netns_exec NODE CMD...: CMD in the node's network namespace, same mount namespace.
netns_exec() {
	local ns
	ns=$(netns_name "$1")
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

# netns_xdp_mode NODE DEV: the kernel's XDP attach mode of DEV in NODE's namespace (1 native,
# 2 skb; empty when no program is attached).
netns_xdp_mode() {
	ip -j -n "$(netns_name "$1")" link show dev "$2" |
		python3 -c 'import json,sys; l=json.load(sys.stdin)[0]; print(l.get("xdp",{}).get("mode",""))'
}

# netns_sw CMD...: CMD in the switch namespace.
netns_sw() { nsenter --net="/run/netns/$NETNS_SW" "$@"; }

_netns_add() {
	[ -e "/run/netns/$1" ] || ip netns add "$1"
}

# _netns_node_link NODE: veth pair, eth0 in the node, port named after the node on br0.
_netns_node_link() {
	local node=$1 ns
	ns=$(netns_name "$node")
	if ! ip -n "$NETNS_SW" link show dev "$node" >/dev/null 2>&1; then
		# A half-made pair from an interrupted run would make the add fail.
		ip -n "$ns" link del dev "$NETNS_DEV" 2>/dev/null
		ip -n "$NETNS_SW" link add "$node" type veth peer name "$NETNS_DEV" netns "$ns" ||
			return 1
	fi
	ip -n "$NETNS_SW" link set dev "$node" master br0 up || return 1
	# veths hand packets on with partial checksums; once XDP has rewritten and bounced
	# a frame the receiver sees a bad TCP checksum (TcpInCsumErrors). Checksum in
	# software on every sending side.
	netns_sw ethtool -K "$node" tx off >/dev/null || return 1
	netns_exec "$node" ethtool -K "$NETNS_DEV" tx off >/dev/null || return 1
	ip -n "$ns" link set dev lo up || return 1
	ip -n "$ns" link set dev "$NETNS_DEV" up || return 1
	ip -n "$ns" addr replace "${NETNS_IP4[$node]}/24" dev "$NETNS_DEV" || return 1
	# nodad: the address is usable at once instead of after ~1 s of duplicate detection.
	ip -n "$ns" addr replace "${NETNS_IP6[$node]}/64" dev "$NETNS_DEV" nodad || return 1
}

# netns_up: builds (or completes) the topology. Idempotent.
netns_up() {
	local n
	[ -n "${NETNS_PREFIX-}" ] || { echo "netns_up: call netns_init first" >&2; return 2; }
	[ -r "$NETNS_PASS_OBJ" ] || { echo "netns_up: $NETNS_PASS_OBJ missing: run make" >&2; return 1; }
	_netns_add "$NETNS_SW" || return 1
	for n in $NETNS_NODES; do
		_netns_add "$(netns_name "$n")" || return 1
	done
	if ! ip -n "$NETNS_SW" link show dev br0 >/dev/null 2>&1; then
		ip -n "$NETNS_SW" link add br0 type bridge || return 1
	fi
	# No STP (ports forward at once); no multicast snooping, which without a querier
	# can starve IPv6 neighbour discovery of its multicast solicitations.
	ip -n "$NETNS_SW" link set dev br0 type bridge stp_state 0 forward_delay 0 \
		mcast_snooping 0 || return 1
	ip -n "$NETNS_SW" link set dev br0 up || return 1
	# A switch runs no firewall: with br_netfilter loaded, every bridged frame would also
	# pass the host's iptables hooks, a cost a real switch does not add to the balanced path
	# (which crosses the bridge twice) and the direct one (once). Absent without br_netfilter.
	for t in arptables iptables ip6tables; do
		netns_sw sysctl -qw "net.bridge.bridge-nf-call-$t=0" 2>/dev/null
	done
	for n in $NETNS_NODES; do
		_netns_node_link "$n" || return 1
	done
	# Frames the lb sends back out with XDP_TX land in its peer veth, which drops them
	# (rx_queue_0_xdp_tx_errors) unless it has NAPI running: an XDP_PASS stub gives it
	# that. -force replaces a stub left by an earlier run instead of failing.
	ip -force -n "$NETNS_SW" link set dev lb xdpdrv obj "$NETNS_PASS_OBJ" sec xdp || return 1
	# The VIP lives on the lb's interface so that the lb answers ARP/ND for it (xlb does
	# not assign it; as with IPVS that is the operator's job). The IPv6 VIP is deprecated
	# (preferred_lft 0): it still answers ND, but the lb never picks it as the source of its
	# own connections, which would make a backend (holding the VIP on lo) answer itself.
	ip -n "$(netns_name lb)" addr replace "$NETNS_VIP4/32" dev "$NETNS_DEV" || return 1
	ip -n "$(netns_name lb)" addr replace "$NETNS_VIP6/128" dev "$NETNS_DEV" nodad \
		preferred_lft 0 || return 1
	mkdir -p "$NETNS_RUNDIR"
}

# netns_backend_setup VIP_SPEC: the VIP on lo of each backend, arp_ignore/arp_announce, so
# that they accept DSR traffic for it without answering ARP for it. Done by the CLI.
netns_backend_setup() {
	local n
	for n in $NETNS_BACKENDS; do
		netns_exec "$n" "$NETNS_XLB" backend-setup "$1" || return 1
	done
}

# _netns_nginx_conf NODE DIR: nginx config answering "NODE\n" on port 80, v4 and v6.
_netns_nginx_conf() {
	local node=$1 dir=$2
	cat <<EOF
# Generated by tools/netns.sh for the lab backend $node.
daemon on;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
	access_log $dir/access.log;
	client_body_temp_path $dir/tmp/body;
	proxy_temp_path $dir/tmp/proxy;
	fastcgi_temp_path $dir/tmp/fastcgi;
	uwsgi_temp_path $dir/tmp/uwsgi;
	scgi_temp_path $dir/tmp/scgi;
	keepalive_timeout 65;
	keepalive_requests 1000000;
	server {
		listen 80;
		listen [::]:80;
		location / {
			default_type text/plain;
			return 200 "$node\n";
		}
	}
}
EOF
}

# netns_nginx_dir NODE: the backend's nginx directory (access.log is there).
netns_nginx_dir() { echo "$NETNS_RUNDIR/$1"; }

_netns_nginx_running() {
	local pidf
	pidf="$(netns_nginx_dir "$1")/nginx.pid"
	[ -s "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null
}

# netns_nginx_start NODE...: starts nginx in each backend namespace unless it runs.
netns_nginx_start() {
	local n dir
	for n in "$@"; do
		_netns_nginx_running "$n" && continue
		dir=$(netns_nginx_dir "$n")
		mkdir -p "$dir/tmp"
		_netns_nginx_conf "$n" "$dir" >"$dir/nginx.conf"
		# -e: nginx opens its error log before reading the config; keep it ours.
		netns_exec "$n" nginx -q -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" ||
			return 1
		# The master writes its pid file after the daemon fork; wait for it.
		for _ in $(seq 50); do
			_netns_nginx_running "$n" && break
			sleep 0.1
		done
		_netns_nginx_running "$n" || { echo "nginx in $n did not start" >&2; return 1; }
	done
}

# netns_nginx_stop NODE...: stops that backend's nginx (its master, by pid).
netns_nginx_stop() {
	local n pid dir
	for n in "$@"; do
		dir=$(netns_nginx_dir "$n")
		[ -s "$dir/nginx.pid" ] || continue
		pid=$(cat "$dir/nginx.pid")
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid"
			for _ in $(seq 50); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
		fi
		rm -f "$dir/nginx.pid"
	done
}

# netns_mac NODE: the MAC address of the node's interface on the segment.
netns_mac() {
	ip -j -n "$(netns_name "$1")" link show dev "$NETNS_DEV" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])'
}

# netns_generator_path: what a packet generator sending with XDP_TX from the client needs. Its
# frames leave through the client's veth, whose peer (the switch port) drops them without an
# XDP program: the XDP_PASS stub the lb's port has. And static switch entries for every node,
# so that no frame is flooded to every port while the bridge relearns.
netns_generator_path() {
	local n mac
	ip -force -n "$NETNS_SW" link set dev client xdpdrv obj "$NETNS_PASS_OBJ" sec xdp ||
		return 1
	for n in $NETNS_NODES; do
		mac=$(netns_mac "$n") || return 1
		bridge -n "$NETNS_SW" fdb replace "$mac" dev "$n" master static || return 1
	done
}

# netns_down: nginx, namespaces and their directories, gone. Idempotent.
netns_down() {
	local n ns pids
	[ -n "${NETNS_PREFIX-}" ] || { echo "netns_down: call netns_init first" >&2; return 2; }
	netns_nginx_stop $NETNS_BACKENDS
	for n in $NETNS_NODES sw; do
		if [ "$n" = sw ]; then ns=$NETNS_SW; else ns=$(netns_name "$n"); fi
		[ -e "/run/netns/$ns" ] || continue
		# Whatever is left inside (nginx workers, a helper a test started) would keep
		# the namespace alive after `ip netns del`.
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
		ip netns del "$ns"
	done
	rm -rf "$NETNS_RUNDIR"
	return 0
}

# netns_http_batch NODE URL COUNT [PARALLEL]: COUNT requests from NODE, each its own
# connection (one curl per request). One line per request, "BODY CODE" ("web1 200"), or
# " 000" when it failed; each line is one write, so parallel output never interleaves.
netns_http_batch() {
	local node=$1 url=$2 count=$3 par=${4:-8}
	# shellcheck disable=SC2016 # expanded by the inner shell
	seq "$count" | netns_exec "$node" xargs -P "$par" -n 1 sh -c \
		'r=$(curl -s --noproxy "*" --connect-timeout 2 --max-time 5 -w "%{http_code}" "$1" 2>/dev/null); echo $r' \
		sh "$url"
}

# netns_count WORD < lines: how many lines are exactly "WORD 200".
netns_count() { grep -cx "$1 200"; }
