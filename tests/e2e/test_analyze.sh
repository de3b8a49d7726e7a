#!/bin/sh
# test_analyze.sh - `rootlens analyze` and `rootlens merge`, end to end.
#
# 1. totals: on every capture in ../shared/pcaps and datasets/ (found as in
#    conformance.sh), the "totals" of `rootlens analyze -j 1 --quiet FILE`
#    equal tshark's (oracle_tshark.py, one tshark pass per file) reduced by
#    analyze_oracle.py to: messages, edns.queries, edns.do, tc_responses,
#    qtype and rcode (IANA mnemonics), dnskey_by_tld, sizes (RSSAC002 bins).
#    The decode-level exceptions of conformance-exceptions.txt excuse the
#    analyze-level keys they map to (the table is in analyze_oracle.py,
#    analyze_patterns()).
# 2. merge equals whole: knot-live.raw.pcap.gz (datasets/root-dnsperf-udp
#    without ../shared) cut into 3 pieces by `editcap -c N`, N chosen so
#    that no cut falls inside a TCP connection (a message cut in two can
#    not be counted by either piece; analyze_oracle.py safe-split); pieces
#    analysed with --interval 10 and merged as a b c, c a b, (a b) c and
#    a (b c): all four documents identical (json.load == and byte for
#    byte); counters of totals and every series entry equal the whole
#    file's; unique_sources within 2 %, top lists within their stated error.
# 3. schema: rootlens.stats/1, inputs with bytes and sha256 of the file,
#    labels, interval, start/end, series aligned and increasing, totals =
#    sums over series.
# 4. merge refuses another interval, another schema, a file that is not
#    JSON.
# 5. the inputs' SHA-256 and size on each path: a file read whole (hashed
#    through its reader), cut for -j 3 (hashed by a thread of its own),
#    on standard input, and damaged near its start (hashed by a second
#    read; stdin: null), all against sha256sum.
#
# Prints `ok ...` / `FAIL ...` per check; exits 1 when a check failed.
# Environment: ROOTLENS (default ./rootlens), ROOTLENS_SHARED,
# ANALYZE_JOBS (captures checked in parallel in 1, default: CPUs).
set -u
export PYTHONDONTWRITEBYTECODE=1
here=$(cd "$(dirname "$0")" && pwd)
top=$(git -C "$here" rev-parse --show-toplevel 2>/dev/null || (cd "$here/../.." && pwd))
R=${ROOTLENS:-./rootlens}
case $R in /*) ;; *) R=$(pwd)/$R ;; esac
O=$here/analyze_oracle.py
T=$(mktemp -d "${TMPDIR:-/tmp}/rootlens-analyze.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
fails=0

ok() { echo "ok - $*"; }
fail() { echo "FAIL - $*"; fails=$((fails + 1)); }
skip() { echo "SKIP - $*"; }
# run ARGS...: rootlens with stdout, stderr, status in $T/out, $T/err, $rc
run() { "$R" "$@" >"$T/out" 2>"$T/err"; rc=$?; }
# py SCRIPT-ARGS...: analyze_oracle.py, its ok/FAIL lines passed on
py() { python3 "$O" "$@"; r=$?; [ "$r" -eq 0 ] || fails=$((fails + 1)); }

if [ ! -x "$R" ]; then
	fail "rootlens binary $R is not executable (set ROOTLENS)"
	exit 1
fi
for tool in tshark editcap capinfos python3; do
	if ! command -v $tool >/dev/null 2>&1; then
		fail "$tool is not installed (apt-get install tshark python3)"
		exit 1
	fi
done
run analyze --help
if [ "$rc" -ne 0 ]; then
	fail "rootlens analyze --help exits $rc: $(head -c 200 "$T/err")"
	exit 1
fi

# ---- captures (as in conformance.sh) ------------------------------------
pcaps=
if [ -n "${ROOTLENS_SHARED:-}" ]; then
	if [ -d "$ROOTLENS_SHARED/pcaps" ]; then pcaps=$ROOTLENS_SHARED/pcaps
	else pcaps=$ROOTLENS_SHARED; fi
elif [ -d "$top/../shared/pcaps" ]; then
	pcaps=$(cd "$top/../shared/pcaps" && pwd)
fi
captures() { # DIR LABEL-PREFIX
	(cd "$1" && find . -type f \( -name '*.pcap' -o -name '*.pcap.gz' \
		-o -name '*.pcapng' -o -name '*.pcapng.gz' \) | sed 's|^\./||' | LC_ALL=C sort) |
	while IFS= read -r f; do printf '%s%s=%s/%s\n' "$2" "$f" "$1" "$f"; done
}
: >"$T/list"
if [ -n "$pcaps" ] && [ -d "$pcaps" ]; then
	captures "$pcaps" "" >>"$T/list"
else
	skip "analyze totals: ../shared/pcaps not found (set ROOTLENS_SHARED)"
fi
[ -d "$top/datasets" ] && captures "$top/datasets" "datasets/" >>"$T/list"

# ---- 1. totals against tshark -------------------------------------------
if [ -s "$T/list" ]; then
	set --
	while IFS= read -r c; do set -- "$@" "$c"; done <"$T/list"
	py totals --rootlens "$R" --exceptions "$here/conformance-exceptions.txt" \
		${ANALYZE_JOBS:+-j "$ANALYZE_JOBS"} "$@"
else
	skip "analyze totals: no captures"
fi

# ---- 2. merge of pieces equals the whole --------------------------------
F=
if [ -n "$pcaps" ] && [ -f "$pcaps/compactor/knot-live.raw.pcap.gz" ]; then
	F=$pcaps/compactor/knot-live.raw.pcap.gz
elif [ -f "$top/datasets/root-dnsperf-udp.pcap.gz" ]; then
	F=$top/datasets/root-dnsperf-udp.pcap.gz
fi
an() { "$R" analyze -j 1 --quiet "$@"; }
if [ -z "$F" ]; then
	skip "merge: no capture to split"
elif ! N=$(python3 "$O" safe-split "$F" 3 | cut -d' ' -f1) || [ -z "$N" ]; then
	fail "merge: no editcap -c N cuts $F in 3 pieces outside TCP connections"
else
	mkdir "$T/pieces"
	editcap -F pcap -c "$N" "$F" "$T/pieces/p.pcap" >/dev/null 2>"$T/err" ||
		fail "merge: editcap -c $N $F: $(cat "$T/err")"
	i=0
	: >"$T/parts"
	# editcap names the pieces p_00000_TIME.pcap, p_00001_..., in order
	for p in "$T"/pieces/p_*.pcap; do
		[ -f "$p" ] || continue
		i=$((i + 1))
		if ! an --interval 10 "$p" >"$T/part$i.json" 2>"$T/err"; then
			fail "merge: rootlens analyze --interval 10 on piece $i ($(basename "$p")) failed: $(head -c 300 "$T/err")"
		fi
	done
	echo "note: $(basename "$F") cut into $i pieces of $N packets (no TCP connection cut)"
	if [ "$i" -ne 3 ]; then
		fail "merge: editcap -c $N made $i pieces, want 3"
	elif ! an --interval 10 "$F" >"$T/whole.json" 2>"$T/err"; then
		fail "merge: rootlens analyze --interval 10 $F failed: $(head -c 300 "$T/err")"
	else
		a=$T/part1.json b=$T/part2.json c=$T/part3.json
		m_ok=1
		mrg() { # OUT DOC...: rootlens merge DOC... > OUT
			o=$1; shift
			if ! "$R" merge "$@" >"$o" 2>"$T/err"; then
				fail "merge: rootlens merge $(for x in "$@"; do printf '%s ' "$(basename "$x")"; done)failed: $(head -c 300 "$T/err")"
				m_ok=0
			fi
		}
		mrg "$T/m-abc.json" "$a" "$b" "$c"
		mrg "$T/m-cab.json" "$c" "$a" "$b"
		mrg "$T/m-ab.json" "$a" "$b"
		mrg "$T/m-ab_c.json" "$T/m-ab.json" "$c"
		mrg "$T/m-bc.json" "$b" "$c"
		mrg "$T/m-a_bc.json" "$a" "$T/m-bc.json"
		if [ "$m_ok" -eq 1 ]; then
			py merge --whole "$T/whole.json" --part "$a" --part "$b" --part "$c" \
				--merged "$T/m-abc.json" --merged "$T/m-cab.json" \
				--merged "$T/m-ab_c.json" --merged "$T/m-a_bc.json"
		fi
	fi
fi

# ---- 3. schema ----------------------------------------------------------
if [ -n "$F" ]; then
	if an --interval 10 --server k.root-servers.net --instance ams --phase durz \
		"$F" >"$T/s1.json" 2>"$T/err"; then
		py schema --tag "analyze --interval 10 --server/--instance/--phase $(basename "$F")" \
			--file "$F" --interval 10 --server k.root-servers.net \
			--instance ams --phase durz "$T/s1.json"
	else
		fail "schema: rootlens analyze with labels on $F failed: $(head -c 300 "$T/err")"
	fi
fi
D=$top/datasets
if [ -f "$D/root-mix.pcap.gz" ] && [ -f "$D/root-priming.pcapng" ]; then
	if an "$D/root-mix.pcap.gz" "$D/root-priming.pcapng" >"$T/s2.json" 2>"$T/err"; then
		py schema --tag "analyze root-mix.pcap.gz root-priming.pcapng (no labels, interval 60)" \
			--file "$D/root-mix.pcap.gz" --file "$D/root-priming.pcapng" \
			--interval 60 "$T/s2.json"
	else
		fail "schema: rootlens analyze on two datasets failed: $(head -c 300 "$T/err")"
	fi
fi

# ---- 4. merge refuses ---------------------------------------------------
G=${F:-$D/root-mix.pcap.gz}
if an --interval 10 "$G" >"$T/i10.json" 2>/dev/null &&
	an --interval 60 "$G" >"$T/i60.json" 2>/dev/null; then
	run merge "$T/i10.json" "$T/i60.json"
	if [ "$rc" -ne 0 ] && [ ! -s "$T/out" ] && grep -qi interval "$T/err"; then
		ok "merge refuses documents with intervals 10 and 60 (exit $rc: $(head -c 120 "$T/err"))"
	else
		fail "merge of intervals 10 and 60: want a non-zero exit, no document, an error naming the interval; got exit $rc, $(wc -c <"$T/out") bytes out, stderr: $(head -c 300 "$T/err")"
	fi
	python3 - "$T/i10.json" "$T/badschema.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["schema"] = "rootlens.stats/2"
json.dump(d, open(sys.argv[2], "w"))
EOF
	run merge "$T/i10.json" "$T/badschema.json"
	if [ "$rc" -ne 0 ] && [ ! -s "$T/out" ] && grep -qi 'schema\|rootlens.stats/2' "$T/err"; then
		ok "merge refuses a document with schema rootlens.stats/2 (exit $rc: $(head -c 120 "$T/err"))"
	else
		fail "merge with schema rootlens.stats/2: want a non-zero exit, no document, an error naming the schema; got exit $rc, $(wc -c <"$T/out") bytes out, stderr: $(head -c 300 "$T/err")"
	fi
	printf 'this is not JSON\n' >"$T/notjson.txt"
	run merge "$T/i10.json" "$T/notjson.txt"
	if [ "$rc" -ne 0 ] && [ ! -s "$T/out" ] && grep -q 'notjson.txt' "$T/err"; then
		ok "merge refuses a file that is not JSON, naming it (exit $rc: $(head -c 120 "$T/err"))"
	else
		fail "merge with a non-JSON file: want a non-zero exit, no document, an error naming notjson.txt; got exit $rc, $(wc -c <"$T/out") bytes out, stderr: $(head -c 300 "$T/err")"
	fi
else
	fail "merge refusals: rootlens analyze --interval 10/60 on $G failed"
fi

# ---- 5. the inputs' SHA-256 on every path ---------------------------------
# A file read whole by one worker is hashed through its reader (one read);
# a file cut into parts by the hash thread; a file whose reader stops early
# is read again; stdin through its reader. Each must equal sha256sum.
# inputs_are DOC FILE SHA BYTES: the document's one input has these
inputs_are() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
i = d["inputs"]
sys.exit(0 if len(i) == 1 and i[0]["file"] == sys.argv[2] and i[0]["sha256"] == sys.argv[3]
         and i[0]["bytes"] == int(sys.argv[4]) else 1)' "$@"
}
sha() { sha256sum <"$1" | cut -c1-64; }
H=$D/root-mix.pcap.gz
zcat "$H" >"$T/mix.pcap"
for f in "$H" "$T/mix.pcap"; do
	"$R" analyze -q -j 1 -o "$T/h1.json" "$f" 2>"$T/err"
	rc=$?
	if [ "$rc" -eq 0 ] && inputs_are "$T/h1.json" "$f" "$(sha "$f")" "$(stat -c %s "$f")"; then
		ok "inputs: $(basename "$f") read whole: sha256 and bytes equal sha256sum and stat"
	else
		fail "inputs: $(basename "$f") read whole: exit $rc, $(head -c 300 "$T/err")"
	fi
	case $f in *.gz) ;; *) # a single-member gzip file cannot be cut
	ROOTLENS_SPLIT_MIN_BYTES=1 "$R" analyze -j 3 --split-warmup 0 -o "$T/h3.json" "$f" 2>"$T/err"
	rc=$?
	if [ "$rc" -eq 0 ] && ! grep -q 'read by one worker' "$T/err" &&
		inputs_are "$T/h3.json" "$f" "$(sha "$f")" "$(stat -c %s "$f")"; then
		ok "inputs: $(basename "$f") cut for -j 3: sha256 and bytes equal sha256sum and stat"
	else
		fail "inputs: $(basename "$f") cut for -j 3: exit $rc, $(head -c 300 "$T/err")"
	fi ;;
	esac
	"$R" analyze -q -j 1 -o "$T/hs.json" - <"$f" 2>"$T/err"
	rc=$?
	if [ "$rc" -eq 0 ] && inputs_are "$T/hs.json" - "$(sha "$f")" "$(stat -c %s "$f")"; then
		ok "inputs: $(basename "$f") on standard input: sha256 and bytes of the bytes read"
	else
		fail "inputs: $(basename "$f") on standard input: exit $rc, $(head -c 300 "$T/err")"
	fi
done
# damage in the second record, then 6 MiB more: the reader stops long
# before the end, so the file is hashed by a second read
python3 - "$T/mix.pcap" "$T/bad.pcap" <<'EOF'
import os, struct, sys
raw = open(sys.argv[1], "rb").read()
first = 24 + 16 + struct.unpack("<I", raw[24 + 8:24 + 12])[0]
bad = raw[:first] + struct.pack("<IIII", 1, 0, 0x7fffffff, 0x7fffffff) + os.urandom(6 << 20)
open(sys.argv[2], "wb").write(bad)
EOF
"$R" analyze -q -j 1 -o "$T/hb.json" "$T/bad.pcap" 2>"$T/err"
rc=$?
if [ "$rc" -eq 1 ] && grep -q 'bad.pcap' "$T/err" &&
	inputs_are "$T/hb.json" "$T/bad.pcap" "$(sha "$T/bad.pcap")" "$(stat -c %s "$T/bad.pcap")"; then
	ok "inputs: a file damaged near its start (exit 1, named): sha256 and bytes still of the whole file"
else
	fail "inputs: damaged file: exit $rc, $(head -c 300 "$T/err")"
fi
"$R" analyze -q -j 1 -o "$T/hbs.json" - <"$T/bad.pcap" 2>"$T/err"
rc=$?
if [ "$rc" -eq 1 ] && python3 -c '
import json, sys
i = json.load(open(sys.argv[1]))["inputs"]
sys.exit(0 if i[0]["sha256"] is None and i[0]["bytes"] is None else 1)' "$T/hbs.json"; then
	ok "inputs: stdin damaged before its end (not read to the end): sha256 and bytes null"
else
	fail "inputs: damaged stdin: exit $rc, $(head -c 300 "$T/err")"
fi

# -o onto something that is not a regular file (a FIFO here; /dev/null in
# practice) writes into it: it is not replaced by a renamed file
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/fromfifo" &
catpid=$!
"$R" analyze -q -o "$T/fifo" "$top/datasets/root-frags.pcap"
rc=$?
wait $catpid
if [ "$rc" -eq 0 ] && [ -p "$T/fifo" ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/fromfifo"; then
	ok "analyze -o FIFO writes the document into it and leaves it a FIFO"
else
	fail "analyze -o FIFO: exit $rc, fifo still a fifo: $([ -p "$T/fifo" ] && echo yes || echo no)"
fi

[ "$fails" -eq 0 ]
