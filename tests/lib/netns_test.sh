# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# What the netns tests share around tools/netns.sh: each builds a topology of its own under a
# prefix of its own (namespaces, subnets, pin dir, temp dir), so that it runs beside `make lab`
# and the other tests, and takes it all down at exit. Source it after tap.sh.

# netns_test_init PREFIX NET4/24 NET6/64: skips the test unless root; loads tools/netns.sh and
# runs netns_init; sets XLB (the CLI), XLB_PIN_DIR (exported: /sys/fs/bpf/PREFIX without its
# dash) and TMP (a new /tmp/PREFIX.XXXXXX, again without the dash).
netns_test_init() {
	local name=${1%-}

	[ "$(id -u)" = 0 ] || skip_all "needs root (namespaces, XDP, bpffs)"
	# shellcheck source=tools/netns.sh
	source "$(dirname "${BASH_SOURCE[0]}")/../../tools/netns.sh"
	XLB=$NETNS_XLB
	export XLB_PIN_DIR=/sys/fs/bpf/$name
	netns_init "$@" || bail "netns_init $*"
	TMP=$(mktemp -d "/tmp/$name.XXXXXX")
}

# lbx ARGS...: the CLI in the lb's namespace.
lbx() { netns_exec lb "$XLB" "$@"; }

# netns_test_cleanup: xlb detached from the lb, the pins, the namespaces and TMP, gone. For the
# test's EXIT trap, once the test has stopped what it started itself.
netns_test_cleanup() {
	if [ -e "/run/netns/$(netns_name lb)" ]; then
		lbx detach "$NETNS_DEV" >/dev/null 2>&1
	fi
	rm -rf "$XLB_PIN_DIR"
	netns_down
	rm -rf "$TMP"
}
