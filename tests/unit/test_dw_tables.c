/* lib/dnswire: IANA mnemonics. The expected table is typed in from the
 * IANA "Resource Record (RR) TYPEs", "DNS CLASSes", "DNS RCODEs" and
 * "DNS OpCodes" registries (and cross-checked with tshark -G values). */
#include <string.h>

#include "cu_main.h"
#include "rootlens/dnswire.h"

static const struct {
	uint16_t type;
	const char *name;
} types[] = {
	{ 1, "A" }, { 2, "NS" }, { 3, "MD" }, { 4, "MF" }, { 5, "CNAME" },
	{ 6, "SOA" }, { 7, "MB" }, { 8, "MG" }, { 9, "MR" }, { 10, "NULL" },
	{ 11, "WKS" }, { 12, "PTR" }, { 13, "HINFO" }, { 14, "MINFO" },
	{ 15, "MX" }, { 16, "TXT" }, { 17, "RP" }, { 18, "AFSDB" },
	{ 19, "X25" }, { 20, "ISDN" }, { 21, "RT" }, { 22, "NSAP" },
	{ 23, "NSAP-PTR" }, { 24, "SIG" }, { 25, "KEY" }, { 26, "PX" },
	{ 27, "GPOS" }, { 28, "AAAA" }, { 29, "LOC" }, { 30, "NXT" },
	{ 31, "EID" }, { 32, "NIMLOC" }, { 33, "SRV" }, { 34, "ATMA" },
	{ 35, "NAPTR" }, { 36, "KX" }, { 37, "CERT" }, { 38, "A6" },
	{ 39, "DNAME" }, { 40, "SINK" }, { 41, "OPT" }, { 42, "APL" },
	{ 43, "DS" }, { 44, "SSHFP" }, { 45, "IPSECKEY" }, { 46, "RRSIG" },
	{ 47, "NSEC" }, { 48, "DNSKEY" }, { 49, "DHCID" }, { 50, "NSEC3" },
	{ 51, "NSEC3PARAM" }, { 52, "TLSA" }, { 53, "SMIMEA" }, { 55, "HIP" },
	{ 56, "NINFO" }, { 57, "RKEY" }, { 58, "TALINK" }, { 59, "CDS" },
	{ 60, "CDNSKEY" }, { 61, "OPENPGPKEY" }, { 62, "CSYNC" },
	{ 63, "ZONEMD" }, { 64, "SVCB" }, { 65, "HTTPS" }, { 99, "SPF" },
	{ 100, "UINFO" }, { 101, "UID" }, { 102, "GID" }, { 103, "UNSPEC" },
	{ 104, "NID" }, { 105, "L32" }, { 106, "L64" }, { 107, "LP" },
	{ 108, "EUI48" }, { 109, "EUI64" }, { 249, "TKEY" }, { 250, "TSIG" },
	{ 251, "IXFR" }, { 252, "AXFR" }, { 253, "MAILB" }, { 254, "MAILA" },
	{ 255, "ANY" }, { 256, "URI" }, { 257, "CAA" }, { 258, "AVC" },
	{ 259, "DOA" }, { 260, "AMTRELAY" }, { 32768, "TA" }, { 32769, "DLV" },
};

static void test_rrtype_known(void)
{
	char buf[16];
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		const char *n = dw_rrtype_name(types[i].type);
		CU_ASSERT_PTR_NOT_NULL_FATAL(n);
		CU_ASSERT_STRING_EQUAL(n, types[i].name);
		CU_ASSERT_STRING_EQUAL(dw_rrtype_str(types[i].type, buf), types[i].name);
	}
}

static void test_rrtype_unknown(void)
{
	char buf[16];
	/* 0 is reserved, 54 and 110..127 unassigned, 65280.. private use */
	static const uint16_t none[] = { 0, 54, 70, 98, 110, 127, 248, 270,
					 32767, 32770, 65280, 65535 };
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		CU_ASSERT_PTR_NULL(dw_rrtype_name(none[i]));
	CU_ASSERT_STRING_EQUAL(dw_rrtype_str(0, buf), "TYPE0");
	CU_ASSERT_STRING_EQUAL(dw_rrtype_str(54, buf), "TYPE54");
	CU_ASSERT_STRING_EQUAL(dw_rrtype_str(110, buf), "TYPE110");
	CU_ASSERT_STRING_EQUAL(dw_rrtype_str(65280, buf), "TYPE65280");
	CU_ASSERT_STRING_EQUAL(dw_rrtype_str(65535, buf), "TYPE65535");
	CU_ASSERT_PTR_EQUAL(dw_rrtype_str(65535, buf), buf);
}

static void test_class(void)
{
	char buf[16];
	CU_ASSERT_STRING_EQUAL(dw_class_str(1, buf), "IN");
	CU_ASSERT_STRING_EQUAL(dw_class_str(3, buf), "CH");
	CU_ASSERT_STRING_EQUAL(dw_class_str(4, buf), "HS");
	CU_ASSERT_STRING_EQUAL(dw_class_str(254, buf), "NONE");
	CU_ASSERT_STRING_EQUAL(dw_class_str(255, buf), "ANY");
	CU_ASSERT_STRING_EQUAL(dw_class_str(0, buf), "CLASS0");
	CU_ASSERT_STRING_EQUAL(dw_class_str(2, buf), "CLASS2");
	CU_ASSERT_STRING_EQUAL(dw_class_str(4096, buf), "CLASS4096");
	CU_ASSERT_STRING_EQUAL(dw_class_str(65535, buf), "CLASS65535");
}

static void test_rcode(void)
{
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
		"YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE", "DSOTYPENI",
	};
	static const char *const ext[] = {
		"BADVERS", "BADKEY", "BADTIME", "BADMODE", "BADNAME", "BADALG",
		"BADTRUNC", "BADCOOKIE",
	};
	char buf[16];
	for (uint16_t i = 0; i < 12; i++)
		CU_ASSERT_STRING_EQUAL(dw_rcode_str(i, buf), names[i]);
	for (uint16_t i = 0; i < 8; i++)
		CU_ASSERT_STRING_EQUAL(dw_rcode_str((uint16_t)(16 + i), buf), ext[i]);
	CU_ASSERT_STRING_EQUAL(dw_rcode_str(12, buf), "RCODE12");
	CU_ASSERT_STRING_EQUAL(dw_rcode_str(15, buf), "RCODE15");
	CU_ASSERT_STRING_EQUAL(dw_rcode_str(24, buf), "RCODE24");
	CU_ASSERT_STRING_EQUAL(dw_rcode_str(4095, buf), "RCODE4095");
	CU_ASSERT_STRING_EQUAL(dw_rcode_str(65535, buf), "RCODE65535");
}

static void test_opcode(void)
{
	char buf[16];
	CU_ASSERT_STRING_EQUAL(dw_opcode_str(0, buf), "QUERY");
	CU_ASSERT_STRING_EQUAL(dw_opcode_str(1, buf), "IQUERY");
	CU_ASSERT_STRING_EQUAL(dw_opcode_str(2, buf), "STATUS");
	CU_ASSERT_STRING_EQUAL(dw_opcode_str(3, buf), "OPCODE3");
	CU_ASSERT_STRING_EQUAL(dw_opcode_str(4, buf), "NOTIFY");
	CU_ASSERT_STRING_EQUAL(dw_opcode_str(5, buf), "UPDATE");
	CU_ASSERT_STRING_EQUAL(dw_opcode_str(6, buf), "DSO");
	CU_ASSERT_STRING_EQUAL(dw_opcode_str(7, buf), "OPCODE7");
	CU_ASSERT_STRING_EQUAL(dw_opcode_str(15, buf), "OPCODE15");
	CU_ASSERT_STRING_EQUAL(dw_opcode_str(255, buf), "OPCODE255");
}

static void test_bad_name(void)
{
	static const char *const names[] = {
		"none", "short_header", "bad_label", "bad_pointer",
		"name_too_long", "question_trunc", "answer_trunc",
		"authority_trunc", "additional_trunc", "bad_opt",
		"trailing_bytes",
	};
	CU_ASSERT_EQUAL(sizeof(names) / sizeof(names[0]), DW_BAD__COUNT);
	for (int i = 0; i < DW_BAD__COUNT; i++)
		CU_ASSERT_STRING_EQUAL(dw_bad_name((dw_bad_t)i), names[i]);
	CU_ASSERT_STRING_EQUAL(dw_bad_name(DW_BAD__COUNT), "unknown");
	CU_ASSERT_STRING_EQUAL(dw_bad_name((dw_bad_t)-1), "unknown");
}

static CU_TestInfo tests[] = {
	{ "RR types: IANA mnemonics", test_rrtype_known },
	{ "RR types: unassigned", test_rrtype_unknown },
	{ "classes", test_class },
	{ "rcodes", test_rcode },
	{ "opcodes", test_opcode },
	{ "reason names", test_bad_name },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("dw_tables", tests);
}
