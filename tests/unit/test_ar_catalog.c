/*
 * test_ar_catalog.c - the catalog answers each selection (server,
 * instance, phase, time range, and their combinations) with exactly the
 * files a brute-force filter over what the test wrote picks, in order;
 * it follows additions, removals and replaced manifests without re-reading
 * what did not change; it is rebuilt when damaged, kept in memory when
 * it cannot be written, and skips manifests it cannot use.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "ar_catalog.h"
#include "ar_store.h"
#include "cu_main.h"
#include "rootlens/errcode.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char top[] = "/tmp/rl_ar_cat_XXXXXX";
static char root[256];
static int rootfd = -1;

typedef struct fake {
	char server[32], instance[32], name[64], phase[16];
	int has_phase, has_time, live;
	int64_t first_ns, last_ns;
	long long packets;
	size_t bytes;
} fake_t;

#define MAXF 400
static fake_t files[MAXF];
static int nfiles;

static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

static void fmt_time(int64_t ns, char *buf, size_t cap)
{
	time_t s = (time_t)(ns / 1000000000);
	struct tm tm;
	gmtime_r(&s, &tm);
	char t[32];
	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, cap, "%s.%06dZ", t, (int)(ns % 1000000000 / 1000));
}

static void write_at(const char *rel, const char *text, size_t len)
{
	char path[512], tmp[520];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(tmp, sizeof(tmp), "%s.x", path);
	FILE *f = fopen(tmp, "wb");
	CU_ASSERT_FATAL(f != NULL);
	fwrite(text, 1, len, f);
	fclose(f);
	CU_ASSERT_FATAL(rename(tmp, path) == 0);
}

static void mkdirs(const char *server, const char *instance)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", root, server);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", root, server, instance);
	mkdir(path, 0755);
}

/* The data file (dummy bytes: the catalog never reads them) and the
 * manifest, as a capture or the archive writes it. */
static void write_fake(const fake_t *f)
{
	char rel[256], m[1024], a[48], b[48], data[4096];
	mkdirs(f->server, f->instance);
	snprintf(rel, sizeof(rel), "%s/%s/%s", f->server, f->instance, f->name);
	memset(data, 'x', f->bytes);
	write_at(rel, data, f->bytes);
	if (f->has_time) {
		fmt_time(f->first_ns, a, sizeof(a));
		fmt_time(f->last_ns, b, sizeof(b));
	}
	char ph[40];
	if (f->has_phase)
		snprintf(ph, sizeof(ph), "\"%s\"", f->phase);
	else
		strcpy(ph, "null");
	snprintf(m, sizeof(m),
		 "{\"schema\":\"rootlens.capture/1\",\"server\":\"%s\",\"instance\":\"%s\","
		 "\"phase\":%s,\"first_packet\":%s%s%s,\"last_packet\":%s%s%s,\"packets\":%lld,"
		 "\"file_bytes\":%zu,\"sha256\":\"%064x\"}\n",
		 f->server, f->instance, ph, f->has_time ? "\"" : "", f->has_time ? a : "null",
		 f->has_time ? "\"" : "", f->has_time ? "\"" : "", f->has_time ? b : "null",
		 f->has_time ? "\"" : "", f->packets, f->bytes, (unsigned)(f - files));
	snprintf(rel, sizeof(rel), "%s/%s/%s.json", f->server, f->instance, f->name);
	write_at(rel, m, strlen(m));
}

static const char *const servers[] = { "a.root-servers.net", "k.root-servers.net", "k_1" };
static const char *const instances[] = { "ams", "lhr", "nrt", "ams_2" };
static const char *const phases[] = { "before", "after", "durz" };

#define T0 1273017600000000000LL /* 2010-05-05T00:00:00Z */

static void add_random(int i)
{
	fake_t *f = &files[i];
	memset(f, 0, sizeof(*f));
	snprintf(f->server, sizeof(f->server), "%s", servers[rnd() % 3]);
	snprintf(f->instance, sizeof(f->instance), "%s", instances[rnd() % 4]);
	int64_t start = T0 + (int64_t)(rnd() % 48) * 3600000000000LL;
	snprintf(f->name, sizeof(f->name), "%d-%lld.pcap.gz", i, (long long)(start / 1000000000));
	if ((f->has_phase = rnd() % 5 != 0))
		snprintf(f->phase, sizeof(f->phase), "%s", phases[rnd() % 3]);
	if ((f->has_time = rnd() % 8 != 0)) {
		f->first_ns = start + (int64_t)(rnd() % 1000000) * 1000;
		f->last_ns = f->first_ns + (int64_t)(rnd() % 7200) * 1000000000LL +
			     (int64_t)(rnd() % 1000) * 1000;
	}
	f->packets = f->has_time ? 1 + rnd() % 100000 : 0;
	f->bytes = 24 + rnd() % 2000;
	f->live = 1;
	write_fake(f);
}

static int selected(const fake_t *f, const ar_sel_t *s)
{
	if (!f->live)
		return 0;
	if (s->server && strcmp(s->server, f->server))
		return 0;
	if (s->instance && strcmp(s->instance, f->instance))
		return 0;
	if (s->phase && (!f->has_phase || strcmp(s->phase, f->phase)))
		return 0;
	if (s->have_from && (!f->has_time || f->last_ns < s->from_ns))
		return 0;
	if (s->have_to && (!f->has_time || f->first_ns >= s->to_ns))
		return 0;
	return 1;
}

static int cmp_fake(const void *a, const void *b)
{
	const fake_t *x = *(const fake_t *const *)a, *y = *(const fake_t *const *)b;
	int c = strcmp(x->server, y->server);
	if (!c)
		c = strcmp(x->instance, y->instance);
	return c ? c : strcmp(x->name, y->name);
}

/* The catalog's answer equals the brute-force one, row by row. */
static int answer_ok(ar_cat_t *c, const ar_sel_t *s)
{
	const fake_t *want[MAXF];
	size_t nw = 0, n;
	ar_entry_t *e;
	char err[256];
	for (int i = 0; i < nfiles; i++)
		if (selected(&files[i], s))
			want[nw++] = &files[i];
	qsort(want, nw, sizeof(want[0]), cmp_fake);
	if (ar_cat_query(c, s, &e, &n, err, sizeof(err)) < 0) {
		fprintf(stderr, "query: %s\n", err);
		return 0;
	}
	int ok = n == nw;
	for (size_t i = 0; ok && i < n; i++) {
		const fake_t *f = want[i];
		char path[200];
		snprintf(path, sizeof(path), "%s/%s/%s", f->server, f->instance, f->name);
		ok = !strcmp(e[i].path, path) && !strcmp(e[i].server, f->server) &&
		     !strcmp(e[i].instance, f->instance) && !strcmp(e[i].name, f->name) &&
		     (f->has_phase ? e[i].phase && !strcmp(e[i].phase, f->phase) : !e[i].phase) &&
		     e[i].have_time == f->has_time && e[i].packets == f->packets &&
		     e[i].bytes == f->bytes && e[i].sha256 && strlen(e[i].sha256) == 64;
		if (ok && f->has_time)
			ok = e[i].first_ns == f->first_ns && e[i].last_ns == f->last_ns &&
			     e[i].first_packet && e[i].last_packet;
		if (!ok)
			fprintf(stderr, "row %zu: %s, want %s\n", i, e[i].path, path);
	}
	if (n != nw)
		fprintf(stderr, "%zu rows, want %zu\n", n, nw);
	ar_entries_free(e, n);
	return ok;
}

static int check_selections(ar_cat_t *c)
{
	ar_sel_t s;
	int ok = 1;
	memset(&s, 0, sizeof(s));
	ok &= answer_ok(c, &s);
	for (int i = 0; i < 3; i++) {
		memset(&s, 0, sizeof(s));
		s.server = servers[i];
		ok &= answer_ok(c, &s);
		for (int k = 0; k < 4; k++) {
			s.instance = instances[k];
			ok &= answer_ok(c, &s);
			s.phase = phases[(i + k) % 3];
			ok &= answer_ok(c, &s);
			s.phase = NULL;
		}
	}
	memset(&s, 0, sizeof(s));
	s.instance = "ams";
	ok &= answer_ok(c, &s);
	s.instance = "nowhere";
	ok &= answer_ok(c, &s);
	for (int i = 0; i < 3; i++) {
		memset(&s, 0, sizeof(s));
		s.phase = phases[i];
		ok &= answer_ok(c, &s);
	}
	for (int t = 0; t < 60; t++) {
		memset(&s, 0, sizeof(s));
		s.have_from = t % 3 != 1;
		s.have_to = t % 3 != 0;
		s.from_ns = T0 + (int64_t)(rnd() % (50 * 3600)) * 1000000000LL;
		s.to_ns = s.from_ns + (int64_t)(rnd() % (6 * 3600)) * 1000000000LL;
		if (t % 4 == 0)
			s.server = servers[t % 3];
		if (t % 5 == 0)
			s.phase = phases[t % 3];
		ok &= answer_ok(c, &s);
	}
	/* the edges of a file's range: [from, to) against [first, last] */
	for (int i = 0; i < nfiles; i++) {
		if (!files[i].live || !files[i].has_time)
			continue;
		memset(&s, 0, sizeof(s));
		s.have_from = s.have_to = 1;
		s.from_ns = files[i].last_ns;  /* touches the last packet: in */
		s.to_ns = files[i].last_ns + 1;
		ok &= answer_ok(c, &s);
		s.from_ns = files[i].first_ns - 10;
		s.to_ns = files[i].first_ns; /* ends where it starts: out */
		ok &= answer_ok(c, &s);
		break;
	}
	return ok;
}

static ar_cat_t *open_cat(int flags, ar_cat_stats_t *st)
{
	ar_cat_t *c = NULL;
	char err[512];
	int rc = ar_cat_open(&c, root, rootfd, flags, st, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "open: %s\n", err);
	CU_ASSERT_FATAL(rc == 0 && c != NULL);
	return c;
}

/* Directory mtimes in the past, as in an archive not written for a while. */
static void age_dirs(void)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "find %s -type d -exec touch -d '2020-01-01 00:00:00' {} +", root);
	CU_ASSERT(system(cmd) == 0);
}

static void test_selections(void)
{
	ar_cat_stats_t st;
	for (nfiles = 0; nfiles < 300; nfiles++)
		add_random(nfiles);
	age_dirs();
	ar_cat_t *c = open_cat(0, &st);
	CU_ASSERT(st.rebuilt && !st.in_memory && st.skipped == 0);
	CU_ASSERT(st.manifests_read == 300);
	CU_ASSERT(check_selections(c));
	ar_cat_close(c);

	/* nothing changed: no manifest read again, same answers (the root,
	 * where the catalog itself was just created, may be listed again) */
	c = open_cat(0, &st);
	CU_ASSERT(!st.rebuilt && st.dirs_read <= 1 && st.manifests_read == 0);
	CU_ASSERT(check_selections(c));
	ar_cat_close(c);
	/* once the root is old too: not a single directory read */
	age_dirs();
	c = open_cat(0, &st);
	ar_cat_close(c);
	c = open_cat(0, &st);
	CU_ASSERT(st.dirs_read == 0 && st.manifests_read == 0);
	CU_ASSERT(check_selections(c));
	ar_cat_close(c);
}

static void test_follows_changes(void)
{
	ar_cat_stats_t st;
	char path[512];

	/* added */
	add_random(nfiles++);
	add_random(nfiles++);
	ar_cat_t *c = open_cat(0, &st);
	CU_ASSERT(st.manifests_read == 2); /* only the new ones parsed */
	CU_ASSERT(check_selections(c));
	ar_cat_close(c);

	/* removed: a file, then a whole instance directory */
	fake_t *f = &files[3];
	snprintf(path, sizeof(path), "%s/%s/%s/%s.json", root, f->server, f->instance, f->name);
	CU_ASSERT(unlink(path) == 0);
	f->live = 0;
	/* a data file without its manifest is not catalogued */
	c = open_cat(0, &st);
	CU_ASSERT(st.removed == 1);
	CU_ASSERT(check_selections(c));
	ar_cat_close(c);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s/%s/nrt", root, servers[0]);
	CU_ASSERT(system(cmd) == 0);
	for (int i = 0; i < nfiles; i++)
		if (!strcmp(files[i].server, servers[0]) && !strcmp(files[i].instance, "nrt"))
			files[i].live = 0;
	c = open_cat(0, &st);
	CU_ASSERT(check_selections(c));
	ar_cat_close(c);

	/* a manifest replaced (renamed over): new phase */
	for (int i = 0; i < nfiles; i++) {
		if (!files[i].live)
			continue;
		files[i].has_phase = 1;
		strcpy(files[i].phase, "replaced");
		write_fake(&files[i]);
		break;
	}
	c = open_cat(0, &st);
	CU_ASSERT(check_selections(c));
	ar_sel_t s;
	memset(&s, 0, sizeof(s));
	s.phase = "replaced";
	CU_ASSERT(answer_ok(c, &s));
	ar_cat_close(c);

	/* changes within the same second as the last sync are not missed */
	for (int k = 0; k < 5; k++) {
		add_random(nfiles++);
		c = open_cat(0, &st);
		CU_ASSERT(check_selections(c));
		ar_cat_close(c);
	}
	/* A change in the same clock tick as the sync that read the
	 * directory leaves its mtime as the sync saw it (coarse file system
	 * timestamps): put the mtime back by hand to make that happen. */
	for (int k = 0; k < 3; k++) {
		fake_t *g = &files[nfiles];
		struct stat sb;
		add_random(nfiles);
		c = open_cat(0, &st);
		ar_cat_close(c);
		snprintf(path, sizeof(path), "%s/%s/%s", root, g->server, g->instance);
		CU_ASSERT_FATAL(stat(path, &sb) == 0);
		g = &files[++nfiles];
		*g = files[nfiles - 1];
		snprintf(g->name, sizeof(g->name), "same-tick-%d.pcap", k);
		write_fake(g);
		nfiles++;
		struct timespec ts[2] = { sb.st_atim, sb.st_mtim };
		CU_ASSERT(utimensat(AT_FDCWD, path, ts, 0) == 0);
		c = open_cat(0, &st);
		CU_ASSERT(check_selections(c));
		ar_cat_close(c);
	}
	/* a full rescan gives the same */
	c = open_cat(AR_CAT_RESCAN, &st);
	CU_ASSERT(check_selections(c));
	ar_cat_close(c);
}

static void test_note(void)
{
	/* as submit does: the row is there before any sync */
	add_random(nfiles);
	fake_t *f = &files[nfiles++];
	ar_cat_t *c = open_cat(AR_CAT_NOSYNC, NULL);
	char err[256];
	CU_ASSERT(ar_cat_note(c, f->server, f->instance, f->name, err, sizeof(err)) == 0);
	ar_sel_t s;
	memset(&s, 0, sizeof(s));
	ar_entry_t *e;
	size_t n;
	CU_ASSERT(ar_cat_query(c, &s, &e, &n, err, sizeof(err)) == 0);
	int found = 0;
	for (size_t i = 0; i < n; i++)
		found |= !strcmp(e[i].name, f->name);
	CU_ASSERT(found);
	ar_entries_free(e, n);
	CU_ASSERT(ar_cat_note(c, f->server, f->instance, "missing.pcap", err, sizeof(err)) ==
		  DW_EFORMAT);
	ar_cat_close(c);
}

static void test_skipped(void)
{
	ar_cat_stats_t st;
	mkdirs("bad", "i");
	write_at("bad/i/x.pcap", "data", 4);
	write_at("bad/i/x.pcap.json", "{not json", 9);
	write_at("bad/i/y.pcap", "data", 4);
	write_at("bad/i/y.pcap.json", "{\"server\":\"other\",\"instance\":\"i\"}", 34);
	write_at("bad/i/z.pcap.json", "{}", 2); /* no data file */
	write_at("bad/i/w.pcap", "data", 4);      /* no manifest */
	write_at("bad/i/.hidden.json", "{}", 2); /* not considered */
	ar_cat_t *c = open_cat(AR_CAT_RESCAN, &st);
	CU_ASSERT(st.skipped == 3);
	CU_ASSERT(strstr(st.first_skip, "bad/i/") != NULL);
	CU_ASSERT(check_selections(c)); /* none of them listed */
	ar_cat_close(c);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s/bad", root);
	CU_ASSERT(system(cmd) == 0);
}

static void test_rebuilt_and_in_memory(void)
{
	ar_cat_stats_t st;
	char path[512];
	snprintf(path, sizeof(path), "%s/" AR_CATALOG_NAME, root);

	/* damaged: rebuilt */
	FILE *f = fopen(path, "r+b");
	CU_ASSERT_FATAL(f != NULL);
	fwrite("this is not SQLite at all, not at all", 1, 37, f);
	fclose(f);
	ar_cat_t *c = open_cat(0, &st);
	CU_ASSERT(st.rebuilt && !st.in_memory);
	CU_ASSERT(check_selections(c));
	ar_cat_close(c);

	/* not writable (here: a directory in its place): in memory */
	CU_ASSERT(unlink(path) == 0);
	CU_ASSERT(mkdir(path, 0755) == 0);
	c = open_cat(0, &st);
	CU_ASSERT(st.in_memory && st.rebuilt);
	CU_ASSERT(check_selections(c));
	ar_cat_close(c);
	CU_ASSERT(rmdir(path) == 0);

	/* another schema version: rebuilt */
	c = open_cat(0, &st);
	ar_cat_close(c);
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "sqlite3 %s 'PRAGMA user_version = 7' 2>/dev/null", path);
	if (system(cmd) == 0) {
		c = open_cat(0, &st);
		CU_ASSERT(st.rebuilt);
		CU_ASSERT(check_selections(c));
		ar_cat_close(c);
	}
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "selections against brute force", test_selections },
		{ "follows changes", test_follows_changes },
		{ "a row noted by submit", test_note },
		{ "unusable manifests skipped", test_skipped },
		{ "rebuilt, or kept in memory", test_rebuilt_and_in_memory },
		CU_TEST_INFO_NULL,
	};
	if (!mkdtemp(top))
		return 2;
	snprintf(root, sizeof(root), "%s/A", top);
	if (mkdir(root, 0755) < 0 || (rootfd = open(root, O_RDONLY | O_DIRECTORY)) < 0)
		return 2;
	int rc = cu_run("ar_catalog", tests);
	close(rootfd);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	if (system(cmd) != 0)
		rc = rc ? rc : 1;
	return rc;
}
