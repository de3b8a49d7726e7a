/*
 * asnmap.c - source address -> origin AS, from CAIDA's RouteViews
 * prefix-to-AS files (routeviews-rv2-*.pfx2as, routeviews-rv6-*.pfx2as):
 * one route per line, "prefix<TAB>length<TAB>AS".
 *
 * The routes are turned into what longest-prefix match makes of them: a
 * partition of the address space into ranges, each with the AS of the
 * most specific route covering it (0 where none does). A sweep over the
 * routes sorted by start (and, for equal starts, shortest first) keeps a
 * stack of the routes covering the current point: a route opens a range
 * of its own, and when it ends its parent's AS resumes. Neighbouring
 * ranges of the same AS are joined. A look-up is then a binary search for
 * the last range start <= the address, narrowed first by a table of the
 * range holding each /16 (IPv4) or each top 16 bits (IPv6): about 1 M
 * IPv4 routes give about 1.3 M ranges (8 bytes each), the first step
 * leaves a few dozen, the search about six probes.
 *
 * The origin: a number, or several: "a_b" (a prefix announced by several
 * origins, MOAS) and "a,b" (an AS set) are attributed to the first AS
 * listed, the one the file names first for that route.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rootlens/analyze.h"
#include "rootlens/errcode.h"

#define LINE_MAX_LEN 256
#define IDX_BITS 16

typedef unsigned __int128 u128;

/* A route as read, until an_asnmap_build(). */
typedef struct route {
	u128 start;       /* IPv4: the 32-bit address; IPv6: the 128-bit one */
	uint32_t asn;
	uint32_t line;
	uint16_t file;
	uint8_t len;
} route_t;

/* One family's ranges: starts increasing, the first 0. */
typedef struct family {
	size_t n;
	uint32_t *start4;     /* IPv4 */
	u128 *start6;         /* IPv6 */
	uint32_t *asn;
	/* the range holding the first address of each block of the top 16 bits */
	uint32_t idx[(1u << IDX_BITS) + 1];
} family_t;

struct an_asnmap {
	route_t *r[2];        /* [0] IPv4, [1] IPv6: the routes read */
	size_t nr[2], cap[2];
	char **files;         /* names, for messages */
	size_t nfiles;
	family_t fam[2];
	int built;
};

static void say(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int an_asnmap_new(an_asnmap_t **m)
{
	*m = calloc(1, sizeof(**m));
	return *m ? 0 : DW_ENOMEM;
}

void an_asnmap_free(an_asnmap_t *m)
{
	if (!m)
		return;
	for (int f = 0; f < 2; f++) {
		free(m->r[f]);
		free(m->fam[f].start4);
		free(m->fam[f].start6);
		free(m->fam[f].asn);
	}
	for (size_t i = 0; i < m->nfiles; i++)
		free(m->files[i]);
	free(m->files);
	free(m);
}

/* "a", "a_b", "a,b", "a_b,c": the first number, 1..2^32-1; the rest must
 * be such numbers too. @return 0 or -1. */
static int parse_asn(const char *s, uint32_t *asn)
{
	int first = 1;

	for (;;) {
		unsigned long long v = 0;
		const char *d = s;
		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (unsigned)(*s - '0');
			if (v > UINT32_MAX)
				return -1;
			s++;
		}
		if (s == d || v == 0 || (s - d > 1 && *d == '0'))
			return -1;
		if (first)
			*asn = (uint32_t)v;
		first = 0;
		if (*s == '\0')
			return 0;
		if (*s != '_' && *s != ',')
			return -1;
		s++;
	}
}

static int add_route(an_asnmap_t *m, int v6, const route_t *r)
{
	if (m->nr[v6] == m->cap[v6]) {
		size_t nc = m->cap[v6] ? m->cap[v6] * 2 : 1024;
		route_t *p = realloc(m->r[v6], nc * sizeof(*p));
		if (!p)
			return DW_ENOMEM;
		m->r[v6] = p;
		m->cap[v6] = nc;
	}
	m->r[v6][m->nr[v6]++] = *r;
	return 0;
}

static u128 mask_of(unsigned len, unsigned bits)
{
	/* the bits after the first len of a bits-wide number */
	if (len >= bits)
		return 0;
	if (bits - len >= 128)
		return ~(u128)0;
	return ((u128)1 << (bits - len)) - 1;
}

/* One line (NUL-terminated, without its newline). @return 0, 1 (a blank
 * or comment line), DW_EFORMAT with @p why set, DW_ENOMEM. */
static int parse_line(an_asnmap_t *m, char *line, uint32_t lineno, uint16_t file, char *why,
		      size_t whylen)
{
	char *f[4], *save = NULL, *p = line;
	size_t nf = 0;
	route_t r;
	uint8_t a[16];
	int v6;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '#')
		return 1;
	for (char *t = strtok_r(p, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (nf == 4)
			break;
		f[nf++] = t;
	}
	if (nf != 3) {
		snprintf(why, whylen, "expected 3 fields (prefix, length, AS), found %s",
			 nf > 3 ? "more" : nf == 2 ? "2" : "1");
		return DW_EFORMAT;
	}
	memset(&r, 0, sizeof(r));
	if (inet_pton(AF_INET, f[0], a) == 1) {
		v6 = 0;
		r.start = (u128)a[0] << 24 | (u128)a[1] << 16 | (u128)a[2] << 8 | a[3];
	} else if (inet_pton(AF_INET6, f[0], a) == 1) {
		v6 = 1;
		for (int i = 0; i < 16; i++)
			r.start = r.start << 8 | a[i];
	} else {
		snprintf(why, whylen, "'%.60s' is not an IPv4 or IPv6 address", f[0]);
		return DW_EFORMAT;
	}
	unsigned bits = v6 ? 128 : 32, len = 0;
	const char *d = f[1];
	while (*d >= '0' && *d <= '9' && len <= bits)
		len = len * 10 + (unsigned)(*d++ - '0');
	if (d == f[1] || *d != '\0' || len > bits || (d - f[1] > 1 && f[1][0] == '0')) {
		snprintf(why, whylen, "bad prefix length '%.20s' (0..%u for IPv%d)", f[1], bits,
			 v6 ? 6 : 4);
		return DW_EFORMAT;
	}
	if (r.start & mask_of(len, bits)) {
		snprintf(why, whylen, "%s/%u has bits set after the prefix length", f[0], len);
		return DW_EFORMAT;
	}
	if (parse_asn(f[2], &r.asn) < 0) {
		snprintf(why, whylen, "bad AS '%.40s' (a number 1..4294967295, or several "
			 "joined by '_' or ',')", f[2]);
		return DW_EFORMAT;
	}
	r.len = (uint8_t)len;
	r.line = lineno;
	r.file = file;
	return add_route(m, v6, &r);
}

int an_asnmap_read(an_asnmap_t *m, FILE *f, const char *name, char *err, size_t errlen)
{
	char line[LINE_MAX_LEN + 2], why[160];
	uint32_t lineno = 0;
	char **nf;
	int rc;

	if (m->built) {
		say(err, errlen, "%s: the map is already built", name);
		return DW_EINVAL;
	}
	if (m->nfiles >= UINT16_MAX || !(nf = realloc(m->files, (m->nfiles + 1) * sizeof(*nf))))
		return DW_ENOMEM;
	m->files = nf;
	if (!(m->files[m->nfiles] = strdup(name)))
		return DW_ENOMEM;
	uint16_t file = (uint16_t)m->nfiles++;
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);
		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		else if (!feof(f)) {
			say(err, errlen, "%s:%u: line longer than %d bytes", name, lineno, LINE_MAX_LEN);
			return DW_EFORMAT;
		}
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (memchr(line, '\0', n)) {
			say(err, errlen, "%s:%u: NUL byte in the line", name, lineno);
			return DW_EFORMAT;
		}
		rc = parse_line(m, line, lineno, file, why, sizeof(why));
		if (rc == DW_EFORMAT) {
			say(err, errlen, "%s:%u: %s", name, lineno, why);
			return rc;
		}
		if (rc < 0)
			return rc;
	}
	if (ferror(f)) {
		say(err, errlen, "%s: read error after line %u: %s", name, lineno, strerror(errno));
		return DW_EIO;
	}
	return 0;
}

int an_asnmap_load(an_asnmap_t *m, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	int rc;

	if (!f) {
		say(err, errlen, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? DW_ENOENT : DW_EIO;
	}
	rc = an_asnmap_read(m, f, path, err, errlen);
	fclose(f);
	return rc;
}

/* ---- building the ranges ------------------------------------------------ */

static int route_cmp(const void *a, const void *b)
{
	const route_t *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Ranges being written, straight into the family's arrays: a start and an
 * AS each, neighbours of the same AS joined. */
typedef struct out {
	family_t *fa;
	int v6;
} out_t;

static void emit(out_t *o, u128 lo, uint32_t asn)
{
	family_t *fa = o->fa;
	if (fa->n > 0 && fa->asn[fa->n - 1] == asn)
		return;
	if (o->v6)
		fa->start6[fa->n] = lo;
	else
		fa->start4[fa->n] = (uint32_t)lo;
	fa->asn[fa->n++] = asn;
}

static u128 start_at(const family_t *fa, int v6, size_t k)
{
	return v6 ? fa->start6[k] : fa->start4[k];
}

/* Shrink @p p (of @p n elements of @p size) to fit; keep it if that fails. */
static void *fit(void *p, size_t n, size_t size)
{
	void *q = realloc(p, (n ? n : 1) * size);
	return q ? q : p;
}

static int build_family(an_asnmap_t *m, int v6, char *err, size_t errlen)
{
	route_t *r = m->r[v6];
	size_t n = m->nr[v6], top = 0;
	unsigned bits = v6 ? 128 : 32;
	u128 max = v6 ? ~(u128)0 : ((u128)1 << 32) - 1, cur = 0;
	int wrapped = 0; /* cur went past max: everything is emitted */
	family_t *fa = &m->fam[v6];
	out_t o = { fa, v6 };
	size_t *stack = NULL;
	int rc = DW_ENOMEM;

	if (n)
		qsort(r, n, sizeof(*r), route_cmp);
	for (size_t i = 1; i < n; i++)
		if (r[i].start == r[i - 1].start && r[i].len == r[i - 1].len) {
			say(err, errlen, "%s:%u: the prefix of this line is also at %s:%u",
			    m->files[r[i].file], r[i].line, m->files[r[i - 1].file], r[i - 1].line);
			return DW_EFORMAT;
		}
	/* each route opens at most two ranges (its own, its parent's after
	 * it); the arrays are cut to size at the end */
	fa->n = 0;
	if (!(fa->asn = malloc((2 * n + 1) * sizeof(*fa->asn))) ||
	    (v6 && !(fa->start6 = malloc((2 * n + 1) * sizeof(*fa->start6)))) ||
	    (!v6 && !(fa->start4 = malloc((2 * n + 1) * sizeof(*fa->start4)))) ||
	    !(stack = malloc((bits + 2) * sizeof(*stack))))
		goto out;
	for (size_t i = 0; i < n; i++) {
		u128 st = r[i].start;
		/* close the routes that end before this one starts */
		while (top > 0) {
			const route_t *t = &r[stack[top - 1]];
			u128 end = t->start | mask_of(t->len, bits);
			if (end >= st)
				break;
			if (cur <= end) {
				emit(&o, cur, t->asn);
				cur = end + 1;
			}
			top--;
		}
		if (cur < st) {
			emit(&o, cur, top ? r[stack[top - 1]].asn : 0);
			cur = st;
		}
		/* nested routes are at most bits + 1 deep (one per length) */
		stack[top++] = i;
	}
	while (top > 0) {
		const route_t *t = &r[stack[--top]];
		u128 end = t->start | mask_of(t->len, bits);
		if (!wrapped && cur <= end) {
			emit(&o, cur, t->asn);
			if (end == max)
				wrapped = 1;
			else
				cur = end + 1;
		}
	}
	if (!wrapped)
		emit(&o, cur, 0);
	fa->asn = fit(fa->asn, fa->n, sizeof(*fa->asn));
	if (v6)
		fa->start6 = fit(fa->start6, fa->n, sizeof(*fa->start6));
	else
		fa->start4 = fit(fa->start4, fa->n, sizeof(*fa->start4));

	/* idx[h]: the range holding the first address of block h */
	for (size_t h = 0, k = 0; h <= (1u << IDX_BITS); h++) {
		if (h == (1u << IDX_BITS)) {
			fa->idx[h] = (uint32_t)(fa->n - 1);
			break;
		}
		u128 a = (u128)h << (bits - IDX_BITS);
		while (k + 1 < fa->n && start_at(fa, v6, k + 1) <= a)
			k++;
		fa->idx[h] = (uint32_t)k;
	}
	rc = 0;
out:
	free(stack);
	return rc;
}

int an_asnmap_build(an_asnmap_t *m, char *err, size_t errlen)
{
	int rc;

	if (m->built)
		return 0;
	for (int v6 = 0; v6 < 2; v6++) {
		if ((rc = build_family(m, v6, err, errlen)) < 0)
			return rc;
		/* the routes as read are done with: freed before the next */
		free(m->r[v6]);
		m->r[v6] = NULL;
		m->cap[v6] = 0;
	}
	m->built = 1;
	return 0;
}

void an_asnmap_size(const an_asnmap_t *m, size_t *routes4, size_t *routes6, size_t *ranges)
{
	if (routes4)
		*routes4 = m->nr[0];
	if (routes6)
		*routes6 = m->nr[1];
	if (ranges)
		*ranges = m->fam[0].n + m->fam[1].n;
}

uint32_t an_asnmap_lookup(const an_asnmap_t *m, int ipver, const uint8_t *addr)
{
	const family_t *fa;
	size_t lo, hi;

	if (!m->built)
		return 0;
	if (ipver == 4) {
		uint32_t a = (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 |
			     (uint32_t)addr[2] << 8 | addr[3];
		fa = &m->fam[0];
		lo = fa->idx[a >> (32 - IDX_BITS)];
		hi = fa->idx[(a >> (32 - IDX_BITS)) + 1];
		/* the last start <= a in [lo, hi] (start[lo] <= a holds) */
		while (lo < hi) {
			size_t mid = lo + (hi - lo + 1) / 2;
			if (fa->start4[mid] <= a)
				lo = mid;
			else
				hi = mid - 1;
		}
		return fa->asn[lo];
	}
	u128 a = 0;
	for (int i = 0; i < 16; i++)
		a = a << 8 | addr[i];
	fa = &m->fam[1];
	lo = fa->idx[(size_t)(a >> (128 - IDX_BITS))];
	hi = fa->idx[(size_t)(a >> (128 - IDX_BITS)) + 1];
	while (lo < hi) {
		size_t mid = lo + (hi - lo + 1) / 2;
		if (fa->start6[mid] <= a)
			lo = mid;
		else
			hi = mid - 1;
	}
	return fa->asn[lo];
}
