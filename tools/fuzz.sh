#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Runs each libFuzzer target for SECONDS: `tools/fuzz.sh SECONDS build/fuzz/fuzz_x ...`.
# Each target keeps its corpus in build/fuzz/corpus/NAME, so that later runs start from what
# earlier ones found; a crash leaves its input in build/fuzz/ and fails the run.
set -e
seconds=$1
shift
for target in "$@"; do
	name=$(basename "$target")
	corpus=build/fuzz/corpus/$name
	mkdir -p "$corpus"
	echo "fuzz: $name for ${seconds}s"
	"$target" -max_total_time="$seconds" -print_final_stats=0 -artifact_prefix=build/fuzz/ \
		"$corpus" 2>build/fuzz/"$name".log || {
		tail -n 30 build/fuzz/"$name".log
		echo "fuzz: $name FAILED (log: build/fuzz/$name.log)"
		exit 1
	}
	grep -E '^#[0-9]+ +DONE' build/fuzz/"$name".log || tail -n 1 build/fuzz/"$name".log
done
