/*
 * ar_manifest.h - the manifests the archive reads and writes.
 *
 * A file in the archive has its manifest NAME.json beside it: the one
 * `rootlens capture` wrote (doc/manifest.md), stored byte for byte, or,
 * for a capture submitted without one, a manifest the archive writes with
 * what it knows (ar_manifest_make). The catalog is built from manifests
 * alone, so both kinds carry the keys it needs: server, instance, phase,
 * first_packet, last_packet, packets, file_bytes, sha256.
 */
#ifndef ROOTLENS_AR_MANIFEST_H
#define ROOTLENS_AR_MANIFEST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "ar_verify.h"

/** Largest manifest accepted (a 48-hour file flushed every second lists
 *  172,800 members, about 14 MB). */
#define AR_MANIFEST_MAX (32u << 20)

/** The value of "origin" in a manifest the archive wrote. */
#define AR_ORIGIN "rootlens archive submit"

/** What the archive uses of a manifest; strings borrowed from doc. */
typedef struct ar_manifest {
	json_t *doc;
	const char *server, *instance; /**< NULL when absent or not a string */
	const char *phase;             /**< NULL when absent or null */
	char sha256[65];               /**< lowercase; "" when absent */
	int64_t packets;               /**< -1 when absent */
	int64_t file_bytes;            /**< -1 when absent */
	const char *first_packet, *last_packet; /**< as written, or NULL */
	int have_time;                 /**< both parsed into first_ns/last_ns */
	int64_t first_ns, last_ns;
	int archive_made;              /**< "origin" is AR_ORIGIN */
} ar_manifest_t;

/**
 * Parse and check @p len bytes of manifest: a JSON object; "server",
 * "instance" strings when present; "phase" a string or null; "sha256" 64
 * hex digits; "packets", "file_bytes" integers >= 0; "first_packet",
 * "last_packet" ISO 8601 UTC times or null. Labels are not name-checked
 * here (ar_names.h is the caller's).
 * @return 0 (free with ar_manifest_free), or DW_EFORMAT / DW_ENOMEM with
 *         @p err saying what is wrong.
 */
int ar_manifest_parse(const void *bytes, size_t len, ar_manifest_t *m, char *err,
		      size_t errlen);

/** Free what ar_manifest_parse() allocated (a zeroed one is fine). */
void ar_manifest_free(ar_manifest_t *m);

/**
 * The manifest of a capture submitted without one: schema
 * rootlens.capture/1 with "origin": AR_ORIGIN, the labels, format,
 * compression, linktype, first/last packet, packets, file_bytes, sha256,
 * all from @p info. Nothing in it depends on when or where it was made,
 * so the same file and labels always give the same bytes.
 * @return 0 with *@p out malloc'd (*@p len bytes, a final newline), or
 *         DW_ENOMEM.
 */
int ar_manifest_make(const char *server, const char *instance, const char *phase,
		     const ar_info_t *info, char **out, size_t *len);

/**
 * "2010-05-05T00:00:00Z" or with a fraction of up to 9 digits, into
 * nanoseconds since the epoch. @return 0 or DW_EINVAL.
 */
int ar_time_parse_ns(const char *s, int64_t *ns);

/** "2010-05-05T00:00:00.000007Z": microseconds, as capture writes. */
void ar_time_format_us(int64_t sec, uint32_t nsec, char buf[48]);

/**
 * Read the whole small file @p name under directory @p dirfd (not
 * following a symlink at the last component) into *@p out (malloc'd, NUL
 * added, *@p len without it); at most @p max bytes.
 * @return 0; DW_ENOENT; DW_ETOOBIG; DW_EIO (errno kept); DW_ENOMEM.
 */
int ar_read_small(int dirfd, const char *name, size_t max, char **out, size_t *len);

#endif
