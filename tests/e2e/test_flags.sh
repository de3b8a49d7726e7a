#!/bin/sh
# test_flags.sh - misbehaving senders flagged by `rootlens analyze`, on
# traffic from real software and on a real root minute.
#
# (a) Recorded on loopback: knotd serves a small root-like zone in a
#     network namespace of this test; in a second one, dnsperf sends
#     resolver-like queries (flags_make.py queries: names under TLDs,
#     junk, DS, DNSKEY, priming) from 50 addresses, 12 queries a second
#     each, to two server addresses; tcpdump records each address's
#     traffic in its own capture. 25 clients, each in its own /24, talk
#     to address A, 25 to address B. For A, after at least five 5-second
#     intervals, three addresses of one /24 (the /24 of one of the
#     clients) send 150 queries a second each for two intervals (the
#     flood starts on an interval boundary). Analysed with --interval 5
#     and the default flag rules:
#       A: the /24 is flagged (share, rise) in each flood interval, each
#          flood source too, nothing else anywhere (flags_check.py flood);
#          the same with -j 3 cutting the capture (flags equal -j 1's),
#          with --asn-map (the /24's AS named and flagged), after a merge;
#          `rootlens flags` prints them sorted by impact, as a table or
#          JSON, --min-share filters.
#       B: no flags.
# (b) The real root minute ../shared/pcaps/compactor/knot-live.raw.pcap.gz
#     raises at most a handful of flags with the defaults (printed as
#     notes); a copy with a flood injected (flags_make.py inject: three
#     sources of 203.0.113.0/24, 100 q/s each for 20 s, half of them one
#     question) has the /24 flagged for share and repeat, with that
#     question as its evidence.
#
# (c) test_split.sh's capture cut by -j 16: the flags of -j 1.
#
# (a) needs root (network namespaces) and knotd, dnsperf, tcpdump, kdig,
# ip: without them it is skipped (SKIP lines); (b) needs ../shared.
# Prints `ok ...` / `FAIL ...`; exits 1 when a check failed.
# Environment: ROOTLENS (default ./rootlens), ROOTLENS_SHARED; FLAGS_KEEP=1
# keeps the scratch directory (captures, documents).
set -u
export PYTHONDONTWRITEBYTECODE=1
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
R=${ROOTLENS:-$top/rootlens}
case $R in /*) ;; *) R=$(pwd)/$R ;; esac
M=$here/flags_make.py
C=$here/flags_check.py
T=$(mktemp -d "${TMPDIR:-/tmp}/rootlens-flags.XXXXXX") || exit 1
NS_S=rl-flg-s$$
NS_C=rl-flg-c$$
VS=rlfs$$
VC=rlfc$$
PIDS=
fails=0

ok() { echo "ok - $*"; }
fail() { echo "FAIL - $*"; fails=$((fails + 1)); }
skip() { echo "SKIP - $*"; }
chk() { python3 "$C" "$@" || fails=$((fails + 1)); }

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for ns in "$NS_S" "$NS_C"; do
		ip netns list 2>/dev/null | grep -q "^$ns\b" || continue
		# only what this test started runs in its namespaces
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
		sleep 0.2
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "${FLAGS_KEEP:-}" ]; then echo "note: scratch directory kept: $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ ! -x "$R" ]; then
	fail "rootlens binary $R is not executable (set ROOTLENS)"
	exit 1
fi
now() { date +%s.%N; }

# ---- (b) the real root minute ------------------------------------------------
pcaps=
if [ -n "${ROOTLENS_SHARED:-}" ]; then
	if [ -d "$ROOTLENS_SHARED/pcaps" ]; then pcaps=$ROOTLENS_SHARED/pcaps; else pcaps=$ROOTLENS_SHARED; fi
elif [ -d "$top/../shared/pcaps" ]; then
	pcaps=$(cd "$top/../shared/pcaps" && pwd)
fi
K=${pcaps:+$pcaps/compactor/knot-live.raw.pcap.gz}
if [ -z "$K" ] || [ ! -f "$K" ]; then
	skip "knot-live: ../shared/pcaps/compactor/knot-live.raw.pcap.gz not found (set ROOTLENS_SHARED)"
else
	if "$R" analyze -q -j 1 -o "$T/kl.json" "$K" 2>"$T/err"; then
		chk notes "$T/kl.json" --max 5 --tag "knot-live, defaults"
	else
		fail "analyze $K: $(head -c 300 "$T/err")"
	fi
	if python3 "$M" inject "$K" "$T/kl-flood.pcap" --prefix 203.0.113 --sources 3 \
		--rate 100 --start 20 --duration 20 --qname attack.example.com >"$T/inj" 2>"$T/err"; then
		echo "note: injected $(cut -d' ' -f3 "$T/inj") queries from 203.0.113.1-3 into a copy of $(basename "$K")"
		if "$R" analyze -q -j 1 -o "$T/klf.json" "$T/kl-flood.pcap" 2>"$T/err"; then
			chk injected "$T/klf.json" --prefix 203.0.113.0/24 --qname attack.example.com. \
				--tag "knot-live with a flood"
			"$R" flags "$T/klf.json" >"$T/table" 2>"$T/err"
			if [ $? -eq 0 ] && sed -n 2p "$T/table" | grep -q '203\.0\.113\.0/24' &&
				grep -q 'attack\.example\.com\. A' "$T/table"; then
				ok "rootlens flags: the injected /24 on top of the table with its question"
			else
				fail "rootlens flags on the injected copy: $(head -c 400 "$T/table") $(head -c 200 "$T/err")"
			fi
		else
			fail "analyze the injected copy: $(head -c 300 "$T/err")"
		fi
	else
		fail "flags_make.py inject: $(head -c 300 "$T/err")"
	fi
fi

# ---- (c) -j N cutting one file: the flags of one worker ------------------------
# test_split.sh's capture (60 shifted copies of three datasets: UDP, TCP,
# fragments), whose /48 of IPv6 clients is flagged for its share
ds=$top/datasets
if [ -f "$ds/root-mix.pcap.gz" ] && python3 "$here/split_make.py" "$T/big" 60 8 7 \
	"$ds/root-mix.pcap.gz" "$ds/root-tcp-pipelined.pcap" "$ds/root-frags.pcap" >/dev/null 2>&1; then
	if "$R" analyze -q -j 1 -o "$T/big1.json" "$T/big.pcap.gz" 2>"$T/err" &&
		ROOTLENS_SPLIT_MIN_BYTES=0 "$R" analyze -q -j 16 -o "$T/big16.json" "$T/big.pcap.gz" 2>"$T/err"; then
		chk same "$T/big1.json" "$T/big16.json" --tag "test_split's capture, -j 16 (cut) vs -j 1"
	else
		fail "analyze test_split's capture: $(head -c 300 "$T/err")"
	fi
else
	skip "-j N: datasets/ or split_make.py missing"
fi

# ---- (a) recorded on loopback ----------------------------------------------------
missing=
for tool in ip knotd dnsperf tcpdump kdig; do
	command -v $tool >/dev/null 2>&1 || missing="$missing $tool"
done
if [ "$(id -u)" != 0 ]; then
	skip "recorded floods: needs root (network namespaces)"
	[ "$fails" -eq 0 ]
	exit
fi
if [ -n "$missing" ]; then
	skip "recorded floods: missing$missing (apt-get install knot knot-dnsutils dnsperf tcpdump iproute2)"
	[ "$fails" -eq 0 ]
	exit
fi

SA=198.18.10.1
SB=198.18.10.2
in_c() { ip netns exec "$NS_C" "$@"; }
if ! ip netns add "$NS_S" 2>"$T/err"; then
	skip "recorded floods: cannot create a network namespace: $(head -c 200 "$T/err")"
	[ "$fails" -eq 0 ]
	exit
fi
setup() {
	ip netns add "$NS_C" &&
		ip link add "$VS" netns "$NS_S" type veth peer name "$VC" netns "$NS_C" || return 1
	ip -n "$NS_S" link set lo up && ip -n "$NS_C" link set lo up &&
		ip -n "$NS_S" addr add $SA/24 dev "$VS" && ip -n "$NS_S" addr add $SB/24 dev "$VS" &&
		ip -n "$NS_C" addr add 198.18.10.100/24 dev "$VC" &&
		ip -n "$NS_S" link set "$VS" up && ip -n "$NS_C" link set "$VC" up &&
		ip -n "$NS_S" route add 10.0.0.0/8 dev "$VS" || return 1
	for k in $(seq 1 25); do
		ip -n "$NS_C" addr add 10.1.$k.2/32 dev "$VC" &&
			ip -n "$NS_C" addr add 10.2.$k.2/32 dev "$VC" || return 1
	done
	# the flood's /24 is client 25's: 10.1.25.2 and two more
	ip -n "$NS_C" addr add 10.1.25.3/32 dev "$VC" &&
		ip -n "$NS_C" addr add 10.1.25.4/32 dev "$VC"
}
if ! setup 2>"$T/err"; then
	fail "network namespaces: $(head -c 300 "$T/err")"
	exit 1
fi

python3 "$M" zone "$T/root.zone"
mkdir -p "$T/knot"
cat >"$T/knot.conf" <<EOF
server:
    rundir: "$T/knot"
    listen: [ $SA@53, $SB@53 ]
log:
  - target: stderr
    any: error
database:
    storage: "$T/knot"
template:
  - id: default
    storage: "$T"
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: .
    file: root.zone
EOF
# not through a function: one in the background is a subshell, and $!
# must be the process itself so that it can be signalled and waited for
ip netns exec "$NS_S" knotd -c "$T/knot.conf" >"$T/knotd.log" 2>&1 &
PIDS="$PIDS $!"
n=0
until in_c kdig @$SA . SOA +time=1 +retry=0 2>/dev/null | grep -q 'status: NOERROR'; do
	n=$((n + 1))
	if [ $n -ge 40 ]; then
		fail "knotd did not answer: $(head -c 300 "$T/knotd.log")"
		exit 1
	fi
	sleep 0.25
done

# one query file per client
set --
for k in $(seq 1 25); do set -- "$@" "$T/qa$k" "$T/qb$k"; done
python3 "$M" queries 100 3000 "$@" "$T/qf3" "$T/qf4" "$T/qf2"
for k in $(seq 1 25); do
	ip netns exec "$NS_C" dnsperf -s $SA -a 10.1.$k.2 -d "$T/qa$k" -l 75 -Q 12 -c 1 -q 20 -t 2 \
		>/dev/null 2>&1 &
	PIDS="$PIDS $!"
	ip netns exec "$NS_C" dnsperf -s $SB -a 10.2.$k.2 -d "$T/qb$k" -l 75 -Q 12 -c 1 -q 20 -t 2 \
		>/dev/null 2>&1 &
	PIDS="$PIDS $!"
done
sleep 2 # every client running: the captures start in the steady state

CAPS=
cap() { # NAME ADDR
	ip netns exec "$NS_S" tcpdump -i "$VS" -s 0 -U -n -w "$T/$1.pcap" host "$2" \
		2>"$T/$1.cap.err" &
	CAPS="$CAPS $!"
	PIDS="$PIDS $!"
	n=0
	until grep -q 'listening on' "$T/$1.cap.err"; do
		n=$((n + 1))
		[ $n -lt 50 ] || { fail "tcpdump did not start: $(cat "$T/$1.cap.err")"; exit 1; }
		sleep 0.1
	done
}
cap flood $SA
cap quiet $SB
r0=$(now)
# the flood starts on a 5 s boundary with at least five whole intervals
# before it, and lasts two intervals
b=$(awk -v t="$r0" 'BEGIN { printf "%d", (int((t + 27) / 5) + 1) * 5 }')
sleep "$(awk -v b="$b" -v t="$(now)" 'BEGIN { d = b - t; printf "%.3f", (d > 0 ? d : 0) }')"
f0=$(now)
FL=
for a in 2 3 4; do
	ip netns exec "$NS_C" dnsperf -s $SA -a 10.1.25.$a -d "$T/qf$a" -l 10 -Q 150 -c 1 -q 50 \
		-t 2 >/dev/null 2>&1 &
	FL="$FL $!"
	PIDS="$PIDS $!"
done
for p in $FL; do wait "$p"; done
f1=$(now)
sleep 3
for p in $CAPS; do kill -TERM "$p" 2>/dev/null; done
for p in $CAPS; do wait "$p" 2>/dev/null; done
echo "note: recorded $(awk -v a="$r0" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }') s; flood from 10.1.25.2-4 at $(awk -v a="$r0" -v b="$f0" -v c="$f1" 'BEGIN { printf "+%.2f to +%.2f s", b - a, c - a }')"

an() { # OUT FILE [OPTIONS]: analyze with --interval 5
	o=$1 f=$2
	shift 2
	"$R" analyze -q --interval 5 "$@" -o "$o" "$f" 2>"$T/err" ||
		{ fail "analyze $(basename "$f") $*: $(head -c 300 "$T/err")"; return 1; }
}
if an "$T/flood.json" "$T/flood.pcap" -j 1; then
	chk flood "$T/flood.json" --prefix 10.1.25.0/24 --sources 10.1.25.2,10.1.25.3,10.1.25.4 \
		--from "$f0" --to "$f1" --tag "recorded flood"
	# -j 3, the capture cut in three (UDP only: a short warm-up will do)
	if ROOTLENS_SPLIT_MIN_BYTES=0 ROOTLENS_SPLIT_DEBUG=1 "$R" analyze -q --interval 5 -j 3 \
		--split-warmup 2 -o "$T/flood-j3.json" "$T/flood.pcap" 2>"$T/split.err" &&
		[ "$(grep -c '^split: ' "$T/split.err")" -ge 2 ]; then
		chk same "$T/flood.json" "$T/flood-j3.json" \
			--tag "recorded flood, -j 3 ($(grep -c '^split: ' "$T/split.err") parts of the capture) vs -j 1"
	else
		fail "analyze -j 3 did not cut the capture: $(head -c 300 "$T/split.err")"
	fi
	# a merge of the document alone computes the same flags again
	if "$R" merge -o "$T/flood-m.json" "$T/flood.json" 2>"$T/err"; then
		chk same "$T/flood.json" "$T/flood-m.json" --tag "recorded flood, merged alone"
	else
		fail "merge: $(head -c 300 "$T/err")"
	fi
	# the table, sorted by impact; JSON; --min-share
	"$R" flags "$T/flood.json" >"$T/table" 2>"$T/err"
	if [ $? -eq 0 ] && head -1 "$T/table" | grep -q 'INTERVAL.*SUBJECT.*REASON.*RATE.*SHARE.*BASE.*TOP QNAME.*TCP.*DO' &&
		sed -n 2p "$T/table" | grep -q '10\.1\.25\.0/24'; then
		ok "rootlens flags: a table, the flooding /24 first ($(sed -n 2p "$T/table" | tr -s ' ' | cut -c1-100))"
	else
		fail "rootlens flags table: $(head -c 400 "$T/table") $(head -c 200 "$T/err")"
	fi
	"$R" flags --json "$T/flood.json" >"$T/flags.json" 2>"$T/err" &&
		"$R" flags --json --min-share 30 "$T/flood.json" >"$T/flags12.json" 2>>"$T/err"
	if python3 - "$T/flags.json" "$T/flags12.json" "$T/flood.json" <<'EOF'
import json, sys
a, b, d = (json.load(open(p)) for p in sys.argv[1:4])
ex = [f["excess_queries"] for f in a]
assert len(a) == len(d["flags"]) and ex == sorted(ex, reverse=True), "not all, or not by impact"
assert b and all(f["share_pct"] >= 30 for f in b) and len(b) < len(a), "--min-share"
EOF
	then
		ok "rootlens flags --json: every flag, by impact; --min-share 30 keeps $(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))))" "$T/flags12.json")"
	else
		fail "rootlens flags --json / --min-share"
	fi
	# attribution: the flood's /24 is AS64500's
	printf '10.1.25.0\t24\t64500\n192.0.2.0\t24\t64501\n' >"$T/map.pfx2as"
	an "$T/flood-as.json" "$T/flood.pcap" -j 1 --asn-map "$T/map.pfx2as" &&
		chk flood "$T/flood-as.json" --prefix 10.1.25.0/24 --sources 10.1.25.2,10.1.25.3,10.1.25.4 \
			--from "$f0" --to "$f1" --asn AS64500 --tag "recorded flood, --asn-map"
fi
an "$T/quiet.json" "$T/quiet.pcap" -j 1 && chk none "$T/quiet.json" --tag "recorded, no flood"

[ "$fails" -eq 0 ]
