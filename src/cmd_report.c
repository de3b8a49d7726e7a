/*
 * cmd_report.c - `rootlens report`: plots (gnuplot, PNG and SVG) and an
 * index.html from one or more analysis documents. report/ builds the model
 * and writes the data, scripts and page; this file reads the documents,
 * runs gnuplot on each script in the output directory and reports.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "cli.h"
#include "html.h"
#include "model.h"
#include "plots.h"
#include "rootlens/errcode.h"

#define CMD "report"
#define GNUPLOT_MISSING "gnuplot not found: install Debian package gnuplot-nox"

static const char report_help[] =
	"usage: rootlens report -o DIR [--title TEXT] [--top N] [-j N] [-q] STATS.json...\n"
	"\n"
	"Draws the plots researchers and operators look at from rootlens.stats/1\n"
	"documents (`rootlens analyze`, `rootlens merge`; \"-\" reads stdin) with\n"
	"gnuplot, as PNG and SVG, and writes DIR/index.html showing them with a\n"
	"summary table. Each plot's data (NAME.dat) and script (NAME.gp) stay in\n"
	"DIR: `gnuplot NAME.gp` there redraws it.\n"
	"\n"
	"Give one document per instance and phase (their labels.server|instance\n"
	"make the lines, labels.phase the shaded phase bands); documents of one\n"
	"instance are joined in time. A merged document of several instances is\n"
	"drawn as one line \"all\" (it has no per-instance series); its\n"
	"per-instance totals appear in the summary. All documents must have the\n"
	"same interval.\n"
	"\n"
	"Plots: tcp_share (TCP queries as % of UDP, per instance), query_rate,\n"
	"edns_do, sizes_hist and sizes_cdf (response sizes per phase), qtype,\n"
	"dnskey_tld, dnskey_time, top_sources, top_prefixes, unique_sources.\n"
	"\n"
	"  -o, --output DIR   the report directory (created if missing)\n"
	"  -t, --title TEXT   the page title (default \"rootlens report\")\n"
	"      --top N        sources and prefixes drawn (default 8, at most 64)\n"
	"  -j, --jobs N       gnuplot processes at a time (default: online CPUs)\n"
	"  -q, --quiet        no notes on stderr\n"
	"  -h, --help         this text\n"
	"\n"
	"Needs gnuplot (Debian package gnuplot-nox). Exit status: 0 ok, 1 a\n"
	"document could not be read or is not a rootlens.stats/1 document (the\n"
	"message names it; nothing written), 2 usage error, 3 fatal: gnuplot\n"
	"missing or failing, DIR not writable, out of memory.\n";

/* mkdir -p @p dir. @return 0 or -1 (errno). */
static int make_dirs(const char *dir)
{
	char path[PATH_MAX];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(path, dir, n + 1);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0777) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(path, 0777) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* The gnuplot executable on PATH, into @p buf. @return 0 or -1. */
static int find_gnuplot(char *buf, size_t len)
{
	const char *path = getenv("PATH");
	if (path == NULL || *path == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *colon = strchr(path, ':');
		size_t n = colon ? (size_t)(colon - path) : strlen(path);
		struct stat st;
		int k = snprintf(buf, len, "%.*s/gnuplot", (int)(n ? n : 1), n ? path : ".");
		if (k > 0 && (size_t)k < len && stat(buf, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(buf, X_OK) == 0)
			return 0;
		path += n;
		if (*path == ':')
			path++;
	}
	return -1;
}

/* One gnuplot run. */
typedef struct job {
	pid_t pid;
	FILE *err;  /* its stdout and stderr */
	int status; /* from waitpid */
	int started, done;
} job_t;

static int job_start(job_t *j, const char *gnuplot, const char *dir, const char *script)
{
	if ((j->err = tmpfile()) == NULL)
		return -1;
	fflush(NULL);
	j->pid = fork();
	if (j->pid < 0)
		return -1;
	if (j->pid == 0) {
		int fd = fileno(j->err), nul = open("/dev/null", O_RDONLY);
		if (nul >= 0)
			dup2(nul, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (chdir(dir) < 0) {
			fprintf(stderr, "cannot enter %s: %s\n", dir, strerror(errno));
			_exit(126);
		}
		execl(gnuplot, "gnuplot", script, (char *)NULL);
		fprintf(stderr, "cannot run %s: %s\n", gnuplot, strerror(errno));
		_exit(127);
	}
	j->started = 1;
	return 0;
}

/* The captured output of @p j, at most @p len - 1 bytes, trailing newlines cut. */
static const char *job_output(job_t *j, char *buf, size_t len)
{
	size_t n;
	buf[0] = '\0';
	if (j->err == NULL)
		return buf;
	rewind(j->err);
	n = fread(buf, 1, len - 1, j->err);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	return buf;
}

/* Whether DIR/NAME.EXT is a non-empty file. */
static int have_image(const char *dir, const char *name, const char *ext)
{
	char path[PATH_MAX];
	struct stat st;
	int k = snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
	return k > 0 && (size_t)k < sizeof(path) && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       st.st_size > 0;
}

static void remove_image(const char *dir, const char *name, const char *ext)
{
	char path[PATH_MAX];
	int k = snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
	if (k > 0 && (size_t)k < sizeof(path))
		unlink(path);
}

/* Run gnuplot on every script, @p jobs at a time; failed[i] set for each
 * plot without both images. @return the number that failed, or -1
 * (could not start a process: reported). */
static int run_gnuplot(const char *gnuplot, const char *dir, unsigned jobs, int quiet, int *failed)
{
	job_t *j = calloc(rp_nplots, sizeof(*j));
	size_t next = 0, running = 0, nfailed = 0;
	char out[2048], script[64];
	int rc = 0;

	if (j == NULL) {
		cli_err(CMD, "out of memory");
		return -1;
	}
	while (next < rp_nplots || running > 0) {
		while (next < rp_nplots && running < jobs) {
			const char *name = rp_plots[next].name;
			remove_image(dir, name, "png");
			remove_image(dir, name, "svg");
			snprintf(script, sizeof(script), "%s.gp", name);
			if (job_start(&j[next], gnuplot, dir, script) < 0) {
				cli_err(CMD, "cannot run %s: %s", gnuplot, strerror(errno));
				rc = -1;
				next = rp_nplots; /* start no more; collect the running */
				break;
			}
			next++;
			running++;
		}
		if (running == 0)
			break;
		int status;
		pid_t pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			cli_err(CMD, "waiting for gnuplot: %s", strerror(errno));
			rc = -1;
			break;
		}
		for (size_t i = 0; i < rp_nplots; i++)
			if (j[i].started && !j[i].done && j[i].pid == pid) {
				j[i].done = 1;
				j[i].status = status;
				running--;
			}
	}
	for (size_t i = 0; i < rp_nplots && rc == 0; i++) {
		const char *name = rp_plots[i].name;
		int ok_exit = WIFEXITED(j[i].status) && WEXITSTATUS(j[i].status) == 0;
		job_output(&j[i], out, sizeof(out));
		if (!ok_exit) {
			failed[i] = 1;
			nfailed++;
			if (WIFEXITED(j[i].status))
				cli_err(CMD, "gnuplot %s/%s.gp failed (exit %d): %s", dir, name,
					WEXITSTATUS(j[i].status), out[0] ? out : "no message");
			else
				cli_err(CMD, "gnuplot %s/%s.gp killed by signal %d%s%s", dir, name,
					WTERMSIG(j[i].status), out[0] ? ": " : "", out);
		} else if (!have_image(dir, name, "png") || !have_image(dir, name, "svg")) {
			failed[i] = 1;
			nfailed++;
			cli_err(CMD, "gnuplot %s/%s.gp wrote no %s.png or %s.svg%s%s", dir, name,
				name, name, out[0] ? ": " : "", out);
		} else if (out[0] && !quiet) {
			fprintf(stderr, "rootlens report: note: gnuplot %s.gp: %s\n", name, out);
		}
	}
	for (size_t i = 0; i < rp_nplots; i++)
		if (j[i].err != NULL)
			fclose(j[i].err);
	free(j);
	return rc < 0 ? -1 : (int)nfailed;
}

/* Read @p path ("-": stdin) into the model. @return an exit status. */
static int add_document(rp_model_t *m, const char *path)
{
	json_error_t je;
	char err[512];
	json_t *doc = strcmp(path, "-") ? json_load_file(path, 0, &je) : json_loadf(stdin, 0, &je);
	int rc;

	if (doc == NULL) {
		if (je.line < 1)
			cli_err(CMD, "%s: %s", path, je.text);
		else
			cli_err(CMD, "%s:%d:%d: %s", path, je.line, je.column, je.text);
		return RL_EXIT_DAMAGED;
	}
	err[0] = '\0';
	rc = rp_model_add(m, doc, path, err, sizeof(err));
	json_decref(doc);
	if (rc == DW_ENOMEM) {
		cli_err(CMD, "out of memory");
		return RL_EXIT_FATAL;
	}
	if (rc < 0) {
		cli_err(CMD, "%s: %s", path, err[0] ? err : dw_strerror(rc));
		return RL_EXIT_DAMAGED;
	}
	return RL_EXIT_OK;
}

static int parse_count(const char *s, unsigned max, unsigned *v)
{
	char *end;
	long x;
	errno = 0;
	x = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno || x < 1 || x > (long)max)
		return -1;
	*v = (unsigned)x;
	return 0;
}

int cmd_report(int argc, char **argv)
{
	enum { OPT_TOP = 256 };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "title", required_argument, NULL, 't' },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "jobs", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *title = NULL;
	rp_opts_t opts = RP_OPTS_DEFAULT;
	unsigned jobs = 0;
	int c, quiet = 0, status = RL_EXIT_OK, stdin_used = 0;
	char gnuplot[PATH_MAX], err[640];
	rp_model_t m;
	rp_plotinfo_t *info = NULL;
	int *failed = NULL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:t:j:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': dir = optarg; break;
		case 't': title = optarg; break;
		case OPT_TOP:
			if (parse_count(optarg, 64, &opts.top) < 0)
				return cli_usage_error(CMD, "--top '%s': give 1 to 64", optarg);
			break;
		case 'j':
			if (parse_count(optarg, 256, &jobs) < 0)
				return cli_usage_error(CMD, "--jobs '%s': give 1 to 256", optarg);
			break;
		case 'q': quiet = 1; break;
		case 'h': fputs(report_help, stdout); return RL_EXIT_OK;
		default: return cli_usage_error(CMD, "bad option");
		}
	}
	if (dir == NULL || *dir == '\0')
		return cli_usage_error(CMD, "no output directory given (-o DIR)");
	if (optind >= argc)
		return cli_usage_error(CMD, "no document given (STATS.json from rootlens analyze)");
	for (int i = optind; i < argc; i++)
		if (!strcmp(argv[i], "-") && stdin_used++)
			return cli_usage_error(CMD, "standard input ('-') given twice");
	if (jobs == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		jobs = n < 1 ? 1 : n > 8 ? 8 : (unsigned)n;
	}
	if (find_gnuplot(gnuplot, sizeof(gnuplot)) < 0) {
		cli_err(CMD, GNUPLOT_MISSING);
		return RL_EXIT_FATAL;
	}

	rp_model_init(&m);
	for (int i = optind; i < argc; i++)
		if ((status = add_document(&m, argv[i])) != RL_EXIT_OK)
			goto out;
	if (rp_model_finish(&m) < 0) {
		cli_err(CMD, "out of memory");
		status = RL_EXIT_FATAL;
		goto out;
	}
	if (!quiet && m.overlaps)
		fprintf(stderr,
			"rootlens report: note: %zu interval%s of one instance came from several "
			"documents: counters added, unique sources the larger (rootlens merge them "
			"for exact figures)\n",
			m.overlaps, m.overlaps == 1 ? "" : "s");

	if (make_dirs(dir) < 0 || access(dir, W_OK | X_OK) < 0) {
		cli_err(CMD, "%s: cannot create or write the report directory: %s", dir,
			strerror(errno));
		status = RL_EXIT_FATAL;
		goto out;
	}
	info = calloc(rp_nplots, sizeof(*info));
	failed = calloc(rp_nplots, sizeof(*failed));
	if (info == NULL || failed == NULL) {
		cli_err(CMD, "out of memory");
		status = RL_EXIT_FATAL;
		goto out;
	}
	int rc = rp_plots_write(&m, &opts, dir, info, err, sizeof(err));
	if (rc < 0) {
		cli_err(CMD, "%s", rc == DW_ENOMEM ? "out of memory" : err);
		status = RL_EXIT_FATAL;
		goto out;
	}
	int nfailed = run_gnuplot(gnuplot, dir, jobs, quiet, failed);
	if (nfailed != 0)
		status = RL_EXIT_FATAL;
	if (nfailed >= 0 && rp_html_write(&m, info, failed, dir, title, err, sizeof(err)) < 0) {
		cli_err(CMD, "%s", err);
		status = RL_EXIT_FATAL;
	}
out:
	free(info);
	free(failed);
	rp_model_free(&m);
	return status;
}
