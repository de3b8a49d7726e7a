/*
 * anon_cryptopan.c - the address mappings (truncation, Crypto-PAn), the
 * key file, and the anonymizer's life cycle. The frame walker is in
 * anon_packet.c.
 *
 * Crypto-PAn (Xu, Fan, Ammar, Moon, ICNP 2002), for an address a of n
 * bits (32 or 128), AES-128 under key[0..15] and pad = AES(key[16..31]):
 *
 *   for i in 0 .. n-1:
 *       block_i = the first i bits of a, then bits i..127 of pad
 *       otp_i   = the most significant bit of AES(block_i)
 *   result = a XOR otp_0 otp_1 ... otp_(n-1)
 *
 * Bit i of the result depends on the first i+1 bits of a only: hence
 * prefix preservation, and a prefix can be mapped on its own. The n
 * blocks depend on a alone, not on earlier outputs, so they are built
 * first and encrypted in one ECB call, which pipelines AES-NI rounds
 * instead of paying one EVP call per bit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "anon_int.h"

static const char *const drop_names[ANON_DROP__COUNT] = {
	[ANON_DROP_LINKTYPE] = "linktype",
	[ANON_DROP_LINK_TRUNC] = "link_trunc",
	[ANON_DROP_NOT_IP] = "not_ip",
	[ANON_DROP_IP_BAD] = "ip_bad",
	[ANON_DROP_IP_OPTION] = "ip_option",
	[ANON_DROP_ICMP] = "icmp",
	[ANON_DROP_NESTING] = "nesting",
};

const char *anon_drop_name(anon_drop_t d)
{
	if ((unsigned)d >= ANON_DROP__COUNT)
		return "unknown";
	return drop_names[d];
}

/* Big-endian loads and stores whatever the host; memcpy is one
 * unaligned access where the machine allows it. */
static inline uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline void put64(uint8_t *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	memcpy(p, &v, 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void set_err(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	char ebuf[256];

	if (!err || !errlen)
		return;
	if (e) {
		ERR_error_string_n(e, ebuf, sizeof(ebuf));
		snprintf(err, errlen, "%s: %s", what, ebuf);
	} else {
		snprintf(err, errlen, "%s", what);
	}
}

static anon_t *alloc_anon(void)
{
	/* calloc: every cache slot starts unused */
	return calloc(1, sizeof(anon_t));
}

anon_t *anon_new_truncate(unsigned v4_bits, unsigned v6_bits)
{
	anon_t *a;

	if (v4_bits > 32 || v6_bits > 128)
		return NULL;
	if (!(a = alloc_anon()))
		return NULL;
	a->mode = ANON_TRUNCATE;
	a->v4_bits = v4_bits;
	a->v6_bits = v6_bits;
	snprintf(a->desc, sizeof(a->desc), "truncate/%u/%u", v4_bits, v6_bits);
	return a;
}

anon_t *anon_new_cryptopan(const uint8_t key[ANON_KEY_LEN], char *err, size_t errlen)
{
	uint8_t pad[16], md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	int outl = 0;
	anon_t *a;

	if (err && errlen)
		err[0] = '\0';
	if (!(a = alloc_anon())) {
		set_err(err, errlen, "crypto-pan: out of memory");
		return NULL;
	}
	a->mode = ANON_CRYPTOPAN;
	if (!(a->ctx = EVP_CIPHER_CTX_new()) ||
	    EVP_EncryptInit_ex(a->ctx, EVP_aes_128_ecb(), NULL, key, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(a->ctx, 0) != 1) {
		set_err(err, errlen, "crypto-pan: AES-128-ECB setup");
		goto fail;
	}
	if (EVP_EncryptUpdate(a->ctx, pad, &outl, key + 16, 16) != 1 || outl != 16) {
		set_err(err, errlen, "crypto-pan: computing the pad");
		goto fail;
	}
	a->pad_hi = get64(pad);
	a->pad_lo = get64(pad + 8);
	OPENSSL_cleanse(pad, sizeof(pad));
	if (EVP_Digest(key, ANON_KEY_LEN, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen < 8) {
		set_err(err, errlen, "crypto-pan: SHA-256 of the key");
		goto fail;
	}
	int k = snprintf(a->desc, sizeof(a->desc), "cryptopan/");
	for (int i = 0; i < 8; i++)
		k += snprintf(a->desc + k, sizeof(a->desc) - (size_t)k, "%02x", md[i]);
	return a;
fail:
	OPENSSL_cleanse(pad, sizeof(pad));
	anon_free(a);
	return NULL;
}

void anon_free(anon_t *a)
{
	if (!a)
		return;
	EVP_CIPHER_CTX_free(a->ctx);
	/* the pad, the last AES inputs and the cache all tell the mapping */
	OPENSSL_cleanse(a, sizeof(*a));
	free(a);
}

void anon_get_stats(const anon_t *a, anon_stats_t *st)
{
	*st = a->st;
}

const char *anon_describe(const anon_t *a)
{
	return a->desc;
}

/* ---- key file ----------------------------------------------------------- */

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int anon_load_key(const char *path, uint8_t key[ANON_KEY_LEN], char *err, size_t errlen)
{
	uint8_t buf[2 * ANON_KEY_LEN + 3];
	size_t n;
	int rc = -1;
	FILE *f = fopen(path, "rb");

	if (!f) {
		snprintf(err, errlen, "%s: cannot open key file: %s", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: cannot read key file: %s", path, strerror(errno));
		goto out;
	}
	if (n == ANON_KEY_LEN) {
		memcpy(key, buf, ANON_KEY_LEN);
		rc = 0;
		goto out;
	}
	size_t digits = n;
	if (digits > 0 && buf[digits - 1] == '\n')
		digits--;
	if (digits > 0 && buf[digits - 1] == '\r' && digits + 1 == n)
		digits--;
	if (n == sizeof(buf) || digits != 2 * ANON_KEY_LEN) {
		snprintf(err, errlen,
			 "%s: %s%zu bytes; a key file holds exactly 32 raw bytes or 64 hex "
			 "digits and an optional newline", path,
			 n == sizeof(buf) ? "more than " : "", n == sizeof(buf) ? n - 1 : n);
		goto out;
	}
	for (size_t i = 0; i < digits; i++) {
		if (hexval(buf[i]) < 0) {
			snprintf(err, errlen, "%s: not a hex digit at byte %zu of a 64-digit key",
				 path, i);
			goto out;
		}
	}
	for (size_t i = 0; i < ANON_KEY_LEN; i++)
		key[i] = (uint8_t)(hexval(buf[2 * i]) << 4 | hexval(buf[2 * i + 1]));
	rc = 0;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	fclose(f);
	return rc;
}

/* ---- mappings ------------------------------------------------------------- */

/* The first @p bits bits of a big-endian 128-bit number as a mask. */
static void mask128(unsigned bits, uint64_t *mh, uint64_t *ml)
{
	if (bits == 0) {
		*mh = 0;
		*ml = 0;
	} else if (bits < 64) {
		*mh = ~UINT64_C(0) << (64 - bits);
		*ml = 0;
	} else if (bits == 64) {
		*mh = ~UINT64_C(0);
		*ml = 0;
	} else if (bits < 128) {
		*mh = ~UINT64_C(0);
		*ml = ~UINT64_C(0) << (128 - bits);
	} else {
		*mh = ~UINT64_C(0);
		*ml = ~UINT64_C(0);
	}
}

/*
 * Crypto-PAn of the first @p nbits (32 or 128) bits of hi:lo, which hold
 * the address left-aligned. @return 0, or -1 when AES failed.
 */
static int cryptopan(anon_t *a, uint64_t *hi, uint64_t *lo, unsigned nbits)
{
	uint64_t otp_hi = 0, otp_lo = 0, m;
	int outl = 0;
	uint8_t *b = a->in;
	unsigned i;

	/* block i: the first i bits of the address, then the pad's */
	for (i = 0; i < nbits && i <= 64; i++, b += 16) {
		m = i ? ~UINT64_C(0) << (64 - i) : 0;
		if (i == 64)
			m = ~UINT64_C(0);
		put64(b, (*hi & m) | (a->pad_hi & ~m));
		put64(b + 8, a->pad_lo);
	}
	for (; i < nbits; i++, b += 16) {
		m = ~UINT64_C(0) << (128 - i);
		put64(b, *hi);
		put64(b + 8, (*lo & m) | (a->pad_lo & ~m));
	}
	if (EVP_EncryptUpdate(a->ctx, a->out, &outl, a->in, (int)nbits * 16) != 1 ||
	    outl != (int)nbits * 16)
		return -1;
	for (i = 0; i < nbits && i < 64; i++)
		otp_hi |= (uint64_t)(a->out[i * 16] >> 7) << (63 - i);
	for (i = 64; i < nbits; i++)
		otp_lo |= (uint64_t)(a->out[i * 16] >> 7) << (127 - i);
	*hi ^= otp_hi;
	*lo ^= otp_lo;
	return 0;
}

static void map4(anon_t *a, uint8_t addr[4])
{
	uint32_t v = get32(addr);

	if (a->mode == ANON_TRUNCATE) {
		uint32_t m = a->v4_bits ? ~UINT32_C(0) << (32 - a->v4_bits) : 0;
		put32(addr, v & m);
		return;
	}
	struct anon_c4 *c = &a->c4[(v * UINT32_C(0x9e3779b1)) >> (32 - ANON_C4_BITS)];
	if (c->used && c->orig == v) {
		a->st.cache_hits++;
		put32(addr, c->mapped);
		return;
	}
	a->st.cache_misses++;
	uint64_t hi = (uint64_t)v << 32, lo = 0;
	if (cryptopan(a, &hi, &lo, 32) < 0) {
		/* fail closed: an address that could not be mapped is no
		 * address; never keep the original */
		a->st.crypto_errors++;
		memset(addr, 0, 4);
		return;
	}
	c->orig = v;
	c->mapped = (uint32_t)(hi >> 32);
	c->used = 1;
	put32(addr, c->mapped);
}

static void map6(anon_t *a, uint8_t addr[16])
{
	uint64_t hi = get64(addr), lo = get64(addr + 8);

	if (a->mode == ANON_TRUNCATE) {
		uint64_t mh, ml;
		mask128(a->v6_bits, &mh, &ml);
		put64(addr, hi & mh);
		put64(addr + 8, lo & ml);
		return;
	}
	uint64_t h = (hi ^ (hi >> 29) ^ lo * UINT64_C(0xbf58476d1ce4e5b9)) * UINT64_C(0x94d049bb133111eb);
	struct anon_c6 *c = &a->c6[h >> (64 - ANON_C6_BITS)];
	if (c->used && memcmp(c->orig, addr, 16) == 0) {
		a->st.cache_hits++;
		memcpy(addr, c->mapped, 16);
		return;
	}
	a->st.cache_misses++;
	if (cryptopan(a, &hi, &lo, 128) < 0) {
		a->st.crypto_errors++;
		memset(addr, 0, 16);
		return;
	}
	memcpy(c->orig, addr, 16);
	put64(c->mapped, hi);
	put64(c->mapped + 8, lo);
	c->used = 1;
	memcpy(addr, c->mapped, 16);
}

void anon_addr4(anon_t *a, uint8_t addr[4])
{
	map4(a, addr);
}

void anon_addr6(anon_t *a, uint8_t addr[16])
{
	map6(a, addr);
}

void anon_prefix(anon_t *a, int v6, uint8_t *addr, unsigned bits)
{
	unsigned n = v6 ? 16 : 4;

	if (bits > n * 8)
		bits = n * 8;
	for (unsigned i = 0; i < n; i++) {
		unsigned have = bits > i * 8 ? bits - i * 8 : 0;
		if (have < 8)
			addr[i] &= (uint8_t)(0xff00u >> have);
	}
	if (v6)
		map6(a, addr);
	else
		map4(a, addr);
	for (unsigned i = 0; i < n; i++) {
		unsigned have = bits > i * 8 ? bits - i * 8 : 0;
		if (have < 8)
			addr[i] &= (uint8_t)(0xff00u >> have);
	}
}
