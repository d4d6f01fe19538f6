# SPDX-License-Identifier: GPL-2.0-only
# TAP for shell tests (read by prove). Source it; call ok/fail/check, then tap_done.
tap_n=0
tap_failed=0

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
fail() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $*"; }
diag() { echo "# $*"; }

# check NAME CMD...: one test point, passing when CMD succeeds.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else fail "$name"; fi
}

# is NAME GOT WANT
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1"; diag "got '$2', want '$3'"; fi
}

# bail REASON: stops the whole test file (set-up failed, nothing after it can mean anything).
bail() {
	echo "Bail out! $*"
	exit 1
}

# quiet CMD...: CMD's output as TAP comments, so that it cannot be read as a test line; CMD's
# exit status.
quiet() {
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	[ -n "$out" ] && printf "# %s\n" "${out//$'\n'/$'\n# '}"
	return $rc
}

skip_all() { echo "1..0 # SKIP $*"; exit 0; }

tap_done() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
