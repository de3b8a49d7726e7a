/*
 * analyze/engine.c: interval rotation, late messages, messages without a
 * header, the document's shape, totals against the series. Messages are
 * built here as wire bytes and parsed with dw_msg_parse(), as the feed
 * does. Expected values are counted by hand from the messages built.
 */
#include <string.h>

#include "cu_main.h"
#include "rootlens/analyze.h"
#include "rootlens/errcode.h"

#define T0 1273017600 /* 2010-05-05T00:00:00Z, a multiple of 60 */

typedef struct msgspec {
	int64_t ts;
	uint32_t nsec;
	int qr, tcp, v6, edns, do_bit;
	uint16_t qtype;
	const char *qname; /* dotted, no trailing dot; "" is the root */
	uint8_t src_last;  /* last byte of the source address */
} msgspec_t;

/* Wire form of a one-question message (RFC 1035 4.1), with an OPT RR
 * (RFC 6891 6.1.2) when edns is set. @return its length. */
static size_t build_wire(const msgspec_t *s, uint8_t *w)
{
	size_t n = 0;
	w[n++] = 0x12, w[n++] = 0x34;
	w[n++] = (uint8_t)(s->qr ? 0x81 : 0x01); /* QR, RD */
	w[n++] = 0x00;
	w[n++] = 0, w[n++] = 1;                  /* QDCOUNT */
	w[n++] = 0, w[n++] = 0, w[n++] = 0, w[n++] = 0;
	w[n++] = 0, w[n++] = (uint8_t)(s->edns ? 1 : 0);
	const char *p = s->qname;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		w[n++] = (uint8_t)l;
		memcpy(w + n, p, l);
		n += l;
		p += l + (dot ? 1 : 0);
	}
	w[n++] = 0;
	w[n++] = (uint8_t)(s->qtype >> 8), w[n++] = (uint8_t)s->qtype;
	w[n++] = 0, w[n++] = 1; /* IN */
	if (s->edns) {
		const uint8_t opt[] = { 0, 0, 41, 0x10, 0x00, 0, 0,
					(uint8_t)(s->do_bit ? 0x80 : 0), 0, 0, 0 };
		memcpy(w + n, opt, sizeof(opt));
		n += sizeof(opt);
	}
	return n;
}

static void feed(an_engine_t *e, const msgspec_t *s)
{
	uint8_t wire[512];
	nl_dns_t pkt;
	dw_msg_t m;

	memset(&pkt, 0, sizeof(pkt));
	pkt.ts_sec = s->ts;
	pkt.ts_nsec = s->nsec;
	pkt.transport = s->tcp ? NL_TCP : NL_UDP;
	pkt.ipver = s->v6 ? 6 : 4;
	if (s->v6) {
		pkt.src[0] = 0x20, pkt.src[1] = 0x01, pkt.src[2] = 0x0d, pkt.src[3] = 0xb8;
		pkt.src[15] = s->src_last;
	} else {
		pkt.src[0] = 192, pkt.src[1] = 0, pkt.src[2] = 2, pkt.src[3] = s->src_last;
	}
	pkt.sport = 5353;
	pkt.dport = 53;
	pkt.len = pkt.wire_len = build_wire(s, wire);
	pkt.payload = wire;
	dw_msg_parse(&m, wire, pkt.len);
	an_engine_observe(e, &pkt, &m);
}

/* A message of 5 bytes: no header, so metrics never see it. */
static void feed_short(an_engine_t *e, int64_t ts)
{
	const uint8_t wire[5] = { 1, 2, 3, 4, 5 };
	nl_dns_t pkt;
	dw_msg_t m;
	memset(&pkt, 0, sizeof(pkt));
	pkt.ts_sec = ts;
	pkt.transport = NL_UDP;
	pkt.ipver = 4;
	pkt.dport = 53;
	pkt.payload = wire;
	pkt.len = pkt.wire_len = sizeof(wire);
	dw_msg_parse(&m, wire, pkt.len);
	CU_ASSERT_EQUAL(m.have_header, 0);
	an_engine_observe(e, &pkt, &m);
}

static an_engine_t *engine(unsigned interval)
{
	an_cfg_t cfg;
	an_engine_t *e = NULL;
	an_cfg_default(&cfg);
	cfg.interval_s = interval;
	CU_ASSERT_EQUAL_FATAL(an_engine_new(&e, &cfg), 0);
	return e;
}

static json_int_t udp4_queries(const json_t *fig)
{
	return json_integer_value(json_object_get(json_object_get(json_object_get(
		json_object_get(fig, "messages"), "queries"), "udp"), "ipv4"));
}

static const char *series_start(const json_t *doc, size_t i)
{
	return json_string_value(json_object_get(json_array_get(json_object_get(doc,
		"series"), i), "start"));
}

static void test_cfg_default(void)
{
	an_cfg_t c;
	an_cfg_default(&c);
	CU_ASSERT_EQUAL(c.interval_s, 60);
	CU_ASSERT_EQUAL(c.v4_prefix, 24);
	CU_ASSERT_EQUAL(c.v6_prefix, 48);
	CU_ASSERT_EQUAL(c.topk, 20);
	CU_ASSERT_EQUAL(c.topk_interval, 10);
	CU_ASSERT_EQUAL(c.ss_total, 4096);
	CU_ASSERT_EQUAL(c.ss_interval, 128);
	CU_ASSERT_EQUAL(c.hll_p_total, 14);
	CU_ASSERT_EQUAL(c.hll_p_interval, 12);
	CU_ASSERT_EQUAL(c.map_topk_interval, 20);
	CU_ASSERT_EQUAL(c.tld_other_cap, 1000);
}

static void test_bad_cfg(void)
{
	an_cfg_t c;
	an_engine_t *e = NULL;
	an_cfg_default(&c);
	c.interval_s = 0;
	CU_ASSERT_EQUAL(an_engine_new(&e, &c), DW_EINVAL);
	an_cfg_default(&c);
	c.v4_prefix = 33;
	CU_ASSERT_EQUAL(an_engine_new(&e, &c), DW_EINVAL);
	an_cfg_default(&c);
	c.v6_prefix = 129;
	CU_ASSERT_EQUAL(an_engine_new(&e, &c), DW_EINVAL);
}

/* 59.999999999 is still the first minute; 60.0 opens the second. */
static void test_boundary(void)
{
	an_engine_t *e = engine(60);
	msgspec_t s = { .ts = T0 + 59, .nsec = 999999999, .qtype = 1, .qname = "example.com" };
	feed(e, &s);
	s.ts = T0 + 60;
	s.nsec = 0;
	feed(e, &s);
	feed(e, &s);
	json_t *doc = an_engine_finish(e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(doc, "series")), 2);
	CU_ASSERT_STRING_EQUAL(series_start(doc, 0), "2010-05-05T00:00:00Z");
	CU_ASSERT_STRING_EQUAL(series_start(doc, 1), "2010-05-05T00:01:00Z");
	CU_ASSERT_EQUAL(udp4_queries(json_array_get(json_object_get(doc, "series"), 0)), 1);
	CU_ASSERT_EQUAL(udp4_queries(json_array_get(json_object_get(doc, "series"), 1)), 2);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(doc, "start")),
			       "2010-05-05T00:00:00Z");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(doc, "end")),
			       "2010-05-05T00:02:00Z");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(doc, "interval")), 60);
	json_decref(doc);
	an_engine_free(e);
}

/* Intervals follow the clock, not the first message: 300 s intervals
 * start at multiples of 300 since the epoch. A gap leaves no entry. */
static void test_aligned_and_gap(void)
{
	an_engine_t *e = engine(300);
	msgspec_t s = { .ts = T0 + 299, .qtype = 1, .qname = "a.de" };
	feed(e, &s);
	s.ts = T0 + 3600 + 17; /* an hour later */
	feed(e, &s);
	json_t *doc = an_engine_finish(e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(doc, "series")), 2);
	CU_ASSERT_STRING_EQUAL(series_start(doc, 0), "2010-05-05T00:00:00Z");
	CU_ASSERT_STRING_EQUAL(series_start(doc, 1), "2010-05-05T01:00:00Z");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(doc, "end")),
			       "2010-05-05T01:05:00Z");
	json_decref(doc);
	an_engine_free(e);
}

/*
 * Open intervals are the newest two. A message for the one before them is
 * late: counted in the older open interval and in late_messages. A message
 * for the older open interval itself is not late.
 */
static void test_late(void)
{
	an_engine_t *e = engine(60);
	msgspec_t s = { .qtype = 1, .qname = "example.com" };
	s.ts = T0 + 1;   feed(e, &s);  /* minute 0 */
	s.ts = T0 + 61;  feed(e, &s);  /* minute 1 */
	s.ts = T0 + 121; feed(e, &s);  /* minute 2: minute 0 closes */
	s.ts = T0 + 62;  feed(e, &s);  /* minute 1, still open: on time */
	s.ts = T0 + 5;   feed(e, &s);  /* minute 0, closed: late, into minute 1 */
	json_t *doc = an_engine_finish(e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	json_t *series = json_object_get(doc, "series");
	CU_ASSERT_EQUAL(json_array_size(series), 3);
	CU_ASSERT_EQUAL(udp4_queries(json_array_get(series, 0)), 1);
	CU_ASSERT_EQUAL(udp4_queries(json_array_get(series, 1)), 3);
	CU_ASSERT_EQUAL(udp4_queries(json_array_get(series, 2)), 1);
	json_t *tot = json_object_get(doc, "totals");
	CU_ASSERT_EQUAL(udp4_queries(tot), 5);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(tot, "late_messages")), 1);
	json_decref(doc);
	an_engine_free(e);
}

/* Before anything closes, a message older than the first one opens the
 * older slot in its own interval: a capture may start slightly out of order. */
static void test_early_out_of_order(void)
{
	an_engine_t *e = engine(60);
	msgspec_t s = { .qtype = 1, .qname = "example.com" };
	s.ts = T0 + 61; feed(e, &s);
	s.ts = T0 + 59; feed(e, &s);
	json_t *doc = an_engine_finish(e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(doc, "series")), 2);
	CU_ASSERT_STRING_EQUAL(series_start(doc, 0), "2010-05-05T00:00:00Z");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(doc, "totals"),
							   "late_messages")), 0);
	json_decref(doc);
	an_engine_free(e);
}

static void test_no_header(void)
{
	an_engine_t *e = engine(60);
	msgspec_t s = { .ts = T0, .qtype = 1, .qname = "example.com" };
	feed(e, &s);
	feed_short(e, T0 + 1);
	feed_short(e, T0 + 2);
	json_t *doc = an_engine_finish(e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	json_t *tot = json_object_get(doc, "totals");
	CU_ASSERT_EQUAL(udp4_queries(tot), 1);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(tot, "opcode"),
							   "QUERY")), 1);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(tot, "malformed"),
							   "short_header")), 2);
	json_t *s0 = json_array_get(json_object_get(doc, "series"), 0);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(s0, "malformed"),
							   "short_header")), 2);
	json_decref(doc);
	an_engine_free(e);
}

static int keys_in_order(const json_t *o, const char *const *keys)
{
	void *it = json_object_iter((json_t *)(uintptr_t)o);
	for (size_t i = 0; keys[i]; i++, it = json_object_iter_next((json_t *)(uintptr_t)o, it))
		if (!it || strcmp(json_object_iter_key(it), keys[i]))
			return 0;
	return it == NULL;
}

static void test_shape(void)
{
	static const char *const body[] = { "interval", "start", "end", "totals", "series",
					    "sketch", NULL };
	static const char *const sketch[] = { "totals", "series", NULL };
	static const char *const figures[] = {
		"messages", "tcp_udp_query_ratio_pct", "tc_responses", "edns", "sizes",
		"qtype", "rcode", "opcode", "queries_by_tld", "dnskey_by_tld",
		"priming_queries", "unique_sources", "top_sources", "top_prefixes",
		"malformed", "packets", "packets_without_dns", "reassembly", "late_messages",
		NULL,
	};
	static const char *const reasm[] = {
		"ip_fragments_reassembled", "ip_fragments_evicted", "ip_fragments_timeout",
		"ip_fragments_bad", "tcp_flows", "tcp_flows_evicted", "tcp_flows_timeout",
		"tcp_gaps", "tcp_overflow", "tcp_partial_at_end", NULL,
	};
	an_engine_t *e = engine(60);
	msgspec_t s = { .ts = T0, .qtype = 48, .qname = "", .edns = 1, .do_bit = 1 };
	feed(e, &s);

	rl_feed_stats_t st;
	memset(&st, 0, sizeof(st));
	st.packets = 10;
	st.net.skipped[NL_SKIP_ICMP] = 3;
	st.net.skipped[NL_SKIP_NOT_DNS_PORT] = 5;
	st.net.tcp_flows = 2;
	st.malformed[DW_BAD_SHORT_HEADER] = 7; /* not taken: counted from messages */
	an_engine_add_feed(e, &st);
	an_engine_add_feed(e, &st);

	json_t *doc = an_engine_finish(e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT(keys_in_order(doc, body));
	CU_ASSERT(keys_in_order(json_object_get(doc, "sketch"), sketch));
	json_t *tot = json_object_get(doc, "totals");
	CU_ASSERT(keys_in_order(tot, figures));
	CU_ASSERT(keys_in_order(json_object_get(tot, "reassembly"), reasm));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(tot, "packets")), 20);
	json_t *pwd = json_object_get(tot, "packets_without_dns");
	CU_ASSERT_EQUAL(json_object_size(pwd), 2);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(pwd, "not_dns_port")), 10);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(pwd, "icmp")), 6);
	/* descending counts: not_dns_port first */
	CU_ASSERT_STRING_EQUAL(json_object_iter_key(json_object_iter(pwd)), "not_dns_port");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(tot, "reassembly"),
							   "tcp_flows")), 4);
	CU_ASSERT_PTR_NULL(json_object_get(json_object_get(tot, "malformed"), "short_header"));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(tot, "dnskey_by_tld"),
							   ".")), 1);
	/* series entries: "start" first, then the metrics' figures only */
	json_t *s0 = json_array_get(json_object_get(doc, "series"), 0);
	CU_ASSERT_STRING_EQUAL(json_object_iter_key(json_object_iter(s0)), "start");
	CU_ASSERT_PTR_NOT_NULL(json_object_get(s0, "messages"));
	CU_ASSERT_PTR_NULL(json_object_get(s0, "packets"));
	json_t *k0 = json_array_get(json_object_get(json_object_get(doc, "sketch"), "series"), 0);
	CU_ASSERT_STRING_EQUAL(json_object_iter_key(json_object_iter(k0)), "start");
	json_decref(doc);
	an_engine_free(e);
}

static void test_empty(void)
{
	an_engine_t *e = engine(60);
	json_t *doc = an_engine_finish(e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT(json_is_null(json_object_get(doc, "start")));
	CU_ASSERT(json_is_null(json_object_get(doc, "end")));
	CU_ASSERT_EQUAL(json_array_size(json_object_get(doc, "series")), 0);
	CU_ASSERT_EQUAL(udp4_queries(json_object_get(doc, "totals")), 0);
	json_decref(doc);
	an_engine_free(e);
}

/* Sum every integer leaf of @p b into @p a (same shape). */
static void add_counts(json_t *a, const json_t *b)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)(uintptr_t)b, k, v) {
		json_t *x = json_object_get(a, k);
		if (json_is_integer(v))
			json_object_set_new(a, k, json_integer(json_integer_value(v) +
							       (x ? json_integer_value(x) : 0)));
		else if (json_is_object(v)) {
			if (!x) {
				x = json_object();
				json_object_set_new(a, k, x);
			}
			add_counts(x, v);
		}
	}
}

/* Counters in the totals are the sum of the series (no maps cut here:
 * fewer than 20 keys per interval). */
static void test_totals_sum_series(void)
{
	static const char *const counters[] = { "messages", "tc_responses", "sizes", "qtype",
						"rcode", "opcode", "queries_by_tld",
						"dnskey_by_tld", "priming_queries", "malformed",
						NULL };
	static const char *const names[] = { "", "com", "example.net", "www.example.org",
					     "x.de", "nic.uk", "junk-tld" };
	static const uint16_t types[] = { 1, 28, 2, 48, 43, 15 };
	an_engine_t *e = engine(60);
	for (unsigned i = 0; i < 1000; i++) {
		msgspec_t s = {
			.ts = T0 + (int64_t)(i * 7 / 10), /* ~11 minutes */
			.qr = i % 3 == 0, .tcp = i % 5 == 0, .v6 = i % 2,
			.edns = i % 4 != 0, .do_bit = i % 8 == 1,
			.qtype = types[i % 6], .qname = names[i % 7],
			.src_last = (uint8_t)(i % 50),
		};
		feed(e, &s);
		if (i % 97 == 0)
			feed_short(e, s.ts);
	}
	json_t *doc = an_engine_finish(e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	json_t *series = json_object_get(doc, "series"), *sum = json_object(), *s;
	size_t i;
	CU_ASSERT_EQUAL(json_array_size(series), 12);
	json_array_foreach(series, i, s) {
		json_t *part = json_object();
		for (size_t k = 0; counters[k]; k++)
			json_object_set(part, counters[k], json_object_get(s, counters[k]));
		add_counts(sum, part);
		json_decref(part);
	}
	json_t *tot = json_object_get(doc, "totals");
	for (size_t k = 0; counters[k]; k++) {
		int eq = json_equal(json_object_get(sum, counters[k]), json_object_get(tot, counters[k]));
		if (!eq)
			fprintf(stderr, "\n  totals.%s != sum of series\n", counters[k]);
		CU_ASSERT(eq);
	}
	json_decref(sum);
	json_decref(doc);
	an_engine_free(e);
}

static CU_TestInfo tests[] = {
	{ "cfg_default", test_cfg_default },
	{ "bad_cfg", test_bad_cfg },
	{ "boundary_59.999_vs_60", test_boundary },
	{ "aligned_and_gap", test_aligned_and_gap },
	{ "late", test_late },
	{ "early_out_of_order", test_early_out_of_order },
	{ "no_header", test_no_header },
	{ "shape", test_shape },
	{ "empty", test_empty },
	{ "totals_sum_series", test_totals_sum_series },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("an_engine", tests);
}
