#!/bin/sh
# test_report.sh - `rootlens report`, end to end.
#
# 1. Usage and input errors: exit 2 and 1 with the file named; gnuplot
#    missing from PATH and an unwritable DIR: exit 3.
# 2. datasets/: each capture analysed on its own (1-s intervals) with its
#    own --instance and --phase (three instances, phases pre/durz/post),
#    then one report of all seven documents. Every plot's PNG is a valid
#    PNG of a sensible size and its SVG well-formed XML; every .dat holds
#    the numbers report_check.py computes itself from the JSON documents
#    (per-instance series, sums over instances, phase groups, top lists,
#    phase bands); index.html shows every plot and the summary figures; in
#    headless Chromium the page renders (the screenshot is decoded and has
#    many colours) and every image loads.
# 3. ../shared/pcaps/compactor/knot-live.raw.pcap.gz (SKIP without
#    ../shared): the same on one unlabelled document (one line "all").
# 4. The datasets' documents merged into one: one line "all", the
#    instances in the summary. 5. A document with flags and labels full of
#    quotes, braces and non-ASCII: flagged sources drawn and listed,
#    gnuplot unharmed. 6. An analysis of an empty capture: every plot a
#    "no data" panel, exit 0. 7. A script reruns by hand in DIR.
#
# Prints `ok ...` / `FAIL ...` per check; exits 1 when a check failed.
# Environment: ROOTLENS (default ./rootlens), ROOTLENS_SHARED.
set -u
export PYTHONDONTWRITEBYTECODE=1
here=$(cd "$(dirname "$0")" && pwd)
top=$(git -C "$here" rev-parse --show-toplevel 2>/dev/null || (cd "$here/../.." && pwd))
R=${ROOTLENS:-./rootlens}
case $R in /*) ;; *) R=$(pwd)/$R ;; esac
T=$(mktemp -d "${TMPDIR:-/tmp}/rootlens-report.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
CHECK="python3 $here/report_check.py"
fails=0

ok() { echo "ok - $*"; }
fail() { echo "FAIL - $*"; fails=$((fails + 1)); }
skip() { echo "SKIP - $*"; }
# run ARGS...: rootlens with stdout, stderr, status in $T/out, $T/err, $rc
run() { "$R" "$@" >"$T/out" 2>"$T/err"; rc=$?; }
# chk ARGS...: report_check.py, its ok/FAIL lines passed on
chk() { $CHECK "$@"; r=$?; [ "$r" -eq 0 ] || fails=$((fails + 1)); }

if [ ! -x "$R" ]; then
	fail "rootlens binary $R is not executable (set ROOTLENS)"
	exit 1
fi
if ! command -v gnuplot >/dev/null 2>&1; then
	fail "gnuplot is needed (apt-get install gnuplot-nox)"
	exit 1
fi
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || skip "chromium not installed: the page is not rendered (apt-get install chromium)"

# browse DIR NAME: render DIR/index.html in headless Chromium: a screenshot
# (not blank), and the DOM of a copy with a load handler (every image loaded)
browse() {
	[ -n "$CHROMIUM" ] || return 0
	chk imgcheck "$1"
	flags="--headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir=$T/chrome"
	flags="$flags --virtual-time-budget=10000"
	# shellcheck disable=SC2086
	timeout 60 "$CHROMIUM" $flags --window-size=1400,3000 --screenshot="$T/$2.png" \
		"file://$1/index.html" >/dev/null 2>"$T/chrome.err"
	if [ -s "$T/$2.png" ]; then
		ok "$2: chromium took a screenshot of index.html"
		chk shot "$T/$2.png"
	else
		fail "$2: chromium wrote no screenshot: $(tail -3 "$T/chrome.err")"
	fi
	# shellcheck disable=SC2086
	timeout 60 "$CHROMIUM" $flags --dump-dom "file://$1/imgcheck.html" >"$T/$2.dom" 2>"$T/chrome.err"
	chk dom "$T/$2.dom"
}

# report_ok NAME DIR DOC...: report, exit 0 and nothing on stderr; then the
# files, the data and the page
report_ok() {
	name=$1 dir=$2
	shift 2
	run report -o "$dir" "$@"
	if [ "$rc" -eq 0 ] && [ ! -s "$T/err" ]; then
		ok "$name: report exits 0, quietly"
	else
		fail "$name: report exits $rc: $(head -c 600 "$T/err")"
		return 1
	fi
	chk files "$dir"
	chk data "$dir" "$@"
	chk page "$dir" "$@"
}

# ---- 1 ---------------------------------------------------------------------
run report --help
[ "$rc" -eq 0 ] && grep -q 'gnuplot' "$T/out" && ok "report --help" || fail "report --help exits $rc"
run report
[ "$rc" -eq 2 ] && ok "no arguments: exit 2" || fail "no arguments: exit $rc, want 2"
run report "$T/x.json"
[ "$rc" -eq 2 ] && grep -q -- '-o DIR' "$T/err" && ok "no -o: exit 2" || fail "no -o: exit $rc, want 2"
run report --top 0 -o "$T/r" "$T/x.json"
[ "$rc" -eq 2 ] && ok "--top 0: exit 2" || fail "--top 0: exit $rc, want 2"
run report -o "$T/r" "$T/missing.json"
[ "$rc" -eq 1 ] && grep -q 'missing.json' "$T/err" && ok "missing document: exit 1, named" ||
	fail "missing document: exit $rc, want 1: $(head -c 200 "$T/err")"
printf '{"schema": "rootlens.stats/1",' >"$T/trunc.json"
run report -o "$T/r" "$T/trunc.json"
[ "$rc" -eq 1 ] && grep -q 'trunc.json' "$T/err" && ok "damaged JSON: exit 1, named" ||
	fail "damaged JSON: exit $rc, want 1"
printf '{"schema": "rootlens.manifest/1"}\n' >"$T/other.json"
run report -o "$T/r" "$T/other.json"
[ "$rc" -eq 1 ] && grep -q 'other.json: not a rootlens.stats/1 document' "$T/err" &&
	ok "another schema: exit 1, named" || fail "another schema: exit $rc: $(head -c 200 "$T/err")"
[ ! -e "$T/r/index.html" ] && ok "refused input: nothing written" || fail "refused input: index.html written"

# ---- 2 ---------------------------------------------------------------------
ds=$top/datasets
docs=
n=0
while read -r file inst phase; do
	n=$((n + 1))
	if "$R" analyze -q -i 1 --server k.root-servers.net --instance "$inst" --phase "$phase" \
		-o "$T/ds$n.json" "$ds/$file" 2>"$T/err"; then
		docs="$docs $T/ds$n.json"
	else
		fail "analyze $file: $(head -c 300 "$T/err")"
	fi
done <<EOF
root-mix.pcap.gz ams pre
root-dnsperf-udp.pcap.gz ams durz
root-tcp-pipelined.pcap lhr durz
root-frags.pcap lhr durz
root-priming.pcapng ams post
root-any-sll.pcap lhr post
root-any-sll2.pcap nrt post
EOF
# shellcheck disable=SC2086
set -- $docs
if report_ok datasets "$T/ds" "$@"; then
	grep -q "set label 101 'durz'" "$T/ds/tcp_share.gp" && ok "datasets: phase bands pre, durz, post" ||
		fail "datasets: no durz band in tcp_share.gp"
	browse "$T/ds" datasets
fi

# interval mismatch, gnuplot missing, DIR not writable: the inputs are good now
if "$R" analyze -q -i 60 -o "$T/i60.json" "$ds/root-mix.pcap.gz" 2>"$T/err"; then
	run report -o "$T/r" "$1" "$T/i60.json"
	[ "$rc" -eq 1 ] && grep -q 'i60.json: interval 60s' "$T/err" &&
		ok "different intervals: exit 1, named" ||
		fail "different intervals: exit $rc: $(head -c 200 "$T/err")"
else
	fail "analyze -i 60 root-mix.pcap.gz: $(head -c 200 "$T/err")"
fi
(PATH=/nonexistent; export PATH; "$R" report -o "$T/r" "$1") >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 3 ] && grep -q 'gnuplot not found: install Debian package gnuplot-nox' "$T/err" &&
	ok "gnuplot missing: exit 3, names the package" || fail "gnuplot missing: exit $rc: $(head -c 200 "$T/err")"
: >"$T/plain"
run report -o "$T/plain/sub" "$1"
[ "$rc" -eq 3 ] && grep -q 'plain/sub' "$T/err" && ok "DIR not writable: exit 3" ||
	fail "DIR not writable: exit $rc: $(head -c 200 "$T/err")"

# ---- 4: merged ------------------------------------------------------------------
if "$R" merge -o "$T/merged.json" "$@" 2>"$T/err"; then
	if report_ok merged "$T/merged" "$T/merged.json"; then
		[ "$(grep -c '^# block' "$T/merged/tcp_share.dat")" -eq 1 ] &&
			grep -q '^# block 0: line "all"' "$T/merged/tcp_share.dat" &&
			[ "$(grep -c '&#8627; instance' "$T/merged/index.html")" -eq 3 ] &&
			ok "merged: one line \"all\", three instances in the summary" ||
			fail "merged: no line \"all\" or not three instance rows"
	fi
else
	fail "merge: $(head -c 300 "$T/err")"
fi

# ---- 5: flags and odd labels -------------------------------------------------------
python3 - "$2" "$T/flagged.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["labels"] = {"server": "k.root-servers.net", "instance": "am's \"x\" {y} #z @w \\ \u4e16\u754c <b>",
               "phase": "it's \"durz\""}
s = d["series"]
d["flags"] = [
    {"subject": "198.18.0.2", "interval_start": s[0]["start"], "kind": "source",
     "reason": "share,rise", "share_pct": 70.5},
    {"subject": "fd00:5e::/48", "interval_start": s[-1]["start"], "kind": "prefix", "reason": "repeat",
     "share_pct": None},
    {"subject": "AS64500", "kind": "asn", "reason": "share"},
    {"no subject": 1},
]
json.dump(d, open(sys.argv[2], "w"))
EOF
if report_ok flags "$T/fl" "$T/flagged.json"; then
	grep -q "title '198.18.0.2 (flagged)'" "$T/fl/top_sources.gp" &&
		grep -q "title 'fd00:5e::/48 (flagged)'" "$T/fl/top_prefixes.gp" &&
		ok "flags: flagged source and prefix drawn bold" || fail "flags: flagged subjects not drawn"
	grep -q '<tr><th>flags</th><td>3 in 1 document' "$T/fl/index.html" &&
		grep -q '<td>AS64500</td><td>asn</td>' "$T/fl/index.html" &&
		grep -q 'am&#39;s &quot;x&quot; {y} #z @w' "$T/fl/index.html" &&
		ok "flags: listed on the page, labels escaped" || fail "flags: not on the page"
fi

# ---- 6: empty ----------------------------------------------------------------------
printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\377\377\000\000\001\000\000\000' \
	>"$T/empty.pcap"
if "$R" analyze -q -o "$T/empty.json" "$T/empty.pcap" 2>"$T/err"; then
	run report -q -o "$T/empty" "$T/empty.json"
	if [ "$rc" -eq 0 ]; then
		ok "empty analysis: report exits 0"
		chk files "$T/empty"
		nd=$(grep -l "'no data" "$T"/empty/*.gp | wc -l)
		[ "$nd" -eq 11 ] && ok "empty analysis: 11 \"no data\" panels" ||
			fail "empty analysis: $nd scripts with a \"no data\" panel, want 11"
	else
		fail "empty analysis: report exits $rc: $(head -c 300 "$T/err")"
	fi
else
	fail "analyze of an empty capture: $(head -c 200 "$T/err")"
fi

# ---- 7: a script reruns by hand ------------------------------------------------------
if [ -f "$T/ds/tcp_share.gp" ]; then
	rm -f "$T/ds/tcp_share.png" "$T/ds/tcp_share.svg"
	if (cd "$T/ds" && gnuplot -e "fmts='png'" tcp_share.gp 2>"$T/gp.err") &&
		[ -s "$T/ds/tcp_share.png" ] && [ ! -e "$T/ds/tcp_share.svg" ] && [ ! -s "$T/gp.err" ]; then
		ok "gnuplot tcp_share.gp reruns in DIR (fmts='png': the PNG only)"
	else
		fail "rerunning tcp_share.gp by hand: $(head -c 300 "$T/gp.err")"
	fi
fi

# ---- 3: knot-live -------------------------------------------------------------------
if [ -n "${ROOTLENS_SHARED:-}" ]; then
	if [ -d "$ROOTLENS_SHARED/pcaps" ]; then pcaps=$ROOTLENS_SHARED/pcaps
	else pcaps=$ROOTLENS_SHARED; fi
elif [ -d "$top/../shared/pcaps" ]; then
	pcaps=$(cd "$top/../shared/pcaps" && pwd)
else
	pcaps=
fi
knot=${pcaps:+$pcaps/compactor/knot-live.raw.pcap.gz}
if [ -n "$knot" ] && [ -f "$knot" ]; then
	if "$R" analyze -q -i 2 -o "$T/knot.json" "$knot" 2>"$T/err"; then
		report_ok knot-live "$T/knot" "$T/knot.json" && browse "$T/knot" knot-live
	else
		fail "analyze knot-live.raw.pcap.gz: $(head -c 300 "$T/err")"
	fi
else
	skip "knot-live.raw.pcap.gz: ../shared/pcaps not found (set ROOTLENS_SHARED)"
fi

[ "$fails" -eq 0 ]
