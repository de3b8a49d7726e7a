/* analyze/metrics/m_tld.c and analyze/tld_table.c: queries by TLD, DNSKEY
 * queries by TLD, priming queries. Expected figures are counted by hand
 * from the messages fed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu_main.h"
#include "metric.h"
#include "rootlens/errcode.h"
#include "tld_table.h"

extern const metric_ops_t m_tld;
#define M m_tld

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

/* A query for a name under @p tld (NULL: no question); "." is the root
 * name itself. */
static void query(void *st, const char *tld, uint16_t qtype, uint16_t qclass)
{
	ev_t e;
	ev_init(&e, 0, 0, 0);
	if (tld != NULL) {
		e.m.have_question = 1;
		e.m.qtype = qtype;
		e.m.qclass = qclass;
		if (strcmp(tld, ".") == 0) {
			e.m.qname_len = 1; /* the root label only */
		} else {
			size_t n = strlen(tld);
			e.m.qname[0] = (uint8_t)n;
			memcpy(e.m.qname + 1, tld, n);
			e.m.qname_len = (uint8_t)(n + 2);
		}
	}
	e.o.tld = tld;
	M.observe(st, &e.o);
}

static void feed_a(void *st)
{
	query(st, ".", 2, 1);          /* priming (RFC 8109) */
	query(st, ".", 2, 1);
	query(st, ".", 1, 1);          /* root, but A */
	query(st, ".", 2, 3);          /* root NS, class CH: not priming */
	query(st, "com", 1, 1);
	query(st, "com", 1, 1);
	query(st, "com", 28, 1);
	query(st, "com", 48, 1);       /* DNSKEY */
}

static void feed_b(void *st)
{
	query(st, "net", 1, 1);
	query(st, "net", 1, 1);
	query(st, "xn--p1ai", 48, 1); /* .рф, an IDN TLD as its A-label */
	query(st, "local", 1, 1);     /* not delegated */
	query(st, "local", 6, 1);
	query(st, "corp", 48, 1);
	query(st, "other", 1, 1);     /* a TLD spelled "other" goes to other */
	query(st, NULL, 0, 0);        /* no question: not counted */
	ev_t e;                       /* a response: not counted */
	ev_init(&e, 1, 0, 0);
	e.m.have_question = 1;
	e.m.qtype = 48;
	e.o.tld = "com";
	M.observe(st, &e.o);
}

static void test_table(void)
{
	CU_ASSERT(AN_TLD_COUNT > 1000);
	for (int i = 0; i < AN_TLD_COUNT; i++) {
		const char *s = an_tld_names[i];
		size_t n = strlen(s);
		CU_ASSERT_EQUAL(an_tld_find(s, n, an_tld_hash(s, n)), i);
		if (i > 0)
			CU_ASSERT(strcmp(an_tld_names[i - 1], s) < 0);
	}
	static const char *const in[] = { ".", "com", "net", "org", "arpa", "de",
					  "xn--p1ai", "xn--fiqs8s", "co" };
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		size_t n = strlen(in[i]);
		CU_ASSERT(an_tld_find(in[i], n, an_tld_hash(in[i], n)) >= 0);
	}
	static const char *const out[] = { "", "local", "home", "corp", "comm",
					   "COM", "lan", "other", "xn--" };
	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
		size_t n = strlen(out[i]);
		CU_ASSERT_EQUAL(an_tld_find(out[i], n, an_tld_hash(out[i], n)), -1);
	}
}

static void test_counts(void)
{
	set_cfg();
	void *st = new_state(&cfg_total);
	feed_a(st);
	feed_b(st);
	json_t *f = emit(st);
	char *s = json_dumps(f, JSON_COMPACT);
	CU_ASSERT_STRING_EQUAL(s, "{\"queries_by_tld\":{\".\":4,\"com\":4,\"local\":2,\"net\":2,"
			       "\"corp\":1,\"xn--p1ai\":1,\"other\":1},"
			       "\"dnskey_by_tld\":{\"com\":1,\"corp\":1,\"xn--p1ai\":1},"
			       "\"priming_queries\":2}");
	free(s);
	json_decref(f);
	free_state(st);
}

static void test_cap(void)
{
	set_cfg();
	an_cfg_t c = cfg_total;
	c.tld_other_cap = 3;
	void *st = new_state(&c);
	query(st, "a1", 1, 1);
	query(st, "a2", 1, 1);
	query(st, "a3", 48, 1);        /* table now full */
	query(st, "a4", 1, 1);         /* -> other */
	query(st, "a5", 48, 1);        /* -> other, DNSKEY other too */
	query(st, "a1", 1, 1);         /* already kept: still exact */
	query(st, "org", 1, 1);        /* root-zone TLDs never compete */
	char longtld[80];
	memset(longtld, 'x', 64);      /* longer than a label: other */
	longtld[64] = '\0';
	query(st, longtld, 1, 1);
	json_t *f = emit(st);
	char *s = json_dumps(f, JSON_COMPACT);
	CU_ASSERT_STRING_EQUAL(s, "{\"queries_by_tld\":{\"a1\":2,\"a2\":1,\"a3\":1,\"org\":1,"
			       "\"other\":3},\"dnskey_by_tld\":{\"a3\":1,\"other\":1},"
			       "\"priming_queries\":0}");
	free(s);
	json_decref(f);
	check_roundtrip(st, &c);
	free_state(st);

	/* cap 0: every non-root-zone name is "other" */
	c.tld_other_cap = 0;
	st = new_state(&c);
	query(st, "a1", 1, 1);
	query(st, "com", 1, 1);
	f = emit(st);
	s = json_dumps(json_object_get(f, "queries_by_tld"), JSON_COMPACT);
	CU_ASSERT_STRING_EQUAL(s, "{\"com\":1,\"other\":1}");
	free(s);
	json_decref(f);
	free_state(st);
}

static void test_interval_cut(void)
{
	set_cfg();
	void *st = new_state(&cfg_iv);
	/* an_tld_names[1..25], the i-th seen i times, DNSKEY for the first
	 * 3 each: the top 20 are 25..6, "other" 1+2+3+4+5 = 15 */
	for (int i = 1; i <= 25; i++)
		for (int k = 0; k < i; k++)
			query(st, an_tld_names[i], k < 3 ? 48 : 1, 1);
	json_t *f = emit(st);
	json_t *q = json_object_get(f, "queries_by_tld");
	CU_ASSERT_EQUAL(json_object_size(q), 21);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(q, "other")), 15);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(q, an_tld_names[25])), 25);
	CU_ASSERT_PTR_NULL(json_object_get(q, an_tld_names[5]));
	/* DNSKEY: 1, 2, then 3 each for 23 names: "other" = 3 * 3 */
	json_t *d = json_object_get(f, "dnskey_by_tld");
	CU_ASSERT_EQUAL(json_object_size(d), 21);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(d, "other")), 1 + 2 + 3 * 3);
	json_decref(f);
	check_roundtrip(st, &cfg_iv);
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

static void test_merge(void)
{
	set_cfg();
	void *a = new_state(&cfg_total), *b = new_state(&cfg_total),
	     *all = new_state(&cfg_total);
	feed_a(a);
	feed_b(a);
	feed_b(b);
	query(b, "home", 1, 1);
	feed_a(all);
	feed_b(all);
	feed_b(all);
	query(all, "home", 1, 1);
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
		"{\"queries_by_tld\":{\"com\":-1}}",
		"{\"queries_by_tld\":{\"com\":\"1\"}}",
		"{\"dnskey_by_tld\":[]}",
		"{\"priming_queries\":\"x\"}",
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
	{ "table", test_table },
	{ "counts", test_counts },
	{ "cap", test_cap },
	{ "interval_cut", test_interval_cut },
	{ "roundtrip", test_roundtrip },
	{ "merge", test_merge },
	{ "load_bad", test_load_bad },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("an_tld", tests);
}
