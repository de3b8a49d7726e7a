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
 * A run may begin or end inside a file: when there are fewer large files
 * than workers, a classic pcap file (plain or multi-member gzip) of at
 * least SPLIT_MIN_BYTES is cut where a record (gzip: a member) starts,
 * found in its manifest (doc/manifest.md) or by cf_split_find(). The
 * result is the one a single worker gives: the worker of a part that
 * starts inside a file first replays the last --split-warmup seconds
 * before its start (rl_feed_warmup: decoded, nothing counted), so that its
 * TCP and fragment reassembly holds what a single reader would hold there;
 * a message belongs to the part whose packet completed it; and only the
 * file's last part ends with rl_feed_finish(). See split_plan().
 *
 * The inputs' SHA-256: a file that one worker reads whole is hashed from
 * the bytes its reader reads (a tap, capfile.h: on the reader's read-ahead
 * thread, beside the decode), so that it is read once, not twice (stdin,
 * which cannot be read twice, included); files cut into parts are hashed
 * by a further thread while the workers read, and a file whose reader
 * stopped short of its end (damage) is hashed afterwards by a second
 * read (stdin: null).
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
#define MAX_ASN_FILES 16

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
	"      --asn-map FILE routes to origin ASes (CAIDA prefix2as text: prefix,\n"
	"                     length, AS per line; repeatable, e.g. IPv4 and IPv6):\n"
	"                     \"asn\" in the top lists, top_asns, flags on ASes\n"
	"Flags (misbehaving senders, per interval; see rootlens-flags(1)):\n"
	"      --flag-share PCT   more than PCT % of the interval's queries (5)\n"
	"      --flag-factor F    more than F times its own baseline (10)\n"
	"      --flag-repeat-qps Q  one question more than Q times a second (1)\n"
	"      --flag-min-qps Q   share and rise need Q queries a second or more (10)\n"
	"      --flag-min-intervals N  rise needs N preceding intervals (5)\n"
	"      --flag-window N    baseline: median of up to N preceding intervals (60)\n"
	"Reading and writing:\n"
	"  -j, --jobs N       workers (default: online CPUs); a large classic pcap\n"
	"                     file (plain or multi-member gzip) is cut into parts\n"
	"                     when whole files cannot keep them busy; same result\n"
	"      --split-warmup S  seconds replayed before a cut, for TCP and fragment\n"
	"                     reassembly (default: the TCP timeout + 10 = 130)\n"
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
	json_t *entry;    /* "inputs" entry, from the tap or the hash thread */
	char herr[512];
	int tapped;       /* read whole by one worker: hashed through tap */
	in_hash_t *hash;  /* the tap's */
	cf_tap_t tap;
	cf_reader_t *proto; /* open (one packet read) when the file may be cut */
	in_member_t *members; /* from its manifest, or NULL */
	size_t nmembers;
	int split_tried;
} file_job_t;

/* What one worker reads of one file: [start, end) raw offsets. */
typedef struct part {
	file_job_t *file;
	uint64_t start, end;  /* end UINT64_MAX: to the end of the file */
	uint64_t wstart;      /* warm-up from here to start; == start: none */
	int last;             /* the file's last part: rl_feed_finish() may follow */
	int rc;               /* rl_feed_range() result */
	char err[512];
} part_t;

typedef struct worker {
	pthread_t tid;
	part_t *files;        /* a contiguous run of parts */
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
		part_t *f = &w->files[i];
		const cf_reader_t *proto = f->start ? f->file->proto : NULL;
		w->file_start = 1;
		rl_feed_set_tap(feed, f->file->tapped ? &f->file->tap : NULL);
		if (f->wstart < f->start) {
			/* Damage in the warm-up is the previous part's to report;
			 * a warm-up cut short only makes this part less exact. */
			char werr[512];
			(void)rl_feed_warmup(feed, f->file->path, f->wstart ? proto : NULL,
					     f->wstart, f->start, NULL, werr, sizeof(werr));
		}
		f->rc = rl_feed_range(feed, f->file->path, proto, f->start, f->end, on_msg, w,
				      &st, f->err, sizeof(f->err));
		/* TCP data still held at the end belongs to the last file, and
		 * only at its end: a part followed by another part of the same
		 * file leaves it to the worker of that one. */
		if (i == w->nfiles - 1 && f->last)
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
		if (!h->files[i].tapped)
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

static int parse_real(const char *s, double lo, double hi, double *v)
{
	char *end;
	double x = strtod(s, &end);
	if (end == s || *end != '\0' || !(x >= lo && x <= hi))
		return -1;
	*v = x;
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
static size_t partition(part_t *files, size_t n, worker_t *w, size_t nw)
{
	uint64_t left = 0;
	size_t idx = 0;

	for (size_t i = 0; i < n; i++)
		left += files[i].file->size;
	for (size_t k = 0; k < nw; k++) {
		uint64_t want = left / (nw - k), got = 0;
		size_t after = nw - k - 1; /* workers still to feed */
		w[k].files = files + idx;
		do {
			got += files[idx++].file->size;
		} while (idx < n - after &&
			 (k == nw - 1 || got + files[idx].file->size / 2 <= want));
		w[k].nfiles = (size_t)(files + idx - w[k].files);
		left -= got;
	}
	return nw;
}

/* ---- cutting large files into parts ------------------------------------ */

/* Files from this size on are cut when there are workers to spare. */
#define SPLIT_MIN_DEFAULT (64ull << 20)

static uint64_t split_min_bytes(void)
{
	/* For tests: small captures cut too. */
	const char *e = getenv("ROOTLENS_SPLIT_MIN_BYTES");
	if (e && *e >= '0' && *e <= '9') {
		char *end;
		unsigned long long v = strtoull(e, &end, 10);
		if (*end == '\0')
			return v;
	}
	return SPLIT_MIN_DEFAULT;
}

/* Why a file that wanted cutting was not cut. */
enum { NOCUT_NONE, NOCUT_FORMAT, NOCUT_POINTS, NOCUT_WARMUP };

/* Open @p f for cutting: the header reader, one packet read (its time
 * bounds the record check), the manifest's members. 0, or -1: not cut. */
static int split_open(file_job_t *f)
{
	char err[512];
	cf_pkt_t p;

	if (cf_reader_open(&f->proto, f->path, err, sizeof(err)) < 0)
		return -1; /* the worker reading it reports why */
	if (!cf_reader_splittable(f->proto) || cf_reader_next(f->proto, &p) <= 0) {
		cf_reader_close(f->proto);
		f->proto = NULL;
		return -1;
	}
	int n = in_manifest_members(f->path, &f->members);
	f->nmembers = n > 0 ? (size_t)n : 0;
	return 0;
}

/* A verified split point of @p f near local offset @p x: the manifest's
 * nearest member, else the first one found in [x, x + window). */
static int split_near(file_job_t *f, uint64_t x, uint64_t window, cf_split_t *sp)
{
	char err[512];
	if (f->nmembers) {
		uint64_t best = 0, bd = UINT64_MAX;
		for (size_t i = 0; i < f->nmembers; i++) {
			uint64_t o = f->members[i].offset, d = o > x ? o - x : x - o;
			if (o > 0 && o < f->size && d < bd) {
				bd = d;
				best = o;
			}
		}
		/* A manifest is a hint: the member must really start a record. */
		if (bd != UINT64_MAX &&
		    cf_split_find(f->proto, best, best + 1, sp, err, sizeof(err)) == 1)
			return 1;
	}
	return cf_split_find(f->proto, x, x + window, sp, err, sizeof(err)) == 1;
}

/*
 * Where the warm-up before the cut @p cut starts: the last split point
 * whose first record is at least @p warm_s seconds older than the cut's
 * (the manifest's member times, else a backward search: steps growing
 * fourfold, then bisection to within 1 MiB). 0 means the file start.
 */
static uint64_t warm_start(file_job_t *f, const cf_split_t *cut, unsigned warm_s)
{
	int64_t target = cut->ts_sec - (int64_t)warm_s;
	uint64_t S = cut->offset, lo = 0, hi = S, step = 1u << 20;
	cf_split_t sp;
	char err[512];

	if (warm_s == 0)
		return S;
	for (size_t i = f->nmembers; i-- > 0;) {
		const in_member_t *m = &f->members[i];
		if (m->offset >= S || !m->have_time || m->first_sec > target)
			continue;
		if (m->offset == 0)
			return 0;
		if (cf_split_find(f->proto, m->offset, m->offset + 1, &sp, err, sizeof(err)) == 1 &&
		    sp.ts_sec <= target)
			return m->offset;
		break; /* the manifest is wrong here: search */
	}
	for (;;) {
		if (step >= S)
			break; /* lo = 0: from the file start */
		uint64_t probe = S - step;
		if (cf_split_find(f->proto, probe, hi, &sp, err, sizeof(err)) == 1 &&
		    sp.ts_sec <= target) {
			lo = sp.offset;
			break;
		}
		hi = probe;
		step *= 4;
	}
	while (hi > lo && hi - lo > (1u << 20)) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (cf_split_find(f->proto, mid, hi, &sp, err, sizeof(err)) == 1 &&
		    sp.ts_sec <= target)
			lo = sp.offset;
		else
			hi = mid;
	}
	return lo;
}

typedef struct cut {
	uint64_t g;       /* offset in the concatenation of all files */
	uint64_t wstart;  /* inside a file: its warm-up start (local) */
} cut_t;

/*
 * The parts and the workers' runs of them. Without a file to cut, one
 * part per file and partition() as before. Else N - 1 cut points at
 * about k/N of all bytes, each at the nearest file boundary or split
 * point; a cut whose warm-up would reach back to the file start is
 * dropped (the worker after it would read everything before it anyway,
 * for no gain). Returns the parts (*nparts) with w[0..*nw) assigned, or
 * NULL when out of memory.
 */
static part_t *split_plan(file_job_t *files, size_t nfiles, unsigned jobs, unsigned warm_s,
			  int quiet, worker_t *w, size_t *nw, size_t *nparts)
{
	uint64_t min = split_min_bytes(), total = 0;
	size_t ninside = 0, ncuts = 0, np = 0, nspans = 1;
	part_t *parts = NULL;
	cut_t *cuts = NULL;
	size_t *span = NULL;
	int *why = NULL;

	for (size_t i = 0; i < nfiles; i++)
		total += files[i].size;
	if (!(parts = calloc(nfiles + jobs, sizeof(*parts))) ||
	    !(cuts = calloc(jobs, sizeof(*cuts))) || !(span = calloc(jobs + 1, sizeof(*span))) ||
	    !(why = calloc(nfiles, sizeof(*why))))
		goto oom;

	/* The cut points, increasing. */
	uint64_t F = 0;
	size_t fi = 0;
	for (unsigned k = 1; k < jobs; k++) {
		uint64_t T = (uint64_t)((unsigned __int128)total * k / jobs);
		while (fi < nfiles && F + files[fi].size <= T)
			F += files[fi++].size;
		if (fi >= nfiles)
			break;
		file_job_t *f = &files[fi];
		uint64_t end = F + f->size, best = T - F < end - T ? F : end, wst = 0;
		int inside = 0;
		if (f->size >= min && !f->split_tried && strcmp(f->path, "-")) {
			f->split_tried = 1;
			if (split_open(f) < 0)
				why[fi] = NOCUT_FORMAT;
		}
		if (f->proto) {
			cf_split_t sp;
			uint64_t window = total / jobs / 2 + 1;
			if (!(split_near(f, T - F, window, &sp) && sp.offset < f->size)) {
				if (why[fi] == NOCUT_NONE)
					why[fi] = NOCUT_POINTS;
			} else {
				uint64_t g = F + sp.offset, d = g > T ? g - T : T - g;
				uint64_t bd = best > T ? best - T : T - best;
				if (d < bd) {
					uint64_t ws = warm_start(f, &sp, warm_s);
					if (ws == 0) {
						if (why[fi] >= 0)
							why[fi] = NOCUT_WARMUP;
					} else {
						best = g;
						wst = ws;
						inside = 1;
					}
				}
			}
		}
		if (inside) {
			why[fi] = -1; /* cut at least once */
			ninside++;
		}
		if (best == 0 || best >= total || (ncuts && best <= cuts[ncuts - 1].g))
			continue;
		cuts[ncuts++] = (cut_t){ best, inside ? wst : 0 };
	}
	for (size_t i = 0; i < nfiles && !quiet; i++) {
		if (why[i] == NOCUT_FORMAT)
			cli_err(CMD, "note: %s is read by one worker: only classic pcap files "
				"are cut (not pcapng, not stdin)", files[i].path);
		else if (why[i] == NOCUT_POINTS)
			cli_err(CMD, "note: %s is read by one worker: no place to cut it found "
				"(%s)", files[i].path,
				strcmp(cf_reader_compression(files[i].proto), "gzip") ? "no record boundary"
				: "a gzip file is cut only where a member starts; this one has "
				  "a single member, or none near the cut points");
		else if (why[i] == NOCUT_WARMUP)
			cli_err(CMD, "note: %s is read by one worker: it spans less than the "
				"%u s warm-up a cut needs (--split-warmup)", files[i].path, warm_s);
	}

	if (ninside == 0) {
		/* Nothing to cut: whole files, in runs as always. */
		for (size_t i = 0; i < nfiles; i++)
			parts[i] = (part_t){ .file = &files[i], .end = UINT64_MAX, .last = 1 };
		*nparts = nfiles;
		*nw = jobs < nfiles ? jobs : nfiles;
		partition(parts, nfiles, w, *nw);
		goto done;
	}

	/* Parts: walk the files, starting a new span at each cut. */
	F = 0;
	size_t ci = 0;
	for (size_t i = 0; i < nfiles; i++) {
		uint64_t local = 0, wst = 0;
		while (ci < ncuts && cuts[ci].g < F + files[i].size) {
			uint64_t c = cuts[ci].g - F;
			if (c > local) {
				parts[np++] = (part_t){ .file = &files[i], .start = local, .end = c,
							.wstart = local ? wst : 0 };
				local = c;
				wst = cuts[ci].wstart;
			}
			span[nspans++] = np;
			ci++;
		}
		parts[np++] = (part_t){ .file = &files[i], .start = local, .end = UINT64_MAX,
					.wstart = local ? wst : 0, .last = 1 };
		F += files[i].size;
	}
	span[nspans] = np;
	for (size_t k = 0; k < nspans; k++) {
		w[k].files = parts + span[k];
		w[k].nfiles = span[k + 1] - span[k];
	}
	*nw = nspans;
	*nparts = np;
done:
	if (parts && getenv("ROOTLENS_SPLIT_DEBUG")) /* test hook: the plan */
		for (size_t k = 0; k < *nw; k++)
			for (size_t i = 0; i < w[k].nfiles; i++) {
				const part_t *q = &w[k].files[i];
				fprintf(stderr, "split: worker %zu %s [%llu,%lld) warm-up %llu\n", k,
					q->file->path, (unsigned long long)q->start,
					q->end == UINT64_MAX ? -1LL : (long long)q->end,
					(unsigned long long)(q->start - q->wstart));
			}
	free(cuts);
	free(span);
	free(why);
	return parts;
oom:
	free(parts);
	parts = NULL;
	goto done;
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

/* schema, generator, inputs (the files whose first part is among @p
 * parts), labels, then the engine's body, in order. */
static json_t *make_doc(const part_t *files, size_t nfiles, json_t *body,
			const json_t *labels)
{
	json_t *doc = json_object(), *inputs = json_array(), *v;
	const char *k;

	if (!doc || !inputs)
		goto fail;
	for (size_t i = 0; i < nfiles; i++)
		if (files[i].start == 0 && files[i].file->entry &&
		    json_array_append(inputs, files[i].file->entry) < 0)
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

/* Which files are hashed through a tap: those one part reads whole
 * (stdin too: the bytes read from it). Without memory for a hash, the
 * hash thread does it. */
static void plan_taps(file_job_t *files, size_t nfiles, const part_t *work, size_t nwork)
{
	/* tapped counts a file's parts first, then becomes the yes/no */
	for (size_t i = 0; i < nwork; i++)
		work[i].file->tapped++;
	for (size_t i = 0; i < nwork; i++) {
		file_job_t *f = work[i].file;
		if (f->tapped != 1 || work[i].start != 0 || work[i].end != UINT64_MAX ||
		    !(f->hash = in_hash_new()))
			f->tapped = -1;
	}
	for (size_t i = 0; i < nfiles; i++) {
		files[i].tapped = files[i].tapped == 1;
		files[i].tap.bytes = in_hash_tap;
		files[i].tap.user = files[i].hash;
	}
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
	enum { O_SERVER = 256, O_INSTANCE, O_PHASE, O_PREFIX4, O_PREFIX6, O_TOP, O_WARMUP,
	       O_ASN, O_FSHARE, O_FFACTOR, O_FREPEAT, O_FMINQPS, O_FMININT, O_FWINDOW };
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
		{ "split-warmup", required_argument, NULL, O_WARMUP },
		{ "asn-map", required_argument, NULL, O_ASN },
		{ "flag-share", required_argument, NULL, O_FSHARE },
		{ "flag-factor", required_argument, NULL, O_FFACTOR },
		{ "flag-repeat-qps", required_argument, NULL, O_FREPEAT },
		{ "flag-min-qps", required_argument, NULL, O_FMINQPS },
		{ "flag-min-intervals", required_argument, NULL, O_FMININT },
		{ "flag-window", required_argument, NULL, O_FWINDOW },
		{ "output", required_argument, NULL, 'o' },
		{ "compact", no_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	an_cfg_t acfg;
	nl_config_t ncfg;
	const char *labels_cli[3] = { NULL, NULL, NULL }, *out_path = NULL;
	unsigned jobs = 0, warm_s = 0;
	int warm_set = 0;
	const char *asn_files[MAX_ASN_FILES];
	size_t nasn_files = 0;
	an_asnmap_t *asn = NULL;
	int c, compact = 0, quiet = 0, damaged = 0, status = RL_EXIT_OK;

	an_cfg_default(&acfg);
	acfg.flag_set = AN_FLAG_ALL; /* the rules are this command line's */
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
		case O_WARMUP:
			if (parse_uint(optarg, 0, 86400, &warm_s) < 0)
				return cli_usage_error(CMD, "bad --split-warmup '%s' (0..86400 s)", optarg);
			warm_set = 1;
			break;
		case O_ASN:
			if (nasn_files == MAX_ASN_FILES)
				return cli_usage_error(CMD, "at most %d --asn-map files", MAX_ASN_FILES);
			asn_files[nasn_files++] = optarg;
			break;
		case O_FSHARE:
			if (parse_real(optarg, 0, 100, &acfg.flag.share_pct) < 0)
				goto bad_flag;
			break;
		case O_FFACTOR:
			if (parse_real(optarg, 1, 1e9, &acfg.flag.factor) < 0)
				goto bad_flag;
			break;
		case O_FREPEAT:
			if (parse_real(optarg, 0, 1e9, &acfg.flag.repeat_qps) < 0)
				goto bad_flag;
			break;
		case O_FMINQPS:
			if (parse_real(optarg, 0, 1e9, &acfg.flag.min_qps) < 0)
				goto bad_flag;
			break;
		case O_FMININT:
			if (parse_uint(optarg, 0, 100000, &acfg.flag.min_intervals) < 0)
				goto bad_flag;
			break;
		case O_FWINDOW:
			if (parse_uint(optarg, 1, 100000, &acfg.flag.window) < 0)
				goto bad_flag;
			break;
		case 'o': out_path = optarg; break;
		case 'c': compact = 1; break;
		case 'q': quiet = 1; break;
		case 'h': fputs(analyze_help, stdout); return RL_EXIT_OK;
		default: return cli_usage_error(CMD, "bad option");
		}
		continue;
bad_flag:
		for (size_t i = 0; longopts[i].name; i++)
			if (longopts[i].val == c)
				return cli_usage_error(CMD, "bad --%s '%s' (share: 0..100 %%, "
						       "factor: >= 1, rates: >= 0 q/s, intervals: "
						       "whole numbers, window >= 1)",
						       longopts[i].name, optarg);
		return cli_usage_error(CMD, "bad option");
	}
	if (optind >= argc)
		return cli_usage_error(CMD, "no input files");
	if (nasn_files) {
		char err[512];
		int rc = an_asnmap_new(&asn);
		for (size_t i = 0; rc == 0 && i < nasn_files; i++)
			rc = an_asnmap_load(asn, asn_files[i], err, sizeof(err));
		if (rc == 0)
			rc = an_asnmap_build(asn, err, sizeof(err));
		if (rc < 0) {
			if (rc == DW_ENOMEM)
				cli_err(CMD, "loading the AS map: out of memory");
			else
				cli_err(CMD, "--asn-map %s", err);
			an_asnmap_free(asn);
			return rc == DW_ENOMEM ? RL_EXIT_FATAL : RL_EXIT_DAMAGED;
		}
		acfg.asn = asn;
	}
	if (!warm_set)
		warm_s = (ncfg.tcp_timeout_s > ncfg.frag_timeout_s ? ncfg.tcp_timeout_s
								    : ncfg.frag_timeout_s) + 10;
	if (jobs == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		jobs = n < 1 ? 1 : n > MAX_JOBS ? MAX_JOBS : (unsigned)n;
	}

	size_t nfiles = (size_t)(argc - optind), nw = 0;
	uint64_t total_bytes = 0;
	file_job_t *files = calloc(nfiles, sizeof(*files));
	part_t *work = NULL;
	size_t nwork = 0;
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
	if (!(w = calloc(jobs, sizeof(*w))))
		goto oom;
	if (!(labels = run_labels(files, nfiles, labels_cli, &damaged)))
		goto oom;
	if (!(work = split_plan(files, nfiles, jobs, warm_s, quiet, w, &nw, &nwork)))
		goto oom;

	plan_taps(files, nfiles, work, nwork);
	h.files = files;
	for (size_t i = 0; i < nfiles && !hashing; i++) {
		if (files[i].tapped)
			continue;
		if (pthread_create(&h.tid, NULL, hasher_run, &h) != 0) {
			cli_err(CMD, "cannot start a thread");
			goto out;
		}
		hashing = 1;
	}
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
	wait_progress(w, nw, (unsigned)nwork, total_bytes, quiet);
	if (hashing)
		pthread_join(h.tid, NULL);
	hashing = 0;
	for (size_t i = 0; i < nfiles; i++) {
		file_job_t *f = &files[i];
		if (!f->tapped)
			continue;
		/* read to its end: the tap saw it all; else read it again */
		if (f->tap.complete)
			f->entry = in_hash_entry(f->hash, f->path);
		if (!f->entry)
			f->entry = in_file_entry(f->path, f->herr, sizeof(f->herr));
	}

	for (size_t i = 0; i < nwork; i++) {
		if (work[i].rc < 0) {
			cli_err(CMD, "%s", work[i].err);
			damaged = 1;
		}
	}
	for (size_t i = 0; i < nfiles; i++) {
		if (!files[i].entry) {
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
		/* an_merge() sets the flags of several parts; one is done here */
		doc = json_incref(docs[0]);
		int rc = an_flags_apply(doc, &acfg.flag);
		if (rc < 0) {
			cli_err(CMD, "flags: %s", dw_strerror(rc));
			goto out;
		}
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
	for (size_t i = 0; files && i < nfiles; i++) {
		json_decref(files[i].entry);
		in_hash_free(files[i].hash);
		cf_reader_close(files[i].proto);
		free(files[i].members);
	}
	free(work);
	for (size_t k = 0; w && k < nw; k++)
		json_decref(w[k].parts);
	for (size_t i = 0; i < ndocs; i++)
		json_decref(docs[i]);
	json_decref(doc);
	json_decref(labels);
	free(docs);
	free(w);
	free(files);
	an_asnmap_free(asn);
	return status;
}
