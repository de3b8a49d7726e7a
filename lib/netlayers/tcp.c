/*
 * tcp.c - DNS over TCP: stream reassembly of length-prefixed messages
 * (RFC 1035 4.2.2, RFC 7766 8), bounded in flows, bytes and time.
 *
 *   +-----+-----+-------------------------+-----+-----+-------- ...
 *   | length (2) |  message (length bytes) | length (2) |  message
 *   +-----+-----+-------------------------+-----+-----+-------- ...
 *
 * A segment may hold several messages and a message may span several
 * segments, so each direction of a connection (RFC 9293 3.4: sequence
 * numbers, mod 2^32) is a flow found by hash on (src, dst, sport, dport).
 *
 * Common case first: a segment that arrives in order on an empty window is
 * parsed in place and its complete messages are handed up without a copy;
 * only an incomplete tail is stored. Storage is a pool of 4 KiB chunks cut
 * from cfg->tcp_pool_bytes; a flow holds a list of them covering its window
 * (the stream from the first byte of the message being assembled), at most
 * cfg->tcp_flow_max_bytes long. Received parts of the window are a short
 * range list, so out-of-order segments wait in place for the hole to fill;
 * overlapping bytes keep their first arrival. A message that spans chunks
 * is copied once into a 64 KiB scratch buffer to be contiguous.
 *
 * Giving up: a hole that the cap, a FIN, a RST, idle expiry, eviction
 * from a full table or the end of input says will not be filled makes the
 * stream jump to the held data after it, assumed to start a message
 * (tcp_gap); the messages so released carry the arrival time of the
 * segment that brought their last byte. Idle flows expire by packet time;
 * a full table evicts the least recently used flow, a dry pool the least
 * recently fed flow holding chunks (its held data is then lost).
 */
#include <stdlib.h>

#include "nl_int.h"

#define SEQ_LT(a, b) ((int32_t)((a) - (b)) < 0)
#define SEQ_LE(a, b) ((int32_t)((a) - (b)) <= 0)

static void release(nl_decoder_t *d, uint32_t i, nl_dns_cb cb, void *user);

int nl_tcp_init(nl_decoder_t *d)
{
	uint32_t n = d->cfg.tcp_max_flows, nb = 1;
	int rc;

	while (nb < 2 * n)
		nb <<= 1;
	d->flows = calloc(n, sizeof(*d->flows));
	d->flow_bucket = malloc(nb * sizeof(*d->flow_bucket));
	d->tcp_buf = malloc(65535);
	if (!d->flows || !d->flow_bucket || !d->tcp_buf)
		return DW_ENOMEM;
	for (uint32_t i = 0; i < nb; i++)
		d->flow_bucket[i] = NL_NONE;
	for (uint32_t i = 0; i < n; i++)
		d->flows[i].hnext = i + 1 < n ? i + 1 : NL_NONE;
	d->flow_mask = nb - 1;
	d->flow_free = 0;
	d->lru_old = d->lru_new = NL_NONE;
	d->buf_old = d->buf_new = NL_NONE;
	if ((rc = nl_pool_init(&d->tcp_pool, d->cfg.tcp_pool_bytes, NL_TCP_CHUNK)) < 0)
		return rc;
	return 0;
}

void nl_tcp_fini(nl_decoder_t *d)
{
	free(d->flows);
	free(d->flow_bucket);
	free(d->tcp_buf);
	nl_pool_fini(&d->tcp_pool);
	d->flows = NULL;
	d->flow_bucket = NULL;
	d->tcp_buf = NULL;
}

/* ---- lists -------------------------------------------------------------- */

static void lru_unlink(nl_decoder_t *d, nl_flow_t *f)
{
	if (f->lru_prev != NL_NONE)
		d->flows[f->lru_prev].lru_next = f->lru_next;
	else
		d->lru_old = f->lru_next;
	if (f->lru_next != NL_NONE)
		d->flows[f->lru_next].lru_prev = f->lru_prev;
	else
		d->lru_new = f->lru_prev;
}

static void lru_append(nl_decoder_t *d, uint32_t i)
{
	nl_flow_t *f = &d->flows[i];

	f->lru_prev = d->lru_new;
	f->lru_next = NL_NONE;
	if (d->lru_new != NL_NONE)
		d->flows[d->lru_new].lru_next = i;
	else
		d->lru_old = i;
	d->lru_new = i;
}

static void buf_unlink(nl_decoder_t *d, nl_flow_t *f)
{
	if (f->buf_prev != NL_NONE)
		d->flows[f->buf_prev].buf_next = f->buf_next;
	else
		d->buf_old = f->buf_next;
	if (f->buf_next != NL_NONE)
		d->flows[f->buf_next].buf_prev = f->buf_prev;
	else
		d->buf_new = f->buf_prev;
	f->on_buf = 0;
}

static void buf_append(nl_decoder_t *d, uint32_t i)
{
	nl_flow_t *f = &d->flows[i];

	f->buf_prev = d->buf_new;
	f->buf_next = NL_NONE;
	if (d->buf_new != NL_NONE)
		d->flows[d->buf_new].buf_next = i;
	else
		d->buf_old = i;
	d->buf_new = i;
	f->on_buf = 1;
}

/* ---- flows -------------------------------------------------------------- */

static uint32_t bucket_of(const nl_decoder_t *d, const nl_flowkey_t *k)
{
	return (uint32_t)nl_hash(d->seed, k, sizeof(*k)) & d->flow_mask;
}

static void chunks_free(nl_decoder_t *d, nl_flow_t *f)
{
	uint32_t c = f->head;

	while (c != NL_NONE) {
		uint32_t nx = d->tcp_pool.next[c];
		nl_pool_put(&d->tcp_pool, c);
		c = nx;
	}
	f->head = f->tail = NL_NONE;
	f->nchunks = 0;
	f->head_off = 0;
	if (f->on_buf)
		buf_unlink(d, f);
}

static void flow_free(nl_decoder_t *d, uint32_t i)
{
	nl_flow_t *f = &d->flows[i];
	uint32_t *pp = &d->flow_bucket[bucket_of(d, &f->k)];

	chunks_free(d, f);
	while (*pp != i)
		pp = &d->flows[*pp].hnext;
	*pp = f->hnext;
	lru_unlink(d, f);
	f->in_use = 0;
	f->hnext = d->flow_free;
	d->flow_free = i;
}

static void expire(nl_decoder_t *d, int64_t now, const nl_pkt_t *p)
{
	while (d->lru_old != NL_NONE &&
	       now - d->flows[d->lru_old].last_sec > (int64_t)d->cfg.tcp_timeout_s) {
		if (d->flows[d->lru_old].nr)
			d->st.tcp_timeout++;
		release(d, d->lru_old, p->cb, p->user);
		flow_free(d, d->lru_old);
	}
}

static uint32_t flow_new(nl_decoder_t *d, const nl_flowkey_t *k, uint32_t b,
			 const nl_pkt_t *p)
{
	uint32_t i;
	nl_flow_t *f;

	if (d->flow_free == NL_NONE) {
		if (d->flows[d->lru_old].nr)
			d->st.tcp_evicted++;
		release(d, d->lru_old, p->cb, p->user);
		flow_free(d, d->lru_old);
	}
	i = d->flow_free;
	f = &d->flows[i];
	d->flow_free = f->hnext;
	memset(f, 0, offsetof(nl_flow_t, r));
	f->k = *k;
	f->head = f->tail = NL_NONE;
	f->in_use = 1;
	f->hnext = d->flow_bucket[b];
	d->flow_bucket[b] = i;
	lru_append(d, i);
	d->st.tcp_flows++;
	return i;
}

/* ---- the window --------------------------------------------------------- */

/* Bytes received in order from base on. */
static uint32_t inorder(const nl_flow_t *f)
{
	return f->nr && f->r[0].s == 0 ? f->r[0].e : 0;
}

/* Window offset of the first held byte after a hole, or NL_NONE. */
static uint32_t held_start(const nl_flow_t *f)
{
	if (!f->nr)
		return NL_NONE;
	if (f->r[0].s)
		return f->r[0].s;
	return f->nr > 1 ? f->r[1].s : NL_NONE;
}

/* Append a chunk to flow @p i, evicting the flows that were fed least
 * recently when the pool is dry. The pool holds at least one flow at its
 * cap, so this fails only for a flow past its cap, which callers prevent. */
static int chunk_append(nl_decoder_t *d, uint32_t i)
{
	uint32_t c;
	nl_flow_t *f;

	while ((c = nl_pool_get(&d->tcp_pool)) == NL_NONE) {
		uint32_t v = d->buf_old;
		if (v == i)
			v = d->flows[i].buf_next;
		if (v == NL_NONE)
			return -1;
		if (d->flows[v].nr)
			d->st.tcp_evicted++;
		flow_free(d, v);
	}
	f = &d->flows[i];
	if (f->tail != NL_NONE)
		d->tcp_pool.next[f->tail] = c;
	else
		f->head = c;
	f->tail = c;
	f->nchunks++;
	return 0;
}

/* Store @p n bytes at window offset @p o, growing the chunk list. */
static int win_write(nl_decoder_t *d, uint32_t i, uint32_t o,
		     const uint8_t *src, uint32_t n)
{
	nl_flow_t *f = &d->flows[i];
	uint32_t abs = f->head_off + o, last = (abs + n - 1) / NL_TCP_CHUNK;
	uint32_t c, off = abs % NL_TCP_CHUNK;

	if (!n)
		return 0;
	while (f->nchunks <= last)
		if (chunk_append(d, i) < 0)
			return -1;
	if (f->on_buf)
		buf_unlink(d, f);
	buf_append(d, i);
	c = f->head;
	for (uint32_t k = abs / NL_TCP_CHUNK; k; k--)
		c = d->tcp_pool.next[c];
	while (n) {
		uint32_t m = NL_TCP_CHUNK - off < n ? NL_TCP_CHUNK - off : n;
		memcpy(nl_pool_mem(&d->tcp_pool, c) + off, src, m);
		src += m;
		n -= m;
		off = 0;
		c = d->tcp_pool.next[c];
	}
	return 0;
}

/* Copy @p n stored bytes from window offset @p o. */
static void win_read(const nl_decoder_t *d, const nl_flow_t *f, uint32_t o,
		     uint8_t *dst, uint32_t n)
{
	uint32_t abs = f->head_off + o, c = f->head, off = abs % NL_TCP_CHUNK;

	for (uint32_t k = abs / NL_TCP_CHUNK; k; k--)
		c = d->tcp_pool.next[c];
	while (n) {
		uint32_t m = NL_TCP_CHUNK - off < n ? NL_TCP_CHUNK - off : n;
		memcpy(dst, nl_pool_mem(&d->tcp_pool, c) + off, m);
		dst += m;
		n -= m;
		off = 0;
		c = d->tcp_pool.next[c];
	}
}

/* @p n contiguous stored bytes from @p o: in place when in one chunk. */
static const uint8_t *win_span(nl_decoder_t *d, const nl_flow_t *f,
			       uint32_t o, uint32_t n)
{
	uint32_t abs = f->head_off + o, c = f->head;

	if (abs % NL_TCP_CHUNK + n <= NL_TCP_CHUNK) {
		for (uint32_t k = abs / NL_TCP_CHUNK; k; k--)
			c = d->tcp_pool.next[c];
		return nl_pool_mem(&d->tcp_pool, c) + abs % NL_TCP_CHUNK;
	}
	win_read(d, f, o, d->tcp_buf, n);
	return d->tcp_buf;
}

/* Drop window bytes [0, k): base moves on, ranges shift, chunks wholly
 * before the new base go back to the pool. */
static void consume(nl_decoder_t *d, nl_flow_t *f, uint32_t k)
{
	unsigned j, w = 0;

	for (j = 0; j < f->nr; j++) {
		if (f->r[j].e <= k)
			continue;
		f->r[w].s = f->r[j].s > k ? f->r[j].s - k : 0;
		f->r[w].e = f->r[j].e - k;
		w++;
	}
	f->nr = (uint8_t)w;
	f->base += k;
	for (j = 0, w = 0; j < f->nht; j++)
		if (!SEQ_LE(f->ht[j].end, f->base))
			f->ht[w++] = f->ht[j];
	f->nht = (uint8_t)w;
	if (!f->nr) {
		chunks_free(d, f);
		return;
	}
	f->head_off += k;
	while (f->head_off >= NL_TCP_CHUNK && f->head != NL_NONE) {
		uint32_t c = f->head;
		f->head = d->tcp_pool.next[c];
		nl_pool_put(&d->tcp_pool, c);
		f->nchunks--;
		f->head_off -= NL_TCP_CHUNK;
	}
	if (f->head == NL_NONE) {
		f->tail = NL_NONE;
		f->head_off = 0;
	}
}

/*
 * Time of the held segment that brought the byte before sequence number
 * @p end: the held entry ending first at or after it. @return 0 when no
 * held segment covers it (it came with the current packet).
 */
static int held_time(const nl_flow_t *f, uint32_t end, int64_t *sec, uint32_t *nsec)
{
	int best = -1;
	for (unsigned j = 0; j < f->nht; j++)
		if (SEQ_LE(end, f->ht[j].end) &&
		    (best < 0 || SEQ_LT(f->ht[j].end, f->ht[best].end)))
			best = (int)j;
	if (best < 0)
		return 0;
	*sec = f->ht[best].sec;
	*nsec = f->ht[best].nsec;
	return 1;
}

/* Remember when the held segment ending at @p end arrived. The caller
 * gives up a hole before the list fills; should it still be full (holes
 * after holes), the oldest entry goes and its bytes take the next time. */
static void held_note(nl_flow_t *f, uint32_t end, const nl_pkt_t *p)
{
	if (f->nht == NL_TCP_MAX_RANGES) {
		memmove(&f->ht[0], &f->ht[1], sizeof(f->ht[0]) * (NL_TCP_MAX_RANGES - 1u));
		f->nht--;
	}
	f->ht[f->nht].end = end;
	f->ht[f->nht].sec = p->m.ts_sec;
	f->ht[f->nht].nsec = p->m.ts_nsec;
	f->nht++;
}

/* Hand up every complete message at the front of the window. With
 * @p held, the hole before it was given up: a message carries the time
 * of the segment that held its last byte. */
static void drain_at(nl_decoder_t *d, nl_flow_t *f, nl_pkt_t *p, int held)
{
	int64_t sec0 = p->m.ts_sec;
	uint32_t nsec0 = p->m.ts_nsec;

	for (;;) {
		uint32_t have = inorder(f);
		uint8_t pre[2];
		dw_cur_t c;

		if (have < 2)
			return;
		win_read(d, f, 0, pre, 2);
		dw_cur_init(&c, pre, 2);
		uint16_t len = dw_cur_u16(&c);
		if (len == 0) {
			consume(d, f, 2);	/* nothing to hand up */
			continue;
		}
		if (have < 2u + len)
			return;
		if (!held || !held_time(f, f->base + 2u + len, &p->m.ts_sec, &p->m.ts_nsec)) {
			p->m.ts_sec = sec0;
			p->m.ts_nsec = nsec0;
		}
		nl_emit(p, win_span(d, f, 2, len), len);
		p->m.ts_sec = sec0;
		p->m.ts_nsec = nsec0;
		consume(d, f, 2u + len);
	}
}

static void drain(nl_decoder_t *d, nl_flow_t *f, nl_pkt_t *p)
{
	drain_at(d, f, p, 0);
}

/* Complete messages straight from the segment; @return bytes used. */
static size_t direct(nl_pkt_t *p, const uint8_t *data, size_t n)
{
	dw_cur_t c;
	size_t done = 0;

	dw_cur_init(&c, data, n);
	while (dw_cur_avail(&c) >= 2) {
		uint16_t len = dw_cur_u16(&c);
		if (len && dw_cur_avail(&c) < len)
			break;
		if (len)
			nl_emit(p, dw_cur_ptr(&c, len), len);
		done = c.pos;
	}
	return done;
}

/* Give up on the hole before window offset @p to: drop what precedes it
 * and take what follows as the start of a message. */
static void skip_to(nl_decoder_t *d, nl_flow_t *f, nl_pkt_t *p, uint32_t to)
{
	consume(d, f, to);
	drain_at(d, f, p, 1);
}

/* Store [o, o+n) where nothing was received yet (first arrival wins). */
static int store(nl_decoder_t *d, uint32_t i, uint32_t o,
		 const uint8_t *data, uint32_t n)
{
	nl_flow_t *f = &d->flows[i];
	nl_range_t r[NL_TCP_MAX_RANGES];
	uint8_t nr = f->nr;
	uint32_t pos = o, e = o + n;

	memcpy(r, f->r, sizeof(r));
	if (nl_range_add(r, &nr, NL_TCP_MAX_RANGES, o, e) < 0)
		return -1;
	for (unsigned j = 0; j < f->nr && pos < e; j++) {
		if (f->r[j].e <= pos)
			continue;
		if (f->r[j].s >= e)
			break;
		if (f->r[j].s > pos &&
		    win_write(d, i, pos, data + (pos - o), f->r[j].s - pos) < 0)
			return -1;
		pos = f->r[j].e > pos ? f->r[j].e : pos;
	}
	if (pos < e && win_write(d, i, pos, data + (pos - o), e - pos) < 0)
		return -1;
	memcpy(f->r, r, sizeof(r));
	f->nr = nr;
	return 0;
}

static void segment_data(nl_decoder_t *d, uint32_t i, nl_pkt_t *p,
			 uint32_t seq, const uint8_t *data, uint32_t n)
{
	nl_flow_t *f = &d->flows[i];
	uint32_t next = f->base + inorder(f);
	uint32_t cap = (uint32_t)d->cfg.tcp_flow_max_bytes;

	if (SEQ_LE(seq + n, next)) {
		d->st.tcp_retrans++;
		return;
	}
	if (SEQ_LT(seq, next)) {	/* overlaps what we have: keep the rest */
		data += next - seq;
		n -= next - seq;
		seq = next;
	}
	while (n) {
		uint32_t o = seq - f->base;

		if (f->nr == 0 && o == 0) {
			size_t done = direct(p, data, n);
			f->base = seq + (uint32_t)done;
			if (done < n) {
				if (win_write(d, i, 0, data + done, n - (uint32_t)done) < 0) {
					d->st.tcp_overflow++;
					chunks_free(d, f);
					return;
				}
				f->nr = 1;
				f->r[0].s = 0;
				f->r[0].e = n - (uint32_t)done;
			}
			return;
		}
		if (f->nr == 1 && f->r[0].s == 0 && o == f->r[0].e) {
			/* In order after a pending partial message and nothing
			 * held beyond: store only what completes it, then go
			 * on with the rest of the segment in place. */
			uint32_t take = 2 - (o < 2 ? o : 2);
			if (o >= 2) {
				uint8_t pre[2];
				dw_cur_t c;
				win_read(d, f, 0, pre, 2);
				dw_cur_init(&c, pre, 2);
				take = 2u + dw_cur_u16(&c) - o;
			}
			if (take > n)
				take = n;
			if (store(d, i, o, data, take) < 0) {
				d->st.tcp_overflow++;
				return;
			}
			drain(d, f, p);
			data += take;
			seq += take;
			n -= take;
			continue;
		}
		if ((uint64_t)o + n > cap) {
			/* The hole has stayed open for a window's worth of
			 * data: it will not be filled. */
			d->st.tcp_overflow++;
			d->st.tcp_gap++;
			do {
				uint32_t h = held_start(f);
				skip_to(d, f, p, h != NL_NONE && h < o ? h : o);
				o = seq - f->base;
			} while ((uint64_t)o + n > cap);
			continue;
		}
		if (store(d, i, o, data, n) < 0) {
			d->st.tcp_overflow++;
			if (!f->nr)
				chunks_free(d, f);
			return;
		}
		if (held_start(f) != NL_NONE && f->nht == NL_TCP_MAX_RANGES) {
			/* A hole that stayed open while eight more segments
			 * came will not be filled (reordering is never that
			 * deep; the segment was lost to the capture): resume
			 * after it now, while the held times are exact. */
			d->st.tcp_gap++;
			skip_to(d, f, p, held_start(f));
		}
		if (held_start(f) != NL_NONE)
			held_note(f, seq + n, p);
		drain(d, f, p);
		return;
	}
}

/* FIN or RST: nothing more will come, so a hole is final. Deliver what the
 * held data after it holds, then forget the stream, remembering where it
 * ended so that late retransmissions are recognised. */
static void close_flow(nl_decoder_t *d, nl_flow_t *f, nl_pkt_t *p, uint32_t end)
{
	uint32_t h;
	int gap = 0;

	while ((h = held_start(f)) != NL_NONE) {
		gap = 1;
		skip_to(d, f, p, h);
	}
	if (f->nr)
		gap = 1;
	d->st.tcp_gap += gap;
	chunks_free(d, f);
	f->nr = 0;
	if (SEQ_LT(f->base, end))
		f->base = end;
	f->closed = 1;
}

/**
 * One TCP segment on a DNS port: @p seq its sequence number, @p flags the
 * TCP flag byte, @p n payload bytes at @p data (borrowed).
 */
int nl_tcp_segment(nl_decoder_t *d, nl_pkt_t *p, uint32_t seq, uint8_t flags,
		   const uint8_t *data, size_t n)
{
	nl_flowkey_t k;
	nl_flow_t *f;
	int64_t now = p->m.ts_sec;
	uint32_t i, b;

	/* Pure ACKs are most of a TCP exchange and change nothing. */
	if (n == 0 && !(flags & (NL_TCP_SYN | NL_TCP_FIN | NL_TCP_RST)))
		return NL_SKIP_TCP_NODATA;

	memset(&k, 0, sizeof(k));
	memcpy(k.src, p->m.src, 16);
	memcpy(k.dst, p->m.dst, 16);
	k.sport = p->m.sport;
	k.dport = p->m.dport;
	k.ipver = p->m.ipver;
	expire(d, now, p);
	b = bucket_of(d, &k);
	for (i = d->flow_bucket[b]; i != NL_NONE; i = d->flows[i].hnext)
		if (!memcmp(&d->flows[i].k, &k, sizeof(k)))
			break;
	if (i != NL_NONE && now - d->flows[i].last_sec > (int64_t)d->cfg.tcp_timeout_s) {
		if (d->flows[i].nr)
			d->st.tcp_timeout++;
		flow_free(d, i);
		i = NL_NONE;
	}
	if (i == NL_NONE) {
		if (!(flags & NL_TCP_SYN) && (n == 0 || (flags & NL_TCP_RST)))
			return n ? NL_SKIP_TCP_PARTIAL : NL_SKIP_TCP_NODATA;
		i = flow_new(d, &k, b, p);
		/* No SYN seen: assume the stream starts at a message. */
		d->flows[i].base = seq;
	} else {
		lru_unlink(d, &d->flows[i]);
		lru_append(d, i);
	}
	f = &d->flows[i];
	f->last_sec = now;

	if (flags & NL_TCP_SYN) {
		/* A new connection, unless this SYN repeats the one seen. */
		if (!(f->syn && f->isn == seq)) {
			if (f->nr)
				d->st.tcp_gap++;
			chunks_free(d, f);
			f->nr = 0;
			f->base = seq + 1;
			f->closed = 0;
			f->syn = 1;
			f->isn = seq;
		}
		seq++;		/* SYN data (TCP Fast Open) follows the SYN */
	}
	if (f->closed && n) {
		/* After FIN/RST: old bytes are retransmissions, new ones a
		 * new stream (a connection whose SYN was not captured). */
		if (SEQ_LE(seq + (uint32_t)n, f->base)) {
			d->st.tcp_retrans++;
		} else {
			f->closed = 0;
			f->base = seq;
		}
	}
	/* RST data is diagnostic text (RFC 9293 3.10.7.1), not the stream */
	if (n && !(flags & NL_TCP_RST) && !f->closed)
		segment_data(d, i, p, seq, data, (uint32_t)n);
	if (flags & (NL_TCP_FIN | NL_TCP_RST))
		close_flow(d, f, p, seq + (uint32_t)n + (flags & NL_TCP_FIN ? 1u : 0u));
	if (p->nmsg)
		return NL_OUT_DNS;
	return n ? NL_SKIP_TCP_PARTIAL : NL_SKIP_TCP_NODATA;
}

/*
 * A flow is about to be forgotten (idle expiry, table eviction, end of
 * input): the holes in it will never fill, so hand up the complete
 * messages held after them, with the addresses of that flow and the
 * arrival times of their segments.
 */
static void release(nl_decoder_t *d, uint32_t i, nl_dns_cb cb, void *user)
{
	nl_flow_t *f = &d->flows[i];
	nl_pkt_t q;
	uint32_t h;

	if (held_start(f) == NL_NONE)
		return;
	memset(&q, 0, sizeof(q));
	memcpy(q.m.src, f->k.src, 16);
	memcpy(q.m.dst, f->k.dst, 16);
	q.m.sport = f->k.sport;
	q.m.dport = f->k.dport;
	q.m.ipver = f->k.ipver;
	q.m.transport = NL_TCP;
	q.m.ts_sec = f->last_sec;
	q.cb = cb;
	q.user = user;
	d->st.tcp_gap++;
	while ((h = held_start(f)) != NL_NONE)
		skip_to(d, f, &q, h);
}

/** End of input: deliver what is held after holes; what then stays
 * buffered is an incomplete message. */
void nl_tcp_flush(nl_decoder_t *d, nl_dns_cb cb, void *user)
{
	while (d->lru_old != NL_NONE) {
		release(d, d->lru_old, cb, user);
		if (d->flows[d->lru_old].nr)
			d->st.tcp_partial_at_end++;
		flow_free(d, d->lru_old);
	}
}
