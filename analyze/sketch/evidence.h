/*
 * evidence.h - what a heavy sender's queries looked like, in a fixed
 * record per Space-Saving counter (m_sources keeps one beside each
 * counter of its per-interval top_sources, top_prefixes and top_asns
 * summaries): the queries' types, transports and DO bits, and the few
 * questions it asked most, so that a flag (analyze/flags.c) can say not
 * only that a resolver sent too much but what it sent.
 *
 * A record starts afresh when its counter is taken over by a new key, so
 * it describes the queries counted since: in one stream exactly
 * count - error of them (spacesaving.h), after merges at most count.
 *
 * The questions are a Space-Saving summary of their own (Metwally et al.,
 * see spacesaving.h) with AN_EV_SLOTS counters over (QNAME, QTYPE): a
 * question asked more than n / AN_EV_SLOTS times is in it, its count an
 * upper bound, count - error a lower one. QNAMEs compare without case
 * (RFC 4343), through a 64-bit hash of the lowercased name and the type:
 * two questions with equal hashes are taken as one (2^-64 per pair).
 *
 * Per query: one hash of the QNAME (an_ev_q_set(), shared by all the
 * records it goes to), then per record a handful of additions and a
 * look-up among AN_EV_SLOTS hashes; a QNAME is copied only when its
 * question takes a slot. No allocation.
 */
#ifndef ROOTLENS_AN_EVIDENCE_H
#define ROOTLENS_AN_EVIDENCE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rootlens/dnswire.h"

#define AN_EV_SLOTS 4  /**< (QNAME, QTYPE) counters per record */
#define AN_EV_NQT 11   /**< query types counted by name; the rest in "other" */

/** One question counter. */
typedef struct an_ev_slot {
	uint64_t h;       /**< an_ev_qhash() of the question */
	uint64_t count;   /**< upper bound of its queries */
	uint64_t err;     /**< count - err is a lower bound */
	uint16_t qtype;
	uint8_t len;      /**< QNAME length in wire form, 1..255 */
} an_ev_slot_t;

/** The evidence of one counter. Reset with an_ev_reset(). */
typedef struct an_ev {
	uint64_t n;       /**< queries counted in this record */
	uint64_t tcp;     /**< of them over TCP (the rest UDP) */
	uint64_t dobit;   /**< with the EDNS DO bit */
	/** by type: A NS SOA PTR MX TXT AAAA SRV DS DNSKEY ANY, then "other"
	 *  (other types and queries without a question) */
	uint64_t qt[AN_EV_NQT + 1];
	uint32_t nslots;  /**< slots in use */
	an_ev_slot_t q[AN_EV_SLOTS];
	uint8_t name[AN_EV_SLOTS][DW_NAME_MAXLEN]; /**< QNAMEs, wire form, case kept */
} an_ev_t;

/** What one query adds to a record: computed once per query by
 *  an_ev_q_set(), borrowed from the message (@p name points into a
 *  DW_NAME_MAXLEN array: an_ev_add() may read past @p len in it). */
typedef struct an_ev_q {
	uint64_t h;
	const uint8_t *name;
	uint8_t len;
	uint8_t have_q;   /**< the query has a question */
	uint8_t qt;       /**< index into an_ev_t.qt */
	uint8_t tcp, dobit;
	uint16_t qtype;
} an_ev_q_t;

/** The slot of an_ev_t.qt that counts @p qtype. */
unsigned an_ev_qt_slot(uint16_t qtype);

/** The name of an_ev_t.qt slot @p i ("A", ..., "other"). */
const char *an_ev_qt_name(unsigned i);

/** Hash of a question: its QNAME (@p len wire bytes) lowercased (ASCII
 *  A-Z only, RFC 4343) and its type; never 0. */
uint64_t an_ev_qhash(const uint8_t *name, size_t len, uint16_t qtype);

/** Fill @p q from a query (@p tcp: it came over TCP). @p m is borrowed
 *  for as long as @p q is used. */
void an_ev_q_set(an_ev_q_t *q, const dw_msg_t *m, unsigned tcp);

/** Empty @p e (its QNAME bytes are left as they are: unused). */
static inline void an_ev_reset(an_ev_t *e)
{
	memset(e, 0, offsetof(an_ev_t, q));
	for (unsigned i = 0; i < AN_EV_SLOTS; i++)
		e->q[i].h = 0; /* free: an_ev_qhash() is never 0 */
}

/** Count one query in @p e. No allocation. */
static inline void an_ev_add(an_ev_t *e, const an_ev_q_t *q)
{
	unsigned i, m;

	e->n++;
	e->tcp += q->tcp;
	e->dobit += q->dobit;
	e->qt[q->qt]++;
	if (!q->have_q)
		return;
	/* a free slot's hash is 0: no question matches it */
	for (i = 0; i < AN_EV_SLOTS; i++)
		if (e->q[i].h == q->h) {
			e->q[i].count++;
			return;
		}
	if (e->nslots < AN_EV_SLOTS) {
		m = e->nslots++;
		e->q[m].count = 1;
		e->q[m].err = 0;
	} else {
		/* Space-Saving: the newcomer takes the smallest counter, whose
		 * count becomes its error */
		m = 0;
		for (i = 1; i < AN_EV_SLOTS; i++)
			if (e->q[i].count < e->q[m].count)
				m = i;
		e->q[m].err = e->q[m].count;
		e->q[m].count++;
	}
	e->q[m].h = q->h;
	e->q[m].qtype = q->qtype;
	e->q[m].len = q->len;
	/* QNAMEs sit in 255-byte arrays at both ends (dw_msg_t.qname): the
	 * usual short name goes in one fixed-size copy */
	if (q->len <= 64)
		memcpy(e->name[m], q->name, 64);
	else
		memcpy(e->name[m], q->name, q->len);
}

/**
 * dst += src: counts add; the question summaries merge as Space-Saving
 * summaries do (spacesaving.h, an_ss_merge: a question in one summary
 * only also gets the other's minimum when that one is full; the
 * AN_EV_SLOTS largest stay, ties by lowercased QNAME and type, so the
 * merge is commutative).
 */
void an_ev_merge(an_ev_t *dst, const an_ev_t *src);

/** The question slots of @p e in their canonical order (count
 *  descending, ties by lowercased QNAME bytes, then type) into @p order
 *  (room for AN_EV_SLOTS). @return how many. */
unsigned an_ev_order(const an_ev_t *e, unsigned order[AN_EV_SLOTS]);

/**
 * @p e as JSON (doc/stats-json.md, flags): {"queries", "qtype",
 * "transport": {"udp", "tcp"}, "tcp_pct", "do", "do_pct", "top_qnames":
 * [{"qname", "qtype", "queries", "error"}, ...]}; QNAMEs in presentation
 * form, lowercased. @return a new object, or NULL when out of memory.
 */
json_t *an_ev_json(const an_ev_t *e);

/**
 * Text form of @p n records (NULL entries are empty records): base64 of
 * zlib of: u8 version (1), varint R, then per record varint n, tcp, do,
 * the AN_EV_NQT + 1 type counts, varint S (<= AN_EV_SLOTS), and S
 * question slots in canonical order: varint count, error, qtype, u8
 * length, the QNAME's wire bytes lowercased. Varints are unsigned LEB128,
 * minimal. @return 0 with a string the caller free()s in @p out, DW_ENOMEM.
 */
int an_ev_pack(const an_ev_t *const *recs, size_t n, char **out);

/**
 * Undo an_ev_pack(): the first @p max records into @p out (the others
 * are checked and skipped). Validated: version, R <= @p limit, tcp, do <=
 * n, type counts summing to n, S <= AN_EV_SLOTS, 1 <= count, error <=
 * count, count - error <= n, QNAMEs well-formed lowercased wire names,
 * slots distinct and in canonical order, no trailing bytes.
 * @return 0 with R in @p nout, DW_EFORMAT, DW_ENOMEM.
 */
int an_ev_unpack(const char *str, size_t limit, an_ev_t *out, size_t max, size_t *nout);

/** Text form of @p n 32-bit numbers (m_sources: the AS of each counter):
 *  base64 of zlib of u8 version (1), varint N, N varints.
 *  @return 0 with a string the caller free()s in @p out, DW_ENOMEM. */
int an_u32s_pack(const uint32_t *v, size_t n, char **out);

/** Undo an_u32s_pack() into @p v (room for @p max). @return 0 with the
 *  count in @p nout, DW_EFORMAT (also: more than @p max, a value over
 *  32 bits), DW_ENOMEM. */
int an_u32s_unpack(const char *str, uint32_t *v, size_t max, size_t *nout);

#endif
