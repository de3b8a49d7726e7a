/*
 * test_cf_range.c - parts of one capture file: cf_reader_open_range() and
 * cf_split_find(), on a multi-member gzip pcap and a plain pcap built here.
 *
 * Every packet is read exactly once over the parts (with its data and
 * time), whatever the cut points; parts start at member starts / record
 * boundaries and stop at the next part's start; scanning finds exactly
 * the member starts (not the first member, which holds the file header)
 * and record boundaries; a single-member file has no split point; a plain
 * part whose end is not a record boundary says so; ranges need a pcap
 * prototype. Run with the inflate thread and without.
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

#define NREC 6000u
#define PER_MEMBER 250u

static uint32_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 33);
}

/* A big-endian (to check the byte order is taken from the prototype)
 * nanosecond pcap of NREC records; offs[i] the offset of record i. */
static void make_pcap(bb_t *b, size_t *offs)
{
	uint64_t s = 7;
	b->be = 1;
	bb_u32(b, 0xa1b23c4d);
	bb_u16(b, 2);
	bb_u16(b, 4);
	bb_u32(b, 0);
	bb_u32(b, 0);
	bb_u32(b, 65535);
	bb_u32(b, 1);
	for (uint32_t i = 0; i < NREC; i++) {
		uint32_t len = 40 + rnd(&s) % 1400;
		offs[i] = b->len;
		bb_u32(b, 1700000000u + i / 10);
		bb_u32(b, (i % 10) * 100000000u + 7);
		bb_u32(b, len);
		bb_u32(b, len + 2);
		for (uint32_t j = 0; j < len; j++) {
			uint8_t v = pat(i, j);
			bb_put(b, &v, 1);
		}
	}
	offs[NREC] = b->len;
}

typedef struct fixture {
	bb_t pc, gz;
	size_t offs[NREC + 1];
	uint64_t members[NREC / PER_MEMBER + 2]; /* compressed member starts */
	size_t nmembers;
	char *plain, *zpath;
} fixture_t;

static fixture_t fx;

static void fixture_make(void)
{
	if (fx.plain)
		return;
	make_pcap(&fx.pc, fx.offs);
	for (uint32_t i = 0; i < NREC; i += PER_MEMBER) {
		size_t a = i ? fx.offs[i] : 0;
		size_t e = i + PER_MEMBER < NREC ? fx.offs[i + PER_MEMBER] : fx.pc.len;
		fx.members[fx.nmembers++] = fx.gz.len;
		gz_member(&fx.gz, fx.pc.p + a, e - a, 6);
	}
	fx.plain = tmp_write(fx.pc.p, fx.pc.len);
	fx.zpath = tmp_write(fx.gz.p, fx.gz.len);
}

static cf_reader_t *proto_of(const char *path)
{
	char err[512];
	cf_reader_t *r = NULL;
	cf_pkt_t p;
	CU_ASSERT_FATAL(cf_reader_open(&r, path, err, sizeof(err)) == 0);
	CU_ASSERT_FATAL(cf_reader_next(r, &p) == 1);
	return r;
}

/* Read [start, end): record indices must run on from *next; returns the
 * packets read, or -1 on an error. */
static long read_part(const char *path, const cf_reader_t *proto, uint64_t start, uint64_t end,
		      uint32_t *next, int plain)
{
	char err[512];
	cf_reader_t *r = NULL;
	cf_pkt_t p;
	long n = 0;
	int rc = cf_reader_open_range(&r, path, start ? proto : NULL, start, end, err,
				      sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "open_range %llu..%llu: %s\n", (unsigned long long)start,
			(unsigned long long)end, err);
		return -1;
	}
	while ((rc = cf_reader_next(r, &p)) == 1) {
		uint32_t i = *next;
		CU_ASSERT_FATAL(i < NREC);
		CU_ASSERT_EQUAL(p.ts_sec, 1700000000 + i / 10);
		CU_ASSERT_EQUAL(p.ts_nsec, (i % 10) * 100000000u + 7);
		CU_ASSERT_EQUAL(p.len, p.caplen + 2);
		CU_ASSERT_EQUAL(p.linktype, 1);
		CU_ASSERT(data_ok(&p, i));
		if (plain)
			CU_ASSERT_EQUAL(p.offset, fx.offs[i]);
		(*next)++;
		n++;
	}
	if (rc < 0)
		fprintf(stderr, "part %llu..%llu: %s\n", (unsigned long long)start,
			(unsigned long long)end, cf_reader_errmsg(r));
	CU_ASSERT(cf_reader_raw_offset(r) <= end);
	cf_reader_close(r);
	return rc < 0 ? -1 : n;
}

/* The parts cut at @p cuts (increasing, ncuts of them) read every record once. */
static void parts_read_all(const char *path, const cf_reader_t *proto, const uint64_t *cuts,
			   size_t ncuts, int plain)
{
	uint32_t next = 0;
	uint64_t start = 0;
	for (size_t k = 0; k <= ncuts; k++) {
		uint64_t end = k < ncuts ? cuts[k] : UINT64_MAX;
		CU_ASSERT(read_part(path, proto, start, end, &next, plain) >= 0);
		start = end;
	}
	CU_ASSERT_EQUAL(next, NREC);
}

static void test_gzip_member_ranges(void)
{
	fixture_make();
	cf_reader_t *proto = proto_of(fx.zpath);
	/* every member a part */
	parts_read_all(fx.zpath, proto, fx.members + 1, fx.nmembers - 1, 0);
	/* a few parts of several members each, and a last part to the end */
	uint64_t some[3] = { fx.members[3], fx.members[4], fx.members[17] };
	parts_read_all(fx.zpath, proto, some, 3, 0);
	/* an end inside a member stops at the member's end */
	uint32_t next = 3 * PER_MEMBER;
	CU_ASSERT_EQUAL(read_part(fx.zpath, proto, fx.members[3], fx.members[5] - 10, &next, 0),
			2 * PER_MEMBER);
	/* an empty part */
	next = 5 * PER_MEMBER;
	CU_ASSERT_EQUAL(read_part(fx.zpath, proto, fx.members[5], fx.members[5], &next, 0), 0);
	cf_reader_close(proto);
}

static void test_plain_record_ranges(void)
{
	fixture_make();
	cf_reader_t *proto = proto_of(fx.plain);
	uint64_t cuts[5] = { fx.offs[1], fx.offs[777], fx.offs[778], fx.offs[3000],
			     fx.offs[NREC - 1] };
	parts_read_all(fx.plain, proto, cuts, 5, 1);
	/* a part ending inside a record says so */
	char err[512];
	cf_reader_t *r = NULL;
	cf_pkt_t p;
	int rc;
	CU_ASSERT_FATAL(cf_reader_open_range(&r, fx.plain, proto, fx.offs[10], fx.offs[20] + 5,
					     err, sizeof(err)) == 0);
	long n = 0;
	while ((rc = cf_reader_next(r, &p)) == 1)
		n++;
	CU_ASSERT_EQUAL(n, 10);
	CU_ASSERT_EQUAL(rc, DW_ETRUNCFILE);
	CU_ASSERT(strstr(cf_reader_errmsg(r), "not a record boundary") != NULL);
	cf_reader_close(r);
	cf_reader_close(proto);
}

static void test_scan_finds_boundaries(void)
{
	char err[512];
	cf_split_t sp;
	fixture_make();

	/* gzip: exactly the member starts, never the first member */
	cf_reader_t *proto = proto_of(fx.zpath);
	size_t found = 0;
	uint64_t from = 0;
	while (cf_split_find(proto, from, UINT64_MAX, &sp, err, sizeof(err)) == 1) {
		CU_ASSERT_FATAL(found + 1 < fx.nmembers);
		CU_ASSERT_EQUAL(sp.offset, fx.members[found + 1]);
		CU_ASSERT_EQUAL(sp.ts_sec, 1700000000 + (found + 1) * PER_MEMBER / 10);
		found++;
		from = sp.offset + 1;
	}
	CU_ASSERT_EQUAL(found, fx.nmembers - 1);
	/* a member is found only where it starts, within the limit */
	CU_ASSERT_EQUAL(cf_split_find(proto, fx.members[2] + 1, fx.members[3], &sp, err,
				      sizeof(err)), 0);
	CU_ASSERT_EQUAL(cf_split_find(proto, fx.members[2], fx.members[2] + 1, &sp, err,
				      sizeof(err)), 1);
	cf_reader_close(proto);

	/* plain: from any offset, the next record boundary */
	proto = proto_of(fx.plain);
	uint64_t s = 99;
	for (int k = 0; k < 200; k++) {
		uint64_t at = 24 + rnd(&s) % (fx.pc.len - 24);
		size_t i = 0;
		while (fx.offs[i] < at)
			i++;
		int rc = cf_split_find(proto, at, UINT64_MAX, &sp, err, sizeof(err));
		if (i == NREC) {
			CU_ASSERT_EQUAL(rc, 0);
			continue;
		}
		CU_ASSERT_EQUAL_FATAL(rc, 1);
		CU_ASSERT_EQUAL(sp.offset, fx.offs[i]);
		CU_ASSERT_EQUAL(sp.ts_sec, 1700000000 + (int64_t)i / 10);
	}
	/* the parts at found boundaries read everything once */
	uint64_t cuts[7];
	for (int k = 0; k < 7; k++) {
		CU_ASSERT_FATAL(cf_split_find(proto, fx.pc.len * (uint64_t)(k + 1) / 8, UINT64_MAX,
					      &sp, err, sizeof(err)) == 1);
		cuts[k] = sp.offset;
	}
	parts_read_all(fx.plain, proto, cuts, 7, 1);
	cf_reader_close(proto);
}

static void test_single_member_not_cut(void)
{
	char err[512];
	cf_split_t sp;
	bb_t gz = { 0 };
	fixture_make();
	gz_member(&gz, fx.pc.p, fx.pc.len, 6);
	char *path = tmp_write(gz.p, gz.len);
	cf_reader_t *proto = proto_of(path);
	CU_ASSERT_EQUAL(cf_split_find(proto, 0, UINT64_MAX, &sp, err, sizeof(err)), 0);
	/* a range at a place no member starts */
	cf_reader_t *r = (cf_reader_t *)&err;
	CU_ASSERT_EQUAL(cf_reader_open_range(&r, path, proto, 100, UINT64_MAX, err, sizeof(err)),
			DW_EGZIP);
	CU_ASSERT_PTR_NULL(r);
	cf_reader_close(proto);
	unlink(path);
	free(path);
	free(gz.p);
}

static void test_range_needs_proto(void)
{
	char err[512];
	cf_reader_t *r = NULL;
	fixture_make();
	CU_ASSERT_EQUAL(cf_reader_open_range(&r, fx.plain, NULL, fx.offs[5], UINT64_MAX, err,
					     sizeof(err)), DW_EINVAL);
	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT_EQUAL(cf_reader_open_range(&r, fx.plain, NULL, 10, 5, err, sizeof(err)),
			DW_EINVAL);
	/* a pcapng prototype cannot be cut */
	bb_t ng = { 0 };
	bb_u32(&ng, 0x0a0d0d0a);
	bb_u32(&ng, 28);
	bb_u32(&ng, 0x1a2b3c4d);
	bb_u16(&ng, 1);
	bb_u16(&ng, 0);
	bb_u64(&ng, UINT64_MAX);
	bb_u32(&ng, 28);
	char *ngpath = tmp_write(ng.p, ng.len);
	cf_reader_t *proto = NULL;
	CU_ASSERT_FATAL(cf_reader_open(&proto, ngpath, err, sizeof(err)) == 0);
	CU_ASSERT_FALSE(cf_reader_splittable(proto));
	CU_ASSERT_EQUAL(cf_reader_open_range(&r, ngpath, proto, 28, UINT64_MAX, err, sizeof(err)),
			DW_EINVAL);
	cf_split_t sp;
	CU_ASSERT_EQUAL(cf_split_find(proto, 0, UINT64_MAX, &sp, err, sizeof(err)), DW_EINVAL);
	cf_reader_close(proto);
	unlink(ngpath);
	free(ngpath);
	free(ng.p);
}

static CU_TestInfo tests[] = {
	{ "gzip parts at member starts", test_gzip_member_ranges },
	{ "plain parts at record boundaries", test_plain_record_ranges },
	{ "scanning finds members and records", test_scan_finds_boundaries },
	{ "single-member gzip has no split point", test_single_member_not_cut },
	{ "ranges need a classic pcap prototype", test_range_needs_proto },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	cf_src_set_threads(1);
	int rc = cu_run("cf_range (inflate thread)", tests);
	cf_src_set_threads(0);
	rc |= cu_run("cf_range (inflate in caller)", tests);
	cf_src_set_read_cap(4093);
	rc |= cu_run("cf_range (small reads)", tests);
	cf_src_set_read_cap(0);
	if (fx.plain) {
		unlink(fx.plain);
		unlink(fx.zpath);
		free(fx.plain);
		free(fx.zpath);
		free(fx.pc.p);
		free(fx.gz.p);
	}
	return rc;
}
