/*
 * analyze/flags.c: the rules (share, rise against the median baseline,
 * repeat) on series written out here, with the numbers worked out by
 * hand: thresholds, minimum rate, minimum history, the window, subjects
 * absent from earlier lists, error bounds, AS subjects, order, the
 * placement in a document; and through an_merge(): flags of pieces of
 * one instance equal the whole's, per-instance flags of several
 * instances, the rules taken from the partials or the caller.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu_main.h"
#include "metric.h"
#include "rootlens/analyze.h"
#include "rootlens/common.h"
#include "rootlens/errcode.h"
#include "sketch/evidence.h"

#define T0 1273017600 /* 2010-05-05T00:00:00Z */

/* ---- documents written by hand ------------------------------------------- */

typedef struct ent {
	const char *subj;  /* NULL: an AS entry of unrouted sources */
	uint64_t q, err;
	const an_ev_t *ev; /* NULL: an empty record */
} ent_t;

static json_t *doc_new(unsigned interval)
{
	return json_pack("{s:I,s:[],s:{s:[]}}", "interval", (json_int_t)interval, "series", "sketch",
			 "series");
}

/* Series entry @p i (appended when new) at T0 + i * interval with @p total
 * queries, and its list @p list of @p n entries with their evidence. */
static void put(json_t *doc, size_t i, uint64_t total, const char *list, const ent_t *e, size_t n)
{
	json_t *series = json_object_get(doc, "series");
	json_t *sks = json_object_get(json_object_get(doc, "sketch"), "series");
	json_int_t iv = json_integer_value(json_object_get(doc, "interval"));
	char ts[RL_TIME_STRMAX];
	const char *key = !strcmp(list, "top_prefixes") ? "prefix" :
			  !strcmp(list, "top_sources") ? "addr" : "asn";

	while (json_array_size(series) <= i) {
		size_t k = json_array_size(series);
		rl_time_iso8601(T0 + (int64_t)k * iv, ts);
		json_array_append_new(series, json_pack("{s:s,s:{s:{s:{s:I,s:I},s:{s:I,s:I}}}}", "start",
							ts, "messages", "queries", "udp", "ipv4",
							(json_int_t)0, "ipv6", (json_int_t)0, "tcp",
							"ipv4", (json_int_t)0, "ipv6", (json_int_t)0));
		json_array_append_new(sks, json_pack("{s:s,s:{}}", "start", ts, "sources"));
	}
	json_t *fig = json_array_get(series, i), *arr = json_array();
	json_object_set_new(json_object_get(json_object_get(json_object_get(fig, "messages"),
							    "queries"), "udp"),
			    "ipv4", json_integer((json_int_t)total));
	const an_ev_t **recs = calloc(n + 1, sizeof(*recs));
	for (size_t k = 0; k < n; k++) {
		json_array_append_new(arr, json_pack("{s:o,s:I,s:f,s:I}", key,
						     e[k].subj ? json_string(e[k].subj) : json_null(),
						     "queries", (json_int_t)e[k].q, "share_pct", 0.0,
						     "error", (json_int_t)e[k].err));
		recs[k] = e[k].ev;
	}
	json_object_set_new(fig, list, arr);
	char *s;
	CU_ASSERT_FATAL(an_ev_pack(recs, n, &s) == 0);
	json_object_set_new(json_object_get(json_array_get(sks, i), "sources"), list,
			    json_pack("{s:I,s:s}", "capacity", (json_int_t)128, "evidence", s));
	free(s);
	free(recs);
}

static json_t *flags_of(const json_t *doc, const an_flag_rules_t *r)
{
	json_t *f = NULL;
	CU_ASSERT_EQUAL(an_flags_compute(doc, r, &f), 0);
	CU_ASSERT_FATAL(f != NULL);
	return f;
}

static const char *fs(const json_t *flags, size_t i, const char *key)
{
	return json_string_value(json_object_get(json_array_get(flags, i), key));
}

static double fd(const json_t *flags, size_t i, const char *key)
{
	return json_number_value(json_object_get(json_array_get(flags, i), key));
}

/* A flat background: sources s0..s9 with 50 queries each interval, the
 * total @p total; @p extra (if not NULL) added first in the list. */
static void background(json_t *doc, size_t i, uint64_t total, const ent_t *extra)
{
	ent_t e[11];
	static const char *const names[] = { "192.0.2.0", "192.0.2.1", "192.0.2.2", "192.0.2.3",
					     "192.0.2.4", "192.0.2.5", "192.0.2.6", "192.0.2.7",
					     "192.0.2.8", "192.0.2.9" };
	size_t n = 0;
	if (extra)
		e[n++] = *extra;
	for (size_t k = 0; k < 10 - (extra != NULL); k++)
		e[n++] = (ent_t){ names[k], 50, 0, NULL };
	put(doc, i, total, "top_sources", e, n);
}

static void test_share(void)
{
	an_flag_rules_t r;
	an_flag_rules_default(&r);
	json_t *doc = doc_new(60);
	/* a heavy source, 600 queries (10 q/s) of 20000: 3 %: nothing; then
	 * 2000 (33.3 q/s) of 10000: 20 % */
	for (size_t i = 0; i < 10; i++) {
		ent_t h = { "198.51.100.1", i == 8 ? 2000 : 600, 0, NULL };
		background(doc, i, i == 8 ? 10000 : 20000, &h);
	}
	json_t *f = flags_of(doc, &r);
	CU_ASSERT_EQUAL_FATAL(json_array_size(f), 1);
	CU_ASSERT_STRING_EQUAL(fs(f, 0, "subject"), "198.51.100.1");
	CU_ASSERT_STRING_EQUAL(fs(f, 0, "kind"), "source");
	CU_ASSERT_STRING_EQUAL(fs(f, 0, "reason"), "share");
	CU_ASSERT_STRING_EQUAL(fs(f, 0, "interval_start"), "2010-05-05T00:08:00Z");
	CU_ASSERT_DOUBLE_EQUAL(fd(f, 0, "rate_qps"), 33.3333, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(fd(f, 0, "share_pct"), 20.0, 1e-9);
	/* its baseline: the median of eight intervals of 600 = 10 q/s; 3.3 x */
	CU_ASSERT_DOUBLE_EQUAL(fd(f, 0, "baseline_qps"), 10.0, 1e-9);
	/* excess over the 5 % allowed: 2000 - 500 */
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_array_get(f, 0), "excess_queries")), 1500);
	CU_ASSERT(json_is_null(json_object_get(json_array_get(f, 0), "evidence")) == 0);
	json_decref(f);

	/* the same share at 5 q/s (300 of 1500): under --flag-min-qps 10 */
	json_t *quiet = doc_new(60);
	for (size_t i = 0; i < 3; i++) {
		ent_t h = { "198.51.100.1", 300, 0, NULL };
		background(quiet, i, 1500, &h);
	}
	f = flags_of(quiet, &r);
	CU_ASSERT_EQUAL(json_array_size(f), 0);
	json_decref(f);
	r.min_qps = 5;
	f = flags_of(quiet, &r);
	CU_ASSERT_EQUAL(json_array_size(f), 3);
	CU_ASSERT(json_is_null(json_object_get(json_array_get(f, 0), "baseline_qps")));
	json_decref(f);
	/* the rule is "more than": exactly share_pct is not flagged */
	r.share_pct = 20;
	f = flags_of(quiet, &r);
	CU_ASSERT_EQUAL(json_array_size(f), 0);
	json_decref(f);
	/* rules use queries - error: 300 - 100 of 1500 is 13 % */
	an_flag_rules_default(&r);
	r.min_qps = 1;
	r.share_pct = 15;
	json_t *err = doc_new(60);
	ent_t h = { "198.51.100.1", 300, 100, NULL };
	background(err, 0, 1500, &h);
	f = flags_of(err, &r);
	CU_ASSERT_EQUAL(json_array_size(f), 0);
	json_decref(f);
	json_decref(err);
	json_decref(quiet);
	json_decref(doc);
}

static void test_rise(void)
{
	an_flag_rules_t r;
	an_flag_rules_default(&r);
	json_t *doc = doc_new(60);
	/* 203.0.113.5 is absent from the first eight lists, whose smallest
	 * count is 50: its baseline is 50 (0.8333 q/s); then it sends 6000
	 * (100 q/s, 120 x) of 200000 (3 %): a rise, not a share */
	for (size_t i = 0; i < 9; i++) {
		ent_t h = { "203.0.113.5", 6000, 0, NULL };
		background(doc, i, 200000, i == 8 ? &h : NULL);
	}
	json_t *f = flags_of(doc, &r);
	CU_ASSERT_EQUAL_FATAL(json_array_size(f), 1);
	CU_ASSERT_STRING_EQUAL(fs(f, 0, "reason"), "rise");
	CU_ASSERT_DOUBLE_EQUAL(fd(f, 0, "baseline_qps"), 0.8333, 1e-9);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_array_get(f, 0), "excess_queries")), 5950);
	json_decref(f);

	/* with fewer than min_intervals before it: nothing */
	json_t *early = doc_new(60);
	for (size_t i = 0; i < 5; i++) {
		ent_t h = { "203.0.113.5", 6000, 0, NULL };
		background(early, i, 200000, i == 4 ? &h : NULL);
	}
	f = flags_of(early, &r);
	CU_ASSERT_EQUAL(json_array_size(f), 0);
	json_decref(f);
	r.min_intervals = 4;
	f = flags_of(early, &r);
	CU_ASSERT_EQUAL(json_array_size(f), 1);
	json_decref(f);
	/* an empty list counts as 0: with four empty intervals before, the
	 * baseline is 0 */
	json_t *empty = doc_new(60);
	for (size_t i = 0; i < 4; i++)
		put(empty, i, 0, "top_sources", NULL, 0);
	ent_t h = { "203.0.113.5", 6000, 0, NULL };
	put(empty, 4, 200000, "top_sources", &h, 1);
	r.share_pct = 100;
	f = flags_of(empty, &r);
	CU_ASSERT_EQUAL_FATAL(json_array_size(f), 1);
	CU_ASSERT_DOUBLE_EQUAL(fd(f, 0, "baseline_qps"), 0.0, 1e-9);
	CU_ASSERT_STRING_EQUAL(fs(f, 0, "reason"), "rise");
	json_decref(f);
	json_decref(empty);
	json_decref(early);
	json_decref(doc);

	/* the window: 1000 for five intervals, 100 for three, then 1100.
	 * Over all eight the median is 1000 (1.1 x); over the last three
	 * (--flag-window 3) it is 100 (11 x) */
	an_flag_rules_default(&r);
	r.min_intervals = 3;
	doc = doc_new(60);
	static const uint64_t seq[] = { 1000, 1000, 1000, 1000, 1000, 100, 100, 100, 1100 };
	for (size_t i = 0; i < 9; i++) {
		ent_t x = { "2001:db8::/48", seq[i], 0, NULL };
		put(doc, i, 1000000, "top_prefixes", &x, 1);
	}
	f = flags_of(doc, &r);
	CU_ASSERT_EQUAL(json_array_size(f), 0);
	json_decref(f);
	r.window = 3;
	f = flags_of(doc, &r);
	CU_ASSERT_EQUAL_FATAL(json_array_size(f), 1);
	CU_ASSERT_STRING_EQUAL(fs(f, 0, "kind"), "prefix");
	CU_ASSERT_STRING_EQUAL(fs(f, 0, "interval_start"), "2010-05-05T00:08:00Z");
	CU_ASSERT_DOUBLE_EQUAL(fd(f, 0, "baseline_qps"), 1.6667, 1e-9);
	json_decref(f);
	/* an even count: the mean of the middle two (window 4: 1000 100 100
	 * 100 -> 100; window 6: 1000 1000 1000 100 100 100 -> 550) */
	r.window = 6;
	f = flags_of(doc, &r);
	CU_ASSERT_EQUAL(json_array_size(f), 0); /* 1100 / 550 = 2 x */
	json_decref(f);
	r.factor = 1.5;
	f = flags_of(doc, &r);
	CU_ASSERT_EQUAL_FATAL(json_array_size(f), 1);
	CU_ASSERT_DOUBLE_EQUAL(fd(f, 0, "baseline_qps"), 9.1667, 1e-9);
	json_decref(f);
	json_decref(doc);
}

static void question(an_ev_t *e, const char *name, uint16_t qtype, unsigned times)
{
	dw_msg_t m;
	an_ev_q_t q;
	size_t n = 0;
	const char *p = name;

	memset(&m, 0, sizeof(m));
	m.have_header = m.have_question = 1;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		m.qname[n++] = (uint8_t)l;
		memcpy(m.qname + n, p, l);
		n += l;
		p += l + (dot ? 1 : 0);
	}
	m.qname[n++] = 0;
	m.qname_len = (uint8_t)n;
	m.qtype = qtype;
	an_ev_q_set(&q, &m, 0);
	for (unsigned i = 0; i < times; i++)
		an_ev_add(e, &q);
}

static void test_repeat(void)
{
	an_flag_rules_t r;
	an_flag_rules_default(&r);
	an_ev_t slow, fast;
	an_ev_reset(&slow);
	an_ev_reset(&fast);
	/* 60 in a minute is 1 q/s: not more than it */
	question(&slow, "wpad.home", 1, 60);
	question(&slow, "x.home", 1, 30);
	/* 121: more; a source of 2.5 q/s, under the minimum rate of share
	 * and rise, but repeat has its own */
	question(&fast, "version.bind", 16, 121);
	question(&fast, "b.example", 28, 29);
	json_t *doc = doc_new(60);
	ent_t e[2] = { { "192.0.2.77", 150, 0, &fast }, { "192.0.2.78", 90, 0, &slow } };
	put(doc, 0, 100000, "top_sources", e, 2);
	json_t *f = flags_of(doc, &r);
	CU_ASSERT_EQUAL_FATAL(json_array_size(f), 1);
	CU_ASSERT_STRING_EQUAL(fs(f, 0, "subject"), "192.0.2.77");
	CU_ASSERT_STRING_EQUAL(fs(f, 0, "reason"), "repeat");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_array_get(f, 0), "excess_queries")), 61);
	const json_t *ev = json_object_get(json_array_get(f, 0), "evidence");
	const json_t *tq = json_array_get(json_object_get(ev, "top_qnames"), 0);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(tq, "qname")), "version.bind.");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(tq, "qtype")), "TXT");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(ev, "queries")), 150);
	json_decref(f);
	json_decref(doc);

	/* the guaranteed count: a question counted 130 with an error of 70 */
	an_ev_t loose;
	an_ev_reset(&loose);
	for (unsigned i = 0; i < 4; i++) {
		char n[16];
		snprintf(n, sizeof(n), "n%u.example", i);
		question(&loose, n, 1, 70);
	}
	question(&loose, "late.example", 1, 60); /* takes a counter of 70 */
	doc = doc_new(60);
	ent_t l = { "192.0.2.79", 400, 0, &loose };
	put(doc, 0, 100000, "top_sources", &l, 1);
	f = flags_of(doc, &r);
	CU_ASSERT_EQUAL(json_array_size(f), 1); /* n1..n3: 70 (1.17 q/s) */
	json_decref(f);
	r.repeat_qps = 1.2;
	f = flags_of(doc, &r);
	CU_ASSERT_EQUAL(json_array_size(f), 0); /* 130 - 70 = 60 is not 72 */
	json_decref(f);
	json_decref(doc);
}

/* ASes, order, several reasons, the document. */
static void test_asn_order(void)
{
	an_flag_rules_t r;
	an_flag_rules_default(&r);
	json_t *doc = doc_new(10);
	for (size_t i = 0; i < 7; i++) {
		ent_t a[3] = { { "AS64500", i == 6 ? 9000 : 300, 0, NULL },
			       { NULL, i == 6 ? 8000 : 9000, 0, NULL },
			       { "AS64501", 200, 0, NULL } };
		ent_t p[2] = { { "192.0.2.0/24", i == 6 ? 5000 : 100, 0, NULL },
			       { "198.51.100.0/24", i == 6 ? 3000 : 100, 0, NULL } };
		put(doc, i, 20000, "top_asns", a, 3);
		put(doc, i, 20000, "top_prefixes", p, 2);
	}
	json_t *f = flags_of(doc, &r);
	/* interval 6: AS64500 45 % and 30 x (excess 9000 - 300), the two
	 * prefixes 25 % and 15 %, both 50 x and 30 x; the unrouted (null) not.
	 * Earlier: the unrouted 45 % are not a network, AS64500 1.5 % nothing */
	CU_ASSERT_EQUAL_FATAL(json_array_size(f), 3);
	CU_ASSERT_STRING_EQUAL(fs(f, 0, "subject"), "AS64500");
	CU_ASSERT_STRING_EQUAL(fs(f, 0, "kind"), "asn");
	CU_ASSERT_STRING_EQUAL(fs(f, 0, "reason"), "share,rise");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_array_get(f, 0), "excess_queries")), 8700);
	CU_ASSERT_STRING_EQUAL(fs(f, 1, "subject"), "192.0.2.0/24");
	CU_ASSERT_STRING_EQUAL(fs(f, 2, "subject"), "198.51.100.0/24");
	CU_ASSERT_PTR_NULL(json_object_get(json_array_get(f, 0), "asn"));
	json_decref(f);

	/* an_flags_apply: "flag_rules" and "flags" before "sketch" */
	json_object_set_new(doc, "extra", json_true());
	CU_ASSERT_EQUAL(an_flags_apply(doc, &r), 0);
	static const char *const keys[] = { "interval", "series", "extra", "flag_rules", "flags",
					    "sketch" };
	size_t i = 0;
	const char *k;
	json_t *v;
	json_object_foreach(doc, k, v)
		CU_ASSERT(i < 6 && !strcmp(k, keys[i++]));
	an_flag_rules_t back;
	CU_ASSERT_EQUAL(an_flag_rules_parse(json_object_get(doc, "flag_rules"), &back), 0);
	CU_ASSERT(!memcmp(&back, &r, sizeof(r)));
	/* again: replaced, not doubled */
	CU_ASSERT_EQUAL(an_flags_apply(doc, &r), 0);
	CU_ASSERT_EQUAL(json_object_size(doc), 6);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(doc, "flags")), 3);

	/* refusals */
	json_t *bad = json_deep_copy(doc), *out = NULL;
	json_object_set_new(json_array_get(json_object_get(json_array_get(json_object_get(bad, "series"), 0),
							   "top_prefixes"), 0),
			    "queries", json_string("many"));
	CU_ASSERT_EQUAL(an_flags_compute(bad, &r, &out), DW_EFORMAT);
	json_decref(bad);
	bad = json_deep_copy(doc);
	json_object_set_new(json_object_get(json_object_get(json_array_get(json_object_get(
		json_object_get(bad, "sketch"), "series"), 6), "sources"), "top_prefixes"),
		"evidence", json_string("AAAA"));
	CU_ASSERT_EQUAL(an_flags_compute(bad, &r, &out), DW_EFORMAT);
	json_decref(bad);
	bad = json_deep_copy(doc);
	json_object_set_new(bad, "interval", json_integer(0));
	CU_ASSERT_EQUAL(an_flags_compute(bad, &r, &out), DW_EFORMAT);
	json_decref(bad);
	json_t *partial = json_pack("{s:i}", "window", 3);
	CU_ASSERT_EQUAL(an_flag_rules_parse(partial, &back), DW_EFORMAT);
	json_decref(partial);
	json_decref(doc);
}

/* ---- through the engine and an_merge() ------------------------------------ */

/* Query i of a stream over 20 minutes: 100 background sources at about
 * 2 q/s in all, and from minute 12 to 14 a flood from 10.9.9.0/24 (three
 * sources, 30 q/s, asking one name). Returns its time. */
static int64_t query_at(unsigned i, nl_dns_t *pkt, uint8_t *w)
{
	int64_t t;
	unsigned src;
	int flood;
	const char *name;

	memset(pkt, 0, sizeof(*pkt));
	/* 2400 background queries (one every 0.5 s), then 3600 flood ones
	 * (one every 1/30 s over two minutes), interleaved by time */
	if (i < 2400) {
		t = T0 + i / 2;
		flood = 0;
		src = (i * 37) % 100;
		name = i % 3 ? "www.example.com" : "x.example.net";
	} else {
		unsigned j = i - 2400;
		t = T0 + 720 + j / 30;
		flood = 1;
		src = j % 3;
		name = "attack.example";
	}
	pkt->ts_sec = t;
	pkt->transport = NL_UDP;
	pkt->ipver = 4;
	pkt->src[0] = 10;
	pkt->src[1] = flood ? 9 : (uint8_t)(src / 10);
	pkt->src[2] = flood ? 9 : (uint8_t)src;
	pkt->src[3] = flood ? (uint8_t)(1 + src) : 1;
	pkt->sport = 4000;
	pkt->dport = 53;
	const uint8_t hdr[12] = { 0, (uint8_t)i, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
	size_t n = sizeof(hdr);
	memcpy(w, hdr, n);
	for (const char *p = name; *p;) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		w[n++] = (uint8_t)l;
		memcpy(w + n, p, l);
		n += l;
		p += l + (dot ? 1 : 0);
	}
	w[n++] = 0;
	w[n++] = 0, w[n++] = 1, w[n++] = 0, w[n++] = 1;
	pkt->payload = w;
	pkt->len = pkt->wire_len = n;
	return t;
}

static int cmp_time(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a >> 16, y = *(const int64_t *)b >> 16;
	return x < y ? -1 : x > y;
}

/* The document of the queries with times in [from, to), labelled. */
static json_t *analyse(int64_t from, int64_t to, const char *instance, const char *file)
{
	an_cfg_t cfg;
	an_engine_t *e = NULL;
	uint8_t wire[512];
	nl_dns_t pkt;
	dw_msg_t m;
	int64_t order[6000];

	an_cfg_default(&cfg);
	CU_ASSERT_FATAL(an_engine_new(&e, &cfg) == 0);
	/* in time order: (time << 16 | index) sorted */
	for (unsigned i = 0; i < 6000; i++)
		order[i] = query_at(i, &pkt, wire) << 16 | i;
	qsort(order, 6000, sizeof(order[0]), cmp_time);
	for (unsigned k = 0; k < 6000; k++) {
		unsigned i = (unsigned)(order[k] & 0xffff);
		int64_t t = query_at(i, &pkt, wire);
		if (t < from || t >= to)
			continue;
		dw_msg_parse(&m, wire, pkt.len);
		an_engine_observe(e, &pkt, &m);
	}
	json_t *body = an_engine_finish(e);
	an_engine_free(e);
	json_t *doc = json_pack("{s:s,s:s,s:[{s:s,s:i,s:s}],s:{s:s,s:s,s:s}}", "schema", AN_SCHEMA,
				"generator", "test", "inputs", "file", file, "bytes", 1, "sha256",
				file, "labels", "server", "k.root-servers.net", "instance", instance,
				"phase", "durz");
	const char *k;
	json_t *v;
	json_object_foreach(body, k, v)
		json_object_set(doc, k, v);
	json_decref(body);
	CU_ASSERT_EQUAL(an_flags_apply(doc, &cfg.flag), 0);
	return doc;
}

static json_t *merge(json_t *const *docs, size_t n, const an_cfg_t *cfg)
{
	char err[256];
	json_t *out = an_merge(docs, n, cfg, err, sizeof(err));
	if (!out)
		fprintf(stderr, "\n  merge: %s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	return out;
}

static int same(const json_t *a, const json_t *b)
{
	char *x = json_dumps(a, JSON_COMPACT), *y = json_dumps(b, JSON_COMPACT);
	int eq = x && y && !strcmp(x, y);
	if (!eq)
		fprintf(stderr, "\n  %.400s\n  %.400s\n", x, y);
	free(x);
	free(y);
	return eq;
}

static void test_merge(void)
{
	json_t *whole = analyse(T0, T0 + 3600, "ams", "w.pcap");
	json_t *fw = json_object_get(whole, "flags");

	/* minutes 12 and 13: the /24 and its three sources (10 q/s each,
	 * against 2 q/s in all before: share and rise), repeating one name */
	CU_ASSERT_EQUAL_FATAL(json_array_size(fw), 8);
	CU_ASSERT_STRING_EQUAL(fs(fw, 0, "interval_start"), "2010-05-05T00:12:00Z");
	CU_ASSERT_STRING_EQUAL(fs(fw, 0, "subject"), "10.9.9.0/24");
	CU_ASSERT_STRING_EQUAL(fs(fw, 0, "reason"), "share,rise,repeat");
	CU_ASSERT_DOUBLE_EQUAL(fd(fw, 0, "rate_qps"), 30.0, 1e-9);
	CU_ASSERT_STRING_EQUAL(fs(fw, 1, "subject"), "10.9.9.1");
	CU_ASSERT_STRING_EQUAL(fs(fw, 4, "interval_start"), "2010-05-05T00:13:00Z");
	const json_t *ev = json_object_get(json_array_get(fw, 0), "evidence");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_array_get(
		json_object_get(ev, "top_qnames"), 0), "qname")), "attack.example.");
	/* the first query of a counter is not recorded: 1800 - 1 */
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(ev, "queries")), 1799);

	/* cut at 12:30 (inside the flood) and merged: the same flags */
	json_t *a = analyse(T0, T0 + 750, "ams", "a.pcap"), *b = analyse(T0 + 750, T0 + 3600, "ams",
									"b.pcap");
	json_t *docs[3] = { a, b, NULL };
	json_t *ab = merge(docs, 2, NULL);
	json_t *fab = json_object_get(ab, "flags");
	CU_ASSERT_EQUAL(json_array_size(fab), 8);
	for (size_t i = 0; i < json_array_size(fab) && i < json_array_size(fw); i++) {
		CU_ASSERT_STRING_EQUAL(fs(fab, i, "subject"), fs(fw, i, "subject"));
		CU_ASSERT_STRING_EQUAL(fs(fab, i, "reason"), fs(fw, i, "reason"));
		CU_ASSERT_STRING_EQUAL(fs(fab, i, "interval_start"), fs(fw, i, "interval_start"));
		CU_ASSERT_EQUAL(fd(fab, i, "rate_qps"), fd(fw, i, "rate_qps"));
	}
	CU_ASSERT(same(json_object_get(ab, "flag_rules"), json_object_get(whole, "flag_rules")));
	/* merged again alone, or the other way round: the same document */
	docs[0] = ab;
	json_t *again = merge(docs, 1, NULL);
	CU_ASSERT(same(again, ab));
	json_decref(again);
	docs[0] = b;
	docs[1] = a;
	again = merge(docs, 2, NULL);
	CU_ASSERT(same(again, ab));
	json_decref(again);

	/* rules from the caller where set, else the partials' strictest */
	an_cfg_t cfg;
	an_cfg_default(&cfg);
	cfg.flag.share_pct = 60;
	cfg.flag.factor = 1000;
	cfg.flag_set = AN_FLAG_SHARE | AN_FLAG_FACTOR;
	docs[0] = a;
	docs[1] = b;
	json_t *strict = merge(docs, 2, &cfg);
	CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(json_object_get(strict, "flag_rules"),
							       "share_pct")), 60, 1e-9);
	/* left: the /24 (a share of 94 %) and the repeats */
	json_t *fst = json_object_get(strict, "flags");
	CU_ASSERT_EQUAL(json_array_size(fst), 8);
	CU_ASSERT_STRING_EQUAL(fs(fst, 0, "reason"), "share,repeat");
	CU_ASSERT_STRING_EQUAL(fs(fst, 1, "reason"), "repeat");
	json_object_set_new(json_object_get(a, "flag_rules"), "repeat_qps", json_real(100));
	json_t *lax = merge(docs, 2, NULL);
	CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(json_object_get(lax, "flag_rules"),
							       "repeat_qps")), 100, 1e-9);
	CU_ASSERT_STRING_EQUAL(fs(json_object_get(lax, "flags"), 0, "reason"), "share,rise");
	json_object_set_new(json_object_get(a, "flag_rules"), "window", json_string("x"));
	char err[256];
	CU_ASSERT_PTR_NULL(an_merge(docs, 2, NULL, err, sizeof(err)));
	CU_ASSERT(strstr(err, "flag_rules") != NULL);
	json_object_set_new(json_object_get(a, "flag_rules"), "repeat_qps", json_real(1));
	json_object_set_new(json_object_get(a, "flag_rules"), "window", json_integer(60));

	/* several instances: each instance's flags from its own partials,
	 * tagged; merged in any grouping, the same */
	json_t *c = analyse(T0, T0 + 3600, "lhr", "c.pcap");
	docs[0] = a;
	docs[1] = b;
	docs[2] = c;
	json_t *abc = merge(docs, 3, NULL);
	json_t *fi = json_object_get(abc, "flags");
	CU_ASSERT_EQUAL_FATAL(json_array_size(fi), 16);
	CU_ASSERT_STRING_EQUAL(fs(fi, 0, "instance"), "k.root-servers.net|ams");
	CU_ASSERT_STRING_EQUAL(fs(fi, 1, "instance"), "k.root-servers.net|lhr");
	/* "instance" right after "interval_start" */
	void *it = json_object_iter(json_array_get(fi, 0));
	CU_ASSERT_STRING_EQUAL(json_object_iter_key(json_object_iter_next(json_array_get(fi, 0), it)),
			       "instance");
	docs[0] = ab;
	docs[1] = c;
	json_t *ab_c = merge(docs, 2, NULL);
	CU_ASSERT(same(json_object_get(ab_c, "flags"), fi));
	/* a merged document of several instances gives its flags as they are */
	docs[0] = abc;
	json_t *abc1 = merge(docs, 1, NULL);
	CU_ASSERT(same(json_object_get(abc1, "flags"), fi));
	json_t *abc_c;
	docs[1] = c;
	abc_c = merge(docs, 2, NULL);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(abc_c, "flags")), 16);

	json_t *all[] = { whole, a, b, ab, strict, lax, c, abc, ab_c, abc1, abc_c };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		json_decref(all[i]);
}

static CU_TestInfo tests[] = {
	{ "share", test_share },
	{ "rise", test_rise },
	{ "repeat", test_repeat },
	{ "asn_order", test_asn_order },
	{ "merge", test_merge },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("an_flags", tests);
}
