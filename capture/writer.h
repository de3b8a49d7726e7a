/*
 * writer.h - the writer thread of `rootlens capture`: takes records from
 * the ring (ring.h) and turns them into finished capture files with their
 * manifests.
 *
 * The capture loop sends a NEWFILE record to start the first file and at
 * every rotation, PKT records in between, and END last. The writer names
 * each file after its period start (DIR/<UTC start>.pcap.gz, relative to a
 * directory descriptor opened before privileges were dropped), writes it
 * as NAME.part (gzfile.h: whole gzip members, one per flush interval at
 * most), and on close renames it and writes NAME.json (manifest.h). On a
 * write error the file is cut back to its complete members, renamed, its
 * manifest carries the error, and the writer stops (wr_failed()).
 * The writer never prints: the command layer reads wr_error().
 */
#ifndef ROOTLENS_CAPTURE_WRITER_H
#define ROOTLENS_CAPTURE_WRITER_H

#include <stdint.h>

#include "ring.h"

enum { WREC_PKT = 1, WREC_NEWFILE = 2, WREC_END = 3 };

/* Why a file was closed (manifest "closed_by"). */
enum { WR_CLOSE_ROTATION = 0, WR_CLOSE_WINDOW_END, WR_CLOSE_SIGNAL, WR_CLOSE_HUP, WR_CLOSE_ERROR };

typedef struct wr_drops {
	uint64_t kernel, interface, application, anonymizer;
} wr_drops_t;

typedef struct wrec_pkt {
	uint32_t type; /* WREC_PKT */
	uint32_t caplen;
	int64_t sec;
	uint32_t usec;
	uint32_t wirelen;
	/* caplen bytes follow */
} wrec_pkt_t;

typedef struct wrec_ctl {
	uint32_t type;   /* WREC_NEWFILE or WREC_END */
	uint32_t reason; /* WR_CLOSE_*: why the previous file closes */
	int64_t at_sec;  /* when the previous file closes = the new one starts */
	uint32_t at_usec;
	uint32_t pad;
	wr_drops_t drops; /* during the previous file */
} wrec_ctl_t;

typedef struct wr_config {
	int dirfd;               /* DIR/<server>/<instance> */
	const char *server, *instance, *phase; /* phase may be NULL */
	const char *host;
	const char *const *interfaces;
	int ninterfaces;
	int linktype;
	uint32_t snaplen;
	const char *filter;
	int gzip_engine;         /* gzf_engine_t */
	int gzip_level;
	double flush;            /* seconds */
	const char *anonymization; /* NULL when off */
	size_t member_max;       /* bytes of compressed member buffer */
} wr_config_t;

typedef struct writer writer_t;

/** Start the thread. @return NULL with @p err set on failure. */
writer_t *wr_start(const wr_config_t *cfg, ring_t *ring, char *err, size_t errlen);

/** Wait for the thread to end (after END, or after it failed). */
void wr_join(writer_t *w);
void wr_free(writer_t *w);

/** True once the writer stopped on an error; wr_error() says which. */
int wr_failed(const writer_t *w);
const char *wr_error(const writer_t *w);

/** Files finished so far (renamed, manifest written or attempted). */
unsigned wr_files(const writer_t *w);
/** Packets on disk in finished files and in the current file. */
uint64_t wr_packets(const writer_t *w);

#endif
