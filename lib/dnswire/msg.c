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

/* RFC 1035 2.3.2: integers on the wire are big-endian. */
static inline uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

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

/*
 * An empty slot holds the offset MEMO_NONE: only targets of 14-bit
 * pointers (< 0x4000) are looked up, so no look-up can match it, and a
 * look-up is one 16-bit load and compare. Lengths are at least 3: only
 * names with a label are kept, so no entry is a root name.
 *
 * Offsets are kept as 16 bits, and the slot of an offset depends on its
 * low bits only, so in a message over 64 KiB a name memoised at S >=
 * 65536 also answers a pointer to S - 65536. No UDP or TCP transport
 * carries such a message; the behaviour is kept as it always was
 * (tests/unit/test_dw_walk.c pins it).
 */
#define MEMO_NONE 0xffff

typedef struct name_memo {
	uint16_t off[MEMO_SLOTS];   /* MEMO_NONE: empty */
	uint8_t len[MEMO_SLOTS];    /* wire length of the name starting there */
	uint8_t hops[MEMO_SLOTS];   /* pointers its walk follows (hop cap) */
} name_memo_t;

static void memo_init(name_memo_t *mm)
{
	memset(mm->off, 0xff, sizeof(mm->off));
}

static inline unsigned memo_slot(size_t off)
{
	return (unsigned)(off ^ off >> 6) & (MEMO_SLOTS - 1);
}

/*
 * Remember the name at @p off. An entry whose walk used up the hop cap
 * could never be followed (one more pointer is one too many), so it is
 * not stored, but it still evicts the slot's old entry, as storing it
 * would: the memo knows the same offsets as one that kept such entries
 * and refused them at look-up, and a look-up need not check the hops.
 */
static inline void memo_add(name_memo_t *mm, size_t off, size_t len, unsigned hops)
{
	unsigned i = memo_slot(off);
	if (hops < DW_MAX_PTR_HOPS) {
		mm->off[i] = (uint16_t)off;
		mm->len[i] = (uint8_t)len;
		mm->hops[i] = (uint8_t)hops;
	} else {
		mm->off[i] = MEMO_NONE;
	}
}

/* Slot of the name at @p ptr (< 0x4000), or -1: every stored entry may be
 * followed once more. */
__attribute__((always_inline))
static inline int memo_find(const name_memo_t *mm, size_t ptr)
{
	unsigned i = memo_slot(ptr);
	return mm->off[i] == ptr ? (int)i : -1;
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
 * Skip the name at @p pos (< @p end) like dw_name_parse(c, NULL, len)
 * would, without a cursor, as far as labels and one pointer into the memo
 * take it: @return the position after it, with its length in @p len, or 0
 * where the full walk must decide (it knows the exact error). The name's
 * own start is memoised when it begins with a label, so later pointers to
 * it stop at once. Inlined into both callers, skip_owner() and the RDATA
 * walk (measured: a call per owner and per RDATA name was a tenth of the
 * parse).
 */
__attribute__((always_inline))
static inline size_t skip_core(const uint8_t *base, size_t end, size_t pos,
			       name_memo_t *mm, size_t *len)
{
	const size_t start = pos;
	/*
	 * Before a pointer the labels lie side by side, so the name's length
	 * so far is pos - start, and one bound covers both limits of a label:
	 * the byte after it must exist (end), and the name with its root
	 * label must stay within 255 bytes (RFC 1035 3.1), so that byte lies
	 * before start + 255. One test gives up exactly where the two did.
	 */
	const size_t lim = end - start > DW_NAME_MAXLEN ? start + DW_NAME_MAXLEN : end;
	unsigned b;

	while ((b = base[pos]) - 1u < DW_LABEL_MAXLEN) { /* 1..63: a label */
		pos += 1 + b;
		if (pos >= lim)
			return 0;
	}
	if (b == 0) {
		*len = pos - start + 1;
		if (pos > start)
			memo_add(mm, start, *len, 0);
		return pos + 1;
	}
	/*
	 * A pointer: its two bytes less 0xc000 are its target. Label types
	 * 01 and 10 wrap to a huge value there, so the one test below also
	 * refuses them. The target must lie before the name's start (the
	 * backwards rule of dw_name_parse(): this is the first pointer).
	 */
	if (end - pos < 2)
		return 0;
	size_t ptr = (size_t)be16(base + pos) - 0xc000;
	int k;
	if (ptr >= start || (k = memo_find(mm, ptr)) < 0)
		return 0;
	size_t total = pos - start;
	*len = total + mm->len[k];
	if (*len > DW_NAME_MAXLEN)
		return 0;
	if (total > 0)
		memo_add(mm, start, *len, mm->hops[k] + 1u);
	return pos + 2;
}

/*
 * An owner name the fast path of walk_rrs() did not take: skip_core(),
 * else the full walk, which decides with its exact error. @return 0 with
 * @p pos moved past the name and its length in @p len, or the negative
 * DW_E* code of dw_name_parse().
 */
__attribute__((noinline))
static int skip_owner(const uint8_t *base, size_t end, size_t *pos,
		      name_memo_t *mm, size_t *len)
{
	size_t np = *pos < end ? skip_core(base, end, *pos, mm, len) : 0;
	if (np != 0) {
		*pos = np;
		return 0;
	}
	dw_cur_t c;
	dw_cur_init(&c, base, end);
	c.pos = *pos;
	int rc = dw_name_parse(&c, NULL, len);
	*pos = c.pos;
	return rc;
}

/*
 * RR types that need more than a skip: OPT (41), and those whose RDATA is
 * exactly one compressible name, RFC 1035 3.3: NS (2), CNAME (5), PTR (12),
 * DNAME (39, RFC 6672 2.1). None above 41, so one bit test tells them from
 * the rest.
 */
#define RR_NAME_TYPES ((uint64_t)1 << 2 | (uint64_t)1 << 5 | (uint64_t)1 << 12 | \
		       (uint64_t)1 << 39)
#define RR_SPECIAL_TYPES (RR_NAME_TYPES | (uint64_t)1 << TYPE_OPT)

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
 * An OPT record in the additional section, its fixed part (TYPE CLASS TTL
 * RDLENGTH) at @p f, @p avail bytes after that. RFC 6891 6.1.1: OPT lives
 * in the additional section only (elsewhere it is just another RR to step
 * over), at most once, owned by the root. Only the first fills the view,
 * and it does so before its RDATA is checked: the DO bit of a query cut
 * short in its options was still sent. @return 0, or DW_ETRUNC when RDATA
 * is cut short.
 */
__attribute__((noinline))
static int opt_rr(dw_msg_t *m, const uint8_t *f, int root_owner, size_t avail,
		  int *opt_bad)
{
	uint16_t rdlen = be16(f + 8);
	int first_opt = !m->have_edns;

	if (!first_opt || !root_owner)
		*opt_bad = 1;
	if (first_opt)
		opt_fixed(m, be16(f + 2), be32(f + 4));
	if (avail < rdlen)
		return DW_ETRUNC;
	if (first_opt)
		opt_options(m, f + 10, rdlen, opt_bad);
	return 0;
}

/* Each section's truncation reason lies as far from DW_BAD_ANSWER_TRUNC as
 * the section from DW_SEC_ANSWER. */
_Static_assert(DW_BAD_AUTHORITY_TRUNC - DW_BAD_ANSWER_TRUNC == DW_SEC_AUTHORITY - DW_SEC_ANSWER &&
	       DW_BAD_ADDITIONAL_TRUNC - DW_BAD_ANSWER_TRUNC == DW_SEC_ADDITIONAL - DW_SEC_ANSWER,
	       "dw_bad_t and dw_section_t orders differ");

static dw_bad_t sec_trunc(dw_section_t sec)
{
	return (dw_bad_t)(DW_BAD_ANSWER_TRUNC + (sec - DW_SEC_ANSWER));
}

/*
 * Walk the answer, authority and additional sections from @p pos, then
 * finish the view: reached, rrs, bad (RFC 1035 4.1.3, RFC 6891 6.1).
 *
 * The loop runs on plain indices into the message, with the position and
 * the RR counts in locals; @p m is written only when the walk stops, or by
 * an OPT record (opt_rr()). The cursor's checks become one bounds check
 * per field group, each where the cursor read would have failed. Every stop leaves @p m as a record-by-record walk would:
 * reached is the section it stopped in, rrs the records walked
 * completely. What is rare (an owner that is not one pointer into the
 * memo, an OPT) is out of line, so the common record keeps everything in
 * registers.
 *
 * Out of line itself: profiles show the walk on its own, and it is one
 * call per message.
 */
__attribute__((noinline))
static int walk_rrs(dw_msg_t *m, const uint8_t *base, size_t end, size_t pos,
		    name_memo_t *mm)
{
	const size_t last12 = end - 12; /* end >= 12: the header */
	unsigned done = 0;              /* RRs of the sections before */
	unsigned count = m->ancount;    /* RRs of this section */
	unsigned left;                  /* of them still to walk */
	int opt_bad = 0;
	dw_section_t sec = DW_SEC_ANSWER;
	int rc;

	for (;;) {
		/* The count is checked against the bytes left first (Knot's
		 * rule: count > bytes / DW_RR_MIN, here without the
		 * division), so 65535 claimed records in a small packet cost
		 * one multiplication, not 65535 iterations. */
		left = count;
		if (count * (size_t)DW_RR_MIN > end - pos)
			goto trunc;
		for (; left > 0; left--) {
			int root_owner;
			size_t ptr;
			/*
			 * Most owners are one pointer to a memoised name:
			 * skip_core()'s pointer step, taken here when the
			 * pointer and the ten bytes of TYPE CLASS TTL
			 * RDLENGTH after it are all in the message (one
			 * bounds check for both). The first two bytes less
			 * 0xc000 are the pointer's target, and wrap to a
			 * huge value for a label, so one compare asks for a
			 * backwards pointer. Every other owner, this one
			 * too with fewer bytes left, takes the way that
			 * decides everything.
			 */
			if (pos <= last12 &&
			    (ptr = (size_t)be16(base + pos) - 0xc000) < pos &&
			    memo_find(mm, ptr) >= 0) {
				root_owner = 0; /* no entry is the root */
				pos += 2;
			} else {
				if (pos < end && base[pos] == 0) {
					/* the root (as skip_core() reads it) */
					root_owner = 1;
					pos++;
				} else {
					size_t np = pos, len;
					rc = skip_owner(base, end, &np, mm, &len);
					if (rc < 0)
						goto bad;
					pos = np;
					/* by length, not by bytes: a pointer
					 * to a 0 byte is root too */
					root_owner = len == 1;
				}
				if (end - pos < 10)
					goto trunc;
			}
			uint16_t type = be16(base + pos);
			uint16_t rdlen = be16(base + pos + 8);
			pos += 10;
			if (type <= TYPE_OPT && (RR_SPECIAL_TYPES >> type & 1)) {
				if (type != TYPE_OPT) {
					/*
					 * A referral's glue owners point into
					 * its NS RDATA: memoise those names when
					 * valid, by the fast walk only (it
					 * memoises what it validates; a full
					 * walk of a name it gives up on would be
					 * thrown away). A bad one is no error of
					 * the message (RDATA is opaque here); the
					 * walk of a glue owner pointing at it
					 * finds the fault itself. RDATA cut
					 * short fails below, memo unused.
					 */
					size_t nlen;
					if (rdlen > 1 && rdlen <= end - pos)
						(void)skip_core(base, end, pos, mm, &nlen);
				} else if (sec == DW_SEC_ADDITIONAL &&
					   opt_rr(m, base + pos - 10, root_owner, end - pos,
						  &opt_bad) < 0) {
					goto trunc;
				}
			}
			pos += rdlen;
			if (pos > end)
				goto trunc;
		}
		done += count;
		if (sec == DW_SEC_ADDITIONAL)
			break;
		sec = (dw_section_t)(sec + 1);
		count = sec == DW_SEC_AUTHORITY ? m->nscount : m->arcount;
	}
	m->reached = DW_SEC_END;
	m->rrs = (uint16_t)done; /* as m->rrs++ per RR would wrap */
	if (opt_bad)
		return fail(m, DW_EOPT, DW_BAD_OPT);
	if (pos < end)
		m->bad = DW_BAD_TRAILING; /* parsed fully: still success */
	return 0;
trunc:
	rc = DW_ETRUNC;
bad:
	/* a bad name says why itself; anything else is the section's
	 * truncation */
	m->reached = sec;
	m->rrs = (uint16_t)(done + count - left);
	return fail(m, rc, name_bad(rc, sec_trunc(sec)));
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
	memo_init(&mm);
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

	/* c.err is 0 here: every failed read above returned */
	rc = walk_rrs(m, wire, len, c.pos, &mm);
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
