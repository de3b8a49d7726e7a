/*
 * tables.c - mnemonics from the IANA "Domain Name System (DNS)
 * Parameters" registries: RR TYPEs, CLASSes, RCODEs, OPCODEs
 * (RFC 6895), and the stable names of dw_bad_t.
 *
 * Unassigned values print in the RFC 3597 5 generic form ("TYPE65280",
 * "CLASS32"); RCODE and OPCODE follow the same pattern. No stdio: the
 * decimal is formatted by hand so that lib/dnswire stays I/O free.
 */
#include <string.h>

#include "rootlens/dnswire.h"

/* Data TYPEs 0..68 are dense enough for a direct table. */
static const char *const rrtype_low[] = {
	[1] = "A", [2] = "NS", [3] = "MD", [4] = "MF", [5] = "CNAME",
	[6] = "SOA", [7] = "MB", [8] = "MG", [9] = "MR", [10] = "NULL",
	[11] = "WKS", [12] = "PTR", [13] = "HINFO", [14] = "MINFO",
	[15] = "MX", [16] = "TXT", [17] = "RP", [18] = "AFSDB",
	[19] = "X25", [20] = "ISDN", [21] = "RT", [22] = "NSAP",
	[23] = "NSAP-PTR", [24] = "SIG", [25] = "KEY", [26] = "PX",
	[27] = "GPOS", [28] = "AAAA", [29] = "LOC", [30] = "NXT",
	[31] = "EID", [32] = "NIMLOC", [33] = "SRV", [34] = "ATMA",
	[35] = "NAPTR", [36] = "KX", [37] = "CERT", [38] = "A6",
	[39] = "DNAME", [40] = "SINK", [41] = "OPT", [42] = "APL",
	[43] = "DS", [44] = "SSHFP", [45] = "IPSECKEY", [46] = "RRSIG",
	[47] = "NSEC", [48] = "DNSKEY", [49] = "DHCID", [50] = "NSEC3",
	[51] = "NSEC3PARAM", [52] = "TLSA", [53] = "SMIMEA",
	/* 54 unassigned */
	[55] = "HIP", [56] = "NINFO", [57] = "RKEY", [58] = "TALINK",
	[59] = "CDS", [60] = "CDNSKEY", [61] = "OPENPGPKEY",
	[62] = "CSYNC", [63] = "ZONEMD", [64] = "SVCB", [65] = "HTTPS",
	[66] = "DSYNC", /* RFC 9859 */
};

const char *dw_rrtype_name(uint16_t type)
{
	if (type < sizeof(rrtype_low) / sizeof(rrtype_low[0]))
		return rrtype_low[type];
	switch (type) {
	case 99: return "SPF";
	case 100: return "UINFO";
	case 101: return "UID";
	case 102: return "GID";
	case 103: return "UNSPEC";
	case 104: return "NID";
	case 105: return "L32";
	case 106: return "L64";
	case 107: return "LP";
	case 108: return "EUI48";
	case 109: return "EUI64";
	case 128: return "NXNAME"; /* RFC 9824 */
	case 249: return "TKEY";
	case 250: return "TSIG";
	case 251: return "IXFR";
	case 252: return "AXFR";
	case 253: return "MAILB";
	case 254: return "MAILA";
	case 255: return "ANY"; /* "*" in the registry; ANY in RFC 8482 */
	case 256: return "URI";
	case 257: return "CAA";
	case 258: return "AVC";
	case 259: return "DOA";
	case 260: return "AMTRELAY";
	case 261: return "RESINFO"; /* RFC 9606 */
	case 262: return "WALLET";
	case 32768: return "TA";
	case 32769: return "DLV";
	}
	return NULL;
}

/* prefix followed by the decimal of v into buf[16]: at most 7 + 5 + NUL. */
static const char *prefixed(const char *prefix, unsigned v, char buf[16])
{
	char tmp[10];
	size_t n = strlen(prefix), k = 0;

	memcpy(buf, prefix, n);
	do {
		tmp[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && k < sizeof(tmp));
	while (k)
		buf[n++] = tmp[--k];
	buf[n] = '\0';
	return buf;
}

const char *dw_rrtype_str(uint16_t type, char buf[16])
{
	const char *s = dw_rrtype_name(type);
	return s ? s : prefixed("TYPE", type, buf);
}

const char *dw_class_str(uint16_t cls, char buf[16])
{
	switch (cls) {
	case 1: return "IN";
	case 3: return "CH";
	case 4: return "HS";
	case 254: return "NONE"; /* RFC 2136 */
	case 255: return "ANY";
	}
	return prefixed("CLASS", cls, buf);
}

static const char *const rcode_names[] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
	"YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
	"DSOTYPENI", NULL, NULL, NULL, NULL,
	/* 16 is also BADSIG (RFC 8945) in TSIG; in an RCODE field it can
	 * only be BADVERS (RFC 6891 9). */
	"BADVERS", "BADKEY", "BADTIME", "BADMODE", "BADNAME", "BADALG",
	"BADTRUNC", "BADCOOKIE",
};

const char *dw_rcode_str(uint16_t rcode, char buf[16])
{
	if (rcode < sizeof(rcode_names) / sizeof(rcode_names[0]) &&
	    rcode_names[rcode])
		return rcode_names[rcode];
	return prefixed("RCODE", rcode, buf);
}

const char *dw_opcode_str(uint8_t opcode, char buf[16])
{
	switch (opcode) {
	case 0: return "QUERY";
	case 1: return "IQUERY";
	case 2: return "STATUS";
	case 4: return "NOTIFY"; /* RFC 1996 */
	case 5: return "UPDATE"; /* RFC 2136 */
	case 6: return "DSO";    /* RFC 8490 */
	}
	return prefixed("OPCODE", opcode, buf);
}

static const char *const bad_names[DW_BAD__COUNT] = {
	[DW_BAD_NONE] = "none",
	[DW_BAD_SHORT_HEADER] = "short_header",
	[DW_BAD_LABEL] = "bad_label",
	[DW_BAD_POINTER] = "bad_pointer",
	[DW_BAD_NAME_TOO_LONG] = "name_too_long",
	[DW_BAD_QUESTION_TRUNC] = "question_trunc",
	[DW_BAD_ANSWER_TRUNC] = "answer_trunc",
	[DW_BAD_AUTHORITY_TRUNC] = "authority_trunc",
	[DW_BAD_ADDITIONAL_TRUNC] = "additional_trunc",
	[DW_BAD_OPT] = "bad_opt",
	[DW_BAD_TRAILING] = "trailing_bytes",
};

const char *dw_bad_name(dw_bad_t b)
{
	if ((unsigned)b < DW_BAD__COUNT && bad_names[b])
		return bad_names[b];
	return "unknown";
}
