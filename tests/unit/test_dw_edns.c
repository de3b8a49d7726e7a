/* lib/dnswire: the EDNS(0) OPT record (RFC 6891 6). Each message is a
 * header, the question ". NS IN" (00 0002 0001) and then the records
 * written out below; expected fields are read off those bytes. */
#include <string.h>

#include "cu_main.h"
#include "rootlens/dnswire.h"

/* header: id, flags f1 f2, QDCOUNT 1, ANCOUNT an, NSCOUNT 0, ARCOUNT ar */
#define HDR(f1, f2, an, ar) \
	0x00, 0x2a, (f1), (f2), 0x00, 0x01, 0x00, (an), 0x00, 0x00, 0x00, (ar)
#define QROOT_NS 0x00, 0x00, 0x02, 0x00, 0x01 /* offset 12..16 */

static void test_do_udpsize(void)
{
	static const uint8_t w[] = {
		HDR(0x00, 0x00, 0, 1), QROOT_NS,
		/* 17 */ 0x00, 0x00, 0x29, /* root owner, TYPE 41 */
		0x10, 0x00,             /* CLASS = UDP size 4096 */
		0x00, 0x00, 0x80, 0x00, /* ext 0, version 0, DO */
		0x00, 0x00,             /* RDLENGTH 0 */
	};
	dw_msg_t m;
	CU_ASSERT_EQUAL(dw_msg_parse(&m, w, sizeof(w)), 0);
	CU_ASSERT_EQUAL(m.have_edns, 1);
	CU_ASSERT_EQUAL(m.edns_udpsize, 4096);
	CU_ASSERT_EQUAL(m.edns_do, 1);
	CU_ASSERT_EQUAL(m.edns_flags, 0x8000);
	CU_ASSERT_EQUAL(m.edns_version, 0);
	CU_ASSERT_EQUAL(m.edns_ext_rcode, 0);
	CU_ASSERT_EQUAL(m.edns_options, 0);
	CU_ASSERT_EQUAL(m.edns_opt_present, 0);
	CU_ASSERT_EQUAL(m.edns_opt_high, 0);
	CU_ASSERT_EQUAL(m.rcode_full, 0);
	CU_ASSERT_EQUAL(m.rrs, 1);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_NONE);
	CU_ASSERT_EQUAL(m.reached, DW_SEC_END);
}

static void test_version_z(void)
{
	static const uint8_t w[] = {
		HDR(0x00, 0x00, 0, 1), QROOT_NS,
		0x00, 0x00, 0x29, 0x04, 0xd0, /* 1232 */
		0x00, 0x01, 0x40, 0x01,       /* version 1, Z bits 0x4001, no DO */
		0x00, 0x00,
	};
	dw_msg_t m;
	CU_ASSERT_EQUAL(dw_msg_parse(&m, w, sizeof(w)), 0);
	CU_ASSERT_EQUAL(m.edns_udpsize, 1232);
	CU_ASSERT_EQUAL(m.edns_version, 1);
	CU_ASSERT_EQUAL(m.edns_do, 0);
	CU_ASSERT_EQUAL(m.edns_flags, 0x4001);
}

static void test_ext_rcode(void)
{
	/* response, header RCODE 0, OPT ext rcode 1: BADVERS (16) */
	uint8_t w[] = {
		HDR(0x84, 0x00, 0, 1), QROOT_NS,
		0x00, 0x00, 0x29, 0x02, 0x00,
		/* 22 */ 0x01, 0x00, 0x00, 0x00,
		0x00, 0x00,
	};
	char buf[16];
	dw_msg_t m;
	CU_ASSERT_EQUAL(dw_msg_parse(&m, w, sizeof(w)), 0);
	CU_ASSERT_EQUAL(m.rcode, 0);
	CU_ASSERT_EQUAL(m.edns_ext_rcode, 1);
	CU_ASSERT_EQUAL(m.rcode_full, 16);
	CU_ASSERT_STRING_EQUAL(dw_rcode_str(m.rcode_full, buf), "BADVERS");
	/* header RCODE 7, ext 1: 0x17 = 23, BADCOOKIE */
	w[3] = 0x07;
	CU_ASSERT_EQUAL(dw_msg_parse(&m, w, sizeof(w)), 0);
	CU_ASSERT_EQUAL(m.rcode, 7);
	CU_ASSERT_EQUAL(m.rcode_full, 23);
	CU_ASSERT_STRING_EQUAL(dw_rcode_str(m.rcode_full, buf), "BADCOOKIE");
	/* header RCODE 15, ext 255: the largest, 4095 */
	w[3] = 0x0f;
	w[22] = 0xff;
	CU_ASSERT_EQUAL(dw_msg_parse(&m, w, sizeof(w)), 0);
	CU_ASSERT_EQUAL(m.rcode_full, 4095);
	/* without the OPT (ARCOUNT 0, 11 trailing bytes) rcode_full = rcode */
	w[11] = 0;
	CU_ASSERT_EQUAL(dw_msg_parse(&m, w, sizeof(w)), 0);
	CU_ASSERT_EQUAL(m.have_edns, 0);
	CU_ASSERT_EQUAL(m.rcode_full, 15);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_TRAILING);
}

static void test_options(void)
{
	static const uint8_t w[] = {
		HDR(0x00, 0x00, 0, 1), QROOT_NS,
		0x00, 0x00, 0x29, 0x05, 0xc0, 0x00, 0x00, 0x80, 0x00,
		0x00, 0x21, /* RDLENGTH 33 = 12 + 11 + 4 + 6 */
		/* COOKIE (10), 8-byte client cookie */
		0x00, 0x0a, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8,
		/* ECS (8): family 1, source /24, scope 0, 192.0.2 */
		0x00, 0x08, 0x00, 0x07, 0x00, 0x01, 0x18, 0x00, 0xc0, 0x00, 0x02,
		/* PADDING (12), empty */
		0x00, 0x0c, 0x00, 0x00,
		/* 65001 (0xfde9, local/experimental), 2 bytes */
		0xfd, 0xe9, 0x00, 0x02, 0xab, 0xcd,
	};
	dw_msg_t m;
	CU_ASSERT_EQUAL(dw_msg_parse(&m, w, sizeof(w)), 0);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_NONE);
	CU_ASSERT_EQUAL(m.edns_udpsize, 1472);
	CU_ASSERT_EQUAL(m.edns_do, 1);
	CU_ASSERT_EQUAL(m.edns_options, 4);
	CU_ASSERT_EQUAL(m.edns_opt_present,
			(uint64_t)1 << 10 | (uint64_t)1 << 8 | (uint64_t)1 << 12);
	CU_ASSERT_EQUAL(m.edns_opt_high, 1);
}

static void test_option_codes_edges(void)
{
	static const uint8_t w[] = {
		HDR(0x00, 0x00, 0, 1), QROOT_NS,
		0x00, 0x00, 0x29, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x0c, /* 12 */
		0x00, 0x00, 0x00, 0x00, /* code 0 */
		0x00, 0x3f, 0x00, 0x00, /* code 63: the top bit */
		0x00, 0x40, 0x00, 0x00, /* code 64: first "high" code */
	};
	dw_msg_t m;
	CU_ASSERT_EQUAL(dw_msg_parse(&m, w, sizeof(w)), 0);
	CU_ASSERT_EQUAL(m.edns_options, 3);
	CU_ASSERT_EQUAL(m.edns_opt_present, (uint64_t)1 | (uint64_t)1 << 63);
	CU_ASSERT_EQUAL(m.edns_opt_high, 1);
	CU_ASSERT_EQUAL(m.edns_do, 0);
}

static void test_option_overrun(void)
{
	/* COOKIE claims 8 bytes, RDLENGTH leaves 2 */
	static const uint8_t over[] = {
		HDR(0x00, 0x00, 0, 1), QROOT_NS,
		0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x80, 0x00,
		0x00, 0x06,
		0x00, 0x0a, 0x00, 0x08, 0x01, 0x02,
	};
	/* one good option, then NSID (3) claiming 5 of the 1 byte left */
	static const uint8_t after[] = {
		HDR(0x00, 0x00, 0, 1), QROOT_NS,
		0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x80, 0x00,
		0x00, 0x0b,
		0x00, 0x0a, 0x00, 0x02, 0xaa, 0xbb,
		0x00, 0x03, 0x00, 0x05, 0x00,
	};
	/* RDLENGTH 2: half an option header */
	static const uint8_t half[] = {
		HDR(0x00, 0x00, 0, 1), QROOT_NS,
		0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x80, 0x00,
		0x00, 0x02,
		0x00, 0x0a,
	};
	/* PADDING, then 3 bytes of a next header */
	static const uint8_t half2[] = {
		HDR(0x00, 0x00, 0, 1), QROOT_NS,
		0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x80, 0x00,
		0x00, 0x07,
		0x00, 0x0c, 0x00, 0x00, 0x00, 0x0a, 0x00,
	};
	dw_msg_t m;

	CU_ASSERT_EQUAL(dw_msg_parse(&m, over, sizeof(over)), DW_EOPT);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_OPT);
	CU_ASSERT_EQUAL(m.have_edns, 1);
	CU_ASSERT_EQUAL(m.edns_udpsize, 1232);
	CU_ASSERT_EQUAL(m.edns_do, 1);
	CU_ASSERT_EQUAL(m.edns_options, 0);
	CU_ASSERT_EQUAL(m.edns_opt_present, 0);
	CU_ASSERT_EQUAL(m.rrs, 1);
	CU_ASSERT_EQUAL(m.reached, DW_SEC_END);

	CU_ASSERT_EQUAL(dw_msg_parse(&m, after, sizeof(after)), DW_EOPT);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_OPT);
	CU_ASSERT_EQUAL(m.edns_options, 1);
	CU_ASSERT_EQUAL(m.edns_opt_present, (uint64_t)1 << 10);

	CU_ASSERT_EQUAL(dw_msg_parse(&m, half, sizeof(half)), DW_EOPT);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_OPT);
	CU_ASSERT_EQUAL(m.edns_options, 0);

	CU_ASSERT_EQUAL(dw_msg_parse(&m, half2, sizeof(half2)), DW_EOPT);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_OPT);
	CU_ASSERT_EQUAL(m.edns_options, 1);
	CU_ASSERT_EQUAL(m.edns_opt_present, (uint64_t)1 << 12);
}

static void test_two_opts(void)
{
	static const uint8_t w[] = {
		HDR(0x00, 0x00, 0, 2), QROOT_NS,
		0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x29, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	dw_msg_t m;
	CU_ASSERT_EQUAL(dw_msg_parse(&m, w, sizeof(w)), DW_EOPT);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_OPT);
	CU_ASSERT_EQUAL(m.have_edns, 1);
	CU_ASSERT_EQUAL(m.edns_udpsize, 1232); /* the first one's */
	CU_ASSERT_EQUAL(m.edns_do, 1);
	CU_ASSERT_EQUAL(m.edns_ext_rcode, 0);
	CU_ASSERT_EQUAL(m.rcode_full, 0);
	CU_ASSERT_EQUAL(m.rrs, 2);
	CU_ASSERT_EQUAL(m.reached, DW_SEC_END);
}

static void test_owner(void)
{
	/* owner "a." instead of the root */
	static const uint8_t nonroot[] = {
		HDR(0x00, 0x00, 0, 1), QROOT_NS,
		0x01, 'a', 0x00, 0x00, 0x29, 0x10, 0x00, 0x00, 0x00, 0x80, 0x00,
		0x00, 0x00,
	};
	/* owner: pointer to offset 12, the question's root name */
	static const uint8_t viaptr[] = {
		HDR(0x00, 0x00, 0, 1), QROOT_NS,
		0xc0, 0x0c, 0x00, 0x29, 0x10, 0x00, 0x00, 0x00, 0x80, 0x00,
		0x00, 0x00,
	};
	dw_msg_t m;
	CU_ASSERT_EQUAL(dw_msg_parse(&m, nonroot, sizeof(nonroot)), DW_EOPT);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_OPT);
	CU_ASSERT_EQUAL(m.have_edns, 1);
	CU_ASSERT_EQUAL(m.edns_udpsize, 4096);
	CU_ASSERT_EQUAL(m.edns_do, 1);
	CU_ASSERT_EQUAL(dw_msg_parse(&m, viaptr, sizeof(viaptr)), 0);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_NONE);
	CU_ASSERT_EQUAL(m.have_edns, 1);
}

static void test_opt_outside_additional(void)
{
	/* the same OPT bytes as the answer: just an RR */
	static const uint8_t w[] = {
		HDR(0x80, 0x00, 1, 0), QROOT_NS,
		0x00, 0x00, 0x29, 0x10, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00,
	};
	dw_msg_t m;
	CU_ASSERT_EQUAL(dw_msg_parse(&m, w, sizeof(w)), 0);
	CU_ASSERT_EQUAL(m.have_edns, 0);
	CU_ASSERT_EQUAL(m.rrs, 1);
	CU_ASSERT_EQUAL(m.rcode_full, 0);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_NONE);
}

static void test_opt_truncated(void)
{
	/* RDLENGTH 4, only 2 bytes: the fixed part is complete */
	static const uint8_t rdata[] = {
		HDR(0x80, 0x00, 0, 1), QROOT_NS,
		0x00, 0x00, 0x29, 0x10, 0x00, 0x01, 0x00, 0x80, 0x00,
		0x00, 0x04, 0x00, 0x0c,
	};
	/* the fixed part cut inside RDLENGTH: 10 bytes < DW_RR_MIN */
	static const uint8_t fixed[] = {
		HDR(0x80, 0x00, 0, 1), QROOT_NS,
		0x00, 0x00, 0x29, 0x10, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00,
	};
	dw_msg_t m;
	CU_ASSERT_EQUAL(dw_msg_parse(&m, rdata, sizeof(rdata)), DW_ETRUNC);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_ADDITIONAL_TRUNC);
	CU_ASSERT_EQUAL(m.have_edns, 1);
	CU_ASSERT_EQUAL(m.edns_do, 1);
	CU_ASSERT_EQUAL(m.edns_options, 0);
	CU_ASSERT_EQUAL(m.rcode_full, 16);
	CU_ASSERT_EQUAL(m.rrs, 0);
	CU_ASSERT_EQUAL(dw_msg_parse(&m, fixed, sizeof(fixed)), DW_ETRUNC);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_ADDITIONAL_TRUNC);
	CU_ASSERT_EQUAL(m.have_edns, 0);
	CU_ASSERT_EQUAL(m.rcode_full, 0);
}

static void test_bad_opt_then_error(void)
{
	/* non-root OPT (bad_opt), then an RR whose owner has label type 10:
	 * the structural error is the one reported */
	static const uint8_t w[] = {
		HDR(0x80, 0x00, 0, 2), QROOT_NS,
		0x01, 'a', 0x00, 0x00, 0x29, 0x10, 0x00, 0x01, 0x00, 0x00, 0x00,
		0x00, 0x00,
		0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	dw_msg_t m;
	CU_ASSERT_EQUAL(dw_msg_parse(&m, w, sizeof(w)), DW_ELABEL);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_LABEL);
	CU_ASSERT_EQUAL(m.have_edns, 1);
	CU_ASSERT_EQUAL(m.rcode_full, 16);
	CU_ASSERT_EQUAL(m.rrs, 1);
	CU_ASSERT_EQUAL(m.reached, DW_SEC_ADDITIONAL);
}

static void test_bad_opt_over_trailing(void)
{
	static const uint8_t w[] = {
		HDR(0x00, 0x00, 0, 2), QROOT_NS,
		0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x29, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0xee, /* trailing */
	};
	static const uint8_t ok[] = {
		HDR(0x00, 0x00, 0, 1), QROOT_NS,
		0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00,
		0xee, 0xee,
	};
	dw_msg_t m;
	CU_ASSERT_EQUAL(dw_msg_parse(&m, w, sizeof(w)), DW_EOPT);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_OPT);
	CU_ASSERT_EQUAL(dw_msg_parse(&m, ok, sizeof(ok)), 0);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_TRAILING);
	CU_ASSERT_EQUAL(m.have_edns, 1);
}

static CU_TestInfo tests[] = {
	{ "DO bit and UDP size", test_do_udpsize },
	{ "version and Z bits", test_version_z },
	{ "extended rcode", test_ext_rcode },
	{ "options: cookie, ECS, padding, 65001", test_options },
	{ "option codes 0, 63, 64", test_option_codes_edges },
	{ "options overrunning RDLENGTH", test_option_overrun },
	{ "two OPT records", test_two_opts },
	{ "OPT owner", test_owner },
	{ "OPT outside the additional section", test_opt_outside_additional },
	{ "OPT truncated", test_opt_truncated },
	{ "bad OPT then a structural error", test_bad_opt_then_error },
	{ "bad OPT wins over trailing bytes", test_bad_opt_over_trailing },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("dw_edns", tests);
}
