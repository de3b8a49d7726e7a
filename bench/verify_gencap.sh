#!/usr/bin/env bash
# verify_gencap.sh CAPTURE COUNTS
#
# Decode a gencap capture with tshark and check that what tshark finds
# equals what the generator says it wrote (COUNTS is its -c file), and
# that tshark finds nothing malformed and raises no expert warning or
# error. Exit 0 when everything matches, 1 otherwise.
#
# tshark is the independent side: the numbers below come only from its
# dissection (DNS over TCP reassembled by tshark), never from gencap.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 CAPTURE COUNTS" >&2
	exit 2
fi
cap=$1
counts=$2
command -v tshark >/dev/null || { echo "tshark not installed" >&2; exit 2; }

# One pass; one line per frame. Frames that carry no DNS message (TCP
# handshake, ACKs, the first segment of a split response) have empty DNS
# fields. Expert severities: 0x600000 = warning, 0x800000 = error.
tshark -n -r "$cap" -T fields -E separator='|' -E occurrence=a \
	-e ip.src -e ipv6.src -e udp.length -e tcp.srcport -e dns.length \
	-e dns.flags.response -e dns.flags.truncated -e dns.flags.rcode \
	-e dns.qry.type -e dns.rr.udp_payload_size -e dns.resp.z.do \
	-e _ws.expert.severity -e _ws.malformed 2>/dev/null |
awk -F'|' '
function add(k, n) { c[k] += n }
{
	add("packets", 1)
	v = ($2 != "") ? "v6" : "v4"
	src = ($2 != "") ? $2 : $1
	tr = ($4 != "") ? "tcp" : "udp"
	add("packets_" v, 1); add("packets_" tr, 1)
	n = split($12, sev, ",")
	for (i = 1; i <= n; i++) {
		if (sev[i] == 6291456) add("expert_warnings", 1)
		if (sev[i] == 8388608) add("expert_errors", 1)
	}
	if ($13 != "") add("malformed", 1)
	if ($6 == "") next                  # no DNS message in this frame
	if ($6 == 0) {
		add("queries", 1); add("queries_" tr, 1); add("queries_" v, 1)
		add("queries_" tr "_" v, 1)
		if ($10 != "") add("queries_edns", 1)
		if ($11 == 1) add("queries_do", 1)
		add("queries_qtype_" $9, 1)
		if (!(src in seen)) { seen[src] = 1; add("sources", 1); add("sources_" v, 1) }
	} else {
		add("responses", 1); add("responses_" tr, 1); add("responses_" v, 1)
		add("responses_" tr "_" v, 1)
		if ($7 == 1) add("responses_tc", 1)
		if ($8 == 0) add("responses_rcode_NOERROR", 1)
		if ($8 == 3) add("responses_rcode_NXDOMAIN", 1)
		if ($10 != "") add("responses_edns", 1)
		if ($11 == 1) add("responses_do", 1)
		add("response_size_sum", tr == "udp" ? $3 - 8 : $5)
	}
}
END {
	map["1"] = "A"; map["28"] = "AAAA"; map["2"] = "NS"; map["43"] = "DS"
	map["48"] = "DNSKEY"; map["6"] = "SOA"; map["15"] = "MX"; map["16"] = "TXT"
	map["255"] = "ANY"; map["12"] = "PTR"
	for (k in c) {
		if (k ~ /^(malformed|expert_)/) continue
		if (k ~ /^queries_qtype_/) {
			t = substr(k, 15)
			print "queries_qtype_" ((t in map) ? map[t] : t) "=" c[k]
		} else print k "=" c[k]
	}
	print "malformed=" c["malformed"] + 0
	print "expert_warnings=" c["expert_warnings"] + 0
	print "expert_errors=" c["expert_errors"] + 0
}' | sort >"$cap.tshark"

# Compare every key both sides know; the zero-keys must be zero.
status=0
printf '%-26s %12s %12s\n' key gencap tshark
while IFS='=' read -r k want; do
	got=$(sed -n "s/^$k=//p" "$cap.tshark")
	[ -n "$got" ] || got=0
	mark=ok
	[ "$got" = "$want" ] || { mark=DIFF; status=1; }
	printf '%-26s %12s %12s  %s\n' "$k" "$want" "$got" "$mark"
done < <(grep -E '^(packets|queries|responses|response_size_sum|sources)' "$counts" |
	grep -vE '^(queries_(rd|junk|root)|responses_(aa|qtype_.*)|response_size_(min|max|le512|gt1232))=')
for k in malformed expert_warnings expert_errors; do
	got=$(sed -n "s/^$k=//p" "$cap.tshark")
	mark=ok
	[ "$got" = 0 ] || { mark=DIFF; status=1; }
	printf '%-26s %12s %12s  %s\n' "$k" 0 "$got" "$mark"
done
rm -f "$cap.tshark"
[ $status = 0 ] && echo "verify: all counts match tshark" || echo "verify: MISMATCH" >&2
exit $status
