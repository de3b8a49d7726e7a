/*
 * test_cf_pcap.c - classic pcap through the capture-file reader.
 *
 * Every input is built here byte by byte, so the expected values are the
 * ones written, not ones another reader computed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* cu_main.h casts away const for CUnit's char * suite name. */
#include "cf_build.h"
#include "rootlens/capfile.h"
#include "../../lib/capfile/source_int.h"

/* ---- byte builder ---------------------------------------------------- */

static void pcap_hdr(bb_t *b, int nsec, uint32_t snaplen, uint32_t network)
{
	bb_u32(b, nsec ? 0xa1b23c4d : 0xa1b2c3d4);
	bb_u16(b, 2);
	bb_u16(b, 4);
	bb_u32(b, 0);
	bb_u32(b, 0);
	bb_u32(b, snaplen);
	bb_u32(b, network);
}

static void pcap_rec(bb_t *b, uint32_t sec, uint32_t frac, uint32_t caplen, uint32_t len,
                     uint32_t seed)
{
	bb_u32(b, sec);
	bb_u32(b, frac);
	bb_u32(b, caplen);
	bb_u32(b, len);
	for (uint32_t j = 0; j < caplen; j++) {
		uint8_t v = pat(seed, j);
		bb_put(b, &v, 1);
	}
}

/* ---- tests ----------------------------------------------------------- */

/* All four magics: both byte orders, micro and nano seconds. */
static void test_byte_orders_and_resolutions(void)
{
	for (int be = 0; be <= 1; be++) {
		for (int nsec = 0; nsec <= 1; nsec++) {
			bb_t b = { .be = be };
			uint32_t frac = nsec ? 987654321u : 987654u;
			pcap_hdr(&b, nsec, 65535, 1);
			pcap_rec(&b, 1700000000u, frac, 60, 60, 1);
			pcap_rec(&b, 4000000000u, 0, 0, 0, 2);          /* after 2038, empty */
			pcap_rec(&b, 1700000001u, nsec ? 1u : 999999u, 20, 1514, 3); /* snaplen cut */
			char *path;
			cf_reader_t *r = open_bytes(&b, &path);
			cf_pkt_t p;
			CU_ASSERT_STRING_EQUAL(cf_reader_format(r), "pcap");
			CU_ASSERT_STRING_EQUAL(cf_reader_compression(r), "none");
			CU_ASSERT_STRING_EQUAL(cf_reader_inflater(r), "none");
			CU_ASSERT_EQUAL(cf_reader_linktype(r), 1);

			CU_ASSERT_EQUAL(cf_reader_next(r, &p), 1);
			CU_ASSERT_EQUAL(p.ts_sec, 1700000000);
			CU_ASSERT_EQUAL(p.ts_nsec, nsec ? 987654321u : 987654000u);
			CU_ASSERT_EQUAL(p.caplen, 60);
			CU_ASSERT_EQUAL(p.len, 60);
			CU_ASSERT_EQUAL(p.linktype, 1);
			CU_ASSERT_EQUAL(p.ifindex, 0);
			CU_ASSERT_EQUAL(p.offset, 24);
			CU_ASSERT(data_ok(&p, 1));

			CU_ASSERT_EQUAL(cf_reader_next(r, &p), 1);
			CU_ASSERT_EQUAL(p.ts_sec, 4000000000ll);
			CU_ASSERT_EQUAL(p.ts_nsec, 0);
			CU_ASSERT_EQUAL(p.caplen, 0);
			CU_ASSERT_EQUAL(p.offset, 24 + 16 + 60);

			CU_ASSERT_EQUAL(cf_reader_next(r, &p), 1);
			CU_ASSERT_EQUAL(p.ts_sec, 1700000001);
			CU_ASSERT_EQUAL(p.ts_nsec, nsec ? 1u : 999999000u);
			CU_ASSERT_EQUAL(p.caplen, 20);
			CU_ASSERT_EQUAL(p.len, 1514);
			CU_ASSERT(data_ok(&p, 3));

			/* Ending on a record boundary is the clean end, and stays so. */
			CU_ASSERT_EQUAL(cf_reader_next(r, &p), 0);
			CU_ASSERT_EQUAL(cf_reader_next(r, &p), 0);
			CU_ASSERT_STRING_EQUAL(cf_reader_errmsg(r), "");
			done(r, path, &b);
		}
	}
}

/* The upper 16 bits of the link type field carry FCS information. */
static void test_linktype_fcs_bits(void)
{
	bb_t b = { 0 };
	pcap_hdr(&b, 0, 262144, 0x10000000u | 0x04000000u | 113u);
	pcap_rec(&b, 1, 2, 4, 4, 9);
	char *path;
	cf_reader_t *r = open_bytes(&b, &path);
	cf_pkt_t p;
	CU_ASSERT_EQUAL(cf_reader_linktype(r), 113);
	CU_ASSERT_EQUAL(cf_reader_next(r, &p), 1);
	CU_ASSERT_EQUAL(p.linktype, 113);
	done(r, path, &b);
}

/* A fraction of a second >= 1 s is carried into the seconds. */
static void test_fraction_carry(void)
{
	bb_t b = { 0 };
	pcap_hdr(&b, 0, 262144, 1);
	pcap_rec(&b, 10, 2500000, 1, 1, 1);
	char *path;
	cf_reader_t *r = open_bytes(&b, &path);
	cf_pkt_t p;
	CU_ASSERT_EQUAL(cf_reader_next(r, &p), 1);
	CU_ASSERT_EQUAL(p.ts_sec, 12);
	CU_ASSERT_EQUAL(p.ts_nsec, 500000000u);
	done(r, path, &b);
}

static void test_bad_files(void)
{
	bb_t b = { 0 };
	CU_ASSERT(open_fails(&b, DW_EFORMAT, "empty"));

	bb_put(&b, "\x12\x34\x56\x78 hello, world\n", 18);
	CU_ASSERT(open_fails(&b, DW_EFORMAT, "not a pcap or pcapng file (magic 0x12345678)"));

	b.len = 3;
	CU_ASSERT(open_fails(&b, DW_EFORMAT, "not a pcap or pcapng file"));

	/* Magic, then the file header is cut short. */
	b.len = 0;
	pcap_hdr(&b, 0, 65535, 1);
	b.len = 10;
	CU_ASSERT(open_fails(&b, DW_ETRUNCFILE, "offset 0"));

	/* Version 1.x is not this format. */
	b.len = 0;
	bb_u32(&b, 0xa1b2c3d4);
	bb_u16(&b, 1);
	bb_u16(&b, 0);
	for (int i = 0; i < 4; i++)
		bb_u32(&b, 0);
	CU_ASSERT(open_fails(&b, DW_EFORMAT, "version"));
	free(b.p);

	char err[512];
	cf_reader_t *r = NULL;
	CU_ASSERT_EQUAL(cf_reader_open(&r, "/nonexistent/rl.pcap", err, sizeof(err)), DW_ENOENT);
	CU_ASSERT(r == NULL);
	CU_ASSERT(strstr(err, "/nonexistent/rl.pcap") != NULL);
	cf_reader_close(NULL);
}

/* A file with the header and no record is an empty capture, not an error. */
static void test_header_only(void)
{
	bb_t b = { 0 };
	pcap_hdr(&b, 1, 65535, 101);
	char *path;
	cf_reader_t *r = open_bytes(&b, &path);
	cf_pkt_t p;
	CU_ASSERT_EQUAL(cf_reader_linktype(r), 101);
	CU_ASSERT_EQUAL(cf_reader_next(r, &p), 0);
	done(r, path, &b);
}

/*
 * Cut the file at every byte of the last record: every record before it
 * comes out, then DW_ETRUNCFILE naming the last record's offset, again
 * on every further call.
 */
static void test_truncation(void)
{
	bb_t full = { 0 };
	pcap_hdr(&full, 0, 65535, 1);
	pcap_rec(&full, 1, 1, 100, 100, 1);
	pcap_rec(&full, 2, 2, 50, 50, 2);
	size_t last = full.len;
	pcap_rec(&full, 3, 3, 30, 30, 3);

	for (size_t cut = last + 1; cut < full.len; cut++) {
		bb_t b = { 0 };
		bb_put(&b, full.p, cut);
		char *path;
		cf_reader_t *r = open_bytes(&b, &path);
		cf_pkt_t p;
		CU_ASSERT_EQUAL(cf_reader_next(r, &p), 1);
		CU_ASSERT(data_ok(&p, 1));
		CU_ASSERT_EQUAL(cf_reader_next(r, &p), 1);
		CU_ASSERT(data_ok(&p, 2));
		CU_ASSERT_EQUAL(cf_reader_next(r, &p), DW_ETRUNCFILE);
		char want[64];
		snprintf(want, sizeof(want), "at offset %zu", last);
		CU_ASSERT(strstr(cf_reader_errmsg(r), want) != NULL);
		CU_ASSERT(strstr(cf_reader_errmsg(r), path) != NULL);
		CU_ASSERT(strstr(cf_reader_errmsg(r), cut - last < 16 ? "record header" : "record") != NULL);
		CU_ASSERT_EQUAL(cf_reader_next(r, &p), DW_ETRUNCFILE);
		done(r, path, &b);
	}
	free(full.p);
}

static void test_impossible_caplen(void)
{
	bb_t b = { .be = 1 };
	pcap_hdr(&b, 0, 65535, 1);
	pcap_rec(&b, 1, 1, 10, 10, 1);
	size_t bad = b.len;
	bb_u32(&b, 2);
	bb_u32(&b, 0);
	bb_u32(&b, CF_MAX_CAPLEN + 1);
	bb_u32(&b, CF_MAX_CAPLEN + 1);
	bb_put(&b, "xxxx", 4);
	char *path;
	cf_reader_t *r = open_bytes(&b, &path);
	cf_pkt_t p;
	CU_ASSERT_EQUAL(cf_reader_next(r, &p), 1);
	CU_ASSERT_EQUAL(cf_reader_next(r, &p), DW_EFORMAT);
	char want[96];
	snprintf(want, sizeof(want), "record at offset %zu has impossible caplen %u", bad,
	         CF_MAX_CAPLEN + 1);
	CU_ASSERT(strstr(cf_reader_errmsg(r), want) != NULL);
	CU_ASSERT_EQUAL(cf_reader_next(r, &p), DW_EFORMAT);
	done(r, path, &b);
}

/* Records of every size up to CF_MAX_CAPLEN, so that many straddle the
 * end of the reader's buffer; every byte of every packet is checked. */
static uint32_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 33);
}

static uint32_t size_of(uint64_t *s, uint32_t i)
{
	uint32_t r = rnd(s);
	if (i % 50 == 7)
		return CF_MAX_CAPLEN - (r % 3000);
	if (i % 97 == 1)
		return CF_MAX_CAPLEN;
	return r % 3000;
}

static void test_large_records(void)
{
	bb_t b = { 0 };
	uint64_t s = 42;
	enum { N = 3000 };
	pcap_hdr(&b, 1, CF_MAX_CAPLEN, 1);
	for (uint32_t i = 0; i < N; i++) {
		uint32_t n = size_of(&s, i);
		pcap_rec(&b, i, i, n, n + (i & 1), i);
	}
	for (size_t cap = 0; cap <= 1; cap++) {
		/* cap 1: also through many short reads (read(2) may return less) */
		cf_src_set_read_cap(cap ? 65521 : 0);
		char *path;
		cf_reader_t *r = open_bytes(&b, &path);
		cf_pkt_t p;
		uint64_t s2 = 42, off = 24;
		uint32_t i = 0, bad = 0;
		int rc;
		while ((rc = cf_reader_next(r, &p)) == 1) {
			uint32_t n = size_of(&s2, i);
			if (p.caplen != n || p.len != n + (i & 1) || p.ts_sec != i || p.ts_nsec != i ||
			    p.offset != off || !data_ok(&p, i))
				bad++;
			off += 16 + n;
			i++;
		}
		CU_ASSERT_EQUAL(rc, 0);
		CU_ASSERT_EQUAL(i, N);
		CU_ASSERT_EQUAL(bad, 0);
		CU_ASSERT_EQUAL(cf_reader_raw_offset(r), b.len);
		cf_reader_close(r);
		unlink(path);
		free(path);
	}
	cf_src_set_read_cap(0);
	free(b.p);
}

/* "-" reads standard input: a file put on fd 0 and restored after. */
static void test_stdin(void)
{
	bb_t b = { 0 };
	pcap_hdr(&b, 0, 65535, 1);
	for (uint32_t i = 0; i < 10; i++)
		pcap_rec(&b, i, i, 40 + i, 40 + i, i);
	char *path = tmp_write(b.p, b.len);
	int saved = dup(0);
	FILE *f = fopen(path, "rb");
	CU_ASSERT_FATAL(saved >= 0 && f != NULL);
	CU_ASSERT_FATAL(dup2(fileno(f), 0) == 0);

	char err[512];
	cf_reader_t *r = NULL;
	CU_ASSERT_EQUAL_FATAL(cf_reader_open(&r, "-", err, sizeof(err)), 0);
	cf_pkt_t p;
	uint32_t n = 0;
	while (cf_reader_next(r, &p) == 1) {
		CU_ASSERT(p.caplen == 40 + n && data_ok(&p, n));
		n++;
	}
	CU_ASSERT_EQUAL(n, 10);
	cf_reader_close(r);

	dup2(saved, 0);
	close(saved);
	fclose(f);
	unlink(path);
	free(path);
	free(b.p);
}

/* One byte per read(2): every field straddles every refill. */
static void test_byte_at_a_time(void)
{
	bb_t b = { .be = 1 };
	pcap_hdr(&b, 0, 65535, 1);
	for (uint32_t i = 0; i < 20; i++)
		pcap_rec(&b, i, i, i * 3, i * 3, i);
	cf_src_set_read_cap(1);
	char *path;
	cf_reader_t *r = open_bytes(&b, &path);
	cf_pkt_t p;
	uint32_t n = 0;
	while (cf_reader_next(r, &p) == 1) {
		CU_ASSERT(p.caplen == n * 3 && data_ok(&p, n));
		n++;
	}
	CU_ASSERT_EQUAL(n, 20);
	cf_src_set_read_cap(0);
	done(r, path, &b);
}

static CU_TestInfo tests[] = {
	{ "byte orders, usec and nsec", test_byte_orders_and_resolutions },
	{ "link type FCS bits masked", test_linktype_fcs_bits },
	{ "fraction carried into seconds", test_fraction_carry },
	{ "bad, empty, short and missing files", test_bad_files },
	{ "header only", test_header_only },
	{ "truncated inside record header and data", test_truncation },
	{ "impossible caplen", test_impossible_caplen },
	{ "3000 records up to CF_MAX_CAPLEN across refills", test_large_records },
	{ "stdin", test_stdin },
	{ "one byte per read", test_byte_at_a_time },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("cf_pcap", tests);
}
