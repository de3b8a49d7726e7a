/*
 * lib/dnswire: the resource-record walk of dw_msg_parse() against a
 * reference copy of the walk it replaced (lib/dnswire/msg.c as of commit
 * 126d83f, kept below verbatim but for the ref_ names). The two must fill
 * dw_msg_t identically, byte for byte, and return the same code, on:
 *
 *  - hand-built messages: referrals (NS, glue A/AAAA, DS, RRSIG, OPT),
 *    compressed names in every position, OPT in every section, twice,
 *    with a non-root owner, options tiling and not, the name memo's edge
 *    cases (hop cap, slot collisions, offsets past 64 KiB);
 *  - each of those cut at every byte, and with every byte replaced by
 *    0x00, 0xc0, 0x3f and 0xff;
 *  - the DNS payloads of the plain pcap/pcapng captures in datasets/
 *    (the .gz ones need zlib, which this test does not link);
 *  - messages from a seeded PRNG: generated responses with random
 *    compression, and mutations (bit flips, byte inserts and deletes,
 *    pointer and count rewrites) of all of the above.
 *
 * DW_WALK_ITERS=N in the environment sets the number of random messages
 * (default 3000000, a tenth under AddressSanitizer). Built with
 * -DDW_WALK_NO_MAIN this file is a library for ad-hoc drivers (libFuzzer,
 * a capture replay): walk_check() compares one message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu_main.h"
#include "rootlens/dnswire.h"

/* ---- the reference: lib/dnswire/msg.c before the faster walk ---------- */

#define REF_TYPE_OPT 41

/*
 * Names already validated in this message, by offset: a compressed owner
 * name that is one pointer to such an offset needs no second walk. In a
 * root response nearly every owner name is a pointer to the QNAME or a
 * suffix of it, so this turns the RR walk from a name walk per record
 * into a table look-up. A pointer read at the start of a name passes the
 * backwards rule whenever its target lies before it, which every memo
 * entry does, and a valid target name keeps the whole name valid.
 */
#define REF_MEMO_SLOTS 64 /* direct-mapped by offset; a collision only forgets */

typedef struct ref_memo {
	uint64_t used;              /* bit i: slot i holds an entry */
	uint16_t off[REF_MEMO_SLOTS];
	uint8_t len[REF_MEMO_SLOTS];    /* wire length of the name starting there */
	uint8_t hops[REF_MEMO_SLOTS];   /* pointers its walk follows (hop cap) */
} ref_memo_t;

static unsigned ref_memo_slot(size_t off)
{
	return (unsigned)(off ^ off >> 6) & (REF_MEMO_SLOTS - 1);
}

static void ref_memo_add(ref_memo_t *mm, size_t off, size_t len, unsigned hops)
{
	unsigned i = ref_memo_slot(off);
	mm->used |= (uint64_t)1 << i;
	mm->off[i] = (uint16_t)off;
	mm->len[i] = (uint8_t)len;
	mm->hops[i] = (uint8_t)hops;
}

/* Slot of @p off, or -1. */
static int ref_memo_find(const ref_memo_t *mm, size_t off)
{
	unsigned i = ref_memo_slot(off);
	return (mm->used >> i & 1) && mm->off[i] == off ? (int)i : -1;
}

/* Every label start of an uncompressed name written at @p off: each is a
 * name of its own (a suffix), with its own length. */
static void ref_memo_add_suffixes(ref_memo_t *mm, size_t off, const uint8_t *name,
			      size_t len)
{
	size_t i = 0;
	while (i < len && name[i] != 0) {
		ref_memo_add(mm, off + i, len - i, 0);
		i += 1 + (size_t)name[i];
	}
}

/*
 * Skip a name at @p pos like ref_skip_name() would, without a cursor: @return
 * the position after it, with its length in @p len, or 0 where ref_skip_name()
 * would leave it to the full walk. Inlined into both callers (measured: a
 * call per owner and per RDATA name was a tenth of the parse).
 */
__attribute__((always_inline))
static inline size_t ref_skip_core(const uint8_t *base, size_t end, size_t pos,
			       ref_memo_t *mm, size_t *len)
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
				ref_memo_add(mm, start, total + 1, 0);
			return pos;
		}
		if ((b & 0xc0) == 0xc0) {
			if (pos >= end)
				return 0;
			size_t ptr = (size_t)(b & 0x3f) << 8 | base[pos++];
			if (ptr >= start)
				return 0;
			int i = ref_memo_find(mm, ptr);
			if (i < 0 || total + mm->len[i] > DW_NAME_MAXLEN ||
			    mm->hops[i] + 1u > DW_MAX_PTR_HOPS)
				return 0;
			*len = total + mm->len[i];
			if (total > 0)
				ref_memo_add(mm, start, *len, mm->hops[i] + 1u);
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
 * Anything unusual (ref_skip_core gives up) goes to the full walk, which
 * decides with its exact error.
 */
static int ref_skip_name(dw_cur_t *c, ref_memo_t *mm, size_t *len)
{
	size_t pos;

	if (!c->err && (pos = ref_skip_core(c->base, c->len, c->pos, mm, len)) != 0) {
		c->pos = pos;
		return 0;
	}
	return dw_name_parse(c, NULL, len);
}

/* RR types whose RDATA is exactly one (compressible) name, RFC 1035 3.3. */
static int ref_rdata_is_name(uint16_t type)
{
	return type == 2 /* NS */ || type == 5 /* CNAME */ || type == 12 /* PTR */ ||
	       type == 39 /* DNAME */;
}

/* Reason for a failed name: its own kind, or the section's truncation. */
static dw_bad_t ref_name_bad(int rc, dw_bad_t trunc)
{
	switch (rc) {
	case DW_ELABEL: return DW_BAD_LABEL;
	case DW_ELOOP: return DW_BAD_POINTER;
	case DW_ENAMELEN: return DW_BAD_NAME_TOO_LONG;
	default: return trunc;
	}
}

static int ref_fail(dw_msg_t *m, int rc, dw_bad_t bad)
{
	m->bad = bad;
	return rc;
}

/* RFC 6891 6.1.3: the fixed part, CLASS and TTL, of the first OPT. */
static void ref_opt_fixed(dw_msg_t *m, uint16_t cls, uint32_t ttl)
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
static void ref_opt_options(dw_msg_t *m, const uint8_t *rdata, uint16_t rdlen,
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
static int ref_walk_rrs(dw_msg_t *m, dw_cur_t *c, uint16_t count,
		    dw_section_t sec, dw_bad_t trunc, int *opt_bad, ref_memo_t *mm)
{
	m->reached = sec;
	if (count > dw_cur_avail(c) / DW_RR_MIN)
		return ref_fail(m, DW_ETRUNC, trunc);
	for (unsigned i = 0; i < count; i++) {
		size_t owner_len = 0, pos = c->pos;
		const uint8_t *o = c->base + pos;
		int k;
		/* Most owners are one pointer to a memoised name: ref_skip_name's
		 * first step, taken here (a memo length is at most 255). */
		if (c->len - pos >= 2 && o[0] >= 0xc0 &&
		    ((size_t)(o[0] & 0x3f) << 8 | o[1]) < pos &&
		    (k = ref_memo_find(mm, (size_t)(o[0] & 0x3f) << 8 | o[1])) >= 0 &&
		    mm->hops[k] + 1u <= DW_MAX_PTR_HOPS) {
			owner_len = mm->len[k];
			c->pos = pos + 2;
		} else {
			int rc = ref_skip_name(c, mm, &owner_len);
			if (rc < 0)
				return ref_fail(m, rc, ref_name_bad(rc, trunc));
		}
		/* By length, not by bytes: a pointer to a 0 byte is root too. */
		int root_owner = owner_len == 1;
		/* TYPE CLASS TTL RDLENGTH: one bounds check for the ten bytes
		 * (a short read fails the cursor, as field-by-field reads would) */
		if (c->len - c->pos < 10) {
			dw_cur_fail(c, DW_ETRUNC);
			return ref_fail(m, DW_ETRUNC, trunc);
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
		int is_opt = type == REF_TYPE_OPT && sec == DW_SEC_ADDITIONAL;
		int first_opt = is_opt && !m->have_edns;
		if (is_opt && (!first_opt || !root_owner))
			*opt_bad = 1;
		if (first_opt)
			ref_opt_fixed(m, cls, ttl);
		const uint8_t *rdata = dw_cur_ptr(c, rdlen);
		if (c->err)
			return ref_fail(m, DW_ETRUNC, trunc);
		if (first_opt)
			ref_opt_options(m, rdata, rdlen, opt_bad);
		/*
		 * A referral's glue owners point into its NS RDATA: memoise
		 * those names when valid. A bad one is no error of the
		 * message (RDATA is opaque here); the walk of a glue owner
		 * pointing at it will find the fault itself.
		 */
		if (rdata && ref_rdata_is_name(type) && rdlen > 1) {
			/* The fast walk only: it memoises what it validates,
			 * and the full walk of a name it gives up on would be
			 * thrown away (nothing else of it is kept). */
			size_t nlen;
			(void)ref_skip_core(c->base, c->len, (size_t)(rdata - c->base), mm, &nlen);
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
static void ref_reset(dw_msg_t *m)
{
	memset(m, 0, offsetof(dw_msg_t, qname));
	memset(&m->qname_len, 0, sizeof(*m) - offsetof(dw_msg_t, qname_len));
}

static int ref_msg_parse(dw_msg_t *m, const uint8_t *wire, size_t len)
{
	dw_cur_t c;
	ref_memo_t mm;
	int opt_bad = 0;
	int rc;

	ref_reset(m);
	m->len = len;
	m->reached = DW_SEC_HEADER;
	dw_cur_init(&c, wire, len);

	/* RFC 1035 4.1.1 header: see the diagram in dnswire.h. Twelve bytes
	 * or none of it (ref_reset left the fields 0). */
	if (len < 12)
		return ref_fail(m, DW_ETRUNC, DW_BAD_SHORT_HEADER);
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
		return ref_fail(m, DW_ETRUNC, DW_BAD_QUESTION_TRUNC);
	mm.used = 0;
	for (unsigned i = 0; i < m->qdcount; i++) {
		size_t qlen = 0, qstart = c.pos;
		rc = dw_name_parse(&c, i == 0 ? m->qname : NULL, &qlen);
		if (rc < 0)
			return ref_fail(m, rc, ref_name_bad(rc, DW_BAD_QUESTION_TRUNC));
		uint16_t qtype = dw_cur_u16(&c);
		uint16_t qclass = dw_cur_u16(&c);
		if (c.err)
			return ref_fail(m, DW_ETRUNC, DW_BAD_QUESTION_TRUNC);
		if (i == 0) {
			/* the first QNAME is written uncompressed in practice;
			 * only then are its label starts where its copy says */
			if (qlen == c.pos - 4 - qstart)
				ref_memo_add_suffixes(&mm, qstart, m->qname, qlen);
			m->have_question = 1;
			m->qname_len = (uint8_t)qlen;
			m->qtype = qtype;
			m->qclass = qclass;
		}
		m->questions++;
	}

	if ((rc = ref_walk_rrs(m, &c, m->ancount, DW_SEC_ANSWER,
			   DW_BAD_ANSWER_TRUNC, &opt_bad, &mm)) < 0)
		goto out;
	if ((rc = ref_walk_rrs(m, &c, m->nscount, DW_SEC_AUTHORITY,
			   DW_BAD_AUTHORITY_TRUNC, &opt_bad, &mm)) < 0)
		goto out;
	if ((rc = ref_walk_rrs(m, &c, m->arcount, DW_SEC_ADDITIONAL,
			   DW_BAD_ADDITIONAL_TRUNC, &opt_bad, &mm)) < 0)
		goto out;
	m->reached = DW_SEC_END;
	if (opt_bad)
		rc = ref_fail(m, DW_EOPT, DW_BAD_OPT);
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

/* ---- comparing one message --------------------------------------------- */

static unsigned long n_checked, n_failed;

static void hexdump(const uint8_t *w, size_t len)
{
	for (size_t i = 0; i < len && i < 512; i++)
		fprintf(stderr, "%02x%s", w[i], i % 32 == 31 ? "\n" : " ");
	fprintf(stderr, "%s(%zu bytes)\n", len % 32 ? "\n" : "", len);
}

#define DIFF_FIELD(f)                                                           \
	do {                                                                    \
		if (a->f != b->f)                                               \
			fprintf(stderr, "  %-16s new %llu ref %llu\n", #f,      \
				(unsigned long long)a->f, (unsigned long long)b->f); \
	} while (0)

static void report(const uint8_t *w, size_t len, int ra, int rb,
		   const dw_msg_t *a, const dw_msg_t *b)
{
	fprintf(stderr, "\ntest_dw_walk: results differ (rc new %d ref %d) on:\n", ra, rb);
	hexdump(w, len);
	DIFF_FIELD(len); DIFF_FIELD(have_header); DIFF_FIELD(id); DIFF_FIELD(qr);
	DIFF_FIELD(opcode); DIFF_FIELD(aa); DIFF_FIELD(tc); DIFF_FIELD(rd);
	DIFF_FIELD(ra); DIFF_FIELD(z); DIFF_FIELD(ad); DIFF_FIELD(cd);
	DIFF_FIELD(rcode); DIFF_FIELD(qdcount); DIFF_FIELD(ancount);
	DIFF_FIELD(nscount); DIFF_FIELD(arcount); DIFF_FIELD(have_question);
	DIFF_FIELD(qname_len); DIFF_FIELD(qtype); DIFF_FIELD(qclass);
	DIFF_FIELD(questions); DIFF_FIELD(have_edns); DIFF_FIELD(edns_udpsize);
	DIFF_FIELD(edns_ext_rcode); DIFF_FIELD(edns_version); DIFF_FIELD(edns_do);
	DIFF_FIELD(edns_flags); DIFF_FIELD(edns_options); DIFF_FIELD(edns_opt_present);
	DIFF_FIELD(edns_opt_high); DIFF_FIELD(rcode_full); DIFF_FIELD(reached);
	DIFF_FIELD(rrs); DIFF_FIELD(bad);
	if (memcmp(a->qname, b->qname, sizeof(a->qname)) != 0)
		fprintf(stderr, "  qname bytes differ\n");
}

/*
 * Parse @p w with both and compare the whole views (both start from the
 * same garbage, so a field one of them forgets to set shows too) and the
 * return codes. Small messages are parsed from an exact-size heap copy,
 * so that AddressSanitizer sees any read past the end. @return 1 when
 * they agree.
 */
static int walk_check(const uint8_t *w, size_t len)
{
	static dw_msg_t a, b;
	const uint8_t *p = w;
	uint8_t *copy = NULL;

	if (len <= 4096 && w != NULL) {
		copy = malloc(len ? len : 1);
		if (copy == NULL)
			abort();
		memcpy(copy, w, len);
		p = copy;
	}
	memset(&a, 0xa5, sizeof(a));
	memset(&b, 0xa5, sizeof(b));
	int ra = dw_msg_parse(&a, p, len);
	int rb = ref_msg_parse(&b, p, len);
	free(copy);
	n_checked++;
	if (ra == rb && memcmp(&a, &b, sizeof(a)) == 0)
		return 1;
	if (++n_failed <= 5)
		report(w, len, ra, rb, &a, &b);
	return 0;
}

/* ---- building messages -------------------------------------------------- */

#define WB_MAX 70000

typedef struct wb {
	uint8_t b[WB_MAX];
	size_t n;
} wb_t;

static void w8(wb_t *w, unsigned v)
{
	if (w->n < WB_MAX)
		w->b[w->n++] = (uint8_t)v;
}

static void w16(wb_t *w, unsigned v)
{
	w8(w, v >> 8);
	w8(w, v);
}

static void w32(wb_t *w, uint32_t v)
{
	w16(w, v >> 16);
	w16(w, v & 0xffff);
}

static void wfill(wb_t *w, unsigned v, size_t n)
{
	while (n-- > 0)
		w8(w, v);
}

static void patch16(wb_t *w, size_t at, unsigned v)
{
	w->b[at] = (uint8_t)(v >> 8);
	w->b[at + 1] = (uint8_t)v;
}

/* Labels of a dotted name ("" or "." writes none); with the root label
 * when @p root. @return the offset where they start. */
static size_t wlabels(wb_t *w, const char *name, int root)
{
	size_t at = w->n;
	while (*name && *name != '.') {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);
		w8(w, (unsigned)l);
		for (size_t i = 0; i < l; i++)
			w8(w, (uint8_t)name[i]);
		name += l;
		if (*name == '.')
			name++;
	}
	if (root)
		w8(w, 0);
	return at;
}

static size_t wname(wb_t *w, const char *name)
{
	return wlabels(w, name, 1);
}

static void wptr(wb_t *w, size_t off)
{
	w16(w, 0xc000 | (unsigned)(off & 0x3fff));
}

static void whdr(wb_t *w, unsigned f1, unsigned f2, unsigned qd, unsigned an,
		 unsigned ns, unsigned ar)
{
	w->n = 0;
	w16(w, 0x2a2a);
	w8(w, f1);
	w8(w, f2);
	w16(w, qd);
	w16(w, an);
	w16(w, ns);
	w16(w, ar);
}

static void set_counts(wb_t *w, unsigned qd, unsigned an, unsigned ns, unsigned ar)
{
	patch16(w, 4, qd);
	patch16(w, 6, an);
	patch16(w, 8, ns);
	patch16(w, 10, ar);
}

/* TYPE CLASS TTL and an RDLENGTH to patch: @return where RDATA starts. */
static size_t wfixed(wb_t *w, unsigned type, unsigned cls, uint32_t ttl)
{
	w16(w, type);
	w16(w, cls);
	w32(w, ttl);
	w16(w, 0);
	return w->n;
}

static void wrdend(wb_t *w, size_t rdata)
{
	patch16(w, rdata - 2, (unsigned)(w->n - rdata));
}

/* An RR with @p rdlen bytes of @p fill as RDATA (the owner written already). */
static void wrr_fill(wb_t *w, unsigned type, size_t rdlen, unsigned fill)
{
	size_t rd = wfixed(w, type, 1, 3600);
	wfill(w, fill, rdlen);
	wrdend(w, rd);
}

/* The corpus: every hand-built message, and the dataset messages. */
typedef struct msgv {
	uint8_t *p;
	size_t len;
} msgv_t;

static msgv_t *corpus;
static size_t n_corpus, cap_corpus, n_handbuilt;

static void corpus_add(const uint8_t *p, size_t len)
{
	if (n_corpus == cap_corpus) {
		cap_corpus = cap_corpus ? 2 * cap_corpus : 256;
		corpus = realloc(corpus, cap_corpus * sizeof(*corpus));
		if (corpus == NULL)
			abort();
	}
	corpus[n_corpus].p = malloc(len ? len : 1);
	if (corpus[n_corpus].p == NULL)
		abort();
	memcpy(corpus[n_corpus].p, p, len);
	corpus[n_corpus].len = len;
	n_corpus++;
}

static void keep(wb_t *w)
{
	corpus_add(w->b, w->n);
}

/* "www.example.com" question: labels at 12 (www), 16 (example), 24 (com). */
static void q_www(wb_t *w, unsigned qtype)
{
	wname(w, "www.example.com");
	w16(w, qtype);
	w16(w, 1);
}

/* An OPT record: @p owner_ptr 0 writes the root owner, else a pointer. */
static void wopt(wb_t *w, size_t owner_ptr, unsigned udp, uint32_t ttl,
		 const uint8_t *opts, size_t optlen)
{
	if (owner_ptr)
		wptr(w, owner_ptr);
	else
		w8(w, 0);
	size_t rd = wfixed(w, 41, udp, ttl);
	for (size_t i = 0; i < optlen; i++)
		w8(w, opts[i]);
	wrdend(w, rd);
}

static const uint8_t opt_cookie_pad[] = {
	0x00, 0x0a, 0x00, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	0x00, 0x0c, 0x00, 0x03, 0, 0, 0,
};

/*
 * A root referral as the root servers write it, with the compression
 * choices varied: NS RDATA written out, as a label and a pointer into
 * an earlier RDATA name (memoised or not), as a bare pointer; glue owners
 * pointing at each of them; DS and RRSIG; OPT with options.
 */
static void build_referral(wb_t *w, int variant)
{
	whdr(w, 0x84, 0x00, 1, 0, 0, 0);
	q_www(w, 1);
	/* authority: "com." NS, owner -> 24 */
	size_t ns_rd[4];
	wptr(w, 24);
	ns_rd[0] = wfixed(w, 2, 1, 172800);
	wname(w, variant & 1 ? "a.gtld-servers.net" : "a.gtld-servers.com");
	wrdend(w, ns_rd[0]);
	wptr(w, 24);
	ns_rd[1] = wfixed(w, 2, 1, 172800);
	wlabels(w, "b", 0);
	wptr(w, ns_rd[0] + 2); /* "gtld-servers...": not a memoised offset */
	wrdend(w, ns_rd[1]);
	wptr(w, 24);
	ns_rd[2] = wfixed(w, 2, 1, 172800);
	wlabels(w, "c", 0);
	wptr(w, ns_rd[0]); /* the first RDATA: memoised */
	wrdend(w, ns_rd[2]);
	wptr(w, 24);
	ns_rd[3] = wfixed(w, 2, 1, 172800);
	wptr(w, variant & 2 ? ns_rd[2] : 24); /* a bare pointer: never memoised */
	wrdend(w, ns_rd[3]);
	/* DS and RRSIG of com. */
	wptr(w, 24);
	size_t rd = wfixed(w, 43, 1, 86400);
	w16(w, 19718);
	w8(w, 13);
	w8(w, 2);
	wfill(w, 0x5c, 32);
	wrdend(w, rd);
	wptr(w, 24);
	rd = wfixed(w, 46, 1, 86400);
	w16(w, 43);
	w8(w, 8);
	w8(w, 1);
	w32(w, 86400);
	w32(w, 0x60000000);
	w32(w, 0x5f000000);
	w16(w, 20326);
	w8(w, 0); /* signer: the root */
	wfill(w, 0xc0, 64); /* signature bytes that look like pointers */
	wrdend(w, rd);
	unsigned ns = 6, ar = 0;
	/* additional: glue for each NS name */
	for (int i = 0; i < 4; i++) {
		wptr(w, ns_rd[i]);
		rd = wfixed(w, 1, 1, 172800);
		w32(w, 0xc0000200u + (uint32_t)i);
		wrdend(w, rd);
		wptr(w, ns_rd[i]);
		rd = wfixed(w, 28, 1, 172800);
		wfill(w, 0x20, 15);
		w8(w, i);
		wrdend(w, rd);
		ar += 2;
	}
	if (variant & 4) {
		/* a glue owner of a label and a pointer to a glue name */
		wlabels(w, "x", 0);
		wptr(w, ns_rd[2]);
		wrr_fill(w, 1, 4, 9);
		ar++;
	}
	wopt(w, 0, 1232, 0x8000, opt_cookie_pad, sizeof(opt_cookie_pad));
	ar++;
	set_counts(w, 1, 0, ns, ar);
}

/* Owners in every form, each followed by an A record. */
static void build_owner_forms(wb_t *w, int form)
{
	whdr(w, 0x84, 0x00, 1, 2, 0, 0);
	q_www(w, 1);
	/* a first answer whose owner is written out: memoised at 33 */
	wname(w, "mail.example.org");
	wrr_fill(w, 1, 4, 1);
	switch (form) {
	case 0: w8(w, 0); break;                       /* root */
	case 1: wptr(w, 12); break;                    /* the QNAME */
	case 2: wptr(w, 16); break;                    /* a suffix of it */
	case 3: wptr(w, 24); break;                    /* its last label */
	case 4: wptr(w, 33); break;                    /* the first owner */
	case 5: wptr(w, 38); break;                    /* a suffix of that */
	case 6: wlabels(w, "a", 0); wptr(w, 33); break; /* label + memoised */
	case 7: wlabels(w, "a", 0); wptr(w, 38); break; /* label + unknown */
	case 8: wptr(w, 4); break;                     /* the header: 00 -> root */
	case 9: wptr(w, 2); break;                     /* the header: flags */
	case 10: wptr(w, 13); break;                   /* into a label's data */
	case 11: wptr(w, w->n); break;                 /* itself */
	case 12: wptr(w, w->n + 2); break;             /* forward */
	case 13: w8(w, 0x40); w8(w, 'x'); w8(w, 0); break; /* label type 01 */
	case 14: w8(w, 0x80); w8(w, 0); break;         /* label type 10 */
	case 15: wlabels(w, "ab.cd.ef", 1); break;     /* fresh labels */
	case 16: wptr(w, 29); break;                   /* QTYPE bytes: 00 01 */
	case 17: wptr(w, 0); break;                    /* the ID */
	case 18: {                                     /* a pointer to a pointer */
		size_t at = w->n;
		wptr(w, 16);
		wrr_fill(w, 1, 4, 2);
		wptr(w, at);
		patch16(w, 6, 3);
		break;
	}
	default: w8(w, 0x3f); wfill(w, 'z', 63); w8(w, 0); break; /* 63-byte label */
	}
	wrr_fill(w, 1, 4, 3);
}

/* Names in RDATA of each name type, and of one that is not (MX). */
static void build_rdata_names(wb_t *w, unsigned type)
{
	whdr(w, 0x84, 0x00, 1, 6, 0, 0);
	q_www(w, type);
	size_t rd[3];
	wptr(w, 12);
	rd[0] = wfixed(w, type, 1, 60);
	if (type == 15)
		w16(w, 10);
	wname(w, "alias.example.net");
	wrdend(w, rd[0]);
	wptr(w, 12);
	rd[1] = wfixed(w, type, 1, 60);
	if (type == 15)
		w16(w, 20);
	wlabels(w, "two", 0);
	wptr(w, type == 15 ? rd[0] + 2 : rd[0]);
	wrdend(w, rd[1]);
	wptr(w, 12);
	rd[2] = wfixed(w, type, 1, 60);
	w8(w, 0); /* the root as RDATA: rdlen 1, not walked */
	wrdend(w, rd[2]);
	for (int i = 0; i < 3; i++) {
		wptr(w, rd[i] + (type == 15 ? 2 : 0));
		wrr_fill(w, 1, 4, 7);
	}
}

/* OPT records in every place and shape. */
static void build_opt(wb_t *w, int variant)
{
	static const uint8_t tiles[] = {
		0x00, 0x00, 0x00, 0x00, /* code 0 */
		0x00, 0x3f, 0x00, 0x01, 0xaa, /* code 63 */
		0x00, 0x40, 0x00, 0x00, /* code 64 */
		0xff, 0xff, 0x00, 0x02, 0x01, 0x02, /* code 65535 */
	};
	static const uint8_t half[] = { 0x00, 0x0a, 0x00 };
	static const uint8_t over[] = { 0x00, 0x0a, 0x00, 0x08, 1, 2 };
	whdr(w, 0x80, 0x03, 1, 0, 0, 0);
	wname(w, "");
	w16(w, 2);
	w16(w, 1);
	unsigned an = 0, ns = 0, ar = 0;
	switch (variant) {
	case 0: wopt(w, 0, 4096, 0x01008000, tiles, sizeof(tiles)); ar = 1; break;
	case 1: wopt(w, 0, 512, 0, half, sizeof(half)); ar = 1; break;
	case 2: wopt(w, 0, 512, 0xff010000, over, sizeof(over)); ar = 1; break;
	case 3: wopt(w, 0, 1232, 0x8000, NULL, 0); an = 1; break; /* answer */
	case 4: wopt(w, 0, 1232, 0x8000, NULL, 0); ns = 1; break; /* authority */
	case 5: /* two OPTs */
		wopt(w, 0, 1232, 0x8000, tiles, 4);
		wopt(w, 0, 4096, 0x02000000, NULL, 0);
		ar = 2;
		break;
	case 6: /* non-root owner */
		wlabels(w, "a", 1);
		wrr_fill(w, 41, 0, 0);
		ar = 1;
		break;
	case 7: wopt(w, 12, 1232, 0x8000, NULL, 0); ar = 1; break; /* -> root byte */
	case 8: /* owner -> an earlier non-root owner */
		wlabels(w, "n", 1);
		wrr_fill(w, 1, 4, 0);
		wopt(w, 17, 1232, 0x8000, NULL, 0);
		ar = 2;
		break;
	case 9: /* OPT in all three sections, the additional one bad */
		wopt(w, 0, 1, 0, NULL, 0);
		wopt(w, 0, 2, 0, NULL, 0);
		wopt(w, 0, 3, 0x7f000000, over, sizeof(over));
		an = ns = ar = 1;
		break;
	case 10: /* a bad OPT, then a structural error */
		wlabels(w, "a", 1);
		wrr_fill(w, 41, 0, 0);
		w8(w, 0x80);
		wrr_fill(w, 1, 4, 0);
		ar = 2;
		break;
	default: /* RDATA cut short: the fixed part still counts */
		wopt(w, 0, 1232, 0x01008000, tiles, sizeof(tiles));
		w->n -= 3;
		ar = 1;
		break;
	}
	set_counts(w, 1, an, ns, ar);
}

/* Labels of @p total wire bytes (without the root label): 63-byte labels
 * and one shorter, so the name with its root is total + 1 bytes. */
static void wlong(wb_t *w, size_t total, int root)
{
	while (total > 0) {
		size_t l = total > 64 ? 63 : total - 1;
		if (l == 0) /* a 1-byte rest: shorten the label before */
			break;
		w8(w, (unsigned)l);
		wfill(w, 'a' + (unsigned)(total % 26), l);
		total -= l + 1;
	}
	if (root)
		w8(w, 0);
}

/*
 * Names at the 255-byte limit (RFC 1035 3.1) and one past it, @p k picking
 * the length: an owner of labels only (254 + k bytes), an owner of a
 * label and a pointer to the 193-byte QNAME (62 + k + 193), the same as
 * NS RDATA and a glue owner pointing at it; then an owner pointing at the
 * first one.
 */
static void build_long(wb_t *w, unsigned k)
{
	whdr(w, 0x84, 0x00, 1, 3, 1, 1);
	wlong(w, 192, 1); /* QNAME at 12: 3 x 64 + root = 193 */
	w16(w, 1);
	w16(w, 1);
	size_t own1 = w->n;
	wlong(w, 253 + k, 1); /* 254 + k bytes with the root */
	wrr_fill(w, 1, 4, 0);
	w8(w, 60 + k);
	wfill(w, 'k', 60 + k);
	wptr(w, 12); /* 61 + k + 2 ... = 61 + k + 193 */
	wrr_fill(w, 1, 4, 0);
	wptr(w, own1);
	wrr_fill(w, 1, 4, 0);
	wptr(w, 12);
	size_t rd = wfixed(w, 2, 1, 1);
	w8(w, 60 + k);
	wfill(w, 'n', 60 + k);
	wptr(w, 12);
	wrdend(w, rd);
	wptr(w, rd);
	wrr_fill(w, 1, 4, 0);
}

/*
 * Root names: NS RDATA of a root label and a stray byte (walked: RDLENGTH
 * 2), and an OPT owner pointing at it, at the QNAME's root byte, and at a
 * root owner; a root by length is a root to OPT.
 */
static void build_roots(wb_t *w, int variant)
{
	whdr(w, 0x84, 0x00, 1, 1, 1, 2);
	wname(w, "");
	w16(w, 2);
	w16(w, 1);
	size_t root_owner = w->n;
	w8(w, 0);
	size_t rd = wfixed(w, 2, 1, 1);
	w8(w, 0);
	w8(w, variant & 1 ? 0xc0 : 0x05);
	wrdend(w, rd);
	wptr(w, variant & 2 ? root_owner : 12);
	wrr_fill(w, 5, 2, 0);
	wptr(w, rd);
	wrr_fill(w, 1, 4, 0);
	wptr(w, variant & 4 ? rd : variant & 2 ? 12 : root_owner);
	size_t o = wfixed(w, 41, 1232, 0x8000);
	wrdend(w, o);
}

/*
 * The hop cap through the memo: each owner is a label and a pointer to the
 * owner before, so the memo's hop count grows by one per record until an
 * entry reaches DW_MAX_PTR_HOPS and the next name is too deep (bad_pointer).
 * @p in_rdata: the chain runs through NS RDATA instead, the owners of A
 * records pointing at its links.
 */
static void build_chain(wb_t *w, unsigned links, int in_rdata)
{
	whdr(w, 0x84, 0x00, 1, 0, 0, 0);
	wname(w, "q");
	w16(w, 1);
	w16(w, 1);
	size_t prev = 12;
	unsigned an = 0;
	for (unsigned i = 0; i < links; i++) {
		if (in_rdata) {
			wptr(w, 12);
			size_t rd = wfixed(w, 2, 1, 1);
			wlabels(w, "x", 0);
			wptr(w, prev);
			wrdend(w, rd);
			prev = rd;
			an++;
			if (i % 8 == 7 || i + 1 == links) {
				wptr(w, prev);
				wrr_fill(w, 1, 4, 0);
				an++;
			}
		} else {
			size_t at = w->n;
			wlabels(w, "x", 0);
			wptr(w, prev);
			wrr_fill(w, 1, 4, 0);
			prev = at;
			an++;
		}
	}
	wptr(w, prev);
	wrr_fill(w, 1, 4, 0);
	an++;
	set_counts(w, 1, an, 0, 0);
}

/* Hundreds of NS names and glue, so memo slots collide and evict. */
static void build_many(wb_t *w, unsigned n, uint32_t seed)
{
	size_t rd[400];
	whdr(w, 0x84, 0x00, 1, 0, 0, 0);
	q_www(w, 2);
	if (n > 400)
		n = 400;
	for (unsigned i = 0; i < n; i++) {
		char name[16];
		wptr(w, 16);
		rd[i] = wfixed(w, 2, 1, 1);
		snprintf(name, sizeof(name), "ns%u", i);
		wlabels(w, name, 0);
		if (i > 0 && (seed >> (i % 31) & 1))
			wptr(w, rd[(seed * 2654435761u + i) % i]);
		else
			wptr(w, 16);
		wrdend(w, rd[i]);
	}
	for (unsigned i = 0; i < n; i++) {
		wptr(w, rd[(i * 7 + seed) % n]);
		wrr_fill(w, i & 1 ? 28 : 1, i & 1 ? 16 : 4, i);
	}
	set_counts(w, 1, 0, n, n);
}

/*
 * Over 64 KiB: the memo keeps offsets as 16 bits, so a name memoised at
 * S >= 65536 sits in the slot of S - 65536 (the slot hash keeps the low
 * bits) with that offset. A pointer to S - 65536 then finds it. Both walks
 * must agree, whatever lies at S - 65536 (@p at_target).
 */
static void build_wrap(wb_t *w, unsigned at_target, int opt)
{
	whdr(w, 0x84, 0x00, 1, 4, 0, 0);
	wname(w, "a");
	w16(w, 1);
	w16(w, 1);
	/* 17: a big RDATA from 28 on, to well past 64 KiB */
	w8(w, 0);
	size_t rd = wfixed(w, 99, 1, 0);
	wfill(w, at_target, 65000);
	wrdend(w, rd);
	w8(w, 0);
	wrr_fill(w, 99, 600, 0);
	size_t s = w->n; /* > 65536 */
	wlabels(w, "zz", 1);
	wrr_fill(w, 1, 4, 0);
	if (opt) {
		wptr(w, s - 65536);
		wrr_fill(w, 41, 0, 0);
		set_counts(w, 1, 3, 0, 1);
	} else {
		wptr(w, s - 65536);
		wrr_fill(w, 1, 4, 0);
	}
}

static void build_misc(wb_t *w, int variant)
{
	switch (variant) {
	case 0: /* NXDOMAIN: SOA owned by the root */
		whdr(w, 0x84, 0x03, 1, 0, 1, 0);
		wname(w, "nonexistent-tld");
		w16(w, 1);
		w16(w, 1);
		{
			w8(w, 0);
			size_t rd = wfixed(w, 6, 1, 86400);
			wname(w, "a.root-servers.net");
			wname(w, "nstld.verisign-grs.com");
			wfill(w, 0x11, 20);
			wrdend(w, rd);
		}
		break;
	case 1: /* two questions, the second compressed; RRs after */
		whdr(w, 0x00, 0x00, 2, 1, 0, 0);
		wname(w, "nl");
		w16(w, 48);
		w16(w, 1);
		wlabels(w, "nu", 0);
		wptr(w, 12);
		w16(w, 28);
		w16(w, 1);
		wptr(w, 20);
		wrr_fill(w, 1, 4, 0);
		break;
	case 2: /* the QNAME itself compressed (into the header): no memo */
		whdr(w, 0x80, 0x00, 1, 2, 0, 0);
		wptr(w, 4);
		w16(w, 1);
		w16(w, 1);
		wptr(w, 12);
		wrr_fill(w, 1, 4, 0);
		wptr(w, 4);
		wrr_fill(w, 1, 4, 0);
		break;
	case 3: /* no question, RRs with labels */
		whdr(w, 0x80, 0x00, 0, 2, 1, 0);
		wname(w, "host.example");
		wrr_fill(w, 1, 4, 0);
		wptr(w, 12);
		wrr_fill(w, 28, 16, 0);
		wptr(w, 17);
		wrr_fill(w, 2, 2, 0xc0); /* NS RDATA c0 c0: a forward pointer */
		break;
	case 4: /* counts over the bytes left, trailing bytes */
		whdr(w, 0x84, 0x00, 1, 1, 1, 3);
		q_www(w, 1);
		wptr(w, 12);
		wrr_fill(w, 1, 4, 0);
		wptr(w, 12);
		wrr_fill(w, 1, 4, 0);
		w8(w, 0);
		wrr_fill(w, 41, 0, 0);
		wfill(w, 0xee, 5);
		break;
	case 5: /* RDATA names running past RDLENGTH, and into the next RR */
		whdr(w, 0x84, 0x00, 1, 3, 0, 0);
		q_www(w, 2);
		wptr(w, 12);
		{
			size_t rd = wfixed(w, 2, 1, 1);
			w8(w, 3);
			w8(w, 'a');
			wrdend(w, rd); /* rdlen 2: the label runs on */
			w8(w, 'b');
			w8(w, 'c');
			w8(w, 0);
		}
		w16(w, 1); /* the rest of an owner-less "RR" */
		wptr(w, 12);
		wrr_fill(w, 5, 2, 0x01);
		wptr(w, 44);
		wrr_fill(w, 1, 4, 0);
		break;
	default: /* a DNAME and a PTR whose RDATA is cut by the message end */
		whdr(w, 0x84, 0x00, 1, 2, 0, 0);
		q_www(w, 12);
		wptr(w, 16);
		{
			size_t rd = wfixed(w, 39, 1, 1);
			wname(w, "example.net");
			wrdend(w, rd);
		}
		wptr(w, 12);
		{
			size_t rd = wfixed(w, 12, 1, 1);
			wlabels(w, "longlabel", 0);
			wrdend(w, rd);
			patch16(w, rd - 2, 30);
		}
		break;
	}
}

static wb_t wb; /* 70 KB: static */

static void build_corpus(void)
{
	static const unsigned name_types[] = { 2, 5, 12, 39, 15 };
	for (int v = 0; v < 8; v++) {
		build_referral(&wb, v);
		keep(&wb);
	}
	for (int f = 0; f < 20; f++) {
		build_owner_forms(&wb, f);
		keep(&wb);
	}
	for (size_t t = 0; t < sizeof(name_types) / sizeof(name_types[0]); t++) {
		build_rdata_names(&wb, name_types[t]);
		keep(&wb);
	}
	for (int v = 0; v < 12; v++) {
		build_opt(&wb, v);
		keep(&wb);
	}
	for (unsigned k = 0; k < 3; k++) {
		build_long(&wb, k);
		keep(&wb);
	}
	for (int v = 0; v < 8; v++) {
		build_roots(&wb, v);
		keep(&wb);
	}
	for (int v = 0; v < 7; v++) {
		build_misc(&wb, v);
		keep(&wb);
	}
	/* the query of the same exchange */
	whdr(&wb, 0x01, 0x00, 1, 0, 0, 1);
	q_www(&wb, 1);
	wopt(&wb, 0, 1232, 0x8000, opt_cookie_pad, 20);
	keep(&wb);
	n_handbuilt = n_corpus;
}

/* ---- the tests ---------------------------------------------------------- */

static void check_all_cuts_and_bytes(const uint8_t *p, size_t len, unsigned long *fails)
{
	static const uint8_t vals[] = { 0x00, 0xc0, 0x3f, 0xff };
	uint8_t *m = malloc(len ? len : 1);
	if (m == NULL)
		abort();
	for (size_t n = 0; n <= len; n++)
		*fails += !walk_check(p, n);
	for (size_t i = 0; i < len; i++) {
		memcpy(m, p, len);
		for (size_t v = 0; v < sizeof(vals); v++) {
			m[i] = vals[v];
			*fails += !walk_check(m, len);
		}
	}
	free(m);
}

static void test_handbuilt(void)
{
	unsigned long fails = 0, before = n_checked;
	for (size_t i = 0; i < n_handbuilt; i++)
		fails += !walk_check(corpus[i].p, corpus[i].len);
	fails += !walk_check(NULL, 0);
	CU_ASSERT_EQUAL(fails, 0);
	CU_ASSERT(n_checked - before > 50);
}

static void test_cuts_and_bytes(void)
{
	unsigned long fails = 0, before = n_checked;
	for (size_t i = 0; i < n_handbuilt; i++)
		check_all_cuts_and_bytes(corpus[i].p, corpus[i].len, &fails);
	CU_ASSERT_EQUAL(fails, 0);
	CU_ASSERT(n_checked - before > 10000);
}

static void test_memo_edges(void)
{
	unsigned long fails = 0;
	dw_msg_t m;
	/* the hop cap, in owners and in NS RDATA, around DW_MAX_PTR_HOPS */
	for (unsigned links = 120; links <= 132; links++) {
		for (int r = 0; r < 2; r++) {
			build_chain(&wb, links, r);
			fails += !walk_check(wb.b, wb.n);
			if (links == 124 || links == 126 || links == 128)
				check_all_cuts_and_bytes(wb.b, wb.n, &fails);
		}
	}
	/* a chain that is too deep is a bad pointer, as the full walk says */
	build_chain(&wb, 130, 0);
	CU_ASSERT_EQUAL(dw_msg_parse(&m, wb.b, wb.n), DW_ELOOP);
	CU_ASSERT_EQUAL(m.bad, DW_BAD_POINTER);
	build_chain(&wb, 100, 0);
	CU_ASSERT_EQUAL(dw_msg_parse(&m, wb.b, wb.n), 0);
	/* slot collisions */
	for (unsigned n = 1; n <= 400; n += n < 40 ? 1 : 37) {
		for (uint32_t seed = 0; seed < 3; seed++) {
			build_many(&wb, n, seed * 0x9e3779b9u + n);
			fails += !walk_check(wb.b, wb.n);
		}
	}
	build_many(&wb, 40, 7);
	check_all_cuts_and_bytes(wb.b, wb.n, &fails);
	/* offsets past 64 KiB: cut near the end, and the records mutated */
	static const unsigned targets[] = { 0x00, 0x80, 0x01, 0xc0, 0x3f };
	for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
		for (int opt = 0; opt < 2; opt++) {
			build_wrap(&wb, targets[t], opt);
			CU_ASSERT(wb.n > 65536 + 20);
			fails += !walk_check(wb.b, wb.n);
			for (size_t n = wb.n - 64; n < wb.n; n++)
				fails += !walk_check(wb.b, n);
			for (size_t i = wb.n - 40; i < wb.n; i++) {
				uint8_t keepb = wb.b[i];
				for (unsigned v = 0; v < 256; v += 17) {
					wb.b[i] = (uint8_t)v;
					fails += !walk_check(wb.b, wb.n);
				}
				wb.b[i] = keepb;
			}
		}
	}
	CU_ASSERT_EQUAL(fails, 0);
}

/* -- datasets/: a tiny reader for plain pcap and pcapng, UDP and TCP ---- */

static uint32_t rd32(const uint8_t *p, int swap)
{
	return swap ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
		    : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* The DNS payloads of one frame: a UDP payload; a TCP segment's payload
 * as it is and split at its 2-byte length prefixes. */
static void frame_payloads(const uint8_t *f, size_t n, uint32_t linktype)
{
	size_t off;
	unsigned proto;
	switch (linktype) {
	case 1: /* Ethernet, VLAN tags skipped */
		off = 12;
		while (off + 2 <= n && (f[off] << 8 | f[off + 1]) == 0x8100)
			off += 4;
		off += 2;
		break;
	case 113: off = 16; break; /* Linux cooked */
	case 276: off = 20; break; /* Linux cooked v2 */
	case 0: case 108: off = 4; break;
	default: off = 0; break; /* raw IP */
	}
	if (off >= n)
		return;
	const uint8_t *ip = f + off;
	size_t iplen = n - off, hl;
	if (ip[0] >> 4 == 4 && iplen >= 20) {
		hl = (size_t)(ip[0] & 15) * 4;
		proto = ip[9];
		if ((ip[6] & 0x1f) != 0 || ip[7] != 0)
			return; /* a later fragment */
	} else if (ip[0] >> 4 == 6 && iplen >= 40) {
		hl = 40;
		proto = ip[6];
		if (proto == 44 && iplen >= 48) { /* fragment header */
			if ((ip[42] << 8 | ip[43]) & 0xfff8)
				return;
			proto = ip[40];
			hl = 48;
		}
	} else {
		return;
	}
	if (hl > iplen)
		return;
	const uint8_t *t = ip + hl;
	size_t tlen = iplen - hl;
	if (proto == 17 && tlen > 8) {
		corpus_add(t + 8, tlen - 8);
	} else if (proto == 6 && tlen >= 20) {
		size_t doff = (size_t)(t[12] >> 4) * 4;
		if (doff > tlen || doff == tlen)
			return;
		const uint8_t *s = t + doff;
		size_t slen = tlen - doff;
		corpus_add(s, slen);
		for (size_t p = 0; p + 2 <= slen;) {
			size_t ml = (size_t)(s[p] << 8 | s[p + 1]);
			if (ml == 0 || p + 2 + ml > slen)
				break;
			corpus_add(s + p + 2, ml);
			p += 2 + ml;
		}
	}
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (fp == NULL)
		return NULL;
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0, r;
	do {
		if (n == cap) {
			cap = cap ? 2 * cap : 1 << 16;
			uint8_t *nb = realloc(buf, cap);
			if (nb == NULL)
				abort();
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n, fp);
		n += r;
	} while (r > 0);
	fclose(fp);
	*len = n;
	return buf;
}

/* @return the frames read, or -1 when the file is missing. */
static long read_capture(const char *path)
{
	size_t len;
	uint8_t *b = slurp(path, &len);
	long frames = 0;
	if (b == NULL)
		return -1;
	uint32_t magic = len >= 4 ? rd32(b, 0) : 0;
	if (magic == 0xa1b2c3d4u || magic == 0xa1b23c4du || magic == 0xd4c3b2a1u ||
	    magic == 0x4d3cb2a1u) {
		int swap = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
		uint32_t lt = len >= 24 ? rd32(b + 20, swap) & 0xffff : 0;
		for (size_t p = 24; p + 16 <= len;) {
			size_t caplen = rd32(b + p + 8, swap);
			if (caplen > len - p - 16)
				break;
			frame_payloads(b + p + 16, caplen, lt);
			frames++;
			p += 16 + caplen;
		}
	} else if (magic == 0x0a0d0d0au) {
		uint32_t lts[16] = { 0 };
		unsigned nif = 0;
		int swap = 0;
		for (size_t p = 0; p + 12 <= len;) {
			uint32_t type = rd32(b + p, swap);
			if (type == 0x0a0d0d0au) {
				swap = rd32(b + p + 8, 0) == 0x4d3c2b1au;
				nif = 0;
			}
			size_t blen = rd32(b + p + 4, swap);
			if (blen < 12 || blen > len - p)
				break;
			if (type == 1 && nif < 16 && blen >= 20)
				lts[nif++] = rd32(b + p + 8, swap) & 0xffff;
			if (type == 6 && blen >= 32) {
				uint32_t ifc = rd32(b + p + 8, swap);
				size_t caplen = rd32(b + p + 20, swap);
				if (ifc < nif && caplen <= blen - 32) {
					frame_payloads(b + p + 28, caplen, lts[ifc]);
					frames++;
				}
			}
			p += blen;
		}
	}
	free(b);
	return frames;
}

static void test_datasets(void)
{
	static const char *files[] = {
		"datasets/root-any-sll.pcap", "datasets/root-any-sll2.pcap",
		"datasets/root-frags.pcap", "datasets/root-tcp-pipelined.pcap",
		"datasets/root-priming.pcapng",
	};
	unsigned long fails = 0;
	size_t first = n_corpus;
	long frames = 0;
	int found = 0;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		long f = read_capture(files[i]);
		if (f >= 0) {
			found++;
			frames += f;
		}
	}
	if (!found) {
		fprintf(stderr, "test_dw_walk: datasets/ not found (run from the "
			"source tree); dataset messages skipped\n");
		return;
	}
	CU_ASSERT(frames > 100);
	CU_ASSERT(n_corpus - first > 100);
	for (size_t i = first; i < n_corpus; i++) {
		fails += !walk_check(corpus[i].p, corpus[i].len);
		/* every tenth message cut everywhere and overwritten everywhere */
		if ((i - first) % 10 == 0 && corpus[i].len <= 1500)
			check_all_cuts_and_bytes(corpus[i].p, corpus[i].len, &fails);
	}
	CU_ASSERT_EQUAL(fails, 0);
}

/* -- seeded random messages ---------------------------------------------- */

static uint64_t rng = 0x243f6a8885a308d3u;

static uint32_t rnd(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dull) >> 32);
}

static unsigned rndn(unsigned n)
{
	return n ? rnd() % n : 0;
}

/*
 * A response built at random: the compression choices a server could
 * make and some it should not: owners as the root, labels, pointers to
 * the QNAME and its suffixes, to earlier owners and RDATA names, labels
 * plus such a pointer; NS/CNAME/PTR/DNAME RDATA the same way; OPT
 * anywhere.
 */
static void gen_message(wb_t *w)
{
	size_t names[64];
	unsigned nn = 0;
	unsigned counts[3];
	whdr(w, rnd() & 0xff, rnd() & 0xff, 1, 0, 0, 0);
	unsigned labels = 1 + rndn(4);
	for (unsigned l = 0; l < labels; l++) {
		names[nn++] = w->n;
		unsigned ll = 1 + rndn(l + 1 == labels ? 3 : 12);
		w8(w, ll);
		for (unsigned i = 0; i < ll; i++)
			w8(w, 'a' + rndn(26));
	}
	w8(w, 0);
	w16(w, rndn(64));
	w16(w, 1);
	for (int s = 0; s < 3; s++) {
		counts[s] = rndn(s == 2 ? 6 : 10);
		for (unsigned r = 0; r < counts[s]; r++) {
			size_t at = w->n;
			switch (rndn(8)) {
			case 0: w8(w, 0); break;
			case 1: if (rndn(4)) wlabels(w, "lbl.x", 1); else wlong(w, 240 + rndn(20), 1); break;
			case 2: case 3: case 4: wptr(w, names[rndn(nn)]); break;
			case 5: wlabels(w, "p", 0); wptr(w, names[rndn(nn)]); break;
			case 6: wptr(w, rndn((unsigned)w->n + 4)); break;
			default: wptr(w, names[rndn(nn)] + rndn(3)); break;
			}
			if (nn < 64 && w->b[at] != 0 && at + 2 != w->n)
				names[nn++] = at;
			static const unsigned types[] = { 1, 28, 2, 2, 2, 5, 12, 39, 41, 41, 43, 46, 15, 16, 6 };
			unsigned type = types[rndn(sizeof(types) / sizeof(types[0]))];
			size_t rd = wfixed(w, type, type == 41 ? 512 + rndn(4096) : 1, rnd());
			if (type == 2 || type == 5 || type == 12 || type == 39 || (type == 15 && rndn(2))) {
				if (type == 15)
					w16(w, 10);
				size_t nat = w->n;
				switch (rndn(6)) {
				case 0: wlabels(w, "ns.host", 1); break;
				case 1: wptr(w, names[rndn(nn)]); break;
				case 2: wlabels(w, "n", 0); wptr(w, names[rndn(nn)]); break;
				case 3: wlabels(w, "a.b", 0); wptr(w, names[rndn(nn)] + rndn(2)); break;
				case 4: w8(w, 0); if (rndn(2)) w8(w, rnd() & 0xff); break;
				default: wlong(w, 180 + rndn(80), rndn(4) != 0); break;
				}
				if (nn < 64 && w->b[nat] != 0)
					names[nn++] = nat;
			} else if (type == 41) {
				unsigned no = rndn(3);
				for (unsigned o = 0; o < no; o++) {
					unsigned ol = rndn(6);
					w16(w, rndn(4) ? rndn(20) : rnd() & 0xffff);
					w16(w, rndn(8) ? ol : ol + 3);
					wfill(w, 0x42, ol);
				}
			} else {
				wfill(w, rnd() & 0xff, type == 1 ? 4 : type == 28 ? 16 : rndn(40));
			}
			wrdend(w, rd);
		}
	}
	set_counts(w, 1, counts[0], counts[1], counts[2]);
}

/* One to three mutations of the message in @p w. */
static void mutate(wb_t *w)
{
	static const uint8_t special[] = { 0x00, 0x01, 0x02, 0x3f, 0x40, 0x80, 0xc0, 0xff, 0x29, 0x0c };
	unsigned k = 1 + rndn(3);
	while (k-- > 0 && w->n > 0) {
		size_t i = rndn((unsigned)w->n), m;
		switch (rndn(10)) {
		case 0: w->b[i] ^= (uint8_t)(1u << rndn(8)); break;
		case 1: w->b[i] = special[rndn(sizeof(special))]; break;
		case 2: w->b[i] = (uint8_t)rnd(); break;
		case 3: /* insert */
			m = 1 + rndn(4);
			if (w->n + m < 8192) {
				memmove(w->b + i + m, w->b + i, w->n - i);
				for (size_t j = 0; j < m; j++)
					w->b[i + j] = rndn(2) ? special[rndn(sizeof(special))] : (uint8_t)rnd();
				w->n += m;
			}
			break;
		case 4: /* delete */
			m = 1 + rndn(4);
			if (i + m <= w->n) {
				memmove(w->b + i, w->b + i + m, w->n - i - m);
				w->n -= m;
			}
			break;
		case 5: /* a pointer, mostly backwards */
			if (i + 1 < w->n) {
				size_t t = rndn(4) ? rndn((unsigned)i + 1) : rndn((unsigned)w->n + 8);
				w->b[i] = (uint8_t)(0xc0 | (t >> 8 & 0x3f));
				w->b[i + 1] = (uint8_t)t;
			}
			break;
		case 6: /* a section count */
			if (w->n >= 12) {
				size_t c = 4 + 2 * rndn(4);
				unsigned v = rndn(4) ? rndn(12) : rnd() & 0xffff;
				w->b[c] = (uint8_t)(v >> 8);
				w->b[c + 1] = (uint8_t)v;
			}
			break;
		case 7: w->n = i; break; /* cut */
		case 8: /* copy a run over another place */
			m = 1 + rndn(16);
			{
				size_t j = rndn((unsigned)w->n);
				if (i + m <= w->n && j + m <= w->n)
					memmove(w->b + j, w->b + i, m);
			}
			break;
		default: /* a label length */
			w->b[i] = (uint8_t)rndn(64);
			break;
		}
	}
}

static unsigned long iterations(void)
{
	const char *e = getenv("DW_WALK_ITERS");
	if (e != NULL && *e)
		return strtoul(e, NULL, 10);
#if defined(__SANITIZE_ADDRESS__)
	return 300000;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	return 300000;
#else
	return 3000000;
#endif
#else
	return 3000000;
#endif
}

static void test_random(void)
{
	unsigned long fails = 0, n = iterations();
	for (unsigned long it = 0; it < n; it++) {
		if (it % 2 == 0 || n_corpus == 0) {
			gen_message(&wb);
			if (rndn(4))
				mutate(&wb);
		} else {
			const msgv_t *c = &corpus[rndn((unsigned)n_corpus)];
			if (c->len > 8000)
				continue;
			memcpy(wb.b, c->p, c->len);
			wb.n = c->len;
			mutate(&wb);
		}
		fails += !walk_check(wb.b, wb.n);
	}
	CU_ASSERT_EQUAL(fails, 0);
}

static void test_summary(void)
{
	fprintf(stderr, "\ntest_dw_walk: %lu messages compared, %lu differ (%zu hand-built, %zu in the corpus)\n",
		n_checked, n_failed, n_handbuilt, n_corpus);
	CU_ASSERT_EQUAL(n_failed, 0);
}

#ifndef DW_WALK_NO_MAIN
static CU_TestInfo tests[] = {
	{ "hand-built messages", test_handbuilt },
	{ "each cut at every byte, every byte overwritten", test_cuts_and_bytes },
	{ "memo: hop cap, collisions, offsets past 64 KiB", test_memo_edges },
	{ "datasets/ messages", test_datasets },
	{ "seeded random messages and mutations", test_random },
	{ "summary", test_summary },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	build_corpus();
	return cu_run("dw_walk", tests);
}
#endif
