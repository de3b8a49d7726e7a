/*
 * hll.h - HyperLogLog distinct counting (Flajolet, Fusy, Gandouet,
 * Meunier, "HyperLogLog: the analysis of a near-optimal cardinality
 * estimation algorithm", AofA 2007), with 64-bit hashes as in HLL++
 * (Heule, Nunkesser, Hall, EDBT 2013) so no large-range correction is
 * needed, and Ertl's improved estimator ("New cardinality estimation
 * algorithms for HyperLogLog sketches", arXiv:1702.01284, 2017), which
 * is unbiased over the whole range without HLL++'s empirical bias tables.
 *
 * With m = 2^p registers the standard error is 1.04/sqrt(m): p = 12 gives
 * 1.6 %, p = 14 0.81 %, p = 16 0.41 %. Registers are one byte each (values
 * 0..65-p); m bytes are allocated by an_hll_init() and nothing else is.
 *
 * The struct is not opaque on purpose: an_hll_add() is inlined into the
 * per-query path of the metrics. Treat the fields as read-only.
 */
#ifndef ROOTLENS_AN_HLL_H
#define ROOTLENS_AN_HLL_H

#include <stddef.h>
#include <stdint.h>

#define AN_HLL_P_MIN 4
#define AN_HLL_P_MAX 18

typedef struct an_hll {
	unsigned p;    /**< precision: m = 2^p registers */
	uint32_t m;
	uint8_t *reg;  /**< m registers, owned (an_hll_fini() frees) */
} an_hll_t;

/**
 * Stable 64-bit hash of @p n bytes (an address, a prefix): the same value
 * on every machine, compiler and run, because sketches built on different
 * machines are merged register by register. A fixed function, not a
 * keyed one: bytes are read as little-endian 64-bit words whatever the
 * host order, each word is folded in with the splitmix64 finaliser
 * (Steele, Lea, Flood, "Fast splittable pseudorandom number generators",
 * OOPSLA 2014; constants by D. Stafford, "mix13"), and the length seeds
 * the state so "a" and "a\0" differ. One multiply-xorshift round per
 * 8 bytes: an IPv4 address costs one, an IPv6 address two. Never change
 * it: saved sketches depend on it.
 */
uint64_t an_hash_addr(const uint8_t *a, size_t n);

/* The pieces of an_hash_addr(), inline for the fixed lengths of the
 * per-query path (the same values: the unit test pins them). */
static inline uint64_t an_hash_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

#define AN_HASH_SEED(n) (UINT64_C(0x2545f4914f6cdd1d) + (uint64_t)(n) * UINT64_C(0x9e3779b97f4a7c15))

static inline uint64_t an_hash_rd64(const uint8_t *p)
{
	uint64_t v;

	__builtin_memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline uint64_t an_hash_rd32(const uint8_t *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap32(v);
#endif
	return v;
}

/** an_hash_addr(a, 4) */
static inline uint64_t an_hash_addr4(const uint8_t *a)
{
	return an_hash_mix(AN_HASH_SEED(4) ^ an_hash_rd32(a));
}

/** an_hash_addr(a, 8) */
static inline uint64_t an_hash_addr8(const uint8_t *a)
{
	return an_hash_mix(AN_HASH_SEED(8) ^ an_hash_rd64(a));
}

/** an_hash_addr(a, 16) */
static inline uint64_t an_hash_addr16(const uint8_t *a)
{
	return an_hash_mix(an_hash_mix(AN_HASH_SEED(16) ^ an_hash_rd64(a)) ^ an_hash_rd64(a + 8));
}

/** Set up @p h with 2^@p p zeroed registers.
 *  @return 0, DW_EINVAL (@p p outside 4..18), DW_ENOMEM. */
int an_hll_init(an_hll_t *h, unsigned p);

/** Free the registers (safe on a zeroed or already freed struct). */
void an_hll_fini(an_hll_t *h);

/**
 * Add one hashed item. The top p bits pick the register, the leading
 * zeros of the remaining 64-p bits (plus one) are the rank kept as a
 * maximum; the sentinel bit caps the rank at 65-p when those bits are
 * all zero.
 */
static inline void an_hll_add(an_hll_t *h, uint64_t x)
{
	uint32_t i = (uint32_t)(x >> (64 - h->p));
	uint64_t w = (x << h->p) | ((uint64_t)1 << (h->p - 1));
	uint8_t r = (uint8_t)(__builtin_clzll(w) + 1);

	if (r > h->reg[i])
		h->reg[i] = r;
}

/** dst = union(dst, src): register-wise maximum (exact: the result is the
 *  sketch of the union of the two streams).
 *  @return 0, DW_EINVAL when the precisions differ. */
int an_hll_merge(an_hll_t *dst, const an_hll_t *src);

/**
 * Estimated number of distinct items added. Linear counting
 * (Whang et al., TODS 1990) while it is the better estimator (small
 * cardinalities, some registers still zero: below 2.5 m as in the
 * original paper), Ertl's improved estimator above. Relative standard
 * error 1.04/sqrt(m).
 */
double an_hll_estimate(const an_hll_t *h);

/**
 * The registers as text: zlib (compress2) then base64. The precision is
 * not in the string: it travels beside it ("hll_p").
 * @return 0 with a NUL-terminated string in @p out (the caller free()s
 *         it), or DW_ENOMEM.
 */
int an_hll_save(const an_hll_t *h, char **out);

/**
 * Replace the registers of @p h (initialised with the precision the
 * string was saved with) by those in @p s. @p h is unchanged on error.
 * @return 0, DW_EFORMAT (bad base64 or zlib data, not exactly m
 *         registers, a register above 65-p), DW_ENOMEM.
 */
int an_hll_load(an_hll_t *h, const char *s);

#endif
