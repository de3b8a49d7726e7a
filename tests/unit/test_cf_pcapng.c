/*
 * test_cf_pcapng.c - pcapng through the capture-file reader: interfaces,
 * timestamp resolutions, sections of both byte orders, SPB/OPB, skipped
 * blocks, and damage. Every input is built here byte by byte.
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

static void bb_data(bb_t *b, uint32_t n, uint32_t seed)
{
	for (uint32_t j = 0; j < n; j++) {
		uint8_t v = pat(seed, j);
		bb_put(b, &v, 1);
	}
	bb_zero(b, (4 - n % 4) % 4);
}

/* A block: type, length patched in by blk_end, body, length again. */
static size_t blk_begin(bb_t *b, uint32_t type)
{
	size_t at = b->len;
	bb_u32(b, type);
	bb_u32(b, 0);
	return at;
}

static size_t blk_end(bb_t *b, size_t at)
{
	bb_zero(b, (4 - b->len % 4) % 4);
	uint32_t btl = (uint32_t)(b->len - at + 4);
	bb_at32(b, at + 4, btl);
	bb_u32(b, btl);
	return at;
}

static size_t shb(bb_t *b, int be)
{
	b->be = be;
	size_t at = blk_begin(b, 0x0a0d0d0a);
	bb_u32(b, 0x1a2b3c4d);
	bb_u16(b, 1);
	bb_u16(b, 0);
	bb_u64(b, ~0ull); /* section length unknown */
	bb_u16(b, 4);     /* shb_userappl */
	bb_u16(b, 8);
	bb_put(b, "rootlens", 8);
	bb_u32(b, 0);     /* opt_endofopt */
	return blk_end(b, at);
}

/* tsresol < 0: no if_tsresol option (microseconds). */
static size_t idb(bb_t *b, uint16_t lt, uint32_t snaplen, int tsresol, int64_t tsoffset)
{
	size_t at = blk_begin(b, 1);
	bb_u16(b, lt);
	bb_u16(b, 0);
	bb_u32(b, snaplen);
	bb_u16(b, 2); /* if_name, to be skipped */
	bb_u16(b, 4);
	bb_put(b, "eth0", 4);
	if (tsresol >= 0) {
		uint8_t v = (uint8_t)tsresol;
		bb_u16(b, 9);
		bb_u16(b, 1);
		bb_put(b, &v, 1);
		bb_zero(b, 3);
	}
	if (tsoffset) {
		bb_u16(b, 14);
		bb_u16(b, 8);
		bb_u64(b, (uint64_t)tsoffset);
	}
	bb_u32(b, 0);
	return blk_end(b, at);
}

static size_t epb(bb_t *b, uint32_t ifid, uint64_t ts, uint32_t caplen, uint32_t len,
                  uint32_t seed)
{
	size_t at = blk_begin(b, 6);
	bb_u32(b, ifid);
	bb_u32(b, (uint32_t)(ts >> 32));
	bb_u32(b, (uint32_t)ts);
	bb_u32(b, caplen);
	bb_u32(b, len);
	bb_data(b, caplen, seed);
	bb_u16(b, 1); /* opt_comment */
	bb_u16(b, 3);
	bb_put(b, "hi!", 3);
	bb_zero(b, 1);
	bb_u32(b, 0);
	return blk_end(b, at);
}

static size_t opb(bb_t *b, uint16_t ifid, uint64_t ts, uint32_t caplen, uint32_t len,
                  uint32_t seed)
{
	size_t at = blk_begin(b, 2);
	bb_u16(b, ifid);
	bb_u16(b, 7); /* drops */
	bb_u32(b, (uint32_t)(ts >> 32));
	bb_u32(b, (uint32_t)ts);
	bb_u32(b, caplen);
	bb_u32(b, len);
	bb_data(b, caplen, seed);
	return blk_end(b, at);
}

static size_t spb(bb_t *b, uint32_t len, uint32_t stored, uint32_t seed)
{
	size_t at = blk_begin(b, 3);
	bb_u32(b, len);
	bb_data(b, stored, seed);
	return blk_end(b, at);
}

static size_t other(bb_t *b, uint32_t type, uint32_t body)
{
	size_t at = blk_begin(b, type);
	bb_data(b, body, 99);
	return blk_end(b, at);
}

/* n good packets, then @p want whose message holds "offset AT". */
static void expect_error_after(const bb_t *b, int n, int want, size_t at)
{
	char *path;
	cf_reader_t *r = open_bytes(b, &path);
	cf_pkt_t p;
	for (int i = 0; i < n; i++)
		CU_ASSERT_EQUAL(cf_reader_next(r, &p), 1);
	int rc = cf_reader_next(r, &p);
	CU_ASSERT_EQUAL(rc, want);
	char needle[64];
	snprintf(needle, sizeof(needle), "offset %zu", at);
	if (!strstr(cf_reader_errmsg(r), needle))
		fprintf(stderr, "want '%s' in '%s'\n", needle, cf_reader_errmsg(r));
	CU_ASSERT(strstr(cf_reader_errmsg(r), needle) != NULL);
	CU_ASSERT(strstr(cf_reader_errmsg(r), path) != NULL);
	CU_ASSERT_EQUAL(cf_reader_next(r, &p), want); /* sticky */
	cf_reader_close(r);
	unlink(path);
	free(path);
}

/* ---- tests ----------------------------------------------------------- */

static void test_interfaces(void)
{
	bb_t b = { 0 };
	shb(&b, 0);
	other(&b, 4, 20);                        /* NRB before any IDB */
	idb(&b, 1, 64, -1, 0);                   /* Ethernet, usec, snaplen 64 */
	idb(&b, 101, 0, 9, 100);                 /* raw IP, nsec, +100 s */
	idb(&b, 113, 0, 0x80 | 20, 0);           /* Linux SLL, 2^-20 s */
	size_t e0 = epb(&b, 0, 1700000000123456ull, 60, 60, 1);
	other(&b, 0x40000bad, 33);               /* custom block */
	epb(&b, 1, 1700000000123456789ull, 0, 0, 2);
	epb(&b, 2, (1700000000ull << 20) | (1u << 19), 17, 1500, 3);
	other(&b, 5, 16);                        /* ISB */
	spb(&b, 100, 100, 4);                    /* cut to snaplen 64 */
	spb(&b, 10, 12, 5);                      /* 10 bytes, padded */
	opb(&b, 1, 5000000000ull, 8, 9, 6);
	other(&b, 0x0000000a, 8);                /* DSB */

	char *path;
	cf_reader_t *r = open_bytes(&b, &path);
	cf_pkt_t p;
	CU_ASSERT_STRING_EQUAL(cf_reader_format(r), "pcapng");
	CU_ASSERT_EQUAL(cf_reader_linktype(r), 1);

	CU_ASSERT_EQUAL(cf_reader_next(r, &p), 1);
	CU_ASSERT_EQUAL(p.ts_sec, 1700000000);
	CU_ASSERT_EQUAL(p.ts_nsec, 123456000u);
	CU_ASSERT_EQUAL(p.linktype, 1);
	CU_ASSERT_EQUAL(p.ifindex, 0);
	CU_ASSERT_EQUAL(p.caplen, 60);
	CU_ASSERT_EQUAL(p.offset, e0);
	CU_ASSERT(data_ok(&p, 1));

	CU_ASSERT_EQUAL(cf_reader_next(r, &p), 1);
	CU_ASSERT_EQUAL(p.ts_sec, 1700000100);
	CU_ASSERT_EQUAL(p.ts_nsec, 123456789u);
	CU_ASSERT_EQUAL(p.linktype, 101);
	CU_ASSERT_EQUAL(p.ifindex, 1);
	CU_ASSERT_EQUAL(p.caplen, 0);

	CU_ASSERT_EQUAL(cf_reader_next(r, &p), 1);
	CU_ASSERT_EQUAL(p.ts_sec, 1700000000);
	CU_ASSERT_EQUAL(p.ts_nsec, 500000000u);
	CU_ASSERT_EQUAL(p.linktype, 113);
	CU_ASSERT_EQUAL(p.ifindex, 2);
	CU_ASSERT_EQUAL(p.caplen, 17);
	CU_ASSERT_EQUAL(p.len, 1500);
	CU_ASSERT(data_ok(&p, 3));

	/* SPB: interface 0, the last time seen, caplen = min(len, room, snaplen). */
	CU_ASSERT_EQUAL(cf_reader_next(r, &p), 1);
	CU_ASSERT_EQUAL(p.ifindex, 0);
	CU_ASSERT_EQUAL(p.linktype, 1);
	CU_ASSERT_EQUAL(p.caplen, 64);
	CU_ASSERT_EQUAL(p.len, 100);
	CU_ASSERT_EQUAL(p.ts_sec, 1700000000);
	CU_ASSERT_EQUAL(p.ts_nsec, 500000000u);
	CU_ASSERT(data_ok(&p, 4));

	CU_ASSERT_EQUAL(cf_reader_next(r, &p), 1);
	CU_ASSERT_EQUAL(p.caplen, 10);
	CU_ASSERT_EQUAL(p.len, 10);
	CU_ASSERT(data_ok(&p, 5));

	CU_ASSERT_EQUAL(cf_reader_next(r, &p), 1);
	CU_ASSERT_EQUAL(p.ifindex, 1);
	CU_ASSERT_EQUAL(p.linktype, 101);
	CU_ASSERT_EQUAL(p.ts_sec, 105);
	CU_ASSERT_EQUAL(p.ts_nsec, 0);
	CU_ASSERT_EQUAL(p.caplen, 8);
	CU_ASSERT_EQUAL(p.len, 9);
	CU_ASSERT(data_ok(&p, 6));

	CU_ASSERT_EQUAL(cf_reader_next(r, &p), 0);
	CU_ASSERT_EQUAL(cf_reader_next(r, &p), 0);
	done(r, path, &b);
}

/* if_tsresol in every shape, with exact expected seconds/nanoseconds. */
static void test_ts_resolutions(void)
{
	static const struct {
		int resol;
		int64_t offset;
		uint64_t ts;
		int64_t sec;
		uint32_t nsec;
	} t[] = {
		{ 6, 0, 1700000000123456ull, 1700000000, 123456000 },
		{ 9, 0, 1700000000123456789ull, 1700000000, 123456789 },
		{ 3, 0, 1700000000123ull, 1700000000, 123000000 },
		{ 0, 0, 42, 42, 0 },
		{ 12, 0, 12345678901234567ull, 12345, 678901234 },      /* ps: truncated */
		{ 19, 0, 15000000000000000000ull, 1, 500000000 },
		{ 25, 0, 12345678901234567890ull, 0, 1234 },            /* 10^-25 s */
		{ 0x7f, 0, ~0ull, 0, 0 },
		{ 0x80, 0, 7, 7, 0 },                                    /* 2^0 */
		{ 0x80 | 10, 0, (3ull << 10) | 512, 3, 500000000 },      /* 1/1024 s */
		{ 0x80 | 20, 0, (1700000000ull << 20) | (1u << 18), 1700000000, 250000000 },
		{ 0x80 | 32, 0, (9ull << 32) | (1ull << 31), 9, 500000000 },
		{ 0x80 | 40, 0, (5ull << 40) | (1ull << 38), 5, 250000000 },
		{ 0x80 | 64, 0, 1ull << 63, 0, 500000000 },
		{ 0x80 | 100, 0, ~0ull, 0, 0 },
		{ 6, -3600, 7200000001ull, 3600, 1000 },                 /* if_tsoffset */
		{ 9, 1000000000, 5, 1000000000, 5 },
	};
	enum { N = sizeof(t) / sizeof(t[0]) };
	bb_t b = { 0 };
	shb(&b, 1);
	for (int i = 0; i < N; i++)
		idb(&b, 1, 0, t[i].resol, t[i].offset);
	for (int i = 0; i < N; i++)
		epb(&b, (uint32_t)i, t[i].ts, 4, 4, (uint32_t)i);

	char *path;
	cf_reader_t *r = open_bytes(&b, &path);
	cf_pkt_t p;
	for (int i = 0; i < N; i++) {
		CU_ASSERT_EQUAL_FATAL(cf_reader_next(r, &p), 1);
		if (p.ts_sec != t[i].sec || p.ts_nsec != t[i].nsec)
			fprintf(stderr, "resol 0x%x ts %llu: got %lld.%09u want %lld.%09u\n",
			        t[i].resol, (unsigned long long)t[i].ts, (long long)p.ts_sec,
			        p.ts_nsec, (long long)t[i].sec, t[i].nsec);
		CU_ASSERT_EQUAL(p.ts_sec, t[i].sec);
		CU_ASSERT_EQUAL(p.ts_nsec, t[i].nsec);
		CU_ASSERT(p.ts_nsec < 1000000000u);
	}
	CU_ASSERT_EQUAL(cf_reader_next(r, &p), 0);
	done(r, path, &b);
}

/* Interfaces are per section, and each section has its own byte order. */
static void test_two_sections(void)
{
	bb_t b = { 0 };
	shb(&b, 0);
	idb(&b, 1, 0, 9, 0);
	epb(&b, 0, 1000000001ull, 5, 5, 1);
	shb(&b, 1);
	idb(&b, 228, 0, 6, 0);
	idb(&b, 229, 0, 6, 0);
	epb(&b, 1, 2000002ull, 6, 6, 2);
	epb(&b, 0, 3000003ull, 7, 7, 3);
	shb(&b, 0);
	idb(&b, 101, 0, -1, 0);
	epb(&b, 0, 4000004ull, 8, 8, 4);

	char *path;
	cf_reader_t *r = open_bytes(&b, &path);
	cf_pkt_t p;
	static const struct {
		int lt;
		uint32_t ifindex, caplen;
		int64_t sec;
		uint32_t nsec;
	} want[] = {
		{ 1, 0, 5, 1, 1 }, { 229, 1, 6, 2, 2000 }, { 228, 0, 7, 3, 3000 }, { 101, 0, 8, 4, 4000 },
	};
	for (unsigned i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL_FATAL(cf_reader_next(r, &p), 1);
		CU_ASSERT_EQUAL(p.linktype, want[i].lt);
		CU_ASSERT_EQUAL(p.ifindex, want[i].ifindex);
		CU_ASSERT_EQUAL(p.caplen, want[i].caplen);
		CU_ASSERT_EQUAL(p.ts_sec, want[i].sec);
		CU_ASSERT_EQUAL(p.ts_nsec, want[i].nsec);
		CU_ASSERT(data_ok(&p, i + 1));
	}
	CU_ASSERT_EQUAL(cf_reader_next(r, &p), 0);
	CU_ASSERT_EQUAL(cf_reader_linktype(r), 1);
	done(r, path, &b);
}

static void test_undefined_interface(void)
{
	bb_t b = { 0 };
	shb(&b, 0);
	idb(&b, 1, 0, -1, 0);
	idb(&b, 1, 0, -1, 0);
	epb(&b, 1, 1, 4, 4, 1);
	shb(&b, 1);
	idb(&b, 1, 0, -1, 0);
	epb(&b, 0, 1, 4, 4, 2);
	size_t bad = epb(&b, 1, 1, 4, 4, 3); /* interface 1 was the old section's */
	expect_error_after(&b, 2, DW_EFORMAT, bad);
	free(b.p);

	/* An SPB needs interface 0. */
	b = (bb_t){ 0 };
	shb(&b, 0);
	bad = spb(&b, 4, 4, 1);
	expect_error_after(&b, 0, DW_EFORMAT, bad);
	free(b.p);
}

static void test_bad_block_lengths(void)
{
	for (int kind = 0; kind < 5; kind++) {
		bb_t b = { 0 };
		shb(&b, kind & 1);
		idb(&b, 1, 0, -1, 0);
		epb(&b, 0, 1, 10, 10, 1);
		size_t bad = epb(&b, 0, 2, 10, 10, 2);
		epb(&b, 0, 3, 10, 10, 3);
		switch (kind) {
		case 0: bb_at32(&b, bad + 4, 50); break;                 /* not a multiple of 4 */
		case 1: bb_at32(&b, bad + 4, 8); break;                  /* below 12 */
		case 2: bb_at32(&b, bad + 4, 60); break;                 /* trailer differs */
		case 3: bb_at32(&b, bad + 20, 200); break;               /* caplen overruns */
		case 4: bb_at32(&b, bad + 4, 0xfffffff0u); break;        /* over the limit */
		}
		expect_error_after(&b, 1, kind == 4 ? DW_ETOOBIG : DW_EFORMAT, bad);
		free(b.p);
	}
}

/* EPB whose caplen is over CF_MAX_CAPLEN, in a block within the limit. */
static void test_caplen_over_limit(void)
{
	bb_t b = { 0 };
	shb(&b, 0);
	idb(&b, 1, 0, -1, 0);
	epb(&b, 0, 1, 10, 10, 1);
	size_t bad = epb(&b, 0, 2, CF_MAX_CAPLEN + 4, CF_MAX_CAPLEN + 4, 2);
	expect_error_after(&b, 1, DW_ETOOBIG, bad);
	free(b.p);

	/* ... while exactly CF_MAX_CAPLEN is fine. */
	b = (bb_t){ 0 };
	shb(&b, 1);
	idb(&b, 1, 0, -1, 0);
	epb(&b, 0, 1, CF_MAX_CAPLEN, CF_MAX_CAPLEN, 7);
	char *path;
	cf_reader_t *r = open_bytes(&b, &path);
	cf_pkt_t p;
	CU_ASSERT_EQUAL(cf_reader_next(r, &p), 1);
	CU_ASSERT_EQUAL(p.caplen, CF_MAX_CAPLEN);
	CU_ASSERT(data_ok(&p, 7));
	CU_ASSERT_EQUAL(cf_reader_next(r, &p), 0);
	done(r, path, &b);
}

/* A block too big to hold but not needed (here 3 MB of custom block) is
 * streamed past; one cut short is still truncation. */
static void test_big_skipped_block(void)
{
	for (int cap = 0; cap <= 1; cap++) {
		cf_src_set_read_cap(cap ? 100000 : 0);
		bb_t b = { 0 };
		shb(&b, 0);
		idb(&b, 1, 0, -1, 0);
		epb(&b, 0, 1, 10, 10, 1);
		size_t big = other(&b, 0x40000bad, 3u << 20);
		epb(&b, 0, 2, 20, 20, 2);
		char *path;
		cf_reader_t *r = open_bytes(&b, &path);
		cf_pkt_t p;
		CU_ASSERT_EQUAL(cf_reader_next(r, &p), 1);
		CU_ASSERT_EQUAL(cf_reader_next(r, &p), 1);
		CU_ASSERT_EQUAL(p.caplen, 20);
		CU_ASSERT(data_ok(&p, 2));
		CU_ASSERT_EQUAL(cf_reader_next(r, &p), 0);
		cf_reader_close(r);
		unlink(path);
		free(path);

		b.len = big + 2000000;
		expect_error_after(&b, 1, DW_ETRUNCFILE, big);
		b.len = big + (3u << 20) + 8 + 2; /* inside the trailing length */
		expect_error_after(&b, 1, DW_ETRUNCFILE, big);
		free(b.p);
	}
	cf_src_set_read_cap(0);
}

static void test_truncation(void)
{
	bb_t full = { 0 };
	shb(&full, 1);
	idb(&full, 1, 0, -1, 0);
	epb(&full, 0, 1, 30, 30, 1);
	size_t last = epb(&full, 0, 2, 30, 30, 2);
	for (size_t cut = last + 1; cut < full.len; cut++) {
		bb_t b = { 0 };
		bb_put(&b, full.p, cut);
		expect_error_after(&b, 1, DW_ETRUNCFILE, last);
		free(b.p);
	}
	/* ... and in the middle of the first IDB: open is fine, reading fails. */
	bb_t b = { 0 };
	shb(&b, 0);
	size_t idb_at = b.len;
	idb(&b, 1, 0, -1, 0);
	b.len -= 5;
	expect_error_after(&b, 0, DW_ETRUNCFILE, idb_at);
	free(b.p);
	free(full.p);
}

static void test_header_errors(void)
{
	bb_t b = { 0 };
	size_t at = shb(&b, 0);
	b.p[at + 8] ^= 0xff; /* byte-order magic */
	CU_ASSERT(open_fails(&b, DW_EFORMAT, "byte-order magic"));
	free(b.p);

	b = (bb_t){ 0 };
	at = shb(&b, 1);
	b.p[at + 13] = 2; /* major version 2 */
	CU_ASSERT(open_fails(&b, DW_EFORMAT, "version 2.0"));
	free(b.p);

	b = (bb_t){ 0 };
	shb(&b, 0);
	b.len = 10;
	CU_ASSERT(open_fails(&b, DW_ETRUNCFILE, "offset 0"));
	free(b.p);

	/* IDB option running past the block. */
	b = (bb_t){ 0 };
	shb(&b, 0);
	at = idb(&b, 1, 0, 9, 0);
	bb_at32(&b, at + 16, 200u << 16 | 2u); /* if_name, length 200 */
	expect_error_after(&b, 0, DW_EFORMAT, at);
	free(b.p);

	/* A section header alone: opens, no link type yet, no packets. */
	b = (bb_t){ 0 };
	shb(&b, 0);
	char *path;
	cf_reader_t *r = open_bytes(&b, &path);
	cf_pkt_t p;
	CU_ASSERT_EQUAL(cf_reader_linktype(r), -1);
	CU_ASSERT_EQUAL(cf_reader_next(r, &p), 0);
	done(r, path, &b);
}

/* Every block straddling every refill. */
static void test_byte_at_a_time(void)
{
	bb_t b = { 0 };
	shb(&b, 0);
	idb(&b, 1, 0, -1, 0);
	for (uint32_t i = 0; i < 10; i++)
		epb(&b, 0, i, i * 5, i * 5, i);
	shb(&b, 1);
	idb(&b, 101, 0, -1, 0);
	spb(&b, 33, 33, 10);
	cf_src_set_read_cap(1);
	char *path;
	cf_reader_t *r = open_bytes(&b, &path);
	cf_pkt_t p;
	uint32_t n = 0;
	while (cf_reader_next(r, &p) == 1) {
		CU_ASSERT(data_ok(&p, n));
		n++;
	}
	CU_ASSERT_EQUAL(n, 11);
	CU_ASSERT_EQUAL(p.linktype, 101);
	CU_ASSERT_STRING_EQUAL(cf_reader_errmsg(r), "");
	cf_src_set_read_cap(0);
	done(r, path, &b);
}

static CU_TestInfo tests[] = {
	{ "interfaces, EPB/SPB/OPB, skipped blocks", test_interfaces },
	{ "if_tsresol 10^-n and 2^-n, if_tsoffset", test_ts_resolutions },
	{ "sections of both byte orders", test_two_sections },
	{ "undefined interface", test_undefined_interface },
	{ "bad block lengths", test_bad_block_lengths },
	{ "caplen over the limit", test_caplen_over_limit },
	{ "big unneeded block streamed past", test_big_skipped_block },
	{ "truncated inside a block", test_truncation },
	{ "header errors", test_header_errors },
	{ "one byte per read", test_byte_at_a_time },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("cf_pcapng", tests);
}
