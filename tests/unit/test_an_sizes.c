/* analyze/metrics/m_sizes.c: RSSAC002v3 section 2.3 size histograms.
 * Bin edges are RSSAC002's: 16-byte bins, requests open at 288,
 * responses at 4096. Expected figures are counted by hand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu_main.h"
#include "metric.h"
#include "rootlens/errcode.h"

extern const metric_ops_t m_sizes;
#define M m_sizes

#include "an_metric_test.h"

/* qr, tr, wire length */
static const unsigned mix[][3] = {
	{ 0, 0, 0 },     /* udp requests */
	{ 0, 0, 15 },
	{ 0, 0, 16 },
	{ 0, 0, 287 },
	{ 0, 0, 288 },
	{ 0, 0, 5000 },
	{ 1, 0, 4095 },  /* udp responses */
	{ 1, 0, 4096 },
	{ 1, 0, 65535 },
	{ 1, 0, 100 },
	{ 0, 1, 31 },    /* tcp requests */
	{ 0, 1, 32 },
	{ 1, 1, 4096 },  /* tcp responses */
	{ 1, 1, 0 },
};
#define NMIX (sizeof(mix) / sizeof(mix[0]))

static void feed1(void *st, unsigned qr, unsigned tr, size_t len)
{
	ev_t e;
	ev_init(&e, qr, tr, 0);
	e.p.wire_len = len;
	e.p.len = len > 512 ? 512 : len; /* as if snaplen cut it: wire_len counts */
	M.observe(st, &e.o);
}

static void feed(void *st, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		feed1(st, mix[i][0], mix[i][1], mix[i][2]);
}

static void test_bins(void)
{
	set_cfg();
	void *st = new_state(&cfg_total);
	feed(st, 0, NMIX);
	json_t *f = emit(st);
	char *s = json_dumps(f, JSON_COMPACT);
	CU_ASSERT_STRING_EQUAL(s, "{\"sizes\":{"
		"\"udp-request-sizes\":{\"0-15\":2,\"16-31\":1,\"272-287\":1,\"288-\":2},"
		"\"udp-response-sizes\":{\"96-111\":1,\"4080-4095\":1,\"4096-\":2},"
		"\"tcp-request-sizes\":{\"16-31\":1,\"32-47\":1},"
		"\"tcp-response-sizes\":{\"0-15\":1,\"4096-\":1}}}");
	free(s);
	json_decref(f);
	free_state(st);
}

static void test_empty(void)
{
	set_cfg();
	void *st = new_state(&cfg_total);
	json_t *f = emit(st);
	char *s = json_dumps(f, JSON_COMPACT);
	CU_ASSERT_STRING_EQUAL(s, "{\"sizes\":{\"udp-request-sizes\":{},\"udp-response-sizes\":{},"
			       "\"tcp-request-sizes\":{},\"tcp-response-sizes\":{}}}");
	free(s);
	json_decref(f);
	free_state(st);
}

/* Never cut, and ascending however the counts fall, in interval scope too. */
static void test_interval_uncut(void)
{
	set_cfg();
	void *st = new_state(&cfg_iv);
	for (unsigned i = 0; i < 30; i++)
		for (unsigned k = 0; k <= i; k++)
			feed1(st, 1, 0, 16 * i + 3);
	json_t *f = emit(st);
	json_t *m = json_object_get(json_object_get(f, "sizes"), "udp-response-sizes");
	CU_ASSERT_EQUAL(json_object_size(m), 30);
	CU_ASSERT_PTR_NULL(json_object_get(m, "other"));
	CU_ASSERT_STRING_EQUAL(json_object_iter_key(json_object_iter(m)), "0-15");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(m, "464-479")), 30);
	json_decref(f);
	check_roundtrip(st, &cfg_iv);
	free_state(st);
}

static void test_roundtrip(void)
{
	set_cfg();
	void *st = new_state(&cfg_total);
	check_roundtrip(st, &cfg_total);
	feed(st, 0, NMIX);
	check_roundtrip(st, &cfg_total);
	free_state(st);
}

static void test_merge(void)
{
	set_cfg();
	void *a = new_state(&cfg_total), *b = new_state(&cfg_total),
	     *all = new_state(&cfg_total);
	feed(a, 0, 7);
	feed(b, 3, NMIX);
	feed(all, 0, 7);
	feed(all, 3, NMIX);
	CU_ASSERT_EQUAL(M.merge(a, b), 0);
	json_t *x = emit(a), *y = emit(all);
	CU_ASSERT(same(x, y));
	json_decref(x);
	json_decref(y);
	free_state(a);
	free_state(b);
	free_state(all);
}

static void test_load_bad(void)
{
	static const char *const bad[] = {
		"{\"sizes\":{\"udp-request-sizes\":{\"17-32\":1}}}",
		"{\"sizes\":{\"udp-request-sizes\":{\"288-303\":1}}}", /* open bin */
		"{\"sizes\":{\"udp-request-sizes\":{\"4096-\":1}}}",   /* a response bin */
		"{\"sizes\":{\"udp-response-sizes\":{\"0-15x\":1}}}",
		"{\"sizes\":{\"udp-response-sizes\":{\"other\":1}}}",
		"{\"sizes\":{\"tcp-response-sizes\":{\"0-15\":-1}}}",
		"{\"sizes\":{\"tcp-response-sizes\":[]}}",
		"{\"sizes\":7}",
	};
	set_cfg();
	check_load_bad(bad, sizeof(bad) / sizeof(bad[0]));
}

static CU_TestInfo tests[] = {
	{ "bins", test_bins },
	{ "empty", test_empty },
	{ "interval_uncut", test_interval_uncut },
	{ "roundtrip", test_roundtrip },
	{ "merge", test_merge },
	{ "load_bad", test_load_bad },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("an_sizes", tests);
}
