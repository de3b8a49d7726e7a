/* analyze/metrics/m_edns.c: EDNS among queries. Expected figures are
 * counted by hand from the messages fed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu_main.h"
#include "metric.h"
#include "rootlens/errcode.h"

extern const metric_ops_t m_edns;
extern const metric_ops_t m_traffic;
#define M m_edns
/* doc_of() adds the "messages" figures load reads the DO share from */
static void add_messages(json_t *f);
#define AN_TEST_DOC_EXTRA(f) add_messages(f)

#include "an_metric_test.h"

/* m_traffic, whose "messages" the load reads the denominator from */
static void *new_traffic(void)
{
	void *st = calloc(1, m_traffic.size);
	CU_ASSERT_FATAL(st != NULL);
	CU_ASSERT_EQUAL_FATAL(m_traffic.init(st, &cfg_total), 0);
	return st;
}

static void free_traffic(void *st)
{
	m_traffic.fini(st);
	free(st);
}

/* qr, have_edns, version, do, udp size, how many */
static const unsigned mix[][6] = {
	{ 0, 1, 0, 1, 4096, 3 },
	{ 0, 1, 0, 1, 1232, 1 },
	{ 0, 1, 0, 0, 1232, 1 },
	{ 0, 1, 1, 0, 512, 1 },  /* EDNS version 1: a probe for BADVERS */
	{ 0, 0, 0, 0, 0, 4 },    /* no OPT */
	{ 1, 1, 0, 1, 1232, 3 }, /* responses: not counted */
};
#define NMIX (sizeof(mix) / sizeof(mix[0]))

static void feed1(void *st, void *traffic, unsigned qr, unsigned edns,
		  unsigned ver, unsigned dobit, unsigned size)
{
	ev_t e;
	ev_init(&e, qr, 0, 0);
	e.m.have_edns = (int)edns;
	e.m.edns_version = (uint8_t)ver;
	e.m.edns_do = (uint8_t)dobit;
	e.m.edns_flags = dobit ? 0x8000 : 0;
	e.m.edns_udpsize = (uint16_t)size;
	M.observe(st, &e.o);
	if (traffic)
		m_traffic.observe(traffic, &e.o);
}

static void feed(void *st, void *traffic, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		for (unsigned k = 0; k < mix[i][5]; k++)
			feed1(st, traffic, mix[i][0], mix[i][1], mix[i][2],
			      mix[i][3], mix[i][4]);
}

static void test_counts(void)
{
	set_cfg();
	void *st = new_state(&cfg_total);
	feed(st, NULL, 0, NMIX);
	json_t *f = emit(st);
	json_t *e = json_object_get(f, "edns");
	/* 6 of 10 queries have OPT, 4 of 10 DO: 40 % */
	json_t *want = json_pack("{s:I,s:I,s:f,s:{s:I,s:I},s:{s:I,s:I,s:I}}",
				 "queries", (json_int_t)6, "do", (json_int_t)4,
				 "do_share_pct", 40.0,
				 "version", "0", (json_int_t)5, "1", (json_int_t)1,
				 "udp_size", "4096", (json_int_t)3, "1232", (json_int_t)2,
				 "512", (json_int_t)1);
	CU_ASSERT(same(e, want));
	json_decref(want);
	json_decref(f);
	free_state(st);
}

static void test_empty(void)
{
	set_cfg();
	void *st = new_state(&cfg_total);
	json_t *f = emit(st);
	char *s = json_dumps(f, JSON_COMPACT);
	CU_ASSERT_STRING_EQUAL(s, "{\"edns\":{\"queries\":0,\"do\":0,\"do_share_pct\":null,"
			       "\"version\":{},\"udp_size\":{}}}");
	free(s);
	json_decref(f);
	free_state(st);
}

/* The DO share's denominator comes back from the "messages" figures. */
static void roundtrip(const an_cfg_t *c, void *st, void *traffic)
{
	json_t *f = emit(st);
	CU_ASSERT_EQUAL(m_traffic.emit(traffic, f), 0);
	void *st2 = new_state(c);
	CU_ASSERT_EQUAL(M.load(st2, f, NULL), 0);
	json_t *g = emit(st2);
	CU_ASSERT(same(json_object_get(f, "edns"), json_object_get(g, "edns")));
	json_decref(f);
	json_decref(g);
	free_state(st2);
}

static void test_roundtrip(void)
{
	set_cfg();
	void *st = new_state(&cfg_total), *tr = new_traffic();
	feed(st, tr, 0, NMIX);
	roundtrip(&cfg_total, st, tr);
	free_state(st);
	free_traffic(tr);
}

static void test_interval_cut(void)
{
	set_cfg();
	void *st = new_state(&cfg_iv), *tr = new_traffic();
	/* 25 sizes, 1000 + i seen i + 1 times: the top 20 are 1024..1005,
	 * "other" holds 1 + 2 + 3 + 4 + 5 = 15. */
	for (unsigned i = 0; i < 25; i++)
		for (unsigned k = 0; k <= i; k++)
			feed1(st, tr, 0, 1, 0, 0, 1000 + i);
	json_t *f = emit(st);
	json_t *u = json_object_get(json_object_get(f, "edns"), "udp_size");
	CU_ASSERT_EQUAL(json_object_size(u), 21);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(u, "other")), 15);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(u, "1024")), 25);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(u, "1005")), 6);
	CU_ASSERT_PTR_NULL(json_object_get(u, "1004"));
	CU_ASSERT_STRING_EQUAL(json_object_iter_key(json_object_iter(u)), "1024");
	json_decref(f);
	/* a cut map reads back with its "other" and cuts to the same */
	roundtrip(&cfg_iv, st, tr);
	free_state(st);
	free_traffic(tr);
}

static void test_merge(void)
{
	set_cfg();
	void *a = new_state(&cfg_total), *b = new_state(&cfg_total),
	     *all = new_state(&cfg_total);
	feed(a, NULL, 0, 3);
	feed(b, NULL, 3, NMIX);
	feed(all, NULL, 0, NMIX);
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
		"{\"edns\":{\"udp_size\":{\"65536\":1}}}",
		"{\"edns\":{\"udp_size\":{\"x\":1}}}",
		"{\"edns\":{\"version\":{\"256\":1}}}",
		"{\"edns\":{\"version\":{\"0\":\"1\"}}}",
		"{\"edns\":[]}",
	};
	set_cfg();
	check_load_bad(bad, sizeof(bad) / sizeof(bad[0]));
}

/* The message list: queries with OPT (40 UDP sizes, 5 versions, DO on
 * some) and responses (not counted); shuffled with a fixed xorshift.
 * Every query has OPT, so the DO share's denominator, which load reads
 * from m_traffic's "messages", is the edns "queries" figure: doc_of()
 * writes it there. */
typedef struct msg {
	uint8_t qr, ver, dobit;
	uint16_t size;
} msg_t;
static msg_t msgs[600];
static size_t nmsgs;

static void make_msgs(void)
{
	nmsgs = 0;
	for (unsigned i = 0; i < 40; i++)
		for (unsigned k = 0; k <= i % 6; k++)
			msgs[nmsgs++] = (msg_t){ (uint8_t)(k == 3), (uint8_t)(i % 5 == 0 ? i % 4 : 0),
						 (uint8_t)(k & 1), (uint16_t)(512 + 37 * i) };
	uint64_t x = 0x9E3779B97F4A7C15ull;
	for (size_t i = nmsgs - 1; i > 0; i--) {
		size_t j = (size_t)(xs(&x) % (i + 1));
		msg_t t = msgs[i];
		msgs[i] = msgs[j];
		msgs[j] = t;
	}
}

static void feed_range(void *st, size_t from, size_t to, int reverse)
{
	for (size_t i = from; i < to; i++) {
		const msg_t *m = &msgs[reverse ? to - 1 - (i - from) : i];
		feed1(st, NULL, m->qr, 1, m->ver, m->dobit, m->size);
	}
}

static void add_messages(json_t *f)
{
	json_t *q = json_object_get(json_object_get(f, "edns"), "queries");
	json_object_set_new(f, "messages",
			    json_pack("{s:{s:{s:O}}}", "queries", "udp", "ipv4", q));
}

static void test_order_free(void)
{
	set_cfg();
	make_msgs();
	an_cfg_t c = cfg_total;
	json_t *want = check_order_free(&c, feed_range, nmsgs);
	CU_ASSERT_EQUAL(json_object_size(json_object_get(want, "s")), 0);
	json_t *tf = json_incref(json_object_get(json_object_get(want, "f"), "edns"));
	json_decref(want);

	c = cfg_iv;
	c.map_topk_interval = 3;
	want = check_order_free(&c, feed_range, nmsgs);
	const json_t *f = json_object_get(json_object_get(want, "f"), "edns"),
		     *sk = json_object_get(want, "s");
	CU_ASSERT_EQUAL(json_object_size(sk), 2); /* version and udp_size */
	check_cut_and_full(f, sk, "version", 3, json_object_get(tf, "version"));
	check_cut_and_full(f, sk, "udp_size", 3, json_object_get(tf, "udp_size"));
	CU_ASSERT(json_equal(json_object_get(f, "do_share_pct"),
			     json_object_get(tf, "do_share_pct")));
	json_decref(want);
	json_decref(tf);
}

static void test_load_sketch(void)
{
	set_cfg();
	json_t *f = json_loads("{\"edns\":{\"queries\":3,\"udp_size\":{\"512\":1,\"other\":2}}}",
			       0, NULL);
	json_t *sk = json_loads("{\"udp_size\":[]}", 0, NULL);
	void *st = new_state(&cfg_iv);
	CU_ASSERT_EQUAL(M.load(st, f, sk), DW_EFORMAT);
	free_state(st);
	json_decref(sk);
	an_kv_t kv[] = { { "512", 1 }, { "1232", 1 }, { "4096", 1 } };
	sk = json_pack("{s:o}", "udp_size", an_map_pack(kv, 3));
	st = new_state(&cfg_iv);
	CU_ASSERT_EQUAL(M.load(st, f, sk), 0);
	json_t *g = emit(st);
	char *s = json_dumps(json_object_get(json_object_get(g, "edns"), "udp_size"),
			     JSON_COMPACT);
	CU_ASSERT_STRING_EQUAL(s, "{\"1232\":1,\"4096\":1,\"512\":1}");
	free(s);
	json_decref(g);
	free_state(st);
	json_decref(sk);
	an_kv_t bad[] = { { "70000", 1 } };
	sk = json_pack("{s:o}", "udp_size", an_map_pack(bad, 1));
	st = new_state(&cfg_iv);
	CU_ASSERT_EQUAL(M.load(st, f, sk), DW_EFORMAT);
	free_state(st);
	json_decref(sk);
	json_decref(f);
}

static CU_TestInfo tests[] = {
	{ "counts", test_counts },
	{ "empty", test_empty },
	{ "roundtrip", test_roundtrip },
	{ "interval_cut", test_interval_cut },
	{ "merge", test_merge },
	{ "load_bad", test_load_bad },
	{ "order_free", test_order_free },
	{ "load_sketch", test_load_sketch },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("an_edns", tests);
}
