/*
 * m_codes.c - "qtype", "rcode", "opcode": the header and question codes.
 *
 * qtype: queries by the first question's QTYPE (RFC 1035 4.1.2), named by
 * the IANA registry or "TYPEnnn" (RFC 3597 5); DNSKEY (48) is what key
 * rollovers drive. rcode: responses by RCODE, with the 8 upper bits from
 * the OPT record when there is one (RFC 6891 6.1.3), so BADVERS (16) and
 * the cookie/TSIG codes show; "RCODEnn" for unassigned values. opcode:
 * queries by OPCODE (RFC 1035 4.1.1, RFC 1996, RFC 2136, RFC 8490).
 *
 * Every value is counted exactly in a flat array: a 16-bit QTYPE needs
 * 65536 counters (512 KiB, allocated in init), which keeps observe a
 * single increment. A per-interval map cut to the top keys is saved whole
 * (packed) in the sketch, and load prefers that copy.
 */
#include <stdlib.h>
#include <string.h>

#include "metric.h"

#define QTYPES 65536u
#define RCODES 4096u /* 12-bit extended RCODE */
#define OPCODES 16u

typedef struct codes {
	const an_cfg_t *cfg;
	uint64_t *qtype;       /* [QTYPES] */
	uint64_t rcode[RCODES];
	uint64_t opcode[OPCODES];
	/* "other" of a cut per-interval map read back by load */
	uint64_t qtype_other, rcode_other, opcode_other;
} codes_t;

/* Text of a code: a mnemonic (static) or the numeric form in @p buf. */
typedef const char *(*name_fn)(unsigned v, char buf[16]);

static const char *qtype_name(unsigned v, char buf[16])
{
	return dw_rrtype_str((uint16_t)v, buf);
}

static const char *rcode_name(unsigned v, char buf[16])
{
	return dw_rcode_str((uint16_t)v, buf);
}

static const char *opcode_name(unsigned v, char buf[16])
{
	return dw_opcode_str((uint8_t)v, buf);
}

static int codes_init(void *st, const an_cfg_t *cfg)
{
	codes_t *s = st;
	s->cfg = cfg;
	s->qtype = calloc(QTYPES, sizeof(*s->qtype));
	return s->qtype ? 0 : DW_ENOMEM;
}

static void codes_observe(void *st, const an_obs_t *o)
{
	codes_t *s = st;
	const dw_msg_t *m = o->msg;
	if (m->qr) {
		unsigned rc = m->have_edns ? m->rcode_full : m->rcode;
		s->rcode[rc & (RCODES - 1)]++;
		return;
	}
	s->opcode[m->opcode & (OPCODES - 1)]++;
	if (m->have_question)
		s->qtype[m->qtype]++;
}

static int codes_merge(void *dst, const void *src)
{
	codes_t *d = dst;
	const codes_t *s = src;
	for (unsigned i = 0; i < QTYPES; i++)
		d->qtype[i] += s->qtype[i];
	for (unsigned i = 0; i < RCODES; i++)
		d->rcode[i] += s->rcode[i];
	for (unsigned i = 0; i < OPCODES; i++)
		d->opcode[i] += s->opcode[i];
	d->qtype_other += s->qtype_other;
	d->rcode_other += s->rcode_other;
	d->opcode_other += s->opcode_other;
	return 0;
}

/* The non-zero counters and "other" as key/count pairs, named by @p name
 * into @p *buf; both arrays are the caller's to free. @return the pair
 * count, or 0 with *kv NULL when out of memory. */
static size_t code_kv(const uint64_t *c, unsigned n, uint64_t other, name_fn name,
		      an_kv_t **kv, char (**buf)[16])
{
	size_t used = 0, k = 0;
	for (unsigned i = 0; i < n; i++)
		used += c[i] != 0;
	*kv = malloc((used + 1) * sizeof(**kv));
	*buf = malloc((used + 1) * sizeof(**buf));
	if (*kv == NULL || *buf == NULL) {
		free(*kv);
		free(*buf);
		*kv = NULL;
		*buf = NULL;
		return 0;
	}
	for (unsigned i = 0; i < n; i++) {
		if (c[i] == 0)
			continue;
		(*kv)[k].key = name(i, (*buf)[k]);
		(*kv)[k].n = c[i];
		k++;
	}
	(*kv)[k].key = "other";
	(*kv)[k].n = other;
	return k + 1;
}

/* Set @p key of @p figures to the map of the non-zero counters (cut to
 * @p topk), or, with @p sketch, store the full map there when the
 * figures cut it (an_map_save). */
static int put_map(json_t *figures, json_t *sketch, const char *key,
		   const uint64_t *c, unsigned n, uint64_t other, name_fn name,
		   unsigned topk)
{
	an_kv_t *kv;
	char (*buf)[16];
	size_t k = code_kv(c, n, other, name, &kv, &buf);
	int rc = DW_ENOMEM;
	if (kv == NULL)
		return rc;
	if (sketch != NULL) {
		rc = an_map_save(sketch, key, kv, k, topk);
	} else {
		json_t *o = an_json_map(kv, k, topk);
		if (o != NULL && json_object_set_new(figures, key, o) == 0)
			rc = 0;
	}
	free(kv);
	free(buf);
	return rc;
}

static unsigned cut_of(const codes_t *s)
{
	return s->cfg->scope == AN_SCOPE_INTERVAL ? s->cfg->map_topk_interval : 0;
}

static int codes_put(const codes_t *s, json_t *figures, json_t *sketch)
{
	unsigned topk = cut_of(s);
	if (put_map(figures, sketch, "qtype", s->qtype, QTYPES, s->qtype_other,
		    qtype_name, topk) < 0 ||
	    put_map(figures, sketch, "rcode", s->rcode, RCODES, s->rcode_other,
		    rcode_name, topk) < 0 ||
	    put_map(figures, sketch, "opcode", s->opcode, OPCODES, s->opcode_other,
		    opcode_name, topk) < 0)
		return DW_ENOMEM;
	return 0;
}

static int codes_emit(const void *st, json_t *figures)
{
	return codes_put(st, figures, NULL);
}

/* A per-interval map that the figures cut is kept whole in the sketch, so
 * that merging intervals stays exact (doc/stats-json.md, SKETCH). */
static int codes_save(const void *st, json_t *sketch)
{
	return codes_put(st, NULL, sketch);
}

/*
 * Read a map back: "other", the numeric form @p prefix + decimal, or a
 * mnemonic. Mnemonics are resolved in one pass over all values (not one
 * per key), asking @p name for each: the tables live in lib/dnswire, and
 * a value whose text comes back in @p buf has no mnemonic.
 */
static int load_map(json_t *obj, uint64_t *c, unsigned n, uint64_t *other,
		    name_fn name, const char *prefix)
{
	if (obj == NULL)
		return 0;
	if (!json_is_object(obj))
		return DW_EFORMAT;
	size_t plen = strlen(prefix), mnemonics = 0, matched = 0;
	const char *key;
	json_t *val;
	json_object_foreach(obj, key, val) {
		if (!json_is_integer(val) || json_integer_value(val) < 0)
			return DW_EFORMAT;
		uint64_t v = (uint64_t)json_integer_value(val);
		if (strcmp(key, "other") == 0) {
			*other += v;
			continue;
		}
		const char *d = key + plen;
		if (strncmp(key, prefix, plen) == 0 && *d >= '0' && *d <= '9') {
			char *end;
			unsigned long i = strtoul(d, &end, 10);
			if (*end != '\0' || i >= n)
				return DW_EFORMAT;
			c[i] += v;
			continue;
		}
		mnemonics++;
	}
	for (unsigned i = 0; i < n && matched < mnemonics; i++) {
		char buf[16];
		const char *s = name(i, buf);
		if (s == buf)
			continue;
		val = json_object_get(obj, s);
		if (val != NULL) {
			c[i] += (uint64_t)json_integer_value(val);
			matched++;
		}
	}
	return matched == mnemonics ? 0 : DW_EFORMAT;
}

/* Map @p key: from the sketch when it kept the full map, else from the
 * figures. */
static int load_one(const json_t *figures, const json_t *sketch, const char *key,
		    uint64_t *c, unsigned n, uint64_t *other, name_fn name,
		    const char *prefix)
{
	json_t *full;
	int rc = an_map_load(sketch, key, &full);
	if (rc < 0)
		return rc;
	rc = load_map(full ? full : json_object_get(figures, key), c, n, other,
		      name, prefix);
	json_decref(full);
	return rc;
}

static int codes_load(void *st, const json_t *figures, const json_t *sketch)
{
	codes_t *s = st;
	int rc;
	if ((rc = load_one(figures, sketch, "qtype", s->qtype, QTYPES,
			   &s->qtype_other, qtype_name, "TYPE")) < 0 ||
	    (rc = load_one(figures, sketch, "rcode", s->rcode, RCODES,
			   &s->rcode_other, rcode_name, "RCODE")) < 0 ||
	    (rc = load_one(figures, sketch, "opcode", s->opcode, OPCODES,
			   &s->opcode_other, opcode_name, "OPCODE")) < 0)
		return rc == DW_ENOMEM ? rc : DW_EFORMAT;
	return 0;
}

static void codes_fini(void *st)
{
	codes_t *s = st;
	free(s->qtype);
	s->qtype = NULL;
}

const metric_ops_t m_codes = {
	.name = "codes",
	.size = sizeof(codes_t),
	.init = codes_init,
	.observe = codes_observe,
	.merge = codes_merge,
	.emit = codes_emit,
	.save = codes_save,
	.load = codes_load,
	.fini = codes_fini,
	/* counters: merge is exact, observe the same in both scopes */
	.fold_into_total = 1,
};
