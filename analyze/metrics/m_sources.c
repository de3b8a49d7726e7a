/*
 * m_sources.c - "unique_sources", "top_sources", "top_prefixes": who sends
 * the queries (responses are not counted: their source is the server).
 *
 * Distinct sources cannot be counted exactly in bounded memory at a root
 * server (millions of resolvers, and spoofed sources without limit), so
 * they are estimated by HyperLogLog (sketch/hll.h): IPv4 addresses, IPv6
 * addresses and IPv6 /64s (one host or one site usually holds a whole
 * /64, so that count is the fairer one for IPv6). The heavy senders -
 * one ISP's resolvers flooding one instance - are found by Space-Saving
 * (sketch/spacesaving.h) over addresses and over prefixes (IPv4 /24 and
 * IPv6 /48 by default, cfg->v4_prefix / v6_prefix). Both sketches merge,
 * which is what lets partial results from many machines combine.
 *
 * With an AS map (cfg->asn), a third summary counts queries by the
 * origin AS of their source ("top_asns"), and every counter of the source
 * and prefix summaries carries the AS of its key ("asn" in the lists),
 * looked up when the key takes the counter; the AS numbers are saved
 * beside the summaries, so merge names them without the map.
 *
 * In the interval scope every counter also carries an evidence record
 * (sketch/evidence.h: query types, transports, DO, its top questions),
 * started afresh at the second query a key brings to the counter
 * (count_in): what analyze/flags.c shows for a flagged sender. The
 * records of the first 2 x topk_interval counters (by count) are saved,
 * so the top list's ones survive a merge.
 *
 * Per query: two or three address hashes (an IPv4 address is one 64-bit
 * multiply-xorshift round, IPv6 two), one or two register updates and two
 * Space-Saving updates (a table probe and, usually, a one-level sift). The
 * source address hash is shared by its HyperLogLog and its Space-Saving
 * table, and the hashes and keys by the two scopes (sources_observe2: the
 * engine hands every query to the whole-run and the interval state at
 * once). In the interval scope, for a key counted before, an evidence
 * update (and one QNAME hash per query); with an AS map, one look-up of
 * the source. Nothing is
 * allocated after init.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metric.h"
#include "rootlens/common.h"
#include "sketch/evidence.h"
#include "sketch/hll.h"
#include "sketch/spacesaving.h"

/* The summaries, in the order of the figures. */
enum { T_SRC, T_PFX, T_ASN, NTAB };
static const char *const tab_name[NTAB] = { "top_sources", "top_prefixes", "top_asns" };
static const char *const tab_key[NTAB] = { "addr", "prefix", "asn" };

/* What each counter of a summary carries beside its count; indexed by
 * counter (spacesaving.h: an index stays with its counter). */
typedef struct side {
	uint32_t *asn;    /* the AS of the counter's key, 0 none; NULL: no AS data */
	an_ev_t *ev;      /* evidence; NULL: not kept */
} side_t;

typedef struct sources {
	const an_cfg_t *cfg;
	an_hll_t v4, v6, v6_64;
	an_ss_t *ss[NTAB]; /* addresses, prefixes (cfg->v4_prefix / v6_prefix),
			      origin ASes (NULL without AS data) */
	side_t sd[NTAB];
	int has_asn;       /* AS data: the AS summary and the asn arrays */
	int has_ev;        /* evidence records */
} sources_t;

static unsigned hll_p(const an_cfg_t *cfg)
{
	return cfg->scope == AN_SCOPE_INTERVAL ? cfg->hll_p_interval : cfg->hll_p_total;
}

static unsigned ss_cap(const an_cfg_t *cfg)
{
	return cfg->scope == AN_SCOPE_INTERVAL ? cfg->ss_interval : cfg->ss_total;
}

static unsigned topk(const an_cfg_t *cfg)
{
	return cfg->scope == AN_SCOPE_INTERVAL ? cfg->topk_interval : cfg->topk;
}

/* Evidence records saved per summary: the listed counters and as many
 * again, so that a merged top list still finds the records of keys that
 * ranked a little lower in a partial. */
static size_t ev_keep(const sources_t *s)
{
	return 2 * (size_t)(topk(s->cfg) ? topk(s->cfg) : 10);
}

static void hll_free_all(sources_t *s)
{
	an_hll_fini(&s->v4);
	an_hll_fini(&s->v6);
	an_hll_fini(&s->v6_64);
}

static int hll_init_all(sources_t *s, unsigned p)
{
	int rc;

	if ((rc = an_hll_init(&s->v4, p)) < 0 || (rc = an_hll_init(&s->v6, p)) < 0 ||
	    (rc = an_hll_init(&s->v6_64, p)) < 0)
		hll_free_all(s);
	return rc;
}

static void side_free(side_t *d)
{
	free(d->asn);
	free(d->ev);
	d->asn = NULL;
	d->ev = NULL;
}

/* Side arrays of summary @p t for @p cap counters, as has_asn / has_ev
 * say (uninitialised: a counter's entries are set when a key takes it,
 * or by load and merge). @return 0 or DW_ENOMEM. */
static int side_alloc(sources_t *s, unsigned t, unsigned cap)
{
	side_t *d = &s->sd[t];

	side_free(d);
	if (s->has_asn && t != T_ASN && !(d->asn = malloc((size_t)cap * sizeof(*d->asn))))
		return DW_ENOMEM;
	if (s->has_ev && !(d->ev = malloc((size_t)cap * sizeof(*d->ev))))
		return DW_ENOMEM;
	return 0;
}

/* Drop the AS data (a merge with a partial that has none). */
static void asn_drop(sources_t *s)
{
	an_ss_free(s->ss[T_ASN]);
	s->ss[T_ASN] = NULL;
	side_free(&s->sd[T_ASN]);
	free(s->sd[T_SRC].asn);
	free(s->sd[T_PFX].asn);
	s->sd[T_SRC].asn = s->sd[T_PFX].asn = NULL;
	s->has_asn = 0;
}

static void sources_fini(void *st)
{
	sources_t *s = st;

	hll_free_all(s);
	for (unsigned t = 0; t < NTAB; t++) {
		an_ss_free(s->ss[t]);
		s->ss[t] = NULL;
		side_free(&s->sd[t]);
	}
}

static int sources_init(void *st, const an_cfg_t *cfg)
{
	sources_t *s = st;
	int rc;

	s->cfg = cfg;
	s->has_asn = cfg->asn != NULL;
	s->has_ev = cfg->scope == AN_SCOPE_INTERVAL;
	if ((rc = hll_init_all(s, hll_p(cfg))) < 0)
		goto fail;
	for (unsigned t = 0; t < NTAB; t++) {
		if (t == T_ASN && !s->has_asn)
			continue;
		if ((rc = an_ss_new(&s->ss[t], ss_cap(cfg))) < 0 ||
		    (rc = side_alloc(s, t, ss_cap(cfg))) < 0)
			goto fail;
	}
	return 0;
fail:
	sources_fini(s);
	return rc == DW_EINVAL ? DW_EINVAL : DW_ENOMEM;
}

/* What one query adds: the source's hashes and the keys, computed once
 * for both scopes (sources_observe2). */
typedef struct src_obs {
	uint64_t h;      /* an_hash_addr of the address: HLL and Space-Saving */
	uint64_t h64;    /* IPv6: of the /64 */
	uint64_t hp;     /* an_ss_key_hash(&pk) */
	uint64_t ha;     /* an_ss_key_hash(&ak) */
	an_ss_key_t k;   /* the address */
	an_ss_key_t pk;  /* its prefix */
	an_ss_key_t ak;  /* its origin AS (AS data only) */
	uint32_t asn;
	int v6;
	int q_set;       /* q is filled (the first evidence record that needs it) */
	const an_obs_t *o;
	an_ev_q_t q;
} src_obs_t;

static void src_obs(src_obs_t *x, const an_obs_t *o, const an_cfg_t *cfg, int asn)
{
	const uint8_t *a = o->pkt->src;

	x->o = o;
	x->q_set = 0;
	x->v6 = o->pkt->ipver == 6;
	if (x->v6) {
		x->h = an_hash_addr16(a);
		x->h64 = an_hash_addr8(a);
		an_ss_key_set(&x->k, 6, a, 128);
		an_ss_key_set(&x->pk, 6, a, cfg->v6_prefix);
	} else {
		x->h = an_hash_addr4(a);
		an_ss_key_set(&x->k, 4, a, 32);
		an_ss_key_set(&x->pk, 4, a, cfg->v4_prefix);
	}
	x->hp = an_ss_key_hash(&x->pk);
	if (asn) {
		x->asn = cfg->asn ? an_asnmap_lookup(cfg->asn, x->v6 ? 6 : 4, a) : 0;
		an_ss_key_asn(&x->ak, x->asn);
		x->ha = an_ss_key_hash(&x->ak);
	}
}

/*
 * Count the query in summary @p t under @p k, and in the counter's side
 * record. An evidence record starts at the second query its key brings
 * to the counter (a record whose n is 0 holds nothing, whatever its other
 * fields say): at a root most keys that take a counter are one-off
 * sources, evicted before they send another query, and recording them
 * cost twice what all the rest did (measured on bench/gencap traffic).
 * The QNAME hash is computed for the first record of a query that needs
 * it, so a query from two new keys costs two stores.
 */
static inline __attribute__((always_inline)) void
count_in(sources_t *s, unsigned t, const an_ss_key_t *k, uint64_t h, src_obs_t *x)
{
	int taken;
	uint32_t i = an_ss_add1(s->ss[t], k, h, &taken);
	side_t *d = &s->sd[t];

	if (taken) {
		if (d->asn)
			d->asn[i] = t == T_SRC ? x->asn :
				    s->cfg->asn ? an_asnmap_lookup(s->cfg->asn, x->v6 ? 6 : 4,
								    x->pk.addr) : 0;
		if (d->ev)
			d->ev[i].n = 0;
		return;
	}
	if (d->ev) {
		an_ev_t *e = &d->ev[i];
		if (!x->q_set) {
			an_ev_q_set(&x->q, x->o->msg, x->o->tr);
			x->q_set = 1;
		}
		if (e->n == 0)
			an_ev_reset(e);
		an_ev_add(e, &x->q);
	}
}

static void src_add(sources_t *s, src_obs_t *x)
{
	if (x->v6) {
		an_hll_add(&s->v6, x->h);
		an_hll_add(&s->v6_64, x->h64);
	} else {
		an_hll_add(&s->v4, x->h);
	}
	if (!s->has_asn && !s->has_ev) {
		/* nothing beside the counts (the whole run without an AS map) */
		an_ss_add_hashed(s->ss[T_SRC], &x->k, x->h, 1);
		an_ss_add_hashed(s->ss[T_PFX], &x->pk, x->hp, 1);
		return;
	}
	count_in(s, T_SRC, &x->k, x->h, x);
	count_in(s, T_PFX, &x->pk, x->hp, x);
	if (s->has_asn)
		count_in(s, T_ASN, &x->ak, x->ha, x);
}

static void sources_observe(void *st, const an_obs_t *o)
{
	sources_t *s = st;
	src_obs_t x;

	if (o->msg->qr)
		return;
	src_obs(&x, o, s->cfg, s->has_asn);
	src_add(s, &x);
}

/* sources_observe(a, o) and sources_observe(b, o) with the hashing done
 * once (the two scopes' cfgs give the same prefix lengths and map). */
static void sources_observe2(void *sa, void *sb, const an_obs_t *o)
{
	sources_t *a = sa, *b = sb;
	src_obs_t x;

	if (o->msg->qr)
		return;
	if (a->cfg->v4_prefix != b->cfg->v4_prefix || a->cfg->v6_prefix != b->cfg->v6_prefix ||
	    a->cfg->asn != b->cfg->asn) {
		sources_observe(a, o);
		sources_observe(b, o);
		return;
	}
	src_obs(&x, o, a->cfg, a->has_asn || b->has_asn);
	src_add(a, &x);
	src_add(b, &x);
}

/* ---- merge ------------------------------------------------------------- */

/* Summary @p t of @p d += that of @p s, the side records following their
 * keys: an AS from whichever side had the key, evidence added. */
static int merge_table(sources_t *d, const sources_t *s, unsigned t)
{
	side_t *dd = &d->sd[t];
	const side_t *sd = &s->sd[t];
	int want_asn = dd->asn && sd->asn, want_ev = dd->ev || sd->ev;
	unsigned cap = an_ss_capacity(d->ss[t]);
	uint32_t *fd = NULL, *fs = NULL, *nasn = NULL;
	an_ev_t *nev = NULL;
	int rc = DW_ENOMEM;

	if (!want_asn && !want_ev)
		return an_ss_merge(d->ss[t], s->ss[t]);
	if (cap != an_ss_capacity(s->ss[t]))
		return DW_EINVAL;
	if (!(fd = malloc(cap * sizeof(*fd))) || !(fs = malloc(cap * sizeof(*fs))) ||
	    (want_asn && !(nasn = malloc(cap * sizeof(*nasn)))) ||
	    (want_ev && !(nev = malloc(cap * sizeof(*nev)))))
		goto out;
	if ((rc = an_ss_merge_map(d->ss[t], s->ss[t], fd, fs)) < 0)
		goto out;
	for (size_t i = 0, n = an_ss_size(d->ss[t]); i < n; i++) {
		if (want_asn)
			nasn[i] = fd[i] != AN_SS_NONE ? dd->asn[fd[i]] : sd->asn[fs[i]];
		if (!want_ev)
			continue;
		/* a record whose n is 0 is empty (count_in) */
		if (fd[i] != AN_SS_NONE && dd->ev && dd->ev[fd[i]].n)
			memcpy(&nev[i], &dd->ev[fd[i]], sizeof(nev[i]));
		else
			an_ev_reset(&nev[i]);
		if (fs[i] != AN_SS_NONE && sd->ev && sd->ev[fs[i]].n)
			an_ev_merge(&nev[i], &sd->ev[fs[i]]);
	}
	if (want_asn) {
		free(dd->asn);
		dd->asn = nasn;
		nasn = NULL;
	}
	if (want_ev) {
		free(dd->ev);
		dd->ev = nev;
		nev = NULL;
	}
	rc = 0;
out:
	free(fd);
	free(fs);
	free(nasn);
	free(nev);
	return rc;
}

static int sources_merge(void *dst, const void *src)
{
	sources_t *d = dst;
	const sources_t *s = src;
	int rc;

	/* Precision and capacity come from the same cfg scope, or from a
	 * loaded document (see load): a mismatch is refused, not guessed. */
	if ((rc = an_hll_merge(&d->v4, &s->v4)) < 0 ||
	    (rc = an_hll_merge(&d->v6, &s->v6)) < 0 ||
	    (rc = an_hll_merge(&d->v6_64, &s->v6_64)) < 0)
		return rc;
	/* AS data only where every partial has it: counts by AS from some
	 * of the queries would be wrong, not partial. */
	if (d->has_asn && !s->has_asn)
		asn_drop(d);
	for (unsigned t = 0; t < NTAB; t++) {
		if (t == T_ASN && !d->has_asn)
			continue;
		if ((rc = merge_table(d, s, t)) < 0)
			return rc;
	}
	d->has_ev = d->has_ev || s->has_ev;
	return 0;
}

/* ---- emit ------------------------------------------------------------- */

static uint64_t estimate(const an_hll_t *h)
{
	return (uint64_t)llround(an_hll_estimate(h));
}

static json_t *asn_json(uint32_t asn)
{
	char b[16];
	if (!asn)
		return json_null();
	snprintf(b, sizeof(b), "AS%u", asn);
	return json_string(b);
}

static json_t *top_list(const sources_t *s, unsigned t, unsigned k)
{
	const an_ss_t *ss = s->ss[t];
	an_ss_item_t *it = malloc(((size_t)k + 1) * sizeof(*it));
	uint32_t *idx = malloc(((size_t)k + 1) * sizeof(*idx));
	json_t *arr = json_array();
	size_t n;

	if (!arr || !it || !idx)
		goto fail;
	n = an_ss_top_idx(ss, it, idx, k);
	for (size_t i = 0; i < n; i++) {
		char a[RL_ADDR_STRMAX], pfx[RL_ADDR_STRMAX + 4];
		json_t *e = json_object(), *name;
		if (t == T_ASN) {
			name = asn_json(an_ss_key_asn_of(&it[i].key));
		} else {
			rl_addr_str(it[i].key.ipver, it[i].key.addr, a);
			if (t == T_PFX)
				snprintf(pfx, sizeof(pfx), "%s/%u", a, it[i].key.plen);
			name = json_string(t == T_PFX ? pfx : a);
		}
		if (!e || json_array_append_new(arr, e) < 0 ||
		    json_object_set_new(e, tab_key[t], name) < 0 ||
		    an_json_set_u64(e, "queries", it[i].count) < 0 ||
		    json_object_set_new(e, "share_pct",
					an_json_pct(it[i].count, an_ss_total(ss))) < 0 ||
		    an_json_set_u64(e, "error", it[i].err) < 0)
			goto fail;
		if (t != T_ASN && s->sd[t].asn &&
		    json_object_set_new(e, "asn", asn_json(s->sd[t].asn[idx[i]])) < 0)
			goto fail;
	}
	free(it);
	free(idx);
	return arr;
fail:
	free(it);
	free(idx);
	json_decref(arr);
	return NULL;
}

static int sources_emit(const void *st, json_t *figures)
{
	const sources_t *s = st;
	unsigned k = topk(s->cfg);
	json_t *u = json_object();

	if (!u || json_object_set_new(figures, "unique_sources", u) < 0 ||
	    an_json_set_u64(u, "ipv4", estimate(&s->v4)) < 0 ||
	    an_json_set_u64(u, "ipv6", estimate(&s->v6)) < 0 ||
	    an_json_set_u64(u, "ipv6_64", estimate(&s->v6_64)) < 0)
		return DW_ENOMEM;
	for (unsigned t = 0; t < NTAB; t++)
		if (s->ss[t] && json_object_set_new(figures, tab_name[t], top_list(s, t, k)) < 0)
			return DW_ENOMEM;
	return 0;
}

/* ---- save / load ------------------------------------------------------ */

static int set_hll(json_t *o, const char *key, const an_hll_t *h)
{
	char *str;

	if (an_hll_save(h, &str) < 0)
		return DW_ENOMEM;
	int rc = json_object_set_new(o, key, json_string(str)) < 0 ? DW_ENOMEM : 0;
	free(str);
	return rc;
}

static int set_str(json_t *o, const char *key, char *str)
{
	int rc = json_object_set_new(o, key, json_string(str)) < 0 ? DW_ENOMEM : 0;
	free(str);
	return rc;
}

/* {"capacity", "entries"} and, in the counters' saved order, "asn" (every
 * counter) and "evidence" (the first ev_keep()). */
static int set_ss(json_t *o, const sources_t *s, unsigned t)
{
	const an_ss_t *ss = s->ss[t];
	const side_t *d = &s->sd[t];
	size_t n = an_ss_size(ss), ne;
	json_t *e = json_object();
	char *str = NULL;
	uint32_t *order = NULL, *asn = NULL;
	const an_ev_t **recs = NULL;
	int rc = DW_ENOMEM;

	if (!e || json_object_set_new(o, tab_name[t], e) < 0)
		return DW_ENOMEM;
	if (an_json_set_u64(e, "capacity", an_ss_capacity(ss)) < 0 || an_ss_save(ss, &str) < 0 ||
	    (rc = set_str(e, "entries", str)) < 0)
		return DW_ENOMEM;
	if (!d->asn && !d->ev)
		return 0;
	rc = DW_ENOMEM;
	/* the saved order: of every counter for the AS numbers, else of the
	 * first ev_keep() only (a short insertion sort, not a sort of all) */
	ne = d->ev ? (n < ev_keep(s) ? n : ev_keep(s)) : 0;
	if (!(order = malloc((n + 1) * sizeof(*order))))
		goto out;
	if (d->asn) {
		if (an_ss_order(ss, order) < 0 || !(asn = malloc((n + 1) * sizeof(*asn))))
			goto out;
		for (size_t i = 0; i < n; i++)
			asn[i] = d->asn[order[i]];
		if (an_u32s_pack(asn, n, &str) < 0 || set_str(e, "asn", str) < 0)
			goto out;
	} else {
		an_ss_item_t *it = malloc((ne + 1) * sizeof(*it));
		if (!it)
			goto out;
		an_ss_top_idx(ss, it, order, ne);
		free(it);
	}
	if (d->ev) {
		if (!(recs = malloc((ne + 1) * sizeof(*recs))))
			goto out;
		for (size_t i = 0; i < ne; i++) /* n 0: empty (count_in) */
			recs[i] = d->ev[order[i]].n ? &d->ev[order[i]] : NULL;
		if (an_ev_pack(recs, ne, &str) < 0 || set_str(e, "evidence", str) < 0)
			goto out;
	}
	rc = 0;
out:
	free(order);
	free(asn);
	free(recs);
	return rc;
}

/* The object passed is this metric's own, "sketch"."sources". */
static int sources_save(const void *st, json_t *sketch)
{
	const sources_t *s = st;
	int rc;

	if ((rc = an_json_set_u64(sketch, "hll_p", s->v4.p)) < 0 ||
	    (rc = set_hll(sketch, "ipv4", &s->v4)) < 0 ||
	    (rc = set_hll(sketch, "ipv6", &s->v6)) < 0 ||
	    (rc = set_hll(sketch, "ipv6_64", &s->v6_64)) < 0)
		return rc;
	for (unsigned t = 0; t < NTAB; t++)
		if (s->ss[t] && (rc = set_ss(sketch, s, t)) < 0)
			return rc;
	return 0;
}

static int load_hll(an_hll_t *h, const json_t *sk, const char *key)
{
	const char *str = json_string_value(json_object_get(sk, key));

	return str ? an_hll_load(h, str) : DW_EFORMAT;
}

/*
 * Load summary @p t and its side records. Its capacity is the document's,
 * not necessarily this cfg's: the state is rebuilt at that size, and
 * merge refuses a mismatch. Every key must have the prefix length this
 * run would give it (32/128 for addresses, AS numbers in top_asns): /24
 * counts do not merge with /20 counts. After the load, counter i is the
 * i-th in saved order, which is the order of "asn" and "evidence".
 */
static int load_ss(sources_t *s, const json_t *sk, unsigned t)
{
	const json_t *o = json_object_get(sk, tab_name[t]);
	const char *str = json_string_value(json_object_get(o, "entries"));
	const json_t *jasn = json_object_get(o, "asn"), *jev = json_object_get(o, "evidence");
	unsigned v4len = t == T_SRC ? 32 : s->cfg->v4_prefix;
	unsigned v6len = t == T_SRC ? 128 : s->cfg->v6_prefix;
	side_t *d = &s->sd[t];
	uint64_t cap;
	an_ss_item_t *it = NULL;
	size_t n, got;
	int rc;

	if (!json_is_object(o) || !str || an_json_get_u64(o, "capacity", &cap) < 0)
		return DW_EFORMAT;
	if ((jasn && !json_is_string(jasn)) || (jev && !json_is_string(jev)) ||
	    (t != T_ASN && !jasn != !s->has_asn) || (t == T_ASN && jasn))
		return DW_EFORMAT;
	if (!s->ss[t] || cap != an_ss_capacity(s->ss[t])) {
		an_ss_t *fresh;
		if ((rc = an_ss_new(&fresh, cap > UINT32_MAX ? 0 : (unsigned)cap)) < 0)
			return rc == DW_EINVAL ? DW_EFORMAT : rc;
		an_ss_free(s->ss[t]);
		s->ss[t] = fresh;
	}
	if (jev)
		s->has_ev = 1;
	if ((rc = side_alloc(s, t, (unsigned)cap)) < 0)
		return rc;
	if ((rc = an_ss_load(s->ss[t], str)) < 0)
		return rc;
	n = an_ss_size(s->ss[t]);
	if (!(it = malloc((n + 1) * sizeof(*it))))
		return DW_ENOMEM;
	n = an_ss_top(s->ss[t], it, n);
	for (size_t i = 0; i < n && rc == 0; i++)
		if (t == T_ASN ? it[i].key.ipver != AN_SS_ASN
			       : it[i].key.plen != (it[i].key.ipver == 4 ? v4len : v6len) ||
				 it[i].key.ipver == AN_SS_ASN)
			rc = DW_EFORMAT;
	if (rc == 0 && d->asn) {
		rc = an_u32s_unpack(json_string_value(jasn), d->asn, n, &got);
		if (rc == 0 && got != n)
			rc = DW_EFORMAT;
	}
	if (rc == 0 && d->ev) {
		got = 0;
		if (jev)
			rc = an_ev_unpack(json_string_value(jev), n, d->ev, n, &got);
		for (size_t i = 0; rc == 0 && i < got; i++)
			if (d->ev[i].n > it[i].count) /* a record counts some of its key's queries */
				rc = DW_EFORMAT;
		for (size_t i = got; i < n; i++)
			an_ev_reset(&d->ev[i]);
	}
	free(it);
	return rc;
}

/* The figures were written from the same registers: they must agree. */
static int check_unique(const sources_t *s, const json_t *figures)
{
	const json_t *u = figures ? json_object_get(figures, "unique_sources") : NULL;
	uint64_t v4, v6, v6_64;

	if (!u)
		return 0;
	if (an_json_get_u64(u, "ipv4", &v4) < 0 || an_json_get_u64(u, "ipv6", &v6) < 0 ||
	    an_json_get_u64(u, "ipv6_64", &v6_64) < 0)
		return DW_EFORMAT;
	if (v4 != estimate(&s->v4) || v6 != estimate(&s->v6) || v6_64 != estimate(&s->v6_64))
		return DW_EFORMAT;
	return 0;
}

static int sources_load(void *st, const json_t *figures, const json_t *sketch)
{
	sources_t *s = st;
	const json_t *pj = json_object_get(sketch, "hll_p");
	int rc;

	/* The engine hands an empty object when nothing was saved: fine for
	 * a document without sources figures, a broken one otherwise. */
	if (json_object_size(sketch) == 0) {
		const json_t *top = figures ? json_object_get(figures, "top_sources") : NULL;
		return json_array_size(top) == 0 && check_unique(s, figures) == 0 ? 0 : DW_EFORMAT;
	}
	if (!json_is_integer(pj) || json_integer_value(pj) < AN_HLL_P_MIN ||
	    json_integer_value(pj) > AN_HLL_P_MAX)
		return DW_EFORMAT;
	if ((unsigned)json_integer_value(pj) != s->v4.p) {
		hll_free_all(s);
		if ((rc = hll_init_all(s, (unsigned)json_integer_value(pj))) < 0)
			return rc;
	}
	/* The document, not the cfg, says whether there are AS data. */
	if (s->has_asn)
		asn_drop(s);
	s->has_asn = json_object_get(sketch, tab_name[T_ASN]) != NULL;
	if ((rc = load_hll(&s->v4, sketch, "ipv4")) < 0 ||
	    (rc = load_hll(&s->v6, sketch, "ipv6")) < 0 ||
	    (rc = load_hll(&s->v6_64, sketch, "ipv6_64")) < 0)
		return rc;
	for (unsigned t = 0; t < NTAB; t++)
		if ((t != T_ASN || s->has_asn) && (rc = load_ss(s, sketch, t)) < 0)
			return rc;
	if (an_ss_total(s->ss[T_SRC]) != an_ss_total(s->ss[T_PFX]) ||
	    (s->has_asn && an_ss_total(s->ss[T_SRC]) != an_ss_total(s->ss[T_ASN])))
		return DW_EFORMAT;
	return check_unique(s, figures);
}

const metric_ops_t m_sources = {
	.name = "sources",
	.size = sizeof(sources_t),
	.init = sources_init,
	.observe = sources_observe,
	.merge = sources_merge,
	.emit = sources_emit,
	.save = sources_save,
	.load = sources_load,
	.fini = sources_fini,
	/* not folded: Space-Saving must see the stream in both scopes */
	.observe2 = sources_observe2,
};
