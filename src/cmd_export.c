/*
 * cmd_export.c - `rootlens export rssac002`: the RSSAC002v3 YAML files of
 * an analysis document, one set per UTC day (analyze/rssac002.c computes
 * them; this file reads the document and writes the files).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "rootlens/analyze.h"
#include "rootlens/common.h"
#include "rootlens/errcode.h"
#include "rssac002.h"

#define CMD "export"

static const char export_help[] =
	"usage: rootlens export rssac002 [--service NAME] [--letter X] [-q]\n"
	"                               STATS.json DIR\n"
	"\n"
	"Writes the RSSAC002v3 measurements of a rootlens.stats/1 document (from\n"
	"`rootlens analyze` or `rootlens merge`; \"-\" reads stdin) as YAML files,\n"
	"for each UTC day its series covers, in the layout the root server\n"
	"operators publish:\n"
	"\n"
	"  DIR/YYYY/MM/METRIC/X-YYYYMMDD-METRIC.yaml\n"
	"\n"
	"for METRIC traffic-volume, traffic-sizes, rcode-volume, unique-sources.\n"
	"A day's figures are the sums over the series intervals that start in it;\n"
	"its unique sources the union of their HyperLogLog sketches. A day the\n"
	"capture covers only in part still gets its files (with a note on\n"
	"stderr): RSSAC002 figures are meant for whole days.\n"
	"\n"
	"  -s, --service NAME  the service measured, e.g. k.root-servers.net\n"
	"                      (default: labels.server of the document)\n"
	"  -l, --letter X      file-name prefix (default from the service:\n"
	"                      k.root-servers.net gives k-root)\n"
	"  -q, --quiet         no notes about partly covered days\n"
	"  -h, --help          this text\n"
	"\n"
	"Exit status: 0 ok, 1 the document could not be read or is not an\n"
	"analysis document (nothing written), or some figures were missing from\n"
	"it (the rest written), 2 usage error, 3 fatal error (a file could not be\n"
	"written).\n";

/* mkdir -p of the directory part of @p path. @return 0 or -1 (errno). */
static int make_parents(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		int r = mkdir(path, 0777);
		int e = errno;
		*p = '/';
		if (r < 0 && e != EEXIST) {
			errno = e;
			return -1;
		}
	}
	return 0;
}

/* Write @p text to @p path through PATH.tmp. @return 0 or -1 (reported). */
static int write_file(char *path, const char *text)
{
	size_t len = strlen(path) + sizeof(".tmp");
	char *tmp = malloc(len);
	FILE *f;
	int bad;

	if (tmp == NULL) {
		cli_err(CMD, "out of memory");
		return -1;
	}
	snprintf(tmp, len, "%s.tmp", path);
	if (make_parents(path) < 0) {
		cli_err(CMD, "%s: cannot create its directory: %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	if ((f = fopen(tmp, "w")) == NULL) {
		cli_err(CMD, "%s: cannot create: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	bad = fputs(text, f) == EOF;
	bad |= fflush(f) != 0 || ferror(f);
	bad |= fclose(f) != 0;
	if (!bad && rename(tmp, path) < 0)
		bad = 1;
	if (bad) {
		cli_err(CMD, "%s: writing failed: %s", path, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return bad ? -1 : 0;
}

static const char *day_str(int64_t t, char buf[RL_TIME_STRMAX])
{
	rl_time_iso8601(t, buf);
	buf[10] = '\0'; /* YYYY-MM-DD */
	return buf;
}

int cmd_export(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "service", required_argument, NULL, 's' },
		{ "letter", required_argument, NULL, 'l' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *service = NULL, *letter = NULL;
	int c, quiet = 0, status = RL_EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:l:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 's': service = optarg; break;
		case 'l': letter = optarg; break;
		case 'q': quiet = 1; break;
		case 'h': fputs(export_help, stdout); return RL_EXIT_OK;
		default: return cli_usage_error(CMD, "bad option");
		}
	}
	if (optind >= argc)
		return cli_usage_error(CMD, "no format given (rssac002)");
	if (strcmp(argv[optind], "rssac002"))
		return cli_usage_error(CMD, "unknown format '%s' (known: rssac002)", argv[optind]);
	if (argc - optind != 3)
		return cli_usage_error(CMD, "expected STATS.json and DIR after rssac002");
	const char *in_path = argv[optind + 1], *dir = argv[optind + 2];
	if (letter != NULL && (!*letter || strspn(letter, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
						    strlen(letter)))
		return cli_usage_error(CMD, "--letter '%s': use lowercase letters, digits and '-'",
				       letter);
	if (service != NULL && !an_rs_valid_service(service))
		return cli_usage_error(CMD, "--service '%s' is not a host name", service);

	json_error_t je;
	json_t *doc = strcmp(in_path, "-") ? json_load_file(in_path, 0, &je) :
					     json_loadf(stdin, 0, &je);
	if (doc == NULL) {
		cli_err(CMD, "%s:%d:%d: %s", in_path, je.line, je.column, je.text);
		return RL_EXIT_DAMAGED;
	}

	char lbuf[80], err[512], path[4096];
	an_rs_day_t *days = NULL;
	size_t nd = 0;

	if (service == NULL) {
		const char *srv =
			json_string_value(json_object_get(json_object_get(doc, "labels"), "server"));
		if (srv == NULL || !an_rs_valid_service(srv)) {
			cli_usage_error(CMD, "--service NAME is needed: %s has %s%s%s", in_path,
					srv ? "labels.server \"" : "no labels.server",
					srv ? srv : "", srv ? "\"" : "");
			json_decref(doc);
			return RL_EXIT_USAGE;
		}
		service = srv;
	}
	if (letter == NULL) {
		if (an_rs_letter(service, lbuf, sizeof(lbuf)) < 0) {
			cli_usage_error(CMD, "--letter X is needed: '%s' is not LETTER.root-servers.net",
					service);
			json_decref(doc);
			return RL_EXIT_USAGE;
		}
		letter = lbuf;
	}

	int rc = an_rs_days(doc, &days, &nd, err, sizeof(err));
	if (rc < 0) {
		if (rc == DW_ENOMEM) {
			cli_err(CMD, "out of memory");
			status = RL_EXIT_FATAL;
		} else {
			cli_err(CMD, "%s: %s", in_path, err);
			status = RL_EXIT_DAMAGED;
		}
		goto out;
	}
	for (size_t d = 0; d < nd; d++) {
		const an_rs_day_t *day = &days[d];
		char t0[RL_TIME_STRMAX], t1[RL_TIME_STRMAX], ds[RL_TIME_STRMAX];

		if (!quiet && (day->covered_from > day->start ||
			       day->covered_to < day->start + AN_RS_DAY))
			fprintf(stderr,
				"rootlens export: note: %s covered %s to %s only; RSSAC002 "
				"figures are for whole days\n",
				day_str(day->start, ds), rl_time_iso8601(day->covered_from, t0),
				rl_time_iso8601(day->covered_to, t1));
		if (day->rcode_unmapped)
			cli_err(CMD, "%s: %s: %llu responses under rcode keys that name no RCODE "
				"(cut to \"other\" without the sketch?): left out of rcode-volume",
				in_path, day_str(day->start, ds),
				(unsigned long long)day->rcode_unmapped);
		if (day->rcode_unmapped)
			status = RL_EXIT_DAMAGED;
		for (an_rs_metric_t m = 0; m < AN_RS__METRICS; m++) {
			char *text;
			if (m == AN_RS_UNIQUE_SOURCES && !day->have_sources) {
				cli_err(CMD, "%s: %s: no unique-source sketch for some interval: "
					"unique-sources not written", in_path, day_str(day->start, ds));
				status = RL_EXIT_DAMAGED;
				continue;
			}
			int k = snprintf(path, sizeof(path), "%s/", dir);
			if (k < 0 || (size_t)k >= sizeof(path) ||
			    an_rs_path(day, m, letter, path + k, sizeof(path) - (size_t)k) < 0) {
				cli_err(CMD, "%s: output path too long", dir);
				status = RL_EXIT_FATAL;
				goto out;
			}
			if ((rc = an_rs_yaml(day, m, service, &text)) < 0) {
				cli_err(CMD, "out of memory");
				status = RL_EXIT_FATAL;
				goto out;
			}
			rc = write_file(path, text);
			free(text);
			if (rc < 0) {
				status = RL_EXIT_FATAL;
				goto out;
			}
		}
	}
out:
	free(days);
	json_decref(doc);
	return status;
}
