/* analyze/metrics/m_tld.c and analyze/tld_table.c: queries by TLD, DNSKEY
 * queries by TLD, priming queries. Expected figures are counted by hand
 * from the messages fed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu_main.h"
#include "metric.h"
#include "rootlens/errcode.h"
#include "tld_table.h"

extern const metric_ops_t m_tld;
#define M m_tld

#include "an_metric_test.h"

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
	/* Of the names outside the root zone, the cap with the smallest
	 * rank (doc/stats-json.md) are kept. Ranks of these names, smallest
	 * first: a5, a4, a2, a1, a3 (rank() below computes them). */
	set_cfg();
	an_cfg_t c = cfg_total;
	c.tld_other_cap = 3;
	void *st = new_state(&c);
	query(st, "a1", 1, 1);
	query(st, "a2", 1, 1);
	query(st, "a3", 48, 1);        /* table now full */
	query(st, "a4", 1, 1);         /* evicts a3 (largest rank): a3 -> other */
	query(st, "a5", 48, 1);        /* evicts a1 (its 1 -> other) */
	query(st, "a1", 1, 1);         /* ranks above all kept: other */
	query(st, "org", 1, 1);        /* root-zone TLDs never compete */
	char longtld[80];
	memset(longtld, 'x', 64);      /* longer than a label: other */
	longtld[64] = '\0';
	query(st, longtld, 1, 1);
	json_t *f = emit(st);
	char *s = json_dumps(f, JSON_COMPACT);
	/* DNSKEY has its own table: a3 and a5 both fit */
	CU_ASSERT_STRING_EQUAL(s, "{\"queries_by_tld\":{\"a2\":1,\"a4\":1,\"a5\":1,\"org\":1,"
			       "\"other\":4},\"dnskey_by_tld\":{\"a3\":1,\"a5\":1},"
			       "\"priming_queries\":0}");
	free(s);
	json_decref(f);
	check_roundtrip(st, &c);
	free_state(st);

	/* interval states use their own, smaller cap */
	c = cfg_iv;
	c.tld_other_cap = 3;
	c.tld_other_cap_interval = 1;
	st = new_state(&c);
	query(st, "a2", 1, 1);
	query(st, "a4", 1, 1);          /* smaller rank than a2: a2 -> other */
	f = emit(st);
	s = json_dumps(json_object_get(f, "queries_by_tld"), JSON_COMPACT);
	CU_ASSERT_STRING_EQUAL(s, "{\"a4\":1,\"other\":1}");
	free(s);
	json_decref(f);
	free_state(st);
	c = cfg_total;

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
	check_load_bad(bad, sizeof(bad) / sizeof(bad[0]));
}

/* ---- order independence and exactness (bottom-k, packed sketches) ----- */

/* The rank the metric orders names by (m_tld.c): FNV-1a 64 and the
 * MurmurHash3 finaliser. Written out again here so that a change of the
 * hash, which would change which names old documents kept, fails. */
static uint64_t rank(const char *s)
{
	uint64_t h = 0xCBF29CE484222325ull;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001B3ull;
	h ^= h >> 33;
	h *= 0xFF51AFD7ED558CCDull;
	h ^= h >> 33;
	h *= 0xC4CEB9FE1A85EC53ull;
	h ^= h >> 33;
	return h;
}

/* A message list: root-zone TLDs with growing counts, 40 junk names
 * (5 times the cap of 8), some with DNSKEY, a name spelled "other", a
 * name longer than a label; then shuffled (a fixed xorshift). */
typedef struct msg {
	char tld[72];
	uint16_t qtype;
} msg_t;

#define NJUNK 40
static msg_t msgs[1200];
static size_t nmsgs;

static void make_msgs(void)
{
	nmsgs = 0;
	for (int i = 1; i <= 12; i++)            /* root zone, i-th i times */
		for (int k = 0; k < i; k++) {
			snprintf(msgs[nmsgs].tld, sizeof(msgs[0].tld), "%s", an_tld_names[i]);
			msgs[nmsgs++].qtype = k % 4 == 0 ? 48 : 1;
		}
	for (int j = 0; j < NJUNK; j++)          /* junk j: 1 + j % 7 times */
		for (int k = 0; k <= j % 7; k++) {
			snprintf(msgs[nmsgs].tld, sizeof(msgs[0].tld), "junk%d", j);
			msgs[nmsgs++].qtype = (j % 3 == 0 && k == 0) ? 48 : 28;
		}
	snprintf(msgs[nmsgs].tld, sizeof(msgs[0].tld), "other");
	msgs[nmsgs++].qtype = 48;
	memset(msgs[nmsgs].tld, 'y', 70);
	msgs[nmsgs++].qtype = 1;
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
		query(st, m->tld, m->qtype, 1);
	}
}

/* The junk names of the list with at least one message of @p dnskey
 * kind, smallest rank first, and each one's count. */
static size_t junk_by_rank(int dnskey, char names[][16], uint64_t *n)
{
	size_t k = 0;
	for (int j = 0; j < NJUNK; j++) {
		uint64_t cnt = 0;
		char nm[16];
		snprintf(nm, sizeof(nm), "junk%d", j);
		for (size_t i = 0; i < nmsgs; i++)
			if (strcmp(msgs[i].tld, nm) == 0 && (!dnskey || msgs[i].qtype == 48))
				cnt++;
		if (cnt == 0)
			continue;
		size_t at = k++;
		while (at > 0 && rank(names[at - 1]) > rank(nm)) {
			memcpy(names[at], names[at - 1], 16);
			n[at] = n[at - 1];
			at--;
		}
		memcpy(names[at], nm, 16);
		n[at] = cnt;
	}
	return k;
}

/* Exactly the cap junk names of smallest rank, each with its count; the
 * root-zone counts; "other" the total minus the kept keys. */
static void check_exact(const json_t *map, int dnskey, unsigned cap)
{
	char names[NJUNK][16];
	uint64_t n[NJUNK], total = 0, kept = 0;
	size_t k = junk_by_rank(dnskey, names, n);
	CU_ASSERT(k > cap);
	for (size_t i = 0; i < nmsgs; i++)
		total += !dnskey || msgs[i].qtype == 48;
	size_t junk_keys = 0;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)(uintptr_t)map, key, v) {
		if (strcmp(key, "other") == 0)
			continue;
		kept += (uint64_t)json_integer_value(v);
		junk_keys += strncmp(key, "junk", 4) == 0;
	}
	CU_ASSERT_EQUAL(junk_keys, cap);
	for (size_t i = 0; i < cap; i++)
		CU_ASSERT_EQUAL(json_integer_value(json_object_get(map, names[i])),
				(json_int_t)n[i]);
	for (int i = 1; i <= 12; i++)
		CU_ASSERT_EQUAL(json_integer_value(json_object_get(map, an_tld_names[i])),
				dnskey ? (i + 3) / 4 : i);
	CU_ASSERT_EQUAL((uint64_t)json_integer_value(json_object_get(map, "other")),
			total - kept);
}

static void test_order_free_total(void)
{
	set_cfg();
	an_cfg_t c = cfg_total;
	c.tld_other_cap = 8;
	make_msgs();
	json_t *want = check_order_free(&c, feed_range, nmsgs);
	const json_t *f = json_object_get(want, "f");
	check_exact(json_object_get(f, "queries_by_tld"), 0, 8);
	check_exact(json_object_get(f, "dnskey_by_tld"), 1, 8);
	/* nothing cut in totals: no sketch */
	CU_ASSERT_EQUAL(json_object_size(json_object_get(want, "s")), 0);
	json_decref(want);
}

static void test_order_free_interval(void)
{
	set_cfg();
	an_cfg_t c = cfg_iv, t = cfg_total;
	c.tld_other_cap = c.tld_other_cap_interval = t.tld_other_cap = 8;
	c.map_topk_interval = 3;
	make_msgs();
	json_t *want = check_order_free(&c, feed_range, nmsgs);
	const json_t *f = json_object_get(want, "f"), *sk = json_object_get(want, "s");
	/* the figures are cut to 3 keys + "other" ... */
	CU_ASSERT_EQUAL(json_object_size(json_object_get(f, "queries_by_tld")), 4);
	CU_ASSERT_EQUAL(json_object_size(json_object_get(f, "dnskey_by_tld")), 4);
	/* ... and the sketch holds each full map: the totals-scope figures */
	CU_ASSERT_EQUAL(json_object_size(sk), 2);
	void *st = new_state(&t);
	feed_range(st, 0, nmsgs, 0);
	json_t *tf = emit(st);
	static const char *const key[2] = { "queries_by_tld", "dnskey_by_tld" };
	for (int i = 0; i < 2; i++) {
		json_t *full;
		CU_ASSERT_EQUAL(an_map_load(sk, key[i], &full), 0);
		CU_ASSERT(json_equal(full, json_object_get(tf, key[i])));
		check_exact(full, i, 8);
		json_decref(full);
	}
	json_decref(tf);
	free_state(st);
	json_decref(want);
}

/* A DNSKEY name is counted even when more than cap junk names of smaller
 * rank were asked for with other types first (the knot-live case). */
static void test_dnskey_own_table(void)
{
	set_cfg();
	an_cfg_t c = cfg_total;
	c.tld_other_cap = 4;
	void *st = new_state(&c);
	char nm[16];
	int added = 0;
	/* 4 junk names of smaller rank than "d1829f93", A queries only */
	for (int j = 0; added < 4; j++) {
		snprintf(nm, sizeof(nm), "q%d", j);
		if (rank(nm) < rank("d1829f93")) {
			query(st, nm, 1, 1);
			added++;
		}
	}
	query(st, "d1829f93", 48, 1);
	json_t *f = emit(st);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(f, "dnskey_by_tld"),
							   "d1829f93")), 1);
	CU_ASSERT_PTR_NULL(json_object_get(json_object_get(f, "queries_by_tld"), "d1829f93"));
	json_decref(f);
	free_state(st);
}

/* A sketch map that is not a packed map is refused; a valid one wins
 * over the figures. */
static void test_load_sketch(void)
{
	set_cfg();
	void *st = new_state(&cfg_iv);
	json_t *f = json_loads("{\"queries_by_tld\":{\"com\":5,\"other\":3}}", 0, NULL);
	json_t *sk = json_loads("{\"queries_by_tld\":7}", 0, NULL);
	CU_ASSERT_EQUAL(M.load(st, f, sk), DW_EFORMAT);
	free_state(st);
	json_decref(sk);

	an_kv_t kv[] = { { "com", 5 }, { "net", 2 }, { "local", 1 } };
	sk = json_pack("{s:o}", "queries_by_tld", an_map_pack(kv, 3));
	st = new_state(&cfg_iv);
	CU_ASSERT_EQUAL(M.load(st, f, sk), 0);
	json_t *g = emit(st);
	char *s = json_dumps(json_object_get(g, "queries_by_tld"), JSON_COMPACT);
	CU_ASSERT_STRING_EQUAL(s, "{\"com\":5,\"net\":2,\"local\":1}");
	free(s);
	json_decref(g);
	free_state(st);
	json_decref(sk);
	json_decref(f);
}

static CU_TestInfo tests[] = {
	{ "table", test_table },
	{ "counts", test_counts },
	{ "cap", test_cap },
	{ "interval_cut", test_interval_cut },
	{ "roundtrip", test_roundtrip },
	{ "merge", test_merge },
	{ "load_bad", test_load_bad },
	{ "order_free_total", test_order_free_total },
	{ "order_free_interval", test_order_free_interval },
	{ "dnskey_own_table", test_dnskey_own_table },
	{ "load_sketch", test_load_sketch },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("an_tld", tests);
}
