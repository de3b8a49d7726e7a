/*
 * source_int.h - byte source under the capture-file reader: a file or
 * stdin, plain or gzip (single or multi-member), inflated with ISA-L or
 * zlib. Internal to lib/capfile.
 *
 * The source writes straight into the caller's buffer (the reader's record
 * buffer), so plain data is copied once by read(2) and gzip data is written
 * once by the inflater: no intermediate output buffer.
 */
#ifndef ROOTLENS_CF_SOURCE_INT_H
#define ROOTLENS_CF_SOURCE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rootlens/capfile.h"

/** Compressed input is read(2) in chunks of this size. */
#define CF_SRC_INBUF (256u * 1024u)

typedef struct cf_src cf_src_t; /* opaque: cf_src_open() owns it */

/**
 * Open @p path ("-" is stdin) and sniff gzip by its magic (1f 8b).
 * @p which chooses the inflater (CF_INFLATE_AUTO: ISA-L when built in).
 * On failure *s is NULL and @p err holds a message without the path.
 * @return 0, DW_ENOENT, DW_EIO, DW_ENOMEM, DW_EINVAL.
 */
int cf_src_open(cf_src_t **s, const char *path, cf_inflater_t which,
                char *err, size_t errlen);

/**
 * Open the part of @p path that starts at raw offset @p start (a gzip
 * member start, or a pcap record boundary of a plain file; 0 is the file
 * start) and ends at @p end: plain input stops exactly at @p end, gzip at
 * the first member boundary at or after it (UINT64_MAX: the file's end).
 * @p gzip: 1 gzip (checked: a member must start at @p start), 0 plain,
 * -1 sniff (only with @p start 0). Raw offsets stay file offsets.
 * @return as cf_src_open(); DW_EGZIP when no member starts at @p start.
 */
int cf_src_open_range(cf_src_t **s, const char *path, cf_inflater_t which, uint64_t start,
		      uint64_t end, int gzip, char *err, size_t errlen);

/**
 * cf_src_open() with @p tap on every byte read from the file (see
 * cf_tap_t in capfile.h): read(2) hands its bytes to the tap before they
 * are used, and cf_src_close() sets tap->complete. Plain input is then
 * read ahead on the prefetch thread too (unless threads are off), so that
 * the tap runs beside the caller.
 */
int cf_src_open_tap(cf_src_t **s, const char *path, cf_inflater_t which, cf_tap_t *tap,
		    char *err, size_t errlen);

/**
 * Read (or inflate) up to @p n bytes into @p dst. Returns fewer bytes when
 * that is what one read(2) or one inflate call gave; a short count is no
 * sign of the end. Damage found after some output was produced is reported
 * on the next call, so every good byte reaches the caller first.
 * @return bytes (> 0), 0 at the clean end, or DW_EIO, DW_EGZIP,
 *         DW_ETRUNCFILE, DW_ENOMEM; cf_src_errmsg() then says what.
 */
ssize_t cf_src_read(cf_src_t *s, uint8_t *dst, size_t n);

/** What went wrong, with the compressed offset for gzip damage; or "". */
const char *cf_src_errmsg(const cf_src_t *s);

/** True when the input is gzip. */
int cf_src_is_gzip(const cf_src_t *s);

/** "isal", "zlib" or "none". */
const char *cf_src_inflater(const cf_src_t *s);

/** Bytes read from the file itself so far. */
uint64_t cf_src_raw_offset(const cf_src_t *s);

/** Close the file (unless stdin) and free. NULL is fine. */
void cf_src_close(cf_src_t *s);

/**
 * Test hook: cap every read(2) at @p n bytes (0: no cap), so the tests can
 * make gzip members and records straddle input chunks at every position.
 * Process-wide, for sources opened afterwards.
 */
void cf_src_set_read_cap(size_t n);

/** cf_src_read() without the inflate thread: what the thread itself calls. */
ssize_t cf_src_read_direct(cf_src_t *s, uint8_t *dst, size_t n);
/** Bytes read from the file so far, as the thread sees it. */
uint64_t cf_src_raw_offset_direct(const cf_src_t *s);

/**
 * Test hook: 1 inflates gzip on a second thread (the default), 0 in the
 * caller's thread; -1 leaves it to ROOTLENS_INFLATE_THREAD. Process-wide,
 * for sources opened afterwards.
 */
void cf_src_set_threads(int on);

/* prefetch.c: a worker thread reading (inflating) ahead into a ring of blocks. */
typedef struct cf_pf cf_pf_t;
/** Start the worker on @p src. @return 0, DW_ENOMEM, DW_EIO. */
int cf_pf_start(cf_pf_t **pf, cf_src_t *src);
/** Like cf_src_read(), from the blocks the worker filled. */
ssize_t cf_pf_read(cf_pf_t *pf, uint8_t *dst, size_t n);
/** Compressed bytes consumed as of the block being read. */
uint64_t cf_pf_raw_offset(const cf_pf_t *pf);
/** Stop and join the worker, free the blocks. NULL is fine. */
void cf_pf_stop(cf_pf_t *pf);

/** The process-wide default chosen by cf_set_inflater() or the environment. */
cf_inflater_t cf_src_default_inflater(void);

#endif
