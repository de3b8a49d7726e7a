#!/bin/sh
# test_capture_cli.sh - `rootlens capture` command line, and its files used
# by the rest of the pipeline:
#
# 1. --help; usage errors exit 2 with a message; a missing interface and a
#    filter that does not compile exit 3 naming them.
# 2. (root, loopback) tcpreplay sends datasets/root-mix, root-tcp-pipelined,
#    root-frags and root-dnsperf-udp onto lo while capture runs with short
#    flushes: every frame sent that the default filter takes (tcpdump -r
#    with the filter on the sources) is in the file (tshark's count), and
#    `analyze -j 4` cuts the file exactly at member offsets listed in its
#    manifest and equals `analyze -j 1` (split_compare.py; the replay lasts
#    a few seconds, so the warm-up before a cut is 1 s, longer than any
#    replayed TCP connection); analyze's labels come from the manifest.
#    --chroot: the process's root is the directory, it runs as nobody.
# 3. scripts/ditl-window.sh runs a 4-second window from a config file
#    (absolute start and end, rotation every 2 s): exit 0, contiguous,
#    clock-aligned files, and a second run after the window does nothing.
#
# Prints `ok ...` / `FAIL ...` / `SKIP ...`. Environment: ROOTLENS.
set -u
export PYTHONDONTWRITEBYTECODE=1
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
R=${ROOTLENS:-$top/rootlens}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/capcli.XXXXXX") || exit 1
cpid=
trap '[ -n "$cpid" ] && kill -9 $cpid 2>/dev/null; rm -rf "$tmp"' EXIT
ok() { echo "ok $*"; }
fail() { echo "FAIL $*"; }

# expect CODE PATTERN ARGS...: exit status and a message matching PATTERN
expect() {
	code=$1 pat=$2
	shift 2
	"$R" capture "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq "$code" ] && grep -q -- "$pat" "$tmp/err" "$tmp/out"; then
		ok "capture $*: exit $code"
	else
		fail "capture $*: exit $rc (want $code), stderr: $(head -c 300 "$tmp/err")"
	fi
}

"$R" capture --help >"$tmp/help" 2>&1 && grep -q '^usage: rootlens capture' "$tmp/help" &&
	grep -q -- '--anonymize' "$tmp/help" && ok "--help" || fail "--help"
expect 2 "no interface" --server x -o "$tmp/o"
expect 2 "required" -i lo -o "$tmp/o"
expect 2 "duration" -i lo --server x -o "$tmp/o" --duration 5x
expect 2 "gzip-level" -i lo --server x -o "$tmp/o" --gzip-level 0
expect 2 "exclude" -i lo --server x -o "$tmp/o" --duration 5 --end 2030-01-01T00:00:00Z
expect 2 "needs --key" -i lo --server x -o "$tmp/o" --anonymize cryptopan
expect 2 "anonymize" -i lo --server x -o "$tmp/o" --anonymize scramble
expect 2 "directories" -i lo --server .. -o "$tmp/o"
expect 2 "directories" -i lo --server x --instance a/b -o "$tmp/o"
expect 2 "unknown option" -i lo --server x -o "$tmp/o" --bogus
expect 2 "no such user" -i lo --server x -o "$tmp/o" --user no-such-user-here

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP live capture checks: not root"
	exit 0
fi
expect 3 "rl-no-such-if0" -i rl-no-such-if0 --server x -o "$tmp/o" -q
expect 3 "this is not bpf" -i lo --server x -o "$tmp/o" -f "this is not bpf" -q

# 2. a capture on lo of replayed real traffic
if ! command -v tcpreplay >/dev/null || ! command -v tshark >/dev/null; then
	echo "SKIP replay checks: tcpreplay or tshark missing"
else
	out=$tmp/cap
	"$R" capture -i lo --server test.root --instance lab1 --phase durz -o "$out" \
		--rotate 0 --flush 0.05 -q 2>"$tmp/cap.err" &
	cpid=$!
	sleep 1
	sent=0 want=0
	filter='port 53 or (ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] == 44)'
	# each capture once (a looped TCP connection repeats its sequence
	# numbers: retransmissions to the reassembler, not new messages)
	zcat "$top/datasets/root-mix.pcap.gz" >"$tmp/mix.pcap"
	zcat "$top/datasets/root-dnsperf-udp.pcap.gz" >"$tmp/dnsperf.pcap"
	for f in "$tmp/mix.pcap" "$top/datasets/root-tcp-pipelined.pcap" \
		"$top/datasets/root-frags.pcap" "$tmp/dnsperf.pcap"; do
		n=$(tcpreplay -i lo --pps 1500 "$f" 2>&1 |
			sed -n 's/^Actual: \([0-9]*\) packets.*/\1/p')
		sent=$((sent + ${n:-0}))
		# what the default filter takes of it, by tcpdump's reading
		m=$(tcpdump -nr "$f" "$filter" 2>/dev/null | wc -l)
		want=$((want + m))
	done
	sleep 1
	kill -TERM $cpid
	wait $cpid
	rc=$?
	cpid=
	file=$(ls "$out"/test.root/lab1/*.pcap.gz 2>/dev/null | head -1)
	if [ "$rc" -ne 0 ] || [ -z "$file" ] || [ ! -f "$file.json" ]; then
		fail "capture on lo: exit $rc, file '$file': $(cat "$tmp/cap.err")"
	else
		# every frame tcpreplay sent that the default filter takes (as
		# tcpdump reads the source files) is in the file, by tshark's count
		got=$(tshark -r "$file" 2>/dev/null | wc -l)
		[ "$want" -gt 3000 ] && [ "$got" -eq "$want" ] &&
			ok "every frame sent that the filter takes is in the file ($got of $sent sent)" ||
			fail "tcpreplay sent $sent frames, $want match the filter, the file holds $got"
		"$R" analyze -q -j 1 "$file" >"$tmp/j1.json" || fail "analyze -j 1"
		ROOTLENS_SPLIT_MIN_BYTES=0 ROOTLENS_SPLIT_DEBUG=1 "$R" analyze -q -j 4 --split-warmup 1 "$file" \
			>"$tmp/j4.json" 2>"$tmp/j4.err" || fail "analyze -j 4"
		python3 - "$file.json" "$tmp/j4.err" "$tmp/j1.json" <<'PY' && ok "analyze -j 4 cut at manifest members; labels from the manifest" || fail "analyze -j 4 cuts or labels"
import json, re, sys
m = json.load(open(sys.argv[1]))
offs = {e["offset"] for e in m["members"]}
starts = [int(x) for x in re.findall(r"^split: worker \d+ \S+ \[(\d+),", open(sys.argv[2]).read(), re.M)]
doc = json.load(open(sys.argv[3]))
lab = doc["labels"]
ok = len(starts) >= 2 and all(s in offs for s in starts)
ok = ok and lab.get("server") == "test.root" and lab.get("instance") == "lab1" and lab.get("phase") == "durz"
if not ok:
    print("starts", starts, "offsets", sorted(offs)[:10], "labels", lab, file=sys.stderr)
sys.exit(0 if ok else 1)
PY
		python3 "$here/split_compare.py" "$tmp/j1.json" "$tmp/j4.json" &&
			ok "analyze -j 4 over the collector's file equals -j 1" ||
			fail "analyze -j 4 differs from -j 1"
	fi
fi

# --chroot: the running collector's root is the directory, files still land
mkdir -p "$tmp/jail"
# (LeakSanitizer reads /proc/PID/task at exit, which the chroot hides: in
# the sanitizer build its leak check is off for this run)
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
"$R" capture -i lo --server c.root --instance i1 -o "$tmp/jail/out" --chroot "$tmp/jail" \
	--duration 3 --rotate 0 -q 2>"$tmp/jail.err" &
cpid=$!
sleep 1
root=$(readlink "/proc/$cpid/root")
uid=$(awk '/^Uid:/ {print $2 $3 $4 $5}' "/proc/$cpid/status")
wait $cpid
rc=$?
cpid=
if [ "$rc" -eq 0 ] && [ "$root" = "$tmp/jail" ] && [ "$uid" = 65534655346553465534 ] &&
	ls "$tmp"/jail/out/c.root/i1/*.pcap.gz.json >/dev/null 2>&1; then
	ok "--chroot: root $root, uid nobody, files written"
else
	fail "--chroot: exit $rc, root '$root', uids '$uid': $(cat "$tmp/jail.err")"
fi

# 3. one window from scripts/ditl-window.sh
now=$(date -u +%s)
start=$((now + 2))
end=$((start + 4))
cat >"$tmp/win.conf" <<EOF2
IFACE=lo
SERVER=win.root
INSTANCE=lab2
PHASE=ditl
START=$(date -u -d "@$start" +%Y-%m-%dT%H:%M:%SZ)
END=$(date -u -d "@$end" +%Y-%m-%dT%H:%M:%SZ)
ROTATE=2
GZIP_LEVEL=1
OUT=$tmp/win
RUN_AS=nobody
STATS_INTERVAL=1
EOF2
ROOTLENS=$R "$top/scripts/ditl-window.sh" "$tmp/win.conf"
rc=$?
if [ "$rc" -ne 0 ]; then
	fail "ditl-window.sh: exit $rc: $(tail -3 "$tmp/win/capture.log" 2>/dev/null)"
else
	python3 - "$tmp/win/win.root/lab2" "$start" "$end" <<'PY' && ok "ditl-window.sh: a 4 s window in contiguous 2 s files" || fail "ditl-window.sh files"
import calendar, glob, json, sys, time
d, start, end = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ms = [json.load(open(f)) for f in sorted(glob.glob(d + "/*.pcap.gz.json"))]
def t(s): return calendar.timegm(time.strptime(s[:19], "%Y-%m-%dT%H:%M:%S"))
per = [(t(m["period"]["start"]), t(m["period"]["end"])) for m in ms]
ok = len(per) >= 2 and per[0][0] == start and per[-1][1] == end
ok = ok and all(a[1] == b[0] for a, b in zip(per, per[1:]))
ok = ok and all(p[1] % 2 == 0 for p in per[:-1])
ok = ok and all(m["closed_by"] in ("rotation", "window end") for m in ms) and ms[-1]["closed_by"] == "window end"
ok = ok and not glob.glob(d + "/*.part")
if not ok:
    print(per, [m["closed_by"] for m in ms], file=sys.stderr)
sys.exit(0 if ok else 1)
PY
	grep -q "packets" "$tmp/win/capture.log" && ok "ditl-window.sh: status lines in the log" ||
		fail "ditl-window.sh: no status lines in $tmp/win/capture.log"
	ROOTLENS=$R "$top/scripts/ditl-window.sh" "$tmp/win.conf" 2>"$tmp/again.err" &&
		grep -q "nothing to do" "$tmp/again.err" && ok "ditl-window.sh after the window: nothing to do" ||
		fail "ditl-window.sh after the window"
fi
