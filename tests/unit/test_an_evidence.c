/*
 * analyze/sketch/evidence.c and the Space-Saving calls that carry it
 * (an_ss_add1, an_ss_top_idx, an_ss_order, an_ss_merge_map, AS keys):
 * counts and the question summary of one record worked out by hand, case
 * folding, merge (counts add, questions merge as Space-Saving, in any
 * order), the text form and its refusals, the JSON form; and the records
 * m_sources keeps per interval counter (started at a key's second query,
 * saved for the top counters, following their keys through a merge).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "cu_main.h"
#include "metric.h"
#include "rootlens/errcode.h"
#include "sketch/b64.h"
#include "sketch/evidence.h"
#include "sketch/spacesaving.h"

extern const metric_ops_t m_sources;

/* A query for @p name (dotted, "" the root) of @p qtype; @p m holds the
 * QNAME the an_ev_q_t borrows. */
static void query(an_ev_q_t *q, dw_msg_t *m, const char *name, uint16_t qtype, int tcp, int dobit)
{
	size_t n = 0;
	const char *p = name;

	memset(m, 0, sizeof(*m));
	m->have_header = 1;
	m->have_question = 1;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		m->qname[n++] = (uint8_t)l;
		memcpy(m->qname + n, p, l);
		n += l;
		p += l + (dot ? 1 : 0);
	}
	m->qname[n++] = 0;
	m->qname_len = (uint8_t)n;
	m->qtype = qtype;
	m->have_edns = dobit >= 0;
	m->edns_do = dobit > 0;
	an_ev_q_set(q, m, (unsigned)tcp);
}

static void add(an_ev_t *e, const char *name, uint16_t qtype, int tcp, int dobit, unsigned times)
{
	an_ev_q_t q;
	dw_msg_t m;
	query(&q, &m, name, qtype, tcp, dobit);
	for (unsigned i = 0; i < times; i++)
		an_ev_add(e, &q);
}

static char *packed(const an_ev_t *e)
{
	char *s;
	CU_ASSERT_FATAL(an_ev_pack(&e, 1, &s) == 0);
	return s;
}

static const json_t *topq(const json_t *j, size_t i, const char *key)
{
	return json_object_get(json_array_get(json_object_get(j, "top_qnames"), i), key);
}

static void test_record(void)
{
	an_ev_t e;
	an_ev_reset(&e);
	add(&e, "example.com", 1, 0, 1, 5);
	add(&e, "EXAMPLE.com", 1, 1, 0, 2);   /* the same question (RFC 4343) */
	add(&e, "example.com", 28, 0, -1, 3); /* another type: another question */
	add(&e, "", 2, 0, 1, 1);              /* priming */
	add(&e, "a.b", 65280, 0, 1, 1);       /* a type counted as "other" */
	CU_ASSERT_EQUAL(e.n, 12);
	CU_ASSERT_EQUAL(e.tcp, 2);
	CU_ASSERT_EQUAL(e.dobit, 7);
	CU_ASSERT_EQUAL(e.qt[an_ev_qt_slot(1)], 7);
	CU_ASSERT_EQUAL(e.qt[an_ev_qt_slot(28)], 3);
	CU_ASSERT_EQUAL(e.qt[an_ev_qt_slot(2)], 1);
	CU_ASSERT_EQUAL(e.qt[AN_EV_NQT], 1);
	CU_ASSERT_EQUAL(e.nslots, 4);

	json_t *j = an_ev_json(&e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "queries")), 12);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(j, "transport"), "tcp")), 2);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(j, "transport"), "udp")), 10);
	CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(j, "do_pct")), 58.3333, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(j, "tcp_pct")), 16.6667, 1e-9);
	/* types by count, "other" last */
	const json_t *qt = json_object_get(j, "qtype");
	CU_ASSERT_STRING_EQUAL(json_object_iter_key(json_object_iter((json_t *)(uintptr_t)qt)), "A");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(qt, "other")), 1);
	/* questions by count; the QNAME lowercased, in presentation form */
	CU_ASSERT_STRING_EQUAL(json_string_value(topq(j, 0, "qname")), "example.com.");
	CU_ASSERT_STRING_EQUAL(json_string_value(topq(j, 0, "qtype")), "A");
	CU_ASSERT_EQUAL(json_integer_value(topq(j, 0, "queries")), 7);
	CU_ASSERT_STRING_EQUAL(json_string_value(topq(j, 1, "qtype")), "AAAA");
	/* ties (1 each): by name bytes, so the root (\0) first */
	CU_ASSERT_STRING_EQUAL(json_string_value(topq(j, 2, "qname")), ".");
	CU_ASSERT_STRING_EQUAL(json_string_value(topq(j, 3, "qname")), "a.b.");
	CU_ASSERT_STRING_EQUAL(json_string_value(topq(j, 3, "qtype")), "TYPE65280");
	json_decref(j);

	/* full: a new question takes the smallest (the first of the 1s: the
	 * root), which becomes its error */
	add(&e, "new.example", 16, 0, 0, 1);
	CU_ASSERT_EQUAL(e.nslots, 4);
	j = an_ev_json(&e);
	CU_ASSERT_STRING_EQUAL(json_string_value(topq(j, 2, "qname")), "new.example.");
	CU_ASSERT_EQUAL(json_integer_value(topq(j, 2, "queries")), 2);
	CU_ASSERT_EQUAL(json_integer_value(topq(j, 2, "error")), 1);
	CU_ASSERT_STRING_EQUAL(json_string_value(topq(j, 3, "qname")), "a.b.");
	json_decref(j);

	/* a query without a question counts, as "other" */
	an_ev_q_t q;
	dw_msg_t m;
	memset(&m, 0, sizeof(m));
	m.have_header = 1;
	an_ev_q_set(&q, &m, 0);
	an_ev_add(&e, &q);
	CU_ASSERT_EQUAL(e.n, 14);
	CU_ASSERT_EQUAL(e.qt[AN_EV_NQT], 2);

	/* a name beyond 64 bytes is copied whole */
	an_ev_t big;
	an_ev_reset(&big);
	add(&big, "a-long-label-of-forty-bytes-to-pass-sixty.another-label-as-long-as-that-one.example", 1,
	    0, 0, 2);
	j = an_ev_json(&big);
	CU_ASSERT_STRING_EQUAL(json_string_value(topq(j, 0, "qname")),
			       "a-long-label-of-forty-bytes-to-pass-sixty.another-label-as-long-as-that-one.example.");
	json_decref(j);
}

/* Merge: counts add; questions add where both have them, a question in
 * one only gets the other's minimum when that one is full. */
static void test_merge(void)
{
	an_ev_t a, b, c, ab, ba;

	an_ev_reset(&a);
	an_ev_reset(&b);
	add(&a, "x.com", 1, 0, 1, 10);
	add(&a, "y.com", 1, 0, 0, 6);
	add(&b, "X.COM", 1, 1, 1, 4); /* the same as x.com */
	add(&b, "z.com", 28, 0, 0, 3);
	memcpy(&ab, &a, sizeof(a));
	an_ev_merge(&ab, &b);
	CU_ASSERT_EQUAL(ab.n, 23);
	CU_ASSERT_EQUAL(ab.tcp, 4);
	CU_ASSERT_EQUAL(ab.dobit, 14);
	CU_ASSERT_EQUAL(ab.nslots, 3);
	json_t *j = an_ev_json(&ab);
	CU_ASSERT_STRING_EQUAL(json_string_value(topq(j, 0, "qname")), "x.com.");
	CU_ASSERT_EQUAL(json_integer_value(topq(j, 0, "queries")), 14);
	CU_ASSERT_EQUAL(json_integer_value(topq(j, 0, "error")), 0);
	CU_ASSERT_EQUAL(json_integer_value(topq(j, 1, "queries")), 6);
	CU_ASSERT_EQUAL(json_integer_value(topq(j, 2, "queries")), 3);
	json_decref(j);
	/* the other way round: the same record, to the byte of its text */
	memcpy(&ba, &b, sizeof(b));
	an_ev_merge(&ba, &a);
	char *s1 = packed(&ab), *s2 = packed(&ba);
	CU_ASSERT_STRING_EQUAL(s1, s2);
	free(s1);
	free(s2);

	/* full summaries: absent questions get the other's minimum */
	an_ev_reset(&c);
	add(&c, "q1", 1, 0, 0, 9);
	add(&c, "q2", 1, 0, 0, 8);
	add(&c, "q3", 1, 0, 0, 7);
	add(&c, "q4", 1, 0, 0, 5); /* minimum 5 */
	an_ev_t d;
	an_ev_reset(&d);
	add(&d, "q1", 1, 0, 0, 1);
	add(&d, "r1", 1, 0, 0, 4);
	add(&d, "r2", 1, 0, 0, 3);
	add(&d, "r3", 1, 0, 0, 2); /* minimum 1 */
	an_ev_merge(&c, &d);
	j = an_ev_json(&c);
	/* q1 10/0, q2 9/1, q3 8/1, r1 4+5=9/5, r2 8/5, q4 6/1, r3 7/5: the
	 * four largest, ties by name */
	CU_ASSERT_STRING_EQUAL(json_string_value(topq(j, 0, "qname")), "q1.");
	CU_ASSERT_EQUAL(json_integer_value(topq(j, 0, "queries")), 10);
	CU_ASSERT_STRING_EQUAL(json_string_value(topq(j, 1, "qname")), "q2.");
	CU_ASSERT_EQUAL(json_integer_value(topq(j, 1, "error")), 1);
	CU_ASSERT_STRING_EQUAL(json_string_value(topq(j, 2, "qname")), "r1.");
	CU_ASSERT_EQUAL(json_integer_value(topq(j, 2, "queries")), 9);
	CU_ASSERT_EQUAL(json_integer_value(topq(j, 2, "error")), 5);
	CU_ASSERT_STRING_EQUAL(json_string_value(topq(j, 3, "qname")), "q3.");
	CU_ASSERT_EQUAL(c.n, 39);
	json_decref(j);
}

/* The text form: round trip, and what is refused. */
static void test_text(void)
{
	an_ev_t e[3], back[3];
	const an_ev_t *recs[4];
	char *s;
	size_t n;

	an_ev_reset(&e[0]);
	an_ev_reset(&e[1]);
	an_ev_reset(&e[2]);
	add(&e[0], "Example.COM", 1, 1, 1, 3);
	add(&e[0], "b.example", 48, 0, 1, 200);
	add(&e[2], "", 2, 0, 0, 1);
	recs[0] = &e[0];
	recs[1] = NULL; /* an empty record */
	recs[2] = &e[2];
	CU_ASSERT_FATAL(an_ev_pack(recs, 3, &s) == 0);
	CU_ASSERT_EQUAL(an_ev_unpack(s, 3, back, 3, &n), 0);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_EQUAL(back[0].n, 203);
	CU_ASSERT_EQUAL(back[1].n, 0);
	CU_ASSERT_EQUAL(back[2].n, 1);
	/* the same text again (names were lowercased once) */
	const an_ev_t *r2[3] = { &back[0], &back[1], &back[2] };
	char *s2;
	CU_ASSERT_FATAL(an_ev_pack(r2, 3, &s2) == 0);
	CU_ASSERT_STRING_EQUAL(s, s2);
	free(s2);
	/* more records than allowed; fewer stored than there are */
	CU_ASSERT_EQUAL(an_ev_unpack(s, 2, back, 2, &n), DW_EFORMAT);
	CU_ASSERT_EQUAL(an_ev_unpack(s, 3, back, 1, &n), 0);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_EQUAL(back[0].n, 203);
	/* a loaded record counts on like the original */
	add(&back[0], "EXAMPLE.com", 1, 0, 0, 1);
	json_t *j = an_ev_json(&back[0]);
	CU_ASSERT_EQUAL(json_integer_value(topq(j, 1, "queries")), 4);
	json_decref(j);
	free(s);

	/* hand-made texts: version, n, sums, names, order, trailing bytes */
	static const struct {
		uint8_t b[64];
		size_t n;
	} bad[] = {
		/* version 2 */
		{ { 2, 0 }, 2 },
		/* R 1, n 1, tcp 2 > n */
		{ { 1, 1, 1, 2, 0 }, 5 },
		/* n 2, types summing to 1 */
		{ { 1, 1, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 18 },
		/* n 1 as A, 1 slot: count 1, err 0, qtype 1, len 2, not a name (label 5) */
		{ { 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 2, 5, 0 }, 24 },
		/* the same with an upper-case name "\1A\0" */
		{ { 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 3, 1, 'A', 0 }, 25 },
		/* slot count 2 > n - err */
		{ { 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 1, 1, 0 }, 23 },
		/* a good record, then a trailing byte */
		{ { 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 0, 7 }, 24 },
		/* a varint that is not minimal (0x80 0x00) */
		{ { 1, 1, 0x80, 0 }, 4 },
		/* 5 slots */
		{ { 1, 1, 5, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5 }, 18 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *t;
		CU_ASSERT_FATAL(an_blob_pack(bad[i].b, bad[i].n, &t) == 0);
		CU_ASSERT_EQUAL(an_ev_unpack(t, 8, back, 3, &n), DW_EFORMAT);
		free(t);
	}
	/* the good record of the last-but-two case, without its trailing byte */
	{
		char *t;
		CU_ASSERT_FATAL(an_blob_pack(bad[6].b, 23, &t) == 0);
		CU_ASSERT_EQUAL(an_ev_unpack(t, 8, back, 3, &n), 0);
		free(t);
	}
	/* two slots out of order, and the same question twice */
	an_ev_t o;
	an_ev_reset(&o);
	add(&o, "a", 1, 0, 0, 1);
	add(&o, "b", 1, 0, 0, 2);
	const an_ev_t *ro = &o;
	CU_ASSERT_FATAL(an_ev_pack(&ro, 1, &s) == 0);
	uint8_t raw[256];
	size_t len;
	CU_ASSERT_FATAL(an_blob_unpack(s, raw, sizeof(raw), &len) == 0);
	free(s);
	/* slots start after version, R, n, tcp, do and 12 type counts: 17 */
	uint8_t swap[256];
	memcpy(swap, raw, len);
	/* slot layout: count, err, qtype, len 3, name "\1x\0": 7 bytes each */
	memcpy(swap + 18, raw + 25, 7);
	memcpy(swap + 25, raw + 18, 7);
	CU_ASSERT_FATAL(an_blob_pack(swap, len, &s) == 0);
	CU_ASSERT_EQUAL(an_ev_unpack(s, 8, back, 3, &n), DW_EFORMAT);
	free(s);
	memcpy(swap, raw, len);
	memcpy(swap + 25, raw + 18, 7); /* b twice */
	swap[25] = swap[18];
	CU_ASSERT_FATAL(an_blob_pack(swap, len, &s) == 0);
	CU_ASSERT_EQUAL(an_ev_unpack(s, 8, back, 3, &n), DW_EFORMAT);
	free(s);

	/* the 32-bit list */
	uint32_t v[4] = { 0, 7, 4200000000u, 64500 }, w[4];
	CU_ASSERT_FATAL(an_u32s_pack(v, 4, &s) == 0);
	CU_ASSERT_EQUAL(an_u32s_unpack(s, w, 4, &n), 0);
	CU_ASSERT_EQUAL(n, 4);
	CU_ASSERT(memcmp(v, w, sizeof(v)) == 0);
	CU_ASSERT_EQUAL(an_u32s_unpack(s, w, 3, &n), DW_EFORMAT);
	free(s);
}

/* ---- the Space-Saving calls ---------------------------------------------- */

static void key4(an_ss_key_t *k, uint32_t a)
{
	uint8_t b[4] = { 192, 0, (uint8_t)(a >> 8), (uint8_t)a };
	an_ss_key_set(k, 4, b, 32);
}

static void test_ss(void)
{
	an_ss_t *a, *b;
	an_ss_key_t k;
	int taken;
	uint32_t i0, i;

	CU_ASSERT_FATAL(an_ss_new(&a, 4) == 0 && an_ss_new(&b, 4) == 0);
	key4(&k, 1);
	i0 = an_ss_add1(a, &k, an_ss_key_hash(&k), &taken);
	CU_ASSERT_EQUAL(taken, 1);
	CU_ASSERT_EQUAL(an_ss_add1(a, &k, an_ss_key_hash(&k), &taken), i0);
	CU_ASSERT_EQUAL(taken, 0);
	for (uint32_t x = 2; x <= 4; x++) {
		key4(&k, x);
		for (uint32_t t = 0; t < x; t++)
			an_ss_add1(a, &k, an_ss_key_hash(&k), &taken);
	}
	/* full (1: 2, 2: 2, 3: 3, 4: 4): a newcomer takes a counter of 2 */
	key4(&k, 9);
	i = an_ss_add1(a, &k, an_ss_key_hash(&k), &taken);
	CU_ASSERT_EQUAL(taken, 1);
	an_ss_item_t it[4];
	uint32_t idx[4], ord[4];
	CU_ASSERT_EQUAL(an_ss_top_idx(a, it, idx, 4), 4);
	/* 4 (4), 3 (3), 9 (3, err 2), and the 2 that stayed */
	CU_ASSERT_EQUAL(it[0].count, 4);
	CU_ASSERT_EQUAL(it[1].count, 3);
	CU_ASSERT_EQUAL(it[2].count, 3);
	CU_ASSERT_EQUAL(it[2].err, 2);
	CU_ASSERT_EQUAL(idx[2], i);
	CU_ASSERT_EQUAL(an_ss_order(a, ord), 0);
	CU_ASSERT(memcmp(ord, idx, sizeof(ord)) == 0);

	/* merge_map: where each merged counter was */
	key4(&k, 4);
	an_ss_add1(b, &k, an_ss_key_hash(&k), &taken);
	key4(&k, 7);
	for (int t = 0; t < 9; t++)
		an_ss_add1(b, &k, an_ss_key_hash(&k), &taken);
	uint32_t fd[4], fs[4], bidx4, bidx7;
	an_ss_item_t bi[2];
	uint32_t bx[2];
	CU_ASSERT_EQUAL(an_ss_top_idx(b, bi, bx, 2), 2);
	bidx7 = bx[0];
	bidx4 = bx[1];
	CU_ASSERT_EQUAL(an_ss_merge_map(a, b, fd, fs), 0);
	/* 7 (9, from b only), 4 (5, both), 3 and 9 (3 each, a only) */
	CU_ASSERT_EQUAL(an_ss_size(a), 4);
	CU_ASSERT_EQUAL(fd[0], AN_SS_NONE);
	CU_ASSERT_EQUAL(fs[0], bidx7);
	CU_ASSERT_EQUAL(fd[1], idx[0]);
	CU_ASSERT_EQUAL(fs[1], bidx4);
	CU_ASSERT_EQUAL(fd[2], idx[1]);
	CU_ASSERT_EQUAL(fs[2], AN_SS_NONE);
	CU_ASSERT_EQUAL(fd[3], idx[2]);
	/* after a merge the order is the index order */
	CU_ASSERT_EQUAL(an_ss_order(a, ord), 0);
	for (uint32_t x = 0; x < 4; x++)
		CU_ASSERT_EQUAL(ord[x], x);

	/* AS keys: their own kind, saved and loaded */
	an_ss_t *s;
	char *txt;
	CU_ASSERT_FATAL(an_ss_new(&s, 8) == 0);
	an_ss_key_asn(&k, 4200000000u);
	CU_ASSERT_EQUAL(an_ss_key_asn_of(&k), 4200000000u);
	an_ss_add(s, &k, 5);
	an_ss_key_asn(&k, 64500);
	an_ss_add(s, &k, 2);
	CU_ASSERT_FATAL(an_ss_save(s, &txt) == 0);
	an_ss_free(s);
	CU_ASSERT_FATAL(an_ss_new(&s, 8) == 0);
	CU_ASSERT_EQUAL(an_ss_load(s, txt), 0);
	CU_ASSERT_EQUAL(an_ss_top(s, it, 4), 2);
	CU_ASSERT_EQUAL(it[0].key.ipver, AN_SS_ASN);
	CU_ASSERT_EQUAL(an_ss_key_asn_of(&it[0].key), 4200000000u);
	CU_ASSERT_EQUAL(it[0].count, 5);
	CU_ASSERT_EQUAL(an_ss_key_asn_of(&it[1].key), 64500);
	free(txt);
	an_ss_free(s);
	an_ss_free(a);
	an_ss_free(b);
}

/* ---- the records of m_sources ----------------------------------------------- */

static void cfg_iv(an_cfg_t *c)
{
	an_cfg_default(c);
	c->ss_interval = 8;
	c->scope = AN_SCOPE_INTERVAL;
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

static void feed(void *st, const char *src, const char *name, uint16_t qtype, int tcp,
		 unsigned times)
{
	nl_dns_t pkt;
	an_ev_q_t q;
	dw_msg_t msg;
	an_obs_t o;

	memset(&pkt, 0, sizeof(pkt));
	pkt.ipver = 4;
	CU_ASSERT_FATAL(inet_pton(AF_INET, src, pkt.src) == 1);
	pkt.transport = tcp ? NL_TCP : NL_UDP;
	query(&q, &msg, name, qtype, tcp, 1);
	memset(&o, 0, sizeof(o));
	o.pkt = &pkt;
	o.msg = &msg;
	o.tr = (unsigned)tcp;
	for (unsigned i = 0; i < times; i++)
		m_sources.observe(st, &o);
}

/* The evidence records of list @p list in the sketch @p sk. */
static size_t records(const json_t *sk, const char *list, an_ev_t *out, size_t max)
{
	const json_t *s = json_object_get(json_object_get(sk, list), "evidence");
	size_t n = 0;
	CU_ASSERT_FATAL(json_is_string(s));
	CU_ASSERT_EQUAL(an_ev_unpack(json_string_value(s), 64, out, max, &n), 0);
	return n;
}

static void test_sources(void)
{
	an_cfg_t cfg;
	void *a = NULL, *b, *w;
	json_t *fa, *ska, *fw, *skw;
	an_ev_t ev[32];

	cfg_iv(&cfg);
	/* a source seen once has no record; from its second query on it has */
	a = state(&cfg);
	feed(a, "192.0.2.1", "x.example", 1, 0, 1);
	feed(a, "192.0.2.2", "y.example", 28, 1, 5);
	fa = json_object();
	ska = json_object();
	CU_ASSERT_FATAL(m_sources.emit(a, fa) == 0 && m_sources.save(a, ska) == 0);
	CU_ASSERT_EQUAL(records(ska, "top_sources", ev, 32), 2);
	CU_ASSERT_EQUAL(ev[0].n, 4); /* 192.0.2.2: 5 queries, the first not recorded */
	CU_ASSERT_EQUAL(ev[0].tcp, 4);
	CU_ASSERT_EQUAL(ev[0].qt[an_ev_qt_slot(28)], 4);
	CU_ASSERT_EQUAL(ev[1].n, 0);
	/* the /24 counter saw both: 6 queries, 5 recorded */
	CU_ASSERT_EQUAL(records(ska, "top_prefixes", ev, 32), 1);
	CU_ASSERT_EQUAL(ev[0].n, 5);
	json_decref(fa);
	json_decref(ska);
	drop(a);

	/* whole vs two halves merged: the same records (no counter evicted) */
	w = state(&cfg);
	a = state(&cfg);
	b = state(&cfg);
	static const char *const src[] = { "192.0.2.1", "192.0.2.9", "198.51.100.3", "203.0.113.7" };
	static const char *const name[] = { "a.com", "b.net", "", "c.org", "a.com" };
	for (unsigned i = 0; i < 400; i++) {
		void *half = i < 200 ? a : b;
		const char *s = src[(i * i) % 4], *n = name[i % 5];
		uint16_t t = (uint16_t)(i % 3 ? 1 : 28);
		feed(w, s, n, t, i % 7 == 0, 1);
		feed(half, s, n, t, i % 7 == 0, 1);
	}
	CU_ASSERT_EQUAL(m_sources.merge(a, b), 0);
	fa = json_object();
	ska = json_object();
	fw = json_object();
	skw = json_object();
	CU_ASSERT_FATAL(m_sources.emit(a, fa) == 0 && m_sources.save(a, ska) == 0);
	CU_ASSERT_FATAL(m_sources.emit(w, fw) == 0 && m_sources.save(w, skw) == 0);
	CU_ASSERT(json_equal(fa, fw));
	/* each half misses the first query of each key: the merged records
	 * count one query less per key than the whole's */
	an_ev_t em[32];
	size_t nw = records(skw, "top_sources", ev, 32), nm = records(ska, "top_sources", em, 32);
	CU_ASSERT_EQUAL(nw, nm);
	for (size_t i = 0; i < nw && i < nm; i++) {
		CU_ASSERT_EQUAL(em[i].n + 1, ev[i].n);
		CU_ASSERT_EQUAL(em[i].nslots, ev[i].nslots);
	}
	/* load(save) gives the same sketch back, and merges like the state */
	void *l = state(&cfg);
	CU_ASSERT_EQUAL(m_sources.load(l, fa, ska), 0);
	json_t *fl = json_object(), *skl = json_object();
	CU_ASSERT_FATAL(m_sources.emit(l, fl) == 0 && m_sources.save(l, skl) == 0);
	CU_ASSERT(json_equal(fl, fa));
	CU_ASSERT(json_equal(skl, ska));
	json_decref(fl);
	json_decref(skl);
	/* a record counting more than its key's count is refused */
	json_t *bad = json_deep_copy(ska);
	json_object_set(json_object_get(bad, "top_prefixes"), "evidence",
			json_object_get(json_object_get(ska, "top_sources"), "evidence"));
	void *l2 = state(&cfg);
	CU_ASSERT_EQUAL(m_sources.load(l2, NULL, bad), DW_EFORMAT);
	drop(l2);
	json_decref(bad);
	/* a broken evidence string is refused */
	bad = json_deep_copy(ska);
	json_object_set_new(json_object_get(bad, "top_sources"), "evidence", json_string("AAAA"));
	l2 = state(&cfg);
	CU_ASSERT_EQUAL(m_sources.load(l2, NULL, bad), DW_EFORMAT);
	drop(l2);
	json_decref(bad);

	json_decref(fa);
	json_decref(ska);
	json_decref(fw);
	json_decref(skw);
	drop(l);
	drop(a);
	drop(b);
	drop(w);

	/* more keys than counters: records start afresh when a key takes an
	 * evicted counter, and only the first 2 x topk_interval are saved */
	cfg.ss_interval = 64;
	cfg.topk_interval = 3;
	a = state(&cfg);
	for (unsigned i = 0; i < 300; i++) {
		char s[32];
		snprintf(s, sizeof(s), "10.0.%u.%u", i % 250, i / 250);
		feed(a, s, "k.example", 6, 0, 1 + (i % 4));
	}
	feed(a, "10.0.0.77", "heavy.example", 255, 0, 50);
	ska = json_object();
	fa = json_object();
	CU_ASSERT_FATAL(m_sources.emit(a, fa) == 0 && m_sources.save(a, ska) == 0);
	CU_ASSERT_EQUAL(records(ska, "top_sources", ev, 32), 6);
	CU_ASSERT_EQUAL(ev[0].n, 49);
	CU_ASSERT_EQUAL(ev[0].qt[an_ev_qt_slot(255)], 49);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_array_get(
		json_object_get(fa, "top_sources"), 0), "addr")), "10.0.0.77");
	json_decref(fa);
	json_decref(ska);
	drop(a);
}

static CU_TestInfo tests[] = {
	{ "record", test_record },
	{ "merge", test_merge },
	{ "text", test_text },
	{ "spacesaving", test_ss },
	{ "sources", test_sources },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("an_evidence", tests);
}
