#!/bin/sh
# Build each libFuzzer harness with clang (ASan+UBSan) and fuzz it.
# Usage: run.sh [SECONDS_PER_HARNESS]  (default 60). New inputs go to the
# harness's corpus directory; crashes to build-fuzz/crash-*.
set -e
secs=${1:-60}
mkdir -p build-fuzz
isal=""; [ -f /usr/include/isa-l/igzip_lib.h ] && isal="-DRL_HAVE_ISAL=1 -lisal"
for h in tests/fuzz/fuzz_*.c; do
	name=$(basename "$h" .c)
	corpus=tests/fuzz/corpus/${name#fuzz_}
	mkdir -p "$corpus"
	clang -std=c11 -g -O1 -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64 -Iinclude \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o "build-fuzz/$name" "$h" lib/dnswire/*.c lib/capfile/*.c lib/netlayers/*.c \
		-lz -lpthread $isal
	echo "fuzzing $name for ${secs}s" >&2
	"build-fuzz/$name" -max_total_time="$secs" -artifact_prefix=build-fuzz/crash-$name- \
		-print_final_stats=1 "$corpus" 2>&1 | tail -n 20
done
