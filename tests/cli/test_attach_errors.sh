#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# attach that fails leaves nothing pinned; maps pinned by another layout are refused with
# one clear line, not read into buffers of the wrong size. TAP.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/lib/tap.sh
source "$ROOT/tests/lib/tap.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (namespaces, XDP, bpffs)"

XLB=$ROOT/build/xlb
NS=xlbt-attach
export XLB_PIN_DIR=/sys/fs/bpf/xlbt-attach

cleanup() {
	ip netns del "$NS" 2>/dev/null
	rm -rf "$XLB_PIN_DIR"
}
trap cleanup EXIT
cleanup
ip netns add "$NS"
ip -n "$NS" link set lo up

in_ns() { nsenter --net="/run/netns/$NS" "$@"; }

# lo has no native XDP: the attach must fail, and take back the maps it pinned
err=$(in_ns "$XLB" attach lo --mode native 2>&1 >/dev/null)
is "attach to lo in native mode fails with exit 1" "$?" 1
is "with one line" "$(printf '%s\n' "$err" | wc -l)" 1
check "that names the mode" grep -q "native mode" <<<"$err"
check "and leaves no pin dir behind" test ! -e "$XLB_PIN_DIR"
err=$(in_ns "$XLB" vip add 10.40.0.100:80/tcp 2>&1 >/dev/null)
is "so the next command says xlb is not attached" "$?" 1
check "in so many words" grep -q "not attached" <<<"$err"

# maps of another layout, as another version of xlb would have pinned them
mkdir -p "$XLB_PIN_DIR"
bpftool map create "$XLB_PIN_DIR/xlb_vip4" type hash key 8 value 8 entries 4 name xlb_vip4
err=$("$XLB" vip list 2>&1 >/dev/null)
is "maps of another layout are refused with exit 1" "$?" 1
check "saying they are from another version" grep -q "another version of xlb" <<<"$err"
tap_done
