/*
 * metric.h - what a metric is (STYLE.md 2.9): an ops table over a state
 * struct. Each metric lives in analyze/metrics/m_<name>.c, exports one
 * `const metric_ops_t m_<name>`, and is listed once in registry.c. Its
 * state lives in memory the engine allocates (ops->size bytes, zeroed);
 * nothing lives in file-scope statics. A metric can be tested alone by
 * handing observe() an an_obs_t built in the test.
 */
#ifndef ROOTLENS_ANALYZE_METRIC_H
#define ROOTLENS_ANALYZE_METRIC_H

#include <jansson.h>
#include <stddef.h>

#include "rootlens/analyze.h"

/** One DNS message as metrics see it. Everything is borrowed. */
typedef struct an_obs {
	const nl_dns_t *pkt;   /**< addresses, ports, transport, wire_len */
	const dw_msg_t *msg;   /**< the decoded view; msg->have_header is 1 */
	unsigned tr;           /**< 0 UDP, 1 TCP */
	unsigned v6;           /**< 0 IPv4, 1 IPv6 */
	const char *tld;       /**< lowercased TLD of the first QNAME ("." for
				    the root), NULL without a question */
	/** strlen(tld) when the engine computed it, 0 when not given (a
	 *  test that sets only tld): metrics then compute it themselves. */
	size_t tld_len;
	/** an_tld_hash(tld, tld_len) (analyze/tld_table.h); valid only when
	 *  tld_len is not 0. */
	uint32_t tld_hash;
} an_obs_t;

typedef struct metric_ops {
	const char *name; /**< key of its state under "sketch" */
	size_t size;      /**< bytes of state */
	/** Set up a zeroed state for @p cfg (kept by pointer: it outlives the
	 *  state). Allocation happens here only. @return 0 or DW_ENOMEM. */
	int (*init)(void *st, const an_cfg_t *cfg);
	/** Count one message. No allocation. */
	void (*observe)(void *st, const an_obs_t *o);
	/** dst += src (same cfg). @return 0, DW_ENOMEM, DW_EINVAL (sketch
	 *  sizes differ). */
	int (*merge)(void *dst, const void *src);
	/** Add this metric's figures to @p figures (keys as in
	 *  doc/stats-json.md; interval scope cuts maps). @return 0, DW_ENOMEM. */
	int (*emit)(const void *st, json_t *figures);
	/** Add what merge needs beyond the figures to @p sketch (may add
	 *  nothing). @return 0, DW_ENOMEM. */
	int (*save)(const void *st, json_t *sketch);
	/** Rebuild a state from what emit and save wrote (the state is fresh
	 *  from init). @return 0, or DW_EFORMAT when the JSON is not what this
	 *  metric writes. */
	int (*load)(void *st, const json_t *figures, const json_t *sketch);
	/** Free what init allocated (the state memory is the engine's). */
	void (*fini)(void *st);
	/**
	 * Non-zero when the whole-run state may be built by folding: the
	 * engine then observes each message into its interval state only and
	 * merge()s that state into the whole-run one when the interval closes.
	 * Set it only when merge() is exact (the merged state emits and saves
	 * exactly what observing every message into it would) and cheap next
	 * to an interval's messages, and when observe() does not depend on
	 * the scope (e.g. no capacity taken from cfg->scope): counters qualify;
	 * Space-Saving, whose merge loosens the error bound, does not.
	 */
	int fold_into_total;
	/**
	 * Optional: count one message into two states of this metric, exactly
	 * as observe(@p a, @p o) then observe(@p b, @p o) would, sharing the
	 * per-message work (hashes, look-ups). The engine uses it for metrics
	 * that observe both scopes. NULL: the engine calls observe() twice.
	 */
	void (*observe2)(void *a, void *b, const an_obs_t *o);
} metric_ops_t;

/** The registry: every metric, NULL-terminated (registry.c). */
extern const metric_ops_t *const an_metrics[];

/* ---- helpers shared by the metrics (analyze/jsonmap.c) ---------------- */

/** Set @p key to an integer in @p obj. @return 0 or DW_ENOMEM. */
int an_json_set_u64(json_t *obj, const char *key, uint64_t v);

/** Read a non-negative integer member; missing is 0. @return 0 or DW_EFORMAT. */
int an_json_get_u64(const json_t *obj, const char *key, uint64_t *v);

/** Percentage a/b*100 rounded to 4 decimals, or JSON null when b == 0. */
json_t *an_json_pct(uint64_t a, uint64_t b);

/**
 * A counter map (string key -> count) as JSON: keys in descending count
 * order (ties by key), cut to @p topk keys plus "other" holding the rest
 * when @p topk is non-zero and there are more keys.
 */
typedef struct an_kv {
	const char *key;
	uint64_t n;
} an_kv_t;
json_t *an_json_map(an_kv_t *kv, size_t n, unsigned topk);

/*
 * The full map behind a cut one, for the sketch (doc/stats-json.md,
 * SKETCH): keys sorted and front-coded, counts as varints, zlib, base64.
 * Zero counts are left out and equal keys add up, so equal maps pack to
 * equal strings.
 */

/** Pack @p n entries of @p kv (reordered: sorted by key) into a JSON
 *  string. @return it, or NULL (no memory, or a key over 255 bytes). */
json_t *an_map_pack(an_kv_t *kv, size_t n);

/** Called by an_map_unpack() for each key, in increasing bytewise order;
 *  @p n >= 1. A negative return stops the unpacking and is returned. */
typedef int (*an_map_fn)(void *ctx, const char *key, uint64_t n);

/** Undo an_map_pack(). @return 0, DW_EFORMAT (not such a string: bad
 *  base64 or zlib, keys out of order or repeated, a zero count, trailing
 *  bytes), DW_ENOMEM, or what @p fn returned. */
int an_map_unpack(const json_t *packed, an_map_fn fn, void *ctx);

/** When an_json_map(kv, n, topk) cuts the map (topk != 0 and more than
 *  topk non-zero keys besides "other"), set @p key of @p sketch to
 *  an_map_pack(kv, n); otherwise add nothing. @return 0 or DW_ENOMEM. */
int an_map_save(json_t *sketch, const char *key, an_kv_t *kv, size_t n,
		unsigned topk);

/** The map an_map_save() stored under @p key of @p sketch (which may be
 *  NULL), unpacked into a new object {key: count} in @p out; *out is NULL
 *  when there is none. @return 0, DW_EFORMAT, DW_ENOMEM. */
int an_map_load(const json_t *sketch, const char *key, json_t **out);

#endif
