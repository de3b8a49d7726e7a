/*
 * spacesaving.h - heavy hitters by Space-Saving (Metwally, Agrawal,
 * El Abbadi, "Efficient computation of frequent and top-k elements in
 * data streams", ICDT 2005) over addresses and prefixes, mergeable
 * (Agarwal, Cormode, Huang, Phillips, Wei, Yi, "Mergeable summaries",
 * PODS 2012; Cafaro, Pulimeno, Tempesta, "A parallel space saving
 * algorithm for frequent items and the Hurwitz zeta distribution", 2016).
 *
 * M counters. A monitored key adds its weight to its counter; an
 * unmonitored key takes over the counter with the smallest count c_min,
 * which becomes its error, and adds its weight. For every key, with N the
 * total weight seen (merges included):
 *
 *   count - error <= true count <= count     (monitored keys)
 *   true count <= c_min                      (unmonitored keys, when full)
 *   error <= c_min <= N/M
 *
 * so every key with a true count above N/M is monitored. Merging keeps
 * all three (spacesaving.c explains why).
 *
 * Memory: M counters, a hash table of at least 2M slots (open addressing,
 * linear probing, deletion by backward shift: no tombstones) and the
 * paper's Stream-Summary (counters grouped in buckets of equal count, the
 * buckets in a list by count), all allocated by an_ss_new(). A unit
 * update is O(1): one table lookup, and the counter moves to the bucket
 * of the next count; an eviction takes a counter of the first bucket.
 */
#ifndef ROOTLENS_AN_SPACESAVING_H
#define ROOTLENS_AN_SPACESAVING_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sketch/hll.h"

/**
 * A key: an address, a prefix or an AS number. Canonical form (keys are
 * compared as bytes): @p addr holds the address masked to @p plen bits and
 * zeros after (an IPv4 address in the first 4 bytes). A full address has
 * plen 32 or 128. Build keys with an_ss_key_set(), an_ss_key_asn().
 * An AS number is ipver AN_SS_ASN (0), plen 32, the number big-endian in
 * the first 4 bytes (a summary of networks: m_sources "top_asns").
 */
#define AN_SS_ASN 0
typedef struct an_ss_key {
	uint8_t ipver;    /**< 4, 6, or AN_SS_ASN */
	uint8_t plen;     /**< prefix length, 0..32 or 0..128 */
	uint8_t addr[16];
} an_ss_key_t;

/** One counter as reported. */
typedef struct an_ss_item {
	an_ss_key_t key;
	uint64_t count;   /**< upper bound of the key's true count */
	uint64_t err;     /**< count - err is a lower bound */
} an_ss_item_t;

typedef struct an_ss an_ss_t; /* opaque: an_ss_new() owns it */

/** Fill @p k with @p addr (4 bytes for IPv4, 16 for IPv6) masked to
 *  @p plen bits (clamped to 32 or 128). */
static inline void an_ss_key_set(an_ss_key_t *k, int ipver, const uint8_t *addr, unsigned plen)
{
	/* Word-wise: the address in two 64-bit words, ANDed with a mask of
	 * plen leading bits in memory order (byte i, bit 7 first). */
	uint64_t w[2] = { 0, 0 }, m[2];
	unsigned alen = ipver == 4 ? 4 : 16;

	if (plen > alen * 8)
		plen = alen * 8;
	__builtin_memcpy(w, addr, alen);
	m[0] = plen >= 64 ? ~UINT64_C(0) : plen ? ~UINT64_C(0) << (64 - plen) : 0;
	m[1] = plen >= 128 ? ~UINT64_C(0) : plen > 64 ? ~UINT64_C(0) << (128 - plen) : 0;
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_BIG_ENDIAN__
	m[0] = __builtin_bswap64(m[0]);
	m[1] = __builtin_bswap64(m[1]);
#endif
	w[0] &= m[0];
	w[1] &= m[1];
	k->ipver = (uint8_t)(ipver == 4 ? 4 : 6);
	k->plen = (uint8_t)plen;
	__builtin_memcpy(k->addr, w, 16);
}

/** The key of AS number @p asn. */
static inline void an_ss_key_asn(an_ss_key_t *k, uint32_t asn)
{
	memset(k, 0, sizeof(*k));
	k->ipver = AN_SS_ASN;
	k->plen = 32;
	k->addr[0] = (uint8_t)(asn >> 24);
	k->addr[1] = (uint8_t)(asn >> 16);
	k->addr[2] = (uint8_t)(asn >> 8);
	k->addr[3] = (uint8_t)asn;
}

/** The AS number of an AN_SS_ASN key. */
static inline uint32_t an_ss_key_asn_of(const an_ss_key_t *k)
{
	return (uint32_t)k->addr[0] << 24 | (uint32_t)k->addr[1] << 16 |
	       (uint32_t)k->addr[2] << 8 | k->addr[3];
}

/** The hash a summary files @p k under: an_hash_addr() of the 4 or 16
 *  address bytes (4 for an AS number), so a full address's hash can be
 *  shared with a HyperLogLog update (an_ss_add_hashed()). */
static inline uint64_t an_ss_key_hash(const an_ss_key_t *k)
{
	return k->ipver != 6 ? an_hash_addr4(k->addr) : an_hash_addr16(k->addr);
}

/** Allocate a summary of @p capacity counters (1..2^24).
 *  @return 0, DW_EINVAL, DW_ENOMEM. */
int an_ss_new(an_ss_t **s, unsigned capacity);

/** Free @p s (NULL is fine). */
void an_ss_free(an_ss_t *s);

/** Count @p w occurrences of @p k (canonical; @p w 0 does nothing). O(1)
 *  for @p w 1; a larger weight walks the counts it passes. No allocation. */
void an_ss_add(an_ss_t *s, const an_ss_key_t *k, uint64_t w);

/** an_ss_add() with @p h = an_ss_key_hash(@p k) already computed. */
void an_ss_add_hashed(an_ss_t *s, const an_ss_key_t *k, uint64_t h, uint64_t w);

/**
 * an_ss_add_hashed(@p s, @p k, @p h, 1), telling where the key was
 * counted: @return its counter's index (0..capacity-1; an index stays
 * with its counter until a merge or load rebuilds the summary), and
 * *@p taken is 1 when the key has just taken that counter (it was not
 * monitored: a free counter, or the evicted minimum's), else 0. What a
 * caller keeps per counter beside the count (m_sources: evidence, AS)
 * starts afresh when taken is 1.
 */
uint32_t an_ss_add1(an_ss_t *s, const an_ss_key_t *k, uint64_t h, int *taken);

/** Total weight N seen (merges included). */
uint64_t an_ss_total(const an_ss_t *s);

/** Counters in use (<= capacity). */
size_t an_ss_size(const an_ss_t *s);

unsigned an_ss_capacity(const an_ss_t *s);

/** The smallest count when all counters are in use (the bound on any
 *  unmonitored key), else 0 (unmonitored keys were never seen). */
uint64_t an_ss_min(const an_ss_t *s);

/** Look @p k up. @return 1 and its counter in @p out, or 0 when not
 *  monitored. */
int an_ss_get(const an_ss_t *s, const an_ss_key_t *k, an_ss_item_t *out);

/**
 * The @p k largest counters into @p out (room for @p k), by count
 * descending, ties by key bytes ascending: deterministic whatever the
 * update order. O(size * k) at worst (k is a short printed list), no
 * allocation. @return entries written.
 */
size_t an_ss_top(const an_ss_t *s, an_ss_item_t *out, size_t k);

/** an_ss_top(), also writing each entry's counter index to @p idx
 *  (room for @p k). */
size_t an_ss_top_idx(const an_ss_t *s, an_ss_item_t *out, uint32_t *idx, size_t k);

/**
 * The counter indices of @p s in saved order (an_ss_save(): count
 * descending, ties by key bytes) into @p idx (room for an_ss_size()).
 * After an_ss_load() and an_ss_merge() the order is 0, 1, 2, ...
 * Allocates a scratch array for the call. @return 0, DW_ENOMEM.
 */
int an_ss_order(const an_ss_t *s, uint32_t *idx);

/**
 * dst = merge(dst, src). Keys in both: counts and errors add. A key in
 * one summary only also gets the other summary's an_ss_min() added to its
 * count and error (it may have been there and been evicted). The M
 * largest are kept (ties by key bytes, so merge is commutative).
 * Allocates a scratch array for the call.
 * @return 0, DW_EINVAL (capacities differ), DW_ENOMEM (dst unchanged).
 */
int an_ss_merge(an_ss_t *dst, const an_ss_t *src);

/**
 * an_ss_merge(), telling where each merged counter came from: for every
 * counter index i of the result (0..an_ss_size(dst)-1, saved order),
 * @p from_dst[i] is the index the key had in @p dst before, and
 * @p from_src[i] its index in @p src, or AN_SS_NONE where the key was not
 * monitored there. Both arrays have room for dst's capacity.
 */
#define AN_SS_NONE UINT32_MAX
int an_ss_merge_map(an_ss_t *dst, const an_ss_t *src, uint32_t *from_dst, uint32_t *from_src);

/**
 * Text form: base64 of zlib of the packed summary, all integers little
 * endian: u8 version (1), u32 capacity, u64 N, u32 counters, then per
 * counter by count descending: u8 ipver, u8 plen, 4 or 16 address bytes
 * (4 for an AS number), u64 count, u64 error. @return 0 with a
 * NUL-terminated string in @p out (the caller free()s it), or DW_ENOMEM.
 */
int an_ss_save(const an_ss_t *s, char **out);

/**
 * Replace the contents of @p s (fresh from an_ss_new() with the saved
 * capacity) by the summary in @p str. Validated: version, capacity equal
 * to @p s's, counter count <= capacity, ipver 4/6/AN_SS_ASN (plen 32),
 * plen in range, address bits beyond plen zero, 1 <= count, error <=
 * count, no duplicate key, sum of counts <= N, no trailing bytes. @p s is unchanged on error.
 * @return 0, DW_EFORMAT, DW_ENOMEM.
 */
int an_ss_load(an_ss_t *s, const char *str);

#endif
