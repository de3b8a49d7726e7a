/*
 * jsonmap.c - JSON helpers shared by the metrics (metric.h): integer
 * members, percentages, and counter maps in the order doc/stats-json.md
 * fixes (descending count, ties by key, "other" last), and the packed
 * form of a full map that the sketch of a cut per-interval map keeps.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metric.h"
#include "rootlens/errcode.h"
#include "sketch/b64.h"

#define OTHER "other"

int an_json_set_u64(json_t *obj, const char *key, uint64_t v)
{
	/* JSON integers are int64 in Jansson; a counter cannot reach 2^63
	 * in practice, but never let one wrap to a negative number. */
	if (v > (uint64_t)INT64_MAX)
		v = (uint64_t)INT64_MAX;
	if (json_object_set_new(obj, key, json_integer((json_int_t)v)) < 0)
		return DW_ENOMEM;
	return 0;
}

int an_json_get_u64(const json_t *obj, const char *key, uint64_t *v)
{
	*v = 0;
	if (obj == NULL)
		return 0;
	if (!json_is_object(obj))
		return DW_EFORMAT;
	const json_t *m = json_object_get(obj, key);
	if (m == NULL)
		return 0;
	if (!json_is_integer(m) || json_integer_value(m) < 0)
		return DW_EFORMAT;
	*v = (uint64_t)json_integer_value(m);
	return 0;
}

json_t *an_json_pct(uint64_t a, uint64_t b)
{
	if (b == 0)
		return json_null();
	/* 4 decimals: enough to show the ~0.6 % TCP share of 2010's root
	 * traffic to four significant digits, and stable across merges
	 * because the ratio is always recomputed from the counters. */
	double pct = (double)a * 100.0 / (double)b;
	return json_real(round(pct * 1e4) / 1e4);
}

static int kv_cmp(const void *pa, const void *pb)
{
	const an_kv_t *a = pa, *b = pb;
	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	return strcmp(a->key, b->key);
}

json_t *an_json_map(an_kv_t *kv, size_t n, unsigned topk)
{
	/* A key literally named "other" (a cut map read back by load, or a
	 * TLD spelled so) joins the remainder: the map never has two
	 * "other"s, and cutting a map that was already cut keeps its total.
	 * Zero counts are left out. Both are moved to the tail first. */
	uint64_t other = 0;
	int have_other = 0;
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(kv[i].key, OTHER) == 0) {
			other += kv[i].n;
			have_other = 1;
		} else if (kv[i].n != 0) {
			an_kv_t t = kv[m];
			kv[m++] = kv[i];
			kv[i] = t;
		}
	}
	if (m > 1)
		qsort(kv, m, sizeof(*kv), kv_cmp);
	size_t keep = m;
	if (topk != 0 && m > topk) {
		keep = topk;
		for (size_t i = keep; i < m; i++)
			other += kv[i].n;
		have_other = 1;
	}

	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	for (size_t i = 0; i < keep; i++)
		if (an_json_set_u64(o, kv[i].key, kv[i].n) < 0)
			goto fail;
	if (have_other && other != 0 && an_json_set_u64(o, OTHER, other) < 0)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

/* ---- packed counter maps (the sketch of a cut per-interval map) ------- */

/*
 * The bytes before zlib:
 *
 *   0x01                      format version
 *   varint N                  entries
 *   N x { varint P, varint S, S bytes, varint C }
 *
 * Entry i's key is the first P bytes of key i-1 followed by the S bytes
 * (front coding: keys are in strictly increasing bytewise order, so a
 * sorted list of TLDs or mnemonics shares long prefixes and most of each
 * key is one byte of P). C is its count, >= 1. Varints are LEB128, low
 * group first, minimal length. Everything is checked on the way back:
 * one byte string has one meaning and one spelling.
 */
#define MAP_VERSION 1
#define MAP_KEYMAX 255
#define VARINT_MAX 10

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/* @return 0, or DW_EFORMAT: past @p end, over 64 bits, or not minimal. */
static int get_varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t r = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (p == end)
			return DW_EFORMAT;
		uint8_t b = *p++;
		if (shift == 63 && b > 1)
			return DW_EFORMAT;
		r |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			if (b == 0 && shift != 0)
				return DW_EFORMAT; /* a zero top group */
			*pp = p;
			*v = r;
			return 0;
		}
	}
	return DW_EFORMAT;
}

static int kv_key_cmp(const void *pa, const void *pb)
{
	const an_kv_t *a = pa, *b = pb;
	return strcmp(a->key, b->key);
}

json_t *an_map_pack(an_kv_t *kv, size_t n)
{
	size_t cap = 1 + VARINT_MAX, k = 0, keep = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(kv[i].key);
		if (len > MAP_KEYMAX)
			return NULL;
		cap += 3 * VARINT_MAX + len;
	}
	if (n > 1)
		qsort(kv, n, sizeof(*kv), kv_key_cmp);
	/* equal keys add up, zero counts go: the packing is canonical */
	for (size_t i = 0; i < n; i++) {
		if (keep > 0 && strcmp(kv[keep - 1].key, kv[i].key) == 0)
			kv[keep - 1].n += kv[i].n;
		else
			kv[keep++] = kv[i];
	}
	uint8_t *raw = malloc(cap);
	if (raw == NULL)
		return NULL;
	size_t entries = 0;
	for (size_t i = 0; i < keep; i++)
		entries += kv[i].n != 0;
	raw[k++] = MAP_VERSION;
	k += put_varint(raw + k, entries);
	const char *prev = "";
	for (size_t i = 0; i < keep; i++) {
		if (kv[i].n == 0)
			continue;
		const char *key = kv[i].key;
		size_t p = 0;
		while (prev[p] != '\0' && prev[p] == key[p])
			p++;
		size_t s = strlen(key + p);
		k += put_varint(raw + k, p);
		k += put_varint(raw + k, s);
		memcpy(raw + k, key + p, s);
		k += s;
		k += put_varint(raw + k, kv[i].n);
		prev = key;
	}
	char *b64;
	json_t *o = NULL;
	if (an_blob_pack(raw, k, &b64) == 0) {
		o = json_string(b64);
		free(b64);
	}
	free(raw);
	return o;
}

int an_map_unpack(const json_t *packed, an_map_fn fn, void *ctx)
{
	if (!json_is_string(packed))
		return DW_EFORMAT;
	const char *s = json_string_value(packed);
	size_t slen = json_string_length(packed);
	if (strlen(s) != slen)
		return DW_EFORMAT; /* an embedded NUL */
	/* deflate expands at most ~1032:1, so this bound never refuses a
	 * string an_map_pack wrote; the hard limit stops a hostile one from
	 * reserving more than a map of 65536 mnemonics could ever need */
	size_t cap = slen / 4 * 3 * 1032 + 64;
	if (cap > ((size_t)1 << 26))
		cap = (size_t)1 << 26;
	uint8_t *raw = malloc(cap);
	if (raw == NULL)
		return DW_ENOMEM;
	size_t n;
	int rc = an_blob_unpack(s, raw, cap, &n);
	if (rc < 0)
		goto out;
	rc = DW_EFORMAT;
	const uint8_t *p = raw, *end = raw + n;
	uint64_t entries;
	if (n == 0 || *p++ != MAP_VERSION || get_varint(&p, end, &entries) < 0)
		goto out;
	char key[MAP_KEYMAX + 1];
	size_t klen = 0;
	for (uint64_t i = 0; i < entries; i++) {
		uint64_t pre, suf, cnt;
		if (get_varint(&p, end, &pre) < 0 || get_varint(&p, end, &suf) < 0 ||
		    pre > klen || suf > MAP_KEYMAX - pre || suf > (size_t)(end - p))
			goto out;
		/* strictly after the previous key, sharing exactly @p pre
		 * bytes with it: the first key is anything (even ""), a later
		 * one differs at byte pre and is larger there, or extends the
		 * previous key */
		if (i > 0) {
			if (pre < klen && (suf == 0 || p[0] <= (uint8_t)key[pre]))
				goto out;
			if (pre == klen && suf == 0)
				goto out;
		} else if (pre != 0) {
			goto out;
		}
		if (memchr(p, '\0', suf) != NULL)
			goto out;
		memcpy(key + pre, p, suf);
		p += suf;
		klen = pre + suf;
		key[klen] = '\0';
		if (get_varint(&p, end, &cnt) < 0 || cnt == 0)
			goto out;
		if ((rc = fn(ctx, key, cnt)) < 0)
			goto out;
		rc = DW_EFORMAT;
	}
	if (p == end)
		rc = 0;
out:
	free(raw);
	return rc;
}

int an_map_save(json_t *sketch, const char *key, an_kv_t *kv, size_t n,
		unsigned topk)
{
	if (topk == 0)
		return 0;
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		m += kv[i].n != 0 && strcmp(kv[i].key, OTHER) != 0;
	if (m <= topk)
		return 0; /* an_json_map did not cut: the figures are exact */
	json_t *s = an_map_pack(kv, n);
	if (s == NULL || json_object_set_new(sketch, key, s) < 0)
		return DW_ENOMEM;
	return 0;
}

static int add_member(void *ctx, const char *key, uint64_t n)
{
	return an_json_set_u64(ctx, key, n);
}

int an_map_load(const json_t *sketch, const char *key, json_t **out)
{
	*out = NULL;
	if (sketch != NULL && !json_is_object(sketch))
		return DW_EFORMAT;
	const json_t *s = json_object_get(sketch, key);
	if (s == NULL)
		return 0;
	json_t *o = json_object();
	if (o == NULL)
		return DW_ENOMEM;
	int rc = an_map_unpack(s, add_member, o);
	if (rc < 0) {
		json_decref(o);
		return rc;
	}
	*out = o;
	return 0;
}
