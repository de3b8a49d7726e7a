/*
 * hll.c - HyperLogLog: merge, estimate, text form; and the address hash.
 * See hll.h for the papers.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rootlens/errcode.h"
#include "sketch/b64.h"
#include "sketch/hll.h"

/* Little-endian loads whatever the host: the hash must not depend on it.
 * memcpy is one unaligned load on the machines that allow it. */
static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static uint64_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap32(v);
#endif
	return v;
}

/* The last 1..7 bytes as one little-endian word. */
static uint64_t rd_tail(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i = 0;

	if (n >= 4) {
		v = rd32(p);
		i = 4;
	}
	for (; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

uint64_t an_hash_addr(const uint8_t *a, size_t n)
{
	/* Seed: golden-ratio increment times the length, offset by an
	 * arbitrary fixed constant so the empty input is not hashed to 0. */
	uint64_t h = UINT64_C(0x2545f4914f6cdd1d) + (uint64_t)n * UINT64_C(0x9e3779b97f4a7c15);
	size_t len = n;

	for (; n >= 8; a += 8, n -= 8)
		h = mix(h ^ rd64(a));
	if (n)
		h = mix(h ^ rd_tail(a, n));
	return len ? h : mix(h);
}

int an_hll_init(an_hll_t *h, unsigned p)
{
	h->reg = NULL;
	if (p < AN_HLL_P_MIN || p > AN_HLL_P_MAX)
		return DW_EINVAL;
	h->p = p;
	h->m = (uint32_t)1 << p;
	if (!(h->reg = calloc(h->m, 1)))
		return DW_ENOMEM;
	return 0;
}

void an_hll_fini(an_hll_t *h)
{
	free(h->reg);
	h->reg = NULL;
}

int an_hll_merge(an_hll_t *dst, const an_hll_t *src)
{
	if (dst->p != src->p)
		return DW_EINVAL;
	for (uint32_t i = 0; i < dst->m; i++)
		if (src->reg[i] > dst->reg[i])
			dst->reg[i] = src->reg[i];
	return 0;
}

#define ALPHA_INF 0.72134752044448170368 /* 1/(2 ln 2) */

/*
 * Ertl (2017), the improved raw estimator: with C_k the number of registers equal to
 * k and q = 64 - p,
 *
 *   E = alpha_inf m^2 / (m sigma(C_0/m) + sum_{k=1..q} C_k 2^-k
 *                        + m tau(1 - C_{q+1}/m) 2^-q),  alpha_inf = 1/(2 ln 2)
 *
 *   sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1)
 *   tau(x)   = (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3
 *
 * sigma corrects for empty registers (what linear counting does at small
 * range), tau for saturated ones; both series are summed until the
 * floating-point sum stops changing.
 */
static double sigma(double x)
{
	double s = x, y = 1, prev;

	if (x == 1)
		return INFINITY;
	do {
		x *= x;
		prev = s;
		s += x * y;
		y += y;
	} while (s != prev);
	return s;
}

static double tau(double x)
{
	double s = 1 - x, y = 1, prev;

	if (x == 0 || x == 1)
		return 0;
	do {
		x = sqrt(x);
		prev = s;
		y *= 0.5;
		s -= (1 - x) * (1 - x) * y;
	} while (s != prev);
	return s / 3;
}

double an_hll_estimate(const an_hll_t *h)
{
	uint32_t c[66] = { 0 };
	unsigned q = 64 - h->p;
	double m = h->m, z, e;

	for (uint32_t i = 0; i < h->m; i++)
		c[h->reg[i]]++;
	if (c[0] == h->m)
		return 0;
	z = m * tau(1 - c[q + 1] / m);
	for (unsigned k = q; k >= 1; k--)
		z = 0.5 * (z + c[k]);
	z += m * sigma(c[0] / m);
	e = ALPHA_INF * m * m / z;
	/* Linear counting, m ln(m/V) with V empty registers, has the lower
	 * variance while registers are mostly empty (Whang et al.; HLL++
	 * section 5.3 uses it up to an empirical threshold near 0.7-5 m).
	 * The original paper's switch point 5m/2 is kept. */
	if (c[0] && e <= 2.5 * m)
		return m * log(m / c[0]);
	return e;
}

int an_hll_save(const an_hll_t *h, char **out)
{
	return an_blob_pack(h->reg, h->m, out);
}

int an_hll_load(an_hll_t *h, const char *s)
{
	uint8_t *tmp = malloc(h->m);
	size_t n;
	int rc = DW_ENOMEM;

	if (!tmp)
		goto out;
	if ((rc = an_blob_unpack(s, tmp, h->m, &n)) < 0)
		goto out;
	rc = DW_EFORMAT;
	if (n != h->m)
		goto out;
	for (uint32_t i = 0; i < h->m; i++)
		if (tmp[i] > 65 - h->p)
			goto out;
	memcpy(h->reg, tmp, h->m);
	rc = 0;
out:
	free(tmp);
	return rc;
}
