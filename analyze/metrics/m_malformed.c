/*
 * m_malformed.c - "malformed": messages that did not parse completely, by
 * the parser's reason (dw_bad_name()). Root traffic carries plenty of
 * garbage; it is counted, never dropped (DESIGN.md, contracts).
 *
 * Only messages with a header reach observe(), so "short_header" comes
 * from the feed's counters, which the engine adds (an_engine_add_feed).
 */
#include <string.h>

#include "metric.h"

typedef struct malformed {
	const an_cfg_t *cfg;
	uint64_t n[DW_BAD__COUNT]; /* [DW_BAD_NONE] unused */
	uint64_t other;            /* "other" of a cut map read back */
} malformed_t;

static int malformed_init(void *st, const an_cfg_t *cfg)
{
	malformed_t *s = st;
	s->cfg = cfg;
	return 0;
}

static void malformed_observe(void *st, const an_obs_t *o)
{
	malformed_t *s = st;
	dw_bad_t b = o->msg->bad;
	if (b != DW_BAD_NONE && (unsigned)b < DW_BAD__COUNT)
		s->n[b]++;
}

static int malformed_merge(void *dst, const void *src)
{
	malformed_t *d = dst;
	const malformed_t *s = src;
	for (unsigned i = 0; i < DW_BAD__COUNT; i++)
		d->n[i] += s->n[i];
	d->other += s->other;
	return 0;
}

static int malformed_emit(const void *st, json_t *figures)
{
	const malformed_t *s = st;
	unsigned topk = s->cfg->scope == AN_SCOPE_INTERVAL ?
				s->cfg->map_topk_interval : 0;
	an_kv_t kv[DW_BAD__COUNT];
	size_t k = 0;
	for (unsigned i = DW_BAD_NONE + 1; i < DW_BAD__COUNT; i++)
		kv[k++] = (an_kv_t){ dw_bad_name((dw_bad_t)i), s->n[i] };
	kv[k++] = (an_kv_t){ "other", s->other };
	json_t *m = an_json_map(kv, k, topk);
	if (m == NULL || json_object_set_new(figures, "malformed", m) < 0)
		return DW_ENOMEM;
	return 0;
}

static int malformed_save(const void *st, json_t *sketch)
{
	(void)st;
	(void)sketch;
	return 0;
}

static int malformed_load(void *st, const json_t *figures, const json_t *sketch)
{
	malformed_t *s = st;
	(void)sketch;
	json_t *m = json_object_get(figures, "malformed");
	if (m == NULL)
		return 0;
	if (!json_is_object(m))
		return DW_EFORMAT;
	const char *key;
	json_t *val;
	json_object_foreach(m, key, val) {
		if (!json_is_integer(val) || json_integer_value(val) < 0)
			return DW_EFORMAT;
		uint64_t v = (uint64_t)json_integer_value(val);
		uint64_t *c = strcmp(key, "other") == 0 ? &s->other : NULL;
		for (unsigned i = DW_BAD_NONE + 1; c == NULL && i < DW_BAD__COUNT; i++)
			if (strcmp(key, dw_bad_name((dw_bad_t)i)) == 0)
				c = &s->n[i];
		if (c == NULL)
			return DW_EFORMAT;
		*c += v;
	}
	return 0;
}

static void malformed_fini(void *st)
{
	(void)st;
}

const metric_ops_t m_malformed = {
	.name = "malformed",
	.size = sizeof(malformed_t),
	.init = malformed_init,
	.observe = malformed_observe,
	.merge = malformed_merge,
	.emit = malformed_emit,
	.save = malformed_save,
	.load = malformed_load,
	.fini = malformed_fini,
	/* counters: merge is exact, observe the same in both scopes */
	.fold_into_total = 1,
};
