#!/bin/sh
# run.sh - the end-to-end tests: every tests/e2e/test_*.sh, then
# conformance.sh (rootlens against tshark on the real captures).
#
# Each script prints one line per check, `ok ...` or `FAIL ...` (`SKIP ...`
# lines are not counted); its output is shown when it fails.  A script that
# exits non-zero without a FAIL line counts as one failure.  Closing line:
# `e2e: N passed, M failed`; exit status 1 when anything failed.
#
# Environment: ROOTLENS, the binary under test (default ./rootlens);
# E2E_SKIP, names of tests not to run (a SKIP line says so): the
# sanitizer pass leaves out the ones whose time goes into recording live
# traffic (their C code runs under the sanitizers in the unit tests and the
# other e2e tests), to keep make check short.
set -u
export PYTHONDONTWRITEBYTECODE=1
here=$(cd "$(dirname "$0")" && pwd)
ROOTLENS=${ROOTLENS:-./rootlens}
case $ROOTLENS in /*) ;; *) ROOTLENS=$(pwd)/$ROOTLENS ;; esac
export ROOTLENS
out=$(mktemp "${TMPDIR:-/tmp}/e2e.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT INT TERM

passed=0 failed=0 failing=
for t in "$here"/test_*.sh "$here"/conformance.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	case " ${E2E_SKIP:-} " in
	*" $name "*) echo "  SKIP $name (E2E_SKIP)"; continue ;;
	esac
	start=$(date +%s)
	sh "$t" >"$out" 2>&1
	rc=$?
	p=$(grep -c '^ok' "$out")
	f=$(grep -c '^FAIL' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	if [ "$f" -gt 0 ]; then
		cat "$out"
		failing="$failing $name"
	else
		grep -E '^(SKIP|note)' "$out"
	fi
	echo "  $name: $p passed, $f failed ($(($(date +%s) - start)) s)"
	passed=$((passed + p))
	failed=$((failed + f))
done
[ -n "$failing" ] && echo "failing:$failing"
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
