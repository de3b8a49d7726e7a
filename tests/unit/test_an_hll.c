/* analyze/sketch: HyperLogLog, the address hash, the base64/zlib blob.
 * Expected cardinalities are the exact counts of the distinct keys the
 * test generates; base64 vectors are RFC 4648 section 10's. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cu_main.h"
#include "rootlens/errcode.h"
#include "sketch/b64.h"
#include "sketch/hll.h"

/* Item i as an IPv4 address (big-endian counter), hashed as m_sources does. */
static uint64_t key_hash(uint32_t i)
{
	uint8_t a[4] = { (uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };
	return an_hash_addr(a, 4);
}

static void fill(an_hll_t *h, uint32_t from, uint32_t to)
{
	for (uint32_t i = from; i < to; i++)
		an_hll_add(h, key_hash(i));
}

static void test_init(void)
{
	an_hll_t h;
	CU_ASSERT_EQUAL(an_hll_init(&h, 3), DW_EINVAL);
	CU_ASSERT_EQUAL(an_hll_init(&h, 19), DW_EINVAL);
	CU_ASSERT_EQUAL(an_hll_init(&h, 4), 0);
	CU_ASSERT_EQUAL(h.m, 16);
	an_hll_fini(&h);
	an_hll_fini(&h); /* twice is harmless */
	CU_ASSERT_EQUAL(an_hll_init(&h, 18), 0);
	CU_ASSERT_EQUAL(h.m, 1u << 18);
	CU_ASSERT_EQUAL(an_hll_estimate(&h), 0.0);
	an_hll_fini(&h);
}

/* The hash is part of the saved format: these values must never change
 * (pinned when it was written; merges across machines depend on them). */
static void test_hash_stable(void)
{
	const uint8_t v4[4] = { 192, 0, 2, 1 };
	const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	const uint8_t z[2] = { 0, 0 };
	CU_ASSERT_EQUAL(an_hash_addr(v4, 4), UINT64_C(0x1896b6b0a31f7e9d));
	CU_ASSERT_EQUAL(an_hash_addr(v6, 16), UINT64_C(0x9a454ff0978beabb));
	CU_ASSERT_EQUAL(an_hash_addr(v6, 8), UINT64_C(0xc19cced93f12eeaa));
	CU_ASSERT_EQUAL(an_hash_addr(z, 0), UINT64_C(0x952f14f1e8ddc491));
	CU_ASSERT_EQUAL(an_hash_addr(z, 1), UINT64_C(0xc0e16b163a85a4dc));
	/* the length is part of the input */
	CU_ASSERT_NOT_EQUAL(an_hash_addr(z, 1), an_hash_addr(z, 2));
	CU_ASSERT_NOT_EQUAL(an_hash_addr(z, 0), an_hash_addr(z, 1));
}

/* Bits of the hash of consecutive addresses look uniform: each of the 64
 * bits is set in 50 % +- 1 % of 100000 hashes (5 sigma is 0.8 %). */
static void test_hash_bits(void)
{
	unsigned ones[64] = { 0 };
	const unsigned n = 100000;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t h = key_hash(i);
		for (unsigned b = 0; b < 64; b++)
			ones[b] += (h >> b) & 1;
	}
	for (unsigned b = 0; b < 64; b++)
		CU_ASSERT(fabs(ones[b] / (double)n - 0.5) < 0.01);
}

static double rel_err(unsigned p, uint32_t n)
{
	an_hll_t h;
	double e;
	CU_ASSERT_FATAL(an_hll_init(&h, p) == 0);
	fill(&h, 0x0a000000u, 0x0a000000u + n);
	e = an_hll_estimate(&h);
	an_hll_fini(&h);
	printf("\n    p=%u n=%u estimate %.1f error %+.3f %% (1 s.e. %.3f %%)", p, n, e,
	       n ? (e - n) * 100 / n : 0, 104 / sqrt((double)(1u << p)));
	return n ? (e - n) / n : e;
}

static void test_estimate(void)
{
	const uint32_t ns[] = { 0, 1, 100, 10000, 1000000, 5000000 };
	const double se14 = 1.04 / sqrt(16384);

	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		double r = rel_err(14, ns[i]);
		CU_ASSERT(fabs(r) <= 3 * se14);
		if (ns[i] <= 1) /* linear counting is exact here */
			CU_ASSERT(fabs(r) < 1e-3);
	}
	/* the other precisions, across the switch to Ertl's estimator (2.5 m)
	 * and well above it */
	CU_ASSERT(fabs(rel_err(12, 8192)) <= 3 * 1.04 / 64);
	CU_ASSERT(fabs(rel_err(12, 12288)) <= 3 * 1.04 / 64);
	CU_ASSERT(fabs(rel_err(12, 40000)) <= 3 * 1.04 / 64);
	CU_ASSERT(fabs(rel_err(4, 100000)) <= 3 * 1.04 / 4);
	CU_ASSERT(fabs(rel_err(18, 1000000)) <= 3 * 1.04 / 512);
	printf("\n");
}

static void test_merge(void)
{
	an_hll_t a, b, w, c;
	CU_ASSERT_FATAL(an_hll_init(&a, 12) == 0 && an_hll_init(&b, 12) == 0 &&
			an_hll_init(&w, 12) == 0 && an_hll_init(&c, 11) == 0);
	fill(&a, 0, 60000);
	fill(&b, 40000, 100000); /* overlapping halves */
	fill(&w, 0, 100000);
	CU_ASSERT_EQUAL(an_hll_merge(&a, &b), 0);
	CU_ASSERT_EQUAL(memcmp(a.reg, w.reg, a.m), 0);
	CU_ASSERT_EQUAL(an_hll_estimate(&a), an_hll_estimate(&w));
	CU_ASSERT_EQUAL(an_hll_merge(&a, &c), DW_EINVAL);
	an_hll_fini(&a);
	an_hll_fini(&b);
	an_hll_fini(&w);
	an_hll_fini(&c);
}

static void roundtrip(unsigned p, uint32_t n)
{
	an_hll_t a, b;
	char *s = NULL;
	CU_ASSERT_FATAL(an_hll_init(&a, p) == 0 && an_hll_init(&b, p) == 0);
	fill(&a, 0, n);
	CU_ASSERT_FATAL(an_hll_save(&a, &s) == 0);
	CU_ASSERT_EQUAL(an_hll_load(&b, s), 0);
	CU_ASSERT_EQUAL(memcmp(a.reg, b.reg, a.m), 0);
	free(s);
	an_hll_fini(&a);
	an_hll_fini(&b);
}

static void test_roundtrip(void)
{
	roundtrip(4, 0);
	roundtrip(12, 3);
	roundtrip(14, 200000);
	roundtrip(18, 1000);
	roundtrip(18, 3000000);
}

/* base64 of zlib of @p raw, built here with zlib itself. */
static char *blob(const uint8_t *raw, size_t n, const uint8_t *tail, size_t tn)
{
	uLongf zl = compressBound(n) + tn;
	uint8_t *z = malloc(zl);
	char *s;
	CU_ASSERT_FATAL(z && compress(z, &zl, raw, n) == Z_OK);
	if (tn)
		memcpy(z + zl, tail, tn);
	s = malloc(an_b64_len(zl + tn) + 1);
	an_b64_encode(z, zl + tn, s);
	free(z);
	return s;
}

static void test_corrupt(void)
{
	an_hll_t h;
	uint8_t raw[4097] = { 0 }, keep[4096];
	const uint8_t junk[1] = { 0 };
	char *good, *s;
	CU_ASSERT_FATAL(an_hll_init(&h, 12) == 0);
	fill(&h, 0, 1000);
	memcpy(keep, h.reg, sizeof(keep));
	CU_ASSERT_FATAL(an_hll_save(&h, &good) == 0);

	CU_ASSERT_EQUAL(an_hll_load(&h, ""), DW_EFORMAT);
	CU_ASSERT_EQUAL(an_hll_load(&h, "!!!!"), DW_EFORMAT);
	CU_ASSERT_EQUAL(an_hll_load(&h, "eJzt"), DW_EFORMAT);   /* zlib cut short */
	CU_ASSERT_EQUAL(an_hll_load(&h, "Zm9vYmFy"), DW_EFORMAT); /* not zlib */
	s = strdup(good);
	s[strlen(s) - 5] = '*';                                   /* not base64 */
	CU_ASSERT_EQUAL(an_hll_load(&h, s), DW_EFORMAT);
	s[strlen(s) - 5] = good[strlen(s) - 5];
	s[strlen(s) - 1] = '\0';                                  /* bad length */
	CU_ASSERT_EQUAL(an_hll_load(&h, s), DW_EFORMAT);
	free(s);
	s = blob(raw, 4095, NULL, 0);                             /* m - 1 registers */
	CU_ASSERT_EQUAL(an_hll_load(&h, s), DW_EFORMAT);
	free(s);
	s = blob(raw, 4097, NULL, 0);                             /* m + 1 */
	CU_ASSERT_EQUAL(an_hll_load(&h, s), DW_EFORMAT);
	free(s);
	s = blob(raw, 4096, junk, 1);                             /* trailing byte */
	CU_ASSERT_EQUAL(an_hll_load(&h, s), DW_EFORMAT);
	free(s);
	raw[77] = 64 - 12 + 2;                                    /* rank > 65-p */
	s = blob(raw, 4096, NULL, 0);
	CU_ASSERT_EQUAL(an_hll_load(&h, s), DW_EFORMAT);
	free(s);
	raw[77] = 64 - 12 + 1;                                    /* the largest rank */
	s = blob(raw, 4096, NULL, 0);
	CU_ASSERT_EQUAL(an_hll_load(&h, s), 0);
	CU_ASSERT_EQUAL(h.reg[77], 53);
	free(s);
	/* failures above left the registers alone; the good string still loads */
	CU_ASSERT_EQUAL(an_hll_load(&h, good), 0);
	CU_ASSERT_EQUAL(memcmp(h.reg, keep, sizeof(keep)), 0);
	free(good);
	an_hll_fini(&h);
}

static void test_b64(void)
{
	const char *plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	const char *enc[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	const char *bad[] = { "Zg=", "Zh==", "Zm9=", "Z===", "====", "Zg==Zg==", "Zm 9",
			      "Zm9v\n", "Zm=v", "Zm9-", "Zm9_" };
	uint8_t out[16];
	char buf[16];
	size_t n;

	for (size_t i = 0; i < 7; i++) {
		an_b64_encode((const uint8_t *)plain[i], strlen(plain[i]), buf);
		CU_ASSERT_STRING_EQUAL(buf, enc[i]);
		CU_ASSERT_EQUAL(an_b64_len(strlen(plain[i])), strlen(enc[i]));
		CU_ASSERT_EQUAL(an_b64_decode(enc[i], strlen(enc[i]), out, sizeof(out), &n), 0);
		CU_ASSERT_EQUAL(n, strlen(plain[i]));
		CU_ASSERT(memcmp(out, plain[i], n) == 0);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(an_b64_decode(bad[i], strlen(bad[i]), out, sizeof(out), &n),
				DW_EFORMAT);
	CU_ASSERT_EQUAL(an_b64_decode("Zm9vYmFy", 8, out, 5, &n), DW_ETOOBIG);
	CU_ASSERT_EQUAL(an_b64_decode("Zm9vYmE=", 8, out, 5, &n), 0);
}

static CU_TestInfo tests[] = {
	{ "init", test_init },
	{ "hash_stable", test_hash_stable },
	{ "hash_bits", test_hash_bits },
	{ "estimate", test_estimate },
	{ "merge", test_merge },
	{ "roundtrip", test_roundtrip },
	{ "corrupt", test_corrupt },
	{ "b64", test_b64 },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("an_hll", tests);
}
