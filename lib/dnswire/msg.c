/*
 * msg.c - one DNS message into the flat dw_msg_t view (RFC 1035 4.1,
 * RFC 6891 6).
 *
 * Root traffic is full of garbage, so a message that does not parse is
 * still data: the parse records how far it got (reached, questions, rrs)
 * and why it stopped (bad), and everything decoded before that point
 * stays valid.
 *
 * Resource record (RFC 1035 4.1.3):
 *
 *     NAME  (variable, possibly compressed)
 *     TYPE(16) CLASS(16) TTL(32) RDLENGTH(16)
 *     RDATA (RDLENGTH bytes)
 *
 * OPT pseudo-RR (RFC 6891 6.1.2, 6.1.3): NAME is the root, CLASS is the
 * requestor's UDP payload size, and TTL is
 *
 *     +0 (MSB)                            +1 (LSB)
 *  +---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+
 *  |         EXTENDED-RCODE        |            VERSION            |
 *  +---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+
 *  | DO|                           Z                               |
 *  +---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+
 *
 * RDATA is a sequence of {OPTION-CODE(16), OPTION-LENGTH(16), DATA}.
 */
#include <stddef.h>
#include <string.h>

#include "rootlens/dnswire.h"

#define TYPE_OPT 41

/*
 * Names already validated in this message, by offset: a compressed owner
 * name that is one pointer to such an offset needs no second walk. In a
 * root response nearly every owner name is a pointer to the QNAME or a
 * suffix of it, so this turns the RR walk from a name walk per record
 * into a table look-up. A pointer read at the start of a name passes the
 * backwards rule whenever its target lies before it, which every memo
 * entry does, and a valid target name keeps the whole name valid.
 */
#define MEMO_SLOTS 64 /* direct-mapped by offset; a collision only forgets */

typedef struct name_memo {
	uint64_t used;              /* bit i: slot i holds an entry */
	uint16_t off[MEMO_SLOTS];
	uint8_t len[MEMO_SLOTS];    /* wire length of the name starting there */
	uint8_t hops[MEMO_SLOTS];   /* pointers its walk follows (hop cap) */
} name_memo_t;

static unsigned memo_slot(size_t off)
{
	return (unsigned)(off ^ off >> 6) & (MEMO_SLOTS - 1);
}

static void memo_add(name_memo_t *mm, size_t off, size_t len, unsigned hops)
{
	unsigned i = memo_slot(off);
	mm->used |= (uint64_t)1 << i;
	mm->off[i] = (uint16_t)off;
	mm->len[i] = (uint8_t)len;
	mm->hops[i] = (uint8_t)hops;
}

/* Slot of @p off, or -1. */
static int memo_find(const name_memo_t *mm, size_t off)
{
	unsigned i = memo_slot(off);
	return (mm->used >> i & 1) && mm->off[i] == off ? (int)i : -1;
}

/* Every label start of an uncompressed name written at @p off: each is a
 * name of its own (a suffix), with its own length. */
static void memo_add_suffixes(name_memo_t *mm, size_t off, const uint8_t *name,
			      size_t len)
{
	size_t i = 0;
	while (i < len && name[i] != 0) {
		memo_add(mm, off + i, len - i, 0);
		i += 1 + (size_t)name[i];
	}
}

/*
 * Skip a name at @p pos like skip_name() would, without a cursor: @return
 * the position after it, with its length in @p len, or 0 where skip_name()
 * would leave it to the full walk. Inlined into both callers (measured: a
 * call per owner and per RDATA name was a tenth of the parse).
 */
__attribute__((always_inline))
static inline size_t skip_core(const uint8_t *base, size_t end, size_t pos,
			       name_memo_t *mm, size_t *len)
{
	/* Plain indices rather than a cursor: this runs for every owner
	 * name and every name in RDATA, and each stop below is where the
	 * cursor reads would have failed or the walk would have given up. */
	size_t start = pos, total = 0;

	while (pos < end) {
		uint8_t b = base[pos++];
		if (b == 0) {
			*len = total + 1;
			if (total > 0)
				memo_add(mm, start, total + 1, 0);
			return pos;
		}
		if ((b & 0xc0) == 0xc0) {
			if (pos >= end)
				return 0;
			size_t ptr = (size_t)(b & 0x3f) << 8 | base[pos++];
			if (ptr >= start)
				return 0;
			int i = memo_find(mm, ptr);
			if (i < 0 || total + mm->len[i] > DW_NAME_MAXLEN ||
			    mm->hops[i] + 1u > DW_MAX_PTR_HOPS)
				return 0;
			*len = total + mm->len[i];
			if (total > 0)
				memo_add(mm, start, *len, mm->hops[i] + 1u);
			return pos;
		}
		if ((b & 0xc0) != 0 || total + 1 + b + 1 > DW_NAME_MAXLEN || end - pos < b)
			return 0;
		pos += b;
		total += 1 + (size_t)b;
	}
	return 0;
}

/*
 * Validate and skip a name like dw_name_parse(c, NULL, len), with the same
 * rules and results, but stop at the first pointer to a memoised offset:
 * the rest of the name is known valid and its length known. A pointer
 * into the memo always passes the backwards rule, as every entry lies
 * before any name read after it. The name's own start is memoised when it
 * begins with a label, so later pointers to it stop at once.
 * Anything unusual (skip_core gives up) goes to the full walk, which
 * decides with its exact error.
 */
static int skip_name(dw_cur_t *c, name_memo_t *mm, size_t *len)
{
	size_t pos;

	if (!c->err && (pos = skip_core(c->base, c->len, c->pos, mm, len)) != 0) {
		c->pos = pos;
		return 0;
	}
	return dw_name_parse(c, NULL, len);
}

/* RR types whose RDATA is exactly one (compressible) name, RFC 1035 3.3. */
static int rdata_is_name(uint16_t type)
{
	return type == 2 /* NS */ || type == 5 /* CNAME */ || type == 12 /* PTR */ ||
	       type == 39 /* DNAME */;
}

/* Reason for a failed name: its own kind, or the section's truncation. */
static dw_bad_t name_bad(int rc, dw_bad_t trunc)
{
	switch (rc) {
	case DW_ELABEL: return DW_BAD_LABEL;
	case DW_ELOOP: return DW_BAD_POINTER;
	case DW_ENAMELEN: return DW_BAD_NAME_TOO_LONG;
	default: return trunc;
	}
}

static int fail(dw_msg_t *m, int rc, dw_bad_t bad)
{
	m->bad = bad;
	return rc;
}

/* RFC 6891 6.1.3: the fixed part, CLASS and TTL, of the first OPT. */
static void opt_fixed(dw_msg_t *m, uint16_t cls, uint32_t ttl)
{
	m->have_edns = 1;
	m->edns_udpsize = cls;
	m->edns_ext_rcode = (uint8_t)(ttl >> 24);
	m->edns_version = (uint8_t)(ttl >> 16);
	m->edns_flags = (uint16_t)ttl;
	m->edns_do = (uint8_t)(ttl >> 15 & 1);
}

/*
 * RFC 6891 6.1.2: the options of the first OPT. Options must tile RDATA
 * exactly; the first that does not (a partial header, or data past
 * RDLENGTH) ends the walk and marks the message bad_opt. RDATA lies
 * within the RR, so the message walk goes on either way.
 */
static void opt_options(dw_msg_t *m, const uint8_t *rdata, uint16_t rdlen,
			int *opt_bad)
{
	dw_cur_t o;

	dw_cur_init(&o, rdata, rdlen);
	while (dw_cur_avail(&o) > 0) {
		uint16_t code = dw_cur_u16(&o);
		uint16_t olen = dw_cur_u16(&o);
		if (o.err || dw_cur_avail(&o) < olen) {
			*opt_bad = 1;
			return;
		}
		dw_cur_skip(&o, olen);
		if (code < 64)
			m->edns_opt_present |= (uint64_t)1 << code;
		else
			m->edns_opt_high = 1;
		m->edns_options++;
	}
}

/*
 * Walk @p count RRs of one section. The count is checked against the
 * bytes left first (Knot's rule), so 65535 claimed records in a small
 * packet cost one division, not 65535 iterations.
 */
static int walk_rrs(dw_msg_t *m, dw_cur_t *c, uint16_t count,
		    dw_section_t sec, dw_bad_t trunc, int *opt_bad, name_memo_t *mm)
{
	m->reached = sec;
	if (count > dw_cur_avail(c) / DW_RR_MIN)
		return fail(m, DW_ETRUNC, trunc);
	for (unsigned i = 0; i < count; i++) {
		size_t owner_len = 0, pos = c->pos;
		const uint8_t *o = c->base + pos;
		int k;
		/* Most owners are one pointer to a memoised name: skip_name's
		 * first step, taken here (a memo length is at most 255). */
		if (c->len - pos >= 2 && o[0] >= 0xc0 &&
		    ((size_t)(o[0] & 0x3f) << 8 | o[1]) < pos &&
		    (k = memo_find(mm, (size_t)(o[0] & 0x3f) << 8 | o[1])) >= 0 &&
		    mm->hops[k] + 1u <= DW_MAX_PTR_HOPS) {
			owner_len = mm->len[k];
			c->pos = pos + 2;
		} else {
			int rc = skip_name(c, mm, &owner_len);
			if (rc < 0)
				return fail(m, rc, name_bad(rc, trunc));
		}
		/* By length, not by bytes: a pointer to a 0 byte is root too. */
		int root_owner = owner_len == 1;
		/* TYPE CLASS TTL RDLENGTH: one bounds check for the ten bytes
		 * (a short read fails the cursor, as field-by-field reads would) */
		if (c->len - c->pos < 10) {
			dw_cur_fail(c, DW_ETRUNC);
			return fail(m, DW_ETRUNC, trunc);
		}
		const uint8_t *f = c->base + c->pos;
		c->pos += 10;
		uint16_t type = (uint16_t)(f[0] << 8 | f[1]);
		uint16_t cls = (uint16_t)(f[2] << 8 | f[3]);
		uint32_t ttl = (uint32_t)f[4] << 24 | (uint32_t)f[5] << 16 |
			       (uint32_t)f[6] << 8 | f[7];
		uint16_t rdlen = (uint16_t)(f[8] << 8 | f[9]);
		/*
		 * RFC 6891 6.1.1: OPT lives in the additional section only
		 * (elsewhere it is just another RR to step over), at most once,
		 * owned by the root. Only the first fills the view, and it does
		 * so before its RDATA is checked: the DO bit of a query cut
		 * short in its options was still sent.
		 */
		int is_opt = type == TYPE_OPT && sec == DW_SEC_ADDITIONAL;
		int first_opt = is_opt && !m->have_edns;
		if (is_opt && (!first_opt || !root_owner))
			*opt_bad = 1;
		if (first_opt)
			opt_fixed(m, cls, ttl);
		const uint8_t *rdata = dw_cur_ptr(c, rdlen);
		if (c->err)
			return fail(m, DW_ETRUNC, trunc);
		if (first_opt)
			opt_options(m, rdata, rdlen, opt_bad);
		/*
		 * A referral's glue owners point into its NS RDATA: memoise
		 * those names when valid. A bad one is no error of the
		 * message (RDATA is opaque here); the walk of a glue owner
		 * pointing at it will find the fault itself.
		 */
		if (rdata && rdata_is_name(type) && rdlen > 1) {
			/* The fast walk only: it memoises what it validates,
			 * and the full walk of a name it gives up on would be
			 * thrown away (nothing else of it is kept). */
			size_t nlen;
			(void)skip_core(c->base, c->len, (size_t)(rdata - c->base), mm, &nlen);
		}
		m->rrs++;
	}
	return 0;
}

/*
 * Reset the view without clearing qname: 255 bytes that are only valid
 * up to qname_len anyway. The two ranges cover every other field, so a
 * field added to dw_msg_t later is cleared too.
 */
static void reset(dw_msg_t *m)
{
	memset(m, 0, offsetof(dw_msg_t, qname));
	memset(&m->qname_len, 0, sizeof(*m) - offsetof(dw_msg_t, qname_len));
}

int dw_msg_parse(dw_msg_t *m, const uint8_t *wire, size_t len)
{
	dw_cur_t c;
	name_memo_t mm;
	int opt_bad = 0;
	int rc;

	reset(m);
	m->len = len;
	m->reached = DW_SEC_HEADER;
	dw_cur_init(&c, wire, len);

	/* RFC 1035 4.1.1 header: see the diagram in dnswire.h. Twelve bytes
	 * or none of it (reset left the fields 0). */
	if (len < 12)
		return fail(m, DW_ETRUNC, DW_BAD_SHORT_HEADER);
	m->id = (uint16_t)(wire[0] << 8 | wire[1]);
	uint8_t f1 = wire[2];
	uint8_t f2 = wire[3];
	m->qdcount = (uint16_t)(wire[4] << 8 | wire[5]);
	m->ancount = (uint16_t)(wire[6] << 8 | wire[7]);
	m->nscount = (uint16_t)(wire[8] << 8 | wire[9]);
	m->arcount = (uint16_t)(wire[10] << 8 | wire[11]);
	c.pos = 12;
	m->have_header = 1;
	m->qr = f1 >> 7;
	m->opcode = f1 >> 3 & 0xf;
	m->aa = f1 >> 2 & 1;
	m->tc = f1 >> 1 & 1;
	m->rd = f1 & 1;
	m->ra = f2 >> 7;
	m->z = f2 >> 6 & 1;
	m->ad = f2 >> 5 & 1;
	m->cd = f2 >> 4 & 1;
	m->rcode = f2 & 0xf;
	m->rcode_full = m->rcode;

	/* RFC 1035 4.1.2 question: QNAME QTYPE(16) QCLASS(16). */
	m->reached = DW_SEC_QUESTION;
	if (m->qdcount > dw_cur_avail(&c) / DW_Q_MIN)
		return fail(m, DW_ETRUNC, DW_BAD_QUESTION_TRUNC);
	mm.used = 0;
	for (unsigned i = 0; i < m->qdcount; i++) {
		size_t qlen = 0, qstart = c.pos;
		rc = dw_name_parse(&c, i == 0 ? m->qname : NULL, &qlen);
		if (rc < 0)
			return fail(m, rc, name_bad(rc, DW_BAD_QUESTION_TRUNC));
		uint16_t qtype = dw_cur_u16(&c);
		uint16_t qclass = dw_cur_u16(&c);
		if (c.err)
			return fail(m, DW_ETRUNC, DW_BAD_QUESTION_TRUNC);
		if (i == 0) {
			/* the first QNAME is written uncompressed in practice;
			 * only then are its label starts where its copy says */
			if (qlen == c.pos - 4 - qstart)
				memo_add_suffixes(&mm, qstart, m->qname, qlen);
			m->have_question = 1;
			m->qname_len = (uint8_t)qlen;
			m->qtype = qtype;
			m->qclass = qclass;
		}
		m->questions++;
	}

	if ((rc = walk_rrs(m, &c, m->ancount, DW_SEC_ANSWER,
			   DW_BAD_ANSWER_TRUNC, &opt_bad, &mm)) < 0)
		goto out;
	if ((rc = walk_rrs(m, &c, m->nscount, DW_SEC_AUTHORITY,
			   DW_BAD_AUTHORITY_TRUNC, &opt_bad, &mm)) < 0)
		goto out;
	if ((rc = walk_rrs(m, &c, m->arcount, DW_SEC_ADDITIONAL,
			   DW_BAD_ADDITIONAL_TRUNC, &opt_bad, &mm)) < 0)
		goto out;
	m->reached = DW_SEC_END;
	if (opt_bad)
		rc = fail(m, DW_EOPT, DW_BAD_OPT);
	else if (dw_cur_avail(&c) > 0)
		m->bad = DW_BAD_TRAILING; /* parsed fully: still success */
out:
	/*
	 * RFC 6891 6.1.3: the 12-bit RCODE is EXTENDED-RCODE << 4 | header
	 * RCODE. Also after a later error: the OPT fields were complete.
	 * A structural error (truncation, bad name) after a bad OPT wins
	 * over bad_opt, since it says where the walk stopped.
	 */
	if (m->have_edns)
		m->rcode_full = (uint16_t)(m->edns_ext_rcode << 4 | m->rcode);
	return rc;
}
