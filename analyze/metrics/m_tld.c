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
 *   - other names: an open-addressing table of at most cfg->tld_other_cap
 *     names (allocated in init), exact while it has room; names that
 *     arrive after it is full, or longer than a label can be (63 bytes,
 *     RFC 1035 2.3.4; escaped bytes make presentation text longer), go to
 *     "other". A TLD literally named "other" goes there too, so the key
 *     stays unambiguous.
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

typedef struct slot {
	char name[LABEL_MAX + 1]; /* NUL-terminated; len 0: empty slot */
	uint8_t len;
	uint64_t q, dk;
} slot_t;

typedef struct tld {
	const an_cfg_t *cfg;
	uint64_t q[AN_TLD_COUNT];  /* root-zone TLDs, by an_tld_names index */
	uint64_t dk[AN_TLD_COUNT];
	uint64_t priming;
	slot_t *slot;              /* [mask + 1], NULL when the cap is 0 */
	uint32_t mask, used, cap;
	uint64_t other_q, other_dk;
} tld_t;

static int tld_init(void *st, const an_cfg_t *cfg)
{
	tld_t *s = st;
	s->cfg = cfg;
	s->cap = cfg->tld_other_cap;
	if (s->cap == 0)
		return 0;
	if (s->cap > (1u << 30))
		return DW_EINVAL;
	/* at most half full, so probes stay short when the table fills */
	uint32_t n = 2;
	while (n < 2 * s->cap)
		n *= 2;
	s->slot = calloc(n, sizeof(*s->slot));
	if (s->slot == NULL)
		return DW_ENOMEM;
	s->mask = n - 1;
	return 0;
}

/* The slot of a name outside the root zone, taken if new and there is
 * room; NULL: count it in "other". */
static slot_t *other_slot(tld_t *s, const char *name, size_t len, uint32_t h)
{
	if (s->slot == NULL || len == 0 || len > LABEL_MAX ||
	    (len == 5 && memcmp(name, "other", 5) == 0))
		return NULL;
	for (uint32_t i = h & s->mask;; i = (i + 1) & s->mask) {
		slot_t *sl = &s->slot[i];
		if (sl->len == 0) {
			if (s->used >= s->cap)
				return NULL;
			memcpy(sl->name, name, len);
			sl->name[len] = '\0';
			sl->len = (uint8_t)len;
			s->used++;
			return sl;
		}
		if (sl->len == len && memcmp(sl->name, name, len) == 0)
			return sl;
	}
}

/* Add @p q queries, @p dk of them DNSKEY, to the TLD @p name. */
static void count(tld_t *s, const char *name, size_t len, uint64_t q, uint64_t dk)
{
	uint32_t h = an_tld_hash(name, len);
	int i = an_tld_find(name, len, h);
	if (i >= 0) {
		s->q[i] += q;
		s->dk[i] += dk;
		return;
	}
	slot_t *sl = other_slot(s, name, len, h);
	if (sl != NULL) {
		sl->q += q;
		sl->dk += dk;
	} else {
		s->other_q += q;
		s->other_dk += dk;
	}
}

static void tld_observe(void *st, const an_obs_t *o)
{
	tld_t *s = st;
	const dw_msg_t *m = o->msg;
	if (m->qr || !m->have_question)
		return;
	if (m->qname_len == 1 && m->qname[0] == 0 && m->qtype == QTYPE_NS &&
	    m->qclass == QCLASS_IN)
		s->priming++;
	if (o->tld != NULL)
		count(s, o->tld, strlen(o->tld), 1, m->qtype == QTYPE_DNSKEY);
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
	d->other_q += s->other_q;
	d->other_dk += s->other_dk;
	if (s->slot != NULL)
		for (uint32_t i = 0; i <= s->mask; i++)
			if (s->slot[i].len != 0)
				count(d, s->slot[i].name, s->slot[i].len,
				      s->slot[i].q, s->slot[i].dk);
	return 0;
}

/* One of the two maps: @p dnskey selects the DNSKEY counters. */
static json_t *tld_map(const tld_t *s, int dnskey, unsigned topk)
{
	size_t n = AN_TLD_COUNT + s->used + 1, k = 0;
	an_kv_t *kv = malloc(n * sizeof(*kv));
	if (kv == NULL)
		return NULL;
	const uint64_t *c = dnskey ? s->dk : s->q;
	for (unsigned i = 0; i < AN_TLD_COUNT; i++)
		if (c[i] != 0)
			kv[k++] = (an_kv_t){ an_tld_names[i], c[i] };
	if (s->slot != NULL)
		for (uint32_t i = 0; i <= s->mask; i++) {
			const slot_t *sl = &s->slot[i];
			uint64_t v = dnskey ? sl->dk : sl->q;
			if (sl->len != 0 && v != 0)
				kv[k++] = (an_kv_t){ sl->name, v };
		}
	kv[k++] = (an_kv_t){ "other", dnskey ? s->other_dk : s->other_q };
	json_t *o = an_json_map(kv, k, topk);
	free(kv);
	return o;
}

static int tld_emit(const void *st, json_t *figures)
{
	const tld_t *s = st;
	unsigned topk = s->cfg->scope == AN_SCOPE_INTERVAL ?
				s->cfg->map_topk_interval : 0;
	if (json_object_set_new(figures, "queries_by_tld", tld_map(s, 0, topk)) < 0 ||
	    json_object_set_new(figures, "dnskey_by_tld", tld_map(s, 1, topk)) < 0 ||
	    an_json_set_u64(figures, "priming_queries", s->priming) < 0)
		return DW_ENOMEM;
	return 0;
}

static int tld_save(const void *st, json_t *sketch)
{
	(void)st;
	(void)sketch;
	return 0;
}

/* Keys go where observe would have put them ("other" to other). A key
 * of a cut DNSKEY map may be missing from the queries map (its queries
 * are in "other" there); it takes a slot with zero queries. */
static int load_map(tld_t *s, json_t *obj, int dnskey)
{
	if (obj == NULL)
		return 0;
	if (!json_is_object(obj))
		return DW_EFORMAT;
	const char *key;
	json_t *val;
	json_object_foreach(obj, key, val) {
		if (!json_is_integer(val) || json_integer_value(val) < 0)
			return DW_EFORMAT;
		uint64_t v = (uint64_t)json_integer_value(val);
		count(s, key, strlen(key), dnskey ? 0 : v, dnskey ? v : 0);
	}
	return 0;
}

static int tld_load(void *st, const json_t *figures, const json_t *sketch)
{
	tld_t *s = st;
	(void)sketch;
	if (load_map(s, json_object_get(figures, "queries_by_tld"), 0) < 0 ||
	    load_map(s, json_object_get(figures, "dnskey_by_tld"), 1) < 0 ||
	    an_json_get_u64(figures, "priming_queries", &s->priming) < 0)
		return DW_EFORMAT;
	return 0;
}

static void tld_fini(void *st)
{
	tld_t *s = st;
	free(s->slot);
	s->slot = NULL;
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
};
