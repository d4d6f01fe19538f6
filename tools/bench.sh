#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# `make bench`: every benchmark, one after another. Each prints its own table; none fails the
# build on a missed target (they are measurements, not tests).
set -e
cd "$(dirname "$0")/.."

build/tools/bench_prog
tools/bench_xlbd.sh
tools/bench_sql.sh
tools/bench_pps.sh
tools/bench_http.sh
