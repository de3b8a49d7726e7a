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

/**
 * A tap on the bytes of a file as stored (the compressed bytes of gzip):
 * a reader opened with cf_reader_open_tap() hands @p bytes every byte it
 * reads from the file, in file order, each exactly once, so that a
 * checksum of the file costs no second read of it. @p bytes runs on the
 * thread that reads the file: the caller's during cf_reader_open_tap()
 * (the first bytes, up to 256 KiB, which tell gzip from plain), then the
 * reader's own second thread when it has one (gzip; plain input with a
 * tap); never on two at once. What it writes is the caller's to read only
 * after cf_reader_close() has returned. cf_reader_close() sets
 * @p complete: 1 when the reads reached the end of the file, so that the
 * tap saw all of it (also for a file whose content is damaged further
 * on), 0 when the reader stopped before (a read error, damage found
 * before the end was read, or closed early). It means nothing when the
 * open failed.
 */
typedef struct cf_tap {
	void (*bytes)(void *user, const uint8_t *p, size_t n);
	void *user;
	int complete;
} cf_tap_t;

/**
 * cf_reader_open() with @p tap on the file's bytes (NULL: none). With a
 * tap, plain input is read ahead on a second thread as gzip input is
 * inflated on one, so the tap's work overlaps the caller's.
 */
int cf_reader_open_tap(cf_reader_t **r, const char *path, cf_tap_t *tap, char *errbuf,
		       size_t errlen);

/*
 * Parts of one file, for reading one capture on several cores.
 *
 * A classic pcap file, plain or gzip, can be cut where a record starts; in
 * a gzip file only where a member starts that also starts a record (as
 * `rootlens capture` writes them, doc/manifest.md). A single-member gzip
 * file has no such point; pcapng is never cut (its blocks need the section
 * and interface state before them); nor is stdin.
 */

/** True when @p r (opened on a file) is one that can be cut: classic pcap, not stdin. */
int cf_reader_splittable(const cf_reader_t *r);

/**
 * Open the part of @p path from raw (file) offset @p start to @p end.
 * @p start is 0 (the file start: the file header is read as by
 * cf_reader_open()) or a split point: a pcap record boundary of a plain
 * file, or the start of a gzip member that starts with a record. The file
 * header parameters (byte order, time resolution, snaplen, link type) and
 * the compression are taken from @p proto, a reader opened on the same
 * file with cf_reader_open() (only read, never changed; NULL when @p start
 * is 0). Returns the records whose start lies in [@p start, @p end): plain
 * input stops exactly at @p end (a record crossing it is DW_ETRUNCFILE:
 * @p end was not a record boundary), gzip input at the first member
 * boundary at or after @p end. UINT64_MAX: to the end of the file.
 * cf_pkt_t.offset is the file offset for plain input; for a gzip part that
 * does not start at 0 it counts from the uncompressed start of the member
 * at @p start. cf_reader_raw_offset() stays a file offset, at most @p end.
 * @return as cf_reader_open(); DW_EINVAL (no or unsuitable @p proto,
 *         @p end < @p start), DW_EGZIP (no member starts at @p start).
 */
int cf_reader_open_range(cf_reader_t **r, const char *path, const cf_reader_t *proto,
			 uint64_t start, uint64_t end, char *errbuf, size_t errlen);

/** A place a file can be cut at. */
typedef struct cf_split {
	uint64_t offset; /**< raw file offset: record boundary / member start */
	int64_t ts_sec;  /**< time of the first record there */
} cf_split_t;

/** Records checked in a row before a place is taken as a record boundary. */
#define CF_SPLIT_CHAIN 8

/**
 * Find the first split point at a raw offset in [@p from, @p limit) of the
 * file @p proto was opened on (after at least one cf_reader_next() on it,
 * so that record times can be checked against the file's first packet).
 * Plain: a place where CF_SPLIT_CHAIN records follow in a row (or fewer
 * that end exactly at the end of the file), each with a plausible header:
 * fraction below one second, caplen <= len <= 262144, caplen <= snaplen,
 * time from a day before the first packet to a year after. gzip: a member
 * header (1f 8b 08, reserved flags clear) whose data inflate cleanly and
 * begin with such a chain of records. Reads a few MiB per call at most
 * beyond what it skips; for gzip, scanning finds members only where
 * members are: a single-member file has none.
 * @return 1 found (*@p out set), 0 none in the range, or a negative code
 *         (DW_EIO, DW_ENOMEM, DW_EINVAL for a reader that is not splittable).
 */
int cf_split_find(const cf_reader_t *proto, uint64_t from, uint64_t limit, cf_split_t *out,
		  char *errbuf, size_t errlen);

#endif
