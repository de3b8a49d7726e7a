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
 * Per query: two or three address hashes (an IPv4 address is one 64-bit
 * multiply-xorshift round, IPv6 two), one or two register updates and two
 * Space-Saving updates (a table probe and, usually, a one-level sift). The
 * source address hash is shared by its HyperLogLog and its Space-Saving
 * table, and the hashes and keys by the two scopes (sources_observe2: the
 * engine hands every query to the whole-run and the interval state at
 * once). Nothing is allocated after init.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metric.h"
#include "rootlens/common.h"
#include "sketch/hll.h"
#include "sketch/spacesaving.h"

typedef struct sources {
	const an_cfg_t *cfg;
	an_hll_t v4, v6, v6_64;
	an_ss_t *src;     /* full addresses */
	an_ss_t *pfx;     /* cfg->v4_prefix / v6_prefix */
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

static void sources_fini(void *st)
{
	sources_t *s = st;

	hll_free_all(s);
	an_ss_free(s->src);
	an_ss_free(s->pfx);
	s->src = s->pfx = NULL;
}

static int sources_init(void *st, const an_cfg_t *cfg)
{
	sources_t *s = st;
	int rc;

	s->cfg = cfg;
	if ((rc = hll_init_all(s, hll_p(cfg))) < 0 ||
	    (rc = an_ss_new(&s->src, ss_cap(cfg))) < 0 ||
	    (rc = an_ss_new(&s->pfx, ss_cap(cfg))) < 0) {
		sources_fini(s);
		return rc == DW_EINVAL ? DW_EINVAL : DW_ENOMEM;
	}
	return 0;
}

/* What one query adds: the source's hashes and the two keys, computed
 * once for both scopes (sources_observe2). */
typedef struct src_obs {
	uint64_t h;      /* an_hash_addr of the address: HLL and Space-Saving */
	uint64_t h64;    /* IPv6: of the /64 */
	uint64_t hp;     /* an_ss_key_hash(&pk) */
	an_ss_key_t k;   /* the address */
	an_ss_key_t pk;  /* its prefix */
	int v6;
} src_obs_t;

static void src_obs(src_obs_t *x, const an_obs_t *o, const an_cfg_t *cfg)
{
	const uint8_t *a = o->pkt->src;

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
}

static void src_add(sources_t *s, const src_obs_t *x)
{
	if (x->v6) {
		an_hll_add(&s->v6, x->h);
		an_hll_add(&s->v6_64, x->h64);
	} else {
		an_hll_add(&s->v4, x->h);
	}
	an_ss_add_hashed(s->src, &x->k, x->h, 1);
	an_ss_add_hashed(s->pfx, &x->pk, x->hp, 1);
}

static void sources_observe(void *st, const an_obs_t *o)
{
	sources_t *s = st;
	src_obs_t x;

	if (o->msg->qr)
		return;
	src_obs(&x, o, s->cfg);
	src_add(s, &x);
}

/* sources_observe(a, o) and sources_observe(b, o) with the hashing done
 * once (the two scopes' cfgs give the same prefix lengths). */
static void sources_observe2(void *sa, void *sb, const an_obs_t *o)
{
	sources_t *a = sa, *b = sb;
	src_obs_t x;

	if (o->msg->qr)
		return;
	if (a->cfg->v4_prefix != b->cfg->v4_prefix || a->cfg->v6_prefix != b->cfg->v6_prefix) {
		sources_observe(a, o);
		sources_observe(b, o);
		return;
	}
	src_obs(&x, o, a->cfg);
	src_add(a, &x);
	src_add(b, &x);
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
	    (rc = an_hll_merge(&d->v6_64, &s->v6_64)) < 0 ||
	    (rc = an_ss_merge(d->src, s->src)) < 0 ||
	    (rc = an_ss_merge(d->pfx, s->pfx)) < 0)
		return rc;
	return 0;
}

/* ---- emit ------------------------------------------------------------- */

static uint64_t estimate(const an_hll_t *h)
{
	return (uint64_t)llround(an_hll_estimate(h));
}

static json_t *top_list(const an_ss_t *ss, unsigned k, int prefixes)
{
	an_ss_item_t *it = malloc(((size_t)k + 1) * sizeof(*it));
	json_t *arr = json_array();
	size_t n;

	if (!arr || !it)
		goto fail;
	n = an_ss_top(ss, it, k);
	for (size_t i = 0; i < n; i++) {
		char a[RL_ADDR_STRMAX], pfx[RL_ADDR_STRMAX + 4];
		json_t *e = json_object();
		rl_addr_str(it[i].key.ipver, it[i].key.addr, a);
		if (prefixes)
			snprintf(pfx, sizeof(pfx), "%s/%u", a, it[i].key.plen);
		if (!e || json_array_append_new(arr, e) < 0 ||
		    json_object_set_new(e, prefixes ? "prefix" : "addr",
					json_string(prefixes ? pfx : a)) < 0 ||
		    an_json_set_u64(e, "queries", it[i].count) < 0 ||
		    json_object_set_new(e, "share_pct",
					an_json_pct(it[i].count, an_ss_total(ss))) < 0 ||
		    an_json_set_u64(e, "error", it[i].err) < 0)
			goto fail;
	}
	free(it);
	return arr;
fail:
	free(it);
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
	    an_json_set_u64(u, "ipv6_64", estimate(&s->v6_64)) < 0 ||
	    json_object_set_new(figures, "top_sources", top_list(s->src, k, 0)) < 0 ||
	    json_object_set_new(figures, "top_prefixes", top_list(s->pfx, k, 1)) < 0)
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

static int set_ss(json_t *o, const char *key, const an_ss_t *ss)
{
	json_t *e = json_object();
	char *str = NULL;
	int rc = DW_ENOMEM;

	if (!e || json_object_set_new(o, key, e) < 0)
		return DW_ENOMEM;
	if (an_json_set_u64(e, "capacity", an_ss_capacity(ss)) < 0 || an_ss_save(ss, &str) < 0)
		goto out;
	if (json_object_set_new(e, "entries", json_string(str)) < 0)
		goto out;
	rc = 0;
out:
	free(str);
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
	    (rc = set_hll(sketch, "ipv6_64", &s->v6_64)) < 0 ||
	    (rc = set_ss(sketch, "top_sources", s->src)) < 0 ||
	    (rc = set_ss(sketch, "top_prefixes", s->pfx)) < 0)
		return rc;
	return 0;
}

static int load_hll(an_hll_t *h, const json_t *sk, const char *key)
{
	const char *str = json_string_value(json_object_get(sk, key));

	return str ? an_hll_load(h, str) : DW_EFORMAT;
}

/*
 * Load one summary. Its capacity is the document's, not necessarily
 * this cfg's: the state is rebuilt at that size, and merge refuses a
 * mismatch. Every key must have the prefix length this run would give
 * it (32/128 for addresses): /24 counts do not merge with /20 counts.
 */
static int load_ss(an_ss_t **ss, const json_t *sk, const char *key, unsigned v4len,
		   unsigned v6len)
{
	const json_t *o = json_object_get(sk, key);
	const char *str = json_string_value(json_object_get(o, "entries"));
	uint64_t cap;
	an_ss_item_t *it = NULL;
	size_t n;
	int rc;

	if (!json_is_object(o) || !str || an_json_get_u64(o, "capacity", &cap) < 0)
		return DW_EFORMAT;
	if (cap != an_ss_capacity(*ss)) {
		an_ss_t *fresh;
		if ((rc = an_ss_new(&fresh, cap > UINT32_MAX ? 0 : (unsigned)cap)) < 0)
			return rc == DW_EINVAL ? DW_EFORMAT : rc;
		an_ss_free(*ss);
		*ss = fresh;
	}
	if ((rc = an_ss_load(*ss, str)) < 0)
		return rc;
	n = an_ss_size(*ss);
	if (!(it = malloc((n + 1) * sizeof(*it))))
		return DW_ENOMEM;
	n = an_ss_top(*ss, it, n);
	for (size_t i = 0; i < n && rc == 0; i++)
		if (it[i].key.plen != (it[i].key.ipver == 4 ? v4len : v6len))
			rc = DW_EFORMAT;
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
	if ((rc = load_hll(&s->v4, sketch, "ipv4")) < 0 ||
	    (rc = load_hll(&s->v6, sketch, "ipv6")) < 0 ||
	    (rc = load_hll(&s->v6_64, sketch, "ipv6_64")) < 0 ||
	    (rc = load_ss(&s->src, sketch, "top_sources", 32, 128)) < 0 ||
	    (rc = load_ss(&s->pfx, sketch, "top_prefixes", s->cfg->v4_prefix,
			  s->cfg->v6_prefix)) < 0)
		return rc;
	if (an_ss_total(s->src) != an_ss_total(s->pfx))
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
