/*
 * evidence.c - the evidence record of a heavy sender: question hash,
 * merge, JSON and text forms. See evidence.h.
 */
#include <stdlib.h>
#include <string.h>

#include "metric.h"
#include "rootlens/errcode.h"
#include "sketch/b64.h"
#include "sketch/evidence.h"
#include "sketch/hll.h"

#define EV_VERSION 1
#define U32S_VERSION 1
#define VARINT_MAX 10
/* The most one record packs to: 3 + AN_EV_NQT + 1 + 1 varints, and per
 * slot three varints, a length byte and a name. */
#define EV_REC_MAX ((3 + AN_EV_NQT + 2) * VARINT_MAX + \
		    AN_EV_SLOTS * (3 * VARINT_MAX + 1 + DW_NAME_MAXLEN))

/* Query types counted by name, in the order of an_ev_t.qt. */
static const struct {
	uint16_t type;
	const char *name;
} qt_named[AN_EV_NQT] = {
	{ 1, "A" }, { 2, "NS" }, { 6, "SOA" }, { 12, "PTR" }, { 15, "MX" }, { 16, "TXT" },
	{ 28, "AAAA" }, { 33, "SRV" }, { 43, "DS" }, { 48, "DNSKEY" }, { 255, "ANY" },
};

unsigned an_ev_qt_slot(uint16_t qtype)
{
	switch (qtype) {
	case 1: return 0;
	case 2: return 1;
	case 6: return 2;
	case 12: return 3;
	case 15: return 4;
	case 16: return 5;
	case 28: return 6;
	case 33: return 7;
	case 43: return 8;
	case 48: return 9;
	case 255: return 10;
	default: return AN_EV_NQT;
	}
}

const char *an_ev_qt_name(unsigned i)
{
	return i < AN_EV_NQT ? qt_named[i].name : "other";
}

/* Each byte of @p x in 'A'..'Z' plus 0x20, the others unchanged, eight
 * at a time: a byte b < 0x80 is upper case when b + (0x80 - 'A') has its
 * top bit set and b + (0x80 - 'Z' - 1) has not. */
static inline uint64_t lower8(uint64_t x)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), top = ones * 0x80;
	uint64_t low7 = x & ~top;
	uint64_t ge_a = low7 + ones * (0x80 - 'A');
	uint64_t gt_z = low7 + ones * (0x80 - 'Z' - 1);
	uint64_t upper = ge_a & ~gt_z & ~x & top;
	return x | (upper >> 2);
}

uint64_t an_ev_qhash(const uint8_t *name, size_t len, uint16_t qtype)
{
	/* One multiply and rotate per eight bytes, the splitmix64 finaliser
	 * at the end: a slot identity within one run, never saved (a loaded
	 * record hashes its names again), so it may differ between hosts. */
	const uint64_t k = UINT64_C(0x9e3779b97f4a7c15);
	uint64_t h = AN_HASH_SEED(len) ^ ((uint64_t)qtype << 48), w;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, name + i, 8);
		h = (h ^ lower8(w)) * k;
		h = h << 29 | h >> 35;
	}
	if (i < len) {
		w = 0;
		memcpy(&w, name + i, len - i);
		h = (h ^ lower8(w)) * k;
	}
	h = an_hash_mix(h);
	return h ? h : 1; /* 0 marks a free slot */
}

void an_ev_q_set(an_ev_q_t *q, const dw_msg_t *m, unsigned tcp)
{
	q->tcp = tcp ? 1 : 0;
	q->dobit = m->have_edns && m->edns_do;
	q->have_q = m->have_question && m->qname_len > 0;
	if (q->have_q) {
		q->name = m->qname;
		q->len = m->qname_len;
		q->qtype = m->qtype;
		q->qt = (uint8_t)an_ev_qt_slot(m->qtype);
		q->h = an_ev_qhash(m->qname, m->qname_len, m->qtype);
	} else {
		q->name = NULL;
		q->len = 0;
		q->qtype = 0;
		q->qt = AN_EV_NQT;
		q->h = 0;
	}
}

/* ---- question order and merge ---------------------------------------------- */

static inline uint8_t lc(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 0x20) : c;
}

/* <0 when question slot @p p (QNAME @p pn) ranks before @p q (@p qn):
 * count descending, then the lowercased QNAME bytes, then the type. */
static int rank2(const an_ev_slot_t *p, const uint8_t *pn, const an_ev_slot_t *q,
		 const uint8_t *qn)
{
	size_t n = p->len < q->len ? p->len : q->len;

	if (p->count != q->count)
		return p->count > q->count ? -1 : 1;
	for (size_t i = 0; i < n; i++) {
		uint8_t u = lc(pn[i]), v = lc(qn[i]);
		if (u != v)
			return u < v ? -1 : 1;
	}
	if (p->len != q->len)
		return p->len < q->len ? -1 : 1;
	return p->qtype < q->qtype ? -1 : p->qtype > q->qtype;
}

static int slot_rank(const an_ev_t *x, unsigned a, const an_ev_t *y, unsigned b)
{
	return rank2(&x->q[a], x->name[a], &y->q[b], y->name[b]);
}

unsigned an_ev_order(const an_ev_t *e, unsigned order[AN_EV_SLOTS])
{
	unsigned n = e->nslots > AN_EV_SLOTS ? AN_EV_SLOTS : e->nslots;

	for (unsigned i = 0; i < n; i++) {
		unsigned at = i;
		while (at > 0 && slot_rank(e, i, e, order[at - 1]) < 0) {
			order[at] = order[at - 1];
			at--;
		}
		order[at] = i;
	}
	return n;
}

static uint64_t slot_min(const an_ev_t *e)
{
	uint64_t m = UINT64_MAX;

	if (e->nslots < AN_EV_SLOTS)
		return 0; /* not full: an absent question was never seen */
	for (unsigned i = 0; i < AN_EV_SLOTS; i++)
		if (e->q[i].count < m)
			m = e->q[i].count;
	return m;
}

void an_ev_merge(an_ev_t *d, const an_ev_t *s)
{
	an_ev_slot_t cand[2 * AN_EV_SLOTS];
	uint8_t cname[2 * AN_EV_SLOTS][DW_NAME_MAXLEN];
	unsigned nc = 0, used[AN_EV_SLOTS] = { 0 }, keep;
	uint64_t min_d = slot_min(d), min_s = slot_min(s);

	d->n += s->n;
	d->tcp += s->tcp;
	d->dobit += s->dobit;
	for (unsigned i = 0; i <= AN_EV_NQT; i++)
		d->qt[i] += s->qt[i];
	/* candidates, inserted in canonical order */
	for (unsigned side = 0; side < 2; side++) {
		const an_ev_t *x = side ? s : d;
		for (unsigned i = 0; i < x->nslots; i++) {
			an_ev_slot_t c = x->q[i];
			if (side == 0) {
				unsigned j;
				for (j = 0; j < s->nslots && s->q[j].h != c.h; j++)
					;
				if (j < s->nslots) {
					c.count += s->q[j].count;
					c.err += s->q[j].err;
					used[j] = 1;
				} else {
					c.count += min_s;
					c.err += min_s;
				}
			} else {
				if (used[i])
					continue;
				c.count += min_d;
				c.err += min_d;
			}
			unsigned at = nc++;
			while (at > 0 && rank2(&c, x->name[i], &cand[at - 1], cname[at - 1]) < 0) {
				cand[at] = cand[at - 1];
				memcpy(cname[at], cname[at - 1], cand[at].len);
				at--;
			}
			cand[at] = c;
			memcpy(cname[at], x->name[i], c.len);
		}
	}
	keep = nc < AN_EV_SLOTS ? nc : AN_EV_SLOTS;
	for (unsigned k = 0; k < AN_EV_SLOTS; k++) {
		if (k >= keep) {
			memset(&d->q[k], 0, sizeof(d->q[k])); /* free: hash 0 */
			continue;
		}
		d->q[k] = cand[k];
		memcpy(d->name[k], cname[k], cand[k].len);
	}
	d->nslots = keep;
}

/* ---- JSON ------------------------------------------------------------------- */

json_t *an_ev_json(const an_ev_t *e)
{
	an_kv_t kv[AN_EV_NQT + 1];
	json_t *o = json_object(), *tr = NULL, *arr = NULL, *m;
	unsigned order[AN_EV_SLOTS], ns;

	if (!o)
		return NULL;
	for (unsigned i = 0; i <= AN_EV_NQT; i++) {
		kv[i].key = an_ev_qt_name(i);
		kv[i].n = e->qt[i];
	}
	if (an_json_set_u64(o, "queries", e->n) < 0 || !(m = an_json_map(kv, AN_EV_NQT + 1, 0)) ||
	    json_object_set_new(o, "qtype", m) < 0 || !(tr = json_object()) ||
	    json_object_set_new(o, "transport", tr) < 0 ||
	    an_json_set_u64(tr, "udp", e->n - e->tcp) < 0 || an_json_set_u64(tr, "tcp", e->tcp) < 0 ||
	    json_object_set_new(o, "tcp_pct", an_json_pct(e->tcp, e->n)) < 0 ||
	    an_json_set_u64(o, "do", e->dobit) < 0 ||
	    json_object_set_new(o, "do_pct", an_json_pct(e->dobit, e->n)) < 0 ||
	    !(arr = json_array()) || json_object_set_new(o, "top_qnames", arr) < 0)
		goto fail;
	ns = an_ev_order(e, order);
	for (unsigned k = 0; k < ns; k++) {
		const an_ev_slot_t *s = &e->q[order[k]];
		char name[DW_NAME_STRMAX], tb[16];
		json_t *q = json_object();
		dw_name_to_str(e->name[order[k]], s->len, name, sizeof(name));
		for (char *p = name; *p; p++)
			*p = (char)lc((uint8_t)*p);
		if (!q || json_array_append_new(arr, q) < 0 ||
		    json_object_set_new(q, "qname", json_string(name)) < 0 ||
		    json_object_set_new(q, "qtype", json_string(dw_rrtype_str(s->qtype, tb))) < 0 ||
		    an_json_set_u64(q, "queries", s->count) < 0 || an_json_set_u64(q, "error", s->err) < 0)
			goto fail;
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

/* ---- text form ---------------------------------------------------------------- */

static uint8_t *put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* Read a minimal LEB128 varint from [*p, end). @return 0 or -1. */
static int get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t x = 0;
	unsigned shift = 0;

	for (;;) {
		if (*p >= end || shift > 63)
			return -1;
		uint8_t b = *(*p)++;
		if (shift == 63 && b > 1)
			return -1;
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			if (b == 0 && shift > 0)
				return -1; /* not minimal */
			break;
		}
		shift += 7;
	}
	*v = x;
	return 0;
}

int an_ev_pack(const an_ev_t *const *recs, size_t n, char **out)
{
	uint8_t *buf = malloc(1 + VARINT_MAX + n * EV_REC_MAX), *p = buf;
	int rc;

	*out = NULL;
	if (!buf)
		return DW_ENOMEM;
	*p++ = EV_VERSION;
	p = put_varint(p, n);
	for (size_t r = 0; r < n; r++) {
		static const an_ev_t empty; /* const: shared, never written */
		const an_ev_t *e = recs[r] ? recs[r] : &empty;
		unsigned order[AN_EV_SLOTS], ns = an_ev_order(e, order);
		p = put_varint(p, e->n);
		p = put_varint(p, e->tcp);
		p = put_varint(p, e->dobit);
		for (unsigned i = 0; i <= AN_EV_NQT; i++)
			p = put_varint(p, e->qt[i]);
		p = put_varint(p, ns);
		for (unsigned k = 0; k < ns; k++) {
			const an_ev_slot_t *s = &e->q[order[k]];
			p = put_varint(p, s->count);
			p = put_varint(p, s->err);
			p = put_varint(p, s->qtype);
			*p++ = s->len;
			for (unsigned i = 0; i < s->len; i++)
				*p++ = lc(e->name[order[k]][i]);
		}
	}
	rc = an_blob_pack(buf, (size_t)(p - buf), out);
	free(buf);
	return rc;
}

/* A wire name of exactly @p len bytes: labels of 1..63 bytes, the root
 * label last, at most 255 bytes. */
static int name_ok(const uint8_t *w, size_t len)
{
	size_t pos = 0;

	if (len < 1 || len > DW_NAME_MAXLEN)
		return 0;
	while (pos < len) {
		uint8_t l = w[pos];
		if (l == 0)
			return pos == len - 1;
		if (l > DW_LABEL_MAXLEN)
			return 0;
		pos += 1 + (size_t)l;
	}
	return 0;
}

static int get_record(const uint8_t **p, const uint8_t *end, an_ev_t *e)
{
	uint64_t v, sum = 0;

	an_ev_reset(e);
	if (get_varint(p, end, &e->n) < 0 || get_varint(p, end, &e->tcp) < 0 ||
	    get_varint(p, end, &e->dobit) < 0 || e->tcp > e->n || e->dobit > e->n)
		return -1;
	for (unsigned i = 0; i <= AN_EV_NQT; i++) {
		if (get_varint(p, end, &e->qt[i]) < 0 || e->qt[i] > e->n - sum)
			return -1;
		sum += e->qt[i];
	}
	if (sum != e->n || get_varint(p, end, &v) < 0 || v > AN_EV_SLOTS)
		return -1;
	e->nslots = (uint32_t)v;
	for (unsigned k = 0; k < e->nslots; k++) {
		an_ev_slot_t *s = &e->q[k];
		if (get_varint(p, end, &s->count) < 0 || get_varint(p, end, &s->err) < 0 ||
		    get_varint(p, end, &v) < 0 || v > UINT16_MAX || *p >= end)
			return -1;
		s->qtype = (uint16_t)v;
		s->len = *(*p)++;
		if (s->count == 0 || s->err > s->count || s->count - s->err > e->n ||
		    (size_t)(end - *p) < s->len)
			return -1;
		for (unsigned i = 0; i < s->len; i++)
			e->name[k][i] = (*p)[i];
		*p += s->len;
		if (!name_ok(e->name[k], s->len))
			return -1;
		/* packed lowercased; so is the hash over it */
		for (unsigned i = 0; i < s->len; i++)
			if (e->name[k][i] != lc(e->name[k][i]))
				return -1;
		s->h = an_ev_qhash(e->name[k], s->len, s->qtype);
		for (unsigned j = 0; j < k; j++)
			if (e->q[j].h == s->h || slot_rank(e, j, e, k) >= 0)
				return -1; /* repeated, or out of canonical order */
	}
	return 0;
}

int an_ev_unpack(const char *str, size_t limit, an_ev_t *out, size_t max, size_t *nout)
{
	size_t cap = 1 + VARINT_MAX + limit * EV_REC_MAX, len;
	uint8_t *buf = malloc(cap);
	an_ev_t *skip = malloc(sizeof(*skip));
	const uint8_t *p, *end;
	uint64_t r;
	int rc = DW_ENOMEM;

	*nout = 0;
	if (!buf || !skip)
		goto out;
	if ((rc = an_blob_unpack(str, buf, cap, &len)) < 0)
		goto out;
	rc = DW_EFORMAT;
	p = buf;
	end = buf + len;
	if (len < 1 || *p++ != EV_VERSION || get_varint(&p, end, &r) < 0 || r > limit)
		goto out;
	for (size_t i = 0; i < r; i++)
		if (get_record(&p, end, i < max ? &out[i] : skip) < 0)
			goto out;
	if (p != end)
		goto out;
	*nout = (size_t)r;
	rc = 0;
out:
	free(buf);
	free(skip);
	return rc;
}

int an_u32s_pack(const uint32_t *v, size_t n, char **out)
{
	uint8_t *buf = malloc(1 + VARINT_MAX + n * 5), *p = buf;
	int rc;

	*out = NULL;
	if (!buf)
		return DW_ENOMEM;
	*p++ = U32S_VERSION;
	p = put_varint(p, n);
	for (size_t i = 0; i < n; i++)
		p = put_varint(p, v[i]);
	rc = an_blob_pack(buf, (size_t)(p - buf), out);
	free(buf);
	return rc;
}

int an_u32s_unpack(const char *str, uint32_t *v, size_t max, size_t *nout)
{
	size_t cap = 1 + VARINT_MAX + max * 5, len;
	uint8_t *buf = malloc(cap);
	const uint8_t *p, *end;
	uint64_t n, x;
	int rc = DW_ENOMEM;

	*nout = 0;
	if (!buf)
		return rc;
	if ((rc = an_blob_unpack(str, buf, cap, &len)) < 0)
		goto out;
	rc = DW_EFORMAT;
	p = buf;
	end = buf + len;
	if (len < 1 || *p++ != U32S_VERSION || get_varint(&p, end, &n) < 0 || n > max)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (get_varint(&p, end, &x) < 0 || x > UINT32_MAX)
			goto out;
		v[i] = (uint32_t)x;
	}
	if (p != end)
		goto out;
	*nout = (size_t)n;
	rc = 0;
out:
	free(buf);
	return rc;
}
