/*
 * dw_cursor.h - bounds-checked, sticky-error cursor over wire data.
 *
 * Every read of untrusted bytes in rootlens goes through a cursor. A read
 * past the end sets c->err to DW_ETRUNC, returns 0 and leaves pos at len;
 * later reads keep returning 0, so a parser reads a whole block of fields
 * and checks c->err once at the end (the Knot wire_ctx pattern).
 * The cursor borrows its buffer; it never allocates.
 */
#ifndef ROOTLENS_DW_CURSOR_H
#define ROOTLENS_DW_CURSOR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rootlens/errcode.h"

typedef struct dw_cur {
	const uint8_t *base; /**< borrowed: start of the buffer */
	size_t len;          /**< bytes in the buffer */
	size_t pos;          /**< next byte to read */
	int err;             /**< 0, or the first error (sticky) */
} dw_cur_t;

/** Start a cursor over @p len bytes at @p p (borrowed). */
static inline void dw_cur_init(dw_cur_t *c, const uint8_t *p, size_t len)
{
	c->base = p;
	c->len = len;
	c->pos = 0;
	c->err = 0;
}

/** Bytes left to read (0 after an error). */
static inline size_t dw_cur_avail(const dw_cur_t *c)
{
	return c->err ? 0 : c->len - c->pos;
}

/** Mark the cursor failed with @p err (keeps the first error). */
static inline void dw_cur_fail(dw_cur_t *c, int err)
{
	if (!c->err)
		c->err = err;
	c->pos = c->len;
}

/** True (and the cursor failed) unless @p n bytes are available. */
static inline int dw_cur_need(dw_cur_t *c, size_t n)
{
	if (c->err || c->len - c->pos < n) {
		dw_cur_fail(c, DW_ETRUNC);
		return 0;
	}
	return 1;
}

static inline uint8_t dw_cur_u8(dw_cur_t *c)
{
	if (!dw_cur_need(c, 1))
		return 0;
	return c->base[c->pos++];
}

static inline uint16_t dw_cur_u16(dw_cur_t *c)
{
	if (!dw_cur_need(c, 2))
		return 0;
	uint16_t v = (uint16_t)((uint16_t)c->base[c->pos] << 8 | c->base[c->pos + 1]);
	c->pos += 2;
	return v;
}

static inline uint32_t dw_cur_u32(dw_cur_t *c)
{
	if (!dw_cur_need(c, 4))
		return 0;
	const uint8_t *p = c->base + c->pos;
	c->pos += 4;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/** Little-endian reads, for capture-file headers written on LE hosts. */
static inline uint16_t dw_cur_u16le(dw_cur_t *c)
{
	if (!dw_cur_need(c, 2))
		return 0;
	uint16_t v = (uint16_t)(c->base[c->pos] | (uint16_t)c->base[c->pos + 1] << 8);
	c->pos += 2;
	return v;
}

static inline uint32_t dw_cur_u32le(dw_cur_t *c)
{
	if (!dw_cur_need(c, 4))
		return 0;
	const uint8_t *p = c->base + c->pos;
	c->pos += 4;
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/** Skip @p n bytes. */
static inline void dw_cur_skip(dw_cur_t *c, size_t n)
{
	if (dw_cur_need(c, n))
		c->pos += n;
}

/** Borrow a pointer to the next @p n bytes and skip them; NULL on error. */
static inline const uint8_t *dw_cur_ptr(dw_cur_t *c, size_t n)
{
	if (!dw_cur_need(c, n))
		return NULL;
	const uint8_t *p = c->base + c->pos;
	c->pos += n;
	return p;
}

/** Copy @p n bytes into @p dst. */
static inline void dw_cur_copy(dw_cur_t *c, void *dst, size_t n)
{
	const uint8_t *p = dw_cur_ptr(c, n);
	if (p)
		memcpy(dst, p, n);
}

/** Move to absolute position @p pos (must be <= len). */
static inline void dw_cur_seek(dw_cur_t *c, size_t pos)
{
	if (c->err)
		return;
	if (pos > c->len)
		dw_cur_fail(c, DW_ETRUNC);
	else
		c->pos = pos;
}

#endif
