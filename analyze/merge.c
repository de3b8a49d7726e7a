/*
 * merge.c - the reduce step: rootlens.stats/1 documents in, one out.
 *
 * Figures are not added as JSON: each metric rebuilds its state from its
 * figures and sketch (ops->load), states are merged (ops->merge) and the
 * result is emitted again. So a metric alone decides how its numbers
 * combine (counters add, HyperLogLog registers take the maximum, ratios
 * are recomputed), and a merged document has exactly the layout of one
 * written by the engine.
 *
 * Everything whose order would depend on the order of the partials is
 * put in a canonical order (series by time, instances and inputs sorted),
 * so merge(a, b, c), merge(c, b, a) and merge(merge(a, b), c) write the
 * same document.
 *
 * Flags (flags.c) are computed from merged series, per instance: the
 * series of an instance's single-instance partials are merged once more
 * for that (merge_flags()), so grouping does not matter there either. A
 * partial that already merges several instances has no series per
 * instance: its flags are taken as they are, the one place where
 * merge(merge(a, c), b) can differ from merge(a, b, c) (a and b of one
 * instance, c of another): merge an instance's pieces first.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "rootlens/common.h"

#ifndef RL_VERSION
#define RL_VERSION "0.0.0"
#endif

/* One (figures, sketch) pair to merge, and the document it came from. */
typedef struct item {
	const json_t *fig;
	const json_t *sk;
	size_t doc;      /* the caller's 0-based index, for messages */
	size_t pos;      /* canonical position of its document: sort ties */
	int64_t start;   /* series entries: interval start */
	char *key;       /* instances: "server|instance" (owned) */
	const json_t *labels;
} item_t;

typedef struct mctx {
	an_cfg_t cfg_total, cfg_interval; /* outlive every state made here */
	const size_t *orig; /* canonical position -> caller's index */
	char *err;
	size_t errlen;
} mctx_t;

static void fail(mctx_t *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(mctx_t *m, const char *fmt, ...)
{
	va_list ap;
	if (!m->err || !m->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(m->err, m->errlen, fmt, ap);
	va_end(ap);
}

/* ---- validation ------------------------------------------------------------ */

static int need(mctx_t *m, const json_t *o, size_t d, const char *where, const char *key,
		int (*is)(const json_t *), const char *what)
{
	const json_t *v = json_object_get(o, key);
	if (v && is(v))
		return 0;
	fail(m, "document %zu: %s\"%s\" %s (%s expected)", d + 1, where, key,
	     v ? "has the wrong type" : "is missing", what);
	return -1;
}

static int is_object(const json_t *v) { return json_is_object(v); }
static int is_array(const json_t *v) { return json_is_array(v); }
static int is_integer(const json_t *v) { return json_is_integer(v); }
static int is_string(const json_t *v) { return json_is_string(v); }

static int entry_start(const json_t *e, int64_t *t)
{
	const json_t *s = json_object_get(e, "start");
	return json_is_string(s) && rl_time_parse(json_string_value(s), t) == 0 ? 0 : -1;
}

static int validate(mctx_t *m, const json_t *doc, size_t d, json_int_t *interval)
{
	const json_t *v, *sk;
	size_t i;

	if (!json_is_object(doc)) {
		fail(m, "document %zu: not a JSON object", d + 1);
		return -1;
	}
	if (need(m, doc, d, "", "schema", is_string, "a string") < 0)
		return -1;
	v = json_object_get(doc, "schema");
	if (strcmp(json_string_value(v), AN_SCHEMA)) {
		fail(m, "document %zu: schema \"%s\", this merge reads \"%s\"", d + 1,
		     json_string_value(v), AN_SCHEMA);
		return -1;
	}
	if (need(m, doc, d, "", "interval", is_integer, "seconds") < 0)
		return -1;
	json_int_t iv = json_integer_value(json_object_get(doc, "interval"));
	if (iv <= 0) {
		fail(m, "document %zu: interval %lld is not a positive number of seconds", d + 1,
		     (long long)iv);
		return -1;
	}
	if (d == 0)
		*interval = iv;
	else if (iv != *interval) {
		fail(m, "document %zu: interval %llds differs from document 1 (%llds); "
		     "series of different intervals cannot be merged", d + 1, (long long)iv,
		     (long long)*interval);
		return -1;
	}
	if (need(m, doc, d, "", "inputs", is_array, "an array") < 0 ||
	    need(m, doc, d, "", "labels", is_object, "an object") < 0 ||
	    need(m, doc, d, "", "totals", is_object, "an object") < 0 ||
	    need(m, doc, d, "", "series", is_array, "an array") < 0 ||
	    need(m, doc, d, "", "sketch", is_object, "an object") < 0)
		return -1;
	sk = json_object_get(doc, "sketch");
	if (need(m, sk, d, "sketch: ", "totals", is_object, "an object") < 0 ||
	    need(m, sk, d, "sketch: ", "series", is_array, "an array") < 0)
		return -1;
	json_array_foreach(json_object_get(doc, "series"), i, v) {
		int64_t t;
		if (!json_is_object(v) || entry_start(v, &t) < 0) {
			fail(m, "document %zu: series entry %zu has no valid \"start\"", d + 1, i + 1);
			return -1;
		}
	}
	json_t *in = json_object_get(doc, "instances");
	if (in) {
		const char *k;
		json_t *inst;
		const json_t *ski = json_object_get(sk, "instances");
		if (!json_is_object(in) || (ski && !json_is_object(ski))) {
			fail(m, "document %zu: \"instances\" is not an object", d + 1);
			return -1;
		}
		json_object_foreach(in, k, inst) {
			if (!json_is_object(inst) ||
			    !json_is_object(json_object_get(inst, "totals"))) {
				fail(m, "document %zu: instance \"%s\" has no \"totals\" object",
				     d + 1, k);
				return -1;
			}
		}
	}
	return 0;
}

/* ---- the figures the engine adds beside the metrics ------------------------- */

/* acc[key] += v for every key of the count map @p src. */
static int add_map(json_t *acc, json_t *src)
{
	const char *k;
	json_t *v;

	if (!src)
		return 0;
	if (!json_is_object(src))
		return DW_EFORMAT;
	json_object_foreach(src, k, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return DW_EFORMAT;
		json_t *a = json_object_get(acc, k);
		json_int_t n = json_integer_value(v) + (a ? json_integer_value(a) : 0);
		if (json_object_set_new(acc, k, json_integer(n)) < 0)
			return DW_ENOMEM;
	}
	return 0;
}

static int add_u64(uint64_t *acc, const json_t *fig, const char *key)
{
	uint64_t v;
	int rc = an_json_get_u64(fig, key, &v);
	*acc += v;
	return rc;
}

/* packets, packets_without_dns, reassembly, late_messages of @p n items
 * into @p out (totals only: series entries do not carry them). */
static int merge_extras(mctx_t *m, const item_t *it, size_t n, json_t *out)
{
	uint64_t packets = 0, late = 0;
	json_t *pwd = json_object(), *re = json_object();
	an_kv_t *kv = NULL;
	int rc = DW_ENOMEM;

	if (!pwd || !re)
		goto out;
	for (size_t i = 0; an_reasm_keys[i]; i++)
		if (json_object_set_new(re, an_reasm_keys[i], json_integer(0)) < 0)
			goto out;
	for (size_t j = 0; j < n; j++) {
		if ((rc = add_u64(&packets, it[j].fig, "packets")) < 0 ||
		    (rc = add_u64(&late, it[j].fig, "late_messages")) < 0 ||
		    (rc = add_map(pwd, json_object_get(it[j].fig, "packets_without_dns"))) < 0 ||
		    (rc = add_map(re, json_object_get(it[j].fig, "reassembly"))) < 0) {
			if (rc == DW_EFORMAT)
				fail(m, "document %zu: packets, packets_without_dns, reassembly "
				     "or late_messages is not a count", it[j].doc + 1);
			goto out;
		}
	}
	/* packets_without_dns is a map like any other: descending counts. */
	size_t nk = 0;
	const char *k;
	json_t *v;
	rc = DW_ENOMEM;
	if (!(kv = malloc((json_object_size(pwd) + 1) * sizeof(*kv))))
		goto out;
	json_object_foreach(pwd, k, v) {
		kv[nk].key = k;
		kv[nk++].n = (uint64_t)json_integer_value(v);
	}
	json_t *map = an_json_map(kv, nk, 0);
	if (an_json_set_u64(out, "packets", packets) < 0 ||
	    json_object_set_new(out, "packets_without_dns", map) < 0)
		goto out;
	int bad = json_object_set_new(out, "reassembly", re) < 0;
	re = NULL;
	if (bad || an_json_set_u64(out, "late_messages", late) < 0)
		goto out;
	rc = 0;
out:
	free(kv);
	json_decref(pwd);
	json_decref(re);
	return rc;
}

/* ---- merging figures through the metrics ------------------------------------ */

/*
 * Merge @p n items into new figures and sketch objects (which @p fig_out and
 * @p sk_out already exist and may hold "start"). @p what names the part
 * for messages ("totals", "series 2010-05-05T00:00:00Z").
 */
static int merge_items(mctx_t *m, const item_t *it, size_t n, const an_cfg_t *cfg,
		       int extras, const char *what, json_t *fig_out, json_t *sk_out)
{
	an_set_t acc, tmp;
	const char *which = "?";
	int rc;

	if ((rc = an_set_init(&acc, cfg)) < 0)
		return rc;
	for (size_t j = 0; j < n; j++) {
		/* The first loads straight into the (fresh) accumulator. */
		an_set_t *dst = &acc;
		if (j > 0) {
			if ((rc = an_set_init(&tmp, cfg)) < 0)
				goto out;
			dst = &tmp;
		}
		rc = an_set_load(dst, it[j].fig, it[j].sk, &which);
		if (rc == DW_EFORMAT)
			fail(m, "document %zu: %s: figures or sketch of metric \"%s\" are not "
			     "what rootlens writes", it[j].doc + 1, what, which);
		if (rc == 0 && j > 0)
			rc = an_set_merge(&acc, &tmp);
		if (j > 0)
			an_set_fini(&tmp);
		if (rc < 0)
			goto out;
	}
	if ((rc = an_set_emit(&acc, fig_out)) < 0 || (rc = an_set_save(&acc, sk_out)) < 0)
		goto out;
	if (extras)
		rc = merge_extras(m, it, n, fig_out);
out:
	an_set_fini(&acc);
	return rc;
}

static int cmp_start(const void *a, const void *b)
{
	const item_t *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The sketch series entry of document @p doc for the series entry at @p idx:
 * normally the same index, else found by its start. */
static const json_t *sketch_entry(const json_t *doc, size_t idx, int64_t start)
{
	const json_t *ss = json_object_get(json_object_get(doc, "sketch"), "series"), *e;
	size_t i;
	int64_t t;

	e = json_array_get(ss, idx);
	if (e && entry_start(e, &t) == 0 && t == start)
		return e;
	json_array_foreach(ss, i, e)
		if (entry_start(e, &t) == 0 && t == start)
			return e;
	return NULL;
}

static int merge_series(mctx_t *m, json_t *const *docs, size_t n, json_t *series,
			json_t *sk_series)
{
	size_t total = 0, k = 0;
	item_t *it;
	int rc = 0;

	for (size_t d = 0; d < n; d++)
		total += json_array_size(json_object_get(docs[d], "series"));
	if (!(it = calloc(total ? total : 1, sizeof(*it))))
		return DW_ENOMEM;
	for (size_t d = 0; d < n; d++) {
		const json_t *e;
		size_t i;
		json_array_foreach(json_object_get(docs[d], "series"), i, e) {
			it[k].fig = e;
			it[k].doc = m->orig[d];
			it[k].pos = d;
			entry_start(e, &it[k].start); /* checked by validate() */
			it[k].sk = sketch_entry(docs[d], i, it[k].start);
			k++;
		}
	}
	qsort(it, total, sizeof(*it), cmp_start);
	for (size_t a = 0, b; a < total && rc == 0; a = b) {
		char ts[RL_TIME_STRMAX], what[64];
		json_t *fig = json_object(), *sk = json_object();

		for (b = a + 1; b < total && it[b].start == it[a].start; b++)
			;
		rl_time_iso8601(it[a].start, ts);
		snprintf(what, sizeof(what), "series %s", ts);
		rc = DW_ENOMEM;
		if (fig && sk && json_object_set_new(fig, "start", json_string(ts)) == 0 &&
		    json_object_set_new(sk, "start", json_string(ts)) == 0)
			rc = merge_items(m, it + a, b - a, &m->cfg_interval, 0, what, fig, sk);
		if (rc == 0 && (json_array_append(series, fig) < 0 ||
				json_array_append(sk_series, sk) < 0))
			rc = DW_ENOMEM;
		json_decref(fig);
		json_decref(sk);
	}
	free(it);
	return rc;
}

/* ---- labels, inputs, instances ------------------------------------------- */

static const char *const label_keys[] = { "server", "instance", "phase", NULL };

/* Equal values kept, differing ones "*"; missing counts as null. */
static json_t *merge_labels(const json_t *const *labels, size_t n)
{
	json_t *out = json_object();
	if (!out)
		return NULL;
	for (size_t i = 0; label_keys[i]; i++) {
		const json_t *v = NULL;
		int differ = 0;
		for (size_t j = 0; j < n; j++) {
			const json_t *x = json_object_get(labels[j], label_keys[i]);
			if (!x)
				x = json_null();
			if (j == 0)
				v = x;
			else if (!json_equal(v, x))
				differ = 1;
		}
		json_t *nv = differ ? json_string("*") : v ? json_deep_copy(v) : json_null();
		if (json_object_set_new(out, label_keys[i], nv) < 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

static const char *str_or(const json_t *v, const char *dflt)
{
	return json_is_string(v) ? json_string_value(v) : dflt;
}

static int cmp_input(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c = strcmp(str_or(json_object_get(x, "file"), ""),
		       str_or(json_object_get(y, "file"), ""));
	if (c)
		return c;
	c = strcmp(str_or(json_object_get(x, "sha256"), ""),
		   str_or(json_object_get(y, "sha256"), ""));
	if (c)
		return c;
	json_int_t bx = json_integer_value(json_object_get(x, "bytes"));
	json_int_t by = json_integer_value(json_object_get(y, "bytes"));
	return bx < by ? -1 : bx > by;
}

/* Same file with the same checksum: one capture counted once in the list.
 * Entries without a checksum (stdin) are never taken as the same. */
static int same_input(const json_t *x, const json_t *y)
{
	const json_t *sx = json_object_get(x, "sha256"), *sy = json_object_get(y, "sha256");
	return json_is_string(sx) && json_is_string(sy) && json_equal(sx, sy) &&
	       !strcmp(str_or(json_object_get(x, "file"), ""),
		       str_or(json_object_get(y, "file"), ""));
}

static json_t *merge_inputs(json_t *const *docs, size_t n)
{
	size_t total = 0, k = 0;
	json_t **all, *out = NULL;

	for (size_t d = 0; d < n; d++)
		total += json_array_size(json_object_get(docs[d], "inputs"));
	if (!(all = calloc(total ? total : 1, sizeof(*all))))
		return NULL;
	for (size_t d = 0; d < n; d++) {
		json_t *e;
		size_t i;
		json_array_foreach(json_object_get(docs[d], "inputs"), i, e)
			all[k++] = e;
	}
	qsort(all, total, sizeof(*all), cmp_input);
	if (!(out = json_array()))
		goto out;
	for (size_t i = 0; i < total; i++) {
		if (i > 0 && same_input(all[i - 1], all[i]))
			continue;
		if (json_array_append_new(out, json_deep_copy(all[i])) < 0) {
			json_decref(out);
			out = NULL;
			goto out;
		}
	}
out:
	free(all);
	return out;
}

static char *instance_key(const json_t *labels)
{
	const char *s = str_or(json_object_get(labels, "server"), "");
	const char *i = str_or(json_object_get(labels, "instance"), "");
	size_t len = strlen(s) + strlen(i) + 2;
	char *k = malloc(len);
	if (k)
		snprintf(k, len, "%s|%s", s, i);
	return k;
}

static int cmp_key(const void *a, const void *b)
{
	const item_t *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	if (c)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/*
 * Per-instance totals: every document contributes its own instances when it
 * has them (it is itself a merge across instances), else its totals under
 * its server|instance. Written only when more than one instance is seen.
 */
static int merge_instances(mctx_t *m, json_t *const *docs, size_t n, json_t *out_doc,
			   json_t *out_sk)
{
	size_t total = 0, k = 0, distinct = 0;
	item_t *it;
	json_t *inst = NULL, *skinst = NULL;
	const json_t **labels = NULL;
	int rc = DW_ENOMEM;

	for (size_t d = 0; d < n; d++) {
		const json_t *i = json_object_get(docs[d], "instances");
		total += i ? json_object_size(i) : 1;
	}
	if (!(it = calloc(total ? total : 1, sizeof(*it))) ||
	    !(labels = calloc(total ? total : 1, sizeof(*labels))))
		goto out;
	for (size_t d = 0; d < n; d++) {
		const json_t *sk = json_object_get(docs[d], "sketch");
		json_t *in = json_object_get(docs[d], "instances");
		if (!in) {
			it[k].labels = json_object_get(docs[d], "labels");
			it[k].fig = json_object_get(docs[d], "totals");
			it[k].sk = json_object_get(sk, "totals");
			it[k].doc = m->orig[d];
			it[k].pos = d;
			if (!(it[k].key = instance_key(it[k].labels)))
				goto out;
			k++;
			continue;
		}
		const char *key;
		json_t *v;
		json_object_foreach(in, key, v) {
			it[k].labels = json_object_get(v, "labels");
			it[k].fig = json_object_get(v, "totals");
			it[k].sk = json_object_get(json_object_get(sk, "instances"), key);
			it[k].doc = m->orig[d];
			it[k].pos = d;
			if (!(it[k].key = strdup(key)))
				goto out;
			k++;
		}
	}
	qsort(it, total, sizeof(*it), cmp_key);
	for (size_t a = 0; a < total; a++)
		distinct += a == 0 || strcmp(it[a].key, it[a - 1].key);
	rc = 0;
	if (distinct < 2)
		goto out;
	rc = DW_ENOMEM;
	if (!(inst = json_object()) || !(skinst = json_object()))
		goto out;
	for (size_t a = 0, b; a < total; a = b) {
		char what[300];
		json_t *e = json_object(), *fig = json_object(), *sk = json_object();
		for (b = a + 1; b < total && !strcmp(it[b].key, it[a].key); b++)
			;
		for (size_t j = a; j < b; j++)
			labels[j - a] = it[j].labels;
		snprintf(what, sizeof(what), "instance %s", it[a].key);
		rc = DW_ENOMEM;
		if (e && fig && sk &&
		    json_object_set_new(e, "labels", merge_labels(labels, b - a)) == 0)
			rc = merge_items(m, it + a, b - a, &m->cfg_total, 1, what, fig, sk);
		if (rc == 0 && (json_object_set(e, "totals", fig) < 0 ||
				json_object_set(inst, it[a].key, e) < 0 ||
				json_object_set(skinst, it[a].key, sk) < 0))
			rc = DW_ENOMEM;
		json_decref(e);
		json_decref(fig);
		json_decref(sk);
		if (rc < 0)
			goto out;
	}
	rc = 0;
	if (json_object_set(out_doc, "instances", inst) < 0 ||
	    json_object_set(out_sk, "instances", skinst) < 0)
		rc = DW_ENOMEM;
out:
	if (it)
		for (size_t a = 0; a < total; a++)
			free(it[a].key);
	free(it);
	free(labels);
	json_decref(inst);
	json_decref(skinst);
	return rc;
}

/* ---- flags --------------------------------------------------------------- */

/* The rules of this merge: cfg's members where flag_set says so, else the
 * strictest (largest) of the partials' "flag_rules", else the defaults. */
static int merge_rules(mctx_t *m, json_t *const *docs, size_t n, const an_cfg_t *cfg,
		       an_flag_rules_t *r)
{
	an_flag_rules_t best, x;
	int have = 0;

	an_flag_rules_default(&best);
	for (size_t d = 0; d < n; d++) {
		const json_t *fr = json_object_get(docs[d], "flag_rules");
		if (!fr)
			continue;
		if (an_flag_rules_parse(fr, &x) < 0) {
			fail(m, "document %zu: \"flag_rules\" is not what rootlens writes", m->orig[d] + 1);
			return DW_EFORMAT;
		}
		if (!have) {
			best = x;
			have = 1;
			continue;
		}
		best.share_pct = fmax(best.share_pct, x.share_pct);
		best.factor = fmax(best.factor, x.factor);
		best.repeat_qps = fmax(best.repeat_qps, x.repeat_qps);
		best.min_qps = fmax(best.min_qps, x.min_qps);
		if (x.min_intervals > best.min_intervals)
			best.min_intervals = x.min_intervals;
		if (x.window > best.window)
			best.window = x.window;
	}
	*r = best;
	if (cfg) {
		unsigned set = cfg->flag_set;
		if (set & AN_FLAG_SHARE)
			r->share_pct = cfg->flag.share_pct;
		if (set & AN_FLAG_FACTOR)
			r->factor = cfg->flag.factor;
		if (set & AN_FLAG_REPEAT)
			r->repeat_qps = cfg->flag.repeat_qps;
		if (set & AN_FLAG_MIN_QPS)
			r->min_qps = cfg->flag.min_qps;
		if (set & AN_FLAG_MIN_INTERVALS)
			r->min_intervals = cfg->flag.min_intervals;
		if (set & AN_FLAG_WINDOW)
			r->window = cfg->flag.window;
	}
	return 0;
}

/* A flag and where it sorts (by interval, excess, kind, subject, instance). */
typedef struct mflag {
	json_t *f;
	int64_t t;
	json_int_t excess;
	const char *kind, *subj, *inst;
} mflag_t;

static int kind_rank(const char *k)
{
	return !strcmp(k, "prefix") ? 0 : !strcmp(k, "source") ? 1 : !strcmp(k, "asn") ? 2 : 3;
}

static int cmp_mflag(const void *a, const void *b)
{
	const mflag_t *x = a, *y = b;
	int c;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->excess != y->excess)
		return x->excess > y->excess ? -1 : 1;
	if ((c = kind_rank(x->kind) - kind_rank(y->kind)) != 0)
		return c;
	if ((c = strcmp(x->kind, y->kind)) != 0 || (c = strcmp(x->subj, y->subj)) != 0)
		return c;
	return strcmp(x->inst, y->inst);
}

/* Same subject, interval and instance: one flag of two partials. */
static int same_flag(const mflag_t *x, const mflag_t *y)
{
	return x->t == y->t && !strcmp(x->kind, y->kind) && !strcmp(x->subj, y->subj) &&
	       !strcmp(x->inst, y->inst);
}

/* Keep @p f (a flag: taken) tagged with instance @p inst, "instance"
 * right after "interval_start". @return 0, DW_ENOMEM, DW_EFORMAT. */
static int add_flag(mflag_t **v, size_t *n, size_t *cap, json_t *f, const char *inst)
{
	json_t *g = json_object(), *x;
	const char *k;
	int rc = DW_ENOMEM;

	if (!g)
		goto out;
	json_object_foreach(f, k, x) {
		if (!strcmp(k, "instance"))
			continue;
		if (json_object_set(g, k, x) < 0)
			goto out;
		if (!strcmp(k, "interval_start") &&
		    json_object_set_new(g, "instance", json_string(inst)) < 0)
			goto out;
	}
	rc = DW_EFORMAT;
	const json_t *st = json_object_get(g, "interval_start");
	const json_t *ex = json_object_get(g, "excess_queries");
	mflag_t mf = { g, 0, 0, json_string_value(json_object_get(g, "kind")),
		       json_string_value(json_object_get(g, "subject")),
		       json_string_value(json_object_get(g, "instance")) };
	if (!json_is_string(st) || rl_time_parse(json_string_value(st), &mf.t) < 0 ||
	    !json_is_integer(ex) || !mf.kind || !mf.subj || !mf.inst)
		goto out;
	mf.excess = json_integer_value(ex);
	rc = DW_ENOMEM;
	if (*n == *cap) {
		size_t nc = *cap ? 2 * *cap : 64;
		mflag_t *p = realloc(*v, nc * sizeof(*p));
		if (!p)
			goto out;
		*v = p;
		*cap = nc;
	}
	(*v)[(*n)++] = mf;
	g = NULL;
	rc = 0;
out:
	json_decref(g);
	json_decref(f);
	return rc;
}

/* The better of two flags of one subject: more queries, then the text. */
static int better(const mflag_t *x, const mflag_t *y)
{
	json_int_t a = json_integer_value(json_object_get(x->f, "queries"));
	json_int_t b = json_integer_value(json_object_get(y->f, "queries"));
	if (a != b)
		return a > b;
	char *s = json_dumps(x->f, JSON_COMPACT | JSON_SORT_KEYS);
	char *t = json_dumps(y->f, JSON_COMPACT | JSON_SORT_KEYS);
	int r = s && t && strcmp(s, t) < 0;
	free(s);
	free(t);
	return r;
}

/*
 * "flag_rules" and "flags" of the merged document @p out (whose series
 * and sketch series are @p series, @p sk_series). One instance, every
 * partial single-instance: the flags of the merged series. Else per
 * instance whose partials are single-instance documents, the flags of
 * those partials' merged series, tagged with the instance; the flags of a
 * partial that is itself a merge of several instances as they are; one
 * flag per instance, interval and subject (the one counting more).
 */
static int merge_flags(mctx_t *m, json_t *const *docs, size_t n, const an_cfg_t *cfg,
		       json_t *out, json_t *series, json_t *sk_series)
{
	an_flag_rules_t r;
	char **key = NULL;
	mflag_t *v = NULL;
	size_t nv = 0, capv = 0, distinct = 0;
	int multi = 0, rc;
	json_t *flags = NULL, *wrap = NULL, *arr = NULL, *f;
	json_t *sub_series = NULL, *sub_sk = NULL, **sub = NULL;
	size_t i, *sub_orig = NULL;
	const size_t *orig = m->orig;

	if ((rc = merge_rules(m, docs, n, cfg, &r)) < 0)
		return rc;
	rc = DW_ENOMEM;
	if (!(key = calloc(n, sizeof(*key))) || !(sub = calloc(n, sizeof(*sub))) ||
	    !(sub_orig = calloc(n, sizeof(*sub_orig))))
		goto out;
	for (size_t d = 0; d < n; d++) {
		if (json_object_get(docs[d], "instances")) {
			multi = 1;
			continue;
		}
		if (!(key[d] = instance_key(json_object_get(docs[d], "labels"))))
			goto out;
		size_t e;
		for (e = 0; e < d && (!key[e] || strcmp(key[e], key[d])); e++)
			;
		distinct += e == d;
	}
	if (!multi && distinct <= 1) {
		/* one instance: the merged series itself */
		if (!(wrap = json_pack("{s:O,s:O,s:{s:O}}", "interval",
				       json_object_get(out, "interval"), "series", series,
				       "sketch", "series", sk_series)))
			goto out;
		if ((rc = an_flags_compute(wrap, &r, &flags)) < 0)
			goto out;
		goto set;
	}
	/* per single instance, from its partials' merged series */
	for (size_t d = 0; d < n; d++) {
		size_t e, ns = 0;
		if (!key[d])
			continue;
		for (e = 0; e < d && (!key[e] || strcmp(key[e], key[d])); e++)
			;
		if (e < d)
			continue; /* done with the first of its instance */
		for (e = d; e < n; e++)
			if (key[e] && !strcmp(key[e], key[d])) {
				sub_orig[ns] = orig[e];
				sub[ns++] = docs[e];
			}
		json_decref(wrap);
		wrap = NULL;
		rc = DW_ENOMEM;
		if (ns == 1) {
			wrap = json_incref(docs[d]);
		} else {
			if (!(sub_series = json_array()) || !(sub_sk = json_array()))
				goto out;
			/* a subset of the documents, in canonical order */
			m->orig = sub_orig;
			rc = merge_series(m, sub, ns, sub_series, sub_sk);
			m->orig = orig;
			if (rc < 0)
				goto out;
			rc = DW_ENOMEM;
			wrap = json_pack("{s:O,s:o,s:{s:o}}", "interval",
					 json_object_get(out, "interval"), "series", sub_series,
					 "sketch", "series", sub_sk);
			sub_series = sub_sk = NULL;
			if (!wrap)
				goto out;
		}
		if ((rc = an_flags_compute(wrap, &r, &arr)) < 0)
			goto out;
		json_array_foreach(arr, i, f)
			if ((rc = add_flag(&v, &nv, &capv, json_incref(f), key[d])) < 0)
				goto out;
		json_decref(arr);
		arr = NULL;
	}
	/* the flags of merges of several instances, as they are */
	for (size_t d = 0; d < n; d++) {
		const json_t *pf = json_object_get(docs[d], "flags");
		if (key[d] || !pf)
			continue;
		if (!json_is_array(pf)) {
			rc = DW_EFORMAT;
			goto bad;
		}
		json_array_foreach(pf, i, f) {
			const char *inst = json_string_value(json_object_get(f, "instance"));
			if (!json_is_object(f) || !inst) {
				rc = DW_EFORMAT;
				goto bad;
			}
			if ((rc = add_flag(&v, &nv, &capv, json_incref(f), inst)) < 0)
				goto bad;
		}
		continue;
bad:
		if (rc == DW_EFORMAT)
			fail(m, "document %zu: \"flags\" is not what rootlens writes", m->orig[d] + 1);
		goto out;
	}
	if (nv)
		qsort(v, nv, sizeof(*v), cmp_mflag);
	rc = DW_ENOMEM;
	if (!(flags = json_array()))
		goto out;
	for (size_t a = 0, b; a < nv; a = b) {
		size_t best = a;
		for (b = a + 1; b < nv && same_flag(&v[a], &v[b]); b++)
			if (better(&v[b], &v[best]))
				best = b;
		if (json_array_append(flags, v[best].f) < 0)
			goto out;
	}
set:
	rc = DW_ENOMEM;
	if (json_object_set_new(out, "flag_rules", an_flag_rules_json(&r)) < 0)
		goto out;
	rc = json_object_set_new(out, "flags", flags) < 0 ? DW_ENOMEM : 0;
	flags = NULL;
out:
	for (size_t d = 0; key && d < n; d++)
		free(key[d]);
	free(key);
	free(sub);
	free(sub_orig);
	for (size_t a = 0; a < nv; a++)
		json_decref(v[a].f);
	free(v);
	json_decref(flags);
	json_decref(wrap);
	json_decref(arr);
	json_decref(sub_series);
	json_decref(sub_sk);
	return rc;
}

/* min of "start", max of "end" (nulls are documents without messages). */
static json_t *bound(json_t *const *docs, size_t n, const char *key, int want_max)
{
	const json_t *best = NULL;
	int64_t bt = 0, t;
	for (size_t d = 0; d < n; d++) {
		const json_t *v = json_object_get(docs[d], key);
		if (!json_is_string(v) || rl_time_parse(json_string_value(v), &t) < 0)
			continue;
		if (!best || (want_max ? t > bt : t < bt)) {
			best = v;
			bt = t;
		}
	}
	return best ? json_deep_copy(best) : json_null();
}

/* A document and the key that puts it in canonical order. */
typedef struct ord {
	json_t *doc;
	size_t idx;
	char *key;
} ord_t;

static int cmp_ord(const void *a, const void *b)
{
	const ord_t *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * The partials in an order that does not depend on the caller's: by their
 * inputs, labels and start. Metrics whose merge depends on order (a capped
 * table that keeps the keys it saw first) then still give merge(a, b) ==
 * merge(b, a).
 */
static int canonical(json_t *const *docs, size_t n, json_t **sorted, size_t *orig)
{
	ord_t *o = calloc(n, sizeof(*o));
	int rc = 0;

	if (!o)
		return DW_ENOMEM;
	for (size_t d = 0; d < n && rc == 0; d++) {
		json_t *k = json_pack("[OOO]", json_object_get(docs[d], "inputs"),
				      json_object_get(docs[d], "labels"),
				      json_object_get(docs[d], "start"));
		o[d].doc = docs[d];
		o[d].idx = d;
		o[d].key = k ? json_dumps(k, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		json_decref(k);
		if (!o[d].key)
			rc = DW_ENOMEM;
	}
	if (rc == 0) {
		qsort(o, n, sizeof(*o), cmp_ord);
		for (size_t d = 0; d < n; d++) {
			sorted[d] = o[d].doc;
			orig[d] = o[d].idx;
		}
	}
	for (size_t d = 0; d < n; d++)
		free(o[d].key);
	free(o);
	return rc;
}

json_t *an_merge(json_t *const *docs_in, size_t n, const an_cfg_t *cfg, char *err,
		 size_t errlen)
{
	mctx_t m = { .err = err, .errlen = errlen };
	json_t **docs = NULL;
	size_t *orig = NULL;
	json_int_t interval = 0;
	json_t *out = NULL, *tot = NULL, *sk = NULL, *skt = NULL, *series = NULL,
	       *sk_series = NULL;
	const json_t **labels = NULL;
	item_t *it = NULL;
	int rc = DW_ENOMEM;

	if (err && errlen)
		err[0] = '\0';
	if (n == 0) {
		fail(&m, "no documents to merge");
		return NULL;
	}
	for (size_t d = 0; d < n; d++)
		if (validate(&m, docs_in[d], d, &interval) < 0)
			return NULL;
	if (cfg)
		m.cfg_total = *cfg;
	else
		an_cfg_default(&m.cfg_total);
	m.cfg_total.interval_s = (unsigned)interval;
	m.cfg_total.scope = AN_SCOPE_TOTAL;
	m.cfg_interval = m.cfg_total;
	m.cfg_interval.scope = AN_SCOPE_INTERVAL;

	if (!(it = calloc(n, sizeof(*it))) || !(labels = calloc(n, sizeof(*labels))) ||
	    !(docs = calloc(n, sizeof(*docs))) || !(orig = calloc(n, sizeof(*orig))))
		goto out;
	if ((rc = canonical(docs_in, n, docs, orig)) < 0)
		goto out;
	m.orig = orig;
	rc = DW_ENOMEM;
	for (size_t d = 0; d < n; d++) {
		it[d].fig = json_object_get(docs[d], "totals");
		it[d].sk = json_object_get(json_object_get(docs[d], "sketch"), "totals");
		it[d].doc = orig[d];
		labels[d] = json_object_get(docs[d], "labels");
	}
	if (!(out = json_object()) || !(tot = json_object()) || !(sk = json_object()) ||
	    !(skt = json_object()) || !(series = json_array()) || !(sk_series = json_array()))
		goto out;
	/* Key order as doc/stats-json.md gives it. */
	if (json_object_set_new(out, "schema", json_string(AN_SCHEMA)) < 0 ||
	    json_object_set_new(out, "generator", json_string("rootlens " RL_VERSION)) < 0 ||
	    json_object_set_new(out, "inputs", merge_inputs(docs, n)) < 0 ||
	    json_object_set_new(out, "labels", merge_labels(labels, n)) < 0 ||
	    json_object_set_new(out, "interval", json_integer(interval)) < 0 ||
	    json_object_set_new(out, "start", bound(docs, n, "start", 0)) < 0 ||
	    json_object_set_new(out, "end", bound(docs, n, "end", 1)) < 0)
		goto out;
	if ((rc = merge_items(&m, it, n, &m.cfg_total, 1, "totals", tot, skt)) < 0 ||
	    (rc = merge_series(&m, docs, n, series, sk_series)) < 0)
		goto out;
	rc = DW_ENOMEM;
	if (json_object_set(out, "totals", tot) < 0 || json_object_set(out, "series", series) < 0 ||
	    json_object_set(sk, "totals", skt) < 0 || json_object_set(sk, "series", sk_series) < 0)
		goto out;
	/* "instances", "flag_rules" and "flags" sit between "series" and
	 * "sketch" in the document. */
	if ((rc = merge_instances(&m, docs, n, out, sk)) < 0 ||
	    (rc = merge_flags(&m, docs, n, cfg, out, series, sk_series)) < 0)
		goto out;
	rc = json_object_set(out, "sketch", sk) < 0 ? DW_ENOMEM : 0;
out:
	free(it);
	free(labels);
	free(docs);
	free(orig);
	json_decref(tot);
	json_decref(sk);
	json_decref(skt);
	json_decref(series);
	json_decref(sk_series);
	if (rc < 0) {
		if (err && errlen && !err[0])
			snprintf(err, errlen, "merge failed: %s", dw_strerror(rc));
		json_decref(out);
		return NULL;
	}
	return out;
}
