#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The lab CA: `ca.sh up` makes a CA (once) and the web servers' TLS identity, in $SITE_CA_DIR;
# `ca.sh down` removes them. Clients trust ca.crt.
#
# The web servers are one pool behind an L4 balancer, so they share one identity, as such a
# pool does: one key and certificate (web.key, web.crt) and one session-ticket key
# (ticket.key). A client's next connection may land on the other server; with another
# certificate or ticket key there, its TLS session could not resume (nginx ties sessions to
# the certificate) and every such connection would pay a full handshake.
#
# The certificate names what a client may dial: the VIP (what the balancer passes through at
# L4), vip.DOMAIN, and each server's own address and name (to reach one server directly). It is
# made again when that list changes (another site file).
#
# Runs wherever the CA files are wanted: the lab calls it on the host; Vagrant from a trigger
# on the host before the VMs come up (the directory is then synced into them). It needs
# openssl and no root.
set -u
NODE=${NODE:-ca}
ROLE=ca
# shellcheck source=tools/roles/common.sh
source "$(cd "$(dirname "$0")" && pwd)/common.sh"

DAYS_CA=3650
DAYS_CERT=825

# sans: the subjectAltName list of the web servers' certificate.
sans() {
	local web ip6 s="DNS:vip.$SITE_DOMAIN,IP:$SITE_VIP4"
	[ -n "$SITE_VIP6" ] && s="$s,IP:$SITE_VIP6"
	for web in $SITE_WEBS; do
		s="$s,DNS:$web.$SITE_DOMAIN,IP:$(site_ip4 "$web")"
		ip6=$(site_ip6 "$web")
		[ -n "$ip6" ] && s="$s,IP:$ip6"
	done
	echo "$s"
}

make_ca() {
	[ -s "$SITE_CA_DIR/ca.crt" ] && [ -s "$SITE_CA_DIR/ca.key" ] && return 0
	say "a new lab CA in $SITE_CA_DIR"
	(umask 077 && openssl ecparam -name prime256v1 -genkey -noout -out "$SITE_CA_DIR/ca.key") ||
		die "openssl could not make the CA key"
	openssl req -x509 -new -key "$SITE_CA_DIR/ca.key" -sha256 -days $DAYS_CA \
		-subj "/O=xlb lab/CN=xlb lab CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-out "$SITE_CA_DIR/ca.crt" 2>/dev/null || die "openssl could not make the CA certificate"
	# Certificates of an earlier CA would no longer verify.
	rm -f "$SITE_CA_DIR"/web*.crt
}

# make_cert: web.key and web.crt, unless they exist for the same names.
make_cert() {
	local web=web d=$SITE_CA_DIR want
	want=$(sans)
	if [ -s "$d/$web.crt" ] && [ -s "$d/$web.key" ] && [ "$(cat "$d/$web.san" 2>/dev/null)" = "$want" ]; then
		return 0
	fi
	say "certificate for $web: $want"
	(umask 077 && openssl ecparam -name prime256v1 -genkey -noout -out "$d/$web.key") ||
		die "openssl could not make the web servers' key"
	openssl req -new -key "$d/$web.key" -subj "/O=xlb lab/CN=vip.$SITE_DOMAIN" \
		-out "$d/$web.csr" 2>/dev/null || die "openssl could not make the certificate request"
	printf '%s\n' "subjectAltName=$want" "basicConstraints=critical,CA:FALSE" \
		"keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >"$d/$web.ext"
	openssl x509 -req -in "$d/$web.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
		-sha256 -days $DAYS_CERT -extfile "$d/$web.ext" -out "$d/$web.crt" 2>/dev/null ||
		die "openssl could not sign the web servers' certificate"
	echo "$want" >"$d/$web.san"
	rm -f "$d/$web.csr" "$d/$web.ext"
}

case ${1-} in
up)
	command -v openssl >/dev/null || die "openssl is needed (apt-get install openssl)"
	mkdir -p "$SITE_CA_DIR" || die "cannot make $SITE_CA_DIR"
	make_ca
	make_cert
	# 80 bytes: nginx's AES-256 ticket key format. Made once; replacing it only costs the
	# clients a full handshake.
	if [ ! -s "$SITE_CA_DIR/ticket.key" ]; then
		(umask 077 && openssl rand -out "$SITE_CA_DIR/ticket.key" 80) ||
			die "openssl could not make the session-ticket key"
	fi
	;;
down) rm -rf "$SITE_CA_DIR" ;;
*) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
