/*
 * udp.c - the transport layer: UDP to a DNS message, TCP to tcp.c.
 *
 * The port test comes first, so all non-DNS traffic is counted as such
 * whatever state its headers are in.
 */
#include "nl_int.h"

/*
 * RFC 768:                              RFC 9293 3.1 (TCP, first 20 bytes):
 *
 *   +--------+--------+--------+--------+   | Source Port | Destination Port |
 *   |  Source Port    |   Dest Port     |   |        Sequence Number         |
 *   +--------+--------+--------+--------+   |     Acknowledgment Number      |
 *   |     Length      |    Checksum     |   |Off|Rsv|Flags|     Window       |
 *   +--------+--------+--------+--------+   |  Checksum   |  Urgent Pointer  |
 *   |          data octets ...              |  Options (Off > 5) ... data
 */
int nl_transport(nl_decoder_t *d, nl_pkt_t *p, uint8_t proto,
		 const uint8_t *data, size_t len)
{
	dw_cur_t c;

	if (proto == NL_UDP && len >= 8) {
		/* The common case: the whole UDP header is there, one check
		 * for its fields; the same tests as below in the same order. */
		uint16_t sport = (uint16_t)(data[0] << 8 | data[1]);
		uint16_t dport = (uint16_t)(data[2] << 8 | data[3]);
		uint16_t ulen = (uint16_t)(data[4] << 8 | data[5]);
		p->m.sport = sport;
		p->m.dport = dport;
		if (!nl_is_dns_port(d, sport, dport))
			return NL_SKIP_NOT_DNS_PORT;
		if (ulen < 8 || ulen > len + p->cut)
			return NL_SKIP_UDP_TRUNC;
		if (ulen == 8)
			return NL_SKIP_UDP_EMPTY;
		p->m.transport = NL_UDP;
		/* ulen <= len, or have = len - 8: within the data either way */
		size_t have = (ulen > len ? len : ulen) - 8u;
		nl_emit_cut(p, data + 8, have, ulen - 8u);
		return NL_OUT_DNS;
	}
	dw_cur_init(&c, data, len);
	p->m.sport = dw_cur_u16(&c);
	p->m.dport = dw_cur_u16(&c);
	if (proto == NL_UDP) {
		uint16_t ulen = dw_cur_u16(&c);
		dw_cur_skip(&c, 2);
		if (c.err)
			return NL_SKIP_UDP_TRUNC;
		if (!nl_is_dns_port(d, p->m.sport, p->m.dport))
			return NL_SKIP_NOT_DNS_PORT;
		/* Shorter than its header or longer than the IP payload is
		 * a bad length; shorter than the IP payload is padding. A
		 * datagram snaplen cut goes up as far as it was captured,
		 * with its real length beside it. */
		if (ulen < 8 || ulen > len + p->cut)
			return NL_SKIP_UDP_TRUNC;
		if (ulen == 8)
			return NL_SKIP_UDP_EMPTY;
		p->m.transport = NL_UDP;
		size_t have = (ulen > len ? len : ulen) - 8u;
		nl_emit_cut(p, dw_cur_ptr(&c, have), have, ulen - 8u);
		return NL_OUT_DNS;
	}
	if (proto == NL_TCP) {
		uint32_t seq = dw_cur_u32(&c);
		dw_cur_skip(&c, 4);
		uint16_t offfl = dw_cur_u16(&c);
		dw_cur_skip(&c, 6);
		if (c.err)
			return NL_SKIP_TCP_TRUNC;
		if (!nl_is_dns_port(d, p->m.sport, p->m.dport))
			return NL_SKIP_NOT_DNS_PORT;
		size_t hl = (size_t)(offfl >> 12) * 4;
		if (hl < 20 || hl > len)
			return NL_SKIP_TCP_TRUNC;
		if (p->cut)	/* a stream with a hole snaplen made */
			return NL_SKIP_IP_TRUNC;
		dw_cur_skip(&c, hl - 20);	/* options: MSS, SACK, TFO cookie */
		p->m.transport = NL_TCP;
		return nl_tcp_segment(d, p, seq, (uint8_t)(offfl & 0xff),
				      dw_cur_ptr(&c, len - hl), len - hl);
	}
	return NL_SKIP_OTHER_PROTO;
}
