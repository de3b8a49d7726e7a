/*
 * test_ar_store.c - storing into the archive: a file is stored once and
 * found identical after ("exists"), a different file under a stored name
 * or phase is refused and the stored one left alone, checksums and sizes
 * are checked against the manifest and what was announced, no name or
 * label reaches outside the archive, nothing partial is ever visible
 * (damaged data, a short stream, a cancelled copy, concurrent submits of
 * the same and of different files), a manifest lost after its data file is
 * put back, old temporary files are removed, and an archive the user
 * cannot write fails cleanly.
 */
#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "ar_store.h"
#include "cf_build.h"
#include "rootlens/errcode.h"

static char top[] = "/tmp/rl_ar_store_XXXXXX";
static char root[256];

/* A small classic pcap; @p seed makes different files. */
static void make_pcap(bb_t *b, uint32_t seed, uint32_t npkt)
{
	memset(b, 0, sizeof(*b));
	bb_u32(b, 0xa1b2c3d4);
	bb_u16(b, 2);
	bb_u16(b, 4);
	bb_u32(b, 0);
	bb_u32(b, 0);
	bb_u32(b, 65535);
	bb_u32(b, 101);
	for (uint32_t i = 0; i < npkt; i++) {
		uint32_t len = 28 + (i * 5 + seed) % 300;
		bb_u32(b, 1273017600 + i);
		bb_u32(b, (i * 37 + seed) % 1000000);
		bb_u32(b, len);
		bb_u32(b, len);
		for (uint32_t j = 0; j < len; j++) {
			uint8_t v = pat(i + seed, j);
			bb_put(b, &v, 1);
		}
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

/* Data from memory, @p chunk bytes a read; cancels after @p cancel_at. */
typedef struct src {
	const uint8_t *p;
	size_t len, off, chunk;
	size_t cancel_at;
	volatile sig_atomic_t *cancel;
	int fail_at; /* read number that fails with EIO; 0: none */
	int reads;
} src_t;

static ssize_t src_read(void *ctx, void *buf, size_t n)
{
	src_t *s = ctx;
	if (s->fail_at && ++s->reads == s->fail_at) {
		errno = EIO;
		return -1;
	}
	if (s->cancel && s->off >= s->cancel_at)
		*s->cancel = 1;
	size_t k = s->len - s->off;
	if (k > n)
		k = n;
	if (s->chunk && k > s->chunk)
		k = s->chunk;
	memcpy(buf, s->p + s->off, k);
	s->off += k;
	return (ssize_t)k;
}

static ar_archive_t *arch;

static int setup(void)
{
	if (!mkdtemp(top))
		return -1;
	snprintf(root, sizeof(root), "%s/A", top);
	char err[256];
	if (mkdir(root, 0755) < 0 || ar_archive_open(&arch, root, err, sizeof(err)) < 0)
		return -1;
	return 0;
}

static int teardown(void)
{
	ar_archive_close(arch);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "chmod -R u+w %s; rm -rf %s", top, top);
	return system(cmd) == 0 ? 0 : -1;
}

static ar_sub_t sub_of(const char *name, const char *server, const char *instance,
		       const char *phase, src_t *s)
{
	ar_sub_t sub;
	memset(&sub, 0, sizeof(sub));
	sub.name = name;
	sub.server = server;
	sub.instance = instance;
	sub.phase = phase;
	sub.size = AR_SIZE_UNKNOWN;
	sub.read = src_read;
	sub.read_ctx = s;
	return sub;
}

static ar_status_t put(const char *name, const char *server, const char *instance,
		       const char *phase, const bb_t *b, ar_result_t *res)
{
	src_t s = { b->p, b->len, 0, 0, 0, NULL, 0, 0 };
	ar_sub_t sub = sub_of(name, server, instance, phase, &s);
	return ar_submit(arch, &sub, res);
}

/* Names in a directory, hidden ones too, except "." and "..", sorted,
 * joined by spaces. */
static void listing(const char *dir, char *out, size_t cap)
{
	char *names[256];
	int n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	out[0] = '\0';
	if (!d)
		return;
	while ((e = readdir(d)) && n < 256)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			names[n++] = strdup(e->d_name);
	closedir(d);
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (strcmp(names[j], names[i]) < 0) {
				char *t = names[i];
				names[i] = names[j];
				names[j] = t;
			}
	for (int i = 0; i < n; i++) {
		if (i)
			strncat(out, " ", cap - strlen(out) - 1);
		strncat(out, names[i], cap - strlen(out) - 1);
		free(names[i]);
	}
}

/* The file DIR/rel holds exactly @p b. */
static int holds(const char *rel, const bb_t *b)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	uint8_t *got = malloc(b->len + 1);
	size_t n = fread(got, 1, b->len + 1, f);
	fclose(f);
	int ok = n == b->len && !memcmp(got, b->p, n);
	free(got);
	return ok;
}

static char *slurp(const char *rel, size_t *len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = calloc(1, 1 << 16);
	*len = fread(buf, 1, (1 << 16) - 1, f);
	fclose(f);
	return buf;
}

static void test_store_then_exists(void)
{
	bb_t b, c;
	ar_result_t res;
	char want[65], ls[1024];
	struct stat st1, st2;
	char path[512];

	make_pcap(&b, 1, 50);
	sha_hex(b.p, b.len, want);
	CU_ASSERT_FATAL(put("w1.pcap", "k.root", "ams", "durz", &b, &res) == AR_STORED);
	CU_ASSERT(!strcmp(res.sha256, want) && res.bytes == b.len);
	CU_ASSERT(!strcmp(res.where, "k.root/ams/w1.pcap"));
	CU_ASSERT(holds("k.root/ams/w1.pcap", &b));
	snprintf(path, sizeof(path), "%s/k.root/ams", root);
	listing(path, ls, sizeof(ls));
	CU_ASSERT_STRING_EQUAL(ls, ".lock w1.pcap w1.pcap.json"); /* no temporaries left */
	snprintf(path, sizeof(path), "%s/k.root/ams/w1.pcap", root);
	CU_ASSERT(stat(path, &st1) == 0 && (st1.st_mode & 0222) == 0); /* read-only */

	/* the manifest the archive wrote */
	size_t mlen;
	char *m = slurp("k.root/ams/w1.pcap.json", &mlen);
	ar_manifest_t man;
	char err[256];
	CU_ASSERT_FATAL(m && ar_manifest_parse(m, mlen, &man, err, sizeof(err)) == 0);
	CU_ASSERT(!strcmp(man.server, "k.root") && !strcmp(man.instance, "ams"));
	CU_ASSERT(!strcmp(man.phase, "durz") && !strcmp(man.sha256, want));
	CU_ASSERT(man.packets == 50 && man.file_bytes == (int64_t)b.len && man.archive_made);
	CU_ASSERT(man.have_time && !strcmp(man.first_packet, "2010-05-05T00:00:00.000001Z"));
	CU_ASSERT(!strcmp(json_string_value(json_object_get(man.doc, "format")), "pcap"));
	ar_manifest_free(&man);

	/* again: nothing changes */
	CU_ASSERT(put("w1.pcap", "k.root", "ams", "durz", &b, &res) == AR_EXISTS);
	CU_ASSERT(!strcmp(res.sha256, want));
	CU_ASSERT(stat(path, &st2) == 0 && st2.st_ino == st1.st_ino);
	size_t mlen2;
	char *m2 = slurp("k.root/ams/w1.pcap.json", &mlen2);
	CU_ASSERT(m2 && mlen2 == mlen && !memcmp(m, m2, mlen));
	free(m2);

	/* the same bytes under another phase, a different file under the name */
	CU_ASSERT(put("w1.pcap", "k.root", "ams", NULL, &b, &res) == AR_REFUSED);
	CU_ASSERT(strstr(res.err, "phase") != NULL);
	make_pcap(&c, 2, 50);
	CU_ASSERT(put("w1.pcap", "k.root", "ams", "durz", &c, &res) == AR_REFUSED);
	CU_ASSERT(strstr(res.err, "different file") && strstr(res.err, want));
	CU_ASSERT(holds("k.root/ams/w1.pcap", &b));
	listing(path, ls, sizeof(ls)); /* path: the file; its directory: */
	snprintf(path, sizeof(path), "%s/k.root/ams", root);
	listing(path, ls, sizeof(ls));
	CU_ASSERT_STRING_EQUAL(ls, ".lock w1.pcap w1.pcap.json");
	free(m);
	free(b.p);
	free(c.p);
}

/* A capture manifest for @p b, with @p sha (NULL: the right one). */
static char *manifest_for(const bb_t *b, const char *server, const char *instance,
			  const char *sha, long long packets)
{
	char want[65];
	char *m = malloc(1024);
	sha_hex(b->p, b->len, want);
	snprintf(m, 1024, "{\"schema\":\"rootlens.capture/1\",\"server\":\"%s\",\"instance\":\"%s\","
		 "\"phase\":\"p1\",\"first_packet\":\"2010-05-05T00:00:00.000001Z\","
		 "\"last_packet\":\"2010-05-05T00:00:09.000338Z\",\"packets\":%lld,"
		 "\"file_bytes\":%zu,\"sha256\":\"%s\",\"members\":[]}\n", server, instance, packets,
		 b->len, sha ? sha : want);
	return m;
}

static void test_with_manifest(void)
{
	bb_t b;
	ar_result_t res;
	src_t s;
	make_pcap(&b, 3, 10);

	char *m = manifest_for(&b, "k.root", "lhr", NULL, 10);
	s = (src_t){ b.p, b.len, 0, 0, 0, NULL, 0, 0 };
	ar_sub_t sub = sub_of("w2.pcap", "k.root", "lhr", "p1", &s);
	sub.manifest = m;
	sub.manifest_len = strlen(m);
	CU_ASSERT_FATAL(ar_submit(arch, &sub, &res) == AR_STORED);
	size_t len;
	char *stored = slurp("k.root/lhr/w2.pcap.json", &len);
	CU_ASSERT(stored && len == strlen(m) && !memcmp(stored, m, len)); /* byte for byte */
	free(stored);
	/* again, same manifest: exists; a changed manifest: refused */
	s.off = 0;
	CU_ASSERT(ar_submit(arch, &sub, &res) == AR_EXISTS);
	char *m2 = manifest_for(&b, "k.root", "lhr", NULL, 10);
	m2[strlen(m2) - 2] = ' '; /* "}\n" -> " \n": the same JSON, other bytes */
	strcat(m2, "}");
	s.off = 0;
	sub.manifest = m2;
	sub.manifest_len = strlen(m2);
	CU_ASSERT(ar_submit(arch, &sub, &res) == AR_REFUSED);
	CU_ASSERT(strstr(res.err, "different manifest") != NULL);
	free(m2);
	free(m);

	/* wrong checksum, size, packet count: refused, nothing stored */
	static const char zero[] = "0000000000000000000000000000000000000000000000000000000000000000";
	for (int k = 0; k < 3; k++) {
		bb_t b2;
		make_pcap(&b2, 4, 10);
		char *bad = manifest_for(&b2, "k.root", "lhr", k == 0 ? zero : NULL, k == 2 ? 11 : 10);
		if (k == 1) {
			char *p = strstr(bad, "\"file_bytes\":");
			p[13] = '9';
		}
		s = (src_t){ b2.p, b2.len, 0, 0, 0, NULL, 0, 0 };
		ar_sub_t sb = sub_of("w3.pcap", "k.root", "lhr", "p1", &s);
		sb.manifest = bad;
		sb.manifest_len = strlen(bad);
		CU_ASSERT(ar_submit(arch, &sb, &res) == AR_REFUSED);
		CU_ASSERT(strstr(res.err, k == 0 ? "checksum mismatch" : k == 1 ? "bytes" : "packets") != NULL);
		free(bad);
		free(b2.p);
	}
	char path[512], ls[1024];
	snprintf(path, sizeof(path), "%s/k.root/lhr", root);
	listing(path, ls, sizeof(ls));
	CU_ASSERT_STRING_EQUAL(ls, ".lock w2.pcap w2.pcap.json");

	/* labels: the manifest's win only when the command line agrees */
	ar_manifest_t man;
	const char *sv, *in, *ph;
	char err[256];
	m = manifest_for(&b, "k.root", "lhr", NULL, 10);
	CU_ASSERT_FATAL(ar_manifest_parse(m, strlen(m), &man, err, sizeof(err)) == 0);
	CU_ASSERT(ar_labels_resolve(&man, NULL, NULL, NULL, &sv, &in, &ph, err, sizeof(err)) == 0);
	CU_ASSERT(!strcmp(sv, "k.root") && !strcmp(in, "lhr") && !strcmp(ph, "p1"));
	CU_ASSERT(ar_labels_resolve(&man, "k.root", "lhr", "p1", &sv, &in, &ph, err, sizeof(err)) == 0);
	CU_ASSERT(ar_labels_resolve(&man, "j.root", NULL, NULL, &sv, &in, &ph, err, sizeof(err)) < 0);
	CU_ASSERT(strstr(err, "j.root") && strstr(err, "k.root"));
	CU_ASSERT(ar_labels_resolve(&man, NULL, NULL, "p2", &sv, &in, &ph, err, sizeof(err)) < 0);
	CU_ASSERT(ar_labels_resolve(NULL, "s", NULL, NULL, &sv, &in, &ph, err, sizeof(err)) < 0);
	CU_ASSERT(strstr(err, "--instance") != NULL);
	ar_manifest_free(&man);
	free(m);
	/* a manifest naming a place outside the archive */
	m = manifest_for(&b, "../../etc", "lhr", NULL, 10);
	CU_ASSERT_FATAL(ar_manifest_parse(m, strlen(m), &man, err, sizeof(err)) == 0);
	CU_ASSERT(ar_labels_resolve(&man, NULL, NULL, NULL, &sv, &in, &ph, err, sizeof(err)) < 0);
	ar_manifest_free(&man);
	free(m);
	free(b.p);
}

static void test_bad_names_stay_inside(void)
{
	bb_t b;
	ar_result_t res;
	char ls[1024], before[1024];
	static const char *const bad[][3] = {
		{ "../x.pcap", "s", "i" }, { "x.pcap", "..", "i" }, { "x.pcap", "s", ".." },
		{ "x.pcap", "../..", "i" }, { "x.pcap", "s", "../../../tmp" }, { "..", "s", "i" },
		{ ".x.pcap", "s", "i" }, { "x.pcap", ".s", "i" }, { "x.pcap", "s", "-i" },
		{ "a/b.pcap", "s", "i" }, { "x.pcap.json", "s", "i" }, { "x.pcap", "s\n", "i" },
		{ "", "s", "i" }, { "x.pcap", "", "i" },
	};
	make_pcap(&b, 5, 3);
	listing(top, before, sizeof(before));
	char r0[1024];
	listing(root, r0, sizeof(r0));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT(put(bad[i][0], bad[i][1], bad[i][2], NULL, &b, &res) == AR_REFUSED);
		CU_ASSERT(res.err[0] != '\0');
	}
	CU_ASSERT(put("x.pcap", "s", "i", "a\x01", &b, &res) == AR_REFUSED);
	listing(top, ls, sizeof(ls));
	CU_ASSERT_STRING_EQUAL(ls, before);
	listing(root, ls, sizeof(ls));
	CU_ASSERT_STRING_EQUAL(ls, r0); /* nothing created, not even directories */
	free(b.p);
}

static void test_partial_never_visible(void)
{
	bb_t b;
	ar_result_t res;
	char ls[1024], path[512];
	volatile sig_atomic_t cancel = 0;

	make_pcap(&b, 6, 2000);
	snprintf(path, sizeof(path), "%s/p/i", root);

	/* damaged: the last record cut */
	src_t s = { b.p, b.len - 10, 0, 0, 0, NULL, 0, 0 };
	ar_sub_t sub = sub_of("w.pcap", "p", "i", NULL, &s);
	CU_ASSERT(ar_submit(arch, &sub, &res) == AR_REFUSED);
	CU_ASSERT(strstr(res.err, "w.pcap") != NULL);
	CU_ASSERT(strstr(res.err, ".tmp.") == NULL); /* the user's name, not the temporary's */
	listing(path, ls, sizeof(ls));
	CU_ASSERT_STRING_EQUAL(ls, "");

	/* a stream shorter than announced, a checksum other than announced */
	char want[65];
	sha_hex(b.p, b.len, want);
	s = (src_t){ b.p, b.len / 2, 0, 0, 0, NULL, 0, 0 };
	sub.size = b.len;
	CU_ASSERT(ar_submit(arch, &sub, &res) == AR_REFUSED);
	CU_ASSERT(strstr(res.err, "ended after") != NULL);
	s = (src_t){ b.p, b.len, 0, 0, 0, NULL, 0, 0 };
	sub.size = b.len - 1;
	CU_ASSERT(ar_submit(arch, &sub, &res) == AR_REFUSED);
	CU_ASSERT(strstr(res.err, "more than") != NULL);
	sub.size = b.len;
	char other[65];
	memcpy(other, want, 65);
	other[0] = other[0] == 'a' ? 'b' : 'a';
	sub.sha256 = other;
	s = (src_t){ b.p, b.len, 0, 0, 0, NULL, 0, 0 };
	CU_ASSERT(ar_submit(arch, &sub, &res) == AR_REFUSED);
	CU_ASSERT(strstr(res.err, "checksum mismatch") != NULL);
	/* a read error of the source */
	sub.sha256 = NULL;
	s = (src_t){ b.p, b.len, 0, 1000, 0, NULL, 3, 0 };
	CU_ASSERT(ar_submit(arch, &sub, &res) == AR_REFUSED);
	CU_ASSERT(strstr(res.err, "reading failed") != NULL);
	/* cancelled half way (a signal in the command) */
	s = (src_t){ b.p, b.len, 0, 4096, b.len / 2, &cancel, 0, 0 };
	sub.cancel = &cancel;
	CU_ASSERT(ar_submit(arch, &sub, &res) == AR_REFUSED);
	CU_ASSERT(strstr(res.err, "interrupted") != NULL);
	listing(path, ls, sizeof(ls));
	CU_ASSERT_STRING_EQUAL(ls, "");
	/* and then it goes in */
	cancel = 0;
	s = (src_t){ b.p, b.len, 0, 0, 0, NULL, 0, 0 };
	sub.sha256 = want;
	CU_ASSERT(ar_submit(arch, &sub, &res) == AR_STORED);
	CU_ASSERT(holds("p/i/w.pcap", &b));
	listing(path, ls, sizeof(ls));
	CU_ASSERT_STRING_EQUAL(ls, ".lock w.pcap w.pcap.json");
	free(b.p);
}

/* N processes submit at once; each exits with its status. */
static void race(const bb_t *const *files, int n, const char *name, int *counts)
{
	pid_t pid[16];
	for (int k = 0; k < n; k++) {
		fflush(NULL);
		pid[k] = fork();
		CU_ASSERT_FATAL(pid[k] >= 0);
		if (pid[k] == 0) {
			ar_result_t res;
			/* small reads: the copies overlap */
			src_t s = { files[k]->p, files[k]->len, 0, 1500, 0, NULL, 0, 0 };
			ar_sub_t sub = sub_of(name, "race", "i", NULL, &s);
			_exit((int)ar_submit(arch, &sub, &res));
		}
	}
	memset(counts, 0, 4 * sizeof(int));
	for (int k = 0; k < n; k++) {
		int st;
		CU_ASSERT(waitpid(pid[k], &st, 0) == pid[k]);
		CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) <= AR_FAILED);
		if (WIFEXITED(st) && WEXITSTATUS(st) <= AR_FAILED)
			counts[WEXITSTATUS(st)]++;
	}
}

static void test_concurrent(void)
{
	bb_t a, b;
	int counts[4];
	char ls[1024], path[512];
	make_pcap(&a, 7, 3000);
	make_pcap(&b, 8, 3000);
	snprintf(path, sizeof(path), "%s/race/i", root);

	for (int round = 0; round < 3; round++) {
		char name[32];
		snprintf(name, sizeof(name), "same%d.pcap", round);
		const bb_t *files[8] = { &a, &a, &a, &a, &a, &a, &a, &a };
		race(files, 8, name, counts);
		/* one stores, the others find it */
		CU_ASSERT(counts[AR_STORED] == 1 && counts[AR_EXISTS] == 7);
		snprintf(path, sizeof(path), "race/i/%s", name);
		CU_ASSERT(holds(path, &a));

		/* different files under one name: one wins, whole */
		snprintf(name, sizeof(name), "diff%d.pcap", round);
		const bb_t *mixed[6] = { &a, &b, &a, &b, &a, &b };
		race(mixed, 6, name, counts);
		CU_ASSERT(counts[AR_STORED] == 1);
		snprintf(path, sizeof(path), "race/i/%s", name);
		int is_a = holds(path, &a), is_b = holds(path, &b);
		CU_ASSERT(is_a != is_b);
		CU_ASSERT(counts[AR_EXISTS] == 2 && counts[AR_REFUSED] == 3);
	}
	snprintf(path, sizeof(path), "%s/race/i", root);
	listing(path, ls, sizeof(ls));
	CU_ASSERT_STRING_EQUAL(ls, ".lock diff0.pcap diff0.pcap.json diff1.pcap diff1.pcap.json "
			       "diff2.pcap diff2.pcap.json same0.pcap same0.pcap.json same1.pcap "
			       "same1.pcap.json same2.pcap same2.pcap.json");
	free(a.p);
	free(b.p);
}

static void test_orphans_and_stale(void)
{
	bb_t b;
	ar_result_t res;
	char path[512], ls[1024];
	make_pcap(&b, 9, 20);
	CU_ASSERT_FATAL(put("o.pcap", "orph", "i", "x", &b, &res) == AR_STORED);
	/* the manifest lost (a submit killed between the renames) */
	snprintf(path, sizeof(path), "%s/orph/i/o.pcap.json", root);
	CU_ASSERT_FATAL(unlink(path) == 0);
	CU_ASSERT(put("o.pcap", "orph", "i", "x", &b, &res) == AR_STORED);
	CU_ASSERT(res.completed == 1);
	CU_ASSERT(access(path, F_OK) == 0);
	CU_ASSERT(put("o.pcap", "orph", "i", "x", &b, &res) == AR_EXISTS);
	/* a manifest without its data */
	snprintf(path, sizeof(path), "%s/orph/i/o.pcap", root);
	CU_ASSERT_FATAL(unlink(path) == 0);
	CU_ASSERT(put("o.pcap", "orph", "i", "x", &b, &res) == AR_REFUSED);
	CU_ASSERT(strstr(res.err, "without its data") != NULL);

	/* temporaries: an hour-old one goes at the next submit, a fresh one stays */
	char old[512], fresh[512];
	snprintf(old, sizeof(old), "%s/orph/i/.gone.pcap.tmp.aaaaaaaaaaaa", root);
	snprintf(fresh, sizeof(fresh), "%s/orph/i/.busy.pcap.tmp.bbbbbbbbbbbb", root);
	FILE *f = fopen(old, "w");
	fclose(f);
	f = fopen(fresh, "w");
	fclose(f);
	struct timespec ts[2] = { { time(NULL) - AR_STALE_TMP_SEC - 60, 0 },
				  { time(NULL) - AR_STALE_TMP_SEC - 60, 0 } };
	CU_ASSERT(utimensat(AT_FDCWD, old, ts, 0) == 0);
	CU_ASSERT(put("p.pcap", "orph", "i", "x", &b, &res) == AR_STORED);
	CU_ASSERT(access(old, F_OK) < 0 && access(fresh, F_OK) == 0);
	snprintf(path, sizeof(path), "%s/orph/i", root);
	listing(path, ls, sizeof(ls));
	CU_ASSERT_STRING_EQUAL(ls, ".busy.pcap.tmp.bbbbbbbbbbbb .lock o.pcap.json p.pcap p.pcap.json");

	/* precheck: answers without data when the checksum is known */
	char want[65];
	sha_hex(b.p, b.len, want);
	ar_sub_t sub = sub_of("p.pcap", "orph", "i", "x", NULL);
	sub.sha256 = want;
	sub.size = b.len;
	CU_ASSERT(ar_name_taken(arch, &sub) == 1);
	CU_ASSERT(ar_precheck(arch, &sub, &res) == 1 && res.status == AR_EXISTS);
	CU_ASSERT(!strcmp(res.sha256, want));
	char other[65];
	memcpy(other, want, 65);
	other[63] = other[63] == '0' ? '1' : '0';
	sub.sha256 = other;
	CU_ASSERT(ar_precheck(arch, &sub, &res) == 1 && res.status == AR_REFUSED);
	sub.name = "new.pcap";
	CU_ASSERT(ar_name_taken(arch, &sub) == 0);
	CU_ASSERT(ar_precheck(arch, &sub, &res) == 0);
	free(b.p);
}

static void test_not_writable(void)
{
	bb_t b;
	ar_result_t res;
	char err[256];
	ar_archive_t *x;
	make_pcap(&b, 10, 5);
	CU_ASSERT(ar_archive_open(&x, "/nonexistent/archive", err, sizeof(err)) == DW_ENOENT);
	CU_ASSERT(strstr(err, "/nonexistent/archive") != NULL);

	CU_ASSERT_FATAL(put("r.pcap", "ro", "i", NULL, &b, &res) == AR_STORED);
	fflush(NULL);
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		/* root is not stopped by modes: become nobody */
		if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
			_exit(9);
		char path[512];
		snprintf(path, sizeof(path), "%s/ro/i", root);
		if (geteuid() != 0) {
			chmod(path, 0555);
			chmod(root, 0555);
		}
		ar_status_t s1 = put("r2.pcap", "ro", "i", NULL, &b, &res);   /* existing dirs */
		int ok1 = s1 == AR_FAILED && strstr(res.err, "Permission denied");
		ar_status_t s2 = put("r2.pcap", "ro2", "i", NULL, &b, &res);  /* new dirs */
		int ok2 = s2 == AR_FAILED && strstr(res.err, "cannot create");
		ar_status_t s3 = put("r.pcap", "ro", "i", NULL, &b, &res);    /* stored already */
		int ok3 = s3 == AR_EXISTS || s3 == AR_FAILED;
		_exit(ok1 && ok2 && ok3 ? 0 : 1);
	}
	int st;
	CU_ASSERT(waitpid(pid, &st, 0) == pid);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	char path[512];
	snprintf(path, sizeof(path), "%s/ro/i/r2.pcap", root);
	CU_ASSERT(access(path, F_OK) < 0);
	free(b.p);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "stored, then exists, else refused", test_store_then_exists },
		{ "capture manifests", test_with_manifest },
		{ "names and labels stay inside", test_bad_names_stay_inside },
		{ "nothing partial is visible", test_partial_never_visible },
		{ "concurrent submits", test_concurrent },
		{ "orphans, stale temporaries, precheck", test_orphans_and_stale },
		{ "archive not writable", test_not_writable },
		CU_TEST_INFO_NULL,
	};
	if (setup() < 0) {
		perror("setup");
		return 2;
	}
	int rc = cu_run("ar_store", tests);
	teardown();
	return rc;
}
