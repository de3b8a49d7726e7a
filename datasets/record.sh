#!/usr/bin/env bash
# record.sh — re-record the sample captures in datasets/ from real DNS
# software talking over a private veth link.
#
#   sudo datasets/record.sh            # writes the captures next to this script
#   sudo OUT=/tmp/x datasets/record.sh # or somewhere else
#   KEEP_WORK=1 ...                    # keep the scratch dir (zone, logs)
#
# A signed root-like zone is served by knotd in network namespace rl-srv; the
# clients (dig, kdig, dnsperf) run in rl-cli; the two are joined by one veth
# pair at MTU 1280.  tcpdump/dumpcap record on the server end of the link.
# Nothing is ever sent outside these two namespaces: every server address
# used below exists only inside them (198.18.0.0/24, fd00:5e::/64).
#
# Needs (Debian 12): knot knot-dnsutils bind9-dnsutils dnsperf tcpdump
# tshark (dumpcap, capinfos, summarize.sh) iproute2 ethtool gzip.
# Re-running replaces the captures.  The zone (before signing) and the query
# lists are the same on every run; timestamps, DNS IDs, ports, keys and
# signatures (fresh keys each run) and the interleaving of concurrent
# clients differ, so counts per file stay the same but bytes do not.
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$HERE}
SRV_NS=rl-srv
CLI_NS=rl-cli
VETH_S=rl-veth-s
VETH_C=rl-veth-c
SRV4=198.18.0.1
CLI4=198.18.0.2
SRV6=fd00:5e::1
CLI6=fd00:5e::2
MTU=1280

die() { echo "record.sh: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }

[ "$(id -u)" = 0 ] || die "must run as root (network namespaces, capture)"
for c in ip ethtool knotd keymgr kdig dig dnsperf tcpdump dumpcap capinfos tshark gzip sha256sum; do
    command -v "$c" >/dev/null || die "missing command: $c"
done

WORK=$(mktemp -d /tmp/rootlens-record.XXXXXX)
STAGE=$WORK/out            # captures land here first; moved to $OUT only on success
mkdir -p "$STAGE"
PIDS=()         # daemons (knotd)
CAP_PIDS=()     # recorders running right now

srv() { ip netns exec "$SRV_NS" "$@"; }
cli() { ip netns exec "$CLI_NS" "$@"; }

# Kill whatever still runs inside our namespaces (only processes this script
# or an aborted earlier run of it started there), then drop the namespaces.
# Deleting a namespace does not kill its processes, hence the pid sweep.
teardown_ns() {
    local ns pid
    for ns in "$SRV_NS" "$CLI_NS"; do
        ip netns list 2>/dev/null | grep -qw "^$ns" || continue
        for pid in $(ip netns pids "$ns" 2>/dev/null); do
            kill "$pid" 2>/dev/null || true
        done
        sleep 0.3
        for pid in $(ip netns pids "$ns" 2>/dev/null); do
            kill -9 "$pid" 2>/dev/null || true
        done
        ip netns del "$ns" 2>/dev/null || true
    done
}

cleanup() {
    local rc=$?
    local p
    for p in "${CAP_PIDS[@]}" "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${CAP_PIDS[@]}" "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    teardown_ns
    if [ -n "${KEEP_WORK:-}" ] || [ $rc -ne 0 ]; then
        echo "record.sh: scratch dir kept: $WORK" >&2
    else
        rm -rf "$WORK"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------
# 1. The zone.  Real TLD names (gTLDs + ccTLDs, ~300) so that referrals look
# like the root's.  Glue and root-server addresses are documentation ranges:
# they are data only, nobody ever queries them.  DS records are well-formed
# but made up (digest = SHA-256 of the owner name): the children do not exist.
# Everything derives from the names, so the unsigned zone is identical on
# every run.
# ---------------------------------------------------------------------------
GTLDS="com net org edu gov mil int arpa info biz name pro mobi asia tel travel
aero coop museum jobs cat xxx post app dev page blog shop online site xyz top
club vip icu store tech website space live cloud google amazon apple bank
insure xn--p1ai xn--fiqs8s xn--j6w193g xn--wgbh1c xn--mgbaam7a8h xn--80asehdb
xn--90ais"
CCTLDS="ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh
bi bj bm bn bo br bs bt bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw
cx cy cz de dj dk dm do dz ec ee eg er es et eu fi fj fk fm fo fr ga gd ge gf gg
gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir
is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv
ly ma mc md me mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf
ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs
ru rw sa sb sc sd se sg sh si sk sl sm sn so sr ss st su sv sx sy sz tc td tf tg
th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ws
ye yt za zm zw"

gen_zone() {
    local t h n i
    cat <<'EOF'
$ORIGIN .
$TTL 86400
.			86400	IN SOA a.root-servers.net. nstld.verisign-grs.com. 2024010100 1800 900 604800 86400
EOF
    for i in a b c d e f g h i j k l m; do
        echo ".			518400	IN NS ${i}.root-servers.net."
    done
    # root-servers.net glue lives under the net delegation, as in the real zone
    n=0
    for i in a b c d e f g h i j k l m; do
        n=$((n + 1))
        echo "${i}.root-servers.net.	518400	IN A 192.0.2.$n"
        echo "${i}.root-servers.net.	518400	IN AAAA 2001:db8:53::$n"
    done
    i=0
    for t in $GTLDS $CCTLDS; do
        i=$((i + 1))
        h=$(printf '%s.' "$t" | sha256sum | cut -c1-64)
        if [ "$t" = com ] || [ "$t" = net ]; then
            # 13 out-of-bailiwick-for-com servers: the classic big referral
            for n in a b c d e f g h i j k l m; do
                echo "$t.	172800	IN NS $n.gtld-servers.net."
            done
        else
            # 2..6 servers per TLD, in-bailiwick, each with A + AAAA glue
            local cnt=$(( 2 + 0x${h:1:2} % 5 )) k=0
            for n in a b c d e f; do
                [ $k -lt $cnt ] || break
                k=$((k + 1))
                echo "$t.	172800	IN NS $n.nic.$t."
                echo "$n.nic.$t.	172800	IN A $([ $((k % 2)) = 1 ] && echo 198.51.100 || echo 203.0.113).$(( (i * 7 + k) % 254 + 1 ))"
                echo "$n.nic.$t.	172800	IN AAAA 2001:db8:$(printf %x "$i")::$k"
            done
        fi
        # about 70 % of the TLDs are signed; a few still carry a SHA-1 DS too
        local tag=$(( 0x${h:8:4} ))
        case ${h:0:1} in
            [0-7]) echo "$t.	86400	IN DS $tag 8 2 ${h^^}" ;;
            [89])  echo "$t.	86400	IN DS $tag 13 2 ${h^^}" ;;
            a)     echo "$t.	86400	IN DS $tag 8 1 ${h:0:40}"
                   echo "$t.	86400	IN DS $tag 8 2 ${h^^}" ;;
            *)     : ;;
        esac
    done
    for n in a b c d e f g h i j k l m; do
        i=$(( $(printf %d "'$n") - 96 ))
        echo "$n.gtld-servers.net.	172800	IN A 198.51.100.$((200 + i))"
        echo "$n.gtld-servers.net.	172800	IN AAAA 2001:db8:5:$i::30"
    done
}

# ---------------------------------------------------------------------------
# 2. Namespaces and the veth link.  MTU 1280 on both ends makes signed
# DNSKEY/ANY answers (> 1400 bytes) fragment over UDP on v4 and v6.  Offloads
# are switched off so the capture holds what would be on a wire: real
# MSS-sized TCP segments (no TSO super-packets) and computed checksums.
# ---------------------------------------------------------------------------
setup_net() {
    teardown_ns
    ip netns add "$SRV_NS"
    ip netns add "$CLI_NS"
    ip link add "$VETH_S" netns "$SRV_NS" type veth peer name "$VETH_C" netns "$CLI_NS"
    local ns dev a4 a6
    for ns in "$SRV_NS" "$CLI_NS"; do
        if [ "$ns" = "$SRV_NS" ]; then dev=$VETH_S a4=$SRV4 a6=$SRV6
        else dev=$VETH_C a4=$CLI4 a6=$CLI6; fi
        ip -n "$ns" link set lo up
        # no DAD: addresses must be usable at once, not "tentative" for ~2 s
        ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.accept_dad=0"
        ip -n "$ns" link set "$dev" mtu "$MTU"
        ip -n "$ns" addr add "$a4/24" dev "$dev"
        ip -n "$ns" addr add "$a6/64" dev "$dev" nodad
        ip netns exec "$ns" ethtool -K "$dev" tx off >/dev/null 2>&1 || true
        ip netns exec "$ns" ethtool -K "$dev" tso off gso off gro off >/dev/null 2>&1 || true
        ip -n "$ns" link set "$dev" up
    done
}

# ---------------------------------------------------------------------------
# 3. knotd, signing the zone itself.  Manual key policy so the key set is
# like the root's during a KSK rollover: two 2048-bit RSA KSKs (one active,
# one published standby) and two ZSKs (one active, one pre-published).
# knotd signs the DNSKEY RRset with both KSKs, so `. DNSKEY +dnssec` is a
# ~1.7 kB answer: over the 1280 MTU (fragments) and over dig's default
# 1232-byte EDNS buffer (TC=1, then TCP).
# ---------------------------------------------------------------------------
KNOT_CONF=$WORK/knot.conf
setup_knot() {
    mkdir -p "$WORK/knot/db" "$WORK/knot/run"
    gen_zone >"$WORK/knot/root.zone"
    cat >"$KNOT_CONF" <<EOF
server:
    rundir: "$WORK/knot/run"
    listen: [ $SRV4@53, $SRV6@53 ]
    # knot's default is 1232; the point here is to send big, fragmented answers
    udp-max-payload: 4096
    nsid: rl-srv-1
    identity: rl-srv-1
log:
  - target: stderr
    any: info
database:
    storage: "$WORK/knot/db"
policy:
  - id: rootlike
    manual: on
    algorithm: rsasha256
    ksk-size: 2048
    zsk-size: 2048
template:
  - id: default
    storage: "$WORK/knot"
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: .
    file: root.zone
    dnssec-signing: on
    dnssec-policy: rootlike
EOF
    local ks=(-c "$KNOT_CONF" .)
    keymgr "${ks[@]}" generate algorithm=rsasha256 size=2048 ksk=yes zsk=no publish=-1d active=-1d >/dev/null
    keymgr "${ks[@]}" generate algorithm=rsasha256 size=2048 ksk=yes zsk=no publish=-1d active=0 >/dev/null
    keymgr "${ks[@]}" generate algorithm=rsasha256 size=2048 ksk=no zsk=yes publish=-1d active=-1d >/dev/null
    keymgr "${ks[@]}" generate algorithm=rsasha256 size=2048 ksk=no zsk=yes publish=-1d active=0 >/dev/null
    keymgr "${ks[@]}" list human >"$WORK/keys.txt"

    # not via srv(): a function in the background is a subshell, and $! must
    # be the daemon itself so that it can be signalled
    ip netns exec "$SRV_NS" knotd -c "$KNOT_CONF" >"$WORK/knotd.log" 2>&1 &
    PIDS+=($!)
    KNOTD_PID=$!

    # Ready = answers over both families with a signed SOA.
    local tries=0 a
    for a in "$SRV4" "$SRV6"; do
        until cli kdig @"$a" . SOA +dnssec +time=1 +retry=0 2>/dev/null | grep -q 'RRSIG'; do
            tries=$((tries + 1))
            kill -0 "$KNOTD_PID" 2>/dev/null || { cat "$WORK/knotd.log" >&2; die "knotd exited"; }
            [ $tries -lt 60 ] || { cat "$WORK/knotd.log" >&2; die "knotd not ready on $a"; }
            sleep 0.5
        done
    done
    log "knotd ready ($(cli kdig @"$SRV4" . DNSKEY +short +bufsize=4096 +time=2 +retry=0 2>/dev/null | grep -c .) DNSKEY RRs)"
}

# ---------------------------------------------------------------------------
# Capture helpers.  Each capture is one recorder process in the server
# namespace; we wait until it says it is listening (so no query is missed)
# and stop it with SIGTERM, which tcpdump and dumpcap both handle by flushing
# and closing the file (SIGINT would not do: background jobs of a script
# start with SIGINT ignored).
# ---------------------------------------------------------------------------
cap_start() {   # cap_start NAME tool args...
    local name=$1; shift
    local err=$WORK/cap-$name.err
    ip netns exec "$SRV_NS" "$@" 2>"$err" &
    local pid=$!
    CAP_PIDS+=($pid)
    local n=0
    until grep -qsiE 'listening on|^Capturing on' "$err"; do
        kill -0 $pid 2>/dev/null || { cat "$err" >&2; die "recorder $name exited"; }
        n=$((n + 1)); [ $n -lt 100 ] || die "recorder $name did not start"
        sleep 0.1
    done
}
cap_stop() {    # stop every recorder started since the last cap_stop
    sleep 1     # let the last answers and TCP FIN/ACKs arrive
    local p
    for p in "${CAP_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${CAP_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    CAP_PIDS=()
}
# -Z root: tcpdump would otherwise drop to its own user and lose write access
TCPDUMP=(tcpdump -i "$VETH_S" -s 0 -U -n -Z root)

# Client helpers: one query each, short timeouts; a failing query is logged
# (it is still traffic worth having) but does not stop the recording.
CLOG=$WORK/clients.log
d()  { echo "+ dig $*" >>"$CLOG";  cli dig  +time=2 +tries=1 "$@" >>"$CLOG" 2>&1 || echo "  (exit $?)" >>"$CLOG"; }
kd() { echo "+ kdig $*" >>"$CLOG"; cli kdig +time=2 +retry=0 "$@" >>"$CLOG" 2>&1 || echo "  (exit $?)" >>"$CLOG"; }

# ---------------------------------------------------------------------------
# 4. The sessions.
# ---------------------------------------------------------------------------

# A resolver-ish mix against both addresses: priming, referrals, NXDOMAIN,
# DS/DNSKEY with and without DO, no-EDNS, EDNS options (cookie, NSID, ECS),
# TC=1 on small buffers followed by dig's TCP retry, plain TCP, fragments.
session_mix() {
    local a
    for a in "$SRV4" "$SRV6"; do
        d  @"$a" . NS +norec                           # priming (dig: EDNS 1232 + cookie)
        d  @"$a" . NS +norec +dnssec
        d  @"$a" . SOA +noedns
        kd @"$a" . SOA +nsid
        d  @"$a" www.example.com A
        d  @"$a" www.example.com AAAA +dnssec +norec
        d  @"$a" mail.google.de MX +norec
        d  @"$a" example.org A +noedns
        kd @"$a" ns1.example.jp AAAA +dnssec +subnet=192.0.2.0/24
        d  @"$a" com DS +dnssec +norec
        d  @"$a" nl DS +dnssec
        d  @"$a" uk NS +norec
        d  @"$a" br DS +noedns
        d  @"$a" xn--p1ai NS +dnssec
        d  @"$a" 1.2.0.192.in-addr.arpa PTR +norec
        d  @"$a" . TXT +dnssec                         # NODATA + NSEC
        d  @"$a" . DNSKEY +dnssec +bufsize=4096        # ~1.4 kB: IP fragments
        d  @"$a" . DNSKEY +dnssec +bufsize=512         # TC=1, dig retries over TCP
        d  @"$a" . DNSKEY +dnssec                      # dig's 1232 is too small too: TC, TCP
        d  @"$a" . DNSKEY +noedns                      # 512-byte limit: TC, TCP
        d  @"$a" . DNSKEY +bufsize=4096                # no DO: ~1.1 kB, one packet
        d  @"$a" . ANY +dnssec +bufsize=4096 +notcp    # over UDP: fragments
        d  @"$a" com ANY +norec                        # dig sends ANY over TCP by default
        kd @"$a" qwhxkzpdtr A                          # junk label: NXDOMAIN
        kd @"$a" local SOA +dnssec
        d  @"$a" home AAAA +norec
        d  @"$a" corp A +dnssec
        d  @"$a" wpad.localdomain A
        d  @"$a" version.bind CH TXT +norec
        kd @"$a" +tcp . SOA
        kd @"$a" +tcp com DS +dnssec
        d  @"$a" +tcp de NS +dnssec
        d  @"$a" +tcp . DNSKEY +dnssec
    done
}

# A query file with a root-like mix: many referrals for names under real
# TLDs, a large share of junk/NXDOMAIN (Chromium-style random labels and
# leaked local suffixes), some DS/DNSKEY/NS/SOA for the apex.  awk's PRNG
# with a fixed seed keeps the file the same on every run.
gen_queryfile() {   # gen_queryfile SEED COUNT
    echo $GTLDS $CCTLDS | awk -v seed="$1" -v count="$2" '
    function pick(s,   a, n) { n = split(s, a, " "); return a[int(rand() * n) + 1] }
    function junk(   s, n, i) {
        n = 7 + int(rand() * 9); s = ""
        for (i = 0; i < n; i++) s = s substr("abcdefghijklmnopqrstuvwxyz", int(rand() * 26) + 1, 1)
        return s
    }
    {
        n = split($0, tld, " ")
        srand(seed)
        words = "www mail example shop news bank api cdn login portal smtp ns1 static img m"
        leaks = "local home lan corp internal localdomain belkin wpad intranet domain dlink router"
        types = "A A A A AAAA AAAA AAAA MX NS TXT DS SOA SRV"
        for (q = 0; q < count; q++) {
            r = rand()
            if (r < 0.45) {
                t = tld[int(rand() * 20) + 1]          # the big TLDs dominate
                if (rand() < 0.5) t = tld[int(rand() * n) + 1]
                print pick(words) "." junk() "." t, pick(types)
            } else if (r < 0.70) {
                print junk(), (rand() < 0.6 ? "A" : "AAAA")
            } else if (r < 0.83) {
                print (rand() < 0.5 ? "wpad." : "") pick(leaks), pick("A AAAA SOA PTR")
            } else if (r < 0.88) {
                print ".", "DNSKEY"
            } else if (r < 0.92) {
                print ".", "NS"
            } else if (r < 0.94) {
                print ".", "SOA"
            } else if (r < 0.98) {
                print tld[int(rand() * n) + 1], "DS"
            } else {
                print tld[int(rand() * n) + 1], "NS"
            }
        }
    }'
}

session_dnsperf_udp() {
    gen_queryfile 1 800 >"$WORK/q-udp4-do.txt"
    gen_queryfile 2 400 >"$WORK/q-udp4-plain.txt"
    gen_queryfile 3 300 >"$WORK/q-udp6-do.txt"
    gen_queryfile 4 200 >"$WORK/q-udp6-edns.txt"
    # Four kinds of clients at once, roughly the root's mix: validating
    # resolvers (DO, about 2/3), EDNS without DO, and legacy no-EDNS ones.
    local pids=() dp=(dnsperf -n 1 -t 2)
    cli "${dp[@]}" -s "$SRV4" -d "$WORK/q-udp4-do.txt"    -D -c 4 -Q 1200 >"$WORK/dnsperf-udp4-do.log" 2>&1 &
    pids+=($!)
    cli "${dp[@]}" -s "$SRV4" -d "$WORK/q-udp4-plain.txt"    -c 2 -Q 600  >"$WORK/dnsperf-udp4-plain.log" 2>&1 &
    pids+=($!)
    cli "${dp[@]}" -s "$SRV6" -d "$WORK/q-udp6-do.txt"    -D -c 2 -Q 450  >"$WORK/dnsperf-udp6-do.log" 2>&1 &
    pids+=($!)
    cli "${dp[@]}" -s "$SRV6" -d "$WORK/q-udp6-edns.txt"  -e -c 2 -Q 300  >"$WORK/dnsperf-udp6-edns.log" 2>&1 &
    pids+=($!)
    local p
    for p in "${pids[@]}"; do wait "$p" || log "a dnsperf run failed (see $WORK/dnsperf-*.log)"; done
}

# Several messages per TCP connection: dnsperf's TCP mode keeps a
# connection per client and has up to -q queries in flight on it; kdig and
# dig +keepopen send one after another on one connection.
session_tcp() {
    gen_queryfile 5 120 >"$WORK/q-tcp.txt"
    gen_queryfile 6 60 >"$WORK/q-tcp6.txt"
    cli dnsperf -m tcp -s "$SRV4" -d "$WORK/q-tcp.txt" -n 1 -D -c 2 -q 10 -t 2 >"$WORK/dnsperf-tcp.log" 2>&1 || true
    cli dnsperf -m tcp -s "$SRV6" -d "$WORK/q-tcp6.txt" -n 1 -e -c 1 -q 5 -t 2 >"$WORK/dnsperf-tcp6.log" 2>&1 || true
    kd @"$SRV4" +tcp +keepopen . SOA . NS com DS +dnssec . DNSKEY +dnssec junklabel A
    kd @"$SRV6" +tcp +keepopen . NS +dnssec org NS jp DS +dnssec
    d  @"$SRV4" +tcp +keepopen . SOA nl NS de DS +dnssec
}

# Big UDP answers only: DNSKEY and ANY at the apex with DO and a 4096 buffer.
session_frags() {
    local a i
    for a in "$SRV4" "$SRV6"; do
        for i in 1 2; do
            kd @"$a" . DNSKEY +dnssec +bufsize=4096
            kd @"$a" . ANY +dnssec +bufsize=4096
        done
        kd @"$a" . DNSKEY +bufsize=4096      # no DO: fits in one packet, for contrast
        kd @"$a" com NS +dnssec +bufsize=4096  # big referral, fits in one packet
    done
}

# What a validating resolver does at start-up: priming, trust anchor check,
# and a first referral.
session_priming() {
    local a
    for a in "$SRV4" "$SRV6"; do
        d @"$a" . NS +norec +dnssec
        d @"$a" . DNSKEY +norec +dnssec +bufsize=1232      # TC -> TCP
        d @"$a" com DS +norec +dnssec
        d @"$a" www.example.com A +norec +dnssec
    done
}

# ---------------------------------------------------------------------------
main() {
    log "namespaces + veth (MTU $MTU)"
    setup_net
    log "zone + knotd"
    setup_knot

    log "root-mix: dig/kdig session"
    cap_start mix "${TCPDUMP[@]}" -w "$STAGE/root-mix.pcap"
    session_mix
    cap_stop

    log "root-dnsperf-udp: dnsperf UDP burst"
    cap_start dnsperf "${TCPDUMP[@]}" -w "$STAGE/root-dnsperf-udp.pcap"
    session_dnsperf_udp
    cap_stop

    log "root-tcp-pipelined: dnsperf -m tcp, kdig/dig +keepopen"
    cap_start tcp "${TCPDUMP[@]}" -w "$STAGE/root-tcp-pipelined.pcap"
    session_tcp
    cap_stop

    # nanosecond pcap magic (a1b23c4d) on purpose: covers the other classic format
    log "root-frags: fragmented UDP answers, nanosecond timestamps"
    cap_start frags "${TCPDUMP[@]}" --time-stamp-precision=nano -w "$STAGE/root-frags.pcap"
    session_frags
    cap_stop

    # dumpcap writes pcapng natively (SHB with a comment, IDB, EPBs)
    log "root-priming.pcapng: dumpcap"
    cap_start pcapng dumpcap -q -i "$VETH_S" -s 0 \
        --capture-comment "rootlens sample: resolver priming against knotd $(knotd -V | awk '{print $NF}'), MTU $MTU" \
        -w "$STAGE/root-priming.pcapng"
    session_priming
    cap_stop

    # -i any: Linux cooked headers, both versions, recorded side by side
    log "root-any-sll / sll2: tcpdump -i any"
    cap_start sll  tcpdump -i any -y LINUX_SLL  -s 0 -U -n -Z root -w "$STAGE/root-any-sll.pcap"
    cap_start sll2 tcpdump -i any -y LINUX_SLL2 -s 0 -U -n -Z root -w "$STAGE/root-any-sll2.pcap"
    session_priming
    cap_stop

    # gzip -9 the big ones; -n keeps name/mtime out of the header so the
    # .gz depends on the capture only
    gzip -9 -n -f "$STAGE/root-mix.pcap" "$STAGE/root-dnsperf-udp.pcap"

    chmod 644 "$STAGE"/*     # dumpcap creates its file 0600
    "$HERE/summarize.sh" "$STAGE"/* >"$WORK/summary.txt"
    mkdir -p "$OUT"
    local f
    for f in "$STAGE"/*; do
        mv -f "$f" "$OUT/"
    done
    log "done (summary by tshark; README.md quotes it):"
    sed "s|$STAGE/||" "$WORK/summary.txt" >&2
    ls -l "$OUT"/*.pcap* >&2
}

main "$@"
