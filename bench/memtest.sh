#!/usr/bin/env bash
# bench/memtest.sh - rootlens analyze in bounded memory on millions of
# distinct sources (issue 3, "Bounded memory").
#
# Generates once (cached under build/bench/) a capture in which every
# query comes from a new source (gencap -u), runs
#   rootlens analyze -j 1 --interval 60
# on it, and reports its peak RSS (GNU time %M) and its unique_sources
# estimates against the generator's exact counts:
#   ipv4     against gencap's sources_v4
#   ipv6     against gencap's sources_v6
#   ipv6_64  against sources_v6 as well: under -u each IPv6 source gets
#            its own /48 (a bijection of the source index), so the
#            distinct /64s are exactly the distinct IPv6 sources
# Targets: peak RSS < 256 MiB; each estimate within 1 % of the count.
#
# It reports and never asserts: exit 0 whatever the figures, 1 when a
# tool fails, 2 on setup errors. Run by bench/run.sh (make bench) at the
# end, or alone: bench/memtest.sh, or bench/run.sh --mem.
#
# Environment:
#   MEM_PACKETS  packets (default 11000000: about 5.2 M distinct sources)
#   MEM_SEED     generator seed (default 1)
#   MEM_RATE     packets per second of the capture (default 50000, as
#                gencap; the capture then spans MEM_PACKETS/MEM_RATE s)
#   ROOTLENS     the binary (default ./rootlens)
#   BUILD        build directory (default build)
set -u
cd "$(dirname "$0")/.." || exit 2

BUILD=${BUILD:-build}
B=$BUILD/bench
NPKTS=${MEM_PACKETS:-11000000}
SEED=${MEM_SEED:-1}
RATE=${MEM_RATE:-50000}
ROOTLENS=${ROOTLENS:-./rootlens}
CC=${CC:-cc}
MIB_TARGET=256
ERR_TARGET=1

die() { echo "memtest: $*" >&2; exit 2; }

[ -x "$ROOTLENS" ] || die "$ROOTLENS not found (run 'make rootlens')"
[ -x /usr/bin/time ] || die "GNU time (/usr/bin/time) is needed for peak RSS"
command -v python3 >/dev/null || die "python3 is needed to read the JSON"

mkdir -p "$B/out"
if [ ! -x "$B/gencap" ] || [ bench/gencap.c -nt "$B/gencap" ]; then
	echo "memtest: building $B/gencap"
	$CC -std=c11 -O2 -Wall -Wextra -Werror -D_DEFAULT_SOURCE \
		-o "$B/gencap" bench/gencap.c -lm || die "cannot build gencap"
fi

# Cached like run.sh's captures: the key is the generator's checksum.
# Plain pcap (about 3.4 GB for 11 M packets): gzip -6 of it would take
# minutes, and the test is about memory, not inflate.
key=$(cksum <bench/gencap.c | cut -d' ' -f1)
CAP=$B/mem-u-n$NPKTS-s$SEED-r$RATE-$key.pcap
COUNTS=$CAP.counts
if [ -s "$CAP" ] && [ -s "$COUNTS" ]; then
	echo "memtest: using cached $CAP"
else
	rm -f "$B"/mem-u-n*.pcap "$B"/mem-u-n*.pcap.counts
	echo "memtest: generating $NPKTS packets, every query from a new source (gencap -u, seed $SEED)"
	t0=$(date +%s)
	"$B/gencap" -u -n "$NPKTS" -s "$SEED" -r "$RATE" -o "$CAP.tmp" \
		-c "$COUNTS.tmp" 2>/dev/null || die "gencap failed"
	mv "$CAP.tmp" "$CAP" && mv "$COUNTS.tmp" "$COUNTS"
	echo "memtest: generated in $(($(date +%s) - t0)) s"
fi

count() { sed -n "s/^$1=//p" "$COUNTS"; }
PKTS=$(count packets)

json=$B/out/memtest.json
tf=$B/out/memtest.time
err=$B/out/memtest.err
echo
echo "memory test: $PKTS packets, $(count sources) distinct sources" \
	"($(count sources_v4) IPv4, $(count sources_v6) IPv6), $(du -m "$CAP" | cut -f1) MiB plain pcap"
echo "  load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  command: $ROOTLENS analyze -j 1 --interval 60 --quiet -o $json $CAP"
t0=$(date +%s%N)
/usr/bin/time -f '%M' -o "$tf" "$ROOTLENS" analyze -j 1 --interval 60 \
	--quiet -o "$json" "$CAP" 2>"$err"
rc=$?
t1=$(date +%s%N)
echo "  load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
if [ $rc -ne 0 ]; then
	echo "  rootlens analyze FAILED (exit $rc), see $err"
	exit 1
fi
rss=$(tail -n 1 "$tf")

python3 - "$json" "$COUNTS" "$rss" "$((t1 - t0))" "$PKTS" \
	"$MIB_TARGET" "$ERR_TARGET" <<'EOF'
import json, sys
path, counts, rss_kib, ns, pkts, mib_target, err_target = sys.argv[1:]
exact = {}
for line in open(counts):
    k, _, v = line.strip().partition("=")
    exact[k] = v
doc = json.load(open(path))
us = doc["totals"]["unique_sources"]
s = int(ns) / 1e9
mib = int(rss_kib) / 1024
mib_target, err_target = float(mib_target), float(err_target)
print(f"  time {s:.2f} s ({int(pkts) / s:,.0f} packets/s), "
      f"{len(doc.get('series', []))} intervals of {doc.get('interval')} s")
print(f"  peak RSS {mib:.1f} MiB (target < {mib_target:.0f} MiB): "
      + ("ok" if mib < mib_target else "MISSED"))
print(f"  {'unique_sources':<16} {'estimate':>10} {'exact':>10} {'error %':>9}"
      f"   (target <= {err_target:g} %)")
rows = [("ipv4", "sources_v4"), ("ipv6", "sources_v6"),
        ("ipv6_64", "sources_v6")]
est_total = 0
for key, ck in rows:
    est, ex = us.get(key), int(exact[ck])
    if est is None:
        print(f"  {key:<16} {'missing':>10} {ex:>10}")
        continue
    if key != "ipv6_64":
        est_total += est
    e = 100 * (est - ex) / ex
    print(f"  {key:<16} {est:>10} {ex:>10} {e:>+9.3f}   "
          + ("ok" if abs(e) <= err_target else "MISSED"))
ex = int(exact["sources"])
e = 100 * (est_total - ex) / ex
print(f"  {'ipv4+ipv6':<16} {est_total:>10} {ex:>10} {e:>+9.3f}   "
      + ("ok" if abs(e) <= err_target else "MISSED"))
EOF
[ $? -eq 0 ] || { echo "  cannot read $json"; exit 1; }

# A DITL window is 48 hours: the series grows with the intervals, so the
# peak is measured on one too (3.5 M packets at 20/s, one-minute intervals).
LONG=$B/mem48h-s7-$key.pcap
if [ ! -s "$LONG" ]; then
	echo "memtest: generating a 48-hour capture (3.5 M packets at 20/s)"
	"$B/gencap" -n 3500000 -r 20 -S 500000 -s 7 -o "$LONG.tmp" 2>/dev/null &&
		mv "$LONG.tmp" "$LONG" || die "gencap failed"
fi
ljson=$B/out/memtest48h.json
lres=$(/usr/bin/time -f '%e %M' "$ROOTLENS" analyze -j 1 --interval 60 --quiet \
	-o "$ljson" "$LONG" 2>&1 >/dev/null | tail -n 1)
python3 - "$ljson" "$lres" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
secs, kib = sys.argv[2].split()
mib = int(kib) / 1024
print(f"48-hour window: {d['start']} .. {d['end']}, {len(d['series'])} intervals "
      f"of 60 s, {secs} s")
print(f"  peak RSS {mib:.1f} MiB (target < 256 MiB): "
      + ("ok" if mib < 256 else "MISSED"))
EOF
exit 0
