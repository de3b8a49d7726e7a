/*
 * engine_int.h - what engine.c and merge.c share: a "state set" (one
 * state per registered metric, for one scope) and the figures the engine
 * adds beside the metrics' own (packets, packets_without_dns, reassembly,
 * late_messages). Internal to analyze/.
 */
#ifndef ROOTLENS_ANALYZE_ENGINE_INT_H
#define ROOTLENS_ANALYZE_ENGINE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "metric.h"

/** Room for the registry; registry.c stays well under it. */
#define AN_MAX_METRICS 32

/**
 * One state per metric, all in one zeroed block (a set is touched for
 * every message: one block keeps it in few cache lines). @p cfg is
 * borrowed and must outlive the set.
 */
typedef struct an_set {
	void *st[AN_MAX_METRICS];
	unsigned char *mem;
	const an_cfg_t *cfg;
	size_t n;      /**< metrics in the registry */
	size_t inited; /**< states whose init succeeded (fini only those) */
} an_set_t;

/** Allocate and init every metric's state. @return 0, DW_ENOMEM, DW_EINVAL
 *  (registry larger than AN_MAX_METRICS). On failure nothing is left held. */
int an_set_init(an_set_t *s, const an_cfg_t *cfg);

/** fini every state and free the block. Safe on a zeroed set. */
void an_set_fini(an_set_t *s);

/** Back to the freshly-initialised state, keeping the block (fini, zero,
 *  init). Called once per interval, never per message. @return 0, DW_ENOMEM. */
int an_set_reset(an_set_t *s);

/** Count one message in every state of @p s (the engine itself folds the
 *  counters instead: see engine.c). */
void an_set_observe(an_set_t *s, const an_obs_t *o);

/** dst += src, metric by metric. @return 0 or the first error. */
int an_set_merge(an_set_t *dst, const an_set_t *src);

/** dst += src for the metrics with fold_into_total only (metric.h): the
 *  engine folds each closing interval into the whole-run set.
 *  @return 0 or the first error. */
int an_set_fold(an_set_t *dst, const an_set_t *src);

/** Every metric's figures into @p figures, in registry order. */
int an_set_emit(const an_set_t *s, json_t *figures);

/** Every metric's sketch under its name in @p sketch (names whose save
 *  adds nothing are left out). */
int an_set_save(const an_set_t *s, json_t *sketch);

/** Rebuild a fresh set from figures and sketch (@p sketch may be NULL).
 *  @return 0, DW_EFORMAT, DW_ENOMEM; @p which names the failing metric. */
int an_set_load(an_set_t *s, const json_t *figures, const json_t *sketch,
		const char **which);

/**
 * Set figures[@p map][@p key] += @p n and re-sort the map the way
 * an_json_map() orders maps (descending count, ties by key). Creates the
 * map when missing. Used to fold header-less messages into "malformed".
 * @return 0, DW_ENOMEM, DW_EFORMAT (the member is not a map of counts).
 */
int an_fold_count(json_t *figures, const char *map, const char *key, uint64_t n);

/** Names of the "reassembly" keys, in document order, NULL-terminated. */
extern const char *const an_reasm_keys[];

#endif
