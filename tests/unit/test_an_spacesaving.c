/* analyze/sketch: Space-Saving. Streams are generated here with a fixed
 * seed, and the true count of every key is kept exactly in a plain array,
 * so each bound is checked against an independent count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cu_main.h"
#include "rootlens/errcode.h"
#include "sketch/b64.h"
#include "sketch/spacesaving.h"

#define U 20000 /* key universe */

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* xorshift64* (Vigna 2016): reproducible on every machine */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

/* Key i: the IPv4 address 10.x.y.z = 10.0.0.0 + i. */
static void key_of(an_ss_key_t *k, uint32_t i)
{
	uint32_t a = 0x0a000000u + i;
	uint8_t b[4] = { (uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a };
	an_ss_key_set(k, 4, b, 32);
}

static uint32_t index_of(const an_ss_key_t *k)
{
	return ((uint32_t)k->addr[0] << 24 | (uint32_t)k->addr[1] << 16 |
		(uint32_t)k->addr[2] << 8 | k->addr[3]) - 0x0a000000u;
}

/* Zipf(s) over U keys by inverse CDF; @p shift rotates which keys are heavy. */
static double *zipf_cdf(double s)
{
	double *c = malloc(U * sizeof(*c)), sum = 0;
	for (unsigned i = 0; i < U; i++)
		sum += 1 / pow(i + 1, s);
	double acc = 0;
	for (unsigned i = 0; i < U; i++) {
		acc += 1 / pow(i + 1, s) / sum;
		c[i] = acc;
	}
	c[U - 1] = 1;
	return c;
}

static uint32_t zipf_draw(const double *cdf, uint32_t shift)
{
	double u = (rng() >> 11) * (1.0 / 9007199254740992.0);
	unsigned lo = 0, hi = U - 1;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo + shift) % U;
}

/* Every bound of spacesaving.h against the true counts @p truth (N = sum). */
static void check_bounds(const an_ss_t *s, const uint64_t *truth, uint64_t n)
{
	size_t sz = an_ss_size(s), m = an_ss_capacity(s);
	an_ss_item_t *all = malloc((sz + 1) * sizeof(*all));
	char *seen = calloc(U, 1);
	uint64_t min = an_ss_min(s);
	unsigned bad = 0;

	CU_ASSERT_EQUAL(an_ss_total(s), n);
	CU_ASSERT_EQUAL(an_ss_top(s, all, sz), sz);
	for (size_t i = 0; i < sz; i++) {
		uint32_t k = index_of(&all[i].key);
		CU_ASSERT_FATAL(k < U);
		seen[k] = 1;
		if (!(all[i].count - all[i].err <= truth[k] && truth[k] <= all[i].count))
			bad++;
		if (all[i].err * m > n || all[i].err > min)
			bad++;
		if (i && all[i].count > all[i - 1].count)
			bad++; /* sorted */
	}
	for (uint32_t k = 0; k < U; k++) {
		if (seen[k])
			continue;
		if (truth[k] * m > n) /* heavy: must be monitored */
			bad++;
		if (truth[k] > min) /* unmonitored: bounded by the minimum */
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	free(all);
	free(seen);
}

static void test_exact(void)
{
	an_ss_t *s;
	an_ss_key_t k;
	an_ss_item_t it, top[300];

	CU_ASSERT_EQUAL(an_ss_new(&s, 0), DW_EINVAL);
	CU_ASSERT_FATAL(an_ss_new(&s, 256) == 0);
	/* 256 keys (the capacity exactly), key i seen i+1 times, interleaved */
	for (unsigned r = 0; r < 256; r++)
		for (unsigned i = r; i < 256; i++) {
			key_of(&k, i);
			an_ss_add(s, &k, 1);
		}
	CU_ASSERT_EQUAL(an_ss_size(s), 256);
	CU_ASSERT_EQUAL(an_ss_total(s), 256 * 257 / 2);
	CU_ASSERT_EQUAL(an_ss_min(s), 1);
	for (unsigned i = 0; i < 256; i++) {
		key_of(&k, i);
		CU_ASSERT_FATAL(an_ss_get(s, &k, &it));
		CU_ASSERT_EQUAL(it.count, i + 1);
		CU_ASSERT_EQUAL(it.err, 0);
	}
	CU_ASSERT_EQUAL(an_ss_top(s, top, 300), 256);
	CU_ASSERT_EQUAL(top[0].count, 256);
	CU_ASSERT_EQUAL(index_of(&top[0].key), 255);
	CU_ASSERT_EQUAL(top[255].count, 1);
	CU_ASSERT_EQUAL(an_ss_top(s, top, 3), 3);
	CU_ASSERT_EQUAL(top[2].count, 254);
	key_of(&k, 999);
	CU_ASSERT_EQUAL(an_ss_get(s, &k, &it), 0);
	/* weights: one update of 1000 */
	an_ss_add(s, &k, 1000);
	CU_ASSERT_FATAL(an_ss_get(s, &k, &it));
	CU_ASSERT_EQUAL(it.count, 1001); /* took over key 0's counter (1) */
	CU_ASSERT_EQUAL(it.err, 1);
	key_of(&k, 0);
	CU_ASSERT_EQUAL(an_ss_get(s, &k, &it), 0);
	an_ss_free(s);
}

/* Ties: equal counts list by key bytes, whatever the insertion order. */
static void test_ties(void)
{
	an_ss_t *s;
	an_ss_key_t k;
	an_ss_item_t top[4];
	CU_ASSERT_FATAL(an_ss_new(&s, 8) == 0);
	for (int i = 3; i >= 0; i--) {
		key_of(&k, (uint32_t)i);
		an_ss_add(s, &k, 5);
	}
	CU_ASSERT_EQUAL(an_ss_top(s, top, 4), 4);
	for (unsigned i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(index_of(&top[i].key), i);
	an_ss_free(s);
}

static void test_keys(void)
{
	an_ss_key_t k;
	const uint8_t v4[4] = { 192, 0, 2, 77 };
	const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0xab, 0xcd, [15] = 1 };
	an_ss_key_set(&k, 4, v4, 24);
	CU_ASSERT(k.ipver == 4 && k.plen == 24 && k.addr[2] == 2 && k.addr[3] == 0);
	an_ss_key_set(&k, 4, v4, 20);
	CU_ASSERT(k.addr[1] == 0 && k.addr[2] == 0);
	an_ss_key_set(&k, 4, v4, 99); /* clamped */
	CU_ASSERT(k.plen == 32 && k.addr[3] == 77 && k.addr[4] == 0);
	an_ss_key_set(&k, 6, v6, 48);
	CU_ASSERT(k.ipver == 6 && k.addr[5] == 1 && k.addr[6] == 0 && k.addr[15] == 0);
	an_ss_key_set(&k, 6, v6, 52);
	CU_ASSERT(k.addr[6] == 0xa0 && k.addr[7] == 0);
}

static void run_zipf(an_ss_t *s, const double *cdf, uint64_t *truth, uint64_t *truth2,
		     unsigned n, uint32_t shift)
{
	an_ss_key_t k;
	for (unsigned i = 0; i < n; i++) {
		uint32_t x = zipf_draw(cdf, shift);
		truth[x]++;
		if (truth2)
			truth2[x]++;
		key_of(&k, x);
		an_ss_add(s, &k, 1);
	}
}

static void test_zipf(void)
{
	double *cdf = zipf_cdf(1.1);
	uint64_t *truth = calloc(U, sizeof(*truth));
	an_ss_t *s;

	rng_state = 0x9e3779b97f4a7c15u;
	CU_ASSERT_FATAL(an_ss_new(&s, 256) == 0);
	run_zipf(s, cdf, truth, NULL, 300000, 0);
	CU_ASSERT_EQUAL(an_ss_size(s), 256);
	check_bounds(s, truth, 300000);
	/* the heaviest key is found with a small error */
	an_ss_item_t top[1];
	an_ss_top(s, top, 1);
	CU_ASSERT_EQUAL(index_of(&top[0].key), 0);
	an_ss_free(s);

	/* a tiny summary that evicts all the time: table deletions */
	memset(truth, 0, U * sizeof(*truth));
	CU_ASSERT_FATAL(an_ss_new(&s, 7) == 0);
	for (unsigned i = 0; i < 50; i++) {
		run_zipf(s, cdf, truth, NULL, 1000, 0);
		check_bounds(s, truth, (i + 1) * 1000);
	}
	an_ss_free(s);
	free(truth);
	free(cdf);
}

/* Serialise @p s and load into a fresh summary. */
static an_ss_t *clone(const an_ss_t *s)
{
	an_ss_t *c;
	char *str;
	CU_ASSERT_FATAL(an_ss_new(&c, an_ss_capacity(s)) == 0);
	CU_ASSERT_FATAL(an_ss_save(s, &str) == 0);
	CU_ASSERT_FATAL(an_ss_load(c, str) == 0);
	free(str);
	return c;
}

static void same(const an_ss_t *a, const an_ss_t *b)
{
	size_t n = an_ss_size(a);
	an_ss_item_t *x = malloc((n + 1) * sizeof(*x)), *y = malloc((n + 1) * sizeof(*y));
	CU_ASSERT_EQUAL_FATAL(an_ss_size(b), n);
	CU_ASSERT_EQUAL(an_ss_total(a), an_ss_total(b));
	CU_ASSERT_EQUAL(an_ss_min(a), an_ss_min(b));
	an_ss_top(a, x, n);
	an_ss_top(b, y, n);
	CU_ASSERT(memcmp(x, y, n * sizeof(*x)) == 0);
	free(x);
	free(y);
}

static void test_merge(void)
{
	double *cdf = zipf_cdf(1.05);
	uint64_t *ta = calloc(U, sizeof(*ta)), *tb = calloc(U, sizeof(*tb));
	uint64_t *whole = calloc(U, sizeof(*whole));
	an_ss_t *a, *b, *a2, *b2, *c;

	rng_state = 12345;
	CU_ASSERT_FATAL(an_ss_new(&a, 200) == 0 && an_ss_new(&b, 200) == 0);
	/* The halves have different heavy keys (shift), so keys heavy in the
	 * whole are often light or evicted in one half. */
	run_zipf(a, cdf, ta, whole, 150000, 0);
	run_zipf(b, cdf, tb, whole, 100000, 3);
	check_bounds(a, ta, 150000);
	check_bounds(b, tb, 100000);
	a2 = clone(a);
	b2 = clone(b);
	CU_ASSERT_EQUAL(an_ss_merge(a, b), 0);
	check_bounds(a, whole, 250000);
	/* commutative */
	CU_ASSERT_EQUAL(an_ss_merge(b2, a2), 0);
	same(a, b2);
	/* merging again, with an empty one, keeps it */
	CU_ASSERT_FATAL(an_ss_new(&c, 200) == 0);
	CU_ASSERT_EQUAL(an_ss_merge(a, c), 0);
	check_bounds(a, whole, 250000);
	same(a, b2);
	/* a merged summary keeps counting and merging within its bounds */
	an_ss_free(c);
	CU_ASSERT_FATAL(an_ss_new(&c, 200) == 0);
	run_zipf(c, cdf, whole, NULL, 50000, 7);
	run_zipf(a, cdf, whole, NULL, 50000, 11);
	CU_ASSERT_EQUAL(an_ss_merge(a, c), 0);
	check_bounds(a, whole, 350000);
	an_ss_free(c);
	CU_ASSERT_FATAL(an_ss_new(&c, 100) == 0);
	CU_ASSERT_EQUAL(an_ss_merge(a, c), DW_EINVAL);

	an_ss_free(a);
	an_ss_free(b);
	an_ss_free(a2);
	an_ss_free(b2);
	an_ss_free(c);
	free(ta);
	free(tb);
	free(whole);
	free(cdf);
}

static void test_roundtrip(void)
{
	double *cdf = zipf_cdf(1.2);
	uint64_t *t = calloc(U, sizeof(*t));
	an_ss_t *s, *c;
	an_ss_key_t k;
	const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 9 };
	char *s1, *s2;

	rng_state = 777;
	CU_ASSERT_FATAL(an_ss_new(&s, 64) == 0);
	c = clone(s); /* empty */
	same(s, c);
	an_ss_free(c);
	run_zipf(s, cdf, t, NULL, 20000, 0);
	an_ss_key_set(&k, 6, v6, 48);
	an_ss_add(s, &k, 5000);
	c = clone(s);
	same(s, c);
	CU_ASSERT_FATAL(an_ss_save(s, &s1) == 0 && an_ss_save(c, &s2) == 0);
	CU_ASSERT_STRING_EQUAL(s1, s2);
	/* the clone keeps working as a summary */
	an_ss_add(s, &k, 1);
	an_ss_add(c, &k, 1);
	same(s, c);
	/* capacity must match */
	an_ss_free(c);
	CU_ASSERT_FATAL(an_ss_new(&c, 65) == 0);
	CU_ASSERT_EQUAL(an_ss_load(c, s1), DW_EFORMAT);
	free(s1);
	free(s2);
	an_ss_free(c);
	an_ss_free(s);
	free(t);
	free(cdf);
}

/* A packed summary built by hand (the layout of spacesaving.h). */
typedef struct pk {
	uint8_t b[512];
	size_t n;
} pk_t;

static void put(pk_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p->b[p->n++] = (uint8_t)(v >> (8 * i));
}

static void put_hdr(pk_t *p, unsigned ver, unsigned cap, uint64_t total, unsigned n)
{
	p->n = 0;
	put(p, ver, 1);
	put(p, cap, 4);
	put(p, total, 8);
	put(p, n, 4);
}

static void put_v4(pk_t *p, unsigned plen, uint32_t addr, uint64_t count, uint64_t err)
{
	put(p, 4, 1);
	put(p, plen, 1);
	put(p, addr >> 24, 1);
	put(p, addr >> 16, 1);
	put(p, addr >> 8, 1);
	put(p, addr, 1);
	put(p, count, 8);
	put(p, err, 8);
}

static int load_pk(an_ss_t *s, const pk_t *p)
{
	uLongf zl = compressBound(p->n);
	uint8_t z[1024];
	char str[2048];
	CU_ASSERT_FATAL(zl <= sizeof(z) && compress(z, &zl, p->b, p->n) == Z_OK);
	an_b64_encode(z, zl, str);
	return an_ss_load(s, str);
}

static void test_corrupt(void)
{
	an_ss_t *s;
	pk_t p;
	an_ss_item_t it;
	an_ss_key_t k;

	CU_ASSERT_FATAL(an_ss_new(&s, 4) == 0);
	/* the good one, then one change at a time */
	put_hdr(&p, 1, 4, 10, 2);
	put_v4(&p, 32, 0x0a000001, 6, 1);
	put_v4(&p, 24, 0xc0000200, 4, 0);
	CU_ASSERT_EQUAL(load_pk(s, &p), 0);
	key_of(&k, 1);
	CU_ASSERT(an_ss_get(s, &k, &it) && it.count == 6 && it.err == 1);
	CU_ASSERT_EQUAL(an_ss_total(s), 10);

	put_hdr(&p, 2, 4, 10, 0); /* version */
	CU_ASSERT_EQUAL(load_pk(s, &p), DW_EFORMAT);
	put_hdr(&p, 1, 5, 10, 0); /* capacity */
	CU_ASSERT_EQUAL(load_pk(s, &p), DW_EFORMAT);
	put_hdr(&p, 1, 4, 10, 5); /* more counters than capacity */
	for (unsigned i = 0; i < 5; i++)
		put_v4(&p, 32, 0x0a000001 + i, 1, 0);
	CU_ASSERT_EQUAL(load_pk(s, &p), DW_EFORMAT);
	put_hdr(&p, 1, 4, 10, 2); /* fewer records than announced */
	put_v4(&p, 32, 0x0a000001, 6, 1);
	CU_ASSERT_EQUAL(load_pk(s, &p), DW_EFORMAT);
	put_hdr(&p, 1, 4, 10, 1); /* trailing byte */
	put_v4(&p, 32, 0x0a000001, 6, 1);
	put(&p, 0, 1);
	CU_ASSERT_EQUAL(load_pk(s, &p), DW_EFORMAT);
	put_hdr(&p, 1, 4, 10, 1); /* record cut short */
	put_v4(&p, 32, 0x0a000001, 6, 1);
	p.n -= 3;
	CU_ASSERT_EQUAL(load_pk(s, &p), DW_EFORMAT);
	put_hdr(&p, 1, 4, 10, 1); /* ipver */
	put_v4(&p, 32, 0x0a000001, 6, 1);
	p.b[17] = 5;
	CU_ASSERT_EQUAL(load_pk(s, &p), DW_EFORMAT);
	put_hdr(&p, 1, 4, 10, 1); /* plen */
	put_v4(&p, 33, 0x0a000001, 6, 1);
	CU_ASSERT_EQUAL(load_pk(s, &p), DW_EFORMAT);
	put_hdr(&p, 1, 4, 10, 1); /* bits after the prefix */
	put_v4(&p, 24, 0xc0000201, 6, 1);
	CU_ASSERT_EQUAL(load_pk(s, &p), DW_EFORMAT);
	put_hdr(&p, 1, 4, 10, 1);
	put_v4(&p, 23, 0xc0000300, 6, 1);
	CU_ASSERT_EQUAL(load_pk(s, &p), DW_EFORMAT);
	put_hdr(&p, 1, 4, 10, 1); /* count 0 */
	put_v4(&p, 32, 0x0a000001, 0, 0);
	CU_ASSERT_EQUAL(load_pk(s, &p), DW_EFORMAT);
	put_hdr(&p, 1, 4, 10, 1); /* error above count */
	put_v4(&p, 32, 0x0a000001, 6, 7);
	CU_ASSERT_EQUAL(load_pk(s, &p), DW_EFORMAT);
	put_hdr(&p, 1, 4, 10, 2); /* counts above N */
	put_v4(&p, 32, 0x0a000001, 6, 1);
	put_v4(&p, 32, 0x0a000002, 5, 1);
	CU_ASSERT_EQUAL(load_pk(s, &p), DW_EFORMAT);
	put_hdr(&p, 1, 4, 10, 2); /* duplicate key */
	put_v4(&p, 32, 0x0a000001, 3, 1);
	put_v4(&p, 32, 0x0a000001, 3, 1);
	CU_ASSERT_EQUAL(load_pk(s, &p), DW_EFORMAT);
	p.n = 5; /* header cut */
	CU_ASSERT_EQUAL(load_pk(s, &p), DW_EFORMAT);
	CU_ASSERT_EQUAL(an_ss_load(s, "not base64"), DW_EFORMAT);
	CU_ASSERT_EQUAL(an_ss_load(s, "Zm9vYmFy"), DW_EFORMAT);
	/* failures left the good summary in place */
	CU_ASSERT(an_ss_get(s, &k, &it) && it.count == 6 && it.err == 1);
	CU_ASSERT_EQUAL(an_ss_total(s), 10);
	an_ss_free(s);
}

static CU_TestInfo tests[] = {
	{ "exact", test_exact },
	{ "ties", test_ties },
	{ "keys", test_keys },
	{ "zipf", test_zipf },
	{ "merge", test_merge },
	{ "roundtrip", test_roundtrip },
	{ "corrupt", test_corrupt },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("an_spacesaving", tests);
}
