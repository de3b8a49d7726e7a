/*
 * test_nl_frag.c - IPv4 and IPv6 fragment reassembly: order, duplicates,
 * overlaps, timeouts, eviction, bad fragments, TCP inside fragments.
 */
#include "test_nl_build.h"

static uint8_t F[70000], M[66000], X[70000];

/* One IPv4 fragment of datagram payload @p pl: bytes [off, off+len). */
static int frag4(nl_decoder_t *d, int64_t sec, uint16_t id, uint8_t proto,
		 const uint8_t *pl, size_t off, size_t len, int more)
{
	size_t k = mk_ip4o(F, proto, A4, B4, id,
			   (uint16_t)((more ? 0x2000 : 0) | off / 8), 0, pl + off, len);
	k = mk_eth(F, 0x0800, F, k);
	return feed(d, NL_LINK_ETHERNET, sec, F, k);
}

/* IPv6: hop-by-hop (unfragmentable), fragment header, then the part. */
static int frag6(nl_decoder_t *d, int64_t sec, uint32_t id, uint8_t nh,
		 const uint8_t *pl, size_t off, size_t len, int more)
{
	uint8_t *p = F + 100;
	memset(p, 0, 16);
	p[0] = 44;		/* hop-by-hop, then the fragment header */
	p[8] = nh;
	put16(p + 10, (uint16_t)(off | (more ? 1 : 0)));
	put32(p + 12, id);
	memcpy(p + 16, pl + off, len);
	size_t k = mk_ip6(F, 0, A6, B6, p, 16 + len);
	return feed(d, NL_LINK_RAW, sec, F, k);
}

/* A UDP datagram 40000 -> 53 carrying a message of 12 + extra bytes. */
static size_t udp_dgram(uint16_t id, size_t extra, size_t *ml)
{
	*ml = mk_dns(M, id, extra);
	return mk_udp(X, 40000, 53, M, *ml);
}

static nl_decoder_t *small_decoder(unsigned slots, size_t pool)
{
	nl_config_t cfg;
	nl_decoder_t *d = NULL;
	nl_config_default(&cfg);
	cfg.frag_max_datagrams = slots;
	cfg.frag_pool_bytes = pool;
	CU_ASSERT_FATAL(nl_decoder_new(&d, &cfg) == 0);
	return d;
}

static void test_in_order(void)
{
	nl_decoder_t *d = new_decoder();
	size_t ml, n = udp_dgram(0x1111, 3000, &ml);
	rec_reset();
	frag4(d, 10, 7, 17, X, 0, 1480, 1);
	frag4(d, 11, 7, 17, X, 1480, 1480, 1);
	CU_ASSERT_EQUAL(R.n, 0);
	frag4(d, 12, 7, 17, X, 2960, n - 2960, 0);
	CU_ASSERT_EQUAL(R.n, 1);
	CU_ASSERT(rec_is(0, M, ml));
	CU_ASSERT_EQUAL(R.m[0].fragmented, 1);
	CU_ASSERT_EQUAL(R.m[0].ts_sec, 12);
	CU_ASSERT_EQUAL(R.m[0].sport, 40000);
	CU_ASSERT_EQUAL(ST(d)->frag_datagrams, 1);
	CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_FRAG_HELD], 2);
	CU_ASSERT_EQUAL(ST(d)->dns_packets, 1);
	nl_flush(d, rec_cb, NULL);
	CU_ASSERT_EQUAL(ST(d)->frag_timeout, 0);
	nl_decoder_free(d);
}

static void test_reverse_and_interleaved(void)
{
	nl_decoder_t *d = new_decoder();
	size_t ml, n = udp_dgram(0x2222, 4000, &ml);
	static uint8_t Y[8000];
	size_t ml2 = mk_dns(Y + 8, 0x3333, 2000);
	size_t n2 = mk_udp(Y, 40001, 53, Y + 8, ml2);
	rec_reset();
	frag4(d, 1, 8, 17, X, 2960, n - 2960, 0);
	frag4(d, 1, 9, 17, Y, 1480, n2 - 1480, 0);	/* another datagram */
	frag4(d, 1, 8, 17, X, 1480, 1480, 1);
	frag4(d, 1, 9, 17, Y, 0, 1480, 1);
	CU_ASSERT_EQUAL(R.n, 1);
	CU_ASSERT(rec_is(0, Y + 8, ml2));
	frag4(d, 1, 8, 17, X, 0, 1480, 1);
	CU_ASSERT_EQUAL(R.n, 2);
	CU_ASSERT(rec_is(1, M, ml));
	CU_ASSERT_EQUAL(ST(d)->frag_datagrams, 2);
	nl_decoder_free(d);
}

static void test_duplicates(void)
{
	nl_decoder_t *d = new_decoder();
	size_t ml, n = udp_dgram(0x4444, 2000, &ml);
	rec_reset();
	frag4(d, 1, 10, 17, X, 0, 1480, 1);
	frag4(d, 1, 10, 17, X, 0, 1480, 1);
	frag4(d, 1, 10, 17, X, 0, 1480, 1);
	frag4(d, 1, 10, 17, X, 1480, n - 1480, 0);
	CU_ASSERT_EQUAL(R.n, 1);
	CU_ASSERT(rec_is(0, M, ml));
	CU_ASSERT_EQUAL(ST(d)->frag_bad, 0);
	/* a duplicate after completion starts a new partial, which never
	 * completes and is counted at the end */
	frag4(d, 1, 10, 17, X, 1480, n - 1480, 0);
	CU_ASSERT_EQUAL(R.n, 1);
	nl_flush(d, rec_cb, NULL);
	CU_ASSERT_EQUAL(ST(d)->frag_timeout, 1);
	nl_decoder_free(d);
}

static void test_overlap(void)
{
	nl_decoder_t *d = new_decoder();
	size_t ml, n = udp_dgram(0x5555, 3200, &ml);
	rec_reset();
	/* same bytes overlapping: harmless, the first copy is kept */
	frag4(d, 1, 11, 17, X, 0, 1480, 1);
	frag4(d, 1, 11, 17, X, 1000, 1000, 1);
	frag4(d, 1, 11, 17, X, 1480, 1600, 1);
	frag4(d, 1, 11, 17, X, 3080, n - 3080, 0);
	CU_ASSERT_EQUAL(R.n, 1);
	CU_ASSERT(rec_is(0, M, ml));
	CU_ASSERT_EQUAL(ST(d)->frag_bad, 0);

	/* overlap that changes bytes: the datagram is dropped */
	frag4(d, 2, 12, 17, X, 0, 1480, 1);
	static uint8_t Z[4000];
	memcpy(Z, X, n);
	Z[1200] ^= 0xff;
	frag4(d, 2, 12, 17, Z, 1000, 1000, 1);
	CU_ASSERT_EQUAL(ST(d)->frag_bad, 1);
	CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_IP_BAD], 1);
	frag4(d, 2, 12, 17, X, 1480, n - 1480, 0);
	CU_ASSERT_EQUAL(R.n, 1);
	nl_decoder_free(d);
}

static void test_bad_fragments(void)
{
	nl_decoder_t *d = new_decoder();
	size_t ml, n = udp_dgram(0x6666, 3000, &ml);
	(void)n;
	rec_reset();
	frag4(d, 1, 13, 17, X, 0, 1481, 1);	/* not a multiple of 8 */
	frag4(d, 1, 14, 17, X, 65528, 16, 0);	/* ends past 65535 */
	frag4(d, 1, 15, 17, X, 1480, 100, 0);	/* two different ends */
	frag4(d, 1, 15, 17, X, 1480, 200, 0);
	frag4(d, 1, 16, 17, X, 1480, 800, 1);	/* data past the end */
	frag4(d, 1, 16, 17, X, 1480, 400, 0);
	CU_ASSERT_EQUAL(ST(d)->frag_bad, 4);
	CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_IP_BAD], 4);
	/* fragments of protocols that cannot carry DNS are not held */
	frag4(d, 1, 17, 47, X, 0, 1480, 1);
	frag4(d, 1, 17, 1, X, 0, 1480, 1);
	CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_OTHER_PROTO], 1);
	CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_ICMP], 1);
	CU_ASSERT_EQUAL(R.n, 0);
	nl_flush(d, rec_cb, NULL);
	CU_ASSERT_EQUAL(ST(d)->frag_timeout, 0);	/* bad ones were dropped */
	nl_decoder_free(d);
}

static void test_missing_and_timeout(void)
{
	nl_decoder_t *d = new_decoder();
	size_t ml, n = udp_dgram(0x7777, 3000, &ml);
	rec_reset();
	frag4(d, 100, 20, 17, X, 0, 1480, 1);
	frag4(d, 101, 20, 17, X, 2960, n - 2960, 0);
	CU_ASSERT_EQUAL(ST(d)->frag_timeout, 0);
	/* 30 s later is still in time; more than 30 s is not */
	frag4(d, 130, 21, 17, X, 0, 1480, 1);
	CU_ASSERT_EQUAL(ST(d)->frag_timeout, 0);
	frag4(d, 131, 21, 17, X, 2960, n - 2960, 0);
	CU_ASSERT_EQUAL(ST(d)->frag_timeout, 1);
	/* the missing middle comes too late for id 20 */
	frag4(d, 131, 20, 17, X, 1480, 1480, 1);
	CU_ASSERT_EQUAL(R.n, 0);
	frag4(d, 132, 21, 17, X, 1480, 1480, 1);
	CU_ASSERT_EQUAL(R.n, 1);
	CU_ASSERT(rec_is(0, M, ml));
	nl_flush(d, rec_cb, NULL);
	CU_ASSERT_EQUAL(ST(d)->frag_timeout, 2);	/* id 20 again */
	nl_decoder_free(d);
}

static void test_table_eviction(void)
{
	nl_decoder_t *d = small_decoder(4, 1 << 20);
	size_t ml, n = udp_dgram(0x8888, 2000, &ml);
	rec_reset();
	for (uint16_t id = 1; id <= 5; id++)
		frag4(d, id, id, 17, X, 0, 1480, 1);
	CU_ASSERT_EQUAL(ST(d)->frag_evicted, 1);
	frag4(d, 6, 1, 17, X, 1480, n - 1480, 0);	/* oldest: gone */
	CU_ASSERT_EQUAL(R.n, 0);
	frag4(d, 6, 5, 17, X, 1480, n - 1480, 0);
	CU_ASSERT_EQUAL(R.n, 1);
	CU_ASSERT(rec_is(0, M, ml));
	nl_decoder_free(d);
}

static void test_pool_eviction(void)
{
	/* 64 KiB of pool: two 30000-byte partials fill most of it */
	nl_decoder_t *d = small_decoder(16, 65536);
	size_t ml, n = udp_dgram(0x9999, 40000, &ml);
	rec_reset();
	frag4(d, 1, 1, 17, X, 0, 30000, 1);
	frag4(d, 1, 2, 17, X, 0, 30000, 1);
	CU_ASSERT_EQUAL(ST(d)->frag_evicted, 0);
	frag4(d, 1, 3, 17, X, 0, 30000, 1);
	CU_ASSERT_EQUAL(ST(d)->frag_evicted, 1);
	frag4(d, 1, 3, 17, X, 30000, n - 30000, 0);
	CU_ASSERT_EQUAL(R.n, 1);
	CU_ASSERT(rec_is(0, M, ml));
	/* a maximal datagram always fits */
	n = udp_dgram(0xaaaa, 65507 - 20, &ml);
	for (size_t off = 0; off < n; off += 8000)
		frag4(d, 2, 4, 17, X, off, n - off > 8000 ? 8000 : n - off, n - off > 8000);
	CU_ASSERT_EQUAL(R.n, 2);
	CU_ASSERT(rec_is(1, M, ml));
	nl_decoder_free(d);
}

static void test_ipv6(void)
{
	nl_decoder_t *d = new_decoder();
	size_t ml, n = udp_dgram(0xbbbb, 3000, &ml);
	rec_reset();
	frag6(d, 5, 0xdeadbeef, 17, X, 1448, n - 1448, 0);
	frag6(d, 5, 0xdeadbeef, 17, X, 0, 1448, 1);
	CU_ASSERT_EQUAL(R.n, 1);
	CU_ASSERT(rec_is(0, M, ml));
	CU_ASSERT_EQUAL(R.m[0].ipver, 6);
	CU_ASSERT_EQUAL(R.m[0].fragmented, 1);
	CU_ASSERT(memcmp(R.m[0].src, A6, 16) == 0);

	/* destination options inside the fragmentable part */
	memmove(X + 8, X, n);
	memset(X, 0, 8);
	X[0] = 17;
	frag6(d, 6, 77, 60, X, 0, 1000, 1);
	frag6(d, 6, 77, 60, X, 1000, n + 8 - 1000, 0);
	CU_ASSERT_EQUAL(R.n, 2);
	CU_ASSERT(rec_is(1, M, ml));

	/* a fragment header inside a reassembled payload */
	X[0] = 44;
	frag6(d, 7, 78, 44, X, 0, 1000, 1);
	frag6(d, 7, 78, 44, X, 1000, n + 8 - 1000, 0);
	CU_ASSERT_EQUAL(R.n, 2);
	CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_IP_BAD], 1);
	CU_ASSERT_EQUAL(ST(d)->frag_datagrams, 3);
	/* ids are per (src, dst): v4 id 78 does not meet v6 id 78 */
	nl_flush(d, rec_cb, NULL);
	CU_ASSERT_EQUAL(ST(d)->frag_timeout, 0);
	nl_decoder_free(d);
}

static void test_tcp_inside(void)
{
	nl_decoder_t *d = new_decoder();
	size_t ml = mk_tcpdns(M, 0xcccc, 3000);
	size_t n = mk_tcp(X, 40000, 53, 5000, 0x08, M, ml);
	rec_reset();
	frag4(d, 1, 30, 6, X, 0, 1480, 1);
	frag4(d, 1, 30, 6, X, 1480, n - 1480, 0);
	CU_ASSERT_EQUAL(R.n, 1);
	CU_ASSERT(rec_is(0, M + 2, ml - 2));
	CU_ASSERT_EQUAL(R.m[0].transport, NL_TCP);
	CU_ASSERT_EQUAL(R.m[0].fragmented, 1);
	CU_ASSERT_EQUAL(ST(d)->tcp_flows, 1);

	/* fragmented UDP that is not DNS: held, then counted as such */
	n = mk_udp(X, 40000, 5353, M, 2000);
	frag4(d, 1, 31, 17, X, 0, 1480, 1);
	frag4(d, 1, 31, 17, X, 1480, n - 1480, 0);
	CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_NOT_DNS_PORT], 1);
	CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_FRAG_HELD], 2);
	nl_decoder_free(d);
}

static CU_TestInfo tests[] = {
	{ "ipv4 in order", test_in_order },
	{ "ipv4 reverse order, interleaved datagrams", test_reverse_and_interleaved },
	{ "duplicates", test_duplicates },
	{ "overlap: same bytes kept, changed bytes drop", test_overlap },
	{ "bad fragments, non-DNS protocols", test_bad_fragments },
	{ "missing fragment, timeout, flush", test_missing_and_timeout },
	{ "slot table eviction", test_table_eviction },
	{ "byte pool eviction, maximal datagram", test_pool_eviction },
	{ "ipv6 fragments, ext headers, nesting", test_ipv6 },
	{ "tcp inside fragments, non-dns", test_tcp_inside },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("nl_frag", tests);
}
