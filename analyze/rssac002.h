/*
 * rssac002.h - RSSAC002v3 daily figures from a rootlens.stats/1 document
 * ("RSSAC Advisory on Measurements of the Root Server System", RSSAC002
 * version 3, ICANN RSSAC, 2016): traffic-volume, traffic-sizes,
 * rcode-volume and unique-sources per UTC day, and their YAML text in the
 * layout the root server operators publish (the rssac-caucus/RSSAC002-data
 * repository: YYYY/MM/METRIC/LETTER-YYYYMMDD-METRIC.yaml).
 *
 * Library code: a JSON document in, structs and strings out; no I/O (the
 * command, src/cmd_export.c, writes the files).
 */
#ifndef ROOTLENS_AN_RSSAC002_H
#define ROOTLENS_AN_RSSAC002_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define AN_RS_BIN 16         /* RSSAC002v3 size bins are 16 bytes wide */
#define AN_RS_REQ_OPEN 288   /* requests: last bin "288-" */
#define AN_RS_RESP_OPEN 4096 /* responses: last bin "4096-" */
#define AN_RS_REQ_BINS (AN_RS_REQ_OPEN / AN_RS_BIN + 1)   /* 19 */
#define AN_RS_RESP_BINS (AN_RS_RESP_OPEN / AN_RS_BIN + 1) /* 257 */
#define AN_RS_RCODES 4096    /* 12-bit extended RCODE */
#define AN_RS_DAY 86400

/** The four metrics this module produces, in the order they are written. */
typedef enum an_rs_metric {
	AN_RS_TRAFFIC_VOLUME = 0,
	AN_RS_TRAFFIC_SIZES,
	AN_RS_RCODE_VOLUME,
	AN_RS_UNIQUE_SOURCES,
	AN_RS__METRICS
} an_rs_metric_t;

/** One UTC day: the sums over the series entries that start in it. */
typedef struct an_rs_day {
	int64_t start;             /**< 00:00:00Z of the day (seconds since the epoch) */
	int64_t covered_from;      /**< the part of the day the series covers: */
	int64_t covered_to;        /**< [first interval's start, last one's end) */
	unsigned intervals;        /**< series entries summed */
	uint64_t queries[2][2];    /**< [0 UDP, 1 TCP][0 IPv4, 1 IPv6] */
	uint64_t responses[2][2];
	uint64_t req_sizes[2][AN_RS_REQ_BINS];   /**< [UDP, TCP][bin]: bin i = 16i..16i+15 */
	uint64_t resp_sizes[2][AN_RS_RESP_BINS];
	uint64_t rcode[AN_RS_RCODES]; /**< responses by RCODE number */
	uint64_t rcode_unmapped;   /**< responses under keys that name no RCODE */
	int have_sources;          /**< 0 when a series entry lacked its sketch */
	int sources_from_totals;   /**< 1: the whole-run sketch (document within this day) */
	uint64_t sources_v4, sources_v6, sources_v6_64; /**< distinct query sources (HLL) */
} an_rs_day_t;

/**
 * Sum the "series" of @p doc (rootlens.stats/1) by UTC day of each entry's
 * "start": messages, sizes and rcode add up; unique sources are the
 * HyperLogLog union of the day's interval sketches ("sketch"."series"[i].
 * "sources"), or the whole-run sketch when every entry falls in one day
 * (it is the more precise). A per-interval map that the figures cut to
 * "other" is read whole from the sketch (doc/stats-json.md, SKETCH).
 *
 * @return 0 with *@p days (calloc'd, free() it; in time order) and
 *         *@p n >= 1; DW_EFORMAT with a message in @p err (not such a
 *         document, no series, a figure of the wrong type, a bad size bin,
 *         sketches of different precisions in one day); DW_ENOMEM.
 */
int an_rs_days(const json_t *doc, an_rs_day_t **days, size_t *n, char *err,
	       size_t errlen);

/** "traffic-volume", "traffic-sizes", "rcode-volume", "unique-sources". */
const char *an_rs_metric_name(an_rs_metric_t m);

/**
 * The YAML document of metric @p m for @p day: "---", the header
 * (version: rssac002v3, service, start-period, metric) and the figures as
 * published: keys unquoted, maps indented by two spaces, empty size bins
 * and zero RCODE counts left out. @p service must be a host name (letters,
 * digits, '-', '.'), so nothing needs quoting.
 * @return 0 with a NUL-terminated string in *@p out (free() it);
 *         DW_EINVAL (bad service or metric, unique-sources without
 *         sources); DW_ENOMEM.
 */
int an_rs_yaml(const an_rs_day_t *day, an_rs_metric_t m, const char *service,
	       char **out);

/**
 * The published path of metric @p m for @p day, relative to the output
 * directory: "2016/01/traffic-volume/a-root-20160101-traffic-volume.yaml".
 * @return 0, or DW_EINVAL (@p buf too small, @p letter not [a-z0-9-]+).
 */
int an_rs_path(const an_rs_day_t *day, an_rs_metric_t m, const char *letter,
	       char *buf, size_t len);

/**
 * The file-name prefix for @p service: "k.root-servers.net" -> "k-root".
 * @return 0, or DW_EINVAL (not a LETTER.root-servers.net name: the caller
 *         asks for the prefix then).
 */
int an_rs_letter(const char *service, char *buf, size_t len);

/** Whether @p s is a host name safe as a plain YAML scalar (1) or not (0):
 *  letters, digits, '-' and '.', at least one dot, the last label starting
 *  with a letter. */
int an_rs_valid_service(const char *s);

/**
 * The RCODE number of a key of the "rcode" map: the mnemonics
 * dw_rcode_str() writes ("NOERROR" 0, "FORMERR" 1, ..., "BADVERS" 16, also
 * "BADSIG"), "RCODEnn" for the others. @return 0..4095, or -1.
 */
int an_rs_rcode_number(const char *key);

#endif
