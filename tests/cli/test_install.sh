#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make install` into a staging directory: binaries, BPF object, systemd unit, example config;
# an existing config is not overwritten; the installed daemon checks the installed config. TAP.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/lib/tap.sh
source "$ROOT/tests/lib/tap.sh"

STAGE=$(mktemp -d /tmp/xlb-install.XXXXXX)
trap 'rm -rf "$STAGE"' EXIT

install_staged() { make -s -C "$ROOT" install DESTDIR="$STAGE" >/dev/null; }

check "make install DESTDIR=..." install_staged
for f in usr/local/sbin/xlb usr/local/sbin/xlbd usr/local/sbin/xlb-sqlproxy usr/local/sbin/appd; do
	check "$f installed, executable" test -x "$STAGE/$f"
done
for f in usr/local/lib/xlb/xlb.bpf.o etc/systemd/system/xlbd.service etc/xlb/xlb.conf.example \
	etc/xlb/xlb.conf etc/systemd/system/xlb-sqlproxy.service etc/xlb/sqlproxy.conf.example \
	etc/xlb/sqlproxy.conf etc/systemd/system/appd.service etc/xlb/appd.conf.example \
	usr/local/share/xlb/appd/schema.sql usr/local/share/xlb/appd/static/index.html; do
	check "$f installed" test -s "$STAGE/$f"
done
check "the unit starts the installed daemon in the foreground" \
	grep -q '^ExecStart=/usr/local/sbin/xlbd -c /etc/xlb/xlb.conf --foreground' \
	"$STAGE/etc/systemd/system/xlbd.service"
check_config() { "$STAGE/usr/local/sbin/xlbd" -c "$STAGE/etc/xlb/xlb.conf" --check-config >/dev/null; }
check "the installed daemon accepts the installed config" check_config
is "the splitter's config, which holds passwords, is mode 600" \
	"$(stat -c %a "$STAGE/etc/xlb/sqlproxy.conf")" 600
check_sqlproxy_config() {
	"$STAGE/usr/local/sbin/xlb-sqlproxy" -c "$STAGE/etc/xlb/sqlproxy.conf" --check-config \
		>/dev/null
}
check "the installed splitter accepts the installed config" check_sqlproxy_config
echo "; mine" >>"$STAGE/etc/xlb/xlb.conf"
echo "; mine" >>"$STAGE/etc/xlb/sqlproxy.conf"
install_staged
check "a second install keeps the operator's config" grep -q '^; mine' "$STAGE/etc/xlb/xlb.conf"
check "a second install keeps the operator's splitter config" \
	grep -q '^; mine' "$STAGE/etc/xlb/sqlproxy.conf"
tap_done
