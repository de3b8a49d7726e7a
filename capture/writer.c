/*
 * writer.c - the writer thread (see writer.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gzfile.h"
#include "manifest.h"
#include "writer.h"

struct writer {
	wr_config_t cfg;
	ring_t *ring;
	pthread_t thread;
	gzfile_t *gz;

	/* the file being written */
	int fd;
	char name[256], part[272], mname[272];
	int64_t start_sec;
	uint32_t start_usec;

	_Atomic int failed;
	_Atomic unsigned files;
	_Atomic uint64_t packets_done; /* in finished files */
	_Atomic uint64_t packets_cur;  /* on disk in the current file */
	char error[1024];
};

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void set_error(writer_t *w, const char *fmt, const char *name, int e)
{
	snprintf(w->error, sizeof(w->error), fmt, name, strerror(e));
	atomic_store(&w->failed, 1);
}

/* DIR/<UTC start>.pcap.gz, or <UTC start>-N.pcap.gz when that name (or its
 * .part) exists already, e.g. after a restart within the same second. */
static int open_file(writer_t *w, int64_t sec, uint32_t usec)
{
	struct tm tm;
	time_t t = (time_t)sec;
	char stamp[32];
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	w->start_sec = sec;
	w->start_usec = usec;
	for (int n = 0; n < 1000; n++) {
		if (n)
			snprintf(w->name, sizeof(w->name), "%s-%d.pcap.gz", stamp, n);
		else
			snprintf(w->name, sizeof(w->name), "%s.pcap.gz", stamp);
		snprintf(w->part, sizeof(w->part), "%s.part", w->name);
		snprintf(w->mname, sizeof(w->mname), "%s.json", w->name);
		if (faccessat(w->cfg.dirfd, w->name, F_OK, 0) == 0)
			continue;
		w->fd = openat(w->cfg.dirfd, w->part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (w->fd >= 0)
			break;
		if (errno != EEXIST) {
			set_error(w, "cannot create %s: %s", w->part, errno);
			return -1;
		}
	}
	if (w->fd < 0) {
		set_error(w, "no free file name for %s: %s", stamp, EEXIST);
		return -1;
	}
	int e = gzf_open(w->gz, w->fd, (uint32_t)w->cfg.linktype, w->cfg.snaplen);
	if (e) {
		/* not even the header is on disk: no file */
		close(w->fd);
		w->fd = -1;
		unlinkat(w->cfg.dirfd, w->part, 0);
		set_error(w, "cannot write %s: %s", w->part, e);
		return -1;
	}
	atomic_store(&w->packets_cur, 0);
	return 0;
}

/*
 * Finish the current file: last member, rename, manifest. With @p err set
 * (a write error), the file is first cut back to its complete members.
 */
static void close_file(writer_t *w, const wrec_ctl_t *c, int err)
{
	mf_file_t f = { 0 };
	char msg[512] = "";
	f.start_sec = w->start_sec;
	f.start_usec = w->start_usec;
	f.end_sec = c->at_sec;
	f.end_usec = c->at_usec;
	f.gz = w->gz;
	f.drops = c->drops;
	f.closed_by = (int)c->reason;
	if (!err && (err = gzf_flush(w->gz)) != 0)
		f.closed_by = WR_CLOSE_ERROR;
	if (err) {
		snprintf(msg, sizeof(msg), "writing %s: %s", w->part, strerror(err));
		f.error = msg;
		f.closed_by = WR_CLOSE_ERROR;
		f.lost_on_error = gzf_pending_packets(w->gz);
		int e2 = gzf_recover(w->gz);
		if (e2) {
			size_t l = strlen(msg);
			snprintf(msg + l, sizeof(msg) - l, "; cutting back to the last complete member: %s",
				 strerror(e2));
		}
	}
	if (close(w->fd) != 0 && !err) {
		snprintf(msg, sizeof(msg), "closing %s: %s", w->part, strerror(errno));
		f.error = msg;
		f.closed_by = WR_CLOSE_ERROR;
	}
	w->fd = -1;
	if (renameat(w->cfg.dirfd, w->part, w->cfg.dirfd, w->name) != 0) {
		int e = errno;
		if (!f.error)
			set_error(w, "cannot rename %s: %s", w->part, e);
		else
			atomic_store(&w->failed, 1);
		if (f.error)
			snprintf(w->error, sizeof(w->error), "%s", msg);
		return;
	}
	fsync(w->cfg.dirfd);
	atomic_fetch_add(&w->packets_done, gzf_packets(w->gz));
	atomic_store(&w->packets_cur, 0);
	atomic_fetch_add(&w->files, 1);

	json_t *doc = mf_build(&w->cfg, &f);
	int e = doc ? mf_write(w->cfg.dirfd, w->mname, doc) : ENOMEM;
	json_decref(doc);
	if (f.error) {
		snprintf(w->error, sizeof(w->error), "%s (%s is complete up to that point%s)", msg,
			 w->name, e ? "; its manifest could not be written" : "");
		atomic_store(&w->failed, 1);
	} else if (e) {
		set_error(w, "cannot write manifest %s: %s", w->mname, e);
	}
}

static void *run(void *arg)
{
	writer_t *w = arg;
	double flush = w->cfg.flush;
	for (;;) {
		size_t len;
		uint8_t *rec = ring_peek(w->ring, &len);
		if (!rec) {
			int wait_ms = 50;
			if (w->fd >= 0 && gzf_pending(w->gz)) {
				double left = gzf_pending_since(w->gz) + flush - mono_now();
				if (left <= 0) {
					int e = gzf_flush(w->gz);
					if (e) {
						wrec_ctl_t c = { 0 };
						struct timespec ts;
						clock_gettime(CLOCK_REALTIME, &ts);
						c.at_sec = ts.tv_sec;
						c.at_usec = (uint32_t)(ts.tv_nsec / 1000);
						c.reason = WR_CLOSE_ERROR;
						close_file(w, &c, e);
						return NULL;
					}
					atomic_store(&w->packets_cur, gzf_packets(w->gz));
					continue;
				}
				if (left * 1000 < wait_ms)
					wait_ms = (int)(left * 1000) + 1;
			}
			ring_wait(w->ring, wait_ms);
			continue;
		}
		uint32_t type;
		memcpy(&type, rec, 4);
		if (type == WREC_PKT) {
			wrec_pkt_t p;
			memcpy(&p, rec, sizeof(p));
			int e = w->fd >= 0 ? gzf_add(w->gz, p.sec, p.usec, rec + sizeof(p), p.caplen,
						     p.wirelen)
					   : 0;
			if (!e && w->fd >= 0 && gzf_pending(w->gz) &&
			    mono_now() - gzf_pending_since(w->gz) >= flush) {
				e = gzf_flush(w->gz);
				atomic_store(&w->packets_cur, gzf_packets(w->gz));
			}
			ring_release(w->ring, len);
			if (e) {
				wrec_ctl_t c = { 0 };
				c.at_sec = p.sec;
				c.at_usec = p.usec;
				c.reason = WR_CLOSE_ERROR;
				close_file(w, &c, e);
				return NULL;
			}
			continue;
		}
		wrec_ctl_t c;
		memcpy(&c, rec, sizeof(c));
		ring_release(w->ring, len);
		if (w->fd >= 0) {
			close_file(w, &c, 0);
			if (atomic_load(&w->failed))
				return NULL;
		}
		if (type == WREC_END)
			return NULL;
		if (open_file(w, c.at_sec, c.at_usec) != 0)
			return NULL;
	}
}

writer_t *wr_start(const wr_config_t *cfg, ring_t *ring, char *err, size_t errlen)
{
	writer_t *w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->cfg = *cfg;
	w->ring = ring;
	w->fd = -1;
	w->gz = gzf_new((gzf_engine_t)cfg->gzip_engine, cfg->gzip_level, cfg->member_max);
	if (!w->gz) {
		snprintf(err, errlen, "cannot set up the gzip writer (out of memory, or level %d unknown to the compressor)", cfg->gzip_level);
		free(w);
		return NULL;
	}
	int e = pthread_create(&w->thread, NULL, run, w);
	if (e) {
		snprintf(err, errlen, "cannot start the writer thread: %s", strerror(e));
		gzf_free(w->gz);
		free(w);
		return NULL;
	}
	return w;
}

void wr_join(writer_t *w)
{
	pthread_join(w->thread, NULL);
}

void wr_free(writer_t *w)
{
	if (!w)
		return;
	gzf_free(w->gz);
	free(w);
}

int wr_failed(const writer_t *w)
{
	return atomic_load(&((writer_t *)(uintptr_t)w)->failed);
}

const char *wr_error(const writer_t *w)
{
	return w->error;
}

unsigned wr_files(const writer_t *w)
{
	return atomic_load(&((writer_t *)(uintptr_t)w)->files);
}

uint64_t wr_packets(const writer_t *w)
{
	writer_t *m = (writer_t *)(uintptr_t)w;
	return atomic_load(&m->packets_done) + atomic_load(&m->packets_cur);
}
