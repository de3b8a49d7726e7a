/*
 * cmd_merge.c - `rootlens merge`: the reduce step over partial documents
 * written by `rootlens analyze` (or by earlier merges).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "inputs.h"
#include "rootlens/analyze.h"

#define CMD "merge"

static const char merge_help[] =
	"usage: rootlens merge [-o FILE] [--compact] PARTIAL.json...\n"
	"\n"
	"Merges rootlens.stats/1 documents (from `rootlens analyze` or earlier\n"
	"merges) into one: counters and histograms add, series are joined by\n"
	"interval, unique-source and top-source sketches merge, inputs are\n"
	"listed together, labels that differ become \"*\", and documents from\n"
	"more than one server|instance keep per-instance totals (\"instances\").\n"
	"Merging is associative and commutative: any grouping and order gives\n"
	"the same document. All documents must have the same schema and\n"
	"interval.\n"
	"\n"
	"Flags (rootlens-flags(1)) are computed again from the merged series of\n"
	"each instance whose partials are single-instance documents; a partial\n"
	"that merges several instances contributes its flags as they are. The\n"
	"rules are the partials' (the strictest where they differ), or:\n"
	"      --flag-share PCT, --flag-factor F, --flag-repeat-qps Q,\n"
	"      --flag-min-qps Q, --flag-min-intervals N, --flag-window N\n"
	"                     as in rootlens analyze\n"
	"\n"
	"  -o, --output FILE  write FILE (through FILE.tmp) instead of stdout\n"
	"  -c, --compact      one-line JSON instead of indented\n"
	"  -h, --help         this text\n"
	"\n"
	"Exit status: 0 ok, 1 a document could not be read or does not fit\n"
	"(nothing is written), 2 usage error, 3 fatal error.\n";

static int parse_num(const char *s, double lo, double hi, double *v)
{
	char *end;
	double x = strtod(s, &end);
	if (end == s || *end != '\0' || !(x >= lo && x <= hi))
		return -1;
	*v = x;
	return 0;
}

int cmd_merge(int argc, char **argv)
{
	enum { O_FSHARE = 256, O_FFACTOR, O_FREPEAT, O_FMINQPS, O_FMININT, O_FWINDOW };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "compact", no_argument, NULL, 'c' },
		{ "flag-share", required_argument, NULL, O_FSHARE },
		{ "flag-factor", required_argument, NULL, O_FFACTOR },
		{ "flag-repeat-qps", required_argument, NULL, O_FREPEAT },
		{ "flag-min-qps", required_argument, NULL, O_FMINQPS },
		{ "flag-min-intervals", required_argument, NULL, O_FMININT },
		{ "flag-window", required_argument, NULL, O_FWINDOW },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out_path = NULL;
	int c, compact = 0, status = RL_EXIT_DAMAGED;
	an_cfg_t cfg;
	double v = 0;

	an_cfg_default(&cfg);
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:ch", longopts, NULL)) != -1) {
		int bad = 0;
		switch (c) {
		case 'o': out_path = optarg; break;
		case 'c': compact = 1; break;
		case O_FSHARE:
			bad = parse_num(optarg, 0, 100, &cfg.flag.share_pct);
			cfg.flag_set |= AN_FLAG_SHARE;
			break;
		case O_FFACTOR:
			bad = parse_num(optarg, 1, 1e9, &cfg.flag.factor);
			cfg.flag_set |= AN_FLAG_FACTOR;
			break;
		case O_FREPEAT:
			bad = parse_num(optarg, 0, 1e9, &cfg.flag.repeat_qps);
			cfg.flag_set |= AN_FLAG_REPEAT;
			break;
		case O_FMINQPS:
			bad = parse_num(optarg, 0, 1e9, &cfg.flag.min_qps);
			cfg.flag_set |= AN_FLAG_MIN_QPS;
			break;
		case O_FMININT:
			bad = parse_num(optarg, 0, 100000, &v) || v != (unsigned)v;
			cfg.flag.min_intervals = (unsigned)v;
			cfg.flag_set |= AN_FLAG_MIN_INTERVALS;
			break;
		case O_FWINDOW:
			bad = parse_num(optarg, 1, 100000, &v) || v != (unsigned)v;
			cfg.flag.window = (unsigned)v;
			cfg.flag_set |= AN_FLAG_WINDOW;
			break;
		case 'h': fputs(merge_help, stdout); return RL_EXIT_OK;
		default: return cli_usage_error(CMD, "bad option");
		}
		if (bad)
			for (size_t i = 0; longopts[i].name; i++)
				if (longopts[i].val == c)
					return cli_usage_error(CMD, "bad --%s '%s' (share: 0..100 %%, "
							       "factor: >= 1, rates: >= 0 q/s, "
							       "intervals: whole numbers, window >= 1)",
							       longopts[i].name, optarg);
	}
	if (optind >= argc)
		return cli_usage_error(CMD, "no input documents");

	size_t n = (size_t)(argc - optind);
	json_t **docs = calloc(n, sizeof(*docs)), *out = NULL;
	char err[512];

	if (!docs) {
		cli_err(CMD, "out of memory");
		return RL_EXIT_FATAL;
	}
	for (size_t i = 0; i < n; i++) {
		const char *path = argv[optind + (int)i];
		json_error_t je;
		/* "-" reads stdin, as the other commands do. */
		docs[i] = strcmp(path, "-") ? json_load_file(path, 0, &je) :
					      json_loadf(stdin, 0, &je);
		if (!docs[i]) {
			cli_err(CMD, "%s:%d:%d: %s", path, je.line, je.column, je.text);
			goto out;
		}
		/* The usual mistakes, named by file rather than by position;
		 * an_merge() checks the rest. */
		const json_t *s = json_object_get(docs[i], "schema");
		if (!json_is_string(s) || strcmp(json_string_value(s), AN_SCHEMA)) {
			cli_err(CMD, "%s: not a %s document (schema %s%s%s)", path, AN_SCHEMA,
				json_is_string(s) ? "\"" : "",
				json_is_string(s) ? json_string_value(s) : "missing",
				json_is_string(s) ? "\"" : "");
			goto out;
		}
		const json_t *iv = json_object_get(docs[i], "interval");
		const json_t *iv0 = json_object_get(docs[0], "interval");
		if (i > 0 && json_is_integer(iv) && json_is_integer(iv0) &&
		    json_integer_value(iv) != json_integer_value(iv0)) {
			cli_err(CMD, "%s: interval %llds, but %s has %llds: series of different "
				"intervals cannot be merged (re-run analyze with --interval)",
				path, (long long)json_integer_value(iv), argv[optind],
				(long long)json_integer_value(iv0));
			goto out;
		}
	}
	if (!(out = an_merge(docs, n, &cfg, err, sizeof(err)))) {
		/* err says "document N: why"; name the file instead. */
		size_t d = 0;
		int off = 0;
		if (sscanf(err, "document %zu: %n", &d, &off) == 1 && off > 0 && d >= 1 && d <= n)
			cli_err(CMD, "%s: %s", argv[optind + (int)d - 1], err + off);
		else
			cli_err(CMD, "%s", err);
		goto out;
	}
	status = in_write_doc(CMD, out, out_path, compact) < 0 ? RL_EXIT_FATAL : RL_EXIT_OK;
out:
	for (size_t i = 0; i < n; i++)
		json_decref(docs[i]);
	json_decref(out);
	free(docs);
	return status;
}
