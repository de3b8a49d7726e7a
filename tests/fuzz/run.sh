#!/bin/sh
# Build each libFuzzer harness with clang (ASan+UBSan) and fuzz it.
# Usage: run.sh [SECONDS_PER_HARNESS] [HARNESS...]  (default 60 s, all).
# The committed corpus (tests/fuzz/corpus/NAME) seeds each run; inputs the
# fuzzer finds go to build-fuzz/new-NAME, crashes to build-fuzz/crash-*.
# To keep new coverage: libFuzzer's -merge=1 into the committed corpus.
set -e
secs=${1:-60}
[ $# -gt 0 ] && shift
mkdir -p build-fuzz
isal=""; [ -f /usr/include/isa-l/igzip_lib.h ] && isal="-DRL_HAVE_ISAL=1 -lisal"
harnesses=$*
[ -n "$harnesses" ] || harnesses=$(for h in tests/fuzz/fuzz_*.c; do basename "$h" .c; done)
for name in $harnesses; do
	corpus=tests/fuzz/corpus/${name#fuzz_}
	mkdir -p "$corpus" "build-fuzz/new-$name"
	# shellcheck disable=SC2086
	clang -std=c11 -g -O1 -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64 -Iinclude -Icapture \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o "build-fuzz/$name" "tests/fuzz/$name.c" lib/dnswire/*.c lib/capfile/*.c \
		lib/netlayers/*.c capture/anon*.c -lcrypto -lz -lpthread $isal
	echo "fuzzing $name for ${secs}s" >&2
	"build-fuzz/$name" -max_total_time="$secs" -rss_limit_mb=4096 \
		-artifact_prefix="build-fuzz/crash-$name-" -print_final_stats=1 \
		"build-fuzz/new-$name" "$corpus" 2>&1 | tail -n 25
done
