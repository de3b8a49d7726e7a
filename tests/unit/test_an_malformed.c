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

/* ---- shared scaffolding (each test file has its own copy: tests stand
 * alone, one file per module) ------------------------------------------ */
static an_cfg_t cfg_total, cfg_iv;

static void set_cfg(void)
{
	memset(&cfg_total, 0, sizeof(cfg_total));
	cfg_total.interval_s = 60;
	cfg_total.map_topk_interval = 20;
	cfg_total.tld_other_cap = 1000;
	cfg_total.tld_other_cap_interval = 1000;
	cfg_total.scope = AN_SCOPE_TOTAL;
	cfg_iv = cfg_total;
	cfg_iv.scope = AN_SCOPE_INTERVAL;
}

static void *new_state(const an_cfg_t *c)
{
	void *st = calloc(1, M.size);
	CU_ASSERT_FATAL(st != NULL);
	CU_ASSERT_EQUAL_FATAL(M.init(st, c), 0);
	return st;
}

static void free_state(void *st)
{
	M.fini(st);
	free(st);
}

static json_t *emit(const void *st)
{
	json_t *f = json_object();
	CU_ASSERT_EQUAL(M.emit(st, f), 0);
	json_t *sk = json_object();
	CU_ASSERT_EQUAL(M.save(st, sk), 0);
	json_decref(sk);
	return f;
}

/* Same content and the same key order. */
static int same(json_t *a, json_t *b)
{
	char *x = json_dumps(a, JSON_COMPACT), *y = json_dumps(b, JSON_COMPACT);
	int eq = x && y && strcmp(x, y) == 0 && json_equal(a, b);
	if (!eq)
		fprintf(stderr, "\n  %s\n  %s\n", x, y);
	free(x);
	free(y);
	return eq;
}

/* One message: a header-only query/response the test then adjusts. */
typedef struct ev {
	nl_dns_t p;
	dw_msg_t m;
	an_obs_t o;
} ev_t;

static void ev_init(ev_t *e, unsigned qr, unsigned tr, unsigned v6)
{
	memset(e, 0, sizeof(*e));
	e->p.transport = tr ? NL_TCP : NL_UDP;
	e->p.ipver = v6 ? 6 : 4;
	e->p.len = e->p.wire_len = 40;
	e->m.len = 40;
	e->m.have_header = 1;
	e->m.qr = (uint8_t)qr;
	e->o.pkt = &e->p;
	e->o.msg = &e->m;
	e->o.tr = tr;
	e->o.v6 = v6;
}

/* load(emit(st)) in a fresh state emits the same figures. */
static void check_roundtrip(const void *st, const an_cfg_t *c)
{
	json_t *a = emit(st);
	void *st2 = new_state(c);
	CU_ASSERT_EQUAL(M.load(st2, a, NULL), 0);
	json_t *b = emit(st2);
	CU_ASSERT(same(a, b));
	json_decref(a);
	json_decref(b);
	free_state(st2);
}
/* ---- end of scaffolding ------------------------------------------------ */

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
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		void *st = new_state(&cfg_total);
		json_t *f = json_loads(bad[i], 0, NULL);
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		CU_ASSERT_EQUAL(M.load(st, f, NULL), DW_EFORMAT);
		json_decref(f);
		free_state(st);
	}
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
