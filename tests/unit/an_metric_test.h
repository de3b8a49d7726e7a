/*
 * an_metric_test.h - the scaffolding the metric unit tests share
 * (tests/unit/test_an_*.c): the configurations, state creation and
 * release, emit/save, the load round trip, a one-message builder, load
 * refusals and the order-independence check (slices merged in every
 * order, as states and as documents).
 *
 * The including file selects the metric under test first:
 *
 *	extern const metric_ops_t m_codes;
 *	#define M m_codes
 *	#include "an_metric_test.h"
 *
 * Optional, also before the include:
 *	AN_TEST_TLD_OTHER_CAP_INTERVAL  set_cfg()'s tld_other_cap_interval
 *	                                (default 1000)
 *	AN_TEST_DOC_EXTRA(f)            run on a document's figures by
 *	                                doc_of() (default: nothing)
 *
 * Everything is static inline: a test that uses a part only compiles the
 * rest without a warning.
 */
#ifndef ROOTLENS_AN_METRIC_TEST_H
#define ROOTLENS_AN_METRIC_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu_main.h"
#include "metric.h"
#include "rootlens/errcode.h"

#ifndef M
#error "define M as the metric_ops_t under test before including an_metric_test.h"
#endif
#ifndef AN_TEST_TLD_OTHER_CAP_INTERVAL
#define AN_TEST_TLD_OTHER_CAP_INTERVAL 1000
#endif
#ifndef AN_TEST_DOC_EXTRA
#define AN_TEST_DOC_EXTRA(f) ((void)(f))
#endif

static an_cfg_t cfg_total, cfg_iv;

static inline void set_cfg(void)
{
	memset(&cfg_total, 0, sizeof(cfg_total));
	cfg_total.interval_s = 60;
	cfg_total.map_topk_interval = 20;
	cfg_total.tld_other_cap = 1000;
	cfg_total.tld_other_cap_interval = AN_TEST_TLD_OTHER_CAP_INTERVAL;
	cfg_total.scope = AN_SCOPE_TOTAL;
	cfg_iv = cfg_total;
	cfg_iv.scope = AN_SCOPE_INTERVAL;
}

static inline void *new_state(const an_cfg_t *c)
{
	void *st = calloc(1, M.size);
	CU_ASSERT_FATAL(st != NULL);
	CU_ASSERT_EQUAL_FATAL(M.init(st, c), 0);
	return st;
}

static inline void free_state(void *st)
{
	M.fini(st);
	free(st);
}

/* The figures of @p st; save is run too (and its sketch dropped). */
static inline json_t *emit(const void *st)
{
	json_t *f = json_object();
	CU_ASSERT_EQUAL(M.emit(st, f), 0);
	json_t *sk = json_object();
	CU_ASSERT_EQUAL(M.save(st, sk), 0);
	json_decref(sk);
	return f;
}

/* Same content and the same key order. */
static inline int same(json_t *a, json_t *b)
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

static inline void ev_init(ev_t *e, unsigned qr, unsigned tr, unsigned v6)
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
static inline void check_roundtrip(const void *st, const an_cfg_t *c)
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

/* Each of the @p n figures documents @p bad is refused by load. */
static inline void check_load_bad(const char *const *bad, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		void *st = new_state(&cfg_total);
		json_t *f = json_loads(bad[i], 0, NULL);
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		CU_ASSERT_EQUAL(M.load(st, f, NULL), DW_EFORMAT);
		json_decref(f);
		free_state(st);
	}
}

/* ---- order independence and exactness (packed sketches) --------------- */

/* The fixed xorshift the message lists are shuffled with. */
static inline uint64_t xs(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* {"f": figures, "s": sketch} of a state: everything a document holds. */
static inline json_t *doc_of(const void *st)
{
	json_t *f = json_object(), *sk = json_object();
	CU_ASSERT_EQUAL(M.emit(st, f), 0);
	CU_ASSERT_EQUAL(M.save(st, sk), 0);
	AN_TEST_DOC_EXTRA(f);
	return json_pack("{s:o,s:o}", "f", f, "s", sk);
}

/* A fresh state loaded from a document, as merge does it. */
static inline void *load_doc(const json_t *d, const an_cfg_t *c)
{
	void *st = new_state(c);
	CU_ASSERT_EQUAL(M.load(st, json_object_get(d, "f"), json_object_get(d, "s")), 0);
	return st;
}

/* dst += the state that document @p d describes */
static inline void merge_doc(void *dst, const json_t *d, const an_cfg_t *c)
{
	void *st = load_doc(d, c);
	CU_ASSERT_EQUAL(M.merge(dst, st), 0);
	free_state(st);
}

/* Feeds messages [from, to) of the test's list to @p st, backwards if
 * @p reverse. */
typedef void (*an_feed_fn)(void *st, size_t from, size_t to, int reverse);

/*
 * The message list (n messages, fed by @p feed) whole, forwards and
 * backwards, and in three slices merged as a b c, c b a, b c a from
 * states and from documents (load(emit + save)), and grouped (a b) c,
 * a (b c), (c a) b through documents: every document identical to the
 * whole's, which comes back (the caller frees it).
 */
static inline json_t *check_order_free(const an_cfg_t *c, an_feed_fn feed, size_t n)
{
	size_t cut[4] = { 0, n / 3, n / 3 + n / 4, n };
	void *whole = new_state(c), *rev = new_state(c);
	feed(whole, 0, n, 0);
	feed(rev, 0, n, 1);
	json_t *want = doc_of(whole), *d = doc_of(rev);
	CU_ASSERT(same(want, d));
	json_decref(d);
	free_state(rev);

	void *p[3];
	json_t *pd[3];
	for (int i = 0; i < 3; i++) {
		p[i] = new_state(c);
		feed(p[i], cut[i], cut[i + 1], i == 1);
		pd[i] = doc_of(p[i]);
	}
	static const int order[][3] = { { 0, 1, 2 }, { 2, 1, 0 }, { 1, 2, 0 } };
	for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++) {
		/* states merged left to right */
		void *acc = new_state(c);
		for (int i = 0; i < 3; i++)
			CU_ASSERT_EQUAL(M.merge(acc, p[order[o][i]]), 0);
		d = doc_of(acc);
		CU_ASSERT(same(want, d));
		json_decref(d);
		free_state(acc);
		/* documents merged left to right, the first loaded */
		acc = load_doc(pd[order[o][0]], c);
		merge_doc(acc, pd[order[o][1]], c);
		merge_doc(acc, pd[order[o][2]], c);
		d = doc_of(acc);
		CU_ASSERT(same(want, d));
		json_decref(d);
		free_state(acc);
	}
	/* groupings through documents: (a b) c, a (b c), (c a) b */
	static const int grp[][3] = { { 0, 1, 2 }, { 1, 2, 0 }, { 2, 0, 1 } };
	for (size_t g = 0; g < sizeof(grp) / sizeof(grp[0]); g++) {
		void *ab = load_doc(pd[grp[g][0]], c);
		merge_doc(ab, pd[grp[g][1]], c);
		json_t *abd = doc_of(ab);
		void *acc;
		if (g == 1) { /* a + (b c): the pair on the right */
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
	/* round trip: load(emit + save), then emit + save, is identical */
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
static inline void check_cut_and_full(const json_t *f, const json_t *sk, const char *key,
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

#endif
