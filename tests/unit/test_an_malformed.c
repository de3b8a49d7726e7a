/* analyze/metrics/m_malformed.c: messages that did not parse completely,
 * by reason. Expected figures are counted by hand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu_main.h"
#include "metric.h"
#include "rootlens/errcode.h"

extern const metric_ops_t m_malformed;
#define M m_malformed

#include "an_metric_test.h"

static void msg(void *st, unsigned qr, dw_bad_t bad)
{
	ev_t e;
	ev_init(&e, qr, 0, 0);
	e.m.bad = bad;
	M.observe(st, &e.o);
}

static void feed_a(void *st)
{
	msg(st, 0, DW_BAD_NONE);
	msg(st, 0, DW_BAD_ANSWER_TRUNC);
	msg(st, 1, DW_BAD_ANSWER_TRUNC);
	msg(st, 1, DW_BAD_ANSWER_TRUNC);
	msg(st, 0, DW_BAD_TRAILING);
}

static void feed_b(void *st)
{
	msg(st, 0, DW_BAD_POINTER);
	msg(st, 0, DW_BAD_TRAILING);
	msg(st, 1, DW_BAD_NONE);
}

static void test_counts(void)
{
	set_cfg();
	void *st = new_state(&cfg_total);
	json_t *f = emit(st);
	char *s = json_dumps(f, JSON_COMPACT);
	CU_ASSERT_STRING_EQUAL(s, "{\"malformed\":{}}");
	free(s);
	json_decref(f);
	feed_a(st);
	feed_b(st);
	f = emit(st);
	s = json_dumps(f, JSON_COMPACT);
	CU_ASSERT_STRING_EQUAL(s, "{\"malformed\":{\"answer_trunc\":3,\"trailing_bytes\":2,"
			       "\"bad_pointer\":1}}");
	free(s);
	json_decref(f);
	free_state(st);
}

static void test_interval_cut(void)
{
	set_cfg();
	an_cfg_t c = cfg_iv;
	c.map_topk_interval = 1;
	void *st = new_state(&c);
	feed_a(st);
	feed_b(st);
	json_t *f = emit(st);
	char *s = json_dumps(f, JSON_COMPACT);
	CU_ASSERT_STRING_EQUAL(s, "{\"malformed\":{\"answer_trunc\":3,\"other\":3}}");
	free(s);
	json_decref(f);
	check_roundtrip(st, &c);
	free_state(st);
}

static void test_roundtrip_merge(void)
{
	set_cfg();
	void *a = new_state(&cfg_total), *b = new_state(&cfg_total),
	     *all = new_state(&cfg_total);
	feed_a(a);
	feed_b(b);
	feed_a(all);
	feed_b(all);
	check_roundtrip(all, &cfg_total);
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
		"{\"malformed\":{\"no_such_reason\":1}}",
		"{\"malformed\":{\"none\":1}}",
		"{\"malformed\":{\"bad_label\":-2}}",
		"{\"malformed\":1}",
	};
	set_cfg();
	check_load_bad(bad, sizeof(bad) / sizeof(bad[0]));
}

static CU_TestInfo tests[] = {
	{ "counts", test_counts },
	{ "interval_cut", test_interval_cut },
	{ "roundtrip_merge", test_roundtrip_merge },
	{ "load_bad", test_load_bad },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("an_malformed", tests);
}
