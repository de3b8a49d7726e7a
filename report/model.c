/*
 * model.c - rootlens.stats/1 documents -> the report's model (model.h).
 *
 * A document is read completely into temporaries first (its figures
 * type-checked) and only then added, so a document refused halfway leaves
 * the model as it was. Names (qtypes, TLDs, addresses, prefixes) are
 * interned once; maps hold (id, count) pairs, appended as documents come
 * and sorted by id, equal ids added, once the model is finished.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "rootlens/common.h"
#include "rootlens/errcode.h"

static const char *const tr_key[2] = { "udp", "tcp" };
static const char *const ip_key[3] = { "ipv4", "ipv6", "ipv6_64" };
static const char *const map_key[RP__MAPS] = { "qtype", "dnskey_by_tld", "top_sources",
					       "top_prefixes" };

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

/* Grow *@p p (elements of @p size) to hold @p need. @return 0 or DW_ENOMEM. */
static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t nc = *cap ? *cap : 8;
	while (nc < need)
		nc *= 2;
	void *q = realloc(*p, nc * size);
	if (q == NULL)
		return DW_ENOMEM;
	*p = q;
	*cap = nc;
	return 0;
}

static char *dup_or_null(const char *s, int *nomem)
{
	if (s == NULL)
		return NULL;
	char *d = strdup(s);
	if (d == NULL)
		*nomem = 1;
	return d;
}

static int str_eq(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && !strcmp(a, b);
}

/* A label that names one thing: not null, not "*" (differing in a merge). */
static int concrete(const char *s)
{
	return s != NULL && strcmp(s, "*") != 0;
}

/* ---- interned names ----------------------------------------------------- */

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h;
}

static int64_t tab_find(const rp_strtab_t *t, const char *s, size_t *slot)
{
	if (t->nslot == 0)
		return -1;
	size_t mask = t->nslot - 1, i = (size_t)fnv1a(s) & mask;
	while (t->slot[i] != 0) {
		if (!strcmp(t->s[t->slot[i] - 1], s)) {
			*slot = i;
			return t->slot[i] - 1;
		}
		i = (i + 1) & mask;
	}
	*slot = i;
	return -1;
}

static int tab_rehash(rp_strtab_t *t, size_t nslot)
{
	uint32_t *ns = calloc(nslot, sizeof(*ns));
	if (ns == NULL)
		return DW_ENOMEM;
	for (size_t id = 0; id < t->n; id++) {
		size_t i = (size_t)fnv1a(t->s[id]) & (nslot - 1);
		while (ns[i] != 0)
			i = (i + 1) & (nslot - 1);
		ns[i] = (uint32_t)id + 1;
	}
	free(t->slot);
	t->slot = ns;
	t->nslot = nslot;
	return 0;
}

/* @return the id of @p s (added when new), or DW_ENOMEM. */
static int64_t tab_intern(rp_strtab_t *t, const char *s)
{
	size_t slot;
	int64_t id = tab_find(t, s, &slot);
	if (id >= 0)
		return id;
	if (t->n >= UINT32_MAX - 1)
		return DW_ENOMEM;
	if ((t->n + 1) * 2 > t->nslot) {
		if (tab_rehash(t, t->nslot ? t->nslot * 2 : 64) < 0)
			return DW_ENOMEM;
		tab_find(t, s, &slot);
	}
	if (grow((void **)&t->s, &t->cap, t->n + 1, sizeof(*t->s)) < 0)
		return DW_ENOMEM;
	if ((t->s[t->n] = strdup(s)) == NULL)
		return DW_ENOMEM;
	t->slot[slot] = (uint32_t)t->n + 1;
	return (int64_t)t->n++;
}

const char *rp_name(const rp_model_t *m, uint32_t id)
{
	return id < m->names.n ? m->names.s[id] : "";
}

int64_t rp_name_id(const rp_model_t *m, const char *name)
{
	size_t slot;
	return tab_find(&m->names, name, &slot);
}

/* ---- maps --------------------------------------------------------------- */

static int map_push(rp_map_t *mp, uint32_t id, uint64_t n)
{
	if (grow((void **)&mp->kv, &mp->cap, mp->n + 1, sizeof(*mp->kv)) < 0)
		return DW_ENOMEM;
	mp->kv[mp->n].id = id;
	mp->kv[mp->n++].n = n;
	return 0;
}

static int map_append(rp_map_t *dst, const rp_map_t *src)
{
	if (src->n == 0)
		return 0;
	if (grow((void **)&dst->kv, &dst->cap, dst->n + src->n, sizeof(*dst->kv)) < 0)
		return DW_ENOMEM;
	memcpy(dst->kv + dst->n, src->kv, src->n * sizeof(*src->kv));
	dst->n += src->n;
	return 0;
}

static int kv_id_cmp(const void *pa, const void *pb)
{
	const rp_kv_t *a = pa, *b = pb;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* Sort by id and add up equal ids. */
static void map_normalize(rp_map_t *mp)
{
	size_t w = 0;
	if (mp->n < 2)
		return;
	qsort(mp->kv, mp->n, sizeof(*mp->kv), kv_id_cmp);
	for (size_t r = 1; r < mp->n; r++) {
		if (mp->kv[r].id == mp->kv[w].id)
			mp->kv[w].n += mp->kv[r].n;
		else
			mp->kv[++w] = mp->kv[r];
	}
	mp->n = w + 1;
}

static void map_free(rp_map_t *mp)
{
	free(mp->kv);
	mp->kv = NULL;
	mp->n = mp->cap = 0;
}

uint64_t rp_map_get(const rp_map_t *mp, uint32_t id)
{
	size_t lo = 0, hi = mp->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (mp->kv[mid].id == id)
			return mp->kv[mid].n;
		if (mp->kv[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

uint64_t rp_map_sum(const rp_map_t *mp)
{
	uint64_t s = 0;
	for (size_t i = 0; i < mp->n; i++)
		s += mp->kv[i].n;
	return s;
}

size_t rp_map_top(const rp_model_t *m, const rp_map_t *mp, size_t k, const char *skip, rp_kv_t *out)
{
	/* Selection by repeated scans: k is small (at most a few dozen) and
	 * this needs no scratch memory (and no global state for qsort). */
	size_t got = 0;
	int64_t skip_id = skip ? rp_name_id(m, skip) : -1;
	while (got < k) {
		const rp_kv_t *best = NULL;
		for (size_t i = 0; i < mp->n; i++) {
			const rp_kv_t *e = &mp->kv[i];
			int taken = 0;
			if (e->n == 0 || (int64_t)e->id == skip_id)
				continue;
			for (size_t j = 0; j < got && !taken; j++)
				taken = out[j].id == e->id;
			if (taken)
				continue;
			if (best == NULL || e->n > best->n ||
			    (e->n == best->n &&
			     strcmp(rp_name(m, e->id), rp_name(m, best->id)) < 0))
				best = e;
		}
		if (best == NULL)
			break;
		out[got++] = *best;
	}
	return got;
}

/* ---- figures ------------------------------------------------------------ */

uint64_t rp_fig_queries(const rp_fig_t *f)
{
	return f->q[0][0] + f->q[0][1] + f->q[1][0] + f->q[1][1];
}

double rp_fig_tcp_pct(const rp_fig_t *f)
{
	uint64_t udp = f->q[RP_UDP][0] + f->q[RP_UDP][1];
	uint64_t tcp = f->q[RP_TCP][0] + f->q[RP_TCP][1];
	return udp ? (double)tcp * 100.0 / (double)udp : NAN;
}

double rp_fig_pct(const rp_fig_t *f, uint64_t part)
{
	uint64_t q = rp_fig_queries(f);
	return q ? (double)part * 100.0 / (double)q : NAN;
}

static void fig_add(rp_fig_t *a, const rp_fig_t *b, int us_max)
{
	for (int t = 0; t < 2; t++)
		for (int v = 0; v < 2; v++)
			a->q[t][v] += b->q[t][v];
	a->edns += b->edns;
	a->dobit += b->dobit;
	for (int i = 0; i < 3; i++)
		a->us[i] =
			us_max ? (a->us[i] > b->us[i] ? a->us[i] : b->us[i]) : a->us[i] + b->us[i];
}

/* ---- reading a document --------------------------------------------------- */

/* Where an error is: "totals", "series[3]", "instances.x|y.totals". */
typedef struct where {
	char s[160];
} where_t;

/* Member @p key of @p o when it is an object; missing or null: NULL, 0. */
static int get_obj(const json_t *o, const char *key, const json_t **out)
{
	const json_t *v = o ? json_object_get(o, key) : NULL;
	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return -1;
	*out = v;
	return 0;
}

/* A count member: missing or null is 0; anything but an integer >= 0 fails. */
static int get_count(const json_t *o, const char *key, uint64_t *n)
{
	const json_t *v = o ? json_object_get(o, key) : NULL;
	*n = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*n = (uint64_t)json_integer_value(v);
	return 0;
}

/* A label: string, or null/missing (NULL). @return 0, -1 another type. */
static int get_label(const json_t *labels, const char *key, const char **out)
{
	const json_t *v = labels ? json_object_get(labels, key) : NULL;
	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	*out = json_string_value(v);
	return 0;
}

static int read_fig(const json_t *o, rp_fig_t *f, const where_t *w, char *err, size_t errlen)
{
	const json_t *msg, *q, *tr, *edns, *us;
	memset(f, 0, sizeof(*f));
	if (get_obj(o, "messages", &msg) < 0)
		return fail(err, errlen, "%s.messages is not an object", w->s);
	if (get_obj(msg, "queries", &q) < 0)
		return fail(err, errlen, "%s.messages.queries is not an object", w->s);
	for (int t = 0; t < 2; t++) {
		if (get_obj(q, tr_key[t], &tr) < 0)
			return fail(err, errlen, "%s.messages.queries.%s is not an object", w->s,
				    tr_key[t]);
		for (int v = 0; v < 2; v++)
			if (get_count(tr, ip_key[v], &f->q[t][v]) < 0)
				return fail(err, errlen, "%s.messages.queries.%s.%s is not a count",
					    w->s, tr_key[t], ip_key[v]);
	}
	if (get_obj(o, "edns", &edns) < 0)
		return fail(err, errlen, "%s.edns is not an object", w->s);
	if (get_count(edns, "queries", &f->edns) < 0 || get_count(edns, "do", &f->dobit) < 0)
		return fail(err, errlen, "%s.edns.queries or .do is not a count", w->s);
	if (get_obj(o, "unique_sources", &us) < 0)
		return fail(err, errlen, "%s.unique_sources is not an object", w->s);
	for (int v = 0; v < 3; v++)
		if (get_count(us, ip_key[v], &f->us[v]) < 0)
			return fail(err, errlen, "%s.unique_sources.%s is not a count", w->s,
				    ip_key[v]);
	return 0;
}

/* A name -> count map, or (top lists) an array of {NAMEKEY, "queries"}. */
static int read_map(rp_model_t *m, const json_t *o, rp_mapid_t id, rp_map_t *out, const where_t *w,
		    char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, map_key[id]), *e;
	const char *key;
	uint64_t n;
	int64_t nid;

	if (v == NULL || json_is_null(v))
		return 0;
	if (id == RP_MAP_SOURCES || id == RP_MAP_PREFIXES) {
		const char *nk = id == RP_MAP_SOURCES ? "addr" : "prefix";
		size_t i;
		if (!json_is_array(v))
			return fail(err, errlen, "%s.%s is not a list", w->s, map_key[id]);
		json_array_foreach(v, i, e)
		{
			const json_t *s = json_object_get(e, nk);
			if (!json_is_object(e) || !json_is_string(s) ||
			    get_count(e, "queries", &n) < 0)
				return fail(err, errlen,
					    "%s.%s[%zu] is not {\"%s\": \"...\", \"queries\": N}",
					    w->s, map_key[id], i, nk);
			if ((nid = tab_intern(&m->names, json_string_value(s))) < 0 ||
			    map_push(out, (uint32_t)nid, n) < 0)
				return DW_ENOMEM;
		}
		return 0;
	}
	if (!json_is_object(v))
		return fail(err, errlen, "%s.%s is not an object", w->s, map_key[id]);
	json_object_foreach((json_t *)(uintptr_t)v, key, e)
	{
		if (!json_is_integer(e) || json_integer_value(e) < 0)
			return fail(err, errlen, "%s.%s.\"%s\" is not a count", w->s, map_key[id],
				    key);
		if ((nid = tab_intern(&m->names, key)) < 0 ||
		    map_push(out, (uint32_t)nid, (uint64_t)json_integer_value(e)) < 0)
			return DW_ENOMEM;
	}
	return 0;
}

static int read_maps(rp_model_t *m, const json_t *o, rp_map_t out[RP__MAPS], const where_t *w,
		     char *err, size_t errlen)
{
	for (int i = 0; i < RP__MAPS; i++) {
		int rc = read_map(m, o, (rp_mapid_t)i, &out[i], w, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Parse an unsigned decimal of @p n bytes. @return 0 or -1. */
static int parse_uint(const char *s, size_t n, unsigned long *v)
{
	unsigned long x = 0;
	if (n == 0 || n > 7)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (unsigned long)(s[i] - '0');
	}
	*v = x;
	return 0;
}

/* RSSAC002 response bin "lo-hi" or "4096-". @return the bin index or -1. */
static int resp_bin(const char *key)
{
	const char *dash = strchr(key, '-');
	unsigned long lo, hi;
	if (dash == NULL || parse_uint(key, (size_t)(dash - key), &lo) < 0 || lo % RP_BIN)
		return -1;
	if (dash[1] == '\0')
		return lo == RP_RESP_OPEN ? RP_SIZE_BINS - 1 : -1;
	if (parse_uint(dash + 1, strlen(dash + 1), &hi) < 0 || hi != lo + RP_BIN - 1 ||
	    lo >= RP_RESP_OPEN)
		return -1;
	return (int)(lo / RP_BIN);
}

static int read_sizes(const json_t *tot, uint64_t resp[2][RP_SIZE_BINS], const where_t *w,
		      char *err, size_t errlen)
{
	static const char *const key[2] = { "udp-response-sizes", "tcp-response-sizes" };
	const json_t *sizes, *mp, *v;
	const char *k;
	if (get_obj(tot, "sizes", &sizes) < 0)
		return fail(err, errlen, "%s.sizes is not an object", w->s);
	for (int t = 0; t < 2; t++) {
		if (get_obj(sizes, key[t], &mp) < 0)
			return fail(err, errlen, "%s.sizes.%s is not an object", w->s, key[t]);
		if (mp == NULL)
			continue;
		json_object_foreach((json_t *)(uintptr_t)mp, k, v)
		{
			int b = resp_bin(k);
			if (b < 0)
				return fail(err, errlen,
					    "%s.sizes.%s: \"%s\" is not an RSSAC002 bin", w->s,
					    key[t], k);
			if (!json_is_integer(v) || json_integer_value(v) < 0)
				return fail(err, errlen, "%s.sizes.%s.%s is not a count", w->s,
					    key[t], k);
			resp[t][b] += (uint64_t)json_integer_value(v);
		}
	}
	return 0;
}

/* A time member: string parsed, or null/missing (*have = 0). */
static int get_time(const json_t *o, const char *key, int64_t *t, int *have)
{
	const json_t *v = json_object_get(o, key);
	*have = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || rl_time_parse(json_string_value(v), t) < 0)
		return -1;
	*have = 1;
	return 0;
}

static void point_free(rp_point_t *p)
{
	for (int i = 0; i < RP__MAPS; i++)
		map_free(&p->map[i]);
}

static void series_free(rp_series_t *s)
{
	for (size_t i = 0; i < s->n; i++)
		point_free(&s->p[i]);
	free(s->p);
	s->p = NULL;
	s->n = s->cap = 0;
}

/* A document read into temporaries. */
typedef struct pending {
	const char *server, *instance, *phase; /* borrowed from the JSON */
	int64_t start, end;
	int have_span;
	rp_fig_t tot;
	rp_map_t tmaps[RP__MAPS];
	uint64_t resp[2][RP_SIZE_BINS];
	rp_series_t s;
	rp_row_t *irows; /* instance rows (strings owned) */
	size_t nirows, cap_irows;
	rp_flag_t *flags; /* strings owned */
	size_t nflags;
} pending_t;

static void row_free(rp_row_t *r)
{
	free(r->server);
	free(r->instance);
	free(r->phase);
}

static void flag_free(rp_flag_t *f)
{
	free(f->subject);
	free(f->reason);
	free(f->kind);
}

static void pending_free(pending_t *pd)
{
	for (int i = 0; i < RP__MAPS; i++)
		map_free(&pd->tmaps[i]);
	series_free(&pd->s);
	for (size_t i = 0; i < pd->nirows; i++)
		row_free(&pd->irows[i]);
	free(pd->irows);
	for (size_t i = 0; i < pd->nflags; i++)
		flag_free(&pd->flags[i]);
	free(pd->flags);
}

static int read_series(rp_model_t *m, const json_t *doc, pending_t *pd, char *err, size_t errlen)
{
	const json_t *series = json_object_get(doc, "series"), *e;
	size_t i;
	where_t w;
	int rc;

	if (series == NULL || json_is_null(series))
		return 0;
	if (!json_is_array(series))
		return fail(err, errlen, "\"series\" is not a list");
	json_array_foreach(series, i, e)
	{
		rp_point_t *p;
		int have;
		snprintf(w.s, sizeof(w.s), "series[%zu]", i);
		if (!json_is_object(e))
			return fail(err, errlen, "%s is not an object", w.s);
		if (grow((void **)&pd->s.p, &pd->s.cap, pd->s.n + 1, sizeof(*pd->s.p)) < 0)
			return DW_ENOMEM;
		p = &pd->s.p[pd->s.n++];
		memset(p, 0, sizeof(*p));
		p->ndocs = 1;
		if (get_time(e, "start", &p->t, &have) < 0 || !have)
			return fail(err, errlen, "%s.start is not a time", w.s);
		if ((rc = read_fig(e, &p->f, &w, err, errlen)) < 0 ||
		    (rc = read_maps(m, e, p->map, &w, err, errlen)) < 0)
			return rc;
	}
	return 0;
}

static int read_instances(const json_t *doc, pending_t *pd, char *err, size_t errlen)
{
	const json_t *inst = json_object_get(doc, "instances"), *e;
	const char *key;
	where_t w;
	int rc, nomem = 0;

	if (inst == NULL || json_is_null(inst))
		return 0;
	if (!json_is_object(inst))
		return fail(err, errlen, "\"instances\" is not an object");
	json_object_foreach((json_t *)(uintptr_t)inst, key, e)
	{
		const json_t *labels, *tot;
		const char *srv, *ins, *ph;
		rp_row_t *r;
		snprintf(w.s, sizeof(w.s), "instances.\"%.100s\"", key);
		if (!json_is_object(e) || get_obj(e, "labels", &labels) < 0 ||
		    get_obj(e, "totals", &tot) < 0)
			return fail(err, errlen, "%s is not {\"labels\": {...}, \"totals\": {...}}",
				    w.s);
		if (get_label(labels, "server", &srv) < 0 ||
		    get_label(labels, "instance", &ins) < 0 || get_label(labels, "phase", &ph) < 0)
			return fail(err, errlen, "%s.labels: a label is not a string or null", w.s);
		if (grow((void **)&pd->irows, &pd->cap_irows, pd->nirows + 1, sizeof(*pd->irows)) <
		    0)
			return DW_ENOMEM;
		r = &pd->irows[pd->nirows++];
		memset(r, 0, sizeof(*r));
		r->is_instance = 1;
		r->server = dup_or_null(srv, &nomem);
		r->instance = dup_or_null(ins, &nomem);
		r->phase = dup_or_null(ph, &nomem);
		if (nomem)
			return DW_ENOMEM;
		strncat(w.s, ".totals", sizeof(w.s) - strlen(w.s) - 1);
		if ((rc = read_fig(tot, &r->f, &w, err, errlen)) < 0)
			return rc;
	}
	return 0;
}

/* "flags" (from the misbehaving-resolver analysis, when present): read
 * what is well-formed, skip the rest; never an error but for memory. */
static int read_flags(const json_t *doc, pending_t *pd)
{
	const json_t *flags = json_object_get(doc, "flags"), *e;
	size_t i, cap = 0;
	int nomem = 0;

	if (!json_is_array(flags))
		return 0;
	json_array_foreach(flags, i, e)
	{
		const json_t *subj = json_object_get(e, "subject");
		const json_t *reason = json_object_get(e, "reason");
		const json_t *share = json_object_get(e, "share_pct");
		const json_t *kind = json_object_get(e, "kind");
		rp_flag_t *f;
		if (!json_is_string(subj))
			continue;
		if (grow((void **)&pd->flags, &cap, pd->nflags + 1, sizeof(*pd->flags)) < 0)
			return DW_ENOMEM;
		f = &pd->flags[pd->nflags++];
		memset(f, 0, sizeof(*f));
		f->subject = dup_or_null(json_string_value(subj), &nomem);
		f->reason = dup_or_null(json_is_string(reason) ? json_string_value(reason) : NULL,
					&nomem);
		f->kind =
			dup_or_null(json_is_string(kind) ? json_string_value(kind) : NULL, &nomem);
		f->share_pct = json_is_number(share) ? json_number_value(share) : NAN;
		if (get_time(e, "interval_start", &f->t, &f->have_t) < 0)
			f->have_t = 0;
		if (nomem)
			return DW_ENOMEM;
	}
	return 0;
}

static int read_doc(rp_model_t *m, const json_t *doc, pending_t *pd, char *err, size_t errlen)
{
	const json_t *schema, *labels, *tot, *iv;
	where_t w = { "totals" };
	int have_s, have_e, rc;

	if (!json_is_object(doc))
		return fail(err, errlen, "not a JSON object");
	schema = json_object_get(doc, "schema");
	if (!json_is_string(schema) || strcmp(json_string_value(schema), RP_SCHEMA))
		return fail(err, errlen, "not a %s document (schema %s%s%s)", RP_SCHEMA,
			    json_is_string(schema) ? "\"" : "",
			    json_is_string(schema) ? json_string_value(schema) : "missing",
			    json_is_string(schema) ? "\"" : "");
	iv = json_object_get(doc, "interval");
	if (!json_is_integer(iv) || json_integer_value(iv) <= 0)
		return fail(err, errlen, "\"interval\" is not a positive integer");
	if (m->ndocs > 0 && json_integer_value(iv) != m->interval)
		return fail(err, errlen,
			    "interval %llds, but %s has %llds: series of different "
			    "intervals cannot be drawn together (re-run analyze with --interval)",
			    (long long)json_integer_value(iv), m->docs[0].path,
			    (long long)m->interval);
	if (get_obj(doc, "labels", &labels) < 0)
		return fail(err, errlen, "\"labels\" is not an object");
	if (get_label(labels, "server", &pd->server) < 0 ||
	    get_label(labels, "instance", &pd->instance) < 0 ||
	    get_label(labels, "phase", &pd->phase) < 0)
		return fail(err, errlen, "labels: a label is not a string or null");
	if (get_time(doc, "start", &pd->start, &have_s) < 0 ||
	    get_time(doc, "end", &pd->end, &have_e) < 0)
		return fail(err, errlen, "\"start\" or \"end\" is not a time");
	pd->have_span = have_s && have_e && pd->end >= pd->start;
	if (get_obj(doc, "totals", &tot) < 0)
		return fail(err, errlen, "\"totals\" is not an object");
	if ((rc = read_fig(tot, &pd->tot, &w, err, errlen)) < 0 ||
	    (rc = read_maps(m, tot, pd->tmaps, &w, err, errlen)) < 0 ||
	    (rc = read_sizes(tot, pd->resp, &w, err, errlen)) < 0 ||
	    (rc = read_series(m, doc, pd, err, errlen)) < 0 ||
	    (rc = read_instances(doc, pd, err, errlen)) < 0 || (rc = read_flags(doc, pd)) < 0)
		return rc;
	return 0;
}

/* ---- adding a read document ------------------------------------------------ */

static int64_t find_line(rp_model_t *m, const char *server, const char *instance)
{
	for (size_t i = 0; i < m->nlines; i++)
		if (str_eq(m->lines[i].server, server) && str_eq(m->lines[i].instance, instance))
			return (int64_t)i;
	return -1;
}

/* The size group of @p phase (NULL: the documents without a concrete phase). */
static rp_group_t *find_group(rp_model_t *m, const char *phase)
{
	for (size_t i = 0; i < m->ngroups; i++)
		if (str_eq(m->groups[i].name, phase))
			return &m->groups[i];
	if (grow((void **)&m->groups, &m->cap_groups, m->ngroups + 1, sizeof(*m->groups)) < 0)
		return NULL;
	rp_group_t *g = &m->groups[m->ngroups];
	memset(g, 0, sizeof(*g));
	if (phase != NULL && (g->name = strdup(phase)) == NULL)
		return NULL;
	m->ngroups++;
	return g;
}

static int commit(rp_model_t *m, pending_t *pd, const char *path)
{
	size_t d = m->ndocs;
	int nomem = 0;
	rp_doc_t *doc;
	int64_t li;
	rp_group_t *g;

	if (grow((void **)&m->docs, &m->cap_docs, m->ndocs + 1, sizeof(*m->docs)) < 0 ||
	    grow((void **)&m->rows, &m->cap_rows, m->nrows + 1 + pd->nirows, sizeof(*m->rows)) <
		    0 ||
	    grow((void **)&m->flags, &m->cap_flags, m->nflags + pd->nflags, sizeof(*m->flags)) < 0)
		return DW_ENOMEM;

	if ((li = find_line(m, pd->server, pd->instance)) < 0) {
		rp_line_t *l;
		if (grow((void **)&m->lines, &m->cap_lines, m->nlines + 1, sizeof(*m->lines)) < 0)
			return DW_ENOMEM;
		l = &m->lines[m->nlines];
		memset(l, 0, sizeof(*l));
		l->server = dup_or_null(pd->server, &nomem);
		l->instance = dup_or_null(pd->instance, &nomem);
		if (nomem) {
			free(l->server);
			free(l->instance);
			return DW_ENOMEM;
		}
		li = (int64_t)m->nlines++;
	}
	if ((g = find_group(m, concrete(pd->phase) ? pd->phase : NULL)) == NULL)
		return DW_ENOMEM;

	/* the line's points: moved from the pending series */
	rp_line_t *l = &m->lines[li];
	if (grow((void **)&l->s.p, &l->s.cap, l->s.n + pd->s.n, sizeof(*l->s.p)) < 0)
		return DW_ENOMEM;
	for (int i = 0; i < RP__MAPS; i++)
		if (map_append(&m->totals[i], &pd->tmaps[i]) < 0)
			return DW_ENOMEM;

	doc = &m->docs[d];
	memset(doc, 0, sizeof(*doc));
	doc->path = dup_or_null(path, &nomem);
	doc->server = dup_or_null(pd->server, &nomem);
	doc->instance = dup_or_null(pd->instance, &nomem);
	doc->phase = dup_or_null(pd->phase, &nomem);
	rp_row_t *row = &m->rows[m->nrows];
	memset(row, 0, sizeof(*row));
	row->server = dup_or_null(pd->server, &nomem);
	row->instance = dup_or_null(pd->instance, &nomem);
	row->phase = dup_or_null(pd->phase, &nomem);
	if (nomem) {
		free(doc->path);
		free(doc->server);
		free(doc->instance);
		free(doc->phase);
		row_free(row);
		return DW_ENOMEM;
	}
	/* nothing below fails */
	doc->line = (size_t)li;
	doc->start = pd->start;
	doc->end = pd->end;
	doc->have_span = pd->have_span;
	doc->merged = pd->nirows > 0;
	doc->nseries = pd->s.n;
	m->ndocs++;

	row->doc = d;
	row->f = pd->tot;
	row->flags = pd->nflags;
	m->nrows++;
	for (size_t i = 0; i < pd->nirows; i++) {
		m->rows[m->nrows] = pd->irows[i];
		m->rows[m->nrows++].doc = d;
	}
	pd->nirows = 0;
	for (size_t i = 0; i < pd->nflags; i++) {
		m->flags[m->nflags] = pd->flags[i];
		m->flags[m->nflags++].doc = d;
	}
	pd->nflags = 0;

	if (pd->s.n > 0)
		memcpy(l->s.p + l->s.n, pd->s.p, pd->s.n * sizeof(*pd->s.p));
	l->s.n += pd->s.n;
	pd->s.n = 0;

	fig_add(&m->total, &pd->tot, 0);
	for (int t = 0; t < 2; t++)
		for (int b = 0; b < RP_SIZE_BINS; b++)
			g->resp[t][b] += pd->resp[t][b];
	if (pd->have_span) {
		if (!g->have_span || pd->start < g->start)
			g->start = pd->start;
		if (!g->have_span || pd->end > g->end)
			g->end = pd->end;
		g->have_span = 1;
		if (!m->have_span || pd->start < m->start)
			m->start = pd->start;
		if (!m->have_span || pd->end > m->end)
			m->end = pd->end;
		m->have_span = 1;
	}
	return 0;
}

void rp_model_init(rp_model_t *m)
{
	memset(m, 0, sizeof(*m));
}

int rp_model_add(rp_model_t *m, const json_t *doc, const char *path, char *err, size_t errlen)
{
	pending_t pd;
	int rc;

	if (m->finished)
		return DW_EINVAL;
	memset(&pd, 0, sizeof(pd));
	rc = read_doc(m, doc, &pd, err, errlen);
	if (rc == 0) {
		int64_t iv = json_integer_value(json_object_get(doc, "interval"));
		rc = commit(m, &pd, path);
		if (rc == 0)
			m->interval = iv;
	}
	pending_free(&pd);
	return rc;
}

/* ---- finishing ---------------------------------------------------------- */

static int point_time_cmp(const void *pa, const void *pb)
{
	const rp_point_t *a = pa, *b = pb;
	return a->t < b->t ? -1 : a->t > b->t;
}

/* Sort @p s by time and combine points of the same interval: counters
 * add, unique sources take the larger (@p us_max) or stay 0, maps add.
 * @return the number of intervals that were combined, or DW_ENOMEM. */
static int64_t series_combine(rp_series_t *s, int us_max)
{
	size_t w = 0;
	int64_t combined = 0;
	if (s->n == 0)
		return 0;
	qsort(s->p, s->n, sizeof(*s->p), point_time_cmp);
	for (size_t r = 1; r < s->n; r++) {
		rp_point_t *a = &s->p[w], *b = &s->p[r];
		if (b->t != a->t) {
			s->p[++w] = *b;
			continue;
		}
		if (a->ndocs == 1)
			combined++;
		fig_add(&a->f, &b->f, us_max);
		a->ndocs += b->ndocs;
		for (int i = 0; i < RP__MAPS; i++) {
			if (map_append(&a->map[i], &b->map[i]) < 0) {
				/* keep the series consistent for rp_model_free() */
				for (size_t k = r; k < s->n; k++)
					s->p[++w] = s->p[k];
				s->n = w + 1;
				return DW_ENOMEM;
			}
			map_free(&b->map[i]);
		}
	}
	s->n = w + 1;
	for (size_t i = 0; i < s->n; i++)
		for (int k = 0; k < RP__MAPS; k++)
			map_normalize(&s->p[i].map[k]);
	return combined;
}

static int build_all(rp_model_t *m)
{
	size_t n = 0;
	for (size_t i = 0; i < m->nlines; i++)
		n += m->lines[i].s.n;
	if (n == 0)
		return 0;
	if ((m->all.p = calloc(n, sizeof(*m->all.p))) == NULL)
		return DW_ENOMEM;
	m->all.cap = n;
	for (size_t i = 0; i < m->nlines; i++)
		for (size_t j = 0; j < m->lines[i].s.n; j++) {
			const rp_point_t *src = &m->lines[i].s.p[j];
			rp_point_t *dst = &m->all.p[m->all.n++];
			dst->t = src->t;
			dst->f = src->f;
			dst->ndocs = src->ndocs;
			memset(dst->f.us, 0, sizeof(dst->f.us));
			for (int k = 0; k < RP__MAPS; k++)
				if (map_append(&dst->map[k], &src->map[k]) < 0)
					return DW_ENOMEM;
		}
	return series_combine(&m->all, 0) < 0 ? DW_ENOMEM : 0;
}

static int group_cmp(const void *pa, const void *pb)
{
	const rp_group_t *a = pa, *b = pb;
	/* concrete phases first, by start, then by name; the phase-less last */
	if ((a->name == NULL) != (b->name == NULL))
		return a->name == NULL ? 1 : -1;
	if (a->name == NULL)
		return 0;
	if (a->have_span != b->have_span)
		return a->have_span ? -1 : 1;
	if (a->have_span && a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int make_labels(rp_model_t *m)
{
	const char *server = NULL;
	int several = 0;
	for (size_t i = 0; i < m->nlines; i++) {
		const char *s = m->lines[i].server;
		if (!concrete(s))
			continue;
		if (server == NULL)
			server = s;
		else if (strcmp(server, s))
			several = 1;
	}
	for (size_t i = 0; i < m->nlines; i++) {
		rp_line_t *l = &m->lines[i];
		const char *srv = concrete(l->server) ? l->server : NULL;
		const char *ins = concrete(l->instance) ? l->instance : NULL;
		size_t len;
		if (several && srv && ins) {
			len = strlen(srv) + strlen(ins) + 2;
			if ((l->label = malloc(len)) == NULL)
				return DW_ENOMEM;
			snprintf(l->label, len, "%s|%s", srv, ins);
		} else {
			const char *s = ins ? ins : several && srv ? srv : "all";
			if ((l->label = strdup(s)) == NULL)
				return DW_ENOMEM;
		}
	}
	return 0;
}

static int line_label_cmp(const void *pa, const void *pb)
{
	const rp_line_t *a = pa, *b = pb;
	int c = strcmp(a->label, b->label);
	if (c == 0)
		c = strcmp(a->server ? a->server : "", b->server ? b->server : "");
	if (c == 0)
		c = strcmp(a->instance ? a->instance : "", b->instance ? b->instance : "");
	return c;
}

/* Lines in label order (the order of the files on the command line does
 * not matter), the documents' line numbers following. */
static int sort_lines(rp_model_t *m)
{
	rp_line_t *old;
	if (m->nlines < 2)
		return 0;
	if ((old = malloc(m->nlines * sizeof(*old))) == NULL)
		return DW_ENOMEM;
	memcpy(old, m->lines, m->nlines * sizeof(*old));
	qsort(m->lines, m->nlines, sizeof(*m->lines), line_label_cmp);
	for (size_t d = 0; d < m->ndocs; d++)
		for (size_t i = 0; i < m->nlines; i++)
			if (m->lines[i].s.p == old[m->docs[d].line].s.p &&
			    m->lines[i].label == old[m->docs[d].line].label) {
				m->docs[d].line = i;
				break;
			}
	free(old);
	return 0;
}

int rp_model_finish(rp_model_t *m)
{
	int64_t c;
	if (m->finished)
		return DW_EINVAL;
	m->finished = 1;
	for (size_t i = 0; i < m->nlines; i++) {
		if ((c = series_combine(&m->lines[i].s, 1)) < 0)
			return DW_ENOMEM;
		m->overlaps += (size_t)c;
	}
	for (int i = 0; i < RP__MAPS; i++)
		map_normalize(&m->totals[i]);
	if (build_all(m) < 0 || make_labels(m) < 0 || sort_lines(m) < 0)
		return DW_ENOMEM;
	if (m->ngroups > 1)
		qsort(m->groups, m->ngroups, sizeof(*m->groups), group_cmp);
	m->phases = m->groups;
	m->nphases = m->ngroups;
	if (m->ngroups > 0 && m->groups[m->ngroups - 1].name == NULL) {
		rp_group_t *g = &m->groups[m->ngroups - 1];
		m->nphases--;
		if ((g->name = strdup(m->nphases ? "no phase" : "all")) == NULL)
			return DW_ENOMEM;
	}
	return 0;
}

int rp_model_flagged(const rp_model_t *m, const char *subject)
{
	for (size_t i = 0; i < m->nflags; i++)
		if (!strcmp(m->flags[i].subject, subject))
			return 1;
	return 0;
}

void rp_model_free(rp_model_t *m)
{
	for (size_t i = 0; i < m->ndocs; i++) {
		free(m->docs[i].path);
		free(m->docs[i].server);
		free(m->docs[i].instance);
		free(m->docs[i].phase);
	}
	free(m->docs);
	for (size_t i = 0; i < m->nlines; i++) {
		free(m->lines[i].server);
		free(m->lines[i].instance);
		free(m->lines[i].label);
		series_free(&m->lines[i].s);
	}
	free(m->lines);
	for (size_t i = 0; i < m->ngroups; i++)
		free(m->groups[i].name);
	free(m->groups);
	series_free(&m->all);
	for (int i = 0; i < RP__MAPS; i++)
		map_free(&m->totals[i]);
	for (size_t i = 0; i < m->nrows; i++)
		row_free(&m->rows[i]);
	free(m->rows);
	for (size_t i = 0; i < m->nflags; i++)
		flag_free(&m->flags[i]);
	free(m->flags);
	for (size_t i = 0; i < m->names.n; i++)
		free(m->names.s[i]);
	free(m->names.s);
	free(m->names.slot);
	memset(m, 0, sizeof(*m));
}
