/* report/model: rootlens.stats/1 documents -> lines, phases, size groups,
 * the all-lines series, summed maps, summary rows and flags.
 *
 * Every document is written here as JSON text with its numbers chosen by
 * hand; each expected value below is worked out from them (the comments
 * give the addends). Interval 60 s; T0 = 2010-05-05T00:00:00Z =
 * 1273017600. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu_main.h"
#include "model.h"
#include "rootlens/errcode.h"

#define T0 1273017600

/* One series entry: queries udp v4/v6, tcp v4/v6, edns, do, sources v4/v6,
 * then the maps as JSON text. */
static char *entry(const char *start, int u4, int u6, int t4, int t6, int edns, int dobit, int s4,
		   int s6, const char *maps)
{
	char *buf = malloc(2048);
	CU_ASSERT_FATAL(buf != NULL);
	snprintf(buf, 2048,
		 "{\"start\": \"%s\","
		 " \"messages\": {\"queries\": {\"udp\": {\"ipv4\": %d, \"ipv6\": %d},"
		 "                              \"tcp\": {\"ipv4\": %d, \"ipv6\": %d}},"
		 "              \"responses\": {\"udp\": {\"ipv4\": 0, \"ipv6\": 0}}},"
		 " \"edns\": {\"queries\": %d, \"do\": %d},"
		 " \"unique_sources\": {\"ipv4\": %d, \"ipv6\": %d, \"ipv6_64\": 1}%s%s}",
		 start, u4, u6, t4, t6, edns, dobit, s4, s6, maps[0] ? ", " : "", maps);
	return buf;
}

/* A document: labels (NULL for null), totals JSON, series entries. */
static json_t *doc(const char *server, const char *instance, const char *phase, int interval,
		   const char *start, const char *end, const char *totals, char **series, size_t n,
		   const char *extra)
{
	size_t len = 8192;
	char *buf = malloc(len), lab[3][64];
	const char *l[3] = { server, instance, phase };
	json_error_t je;
	CU_ASSERT_FATAL(buf != NULL);
	for (int i = 0; i < 3; i++)
		snprintf(lab[i], sizeof(lab[i]), l[i] ? "\"%s\"" : "null", l[i]);
	int k = snprintf(
		buf, len,
		"{\"schema\": \"rootlens.stats/1\", \"generator\": \"test\", \"inputs\": [],"
		" \"labels\": {\"server\": %s, \"instance\": %s, \"phase\": %s},"
		" \"interval\": %d, \"start\": %s%s%s, \"end\": %s%s%s, \"totals\": %s,"
		" \"series\": [",
		lab[0], lab[1], lab[2], interval, start ? "\"" : "", start ? start : "null",
		start ? "\"" : "", end ? "\"" : "", end ? end : "null", end ? "\"" : "", totals);
	for (size_t i = 0; i < n; i++) {
		k += snprintf(buf + k, len - (size_t)k, "%s%s", i ? ", " : "", series[i]);
		free(series[i]);
	}
	snprintf(buf + k, len - (size_t)k, "]%s%s}", extra ? ", " : "", extra ? extra : "");
	json_t *d = json_loads(buf, 0, &je);
	if (d == NULL)
		fprintf(stderr, "test document: %d:%d: %s\n%s\n", je.line, je.column, je.text, buf);
	CU_ASSERT_FATAL(d != NULL);
	free(buf);
	return d;
}

static void add_ok(rp_model_t *m, json_t *d, const char *path)
{
	char err[256] = "";
	int rc = rp_model_add(m, d, path, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "%s: %s\n", path, err);
	CU_ASSERT_FATAL(rc == 0);
	json_decref(d);
}

static uint64_t get(const rp_model_t *m, const rp_map_t *mp, const char *name)
{
	int64_t id = rp_name_id(m, name);
	return id < 0 ? 0 : rp_map_get(mp, (uint32_t)id);
}

/* Totals with response sizes: udp 2 in "96-111" (bin 6), 1 in "4096-"
 * (bin 256); tcp 3 in "1024-1039" (bin 64); and maps. */
static const char TOT_A[] = "{\"messages\": {\"queries\": {\"udp\": {\"ipv4\": 30, \"ipv6\": 10},"
			    "                             \"tcp\": {\"ipv4\": 2, \"ipv6\": 0}}},"
			    " \"edns\": {\"queries\": 20, \"do\": 12},"
			    " \"sizes\": {\"udp-response-sizes\": {\"96-111\": 2, \"4096-\": 1},"
			    "           \"tcp-response-sizes\": {\"1024-1039\": 3}},"
			    " \"qtype\": {\"A\": 25, \"DNSKEY\": 10, \"NS\": 7},"
			    " \"dnskey_by_tld\": {\".\": 6, \"se\": 3, \"other\": 1},"
			    " \"unique_sources\": {\"ipv4\": 5, \"ipv6\": 2, \"ipv6_64\": 1},"
			    " \"top_sources\": [{\"addr\": \"192.0.2.1\", \"queries\": 20, "
			    "\"share_pct\": 47.6, \"error\": 0},"
			    "                   {\"addr\": \"2001:db8::1\", \"queries\": 9, "
			    "\"share_pct\": 21.4, \"error\": 0}],"
			    " \"top_prefixes\": [{\"prefix\": \"192.0.2.0/24\", \"queries\": 22, "
			    "\"share_pct\": 52.4, \"error\": 0}]}";

static const char TOT_B[] =
	"{\"messages\": {\"queries\": {\"udp\": {\"ipv4\": 8, \"ipv6\": 0},"
	"                             \"tcp\": {\"ipv4\": 4, \"ipv6\": 1}}},"
	" \"edns\": {\"queries\": 13, \"do\": 13},"
	" \"sizes\": {\"udp-response-sizes\": {\"96-111\": 5},"
	"           \"tcp-response-sizes\": {\"1024-1039\": 1, \"1040-1055\": 4}},"
	" \"qtype\": {\"DNSKEY\": 9, \"A\": 4},"
	" \"dnskey_by_tld\": {\".\": 9},"
	" \"unique_sources\": {\"ipv4\": 3, \"ipv6\": 0, \"ipv6_64\": 0},"
	" \"top_sources\": [{\"addr\": \"192.0.2.1\", \"queries\": 7, \"share_pct\": 53.8, "
	"\"error\": 0}]}";

/* ams pre: T0 and T0+60; ams post: T0+180 (a gap at T0+120). */
static void two_phases(rp_model_t *m)
{
	char *s1[] = {
		entry("2010-05-05T00:00:00Z", 10, 5, 1, 0, 8, 4, 3, 1,
		      "\"qtype\": {\"A\": 9, \"DNSKEY\": 4, \"NS\": 3},"
		      " \"dnskey_by_tld\": {\".\": 3, \"se\": 1},"
		      " \"top_sources\": [{\"addr\": \"192.0.2.1\", \"queries\": 8}]"),
		entry("2010-05-05T00:01:00Z", 20, 5, 1, 0, 12, 8, 4, 2,
		      "\"qtype\": {\"A\": 16, \"DNSKEY\": 6, \"NS\": 4, \"other\": 0},"
		      " \"dnskey_by_tld\": {\".\": 3, \"se\": 2, \"other\": 1},"
		      " \"top_sources\": [{\"addr\": \"192.0.2.1\", \"queries\": 12},"
		      "                   {\"addr\": \"2001:db8::1\", \"queries\": 9}]"),
	};
	char *s2[] = {
		entry("2010-05-05T00:03:00Z", 8, 0, 4, 1, 13, 13, 3, 0,
		      "\"qtype\": {\"DNSKEY\": 9, \"A\": 4}, \"dnskey_by_tld\": {\".\": 9},"
		      " \"top_sources\": [{\"addr\": \"192.0.2.1\", \"queries\": 7}]"),
	};
	add_ok(m,
	       doc("k.root-servers.net", "ams", "pre", 60, "2010-05-05T00:00:00Z",
		   "2010-05-05T00:02:00Z", TOT_A, s1, 2, NULL),
	       "ams-pre.json");
	add_ok(m,
	       doc("k.root-servers.net", "ams", "post", 60, "2010-05-05T00:03:00Z",
		   "2010-05-05T00:04:00Z", TOT_B, s2, 1, NULL),
	       "ams-post.json");
}

static void test_one_line_two_phases(void)
{
	rp_model_t m;
	rp_model_init(&m);
	two_phases(&m);
	CU_ASSERT_FATAL(rp_model_finish(&m) == 0);

	CU_ASSERT_EQUAL(m.interval, 60);
	CU_ASSERT_EQUAL(m.ndocs, 2);
	CU_ASSERT_FATAL(m.nlines == 1);
	CU_ASSERT_STRING_EQUAL(m.lines[0].label, "ams"); /* one server: the instance */
	CU_ASSERT_FATAL(m.lines[0].s.n == 3);
	const rp_point_t *p = m.lines[0].s.p;
	CU_ASSERT_EQUAL(p[0].t, T0);
	CU_ASSERT_EQUAL(p[1].t, T0 + 60);
	CU_ASSERT_EQUAL(p[2].t, T0 + 180);
	CU_ASSERT_EQUAL(p[1].f.q[RP_UDP][RP_V4], 20);
	CU_ASSERT_EQUAL(p[2].f.q[RP_TCP][RP_V6], 1);
	CU_ASSERT_EQUAL(p[2].f.dobit, 13);
	CU_ASSERT_EQUAL(p[1].f.us[RP_V6], 2);
	/* TCP % of UDP at T0+180: (4 + 1) / 8 = 62.5 %; at T0: 1 / 15 */
	CU_ASSERT_DOUBLE_EQUAL(rp_fig_tcp_pct(&p[2].f), 62.5, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(rp_fig_tcp_pct(&p[0].f), 100.0 / 15, 1e-9);
	/* DO share at T0+60: 8 of 26 queries */
	CU_ASSERT_DOUBLE_EQUAL(rp_fig_pct(&p[1].f, p[1].f.dobit), 800.0 / 26, 1e-9);
	CU_ASSERT_EQUAL(get(&m, &p[1].map[RP_MAP_QTYPE], "A"), 16);
	CU_ASSERT_EQUAL(get(&m, &p[1].map[RP_MAP_SOURCES], "2001:db8::1"), 9);
	CU_ASSERT_EQUAL(get(&m, &p[0].map[RP_MAP_SOURCES], "2001:db8::1"), 0);

	/* phases in time order, each with its documents' span */
	CU_ASSERT_FATAL(m.nphases == 2);
	CU_ASSERT_STRING_EQUAL(m.phases[0].name, "pre");
	CU_ASSERT_EQUAL(m.phases[0].start, T0);
	CU_ASSERT_EQUAL(m.phases[0].end, T0 + 120);
	CU_ASSERT_STRING_EQUAL(m.phases[1].name, "post");
	CU_ASSERT_EQUAL(m.phases[1].start, T0 + 180);
	CU_ASSERT_EQUAL(m.phases[1].end, T0 + 240);
	CU_ASSERT(m.have_span);
	CU_ASSERT_EQUAL(m.start, T0);
	CU_ASSERT_EQUAL(m.end, T0 + 240);

	/* size groups = the phases; bins from the totals */
	CU_ASSERT_FATAL(m.ngroups == 2);
	CU_ASSERT_EQUAL(m.groups[0].resp[RP_UDP][6], 2);
	CU_ASSERT_EQUAL(m.groups[0].resp[RP_UDP][256], 1); /* "4096-" */
	CU_ASSERT_EQUAL(m.groups[0].resp[RP_TCP][64], 3);
	CU_ASSERT_EQUAL(m.groups[1].resp[RP_UDP][6], 5);
	CU_ASSERT_EQUAL(m.groups[1].resp[RP_TCP][64], 1);
	CU_ASSERT_EQUAL(m.groups[1].resp[RP_TCP][65], 4);

	/* totals added: A 25 + 4, DNSKEY 10 + 9; "." 6 + 9 */
	CU_ASSERT_EQUAL(get(&m, &m.totals[RP_MAP_QTYPE], "A"), 29);
	CU_ASSERT_EQUAL(get(&m, &m.totals[RP_MAP_QTYPE], "DNSKEY"), 19);
	CU_ASSERT_EQUAL(get(&m, &m.totals[RP_MAP_DNSKEY], "."), 15);
	CU_ASSERT_EQUAL(get(&m, &m.totals[RP_MAP_SOURCES], "192.0.2.1"), 27);
	CU_ASSERT_EQUAL(rp_fig_queries(&m.total), 42 + 13);
	CU_ASSERT_EQUAL(m.total.us[RP_V4], 8); /* 5 + 3: the sum, an upper bound */

	/* the top of a map: count descending, "other" skipped */
	rp_kv_t top[4];
	size_t n = rp_map_top(&m, &m.totals[RP_MAP_DNSKEY], 4, "other", top);
	CU_ASSERT_FATAL(n == 2);
	CU_ASSERT_STRING_EQUAL(rp_name(&m, top[0].id), ".");
	CU_ASSERT_EQUAL(top[0].n, 15);
	CU_ASSERT_STRING_EQUAL(rp_name(&m, top[1].id), "se");
	CU_ASSERT_EQUAL(rp_map_top(&m, &m.totals[RP_MAP_DNSKEY], 1, NULL, top), 1);
	CU_ASSERT_EQUAL(rp_map_sum(&m.totals[RP_MAP_DNSKEY]), 6 + 3 + 1 + 9);

	/* summary rows: one per document */
	CU_ASSERT_FATAL(m.nrows == 2);
	CU_ASSERT_EQUAL(rp_fig_queries(&m.rows[0].f), 42);
	CU_ASSERT_STRING_EQUAL(m.rows[1].phase, "post");
	CU_ASSERT_EQUAL(m.nflags, 0);
	CU_ASSERT_EQUAL(m.overlaps, 0);
	rp_model_free(&m);
}

/* Two instances at the same times: the all-lines series adds them; lines
 * are in label order whatever the order of the documents. */
static void test_two_instances(void)
{
	rp_model_t m;
	char *a[] = {
		entry("2010-05-05T00:00:00Z", 10, 0, 1, 0, 5, 2, 4, 0,
		      "\"qtype\": {\"A\": 11}, \"top_sources\": [{\"addr\": \"192.0.2.1\", "
		      "\"queries\": 6}]"),
		entry("2010-05-05T00:01:00Z", 30, 0, 0, 0, 0, 0, 9, 0, "\"qtype\": {\"A\": 30}"),
	};
	char *b[] = {
		entry("2010-05-05T00:01:00Z", 6, 2, 2, 0, 10, 10, 5, 2,
		      "\"qtype\": {\"A\": 4, \"NS\": 6}, \"top_sources\": [{\"addr\": "
		      "\"192.0.2.1\", \"queries\": 3}]"),
		entry("2010-05-05T00:02:00Z", 1, 0, 0, 0, 1, 1, 1, 0, "\"qtype\": {\"NS\": 1}"),
	};
	rp_model_init(&m);
	add_ok(&m,
	       doc("k.root-servers.net", "lhr", "durz", 60, "2010-05-05T00:01:00Z",
		   "2010-05-05T00:03:00Z", "{}", b, 2, NULL),
	       "lhr.json");
	add_ok(&m,
	       doc("k.root-servers.net", "ams", "durz", 60, "2010-05-05T00:00:00Z",
		   "2010-05-05T00:02:00Z", "{}", a, 2, NULL),
	       "ams.json");
	CU_ASSERT_FATAL(rp_model_finish(&m) == 0);
	CU_ASSERT_FATAL(m.nlines == 2);
	CU_ASSERT_STRING_EQUAL(m.lines[0].label, "ams");
	CU_ASSERT_STRING_EQUAL(m.lines[1].label, "lhr");
	CU_ASSERT_EQUAL(m.docs[0].line, 1); /* lhr.json */
	CU_ASSERT_EQUAL(m.docs[1].line, 0);
	/* one phase, spanning both documents */
	CU_ASSERT_FATAL(m.nphases == 1);
	CU_ASSERT_EQUAL(m.phases[0].start, T0);
	CU_ASSERT_EQUAL(m.phases[0].end, T0 + 180);
	CU_ASSERT_EQUAL(m.ngroups, 1);

	/* all: T0 (ams), T0+60 (ams + lhr), T0+120 (lhr) */
	CU_ASSERT_FATAL(m.all.n == 3);
	const rp_point_t *p = &m.all.p[1];
	CU_ASSERT_EQUAL(p->t, T0 + 60);
	CU_ASSERT_EQUAL(p->f.q[RP_UDP][RP_V4], 36); /* 30 + 6 */
	CU_ASSERT_EQUAL(p->f.q[RP_UDP][RP_V6], 2);
	CU_ASSERT_EQUAL(p->f.q[RP_TCP][RP_V4], 2);
	CU_ASSERT_EQUAL(p->f.edns, 10);
	CU_ASSERT_EQUAL(p->f.us[RP_V4], 0);                       /* not meaningful across lines */
	CU_ASSERT_EQUAL(get(&m, &p->map[RP_MAP_QTYPE], "A"), 34); /* 30 + 4 */
	CU_ASSERT_EQUAL(get(&m, &p->map[RP_MAP_QTYPE], "NS"), 6);
	CU_ASSERT_EQUAL(get(&m, &p->map[RP_MAP_SOURCES], "192.0.2.1"), 3);
	CU_ASSERT_EQUAL(get(&m, &m.all.p[0].map[RP_MAP_SOURCES], "192.0.2.1"), 6);
	CU_ASSERT_EQUAL(m.overlaps, 0);
	rp_model_free(&m);
}

/* The same instance and interval in two documents: counters add, unique
 * sources take the larger, and it is counted. */
static void test_overlap(void)
{
	rp_model_t m;
	char *a[] = { entry("2010-05-05T00:00:00Z", 10, 0, 1, 0, 5, 2, 4, 7,
			    "\"qtype\": {\"A\": 11}") };
	char *b[] = { entry("2010-05-05T00:00:00Z", 5, 1, 0, 0, 2, 1, 6, 3,
			    "\"qtype\": {\"A\": 5, \"MX\": 1}") };
	rp_model_init(&m);
	add_ok(&m,
	       doc("k.root-servers.net", "ams", NULL, 60, "2010-05-05T00:00:00Z",
		   "2010-05-05T00:01:00Z", "{}", a, 1, NULL),
	       "1.json");
	add_ok(&m,
	       doc("k.root-servers.net", "ams", NULL, 60, "2010-05-05T00:00:00Z",
		   "2010-05-05T00:01:00Z", "{}", b, 1, NULL),
	       "2.json");
	CU_ASSERT_FATAL(rp_model_finish(&m) == 0);
	CU_ASSERT_FATAL(m.nlines == 1 && m.lines[0].s.n == 1);
	const rp_point_t *p = &m.lines[0].s.p[0];
	CU_ASSERT_EQUAL(p->ndocs, 2);
	CU_ASSERT_EQUAL(p->f.q[RP_UDP][RP_V4], 15);
	CU_ASSERT_EQUAL(p->f.q[RP_UDP][RP_V6], 1);
	CU_ASSERT_EQUAL(p->f.edns, 7);
	CU_ASSERT_EQUAL(p->f.us[RP_V4], 6);
	CU_ASSERT_EQUAL(p->f.us[RP_V6], 7);
	CU_ASSERT_EQUAL(get(&m, &p->map[RP_MAP_QTYPE], "A"), 16);
	CU_ASSERT_EQUAL(get(&m, &p->map[RP_MAP_QTYPE], "MX"), 1);
	CU_ASSERT_EQUAL(m.overlaps, 1);
	/* no phase anywhere: one size group "all", no bands */
	CU_ASSERT_EQUAL(m.nphases, 0);
	CU_ASSERT_FATAL(m.ngroups == 1);
	CU_ASSERT_STRING_EQUAL(m.groups[0].name, "all");
	rp_model_free(&m);
}

/* A merged document: labels "*", per-instance totals under "instances". */
static void test_merged(void)
{
	rp_model_t m;
	char *s[] = { entry("2010-05-05T00:00:00Z", 12, 0, 2, 0, 6, 3, 9, 0, "") };
	static const char inst[] =
		"\"instances\": {"
		" \"k.root-servers.net|ams\": {\"labels\": {\"server\": \"k.root-servers.net\","
		"   \"instance\": \"ams\", \"phase\": \"pre\"}, \"totals\": {\"messages\": "
		"{\"queries\":"
		"   {\"udp\": {\"ipv4\": 5, \"ipv6\": 0}, \"tcp\": {\"ipv4\": 2, \"ipv6\": 0}}}}},"
		" \"k.root-servers.net|lhr\": {\"labels\": {\"server\": \"k.root-servers.net\","
		"   \"instance\": \"lhr\", \"phase\": \"post\"}, \"totals\": {\"messages\": "
		"{\"queries\":"
		"   {\"udp\": {\"ipv4\": 7, \"ipv6\": 0}}}, \"edns\": {\"queries\": 4, \"do\": "
		"4}}}}";
	rp_model_init(&m);
	add_ok(&m,
	       doc("k.root-servers.net", "*", "*", 60, "2010-05-05T00:00:00Z",
		   "2010-05-05T00:01:00Z", "{}", s, 1, inst),
	       "merged.json");
	CU_ASSERT_FATAL(rp_model_finish(&m) == 0);
	CU_ASSERT_FATAL(m.nlines == 1);
	CU_ASSERT_STRING_EQUAL(m.lines[0].label, "all");
	CU_ASSERT(m.docs[0].merged);
	CU_ASSERT_EQUAL(m.nphases, 0); /* "*" is no phase */
	CU_ASSERT_FATAL(m.ngroups == 1);
	CU_ASSERT_STRING_EQUAL(m.groups[0].name, "all");
	CU_ASSERT_FATAL(m.nrows == 3);
	CU_ASSERT(!m.rows[0].is_instance);
	CU_ASSERT(m.rows[1].is_instance);
	CU_ASSERT_STRING_EQUAL(m.rows[1].instance, "ams");
	CU_ASSERT_STRING_EQUAL(m.rows[1].phase, "pre");
	CU_ASSERT_EQUAL(m.rows[1].f.q[RP_TCP][RP_V4], 2);
	CU_ASSERT_EQUAL(m.rows[2].f.q[RP_UDP][RP_V4], 7);
	CU_ASSERT_EQUAL(m.rows[2].f.dobit, 4);
	rp_model_free(&m);
}

/* Several servers: lines are "server|instance"; a document of a whole
 * server (instance "*") is the server. */
static void test_servers(void)
{
	rp_model_t m;
	char *a[] = { entry("2010-05-05T00:00:00Z", 1, 0, 0, 0, 0, 0, 1, 0, "") };
	char *b[] = { entry("2010-05-05T00:00:00Z", 1, 0, 0, 0, 0, 0, 1, 0, "") };
	rp_model_init(&m);
	add_ok(&m,
	       doc("k.root-servers.net", "ams", NULL, 60, "2010-05-05T00:00:00Z",
		   "2010-05-05T00:01:00Z", "{}", a, 1, NULL),
	       "k.json");
	add_ok(&m,
	       doc("a.root-servers.net", "*", NULL, 60, "2010-05-05T00:00:00Z",
		   "2010-05-05T00:01:00Z", "{}", b, 1, NULL),
	       "a.json");
	CU_ASSERT_FATAL(rp_model_finish(&m) == 0);
	CU_ASSERT_FATAL(m.nlines == 2);
	CU_ASSERT_STRING_EQUAL(m.lines[0].label, "a.root-servers.net");
	CU_ASSERT_STRING_EQUAL(m.lines[1].label, "k.root-servers.net|ams");
	rp_model_free(&m);
}

/* "flags": well-formed entries kept, others skipped, never an error. */
static void test_flags(void)
{
	rp_model_t m;
	char *s[] = { entry("2010-05-05T00:00:00Z", 10, 0, 0, 0, 0, 0, 1, 0,
			    "\"top_sources\": [{\"addr\": \"192.0.2.1\", \"queries\": 9}]") };
	static const char flags[] =
		"\"flags\": ["
		" {\"subject\": \"192.0.2.1\", \"interval_start\": \"2010-05-05T00:00:00Z\","
		"  \"reason\": \"share\", \"share_pct\": 90.0},"
		" {\"reason\": \"no subject\"},"
		" 17,"
		" {\"subject\": \"198.51.100.0/24\", \"interval_start\": 5}]";
	rp_model_init(&m);
	add_ok(&m,
	       doc(NULL, NULL, NULL, 60, "2010-05-05T00:00:00Z", "2010-05-05T00:01:00Z", "{}", s, 1,
		   flags),
	       "f.json");
	CU_ASSERT_FATAL(rp_model_finish(&m) == 0);
	CU_ASSERT_STRING_EQUAL(m.lines[0].label, "all");
	CU_ASSERT_FATAL(m.nflags == 2);
	CU_ASSERT_STRING_EQUAL(m.flags[0].subject, "192.0.2.1");
	CU_ASSERT(m.flags[0].have_t);
	CU_ASSERT_EQUAL(m.flags[0].t, T0);
	CU_ASSERT_DOUBLE_EQUAL(m.flags[0].share_pct, 90.0, 1e-12);
	CU_ASSERT_STRING_EQUAL(m.flags[0].reason, "share");
	CU_ASSERT_STRING_EQUAL(m.flags[1].subject, "198.51.100.0/24");
	CU_ASSERT(!m.flags[1].have_t);
	CU_ASSERT(isnan(m.flags[1].share_pct));
	CU_ASSERT(m.flags[1].reason == NULL);
	CU_ASSERT(rp_model_flagged(&m, "192.0.2.1"));
	CU_ASSERT(!rp_model_flagged(&m, "192.0.2.2"));
	CU_ASSERT_EQUAL(m.rows[0].flags, 2);
	rp_model_free(&m);
}

/* An analysis of an empty capture: no series, start/end null. */
static void test_empty(void)
{
	rp_model_t m;
	rp_model_init(&m);
	add_ok(&m, doc(NULL, NULL, NULL, 60, NULL, NULL, "{\"sizes\": {}}", NULL, 0, NULL),
	       "e.json");
	CU_ASSERT_FATAL(rp_model_finish(&m) == 0);
	CU_ASSERT_EQUAL(m.nlines, 1);
	CU_ASSERT_EQUAL(m.lines[0].s.n, 0);
	CU_ASSERT_EQUAL(m.all.n, 0);
	CU_ASSERT(!m.have_span);
	CU_ASSERT(isnan(rp_fig_tcp_pct(&m.total)));
	CU_ASSERT(isnan(rp_fig_pct(&m.total, 0)));
	rp_model_free(&m);
}

/* Refused documents leave the model as it was and say why. */
static void test_refused(void)
{
	rp_model_t m;
	char err[256];
	json_error_t je;
	rp_model_init(&m);
	two_phases(&m);

	json_t *d = json_loads("{\"schema\": \"rootlens.manifest/1\", \"interval\": 60}", 0, &je);
	CU_ASSERT_EQUAL(rp_model_add(&m, d, "x.json", err, sizeof(err)), DW_EFORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a rootlens.stats/1 document"));
	json_decref(d);

	char *s[] = { entry("2010-05-05T00:00:00Z", 1, 0, 0, 0, 0, 0, 1, 0, "") };
	d = doc("k.root-servers.net", "ams", "pre", 300, "2010-05-05T00:00:00Z",
		"2010-05-05T00:05:00Z", "{}", s, 1, NULL);
	CU_ASSERT_EQUAL(rp_model_add(&m, d, "b300.json", err, sizeof(err)), DW_EFORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "interval 300s, but ams-pre.json has 60s"));
	json_decref(d);

	/* a figure of the wrong type, in the second entry */
	char *t[] = {
		entry("2010-05-05T00:10:00Z", 1, 0, 0, 0, 0, 0, 1, 0, ""),
		entry("2010-05-05T00:11:00Z", 1, 0, 0, 0, 0, 0, 1, 0,
		      "\"qtype\": {\"A\": \"many\"}"),
	};
	d = doc("k.root-servers.net", "nrt", "post", 60, "2010-05-05T00:10:00Z",
		"2010-05-05T00:12:00Z", "{}", t, 2, NULL);
	CU_ASSERT_EQUAL(rp_model_add(&m, d, "bad.json", err, sizeof(err)), DW_EFORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "series[1].qtype"));
	json_decref(d);

	char *u[] = { entry("yesterday", 1, 0, 0, 0, 0, 0, 1, 0, "") };
	d = doc(NULL, NULL, NULL, 60, NULL, NULL, "{}", u, 1, NULL);
	CU_ASSERT_EQUAL(rp_model_add(&m, d, "t.json", err, sizeof(err)), DW_EFORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "series[0].start"));
	json_decref(d);

	d = doc(NULL, NULL, NULL, 60, NULL, NULL,
		"{\"sizes\": {\"udp-response-sizes\": {\"5-20\": 1}}}", NULL, 0, NULL);
	CU_ASSERT_EQUAL(rp_model_add(&m, d, "s.json", err, sizeof(err)), DW_EFORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "\"5-20\" is not an RSSAC002 bin"));
	json_decref(d);

	d = json_loads("[1, 2]", 0, &je);
	CU_ASSERT_EQUAL(rp_model_add(&m, d, "a.json", err, sizeof(err)), DW_EFORMAT);
	json_decref(d);

	/* unchanged: the two documents of two_phases() */
	CU_ASSERT_FATAL(rp_model_finish(&m) == 0);
	CU_ASSERT_EQUAL(m.ndocs, 2);
	CU_ASSERT_EQUAL(m.nlines, 1);
	CU_ASSERT_EQUAL(m.lines[0].s.n, 3);
	CU_ASSERT_EQUAL(m.nrows, 2);
	CU_ASSERT_EQUAL(m.nphases, 2);
	CU_ASSERT_EQUAL(rp_fig_queries(&m.total), 55);
	rp_model_free(&m);
}

static CU_TestInfo tests[] = {
	{ "one line, two phases", test_one_line_two_phases },
	{ "two instances", test_two_instances },
	{ "overlapping documents", test_overlap },
	{ "merged document", test_merged },
	{ "several servers", test_servers },
	{ "flags", test_flags },
	{ "empty analysis", test_empty },
	{ "refused documents", test_refused },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("rp_model", tests);
}
