/*
 * ar_proto.h - `rootlens archive submit --to` talking to `rootlens archive
 * receive` over ssh (or any byte pipe).
 *
 * Lines are one JSON object each, compact, ending in '\n'; raw bytes
 * follow where a line announces them. R is the receiver (on the archive
 * host), S the sender:
 *
 *   R: {"protocol":"rootlens-archive/1","rootlens":"0.1.0"}
 *   then for each file:
 *   S: {"file":NAME,"server":S,"instance":I,"phase":P|null,
 *       "size":N,"sha256":HEX,"manifest_size":M}
 *   S: M bytes: the capture's manifest as stored beside it (M = 0: none,
 *      the archive writes one from the labels)
 *   R: {"file":NAME,"status":"send"}
 *      or a final answer at once: "exists" (the identical file is stored:
 *      the data need not travel), "refused" (bad name, labels, manifest;
 *      a different file under the name)
 *   after "send":
 *   S: N bytes of data
 *   R: {"file":NAME,"status":"stored"|"exists"|"refused"|"failed",
 *       "sha256":HEX,"error":TEXT}
 *
 * "sha256" in a final answer is that of the data the receiver holds under
 * the name (computed from the bytes it received, or from what was already
 * stored); the sender compares it with its own. "failed" is the archive's
 * trouble (not writable, disk full), "refused" the file's. The session
 * ends when S closes its side after a final answer. Header lines are at
 * most AR_LINE_MAX bytes; a malformed header ends the session (the byte
 * stream can no longer be followed).
 */
#ifndef ROOTLENS_AR_PROTO_H
#define ROOTLENS_AR_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ar_names.h"

#define AR_PROTOCOL "rootlens-archive/1"
#define AR_LINE_MAX 4096

/** A buffered reader over a descriptor: lines and raw bytes interleaved. */
typedef struct ar_rd {
	int fd;
	size_t off, len;
	unsigned char buf[65536];
} ar_rd_t;

void ar_rd_init(ar_rd_t *r, int fd);

/**
 * The next line, without its '\n', NUL-terminated in @p line (@p max
 * bytes with the NUL). @return 1 a line; 0 the stream ended before any
 * byte of it; DW_ETRUNC it ended inside the line; DW_ETOOBIG longer than
 * @p max - 1 (the rest of it is not consumed); DW_EIO (errno).
 */
int ar_rd_line(ar_rd_t *r, char *line, size_t max);

/** Up to @p n bytes (what is buffered first). @return bytes, 0 at the
 *  end, -1 with errno (EINTR is retried). */
ssize_t ar_rd_bytes(ar_rd_t *r, void *dst, size_t n);

/** Exactly @p n bytes. @return 0; DW_ETRUNC at the end before; DW_EIO. */
int ar_rd_exact(ar_rd_t *r, void *dst, size_t n);

/** Write all of @p buf. @return 0 or -1 with errno (EPIPE when the
 *  other side went away; SIGPIPE is the caller's to ignore). */
int ar_write_all(int fd, const void *buf, size_t n);

/** A file announced by the sender. */
typedef struct ar_hdr {
	char file[AR_NAME_MAX + 1];
	char server[AR_NAME_MAX + 1];
	char instance[AR_NAME_MAX + 1];
	char phase[AR_NAME_MAX + 1];
	int have_phase;
	uint64_t size;
	char sha256[65];
	uint64_t manifest_size;
} ar_hdr_t;

/** A receiver's answer. */
typedef struct ar_ans {
	char file[AR_NAME_MAX + 1];
	char status[16];
	char sha256[65];  /**< "" when absent */
	char error[1024]; /**< "" when absent */
} ar_ans_t;

/**
 * Encode as one line with its '\n' into @p out (@p max bytes).
 * @return the length, or DW_ETOOBIG / DW_ENOMEM / DW_EINVAL.
 */
int ar_hdr_encode(const ar_hdr_t *h, char *out, size_t max);

/**
 * Decode a header line (without '\n'). Strings must fit (AR_NAME_MAX),
 * "size" and "manifest_size" be integers >= 0, "sha256" 64 lowercase hex
 * digits; names are not checked here (ar_names.h is the receiver's).
 * @return 0 or DW_EFORMAT with @p err saying what is wrong.
 */
int ar_hdr_decode(const char *line, ar_hdr_t *h, char *err, size_t errlen);

int ar_ans_encode(const ar_ans_t *a, char *out, size_t max);
int ar_ans_decode(const char *line, ar_ans_t *a, char *err, size_t errlen);

/** The greeting line (with '\n'). @return length or DW_ETOOBIG. */
int ar_hello_encode(char *out, size_t max);

/** Check a greeting. @return 0 or DW_EFORMAT (@p err: what came instead). */
int ar_hello_check(const char *line, char *err, size_t errlen);

#endif
