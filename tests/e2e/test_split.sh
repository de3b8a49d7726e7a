#!/bin/sh
# test_split.sh - `rootlens analyze -j N` cutting ONE file into parts gives
# the result of one worker over the whole file.
#
# The capture: datasets/root-mix (UDP, TCP with TC retries, IPv4 and IPv6
# fragments), root-tcp-pipelined (many messages per TCP connection,
# messages over several segments) and root-frags, 60 copies 8 s apart
# with distinct client addresses (split_make.py), so that TCP connections
# and fragmented datagrams overlap the cut points; about 45,000 packets
# over 8 minutes. Written as a plain pcap and as a gzip file of 7-record
# members with its manifest (doc/manifest.md).
#
# 1. gzip with the manifest, -j 4 and -j 16: cut (the plan printed by
#    ROOTLENS_SPLIT_DEBUG has several parts, with warm-ups), and the
#    document equals -j 1's (split_compare.py: every counter, histogram,
#    map, series entry exact; unique sources within 2 %, top lists within
#    their error).
# 2. the same without the manifest (members found by scanning).
# 3. the plain pcap, -j 4 and -j 16 (record boundaries found by scanning).
# 4. sensitivity: with --split-warmup 0 the cut result differs (TCP
#    messages across a cut are lost): the checks above can fail.
# 5. a single-member gzip file is not cut (one part, a note saying why),
#    and its result equals -j 1's.
# 6. a file below ROOTLENS_SPLIT_MIN_BYTES is not cut.
#
# ROOTLENS_SPLIT_MIN_BYTES=0 lets these small files be cut. Prints
# `ok ...` / `FAIL ...`; exits 1 when a check failed.
# Environment: ROOTLENS (default ./rootlens).
set -u
export PYTHONDONTWRITEBYTECODE=1
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
R=${ROOTLENS:-$top/rootlens}
ds=$top/datasets
tmp=$(mktemp -d "${TMPDIR:-/tmp}/split.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

python3 "$here/split_make.py" "$tmp/big" 60 8 7 "$ds/root-mix.pcap.gz" \
	"$ds/root-tcp-pipelined.pcap" "$ds/root-frags.pcap" >/dev/null ||
	{ fail "split_make.py"; exit 1; }
cp "$tmp/big.pcap.gz" "$tmp/scan.pcap.gz" # no manifest beside it

"$R" analyze -q -j 1 "$tmp/big.pcap.gz" >"$tmp/whole.json" || fail "analyze -j 1"
"$R" analyze -q -j 1 "$tmp/big.pcap" >"$tmp/whole-plain.json" || fail "analyze -j 1 plain"
if python3 "$here/split_compare.py" "$tmp/whole.json" "$tmp/whole-plain.json"; then
	ok "plain and gzip twins give the same document"
else
	fail "plain and gzip twins differ"
fi

# split NAME FILE JOBS [options]: analyze cut, compare with whole.json
split() {
	name=$1 file=$2 jobs=$3
	shift 3
	ROOTLENS_SPLIT_MIN_BYTES=0 ROOTLENS_SPLIT_DEBUG=1 "$R" analyze -j "$jobs" "$@" \
		"$file" >"$tmp/$name.json" 2>"$tmp/$name.err"
	rc=$?
	parts=$(grep -c '^split: ' "$tmp/$name.err")
	warm=$(grep '^split: ' "$tmp/$name.err" | grep -vc 'warm-up 0$')
}

for f in big.pcap.gz scan.pcap.gz big.pcap; do
	for j in 4 16; do
		split "$f-$j" "$tmp/$f" $j
		if [ "$rc" -ne 0 ] || [ "$parts" -lt 2 ] || [ "$warm" -lt 1 ]; then
			fail "$f -j $j: rc $rc, $parts parts, $warm with warm-up"
			sed 's/^/  /' "$tmp/$f-$j.err" | head -5
		elif python3 "$here/split_compare.py" "$tmp/whole.json" "$tmp/$f-$j.json"; then
			ok "$f -j $j: $parts parts ($warm warmed up) equal one worker over the whole file"
		else
			fail "$f -j $j: $parts parts differ from one worker"
		fi
	done
done

split nowarm "$tmp/big.pcap.gz" 16 --split-warmup 0
if [ "$parts" -ge 2 ] && ! python3 "$here/split_compare.py" "$tmp/whole.json" \
	"$tmp/nowarm.json" >/dev/null; then
	ok "without warm-up the parts differ (the comparison sees cut streams)"
else
	fail "without warm-up: $parts parts, no difference seen"
fi

gzip -c "$tmp/big.pcap" >"$tmp/single.pcap.gz"
split single "$tmp/single.pcap.gz" 4
if [ "$rc" -eq 0 ] && [ "$parts" -eq 1 ] && grep -q 'single member' "$tmp/single.err" &&
	python3 "$here/split_compare.py" "$tmp/whole.json" "$tmp/single.json"; then
	ok "a single-member gzip file is read whole, with a note, same result"
else
	fail "single-member gzip: rc $rc, $parts parts"
	sed 's/^/  /' "$tmp/single.err" | head -5
fi

ROOTLENS_SPLIT_DEBUG=1 "$R" analyze -q -j 4 "$tmp/big.pcap" >/dev/null 2>"$tmp/small.err"
if [ "$(grep -c '^split: ' "$tmp/small.err")" -eq 1 ]; then
	ok "a file below the 64 MiB default is not cut"
else
	fail "a small file was cut by default"
fi

[ "$fails" -eq 0 ]
