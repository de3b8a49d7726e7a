/*
 * ar_verify.h - is a capture file whole?
 *
 * Two checks, each in one pass:
 *
 * 1. The bytes (ar_raw_*), fed as they stream in, so a file is checked
 *    while it is copied or received: SHA-256 and size; and for gzip input
 *    (first bytes 1f 8b) every member inflated with zlib, its trailer (CRC-
 *    32 and ISIZE, RFC 1952 2.3.1) checked, and nothing after the last
 *    member, not even zero padding (the project's reader skips zeros there;
 *    the archive stores exactly what a capture writer produces).
 * 2. The records (ar_read_check): the file read to its end with the
 *    project's capture reader, which checks the pcap/pcapng header and
 *    every record and block, and names the offset of any damage. It also
 *    gives the packet count and the earliest and latest packet times.
 */
#ifndef ROOTLENS_AR_VERIFY_H
#define ROOTLENS_AR_VERIFY_H

#include <stddef.h>
#include <stdint.h>

/** What the checks found out about a file. */
typedef struct ar_info {
	char sha256[65];      /**< lowercase hex */
	uint64_t bytes;       /**< file size */
	int gzip;             /**< 1 gzip, 0 plain */
	uint64_t members;     /**< gzip members */
	const char *format;   /**< "pcap" or "pcapng" (static) */
	int linktype;         /**< of the file, or of the first pcapng interface */
	uint64_t packets;
	int have_time;        /**< at least one packet: first/last valid */
	int64_t first_sec, last_sec;   /**< earliest and latest packet time */
	uint32_t first_nsec, last_nsec;
} ar_info_t;

typedef struct ar_raw ar_raw_t; /* opaque: ar_raw_new() owns it */

/** @return 0 or DW_ENOMEM. */
int ar_raw_new(ar_raw_t **r);

/**
 * Feed the next @p n bytes of the file. Damage in the gzip stream is kept
 * (the first one) and returned by ar_raw_finish(); hashing goes on.
 * @return 0, or DW_EIO when the hash cannot be updated.
 */
int ar_raw_update(ar_raw_t *r, const void *buf, size_t n);

/**
 * End of the file: sets @p info's sha256, bytes, gzip and members.
 * @return 0; DW_EGZIP (corrupt member, bad trailer, bytes after the last
 *         member), DW_ETRUNCFILE (the file ends inside a member, or is
 *         empty), DW_EIO; @p err names the compressed offset.
 */
int ar_raw_finish(ar_raw_t *r, ar_info_t *info, char *err, size_t errlen);

/** Free (NULL is fine). */
void ar_raw_free(ar_raw_t *r);

/**
 * Read @p path to its end with the capture reader; sets @p info's format,
 * linktype, packets and times (the other fields are left alone).
 * @p err gets the reader's message ("FILE: ... at offset N").
 * @return 0 or the reader's negative code.
 */
int ar_read_check(const char *path, ar_info_t *info, char *err, size_t errlen);

/**
 * Both checks of a file on disk, in two threads (one pass each).
 * @return 0 or the first failure's code (@p err says which and where).
 */
int ar_verify_path(const char *path, ar_info_t *info, char *err, size_t errlen);

/** SHA-256 (lowercase hex) and size of the open file @p fd, read from its
 *  current offset to its end. @return 0 or DW_EIO/DW_ENOMEM (errno set). */
int ar_sha256_fd(int fd, char hex[65], uint64_t *bytes);

#endif
