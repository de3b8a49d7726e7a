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

/* ---- end of scaffolding ------------------------------------------------ */

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
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		void *st = new_state(&cfg_total);
		json_t *f = json_loads(bad[i], 0, NULL);
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		CU_ASSERT_EQUAL(M.load(st, f, NULL), DW_EFORMAT);
		json_decref(f);
		free_state(st);
	}
}

static uint64_t xs(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
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
#define NMSGS nmsgs

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
#define FEED feed_range

static void add_messages(json_t *f)
{
	json_t *q = json_object_get(json_object_get(f, "edns"), "queries");
	json_object_set_new(f, "messages",
			    json_pack("{s:{s:{s:O}}}", "queries", "udp", "ipv4", q));
}
#define EXTRA_EMIT(f) add_messages(f)

/* ---- order independence and exactness (packed sketches) --------------- */

/* {"f": figures, "s": sketch} of a state: everything a document holds. */
static json_t *doc_of(const void *st)
{
	json_t *f = json_object(), *sk = json_object();
	CU_ASSERT_EQUAL(M.emit(st, f), 0);
	CU_ASSERT_EQUAL(M.save(st, sk), 0);
	EXTRA_EMIT(f);
	return json_pack("{s:o,s:o}", "f", f, "s", sk);
}

/* A fresh state loaded from a document, as merge does it. */
static void *load_doc(const json_t *d, const an_cfg_t *c)
{
	void *st = new_state(c);
	CU_ASSERT_EQUAL(M.load(st, json_object_get(d, "f"), json_object_get(d, "s")), 0);
	return st;
}

static void merge_doc(void *dst, const json_t *d, const an_cfg_t *c)
{
	void *st = load_doc(d, c);
	CU_ASSERT_EQUAL(M.merge(dst, st), 0);
	free_state(st);
}

/*
 * The message list whole, forwards and backwards, and in three slices
 * merged as a b c, c b a, b c a from states and from documents
 * (load(emit + save)), and grouped (a b) c, a (b c), (c a) b through
 * documents: every document identical to the whole's, which comes back.
 */
static json_t *check_order_free(const an_cfg_t *c)
{
	size_t cut[4] = { 0, NMSGS / 3, NMSGS / 3 + NMSGS / 4, NMSGS };
	void *whole = new_state(c), *rev = new_state(c);
	FEED(whole, 0, NMSGS, 0);
	FEED(rev, 0, NMSGS, 1);
	json_t *want = doc_of(whole), *d = doc_of(rev);
	CU_ASSERT(same(want, d));
	json_decref(d);
	free_state(rev);

	void *p[3];
	json_t *pd[3];
	for (int i = 0; i < 3; i++) {
		p[i] = new_state(c);
		FEED(p[i], cut[i], cut[i + 1], i == 1);
		pd[i] = doc_of(p[i]);
	}
	static const int order[][3] = { { 0, 1, 2 }, { 2, 1, 0 }, { 1, 2, 0 } };
	for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++) {
		void *acc = new_state(c);
		for (int i = 0; i < 3; i++)
			CU_ASSERT_EQUAL(M.merge(acc, p[order[o][i]]), 0);
		d = doc_of(acc);
		CU_ASSERT(same(want, d));
		json_decref(d);
		free_state(acc);
		acc = load_doc(pd[order[o][0]], c);
		merge_doc(acc, pd[order[o][1]], c);
		merge_doc(acc, pd[order[o][2]], c);
		d = doc_of(acc);
		CU_ASSERT(same(want, d));
		json_decref(d);
		free_state(acc);
	}
	static const int grp[][3] = { { 0, 1, 2 }, { 1, 2, 0 }, { 2, 0, 1 } };
	for (size_t g = 0; g < sizeof(grp) / sizeof(grp[0]); g++) {
		void *ab = load_doc(pd[grp[g][0]], c);
		merge_doc(ab, pd[grp[g][1]], c);
		json_t *abd = doc_of(ab);
		void *acc;
		if (g == 1) {
			acc = load_doc(pd[grp[g][2]], c);
			merge_doc(acc, abd, c);
		} else {
			acc = load_doc(abd, c);
			merge_doc(acc, pd[grp[g][2]], c);
		}
		d = doc_of(acc);
		CU_ASSERT(same(want, d));
		json_decref(d);
		json_decref(abd);
		free_state(acc);
		free_state(ab);
	}
	void *rt = load_doc(want, c);
	d = doc_of(rt);
	CU_ASSERT(same(want, d));
	json_decref(d);
	free_state(rt);
	for (int i = 0; i < 3; i++) {
		json_decref(pd[i]);
		free_state(p[i]);
	}
	free_state(whole);
	return want;
}

/* Map @p key cut in the figures @p f to topk keys + "other"; the sketch
 * @p sk holds the full map, equal to @p full (the totals-scope figures). */
static void check_cut_and_full(const json_t *f, const json_t *sk, const char *key,
			       unsigned topk, const json_t *full)
{
	CU_ASSERT_EQUAL(json_object_size(json_object_get(f, key)), topk + 1);
	json_t *m;
	CU_ASSERT_EQUAL(an_map_load(sk, key, &m), 0);
	CU_ASSERT_FATAL(m != NULL);
	CU_ASSERT(json_equal(m, full));
	/* top keys exact, "other" the rest */
	uint64_t tot = 0, top = 0;
	const char *k;
	json_t *v;
	json_object_foreach(m, k, v)
		tot += (uint64_t)json_integer_value(v);
	json_object_foreach((json_t *)(uintptr_t)json_object_get(f, key), k, v) {
		if (strcmp(k, "other") == 0)
			continue;
		CU_ASSERT(json_equal(v, json_object_get(m, k)));
		top += (uint64_t)json_integer_value(v);
	}
	CU_ASSERT_EQUAL((uint64_t)json_integer_value(json_object_get(json_object_get(f, key),
								      "other")), tot - top);
	json_decref(m);
}

static void test_order_free(void)
{
	set_cfg();
	make_msgs();
	an_cfg_t c = cfg_total;
	json_t *want = check_order_free(&c);
	CU_ASSERT_EQUAL(json_object_size(json_object_get(want, "s")), 0);
	json_t *tf = json_incref(json_object_get(json_object_get(want, "f"), "edns"));
	json_decref(want);

	c = cfg_iv;
	c.map_topk_interval = 3;
	want = check_order_free(&c);
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
