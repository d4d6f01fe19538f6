# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash disable=SC2034 # the names below are for the role scripts
# What every role script (tools/roles/*.sh) shares: the site description, the node's state
# directory, and starting and stopping daemons by pid file.
#
# A role runs ON its node: in the lab inside the node's network namespace (tools/lab.sh enters
# it with nsenter, so every daemon it starts lives there), on Vagrant as the VM's provisioner.
# Everything that differs between the two comes from one site file, a shell file of
# assignments named by $SITE_FILE (the lab writes one into its run directory; vagrant/site.env
# is the VMs', whose VAR=${VAR:-value} lines let the environment override a value), so that
# the same scripts build both and cannot drift:
#
#   SITE_KIND          lab | vm (vm: the node's own nginx and MariaDB services are stopped,
#                      the CA goes into the system's trust store)
#   NODE               the node this role runs on: client, lb, web1, web2 (set by the caller)
#   SITE_WEBS          the web servers, the primary first ("web1 web2")
#   SITE_IP4_<node>    each node's IPv4 address (SITE_IP6_<node>: IPv6, may be empty)
#   SITE_VIP4          the VIP (SITE_VIP6: an IPv6 VIP, may be empty)
#   SITE_DOMAIN        names in the certificates: web1.DOMAIN, vip.DOMAIN (xlb.lab)
#   SITE_STATE         state root: a node keeps its configs, pids, logs, datadir in
#                      $SITE_STATE/<node>
#   SITE_CA_DIR        the lab CA and the web servers' certificates (ca.sh writes them)
#   SITE_BIN           where xlb, xlbd, xlb-sqlproxy and appd are
#   SITE_SRC           the source tree (appd's static files and schema)
#   SITE_IFACE         the lb's interface; empty: the one that holds SITE_IP4_lb
#   SITE_XDP_MODE      native | skb
#   SITE_PIN_DIR       xlb's pin directory (exported as XLB_PIN_DIR)
#   SITE_METRICS_PORT  xlbd's metrics port on the lb's address (9591)
#   SITE_SPLITTER_ADMIN tcp | unix: how xlbd reaches the splitters' admin (VMs need tcp)
set -u

ROLES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

die() { echo "${ROLE:-role}${NODE:+ ($NODE)}: $*" >&2; exit 1; }
say() { echo "${ROLE:-role}${NODE:+ ($NODE)}: $*"; }

# The site file first, then defaults for what it may leave out.
[ -n "${SITE_FILE-}" ] || die "SITE_FILE is not set (the lab's or vagrant/site.env)"
[ -r "$SITE_FILE" ] || die "cannot read the site file $SITE_FILE"
# shellcheck source=vagrant/site.env
source "$SITE_FILE"
SITE_KIND=${SITE_KIND:-lab}
SITE_WEBS=${SITE_WEBS:-web1 web2}
SITE_DOMAIN=${SITE_DOMAIN:-xlb.lab}
SITE_VIP6=${SITE_VIP6-}
SITE_IFACE=${SITE_IFACE-}
SITE_XDP_MODE=${SITE_XDP_MODE:-native}
SITE_PIN_DIR=${SITE_PIN_DIR:-/sys/fs/bpf/xlb}
SITE_METRICS_PORT=${SITE_METRICS_PORT:-9591}
SITE_SPLITTER_ADMIN=${SITE_SPLITTER_ADMIN:-tcp}
for _v in SITE_VIP4 SITE_STATE SITE_CA_DIR SITE_BIN SITE_SRC; do
	[ -n "${!_v-}" ] || die "$_v is not set in $SITE_FILE"
done
unset _v
export XLB_PIN_DIR=$SITE_PIN_DIR

# Ports every node agrees on.
SITE_SQL_PORT=3306
SITE_PROXY_PORT=6033
SITE_ADMIN_PORT=6034
SITE_APPD_PORT=8080

# site_ip4 NODE / site_ip6 NODE: a node's address (site_ip6: empty when the site has none).
site_ip4() {
	local v=SITE_IP4_$1
	[ -n "${!v-}" ] || die "$v is not set in $SITE_FILE"
	echo "${!v}"
}
site_ip6() {
	local v=SITE_IP6_$1
	echo "${!v-}"
}

# site_primary: the web server with the MariaDB primary (the first of SITE_WEBS).
site_primary() { echo "${SITE_WEBS%% *}"; }

# site_server_id NODE: MariaDB's server_id of a web server, its place in SITE_WEBS (1, 2...).
site_server_id() {
	local w i=0
	for w in $SITE_WEBS; do
		i=$((i + 1))
		[ "$w" = "$1" ] && { echo $i; return 0; }
	done
	die "$1 is not one of SITE_WEBS ($SITE_WEBS)"
}

# site_admin_addr NODE: where the node's splitter takes admin commands, as xlbd's `splitter =`
# and the splitter's `admin =` write it: ADDR:PORT, or the Unix socket in its state dir (the
# lab's nodes share one filesystem, the VMs do not).
site_admin_addr() {
	if [ "$SITE_SPLITTER_ADMIN" = unix ]; then
		echo "$SITE_STATE/$1/sqlproxy.sock"
	else
		echo "$(site_ip4 "$1"):$SITE_ADMIN_PORT"
	fi
}

# site_admin ADDR COMMAND: one splitter admin command (TCP ADDR:PORT or a Unix path); its
# reply without the empty line that ends it.
site_admin() { python3 "$SITE_SRC/tools/sqlproxy_admin.py" "$1" "$2"; }

# Every role keeps its files in the node's state directory.
STATE=$SITE_STATE/${NODE:-none}
[ -n "${NODE-}" ] || die "NODE is not set (client, lb, web1, web2)"

# proc_alive PID: PID runs. A daemon whose parent has gone is a child of init once it exits,
# and some inits (a container's) reap only now and then: a zombie counts as gone.
proc_alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# pid_alive FILE: the pid in FILE is a live process.
pid_alive() { [ -s "$1" ] && proc_alive "$(cat "$1")"; }

# daemon_running NAME: $STATE/NAME.pid names a live process.
daemon_running() { pid_alive "$STATE/$1.pid"; }

# daemon_start NAME CMD...: CMD (which must stay in the foreground) in a session of its own,
# stdout and stderr to $STATE/NAME.log, its pid in $STATE/NAME.pid. The session keeps it
# alive after the caller's terminal goes; the closed stdin and redirected output let a
# caller that reads our output (make, prove) finish without waiting for the daemon.
daemon_start() {
	local name=$1
	shift
	setsid "$@" </dev/null >>"$STATE/$name.log" 2>&1 &
	echo $! >"$STATE/$name.pid"
}

# daemon_wait NAME SECONDS CMD...: CMD succeeds within SECONDS while the daemon lives; else 1
# with the end of its log.
daemon_wait() {
	local name=$1 secs=$2 i
	shift 2
	for i in $(seq $((secs * 10))); do
		daemon_running "$name" || break
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "$name did not come up; the end of $STATE/$name.log:" >&2
	tail -n 10 "$STATE/$name.log" >&2
	return 1
}

# daemon_stop FILE: SIGTERM to the pid in FILE, SIGKILL after 10 s; removes FILE.
daemon_stop() {
	local pidf=$1 pid
	if pid_alive "$pidf"; then
		pid=$(cat "$pidf")
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 100); do
			proc_alive "$pid" || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	fi
	rm -f "$pidf"
}

# write_if_changed FILE MODE: stdin into FILE unless FILE holds it already; 0 when it was
# (re)written, 1 when it was the same (so a running daemon is reloaded only for a change).
write_if_changed() {
	local file=$1 mode=$2 tmp
	tmp=$(mktemp "$file.XXXXXX") || die "cannot write $file"
	cat >"$tmp"
	chmod "$mode" "$tmp"
	if [ -e "$file" ] && cmp -s "$tmp" "$file"; then
		rm -f "$tmp"
		return 1
	fi
	mv -f "$tmp" "$file"
}

# role_main up|down: the entry of every role script, which defines role_up and role_down.
role_main() {
	[ "$(id -u)" = 0 ] || die "must run as root"
	case ${1-} in
	up)
		mkdir -p "$STATE"
		chmod 755 "$SITE_STATE" "$STATE"
		role_up
		;;
	down) role_down ;;
	*) echo "usage: $0 up|down" >&2; exit 2 ;;
	esac
}
