/*
 * fuzz_nl_packet.c - libFuzzer harness for lib/netlayers.
 *
 * Input: one byte choosing the link type, then frames, each
 *
 *   +--------+--------+--------+---------- ... --+
 *   |   dt   |  length (BE)    |  frame bytes     |
 *   +--------+--------+--------+---------- ... --+
 *
 * dt & 0x7f seconds pass before the frame (so timeouts fire); dt & 0x80
 * marks the frame as cut by snaplen. Frames go through one decoder with
 * small tables, so fragment and stream reassembly, eviction and expiry
 * all run. The decoder is flushed after each input: every input starts
 * from an empty state and a crash replays from its file alone.
 */
#include <stdint.h>
#include <stdlib.h>

#include "rootlens/dw_cursor.h"
#include "rootlens/netlayers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int linktypes[] = {
	NL_LINK_ETHERNET, NL_LINK_LINUX_SLL, NL_LINK_LINUX_SLL2,
	NL_LINK_RAW, NL_LINK_RAW_DLT12, NL_LINK_RAW_DLT14,
	NL_LINK_IPV4, NL_LINK_IPV6, NL_LINK_NULL, NL_LINK_LOOP,
};

static volatile uint64_t sink;

static void touch(const nl_dns_t *m, void *user)
{
	uint64_t s = 0;

	(void)user;
	if (m->len > 65535 || (m->transport != NL_UDP && m->transport != NL_TCP) ||
	    (m->ipver != 4 && m->ipver != 6))
		abort();
	for (size_t i = 0; i < m->len; i++)
		s += m->payload[i];
	sink += s;
}

static nl_decoder_t *decoder(void)
{
	static nl_decoder_t *d;
	nl_config_t cfg;

	if (d)
		return d;
	nl_config_default(&cfg);
	cfg.ports[1] = 853;
	cfg.nports = 2;
	cfg.frag_max_datagrams = 4;
	cfg.frag_pool_bytes = 65536;
	cfg.frag_timeout_s = 5;
	cfg.tcp_max_flows = 4;
	cfg.tcp_flow_max_bytes = 65537;
	cfg.tcp_pool_bytes = 18 * 4096;
	cfg.tcp_timeout_s = 10;
	if (nl_decoder_new(&d, &cfg) < 0)
		abort();
	return d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nl_decoder_t *d = decoder();
	dw_cur_t c;
	int64_t sec = 1000;

	dw_cur_init(&c, data, size);
	int lt = linktypes[dw_cur_u8(&c) % (sizeof(linktypes) / sizeof(linktypes[0]))];
	while (!c.err && dw_cur_avail(&c) >= 3) {
		uint8_t dt = dw_cur_u8(&c);
		size_t len = dw_cur_u16(&c);
		size_t avail = dw_cur_avail(&c);
		if (len > avail)
			len = avail;
		const uint8_t *f = dw_cur_ptr(&c, len);
		sec += dt & 0x7f;
		if (nl_decode(d, lt, sec, 0, f, len, dt & 0x80 ? len + 64 : len,
			      touch, NULL) < 0)
			abort();
	}
	nl_flush(d, touch, NULL);

	const nl_stats_t *st = nl_decoder_stats(d);
	uint64_t sum = st->dns_packets;
	for (int s = 0; s < NL_SKIP__COUNT; s++)
		sum += st->skipped[s];
	if (sum != st->packets)
		abort();
	return 0;
}
