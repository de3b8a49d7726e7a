/*
 * decode.c - the decoder object and the per-frame entry point.
 *
 * Everything a decoder will ever use is allocated here, in
 * nl_decoder_new(); nl_decode() only reads the frame, updates tables and
 * counters, and calls back. The common frame (Ethernet, IPv4, UDP, port
 * 53) walks link.c -> ip.c -> udp.c without touching a hash table.
 */
#include <stdlib.h>

#include "nl_int.h"

void nl_config_default(nl_config_t *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ports[0] = 53;
	cfg->nports = 1;
	cfg->frag_max_datagrams = 1024;
	cfg->frag_pool_bytes = 8u << 20;
	cfg->frag_timeout_s = 30;
	cfg->tcp_max_flows = 65536;
	cfg->tcp_flow_max_bytes = 128u << 10;
	cfg->tcp_pool_bytes = 64u << 20;
	cfg->tcp_timeout_s = 120;
}

/*
 * Bounds that keep every later step simple: one datagram and one flow at
 * its cap must always fit in their pools (so a lone stream or datagram can
 * always make progress by evicting others), and a flow must hold at least
 * one largest message with its length prefix.
 */
static int config_ok(const nl_config_t *c)
{
	size_t tcp_min_chunks;

	if (c->nports == 0 || c->nports > NL_MAX_PORTS)
		return 0;
	if (c->frag_max_datagrams == 0 || c->frag_max_datagrams > NL_MAX_TABLE)
		return 0;
	if (c->frag_pool_bytes < (size_t)NL_FRAG_CHUNK * NL_FRAG_SLOT_CHUNKS)
		return 0;
	if (c->tcp_max_flows == 0 || c->tcp_max_flows > NL_MAX_TABLE)
		return 0;
	if (c->tcp_flow_max_bytes < NL_TCP_MIN_FLOW_BYTES ||
	    c->tcp_flow_max_bytes > (1u << 30))
		return 0;
	/* head_off may leave up to one chunk unused in front of the window */
	tcp_min_chunks = (c->tcp_flow_max_bytes + NL_TCP_CHUNK - 1) / NL_TCP_CHUNK + 1;
	if (c->tcp_pool_bytes / NL_TCP_CHUNK < tcp_min_chunks)
		return 0;
	return 1;
}

int nl_decoder_new(nl_decoder_t **dp, const nl_config_t *cfg)
{
	nl_decoder_t *d;
	int rc;

	if (!dp || !cfg)
		return DW_EINVAL;
	*dp = NULL;
	if (!config_ok(cfg))
		return DW_EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return DW_ENOMEM;
	d->cfg = *cfg;
	for (unsigned i = 0; i < cfg->nports; i++)
		d->portmap[cfg->ports[i] >> 6] |= 1ull << (cfg->ports[i] & 63);
	/* No entropy source is allowed down here; the heap address differs
	 * per run under ASLR, which is enough to keep an outsider from
	 * precomputing keys that pile into one hash chain. Results never
	 * depend on the seed: eviction order is by age, not by bucket. */
	uint64_t where = (uint64_t)(uintptr_t)d;
	d->seed = nl_hash(0x6a09e667f3bcc908ull, &where, sizeof(where));
	if ((rc = nl_frag_init(d)) < 0 || (rc = nl_tcp_init(d)) < 0) {
		nl_decoder_free(d);
		return rc;
	}
	*dp = d;
	return 0;
}

void nl_decoder_free(nl_decoder_t *d)
{
	if (!d)
		return;
	nl_frag_fini(d);
	nl_tcp_fini(d);
	free(d);
}

int nl_linktype_supported(int linktype)
{
	switch (linktype) {
	case NL_LINK_NULL:
	case NL_LINK_ETHERNET:
	case NL_LINK_FDDI:
	case NL_LINK_RAW_DLT12:
	case NL_LINK_RAW_DLT14:
	case NL_LINK_RAW:
	case NL_LINK_LOOP:
	case NL_LINK_LINUX_SLL:
	case NL_LINK_IPV4:
	case NL_LINK_IPV6:
	case NL_LINK_LINUX_SLL2:
		return 1;
	default:
		return 0;
	}
}

int nl_decode(nl_decoder_t *d, int linktype, int64_t ts_sec, uint32_t ts_nsec,
	      const uint8_t *frame, size_t caplen, size_t wirelen,
	      nl_dns_cb cb, void *user)
{
	nl_pkt_t p;
	dw_cur_t c;
	int out;

	if (linktype != NL_LINK_ETHERNET && !nl_linktype_supported(linktype))
		return DW_ELINKTYPE;
	p.m.ts_sec = ts_sec;
	p.m.ts_nsec = ts_nsec;
	p.m.fragmented = 0;
	p.m.snapped = 0;
	p.cut = 0;
	p.cb = cb;
	p.user = user;
	p.nmsg = 0;
	p.snapped = caplen < wirelen;
	dw_cur_init(&c, frame, frame ? caplen : 0);
	out = nl_link(d, &p, linktype, &c);

	d->st.packets++;
	d->st.snapped += p.snapped;
	if (out == NL_OUT_DNS)
		d->st.dns_packets++;
	else
		d->st.skipped[out]++;
	return 0;
}

void nl_flush(nl_decoder_t *d, nl_dns_cb cb, void *user)
{
	nl_frag_flush(d);
	nl_tcp_flush(d, cb, user);
}

const nl_stats_t *nl_decoder_stats(const nl_decoder_t *d)
{
	return &d->st;
}
