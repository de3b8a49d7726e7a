/*
 * frag.c - IPv4 (RFC 791 3.2, RFC 815) and IPv6 (RFC 8200 4.5) fragment
 * reassembly, bounded in slots, bytes and time.
 *
 * Slots: cfg->frag_max_datagrams partial datagrams in one array, found
 * through a chained hash on (src, dst, id, proto) for IPv4 and (src, dst,
 * id) for IPv6, and kept on an age list (creation order) for expiry and
 * eviction. Bytes: a pool of 2 KiB chunks carved from cfg->frag_pool_bytes;
 * a slot maps each 2 KiB of its datagram to a chunk when the first byte of
 * it arrives, so a 3 KiB response costs 2 chunks, not 64 KiB. The hole
 * list of RFC 815 is kept as its complement: up to NL_FRAG_MAX_RANGES
 * received ranges, merged as they touch; the datagram is complete when one
 * range covers [0, end of the last fragment).
 *
 * Overlaps: bytes already received are kept (first arrival wins). An
 * overlap that repeats the same bytes is a harmless duplicate; one that
 * changes them is the ambiguity that evasion attacks rely on, and the
 * whole datagram is dropped, as RFC 5722 asks for IPv6.
 *
 * Only fragments reach this file: an unfragmented datagram never hashes.
 */
#include <stdlib.h>

#include "nl_int.h"

int nl_frag_init(nl_decoder_t *d)
{
	uint32_t n = d->cfg.frag_max_datagrams, nb = 1;
	int rc;

	while (nb < 2 * n)
		nb <<= 1;
	d->frags = calloc(n, sizeof(*d->frags));
	d->frag_bucket = malloc(nb * sizeof(*d->frag_bucket));
	d->frag_buf = malloc(NL_FRAG_MAX_END + 1);
	if (!d->frags || !d->frag_bucket || !d->frag_buf)
		return DW_ENOMEM;
	for (uint32_t i = 0; i < nb; i++)
		d->frag_bucket[i] = NL_NONE;
	for (uint32_t i = 0; i < n; i++)
		d->frags[i].hnext = i + 1 < n ? i + 1 : NL_NONE;
	d->frag_mask = nb - 1;
	d->frag_free = 0;
	d->frag_oldest = d->frag_newest = NL_NONE;
	if ((rc = nl_pool_init(&d->frag_pool, d->cfg.frag_pool_bytes, NL_FRAG_CHUNK)) < 0)
		return rc;
	return 0;
}

void nl_frag_fini(nl_decoder_t *d)
{
	free(d->frags);
	free(d->frag_bucket);
	free(d->frag_buf);
	nl_pool_fini(&d->frag_pool);
	d->frags = NULL;
	d->frag_bucket = NULL;
	d->frag_buf = NULL;
}

static uint32_t bucket_of(const nl_decoder_t *d, const nl_fragkey_t *k)
{
	return (uint32_t)nl_hash(d->seed, k, sizeof(*k)) & d->frag_mask;
}

static void slot_free(nl_decoder_t *d, uint32_t i)
{
	nl_frag_t *f = &d->frags[i];
	uint32_t *pp = &d->frag_bucket[bucket_of(d, &f->k)];

	for (unsigned j = 0; j < NL_FRAG_SLOT_CHUNKS; j++)
		if (f->chunk[j] != NL_NONE)
			nl_pool_put(&d->frag_pool, f->chunk[j]);
	while (*pp != i)
		pp = &d->frags[*pp].hnext;
	*pp = f->hnext;
	if (f->older != NL_NONE)
		d->frags[f->older].newer = f->newer;
	else
		d->frag_oldest = f->newer;
	if (f->newer != NL_NONE)
		d->frags[f->newer].older = f->older;
	else
		d->frag_newest = f->older;
	f->in_use = 0;
	f->hnext = d->frag_free;
	d->frag_free = i;
}

/* Expiry by packet time, from the first fragment (as Linux ipfrag_time).
 * The age list is in creation order, so with time moving forward the
 * expired slots are at its head. */
static void expire(nl_decoder_t *d, int64_t now)
{
	while (d->frag_oldest != NL_NONE &&
	       now - d->frags[d->frag_oldest].first_sec > (int64_t)d->cfg.frag_timeout_s) {
		d->st.frag_timeout++;
		slot_free(d, d->frag_oldest);
	}
}

static uint32_t slot_new(nl_decoder_t *d, const nl_fragkey_t *k, int64_t now)
{
	uint32_t i, b;
	nl_frag_t *f;

	if (d->frag_free == NL_NONE) {
		d->st.frag_evicted++;
		slot_free(d, d->frag_oldest);
	}
	i = d->frag_free;
	f = &d->frags[i];
	d->frag_free = f->hnext;
	memset(f, 0, offsetof(nl_frag_t, r));
	f->k = *k;
	for (unsigned j = 0; j < NL_FRAG_SLOT_CHUNKS; j++)
		f->chunk[j] = NL_NONE;
	f->in_use = 1;
	f->first_sec = now;
	b = bucket_of(d, k);
	f->hnext = d->frag_bucket[b];
	d->frag_bucket[b] = i;
	f->older = d->frag_newest;
	f->newer = NL_NONE;
	if (d->frag_newest != NL_NONE)
		d->frags[d->frag_newest].newer = i;
	else
		d->frag_oldest = i;
	d->frag_newest = i;
	return i;
}

/* A chunk for slot @p self; evicts the oldest other datagrams when the pool
 * is dry. The pool holds at least one full datagram, so this fails only if
 * @p self were larger than that, which the 65535 bound rules out. */
static uint32_t chunk_get(nl_decoder_t *d, uint32_t self)
{
	uint32_t c;

	while ((c = nl_pool_get(&d->frag_pool)) == NL_NONE) {
		uint32_t v = d->frag_oldest;
		if (v == self)
			v = d->frags[self].newer;
		if (v == NL_NONE)
			return NL_NONE;
		d->st.frag_evicted++;
		slot_free(d, v);
	}
	return c;
}

/* Compare @p n bytes at datagram offset @p off with what is stored. */
static int differs(const nl_decoder_t *d, const nl_frag_t *f, uint32_t off,
		   const uint8_t *data, uint32_t n)
{
	while (n) {
		uint32_t o = off % NL_FRAG_CHUNK;
		uint32_t m = NL_FRAG_CHUNK - o < n ? NL_FRAG_CHUNK - o : n;
		const uint8_t *s = nl_pool_mem(&d->frag_pool, f->chunk[off / NL_FRAG_CHUNK]);
		if (memcmp(s + o, data, m))
			return 1;
		off += m;
		data += m;
		n -= m;
	}
	return 0;
}

static int bad(nl_decoder_t *d, uint32_t i)
{
	if (i != NL_NONE)
		slot_free(d, i);
	d->st.frag_bad++;
	return NL_SKIP_IP_BAD;
}

/**
 * Take one fragment: @p off bytes into the datagram, @p n bytes at @p data,
 * @p more when more follow. @p proto is the IPv4 protocol (part of the
 * key), @p nh the IPv6 next header of the fragmentable part (used from the
 * offset-0 fragment, RFC 8200 4.5). When the datagram completes, its
 * payload is decoded as if it had never been fragmented, with this packet's
 * time and fragmented = 1.
 */
int nl_frag_add(nl_decoder_t *d, nl_pkt_t *p, uint8_t proto, uint8_t nh,
		uint32_t id, uint32_t off, int more,
		const uint8_t *data, size_t n)
{
	nl_fragkey_t k;
	int64_t now = p->m.ts_sec;
	uint32_t i, b, end;
	nl_frag_t *f;

	memset(&k, 0, sizeof(k));
	memcpy(k.src, p->m.src, 16);
	memcpy(k.dst, p->m.dst, 16);
	k.id = id;
	k.ipver = p->m.ipver;
	k.proto = proto;

	expire(d, now);
	b = bucket_of(d, &k);
	for (i = d->frag_bucket[b]; i != NL_NONE; i = d->frags[i].hnext)
		if (!memcmp(&d->frags[i].k, &k, sizeof(k)))
			break;
	/* Out of time order input can leave an expired slot off the head. */
	if (i != NL_NONE && now - d->frags[i].first_sec > (int64_t)d->cfg.frag_timeout_s) {
		d->st.frag_timeout++;
		slot_free(d, i);
		i = NL_NONE;
	}

	/* RFC 791/8200: every fragment but the last is a multiple of 8
	 * bytes, and no datagram ends past 65535. */
	if (n > NL_FRAG_MAX_END || off + n > NL_FRAG_MAX_END ||
	    (more && (n == 0 || n % 8)))
		return bad(d, i);
	end = off + (uint32_t)n;
	if (i == NL_NONE)
		i = slot_new(d, &k, now);
	f = &d->frags[i];

	if (!more) {
		if ((f->have_last && f->total != end) ||
		    (f->nr && f->r[f->nr - 1].e > end))
			return bad(d, i);
		f->have_last = 1;
		f->total = end;
	} else if (f->have_last && end > f->total) {
		return bad(d, i);
	}
	for (unsigned j = 0; j < f->nr; j++) {
		uint32_t lo = f->r[j].s > off ? f->r[j].s : off;
		uint32_t hi = f->r[j].e < end ? f->r[j].e : end;
		if (lo < hi && differs(d, f, lo, data + (lo - off), hi - lo))
			return bad(d, i);
	}
	if (n) {
		for (uint32_t c = off / NL_FRAG_CHUNK; c <= (end - 1) / NL_FRAG_CHUNK; c++) {
			if (f->chunk[c] != NL_NONE)
				continue;
			if ((f->chunk[c] = chunk_get(d, i)) == NL_NONE) {
				d->st.frag_evicted++;
				slot_free(d, i);
				return NL_SKIP_FRAG_HELD;
			}
		}
		/* Overlapping bytes were just found equal: rewriting them
		 * keeps the first arrival's content. */
		for (uint32_t o = off; o < end;) {
			uint32_t co = o % NL_FRAG_CHUNK;
			uint32_t m = NL_FRAG_CHUNK - co < end - o ? NL_FRAG_CHUNK - co : end - o;
			memcpy(nl_pool_mem(&d->frag_pool, f->chunk[o / NL_FRAG_CHUNK]) + co,
			       data + (o - off), m);
			o += m;
		}
		if (nl_range_add(f->r, &f->nr, NL_FRAG_MAX_RANGES, off, end) < 0)
			return bad(d, i);
	}
	if (off == 0) {
		f->nh = nh;
		f->have_first = 1;
	}
	if (!f->have_last || f->nr != 1 || f->r[0].s != 0 || f->r[0].e != f->total)
		return NL_SKIP_FRAG_HELD;

	/* Complete: gather it into one buffer and decode the payload. */
	uint32_t total = f->total;
	uint8_t ipver = f->k.ipver;
	proto = f->k.proto;
	nh = f->nh;
	for (uint32_t o = 0; o < total; o += NL_FRAG_CHUNK) {
		uint32_t m = total - o < NL_FRAG_CHUNK ? total - o : NL_FRAG_CHUNK;
		memcpy(d->frag_buf + o, nl_pool_mem(&d->frag_pool, f->chunk[o / NL_FRAG_CHUNK]), m);
	}
	slot_free(d, i);
	d->st.frag_datagrams++;
	p->m.fragmented = 1;
	if (ipver == 4)
		return nl_transport(d, p, proto, d->frag_buf, total);
	return nl_ip6_chain(d, p, nh, d->frag_buf, total, 1);
}

/** End of input: what is still partial will never complete. */
void nl_frag_flush(nl_decoder_t *d)
{
	while (d->frag_oldest != NL_NONE) {
		d->st.frag_timeout++;
		slot_free(d, d->frag_oldest);
	}
}
