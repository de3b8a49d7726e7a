/* lib/dnswire: whole messages (RFC 1035 4.1). Every packet is written out
 * byte by byte below; the expected fields are read off those bytes. */
#include <string.h>

#include "cu_main.h"
#include "rootlens/dnswire.h"

/* Query: id 0x1234, RD, QDCOUNT 1, "example.com. A IN" (29 bytes). */
static const uint8_t query[] = {
	0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* 12 */ 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
	/* 25 */ 0x00, 0x01, 0x00, 0x01,
};

static void test_short_header(void)
{
	dw_msg_t m;
	for (size_t n = 0; n < DW_HEADER_LEN; n++) {
		CU_ASSERT_EQUAL(dw_msg_parse(&m, query, n), DW_ETRUNC);
		CU_ASSERT_EQUAL(m.bad, DW_BAD_SHORT_HEADER);
		CU_ASSERT_EQUAL(m.have_header, 0);
		CU_ASSERT_EQUAL(m.have_question, 0);
		CU_ASSERT_EQUAL(m.reached, DW_SEC_HEADER);
		CU_ASSERT_EQUAL(m.len, n);
		CU_ASSERT_EQUAL(m.qdcount, 0);
	}
	CU_ASSERT_EQUAL(dw_msg_parse(&m, NULL, 0), DW_ETRUNC);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_SHORT_HEADER);
}

static void test_header_flags(void)
{
	/* 0x85 = 1 0000 1 0 1: QR, opcode 0, AA, RD;
	 * 0xa3 = 1 0 1 0 0011: RA, AD, rcode 3 */
	static const uint8_t h1[] = { 0xab, 0xcd, 0x85, 0xa3, 0, 0, 0, 0, 0, 0, 0, 0 };
	/* 0x2a = 0 0101 0 1 0: opcode 5, TC; 0x50 = 0 1 0 1 0000: Z, CD */
	static const uint8_t h2[] = { 0, 1, 0x2a, 0x50, 0, 0, 0, 0, 0, 0, 0, 0 };
	dw_msg_t m;

	CU_ASSERT_EQUAL(dw_msg_parse(&m, h1, sizeof(h1)), 0);
	CU_ASSERT_EQUAL(m.have_header, 1);
	CU_ASSERT_EQUAL(m.id, 0xabcd);
	CU_ASSERT_EQUAL(m.qr, 1);
	CU_ASSERT_EQUAL(m.opcode, 0);
	CU_ASSERT_EQUAL(m.aa, 1);
	CU_ASSERT_EQUAL(m.tc, 0);
	CU_ASSERT_EQUAL(m.rd, 1);
	CU_ASSERT_EQUAL(m.ra, 1);
	CU_ASSERT_EQUAL(m.z, 0);
	CU_ASSERT_EQUAL(m.ad, 1);
	CU_ASSERT_EQUAL(m.cd, 0);
	CU_ASSERT_EQUAL(m.rcode, 3);
	CU_ASSERT_EQUAL(m.rcode_full, 3);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_NONE);
	CU_ASSERT_EQUAL(m.reached, DW_SEC_END);
	CU_ASSERT_EQUAL(m.have_question, 0);
	CU_ASSERT_EQUAL(m.questions, 0);

	CU_ASSERT_EQUAL(dw_msg_parse(&m, h2, sizeof(h2)), 0);
	CU_ASSERT_EQUAL(m.id, 1);
	CU_ASSERT_EQUAL(m.qr, 0);
	CU_ASSERT_EQUAL(m.opcode, 5);
	CU_ASSERT_EQUAL(m.aa, 0);
	CU_ASSERT_EQUAL(m.tc, 1);
	CU_ASSERT_EQUAL(m.rd, 0);
	CU_ASSERT_EQUAL(m.ra, 0);
	CU_ASSERT_EQUAL(m.z, 1);
	CU_ASSERT_EQUAL(m.ad, 0);
	CU_ASSERT_EQUAL(m.cd, 1);
	CU_ASSERT_EQUAL(m.rcode, 0);
}

static void test_query(void)
{
	dw_msg_t m;
	CU_ASSERT_EQUAL(dw_msg_parse(&m, query, sizeof(query)), 0);
	CU_ASSERT_EQUAL(m.len, 29);
	CU_ASSERT_EQUAL(m.id, 0x1234);
	CU_ASSERT_EQUAL(m.rd, 1);
	CU_ASSERT_EQUAL(m.qr, 0);
	CU_ASSERT_EQUAL(m.qdcount, 1);
	CU_ASSERT_EQUAL(m.have_question, 1);
	CU_ASSERT_EQUAL(m.questions, 1);
	CU_ASSERT_EQUAL(m.qname_len, 13);
	CU_ASSERT_EQUAL(memcmp(m.qname, query + 12, 13), 0);
	CU_ASSERT_EQUAL(m.qtype, 1);
	CU_ASSERT_EQUAL(m.qclass, 1);
	CU_ASSERT_EQUAL(m.rrs, 0);
	CU_ASSERT_EQUAL(m.have_edns, 0);
	CU_ASSERT_EQUAL(m.reached, DW_SEC_END);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_NONE);
}

static void test_qdcount_vs_bytes(void)
{
	/* 10 bytes after the header hold at most 2 minimal questions */
	uint8_t w[] = {
		0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0,
		/* 12 */ 0, 0x00, 0x02, 0x00, 0x01, /* . NS IN */
		/* 17 */ 0, 0x00, 0x06, 0x00, 0x03, /* . SOA CH */
	};
	dw_msg_t m;
	/* QDCOUNT 3 > 10 / 5: refused before any question is read */
	CU_ASSERT_EQUAL(dw_msg_parse(&m, w, sizeof(w)), DW_ETRUNC);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_QUESTION_TRUNC);
	CU_ASSERT_EQUAL(m.reached, DW_SEC_QUESTION);
	CU_ASSERT_EQUAL(m.questions, 0);
	CU_ASSERT_EQUAL(m.have_question, 0);
	CU_ASSERT_EQUAL(m.have_header, 1);
	CU_ASSERT_EQUAL(m.qdcount, 3);
	/* QDCOUNT 2: exactly fits */
	w[5] = 2;
	CU_ASSERT_EQUAL(dw_msg_parse(&m, w, sizeof(w)), 0);
	CU_ASSERT_EQUAL(m.questions, 2);
	CU_ASSERT_EQUAL(m.qname_len, 1);
	CU_ASSERT_EQUAL(m.qname[0], 0);
	CU_ASSERT_EQUAL(m.qtype, 2); /* the first question is kept */
	CU_ASSERT_EQUAL(m.qclass, 1);
	/* QDCOUNT 65535 */
	w[4] = w[5] = 0xff;
	CU_ASSERT_EQUAL(dw_msg_parse(&m, w, sizeof(w)), DW_ETRUNC);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_QUESTION_TRUNC);
	CU_ASSERT_EQUAL(m.questions, 0);
}

static void test_question_trunc(void)
{
	dw_msg_t m;
	/* name complete, QTYPE complete, QCLASS missing one byte */
	CU_ASSERT_EQUAL(dw_msg_parse(&m, query, sizeof(query) - 1), DW_ETRUNC);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_QUESTION_TRUNC);
	CU_ASSERT_EQUAL(m.have_question, 0);
	CU_ASSERT_EQUAL(m.questions, 0);
	/* cut inside the name ("exam"): 12 + 5 bytes, 5/5 passes the count
	 * check, the name read fails */
	CU_ASSERT_EQUAL(dw_msg_parse(&m, query, 17), DW_ETRUNC);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_QUESTION_TRUNC);
	CU_ASSERT_EQUAL(m.reached, DW_SEC_QUESTION);
}

static void test_question_bad_names(void)
{
	dw_msg_t m;
	static const uint8_t lbl[] = {
		0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
		0x40, 'x', 0, 0, 1, 0, 1, /* label type 01 */
	};
	static const uint8_t fwd[] = {
		0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
		0xc0, 0x0e, 0, 0, 1, 0, 1, /* pointer forward to 14 */
	};
	static const uint8_t self[] = {
		0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
		0xc0, 0x0c, 0, 1, 0, 1, /* pointer to itself */
	};
	CU_ASSERT_EQUAL(dw_msg_parse(&m, lbl, sizeof(lbl)), DW_ELABEL);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_LABEL);
	CU_ASSERT_EQUAL(dw_msg_parse(&m, fwd, sizeof(fwd)), DW_ELOOP);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_POINTER);
	CU_ASSERT_EQUAL(dw_msg_parse(&m, self, sizeof(self)), DW_ELOOP);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_POINTER);
	CU_ASSERT_EQUAL(m.have_question, 0);

	/* 256-byte QNAME: 3 x 63 + 62 + root */
	uint8_t big[12 + 256 + 4] = { 0, 0, 0, 0, 0, 1 };
	size_t p = 12;
	for (int i = 0; i < 4; i++) {
		size_t n = i < 3 ? 63 : 62;
		big[p++] = (uint8_t)n;
		memset(big + p, 'a', n);
		p += n;
	}
	big[p++] = 0;
	big[p + 1] = 1; /* QTYPE 1 */
	big[p + 3] = 1; /* QCLASS 1 */
	CU_ASSERT_EQUAL(p + 4, sizeof(big));
	CU_ASSERT_EQUAL(dw_msg_parse(&m, big, sizeof(big)), DW_ENAMELEN);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_NAME_TOO_LONG);
	/* one byte shorter last label: 255, fits; the message gets a stray
	 * byte at the end */
	big[12 + 3 * 64] = 61;
	big[12 + 3 * 64 + 1 + 61] = 0; /* the new root label */
	CU_ASSERT_EQUAL(dw_msg_parse(&m, big, sizeof(big)), 0);
	CU_ASSERT_EQUAL(m.qname_len, 255);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_TRAILING);
}

static void test_multi_questions(void)
{
	static const uint8_t w[] = {
		0, 7, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0,
		/* 12 */ 2, 'n', 'l', 0, 0x00, 0x30, 0x00, 0x01, /* nl. DNSKEY IN */
		/* 20 */ 2, 'n', 'u', 0xc0, 0x0c, 0x00, 0x1c, 0x00, 0x01, /* nu.nl. AAAA */
	};
	dw_msg_t m;
	CU_ASSERT_EQUAL(dw_msg_parse(&m, w, sizeof(w)), 0);
	CU_ASSERT_EQUAL(m.questions, 2);
	CU_ASSERT_EQUAL(m.qname_len, 4);
	CU_ASSERT_EQUAL(memcmp(m.qname, "\2nl", 4), 0);
	CU_ASSERT_EQUAL(m.qtype, 48);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_NONE);
	/* second question cut short: first stays valid */
	CU_ASSERT_EQUAL(dw_msg_parse(&m, w, sizeof(w) - 2), DW_ETRUNC);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_QUESTION_TRUNC);
	CU_ASSERT_EQUAL(m.have_question, 1);
	CU_ASSERT_EQUAL(m.questions, 1);
	CU_ASSERT_EQUAL(m.qtype, 48);
}

/* Response: example.com. A, answer "C0 0C A IN 3600 93.184.216.34". */
static const uint8_t resp[] = {
	0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	/* 12 */ 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
	/* 25 */ 0x00, 0x01, 0x00, 0x01,
	/* 29 */ 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10,
	/* 39 */ 0x00, 0x04, 93, 184, 216, 34,
};

static void test_answer(void)
{
	dw_msg_t m;
	CU_ASSERT_EQUAL(sizeof(resp), 45);
	CU_ASSERT_EQUAL(dw_msg_parse(&m, resp, sizeof(resp)), 0);
	CU_ASSERT_EQUAL(m.qr, 1);
	CU_ASSERT_EQUAL(m.rd, 1);
	CU_ASSERT_EQUAL(m.ra, 1);
	CU_ASSERT_EQUAL(m.ancount, 1);
	CU_ASSERT_EQUAL(m.rrs, 1);
	CU_ASSERT_EQUAL(m.reached, DW_SEC_END);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_NONE);
	/* RDATA one byte short */
	CU_ASSERT_EQUAL(dw_msg_parse(&m, resp, sizeof(resp) - 1), DW_ETRUNC);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_ANSWER_TRUNC);
	CU_ASSERT_EQUAL(m.reached, DW_SEC_ANSWER);
	CU_ASSERT_EQUAL(m.rrs, 0);
	CU_ASSERT_EQUAL(m.have_question, 1);
	/* trailing bytes */
	uint8_t w[sizeof(resp) + 2];
	memcpy(w, resp, sizeof(resp));
	w[45] = w[46] = 0;
	CU_ASSERT_EQUAL(dw_msg_parse(&m, w, sizeof(w)), 0);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_TRAILING);
	CU_ASSERT_EQUAL(m.reached, DW_SEC_END);
	CU_ASSERT_EQUAL(m.rrs, 1);
}

static void test_answer_count_check(void)
{
	/* ANCOUNT 2 but 16 bytes left: 2 > 16 / 11, no RR is walked */
	uint8_t w[sizeof(resp)];
	dw_msg_t m;
	memcpy(w, resp, sizeof(resp));
	w[7] = 2;
	CU_ASSERT_EQUAL(dw_msg_parse(&m, w, sizeof(w)), DW_ETRUNC);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_ANSWER_TRUNC);
	CU_ASSERT_EQUAL(m.rrs, 0);
	/* the RR in the authority section instead */
	w[7] = 0;
	w[9] = 1;
	CU_ASSERT_EQUAL(dw_msg_parse(&m, w, sizeof(w)), 0);
	CU_ASSERT_EQUAL(m.rrs, 1);
	w[9] = 2;
	CU_ASSERT_EQUAL(dw_msg_parse(&m, w, sizeof(w)), DW_ETRUNC);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_AUTHORITY_TRUNC);
	CU_ASSERT_EQUAL(m.reached, DW_SEC_AUTHORITY);
	/* and in the additional section, cut short in the fixed part */
	w[9] = 0;
	w[11] = 1;
	CU_ASSERT_EQUAL(dw_msg_parse(&m, w, 29 + 11), DW_ETRUNC);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_ADDITIONAL_TRUNC);
	CU_ASSERT_EQUAL(m.reached, DW_SEC_ADDITIONAL);
}

static void test_answer_bad_owner(void)
{
	uint8_t w[sizeof(resp)];
	dw_msg_t m;
	memcpy(w, resp, sizeof(resp));
	w[30] = 0x1d; /* owner pointer to 29: itself */
	CU_ASSERT_EQUAL(dw_msg_parse(&m, w, sizeof(w)), DW_ELOOP);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_POINTER);
	CU_ASSERT_EQUAL(m.reached, DW_SEC_ANSWER);
	w[29] = 0x80; /* label type 10 */
	CU_ASSERT_EQUAL(dw_msg_parse(&m, w, sizeof(w)), DW_ELABEL);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_LABEL);
	/* owner pointer into the header: legal by the backwards rule; the
	 * byte at offset 4 (QDCOUNT's high byte) is 00, the root name */
	w[29] = 0xc0;
	w[30] = 0x04;
	CU_ASSERT_EQUAL(dw_msg_parse(&m, w, sizeof(w)), 0);
	CU_ASSERT_EQUAL(m.rrs, 1);
}

static void test_counts_attack(void)
{
	/* ARCOUNT 65535 in a 20-byte message */
	static const uint8_t w[20] = {
		0xbe, 0xef, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff,
		0, 0, 0, 0, 0, 0, 0, 0,
	};
	/* all four counts 65535 */
	static const uint8_t all[20] = {
		0xbe, 0xef, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	dw_msg_t m;
	CU_ASSERT_EQUAL(dw_msg_parse(&m, w, sizeof(w)), DW_ETRUNC);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_ADDITIONAL_TRUNC);
	CU_ASSERT_EQUAL(m.reached, DW_SEC_ADDITIONAL);
	CU_ASSERT_EQUAL(m.arcount, 65535);
	CU_ASSERT_EQUAL(m.rrs, 0);
	CU_ASSERT_EQUAL(dw_msg_parse(&m, all, sizeof(all)), DW_ETRUNC);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_QUESTION_TRUNC);
	CU_ASSERT_EQUAL(m.questions, 0);
}

static void test_reuse_resets(void)
{
	/* a message with EDNS, then a short one into the same view */
	static const uint8_t e[] = {
		0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		0, 0x00, 0x29, 0x10, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00,
	};
	dw_msg_t m;
	memset(&m, 0xa5, sizeof(m));
	CU_ASSERT_EQUAL(dw_msg_parse(&m, e, sizeof(e)), 0);
	CU_ASSERT_EQUAL(m.have_edns, 1);
	CU_ASSERT_EQUAL(m.have_question, 0);
	CU_ASSERT_EQUAL(m.qname_len, 0);
	CU_ASSERT_EQUAL(m.questions, 0);
	CU_ASSERT_EQUAL(m.edns_options, 0);
	CU_ASSERT_EQUAL(m.edns_opt_present, 0);
	CU_ASSERT_EQUAL(m.edns_opt_high, 0);
	CU_ASSERT_EQUAL(m.rcode_full, 16); /* ext 1, rcode 0 */
	CU_ASSERT_EQUAL(dw_msg_parse(&m, query, sizeof(query)), 0);
	CU_ASSERT_EQUAL(m.have_edns, 0);
	CU_ASSERT_EQUAL(m.edns_udpsize, 0);
	CU_ASSERT_EQUAL(m.edns_do, 0);
	CU_ASSERT_EQUAL(m.rcode_full, 0);
	CU_ASSERT_EQUAL(dw_msg_parse(&m, query, 5), DW_ETRUNC);
	CU_ASSERT_EQUAL(m.have_question, 0);
	CU_ASSERT_EQUAL(m.qname_len, 0);
	CU_ASSERT_EQUAL(m.rrs, 0);
	CU_ASSERT_EQUAL(m.have_header, 0);
}

static void test_bad_names(void)
{
	CU_ASSERT_STRING_EQUAL(dw_bad_name(DW_BAD_SHORT_HEADER), "short_header");
	CU_ASSERT_STRING_EQUAL(dw_bad_name(DW_BAD_TRAILING), "trailing_bytes");
}

/*
 * A root referral as servers write it: the NS owner points at the QNAME's
 * suffix, the NS RDATA names point at it too, and the glue owners point
 * into the NS RDATA. The parser shortcuts pointers to names it has
 * already validated; the results must equal a full walk's.
 */
static const uint8_t referral[] = {
	0xbe, 0xef, 0x80, 0x00, 0, 1, 0, 0, 0, 1, 0, 2,
	/* 12 question */ 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
	3, 'c', 'o', 'm', 0, 0x00, 0x01, 0x00, 0x01,
	/* 33 NS: owner -> 24 ("com"), rdlen 9 */
	0xc0, 24, 0, 2, 0, 1, 0, 2, 0xa3, 0, 0, 9,
	/* 45 rdata: "a.gtld" -> 24 */ 1, 'a', 4, 'g', 't', 'l', 'd', 0xc0, 24,
	/* 54 A glue: owner -> 45 ("a.gtld.com"), rdlen 4 */
	0xc0, 45, 0, 1, 0, 1, 0, 2, 0xa3, 0, 0, 4, 192, 0, 2, 30,
	/* 70 OPT: root, payload 1232, DO */
	0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0,
};

static void test_referral_compression(void)
{
	dw_msg_t m;
	CU_ASSERT_EQUAL(dw_msg_parse(&m, referral, sizeof(referral)), 0);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_NONE);
	CU_ASSERT_EQUAL(m.rrs, 3);
	CU_ASSERT_EQUAL(m.reached, DW_SEC_END);
	CU_ASSERT_EQUAL(m.have_edns, 1);
	CU_ASSERT_EQUAL(m.edns_udpsize, 1232);
	CU_ASSERT_EQUAL(m.edns_do, 1);

	/* glue owner -> into RDATA at a bad label (0x80): bad_label, as the
	 * full walk says, even though the NS record itself was fine */
	uint8_t bad[sizeof(referral)];
	memcpy(bad, referral, sizeof(bad));
	bad[47] = 0x84; /* the "gtld" label length becomes type 10 */
	CU_ASSERT_EQUAL(dw_msg_parse(&m, bad, sizeof(bad)), DW_ELABEL);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_LABEL);
	CU_ASSERT_EQUAL(m.reached, DW_SEC_ADDITIONAL);
	CU_ASSERT_EQUAL(m.rrs, 1);

	/* glue owner pointing forward (at itself): bad_pointer */
	memcpy(bad, referral, sizeof(bad));
	bad[55] = 54;
	CU_ASSERT_EQUAL(dw_msg_parse(&m, bad, sizeof(bad)), DW_ELOOP);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_POINTER);
}

/* A 253-byte QNAME; an owner of one 63-byte label plus a pointer to it is
 * 317 bytes: too long, whether or not the target was seen before. */
static void test_memo_keeps_length_limit(void)
{
	uint8_t w[400];
	size_t n = 0;
	const uint8_t hdr[12] = { 0, 1, 0x80, 0, 0, 1, 0, 1, 0, 0, 0, 0 };
	memcpy(w, hdr, 12);
	n = 12;
	for (int l = 0; l < 4; l++) { /* 4 labels: 63+63+63+61 = 253 with root */
		uint8_t ll = l < 3 ? 63 : 61;
		w[n++] = ll;
		memset(w + n, 'a', ll);
		n += ll;
	}
	w[n++] = 0;
	CU_ASSERT_EQUAL(n - 12, 255);
	w[n++] = 0; w[n++] = 1; w[n++] = 0; w[n++] = 1;
	w[n++] = 63;
	memset(w + n, 'b', 63);
	n += 63;
	w[n++] = 0xc0; w[n++] = 12;
	const uint8_t rr[10] = { 0, 1, 0, 1, 0, 0, 0, 1, 0, 0 };
	memcpy(w + n, rr, 10);
	n += 10;
	dw_msg_t m;
	CU_ASSERT_EQUAL(dw_msg_parse(&m, w, n), DW_ENAMELEN);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_NAME_TOO_LONG);
	CU_ASSERT_EQUAL(m.have_question, 1);
}

static CU_TestInfo tests[] = {
	{ "referral: pointers into RDATA", test_referral_compression },
	{ "shortcut keeps the 255 limit", test_memo_keeps_length_limit },
	{ "short header 0..11", test_short_header },
	{ "header flags", test_header_flags },
	{ "simple query", test_query },
	{ "qdcount against bytes", test_qdcount_vs_bytes },
	{ "truncated question", test_question_trunc },
	{ "bad names in question", test_question_bad_names },
	{ "several questions", test_multi_questions },
	{ "answer with compression", test_answer },
	{ "section counts against bytes", test_answer_count_check },
	{ "bad owner names", test_answer_bad_owner },
	{ "counts attack", test_counts_attack },
	{ "view reset on reuse", test_reuse_resets },
	{ "reason names", test_bad_names },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("dw_msg", tests);
}
