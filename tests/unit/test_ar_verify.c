/*
 * test_ar_verify.c - is a capture whole? Files built here byte by byte
 * (classic pcap, pcapng, gzip of one or several members) are accepted with
 * the right checksum, packet count and times, whether checked from disk or
 * streamed in pieces of any size; every truncation that is not at a record
 * (member) boundary, every corruption of the deflate data or trailer,
 * trailing bytes (zeros too), bad magic and bad versions are refused with
 * the offset.
 */
#include <openssl/evp.h>
#include <zlib.h>

#include "ar_verify.h"
#include "cf_build.h"
#include "rootlens/errcode.h"

#define NPKT 60

/* Classic pcap, little-endian, microseconds, Ethernet; packet i has
 * 20 + i*3 bytes and time 1000 + i (packet 7 out of order: 990.5). The
 * offsets where records start go into @p rec (NPKT + 1: the end). */
static void make_pcap(bb_t *b, size_t rec[NPKT + 1])
{
	memset(b, 0, sizeof(*b));
	bb_u32(b, 0xa1b2c3d4);
	bb_u16(b, 2);
	bb_u16(b, 4);
	bb_u32(b, 0);
	bb_u32(b, 0);
	bb_u32(b, 65535);
	bb_u32(b, 1);
	for (uint32_t i = 0; i < NPKT; i++) {
		uint32_t len = 20 + i * 3;
		rec[i] = b->len;
		bb_u32(b, i == 7 ? 990 : 1000 + i);
		bb_u32(b, i == 7 ? 500000 : i * 1000);
		bb_u32(b, len);
		bb_u32(b, len + 4);
		for (uint32_t j = 0; j < len; j++) {
			uint8_t v = pat(i, j);
			bb_put(b, &v, 1);
		}
	}
	rec[NPKT] = b->len;
}

/* gzip members of @p src cut at @p cuts (increasing offsets in src);
 * member k starts at out offset mstart[k]. */
static void make_gzip(const bb_t *src, const size_t *cuts, size_t ncuts, bb_t *out,
		      size_t *mstart)
{
	memset(out, 0, sizeof(*out));
	size_t from = 0;
	for (size_t k = 0; k <= ncuts; k++) {
		size_t to = k < ncuts ? cuts[k] : src->len;
		z_stream z;
		memset(&z, 0, sizeof(z));
		CU_ASSERT_FATAL(deflateInit2(&z, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY) == Z_OK);
		uLong cap = deflateBound(&z, (uLong)(to - from)) + 64;
		uint8_t *buf = malloc(cap);
		CU_ASSERT_FATAL(buf != NULL);
		z.next_in = src->p + from;
		z.avail_in = (uInt)(to - from);
		z.next_out = buf;
		z.avail_out = (uInt)cap;
		CU_ASSERT_FATAL(deflate(&z, Z_FINISH) == Z_STREAM_END);
		if (mstart)
			mstart[k] = out->len;
		bb_put(out, buf, z.total_out);
		deflateEnd(&z);
		free(buf);
		from = to;
	}
}

static void sha_hex(const void *p, size_t n, char hex[65])
{
	unsigned char md[32];
	unsigned int len = 0;
	EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* ar_verify_path on these bytes. */
static int check_bytes(const void *p, size_t n, ar_info_t *info, char *err, size_t errlen)
{
	char *path = tmp_write(p, n);
	memset(info, 0, sizeof(*info));
	int rc = ar_verify_path(path, info, err, errlen);
	unlink(path);
	free(path);
	return rc;
}

/* The same bytes through ar_raw in pieces of @p piece bytes. */
static int raw_bytes(const uint8_t *p, size_t n, size_t piece, ar_info_t *info, char *err,
		     size_t errlen)
{
	ar_raw_t *r;
	CU_ASSERT_FATAL(ar_raw_new(&r) == 0);
	for (size_t off = 0; off < n; off += piece)
		CU_ASSERT(ar_raw_update(r, p + off, n - off < piece ? n - off : piece) == 0);
	int rc = ar_raw_finish(r, info, err, errlen);
	ar_raw_free(r);
	return rc;
}

static void test_plain_ok(void)
{
	bb_t b;
	size_t rec[NPKT + 1];
	ar_info_t info;
	char err[512], want[65];

	make_pcap(&b, rec);
	sha_hex(b.p, b.len, want);
	CU_ASSERT_FATAL(check_bytes(b.p, b.len, &info, err, sizeof(err)) == 0);
	CU_ASSERT(!strcmp(info.sha256, want));
	CU_ASSERT(info.bytes == b.len);
	CU_ASSERT(info.gzip == 0 && info.members == 0);
	CU_ASSERT(!strcmp(info.format, "pcap"));
	CU_ASSERT(info.linktype == 1);
	CU_ASSERT(info.packets == NPKT);
	/* earliest and latest, not first and last in file order */
	CU_ASSERT(info.have_time && info.first_sec == 990 && info.first_nsec == 500000000);
	CU_ASSERT(info.last_sec == 1000 + NPKT - 1 && info.last_nsec == (NPKT - 1) * 1000000u);
	free(b.p);
}

static void test_gzip_ok_any_pieces(void)
{
	bb_t b, g;
	size_t rec[NPKT + 1], ms[4];
	size_t cuts[3];
	ar_info_t info;
	char err[512], want[65];

	make_pcap(&b, rec);
	cuts[0] = rec[10];
	cuts[1] = rec[11];
	cuts[2] = rec[40];
	make_gzip(&b, cuts, 3, &g, ms);
	sha_hex(g.p, g.len, want);
	CU_ASSERT_FATAL(check_bytes(g.p, g.len, &info, err, sizeof(err)) == 0);
	CU_ASSERT(info.gzip == 1 && info.members == 4 && info.packets == NPKT);
	CU_ASSERT(!strcmp(info.sha256, want) && info.bytes == g.len);
	static const size_t pieces[] = { 1, 2, 3, 7, 13, 64, 1000, 4096, 1 << 20 };
	for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		memset(&info, 0, sizeof(info));
		CU_ASSERT(raw_bytes(g.p, g.len, pieces[i], &info, err, sizeof(err)) == 0);
		CU_ASSERT(info.members == 4 && !strcmp(info.sha256, want));
	}
	free(b.p);
	free(g.p);
}

static void test_gzip_truncated_everywhere(void)
{
	bb_t b, g;
	size_t rec[NPKT + 1], ms[3], cuts[2];
	ar_info_t info;
	char err[512];

	make_pcap(&b, rec);
	cuts[0] = rec[20];
	cuts[1] = rec[41];
	make_gzip(&b, cuts, 2, &g, ms);
	for (size_t n = 1; n < g.len; n++) {
		int at_member = n == ms[1] || n == ms[2];
		int rc = raw_bytes(g.p, n, 4096, &info, err, sizeof(err));
		if (at_member) {
			/* Whole members of whole records: only the manifest's
			 * checksum can tell this file is short. */
			CU_ASSERT(rc == 0);
			CU_ASSERT(check_bytes(g.p, n, &info, err, sizeof(err)) == 0);
			CU_ASSERT(info.packets == (n == ms[1] ? 20u : 41u));
			continue;
		}
		if (rc != DW_ETRUNCFILE)
			fprintf(stderr, "cut at %zu of %zu: rc %d %s\n", n, g.len, rc, err);
		CU_ASSERT(rc == DW_ETRUNCFILE);
		CU_ASSERT(strstr(err, "truncated") != NULL);
	}
	/* the message names the member that has no end */
	CU_ASSERT(raw_bytes(g.p, ms[2] + 5, 100, &info, err, sizeof(err)) == DW_ETRUNCFILE);
	char off[32];
	snprintf(off, sizeof(off), "offset %zu", ms[2]);
	CU_ASSERT(strstr(err, off) != NULL);
	/* the whole check too */
	CU_ASSERT(check_bytes(g.p, g.len - 1, &info, err, sizeof(err)) == DW_ETRUNCFILE);
	free(b.p);
	free(g.p);
}

static void test_plain_truncated(void)
{
	bb_t b;
	size_t rec[NPKT + 1];
	ar_info_t info;
	char err[512];

	make_pcap(&b, rec);
	for (size_t n = 0; n < b.len; n += (n < 100 ? 1 : 37)) {
		int boundary = 0;
		for (int i = 0; i <= NPKT; i++)
			boundary |= rec[i] == n;
		int rc = check_bytes(b.p, n, &info, err, sizeof(err));
		CU_ASSERT(boundary ? rc == 0 : rc < 0);
	}
	CU_ASSERT(check_bytes(b.p, rec[5] + 9, &info, err, sizeof(err)) == DW_ETRUNCFILE);
	CU_ASSERT(check_bytes(b.p, 0, &info, err, sizeof(err)) < 0);
	CU_ASSERT(check_bytes(b.p, 10, &info, err, sizeof(err)) < 0);
	free(b.p);
}

static void test_gzip_corrupt(void)
{
	bb_t b, g;
	size_t rec[NPKT + 1], ms[2], cuts[1];
	ar_info_t info;
	char err[512];

	make_pcap(&b, rec);
	cuts[0] = rec[30];
	make_gzip(&b, cuts, 1, &g, ms);
	/* deflate data of each member, each CRC and ISIZE byte, the magic
	 * and method of the second member */
	size_t at[64], n = 0;
	for (size_t k = 0; k < 2; k++) {
		size_t end = k ? g.len : ms[1];
		for (size_t o = ms[k] + 12; o + 8 < end; o += (end - ms[k]) / 7)
			at[n++] = o;
		for (size_t o = end - 8; o < end; o++)
			at[n++] = o;
	}
	at[n++] = ms[1];
	at[n++] = ms[1] + 1;
	at[n++] = ms[1] + 2;
	for (size_t i = 0; i < n; i++) {
		uint8_t *c = malloc(g.len);
		CU_ASSERT_FATAL(c != NULL);
		memcpy(c, g.p, g.len);
		c[at[i]] ^= 0x5a;
		int rc = raw_bytes(c, g.len, 777, &info, err, sizeof(err));
		if (rc == 0)
			fprintf(stderr, "flip at %zu (member 1 at %zu, len %zu) accepted\n", at[i],
				ms[1], g.len);
		CU_ASSERT(rc == DW_EGZIP || rc == DW_ETRUNCFILE);
		CU_ASSERT(check_bytes(c, g.len, &info, err, sizeof(err)) < 0);
		free(c);
	}
	/* a CRC error says so and where the member starts */
	uint8_t *c = malloc(g.len);
	memcpy(c, g.p, g.len);
	c[ms[1] - 7] ^= 1;
	CU_ASSERT(raw_bytes(c, g.len, 4096, &info, err, sizeof(err)) == DW_EGZIP);
	CU_ASSERT(strstr(err, "incorrect data check") && strstr(err, "offset 0"));
	memcpy(c, g.p, g.len);
	c[g.len - 2] ^= 1; /* ISIZE of the last member */
	CU_ASSERT(raw_bytes(c, g.len, 4096, &info, err, sizeof(err)) == DW_EGZIP);
	CU_ASSERT(strstr(err, "incorrect length check") != NULL);
	free(c);
	free(b.p);
	free(g.p);
}

static void test_trailing(void)
{
	bb_t b, g;
	size_t rec[NPKT + 1];
	ar_info_t info;
	char err[512], off[32];
	static const struct {
		const char *bytes;
		size_t n;
		int rc;
	} tails[] = {
		{ "junk\n", 5, DW_EGZIP },
		{ "\0\0\0\0\0\0\0\0", 8, DW_EGZIP },   /* zero padding: refused too */
		{ "\0", 1, DW_EGZIP },
		{ "\x1f", 1, DW_ETRUNCFILE },           /* a member that never comes */
		{ "\x1f\x8b\x08\0", 4, DW_ETRUNCFILE },
		{ "\x1f\x8b\x07\0\0\0\0\0\0\0", 10, DW_EGZIP }, /* bad method */
	};

	make_pcap(&b, rec);
	make_gzip(&b, NULL, 0, &g, NULL);
	size_t len = g.len;
	snprintf(off, sizeof(off), "offset %zu", len);
	for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		g.len = len;
		bb_put(&g, tails[i].bytes, tails[i].n);
		int rc = check_bytes(g.p, g.len, &info, err, sizeof(err));
		if (rc != tails[i].rc)
			fprintf(stderr, "tail %zu: rc %d %s\n", i, rc, err);
		CU_ASSERT(rc == tails[i].rc);
		CU_ASSERT(strstr(err, off) != NULL);
	}
	free(b.p);
	free(g.p);
}

static void test_bad_headers(void)
{
	bb_t b, g;
	size_t rec[NPKT + 1];
	ar_info_t info;
	char err[512];

	make_pcap(&b, rec);
	b.p[0] ^= 0xff; /* magic */
	CU_ASSERT(check_bytes(b.p, b.len, &info, err, sizeof(err)) == DW_EFORMAT);
	make_gzip(&b, NULL, 0, &g, NULL); /* a gzip of something else */
	CU_ASSERT(check_bytes(g.p, g.len, &info, err, sizeof(err)) == DW_EFORMAT);
	free(g.p);
	b.p[0] ^= 0xff;
	b.p[4] = 3; /* version 3.4 */
	CU_ASSERT(check_bytes(b.p, b.len, &info, err, sizeof(err)) == DW_EFORMAT);
	CU_ASSERT(strstr(err, "version") != NULL);
	b.p[4] = 2;
	/* a record longer than any capture */
	bb_t c = { 0 };
	bb_put(&c, b.p, rec[1]);
	bb_u32(&c, 5);
	bb_u32(&c, 0);
	bb_u32(&c, 1u << 30);
	bb_u32(&c, 1u << 30);
	CU_ASSERT(check_bytes(c.p, c.len, &info, err, sizeof(err)) < 0);
	free(c.p);
	free(b.p);
	CU_ASSERT(check_bytes("", 0, &info, err, sizeof(err)) < 0);
}

static void test_pcapng(void)
{
	bb_t b = { 0 };
	ar_info_t info;
	char err[512];

	/* SHB */
	bb_u32(&b, 0x0a0d0d0a);
	bb_u32(&b, 28);
	bb_u32(&b, 0x1a2b3c4d);
	bb_u16(&b, 1);
	bb_u16(&b, 0);
	bb_u64(&b, UINT64_MAX);
	bb_u32(&b, 28);
	/* IDB: Ethernet, microseconds */
	bb_u32(&b, 1);
	bb_u32(&b, 20);
	bb_u16(&b, 1);
	bb_u16(&b, 0);
	bb_u32(&b, 65535);
	bb_u32(&b, 20);
	for (uint32_t i = 0; i < 5; i++) {
		uint32_t len = 30 + i, pad = (4 - len % 4) % 4;
		uint64_t ts = (uint64_t)(2000 + i) * 1000000u + 250000u;
		bb_u32(&b, 6);
		bb_u32(&b, 32 + len + pad);
		bb_u32(&b, 0);
		bb_u32(&b, (uint32_t)(ts >> 32));
		bb_u32(&b, (uint32_t)ts);
		bb_u32(&b, len);
		bb_u32(&b, len);
		for (uint32_t j = 0; j < len; j++) {
			uint8_t v = pat(i, j);
			bb_put(&b, &v, 1);
		}
		bb_zero(&b, pad);
		bb_u32(&b, 32 + len + pad);
	}
	CU_ASSERT_FATAL(check_bytes(b.p, b.len, &info, err, sizeof(err)) == 0);
	CU_ASSERT(!strcmp(info.format, "pcapng") && info.packets == 5 && info.linktype == 1);
	CU_ASSERT(info.first_sec == 2000 && info.first_nsec == 250000000 && info.last_sec == 2004);
	/* cut inside the last block */
	CU_ASSERT(check_bytes(b.p, b.len - 3, &info, err, sizeof(err)) == DW_ETRUNCFILE);
	free(b.p);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "plain pcap accepted", test_plain_ok },
		{ "gzip members in any pieces", test_gzip_ok_any_pieces },
		{ "gzip truncated at every offset", test_gzip_truncated_everywhere },
		{ "plain pcap truncated", test_plain_truncated },
		{ "gzip corrupt data and trailers", test_gzip_corrupt },
		{ "bytes after the last member", test_trailing },
		{ "bad headers", test_bad_headers },
		{ "pcapng", test_pcapng },
		CU_TEST_INFO_NULL,
	};
	return cu_run("ar_verify", tests);
}
