# SPDX-License-Identifier: GPL-2.0-only
# Reading wrk's report (its text output saved in a file). Source it.

# wrk_requests FILE: requests completed.
wrk_requests() {
	local n
	n=$(awk '/requests in/ { print $1 }' "$1")
	echo "${n:-0}"
}

# wrk_errors FILE: socket errors (connect + read + write + timeout).
wrk_errors() {
	local e
	e=$(sed -n 's/.*Socket errors: connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\).*/\1 \2 \3 \4/p' \
		"$1" | awk '{ print $1 + $2 + $3 + $4 }')
	echo "${e:-0}"
}

# wrk_non2xx FILE: responses with another status than 2xx.
wrk_non2xx() {
	local e
	e=$(awk -F': *' '/Non-2xx or 3xx responses/ { print $2 }' "$1")
	echo "${e:-0}"
}
