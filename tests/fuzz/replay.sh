#!/bin/sh
# Replay every fuzz corpus through its harness (no libFuzzer needed).
# Usage: replay.sh BUILD_DIR
build=$1
pass=0 fail=0
for h in tests/fuzz/fuzz_*.c; do
	name=$(basename "$h" .c)
	corpus=tests/fuzz/corpus/${name#fuzz_}
	bin=$build/tests/replay_$name
	if [ ! -d "$corpus" ]; then
		echo "replay: no corpus for $name ($corpus)" >&2; fail=$((fail + 1)); continue
	fi
	if "$bin" "$corpus"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "replay: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
