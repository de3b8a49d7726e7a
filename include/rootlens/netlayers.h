/*
 * netlayers.h - from a captured frame to DNS payloads.
 *
 * link layer -> IPv4/IPv6 (options, extension headers, fragment
 * reassembly) -> UDP or TCP (stream reassembly of RFC 1035 4.2.2 /
 * RFC 7766 length-prefixed messages) -> one callback per DNS message.
 *
 * The decoder knows nothing of DNS beyond ports and the TCP length prefix,
 * and nothing of files. All reassembly state lives in tables sized at
 * nl_decoder_new() (flows, bytes per flow, total bytes) and expires by
 * packet time; nothing is allocated per packet. What is evicted or dropped
 * is counted in nl_stats_t. Checksums are never verified: offload makes
 * them wrong in real captures.
 */
#ifndef ROOTLENS_NETLAYERS_H
#define ROOTLENS_NETLAYERS_H

#include <stddef.h>
#include <stdint.h>

#include "rootlens/errcode.h"

#define NL_MAX_PORTS 16

/* Link types handled (LINKTYPE_* numbers as stored in pcap/pcapng). */
#define NL_LINK_NULL 0        /**< BSD loopback, AF in capturing host order */
#define NL_LINK_ETHERNET 1    /**< with 802.1Q / 802.1ad / QinQ tags */
#define NL_LINK_FDDI 10       /**< FDDI with 802.2 LLC/SNAP */
#define NL_LINK_RAW_DLT12 12  /**< raw IP (DLT_RAW on most systems) */
#define NL_LINK_RAW_DLT14 14  /**< raw IP (DLT_RAW on OpenBSD) */
#define NL_LINK_RAW 101       /**< LINKTYPE_RAW */
#define NL_LINK_LOOP 108      /**< OpenBSD loopback, AF in network order */
#define NL_LINK_LINUX_SLL 113 /**< Linux cooked v1 */
#define NL_LINK_IPV4 228
#define NL_LINK_IPV6 229
#define NL_LINK_LINUX_SLL2 276 /**< Linux cooked v2 */

/** True when @p linktype is one nl_decode() handles. */
int nl_linktype_supported(int linktype);

typedef enum nl_transport { NL_UDP = 17, NL_TCP = 6 } nl_transport_t;

/** One DNS message found in the traffic. Borrowed for the callback only. */
typedef struct nl_dns {
	int64_t ts_sec;          /**< time of the packet that completed it */
	uint32_t ts_nsec;
	uint8_t transport;       /**< NL_UDP or NL_TCP */
	uint8_t ipver;           /**< 4 or 6 */
	uint8_t src[16], dst[16];/**< IPv4 in the first 4 bytes */
	uint16_t sport, dport;
	const uint8_t *payload;  /**< the DNS message (no TCP length prefix) */
	size_t len;              /**< bytes at payload */
	size_t wire_len;         /**< the message's length on the wire: len, or
				      more when snaplen cut a UDP datagram */
	uint8_t fragmented;      /**< came from a reassembled IP datagram */
	uint8_t snapped;         /**< cut by snaplen: wire_len > len */
} nl_dns_t;

typedef void (*nl_dns_cb)(const nl_dns_t *m, void *user);

/** Why a packet gave no DNS message. Stable names by nl_skip_name(). */
typedef enum nl_skip {
	NL_SKIP_LINK_TRUNC = 0, /**< frame shorter than its link header */
	NL_SKIP_NOT_IP,         /**< ARP, LLDP, other ethertypes / AFs */
	NL_SKIP_IP_TRUNC,       /**< IP header cut short; or a fragment, TCP
				     segment or UDP header cut by snaplen (a
				     UDP datagram cut by snaplen is still
				     handed up, marked snapped) */
	NL_SKIP_IP_BAD,         /**< bad version, header length or total length */
	NL_SKIP_OTHER_PROTO,    /**< neither UDP, TCP nor ICMP */
	NL_SKIP_ICMP,           /**< ICMP/ICMPv6 (quoted DNS is not DNS) */
	NL_SKIP_UDP_TRUNC,      /**< UDP header or payload cut short */
	NL_SKIP_TCP_TRUNC,      /**< TCP header cut short, bad data offset */
	NL_SKIP_NOT_DNS_PORT,   /**< UDP/TCP not on a DNS port */
	NL_SKIP_UDP_EMPTY,      /**< UDP on a DNS port with no payload */
	NL_SKIP_TCP_NODATA,     /**< TCP on a DNS port without payload (SYN, ACK, FIN) */
	NL_SKIP_TCP_PARTIAL,    /**< TCP data buffered; no message completed yet */
	NL_SKIP_FRAG_HELD,      /**< IP fragment held for reassembly */
	NL_SKIP__COUNT
} nl_skip_t;

const char *nl_skip_name(nl_skip_t s);

/** Counters kept by a decoder (all monotonic). */
typedef struct nl_stats {
	uint64_t packets;              /**< frames given to nl_decode() */
	uint64_t dns_packets;          /**< frames that completed >= 1 DNS message */
	uint64_t skipped[NL_SKIP__COUNT];
	uint64_t snapped;              /**< frames with caplen < len */
	/* IP fragment reassembly */
	uint64_t frag_datagrams;       /**< datagrams reassembled */
	uint64_t frag_evicted;         /**< partial datagrams evicted: table or byte pool full */
	uint64_t frag_timeout;         /**< partial datagrams expired */
	uint64_t frag_bad;             /**< inconsistent/oversized fragments dropped */
	/* TCP stream reassembly */
	uint64_t tcp_flows;            /**< flow directions tracked */
	uint64_t tcp_evicted;          /**< flows evicted with data pending (table full) */
	uint64_t tcp_timeout;          /**< flows expired with data pending */
	uint64_t tcp_gap;              /**< holes never filled: stream resynchronised */
	uint64_t tcp_overflow;         /**< out-of-order data dropped: per-flow cap */
	uint64_t tcp_retrans;          /**< segments wholly retransmitted (ignored) */
	uint64_t tcp_partial_at_end;   /**< flows with an incomplete message at nl_flush() */
} nl_stats_t;

/** Bounds and options. Fill with nl_config_default(), then adjust. */
typedef struct nl_config {
	uint16_t ports[NL_MAX_PORTS]; /**< DNS ports (either side); default {53} */
	unsigned nports;
	unsigned frag_max_datagrams;  /**< partial datagrams held (default 1024) */
	size_t frag_pool_bytes;       /**< bytes for all of them (default 8 MiB) */
	unsigned frag_timeout_s;      /**< default 30 */
	unsigned tcp_max_flows;       /**< flow directions held (default 65536) */
	size_t tcp_flow_max_bytes;    /**< buffered per direction (default 128 KiB) */
	size_t tcp_pool_bytes;        /**< bytes for all flows (default 64 MiB) */
	unsigned tcp_timeout_s;       /**< idle flow expiry (default 120) */
} nl_config_t;

void nl_config_default(nl_config_t *cfg);

typedef struct nl_decoder nl_decoder_t; /* opaque: nl_decoder_new() owns it */

/** Allocate a decoder and all its tables. @return 0, DW_ENOMEM, DW_EINVAL. */
int nl_decoder_new(nl_decoder_t **d, const nl_config_t *cfg);

/**
 * Decode one frame of link type @p linktype (@p caplen bytes captured of
 * @p wirelen). Calls @p cb for each DNS message it completes (zero, one or
 * several). The frame is borrowed for the call only.
 * @return 0, or DW_ELINKTYPE when the link type is not supported (the
 *         frame is not counted).
 */
int nl_decode(nl_decoder_t *d, int linktype, int64_t ts_sec, uint32_t ts_nsec,
	      const uint8_t *frame, size_t caplen, size_t wirelen,
	      nl_dns_cb cb, void *user);

/**
 * End of input: TCP data held after a hole that can no longer fill is
 * handed to @p cb (with the arrival times of its segments); what is still
 * pending after that (partial messages, fragments) is counted.
 */
void nl_flush(nl_decoder_t *d, nl_dns_cb cb, void *user);

const nl_stats_t *nl_decoder_stats(const nl_decoder_t *d);

void nl_decoder_free(nl_decoder_t *d);

#endif
