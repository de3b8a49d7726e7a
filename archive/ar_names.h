/*
 * ar_names.h - what may name a place in the archive.
 *
 * The archive is DIR/<server>/<instance>/<file> with NAME.json beside
 * each file. Server, instance and file name come from manifests, from the
 * command line and, in `archive receive`, from the network: each must be
 * one path component that cannot reach outside DIR nor hide among the
 * archive's own entries (temporary files, the lock, the catalog all start
 * with '.').
 */
#ifndef ROOTLENS_AR_NAMES_H
#define ROOTLENS_AR_NAMES_H

#include <stddef.h>

/** Longest server, instance, file name or phase label, in bytes. Leaves
 *  room in NAME_MAX (255) for ".NAME.json.tmp.XXXXXXXXXXXX". */
#define AR_NAME_MAX 200

/**
 * Check that @p s may be one path component of the archive: 1 to
 * AR_NAME_MAX bytes of valid UTF-8, no '/', no control characters (C0, DEL,
 * C1), not starting with '.' or '-' (so neither "." nor ".." nor a hidden
 * or option-like name). @p what ("server", "instance", "file name") starts
 * the message written into @p err.
 * @return 0, or DW_EINVAL with @p err set.
 */
int ar_name_check(const char *s, const char *what, char *err, size_t errlen);

/**
 * ar_name_check() plus what a capture file name must not be: a name ending
 * in ".json" (the manifests' names) or in ".tmp"/".part" (names of files
 * being written). @return 0 or DW_EINVAL.
 */
int ar_file_name_check(const char *s, char *err, size_t errlen);

/**
 * A label that is not a path component (the phase): 1 to AR_NAME_MAX
 * bytes of valid UTF-8 without control characters. @return 0 or DW_EINVAL.
 */
int ar_label_check(const char *s, const char *what, char *err, size_t errlen);

#endif
