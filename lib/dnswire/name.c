/*
 * name.c - domain names on the wire (RFC 1035 3.1, 4.1.4; RFC 4343).
 *
 * A label starts with one byte whose top two bits give its type
 * (RFC 1035 4.1.4, RFC 6891 5):
 *
 *     00xxxxxx  normal label, xxxxxx = length 0..63 (0 = root, end)
 *     01xxxxxx  extended label type (RFC 6891 5: reserved; 0x41 was the
 *               withdrawn bit-string label of RFC 2673)  -> DW_ELABEL
 *     10xxxxxx  reserved                                  -> DW_ELABEL
 *     11xxxxxx  compression pointer: 14-bit offset from the message start
 *
 * Every read of wire data goes through a dw_cur_t; pointer targets are read
 * with a second cursor over the same buffer, so the caller's cursor ends
 * just past the name's bytes where it started.
 */
#include <string.h>

#include "rootlens/dnswire.h"

int dw_name_parse(dw_cur_t *c, uint8_t out[DW_NAME_MAXLEN], size_t *outlen)
{
	/*
	 * Reads go by index over the cursor's buffer (every one checked
	 * against its length, as the cursor would): @p pos is where labels
	 * are read, @p resume where the caller's cursor ends up, set at the
	 * first pointer. Labels read one after another on the wire are
	 * copied to @p out as one run (wire bytes run_in.. to out bytes
	 * run_out..), when a pointer, the end or an error ends the run:
	 * the same bytes a label-by-label copy writes.
	 */
	const uint8_t *base = c->base;
	size_t end = c->len;
	size_t pos = c->pos;
	size_t resume = 0;    /* caller's position after the first pointer */
	int jumped = 0;
	size_t total = 0;     /* bytes of labels so far, root label not yet */
	size_t seg = c->pos;  /* where the labels read contiguously began */
	size_t run_in = pos, run_out = 0;
	unsigned hops = 0;
	int rc;

	if (c->err)
		return c->err;
	for (;;) {
		if (pos >= end) {
			rc = DW_ETRUNC;
			goto out;
		}
		uint8_t b = base[pos++];
		if (b == 0)
			break;
		switch (b & 0xc0) {
		case 0x00:
			break;
		case 0xc0: {
			if (pos >= end) {
				rc = DW_ETRUNC;
				goto out;
			}
			size_t ptr = (size_t)(b & 0x3f) << 8 | base[pos++];
			/*
			 * The pointer must land before the segment it was read
			 * in (tcpdump's max_offset rule), not merely before
			 * itself (Knot's): a target inside the current segment
			 * re-reads the same pointer and loops (a label, then a
			 * pointer back to it) until the length or hop limit
			 * hits, and would be reported as a long name. With
			 * segment starts strictly decreasing no loop exists;
			 * the hop cap bounds the work on top (Unbound's rule).
			 * A compressor only points at names written before the
			 * current one, which passes both tests; what this also
			 * refuses is a pointer into the current name's own
			 * label bytes, which no compressor emits.
			 */
			if (ptr >= seg || ++hops > DW_MAX_PTR_HOPS) {
				rc = DW_ELOOP;
				goto out;
			}
			if (!jumped) {
				jumped = 1;
				resume = pos;
			}
			if (out)
				memcpy(out + run_out, base + run_in, total - run_out);
			pos = ptr; /* ptr < seg <= len */
			seg = ptr;
			run_in = ptr;
			run_out = total;
			continue;
		}
		default:
			rc = DW_ELABEL;
			goto out;
		}
		/* RFC 1035 3.1: 255 bytes in all, the root label included. */
		if (total + 1 + b + 1 > DW_NAME_MAXLEN) {
			rc = DW_ENAMELEN;
			goto out;
		}
		if (end - pos < b) {
			/* the label's length byte was written, its data not */
			if (out)
				out[total] = b;
			rc = DW_ETRUNC;
			goto out;
		}
		pos += b;
		total += 1 + (size_t)b;
	}
	if (out) {
		memcpy(out + run_out, base + run_in, total - run_out);
		out[total] = 0;
	}
	if (outlen)
		*outlen = total + 1;
	c->pos = jumped ? resume : pos;
	return 0;
out:
	/* what was copied before the failure (out[total] may be set above,
	 * past the run) */
	if (out)
		memcpy(out + run_out, base + run_in, total - run_out);
	dw_cur_fail(c, rc);
	return rc;
}

/* Escape needed inside a label (RFC 1035 5.1: these are special in
 * master files; RFC 4343 2.1: other bytes as \DDD). 0 = plain, 1 = \c,
 * 2 = \DDD. */
static int esc_kind(uint8_t ch)
{
	if (ch < 0x21 || ch > 0x7e)
		return 2;
	switch (ch) {
	case '.': case '\\': case '"': case '(': case ')':
	case ';': case '@': case '$':
		return 1;
	}
	return 0;
}

/*
 * Append the presentation form of one label to buf. Whole characters or
 * escapes only: when the next one does not fit (NUL kept) stop and
 * return 0 so the caller stops too.
 */
static int put_label(dw_cur_t *w, size_t llen, int lower, char *buf,
		     size_t bufsz, size_t *n)
{
	for (size_t i = 0; i < llen; i++) {
		uint8_t ch = dw_cur_u8(w);
		int k = esc_kind(ch);
		size_t need = k == 2 ? 4 : k == 1 ? 2 : 1;
		if (*n + need >= bufsz)
			return 0;
		if (lower && ch >= 'A' && ch <= 'Z')
			ch = (uint8_t)(ch - 'A' + 'a');
		if (k == 0) {
			buf[(*n)++] = (char)ch;
		} else if (k == 1) {
			buf[(*n)++] = '\\';
			buf[(*n)++] = (char)ch;
		} else {
			buf[(*n)++] = '\\';
			buf[(*n)++] = (char)('0' + ch / 100);
			buf[(*n)++] = (char)('0' + ch / 10 % 10);
			buf[(*n)++] = (char)('0' + ch % 10);
		}
	}
	return 1;
}

static size_t put_root(char *buf, size_t bufsz)
{
	if (bufsz >= 2) {
		buf[0] = '.';
		buf[1] = '\0';
		return 1;
	}
	if (bufsz == 1)
		buf[0] = '\0';
	return 0;
}

/*
 * Read the next normal label header of an uncompressed name. The input is
 * normally our own dw_name_parse output, but the API takes any bytes, so
 * a bad type or an overrun simply ends the name (returns -1).
 */
static int next_label(dw_cur_t *w)
{
	uint8_t b = dw_cur_u8(w);
	if (w->err || b > DW_LABEL_MAXLEN || dw_cur_avail(w) < b)
		return -1;
	return b;
}

size_t dw_name_to_str(const uint8_t *wire, size_t wlen, char *buf, size_t bufsz)
{
	dw_cur_t w;
	size_t n = 0;
	int l;

	if (bufsz == 0)
		return 0;
	dw_cur_init(&w, wire, wlen);
	l = next_label(&w);
	if (l <= 0)
		return put_root(buf, bufsz);
	do {
		if (!put_label(&w, (size_t)l, 0, buf, bufsz, &n))
			break;
		if (n + 1 >= bufsz)
			break;
		buf[n++] = '.';
	} while ((l = next_label(&w)) > 0);
	buf[n] = '\0';
	return n;
}

size_t dw_name_tld(const uint8_t *wire, size_t wlen, char *buf, size_t bufsz)
{
	dw_cur_t w;
	size_t last = 0;
	int l, lastlen = 0;

	if (bufsz == 0)
		return 0;
	dw_cur_init(&w, wire, wlen);
	while ((l = next_label(&w)) > 0) {
		last = w.pos;
		lastlen = l;
		dw_cur_skip(&w, (size_t)l);
	}
	if (lastlen == 0)
		return put_root(buf, bufsz);
	size_t n = 0;
	dw_cur_init(&w, wire, wlen);
	dw_cur_seek(&w, last);
	put_label(&w, (size_t)lastlen, 1, buf, bufsz, &n);
	buf[n] = '\0';
	return n;
}

unsigned dw_name_labels(const uint8_t *wire, size_t wlen)
{
	dw_cur_t w;
	unsigned n = 0;
	int l;

	dw_cur_init(&w, wire, wlen);
	while ((l = next_label(&w)) > 0) {
		dw_cur_skip(&w, (size_t)l);
		n++;
	}
	return n;
}
