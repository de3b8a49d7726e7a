/*
 * test_cap_gzfile.c - the capture file writer: whole gzip members only,
 * read back with zlib's gzread, members where the list says, and a write
 * error (file size limit) leaving a valid file of complete members.
 * Run for zlib and, when built in, for ISA-L's compressor.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cap_read.h"
#include "cu_main.h"
#include "gzfile.h"

static char path[] = "/tmp/rl_cap_gz_XXXXXX";
/* the compressor under test and a low and a high level of it */
static gzf_engine_t E = GZF_ZLIB;
static int LLO = 1, LHI = 6;

static int fresh_fd(void)
{
	strcpy(path, "/tmp/rl_cap_gz_XXXXXX");
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	return fd;
}

/* packet i: length 40 + i % 200, bytes (i * 7 + k) & 0xff */
static void fill(uint8_t *p, uint32_t i, uint32_t *len)
{
	*len = 40 + i % 200;
	for (uint32_t k = 0; k < *len; k++)
		p[k] = (uint8_t)(i * 7 + k);
}

static int check_pkt(const cr_rec_t *r, uint32_t i)
{
	uint8_t want[256];
	uint32_t len;
	fill(want, i, &len);
	return r->caplen == len && r->len == len + 3 && r->sec == 1000 + i / 100 &&
	       r->usec == (i % 100) * 10000 && !memcmp(r->data, want, len);
}

/* The file on disk is what @p g says and holds packets 0..n-1 of fill(). */
static void check_on_disk(gzfile_t *g, uint32_t n, uint32_t linktype)
{
	char want[65], got[65];
	cr_sha256(path, want);
	gzf_sha256_hex(g, got);
	CU_ASSERT_STRING_EQUAL(got, want);
	cr_file_t f;
	CU_ASSERT_EQUAL_FATAL(cr_read(path, &f), 0);
	CU_ASSERT_EQUAL(f.error, 0);
	CU_ASSERT_EQUAL(f.linktype, linktype);
	CU_ASSERT_EQUAL_FATAL(f.n, n);
	int bad = 0;
	for (uint32_t i = 0; i < n; i++)
		bad += !check_pkt(&f.recs[i], i);
	CU_ASSERT_EQUAL(bad, 0);
	free(f.recs);
}

static void test_header_only(void)
{
	int fd = fresh_fd();
	gzfile_t *g = gzf_new(E, LHI, 0);
	CU_ASSERT_FATAL(g != NULL);
	CU_ASSERT_EQUAL(gzf_open(g, fd, 1, 65535), 0);
	/* nothing pending: a flush writes nothing */
	CU_ASSERT_EQUAL(gzf_flush(g), 0);
	size_t n;
	const gzf_member_t *m = gzf_members(g, &n);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(m[0].offset, 0);
	CU_ASSERT_EQUAL(m[0].packets, 0);
	CU_ASSERT_EQUAL((long)gzf_file_bytes(g), cr_size(path));
	cr_file_t f;
	CU_ASSERT_EQUAL_FATAL(cr_read(path, &f), 0);
	CU_ASSERT_EQUAL(f.magic, 0xa1b2c3d4u);
	CU_ASSERT_EQUAL(f.vmaj, 2);
	CU_ASSERT_EQUAL(f.vmin, 4);
	CU_ASSERT_EQUAL(f.snaplen, 65535);
	CU_ASSERT_EQUAL(f.linktype, 1);
	CU_ASSERT_EQUAL(f.n, 0);
	CU_ASSERT_EQUAL(f.error, 0);
	free(f.recs);
	gzf_free(g);
	close(fd);
	unlink(path);
}

static void test_members(void)
{
	int fd = fresh_fd();
	gzfile_t *g = gzf_new(E, LLO, 0);
	CU_ASSERT_EQUAL_FATAL(gzf_open(g, fd, 101, 262144), 0);
	uint8_t buf[256];
	uint32_t len;
	/* 5 members of 1,000 packets each, flushed by hand */
	for (uint32_t i = 0; i < 5000; i++) {
		fill(buf, i, &len);
		CU_ASSERT_EQUAL_FATAL(gzf_add(g, 1000 + i / 100, (i % 100) * 10000, buf, len, len + 3), 0);
		if (i % 1000 == 999) {
			CU_ASSERT(gzf_pending(g));
			CU_ASSERT_EQUAL(gzf_flush(g), 0);
			CU_ASSERT(!gzf_pending(g));
		}
	}
	size_t n;
	const gzf_member_t *m = gzf_members(g, &n);
	CU_ASSERT_EQUAL_FATAL(n, 6);
	uint64_t sum = 0;
	for (size_t k = 0; k < n; k++) {
		CU_ASSERT(cr_member_at(path, m[k].offset));
		if (k)
			CU_ASSERT(m[k].offset > m[k - 1].offset);
		sum += m[k].packets;
	}
	for (size_t k = 1; k < n; k++) {
		uint32_t first = (uint32_t)(k - 1) * 1000;
		CU_ASSERT_EQUAL(m[k].packets, 1000);
		CU_ASSERT_EQUAL(m[k].first_sec, 1000 + first / 100);
		CU_ASSERT_EQUAL(m[k].first_usec, (first % 100) * 10000);
	}
	CU_ASSERT_EQUAL(sum, 5000);
	CU_ASSERT_EQUAL(gzf_packets(g), 5000);
	CU_ASSERT_EQUAL((long)gzf_file_bytes(g), cr_size(path));
	int64_t fs, ls;
	uint32_t fu, lu;
	CU_ASSERT(gzf_first_last(g, &fs, &fu, &ls, &lu));
	CU_ASSERT_EQUAL(fs, 1000);
	CU_ASSERT_EQUAL(ls, 1049);
	CU_ASSERT_EQUAL(lu, 990000);
	check_on_disk(g, 5000, 101);
	gzf_free(g);
	close(fd);
	unlink(path);
}

/* Many packets, no flush: members end by themselves before the buffer fills. */
static void test_member_buffer_full(void)
{
	int fd = fresh_fd();
	gzfile_t *g = gzf_new(E, LLO, 0); /* the smallest member buffer (2 MiB) */
	CU_ASSERT_EQUAL_FATAL(gzf_open(g, fd, 1, 262144), 0);
	/* incompressible data: 1,500-byte packets of pseudo-random bytes */
	uint8_t buf[1500];
	uint64_t x = 88172645463325252ull;
	for (uint32_t i = 0; i < 8000; i++) {
		for (int k = 0; k < 1500; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[k] = (uint8_t)x;
		}
		CU_ASSERT_EQUAL_FATAL(gzf_add(g, 5, i, buf, 1500, 1500), 0);
	}
	CU_ASSERT_EQUAL(gzf_flush(g), 0);
	size_t n;
	const gzf_member_t *m = gzf_members(g, &n);
	CU_ASSERT(n >= 6); /* 12 MB compressed cannot fit fewer 2 MiB members */
	for (size_t k = 0; k < n; k++) {
		CU_ASSERT(cr_member_at(path, m[k].offset));
		if (k + 1 < n)
			CU_ASSERT(m[k + 1].offset - m[k].offset <= 2u << 20);
	}
	cr_file_t f;
	CU_ASSERT_EQUAL_FATAL(cr_read(path, &f), 0);
	CU_ASSERT_EQUAL(f.n, 8000);
	CU_ASSERT_EQUAL(f.error, 0);
	free(f.recs);
	gzf_free(g);
	close(fd);
	unlink(path);
}

/* The file may not grow past a limit: writes fail (EFBIG), as on a full disk. */
static void test_write_error(void)
{
	int fd = fresh_fd();
	gzfile_t *g = gzf_new(E, LHI, 0);
	CU_ASSERT_EQUAL_FATAL(gzf_open(g, fd, 1, 262144), 0);
	uint8_t buf[256];
	uint32_t len;
	uint32_t i = 0;
	for (; i < 300; i++) {
		fill(buf, i, &len);
		CU_ASSERT_EQUAL_FATAL(gzf_add(g, 1000 + i / 100, (i % 100) * 10000, buf, len, len + 3), 0);
	}
	CU_ASSERT_EQUAL_FATAL(gzf_flush(g), 0);
	long good = cr_size(path);
	struct rlimit old, lim;
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = (rlim_t)good + 100; /* room for part of the next member */
	signal(SIGXFSZ, SIG_IGN);
	CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_FSIZE, &lim), 0);
	int e = 0;
	for (; i < 3000 && !e; i++) {
		fill(buf, i, &len);
		e = gzf_add(g, 1000 + i / 100, (i % 100) * 10000, buf, len, len + 3);
	}
	if (!e)
		e = gzf_flush(g);
	CU_ASSERT_EQUAL(e, EFBIG);
	CU_ASSERT(gzf_pending_packets(g) > 0);
	CU_ASSERT(cr_size(path) > good); /* part of a member got in */
	CU_ASSERT_EQUAL(gzf_recover(g), 0);
	setrlimit(RLIMIT_FSIZE, &old);
	CU_ASSERT_EQUAL(cr_size(path), good);
	CU_ASSERT_EQUAL(gzf_packets(g), 300);
	check_on_disk(g, 300, 1);
	gzf_free(g);
	close(fd);
	unlink(path);
}

/* What is on disk while a member is being built is a valid file already. */
static void test_valid_while_pending(void)
{
	int fd = fresh_fd();
	gzfile_t *g = gzf_new(E, LHI, 0);
	CU_ASSERT_EQUAL_FATAL(gzf_open(g, fd, 1, 262144), 0);
	uint8_t buf[256];
	uint32_t len;
	for (uint32_t i = 0; i < 100; i++) {
		fill(buf, i, &len);
		gzf_add(g, 1000 + i / 100, (i % 100) * 10000, buf, len, len + 3);
	}
	gzf_flush(g);
	for (uint32_t i = 100; i < 150; i++) {
		fill(buf, i, &len);
		gzf_add(g, 1000 + i / 100, (i % 100) * 10000, buf, len, len + 3);
	}
	/* as after kill -9 now: the 50 pending packets are lost, the rest reads */
	cr_file_t f;
	CU_ASSERT_EQUAL_FATAL(cr_read(path, &f), 0);
	CU_ASSERT_EQUAL(f.error, 0);
	CU_ASSERT_EQUAL(f.n, 100);
	free(f.recs);
	gzf_free(g);
	close(fd);
	unlink(path);
}

static void test_levels(void)
{
	CU_ASSERT_PTR_NULL(gzf_new(GZF_ZLIB, 0, 0));
	CU_ASSERT_PTR_NULL(gzf_new(GZF_ZLIB, 10, 0));
	CU_ASSERT_PTR_NULL(gzf_new(GZF_ISAL, 4, 0));
	gzfile_t *g = gzf_new(E, LHI, 0);
	CU_ASSERT_PTR_NOT_NULL(g);
	gzf_free(g);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "levels per compressor", test_levels },
		{ "header-only file", test_header_only },
		{ "members listed where they are", test_members },
		{ "members end before the buffer fills", test_member_buffer_full },
		{ "write error: cut back to complete members", test_write_error },
		{ "valid on disk while a member is pending", test_valid_while_pending },
		CU_TEST_INFO_NULL,
	};
	int rc = cu_run("cap_gzfile zlib", tests);
	if (gzf_have_isal()) {
		E = GZF_ISAL;
		LLO = 0;
		LHI = 3;
		rc |= cu_run("cap_gzfile isal", tests);
	}
	return rc;
}
