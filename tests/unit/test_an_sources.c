/* analyze/metrics/m_sources: queries built by hand; the expected counts,
 * shares and prefixes are worked out from the list of queries below. */
#include <arpa/inet.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cu_main.h"
#include "metric.h"
#include "rootlens/errcode.h"

extern const metric_ops_t m_sources;

static void cfg_set(an_cfg_t *c, an_scope_t scope)
{
	memset(c, 0, sizeof(*c));
	c->interval_s = 60;
	c->v4_prefix = 24;
	c->v6_prefix = 48;
	c->topk = 20;
	c->topk_interval = 10;
	c->ss_total = 4096;
	c->ss_interval = 256;
	c->hll_p_total = 14;
	c->hll_p_interval = 12;
	c->map_topk_interval = 20;
	c->tld_other_cap = 1000;
	c->tld_other_cap_interval = 100;
	c->scope = scope;
}

static void *state(const an_cfg_t *cfg)
{
	void *st = calloc(1, m_sources.size);
	CU_ASSERT_FATAL(st && m_sources.init(st, cfg) == 0);
	return st;
}

static void drop(void *st)
{
	m_sources.fini(st);
	free(st);
}

/* One message from @p src (text), @p qr 0 query / 1 response, @p times. */
static void feed(void *st, const char *src, int qr, unsigned times)
{
	nl_dns_t pkt;
	dw_msg_t msg;
	an_obs_t o;

	memset(&pkt, 0, sizeof(pkt));
	memset(&msg, 0, sizeof(msg));
	if (strchr(src, ':')) {
		pkt.ipver = 6;
		CU_ASSERT_FATAL(inet_pton(AF_INET6, src, pkt.src) == 1);
	} else {
		pkt.ipver = 4;
		CU_ASSERT_FATAL(inet_pton(AF_INET, src, pkt.src) == 1);
	}
	pkt.transport = NL_UDP;
	msg.have_header = 1;
	msg.qr = (uint8_t)qr;
	o.pkt = &pkt;
	o.msg = &msg;
	o.tr = 0;
	o.v6 = pkt.ipver == 6;
	o.tld = NULL;
	for (unsigned i = 0; i < times; i++)
		m_sources.observe(st, &o);
}

/* 17 queries from 4 IPv4 and 4 IPv6 sources (3 /64s); 100 responses. */
static void feed_set(void *st, int part)
{
	if (part != 2) {
		feed(st, "192.0.2.1", 0, 5);
		feed(st, "2001:db8:1:2::1", 0, 4);
		feed(st, "192.0.2.2", 0, 3);
		feed(st, "10.9.9.9", 1, 100); /* responses: not counted */
	}
	if (part != 1) {
		feed(st, "198.51.100.7", 0, 2);
		feed(st, "2001:db8:2::5", 0, 1);
		feed(st, "2001:db8:1:3::1", 0, 1);
		feed(st, "2001:db8:1:2::2", 0, 1);
		feed(st, "2001:db8:1:2::1", 1, 7); /* responses: not counted */
	}
}

static json_t *emit(const void *st)
{
	json_t *f = json_object();
	CU_ASSERT_FATAL(f && m_sources.emit(st, f) == 0);
	return f;
}

static json_int_t geti(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static void check_entry(const json_t *arr, size_t i, const char *key, const char *name,
			json_int_t q, double pct)
{
	const json_t *e = json_array_get(arr, i);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(e, key)), name);
	CU_ASSERT_EQUAL(geti(e, "queries"), q);
	CU_ASSERT(fabs(json_real_value(json_object_get(e, "share_pct")) - pct) < 1e-9);
	CU_ASSERT_EQUAL(geti(e, "error"), 0);
}

static void test_figures(void)
{
	an_cfg_t cfg;
	void *st;
	json_t *f, *u, *ts, *tp;

	cfg_set(&cfg, AN_SCOPE_TOTAL);
	st = state(&cfg);
	f = emit(st);
	u = json_object_get(f, "unique_sources");
	CU_ASSERT(geti(u, "ipv4") == 0 && geti(u, "ipv6") == 0 && geti(u, "ipv6_64") == 0);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(f, "top_sources")), 0);
	json_decref(f);

	feed_set(st, 0);
	f = emit(st);
	/* the keys, in the documented order */
	const char *keys[] = { "unique_sources", "top_sources", "top_prefixes" };
	size_t i = 0;
	const char *k;
	json_t *v;
	json_object_foreach(f, k, v)
		CU_ASSERT_STRING_EQUAL(k, keys[i++]);
	CU_ASSERT_EQUAL(i, 3);
	u = json_object_get(f, "unique_sources");
	CU_ASSERT_EQUAL(geti(u, "ipv4"), 3);
	CU_ASSERT_EQUAL(geti(u, "ipv6"), 4);
	CU_ASSERT_EQUAL(geti(u, "ipv6_64"), 3);

	ts = json_object_get(f, "top_sources");
	CU_ASSERT_EQUAL(json_array_size(ts), 7);
	check_entry(ts, 0, "addr", "192.0.2.1", 5, 29.4118);      /* 5/17 */
	check_entry(ts, 1, "addr", "2001:db8:1:2::1", 4, 23.5294); /* 4/17 */
	check_entry(ts, 2, "addr", "192.0.2.2", 3, 17.6471);
	check_entry(ts, 3, "addr", "198.51.100.7", 2, 11.7647);
	/* ties by key bytes */
	check_entry(ts, 4, "addr", "2001:db8:1:2::2", 1, 5.8824);
	check_entry(ts, 5, "addr", "2001:db8:1:3::1", 1, 5.8824);
	check_entry(ts, 6, "addr", "2001:db8:2::5", 1, 5.8824);
	CU_ASSERT_EQUAL(json_object_size(json_array_get(ts, 0)), 4);

	tp = json_object_get(f, "top_prefixes");
	CU_ASSERT_EQUAL(json_array_size(tp), 4);
	check_entry(tp, 0, "prefix", "192.0.2.0/24", 8, 47.0588);
	check_entry(tp, 1, "prefix", "2001:db8:1::/48", 6, 35.2941);
	check_entry(tp, 2, "prefix", "198.51.100.0/24", 2, 11.7647);
	check_entry(tp, 3, "prefix", "2001:db8:2::/48", 1, 5.8824);
	json_decref(f);
	drop(st);
}

static void test_prefix_len(void)
{
	an_cfg_t cfg;
	void *st;
	json_t *f, *tp;

	cfg_set(&cfg, AN_SCOPE_TOTAL);
	cfg.v4_prefix = 20;
	cfg.v6_prefix = 36;
	st = state(&cfg);
	feed(st, "192.0.31.200", 0, 2);
	feed(st, "2001:db8:abcd::1", 0, 1);
	f = emit(st);
	tp = json_object_get(f, "top_prefixes");
	check_entry(tp, 0, "prefix", "192.0.16.0/20", 2, 66.6667);
	check_entry(tp, 1, "prefix", "2001:db8:a000::/36", 1, 33.3333);
	json_decref(f);
	drop(st);
}

/* Interval scope: smaller sketches, lists cut to topk_interval. */
static void test_interval(void)
{
	an_cfg_t cfg;
	void *st;
	json_t *f, *sk;
	char a[32];

	cfg_set(&cfg, AN_SCOPE_INTERVAL);
	st = state(&cfg);
	for (unsigned i = 0; i < 12; i++) {
		snprintf(a, sizeof(a), "203.0.113.%u", i + 1);
		feed(st, a, 0, 20 - i);
	}
	f = emit(st);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(f, "top_sources")), 10);
	CU_ASSERT_EQUAL(geti(json_object_get(f, "unique_sources"), "ipv4"), 12);
	check_entry(json_object_get(f, "top_prefixes"), 0, "prefix", "203.0.113.0/24", 174, 100);
	sk = json_object();
	CU_ASSERT_FATAL(m_sources.save(st, sk) == 0);
	CU_ASSERT_EQUAL(geti(sk, "hll_p"), 12);
	CU_ASSERT_EQUAL(geti(json_object_get(sk, "top_sources"), "capacity"), 256);
	json_decref(sk);
	json_decref(f);
	drop(st);
}

static void test_save_load(void)
{
	an_cfg_t cfg;
	void *st, *st2;
	json_t *f, *f2, *sk;

	cfg_set(&cfg, AN_SCOPE_TOTAL);
	st = state(&cfg);
	feed_set(st, 0);
	f = emit(st);
	sk = json_object();
	CU_ASSERT_FATAL(m_sources.save(st, sk) == 0);
	/* the documented layout */
	const char *keys[] = { "hll_p", "ipv4", "ipv6", "ipv6_64", "top_sources", "top_prefixes" };
	size_t i = 0;
	const char *k;
	json_t *v;
	json_object_foreach(sk, k, v)
		CU_ASSERT(i < 6 && strcmp(k, keys[i++]) == 0);
	CU_ASSERT_EQUAL(geti(sk, "hll_p"), 14);
	CU_ASSERT_EQUAL(geti(json_object_get(sk, "top_prefixes"), "capacity"), 4096);
	CU_ASSERT(json_is_string(json_object_get(json_object_get(sk, "top_prefixes"), "entries")));

	/* through text, as merge reads it */
	char *txt = json_dumps(sk, JSON_COMPACT);
	json_t *sk2 = json_loads(txt, 0, NULL);
	free(txt);
	json_decref(sk);
	st2 = state(&cfg);
	CU_ASSERT_EQUAL(m_sources.load(st2, f, sk2), 0);
	f2 = emit(st2);
	CU_ASSERT(json_equal(f, f2));
	json_decref(f2);
	/* loaded state keeps counting like the original */
	feed(st, "192.0.2.99", 0, 9);
	feed(st2, "192.0.2.99", 0, 9);
	json_decref(f);
	f = emit(st);
	f2 = emit(st2);
	CU_ASSERT(json_equal(f, f2));
	json_decref(f2);
	drop(st2);
	json_decref(sk2);

	/* figures that disagree with the sketch, a broken sketch, a missing one */
	json_t *bad = json_deep_copy(f);
	sk2 = json_object();
	CU_ASSERT_FATAL(m_sources.save(st, sk2) == 0);
	json_object_set_new(json_object_get(bad, "unique_sources"), "ipv4", json_integer(99));
	st2 = state(&cfg);
	CU_ASSERT_EQUAL(m_sources.load(st2, bad, sk2), DW_EFORMAT);
	drop(st2);
	json_decref(bad);
	st2 = state(&cfg);
	CU_ASSERT_EQUAL(m_sources.load(st2, NULL, sk2), 0); /* figures optional */
	drop(st2);

	const char *broken[] = { "ipv4", "ipv6_64", "hll_p", "top_sources" };
	for (i = 0; i < 4; i++) {
		bad = json_deep_copy(sk2);
		json_object_set_new(bad, broken[i], json_string("AAAA"));
		st2 = state(&cfg);
		CU_ASSERT_EQUAL(m_sources.load(st2, f, bad), DW_EFORMAT);
		drop(st2);
		json_decref(bad);
	}
	bad = json_deep_copy(sk2);
	json_object_set_new(bad, "hll_p", json_integer(19));
	st2 = state(&cfg);
	CU_ASSERT_EQUAL(m_sources.load(st2, f, bad), DW_EFORMAT);
	drop(st2);
	json_decref(bad);
	bad = json_object();
	st2 = state(&cfg);
	CU_ASSERT_EQUAL(m_sources.load(st2, f, bad), DW_EFORMAT);
	CU_ASSERT_EQUAL(m_sources.load(st2, NULL, bad), 0); /* nothing to load */
	drop(st2);
	json_decref(bad);

	/* prefixes of another length than this run's: refused */
	an_cfg_t c16;
	cfg_set(&c16, AN_SCOPE_TOTAL);
	c16.v4_prefix = 16;
	st2 = state(&c16);
	CU_ASSERT_EQUAL(m_sources.load(st2, f, sk2), DW_EFORMAT);
	drop(st2);

	json_decref(sk2);
	json_decref(f);
	drop(st);
}

/* A document saved with another precision and capacity loads as it is,
 * and then does not merge with this cfg's states. */
static void test_load_other_size(void)
{
	an_cfg_t ci, ct;
	void *si, *st, *st2;
	json_t *f, *f2, *sk;

	cfg_set(&ci, AN_SCOPE_INTERVAL);
	cfg_set(&ct, AN_SCOPE_TOTAL);
	si = state(&ci);
	feed_set(si, 0);
	f = emit(si);
	sk = json_object();
	CU_ASSERT_FATAL(m_sources.save(si, sk) == 0);
	st = state(&ct);
	CU_ASSERT_EQUAL(m_sources.load(st, f, sk), 0);
	f2 = emit(st);
	/* only the top-k cut differs between scopes, and 7 < 10 */
	CU_ASSERT(json_equal(f, f2));
	st2 = state(&ct);
	CU_ASSERT_EQUAL(m_sources.merge(st2, st), DW_EINVAL);
	json_decref(f);
	json_decref(f2);
	json_decref(sk);
	drop(si);
	drop(st);
	drop(st2);
}

static void test_merge(void)
{
	an_cfg_t cfg;
	void *a, *b, *w;
	json_t *fa, *fw;

	cfg_set(&cfg, AN_SCOPE_TOTAL);
	a = state(&cfg);
	b = state(&cfg);
	w = state(&cfg);
	feed_set(a, 1);
	feed_set(b, 2);
	feed_set(w, 0);
	CU_ASSERT_EQUAL(m_sources.merge(a, b), 0);
	fa = emit(a);
	fw = emit(w);
	CU_ASSERT(json_equal(fa, fw));
	json_decref(fa);
	json_decref(fw);
	/* merging the other way round gives the same */
	drop(a);
	a = state(&cfg);
	feed_set(a, 1);
	CU_ASSERT_EQUAL(m_sources.merge(b, a), 0);
	fa = emit(b);
	fw = emit(w);
	CU_ASSERT(json_equal(fa, fw));
	json_decref(fa);
	json_decref(fw);
	drop(a);
	drop(b);
	drop(w);
}

static CU_TestInfo tests[] = {
	{ "figures", test_figures },
	{ "prefix_len", test_prefix_len },
	{ "interval", test_interval },
	{ "save_load", test_save_load },
	{ "load_other_size", test_load_other_size },
	{ "merge", test_merge },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("an_sources", tests);
}
