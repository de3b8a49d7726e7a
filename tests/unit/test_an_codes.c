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

#include "an_metric_test.h"

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
	check_load_bad(bad, sizeof(bad) / sizeof(bad[0]));
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

static void test_order_free(void)
{
	set_cfg();
	make_msgs();
	an_cfg_t c = cfg_total;
	json_t *want = check_order_free(&c, feed_range, nmsgs);
	CU_ASSERT_EQUAL(json_object_size(json_object_get(want, "s")), 0);
	json_t *tf = json_incref(json_object_get(want, "f"));
	json_decref(want);

	c = cfg_iv;
	c.map_topk_interval = 3;
	want = check_order_free(&c, feed_range, nmsgs);
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
