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
/* this copy never set tld_other_cap_interval (m_traffic does not read it) */
#define AN_TEST_TLD_OTHER_CAP_INTERVAL 0

#include "an_metric_test.h"

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
