/*
 * b64.c - base64 (RFC 4648 section 4) and the zlib+base64 blob form of
 * the sketches. Written here rather than taken from OpenSSL's
 * EVP_DecodeBlock(), which skips surrounding whitespace and returns the
 * '=' padding as zero bytes, so a caller has to second-guess its length.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "rootlens/errcode.h"
#include "sketch/b64.h"

static const char enc_tab[64] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* 0..63, or 0xff for anything outside the alphabet ('=' included). */
static uint8_t dec_sym(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (uint8_t)(c - 'A');
	if (c >= 'a' && c <= 'z')
		return (uint8_t)(c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (uint8_t)(c - '0' + 52);
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return 0xff;
}

size_t an_b64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

void an_b64_encode(const uint8_t *in, size_t n, char *out)
{
	size_t i = 0;
	char *o = out;

	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*o++ = enc_tab[v >> 18];
		*o++ = enc_tab[(v >> 12) & 63];
		*o++ = enc_tab[(v >> 6) & 63];
		*o++ = enc_tab[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		*o++ = enc_tab[v >> 18];
		*o++ = enc_tab[(v >> 12) & 63];
		*o++ = '=';
		*o++ = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		*o++ = enc_tab[v >> 18];
		*o++ = enc_tab[(v >> 12) & 63];
		*o++ = enc_tab[(v >> 6) & 63];
		*o++ = '=';
	}
	*o = '\0';
}

int an_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t pad = 0, n, o = 0;

	if (len % 4)
		return DW_EFORMAT;
	if (len >= 1 && s[len - 1] == '=')
		pad++;
	if (pad && len >= 2 && s[len - 2] == '=')
		pad++;
	n = len / 4 * 3 - pad;
	if (n > cap)
		return DW_ETOOBIG;
	for (size_t i = 0; i < len; i += 4) {
		int last = i + 4 == len;
		uint8_t a = dec_sym(s[i]), b = dec_sym(s[i + 1]);
		uint8_t c = last && pad == 2 ? 0 : dec_sym(s[i + 2]);
		uint8_t d = last && pad >= 1 ? 0 : dec_sym(s[i + 3]);
		if ((a | b | c | d) & 0xc0) /* 0xff: not in the alphabet */
			return DW_EFORMAT;
		uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | d;
		/* The bits the padding leaves unused must be zero: one spelling
		 * per byte string (RFC 4648 section 3.5). */
		if (last && pad == 2 && (v & 0xffff))
			return DW_EFORMAT;
		if (last && pad == 1 && (v & 0xff))
			return DW_EFORMAT;
		out[o++] = (uint8_t)(v >> 16);
		if (!(last && pad == 2))
			out[o++] = (uint8_t)(v >> 8);
		if (!(last && pad >= 1))
			out[o++] = (uint8_t)v;
	}
	*outlen = o;
	return 0;
}

int an_blob_pack(const uint8_t *raw, size_t n, char **out)
{
	uLongf zlen = compressBound((uLong)n);
	uint8_t *z = malloc(zlen);
	char *s = NULL;
	int rc = DW_ENOMEM;

	*out = NULL;
	if (!z)
		goto out;
	/* Level 6: registers and counters are mostly small numbers and
	 * zeros; 9 buys little more at several times the cost. */
	if (compress2(z, &zlen, raw, (uLong)n, 6) != Z_OK)
		goto out;
	if (!(s = malloc(an_b64_len(zlen) + 1)))
		goto out;
	an_b64_encode(z, zlen, s);
	*out = s;
	rc = 0;
out:
	free(z);
	return rc;
}

int an_blob_unpack(const char *s, uint8_t *raw, size_t cap, size_t *n)
{
	size_t len = strlen(s), zlen;
	uint8_t *z = malloc(len / 4 * 3 + 1);
	uLongf dlen = (uLongf)cap;
	uLong slen;
	int rc = DW_ENOMEM;

	if (!z)
		goto out;
	if ((rc = an_b64_decode(s, len, z, len / 4 * 3 + 1, &zlen)) < 0) {
		rc = DW_EFORMAT;
		goto out;
	}
	slen = (uLong)zlen;
	rc = DW_EFORMAT;
	/* uncompress2() stops at the end of the zlib stream and reports what
	 * it consumed: trailing bytes are refused, and Z_BUF_ERROR means the
	 * stream wants more room than the sketch can have. */
	if (uncompress2(raw, &dlen, z, &slen) != Z_OK || slen != zlen)
		goto out;
	*n = dlen;
	rc = 0;
out:
	free(z);
	return rc;
}
