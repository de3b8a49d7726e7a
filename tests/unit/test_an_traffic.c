/* analyze/metrics/m_traffic.c: messages by direction, transport and IP
 * version; the TCP/UDP query ratio; TC responses. Expected figures are
 * counted by hand from the messages fed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu_main.h"
#include "metric.h"
#include "rootlens/errcode.h"

extern const metric_ops_t m_traffic;
#define M m_traffic

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

static json_int_t at(json_t *f, const char *dir, const char *tr, const char *ip)
{
	return json_integer_value(json_object_get(
		json_object_get(json_object_get(json_object_get(f, "messages"), dir), tr), ip));
}

/* qr, tr, v6, tc, how many */
static const unsigned mix[][5] = {
	{ 0, 0, 0, 0, 5 }, /* UDP IPv4 queries */
	{ 0, 0, 1, 0, 3 }, /* UDP IPv6 queries */
	{ 0, 1, 0, 0, 1 }, /* TCP IPv4 query */
	{ 0, 1, 1, 0, 1 }, /* TCP IPv6 query */
	{ 1, 0, 0, 0, 3 }, /* UDP IPv4 responses */
	{ 1, 0, 0, 1, 1 }, /* ... one truncated */
	{ 1, 0, 1, 1, 2 }, /* UDP IPv6 responses, truncated */
	{ 1, 1, 0, 0, 1 }, /* TCP IPv4 response */
	{ 0, 0, 0, 1, 4 }, /* TC set in a query: not a TC response */
};
#define NMIX (sizeof(mix) / sizeof(mix[0]))

static void feed(void *st, size_t from, size_t to)
{
	ev_t e;
	for (size_t i = from; i < to; i++)
		for (unsigned k = 0; k < mix[i][4]; k++) {
			ev_init(&e, mix[i][0], mix[i][1], mix[i][2]);
			e.m.tc = (uint8_t)mix[i][3];
			M.observe(st, &e.o);
		}
}

static void test_counts(void)
{
	set_cfg();
	void *st = new_state(&cfg_total);
	feed(st, 0, NMIX);
	json_t *f = emit(st);
	CU_ASSERT_EQUAL(at(f, "queries", "udp", "ipv4"), 9);
	CU_ASSERT_EQUAL(at(f, "queries", "udp", "ipv6"), 3);
	CU_ASSERT_EQUAL(at(f, "queries", "tcp", "ipv4"), 1);
	CU_ASSERT_EQUAL(at(f, "queries", "tcp", "ipv6"), 1);
	CU_ASSERT_EQUAL(at(f, "responses", "udp", "ipv4"), 4);
	CU_ASSERT_EQUAL(at(f, "responses", "udp", "ipv6"), 2);
	CU_ASSERT_EQUAL(at(f, "responses", "tcp", "ipv4"), 1);
	CU_ASSERT_EQUAL(at(f, "responses", "tcp", "ipv6"), 0);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(f, "tc_responses")), 3);
	/* 2 TCP / 12 UDP = 16.6666... % */
	CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(f, "tcp_udp_query_ratio_pct")),
			       16.6667, 1e-9);
	/* layout and order as doc/stats-json.md */
	char *s = json_dumps(f, JSON_COMPACT | JSON_REAL_PRECISION(10));
	CU_ASSERT_STRING_EQUAL(s, "{\"messages\":{\"queries\":{\"udp\":{\"ipv4\":9,\"ipv6\":3},"
			       "\"tcp\":{\"ipv4\":1,\"ipv6\":1}},\"responses\":{\"udp\":"
			       "{\"ipv4\":4,\"ipv6\":2},\"tcp\":{\"ipv4\":1,\"ipv6\":0}}},"
			       "\"tcp_udp_query_ratio_pct\":16.6667,"
			       "\"tc_responses\":3}");
	free(s);
	json_decref(f);
	free_state(st);
}

static void test_ratio_null(void)
{
	set_cfg();
	void *st = new_state(&cfg_total);
	json_t *f = emit(st);
	CU_ASSERT(json_is_null(json_object_get(f, "tcp_udp_query_ratio_pct")));
	CU_ASSERT_EQUAL(at(f, "queries", "udp", "ipv4"), 0);
	json_decref(f);
	/* TCP queries only: still no UDP to compare with */
	feed(st, 2, 4);
	f = emit(st);
	CU_ASSERT(json_is_null(json_object_get(f, "tcp_udp_query_ratio_pct")));
	json_decref(f);
	free_state(st);
}

static void test_roundtrip(void)
{
	set_cfg();
	void *st = new_state(&cfg_total);
	check_roundtrip(st, &cfg_total); /* empty */
	feed(st, 0, NMIX);
	check_roundtrip(st, &cfg_total);
	free_state(st);
	st = new_state(&cfg_iv);
	feed(st, 0, NMIX);
	check_roundtrip(st, &cfg_iv);
	free_state(st);
}

static void test_merge(void)
{
	set_cfg();
	void *a = new_state(&cfg_total), *b = new_state(&cfg_total),
	     *all = new_state(&cfg_total);
	feed(a, 0, 4);
	feed(b, 4, NMIX);
	feed(all, 0, NMIX);
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
	set_cfg();
	void *st = new_state(&cfg_total);
	json_t *f = json_loads("{\"messages\":{\"queries\":{\"udp\":{\"ipv4\":-1}}}}", 0, NULL);
	CU_ASSERT_EQUAL(M.load(st, f, NULL), DW_EFORMAT);
	json_decref(f);
	free_state(st);
	st = new_state(&cfg_total);
	f = json_loads("{\"messages\":[]}", 0, NULL);
	CU_ASSERT_EQUAL(M.load(st, f, NULL), DW_EFORMAT);
	json_decref(f);
	free_state(st);
}

static CU_TestInfo tests[] = {
	{ "counts", test_counts },
	{ "ratio_null", test_ratio_null },
	{ "roundtrip", test_roundtrip },
	{ "merge", test_merge },
	{ "load_bad", test_load_bad },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("an_traffic", tests);
}
