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
#
# To add a row, add one line in main below:
#   bench_row "NAME" command args...
# Its ratio is taken against the section's baseline (the first row).
set -u
cd "$(dirname "$0")/.." || exit 2

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

# The cache key includes the generator's source hash: a changed
# generator means a new capture, never a stale one.
make_capture() {
	local key
	key=$(cksum <bench/gencap.c | cut -d' ' -f1)
	CAP=$B/root-n$NPKTS-s$SEED-$key.pcap
	GZ=$CAP.gz
	COUNTS=$CAP.counts
	if [ -s "$CAP" ] && [ -s "$GZ" ] && [ -s "$COUNTS" ]; then
		echo "bench: using cached $GZ"
		return
	fi
	rm -f "$B"/root-n*.pcap "$B"/root-n*.pcap.gz "$B"/root-n*.pcap.counts
	echo "bench: generating $NPKTS packets (seed $SEED)"
	"$B/gencap" -n "$NPKTS" -s "$SEED" -o "$CAP.tmp" -c "$COUNTS.tmp" \
		2>/dev/null || die "gencap failed"
	echo "bench: compressing (gzip -6)"
	gzip -6 -c "$CAP.tmp" >"$GZ.tmp" || die "gzip failed"
	mv "$CAP.tmp" "$CAP" && mv "$GZ.tmp" "$GZ" && mv "$COUNTS.tmp" "$COUNTS"
}

count() { sed -n "s/^$1=//p" "$COUNTS"; }

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
	printf '  %-34s %9s %12s %9s %9s\n' tool seconds packets/s ratio "RSS MiB"
}

# bench_row NAME CMD...: run CMD up to $RUNS times, print the best wall
# time, packets per second, ratio to the section baseline and peak RSS.
# stdout goes to /dev/null, except for rootlens rows, whose (small)
# output is kept in $B/out/ to be looked at; stderr is always kept there.
bench_row() {
	local name=$1
	shift
	local slug out err tf best='' rss=- i t0 t1 ns rc
	slug=$(printf '%s' "$name" | tr -c 'A-Za-z0-9' '_')
	out=/dev/null
	case $name in rootlens*) out=$B/out/$slug.out ;; esac
	err=$B/out/$slug.err
	tf=$B/out/$slug.time
	mkdir -p "$B/out"
	if ! command -v "$1" >/dev/null 2>&1; then
		printf '  %-34s %s\n' "$name" "(skipped: $1 not found)"
		return 0
	fi
	for ((i = 0; i < RUNS; i++)); do
		t0=$(now_ns)
		if [ -n "$gtime" ]; then
			$gtime -f '%M' -o "$tf" "$@" >"$out" 2>"$err"
		else
			"$@" >"$out" 2>"$err"
		fi
		rc=$?
		t1=$(now_ns)
		if [ $rc -ne 0 ]; then
			printf '  %-34s FAILED (exit %d), see %s\n' "$name" $rc "$err"
			status=1
			return 0
		fi
		ns=$((t1 - t0))
		if [ -z "$best" ] || [ $ns -lt $best ]; then best=$ns; fi
		[ -n "$gtime" ] && rss=$(tail -n 1 "$tf")
		[ $ns -gt $((SLOW * 1000000000)) ] && break
	done
	[ -z "$base_s" ] && base_s=$best
	awk -v name="$name" -v ns="$best" -v base="$base_s" -v pk="$PKTS" \
		-v rss="$rss" 'BEGIN {
		s = ns / 1e9
		printf "  %-34s %9.3f %12.0f %9.2f %9s\n", name, s, pk / s,
			ns / base, rss == "-" ? "-" : sprintf("%.1f", rss / 1024)
	}'
	eval "T_$slug=$best"
}

# ratio A B: seconds of row A / seconds of row B, or "n/a".
ratio() {
	local a b
	a=$(eval echo "\${T_$(printf '%s' "$1" | tr -c 'A-Za-z0-9' '_'):-}")
	b=$(eval echo "\${T_$(printf '%s' "$2" | tr -c 'A-Za-z0-9' '_'):-}")
	if [ -n "$a" ] && [ -n "$b" ]; then
		awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }'
	else
		echo n/a
	fi
}

# ---- main -----------------------------------------------------------

build_gencap
make_capture
PKTS=$(count packets) # gencap finishes the last exchange: may exceed NPKTS

echo
echo "machine: $(nproc) CPU, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "capture: $PKTS packets, $(count queries) queries, $(count responses) responses" \
	"($(count queries_tcp) over TCP), $(count sources) sources"
echo "  $GZ: $(du -m "$GZ" | cut -f1) MiB; $CAP: $(du -m "$CAP" | cut -f1) MiB"
echo "best of $RUNS runs (a run over ${SLOW}s is not repeated); ratio: to the first row of the section"

have_rootlens=1
if [ ! -x "$ROOTLENS" ]; then
	echo "note: $ROOTLENS not found (run 'make'); timing the peers only"
	have_rootlens=0
fi

section "gzip capture (baseline: igzip -dc)"
bench_row "igzip -dc" igzip -dc "$GZ"
[ $have_rootlens = 1 ] && bench_row "rootlens decode --stats" "$ROOTLENS" decode --stats "$GZ"
bench_row "zcat (GNU gzip)" zcat "$GZ"
bench_row "tshark -n -q -z io,stat,0" tshark -n -q -r "$GZ" -z io,stat,0

section "plain capture (baseline: cat, the physical floor)"
bench_row "cat" cat "$CAP"
[ $have_rootlens = 1 ] && bench_row "rootlens decode --stats (plain)" "$ROOTLENS" decode --stats "$CAP"
bench_row "tcpdump -r -w /dev/null" tcpdump -r "$CAP" -w /dev/null
bench_row "tcpdump -nr (prints DNS)" tcpdump -nr "$CAP"

echo
if [ $have_rootlens = 1 ]; then
	echo "decode --stats / igzip -dc = $(ratio "rootlens decode --stats" "igzip -dc") (target <= 1.0)"
	echo "rootlens output: $B/out/rootlens_decode___stats.out"
else
	echo "decode --stats / igzip -dc = n/a (no $ROOTLENS) (target <= 1.0)"
fi
[ $status = 0 ] || echo "bench: a tool failed (see above)" >&2
exit $status
