/*
 * model.h - the report's view of one or more rootlens.stats/1 documents
 * (doc/stats-json.md): per-line time series, per-phase response sizes,
 * summed maps, summary rows and flags, ready to be written as gnuplot
 * data (plots.h) and an HTML page (html.h).
 *
 * A line is one server|instance: the documents of one line (one per phase,
 * or one per capture file) are joined into one time series; the documents
 * of several lines are drawn side by side. A phase is a concrete
 * labels.phase (not null, not "*"); its band on the time axis is the span
 * [earliest start, latest end) of its documents.
 *
 * A merged document (labels "*") is one line, labelled "all" (its
 * "instances" have totals only, no series): its per-instance totals become
 * rows of the summary table.
 *
 * Library code: a JSON document in, structs out; no I/O, no printing.
 */
#ifndef ROOTLENS_RP_MODEL_H
#define ROOTLENS_RP_MODEL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define RP_SCHEMA "rootlens.stats/1"
#define RP_BIN 16                                /* RSSAC002 size bins: 16 bytes */
#define RP_RESP_OPEN 4096                        /* the open response bin "4096-" */
#define RP_SIZE_BINS (RP_RESP_OPEN / RP_BIN + 1) /* 257 */

enum { RP_UDP = 0, RP_TCP = 1 };
enum { RP_V4 = 0, RP_V6 = 1, RP_V6_64 = 2 };

/** The maps a series entry carries that the plots use. */
typedef enum rp_mapid {
	RP_MAP_QTYPE = 0, /**< "qtype": queries by type */
	RP_MAP_DNSKEY,    /**< "dnskey_by_tld": DNSKEY queries by TLD */
	RP_MAP_SOURCES,   /**< "top_sources": queries by "addr" */
	RP_MAP_PREFIXES,  /**< "top_prefixes": queries by "prefix" */
	RP__MAPS
} rp_mapid_t;

/** One map entry: a name (interned, rp_name()) and its count. */
typedef struct rp_kv {
	uint32_t id;
	uint64_t n;
} rp_kv_t;

/** A counter map; after rp_model_finish() sorted by id, ids unique. */
typedef struct rp_map {
	rp_kv_t *kv;
	size_t n, cap;
} rp_map_t;

/** The figures of one interval (or of a whole document). */
typedef struct rp_fig {
	uint64_t q[2][2]; /**< queries [RP_UDP, RP_TCP][RP_V4, RP_V6] */
	uint64_t edns;    /**< queries with an OPT record */
	uint64_t dobit;   /**< queries with DO=1 */
	uint64_t us[3];   /**< distinct sources [RP_V4, RP_V6, RP_V6_64] (HLL) */
} rp_fig_t;

/** One interval of one line (or of all lines, rp_model_t.all). */
typedef struct rp_point {
	int64_t t; /**< interval start, seconds since the epoch */
	rp_fig_t f;
	unsigned ndocs; /**< documents that had this interval */
	rp_map_t map[RP__MAPS];
} rp_point_t;

typedef struct rp_series {
	rp_point_t *p; /**< in time order after rp_model_finish() */
	size_t n, cap;
} rp_series_t;

/** One server|instance. */
typedef struct rp_line {
	char *server, *instance; /**< the labels as given; NULL for null */
	char *label;             /**< legend text (see rp_model_finish()) */
	rp_series_t s;
} rp_line_t;

/** A group of documents whose response sizes are drawn as one curve. */
typedef struct rp_group {
	char *name;         /**< the phase, or "all" / "no phase" */
	int64_t start, end; /**< span of its documents (valid if have_span) */
	int have_span;
	uint64_t resp[2][RP_SIZE_BINS]; /**< responses [RP_UDP, RP_TCP][bin] */
} rp_group_t;

/** A summary-table row: one document, or one instance of a merged one. */
typedef struct rp_row {
	size_t doc;                      /**< index into rp_model_t.docs */
	int is_instance;                 /**< from the document's "instances" */
	char *server, *instance, *phase; /**< labels; NULL for null */
	rp_fig_t f;                      /**< its totals */
	size_t flags;                    /**< flags in the document (documents only) */
} rp_row_t;

/** A flagged subject (the optional top-level "flags" list). */
typedef struct rp_flag {
	size_t doc;
	char *subject; /**< never NULL */
	char *reason;  /**< NULL when absent */
	char *kind;    /**< "source", "prefix", "asn"...; NULL when absent */
	int64_t t;     /**< interval_start, valid if have_t */
	int have_t;
	double share_pct; /**< NAN when absent */
} rp_flag_t;

/** One input document. */
typedef struct rp_doc {
	char *path;
	char *server, *instance, *phase; /**< labels; NULL for null */
	size_t line;                     /**< index into rp_model_t.lines */
	int64_t start, end;              /**< valid if have_span (null in an empty analysis) */
	int have_span;
	int merged; /**< has "instances" */
	size_t nseries;
} rp_doc_t;

typedef struct rp_strtab {
	char **s;
	size_t n, cap;
	uint32_t *slot; /**< open addressing: id + 1, 0 empty */
	size_t nslot;   /**< a power of two */
} rp_strtab_t;

typedef struct rp_model {
	int64_t interval;   /**< seconds, the same in every document */
	int64_t start, end; /**< the whole window, valid if have_span */
	int have_span;
	rp_doc_t *docs;
	size_t ndocs;
	rp_line_t *lines; /**< in order of first appearance */
	size_t nlines;
	rp_group_t *phases; /**< concrete phases, by start (then name) */
	size_t nphases;
	rp_group_t *groups; /**< response-size curves: the phases (plus "no
				 phase" when some documents have none), or
				 one group "all" when no document has a phase */
	size_t ngroups;
	rp_series_t all;           /**< every line added up per interval (its
					unique sources are not meaningful: 0) */
	rp_map_t totals[RP__MAPS]; /**< document totals added up */
	rp_fig_t total;            /**< the same for the figures (unique sources:
					the sum, an upper bound) */
	rp_row_t *rows;
	size_t nrows;
	rp_flag_t *flags;
	size_t nflags;
	size_t overlaps; /**< line intervals found in several documents
			      (counters added, unique sources: the larger) */
	rp_strtab_t names;
	int finished;
	/* private: capacities of the arrays above */
	size_t cap_docs, cap_lines, cap_groups, cap_rows, cap_flags;
} rp_model_t;

/** An empty model. */
void rp_model_init(rp_model_t *m);

/**
 * Add document @p doc, read from @p path (kept for messages and the
 * summary; copied). Checks the schema, the interval (equal to the earlier
 * documents'), and the type of every figure the report uses; "flags" is
 * read when present and well-formed entries are kept (others skipped).
 * @return 0; DW_EFORMAT with a message in @p err (the model is unchanged
 *         but for interned names); DW_ENOMEM.
 */
int rp_model_add(rp_model_t *m, const json_t *doc, const char *path, char *err, size_t errlen);

/**
 * Sort and combine the series, build the all-lines series, the phases and
 * size groups, and the line labels: the instance when every document has
 * the same server (or none), "server|instance" when the servers differ,
 * the server for a document of all its instances, "all" for a document
 * without a concrete instance and server. Call once, after the last add.
 * @return 0 or DW_ENOMEM.
 */
int rp_model_finish(rp_model_t *m);

/** Free everything @p m holds (it may be re-initialised). */
void rp_model_free(rp_model_t *m);

/** The name of interned id @p id. */
const char *rp_name(const rp_model_t *m, uint32_t id);

/** The id of @p name, or -1 when no document had it. */
int64_t rp_name_id(const rp_model_t *m, const char *name);

/** The count of @p id in a finished map, 0 when absent. */
uint64_t rp_map_get(const rp_map_t *mp, uint32_t id);

/**
 * The (at most) @p k largest entries of @p mp, count descending, ties by
 * name; entries named @p skip (e.g. "other"; NULL: none) left out.
 * @return how many were written to @p out.
 */
size_t rp_map_top(const rp_model_t *m, const rp_map_t *mp, size_t k, const char *skip,
		  rp_kv_t *out);

/** Sum of a map's counts. */
uint64_t rp_map_sum(const rp_map_t *mp);

/** Queries of a figure set: all four transport/IP counters. */
uint64_t rp_fig_queries(const rp_fig_t *f);

/** TCP queries as a percentage of UDP queries; NAN without UDP queries. */
double rp_fig_tcp_pct(const rp_fig_t *f);

/** @p part as a percentage of all queries of @p f; NAN without queries. */
double rp_fig_pct(const rp_fig_t *f, uint64_t part);

/** Whether @p subject is flagged in some document. */
int rp_model_flagged(const rp_model_t *m, const char *subject);

#endif
