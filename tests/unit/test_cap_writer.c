/*
 * test_cap_writer.c - the writer thread end to end, fed through the ring
 * as the capture loop feeds it: files named after their period, renamed
 * when complete, manifests that agree with the files (packets, times,
 * SHA-256, members, drops, why each closed), and a write error leaving a
 * valid file whose manifest carries the error.
 */
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cap_read.h"
#include "cu_main.h"
#include "writer.h"

static char dir[] = "/tmp/rl_cap_wr_XXXXXX";
static const char *ifs[] = { "eth0" };

static void ctl(ring_t *r, uint32_t type, uint32_t reason, int64_t sec, uint32_t usec,
		uint64_t kdrops)
{
	wrec_ctl_t c = { 0 };
	c.type = type;
	c.reason = reason;
	c.at_sec = sec;
	c.at_usec = usec;
	c.drops.kernel = kdrops;
	void *p;
	while (!(p = ring_reserve(r, sizeof(c), 1)))
		usleep(1000);
	memcpy(p, &c, sizeof(c));
	ring_commit(r, sizeof(c));
}

static void pkt(ring_t *r, int64_t sec, uint32_t usec, uint32_t i)
{
	uint32_t len = 60 + i % 50;
	uint8_t *p;
	while (!(p = ring_reserve(r, sizeof(wrec_pkt_t) + len, 0)))
		usleep(1000);
	wrec_pkt_t h = { WREC_PKT, len, sec, usec, len };
	memcpy(p, &h, sizeof(h));
	for (uint32_t k = 0; k < len; k++)
		p[sizeof(h) + k] = (uint8_t)(i + k);
	ring_commit(r, sizeof(wrec_pkt_t) + len);
}

static json_t *manifest(const char *name)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s.json", dir, name);
	return json_load_file(p, 0, NULL);
}

/* The file and its manifest agree; @return its packet count. */
static long check_file(const char *name, const char *start, const char *end, const char *closed_by)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	json_t *m = manifest(name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(m, "schema")), "rootlens.capture/1");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(m, "server")), "x.root");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(m, "instance")), "lab");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(m, "phase")), "durz");
	json_t *per = json_object_get(m, "period");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(per, "start")), start);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(per, "end")), end);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(m, "closed_by")), closed_by);
	char sha[65];
	cr_sha256(p, sha);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(m, "sha256")), sha);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(m, "file_bytes")), cr_size(p));
	cr_file_t f;
	CU_ASSERT_EQUAL_FATAL(cr_read(p, &f), 0);
	CU_ASSERT_EQUAL(f.error, 0);
	CU_ASSERT_EQUAL(f.linktype, 1);
	long n = (long)json_integer_value(json_object_get(m, "packets"));
	CU_ASSERT_EQUAL((size_t)n, f.n);
	json_t *members = json_object_get(m, "members");
	size_t i;
	json_t *e;
	long sum = 0;
	json_array_foreach(members, i, e) {
		CU_ASSERT(cr_member_at(p, (uint64_t)json_integer_value(json_object_get(e, "offset"))));
		sum += (long)json_integer_value(json_object_get(e, "packets"));
	}
	CU_ASSERT_EQUAL(sum, n);
	if (f.n) {
		char t[64];
		time_t s = f.recs[0].sec;
		struct tm tm;
		gmtime_r(&s, &tm);
		strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(t + strlen(t), sizeof(t) - strlen(t), ".%06uZ", f.recs[0].usec);
		CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(m, "first_packet")), t);
	} else {
		CU_ASSERT(json_is_null(json_object_get(m, "first_packet")));
	}
	free(f.recs);
	json_decref(m);
	return n;
}

static int count_suffix(const char *suffix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;
	size_t sl = strlen(suffix);
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		n += l > sl && !strcmp(de->d_name + l - sl, suffix);
	}
	closedir(d);
	return n;
}

static wr_config_t config(int dirfd)
{
	wr_config_t c = { 0 };
	c.dirfd = dirfd;
	c.server = "x.root";
	c.instance = "lab";
	c.phase = "durz";
	c.host = "testhost";
	c.interfaces = ifs;
	c.ninterfaces = 1;
	c.linktype = 1;
	c.snaplen = 262144;
	c.filter = "port 53";
	c.gzip_level = 6;
	c.flush = 0.05;
	c.member_max = 0;
	return c;
}

static void rm_dir(void)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CU_ASSERT(system(cmd) == 0);
}

/* 2010-05-05T00:00:00Z */
#define T0 1273017600

static void test_rotation(void)
{
	strcpy(dir, "/tmp/rl_cap_wr_XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	ring_t *r = ring_new(1 << 20);
	wr_config_t cfg = config(dfd);
	char err[256];
	writer_t *w = wr_start(&cfg, r, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);

	/* window opens at T0+7.25; rotation every 600 s; a HUP at T0+1000.5 */
	ctl(r, WREC_NEWFILE, WR_CLOSE_ROTATION, T0 + 7, 250000, 0);
	uint32_t i = 0;
	for (; i < 5000; i++)
		pkt(r, T0 + 8 + i / 10, (i % 10) * 100000, i); /* up to T0+507.9 */
	usleep(200000); /* a flush interval passes: members end */
	ctl(r, WREC_NEWFILE, WR_CLOSE_ROTATION, T0 + 600, 0, 3);
	for (; i < 7000; i++)
		pkt(r, T0 + 100 + i / 10, (i % 10) * 100000, i); /* T0+800 .. T0+799.9 */
	ctl(r, WREC_NEWFILE, WR_CLOSE_HUP, T0 + 1000, 500000, 0);
	/* an empty file, then one ended by a signal */
	ctl(r, WREC_NEWFILE, WR_CLOSE_ROTATION, T0 + 1200, 0, 0);
	for (; i < 7100; i++)
		pkt(r, T0 + 1100 + i / 10, 0, i);
	ctl(r, WREC_END, WR_CLOSE_SIGNAL, T0 + 1810, 0, 0);
	wr_join(w);
	CU_ASSERT(!wr_failed(w));
	CU_ASSERT_EQUAL(wr_files(w), 4);
	CU_ASSERT_EQUAL(wr_packets(w), 7100);
	wr_free(w);

	CU_ASSERT_EQUAL(count_suffix(".part"), 0);
	CU_ASSERT_EQUAL(count_suffix(".tmp"), 0);
	CU_ASSERT_EQUAL(count_suffix(".pcap.gz"), 4);
	CU_ASSERT_EQUAL(check_file("20100505T000007Z.pcap.gz", "2010-05-05T00:00:07.250000Z",
				   "2010-05-05T00:10:00Z", "rotation"), 5000);
	CU_ASSERT_EQUAL(check_file("20100505T001000Z.pcap.gz", "2010-05-05T00:10:00Z",
				   "2010-05-05T00:16:40.500000Z", "hup"), 2000);
	CU_ASSERT_EQUAL(check_file("20100505T001640Z.pcap.gz", "2010-05-05T00:16:40.500000Z",
				   "2010-05-05T00:20:00Z", "rotation"), 0);
	CU_ASSERT_EQUAL(check_file("20100505T002000Z.pcap.gz", "2010-05-05T00:20:00Z",
				   "2010-05-05T00:30:10Z", "signal"), 100);
	/* drops reported for the file they happened in */
	json_t *m = manifest("20100505T000007Z.pcap.gz");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(m, "drops"), "kernel")), 3);
	/* the 200 ms pause: the first 5,000 packets were flushed in more than one member */
	CU_ASSERT(json_array_size(json_object_get(m, "members")) >= 2);
	json_decref(m);
	ring_free(r);
	close(dfd);
	rm_dir();
}

/* A file name in use (an earlier run in the same second) gets a suffix. */
static void test_name_taken(void)
{
	strcpy(dir, "/tmp/rl_cap_wr_XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	char p[512];
	snprintf(p, sizeof(p), "%s/20100505T000000Z.pcap.gz", dir);
	FILE *fp = fopen(p, "w");
	fputs("earlier", fp);
	fclose(fp);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	ring_t *r = ring_new(1 << 20);
	wr_config_t cfg = config(dfd);
	char err[256];
	writer_t *w = wr_start(&cfg, r, err, sizeof(err));
	ctl(r, WREC_NEWFILE, WR_CLOSE_ROTATION, T0, 0, 0);
	pkt(r, T0, 1, 1);
	ctl(r, WREC_END, WR_CLOSE_WINDOW_END, T0 + 5, 0, 0);
	wr_join(w);
	CU_ASSERT(!wr_failed(w));
	wr_free(w);
	CU_ASSERT_EQUAL(cr_size(p), 7); /* untouched */
	CU_ASSERT_EQUAL(check_file("20100505T000000Z-1.pcap.gz", "2010-05-05T00:00:00Z",
				   "2010-05-05T00:00:05Z", "window end"), 1);
	ring_free(r);
	close(dfd);
	rm_dir();
}

/* Writes fail (file size limit, as a full disk): the file is cut back to
 * its complete members, renamed, and its manifest names the error. */
static void test_write_error(void)
{
	strcpy(dir, "/tmp/rl_cap_wr_XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	ring_t *r = ring_new(4 << 20);
	wr_config_t cfg = config(dfd);
	cfg.flush = 0.01;
	struct rlimit old, lim;
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = 20000;
	signal(SIGXFSZ, SIG_IGN);
	CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_FSIZE, &lim), 0);
	char err[256];
	writer_t *w = wr_start(&cfg, r, err, sizeof(err));
	ctl(r, WREC_NEWFILE, WR_CLOSE_ROTATION, T0, 0, 0);
	uint32_t i = 0;
	while (!wr_failed(w) && i < 2000000) {
		pkt(r, T0 + i / 1000, i % 1000, i);
		if (++i % 500 == 0)
			usleep(20000);
	}
	wr_join(w);
	setrlimit(RLIMIT_FSIZE, &old);
	CU_ASSERT(wr_failed(w));
	CU_ASSERT(strstr(wr_error(w), "20100505T000000Z.pcap.gz") != NULL);
	wr_free(w);
	CU_ASSERT_EQUAL(count_suffix(".part"), 0);
	json_t *m = manifest("20100505T000000Z.pcap.gz");
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT(json_is_string(json_object_get(m, "error")));
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(m, "closed_by")), "error");
	CU_ASSERT(json_integer_value(json_object_get(m, "packets")) > 0);
	json_decref(m);
	/* the file agrees with its manifest and reads to its end */
	char p[512];
	snprintf(p, sizeof(p), "%s/20100505T000000Z.pcap.gz", dir);
	CU_ASSERT(cr_size(p) <= 20000);
	cr_file_t f;
	CU_ASSERT_EQUAL(cr_read(p, &f), 0);
	CU_ASSERT_EQUAL(f.error, 0);
	free(f.recs);
	ring_free(r);
	close(dfd);
	rm_dir();
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "rotation, HUP, empty file, signal", test_rotation },
		{ "taken name gets a suffix", test_name_taken },
		{ "write error leaves a valid file", test_write_error },
		CU_TEST_INFO_NULL,
	};
	return cu_run("cap_writer", tests);
}
