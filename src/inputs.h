/*
 * inputs.h - what a stats document says about its inputs: each capture's
 * size and SHA-256 (of the file as stored), and the labels from a capture
 * manifest beside it; and the writing of a finished document. Command
 * layer: only in_write_doc() prints (its failure).
 */
#ifndef ROOTLENS_INPUTS_H
#define ROOTLENS_INPUTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/**
 * {"file": @p path, "bytes": N, "sha256": "<hex>"} for one capture,
 * hashed by streaming the file through OpenSSL (EVP_sha256). Standard
 * input ("-") cannot be read twice: its entry has "bytes" and "sha256"
 * null. @return a new object, or NULL with @p err saying why (the file
 * cannot be opened or read, or out of memory).
 */
json_t *in_file_entry(const char *path, char *err, size_t errlen);

/**
 * SHA-256 of a file from the bytes its reader reads anyway: in_hash_tap()
 * is a cf_tap_t callback (capfile.h) with the in_hash_t as its user, so
 * the file is read once for both. Nothing is allocated per call.
 */
typedef struct in_hash in_hash_t;

/** @return a new hash, or NULL (out of memory). */
in_hash_t *in_hash_new(void);

/** cf_tap_t.bytes: add @p n bytes to the hash @p user. */
void in_hash_tap(void *user, const uint8_t *p, size_t n);

/**
 * The "inputs" entry of @p path from what @p h was given (the whole file:
 * the tap was complete), as in_file_entry() would write it. @return a new
 * object, or NULL (a digest failure or out of memory; in_file_entry()
 * then decides).
 */
json_t *in_hash_entry(in_hash_t *h, const char *path);

/** Free (NULL is fine). */
void in_hash_free(in_hash_t *h);

/**
 * Labels from the manifest @p path.json written beside a capture
 * (`rootlens capture`): its string members "server", "instance", "phase"
 * are set in @p labels; other members are ignored.
 * @return 1 when a manifest was read, 0 when there is none (or @p path is
 *         "-"), -1 when it exists but is not a JSON object (@p err says
 *         where, with Jansson's line and column).
 */
int in_manifest_labels(const char *path, json_t *labels, char *err, size_t errlen);

/** One gzip member listed in a capture manifest (doc/manifest.md). */
typedef struct in_member {
	uint64_t offset;     /**< compressed offset where the member starts */
	int64_t first_sec;   /**< "first_packet", seconds; valid when have_time */
	int have_time;
} in_member_t;

/**
 * The "members" of the manifest @p path.json, in file order (offsets
 * strictly increasing; an entry without a valid "offset" makes the whole
 * list unusable). Only a hint: the caller verifies an offset before it
 * cuts there. @return the number of members with *@p out allocated (free()
 * it), 0 when there is no manifest or no usable "members" (*@p out NULL),
 * -1 out of memory.
 */
int in_manifest_members(const char *path, in_member_t **out);

/**
 * Write a stats document: indented (JSON_INDENT(1)) or @p compact, with a
 * final newline, to stdout or, when @p path is set, to PATH.tmp renamed to
 * PATH once complete (a reader never sees half a document; a PATH that
 * exists and is not a regular file, such as /dev/null or a FIFO, is
 * written in place). Prints the
 * failure as "rootlens @p cmd: ...". @return 0 or -1.
 */
int in_write_doc(const char *cmd, const json_t *doc, const char *path, int compact);

#endif
