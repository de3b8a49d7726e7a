/*
 * flags.c - misbehaving senders, from a document's series: the cox.net
 * case of 2010 (one ISP's resolvers flooding a root letter) at a glance.
 *
 * Flags are derived from what every document already holds, so that the
 * same function serves `analyze` (after its workers are merged) and
 * `merge` (on the merged series): per series entry, each entry of its
 * top_prefixes, top_sources and top_asns lists (the subjects) is checked
 * against three rules (an_flag_rules_t):
 *
 *  share   its queries are more than share_pct % of the interval's, at
 *          min_qps or more;
 *  rise    its rate is more than factor times its baseline, at min_qps
 *          or more: the baseline is the median of its counts in the (at
 *          most window) preceding series entries, and needs min_intervals
 *          of them; a subject absent from an earlier list counts as that
 *          list's smallest count (an upper bound of its true count; 0 for
 *          an empty list), so the baseline is never underestimated;
 *  repeat  a question of its evidence (sketch/evidence.h) comes more
 *          than repeat_qps times a second: a caching resolver asks a
 *          root a question a few times a day.
 *
 * Counts are Space-Saving upper bounds: the rules use the guaranteed part
 * (queries - error; for the questions, count - error), the baseline the
 * upper bounds (so both err on the side of not flagging). The evidence of
 * the k-th entry of a list is the k-th record of the summary's
 * "evidence" in the sketch: both are in the summary's saved order.
 *
 * Cost: per listed entry that has the rate to be flagged, one look-up per
 * preceding interval in the window (a hash compare over a list of ten);
 * evidence is decoded only for the intervals that have such an entry.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metric.h"
#include "rootlens/common.h"
#include "rootlens/errcode.h"
#include "sketch/evidence.h"

enum { K_PFX, K_SRC, K_ASN, NKIND };
static const char *const kind_name[NKIND] = { "prefix", "source", "asn" };
static const char *const list_name[NKIND] = { "top_prefixes", "top_sources", "top_asns" };
static const char *const subj_key[NKIND] = { "prefix", "addr", "asn" };

enum { R_SHARE = 1, R_RISE = 2, R_REPEAT = 4 };

/* The most evidence records read per list: more than any list prints. */
#define EV_READ_MAX 64
/* Summary capacities accepted when sizing the evidence decoder. */
#define EV_CAP_MAX 4096

void an_flag_rules_default(an_flag_rules_t *r)
{
	r->share_pct = 5.0;
	r->factor = 10.0;
	r->repeat_qps = 1.0;
	r->min_qps = 10.0;
	r->min_intervals = 5;
	r->window = 60;
}

json_t *an_flag_rules_json(const an_flag_rules_t *r)
{
	return json_pack("{s:f,s:f,s:f,s:f,s:I,s:I}", "share_pct", r->share_pct, "factor",
			 r->factor, "repeat_qps", r->repeat_qps, "min_qps", r->min_qps,
			 "min_intervals", (json_int_t)r->min_intervals, "window",
			 (json_int_t)r->window);
}

static int get_num(const json_t *o, const char *key, double *v)
{
	const json_t *x = json_object_get(o, key);
	if (!json_is_number(x) || !isfinite(json_number_value(x)) || json_number_value(x) < 0)
		return -1;
	*v = json_number_value(x);
	return 0;
}

int an_flag_rules_parse(const json_t *o, an_flag_rules_t *r)
{
	const json_t *mi = json_object_get(o, "min_intervals"), *w = json_object_get(o, "window");

	if (!json_is_object(o) || get_num(o, "share_pct", &r->share_pct) < 0 ||
	    get_num(o, "factor", &r->factor) < 0 || get_num(o, "repeat_qps", &r->repeat_qps) < 0 ||
	    get_num(o, "min_qps", &r->min_qps) < 0 || !json_is_integer(mi) || !json_is_integer(w) ||
	    json_integer_value(mi) < 0 || json_integer_value(mi) > 1000000 ||
	    json_integer_value(w) < 1 || json_integer_value(w) > 1000000)
		return DW_EFORMAT;
	r->min_intervals = (unsigned)json_integer_value(mi);
	r->window = (unsigned)json_integer_value(w);
	return 0;
}

/* ---- the lists ---------------------------------------------------------------- */

typedef struct lent {
	uint64_t h;          /* of the subject text */
	const char *subj;    /* NULL: an AS entry for unmapped sources */
	uint64_t count, err;
	const json_t *e;
} lent_t;

typedef struct list {
	lent_t *v;
	size_t n;
	uint64_t min;        /* smallest count listed, 0 when empty */
} list_t;

static uint64_t str_hash(const char *s)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * UINT64_C(0x100000001b3);
	return h;
}

static int read_list(const json_t *fig, unsigned k, list_t *l)
{
	const json_t *arr = json_object_get(fig, list_name[k]), *e;
	size_t i;

	l->n = 0;
	l->min = 0;
	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return DW_EFORMAT;
	if (!(l->v = calloc(json_array_size(arr) + 1, sizeof(*l->v))))
		return DW_ENOMEM;
	json_array_foreach(arr, i, e) {
		const json_t *s = json_object_get(e, subj_key[k]);
		const json_t *q = json_object_get(e, "queries"), *er = json_object_get(e, "error");
		lent_t *x = &l->v[l->n++];
		if (!json_is_integer(q) || json_integer_value(q) < 0 ||
		    (er && (!json_is_integer(er) || json_integer_value(er) < 0 ||
			    json_integer_value(er) > json_integer_value(q))) ||
		    !(json_is_string(s) || (k == K_ASN && json_is_null(s))))
			return DW_EFORMAT;
		x->subj = json_string_value(s);
		x->h = x->subj ? str_hash(x->subj) : 0;
		x->count = (uint64_t)json_integer_value(q);
		x->err = er ? (uint64_t)json_integer_value(er) : 0;
		x->e = e;
		if (l->n == 1 || x->count < l->min)
			l->min = x->count;
	}
	return 0;
}

/* The count of @p x in @p l, or l->min when it is not listed. */
static uint64_t count_in(const list_t *l, const lent_t *x)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].h == x->h && l->v[i].subj && !strcmp(l->v[i].subj, x->subj))
			return l->v[i].count;
	return l->min;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The median of @p x's counts in the @p n lists at @p l (scratch @p vals):
 * the mean of the two middle ones for an even @p n. */
static double baseline(const list_t *l, unsigned n, const lent_t *x, uint64_t *vals)
{
	for (unsigned p = 0; p < n; p++)
		vals[p] = count_in(&l[p], x);
	qsort(vals, n, sizeof(*vals), cmp_u64);
	return n % 2 ? (double)vals[n / 2] : ((double)vals[n / 2 - 1] + (double)vals[n / 2]) / 2;
}

static uint64_t queries_of(const json_t *fig)
{
	const json_t *q = json_object_get(json_object_get(fig, "messages"), "queries");
	static const char *const tr[] = { "udp", "tcp" }, *const ip[] = { "ipv4", "ipv6" };
	uint64_t sum = 0, v;

	for (int t = 0; t < 2; t++)
		for (int i = 0; i < 2; i++)
			if (an_json_get_u64(json_object_get(q, tr[t]), ip[i], &v) == 0)
				sum += v;
	return sum;
}

/* The sketch entry of series entry @p i (same index, else by "start"). */
static const json_t *sketch_of(const json_t *sks, size_t i, const json_t *start)
{
	const json_t *e = json_array_get(sks, i);
	size_t j;

	if (e && json_equal(json_object_get(e, "start"), start))
		return e;
	json_array_foreach(sks, j, e)
		if (json_equal(json_object_get(e, "start"), start))
			return e;
	return NULL;
}

/* The evidence records of list @p k of a sketch entry: up to @p max into
 * @p ev. @return 0 with the count stored in @p n (0 without evidence). */
static int read_evidence(const json_t *ske, unsigned k, an_ev_t *ev, size_t max, size_t *n)
{
	const json_t *o = json_object_get(json_object_get(ske, "sources"), list_name[k]);
	const json_t *str = json_object_get(o, "evidence");
	uint64_t cap;
	size_t got;
	int rc;

	*n = 0;
	if (!str)
		return 0;
	if (!json_is_string(str) || an_json_get_u64(o, "capacity", &cap) < 0 || cap > EV_CAP_MAX)
		return DW_EFORMAT;
	if ((rc = an_ev_unpack(json_string_value(str), (size_t)cap, ev, max, &got)) < 0)
		return rc;
	*n = got < max ? got : max;
	return 0;
}

static json_t *real4(double x)
{
	return json_real(round(x * 1e4) / 1e4);
}

/* One flag object: doc/stats-json.md, "flags". */
static json_t *flag_json(unsigned k, const lent_t *x, const json_t *start, unsigned reasons,
			 double iv, uint64_t total, int have_base, double base, double excess,
			 const an_ev_t *ev)
{
	char why[32] = "";
	json_t *f = json_object(), *asn = json_object_get(x->e, "asn");
	uint64_t lo = x->count - x->err;

	if (reasons & R_SHARE)
		strcat(why, "share");
	if (reasons & R_RISE)
		strcat(why, *why ? ",rise" : "rise");
	if (reasons & R_REPEAT)
		strcat(why, *why ? ",repeat" : "repeat");
	if (!f || json_object_set(f, "interval_start", (json_t *)(uintptr_t)start) < 0 ||
	    json_object_set_new(f, "subject", json_string(x->subj)) < 0 ||
	    json_object_set_new(f, "kind", json_string(kind_name[k])) < 0 ||
	    (k != K_ASN && asn && json_object_set(f, "asn", asn) < 0) ||
	    json_object_set_new(f, "reason", json_string(why)) < 0 ||
	    json_object_set_new(f, "rate_qps", real4((double)lo / iv)) < 0 ||
	    json_object_set_new(f, "share_pct", an_json_pct(lo, total)) < 0 ||
	    json_object_set_new(f, "baseline_qps", have_base ? real4(base / iv) : json_null()) < 0 ||
	    an_json_set_u64(f, "queries", x->count) < 0 || an_json_set_u64(f, "error", x->err) < 0 ||
	    an_json_set_u64(f, "excess_queries", (uint64_t)llround(excess)) < 0 ||
	    json_object_set_new(f, "evidence", ev ? an_ev_json(ev) : json_null()) < 0) {
		json_decref(f);
		return NULL;
	}
	return f;
}

/* A flag and what sorts it. */
typedef struct fl {
	json_t *f;
	int64_t t;
	uint64_t excess;
	unsigned kind;
} fl_t;

static int fl_cmp(const void *a, const void *b)
{
	const fl_t *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->excess != y->excess)
		return x->excess > y->excess ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return strcmp(json_string_value(json_object_get(x->f, "subject")),
		      json_string_value(json_object_get(y->f, "subject")));
}

int an_flags_compute(const json_t *doc, const an_flag_rules_t *r, json_t **out)
{
	const json_t *series = json_object_get(doc, "series");
	const json_t *sks = json_object_get(json_object_get(doc, "sketch"), "series");
	const json_t *ivj = json_object_get(doc, "interval");
	size_t n = json_array_size(series), nfl = 0, capfl = 0;
	list_t *l = NULL;
	uint64_t *tot = NULL, *vals = NULL;
	an_ev_t *ev = NULL;
	fl_t *fl = NULL;
	json_t *arr = NULL;
	int rc = DW_EFORMAT;

	*out = NULL;
	if (!json_is_integer(ivj) || json_integer_value(ivj) <= 0 || (series && !json_is_array(series)))
		return DW_EFORMAT;
	double iv = (double)json_integer_value(ivj);
	unsigned win = r->window ? r->window : 1;
	rc = DW_ENOMEM;
	if (!(l = calloc(n + 1, sizeof(*l))) || !(tot = calloc(n + 1, sizeof(*tot))) ||
	    !(vals = malloc((win + 1) * sizeof(*vals))) ||
	    !(ev = malloc(EV_READ_MAX * sizeof(*ev))) || !(arr = json_array()))
		goto out;
	for (size_t i = 0; i < n; i++)
		tot[i] = queries_of(json_array_get(series, i));

	for (unsigned k = 0; k < NKIND; k++) {
		for (size_t i = 0; i < n; i++) {
			free(l[i].v);
			l[i].v = NULL;
			if ((rc = read_list(json_array_get(series, i), k, &l[i])) < 0)
				goto out;
		}
		for (size_t i = 0; i < n; i++) {
			const json_t *fig = json_array_get(series, i);
			const json_t *start = json_object_get(fig, "start");
			size_t nev = 0;
			int ev_read = 0;
			if (!json_is_string(start)) {
				rc = DW_EFORMAT;
				goto out;
			}
			for (size_t j = 0; j < l[i].n; j++) {
				const lent_t *x = &l[i].v[j];
				uint64_t lo = x->count - x->err;
				double rate = (double)lo / iv, share, base = 0, excess = 0;
				unsigned reasons = 0, nprev = i < win ? (unsigned)i : win;
				int have_base = nprev > 0 && nprev >= r->min_intervals;
				if (!x->subj)
					continue; /* the sources no route covers: not a network */
				share = tot[i] ? (double)lo * 100.0 / (double)tot[i] : 0;
				if (rate >= r->min_qps && share > r->share_pct) {
					reasons |= R_SHARE;
					excess = fmax(excess, (double)lo - r->share_pct / 100.0 *
								     (double)tot[i]);
				}
				/* the baseline is needed for rise (at min_qps) and shown
				 * with any flag: computed only then */
				if (have_base && rate >= r->min_qps) {
					base = baseline(l + i - nprev, nprev, x, vals);
					if (rate > r->factor * base / iv) {
						reasons |= R_RISE;
						excess = fmax(excess, (double)lo - base);
					}
				}
				if (!ev_read) {
					/* the evidence of this list, once per interval */
					const json_t *ske = sketch_of(sks, i, start);
					ev_read = 1;
					if (ske && (rc = read_evidence(ske, k, ev, EV_READ_MAX, &nev)) < 0)
						goto out;
				}
				const an_ev_t *e = j < nev ? &ev[j] : NULL;
				if (e && e->nslots) {
					/* the question asked most, by guaranteed count */
					double qlo = 0;
					for (unsigned k2 = 0; k2 < e->nslots; k2++)
						qlo = fmax(qlo, (double)(e->q[k2].count - e->q[k2].err));
					if (qlo / iv > r->repeat_qps) {
						reasons |= R_REPEAT;
						excess = fmax(excess, qlo - r->repeat_qps * iv);
					}
				}
				if (!reasons)
					continue;
				if (have_base && rate < r->min_qps)
					base = baseline(l + i - nprev, nprev, x, vals);
				if (nfl == capfl) {
					size_t nc = capfl ? 2 * capfl : 64;
					fl_t *p = realloc(fl, nc * sizeof(*p));
					if (!p) {
						rc = DW_ENOMEM;
						goto out;
					}
					fl = p;
					capfl = nc;
				}
				rc = DW_ENOMEM;
				fl[nfl].f = flag_json(k, x, start, reasons, iv, tot[i], have_base, base,
						      excess, e);
				if (!fl[nfl].f)
					goto out;
				if (rl_time_parse(json_string_value(start), &fl[nfl].t) < 0) {
					json_decref(fl[nfl].f);
					rc = DW_EFORMAT;
					goto out;
				}
				fl[nfl].excess = (uint64_t)llround(excess);
				fl[nfl].kind = k;
				nfl++;
			}
		}
	}
	if (nfl)
		qsort(fl, nfl, sizeof(*fl), fl_cmp);
	rc = DW_ENOMEM;
	for (size_t i = 0; i < nfl; i++) {
		int bad = json_array_append(arr, fl[i].f) < 0;
		if (bad)
			goto out;
	}
	*out = arr;
	arr = NULL;
	rc = 0;
out:
	for (size_t i = 0; l && i < n; i++)
		free(l[i].v);
	for (size_t i = 0; i < nfl; i++)
		json_decref(fl[i].f);
	free(fl);
	free(l);
	free(tot);
	free(vals);
	free(ev);
	json_decref(arr);
	return rc;
}

int an_flags_apply(json_t *doc, const an_flag_rules_t *r)
{
	json_t *flags, *rules, *sk = json_object_get(doc, "sketch");
	int rc;

	if ((rc = an_flags_compute(doc, r, &flags)) < 0)
		return rc;
	if (!(rules = an_flag_rules_json(r))) {
		json_decref(flags);
		return DW_ENOMEM;
	}
	/* "flag_rules" and "flags" go before "sketch" (insertion order) */
	json_incref(sk);
	json_object_del(doc, "sketch");
	json_object_del(doc, "flag_rules");
	json_object_del(doc, "flags");
	rc = json_object_set_new(doc, "flag_rules", rules) < 0 ||
	     json_object_set_new(doc, "flags", flags) < 0 ||
	     (sk && json_object_set_new(doc, "sketch", sk) < 0) ? DW_ENOMEM : 0;
	return rc;
}
