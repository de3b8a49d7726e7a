/*
 * spacesaving.c - Space-Saving heavy hitters: table, stream-summary,
 * merge, text form. See spacesaving.h for the algorithm and its guarantees.
 *
 * Why merge keeps the guarantees (summaries A and B over streams of
 * weight N_A and N_B, ub_X(k) = count in X if monitored, else min_X when
 * X is full, else 0; min_X is an_ss_min()):
 *
 *  - upper bound: the merged count of k is ub_A(k) + ub_B(k), and each
 *    term bounds k's true count in that stream (an unmonitored key of a
 *    full summary has a true count <= its minimum: Metwally et al.,
 *    Lemma 3.4);
 *  - lower bound: count - error adds the lower bounds of both sides (an
 *    absent key contributes min - min = 0);
 *  - error <= N/M: the errors of each side are <= N_A/M and <= N_B/M;
 *  - minimum bounds the unmonitored: every candidate count is >=
 *    min_A + min_B, which bounds keys absent from both, and a candidate
 *    cut off has a count <= the M-th largest, the new minimum;
 *  - heavy keys kept: in one summary the counts sum to at most N (each
 *    update adds its weight to one counter), and any M distinct keys have
 *    ub summing to at most N (an unmonitored key's ub, the minimum, is <=
 *    any monitored count it displaces). So the M largest merged counts
 *    sum to <= N_A + N_B, and a key cut off has count <= N/M: a key with
 *    a true count > N/M survives (Agarwal et al. 2012, section 3, for
 *    the isomorphic Misra-Gries summary).
 */
#include <stdlib.h>
#include <string.h>

#include "rootlens/errcode.h"
#include "sketch/b64.h"
#include "sketch/spacesaving.h"

#define SS_CAP_MAX (1u << 24)
#define SS_VERSION 1
#define SS_HDR (1 + 4 + 8 + 4)
#define SS_REC_MAX (2 + 16 + 8 + 8)

#define NIL UINT32_MAX

typedef struct entry {
	an_ss_item_t it;   /* it.count == its bucket's count */
	uint32_t h;        /* low 32 bits of the key hash: table home, quick compare */
	uint32_t bucket;
	uint32_t prev, next; /* the bucket's counters */
} entry_t;

/* Metwally et al.'s Stream-Summary: one bucket per distinct count, in a
 * list by ascending count, each holding its counters in a list. A unit
 * increment moves a counter to the next bucket or a new one beside it,
 * and the minimum is the first bucket: O(1), where a heap would sift
 * through log2(M) levels on every eviction (measured: 3-4 times slower
 * on a stream of mostly new sources, the common case at a root). */
typedef struct bucket {
	uint64_t count;
	uint32_t head;       /* first counter */
	uint32_t prev, next; /* neighbouring counts; next is also the free list */
} bucket_t;

struct an_ss {
	unsigned cap;
	uint32_t n;        /* counters in use */
	uint64_t total;    /* N */
	entry_t *e;        /* cap counters; an index stays with its counter */
	bucket_t *b;       /* cap buckets: never more counts than counters */
	uint32_t bmin;     /* first (lowest) bucket, NIL when empty */
	uint32_t bfree;    /* free buckets, through next */
	uint64_t *tab;     /* hash << 32 | counter index + 1; 0 empty */
	uint32_t mask;     /* table size - 1 */
};

/* Empty: no counters, all buckets free, table empty. */
static void clear(an_ss_t *s)
{
	memset(s->tab, 0, ((size_t)s->mask + 1) * sizeof(*s->tab));
	s->n = 0;
	s->total = 0;
	s->bmin = NIL;
	for (uint32_t i = 0; i < s->cap; i++)
		s->b[i].next = i + 1 < s->cap ? i + 1 : NIL;
	s->bfree = 0;
}

int an_ss_new(an_ss_t **sp, unsigned capacity)
{
	an_ss_t *s;
	uint32_t tsize = 1;

	*sp = NULL;
	if (capacity < 1 || capacity > SS_CAP_MAX)
		return DW_EINVAL;
	/* Load factor <= 1/2 keeps linear-probing chains short (Knuth,
	 * TAOCP 6.4: about 1.5 probes for a hit, 2.5 for a miss). */
	while (tsize < 2 * capacity)
		tsize <<= 1;
	if (!(s = calloc(1, sizeof(*s))))
		return DW_ENOMEM;
	s->cap = capacity;
	s->mask = tsize - 1;
	s->e = calloc(capacity, sizeof(*s->e));
	s->b = calloc(capacity, sizeof(*s->b));
	s->tab = calloc(tsize, sizeof(*s->tab));
	if (!s->e || !s->b || !s->tab) {
		an_ss_free(s);
		return DW_ENOMEM;
	}
	clear(s);
	*sp = s;
	return 0;
}

void an_ss_free(an_ss_t *s)
{
	if (!s)
		return;
	free(s->e);
	free(s->b);
	free(s->tab);
	free(s);
}

uint64_t an_ss_total(const an_ss_t *s)
{
	return s->total;
}

size_t an_ss_size(const an_ss_t *s)
{
	return s->n;
}

unsigned an_ss_capacity(const an_ss_t *s)
{
	return s->cap;
}

uint64_t an_ss_min(const an_ss_t *s)
{
	return s->n == s->cap ? s->b[s->bmin].count : 0;
}

/* ---- hash table --------------------------------------------------------- */

/* The hash sits in the slot beside the index, so probing past other keys
 * compares hashes without touching their counters (a cache miss each). */
static inline uint64_t slot_val(uint32_t idx, uint32_t h)
{
	return (uint64_t)h << 32 | (idx + 1);
}

static inline uint32_t slot_idx(uint64_t v)
{
	return (uint32_t)v - 1;
}

/* memcmp(a, b, sizeof(*a)) == 0, in three loads a side: keys are
 * compared on every probe that matches a hash. */
static inline int key_eq(const an_ss_key_t *a, const an_ss_key_t *b)
{
	const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
	uint64_t x0, x1, y0, y1;
	uint16_t x2, y2;

	_Static_assert(sizeof(an_ss_key_t) == 18, "an_ss_key_t is 18 bytes, unpadded");
	memcpy(&x0, x, 8);
	memcpy(&y0, y, 8);
	memcpy(&x1, x + 8, 8);
	memcpy(&y1, y + 8, 8);
	memcpy(&x2, x + 16, 2);
	memcpy(&y2, y + 16, 2);
	return ((x0 ^ y0) | (x1 ^ y1) | (uint16_t)(x2 ^ y2)) == 0;
}

/* Table slot holding @p k, or the empty slot where it would go. */
static inline uint32_t tab_find(const an_ss_t *s, const an_ss_key_t *k, uint32_t h)
{
	uint32_t i = h & s->mask;
	uint64_t v;

	while ((v = s->tab[i]) != 0) {
		if ((uint32_t)(v >> 32) == h && key_eq(&s->e[slot_idx(v)].it.key, k))
			break;
		i = (i + 1) & s->mask;
	}
	return i;
}

/* The empty slot where a key known to be absent, of hash @p h, goes:
 * what tab_find() returns for it, without comparing keys. */
static inline uint32_t tab_empty(const an_ss_t *s, uint32_t h)
{
	uint32_t i = h & s->mask;

	while (s->tab[i] != 0)
		i = (i + 1) & s->mask;
	return i;
}

/* Table slot of counter @p idx (present), found by index alone. */
static inline uint32_t tab_slot(const an_ss_t *s, uint32_t idx, uint32_t h)
{
	uint32_t i = h & s->mask;

	while (s->tab[i] != slot_val(idx, h))
		i = (i + 1) & s->mask;
	return i;
}

/* Empty slot @p i by shifting later members of its cluster back (Knuth,
 * TAOCP 6.4 Algorithm R): a member may move to i when its home is not
 * cyclically within (i, j]. */
static inline void tab_del(an_ss_t *s, uint32_t i)
{
	uint32_t j = i;
	uint64_t v;

	for (;;) {
		j = (j + 1) & s->mask;
		if (!(v = s->tab[j]))
			break;
		uint32_t home = (uint32_t)(v >> 32) & s->mask;
		if (((j - home) & s->mask) >= ((j - i) & s->mask)) {
			s->tab[i] = v;
			i = j;
		}
	}
	s->tab[i] = 0;
}

/* ---- stream-summary ------------------------------------------------------ */

/* A bucket of @p count after bucket @p after (NIL: at the front). The
 * callers free before they allocate, so one is always free. */
static inline uint32_t bucket_new(an_ss_t *s, uint32_t after, uint64_t count)
{
	uint32_t i = s->bfree;
	bucket_t *b = &s->b[i];

	s->bfree = b->next;
	b->count = count;
	b->head = NIL;
	b->prev = after;
	b->next = after == NIL ? s->bmin : s->b[after].next;
	if (b->next != NIL)
		s->b[b->next].prev = i;
	if (after == NIL)
		s->bmin = i;
	else
		s->b[after].next = i;
	return i;
}

static void link_entry(an_ss_t *s, uint32_t idx, uint32_t bi)
{
	entry_t *e = &s->e[idx];
	bucket_t *b = &s->b[bi];

	e->bucket = bi;
	e->it.count = b->count;
	e->prev = NIL;
	e->next = b->head;
	if (b->head != NIL)
		s->e[b->head].prev = idx;
	b->head = idx;
}

/* Take counter @p idx out of its bucket, freeing the bucket when it
 * empties. @return the bucket to search upwards from for the new count:
 * the old one, or the one below it when it was freed (NIL: the front). */
static uint32_t unlink_entry(an_ss_t *s, uint32_t idx)
{
	entry_t *e = &s->e[idx];
	uint32_t bi = e->bucket;
	bucket_t *b = &s->b[bi];

	if (e->prev != NIL)
		s->e[e->prev].next = e->next;
	else
		b->head = e->next;
	if (e->next != NIL)
		s->e[e->next].prev = e->prev;
	if (b->head != NIL)
		return bi;
	if (b->prev != NIL)
		s->b[b->prev].next = b->next;
	else
		s->bmin = b->next;
	if (b->next != NIL)
		s->b[b->next].prev = b->prev;
	uint32_t below = b->prev;
	b->next = s->bfree;
	s->bfree = bi;
	return below;
}

/* Link counter @p idx (in no bucket) with @p count, searching up from
 * bucket @p from (count <= @p count; NIL: from the front). One step for
 * a unit increment; a weighted one walks the counts in between. */
static void place(an_ss_t *s, uint32_t idx, uint32_t from, uint64_t count)
{
	uint32_t t = from, nx = from == NIL ? s->bmin : s->b[from].next;

	while (nx != NIL && s->b[nx].count <= count) {
		t = nx;
		nx = s->b[t].next;
	}
	if (t == NIL || s->b[t].count != count)
		t = bucket_new(s, t, count);
	link_entry(s, idx, t);
}

static void increment(an_ss_t *s, uint32_t idx, uint64_t w)
{
	entry_t *e = &s->e[idx];
	bucket_t *b = &s->b[e->bucket];
	uint64_t c = b->count + w;

	/* Alone in its bucket, and the next count is higher: the bucket's
	 * count just changes (the common case for a heavy key). */
	if (e->prev == NIL && e->next == NIL && (b->next == NIL || s->b[b->next].count > c)) {
		b->count = c;
		e->it.count = c;
		return;
	}
	place(s, idx, unlink_entry(s, idx), c);
}

/* increment(s, idx, 1), the per-query case, spelled out: the same list
 * operations in the same order (the counter goes to the head of the
 * bucket of count + 1, which follows its bucket or is made after it), so
 * the same counter is evicted next. */
static inline __attribute__((always_inline)) void increment1(an_ss_t *s, uint32_t idx)
{
	entry_t *e = &s->e[idx];
	uint32_t bi = e->bucket, nb, p = e->prev, n = e->next, t;
	bucket_t *b = &s->b[bi];
	uint64_t c = b->count + 1;

	nb = b->next;
	if (p == NIL && n == NIL) {
		if (nb == NIL || s->b[nb].count != c) {
			/* alone, and no bucket of c: the bucket's count changes */
			b->count = c;
			e->it.count = c;
			return;
		}
		/* alone, into the next bucket: free this one */
		b->head = NIL;
		if (b->prev != NIL)
			s->b[b->prev].next = nb;
		else
			s->bmin = nb;
		s->b[nb].prev = b->prev;
		b->next = s->bfree;
		s->bfree = bi;
		t = nb;
	} else {
		if (p != NIL)
			s->e[p].next = n;
		else
			b->head = n;
		if (n != NIL)
			s->e[n].prev = p;
		t = nb != NIL && s->b[nb].count == c ? nb : bucket_new(s, bi, c);
	}
	bucket_t *tb = &s->b[t];
	e->bucket = t;
	e->it.count = c;
	e->prev = NIL;
	e->next = tb->head;
	if (tb->head != NIL)
		s->e[tb->head].prev = idx;
	tb->head = idx;
}

/* ---- updates ------------------------------------------------------------ */

/* A key known to be absent, of hash @p h, takes a counter: a free one,
 * else the one with the minimum count, whose count becomes the
 * newcomer's error, as the newcomer may have been counted there before
 * it was evicted (Metwally et al., section 3.1). The counter is left
 * where it was in the stream-summary (a free one: in no bucket, count
 * 0): the caller increments it. @p slot: the empty table slot found for
 * the key. @return its index. */
static inline __attribute__((always_inline)) uint32_t
take(an_ss_t *s, const an_ss_key_t *k, uint32_t h, uint32_t slot, int *fresh)
{
	uint32_t idx;
	entry_t *e;

	if (s->n < s->cap) {
		idx = s->n++;
		e = &s->e[idx];
		e->it.key = *k;
		e->it.err = 0;
		e->h = h;
		s->tab[slot] = slot_val(idx, h);
		*fresh = 1;
		return idx;
	}
	idx = s->b[s->bmin].head;
	e = &s->e[idx];
	tab_del(s, tab_slot(s, idx, e->h));
	e->it.key = *k;
	e->it.err = e->it.count;
	e->h = h;
	/* The deletion may have moved the empty slot found above; @p k is
	 * still absent, so the first empty slot from its home is its place. */
	s->tab[tab_empty(s, h)] = slot_val(idx, h);
	*fresh = 0;
	return idx;
}

void an_ss_add_hashed(an_ss_t *s, const an_ss_key_t *k, uint64_t h64, uint64_t w)
{
	uint32_t h = (uint32_t)h64, slot, idx;
	int fresh;

	if (!w)
		return;
	slot = tab_find(s, k, h);
	s->total += w;
	if (s->tab[slot]) {
		if (w == 1)
			increment1(s, slot_idx(s->tab[slot]));
		else
			increment(s, slot_idx(s->tab[slot]), w);
		return;
	}
	idx = take(s, k, h, slot, &fresh);
	if (fresh)
		place(s, idx, NIL, w);
	else if (w == 1)
		increment1(s, idx);
	else
		increment(s, idx, w);
}

uint32_t an_ss_add1(an_ss_t *s, const an_ss_key_t *k, uint64_t h64, int *taken)
{
	uint32_t h = (uint32_t)h64, slot = tab_find(s, k, h), idx;
	int fresh;

	s->total++;
	if (s->tab[slot]) {
		idx = slot_idx(s->tab[slot]);
		increment1(s, idx);
		*taken = 0;
		return idx;
	}
	*taken = 1;
	idx = take(s, k, h, slot, &fresh);
	if (fresh)
		place(s, idx, NIL, 1);
	else
		increment1(s, idx);
	return idx;
}

void an_ss_add(an_ss_t *s, const an_ss_key_t *k, uint64_t w)
{
	an_ss_add_hashed(s, k, an_ss_key_hash(k), w);
}

int an_ss_get(const an_ss_t *s, const an_ss_key_t *k, an_ss_item_t *out)
{
	uint32_t slot = tab_find(s, k, (uint32_t)an_ss_key_hash(k));

	if (!s->tab[slot])
		return 0;
	*out = s->e[slot_idx(s->tab[slot])].it;
	return 1;
}

/* ---- ordering, listing, rebuilding --------------------------------------- */

/* <0 when a ranks before b: count descending, then key bytes. */
static int item_rank(const an_ss_item_t *a, const an_ss_item_t *b)
{
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return memcmp(&a->key, &b->key, sizeof(a->key));
}

static int entry_cmp(const void *a, const void *b)
{
	return item_rank(&((const entry_t *)a)->it, &((const entry_t *)b)->it);
}

size_t an_ss_top_idx(const an_ss_t *s, an_ss_item_t *out, uint32_t *idx, size_t k)
{
	size_t got = 0;

	if (!k)
		return 0;
	/* Insertion into a sorted array of k: k is small (a printed list of
	 * 10-20), the summary a few thousand counters. */
	for (uint32_t i = 0; i < s->n; i++) {
		const an_ss_item_t *it = &s->e[i].it;
		size_t at;
		if (got == k && item_rank(it, &out[k - 1]) >= 0)
			continue;
		at = got < k ? got++ : k - 1;
		while (at > 0 && item_rank(it, &out[at - 1]) < 0) {
			out[at] = out[at - 1];
			if (idx)
				idx[at] = idx[at - 1];
			at--;
		}
		out[at] = *it;
		if (idx)
			idx[at] = i;
	}
	return got;
}

size_t an_ss_top(const an_ss_t *s, an_ss_item_t *out, size_t k)
{
	return an_ss_top_idx(s, out, NULL, k);
}

/* A counter index and its item, to sort indices by item_rank. */
typedef struct ranked {
	const an_ss_item_t *it;
	uint32_t idx;
} ranked_t;

static int ranked_cmp(const void *a, const void *b)
{
	return item_rank(((const ranked_t *)a)->it, ((const ranked_t *)b)->it);
}

int an_ss_order(const an_ss_t *s, uint32_t *idx)
{
	ranked_t *r = malloc(((size_t)s->n + 1) * sizeof(*r));

	if (!r)
		return DW_ENOMEM;
	for (uint32_t i = 0; i < s->n; i++) {
		r[i].it = &s->e[i].it;
		r[i].idx = i;
	}
	qsort(r, s->n, sizeof(*r), ranked_cmp);
	for (uint32_t i = 0; i < s->n; i++)
		idx[i] = r[i].idx;
	free(r);
	return 0;
}

/*
 * Replace the contents of @p s by @p n entries sorted by entry_cmp (n <=
 * cap, keys distinct, counts >= 1). Taken from the smallest up, each
 * count goes into the last bucket or a new one after it.
 */
static void rebuild(an_ss_t *s, const entry_t *v, uint32_t n, uint64_t total)
{
	uint32_t last = NIL;

	clear(s);
	s->n = n;
	s->total = total;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t idx = n - 1 - i;
		s->e[idx] = v[idx];
		s->tab[tab_find(s, &v[idx].it.key, v[idx].h)] = slot_val(idx, v[idx].h);
		if (last == NIL || s->b[last].count != v[idx].it.count)
			last = bucket_new(s, last, v[idx].it.count);
		link_entry(s, idx, last);
	}
}

int an_ss_merge_map(an_ss_t *dst, const an_ss_t *src, uint32_t *from_dst, uint32_t *from_src)
{
	uint64_t min_d = an_ss_min(dst), min_s = an_ss_min(src);
	entry_t *v;
	uint32_t nv = 0, keep;

	if (dst->cap != src->cap)
		return DW_EINVAL;
	if (!(v = malloc(((size_t)dst->n + src->n + 1) * sizeof(*v))))
		return DW_ENOMEM;
	/* Where each candidate came from rides in its list links (prev: its
	 * index in dst, next: in src), which rebuild() sets afresh. */
	for (uint32_t i = 0; i < dst->n; i++) {
		entry_t e = dst->e[i];
		uint32_t slot = tab_find(src, &e.it.key, e.h);
		e.prev = i;
		e.next = NIL;
		if (src->tab[slot]) {
			const an_ss_item_t *o = &src->e[slot_idx(src->tab[slot])].it;
			e.it.count += o->count;
			e.it.err += o->err;
			e.next = slot_idx(src->tab[slot]);
		} else {
			e.it.count += min_s;
			e.it.err += min_s;
		}
		v[nv++] = e;
	}
	for (uint32_t i = 0; i < src->n; i++) {
		entry_t e = src->e[i];
		if (dst->tab[tab_find(dst, &e.it.key, e.h)])
			continue;
		e.it.count += min_d;
		e.it.err += min_d;
		e.prev = NIL;
		e.next = i;
		v[nv++] = e;
	}
	qsort(v, nv, sizeof(*v), entry_cmp);
	keep = nv < dst->cap ? nv : dst->cap;
	for (uint32_t i = 0; i < keep; i++) {
		if (from_dst)
			from_dst[i] = v[i].prev == NIL ? AN_SS_NONE : v[i].prev;
		if (from_src)
			from_src[i] = v[i].next == NIL ? AN_SS_NONE : v[i].next;
	}
	rebuild(dst, v, keep, dst->total + src->total);
	free(v);
	return 0;
}

int an_ss_merge(an_ss_t *dst, const an_ss_t *src)
{
	return an_ss_merge_map(dst, src, NULL, NULL);
}

/* ---- text form ----------------------------------------------------------- */

static uint8_t *put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		*p++ = (uint8_t)(v >> (8 * i));
	return p;
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

int an_ss_save(const an_ss_t *s, char **out)
{
	entry_t *v = malloc(((size_t)s->n + 1) * sizeof(*v));
	uint8_t *buf = malloc(SS_HDR + (size_t)s->n * SS_REC_MAX), *p = buf;
	int rc = DW_ENOMEM;

	*out = NULL;
	if (!v || !buf)
		goto out;
	/* Sorted, so a summary has one text form whatever its history. */
	memcpy(v, s->e, (size_t)s->n * sizeof(*v));
	qsort(v, s->n, sizeof(*v), entry_cmp);
	*p++ = SS_VERSION;
	p = put_le(p, s->cap, 4);
	p = put_le(p, s->total, 8);
	p = put_le(p, s->n, 4);
	for (uint32_t i = 0; i < s->n; i++) {
		const an_ss_item_t *it = &v[i].it;
		unsigned alen = it->key.ipver == 6 ? 16 : 4;
		*p++ = it->key.ipver;
		*p++ = it->key.plen;
		memcpy(p, it->key.addr, alen);
		p += alen;
		p = put_le(p, it->count, 8);
		p = put_le(p, it->err, 8);
	}
	rc = an_blob_pack(buf, (size_t)(p - buf), out);
out:
	free(v);
	free(buf);
	return rc;
}

/* The key's bits after plen are zero (canonical, as an_ss_key_set()). */
static int key_canonical(const an_ss_key_t *k)
{
	unsigned full = k->plen / 8;

	if (k->plen % 8 && (k->addr[full++] & (0xffu >> (k->plen % 8))))
		return 0;
	for (unsigned i = full; i < 16; i++)
		if (k->addr[i])
			return 0;
	return 1;
}

int an_ss_load(an_ss_t *s, const char *str)
{
	size_t cap = SS_HDR + (size_t)s->cap * SS_REC_MAX, len;
	uint8_t *buf = malloc(cap);
	entry_t *v = malloc(((size_t)s->cap + 1) * sizeof(*v));
	an_ss_t *chk = NULL;
	const uint8_t *p, *end;
	uint64_t total, sum = 0;
	uint32_t n;
	int rc = DW_ENOMEM;

	if (!buf || !v)
		goto out;
	if ((rc = an_blob_unpack(str, buf, cap, &len)) < 0)
		goto out;
	rc = DW_EFORMAT;
	p = buf;
	end = buf + len;
	if (len < SS_HDR || p[0] != SS_VERSION || get_le(p + 1, 4) != s->cap)
		goto out;
	total = get_le(p + 5, 8);
	n = (uint32_t)get_le(p + 13, 4);
	p += SS_HDR;
	if (n > s->cap)
		goto out;
	/* A scratch table finds duplicate keys (a fresh summary of the
	 * same capacity: no eviction can happen with n <= cap). */
	if (an_ss_new(&chk, s->cap) < 0) {
		rc = DW_ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		entry_t *e = &v[i];
		unsigned alen;
		memset(e, 0, sizeof(*e));
		if (end - p < 2)
			goto out;
		e->it.key.ipver = p[0];
		e->it.key.plen = p[1];
		p += 2;
		if (e->it.key.ipver != 4 && e->it.key.ipver != 6 &&
		    (e->it.key.ipver != AN_SS_ASN || e->it.key.plen != 32))
			goto out;
		alen = e->it.key.ipver == 6 ? 16 : 4;
		if (e->it.key.plen > alen * 8 || (size_t)(end - p) < alen + 16)
			goto out;
		memcpy(e->it.key.addr, p, alen);
		p += alen;
		e->it.count = get_le(p, 8);
		e->it.err = get_le(p + 8, 8);
		p += 16;
		if (!key_canonical(&e->it.key) || e->it.count == 0 ||
		    e->it.err > e->it.count || e->it.count > total - sum)
			goto out;
		sum += e->it.count;
		e->h = (uint32_t)an_ss_key_hash(&e->it.key);
		if (chk->tab[tab_find(chk, &e->it.key, e->h)])
			goto out;
		an_ss_add_hashed(chk, &e->it.key, an_ss_key_hash(&e->it.key), 1);
	}
	if (p != end)
		goto out;
	qsort(v, n, sizeof(*v), entry_cmp);
	rebuild(s, v, n, total);
	rc = 0;
out:
	an_ss_free(chk);
	free(buf);
	free(v);
	return rc;
}
