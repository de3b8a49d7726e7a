/*
 * test_nl_tcp.c - DNS over TCP stream reassembly: framing across and
 * within segments, order, retransmission, overlap, wraparound, FIN, gaps,
 * caps, eviction, timeouts, flush.
 */
#include "test_nl_build.h"

#define SYN 0x02
#define FIN 0x01
#define RST 0x04
#define PSH 0x08

static uint8_t F[70000], S[300000];

/* One segment client:sport -> server:53 over Ethernet/IPv4. */
static int segp(nl_decoder_t *d, int64_t sec, uint16_t sport, uint32_t seq,
		uint8_t flags, const uint8_t *data, size_t n)
{
	size_t k = mk_tcp(F, sport, 53, seq, flags, data, n);
	k = mk_ip4(F, 6, F, k);
	k = mk_eth(F, 0x0800, F, k);
	return feed(d, NL_LINK_ETHERNET, sec, F, k);
}

static int seg(nl_decoder_t *d, int64_t sec, uint32_t seq, uint8_t flags,
	       const uint8_t *data, size_t n)
{
	return segp(d, sec, 40000, seq, flags, data, n);
}

/* S <- @p count framed messages of 12 + extra bytes; offsets in @p at. */
static size_t stream(unsigned count, size_t extra, size_t *at)
{
	size_t n = 0;
	for (unsigned i = 0; i < count; i++) {
		if (at)
			at[i] = n;
		n += mk_tcpdns(S + n, (uint16_t)(0x100 + i), extra);
	}
	return n;
}

/* Message i of stream() as handed up (no prefix). */
static int got(unsigned r, const size_t *at, unsigned i, size_t extra)
{
	return rec_is(r, S + at[i] + 2, 12 + extra);
}

static nl_decoder_t *tcp_decoder(unsigned flows, size_t flow_max, size_t pool)
{
	nl_config_t cfg;
	nl_decoder_t *d = NULL;
	nl_config_default(&cfg);
	cfg.tcp_max_flows = flows;
	cfg.tcp_flow_max_bytes = flow_max;
	cfg.tcp_pool_bytes = pool;
	cfg.tcp_timeout_s = 10;
	CU_ASSERT_FATAL(nl_decoder_new(&d, &cfg) == 0);
	return d;
}

static void test_one_per_segment(void)
{
	nl_decoder_t *d = new_decoder();
	size_t at[3], n = stream(3, 40, at);
	rec_reset();
	seg(d, 1, 1000, SYN, NULL, 0);
	CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_TCP_NODATA], 1);
	seg(d, 2, 1001, PSH, S, at[1]);
	seg(d, 3, 1001 + (uint32_t)at[1], PSH, S + at[1], at[2] - at[1]);
	seg(d, 4, 1001 + (uint32_t)at[2], PSH, S + at[2], n - at[2]);
	CU_ASSERT_EQUAL(R.n, 3);
	for (unsigned i = 0; i < 3; i++) {
		CU_ASSERT(got(i, at, i, 40));
		CU_ASSERT_EQUAL(R.m[i].transport, NL_TCP);
		CU_ASSERT_EQUAL(R.m[i].ts_sec, 2 + i);
		CU_ASSERT_EQUAL(R.m[i].sport, 40000);
		CU_ASSERT_EQUAL(R.m[i].dport, 53);
		CU_ASSERT_EQUAL(R.m[i].fragmented, 0);
	}
	seg(d, 5, 1, 0, NULL, 0);	/* pure ACK */
	CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_TCP_NODATA], 2);
	CU_ASSERT_EQUAL(ST(d)->dns_packets, 3);
	CU_ASSERT_EQUAL(ST(d)->tcp_flows, 1);
	nl_flush(d, rec_cb, NULL);
	CU_ASSERT_EQUAL(ST(d)->tcp_partial_at_end, 0);
	nl_decoder_free(d);
}

static void test_several_in_one(void)
{
	nl_decoder_t *d = new_decoder();
	size_t at[5], n = stream(5, 7, at);
	rec_reset();
	seg(d, 1, 77, PSH, S, n);
	CU_ASSERT_EQUAL(R.n, 5);
	for (unsigned i = 0; i < 5; i++)
		CU_ASSERT(got(i, at, i, 7));
	CU_ASSERT_EQUAL(ST(d)->dns_packets, 1);
	/* two and a half, then the rest completes the third and two more */
	rec_reset();
	size_t half = at[2] + 5;
	seg(d, 2, 77 + (uint32_t)n, PSH, S, half);
	CU_ASSERT_EQUAL(R.n, 2);
	seg(d, 3, 77 + (uint32_t)(n + half), PSH, S + half, n - half);
	CU_ASSERT_EQUAL(R.n, 5);
	for (unsigned i = 0; i < 5; i++)
		CU_ASSERT(got(i, at, i, 7));
	CU_ASSERT_EQUAL(R.m[2].ts_sec, 3);
	nl_decoder_free(d);
}

static void test_one_over_three(void)
{
	nl_decoder_t *d = new_decoder();
	size_t at[1], n = stream(1, 9000, at);	/* spans pool chunks */
	rec_reset();
	seg(d, 1, 500, SYN, NULL, 0);
	seg(d, 2, 501, 0, S, 3000);
	seg(d, 3, 3501, 0, S + 3000, 3000);
	CU_ASSERT_EQUAL(R.n, 0);
	CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_TCP_PARTIAL], 2);
	seg(d, 4, 6501, PSH, S + 6000, n - 6000);
	CU_ASSERT_EQUAL(R.n, 1);
	CU_ASSERT(got(0, at, 0, 9000));
	CU_ASSERT_EQUAL(R.m[0].ts_sec, 4);
	nl_decoder_free(d);
}

static void test_prefix_split(void)
{
	nl_decoder_t *d = new_decoder();
	size_t at[2], n = stream(2, 30, at);
	rec_reset();
	seg(d, 1, 9, 0, S, 1);		/* one byte of the length */
	CU_ASSERT_EQUAL(R.n, 0);
	seg(d, 2, 10, 0, S + 1, n - 1);
	CU_ASSERT_EQUAL(R.n, 2);
	CU_ASSERT(got(0, at, 0, 30));
	CU_ASSERT(got(1, at, 1, 30));
	/* and exactly the two length bytes, then the message */
	rec_reset();
	seg(d, 3, 9 + (uint32_t)n, 0, S, 2);
	seg(d, 4, 11 + (uint32_t)n, 0, S + 2, at[1] - 2);
	CU_ASSERT_EQUAL(R.n, 1);
	CU_ASSERT(got(0, at, 0, 30));
	nl_decoder_free(d);
}

static void test_zero_length_prefix(void)
{
	nl_decoder_t *d = new_decoder();
	size_t at[1];
	S[0] = S[1] = 0;
	size_t n = 2 + mk_tcpdns(S + 2, 0x100, 5);
	at[0] = 2;
	rec_reset();
	seg(d, 1, 1, 0, S, n);
	CU_ASSERT_EQUAL(R.n, 1);
	CU_ASSERT(got(0, at, 0, 5));
	/* a lone zero prefix, then a message split after it */
	seg(d, 2, 1 + (uint32_t)n, 0, S, 3);
	seg(d, 3, 4 + (uint32_t)n, 0, S + 3, n - 3);
	CU_ASSERT_EQUAL(R.n, 2);
	CU_ASSERT(got(1, at, 0, 5));
	nl_decoder_free(d);
}

static void test_out_of_order(void)
{
	nl_decoder_t *d = new_decoder();
	size_t at[4], n = stream(4, 100, at);
	rec_reset();
	seg(d, 1, 1000, SYN, NULL, 0);
	seg(d, 2, 1001 + (uint32_t)at[2], 0, S + at[2], n - at[2]);
	seg(d, 3, 1001 + (uint32_t)at[1], 0, S + at[1], at[2] - at[1]);
	CU_ASSERT_EQUAL(R.n, 0);
	CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_TCP_PARTIAL], 2);
	seg(d, 4, 1001, 0, S, at[1]);
	CU_ASSERT_EQUAL(R.n, 4);
	for (unsigned i = 0; i < 4; i++) {
		CU_ASSERT(got(i, at, i, 100));
		CU_ASSERT_EQUAL(R.m[i].ts_sec, 4);
	}
	/* out of order in the middle of one message */
	rec_reset();
	uint32_t b = 1001 + (uint32_t)n;
	size_t at2[1], m = stream(1, 5000, at2);
	seg(d, 5, b + 4000, 0, S + 4000, m - 4000);
	seg(d, 6, b + 2000, 0, S + 2000, 2000);
	seg(d, 7, b, 0, S, 2000);
	CU_ASSERT_EQUAL(R.n, 1);
	CU_ASSERT(got(0, at2, 0, 5000));
	nl_flush(d, rec_cb, NULL);
	CU_ASSERT_EQUAL(ST(d)->tcp_partial_at_end, 0);
	nl_decoder_free(d);
}

static void test_retransmission_and_overlap(void)
{
	nl_decoder_t *d = new_decoder();
	size_t at[3], n = stream(3, 60, at);
	rec_reset();
	seg(d, 1, 5, 0, S, at[1]);
	seg(d, 2, 5, 0, S, at[1]);	/* the same again */
	CU_ASSERT_EQUAL(R.n, 1);
	CU_ASSERT_EQUAL(ST(d)->tcp_retrans, 1);
	/* partly old, partly new: only the new part is used */
	seg(d, 3, 5 + 10, 0, S + 10, at[2] + 20 - 10);
	CU_ASSERT_EQUAL(R.n, 2);
	CU_ASSERT(got(1, at, 1, 60));
	seg(d, 4, 5 + (uint32_t)at[2], 0, S + at[2], n - at[2]);
	CU_ASSERT_EQUAL(R.n, 3);
	CU_ASSERT(got(2, at, 2, 60));
	CU_ASSERT_EQUAL(ST(d)->tcp_retrans, 1);
	/* overlapping held segments: first arrival kept, all delivered once */
	rec_reset();
	uint32_t b = 5 + (uint32_t)n;
	seg(d, 5, b + 50, 0, S + 50, 100);
	seg(d, 6, b + 100, 0, S + 100, n - 100);
	seg(d, 7, b + 20, 0, S + 20, 60);
	seg(d, 8, b, 0, S, 30);
	CU_ASSERT_EQUAL(R.n, 3);
	for (unsigned i = 0; i < 3; i++)
		CU_ASSERT(got(i, at, i, 60));
	nl_decoder_free(d);
}

static void test_no_syn_and_tfo(void)
{
	nl_decoder_t *d = new_decoder();
	size_t at[2], n = stream(2, 3, at);
	rec_reset();
	seg(d, 1, 0x7fffabcd, PSH, S, n);	/* mid-connection capture */
	CU_ASSERT_EQUAL(R.n, 2);
	/* TCP Fast Open: the query rides on the SYN */
	segp(d, 2, 40001, 999, SYN, S, at[1]);
	CU_ASSERT_EQUAL(R.n, 3);
	CU_ASSERT(got(2, at, 0, 3));
	segp(d, 3, 40001, 999, SYN, S, at[1]);	/* SYN retransmitted */
	CU_ASSERT_EQUAL(R.n, 3);
	CU_ASSERT_EQUAL(ST(d)->tcp_retrans, 1);
	segp(d, 4, 40001, 1000 + (uint32_t)at[1], 0, S + at[1], n - at[1]);
	CU_ASSERT_EQUAL(R.n, 4);
	CU_ASSERT(got(3, at, 1, 3));
	nl_decoder_free(d);
}

static void test_wraparound(void)
{
	nl_decoder_t *d = new_decoder();
	size_t at[3], n = stream(3, 200, at);
	uint32_t isn = 0xfffffef0u;	/* message 1 straddles 2^32 */
	rec_reset();
	seg(d, 1, isn, SYN, NULL, 0);
	seg(d, 2, isn + 1 + (uint32_t)at[2], 0, S + at[2], n - at[2]);	/* held past the wrap */
	seg(d, 3, isn + 1, 0, S, 100);
	seg(d, 4, isn + 101, 0, S + 100, at[2] - 100);
	CU_ASSERT_EQUAL(R.n, 3);
	for (unsigned i = 0; i < 3; i++)
		CU_ASSERT(got(i, at, i, 200));
	seg(d, 5, isn + 101, 0, S + 100, 50);	/* old, across the wrap */
	CU_ASSERT_EQUAL(ST(d)->tcp_retrans, 1);
	nl_decoder_free(d);
}

static void test_fin(void)
{
	nl_decoder_t *d = new_decoder();
	size_t at[2], n = stream(2, 10, at);
	rec_reset();
	seg(d, 1, 100, SYN, NULL, 0);
	seg(d, 2, 101, PSH | FIN, S, n);
	CU_ASSERT_EQUAL(R.n, 2);
	CU_ASSERT_EQUAL(ST(d)->tcp_gap, 0);
	seg(d, 3, 101, PSH | FIN, S, n);	/* retransmitted after close */
	CU_ASSERT_EQUAL(R.n, 2);
	CU_ASSERT_EQUAL(ST(d)->tcp_retrans, 1);
	seg(d, 3, 102 + (uint32_t)n, FIN, NULL, 0);
	CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_TCP_NODATA], 2);
	/* FIN with half a message pending: the rest will never come */
	segp(d, 4, 40002, 1, 0, S, at[1] - 3);
	segp(d, 5, 40002, 1 + (uint32_t)at[1] - 3, FIN, NULL, 0);
	CU_ASSERT_EQUAL(ST(d)->tcp_gap, 1);
	/* RST forgets the stream likewise */
	segp(d, 6, 40003, 1, 0, S, 5);
	segp(d, 7, 40003, 6, RST, NULL, 0);
	CU_ASSERT_EQUAL(ST(d)->tcp_gap, 2);
	nl_flush(d, rec_cb, NULL);
	CU_ASSERT_EQUAL(ST(d)->tcp_partial_at_end, 0);
	CU_ASSERT_EQUAL(R.n, 2);
	nl_decoder_free(d);
}

static void test_gap_resync_at_fin(void)
{
	/* segment 1 never arrives; 2 and 3 are held; the FIN gives up on
	 * the hole and they are read from their start */
	nl_decoder_t *d = new_decoder();
	size_t at[3], n = stream(3, 20, at);
	rec_reset();
	seg(d, 1, 10, SYN, NULL, 0);
	seg(d, 2, 11 + (uint32_t)at[1], 0, S + at[1], at[2] - at[1]);
	seg(d, 3, 11 + (uint32_t)at[2], 0, S + at[2], n - at[2]);
	CU_ASSERT_EQUAL(R.n, 0);
	seg(d, 4, 11 + (uint32_t)n, FIN, NULL, 0);
	CU_ASSERT_EQUAL(R.n, 2);
	CU_ASSERT(got(0, at, 1, 20));
	CU_ASSERT(got(1, at, 2, 20));
	/* each carries the time its bytes arrived, not the FIN's (as a
	 * capture reader that resumes after the hole reports them) */
	CU_ASSERT_EQUAL(R.m[0].ts_sec, 2);
	CU_ASSERT_EQUAL(R.m[1].ts_sec, 3);
	CU_ASSERT_EQUAL(ST(d)->tcp_gap, 1);
	CU_ASSERT_EQUAL(ST(d)->dns_packets, 1);	/* the FIN released them */
	nl_decoder_free(d);
}

static void test_gap_released_at_end(void)
{
	/* no FIN ever: the end of input gives up on the hole; the held
	 * messages are handed up with their own times and addresses */
	nl_decoder_t *d = new_decoder();
	size_t at[3], n = stream(3, 20, at);
	rec_reset();
	seg(d, 1, 10, SYN, NULL, 0);
	seg(d, 5, 11 + (uint32_t)at[1], 0, S + at[1], at[2] - at[1]);
	seg(d, 7, 11 + (uint32_t)at[2], 0, S + at[2], n - at[2]);
	CU_ASSERT_EQUAL(R.n, 0);
	nl_flush(d, rec_cb, NULL);
	CU_ASSERT_EQUAL(R.n, 2);
	CU_ASSERT(got(0, at, 1, 20));
	CU_ASSERT(got(1, at, 2, 20));
	CU_ASSERT_EQUAL(R.m[0].ts_sec, 5);
	CU_ASSERT_EQUAL(R.m[1].ts_sec, 7);
	CU_ASSERT_EQUAL(R.m[0].transport, NL_TCP);
	CU_ASSERT_EQUAL(R.m[0].dport, 53);
	CU_ASSERT_EQUAL(ST(d)->tcp_gap, 1);
	CU_ASSERT_EQUAL(ST(d)->tcp_partial_at_end, 0);
	nl_decoder_free(d);
}

static void test_gap_resync_at_cap(void)
{
	/* smallest cap: 65537 bytes per direction; messages of 16000 bytes,
	 * so the held data outgrows the cap before eight segments wait */
	nl_decoder_t *d = tcp_decoder(16, 65537, 1 << 20);
	size_t at[8];
	stream(8, 16000, at);	/* 8 x 16014 bytes */
	rec_reset();
	seg(d, 1, 0, SYN, NULL, 0);
	seg(d, 2, 1, 0, S, 1000);			/* part of message 0 */
	/* message 1 lost; 2.. held until they no longer fit */
	for (unsigned i = 2; i < 8; i++)
		seg(d, 3 + (int64_t)i, 1 + (uint32_t)at[i], 0, S + at[i], 16014);
	CU_ASSERT_EQUAL(ST(d)->tcp_gap, 1);
	CU_ASSERT_EQUAL(ST(d)->tcp_overflow, 1);
	CU_ASSERT_EQUAL(R.n, 6);
	for (unsigned i = 0; i < R.n; i++) {
		CU_ASSERT(got(i, at, i + 2, 16000));
		CU_ASSERT_EQUAL(R.m[i].ts_sec, 5 + (int64_t)i);	/* own arrival */
	}
	nl_flush(d, rec_cb, NULL);
	CU_ASSERT_EQUAL(ST(d)->tcp_partial_at_end, 0);
	nl_decoder_free(d);
}

static void test_gap_given_up_after_eight(void)
{
	/* message 1 lost, then nine small messages: the hole is given up
	 * when the ninth arrives; all come out, each with its own time */
	nl_decoder_t *d = new_decoder();
	size_t at[11], n = stream(11, 30, at);
	rec_reset();
	seg(d, 1, 0, SYN, NULL, 0);
	seg(d, 2, 1, 0, S, at[1]);			/* message 0 */
	CU_ASSERT_EQUAL(R.n, 1);
	for (unsigned i = 2; i < 10; i++)
		seg(d, 10 + (int64_t)i, 1 + (uint32_t)at[i], 0, S + at[i], at[i + 1] - at[i]);
	CU_ASSERT_EQUAL(R.n, 1);			/* eight held */
	seg(d, 20, 1 + (uint32_t)at[10], 0, S + at[10], n - at[10]);
	CU_ASSERT_EQUAL(ST(d)->tcp_gap, 1);
	CU_ASSERT_EQUAL(R.n, 10);
	for (unsigned i = 1; i < 9; i++) {
		CU_ASSERT(got(i, at, i + 1, 30));
		CU_ASSERT_EQUAL(R.m[i].ts_sec, 11 + (int64_t)i);
	}
	CU_ASSERT(got(9, at, 10, 30));
	CU_ASSERT_EQUAL(R.m[9].ts_sec, 20);
	nl_decoder_free(d);
}

static void test_far_ahead(void)
{
	/* a segment far beyond the cap: the stream jumps to it */
	nl_decoder_t *d = tcp_decoder(16, 65537, 1 << 20);
	size_t at[2], n = stream(2, 50, at);
	rec_reset();
	seg(d, 1, 1, 0, S, at[1] + 3);		/* one message and a bit */
	CU_ASSERT_EQUAL(R.n, 1);
	seg(d, 2, 1000000, 0, S, n);
	CU_ASSERT_EQUAL(ST(d)->tcp_overflow, 1);
	CU_ASSERT_EQUAL(ST(d)->tcp_gap, 1);
	CU_ASSERT_EQUAL(R.n, 3);
	CU_ASSERT(got(2, at, 1, 50));
	/* too many separate holes: the segment that would need a ninth
	 * range is dropped */
	rec_reset();
	uint32_t b = 1000000 + (uint32_t)n;
	for (unsigned i = 0; i < 9; i++)
		seg(d, 3, b + 100 + 20 * i, 0, S, 10);
	CU_ASSERT_EQUAL(ST(d)->tcp_overflow, 2);
	nl_flush(d, rec_cb, NULL);
	CU_ASSERT_EQUAL(ST(d)->tcp_partial_at_end, 1);
	nl_decoder_free(d);
}

static void test_flow_eviction(void)
{
	nl_decoder_t *d = tcp_decoder(2, 65537, 1 << 20);
	size_t at[1];
	stream(1, 100, at);
	rec_reset();
	segp(d, 1, 1, 1, 0, S, 50);	/* three flows with half a message */
	segp(d, 2, 2, 1, 0, S, 50);
	segp(d, 3, 3, 1, 0, S, 50);
	CU_ASSERT_EQUAL(ST(d)->tcp_evicted, 1);
	CU_ASSERT_EQUAL(ST(d)->tcp_flows, 3);
	segp(d, 4, 1, 51, 0, S + 50, 64);	/* flow 1 was evicted */
	CU_ASSERT_EQUAL(R.n, 0);
	segp(d, 4, 3, 51, 0, S + 50, 64);
	CU_ASSERT_EQUAL(R.n, 1);
	CU_ASSERT(got(0, at, 0, 100));
	nl_decoder_free(d);
}

static void test_pool_eviction(void)
{
	/* a pool with room for one full window and a bit */
	nl_decoder_t *d = tcp_decoder(16, 65537, 20 * 4096);
	size_t at[1];
	stream(1, 60000, at);
	rec_reset();
	segp(d, 1, 1, 1, 0, S, 50000);	/* 13 chunks each */
	segp(d, 2, 2, 1, 0, S, 50000);
	CU_ASSERT_EQUAL(ST(d)->tcp_evicted, 1);
	segp(d, 3, 2, 50001, 0, S + 50000, 60014 - 50000);
	CU_ASSERT_EQUAL(R.n, 1);
	CU_ASSERT(got(0, at, 0, 60000));
	nl_decoder_free(d);
}

static void test_timeout_and_flush(void)
{
	nl_decoder_t *d = tcp_decoder(16, 65537, 1 << 20);	/* 10 s */
	size_t at[1];
	stream(1, 100, at);
	rec_reset();
	segp(d, 100, 1, 1, 0, S, 50);
	segp(d, 110, 2, 1, 0, S, 50);
	segp(d, 111, 3, 1, 0, S, 50);	/* flow 1 idle 11 s */
	CU_ASSERT_EQUAL(ST(d)->tcp_timeout, 1);
	segp(d, 112, 2, 51, 0, S + 50, 64);
	CU_ASSERT_EQUAL(R.n, 1);
	nl_flush(d, rec_cb, NULL);
	CU_ASSERT_EQUAL(ST(d)->tcp_partial_at_end, 1);	/* flow 3 */
	/* after a flush the decoder starts clean */
	segp(d, 113, 3, 51, 0, S + 50, 64);
	CU_ASSERT_EQUAL(R.n, 1);
	nl_decoder_free(d);
}

static void test_ipv6_and_reverse_direction(void)
{
	nl_decoder_t *d = new_decoder();
	size_t at[2], n = stream(2, 33, at);
	rec_reset();
	/* query one way, response the other: two flows */
	size_t k = mk_tcp(F, 40000, 53, 7, 0, S, at[1]);
	k = mk_ip6(F, 6, A6, B6, F, k);
	feed(d, NL_LINK_RAW, 1, F, k);
	k = mk_tcp(F, 53, 40000, 9, 0, S + at[1], n - at[1]);
	k = mk_ip6(F, 6, B6, A6, F, k);
	feed(d, NL_LINK_RAW, 1, F, k);
	CU_ASSERT_EQUAL(R.n, 2);
	CU_ASSERT_EQUAL(R.m[1].sport, 53);
	CU_ASSERT(memcmp(R.m[1].src, B6, 16) == 0);
	CU_ASSERT_EQUAL(ST(d)->tcp_flows, 2);
	/* not on a DNS port: no flow */
	k = mk_tcp(F, 40000, 80, 7, 0, S, n);
	k = mk_ip6(F, 6, A6, B6, F, k);
	feed(d, NL_LINK_RAW, 1, F, k);
	CU_ASSERT_EQUAL(ST(d)->tcp_flows, 2);
	CU_ASSERT_EQUAL(ST(d)->skipped[NL_SKIP_NOT_DNS_PORT], 1);
	nl_decoder_free(d);
}

static CU_TestInfo tests[] = {
	{ "one message per segment", test_one_per_segment },
	{ "several messages in one segment", test_several_in_one },
	{ "one message over three segments", test_one_over_three },
	{ "length prefix split 1 + rest", test_prefix_split },
	{ "zero length prefix skipped", test_zero_length_prefix },
	{ "out of order", test_out_of_order },
	{ "retransmission and overlap", test_retransmission_and_overlap },
	{ "no SYN, TCP fast open", test_no_syn_and_tfo },
	{ "sequence wraparound at 2^32", test_wraparound },
	{ "FIN, RST", test_fin },
	{ "gap never filled: resync at FIN", test_gap_resync_at_fin },
	{ "gap: held data released at end of input", test_gap_released_at_end },
	{ "gap: given up after eight held segments", test_gap_given_up_after_eight },
	{ "gap never filled: resync at the cap", test_gap_resync_at_cap },
	{ "segment far ahead, range list full", test_far_ahead },
	{ "flow table eviction", test_flow_eviction },
	{ "byte pool eviction", test_pool_eviction },
	{ "idle timeout, flush partial", test_timeout_and_flush },
	{ "ipv6, both directions", test_ipv6_and_reverse_direction },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("nl_tcp", tests);
}
