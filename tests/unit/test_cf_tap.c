/*
 * test_cf_tap.c - the tap on a capture file's bytes: cf_reader_open_tap()
 * and cf_tap_t.
 *
 * The tap sees every byte of the file as stored (the compressed bytes of
 * gzip), in file order, each exactly once, whatever the read(2) size, for
 * plain and multi-member gzip input (with zero padding after the last
 * member) and for both inflaters; the packets come out as without a tap.
 * tap.complete is 1 when the whole file was read (also for a gzip file
 * truncated inside a member, whose reading ends in an error only after
 * the last byte), 0 when the reader was closed early (the tapped bytes
 * are then a prefix of the file) or the file could not be opened (the
 * callback is then never called).
 *
 * Expected bytes, packet counts and digests come from what the test
 * wrote. Every case runs twice: with the read-ahead / inflate thread (the
 * tap then runs on it) and with everything in the caller's thread.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "cf_build.h"
#include "cf_gz.h"
#include "rootlens/capfile.h"
#include "../../lib/capfile/source_int.h"

/* ---- builders -------------------------------------------------------- */

static uint32_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 33);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

#define FNV_START 14695981039346656037ull

/* The digest of one packet: time, lengths and data. The builder and the
 * reading side both use it, so the expected value comes from the bytes
 * written, not from a reader. */
static uint64_t pkt_digest(uint64_t h, int64_t ts_sec, uint32_t ts_nsec, uint32_t caplen,
			   uint32_t len, const uint8_t *data)
{
	h = fnv(h, &ts_sec, sizeof(ts_sec));
	h = fnv(h, &ts_nsec, sizeof(ts_nsec));
	h = fnv(h, &caplen, sizeof(caplen));
	h = fnv(h, &len, sizeof(len));
	if (caplen)
		h = fnv(h, data, caplen);
	return h;
}

/* Packet data: runs of DNS-ish text (so that gzip has something to
 * compress) with every packet different. */
static uint8_t gzpat(uint32_t i, uint32_t j)
{
	static const char alpha[] = "0123456789abcdefghijklmnopqrstuvwxyz.-_";
	if (j % 64 < 40)
		return (uint8_t)alpha[(i + j) % 39];
	return (uint8_t)(i * 131u + j * 7u);
}

/*
 * A little-endian microsecond pcap of @p n records of 0 .. @p maxlen - 1
 * bytes (every record @p minlen bytes at least). *digest (when not NULL)
 * gets the digest of the packets as written, *last (when not NULL) the
 * offset of the last record.
 */
static void make_pcap(bb_t *b, uint32_t n, uint32_t minlen, uint32_t maxlen, uint64_t seed,
		      uint64_t *digest, size_t *last)
{
	uint64_t s = seed, h = FNV_START;
	bb_u32(b, 0xa1b2c3d4);
	bb_u32(b, 2 | 4u << 16);
	bb_u32(b, 0);
	bb_u32(b, 0);
	bb_u32(b, CF_MAX_CAPLEN);
	bb_u32(b, 1);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t len = minlen + rnd(&s) % (maxlen - minlen);
		uint32_t sec = 1700000000u + i, usec = (i * 7919u) % 1000000u;
		if (last)
			*last = b->len;
		bb_u32(b, sec);
		bb_u32(b, usec);
		bb_u32(b, len);
		bb_u32(b, len + 4);
		size_t at = b->len;
		bb_zero(b, len);
		for (uint32_t j = 0; j < len; j++)
			b->p[at + j] = gzpat(i, j);
		if (digest)
			h = pkt_digest(h, sec, usec * 1000u, len, len + 4, b->p + at);
	}
	if (digest)
		*digest = h;
}


/* ---- the tap --------------------------------------------------------- */

/* What the tap saw. Written by the callback, possibly on the reader's
 * own thread, so read only after cf_reader_close(); no CUnit asserts in
 * the callback (they may not run on another thread). */
typedef struct tapbuf {
	uint8_t *p;
	size_t len, cap;
	unsigned long calls;      /* callback invocations */
	unsigned long zero_calls; /* ... with n == 0 (never expected) */
	size_t max_n;             /* largest n handed over */
	int oom;
} tapbuf_t;

static void tap_bytes(void *user, const uint8_t *p, size_t n)
{
	tapbuf_t *t = user;
	t->calls++;
	if (n == 0) {
		t->zero_calls++;
		return;
	}
	if (n > t->max_n)
		t->max_n = n;
	if (t->len + n > t->cap) {
		size_t cap = (t->len + n) * 2;
		uint8_t *q = realloc(t->p, cap);
		if (!q) {
			t->oom = 1;
			return;
		}
		t->p = q;
		t->cap = cap;
	}
	memcpy(t->p + t->len, p, n);
	t->len += n;
}

static void tap_init(cf_tap_t *tap, tapbuf_t *t)
{
	memset(t, 0, sizeof(*t));
	tap->bytes = tap_bytes;
	tap->user = t;
	tap->complete = -1; /* neither 0 nor 1: the reader must set it */
}

/* ---- reading --------------------------------------------------------- */

typedef struct result {
	int open_rc;     /* cf_reader_open(_tap)() */
	int rc;          /* the last cf_reader_next() */
	uint64_t n;      /* packets */
	uint64_t digest; /* pkt_digest() over them */
	char msg[512];
} result_t;

/* Read @p path (with @p tap when not NULL) up to @p max packets (0: all,
 * to the end or an error), then close. */
static result_t read_file(const char *path, cf_tap_t *tap, uint64_t max)
{
	result_t res = { .digest = FNV_START };
	cf_reader_t *r = NULL;
	res.open_rc = tap ? cf_reader_open_tap(&r, path, tap, res.msg, sizeof(res.msg))
	                  : cf_reader_open(&r, path, res.msg, sizeof(res.msg));
	if (res.open_rc < 0) {
		CU_ASSERT_PTR_NULL(r);
		return res;
	}
	cf_pkt_t p;
	while ((!max || res.n < max) && (res.rc = cf_reader_next(r, &p)) == 1) {
		res.digest = pkt_digest(res.digest, p.ts_sec, p.ts_nsec, p.caplen, p.len, p.data);
		res.n++;
	}
	snprintf(res.msg, sizeof(res.msg), "%s", cf_reader_errmsg(r));
	cf_reader_close(r);
	return res;
}

static const size_t caps[] = { 0, 1, 7, 4096, 65537 };
#define NCAPS (sizeof(caps) / sizeof(caps[0]))

/*
 * Read @p path (whose bytes are @p file, @p flen) to the end with a tap
 * and the read(2) cap @p cap: the tap saw exactly the file, complete is
 * 1, and the packets are @p npkt with digest @p digest.
 */
static void check_whole(const char *what, const char *path, const uint8_t *file, size_t flen,
			size_t cap, uint64_t npkt, uint64_t digest)
{
	tapbuf_t t;
	cf_tap_t tap;
	tap_init(&tap, &t);
	cf_src_set_read_cap(cap);
	result_t got = read_file(path, &tap, 0);
	cf_src_set_read_cap(0);
	int same = t.len == flen && t.p && memcmp(t.p, file, flen) == 0;
	if (got.rc != 0 || !same || tap.complete != 1 || got.n != npkt)
		fprintf(stderr, "%s cap %zu: open %d rc %d n %llu tapped %zu of %zu complete %d %s\n",
		        what, cap, got.open_rc, got.rc, (unsigned long long)got.n, t.len, flen,
		        tap.complete, got.msg);
	CU_ASSERT_EQUAL(got.open_rc, 0);
	CU_ASSERT_EQUAL(got.rc, 0);
	CU_ASSERT_EQUAL(got.n, npkt);
	CU_ASSERT_EQUAL(got.digest, digest);
	CU_ASSERT_FALSE(t.oom);
	CU_ASSERT_EQUAL(t.len, flen);
	CU_ASSERT(same);
	CU_ASSERT_EQUAL(tap.complete, 1);
	CU_ASSERT(t.calls > 0);
	CU_ASSERT_EQUAL(t.zero_calls, 0);
	/* One call per read(2): never more than the cap at once. */
	if (cap)
		CU_ASSERT(t.max_n <= cap);
	free(t.p);
}

/* ---- tests ----------------------------------------------------------- */

#define NPKT 300u

/* A plain pcap: the tap sees the file, at every read size. */
static void test_plain_whole(void)
{
	bb_t pc = { 0 };
	uint64_t digest;
	make_pcap(&pc, NPKT, 0, 900, 11, &digest, NULL);
	char *path = tmp_write(pc.p, pc.len);

	/* Without a tap: the same packets (and what the builder wrote). */
	result_t want = read_file(path, NULL, 0);
	CU_ASSERT_EQUAL(want.rc, 0);
	CU_ASSERT_EQUAL(want.n, NPKT);
	CU_ASSERT_EQUAL(want.digest, digest);

	for (size_t k = 0; k < NCAPS; k++)
		check_whole("plain", path, pc.p, pc.len, caps[k], NPKT, digest);
	rm(path);
	free(pc.p);
}

/*
 * A multi-member gzip of a pcap: members of different sizes (one cut
 * inside the file header, one empty, others mid-record), zero bytes after
 * the last: the tap sees the compressed file, every byte of it, for both
 * inflaters and every read size.
 */
static void test_gzip_whole(void)
{
	bb_t pc = { 0 }, gz = { 0 };
	uint64_t digest;
	make_pcap(&pc, NPKT, 0, 900, 23, &digest, NULL);
	const size_t cut[] = { 0, 10, pc.len / 9, pc.len / 9, pc.len / 2 + 3, pc.len - 77,
		               pc.len };
	const int level[] = { 6, 1, 6, 9, 1, 6 };
	for (size_t m = 0; m + 1 < sizeof(cut) / sizeof(cut[0]); m++)
		gz_member(&gz, pc.p + cut[m], cut[m + 1] - cut[m], level[m]);
	bb_zero(&gz, 13);
	char *plain = tmp_write(pc.p, pc.len), *zpath = tmp_write(gz.p, gz.len);

	result_t want = read_file(plain, NULL, 0);
	CU_ASSERT_EQUAL(want.rc, 0);
	CU_ASSERT_EQUAL(want.n, NPKT);
	CU_ASSERT_EQUAL(want.digest, digest);

	cf_inflater_t w[2];
	for (int i = 0, n = inflaters(w); i < n; i++) {
		CU_ASSERT_EQUAL(cf_set_inflater(w[i]), 0);
		result_t plain_gz = read_file(zpath, NULL, 0);
		CU_ASSERT_EQUAL(plain_gz.rc, 0);
		CU_ASSERT_EQUAL(plain_gz.n, want.n);
		CU_ASSERT_EQUAL(plain_gz.digest, want.digest);
		for (size_t k = 0; k < NCAPS; k++)
			check_whole(inflater_name(w[i]), zpath, gz.p, gz.len, caps[k], NPKT, digest);
	}
	cf_set_inflater(CF_INFLATE_AUTO);
	rm(plain);
	rm(zpath);
	free(pc.p);
	free(gz.p);
}

/*
 * Closed after one packet of a 24 MiB file, more than the read-ahead ring
 * (4 blocks of 1 MiB) and the reader's buffer can hold: complete is 0 and
 * what the tap saw is a proper prefix of the file.
 */
static void test_closed_early(void)
{
	bb_t pc = { 0 };
	make_pcap(&pc, 120, 190000, 220000, 5, NULL, NULL);
	CU_ASSERT_FATAL(pc.len >= 22u * 1024 * 1024);
	char *path = tmp_write(pc.p, pc.len);

	tapbuf_t t;
	cf_tap_t tap;
	tap_init(&tap, &t);
	result_t got = read_file(path, &tap, 1);
	if (tap.complete != 0 || t.len == 0 || t.len >= pc.len)
		fprintf(stderr, "closed early: rc %d tapped %zu of %zu complete %d\n", got.rc, t.len,
		        pc.len, tap.complete);
	CU_ASSERT_EQUAL(got.open_rc, 0);
	CU_ASSERT_EQUAL(got.rc, 1);
	CU_ASSERT_EQUAL(got.n, 1);
	CU_ASSERT_EQUAL(tap.complete, 0);
	CU_ASSERT_FALSE(t.oom);
	CU_ASSERT_EQUAL(t.zero_calls, 0);
	CU_ASSERT(t.len > 0 && t.len < pc.len);
	/* At least the file header and the first record were read. */
	CU_ASSERT(t.len >= 24 + 16 + 190000);
	CU_ASSERT(t.len <= pc.len && t.p && memcmp(t.p, pc.p, t.len) == 0);
	free(t.p);
	rm(path);
	free(pc.p);
}

/*
 * Damage that is found only at the end: a gzip file whose last member is
 * cut in its middle, and a plain pcap cut inside a record. Reading ends
 * in an error, but after every byte of the file went to the tap:
 * complete is 1 and the tap saw the whole (truncated) file.
 */
static void test_truncated(void)
{
	bb_t pc = { 0 }, gz = { 0 };
	size_t last_rec;
	make_pcap(&pc, NPKT, 0, 900, 37, NULL, &last_rec);
	gz_member(&gz, pc.p, pc.len / 3, 6);
	gz_member(&gz, pc.p + pc.len / 3, pc.len / 3, 1);
	size_t last = gz.len;
	gz_member(&gz, pc.p + pc.len / 3 * 2, pc.len - pc.len / 3 * 2, 6);
	size_t zcut = last + (gz.len - last) / 2;
	char *zpath = tmp_write(gz.p, zcut);

	cf_inflater_t w[2];
	const size_t tcaps[] = { 0, 7 };
	for (int i = 0, n = inflaters(w); i < n; i++) {
		cf_set_inflater(w[i]);
		for (size_t k = 0; k < 2; k++) {
			tapbuf_t t;
			cf_tap_t tap;
			tap_init(&tap, &t);
			cf_src_set_read_cap(tcaps[k]);
			result_t got = read_file(zpath, &tap, 0);
			cf_src_set_read_cap(0);
			int same = t.len == zcut && t.p && memcmp(t.p, gz.p, zcut) == 0;
			if (got.rc >= 0 || !same || tap.complete != 1)
				fprintf(stderr, "truncated %s cap %zu: rc %d tapped %zu of %zu "
				        "complete %d %s\n", inflater_name(w[i]), tcaps[k], got.rc,
				        t.len, zcut, tap.complete, got.msg);
			CU_ASSERT_EQUAL(got.open_rc, 0);
			CU_ASSERT(got.rc < 0);
			CU_ASSERT(got.n < NPKT);
			CU_ASSERT_EQUAL(tap.complete, 1);
			CU_ASSERT_FALSE(t.oom);
			CU_ASSERT_EQUAL(t.len, zcut);
			CU_ASSERT(same);
			free(t.p);
		}
	}
	cf_set_inflater(CF_INFLATE_AUTO);

	/* The plain file cut inside its last record's header. */
	size_t pcut = last_rec + 9;
	char *ppath = tmp_write(pc.p, pcut);
	tapbuf_t t;
	cf_tap_t tap;
	tap_init(&tap, &t);
	result_t got = read_file(ppath, &tap, 0);
	CU_ASSERT_EQUAL(got.open_rc, 0);
	CU_ASSERT_EQUAL(got.rc, DW_ETRUNCFILE);
	CU_ASSERT(got.n < NPKT);
	CU_ASSERT_EQUAL(tap.complete, 1);
	CU_ASSERT_EQUAL(t.len, pcut);
	CU_ASSERT(t.len == pcut && t.p && memcmp(t.p, pc.p, pcut) == 0);
	free(t.p);

	rm(ppath);
	rm(zpath);
	free(pc.p);
	free(gz.p);
}

/* A file that is not there: the open fails, complete is 0 even though
 * the caller had set it to 1, and the callback never ran. */
static void test_missing(void)
{
	char *path = tmp_write("x", 1);
	unlink(path); /* a name that surely does not exist now */

	tapbuf_t t;
	cf_tap_t tap;
	tap_init(&tap, &t);
	tap.complete = 1;
	char err[512] = "";
	cf_reader_t *r = (cf_reader_t *)&err; /* must come back NULL */
	int rc = cf_reader_open_tap(&r, path, &tap, err, sizeof(err));
	CU_ASSERT(rc < 0);
	CU_ASSERT_EQUAL(rc, DW_ENOENT);
	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT(strstr(err, path) != NULL);
	CU_ASSERT_EQUAL(tap.complete, 0);
	CU_ASSERT_EQUAL(t.calls, 0);
	CU_ASSERT_EQUAL(t.len, 0);
	cf_reader_close(r);
	free(t.p);
	free(path);
}

static CU_TestInfo tests[] = {
	{ "plain pcap: tap sees every byte, every read size", test_plain_whole },
	{ "multi-member gzip: tap sees every byte, both inflaters", test_gzip_whole },
	{ "closed early: a prefix, not complete", test_closed_early },
	{ "truncated at the end: whole file tapped, complete", test_truncated },
	{ "missing file: not complete, no bytes", test_missing },
	CU_TEST_INFO_NULL,
};

/* Every case twice: the tap on the read-ahead / inflate thread (the
 * default) and in the caller's thread. */
int main(void)
{
	cf_src_set_threads(1);
	int rc = cu_run("cf_tap (read-ahead thread)", tests);
	cf_src_set_threads(0);
	rc |= cu_run("cf_tap (in caller)", tests);
	return rc;
}
