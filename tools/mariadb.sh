# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Private MariaDB servers for the SQL tests and benchmarks: each with its own datadir, socket,
# port and logs under one directory, on 127.0.0.1, started and stopped by whoever sources this.
#
# Usage:
#   source tools/mariadb.sh
#   mariadb_pair_start DIR PRIMARY_PORT REPLICA_PORT  # primary + replica, GTID replication
#   mariadb_sql db1 "SELECT 1"                        # as root, through the node's socket
#   mariadb_pair_stop                                 # both servers stopped, DIR removed
#
# Nodes are named db1 (primary, server_id 1) and db2 (replica, server_id 2). Users made:
#   app/app-secret      all privileges, for clients through the splitter
#   monitor/monitor-pw  what xlbd's [mysql] checks need (REPLICA MONITOR, read_only)
#   repl/repl-secret    the replica's replication user
# Debian's MariaDB creates anonymous users, which shadow 'user'@'%' from localhost: dropped.

MARIADB_BIN=$(command -v mariadbd || echo /usr/sbin/mariadbd)
MARIADB_CLIENT=$(command -v mariadb || command -v mysql)
MARIADB_DIR=
declare -gA MARIADB_PORT=()

# mariadb_start NAME PORT SERVER_ID [ARGS...]: a fresh server, up and answering, or 1 with its
# log shown.
mariadb_start() {
	mariadb_install "$1" && mariadb_run "$@"
}

# mariadb_install NAME: the node's datadir made by mariadb-install-db, unless it holds one.
mariadb_install() {
	local name=$1 d
	d=$MARIADB_DIR/$name
	mkdir -p "$d"
	chown mysql: "$d" 2>/dev/null || true
	[ -d "$d/data/mysql" ] && return 0
	if ! mariadb-install-db --no-defaults --user=mysql --datadir="$d/data" \
		--auth-root-authentication-method=normal --skip-test-db >"$d/install.log" 2>&1; then
		echo "mariadb_start: install-db for $name failed:" >&2
		tail -n 5 "$d/install.log" >&2
		return 1
	fi
}

# mariadb_run NAME PORT SERVER_ID [ARGS...]: starts the server on its datadir, on
# $MARIADB_BIND (127.0.0.1 unless set), with ARGS added; waits until it answers (15 s).
# MARIADB_SETSID=1 starts it in a session of its own, so that it outlives the caller's
# terminal (the lab's servers do).
mariadb_run() {
	local name=$1 port=$2 id=$3 d
	shift 3
	d=$MARIADB_DIR/$name
	MARIADB_PORT[$name]=$port
	# GTID replication with binary logs on both nodes (a replica can be promoted), a small
	# buffer pool (the machine runs many of these), and no fsync per commit: test data.
	${MARIADB_SETSID:+setsid} "$MARIADB_BIN" --no-defaults --user=mysql --datadir="$d/data" \
		--socket="$d/sock" --port="$port" --bind-address="${MARIADB_BIND:-127.0.0.1}" \
		--pid-file="$d/pid" --log-error="$d/error.log" --skip-name-resolve --server-id="$id" \
		--log-bin="$d/data/binlog" --log-slave-updates --binlog-format=ROW \
		--innodb-buffer-pool-size=64M --innodb-flush-log-at-trx-commit=0 --sync-binlog=0 \
		--max-connections=500 --max-allowed-packet=64M "$@" \
		</dev/null >"$d/mariadbd.out" 2>&1 &
	for _ in $(seq 150); do
		mariadb_sql "$name" "SELECT 1" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "mariadb_start: $name did not answer within 15 s:" >&2
	tail -n 5 "$d/error.log" >&2
	return 1
}

# mariadb_sql NAME SQL: runs SQL as root on the node's socket; prints the result, tab-separated.
mariadb_sql() {
	"$MARIADB_CLIENT" --no-defaults --socket="$MARIADB_DIR/$1/sock" -uroot -N -B -e "$2"
}

mariadb_users() {
	mariadb_sql "$1" "DELETE FROM mysql.global_priv WHERE User=''; FLUSH PRIVILEGES;
		CREATE USER 'app'@'%' IDENTIFIED BY 'app-secret';
		GRANT ALL ON *.* TO 'app'@'%';
		CREATE USER 'monitor'@'%' IDENTIFIED BY 'monitor-pw';
		GRANT REPLICA MONITOR, REPLICATION CLIENT, PROCESS ON *.* TO 'monitor'@'%';
		CREATE USER 'repl'@'%' IDENTIFIED BY 'repl-secret';
		GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';
		CREATE DATABASE IF NOT EXISTS xlbtest;"
}

# mariadb_pair_start DIR PRIMARY_PORT REPLICA_PORT
mariadb_pair_start() {
	MARIADB_DIR=$1
	rm -rf "$MARIADB_DIR"
	mkdir -p "$MARIADB_DIR"
	chmod 755 "$MARIADB_DIR"
	mariadb_start db1 "$2" 1 && mariadb_start db2 "$3" 2 || return 1
	# The users are made on the primary and reach the replica by replication, which starts
	# from the beginning of the primary's binary log (an empty GTID position).
	mariadb_users db1 || return 1
	mariadb_sql db2 "SET GLOBAL read_only=1;
		CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$2, MASTER_USER='repl',
		MASTER_PASSWORD='repl-secret', MASTER_USE_GTID=slave_pos;
		START SLAVE;" || return 1
	mariadb_wait_replica || return 1
}

# mariadb_wait_replica: the replica has applied everything the primary has written (10 s).
mariadb_wait_replica() {
	local pos
	pos=$(mariadb_sql db1 "SELECT @@gtid_binlog_pos") || return 1
	[ -z "$pos" ] && return 0
	[ "$(mariadb_sql db2 "SELECT MASTER_GTID_WAIT('$pos', 10)")" = 0 ]
}

mariadb_pair_stop() {
	local name pid
	[ -n "$MARIADB_DIR" ] || return 0
	for name in db2 db1; do
		pid=$(cat "$MARIADB_DIR/$name/pid" 2>/dev/null) || continue
		kill "$pid" 2>/dev/null || continue
		for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
	done
	rm -rf "$MARIADB_DIR"
	MARIADB_DIR=
}
