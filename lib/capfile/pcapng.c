/*
 * pcapng.c - pcapng, draft-ietf-opsawg-pcapng ("PCAP Next Generation
 * Dump File Format"). Section numbers below are the draft's.
 *
 * Every block has the same frame (section 3.1), so unknown blocks (NRB,
 * ISB, DSB, custom, future ones) are skipped by their length:
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +---------------------------------------------------------------+
 *  0|                          Block Type                           |
 *   +---------------------------------------------------------------+
 *  4|                      Block Total Length                       |
 *   +---------------------------------------------------------------+
 *  8/                          Block Body                           /
 *   /              variable length, padded to 32 bits               /
 *   +---------------------------------------------------------------+
 *   |                      Block Total Length                       |
 *   +---------------------------------------------------------------+
 *
 * The length is repeated at the end so that the file can be walked
 * backwards; for a forward reader the copy is a cheap integrity check, and
 * the only one there is: a mismatch means the lengths cannot be trusted.
 *
 * A file is a series of sections, each opened by a Section Header Block
 * whose byte-order magic sets the byte order of every block in the section
 * (a merged file may switch). Interfaces (IDBs) are numbered from 0 within
 * their section, so the table is emptied at each SHB.
 */
#include "reader_int.h"

#define BT_SHB 0x0a0d0d0au
#define BT_IDB 0x00000001u
#define BT_OPB 0x00000002u /* obsolete Packet Block, Appendix A */
#define BT_SPB 0x00000003u
#define BT_EPB 0x00000006u

#define OPT_ENDOFOPT 0
#define OPT_IF_TSRESOL 9
#define OPT_IF_TSOFFSET 14

static uint32_t pad4(uint32_t n)
{
	return (n + 3u) & ~3u;
}

/*
 * Section Header Block (section 4.1). The type is a palindrome so that it
 * reads the same in both byte orders; the magic at offset 8 gives the
 * order, and only then can the length be read.
 *
 *   +---------------------------------------------------------------+
 *  0|                   Block Type = 0x0A0D0D0A                     |
 *  4|                      Block Total Length                       |
 *  8|                      Byte-Order Magic = 0x1A2B3C4D            |
 * 12|          Major Version        |         Minor Version         |
 * 16|                          Section Length (64 bits)             |
 * 24/                      Options (variable)                       /
 *   |                      Block Total Length                       |
 *   +---------------------------------------------------------------+
 */
static int shb(cf_reader_t *r)
{
	unsigned long long at = cf_rd_off(r);
	dw_cur_t c;
	dw_cur_init(&c, r->buf + r->start, 12);
	dw_cur_skip(&c, 8);
	uint32_t magic = dw_cur_u32le(&c);
	int be;
	if (magic == 0x1a2b3c4du)
		be = 0;
	else if (magic == 0x4d3c2b1au)
		be = 1;
	else
		return cf_rd_fail(r, DW_EFORMAT,
		                  "bad byte-order magic 0x%08x in section header at offset %llu",
		                  (unsigned)magic, at);
	dw_cur_seek(&c, 4);
	uint32_t btl = cf_u32(&c, be);
	if (btl < 28 || btl % 4)
		return cf_rd_fail(r, DW_EFORMAT, "section header block at offset %llu has bad length %u",
		                  at, btl);
	if (btl > CF_HOLD_MAX)
		return cf_rd_fail(r, DW_ETOOBIG,
		                  "section header block at offset %llu is %u bytes, over the %u limit",
		                  at, btl, CF_HOLD_MAX);
	int rc = cf_rd_need(r, btl);
	if (rc <= 0)
		return rc < 0 ? rc : cf_rd_fail(r, DW_ETRUNCFILE,
		                                "file ends inside section header block at offset %llu",
		                                at);

	dw_cur_init(&c, r->buf + r->start, btl);
	dw_cur_skip(&c, 12);
	uint16_t major = cf_u16(&c, be);
	uint16_t minor = cf_u16(&c, be);
	dw_cur_seek(&c, btl - 4);
	uint32_t trailer = cf_u32(&c, be);
	if (c.err || trailer != btl)
		return cf_rd_fail(r, DW_EFORMAT,
		                  "block at offset %llu: trailing length %u differs from %u",
		                  at, trailer, btl);
	/* A new major version may change any block (section 4.1). */
	if (major != 1)
		return cf_rd_fail(r, DW_EFORMAT, "unsupported pcapng version %u.%u at offset %llu",
		                  major, minor, at);
	r->be = be;
	r->n_ifaces = 0;
	r->start += btl;
	return 0;
}

/*
 * Interface Description Block (section 4.2).
 *
 *   +---------------------------------------------------------------+
 *  0|                    Block Type = 0x00000001                    |
 *  4|                      Block Total Length                       |
 *  8|           LinkType            |           Reserved            |
 * 12|                            SnapLen                            |
 * 16/                      Options (variable)                       /
 *   |                      Block Total Length                       |
 *   +---------------------------------------------------------------+
 *
 * Options (section 3.5) are code(16) length(16) value, padded to 32 bits,
 * ended by opt_endofopt or the block end. Only the two that change the
 * timestamps matter here: if_tsresol (9, one byte) and if_tsoffset (14,
 * signed 64-bit seconds added to every timestamp).
 */
static int idb(cf_reader_t *r, const uint8_t *b, uint32_t btl)
{
	unsigned long long at = cf_rd_off(r);
	if (btl < 20)
		return cf_rd_fail(r, DW_EFORMAT, "interface block at offset %llu has bad length %u",
		                  at, btl);
	if (r->n_ifaces >= CF_MAX_IFACES)
		return cf_rd_fail(r, DW_ETOOBIG,
		                  "interface block at offset %llu: more than %u interfaces in a section",
		                  at, CF_MAX_IFACES);

	dw_cur_t c;
	dw_cur_init(&c, b, btl - 4);
	dw_cur_skip(&c, 8);
	cf_iface_t ifc = { .tsresol = 6 }; /* default: microseconds */
	ifc.linktype = cf_u16(&c, r->be);
	dw_cur_skip(&c, 2);
	ifc.snaplen = cf_u32(&c, r->be);
	while (dw_cur_avail(&c) >= 4) {
		uint16_t code = cf_u16(&c, r->be);
		uint16_t olen = cf_u16(&c, r->be);
		if (code == OPT_ENDOFOPT)
			break;
		const uint8_t *v = dw_cur_ptr(&c, olen);
		dw_cur_skip(&c, pad4(olen) - olen);
		if (c.err)
			return cf_rd_fail(r, DW_EFORMAT,
			                  "interface block at offset %llu: option %u overruns the block",
			                  at, code);
		dw_cur_t o;
		dw_cur_init(&o, v, olen);
		if (code == OPT_IF_TSRESOL && olen == 1)
			ifc.tsresol = dw_cur_u8(&o);
		else if (code == OPT_IF_TSOFFSET && olen == 8)
			ifc.tsoffset = (int64_t)cf_u64(&o, r->be);
	}
	if (c.err)
		return cf_rd_fail(r, DW_EFORMAT, "interface block at offset %llu is malformed", at);
	r->ifaces[r->n_ifaces++] = ifc;
	if (r->linktype < 0)
		r->linktype = ifc.linktype;
	return 0;
}

static const uint64_t pow10_tab[20] = {
	1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
	100000000ull, 1000000000ull, 10000000000ull, 100000000000ull,
	1000000000000ull, 10000000000000ull, 100000000000000ull,
	1000000000000000ull, 10000000000000000ull, 100000000000000000ull,
	1000000000000000000ull, 10000000000000000000ull,
};

/*
 * A timestamp in units of 10^-n or 2^-n seconds (if_tsresol) to seconds
 * and nanoseconds, without overflow for any n: the fraction is scaled in
 * 64 bits only after it has been reduced to at most 2^32 or 10^9 units.
 */
static void ts_convert(uint64_t ts, uint8_t resol, int64_t offset, int64_t *sec, uint32_t *nsec)
{
	uint64_t s, ns;
	unsigned n = resol & 0x7fu;

	if (resol & 0x80u) {
		if (n <= 32) {
			s = n ? ts >> n : ts;
			uint64_t frac = n ? ts & ((1ull << n) - 1) : 0;
			ns = (frac * 1000000000ull) >> n;
		} else {
			/* Keep the top 32 bits of the n-bit fraction. */
			s = n < 64 ? ts >> n : 0;
			unsigned drop = n - 32;
			uint64_t frac = drop < 64 ? (ts >> drop) & 0xffffffffull : 0;
			ns = (frac * 1000000000ull) >> 32;
		}
	} else if (n <= 9) {
		s = ts / pow10_tab[n];
		ns = (ts % pow10_tab[n]) * pow10_tab[9 - n];
	} else if (n <= 19) {
		s = ts / pow10_tab[n];
		ns = (ts % pow10_tab[n]) / pow10_tab[n - 9];
	} else {
		/* 10^20 > 2^64: less than a second; 10^-29 and finer, nothing. */
		s = 0;
		ns = n - 9 <= 19 ? ts / pow10_tab[n - 9] : 0;
	}
	/* Unsigned sum: a hostile if_tsoffset wraps instead of overflowing. */
	*sec = (int64_t)(s + (uint64_t)offset);
	*nsec = (uint32_t)ns;
}

static int packet(cf_reader_t *r, cf_pkt_t *p, uint32_t ifid, uint64_t ts, int have_ts,
                  uint32_t caplen, uint32_t len, const uint8_t *data)
{
	const cf_iface_t *ifc = &r->ifaces[ifid];
	if (have_ts) {
		ts_convert(ts, ifc->tsresol, ifc->tsoffset, &r->last_sec, &r->last_nsec);
	}
	p->ts_sec = r->last_sec;
	p->ts_nsec = r->last_nsec;
	p->caplen = caplen;
	p->len = len;
	p->linktype = ifc->linktype;
	p->ifindex = ifid;
	p->data = data;
	p->offset = r->base + r->start;
	return 0;
}

/*
 * Enhanced Packet Block (section 4.3), and the obsolete Packet Block
 * (Appendix A), which differs only at offset 8:
 *
 *   +---------------------------------------------------------------+
 *  0|                    Block Type = 0x00000006                    |
 *  4|                      Block Total Length                       |
 *  8|                         Interface ID                          |
 *   |     (OPB: Interface ID 16 bits    |    Drops Count 16 bits)   |
 * 12|                        Timestamp (High)                       |
 * 16|                        Timestamp (Low)                        |
 * 20|                    Captured Packet Length                     |
 * 24|                    Original Packet Length                     |
 * 28/                          Packet Data                          /
 *   /              variable length, padded to 32 bits               /
 *   /                      Options (variable)                       /
 *   |                      Block Total Length                       |
 *   +---------------------------------------------------------------+
 */
static int epb(cf_reader_t *r, const uint8_t *b, uint32_t btl, uint32_t type, cf_pkt_t *p)
{
	unsigned long long at = cf_rd_off(r);
	const char *name = type == BT_EPB ? "enhanced packet block" : "packet block";
	if (btl < 32)
		return cf_rd_fail(r, DW_EFORMAT, "%s at offset %llu has bad length %u", name, at, btl);

	dw_cur_t c;
	dw_cur_init(&c, b, btl - 4);
	dw_cur_skip(&c, 8);
	uint32_t ifid;
	if (type == BT_EPB) {
		ifid = cf_u32(&c, r->be);
	} else {
		ifid = cf_u16(&c, r->be);
		dw_cur_skip(&c, 2);
	}
	uint64_t hi = cf_u32(&c, r->be);
	uint64_t lo = cf_u32(&c, r->be);
	uint32_t caplen = cf_u32(&c, r->be);
	uint32_t len = cf_u32(&c, r->be);
	if (ifid >= r->n_ifaces)
		return cf_rd_fail(r, DW_EFORMAT,
		                  "%s at offset %llu names interface %u; the section defines %u",
		                  name, at, ifid, r->n_ifaces);
	if (caplen > CF_MAX_CAPLEN)
		return cf_rd_fail(r, DW_ETOOBIG, "%s at offset %llu: caplen %u over the %u limit",
		                  name, at, caplen, CF_MAX_CAPLEN);
	if (pad4(caplen) > btl - 32)
		return cf_rd_fail(r, DW_EFORMAT, "%s at offset %llu: caplen %u overruns the block",
		                  name, at, caplen);
	const uint8_t *data = dw_cur_ptr(&c, caplen);
	if (c.err)
		return cf_rd_fail(r, DW_EFORMAT, "%s at offset %llu is malformed", name, at);
	return packet(r, p, ifid, hi << 32 | lo, 1, caplen, len, data);
}

/*
 * Simple Packet Block (section 4.4): interface 0, no timestamp, and no
 * captured length; that is the smallest of the original length, the room
 * in the block and interface 0's snaplen.
 *
 *   +---------------------------------------------------------------+
 *  0|                    Block Type = 0x00000003                    |
 *  4|                      Block Total Length                       |
 *  8|                    Original Packet Length                     |
 * 12/                          Packet Data                          /
 *   /              variable length, padded to 32 bits               /
 *   |                      Block Total Length                       |
 *   +---------------------------------------------------------------+
 */
static int spb(cf_reader_t *r, const uint8_t *b, uint32_t btl, cf_pkt_t *p)
{
	unsigned long long at = cf_rd_off(r);
	if (btl < 16)
		return cf_rd_fail(r, DW_EFORMAT, "simple packet block at offset %llu has bad length %u",
		                  at, btl);
	if (r->n_ifaces == 0)
		return cf_rd_fail(r, DW_EFORMAT,
		                  "simple packet block at offset %llu, but the section has no interface",
		                  at);
	dw_cur_t c;
	dw_cur_init(&c, b, btl - 4);
	dw_cur_skip(&c, 8);
	uint32_t len = cf_u32(&c, r->be);
	uint32_t caplen = btl - 16;
	if (len < caplen)
		caplen = len;
	if (r->ifaces[0].snaplen && r->ifaces[0].snaplen < caplen)
		caplen = r->ifaces[0].snaplen;
	if (caplen > CF_MAX_CAPLEN)
		return cf_rd_fail(r, DW_ETOOBIG,
		                  "simple packet block at offset %llu: caplen %u over the %u limit",
		                  at, caplen, CF_MAX_CAPLEN);
	const uint8_t *data = dw_cur_ptr(&c, caplen);
	if (c.err)
		return cf_rd_fail(r, DW_EFORMAT, "simple packet block at offset %llu is malformed", at);
	/* No timestamp: the last one seen is the best guess, and keeps time
	 * monotonic for interval statistics. */
	return packet(r, p, 0, 0, 0, caplen, len, data);
}

/* Skip a block too big to hold (a large NRB, DSB or custom block) by
 * streaming through it; only the trailing length is checked. */
static int skip_big(cf_reader_t *r, uint32_t btl)
{
	unsigned long long at = cf_rd_off(r);
	uint64_t left = btl - 4u;
	while (left) {
		if (r->end == r->start) {
			int rc = cf_rd_need(r, 1);
			if (rc < 0)
				return rc;
			if (rc == 0)
				return cf_rd_fail(r, DW_ETRUNCFILE,
				                  "file ends inside block at offset %llu (%u bytes)", at, btl);
		}
		size_t have = r->end - r->start;
		size_t take = left < have ? (size_t)left : have;
		r->start += take;
		left -= take;
	}
	int rc = cf_rd_need(r, 4);
	if (rc <= 0)
		return rc < 0 ? rc : cf_rd_fail(r, DW_ETRUNCFILE,
		                                "file ends inside block at offset %llu (%u bytes)",
		                                at, btl);
	dw_cur_t c;
	dw_cur_init(&c, r->buf + r->start, 4);
	uint32_t trailer = cf_u32(&c, r->be);
	if (trailer != btl)
		return cf_rd_fail(r, DW_EFORMAT,
		                  "block at offset %llu: trailing length %u differs from %u",
		                  at, trailer, btl);
	r->start += 4;
	return 0;
}

/*
 * One block at start. @return 1 consumed (*got set when it held a
 * packet, now in @p p), 0 at the clean end, or a negative code.
 */
static int block(cf_reader_t *r, cf_pkt_t *p, int *got)
{
	*got = 0;
	int rc = cf_rd_need(r, 12);
	if (rc <= 0)
		return rc < 0 ? rc : cf_rd_ended(r, "block header", 12);

	unsigned long long at = cf_rd_off(r);
	dw_cur_t c;
	dw_cur_init(&c, r->buf + r->start, 12);
	uint32_t type = cf_u32(&c, r->be);
	uint32_t btl = cf_u32(&c, r->be);
	if (type == BT_SHB)
		return (rc = shb(r)) < 0 ? rc : 1;
	if (btl < 12 || btl % 4)
		return cf_rd_fail(r, DW_EFORMAT, "block type 0x%08x at offset %llu has bad length %u",
		                  (unsigned)type, at, btl);
	int holds = type == BT_IDB || type == BT_EPB || type == BT_SPB || type == BT_OPB;
	if (btl > CF_HOLD_MAX) {
		if (holds)
			return cf_rd_fail(r, DW_ETOOBIG,
			                  "block type %u at offset %llu is %u bytes, over the %u limit",
			                  (unsigned)type, at, btl, CF_HOLD_MAX);
		return (rc = skip_big(r, btl)) < 0 ? rc : 1;
	}
	rc = cf_rd_need(r, btl);
	if (rc <= 0)
		return rc < 0 ? rc : cf_rd_ended(r, "block", btl);

	const uint8_t *b = r->buf + r->start;
	dw_cur_init(&c, b, btl);
	dw_cur_seek(&c, btl - 4);
	uint32_t trailer = cf_u32(&c, r->be);
	if (c.err || trailer != btl)
		return cf_rd_fail(r, DW_EFORMAT,
		                  "block at offset %llu: trailing length %u differs from %u",
		                  at, trailer, btl);
	switch (type) {
	case BT_IDB:
		rc = idb(r, b, btl);
		break;
	case BT_EPB:
	case BT_OPB:
		rc = epb(r, b, btl, type, p);
		*got = rc == 0;
		break;
	case BT_SPB:
		rc = spb(r, b, btl, p);
		*got = rc == 0;
		break;
	default:
		rc = 0; /* NRB, ISB, DSB, custom...: not needed to count packets */
	}
	if (rc < 0)
		return rc;
	r->start += btl;
	return 1;
}

int cf_ng_next(cf_reader_t *r, cf_pkt_t *p)
{
	for (;;) {
		int got;
		int rc = block(r, p, &got);
		if (rc <= 0)
			return rc;
		if (got)
			return 1;
	}
}

int cf_ng_open(cf_reader_t *r)
{
	cf_pkt_t none;
	int got, rc;

	/* The SHB, then whatever precedes the first IDB, so that
	 * cf_reader_linktype() knows the link type right after open. Packet
	 * blocks are left for cf_reader_next(). */
	if ((rc = block(r, &none, &got)) < 0)
		return rc;
	while (r->linktype < 0) {
		rc = cf_rd_need(r, 4);
		if (rc <= 0)
			return rc;
		dw_cur_t c;
		dw_cur_init(&c, r->buf + r->start, 4);
		uint32_t type = cf_u32(&c, r->be);
		if (type == BT_EPB || type == BT_SPB || type == BT_OPB)
			return 0;
		/* Damage here is in the body, not the header: open succeeds
		 * and the first cf_reader_next() reports it (r->err is set). */
		if (block(r, &none, &got) <= 0)
			return 0;
	}
	return 0;
}
