/* analyze/metrics/m_codes.c: qtype, rcode (extended included), opcode.
 * Expected figures are counted by hand from the messages fed; mnemonics
 * are the IANA registry's. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu_main.h"
#include "metric.h"
#include "rootlens/errcode.h"

extern const metric_ops_t m_codes;
#define M m_codes

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

static void query(void *st, uint8_t opcode, int have_q, uint16_t qtype)
{
	ev_t e;
	ev_init(&e, 0, 0, 0);
	e.m.opcode = opcode;
	e.m.have_question = have_q;
	e.m.qtype = qtype;
	e.m.qclass = 1;
	M.observe(st, &e.o);
}

static void response(void *st, int have_edns, uint8_t rcode, uint16_t full)
{
	ev_t e;
	ev_init(&e, 1, 0, 0);
	e.m.have_question = 1;
	e.m.qtype = 1; /* responses do not count in qtype */
	e.m.have_edns = have_edns;
	e.m.rcode = rcode;
	e.m.rcode_full = full;
	e.m.edns_ext_rcode = (uint8_t)(full >> 4);
	M.observe(st, &e.o);
}

static void feed_a(void *st)
{
	for (int i = 0; i < 5; i++)
		query(st, 0, 1, 1);     /* A */
	for (int i = 0; i < 3; i++)
		query(st, 0, 1, 28);    /* AAAA */
	query(st, 0, 1, 48);            /* DNSKEY */
	query(st, 0, 1, 48);
	query(st, 0, 1, 65534);         /* TYPE65534 (RFC 3597) */
	query(st, 0, 0, 0);             /* no question: opcode only */
}

static void feed_b(void *st)
{
	query(st, 4, 1, 6);             /* NOTIFY for SOA */
	query(st, 3, 0, 0);             /* unassigned opcode 3 */
	for (int i = 0; i < 4; i++)
		response(st, 0, 0, 0);  /* NOERROR */
	response(st, 0, 3, 3);          /* NXDOMAIN */
	response(st, 0, 3, 0x123);      /* no OPT: rcode_full ignored */
	response(st, 1, 0, 16);         /* BADVERS: ext 1, header 0 (RFC 6891 9) */
	response(st, 1, 14, 30);        /* ext 1, header 14: unassigned */
}

static void test_counts(void)
{
	set_cfg();
	void *st = new_state(&cfg_total);
	feed_a(st);
	feed_b(st);
	json_t *f = emit(st);
	char *s = json_dumps(f, JSON_COMPACT);
	CU_ASSERT_STRING_EQUAL(s, "{\"qtype\":{\"A\":5,\"AAAA\":3,\"DNSKEY\":2,\"SOA\":1,"
			       "\"TYPE65534\":1},"
			       "\"rcode\":{\"NOERROR\":4,\"NXDOMAIN\":2,\"BADVERS\":1,\"RCODE30\":1},"
			       "\"opcode\":{\"QUERY\":12,\"NOTIFY\":1,\"OPCODE3\":1}}");
	free(s);
	json_decref(f);
	free_state(st);
}

static void test_interval_cut(void)
{
	set_cfg();
	void *st = new_state(&cfg_iv);
	/* types 1..25, type t seen t times: top 20 are 25..6, other 1+..+5 */
	for (uint16_t t = 1; t <= 25; t++)
		for (int k = 0; k < t; k++)
			query(st, 0, 1, t);
	json_t *f = emit(st);
	json_t *q = json_object_get(f, "qtype");
	CU_ASSERT_EQUAL(json_object_size(q), 21);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(q, "other")), 15);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(q, "SIG")), 24);  /* 24 */
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(q, "AAAA")), 0); /* 28: absent */
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(q, "WKS")), 11);
	CU_ASSERT_PTR_NULL(json_object_get(q, "CNAME")); /* 5: in other */
	/* the opcode map has one key: not cut */
	CU_ASSERT_EQUAL(json_object_size(json_object_get(f, "opcode")), 1);
	json_decref(f);
	check_roundtrip(st, &cfg_iv);
	free_state(st);
}

/* Every code once: each name the emitter writes reads back to its code. */
static void test_all_codes(void)
{
	set_cfg();
	void *st = new_state(&cfg_total);
	for (unsigned t = 0; t < 65536; t++)
		query(st, (uint8_t)(t & 15), 1, (uint16_t)t);
	for (unsigned r = 0; r < 4096; r++)
		response(st, 1, (uint8_t)(r & 15), (uint16_t)r);
	json_t *f = emit(st);
	CU_ASSERT_EQUAL(json_object_size(json_object_get(f, "qtype")), 65536);
	CU_ASSERT_EQUAL(json_object_size(json_object_get(f, "rcode")), 4096);
	CU_ASSERT_EQUAL(json_object_size(json_object_get(f, "opcode")), 16);
	json_decref(f);
	check_roundtrip(st, &cfg_total);
	free_state(st);
}

static void test_roundtrip(void)
{
	set_cfg();
	void *st = new_state(&cfg_total);
	check_roundtrip(st, &cfg_total);
	feed_a(st);
	feed_b(st);
	check_roundtrip(st, &cfg_total);
	free_state(st);
}

static void test_load_numeric(void)
{
	/* RFC 3597 forms of named codes are accepted and fold into the name */
	set_cfg();
	void *st = new_state(&cfg_total);
	json_t *f = json_loads("{\"qtype\":{\"TYPE1\":2,\"A\":3},\"rcode\":{\"RCODE16\":1},"
			       "\"opcode\":{\"OPCODE0\":4}}", 0, NULL);
	CU_ASSERT_EQUAL(M.load(st, f, NULL), 0);
	json_decref(f);
	f = emit(st);
	char *s = json_dumps(f, JSON_COMPACT);
	CU_ASSERT_STRING_EQUAL(s, "{\"qtype\":{\"A\":5},\"rcode\":{\"BADVERS\":1},"
			       "\"opcode\":{\"QUERY\":4}}");
	free(s);
	json_decref(f);
	free_state(st);
}

static void test_merge(void)
{
	set_cfg();
	void *a = new_state(&cfg_total), *b = new_state(&cfg_total),
	     *all = new_state(&cfg_total);
	feed_a(a);
	feed_b(b);
	feed_a(all);
	feed_b(all);
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
		"{\"qtype\":{\"BOGUS\":1}}",
		"{\"qtype\":{\"TYPE65536\":1}}",
		"{\"qtype\":{\"TYPE\":1}}",
		"{\"qtype\":{\"A\":-1}}",
		"{\"rcode\":{\"RCODE4096\":1}}",
		"{\"rcode\":{\"A\":1}}",
		"{\"opcode\":{\"OPCODE16\":1}}",
		"{\"opcode\":[]}",
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

/* The message list: queries of 30 types (type t about 1 + t % 9 times),
 * 9 opcodes, responses with 12 rcodes (extended ones included); shuffled
 * with a fixed xorshift. kind 0 query (a, b: opcode, qtype), 1 response
 * (a: have_edns, b: rcode_full). */
typedef struct msg {
	uint8_t kind, a;
	uint16_t b;
} msg_t;
static msg_t msgs[600];
static size_t nmsgs;
#define NMSGS nmsgs
#define EXTRA_EMIT(f) (void)(f)

static void make_msgs(void)
{
	nmsgs = 0;
	for (uint16_t t = 1; t <= 30; t++)
		for (int k = 0; k <= t % 9; k++)
			msgs[nmsgs++] = (msg_t){ 0, (uint8_t)((t + k) % 9 == 0 ? t % 7 : 0),
						 (uint16_t)(t < 25 ? t : 65500 + t) };
	for (uint16_t r = 0; r < 12; r++)
		for (int k = 0; k <= r % 5; k++)
			msgs[nmsgs++] = (msg_t){ 1, (uint8_t)(r >= 10), (uint16_t)(r < 10 ? r : 6 + r) };
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
		if (m->kind == 0)
			query(st, m->a, 1, m->b);
		else
			response(st, m->a, (uint8_t)(m->b & 15), m->b);
	}
}
#define FEED feed_range

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
	json_t *tf = json_incref(json_object_get(want, "f"));
	json_decref(want);

	c = cfg_iv;
	c.map_topk_interval = 3;
	want = check_order_free(&c);
	const json_t *f = json_object_get(want, "f"), *sk = json_object_get(want, "s");
	CU_ASSERT_EQUAL(json_object_size(sk), 3);
	static const char *const key[3] = { "qtype", "rcode", "opcode" };
	for (int i = 0; i < 3; i++)
		check_cut_and_full(f, sk, key[i], 3, json_object_get(tf, key[i]));
	json_decref(want);

	/* a map with no more keys than the cut is not saved */
	c.map_topk_interval = 9;
	void *st = new_state(&c);
	feed_range(st, 0, nmsgs, 0);
	want = doc_of(st);
	sk = json_object_get(want, "s");
	CU_ASSERT_PTR_NOT_NULL(json_object_get(sk, "qtype"));
	CU_ASSERT_PTR_NULL(json_object_get(sk, "opcode"));
	json_decref(want);
	free_state(st);
	json_decref(tf);
}

static void test_load_sketch(void)
{
	set_cfg();
	json_t *f = json_loads("{\"qtype\":{\"A\":5,\"other\":3}}", 0, NULL);
	json_t *sk = json_loads("{\"qtype\":\"AAAA\"}", 0, NULL);
	void *st = new_state(&cfg_iv);
	CU_ASSERT_EQUAL(M.load(st, f, sk), DW_EFORMAT);
	free_state(st);
	json_decref(sk);
	/* the full map wins over the figures; its keys are checked the same */
	an_kv_t kv[] = { { "A", 5 }, { "NS", 2 }, { "TYPE65534", 1 } };
	sk = json_pack("{s:o}", "qtype", an_map_pack(kv, 3));
	st = new_state(&cfg_iv);
	CU_ASSERT_EQUAL(M.load(st, f, sk), 0);
	json_t *g = emit(st);
	char *s = json_dumps(json_object_get(g, "qtype"), JSON_COMPACT);
	CU_ASSERT_STRING_EQUAL(s, "{\"A\":5,\"NS\":2,\"TYPE65534\":1}");
	free(s);
	json_decref(g);
	free_state(st);
	json_decref(sk);
	an_kv_t bad[] = { { "BOGUS", 1 } };
	sk = json_pack("{s:o}", "rcode", an_map_pack(bad, 1));
	st = new_state(&cfg_iv);
	CU_ASSERT_EQUAL(M.load(st, f, sk), DW_EFORMAT);
	free_state(st);
	json_decref(sk);
	json_decref(f);
}

static CU_TestInfo tests[] = {
	{ "counts", test_counts },
	{ "interval_cut", test_interval_cut },
	{ "all_codes", test_all_codes },
	{ "roundtrip", test_roundtrip },
	{ "load_numeric", test_load_numeric },
	{ "merge", test_merge },
	{ "load_bad", test_load_bad },
	{ "order_free", test_order_free },
	{ "load_sketch", test_load_sketch },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("an_codes", tests);
}
