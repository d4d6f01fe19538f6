#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The lab CA: `ca.sh up` makes a CA (once) and, for each web server, a key and a certificate
# signed by it, in $SITE_CA_DIR; `ca.sh down` removes them. nginx on each web server
# terminates TLS with its certificate; clients trust ca.crt.
#
# A web server's certificate names what a client may dial: the VIP (it is what the balancer
# passes through at L4), the server's own address (to reach one server directly), and
# web1.DOMAIN / vip.DOMAIN. It is made again when that list changes (another site file).
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

# sans WEB: the subjectAltName list of a web server's certificate.
sans() {
	local web=$1 ip4 ip6 s
	ip4=$(site_ip4 "$web")
	s="DNS:$web.$SITE_DOMAIN,DNS:vip.$SITE_DOMAIN,IP:$SITE_VIP4,IP:$ip4"
	[ -n "$SITE_VIP6" ] && s="$s,IP:$SITE_VIP6"
	ip6=$(site_ip6 "$web")
	[ -n "$ip6" ] && s="$s,IP:$ip6"
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

# make_cert WEB: WEB.key and WEB.crt, unless they exist for the same names.
make_cert() {
	local web=$1 d=$SITE_CA_DIR want
	want=$(sans "$web")
	if [ -s "$d/$web.crt" ] && [ -s "$d/$web.key" ] && [ "$(cat "$d/$web.san" 2>/dev/null)" = "$want" ]; then
		return 0
	fi
	say "certificate for $web: $want"
	(umask 077 && openssl ecparam -name prime256v1 -genkey -noout -out "$d/$web.key") ||
		die "openssl could not make $web's key"
	openssl req -new -key "$d/$web.key" -subj "/O=xlb lab/CN=$web.$SITE_DOMAIN" \
		-out "$d/$web.csr" 2>/dev/null || die "openssl could not make $web's request"
	printf '%s\n' "subjectAltName=$want" "basicConstraints=critical,CA:FALSE" \
		"keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >"$d/$web.ext"
	openssl x509 -req -in "$d/$web.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
		-sha256 -days $DAYS_CERT -extfile "$d/$web.ext" -out "$d/$web.crt" 2>/dev/null ||
		die "openssl could not sign $web's certificate"
	echo "$want" >"$d/$web.san"
	rm -f "$d/$web.csr" "$d/$web.ext"
}

case ${1-} in
up)
	command -v openssl >/dev/null || die "openssl is needed (apt-get install openssl)"
	mkdir -p "$SITE_CA_DIR" || die "cannot make $SITE_CA_DIR"
	make_ca
	for w in $SITE_WEBS; do
		make_cert "$w"
	done
	;;
down) rm -rf "$SITE_CA_DIR" ;;
*) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
