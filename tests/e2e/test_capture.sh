#!/bin/sh
# test_capture.sh - `rootlens capture`, end to end, against real DNS software.
#
# knotd serves a small signed root-like zone (plus a 3 kB TXT RRset at
# `big.`, so that UDP answers fragment at the link's 1280-byte MTU) in one
# network namespace; dnsperf (UDP, v4 and v6), dig and kdig (TCP, big
# fragmented answers, queries from several source addresses) query it from
# a second one over a veth pair.  `rootlens capture` runs on the server's
# end of the link, beside tcpdump with the same filter, which is the
# reference: whatever tcpdump recorded in a capture's time span must be in
# the capture's archive, byte for byte.  tshark is the oracle for frame
# counts and times and for DNS messages; capture_check.py reads the gzip
# members and pcap records itself.  The checks, in order of the output:
#
#  0. command line: --help exits 0; usage errors exit 2 (they name a device
#     that does not exist, so an option wrongly accepted ends in exit 3,
#     never in a capture); a missing device or an output directory that
#     cannot be made exit 3; an unknown --user exits 3 (or 2).
#  1. archive: --start T --duration 12 --rotate 5 --flush 1 --server
#     test.root --instance lab1.  Files named by their period start, the
#     first at T, the others on multiples of 5 s, periods contiguous up to
#     T+12; no .part left; each manifest against tshark (packets,
#     bytes_captured, first/last packet), sha256sum, the file size, the
#     pcap header (linktype, snaplen), gzip members (offsets hold 1f 8b 08,
#     equal the members the file has, each starts at a pcap record, their
#     packets and first_packet), drops all 0, closed_by rotation / window
#     end, every packet inside its file's period, about one member per
#     flush; the archive holds exactly tcpdump's frames of the window
#     (bytes compared) and tshark finds the same DNS messages (transport,
#     addresses, ports, id) in both, including TCP and v4/v6 fragments;
#     `rootlens analyze` takes server and instance from the manifests.
#  2. SIGTERM mid-file (default instance: the host name, --stats-interval
#     1): exit 0, the file renamed, closed_by "signal", tshark reads it,
#     packets up to the signal, one stats line a second on stderr.
#  3. SIGHUP x3 (--phase p1): each starts a new file at once, within the
#     same rotate period, the one before closed_by "hup"; the last two
#     within one second, so the later file gets the -N suffix; nothing lost
#     across the switches.
#  4. kill -9 while traffic flows: the .part file left reads cleanly in
#     `rootlens decode` and tshark, ends at a whole gzip member, and holds
#     every packet tcpdump saw up to 2 s (two flush intervals) before the
#     kill.
#  5. disk full: --out on a 1 MiB tmpfs under traffic: exit 1, stderr names
#     the error, the last file renamed and readable, its manifest (if there
#     was room for it) has "error" and closed_by "error", the earlier files
#     undamaged (sha256 as in their manifests).
#  6. privilege drop: /proc/PID/status of the running capture shows uid
#     and gid 65534 (nobody) real, effective, saved and fs, no root group;
#     the files are owned by nobody.
#  7. anonymization: --anonymize truncate --anon-bits 24/48 (ended by
#     --end): no address used on the link appears, each one is its /24 or
#     /48 prefix; --anonymize cryptopan, two instances with the same key
#     (raw and hex key files): each address mapped alike in both,
#     prefix-preserving (as many common leading bits after as before, for
#     every pair), none of the originals; apart from addresses and
#     checksums every frame is tcpdump's and none is missing; checksums
#     right: tshark's IP/UDP/TCP checks, and this script's own (UDP/TCP of
#     whole datagrams, IPv4 headers, UDP of reassembled fragments, and
#     crafted queries whose UDP checksum becomes 0 after truncation: it
#     must be sent as 0xffff).
#  8. -f 'udp and port 53' (ORed with the fragment clause) with -s 256, and
#     with --no-fragments (on two interfaces: -i twice, the second lo,
#     stopped by SIGINT): exactly the frames `tcpdump -r` picks from the
#     reference with the same filter, cut to the snaplen; the manifest's
#     filter and interfaces.
#
# Every scenario but 5 runs in one 12-second traffic window (the captures
# side by side on one interface); 5 runs after it.  About 50 s (also
# under ASan).  Times: each packet socket stamps frames itself, so
# tcpdump's and the capture's times of a frame differ by microseconds;
# frames are matched by their bytes, and frames within 1 ms of a span's
# ends are not required.
# Needs root (namespaces, capture), knotd, dnsperf, dig, kdig, tcpdump, ip,
# tshark, mergecap, python3; SKIPs without them.  Cleans up namespaces,
# processes, the tmpfs and its temp dir on every exit path.
#
# Environment: ROOTLENS (default ./rootlens); KEEP_WORK=1 keeps the temp dir.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
export LC_ALL=C PYTHONDONTWRITEBYTECODE=1
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
R=${ROOTLENS:-./rootlens}
case $R in /*) ;; *) R=$(pwd)/$R ;; esac
CHK=$here/capture_check.py
fails=0

ok() { echo "ok - $*"; }
fail() { echo "FAIL - $*"; fails=$((fails + 1)); }
skip() { echo "SKIP - $*"; }
note() { echo "note - $*"; }
# py ARGS...: capture_check.py, its ok/FAIL/note lines passed on
py() {
	local out
	out=$(python3 "$CHK" "$@" 2>&1)
	local r=$?
	printf '%s\n' "$out"
	fails=$((fails + $(printf '%s\n' "$out" | grep -c '^FAIL')))
	if [ $r -ne 0 ] && ! printf '%s\n' "$out" | grep -q '^FAIL'; then
		fail "capture_check.py $1 exited $r"
	fi
}

# pyjob LANE ARGS...: queue capture_check.py ARGS on lane A or B; pylanes
# runs the two lanes side by side (while the disk-full run goes on),
# pycollect prints the jobs' lines in the order they were queued.
PYN=0
pyjob() {
	local lane=$1
	shift
	PYN=$((PYN + 1))
	printf '%q ' python3 "$CHK" "$@" >"$T/pyjob-$PYN.cmd"
	echo "$PYN" >>"$T/lane-$lane"
}
pylanes() {
	local lane
	PYLANES=()
	for lane in A B; do
		[ -f "$T/lane-$lane" ] || continue
		(
			trap 'kill $c 2>/dev/null; exit 1' TERM
			while read -r n; do
				bash -c "$(cat "$T/pyjob-$n.cmd")" >"$T/pyjob-$n.out" 2>&1 &
				c=$!
				wait $c
				echo $? >"$T/pyjob-$n.rc"
			done <"$T/lane-$lane"
		) &
		PIDS+=($!) PYLANES+=($!)
	done
}
pycollect() {
	local p n out r
	for p in "${PYLANES[@]}"; do wait "$p"; done
	for ((n = 1; n <= PYN; n++)); do
		out=$(cat "$T/pyjob-$n.out" 2>/dev/null)
		r=$(cat "$T/pyjob-$n.rc" 2>/dev/null || echo none)
		printf '%s\n' "$out"
		fails=$((fails + $(printf '%s\n' "$out" | grep -c '^FAIL')))
		if [ "$r" != 0 ] && ! printf '%s\n' "$out" | grep -q '^FAIL'; then
			fail "capture_check.py exited $r: $(head -c 300 "$T/pyjob-$n.cmd")"
		fi
	done
}

if [ ! -x "$R" ]; then
	fail "rootlens binary $R is not executable (set ROOTLENS)"
	exit 1
fi

# ---- 0. command line (no privileges needed) ------------------------------

T=$(mktemp -d "${TMPDIR:-/tmp}/rootlens-capture.XXXXXX") || exit 1
chmod 755 "$T" # the capture runs as nobody and must reach its output dir
SRV=rl-cap-srv-$$
CLI=rl-cap-cli-$$
VS=rlcs$$
VC=rlcc$$
PIDS=()
FULL=$T/full

cleanup() {
	local p ns
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do
		# a capture stuck in the kernel: give it a second, then -9
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for ns in "$SRV" "$CLI"; do
		ip netns list 2>/dev/null | grep -qw "^$ns" || continue
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
		sleep 0.2
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	mountpoint -q "$FULL" 2>/dev/null && umount "$FULL"
	if [ -n "${KEEP_WORK:-}" ]; then
		echo "note - work dir kept: $T" >&2
	else
		rm -rf "$T"
	fi
}
trap 'st=$?; cleanup; exit $st' EXIT
trap 'exit 130' INT TERM HUP

# run ARGS...: rootlens with stdout, stderr, status in $T/out, $T/err, $rc
# (a capture that wrongly accepts its options is stopped after 10 s)
run() { timeout -s KILL 10 "$R" "$@" >"$T/out" 2>"$T/err"; rc=$?; }
expect_rc() { # expect_rc WANT DESC ARGS...
	local want=$1 desc=$2
	shift 2
	run "$@"
	if [ "$rc" = "$want" ]; then ok "$desc: exit $want"; else fail "$desc: exit $rc, expected $want ($(head -c 300 "$T/err"))"; fi
}

run capture --help
if [ "$rc" = 0 ] && [ -s "$T/out" ] && grep -q -- '--interface' "$T/out"; then
	ok "capture --help exits 0 and describes the options"
else
	fail "capture --help: exit $rc, stdout $(wc -c <"$T/out") bytes ($(head -c 300 "$T/err"))"
fi
# usage errors name a device that does not exist: an option wrongly
# accepted then fails at the device (exit 3) rather than capturing anything
O="-o $T/cli-out"
NI="-i rl-no-such-if0"
expect_rc 2 "capture without options" capture
expect_rc 2 "capture without -i" capture --server s $O --duration 1
expect_rc 2 "capture without --server" capture $NI $O --duration 1
expect_rc 2 "capture without -o" capture $NI --server s --duration 1
expect_rc 2 "capture --no-such-option" capture $NI --server s $O --no-such-option
expect_rc 2 "capture --gzip-level 0" capture $NI --server s $O --gzip-level 0
expect_rc 2 "capture --gzip-level 10" capture $NI --server s $O --gzip-level 10
expect_rc 2 "capture --duration 12parsecs" capture $NI --server s $O --duration 12parsecs
expect_rc 2 "capture --start 'tomorrow'" capture $NI --server s $O --start tomorrow
expect_rc 2 "capture --rotate five" capture $NI --server s $O --rotate five
expect_rc 2 "capture --anonymize scramble" capture $NI --server s $O --anonymize scramble
expect_rc 2 "capture --snaplen lots" capture $NI --server s $O --snaplen lots
[ -e "$T/cli-out" ] && fail "a usage error created the output directory $T/cli-out"

# ---- privileges and tools --------------------------------------------------

if [ "$(id -u)" != 0 ]; then
	skip "capture: not root (network namespaces and live capture need root)"
	exit 0
fi
missing=
for c in ip knotd kdig dig dnsperf tcpdump tshark mergecap python3 gzip mountpoint; do
	command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
done
if [ -n "$missing" ]; then
	skip "capture: missing command(s):$missing"
	exit 0
fi
if ! ip netns add "$SRV" 2>"$T/err"; then
	skip "capture: cannot create a network namespace: $(cat "$T/err")"
	exit 0
fi
ip netns add "$CLI"

# fatal errors: exit 3 (in the server namespace, whose lo exists)
srv() { ip netns exec "$SRV" "$@"; }
cli() { ip netns exec "$CLI" "$@"; }
run_srv() { ip netns exec "$SRV" "$R" "$@" >"$T/out" 2>"$T/err"; rc=$?; }
run_srv capture -i rl-no-such-if0 --server s -o "$T/cli-out3" --duration 1 -q
[ "$rc" = 3 ] && ok "capture -i <no such device>: exit 3" ||
	fail "capture -i <no such device>: exit $rc, expected 3 ($(head -c 300 "$T/err"))"
run_srv capture -i lo --server s -o /proc/rootlens-cannot-be-made --duration 1 -q
[ "$rc" = 3 ] && ok "capture -o <not creatable>: exit 3" ||
	fail "capture -o <not creatable>: exit $rc, expected 3 ($(head -c 300 "$T/err"))"
run_srv capture -i lo --server s -o "$T/cli-out4" --duration 1 -q --user rl-no-such-user
case $rc in
2 | 3) ok "capture --user <no such user>: exit $rc" ;;
*) fail "capture --user <no such user>: exit $rc, expected 3 (or 2) ($(head -c 300 "$T/err"))" ;;
esac

# ---- the link, the server ------------------------------------------------

SRV4=198.18.0.1 CLI4=198.18.0.2 SRV6=fd00:5e::1 CLI6=fd00:5e::2
# more client addresses for the anonymization checks: same /24 as the
# others (.3 shares 30 bits with .2, .130 shares 24), same /64 (::3 shares
# 126 bits with ::2, ::8000:0:0:2 shares 64)
CLI4B=198.18.0.3 CLI4C=198.18.0.130 CLI6B=fd00:5e::3 CLI6C=fd00:5e::8000:0:0:2
MARKERS="a2=$CLI4,a3=$CLI4B,a130=$CLI4C,b2=$CLI6,b3=$CLI6B,b8000=$CLI6C"
FILTER='port 53 or (ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] == 44)'
NOBODY=65534

ip link add "$VS" netns "$SRV" type veth peer name "$VC" netns "$CLI" || {
	fail "cannot create a veth pair"
	exit 1
}
for ns in "$SRV" "$CLI"; do
	if [ "$ns" = "$SRV" ]; then dev=$VS a4=$SRV4 a6=$SRV6; else dev=$VC a4=$CLI4 a6=$CLI6; fi
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.accept_dad=0"
	ip -n "$ns" link set "$dev" mtu 1280
	ip -n "$ns" addr add "$a4/24" dev "$dev"
	ip -n "$ns" addr add "$a6/64" dev "$dev" nodad
	# checksums computed in software (the anonymizer's must stay right),
	# MSS-sized TCP segments as on a wire
	ip netns exec "$ns" ethtool -K "$dev" tx off tso off gso off gro off >/dev/null 2>&1
	ip -n "$ns" link set "$dev" up
done
for a in "$CLI4B" "$CLI4C"; do ip -n "$CLI" addr add "$a/24" dev "$VC"; done
for a in "$CLI6B" "$CLI6C"; do ip -n "$CLI" addr add "$a/64" dev "$VC" nodad; done

K=$T/knot
mkdir -p "$K/db" "$K/run"
{
	echo '$ORIGIN .'
	echo '$TTL 86400'
	echo '. SOA a.root-servers.net. nstld.verisign-grs.com. 2024010100 1800 900 604800 86400'
	n=0
	for i in a b c; do
		n=$((n + 1))
		echo ". NS $i.root-servers.net."
		echo "$i.root-servers.net. A 192.0.2.$n"
		echo "$i.root-servers.net. AAAA 2001:db8:53::$n"
	done
	n=0
	for t in com net org de nl uk jp br arpa io; do
		n=$((n + 1))
		for s in a b; do
			echo "$t. 172800 NS $s.nic.$t."
			echo "$s.nic.$t. 172800 A 198.51.100.$n"
			echo "$s.nic.$t. 172800 AAAA 2001:db8:$n::53"
		done
	done
	# 12 x 250 bytes: a 3.2 kB answer, three fragments at MTU 1280
	for i in 1 2 3 4 5 6 7 8 9 10 11 12; do printf 'big. TXT "%0250d"\n' "$i"; done
} >"$K/root.zone"
cat >"$K/knot.conf" <<EOF
server:
    rundir: "$K/run"
    listen: [ $SRV4@53, $SRV6@53 ]
    udp-max-payload: 4096
log:
  - target: stderr
    any: warning
database:
    storage: "$K/db"
template:
  - id: default
    storage: "$K"
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: .
    file: root.zone
    dnssec-signing: on
EOF
ip netns exec "$SRV" knotd -c "$K/knot.conf" >"$T/knotd.log" 2>&1 &
PIDS+=($!)
KNOTD=$!
for a in "$SRV4" "$SRV6"; do
	n=0
	until cli kdig @"$a" . SOA +dnssec +time=1 +retry=0 2>/dev/null | grep -q RRSIG; do
		n=$((n + 1))
		if ! kill -0 "$KNOTD" 2>/dev/null || [ $n -ge 50 ]; then
			fail "knotd not answering on $a: $(head -c 500 "$T/knotd.log")"
			exit 1
		fi
		sleep 0.2
	done
done

# query list for dnsperf: referrals, NXDOMAIN junk, apex, big answers
for i in $(seq 1 1000); do
	case $((i % 10)) in
	0) echo "big TXT" ;;
	1) echo ". DNSKEY" ;;
	2) echo "qx$i A" ;;
	3) echo "com DS" ;;
	4) echo ". NS" ;;
	*) echo "www.ex$i.com A" ;;
	esac
done >"$T/queries.txt"

# ---- helpers -------------------------------------------------------------

now() { echo "$EPOCHREALTIME"; }
sleep_until() { # sleep_until EPOCH (float seconds)
	local d
	d=$(awk -v t="$1" -v n="$EPOCHREALTIME" 'BEGIN { d = t - n; printf "%.3f", (d > 0 ? d : 0) }')
	sleep "$d"
}
# capstart NAME OUTDIR ARGS...: rootlens capture in the server namespace
# (ip netns exec execs it: $! is the capture itself), output dir made
# beforehand and owned by nobody, as an operator would.
capstart() {
	local name=$1 dir=$2
	shift 2
	mkdir -p "$dir" && chown "$NOBODY:$NOBODY" "$dir"
	ip netns exec "$SRV" "$R" capture -i "$VS" -o "$dir" "$@" >"$T/$name.out" 2>"$T/$name.err" &
	local pid=$!
	PIDS+=($pid)
	eval "P_$name=$pid"
}
# capwait NAME DEADLINE: wait for capture NAME to exit until DEADLINE
# (epoch); sets RC_NAME (124 when it had to be killed).
capwait() {
	local name=$1 deadline=$2 pid r
	eval "pid=\$P_$name"
	while kill -0 "$pid" 2>/dev/null; do
		if awk -v t="$deadline" -v n="$EPOCHREALTIME" 'BEGIN { exit !(n > t) }'; then
			kill -9 "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			eval "RC_$name=124"
			return
		fi
		sleep 0.1
	done
	{ wait "$pid"; } 2>/dev/null # no "Killed" notice for the kill -9 run
	r=$?
	eval "RC_$name=$r"
}
errtail() { tail -c 400 "$T/$1.err" | tr '\n' ' '; }

# traffic DURATION QPS4 QPS6: dnsperf over v4 and v6, and a loop of dig/kdig
# (TCP, big fragmented answers, marker queries from every client address)
traffic() {
	local dur=$1
	TRAFFIC=()
	cli dnsperf -s "$SRV4" -d "$T/queries.txt" -c 4 -Q "$2" -l "$dur" -D -t 2 >"$T/dnsperf4.log" 2>&1 &
	PIDS+=($!) TRAFFIC+=($!)
	cli dnsperf -s "$SRV6" -d "$T/queries.txt" -c 2 -Q "$3" -l "$dur" -e -t 2 >"$T/dnsperf6.log" 2>&1 &
	PIDS+=($!) TRAFFIC+=($!)
	cli bash -c '
		end=$((SECONDS + '"$dur"'))
		q() { "$@" +time=1 >/dev/null 2>&1; }
		while [ $SECONDS -lt $end ]; do
			q kdig @'"$SRV4"' big. TXT +dnssec +bufsize=4096 +retry=0
			q kdig @'"$SRV6"' big. TXT +bufsize=4096 +retry=0
			q dig +tcp @'"$SRV4"' big. TXT +tries=1
			q kdig +tcp +keepopen @'"$SRV6"' . SOA . NS com DS +dnssec +retry=0
			q dig -b '"$CLI4"' @'"$SRV4"' a2.anon. A +notcp +tries=1
			q dig -b '"$CLI4B"' @'"$SRV4"' a3.anon. A +notcp +tries=1
			q dig -b '"$CLI4C"' @'"$SRV4"' a130.anon. A +notcp +tries=1
			q dig -b '"$CLI6"' @'"$SRV6"' b2.anon. AAAA +notcp +tries=1
			q dig -b '"$CLI6B"' @'"$SRV6"' b3.anon. AAAA +notcp +tries=1
			q dig -b '"$CLI6C"' @'"$SRV6"' b8000.anon. AAAA +notcp +tries=1
			sleep 0.2
		done' >/dev/null 2>&1 &
	PIDS+=($!) TRAFFIC+=($!)
	TRAFFIC_LOOP=$!
}

# ---- the traffic window: scenarios 1-4, 6, 7 -----------------------------

ip netns exec "$SRV" tcpdump -i "$VS" -s 0 -B 65536 -U -n -Z root -w "$T/tcpdump.pcap" "$FILTER" 2>"$T/tcpdump.err" &
PIDS+=($!)
TCPDUMP=$!
n=0
until grep -qs 'listening on' "$T/tcpdump.err"; do
	n=$((n + 1))
	if ! kill -0 $TCPDUMP 2>/dev/null || [ $n -ge 50 ]; then
		fail "tcpdump did not start: $(cat "$T/tcpdump.err")"
		exit 1
	fi
	sleep 0.1
done

S=$(( ${EPOCHREALTIME%.*} + 3 )) # window start: a whole second, 2-3 s ahead
DUR=12
traffic $((S + DUR + 1 - ${EPOCHREALTIME%.*})) 600 300
HOST=$(hostname)
START=$(date -u -d "@$S" +%Y-%m-%dT%H:%M:%SZ)

head -c 32 /dev/urandom >"$T/key.raw"
od -An -tx1 -v "$T/key.raw" | tr -d ' \n' >"$T/key.hex"
chmod 644 "$T/key.raw" "$T/key.hex"

capstart main "$T/a-main" --rotate 5 --start "$START" --duration $DUR --flush 1 \
	--server test.root --instance lab1 -q
capstart term "$T/a-term" --server test.root --stats-interval 1
capstart hup "$T/a-hup" --server test.root --instance h1 --phase p1 --rotate 3600 -q
capstart kill "$T/a-kill" --server test.root --instance k1 --flush 1 -q
capstart trunc "$T/a-trunc" --server test.root --instance t1 --anonymize truncate --anon-bits 24/48 -q \
	--end "$(date -u -d "@$((S + 8))" +%Y-%m-%dT%H:%M:%SZ)"
capstart cp1 "$T/a-cp" --server test.root --instance cp1 --anonymize cryptopan --key "$T/key.raw" -q
capstart cp2 "$T/a-cp" --server test.root --instance cp2 --anonymize cryptopan --key "$T/key.hex" -q
UF='udp and port 53'
capstart f1 "$T/a-f1" --server test.root --instance f1 -f "$UF" -s 256 -q
# f2 also on lo (silent): -i is repeatable; it is stopped by SIGINT
capstart f2 "$T/a-f2" --server test.root --instance f2 -f "$UF" --no-fragments -q -i lo

# 6. privilege drop, while the main capture runs
sleep_until $((S + 1))
if [ -r "/proc/$P_main/status" ]; then
	st=$(grep -E '^(Uid|Gid|Groups):' "/proc/$P_main/status" | tr '\t' ' ')
	uid=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$P_main/status")
	gid=$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "/proc/$P_main/status")
	groups=$(awk '/^Groups:/ { $1 = ""; print }' "/proc/$P_main/status")
	[ "$uid" = "$NOBODY $NOBODY $NOBODY $NOBODY" ] && [ "$gid" = "$NOBODY $NOBODY $NOBODY $NOBODY" ] &&
		ok "privilege drop: uid and gid of the running capture are nobody (real, effective, saved, fs)" ||
		fail "privilege drop: /proc/$P_main/status: $st"
	case " $groups " in
	*" 0 "*) fail "privilege drop: the capture keeps supplementary group root: Groups:$groups" ;;
	*) ok "privilege drop: no root supplementary group (Groups:$groups)" ;;
	esac
else
	fail "the main capture is not running 1 s into the window: $(errtail main)"
fi

# queries whose UDP checksum sums to 0 once the addresses are truncated
for a in "$CLI4 $SRV4" "$CLI6 $SRV6"; do
	set -- $a
	cli python3 "$CHK" send-zero-csum --src "$1" --dst "$2" || fail "send-zero-csum $1 -> $2 failed"
done

# three SIGHUPs, the last two within one second (same file name: -N)
sleep_until $((S + 2)).2
HUP1=$(now)
kill -HUP "$P_hup" 2>/dev/null
sleep_until $((S + 3)).1
HUP2=$(now)
kill -HUP "$P_hup" 2>/dev/null
sleep_until $((S + 3)).6
HUP3=$(now)
kill -HUP "$P_hup" 2>/dev/null
sleep_until $((S + 5))
TERM_AT=$(now)
kill -TERM "$P_term" 2>/dev/null
sleep_until $((S + 6))
KILL_AT=$(now)
kill -9 "$P_kill" 2>/dev/null
{ wait "$P_kill"; } 2>/dev/null # reaped here: no "Killed" notice
sleep_until $((S + 8))
STOP_AT=$(now)
for c in hup cp1 cp2 f1; do eval "kill -TERM \$P_$c" 2>/dev/null; done
kill -INT "$P_f2" 2>/dev/null

for c in term hup trunc cp1 cp2 f1 f2; do capwait $c $((S + 12)); done
capwait kill $((S + 12))
capwait main $((S + DUR + 8))
sleep 0.5
kill -TERM $TCPDUMP
wait $TCPDUMP
grep -q '^0 packets dropped by kernel' "$T/tcpdump.err" ||
	note "tcpdump (the reference) reports drops: $(grep dropped "$T/tcpdump.err" | tr '\n' ' ')"
wait "$TRAFFIC_LOOP" 2>/dev/null
grep -h 'Queries lost' "$T"/dnsperf?.log | grep -v 'lost: *0 ' | sed 's/^ */note - dnsperf: /'

# ---- checks of the window ------------------------------------------------

VERSION=$(cat "$top/VERSION" 2>/dev/null)
common=(--server test.root --host "$HOST" --iface "$VS" --tmp "$T")
[ -n "$VERSION" ] && common+=(--version "$VERSION")

# 1. archive
[ "$RC_main" = 0 ] && ok "archive: exit 0 at the window end" ||
	fail "archive: exit $RC_main at the window end ($(errtail main))"
if [ -d "$T/a-main/test.root/lab1" ]; then
	pyjob A archive --dir "$T/a-main/test.root/lab1" --tcpdump "$T/tcpdump.pcap" \
		--start $S --end $((S + DUR)) --rotate 5 --instance lab1 --owner $NOBODY "${common[@]}"
	run analyze -q "$T"/a-main/test.root/lab1/*.pcap.gz
	labels=$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["labels"], sort_keys=True))' "$T/out" 2>&1)
	[ "$labels" = '{"instance": "lab1", "phase": null, "server": "test.root"}' ] &&
		ok "analyze takes the labels from the manifests: $labels" ||
		fail "analyze labels of the archive: $labels (exit $rc, $(head -c 200 "$T/err"))"
else
	fail "archive: no directory <out>/test.root/lab1: $(cd "$T/a-main" && find . | head -20 | tr '\n' ' ')"
fi

# 2. SIGTERM, default instance = host name
[ "$RC_term" = 0 ] && ok "SIGTERM: exit 0" || fail "SIGTERM: exit $RC_term ($(errtail term))"
if [ -d "$T/a-term/test.root/$HOST" ]; then
	pyjob B signal --label SIGTERM --dir "$T/a-term/test.root/$HOST" --tcpdump "$T/tcpdump.pcap" \
		--term "$TERM_AT" --instance "$HOST" "${common[@]}"
else
	fail "SIGTERM: no directory <out>/test.root/<host name $HOST>: $(cd "$T/a-term" && find . | head -20 | tr '\n' ' ')"
fi
nstat=$(grep -ciE 'packets' "$T/term.err")
ndrop=$(grep -ciE 'drop' "$T/term.err")
# about 2 + 5 s ran before SIGTERM
[ "$nstat" -ge 4 ] && [ "$ndrop" -ge 4 ] &&
	ok "--stats-interval 1: $nstat stats lines (packets, drops) on stderr in ~7 s" ||
	fail "--stats-interval 1: $nstat lines with 'packets', $ndrop with 'drop' in ~7 s: $(head -c 300 "$T/term.err")"

# 3. SIGHUP
[ "$RC_hup" = 0 ] && ok "SIGHUP then SIGTERM: exit 0" || fail "SIGHUP then SIGTERM: exit $RC_hup ($(errtail hup))"
if [ -d "$T/a-hup/test.root/h1" ]; then
	pyjob B signal --label SIGHUP --dir "$T/a-hup/test.root/h1" --tcpdump "$T/tcpdump.pcap" \
		--term "$STOP_AT" --hup "$HUP1" "$HUP2" "$HUP3" --rotate 3600 --instance h1 --phase p1 "${common[@]}"
else
	fail "SIGHUP: no directory <out>/test.root/h1"
fi

# 4. kill -9
if [ -d "$T/a-kill/test.root/k1" ]; then
	pyjob A killed --dir "$T/a-kill/test.root/k1" --tcpdump "$T/tcpdump.pcap" --kill "$KILL_AT" --rootlens "$R"
else
	fail "kill -9: no directory <out>/test.root/k1"
fi

# 7. anonymization
for c in trunc cp1 cp2; do
	eval "r=\$RC_$c"
	[ "$r" = 0 ] && ok "anonymize ($c): exit 0" || fail "anonymize ($c): exit $r ($(errtail $c))"
done
[ -d "$T/a-trunc/test.root/t1" ] &&
	pyjob A truncate --dir "$T/a-trunc/test.root/t1" --tcpdump "$T/tcpdump.pcap" --markers "$MARKERS" --servers "$SRV4,$SRV6" \
		--end $((S + 8)) --instance t1 "${common[@]}" ||
	fail "anonymize truncate: no directory <out>/test.root/t1"
if [ -d "$T/a-cp/test.root/cp1" ] && [ -d "$T/a-cp/test.root/cp2" ]; then
	pyjob B cryptopan --dirs "$T/a-cp/test.root/cp1" "$T/a-cp/test.root/cp2" --tcpdump "$T/tcpdump.pcap" --markers "$MARKERS" \
		--servers "$SRV4,$SRV6" "${common[@]}"
else
	fail "anonymize cryptopan: no directories <out>/test.root/cp1 and cp2"
fi

# -f, --no-fragments, -s: against tcpdump's capture refiltered by tcpdump -r
[ "$RC_f1" = 0 ] && ok "-f (f1): exit 0 on SIGTERM" || fail "-f (f1): exit $RC_f1 ($(errtail f1))"
[ "$RC_f2" = 0 ] && ok "-f (f2, -i twice): exit 0 on SIGINT" || fail "-f (f2, -i twice): exit $RC_f2 on SIGINT ($(errtail f2))"
tcpdump -r "$T/tcpdump.pcap" -w "$T/ref-f1.pcap" "($UF) or (ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] == 44)" 2>/dev/null
tcpdump -r "$T/tcpdump.pcap" -w "$T/ref-f2.pcap" "$UF" 2>/dev/null
[ -d "$T/a-f1/test.root/f1" ] &&
	pyjob A filter --label "-f '$UF' -s 256" --dir "$T/a-f1/test.root/f1" --tcpdump "$T/ref-f1.pcap" \
		--user-filter "$UF" --snaplen 256 --instance f1 "${common[@]}" ||
	fail "-f: no directory <out>/test.root/f1"
[ -d "$T/a-f2/test.root/f2" ] &&
	pyjob B filter --label "-f '$UF' --no-fragments" --dir "$T/a-f2/test.root/f2" --tcpdump "$T/ref-f2.pcap" \
		--user-filter "$UF" --no-fragments --instance f2 "${common[@]}" --iface2 lo ||
	fail "--no-fragments: no directory <out>/test.root/f2"

# ---- 5. disk full (while the checks above run) ---------------------------

pylanes

mkdir -p "$FULL"
if mount -t tmpfs -o size=1m,mode=0755 rl-cap-full "$FULL" 2>"$T/err"; then
	chown "$NOBODY:$NOBODY" "$FULL"
	t0=${EPOCHREALTIME%.*}
	# about 200 kB/s of gzip: full after ~5 s, in the third 2-s file
	traffic 14 2000 1000
	sleep 0.5
	ip netns exec "$SRV" "$R" capture -i "$VS" -o "$FULL" --server test.root --instance full \
		--rotate 2 --gzip-level 1 -q >"$T/full.out" 2>"$T/full.err" &
	PIDS+=($!)
	P_full=$!
	capwait full $((t0 + 14))
	for p in "${TRAFFIC[@]}"; do kill "$p" 2>/dev/null; done
	pycollect
	if [ "$RC_full" = 1 ]; then
		ok "disk full: exit 1"
	else
		fail "disk full: exit $RC_full, expected 1 ($(errtail full); df: $(df -k "$FULL" | tail -1))"
	fi
	grep -qiE 'no space|ENOSPC|disk full|file system full|disk quota' "$T/full.err" &&
		ok "disk full: stderr names the error: $(grep -iE 'no space|ENOSPC|disk full|file system full|disk quota' "$T/full.err" | head -1)" ||
		fail "disk full: stderr does not name the error: $(errtail full)"
	if [ -d "$FULL/test.root/full" ]; then
		py diskfull --dir "$FULL/test.root/full"
	else
		fail "disk full: no directory <out>/test.root/full"
	fi
else
	pycollect
	skip "disk full: cannot mount a tmpfs: $(cat "$T/err")"
fi

exit $((fails > 0))
