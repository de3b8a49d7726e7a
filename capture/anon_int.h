/*
 * anon_int.h - what anon_cryptopan.c (mappings, keys) and anon_packet.c
 * (the frame walker) share. Not installed, not for other modules.
 */
#ifndef ROOTLENS_ANON_INT_H
#define ROOTLENS_ANON_INT_H

#include <openssl/evp.h>

#include "anon.h"

enum anon_mode { ANON_TRUNCATE = 1, ANON_CRYPTOPAN };

/*
 * Direct-mapped caches of recent Crypto-PAn mappings, filled on a miss
 * and never allocated after anon_new_cryptopan(): a DNS server sees the
 * same few addresses (its own, busy resolvers) in most packets.
 */
#define ANON_C4_BITS 12
#define ANON_C6_BITS 11

struct anon_c4 {
	uint32_t orig, mapped;	/* host order */
	uint32_t used;
};

struct anon_c6 {
	uint8_t orig[16], mapped[16];
	uint32_t used;
};

struct anon {
	enum anon_mode mode;
	unsigned v4_bits, v6_bits;	/* truncate */
	EVP_CIPHER_CTX *ctx;		/* AES-128-ECB, no padding */
	uint64_t pad_hi, pad_lo;	/* AES(key[16..31]), big-endian halves */
	anon_stats_t st;
	char desc[48];
	/* one Crypto-PAn computation: a block per bit, encrypted at once */
	uint8_t in[128 * 16], out[128 * 16];
	struct anon_c4 c4[1u << ANON_C4_BITS];
	struct anon_c6 c6[1u << ANON_C6_BITS];
};

#endif
