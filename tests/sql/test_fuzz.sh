#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A short libFuzzer run of each fuzz target (the packet parsers, the reply relay and the
# statement lexer): no crash, no sanitizer report. `make fuzz` runs them longer.
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh

seconds=${XLB_FUZZ_SECONDS:-15}
targets=$(ls build/fuzz/fuzz_* 2>/dev/null | grep -v '\.log$')
[ -n "$targets" ] || skip_all "no fuzz targets built (make)"
for t in $targets; do
	if out=$(tools/fuzz.sh "$seconds" "$t" 2>&1); then
		ok "$(basename "$t"): ${seconds}s without a crash"
	else
		fail "$(basename "$t"): ${seconds}s without a crash"
		echo "$out" | tail -n 40 | sed 's/^/# /'
	fi
done
tap_done
