#!/usr/bin/env bash
# bench/capture.sh - the highest packet rate `rootlens capture` records
# with zero drops, beside tcpdump -w on the same link.
#
# A real DNS capture (datasets/root-dnsperf-udp.pcap.gz: knotd answering
# four dnsperf clients, UDP over v4 and v6 with IP fragments, 3487 frames
# of 370 bytes on average; the one frame the default filter would not
# take is left out) is replayed in a loop by `tcpreplay --pps R` into one
# end of a veth pair; the other end is in a second network namespace where
# the recorder runs.  Nothing leaves the two namespaces this script makes.
#
# A run is zero-drop when the recorder holds every packet tcpreplay sent
# and reports no drop:
#   rootlens capture: the manifests' packets add up to tcpreplay's
#     "Actual: N packets", their drops (kernel, interface, application)
#     are all 0, and it exits 0;
#   tcpdump -w (plain pcap, no compression): "N packets captured" equals
#     what was sent and "dropped by kernel" (and "by interface") is 0.
# Both get the same kernel buffer (64 MiB: rootlens's default, tcpdump -B),
# the same filter (rootlens's default), and write to the same tmpfs.
#
# For each recorder the rate is searched between BENCH_CAPTURE_MIN and
# BENCH_CAPTURE_MAX packets/s: the top first, then the bottom, then
# geometric bisection between the best zero-drop rate and the lowest rate
# with loss, down to a 15 % step (at most 8 runs); a run lasts
# BENCH_CAPTURE_SECS.  Rates are the ones tcpreplay achieved (its "Rated:
# ... pps"), which on a small or busy machine fall short of the asked ones
# near its limit (the line "tcpreplay alone" shows that limit); a recorder
# that lost nothing even there is marked ">=": the sender was the limit.
# Results depend on the load of the machine (tcpreplay busy-waits on one
# core, the veth's receive path runs on the sender's core, the recorder's
# threads share the two): run it on a quiet machine.
#
# Target: 200,000 packets/s with zero drops at gzip level 1 (2 cores).
#
# Environment:
#   ROOTLENS             the binary (default ./rootlens)
#   BENCH_CAPTURE_PCAP   the capture to replay (default the one above)
#   BENCH_CAPTURE_SECS   seconds per run (default 5)
#   BENCH_CAPTURE_MIN    lowest rate tried (default 50000)
#   BENCH_CAPTURE_MAX    highest rate tried (default 400000)
#   BENCH_CAPTURE_LEVELS gzip levels measured with zlib (default "1 6")
#   BENCH_CAPTURE_ISAL_LEVELS  levels measured with --gzip-engine isal
#                        (default "1"; empty: none)
#   BENCH_CAPTURE_BUDGET seconds after which no new run starts (default 270)
#   KEEP_WORK=1          keep the work dir (logs of every run)
#
# Needs root, tcpreplay, tcpdump, iproute2, python3. Exit status: 0; 1 when
# a recorder failed (crashed, wrote no manifest), 2 when it cannot run.
set -u
cd "$(dirname "$0")/.." || exit 2
export LC_ALL=C

ROOTLENS=${ROOTLENS:-./rootlens}
case $ROOTLENS in /*) ;; *) ROOTLENS=$(pwd)/$ROOTLENS ;; esac
PCAP=${BENCH_CAPTURE_PCAP:-datasets/root-dnsperf-udp.pcap.gz}
SECS=${BENCH_CAPTURE_SECS:-5}
RMIN=${BENCH_CAPTURE_MIN:-50000}
RMAX=${BENCH_CAPTURE_MAX:-400000}
LEVELS=${BENCH_CAPTURE_LEVELS:-"1 6"}
ISAL_LEVELS=${BENCH_CAPTURE_ISAL_LEVELS-"1"}
BUDGET=${BENCH_CAPTURE_BUDGET:-270}
TARGET=200000
FILTER='port 53 or (ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] == 44)'
BUF_MIB=64
T0=${EPOCHREALTIME%.*}

die() { echo "bench/capture: $*" >&2; exit 2; }

[ "$(id -u)" = 0 ] || die "must run as root (network namespaces, live capture)"
for c in ip tcpreplay tcpdump python3 gzip; do
	command -v "$c" >/dev/null 2>&1 || die "missing command: $c"
done
[ -x "$ROOTLENS" ] || die "$ROOTLENS not found (run make)"
[ -r "$PCAP" ] || die "no capture to replay: $PCAP"

TX=rl-bcap-tx-$$
RX=rl-bcap-rx-$$
VT=rlbt$$
VR=rlbr$$
W=$(mktemp -d "${TMPDIR:-/tmp}/rootlens-bench-capture.XXXXXX") || die "mktemp"
chmod 755 "$W"
OUT=$W/out # a tmpfs: the recorders write to memory, the disk is no factor
PID=

cleanup() {
	local p ns
	if [ -n "$PID" ]; then kill "$PID" 2>/dev/null; sleep 0.5; kill -9 "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; fi
	for ns in "$TX" "$RX"; do
		ip netns list 2>/dev/null | grep -qw "^$ns" || continue
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
		sleep 0.2
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	mountpoint -q "$OUT" 2>/dev/null && umount "$OUT"
	if [ -n "${KEEP_WORK:-}" ]; then echo "bench/capture: work dir kept: $W" >&2; else rm -rf "$W"; fi
}
trap 'st=$?; cleanup; exit $st' EXIT
trap 'exit 130' INT TERM HUP

# ---- setup ---------------------------------------------------------------

# the replayed frames: those the default filter takes (all but one)
case $PCAP in *.gz) gzip -dc "$PCAP" >"$W/in.pcap" ;; *) cp "$PCAP" "$W/in.pcap" ;; esac
tcpdump -r "$W/in.pcap" -w "$W/replay.pcap" "$FILTER" 2>/dev/null || die "cannot filter $PCAP"
NFRAMES=$(tcpdump -r "$W/replay.pcap" -n 2>/dev/null | wc -l)
[ "$NFRAMES" -gt 0 ] || die "no frames to replay in $PCAP"

mkdir -p "$OUT"
mount -t tmpfs -o size=3g,mode=0755 rl-bcap "$OUT" || die "cannot mount a tmpfs on $OUT"
ip netns add "$TX" || die "cannot create a network namespace"
ip netns add "$RX" || die "cannot create a network namespace"
ip link add "$VT" netns "$TX" type veth peer name "$VR" netns "$RX" || die "cannot create a veth pair"
for x in "$TX $VT" "$RX $VR"; do
	set -- $x
	ip -n "$1" link set lo up
	# no addresses, no IPv6: the link carries the replayed frames only
	ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
	ip -n "$1" link set "$2" mtu 9000 up
done

now() { echo "$EPOCHREALTIME"; }
sleep_until() {
	local d
	d=$(awk -v t="$1" -v n="$EPOCHREALTIME" 'BEGIN { d = t - n; printf "%.3f", (d > 0 ? d : 0) }')
	sleep "$d"
}
# stop_pid: SIGTERM the recorder, wait up to 20 s, then SIGKILL; sets RC,
# and CPU (seconds of user + system time it used, all threads)
stop_pid() {
	local i
	CPU=$(awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$PID/stat" 2>/dev/null)
	kill -TERM "$PID" 2>/dev/null
	for ((i = 0; i < 200; i++)); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$PID" 2>/dev/null; then
		kill -9 "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
		RC=124
	else
		wait "$PID"
		RC=$?
	fi
	PID=
}
# replay RATE: tcpreplay RATE packets/s for SECS seconds; sets SENT, ACHIEVED
replay() {
	local rate=$1
	ip netns exec "$TX" tcpreplay -i "$VT" --pps "$rate" --limit $((rate * SECS)) --loop 0 \
		--preload-pcap "$W/replay.pcap" >"$W/tcpreplay.out" 2>&1
	SENT=$(sed -n 's/^Actual: \([0-9]*\) packets.*/\1/p' "$W/tcpreplay.out")
	ACHIEVED=$(sed -n 's/^Rated: .* \([0-9.]*\) pps.*/\1/p' "$W/tcpreplay.out")
	ACHIEVED=${ACHIEVED%.*}
	local failed
	failed=$(sed -n 's/.*Failed packets: *\([0-9]*\).*/\1/p' "$W/tcpreplay.out")
	if [ -z "$SENT" ] || [ -z "$ACHIEVED" ]; then
		echo "bench/capture: tcpreplay failed: $(tail -3 "$W/tcpreplay.out")" >&2
		SENT=0 ACHIEVED=0
	elif [ "${failed:-0}" != 0 ]; then
		echo "bench/capture: tcpreplay could not send $failed packets" >&2
	fi
}

# run_rootlens LEVEL RATE [ENGINE]: one run; sets OK (1 = zero drop), GOT, DROPS, DETAIL
run_rootlens() {
	local level=$1 rate=$2 engine=${3:-zlib} dir=$OUT/rl start
	rm -rf "$dir"
	mkdir -p "$dir" && chown 65534:65534 "$dir"
	start=$(( ${EPOCHREALTIME%.*} + 2 ))
	ip netns exec "$RX" "$ROOTLENS" capture -i "$VR" -o "$dir" --server bench --instance b \
		--gzip-engine "$engine" --gzip-level "$level" --rotate 3600 -B $BUF_MIB -q \
		--start "$(date -u -d "@$start" +%Y-%m-%dT%H:%M:%SZ)" >"$W/rl.out" 2>"$W/rl.err" &
	PID=$!
	sleep_until "$start.3"
	replay "$rate"
	sleep 1.5 # the last flush interval and the queue
	stop_pid
	read -r GOT DROPS NFILES BYTES DK DI DA ENGINE <<<"$(python3 - "$dir" <<'PY'
import glob, json, sys
got = n = size = 0
drops = {"kernel": 0, "interface": 0, "application": 0}
engine = "-"
for f in glob.glob(sys.argv[1] + "/*/*/*.pcap.gz.json"):
    m = json.load(open(f))
    n += 1
    got += m.get("packets") or 0
    size += m.get("file_bytes") or 0
    d = m.get("drops") or {}
    for k in drops:
        drops[k] += int(d.get(k) or 0)
    engine = str(m.get("gzip_engine") or "-")
print(got, sum(drops.values()), n, size, drops["kernel"], drops["interface"], drops["application"], engine)
PY
)"
	OK=0
	[ "$RC" = 0 ] && [ "$NFILES" -gt 0 ] && [ "$DROPS" = 0 ] && [ "$GOT" = "$SENT" ] && [ "$SENT" -gt 0 ] && OK=1
	DETAIL="captured $GOT, drops $DROPS (kernel $DK, interface $DI, application $DA), exit $RC, cpu ${CPU:-?} s, $NFILES file(s) $((BYTES / 1048576)) MiB ($ENGINE)"
	if [ "$NFILES" = 0 ] || { [ "$RC" != 0 ] && [ "$RC" != 124 ]; }; then
		DETAIL="$DETAIL; stderr: $(tail -c 300 "$W/rl.err" | tr '\n' ' ')"
		status=1
	fi
	[ "$RC" = 124 ] && DETAIL="$DETAIL (did not stop within 20 s of SIGTERM)" && status=1
	rm -rf "$dir"
}

# run_tcpdump RATE: one run of tcpdump -w, plain pcap
run_tcpdump() {
	local rate=$1 f=$OUT/tcpdump.pcap n
	rm -f "$f"
	ip netns exec "$RX" tcpdump -i "$VR" -s 0 -B $((BUF_MIB * 1024)) -n -Z root -w "$f" "$FILTER" \
		>"$W/td.out" 2>"$W/td.err" &
	PID=$!
	for ((n = 0; n < 100; n++)); do grep -qs 'listening on' "$W/td.err" && break; sleep 0.05; done
	replay "$rate"
	sleep 1.5
	stop_pid
	GOT=$(sed -n 's/^\([0-9]*\) packets captured.*/\1/p' "$W/td.err")
	local kd id
	kd=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$W/td.err")
	id=$(sed -n 's/^\([0-9]*\) packets dropped by interface.*/\1/p' "$W/td.err")
	DROPS=$(( ${kd:-0} + ${id:-0} ))
	OK=0
	[ -n "$GOT" ] && [ "$DROPS" = 0 ] && [ "$GOT" = "$SENT" ] && [ "$SENT" -gt 0 ] && OK=1
	DETAIL="captured ${GOT:-?}, dropped by kernel ${kd:-?}, by interface ${id:--}, exit $RC, cpu ${CPU:-?} s"
	rm -f "$f"
}

# ---- the search ------------------------------------------------------------

status=0
declare -A BEST LOSS RUNS
probe() { # probe CFG RATE: one run, printed; returns 0 when zero-drop
	local cfg=$1 rate=$2
	case $cfg in
	tcpdump) run_tcpdump "$rate" ;;
	isal*) run_rootlens "${cfg#isal}" "$rate" isal ;;
	*) run_rootlens "${cfg#gzip}" "$rate" ;;
	esac
	RUNS[$cfg]=$(( ${RUNS[$cfg]:-0} + 1 ))
	printf '  %-8s asked %7d pps, sent %8d at %7d pps: %s -> %s\n' "$cfg" "$rate" "$SENT" "$ACHIEVED" \
		"$DETAIL" "$([ $OK = 1 ] && echo zero-drop || echo LOSS)"
	if [ $OK = 1 ]; then
		[ -z "${BEST[$cfg]:-}" ] || [ "$ACHIEVED" -gt "${BEST[$cfg]}" ] && BEST[$cfg]=$ACHIEVED
		return 0
	fi
	[ -z "${LOSS[$cfg]:-}" ] || [ "$ACHIEVED" -lt "${LOSS[$cfg]}" ] && LOSS[$cfg]=$ACHIEVED
	return 1
}
over_budget() { [ $(( ${EPOCHREALTIME%.*} - T0 )) -ge "$BUDGET" ]; }
# search CFG: the top rate, the bottom one, then bisection on the rates
# tcpreplay achieved (it may fall short of the asked one): lo = the best
# zero-drop rate so far, hi = the lowest with loss; at most 8 runs.
search() {
	local cfg=$1 lo hi mid prev=
	probe "$cfg" "$RMAX" && return
	over_budget && return
	probe "$cfg" "$RMIN" || return
	while ! over_budget && [ "${RUNS[$cfg]}" -lt 8 ]; do
		lo=${BEST[$cfg]} hi=${LOSS[$cfg]}
		[ $((hi * 100)) -gt $((lo * 115)) ] || break
		mid=$(awk -v a="$lo" -v b="$hi" 'BEGIN { printf "%d", int(sqrt(a * b) / 5000 + 0.5) * 5000 }')
		{ [ "$mid" -le "$lo" ] || [ "$mid" -ge "$hi" ] || [ "$mid" = "$prev" ]; } && break
		prev=$mid
		probe "$cfg" "$mid"
	done
}

echo "bench/capture: $(nproc) CPU, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "replaying $PCAP: $NFRAMES frames, $(( $(stat -c %s "$W/replay.pcap") / NFRAMES - 16 )) bytes on average, looped"
echo "runs of $SECS s, rates $RMIN..$RMAX packets/s asked of tcpreplay $(tcpreplay --version 2>&1 | sed -n '1s/^tcpreplay version: //p')"
echo "kernel buffer $BUF_MIB MiB each; output on a tmpfs"
# the sender alone, nobody capturing: what tcpreplay can do here
replay "$RMAX" >/dev/null
echo "tcpreplay alone (nothing capturing), asked $RMAX: $ACHIEVED packets/s"
CFGS=()
for l in $LEVELS; do CFGS+=("gzip$l"); done
for l in $ISAL_LEVELS; do CFGS+=("isal$l"); done
CFGS+=(tcpdump)
for cfg in "${CFGS[@]}"; do
	if over_budget; then echo "  $cfg: skipped, time budget (${BUDGET}s) spent"; continue; fi
	search "$cfg"
done

# ---- the table -------------------------------------------------------------

# fmt CFG: the highest zero-drop rate; ">=" when no run lost anything
# (the sender, not the recorder, was the limit)
fmt() {
	local b=${BEST[$1]:-}
	if [ -z "$b" ]; then
		[ -n "${RUNS[$1]:-}" ] && echo "< ${LOSS[$1]:-$RMIN}" || echo "n/a"
	elif [ -z "${LOSS[$1]:-}" ]; then
		echo ">= $b"
	else
		echo "$b"
	fi
}
# ratio CFG: its zero-drop rate / tcpdump's ("<=" when only tcpdump's is a
# lower bound, ">=" when only CFG's is, "~" when both are)
ratio() {
	local a=${BEST[$1]:-} b=${BEST[tcpdump]:-} p=
	{ [ -z "$a" ] || [ -z "$b" ]; } && { echo n/a; return; }
	case "$(fmt "$1")|$(fmt tcpdump)" in
	">="*"|>="*) p="~" ;;
	*"|>="*) p="<= " ;;
	">="*) p=">= " ;;
	esac
	awk -v a="$a" -v b="$b" -v p="$p" 'BEGIN { printf "%s%.2f", p, a / b }'
}
echo
echo "highest zero-drop rate (packets/s actually sent; '>=': no run lost anything, the sender was the limit)"
printf '  %-28s %14s %14s %6s %s\n' recorder "zero-drop pps" "loss from pps" runs "vs tcpdump"
for cfg in "${CFGS[@]}"; do
	case $cfg in
	tcpdump) name="tcpdump -w (plain pcap)" ;;
	isal*) name="rootlens capture, isal ${cfg#isal}" ;;
	*) name="rootlens capture, zlib ${cfg#gzip}" ;;
	esac
	r=$(ratio "$cfg")
	printf '  %-28s %14s %14s %6s %s\n' "$name" "$(fmt "$cfg")" "${LOSS[$cfg]:--}" "${RUNS[$cfg]:-0}" \
		"$([ "$cfg" = tcpdump ] && echo 1.00 || echo "$r")"
done
echo
b1=${BEST[gzip1]:-0}
echo "rootlens capture, gzip 1: $(fmt gzip1) packets/s with zero drops (target >= $TARGET): $([ "$b1" -ge $TARGET ] && echo met || echo NOT met)"
for cfg in "${CFGS[@]}"; do
	[ "$cfg" = tcpdump ] && continue
	echo "ratio rootlens $cfg / tcpdump -w zero-drop rate = $(ratio "$cfg")"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); $(( ${EPOCHREALTIME%.*} - T0 )) s"
exit $status
