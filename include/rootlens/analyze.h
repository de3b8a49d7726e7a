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
#include <stdio.h>

#include "rootlens/dnsfeed.h"
#include "rootlens/dnswire.h"
#include "rootlens/netlayers.h"

#define AN_SCHEMA "rootlens.stats/1"

/** Which summary a metric state is: the whole run or one interval. The
 *  interval ones are smaller (sketch sizes), as there are thousands. */
typedef enum an_scope { AN_SCOPE_TOTAL = 0, AN_SCOPE_INTERVAL = 1 } an_scope_t;

/* ---- network attribution: source address -> origin AS ----------------- */

typedef struct an_asnmap an_asnmap_t; /* opaque: an_asnmap_new() owns it */

/** An empty map. @return 0 or DW_ENOMEM. */
int an_asnmap_new(an_asnmap_t **m);

/**
 * Read routes in CAIDA's RouteViews prefix-to-AS text format from @p f
 * (named @p name in messages): "prefix<TAB>length<TAB>AS" per line, IPv4
 * and IPv6 in any mix, fields separated by tabs or spaces; blank lines and
 * lines starting with '#' are skipped. AS: a number 1..2^32-1, or several
 * joined by '_' (several origins) or ',' (an AS set): the first is the
 * route's. Call once per file, then an_asnmap_build().
 * @return 0; DW_EFORMAT with "NAME:LINE: why" in @p err (a malformed
 *         line: field count, address, length, bits set after the length,
 *         AS, a line over 256 bytes); DW_EIO; DW_ENOMEM; DW_EINVAL (built).
 */
int an_asnmap_read(an_asnmap_t *m, FILE *f, const char *name, char *err, size_t errlen);

/** an_asnmap_read() of the file @p path. @return as it, or DW_ENOENT /
 *  DW_EIO when the file cannot be opened ("PATH: why" in @p err). */
int an_asnmap_load(an_asnmap_t *m, const char *path, char *err, size_t errlen);

/** Turn the routes read into the look-up structure (longest-prefix match
 *  as ranges, asnmap.c). @return 0, DW_ENOMEM, DW_EFORMAT (a prefix
 *  listed twice: both places in @p err). */
int an_asnmap_build(an_asnmap_t *m, char *err, size_t errlen);

/** Routes read (IPv4, IPv6) and ranges built; any pointer may be NULL. */
void an_asnmap_size(const an_asnmap_t *m, size_t *routes4, size_t *routes6, size_t *ranges);

/** The origin AS of the most specific route covering @p addr (4 bytes for
 *  @p ipver 4, else 16), or 0 when none does (or not built). */
uint32_t an_asnmap_lookup(const an_asnmap_t *m, int ipver, const uint8_t *addr);

void an_asnmap_free(an_asnmap_t *m);

/* ---- flags: misbehaving senders (analyze/flags.c) ----------------------- */

/**
 * When a subject (a source address, a prefix, an AS) of a per-interval top
 * list is flagged (doc/stats-json.md, "flags"). Rates are the guaranteed
 * count (queries - error) over the interval length.
 */
typedef struct an_flag_rules {
	double share_pct;       /**< "share": more than this % of the interval's queries (5) */
	double factor;          /**< "rise": more than this times its baseline (10) */
	double repeat_qps;      /**< "repeat": its top question above this rate (1) */
	double min_qps;         /**< share and rise need at least this rate (10) */
	unsigned min_intervals; /**< rise needs this many preceding intervals (5) */
	unsigned window;        /**< baseline: median over at most this many (60) */
} an_flag_rules_t;

void an_flag_rules_default(an_flag_rules_t *r);

/** Which member of an_flag_rules_t (an_cfg_t.flag_set bits). */
enum {
	AN_FLAG_SHARE = 1, AN_FLAG_FACTOR = 2, AN_FLAG_REPEAT = 4, AN_FLAG_MIN_QPS = 8,
	AN_FLAG_MIN_INTERVALS = 16, AN_FLAG_WINDOW = 32, AN_FLAG_ALL = 63,
};

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
	/** Source -> AS (borrowed; outlives every engine and merge that uses
	 *  it), or NULL: then no AS tables and no "asn" members. */
	const an_asnmap_t *asn;
	/** The flag rules; an_merge() takes the members whose bit is set in
	 *  flag_set from here and the others from the partials' "flag_rules"
	 *  (the strictest: the largest value), the defaults when none has them. */
	an_flag_rules_t flag;
	unsigned flag_set;
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
 * "instances". "flag_rules" and "flags" are set (doc/stats-json.md): the
 * flags of each instance whose partials are single-instance documents are
 * computed from the merged series of those partials; a partial that is
 * itself a merge of several instances contributes the flags it has.
 * @p cfg may be NULL (defaults). @p err receives why a document was refused.
 * @return a new document, or NULL (err says why).
 */
json_t *an_merge(json_t *const *docs, size_t n, const an_cfg_t *cfg, char *err,
		 size_t errlen);

/**
 * The flags of a single-instance document (one that has "interval",
 * "series" and "sketch"."series"): for each series entry, each entry of
 * its top_prefixes, top_sources and top_asns lists that breaks a rule of
 * @p r, with the evidence its sketch holds (doc/stats-json.md, "flags").
 * Sorted by interval, then excess queries (descending), kind, subject.
 * @return 0 with a new array in @p out, DW_ENOMEM, DW_EFORMAT (a series
 * entry or its evidence is not what rootlens writes).
 */
int an_flags_compute(const json_t *doc, const an_flag_rules_t *r, json_t **out);

/** @p r as the "flag_rules" object. @return it, or NULL (no memory). */
json_t *an_flag_rules_json(const an_flag_rules_t *r);

/** Read a "flag_rules" object into @p r. @return 0 or DW_EFORMAT. */
int an_flag_rules_parse(const json_t *o, an_flag_rules_t *r);

/**
 * Compute the flags of @p doc (an_flags_compute()) and set its
 * "flag_rules" and "flags" members, placed before "sketch".
 * @return 0, DW_ENOMEM, DW_EFORMAT.
 */
int an_flags_apply(json_t *doc, const an_flag_rules_t *r);

#endif
