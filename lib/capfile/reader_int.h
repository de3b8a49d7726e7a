/*
 * reader_int.h - state shared by the capture-file reader and its two
 * format parsers (pcap.c, pcapng.c). Internal to lib/capfile.
 *
 * Records are parsed in place in one buffer that the byte source fills:
 *
 *   buf                 start                 end                 CF_BUF_SIZE
 *    |  already returned  | next record(s) ...  |   free space        |
 *
 * When the record at start is incomplete, the tail start..end moves to the
 * front and the source fills the rest. The tail is shorter than the largest
 * record held (CF_HOLD_MAX), so every refill asks for at least CF_OUT_CHUNK
 * bytes: read(2) and the inflater always get big calls.
 */
#ifndef ROOTLENS_CF_READER_INT_H
#define ROOTLENS_CF_READER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "rootlens/capfile.h"
#include "rootlens/dw_cursor.h"
#include "source_int.h"

/** Least room given to each refill (read(2) or inflate call). */
#define CF_OUT_CHUNK (1024u * 1024u)
/** Largest pcapng block held whole: a CF_MAX_CAPLEN packet plus options. */
#define CF_HOLD_MAX (CF_MAX_CAPLEN + 65536u)
#define CF_BUF_SIZE (CF_OUT_CHUNK + CF_HOLD_MAX)
/** Interfaces per pcapng section; the table is allocated at open. */
#define CF_MAX_IFACES 1024u

enum { CF_FMT_PCAP = 1, CF_FMT_PCAPNG };

/** One pcapng interface (IDB), as far as packets need it. */
typedef struct cf_iface {
	int linktype;
	uint32_t snaplen;  /**< 0: no limit */
	uint8_t tsresol;   /**< if_tsresol as stored: 10^-n, or 2^-n with bit 7 */
	int64_t tsoffset;  /**< if_tsoffset, seconds */
} cf_iface_t;

struct cf_reader {
	cf_src_t *src;
	char *path;          /**< owned copy, for messages */
	int format;          /**< CF_FMT_* */
	int err;             /**< sticky error of cf_reader_next() */
	int eof;             /**< the source has ended */
	uint8_t *buf;        /**< CF_BUF_SIZE bytes, see above */
	size_t start, end;
	uint64_t base;       /**< stream offset of buf[0] */

	/* classic pcap */
	int be;              /**< file (or pcapng section) is big-endian */
	int nsec;            /**< pcap: nanosecond timestamps */
	uint32_t snaplen;
	int linktype;        /**< pcap linktype; pcapng: first interface's, or -1 */

	/* pcapng */
	cf_iface_t *ifaces;  /**< CF_MAX_IFACES entries */
	uint32_t n_ifaces;   /**< defined in the current section */
	int64_t last_sec;    /**< last timestamp seen, for SPBs (which have none) */
	uint32_t last_nsec;

	/* ranges (cf_reader_open_range) and split points (split.c) */
	int is_stdin;
	uint64_t range_start; /**< raw offset the reader started at (0: file start) */
	uint64_t range_end;   /**< raw end, UINT64_MAX: the file's end */
	int have_first;       /**< first_sec holds the first packet's time */
	int64_t first_sec;

	char errmsg[512];
};

/**
 * Make @p n bytes available at buf + start (n <= CF_HOLD_MAX + 16).
 * @return 1 when they are, 0 when the input ended first (start..end holds
 *         what there was), or a negative code with the message set.
 */
int cf_rd_need(cf_reader_t *r, size_t n);

/** Set the sticky error: "PATH: <fmt>". @return @p code. */
int cf_rd_fail(cf_reader_t *r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * The input ended inside the structure of @p want bytes at start: the
 * clean end when nothing was left, else DW_ETRUNCFILE naming @p what and
 * its offset. @return 0 or DW_ETRUNCFILE.
 */
int cf_rd_ended(cf_reader_t *r, const char *what, size_t want);

/** Stream offset of buf + start, as printf wants it. */
static inline unsigned long long cf_rd_off(const cf_reader_t *r)
{
	return (unsigned long long)(r->base + r->start);
}

/** 16/32/64-bit reads in the file's (or section's) byte order. */
static inline uint16_t cf_u16(dw_cur_t *c, int be)
{
	return be ? dw_cur_u16(c) : dw_cur_u16le(c);
}

static inline uint32_t cf_u32(dw_cur_t *c, int be)
{
	return be ? dw_cur_u32(c) : dw_cur_u32le(c);
}

static inline uint64_t cf_u64(dw_cur_t *c, int be)
{
	uint64_t a = cf_u32(c, be), b = cf_u32(c, be);
	return be ? a << 32 | b : b << 32 | a;
}

/** Read the pcap file header at start. @return 0 or a negative code. */
int cf_pcap_open(cf_reader_t *r);
/** Next pcap record. @return 1, 0 at the clean end, or a negative code. */
int cf_pcap_next(cf_reader_t *r, cf_pkt_t *p);

/** Read the first SHB and any blocks up to the first IDB. */
int cf_ng_open(cf_reader_t *r);
/** Next packet block, skipping others. @return 1, 0, or a negative code. */
int cf_ng_next(cf_reader_t *r, cf_pkt_t *p);

#endif
