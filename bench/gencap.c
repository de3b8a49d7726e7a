/*
 * gencap - write a synthetic root-server DNS capture for rootlens
 * benchmarks and end-to-end tests.
 *
 * Output: classic pcap (little-endian, microsecond timestamps),
 * LINKTYPE_ETHERNET, as seen on the server's interface: queries from many
 * resolvers to one root server address (IPv4 and IPv6), and the server's
 * responses. Everything is driven by one seeded PRNG, so the same
 * arguments always give the same bytes.
 *
 * What the traffic looks like (all shares are options, see usage()):
 *   - sources: a fixed population, popularity Zipf-like (a few heavy
 *     hitters and a long tail), or every query from a new source (-u);
 *   - names: <label>.<tld> (sometimes www.<label>.<tld>) over ~300 real
 *     TLDs, PTR names under in-addr.arpa, priming/DNSKEY queries for the
 *     root itself, DS/NS/SOA for TLD apexes, and junk (local, home, corp,
 *     random Chrome-style labels...) that is answered NXDOMAIN;
 *   - EDNS on most queries, DO on a share of those, payload sizes
 *     512/1232/4096;
 *   - referral responses with NS, glue, and DS/NSEC + RRSIG when DO is
 *     set; glue is dropped to fit the UDP limit and TC=1 is set when even
 *     the referral does not fit (a TC response is retried over TCP half of
 *     the time);
 *   - a share of queries over TCP: handshake, length-prefixed query,
 *     response (split into MSS-sized segments when large), FIN exchange.
 * All IPv4 header, UDP and TCP checksums are computed (IPv6 UDP requires
 * one; the others are computed so no tool ever flags them).
 *
 * At the end the generator prints what it wrote as key=value lines on
 * stderr (and into -c FILE): these are independent expected values for
 * the tests, computed as the packets are made, not by decoding them.
 *
 * Build: cc -std=c11 -O2 -Wall -Wextra -Werror -D_DEFAULT_SOURCE \
 *           -o gencap gencap.c -lm
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EPOCH_DEFAULT 1273017600ULL /* 2010-05-05T00:00:00Z */
#define MSG_MAX 4096                /* largest DNS message we build */
#define OWN_ROOT (-1)               /* RR owner is the root name */
#define MAX_AR 64                   /* additional RRs we may trim */

/* ---------------------------------------------------------------------
 * PRNG: xoshiro256** seeded through splitmix64. Portable and
 * deterministic; the C library's rand() is neither.
 */
typedef struct {
	uint64_t s[4];
} rng_t;

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A stateless mix: per-entity attributes (a TLD's NS count, a source's
 * TTL) derive from the entity's index, not from the PRNG stream. */
static uint64_t mix64(uint64_t x)
{
	return splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static void rng_seed(rng_t *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rng_next(rng_t *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

static double rng_unit(rng_t *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Modulo bias is below 2^-40 for the ranges used here. */
static uint64_t rng_below(rng_t *r, uint64_t n)
{
	return n ? rng_next(r) % n : 0;
}

static int rng_pct(rng_t *r, double pct)
{
	return rng_unit(r) * 100.0 < pct;
}

/* ---------------------------------------------------------------------
 * Zipf sampler over ranks 1..n, rejection-inversion (Hoermann and
 * Derflinger 1996): O(1) per sample and no table, so millions of sources
 * cost no memory here.
 */
typedef struct {
	double s, hx1, hn, s2;
	uint64_t n;
} zipf_t;

static double helper1(double x)
{
	return fabs(x) > 1e-8 ? log1p(x) / x
			      : 1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x));
}

static double helper2(double x)
{
	return fabs(x) > 1e-8
		       ? expm1(x) / x
		       : 1.0 + x * 0.5 * (1.0 + x * (1.0 / 3.0) * (1.0 + 0.25 * x));
}

static double zipf_h(const zipf_t *z, double x)
{
	return exp(-z->s * log(x));
}

static double zipf_hint(const zipf_t *z, double x)
{
	double lx = log(x);
	return helper2((1.0 - z->s) * lx) * lx;
}

static double zipf_hinv(const zipf_t *z, double x)
{
	double t = x * (1.0 - z->s);
	if (t < -1.0)
		t = -1.0;
	return exp(helper1(t) * x);
}

static void zipf_init(zipf_t *z, uint64_t n, double s)
{
	z->n = n;
	z->s = s;
	z->hx1 = zipf_hint(z, 1.5) - 1.0;
	z->hn = zipf_hint(z, (double)n + 0.5);
	z->s2 = 2.0 - zipf_hinv(z, zipf_hint(z, 2.5) - zipf_h(z, 2.0));
}

static uint64_t zipf_sample(const zipf_t *z, rng_t *r)
{
	for (;;) {
		double u = z->hn + rng_unit(r) * (z->hx1 - z->hn);
		double x = zipf_hinv(z, u);
		double kd = floor(x + 0.5);
		if (kd < 1.0)
			kd = 1.0;
		else if (kd > (double)z->n)
			kd = (double)z->n;
		if (kd - x <= z->s2 ||
		    u >= zipf_hint(z, kd + 0.5) - zipf_h(z, kd))
			return (uint64_t)kd;
	}
}

/* ---------------------------------------------------------------------
 * Name tables. TLDs are ordered roughly by query volume at the root, so
 * a Zipf rank over this list gives com the lion's share.
 */
static const char *const tlds[] = {
	"com", "net", "org", "de", "uk", "info", "jp", "ru", "br",
	"cn", "fr", "it", "nl", "pl", "au", "edu", "eu", "in", "es", "ca",
	"biz", "se", "ch", "be", "us", "at", "dk", "cz", "kr", "tw", "mx",
	"ar", "gov", "no", "fi", "hu", "tr", "ro", "gr", "pt", "za", "il",
	"ua", "co", "cl", "vn", "ie", "sk", "nz", "hk", "sg", "my", "th",
	"id", "ph", "tv", "me", "cc", "ws", "mobi", "name", "pro", "asia",
	"tel", "mil", "int", "aero", "cat", "coop", "jobs", "museum",
	"travel", "arpa", "ac", "ad", "ae", "af", "ag", "ai", "al", "am", "an", "ao",
	"aq", "as", "aw", "ax", "az", "ba", "bb", "bd", "bf", "bg", "bh",
	"bi", "bj", "bm", "bn", "bo", "bs", "bt", "bv", "bw", "by", "bz",
	"cd", "cf", "cg", "ci", "ck", "cm", "cr", "cu", "cv", "cx", "cy",
	"dj", "dm", "do", "dz", "ec", "ee", "eg", "er", "et", "fj", "fk",
	"fm", "fo", "ga", "gb", "gd", "ge", "gf", "gg", "gh", "gi", "gl",
	"gm", "gn", "gp", "gq", "gs", "gt", "gu", "gw", "gy", "hm", "hn",
	"hr", "ht", "im", "io", "iq", "ir", "is", "je", "jm", "jo", "ke",
	"kg", "kh", "ki", "km", "kn", "kp", "kw", "ky", "kz", "la", "lb",
	"lc", "li", "lk", "lr", "ls", "lt", "lu", "lv", "ly", "ma", "mc",
	"md", "mg", "mh", "mk", "ml", "mm", "mn", "mo", "mp", "mq", "mr",
	"ms", "mt", "mu", "mv", "mw", "mz", "na", "nc", "ne", "nf", "ng",
	"ni", "np", "nr", "nu", "om", "pa", "pe", "pf", "pg", "pk", "pm",
	"pn", "pr", "ps", "pw", "py", "qa", "re", "rs", "rw", "sa", "sb",
	"sc", "sd", "sh", "si", "sj", "sl", "sm", "sn", "so", "sr", "st",
	"su", "sv", "sy", "sz", "tc", "td", "tf", "tg", "tj", "tk", "tl",
	"tm", "tn", "to", "tp", "tt", "tz", "ug", "uy", "uz", "va", "vc",
	"ve", "vg", "vi", "vu", "wf", "ye", "yt", "zm", "zw", "xn--p1ai",
	"xn--fiqs8s", "xn--fiqz9s", "xn--j6w193g", "xn--kprw13d",
	"xn--kpry57d", "xn--mgbaam7a8h", "xn--mgberp4a5d4ar", "xn--wgbh1c",
	"xn--3e0b707e", "xn--0zwm56d", "xn--11b5bs3a9aj6g", "xn--80akhbyknj4f",
	"xn--9t4b11yi5a", "xn--deba0ad", "xn--g6w251d", "xn--hgbk6aj7f53bba",
	"xn--hlcj6aya9esc7a", "xn--jxalpdlp", "xn--kgbechtv", "xn--zckzah",
};
#define NTLD (sizeof tlds / sizeof tlds[0])

/* Names that leak from private networks, the bulk of root junk. */
static const char *const junk_tlds[] = {
	"local", "localdomain", "home", "lan", "corp", "internal", "domain",
	"belkin", "invalid", "localhost", "workgroup", "intra", "router",
	"dlink", "gateway", "site", "loc", "private", "ads", "wpad",
};
#define NJUNK (sizeof junk_tlds / sizeof junk_tlds[0])

static const char *const words[] = {
	"www", "mail", "ns1", "ns2", "smtp", "ftp", "api", "cdn", "img",
	"static", "m", "mx", "pop", "webmail", "vpn", "dns", "time", "update",
};
#define NWORDS (sizeof words / sizeof words[0])

/* Root servers as of 2010, with the IPv6 glue then published. */
static const struct {
	uint8_t a[4];
	int has6;
	uint8_t a6[16];
} roots[13] = {
	{{198, 41, 0, 4}, 1, {0x20, 0x01, 0x05, 0x03, 0xba, 0x3e, 0, 0, 0, 0, 0, 0, 0, 0x02, 0, 0x30}},
	{{192, 228, 79, 201}, 0, {0}},
	{{192, 33, 4, 12}, 0, {0}},
	{{128, 8, 10, 90}, 0, {0}},
	{{192, 203, 230, 10}, 0, {0}},
	{{192, 5, 5, 241}, 1, {0x20, 0x01, 0x05, 0x00, 0x00, 0x2f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0f}},
	{{192, 112, 36, 4}, 0, {0}},
	{{128, 63, 2, 53}, 1, {0x20, 0x01, 0x05, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0x80, 0x3f, 0x02, 0x35}},
	{{192, 36, 148, 17}, 0, {0}},
	{{192, 58, 128, 30}, 1, {0x20, 0x01, 0x05, 0x03, 0x0c, 0x27, 0, 0, 0, 0, 0, 0, 0, 0x02, 0, 0x30}},
	{{193, 0, 14, 129}, 1, {0x20, 0x01, 0x07, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01}},
	{{199, 7, 83, 42}, 1, {0x20, 0x01, 0x05, 0x00, 0x00, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42}},
	{{202, 12, 27, 33}, 1, {0x20, 0x01, 0x0d, 0xc3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x35}},
};

/* The captured server: a.root-servers.net. */
static const uint8_t srv4[4] = {198, 41, 0, 4};
static const uint8_t srv6[16] = {0x20, 0x01, 0x05, 0x03, 0xba, 0x3e, 0, 0,
				 0,    0,    0,    0,    0,    0x02, 0, 0x30};
static const uint8_t mac_srv[6] = {0x00, 0x16, 0x3e, 0x12, 0x34, 0x56};
static const uint8_t mac_rtr[6] = {0x00, 0x1b, 0x21, 0xab, 0xcd, 0xef};

/* Query types: weights are per mille of non-junk queries. */
enum { T_A = 1, T_NS = 2, T_SOA = 6, T_PTR = 12, T_MX = 15, T_TXT = 16,
       T_AAAA = 28, T_OPT = 41, T_DS = 43, T_RRSIG = 46, T_NSEC = 47,
       T_DNSKEY = 48, T_ANY = 255 };
static const struct {
	uint16_t type;
	const char *name;
	unsigned weight;
} qtypes[] = {
	{T_A, "A", 450},       {T_AAAA, "AAAA", 170}, {T_NS, "NS", 40},
	{T_DS, "DS", 30},      {T_DNSKEY, "DNSKEY", 30}, {T_SOA, "SOA", 40},
	{T_MX, "MX", 70},      {T_TXT, "TXT", 40},    {T_ANY, "ANY", 20},
	{T_PTR, "PTR", 110},
};
#define NQT (sizeof qtypes / sizeof qtypes[0])

/* ---------------------------------------------------------------------
 * Options, counters, generator state.
 */
typedef struct {
	uint64_t npkts, nsrc, seed, start;
	double rate, zexp, p6, ptcp, pedns, pdo, pjunk, presp;
	int unique;
	const char *out, *countfile;
} opts_t;

typedef struct {
	uint64_t pkts, pkts_v[2], pkts_udp, pkts_tcp, bytes;
	uint64_t q[2][2], r[2][2]; /* [tcp][v6] */
	uint64_t q_edns, q_do, q_rd, q_junk, q_root, q_qt[NQT];
	uint64_t r_tc, r_aa, r_noerror, r_nxdomain, r_edns, r_do, r_qt[NQT];
	uint64_t rsize_sum, rsize_min, rsize_max, rsize_le512, rsize_gt1232;
	uint64_t tcp_conns, tcp_retries, tcp_split;
	uint64_t first_us, last_us;
} stats_t;

typedef struct {
	uint64_t ts, seq;
	uint8_t *data;
	uint32_t len;
} pkt_t;

typedef struct {
	opts_t o;
	rng_t r;
	stats_t st;
	zipf_t zsrc[2], ztld;
	uint64_t pop[2];       /* sources per IP version */
	uint32_t *srccnt[2];   /* queries per source (population mode) */
	uint64_t next_src[2];  /* unique mode: next fresh source */
	uint32_t key4;         /* address permutation keys */
	uint64_t key6;
	pkt_t *heap;           /* packets not yet written, by time */
	size_t nheap, capheap;
	uint64_t seq;
	FILE *fp;
	uint8_t fill[1024];    /* filler for keys and signatures */
	uint8_t octets[256];   /* usable first octets of IPv4 sources */
	uint32_t noctets;
	size_t arpa;           /* index of "arpa" in tlds[] */
	uint64_t tcp_port_seq; /* see tcp_port() */
} gen_t;

static void die(const char *msg)
{
	fprintf(stderr, "gencap: %s\n", msg);
	exit(1);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p)
		die("out of memory");
	return p;
}

/* ---------------------------------------------------------------------
 * Source addresses. A source is (IP version, index); the index maps to
 * an address through a keyed bijection, so distinct indexes are distinct
 * addresses and heavy hitters are scattered, not numbered 1, 2, 3.
 */
static uint32_t perm32(uint32_t x, uint32_t key)
{
	x ^= key;
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

/* First octets we allow: unicast, not 0/8, 10/8, 127/8, or the server's
 * own 198/8. */
static int ok_octet(unsigned o)
{
	return o >= 1 && o <= 223 && o != 10 && o != 127 && o != 198;
}

static void src_addr4(const gen_t *g, uint64_t idx, uint8_t a[4])
{
	/* cycle-walk the permutation into [0, noctets << 24): still a
	 * bijection on that range */
	uint64_t lim = (uint64_t)g->noctets << 24;
	uint32_t y = perm32((uint32_t)idx, g->key4);
	while (y >= lim)
		y = perm32(y, g->key4);
	a[0] = g->octets[y >> 24];
	a[1] = (uint8_t)(y >> 16);
	a[2] = (uint8_t)(y >> 8);
	a[3] = (uint8_t)y;
}

static void src_addr6(const gen_t *g, uint64_t idx, uint8_t a[16])
{
	static const uint16_t pfx[] = {0x2001, 0x2400, 0x2600, 0x2a00,
				       0x2800, 0x2c0f, 0x2a01, 0x2607};
	uint64_t h = mix64(idx ^ g->key6);
	uint32_t mid = perm32((uint32_t)idx, (uint32_t)g->key6);
	memset(a, 0, 16);
	a[0] = (uint8_t)(pfx[h & 7] >> 8);
	a[1] = (uint8_t)pfx[h & 7];
	a[2] = (uint8_t)(mid >> 24);
	a[3] = (uint8_t)(mid >> 16);
	a[4] = (uint8_t)(mid >> 8);
	a[5] = (uint8_t)mid;
	/* distinct /48s make distinct addresses; the interface ID is
	 * either small (servers) or random-looking (SLAAC privacy) */
	if ((h >> 8) & 1) {
		a[15] = (uint8_t)(1 + ((h >> 16) & 0x3f));
	} else {
		for (int i = 8; i < 16; i++)
			a[i] = (uint8_t)(h >> (8 * (i - 8) + 3));
	}
}

static void src_addr(const gen_t *g, int v6, uint64_t idx, uint8_t a[16])
{
	if (v6)
		src_addr6(g, idx, a);
	else
		src_addr4(g, idx, a);
}

/* ---------------------------------------------------------------------
 * Packet queue. Responses and TCP segments leave later than the query
 * arrives, while new queries keep arriving: packets go into a min-heap on
 * (time, sequence) and are written once the clock passes them, so the
 * file is in time order as a real capture is.
 */
static int pkt_less(const pkt_t *a, const pkt_t *b)
{
	return a->ts < b->ts || (a->ts == b->ts && a->seq < b->seq);
}

static void heap_push(gen_t *g, pkt_t p)
{
	if (g->nheap == g->capheap) {
		g->capheap = g->capheap ? 2 * g->capheap : 4096;
		g->heap = realloc(g->heap, g->capheap * sizeof *g->heap);
		if (!g->heap)
			die("out of memory");
	}
	size_t i = g->nheap++;
	while (i > 0) {
		size_t up = (i - 1) / 2;
		if (!pkt_less(&p, &g->heap[up]))
			break;
		g->heap[i] = g->heap[up];
		i = up;
	}
	g->heap[i] = p;
}

static pkt_t heap_pop(gen_t *g)
{
	pkt_t top = g->heap[0], last = g->heap[--g->nheap];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= g->nheap)
			break;
		if (c + 1 < g->nheap && pkt_less(&g->heap[c + 1], &g->heap[c]))
			c++;
		if (!pkt_less(&g->heap[c], &last))
			break;
		g->heap[i] = g->heap[c];
		i = c;
	}
	if (g->nheap)
		g->heap[i] = last;
	return top;
}

static void le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void write_or_die(gen_t *g, const void *p, size_t n)
{
	if (fwrite(p, 1, n, g->fp) != n)
		die("write error");
}

static void pcap_header(gen_t *g)
{
	uint8_t h[24];
	le32(h, 0xa1b2c3d4);
	le16(h + 4, 2);
	le16(h + 6, 4);
	le32(h + 8, 0);
	le32(h + 12, 0);
	le32(h + 16, 65535);
	le32(h + 20, 1); /* LINKTYPE_ETHERNET */
	write_or_die(g, h, sizeof h);
}

/* Write every queued packet stamped at or before @p now. */
static void flush_until(gen_t *g, uint64_t now)
{
	while (g->nheap && g->heap[0].ts <= now) {
		pkt_t p = heap_pop(g);
		uint8_t h[16];
		le32(h, (uint32_t)(p.ts / 1000000));
		le32(h + 4, (uint32_t)(p.ts % 1000000));
		le32(h + 8, p.len);
		le32(h + 12, p.len);
		write_or_die(g, h, sizeof h);
		write_or_die(g, p.data, p.len);
		free(p.data);
	}
}

/* ---------------------------------------------------------------------
 * Frames: Ethernet / IPv4 or IPv6 / UDP or TCP.
 */
typedef struct {
	int v6;
	uint8_t cli[16], srv[16];
	uint16_t cport;
	uint8_t cttl;
	uint64_t src_idx;
} flow_t;

typedef struct {
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t mss; /* 0: no MSS option */
} tcph_t;

enum { TH_FIN = 0x01, TH_SYN = 0x02, TH_PSH = 0x08, TH_ACK = 0x10 };

static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void emit(gen_t *g, uint64_t ts, const flow_t *f, int to_srv,
		 int proto, const tcph_t *th, const uint8_t *pl, size_t plen)
{
	size_t l3 = f->v6 ? 40 : 20;
	size_t l4 = proto == 17 ? 8 : 20 + (th->mss ? 4 : 0);
	size_t l4len = l4 + plen;
	size_t len = 14 + l3 + l4len;
	uint8_t *p = xmalloc(len);
	const uint8_t *src = to_srv ? f->cli : f->srv;
	const uint8_t *dst = to_srv ? f->srv : f->cli;
	uint8_t ttl = to_srv ? f->cttl : 64;
	uint16_t sport = to_srv ? f->cport : 53, dport = to_srv ? 53 : f->cport;
	uint8_t *ip = p + 14, *l4p = p + 14 + l3;
	uint32_t ps; /* pseudo-header sum */

	memcpy(p, to_srv ? mac_srv : mac_rtr, 6);
	memcpy(p + 6, to_srv ? mac_rtr : mac_srv, 6);
	be16(p + 12, f->v6 ? 0x86dd : 0x0800);

	if (f->v6) {
		be32(ip, 0x60000000);
		be16(ip + 4, (uint32_t)l4len);
		ip[6] = (uint8_t)proto;
		ip[7] = ttl;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
		ps = sum16(0, ip + 8, 32) + (uint32_t)l4len + (uint32_t)proto;
	} else {
		ip[0] = 0x45;
		ip[1] = 0;
		be16(ip + 2, (uint32_t)(20 + l4len));
		be16(ip + 4, (uint32_t)rng_below(&g->r, 65536));
		be16(ip + 6, proto == 6 ? 0x4000 : 0); /* DF on TCP */
		ip[8] = ttl;
		ip[9] = (uint8_t)proto;
		be16(ip + 10, 0);
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		be16(ip + 10, fold(sum16(0, ip, 20)));
		ps = sum16(0, ip + 12, 8) + (uint32_t)l4len + (uint32_t)proto;
	}

	be16(l4p, sport);
	be16(l4p + 2, dport);
	if (proto == 17) {
		be16(l4p + 4, (uint32_t)l4len);
		be16(l4p + 6, 0);
		memcpy(l4p + 8, pl, plen);
		uint16_t c = fold(sum16(ps, l4p, l4len));
		be16(l4p + 6, c ? c : 0xffff); /* 0 means "none" in UDP */
		g->st.pkts_udp++;
	} else {
		be32(l4p + 4, th->seq);
		be32(l4p + 8, th->ack);
		l4p[12] = (uint8_t)((l4 / 4) << 4);
		l4p[13] = th->flags;
		be16(l4p + 14, 65535);
		be16(l4p + 16, 0);
		be16(l4p + 18, 0);
		if (th->mss) {
			l4p[20] = 2;
			l4p[21] = 4;
			be16(l4p + 22, th->mss);
		}
		if (plen)
			memcpy(l4p + l4, pl, plen);
		be16(l4p + 16, fold(sum16(ps, l4p, l4len)));
		g->st.pkts_tcp++;
	}

	g->st.pkts++;
	g->st.pkts_v[f->v6]++;
	g->st.bytes += len;
	if (!g->st.first_us || ts < g->st.first_us)
		g->st.first_us = ts;
	if (ts > g->st.last_us)
		g->st.last_us = ts;
	heap_push(g, (pkt_t){ts, g->seq++, p, (uint32_t)len});
}

/* ---------------------------------------------------------------------
 * DNS messages.
 */
typedef struct {
	uint8_t b[MSG_MAX];
	size_t len;
} msg_t;

static void put8(msg_t *m, unsigned v)
{
	if (m->len >= MSG_MAX)
		die("internal: DNS message overflow");
	m->b[m->len++] = (uint8_t)v;
}

static void put16(msg_t *m, unsigned v)
{
	put8(m, v >> 8);
	put8(m, v & 0xff);
}

static void put32(msg_t *m, uint32_t v)
{
	put16(m, v >> 16);
	put16(m, v & 0xffff);
}

static void putn(msg_t *m, const void *p, size_t n)
{
	if (m->len + n > MSG_MAX)
		die("internal: DNS message overflow");
	memcpy(m->b + m->len, p, n);
	m->len += n;
}

static void patch16(msg_t *m, size_t at, unsigned v)
{
	m->b[at] = (uint8_t)(v >> 8);
	m->b[at + 1] = (uint8_t)v;
}

static void put_label(msg_t *m, const char *s, size_t n)
{
	put8(m, (unsigned)n);
	putn(m, s, n);
}

/* "a.root-servers.net" -> uncompressed wire name; "" is the root. */
static void put_text_name(msg_t *m, const char *s)
{
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t n = dot ? (size_t)(dot - s) : strlen(s);
		put_label(m, s, n);
		s += n + (dot ? 1 : 0);
	}
	put8(m, 0);
}

static void put_owner(msg_t *m, int own)
{
	if (own == OWN_ROOT)
		put8(m, 0);
	else
		put16(m, 0xc000u | (unsigned)own);
}

/* Type, class IN, TTL and a placeholder RDLENGTH; returns where the
 * RDLENGTH is so rr_end() can fill it in. */
static size_t rr_fixed(msg_t *m, uint16_t type, uint32_t ttl)
{
	put16(m, type);
	put16(m, 1);
	put32(m, ttl);
	size_t at = m->len;
	put16(m, 0);
	return at;
}

static size_t rr_begin(msg_t *m, int own, uint16_t type, uint32_t ttl)
{
	put_owner(m, own);
	return rr_fixed(m, type, ttl);
}

static void rr_end(msg_t *m, size_t at)
{
	patch16(m, at, (unsigned)(m->len - at - 2));
}

static void put_fill(gen_t *g, msg_t *m, size_t n)
{
	size_t off = (size_t)rng_below(&g->r, sizeof g->fill - n);
	putn(m, g->fill + off, n);
}

/* RRSIG by the root's ZSK (1024-bit, 128-byte signature) or KSK. */
static void put_rrsig(gen_t *g, msg_t *m, int own, uint16_t covered,
		      unsigned labels, uint32_t ttl, int ksk)
{
	size_t at = rr_begin(m, own, T_RRSIG, ttl);
	put16(m, covered);
	put8(m, 8); /* RSASHA256 */
	put8(m, labels);
	put32(m, ttl);
	put32(m, 1273881600); /* expiration 2010-05-15 */
	put32(m, 1272672000); /* inception  2010-05-01 */
	put16(m, ksk ? 19036 : 40288);
	put8(m, 0); /* signer: . */
	put_fill(g, m, ksk ? 256 : 128);
	rr_end(m, at);
}

static void put_root_soa(msg_t *m)
{
	size_t at = rr_begin(m, OWN_ROOT, T_SOA, 86400);
	put_text_name(m, "a.root-servers.net");
	put_text_name(m, "nstld.verisign-grs.com");
	put32(m, 2010050500);
	put32(m, 1800);
	put32(m, 900);
	put32(m, 604800);
	put32(m, 86400);
	rr_end(m, at);
}

/* The 13 root NS records; @p ns_off receives where each NS name is, for
 * the glue owners to point at. */
static void put_root_ns(msg_t *m, size_t ns_off[13])
{
	size_t rs = 0;
	for (unsigned i = 0; i < 13; i++) {
		char letter = (char)('a' + i);
		size_t at = rr_begin(m, OWN_ROOT, T_NS, 518400);
		ns_off[i] = m->len;
		put_label(m, &letter, 1);
		if (i == 0) {
			rs = m->len;
			put_text_name(m, "root-servers.net");
		} else {
			put16(m, 0xc000u | (unsigned)rs);
		}
		rr_end(m, at);
	}
}

static void put_root_dnskeys(gen_t *g, msg_t *m)
{
	for (int ksk = 1; ksk >= 0; ksk--) {
		size_t at = rr_begin(m, OWN_ROOT, T_DNSKEY, 172800);
		put16(m, ksk ? 257 : 256);
		put8(m, 3);
		put8(m, 8);
		put8(m, 3); /* exponent length, then 65537 */
		put8(m, 1);
		put8(m, 0);
		put8(m, 1);
		put_fill(g, m, ksk ? 256 : 128);
		rr_end(m, at);
	}
}

/* NSEC: @p bitmap is the whole type bitmap field. */
static void put_nsec_rdata(msg_t *m, const char *next, const uint8_t *bm,
			   size_t bmlen)
{
	put_text_name(m, next);
	putn(m, bm, bmlen);
}

static const uint8_t bm_root[] = {0, 7, 0x22, 0, 0, 0, 0, 0x03, 0x80};
static const uint8_t bm_deleg[] = {0, 6, 0x20, 0, 0, 0, 0, 0x03};

/* Per-TLD facts derive from its index: how many name servers, whether
 * the TLD is signed (has a DS at the root; ~1/4 did in 2010), and how its
 * servers are named. */
static unsigned tld_nns(size_t t)
{
	return 2 + (unsigned)(mix64(t) % 12);
}

static int tld_signed(size_t t)
{
	return (mix64(t) >> 8) % 4 == 0;
}

/* ---------------------------------------------------------------------
 * Queries.
 */
enum { K_SUB, K_APEX, K_ROOT, K_JUNK };

typedef struct {
	uint16_t id, bufsize;
	int qt;   /* index in qtypes[] */
	int kind; /* K_* */
	int rd, edns, dobit;
	size_t tld;     /* index in tlds[] unless junk */
	size_t tld_off; /* offset of the TLD label within qname */
	uint8_t qname[256];
	size_t qlen;
} query_t;

static void qn_label(query_t *q, const char *s, size_t n)
{
	q->qname[q->qlen++] = (uint8_t)n;
	memcpy(q->qname + q->qlen, s, n);
	q->qlen += n;
}

/* A hostname-like random label: [a-z0-9], inner hyphens. */
static size_t rand_label(rng_t *r, char *out, size_t minlen, size_t maxlen,
			 int letters_only)
{
	static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	size_t n = minlen + (size_t)rng_below(r, maxlen - minlen + 1);
	for (size_t i = 0; i < n; i++) {
		if (!letters_only && i > 0 && i + 1 < n && rng_below(r, 20) == 0)
			out[i] = '-';
		else
			out[i] = al[rng_below(r, letters_only ? 26 : 36)];
	}
	return n;
}

static void make_query(gen_t *g, query_t *q)
{
	rng_t *r = &g->r;
	char lab[64];
	size_t n;

	memset(q, 0, sizeof *q);
	q->id = (uint16_t)rng_below(r, 65536);
	q->edns = rng_pct(r, g->o.pedns);
	q->dobit = q->edns && rng_pct(r, g->o.pdo);
	if (q->edns) {
		unsigned b = (unsigned)rng_below(r, 100);
		q->bufsize = b < 60 ? 4096 : b < 85 ? 1232 : 512;
	}

	if (rng_pct(r, g->o.pjunk)) {
		/* leaked private names, and Chrome-style random probes */
		static const int junk_qt[] = {0, 0, 0, 0, 0, 0, 1, 1, 5, 6, 7, 8};
		q->kind = K_JUNK;
		q->qt = junk_qt[rng_below(r, sizeof junk_qt / sizeof junk_qt[0])];
		q->rd = rng_pct(r, 70);
		if (rng_pct(r, 60)) {
			const char *j = junk_tlds[rng_below(r, NJUNK)];
			n = rand_label(r, lab, 3, 14, 0);
			qn_label(q, lab, n);
			q->tld_off = q->qlen;
			qn_label(q, j, strlen(j));
		} else {
			if (rng_pct(r, 50)) {
				n = rand_label(r, lab, 3, 10, 0);
				qn_label(q, lab, n);
			}
			q->tld_off = q->qlen;
			n = rand_label(r, lab, 7, 15, 1);
			qn_label(q, lab, n);
		}
		q->qname[q->qlen++] = 0;
		return;
	}

	unsigned w = (unsigned)rng_below(r, 1000), acc = 0;
	for (q->qt = 0; q->qt < (int)NQT - 1; q->qt++) {
		acc += qtypes[q->qt].weight;
		if (w < acc)
			break;
	}
	uint16_t type = qtypes[q->qt].type;
	q->rd = rng_pct(r, 5); /* resolvers do not ask the root to recurse */

	if (type == T_PTR) {
		char d[4];
		for (int i = 0; i < 4; i++) {
			n = (size_t)snprintf(d, sizeof d, "%u",
					     (unsigned)rng_below(r, 256));
			qn_label(q, d, n);
		}
		qn_label(q, "in-addr", 7);
		q->tld_off = q->qlen;
		qn_label(q, "arpa", 4);
		q->tld = g->arpa;
		q->kind = K_SUB;
		q->qname[q->qlen++] = 0;
		return;
	}

	/* which part of the tree: the root, a TLD apex, or below */
	unsigned u = (unsigned)rng_below(r, 100);
	q->kind = K_SUB;
	if (type == T_NS)
		q->kind = u < 30 ? K_ROOT : u < 60 ? K_APEX : K_SUB;
	else if (type == T_DNSKEY)
		q->kind = u < 40 ? K_ROOT : u < 70 ? K_APEX : K_SUB;
	else if (type == T_SOA)
		q->kind = u < 20 ? K_ROOT : u < 50 ? K_APEX : K_SUB;
	else if (type == T_DS)
		q->kind = u < 70 ? K_APEX : K_SUB;
	else if (type == T_ANY)
		q->kind = u < 10 ? K_ROOT : K_SUB;

	if (q->kind == K_ROOT) {
		q->qname[q->qlen++] = 0;
		return;
	}
	q->tld = (size_t)zipf_sample(&g->ztld, r) - 1;
	if (q->kind == K_SUB) {
		if (rng_pct(r, 30)) {
			const char *wd = words[rng_below(r, NWORDS)];
			qn_label(q, wd, strlen(wd));
		}
		n = rand_label(r, lab, 2, 16, 0);
		qn_label(q, lab, n);
	}
	q->tld_off = q->qlen;
	qn_label(q, tlds[q->tld], strlen(tlds[q->tld]));
	q->qname[q->qlen++] = 0;
}

static void put_query(const query_t *q, msg_t *m)
{
	m->len = 0;
	put16(m, q->id);
	put16(m, q->rd ? 0x0100 : 0);
	put16(m, 1);
	put16(m, 0);
	put16(m, 0);
	put16(m, q->edns ? 1 : 0);
	putn(m, q->qname, q->qlen);
	put16(m, qtypes[q->qt].type);
	put16(m, 1);
	if (q->edns) {
		put8(m, 0);
		put16(m, T_OPT);
		put16(m, q->bufsize);
		put32(m, q->dobit ? 0x8000 : 0);
		put16(m, 0);
	}
}

/* ---------------------------------------------------------------------
 * Responses. Sections are written in order; additional RRs (glue) are
 * remembered one by one so they can be dropped from the end to fit the
 * size limit, as a server does before it resorts to TC=1.
 */
typedef struct {
	msg_t m;
	unsigned an, ns, nar;
	size_t ar_start, ar_end[MAX_AR];
	int aa, tc, rcode;
} resp_t;

static void ar_mark(resp_t *rp)
{
	if (rp->nar >= MAX_AR)
		die("internal: too many additional RRs");
	rp->ar_end[rp->nar++] = rp->m.len;
}

static void glue_root(resp_t *rp, const size_t ns_off[13])
{
	msg_t *m = &rp->m;
	rp->ar_start = m->len;
	for (unsigned i = 0; i < 13; i++) {
		size_t at = rr_begin(m, (int)ns_off[i], T_A, 3600000);
		putn(m, roots[i].a, 4);
		rr_end(m, at);
		ar_mark(rp);
	}
	for (unsigned i = 0; i < 13; i++) {
		if (!roots[i].has6)
			continue;
		size_t at = rr_begin(m, (int)ns_off[i], T_AAAA, 3600000);
		putn(m, roots[i].a6, 16);
		rr_end(m, at);
		ar_mark(rp);
	}
}

/* Authority SOA (+ signature and the root's NSEC when DO): the negative
 * answer for a name or type the root does not have. */
static void negative_root(gen_t *g, resp_t *rp, int dobit, int nxdomain)
{
	msg_t *m = &rp->m;
	size_t t = (size_t)rng_below(&g->r, NTLD - 1);
	put_root_soa(m);
	rp->ns++;
	if (!dobit)
		return;
	put_rrsig(g, m, OWN_ROOT, T_SOA, 0, 86400, 0);
	rp->ns++;
	if (nxdomain) {
		/* NSEC covering the name: between two existing TLDs */
		size_t own = m->len;
		put_text_name(m, tlds[t]);
		size_t at = rr_fixed(m, T_NSEC, 86400);
		put_nsec_rdata(m, tlds[t + 1], bm_deleg, sizeof bm_deleg);
		rr_end(m, at);
		put_rrsig(g, m, (int)own, T_NSEC, 1, 86400, 0);
		rp->ns += 2;
	}
	size_t at = rr_begin(m, OWN_ROOT, T_NSEC, 86400);
	put_nsec_rdata(m, "ac", bm_root, sizeof bm_root);
	rr_end(m, at);
	put_rrsig(g, m, OWN_ROOT, T_NSEC, 0, 86400, 0);
	rp->ns += 2;
}

static void answer_root(gen_t *g, resp_t *rp, const query_t *q)
{
	msg_t *m = &rp->m;
	size_t ns_off[13];
	uint16_t type = qtypes[q->qt].type;

	rp->aa = 1;
	switch (type) {
	case T_NS:
		put_root_ns(m, ns_off);
		rp->an = 13;
		if (q->dobit) {
			put_rrsig(g, m, OWN_ROOT, T_NS, 0, 518400, 0);
			rp->an++;
		}
		glue_root(rp, ns_off);
		break;
	case T_DNSKEY:
		put_root_dnskeys(g, m);
		rp->an = 2;
		if (q->dobit) {
			put_rrsig(g, m, OWN_ROOT, T_DNSKEY, 0, 172800, 1);
			rp->an++;
		}
		break;
	case T_SOA:
		put_root_soa(m);
		rp->an = 1;
		if (q->dobit) {
			put_rrsig(g, m, OWN_ROOT, T_SOA, 0, 86400, 0);
			rp->an++;
		}
		break;
	case T_ANY:
		put_root_ns(m, ns_off);
		put_root_soa(m);
		put_root_dnskeys(g, m);
		rp->an = 16;
		if (q->dobit) {
			put_rrsig(g, m, OWN_ROOT, T_NS, 0, 518400, 0);
			put_rrsig(g, m, OWN_ROOT, T_SOA, 0, 86400, 0);
			put_rrsig(g, m, OWN_ROOT, T_DNSKEY, 0, 172800, 1);
			rp->an += 3;
		}
		glue_root(rp, ns_off);
		break;
	default:
		negative_root(g, rp, q->dobit, 0);
		break;
	}
}

/* The root is authoritative for a TLD's DS: answer it, or prove there
 * is none. */
static void answer_ds(gen_t *g, resp_t *rp, const query_t *q)
{
	msg_t *m = &rp->m;
	int own = (int)(12 + q->tld_off);
	rp->aa = 1;
	if (tld_signed(q->tld)) {
		size_t at = rr_begin(m, own, T_DS, 86400);
		put16(m, (unsigned)(mix64(q->tld) & 0xffff));
		put8(m, 8);
		put8(m, 2);
		put_fill(g, m, 32);
		rr_end(m, at);
		rp->an = 1;
		if (q->dobit) {
			put_rrsig(g, m, own, T_DS, 1, 86400, 0);
			rp->an++;
		}
		return;
	}
	put_root_soa(m);
	rp->ns = 1;
	if (q->dobit) {
		put_rrsig(g, m, OWN_ROOT, T_SOA, 0, 86400, 0);
		size_t at = rr_begin(m, own, T_NSEC, 86400);
		put_nsec_rdata(m, tlds[(q->tld + 1) % NTLD], bm_deleg,
			       sizeof bm_deleg);
		rr_end(m, at);
		put_rrsig(g, m, own, T_NSEC, 1, 86400, 0);
		rp->ns += 3;
	}
}

/* Referral to the TLD's servers, named in-bailiwick so they need glue. */
static void referral(gen_t *g, resp_t *rp, const query_t *q)
{
	msg_t *m = &rp->m;
	int own = (int)(12 + q->tld_off);
	unsigned nns = tld_nns(q->tld);
	unsigned style = (unsigned)(mix64(q->tld) >> 16) % 3;
	size_t ns_off[13];
	char lab[8];

	for (unsigned i = 0; i < nns; i++) {
		size_t at = rr_begin(m, own, T_NS, 172800);
		ns_off[i] = m->len;
		if (style == 0) { /* a.nic.<tld> */
			lab[0] = (char)('a' + i);
			put_label(m, lab, 1);
			put_label(m, "nic", 3);
		} else if (style == 1) { /* ns<i>.<tld> */
			int n = snprintf(lab, sizeof lab, "ns%u", i + 1);
			put_label(m, lab, (size_t)n);
		} else { /* <x>.dns.<tld> */
			lab[0] = (char)('a' + i);
			put_label(m, lab, 1);
			put_label(m, "dns", 3);
		}
		put16(m, 0xc000u | (unsigned)own);
		rr_end(m, at);
	}
	rp->ns = nns;
	if (q->dobit) {
		if (tld_signed(q->tld)) {
			size_t at = rr_begin(m, own, T_DS, 86400);
			put16(m, (unsigned)(mix64(q->tld) & 0xffff));
			put8(m, 8);
			put8(m, 2);
			put_fill(g, m, 32);
			rr_end(m, at);
			put_rrsig(g, m, own, T_DS, 1, 86400, 0);
		} else {
			size_t at = rr_begin(m, own, T_NSEC, 86400);
			put_nsec_rdata(m, tlds[(q->tld + 1) % NTLD], bm_deleg,
				       sizeof bm_deleg);
			rr_end(m, at);
			put_rrsig(g, m, own, T_NSEC, 1, 86400, 0);
		}
		rp->ns += 2;
	}
	rp->ar_start = m->len;
	uint64_t h = mix64(q->tld * 7919 + 1);
	for (unsigned i = 0; i < nns; i++) {
		uint64_t hi = mix64(h + i);
		uint8_t a[16];
		size_t at = rr_begin(m, (int)ns_off[i], T_A, 172800);
		a[0] = (uint8_t)(1 + hi % 222);
		a[1] = (uint8_t)(hi >> 8);
		a[2] = (uint8_t)(hi >> 16);
		a[3] = (uint8_t)(1 + (hi >> 24) % 254);
		putn(m, a, 4);
		rr_end(m, at);
		ar_mark(rp);
		if ((hi >> 40) % 2 == 0) {
			memset(a, 0, 16);
			a[0] = 0x20;
			a[1] = 0x01;
			a[2] = (uint8_t)(hi >> 32);
			a[3] = (uint8_t)(hi >> 48);
			a[15] = (uint8_t)(1 + i);
			at = rr_begin(m, (int)ns_off[i], T_AAAA, 172800);
			putn(m, a, 16);
			rr_end(m, at);
			ar_mark(rp);
		}
	}
}

/* Build the response to @p q for a transport whose limit is @p lim
 * bytes (UDP: the EDNS size or 512, capped to one Ethernet frame). */
static void make_response(gen_t *g, const query_t *q, size_t lim, resp_t *rp)
{
	msg_t *m = &rp->m;
	size_t optlen = q->edns ? 11 : 0;

	rp->an = rp->ns = rp->nar = 0;
	rp->aa = rp->tc = rp->rcode = 0;
	m->len = 12;
	putn(m, q->qname, q->qlen);
	put16(m, qtypes[q->qt].type);
	put16(m, 1);
	size_t qend = m->len;
	rp->ar_start = m->len;

	if (q->kind == K_JUNK) {
		rp->aa = 1;
		rp->rcode = 3;
		negative_root(g, rp, q->dobit, 1);
	} else if (q->kind == K_ROOT) {
		answer_root(g, rp, q);
	} else if (q->kind == K_APEX && qtypes[q->qt].type == T_DS) {
		answer_ds(g, rp, q);
	} else {
		referral(g, rp, q);
	}
	if (!rp->nar)
		rp->ar_start = m->len;

	while (rp->nar > 0 && m->len + optlen > lim) {
		rp->nar--;
		m->len = rp->nar ? rp->ar_end[rp->nar - 1] : rp->ar_start;
	}
	if (m->len + optlen > lim) {
		m->len = qend;
		rp->an = rp->ns = 0;
		rp->tc = 1;
	}
	unsigned arcount = rp->nar;
	if (q->edns) {
		put8(m, 0);
		put16(m, T_OPT);
		put16(m, 4096);
		put32(m, q->dobit ? 0x8000 : 0);
		put16(m, 0);
		arcount++;
	}
	patch16(m, 0, q->id);
	patch16(m, 2, 0x8000u | (rp->aa ? 0x0400u : 0) | (rp->tc ? 0x0200u : 0) |
			      (q->rd ? 0x0100u : 0) | (unsigned)rp->rcode);
	patch16(m, 4, 1);
	patch16(m, 6, rp->an);
	patch16(m, 8, rp->ns);
	patch16(m, 10, arcount);
}

/* ---------------------------------------------------------------------
 * Counting: done when a message is made, independently of any decoder.
 */
static void count_query(gen_t *g, const query_t *q, const flow_t *f, int tcp)
{
	stats_t *s = &g->st;
	s->q[tcp][f->v6]++;
	s->q_qt[q->qt]++;
	s->q_edns += (uint64_t)q->edns;
	s->q_do += (uint64_t)q->dobit;
	s->q_rd += (uint64_t)q->rd;
	s->q_junk += q->kind == K_JUNK;
	s->q_root += q->kind == K_ROOT;
	if (g->srccnt[f->v6])
		g->srccnt[f->v6][f->src_idx]++;
}

static void count_response(gen_t *g, const query_t *q, const resp_t *rp,
			   const flow_t *f, int tcp)
{
	stats_t *s = &g->st;
	uint64_t sz = rp->m.len;
	s->r[tcp][f->v6]++;
	s->r_qt[q->qt]++;
	s->r_tc += (uint64_t)rp->tc;
	s->r_aa += (uint64_t)rp->aa;
	s->r_noerror += rp->rcode == 0;
	s->r_nxdomain += rp->rcode == 3;
	s->r_edns += (uint64_t)q->edns;
	s->r_do += (uint64_t)q->dobit;
	s->rsize_sum += sz;
	if (!s->rsize_min || sz < s->rsize_min)
		s->rsize_min = sz;
	if (sz > s->rsize_max)
		s->rsize_max = sz;
	s->rsize_le512 += sz <= 512;
	s->rsize_gt1232 += sz > 1232;
}

/* ---------------------------------------------------------------------
 * Transactions.
 */
static uint16_t rand_port(rng_t *r)
{
	return (uint16_t)(1024 + rng_below(r, 65536 - 1024));
}

/* TCP client ports walk all 64512 ephemeral ports in a scrambled order
 * (40507 is coprime to 64512) so that a busy source never reopens a port
 * whose previous connection is still closing: that would be a port reuse
 * a real stack avoids (TIME_WAIT), and tshark would rightly flag it. */
static uint16_t tcp_port(gen_t *g)
{
	return (uint16_t)(1024 + (g->tcp_port_seq++ * 40507u) % 64512u);
}

/* A DNS-over-TCP exchange as the server sees it: SYN, SYN-ACK, ACK,
 * query, response (MSS-sized segments), the client's FIN (which acks the
 * response), the server's FIN, the last ACK. */
static void gen_tcp(gen_t *g, uint64_t t0, const flow_t *f, const query_t *q)
{
	rng_t *r = &g->r;
	msg_t qm;
	resp_t rp;
	uint8_t buf[2 + MSG_MAX];
	uint64_t rtt = 5000 + rng_below(r, 145000);
	uint32_t ci = (uint32_t)rng_next(r), si = (uint32_t)rng_next(r);
	uint16_t mss = f->v6 ? 1440 : 1460;
	uint64_t t = t0;

	put_query(q, &qm);
	make_response(g, q, 65535, &rp);

	emit(g, t, f, 1, 6, &(tcph_t){ci, 0, TH_SYN, mss}, NULL, 0);
	emit(g, t + 15, f, 0, 6, &(tcph_t){si, ci + 1, TH_SYN | TH_ACK, mss},
	     NULL, 0);
	t += rtt;
	emit(g, t, f, 1, 6, &(tcph_t){ci + 1, si + 1, TH_ACK, 0}, NULL, 0);

	be16(buf, (uint32_t)qm.len);
	memcpy(buf + 2, qm.b, qm.len);
	uint32_t qlen = (uint32_t)(2 + qm.len);
	t += 5;
	emit(g, t, f, 1, 6, &(tcph_t){ci + 1, si + 1, TH_PSH | TH_ACK, 0}, buf,
	     qlen);
	count_query(g, q, f, 1);

	be16(buf, (uint32_t)rp.m.len);
	memcpy(buf + 2, rp.m.b, rp.m.len);
	uint32_t rlen = (uint32_t)(2 + rp.m.len);
	t += 50 + rng_below(r, 250);
	for (uint32_t off = 0; off < rlen; off += mss) {
		uint32_t n = rlen - off < mss ? rlen - off : mss;
		uint8_t fl = TH_ACK | (off + n == rlen ? TH_PSH : 0);
		emit(g, t, f, 0, 6,
		     &(tcph_t){si + 1 + off, ci + 1 + qlen, fl, 0}, buf + off,
		     n);
		t += 2;
	}
	g->st.tcp_split += rlen > mss;
	count_response(g, q, &rp, f, 1);

	t += rtt;
	emit(g, t, f, 1, 6,
	     &(tcph_t){ci + 1 + qlen, si + 1 + rlen, TH_FIN | TH_ACK, 0}, NULL,
	     0);
	emit(g, t + 15, f, 0, 6,
	     &(tcph_t){si + 1 + rlen, ci + 2 + qlen, TH_FIN | TH_ACK, 0}, NULL,
	     0);
	emit(g, t + rtt, f, 1, 6,
	     &(tcph_t){ci + 2 + qlen, si + 2 + rlen, TH_ACK, 0}, NULL, 0);
	g->st.tcp_conns++;
}

static void gen_udp(gen_t *g, uint64_t t, const flow_t *f, query_t *q)
{
	rng_t *r = &g->r;
	msg_t qm;
	resp_t rp;

	put_query(q, &qm);
	emit(g, t, f, 1, 17, NULL, qm.b, qm.len);
	count_query(g, q, f, 0);
	if (!rng_pct(r, g->o.presp))
		return; /* lost, rate-limited, ... */

	size_t lim = q->edns ? q->bufsize : 512;
	size_t mtu = f->v6 ? 1500 - 40 - 8 : 1500 - 20 - 8;
	if (lim > mtu)
		lim = mtu; /* no IP fragments in this capture */
	make_response(g, q, lim, &rp);
	t += 30 + rng_below(r, 270);
	emit(g, t, f, 0, 17, NULL, rp.m.b, rp.m.len);
	count_response(g, q, &rp, f, 0);

	if (rp.tc && rng_pct(r, 50)) {
		/* the resolver retries over TCP from a fresh port */
		flow_t tf = *f;
		tf.cport = tcp_port(g);
		q->id = (uint16_t)rng_below(r, 65536);
		g->st.tcp_retries++;
		gen_tcp(g, t + 1000 + rng_below(r, 20000), &tf, q);
	}
}

static void gen_one(gen_t *g, uint64_t t)
{
	rng_t *r = &g->r;
	flow_t f;
	query_t q;

	memset(&f, 0, sizeof f);
	f.v6 = rng_pct(r, g->o.p6);
	if (!g->pop[f.v6] && !g->o.unique)
		f.v6 = !f.v6;
	if (g->o.unique)
		f.src_idx = g->next_src[f.v6]++;
	else
		f.src_idx = zipf_sample(&g->zsrc[f.v6], r) - 1;
	src_addr(g, f.v6, f.src_idx, f.cli);
	if (f.v6)
		memcpy(f.srv, srv6, 16);
	else
		memcpy(f.srv, srv4, 4);
	f.cport = rand_port(r); /* UDP; TCP takes tcp_port() */
	/* a source keeps its distance: TTL from its OS default minus hops */
	uint64_t h = mix64(f.src_idx * 2 + (uint64_t)f.v6);
	f.cttl = (uint8_t)(((h & 1) ? 64 : 128) - 3 - (h >> 8) % 25);

	make_query(g, &q);
	if (rng_pct(r, g->o.ptcp)) {
		f.cport = tcp_port(g);
		gen_tcp(g, t, &f, &q);
	} else {
		gen_udp(g, t, &f, &q);
	}
}

/* ---------------------------------------------------------------------
 * Report.
 */
static void fmt_addr(int v6, const uint8_t *a, char *out, size_t n)
{
	if (!v6) {
		snprintf(out, n, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
		return;
	}
	/* RFC 5952: longest run (>= 2) of zero groups becomes "::" */
	unsigned w[8];
	int best = -1, bestlen = 0;
	for (int i = 0; i < 8; i++)
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && w[j] == 0)
			j++;
		if (j - i > bestlen && j - i >= 2) {
			best = i;
			bestlen = j - i;
		}
		i = j > i ? j : i + 1;
	}
	size_t o = 0;
	out[0] = 0;
	for (int i = 0; i < 8 && o < n; i++) {
		if (i == best) {
			o += (size_t)snprintf(out + o, n - o, "::");
			i += bestlen - 1;
		} else {
			int sep = o > 0 && out[o - 1] != ':';
			o += (size_t)snprintf(out + o, n - o, "%s%x", sep ? ":" : "",
					      w[i]);
		}
	}
}

typedef struct {
	uint32_t cnt;
	int v6;
	uint64_t idx;
} top_t;

static void report(gen_t *g, FILE *out)
{
	const stats_t *s = &g->st;
	uint64_t nsrc[2] = {0, 0};
	top_t top[10];
	int ntop = 0;

	for (int v = 0; v < 2; v++) {
		if (g->o.unique) {
			nsrc[v] = g->next_src[v];
			continue;
		}
		for (uint64_t i = 0; i < g->pop[v]; i++) {
			uint32_t c = g->srccnt[v][i];
			if (!c)
				continue;
			nsrc[v]++;
			/* keep the 10 busiest; on ties the first found stays */
			int k;
			if (ntop < 10)
				k = ntop++;
			else if (c > top[9].cnt)
				k = 9;
			else
				continue;
			top[k] = (top_t){c, v, i};
			for (; k > 0 && top[k - 1].cnt < top[k].cnt; k--) {
				top_t x = top[k - 1];
				top[k - 1] = top[k];
				top[k] = x;
			}
		}
	}

	uint64_t q = s->q[0][0] + s->q[0][1] + s->q[1][0] + s->q[1][1];
	uint64_t r = s->r[0][0] + s->r[0][1] + s->r[1][0] + s->r[1][1];
	fprintf(out, "seed=%llu\n", (unsigned long long)g->o.seed);
#define KV(k, v) fprintf(out, "%s=%llu\n", k, (unsigned long long)(v))
	KV("packets", s->pkts);
	KV("packets_v4", s->pkts_v[0]);
	KV("packets_v6", s->pkts_v[1]);
	KV("packets_udp", s->pkts_udp);
	KV("packets_tcp", s->pkts_tcp);
	KV("bytes", s->bytes);
	KV("first_ts_us", s->first_us);
	KV("last_ts_us", s->last_us);
	KV("queries", q);
	KV("queries_udp", s->q[0][0] + s->q[0][1]);
	KV("queries_tcp", s->q[1][0] + s->q[1][1]);
	KV("queries_v4", s->q[0][0] + s->q[1][0]);
	KV("queries_v6", s->q[0][1] + s->q[1][1]);
	KV("queries_udp_v4", s->q[0][0]);
	KV("queries_udp_v6", s->q[0][1]);
	KV("queries_tcp_v4", s->q[1][0]);
	KV("queries_tcp_v6", s->q[1][1]);
	KV("queries_edns", s->q_edns);
	KV("queries_do", s->q_do);
	KV("queries_rd", s->q_rd);
	KV("queries_junk", s->q_junk);
	KV("queries_root", s->q_root);
	for (size_t i = 0; i < NQT; i++)
		fprintf(out, "queries_qtype_%s=%llu\n", qtypes[i].name,
			(unsigned long long)s->q_qt[i]);
	KV("responses", r);
	KV("responses_udp", s->r[0][0] + s->r[0][1]);
	KV("responses_tcp", s->r[1][0] + s->r[1][1]);
	KV("responses_v4", s->r[0][0] + s->r[1][0]);
	KV("responses_v6", s->r[0][1] + s->r[1][1]);
	KV("responses_udp_v4", s->r[0][0]);
	KV("responses_udp_v6", s->r[0][1]);
	KV("responses_tcp_v4", s->r[1][0]);
	KV("responses_tcp_v6", s->r[1][1]);
	KV("responses_tc", s->r_tc);
	KV("responses_aa", s->r_aa);
	KV("responses_edns", s->r_edns);
	KV("responses_do", s->r_do);
	KV("responses_rcode_NOERROR", s->r_noerror);
	KV("responses_rcode_NXDOMAIN", s->r_nxdomain);
	for (size_t i = 0; i < NQT; i++)
		fprintf(out, "responses_qtype_%s=%llu\n", qtypes[i].name,
			(unsigned long long)s->r_qt[i]);
	KV("response_size_sum", s->rsize_sum);
	KV("response_size_min", s->rsize_min);
	KV("response_size_max", s->rsize_max);
	KV("response_size_le512", s->rsize_le512);
	KV("response_size_gt1232", s->rsize_gt1232);
	KV("tcp_connections", s->tcp_conns);
	KV("tcp_retries_after_tc", s->tcp_retries);
	KV("tcp_responses_segmented", s->tcp_split);
	KV("sources", nsrc[0] + nsrc[1]);
	KV("sources_v4", nsrc[0]);
	KV("sources_v6", nsrc[1]);
#undef KV
	for (int i = 0; i < ntop; i++) {
		uint8_t a[16];
		char txt[64];
		src_addr(g, top[i].v6, top[i].idx, a);
		fmt_addr(top[i].v6, a, txt, sizeof txt);
		fprintf(out, "top%d_source=%s\ntop%d_queries=%u\n", i + 1, txt,
			i + 1, top[i].cnt);
	}
}

/* ---------------------------------------------------------------------
 * Command line.
 */
static void usage(FILE *f)
{
	fprintf(f,
		"usage: gencap [options] > capture.pcap\n"
		"Write a synthetic root-server DNS capture (pcap, Ethernet).\n"
		"  -n N      packets to write, at least (default 1000000; the\n"
		"            last transaction completes, so a few more)\n"
		"  -s SEED   PRNG seed (default 1): same options, same bytes\n"
		"  -S N      distinct sources in the population (default 100000)\n"
		"  -z EXP    Zipf exponent of source popularity (default 1.0;\n"
		"            0 = uniform)\n"
		"  -u        every query from a new source (ignores -S, -z)\n"
		"  -r RATE   packets per second (default 50000)\n"
		"  -t EPOCH  first timestamp, Unix seconds (default 1273017600,\n"
		"            2010-05-05T00:00:00Z)\n"
		"  -6 PCT    IPv6 share of queries (default 20)\n"
		"  -T PCT    share of queries sent over TCP first (default 1); TC=1\n"
		"            responses add about as many again, retried over TCP\n"
		"  -e PCT    share of queries with EDNS (default 85)\n"
		"  -d PCT    share of EDNS queries with DO (default 60)\n"
		"  -j PCT    share of junk-TLD queries, answered NXDOMAIN (default 25)\n"
		"  -a PCT    share of UDP queries answered (default 97)\n"
		"  -o FILE   output (default stdout)\n"
		"  -c FILE   also write the counts (key=value) to FILE\n"
		"The counts are always printed on stderr.\n");
}

static double arg_num(const char *s, double lo, double hi, int opt)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "gencap: bad value for -%c: %s\n", opt, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static gen_t gen;
	gen_t *g = &gen;
	opts_t *o = &g->o;
	int c;

	*o = (opts_t){.npkts = 1000000, .nsrc = 100000, .seed = 1,
		      .start = EPOCH_DEFAULT, .rate = 50000, .zexp = 1.0,
		      .p6 = 20, .ptcp = 1, .pedns = 85, .pdo = 60, .pjunk = 25,
		      .presp = 97};
	while ((c = getopt(argc, argv, "n:s:S:z:ur:t:6:T:e:d:j:a:o:c:h")) != -1) {
		switch (c) {
		case 'n': o->npkts = (uint64_t)arg_num(optarg, 1, 1e12, c); break;
		case 's': o->seed = (uint64_t)arg_num(optarg, 0, 1.8e19, c); break;
		case 'S': o->nsrc = (uint64_t)arg_num(optarg, 1, 2e9, c); break;
		case 'z': o->zexp = arg_num(optarg, 0, 10, c); break;
		case 'u': o->unique = 1; break;
		case 'r': o->rate = arg_num(optarg, 1, 1e9, c); break;
		case 't': o->start = (uint64_t)arg_num(optarg, 0, 4e9, c); break;
		case '6': o->p6 = arg_num(optarg, 0, 100, c); break;
		case 'T': o->ptcp = arg_num(optarg, 0, 100, c); break;
		case 'e': o->pedns = arg_num(optarg, 0, 100, c); break;
		case 'd': o->pdo = arg_num(optarg, 0, 100, c); break;
		case 'j': o->pjunk = arg_num(optarg, 0, 100, c); break;
		case 'a': o->presp = arg_num(optarg, 0, 100, c); break;
		case 'o': o->out = optarg; break;
		case 'c': o->countfile = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	for (unsigned i = 0; i < 256; i++)
		if (ok_octet(i))
			g->octets[g->noctets++] = (uint8_t)i;
	if (!o->unique && o->nsrc > (uint64_t)g->noctets << 24)
		die("-S too large for the IPv4 address space used");

	rng_seed(&g->r, o->seed);
	g->key4 = (uint32_t)rng_next(&g->r);
	g->key6 = rng_next(&g->r);
	for (size_t i = 0; i < sizeof g->fill; i++)
		g->fill[i] = (uint8_t)rng_next(&g->r);
	zipf_init(&g->ztld, NTLD, 1.2);
	while (strcmp(tlds[g->arpa], "arpa") != 0)
		g->arpa++;
	if (!o->unique) {
		/* split the population in the same proportion as queries */
		g->pop[1] = (uint64_t)llround((double)o->nsrc * o->p6 / 100.0);
		if (o->p6 > 0 && o->p6 < 100 && o->nsrc >= 2) {
			if (g->pop[1] == 0)
				g->pop[1] = 1;
			if (g->pop[1] == o->nsrc)
				g->pop[1]--;
		}
		g->pop[0] = o->nsrc - g->pop[1];
		for (int v = 0; v < 2; v++) {
			if (!g->pop[v])
				continue;
			zipf_init(&g->zsrc[v], g->pop[v], o->zexp);
			g->srccnt[v] = calloc(g->pop[v], sizeof(uint32_t));
			if (!g->srccnt[v])
				die("out of memory");
		}
	}

	if (o->out) {
		g->fp = fopen(o->out, "wb");
		if (!g->fp) {
			perror(o->out);
			return 1;
		}
	} else {
		if (isatty(STDOUT_FILENO))
			die("refusing to write a capture to a terminal (use -o)");
		g->fp = stdout;
	}
	setvbuf(g->fp, NULL, _IOFBF, 1 << 20);
	pcap_header(g);

	/* Queries arrive as a Poisson process; its rate is set so that the
	 * packet rate (queries, responses, TCP segments) is about -r. */
	double pkts_per_q = (1.0 - o->ptcp / 100.0) * (1.0 + o->presp / 100.0) +
			    o->ptcp / 100.0 * 8.3;
	double mean_gap_us = 1e6 * pkts_per_q / o->rate;
	double tq = (double)o->start * 1e6;
	while (g->st.pkts < o->npkts) {
		tq += -log(1.0 - rng_unit(&g->r)) * mean_gap_us;
		uint64_t t = (uint64_t)tq;
		flush_until(g, t);
		gen_one(g, t);
	}
	flush_until(g, UINT64_MAX);
	if (fflush(g->fp) != 0 || (g->fp != stdout && fclose(g->fp) != 0))
		die("write error");

	report(g, stderr);
	if (o->countfile) {
		FILE *cf = fopen(o->countfile, "w");
		if (!cf) {
			perror(o->countfile);
			return 1;
		}
		report(g, cf);
		if (fclose(cf) != 0)
			die("write error on count file");
	}
	free(g->srccnt[0]);
	free(g->srccnt[1]);
	free(g->heap);
	return 0;
}
