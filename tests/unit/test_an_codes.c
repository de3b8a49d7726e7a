/* analyze/metrics/m_codes.c: qtype, rcode (extended included), opcode.
 * Expected figures are counted by hand from the messages fed; mnemonics
 * are the IANA registry's. */
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

static CU_TestInfo tests[] = {
	{ "counts", test_counts },
	{ "interval_cut", test_interval_cut },
	{ "all_codes", test_all_codes },
	{ "roundtrip", test_roundtrip },
	{ "load_numeric", test_load_numeric },
	{ "merge", test_merge },
	{ "load_bad", test_load_bad },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("an_codes", tests);
}
