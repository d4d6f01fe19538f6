#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The client of the site: `NODE=client SITE_FILE=... client.sh up|down`, run ON the node.
#
# It trusts the lab CA and has curl and wrk. In the lab the client shares the host's files, so
# the CA is not installed anywhere: curl is given `--cacert` (the file is in $STATE/ca.crt).
# On a VM the CA goes into the system's trust store (update-ca-certificates), so that plain
# `curl https://vip.xlb.lab/` verifies; vip.DOMAIN is added to /etc/hosts.
set -u
ROLE=client
# shellcheck source=tools/roles/common.sh
source "$(cd "$(dirname "$0")" && pwd)/common.sh"

SYS_CA=/usr/local/share/ca-certificates/xlb-lab-ca.crt
HOSTS_TAG="# xlb lab"

role_up() {
	local c
	for c in curl wrk; do
		command -v "$c" >/dev/null || die "$c is needed: make deps"
	done
	[ -s "$SITE_CA_DIR/ca.crt" ] || die "no lab CA in $SITE_CA_DIR: run ca.sh up"
	write_if_changed "$STATE/ca.crt" 644 <"$SITE_CA_DIR/ca.crt"
	if [ "$SITE_KIND" = vm ]; then
		if write_if_changed "$SYS_CA" 644 <"$SITE_CA_DIR/ca.crt"; then
			update-ca-certificates >/dev/null || die "update-ca-certificates failed"
			say "the lab CA is trusted system-wide ($SYS_CA)"
		fi
		# Names for the VIP and the web servers, each line marked so that down finds it.
		sed -i "/$HOSTS_TAG\$/d" /etc/hosts
		{
			echo "$SITE_VIP4 vip.$SITE_DOMAIN $HOSTS_TAG"
			for c in $SITE_WEBS; do
				echo "$(site_ip4 "$c") $c.$SITE_DOMAIN $HOSTS_TAG"
			done
		} >>/etc/hosts
	fi
}

role_down() {
	if [ "$SITE_KIND" = vm ]; then
		if [ -e "$SYS_CA" ]; then
			rm -f "$SYS_CA"
			update-ca-certificates --fresh >/dev/null
		fi
		sed -i "/$HOSTS_TAG\$/d" /etc/hosts
	fi
	rm -rf "$STATE"
}

role_main "$@"
