#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The Vagrant side of the site (vagrant/), without VMs: the Vagrantfile validates, provisions
# every machine with the lab's role scripts (tools/roles/) in the right order, and agrees with
# the VMs' site file; the role scripts parse (and pass shellcheck when it is installed); the
# lab CA made with the VMs' values verifies. TAP.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/lib/tap.sh
source "$ROOT/tests/lib/tap.sh"

VF=$ROOT/vagrant/Vagrantfile
SITE=$ROOT/vagrant/site.env
ROLES="common ca web lb client vm"
TMP=$(mktemp -d /tmp/xlb-vagrant-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# ---- the scripts -------------------------------------------------------------------------
for r in $ROLES; do
	check "tools/roles/$r.sh parses (bash -n)" bash -n "$ROOT/tools/roles/$r.sh"
done
check "tools/lab.sh parses (bash -n)" bash -n "$ROOT/tools/lab.sh"
if command -v shellcheck >/dev/null; then
	out=$(cd "$ROOT" && shellcheck -x tools/lab.sh tools/roles/*.sh vagrant/site.env 2>&1)
	is "shellcheck: the role scripts, lab.sh and site.env are clean" "$out" ""
else
	diag "shellcheck is not installed: not run"
fi

# ---- the Vagrantfile ---------------------------------------------------------------------
if command -v vagrant >/dev/null; then
	# Its state (.vagrant) goes to the temp dir, not next to the Vagrantfile.
	export VAGRANT_DOTFILE_PATH=$TMP/.vagrant
	out=$(cd "$ROOT/vagrant" && vagrant validate 2>&1)
	rc=$?
	if [ $rc != 0 ] && grep -q 'No usable default provider' <<<"$out"; then
		# Neither VirtualBox nor the vagrant-libvirt plugin here: validate everything but
		# the provider blocks.
		diag "no usable Vagrant provider here: vagrant validate --ignore-provider"
		out=$(cd "$ROOT/vagrant" && vagrant validate --ignore-provider 2>&1)
		rc=$?
	fi
	is "vagrant validate" "$rc" 0
	[ $rc = 0 ] || printf '# %s\n' "${out//$'\n'/$'\n# '}"
else
	diag "vagrant is not installed: vagrant validate not run"
fi

check "the box is Debian 12" grep -q 'config.vm.box = "debian/bookworm64"' "$VF"
check "a VirtualBox provider block" grep -q 'provider :virtualbox' "$VF"
check "a libvirt provider block" grep -q 'provider :libvirt' "$VF"
check "the machines are provisioned by tools/roles/vm.sh" \
	grep -q 'inline: "bash /vagrant/tools/roles/vm.sh #{name} #{role}"' "$VF"
# shellcheck disable=SC2016 # the text of the script
check "vm.sh runs the lab's role script of the machine" \
	grep -q 'bash "$SRC/tools/roles/$ROLE.sh" up' "$ROOT/tools/roles/vm.sh"
check "the lab CA is made by tools/roles/ca.sh" grep -q "tools/roles/ca.sh' up" "$VF"
check "the CA's key stays on the host (not rsync'd)" grep -q '"/vagrant/.ca/ca.key"' "$VF"
# What vm.sh installs on a web or lb VM: make deps's list, without vagrant's packages (whose
# recommendations would bring an NFS server and libguestfs into every VM).
out=$(SRC=$ROOT bash "$ROOT/tools/roles/vm.sh" --deps 2>&1)
check "vm.sh --deps: nginx, mariadb-server, clang, libxdp-dev are in it ($out)" sh -c \
	"for p in nginx mariadb-server clang libxdp-dev; do echo ' $out ' | grep -q \" \$p \" || exit 1; done"
is "vm.sh --deps: no vagrant package" "$(tr ' ' '\n' <<<"$out" | grep -c '^vagrant')" 0
# shellcheck disable=SC2016 # the text of the script
check "vm.sh installs make when the box has none" grep -q 'command -v make' "$ROOT/tools/roles/vm.sh"
# name, address and role of each machine, in the order they come up.
nodes=$(sed -n 's/^ *\["\([a-z0-9]*\)", "\([0-9.]*\)", "\([a-z]*\)",.*/\1 \2 \3/p' "$VF" | tr '\n' ';')
is "machines in order: web1 (primary), web2 (replica), lb, client" \
	"$(sed -n 's/^ *\["\([a-z0-9]*\)", "[0-9.]*", "\([a-z]*\)",.*/\1 \2/p' "$VF" | tr '\n' ';')" \
	"web1 web;web2 web;lb lb;client client;"
for n in web1 web2 lb client; do
	want=$(sed -n "s/^SITE_IP4_$n=//p" "$SITE")
	got=$(tr ';' '\n' <<<"$nodes" | awk -v n="$n" '$1 == n { print $2 }')
	is "$n's address in the Vagrantfile is site.env's ($want)" "$got" "$want"
done

# ---- the VMs' site file --------------------------------------------------------------------
# shellcheck disable=SC2016 # expanded by the inner shell
out=$(SITE_FILE=$SITE NODE=lb bash -c 'source "$1/tools/roles/common.sh" &&
	echo "$SITE_KIND $SITE_SPLITTER_ADMIN $(site_admin_addr web2) $(site_primary)" \
		"$(site_server_id web2) $XLB_PIN_DIR"' sh "$ROOT" 2>&1)
is "site.env through common.sh: a VM site, TCP admin, web1 the primary" "${out//$'\n'/ }" \
	"vm tcp $(sed -n 's/^SITE_IP4_web2=//p' "$SITE"):6034 web1 2 /sys/fs/bpf/xlb"

# ---- the lab CA with the VMs' values --------------------------------------------------------
if command -v openssl >/dev/null; then
	check "ca.sh up with site.env" quiet env SITE_FILE="$SITE" SITE_CA_DIR="$TMP/ca" \
		bash "$ROOT/tools/roles/ca.sh" up
	vip=$(sed -n 's/^SITE_VIP4=//p' "$SITE")
	check "the web servers' certificate verifies against the lab CA" \
		quiet openssl verify -CAfile "$TMP/ca/ca.crt" "$TMP/ca/web.crt"
	sans=$(openssl x509 -in "$TMP/ca/web.crt" -noout -ext subjectAltName 2>&1)
	for n in "DNS:vip.xlb.lab" "IP Address:$vip" "DNS:web1.xlb.lab" "DNS:web2.xlb.lab" \
		"IP Address:$(sed -n 's/^SITE_IP4_web1=//p' "$SITE")"; do
		check "the certificate names $n" grep -qF "$n" <<<"$sans"
	done
	is "the session-ticket key: 80 bytes, mode 600" \
		"$(stat -c '%s %a' "$TMP/ca/ticket.key" 2>&1)" "80 600"
	before=$(md5sum "$TMP/ca/"*.crt "$TMP/ca/ticket.key")
	env SITE_FILE="$SITE" SITE_CA_DIR="$TMP/ca" bash "$ROOT/tools/roles/ca.sh" up >/dev/null
	is "ca.sh up again keeps the CA, the certificate and the ticket key" \
		"$(md5sum "$TMP/ca/"*.crt "$TMP/ca/ticket.key")" "$before"
fi
tap_done
