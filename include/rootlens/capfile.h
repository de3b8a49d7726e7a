/*
 * capfile.h - streaming reader of capture files.
 *
 * Reads classic pcap (either byte order, micro- or nanosecond timestamps)
 * and pcapng (SHB, IDB with if_tsresol/if_tsoffset, EPB, SPB, OPB; several
 * interfaces with different link types; several sections, either byte
 * order), plain or gzip-compressed (single or multi-member), detected by
 * magic bytes, never by file name. "-" reads standard input.
 *
 * Memory is constant: one input buffer and one record buffer, allocated at
 * open; nothing is allocated per packet. Damage (truncated file, corrupt
 * gzip, impossible record length) ends reading with an error that names
 * the byte offset; every packet before it has been returned.
 */
#ifndef ROOTLENS_CAPFILE_H
#define ROOTLENS_CAPFILE_H

#include <stddef.h>
#include <stdint.h>

#include "rootlens/errcode.h"

/** Largest record (captured packet) accepted; larger ones are DW_ETOOBIG. */
#define CF_MAX_CAPLEN (256u * 1024u)

typedef struct cf_reader cf_reader_t; /* opaque: cf_reader_open() owns it */

/** One captured packet. Everything is borrowed until the next call. */
typedef struct cf_pkt {
	int64_t ts_sec;        /**< seconds since the epoch, UTC */
	uint32_t ts_nsec;      /**< nanoseconds within the second */
	uint32_t caplen;       /**< bytes captured (data holds these) */
	uint32_t len;          /**< bytes on the wire (>= caplen normally) */
	int linktype;          /**< LINKTYPE_* value of the packet's interface */
	uint32_t ifindex;      /**< pcapng interface id within its section; 0 for pcap */
	const uint8_t *data;   /**< borrowed: valid until the next cf_reader_next() */
	uint64_t offset;       /**< offset of the record in the uncompressed stream */
} cf_pkt_t;

/** Which inflater a reader uses for gzip input. */
typedef enum cf_inflater {
	CF_INFLATE_AUTO = 0, /**< ISA-L when built in, else zlib */
	CF_INFLATE_ZLIB,
	CF_INFLATE_ISAL
} cf_inflater_t;

/** True when this build has ISA-L inflate. */
int cf_have_isal(void);

/**
 * Choose the inflater for readers opened afterwards (process-wide default,
 * for tests and benchmarks; ROOTLENS_INFLATE=zlib|isal in the environment
 * sets it too). @return 0, or DW_EINVAL when ISA-L is asked but absent.
 */
int cf_set_inflater(cf_inflater_t which);

/**
 * Open @p path ("-" for stdin), detect compression and format, read the
 * file header. On failure returns a negative code and writes a message
 * naming the file (and offset) into @p errbuf; *r is NULL. For pcapng the
 * blocks up to the first IDB are read too (for cf_reader_linktype());
 * damage found there is returned by the first cf_reader_next().
 * @return 0, DW_ENOENT, DW_EIO, DW_EFORMAT, DW_EGZIP, DW_ETRUNCFILE,
 *         DW_ETOOBIG (oversized section header), DW_ENOMEM, DW_EINVAL
 *         (NULL @p r or @p path).
 */
int cf_reader_open(cf_reader_t **r, const char *path, char *errbuf, size_t errlen);

/**
 * Next packet into @p p.
 * @return 1 packet, 0 clean end of input, or a negative DW_E* code on
 *         damage (DW_ETRUNCFILE, DW_EGZIP, DW_EFORMAT, DW_ETOOBIG, DW_EIO);
 *         cf_reader_errmsg() then names file and offset. After an error
 *         every further call returns the same error.
 */
int cf_reader_next(cf_reader_t *r, cf_pkt_t *p);

/** Message of the last error ("FILE: truncated record at offset N ..."), or "". */
const char *cf_reader_errmsg(const cf_reader_t *r);

/** "pcap" or "pcapng". */
const char *cf_reader_format(const cf_reader_t *r);
/** "gzip" or "none". */
const char *cf_reader_compression(const cf_reader_t *r);
/** "isal", "zlib" or "none": the inflater in use. */
const char *cf_reader_inflater(const cf_reader_t *r);
/** Bytes read so far from the file itself (compressed bytes for gzip). */
uint64_t cf_reader_raw_offset(const cf_reader_t *r);
/** Link type of a classic pcap file, or of the first pcapng interface (-1 if none yet). */
int cf_reader_linktype(const cf_reader_t *r);

/** Close and free (NULL is fine). */
void cf_reader_close(cf_reader_t *r);

#endif
