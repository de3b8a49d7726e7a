/*
 * analyze/merge.c: a message list analysed whole and in three slices; the
 * slices' documents merged in several orders and groupings must give the
 * same document, and the counters and series of the whole run (unique
 * sources and top lists: within their stated error). Documents that do
 * not fit are refused with a message naming the document and the reason.
 */
#include <math.h>
#include <string.h>

#include "cu_main.h"
#include "rootlens/analyze.h"
#include "rootlens/errcode.h"

#define T0 1273017600 /* 2010-05-05T00:00:00Z */
#define NMSG 3000

static const char *const names[] = { "", "com", "example.net", "www.example.org", "x.de",
				     "nic.uk", "junk-tld", "a.b.c.jp" };
static const uint16_t types[] = { 1, 28, 2, 48, 43, 15, 6 };

/* Message i of the list: ~5 minutes, sources with a heavy head. */
static size_t build(unsigned i, nl_dns_t *pkt, uint8_t *w)
{
	const char *p = names[i % 8];
	size_t n = 0;
	int qr = i % 3 == 0, edns = i % 4 != 0, v6 = (i / 3) % 2;
	unsigned src = i % 5 == 0 ? 1 : (i * 2654435761u) % 700;

	memset(pkt, 0, sizeof(*pkt));
	pkt->ts_sec = T0 + (int64_t)(i / 10);
	pkt->transport = i % 7 == 0 ? NL_TCP : NL_UDP;
	pkt->ipver = v6 ? 6 : 4;
	if (v6) {
		pkt->src[0] = 0x20, pkt->src[1] = 0x01, pkt->src[2] = 0x0d, pkt->src[3] = 0xb8;
		pkt->src[7] = (uint8_t)(src >> 8), pkt->src[15] = (uint8_t)src;
	} else {
		pkt->src[0] = 10, pkt->src[2] = (uint8_t)(src >> 8), pkt->src[3] = (uint8_t)src;
	}
	pkt->sport = 4000;
	pkt->dport = 53;
	/* RFC 1035 4.1 header, one question; RFC 6891 OPT when edns */
	const uint8_t hdr[12] = { 0, (uint8_t)i, (uint8_t)(qr ? 0x81 : 0x01),
				  (uint8_t)(qr && i % 9 == 0 ? 3 : 0), 0, 1, 0, 0, 0, 0, 0,
				  (uint8_t)edns };
	memcpy(w, hdr, sizeof(hdr));
	n = sizeof(hdr);
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		w[n++] = (uint8_t)l;
		memcpy(w + n, p, l);
		n += l;
		p += l + (dot ? 1 : 0);
	}
	w[n++] = 0;
	w[n++] = 0, w[n++] = (uint8_t)types[i % 7];
	w[n++] = 0, w[n++] = 1;
	if (edns) {
		const uint8_t opt[] = { 0, 0, 41, 0x04, 0xd0, 0, 0,
					(uint8_t)(i % 2 ? 0x80 : 0), 0, 0, 0 };
		memcpy(w + n, opt, sizeof(opt));
		n += sizeof(opt);
	}
	pkt->payload = w;
	pkt->len = pkt->wire_len = n;
	return n;
}

/* The document of messages [a, b), labelled, as `rootlens analyze` makes it. */
static json_t *analyse(unsigned a, unsigned b, const char *instance, const char *file)
{
	an_cfg_t cfg;
	an_engine_t *e = NULL;
	uint8_t wire[512];
	nl_dns_t pkt;
	dw_msg_t m;

	an_cfg_default(&cfg);
	if (an_engine_new(&e, &cfg) < 0)
		return NULL;
	for (unsigned i = a; i < b; i++) {
		build(i, &pkt, wire);
		dw_msg_parse(&m, wire, pkt.len);
		an_engine_observe(e, &pkt, &m);
	}
	rl_feed_stats_t st;
	memset(&st, 0, sizeof(st));
	st.packets = (b - a) + 10;
	st.net.skipped[NL_SKIP_TCP_NODATA] = 10;
	st.net.tcp_flows = 1;
	an_engine_add_feed(e, &st);
	json_t *body = an_engine_finish(e);
	an_engine_free(e);

	json_t *doc = json_object(), *in = json_object(), *labels = json_object(), *v;
	const char *k;
	json_object_set_new(doc, "schema", json_string(AN_SCHEMA));
	json_object_set_new(doc, "generator", json_string("test"));
	json_object_set_new(in, "file", json_string(file));
	json_object_set_new(in, "bytes", json_integer(b - a));
	json_object_set_new(in, "sha256", json_string(file)); /* distinct per file */
	json_object_set_new(doc, "inputs", json_pack("[o]", in));
	json_object_set_new(labels, "server", json_string("k.root-servers.net"));
	json_object_set_new(labels, "instance", json_string(instance));
	json_object_set_new(labels, "phase", json_string("durz"));
	json_object_set_new(doc, "labels", labels);
	json_object_foreach(body, k, v)
		json_object_set(doc, k, v);
	json_decref(body);
	/* analyze adds the flags of its document */
	CU_ASSERT_EQUAL(an_flags_apply(doc, &cfg.flag), 0);
	return doc;
}

static json_t *merge(json_t *a, json_t *b, json_t *c)
{
	json_t *docs[3] = { a, b, c };
	char err[256];
	json_t *out = an_merge(docs, c ? 3 : 2, NULL, err, sizeof(err));
	if (!out)
		fprintf(stderr, "\n  merge: %s\n", err);
	return out;
}

static int same_doc(const json_t *a, const json_t *b)
{
	char *x = json_dumps(a, JSON_COMPACT), *y = json_dumps(b, JSON_COMPACT);
	int eq = x && y && !strcmp(x, y);
	free(x);
	free(y);
	return eq;
}

/* The figures with the sketched ones taken out (those are checked apart),
 * and the feed's counters, which each partial here reports on its own. */
static json_t *exact(const json_t *fig)
{
	json_t *o = json_deep_copy(fig);
	json_object_del(o, "packets");
	json_object_del(o, "packets_without_dns");
	json_object_del(o, "reassembly");
	json_object_del(o, "unique_sources");
	json_object_del(o, "top_sources");
	json_object_del(o, "top_prefixes");
	json_object_del(o, "start");
	return o;
}

static int exact_equal(const json_t *a, const json_t *b, const char *what)
{
	json_t *x = exact(a), *y = exact(b);
	int eq = json_equal(x, y);
	if (!eq) {
		const char *k;
		json_t *v;
		json_object_foreach(x, k, v)
			if (!json_equal(v, json_object_get(y, k)))
				fprintf(stderr, "\n  %s.%s differs\n", what, k);
	}
	json_decref(x);
	json_decref(y);
	return eq;
}

/* |merged - whole| within 3 standard errors of the HLL (1.04/sqrt(2^p)). */
static int sources_close(const json_t *a, const json_t *b, int p)
{
	static const char *const keys[] = { "ipv4", "ipv6", "ipv6_64" };
	double se = 1.04 / sqrt((double)(1u << p));
	for (int k = 0; k < 3; k++) {
		double x = (double)json_integer_value(json_object_get(json_object_get(a,
				"unique_sources"), keys[k]));
		double y = (double)json_integer_value(json_object_get(json_object_get(b,
				"unique_sources"), keys[k]));
		if (fabs(x - y) > 3 * se * (x > 1 ? x : 1) + 1)
			return 0;
	}
	return 1;
}

/* Every merged top entry's count is within its error of the true count
 * (Space-Saving: queries - error <= true <= queries). True counts here come
 * from the whole run, whose few heavy sources are counted exactly. */
static int tops_within_error(const json_t *merged, const json_t *whole, const char *list,
			     const char *key)
{
	const json_t *e;
	size_t i;
	json_array_foreach(json_object_get(merged, list), i, e) {
		const char *addr = json_string_value(json_object_get(e, key));
		json_int_t q = json_integer_value(json_object_get(e, "queries"));
		json_int_t err = json_integer_value(json_object_get(e, "error"));
		const json_t *w;
		size_t j;
		json_array_foreach(json_object_get(whole, list), j, w) {
			if (strcmp(json_string_value(json_object_get(w, key)), addr))
				continue;
			json_int_t t = json_integer_value(json_object_get(w, "queries"));
			json_int_t te = json_integer_value(json_object_get(w, "error"));
			if (te == 0 && (t > q || t < q - err))
				return 0;
		}
	}
	return 1;
}

static void test_orders(void)
{
	/* Slice boundaries inside intervals: minute 1 and minute 3 are split
	 * between two partials. */
	json_t *whole = analyse(0, NMSG, "ams", "all.pcap");
	json_t *a = analyse(0, 1000, "ams", "a.pcap");
	json_t *b = analyse(1000, 1900, "ams", "b.pcap");
	json_t *c = analyse(1900, NMSG, "ams", "c.pcap");
	CU_ASSERT_PTR_NOT_NULL_FATAL(whole);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);

	json_t *abc = merge(a, b, c), *cba = merge(c, b, a), *bac = merge(b, a, c);
	json_t *ab = merge(a, b, NULL), *bc = merge(b, c, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(abc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ab);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bc);
	json_t *ab_c = merge(ab, c, NULL), *a_bc = merge(a, bc, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ab_c);

	/* Associative and commutative: the very same document. */
	CU_ASSERT(same_doc(abc, cba));
	CU_ASSERT(same_doc(abc, bac));
	CU_ASSERT(same_doc(abc, ab_c));
	CU_ASSERT(same_doc(abc, a_bc));

	/* Equal to the whole run. */
	json_t *mt = json_object_get(abc, "totals"), *wt = json_object_get(whole, "totals");
	json_t *ms = json_object_get(abc, "series"), *ws = json_object_get(whole, "series");
	CU_ASSERT(exact_equal(mt, wt, "totals"));
	CU_ASSERT_EQUAL_FATAL(json_array_size(ms), json_array_size(ws));
	CU_ASSERT_EQUAL(json_array_size(ms), 5);
	for (size_t i = 0; i < json_array_size(ms); i++) {
		CU_ASSERT(json_equal(json_object_get(json_array_get(ms, i), "start"),
				     json_object_get(json_array_get(ws, i), "start")));
		CU_ASSERT(exact_equal(json_array_get(ms, i), json_array_get(ws, i), "series"));
		CU_ASSERT(sources_close(json_array_get(ms, i), json_array_get(ws, i), 12));
	}
	CU_ASSERT(sources_close(mt, wt, 14));
	CU_ASSERT(tops_within_error(mt, wt, "top_sources", "addr"));
	CU_ASSERT(tops_within_error(mt, wt, "top_prefixes", "prefix"));
	/* the heaviest source (every fifth message) leads both lists */
	CU_ASSERT(json_equal(json_object_get(json_array_get(json_object_get(mt, "top_sources"), 0),
					     "addr"),
			     json_object_get(json_array_get(json_object_get(wt, "top_sources"), 0),
					     "addr")));

	/* Document-level fields. */
	CU_ASSERT(json_equal(json_object_get(abc, "start"), json_object_get(whole, "start")));
	CU_ASSERT(json_equal(json_object_get(abc, "end"), json_object_get(whole, "end")));
	CU_ASSERT_EQUAL(json_array_size(json_object_get(abc, "inputs")), 3);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_object_get(abc, "labels"),
								 "instance")), "ams");
	CU_ASSERT_PTR_NULL(json_object_get(abc, "instances"));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(mt, "packets")), NMSG + 30);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(mt,
			"packets_without_dns"), "tcp_nodata")), 30);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(mt, "reassembly"),
							   "tcp_flows")), 3);

	/* The same input twice is listed once (same file and checksum). */
	json_t *aa = merge(a, a, NULL);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(aa, "inputs")), 1);

	json_t *all[] = { whole, a, b, c, abc, cba, bac, ab, bc, ab_c, a_bc, aa };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		json_decref(all[i]);
}

/* Partials of two instances keep per-instance totals; grouping does not
 * matter, and a merged document contributes its own instances. */
static void test_instances(void)
{
	json_t *a = analyse(0, 1000, "ams", "a.pcap");
	json_t *b = analyse(1000, 2000, "ams", "b.pcap");
	json_t *c = analyse(2000, NMSG, "lhr", "c.pcap");
	json_t *abc = merge(a, b, c), *ab = merge(a, b, NULL), *ac = merge(a, c, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(abc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ac);
	json_t *ab_c = merge(ab, c, NULL), *ac_b = merge(ac, b, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ac_b);
	CU_ASSERT(same_doc(abc, ab_c));
	CU_ASSERT(same_doc(abc, ac_b));

	json_t *inst = json_object_get(abc, "instances");
	CU_ASSERT_EQUAL(json_object_size(inst), 2);
	json_t *ams = json_object_get(inst, "k.root-servers.net|ams");
	json_t *lhr = json_object_get(inst, "k.root-servers.net|lhr");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ams);
	CU_ASSERT_PTR_NOT_NULL_FATAL(lhr);
	CU_ASSERT(exact_equal(json_object_get(ams, "totals"), json_object_get(ab, "totals"),
			      "instances.ams"));
	CU_ASSERT(exact_equal(json_object_get(lhr, "totals"), json_object_get(c, "totals"),
			      "instances.lhr"));
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_object_get(abc, "labels"),
								 "instance")), "*");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_object_get(abc, "labels"),
								 "server")), "k.root-servers.net");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_object_get(ams, "labels"),
								 "instance")), "ams");
	json_t *ski = json_object_get(json_object_get(abc, "sketch"), "instances");
	CU_ASSERT_EQUAL(json_object_size(ski), 2);
	/* "instances" sits between "series" and "sketch" */
	void *it = json_object_iter_at(abc, "series");
	CU_ASSERT_STRING_EQUAL(json_object_iter_key(json_object_iter_next(abc, it)), "instances");

	json_t *all[] = { a, b, c, abc, ab, ac, ab_c, ac_b };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		json_decref(all[i]);
}

static void test_refuse(void)
{
	json_t *a = analyse(0, 100, "ams", "a.pcap"), *b = analyse(100, 200, "ams", "b.pcap");
	json_t *docs[2] = { a, NULL };
	char err[256];

	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	docs[1] = json_deep_copy(b);
	json_object_set_new(docs[1], "interval", json_integer(300));
	CU_ASSERT_PTR_NULL(an_merge(docs, 2, NULL, err, sizeof(err)));
	CU_ASSERT(strstr(err, "document 2") != NULL);
	CU_ASSERT(strstr(err, "interval 300") != NULL);
	json_decref(docs[1]);

	docs[1] = json_deep_copy(b);
	json_object_set_new(docs[1], "schema", json_string("rootlens.stats/2"));
	CU_ASSERT_PTR_NULL(an_merge(docs, 2, NULL, err, sizeof(err)));
	CU_ASSERT(strstr(err, "document 2") != NULL);
	CU_ASSERT(strstr(err, "rootlens.stats/2") != NULL);
	json_decref(docs[1]);

	docs[1] = json_deep_copy(b);
	json_object_del(docs[1], "totals");
	CU_ASSERT_PTR_NULL(an_merge(docs, 2, NULL, err, sizeof(err)));
	CU_ASSERT(strstr(err, "\"totals\" is missing") != NULL);
	json_decref(docs[1]);

	/* A metric's figures that are not what it writes. */
	docs[1] = json_deep_copy(b);
	json_object_set_new(json_object_get(docs[1], "totals"), "qtype", json_string("A"));
	CU_ASSERT_PTR_NULL(an_merge(docs, 2, NULL, err, sizeof(err)));
	CU_ASSERT(strstr(err, "document 2: totals") != NULL);
	json_decref(docs[1]);

	docs[1] = json_string("not a document");
	CU_ASSERT_PTR_NULL(an_merge(docs, 2, NULL, err, sizeof(err)));
	CU_ASSERT(strstr(err, "document 2: not a JSON object") != NULL);
	json_decref(docs[1]);

	CU_ASSERT_PTR_NULL(an_merge(docs, 0, NULL, err, sizeof(err)));
	json_decref(a);
	json_decref(b);
}

/* One document merged alone gives itself back (but for the generator). */
static void test_identity(void)
{
	json_t *a = analyse(0, NMSG, "ams", "a.pcap");
	json_t *docs[1] = { a };
	char err[256];
	json_t *m = an_merge(docs, 1, NULL, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	json_object_set_new(a, "generator", json_string("rootlens " RL_VERSION));
	CU_ASSERT(same_doc(a, m));
	json_decref(a);
	json_decref(m);
}

static CU_TestInfo tests[] = {
	{ "orders", test_orders },
	{ "instances", test_instances },
	{ "refuse", test_refuse },
	{ "identity", test_identity },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("an_merge", tests);
}
