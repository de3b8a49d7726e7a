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
 * single increment.
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

/* Set @p key of @p figures to the map of the non-zero counters. */
static int emit_map(json_t *figures, const char *key, const uint64_t *c,
		    unsigned n, uint64_t other, name_fn name, unsigned topk)
{
	size_t used = 0;
	for (unsigned i = 0; i < n; i++)
		used += c[i] != 0;
	an_kv_t *kv = malloc((used + 1) * sizeof(*kv));
	char (*buf)[16] = malloc((used + 1) * sizeof(*buf));
	json_t *o = NULL;
	if (kv != NULL && buf != NULL) {
		size_t k = 0;
		for (unsigned i = 0; i < n; i++) {
			if (c[i] == 0)
				continue;
			kv[k].key = name(i, buf[k]);
			kv[k].n = c[i];
			k++;
		}
		kv[k].key = "other";
		kv[k].n = other;
		o = an_json_map(kv, k + 1, topk);
	}
	free(kv);
	free(buf);
	if (o == NULL || json_object_set_new(figures, key, o) < 0)
		return DW_ENOMEM;
	return 0;
}

static int codes_emit(const void *st, json_t *figures)
{
	const codes_t *s = st;
	unsigned topk = s->cfg->scope == AN_SCOPE_INTERVAL ?
				s->cfg->map_topk_interval : 0;
	if (emit_map(figures, "qtype", s->qtype, QTYPES, s->qtype_other,
		     qtype_name, topk) < 0 ||
	    emit_map(figures, "rcode", s->rcode, RCODES, s->rcode_other,
		     rcode_name, topk) < 0 ||
	    emit_map(figures, "opcode", s->opcode, OPCODES, s->opcode_other,
		     opcode_name, topk) < 0)
		return DW_ENOMEM;
	return 0;
}

static int codes_save(const void *st, json_t *sketch)
{
	(void)st;
	(void)sketch;
	return 0;
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

static int codes_load(void *st, const json_t *figures, const json_t *sketch)
{
	codes_t *s = st;
	(void)sketch;
	if (load_map(json_object_get(figures, "qtype"), s->qtype, QTYPES,
		     &s->qtype_other, qtype_name, "TYPE") < 0 ||
	    load_map(json_object_get(figures, "rcode"), s->rcode, RCODES,
		     &s->rcode_other, rcode_name, "RCODE") < 0 ||
	    load_map(json_object_get(figures, "opcode"), s->opcode, OPCODES,
		     &s->opcode_other, opcode_name, "OPCODE") < 0)
		return DW_EFORMAT;
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
};
