/*
 * b64.h - the text form of the sketches: raw bytes -> zlib -> base64
 * (RFC 4648 section 4, standard alphabet, '=' padding), and back with
 * every step checked. Sketch strings travel inside JSON documents that
 * other machines produced, so the decoder treats them as hostile input:
 * it never writes past the caller's buffer and accepts exactly one
 * spelling of each byte string (no whitespace, canonical padding bits).
 */
#ifndef ROOTLENS_AN_B64_H
#define ROOTLENS_AN_B64_H

#include <stddef.h>
#include <stdint.h>

/** Characters an_b64_encode() writes for @p n bytes (without the NUL). */
size_t an_b64_len(size_t n);

/**
 * Encode @p n bytes of @p in into @p out, which must hold
 * an_b64_len(n) + 1 bytes; the result is NUL-terminated.
 */
void an_b64_encode(const uint8_t *in, size_t n, char *out);

/**
 * Decode @p len characters of @p in into @p out (room for @p cap bytes).
 * Strict: length a multiple of 4, standard alphabet only, at most two '='
 * and only at the end, unused bits of the last symbol zero.
 * @return 0 and the byte count in @p outlen, DW_EFORMAT when @p in is
 *         not such a string, DW_ETOOBIG when it decodes to more than @p cap.
 */
int an_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *outlen);

/**
 * zlib-compress (compress2) @p n bytes and base64 the result.
 * @return 0 with a NUL-terminated string in @p out (owned by the caller:
 *         free()), or DW_ENOMEM.
 */
int an_blob_pack(const uint8_t *raw, size_t n, char **out);

/**
 * Undo an_blob_pack(): base64-decode and inflate @p s into @p raw (room
 * for @p cap bytes). The zlib stream must end exactly where the data does
 * and inflate to at most @p cap bytes (a small string cannot expand into
 * an unbounded buffer). Allocates a scratch buffer for the call.
 * @return 0 with the length in @p n, DW_EFORMAT (bad base64, bad or
 *         trailing zlib data, more than @p cap bytes), DW_ENOMEM.
 */
int an_blob_unpack(const char *s, uint8_t *raw, size_t cap, size_t *n);

#endif
