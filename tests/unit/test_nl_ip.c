/*
 * test_nl_ip.c - IPv4 options and lengths, IPv6 extension header chains,
 * truncation, ICMP quoting DNS, UDP length rules.
 */
#include "test_nl_build.h"

static uint8_t F[4096], M[512], X[1024];

static nl_decoder_t *D;

static void setup(void)
{
	D = new_decoder();
	rec_reset();
}

static void teardown(void)
{
	nl_decoder_free(D);
}

static void test_ipv4_options(void)
{
	setup();
	for (size_t opt = 0; opt <= 40; opt += 4) {
		size_t ml = mk_dns(M, (uint16_t)opt, 5);
		size_t k = mk_udp(F, 5000, 53, M, ml);
		k = mk_ip4o(F, 17, A4, B4, 1, 0, opt, F, k);
		feed(D, NL_LINK_RAW, 1, F, k);
		CU_ASSERT(rec_is(R.n - 1, M, ml));
	}
	CU_ASSERT_EQUAL(R.n, 11);
	CU_ASSERT_EQUAL(ST(D)->dns_packets, 11);
	teardown();
}

static void test_ipv4_bad(void)
{
	setup();
	size_t ml = mk_dns(M, 1, 5);
	size_t k = mk_udp(F, 5000, 53, M, ml);
	k = mk_ip4(F, 17, F, k);

	F[0] = 0x44;		/* IHL 4 < 5 */
	feed(D, NL_LINK_RAW, 1, F, k);
	F[0] = 0x45;
	put16(F + 2, 19);	/* total length < header */
	feed(D, NL_LINK_RAW, 1, F, k);
	put16(F + 2, (uint16_t)(k + 1));	/* longer than the frame, not snapped */
	feed(D, NL_LINK_RAW, 1, F, k);
	put16(F + 2, (uint16_t)k);
	F[0] = 0x4f;		/* header of 60 bytes runs past total length */
	feed(D, NL_LINK_RAW, 1, F, k);
	CU_ASSERT_EQUAL(ST(D)->skipped[NL_SKIP_IP_BAD], 4);
	F[0] = 0x45;
	feed(D, NL_LINK_IPV4, 1, F, 19);	/* header cut */
	CU_ASSERT_EQUAL(ST(D)->skipped[NL_SKIP_IP_TRUNC], 1);
	/* snaplen cut the last byte: handed up as captured, with the
	 * message's real length (UDP length - 8) beside it */
	nl_decode(D, NL_LINK_IPV4, 1, 0, F, k - 1, k, rec_cb, NULL);
	CU_ASSERT_EQUAL(ST(D)->skipped[NL_SKIP_IP_TRUNC], 1);
	CU_ASSERT_EQUAL(R.n, 1);
	CU_ASSERT_EQUAL(R.m[0].len, ml - 1);
	CU_ASSERT_EQUAL(R.m[0].wire_len, ml);
	CU_ASSERT_EQUAL(R.m[0].snapped, 1);
	feed(D, NL_LINK_IPV4, 1, F, k);
	CU_ASSERT_EQUAL(R.n, 2);
	CU_ASSERT_EQUAL(R.m[1].len, ml);
	CU_ASSERT_EQUAL(R.m[1].wire_len, ml);
	CU_ASSERT_EQUAL(R.m[1].snapped, 0);
	/* cut inside the UDP header: nothing to hand up */
	nl_decode(D, NL_LINK_IPV4, 1, 0, F, 24, k, rec_cb, NULL);
	CU_ASSERT_EQUAL(ST(D)->skipped[NL_SKIP_UDP_TRUNC], 1);
	CU_ASSERT_EQUAL(R.n, 2);
	CU_ASSERT_EQUAL(ST(D)->packets, 8);
	teardown();
}

static void test_udp_lengths(void)
{
	setup();
	size_t ml = mk_dns(M, 2, 10);
	size_t k = mk_udp(F, 5000, 53, M, ml);
	size_t n = mk_ip4(F, 17, F, k);

	put16(F + 24, 7);	/* UDP length < 8 */
	feed(D, NL_LINK_RAW, 1, F, n);
	put16(F + 24, (uint16_t)(k + 1));	/* past the IP payload */
	feed(D, NL_LINK_RAW, 1, F, n);
	CU_ASSERT_EQUAL(ST(D)->skipped[NL_SKIP_UDP_TRUNC], 2);
	put16(F + 24, (uint16_t)(k - 3));	/* IP payload padded: trust UDP */
	feed(D, NL_LINK_RAW, 1, F, n);
	CU_ASSERT(rec_is(0, M, ml - 3));
	put16(F + 24, 8);
	feed(D, NL_LINK_RAW, 1, F, n);
	CU_ASSERT_EQUAL(ST(D)->skipped[NL_SKIP_UDP_EMPTY], 1);
	/* UDP header cut by the IP length */
	n = mk_ip4(F, 17, M, 6);
	feed(D, NL_LINK_RAW, 1, F, n);
	CU_ASSERT_EQUAL(ST(D)->skipped[NL_SKIP_UDP_TRUNC], 3);
	/* not DNS, either side */
	k = mk_udp(F, 5000, 5001, M, ml);
	n = mk_ip4(F, 17, F, k);
	feed(D, NL_LINK_RAW, 1, F, n);
	CU_ASSERT_EQUAL(ST(D)->skipped[NL_SKIP_NOT_DNS_PORT], 1);
	/* other protocols */
	n = mk_ip4(F, 47, M, ml);	/* GRE */
	feed(D, NL_LINK_RAW, 1, F, n);
	n = mk_ip4(F, 132, M, ml);	/* SCTP */
	feed(D, NL_LINK_RAW, 1, F, n);
	CU_ASSERT_EQUAL(ST(D)->skipped[NL_SKIP_OTHER_PROTO], 2);
	CU_ASSERT_EQUAL(R.n, 1);
	teardown();
}

static void test_tcp_header(void)
{
	setup();
	size_t ml = mk_tcpdns(M, 3, 4);
	size_t k = mk_tcp(F, 5000, 53, 100, 0, M, ml);
	size_t n = mk_ip4(F, 6, F, k);
	F[20 + 12] = 4 << 4;	/* data offset < 5 */
	feed(D, NL_LINK_RAW, 1, F, n);
	F[20 + 12] = 15 << 4;	/* 60 bytes: past the segment */
	feed(D, NL_LINK_RAW, 1, F, n);
	n = mk_ip4(F, 6, M, 19);	/* 19 bytes of TCP header */
	feed(D, NL_LINK_RAW, 1, F, n);
	CU_ASSERT_EQUAL(ST(D)->skipped[NL_SKIP_TCP_TRUNC], 3);
	/* options (24 bytes of header) are skipped */
	k = mk_tcp(F, 5000, 53, 100, 0, M, ml);
	memmove(F + 24, F + 20, ml);
	memset(F + 20, 1, 4);
	F[12] = 6 << 4;
	n = mk_ip4(F, 6, F, k + 4);
	feed(D, NL_LINK_RAW, 1, F, n);
	CU_ASSERT_EQUAL(R.n, 1);
	CU_ASSERT(rec_is(0, M + 2, ml - 2));
	CU_ASSERT_EQUAL(R.m[0].transport, NL_TCP);
	teardown();
}

/* Extension header of the generic form: next, len, (len+1)*8 bytes. */
static size_t ext(uint8_t *out, uint8_t next, uint8_t len8)
{
	memset(out, 0, (size_t)(len8 + 1) * 8);
	out[0] = next;
	out[1] = len8;
	return (size_t)(len8 + 1) * 8;
}

static void test_ipv6_chain(void)
{
	setup();
	size_t ml = mk_dns(M, 6, 16);
	/* hop-by-hop -> routing -> AH -> mobility -> dest opts -> UDP */
	size_t n = 0;
	n += ext(X + n, 43, 0);
	n += ext(X + n, 51, 1);
	/* AH: 4-byte units + 2: len 4 -> 24 bytes */
	memset(X + n, 0, 24);
	X[n] = 135;
	X[n + 1] = 4;
	n += 24;
	n += ext(X + n, 60, 0);
	n += ext(X + n, 17, 2);
	n += mk_udp(X + n, 5000, 53, M, ml);
	size_t k = mk_ip6(F, 0, A6, B6, X, n);
	feed(D, NL_LINK_RAW, 1, F, k);
	CU_ASSERT_EQUAL(R.n, 1);
	CU_ASSERT(rec_is(0, M, ml));
	CU_ASSERT_EQUAL(R.m[0].ipver, 6);

	/* atomic fragment (offset 0, M=0, RFC 6946) reads as a whole */
	n = 0;
	memset(X, 0, 8);
	X[0] = 17;
	put32(X + 4, 0xabcdef);
	n = 8 + mk_udp(X + 8, 53, 5000, M, ml);
	k = mk_ip6(F, 44, A6, B6, X, n);
	feed(D, NL_LINK_RAW, 1, F, k);
	CU_ASSERT_EQUAL(R.n, 2);
	CU_ASSERT_EQUAL(R.m[1].fragmented, 0);

	/* ESP and no-next-header end the walk */
	k = mk_ip6(F, 50, A6, B6, X, 40);
	feed(D, NL_LINK_RAW, 1, F, k);
	n = ext(X, 59, 0);
	k = mk_ip6(F, 60, A6, B6, X, n);
	feed(D, NL_LINK_RAW, 1, F, k);
	CU_ASSERT_EQUAL(ST(D)->skipped[NL_SKIP_OTHER_PROTO], 2);

	/* an extension header running past the payload */
	n = ext(X, 17, 3);
	k = mk_ip6(F, 0, A6, B6, X, 16);
	feed(D, NL_LINK_RAW, 1, F, k);
	CU_ASSERT_EQUAL(ST(D)->skipped[NL_SKIP_IP_BAD], 1);
	teardown();
}

static void test_ipv6_bad(void)
{
	setup();
	size_t ml = mk_dns(M, 7, 16);
	size_t n = mk_udp(X, 5000, 53, M, ml);
	size_t k = mk_ip6(F, 17, A6, B6, X, n);
	feed(D, NL_LINK_RAW, 1, F, 39);	/* header cut */
	CU_ASSERT_EQUAL(ST(D)->skipped[NL_SKIP_IP_TRUNC], 1);
	/* snaplen cut: handed up as captured, real length beside it */
	nl_decode(D, NL_LINK_IPV6, 1, 0, F, k - 3, k, rec_cb, NULL);
	CU_ASSERT_EQUAL(ST(D)->skipped[NL_SKIP_IP_TRUNC], 1);
	CU_ASSERT_EQUAL(R.n, 1);
	CU_ASSERT_EQUAL(R.m[0].len, ml - 3);
	CU_ASSERT_EQUAL(R.m[0].wire_len, ml);
	CU_ASSERT_EQUAL(R.m[0].snapped, 1);
	feed(D, NL_LINK_IPV6, 1, F, k - 1);	/* payload length lies */
	CU_ASSERT_EQUAL(ST(D)->skipped[NL_SKIP_IP_BAD], 1);
	put16(F + 4, 0);
	F[6] = 0;		/* jumbogram */
	feed(D, NL_LINK_IPV6, 1, F, k);
	CU_ASSERT_EQUAL(ST(D)->skipped[NL_SKIP_IP_BAD], 2);
	CU_ASSERT_EQUAL(R.n, 1);
	teardown();
}

/*
 * An ICMP error quotes the IP and UDP header and the start of the DNS
 * message that caused it; the quote is not a DNS message of its own.
 */
static void test_icmp_quoting_dns(void)
{
	setup();
	size_t ml = mk_dns(M, 8, 16);
	size_t q = mk_udp(X + 8, 5000, 53, M, ml);
	q = mk_ip4(X + 8, 17, X + 8, q);
	memset(X, 0, 8);
	X[0] = 3;		/* destination unreachable */
	X[1] = 3;		/* port unreachable */
	size_t k = mk_ip4o(F, 1, B4, A4, 9, 0, 0, X, 8 + q);
	feed(D, NL_LINK_RAW, 1, F, k);
	/* the same as an IPv4 fragment */
	k = mk_ip4o(F, 1, B4, A4, 9, 0x2000, 0, X, 8 + 16);
	feed(D, NL_LINK_RAW, 1, F, k);

	q = mk_udp(X + 8, 5000, 53, M, ml);
	q = mk_ip6(X + 8, 17, A6, B6, X + 8, q);
	X[0] = 1;		/* ICMPv6 destination unreachable */
	X[1] = 4;
	k = mk_ip6(F, 58, B6, A6, X, 8 + q);
	feed(D, NL_LINK_RAW, 1, F, k);
	/* behind a destination options header */
	memmove(X + 8, X, 8 + q);
	ext(X, 58, 0);
	k = mk_ip6(F, 60, B6, A6, X, 16 + q);
	feed(D, NL_LINK_RAW, 1, F, k);
	CU_ASSERT_EQUAL(ST(D)->skipped[NL_SKIP_ICMP], 4);
	CU_ASSERT_EQUAL(R.n, 0);
	CU_ASSERT_EQUAL(ST(D)->packets, 4);
	teardown();
}

static void test_one_outcome_each(void)
{
	/* packets == dns_packets + sum(skipped) over a mixed run */
	setup();
	size_t ml = mk_dns(M, 9, 3), k;
	for (int i = 0; i < 50; i++) {
		k = mk_eth_udp4(F, M, ml);
		feed(D, NL_LINK_ETHERNET, i, F, (size_t)(i % 7 ? k : k / 2));
	}
	uint64_t sum = ST(D)->dns_packets;
	for (int s = 0; s < NL_SKIP__COUNT; s++)
		sum += ST(D)->skipped[s];
	CU_ASSERT_EQUAL(sum, ST(D)->packets);
	CU_ASSERT_EQUAL(ST(D)->packets, 50);
	teardown();
}

static CU_TestInfo tests[] = {
	{ "ipv4 options 0..40 bytes", test_ipv4_options },
	{ "ipv4 bad version/ihl/lengths, truncation", test_ipv4_bad },
	{ "udp length rules, other protocols", test_udp_lengths },
	{ "tcp header: data offset, options", test_tcp_header },
	{ "ipv6 extension header chain, atomic fragment", test_ipv6_chain },
	{ "ipv6 bad lengths, truncation, jumbogram", test_ipv6_bad },
	{ "icmp quoting dns is skipped", test_icmp_quoting_dns },
	{ "each frame gets one outcome", test_one_outcome_each },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("nl_ip", tests);
}
