#!/usr/bin/env bash
# bench/tshark_metrics.sh - tshark computing three of the figures
# `rootlens analyze` computes, on the same capture, for bench/run.sh.
#
#   bench/tshark_metrics.sh CAPTURE      (pcap or pcapng, plain or gzip)
#
# One tshark pass dissects every frame (TCP reassembly on, as by
# default), keeps the DNS queries (display filter dns.flags.response == 0)
# and prints, per query, the first occurrence of tcp.stream (empty over
# UDP), dns.resp.z.do (the DO bit of the OPT record; empty without one),
# dns.qry.type and dns.qry.name. awk then computes, as rootlens does
# (totals in doc/stats-json.md):
#
#   tcp_udp_query_ratio_pct  TCP queries / UDP queries * 100
#   do_share_pct             queries with DO / all queries * 100
#   dnskey_by_tld            DNSKEY (type 48) queries by the last label of
#                            the QNAME, lowercased; the root is "."
#
# Output: key=value lines, then "dnskey_by_tld TLD COUNT" lines, busiest
# first. Exit status: tshark's (pipefail), 2 on usage error.
set -o pipefail
[ $# -eq 1 ] || { echo "usage: $0 CAPTURE" >&2; exit 2; }

tshark -n -r "$1" -Y 'dns.flags.response == 0' -T fields \
	-E separator=/t -E occurrence=f \
	-e tcp.stream -e dns.resp.z.do -e dns.qry.type -e dns.qry.name |
awk -F'\t' '
{
	if ($1 == "") udp++; else tcp++
	if ($2 == "1" || $2 == "True") do_++
	if ($3 == "48") {
		name = tolower($4)
		if (name == "<root>" || name == "") tld = "."
		else {
			sub(/\.$/, "", name)
			n = split(name, l, ".")
			tld = l[n]
		}
		dnskey[tld]++
		ndnskey++
	}
}
END {
	q = udp + tcp
	printf "queries=%d\nqueries_udp=%d\nqueries_tcp=%d\nqueries_do=%d\n",
		q, udp, tcp, do_
	printf "tcp_udp_query_ratio_pct=%.4f\n", udp ? 100 * tcp / udp : 0
	printf "do_share_pct=%.4f\n", q ? 100 * do_ / q : 0
	printf "dnskey_queries=%d\ndnskey_tlds=%d\n", ndnskey, length(dnskey)
	for (t in dnskey)
		printf "dnskey_by_tld %s %d\n", t, dnskey[t] | "sort -k3,3nr -k2,2"
}'
