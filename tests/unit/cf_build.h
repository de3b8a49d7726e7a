/*
 * cf_build.h - what the capture-reader tests share: a byte builder that
 * writes pcap/pcapng fields in either byte order, a packet-data pattern
 * whose every byte the test can check, and temporary files to open.
 */
#ifndef ROOTLENS_TEST_CF_BUILD_H
#define ROOTLENS_TEST_CF_BUILD_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cu_main.h"
#include "rootlens/capfile.h"

typedef struct bb {
	uint8_t *p;
	size_t len, cap;
	int be; /* byte order of what is being written (0: little-endian) */
} bb_t;

static inline void bb_put(bb_t *b, const void *src, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		CU_ASSERT_FATAL(b->p != NULL);
	}
	if (n)
		memcpy(b->p + b->len, src, n);
	b->len += n;
}

static inline void bb_zero(bb_t *b, size_t n)
{
	static const uint8_t z[4096];
	while (n) {
		size_t k = n < sizeof(z) ? n : sizeof(z);
		bb_put(b, z, k);
		n -= k;
	}
}

/* Overwrite 4 bytes at @p at (a length patched in afterwards). */
static inline void bb_at32(bb_t *b, size_t at, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b->p[at + (size_t)(b->be ? 3 - i : i)] = (uint8_t)(v >> (8 * i));
}

static inline void bb_u32(bb_t *b, uint32_t v)
{
	bb_zero(b, 4);
	bb_at32(b, b->len - 4, v);
}

static inline void bb_u16(bb_t *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	if (b->be) {
		x[0] = (uint8_t)(v >> 8);
		x[1] = (uint8_t)v;
	}
	bb_put(b, x, 2);
}

static inline void bb_u64(bb_t *b, uint64_t v)
{
	if (b->be) {
		bb_u32(b, (uint32_t)(v >> 32));
		bb_u32(b, (uint32_t)v);
	} else {
		bb_u32(b, (uint32_t)v);
		bb_u32(b, (uint32_t)(v >> 32));
	}
}

/* Byte j of packet i: every packet differs, so a byte from the wrong
 * packet or offset is seen. */
static inline uint8_t pat(uint32_t i, uint32_t j)
{
	return (uint8_t)(i * 131u + j * 7u + (j >> 8) + 1u);
}

static inline int data_ok(const cf_pkt_t *p, uint32_t seed)
{
	if (p->caplen && !p->data)
		return 0;
	for (uint32_t j = 0; j < p->caplen; j++)
		if (p->data[j] != pat(seed, j))
			return 0;
	return 1;
}

/* Write @p len bytes to a new temporary file; @return its path (free it). */
static inline char *tmp_write(const void *data, size_t len)
{
	char *path = strdup("/tmp/rl_cf_test_XXXXXX");
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	const uint8_t *p = data;
	while (len) {
		ssize_t w = write(fd, p, len);
		CU_ASSERT_FATAL(w > 0);
		p += w;
		len -= (size_t)w;
	}
	close(fd);
	return path;
}

static inline cf_reader_t *open_bytes(const bb_t *b, char **path)
{
	char err[512];
	cf_reader_t *r = NULL;
	*path = tmp_write(b->p, b->len);
	int rc = cf_reader_open(&r, *path, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "open: %d %s\n", rc, err);
	CU_ASSERT_FATAL(rc == 0 && r != NULL);
	return r;
}

static inline void done(cf_reader_t *r, char *path, bb_t *b)
{
	cf_reader_close(r);
	unlink(path);
	free(path);
	free(b->p);
}

/* Opening these bytes fails with @p want, a NULL reader and a message
 * naming the file and saying @p needle. */
static inline int open_fails(const bb_t *b, int want, const char *needle)
{
	char err[512] = "";
	cf_reader_t *r = (cf_reader_t *)&err; /* must come back NULL */
	char *path = tmp_write(b->p, b->len);
	int rc = cf_reader_open(&r, path, err, sizeof(err));
	int ok = rc == want && r == NULL && strstr(err, path) && strstr(err, needle);
	if (!ok)
		fprintf(stderr, "open_fails: rc %d want %d msg '%s'\n", rc, want, err);
	unlink(path);
	free(path);
	return ok;
}

#endif
