/*
 * catalog.c - the SQLite catalog of an archive (ar_catalog.h).
 *
 *   files(path PRIMARY KEY, server, instance, name, phase, first_packet,
 *         last_packet, first_ns, last_ns, packets, bytes, sha256,
 *         manifest_mtime_ns, manifest_size, manifest_ino)
 *   dirs(server, instance, mtime_ns)   -- '' for "none": the root is
 *         ('', ''), a server directory (S, ''); mtime_ns -1: read again
 *
 * PRAGMA user_version is the schema version; another one is rebuilt.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ar_catalog.h"
#include "ar_manifest.h"
#include "ar_names.h"
#include "rootlens/errcode.h"

#define SCHEMA_VERSION 1
#define RACY_NS 2000000000LL
#define BUSY_MS 120000

enum { ST_GET_DIR, ST_PUT_DIR, ST_GET_FILE, ST_PUT_FILE, ST_DEL_FILE, ST_LIST_DIRS,
       ST_LIST_FILES, ST_DEL_SERVER_FILES, ST_DEL_SERVER_DIRS, ST_DEL_INST_FILES,
       ST_DEL_INST_DIR, ST_COUNT };

static const char *const stmt_sql[ST_COUNT] = {
	[ST_GET_DIR] = "SELECT mtime_ns FROM dirs WHERE server = ?1 AND instance = ?2",
	[ST_PUT_DIR] = "INSERT OR REPLACE INTO dirs(server, instance, mtime_ns) VALUES (?1, ?2, ?3)",
	[ST_GET_FILE] = "SELECT manifest_mtime_ns, manifest_size, manifest_ino, bytes FROM files "
			"WHERE path = ?1",
	[ST_PUT_FILE] = "INSERT OR REPLACE INTO files(path, server, instance, name, phase, "
			"first_packet, last_packet, first_ns, last_ns, packets, bytes, sha256, "
			"manifest_mtime_ns, manifest_size, manifest_ino) VALUES (?1, ?2, ?3, ?4, "
			"?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
	[ST_DEL_FILE] = "DELETE FROM files WHERE path = ?1",
	/* the servers (?1 = '') or the instances of server ?1 the catalog knows */
	[ST_LIST_DIRS] = "SELECT DISTINCT CASE WHEN ?1 = '' THEN server ELSE instance END FROM ("
			 "SELECT server, instance FROM dirs UNION ALL "
			 "SELECT server, instance FROM files) "
			 "WHERE (?1 = '' AND server != '') OR (?1 != '' AND server = ?1 AND instance != '')",
	[ST_LIST_FILES] = "SELECT name FROM files WHERE server = ?1 AND instance = ?2",
	[ST_DEL_SERVER_FILES] = "DELETE FROM files WHERE server = ?1",
	[ST_DEL_SERVER_DIRS] = "DELETE FROM dirs WHERE server = ?1",
	[ST_DEL_INST_FILES] = "DELETE FROM files WHERE server = ?1 AND instance = ?2",
	[ST_DEL_INST_DIR] = "DELETE FROM dirs WHERE server = ?1 AND instance = ?2",
};

static const char schema_sql[] =
	"DROP TABLE IF EXISTS files; DROP TABLE IF EXISTS dirs;"
	"CREATE TABLE files(path TEXT PRIMARY KEY, server TEXT NOT NULL, instance TEXT NOT NULL,"
	" name TEXT NOT NULL, phase TEXT, first_packet TEXT, last_packet TEXT, first_ns INTEGER,"
	" last_ns INTEGER, packets INTEGER, bytes INTEGER NOT NULL, sha256 TEXT,"
	" manifest_mtime_ns INTEGER NOT NULL, manifest_size INTEGER NOT NULL,"
	" manifest_ino INTEGER NOT NULL);"
	"CREATE INDEX files_server_instance ON files(server, instance, name);"
	"CREATE INDEX files_first ON files(first_ns);"
	"CREATE TABLE dirs(server TEXT NOT NULL, instance TEXT NOT NULL, mtime_ns INTEGER NOT NULL,"
	" PRIMARY KEY(server, instance)) WITHOUT ROWID;"
	"PRAGMA user_version = 1;";

struct ar_cat {
	sqlite3 *db;
	int rootfd;
	int in_memory, readonly;
	sqlite3_stmt *st[ST_COUNT];
};

/* ---- small helpers ---------------------------------------------------- */

static int64_t ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000LL + t->tv_nsec;
}

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return ts_ns(&t);
}

/* The mtime to remember for a directory read now: -1 when too recent to
 * be trusted (a change in the same tick would leave it unchanged). */
static int64_t trusted(int64_t mt)
{
	int64_t now = now_ns();
	return (mt > now || now - mt < RACY_NS) ? -1 : mt;
}

static int dberr(ar_cat_t *c, char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "catalog: %s: %s", what, sqlite3_errmsg(c->db));
	return DW_EIO;
}

static sqlite3_stmt *stmt(ar_cat_t *c, int which)
{
	sqlite3_stmt *s = c->st[which];
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

static int step_done(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : rc;
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

/* A string list. */
typedef struct names {
	char **v;
	size_t n, cap;
} names_t;

static int names_add(names_t *l, const char *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return DW_ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	if (!(l->v[l->n] = strdup(s)))
		return DW_ENOMEM;
	l->n++;
	return 0;
}

static void names_free(names_t *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int names_has(const names_t *l, const char *s)
{
	return l->n && bsearch(&s, l->v, l->n, sizeof(char *), cmp_str) != NULL;
}

/* Subdirectories of @p dfd with valid names (symlinks are not followed). */
static int list_subdirs(int dfd, names_t *out)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	char err[256];
	int rc = 0;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return DW_EIO;
	}
	while ((e = readdir(d))) {
		struct stat sb;
		if (ar_name_check(e->d_name, "dir", err, sizeof(err)) < 0)
			continue;
		if (fstatat(dfd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(sb.st_mode))
			continue;
		if ((rc = names_add(out, e->d_name)) < 0)
			break;
	}
	closedir(d);
	if (out->n)
		qsort(out->v, out->n, sizeof(char *), cmp_str);
	return rc;
}

/* What the catalog knows below @p server ('' for the servers). */
static int known_subdirs(ar_cat_t *c, const char *server, names_t *out)
{
	sqlite3_stmt *s = stmt(c, ST_LIST_DIRS);
	int rc;
	bind_text(s, 1, server);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (names_add(out, (const char *)sqlite3_column_text(s, 0)) < 0) {
			sqlite3_reset(s);
			return DW_ENOMEM;
		}
	sqlite3_reset(s);
	if (out->n)
		qsort(out->v, out->n, sizeof(char *), cmp_str);
	return rc == SQLITE_DONE ? 0 : DW_EIO;
}

/* Stored mtime of a directory: -2 unknown. */
static int64_t get_dir(ar_cat_t *c, const char *server, const char *instance)
{
	sqlite3_stmt *s = stmt(c, ST_GET_DIR);
	int64_t v = -2;
	bind_text(s, 1, server);
	bind_text(s, 2, instance);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return v;
}

static int put_dir(ar_cat_t *c, const char *server, const char *instance, int64_t mt)
{
	sqlite3_stmt *s = stmt(c, ST_PUT_DIR);
	bind_text(s, 1, server);
	bind_text(s, 2, instance);
	sqlite3_bind_int64(s, 3, trusted(mt));
	return step_done(s) ? DW_EIO : 0;
}

static int drop_rows(ar_cat_t *c, const char *server, const char *instance)
{
	sqlite3_stmt *s = stmt(c, instance ? ST_DEL_INST_FILES : ST_DEL_SERVER_FILES);
	bind_text(s, 1, server);
	if (instance)
		bind_text(s, 2, instance);
	if (step_done(s))
		return DW_EIO;
	s = stmt(c, instance ? ST_DEL_INST_DIR : ST_DEL_SERVER_DIRS);
	bind_text(s, 1, server);
	if (instance)
		bind_text(s, 2, instance);
	return step_done(s) ? DW_EIO : 0;
}

/* ---- one file --------------------------------------------------------- */

enum { NOTE_OK = 0, NOTE_SKIP = 1 };

/*
 * Bring the row of @p name (a data file) in @p ifd up to date. NOTE_SKIP
 * with @p why set when it cannot be catalogued; negative on a database or
 * memory failure.
 */
static int note_file(ar_cat_t *c, int ifd, const char *server, const char *instance,
		     const char *name, int full, ar_cat_stats_t *st, char *why, size_t whylen)
{
	char mname[AR_NAME_MAX + 8], path[3 * AR_NAME_MAX + 3], err[400];
	struct stat ds, ms;
	char *bytes = NULL;
	size_t len;
	ar_manifest_t m;
	sqlite3_stmt *s;
	int rc;

	snprintf(path, sizeof(path), "%s/%s/%s", server, instance, name);
	snprintf(mname, sizeof(mname), "%s.json", name);
	if (ar_file_name_check(name, err, sizeof(err)) < 0) {
		snprintf(why, whylen, "%s.json: %s", path, err);
		return NOTE_SKIP;
	}
	if (fstatat(ifd, mname, &ms, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(ms.st_mode)) {
		snprintf(why, whylen, "%s.json: no manifest", path);
		return NOTE_SKIP;
	}
	if (fstatat(ifd, name, &ds, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(ds.st_mode)) {
		snprintf(why, whylen, "%s.json: manifest without its data file", path);
		return NOTE_SKIP;
	}
	if (!full) {
		s = stmt(c, ST_GET_FILE);
		bind_text(s, 1, path);
		int same = sqlite3_step(s) == SQLITE_ROW &&
			   sqlite3_column_int64(s, 0) == ts_ns(&ms.st_mtim) &&
			   sqlite3_column_int64(s, 1) == (int64_t)ms.st_size &&
			   sqlite3_column_int64(s, 2) == (int64_t)ms.st_ino &&
			   sqlite3_column_int64(s, 3) == (int64_t)ds.st_size;
		sqlite3_reset(s);
		if (same)
			return NOTE_OK;
	}
	rc = ar_read_small(ifd, mname, AR_MANIFEST_MAX, &bytes, &len);
	if (rc == DW_ENOMEM)
		return rc;
	if (rc < 0) {
		snprintf(why, whylen, "%s.json: cannot read: %s", path,
			 rc == DW_ETOOBIG ? "too large" : strerror(errno));
		return NOTE_SKIP;
	}
	if (st)
		st->manifests_read++;
	rc = ar_manifest_parse(bytes, len, &m, err, sizeof(err));
	free(bytes);
	if (rc == DW_ENOMEM)
		return rc;
	if (rc < 0) {
		snprintf(why, whylen, "%s.json: %s", path, err);
		return NOTE_SKIP;
	}
	if ((m.server && strcmp(m.server, server)) || (m.instance && strcmp(m.instance, instance))) {
		snprintf(why, whylen, "%s.json: labels %s/%s do not match the directory", path,
			 m.server ? m.server : "?", m.instance ? m.instance : "?");
		ar_manifest_free(&m);
		return NOTE_SKIP;
	}
	s = stmt(c, ST_PUT_FILE);
	bind_text(s, 1, path);
	bind_text(s, 2, server);
	bind_text(s, 3, instance);
	bind_text(s, 4, name);
	bind_text(s, 5, m.phase);
	bind_text(s, 6, m.have_time ? m.first_packet : NULL);
	bind_text(s, 7, m.have_time ? m.last_packet : NULL);
	if (m.have_time) {
		sqlite3_bind_int64(s, 8, m.first_ns);
		sqlite3_bind_int64(s, 9, m.last_ns);
	}
	if (m.packets >= 0)
		sqlite3_bind_int64(s, 10, m.packets);
	sqlite3_bind_int64(s, 11, (int64_t)ds.st_size);
	bind_text(s, 12, m.sha256[0] ? m.sha256 : NULL);
	sqlite3_bind_int64(s, 13, ts_ns(&ms.st_mtim));
	sqlite3_bind_int64(s, 14, (int64_t)ms.st_size);
	sqlite3_bind_int64(s, 15, (int64_t)ms.st_ino);
	rc = step_done(s);
	ar_manifest_free(&m);
	return rc ? DW_EIO : NOTE_OK;
}

static void skipped(ar_cat_stats_t *st, const char *why)
{
	if (!st)
		return;
	if (!st->skipped++)
		snprintf(st->first_skip, sizeof(st->first_skip), "%s", why);
}

/* Re-read one instance directory. */
static int scan_instance(ar_cat_t *c, int ifd, const char *server, const char *instance,
			 int full, ar_cat_stats_t *st)
{
	int fd = openat(ifd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	names_t seen = { 0 }, rows = { 0 };
	struct dirent *e;
	char why[600];
	int rc = 0;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return DW_EIO;
	}
	if (st)
		st->dirs_read++;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (e->d_name[0] == '.' || n <= 5 || strcmp(e->d_name + n - 5, ".json"))
			continue;
		char name[AR_NAME_MAX + 8];
		if (n - 5 >= sizeof(name))
			continue;
		memcpy(name, e->d_name, n - 5);
		name[n - 5] = '\0';
		rc = note_file(c, ifd, server, instance, name, full, st, why, sizeof(why));
		if (rc < 0)
			break;
		if (rc == NOTE_SKIP) {
			skipped(st, why);
			rc = 0;
			continue;
		}
		if ((rc = names_add(&seen, name)) < 0)
			break;
	}
	closedir(d);
	if (rc < 0)
		goto out;
	if (seen.n)
		qsort(seen.v, seen.n, sizeof(char *), cmp_str);
	/* rows of files that are gone */
	sqlite3_stmt *s = stmt(c, ST_LIST_FILES);
	bind_text(s, 1, server);
	bind_text(s, 2, instance);
	while (sqlite3_step(s) == SQLITE_ROW)
		if ((rc = names_add(&rows, (const char *)sqlite3_column_text(s, 0))) < 0)
			break;
	sqlite3_reset(s);
	for (size_t i = 0; rc == 0 && i < rows.n; i++) {
		if (names_has(&seen, rows.v[i]))
			continue;
		char path[3 * AR_NAME_MAX + 3];
		snprintf(path, sizeof(path), "%s/%s/%s", server, instance, rows.v[i]);
		s = stmt(c, ST_DEL_FILE);
		bind_text(s, 1, path);
		if (step_done(s))
			rc = DW_EIO;
		else if (st)
			st->removed++;
	}
out:
	names_free(&seen);
	names_free(&rows);
	return rc;
}

/* ---- the sync --------------------------------------------------------- */

#define STALE 1

/*
 * Walk the tree as described in ar_catalog.h. @p check_only: change
 * nothing, return STALE at the first directory that would be read.
 */
static int sync_tree(ar_cat_t *c, int full, int check_only, ar_cat_stats_t *st)
{
	names_t servers = { 0 };
	struct stat sb;
	int rc = 0;

	if (fstat(c->rootfd, &sb) < 0)
		return DW_EIO;
	int64_t mt = ts_ns(&sb.st_mtim);
	if (full || get_dir(c, "", "") != mt) {
		names_t known = { 0 };
		if (check_only)
			return STALE;
		if (st)
			st->dirs_read++;
		if ((rc = list_subdirs(c->rootfd, &servers)) < 0 ||
		    (rc = known_subdirs(c, "", &known)) < 0) {
			names_free(&known);
			goto out;
		}
		for (size_t i = 0; rc == 0 && i < known.n; i++)
			if (!names_has(&servers, known.v[i]))
				rc = drop_rows(c, known.v[i], NULL);
		names_free(&known);
		if (rc < 0 || (rc = put_dir(c, "", "", mt)) < 0)
			goto out;
	} else if ((rc = known_subdirs(c, "", &servers)) < 0) {
		goto out;
	}

	for (size_t i = 0; i < servers.n; i++) {
		const char *server = servers.v[i];
		names_t inst = { 0 };
		int sfd = openat(c->rootfd, server, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sfd < 0 || fstat(sfd, &sb) < 0) {
			if (sfd >= 0)
				close(sfd);
			if (check_only) {
				rc = STALE;
				goto out;
			}
			if ((rc = drop_rows(c, server, NULL)) < 0)
				goto out;
			continue;
		}
		mt = ts_ns(&sb.st_mtim);
		if (full || get_dir(c, server, "") != mt) {
			names_t known = { 0 };
			if (check_only) {
				close(sfd);
				rc = STALE;
				goto out;
			}
			if (st)
				st->dirs_read++;
			if ((rc = list_subdirs(sfd, &inst)) < 0 ||
			    (rc = known_subdirs(c, server, &known)) < 0) {
				names_free(&known);
				names_free(&inst);
				close(sfd);
				goto out;
			}
			for (size_t k = 0; rc == 0 && k < known.n; k++)
				if (!names_has(&inst, known.v[k]))
					rc = drop_rows(c, server, known.v[k]);
			names_free(&known);
			if (rc == 0)
				rc = put_dir(c, server, "", mt);
		} else {
			rc = known_subdirs(c, server, &inst);
		}
		for (size_t k = 0; rc == 0 && k < inst.n; k++) {
			const char *instance = inst.v[k];
			int ifd = openat(sfd, instance, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (ifd < 0 || fstat(ifd, &sb) < 0) {
				if (ifd >= 0)
					close(ifd);
				rc = check_only ? STALE : drop_rows(c, server, instance);
				continue;
			}
			mt = ts_ns(&sb.st_mtim);
			if (full || get_dir(c, server, instance) != mt) {
				if (check_only)
					rc = STALE;
				else if ((rc = scan_instance(c, ifd, server, instance, full, st)) == 0)
					rc = put_dir(c, server, instance, mt);
			}
			close(ifd);
		}
		names_free(&inst);
		close(sfd);
		if (rc)
			goto out;
	}
out:
	names_free(&servers);
	return rc;
}

static int sync_all(ar_cat_t *c, int full, ar_cat_stats_t *st, char *err, size_t errlen)
{
	if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return dberr(c, err, errlen, "begin");
	int rc = sync_tree(c, full, 0, st);
	if (rc < 0) {
		if (rc == DW_ENOMEM)
			snprintf(err, errlen, "out of memory");
		else
			dberr(c, err, errlen, "sync");
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	if (sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		rc = dberr(c, err, errlen, "commit");
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	return 0;
}

/* ---- opening ---------------------------------------------------------- */

static void close_db(ar_cat_t *c)
{
	for (int i = 0; i < ST_COUNT; i++) {
		sqlite3_finalize(c->st[i]);
		c->st[i] = NULL;
	}
	sqlite3_close(c->db);
	c->db = NULL;
}

static int prepare_all(ar_cat_t *c)
{
	for (int i = 0; i < ST_COUNT; i++)
		if (sqlite3_prepare_v2(c->db, stmt_sql[i], -1, &c->st[i], NULL) != SQLITE_OK)
			return -1;
	return 0;
}

static int user_version(ar_cat_t *c)
{
	sqlite3_stmt *s;
	int v = -1;
	if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

/*
 * Open @p path read-write, with the current schema (created when it is
 * missing or another version). @return 0; 1 unusable here (not writable,
 * or not a database: *@p corrupt set); -1 out of memory.
 */
static int open_rw(ar_cat_t *c, const char *path, int *rebuilt, int *corrupt)
{
	*corrupt = 0;
	int rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc == SQLITE_NOMEM)
		return -1;
	if (rc != SQLITE_OK || sqlite3_db_readonly(c->db, "main") == 1)
		goto unusable;
	sqlite3_busy_timeout(c->db, BUSY_MS);
	/* A journal created and deleted at every write would change the
	 * root directory's mtime, which the sync watches: keep it there. */
	sqlite3_exec(c->db, "PRAGMA journal_mode = TRUNCATE", NULL, NULL, NULL);
	int v = user_version(c);
	if (v < 0) {
		rc = sqlite3_errcode(c->db);
		*corrupt = rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT;
		goto unusable;
	}
	if (v != SCHEMA_VERSION) {
		if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			goto unusable;
		/* Another process may have created it meanwhile. */
		if (user_version(c) != SCHEMA_VERSION) {
			if (sqlite3_exec(c->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
				sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
				goto unusable;
			}
			*rebuilt = 1;
		}
		if (sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
			goto unusable;
		}
	}
	if (prepare_all(c) < 0)
		goto unusable;
	return 0;
unusable:
	rc = sqlite3_errcode(c->db);
	if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
		*corrupt = 1;
	close_db(c);
	return 1;
}

/* The catalog on disk, read-only, if it is up to date. @return 0 or 1. */
static int open_ro_fresh(ar_cat_t *c, const char *path)
{
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		goto no;
	sqlite3_busy_timeout(c->db, BUSY_MS);
	if (user_version(c) != SCHEMA_VERSION || prepare_all(c) < 0)
		goto no;
	if (sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		goto no;
	int rc = sync_tree(c, 0, 1, NULL);
	sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
	if (rc != 0)
		goto no;
	c->readonly = 1;
	return 0;
no:
	close_db(c);
	return 1;
}

int ar_cat_open(ar_cat_t **out, const char *root, int rootfd, int flags, ar_cat_stats_t *st,
		char *err, size_t errlen)
{
	ar_cat_stats_t dummy;
	ar_cat_t *c = calloc(1, sizeof(*c));
	size_t plen = strlen(root) + sizeof("/" AR_CATALOG_NAME);
	char *path = malloc(plen);
	int rebuilt = 0, corrupt = 0, rc;

	*out = NULL;
	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	if (!c || !path) {
		free(c);
		free(path);
		snprintf(err, errlen, "out of memory");
		return DW_ENOMEM;
	}
	c->rootfd = rootfd;
	snprintf(path, plen, "%s/" AR_CATALOG_NAME, root);

	rc = open_rw(c, path, &rebuilt, &corrupt);
	if (rc == 1 && corrupt) {
		/* Derived data: start again. */
		char j[4200];
		unlink(path);
		snprintf(j, sizeof(j), "%s-journal", path);
		unlink(j);
		rc = open_rw(c, path, &rebuilt, &corrupt);
		rebuilt = 1;
	}
	if (rc == 1 && !(flags & AR_CAT_NOSYNC) && open_ro_fresh(c, path) == 0)
		rc = 0;
	if (rc == 1) {
		/* Not writable: a private catalog in memory. */
		if (sqlite3_open_v2(":memory:", &c->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
		    sqlite3_exec(c->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK ||
		    prepare_all(c) < 0) {
			rc = -1;
		} else {
			c->in_memory = 1;
			rebuilt = 1;
			rc = 0;
		}
	}
	free(path);
	if (rc < 0) {
		snprintf(err, errlen, "catalog: out of memory");
		ar_cat_close(c);
		return DW_ENOMEM;
	}
	st->in_memory = c->in_memory;
	st->rebuilt = rebuilt;
	if (!(flags & AR_CAT_NOSYNC) && !c->readonly &&
	    (rc = sync_all(c, (flags & AR_CAT_RESCAN) || c->in_memory, st, err, errlen)) < 0) {
		ar_cat_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

void ar_cat_close(ar_cat_t *c)
{
	if (!c)
		return;
	close_db(c);
	free(c);
}

int ar_cat_note(ar_cat_t *c, const char *server, const char *instance, const char *name,
		char *err, size_t errlen)
{
	int sfd, ifd, rc;
	if (c->readonly) {
		snprintf(err, errlen, "catalog is read-only");
		return DW_EIO;
	}
	sfd = openat(c->rootfd, server, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	ifd = sfd >= 0 ? openat(sfd, instance, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
	if (sfd >= 0)
		close(sfd);
	if (ifd < 0) {
		snprintf(err, errlen, "%s/%s: %s", server, instance, strerror(errno));
		return DW_ENOENT;
	}
	rc = note_file(c, ifd, server, instance, name, 1, NULL, err, errlen);
	close(ifd);
	if (rc == NOTE_SKIP)
		return DW_EFORMAT;
	if (rc < 0)
		return dberr(c, err, errlen, "update");
	return 0;
}

/* ---- queries ---------------------------------------------------------- */

static char *col_dup(sqlite3_stmt *s, int i, int *bad)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	char *d;
	if (!t)
		return NULL;
	if (!(d = strdup((const char *)t)))
		*bad = 1;
	return d;
}

int ar_cat_query(ar_cat_t *c, const ar_sel_t *sel, ar_entry_t **out, size_t *n, char *err,
		 size_t errlen)
{
	static const char sql[] =
		"SELECT path, server, instance, name, phase, first_packet, last_packet, sha256,"
		" first_ns, last_ns, packets, bytes FROM files"
		" WHERE (?1 IS NULL OR server = ?1) AND (?2 IS NULL OR instance = ?2)"
		" AND (?3 IS NULL OR phase = ?3)"
		" AND (?4 IS NULL OR (last_ns IS NOT NULL AND last_ns >= ?4))"
		" AND (?5 IS NULL OR (first_ns IS NOT NULL AND first_ns < ?5))"
		" ORDER BY server, instance, name";
	sqlite3_stmt *s;
	ar_entry_t *v = NULL;
	size_t cnt = 0, cap = 0;
	int rc, bad = 0;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(c->db, sql, -1, &s, NULL) != SQLITE_OK)
		return dberr(c, err, errlen, "query");
	bind_text(s, 1, sel->server);
	bind_text(s, 2, sel->instance);
	bind_text(s, 3, sel->phase);
	if (sel->have_from)
		sqlite3_bind_int64(s, 4, sel->from_ns);
	if (sel->have_to)
		sqlite3_bind_int64(s, 5, sel->to_ns);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (cnt == cap) {
			size_t nc = cap ? cap * 2 : 64;
			ar_entry_t *nv = realloc(v, nc * sizeof(*nv));
			if (!nv) {
				bad = 1;
				break;
			}
			v = nv;
			cap = nc;
		}
		ar_entry_t *e = &v[cnt++];
		memset(e, 0, sizeof(*e));
		e->path = col_dup(s, 0, &bad);
		e->server = col_dup(s, 1, &bad);
		e->instance = col_dup(s, 2, &bad);
		e->name = col_dup(s, 3, &bad);
		e->phase = col_dup(s, 4, &bad);
		e->first_packet = col_dup(s, 5, &bad);
		e->last_packet = col_dup(s, 6, &bad);
		e->sha256 = col_dup(s, 7, &bad);
		e->have_time = sqlite3_column_type(s, 8) != SQLITE_NULL;
		e->first_ns = sqlite3_column_int64(s, 8);
		e->last_ns = sqlite3_column_int64(s, 9);
		e->packets = sqlite3_column_type(s, 10) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 10);
		e->bytes = (uint64_t)sqlite3_column_int64(s, 11);
		if (bad)
			break;
	}
	if (!bad && rc != SQLITE_DONE) {
		dberr(c, err, errlen, "query");
		sqlite3_finalize(s);
		ar_entries_free(v, cnt);
		return DW_EIO;
	}
	sqlite3_finalize(s);
	if (bad) {
		snprintf(err, errlen, "out of memory");
		ar_entries_free(v, cnt);
		return DW_ENOMEM;
	}
	*out = v;
	*n = cnt;
	return 0;
}

void ar_entries_free(ar_entry_t *e, size_t n)
{
	for (size_t i = 0; e && i < n; i++) {
		free(e[i].path);
		free(e[i].server);
		free(e[i].instance);
		free(e[i].name);
		free(e[i].phase);
		free(e[i].first_packet);
		free(e[i].last_packet);
		free(e[i].sha256);
	}
	free(e);
}
