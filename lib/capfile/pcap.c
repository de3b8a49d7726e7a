/*
 * pcap.c - classic pcap (libpcap savefile), draft-ietf-opsawg-pcap.
 *
 * File header (section 4), in the writer's byte order, which the magic
 * tells; the magic also tells micro- from nanosecond timestamps:
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +---------------------------------------------------------------+
 *  0|                          Magic Number                         |
 *   +-------------------------------+-------------------------------+
 *  4|          Major Version        |         Minor Version         |
 *   +-------------------------------+-------------------------------+
 *  8|                           Reserved1                           |
 *   +---------------------------------------------------------------+
 * 12|                           Reserved2                           |
 *   +---------------------------------------------------------------+
 * 16|                            SnapLen                            |
 *   +---------------------------------------------------------------+
 * 20| FCS |f|0 0 0 0 0 0 0 0 0 0 0 0|         LinkType              |
 *   +---------------------------------------------------------------+
 *
 * Packet record (section 5), followed by Captured Packet Length bytes:
 *
 *   +---------------------------------------------------------------+
 *  0|                      Timestamp (Seconds)                      |
 *   +---------------------------------------------------------------+
 *  4|            Timestamp (Microseconds or nanoseconds)            |
 *   +---------------------------------------------------------------+
 *  8|                    Captured Packet Length                     |
 *   +---------------------------------------------------------------+
 * 12|                    Original Packet Length                     |
 *   +---------------------------------------------------------------+
 * 16/                          Packet Data                          /
 *
 * There is no record marker and no checksum: a damaged length sends every
 * later record astray. So a captured length no writer could produce is
 * taken as damage and ends the file, rather than read as a huge packet.
 */
#include <string.h>

#include "reader_int.h"

#define PCAP_FILE_HDR 24u
#define PCAP_REC_HDR 16u
/* libpcap's MAXIMUM_SNAPLEN: no capture tool writes records above it. */
#define PCAP_MAX_SNAPLEN 262144u

int cf_pcap_open(cf_reader_t *r)
{
	int rc = cf_rd_need(r, PCAP_FILE_HDR);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return cf_rd_fail(r, DW_ETRUNCFILE,
		                  "file ends inside the pcap file header at offset 0 (%zu of %u bytes)",
		                  r->end - r->start, PCAP_FILE_HDR);

	dw_cur_t c;
	dw_cur_init(&c, r->buf + r->start, PCAP_FILE_HDR);
	uint32_t magic = dw_cur_u32le(&c);
	r->be = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
	r->nsec = magic == 0xa1b23c4d || magic == 0x4d3cb2a1;
	uint16_t major = cf_u16(&c, r->be);
	uint16_t minor = cf_u16(&c, r->be);
	dw_cur_skip(&c, 8); /* Reserved1/2: thiszone and sigfigs, unused by all writers */
	r->snaplen = cf_u32(&c, r->be);
	uint32_t lt = cf_u32(&c, r->be);
	if (c.err)
		return cf_rd_fail(r, DW_EFORMAT, "bad pcap file header at offset 0");
	/* Version 2.4 is the only one written since 1998; 2.2/2.3 differ only in
	 * details nobody reads. Other majors are a different format. */
	if (major != 2)
		return cf_rd_fail(r, DW_EFORMAT, "unsupported pcap version %u.%u at offset 4",
		                  major, minor);
	/* The upper 16 bits may carry the FCS length (bits 28-31, with the f
	 * bit 26 saying it is there); the link type proper is the low 16. */
	r->linktype = (int)(lt & 0xffffu);
	r->start += PCAP_FILE_HDR;
	return 0;
}

static inline uint32_t rec_u32(const uint8_t *h, int be)
{
	uint32_t v;
	memcpy(&v, h, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return be ? v : __builtin_bswap32(v);
#else
	return be ? __builtin_bswap32(v) : v;
#endif
}

int cf_pcap_next(cf_reader_t *r, cf_pkt_t *p)
{
	/* Both needs are tested here first: the common record lies whole in
	 * the buffer (or mapping) and costs no call. */
	if (r->end - r->start < PCAP_REC_HDR) {
		int rc = cf_rd_need(r, PCAP_REC_HDR);
		if (rc <= 0)
			return rc < 0 ? rc : cf_rd_ended(r, "record header", PCAP_REC_HDR);
	}

	const uint8_t *h = r->buf + r->start;
	uint32_t sec = rec_u32(h, r->be);
	uint32_t frac = rec_u32(h + 4, r->be);
	uint32_t caplen = rec_u32(h + 8, r->be);
	uint32_t len = rec_u32(h + 12, r->be);
	/* CF_MAX_CAPLEN equals libpcap's maximum snaplen, so this also covers
	 * caplen > max(snaplen, 262144). caplen < len is plain truncation by
	 * the snaplen, and fine. */
	if (caplen > CF_MAX_CAPLEN || caplen > PCAP_MAX_SNAPLEN)
		return cf_rd_fail(r, DW_EFORMAT, "record at offset %llu has impossible caplen %u",
		                  cf_rd_off(r), caplen);

	size_t want = PCAP_REC_HDR + (size_t)caplen;
	if (r->end - r->start < want) {
		int rc = cf_rd_need(r, want);
		if (rc <= 0)
			return rc < 0 ? rc : cf_rd_ended(r, "record", want);
	}

	/* Writers differ on what a fraction >= 1 s means; carrying it into
	 * the seconds keeps ts_nsec < 10^9 as the API promises. */
	uint32_t per_sec = r->nsec ? 1000000000u : 1000000u;
	if (frac < per_sec) {
		p->ts_sec = (int64_t)sec;
		p->ts_nsec = r->nsec ? frac : frac * 1000u;
	} else {
		p->ts_sec = (int64_t)sec + frac / per_sec;
		p->ts_nsec = (frac % per_sec) * (r->nsec ? 1u : 1000u);
	}
	p->caplen = caplen;
	p->len = len;
	p->linktype = r->linktype;
	p->ifindex = 0;
	p->data = r->buf + r->start + PCAP_REC_HDR;
	p->offset = r->base + r->start;
	r->start += want;
	return 1;
}
