/*
 * test_ar_proto.c - framing of `archive submit --to` / `archive receive`:
 * header and answer lines encode and decode to the same values, bad lines
 * are refused with a reason, and the buffered reader hands out lines and
 * raw bytes in order however the writer cut them.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ar_proto.h"
#include "cu_main.h"
#include "rootlens/errcode.h"

static const char SHA[] = "d219a50a0a540da3c5608eed03166ff1d43e2b4f96b5c10c383eeff86dba4325";

static void strip_nl(char *s)
{
	size_t n = strlen(s);
	CU_ASSERT_FATAL(n > 0 && s[n - 1] == '\n');
	s[n - 1] = '\0';
	CU_ASSERT(strchr(s, '\n') == NULL); /* one line */
}

static void test_header_roundtrip(void)
{
	ar_hdr_t h, g;
	char line[AR_LINE_MAX], err[256];

	for (int with_phase = 0; with_phase < 2; with_phase++) {
		memset(&h, 0, sizeof(h));
		strcpy(h.file, "20100505T000000Z.pcap.gz");
		strcpy(h.server, "k.root-servers.net");
		strcpy(h.instance, "ams\"1\\");
		if ((h.have_phase = with_phase))
			strcpy(h.phase, "durz \xc3\xa9");
		h.size = 0x123456789abull;
		strcpy(h.sha256, SHA);
		h.manifest_size = 4321;
		int n = ar_hdr_encode(&h, line, sizeof(line));
		CU_ASSERT_FATAL(n > 0 && (size_t)n == strlen(line));
		strip_nl(line);
		CU_ASSERT_FATAL(ar_hdr_decode(line, &g, err, sizeof(err)) == 0);
		CU_ASSERT(memcmp(&h, &g, sizeof(h)) == 0);
	}
	/* no room: refused, not cut */
	CU_ASSERT(ar_hdr_encode(&h, line, 20) == DW_ETOOBIG);
}

static int decode_fails(const char *line, const char *needle)
{
	ar_hdr_t h;
	char err[256] = "";
	int rc = ar_hdr_decode(line, &h, err, sizeof(err));
	if (rc != DW_EFORMAT || !strstr(err, needle))
		fprintf(stderr, "'%s': rc %d err '%s'\n", line, rc, err);
	return rc == DW_EFORMAT && strstr(err, needle);
}

static void test_header_bad(void)
{
	char line[1024];
#define HDR(extra) "{\"file\":\"f\",\"server\":\"s\",\"instance\":\"i\",\"phase\":null," extra
	snprintf(line, sizeof(line), HDR("\"size\":1,\"sha256\":\"%s\",\"manifest_size\":0}"), SHA);
	ar_hdr_t h;
	char err[256];
	CU_ASSERT(ar_hdr_decode(line, &h, err, sizeof(err)) == 0 && !h.have_phase && h.size == 1);

	CU_ASSERT(decode_fails("not json", "not JSON"));
	CU_ASSERT(decode_fails("[1,2]", "not a JSON object"));
	CU_ASSERT(decode_fails("{}", "file"));
	snprintf(line, sizeof(line), HDR("\"size\":-1,\"sha256\":\"%s\",\"manifest_size\":0}"), SHA);
	CU_ASSERT(decode_fails(line, "size"));
	snprintf(line, sizeof(line), HDR("\"size\":\"1\",\"sha256\":\"%s\",\"manifest_size\":0}"), SHA);
	CU_ASSERT(decode_fails(line, "size"));
	snprintf(line, sizeof(line), HDR("\"size\":1,\"sha256\":\"%s\"}"), SHA);
	CU_ASSERT(decode_fails(line, "manifest_size"));
	CU_ASSERT(decode_fails(HDR("\"size\":1,\"sha256\":\"abc\",\"manifest_size\":0}"), "sha256"));
	char upper[65];
	for (int i = 0; i < 65; i++)
		upper[i] = (char)(SHA[i] >= 'a' && SHA[i] <= 'f' ? SHA[i] - 32 : SHA[i]);
	snprintf(line, sizeof(line), HDR("\"size\":1,\"sha256\":\"%s\",\"manifest_size\":0}"), upper);
	CU_ASSERT(decode_fails(line, "sha256"));
	/* a name longer than the archive allows never reaches the checks */
	char longname[AR_NAME_MAX + 2];
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	snprintf(line, sizeof(line), "{\"file\":\"%s\",\"server\":\"s\",\"instance\":\"i\","
		 "\"size\":1,\"sha256\":\"%s\",\"manifest_size\":0}", longname, SHA);
	CU_ASSERT(decode_fails(line, "too long"));
	/* an embedded NUL cannot hide the rest of a name */
	snprintf(line, sizeof(line), "{\"file\":\"a\\u0000/../x\",\"server\":\"s\",\"instance\":"
		 "\"i\",\"size\":1,\"sha256\":\"%s\",\"manifest_size\":0}", SHA);
	CU_ASSERT(decode_fails(line, "NUL"));
	/* duplicate keys: which one would count? */
	snprintf(line, sizeof(line), "{\"file\":\"a\",\"file\":\"b\",\"server\":\"s\",\"instance\":"
		 "\"i\",\"size\":1,\"sha256\":\"%s\",\"manifest_size\":0}", SHA);
	CU_ASSERT(decode_fails(line, "not JSON"));
	snprintf(line, sizeof(line), HDR("\"size\":1,\"sha256\":\"%s\",\"manifest_size\":0}"), SHA);
	char *p = strstr(line, "null");
	memcpy(p, "1234", 4);
	CU_ASSERT(decode_fails(line, "phase"));
#undef HDR
}

static void test_answers(void)
{
	ar_ans_t a, b;
	char line[AR_LINE_MAX], err[256];
	static const char *const st[] = { "send", "stored", "exists", "refused", "failed" };
	for (int i = 0; i < 5; i++) {
		memset(&a, 0, sizeof(a));
		strcpy(a.file, "x.pcap.gz");
		strcpy(a.status, st[i]);
		if (i == 1 || i == 2)
			strcpy(a.sha256, SHA);
		if (i >= 3)
			strcpy(a.error, "x.pcap.gz: checksum mismatch: \"quoted\"\n second line");
		CU_ASSERT_FATAL(ar_ans_encode(&a, line, sizeof(line)) > 0);
		strip_nl(line);
		CU_ASSERT_FATAL(ar_ans_decode(line, &b, err, sizeof(err)) == 0);
		CU_ASSERT(memcmp(&a, &b, sizeof(a)) == 0);
	}
	CU_ASSERT(ar_ans_decode("{\"file\":\"x\",\"status\":\"maybe\"}", &b, err, sizeof(err)) ==
		  DW_EFORMAT);
	CU_ASSERT(strstr(err, "maybe") != NULL);
	CU_ASSERT(ar_ans_decode("{\"status\":\"stored\"}", &b, err, sizeof(err)) == DW_EFORMAT);
}

static void test_hello(void)
{
	char line[256], err[512];
	CU_ASSERT_FATAL(ar_hello_encode(line, sizeof(line)) > 0);
	strip_nl(line);
	CU_ASSERT(ar_hello_check(line, err, sizeof(err)) == 0);
	CU_ASSERT(strstr(line, AR_PROTOCOL) != NULL);
	/* what a login banner or a wrong program says is shown */
	CU_ASSERT(ar_hello_check("Welcome to host!", err, sizeof(err)) == DW_EFORMAT);
	CU_ASSERT(strstr(err, "Welcome to host!") != NULL);
	CU_ASSERT(ar_hello_check("{\"protocol\":\"rootlens-archive/9\"}", err, sizeof(err)) ==
		  DW_EFORMAT);
	CU_ASSERT(strstr(err, "rootlens-archive/9") != NULL);
}

/* A writer thread that sends @p len bytes in pieces of 1, 2, 3, ... bytes. */
typedef struct feeder {
	int fd;
	const unsigned char *p;
	size_t len;
} feeder_t;

static void *feed(void *arg)
{
	feeder_t *f = arg;
	size_t k = 1;
	while (f->len) {
		size_t n = k < f->len ? k : f->len;
		if (write(f->fd, f->p, n) != (ssize_t)n)
			break;
		f->p += n;
		f->len -= n;
		k = k % 97 + 1;
	}
	close(f->fd);
	return NULL;
}

static void test_reader(void)
{
	/* line, 200000 raw bytes, line, 3 raw bytes, a line cut by the end */
	size_t blob = 200000, total = 0;
	unsigned char *msg = malloc(blob + 100);
	CU_ASSERT_FATAL(msg != NULL);
	memcpy(msg, "first line\n", 11);
	total = 11;
	for (size_t i = 0; i < blob; i++)
		msg[total + i] = (unsigned char)(i * 7 + (i >> 9)); /* with '\n' bytes in it */
	total += blob;
	memcpy(msg + total, "second\nabcpartial", 17);
	total += 17;

	int p[2];
	CU_ASSERT_FATAL(pipe(p) == 0);
	feeder_t f = { p[1], msg, total };
	pthread_t tid;
	CU_ASSERT_FATAL(pthread_create(&tid, NULL, feed, &f) == 0);

	static ar_rd_t rd;
	char line[64];
	unsigned char *got = malloc(blob);
	CU_ASSERT_FATAL(got != NULL);
	ar_rd_init(&rd, p[0]);
	CU_ASSERT(ar_rd_line(&rd, line, sizeof(line)) == 1 && !strcmp(line, "first line"));
	CU_ASSERT(ar_rd_exact(&rd, got, blob) == 0);
	CU_ASSERT(memcmp(got, msg + 11, blob) == 0);
	CU_ASSERT(ar_rd_line(&rd, line, sizeof(line)) == 1 && !strcmp(line, "second"));
	CU_ASSERT(ar_rd_exact(&rd, got, 3) == 0 && !memcmp(got, "abc", 3));
	CU_ASSERT(ar_rd_line(&rd, line, sizeof(line)) == DW_ETRUNC);
	CU_ASSERT(!strcmp(line, "partial"));
	CU_ASSERT(ar_rd_line(&rd, line, sizeof(line)) == 0);
	CU_ASSERT(ar_rd_exact(&rd, got, 1) == DW_ETRUNC);
	pthread_join(tid, NULL);
	close(p[0]);

	/* a line longer than the caller's buffer */
	CU_ASSERT_FATAL(pipe(p) == 0);
	CU_ASSERT(write(p[1], "0123456789abcdef\n", 17) == 17);
	close(p[1]);
	ar_rd_init(&rd, p[0]);
	CU_ASSERT(ar_rd_line(&rd, line, 8) == DW_ETOOBIG);
	close(p[0]);
	free(got);
	free(msg);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "header round trip", test_header_roundtrip },
		{ "bad headers", test_header_bad },
		{ "answers", test_answers },
		{ "greeting", test_hello },
		{ "lines and bytes", test_reader },
		CU_TEST_INFO_NULL,
	};
	return cu_run("ar_proto", tests);
}
