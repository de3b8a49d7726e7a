/*
 * anon.h - the anonymizer `rootlens capture` applies to every captured
 * frame before it is written, for contributors who may not share raw
 * addresses.
 *
 * Two mappings of IPv4/IPv6 addresses:
 *
 *   truncate   keep the first v4_bits / v6_bits bits, zero the rest.
 *   cryptopan  Crypto-PAn (J. Xu, J. Fan, M. Ammar, S. Moon, "Prefix-
 *              Preserving IP Address Anonymization", ICNP 2002): a
 *              one-to-one mapping under a 32-byte secret key; two
 *              addresses sharing a k-bit prefix map to two addresses
 *              sharing a k-bit prefix, and the same key gives the same
 *              mapping in every capture, on every host. Output is that of
 *              the original Crypto-PAn distribution (IPv4) and of the
 *              common 128-bit extension of it (IPv6).
 *
 * Both mappings are prefix-consistent: the first k bits of the image of
 * an address depend only on its first k bits. That is what lets a prefix
 * be mapped alone (an EDNS Client Subnet, an address cut by snaplen): map
 * the zero-padded prefix and keep its first k bits.
 *
 * POLICY. A frame is never to be written with an original address in it.
 * anon_packet() rewrites, in place:
 *   - IPv4/IPv6 source and destination, in the outer header, in the inner
 *     header of IP-in-IP, IPv6-in-IP and GRE (version 0; IPv4, IPv6 or
 *     Ethernet inside) tunnels, and in
 *     the datagram quoted by ICMP/ICMPv6 errors (destination unreachable,
 *     source quench, redirect, time exceeded, parameter problem, packet
 *     too big), with the nesting bounded by ANON_MAX_DEPTH;
 *   - addresses in IPv4 options (record route, timestamp with addresses,
 *     traceroute), IPv6 routing headers of type 0, 2 and 4 (SRv6), the
 *     MPTCP ADD_ADDR TCP option, the ICMP redirect gateway, ICMP router
 *     advertisements, the target of IPv6 neighbour solicitations and
 *     advertisements, and the link-layer address of Linux cooked headers
 *     captured on IP tunnel devices (the kernel puts the outer source
 *     address there);
 *   - the ADDRESS of every EDNS Client Subnet option (RFC 7871) in a DNS
 *     message on UDP port 53 (either port), and in DNS over TCP on port
 *     53 when a segment's payload is made of length-prefixed messages
 *     from its first byte; only SOURCE PREFIX-LENGTH bits are kept, the
 *     rest is zero, the on-wire length is kept. A malformed ECS option
 *     (unknown family, address too long) has its address zeroed.
 * and keeps every checksum that covers a rewritten byte consistent: the
 * IPv4 header checksum is recomputed; UDP, TCP, UDP-Lite, DCCP, ICMP,
 * ICMPv6 and GRE checksums are updated incrementally (RFC 1624), also in
 * the first fragment of a datagram and in a quoted datagram. A UDP
 * checksum of 0 over IPv4 stays 0. Two checksum values are functions of
 * the original addresses rather than checksums, and an incremental update
 * would expose a 16-bit sum of them, so they are recognised first: 0 in a
 * field that cannot be 0 (left 0), and the pseudo-header sum that
 * transmit checksum offload leaves in a captured outgoing packet (replaced
 * by the same sum over the new addresses). When the whole datagram is in
 * the frame a correct checksum is recognised as such first. An IPv4
 * header checksum whose header is cut by snaplen is zeroed.
 *
 * Bytes past caplen are not there: what is present is rewritten, down to
 * the first bytes of an address cut in the middle (the prefix rule
 * above). An IPv4 header cut at 13 bytes keeps 1 byte of a mapped source.
 * Bytes after the outermost IP datagram (Ethernet padding, an FCS, which
 * is a CRC over the original addresses, vendor trailers) are zeroed.
 *
 * anon_packet() returns -1, and the caller must drop the frame (and count
 * it as an anonymizer drop), when it cannot be sure no original address
 * is left:
 *   - the link type is not handled (ANON_DROP_LINKTYPE), the frame is too
 *     short to tell what it carries (ANON_DROP_LINK_TRUNC), or it is not
 *     IPv4/IPv6 (ARP carries addresses too; ANON_DROP_NOT_IP);
 *   - an IP header is inconsistent: bad version, IPv4 header length < 20
 *     or past the total length, malformed options or extension headers
 *     (ANON_DROP_IP_BAD);
 *   - an IPv4 option or an IPv6 option, routing header or protocol known
 *     to carry addresses in a form not rewritten here (source routes, the
 *     Mobile IPv6 home address option, RPL routing, unknown options,
 *     IGMP, RSVP, OSPF, PIM, VRRP, EIGRP, mobility, HIP, shim6 headers)
 *     (ANON_DROP_IP_OPTION);
 *   - an ICMP message other than the errors and messages named above,
 *     echo, timestamp, information, address mask and router solicitation;
 *     an ICMPv6 message other than those named above, echo and router
 *     solicitation; a neighbour discovery option other than link-layer
 *     address and nonce; an RFC 4884 extension object other than an MPLS
 *     label stack (ANON_DROP_ICMP);
 *   - tunnels and quotes nested deeper than ANON_MAX_DEPTH, or a GRE
 *     header of another version or payload (ANON_DROP_NESTING).
 * What is not inspected, and so is written as captured: payloads other
 * than DNS on port 53 (a UDP tunnel such as VXLAN is payload; so are the
 * addresses a DNS answer holds), the payload of protocols not named
 * above ("stop at unknown ones"), IP fragments after the first (their IP
 * header is rewritten), a DNS message past the point where it is
 * malformed, and TCP segments that do not start with a message. A DNS
 * message cut by snaplen or by fragmentation is walked as far as it was
 * captured. Each of these is counted (anon_stats_t), so the manifest can
 * say how much was left unread. Link-layer (MAC) addresses are not IP
 * addresses and are kept.
 *
 * An anon_t is used by one thread at a time (it holds a cipher context
 * and a cache). anon_packet() allocates nothing and does no I/O.
 */
#ifndef ROOTLENS_ANON_H
#define ROOTLENS_ANON_H

#include <stddef.h>
#include <stdint.h>

#define ANON_V4_BITS_DEFAULT 24
#define ANON_V6_BITS_DEFAULT 48
#define ANON_KEY_LEN 32
/** Tunnels and quoted datagrams followed inside one frame. */
#define ANON_MAX_DEPTH 4

typedef struct anon anon_t; /* opaque: anon_new_*() own it, anon_free() */

/**
 * Keep the first @p v4_bits (0..32) / @p v6_bits (0..128) bits of every
 * address, zero the rest (defaults ANON_V4_BITS_DEFAULT, _V6_).
 * @return the anonymizer, or NULL when a bit count is out of range or
 *         memory is short.
 */
anon_t *anon_new_truncate(unsigned v4_bits, unsigned v6_bits);

/**
 * Crypto-PAn under @p key: key[0..15] is the AES-128 key, AES(key[16..31])
 * the pad. Copies what it needs of @p key. Same key, same mapping, on
 * every host.
 * @return the anonymizer, or NULL with a message in @p err (NUL-terminated
 *         when @p errlen > 0) when OpenSSL or memory fails.
 */
anon_t *anon_new_cryptopan(const uint8_t key[ANON_KEY_LEN], char *err, size_t errlen);

/**
 * Read a key file: exactly 32 raw bytes, or 64 hex digits with an optional
 * trailing newline ("\n" or "\r\n").
 * @return 0 with the key in @p key, or -1 with a message naming @p path
 *         and what is wrong in @p err.
 */
int anon_load_key(const char *path, uint8_t key[ANON_KEY_LEN], char *err, size_t errlen);

/** Free @p a (NULL is fine); key material and cached mappings are wiped. */
void anon_free(anon_t *a);

/** Map one IPv4 address in place. */
void anon_addr4(anon_t *a, uint8_t addr[4]);
/** Map one IPv6 address in place. */
void anon_addr6(anon_t *a, uint8_t addr[16]);

/**
 * Map a prefix: the first @p bits bits of @p addr (4 bytes when @p v6 is 0,
 * else 16) are mapped as the zero-padded address; bits from @p bits on are
 * zero on return (@p bits is clipped to the address length).
 */
void anon_prefix(anon_t *a, int v6, uint8_t *addr, unsigned bits);

/**
 * Rewrite every address in one captured frame of link type @p linktype
 * (LINKTYPE_* as in rootlens/netlayers.h), @p caplen bytes, in place, by
 * the POLICY above.
 * @return 0 when the frame may be written (every address that is in it
 *         has been rewritten), -1 when the caller must drop it; the frame
 *         is then partly rewritten and must not be written either.
 */
int anon_packet(anon_t *a, int linktype, uint8_t *frame, uint32_t caplen);

/** Why anon_packet() returned -1; stable names by anon_drop_name(). */
typedef enum anon_drop {
	ANON_DROP_LINKTYPE = 0,	/**< link type not handled */
	ANON_DROP_LINK_TRUNC,	/**< too short to tell what the frame carries */
	ANON_DROP_NOT_IP,	/**< not IPv4/IPv6 (ARP, LLDP, MPLS, ...) */
	ANON_DROP_IP_BAD,	/**< inconsistent IP header, options, extension headers */
	ANON_DROP_IP_OPTION,	/**< option, header or protocol carrying addresses not rewritten */
	ANON_DROP_ICMP,		/**< ICMP type or extension not handled */
	ANON_DROP_NESTING,	/**< nested too deep, or a GRE header not followed */
	ANON_DROP__COUNT
} anon_drop_t;

/** "linktype", "link_trunc", "not_ip", "ip_bad", "ip_option", "icmp", "nesting". */
const char *anon_drop_name(anon_drop_t d);

/** Counters (monotonic since anon_new_*). */
typedef struct anon_stats {
	uint64_t packets;      /**< frames given to anon_packet() */
	uint64_t addrs;        /**< addresses rewritten (cut ones included) */
	uint64_t ecs;          /**< ECS addresses rewritten */
	uint64_t dropped;      /**< frames anon_packet() returned -1 for */
	uint64_t drop[ANON_DROP__COUNT]; /**< dropped, by reason */
	uint64_t ecs_bad;      /**< malformed ECS options: address zeroed */
	uint64_t dns_unparsed; /**< DNS messages not walked to their end on
				    bytes that were captured (malformed): an ECS
				    after the failure point is left as is */
	uint64_t dns_cut;      /**< DNS messages cut (snaplen, first fragment,
				    quote) before the end of their additional
				    section: walked as far as captured */
	uint64_t tcp_unparsed; /**< TCP port 53 segments with payload not made of
				    length-prefixed messages: not inspected */
	uint64_t frag_later;   /**< fragments after the first: IP header only */
	uint64_t ip_other;     /**< frames whose innermost protocol is not
				    inspected (ESP, SCTP, unknown): IP header only */
	uint64_t csum_offload; /**< L4 checksums found holding the pseudo-header
				    sum of transmit offload (or 0), kept as such */
	uint64_t trailers;     /**< frames with non-zero bytes after the outer IP
				    datagram (FCS, trailer): zeroed */
	uint64_t cache_hits;   /**< Crypto-PAn mappings served from the cache */
	uint64_t cache_misses; /**< ... computed with AES */
	uint64_t crypto_errors;/**< AES failures: the address was zeroed instead */
} anon_stats_t;

void anon_get_stats(const anon_t *a, anon_stats_t *st);

/**
 * A short public identifier of the configuration, for the manifest:
 * "truncate/24/48", or "cryptopan/" and the first 16 hex digits of
 * SHA-256 over the 32-byte key (the key itself never). Owned by @p a.
 */
const char *anon_describe(const anon_t *a);

#endif
