#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A Vagrant VM's provisioner: `vm.sh NODE ROLE` (the Vagrantfile runs it as root in the VM).
# Installs what the role needs, builds the binaries from the synced source tree (/vagrant)
# into /opt/xlb/build, then runs the same role script the lab runs, with the VMs' site file.
#
# Building in the VM, not copying the host's build/: the VM's libraries are the ones it runs
# with, and the host may not be Debian 12. The build goes outside /vagrant so that a later
# rsync from the host does not delete it.
#
# `vm.sh --deps` prints the packages it installs on a web or lb VM (for the tests; SRC from
# the environment, /vagrant by default).
set -u
NODE=${1-}
ROLE=${2-}
SRC=${SRC:-/vagrant}
BUILD=/opt/xlb/build
export SITE_FILE=${SITE_FILE:-$SRC/vagrant/site.env}

die() { echo "vm ($NODE): $*" >&2; exit 1; }

# vm_deps: the project's own list of packages (make deps), so that the VMs cannot need
# another; but not vagrant's, which runs on the host, not in the VMs.
vm_deps() {
	local deps
	# shellcheck disable=SC2016 # $(DEPS) is make's
	deps=$(printf 'xlb-vm-deps:\n\t@echo $(DEPS)\n' |
		make -s --no-print-directory -C "$SRC" -f Makefile -f - xlb-vm-deps) ||
		die "cannot read DEPS from $SRC/Makefile"
	tr ' ' '\n' <<<"$deps" | grep -v -e '^vagrant' -e '^$' | tr '\n' ' '
}

if [ "$NODE" = --deps ]; then
	vm_deps
	echo
	exit 0
fi

if [ -z "$NODE" ] || [ -z "$ROLE" ]; then
	die "usage: $0 NODE web|lb|client"
fi
[ -r "$SRC/tools/roles/$ROLE.sh" ] || die "no role $ROLE in $SRC/tools/roles"
export DEBIAN_FRONTEND=noninteractive

case $ROLE in
web | lb)
	# A minimal Debian (the box) has no make.
	if ! command -v make >/dev/null; then
		apt-get update >/dev/null || die "apt-get update failed"
		apt-get install -y --no-install-recommends make >/dev/null ||
			die "apt-get install make failed"
	fi
	deps=$(vm_deps) || exit 1
	# Without the packages apt would recommend (they are not needed, and some are big).
	apt_conf=$(mktemp) || die "mktemp failed"
	echo 'APT::Install-Recommends "false";' >"$apt_conf"
	APT_CONFIG=$apt_conf make -C "$SRC" deps DEPS="$deps" >/dev/null || die "make deps failed"
	rm -f "$apt_conf"
	make -C "$SRC" BUILD=$BUILD -j"$(nproc)" $BUILD/xlb $BUILD/xlbd $BUILD/xlb-sqlproxy \
		$BUILD/appd >/dev/null || die "the build failed"
	;;
client)
	if ! dpkg -s curl wrk ca-certificates >/dev/null 2>&1; then
		apt-get update >/dev/null || die "apt-get update failed"
		apt-get install -y curl wrk ca-certificates >/dev/null || die "apt-get install failed"
	fi
	;;
esac
NODE=$NODE bash "$SRC/tools/roles/$ROLE.sh" up
