/*
 * nl_int.h - internals of lib/netlayers, shared by its .c files only.
 *
 * Flow of one frame:
 *
 *   nl_decode (decode.c)
 *     -> nl_link (link.c)           Ethernet/VLAN, SLL v1/v2, NULL/LOOP, raw
 *     -> nl_ip4 / nl_ip6 (ip.c)     header, options, extension headers
 *          -> nl_frag_add (frag.c)  only for fragments
 *     -> nl_transport (udp.c)       UDP inline; TCP header, then
 *          -> nl_tcp_segment (tcp.c) only for TCP on a DNS port
 *     -> nl_emit                    one callback per DNS message
 *
 * Every layer returns the frame's outcome: NL_OUT_DNS when at least one
 * message was handed up, else the nl_skip_t reason. nl_decode() adds it to
 * exactly one counter, so packets == dns_packets + sum(skipped[]).
 *
 * How the counters of nl_stats_t are defined here:
 *
 *   packets          every frame of a supported link type given to nl_decode
 *   dns_packets      frames that completed >= 1 DNS message (a UDP payload,
 *                    or >= 1 TCP message, or a fragment that completed a
 *                    datagram carrying either)
 *   skipped[r]       all other frames, by the first reason met, in layer
 *                    order (link, IP, fragment, transport, port, payload).
 *                    Port checks come before UDP/TCP length checks, so
 *                    non-DNS traffic always lands in NL_SKIP_NOT_DNS_PORT.
 *                    IP_TRUNC: the IP total/payload length runs past the
 *                    captured bytes of a frame cut by snaplen; the same
 *                    without a snaplen cut (caplen == wirelen) is IP_BAD.
 *                    A fragment rejected as frag_bad is IP_BAD. A fragment
 *                    held (or evicted while being stored) is FRAG_HELD; the
 *                    fragment that completes a datagram gets the outcome of
 *                    the datagram. A TCP data segment that completes no
 *                    message is TCP_PARTIAL, also when it was a
 *                    retransmission or dropped at the per-flow cap.
 *   snapped          frames with caplen < wirelen (independent of outcome)
 *   frag_datagrams   datagrams completely reassembled
 *   frag_evicted     partial datagrams dropped to make room: slot table
 *                    full (oldest goes) or fragment byte pool full
 *   frag_timeout     partial datagrams older than frag_timeout_s (measured
 *                    from their first fragment, in packet time), and those
 *                    still pending at nl_flush()
 *   frag_bad         partial datagrams discarded as inconsistent: non-last
 *                    fragment not a multiple of 8 bytes or empty, end past
 *                    65535, two different ends, data past the end,
 *                    overlapping bytes that differ, more than
 *                    NL_FRAG_MAX_RANGES holes
 *   tcp_flows        flow directions created
 *   tcp_evicted      flows dropped with bytes buffered, to make room in the
 *                    flow table (LRU) or in the byte pool
 *   tcp_timeout      flows idle longer than tcp_timeout_s with bytes buffered
 *                    (dropped, not delivered: a message handed up then would
 *                    carry the time of an unrelated packet)
 *   tcp_gap          streams resynchronised past missing bytes: at the
 *                    per-flow cap, or at FIN/RST with held data after a
 *                    hole or with an incomplete message pending
 *   tcp_overflow     segments that did not fit under tcp_flow_max_bytes
 *                    (the buffered data before them is given up, see
 *                    tcp_gap) or that would need more than
 *                    NL_TCP_MAX_RANGES held ranges (segment dropped)
 *   tcp_retrans      segments whose bytes were all before the next expected
 *                    sequence number (ignored)
 *   tcp_partial_at_end flows with bytes buffered at nl_flush()
 */
#ifndef ROOTLENS_NL_INT_H
#define ROOTLENS_NL_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rootlens/dw_cursor.h"
#include "rootlens/netlayers.h"

/* Outcome "completed >= 1 message"; every other outcome is an nl_skip_t. */
#define NL_OUT_DNS ((int)NL_SKIP__COUNT)

#define NL_NONE UINT32_MAX	/* null index in the preallocated tables */
#define NL_MAX_TABLE (1u << 24)	/* upper bound for slot/flow counts */

/*
 * Fixed-size chunk pool: one allocation at set-up, a free list threaded
 * through next[]. A chunk in use is on exactly one owner's list (the same
 * next[] links it there), so the pool needs no per-chunk header.
 */
typedef struct nl_pool {
	uint8_t *mem;
	uint32_t *next;
	uint32_t free;		/* head of the free list */
	uint32_t nfree;
	uint32_t n;
	uint32_t csize;
} nl_pool_t;

int nl_pool_init(nl_pool_t *p, size_t bytes, uint32_t csize);
void nl_pool_fini(nl_pool_t *p);

static inline uint32_t nl_pool_get(nl_pool_t *p)
{
	uint32_t c = p->free;
	if (c != NL_NONE) {
		p->free = p->next[c];
		p->next[c] = NL_NONE;
		p->nfree--;
	}
	return c;
}

static inline void nl_pool_put(nl_pool_t *p, uint32_t c)
{
	p->next[c] = p->free;
	p->free = c;
	p->nfree++;
}

static inline uint8_t *nl_pool_mem(const nl_pool_t *p, uint32_t c)
{
	return p->mem + (size_t)c * p->csize;
}

/*
 * Byte ranges [s, e) received, sorted, disjoint and never adjacent (adjacent
 * ranges merge), so "complete" is one range and a short list stays short.
 */
typedef struct nl_range {
	uint32_t s, e;
} nl_range_t;

/** Add [s, e) to @p r (@p *nr in use, @p max room). @return 0, -1 if full. */
static inline int nl_range_add(nl_range_t *r, uint8_t *nr, unsigned max,
			       uint32_t s, uint32_t e)
{
	unsigned n = *nr, i = 0, j;

	while (i < n && r[i].e < s)
		i++;
	for (j = i; j < n && r[j].s <= e; j++) {
		if (r[j].s < s)
			s = r[j].s;
		if (r[j].e > e)
			e = r[j].e;
	}
	if (i == j) {
		if (n >= max)
			return -1;
		memmove(&r[i + 1], &r[i], (n - i) * sizeof(*r));
		n++;
	} else if (j - i > 1) {
		memmove(&r[i + 1], &r[j], (n - j) * sizeof(*r));
		n -= j - i - 1;
	}
	r[i].s = s;
	r[i].e = e;
	*nr = (uint8_t)n;
	return 0;
}

/* ---- IP fragment reassembly (frag.c) ------------------------------------ */

#define NL_FRAG_CHUNK 2048u
#define NL_FRAG_SLOT_CHUNKS 32u	/* 65536 / NL_FRAG_CHUNK */
#define NL_FRAG_MAX_RANGES 64u
#define NL_FRAG_MAX_END 65535u	/* RFC 791 total length / RFC 8200 payload */

/* What identifies a datagram: RFC 791 (src, dst, id, proto) and RFC 8200
 * 4.5 (src, dst, id). Padding is zeroed so the key is compared as bytes. */
typedef struct nl_fragkey {
	uint8_t src[16], dst[16];
	uint32_t id;
	uint8_t ipver, proto, pad[2];
} nl_fragkey_t;

typedef struct nl_frag {
	nl_fragkey_t k;
	uint32_t hnext;		/* hash chain, or free list */
	uint32_t older, newer;	/* age list, by creation */
	int64_t first_sec;	/* packet time of the first fragment seen */
	uint32_t total;		/* end of the datagram, once the last fragment came */
	uint8_t in_use, have_last, have_first;
	uint8_t nh;		/* IPv6: next header of the offset-0 fragment */
	uint8_t nr;
	nl_range_t r[NL_FRAG_MAX_RANGES];
	uint32_t chunk[NL_FRAG_SLOT_CHUNKS]; /* chunk per 2 KiB of datagram */
} nl_frag_t;

/* ---- TCP stream reassembly (tcp.c) -------------------------------------- */

#define NL_TCP_CHUNK 4096u
#define NL_TCP_MAX_RANGES 8u
#define NL_TCP_MIN_FLOW_BYTES 65537u /* a largest message and its prefix */

typedef struct nl_flowkey {
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint8_t ipver, pad[3];
} nl_flowkey_t;

/*
 * One direction of a connection. The window is the stream from @base (the
 * first byte of the message being assembled) on; r[] says which window
 * offsets hold received bytes. r[0] = [0, x) is the in-order part, so the
 * next expected sequence number is base + x. Bytes live in a list of pool
 * chunks; window offset 0 is at head_off inside the head chunk.
 */
typedef struct nl_flow {
	nl_flowkey_t k;
	uint32_t hnext;			/* hash chain, or free list */
	uint32_t lru_prev, lru_next;	/* all flows, least recently used first */
	uint32_t buf_prev, buf_next;	/* flows holding chunks, LRU first */
	int64_t last_sec;
	uint32_t base;			/* sequence number of window offset 0 */
	uint32_t head, tail, nchunks;	/* chunk list */
	uint32_t head_off;
	uint32_t isn;			/* sequence number of the SYN, if seen */
	uint8_t in_use, closed, nr, on_buf, syn;
	uint8_t nht;			/* entries in ht[] */
	nl_range_t r[NL_TCP_MAX_RANGES];
	/* Arrival times of segments held beyond a hole, by the sequence
	 * number they end at: a message released when the hole is given
	 * up carries the time its last byte arrived, not the release's. */
	struct {
		uint32_t end;
		uint32_t nsec;
		int64_t sec;
	} ht[NL_TCP_MAX_RANGES];
} nl_flow_t;

/* ---- the decoder -------------------------------------------------------- */

struct nl_decoder {
	nl_config_t cfg;
	nl_stats_t st;
	uint64_t portmap[65536 / 64];	/* DNS ports as a bitmap: one test */
	uint64_t seed;			/* hash key: keeps chains unpredictable */

	nl_frag_t *frags;
	uint32_t *frag_bucket;
	uint32_t frag_mask;
	uint32_t frag_free;
	uint32_t frag_oldest, frag_newest;
	nl_pool_t frag_pool;
	uint8_t *frag_buf;		/* a reassembled datagram, 65535 bytes */

	nl_flow_t *flows;
	uint32_t *flow_bucket;
	uint32_t flow_mask;
	uint32_t flow_free;
	uint32_t lru_old, lru_new;
	uint32_t buf_old, buf_new;
	nl_pool_t tcp_pool;
	uint8_t *tcp_buf;		/* a message spanning chunks, 65535 bytes */
};

/* State of the frame being decoded; m is filled in layer by layer. */
typedef struct nl_pkt {
	nl_dns_t m;
	nl_dns_cb cb;
	void *user;
	unsigned nmsg;
	uint8_t snapped;  /* caplen < wirelen */
	size_t cut;       /* IP payload bytes snaplen removed (0: whole) */
} nl_pkt_t;

static inline int nl_is_dns_port(const nl_decoder_t *d, uint16_t a, uint16_t b)
{
	return (int)((d->portmap[a >> 6] >> (a & 63)) & 1) |
	       (int)((d->portmap[b >> 6] >> (b & 63)) & 1);
}

/* Hand one DNS message up; @p wire_len > @p len when snaplen cut it. */
static inline void nl_emit_cut(nl_pkt_t *p, const uint8_t *msg, size_t len,
			       size_t wire_len)
{
	p->m.payload = msg;
	p->m.len = len;
	p->m.wire_len = wire_len;
	p->m.snapped = wire_len > len;
	p->nmsg++;
	if (p->cb)
		p->cb(&p->m, p->user);
}

static inline void nl_emit(nl_pkt_t *p, const uint8_t *msg, size_t len)
{
	nl_emit_cut(p, msg, len, len);
}

/** Keyed 64-bit hash of a key of @p n bytes (a multiple of 8). */
static inline uint64_t nl_hash(uint64_t seed, const void *key, size_t n)
{
	const uint8_t *k = key;
	uint64_t h = seed, w;

	for (size_t i = 0; i < n; i += 8) {
		memcpy(&w, k + i, 8);
		h ^= w;
		h *= 0x9e3779b97f4a7c15ull;
		h ^= h >> 32;
	}
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 33);
}

int nl_link(nl_decoder_t *d, nl_pkt_t *p, int linktype, dw_cur_t *c);
int nl_ip4(nl_decoder_t *d, nl_pkt_t *p, dw_cur_t *c);
int nl_ip6(nl_decoder_t *d, nl_pkt_t *p, dw_cur_t *c);
int nl_ip6_chain(nl_decoder_t *d, nl_pkt_t *p, uint8_t nh,
		 const uint8_t *data, size_t len, int reassembled);
int nl_transport(nl_decoder_t *d, nl_pkt_t *p, uint8_t proto,
		 const uint8_t *data, size_t len);

int nl_frag_init(nl_decoder_t *d);
void nl_frag_fini(nl_decoder_t *d);
int nl_frag_add(nl_decoder_t *d, nl_pkt_t *p, uint8_t proto, uint8_t nh,
		uint32_t id, uint32_t off, int more,
		const uint8_t *data, size_t n);
void nl_frag_flush(nl_decoder_t *d);

int nl_tcp_init(nl_decoder_t *d);
void nl_tcp_fini(nl_decoder_t *d);
int nl_tcp_segment(nl_decoder_t *d, nl_pkt_t *p, uint32_t seq, uint8_t flags,
		   const uint8_t *data, size_t n);
void nl_tcp_flush(nl_decoder_t *d, nl_dns_cb cb, void *user);

#define NL_TCP_FIN 0x01
#define NL_TCP_SYN 0x02
#define NL_TCP_RST 0x04

#endif
