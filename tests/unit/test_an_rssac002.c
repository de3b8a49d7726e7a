/* analyze/rssac002: per-day RSSAC002v3 figures from a hand-made
 * rootlens.stats/1 document and their YAML text.
 *
 * The document (interval 3600 s) has two UTC days:
 *   2016-01-01: A 00:00, B 23:00
 *   2016-01-02: C 00:00, D 01:00, E 05:00
 * Every expected sum below is worked out by hand from the figures in
 * DOC_SERIES (comments give the addends). Unique sources: each interval
 * has a HyperLogLog sketch of known keys built here; the day's figure must
 * equal the estimate of a sketch built from the union of the keys (a
 * register-wise maximum is exactly the sketch of the union) and be within
 * 3 % of the true count. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu_main.h"
#include "metric.h"
#include "rootlens/errcode.h"
#include "rssac002.h"
#include "sketch/hll.h"

static const char DOC_SERIES[] =
	"["
	/* A */
	"{\"start\": \"2016-01-01T00:00:00Z\","
	" \"messages\": {\"queries\": {\"udp\": {\"ipv4\": 10, \"ipv6\": 3}, \"tcp\": {\"ipv4\": 1, \"ipv6\": 0}},"
	"              \"responses\": {\"udp\": {\"ipv4\": 9, \"ipv6\": 3}, \"tcp\": {\"ipv4\": 1, \"ipv6\": 0}}},"
	" \"sizes\": {\"udp-request-sizes\": {\"16-31\": 4, \"32-47\": 6, \"288-\": 1},"
	"           \"udp-response-sizes\": {\"96-111\": 5, \"4096-\": 2},"
	"           \"tcp-request-sizes\": {\"32-47\": 1}, \"tcp-response-sizes\": {}},"
	" \"rcode\": {\"NOERROR\": 8, \"NXDOMAIN\": 4, \"REFUSED\": 1}},"
	/* B */
	"{\"start\": \"2016-01-01T23:00:00Z\","
	" \"messages\": {\"queries\": {\"udp\": {\"ipv4\": 20, \"ipv6\": 5}, \"tcp\": {\"ipv4\": 2, \"ipv6\": 1}},"
	"              \"responses\": {\"udp\": {\"ipv4\": 19, \"ipv6\": 5}, \"tcp\": {\"ipv4\": 2, \"ipv6\": 1}}},"
	" \"sizes\": {\"udp-request-sizes\": {\"32-47\": 10, \"288-\": 2},"
	"           \"tcp-response-sizes\": {\"1024-1039\": 3}},"
	" \"rcode\": {\"NOERROR\": 20, \"NXDOMAIN\": 5, \"BADVERS\": 1, \"RCODE30\": 1}},"
	/* C: rcode cut to "other"; the whole map is in the sketch */
	"{\"start\": \"2016-01-02T00:00:00Z\","
	" \"messages\": {\"queries\": {\"udp\": {\"ipv4\": 7, \"ipv6\": 0}, \"tcp\": {\"ipv4\": 0, \"ipv6\": 0}},"
	"              \"responses\": {\"udp\": {\"ipv4\": 7, \"ipv6\": 0}, \"tcp\": {\"ipv4\": 0, \"ipv6\": 0}}},"
	" \"sizes\": {\"udp-request-sizes\": {\"0-15\": 1}},"
	" \"rcode\": {\"NOERROR\": 3, \"other\": 4}},"
	/* D: rcode cut, no whole map: 1 response cannot be placed */
	"{\"start\": \"2016-01-02T01:00:00Z\","
	" \"messages\": {\"queries\": {\"udp\": {\"ipv4\": 4, \"ipv6\": 2}, \"tcp\": {\"ipv4\": 0, \"ipv6\": 5}},"
	"              \"responses\": {\"udp\": {\"ipv4\": 4, \"ipv6\": 2}, \"tcp\": {\"ipv6\": 5}}},"
	" \"rcode\": {\"NXDOMAIN\": 10, \"other\": 1}},"
	/* E: queries only */
	"{\"start\": \"2016-01-02T05:00:00Z\","
	" \"messages\": {\"queries\": {\"udp\": {\"ipv4\": 1}}}}"
	"]";

/* Distinct keys [from, to) of family @p fam (0 v4, 1 v6, 2 v6 /64). */
static uint64_t key(unsigned fam, uint32_t i)
{
	uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	if (fam == 0) {
		uint8_t v4[4] = { 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };
		return an_hash_addr(v4, 4);
	}
	a[fam == 1 ? 14 : 6] = (uint8_t)(i >> 8);
	a[fam == 1 ? 15 : 7] = (uint8_t)i;
	return an_hash_addr(a, fam == 1 ? 16 : 8);
}

static void fill(an_hll_t *h, unsigned fam, uint32_t from, uint32_t to)
{
	for (uint32_t i = from; i < to; i++)
		an_hll_add(h, key(fam, i));
}

/* A "sources" sketch of precision @p p over the ranges r[fam] = {from, to}. */
static json_t *sources(unsigned p, const uint32_t r[3][2])
{
	static const char *const name[3] = { "ipv4", "ipv6", "ipv6_64" };
	json_t *o = json_pack("{s:i}", "hll_p", (int)p);
	for (unsigned f = 0; f < 3; f++) {
		an_hll_t h;
		char *s = NULL;
		CU_ASSERT_FATAL(an_hll_init(&h, p) == 0);
		fill(&h, f, r[f][0], r[f][1]);
		CU_ASSERT_FATAL(an_hll_save(&h, &s) == 0);
		json_object_set_new(o, name[f], json_string(s));
		free(s);
		an_hll_fini(&h);
	}
	return o;
}

/* The estimate of a sketch of precision @p p over two ranges of keys. */
static uint64_t union_estimate(unsigned p, unsigned fam, uint32_t a0, uint32_t a1, uint32_t b0,
			       uint32_t b1)
{
	an_hll_t h;
	CU_ASSERT_FATAL(an_hll_init(&h, p) == 0);
	fill(&h, fam, a0, a1);
	fill(&h, fam, b0, b1);
	uint64_t e = (uint64_t)llround(an_hll_estimate(&h));
	an_hll_fini(&h);
	return e;
}

static const uint32_t SRC_A[3][2] = { { 0, 100 }, { 0, 10 }, { 0, 5 } };
static const uint32_t SRC_B[3][2] = { { 50, 150 }, { 5, 20 }, { 3, 10 } };
static const uint32_t SRC_C[3][2] = { { 1000, 1030 }, { 0, 0 }, { 0, 0 } };
static const uint32_t SRC_D[3][2] = { { 1000, 1060 }, { 0, 0 }, { 0, 0 } };
static const uint32_t SRC_E[3][2] = { { 2000, 2010 }, { 0, 0 }, { 0, 0 } };
static const uint32_t SRC_TOT[3][2] = { { 0, 5 }, { 0, 2 }, { 0, 1 } };

/* The whole two-day document. */
static json_t *make_doc(void)
{
	json_error_t je;
	json_t *series = json_loads(DOC_SERIES, 0, &je);
	if (series == NULL)
		fprintf(stderr, "DOC_SERIES: %d:%d: %s\n", je.line, je.column, je.text);
	CU_ASSERT_FATAL(series != NULL);

	/* C's whole rcode map: NOERROR 3, FORMERR 2, SERVFAIL 2 */
	an_kv_t kv[] = { { "NOERROR", 3 }, { "SERVFAIL", 2 }, { "FORMERR", 2 } };
	json_t *packed = an_map_pack(kv, 3);
	CU_ASSERT_FATAL(packed != NULL);

	json_t *sk_series = json_pack(
		"[{s:s, s:o}, {s:s, s:o}, {s:s, s:o, s:{s:o}}, {s:s, s:o}, {s:s, s:o}]",
		"start", "2016-01-01T00:00:00Z", "sources", sources(12, SRC_A),
		"start", "2016-01-01T23:00:00Z", "sources", sources(12, SRC_B),
		"start", "2016-01-02T00:00:00Z", "sources", sources(12, SRC_C), "codes", "rcode", packed,
		"start", "2016-01-02T01:00:00Z", "sources", sources(12, SRC_D),
		"start", "2016-01-02T05:00:00Z", "sources", sources(12, SRC_E));
	CU_ASSERT_FATAL(sk_series != NULL);
	json_t *doc = json_pack("{s:s, s:i, s:s, s:s, s:{}, s:o, s:{s:{s:o}, s:o}}",
				"schema", "rootlens.stats/1", "interval", 3600,
				"start", "2016-01-01T00:00:00Z", "end", "2016-01-02T06:00:00Z",
				"totals", "series", series,
				"sketch", "totals", "sources", sources(14, SRC_TOT), "series", sk_series);
	CU_ASSERT_FATAL(doc != NULL);
	return doc;
}

static void test_two_days(void)
{
	json_t *doc = make_doc();
	an_rs_day_t *d = NULL;
	size_t n = 0;
	char err[256] = "";

	int rc = an_rs_days(doc, &d, &n, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "an_rs_days: %s\n", err);
	CU_ASSERT_FATAL(rc == 0);
	CU_ASSERT_FATAL(n == 2);

	/* day 1: A + B */
	CU_ASSERT_EQUAL(d[0].start, 1451606400); /* 2016-01-01T00:00:00Z */
	CU_ASSERT_EQUAL(d[0].intervals, 2);
	CU_ASSERT_EQUAL(d[0].covered_from, 1451606400);
	CU_ASSERT_EQUAL(d[0].covered_to, 1451606400 + 86400);
	CU_ASSERT_EQUAL(d[0].queries[0][0], 30);   /* 10 + 20 */
	CU_ASSERT_EQUAL(d[0].queries[0][1], 8);    /* 3 + 5 */
	CU_ASSERT_EQUAL(d[0].queries[1][0], 3);    /* 1 + 2 */
	CU_ASSERT_EQUAL(d[0].queries[1][1], 1);    /* 0 + 1 */
	CU_ASSERT_EQUAL(d[0].responses[0][0], 28); /* 9 + 19 */
	CU_ASSERT_EQUAL(d[0].responses[0][1], 8);  /* 3 + 5 */
	CU_ASSERT_EQUAL(d[0].responses[1][0], 3);  /* 1 + 2 */
	CU_ASSERT_EQUAL(d[0].responses[1][1], 1);  /* 0 + 1 */
	CU_ASSERT_EQUAL(d[0].req_sizes[0][1], 4);  /* udp 16-31 */
	CU_ASSERT_EQUAL(d[0].req_sizes[0][2], 16); /* udp 32-47: 6 + 10 */
	CU_ASSERT_EQUAL(d[0].req_sizes[0][18], 3); /* udp 288-: 1 + 2 */
	CU_ASSERT_EQUAL(d[0].resp_sizes[0][6], 5); /* udp 96-111 */
	CU_ASSERT_EQUAL(d[0].resp_sizes[0][256], 2); /* udp 4096- */
	CU_ASSERT_EQUAL(d[0].req_sizes[1][2], 1);  /* tcp 32-47 */
	CU_ASSERT_EQUAL(d[0].resp_sizes[1][64], 3); /* tcp 1024-1039 */
	CU_ASSERT_EQUAL(d[0].rcode[0], 28);        /* NOERROR 8 + 20 */
	CU_ASSERT_EQUAL(d[0].rcode[3], 9);         /* NXDOMAIN 4 + 5 */
	CU_ASSERT_EQUAL(d[0].rcode[5], 1);         /* REFUSED */
	CU_ASSERT_EQUAL(d[0].rcode[16], 1);        /* BADVERS */
	CU_ASSERT_EQUAL(d[0].rcode[30], 1);        /* RCODE30 */
	CU_ASSERT_EQUAL(d[0].rcode_unmapped, 0);
	CU_ASSERT_EQUAL(d[0].have_sources, 1);
	CU_ASSERT_EQUAL(d[0].sources_from_totals, 0);
	/* A and B overlap: 150 IPv4, 20 IPv6, 10 /64 distinct */
	CU_ASSERT_EQUAL(d[0].sources_v4, union_estimate(12, 0, 0, 100, 50, 150));
	CU_ASSERT_EQUAL(d[0].sources_v6, union_estimate(12, 1, 0, 10, 5, 20));
	CU_ASSERT_EQUAL(d[0].sources_v6_64, union_estimate(12, 2, 0, 5, 3, 10));
	CU_ASSERT(fabs((double)d[0].sources_v4 - 150) <= 150 * 0.03);
	CU_ASSERT(fabs((double)d[0].sources_v6 - 20) <= 1);
	CU_ASSERT(fabs((double)d[0].sources_v6_64 - 10) <= 1);

	/* day 2: C + D + E, covered 00:00 to 06:00 */
	CU_ASSERT_EQUAL(d[1].start, 1451606400 + 86400);
	CU_ASSERT_EQUAL(d[1].intervals, 3);
	CU_ASSERT_EQUAL(d[1].covered_from, d[1].start);
	CU_ASSERT_EQUAL(d[1].covered_to, d[1].start + 6 * 3600);
	CU_ASSERT_EQUAL(d[1].queries[0][0], 12);   /* 7 + 4 + 1 */
	CU_ASSERT_EQUAL(d[1].queries[0][1], 2);    /* 0 + 2 */
	CU_ASSERT_EQUAL(d[1].queries[1][0], 0);
	CU_ASSERT_EQUAL(d[1].queries[1][1], 5);    /* D */
	CU_ASSERT_EQUAL(d[1].responses[0][0], 11); /* 7 + 4 */
	CU_ASSERT_EQUAL(d[1].responses[0][1], 2);
	CU_ASSERT_EQUAL(d[1].responses[1][0], 0);
	CU_ASSERT_EQUAL(d[1].responses[1][1], 5);
	CU_ASSERT_EQUAL(d[1].req_sizes[0][0], 1);  /* udp 0-15 */
	CU_ASSERT_EQUAL(d[1].rcode[0], 3);         /* C's whole map */
	CU_ASSERT_EQUAL(d[1].rcode[1], 2);
	CU_ASSERT_EQUAL(d[1].rcode[2], 2);
	CU_ASSERT_EQUAL(d[1].rcode[3], 10);        /* D */
	CU_ASSERT_EQUAL(d[1].rcode_unmapped, 1);   /* D's "other" */
	CU_ASSERT_EQUAL(d[1].have_sources, 1);
	/* C within D, E apart: 70 IPv4, nothing else */
	CU_ASSERT_EQUAL(d[1].sources_v4, union_estimate(12, 0, 1000, 1060, 2000, 2010));
	CU_ASSERT(fabs((double)d[1].sources_v4 - 70) <= 70 * 0.03);
	CU_ASSERT_EQUAL(d[1].sources_v6, 0);
	CU_ASSERT_EQUAL(d[1].sources_v6_64, 0);

	free(d);
	json_decref(doc);
}

static char *yaml(const an_rs_day_t *d, an_rs_metric_t m)
{
	char *s = NULL;
	CU_ASSERT_FATAL(an_rs_yaml(d, m, "k.root-servers.net", &s) == 0);
	return s;
}

#define HDR(day, metric)                                                        \
	"---\nversion: rssac002v3\nservice: k.root-servers.net\nstart-period: " day \
	"T00:00:00Z\nmetric: " metric "\n"

static void test_yaml(void)
{
	json_t *doc = make_doc();
	an_rs_day_t *d = NULL;
	size_t n = 0;
	char err[256], *s, want[512];

	CU_ASSERT_FATAL(an_rs_days(doc, &d, &n, err, sizeof(err)) == 0 && n == 2);

	s = yaml(&d[0], AN_RS_TRAFFIC_VOLUME);
	CU_ASSERT_STRING_EQUAL(s, HDR("2016-01-01", "traffic-volume")
				  "dns-udp-queries-received-ipv4: 30\n"
				  "dns-udp-queries-received-ipv6: 8\n"
				  "dns-tcp-queries-received-ipv4: 3\n"
				  "dns-tcp-queries-received-ipv6: 1\n"
				  "dns-udp-responses-sent-ipv4: 28\n"
				  "dns-udp-responses-sent-ipv6: 8\n"
				  "dns-tcp-responses-sent-ipv4: 3\n"
				  "dns-tcp-responses-sent-ipv6: 1\n");
	free(s);

	s = yaml(&d[0], AN_RS_TRAFFIC_SIZES);
	CU_ASSERT_STRING_EQUAL(s, HDR("2016-01-01", "traffic-sizes")
				  "udp-request-sizes:\n  16-31: 4\n  32-47: 16\n  288-: 3\n"
				  "udp-response-sizes:\n  96-111: 5\n  4096-: 2\n"
				  "tcp-request-sizes:\n  32-47: 1\n"
				  "tcp-response-sizes:\n  1024-1039: 3\n");
	free(s);

	s = yaml(&d[0], AN_RS_RCODE_VOLUME);
	CU_ASSERT_STRING_EQUAL(s, HDR("2016-01-01", "rcode-volume")
				  "0: 28\n3: 9\n5: 1\n16: 1\n30: 1\n");
	free(s);

	s = yaml(&d[0], AN_RS_UNIQUE_SOURCES);
	snprintf(want, sizeof(want),
		 HDR("2016-01-01", "unique-sources") "num-sources-ipv4: %llu\n"
		 "num-sources-ipv6: %llu\nnum-sources-ipv6-aggregate: %llu\n",
		 (unsigned long long)d[0].sources_v4, (unsigned long long)d[0].sources_v6,
		 (unsigned long long)d[0].sources_v6_64);
	CU_ASSERT_STRING_EQUAL(s, want);
	free(s);

	/* empty maps stay valid YAML */
	s = yaml(&d[1], AN_RS_TRAFFIC_SIZES);
	CU_ASSERT_STRING_EQUAL(s, HDR("2016-01-02", "traffic-sizes")
				  "udp-request-sizes:\n  0-15: 1\n"
				  "udp-response-sizes: {}\n"
				  "tcp-request-sizes: {}\n"
				  "tcp-response-sizes: {}\n");
	free(s);

	/* paths as published */
	char p[128];
	CU_ASSERT_EQUAL(an_rs_path(&d[1], AN_RS_TRAFFIC_VOLUME, "k-root", p, sizeof(p)), 0);
	CU_ASSERT_STRING_EQUAL(p, "2016/01/traffic-volume/k-root-20160102-traffic-volume.yaml");
	CU_ASSERT_EQUAL(an_rs_path(&d[0], AN_RS_UNIQUE_SOURCES, "a-root", p, sizeof(p)), 0);
	CU_ASSERT_STRING_EQUAL(p, "2016/01/unique-sources/a-root-20160101-unique-sources.yaml");
	CU_ASSERT_EQUAL(an_rs_path(&d[0], AN_RS_UNIQUE_SOURCES, "a-root", p, 20), DW_EINVAL);
	CU_ASSERT_EQUAL(an_rs_path(&d[0], AN_RS_UNIQUE_SOURCES, "../x", p, sizeof(p)), DW_EINVAL);

	/* a service that would need quoting is refused */
	CU_ASSERT_EQUAL(an_rs_yaml(&d[0], AN_RS_TRAFFIC_VOLUME, "a: b", &s), DW_EINVAL);
	CU_ASSERT_EQUAL(an_rs_yaml(&d[0], AN_RS_TRAFFIC_VOLUME, "", &s), DW_EINVAL);
	CU_ASSERT_EQUAL(an_rs_yaml(&d[0], AN_RS_TRAFFIC_VOLUME, "1.5", &s), DW_EINVAL);
	CU_ASSERT_EQUAL(an_rs_yaml(&d[0], AN_RS_TRAFFIC_VOLUME, "1.5e3", &s), DW_EINVAL);
	CU_ASSERT_EQUAL(an_rs_yaml(&d[0], AN_RS_TRAFFIC_VOLUME, "yes", &s), DW_EINVAL);
	CU_ASSERT_EQUAL(an_rs_yaml(&d[0], AN_RS_TRAFFIC_VOLUME, "192.0.2.1", &s), DW_EINVAL);
	CU_ASSERT_EQUAL(an_rs_valid_service("k.root-servers.net."), 1);
	CU_ASSERT_EQUAL(an_rs_valid_service("a.nic.example"), 1);
	CU_ASSERT_EQUAL(an_rs_valid_service("a.nic."), 1);
	CU_ASSERT_EQUAL(an_rs_valid_service("a.."), 0);
	d[0].have_sources = 0;
	CU_ASSERT_EQUAL(an_rs_yaml(&d[0], AN_RS_UNIQUE_SOURCES, "k.root-servers.net", &s),
			DW_EINVAL);
	free(d);
	json_decref(doc);
}

/* A document within one day takes its unique sources from the whole-run
 * sketch (precision 14) rather than the union of the intervals'. */
static void test_one_day_totals(void)
{
	json_t *doc = make_doc();
	json_t *series = json_object_get(doc, "series");
	json_t *sks = json_object_get(json_object_get(doc, "sketch"), "series");
	an_rs_day_t *d = NULL;
	size_t n = 0;
	char err[256];

	for (int i = 0; i < 3; i++) {
		json_array_remove(series, 2);
		json_array_remove(sks, 2);
	}
	json_object_set_new(doc, "end", json_string("2016-01-02T00:00:00Z"));
	CU_ASSERT_FATAL(an_rs_days(doc, &d, &n, err, sizeof(err)) == 0 && n == 1);
	CU_ASSERT_EQUAL(d[0].sources_from_totals, 1);
	CU_ASSERT_EQUAL(d[0].sources_v4, union_estimate(14, 0, 0, 5, 0, 0));
	CU_ASSERT_EQUAL(d[0].sources_v6, union_estimate(14, 1, 0, 2, 0, 0));
	CU_ASSERT_EQUAL(d[0].sources_v6_64, 1);
	CU_ASSERT_EQUAL(d[0].queries[0][0], 30); /* the figures still from the series */
	free(d);

	/* without the whole-run sketch: the intervals' union */
	json_object_del(json_object_get(json_object_get(doc, "sketch"), "totals"), "sources");
	CU_ASSERT_FATAL(an_rs_days(doc, &d, &n, err, sizeof(err)) == 0 && n == 1);
	CU_ASSERT_EQUAL(d[0].sources_from_totals, 0);
	CU_ASSERT_EQUAL(d[0].sources_v4, union_estimate(12, 0, 0, 100, 50, 150));
	free(d);

	/* an interval without its sketch: no unique-sources for the day */
	json_object_del(json_array_get(sks, 1), "sources");
	CU_ASSERT_FATAL(an_rs_days(doc, &d, &n, err, sizeof(err)) == 0 && n == 1);
	CU_ASSERT_EQUAL(d[0].have_sources, 0);
	free(d);
	json_decref(doc);
}

static void expect_bad(json_t *doc, const char *what)
{
	an_rs_day_t *d = (an_rs_day_t *)1;
	size_t n = 7;
	char err[256] = "";
	CU_ASSERT_EQUAL(an_rs_days(doc, &d, &n, err, sizeof(err)), DW_EFORMAT);
	CU_ASSERT_PTR_NULL(d);
	CU_ASSERT_EQUAL(n, 0);
	if (strstr(err, what) == NULL)
		fprintf(stderr, "error \"%s\" does not mention \"%s\"\n", err, what);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, what));
	json_decref(doc);
}

static void test_errors(void)
{
	json_t *doc;

	doc = make_doc();
	json_object_set_new(doc, "schema", json_string("rootlens.stats/0"));
	expect_bad(doc, "schema");

	doc = make_doc();
	json_array_clear(json_object_get(doc, "series"));
	expect_bad(doc, "empty");

	doc = make_doc();
	json_object_set_new(json_object_get(json_array_get(json_object_get(doc, "series"), 1),
					    "sizes"),
			    "udp-request-sizes", json_pack("{s:i}", "30-45", 1));
	expect_bad(doc, "30-45");

	doc = make_doc(); /* requests end at 288- */
	json_object_set_new(json_object_get(json_array_get(json_object_get(doc, "series"), 1),
					    "sizes"),
			    "udp-request-sizes", json_pack("{s:i}", "4096-", 1));
	expect_bad(doc, "4096-");

	doc = make_doc();
	json_object_set_new(json_array_get(json_object_get(doc, "series"), 0), "start",
			    json_string("yesterday"));
	expect_bad(doc, "series[0]");

	doc = make_doc();
	json_object_set_new(json_object_get(json_array_get(json_object_get(doc, "series"), 0),
					    "rcode"),
			    "NOERROR", json_string("8"));
	expect_bad(doc, "rcode.NOERROR");

	doc = make_doc(); /* precisions differ within a day */
	json_object_set_new(json_array_get(json_object_get(json_object_get(doc, "sketch"), "series"),
					   1),
			    "sources", sources(10, SRC_B));
	expect_bad(doc, "precision");
}

static void test_names(void)
{
	char b[32];
	CU_ASSERT_EQUAL(an_rs_rcode_number("NOERROR"), 0);
	CU_ASSERT_EQUAL(an_rs_rcode_number("FORMERR"), 1);
	CU_ASSERT_EQUAL(an_rs_rcode_number("SERVFAIL"), 2);
	CU_ASSERT_EQUAL(an_rs_rcode_number("NXDOMAIN"), 3);
	CU_ASSERT_EQUAL(an_rs_rcode_number("NOTIMP"), 4);
	CU_ASSERT_EQUAL(an_rs_rcode_number("REFUSED"), 5);
	CU_ASSERT_EQUAL(an_rs_rcode_number("NOTAUTH"), 9);
	CU_ASSERT_EQUAL(an_rs_rcode_number("BADVERS"), 16);
	CU_ASSERT_EQUAL(an_rs_rcode_number("BADSIG"), 16);
	CU_ASSERT_EQUAL(an_rs_rcode_number("BADCOOKIE"), 23);
	CU_ASSERT_EQUAL(an_rs_rcode_number("RCODE12"), 12);
	CU_ASSERT_EQUAL(an_rs_rcode_number("RCODE4095"), 4095);
	CU_ASSERT_EQUAL(an_rs_rcode_number("RCODE4096"), -1);
	CU_ASSERT_EQUAL(an_rs_rcode_number("RCODE"), -1);
	CU_ASSERT_EQUAL(an_rs_rcode_number("RCODE-1"), -1);
	CU_ASSERT_EQUAL(an_rs_rcode_number("other"), -1);
	CU_ASSERT_EQUAL(an_rs_rcode_number("noerror"), -1);

	CU_ASSERT_EQUAL(an_rs_letter("k.root-servers.net", b, sizeof(b)), 0);
	CU_ASSERT_STRING_EQUAL(b, "k-root");
	CU_ASSERT_EQUAL(an_rs_letter("A.ROOT-SERVERS.NET.", b, sizeof(b)), 0);
	CU_ASSERT_STRING_EQUAL(b, "a-root");
	CU_ASSERT_EQUAL(an_rs_letter("root-servers.net", b, sizeof(b)), DW_EINVAL);
	CU_ASSERT_EQUAL(an_rs_letter(".root-servers.net", b, sizeof(b)), DW_EINVAL);
	CU_ASSERT_EQUAL(an_rs_letter("a.b.root-servers.net", b, sizeof(b)), DW_EINVAL);
	CU_ASSERT_EQUAL(an_rs_letter("a.nic.example", b, sizeof(b)), DW_EINVAL);
	CU_ASSERT_EQUAL(an_rs_letter("k.root-servers.net", b, 6), DW_EINVAL);

	CU_ASSERT_STRING_EQUAL(an_rs_metric_name(AN_RS_TRAFFIC_VOLUME), "traffic-volume");
	CU_ASSERT_STRING_EQUAL(an_rs_metric_name(AN_RS_TRAFFIC_SIZES), "traffic-sizes");
	CU_ASSERT_STRING_EQUAL(an_rs_metric_name(AN_RS_RCODE_VOLUME), "rcode-volume");
	CU_ASSERT_STRING_EQUAL(an_rs_metric_name(AN_RS_UNIQUE_SOURCES), "unique-sources");
	CU_ASSERT_PTR_NULL(an_rs_metric_name(AN_RS__METRICS));
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "two days summed", test_two_days },
		{ "YAML text and paths", test_yaml },
		{ "one day: whole-run sketch", test_one_day_totals },
		{ "bad documents", test_errors },
		{ "rcode numbers, letters", test_names },
		CU_TEST_INFO_NULL,
	};
	return cu_run("an_rssac002", tests);
}
