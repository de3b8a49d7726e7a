/*
 * dnswire.h - DNS wire-format parser (RFC 1035, RFC 6891).
 *
 * lib/dnswire does no I/O, knows nothing of pcap and never allocates. It
 * decodes one DNS message into a flat view, dw_msg_t, that the metrics read;
 * nothing above this layer touches the wire again.
 *
 *                                   1  1  1  1  1  1
 *     0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   |                      ID                       |
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   |QR|   Opcode  |AA|TC|RD|RA| Z|AD|CD|   RCODE   |
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   |          QDCOUNT / ANCOUNT / NSCOUNT / ARCOUNT |
 *   +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 */
#ifndef ROOTLENS_DNSWIRE_H
#define ROOTLENS_DNSWIRE_H

#include <stddef.h>
#include <stdint.h>

#include "rootlens/dw_cursor.h"
#include "rootlens/errcode.h"

#define DW_HEADER_LEN 12
#define DW_NAME_MAXLEN 255     /**< RFC 1035 3.1: wire length incl. root label */
#define DW_LABEL_MAXLEN 63
#define DW_MAX_PTR_HOPS 126    /**< compression pointers followed per name */
#define DW_NAME_STRMAX 1024    /**< presentation buffer: 4 chars per byte worst case + NUL */
#define DW_RR_MIN 11           /**< smallest RR: root name(1)+type+class+ttl+rdlen */
#define DW_Q_MIN 5             /**< smallest question: root name + type + class */

/* ---- names ------------------------------------------------------------ */

/**
 * Read the name at the cursor, following compression pointers, into
 * @p out as uncompressed wire labels ending with the root label.
 * A pointer must point strictly before the start of the run of labels
 * it was read in (tcpdump's rule: stricter than "before the pointer",
 * and it makes loops impossible), and at most DW_MAX_PTR_HOPS are
 * followed.
 * The cursor ends just past the name's bytes at its original place.
 * Case is preserved. @p out may be NULL to validate and skip only.
 * @return 0, DW_ETRUNC, DW_ELABEL (label type 01/10 or bad length),
 *         DW_ELOOP (forward/self pointer, too many hops), DW_ENAMELEN.
 *         On error the cursor is failed with the same code.
 */
int dw_name_parse(dw_cur_t *c, uint8_t out[DW_NAME_MAXLEN], size_t *outlen);

/**
 * Presentation format of an uncompressed wire name (RFC 1035 5.1,
 * RFC 4343): labels joined by '.', a trailing '.', the root as ".".
 * Bytes outside 0x21..0x7e become \DDD; '.', '\\', '"', '(', ')', ';',
 * '@', '$' inside a label are escaped with a backslash. Case preserved.
 * @return length written (without NUL); @p buf is always NUL-terminated
 *         (size >= DW_NAME_STRMAX is always enough).
 */
size_t dw_name_to_str(const uint8_t *wire, size_t wlen, char *buf, size_t bufsz);

/**
 * The TLD of a wire name, lowercased in presentation format without the
 * trailing dot ("com", "xn--p1ai"); the root name gives ".".
 * @return length written; buf always NUL-terminated.
 */
size_t dw_name_tld(const uint8_t *wire, size_t wlen, char *buf, size_t bufsz);

/** Number of labels in an uncompressed wire name (root = 0). */
unsigned dw_name_labels(const uint8_t *wire, size_t wlen);

/* ---- messages ----------------------------------------------------------- */

/** Why a message did not parse completely; stable names by dw_bad_name(). */
typedef enum dw_bad {
	DW_BAD_NONE = 0,
	DW_BAD_SHORT_HEADER,   /**< fewer than 12 bytes */
	DW_BAD_LABEL,          /**< bad label type or length in a name */
	DW_BAD_POINTER,        /**< compression pointer forward, self or loop */
	DW_BAD_NAME_TOO_LONG,  /**< name over 255 bytes */
	DW_BAD_QUESTION_TRUNC, /**< question section ends early */
	DW_BAD_ANSWER_TRUNC,   /**< answer section ends early */
	DW_BAD_AUTHORITY_TRUNC,/**< authority section ends early */
	DW_BAD_ADDITIONAL_TRUNC,/**< additional section ends early */
	DW_BAD_OPT,            /**< OPT not at root, several OPT, options overrun */
	DW_BAD_TRAILING,       /**< bytes after the last section (parsed fully) */
	DW_BAD__COUNT
} dw_bad_t;

/** Stable snake_case name of a reason ("short_header", ...). */
const char *dw_bad_name(dw_bad_t b);

/** Which section a parse reached (for have_* / truncated_at). */
typedef enum dw_section {
	DW_SEC_HEADER = 0,
	DW_SEC_QUESTION,
	DW_SEC_ANSWER,
	DW_SEC_AUTHORITY,
	DW_SEC_ADDITIONAL,
	DW_SEC_END
} dw_section_t;

/**
 * A decoded DNS message: a flat view with fixed-size fields; it holds no
 * pointer into the wire, so it outlives the packet buffer.
 */
typedef struct dw_msg {
	size_t len;               /**< DNS message length in bytes */
	/* header (valid when have_header) */
	int have_header;
	uint16_t id;
	uint8_t qr, opcode, aa, tc, rd, ra, z, ad, cd;
	uint8_t rcode;            /**< 4-bit header RCODE */
	uint16_t qdcount, ancount, nscount, arcount;
	/* first question (valid when have_question) */
	int have_question;
	uint8_t qname[DW_NAME_MAXLEN]; /**< uncompressed wire form, case kept */
	uint8_t qname_len;
	uint16_t qtype, qclass;
	uint16_t questions;       /**< questions parsed completely */
	/* EDNS(0) OPT from the additional section (valid when have_edns) */
	int have_edns;
	uint16_t edns_udpsize;    /**< requestor's UDP payload size (OPT CLASS) */
	uint8_t edns_ext_rcode;   /**< upper 8 bits of the extended RCODE */
	uint8_t edns_version;
	uint8_t edns_do;          /**< DO bit */
	uint16_t edns_flags;      /**< the 16 flag bits (DO is the top one) */
	uint16_t edns_options;    /**< number of options */
	uint64_t edns_opt_present;/**< bit n set: option code n (< 64) present */
	int edns_opt_high;        /**< an option code >= 64 is present */
	/* rcode with the EDNS extension when have_edns: ext << 4 | rcode */
	uint16_t rcode_full;
	/* how far the parse got */
	dw_section_t reached;     /**< last section entered */
	uint16_t rrs;             /**< resource records parsed completely */
	dw_bad_t bad;             /**< DW_BAD_NONE when the whole message parsed */
} dw_msg_t;

/**
 * Parse one DNS message (borrows @p wire for the call only).
 * Fills @p m as far as it parses: header, every question (the first kept),
 * every RR walked (names validated), the OPT record decoded. Counts are
 * checked against the bytes left before any loop (Knot's rule).
 * @return 0 when the whole message parsed (m->bad may still be
 *         DW_BAD_TRAILING), or a negative DW_E* code with m->bad set.
 */
int dw_msg_parse(dw_msg_t *m, const uint8_t *wire, size_t len);

/* ---- mnemonics (IANA registries) ---------------------------------------- */

/** RR type mnemonic ("A", "DNSKEY"), or NULL when IANA assigns none. */
const char *dw_rrtype_name(uint16_t type);
/** RR type as text: the mnemonic or "TYPEnnn" (RFC 3597). @return buf. */
const char *dw_rrtype_str(uint16_t type, char buf[16]);
/** Class as text: "IN", "CH", "HS", "NONE", "ANY" or "CLASSnnn". */
const char *dw_class_str(uint16_t cls, char buf[16]);
/** RCODE (12-bit, extended included) as text: "NOERROR"... or "RCODEnn". */
const char *dw_rcode_str(uint16_t rcode, char buf[16]);
/** Opcode as text: "QUERY", "IQUERY", "STATUS", "NOTIFY", "UPDATE",
 *  "DSO" or "OPCODEnn". */
const char *dw_opcode_str(uint8_t opcode, char buf[16]);

#endif
