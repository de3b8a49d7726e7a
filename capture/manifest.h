/*
 * manifest.h - the JSON sidecar written beside each finished capture file
 * (doc/manifest.md): labels, capture settings, what the file holds, drops,
 * checksum and gzip members. Built with Jansson; written under a
 * temporary name, fsynced and renamed, so a reader never sees half of it.
 */
#ifndef ROOTLENS_CAPTURE_MANIFEST_H
#define ROOTLENS_CAPTURE_MANIFEST_H

#include <jansson.h>
#include <stddef.h>

#include "gzfile.h"
#include "writer.h"

#define MANIFEST_SCHEMA "rootlens.capture/1"

typedef struct mf_file {
	int64_t start_sec, end_sec; /* the file's period */
	uint32_t start_usec, end_usec;
	gzfile_t *gz;               /* what is on disk */
	wr_drops_t drops;
	uint64_t lost_on_error;     /* packets not written because of the error */
	int closed_by;              /* WR_CLOSE_* */
	const char *error;          /* NULL when none */
} mf_file_t;

/** The manifest object. @return NULL on out of memory. */
json_t *mf_build(const wr_config_t *cfg, const mf_file_t *f);

/**
 * Write @p doc as @p name (relative to @p dirfd) via NAME.tmp, fsync,
 * rename, fsync the directory. @return 0 or an errno value.
 */
int mf_write(int dirfd, const char *name, const json_t *doc);

/** "2010-05-05T00:00:00Z" or "...00.000123Z" when @p usec. */
void mf_time(int64_t sec, uint32_t usec, char buf[64]);

#endif
