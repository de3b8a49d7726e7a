/* analyze/jsonmap.c: the JSON helpers every metric uses. Expected values
 * are worked out by hand from the inputs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu_main.h"
#include "metric.h"
#include "rootlens/errcode.h"
#include "sketch/b64.h"

/* The keys of @p o in order, joined by ',' (Jansson keeps insertion order). */
static const char *keys(json_t *o, char *buf, size_t n)
{
	const char *k;
	json_t *v;
	buf[0] = '\0';
	json_object_foreach(o, k, v) {
		if (buf[0])
			strncat(buf, ",", n - strlen(buf) - 1);
		strncat(buf, k, n - strlen(buf) - 1);
	}
	return buf;
}

static json_int_t ival(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static void test_set_get(void)
{
	json_t *o = json_object();
	uint64_t v = 99;
	CU_ASSERT_EQUAL(an_json_set_u64(o, "a", 12345678901234ull), 0);
	CU_ASSERT_EQUAL(ival(o, "a"), 12345678901234ll);
	CU_ASSERT_EQUAL(an_json_get_u64(o, "a", &v), 0);
	CU_ASSERT_EQUAL(v, 12345678901234ull);
	/* missing is 0, and so is a missing object */
	CU_ASSERT_EQUAL(an_json_get_u64(o, "nope", &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	v = 7;
	CU_ASSERT_EQUAL(an_json_get_u64(NULL, "a", &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	/* never negative on output, never accepted negative on input */
	CU_ASSERT_EQUAL(an_json_set_u64(o, "big", UINT64_MAX), 0);
	CU_ASSERT(ival(o, "big") > 0);
	json_object_set_new(o, "neg", json_integer(-1));
	json_object_set_new(o, "str", json_string("1"));
	json_object_set_new(o, "real", json_real(1.0));
	CU_ASSERT_EQUAL(an_json_get_u64(o, "neg", &v), DW_EFORMAT);
	CU_ASSERT_EQUAL(an_json_get_u64(o, "str", &v), DW_EFORMAT);
	CU_ASSERT_EQUAL(an_json_get_u64(o, "real", &v), DW_EFORMAT);
	json_t *arr = json_array();
	CU_ASSERT_EQUAL(an_json_get_u64(arr, "a", &v), DW_EFORMAT);
	json_decref(arr);
	json_decref(o);
}

static void test_pct(void)
{
	json_t *p = an_json_pct(5, 0);
	CU_ASSERT(json_is_null(p));
	json_decref(p);
	struct {
		uint64_t a, b;
		double want;
	} c[] = {
		{ 1, 3, 33.3333 },   /* 33.33333... */
		{ 2, 3, 66.6667 },   /* 66.66666... rounds up */
		{ 6, 1000, 0.6 },
		{ 0, 7, 0.0 },
		{ 7, 7, 100.0 },
		{ 1, 7, 14.2857 },   /* 14.285714... */
		{ 3, 2, 150.0 },
		{ 1, 200000, 0.0005 },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		p = an_json_pct(c[i].a, c[i].b);
		CU_ASSERT(json_is_real(p));
		CU_ASSERT_DOUBLE_EQUAL(json_real_value(p), c[i].want, 1e-9);
		json_decref(p);
	}
}

static void test_map_order(void)
{
	char b[256];
	an_kv_t kv[] = {
		{ "b", 5 }, { "a", 5 }, { "z", 9 }, { "zero", 0 }, { "c", 1 },
	};
	json_t *m = an_json_map(kv, 5, 0);
	/* count desc, ties by key asc, zero left out */
	CU_ASSERT_STRING_EQUAL(keys(m, b, sizeof(b)), "z,a,b,c");
	CU_ASSERT_EQUAL(ival(m, "z"), 9);
	CU_ASSERT_EQUAL(ival(m, "c"), 1);
	json_decref(m);

	m = an_json_map(NULL, 0, 20);
	CU_ASSERT(json_is_object(m));
	CU_ASSERT_EQUAL(json_object_size(m), 0);
	json_decref(m);
}

static void test_map_cut(void)
{
	char b[256];
	an_kv_t kv[] = {
		{ "d", 1 }, { "a", 10 }, { "c", 3 }, { "b", 7 }, { "e", 1 },
	};
	/* top 2: a, b; other = 3 + 1 + 1 */
	json_t *m = an_json_map(kv, 5, 2);
	CU_ASSERT_STRING_EQUAL(keys(m, b, sizeof(b)), "a,b,other");
	CU_ASSERT_EQUAL(ival(m, "other"), 5);
	json_decref(m);

	/* no more keys than topk: nothing cut, no "other" */
	an_kv_t kv2[] = { { "x", 2 }, { "y", 3 } };
	m = an_json_map(kv2, 2, 2);
	CU_ASSERT_STRING_EQUAL(keys(m, b, sizeof(b)), "y,x");
	json_decref(m);
}

static void test_map_other_key(void)
{
	char b[256];
	/* An existing "other" (a cut map read back) is always last and takes
	 * the remainder of a further cut; a zero one is left out. */
	an_kv_t kv[] = {
		{ "other", 100 }, { "a", 4 }, { "b", 3 }, { "c", 2 },
	};
	json_t *m = an_json_map(kv, 4, 0);
	CU_ASSERT_STRING_EQUAL(keys(m, b, sizeof(b)), "a,b,c,other");
	CU_ASSERT_EQUAL(ival(m, "other"), 100);
	json_decref(m);

	an_kv_t kv2[] = {
		{ "other", 100 }, { "a", 4 }, { "b", 3 }, { "c", 2 },
	};
	m = an_json_map(kv2, 4, 1);
	CU_ASSERT_STRING_EQUAL(keys(m, b, sizeof(b)), "a,other");
	CU_ASSERT_EQUAL(ival(m, "other"), 105);
	json_decref(m);

	an_kv_t kv3[] = { { "a", 4 }, { "other", 0 } };
	m = an_json_map(kv3, 2, 3);
	CU_ASSERT_STRING_EQUAL(keys(m, b, sizeof(b)), "a");
	json_decref(m);
}

/* ---- packed maps ------------------------------------------------------ */

/* an_map_fn collecting into a JSON object, and checking the order. */
typedef struct collect {
	json_t *o;
	char prev[300];
	int calls, bad_order;
} collect_t;

static int collect(void *ctx, const char *key, uint64_t n)
{
	collect_t *c = ctx;
	if (c->calls++ > 0 && strcmp(c->prev, key) >= 0)
		c->bad_order = 1;
	snprintf(c->prev, sizeof(c->prev), "%s", key);
	return an_json_set_u64(c->o, key, n);
}

static json_t *unpack(const json_t *packed, int *rc)
{
	collect_t c;
	memset(&c, 0, sizeof(c));
	c.o = json_object();
	*rc = an_map_unpack(packed, collect, &c);
	CU_ASSERT_EQUAL(c.bad_order, 0);
	return c.o;
}

static void test_pack_roundtrip(void)
{
	an_kv_t kv[] = {
		{ "com", 7 }, { "co", 3 }, { "other", 12 }, { "", 1 },
		{ "zero", 0 }, { "xn--p1ai", 300 }, { "c", 1ull << 40 },
		{ "big", (uint64_t)INT64_MAX },
	};
	json_t *p = an_map_pack(kv, sizeof(kv) / sizeof(kv[0]));
	CU_ASSERT_FATAL(json_is_string(p));
	int rc;
	json_t *o = unpack(p, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	json_t *want = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "com", (json_int_t)7,
				 "co", (json_int_t)3, "other", (json_int_t)12, "",
				 (json_int_t)1, "xn--p1ai", (json_int_t)300, "c",
				 (json_int_t)(1ll << 40), "big", (json_int_t)INT64_MAX);
	CU_ASSERT(json_equal(o, want)); /* "zero" left out */
	json_decref(want);
	json_decref(o);

	/* canonical: another order, a key split in two, the same string */
	an_kv_t kv2[] = {
		{ "big", (uint64_t)INT64_MAX }, { "xn--p1ai", 100 }, { "c", 1ull << 40 },
		{ "xn--p1ai", 200 }, { "other", 12 }, { "co", 3 }, { "", 1 }, { "com", 7 },
	};
	json_t *p2 = an_map_pack(kv2, sizeof(kv2) / sizeof(kv2[0]));
	CU_ASSERT(json_equal(p, p2));
	json_decref(p2);
	json_decref(p);

	/* the empty map */
	p = an_map_pack(NULL, 0);
	CU_ASSERT_FATAL(json_is_string(p));
	o = unpack(p, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(json_object_size(o), 0);
	json_decref(o);
	json_decref(p);

	/* a key longer than the format allows is refused */
	char longkey[300];
	memset(longkey, 'k', 299);
	longkey[299] = '\0';
	an_kv_t kv3[] = { { longkey, 1 } };
	CU_ASSERT_PTR_NULL(an_map_pack(kv3, 1));
}

/* A packed string of these raw bytes (the format of jsonmap.c). */
static json_t *raw_packed(const uint8_t *raw, size_t n)
{
	char *s;
	CU_ASSERT_EQUAL_FATAL(an_blob_pack(raw, n, &s), 0);
	json_t *j = json_string(s);
	free(s);
	return j;
}

static void test_unpack_bad(void)
{
	static const struct {
		uint8_t b[24];
		size_t n;
		int ok;
	} raw[] = {
		/* v1, 2 entries: "ab" 5, "ac" 1 (front-coded: P=1, S=1 "c") */
		{ { 1, 2, 0, 2, 'a', 'b', 5, 1, 1, 'c', 1 }, 11, 1 },
		{ { 2, 2, 0, 2, 'a', 'b', 5, 1, 1, 'c', 1 }, 11, 0 },  /* version */
		{ { 1, 2, 0, 2, 'a', 'c', 5, 1, 1, 'b', 1 }, 11, 0 },  /* order */
		{ { 1, 2, 0, 2, 'a', 'b', 5, 0, 2, 'a', 'b', 1 }, 12, 0 }, /* repeated */
		{ { 1, 2, 0, 2, 'a', 'b', 5, 0, 2, 'a', 'c', 1 }, 12, 0 }, /* P not full */
		{ { 1, 2, 0, 2, 'a', 'b', 5, 3, 1, 'c', 1 }, 11, 0 },  /* P > key */
		{ { 1, 2, 0, 2, 'a', 'b', 5, 1, 0, 1 }, 10, 0 },       /* a prefix */
		{ { 1, 1, 0, 2, 'a', 'b', 0 }, 7, 0 },                 /* zero count */
		{ { 1, 1, 0, 2, 'a', 'b', 0x85, 0x00 }, 8, 0 },        /* long varint */
		{ { 1, 1, 0, 2, 'a', 'b', 5, 9 }, 8, 0 },              /* trailing */
		{ { 1, 2, 0, 2, 'a', 'b', 5 }, 7, 0 },                 /* short */
		{ { 1, 1, 0, 2, 'a', 0, 5 }, 7, 0 },                   /* NUL in key */
		{ { 1, 1, 1, 2, 'a', 'b', 5 }, 7, 0 },                 /* first P > 0 */
		{ { 1 }, 1, 0 },                                       /* no count */
		{ { 1, 0 }, 2, 1 },                                    /* empty map */
		{ { 1, 1, 0, 1, 'a', 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		    0xff, 0x01 }, 15, 1 },                             /* UINT64_MAX */
		{ { 1, 1, 0, 1, 'a', 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		    0xff, 0x02 }, 15, 0 },                             /* 2^64 */
	};
	for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++) {
		json_t *p = raw_packed(raw[i].b, raw[i].n);
		int rc;
		json_t *o = unpack(p, &rc);
		if (rc != (raw[i].ok ? 0 : DW_EFORMAT))
			fprintf(stderr, "\n  raw case %zu: rc %d\n", i, rc);
		CU_ASSERT_EQUAL(rc, raw[i].ok ? 0 : DW_EFORMAT);
		json_decref(o);
		json_decref(p);
	}
	/* not a string, not base64, not zlib */
	json_t *bad[] = { json_integer(1), json_string("@@@@"), json_string("AAAA"),
			  json_string("") };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc;
		json_t *o = unpack(bad[i], &rc);
		CU_ASSERT_EQUAL(rc, DW_EFORMAT);
		json_decref(o);
		json_decref(bad[i]);
	}
}

static int stop_at_b(void *ctx, const char *key, uint64_t n)
{
	(void)n;
	++*(int *)ctx;
	return strcmp(key, "b") == 0 ? DW_EINVAL : 0;
}

static void test_unpack_stop(void)
{
	an_kv_t kv[] = { { "c", 1 }, { "b", 2 }, { "a", 3 } };
	json_t *p = an_map_pack(kv, 3);
	int calls = 0;
	CU_ASSERT_EQUAL(an_map_unpack(p, stop_at_b, &calls), DW_EINVAL);
	CU_ASSERT_EQUAL(calls, 2);
	json_decref(p);
}

static void test_map_save_load(void)
{
	json_t *sk = json_object();
	an_kv_t kv[] = { { "a", 4 }, { "b", 3 }, { "other", 9 }, { "z", 0 } };
	/* not cut (2 keys besides "other" and zeros, topk 2 or 0): nothing */
	CU_ASSERT_EQUAL(an_map_save(sk, "m", kv, 4, 2), 0);
	CU_ASSERT_EQUAL(an_map_save(sk, "m", kv, 4, 0), 0);
	CU_ASSERT_EQUAL(json_object_size(sk), 0);
	json_t *o = sk; /* anything: it must come back NULL */
	CU_ASSERT_EQUAL(an_map_load(sk, "m", &o), 0);
	CU_ASSERT_PTR_NULL(o);
	CU_ASSERT_EQUAL(an_map_load(NULL, "m", &o), 0);
	CU_ASSERT_PTR_NULL(o);
	/* cut at 1: the full map, "other" included, comes back */
	CU_ASSERT_EQUAL(an_map_save(sk, "m", kv, 4, 1), 0);
	CU_ASSERT(json_is_string(json_object_get(sk, "m")));
	CU_ASSERT_EQUAL(an_map_load(sk, "m", &o), 0);
	json_t *want = json_pack("{s:I,s:I,s:I}", "a", (json_int_t)4, "b", (json_int_t)3,
				 "other", (json_int_t)9);
	CU_ASSERT(json_equal(o, want));
	json_decref(want);
	json_decref(o);
	/* a sketch member of the wrong kind, a sketch that is not an object */
	json_object_set_new(sk, "m", json_integer(3));
	CU_ASSERT_EQUAL(an_map_load(sk, "m", &o), DW_EFORMAT);
	CU_ASSERT_PTR_NULL(o);
	json_t *arr = json_array();
	CU_ASSERT_EQUAL(an_map_load(arr, "m", &o), DW_EFORMAT);
	json_decref(arr);
	json_decref(sk);
}

/* The size that matters for a long run (2880 one-minute intervals in 48
 * hours): a worst-case interval TLD map, 1500 TLD-like keys with counts
 * up to 2^20 and 1000 random 10-letter names (which do not compress:
 * ~4.7 bits a letter), stays near 22 KB; a map of 300 short keys with
 * small counts, the common case, packs to about 2 KB. */
static void test_pack_size(void)
{
	enum { N = 2500 };
	an_kv_t *kv = calloc(N, sizeof(*kv));
	char (*names)[16] = calloc(N, sizeof(*names));
	CU_ASSERT_FATAL(kv != NULL && names != NULL);
	uint64_t x = 88172645463325252ull;
	for (int i = 0; i < N; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (i < 1500) { /* TLD-like: 2-6 letters */
			int len = 2 + (int)(x % 5);
			for (int k = 0; k < len; k++)
				names[i][k] = (char)('a' + (x >> (8 + 5 * k)) % 26);
		} else {
			for (int k = 0; k < 10; k++)
				names[i][k] = (char)('a' + (x >> (4 + 5 * k)) % 26);
		}
		kv[i].key = names[i];
		kv[i].n = 1 + (x >> 40) % (i < 1500 ? (1u << 20) : 8u);
	}
	json_t *p = an_map_pack(kv, N);
	CU_ASSERT_FATAL(json_is_string(p));
	size_t len = json_string_length(p);
	CU_ASSERT(len < 24000);
	int rc;
	json_t *o = unpack(p, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT(json_object_size(o) > N - 100); /* (short names repeat) */
	json_decref(o);
	json_decref(p);
	for (int i = 0; i < 300; i++)
		kv[i].n = 1 + kv[i].n % 200;
	p = an_map_pack(kv, 300);
	CU_ASSERT_FATAL(json_is_string(p));
	CU_ASSERT(json_string_length(p) < 2500);
	json_decref(p);
	free(kv);
	free(names);
}

static CU_TestInfo tests[] = {
	{ "set_get", test_set_get },
	{ "pct", test_pct },
	{ "map_order", test_map_order },
	{ "map_cut", test_map_cut },
	{ "map_other_key", test_map_other_key },
	{ "pack_roundtrip", test_pack_roundtrip },
	{ "unpack_bad", test_unpack_bad },
	{ "unpack_stop", test_unpack_stop },
	{ "map_save_load", test_map_save_load },
	{ "pack_size", test_pack_size },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("an_jsonmap", tests);
}
