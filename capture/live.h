/*
 * live.h - the capture devices: one libpcap handle per interface, opened
 * with the collector's settings (snaplen, kernel buffer, immediate mode
 * off, TPACKET_V3 where libpcap has it), a BPF filter, non-blocking, and
 * read together with poll(). Also the default filter and its combination
 * with a user's filter. No printing: errors come back in @p err.
 */
#ifndef ROOTLENS_CAPTURE_LIVE_H
#define ROOTLENS_CAPTURE_LIVE_H

#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>

/* DNS, and every IPv4 non-first fragment and IPv6 fragment: the later
 * fragments of a large UDP answer carry no UDP header and no port. */
#define LIVE_FRAGMENTS "(ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] == 44)"
#define LIVE_DEFAULT_FILTER "port 53 or " LIVE_FRAGMENTS

/**
 * The filter to compile: the default when @p user is NULL; otherwise
 * "(USER) or FRAGMENTS", or USER alone with @p no_fragments.
 * @return a new string (free it), NULL on out of memory.
 */
char *live_filter(const char *user, int no_fragments);

typedef struct live_opts {
	int snaplen;
	int buffer_mib;
	int promisc;
	const char *filter;
} live_opts_t;

typedef struct live live_t;

/** Open and activate every interface. NULL with @p err on failure. */
live_t *live_open(const char *const *ifaces, int n, const live_opts_t *o, char *err,
		  size_t errlen);
void live_close(live_t *l);

int live_linktype(const live_t *l);
/** Warnings libpcap gave while activating (empty when none). */
const char *live_warnings(const live_t *l);

/**
 * Wait up to @p timeout_ms for packets and hand each to @p cb.
 * @return packets handled (0 on timeout or EINTR), -1 on an error (@p err).
 */
int live_dispatch(live_t *l, int timeout_ms, pcap_handler cb, unsigned char *user, char *err,
		  size_t errlen);

/** Break out of live_dispatch from its callback. */
void live_breakloop(live_t *l);

/** Kernel and interface drops, summed over the interfaces, since opening. */
void live_drops(live_t *l, uint64_t *kernel, uint64_t *interface);

#endif
