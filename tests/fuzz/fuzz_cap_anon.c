/*
 * fuzz_cap_anon.c - libFuzzer harness for the capture anonymizer.
 *
 * Input: one selector byte, then one frame.
 *
 *   selector & 0x0f (mod 10): the link type (table below)
 *   selector >> 4 & 3:        0 Crypto-PAn, 1 truncate/24/48,
 *                             2 truncate/0/0, 3 truncate/32/128
 *
 * Beyond "no crash" (under ASan/UBSan in run.sh), any broken invariant
 * abort()s:
 *   - anon_packet() returns 0 or -1;
 *   - Crypto-PAn: lib/netlayers, an independent parser, decodes the frame
 *     before and after: the same DNS messages (transport, IP version,
 *     ports, length), with every source and destination the mapping of
 *     the original;
 *   - truncation: anonymizing the output again returns 0 and changes no
 *     byte (each decision repeats, each address maps to itself).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "anon.h"
#include "rootlens/netlayers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int linktypes[] = {
	NL_LINK_ETHERNET, NL_LINK_LINUX_SLL, NL_LINK_LINUX_SLL2,
	NL_LINK_RAW, NL_LINK_RAW_DLT12, NL_LINK_RAW_DLT14,
	NL_LINK_IPV4, NL_LINK_IPV6, NL_LINK_NULL, NL_LINK_LOOP,
};

/* the sample key of the original Crypto-PAn distribution */
static const uint8_t key[32] = {
	21, 34, 23, 141, 51, 164, 207, 128, 19, 10, 91, 22, 73, 144, 125, 16,
	216, 152, 143, 131, 121, 121, 101, 39, 98, 87, 76, 45, 42, 132, 34, 2,
};

#define MAX_MSGS 64
#define MAX_FRAME 65536

struct msgs {
	unsigned n;		/* all seen; the first MAX_MSGS kept */
	nl_dns_t m[MAX_MSGS];
};

static void collect(const nl_dns_t *m, void *user)
{
	struct msgs *s = user;

	if (s->n < MAX_MSGS) {
		s->m[s->n] = *m;
		s->m[s->n].payload = NULL;	/* borrowed: not kept */
	}
	s->n++;
}

static nl_decoder_t *decoder(void)
{
	static nl_decoder_t *d;
	nl_config_t cfg;

	if (d)
		return d;
	nl_config_default(&cfg);
	cfg.frag_max_datagrams = 4;
	cfg.frag_pool_bytes = 65536;
	cfg.tcp_max_flows = 4;
	cfg.tcp_flow_max_bytes = 65537;
	cfg.tcp_pool_bytes = 18 * 4096;
	if (nl_decoder_new(&d, &cfg) < 0)
		abort();
	return d;
}

/* Every DNS message in one frame, from an empty decoder. */
static void decode(int lt, const uint8_t *f, size_t len, struct msgs *out)
{
	nl_decoder_t *d = decoder();

	out->n = 0;
	nl_decode(d, lt, 1000, 0, f, len, len, collect, out);
	nl_flush(d, collect, out);
}

static void map(anon_t *a, int ipver, const uint8_t *in, uint8_t *out)
{
	memcpy(out, in, 16);
	if (ipver == 4)
		anon_addr4(a, out);
	else
		anon_addr6(a, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static anon_t *modes[4];
	static uint8_t f[MAX_FRAME], g[MAX_FRAME];
	static struct msgs before, after;
	char err[256];

	if (!modes[0]) {
		modes[0] = anon_new_cryptopan(key, err, sizeof(err));
		modes[1] = anon_new_truncate(24, 48);
		modes[2] = anon_new_truncate(0, 0);
		modes[3] = anon_new_truncate(32, 128);
		if (!modes[0] || !modes[1] || !modes[2] || !modes[3])
			abort();
	}
	if (size < 1)
		return 0;
	int lt = linktypes[(data[0] & 0x0f) % (sizeof(linktypes) / sizeof(linktypes[0]))];
	int mode = data[0] >> 4 & 3;
	anon_t *a = modes[mode];
	size_t len = size - 1;
	if (len > MAX_FRAME)
		len = MAX_FRAME;
	memcpy(f, data + 1, len);

	int rc = anon_packet(a, lt, f, (uint32_t)len);
	if (rc != 0 && rc != -1)
		abort();
	if (rc != 0)
		return 0;

	if (mode == 0) {
		uint8_t want[16];
		decode(lt, data + 1, len, &before);
		decode(lt, f, len, &after);
		if (before.n != after.n)
			abort();
		for (unsigned i = 0; i < before.n && i < MAX_MSGS; i++) {
			const nl_dns_t *x = &before.m[i], *y = &after.m[i];
			if (x->transport != y->transport || x->ipver != y->ipver ||
			    x->sport != y->sport || x->dport != y->dport || x->len != y->len)
				abort();
			size_t alen = x->ipver == 4 ? 4 : 16;
			map(a, x->ipver, x->src, want);
			if (memcmp(want, y->src, alen) != 0)
				abort();
			map(a, x->ipver, x->dst, want);
			if (memcmp(want, y->dst, alen) != 0)
				abort();
		}
	} else {
		memcpy(g, f, len);
		if (anon_packet(a, lt, g, (uint32_t)len) != 0 || memcmp(f, g, len) != 0)
			abort();
	}
	return 0;
}
