/*
 * cmd_flags.c - `rootlens flags`: the misbehaving senders that `analyze`
 * and `merge` flagged (the "flags" of a rootlens.stats/1 document,
 * doc/stats-json.md), as a table sorted by impact, or as JSON.
 *
 * Impact is a flag's "excess_queries": the queries beyond what the rule it
 * broke allows (its baseline, its share, the repeat rate), so a flood of
 * many minutes' worth of queries sorts above a resolver a little over 5 %.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rootlens/analyze.h"

#define CMD "flags"
#define QNAME_COLS 44
#define CELL_MAX 160

static const char flags_help[] =
	"usage: rootlens flags [--json] [--min-share PCT] STATS.json...\n"
	"\n"
	"Prints the sources, prefixes and ASes that `rootlens analyze` (or merge)\n"
	"flagged in the documents, most queries in excess first: per flagged\n"
	"subject and interval, why (share: more than --flag-share % of the\n"
	"interval's queries; rise: more than --flag-factor times its baseline;\n"
	"repeat: one question more than --flag-repeat-qps times a second), its\n"
	"rate, share and baseline, and the evidence: its top question, the\n"
	"TCP and DO shares of its queries.\n"
	"\n"
	"  -j, --json         the flags as a JSON array (each with \"file\" when\n"
	"                     several documents are given) instead of a table\n"
	"      --min-share PCT  only flags with at least PCT % of their interval\n"
	"  -h, --help         this text\n"
	"\n"
	"Exit status: 0 ok (with or without flags), 1 a document could not be\n"
	"read or has no flags, 2 usage error, 3 fatal error.\n";

typedef struct row {
	json_t *f;          /* the flag (borrowed from its document) */
	const char *file;
	json_int_t excess;
	const char *start, *subject;
} row_t;

static int cmp_row(const void *a, const void *b)
{
	const row_t *x = a, *y = b;
	int c;
	if (x->excess != y->excess)
		return x->excess > y->excess ? -1 : 1;
	if ((c = strcmp(x->start, y->start)) != 0)
		return c;
	if ((c = strcmp(x->subject, y->subject)) != 0)
		return c;
	return strcmp(x->file, y->file);
}

static const char *str(const json_t *o, const char *key, const char *dflt)
{
	const json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : dflt;
}

/* "12.3" of a number member, or "-" */
static void num(char *buf, size_t n, const json_t *o, const char *key, const char *fmt)
{
	const json_t *v = json_object_get(o, key);
	if (json_is_number(v))
		snprintf(buf, n, fmt, json_number_value(v));
	else
		snprintf(buf, n, "-");
}

enum { C_FILE, C_IV, C_INST, C_SUBJ, C_AS, C_WHY, C_RATE, C_SHARE, C_BASE, C_TOPQ, C_TCP,
       C_DO, NCOL };
static const char *const head[NCOL] = {
	"FILE", "INTERVAL", "INSTANCE", "SUBJECT", "AS", "REASON", "RATE q/s", "SHARE %",
	"BASE q/s", "TOP QNAME/QTYPE", "TCP %", "DO %",
};
/* numbers right-aligned */
static const int right[NCOL] = { [C_RATE] = 1, [C_SHARE] = 1, [C_BASE] = 1, [C_TCP] = 1,
				 [C_DO] = 1 };

/* The cells of one flag. */
static void cells(const row_t *r, char cell[NCOL][CELL_MAX])
{
	const json_t *f = r->f, *ev = json_object_get(f, "evidence");
	const json_t *tq = json_array_get(json_object_get(ev, "top_qnames"), 0);
	const size_t n = CELL_MAX;

	snprintf(cell[C_FILE], n, "%s", r->file);
	snprintf(cell[C_IV], n, "%s", r->start);
	snprintf(cell[C_INST], n, "%s", str(f, "instance", "-"));
	snprintf(cell[C_SUBJ], n, "%s", r->subject);
	snprintf(cell[C_AS], n, "%s",
		 !strcmp(str(f, "kind", ""), "asn") ? "-" : str(f, "asn", "-"));
	snprintf(cell[C_WHY], n, "%s", str(f, "reason", "?"));
	num(cell[C_RATE], n, f, "rate_qps", "%.1f");
	num(cell[C_SHARE], n, f, "share_pct", "%.2f");
	num(cell[C_BASE], n, f, "baseline_qps", "%.1f");
	if (tq) {
		char q[512];
		int len = snprintf(q, sizeof(q), "%s %s", str(tq, "qname", "?"), str(tq, "qtype", "?"));
		if (len > QNAME_COLS)
			snprintf(cell[C_TOPQ], n, "%.*s...", QNAME_COLS - 3, q);
		else
			snprintf(cell[C_TOPQ], n, "%.*s", QNAME_COLS, q);
	} else {
		snprintf(cell[C_TOPQ], n, "-");
	}
	num(cell[C_TCP], n, ev, "tcp_pct", "%.1f");
	num(cell[C_DO], n, ev, "do_pct", "%.1f");
}

static void print_table(const row_t *rows, size_t n, int show_file, int show_inst)
{
	char (*c)[NCOL][CELL_MAX] = malloc((n + 1) * sizeof(*c));
	size_t w[NCOL];
	int show[NCOL];

	if (!c) {
		cli_err(CMD, "out of memory");
		return;
	}
	for (int k = 0; k < NCOL; k++) {
		show[k] = (k != C_FILE || show_file) && (k != C_INST || show_inst);
		w[k] = strlen(head[k]);
	}
	for (size_t i = 0; i < n; i++) {
		cells(&rows[i], c[i]);
		for (int k = 0; k < NCOL; k++)
			if (strlen(c[i][k]) > w[k])
				w[k] = strlen(c[i][k]);
	}
	for (size_t i = 0; i <= n; i++) {
		const char *sep = "";
		for (int k = 0; k < NCOL; k++) {
			if (!show[k])
				continue;
			const char *t = i == 0 ? head[k] : c[i - 1][k];
			int last = k == C_DO;
			if (right[k])
				printf("%s%*s", sep, (int)w[k], t);
			else if (last)
				printf("%s%s", sep, t);
			else
				printf("%s%-*s", sep, (int)w[k], t);
			sep = "  ";
		}
		putchar('\n');
	}
	free(c);
}

int cmd_flags(int argc, char **argv)
{
	enum { O_MINSHARE = 256 };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "min-share", required_argument, NULL, O_MINSHARE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, as_json = 0, status = RL_EXIT_DAMAGED;
	double min_share = -1;
	char *end;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': as_json = 1; break;
		case O_MINSHARE:
			min_share = strtod(optarg, &end);
			if (end == optarg || *end != '\0' || !(min_share >= 0 && min_share <= 100))
				return cli_usage_error(CMD, "bad --min-share '%s' (0..100)", optarg);
			break;
		case 'h': fputs(flags_help, stdout); return RL_EXIT_OK;
		default: return cli_usage_error(CMD, "bad option");
		}
	}
	if (optind >= argc)
		return cli_usage_error(CMD, "no documents");

	size_t nd = (size_t)(argc - optind), nrows = 0, caprows = 0;
	json_t **docs = calloc(nd, sizeof(*docs)), *out = NULL;
	row_t *rows = NULL;
	int show_inst = 0;

	if (!docs)
		goto oom;
	for (size_t d = 0; d < nd; d++) {
		const char *path = argv[optind + (int)d];
		json_error_t je;
		const json_t *fl, *f;
		size_t i;
		docs[d] = strcmp(path, "-") ? json_load_file(path, 0, &je) : json_loadf(stdin, 0, &je);
		if (!docs[d]) {
			cli_err(CMD, "%s:%d:%d: %s", path, je.line, je.column, je.text);
			goto out;
		}
		if (strcmp(str(docs[d], "schema", ""), AN_SCHEMA)) {
			cli_err(CMD, "%s: not a %s document", path, AN_SCHEMA);
			goto out;
		}
		fl = json_object_get(docs[d], "flags");
		if (!json_is_array(fl)) {
			cli_err(CMD, "%s: no \"flags\" (written before rootlens had flags: run "
				"analyze or merge again)", path);
			goto out;
		}
		json_array_foreach(fl, i, f) {
			const json_t *ex = json_object_get(f, "excess_queries");
			const json_t *sh = json_object_get(f, "share_pct");
			if (!json_is_object(f) || !json_is_integer(ex) ||
			    !json_is_string(json_object_get(f, "interval_start")) ||
			    !json_is_string(json_object_get(f, "subject"))) {
				cli_err(CMD, "%s: flag %zu is not what rootlens writes", path, i + 1);
				goto out;
			}
			if (min_share >= 0 && !(json_is_number(sh) && json_number_value(sh) >= min_share))
				continue;
			if (nrows == caprows) {
				size_t nc = caprows ? 2 * caprows : 64;
				row_t *p = realloc(rows, nc * sizeof(*p));
				if (!p)
					goto oom;
				rows = p;
				caprows = nc;
			}
			rows[nrows].f = (json_t *)(uintptr_t)f;
			rows[nrows].file = path;
			rows[nrows].excess = json_integer_value(ex);
			rows[nrows].start = str(f, "interval_start", "");
			rows[nrows].subject = str(f, "subject", "");
			show_inst |= json_object_get(f, "instance") != NULL;
			nrows++;
		}
	}
	if (nrows)
		qsort(rows, nrows, sizeof(*rows), cmp_row);
	if (as_json) {
		if (!(out = json_array()))
			goto oom;
		for (size_t i = 0; i < nrows; i++) {
			json_t *g = json_deep_copy(rows[i].f);
			if (!g || json_array_append_new(out, g) < 0)
				goto oom;
			if (nd > 1 && json_object_set_new(g, "file", json_string(rows[i].file)) < 0)
				goto oom;
		}
		if (json_dumpf(out, stdout, JSON_INDENT(1) | JSON_REAL_PRECISION(15)) < 0 ||
		    fputc('\n', stdout) == EOF) {
			cli_err(CMD, "writing output failed");
			status = RL_EXIT_FATAL;
			goto out;
		}
	} else if (nrows == 0) {
		printf("no flags\n");
	} else {
		print_table(rows, nrows, nd > 1, show_inst);
	}
	status = fflush(stdout) == 0 ? RL_EXIT_OK : RL_EXIT_FATAL;
	goto out;
oom:
	cli_err(CMD, "out of memory");
	status = RL_EXIT_FATAL;
out:
	for (size_t d = 0; docs && d < nd; d++)
		json_decref(docs[d]);
	free(docs);
	free(rows);
	json_decref(out);
	return status;
}
