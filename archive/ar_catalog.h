/*
 * ar_catalog.h - the archive's catalog: DIR/.catalog.sqlite, one row per
 * stored file, built from the manifests alone (never the captures), so
 * that selections by server, instance, phase and time answer at once.
 *
 * It is derived data: missing, damaged or of another schema version, it
 * is rebuilt. Staleness is found cheaply, by directory: every file and
 * manifest enters the archive by rename(), which changes the mtime of its
 * directory, so the catalog keeps the mtime of DIR, of each DIR/<server>
 * and of each DIR/<server>/<instance> as it last read them, and a sync
 * stats those directories only (one stat each, not one per file), reading
 * again just the ones that changed; there it re-parses a manifest only
 * when its mtime, size or inode changed. A directory mtime within two
 * seconds of the clock when it was read is not trusted (a change in the
 * same clock tick would not move it): it is read again next time.
 * A manifest edited in place (not renamed) is not noticed; --rescan (a
 * full sync) re-reads everything.
 *
 * `submit` adds each file it stores at once (ar_cat_note); the next sync
 * finds it unchanged. An archive the user cannot write gets a catalog in
 * memory, built by a full sync, unless the one on disk is up to date.
 */
#ifndef ROOTLENS_AR_CATALOG_H
#define ROOTLENS_AR_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#define AR_CATALOG_NAME ".catalog.sqlite"

typedef struct ar_cat ar_cat_t; /* opaque: ar_cat_open() owns it */

/** What a sync did. */
typedef struct ar_cat_stats {
	unsigned dirs_read;     /**< directories listed */
	unsigned manifests_read; /**< manifests parsed */
	unsigned skipped;       /**< manifests that could not be used */
	unsigned removed;       /**< rows of files no longer there */
	int rebuilt;            /**< the catalog was created or rebuilt */
	int in_memory;          /**< the archive is not writable: built in memory */
	char first_skip[700];   /**< path and reason of the first one skipped */
} ar_cat_stats_t;

enum {
	AR_CAT_RESCAN = 1, /**< re-read every directory and manifest */
	AR_CAT_NOSYNC = 2, /**< open only (for ar_cat_note after a submit) */
};

/**
 * Open the catalog of the archive at @p root (@p rootfd an O_DIRECTORY
 * descriptor of it, borrowed for the catalog's life) and bring it up to
 * date (unless AR_CAT_NOSYNC); @p st (may be NULL) says what it took.
 * @return 0; DW_EIO (SQLite or the file system failed; @p err says), or
 *         DW_ENOMEM.
 */
int ar_cat_open(ar_cat_t **c, const char *root, int rootfd, int flags, ar_cat_stats_t *st,
		char *err, size_t errlen);

void ar_cat_close(ar_cat_t *c);

/**
 * Add or update the row of DIR/@p server/@p instance/@p name from its
 * manifest (after a submit stored it). @return 0, DW_ENOENT (no manifest),
 * DW_EFORMAT (unusable manifest), DW_EIO.
 */
int ar_cat_note(ar_cat_t *c, const char *server, const char *instance, const char *name,
		char *err, size_t errlen);

/** A selection: NULL / 0 fields select everything. */
typedef struct ar_sel {
	const char *server, *instance, *phase;
	int have_from, have_to;
	int64_t from_ns, to_ns; /**< files whose packets overlap [from, to) */
} ar_sel_t;

/** One file of the archive. */
typedef struct ar_entry {
	char *path;      /**< server/instance/name, relative to the root */
	char *server, *instance, *name;
	char *phase;     /**< NULL: none */
	char *first_packet, *last_packet; /**< as in the manifest; NULL: no packets */
	char *sha256;    /**< NULL when the manifest has none */
	int have_time;
	int64_t first_ns, last_ns;
	int64_t packets; /**< -1 unknown */
	uint64_t bytes;  /**< size of the data file */
} ar_entry_t;

/**
 * The files @p sel selects, ordered by server, instance, name (bytewise).
 * @return 0 with *@p out (free with ar_entries_free) and *@p n, or DW_EIO
 *         / DW_ENOMEM.
 */
int ar_cat_query(ar_cat_t *c, const ar_sel_t *sel, ar_entry_t **out, size_t *n, char *err,
		 size_t errlen);

void ar_entries_free(ar_entry_t *e, size_t n);

#endif
