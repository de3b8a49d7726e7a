/*
 * names.c - stable names of the skip reasons, as used in JSON output.
 * Renaming one changes the output schema.
 */
#include "nl_int.h"

static const char *const skip_names[NL_SKIP__COUNT] = {
	[NL_SKIP_LINK_TRUNC] = "link_trunc",
	[NL_SKIP_NOT_IP] = "not_ip",
	[NL_SKIP_IP_TRUNC] = "ip_trunc",
	[NL_SKIP_IP_BAD] = "ip_bad",
	[NL_SKIP_OTHER_PROTO] = "other_proto",
	[NL_SKIP_ICMP] = "icmp",
	[NL_SKIP_UDP_TRUNC] = "udp_trunc",
	[NL_SKIP_TCP_TRUNC] = "tcp_trunc",
	[NL_SKIP_NOT_DNS_PORT] = "not_dns_port",
	[NL_SKIP_UDP_EMPTY] = "udp_empty",
	[NL_SKIP_TCP_NODATA] = "tcp_nodata",
	[NL_SKIP_TCP_PARTIAL] = "tcp_partial",
	[NL_SKIP_FRAG_HELD] = "frag_held",
};

/** Stable lower-case name of @p s; "unknown" outside the enum. */
const char *nl_skip_name(nl_skip_t s)
{
	if ((unsigned)s >= NL_SKIP__COUNT || !skip_names[s])
		return "unknown";
	return skip_names[s];
}
