/*
 * cf_gz.h - gzip test files for the capture-reader tests: members made
 * with zlib's deflate, written back to back as rootlens' capture writer
 * writes them (RFC 1952 section 2.2), the inflaters to try, and removal
 * of the temporary files.
 */
#ifndef ROOTLENS_TEST_CF_GZ_H
#define ROOTLENS_TEST_CF_GZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "cf_build.h"

/* Append one gzip member holding @p n bytes at @p in, at zlib @p level. */
static inline void gz_member(bb_t *out, const uint8_t *in, size_t n, int level)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	CU_ASSERT_FATAL(deflateInit2(&z, level, Z_DEFLATED, 16 + MAX_WBITS, 8,
	                             Z_DEFAULT_STRATEGY) == Z_OK);
	size_t bound = deflateBound(&z, (uLong)n) + 64;
	if (out->len + bound > out->cap) {
		out->cap = out->len + bound;
		out->p = realloc(out->p, out->cap);
		CU_ASSERT_FATAL(out->p != NULL);
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = out->p + out->len;
	z.avail_out = (uInt)(out->cap - out->len);
	CU_ASSERT_FATAL(deflate(&z, Z_FINISH) == Z_STREAM_END);
	out->len += z.total_out;
	deflateEnd(&z);
}

/* The inflaters this build can use; ISA-L only when built in. */
static inline int inflaters(cf_inflater_t *out)
{
	int n = 0;
	out[n++] = CF_INFLATE_ZLIB;
	if (cf_have_isal())
		out[n++] = CF_INFLATE_ISAL;
	return n;
}

static inline const char *inflater_name(cf_inflater_t w)
{
	return w == CF_INFLATE_ISAL ? "isal" : "zlib";
}

/* Remove the temporary file @p path (from tmp_write()) and free the name. */
static inline void rm(char *path)
{
	unlink(path);
	free(path);
}

#endif
