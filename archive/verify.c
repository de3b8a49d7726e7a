/*
 * verify.c - whole-file checks of captures (ar_verify.h).
 *
 * The gzip walk runs zlib on every member with windowBits 16 + 15, which
 * reads the member header, inflates, and checks the CRC-32 and ISIZE
 * trailer; Z_STREAM_END means the member was whole. Its output is thrown
 * away: the records are the capture reader's to check (ar_read_check),
 * and reading them needs the data inflated once more. The two passes run
 * in two threads in ar_verify_path(), so a check costs about one inflate
 * of wall time on two cores.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "ar_verify.h"
#include "rootlens/capfile.h"
#include "rootlens/errcode.h"

#define SCRATCH (64 * 1024)
#define IOBUF (1 << 20)

struct ar_raw {
	EVP_MD_CTX *md;
	uint64_t bytes;
	int first;         /* no byte seen yet */
	int gzip;
	int in_member;
	int zinit;
	z_stream z;
	uint64_t member_start;  /* compressed offset of the current member */
	uint64_t members;
	int err;           /* first damage: DW_E* */
	char msg[256];
	uint8_t *scratch;
};

int ar_raw_new(ar_raw_t **out)
{
	ar_raw_t *r = calloc(1, sizeof(*r));
	*out = NULL;
	if (!r)
		return DW_ENOMEM;
	r->first = 1;
	if (!(r->md = EVP_MD_CTX_new()) || EVP_DigestInit_ex(r->md, EVP_sha256(), NULL) != 1 ||
	    !(r->scratch = malloc(SCRATCH))) {
		ar_raw_free(r);
		return DW_ENOMEM;
	}
	*out = r;
	return 0;
}

void ar_raw_free(ar_raw_t *r)
{
	if (!r)
		return;
	if (r->zinit)
		inflateEnd(&r->z);
	EVP_MD_CTX_free(r->md);
	free(r->scratch);
	free(r);
}

static void damage(ar_raw_t *r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void damage(ar_raw_t *r, int code, const char *fmt, ...)
{
	va_list ap;
	if (r->err)
		return;
	r->err = code;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
}

/* Walk the gzip members in the @p n bytes at compressed offset @p base. */
static void gz_walk(ar_raw_t *r, const uint8_t *p, size_t n, uint64_t base)
{
	size_t used = 0;
	while (used < n && !r->err) {
		if (!r->in_member) {
			/* A member starts here, or the file should have ended. */
			if (p[used] != 0x1f) {
				damage(r, DW_EGZIP, "bytes after the last complete gzip member at "
				       "compressed offset %llu", (unsigned long long)(base + used));
				return;
			}
			int zrc = r->zinit ? inflateReset(&r->z) : inflateInit2(&r->z, 16 + MAX_WBITS);
			if (zrc != Z_OK) {
				damage(r, DW_ENOMEM, "zlib cannot start at offset %llu",
				       (unsigned long long)(base + used));
				return;
			}
			r->zinit = 1;
			r->in_member = 1;
			r->member_start = base + used;
		}
		r->z.next_in = (Bytef *)(uintptr_t)(p + used);
		r->z.avail_in = (uInt)(n - used);
		for (;;) {
			r->z.next_out = r->scratch;
			r->z.avail_out = SCRATCH;
			int zrc = inflate(&r->z, Z_NO_FLUSH);
			if (zrc == Z_STREAM_END) {
				r->in_member = 0;
				r->members++;
				break;
			}
			if (zrc == Z_OK) {
				if (r->z.avail_in == 0 && r->z.avail_out != 0)
					break; /* needs more input */
				continue;
			}
			if (zrc == Z_BUF_ERROR && r->z.avail_in == 0)
				break; /* no progress without more input */
			/* Z_DATA_ERROR: bad header, bad deflate data, or a CRC or
			 * length mismatch in the trailer (zlib's msg says which). */
			damage(r, zrc == Z_MEM_ERROR ? DW_ENOMEM : DW_EGZIP,
			       "corrupt gzip member starting at compressed offset %llu (%s, "
			       "found at offset %llu)", (unsigned long long)r->member_start,
			       r->z.msg ? r->z.msg : "inflate failed",
			       (unsigned long long)(r->member_start + r->z.total_in));
			return;
		}
		used = n - r->z.avail_in;
	}
}

int ar_raw_update(ar_raw_t *r, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	if (n == 0)
		return 0;
	if (EVP_DigestUpdate(r->md, p, n) != 1)
		return DW_EIO;
	if (r->first) {
		/* One byte is enough to tell: a pcap or pcapng file never
		 * starts with 0x1f; a damaged second magic byte is zlib's to
		 * report ("incorrect header check"). */
		r->gzip = p[0] == 0x1f;
		r->first = 0;
	}
	if (r->gzip)
		gz_walk(r, p, n, r->bytes);
	r->bytes += n;
	return 0;
}

int ar_raw_finish(ar_raw_t *r, ar_info_t *info, char *err, size_t errlen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_DigestFinal_ex(r->md, md, &mdlen) != 1 || mdlen != 32) {
		snprintf(err, errlen, "SHA-256 failed");
		return DW_EIO;
	}
	for (unsigned i = 0; i < 32; i++)
		snprintf(info->sha256 + 2 * i, 3, "%02x", md[i]);
	info->bytes = r->bytes;
	info->gzip = r->gzip;
	info->members = r->members;
	if (r->err) {
		snprintf(err, errlen, "%s", r->msg);
		return r->err;
	}
	if (r->bytes == 0) {
		snprintf(err, errlen, "empty file");
		return DW_ETRUNCFILE;
	}
	if (r->in_member) {
		snprintf(err, errlen, "gzip stream truncated: the member starting at compressed "
			 "offset %llu has no end (file size %llu)",
			 (unsigned long long)r->member_start, (unsigned long long)r->bytes);
		return DW_ETRUNCFILE;
	}
	return 0;
}

int ar_read_check(const char *path, ar_info_t *info, char *err, size_t errlen)
{
	cf_reader_t *rd = NULL;
	cf_pkt_t p;
	int rc;

	info->packets = 0;
	info->have_time = 0;
	if ((rc = cf_reader_open(&rd, path, err, errlen)) < 0)
		return rc;
	info->format = !strcmp(cf_reader_format(rd), "pcapng") ? "pcapng" : "pcap";
	while ((rc = cf_reader_next(rd, &p)) == 1) {
		if (!info->have_time || p.ts_sec < info->first_sec ||
		    (p.ts_sec == info->first_sec && p.ts_nsec < info->first_nsec)) {
			info->first_sec = p.ts_sec;
			info->first_nsec = p.ts_nsec;
		}
		if (!info->have_time || p.ts_sec > info->last_sec ||
		    (p.ts_sec == info->last_sec && p.ts_nsec > info->last_nsec)) {
			info->last_sec = p.ts_sec;
			info->last_nsec = p.ts_nsec;
		}
		info->have_time = 1;
		info->packets++;
	}
	info->linktype = cf_reader_linktype(rd);
	if (rc < 0)
		snprintf(err, errlen, "%s", cf_reader_errmsg(rd));
	cf_reader_close(rd);
	return rc < 0 ? rc : 0;
}

int ar_sha256_fd(int fd, char hex[65], uint64_t *bytes)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *buf = malloc(IOBUF);
	int rc = DW_ENOMEM;

	*bytes = 0;
	if (!ctx || !buf || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto out;
	rc = DW_EIO;
	for (;;) {
		ssize_t n = read(fd, buf, IOBUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1)
			goto out;
		*bytes += (uint64_t)n;
	}
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32)
		goto out;
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	rc = 0;
out:
	free(buf);
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* ---- both checks of a file on disk ------------------------------------ */

typedef struct raw_job {
	const char *path;
	ar_info_t info;
	int rc;
	char err[300];
} raw_job_t;

static void *raw_run(void *arg)
{
	raw_job_t *j = arg;
	ar_raw_t *r = NULL;
	uint8_t *buf = malloc(IOBUF);
	int fd = -1;

	j->rc = DW_ENOMEM;
	if (!buf || ar_raw_new(&r) < 0) {
		snprintf(j->err, sizeof(j->err), "out of memory");
		goto out;
	}
	if ((fd = open(j->path, O_RDONLY | O_CLOEXEC)) < 0) {
		j->rc = errno == ENOENT ? DW_ENOENT : DW_EIO;
		snprintf(j->err, sizeof(j->err), "%s", strerror(errno));
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf, IOBUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			j->rc = DW_EIO;
			snprintf(j->err, sizeof(j->err), "read failed: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if ((j->rc = ar_raw_update(r, buf, (size_t)n)) < 0) {
			snprintf(j->err, sizeof(j->err), "SHA-256 failed");
			goto out;
		}
	}
	j->rc = ar_raw_finish(r, &j->info, j->err, sizeof(j->err));
out:
	if (fd >= 0)
		close(fd);
	ar_raw_free(r);
	free(buf);
	return NULL;
}

int ar_verify_path(const char *path, ar_info_t *info, char *err, size_t errlen)
{
	raw_job_t j = { .path = path };
	pthread_t tid;
	int threaded = pthread_create(&tid, NULL, raw_run, &j) == 0;
	char rerr[512] = "";

	if (!threaded)
		raw_run(&j);
	int rc = ar_read_check(path, info, rerr, sizeof(rerr));
	if (threaded)
		pthread_join(tid, NULL);
	memcpy(info->sha256, j.info.sha256, sizeof(info->sha256));
	info->bytes = j.info.bytes;
	info->gzip = j.info.gzip;
	info->members = j.info.members;
	/* The byte-level finding first: it names the gzip damage exactly,
	 * where the reader may only see its consequence. */
	if (j.rc < 0) {
		snprintf(err, errlen, "%s", j.err);
		return j.rc;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s", rerr);
		return rc;
	}
	return 0;
}
