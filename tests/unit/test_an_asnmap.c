/*
 * analyze/asnmap.c: the CAIDA prefix-to-AS loader (good files, every kind
 * of malformed line, named by file and line), longest-prefix match against
 * a table written out here and against a brute-force search over random
 * nested routes; and the AS data m_sources keeps with a map ("asn" in the
 * lists, top_asns, saved and merged without the map).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu_main.h"
#include "metric.h"
#include "rootlens/analyze.h"
#include "rootlens/errcode.h"

extern const metric_ops_t m_sources;

/* A map from @p text (named @p name), built. NULL when reading failed
 * (@p err says why, @p rc_out the code). */
static an_asnmap_t *map_of(const char *text, const char *name, char *err, size_t errlen,
			   int *rc_out)
{
	an_asnmap_t *m;
	FILE *f = fmemopen((void *)(uintptr_t)text, strlen(text), "r");
	int rc;

	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_FATAL(an_asnmap_new(&m) == 0);
	err[0] = '\0';
	rc = an_asnmap_read(m, f, name, err, errlen);
	fclose(f);
	if (rc == 0)
		rc = an_asnmap_build(m, err, errlen);
	if (rc_out)
		*rc_out = rc;
	if (rc < 0) {
		an_asnmap_free(m);
		return NULL;
	}
	return m;
}

static uint32_t look(const an_asnmap_t *m, const char *addr)
{
	uint8_t a[16];
	if (strchr(addr, ':')) {
		CU_ASSERT_FATAL(inet_pton(AF_INET6, addr, a) == 1);
		return an_asnmap_lookup(m, 6, a);
	}
	CU_ASSERT_FATAL(inet_pton(AF_INET, addr, a) == 1);
	return an_asnmap_lookup(m, 4, a);
}

static const char table[] =
	"# routeviews-rv2-20100505-1200.pfx2as, by hand\n"
	"10.0.0.0\t8\t100\n"
	"10.1.0.0\t16\t200\n"
	"10.1.2.0\t24\t300_301\n"
	"10.1.2.128\t25\t400,401\n"
	"10.2.0.0\t15\t500\n"
	"\n"
	"192.0.2.0 24 64500\r\n"
	"  198.51.100.0\t22\t4200000000\n"
	"198.51.100.7\t32\t7\n"
	"2001:db8::\t32\t600\n"
	"2001:db8:1::\t48\t700_701,702\n"
	"2001:db8:1:2::\t64\t800\n";

static void test_lookup(void)
{
	char err[256];
	int rc;
	an_asnmap_t *m = map_of(table, "t.pfx2as", err, sizeof(err), &rc);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	size_t r4, r6, ranges;
	an_asnmap_size(m, &r4, &r6, &ranges);
	CU_ASSERT_EQUAL(r4, 8);
	CU_ASSERT_EQUAL(r6, 3);
	/* nested: the most specific route wins */
	CU_ASSERT_EQUAL(look(m, "10.1.2.129"), 400);  /* /25, AS set: the first */
	CU_ASSERT_EQUAL(look(m, "10.1.2.128"), 400);
	CU_ASSERT_EQUAL(look(m, "10.1.2.255"), 400);
	CU_ASSERT_EQUAL(look(m, "10.1.2.127"), 300);  /* /24, MOAS: the first */
	CU_ASSERT_EQUAL(look(m, "10.1.2.0"), 300);
	CU_ASSERT_EQUAL(look(m, "10.1.1.255"), 200);  /* /16 around the /24 */
	CU_ASSERT_EQUAL(look(m, "10.1.3.0"), 200);
	CU_ASSERT_EQUAL(look(m, "10.1.255.255"), 200);
	CU_ASSERT_EQUAL(look(m, "10.2.0.0"), 500);    /* /15 */
	CU_ASSERT_EQUAL(look(m, "10.3.255.255"), 500);
	CU_ASSERT_EQUAL(look(m, "10.4.0.0"), 100);    /* the /8 resumes */
	CU_ASSERT_EQUAL(look(m, "10.0.255.255"), 100);
	CU_ASSERT_EQUAL(look(m, "10.0.0.0"), 100);
	CU_ASSERT_EQUAL(look(m, "10.255.255.255"), 100);
	CU_ASSERT_EQUAL(look(m, "9.255.255.255"), 0); /* no route */
	CU_ASSERT_EQUAL(look(m, "11.0.0.0"), 0);
	CU_ASSERT_EQUAL(look(m, "0.0.0.0"), 0);
	CU_ASSERT_EQUAL(look(m, "255.255.255.255"), 0);
	CU_ASSERT_EQUAL(look(m, "192.0.2.0"), 64500);
	CU_ASSERT_EQUAL(look(m, "192.0.2.255"), 64500);
	CU_ASSERT_EQUAL(look(m, "192.0.3.0"), 0);
	CU_ASSERT_EQUAL(look(m, "198.51.100.6"), 4200000000u);
	CU_ASSERT_EQUAL(look(m, "198.51.100.7"), 7);  /* a /32 */
	CU_ASSERT_EQUAL(look(m, "198.51.100.8"), 4200000000u);
	CU_ASSERT_EQUAL(look(m, "198.51.103.255"), 4200000000u);
	CU_ASSERT_EQUAL(look(m, "198.51.104.0"), 0);
	CU_ASSERT_EQUAL(look(m, "2001:db8:1:2::1"), 800);
	CU_ASSERT_EQUAL(look(m, "2001:db8:1:2:ffff:ffff:ffff:ffff"), 800);
	CU_ASSERT_EQUAL(look(m, "2001:db8:1:3::"), 700);
	CU_ASSERT_EQUAL(look(m, "2001:db8:1:ffff::"), 700);
	CU_ASSERT_EQUAL(look(m, "2001:db8:2::"), 600);
	CU_ASSERT_EQUAL(look(m, "2001:db8:ffff:ffff::"), 600);
	CU_ASSERT_EQUAL(look(m, "2001:db9::"), 0);
	CU_ASSERT_EQUAL(look(m, "2001:db7:ffff::"), 0);
	CU_ASSERT_EQUAL(look(m, "::"), 0);
	CU_ASSERT_EQUAL(look(m, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 0);
	an_asnmap_free(m);
}

/* Routes at the very ends of the address space and the default routes. */
static void test_edges(void)
{
	static const char t[] =
		"0.0.0.0\t0\t1\n"
		"0.0.0.0\t32\t2\n"
		"255.255.255.255\t32\t3\n"
		"255.255.255.0\t24\t4\n"
		"::\t0\t5\n"
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\t128\t6\n"
		"::\t128\t7\n";
	char err[256];
	an_asnmap_t *m = map_of(t, "edges", err, sizeof(err), NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(look(m, "0.0.0.0"), 2);
	CU_ASSERT_EQUAL(look(m, "0.0.0.1"), 1);
	CU_ASSERT_EQUAL(look(m, "128.0.0.0"), 1);
	CU_ASSERT_EQUAL(look(m, "255.255.254.255"), 1);
	CU_ASSERT_EQUAL(look(m, "255.255.255.0"), 4);
	CU_ASSERT_EQUAL(look(m, "255.255.255.254"), 4);
	CU_ASSERT_EQUAL(look(m, "255.255.255.255"), 3);
	CU_ASSERT_EQUAL(look(m, "::"), 7);
	CU_ASSERT_EQUAL(look(m, "::1"), 5);
	CU_ASSERT_EQUAL(look(m, "8000::"), 5);
	CU_ASSERT_EQUAL(look(m, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"), 5);
	CU_ASSERT_EQUAL(look(m, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 6);
	an_asnmap_free(m);

	/* an empty map finds nothing */
	m = map_of("# nothing\n\n", "empty", err, sizeof(err), NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(look(m, "10.0.0.1"), 0);
	CU_ASSERT_EQUAL(look(m, "2001:db8::1"), 0);
	an_asnmap_free(m);
}

/* ---- against a brute-force search --------------------------------------- */

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

typedef struct r4 {
	uint32_t start;
	unsigned len;
	uint32_t asn;
} r4_t;

static uint32_t brute(const r4_t *r, size_t n, uint32_t a)
{
	unsigned best = 0;
	uint32_t asn = 0;
	int found = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t mask = r[i].len ? ~UINT32_C(0) << (32 - r[i].len) : 0;
		if ((a & mask) == r[i].start && (!found || r[i].len > best)) {
			best = r[i].len;
			asn = r[i].asn;
			found = 1;
		}
	}
	return asn;
}

static void test_random(void)
{
	enum { NR = 1500, NQ = 30000 };
	r4_t *r = calloc(NR, sizeof(*r));
	char *text = malloc(NR * 48), *p = text, err[256];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	size_t n = 0;

	CU_ASSERT_FATAL(r && text);
	/* nested routes: a few /8s, inside them /12../28 near each other */
	while (n < NR) {
		unsigned len = n < 8 ? 8 : 12 + (unsigned)(rnd(&x) % 17);
		uint32_t a = (uint32_t)(10 + rnd(&x) % 8) << 24 | (uint32_t)(rnd(&x) % 4096) << 12 |
			     (uint32_t)(rnd(&x) & 0xfff);
		uint32_t mask = ~UINT32_C(0) << (32 - len);
		int dup = 0;
		a &= mask;
		for (size_t i = 0; i < n && !dup; i++)
			dup = r[i].start == a && r[i].len == len;
		if (dup)
			continue;
		r[n].start = a;
		r[n].len = len;
		r[n].asn = 1 + (uint32_t)(rnd(&x) % 50); /* neighbours often share an AS */
		p += sprintf(p, "%u.%u.%u.%u\t%u\t%u\n", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
			     a & 255, len, r[n].asn);
		n++;
	}
	an_asnmap_t *m = map_of(text, "random", err, sizeof(err), NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	unsigned bad = 0;
	for (unsigned q = 0; q < NQ; q++) {
		uint32_t a;
		if (q % 3 == 0) {
			/* a route's ends and their neighbours */
			const r4_t *t = &r[rnd(&x) % NR];
			uint32_t end = t->start | ~(~UINT32_C(0) << (32 - t->len));
			uint32_t pick[4] = { t->start, t->start - 1, end, end + 1 };
			a = pick[rnd(&x) % 4];
		} else {
			a = (uint32_t)(9 + rnd(&x) % 10) << 24 | (uint32_t)(rnd(&x) & 0xffffff);
		}
		uint8_t b[4] = { (uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a };
		bad += an_asnmap_lookup(m, 4, b) != brute(r, n, a);
	}
	CU_ASSERT_EQUAL(bad, 0);
	an_asnmap_free(m);
	free(r);
	free(text);
}

/* ---- malformed files ------------------------------------------------------- */

static void expect_bad(const char *text, const char *where, const char *why)
{
	char err[256];
	int rc;
	an_asnmap_t *m = map_of(text, "bad.pfx2as", err, sizeof(err), &rc);

	CU_ASSERT_PTR_NULL(m);
	CU_ASSERT_EQUAL(rc, DW_EFORMAT);
	if (!strstr(err, where) || !strstr(err, why)) {
		fprintf(stderr, "\n  want \"%s\" and \"%s\", got \"%s\"\n", where, why, err);
		CU_FAIL("message");
	}
}

static void test_malformed(void)
{
	static const char ok[] = "10.0.0.0\t8\t100\n# fine\n";
	char buf[1024];
	static const struct {
		const char *line, *why;
	} bad[] = {
		{ "10.0.0.0\t8", "expected 3 fields" },
		{ "10.0.0.0", "expected 3 fields" },
		{ "10.0.0.0\t8\t100\t5", "expected 3 fields" },
		{ "10.0.0.300\t8\t100", "not an IPv4 or IPv6 address" },
		{ "example.com\t8\t100", "not an IPv4 or IPv6 address" },
		{ "10.0.0.0/8\t8\t100", "not an IPv4 or IPv6 address" },
		{ "10.0.0.0\t33\t100", "bad prefix length" },
		{ "10.0.0.0\tx\t100", "bad prefix length" },
		{ "10.0.0.0\t-8\t100", "bad prefix length" },
		{ "10.0.0.0\t08\t100", "bad prefix length" },
		{ "2001:db8::\t129\t100", "bad prefix length" },
		{ "10.0.0.1\t24\t100", "bits set after the prefix length" },
		{ "2001:db8::1\t64\t100", "bits set after the prefix length" },
		{ "10.0.0.0\t8\tAS100", "bad AS" },
		{ "10.0.0.0\t8\t0", "bad AS" },
		{ "10.0.0.0\t8\t4294967296", "bad AS" },
		{ "10.0.0.0\t8\t100_", "bad AS" },
		{ "10.0.0.0\t8\t100__200", "bad AS" },
		{ "10.0.0.0\t8\t100;200", "bad AS" },
		{ "10.0.0.0\t8\t-1", "bad AS" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "%s%s\n11.0.0.0\t8\t1\n", ok, bad[i].line);
		expect_bad(buf, "bad.pfx2as:3:", bad[i].why);
	}
	/* the last line without a newline is still read */
	snprintf(buf, sizeof(buf), "%s10.1.0.0\t16\tx", ok);
	expect_bad(buf, "bad.pfx2as:3:", "bad AS");
	/* a line too long, a NUL byte */
	char longl[600];
	memset(longl, '1', sizeof(longl));
	memcpy(longl + sizeof(longl) - 2, "\n", 2);
	snprintf(buf, sizeof(buf), "%s%s", ok, longl);
	expect_bad(buf, "bad.pfx2as:3:", "longer than");
	/* the same prefix twice: both places named */
	snprintf(buf, sizeof(buf), "%s12.0.0.0\t8\t7\n10.0.0.0\t8\t9\n", ok);
	expect_bad(buf, "bad.pfx2as:4:", "also at bad.pfx2as:1");

	/* a missing file */
	an_asnmap_t *m;
	char err[256];
	CU_ASSERT_FATAL(an_asnmap_new(&m) == 0);
	CU_ASSERT_EQUAL(an_asnmap_load(m, "/nonexistent/rv2.pfx2as", err, sizeof(err)), DW_ENOENT);
	CU_ASSERT(strstr(err, "/nonexistent/rv2.pfx2as") != NULL);
	an_asnmap_free(m);
}

/* Two files (IPv4 and IPv6), one map; the second file's duplicate of the
 * first's prefix is named with both files. */
static void test_two_files(void)
{
	char err[256];
	an_asnmap_t *m;
	FILE *f;
	static const char v4[] = "192.0.2.0\t24\t64500\n", v6[] = "2001:db8::\t32\t64501\n";

	CU_ASSERT_FATAL(an_asnmap_new(&m) == 0);
	f = fmemopen((void *)(uintptr_t)v4, strlen(v4), "r");
	CU_ASSERT_EQUAL(an_asnmap_read(m, f, "rv2", err, sizeof(err)), 0);
	fclose(f);
	f = fmemopen((void *)(uintptr_t)v6, strlen(v6), "r");
	CU_ASSERT_EQUAL(an_asnmap_read(m, f, "rv6", err, sizeof(err)), 0);
	fclose(f);
	CU_ASSERT_EQUAL(an_asnmap_build(m, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(look(m, "192.0.2.1"), 64500);
	CU_ASSERT_EQUAL(look(m, "2001:db8::1"), 64501);
	an_asnmap_free(m);

	CU_ASSERT_FATAL(an_asnmap_new(&m) == 0);
	f = fmemopen((void *)(uintptr_t)v4, strlen(v4), "r");
	CU_ASSERT_EQUAL(an_asnmap_read(m, f, "a.pfx2as", err, sizeof(err)), 0);
	fclose(f);
	f = fmemopen((void *)(uintptr_t)v4, strlen(v4), "r");
	CU_ASSERT_EQUAL(an_asnmap_read(m, f, "b.pfx2as", err, sizeof(err)), 0);
	fclose(f);
	CU_ASSERT_EQUAL(an_asnmap_build(m, err, sizeof(err)), DW_EFORMAT);
	CU_ASSERT(strstr(err, "b.pfx2as:1") && strstr(err, "a.pfx2as:1"));
	an_asnmap_free(m);
}

/* ---- m_sources with a map ---------------------------------------------------- */

static void cfg_set(an_cfg_t *c, an_scope_t scope, const an_asnmap_t *m)
{
	an_cfg_default(c);
	c->ss_interval = 128;
	c->scope = scope;
	c->asn = m;
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

static void feed(void *st, const char *src, unsigned times)
{
	nl_dns_t pkt;
	dw_msg_t msg;
	an_obs_t o;

	memset(&pkt, 0, sizeof(pkt));
	memset(&msg, 0, sizeof(msg));
	pkt.ipver = strchr(src, ':') ? 6 : 4;
	CU_ASSERT_FATAL(inet_pton(pkt.ipver == 6 ? AF_INET6 : AF_INET, src, pkt.src) == 1);
	pkt.transport = NL_UDP;
	msg.have_header = 1;
	msg.have_question = 1;
	memcpy(msg.qname, "\7example\3com\0", 13);
	msg.qname_len = 13;
	msg.qtype = 1;
	memset(&o, 0, sizeof(o));
	o.pkt = &pkt;
	o.msg = &msg;
	o.v6 = pkt.ipver == 6;
	for (unsigned i = 0; i < times; i++)
		m_sources.observe(st, &o);
}

static json_t *figures(const void *st, json_t **sk)
{
	json_t *f = json_object();
	*sk = json_object();
	CU_ASSERT_FATAL(m_sources.emit(st, f) == 0 && m_sources.save(st, *sk) == 0);
	return f;
}

static const char *entry_str(const json_t *f, const char *list, size_t i, const char *key)
{
	return json_string_value(json_object_get(json_array_get(json_object_get(f, list), i), key));
}

static void test_sources(void)
{
	char err[256];
	an_asnmap_t *m = map_of(table, "t.pfx2as", err, sizeof(err), NULL);
	an_cfg_t cfg, plain;
	json_t *f, *sk, *f2, *sk2;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	for (int scope = 0; scope < 2; scope++) {
		cfg_set(&cfg, scope ? AN_SCOPE_INTERVAL : AN_SCOPE_TOTAL, m);
		void *st = state(&cfg);
		feed(st, "10.1.2.200", 9);   /* AS400 (the /25) */
		feed(st, "10.1.2.7", 4);     /* AS300 */
		feed(st, "10.1.2.8", 3);     /* AS300 */
		feed(st, "2001:db8:1:2::5", 2); /* AS800 */
		feed(st, "203.0.113.1", 1);  /* no route */
		f = figures(st, &sk);
		/* the keys in order, top_asns last */
		const char *keys[] = { "unique_sources", "top_sources", "top_prefixes", "top_asns" };
		size_t i = 0;
		const char *k;
		json_t *v;
		json_object_foreach(f, k, v)
			CU_ASSERT(i < 4 && !strcmp(k, keys[i++]));
		CU_ASSERT_STRING_EQUAL(entry_str(f, "top_sources", 0, "addr"), "10.1.2.200");
		CU_ASSERT_STRING_EQUAL(entry_str(f, "top_sources", 0, "asn"), "AS400");
		CU_ASSERT_STRING_EQUAL(entry_str(f, "top_sources", 1, "asn"), "AS300");
		CU_ASSERT(json_is_null(json_object_get(json_array_get(json_object_get(f, "top_sources"), 4),
						       "asn")));
		/* a prefix is attributed by its first address: 10.1.2.0/24 -> AS300 */
		CU_ASSERT_STRING_EQUAL(entry_str(f, "top_prefixes", 0, "prefix"), "10.1.2.0/24");
		CU_ASSERT_STRING_EQUAL(entry_str(f, "top_prefixes", 0, "asn"), "AS300");
		/* 2001:db8:1::/48 by 2001:db8:1:: (the /64 of the source is more specific) */
		CU_ASSERT_STRING_EQUAL(entry_str(f, "top_prefixes", 1, "asn"), "AS700");
		/* by AS: 9, 7, 2 and the unrouted 1 under null */
		json_t *ta = json_object_get(f, "top_asns");
		CU_ASSERT_EQUAL(json_array_size(ta), 4);
		CU_ASSERT_STRING_EQUAL(entry_str(f, "top_asns", 0, "asn"), "AS400");
		CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_array_get(ta, 0), "queries")), 9);
		CU_ASSERT_STRING_EQUAL(entry_str(f, "top_asns", 1, "asn"), "AS300");
		CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_array_get(ta, 1), "queries")), 7);
		CU_ASSERT(json_is_null(json_object_get(json_array_get(ta, 3), "asn")));
		CU_ASSERT_PTR_NULL(json_object_get(json_array_get(ta, 0), "addr"));
		/* the sketch keeps the AS of every counter */
		CU_ASSERT(json_is_string(json_object_get(json_object_get(sk, "top_sources"), "asn")));
		CU_ASSERT(json_is_object(json_object_get(sk, "top_asns")));

		/* loaded without the map (merge): the same figures */
		cfg_set(&plain, cfg.scope, NULL);
		void *st2 = state(&plain);
		CU_ASSERT_EQUAL(m_sources.load(st2, f, sk), 0);
		f2 = figures(st2, &sk2);
		CU_ASSERT(json_equal(f, f2));
		CU_ASSERT(json_equal(sk, sk2));
		/* merged with itself: counts double, ASes stay */
		CU_ASSERT_EQUAL(m_sources.merge(st2, st), 0);
		json_decref(f2);
		json_decref(sk2);
		f2 = figures(st2, &sk2);
		CU_ASSERT_STRING_EQUAL(entry_str(f2, "top_sources", 0, "asn"), "AS400");
		CU_ASSERT_EQUAL(json_integer_value(json_object_get(
			json_array_get(json_object_get(f2, "top_asns"), 0), "queries")), 18);
		json_decref(f2);
		json_decref(sk2);

		/* a partial without AS data: the merge has none (no partial
		 * counts by AS) */
		void *bare = state(&plain);
		feed(bare, "10.1.2.200", 1);
		CU_ASSERT_EQUAL(m_sources.merge(st2, bare), 0);
		f2 = figures(st2, &sk2);
		CU_ASSERT_PTR_NULL(json_object_get(f2, "top_asns"));
		CU_ASSERT_PTR_NULL(json_object_get(json_array_get(json_object_get(f2, "top_sources"), 0),
						   "asn"));
		CU_ASSERT_EQUAL(json_integer_value(json_object_get(
			json_array_get(json_object_get(f2, "top_sources"), 0), "queries")), 19);
		json_decref(f2);
		json_decref(sk2);
		drop(bare);

		/* a sketch whose AS list does not fit is refused */
		json_t *bad = json_deep_copy(sk);
		json_object_del(json_object_get(bad, "top_prefixes"), "asn");
		void *st3 = state(&plain);
		CU_ASSERT_EQUAL(m_sources.load(st3, NULL, bad), DW_EFORMAT);
		drop(st3);
		json_decref(bad);
		bad = json_deep_copy(sk);
		json_object_set_new(json_object_get(bad, "top_sources"), "asn", json_string("AAAA"));
		st3 = state(&plain);
		CU_ASSERT_EQUAL(m_sources.load(st3, NULL, bad), DW_EFORMAT);
		drop(st3);
		json_decref(bad);
		/* AS keys only in top_asns */
		bad = json_deep_copy(sk);
		json_object_set(bad, "top_prefixes", json_object_get(bad, "top_asns"));
		st3 = state(&plain);
		CU_ASSERT_EQUAL(m_sources.load(st3, NULL, bad), DW_EFORMAT);
		drop(st3);
		json_decref(bad);

		json_decref(f);
		json_decref(sk);
		drop(st2);
		drop(st);
	}
	an_asnmap_free(m);
}

static CU_TestInfo tests[] = {
	{ "lookup", test_lookup },
	{ "edges", test_edges },
	{ "random", test_random },
	{ "malformed", test_malformed },
	{ "two_files", test_two_files },
	{ "sources", test_sources },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("an_asnmap", tests);
}
