/*
 * cmd_analyze.c - `rootlens analyze`: captures in, one rootlens.stats/1
 * document out (doc/stats-json.md).
 *
 * With -j N the files (sorted by name) are cut into N contiguous runs of
 * about equal size; each worker thread reads its run with its own feed and
 * engine, and the worker documents are merged with an_merge(), the same
 * code `rootlens merge` runs (with the "parts" of on_msg()). Contiguous runs, not a shared queue: which
 * worker reads which file stays fixed, so the output does not depend on
 * thread timing (the top lists are merged sketches, and a different split
 * could give a different, equally correct, list), and rotated files of one
 * capture mostly stay together, so TCP streams crossing a rotation are
 * still reassembled.
 *
 * A further thread computes the inputs' SHA-256 while the workers read:
 * hashing a file costs about a third of inflating it.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "inputs.h"
#include "rootlens/analyze.h"
#include "rootlens/dnsfeed.h"

#define CMD "analyze"
#define MAX_JOBS 256

static const char analyze_help[] =
	"usage: rootlens analyze [OPTIONS] FILE...\n"
	"\n"
	"Reads captures (pcap or pcapng, plain or gzip; '-' is stdin) and writes\n"
	"one JSON document (schema rootlens.stats/1, doc/stats-json.md): DNS\n"
	"messages by transport and IP version, the TCP/UDP query ratio, EDNS and\n"
	"the DO share, RSSAC002 message sizes, qtype/rcode/opcode, queries and\n"
	"DNSKEY queries by TLD, unique and top sources, malformed messages; for\n"
	"the whole run and per interval, with the sketches `rootlens merge` needs.\n"
	"\n"
	"  -i, --interval S   series interval in seconds, aligned to the clock (60)\n"
	"      --server N     label: name server (default: from FILE.json, else null)\n"
	"      --instance I   label: anycast instance\n"
	"      --phase P      label: measurement phase\n"
	"  -p, --port N       also treat port N as DNS (repeatable; 53 always is)\n"
	"      --prefix4 L    top_prefixes: IPv4 prefix length (24)\n"
	"      --prefix6 L    top_prefixes: IPv6 prefix length (48)\n"
	"      --top K        entries in the whole-run top lists (20)\n"
	"  -j, --jobs N       files analysed in parallel (default: online CPUs)\n"
	"  -o, --output FILE  write FILE (through FILE.tmp) instead of stdout\n"
	"  -c, --compact      one-line JSON instead of indented\n"
	"  -q, --quiet        no progress on stderr\n"
	"  -h, --help         this text\n"
	"\n"
	"Exit status: 0 ok, 1 an input was missing or damaged (the document is\n"
	"still written, with everything before the damage), 2 usage error,\n"
	"3 fatal error.\n";

typedef struct file_job {
	const char *path;
	uint64_t size;    /* from stat(), 0 when unknown (stdin) */
	int rc;           /* rl_feed_file() result */
	char err[512];
	json_t *entry;    /* "inputs" entry, from the hash thread */
	char herr[512];
} file_job_t;

typedef struct worker {
	pthread_t tid;
	file_job_t *files;
	size_t nfiles;
	const an_cfg_t *acfg;
	const nl_config_t *ncfg;
	an_engine_t *e;   /* the current part's engine */
	json_t *parts;    /* an_engine_finish() of each part, in order */
	int64_t max_ts;   /* newest message time of the current part */
	int have_ts, file_start;
	int fatal;
	char ferr[256];
	/* progress, read by the main thread */
	_Atomic uint64_t bytes, packets;
	_Atomic unsigned files_done;
	uint64_t bytes_before, packets_before;
} worker_t;

typedef struct hasher {
	pthread_t tid;
	file_job_t *files;
	size_t nfiles;
} hasher_t;

/* Close the current engine into a part and start the next. */
static int next_part(worker_t *w)
{
	int rc;
	if (w->e) {
		json_t *body = an_engine_finish(w->e);
		an_engine_free(w->e);
		w->e = NULL;
		if (!body || json_array_append_new(w->parts, body) < 0) {
			snprintf(w->ferr, sizeof(w->ferr), "out of memory building the document");
			w->fatal = 1;
			return DW_ENOMEM;
		}
	}
	w->have_ts = 0;
	if ((rc = an_engine_new(&w->e, w->acfg)) < 0) {
		snprintf(w->ferr, sizeof(w->ferr), "%s", dw_strerror(rc));
		w->fatal = 1;
	}
	return rc;
}

/*
 * The engine keeps two intervals open and takes its input as roughly in
 * time order. Files of unrelated times (several instances or days named in
 * any order) would break that: a file that starts before the open
 * intervals gets an engine of its own, a "part", and the parts are merged
 * at the end, which sums series by interval exactly. Decided only at a
 * file's first message, so a capture rotated into several files stays in
 * one part.
 */
static void on_msg(const nl_dns_t *pkt, const dw_msg_t *msg, void *user)
{
	worker_t *w = user;
	if (w->file_start) {
		w->file_start = 0;
		if (w->have_ts && pkt->ts_sec < w->max_ts - 2 * (int64_t)w->acfg->interval_s)
			next_part(w);
	}
	if (!w->e)
		return; /* out of memory: reported when the worker ends */
	if (!w->have_ts || pkt->ts_sec > w->max_ts) {
		w->max_ts = pkt->ts_sec;
		w->have_ts = 1;
	}
	an_engine_observe(w->e, pkt, msg);
}

static void on_tick(const rl_feed_stats_t *st, void *user)
{
	worker_t *w = user;
	atomic_store_explicit(&w->bytes, w->bytes_before + st->bytes, memory_order_relaxed);
	atomic_store_explicit(&w->packets, w->packets_before + st->packets,
			      memory_order_relaxed);
}

static void *worker_run(void *arg)
{
	worker_t *w = arg;
	rl_feed_t *feed = NULL;
	rl_feed_stats_t st;
	int rc;

	if (!(w->parts = json_array())) {
		snprintf(w->ferr, sizeof(w->ferr), "out of memory");
		w->fatal = 1;
		goto out;
	}
	if ((rc = rl_feed_new(&feed, w->ncfg)) < 0) {
		snprintf(w->ferr, sizeof(w->ferr), "%s", dw_strerror(rc));
		w->fatal = 1;
		goto out;
	}
	if (next_part(w) < 0)
		goto out;
	rl_feed_set_tick(feed, on_tick, w);
	for (size_t i = 0; i < w->nfiles; i++) {
		file_job_t *f = &w->files[i];
		w->file_start = 1;
		f->rc = rl_feed_file(feed, f->path, on_msg, w, &st, f->err, sizeof(f->err));
		/* TCP data still held at the end belongs to the last file. */
		if (i == w->nfiles - 1)
			rl_feed_finish(feed, on_msg, w, &st);
		if (w->e)
			an_engine_add_feed(w->e, &st);
		w->bytes_before += st.bytes;
		w->packets_before += st.packets;
		atomic_store(&w->bytes, w->bytes_before);
		atomic_store(&w->packets, w->packets_before);
		atomic_fetch_add(&w->files_done, 1);
	}
	if (!w->fatal)
		next_part(w);
out:
	an_engine_free(w->e);
	w->e = NULL;
	rl_feed_free(feed);
	return NULL;
}

static void *hasher_run(void *arg)
{
	hasher_t *h = arg;
	for (size_t i = 0; i < h->nfiles; i++)
		h->files[i].entry = in_file_entry(h->files[i].path, h->files[i].herr,
						  sizeof(h->files[i].herr));
	return NULL;
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

static int cmp_path(const void *a, const void *b)
{
	return strcmp(((const file_job_t *)a)->path, ((const file_job_t *)b)->path);
}

/*
 * Contiguous runs of about total/N bytes each, at least one file each:
 * worker w takes files while it is short of its share of what is left.
 */
static size_t partition(file_job_t *files, size_t n, worker_t *w, size_t nw)
{
	uint64_t left = 0;
	size_t idx = 0;

	for (size_t i = 0; i < n; i++)
		left += files[i].size;
	for (size_t k = 0; k < nw; k++) {
		uint64_t want = left / (nw - k), got = 0;
		size_t after = nw - k - 1; /* workers still to feed */
		w[k].files = files + idx;
		do {
			got += files[idx++].size;
		} while (idx < n - after &&
			 (k == nw - 1 || got + files[idx].size / 2 <= want));
		w[k].nfiles = (size_t)(files + idx - w[k].files);
		left -= got;
	}
	return nw;
}

/* The labels of the run: per key, the command line, else the manifests'
 * value when they agree ("*" when they differ), else null. */
static json_t *run_labels(file_job_t *files, size_t n, const char *cli[3], int *damaged)
{
	static const char *const keys[] = { "server", "instance", "phase" };
	json_t *out = json_object(), *found = json_object();

	if (!out || !found)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		char err[512];
		json_t *l = json_object();
		if (!l)
			goto fail;
		int rc = in_manifest_labels(files[i].path, l, err, sizeof(err));
		if (rc < 0) {
			cli_err(CMD, "%s", err);
			*damaged = 1;
		}
		for (int k = 0; k < 3; k++) {
			json_t *v = json_object_get(l, keys[k]), *have = json_object_get(found, keys[k]);
			if (!v)
				continue;
			if (!have)
				json_object_set(found, keys[k], v);
			else if (!json_equal(have, v))
				json_object_set_new(found, keys[k], json_string("*"));
		}
		json_decref(l);
	}
	for (int k = 0; k < 3; k++) {
		json_t *v = cli[k] ? json_string(cli[k]) : json_object_get(found, keys[k]);
		if (!v)
			v = json_null();
		else if (!cli[k])
			json_incref(v);
		if (json_object_set_new(out, keys[k], v) < 0)
			goto fail;
	}
	json_decref(found);
	return out;
fail:
	json_decref(out);
	json_decref(found);
	return NULL;
}

/* schema, generator, inputs (of @p files), labels, then the engine's
 * body, in order. */
static json_t *make_doc(const file_job_t *files, size_t nfiles, json_t *body,
			const json_t *labels)
{
	json_t *doc = json_object(), *inputs = json_array(), *v;
	const char *k;

	if (!doc || !inputs)
		goto fail;
	for (size_t i = 0; i < nfiles; i++)
		if (files[i].entry && json_array_append(inputs, files[i].entry) < 0)
			goto fail;
	if (json_object_set_new(doc, "schema", json_string(AN_SCHEMA)) < 0 ||
	    json_object_set_new(doc, "generator", json_string("rootlens " RL_VERSION)) < 0)
		goto fail;
	int bad = json_object_set_new(doc, "inputs", inputs) < 0;
	inputs = NULL;
	if (bad || json_object_set_new(doc, "labels", json_deep_copy(labels)) < 0)
		goto fail;
	json_object_foreach(body, k, v)
		if (json_object_set(doc, k, v) < 0)
			goto fail;
	return doc;
fail:
	json_decref(doc);
	json_decref(inputs);
	return NULL;
}

/* Redraw progress until every worker has returned. */
static void wait_progress(worker_t *w, size_t nw, unsigned files, uint64_t total_bytes,
			  int quiet)
{
	cli_progress_t prog;
	cli_progress_init(&prog, quiet, total_bytes);
	if (prog.enabled) {
		for (;;) {
			uint64_t bytes = 0, packets = 0;
			unsigned done = 0;
			for (size_t k = 0; k < nw; k++) {
				bytes += atomic_load(&w[k].bytes);
				packets += atomic_load(&w[k].packets);
				done += atomic_load(&w[k].files_done);
			}
			if (done >= files)
				break;
			cli_progress_update(&prog, done + 1, files, bytes, packets);
			nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
		}
	}
	for (size_t k = 0; k < nw; k++)
		pthread_join(w[k].tid, NULL);
	cli_progress_done(&prog);
}

int cmd_analyze(int argc, char **argv)
{
	enum { O_SERVER = 256, O_INSTANCE, O_PHASE, O_PREFIX4, O_PREFIX6, O_TOP };
	static const struct option longopts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "server", required_argument, NULL, O_SERVER },
		{ "instance", required_argument, NULL, O_INSTANCE },
		{ "phase", required_argument, NULL, O_PHASE },
		{ "port", required_argument, NULL, 'p' },
		{ "prefix4", required_argument, NULL, O_PREFIX4 },
		{ "prefix6", required_argument, NULL, O_PREFIX6 },
		{ "top", required_argument, NULL, O_TOP },
		{ "jobs", required_argument, NULL, 'j' },
		{ "output", required_argument, NULL, 'o' },
		{ "compact", no_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	an_cfg_t acfg;
	nl_config_t ncfg;
	const char *labels_cli[3] = { NULL, NULL, NULL }, *out_path = NULL;
	unsigned jobs = 0;
	int c, compact = 0, quiet = 0, damaged = 0, status = RL_EXIT_OK;

	an_cfg_default(&acfg);
	nl_config_default(&ncfg);
	optind = 1;
	while ((c = getopt_long(argc, argv, "i:p:j:o:cqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (parse_uint(optarg, 1, 7 * 86400, &acfg.interval_s) < 0)
				return cli_usage_error(CMD, "bad interval '%s' (1..604800 s)", optarg);
			break;
		case O_SERVER: labels_cli[0] = optarg; break;
		case O_INSTANCE: labels_cli[1] = optarg; break;
		case O_PHASE: labels_cli[2] = optarg; break;
		case 'p': {
			uint16_t port;
			if (cli_parse_port(optarg, &port) < 0)
				return cli_usage_error(CMD, "bad port '%s'", optarg);
			if (ncfg.nports >= NL_MAX_PORTS)
				return cli_usage_error(CMD, "at most %d ports", NL_MAX_PORTS - 1);
			ncfg.ports[ncfg.nports++] = port;
			break;
		}
		case O_PREFIX4:
			if (parse_uint(optarg, 1, 32, &acfg.v4_prefix) < 0)
				return cli_usage_error(CMD, "bad IPv4 prefix length '%s' (1..32)", optarg);
			break;
		case O_PREFIX6:
			if (parse_uint(optarg, 1, 128, &acfg.v6_prefix) < 0)
				return cli_usage_error(CMD, "bad IPv6 prefix length '%s' (1..128)", optarg);
			break;
		case O_TOP:
			if (parse_uint(optarg, 1, acfg.ss_total, &acfg.topk) < 0)
				return cli_usage_error(CMD, "bad --top '%s' (1..%u)", optarg, acfg.ss_total);
			break;
		case 'j':
			if (parse_uint(optarg, 1, MAX_JOBS, &jobs) < 0)
				return cli_usage_error(CMD, "bad -j '%s' (1..%d)", optarg, MAX_JOBS);
			break;
		case 'o': out_path = optarg; break;
		case 'c': compact = 1; break;
		case 'q': quiet = 1; break;
		case 'h': fputs(analyze_help, stdout); return RL_EXIT_OK;
		default: return cli_usage_error(CMD, "bad option");
		}
	}
	if (optind >= argc)
		return cli_usage_error(CMD, "no input files");
	if (jobs == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		jobs = n < 1 ? 1 : n > MAX_JOBS ? MAX_JOBS : (unsigned)n;
	}

	size_t nfiles = (size_t)(argc - optind), nw = 0;
	uint64_t total_bytes = 0;
	file_job_t *files = calloc(nfiles, sizeof(*files));
	worker_t *w = NULL;
	hasher_t h = { .nfiles = nfiles };
	json_t *labels = NULL, *doc = NULL, **docs = NULL;
	size_t ndocs = 0;
	int hashing = 0;

	status = RL_EXIT_FATAL;
	if (!files)
		goto oom;
	for (size_t i = 0; i < nfiles; i++) {
		struct stat sb;
		files[i].path = argv[optind + (int)i];
		if (strcmp(files[i].path, "-") && stat(files[i].path, &sb) == 0)
			files[i].size = (uint64_t)sb.st_size;
		total_bytes += files[i].size;
	}
	qsort(files, nfiles, sizeof(*files), cmp_path);
	nw = jobs < nfiles ? jobs : nfiles;
	if (!(w = calloc(nw, sizeof(*w))))
		goto oom;
	if (!(labels = run_labels(files, nfiles, labels_cli, &damaged)))
		goto oom;
	partition(files, nfiles, w, nw);

	h.files = files;
	if (pthread_create(&h.tid, NULL, hasher_run, &h) != 0) {
		cli_err(CMD, "cannot start a thread");
		goto out;
	}
	hashing = 1;
	for (size_t k = 0; k < nw; k++) {
		w[k].acfg = &acfg;
		w[k].ncfg = &ncfg;
		if (pthread_create(&w[k].tid, NULL, worker_run, &w[k]) != 0) {
			cli_err(CMD, "cannot start a thread");
			/* the ones started must still be joined */
			wait_progress(w, k, 0, 0, 1);
			goto out;
		}
	}
	wait_progress(w, nw, (unsigned)nfiles, total_bytes, quiet);
	pthread_join(h.tid, NULL);
	hashing = 0;

	for (size_t i = 0; i < nfiles; i++) {
		if (files[i].rc < 0) {
			cli_err(CMD, "%s", files[i].err);
			damaged = 1;
		} else if (!files[i].entry) {
			cli_err(CMD, "%s", files[i].herr);
			damaged = 1;
		}
	}
	size_t nparts = 0;
	for (size_t k = 0; k < nw; k++) {
		if (w[k].fatal) {
			cli_err(CMD, "%s", w[k].ferr);
			goto out;
		}
		nparts += json_array_size(w[k].parts);
	}
	if (!(docs = calloc(nparts, sizeof(*docs))))
		goto oom;
	for (size_t k = 0; k < nw; k++) {
		json_t *body;
		size_t i;
		/* A worker's inputs are listed once, with its first part. */
		json_array_foreach(w[k].parts, i, body)
			if (!(docs[ndocs++] = make_doc(w[k].files, i ? 0 : w[k].nfiles, body,
						      labels)))
				goto oom;
	}
	if (ndocs == 1) {
		doc = json_incref(docs[0]);
	} else {
		char err[512];
		if (!(doc = an_merge(docs, ndocs, &acfg, err, sizeof(err)))) {
			cli_err(CMD, "merging the workers' results: %s", err);
			goto out;
		}
	}
	if (in_write_doc(CMD, doc, out_path, compact) < 0)
		goto out;
	status = damaged ? RL_EXIT_DAMAGED : RL_EXIT_OK;
	goto out;
oom:
	cli_err(CMD, "out of memory");
out:
	if (hashing)
		pthread_join(h.tid, NULL);
	for (size_t i = 0; files && i < nfiles; i++)
		json_decref(files[i].entry);
	for (size_t k = 0; w && k < nw; k++)
		json_decref(w[k].parts);
	for (size_t i = 0; i < ndocs; i++)
		json_decref(docs[i]);
	json_decref(doc);
	json_decref(labels);
	free(docs);
	free(w);
	free(files);
	return status;
}
