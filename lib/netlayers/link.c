/*
 * link.c - link-layer headers, down to the IP version.
 *
 * Only what leads to IPv4/IPv6 matters; everything else is NL_SKIP_NOT_IP.
 * Trailing bytes (Ethernet padding to 60 bytes, an FCS) are left to the IP
 * layer, which trusts its own length fields and ignores them.
 */
#include "nl_int.h"

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd
#define ETH_8021Q 0x8100
#define ETH_8021AD 0x88a8
#define ETH_QINQ_OLD 0x9100	/* pre-802.1ad QinQ, still seen */

/*
 * An ethertype, after any number of VLAN tags (IEEE 802.1Q / 802.1ad):
 *
 *   +--------+--------+------ ... ------+
 *   | TPID 2 | TCI 2  | next ethertype  |   one tag = 4 bytes; the TPID is
 *   +--------+--------+------ ... ------+   the ethertype field it sits in
 *
 * Each tag consumes 4 bytes, so the loop ends with the frame.
 */
static int ethertype(nl_decoder_t *d, nl_pkt_t *p, uint16_t et, dw_cur_t *c)
{
	while (et == ETH_8021Q || et == ETH_8021AD || et == ETH_QINQ_OLD) {
		dw_cur_skip(c, 2);
		et = dw_cur_u16(c);
		if (c->err)
			return NL_SKIP_LINK_TRUNC;
	}
	if (et == ETH_IPV4)
		return nl_ip4(d, p, c);
	if (et == ETH_IPV6)
		return nl_ip6(d, p, c);
	return NL_SKIP_NOT_IP;
}

/* BSD address families: AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD,
 * OpenBSD), 28 (FreeBSD, DragonFly) or 30 (macOS). */
static int address_family(nl_decoder_t *d, nl_pkt_t *p, uint32_t af, dw_cur_t *c)
{
	switch (af) {
	case 2:
		return nl_ip4(d, p, c);
	case 24:
	case 28:
	case 30:
		return nl_ip6(d, p, c);
	default:
		return NL_SKIP_NOT_IP;
	}
}

/* Raw IP without a link header: the version nibble says which. */
static int raw_ip(nl_decoder_t *d, nl_pkt_t *p, dw_cur_t *c)
{
	dw_cur_t peek = *c;
	uint8_t v = dw_cur_u8(&peek);

	if (peek.err)
		return NL_SKIP_IP_TRUNC;
	if (v >> 4 == 4)
		return nl_ip4(d, p, c);
	if (v >> 4 == 6)
		return nl_ip6(d, p, c);
	return NL_SKIP_IP_BAD;
}

/** Decode the link header at @p c; @return the outcome, -1 if unsupported. */
int nl_link(nl_decoder_t *d, nl_pkt_t *p, int linktype, dw_cur_t *c)
{
	uint16_t et;
	uint32_t af;

	switch (linktype) {
	case NL_LINK_ETHERNET:
		/* IEEE 802.3: dst MAC 6, src MAC 6, ethertype 2 */
		if (dw_cur_avail(c) >= 14) {
			const uint8_t *h = c->base + c->pos;
			et = (uint16_t)(h[12] << 8 | h[13]);
			c->pos += 14;
			if (et == ETH_IPV4)
				return nl_ip4(d, p, c);
			return ethertype(d, p, et, c);
		}
		dw_cur_skip(c, 12);
		et = dw_cur_u16(c);
		if (c->err)
			return NL_SKIP_LINK_TRUNC;
		return ethertype(d, p, et, c);

	case NL_LINK_FDDI:
		/* frame control 1, dst 6, src 6, then 802.2 LLC with SNAP:
		 * DSAP 0xAA, SSAP 0xAA, control 0x03, OUI 3, ethertype 2 */
		dw_cur_skip(c, 13);
		if (dw_cur_u8(c) != 0xaa || dw_cur_u8(c) != 0xaa || dw_cur_u8(c) != 0x03) {
			if (c->err)
				return NL_SKIP_LINK_TRUNC;
			return NL_SKIP_NOT_IP;
		}
		dw_cur_skip(c, 3);
		et = dw_cur_u16(c);
		if (c->err)
			return NL_SKIP_LINK_TRUNC;
		return ethertype(d, p, et, c);

	case NL_LINK_LINUX_SLL:
		/* packet type 2, ARPHRD 2, addr len 2, addr 8, protocol 2 */
		dw_cur_skip(c, 14);
		et = dw_cur_u16(c);
		if (c->err)
			return NL_SKIP_LINK_TRUNC;
		return ethertype(d, p, et, c);

	case NL_LINK_LINUX_SLL2:
		/* protocol 2, reserved 2, ifindex 4, ARPHRD 2, packet type 1,
		 * addr len 1, addr 8 */
		et = dw_cur_u16(c);
		dw_cur_skip(c, 18);
		if (c->err)
			return NL_SKIP_LINK_TRUNC;
		return ethertype(d, p, et, c);

	case NL_LINK_NULL:
		/* 4-byte AF in the byte order of the host that captured: the
		 * values are small, so a non-zero high half means the other
		 * order. */
		af = dw_cur_u32(c);
		if (c->err)
			return NL_SKIP_LINK_TRUNC;
		if (af > 0xffff)
			af = __builtin_bswap32(af);
		return address_family(d, p, af, c);

	case NL_LINK_LOOP:
		af = dw_cur_u32(c);	/* network byte order */
		if (c->err)
			return NL_SKIP_LINK_TRUNC;
		return address_family(d, p, af, c);

	case NL_LINK_RAW_DLT12:
	case NL_LINK_RAW_DLT14:
	case NL_LINK_RAW:
		return raw_ip(d, p, c);
	case NL_LINK_IPV4:
		return nl_ip4(d, p, c);
	case NL_LINK_IPV6:
		return nl_ip6(d, p, c);
	default:
		return -1;
	}
}
