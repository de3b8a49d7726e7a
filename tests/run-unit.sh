#!/bin/sh
# Run every CUnit program given; print one closing line with the totals.
pass=0 fail=0 failed=""
for t in "$@"; do
	if out=$("$t" 2>&1); then
		pass=$((pass + 1))
	else
		fail=$((fail + 1)); failed="$failed $t"
		printf '%s\n' "$out"
	fi
	printf '%s\n' "$out" | awk -v t="$(basename "$t")" '/^ *tests/ {printf "  %-24s %s tests, %s passed, %s failed\n", t, $3, $4, $5}'
done
[ -n "$failed" ] && echo "failing:$failed"
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
