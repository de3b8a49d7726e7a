/*
 * m_tld.c - "queries_by_tld", "dnskey_by_tld", "priming_queries".
 *
 * Queries by the TLD of the first QNAME: which delegations draw the
 * traffic, and (for DNSKEY, type 48, RFC 4034 2) which signings and key
 * rollovers do. A root server also sees a long tail of names that are not
 * delegated at all ("local", "home", "corp", random strings: leaks and
 * Chrome-style probes, RFC 8023 / SAC045), so the count has two tiers:
 *
 *   - the TLDs of the IANA root zone (analyze/tld_table.c, generated):
 *     a fixed array, looked up through a precomputed hash, always exact;
 *   - other names: of those, the cfg->tld_other_cap with the smallest
 *     hash (a bottom-k sample by a fixed hash, bk_t below), exactly; the
 *     rest go to "other", and so do names longer than a label can be
 *     (63 bytes, RFC 1035 2.3.4; escaped bytes make presentation text
 *     longer) and a TLD literally named "other", so the key stays
 *     unambiguous. Which names are kept depends only on which names were
 *     seen, never on their order, so pieces merge to the whole exactly.
 *     The DNSKEY map has its own sample (of the names DNSKEY was asked
 *     for), so junk in other queries cannot crowd it out.
 *
 * In interval scope the maps are cut to the top keys; save() then keeps
 * the full map (packed) in the sketch, and load() prefers that copy.
 *
 * Priming queries (RFC 8109 3: QNAME ".", QTYPE NS, QCLASS IN) are how
 * resolvers learn the root server set.
 */
#include <stdlib.h>
#include <string.h>

#include "metric.h"
#include "tld_table.h"

#define LABEL_MAX 63
#define QTYPE_NS 2
#define QTYPE_DNSKEY 48
#define QCLASS_IN 1

/*
 * The rank of a name outside the root zone: a fixed 64-bit hash (FNV-1a
 * 64, then the MurmurHash3 finaliser so that every bit depends on every
 * byte), the same on every machine; equal hashes are ordered by the
 * bytes, then the length, so the order is total and a tie cannot make two
 * runs keep different names.
 */
static uint64_t rank_hash(const char *s, size_t len)
{
	uint64_t h = 0xCBF29CE484222325ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 0x100000001B3ull;
	h ^= h >> 33;
	h *= 0xFF51AFD7ED558CCDull;
	h ^= h >> 33;
	h *= 0xC4CEB9FE1A85EC53ull;
	h ^= h >> 33;
	return h;
}

typedef struct ent {
	char name[LABEL_MAX + 1]; /* NUL-terminated */
	uint8_t len;
	uint64_t h;               /* rank_hash(name) */
	uint64_t n;
} ent_t;

/*
 * A bottom-k sample of the names outside the root zone: of the names
 * counted, the cap with the smallest rank, each with its exact count;
 * the counts of every other name are in "other". A name is refused, or
 * evicted (its count moving to "other"), only when cap names of smaller
 * rank have been counted; as the largest kept rank never goes up once
 * the table is full, a name that is out stays out. So a name is kept,
 * from its first count on and with all its counts, exactly when fewer
 * than cap names of smaller rank are counted: the kept set depends on
 * the set of names, not on their order, and a name the whole capture
 * keeps is kept in every piece of it. Merge (count the other side's kept
 * names, add its "other") is exact, commutative and associative.
 *
 * Storage, all allocated in init: ent[cap]; idx, an open-addressing
 * table of entry index + 1 (0: empty) at most half full; heap, a
 * max-heap of entry indices by rank, whose root is the entry to evict.
 */
typedef struct bk {
	ent_t *ent;
	uint32_t *idx;  /* [mask + 1] */
	uint32_t *heap; /* [cap] */
	uint32_t mask, used, cap;
	uint64_t other;
} bk_t;

typedef struct tld {
	const an_cfg_t *cfg;
	uint64_t q[AN_TLD_COUNT];  /* root-zone TLDs, by an_tld_names index */
	uint64_t dk[AN_TLD_COUNT];
	uint64_t priming;
	bk_t oq, odk;              /* the other names: queries, DNSKEY queries */
} tld_t;

static int bk_init(bk_t *b, uint32_t cap)
{
	b->cap = cap;
	if (cap == 0)
		return 0;
	uint32_t n = 2;
	while (n < 2 * cap)
		n *= 2;
	b->ent = malloc((size_t)cap * sizeof(*b->ent));
	b->idx = calloc(n, sizeof(*b->idx));
	b->heap = malloc((size_t)cap * sizeof(*b->heap));
	if (b->ent == NULL || b->idx == NULL || b->heap == NULL)
		return DW_ENOMEM;
	b->mask = n - 1;
	return 0;
}

static void bk_fini(bk_t *b)
{
	free(b->ent);
	free(b->idx);
	free(b->heap);
	b->ent = NULL;
	b->idx = NULL;
	b->heap = NULL;
}

/* <0, 0, >0 as (h, name) ranks before, with, after entry @p e. */
static int rank_cmp(uint64_t h, const char *name, size_t len, const ent_t *e)
{
	if (h != e->h)
		return h < e->h ? -1 : 1;
	size_t m = len < e->len ? len : e->len;
	int c = memcmp(name, e->name, m);
	if (c != 0)
		return c;
	return len < e->len ? -1 : len > e->len;
}

static int ent_above(const bk_t *b, uint32_t x, uint32_t y)
{
	const ent_t *e = &b->ent[x];
	return rank_cmp(e->h, e->name, e->len, &b->ent[y]) > 0;
}

static uint32_t home(const bk_t *b, uint64_t h)
{
	return (uint32_t)(h >> 32) & b->mask;
}

static void idx_put(bk_t *b, uint32_t e)
{
	uint32_t i = home(b, b->ent[e].h);
	while (b->idx[i] != 0)
		i = (i + 1) & b->mask;
	b->idx[i] = e + 1;
}

/* Remove entry @p e from idx, shifting back the entries probed past it
 * (linear probing without tombstones, so lookups stay short). */
static void idx_del(bk_t *b, uint32_t e)
{
	uint32_t i = home(b, b->ent[e].h);
	while (b->idx[i] != e + 1)
		i = (i + 1) & b->mask;
	for (uint32_t j = i;;) {
		j = (j + 1) & b->mask;
		if (b->idx[j] == 0)
			break;
		uint32_t k = home(b, b->ent[b->idx[j] - 1].h);
		/* move j into the hole at i unless its home lies in (i, j] */
		if (((j - k) & b->mask) >= ((j - i) & b->mask)) {
			b->idx[i] = b->idx[j];
			i = j;
		}
	}
	b->idx[i] = 0;
}

static void sift_up(bk_t *b, uint32_t i)
{
	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (!ent_above(b, b->heap[i], b->heap[p]))
			break;
		uint32_t t = b->heap[i];
		b->heap[i] = b->heap[p];
		b->heap[p] = t;
		i = p;
	}
}

static void sift_down(bk_t *b, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < b->used && ent_above(b, b->heap[l], b->heap[m]))
			m = l;
		if (r < b->used && ent_above(b, b->heap[r], b->heap[m]))
			m = r;
		if (m == i)
			return;
		uint32_t t = b->heap[i];
		b->heap[i] = b->heap[m];
		b->heap[m] = t;
		i = m;
	}
}

static void ent_set(ent_t *e, const char *name, size_t len, uint64_t h, uint64_t n)
{
	memcpy(e->name, name, len);
	e->name[len] = '\0';
	e->len = (uint8_t)len;
	e->h = h;
	e->n = n;
}

/* Count @p n for @p name (1..LABEL_MAX bytes, not "other"), rank @p h. */
static void bk_count(bk_t *b, const char *name, size_t len, uint64_t h, uint64_t n)
{
	if (n == 0)
		return; /* a name without counts must not take a place */
	if (b->cap == 0) {
		b->other += n;
		return;
	}
	for (uint32_t i = home(b, h); b->idx[i] != 0; i = (i + 1) & b->mask) {
		ent_t *e = &b->ent[b->idx[i] - 1];
		if (e->h == h && e->len == len && memcmp(e->name, name, len) == 0) {
			e->n += n;
			return;
		}
	}
	if (b->used < b->cap) {
		uint32_t e = b->used++;
		ent_set(&b->ent[e], name, len, h, n);
		idx_put(b, e);
		b->heap[e] = e;
		sift_up(b, e);
		return;
	}
	uint32_t top = b->heap[0];
	if (rank_cmp(h, name, len, &b->ent[top]) > 0) {
		b->other += n;
		return;
	}
	/* evict the largest rank: its counts join "other" */
	b->other += b->ent[top].n;
	idx_del(b, top);
	ent_set(&b->ent[top], name, len, h, n);
	idx_put(b, top);
	sift_down(b, 0);
}

static int tld_init(void *st, const an_cfg_t *cfg)
{
	tld_t *s = st;
	s->cfg = cfg;
	/* Intervals keep fewer names outside the root zone: their full maps
	 * go into the sketch, thousands of them in a long run. */
	unsigned cap = cfg->scope == AN_SCOPE_INTERVAL ? cfg->tld_other_cap_interval
						       : cfg->tld_other_cap;
	if (cap > (1u << 30))
		return DW_EINVAL;
	if (bk_init(&s->oq, cap) < 0 || bk_init(&s->odk, cap) < 0) {
		/* the engine does not call fini after a failed init */
		bk_fini(&s->oq);
		bk_fini(&s->odk);
		return DW_ENOMEM;
	}
	return 0;
}

/* Add @p q queries, @p dk of them DNSKEY, to the TLD @p name whose
 * an_tld_hash() is @p th. */
static void count_hashed(tld_t *s, const char *name, size_t len, uint32_t th,
			 uint64_t q, uint64_t dk)
{
	int i = an_tld_find(name, len, th);
	if (i >= 0) {
		s->q[i] += q;
		s->dk[i] += dk;
		return;
	}
	if (len == 0 || len > LABEL_MAX || (len == 5 && memcmp(name, "other", 5) == 0)) {
		s->oq.other += q;
		s->odk.other += dk;
		return;
	}
	uint64_t h = rank_hash(name, len);
	bk_count(&s->oq, name, len, h, q);
	bk_count(&s->odk, name, len, h, dk);
}

static void count(tld_t *s, const char *name, size_t len, uint64_t q, uint64_t dk)
{
	count_hashed(s, name, len, an_tld_hash(name, len), q, dk);
}

static int is_priming(const dw_msg_t *m)
{
	return m->qname_len == 1 && m->qname[0] == 0 && m->qtype == QTYPE_NS &&
	       m->qclass == QCLASS_IN;
}

static void tld_observe(void *st, const an_obs_t *o)
{
	tld_t *s = st;
	const dw_msg_t *m = o->msg;
	if (m->qr || !m->have_question)
		return;
	if (is_priming(m))
		s->priming++;
	if (o->tld == NULL)
		return;
	if (o->tld_len != 0)
		count_hashed(s, o->tld, o->tld_len, o->tld_hash, 1,
			     m->qtype == QTYPE_DNSKEY);
	else
		count(s, o->tld, strlen(o->tld), 1, m->qtype == QTYPE_DNSKEY);
}

/* tld_observe(a, o) and tld_observe(b, o), with one look-up and one rank
 * hash for both. */
static void tld_observe2(void *sa, void *sb, const an_obs_t *o)
{
	tld_t *a = sa, *b = sb;
	const dw_msg_t *m = o->msg;
	if (m->qr || !m->have_question)
		return;
	if (is_priming(m)) {
		a->priming++;
		b->priming++;
	}
	if (o->tld == NULL)
		return;
	const char *name = o->tld;
	size_t len = o->tld_len ? o->tld_len : strlen(name);
	uint32_t th = o->tld_len ? o->tld_hash : an_tld_hash(name, len);
	uint64_t dk = m->qtype == QTYPE_DNSKEY;
	int i = an_tld_find(name, len, th);
	if (i >= 0) {
		a->q[i]++;
		b->q[i]++;
		a->dk[i] += dk;
		b->dk[i] += dk;
		return;
	}
	if (len == 0 || len > LABEL_MAX || (len == 5 && memcmp(name, "other", 5) == 0)) {
		a->oq.other++;
		b->oq.other++;
		a->odk.other += dk;
		b->odk.other += dk;
		return;
	}
	uint64_t h = rank_hash(name, len);
	bk_count(&a->oq, name, len, h, 1);
	bk_count(&b->oq, name, len, h, 1);
	bk_count(&a->odk, name, len, h, dk);
	bk_count(&b->odk, name, len, h, dk);
}

static void bk_merge(bk_t *d, const bk_t *s)
{
	d->other += s->other;
	for (uint32_t i = 0; i < s->used; i++) {
		const ent_t *e = &s->ent[i];
		bk_count(d, e->name, e->len, e->h, e->n);
	}
}

static int tld_merge(void *dst, const void *src)
{
	tld_t *d = dst;
	const tld_t *s = src;
	for (unsigned i = 0; i < AN_TLD_COUNT; i++) {
		d->q[i] += s->q[i];
		d->dk[i] += s->dk[i];
	}
	d->priming += s->priming;
	bk_merge(&d->oq, &s->oq);
	bk_merge(&d->odk, &s->odk);
	return 0;
}

/* One of the two maps, full, as key/count pairs (an array to free, NULL
 * when out of memory): @p dnskey selects the DNSKEY counters. */
static an_kv_t *tld_kv(const tld_t *s, int dnskey, size_t *n)
{
	const bk_t *b = dnskey ? &s->odk : &s->oq;
	an_kv_t *kv = malloc((AN_TLD_COUNT + b->used + 1) * sizeof(*kv));
	size_t k = 0;
	if (kv == NULL)
		return NULL;
	const uint64_t *c = dnskey ? s->dk : s->q;
	for (unsigned i = 0; i < AN_TLD_COUNT; i++)
		if (c[i] != 0)
			kv[k++] = (an_kv_t){ an_tld_names[i], c[i] };
	for (uint32_t i = 0; i < b->used; i++)
		kv[k++] = (an_kv_t){ b->ent[i].name, b->ent[i].n };
	kv[k++] = (an_kv_t){ "other", b->other };
	*n = k;
	return kv;
}

static unsigned cut_of(const tld_t *s)
{
	return s->cfg->scope == AN_SCOPE_INTERVAL ? s->cfg->map_topk_interval : 0;
}

static json_t *tld_map(const tld_t *s, int dnskey)
{
	size_t n;
	an_kv_t *kv = tld_kv(s, dnskey, &n);
	if (kv == NULL)
		return NULL;
	json_t *o = an_json_map(kv, n, cut_of(s));
	free(kv);
	return o;
}

static int tld_emit(const void *st, json_t *figures)
{
	const tld_t *s = st;
	if (json_object_set_new(figures, "queries_by_tld", tld_map(s, 0)) < 0 ||
	    json_object_set_new(figures, "dnskey_by_tld", tld_map(s, 1)) < 0 ||
	    an_json_set_u64(figures, "priming_queries", s->priming) < 0)
		return DW_ENOMEM;
	return 0;
}

/* A per-interval map that the figures cut is kept whole in the sketch, so
 * that merging intervals stays exact (doc/stats-json.md, SKETCH). */
static int tld_save(const void *st, json_t *sketch)
{
	const tld_t *s = st;
	static const char *const key[2] = { "queries_by_tld", "dnskey_by_tld" };
	for (int dnskey = 0; dnskey < 2; dnskey++) {
		size_t n;
		an_kv_t *kv = tld_kv(s, dnskey, &n);
		if (kv == NULL)
			return DW_ENOMEM;
		int rc = an_map_save(sketch, key[dnskey], kv, n, cut_of(s));
		free(kv);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Keys go where observe would have put them ("other" to other): the map
 * @p key from the sketch when it kept the full one, else from the
 * figures. */
static int load_map(tld_t *s, const json_t *figures, const json_t *sketch,
		    const char *key, int dnskey)
{
	json_t *full;
	int rc = an_map_load(sketch, key, &full);
	if (rc < 0)
		return rc;
	json_t *obj = full ? full : json_object_get(figures, key);
	const char *k;
	json_t *val;
	rc = 0;
	if (obj != NULL && !json_is_object(obj))
		rc = DW_EFORMAT;
	else if (obj != NULL)
		json_object_foreach(obj, k, val) {
			if (!json_is_integer(val) || json_integer_value(val) < 0) {
				rc = DW_EFORMAT;
				break;
			}
			uint64_t v = (uint64_t)json_integer_value(val);
			count(s, k, strlen(k), dnskey ? 0 : v, dnskey ? v : 0);
		}
	json_decref(full);
	return rc;
}

static int tld_load(void *st, const json_t *figures, const json_t *sketch)
{
	tld_t *s = st;
	int rc;
	if ((rc = load_map(s, figures, sketch, "queries_by_tld", 0)) < 0 ||
	    (rc = load_map(s, figures, sketch, "dnskey_by_tld", 1)) < 0)
		return rc == DW_ENOMEM ? rc : DW_EFORMAT;
	if (an_json_get_u64(figures, "priming_queries", &s->priming) < 0)
		return DW_EFORMAT;
	return 0;
}

static void tld_fini(void *st)
{
	tld_t *s = st;
	bk_fini(&s->oq);
	bk_fini(&s->odk);
}

const metric_ops_t m_tld = {
	.name = "tld",
	.size = sizeof(tld_t),
	.init = tld_init,
	.observe = tld_observe,
	.merge = tld_merge,
	.emit = tld_emit,
	.save = tld_save,
	.load = tld_load,
	.fini = tld_fini,
	/* not folded: the interval keeps fewer names outside the root zone */
	.observe2 = tld_observe2,
};
