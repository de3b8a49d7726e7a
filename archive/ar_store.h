/*
 * ar_store.h - putting a capture into the archive.
 *
 * Layout: DIR/<server>/<instance>/<file> and its manifest <file>.json.
 *
 * A submission is streamed into a hidden temporary file in the instance
 * directory (.NAME.tmp.<random>, mode 0444) while it is hashed and its
 * gzip members are checked (ar_raw_*); the copy is fsynced and then read
 * to its end (ar_read_check): what is stored is what was checked, whether
 * it came from a local file, a pipe or the network. The manifest is
 * written the same way. Then, under an exclusive flock on the directory's
 * .lock, what is already stored under the name decides:
 *
 *   nothing           the data file is renamed into place (no-replace),
 *                     the directory fsynced, then the manifest, fsync:
 *                     AR_STORED
 *   the same file     (same SHA-256 and size, and the same manifest, or
 *                     for a file submitted without one the same phase):
 *                     AR_EXISTS; the copies are removed
 *   the same data without its manifest (a submit that died between the two
 *                     renames): the manifest is put beside it, AR_STORED
 *   anything else     AR_REFUSED, nothing touched
 *
 * So a reader never sees a partial file under a real name, and sees the
 * data file a moment before its manifest: readers (catalog, analyze) take
 * a file into account only once its manifest is there. A submit killed
 * with SIGKILL leaves only its hidden temporary file, removed by a later
 * submit into that directory once it is an hour old.
 */
#ifndef ROOTLENS_AR_STORE_H
#define ROOTLENS_AR_STORE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ar_manifest.h"
#include "ar_names.h"
#include "ar_verify.h"

typedef enum ar_status {
	AR_STORED = 0, /**< stored now */
	AR_EXISTS,     /**< the identical file was already stored: nothing done */
	AR_REFUSED,    /**< the submission is wrong (damaged, mismatched, bad name, name taken) */
	AR_FAILED,     /**< the archive could not be written (permissions, disk full, I/O) */
} ar_status_t;

/** "stored", "exists", "refused", "failed". */
const char *ar_status_name(ar_status_t s);

/** Unknown size (a pipe). */
#define AR_SIZE_UNKNOWN UINT64_MAX

/** Temporary files older than this are an interrupted submit's. */
#define AR_STALE_TMP_SEC 3600

/** Where the data come from: up to @p n bytes into @p buf; 0 at the end;
 *  -1 with errno on failure (EINTR: interrupted, asked again unless
 *  cancelled). */
typedef ssize_t (*ar_read_fn)(void *ctx, void *buf, size_t n);

typedef struct ar_archive ar_archive_t; /* opaque: ar_archive_open() owns it */

/**
 * Open the archive rooted at the existing directory @p root.
 * @return 0, DW_ENOENT, DW_EIO (not a directory, not readable; @p err
 *         says), DW_ENOMEM.
 */
int ar_archive_open(ar_archive_t **a, const char *root, char *err, size_t errlen);

void ar_archive_close(ar_archive_t *a);

/** The root as given, and an O_DIRECTORY descriptor of it (borrowed). */
const char *ar_archive_root(const ar_archive_t *a);
int ar_archive_fd(const ar_archive_t *a);

/** One file to store. Everything is borrowed. */
typedef struct ar_sub {
	const char *name;            /**< file name in the archive */
	const char *server, *instance;
	const char *phase;           /**< NULL: none */
	const char *manifest;        /**< the capture's manifest bytes, or NULL */
	size_t manifest_len;
	uint64_t size;               /**< announced size, or AR_SIZE_UNKNOWN */
	const char *sha256;          /**< announced checksum, or NULL */
	ar_read_fn read;
	void *read_ctx;
	volatile sig_atomic_t *cancel; /**< set (by a signal): give up, clean up */
	const char *shown;           /**< the file as the user named it, for messages */
} ar_sub_t;

typedef struct ar_result {
	ar_status_t status;
	char sha256[65];             /**< of the data (stored or found); "" unknown */
	char where[3 * AR_NAME_MAX + 3]; /**< server/instance/name */
	char err[768];               /**< why, for AR_REFUSED / AR_FAILED; a note otherwise */
	uint64_t bytes;              /**< data bytes read */
	int completed;               /**< AR_STORED of a manifest beside data already there */
} ar_result_t;

/**
 * Labels of a submission: those of the manifest @p m (may be NULL) and
 * of the command line (@p cli_*, NULL when not given) must agree; a label
 * the manifest leaves out comes from the command line, except the phase:
 * a file with a manifest takes its phase from it (a command-line phase
 * that differs is refused). Server and instance are then name-checked.
 * @return 0 with *@p server, *@p instance, *@p phase set (borrowed), or
 *         DW_EINVAL with @p err saying why.
 */
int ar_labels_resolve(const ar_manifest_t *m, const char *cli_server, const char *cli_instance,
		      const char *cli_phase, const char **server, const char **instance,
		      const char **phase, char *err, size_t errlen);

/**
 * What can be checked before any data: names, labels, the manifest and
 * its agreement with the labels and with the announced checksum and size.
 * @return 0, or -1 with @p res filled (AR_REFUSED).
 */
int ar_sub_check(const ar_sub_t *s, ar_result_t *res);

/**
 * 1 when something (file or manifest) is stored under @p s's name, else 0.
 */
int ar_name_taken(ar_archive_t *a, const ar_sub_t *s);

/**
 * Compare what is stored under @p s's name with a submission whose
 * checksum and size are known (@p s->sha256, @p s->size), without the
 * data and without locking: the early answer of `archive receive`, and
 * what spares a local resubmission the copy.
 * @return 1 decided (@p res: AR_EXISTS or AR_REFUSED or AR_FAILED), 0 the
 *         data are needed (nothing stored, or only part of it).
 */
int ar_precheck(ar_archive_t *a, const ar_sub_t *s, ar_result_t *res);

/** Store one file (above). @return @p res->status. */
ar_status_t ar_submit(ar_archive_t *a, const ar_sub_t *s, ar_result_t *res);

/**
 * Open DIR/@p server/@p instance without following symlinks (O_DIRECTORY;
 * O_CLOEXEC). @return the descriptor, or -1 with errno.
 */
int ar_open_instance(ar_archive_t *a, const char *server, const char *instance);

/**
 * Lock an instance directory (its .lock, created when missing):
 * @p exclusive for writers, shared for readers that must not see a
 * publication half done. @return the lock's descriptor (close it to
 * unlock), or -1 with errno.
 */
int ar_lock_dir(int dirfd, int exclusive);

#endif
