/*
 * gzfile.h - one capture file being written: pcap records compressed by
 * zlib into gzip members that are written whole.
 *
 * The file only ever grows by complete members: records are compressed
 * into a member buffer in memory, and gzf_flush() ends the member (gzip
 * trailer), writes it with one write loop and fsyncs. So whatever is on
 * disk is a valid multi-member gzip file of whole pcap records, at every
 * moment (kill -9 loses at most the member being built). The first member
 * holds the 24-byte pcap file header alone and is written at creation.
 * A write error leaves the file cut back to its last complete member.
 *
 * The SHA-256 of the file covers exactly the members on disk. No I/O
 * besides the file descriptor given; no printing.
 *
 * Two compressors make the same format: zlib (levels 1-9) and, when built
 * with it, ISA-L's igzip (levels 0-3, several times faster than zlib's 1).
 */
#ifndef ROOTLENS_CAPTURE_GZFILE_H
#define ROOTLENS_CAPTURE_GZFILE_H

#include <stddef.h>
#include <stdint.h>

typedef struct gzf_member {
	uint64_t offset;      /* compressed offset of its gzip header */
	int64_t first_sec;    /* first packet, when packets > 0 */
	uint32_t first_usec;
	uint64_t packets;
} gzf_member_t;

typedef struct gzfile gzfile_t;

typedef enum gzf_engine { GZF_ZLIB = 0, GZF_ISAL = 1 } gzf_engine_t;

/** True when this build has ISA-L's compressor. */
int gzf_have_isal(void);

/**
 * Buffers for one file at a time (reused by gzf_open). NULL on ENOMEM, or
 * when @p level is out of range for @p engine (zlib 1-9, isal 0-3) or the
 * engine is not built in.
 */
gzfile_t *gzf_new(gzf_engine_t engine, int level, size_t member_max);
void gzf_free(gzfile_t *g);

/**
 * Start a file on @p fd (empty, opened for writing; not closed by gzf):
 * writes and fsyncs the member holding the pcap header (@p linktype,
 * @p snaplen, microsecond timestamps). @return 0, or an errno value.
 */
int gzf_open(gzfile_t *g, int fd, uint32_t linktype, uint32_t snaplen);

/**
 * Add one record. May end the member (write + fsync) when the member
 * buffer is nearly full. @return 0, or an errno value from writing
 * (the file is then cut back to its last complete member).
 */
int gzf_add(gzfile_t *g, int64_t sec, uint32_t usec, const uint8_t *data,
	    uint32_t caplen, uint32_t wirelen);

/** True when the member being built holds packets not yet on disk. */
int gzf_pending(const gzfile_t *g);

/** Records in the member being built (lost if the file is recovered). */
uint64_t gzf_pending_packets(const gzfile_t *g);

/** Monotonic seconds at which the pending member got its first packet. */
double gzf_pending_since(const gzfile_t *g);

/** End the member being built, write it and fsync. @return 0 or errno. */
int gzf_flush(gzfile_t *g);

/** After an error: cut the file back to its complete members, fsync. */
int gzf_recover(gzfile_t *g);

/* What is on disk. */
uint64_t gzf_file_bytes(const gzfile_t *g);
uint64_t gzf_packets(const gzfile_t *g);       /* records on disk */
uint64_t gzf_bytes_captured(const gzfile_t *g); /* sum of caplen on disk */
const gzf_member_t *gzf_members(const gzfile_t *g, size_t *n);
int gzf_first_last(const gzfile_t *g, int64_t *fs, uint32_t *fu, int64_t *ls, uint32_t *lu);
/** SHA-256 of the file on disk, lowercase hex. */
void gzf_sha256_hex(gzfile_t *g, char out[65]);

#endif
