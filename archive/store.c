/*
 * store.c - storing submissions in the archive (ar_store.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ar_store.h"
#include "rootlens/errcode.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

#define IOBUF (1 << 20)
#define LOCK_NAME ".lock"

struct ar_archive {
	char *root;
	int fd;
};

const char *ar_status_name(ar_status_t s)
{
	switch (s) {
	case AR_STORED: return "stored";
	case AR_EXISTS: return "exists";
	case AR_REFUSED: return "refused";
	case AR_FAILED: return "failed";
	}
	return "failed";
}

int ar_archive_open(ar_archive_t **out, const char *root, char *err, size_t errlen)
{
	ar_archive_t *a = calloc(1, sizeof(*a));
	*out = NULL;
	if (!a || !(a->root = strdup(root))) {
		free(a);
		snprintf(err, errlen, "out of memory");
		return DW_ENOMEM;
	}
	if ((a->fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		int e = errno;
		snprintf(err, errlen, "archive %s: %s", root, strerror(e));
		free(a->root);
		free(a);
		return e == ENOENT ? DW_ENOENT : DW_EIO;
	}
	*out = a;
	return 0;
}

void ar_archive_close(ar_archive_t *a)
{
	if (!a)
		return;
	close(a->fd);
	free(a->root);
	free(a);
}

const char *ar_archive_root(const ar_archive_t *a)
{
	return a->root;
}

int ar_archive_fd(const ar_archive_t *a)
{
	return a->fd;
}

/* ---- labels and early checks ----------------------------------------- */

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

int ar_labels_resolve(const ar_manifest_t *m, const char *cli_server, const char *cli_instance,
		      const char *cli_phase, const char **server, const char **instance,
		      const char **phase, char *err, size_t errlen)
{
	const char *cli[2] = { cli_server, cli_instance }, *got[2];
	static const char *const what[2] = { "server", "instance" };

	for (int i = 0; i < 2; i++) {
		const char *mv = m ? (i ? m->instance : m->server) : NULL;
		if (mv && cli[i] && strcmp(mv, cli[i])) {
			snprintf(err, errlen, "--%s %s, but the manifest says %s \"%s\"", what[i],
				 cli[i], what[i], mv);
			return DW_EINVAL;
		}
		got[i] = mv ? mv : cli[i];
		if (!got[i]) {
			snprintf(err, errlen, m ? "the manifest has no %s and no --%s was given" :
						  "no manifest beside the file: give --%s (and --%s)",
				 m ? what[i] : "server", m ? what[i] : "instance");
			return DW_EINVAL;
		}
		if (ar_name_check(got[i], what[i], err, errlen) < 0)
			return DW_EINVAL;
	}
	if (m && cli_phase && !same_str(m->phase, cli_phase)) {
		if (m->phase)
			snprintf(err, errlen, "--phase %s, but the manifest says phase \"%s\"", cli_phase,
				 m->phase);
		else
			snprintf(err, errlen, "--phase %s, but the manifest has no phase (a file with "
				 "a manifest takes its labels from it)", cli_phase);
		return DW_EINVAL;
	}
	*server = got[0];
	*instance = got[1];
	*phase = m ? m->phase : cli_phase;
	if (*phase && ar_label_check(*phase, "phase", err, errlen) < 0)
		return DW_EINVAL;
	return 0;
}

static void res_init(const ar_sub_t *s, ar_result_t *res)
{
	memset(res, 0, sizeof(*res));
	res->status = AR_REFUSED;
	snprintf(res->where, sizeof(res->where), "%s/%s/%s", s->server ? s->server : "?",
		 s->instance ? s->instance : "?", s->name ? s->name : "?");
}

static int refuse(ar_result_t *res, ar_status_t st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int refuse(ar_result_t *res, ar_status_t st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(res->err, sizeof(res->err), fmt, ap);
	va_end(ap);
	res->status = st;
	return -1;
}

/* Check the submission's manifest against its labels, size and checksum. */
static int check_manifest(const ar_sub_t *s, const ar_manifest_t *m, ar_result_t *res)
{
	const char *sv, *in, *ph;
	char err[512];
	if (ar_labels_resolve(m, s->server, s->instance, s->phase, &sv, &in, &ph, err,
			      sizeof(err)) < 0)
		return refuse(res, AR_REFUSED, "%s", err);
	if (!same_str(ph, s->phase))
		return refuse(res, AR_REFUSED, "phase %s announced, but the manifest says %s",
			      s->phase ? s->phase : "null", ph ? ph : "null");
	if (!m->sha256[0])
		return refuse(res, AR_REFUSED, "the manifest has no sha256");
	if (s->sha256 && strcmp(s->sha256, m->sha256))
		return refuse(res, AR_REFUSED, "checksum mismatch: the manifest says sha256 %s, "
			      "but the file's is %s", m->sha256, s->sha256);
	if (s->size != AR_SIZE_UNKNOWN && m->file_bytes >= 0 && (uint64_t)m->file_bytes != s->size)
		return refuse(res, AR_REFUSED, "the manifest says %lld bytes, but the file has %llu",
			      (long long)m->file_bytes, (unsigned long long)s->size);
	return 0;
}

int ar_sub_check(const ar_sub_t *s, ar_result_t *res)
{
	char err[512];
	res_init(s, res);
	if (!s->name || ar_file_name_check(s->name, err, sizeof(err)) < 0)
		return refuse(res, AR_REFUSED, "%s", s->name ? err : "no file name");
	if (!s->server || ar_name_check(s->server, "server", err, sizeof(err)) < 0)
		return refuse(res, AR_REFUSED, "%s", s->server ? err : "no server label");
	if (!s->instance || ar_name_check(s->instance, "instance", err, sizeof(err)) < 0)
		return refuse(res, AR_REFUSED, "%s", s->instance ? err : "no instance label");
	if (s->phase && ar_label_check(s->phase, "phase", err, sizeof(err)) < 0)
		return refuse(res, AR_REFUSED, "%s", err);
	if (s->sha256 && (strlen(s->sha256) != 64 || strspn(s->sha256, "0123456789abcdef") != 64))
		return refuse(res, AR_REFUSED, "announced sha256 is not 64 lowercase hex digits");
	if (s->manifest) {
		ar_manifest_t m;
		if (s->manifest_len > AR_MANIFEST_MAX)
			return refuse(res, AR_REFUSED, "manifest larger than %u bytes", AR_MANIFEST_MAX);
		if (ar_manifest_parse(s->manifest, s->manifest_len, &m, err, sizeof(err)) < 0)
			return refuse(res, AR_REFUSED, "%s", err);
		int rc = check_manifest(s, &m, res);
		ar_manifest_free(&m);
		return rc;
	}
	return 0;
}

/* ---- what is stored under a name -------------------------------------- */

int ar_open_instance(ar_archive_t *a, const char *server, const char *instance)
{
	int sfd = openat(a->fd, server, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0)
		return -1;
	int ifd = openat(sfd, instance, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int e = errno;
	close(sfd);
	errno = e;
	return ifd;
}

int ar_lock_dir(int dirfd, int exclusive)
{
	/* 0666 less the umask: a group-shared archive gets a group-shared
	 * lock; and flock() needs no write access, so another user's lock
	 * file is opened read-only. */
	int fd = openat(dirfd, LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd < 0 && (errno == EACCES || errno == EROFS))
		fd = openat(dirfd, LOCK_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
		if (errno != EINTR) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
	}
	return fd;
}

static void manifest_name(const char *name, char out[AR_NAME_MAX + 8])
{
	snprintf(out, AR_NAME_MAX + 8, "%s.json", name);
}

enum { DEC_ABSENT, DEC_SAME, DEC_DATA_ONLY, DEC_CONFLICT, DEC_ERROR };

/*
 * Compare what is stored as s->name in @p dfd with data of checksum @p sha
 * and @p size, to be stored with manifest bytes @p mf (NULL: the archive
 * writes one; then the labels decide). DEC_DATA_ONLY: the same data, no
 * manifest beside it.
 */
static int decide(int dfd, const ar_sub_t *s, const char *sha, uint64_t size, ar_result_t *res)
{
	char mname[AR_NAME_MAX + 8], stored_sha[65], err[512];
	struct stat st;
	char *mbytes = NULL;
	size_t mlen;
	ar_manifest_t m;
	int rc;

	manifest_name(s->name, mname);
	if (fstatat(dfd, s->name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT) {
			refuse(res, AR_FAILED, "%s: %s", res->where, strerror(errno));
			return DEC_ERROR;
		}
		if (fstatat(dfd, mname, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			refuse(res, AR_REFUSED, "%s.json is stored without its data file (see "
			       "`rootlens archive verify`)", res->where);
			return DEC_CONFLICT;
		}
		return DEC_ABSENT;
	}
	if (!S_ISREG(st.st_mode)) {
		refuse(res, AR_REFUSED, "%s exists and is not a regular file", res->where);
		return DEC_CONFLICT;
	}
	rc = ar_read_small(dfd, mname, AR_MANIFEST_MAX, &mbytes, &mlen);
	if (rc == DW_ENOENT) {
		/* Data without manifest: a publication cut short, or
		 * something put there by hand. Only its bytes can tell. */
		uint64_t n;
		int fd = openat(dfd, s->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || ar_sha256_fd(fd, stored_sha, &n) < 0) {
			refuse(res, AR_FAILED, "%s: cannot read: %s", res->where, strerror(errno));
			if (fd >= 0)
				close(fd);
			return DEC_ERROR;
		}
		close(fd);
		memcpy(res->sha256, stored_sha, sizeof(stored_sha));
		if (strcmp(stored_sha, sha) || n != size) {
			refuse(res, AR_REFUSED, "a different file is already stored as %s (sha256 %s, "
			       "this one %s)", res->where, stored_sha, sha);
			return DEC_CONFLICT;
		}
		return DEC_DATA_ONLY;
	}
	if (rc < 0) {
		refuse(res, AR_FAILED, "%s.json: cannot read: %s", res->where,
		       rc == DW_ETOOBIG ? "too large" : strerror(errno));
		return DEC_ERROR;
	}
	if (ar_manifest_parse(mbytes, mlen, &m, err, sizeof(err)) < 0) {
		free(mbytes);
		refuse(res, AR_REFUSED, "%s.json, stored, is damaged (%s); see `rootlens archive "
		       "verify`", res->where, err);
		return DEC_CONFLICT;
	}
	if (m.sha256[0]) {
		memcpy(stored_sha, m.sha256, sizeof(stored_sha));
	} else {
		uint64_t n;
		int fd = openat(dfd, s->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || ar_sha256_fd(fd, stored_sha, &n) < 0) {
			refuse(res, AR_FAILED, "%s: cannot read: %s", res->where, strerror(errno));
			if (fd >= 0)
				close(fd);
			ar_manifest_free(&m);
			free(mbytes);
			return DEC_ERROR;
		}
		close(fd);
	}
	memcpy(res->sha256, stored_sha, sizeof(stored_sha));
	rc = DEC_SAME;
	if (strcmp(stored_sha, sha) || (uint64_t)st.st_size != size) {
		refuse(res, AR_REFUSED, "a different file is already stored as %s (sha256 %s, this "
		       "one %s)", res->where, stored_sha, sha);
		rc = DEC_CONFLICT;
	} else if (s->manifest) {
		if (mlen != s->manifest_len || memcmp(mbytes, s->manifest, mlen)) {
			refuse(res, AR_REFUSED, "%s is already stored, with a different manifest%s",
			       res->where, m.archive_made ? " (it was submitted without one)" : "");
			rc = DEC_CONFLICT;
		}
	} else if (!same_str(m.phase, s->phase)) {
		refuse(res, AR_REFUSED, "%s is already stored with phase %s%s%s, not %s%s%s",
		       res->where, m.phase ? "\"" : "", m.phase ? m.phase : "null",
		       m.phase ? "\"" : "", s->phase ? "\"" : "", s->phase ? s->phase : "null",
		       s->phase ? "\"" : "");
		rc = DEC_CONFLICT;
	}
	ar_manifest_free(&m);
	free(mbytes);
	return rc;
}

int ar_name_taken(ar_archive_t *a, const ar_sub_t *s)
{
	char mname[AR_NAME_MAX + 8];
	struct stat st;
	int dfd = ar_open_instance(a, s->server, s->instance), taken;
	if (dfd < 0)
		return 0;
	manifest_name(s->name, mname);
	taken = fstatat(dfd, s->name, &st, AT_SYMLINK_NOFOLLOW) == 0 ||
		fstatat(dfd, mname, &st, AT_SYMLINK_NOFOLLOW) == 0;
	close(dfd);
	return taken;
}

int ar_precheck(ar_archive_t *a, const ar_sub_t *s, ar_result_t *res)
{
	if (ar_sub_check(s, res) < 0)
		return 1;
	if (!s->sha256 || s->size == AR_SIZE_UNKNOWN)
		return 0;
	int dfd = ar_open_instance(a, s->server, s->instance);
	if (dfd < 0)
		return 0;
	int d = decide(dfd, s, s->sha256, s->size, res);
	close(dfd);
	switch (d) {
	case DEC_SAME:
		res->status = AR_EXISTS;
		res->err[0] = '\0';
		return 1;
	case DEC_CONFLICT:
	case DEC_ERROR:
		return 1;
	default:
		res->sha256[0] = '\0';
		res->err[0] = '\0';
		return 0;
	}
}

/* ---- writing ---------------------------------------------------------- */

/* Open (creating) DIR/server/instance; new directories are fsynced into
 * their parents. -1 with errno. */
static int make_dirs(ar_archive_t *a, const char *server, const char *instance, char *what,
		     size_t whatlen)
{
	const char *names[2] = { server, instance };
	int parent = a->fd, fd = -1;

	for (int i = 0; i < 2; i++) {
		snprintf(what, whatlen, "%s/%s%s%s", a->root, server, i ? "/" : "", i ? instance : "");
		if (mkdirat(parent, names[i], 0777) == 0) {
			if (fsync(parent) < 0)
				goto fail;
		} else if (errno != EEXIST) {
			goto fail;
		}
		fd = openat(parent, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			goto fail;
		if (parent != a->fd)
			close(parent);
		parent = fd;
	}
	return fd;
fail:;
	int e = errno;
	if (parent != a->fd)
		close(parent);
	errno = e;
	return -1;
}

/* Create a hidden temporary ".BASE.tmp.<12 random>" in @p dfd. */
static int make_temp(int dfd, const char *base, char name[AR_NAME_MAX + 32])
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	for (int tries = 0; tries < 100; tries++) {
		unsigned char rnd[12];
		char sfx[13];
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
			/* no entropy source: the clock and pid still differ */
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			uint64_t v = (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32) ^
				     (uint64_t)tries * 0x9e3779b97f4a7c15ull;
			for (int i = 0; i < 12; i++)
				rnd[i] = (unsigned char)(v >> (5 * i));
		}
		for (int i = 0; i < 12; i++)
			sfx[i] = digits[rnd[i] % 36];
		sfx[12] = '\0';
		snprintf(name, AR_NAME_MAX + 32, ".%s.tmp.%s", base, sfx);
		int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	errno = EEXIST;
	return -1;
}

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Rename @p from to @p to in @p dfd unless @p to exists. */
static int publish(int dfd, const char *from, const char *to)
{
	if (syscall(SYS_renameat2, dfd, from, dfd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
		return -1;
	/* No RENAME_NOREPLACE here: a hard link is just as exclusive. */
	if (linkat(dfd, from, dfd, to, 0) == 0) {
		unlinkat(dfd, from, 0);
		return 0;
	}
	if (errno != EPERM && errno != ENOTSUP && errno != EOPNOTSUPP)
		return -1;
	/* No hard links either (some network file systems): the directory
	 * lock, which every writer takes, keeps this one from replacing. */
	struct stat st;
	if (fstatat(dfd, to, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		errno = EEXIST;
		return -1;
	}
	return renameat(dfd, from, dfd, to);
}

/* Remove temporaries of interrupted submits (older than AR_STALE_TMP_SEC). */
static void remove_stale(int dfd)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	time_t now = time(NULL);

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d))) {
		struct stat st;
		if (e->d_name[0] != '.' || !strstr(e->d_name, ".tmp."))
			continue;
		if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
		    now - st.st_mtime > AR_STALE_TMP_SEC)
			unlinkat(dfd, e->d_name, 0);
	}
	closedir(d);
}

/* Replace the temporary path in a reader message by the user's name. */
static void rename_in_msg(char *msg, size_t cap, const char *from, const char *to)
{
	char *p = strstr(msg, from);
	if (!p)
		return;
	char rest[1024];
	snprintf(rest, sizeof(rest), "%s", p + strlen(from));
	snprintf(p, cap - (size_t)(p - msg), "%s%s", to, rest);
}

ar_status_t ar_submit(ar_archive_t *a, const ar_sub_t *s, ar_result_t *res)
{
	char tmp[AR_NAME_MAX + 32] = "", mtmp[AR_NAME_MAX + 40] = "", mname[AR_NAME_MAX + 8];
	char what[4096], tpath[4096], err[600], mbase[AR_NAME_MAX + 8];
	const char *shown = s->shown ? s->shown : s->name;
	int dfd = -1, fd = -1, lockfd = -1;
	uint8_t *buf = NULL;
	ar_raw_t *raw = NULL;
	ar_info_t info;
	char *made = NULL;
	const char *mf;
	size_t mflen;

	memset(&info, 0, sizeof(info));
	if (ar_sub_check(s, res) < 0)
		return res->status;
	manifest_name(s->name, mname);
	if ((dfd = make_dirs(a, s->server, s->instance, what, sizeof(what))) < 0) {
		refuse(res, AR_FAILED, "cannot create %s: %s", what, strerror(errno));
		goto out;
	}
	if ((fd = make_temp(dfd, s->name, tmp)) < 0) {
		refuse(res, AR_FAILED, "cannot write in %s/%s/%s: %s", a->root, s->server,
		       s->instance, strerror(errno));
		goto out;
	}
	snprintf(tpath, sizeof(tpath), "%s/%s/%s/%s", a->root, s->server, s->instance, tmp);
	if (!(buf = malloc(IOBUF)) || ar_raw_new(&raw) < 0) {
		refuse(res, AR_FAILED, "out of memory");
		goto out;
	}

	/* The copy: hashed and gzip-checked on the way. */
	for (;;) {
		if (s->cancel && *s->cancel) {
			refuse(res, AR_REFUSED, "%s: interrupted", shown);
			goto out;
		}
		ssize_t n = s->read(s->read_ctx, buf, IOBUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			refuse(res, AR_REFUSED, "%s: reading failed after %llu bytes: %s", shown,
			       (unsigned long long)res->bytes, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (s->size != AR_SIZE_UNKNOWN && res->bytes + (uint64_t)n > s->size) {
			refuse(res, AR_REFUSED, "%s: more than the %llu bytes announced", shown,
			       (unsigned long long)s->size);
			goto out;
		}
		if (ar_raw_update(raw, buf, (size_t)n) < 0) {
			refuse(res, AR_FAILED, "SHA-256 failed");
			goto out;
		}
		if (write_all(fd, buf, (size_t)n) < 0) {
			refuse(res, AR_FAILED, "writing %s: %s", tpath, strerror(errno));
			goto out;
		}
		res->bytes += (uint64_t)n;
	}
	if (s->size != AR_SIZE_UNKNOWN && res->bytes != s->size) {
		refuse(res, AR_REFUSED, "%s: the data ended after %llu of %llu bytes", shown,
		       (unsigned long long)res->bytes, (unsigned long long)s->size);
		goto out;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		refuse(res, AR_FAILED, "writing %s: %s", tpath, strerror(errno));
		goto out;
	}
	fd = -1;
	int rc = ar_raw_finish(raw, &info, err, sizeof(err));
	memcpy(res->sha256, info.sha256, sizeof(res->sha256));
	if (rc < 0) {
		refuse(res, rc == DW_EIO || rc == DW_ENOMEM ? AR_FAILED : AR_REFUSED, "%s: %s", shown,
		       err);
		goto out;
	}
	if (s->sha256 && strcmp(s->sha256, info.sha256)) {
		refuse(res, AR_REFUSED, "%s: checksum mismatch: the data read have sha256 %s, "
		       "announced %s", shown, info.sha256, s->sha256);
		goto out;
	}
	ar_manifest_t m = { 0 };
	if (s->manifest) {
		/* parsed cleanly in ar_sub_check() */
		if (ar_manifest_parse(s->manifest, s->manifest_len, &m, err, sizeof(err)) < 0) {
			refuse(res, AR_REFUSED, "%s", err);
			goto out;
		}
		if (strcmp(m.sha256, info.sha256)) {
			refuse(res, AR_REFUSED, "%s: checksum mismatch: the manifest says sha256 %s, "
			       "the file's is %s", shown, m.sha256, info.sha256);
			ar_manifest_free(&m);
			goto out;
		}
		if (m.file_bytes >= 0 && (uint64_t)m.file_bytes != info.bytes) {
			refuse(res, AR_REFUSED, "%s: the manifest says %lld bytes, the file has %llu",
			       shown, (long long)m.file_bytes, (unsigned long long)info.bytes);
			ar_manifest_free(&m);
			goto out;
		}
	}
	if ((rc = ar_read_check(tpath, &info, err, sizeof(err))) < 0) {
		ar_manifest_free(&m);
		rename_in_msg(err, sizeof(err), tpath, shown);
		refuse(res, rc == DW_ENOMEM ? AR_FAILED : AR_REFUSED, "%s", err);
		goto out;
	}
	if (s->manifest && m.packets >= 0 && (uint64_t)m.packets != info.packets) {
		refuse(res, AR_REFUSED, "%s: the manifest says %lld packets, the file holds %llu",
		       shown, (long long)m.packets, (unsigned long long)info.packets);
		ar_manifest_free(&m);
		goto out;
	}
	ar_manifest_free(&m);

	/* The manifest, to its own temporary file. */
	if (s->manifest) {
		mf = s->manifest;
		mflen = s->manifest_len;
	} else {
		if (ar_manifest_make(s->server, s->instance, s->phase, &info, &made, &mflen) < 0) {
			refuse(res, AR_FAILED, "out of memory");
			goto out;
		}
		mf = made;
	}
	snprintf(mbase, sizeof(mbase), "%s.json", s->name);
	if ((fd = make_temp(dfd, mbase, mtmp)) < 0 || write_all(fd, mf, mflen) < 0 || fsync(fd) < 0) {
		refuse(res, AR_FAILED, "writing the manifest in %s/%s/%s: %s", a->root, s->server,
		       s->instance, strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		refuse(res, AR_FAILED, "writing the manifest: %s", strerror(errno));
		goto out;
	}
	fd = -1;

	/* Publication, one writer per directory at a time. */
	if ((lockfd = ar_lock_dir(dfd, 1)) < 0) {
		refuse(res, AR_FAILED, "cannot lock %s/%s/%s/" LOCK_NAME ": %s", a->root, s->server,
		       s->instance, strerror(errno));
		goto out;
	}
	/* A manifest the archive made compares by the labels (decide()). */
	switch (decide(dfd, s, info.sha256, info.bytes, res)) {
	case DEC_ABSENT:
		if (publish(dfd, tmp, s->name) < 0) {
			refuse(res, errno == EEXIST ? AR_REFUSED : AR_FAILED,
			       "cannot store %s: %s", res->where, strerror(errno));
			goto out;
		}
		tmp[0] = '\0';
		if (fsync(dfd) < 0) {
			refuse(res, AR_FAILED, "%s: fsync of the directory: %s", res->where,
			       strerror(errno));
			goto out;
		}
		/* fall through - the manifest */
	case DEC_DATA_ONLY: {
		int only = !tmp[0] ? 0 : 1;
		if (publish(dfd, mtmp, mname) < 0) {
			refuse(res, AR_FAILED, "cannot store %s.json: %s", res->where, strerror(errno));
			goto out;
		}
		mtmp[0] = '\0';
		if (fsync(dfd) < 0) {
			refuse(res, AR_FAILED, "%s: fsync of the directory: %s", res->where,
			       strerror(errno));
			goto out;
		}
		res->status = AR_STORED;
		res->completed = only;
		res->err[0] = '\0';
		memcpy(res->sha256, info.sha256, sizeof(res->sha256));
		break;
	}
	case DEC_SAME:
		res->status = AR_EXISTS;
		res->err[0] = '\0';
		break;
	default:
		break; /* res set by decide() */
	}
	remove_stale(dfd);
out:
	if (fd >= 0)
		close(fd);
	if (tmp[0] && dfd >= 0)
		unlinkat(dfd, tmp, 0);
	if (mtmp[0] && dfd >= 0)
		unlinkat(dfd, mtmp, 0);
	if (lockfd >= 0)
		close(lockfd);
	if (dfd >= 0)
		close(dfd);
	ar_raw_free(raw);
	free(buf);
	free(made);
	return res->status;
}
