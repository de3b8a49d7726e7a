/*
 * anon_packet.c - rewrite every address in one captured frame, in place.
 * The policy (what is rewritten, what makes a frame be dropped) is in
 * anon.h.
 *
 * The walk follows the frame down: link header, IPv4/IPv6 (options,
 * extension headers, tunnels), transport, the DNS message on port 53, and
 * the datagram quoted by an ICMP error, which is walked like any other.
 * Every byte is written through wr(), which also keeps every checksum
 * whose span is open around it up to date: a checksum "scope" is pushed
 * when the walk enters a transport (or GRE, ICMP) header and popped, with
 * its field updated by the sum of the changes (RFC 1624, eqn. 3), when it
 * leaves. So an ECS address rewritten inside a DNS message quoted by an
 * ICMPv6 error moves the quoted UDP checksum, and both move the ICMPv6
 * checksum, each by exactly what changed under it.
 *
 * Bounds: @p end arguments are offsets of the first byte not captured
 * (never past caplen); declared lengths (IP total length, UDP length,
 * RDLENGTH) are checked against them before any read. Reads go through
 * g8()/g16(), which return 0 past caplen, as a second line of defence.
 */
#include <stdint.h>
#include <string.h>

#include "anon_int.h"
#include "rootlens/netlayers.h"

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd
#define ETH_8021Q 0x8100
#define ETH_8021AD 0x88a8
#define ETH_QINQ_OLD 0x9100
#define ETH_TEB 0x6558		/* transparent Ethernet bridging (GRE) */

#define P_HOPOPTS 0
#define P_ICMP 1
#define P_IGMP 2
#define P_IPIP 4
#define P_TCP 6
#define P_UDP 17
#define P_DCCP 33
#define P_IPV6 41
#define P_ROUTING 43
#define P_FRAGMENT 44
#define P_RSVP 46
#define P_GRE 47
#define P_ESP 50
#define P_AH 51
#define P_ICMPV6 58
#define P_NONE 59
#define P_DSTOPTS 60
#define P_EIGRP 88
#define P_OSPF 89
#define P_PIM 103
#define P_VRRP 112
#define P_SCTP 132
#define P_MOBILITY 135
#define P_UDPLITE 136
#define P_HIP 139
#define P_SHIM6 140

#define DNS_PORT 53
#define MAX_SCOPES (ANON_MAX_DEPTH + 4)

/* A drop reason as a return value: every function returns 0 or this. */
#define DROP(r) (-(int)(r) - 1)

/* One checksum being kept up to date while the walk is inside its span. */
struct scope {
	size_t start;		/* first summed byte (word alignment origin) */
	size_t end;		/* first byte past the summed bytes captured */
	uint32_t acc;		/* one's complement sum of (new - old) */
};

/* The per-frame counters, committed to anon_t only if the frame is kept. */
struct fstats {
	uint64_t addrs, ecs, ecs_bad, dns_unparsed, dns_cut, tcp_unparsed;
	uint64_t frag_later, ip_other, csum_offload, trailers;
};

struct walk {
	anon_t *a;
	uint8_t *f;
	size_t caplen;
	unsigned nsc;
	struct scope sc[MAX_SCOPES];
	size_t dgram_end;	/* end of the outermost IP datagram, when known */
	struct fstats fs;
};

/* What a transport checksum needs of the IP layer around it. */
struct ipctx {
	int v6;
	int nofrag;		/* not a fragment: the L4 data is all this datagram */
	uint32_t s_old, s_new;	/* folded sums of the source address */
	uint32_t d_old, d_new;	/* ... of the pseudo-header destination */
};

static int ip4(struct walk *w, size_t off, size_t end, int depth, int quoted);
static int ip6(struct walk *w, size_t off, size_t end, int depth, int quoted);
static int eth(struct walk *w, size_t off, size_t end, int depth);

/* ---- bytes and sums ----------------------------------------------------- */

static inline size_t min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

static inline unsigned g8(const struct walk *w, size_t o)
{
	return o < w->caplen ? w->f[o] : 0;
}

static inline unsigned g16(const struct walk *w, size_t o)
{
	return g8(w, o) << 8 | g8(w, o + 1);
}

static inline uint32_t fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

static inline uint32_t add1c(uint32_t a, uint32_t b)
{
	return fold((uint64_t)a + b);
}

/* One's complement sum of @p n bytes; @p odd: the first byte is the low
 * half of a word (it sits at an odd distance from the checksum start). */
static uint32_t sum_bytes(const uint8_t *p, size_t n, unsigned odd)
{
	uint64_t s = 0;
	size_t i = 0;

	if (odd && n) {
		s += p[0];
		i = 1;
	}
	for (; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < n)
		s += (uint32_t)p[i] << 8;
	return fold(s);
}

/* Write @p n bytes at @p off (clipped to the capture), moving every open
 * checksum whose span holds them. */
static void wr(struct walk *w, size_t off, const uint8_t *src, size_t n)
{
	if (off >= w->caplen)
		return;
	n = min_sz(n, w->caplen - off);
	uint8_t *dst = w->f + off;
	if (memcmp(dst, src, n) == 0)
		return;
	for (unsigned k = 0; k < w->nsc; k++) {
		struct scope *s = &w->sc[k];
		size_t lo = off > s->start ? off : s->start;
		size_t hi = min_sz(off + n, s->end);
		if (lo >= hi)
			continue;
		unsigned odd = (unsigned)((lo - s->start) & 1);
		uint32_t nw = sum_bytes(src + (lo - off), hi - lo, odd);
		uint32_t ol = sum_bytes(dst + (lo - off), hi - lo, odd);
		s->acc = add1c(s->acc, add1c(nw, 0xffff - ol));
	}
	memcpy(dst, src, n);
}

static void wr16(struct walk *w, size_t off, unsigned v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	wr(w, off, b, 2);
}

static void zero_bytes(struct walk *w, size_t off, size_t n)
{
	static const uint8_t zero[64];

	for (size_t i = 0; i < n; i += sizeof(zero))
		wr(w, off + i, zero, min_sz(sizeof(zero), n - i));
}

/* ---- addresses ------------------------------------------------------------ */

/*
 * Map the @p alen-byte (4 or 16) address at @p off, as much of it as lies
 * before @p end. A cut address keeps the first bytes of the image of its
 * zero-padded prefix: what the whole address would have become there.
 * The sums of the whole address before and after go to @p so / @p sn.
 * @return 1 when the whole address was there, else 0.
 */
static int map_addr(struct walk *w, size_t off, size_t end, unsigned alen,
		    uint32_t *so, uint32_t *sn)
{
	uint8_t t[16];
	size_t k = off < end ? min_sz(alen, end - off) : 0;

	if (so)
		*so = *sn = 0;
	if (k == 0)
		return 0;
	memcpy(t, w->f + off, k);
	if (k == alen) {
		if (so)
			*so = sum_bytes(t, alen, 0);
		if (alen == 4)
			anon_addr4(w->a, t);
		else
			anon_addr6(w->a, t);
		if (sn)
			*sn = sum_bytes(t, alen, 0);
	} else {
		memset(t + k, 0, sizeof(t) - k);
		anon_prefix(w->a, alen == 16, t, (unsigned)k * 8);
	}
	wr(w, off, t, k);
	w->fs.addrs++;
	return k == alen;
}

/* An address slot of an option, where 0.0.0.0 means "not filled in". */
static void map_slot4(struct walk *w, size_t off, size_t end)
{
	size_t k = off < end ? min_sz(4, end - off) : 0;

	for (size_t i = 0; i < k; i++)
		if (w->f[off + i])
			goto mapit;
	return;
mapit:
	map_addr(w, off, end, 4, NULL, NULL);
}

/* ---- checksum scopes ------------------------------------------------------ */

/* A transport (or ICMP, GRE) checksum while its data is walked. */
struct l4 {
	size_t off;		/* first byte summed */
	size_t pend;		/* first byte not captured (or past the data) */
	size_t len;		/* the data's declared length (pseudo-header) */
	size_t field;		/* checksum field offset */
	uint8_t proto;
	int pseudo;		/* the sum covers the IP pseudo-header */
	int zero_none;		/* 0 means "no checksum" (UDP over IPv4) */
	int whole;		/* all len bytes captured, not a fragment */
	int valid;		/* whole, and the original checksum verified */
	unsigned idx;		/* its scope */
};

static uint32_t pseudo_sum(const struct ipctx *ip, int old, uint8_t proto, size_t len)
{
	uint32_t s = old ? add1c(ip->s_old, ip->d_old) : add1c(ip->s_new, ip->d_new);

	/* the length is 32 bits in the IPv6 pseudo-header, 16 in IPv4 */
	s = add1c(s, (uint32_t)(len >> 16 & 0xffff));
	s = add1c(s, (uint32_t)(len & 0xffff));
	return add1c(s, proto);
}

static int cs_begin(struct walk *w, const struct ipctx *ip, struct l4 *l)
{
	if (w->nsc >= MAX_SCOPES)
		return DROP(ANON_DROP_NESTING);
	l->valid = 0;
	if (l->whole && l->off + l->len <= l->pend && l->field + 2 <= l->off + l->len) {
		uint32_t s = sum_bytes(w->f + l->off, l->len, 0);
		if (l->pseudo)
			s = add1c(s, pseudo_sum(ip, 1, l->proto, l->len));
		l->valid = s == 0xffff;
	}
	struct scope *s = &w->sc[w->nsc];
	s->start = l->off;
	s->end = l->pend;
	s->acc = 0;
	if (l->pseudo)
		s->acc = add1c(add1c(ip->s_new, ip->d_new),
			       0xffff - add1c(ip->s_old, ip->d_old));
	l->idx = w->nsc++;
	return 0;
}

static void cs_end(struct walk *w, const struct ipctx *ip, struct l4 *l)
{
	uint32_t acc = w->sc[l->idx].acc;

	w->nsc = l->idx;
	if (l->field + 2 > l->pend) {
		/* half a checksum field is a byte of a sum over the
		 * original addresses, and can't be updated: zero it */
		if (l->field < l->pend && acc != 0 && acc != 0xffff)
			wr(w, l->field, (const uint8_t[1]){ 0 }, 1);
		return;
	}
	if (acc == 0 || acc == 0xffff)
		return;		/* nothing under it changed */
	unsigned old = g16(w, l->field), nw;
	if (l->zero_none && old == 0)
		return;
	if (l->valid) {
		nw = 0xffff & ~add1c(0xffff & ~old, acc);
	} else if (l->pseudo && old == 0) {
		w->fs.csum_offload++;	/* left for the NIC: stays so */
		return;
	} else if (l->pseudo && old == pseudo_sum(ip, 1, l->proto, l->len)) {
		/* CHECKSUM_PARTIAL: the NIC would have added the data */
		w->fs.csum_offload++;
		nw = pseudo_sum(ip, 0, l->proto, l->len);
	} else {
		nw = 0xffff & ~add1c(0xffff & ~old, acc);
	}
	if (nw == 0 && (l->proto == P_UDP || l->proto == P_UDPLITE))
		nw = 0xffff;	/* RFC 768, RFC 3828: a computed 0 is sent as all ones */
	wr16(w, l->field, nw);
}

/* ---- DNS ------------------------------------------------------------------- */

enum { W_DONE = 0, W_SHORT, W_BAD };

/* Skip the name at *p (a pointer ends it; not followed). */
static int skip_name(const struct walk *w, size_t *p, size_t end)
{
	size_t q = *p, total = 0;

	for (;;) {
		if (q >= end)
			return W_SHORT;
		unsigned c = w->f[q];
		if (c == 0) {
			*p = q + 1;
			return W_DONE;
		}
		if ((c & 0xc0) == 0xc0) {
			if (q + 2 > end)
				return W_SHORT;
			*p = q + 2;
			return W_DONE;
		}
		if (c & 0xc0)
			return W_BAD;
		total += c + 1;
		if (total > 255)
			return W_BAD;
		q += c + 1;
	}
}

/*
 * RFC 7871 6:
 *
 *   +---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+
 *   |                            FAMILY                             |
 *   +---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+
 *   |     SOURCE PREFIX-LENGTH      |     SCOPE PREFIX-LENGTH       |
 *   +---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+
 *   |                           ADDRESS...                          /
 *   +---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+
 *
 * The option data is at @p o, @p olen bytes declared, captured up to @p end.
 */
static void ecs(struct walk *w, size_t o, size_t olen, size_t end)
{
	uint8_t t[16];

	if (olen < 4) {
		w->fs.ecs_bad++;
		return;
	}
	if (o + 4 > end)
		return;		/* cut before the address */
	unsigned fam = g16(w, o), srcp = g8(w, o + 2);
	size_t a0 = o + 4, alen = olen - 4;
	size_t k = a0 < end ? min_sz(alen, end - a0) : 0;
	unsigned max = fam == 1 ? 4 : fam == 2 ? 16 : 0;
	if (max == 0 || alen > max) {
		w->fs.ecs_bad++;
		zero_bytes(w, a0, k);
		return;
	}
	if (k == 0)
		return;
	memset(t, 0, sizeof(t));
	memcpy(t, w->f + a0, k);
	anon_prefix(w->a, fam == 2, t, srcp < k * 8 ? srcp : (unsigned)k * 8);
	wr(w, a0, t, k);
	w->fs.ecs++;
}

/* The OPT RDATA (RFC 6891 6.1.2) at @p o, @p rdlen declared, captured to @p end. */
static int opt_rdata(struct walk *w, size_t o, size_t rdlen, size_t end)
{
	size_t rend = o + rdlen;

	while (o < rend) {
		if (o + 4 > rend)
			return W_BAD;
		if (o + 4 > end)
			return W_SHORT;
		unsigned code = g16(w, o);
		size_t olen = g16(w, o + 2);
		if (o + 4 + olen > rend) {
			/* an ECS overrunning its OPT: no address stays */
			if (code == 8) {
				w->fs.ecs_bad++;
				if (o + 4 < end)
					zero_bytes(w, o + 4, min_sz(rend, end) - (o + 4));
			}
			return W_BAD;
		}
		if (code == 8)
			ecs(w, o + 4, olen, end);
		o += 4 + olen;
	}
	return o <= end ? W_DONE : W_SHORT;
}

/* Walk the message at [@p p, @p end) to the end of its additional section. */
static int dns_walk(struct walk *w, size_t p, size_t end, size_t *stop)
{
	int rc;

	if (p + 12 > end)
		return W_SHORT;
	unsigned qd = g16(w, p + 4), an = g16(w, p + 6), ns = g16(w, p + 8), ar = g16(w, p + 10);
	p += 12;
	for (unsigned i = 0; i < qd; i++) {
		if ((rc = skip_name(w, &p, end)) != W_DONE)
			return rc;
		if ((p += 4) > end)
			return W_SHORT;
	}
	for (unsigned long i = 0; i < (unsigned long)an + ns + ar; i++) {
		if ((rc = skip_name(w, &p, end)) != W_DONE)
			return rc;
		if (p + 10 > end)
			return W_SHORT;
		unsigned type = g16(w, p);
		size_t rdlen = g16(w, p + 8);
		p += 10;
		if (i >= (unsigned long)an + ns && type == 41 &&
		    (rc = opt_rdata(w, p, rdlen, end)) != W_DONE)
			return rc;
		if ((p += rdlen) > end)
			return W_SHORT;
	}
	*stop = p;
	return W_DONE;
}

/* One DNS message at [@p p, @p end); @p whole: that is all of it. */
static void dns(struct walk *w, size_t p, size_t end, int whole)
{
	size_t stop = end;
	int rc = dns_walk(w, p, end, &stop);

	if (rc == W_BAD || (rc == W_SHORT && whole) || (rc == W_DONE && whole && stop != end))
		w->fs.dns_unparsed++;	/* includes trailing bytes */
	else if (rc == W_SHORT)
		w->fs.dns_cut++;
}

/*
 * DNS over TCP (RFC 7766 8): messages with a 2-byte length prefix. Only
 * a payload that tiles into such messages from its first byte (the last
 * one may go on in the next segment) is taken for DNS: a segment that
 * starts inside a message has no marker to resynchronise on.
 */
static void tcp_dns(struct walk *w, size_t p0, size_t dend, size_t pend)
{
	size_t p = p0;

	if (p0 >= dend)
		return;
	while (p < dend && p + 2 <= pend) {
		if (p + 2 > dend || g16(w, p) < 12) {
			w->fs.tcp_unparsed++;
			return;
		}
		p += 2 + g16(w, p);
	}
	if (p < dend && p + 2 > dend) {
		w->fs.tcp_unparsed++;
		return;
	}
	for (p = p0; p + 2 <= min_sz(dend, pend); ) {
		size_t mend = p + 2 + g16(w, p);
		dns(w, p + 2, min_sz(mend, min_sz(dend, pend)), mend <= pend && mend <= dend);
		p = mend;
	}
}

/* ---- transports ------------------------------------------------------------ */

/*
 * TCP options (RFC 9293 3.1) in [@p o, @p hend): MPTCP's ADD_ADDR (kind
 * 30, subtype 3; RFC 8684 3.4.1, RFC 6824 3.4.1) advertises an address
 * at offset 4, its family told by the option length. An ADD_ADDR of
 * another length has its bytes after the header zeroed.
 */
static void tcp_opts(struct walk *w, size_t o, size_t hend, size_t pend)
{
	while (o < hend && o < pend) {
		unsigned kind = g8(w, o);
		if (kind == 0)
			return;
		if (kind == 1) {
			o++;
			continue;
		}
		if (o + 2 > pend)
			return;
		size_t len = g8(w, o + 1);
		if (len < 2 || o + len > hend)
			return;		/* the rest is not options to a receiver */
		if (kind == 30 && len > 4 && o + 3 <= pend && g8(w, o + 2) >> 4 == 3) {
			size_t end = min_sz(o + len, pend);
			switch (len) {
			case 8: case 10: case 16: case 18:
				map_addr(w, o + 4, end, 4, NULL, NULL);
				break;
			case 20: case 22: case 28: case 30:
				map_addr(w, o + 4, end, 16, NULL, NULL);
				break;
			default:
				if (o + 4 < end)
					zero_bytes(w, o + 4, end - (o + 4));
			}
		}
		o += len;
	}
}

/*
 * UDP (RFC 768), TCP (RFC 9293 3.1), and the checksum-only transports
 * DCCP (RFC 4340 5.1) and UDP-Lite (RFC 3828), whose checksum sits at
 * offset 6 like UDP's and covers the pseudo-header whatever its coverage.
 * @p off: transport header; @p dend: end of the IP payload as declared;
 * @p pend: end of what was captured of it.
 */
static int transport(struct walk *w, const struct ipctx *ip, uint8_t proto,
		     size_t off, size_t dend, size_t pend)
{
	struct l4 l = { .off = off, .pend = pend, .proto = proto, .pseudo = 1 };
	size_t ulen = g16(w, off + 4);
	int rc, udp = proto == P_UDP, tcp = proto == P_TCP;

	l.len = dend - off;
	l.field = off + (tcp ? 16 : 6);
	l.whole = ip->nofrag && dend <= pend;
	if (udp) {
		l.zero_none = !ip->v6;
		if (off + 6 <= pend && ulen >= 8 && ulen <= dend - off)
			l.len = ulen;
		else
			l.whole = 0;
	}
	if ((rc = cs_begin(w, ip, &l)) < 0)
		return rc;
	if (udp && off + 8 <= pend &&
	    (g16(w, off) == DNS_PORT || g16(w, off + 2) == DNS_PORT)) {
		int ok = ulen >= 8 && ulen <= dend - off;
		size_t mend = ok ? off + ulen : dend;
		if (mend > off + 8)
			dns(w, off + 8, min_sz(mend, pend), ok && ip->nofrag && mend <= pend);
	} else if (tcp && off + 20 <= pend) {
		size_t hl = (size_t)(g8(w, off + 12) >> 4) * 4;
		if (hl > 20)
			tcp_opts(w, off + 20, min_sz(off + hl, dend), pend);
		if (hl >= 20 && off + hl <= dend &&
		    (g16(w, off) == DNS_PORT || g16(w, off + 2) == DNS_PORT))
			tcp_dns(w, off + hl, dend, pend);
	}
	cs_end(w, ip, &l);
	return 0;
}

/*
 * RFC 4884 7: the extension structure after an ICMP quote, a version 2
 * header then objects of (length 2, class-num 1, c-type 1, payload).
 * Only MPLS label stacks (class 1, RFC 4950) are known to hold no
 * address; interface information (RFC 5837) and identification (RFC
 * 8335) may hold some.
 */
static int icmp_ext(const struct walk *w, size_t o, size_t dend, size_t pend)
{
	if (o >= pend)
		return 0;
	if (g8(w, o) >> 4 != 2 || o + 4 > dend)
		return DROP(ANON_DROP_ICMP);
	for (o += 4; o < dend && o < pend; ) {
		if (o + 3 > pend)
			return 0;
		size_t olen = g16(w, o);
		if (olen < 4 || o + olen > dend || g8(w, o + 2) != 1)
			return DROP(ANON_DROP_ICMP);
		o += olen;
	}
	return 0;
}

/* The quoted datagram of an ICMP error: @p q, to @p qend declared. */
static int quote(struct walk *w, size_t q, size_t qend, size_t pend, int depth)
{
	size_t end = min_sz(qend, pend);

	if (q >= end)
		return 0;
	if (depth + 1 > ANON_MAX_DEPTH)
		return DROP(ANON_DROP_NESTING);
	switch (g8(w, q) >> 4) {
	case 4:
		return ip4(w, q, end, depth + 1, 1);
	case 6:
		return ip6(w, q, end, depth + 1, 1);
	default:
		return DROP(ANON_DROP_IP_BAD);
	}
}

/*
 * ICMP (RFC 792), 8-byte header then a body by type:
 *
 *   +--------+--------+--------+--------+
 *   |  type  |  code  |    checksum     |
 *   +--------+--------+--------+--------+
 *   |  rest of header (by type)         |   errors: RFC 4884 length in
 *   +--------+--------+--------+--------+   byte 5 (32-bit words)
 *   |  quoted IP header + 8 bytes ...   |
 */
static int icmp4(struct walk *w, const struct ipctx *ip, size_t off, size_t dend,
		 size_t pend, int depth)
{
	struct l4 l = { .off = off, .pend = pend, .len = dend - off, .field = off + 2,
			.proto = P_ICMP, .whole = 0 };
	int rc = 0;

	if (off >= pend)
		return 0;
	unsigned type = g8(w, off);
	switch (type) {
	case 0: case 8:		/* echo */
	case 10:		/* router solicitation */
	case 13: case 14:	/* timestamp */
	case 15: case 16:	/* information */
	case 17: case 18:	/* address mask */
		return 0;
	case 3: case 4: case 5: case 9: case 11: case 12:
		break;
	default:
		return DROP(ANON_DROP_ICMP);
	}
	if ((rc = cs_begin(w, ip, &l)) < 0)
		return rc;
	size_t qend = dend;
	switch (type) {
	case 9: {		/* RFC 1256: n addresses of entry size words */
		unsigned n = g8(w, off + 4), esz = g8(w, off + 5);
		if (off + 6 <= pend && n && esz < 2) {
			rc = DROP(ANON_DROP_ICMP);
			break;
		}
		for (unsigned i = 0; i < n; i++) {
			size_t a = off + 8 + (size_t)i * esz * 4;
			if (a >= dend || a >= pend)
				break;
			map_addr(w, a, min_sz(dend, pend), 4, NULL, NULL);
		}
		break;
	}
	case 5:			/* redirect: the gateway, then the quote */
		map_addr(w, off + 4, min_sz(dend, pend), 4, NULL, NULL);
		rc = quote(w, off + 8, qend, pend, depth);
		break;
	case 3: case 11: case 12:
		if (off + 6 <= pend && g8(w, off + 5)) {
			qend = off + 8 + (size_t)g8(w, off + 5) * 4;
			if (qend > dend) {
				rc = DROP(ANON_DROP_ICMP);
				break;
			}
			if ((rc = icmp_ext(w, qend, dend, pend)) < 0)
				break;
		}
		rc = quote(w, off + 8, qend, pend, depth);
		break;
	default:		/* 4: source quench */
		rc = quote(w, off + 8, qend, pend, depth);
		break;
	}
	cs_end(w, ip, &l);
	return rc;
}

/* Neighbour discovery options (RFC 4861 4.6) from @p o: only link-layer
 * addresses (1, 2) and the nonce (14, RFC 3971) are known address-free. */
static int nd_opts(const struct walk *w, size_t o, size_t dend, size_t pend)
{
	while (o < dend && o < pend) {
		unsigned t = g8(w, o);
		if (t != 1 && t != 2 && t != 14)
			return DROP(ANON_DROP_ICMP);
		if (o + 2 > pend)
			return 0;
		size_t len = (size_t)g8(w, o + 1) * 8;
		if (len == 0 || o + len > dend)
			return DROP(ANON_DROP_IP_BAD);
		o += len;
	}
	return 0;
}

/* ICMPv6 (RFC 4443): errors quote the datagram at 8 (RFC 4884 length in
 * byte 4, 64-bit words, for types 1 and 3); ND per RFC 4861 4.3, 4.4. */
static int icmp6(struct walk *w, const struct ipctx *ip, size_t off, size_t dend,
		 size_t pend, int depth)
{
	struct l4 l = { .off = off, .pend = pend, .len = dend - off, .field = off + 2,
			.proto = P_ICMPV6, .pseudo = 1, .whole = ip->nofrag && dend <= pend };
	int rc;

	if (off >= pend) {
		/* not a byte of it captured: nothing to rewrite or keep */
		return 0;
	}
	unsigned type = g8(w, off);
	switch (type) {
	case 1: case 2: case 3: case 4:
	case 128: case 129:	/* echo */
	case 133:		/* router solicitation */
	case 135: case 136:	/* neighbour solicitation, advertisement */
		break;
	default:
		return DROP(ANON_DROP_ICMP);
	}
	if ((rc = cs_begin(w, ip, &l)) < 0)
		return rc;
	size_t qend = dend;
	switch (type) {
	case 1: case 3:
		if (off + 5 <= pend && g8(w, off + 4)) {
			qend = off + 8 + (size_t)g8(w, off + 4) * 8;
			if (qend > dend) {
				rc = DROP(ANON_DROP_ICMP);
				break;
			}
			if ((rc = icmp_ext(w, qend, dend, pend)) < 0)
				break;
		}
		rc = quote(w, off + 8, qend, pend, depth);
		break;
	case 2: case 4:
		rc = quote(w, off + 8, qend, pend, depth);
		break;
	case 133:
		rc = nd_opts(w, off + 8, dend, pend);
		break;
	case 135: case 136:
		map_addr(w, off + 8, min_sz(dend, pend), 16, NULL, NULL);
		rc = nd_opts(w, off + 24, dend, pend);
		break;
	}
	cs_end(w, ip, &l);
	return rc;
}

/*
 * GRE (RFC 2784, RFC 2890), version 0:
 *
 *   |C| |K|S| Reserved0 | Ver |     Protocol Type     |
 *   |  Checksum (C)  |  Reserved1 (C)  | Key (K) | Sequence (S)
 *
 * The checksum covers the GRE header and payload, no pseudo-header.
 */
static int gre(struct walk *w, const struct ipctx *ip, size_t off, size_t dend,
	       size_t pend, int depth)
{
	struct l4 l = { .off = off, .pend = pend, .len = dend - off, .field = off + 4,
			.proto = P_GRE };
	int rc;

	if (off + 4 > pend)
		return 0;
	unsigned flags = g16(w, off), proto = g16(w, off + 2);
	if ((flags & 7) || (flags & 0x4000))
		return DROP(ANON_DROP_NESTING);
	size_t hl = 4 + (flags & 0x8000 ? 4 : 0) + (flags & 0x2000 ? 4 : 0) +
		    (flags & 0x1000 ? 4 : 0);
	if (off + hl > dend)
		return DROP(ANON_DROP_IP_BAD);
	if (off + hl == dend)
		return 0;	/* keepalive */
	if (proto != ETH_IPV4 && proto != ETH_IPV6 && proto != ETH_TEB)
		return DROP(ANON_DROP_NESTING);
	if (depth + 1 > ANON_MAX_DEPTH)
		return DROP(ANON_DROP_NESTING);
	int csum = (flags & 0x8000) != 0;
	if (csum && (rc = cs_begin(w, ip, &l)) < 0)
		return rc;
	size_t in = off + hl, end = min_sz(dend, pend);
	if (proto == ETH_IPV4)
		rc = ip4(w, in, end, depth + 1, 0);
	else if (proto == ETH_IPV6)
		rc = ip6(w, in, end, depth + 1, 0);
	else
		rc = eth(w, in, end, depth + 1);
	if (csum)
		cs_end(w, ip, &l);
	return rc;
}

/* The upper-layer protocol @p proto at @p off (for IPv6, after the
 * extension headers). */
static int upper(struct walk *w, const struct ipctx *ip, uint8_t proto, size_t off,
		 size_t dend, size_t pend, int depth)
{
	switch (proto) {
	case P_TCP:
	case P_UDP:
	case P_DCCP:
	case P_UDPLITE:
		return transport(w, ip, proto, off, dend, pend);
	case P_ICMP:
		return icmp4(w, ip, off, dend, pend, depth);
	case P_ICMPV6:
		return icmp6(w, ip, off, dend, pend, depth);
	case P_GRE:
		return gre(w, ip, off, dend, pend, depth);
	case P_IPIP:
	case P_IPV6:
		if (off >= pend)
			return 0;
		if (depth + 1 > ANON_MAX_DEPTH)
			return DROP(ANON_DROP_NESTING);
		if (proto == P_IPIP)
			return ip4(w, off, pend, depth + 1, 0);
		return ip6(w, off, pend, depth + 1, 0);
	case P_IGMP:
	case P_RSVP:
	case P_EIGRP:
	case P_OSPF:
	case P_PIM:
	case P_VRRP:
	case P_MOBILITY:
	case P_HIP:
	case P_SHIM6:
		/* addresses (groups, sources, routers, locators) in the body */
		return DROP(ANON_DROP_IP_OPTION);
	default:
		/* ESP, no next header, SCTP, and what is not known: not read */
		w->fs.ip_other++;
		return 0;
	}
}

/* ---- IPv4 ------------------------------------------------------------------ */

/*
 * IPv4 options (RFC 791 3.1) in [@p o, @p hend), captured to @p pend:
 * route record (7), timestamp (68, RFC 791; flags 1 and 3 carry
 * addresses) and traceroute (82, RFC 1393) have their addresses mapped;
 * source routes (131, 137) would move the pseudo-header destination and
 * are dropped; security (130, 133), CIPSO (134), stream ID (136), router
 * alert (148), quick-start (25) and MTU probe/reply (11, 12) hold none.
 */
static int ip4_opts(struct walk *w, size_t o, size_t hend, size_t pend)
{
	while (o < hend) {
		if (o >= pend)
			return 0;
		unsigned t = g8(w, o);
		if (t == 0) {
			/* end of options: the rest is padding, and must be */
			for (o++; o < hend && o < pend; o++)
				if (g8(w, o))
					return DROP(ANON_DROP_IP_BAD);
			return 0;
		}
		if (t == 1) {
			o++;
			continue;
		}
		if (o + 2 > pend)
			return 0;
		size_t len = g8(w, o + 1), end = min_sz(o + len, pend);
		if (len < 2 || o + len > hend)
			return DROP(ANON_DROP_IP_BAD);
		switch (t) {
		case 7:
			if (len < 3 || (len - 3) % 4)
				return DROP(ANON_DROP_IP_BAD);
			for (size_t a = o + 3; a < o + len; a += 4)
				map_slot4(w, a, end);
			break;
		case 68: {
			if (len < 4)
				return DROP(ANON_DROP_IP_BAD);
			if (o + 4 > pend)
				return 0;
			unsigned flg = g8(w, o + 3) & 15;
			if (flg == 0)
				break;
			if ((flg != 1 && flg != 3) || (len - 4) % 8)
				return DROP(ANON_DROP_IP_BAD);
			for (size_t a = o + 4; a < o + len; a += 8)
				map_slot4(w, a, end);
			break;
		}
		case 82:
			if (len != 12)
				return DROP(ANON_DROP_IP_BAD);
			map_slot4(w, o + 8, end);
			break;
		case 11: case 12: case 25:
		case 130: case 133: case 134: case 136: case 148:
			break;
		default:
			return DROP(ANON_DROP_IP_OPTION);
		}
		o += len;
	}
	return 0;
}

/* IPv4 header at @p off, captured to @p end (see ip.c for the layout). */
static int ip4(struct walk *w, size_t off, size_t end, int depth, int quoted)
{
	struct ipctx ip = { .v6 = 0 };
	uint8_t h[60];
	int rc;

	end = min_sz(end, w->caplen);
	if (off >= end)
		return 0;	/* not a byte of it: no address either */
	unsigned vihl = g8(w, off);
	size_t hl = (size_t)(vihl & 15) * 4, n = end - off;
	if (vihl >> 4 != 4 || hl < 20)
		return DROP(ANON_DROP_IP_BAD);
	size_t tot = n >= 4 ? g16(w, off + 2) : 0;
	if (tot && tot < hl) {
		/* quoted headers have been seen with the length mangled
		 * (byte-swapped, header length taken off): unknown */
		if (!quoted)
			return DROP(ANON_DROP_IP_BAD);
		tot = 0;
	}
	if (depth == 0 && tot)
		w->dgram_end = off + tot;
	if (n > 20 && (rc = ip4_opts(w, off + 20, off + hl, end)) < 0)
		return rc;
	map_addr(w, off + 12, end, 4, &ip.s_old, &ip.s_new);
	map_addr(w, off + 16, end, 4, &ip.d_old, &ip.d_new);
	if (n >= hl) {
		memcpy(h, w->f + off, hl);
		h[10] = h[11] = 0;
		wr16(w, off + 10, 0xffff & ~sum_bytes(h, hl, 0));
	} else if (n > 10) {
		/* cut: a sum over the original header, and unverifiable */
		zero_bytes(w, off + 10, min_sz(2, n - 10));
	}
	if (n < hl)
		return 0;
	unsigned frag = g16(w, off + 6);
	if (frag & 0x1fff) {
		w->fs.frag_later++;
		return 0;
	}
	ip.nofrag = !(frag & 0x2000) && tot != 0;
	/* total length 0 (TSO, "BIG TCP"): the end is not known */
	size_t dend = tot ? off + tot : SIZE_MAX;
	return upper(w, &ip, (uint8_t)g8(w, off + 9), off + hl, dend, min_sz(dend, end), depth);
}

/* ---- IPv6 ------------------------------------------------------------------ */

/*
 * Hop-by-hop and destination options (RFC 8200 4.2) in [@p o, @p hend):
 * the ones known to hold no address; the Mobile IPv6 home address (201)
 * would change the pseudo-header source, unknown ones could be anything.
 */
static int ip6_opts(const struct walk *w, size_t o, size_t hend, size_t pend)
{
	while (o < hend && o < pend) {
		unsigned t = g8(w, o);
		if (t == 0) {
			o++;
			continue;
		}
		switch (t) {
		case 0x01:	/* PadN */
		case 0x04:	/* tunnel encapsulation limit, RFC 2473 */
		case 0x05:	/* router alert, RFC 2711 */
		case 0x06:	/* quick-start, RFC 4782 */
		case 0x07:	/* CALIPSO, RFC 5570 */
		case 0x08:	/* SMF_DPD, RFC 6621 */
		case 0x0f:	/* PDM, RFC 8250 */
		case 0x11: case 0x31:	/* IOAM, RFC 9486 */
		case 0x30:	/* minimum path MTU, RFC 9268 */
		case 0x23: case 0x63:	/* RPL option, RFC 6553, 9008 */
		case 0x6d:	/* MPL, RFC 7731 */
		case 0x8b:	/* ILNP nonce, RFC 6744 */
		case 0x8c:	/* line identification, RFC 6788 */
		case 0xc2:	/* jumbo payload, RFC 2675 */
			break;
		default:
			return DROP(ANON_DROP_IP_OPTION);
		}
		if (o + 2 > pend)
			return 0;
		size_t len = 2 + (size_t)g8(w, o + 1);
		if (o + len > hend)
			return DROP(ANON_DROP_IP_BAD);
		o += len;
	}
	return 0;
}

/*
 * Routing header (RFC 8200 4.4) at @p o, captured to @p pend:
 *
 *   | Next Header | Hdr Ext Len | Routing Type | Segments Left |
 *   |  type-specific data ...
 *
 * Type 0 (RFC 5095, deprecated): 4 reserved bytes, then addresses; type 2
 * (RFC 6275 6.4): 4 reserved, the home address; type 4 (SRv6, RFC 8754):
 * Last Entry, Flags, Tag, then the segment list, then TLVs. While
 * segments are left, the final destination, which the transport
 * pseudo-header holds (RFC 8200 8.1), is the last address of type 0, the
 * home address, or segment 0.
 */
static int routing(struct walk *w, struct ipctx *ip, size_t o, size_t pend)
{
	unsigned ext = g8(w, o + 1), type = g8(w, o + 2), sl = g8(w, o + 3);
	size_t n, first = o + 8, fin;
	uint32_t so, sn;

	switch (type) {
	case 0:
		if (ext % 2)
			return DROP(ANON_DROP_IP_BAD);
		n = ext / 2;
		fin = n - 1;
		break;
	case 2:
		if (ext != 2)
			return DROP(ANON_DROP_IP_BAD);
		n = 1;
		fin = 0;
		break;
	case 4:
		if (o + 5 > pend)
			return 0;
		n = (size_t)g8(w, o + 4) + 1;
		if (n * 2 > ext)
			return DROP(ANON_DROP_IP_BAD);
		fin = 0;
		break;
	default:
		/* RPL (3, RFC 6554) elides address bytes; others unknown */
		return DROP(ANON_DROP_IP_OPTION);
	}
	for (size_t i = 0; i < n; i++) {
		int whole = map_addr(w, first + 16 * i, pend, 16, &so, &sn);
		if (i == fin && sl > 0 && whole) {
			ip->d_old = so;
			ip->d_new = sn;
		}
	}
	return 0;
}

/*
 * The extension header chain from @p nh at @p off (RFC 8200 4), to the
 * upper layer. Every header is at least 8 bytes, so the walk ends.
 */
static int ip6_chain(struct walk *w, struct ipctx *ip, unsigned nh, size_t off,
		     size_t dend, size_t pend, int depth)
{
	int rc;

	for (;;) {
		size_t len;
		switch (nh) {
		case P_HOPOPTS:
		case P_DSTOPTS:
		case P_ROUTING:
			if (off + 2 > pend)
				return 0;
			len = ((size_t)g8(w, off + 1) + 1) * 8;
			if (off + len > dend)
				return DROP(ANON_DROP_IP_BAD);
			if (nh == P_ROUTING) {
				if (off + 4 > pend)
					return 0;
				rc = routing(w, ip, off, min_sz(off + len, pend));
			} else {
				rc = ip6_opts(w, off + 2, off + len, pend);
			}
			if (rc < 0)
				return rc;
			break;
		case P_FRAGMENT: {
			len = 8;
			if (off + len > pend)
				return off + len > dend ? DROP(ANON_DROP_IP_BAD) : 0;
			unsigned fo = g16(w, off + 2);
			if (fo & 0xfff8) {
				w->fs.frag_later++;
				return 0;
			}
			if (fo & 1)
				ip->nofrag = 0;
			break;
		}
		case P_AH:
			if (off + 2 > pend)
				return 0;
			len = ((size_t)g8(w, off + 1) + 2) * 4;
			if (off + len > dend)
				return DROP(ANON_DROP_IP_BAD);
			break;
		default:
			return upper(w, ip, (uint8_t)nh, off, dend, pend, depth);
		}
		nh = g8(w, off);
		off += len;
		if (off > pend)
			return 0;
	}
}

/* IPv6 header at @p off, captured to @p end (see ip.c for the layout). */
static int ip6(struct walk *w, size_t off, size_t end, int depth, int quoted)
{
	struct ipctx ip = { .v6 = 1 };

	(void)quoted;
	end = min_sz(end, w->caplen);
	if (off >= end)
		return 0;
	if (g8(w, off) >> 4 != 6)
		return DROP(ANON_DROP_IP_BAD);
	int whole = map_addr(w, off + 8, end, 16, &ip.s_old, &ip.s_new);
	map_addr(w, off + 24, end, 16, &ip.d_old, &ip.d_new);
	if (end - off < 40 || !whole)
		return 0;
	size_t plen = g16(w, off + 4);
	/* payload length 0: a jumbogram (RFC 2675) or offload's unset
	 * length; its end is not known */
	size_t dend = plen ? off + 40 + plen : SIZE_MAX;
	if (depth == 0 && plen)
		w->dgram_end = dend;
	ip.nofrag = plen != 0;
	return ip6_chain(w, &ip, g8(w, off + 6), off + 40, dend, min_sz(dend, end), depth);
}

/* ---- link layers ------------------------------------------------------------ */

static int ethertype(struct walk *w, unsigned et, size_t off, size_t end, int depth)
{
	while (et == ETH_8021Q || et == ETH_8021AD || et == ETH_QINQ_OLD) {
		if (off + 4 > end)
			return DROP(ANON_DROP_LINK_TRUNC);
		et = g16(w, off + 2);
		off += 4;
	}
	if (et == ETH_IPV4)
		return ip4(w, off, end, depth, 0);
	if (et == ETH_IPV6)
		return ip6(w, off, end, depth, 0);
	return DROP(ANON_DROP_NOT_IP);
}

/* IEEE 802.3: dst MAC 6, src MAC 6, ethertype 2 (then tags). */
static int eth(struct walk *w, size_t off, size_t end, int depth)
{
	if (off + 14 > end)
		return DROP(ANON_DROP_LINK_TRUNC);
	return ethertype(w, g16(w, off + 12), off + 14, end, depth);
}

/*
 * The link-layer address in a Linux cooked header, @p halen bytes
 * declared, 8 kept at @p off. On tunnel devices (ARPHRD_TUNNEL 768,
 * _TUNNEL6 769, _SIT 776, _IPGRE 778, _IP6GRE 823) the kernel fills it
 * from the outer IP header: the tunnel's source address.
 */
static void sll_addr(struct walk *w, unsigned arphrd, unsigned halen, size_t off)
{
	if (arphrd != 768 && arphrd != 769 && arphrd != 776 && arphrd != 778 && arphrd != 823)
		return;
	if (halen == 4)
		map_addr(w, off, off + 4, 4, NULL, NULL);
	else if (halen == 16)
		map_addr(w, off, off + 8, 16, NULL, NULL);	/* its first 8 bytes */
	else
		zero_bytes(w, off, 8);
}

/* BSD address families: AF_INET is 2; AF_INET6 24, 28 or 30 by system. */
static int address_family(struct walk *w, uint32_t af, size_t off, size_t end)
{
	if (af == 2)
		return ip4(w, off, end, 0, 0);
	if (af == 24 || af == 28 || af == 30)
		return ip6(w, off, end, 0, 0);
	return DROP(ANON_DROP_NOT_IP);
}

static int link_layer(struct walk *w, int linktype)
{
	size_t end = w->caplen;
	uint32_t af;

	switch (linktype) {
	case NL_LINK_ETHERNET:
		return eth(w, 0, end, 0);
	case NL_LINK_LINUX_SLL:
		/* packet type 2, ARPHRD 2, addr len 2, addr 8, protocol 2 */
		if (end < 16)
			return DROP(ANON_DROP_LINK_TRUNC);
		sll_addr(w, g16(w, 2), g16(w, 4), 6);
		return ethertype(w, g16(w, 14), 16, end, 0);
	case NL_LINK_LINUX_SLL2:
		/* protocol 2, reserved 2, ifindex 4, ARPHRD 2, packet type 1,
		 * addr len 1, addr 8 */
		if (end < 20)
			return DROP(ANON_DROP_LINK_TRUNC);
		sll_addr(w, g16(w, 8), g8(w, 11), 12);
		return ethertype(w, g16(w, 0), 20, end, 0);
	case NL_LINK_NULL:
	case NL_LINK_LOOP:
		if (end < 4)
			return DROP(ANON_DROP_LINK_TRUNC);
		af = (uint32_t)g16(w, 0) << 16 | g16(w, 2);
		/* NULL: the byte order of the capturing host; the values
		 * are small, so a high half set means the other order */
		if (linktype == NL_LINK_NULL && af > 0xffff)
			af = __builtin_bswap32(af);
		return address_family(w, af, 4, end);
	case NL_LINK_RAW_DLT12:
	case NL_LINK_RAW_DLT14:
	case NL_LINK_RAW:
		if (end == 0)
			return DROP(ANON_DROP_LINK_TRUNC);
		if (g8(w, 0) >> 4 == 4)
			return ip4(w, 0, end, 0, 0);
		if (g8(w, 0) >> 4 == 6)
			return ip6(w, 0, end, 0, 0);
		return DROP(ANON_DROP_IP_BAD);
	case NL_LINK_IPV4:
		if (end == 0)
			return DROP(ANON_DROP_LINK_TRUNC);
		return ip4(w, 0, end, 0, 0);
	case NL_LINK_IPV6:
		if (end == 0)
			return DROP(ANON_DROP_LINK_TRUNC);
		return ip6(w, 0, end, 0, 0);
	default:
		return DROP(ANON_DROP_LINKTYPE);
	}
}

int anon_packet(anon_t *a, int linktype, uint8_t *frame, uint32_t caplen)
{
	struct walk w;
	anon_stats_t *st = &a->st;

	w.a = a;
	w.f = frame;
	w.caplen = frame ? caplen : 0;
	w.nsc = 0;
	w.dgram_end = 0;
	memset(&w.fs, 0, sizeof(w.fs));
	st->packets++;
	int rc = link_layer(&w, linktype);
	if (rc < 0) {
		st->dropped++;
		st->drop[-rc - 1]++;
		return -1;
	}
	/* After the outermost datagram: link padding, an FCS (a CRC over
	 * the original frame), a vendor trailer. None is IP; zero them. */
	if (w.dgram_end && w.dgram_end < w.caplen) {
		for (size_t i = w.dgram_end; i < w.caplen; i++)
			if (frame[i]) {
				memset(frame + w.dgram_end, 0, w.caplen - w.dgram_end);
				w.fs.trailers++;
				break;
			}
	}
	st->addrs += w.fs.addrs;
	st->ecs += w.fs.ecs;
	st->ecs_bad += w.fs.ecs_bad;
	st->dns_unparsed += w.fs.dns_unparsed;
	st->dns_cut += w.fs.dns_cut;
	st->tcp_unparsed += w.fs.tcp_unparsed;
	st->frag_later += w.fs.frag_later;
	st->ip_other += w.fs.ip_other;
	st->csum_offload += w.fs.csum_offload;
	st->trailers += w.fs.trailers;
	return 0;
}
