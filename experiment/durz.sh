#!/usr/bin/env bash
# durz.sh - a DURZ-style signing rollout of a root-like zone, replayed end
# to end on real DNS software and measured with rootlens.
#
#   experiment/durz.sh            # full length: 3 phases of 180 s (make experiment)
#   experiment/durz.sh --short    # 3 phases of 30 s, under 3 minutes (make experiment-short)
#
# Environment: ROOTLENS (default ./rootlens), OUT (default build/experiment,
# build/experiment-short with --short), PHASE_LEN, ROTATE, INTERVAL (seconds;
# the rotation must divide the phase length and be a multiple of the
# interval), KEEP_WORK=1 keeps the scratch directory (configs, keys).
#
# What it does (experiment/README.md says why):
#
#  * Three network namespaces joined by two veth pairs: two instances of one
#    letter, k.root-servers.net, with the same anycast service address
#    (198.19.0.11, fd19::11): "ams-nsd" runs nsd, "lhr-knot" runs knotd; and
#    a client namespace with 56 resolver addresses (+4 flooding ones), each
#    in its own /24 or /48. Policy routing by source prefix gives each
#    instance its catchment, as anycast does.
#  * The zone (zone.py): ". SOA/NS", 298 TLDs with NS, glue and DS records
#    (digests computed over generated child DNSKEYs). A knotd in the knot
#    namespace, on its loopback only, signs it (KSK RSA-2048, two ZSKs
#    RSA-1024, one of them pre-published; NSEC) with keys made by keymgr;
#    knotc zone-flush writes the signed zone, which both instances then serve
#    from the same file.
#  * Three phases of equal length, each labelled: "unsigned" (serial
#    2010012500), "durz" (2010050500: signed, every DNSKEY's key material
#    replaced by a placeholder: no key can validate anything) and "signed"
#    (2010071500: the real keys). At each phase start both servers get the
#    phase's zone file and reload (nsd-control reload, knotc zone-reload);
#    delv, with the real KSK as trust anchor and with the published DURZ KSK,
#    records whether what each instance serves validates.
#  * Load (plan.py, load.py): dnsperf per source address with binary query
#    files (each query's EDNS size and DO bit as its resolver sends them),
#    and resolvers with 512- and 1232-byte buffers or none that retry over
#    TCP when an answer is truncated; in the "durz" phase four more addresses
#    of one ISP's /24 flood ams-nsd at 10 times a resolver's rate. The load
#    of a phase runs from 2 s after its start to 2 s before its end: the
#    reload happens in the quiet gap, and no query is near a boundary.
#  * rootlens capture on each instance for the whole window: one capture
#    per instance and phase (--start/--end at the phase boundaries,
#    --phase LABEL, --rotate dividing the phase), started together before
#    the window opens, as DITL runs one window per DURZ step. (One capture
#    for the whole window cannot be relabelled per phase afterwards:
#    archive submit takes the labels from each file's manifest and refuses
#    a command-line --phase that disagrees.)
#  * rootlens archive submit (then verify, list), archive analyze per phase
#    (both instances merged) and per instance and phase, and for the whole
#    window; rootlens report over the per-instance-and-phase documents;
#    check.py compares the outcome with what the configuration implies.
#
# Output in $OUT: plan/ (plan.json, query files), zones/, captures/,
# archive/, sent/ (what the clients sent), analysis/, report/, logs/,
# checks.txt. Needs root and: ip, nsd, nsd-control, knotd, knotc, keymgr,
# kdig, delv, dnsperf, python3, gnuplot. Cleans up namespaces, daemons,
# clients, captures and its scratch directory on every exit path.
set -euo pipefail
export LC_ALL=C PYTHONDONTWRITEBYTECODE=1

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
R=${ROOTLENS:-$TOP/rootlens}
case $R in /*) ;; *) R=$(pwd)/$R ;; esac

MODE=full
[ "${1:-}" = "--short" ] && MODE=short
if [ $MODE = short ]; then
    PHASE_LEN=${PHASE_LEN:-30} ROTATE=${ROTATE:-10} INTERVAL=${INTERVAL:-5}
    OUT=${OUT:-$TOP/build/experiment-short}
else
    PHASE_LEN=${PHASE_LEN:-180} ROTATE=${ROTATE:-30} INTERVAL=${INTERVAL:-10}
    OUT=${OUT:-$TOP/build/experiment}
fi
case $OUT in /*) ;; *) OUT=$(pwd)/$OUT ;; esac
SERVER=k.root-servers.net
PHASES=(unsigned durz signed)
SERIALS=(2010012500 2010050500 2010071500)
INSTANCES=(ams-nsd lhr-knot)
SVC4=198.19.0.11
SVC6=fd19::11
LEAD=2   # load starts this long after a phase starts (the reload is done by then)
TAIL=2   # and stops this long before it ends

T_BEGIN=$(date +%s)
die() { echo "durz.sh: $*" >&2; exit 1; }
log() { echo "== $(date -u +%H:%M:%S) $*" >&2; }

[ "$(id -u)" = 0 ] || die "must run as root (network namespaces, capture)"
for c in ip nsd nsd-control knotd knotc keymgr kdig delv dnsperf python3 gnuplot; do
    command -v "$c" >/dev/null || die "missing command: $c (scripts/install-deps.sh installs it)"
done
[ -x "$R" ] || die "rootlens binary $R is not executable (make rootlens, or set ROOTLENS)"
[ $((PHASE_LEN % ROTATE)) = 0 ] || die "ROTATE ($ROTATE) must divide PHASE_LEN ($PHASE_LEN)"
[ $((ROTATE % INTERVAL)) = 0 ] || die "ROTATE ($ROTATE) must be a multiple of INTERVAL ($INTERVAL)"
[ "$PHASE_LEN" -ge 20 ] || die "PHASE_LEN must be at least 20 s"

WORK=$(mktemp -d /tmp/rootlens-durz.XXXXXX)
NS_A=dz$$-a     # ams-nsd
NS_B=dz$$-b     # lhr-knot
NS_C=dz$$-c     # the clients
VA=dz$$as VAC=dz$$ac VB=dz$$bs VBC=dz$$bc
PIDS=()         # daemons and captures
BG=             # the long wait in progress (sleep, the load of a phase)

teardown_ns() {
    local ns pid
    for ns in "$NS_A" "$NS_B" "$NS_C"; do
        ip netns list 2>/dev/null | grep -qw "^$ns" || continue
        # only what this script started runs in its namespaces
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
        sleep 0.3
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
    done
}
cleanup() {
    local rc=$? p
    trap - EXIT INT TERM HUP
    [ -z "$BG" ] || kill "$BG" 2>/dev/null || true
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    teardown_ns
    if [ -n "${KEEP_WORK:-}" ]; then
        echo "durz.sh: scratch directory kept: $WORK" >&2
    else
        rm -rf "$WORK"
    fi
    [ $rc = 0 ] || echo "durz.sh: FAILED (exit $rc); output so far in $OUT" >&2
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ina() { ip netns exec "$NS_A" "$@"; }
inb() { ip netns exec "$NS_B" "$@"; }
inc() { ip netns exec "$NS_C" "$@"; }
now() { date +%s.%N; }
# Long waits run in the background and are waited for, so that a signal
# reaches the trap at once (bash runs traps only between foreground commands).
sleep_until() { # EPOCH
    local d
    d=$(awk -v t="$1" -v n="$(now)" 'BEGIN { d = t - n; printf "%.3f", (d > 0 ? d : 0) }')
    sleep "$d" &
    BG=$!
    wait $BG
}

for d in plan zones captures archive sent analysis report logs; do rm -rf "${OUT:?}/$d"; done
rm -f "$OUT/checks.txt"
mkdir -p "$OUT"/{plan,zones,sent,archive,analysis,logs}
chmod 755 "$OUT"
log "durz experiment ($MODE): 3 phases of $PHASE_LEN s, files of $ROTATE s, intervals of $INTERVAL s; output in $OUT"

# ---------------------------------------------------------------------------
# 1. Network: two server namespaces, one client namespace, a veth pair each.
# ---------------------------------------------------------------------------
setup_net() {
    teardown_ns
    ip netns add "$NS_A"
    ip netns add "$NS_B"
    ip netns add "$NS_C"
    ip link add "$VA" netns "$NS_A" type veth peer name "$VAC" netns "$NS_C"
    ip link add "$VB" netns "$NS_B" type veth peer name "$VBC" netns "$NS_C"
    local ns dev
    for ns in "$NS_A" "$NS_B" "$NS_C"; do
        ip -n "$ns" link set lo up
        ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
    done
    for dev in "$NS_A:$VA" "$NS_B:$VB" "$NS_C:$VAC" "$NS_C:$VBC"; do
        ns=${dev%%:*} dev=${dev#*:}
        ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.accept_dad=0" "net.ipv4.conf.$dev.rp_filter=0"
        # the capture sees what a wire would carry: MTU-sized segments and
        # fragments, computed checksums
        ip netns exec "$ns" ethtool -K "$dev" tx off tso off gso off gro off >/dev/null 2>&1 || true
        ip -n "$ns" link set "$dev" up
    done
    # the anycast service address on both instances; replies go back the way
    # the queries came
    ip -n "$NS_A" addr add $SVC4/32 dev "$VA"
    ip -n "$NS_A" addr add $SVC6/128 dev "$VA" nodad
    ip -n "$NS_B" addr add $SVC4/32 dev "$VB"
    ip -n "$NS_B" addr add $SVC6/128 dev "$VB" nodad
    ip -n "$NS_A" route add 198.18.0.0/15 dev "$VA"
    ip -n "$NS_A" -6 route add fd18::/16 dev "$VA"
    ip -n "$NS_B" route add 198.18.0.0/15 dev "$VB"
    ip -n "$NS_B" -6 route add fd18::/16 dev "$VB"
    # catchments: sources of the first instance's prefixes reach ams-nsd, the
    # others lhr-knot (policy routing by source, table 101 and 102)
    ip -n "$NS_C" route add $SVC4/32 dev "$VAC" table 101
    ip -n "$NS_C" -6 route add $SVC6/128 dev "$VAC" table 101
    ip -n "$NS_C" route add $SVC4/32 dev "$VBC" table 102
    ip -n "$NS_C" -6 route add $SVC6/128 dev "$VBC" table 102
    ip -n "$NS_C" rule add from 198.18.0.0/17 table 101
    ip -n "$NS_C" -6 rule add from fd18:a::/32 table 101
    ip -n "$NS_C" rule add from 198.18.128.0/17 table 102
    ip -n "$NS_C" -6 rule add from fd18:b::/32 table 102
    local inst fam addr dev
    while read -r inst fam addr _; do
        if [ "$inst" = "${INSTANCES[0]}" ]; then dev=$VAC; else dev=$VBC; fi
        if [ "$fam" = 4 ]; then
            ip -n "$NS_C" addr add "$addr/32" dev "$dev"
        else
            ip -n "$NS_C" addr add "$addr/128" dev "$dev" nodad
        fi
    done < <(python3 "$HERE/plan.py" addrs "$OUT/plan/plan.json")
}

# ---------------------------------------------------------------------------
# 2. The zones: unsigned, signed by knotd, and the DURZ made from it.
# ---------------------------------------------------------------------------
make_zones() {
    local z=$WORK/zones s=$WORK/signer i
    mkdir -p "$z" "$s/db" "$s/run" "$s/out1" "$s/out2"
    for i in 0 1 2; do
        python3 "$HERE/zone.py" unsigned "$z/unsigned-${SERIALS[$i]}.zone" --serial "${SERIALS[$i]}" \
            --letter k --service4 $SVC4 --service6 $SVC6
    done
    cp "$z/unsigned-${SERIALS[0]}.zone" "$OUT/zones/unsigned.zone"
    cp "$z/unsigned-${SERIALS[1]}.zone" "$s/root.zone"
    cat >"$s/knot.conf" <<EOF
server:
    rundir: "$s/run"
    listen: 127.0.0.1@5353
log:
  - target: stderr
    any: notice
database:
    storage: "$s/db"
policy:
  - id: root2010
    manual: on
    algorithm: rsasha256
    ksk-size: 2048
    zsk-size: 1024
    rrsig-lifetime: 30d
    rrsig-refresh: 7d
template:
  - id: default
    storage: "$s"
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: .
    file: root.zone
    dnssec-signing: on
    dnssec-policy: root2010
EOF
    local ks=(-c "$s/knot.conf" .)
    # like the root's key set in 2010: one KSK, an active ZSK and a
    # pre-published one
    keymgr "${ks[@]}" generate algorithm=rsasha256 size=2048 ksk=yes zsk=no publish=-1d active=-1d >/dev/null
    keymgr "${ks[@]}" generate algorithm=rsasha256 size=1024 ksk=no zsk=yes publish=-1d active=-1d >/dev/null
    keymgr "${ks[@]}" generate algorithm=rsasha256 size=1024 ksk=no zsk=yes publish=-1d active=+90d >/dev/null
    keymgr "${ks[@]}" list human >"$OUT/zones/keys.txt"
    keymgr "${ks[@]}" ds >"$OUT/zones/root-ds.txt"
    inb knotd -c "$s/knot.conf" >"$OUT/logs/knotd-signer.log" 2>&1 &
    local sp=$!
    PIDS+=("$sp")
    signed_serial() { inb kdig @127.0.0.1 -p 5353 . SOA +dnssec +time=1 +retry=0 2>/dev/null |
        awk '$4 == "RRSIG" && $5 == "SOA" { s = 1 } $4 == "SOA" { n = $7 } END { if (s) print n }'; }
    local n=0
    until [ "$(signed_serial)" = "${SERIALS[1]}" ]; do
        n=$((n + 1)); [ $n -lt 100 ] || { cat "$OUT/logs/knotd-signer.log" >&2; die "signer: no signed zone"; }
        kill -0 $sp 2>/dev/null || { cat "$OUT/logs/knotd-signer.log" >&2; die "signer knotd exited"; }
        sleep 0.1
    done
    inb knotc -c "$s/knot.conf" -b zone-flush . +outdir "$s/out1" >/dev/null
    # the same keys sign the July zone
    cp "$z/unsigned-${SERIALS[2]}.zone" "$s/root.zone"
    inb knotc -c "$s/knot.conf" -b zone-reload . >/dev/null
    n=0
    until [ "$(signed_serial)" = "${SERIALS[2]}" ]; do
        n=$((n + 1)); [ $n -lt 100 ] || die "signer: the July zone was not signed"
        sleep 0.1
    done
    inb knotc -c "$s/knot.conf" -b zone-flush . +outdir "$s/out2" >/dev/null
    inb knotc -c "$s/knot.conf" stop >/dev/null
    wait $sp 2>/dev/null || true
    local nk
    nk=$(python3 "$HERE/zone.py" durz "$s/out1/root.zone" "$OUT/zones/durz.zone")
    cp "$s/out2/root.zone" "$OUT/zones/signed.zone"
    # trust anchors for delv: the real KSK, and the KSK the DURZ publishes
    printf 'trust-anchors {\n  . static-key %s;\n};\n' \
        "$(keymgr "${ks[@]}" dnskey | awk '$3 == 257 { printf "%s %s %s \"%s\"", $3, $4, $5, $6 }')" \
        >"$OUT/zones/anchor-real.conf"
    printf 'trust-anchors {\n  . static-key %s;\n};\n' \
        "$(awk '$3 == "DNSKEY" && $4 == 257 { printf "%s %s %s \"%s\"", $4, $5, $6, $7 }' "$OUT/zones/durz.zone")" \
        >"$OUT/zones/anchor-durz.conf"
    log "zones: $(grep -c 'IN	DS' "$OUT/zones/unsigned.zone") DS records for $(python3 "$HERE/zone.py" tlds | wc -l) TLDs;" \
        "signed $(grep -c RRSIG "$OUT/zones/signed.zone") RRSIGs; DURZ: $nk DNSKEYs obscured"
}

# ---------------------------------------------------------------------------
# 3. The two instances.
# ---------------------------------------------------------------------------
start_servers() {
    local a=$WORK/nsd b=$WORK/knot
    mkdir -p "$a" "$b/db" "$b/run"
    cp "$OUT/zones/unsigned.zone" "$a/root.zone"
    cp "$OUT/zones/unsigned.zone" "$b/root.zone"
    cat >"$a/nsd.conf" <<EOF
server:
    ip-address: $SVC4
    ip-address: $SVC6
    ip-address: 127.0.0.1
    port: 53
    server-count: 1
    username: ""
    chroot: ""
    zonesdir: "$a"
    database: ""
    zonelistfile: "$a/zone.list"
    xfrdfile: "$a/xfrd.state"
    xfrdir: "$a"
    pidfile: "$a/nsd.pid"
    logfile: "$OUT/logs/nsd.log"
    identity: "${INSTANCES[0]}"
    nsid: "ascii_${INSTANCES[0]}"
    # the 2010 root answered up to 4096 bytes (the 1232 default came in 2020)
    ipv4-edns-size: 4096
    ipv6-edns-size: 4096
    # no response-rate limiting: its slipped TC answers would be TCP retries
    # that signing did not cause
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
    verbosity: 1
remote-control:
    control-enable: yes
    control-interface: "$a/nsd.ctl"
zone:
    name: "."
    zonefile: "$a/root.zone"
EOF
    cat >"$b/knot.conf" <<EOF
server:
    rundir: "$b/run"
    listen: [ $SVC4@53, $SVC6@53, 127.0.0.1@53 ]
    udp-max-payload: 4096
    identity: ${INSTANCES[1]}
    nsid: ${INSTANCES[1]}
log:
  - target: stderr
    any: info
database:
    storage: "$b/db"
template:
  - id: default
    storage: "$b"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
  - domain: .
    file: root.zone
EOF
    nsd-checkconf "$a/nsd.conf" || die "nsd.conf"
    ina nsd -d -c "$a/nsd.conf" >>"$OUT/logs/nsd.log" 2>&1 &
    PIDS+=($!)
    NSD_PID=$!
    inb knotd -c "$b/knot.conf" >"$OUT/logs/knotd.log" 2>&1 &
    PIDS+=($!)
    KNOT_PID=$!
    wait_serial "${SERIALS[0]}"
}

serial_of() { # NS-RUNNER: the SOA serial its server answers on its loopback
    "$1" kdig @127.0.0.1 . SOA +short +time=1 +retry=0 2>/dev/null | awk '{ print $3 }'
}
wait_serial() { # SERIAL: both instances serve it
    local n=0
    until [ "$(serial_of ina)" = "$1" ] && [ "$(serial_of inb)" = "$1" ]; do
        n=$((n + 1))
        kill -0 "$NSD_PID" 2>/dev/null || { tail -5 "$OUT/logs/nsd.log" >&2; die "nsd exited"; }
        kill -0 "$KNOT_PID" 2>/dev/null || { tail -5 "$OUT/logs/knotd.log" >&2; die "knotd exited"; }
        [ $n -lt 100 ] || die "serial $1 not served by both instances (nsd: $(serial_of ina), knot: $(serial_of inb))"
        sleep 0.05
    done
}

switch_zone() { # PHASE-INDEX: both instances load the phase's zone
    local i=$1 f=$OUT/zones/${PHASES[$1]}.zone
    cp "$f" "$WORK/nsd/root.zone.new" && mv "$WORK/nsd/root.zone.new" "$WORK/nsd/root.zone"
    cp "$f" "$WORK/knot/root.zone.new" && mv "$WORK/knot/root.zone.new" "$WORK/knot/root.zone"
    ina nsd-control -c "$WORK/nsd/nsd.conf" reload . >/dev/null
    inb knotc -c "$WORK/knot/knot.conf" zone-reload . >/dev/null
    wait_serial "${SERIALS[$i]}"
}

# delv, on each instance's loopback (not captured), with each trust anchor
validation() { # PHASE
    local ns inst anchor
    for inst in "${INSTANCES[@]}"; do
        [ "$inst" = "${INSTANCES[0]}" ] && ns=ina || ns=inb
        for anchor in real durz; do
            if $ns delv @127.0.0.1 -a "$OUT/zones/anchor-$anchor.conf" +root . SOA +nocrypto \
                >"$OUT/logs/delv-$1-$inst-$anchor.txt" 2>&1 &&
                grep -q '^; fully validated' "$OUT/logs/delv-$1-$inst-$anchor.txt"; then
                echo "$1 $inst $anchor validated"
            else
                echo "$1 $inst $anchor not-validated $(grep -m1 -E 'resolution failed|no valid|insecure' \
                    "$OUT/logs/delv-$1-$inst-$anchor.txt" | tr -s ' ;' ' ')"
            fi
        done
    done
}

# ---------------------------------------------------------------------------
main() {
    log "plan and query files"
    python3 "$HERE/plan.py" make "$OUT/plan" --phase-len "$PHASE_LEN" >&2
    log "namespaces $NS_A $NS_B $NS_C"
    setup_net
    log "zones"
    make_zones
    log "servers: nsd in $NS_A, knotd in $NS_B"
    start_servers

    # anycast: each catchment reaches its own instance (before the window:
    # these queries are not part of it)
    local inst fam addr id
    while read -r inst fam addr _; do
        id=$(inc kdig -b "$addr" @"$([ "$fam" = 4 ] && echo $SVC4 || echo $SVC6)" . SOA +nsid +time=1 +retry=1 2>/dev/null |
            awk -F': ' '/NSID/ { print $2 }' | sed 's/^.*"\(.*\)".*$/\1/; s/ *$//')
        case $id in *"$inst"*) ;; *) die "anycast: $addr reaches '$id', expected $inst" ;; esac
    done < <(python3 "$HERE/plan.py" addrs "$OUT/plan/plan.json" | awk '!seen[$1 $2]++')
    log "anycast catchments ok (v4 and v6 of each instance)"

    # the window: phases start on multiples of the file length
    local t0 i
    t0=$(( ( $(date +%s) + 4 + ROTATE - 1) / ROTATE * ROTATE ))
    local T=("$t0" $((t0 + PHASE_LEN)) $((t0 + 2 * PHASE_LEN)) $((t0 + 3 * PHASE_LEN)))
    echo "${T[*]}" >"$OUT/plan/boundaries"
    local caps=() dev ns
    for inst in "${INSTANCES[@]}"; do
        if [ "$inst" = "${INSTANCES[0]}" ]; then ns=$NS_A dev=$VA; else ns=$NS_B dev=$VB; fi
        for i in 0 1 2; do
            ip netns exec "$ns" "$R" capture -i "$dev" --server $SERVER --instance "$inst" \
                --phase "${PHASES[$i]}" --start "${T[$i]}" --end "${T[$((i + 1))]}" \
                --rotate "$ROTATE" --flush 1 -B 16 -o "$OUT/captures" \
                2>"$OUT/logs/capture-$inst-${PHASES[$i]}.log" &
            PIDS+=($!)
            caps+=($!)
        done
    done
    for inst in "${INSTANCES[@]}"; do
        for i in 0 1 2; do
            local n=0 f=$OUT/logs/capture-$inst-${PHASES[$i]}.log
            until grep -q 'devices open' "$f"; do
                n=$((n + 1)); [ $n -lt 100 ] || { cat "$f" >&2; die "capture $inst ${PHASES[$i]} did not start"; }
                sleep 0.05
            done
        done
    done
    log "6 captures waiting; window $(date -u -d @"${T[0]}" +%H:%M:%S) to $(date -u -d @"${T[3]}" +%H:%M:%S) UTC"

    : >"$OUT/logs/validation.txt"
    for i in 0 1 2; do
        sleep_until "${T[$i]}"
        [ "$i" = 0 ] || switch_zone "$i"
        log "phase ${PHASES[$i]} (serial ${SERIALS[$i]}) on both instances"
        # (delv beside the load: on the servers' loopback, not captured)
        validation "${PHASES[$i]}" >>"$OUT/logs/validation.txt" &
        local vp=$!
        PIDS+=("$vp")
        inc python3 "$HERE/load.py" run --plan "$OUT/plan/plan.json" --phase "${PHASES[$i]}" \
            --start $((T[i] + LEAD)) --end $((T[i + 1] - TAIL)) --out "$OUT/sent/${PHASES[$i]}.json" \
            --logdir "$OUT/logs" >&2 &
        BG=$!
        wait $BG || die "load of phase ${PHASES[$i]} failed"
        wait $vp || die "delv of phase ${PHASES[$i]} failed"
        awk -v t="$(now)" -v e="${T[$((i + 1))]}" 'BEGIN { exit !(t < e - 0.3) }' ||
            die "the load of phase ${PHASES[$i]} ran into the phase boundary"
    done
    log "window closed; waiting for the captures"
    for p in "${caps[@]}"; do
        local n=0
        while kill -0 "$p" 2>/dev/null; do
            n=$((n + 1)); [ $n -lt 200 ] || die "a capture did not end with its window"
            sleep 0.1
        done
        wait "$p" || die "a capture exited $? (logs/capture-*.log)"
    done
    grep -h 'packets captured' "$OUT"/logs/capture-*.log | sed 's/^/   /' >&2

    log "archive submit, verify, list"
    "$R" archive submit -q --archive "$OUT/archive" "$OUT"/captures/$SERVER/*/*.pcap.gz ||
        die "archive submit failed"
    "$R" archive verify -q --archive "$OUT/archive" || die "archive verify found problems"
    "$R" archive list --archive "$OUT/archive" >"$OUT/analysis/archive-list.txt"
    "$R" archive list --archive "$OUT/archive" --json >"$OUT/analysis/archive-list.json"
    tail -1 "$OUT/analysis/archive-list.txt" | sed 's/^/   /' >&2

    log "archive analyze: per phase, per instance and phase, the whole window (--interval $INTERVAL)"
    local p
    for p in "${PHASES[@]}"; do
        "$R" archive analyze -q --archive "$OUT/archive" --phase "$p" -i "$INTERVAL" \
            -o "$OUT/analysis/phase-$p.json" || die "archive analyze --phase $p"
        for inst in "${INSTANCES[@]}"; do
            "$R" archive analyze -q --archive "$OUT/archive" --instance "$inst" --phase "$p" \
                -i "$INTERVAL" -o "$OUT/analysis/$inst-$p.json" || die "archive analyze $inst $p"
        done
    done
    "$R" archive analyze -q --archive "$OUT/archive" -i "$INTERVAL" -o "$OUT/analysis/window.json" ||
        die "archive analyze (window)"
    "$R" flags "$OUT/analysis/window.json" >"$OUT/analysis/flags.txt" || true

    log "report"
    "$R" report -q --title "DURZ experiment: $SERVER on nsd (ams) and knot (lhr), unsigned / DURZ / signed, 3 x $PHASE_LEN s" \
        -o "$OUT/report" "$OUT"/analysis/{ams-nsd,lhr-knot}-*.json || die "rootlens report"

    log "checks"
    local rc=0
    python3 "$HERE/check.py" --out "$OUT" --rootlens "$R" | tee "$OUT/checks.txt" || rc=$?
    log "done in $(($(date +%s) - T_BEGIN)) s; report: $OUT/report/index.html"
    [ $rc = 0 ] || die "checks failed (see $OUT/checks.txt)"
}

main "$@"
