/*
 * test_cf_gzip.c - gzip captures through the capture-file reader: single
 * and multi-member, both inflaters (ISA-L when built in, and zlib) giving
 * identical packets, corrupt and truncated streams, stdin, and a
 * conformance check against tshark on a real capture.
 *
 * The gzip files are made here with zlib's deflate, one deflate stream
 * per member, written back to back as rootlens' capture writer does.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

/* cu_main.h casts away const for CUnit's char * suite name. */
#include "cf_build.h"
#include "cf_gz.h"
#include "rootlens/capfile.h"
#include "../../lib/capfile/source_int.h"

/* ---- builders -------------------------------------------------------- */

static uint8_t gzpat(uint32_t i, uint32_t j)
{
	/* Compressible but not trivially: DNS-ish runs with some noise. */
	static const char alpha[] = "0123456789abcdefghijklmnopqrstuvwxyz.-_";
	if (j % 64 < 40)
		return (uint8_t)alpha[(i + j) % 39];
	return (uint8_t)(i * 131u + j * 7u);
}

static uint32_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 33);
}

/* A little-endian usec pcap of @p n records; sizes up to @p maxlen, and
 * every 50th near CF_MAX_CAPLEN when @p big. Record offsets in @p offs. */
static void make_pcap(bb_t *b, uint32_t n, uint32_t maxlen, int big, size_t *offs)
{
	uint64_t s = n;
	bb_u32(b, 0xa1b2c3d4);
	bb_u32(b, 2 | 4u << 16);
	bb_u32(b, 0);
	bb_u32(b, 0);
	bb_u32(b, CF_MAX_CAPLEN);
	bb_u32(b, 1);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t len = rnd(&s) % maxlen;
		if (big && i % 50 == 3)
			len = CF_MAX_CAPLEN - len % 1000;
		if (offs)
			offs[i] = b->len;
		bb_u32(b, 1700000000u + i);
		bb_u32(b, i % 1000000u);
		bb_u32(b, len);
		bb_u32(b, len + 4);
		for (uint32_t j = 0; j < len; j++) {
			uint8_t v = gzpat(i, j);
			bb_put(b, &v, 1);
		}
	}
}


/* ---- reading --------------------------------------------------------- */

typedef struct result {
	int open_rc;       /* cf_reader_open() */
	int rc;            /* the last cf_reader_next() */
	uint64_t n;        /* packets */
	uint64_t digest;   /* FNV-1a over every field and byte */
	char inflater[8];
	char compression[8];
	char msg[512];
} result_t;

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

static result_t read_all(const char *path, int check_ts)
{
	result_t res = { .digest = 14695981039346656037ull };
	cf_reader_t *r = NULL;
	res.open_rc = cf_reader_open(&r, path, res.msg, sizeof(res.msg));
	if (res.open_rc < 0)
		return res;
	snprintf(res.inflater, sizeof(res.inflater), "%s", cf_reader_inflater(r));
	snprintf(res.compression, sizeof(res.compression), "%s", cf_reader_compression(r));
	cf_pkt_t p;
	while ((res.rc = cf_reader_next(r, &p)) == 1) {
		if (check_ts) {
			res.digest = fnv(res.digest, &p.ts_sec, sizeof(p.ts_sec));
			res.digest = fnv(res.digest, &p.ts_nsec, sizeof(p.ts_nsec));
		}
		res.digest = fnv(res.digest, &p.caplen, sizeof(p.caplen));
		res.digest = fnv(res.digest, &p.len, sizeof(p.len));
		res.digest = fnv(res.digest, &p.linktype, sizeof(p.linktype));
		if (p.caplen)
			res.digest = fnv(res.digest, p.data, p.caplen);
		res.n++;
	}
	snprintf(res.msg, sizeof(res.msg), "%s", cf_reader_errmsg(r));
	cf_reader_close(r);
	return res;
}

/* ---- tests ----------------------------------------------------------- */

static void test_single_member(void)
{
	bb_t pc = { 0 }, gz = { 0 };
	make_pcap(&pc, 500, 1500, 0, NULL);
	gz_member(&gz, pc.p, pc.len, 6);
	char *plain = tmp_write(pc.p, pc.len), *zpath = tmp_write(gz.p, gz.len);
	result_t want = read_all(plain, 1);
	CU_ASSERT_EQUAL(want.rc, 0);
	CU_ASSERT_EQUAL(want.n, 500);
	CU_ASSERT_STRING_EQUAL(want.compression, "none");

	cf_inflater_t w[2];
	for (int i = 0, n = inflaters(w); i < n; i++) {
		CU_ASSERT_EQUAL(cf_set_inflater(w[i]), 0);
		result_t got = read_all(zpath, 1);
		CU_ASSERT_EQUAL(got.open_rc, 0);
		CU_ASSERT_EQUAL(got.rc, 0);
		CU_ASSERT_EQUAL(got.n, want.n);
		CU_ASSERT_EQUAL(got.digest, want.digest);
		CU_ASSERT_STRING_EQUAL(got.compression, "gzip");
		CU_ASSERT_STRING_EQUAL(got.inflater, inflater_name(w[i]));
	}
	cf_set_inflater(CF_INFLATE_AUTO);
	rm(plain);
	rm(zpath);
	free(pc.p);
	free(gz.p);
}

/*
 * Members split mid-record, an empty member, and zero padding after the
 * last, read with every read(2) size from 1 byte up, so member ends fall
 * at every place in an input chunk.
 */
static void test_multi_member(void)
{
	bb_t pc = { 0 }, gz = { 0 };
	make_pcap(&pc, 200, 700, 0, NULL);
	size_t a = pc.len / 3 + 5, c = pc.len * 2 / 3 + 11;
	gz_member(&gz, pc.p, a, 6);
	gz_member(&gz, pc.p + a, 0, 6);
	gz_member(&gz, pc.p + a, c - a, 1);
	gz_member(&gz, pc.p + c, pc.len - c, 9);
	static const uint8_t zeros[7];
	bb_put(&gz, zeros, sizeof(zeros));
	char *plain = tmp_write(pc.p, pc.len), *zpath = tmp_write(gz.p, gz.len);
	result_t want = read_all(plain, 1);

	static const size_t caps[] = { 0, 1, 2, 3, 5, 7, 10, 11, 18, 19, 20, 4096, 65537 };
	cf_inflater_t w[2];
	for (int i = 0, n = inflaters(w); i < n; i++) {
		cf_set_inflater(w[i]);
		for (size_t k = 0; k < sizeof(caps) / sizeof(caps[0]); k++) {
			cf_src_set_read_cap(caps[k]);
			result_t got = read_all(zpath, 1);
			if (got.rc != 0 || got.digest != want.digest)
				fprintf(stderr, "%s cap %zu: rc %d n %llu %s\n", inflater_name(w[i]),
				        caps[k], got.rc, (unsigned long long)got.n, got.msg);
			CU_ASSERT_EQUAL(got.rc, 0);
			CU_ASSERT_EQUAL(got.n, 200);
			CU_ASSERT_EQUAL(got.digest, want.digest);
		}
	}
	cf_src_set_read_cap(0);
	cf_set_inflater(CF_INFLATE_AUTO);
	rm(plain);
	rm(zpath);
	free(pc.p);
	free(gz.p);
}

/* 20 MB of records up to CF_MAX_CAPLEN in two members: both inflaters
 * give exactly the packets of the plain file. */
static void test_large_identical(void)
{
	bb_t pc = { 0 }, gz = { 0 };
	make_pcap(&pc, 3000, 3000, 1, NULL);
	gz_member(&gz, pc.p, pc.len / 2, 1);
	gz_member(&gz, pc.p + pc.len / 2, pc.len - pc.len / 2, 1);
	char *plain = tmp_write(pc.p, pc.len), *zpath = tmp_write(gz.p, gz.len);
	result_t want = read_all(plain, 1);
	CU_ASSERT_EQUAL(want.n, 3000);
	cf_inflater_t w[2];
	for (int i = 0, n = inflaters(w); i < n; i++) {
		cf_set_inflater(w[i]);
		result_t got = read_all(zpath, 1);
		CU_ASSERT_EQUAL(got.rc, 0);
		CU_ASSERT_EQUAL(got.n, 3000);
		CU_ASSERT_EQUAL(got.digest, want.digest);
	}
	cf_set_inflater(CF_INFLATE_AUTO);
	rm(plain);
	rm(zpath);
	free(pc.p);
	free(gz.p);
}

/* Find "compressed offset N" in @p msg. */
static long long zoffset_in(const char *msg)
{
	const char *s = strstr(msg, "compressed offset ");
	return s ? atoll(s + strlen("compressed offset ")) : -1;
}

static void test_corrupt(void)
{
	bb_t pc = { 0 }, gz = { 0 };
	size_t offs[400];
	make_pcap(&pc, 400, 900, 0, offs);
	size_t half = offs[200]; /* member 1 ends on a record boundary */
	gz_member(&gz, pc.p, half, 6);
	size_t m2 = gz.len;
	gz_member(&gz, pc.p + half, pc.len - half, 6);

	cf_inflater_t w[2];
	for (int i = 0, n = inflaters(w); i < n; i++) {
		cf_set_inflater(w[i]);

		/* Member 2's first deflate block gets the reserved type 11. */
		bb_t bad = { 0 };
		bb_put(&bad, gz.p, gz.len);
		bad.p[m2 + 10] |= 0x06;
		char *path = tmp_write(bad.p, bad.len);
		result_t got = read_all(path, 1);
		CU_ASSERT_EQUAL(got.open_rc, 0);
		CU_ASSERT_EQUAL(got.n, 200);
		CU_ASSERT_EQUAL(got.rc, DW_EGZIP);
		CU_ASSERT(strstr(got.msg, path) && strstr(got.msg, "corrupt gzip"));
		long long at = zoffset_in(got.msg);
		CU_ASSERT(at >= (long long)m2 && at <= (long long)m2 + 64);
		CU_ASSERT(strstr(got.msg, "uncompressed offset") != NULL);
		rm(path);

		/* A bad CRC: every packet comes out first, then the error. */
		bad.p[m2 + 10] = gz.p[m2 + 10];
		bad.p[bad.len - 6] ^= 0x55;
		path = tmp_write(bad.p, bad.len);
		got = read_all(path, 1);
		CU_ASSERT_EQUAL(got.n, 400);
		CU_ASSERT_EQUAL(got.rc, DW_EGZIP);
		rm(path);

		/* Bytes flipped anywhere in the deflate data: never a crash, and
		 * always an error (at the latest from the CRC check). */
		for (size_t k = 1; k < 8; k++) {
			memcpy(bad.p, gz.p, gz.len);
			size_t at2 = 10 + (gz.len - 20) * k / 8;
			bad.p[at2] ^= 0xa5;
			bad.p[at2 + 1] ^= 0x3c;
			path = tmp_write(bad.p, bad.len);
			got = read_all(path, 1);
			CU_ASSERT(got.open_rc < 0 || got.rc < 0);
			CU_ASSERT(got.n <= 400);
			rm(path);
		}

		/* Something other than a member after a member. */
		memcpy(bad.p, gz.p, gz.len);
		bb_put(&bad, "junk", 4);
		path = tmp_write(bad.p, bad.len);
		got = read_all(path, 1);
		CU_ASSERT_EQUAL(got.n, 400);
		CU_ASSERT_EQUAL(got.rc, DW_EGZIP);
		CU_ASSERT(strstr(got.msg, "trailing garbage") != NULL);
		CU_ASSERT_EQUAL(zoffset_in(got.msg), (long long)gz.len);
		rm(path);
		free(bad.p);
	}
	cf_set_inflater(CF_INFLATE_AUTO);
	free(pc.p);
	free(gz.p);
}

static void test_truncated(void)
{
	bb_t pc = { 0 }, gz = { 0 };
	make_pcap(&pc, 300, 900, 0, NULL);
	gz_member(&gz, pc.p, pc.len / 2, 6);
	size_t m2 = gz.len;
	gz_member(&gz, pc.p + pc.len / 2, pc.len - pc.len / 2, 6);
	const size_t cuts[] = { gz.len / 3, m2 + 5, m2 + 30, gz.len - 8, gz.len - 4, gz.len - 1 };

	cf_inflater_t w[2];
	for (int i = 0, n = inflaters(w); i < n; i++) {
		cf_set_inflater(w[i]);
		uint64_t prev = 0;
		for (size_t k = 0; k < sizeof(cuts) / sizeof(cuts[0]); k++) {
			char *path = tmp_write(gz.p, cuts[k]);
			result_t got = read_all(path, 1);
			char want[96];
			snprintf(want, sizeof(want), "gzip stream truncated at compressed offset %zu",
			         cuts[k]);
			if (got.rc != DW_ETRUNCFILE || !strstr(got.msg, want))
				fprintf(stderr, "%s cut %zu: rc %d %s\n", inflater_name(w[i]), cuts[k],
				        got.rc, got.msg);
			CU_ASSERT_EQUAL(got.open_rc, 0);
			CU_ASSERT_EQUAL(got.rc, DW_ETRUNCFILE);
			CU_ASSERT(strstr(got.msg, want) != NULL);
			CU_ASSERT(got.n >= prev && got.n <= 300);
			prev = got.n;
			rm(path);
		}
		CU_ASSERT(prev >= 299); /* cut in the trailer: everything decoded */

		/* Cut inside the very first gzip header: open cannot even start. */
		char *path = tmp_write(gz.p, 5);
		result_t got = read_all(path, 1);
		CU_ASSERT_EQUAL(got.open_rc, DW_ETRUNCFILE);
		rm(path);
	}
	cf_set_inflater(CF_INFLATE_AUTO);
	free(pc.p);
	free(gz.p);
}

static void test_empty_gzip(void)
{
	bb_t gz = { 0 };
	gz_member(&gz, NULL, 0, 6);
	gz_member(&gz, NULL, 0, 6);
	char *path = tmp_write(gz.p, gz.len);
	cf_inflater_t w[2];
	for (int i = 0, n = inflaters(w); i < n; i++) {
		cf_set_inflater(w[i]);
		result_t got = read_all(path, 1);
		CU_ASSERT_EQUAL(got.open_rc, DW_EFORMAT);
		CU_ASSERT(strstr(got.msg, "empty") != NULL);
	}
	cf_set_inflater(CF_INFLATE_AUTO);
	rm(path);
	free(gz.p);
}

/* gzip through a pipe on stdin, written in small pieces by a child. */
static void test_stdin_pipe(void)
{
	bb_t pc = { 0 }, gz = { 0 };
	make_pcap(&pc, 100, 1000, 0, NULL);
	gz_member(&gz, pc.p, pc.len / 2, 6);
	gz_member(&gz, pc.p + pc.len / 2, pc.len - pc.len / 2, 6);
	char *plain = tmp_write(pc.p, pc.len);
	result_t want = read_all(plain, 1);

	cf_inflater_t w[2];
	for (int i = 0, n = inflaters(w); i < n; i++) {
		cf_set_inflater(w[i]);
		int fds[2];
		CU_ASSERT_FATAL(pipe(fds) == 0);
		pid_t pid = fork();
		CU_ASSERT_FATAL(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			for (size_t off = 0; off < gz.len; off += 1000) {
				size_t k = gz.len - off < 1000 ? gz.len - off : 1000;
				if (write(fds[1], gz.p + off, k) != (ssize_t)k)
					_exit(1);
			}
			_exit(0);
		}
		close(fds[1]);
		int saved = dup(0);
		dup2(fds[0], 0);
		close(fds[0]);
		result_t got = read_all("-", 1);
		dup2(saved, 0);
		close(saved);
		int status;
		waitpid(pid, &status, 0);
		CU_ASSERT_EQUAL(got.open_rc, 0);
		CU_ASSERT_EQUAL(got.rc, 0);
		CU_ASSERT_EQUAL(got.n, 100);
		CU_ASSERT_EQUAL(got.digest, want.digest);
		CU_ASSERT_STRING_EQUAL(got.compression, "gzip");
	}
	cf_set_inflater(CF_INFLATE_AUTO);
	rm(plain);
	free(pc.p);
	free(gz.p);
}

static void test_inflater_choice(void)
{
	bb_t pc = { 0 }, gz = { 0 };
	make_pcap(&pc, 3, 100, 0, NULL);
	gz_member(&gz, pc.p, pc.len, 6);
	char *path = tmp_write(gz.p, gz.len);
	const char *dflt = cf_have_isal() ? "isal" : "zlib";

	CU_ASSERT_EQUAL(cf_set_inflater(CF_INFLATE_ISAL), cf_have_isal() ? 0 : DW_EINVAL);
	CU_ASSERT_EQUAL(cf_set_inflater((cf_inflater_t)7), DW_EINVAL);
	CU_ASSERT_EQUAL(cf_set_inflater(CF_INFLATE_AUTO), 0);
	unsetenv("ROOTLENS_INFLATE");
	CU_ASSERT_STRING_EQUAL(read_all(path, 1).inflater, dflt);
	setenv("ROOTLENS_INFLATE", "zlib", 1);
	CU_ASSERT_STRING_EQUAL(read_all(path, 1).inflater, "zlib");
	setenv("ROOTLENS_INFLATE", "isal", 1);
	CU_ASSERT_STRING_EQUAL(read_all(path, 1).inflater, dflt);
	/* An explicit choice wins over the environment. */
	setenv("ROOTLENS_INFLATE", "zlib", 1);
	if (cf_have_isal()) {
		cf_set_inflater(CF_INFLATE_ISAL);
		CU_ASSERT_STRING_EQUAL(read_all(path, 1).inflater, "isal");
		cf_set_inflater(CF_INFLATE_AUTO);
	}
	unsetenv("ROOTLENS_INFLATE");
	rm(path);
	free(pc.p);
	free(gz.p);
}

/* ---- conformance with tshark on real captures ------------------------ */

static const char *shared_pcaps(void)
{
	static const char *dirs[] = { "../shared/pcaps", "/work/shared/pcaps" };
	struct stat st;
	for (size_t i = 0; i < 2; i++)
		if (stat(dirs[i], &st) == 0 && S_ISDIR(st.st_mode))
			return dirs[i];
	return NULL;
}

static long tshark_count(const char *path)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "tshark -r '%s' -T fields -e frame.number 2>/dev/null | wc -l",
	         path);
	FILE *f = popen(cmd, "r");
	if (!f)
		return -1;
	long n = -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	pclose(f);
	return n;
}

static void test_conformance_tshark(void)
{
	const char *dir = shared_pcaps();
	if (!dir) {
		printf("\n  SKIP: no ../shared/pcaps or /work/shared/pcaps: conformance not checked\n");
		return;
	}
	int have_tshark = system("command -v tshark >/dev/null 2>&1") == 0;
	if (!have_tshark)
		printf("\n  SKIP: tshark not installed: counts not compared with tshark\n");

	char pcap[512], pcapng[512];
	snprintf(pcap, sizeof(pcap), "%s/compactor/knot-live.raw.pcap.gz", dir);
	snprintf(pcapng, sizeof(pcapng), "%s/compactor/knot-live.raw.pcapng.gz", dir);
	cf_inflater_t w[2];
	uint64_t digest = 0, n0 = 0;
	for (int i = 0, n = inflaters(w); i < n; i++) {
		cf_set_inflater(w[i]);
		result_t a = read_all(pcap, 1), b = read_all(pcapng, 1);
		CU_ASSERT_EQUAL(a.open_rc, 0);
		CU_ASSERT_EQUAL(b.open_rc, 0);
		CU_ASSERT_EQUAL(a.rc, 0);
		CU_ASSERT_EQUAL(b.rc, 0);
		/* The same traffic in both formats: the same packets. */
		CU_ASSERT_EQUAL(a.n, b.n);
		CU_ASSERT_EQUAL(a.digest, b.digest);
		CU_ASSERT(a.n > 1000);
		if (i == 0) {
			digest = a.digest;
			n0 = a.n;
		}
		CU_ASSERT_EQUAL(a.digest, digest);
		if (have_tshark && i == 0) {
			CU_ASSERT_EQUAL((long)a.n, tshark_count(pcap));
			CU_ASSERT_EQUAL((long)b.n, tshark_count(pcapng));
		}
	}
	(void)n0;
	cf_set_inflater(CF_INFLATE_AUTO);
}

static CU_TestInfo tests[] = {
	{ "single member, both inflaters", test_single_member },
	{ "multi-member at every read size", test_multi_member },
	{ "20 MB, both inflaters identical", test_large_identical },
	{ "corrupt gzip", test_corrupt },
	{ "truncated gzip", test_truncated },
	{ "empty gzip", test_empty_gzip },
	{ "stdin pipe", test_stdin_pipe },
	{ "inflater choice and environment", test_inflater_choice },
	{ "conformance with tshark (knot-live)", test_conformance_tshark },
	CU_TEST_INFO_NULL,
};

/* Every case twice: inflating on the prefetch thread (the default) and in
 * the caller's thread; the two paths must return the same packets and the
 * same errors at the same offsets. */
int main(void)
{
	cf_src_set_threads(1);
	int rc = cu_run("cf_gzip (inflate thread)", tests);
	cf_src_set_threads(0);
	rc |= cu_run("cf_gzip (inflate in caller)", tests);
	return rc;
}
