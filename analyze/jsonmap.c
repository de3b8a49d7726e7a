/*
 * jsonmap.c - JSON helpers shared by the metrics (metric.h): integer
 * members, percentages, and counter maps in the order doc/stats-json.md
 * fixes (descending count, ties by key, "other" last).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metric.h"
#include "rootlens/errcode.h"

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
