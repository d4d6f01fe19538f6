#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A Vagrant VM's provisioner: `vm.sh NODE ROLE` (the Vagrantfile runs it as root in the VM).
# Installs what the role needs, builds the binaries from the synced source tree (/vagrant)
# into /opt/xlb/build, then runs the same role script the lab runs, with the VMs' site file.
#
# Building in the VM, not copying the host's build/: the VM's libraries are the ones it runs
# with, and the host may not be Debian 12. The build goes outside /vagrant so that a later
# rsync from the host does not delete it.
set -u
NODE=${1-}
ROLE=${2-}
SRC=/vagrant
BUILD=/opt/xlb/build
export SITE_FILE=${SITE_FILE:-$SRC/vagrant/site.env}

die() { echo "vm ($NODE): $*" >&2; exit 1; }

if [ -z "$NODE" ] || [ -z "$ROLE" ]; then
	die "usage: $0 NODE web|lb|client"
fi
[ -r "$SRC/tools/roles/$ROLE.sh" ] || die "no role $ROLE in $SRC/tools/roles"
export DEBIAN_FRONTEND=noninteractive

case $ROLE in
web | lb)
	# The project's own list of packages (make deps), so that the VMs cannot need another.
	make -C "$SRC" deps >/dev/null || die "make deps failed"
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
