#!/usr/bin/env bash
# summarize.sh — what is in a capture, as counted by tshark (not by rootlens,
# so it can serve as an independent reference for tests).
#
#   datasets/summarize.sh datasets/*.pcap*
#
# Per file: format, link type, frames; DNS queries and responses by
# transport and IP version (a TCP segment may carry several messages, and a
# fragmented UDP answer counts once, in the frame that completes it); EDNS
# and DO in queries; TC and rcodes in responses; query types; IP fragments;
# TCP connections and how many carried more than one query.
set -euo pipefail
export LC_ALL=C
command -v tshark >/dev/null || { echo "summarize.sh: needs tshark" >&2; exit 1; }

TS=(tshark -n -o tcp.desegment_tcp_streams:TRUE -o ip.defragment:TRUE -o ipv6.defragment:TRUE)

# One line per DNS-carrying frame of one direction; several messages in a
# frame come out as comma-separated lists.
dns_rows() {   # dns_rows FILE FILTER
    "${TS[@]}" -r "$1" -Y "dns && !icmp && !icmpv6 && ($2)" -T fields -E separator='|' \
        -e ip.version -e udp.srcport -e dns.id -e dns.qry.type \
        -e dns.rr.udp_payload_size -e dns.resp.z.do -e dns.flags.truncated \
        -e dns.flags.rcode -e tcp.stream 2>/dev/null
}

summ() {
    local f=$1
    local info
    info=$(capinfos -M -t -E -c -T -r "$f" 2>/dev/null | tail -n1)  # name type encap packets
    local fmt enc pk gz=""
    read -r _ fmt enc pk <<<"$(echo "$info" | tr '\t' ' ')"
    [ "$(head -c2 "$f" | od -An -tx1 | tr -d ' ')" = 1f8b ] && gz=" (gzip)"
    echo "$f: $fmt$gz, $enc, $pk frames"

    dns_rows "$f" "udp.dstport==53 || tcp.dstport==53" | awk -F'|' '
    function lst(a,   k, n, i, j, x, keys, s) {   # "name count" pairs, biggest first
        n = 0; for (k in a) keys[++n] = k
        for (i = 2; i <= n; i++) for (j = i; j > 1 && (a[keys[j]] > a[keys[j-1]] || (a[keys[j]] == a[keys[j-1]] && keys[j] < keys[j-1])); j--) { x = keys[j]; keys[j] = keys[j-1]; keys[j-1] = x }
        s = ""; for (i = 1; i <= n; i++) s = s sprintf(" %s %d", keys[i], a[keys[i]])
        return s
    }
    BEGIN { split("1 A 2 NS 5 CNAME 6 SOA 12 PTR 15 MX 16 TXT 28 AAAA 33 SRV 43 DS 46 RRSIG 48 DNSKEY 255 ANY", t, " ")
            for (i = 1; i in t; i += 2) tn[t[i]] = t[i + 1] }
    {
        tr = ($2 != "") ? "udp" : "tcp"; v = "v" $1
        n = split($3, ids, ",")
        by[tr v] += n; total += n
        if ($5 != "") edns += split($5, e, ",")
        if ($6 != "") { m = split($6, d, ","); for (i = 1; i <= m; i++) if (d[i] == 1) dobit++ }
        m = split($4, q, ","); for (i = 1; i <= m; i++) qt[(q[i] in tn) ? tn[q[i]] : "TYPE" q[i]]++
        if (tr == "tcp") { per[$9] += n; if (n > 1) multi_seg++ }
    }
    END {
        printf "  queries: %d (udp v4 %d, udp v6 %d, tcp v4 %d, tcp v6 %d); EDNS %d, DO %d\n",
            total, by["udpv4"], by["udpv6"], by["tcpv4"], by["tcpv6"], edns, dobit
        print "  qtypes:" lst(qt)
        for (k in per) { conns++; if (per[k] > 1) multi++; if (per[k] > mx) mx = per[k] }
        if (conns) printf "  tcp connections with queries: %d, with >1 query: %d (max %d); segments with >1 query: %d\n", conns, multi, mx, multi_seg
    }'

    dns_rows "$f" "udp.srcport==53 || tcp.srcport==53" | awk -F'|' '
    function lst(a,   k, n, i, j, x, keys, s) {   # "name count" pairs, biggest first
        n = 0; for (k in a) keys[++n] = k
        for (i = 2; i <= n; i++) for (j = i; j > 1 && (a[keys[j]] > a[keys[j-1]] || (a[keys[j]] == a[keys[j-1]] && keys[j] < keys[j-1])); j--) { x = keys[j]; keys[j] = keys[j-1]; keys[j-1] = x }
        s = ""; for (i = 1; i <= n; i++) s = s sprintf(" %s %d", keys[i], a[keys[i]])
        return s
    }
    BEGIN { split("0 NOERROR 1 FORMERR 2 SERVFAIL 3 NXDOMAIN 4 NOTIMP 5 REFUSED", t, " ")
            for (i = 1; i in t; i += 2) rn[t[i]] = t[i + 1] }
    {
        tr = ($2 != "") ? "udp" : "tcp"; v = "v" $1
        n = split($3, ids, ","); by[tr v] += n; total += n
        if (tr == "tcp" && n > 1) multi_seg++
        m = split($7, c, ","); for (i = 1; i <= m; i++) if (c[i] == 1) { tc++; tcby[tr v]++ }
        m = split($8, r, ","); for (i = 1; i <= m; i++) rc[(r[i] in rn) ? rn[r[i]] : "RCODE" r[i]]++
    }
    END {
        printf "  responses: %d (udp v4 %d, udp v6 %d, tcp v4 %d, tcp v6 %d); TC=1 %d (udp v4 %d, udp v6 %d)\n",
            total, by["udpv4"], by["udpv6"], by["tcpv4"], by["tcpv6"], tc, tcby["udpv4"], tcby["udpv6"]
        if (multi_seg) printf "  tcp segments with >1 response: %d\n", multi_seg
        print "  rcodes:" lst(rc)
    }'

    local f4 f6 d4 d6
    f4=$("${TS[@]}" -r "$f" -Y 'ip.flags.mf==1 || ip.frag_offset>0' 2>/dev/null | wc -l)
    d4=$("${TS[@]}" -r "$f" -Y 'ip.flags.mf==1 && ip.frag_offset==0' 2>/dev/null | wc -l)
    f6=$("${TS[@]}" -r "$f" -Y 'ipv6.fraghdr' 2>/dev/null | wc -l)
    d6=$("${TS[@]}" -r "$f" -Y 'ipv6.fraghdr.more==1 && ipv6.fraghdr.offset==0' 2>/dev/null | wc -l)
    echo "  fragmented datagrams: v4 $d4 ($f4 fragment frames), v6 $d6 ($f6 fragment frames)"
}

for f in "$@"; do summ "$f"; done
