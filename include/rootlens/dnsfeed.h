/*
 * dnsfeed.h - the read loop every command shares: capture files in,
 * decoded DNS messages out.
 *
 *   file --capfile--> frames --netlayers--> DNS payloads --dnswire--> dw_msg_t
 *
 * The feed owns one reader at a time and one packet decoder for its whole
 * life, so a TCP stream or a fragmented datagram that crosses from one file
 * into the next (rotated captures) is still reassembled. It counts; it
 * never prints: damage comes back as an error code and a message naming
 * the file and byte offset.
 */
#ifndef ROOTLENS_DNSFEED_H
#define ROOTLENS_DNSFEED_H

#include <stdint.h>

#include "rootlens/capfile.h"
#include "rootlens/dnswire.h"
#include "rootlens/netlayers.h"

/** Counts for one file (or a sum of files). */
typedef struct rl_feed_stats {
	uint64_t packets;             /**< records read */
	uint64_t bytes;               /**< raw bytes read from the file */
	uint64_t messages[2][2];      /**< [0 udp, 1 tcp][0 IPv4, 1 IPv6] */
	uint64_t queries, responses;  /**< QR=0 / QR=1 among messages with a header */
	uint64_t snapped;             /**< messages cut by snaplen (parsed as far as captured) */
	uint64_t malformed[DW_BAD__COUNT]; /**< [DW_BAD_NONE] unused */
	nl_stats_t net;               /**< decoder counters during this file */
	uint64_t unsupported_link;    /**< frames of a link type not handled */
	int unsupported_linktype;     /**< the last such link type, or -1 */
} rl_feed_stats_t;

/** Called once per DNS message; both pointers are borrowed for the call. */
typedef void (*rl_feed_msg_cb)(const nl_dns_t *pkt, const dw_msg_t *msg, void *user);

/** Called every few thousand packets (progress reporting). */
typedef void (*rl_feed_tick_cb)(const rl_feed_stats_t *file_so_far, void *user);

typedef struct rl_feed rl_feed_t; /* opaque: rl_feed_new() owns it */

/** @return 0, DW_ENOMEM, DW_EINVAL. */
int rl_feed_new(rl_feed_t **f, const nl_config_t *cfg);

/**
 * Read one file ("-" for stdin) to its end, calling @p cb per message.
 * @p st receives this file's counts (zeroed first). Every message before
 * any damage has been delivered when this returns.
 * @return 0; or a negative DW_E* code with @p err naming the file and the
 *         offset: the file could not be opened, or it is damaged
 *         (truncated, corrupt gzip), or its link type is not supported.
 */
int rl_feed_file(rl_feed_t *f, const char *path, rl_feed_msg_cb cb, void *user,
		 rl_feed_stats_t *st, char *err, size_t errlen);

/**
 * Like rl_feed_file(), for the part of @p path from raw offset @p start to
 * @p end (cf_reader_open_range(); @p proto is the reader opened on the
 * whole file, NULL when @p start is 0). The part's counts go into @p st;
 * st->bytes is the raw bytes of the part (end - start when read to its
 * end), so the parts of a file add up to the file.
 *
 * Exactness across parts: a message belongs to the part whose packet
 * completed it. The part before ends without rl_feed_finish() (the held
 * TCP data are not released there); the feed that reads this part first
 * replays the end of the previous one with rl_feed_warmup(), so that its
 * reassembly tables hold what they would hold at @p start had it read the
 * file from its beginning.
 */
int rl_feed_range(rl_feed_t *f, const char *path, const cf_reader_t *proto, uint64_t start,
		  uint64_t end, rl_feed_msg_cb cb, void *user, rl_feed_stats_t *st,
		  char *err, size_t errlen);

/**
 * Decode the part [@p start, @p end) of @p path only to fill the
 * reassembly tables: messages it completes are dropped, nothing is
 * counted (the decoder's counters move, but the stats of rl_feed_range()
 * are differences taken across its own part). @p packets gets the packets
 * read (may be NULL). @return 0 or a negative DW_E* code with @p err set.
 */
int rl_feed_warmup(rl_feed_t *f, const char *path, const cf_reader_t *proto, uint64_t start,
		   uint64_t end, uint64_t *packets, char *err, size_t errlen);

/** Progress hook, called from rl_feed_file(). */
void rl_feed_set_tick(rl_feed_t *f, rl_feed_tick_cb tick, void *user);

/**
 * Tap (capfile.h, cf_tap_t) for the files this feed reads whole
 * (rl_feed_file(), rl_feed_range() from 0 to UINT64_MAX) until set again;
 * NULL for none. The tap is the caller's; it must outlive those calls.
 */
void rl_feed_set_tap(rl_feed_t *f, cf_tap_t *tap);

/**
 * End of all input (call it only after the last part of the input; a part
 * followed by another, read by another feed, must not be flushed or its
 * held data would be delivered twice): TCP messages held after holes that can no longer
 * fill go to @p cb and are counted into @p st (the last file's stats),
 * with what is still pending in reassembly.
 */
void rl_feed_finish(rl_feed_t *f, rl_feed_msg_cb cb, void *user, rl_feed_stats_t *st);

/** Add @p b into @p a. */
void rl_feed_stats_add(rl_feed_stats_t *a, const rl_feed_stats_t *b);

/** Messages in @p st (sum over transports and IP versions). */
uint64_t rl_feed_stats_messages(const rl_feed_stats_t *st);

void rl_feed_free(rl_feed_t *f);

#endif
