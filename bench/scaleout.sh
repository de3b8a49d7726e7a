#!/usr/bin/env bash
# bench/scaleout.sh - what scale-out costs and gains, on this machine.
#
#  1. Throughput of scripts/rootlens-parallel with -j 1 and -j 2 over
#     SCALE_FILES generated captures (bench/gencap, SCALE_PACKETS packets
#     each, gzip -6), beside one `rootlens analyze` process (-j 1, -j 2)
#     over the same files: seconds, packets/s, MB/s of gzip input and of
#     pcap data. Each rootlens-parallel run starts without partials. Then
#     the same for the captures uncompressed (1b), and the fixed cost of
#     a run (one tiny capture).
#  2. The reduce step of a campaign: SCALE_PARTIALS partials (1,000) from
#     as many small captures (SCALE_PART_PACKETS packets each, 100,000
#     sources, 10 minutes of traffic each; four instances of one server,
#     250 consecutive files each: a 42-hour window, with capture
#     manifests), analyzed by rootlens-parallel --no-merge; then the tree
#     merge (rootlens-parallel --merge-only, groups of 64) with -j 1 and
#     -j 2, and one flat `rootlens merge` of all of them, beside the time
#     the analysis of those captures took (rootlens-parallel --no-merge,
#     and one `rootlens analyze -j 2` process over all of them; the ratio
#     asked: merge / analysis), and the merge cost per partial beside the
#     analysis cost of one capture of part 1.
#
# Called by nobody automatically (make bench does not run it). Captures
# and partials are kept under BUILD/bench/scaleout/, keyed by the
# generator's source and the parameters.
#
# Environment:
#   SCALE_FILES          captures in part 1          (default 8)
#   SCALE_PACKETS        packets per capture, part 1 (default 500000)
#   SCALE_PARTIALS       partials in part 2          (default 1000)
#   SCALE_PART_PACKETS   packets per capture, part 2 (default 10000)
#   BENCH_RUNS           runs per row, best kept     (default 3)
#   ROOTLENS             the binary                  (default ./rootlens)
#   BUILD                build directory             (default build)
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$(pwd)/$BUILD ;; esac
B=$BUILD/bench/scaleout
NF=${SCALE_FILES:-8}
NP=${SCALE_PACKETS:-500000}
NPART=${SCALE_PARTIALS:-1000}
PP=${SCALE_PART_PACKETS:-10000}
RUNS=${BENCH_RUNS:-3}
ROOTLENS=${ROOTLENS:-./rootlens}
case $ROOTLENS in /*) ;; *) ROOTLENS=$(pwd)/$ROOTLENS ;; esac
export ROOTLENS
RP=$(pwd)/scripts/rootlens-parallel
CC=${CC:-cc}
gtime=
[ -x /usr/bin/time ] && gtime=/usr/bin/time

die() { echo "scaleout: $1" >&2; exit 2; }
[ -x "$ROOTLENS" ] || die "$ROOTLENS not found (run make)"
command -v parallel >/dev/null || die "GNU parallel not found (Debian package parallel)"
mkdir -p "$B" || die "cannot create $B"

now_ns() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((10#$t * 1000))
}

# timed NAME CMD...: run CMD $RUNS times (PREP, when set, before each),
# keep the best wall time in T_NAME (ns), the peak RSS (KiB) of any
# process of the best run in M_NAME and its CPU seconds (user + system,
# all processes) in C_NAME
timed() {
	local name=$1 i t0 t1 ns best='' rss=- cpu=- u sy
	shift
	for ((i = 0; i < RUNS; i++)); do
		[ -n "${PREP:-}" ] && eval "$PREP"
		t0=$(now_ns)
		if [ -n "$gtime" ]; then
			$gtime -f '%M %U %S' -o "$B/time.out" "$@" >/dev/null 2>"$B/$name.err" ||
				die "$name failed: $(tail -n 3 "$B/$name.err")"
		else
			"$@" >/dev/null 2>"$B/$name.err" || die "$name failed: $(tail -n 3 "$B/$name.err")"
		fi
		t1=$(now_ns)
		ns=$((t1 - t0))
		if [ -z "$best" ] || [ $ns -lt "$best" ]; then
			best=$ns
			if [ -n "$gtime" ]; then
				read -r rss u sy <"$B/time.out"
				cpu=$(awk -v u="$u" -v s="$sy" 'BEGIN { print u + s }')
			fi
		fi
	done
	eval "T_$name=$best M_$name=$rss C_$name=$cpu"
}
sec() { eval "awk -v t=\$T_$1 'BEGIN { printf \"%.3f\", t / 1e9 }'"; }
# row NAME LABEL PACKETS GZBYTES PCAPBYTES
row() {
	local t m c
	eval "t=\$T_$1 m=\$M_$1 c=\$C_$1"
	awk -v n="$2" -v t="$t" -v p="$3" -v g="$4" -v u="$5" -v m="$m" -v c="$c" 'BEGIN {
		s = t / 1e9
		printf "  %-38s %8.3f %11.0f %9s %9.1f %8s %6s\n", n, s, p / s,
			(g > 0 ? sprintf("%.1f", g / s / 1e6) : "-"), u / s / 1e6, m == "-" ? "-" : sprintf("%.0f", m / 1024),
			c == "-" ? "-" : sprintf("%.2f", c / s)
	}'
}
# mrow NAME LABEL: seconds, peak RSS, cores of a row of part 2
mrow() {
	local t m c
	eval "t=\$T_$1 m=\$M_$1 c=\$C_$1"
	awk -v n="$2" -v t="$t" -v m="$m" -v c="$c" 'BEGIN {
		s = t / 1e9
		printf "  %-50s %8.3f %8s %6s\n", n, s, m == "-" ? "-" : sprintf("%.0f", m / 1024),
			c == "-" ? "-" : sprintf("%.2f", c / s)
	}'
}
ratio() { eval "awk -v a=\$T_$1 -v b=\$T_$2 'BEGIN { printf \"%.2f\", a / b }'"; }

# ---- the generator -------------------------------------------------------------
key=$(cksum <bench/gencap.c | cut -d' ' -f1)
G=$B/gencap-$key
if [ ! -x "$G" ]; then
	echo "scaleout: building $G"
	$CC -std=c11 -O2 -Wall -Wextra -Werror -D_DEFAULT_SOURCE -o "$G" bench/gencap.c -lm ||
		die "cannot build gencap"
fi

echo "machine: $(nproc) CPU, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "GNU parallel $(parallel --version | head -n 1 | awk '{ print $3 }'), rootlens $ROOTLENS"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- 1. throughput ---------------------------------------------------------------
C=$B/tp-n$NP-f$NF-$key
if [ ! -f "$C/done" ]; then
	echo "scaleout: generating $NF captures of $NP packets"
	rm -rf "$C"
	mkdir -p "$C"
	dur=$(((NP + 49999) / 50000)) # seconds each, at gencap's 50,000 packets/s
	for ((i = 0; i < NF; i++)); do
		"$G" -n "$NP" -s $((i + 1)) -t $((1273017600 + i * dur)) -o "$C/c$i.pcap" \
			-c "$C/c$i.counts" 2>/dev/null || die "gencap failed"
		gzip -6 "$C/c$i.pcap" || die "gzip failed"
	done
	touch "$C/done"
fi
files=("$C"/c*.pcap.gz)
pk=$(cat "$C"/c*.counts | sed -n 's/^packets=//p' | awk '{ s += $1 } END { print s }')
gz=$(cat "${files[@]}" | wc -c)
un=0
for f in "${files[@]}"; do un=$((un + $(gzip -l "$f" | awk 'NR == 2 { print $2 }'))); done
echo
echo "1. throughput: $NF captures, $pk packets, $((gz / 1000000)) MB gzip, $((un / 1000000)) MB pcap; best of $RUNS"
printf '  %-38s %8s %11s %9s %9s %8s %6s\n' command seconds packets/s "MB/s gz" "MB/s pcap" "RSS MiB" cores
AN=(analyze -q -o /dev/null)
timed an1 "$ROOTLENS" "${AN[@]}" -j 1 "${files[@]}"
row an1 "rootlens analyze -j 1 (one process)" "$pk" "$gz" "$un"
timed an2 "$ROOTLENS" "${AN[@]}" -j 2 "${files[@]}"
row an2 "rootlens analyze -j 2 (one process)" "$pk" "$gz" "$un"
PREP='rm -rf "$B/tp.parts"' timed rp1 "$RP" -q -j 1 -o "$B/tp.json" "${files[@]}"
row rp1 "rootlens-parallel -j 1" "$pk" "$gz" "$un"
PREP='rm -rf "$B/tp.parts"' timed rp2 "$RP" -q -j 2 -o "$B/tp.json" "${files[@]}"
row rp2 "rootlens-parallel -j 2" "$pk" "$gz" "$un"
echo "  rootlens-parallel: -j 2 / -j 1 throughput = $(ratio rp1 rp2);" \
	"-j 1 / one analyze -j 1 process = $(ratio rp1 an1) (the driver's overhead)"
per_file_ns=$((T_rp1 / NF))

# the same captures uncompressed: analyze is one thread per file then
# (a gzip capture has ISA-L inflate on a second thread)
if [ ! -f "$C/plain.done" ]; then
	for f in "${files[@]}"; do gzip -dc "$f" >"${f%.gz}" || die "gzip -d failed"; done
	touch "$C/plain.done"
fi
plain=("$C"/c*.pcap)
echo
echo "1b. the same captures uncompressed ($((un / 1000000)) MB pcap); best of $RUNS"
printf '  %-38s %8s %11s %9s %9s %8s %6s\n' command seconds packets/s "MB/s gz" "MB/s pcap" "RSS MiB" cores
timed pan1p "$ROOTLENS" "${AN[@]}" -j 1 "${plain[@]}"
row pan1p "rootlens analyze -j 1 (one process)" "$pk" 0 "$un"
timed pan2p "$ROOTLENS" "${AN[@]}" -j 2 "${plain[@]}"
row pan2p "rootlens analyze -j 2 (one process)" "$pk" 0 "$un"
PREP='rm -rf "$B/tpp.parts"' timed prp1 "$RP" -q -j 1 -o "$B/tpp.json" "${plain[@]}"
row prp1 "rootlens-parallel -j 1" "$pk" 0 "$un"
PREP='rm -rf "$B/tpp.parts"' timed prp2 "$RP" -q -j 2 -o "$B/tpp.json" "${plain[@]}"
row prp2 "rootlens-parallel -j 2" "$pk" 0 "$un"
echo "  rootlens-parallel: -j 2 / -j 1 throughput = $(ratio prp1 prp2)"
# the driver's fixed cost: one small capture
PREP='rm -rf "$B/one.parts"' timed one "$RP" -q -j 1 -o "$B/one.json" datasets/root-mix.pcap.gz
timed onea "$ROOTLENS" analyze -q -j 1 -o /dev/null datasets/root-mix.pcap.gz
echo "  fixed cost of a run: rootlens-parallel on one 17 kB capture $(sec one) s," \
	"rootlens analyze on it $(sec onea) s"

# ---- 2. merging 1,000 partials ------------------------------------------------------
M=$B/merge-p$NPART-n$PP-$key
if [ ! -f "$M/caps.done" ]; then
	echo
	echo "scaleout: generating $NPART captures of $PP packets (four instances, 10 minutes each)"
	rm -rf "$M"
	mkdir -p "$M/caps"
	cat >"$M/gen.sh" <<'EOF'
# gen.sh GENCAP DIR I PACKETS: capture I of the merge benchmark, with its manifest
g=$1 d=$2 i=$3 n=$4
inst=$(echo ams lhr nrt sin | cut -d' ' -f$((i % 4 + 1)))
t=$((1273017600 + 600 * (i / 4)))
f=$d/$inst-$(printf %04d $((i / 4))).pcap.gz
"$g" -n "$n" -S 100000 -s $((1000 + i)) -r $((n / 600 + 1)) -t $t -o "$f.pcap" 2>/dev/null &&
	gzip -6 -c "$f.pcap" >"$f" && rm -f "$f.pcap" || exit 1
printf '{"schema": "rootlens.capture/1", "server": "k.root-servers.net", "instance": "%s", "phase": "durz", "file_bytes": %s, "sha256": "%s"}\n' \
	"$inst" "$(stat -c %s "$f")" "$(sha256sum <"$f" | cut -c1-64)" >"$f.json"
EOF
	seq 0 $((NPART - 1)) | parallel --will-cite -j "$(nproc)" sh "$M/gen.sh" "$G" "$M/caps" {} "$PP" ||
		die "generating the captures failed"
	touch "$M/caps.done"
fi
ls "$M"/caps/*.pcap.gz >"$M/files.list"
mgz=$(cat "$M"/caps/*.pcap.gz | wc -c)
echo
echo "2. merging $NPART partials: $NPART captures of $PP packets ($((mgz / 1000000)) MB gzip), 4 instances x $((NPART / 4)) files of 10 minutes"
printf '  %-50s %8s %8s %6s\n' step seconds "RSS MiB" cores
PREP='rm -rf "$M/parts"' timed pan "$RP" -q -j 2 --no-merge --parts "$M/parts" --files-from "$M/files.list"
mrow pan "analysis: rootlens-parallel -j 2 --no-merge"
mapfile -t mfiles <"$M/files.list"
timed pan1 "$ROOTLENS" analyze -q -j 2 -o /dev/null "${mfiles[@]}"
mrow pan1 "analysis: one rootlens analyze -j 2 of all $NPART"
psz=$(cat "$M"/parts/*.json | wc -c)
timed tree1 "$RP" -q -j 1 --merge-only --parts "$M/parts" --files-from "$M/files.list" -o "$M/tree.json"
mrow tree1 "tree merge: rootlens-parallel -j 1 --merge-only"
timed tree2 "$RP" -q -j 2 --merge-only --parts "$M/parts" --files-from "$M/files.list" -o "$M/tree.json"
mrow tree2 "tree merge: rootlens-parallel -j 2 --merge-only"
timed flat "$ROOTLENS" merge -o "$M/flat.json" "$M"/parts/*.json
mrow flat "flat: one rootlens merge of all $NPART"
"$RP" -j 2 --merge-only --parts "$M/parts" --files-from "$M/files.list" -o "$M/tree.json" 2>&1 |
	sed 's/^/  /'
echo "  partials: $((psz / NPART / 1000)) kB on average; merged document $(($(wc -c <"$M/tree.json") / 1000)) kB"
if python3 tests/e2e/split_compare.py "$M/flat.json" "$M/tree.json" >/dev/null; then
	echo "  the tree's document equals the flat merge's (split_compare.py)"
else
	echo "  NOTE: the tree's document differs from the flat merge's (split_compare.py)"
fi
echo "  tree merge -j 2 / analysis of the same captures (-j 2) = $(ratio tree2 pan)"
awk -v m="$T_tree2" -v n="$NPART" -v f="$per_file_ns" -v p="$NP" 'BEGIN {
	printf "  tree merge per partial: %.1f ms; analysis of one %d-packet capture (part 1, -j 1): %.0f ms; ratio %.3f\n",
		m / n / 1e6, p, f / 1e6, (m / n) / f
}'
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
