/*
 * registry.c - every metric, once (STYLE.md 2.9). The order here is the
 * order of the figures in "totals" and in each "series" entry, so it is
 * part of the output contract: add new metrics at the end.
 */
#include "metric.h"

extern const metric_ops_t m_traffic;
extern const metric_ops_t m_edns;
extern const metric_ops_t m_sizes;
extern const metric_ops_t m_codes;
extern const metric_ops_t m_tld;
extern const metric_ops_t m_sources;
extern const metric_ops_t m_malformed;

const metric_ops_t *const an_metrics[] = {
	&m_traffic,   /* messages, tcp_udp_query_ratio_pct, tc_responses */
	&m_edns,      /* edns */
	&m_sizes,     /* sizes */
	&m_codes,     /* qtype, rcode, opcode */
	&m_tld,       /* queries_by_tld, dnskey_by_tld, priming_queries */
	&m_sources,   /* unique_sources, top_sources, top_prefixes */
	&m_malformed, /* malformed */
	NULL,
};
