/* analyze/jsonmap.c: the JSON helpers every metric uses. Expected values
 * are worked out by hand from the inputs. */
#include <string.h>

#include "cu_main.h"
#include "metric.h"
#include "rootlens/errcode.h"

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

static CU_TestInfo tests[] = {
	{ "set_get", test_set_get },
	{ "pct", test_pct },
	{ "map_order", test_map_order },
	{ "map_cut", test_map_cut },
	{ "map_other_key", test_map_other_key },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("an_jsonmap", tests);
}
