#!/usr/bin/env bash
# bench/run.sh - rootlens throughput against its peers, in one run.
#
# Builds the synthetic capture generator, makes (once, cached under
# build/bench/) a root-server-like capture as .pcap.gz and its plain
# twin, then times every tool on the same files, best of $BENCH_RUNS.
# See bench/README.md for how to read the table.
#
# A tool that fails makes the script exit 1; slowness never does.
#
# Environment:
#   BENCH_PACKETS  packets in the capture        (default 1000000)
#   BENCH_SEED     generator seed                (default 1)
#   BENCH_RUNS     runs per row, best one kept   (default 3)
#   BENCH_SLOW     seconds after which a row is not repeated (default 20)
#   ROOTLENS       the binary to measure         (default ./rootlens)
#   BUILD          build directory               (default build)
#   BENCH_MEM      0: skip the memory test (bench/memtest.sh) at the end
#
# bench/run.sh --mem runs only the memory test (bench/memtest.sh).
#
# To add a row, add one line in main below:
#   bench_row "NAME" command args...
# Its ratio is taken against the section's baseline (the first row).
set -u
cd "$(dirname "$0")/.." || exit 2

case ${1:-} in
--mem) exec bench/memtest.sh ;;
'') ;;
*) echo "usage: $0 [--mem]" >&2; exit 2 ;;
esac

BUILD=${BUILD:-build}
B=$BUILD/bench
NPKTS=${BENCH_PACKETS:-1000000}
SEED=${BENCH_SEED:-1}
RUNS=${BENCH_RUNS:-3}
SLOW=${BENCH_SLOW:-20}
ROOTLENS=${ROOTLENS:-./rootlens}
CC=${CC:-cc}

status=0        # becomes 1 when a tool fails
base_s=         # baseline nanoseconds of the current section
gtime=
[ -x /usr/bin/time ] && gtime=/usr/bin/time

die() { echo "bench: $*" >&2; exit 2; }

# ---- generator and capture ------------------------------------------

build_gencap() {
	mkdir -p "$B"
	if [ ! -x "$B/gencap" ] || [ bench/gencap.c -nt "$B/gencap" ]; then
		echo "bench: building $B/gencap"
		$CC -std=c11 -O2 -Wall -Wextra -Werror -D_DEFAULT_SOURCE \
			-o "$B/gencap" bench/gencap.c -lm || die "cannot build gencap"
	fi
}

# make_capture SEED: set CAP, GZ and COUNTS for the capture of $NPKTS
# packets with that seed, generating it first unless cached.
# The cache key includes the generator's source hash: a changed
# generator means a new capture, never a stale one. Captures of another
# size or generator are removed; other seeds of this one are kept (the
# -j 2 rows use a second seed).
make_capture() {
	local seed=$1 key f
	key=$(cksum <bench/gencap.c | cut -d' ' -f1)
	CAP=$B/root-n$NPKTS-s$seed-$key.pcap
	GZ=$CAP.gz
	COUNTS=$CAP.counts
	if [ -s "$CAP" ] && [ -s "$GZ" ] && [ -s "$COUNTS" ]; then
		echo "bench: using cached $GZ"
		return
	fi
	for f in "$B"/root-n*.pcap "$B"/root-n*.pcap.gz "$B"/root-n*.pcap.counts; do
		case $f in "$B/root-n$NPKTS-s"*"-$key.pcap"*) ;; *) rm -f "$f" ;; esac
	done
	echo "bench: generating $NPKTS packets (seed $seed)"
	"$B/gencap" -n "$NPKTS" -s "$seed" -o "$CAP.tmp" -c "$COUNTS.tmp" \
		2>/dev/null || die "gencap failed"
	echo "bench: compressing (gzip -6)"
	gzip -6 -c "$CAP.tmp" >"$GZ.tmp" || die "gzip failed"
	mv "$CAP.tmp" "$CAP" && mv "$GZ.tmp" "$GZ" && mv "$COUNTS.tmp" "$COUNTS"
}

# count KEY [COUNTS-FILE]: a generator count (of $COUNTS by default).
count() { sed -n "s/^$1=//p" "${2:-$COUNTS}"; }

# ---- timing ---------------------------------------------------------

# now_ns: wall clock in nanoseconds (bash 5 EPOCHREALTIME, else date).
now_ns() {
	if [ -n "${EPOCHREALTIME:-}" ]; then
		local t=${EPOCHREALTIME/[.,]/}
		echo $((10#$t * 1000))
	else
		date +%s%N
	fi
}

# section TITLE: start a group of rows; its first row is the baseline.
section() {
	base_s=
	printf '\n%s\n' "$1"
	printf '  %-40s %9s %12s %9s %9s %6s\n' tool seconds packets/s ratio "RSS MiB" cores
}

# slug NAME: NAME as a shell variable suffix.
slug() { printf '%s' "$1" | tr -c 'A-Za-z0-9' '_'; }

# run_once NAME CMD...: one run of a row's command. Keeps in T_<slug> the
# best wall time so far (ns), in M_<slug> the largest peak RSS (KiB) and
# in L_<slug> the wall time of this run, in C_<slug> the CPU seconds
# (user + system) of the best run; sets F_<slug> and returns 1 when the
# command fails.
# stdout goes to /dev/null, except for rootlens rows, whose (small)
# output is kept in $B/out/ to be looked at; stderr is always kept there.
run_once() {
	local name=$1
	shift
	local s out err tf t0 t1 ns rc best rss
	s=$(slug "$name")
	out=/dev/null
	case $name in rootlens*) out=$B/out/$s.out ;; esac
	[ -n "${KEEP:-}" ] && out=$B/out/$s.out
	err=$B/out/$s.err
	tf=$B/out/$s.time
	mkdir -p "$B/out"
	t0=$(now_ns)
	if [ -n "$gtime" ]; then
		$gtime -f '%M %U %S' -o "$tf" "$@" >"$out" 2>"$err"
	else
		"$@" >"$out" 2>"$err"
	fi
	rc=$?
	t1=$(now_ns)
	if [ $rc -ne 0 ]; then
		eval "F_$s=$rc"
		return 1
	fi
	ns=$((t1 - t0))
	eval "best=\${T_$s:-}"
	if [ -n "$gtime" ]; then
		set -- $(tail -n 1 "$tf")
		rss=$1
		eval "[ \"\${M_$s:-0}\" -ge $rss ] || M_$s=$rss"
	fi
	if [ -z "$best" ] || [ $ns -lt $best ]; then
		eval "T_$s=$ns"
		[ -n "$gtime" ] && eval "C_$s=\$(awk -v u=\$2 -v s=\$3 'BEGIN { print u + s }')"
	fi
	eval "L_$s=$ns"
	return 0
}

# report_row NAME [PACKETS]: print row NAME: best wall time, packets per
# second (PACKETS, default $PKTS, over that time), ratio to the section
# baseline (the first row reported), peak RSS and the cores used (CPU
# time over wall time of the best run).
report_row() {
	local name=$1 pk=${2:-$PKTS} s best rss fail cpu
	s=$(slug "$name")
	eval "fail=\${F_$s:-} best=\${T_$s:-} rss=\${M_$s:--} cpu=\${C_$s:--}"
	if [ -n "$fail" ]; then
		printf '  %-40s FAILED (exit %d), see %s\n' "$name" "$fail" "$B/out/$s.err"
		status=1
		return 0
	fi
	[ -n "$best" ] || return 0
	[ -z "$base_s" ] && base_s=$best
	awk -v name="$name" -v ns="$best" -v base="$base_s" -v pk="$pk" \
		-v rss="$rss" -v cpu="$cpu" 'BEGIN {
		s = ns / 1e9
		printf "  %-40s %9.3f %12.0f %9.2f %9s %6s\n", name, s, pk / s,
			ns / base, rss == "-" ? "-" : sprintf("%.1f", rss / 1024),
			cpu == "-" ? "-" : sprintf("%.2f", cpu / s)
	}'
}

# missing NAME PROG...: print a skip line and succeed if a PROG is not
# installed.
missing() {
	local name=$1 p
	shift
	for p in "$@"; do
		if ! command -v "$p" >/dev/null 2>&1; then
			printf '  %-40s %s\n' "$name" "(skipped: $p not found)"
			return 0
		fi
	done
	return 1
}

# bench_row NAME CMD...: run CMD up to $RUNS times (once more only while
# a run takes under $SLOW s) and report the row.
# Set for one call (VAR=value bench_row ...):
#   ROW_PKTS  packets the row processes (default $PKTS), for packets/s
#   KEEP=1    keep stdout in $B/out/ as for rootlens rows
#   NEED      a further program the row needs; the row is skipped without
bench_row() {
	local name=$1 i s
	shift
	missing "$name" "$1" ${NEED:-} && return 0
	s=$(slug "$name")
	for ((i = 0; i < RUNS; i++)); do
		run_once "$name" "$@" || break
		eval "[ \$L_$s -gt $((SLOW * 1000000000)) ]" && break
	done
	report_row "$name" "${ROW_PKTS:-$PKTS}"
}

# Interleaved rows, for figures that compare rows with each other on a
# busy machine: irow NAME PACKETS CMD... registers a row; run_irows then
# runs every registered row once, $RUNS times round-robin (so a burst of
# load hits all of them alike), reports them and forgets them.
IR_NAMES=() IR_PKTS=() IR_CMDS=()
irow() {
	local name=$1 pk=$2
	shift 2
	missing "$name" "$1" && return 0
	IR_NAMES+=("$name") IR_PKTS+=("$pk") IR_CMDS+=("$(printf '%q ' "$@")")
}
run_irows() {
	local i k
	for ((i = 0; i < RUNS; i++)); do
		for k in "${!IR_NAMES[@]}"; do
			eval "run_once \"\${IR_NAMES[k]}\" ${IR_CMDS[k]}"
		done
	done
	for k in "${!IR_NAMES[@]}"; do
		report_row "${IR_NAMES[k]}" "${IR_PKTS[k]}"
	done
	IR_NAMES=() IR_PKTS=() IR_CMDS=()
}

# ratio A B: seconds of row A / seconds of row B, or "n/a".
ratio() {
	local a b
	a=$(eval echo "\${T_$(slug "$1"):-}")
	b=$(eval echo "\${T_$(slug "$2"):-}")
	if [ -n "$a" ] && [ -n "$b" ]; then
		awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }'
	else
		echo n/a
	fi
}

# figures: the figures the analyze rows compute, from rootlens (one
# more, untimed run, to a JSON file), tshark (bench/tshark_metrics.sh's
# kept output) and dnscap rssm (its YAML), beside the generator's exact
# counts: the peers were timed doing the same work.
figures() {
	local json=$B/out/analyze.json rssm ts
	ts=$B/out/$(printf '%s' "tshark -T fields | awk (3 figures)" | tr -c 'A-Za-z0-9' '_').out
	rssm=$(ls -t "$B"/out/rssm/rssm.* 2>/dev/null | head -n 1)
	"$ROOTLENS" analyze -j 1 --quiet -o "$json" "$GZ" 2>/dev/null ||
		{ echo "bench: rootlens analyze -o $json failed"; status=1; return; }
	command -v python3 >/dev/null || return 0
	echo
	echo "figures on the first capture (rootlens: $json)"
	python3 - "$json" "$ts" "${rssm:-/nonexistent}" "$COUNTS" <<'PY'
import json, os, sys
jpath, tpath, rpath, cpath = sys.argv[1:]
def kv(path, sep):
    d = {}
    if os.path.exists(path):
        for line in open(path):
            k, s, v = line.strip().partition(sep)
            if s:
                d.setdefault(k.strip(), v.strip())
    return d
gen = {k: int(v) for k, v in kv(cpath, "=").items() if v.isdigit()}
t = json.load(open(jpath))["totals"]
ts = kv(tpath, "=")
tdk = {}
if os.path.exists(tpath):
    for line in open(tpath):
        f = line.split()
        if len(f) == 3 and f[0] == "dnskey_by_tld":
            tdk[f[1]] = int(f[2])
r = kv(rpath, ":")
dk = t.get("dnskey_by_tld", {})
def pct(a, b):
    return f"{100 * a / b:.4f}" if b else "-"
def rq(proto):
    return sum(int(r.get(f"dns-{proto}-queries-received-ipv{v}", 0)) for v in (4, 6))
rows = [
    ("TCP/UDP query ratio %", str(t.get("tcp_udp_query_ratio_pct", "-")),
     ts.get("tcp_udp_query_ratio_pct", "-"),
     pct(rq("tcp"), rq("udp")) if r else "-",
     pct(gen["queries_tcp"], gen["queries_udp"])),
    ("DO share of queries %", str(t.get("edns", {}).get("do_share_pct", "-")),
     ts.get("do_share_pct", "-"), "-", pct(gen["queries_do"], gen["queries"])),
    ("DNSKEY queries (all TLDs)", str(sum(dk.values())),
     ts.get("dnskey_queries", "-"), "-", str(gen["queries_qtype_DNSKEY"])),
    ("DNSKEY TLDs", str(len(dk)), ts.get("dnskey_tlds", "-"), "-", "-"),
    ("DNSKEY for the root '.'", str(dk.get(".", 0)), str(tdk.get(".", "-")), "-", "-"),
    ("DNSKEY for com", str(dk.get("com", 0)), str(tdk.get("com", "-")), "-", "-"),
]
print(f"  {'figure':<26} {'rootlens':>10} {'tshark':>10} {'dnscap':>10} {'gencap':>10}")
for name, *v in rows:
    print(f"  {name:<26}" + "".join(f" {x:>10}" for x in v))
if tdk:
    same = tdk == {k: v for k, v in dk.items()}
    print("  dnskey_by_tld: rootlens and tshark " +
          ("agree on every TLD" if same else "DIFFER (compare the two files)"))
PY
}

# ---- main -----------------------------------------------------------

build_gencap
SEED2=$((SEED + 1))
make_capture "$SEED2" # the second capture of the -j 2 rows
CAP2=$CAP GZ2=$GZ COUNTS2=$COUNTS
make_capture "$SEED"
PKTS=$(count packets) # gencap finishes the last exchange: may exceed NPKTS
PKTS2=$(count packets "$COUNTS2")

# dnscap's RSSAC002 plugin (Debian package dnscap)
RSSM=$(dpkg -L dnscap 2>/dev/null | grep '/rssm\.so$' | head -n 1)
[ -n "$RSSM" ] || RSSM=$(ls /usr/lib/*/dnscap/rssm.so 2>/dev/null | head -n 1)
mkdir -p "$B/out/rssm"

echo
echo "machine: $(nproc) CPU, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "capture: $PKTS packets, $(count queries) queries, $(count responses) responses" \
	"($(count queries_tcp) over TCP), $(count sources) sources"
echo "  $GZ: $(du -m "$GZ" | cut -f1) MiB; $CAP: $(du -m "$CAP" | cut -f1) MiB"
echo "second capture (seed $SEED2, -j 2 rows only): $PKTS2 packets, $GZ2"
echo "best of $RUNS runs (a run over ${SLOW}s is not repeated); ratio: to the first row of the section"

have_rootlens=1
if [ ! -x "$ROOTLENS" ]; then
	echo "note: $ROOTLENS not found (run 'make'); timing the peers only"
	have_rootlens=0
fi
AN="analyze --quiet -o /dev/null"
# ONE: run a command on one core. rootlens analyze -j 1 has helper
# threads (inflate ahead, SHA-256 of the input), so unpinned it uses more
# than one core; pinned to one, its time is the sum of all its work, the
# "one-core throughput" that the -j 2 rows are compared with.
ONE="taskset -c $(taskset -pc $$ 2>/dev/null | sed 's/.*: *//; s/[,-].*//')"
command -v taskset >/dev/null 2>&1 || ONE=

section "gzip capture (baseline: igzip -dc)"
bench_row "igzip -dc" igzip -dc "$GZ"
if [ $have_rootlens = 1 ]; then
	bench_row "rootlens decode --stats" "$ROOTLENS" decode --stats "$GZ"
	bench_row "rootlens analyze -j 1" "$ROOTLENS" $AN -j 1 "$GZ"
	[ -n "$ONE" ] && bench_row "rootlens analyze -j 1, one core" $ONE "$ROOTLENS" $AN -j 1 "$GZ"
fi
bench_row "zcat (GNU gzip)" zcat "$GZ"
bench_row "tshark -n -q -z io,stat,0" tshark -n -q -r "$GZ" -z io,stat,0
KEEP=1 NEED=tshark bench_row "tshark -T fields | awk (3 figures)" \
	bench/tshark_metrics.sh "$GZ"

section "plain capture (baseline: cat, the physical floor)"
bench_row "cat" cat "$CAP"
# The SHA-256 of every input is part of the document (inputs[].sha256):
# no analysis of the file can finish before its hash does.
NEED=openssl bench_row "openssl dgst -sha256 (plain)" openssl dgst -sha256 "$CAP"
if [ $have_rootlens = 1 ]; then
	bench_row "rootlens decode --stats (plain)" "$ROOTLENS" decode --stats "$CAP"
	bench_row "rootlens analyze -j 1 (plain)" "$ROOTLENS" $AN -j 1 "$CAP"
	[ -n "$ONE" ] && bench_row "rootlens analyze -j 1, one core (plain)" $ONE "$ROOTLENS" $AN -j 1 "$CAP"
fi
if [ -n "$RSSM" ]; then
	bench_row "dnscap -P rssm.so (plain)" dnscap -N -T -r "$CAP" \
		-P "$RSSM" -w "$B/out/rssm/rssm" -Y -n bench -D
else
	printf '  %-40s %s\n' "dnscap -P rssm.so (plain)" "(skipped: dnscap's rssm.so not found)"
fi
bench_row "tcpdump -r -w /dev/null" tcpdump -r "$CAP" -w /dev/null
bench_row "tcpdump -nr (prints DNS)" tcpdump -nr "$CAP"

if [ $have_rootlens = 1 ]; then
	section "two captures, runs interleaved (baseline: rootlens analyze -j 1 on the first alone)"
	P12=$((PKTS + PKTS2))
	irow "rootlens analyze -j 1, 1 gz file" "$PKTS" "$ROOTLENS" $AN -j 1 "$GZ"
	[ -n "$ONE" ] && irow "rootlens analyze -j 1, 1 gz, one core" "$PKTS" $ONE "$ROOTLENS" $AN -j 1 "$GZ"
	irow "rootlens analyze -j 1, 2 gz files" "$P12" "$ROOTLENS" $AN -j 1 "$GZ" "$GZ2"
	irow "rootlens analyze -j 2, 2 gz files" "$P12" "$ROOTLENS" $AN -j 2 "$GZ" "$GZ2"
	irow "rootlens analyze -j 1, 1 plain" "$PKTS" "$ROOTLENS" $AN -j 1 "$CAP"
	[ -n "$ONE" ] && irow "rootlens analyze -j 1, 1 plain, one core" "$PKTS" $ONE "$ROOTLENS" $AN -j 1 "$CAP"
	irow "rootlens analyze -j 2, 2 plain" "$P12" "$ROOTLENS" $AN -j 2 "$CAP" "$CAP2"
	run_irows
fi

# speedup A B: throughput of row A (both captures) over that of row B
# (the first capture), or "n/a".
speedup() {
	local r
	r=$(ratio "$1" "$2")
	[ "$r" = n/a ] && { echo n/a; return; }
	awk -v r="$r" -v a=$((PKTS + PKTS2)) -v b="$PKTS" \
		'BEGIN { printf "%.2f", a / b / r }'
}

# pps NAME: packets per second of row NAME over the first capture.
pps() {
	local t
	t=$(eval echo "\${T_$(slug "$1"):-}")
	[ -n "$t" ] && awk -v t="$t" -v p="$PKTS" 'BEGIN { printf "%.0f", p / (t / 1e9) }' || echo n/a
}

echo
echo "load average at end of timing: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ $have_rootlens = 1 ]; then
	echo "decode --stats / igzip -dc = $(ratio "rootlens decode --stats" "igzip -dc") (target <= 1.0)"
	echo "analyze -j 1 / igzip -dc = $(ratio "rootlens analyze -j 1" "igzip -dc") (target <= 1.1)"
	echo "analyze -j 1 on the plain capture: $(pps "rootlens analyze -j 1 (plain)") packets/s, on one core $(pps "rootlens analyze -j 1, one core (plain)") (target >= 5000000)"
	echo "  SHA-256 of the plain capture alone (openssl, one core): $(pps "openssl dgst -sha256 (plain)") packets/s: the ceiling of any run that hashes its input"
	echo "  analyze -j 1 (plain) / openssl dgst -sha256 = $(ratio "rootlens analyze -j 1 (plain)" "openssl dgst -sha256 (plain)")"
	echo "analyze -j 2 on 2 gz files / -j 1 on 1 on one core, throughput = $(speedup "rootlens analyze -j 2, 2 gz files" "rootlens analyze -j 1, 1 gz, one core") (target >= 1.8)"
	echo "analyze -j 2 on 2 plain files / -j 1 on 1 on one core, throughput = $(speedup "rootlens analyze -j 2, 2 plain" "rootlens analyze -j 1, 1 plain, one core") (target >= 1.8)"
	echo "  against -j 1 unpinned (which already uses the cores its row shows): gz $(speedup "rootlens analyze -j 2, 2 gz files" "rootlens analyze -j 1, 1 gz file"), plain $(speedup "rootlens analyze -j 2, 2 plain" "rootlens analyze -j 1, 1 plain")"
	echo "tshark (3 figures) / analyze -j 1 = $(ratio "tshark -T fields | awk (3 figures)" "rootlens analyze -j 1")"
	echo "dnscap rssm / analyze -j 1, plain = $(ratio "dnscap -P rssm.so (plain)" "rootlens analyze -j 1 (plain)")"
	echo "rootlens output: $B/out/rootlens_decode___stats.out"
	figures
else
	echo "decode --stats / igzip -dc = n/a (no $ROOTLENS) (target <= 1.0)"
fi
[ $status = 0 ] || echo "bench: a tool failed (see above)" >&2

if [ $have_rootlens = 1 ] && [ "${BENCH_MEM:-1}" != 0 ]; then
	bench/memtest.sh || status=1
fi
exit $status
