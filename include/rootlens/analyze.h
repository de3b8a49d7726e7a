/*
 * analyze.h - the metric engine: DNS messages in, per-interval and
 * whole-run figures out, as Jansson objects in the rootlens.stats/1
 * layout (doc/stats-json.md). The engine counts and summarises; it never
 * reads files (the feed does) and never writes them (the command does).
 */
#ifndef ROOTLENS_ANALYZE_H
#define ROOTLENS_ANALYZE_H

#include <jansson.h>
#include <stdint.h>

#include "rootlens/dnsfeed.h"
#include "rootlens/dnswire.h"
#include "rootlens/netlayers.h"

#define AN_SCHEMA "rootlens.stats/1"

/** Which summary a metric state is: the whole run or one interval. The
 *  interval ones are smaller (sketch sizes), as there are thousands. */
typedef enum an_scope { AN_SCOPE_TOTAL = 0, AN_SCOPE_INTERVAL = 1 } an_scope_t;

/** Settings every metric may read. Fill with an_cfg_default(). */
typedef struct an_cfg {
	unsigned interval_s;     /**< series interval, aligned to the clock (60) */
	unsigned v4_prefix;      /**< top_prefixes: IPv4 prefix length (24) */
	unsigned v6_prefix;      /**< top_prefixes: IPv6 prefix length (48) */
	unsigned topk;           /**< entries printed per top list (20 total, 10 per interval) */
	unsigned topk_interval;
	unsigned ss_total;       /**< Space-Saving counters, whole run (4096) */
	unsigned ss_interval;    /**< Space-Saving counters, per interval (128) */
	unsigned hll_p_total;    /**< HyperLogLog precision, whole run (14: 0.81 %) */
	unsigned hll_p_interval; /**< per interval (12: 1.6 %) */
	unsigned map_topk_interval; /**< per-interval maps cut to this many keys + "other" (20) */
	unsigned tld_other_cap;  /**< TLDs outside the IANA list kept exactly (1000), the rest "other" */
	unsigned tld_other_cap_interval; /**< the same per interval (100): bounds the
					      full maps kept for merge (2880 a day) */
	an_scope_t scope;        /**< set by the engine for each state it creates */
} an_cfg_t;

void an_cfg_default(an_cfg_t *cfg);

typedef struct an_engine an_engine_t; /* opaque: an_engine_new() owns it */

/** @return 0, DW_ENOMEM, DW_EINVAL (interval 0, prefix out of range). */
int an_engine_new(an_engine_t **e, const an_cfg_t *cfg);

/** One DNS message (both borrowed for the call). */
void an_engine_observe(an_engine_t *e, const nl_dns_t *pkt, const dw_msg_t *msg);

/** Add a file's feed counters (malformed, non-DNS packets, evictions). */
void an_engine_add_feed(an_engine_t *e, const rl_feed_stats_t *st);

/**
 * Close the open intervals and build the document body: "interval",
 * "start", "end", "totals", "series", "sketch" (doc/stats-json.md). The
 * caller adds "schema", "inputs", "labels". @return a new reference, or
 * NULL when out of memory.
 */
json_t *an_engine_finish(an_engine_t *e);

void an_engine_free(an_engine_t *e);

/**
 * Merge partial documents (the rootlens.stats/1 layout) into one. The
 * documents must have the same schema and interval. Inputs are concatenated,
 * labels kept where equal (else "*"), per-instance breakdowns kept under
 * "instances". @p err receives why a document was refused.
 * @return a new document, or NULL (err says why).
 */
json_t *an_merge(json_t *const *docs, size_t n, const an_cfg_t *cfg, char *err,
		 size_t errlen);

#endif
