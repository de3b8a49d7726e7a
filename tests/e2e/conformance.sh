#!/bin/sh
# conformance.sh - `rootlens decode` against tshark on every real capture.
#
# For each capture in ../shared/pcaps (next to the repository; or
# $ROOTLENS_SHARED, the shared directory or its pcaps/ directory) and in
# datasets/, tshark (the independent oracle) and `rootlens decode -n` are
# reduced to the same aggregates (messages, queries and responses by
# transport and IP version, EDNS and DO among queries, TC among responses,
# qtype, rcode, DNSKEY queries by TLD, response sizes in 16-byte bins) and
# compared: `ok LABEL`, or `FAIL LABEL` with the differing keys and the
# first messages that differ.  Deliberate differences, each explained, are
# in conformance-exceptions.txt.
#
# Environment: ROOTLENS (default ./rootlens), ROOTLENS_SHARED,
# CONFORMANCE_JOBS (parallel captures, default: CPUs).
set -u
export PYTHONDONTWRITEBYTECODE=1
here=$(cd "$(dirname "$0")" && pwd)
top=$(git -C "$here" rev-parse --show-toplevel 2>/dev/null || (cd "$here/../.." && pwd))
rootlens=${ROOTLENS:-./rootlens}
case $rootlens in /*) ;; *) rootlens=$(pwd)/$rootlens ;; esac

if ! command -v tshark >/dev/null 2>&1; then
	echo "FAIL conformance: tshark is not installed (apt-get install tshark); it is the oracle"
	exit 1
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "FAIL conformance: python3 is not installed"
	exit 1
fi
if [ ! -x "$rootlens" ]; then
	echo "FAIL conformance: $rootlens is not an executable (set ROOTLENS)"
	exit 1
fi

pcaps=
if [ -n "${ROOTLENS_SHARED:-}" ]; then
	if [ -d "$ROOTLENS_SHARED/pcaps" ]; then pcaps=$ROOTLENS_SHARED/pcaps
	else pcaps=$ROOTLENS_SHARED; fi
elif [ -d "$top/../shared/pcaps" ]; then
	pcaps=$(cd "$top/../shared/pcaps" && pwd)
fi

list=$(mktemp "${TMPDIR:-/tmp}/conformance.XXXXXX") || exit 1
trap 'rm -f "$list"' EXIT INT TERM
captures() { # DIR LABEL-PREFIX
	(cd "$1" && find . -type f \( -name '*.pcap' -o -name '*.pcap.gz' \
		-o -name '*.pcapng' -o -name '*.pcapng.gz' \) | sed 's|^\./||' | LC_ALL=C sort) |
	while IFS= read -r f; do printf '%s%s=%s/%s\n' "$2" "$f" "$1" "$f"; done
}
if [ -n "$pcaps" ] && [ -d "$pcaps" ]; then
	captures "$pcaps" "" >>"$list"
else
	echo "SKIP conformance: ../shared/pcaps not found (set ROOTLENS_SHARED)"
fi
if [ -d "$top/datasets" ]; then
	captures "$top/datasets" "datasets/" >>"$list"
fi
if [ ! -s "$list" ]; then
	echo "SKIP conformance: no captures"
	exit 0
fi

set --
while IFS= read -r c; do set -- "$@" "$c"; done <"$list"
python3 "$here/conformance.py" --rootlens "$rootlens" \
	--exceptions "$here/conformance-exceptions.txt" \
	${CONFORMANCE_JOBS:+-j "$CONFORMANCE_JOBS"} "$@"
rc=$?
exit $rc
