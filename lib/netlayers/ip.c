/*
 * ip.c - IPv4 (RFC 791) and IPv6 (RFC 8200) down to the transport.
 *
 * A datagram cut by snaplen (caplen < len) is still read as far as it
 * was captured, flagged so that only an unfragmented UDP datagram goes on
 * (its DNS header and question usually survive, and root operators do
 * capture with a snaplen); a cut fragment or TCP segment cannot be
 * reassembled. The IP length fields are trusted over the frame length,
 * which may carry link padding. Checksums are ignored.
 */
#include "nl_int.h"

#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_AH_ 51
#define IPPROTO_ICMPV6_ 58
#define IPPROTO_DSTOPTS_ 60
#define IPPROTO_MOBILITY_ 135
#define IPPROTO_HIP_ 139
#define IPPROTO_SHIM6_ 140

/*
 * A length past the captured bytes: a lie, or snaplen. For snaplen, go on
 * with what was captured and remember how much the datagram really had.
 * @return 0 to go on with *len cut to @p avail, or the skip reason.
 */
static int past_capture(nl_pkt_t *p, size_t *len, size_t avail)
{
	if (!p->snapped)
		return NL_SKIP_IP_BAD;
	p->cut = *len - avail;
	*len = avail;
	return 0;
}

/*
 * RFC 791 3.1:
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version|  IHL  |Type of Service|          Total Length         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |         Identification        |Flags|      Fragment Offset    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Time to Live |    Protocol   |         Header Checksum       |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                       Source Address                          |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Destination Address                        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Options (IHL > 5)          |    Padding    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Flags: bit 1 DF, bit 2 MF; the offset counts 8-byte units.
 */
static int ip4_rest(nl_decoder_t *d, nl_pkt_t *p, uint8_t proto, uint16_t id,
		    uint16_t frag, const uint8_t *pl, size_t len)
{
	memset(p->m.src + 4, 0, 12);
	memset(p->m.dst + 4, 0, 12);
	p->m.ipver = 4;
	if (proto == IPPROTO_ICMP_)
		return NL_SKIP_ICMP;
	if (frag & 0x3fff) {
		/* MF set or offset non-zero: a fragment. Only UDP and TCP
		 * can carry DNS, so nothing else is worth pool space. */
		if (proto != IPPROTO_UDP_ && proto != IPPROTO_TCP_)
			return NL_SKIP_OTHER_PROTO;
		if (p->cut)
			return NL_SKIP_IP_TRUNC;
		return nl_frag_add(d, p, proto, 0, id, (uint32_t)(frag & 0x1fff) * 8,
				   (frag & 0x2000) != 0, pl, len);
	}
	return nl_transport(d, p, proto, pl, len);
}

/* A header cut short (fewer than 20 bytes): field by field through the
 * cursor, for the outcome the checks below give such a frame. */
static int ip4_short(nl_decoder_t *d, nl_pkt_t *p, dw_cur_t *c)
{
	int rc;
	size_t avail = dw_cur_avail(c);
	uint8_t vihl = dw_cur_u8(c);
	dw_cur_skip(c, 1);
	uint16_t tot = dw_cur_u16(c);
	uint16_t id = dw_cur_u16(c);
	uint16_t frag = dw_cur_u16(c);
	dw_cur_skip(c, 1);
	uint8_t proto = dw_cur_u8(c);
	dw_cur_skip(c, 2);
	dw_cur_copy(c, p->m.src, 4);
	dw_cur_copy(c, p->m.dst, 4);
	size_t hl = (size_t)(vihl & 15) * 4;

	if (avail && vihl >> 4 != 4)
		return NL_SKIP_IP_BAD;
	if (c->err)
		return NL_SKIP_IP_TRUNC;
	if (hl < 20 || tot < hl)
		return NL_SKIP_IP_BAD;
	size_t whole = tot;
	if (whole > avail && (rc = past_capture(p, &whole, avail)) != 0)
		return rc;
	if (whole < hl)
		return NL_SKIP_IP_TRUNC;
	/* Options (RFC 791 3.1) say nothing a DNS tool needs. */
	dw_cur_skip(c, hl - 20);
	size_t len = whole - hl;
	const uint8_t *pl = dw_cur_ptr(c, len);
	if (!pl && len)
		return NL_SKIP_IP_TRUNC;	/* not reached: tot <= avail */
	return ip4_rest(d, p, proto, id, frag, pl, len);
}

/*
 * The common case: the fixed header is there, so one bounds check covers
 * its fields; the options and the payload are checked against the
 * captured bytes as lengths. Outcomes are those of ip4_short().
 */
int nl_ip4(nl_decoder_t *d, nl_pkt_t *p, dw_cur_t *c)
{
	int rc;
	size_t avail = dw_cur_avail(c);

	if (avail < 20)
		return ip4_short(d, p, c);
	const uint8_t *h = c->base + c->pos;
	uint8_t vihl = h[0];
	if (vihl >> 4 != 4)
		return NL_SKIP_IP_BAD;
	uint16_t tot = (uint16_t)(h[2] << 8 | h[3]);
	uint16_t id = (uint16_t)(h[4] << 8 | h[5]);
	uint16_t frag = (uint16_t)(h[6] << 8 | h[7]);
	uint8_t proto = h[9];
	memcpy(p->m.src, h + 12, 4);
	memcpy(p->m.dst, h + 16, 4);
	size_t hl = (size_t)(vihl & 15) * 4;

	if (hl < 20 || tot < hl)
		return NL_SKIP_IP_BAD;
	size_t whole = tot;
	if (whole > avail && (rc = past_capture(p, &whole, avail)) != 0)
		return rc;
	if (whole < hl)
		return NL_SKIP_IP_TRUNC;
	/* hl <= whole <= avail: options and payload are all captured. */
	c->pos += whole;
	return ip4_rest(d, p, proto, id, frag, h + hl, whole - hl);
}

/*
 * RFC 8200 3:
 *
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version| Traffic Class |           Flow Label                  |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |         Payload Length        |  Next Header  |   Hop Limit   |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                  Source Address (128 bits)                    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |               Destination Address (128 bits)                  |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
static int ip6_short(nl_decoder_t *d, nl_pkt_t *p, dw_cur_t *c);

int nl_ip6(nl_decoder_t *d, nl_pkt_t *p, dw_cur_t *c)
{
	size_t avail = dw_cur_avail(c);

	if (avail < 40)
		return ip6_short(d, p, c);
	/* The fixed header is there: one check for its fields. */
	const uint8_t *h = c->base + c->pos;
	if (h[0] >> 4 != 6)
		return NL_SKIP_IP_BAD;
	uint16_t plen = (uint16_t)(h[4] << 8 | h[5]);
	uint8_t nh = h[6];
	memcpy(p->m.src, h + 8, 16);
	memcpy(p->m.dst, h + 24, 16);
	if (plen == 0 && nh == IPPROTO_HOPOPTS_)
		return NL_SKIP_IP_BAD;
	size_t len = plen;
	if (len > avail - 40 && past_capture(p, &len, avail - 40) != 0)
		return NL_SKIP_IP_BAD;
	c->pos += 40 + len;
	p->m.ipver = 6;
	if (nh == IPPROTO_UDP_ || nh == IPPROTO_TCP_)
		return nl_transport(d, p, nh, h + 40, len);
	return nl_ip6_chain(d, p, nh, h + 40, len, 0);
}

/* A header cut short (fewer than 40 bytes), through the cursor. */
static int ip6_short(nl_decoder_t *d, nl_pkt_t *p, dw_cur_t *c)
{
	size_t avail = dw_cur_avail(c);
	uint8_t v = dw_cur_u8(c);
	dw_cur_skip(c, 3);
	uint16_t plen = dw_cur_u16(c);
	uint8_t nh = dw_cur_u8(c);
	dw_cur_skip(c, 1);
	dw_cur_copy(c, p->m.src, 16);
	dw_cur_copy(c, p->m.dst, 16);

	if (avail && v >> 4 != 6)
		return NL_SKIP_IP_BAD;
	if (c->err)
		return NL_SKIP_IP_TRUNC;
	/* Payload length 0 with hop-by-hop options is a jumbogram (RFC
	 * 2675): not something a capture of DNS traffic can hold. */
	if (plen == 0 && nh == IPPROTO_HOPOPTS_)
		return NL_SKIP_IP_BAD;
	size_t len = plen;
	if (len > avail - 40 && past_capture(p, &len, avail - 40) != 0)
		return NL_SKIP_IP_BAD;
	const uint8_t *pl = dw_cur_ptr(c, len);
	p->m.ipver = 6;
	return nl_ip6_chain(d, p, nh, pl, len, 0);
}

/*
 * Walk the extension headers (RFC 8200 4) from @p nh over @p len bytes to
 * the upper layer. Hop-by-hop, routing, destination options, mobility
 * (RFC 6275), HIP (RFC 7401) and shim6 (RFC 5533) share the generic form:
 *
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Next Header  |  Hdr Ext Len  |  ... (Hdr Ext Len + 1) * 8 bytes
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * AH (RFC 4302 2.2) counts 4-byte units minus 2. The fragment header
 * (RFC 8200 4.5) is 8 bytes:
 *
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                         Identification                        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * ESP (50) encrypts what follows and 59 says nothing follows: no DNS.
 * Every header consumes at least 8 bytes, so the walk ends with the data.
 * @p reassembled forbids a second fragment header inside a reassembled
 * payload.
 */
int nl_ip6_chain(nl_decoder_t *d, nl_pkt_t *p, uint8_t nh,
		 const uint8_t *data, size_t len, int reassembled)
{
	dw_cur_t c;
	uint8_t next, hlen;

	dw_cur_init(&c, data, len);
	for (;;) {
		switch (nh) {
		case IPPROTO_UDP_:
		case IPPROTO_TCP_:
			len = dw_cur_avail(&c);
			return nl_transport(d, p, nh, dw_cur_ptr(&c, len), len);
		case IPPROTO_ICMPV6_:
			return NL_SKIP_ICMP;
		case IPPROTO_HOPOPTS_:
		case IPPROTO_ROUTING_:
		case IPPROTO_DSTOPTS_:
		case IPPROTO_MOBILITY_:
		case IPPROTO_HIP_:
		case IPPROTO_SHIM6_:
			next = dw_cur_u8(&c);
			hlen = dw_cur_u8(&c);
			dw_cur_skip(&c, (size_t)hlen * 8 + 6);
			break;
		case IPPROTO_AH_:
			next = dw_cur_u8(&c);
			hlen = dw_cur_u8(&c);
			dw_cur_skip(&c, ((size_t)hlen + 2) * 4 - 2);
			break;
		case IPPROTO_FRAGMENT_: {
			next = dw_cur_u8(&c);
			dw_cur_skip(&c, 1);
			uint16_t fo = dw_cur_u16(&c);
			uint32_t id = dw_cur_u32(&c);
			if (c.err)
				return NL_SKIP_IP_BAD;
			/* Offset 0 without M is an atomic fragment (RFC
			 * 6946): the whole datagram, to be read as such. */
			if ((fo & 0xfff9) == 0)
				break;
			if (reassembled)
				return NL_SKIP_IP_BAD;
			if (p->cut)
				return NL_SKIP_IP_TRUNC;
			len = dw_cur_avail(&c);
			return nl_frag_add(d, p, 0, next, id, fo & 0xfff8, fo & 1,
					   dw_cur_ptr(&c, len), len);
		}
		default:
			return NL_SKIP_OTHER_PROTO;
		}
		if (c.err)
			return NL_SKIP_IP_BAD;
		nh = next;
	}
}
