/*
 * cmd_archive.c - `rootlens archive`: the shared archive of contributed
 * capture windows (DIR/<server>/<instance>/<file> + <file>.json).
 *
 *   submit   verify and store files, locally (--archive) or over ssh (--to)
 *   receive  the archive host's end of `submit --to` (stdin/stdout)
 *   verify   recheck every stored file
 *   list     the catalog, selected by server, instance, phase, time
 *   analyze  `rootlens analyze` per instance over a selection, merged
 *
 * The work is in archive/ (ar_*.h): names, verification, storing,
 * catalog, protocol. This file parses options, prints, and runs the
 * processes (ssh; analyze and merge).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ar_catalog.h"
#include "ar_manifest.h"
#include "ar_names.h"
#include "ar_proto.h"
#include "ar_store.h"
#include "ar_verify.h"
#include "cli.h"
#include "rootlens/common.h"
#include "rootlens/errcode.h"

#define CMD "archive"
#define MAX_JOBS 256

static const char archive_help[] =
	"usage: rootlens archive submit --archive DIR [LABELS] [-q] FILE...\n"
	"       rootlens archive submit --to [USER@]HOST:DIR [--ssh CMD]\n"
	"                               [--remote-rootlens PATH] [LABELS] FILE...\n"
	"       rootlens archive receive --archive DIR\n"
	"       rootlens archive verify --archive DIR [-j N] [-q]\n"
	"       rootlens archive list --archive DIR [SELECTION] [--json] [--rescan]\n"
	"       rootlens archive analyze --archive DIR [SELECTION] [-j N] [-o FILE]\n"
	"                               [--compact] [ANALYZE OPTIONS] [-q]\n"
	"\n"
	"The shared archive of contributed capture windows: DIR/SERVER/INSTANCE/FILE\n"
	"with its manifest FILE.json beside it, and a catalog DIR/.catalog.sqlite.\n"
	"\n"
	"submit: each FILE is copied into the archive under a hidden temporary\n"
	"name, checked (complete gzip stream, pcap/pcapng records read to the end,\n"
	"SHA-256 equal to its manifest's FILE.json), fsynced and renamed into\n"
	"place, then its manifest. Submitting the same file again does nothing\n"
	"(\"exists\"); a different file under a stored name is refused.\n"
	"  LABELS: --server S --instance I [--phase P], for files without a\n"
	"  manifest (the archive writes one); with a manifest they must agree.\n"
	"  --to [USER@]HOST:DIR  stream the files over ssh to `rootlens archive\n"
	"                     receive --archive DIR` on HOST, which checks them the\n"
	"                     same way and answers with the SHA-256 it stored\n"
	"  --ssh CMD          the ssh command, split at spaces (default: ssh)\n"
	"  --remote-rootlens PATH  rootlens on HOST (default: rootlens)\n"
	"  -q, --quiet        print refusals and failures only\n"
	"\n"
	"SELECTION: --server S --instance I --phase P --from T --to T (files\n"
	"whose packets overlap [from, to); T as 2010-05-05T00:00:00Z, a date or\n"
	"@seconds).\n"
	"list: one line per file (--json: a document); --rescan re-reads every\n"
	"manifest into the catalog.\n"
	"analyze: `rootlens analyze` per server|instance over the selected files,\n"
	"the partial documents merged (`rootlens merge`: per-instance totals under\n"
	"\"instances\"); -j N cores in all (default: online CPUs); passes on\n"
	"--interval, --port, --prefix4, --prefix6, --top, --split-warmup, --asn-map\n"
	"and the --flag-* options.\n"
	"verify: recheck every file (checksum, gzip, records, manifest); list\n"
	"problems.\n"
	"\n"
	"Exit status: 0 ok; 1 a file was refused (submit), a problem was found\n"
	"(verify), an input was damaged or nothing was selected (analyze); 2 usage\n"
	"error; 3 the archive could not be written or read (permissions, disk\n"
	"full, connection).\n";

static int usage_err(const char *sub, const char *msg)
{
	char c[64];
	snprintf(c, sizeof(c), CMD " %s", sub);
	return cli_usage_error(c, "%s", msg);
}

static int parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *v)
{
	char *end;
	unsigned long x = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || x < lo || x > hi)
		return -1;
	*v = (unsigned)x;
	return 0;
}

static unsigned online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > MAX_JOBS ? MAX_JOBS : (unsigned)n;
}

/* ---- signals: submit and receive clean up their temporary files ------- */

static volatile sig_atomic_t cancelled;

static void on_signal(int sig)
{
	(void)sig;
	cancelled = 1;
}

static void catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: a read blocked on a pipe returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* ---- reading local files ---------------------------------------------- */

/* Whole file @p path (following symlinks). @return 1 read, 0 missing,
 * -1 other failure (errno; ETOOBIG as EFBIG). */
static int load_file(const char *path, size_t max, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	*out = NULL;
	*len = 0;
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		errno = EFBIG;
		return -1;
	}
	size_t cap = (size_t)st.st_size + 1, have = 0;
	char *buf = malloc(cap + 1);
	if (!buf) {
		close(fd);
		return -1;
	}
	for (;;) {
		if (have == cap) {
			close(fd);
			free(buf);
			errno = EFBIG; /* grew while read */
			return -1;
		}
		ssize_t n = read(fd, buf + have, cap - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			free(buf);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		have += (size_t)n;
	}
	close(fd);
	buf[have] = '\0';
	*out = buf;
	*len = have;
	return 1;
}

static ssize_t fd_read(void *ctx, void *buf, size_t n)
{
	return read(*(int *)ctx, buf, n);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* ---- submit: what is common to local and remote ------------------------ */

typedef struct cli_labels {
	const char *server, *instance, *phase;
} cli_labels_t;

typedef struct prepared {
	const char *path;
	int fd;
	struct stat st;
	char *manifest;
	size_t manifest_len;
	ar_manifest_t m;
	ar_sub_t sub;
} prepared_t;

static int refused(ar_result_t *res, ar_status_t st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int refused(ar_result_t *res, ar_status_t st, const char *fmt, ...)
{
	va_list ap;
	res->status = st;
	va_start(ap, fmt);
	vsnprintf(res->err, sizeof(res->err), fmt, ap);
	va_end(ap);
	return -1;
}

static void prepared_free(prepared_t *p)
{
	if (p->fd >= 0)
		close(p->fd);
	free(p->manifest);
	ar_manifest_free(&p->m);
	p->fd = -1;
	p->manifest = NULL;
}

/*
 * Open @p path, read its manifest PATH.json if there is one, settle the
 * labels. @return 0, or -1 with @p res filled (refused).
 */
static int prepare(const char *path, const cli_labels_t *cli, prepared_t *p, ar_result_t *res)
{
	char err[512];
	size_t plen = strlen(path) + sizeof(".json");
	char *mpath = malloc(plen);
	const char *server, *instance, *phase;

	memset(p, 0, sizeof(*p));
	memset(res, 0, sizeof(*res));
	p->fd = -1;
	p->path = path;
	if (!mpath)
		return refused(res, AR_FAILED, "out of memory");
	memcpy(mpath, path, plen - sizeof(".json"));
	memcpy(mpath + plen - sizeof(".json"), ".json", sizeof(".json"));
	const char *name = base_name(path);
	if ((p->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(p->fd, &p->st) < 0) {
		free(mpath);
		return refused(res, AR_REFUSED, "%s", strerror(errno));
	}
	if (S_ISDIR(p->st.st_mode)) {
		free(mpath);
		return refused(res, AR_REFUSED, "is a directory");
	}
	int rc = load_file(mpath, AR_MANIFEST_MAX, &p->manifest, &p->manifest_len);
	if (rc < 0) {
		refused(res, AR_REFUSED, "%s: %s", mpath,
			errno == EFBIG ? "manifest too large" : strerror(errno));
		free(mpath);
		return -1;
	}
	if (rc == 1 && ar_manifest_parse(p->manifest, p->manifest_len, &p->m, err, sizeof(err)) < 0) {
		refused(res, AR_REFUSED, "%s: %s", mpath, err);
		free(mpath);
		return -1;
	}
	free(mpath);
	if (ar_labels_resolve(rc == 1 ? &p->m : NULL, cli->server, cli->instance, cli->phase,
			      &server, &instance, &phase, err, sizeof(err)) < 0)
		return refused(res, AR_REFUSED, "%s", err);
	p->sub.name = name;
	p->sub.server = server;
	p->sub.instance = instance;
	p->sub.phase = phase;
	p->sub.manifest = p->manifest;
	p->sub.manifest_len = p->manifest_len;
	p->sub.size = S_ISREG(p->st.st_mode) ? (uint64_t)p->st.st_size : AR_SIZE_UNKNOWN;
	p->sub.read = fd_read;
	p->sub.read_ctx = &p->fd;
	p->sub.cancel = &cancelled;
	p->sub.shown = path;
	if (ar_sub_check(&p->sub, res) < 0)
		return -1;
	return 0;
}

/* One outcome line: stdout for stored/exists, stderr otherwise.
 * @return the exit status it stands for. */
static int report(const char *path, const ar_result_t *res, int quiet)
{
	const char *e = res->err;
	size_t n = strlen(path);
	if (!strncmp(e, path, n) && !strncmp(e + n, ": ", 2))
		e += n + 2; /* the message names the file already */
	switch (res->status) {
	case AR_STORED:
	case AR_EXISTS:
		if (!quiet)
			printf("%-7s %s -> %s sha256 %s%s\n", ar_status_name(res->status), path,
			       res->where, res->sha256,
			       res->completed ? " (its missing manifest put beside it)" : "");
		fflush(stdout);
		return RL_EXIT_OK;
	case AR_REFUSED:
		cli_err(CMD " submit", "refused %s: %s", path, e);
		return RL_EXIT_DAMAGED;
	default:
		cli_err(CMD " submit", "failed %s: %s", path, e);
		return RL_EXIT_FATAL;
	}
}

static int worse(int a, int b)
{
	return a > b ? a : b;
}

/* ---- submit to a local archive ---------------------------------------- */

static void submit_local_one(ar_archive_t *a, ar_cat_t **cat, int *cat_failed,
			     const char *path, const cli_labels_t *cli, ar_result_t *res)
{
	prepared_t p;
	char err[512];

	if (prepare(path, cli, &p, res) < 0) {
		prepared_free(&p);
		return;
	}
	/* A name already taken: compare checksums before copying anything. */
	if (S_ISREG(p.st.st_mode) && ar_name_taken(a, &p.sub)) {
		char hex[65];
		uint64_t n;
		if (ar_sha256_fd(p.fd, hex, &n) < 0 || lseek(p.fd, 0, SEEK_SET) < 0) {
			refused(res, AR_REFUSED, "reading failed: %s", strerror(errno));
			prepared_free(&p);
			return;
		}
		p.sub.sha256 = hex;
		p.sub.size = n;
		if (ar_precheck(a, &p.sub, res)) {
			prepared_free(&p);
			return;
		}
		ar_submit(a, &p.sub, res);
	} else {
		ar_submit(a, &p.sub, res);
	}
	if (res->status == AR_STORED && !*cat_failed) {
		int rc = 0;
		if (!*cat)
			rc = ar_cat_open(cat, ar_archive_root(a), ar_archive_fd(a), AR_CAT_NOSYNC, NULL,
					 err, sizeof(err));
		if (rc == 0)
			rc = ar_cat_note(*cat, p.sub.server, p.sub.instance, p.sub.name, err,
					 sizeof(err));
		if (rc < 0) {
			/* The catalog is rebuilt from the manifests when read. */
			*cat_failed = 1;
			cli_err(CMD " submit", "note: the catalog was not updated (%s); `archive list` "
				"will bring it up to date", err);
		}
	}
	prepared_free(&p);
}

/* ---- submit over ssh -------------------------------------------------- */

typedef struct remote {
	pid_t pid;
	int to, from;
	ar_rd_t *rd;
	int dead;
	char why[600];
} remote_t;

/* 'x' for the remote shell. */
static char *shell_quote(const char *s)
{
	size_t n = 3;
	for (const char *p = s; *p; p++)
		n += *p == '\'' ? 4 : 1;
	char *q = malloc(n), *o = q;
	if (!q)
		return NULL;
	*o++ = '\'';
	for (const char *p = s; *p; p++) {
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = *p;
		}
	}
	*o++ = '\'';
	*o = '\0';
	return q;
}

/* "[user@]host:dir", "[user@][v6addr]:dir" into dest and dir. */
static int parse_target(const char *t, char **dest, char **dir)
{
	const char *colon = NULL, *lb = strchr(t, '[');
	const char *at = strchr(t, '@');
	char *d;

	if (lb && (!at || lb == at + 1 || lb == t)) {
		const char *rb = strchr(lb, ']');
		if (!rb || rb[1] != ':')
			return -1;
		colon = rb + 1;
	} else {
		colon = strchr(t, ':');
	}
	if (!colon || colon == t || colon[1] == '\0' || t[0] == '-')
		return -1;
	if (!(d = malloc((size_t)(colon - t) + 1)))
		return -1;
	/* without the brackets: ssh takes user@::1 */
	size_t k = 0;
	for (const char *p = t; p < colon; p++)
		if (*p != '[' && *p != ']')
			d[k++] = *p;
	d[k] = '\0';
	if (!k || d[k - 1] == '@' || d[0] == '@') {
		free(d);
		return -1;
	}
	*dest = d;
	if (!(*dir = strdup(colon + 1))) {
		free(d);
		return -1;
	}
	return 0;
}

static int pipe_cloexec(int p[2])
{
	if (pipe(p) < 0)
		return -1;
	if (fcntl(p[0], F_SETFD, FD_CLOEXEC) < 0 || fcntl(p[1], F_SETFD, FD_CLOEXEC) < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		p[0] = p[1] = -1;
		errno = e;
		return -1;
	}
	return 0;
}

static int remote_start(remote_t *r, const char *ssh_cmd, const char *dest, const char *dir,
			const char *remote_rootlens)
{
	char *cmdcopy = strdup(ssh_cmd), *qbin = shell_quote(remote_rootlens);
	char *qdir = shell_quote(dir), *remote = NULL, *tok, *save = NULL;
	char **argv = NULL;
	size_t argc = 0;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, rc = -1;
	char line[AR_LINE_MAX], err[512];

	memset(r, 0, sizeof(*r));
	r->to = r->from = -1;
	r->pid = -1;
	r->dead = 1;
	if (!cmdcopy || !qbin || !qdir || !(r->rd = malloc(sizeof(*r->rd))) ||
	    !(argv = calloc(strlen(ssh_cmd) / 2 + 5, sizeof(*argv)))) {
		snprintf(r->why, sizeof(r->why), "out of memory");
		goto out;
	}
	size_t rlen = strlen(qbin) + strlen(qdir) + 64;
	if (!(remote = malloc(rlen))) {
		snprintf(r->why, sizeof(r->why), "out of memory");
		goto out;
	}
	snprintf(remote, rlen, "%s archive receive --archive %s", qbin, qdir);
	for (tok = strtok_r(cmdcopy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
		argv[argc++] = tok;
	if (!argc) {
		snprintf(r->why, sizeof(r->why), "--ssh is empty");
		goto out;
	}
	argv[argc++] = (char *)(uintptr_t)"--";
	argv[argc++] = (char *)(uintptr_t)dest;
	argv[argc++] = remote;
	argv[argc] = NULL;
	if (pipe_cloexec(in) < 0 || pipe_cloexec(out) < 0) {
		snprintf(r->why, sizeof(r->why), "pipe: %s", strerror(errno));
		goto out;
	}
	fflush(stdout);
	fflush(stderr);
	r->pid = fork();
	if (r->pid < 0) {
		snprintf(r->why, sizeof(r->why), "fork: %s", strerror(errno));
		goto out;
	}
	if (r->pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "rootlens archive submit: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	in[0] = out[1] = -1;
	r->to = in[1];
	r->from = out[0];
	in[1] = out[0] = -1;
	ar_rd_init(r->rd, r->from);
	int lr = ar_rd_line(r->rd, line, sizeof(line));
	if (lr != 1) {
		snprintf(r->why, sizeof(r->why), "no answer from `%s archive receive` on %s%s",
			 remote_rootlens, dest, lr == 0 ? " (see ssh's message above)" : "");
		goto out;
	}
	if (ar_hello_check(line, err, sizeof(err)) < 0) {
		snprintf(r->why, sizeof(r->why), "%s", err);
		goto out;
	}
	r->dead = 0;
	rc = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	free(cmdcopy);
	free(qbin);
	free(qdir);
	free(remote);
	free(argv);
	return rc;
}

/* Close our side, wait for ssh. @return its exit status (-1 signal). */
static int remote_end(remote_t *r)
{
	int status = 0;
	if (r->to >= 0)
		close(r->to);
	if (r->from >= 0)
		close(r->from);
	r->to = r->from = -1;
	free(r->rd);
	r->rd = NULL;
	if (r->pid > 0) {
		while (waitpid(r->pid, &status, 0) < 0 && errno == EINTR)
			;
		r->pid = -1;
		return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	}
	return 0;
}

static int read_answer(remote_t *r, const char *file, ar_ans_t *ans)
{
	char line[AR_LINE_MAX], err[256];
	int lr = ar_rd_line(r->rd, line, sizeof(line));
	if (lr != 1) {
		snprintf(r->why, sizeof(r->why), "the connection closed%s",
			 lr == 0 ? "" : " in the middle of an answer");
		r->dead = 1;
		return -1;
	}
	if (ar_ans_decode(line, ans, err, sizeof(err)) < 0 || strcmp(ans->file, file)) {
		snprintf(r->why, sizeof(r->why), "bad answer from the receiver (%s): %.200s",
			 ar_ans_decode(line, ans, err, sizeof(err)) < 0 ? err : "another file", line);
		r->dead = 1;
		return -1;
	}
	return 0;
}

static void remote_one(remote_t *r, const char *path, const cli_labels_t *cli, ar_result_t *res)
{
	prepared_t p;
	ar_hdr_t h;
	ar_ans_t ans;
	char hex[65], line[AR_LINE_MAX];
	uint64_t size;
	uint8_t *buf = NULL;
	int n;

	if (prepare(path, cli, &p, res) < 0)
		goto out;
	snprintf(res->where, sizeof(res->where), "%s/%s/%s", p.sub.server, p.sub.instance,
		 p.sub.name);
	if (!S_ISREG(p.st.st_mode)) {
		refused(res, AR_REFUSED, "not a regular file (a remote submission sends the size "
			"first)");
		goto out;
	}
	if (ar_sha256_fd(p.fd, hex, &size) < 0 || lseek(p.fd, 0, SEEK_SET) < 0) {
		refused(res, AR_REFUSED, "reading failed: %s", strerror(errno));
		goto out;
	}
	if (r->dead) {
		refused(res, AR_FAILED, "not sent: %s", r->why);
		goto out;
	}
	memset(&h, 0, sizeof(h));
	snprintf(h.file, sizeof(h.file), "%s", p.sub.name);
	snprintf(h.server, sizeof(h.server), "%s", p.sub.server);
	snprintf(h.instance, sizeof(h.instance), "%s", p.sub.instance);
	if ((h.have_phase = p.sub.phase != NULL))
		snprintf(h.phase, sizeof(h.phase), "%s", p.sub.phase);
	h.size = size;
	memcpy(h.sha256, hex, sizeof(hex));
	h.manifest_size = p.manifest_len;
	if ((n = ar_hdr_encode(&h, line, sizeof(line))) < 0) {
		refused(res, AR_REFUSED, "cannot encode the header");
		goto out;
	}
	if (ar_write_all(r->to, line, (size_t)n) < 0 ||
	    (p.manifest_len && ar_write_all(r->to, p.manifest, p.manifest_len) < 0)) {
		snprintf(r->why, sizeof(r->why), "the connection closed: %s", strerror(errno));
		r->dead = 1;
		read_answer(r, h.file, &ans); /* a last word, if any */
		refused(res, AR_FAILED, "not sent: %s", r->why);
		goto out;
	}
	if (read_answer(r, h.file, &ans) < 0) {
		refused(res, AR_FAILED, "%s", r->why);
		goto out;
	}
	if (!strcmp(ans.status, "send")) {
		uint64_t left = size;
		if (!(buf = malloc(1 << 20))) {
			refused(res, AR_FAILED, "out of memory");
			r->dead = 1;
			goto out;
		}
		while (left && !cancelled) {
			ssize_t k = read(p.fd, buf, left < (1u << 20) ? (size_t)left : (1u << 20));
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {
				/* The frame cannot be completed: end the session (the
				 * receiver sees the stream end and drops the file). */
				snprintf(r->why, sizeof(r->why), "%s shrank or failed while being sent",
					 path);
				r->dead = 1;
				refused(res, AR_REFUSED, "%s", k < 0 ? strerror(errno) :
					"the file shrank while being sent");
				close(r->to);
				r->to = -1;
				goto out;
			}
			if (ar_write_all(r->to, buf, (size_t)k) < 0)
				break;
			left -= (uint64_t)k;
		}
		if (cancelled) {
			snprintf(r->why, sizeof(r->why), "interrupted");
			r->dead = 1;
			refused(res, AR_FAILED, "interrupted");
			goto out;
		}
		if (left) {
			snprintf(r->why, sizeof(r->why), "the connection closed while sending: %s",
				 strerror(errno));
			r->dead = 1;
			if (read_answer(r, h.file, &ans) < 0) {
				refused(res, AR_FAILED, "%s", r->why);
				goto out;
			}
		} else if (read_answer(r, h.file, &ans) < 0) {
			refused(res, AR_FAILED, "%s", r->why);
			goto out;
		}
	}
	memcpy(res->sha256, ans.sha256, sizeof(res->sha256));
	if (!strcmp(ans.status, "stored") || !strcmp(ans.status, "exists")) {
		res->status = !strcmp(ans.status, "stored") ? AR_STORED : AR_EXISTS;
		if (strcmp(ans.sha256, hex))
			refused(res, AR_FAILED, "the archive reports sha256 %s for %s, but the file's "
				"is %s", ans.sha256[0] ? ans.sha256 : "(none)", res->where, hex);
	} else {
		/* the receiver names the file by its archive name */
		const char *e = ans.error[0] ? ans.error : ans.status;
		size_t fl = strlen(h.file);
		if (!strncmp(e, h.file, fl) && !strncmp(e + fl, ": ", 2))
			e += fl + 2;
		refused(res, !strcmp(ans.status, "refused") ? AR_REFUSED : AR_FAILED, "%s", e);
	}
out:
	free(buf);
	prepared_free(&p);
}

static int do_submit(int argc, char **argv)
{
	enum { O_ARCHIVE = 256, O_TO, O_SERVER, O_INSTANCE, O_PHASE, O_SSH, O_REMOTE };
	static const struct option longopts[] = {
		{ "archive", required_argument, NULL, O_ARCHIVE },
		{ "to", required_argument, NULL, O_TO },
		{ "server", required_argument, NULL, O_SERVER },
		{ "instance", required_argument, NULL, O_INSTANCE },
		{ "phase", required_argument, NULL, O_PHASE },
		{ "ssh", required_argument, NULL, O_SSH },
		{ "remote-rootlens", required_argument, NULL, O_REMOTE },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *to = NULL, *ssh = "ssh", *remote_bin = "rootlens";
	cli_labels_t cli = { NULL, NULL, NULL };
	int c, quiet = 0, status = RL_EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		switch (c) {
		case O_ARCHIVE: dir = optarg; break;
		case O_TO: to = optarg; break;
		case O_SERVER: cli.server = optarg; break;
		case O_INSTANCE: cli.instance = optarg; break;
		case O_PHASE: cli.phase = optarg; break;
		case O_SSH: ssh = optarg; break;
		case O_REMOTE: remote_bin = optarg; break;
		case 'q': quiet = 1; break;
		case 'h': fputs(archive_help, stdout); return RL_EXIT_OK;
		default: return usage_err("submit", "bad option");
		}
	}
	if (!dir == !to)
		return usage_err("submit", "give either --archive DIR or --to [USER@]HOST:DIR");
	if (optind >= argc)
		return usage_err("submit", "no files to submit");
	catch_signals();

	if (dir) {
		ar_archive_t *a;
		ar_cat_t *cat = NULL;
		char err[512];
		int cat_failed = 0;
		if (ar_archive_open(&a, dir, err, sizeof(err)) < 0) {
			cli_err(CMD " submit", "%s", err);
			return RL_EXIT_FATAL;
		}
		for (int i = optind; i < argc; i++) {
			ar_result_t res;
			if (cancelled) {
				cli_err(CMD " submit", "interrupted: %s and the files after it not "
					"submitted", argv[i]);
				status = worse(status, RL_EXIT_DAMAGED);
				break;
			}
			submit_local_one(a, &cat, &cat_failed, argv[i], &cli, &res);
			status = worse(status, report(argv[i], &res, quiet));
		}
		ar_cat_close(cat);
		ar_archive_close(a);
		return status;
	}

	char *dest, *rdir;
	remote_t r;
	if (parse_target(to, &dest, &rdir) < 0)
		return usage_err("submit", "--to wants [USER@]HOST:DIR");
	if (remote_start(&r, ssh, dest, rdir, remote_bin) < 0)
		cli_err(CMD " submit", "%s", r.why);
	for (int i = optind; i < argc; i++) {
		ar_result_t res;
		if (cancelled) {
			cli_err(CMD " submit", "interrupted: %s and the files after it not submitted",
				argv[i]);
			status = worse(status, RL_EXIT_DAMAGED);
			break;
		}
		remote_one(&r, argv[i], &cli, &res);
		status = worse(status, report(argv[i], &res, quiet));
	}
	int ssh_rc = remote_end(&r);
	if (ssh_rc != 0 && status == RL_EXIT_OK) {
		cli_err(CMD " submit", "ssh exited with status %d", ssh_rc);
		status = RL_EXIT_FATAL;
	}
	free(dest);
	free(rdir);
	return status;
}

/* ---- receive: the archive host's end of submit --to ------------------- */

typedef struct limited {
	ar_rd_t *rd;
	uint64_t left;
	int eof;
} limited_t;

static ssize_t limited_read(void *ctx, void *buf, size_t n)
{
	limited_t *l = ctx;
	if (l->left == 0)
		return 0;
	if (n > l->left)
		n = (size_t)l->left;
	ssize_t k = ar_rd_bytes(l->rd, buf, n);
	if (k == 0)
		l->eof = 1;
	if (k > 0)
		l->left -= (uint64_t)k;
	return k;
}

/* Skip what the sender still sends of a file. @return 0 or -1 at the end. */
static int drain(limited_t *l)
{
	static unsigned char sink[65536];
	while (l->left && !l->eof) {
		ssize_t k = limited_read(l, sink, sizeof(sink));
		if (k < 0 && errno == EINTR && !cancelled)
			continue;
		if (k <= 0)
			return -1;
	}
	return l->eof ? -1 : 0;
}

static int answer(const char *file, const char *status, const char *sha, const char *error)
{
	ar_ans_t a;
	char line[AR_LINE_MAX];
	memset(&a, 0, sizeof(a));
	snprintf(a.file, sizeof(a.file), "%s", file);
	snprintf(a.status, sizeof(a.status), "%s", status);
	if (sha)
		snprintf(a.sha256, sizeof(a.sha256), "%s", sha);
	if (error)
		snprintf(a.error, sizeof(a.error), "%s", error);
	int n = ar_ans_encode(&a, line, sizeof(line));
	if (n < 0) {
		/* a name that is not UTF-8 cannot be echoed in JSON */
		snprintf(a.file, sizeof(a.file), "?");
		n = ar_ans_encode(&a, line, sizeof(line));
	}
	return n < 0 ? -1 : ar_write_all(1, line, (size_t)n);
}

static int do_receive(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "archive", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL;
	ar_archive_t *a = NULL;
	ar_cat_t *cat = NULL;
	ar_rd_t *rd = NULL;
	char err[512], line[AR_LINE_MAX];
	char *manifest = NULL;
	int c, status = RL_EXIT_OK, cat_failed = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': dir = optarg; break;
		case 'h': fputs(archive_help, stdout); return RL_EXIT_OK;
		default: return usage_err("receive", "bad option");
		}
	}
	if (!dir || optind < argc)
		return usage_err("receive", "usage: rootlens archive receive --archive DIR");
	catch_signals();
	if (ar_archive_open(&a, dir, err, sizeof(err)) < 0) {
		cli_err(CMD " receive", "%s", err);
		return RL_EXIT_FATAL;
	}
	if (!(rd = malloc(sizeof(*rd))) || ar_hello_encode(line, sizeof(line)) < 0) {
		cli_err(CMD " receive", "out of memory");
		status = RL_EXIT_FATAL;
		goto out;
	}
	ar_rd_init(rd, 0);
	if (ar_write_all(1, line, strlen(line)) < 0)
		goto gone;

	for (;;) {
		ar_hdr_t h;
		ar_result_t res;
		ar_sub_t s;
		int lr = ar_rd_line(rd, line, sizeof(line));
		if (lr == 0)
			break; /* the sender is done */
		if (lr < 0) {
			cli_err(CMD " receive", "%s", lr == DW_ETOOBIG ? "header line too long" :
				"the stream ended inside a header");
			answer("?", "refused", NULL, "bad header line: session ended");
			status = worse(status, RL_EXIT_DAMAGED);
			break;
		}
		if (ar_hdr_decode(line, &h, err, sizeof(err)) < 0) {
			char msg[600];
			snprintf(msg, sizeof(msg), "bad header (%s): session ended", err);
			cli_err(CMD " receive", "%s", msg);
			answer("?", "refused", NULL, msg);
			status = worse(status, RL_EXIT_DAMAGED);
			break;
		}
		free(manifest);
		manifest = NULL;
		if (h.manifest_size > AR_MANIFEST_MAX) {
			limited_t skip = { rd, h.manifest_size, 0 };
			answer(h.file, "refused", NULL, "manifest too large");
			status = worse(status, RL_EXIT_DAMAGED);
			if (drain(&skip) < 0)
				break;
			continue;
		}
		if (h.manifest_size && (!(manifest = malloc((size_t)h.manifest_size + 1)) ||
					ar_rd_exact(rd, manifest, (size_t)h.manifest_size) < 0)) {
			cli_err(CMD " receive", "%s: %s", h.file, manifest ? "the stream ended "
				"inside the manifest" : "out of memory");
			status = worse(status, manifest ? RL_EXIT_DAMAGED : RL_EXIT_FATAL);
			break;
		}
		memset(&s, 0, sizeof(s));
		s.name = h.file;
		s.server = h.server;
		s.instance = h.instance;
		s.phase = h.have_phase ? h.phase : NULL;
		s.manifest = h.manifest_size ? manifest : NULL;
		s.manifest_len = (size_t)h.manifest_size;
		s.size = h.size;
		s.sha256 = h.sha256;
		s.cancel = &cancelled;
		s.shown = h.file;
		if (ar_precheck(a, &s, &res)) {
			if (answer(h.file, ar_status_name(res.status), res.sha256, res.err) < 0)
				goto gone;
			status = worse(status, res.status == AR_EXISTS ? RL_EXIT_OK :
					       res.status == AR_REFUSED ? RL_EXIT_DAMAGED :
									  RL_EXIT_FATAL);
			continue;
		}
		if (answer(h.file, "send", NULL, NULL) < 0)
			goto gone;
		limited_t l = { rd, h.size, 0 };
		s.read = limited_read;
		s.read_ctx = &l;
		ar_submit(a, &s, &res);
		int over = l.eof || (l.left && drain(&l) < 0);
		if (res.status == AR_STORED && !cat_failed) {
			int rc = 0;
			if (!cat)
				rc = ar_cat_open(&cat, dir, ar_archive_fd(a), AR_CAT_NOSYNC, NULL, err,
						 sizeof(err));
			if (rc == 0)
				rc = ar_cat_note(cat, s.server, s.instance, s.name, err, sizeof(err));
			if (rc < 0) {
				cat_failed = 1;
				cli_err(CMD " receive", "note: the catalog was not updated (%s)", err);
			}
		}
		if (res.status == AR_STORED || res.status == AR_EXISTS)
			res.err[0] = '\0';
		if (answer(h.file, ar_status_name(res.status), res.sha256, res.err) < 0)
			goto gone;
		status = worse(status, res.status <= AR_EXISTS ? RL_EXIT_OK :
				       res.status == AR_REFUSED ? RL_EXIT_DAMAGED : RL_EXIT_FATAL);
		/* the answer carries the reason; stderr (ssh's) would repeat it */
		if (over || cancelled) {
			if (over)
				cli_err(CMD " receive", "the stream ended inside %s: session ended",
					h.file);
			status = worse(status, RL_EXIT_DAMAGED);
			break;
		}
	}
	goto out;
gone:
	cli_err(CMD " receive", "the sender went away: %s", strerror(errno));
	status = worse(status, RL_EXIT_DAMAGED);
out:
	free(manifest);
	free(rd);
	ar_cat_close(cat);
	ar_archive_close(a);
	return status;
}

/* ---- verify ----------------------------------------------------------- */

typedef struct finding {
	char *path;  /* relative to the root */
	char *text;
	int note;    /* not a problem */
} finding_t;

typedef struct findings {
	finding_t *v;
	size_t n, cap;
	pthread_mutex_t mu;
	int oom;
} findings_t;

static void add_finding(findings_t *f, const char *path, int note, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void add_finding(findings_t *f, const char *path, int note, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&f->mu);
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 32;
		finding_t *v = realloc(f->v, cap * sizeof(*v));
		if (!v) {
			f->oom = 1;
			pthread_mutex_unlock(&f->mu);
			return;
		}
		f->v = v;
		f->cap = cap;
	}
	f->v[f->n].path = strdup(path);
	f->v[f->n].text = strdup(text);
	f->v[f->n].note = note;
	if (!f->v[f->n].path || !f->v[f->n].text) {
		free(f->v[f->n].path);
		free(f->v[f->n].text);
		f->oom = 1;
	} else {
		f->n++;
	}
	pthread_mutex_unlock(&f->mu);
}

static int cmp_finding(const void *a, const void *b)
{
	const finding_t *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	return c ? c : strcmp(x->text, y->text);
}

/* "server/instance/name", and where instance and name start in it */
typedef struct vfile {
	char *rel;
	unsigned short inst_at, name_at;
} vfile_t;

typedef struct vctx {
	const char *root;
	vfile_t *files;
	size_t nfiles;
	_Atomic size_t next;
	_Atomic uint64_t bytes;
	findings_t *out;
} vctx_t;

/* Every check of one stored file against its manifest. */
static void verify_file(vctx_t *v, const vfile_t *f)
{
	char path[PATH_MAX], err[600], *bytes = NULL;
	char server[AR_NAME_MAX + 1], instance[AR_NAME_MAX + 1];
	const char *name = f->rel + f->name_at;
	size_t len;
	ar_manifest_t m;
	ar_info_t info;
	int dfd;

	snprintf(server, sizeof(server), "%.*s", (int)f->inst_at - 1, f->rel);
	snprintf(instance, sizeof(instance), "%.*s", (int)(f->name_at - f->inst_at - 1),
		 f->rel + f->inst_at);
	snprintf(path, sizeof(path), "%s/%s", v->root, f->rel);
	snprintf(err, sizeof(err), "%s/%s/%s", v->root, server, instance);
	if ((dfd = open(err, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		add_finding(v->out, f->rel, 0, "%s", strerror(errno));
		return;
	}
	snprintf(err, sizeof(err), "%s.json", name);
	int rc = ar_read_small(dfd, err, AR_MANIFEST_MAX, &bytes, &len);
	close(dfd);
	if (rc < 0) {
		add_finding(v->out, f->rel, 0, "manifest unreadable: %s",
			    rc == DW_ETOOBIG ? "too large" : strerror(errno));
		return;
	}
	rc = ar_manifest_parse(bytes, len, &m, err, sizeof(err));
	free(bytes);
	if (rc < 0) {
		add_finding(v->out, f->rel, 0, "%s", err);
		return;
	}
	if (!m.server || strcmp(m.server, server) || !m.instance || strcmp(m.instance, instance))
		add_finding(v->out, f->rel, 0, "manifest labels %s/%s do not match the directory",
			    m.server ? m.server : "(none)", m.instance ? m.instance : "(none)");
	memset(&info, 0, sizeof(info));
	rc = ar_verify_path(path, &info, err, sizeof(err));
	atomic_fetch_add(&v->bytes, info.bytes);
	if (rc < 0) {
		/* the reader names the whole path; the relative one is enough */
		const char *e = err;
		size_t n = strlen(path);
		if (!strncmp(e, path, n) && !strncmp(e + n, ": ", 2))
			e += n + 2;
		add_finding(v->out, f->rel, 0, "damaged: %s", e);
	}
	if (!m.sha256[0])
		add_finding(v->out, f->rel, 0, "manifest has no sha256");
	else if (info.sha256[0] && strcmp(m.sha256, info.sha256))
		add_finding(v->out, f->rel, 0, "checksum mismatch: manifest sha256 %s, file %s",
			    m.sha256, info.sha256);
	if (m.file_bytes >= 0 && info.sha256[0] && (uint64_t)m.file_bytes != info.bytes)
		add_finding(v->out, f->rel, 0, "size mismatch: manifest %lld bytes, file %llu",
			    (long long)m.file_bytes, (unsigned long long)info.bytes);
	if (rc == 0 && m.packets >= 0 && (uint64_t)m.packets != info.packets)
		add_finding(v->out, f->rel, 0, "manifest says %lld packets, the file holds %llu",
			    (long long)m.packets, (unsigned long long)info.packets);
	ar_manifest_free(&m);
}

static void *verify_worker(void *arg)
{
	vctx_t *v = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&v->next, 1);
		if (i >= v->nfiles)
			break;
		verify_file(v, &v->files[i]);
	}
	return NULL;
}

static int is_temp_name(const char *s)
{
	return s[0] == '.' && strstr(s, ".tmp.") != NULL;
}

/* Walk one instance directory: files to check, and what does not belong. */
static int walk_instance(int ifd, const char *server, const char *instance, vfile_t **files,
			 size_t *n, size_t *cap, findings_t *out)
{
	DIR *d;
	struct dirent *e;
	int fd = openat(ifd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char rel[3 * AR_NAME_MAX + 64], err[512];
	time_t now = time(NULL);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		snprintf(rel, sizeof(rel), "%s/%s", server, instance);
		add_finding(out, rel, 0, "cannot read the directory: %s", strerror(errno));
		return 0;
	}
	while ((e = readdir(d))) {
		struct stat st, ms;
		const char *nm = e->d_name;
		size_t len = strlen(nm);
		snprintf(rel, sizeof(rel), "%s/%s/%s", server, instance, nm);
		if (!strcmp(nm, ".") || !strcmp(nm, "..") || !strcmp(nm, ".lock"))
			continue;
		if (fstatat(ifd, nm, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* gone meanwhile */
		if (is_temp_name(nm)) {
			if (now - st.st_mtime > AR_STALE_TMP_SEC)
				add_finding(out, rel, 1, "leftover temporary file of an interrupted "
					    "submit (%lld s old; the next submit here removes it)",
					    (long long)(now - st.st_mtime));
			continue;
		}
		if (nm[0] == '.')
			continue;
		if (!S_ISREG(st.st_mode)) {
			add_finding(out, rel, 0, "not a regular file");
			continue;
		}
		if (len > 5 && !strcmp(nm + len - 5, ".json")) {
			char data[AR_NAME_MAX + 8];
			int found = 0;
			if (len - 5 < sizeof(data)) {
				snprintf(data, sizeof(data), "%.*s", (int)(len - 5), nm);
				found = fstatat(ifd, data, &ms, AT_SYMLINK_NOFOLLOW) == 0;
			}
			if (!found)
				add_finding(out, rel, 0, "manifest without its data file");
			continue;
		}
		if (ar_file_name_check(nm, err, sizeof(err)) < 0) {
			add_finding(out, rel, 0, "%s", err);
			continue;
		}
		char mname[sizeof(e->d_name) + 8];
		snprintf(mname, sizeof(mname), "%s.json", nm);
		if (fstatat(ifd, mname, &ms, AT_SYMLINK_NOFOLLOW) < 0) {
			/* Maybe being published: the data file comes first. */
			int lk = ar_lock_dir(ifd, 0);
			int still = fstatat(ifd, mname, &ms, AT_SYMLINK_NOFOLLOW) < 0;
			if (lk >= 0)
				close(lk);
			if (still) {
				add_finding(out, rel, 0, "no manifest %s.json (not catalogued)", nm);
				continue;
			}
		}
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 64;
			vfile_t *nv = realloc(*files, nc * sizeof(*nv));
			if (!nv) {
				closedir(d);
				return -1;
			}
			*files = nv;
			*cap = nc;
		}
		vfile_t *f = &(*files)[*n];
		if (!(f->rel = strdup(rel))) {
			closedir(d);
			return -1;
		}
		f->inst_at = (unsigned short)(strlen(server) + 1);
		f->name_at = (unsigned short)(f->inst_at + strlen(instance) + 1);
		(*n)++;
	}
	closedir(d);
	return 0;
}

/* Subdirectories of @p dfd, reporting what else is there. */
static int walk_level(int dfd, const char *prefix, char ***names, size_t *n, findings_t *out)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	char rel[2 * AR_NAME_MAX + 300], err[512];
	size_t cap = 0;

	*names = NULL;
	*n = 0;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((e = readdir(d))) {
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		snprintf(rel, sizeof(rel), "%s%s%s", prefix, *prefix ? "/" : "", e->d_name);
		if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (!S_ISDIR(st.st_mode)) {
			add_finding(out, rel, 0, "does not belong here (the archive holds %s)",
				    *prefix ? "instance directories in a server directory" :
					      "server directories at its top");
			continue;
		}
		if (ar_name_check(e->d_name, *prefix ? "instance" : "server", err, sizeof(err)) < 0) {
			add_finding(out, rel, 0, "%s", err);
			continue;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			char **nv = realloc(*names, cap * sizeof(*nv));
			if (!nv)
				break;
			*names = nv;
		}
		if (!((*names)[*n] = strdup(e->d_name)))
			break;
		(*n)++;
	}
	closedir(d);
	return 0;
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int do_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "archive", required_argument, NULL, 'a' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL;
	unsigned jobs = 0;
	int c, quiet = 0, status = RL_EXIT_OK;
	findings_t out = { .mu = PTHREAD_MUTEX_INITIALIZER };
	vfile_t *files = NULL;
	size_t nfiles = 0, cap = 0, problems = 0;
	char **servers = NULL, err[512];
	size_t nservers = 0;
	ar_archive_t *a;

	optind = 1;
	while ((c = getopt_long(argc, argv, "j:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': dir = optarg; break;
		case 'j':
			if (parse_uint(optarg, 1, MAX_JOBS, &jobs) < 0)
				return usage_err("verify", "bad -j (1..256)");
			break;
		case 'q': quiet = 1; break;
		case 'h': fputs(archive_help, stdout); return RL_EXIT_OK;
		default: return usage_err("verify", "bad option");
		}
	}
	if (!dir || optind < argc)
		return usage_err("verify", "usage: rootlens archive verify --archive DIR");
	if (!jobs)
		jobs = online_cpus();
	if (ar_archive_open(&a, dir, err, sizeof(err)) < 0) {
		cli_err(CMD " verify", "%s", err);
		return RL_EXIT_FATAL;
	}
	if (walk_level(ar_archive_fd(a), "", &servers, &nservers, &out) < 0) {
		cli_err(CMD " verify", "%s: %s", dir, strerror(errno));
		ar_archive_close(a);
		return RL_EXIT_FATAL;
	}
	for (size_t i = 0; i < nservers; i++) {
		int sfd = openat(ar_archive_fd(a), servers[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				 O_CLOEXEC);
		char **inst = NULL;
		size_t ninst = 0;
		if (sfd < 0 || walk_level(sfd, servers[i], &inst, &ninst, &out) < 0) {
			add_finding(&out, servers[i], 0, "cannot read the directory: %s",
				    strerror(errno));
			if (sfd >= 0)
				close(sfd);
			continue;
		}
		for (size_t k = 0; k < ninst; k++) {
			int ifd = openat(sfd, inst[k], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (ifd < 0)
				continue;
			if (walk_instance(ifd, servers[i], inst[k], &files, &nfiles, &cap, &out) < 0)
				out.oom = 1;
			close(ifd);
		}
		free_names(inst, ninst);
		close(sfd);
	}
	free_names(servers, nservers);

	vctx_t v = { .root = dir, .files = files, .nfiles = nfiles, .out = &out };
	pthread_t tids[MAX_JOBS];
	size_t started = 0;
	if (jobs > nfiles)
		jobs = nfiles ? (unsigned)nfiles : 1;
	for (unsigned k = 1; k < jobs; k++)
		if (pthread_create(&tids[started], NULL, verify_worker, &v) == 0)
			started++;
	verify_worker(&v);
	for (size_t k = 0; k < started; k++)
		pthread_join(tids[k], NULL);

	if (out.oom) {
		cli_err(CMD " verify", "out of memory");
		status = RL_EXIT_FATAL;
	}
	if (out.n)
		qsort(out.v, out.n, sizeof(*out.v), cmp_finding);
	for (size_t i = 0; i < out.n; i++) {
		if (out.v[i].note) {
			if (!quiet)
				cli_err(CMD " verify", "note: %s: %s", out.v[i].path, out.v[i].text);
		} else {
			printf("%s: %s\n", out.v[i].path, out.v[i].text);
			problems++;
		}
		free(out.v[i].path);
		free(out.v[i].text);
	}
	free(out.v);
	if (!quiet)
		fprintf(stderr, "rootlens archive verify: %zu files (%llu bytes) checked, %zu "
			"problem%s\n", nfiles, (unsigned long long)atomic_load(&v.bytes), problems,
			problems == 1 ? "" : "s");
	if (problems)
		status = worse(status, RL_EXIT_DAMAGED);
	for (size_t i = 0; i < nfiles; i++)
		free(files[i].rel);
	free(files);
	ar_archive_close(a);
	return status;
}

/* ---- selection options (list, analyze) -------------------------------- */

enum { O_ARCHIVE = 300, O_SERVER, O_INSTANCE, O_PHASE, O_FROM, O_TO, O_JSON, O_RESCAN,
       O_PREFIX4, O_PREFIX6, O_TOP, O_WARMUP, O_ASN, O_FSHARE, O_FFACTOR, O_FREPEAT,
       O_FMINQPS, O_FMININT, O_FWINDOW };

#define SELECTION_OPTIONS                                              \
	{ "archive", required_argument, NULL, O_ARCHIVE },             \
	{ "server", required_argument, NULL, O_SERVER },               \
	{ "instance", required_argument, NULL, O_INSTANCE },           \
	{ "phase", required_argument, NULL, O_PHASE },                 \
	{ "from", required_argument, NULL, O_FROM },                   \
	{ "to", required_argument, NULL, O_TO },                       \
	{ "rescan", no_argument, NULL, O_RESCAN },                     \
	{ "quiet", no_argument, NULL, 'q' },                           \
	{ "help", no_argument, NULL, 'h' }

/* @return 1 taken, 0 not a selection option, -1 bad value (reported). */
static int selection_option(const char *sub, int c, const char *arg, const char **dir,
			    ar_sel_t *sel, int *rescan, int *quiet, int *rc)
{
	int64_t t;
	switch (c) {
	case O_ARCHIVE: *dir = arg; return 1;
	case O_SERVER: sel->server = arg; return 1;
	case O_INSTANCE: sel->instance = arg; return 1;
	case O_PHASE: sel->phase = arg; return 1;
	case O_FROM:
	case O_TO:
		if (rl_time_parse(arg, &t) < 0 || t < -9223372036LL || t > 9223372035LL) {
			char m[300];
			snprintf(m, sizeof(m), "bad time '%s' (2010-05-05T00:00:00Z, 2010-05-05 or "
				 "@seconds)", arg);
			*rc = usage_err(sub, m);
			return -1;
		}
		if (c == O_FROM) {
			sel->have_from = 1;
			sel->from_ns = t * 1000000000LL;
		} else {
			sel->have_to = 1;
			sel->to_ns = t * 1000000000LL;
		}
		return 1;
	case O_RESCAN: *rescan = 1; return 1;
	case 'q': *quiet = 1; return 1;
	}
	return 0;
}

/* Open the archive and its catalog, synced; query. @return exit status. */
static int select_files(const char *sub, const char *dir, const ar_sel_t *sel, int rescan,
			int quiet, ar_archive_t **a, ar_entry_t **e, size_t *n)
{
	char err[512], c[64];
	ar_cat_t *cat;
	ar_cat_stats_t st;

	snprintf(c, sizeof(c), CMD " %s", sub);
	if (ar_archive_open(a, dir, err, sizeof(err)) < 0) {
		cli_err(c, "%s", err);
		return RL_EXIT_FATAL;
	}
	if (ar_cat_open(&cat, dir, ar_archive_fd(*a), rescan ? AR_CAT_RESCAN : 0, &st, err,
			sizeof(err)) < 0) {
		cli_err(c, "%s", err);
		ar_archive_close(*a);
		*a = NULL;
		return RL_EXIT_FATAL;
	}
	if (!quiet && st.in_memory)
		cli_err(c, "note: %s/" AR_CATALOG_NAME " cannot be written here: the catalog was "
			"built in memory", dir);
	if (!quiet && st.skipped)
		cli_err(c, "note: %u manifest%s could not be catalogued (%s%s); `rootlens archive "
			"verify` lists the problems", st.skipped, st.skipped == 1 ? "" : "s",
			st.first_skip, st.skipped > 1 ? ", ..." : "");
	int rc = ar_cat_query(cat, sel, e, n, err, sizeof(err));
	ar_cat_close(cat);
	if (rc < 0) {
		cli_err(c, "%s", err);
		ar_archive_close(*a);
		*a = NULL;
		return RL_EXIT_FATAL;
	}
	return RL_EXIT_OK;
}

/* ---- list ------------------------------------------------------------- */

static json_t *entry_json(const ar_entry_t *e)
{
	json_t *o = json_object();
	int bad = !o;
	bad |= json_object_set_new(o, "path", json_string(e->path)) < 0;
	bad |= json_object_set_new(o, "server", json_string(e->server)) < 0;
	bad |= json_object_set_new(o, "instance", json_string(e->instance)) < 0;
	bad |= json_object_set_new(o, "name", json_string(e->name)) < 0;
	bad |= json_object_set_new(o, "phase", e->phase ? json_string(e->phase) : json_null()) < 0;
	bad |= json_object_set_new(o, "first_packet",
				   e->first_packet ? json_string(e->first_packet) : json_null()) < 0;
	bad |= json_object_set_new(o, "last_packet",
				   e->last_packet ? json_string(e->last_packet) : json_null()) < 0;
	bad |= json_object_set_new(o, "packets",
				   e->packets >= 0 ? json_integer(e->packets) : json_null()) < 0;
	bad |= json_object_set_new(o, "bytes", json_integer((json_int_t)e->bytes)) < 0;
	bad |= json_object_set_new(o, "sha256", e->sha256 ? json_string(e->sha256) : json_null()) < 0;
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int do_list(int argc, char **argv)
{
	static const struct option longopts[] = {
		SELECTION_OPTIONS,
		{ "json", no_argument, NULL, O_JSON },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL;
	ar_sel_t sel;
	int c, rescan = 0, quiet = 0, json = 0, rc = RL_EXIT_OK;
	ar_archive_t *a = NULL;
	ar_entry_t *e = NULL;
	size_t n = 0;

	memset(&sel, 0, sizeof(sel));
	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		int t = selection_option("list", c, optarg, &dir, &sel, &rescan, &quiet, &rc);
		if (t < 0)
			return rc;
		if (t)
			continue;
		switch (c) {
		case O_JSON: json = 1; break;
		case 'h': fputs(archive_help, stdout); return RL_EXIT_OK;
		default: return usage_err("list", "bad option");
		}
	}
	if (!dir || optind < argc)
		return usage_err("list", "usage: rootlens archive list --archive DIR [SELECTION]");
	if ((rc = select_files("list", dir, &sel, rescan, quiet, &a, &e, &n)) != RL_EXIT_OK)
		return rc;

	uint64_t bytes = 0;
	int64_t packets = 0;
	for (size_t i = 0; i < n; i++) {
		bytes += e[i].bytes;
		packets += e[i].packets > 0 ? e[i].packets : 0;
	}
	if (json) {
		json_t *doc = json_object(), *arr = json_array();
		int bad = !doc || !arr;
		for (size_t i = 0; !bad && i < n; i++)
			bad |= json_array_append_new(arr, entry_json(&e[i])) < 0;
		bad |= json_object_set_new(doc, "archive", json_string(dir)) < 0;
		bad |= json_object_set_new(doc, "count", json_integer((json_int_t)n)) < 0;
		bad |= json_object_set_new(doc, "packets", json_integer(packets)) < 0;
		bad |= json_object_set_new(doc, "bytes", json_integer((json_int_t)bytes)) < 0;
		bad |= json_object_set_new(doc, "files", arr) < 0;
		arr = NULL;
		if (bad || json_dumpf(doc, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER) < 0 ||
		    fputc('\n', stdout) == EOF) {
			cli_err(CMD " list", "writing the output failed");
			rc = RL_EXIT_FATAL;
		}
		json_decref(arr);
		json_decref(doc);
	} else {
		static const char *const head[] = { "SERVER", "INSTANCE", "PHASE", "FIRST PACKET",
						    "LAST PACKET", "PACKETS", "BYTES", "FILE" };
		size_t w[8];
		char num[2][32];
		for (int k = 0; k < 8; k++)
			w[k] = strlen(head[k]);
		for (size_t i = 0; i < n; i++) {
			const char *col[8] = { e[i].server, e[i].instance, e[i].phase ? e[i].phase : "-",
					       e[i].first_packet ? e[i].first_packet : "-",
					       e[i].last_packet ? e[i].last_packet : "-", num[0], num[1],
					       e[i].name };
			snprintf(num[0], sizeof(num[0]), "%lld", (long long)e[i].packets);
			snprintf(num[1], sizeof(num[1]), "%llu", (unsigned long long)e[i].bytes);
			for (int k = 0; k < 7; k++)
				if (strlen(col[k]) > w[k])
					w[k] = strlen(col[k]);
		}
		printf("%-*s  %-*s  %-*s  %-*s  %-*s  %*s  %*s  %s\n", (int)w[0], head[0], (int)w[1],
		       head[1], (int)w[2], head[2], (int)w[3], head[3], (int)w[4], head[4], (int)w[5],
		       head[5], (int)w[6], head[6], head[7]);
		for (size_t i = 0; i < n; i++)
			printf("%-*s  %-*s  %-*s  %-*s  %-*s  %*lld  %*llu  %s\n", (int)w[0],
			       e[i].server, (int)w[1], e[i].instance, (int)w[2],
			       e[i].phase ? e[i].phase : "-", (int)w[3],
			       e[i].first_packet ? e[i].first_packet : "-", (int)w[4],
			       e[i].last_packet ? e[i].last_packet : "-", (int)w[5],
			       (long long)e[i].packets, (int)w[6], (unsigned long long)e[i].bytes,
			       e[i].name);
		printf("%zu file%s, %lld packets, %llu bytes\n", n, n == 1 ? "" : "s",
		       (long long)packets, (unsigned long long)bytes);
		if (fflush(stdout) != 0)
			rc = RL_EXIT_FATAL;
	}
	ar_entries_free(e, n);
	ar_archive_close(a);
	return rc;
}

/* ---- analyze ---------------------------------------------------------- */

/* Bytes of file names (and their pointers) given to one analyze. */
#define ARGV_BUDGET (512u * 1024u)

typedef struct group {
	const char *server, *instance;
	size_t first, count;
	uint64_t bytes;
	pid_t pid;
	int status;  /* exit status, -1 killed */
	char part[PATH_MAX];
} group_t;

static int cmp_group_bytes(const void *a, const void *b)
{
	const group_t *x = a, *y = b;
	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	int c = strcmp(x->server, y->server);
	return c ? c : strcmp(x->instance, y->instance);
}

/* fork + exec @p argv (in @p cwd when set). @return the pid or -1. */
static pid_t spawn(const char *exe, char **argv, const char *cwd)
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	if (cwd && chdir(cwd) < 0) {
		fprintf(stderr, "rootlens archive analyze: %s: %s\n", cwd, strerror(errno));
		_exit(RL_EXIT_FATAL);
	}
	execv(exe, argv);
	fprintf(stderr, "rootlens archive analyze: cannot run %s: %s\n", exe, strerror(errno));
	_exit(RL_EXIT_FATAL);
}

static int wait_status(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int do_analyze(int argc, char **argv)
{
	static const struct option longopts[] = {
		SELECTION_OPTIONS,
		{ "jobs", required_argument, NULL, 'j' },
		{ "output", required_argument, NULL, 'o' },
		{ "compact", no_argument, NULL, 'c' },
		{ "interval", required_argument, NULL, 'i' },
		{ "port", required_argument, NULL, 'p' },
		{ "prefix4", required_argument, NULL, O_PREFIX4 },
		{ "prefix6", required_argument, NULL, O_PREFIX6 },
		{ "top", required_argument, NULL, O_TOP },
		{ "split-warmup", required_argument, NULL, O_WARMUP },
		{ "asn-map", required_argument, NULL, O_ASN },
		{ "flag-share", required_argument, NULL, O_FSHARE },
		{ "flag-factor", required_argument, NULL, O_FFACTOR },
		{ "flag-repeat-qps", required_argument, NULL, O_FREPEAT },
		{ "flag-min-qps", required_argument, NULL, O_FMINQPS },
		{ "flag-min-intervals", required_argument, NULL, O_FMININT },
		{ "flag-window", required_argument, NULL, O_FWINDOW },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *out_path = NULL;
	const char *pass[2 * 64];
	char *owned[64]; /* absolute --asn-map paths: the analyses run in DIR */
	size_t npass = 0, nowned = 0;
	ar_sel_t sel;
	unsigned jobs = 0;
	int c, rescan = 0, quiet = 0, compact = 0, rc = RL_EXIT_OK;
	ar_archive_t *a = NULL;
	ar_entry_t *e = NULL;
	size_t n = 0, ngroups = 0;
	group_t *groups = NULL;
	char exe[PATH_MAX], tmpdir[PATH_MAX / 2] = "", jbuf[16], root[PATH_MAX];
	char **cargv = NULL;

	memset(&sel, 0, sizeof(sel));
	optind = 1;
	while ((c = getopt_long(argc, argv, "j:o:ci:p:qh", longopts, NULL)) != -1) {
		int t = selection_option("analyze", c, optarg, &dir, &sel, &rescan, &quiet, &rc);
		if (t < 0)
			goto out;
		if (t)
			continue;
		const char *flag = NULL;
		switch (c) {
		case 'j':
			if (parse_uint(optarg, 1, MAX_JOBS, &jobs) < 0) {
				rc = usage_err("analyze", "bad -j (1..256)");
				goto out;
			}
			break;
		case 'o': out_path = optarg; break;
		case 'c': compact = 1; break;
		case 'i': flag = "--interval"; break;
		case 'p': flag = "--port"; break;
		case O_PREFIX4: flag = "--prefix4"; break;
		case O_PREFIX6: flag = "--prefix6"; break;
		case O_TOP: flag = "--top"; break;
		case O_WARMUP: flag = "--split-warmup"; break;
		case O_FSHARE: flag = "--flag-share"; break;
		case O_FFACTOR: flag = "--flag-factor"; break;
		case O_FREPEAT: flag = "--flag-repeat-qps"; break;
		case O_FMINQPS: flag = "--flag-min-qps"; break;
		case O_FMININT: flag = "--flag-min-intervals"; break;
		case O_FWINDOW: flag = "--flag-window"; break;
		case O_ASN:
			flag = "--asn-map";
			if (nowned == sizeof(owned) / sizeof(owned[0])) {
				rc = usage_err("analyze", "too many --asn-map");
				goto out;
			}
			if (!(owned[nowned] = realpath(optarg, NULL))) {
				cli_err(CMD " analyze", "%s: %s", optarg, strerror(errno));
				rc = RL_EXIT_FATAL;
				goto out;
			}
			optarg = owned[nowned++];
			break;
		case 'h':
			fputs(archive_help, stdout);
			rc = RL_EXIT_OK;
			goto out;
		default: rc = usage_err("analyze", "bad option"); goto out;
		}
		if (flag) {
			if (npass + 2 > sizeof(pass) / sizeof(pass[0])) {
				rc = usage_err("analyze", "too many options");
				goto out;
			}
			pass[npass++] = flag;
			pass[npass++] = optarg;
		}
	}
	if (!dir || optind < argc) {
		rc = usage_err("analyze", "usage: rootlens archive analyze --archive DIR "
			       "[SELECTION] [-j N] [-o FILE]");
		goto out;
	}
	if (!jobs)
		jobs = online_cpus();
	ssize_t el = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (el <= 0) {
		cli_err(CMD " analyze", "cannot find this program (/proc/self/exe): %s",
			strerror(errno));
		rc = RL_EXIT_FATAL;
		goto out;
	}
	exe[el] = '\0';
	if (!realpath(dir, root)) {
		cli_err(CMD " analyze", "%s: %s", dir, strerror(errno));
		rc = RL_EXIT_FATAL;
		goto out;
	}
	if ((rc = select_files("analyze", dir, &sel, rescan, quiet, &a, &e, &n)) != RL_EXIT_OK)
		goto out;
	if (n == 0) {
		cli_err(CMD " analyze", "no file in %s matches the selection", dir);
		rc = RL_EXIT_DAMAGED;
		goto out;
	}
	catch_signals();

	/* one group per server|instance (the query orders by them) */
	rc = RL_EXIT_FATAL;
	if (!(groups = calloc(n, sizeof(*groups))) ||
	    !(cargv = calloc(n + npass + 16, sizeof(*cargv)))) {
		cli_err(CMD " analyze", "out of memory");
		goto out;
	}
	size_t argbytes = 0;
	for (size_t i = 0; i < n; i++) {
		size_t need = strlen(e[i].path) + 1 + sizeof(char *);
		/* An instance with more files than one command line holds is
		 * analysed in runs of consecutive files; merge puts them
		 * together again (a TCP stream crossing a run boundary is not
		 * reassembled, as with analyze -j). */
		if (!ngroups || strcmp(groups[ngroups - 1].server, e[i].server) ||
		    strcmp(groups[ngroups - 1].instance, e[i].instance) ||
		    argbytes + need > ARGV_BUDGET) {
			groups[ngroups].server = e[i].server;
			groups[ngroups].instance = e[i].instance;
			groups[ngroups].first = i;
			ngroups++;
			argbytes = 0;
		}
		argbytes += need;
		groups[ngroups - 1].count++;
		groups[ngroups - 1].bytes += e[i].bytes;
	}
	/* largest first: the longest runs start early */
	qsort(groups, ngroups, sizeof(*groups), cmp_group_bytes);
	size_t procs = ngroups < jobs ? ngroups : jobs;
	snprintf(jbuf, sizeof(jbuf), "%u", (unsigned)(jobs / procs ? jobs / procs : 1));

	const char *td = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/rootlens-archive-analyze.XXXXXX",
		 td && *td ? td : "/tmp");
	if (!mkdtemp(tmpdir)) {
		cli_err(CMD " analyze", "cannot create a temporary directory %s: %s", tmpdir,
			strerror(errno));
		tmpdir[0] = '\0';
		goto out;
	}
	if (tmpdir[0] != '/') {
		/* the analyses run in the archive's root */
		char abs[PATH_MAX];
		if (!realpath(tmpdir, abs) || strlen(abs) >= sizeof(tmpdir)) {
			cli_err(CMD " analyze", "%s: %s", tmpdir, strerror(errno));
			rmdir(tmpdir);
			tmpdir[0] = '\0';
			goto out;
		}
		memcpy(tmpdir, abs, strlen(abs) + 1);
	}

	size_t next = 0, running = 0;
	int damaged = 0, failed = 0;
	for (size_t g = 0; g < ngroups; g++)
		groups[g].pid = -1;
	while ((next < ngroups && !cancelled) || running) {
		while (running < procs && next < ngroups && !cancelled) {
			group_t *g = &groups[next++];
			size_t k = 0;
			snprintf(g->part, sizeof(g->part), "%s/part-%zu.json", tmpdir, next);
			cargv[k++] = exe;
			cargv[k++] = (char *)(uintptr_t)"analyze";
			cargv[k++] = (char *)(uintptr_t)"-q";
			cargv[k++] = (char *)(uintptr_t)"-j";
			cargv[k++] = jbuf;
			cargv[k++] = (char *)(uintptr_t)"--server";
			cargv[k++] = (char *)(uintptr_t)g->server;
			cargv[k++] = (char *)(uintptr_t)"--instance";
			cargv[k++] = (char *)(uintptr_t)g->instance;
			for (size_t p = 0; p < npass; p++)
				cargv[k++] = (char *)(uintptr_t)pass[p];
			cargv[k++] = (char *)(uintptr_t)"-o";
			cargv[k++] = g->part;
			/* paths relative to the root: the inputs of the
			 * document do not depend on where the archive is */
			for (size_t i = 0; i < g->count; i++)
				cargv[k++] = e[g->first + i].path;
			cargv[k] = NULL;
			if (!quiet && isatty(STDERR_FILENO))
				fprintf(stderr, "rootlens archive analyze: %s|%s: %zu file%s, %.1f MB\n",
					g->server, g->instance, g->count, g->count == 1 ? "" : "s",
					(double)g->bytes / 1e6);
			if ((g->pid = spawn(exe, cargv, root)) < 0) {
				cli_err(CMD " analyze", "fork: %s", strerror(errno));
				g->status = RL_EXIT_FATAL;
				failed = 1;
				cancelled = 1;
				break;
			}
			running++;
		}
		if (!running)
			break;
		int st;
		pid_t pid = waitpid(-1, &st, 0);
		if (pid < 0) {
			if (errno == EINTR) {
				if (cancelled)
					for (size_t g = 0; g < ngroups; g++)
						if (groups[g].pid > 0)
							kill(groups[g].pid, SIGTERM);
				continue;
			}
			break;
		}
		for (size_t g = 0; g < ngroups; g++) {
			if (groups[g].pid != pid)
				continue;
			groups[g].pid = -1;
			groups[g].status = wait_status(st);
			running--;
			if (groups[g].status == RL_EXIT_DAMAGED && access(groups[g].part, F_OK) == 0) {
				damaged = 1;
			} else if (groups[g].status != RL_EXIT_OK) {
				cli_err(CMD " analyze", "analyze of %s|%s failed (%s %d)", groups[g].server,
					groups[g].instance, groups[g].status < 0 ? "signal" : "exit",
					groups[g].status < 0 ? WTERMSIG(st) : groups[g].status);
				failed = groups[g].status == RL_EXIT_USAGE ? 2 : 1;
			}
			break;
		}
	}
	if (cancelled && !failed) {
		cli_err(CMD " analyze", "interrupted");
		rc = RL_EXIT_DAMAGED;
		goto out;
	}
	if (failed) {
		rc = failed == 2 ? RL_EXIT_USAGE : RL_EXIT_FATAL;
		goto out;
	}

	/* merge, in a fixed order (the result does not depend on it) */
	size_t k = 0;
	cargv[k++] = exe;
	cargv[k++] = (char *)(uintptr_t)"merge";
	if (compact)
		cargv[k++] = (char *)(uintptr_t)"--compact";
	if (out_path) {
		cargv[k++] = (char *)(uintptr_t)"-o";
		cargv[k++] = (char *)(uintptr_t)out_path;
	}
	for (size_t g = 0; g < ngroups; g++)
		cargv[k++] = groups[g].part;
	cargv[k] = NULL;
	pid_t mp = spawn(exe, cargv, NULL);
	int st = 0;
	if (mp < 0) {
		cli_err(CMD " analyze", "fork: %s", strerror(errno));
		goto out;
	}
	while (waitpid(mp, &st, 0) < 0 && errno == EINTR)
		;
	if (wait_status(st) != RL_EXIT_OK) {
		cli_err(CMD " analyze", "merging the instances' documents failed");
		goto out;
	}
	rc = damaged ? RL_EXIT_DAMAGED : RL_EXIT_OK;
out:
	if (tmpdir[0]) {
		for (size_t g = 0; g < ngroups; g++)
			if (groups[g].part[0])
				unlink(groups[g].part);
		rmdir(tmpdir);
	}
	free(cargv);
	free(groups);
	ar_entries_free(e, n);
	ar_archive_close(a);
	for (size_t i = 0; i < nowned; i++)
		free(owned[i]);
	return rc;
}

/* ---- dispatch --------------------------------------------------------- */

int cmd_archive(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} subs[] = {
		{ "submit", do_submit },
		{ "receive", do_receive },
		{ "verify", do_verify },
		{ "list", do_list },
		{ "analyze", do_analyze },
	};
	if (argc < 2)
		return cli_usage_error(CMD, "which: submit, receive, verify, list, analyze?");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(archive_help, stdout);
		return RL_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].run(argc - 1, argv + 1);
	return cli_usage_error(CMD, "unknown subcommand '%s' (submit, receive, verify, list, "
			       "analyze)", argv[1]);
}
