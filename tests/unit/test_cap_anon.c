/*
 * test_cap_anon.c - the capture anonymizer (capture/anon*.c).
 *
 * Crypto-PAn is checked against answers published with other
 * implementations, never against what this code printed; frames are
 * written here byte by byte with their checksums computed by tsum()
 * below, anonymized, then checked from scratch: every address where it
 * was is the mapping of the original, no original address is left
 * anywhere in the frame, every checksum verifies, and no other byte
 * moved. Each frame is also cut at every length and damaged at random.
 *
 * ANON_BENCH=1 in the environment prints addresses/s and frames/s.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "anon.h"
#include "cu_main.h"
#include "rootlens/netlayers.h"

/* ---- published Crypto-PAn answers ----------------------------------------- */

/*
 * The key of the sample in the original Crypto-PAn distribution (Georgia
 * Tech, sample.cpp), and pairs from its sample_trace_raw.dat /
 * sample_trace_sanitized.dat, as published in the test of the Go
 * implementation by Yawning Angel: github.com/Yawning/cryptopan,
 * cryptopan_test.go (commit 55312e4), TestCryptopanIPv4; the same key and
 * trace files are used by keiichishima/yacryptopan's test.py.
 */
static const uint8_t KEY[32] = {
	21, 34, 23, 141, 51, 164, 207, 128, 19, 10, 91, 22, 73, 144, 125, 16,
	216, 152, 143, 131, 121, 121, 101, 39, 98, 87, 76, 45, 42, 132, 34, 2,
};

static const char *const V4[][2] = {
	{ "128.11.68.132", "135.242.180.132" }, { "129.118.74.4", "134.136.186.123" },
	{ "130.132.252.244", "133.68.164.234" }, { "141.223.7.43", "141.167.8.160" },
	{ "141.233.145.108", "141.129.237.235" }, { "152.163.225.39", "151.140.114.167" },
	{ "156.29.3.236", "147.225.12.42" }, { "165.247.96.84", "162.9.99.234" },
	{ "166.107.77.190", "160.132.178.185" }, { "192.102.249.13", "252.138.62.131" },
	{ "192.215.32.125", "252.43.47.189" }, { "192.233.80.103", "252.25.108.8" },
	{ "192.41.57.43", "252.222.221.184" }, { "193.150.244.223", "253.169.52.216" },
	{ "195.205.63.100", "255.186.223.5" }, { "198.200.171.101", "249.199.68.213" },
	{ "198.26.132.101", "249.36.123.202" }, { "198.36.213.5", "249.7.21.132" },
	{ "198.51.77.238", "249.18.186.254" }, { "199.217.79.101", "248.38.184.213" },
	{ "202.49.198.20", "245.206.7.234" }, { "203.12.160.252", "244.248.163.4" },
	{ "204.184.162.189", "243.192.77.90" }, { "204.202.136.230", "243.178.4.198" },
	{ "204.29.20.4", "243.33.20.123" }, { "205.178.38.67", "242.108.198.51" },
	{ "205.188.147.153", "242.96.16.101" }, { "205.188.248.25", "242.96.88.27" },
	{ "205.245.121.43", "242.21.121.163" }, { "207.105.49.5", "241.118.205.138" },
	{ "207.135.65.238", "241.202.129.222" }, { "207.155.9.214", "241.220.250.22" },
	{ "207.188.7.45", "241.255.249.220" }, { "207.25.71.27", "241.33.119.156" },
	{ "207.33.151.131", "241.1.233.131" }, { "208.147.89.59", "227.237.98.191" },
	{ "208.234.120.210", "227.154.67.17" }, { "208.28.185.184", "227.39.94.90" },
	{ "208.52.56.122", "227.8.63.165" }, { "209.12.231.7", "226.243.167.8" },
	{ "209.238.72.3", "226.6.119.243" }, { "209.246.74.109", "226.22.124.76" },
	{ "209.68.60.238", "226.184.220.233" }, { "209.85.249.6", "226.170.70.6" },
	{ "212.120.124.31", "228.135.163.231" }, { "212.146.8.236", "228.19.4.234" },
	{ "212.186.227.154", "228.59.98.98" }, { "212.204.172.118", "228.71.195.169" },
	{ "212.206.130.201", "228.69.242.193" }, { "216.148.237.145", "235.84.194.111" },
	{ "216.157.30.252", "235.89.31.26" }, { "216.184.159.48", "235.96.225.78" },
	{ "216.227.10.221", "235.28.253.36" }, { "216.254.18.172", "235.7.16.162" },
	{ "216.32.132.250", "235.192.139.38" }, { "216.35.217.178", "235.195.157.81" },
	{ "24.0.250.221", "100.15.198.226" }, { "24.13.62.231", "100.2.192.247" },
	{ "24.14.213.138", "100.1.42.141" }, { "24.5.0.80", "100.9.15.210" },
	{ "24.7.198.88", "100.10.6.25" }, { "24.94.26.44", "100.88.228.35" },
	{ "38.15.67.68", "64.3.66.187" }, { "4.3.88.225", "124.60.155.63" },
	{ "63.14.55.111", "95.9.215.7" }, { "63.195.241.44", "95.179.238.44" },
	{ "63.97.7.140", "95.97.9.123" }, { "64.14.118.196", "0.255.183.58" },
	{ "64.34.154.117", "0.221.154.117" }, { "64.39.15.238", "0.219.7.41" },
};

/* IPv6 under the same key: the same test file, TestCryptopanIPv6 (the
 * 128-bit extension every IPv6-capable implementation uses). */
static const char *const V6[][2] = {
	{ "::1", "78ff:f001:9fc0:20df:8380:b1f1:704:ed" },
	{ "::2", "78ff:f001:9fc0:20df:8380:b1f1:704:ef" },
	{ "::ffff", "78ff:f001:9fc0:20df:8380:b1f1:704:f838" },
	{ "2001:db8::1", "4401:2bc:603f:d91d:27f:ff8e:e6f1:dc1e" },
	{ "2001:db8::2", "4401:2bc:603f:d91d:27f:ff8e:e6f1:dc1c" },
};

/* A second, independent implementation and key: the usage example of
 * keiichishima/yacryptopan, README.md (Python, PyCryptodome AES). */
static const char YA_KEY[] = "32-char-str-for-AES-key-and-pad.";

/* ---- helpers ---------------------------------------------------------------- */

static anon_t *cp_new(const uint8_t *key)
{
	char err[256] = "";
	anon_t *a = anon_new_cryptopan(key, err, sizeof(err));

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	return a;
}

static void pton4(const char *s, uint8_t out[4])
{
	CU_ASSERT_FATAL(inet_pton(AF_INET, s, out) == 1);
}

static void pton6(const char *s, uint8_t out[16])
{
	CU_ASSERT_FATAL(inet_pton(AF_INET6, s, out) == 1);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static int contains(const uint8_t *h, size_t hl, const uint8_t *n, size_t nl)
{
	for (size_t i = 0; nl && i + nl <= hl; i++)
		if (memcmp(h + i, n, nl) == 0)
			return 1;
	return 0;
}

/* Leading bits two byte strings share. */
static unsigned common_bits(const uint8_t *x, const uint8_t *y, unsigned n)
{
	for (unsigned i = 0; i < n * 8; i++)
		if (((x[i / 8] ^ y[i / 8]) >> (7 - i % 8)) & 1)
			return i;
	return n * 8;
}

/* The Internet checksum, written plainly and apart from the code under
 * test: big-endian 16-bit words, an odd last byte padded with zero. */
static uint32_t tsum(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i < n; i++)
		s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	return s;
}

static unsigned tfold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static unsigned get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* The sum of the transport pseudo-header (RFC 768, RFC 8200 8.1). */
static uint32_t pseudo(int v6, const uint8_t *src, const uint8_t *dst, uint8_t proto, size_t len)
{
	uint8_t ph[40] = { 0 };

	if (v6) {
		memcpy(ph, src, 16);
		memcpy(ph + 16, dst, 16);
		ph[34] = (uint8_t)(len >> 8);
		ph[35] = (uint8_t)len;
		ph[39] = proto;
		return tsum(ph, 40, 0);
	}
	memcpy(ph, src, 4);
	memcpy(ph + 4, dst, 4);
	ph[9] = proto;
	ph[10] = (uint8_t)(len >> 8);
	ph[11] = (uint8_t)len;
	return tsum(ph, 12, 0);
}

/* Fill the checksum at @p field of the @p len-byte transport data. */
static void l4ck(uint8_t *l4, size_t len, size_t field, int v6, const uint8_t *src,
		 const uint8_t *dst, uint8_t proto)
{
	l4[field] = l4[field + 1] = 0;
	unsigned c = ~tfold(tsum(l4, len, pseudo(v6, src, dst, proto, len))) & 0xffff;
	if (proto == 17 && c == 0)
		c = 0xffff;
	put16(l4 + field, c);
}

static int l4ok(const uint8_t *l4, size_t len, int v6, const uint8_t *src,
		const uint8_t *dst, uint8_t proto)
{
	return tfold(tsum(l4, len, pseudo(v6, src, dst, proto, len))) == 0xffff;
}

/* checksum without a pseudo-header (ICMP, GRE, IPv4 header) */
static void plainck(uint8_t *p, size_t len, size_t field)
{
	p[field] = p[field + 1] = 0;
	put16(p + field, ~tfold(tsum(p, len, 0)) & 0xffff);
}

static int plainok(const uint8_t *p, size_t len)
{
	return tfold(tsum(p, len, 0)) == 0xffff;
}

static int ip4ok(const uint8_t *h)
{
	return plainok(h, (size_t)(h[0] & 15) * 4);
}

/* ---- frame building ----------------------------------------------------------- */

static const uint8_t C4[4] = { 198, 51, 100, 7 };	/* the client */
static const uint8_t S4[4] = { 192, 0, 2, 53 };		/* the server */
static const uint8_t C4B[4] = { 203, 0, 113, 77 };	/* another client */
static const uint8_t C6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x10, 0x00, 0x20,
				0, 0, 0, 0, 0, 0, 0x12, 0x34 };
static const uint8_t S6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0x53, 0, 0,
				0, 0, 0, 0, 0, 0, 0, 0x35 };
static const uint8_t R6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x05, 0, 0,
				0, 0, 0, 0, 0, 0, 0, 0x01 };	/* SRv6 waypoint */
static const uint8_t T4A[4] = { 10, 1, 1, 1 }, T4B[4] = { 10, 2, 2, 2 };	/* tunnel */
static const uint8_t RR4[4] = { 10, 9, 9, 9 };	/* in a record route option */

/* Question names in wire form: ECS offsets of odd and even parity. */
static const uint8_t QN_ODD[] = "\x02" "ns" "\x07" "example" "\x03" "com";
static const uint8_t QN_EVEN[] = "\x07" "example" "\x03" "com";

#define TF_MAX 2048

/* A frame and where its addresses, ECS and checksums are. */
typedef struct tf {
	const char *name;
	int lt;
	size_t link;		/* shorter frames may be dropped */
	uint8_t b[TF_MAX];
	size_t len;
	unsigned na;
	struct { size_t off; unsigned len; uint8_t v[16]; } a[16];
	unsigned ne;
	struct { size_t off; unsigned alen, fam, bits; uint8_t v[16]; } e[4];
	unsigned nc;
	size_t c[12];		/* checksum fields */
} tf_t;

static void tf_init(tf_t *t, const char *name, int lt, size_t link)
{
	memset(t, 0, sizeof(*t));
	t->name = name;
	t->lt = lt;
	t->link = link;
}

static void tf_addr(tf_t *t, size_t off, unsigned len)
{
	CU_ASSERT_FATAL(t->na < 16 && off + len <= t->len);
	t->a[t->na].off = off;
	t->a[t->na].len = len;
	memcpy(t->a[t->na].v, t->b + off, len);
	t->na++;
}

static void tf_ecs(tf_t *t, size_t off, unsigned alen, unsigned fam, unsigned bits)
{
	CU_ASSERT_FATAL(t->ne < 4 && off + alen <= t->len);
	/* the option as the test wrote it: family and prefix just before */
	CU_ASSERT_FATAL(get16(t->b + off - 4) == fam && t->b[off - 2] == bits);
	t->e[t->ne].off = off;
	t->e[t->ne].alen = alen;
	t->e[t->ne].fam = fam;
	t->e[t->ne].bits = bits;
	memcpy(t->e[t->ne].v, t->b + off, alen);
	t->ne++;
}

static void tf_ck(tf_t *t, size_t off)
{
	CU_ASSERT_FATAL(t->nc < 12);
	t->c[t->nc++] = off;
}

static size_t eth_hdr(uint8_t *p, unsigned et)
{
	static const uint8_t macs[12] = { 0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02 };
	memcpy(p, macs, 12);
	put16(p + 12, et);
	return 14;
}

/* IPv4 header (RFC 791) of 20 + @p optlen bytes before @p paylen bytes. */
static size_t ip4_hdr(uint8_t *p, uint8_t proto, const uint8_t *src, const uint8_t *dst,
		      size_t paylen, unsigned frag, const uint8_t *opt, size_t optlen)
{
	size_t hl = 20 + optlen;

	p[0] = (uint8_t)(0x40 | hl / 4);
	p[1] = 0;
	put16(p + 2, (unsigned)(hl + paylen));
	put16(p + 4, 0x4d2);
	put16(p + 6, frag);
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	if (optlen)
		memcpy(p + 20, opt, optlen);
	plainck(p, hl, 10);
	return hl;
}

static size_t ip6_hdr(uint8_t *p, uint8_t nh, const uint8_t *src, const uint8_t *dst,
		      size_t paylen)
{
	p[0] = 0x60;
	p[1] = 0x01;
	p[2] = 0x23;
	p[3] = 0x45;
	put16(p + 4, (unsigned)paylen);
	p[6] = nh;
	p[7] = 64;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
	return 40;
}

static size_t udp_hdr(uint8_t *p, unsigned sport, unsigned dport, const uint8_t *pl, size_t plen)
{
	put16(p, sport);
	put16(p + 2, dport);
	put16(p + 4, (unsigned)(8 + plen));
	p[6] = p[7] = 0;
	memcpy(p + 8, pl, plen);
	return 8 + plen;
}

/*
 * A DNS message (RFC 1035 4.1): one question for @p qn; a response also
 * has one A answer with a compressed owner; then an OPT (RFC 6891) with
 * an ECS option (RFC 7871) of family @p fam, SOURCE PREFIX-LENGTH
 * @p bits, @p alen address bytes from @p addr (bits past the prefix
 * zeroed, as RFC 7871 6 wants), and @p padlen bytes of padding (RFC
 * 7830). *eo: offset of the ECS address in the message.
 */
static size_t mk_dns(uint8_t *p, const uint8_t *qn, size_t qnlen, int response,
		     unsigned fam, unsigned bits, const uint8_t *addr, unsigned alen,
		     size_t padlen, size_t *eo)
{
	size_t k = 0;

	put16(p, 0x2b1d);
	put16(p + 2, response ? 0x8180 : 0x0100);
	put16(p + 4, 1);
	put16(p + 6, response ? 1 : 0);
	put16(p + 8, 0);
	put16(p + 10, 1);
	k = 12;
	memcpy(p + k, qn, qnlen);
	k += qnlen;
	put16(p + k, 1);	/* A */
	put16(p + k + 2, 1);	/* IN */
	k += 4;
	if (response) {
		static const uint8_t an[16] = { 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10,
						0, 4, 203, 0, 113, 9 };
		memcpy(p + k, an, sizeof(an));
		k += sizeof(an);
	}
	size_t rdlen = 8 + alen + (padlen ? 4 + padlen : 0);
	p[k] = 0;		/* root owner */
	put16(p + k + 1, 41);
	put16(p + k + 3, 1232);
	put16(p + k + 5, 0);
	put16(p + k + 7, 0x8000);	/* DO */
	put16(p + k + 9, (unsigned)rdlen);
	k += 11;
	put16(p + k, 8);
	put16(p + k + 2, 4 + alen);
	put16(p + k + 4, fam);
	p[k + 6] = (uint8_t)bits;
	p[k + 7] = 0;
	memcpy(p + k + 8, addr, alen);
	for (unsigned i = 0; i < alen; i++) {
		unsigned have = bits > i * 8 ? bits - i * 8 : 0;
		if (have < 8)
			p[k + 8 + i] &= (uint8_t)(0xff00u >> have);
	}
	*eo = k + 8;
	k += 8 + alen;
	if (padlen) {
		put16(p + k, 12);
		put16(p + k + 2, (unsigned)padlen);
		memset(p + k + 4, 0, padlen);
		k += 4 + padlen;
	}
	return k;
}

/* A UDP/IPv4 DNS datagram (client to server, or back) at @p p; *eo: the
 * ECS address relative to @p p. */
static size_t dgram4(uint8_t *p, const uint8_t *src, const uint8_t *dst, int response,
		     const uint8_t *qn, size_t qnlen, unsigned bits, size_t *eo)
{
	uint8_t m[600], u[700];
	size_t meo;
	size_t ml = mk_dns(m, qn, qnlen, response, 1, bits, response ? dst : src,
			   (bits + 7) / 8, 0, &meo);
	size_t ul = udp_hdr(u, response ? 53 : 40000, response ? 40000 : 53, m, ml);
	l4ck(u, ul, 6, 0, src, dst, 17);
	size_t hl = ip4_hdr(p, 17, src, dst, ul, 0, NULL, 0);
	memcpy(p + hl, u, ul);
	*eo = hl + 8 + meo;
	return hl + ul;
}

static size_t dgram6(uint8_t *p, const uint8_t *src, const uint8_t *dst, int response,
		     const uint8_t *qn, size_t qnlen, unsigned bits, size_t *eo)
{
	uint8_t m[600], u[700];
	size_t meo;
	size_t ml = mk_dns(m, qn, qnlen, response, 2, bits, response ? dst : src,
			   (bits + 7) / 8, 0, &meo);
	size_t ul = udp_hdr(u, response ? 53 : 40000, response ? 40000 : 53, m, ml);
	l4ck(u, ul, 6, 1, src, dst, 17);
	size_t hl = ip6_hdr(p, 17, src, dst, ul);
	memcpy(p + hl, u, ul);
	*eo = hl + 8 + meo;
	return hl + ul;
}

/* Register the addresses, ECS and checksums of a dgram4/6 put at @p ip. */
static void reg_dgram(tf_t *t, size_t ip, int v6, size_t eo, unsigned bits)
{
	if (v6) {
		tf_addr(t, ip + 8, 16);
		tf_addr(t, ip + 24, 16);
		tf_ck(t, ip + 40 + 6);
		tf_ecs(t, ip + eo, (bits + 7) / 8, 2, bits);
	} else {
		tf_addr(t, ip + 12, 4);
		tf_addr(t, ip + 16, 4);
		tf_ck(t, ip + 10);
		tf_ck(t, ip + 20 + 6);
		tf_ecs(t, ip + eo, (bits + 7) / 8, 1, bits);
	}
}

/* ---- the frames ------------------------------------------------------------------- */

/* Ethernet, 802.1Q tag, IPv4, UDP: a query with ECS 198.51.100.0/24,
 * its address at an odd distance from the UDP header. */
static void f_vlan_udp4(tf_t *t)
{
	size_t eo;

	tf_init(t, "eth+vlan+udp4", NL_LINK_ETHERNET, 18);
	size_t k = eth_hdr(t->b, 0x8100);
	put16(t->b + 14, 0x0064);	/* PCP 0, VLAN 100 */
	put16(t->b + 16, 0x0800);
	k += 4;
	t->len = k + dgram4(t->b + k, C4, S4, 0, QN_ODD, sizeof(QN_ODD), 24, &eo);
	reg_dgram(t, k, 0, eo, 24);
	CU_ASSERT((eo - 20) % 2 == 1);
}

/* Ethernet, IPv6 with a hop-by-hop header (router alert, PadN), UDP: a
 * response with ECS 2001:db8:10::/50 (7 bytes, the last with 2 bits),
 * the address at an even distance from the UDP header. */
static void f_hbh_udp6(tf_t *t)
{
	uint8_t m[600], u[700];
	size_t meo;

	tf_init(t, "eth+ipv6+hbh+udp6", NL_LINK_ETHERNET, 14);
	size_t ml = mk_dns(m, QN_EVEN, sizeof(QN_EVEN), 1, 2, 50, C6, 7, 0, &meo);
	size_t ul = udp_hdr(u, 53, 40000, m, ml);
	l4ck(u, ul, 6, 1, S6, C6, 17);
	size_t k = eth_hdr(t->b, 0x86dd);
	size_t ip = k;
	k += ip6_hdr(t->b + k, 0, S6, C6, 8 + ul);
	static const uint8_t hbh[8] = { 17, 0, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00 };
	memcpy(t->b + k, hbh, 8);
	k += 8;
	memcpy(t->b + k, u, ul);
	t->len = k + ul;
	tf_addr(t, ip + 8, 16);
	tf_addr(t, ip + 24, 16);
	tf_ck(t, k + 6);
	tf_ecs(t, k + 8 + meo, 7, 2, 50);
	CU_ASSERT((8 + meo) % 2 == 0);
}

/* Raw IPv4, TCP to port 53 holding two length-prefixed queries with ECS
 * 198.51.100.0/24 and 203.0.112.0/20. */
static void f_tcp4(tf_t *t)
{
	uint8_t m1[300], m2[300], seg[700];
	size_t e1, e2;
	size_t l1 = mk_dns(m1, QN_ODD, sizeof(QN_ODD), 0, 1, 24, C4, 3, 0, &e1);
	size_t l2 = mk_dns(m2, QN_EVEN, sizeof(QN_EVEN), 0, 1, 20, C4B, 3, 0, &e2);

	tf_init(t, "raw+tcp4", NL_LINK_RAW, 1);
	memset(seg, 0, 20);
	put16(seg, 40001);
	put16(seg + 2, 53);
	seg[4] = 0x11;		/* sequence, acknowledgment */
	seg[11] = 0x22;
	seg[12] = 0x50;		/* data offset 5 */
	seg[13] = 0x18;		/* PSH, ACK */
	put16(seg + 14, 65535);
	size_t k = 20;
	put16(seg + k, (unsigned)l1);
	memcpy(seg + k + 2, m1, l1);
	e1 += k + 2;
	k += 2 + l1;
	put16(seg + k, (unsigned)l2);
	memcpy(seg + k + 2, m2, l2);
	e2 += k + 2;
	k += 2 + l2;
	l4ck(seg, k, 16, 0, C4, S4, 6);
	size_t hl = ip4_hdr(t->b, 6, C4, S4, k, 0x4000, NULL, 0);	/* DF */
	memcpy(t->b + hl, seg, k);
	t->len = hl + k;
	tf_addr(t, 12, 4);
	tf_addr(t, 16, 4);
	tf_ck(t, 10);
	tf_ck(t, hl + 16);
	tf_ecs(t, hl + e1, 3, 1, 24);
	tf_ecs(t, hl + e2, 3, 1, 20);
}

/* One UDP datagram with ECS and 300 bytes of padding, cut into two
 * fragments after 256 bytes of it: the ECS is in the first. */
static size_t frag_dgram(uint8_t *u, int v6, size_t *eo)
{
	uint8_t m[600];
	size_t ml = v6 ? mk_dns(m, QN_ODD, sizeof(QN_ODD), 0, 2, 48, C6, 6, 300, eo)
		       : mk_dns(m, QN_ODD, sizeof(QN_ODD), 0, 1, 24, C4, 3, 300, eo);
	size_t ul = udp_hdr(u, 40000, 53, m, ml);

	*eo += 8;
	if (v6)
		l4ck(u, ul, 6, 1, C6, S6, 17);
	else
		l4ck(u, ul, 6, 0, C4, S4, 17);
	return ul;
}

static void f_frag4(tf_t *t1, tf_t *t2)
{
	uint8_t u[700];
	size_t eo, ul = frag_dgram(u, 0, &eo);

	tf_init(t1, "ipv4 first fragment", NL_LINK_IPV4, 1);
	tf_init(t2, "ipv4 second fragment", NL_LINK_IPV4, 1);
	size_t hl = ip4_hdr(t1->b, 17, C4, S4, 256, 0x2000, NULL, 0);	/* MF */
	memcpy(t1->b + hl, u, 256);
	t1->len = hl + 256;
	hl = ip4_hdr(t2->b, 17, C4, S4, ul - 256, 256 / 8, NULL, 0);
	memcpy(t2->b + hl, u + 256, ul - 256);
	t2->len = hl + ul - 256;
	for (int i = 0; i < 2; i++) {
		tf_t *t = i ? t2 : t1;
		tf_addr(t, 12, 4);
		tf_addr(t, 16, 4);
		tf_ck(t, 10);
	}
	tf_ck(t1, 20 + 6);
	tf_ecs(t1, 20 + eo, 3, 1, 24);
}

/* Linux cooked (v1), IPv6 with a fragment header: the same, over IPv6. */
static void f_frag6(tf_t *t1, tf_t *t2)
{
	uint8_t u[700];
	size_t eo, ul = frag_dgram(u, 1, &eo);
	static const uint8_t sll[16] = { 0, 0, 0, 1, 0, 6, 0x02, 0, 0, 0, 0, 0x02, 0, 0,
					 0x86, 0xdd };

	for (int i = 0; i < 2; i++) {
		tf_t *t = i ? t2 : t1;
		size_t part = i ? ul - 256 : 256;
		tf_init(t, i ? "ipv6 second fragment" : "ipv6 first fragment",
			NL_LINK_LINUX_SLL, 16);
		memcpy(t->b, sll, 16);
		ip6_hdr(t->b + 16, 44, C6, S6, 8 + part);
		uint8_t *fh = t->b + 56;
		fh[0] = 17;
		fh[1] = 0;
		put16(fh + 2, i ? 256 | 0 : 0 | 1);	/* offset (bytes, 8-aligned) | M */
		fh[4] = 0xca;
		fh[5] = 0xfe;
		fh[6] = 0xbe;
		fh[7] = 0xef;
		memcpy(t->b + 64, u + (i ? 256 : 0), part);
		t->len = 64 + part;
		tf_addr(t, 16 + 8, 16);
		tf_addr(t, 16 + 24, 16);
	}
	tf_ck(t1, 64 + 6);
	tf_ecs(t1, 64 + eo, 6, 2, 48);
}

/* ICMP port unreachable from the client, quoting the server's whole
 * response (with ECS) that it could not deliver. */
static void f_icmp4(tf_t *t)
{
	uint8_t icmp[800];
	size_t eo;

	tf_init(t, "icmp4 port unreachable", NL_LINK_ETHERNET, 14);
	memset(icmp, 0, 8);
	icmp[0] = 3;
	icmp[1] = 3;
	size_t ql = dgram4(icmp + 8, S4, C4, 1, QN_EVEN, sizeof(QN_EVEN), 24, &eo);
	plainck(icmp, 8 + ql, 2);
	size_t k = eth_hdr(t->b, 0x0800);
	size_t hl = ip4_hdr(t->b + k, 1, C4, S4, 8 + ql, 0, NULL, 0);
	memcpy(t->b + k + hl, icmp, 8 + ql);
	t->len = k + hl + 8 + ql;
	tf_addr(t, k + 12, 4);
	tf_addr(t, k + 16, 4);
	tf_ck(t, k + 10);
	tf_ck(t, k + hl + 2);
	reg_dgram(t, k + hl + 8, 0, eo, 24);
}

/* ICMPv6 port unreachable, the same over IPv6 (raw, LINKTYPE_IPV6). */
static void f_icmp6(tf_t *t)
{
	uint8_t icmp[800];
	size_t eo;

	tf_init(t, "icmp6 port unreachable", NL_LINK_IPV6, 1);
	memset(icmp, 0, 8);
	icmp[0] = 1;
	icmp[1] = 4;
	size_t ql = dgram6(icmp + 8, S6, C6, 1, QN_ODD, sizeof(QN_ODD), 56, &eo);
	l4ck(icmp, 8 + ql, 2, 1, C6, S6, 58);
	ip6_hdr(t->b, 58, C6, S6, 8 + ql);
	memcpy(t->b + 40, icmp, 8 + ql);
	t->len = 40 + 8 + ql;
	tf_addr(t, 8, 16);
	tf_addr(t, 24, 16);
	tf_ck(t, 40 + 2);
	reg_dgram(t, 48, 1, eo, 56);
}

/* Linux cooked v2 with IPv6/UDP. */
static void f_sll2(tf_t *t)
{
	size_t eo;
	static const uint8_t sll2[20] = { 0x86, 0xdd, 0, 0, 0, 0, 0, 2, 0, 1, 4, 6,
					  0x02, 0, 0, 0, 0, 0x02, 0, 0 };

	tf_init(t, "sll2+udp6", NL_LINK_LINUX_SLL2, 20);
	memcpy(t->b, sll2, 20);
	t->len = 20 + dgram6(t->b + 20, C6, S6, 0, QN_EVEN, sizeof(QN_EVEN), 48, &eo);
	reg_dgram(t, 20, 1, eo, 48);
}

/* Raw IPv4 (DLT_RAW 12) with UDP. */
static void f_raw4(tf_t *t)
{
	size_t eo;

	tf_init(t, "raw12+udp4", NL_LINK_RAW_DLT12, 1);
	t->len = dgram4(t->b, S4, C4, 1, QN_ODD, sizeof(QN_ODD), 22, &eo);
	reg_dgram(t, 0, 0, eo, 22);
}

/* BSD loopback, AF_INET6 = 30 in little-endian host order. */
static void f_null6(tf_t *t)
{
	size_t eo;

	tf_init(t, "null+udp6", NL_LINK_NULL, 4);
	t->b[0] = 30;
	t->len = 4 + dgram6(t->b + 4, S6, C6, 1, QN_ODD, sizeof(QN_ODD), 64, &eo);
	reg_dgram(t, 4, 1, eo, 64);
}

/* OpenBSD loopback, AF_INET = 2 in network order. */
static void f_loop4(tf_t *t)
{
	size_t eo;

	tf_init(t, "loop+udp4", NL_LINK_LOOP, 4);
	t->b[3] = 2;
	t->len = 4 + dgram4(t->b + 4, C4, S4, 0, QN_EVEN, sizeof(QN_EVEN), 24, &eo);
	reg_dgram(t, 4, 0, eo, 24);
}

/* IPv4 in IPv4: both headers rewritten. */
static void f_ipip(tf_t *t)
{
	size_t eo;

	tf_init(t, "ipip", NL_LINK_RAW, 1);
	size_t il = dgram4(t->b + 20, C4, S4, 0, QN_ODD, sizeof(QN_ODD), 24, &eo);
	ip4_hdr(t->b, 4, T4A, T4B, il, 0, NULL, 0);
	t->len = 20 + il;
	tf_addr(t, 12, 4);
	tf_addr(t, 16, 4);
	tf_ck(t, 10);
	reg_dgram(t, 20, 0, eo, 24);
}

/* IPv4, GRE with a checksum (RFC 2784), IPv6/UDP inside. */
static void f_gre(tf_t *t)
{
	size_t eo;

	tf_init(t, "gre+csum+udp6", NL_LINK_RAW, 1);
	uint8_t *g = t->b + 20;
	put16(g, 0x8000);	/* C */
	put16(g + 2, 0x86dd);
	g[4] = g[5] = g[6] = g[7] = 0;
	size_t il = dgram6(g + 8, C6, S6, 0, QN_EVEN, sizeof(QN_EVEN), 56, &eo);
	plainck(g, 8 + il, 4);
	ip4_hdr(t->b, 47, T4A, T4B, 8 + il, 0, NULL, 0);
	t->len = 28 + il;
	tf_addr(t, 12, 4);
	tf_addr(t, 16, 4);
	tf_ck(t, 10);
	tf_ck(t, 24);
	reg_dgram(t, 28, 1, eo, 56);
}

/* IPv4 with a record route option: one slot filled, one empty. */
static void f_rr(tf_t *t)
{
	uint8_t opt[12] = { 7, 11, 8, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	uint8_t m[600], u[700];
	size_t meo;

	memcpy(opt + 3, RR4, 4);
	tf_init(t, "ipv4 record route", NL_LINK_IPV4, 1);
	size_t ml = mk_dns(m, QN_ODD, sizeof(QN_ODD), 0, 1, 24, C4, 3, 0, &meo);
	size_t ul = udp_hdr(u, 40000, 53, m, ml);
	l4ck(u, ul, 6, 0, C4, S4, 17);
	size_t hl = ip4_hdr(t->b, 17, C4, S4, ul, 0, opt, sizeof(opt));
	memcpy(t->b + hl, u, ul);
	t->len = hl + ul;
	tf_addr(t, 12, 4);
	tf_addr(t, 16, 4);
	tf_addr(t, 23, 4);
	tf_ck(t, 10);
	tf_ck(t, hl + 6);
	tf_ecs(t, hl + 8 + meo, 3, 1, 24);
}

/* IPv6 with an SRv6 routing header (RFC 8754), one segment left: the UDP
 * pseudo-header holds the final segment, not the IPv6 destination. */
static void f_srh(tf_t *t)
{
	uint8_t m[600], u[700];
	size_t meo;

	tf_init(t, "ipv6 srh", NL_LINK_RAW, 1);
	size_t ml = mk_dns(m, QN_ODD, sizeof(QN_ODD), 0, 2, 48, C6, 6, 0, &meo);
	size_t ul = udp_hdr(u, 40000, 53, m, ml);
	l4ck(u, ul, 6, 1, C6, S6, 17);
	ip6_hdr(t->b, 43, C6, R6, 40 + ul);
	uint8_t *rh = t->b + 40;
	rh[0] = 17;
	rh[1] = 4;		/* (4 + 1) * 8 = 40 bytes */
	rh[2] = 4;		/* SRH */
	rh[3] = 1;		/* segments left */
	rh[4] = 1;		/* last entry */
	rh[5] = rh[6] = rh[7] = 0;
	memcpy(rh + 8, S6, 16);	/* segment 0: the final destination */
	memcpy(rh + 24, R6, 16);
	memcpy(t->b + 80, u, ul);
	t->len = 80 + ul;
	tf_addr(t, 8, 16);
	tf_addr(t, 24, 16);
	tf_addr(t, 48, 16);
	tf_addr(t, 64, 16);
	tf_ck(t, 80 + 6);
	tf_ecs(t, 80 + 8 + meo, 6, 2, 48);
}

/* TCP SYN-ACK with MPTCP ADD_ADDR options (RFC 8684 3.4.1): an IPv4
 * address, and an IPv6 address with a port. */
static void f_mptcp(tf_t *t)
{
	uint8_t seg[64] = { 0 };

	tf_init(t, "tcp4 mptcp add_addr", NL_LINK_RAW, 1);
	put16(seg, 443);
	put16(seg + 2, 40002);
	seg[12] = 13 << 4;	/* 52 bytes of header */
	seg[13] = 0x12;		/* SYN, ACK */
	put16(seg + 14, 65535);
	uint8_t *o = seg + 20;
	o[0] = 30, o[1] = 8, o[2] = 0x30, o[3] = 1;
	memcpy(o + 4, C4B, 4);
	o[8] = 30, o[9] = 22, o[10] = 0x30, o[11] = 2;
	memcpy(o + 12, R6, 16);
	put16(o + 28, 8443);
	o[30] = o[31] = 1;	/* NOP NOP */
	l4ck(seg, 52, 16, 0, S4, C4, 6);
	size_t hl = ip4_hdr(t->b, 6, S4, C4, 52, 0x4000, NULL, 0);
	memcpy(t->b + hl, seg, 52);
	t->len = hl + 52;
	tf_addr(t, 12, 4);
	tf_addr(t, 16, 4);
	tf_addr(t, hl + 24, 4);
	tf_addr(t, hl + 32, 16);
	tf_ck(t, 10);
	tf_ck(t, hl + 16);
}

/* Linux cooked (v1) on a GRE device: the kernel put the tunnel's outer
 * source address in the link-layer address field. */
static void f_sll_gre(tf_t *t)
{
	size_t eo;
	static const uint8_t sll[16] = { 0, 0, 0x03, 0x0a, 0, 4, 10, 1, 1, 1, 0, 0, 0, 0,
					 0x08, 0x00 };

	tf_init(t, "sll on ipgre", NL_LINK_LINUX_SLL, 16);
	memcpy(t->b, sll, 16);
	t->len = 16 + dgram4(t->b + 16, C4, S4, 0, QN_ODD, sizeof(QN_ODD), 24, &eo);
	tf_addr(t, 6, 4);
	reg_dgram(t, 16, 0, eo, 24);
}

typedef void (*build_fn)(tf_t *t);

static void f_frag4_first(tf_t *t) { tf_t x; f_frag4(t, &x); }
static void f_frag4_second(tf_t *t) { tf_t x; f_frag4(&x, t); }
static void f_frag6_first(tf_t *t) { tf_t x; f_frag6(t, &x); }
static void f_frag6_second(tf_t *t) { tf_t x; f_frag6(&x, t); }

static const build_fn FRAMES[] = {
	f_vlan_udp4, f_hbh_udp6, f_tcp4, f_frag4_first, f_frag4_second, f_frag6_first,
	f_frag6_second, f_icmp4, f_icmp6, f_sll2, f_raw4, f_null6, f_loop4, f_ipip,
	f_gre, f_rr, f_srh, f_mptcp, f_sll_gre,
};
#define NFRAMES (sizeof(FRAMES) / sizeof(FRAMES[0]))

/*
 * Anonymize the first @p L bytes of @p t into @p out and check what
 * holds for any frame: kept unless shorter than its link header; every
 * address and ECS present is the mapping of the original (a cut one its
 * first bytes); no original address anywhere; nothing else moved but
 * the checksum fields. @return anon_packet()'s result.
 */
static int check(const tf_t *t, anon_t *a, uint8_t *out, size_t L)
{
	uint8_t may[TF_MAX] = { 0 }, x[16];
	unsigned bad = 0;

	memcpy(out, t->b, L);
	int rc = anon_packet(a, t->lt, out, (uint32_t)L);
	if (rc != 0) {
		CU_ASSERT(rc == -1 && L < t->link);
		if (rc != -1 || L >= t->link)
			fprintf(stderr, "\n%s cut at %zu: dropped\n", t->name, L);
		return rc;
	}
	for (unsigned i = 0; i < t->na; i++) {
		size_t o = t->a[i].off, n = t->a[i].len;
		size_t k = o < L ? (L - o < n ? L - o : n) : 0;
		memcpy(x, t->a[i].v, n);
		if (n == 4)
			anon_addr4(a, x);
		else
			anon_addr6(a, x);
		bad += memcmp(out + o, x, k) != 0;
		memset(may + o, 1, k);
		bad += contains(out, L, t->a[i].v, n);
	}
	for (unsigned i = 0; i < t->ne; i++) {
		size_t o = t->e[i].off, n = t->e[i].alen;
		size_t k = o < L ? (L - o < n ? L - o : n) : 0;
		memset(x, 0, sizeof(x));
		memcpy(x, t->e[i].v, n);
		anon_prefix(a, t->e[i].fam == 2, x, t->e[i].bits);
		bad += memcmp(out + o, x, k) != 0;
		memset(may + o, 1, k);
		bad += contains(out, L, t->e[i].v, n);
	}
	for (unsigned i = 0; i < t->nc; i++)
		memset(may + t->c[i], 1, 2);
	for (size_t i = 0; i < L; i++)
		bad += !may[i] && out[i] != t->b[i];
	CU_ASSERT_EQUAL(bad, 0);
	if (bad)
		fprintf(stderr, "\n%s cut at %zu: %u mismatches\n", t->name, L, bad);
	return rc;
}

/* ---- Crypto-PAn ---------------------------------------------------------------------- */

static void test_vectors_v4(void)
{
	anon_t *a = cp_new(KEY);
	uint8_t in[4], want[4];

	for (size_t i = 0; i < sizeof(V4) / sizeof(V4[0]); i++) {
		pton4(V4[i][0], in);
		pton4(V4[i][1], want);
		anon_addr4(a, in);
		CU_ASSERT(memcmp(in, want, 4) == 0);
		/* again, now from the cache */
		pton4(V4[i][0], in);
		anon_addr4(a, in);
		CU_ASSERT(memcmp(in, want, 4) == 0);
	}
	anon_stats_t st;
	anon_get_stats(a, &st);
	CU_ASSERT_EQUAL(st.cache_misses, sizeof(V4) / sizeof(V4[0]));
	CU_ASSERT_EQUAL(st.cache_hits, sizeof(V4) / sizeof(V4[0]));
	CU_ASSERT_EQUAL(st.crypto_errors, 0);
	anon_free(a);
}

static void test_vectors_v6(void)
{
	anon_t *a = cp_new(KEY);
	uint8_t in[16], want[16];

	for (size_t i = 0; i < sizeof(V6) / sizeof(V6[0]); i++) {
		pton6(V6[i][0], in);
		pton6(V6[i][1], want);
		anon_addr6(a, in);
		CU_ASSERT(memcmp(in, want, 16) == 0);
	}
	anon_free(a);

	a = cp_new((const uint8_t *)YA_KEY);
	pton4("192.0.2.1", in);
	pton4("192.0.125.244", want);
	anon_addr4(a, in);
	CU_ASSERT(memcmp(in, want, 4) == 0);
	pton6("2001:db8::1", in);
	pton6("27fe:8bc7:fee:1e:1e1f:f0fe:f0e1:83fd", want);
	anon_addr6(a, in);
	CU_ASSERT(memcmp(in, want, 16) == 0);
	anon_free(a);
}

/* Any two addresses: the images share exactly as many leading bits. */
static void test_prefix_preserving(void)
{
	anon_t *a = cp_new(KEY);
	uint8_t x[16], y[16], mx[16], my[16];

	for (int v6 = 0; v6 < 2; v6++) {
		unsigned n = v6 ? 16 : 4;
		for (int i = 0; i < 3000; i++) {
			for (unsigned j = 0; j < n; j++)
				x[j] = y[j] = (uint8_t)rnd();
			/* share a random number of bits, then differ */
			unsigned share = (unsigned)(rnd() % (n * 8 + 1));
			for (unsigned b = share; b < n * 8; b++)
				if (b == share || rnd() & 1)
					y[b / 8] ^= (uint8_t)(0x80 >> (b % 8));
			memcpy(mx, x, n);
			memcpy(my, y, n);
			if (v6) {
				anon_addr6(a, mx);
				anon_addr6(a, my);
			} else {
				anon_addr4(a, mx);
				anon_addr4(a, my);
			}
			CU_ASSERT_EQUAL(common_bits(x, y, n), share);
			CU_ASSERT_EQUAL(common_bits(mx, my, n), share);
		}
	}
	anon_free(a);
}

/* A prefix maps to the first bits of the image of any address in it. */
static void test_prefix_map(void)
{
	anon_t *a = cp_new(KEY);
	uint8_t x[16], p[16], m[16];

	for (int v6 = 0; v6 < 2; v6++) {
		unsigned n = v6 ? 16 : 4;
		for (unsigned bits = 0; bits <= n * 8 + 3; bits++) {
			for (unsigned j = 0; j < n; j++)
				x[j] = (uint8_t)rnd();
			memcpy(p, x, n);
			memcpy(m, x, n);
			anon_prefix(a, v6, p, bits);
			if (v6)
				anon_addr6(a, m);
			else
				anon_addr4(a, m);
			unsigned keep = bits > n * 8 ? n * 8 : bits;
			CU_ASSERT(common_bits(p, m, n) >= keep);
			for (unsigned b = keep; b < n * 8; b++)
				CU_ASSERT_EQUAL((p[b / 8] >> (7 - b % 8)) & 1, 0);
		}
	}
	anon_free(a);
}

static void test_truncate(void)
{
	static const unsigned b4[] = { 0, 1, 7, 8, 16, 24, 31, 32 };
	static const unsigned b6[] = { 0, 1, 32, 48, 63, 64, 65, 127, 128 };
	uint8_t x[16], y[16];

	for (size_t i = 0; i < sizeof(b4) / sizeof(b4[0]); i++) {
		anon_t *a = anon_new_truncate(b4[i], 48);
		CU_ASSERT_PTR_NOT_NULL_FATAL(a);
		memset(x, 0xff, 4);
		anon_addr4(a, x);
		for (unsigned b = 0; b < 32; b++)
			CU_ASSERT_EQUAL((x[b / 8] >> (7 - b % 8)) & 1, b < b4[i]);
		pton4("198.51.100.7", y);
		anon_addr4(a, y);
		CU_ASSERT(common_bits(y, C4, 4) >= b4[i]);
		anon_free(a);
	}
	for (size_t i = 0; i < sizeof(b6) / sizeof(b6[0]); i++) {
		anon_t *a = anon_new_truncate(24, b6[i]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(a);
		memset(x, 0xff, 16);
		anon_addr6(a, x);
		for (unsigned b = 0; b < 128; b++)
			CU_ASSERT_EQUAL((x[b / 8] >> (7 - b % 8)) & 1, b < b6[i]);
		anon_free(a);
	}
	anon_t *a = anon_new_truncate(ANON_V4_BITS_DEFAULT, ANON_V6_BITS_DEFAULT);
	CU_ASSERT_STRING_EQUAL(anon_describe(a), "truncate/24/48");
	memcpy(x, C6, 16);
	anon_addr6(a, x);
	CU_ASSERT(memcmp(x, C6, 6) == 0);
	for (int i = 6; i < 16; i++)
		CU_ASSERT_EQUAL(x[i], 0);
	/* a truncated ECS: /20 of 203.0.113.0 is 203.0.112.0 */
	memcpy(x, C4B, 4);
	anon_prefix(a, 0, x, 20);
	CU_ASSERT(x[0] == 203 && x[1] == 0 && x[2] == 112 && x[3] == 0);
	anon_free(a);
	CU_ASSERT_PTR_NULL(anon_new_truncate(33, 48));
	CU_ASSERT_PTR_NULL(anon_new_truncate(24, 129));
}

/* ---- key files --------------------------------------------------------------- */

static char tmpdir[64];

static const char *keyfile(const char *name, const void *data, size_t len)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fwrite(data, 1, len, f), len);
	fclose(f);
	return path;
}

static void test_key_file(void)
{
	static const char hex[] =
		"1522178d33a4cf80130a5b16" "49907d10d8988f8379796527" "62574c2d2a842202";
	uint8_t key[32];
	char err[512], buf[200];
	const char *p;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_cap_anon.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmpdir));

	p = keyfile("raw", KEY, 32);
	memset(key, 0, 32);
	CU_ASSERT_EQUAL(anon_load_key(p, key, err, sizeof(err)), 0);
	CU_ASSERT(memcmp(key, KEY, 32) == 0);
	unlink(p);

	const char *ok[] = { "%s", "%s\n", "%s\r\n" };
	for (int i = 0; i < 3; i++) {
		snprintf(buf, sizeof(buf), ok[i], hex);
		if (i == 2)	/* and upper case */
			for (char *c = buf; *c; c++)
				if (*c >= 'a' && *c <= 'f')
					*c = (char)(*c - 'a' + 'A');
		p = keyfile("hex", buf, strlen(buf));
		memset(key, 0, 32);
		CU_ASSERT_EQUAL(anon_load_key(p, key, err, sizeof(err)), 0);
		CU_ASSERT(memcmp(key, KEY, 32) == 0);
		unlink(p);
	}

	/* wrong lengths: raw 31 and 33, hex 63 and 66, a long file, empty */
	const size_t lens[] = { 31, 33, 63, 66, 150, 0 };
	for (int i = 0; i < 6; i++) {
		memset(buf, 'a', sizeof(buf));
		p = keyfile("badlen", buf, lens[i]);
		err[0] = '\0';
		CU_ASSERT_EQUAL(anon_load_key(p, key, err, sizeof(err)), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, p));
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "bytes"));
		unlink(p);
	}
	/* a non-hex digit */
	snprintf(buf, sizeof(buf), "%s\n", hex);
	buf[17] = 'g';
	p = keyfile("badhex", buf, strlen(buf));
	CU_ASSERT_EQUAL(anon_load_key(p, key, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, p));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "hex digit at byte 17"));
	unlink(p);
	/* no such file */
	snprintf(buf, sizeof(buf), "%s/nonexistent", tmpdir);
	CU_ASSERT_EQUAL(anon_load_key(buf, key, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, buf));
	rmdir(tmpdir);
}

static void test_describe(void)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	char want[64], keyhex[65];
	anon_t *a = cp_new(KEY);

	CU_ASSERT_FATAL(EVP_Digest(KEY, 32, md, &mdlen, EVP_sha256(), NULL) == 1);
	int k = snprintf(want, sizeof(want), "cryptopan/");
	for (int i = 0; i < 8; i++)
		k += snprintf(want + k, sizeof(want) - (size_t)k, "%02x", md[i]);
	CU_ASSERT_STRING_EQUAL(anon_describe(a), want);
	for (int i = 0; i < 32; i++)
		snprintf(keyhex + 2 * i, 3, "%02x", KEY[i]);
	CU_ASSERT_PTR_NULL(strstr(anon_describe(a), keyhex + 0));
	CU_ASSERT_PTR_NULL(strstr(anon_describe(a), "1522178d"));
	anon_free(a);
}

/* ---- frames ----------------------------------------------------------------- */

static tf_t T, T2;
static uint8_t OUT[TF_MAX], OUT2[TF_MAX];

static void test_vlan_udp4_ecs(void)
{
	anon_t *a = cp_new(KEY);
	uint8_t m[4];

	f_vlan_udp4(&T);
	CU_ASSERT_EQUAL(check(&T, a, OUT, T.len), 0);
	const uint8_t *ip = OUT + 18, *udp = ip + 20;
	CU_ASSERT(ip4ok(ip));
	CU_ASSERT(l4ok(udp, get16(udp + 4), 0, ip + 12, ip + 16, 17));
	/* the ECS /24 is the first 24 bits of the client's new address */
	memcpy(m, C4, 4);
	anon_addr4(a, m);
	CU_ASSERT(memcmp(ip + 12, m, 4) == 0);
	CU_ASSERT(memcmp(OUT + T.e[0].off, m, 3) == 0);
	anon_stats_t st;
	anon_get_stats(a, &st);
	CU_ASSERT_EQUAL(st.packets, 1);
	CU_ASSERT_EQUAL(st.addrs, 2);
	CU_ASSERT_EQUAL(st.ecs, 1);
	CU_ASSERT_EQUAL(st.dropped, 0);
	CU_ASSERT_EQUAL(st.dns_unparsed + st.dns_cut + st.csum_offload, 0);
	anon_free(a);
}

static void test_hbh_udp6_ecs(void)
{
	anon_t *a = cp_new(KEY);
	uint8_t m[16];

	f_hbh_udp6(&T);
	CU_ASSERT_EQUAL(check(&T, a, OUT, T.len), 0);
	const uint8_t *ip = OUT + 14, *udp = ip + 48;
	CU_ASSERT(l4ok(udp, get16(udp + 4), 1, ip + 8, ip + 24, 17));
	/* ECS /50: 6 bytes and 2 bits of the client's new address, then 0 */
	memcpy(m, C6, 16);
	anon_addr6(a, m);
	CU_ASSERT(memcmp(ip + 24, m, 16) == 0);
	const uint8_t *e = OUT + T.e[0].off;
	CU_ASSERT(memcmp(e, m, 6) == 0);
	CU_ASSERT_EQUAL(e[6], m[6] & 0xc0);
	anon_free(a);
}

static void test_tcp4_dns(void)
{
	anon_t *a = cp_new(KEY);
	uint8_t m[4];

	f_tcp4(&T);
	CU_ASSERT_EQUAL(check(&T, a, OUT, T.len), 0);
	CU_ASSERT(ip4ok(OUT));
	CU_ASSERT(l4ok(OUT + 20, T.len - 20, 0, OUT + 12, OUT + 16, 6));
	memcpy(m, C4B, 4);
	anon_prefix(a, 0, m, 20);
	CU_ASSERT(memcmp(OUT + T.e[1].off, m, 3) == 0);
	CU_ASSERT_EQUAL(OUT[T.e[1].off + 2] & 0x0f, 0);
	anon_stats_t st;
	anon_get_stats(a, &st);
	CU_ASSERT_EQUAL(st.ecs, 2);
	CU_ASSERT_EQUAL(st.tcp_unparsed, 0);

	/* a segment that starts inside a message: counted, not read */
	uint8_t seg[TF_MAX];
	memcpy(seg, T.b, T.len);
	put16(seg + 40, 3);	/* first length prefix: shorter than a header */
	CU_ASSERT_EQUAL(anon_packet(a, T.lt, seg, (uint32_t)T.len), 0);
	anon_get_stats(a, &st);
	CU_ASSERT_EQUAL(st.tcp_unparsed, 1);
	CU_ASSERT_EQUAL(st.ecs, 2);
	anon_free(a);
}

/* Both fragments anonymized, then put back together: the UDP checksum of
 * the whole datagram verifies over the new addresses. */
static void test_fragments(void)
{
	for (int v6 = 0; v6 < 2; v6++) {
		anon_t *a = cp_new(KEY);
		uint8_t u[1000];
		anon_stats_t st;

		if (v6)
			f_frag6(&T, &T2);
		else
			f_frag4(&T, &T2);
		size_t h = v6 ? 64 : 20, ah = v6 ? 24 : 12, al = v6 ? 16 : 4;
		CU_ASSERT_EQUAL(check(&T, a, OUT, T.len), 0);
		CU_ASSERT_EQUAL(check(&T2, a, OUT2, T2.len), 0);
		if (!v6) {
			CU_ASSERT(ip4ok(OUT));
			CU_ASSERT(ip4ok(OUT2));
		}
		CU_ASSERT(memcmp(OUT + ah, OUT2 + ah, 2 * al) == 0);
		/* the second fragment's payload is as it was */
		CU_ASSERT(memcmp(OUT2 + h, T2.b + h, T2.len - h) == 0);
		memcpy(u, OUT + h, T.len - h);
		memcpy(u + T.len - h, OUT2 + h, T2.len - h);
		size_t ul = T.len - h + T2.len - h;
		CU_ASSERT_EQUAL(get16(u + 4), ul);
		CU_ASSERT(l4ok(u, ul, v6, OUT + ah, OUT + ah + al, 17));
		anon_get_stats(a, &st);
		CU_ASSERT_EQUAL(st.frag_later, 1);
		CU_ASSERT_EQUAL(st.dns_cut, 1);
		CU_ASSERT_EQUAL(st.ecs, 1);
		anon_free(a);
	}
}

static void test_icmp_quote(void)
{
	anon_t *a = cp_new(KEY);

	f_icmp4(&T);
	CU_ASSERT_EQUAL(check(&T, a, OUT, T.len), 0);
	const uint8_t *ip = OUT + 14, *icmp = ip + 20, *qip = icmp + 8, *qudp = qip + 20;
	CU_ASSERT(ip4ok(ip));
	CU_ASSERT(plainok(icmp, T.len - 34));
	CU_ASSERT(ip4ok(qip));
	CU_ASSERT(l4ok(qudp, get16(qudp + 4), 0, qip + 12, qip + 16, 17));
	/* the client is the outer source and the quoted destination */
	CU_ASSERT(memcmp(ip + 12, qip + 16, 4) == 0);
	CU_ASSERT(memcmp(ip + 16, qip + 12, 4) == 0);

	f_icmp6(&T);
	CU_ASSERT_EQUAL(check(&T, a, OUT, T.len), 0);
	const uint8_t *icmp6 = OUT + 40, *q6 = icmp6 + 8, *qu6 = q6 + 40;
	CU_ASSERT(l4ok(icmp6, T.len - 40, 1, OUT + 8, OUT + 24, 58));
	CU_ASSERT(l4ok(qu6, get16(qu6 + 4), 1, q6 + 8, q6 + 24, 17));
	CU_ASSERT(memcmp(OUT + 8, q6 + 24, 16) == 0);
	anon_stats_t st;
	anon_get_stats(a, &st);
	CU_ASSERT_EQUAL(st.ecs, 2);
	CU_ASSERT_EQUAL(st.addrs, 8);
	anon_free(a);
}

/* Cooked v2, DLT_RAW, NULL, LOOP: the same checks on each. */
static void test_link_types(void)
{
	static const build_fn fs[] = { f_sll2, f_raw4, f_null6, f_loop4 };
	anon_t *a = cp_new(KEY);

	for (size_t i = 0; i < sizeof(fs) / sizeof(fs[0]); i++) {
		fs[i](&T);
		CU_ASSERT_EQUAL(check(&T, a, OUT, T.len), 0);
		size_t ip = T.a[0].off - (T.a[0].len == 16 ? 8 : 12);
		if (T.a[0].len == 16) {
			const uint8_t *u = OUT + ip + 40;
			CU_ASSERT(l4ok(u, get16(u + 4), 1, OUT + ip + 8, OUT + ip + 24, 17));
		} else {
			const uint8_t *u = OUT + ip + 20;
			CU_ASSERT(ip4ok(OUT + ip));
			CU_ASSERT(l4ok(u, get16(u + 4), 0, OUT + ip + 12, OUT + ip + 16, 17));
		}
	}
	/* LINKTYPE_RAW, 14 and IPV4 with the IPv4 frame too */
	static const int lts[] = { NL_LINK_RAW, NL_LINK_RAW_DLT14, NL_LINK_IPV4 };
	f_raw4(&T);
	for (size_t i = 0; i < 3; i++) {
		T.lt = lts[i];
		CU_ASSERT_EQUAL(check(&T, a, OUT, T.len), 0);
	}
	anon_free(a);
}

static void test_tunnels_options(void)
{
	anon_t *a = cp_new(KEY);
	uint8_t m[16];

	f_ipip(&T);
	CU_ASSERT_EQUAL(check(&T, a, OUT, T.len), 0);
	CU_ASSERT(ip4ok(OUT));
	CU_ASSERT(ip4ok(OUT + 20));
	CU_ASSERT(l4ok(OUT + 40, T.len - 40, 0, OUT + 32, OUT + 36, 17));

	f_gre(&T);
	CU_ASSERT_EQUAL(check(&T, a, OUT, T.len), 0);
	CU_ASSERT(ip4ok(OUT));
	CU_ASSERT(plainok(OUT + 20, T.len - 20));
	CU_ASSERT(l4ok(OUT + 68, T.len - 68, 1, OUT + 36, OUT + 52, 17));

	f_rr(&T);
	CU_ASSERT_EQUAL(check(&T, a, OUT, T.len), 0);
	CU_ASSERT(ip4ok(OUT));
	CU_ASSERT(l4ok(OUT + 32, T.len - 32, 0, OUT + 12, OUT + 16, 17));
	memcpy(m, RR4, 4);
	anon_addr4(a, m);
	CU_ASSERT(memcmp(OUT + 23, m, 4) == 0);
	CU_ASSERT(OUT[27] == 0 && OUT[28] == 0 && OUT[29] == 0 && OUT[30] == 0);

	f_srh(&T);
	CU_ASSERT_EQUAL(check(&T, a, OUT, T.len), 0);
	/* the pseudo-header destination is the new segment 0 */
	CU_ASSERT(l4ok(OUT + 80, T.len - 80, 1, OUT + 8, OUT + 48, 17));
	CU_ASSERT(!l4ok(OUT + 80, T.len - 80, 1, OUT + 8, OUT + 24, 17));

	f_mptcp(&T);
	CU_ASSERT_EQUAL(check(&T, a, OUT, T.len), 0);
	CU_ASSERT(ip4ok(OUT));
	CU_ASSERT(l4ok(OUT + 20, 52, 0, OUT + 12, OUT + 16, 6));
	CU_ASSERT_EQUAL(get16(OUT + 20 + 48), 8443);	/* the port stays */

	f_sll_gre(&T);
	CU_ASSERT_EQUAL(check(&T, a, OUT, T.len), 0);
	CU_ASSERT(ip4ok(OUT + 16));
	anon_free(a);
}

/* Bytes after the IP datagram (here an FCS, a CRC over the original
 * frame) are zeroed; the datagram itself is as always. */
static void test_trailer(void)
{
	anon_t *a = cp_new(KEY);
	static const uint8_t fcs[4] = { 0xde, 0xad, 0xbe, 0xef };
	anon_stats_t st;

	f_vlan_udp4(&T);
	memcpy(OUT, T.b, T.len);
	memcpy(OUT + T.len, fcs, 4);
	CU_ASSERT_EQUAL(anon_packet(a, T.lt, OUT, (uint32_t)T.len + 4), 0);
	CU_ASSERT(OUT[T.len] == 0 && OUT[T.len + 1] == 0 && OUT[T.len + 2] == 0 &&
		  OUT[T.len + 3] == 0);
	CU_ASSERT(ip4ok(OUT + 18));
	CU_ASSERT(l4ok(OUT + 38, T.len - 38, 0, OUT + 30, OUT + 34, 17));
	memcpy(OUT2, T.b, T.len);
	CU_ASSERT_EQUAL(anon_packet(a, T.lt, OUT2, (uint32_t)T.len), 0);
	CU_ASSERT(memcmp(OUT, OUT2, T.len) == 0);
	anon_get_stats(a, &st);
	CU_ASSERT_EQUAL(st.trailers, 1);
	/* padding already zero: nothing to count */
	memset(OUT + T.len, 0, 4);
	memcpy(OUT, T.b, T.len);
	CU_ASSERT_EQUAL(anon_packet(a, T.lt, OUT, (uint32_t)T.len + 4), 0);
	anon_get_stats(a, &st);
	CU_ASSERT_EQUAL(st.trailers, 1);
	anon_free(a);
}

/* One frame per reason anon_packet() must drop for. */
static void test_policy_drops(void)
{
	anon_t *a = cp_new(KEY);
	uint8_t f[TF_MAX];
	size_t eo, k;
	anon_stats_t st;
	unsigned n = 0;

#define EXPECT_DROP(lt, len, reason)                                              \
	do {                                                                      \
		CU_ASSERT_EQUAL(anon_packet(a, (lt), f, (uint32_t)(len)), -1);   \
		n++;                                                              \
		anon_get_stats(a, &st);                                           \
		CU_ASSERT_EQUAL(st.drop[reason], ++want[reason]);                 \
	} while (0)
	uint64_t want[ANON_DROP__COUNT] = { 0 };

	/* ARP: carries addresses, is not IP */
	k = eth_hdr(f, 0x0806);
	memset(f + k, 0x11, 28);
	EXPECT_DROP(NL_LINK_ETHERNET, k + 28, ANON_DROP_NOT_IP);
	/* unknown link type; Ethernet too short to tell */
	EXPECT_DROP(147, 60, ANON_DROP_LINKTYPE);
	EXPECT_DROP(NL_LINK_ETHERNET, 13, ANON_DROP_LINK_TRUNC);
	EXPECT_DROP(NL_LINK_RAW, 0, ANON_DROP_LINK_TRUNC);
	/* IHL 4; version 5; total length under the header */
	k = dgram4(f, C4, S4, 0, QN_ODD, sizeof(QN_ODD), 24, &eo);
	f[0] = 0x44;
	EXPECT_DROP(NL_LINK_RAW, k, ANON_DROP_IP_BAD);
	f[0] = 0x55;
	EXPECT_DROP(NL_LINK_RAW, k, ANON_DROP_IP_BAD);
	k = dgram4(f, C4, S4, 0, QN_ODD, sizeof(QN_ODD), 24, &eo);
	put16(f + 2, 19);
	EXPECT_DROP(NL_LINK_IPV4, k, ANON_DROP_IP_BAD);
	/* loose source route */
	static const uint8_t lsrr[8] = { 131, 7, 4, 10, 9, 9, 9, 0 };
	k = ip4_hdr(f, 17, C4, S4, 0, 0, lsrr, 8);
	EXPECT_DROP(NL_LINK_RAW, k, ANON_DROP_IP_OPTION);
	/* an unknown IPv4 option */
	static const uint8_t unk[4] = { 158, 4, 0, 0 };
	k = ip4_hdr(f, 17, C4, S4, 0, 0, unk, 4);
	EXPECT_DROP(NL_LINK_RAW, k, ANON_DROP_IP_OPTION);
	/* IPv6 destination options with a home address (RFC 6275 6.3) */
	k = ip6_hdr(f, 60, C6, S6, 24);
	static const uint8_t hao[24] = { 59, 2, 1, 2, 0, 0, 0xc9, 16 };
	memcpy(f + k, hao, 24);
	EXPECT_DROP(NL_LINK_IPV6, k + 24, ANON_DROP_IP_OPTION);
	/* an RPL source route (type 3) */
	k = ip6_hdr(f, 43, C6, S6, 24);
	static const uint8_t rpl[24] = { 59, 2, 3, 1, 0x88, 0, 0, 0 };
	memcpy(f + k, rpl, 24);
	EXPECT_DROP(NL_LINK_IPV6, k + 24, ANON_DROP_IP_OPTION);
	/* OSPF: router addresses in the body */
	k = ip4_hdr(f, 89, C4, S4, 24, 0, NULL, 0);
	memset(f + k, 0, 24);
	EXPECT_DROP(NL_LINK_IPV4, k + 24, ANON_DROP_IP_OPTION);
	/* ICMP extended echo (RFC 8335) names an interface, maybe by address */
	k = ip4_hdr(f, 1, C4, S4, 8, 0, NULL, 0);
	memset(f + k, 0, 8);
	f[k] = 42;
	EXPECT_DROP(NL_LINK_IPV4, k + 8, ANON_DROP_ICMP);
	/* ICMPv6 router advertisement: prefixes */
	k = ip6_hdr(f, 58, C6, S6, 16);
	memset(f + k, 0, 16);
	f[k] = 134;
	EXPECT_DROP(NL_LINK_IPV6, k + 16, ANON_DROP_ICMP);
	/* ICMP time exceeded with an RFC 4884 interface information object */
	{
		/* RFC 4884 5.1: the quote zero-padded to 128 bytes */
		uint8_t q[200] = { 0 };
		size_t ql = dgram4(q, S4, C4, 1, QN_EVEN, sizeof(QN_EVEN), 24, &eo);
		CU_ASSERT_FATAL(ql <= 128);
		k = ip4_hdr(f, 1, C4, S4, 8 + 128 + 12, 0, NULL, 0);
		memset(f + k, 0, 8);
		f[k] = 11;
		f[k + 5] = 128 / 4;
		memcpy(f + k + 8, q, 128);
		uint8_t *x = f + k + 8 + 128;
		static const uint8_t ext[12] = { 0x20, 0, 0, 0, 0, 8, 2, 0x0e, 0, 0, 0, 1 };
		memcpy(x, ext, 12);
		EXPECT_DROP(NL_LINK_IPV4, k + 8 + 128 + 12, ANON_DROP_ICMP);
		/* the same with an MPLS label stack (class 1) is fine */
		x[6] = 1;
		CU_ASSERT_EQUAL(anon_packet(a, NL_LINK_IPV4, f, (uint32_t)(k + 8 + 128 + 12)), 0);
	}
	/* IP in IP six deep */
	for (int i = 0; i < 6; i++)
		ip4_hdr(f + 20 * i, 4, T4A, T4B, 20 * (5 - i), 0, NULL, 0);
	EXPECT_DROP(NL_LINK_RAW, 120, ANON_DROP_NESTING);
	/* GRE version 1 (PPTP) */
	k = ip4_hdr(f, 47, T4A, T4B, 8, 0, NULL, 0);
	put16(f + k, 0x2001);
	put16(f + k + 2, 0x880b);
	EXPECT_DROP(NL_LINK_RAW, k + 8, ANON_DROP_NESTING);
#undef EXPECT_DROP
	anon_get_stats(a, &st);
	CU_ASSERT_EQUAL(st.dropped, n);
	CU_ASSERT_EQUAL(st.packets, n + 1);
	for (int r = 0; r < ANON_DROP__COUNT; r++)
		CU_ASSERT_PTR_NOT_NULL(anon_drop_name((anon_drop_t)r));
	CU_ASSERT_STRING_EQUAL(anon_drop_name(ANON_DROP_NOT_IP), "not_ip");
	anon_free(a);
}

/* UDP over IPv4 without checksum; offload's pseudo-header sum; TCP
 * checksum 0 from offload; a corrupt checksum stays as corrupt. */
static void test_checksum_cases(void)
{
	anon_t *a = cp_new(KEY);
	anon_stats_t st;

	f_raw4(&T);
	T.b[26] = T.b[27] = 0;
	CU_ASSERT_EQUAL(check(&T, a, OUT, T.len), 0);
	CU_ASSERT(OUT[26] == 0 && OUT[27] == 0);
	CU_ASSERT(ip4ok(OUT));

	f_sll2(&T);
	uint8_t *u = T.b + 60;
	size_t ul = get16(u + 4);
	put16(u + 6, tfold(pseudo(1, C6, S6, 17, ul)));
	CU_ASSERT_EQUAL(check(&T, a, OUT, T.len), 0);
	CU_ASSERT_EQUAL(get16(OUT + 66), tfold(pseudo(1, OUT + 28, OUT + 44, 17, ul)));
	anon_get_stats(a, &st);
	CU_ASSERT_EQUAL(st.csum_offload, 1);

	/* a UDP checksum that computes to 0 goes as 0xffff (RFC 768), over
	 * IPv6 too: move the DNS ID by what the new checksum was */
	for (int v6 = 0; v6 < 2; v6++) {
		if (v6)
			f_sll2(&T);
		else
			f_loop4(&T);
		size_t ip = v6 ? 20 : 4, uo = ip + (v6 ? 40 : 20), ao = ip + (v6 ? 8 : 12);
		unsigned al = v6 ? 16 : 4;
		u = T.b + uo;
		ul = get16(u + 4);
		CU_ASSERT_EQUAL(check(&T, a, OUT, T.len), 0);
		put16(u + 8, tfold(get16(u + 8) + get16(OUT + uo + 6)));
		l4ck(u, ul, 6, v6, T.b + ao, T.b + ao + al, 17);
		CU_ASSERT_EQUAL(check(&T, a, OUT, T.len), 0);
		CU_ASSERT_EQUAL(get16(OUT + uo + 6), 0xffff);
		CU_ASSERT(l4ok(OUT + uo, ul, v6, OUT + ao, OUT + ao + al, 17));
	}

	f_tcp4(&T);
	T.b[36] = T.b[37] = 0;
	CU_ASSERT_EQUAL(check(&T, a, OUT, T.len), 0);
	CU_ASSERT(OUT[36] == 0 && OUT[37] == 0);
	anon_get_stats(a, &st);
	CU_ASSERT_EQUAL(st.csum_offload, 2);

	f_vlan_udp4(&T);
	T.b[18 + 26] ^= 0x5a;	/* wrong by a known amount */
	CU_ASSERT_EQUAL(check(&T, a, OUT, T.len), 0);
	const uint8_t *o = T.b + 38, *n = OUT + 38;
	size_t len = get16(o + 4);
	CU_ASSERT_EQUAL(tfold(tsum(n, len, pseudo(0, OUT + 30, OUT + 34, 17, len))),
			tfold(tsum(o, len, pseudo(0, T.b + 30, T.b + 34, 17, len))));
	anon_free(a);
}

/* Every frame cut at every length, under Crypto-PAn and truncation. */
static void test_cut_every_length(void)
{
	anon_t *as[2] = { cp_new(KEY), anon_new_truncate(0, 0) };

	for (size_t i = 0; i < NFRAMES; i++) {
		FRAMES[i](&T);
		for (size_t L = 0; L <= T.len; L++) {
			check(&T, as[0], OUT, L);
			memcpy(OUT, T.b, L);
			int rc = anon_packet(as[1], T.lt, OUT, (uint32_t)L);
			CU_ASSERT(rc == 0 || (rc == -1 && L < T.link));
			for (unsigned j = 0; j < T.na && rc == 0; j++)
				for (size_t b = T.a[j].off; b < T.a[j].off + T.a[j].len && b < L; b++)
					CU_ASSERT_EQUAL(OUT[b], 0);
		}
	}
	/* an IPv4 header cut after its checksum and before its end: the
	 * checksum, a sum over the original addresses, is zeroed */
	f_vlan_udp4(&T);
	for (size_t L = 18 + 11; L < 18 + 20; L++) {
		CU_ASSERT_EQUAL(check(&T, as[0], OUT, L), 0);
		CU_ASSERT(OUT[28] == 0 && (L == 29 || OUT[29] == 0));
	}
	anon_free(as[0]);
	anon_free(as[1]);
}

/* Random damage: no crash, 0 or -1; under truncation, anonymizing the
 * output again changes nothing (every decision repeats, every address
 * maps to itself). */
static void test_damaged(void)
{
	anon_t *cp = cp_new(KEY), *tr = anon_new_truncate(16, 40);
	static uint8_t f[TF_MAX], g[TF_MAX];

	for (size_t i = 0; i < NFRAMES; i++) {
		FRAMES[i](&T);
		for (int it = 0; it < 3000; it++) {
			size_t L = T.len - (size_t)(rnd() % (T.len / 4 + 1));
			memcpy(f, T.b, L);
			for (int d = (int)(rnd() % 4) + 1; d > 0 && L; d--)
				f[rnd() % L] = (uint8_t)rnd();
			memcpy(g, f, L);
			int rc = anon_packet(cp, T.lt, g, (uint32_t)L);
			CU_ASSERT(rc == 0 || rc == -1);
			rc = anon_packet(tr, T.lt, f, (uint32_t)L);
			CU_ASSERT(rc == 0 || rc == -1);
			if (rc == 0) {
				memcpy(g, f, L);
				CU_ASSERT_EQUAL(anon_packet(tr, T.lt, g, (uint32_t)L), 0);
				CU_ASSERT(memcmp(f, g, L) == 0);
			}
		}
	}
	anon_stats_t st;
	anon_get_stats(cp, &st);
	CU_ASSERT_EQUAL(st.crypto_errors, 0);
	anon_free(cp);
	anon_free(tr);
}

/* ---- speed (not a test: ANON_BENCH=1 prints the figures) --------------------- */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One timed phase: @p n addresses from @p next, the hit rate beside. */
static void bench_phase(anon_t *a, const char *name, int v6, unsigned n,
			void (*next)(uint8_t *x, uint32_t i))
{
	anon_stats_t s0, s1;
	uint8_t x[16];
	volatile uint8_t sink = 0;

	anon_get_stats(a, &s0);
	double t = now();
	for (uint32_t i = 0; i < n; i++) {
		next(x, i);
		if (v6)
			anon_addr6(a, x);
		else
			anon_addr4(a, x);
		sink ^= x[0];
	}
	t = now() - t;
	anon_get_stats(a, &s1);
	(void)sink;
	printf("  %-34s %8.2f M addresses/s  (%.1f%% from the cache)\n", name, n / t / 1e6,
	       100.0 * (double)(s1.cache_hits - s0.cache_hits) / n);
}

static void v4_distinct(uint8_t *x, uint32_t i)
{
	uint32_t v = i * 2654435761u;	/* a bijection: never the same twice */
	x[0] = (uint8_t)(v >> 24);
	x[1] = (uint8_t)(v >> 16);
	x[2] = (uint8_t)(v >> 8);
	x[3] = (uint8_t)v;
}

static void v4_hot(uint8_t *x, uint32_t i)
{
	memcpy(x, S4, 4);
	x[3] = (uint8_t)(i & 15);	/* 16 busy resolvers */
}

static void v6_distinct(uint8_t *x, uint32_t i)
{
	memcpy(x, C6, 16);
	x[12] = (uint8_t)(i >> 24);
	x[13] = (uint8_t)(i >> 16);
	x[14] = (uint8_t)(i >> 8);
	x[15] = (uint8_t)i;
}

static void v6_hot(uint8_t *x, uint32_t i)
{
	memcpy(x, C6, 16);
	x[15] = (uint8_t)(i & 15);
}

static void test_bench(void)
{
	if (!getenv("ANON_BENCH"))
		return;
	anon_t *a = cp_new(KEY);
	volatile uint8_t sink = 0;

	printf("\n");
	bench_phase(a, "cryptopan ipv4, all distinct", 0, 400000, v4_distinct);
	bench_phase(a, "cryptopan ipv4, 16 repeated", 0, 20000000, v4_hot);
	bench_phase(a, "cryptopan ipv6, all distinct", 1, 100000, v6_distinct);
	bench_phase(a, "cryptopan ipv6, 16 repeated", 1, 20000000, v6_hot);

	static const build_fn fs[] = { f_vlan_udp4, f_hbh_udp6 };
	for (int j = 0; j < 2; j++) {
		fs[j](&T);
		const unsigned nf = 2000000;
		double t = now();
		for (unsigned i = 0; i < nf; i++) {
			memcpy(OUT, T.b, T.len);
			anon_packet(a, T.lt, OUT, (uint32_t)T.len);
			sink ^= OUT[30];
		}
		printf("  anon_packet %s, %zu bytes, copy included: %.2f M frames/s\n", T.name,
		       T.len, nf / (now() - t) / 1e6);
	}
	(void)sink;
	anon_free(a);
}

/* ANON_SEEDS=dir: write every frame above as a seed of
 * tests/fuzz/fuzz_cap_anon.c (selector byte: link type index, mode 0). */
static void test_seeds(void)
{
	static const int lts[] = {
		NL_LINK_ETHERNET, NL_LINK_LINUX_SLL, NL_LINK_LINUX_SLL2, NL_LINK_RAW,
		NL_LINK_RAW_DLT12, NL_LINK_RAW_DLT14, NL_LINK_IPV4, NL_LINK_IPV6,
		NL_LINK_NULL, NL_LINK_LOOP,
	};
	const char *dir = getenv("ANON_SEEDS");
	char path[512];

	if (!dir)
		return;
	for (size_t i = 0; i < NFRAMES; i++) {
		FRAMES[i](&T);
		unsigned sel = 0;
		while (sel < 10 && lts[sel] != T.lt)
			sel++;
		CU_ASSERT_FATAL(sel < 10);
		snprintf(path, sizeof(path), "%s/seed-%s", dir, T.name);
		for (char *c = path + strlen(dir) + 1; *c; c++)
			if (*c == ' ' || *c == '+')
				*c = '_';
		FILE *f = fopen(path, "wb");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		fputc((int)sel, f);	/* mode 0: Crypto-PAn */
		fwrite(T.b, 1, T.len, f);
		fclose(f);
	}
}

static CU_TestInfo tests[] = {
	{ "crypto-pan ipv4 published vectors", test_vectors_v4 },
	{ "crypto-pan ipv6 published vectors", test_vectors_v6 },
	{ "prefix preservation", test_prefix_preserving },
	{ "prefix mapping", test_prefix_map },
	{ "truncation", test_truncate },
	{ "key files", test_key_file },
	{ "describe", test_describe },
	{ "ethernet vlan ipv4 udp ecs", test_vlan_udp4_ecs },
	{ "ipv6 hop-by-hop udp ecs", test_hbh_udp6_ecs },
	{ "ipv4 tcp dns", test_tcp4_dns },
	{ "ipv4 and ipv6 fragments", test_fragments },
	{ "icmp and icmpv6 quotes", test_icmp_quote },
	{ "link types", test_link_types },
	{ "tunnels and options", test_tunnels_options },
	{ "link trailers", test_trailer },
	{ "policy drops", test_policy_drops },
	{ "checksum cases", test_checksum_cases },
	{ "cut at every length", test_cut_every_length },
	{ "random damage", test_damaged },
	{ "speed", test_bench },
	{ "fuzz seeds", test_seeds },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("cap_anon", tests);
}
