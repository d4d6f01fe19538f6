# SPDX-License-Identifier: GPL-2.0-only
# The chart of tools/bench_http.sh: one panel per protocol and connection kind, mean
# requests/s of each path as a bar, min-max over the rounds as the error bar, the ratio to xlb
# above it. Called as: gnuplot -e "dat='http.dat'; png='http.png'; sub='...'" bench_http.gp
# (http.dat holds one block per panel, in the order of the titles below).
if (!exists("sub")) sub = ""
array titles[4] = ["HTTP, keep-alive", "HTTP, a new connection per request", \
	"HTTPS, keep-alive", "HTTPS, a new connection per request"]

set terminal pngcairo size 1200,900 font "sans,10"
set output png
set multiplot layout 2,2 \
	title "xlb vs HAProxy, nftables DNAT and no balancer (wrk, requests/s)\n".sub
set style fill solid 0.6 border -1
set boxwidth 0.6
set grid ytics
set ylabel "requests/s"
set format y "%.0f"
unset key
do for [i = 0:3] {
	set title titles[i + 1]
	set autoscale xy
	stats dat index i using 5 nooutput
	set yrange [0:STATS_max * 1.2]
	set xrange [-0.6:STATS_records - 0.4]
	plot dat index i using 0:3:xtic(2) with boxes lc rgb "#4477aa", \
		'' index i using 0:3:4:5 with yerrorbars lc rgb "black" ps 0, \
		'' index i using 0:5:(sprintf("%.2fx", $10)) with labels offset 0,1
}
unset multiplot
