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
