/*
 * rssac002.c - RSSAC002v3 daily figures and their YAML (rssac002.h).
 *
 * The layout follows what the operators publish (rssac-caucus/
 * RSSAC002-data, e.g. 2020/01/traffic-sizes/k-root-20200101-
 * traffic-sizes.yaml): a "---" line, version/service/start-period/metric,
 * then the figures; traffic-volume in the order udp queries v4, v6, tcp
 * queries v4, v6, udp responses v4, v6, tcp responses v4, v6; size maps
 * with only the non-empty bins, ascending, "288-"/"4096-" last;
 * rcode-volume keyed by the RCODE number, ascending, zero counts left out;
 * unique-sources num-sources-ipv4, -ipv6, -ipv6-aggregate.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "metric.h"
#include "rootlens/analyze.h"
#include "rootlens/common.h"
#include "rootlens/dnswire.h"
#include "rootlens/errcode.h"
#include "rssac002.h"
#include "sketch/hll.h"

static const char *const metric_names[AN_RS__METRICS] = {
	[AN_RS_TRAFFIC_VOLUME] = "traffic-volume",
	[AN_RS_TRAFFIC_SIZES] = "traffic-sizes",
	[AN_RS_RCODE_VOLUME] = "rcode-volume",
	[AN_RS_UNIQUE_SOURCES] = "unique-sources",
};

/* doc/stats-json.md names of the size maps: [0 request, 1 response][0 UDP, 1 TCP] */
static const char *const size_key[2][2] = {
	{ "udp-request-sizes", "tcp-request-sizes" },
	{ "udp-response-sizes", "tcp-response-sizes" },
};
static const char *const tr_key[2] = { "udp", "tcp" };
static const char *const ip_key[2] = { "ipv4", "ipv6" };

const char *an_rs_metric_name(an_rs_metric_t m)
{
	return (unsigned)m < AN_RS__METRICS ? metric_names[m] : NULL;
}

/* ---- small helpers ------------------------------------------------------ */

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return DW_EFORMAT;
}

static int64_t floor_day(int64_t t)
{
	int64_t q = t / AN_RS_DAY;
	if (t % AN_RS_DAY < 0)
		q--;
	return q * AN_RS_DAY;
}

/* Strict unsigned decimal: digits only, no sign, no overflow past @p max. */
static int parse_uint(const char *s, size_t n, unsigned long max, unsigned long *v)
{
	unsigned long x = 0;
	if (n == 0 || n > 10)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (unsigned long)(s[i] - '0');
	}
	if (x > max)
		return -1;
	*v = x;
	return 0;
}

int an_rs_rcode_number(const char *key)
{
	unsigned long v;
	char buf[16];

	if (key == NULL)
		return -1;
	if (!strncmp(key, "RCODE", 5))
		return parse_uint(key + 5, strlen(key + 5), AN_RS_RCODES - 1, &v) < 0 ? -1 : (int)v;
	if (!strcmp(key, "BADSIG")) /* TSIG's name for 16 (RFC 8945) */
		return 16;
	/* The mnemonics all sit below 64; dw_rcode_str() writes "RCODEnn"
	 * into buf for the unnamed ones. */
	for (unsigned i = 0; i < 64; i++) {
		const char *s = dw_rcode_str((uint16_t)i, buf);
		if (s != buf && !strcmp(s, key))
			return (int)i;
	}
	return -1;
}

/* "lo-hi" (hi = lo + 15, lo a multiple of 16, below the open bin) or the
 * open bin "OPEN-". @return the bin index, or -1. */
static int bin_index(const char *key, unsigned open)
{
	const char *dash = strchr(key, '-');
	unsigned long lo, hi;

	if (dash == NULL || parse_uint(key, (size_t)(dash - key), 1u << 20, &lo) < 0 ||
	    lo % AN_RS_BIN != 0)
		return -1;
	if (dash[1] == '\0')
		return lo == open ? (int)(open / AN_RS_BIN) : -1;
	if (parse_uint(dash + 1, strlen(dash + 1), 1u << 20, &hi) < 0 ||
	    hi != lo + AN_RS_BIN - 1 || lo >= open)
		return -1;
	return (int)(lo / AN_RS_BIN);
}

/* Member @p key of @p o as an object; missing (or JSON null) is NULL with
 * 0, another type is -1. */
static int get_obj(const json_t *o, const char *key, const json_t **out)
{
	const json_t *v = json_object_get(o, key);
	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return -1;
	*out = v;
	return 0;
}

static int get_count(const json_t *v, uint64_t *n)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*n = (uint64_t)json_integer_value(v);
	return 0;
}

/* ---- summing one series entry into its day ------------------------------ */

static int add_messages(an_rs_day_t *d, const json_t *fig, char *err, size_t errlen,
			size_t i)
{
	const json_t *m, *qr, *tr;
	if (get_obj(fig, "messages", &m) < 0)
		return fail(err, errlen, "series[%zu]: \"messages\" is not an object", i);
	for (unsigned r = 0; r < 2 && m != NULL; r++) {
		if (get_obj(m, r ? "responses" : "queries", &qr) < 0)
			return fail(err, errlen, "series[%zu]: messages.%s is not an object", i,
				    r ? "responses" : "queries");
		for (unsigned t = 0; t < 2 && qr != NULL; t++) {
			if (get_obj(qr, tr_key[t], &tr) < 0)
				return fail(err, errlen, "series[%zu]: messages.%s.%s is not an object",
					    i, r ? "responses" : "queries", tr_key[t]);
			for (unsigned v = 0; v < 2 && tr != NULL; v++) {
				uint64_t n;
				if (an_json_get_u64(tr, ip_key[v], &n) < 0)
					return fail(err, errlen, "series[%zu]: messages.%s.%s.%s is not a count",
						    i, r ? "responses" : "queries", tr_key[t], ip_key[v]);
				if (r)
					d->responses[t][v] += n;
				else
					d->queries[t][v] += n;
			}
		}
	}
	return 0;
}

static int add_sizes(an_rs_day_t *d, const json_t *fig, char *err, size_t errlen, size_t i)
{
	const json_t *s, *map, *v;
	const char *key;
	if (get_obj(fig, "sizes", &s) < 0)
		return fail(err, errlen, "series[%zu]: \"sizes\" is not an object", i);
	for (unsigned r = 0; r < 2 && s != NULL; r++)
		for (unsigned t = 0; t < 2; t++) {
			if (get_obj(s, size_key[r][t], &map) < 0)
				return fail(err, errlen, "series[%zu]: sizes.%s is not an object", i,
					    size_key[r][t]);
			json_object_foreach((json_t *)(uintptr_t)map, key, v) {
				int b = bin_index(key, r ? AN_RS_RESP_OPEN : AN_RS_REQ_OPEN);
				uint64_t n;
				if (b < 0)
					return fail(err, errlen, "series[%zu]: sizes.%s: \"%s\" is not an RSSAC002 bin",
						    i, size_key[r][t], key);
				if (get_count(v, &n) < 0)
					return fail(err, errlen, "series[%zu]: sizes.%s.%s is not a count", i,
						    size_key[r][t], key);
				if (r)
					d->resp_sizes[t][b] += n;
				else
					d->req_sizes[t][b] += n;
			}
		}
	return 0;
}

static int add_rcodes(an_rs_day_t *d, const json_t *fig, const json_t *sk, char *err,
		      size_t errlen, size_t i)
{
	const json_t *codes = NULL, *map, *v;
	json_t *whole = NULL;
	const char *key;
	int rc;

	/* The figures' map may be cut to the top keys plus "other"; the whole
	 * map then travels in the sketch (m_codes.c save()). */
	if (sk != NULL && get_obj(sk, "codes", &codes) < 0)
		return fail(err, errlen, "sketch.series[%zu].codes is not an object", i);
	if (codes != NULL && (rc = an_map_load(codes, "rcode", &whole)) < 0) {
		if (rc == DW_ENOMEM)
			return rc;
		return fail(err, errlen, "sketch.series[%zu].codes.rcode is damaged", i);
	}
	if (whole != NULL)
		map = whole;
	else if (get_obj(fig, "rcode", &map) < 0)
		return fail(err, errlen, "series[%zu]: \"rcode\" is not an object", i);
	rc = 0;
	json_object_foreach((json_t *)(uintptr_t)map, key, v) {
		uint64_t n;
		if (get_count(v, &n) < 0) {
			rc = fail(err, errlen, "series[%zu]: rcode.%s is not a count", i, key);
			break;
		}
		int num = an_rs_rcode_number(key);
		if (num < 0)
			d->rcode_unmapped += n;
		else
			d->rcode[num] += n;
	}
	json_decref(whole);
	return rc;
}

/* HyperLogLog union of one day. */
typedef struct day_hll {
	int init;
	an_hll_t h[3]; /* ipv4, ipv6, ipv6_64 */
} day_hll_t;

static const char *const hll_key[3] = { "ipv4", "ipv6", "ipv6_64" };

static void day_hll_fini(day_hll_t *u)
{
	for (unsigned k = 0; k < 3; k++)
		an_hll_fini(&u->h[k]);
	u->init = 0;
}

/* u |= the "sources" sketch @p src. @return 0, DW_EFORMAT (with err), DW_ENOMEM. */
static int hll_union(day_hll_t *u, const json_t *src, const char *where, char *err,
		     size_t errlen)
{
	const json_t *pj = json_object_get(src, "hll_p");
	an_hll_t tmp;
	int rc;

	if (!json_is_integer(pj) || json_integer_value(pj) < AN_HLL_P_MIN ||
	    json_integer_value(pj) > AN_HLL_P_MAX)
		return fail(err, errlen, "%s.sources: bad or missing hll_p", where);
	unsigned p = (unsigned)json_integer_value(pj);
	if (!u->init) {
		for (unsigned k = 0; k < 3; k++)
			if ((rc = an_hll_init(&u->h[k], p)) < 0) {
				day_hll_fini(u);
				return rc == DW_ENOMEM ? rc : DW_EFORMAT;
			}
		u->init = 1;
	} else if (u->h[0].p != p) {
		return fail(err, errlen,
			    "%s.sources: HyperLogLog precision %u, but another interval of the day has %u",
			    where, p, u->h[0].p);
	}
	if ((rc = an_hll_init(&tmp, p)) < 0)
		return rc;
	for (unsigned k = 0; k < 3; k++) {
		const char *s = json_string_value(json_object_get(src, hll_key[k]));
		if (s == NULL || (rc = an_hll_load(&tmp, s)) < 0) {
			an_hll_fini(&tmp);
			if (rc == DW_ENOMEM)
				return rc;
			return fail(err, errlen, "%s.sources.%s: missing or damaged registers", where,
				    hll_key[k]);
		}
		an_hll_merge(&u->h[k], &tmp); /* same p: cannot fail */
	}
	an_hll_fini(&tmp);
	return 0;
}

static uint64_t estimate(const an_hll_t *h)
{
	return (uint64_t)llround(an_hll_estimate(h));
}

/* The sketch entry of series entry @p i: the same index when its start
 * matches (the engine writes them aligned), else searched by start. */
static const json_t *sketch_entry(const json_t *sk_series, size_t i, const char *start)
{
	const json_t *e = json_array_get(sk_series, i);
	const char *s = json_string_value(json_object_get(e, "start"));
	if (e != NULL && s != NULL && !strcmp(s, start))
		return e;
	for (size_t j = 0; j < json_array_size(sk_series); j++) {
		e = json_array_get(sk_series, j);
		s = json_string_value(json_object_get(e, "start"));
		if (s != NULL && !strcmp(s, start))
			return e;
	}
	return NULL;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static size_t day_of(const an_rs_day_t *days, size_t n, int64_t day)
{
	size_t lo = 0, hi = n;
	while (lo + 1 < hi) {
		size_t mid = (lo + hi) / 2;
		if (days[mid].start <= day)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

int an_rs_days(const json_t *doc, an_rs_day_t **days_out, size_t *n_out, char *err,
	       size_t errlen)
{
	const json_t *series, *sk, *sk_series = NULL, *sk_totals = NULL;
	an_rs_day_t *days = NULL;
	day_hll_t *hll = NULL;
	int64_t *starts = NULL;
	size_t n, nd = 0;
	int rc = 0;

	*days_out = NULL;
	*n_out = 0;
	if (!json_is_object(doc))
		return fail(err, errlen, "not a JSON object");
	const char *schema = json_string_value(json_object_get(doc, "schema"));
	if (schema == NULL || strcmp(schema, AN_SCHEMA))
		return fail(err, errlen, "not a %s document (schema %s)", AN_SCHEMA,
			    schema ? schema : "missing");
	const json_t *iv = json_object_get(doc, "interval");
	if (!json_is_integer(iv) || json_integer_value(iv) <= 0)
		return fail(err, errlen, "\"interval\" is not a positive integer");
	int64_t interval = json_integer_value(iv);
	series = json_object_get(doc, "series");
	if (!json_is_array(series))
		return fail(err, errlen, "\"series\" is not an array");
	n = json_array_size(series);
	if (n == 0)
		return fail(err, errlen, "the series is empty: no DNS messages were analysed");
	if (get_obj(doc, "sketch", &sk) < 0)
		return fail(err, errlen, "\"sketch\" is not an object");
	if (sk != NULL) {
		sk_series = json_object_get(sk, "series");
		if (sk_series != NULL && !json_is_array(sk_series))
			return fail(err, errlen, "\"sketch\".\"series\" is not an array");
		if (get_obj(sk, "totals", &sk_totals) < 0)
			return fail(err, errlen, "\"sketch\".\"totals\" is not an object");
	}

	/* The days, from each entry's start. */
	if ((starts = malloc(n * sizeof(*starts))) == NULL)
		return DW_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(series, i);
		const char *s = json_string_value(json_object_get(e, "start"));
		if (!json_is_object(e) || s == NULL || rl_time_parse(s, &starts[i]) < 0) {
			rc = fail(err, errlen, "series[%zu]: missing or bad \"start\"", i);
			goto out;
		}
	}
	int64_t *ds = malloc(n * sizeof(*ds));
	if (ds == NULL) {
		rc = DW_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		ds[i] = floor_day(starts[i]);
	qsort(ds, n, sizeof(*ds), cmp_i64);
	for (size_t i = 0; i < n; i++)
		if (nd == 0 || ds[i] != ds[nd - 1])
			ds[nd++] = ds[i];
	days = calloc(nd, sizeof(*days));
	hll = calloc(nd, sizeof(*hll));
	if (days == NULL || hll == NULL) {
		free(ds);
		rc = DW_ENOMEM;
		goto out;
	}
	for (size_t d = 0; d < nd; d++) {
		days[d].start = ds[d];
		days[d].have_sources = 1;
	}
	free(ds);

	/* What the capture covers of each day: from its first interval to the
	 * end of its last (series entries are the intervals that saw
	 * messages; the document's start/end would span the gaps of a merge
	 * of captures far apart). */
	for (size_t d = 0; d < nd; d++) {
		days[d].covered_from = days[d].start + AN_RS_DAY;
		days[d].covered_to = days[d].start;
	}
	for (size_t i = 0; i < n; i++) {
		an_rs_day_t *d = &days[day_of(days, nd, floor_day(starts[i]))];
		int64_t end = starts[i] + interval;
		if (end > d->start + AN_RS_DAY)
			end = d->start + AN_RS_DAY; /* an interval across midnight */
		if (starts[i] < d->covered_from)
			d->covered_from = starts[i];
		if (end > d->covered_to)
			d->covered_to = end;
	}

	/* A document within one day: its whole-run sketch is the day's (and
	 * the more precise one: hll_p_total > hll_p_interval). */
	const json_t *tot_src = NULL;
	if (nd == 1 && sk_totals != NULL && get_obj(sk_totals, "sources", &tot_src) < 0) {
		rc = fail(err, errlen, "sketch.totals.sources is not an object");
		goto out;
	}
	if (tot_src != NULL) {
		if ((rc = hll_union(&hll[0], tot_src, "sketch.totals", err, errlen)) < 0)
			goto out;
		days[0].sources_from_totals = 1;
	}

	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(series, i);
		const char *start = json_string_value(json_object_get(e, "start"));
		an_rs_day_t *d = &days[day_of(days, nd, floor_day(starts[i]))];
		const json_t *ske = sk_series ? sketch_entry(sk_series, i, start) : NULL;

		d->intervals++;
		if ((rc = add_messages(d, e, err, errlen, i)) < 0 ||
		    (rc = add_sizes(d, e, err, errlen, i)) < 0 ||
		    (rc = add_rcodes(d, e, ske, err, errlen, i)) < 0)
			goto out;
		if (d->sources_from_totals)
			continue;
		const json_t *src = NULL;
		if (ske != NULL && get_obj(ske, "sources", &src) < 0) {
			rc = fail(err, errlen, "sketch.series[%zu].sources is not an object", i);
			goto out;
		}
		if (src == NULL) {
			d->have_sources = 0;
			continue;
		}
		char where[48];
		snprintf(where, sizeof(where), "sketch.series[%zu]", i);
		if ((rc = hll_union(&hll[d - days], src, where, err, errlen)) < 0)
			goto out;
	}
	for (size_t d = 0; d < nd; d++) {
		if (!hll[d].init)
			days[d].have_sources = 0;
		if (!days[d].have_sources)
			continue;
		days[d].sources_v4 = estimate(&hll[d].h[0]);
		days[d].sources_v6 = estimate(&hll[d].h[1]);
		days[d].sources_v6_64 = estimate(&hll[d].h[2]);
	}
	*days_out = days;
	*n_out = nd;
	days = NULL;
out:
	for (size_t d = 0; hll != NULL && d < nd; d++)
		day_hll_fini(&hll[d]);
	free(hll);
	free(days);
	free(starts);
	return rc;
}

/* ---- YAML ---------------------------------------------------------------- */

typedef struct sbuf {
	char *s;
	size_t len, cap;
	int oom;
} sbuf_t;

static void sb_printf(sbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(sbuf_t *b, const char *fmt, ...)
{
	va_list ap;
	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;
		va_start(ap, fmt);
		int k = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (k < 0) {
			b->oom = 1;
			return;
		}
		if ((size_t)k < room) {
			b->len += (size_t)k;
			return;
		}
		size_t cap = b->cap ? b->cap : 1024;
		while (cap <= b->len + (size_t)k)
			cap *= 2;
		char *s = realloc(b->s, cap);
		if (s == NULL) {
			b->oom = 1;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
}

int an_rs_valid_service(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 253 || s[0] == '-' || s[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.'))
			return 0;
	}
	/* A dotted name whose last label starts with a letter: never one of
	 * YAML's numbers (1.5, 1.5e3), booleans (yes, on) or nulls. */
	if (s[n - 1] == '.')
		n--;
	size_t dot = n;
	while (dot > 0 && s[dot - 1] != '.')
		dot--;
	if (dot == 0 || dot >= n)
		return 0;
	char c = s[dot];
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void size_map(sbuf_t *b, const char *name, const uint64_t *c, unsigned nbins)
{
	unsigned shown = 0;
	for (unsigned i = 0; i < nbins; i++)
		shown += c[i] != 0;
	if (shown == 0) {
		sb_printf(b, "%s: {}\n", name);
		return;
	}
	sb_printf(b, "%s:\n", name);
	for (unsigned i = 0; i < nbins; i++) {
		if (c[i] == 0)
			continue;
		if (i == nbins - 1)
			sb_printf(b, "  %u-: %llu\n", i * AN_RS_BIN, (unsigned long long)c[i]);
		else
			sb_printf(b, "  %u-%u: %llu\n", i * AN_RS_BIN, i * AN_RS_BIN + AN_RS_BIN - 1,
				  (unsigned long long)c[i]);
	}
}

int an_rs_yaml(const an_rs_day_t *d, an_rs_metric_t m, const char *service, char **out)
{
	sbuf_t b = { 0 };
	char ts[RL_TIME_STRMAX];

	*out = NULL;
	if ((unsigned)m >= AN_RS__METRICS || !an_rs_valid_service(service) ||
	    (m == AN_RS_UNIQUE_SOURCES && !d->have_sources))
		return DW_EINVAL;
	sb_printf(&b, "---\nversion: rssac002v3\nservice: %s\nstart-period: %s\nmetric: %s\n",
		  service, rl_time_iso8601(d->start, ts), metric_names[m]);
	switch (m) {
	case AN_RS_TRAFFIC_VOLUME:
		for (unsigned r = 0; r < 2; r++)
			for (unsigned t = 0; t < 2; t++)
				for (unsigned v = 0; v < 2; v++)
					sb_printf(&b, "dns-%s-%s-ipv%c: %llu\n", tr_key[t],
						  r ? "responses-sent" : "queries-received", v ? '6' : '4',
						  (unsigned long long)(r ? d->responses[t][v] :
									   d->queries[t][v]));
		break;
	case AN_RS_TRAFFIC_SIZES:
		for (unsigned t = 0; t < 2; t++) {
			size_map(&b, size_key[0][t], d->req_sizes[t], AN_RS_REQ_BINS);
			size_map(&b, size_key[1][t], d->resp_sizes[t], AN_RS_RESP_BINS);
		}
		break;
	case AN_RS_RCODE_VOLUME:
		for (unsigned i = 0; i < AN_RS_RCODES; i++)
			if (d->rcode[i])
				sb_printf(&b, "%u: %llu\n", i, (unsigned long long)d->rcode[i]);
		break;
	case AN_RS_UNIQUE_SOURCES:
		sb_printf(&b, "num-sources-ipv4: %llu\nnum-sources-ipv6: %llu\n"
			      "num-sources-ipv6-aggregate: %llu\n",
			  (unsigned long long)d->sources_v4, (unsigned long long)d->sources_v6,
			  (unsigned long long)d->sources_v6_64);
		break;
	default:
		break;
	}
	if (b.oom) {
		free(b.s);
		return DW_ENOMEM;
	}
	*out = b.s;
	return 0;
}

static int valid_letter(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 63)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

int an_rs_path(const an_rs_day_t *d, an_rs_metric_t m, const char *letter, char *buf,
	       size_t len)
{
	time_t t = (time_t)d->start;
	struct tm tm;

	if ((unsigned)m >= AN_RS__METRICS || !valid_letter(letter) || gmtime_r(&t, &tm) == NULL ||
	    tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
		return DW_EINVAL;
	int k = snprintf(buf, len, "%04d/%02d/%s/%s-%04d%02d%02d-%s.yaml", tm.tm_year + 1900,
			 tm.tm_mon + 1, metric_names[m], letter, tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, metric_names[m]);
	return k < 0 || (size_t)k >= len ? DW_EINVAL : 0;
}

int an_rs_letter(const char *service, char *buf, size_t len)
{
	static const char suffix[] = ".root-servers.net";
	size_t n = service ? strlen(service) : 0, sl = sizeof(suffix) - 1;

	if (n > 0 && service[n - 1] == '.')
		n--; /* the absolute form */
	if (n <= sl || strncasecmp(service + n - sl, suffix, sl))
		return DW_EINVAL;
	size_t ll = n - sl;
	if (ll + sizeof("-root") > len)
		return DW_EINVAL;
	for (size_t i = 0; i < ll; i++) {
		char c = service[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && i > 0)))
			return DW_EINVAL;
		buf[i] = c;
	}
	memcpy(buf + ll, "-root", sizeof("-root"));
	return 0;
}
