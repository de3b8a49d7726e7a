/*
 * test_nl_build.h - frame builders and a message recorder shared by the
 * test_nl_*.c programs. Every frame is assembled from fields given here,
 * so expected values come from what the test put in.
 */
#ifndef ROOTLENS_TEST_NL_BUILD_H
#define ROOTLENS_TEST_NL_BUILD_H

#include <stdint.h>
#include <string.h>

/* cu_main.h casts a const suite name for CUnit's char * field, which
 * -Wcast-qual rejects under -Werror; keep the warning for our code. */
#include "cu_main.h"
#include "rootlens/netlayers.h"

#define REC_MAX 256

/* What the callback saw: each message copied out (payloads are borrowed). */
typedef struct rec {
	unsigned n;
	nl_dns_t m[REC_MAX];
	size_t used;
	uint8_t arena[1 << 21];
} rec_t;

static rec_t R;

static inline void rec_reset(void)
{
	R.n = 0;
	R.used = 0;
}

static inline void rec_cb(const nl_dns_t *m, void *user)
{
	(void)user;
	CU_ASSERT_FATAL(m->len <= 65535);
	if (R.n >= REC_MAX || R.used + m->len > sizeof(R.arena))
		return;
	R.m[R.n] = *m;
	memcpy(R.arena + R.used, m->payload, m->len);
	R.m[R.n].payload = R.arena + R.used;
	R.used += m->len;
	R.n++;
}

/* True when recorded message @p i has exactly @p len bytes @p want. */
static inline int rec_is(unsigned i, const void *want, size_t len)
{
	return i < R.n && R.m[i].len == len && memcmp(R.m[i].payload, want, len) == 0;
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static const uint8_t A4[4] = { 192, 0, 2, 1 };
static const uint8_t B4[4] = { 198, 51, 100, 53 };
static const uint8_t A6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t B6[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 0x35, [15] = 0x53 };

/* A stand-in DNS message: a 12-byte header with @p id, then @p extra
 * bytes of a pattern derived from id. The decoder never parses it. */
static inline size_t mk_dns(uint8_t *out, uint16_t id, size_t extra)
{
	memset(out, 0, 12);
	put16(out, id);
	out[2] = 0x01;		/* RD */
	put16(out + 4, 1);	/* QDCOUNT */
	for (size_t i = 0; i < extra; i++)
		out[12 + i] = (uint8_t)(id * 7 + i);
	return 12 + extra;
}

/* [2-byte length][message], RFC 1035 4.2.2 */
static inline size_t mk_tcpdns(uint8_t *out, uint16_t id, size_t extra)
{
	size_t n = mk_dns(out + 2, id, extra);
	put16(out, (uint16_t)n);
	return n + 2;
}

static inline size_t mk_udp(uint8_t *out, uint16_t sp, uint16_t dp,
			    const uint8_t *pl, size_t n)
{
	put16(out, sp);
	put16(out + 2, dp);
	put16(out + 4, (uint16_t)(n + 8));
	put16(out + 6, 0xdead);	/* wrong on purpose: never verified */
	if (n)
		memmove(out + 8, pl, n);
	return n + 8;
}

static inline size_t mk_tcp(uint8_t *out, uint16_t sp, uint16_t dp,
			    uint32_t seq, uint8_t flags,
			    const uint8_t *pl, size_t n)
{
	memset(out, 0, 20);
	put16(out, sp);
	put16(out + 2, dp);
	put32(out + 4, seq);
	put32(out + 8, 1);
	out[12] = 5 << 4;
	out[13] = flags | 0x10;	/* ACK */
	put16(out + 14, 65535);
	if (n)
		memmove(out + 20, pl, n);
	return n + 20;
}

/* IPv4 header (with @p optlen option bytes of NOP) around @p n bytes. */
static inline size_t mk_ip4o(uint8_t *out, uint8_t proto, const uint8_t *src,
			     const uint8_t *dst, uint16_t id, uint16_t frag,
			     size_t optlen, const uint8_t *pl, size_t n)
{
	size_t hl = 20 + optlen;
	if (n)
		memmove(out + hl, pl, n);
	memset(out, 0, hl);
	out[0] = (uint8_t)(0x40 | hl / 4);
	put16(out + 2, (uint16_t)(hl + n));
	put16(out + 4, id);
	put16(out + 6, frag);
	out[8] = 64;
	out[9] = proto;
	memcpy(out + 12, src, 4);
	memcpy(out + 16, dst, 4);
	memset(out + 20, 1, optlen);
	return hl + n;
}

static inline size_t mk_ip4(uint8_t *out, uint8_t proto, const uint8_t *pl, size_t n)
{
	return mk_ip4o(out, proto, A4, B4, 0x1234, 0x4000, 0, pl, n);
}

static inline size_t mk_ip6(uint8_t *out, uint8_t nh, const uint8_t *src,
			    const uint8_t *dst, const uint8_t *pl, size_t n)
{
	if (n)
		memmove(out + 40, pl, n);
	memset(out, 0, 40);
	out[0] = 0x60;
	put16(out + 4, (uint16_t)n);
	out[6] = nh;
	out[7] = 64;
	memcpy(out + 8, src, 16);
	memcpy(out + 24, dst, 16);
	return n + 40;
}

/* Ethernet II with @p ntags VLAN tags of TPID @p tpid. */
static inline size_t mk_eth_vlan(uint8_t *out, uint16_t et, unsigned ntags,
				 uint16_t tpid, const uint8_t *pl, size_t n)
{
	size_t hl = 14 + 4 * ntags;
	if (n)
		memmove(out + hl, pl, n);
	memset(out, 0, 12);
	out[0] = 0x02;
	out[6] = 0x02;
	out[11] = 1;
	/* outermost tag first: @p tpid, then 802.1Q (C-tags) */
	for (unsigned i = 0; i < ntags; i++) {
		put16(out + 12 + 4 * i, i == 0 ? tpid : 0x8100);
		put16(out + 14 + 4 * i, (uint16_t)(100 + i));
	}
	put16(out + 12 + 4 * ntags, et);
	return hl + n;
}

static inline size_t mk_eth(uint8_t *out, uint16_t et, const uint8_t *pl, size_t n)
{
	return mk_eth_vlan(out, et, 0, 0, pl, n);
}

/* Ethernet/IPv4/UDP 12345 -> 53 around @p n payload bytes. */
static inline size_t mk_eth_udp4(uint8_t *out, const uint8_t *pl, size_t n)
{
	size_t k = mk_udp(out, 12345, 53, pl, n);
	k = mk_ip4(out, 17, out, k);
	return mk_eth(out, 0x0800, out, k);
}

static inline nl_decoder_t *new_decoder(void)
{
	nl_config_t cfg;
	nl_decoder_t *d = NULL;

	nl_config_default(&cfg);
	CU_ASSERT_FATAL(nl_decoder_new(&d, &cfg) == 0);
	return d;
}

static inline int feed(nl_decoder_t *d, int lt, int64_t sec,
		       const uint8_t *f, size_t n)
{
	return nl_decode(d, lt, sec, 0, f, n, n, rec_cb, NULL);
}

#define ST(d) (nl_decoder_stats(d))

#endif
