/*
 * source.c - the byte source under the capture-file reader.
 *
 * A capture is either plain or gzip, told apart by the gzip magic 1f 8b
 * (RFC 1952 section 2.3.1), never by the file name. Plain bytes go from
 * read(2) straight into the caller's buffer; gzip bytes are read in
 * CF_SRC_INBUF chunks and inflated straight into the caller's buffer, with
 * ISA-L when built in (about twice as fast as zlib on capture data) and
 * zlib otherwise or when asked.
 *
 * rootlens' own capture writer flushes by closing a gzip member and opening
 * another (so a crash loses at most one member), hence a file is a series
 * of members (RFC 1952 section 2.2) and both inflaters are restarted at
 * each member end. Zero bytes after a complete member are skipped (block
 * devices and some copy tools pad with zeros); anything else there is
 * reported, because a member whose magic got damaged would otherwise drop
 * its packets silently.
 *
 * A tap (cf_src_open_tap) sees every byte read(2) returns, as it returns
 * it: the checksum of a file the reader reads anyway costs no second
 * read. With a tap, plain input goes through the prefetch thread too, so
 * the tap's work (SHA-256 is as dear as the decode) runs beside the
 * caller's instead of before it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#if defined(RL_HAVE_ISAL)
#include <isa-l/igzip_lib.h>
#endif

#include "source_int.h"

enum { KIND_PLAIN, KIND_ZLIB, KIND_ISAL };

/* Room after in[] for bytes ISA-L hands back at a member end. */
#define CF_SRC_SLACK 16u

struct cf_src {
	int fd;
	int own_fd;       /* 0 for stdin: never closed by us */
	int kind;         /* KIND_* */
	int in_member;    /* gzip: between a member's header and its trailer */
	int eof;          /* read(2) has returned 0 */
	int err;          /* sticky error, returned by every later read */
	int pending;      /* error found while output was still handed out */
	size_t read_cap;  /* test hook: largest read(2) */
	uint64_t raw_off; /* bytes read from the file (from offset 0, also for a range) */
	uint64_t end;     /* range end: plain reads stop here, gzip at the
	                   * first member boundary at or after it; UINT64_MAX none */
	int gzip_hint;    /* cf_src_open_range(): 1 gzip, 0 plain, -1 sniff */
	uint8_t *in;      /* CF_SRC_INBUF bytes of file data */
	uint8_t *next;    /* first unconsumed byte of in[] */
	size_t avail;     /* unconsumed bytes at next */
	z_stream z;
	int z_ready;      /* inflateInit2() succeeded: inflateEnd() owed */
#if defined(RL_HAVE_ISAL)
	struct inflate_state *isal;
#endif
	char msg[256];
	cf_pf_t *pf;      /* read-ahead thread: gzip, or plain with a tap; threads on */
	cf_tap_t *tap;    /* sees every byte read(2) returns; NULL none */
};

/* Process-wide settings: the inflater for tests and benchmarks, and the
 * read cap test hook. Set before opening, never while reading. */
static cf_inflater_t default_inflater = CF_INFLATE_AUTO;
static int inflater_set;
static size_t test_read_cap;

int cf_have_isal(void)
{
#if defined(RL_HAVE_ISAL)
	return 1;
#else
	return 0;
#endif
}

int cf_set_inflater(cf_inflater_t which)
{
	if (which == CF_INFLATE_ISAL && !cf_have_isal())
		return DW_EINVAL;
	if (which != CF_INFLATE_AUTO && which != CF_INFLATE_ZLIB &&
	    which != CF_INFLATE_ISAL)
		return DW_EINVAL;
	default_inflater = which;
	inflater_set = which != CF_INFLATE_AUTO;
	return 0;
}

void cf_src_set_read_cap(size_t n)
{
	test_read_cap = n;
}

cf_inflater_t cf_src_default_inflater(void)
{
	if (inflater_set)
		return default_inflater;
	/* The environment only fills in what no caller chose. An ISA-L request
	 * in a build without it falls back to zlib: a library must not fail
	 * to read a file over a speed preference. */
	const char *env = getenv("ROOTLENS_INFLATE");
	if (env && strcmp(env, "zlib") == 0)
		return CF_INFLATE_ZLIB;
	if (env && strcmp(env, "isal") == 0 && cf_have_isal())
		return CF_INFLATE_ISAL;
	return CF_INFLATE_AUTO;
}

static ssize_t fail(cf_src_t *s, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static ssize_t fail(cf_src_t *s, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->msg, sizeof(s->msg), fmt, ap);
	va_end(ap);
	s->err = code;
	return code;
}

/* Offset in the file of the first byte the inflater has not consumed. */
static unsigned long long zoff(const cf_src_t *s)
{
	return (unsigned long long)(s->raw_off - s->avail);
}

static ssize_t sys_read(cf_src_t *s, uint8_t *dst, size_t n)
{
	if (s->read_cap && n > s->read_cap)
		n = s->read_cap;
	if (s->kind == KIND_PLAIN && s->gzip_hint != 1 && s->end != UINT64_MAX) {
		/* A plain range stops exactly at its end (a record boundary). */
		if (s->raw_off >= s->end) {
			s->eof = 1;
			return 0;
		}
		if (n > s->end - s->raw_off)
			n = (size_t)(s->end - s->raw_off);
	}
	if (n > (size_t)SSIZE_MAX)
		n = (size_t)SSIZE_MAX;
	for (;;) {
		ssize_t got = read(s->fd, dst, n);
		if (got > 0) {
			s->raw_off += (uint64_t)got;
			if (s->tap)
				s->tap->bytes(s->tap->user, dst, (size_t)got);
			return got;
		}
		if (got == 0) {
			s->eof = 1;
			return 0;
		}
		if (errno != EINTR)
			return fail(s, DW_EIO, "read failed: %s", strerror(errno));
	}
}

/* Append file data after the unconsumed bytes of in[]. */
static ssize_t fill(cf_src_t *s)
{
	if (s->next != s->in && s->avail)
		memmove(s->in, s->next, s->avail);
	s->next = s->in;
	if (s->avail == CF_SRC_INBUF)
		return fail(s, DW_EGZIP, "gzip inflater stalled at compressed offset %llu",
		            zoff(s));
	ssize_t got = sys_read(s, s->in + s->avail, CF_SRC_INBUF - s->avail);
	if (got > 0)
		s->avail += (size_t)got;
	return got;
}

static ssize_t plain_read(cf_src_t *s, uint8_t *dst, size_t n)
{
	/* The sniffed bytes first, then read(2) straight into dst. */
	if (s->avail) {
		size_t k = s->avail < n ? s->avail : n;
		memcpy(dst, s->next, k);
		s->next += k;
		s->avail -= k;
		return (ssize_t)k;
	}
	if (s->eof)
		return 0;
	return sys_read(s, dst, n);
}

static int member_start(cf_src_t *s)
{
	if (s->kind == KIND_ZLIB) {
		if (inflateReset(&s->z) != Z_OK)
			return (int)fail(s, DW_EGZIP, "zlib inflateReset failed");
		return 0;
	}
#if defined(RL_HAVE_ISAL)
	isal_inflate_reset(s->isal);
	/* ISAL_GZIP: the inflater parses the member header (with FEXTRA,
	 * FNAME, FCOMMENT, FHCRC) and checks the CRC-32 and ISIZE trailer. */
	s->isal->crc_flag = ISAL_GZIP;
#endif
	return 0;
}

#if defined(RL_HAVE_ISAL)
static const char *isal_what(int rc)
{
	switch (rc) {
	case ISAL_INVALID_BLOCK: return "invalid deflate block";
	case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
	case ISAL_INVALID_LOOKBACK: return "invalid distance too far back";
	case ISAL_INVALID_WRAPPER: return "invalid gzip header";
	case ISAL_UNSUPPORTED_METHOD: return "unknown compression method";
	case ISAL_INCORRECT_CHECKSUM: return "incorrect CRC or length check";
	case ISAL_NEED_DICT: return "preset dictionary";
	default: return "inflate error";
	}
}
#endif

/*
 * One inflater call: *produced bytes into dst; *done when the member's
 * trailer has been checked. Returns 0 or a negative code (message set).
 * Damage is placed where the inflater stopped taking input: exact for
 * zlib, within its 8-byte bit buffer for ISA-L.
 */
static int inflate_step(cf_src_t *s, uint8_t *dst, size_t n, size_t *produced, int *done)
{
	uint32_t room = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;

	*done = 0;
	if (s->kind == KIND_ZLIB) {
		s->z.next_in = s->next;
		s->z.avail_in = (uInt)s->avail;
		s->z.next_out = dst;
		s->z.avail_out = room;
		int zr = inflate(&s->z, Z_NO_FLUSH);
		*produced = room - s->z.avail_out;
		s->next = s->z.next_in;
		s->avail = s->z.avail_in;
		if (zr == Z_STREAM_END)
			*done = 1;
		else if (zr == Z_MEM_ERROR)
			return (int)fail(s, DW_ENOMEM, "zlib: out of memory");
		else if (zr != Z_OK && zr != Z_BUF_ERROR)
			return (int)fail(s, DW_EGZIP,
			                 "corrupt gzip data (%s) at compressed offset %llu",
			                 s->z.msg ? s->z.msg : "inflate error", zoff(s));
		return 0;
	}
#if defined(RL_HAVE_ISAL)
	struct inflate_state *st = s->isal;
	st->next_in = s->next;
	st->avail_in = (uint32_t)s->avail;
	st->next_out = dst;
	st->avail_out = room;
	int ir = isal_inflate(st);
	*produced = room - st->avail_out;
	s->next = st->next_in;
	s->avail = st->avail_in;
	if (ir < 0 || ir == ISAL_NEED_DICT)
		return (int)fail(s, DW_EGZIP, "corrupt gzip data (%s) at compressed offset %llu",
		                 isal_what(ir), zoff(s));
	if (st->block_state == ISAL_BLOCK_FINISH) {
		/* Whole bytes left in the bit buffer (read_in) after the trailer
		 * belong to the next member. ISA-L 2.30 hands them back itself
		 * (read_in_length is 0 here, checked with split inputs in
		 * test_cf_gzip); should a release not, they may come from an
		 * input chunk in[] no longer holds, so put them back from
		 * read_in. in[] has CF_SRC_SLACK spare bytes for this. */
		int bits = st->read_in_length > 0 ? st->read_in_length : 0;
		size_t held = (size_t)bits / 8;
		if (held > 8)
			held = 8;
		if (held) {
			uint64_t v = st->read_in >> (bits % 8);
			if ((size_t)(s->next - s->in) < held) {
				memmove(s->in + held, s->next, s->avail);
				s->next = s->in + held;
			}
			s->next -= held;
			s->avail += held;
			for (size_t i = 0; i < held; i++)
				s->next[i] = (uint8_t)(v >> (8 * i));
		}
		st->read_in = 0;
		st->read_in_length = 0;
		*done = 1;
	}
	return 0;
#else
	return (int)fail(s, DW_EINVAL, "ISA-L not built in");
#endif
}

static ssize_t gzip_read(cf_src_t *s, uint8_t *dst, size_t n)
{
	for (;;) {
		ssize_t rc;
		if (!s->in_member) {
			/* A range ends at a member boundary: the next member
			 * starts at or after its end, and is the next part's. */
			if (s->end != UINT64_MAX && zoff(s) >= s->end)
				return 0;
			if (s->avail == 0) {
				if (s->eof)
					return 0;
				if ((rc = fill(s)) < 0)
					return rc;
				continue;
			}
			if (s->next[0] == 0) {
				while (s->avail && s->next[0] == 0) {
					s->next++;
					s->avail--;
				}
				continue;
			}
			if (s->next[0] != 0x1f)
				return fail(s, DW_EGZIP,
				            "trailing garbage after gzip member at compressed offset %llu",
				            zoff(s));
			if ((rc = member_start(s)) < 0)
				return rc;
			s->in_member = 1;
		}
		if (s->avail == 0 && !s->eof && (rc = fill(s)) < 0)
			return rc;

		size_t before = s->avail, produced = 0;
		int done = 0;
		int irc = inflate_step(s, dst, n, &produced, &done);
		if (irc < 0) {
			if (produced) {
				/* Hand out the good bytes first; the error comes next. */
				s->pending = irc;
				s->err = 0;
				return (ssize_t)produced;
			}
			return irc;
		}
		if (done)
			s->in_member = 0;
		if (produced)
			return (ssize_t)produced;
		if (done || s->avail != before)
			continue;
		/* No output and no input taken: the inflater needs more. */
		if (s->eof)
			return fail(s, DW_ETRUNCFILE, "gzip stream truncated at compressed offset %llu",
			            (unsigned long long)s->raw_off);
		if ((rc = fill(s)) < 0)
			return rc;
	}
}

ssize_t cf_src_read(cf_src_t *s, uint8_t *dst, size_t n)
{
	if (s->pf)
		return n == 0 ? 0 : cf_pf_read(s->pf, dst, n);
	return cf_src_read_direct(s, dst, n);
}

ssize_t cf_src_read_direct(cf_src_t *s, uint8_t *dst, size_t n)
{
	if (s->pending) {
		s->err = s->pending;
		s->pending = 0;
	}
	if (s->err)
		return s->err;
	if (n == 0)
		return 0;
	return s->kind == KIND_PLAIN ? plain_read(s, dst, n) : gzip_read(s, dst, n);
}

static int test_threads = -1; /* -1: environment decides */

void cf_src_set_threads(int on)
{
	test_threads = on;
}

/* Inflate on a second thread unless told not to (ROOTLENS_INFLATE_THREAD=0). */
static int want_thread(void)
{
	if (test_threads >= 0)
		return test_threads;
	const char *e = getenv("ROOTLENS_INFLATE_THREAD");
	return !(e && strcmp(e, "0") == 0);
}

int cf_src_open(cf_src_t **sp, const char *path, cf_inflater_t which, char *err, size_t errlen)
{
	return cf_src_open_range(sp, path, which, 0, UINT64_MAX, -1, err, errlen);
}

static int src_open(cf_src_t **sp, const char *path, cf_inflater_t which, uint64_t start,
		    uint64_t end, int gzip, cf_tap_t *tap, char *err, size_t errlen)
{
	cf_src_t *s = NULL;
	int rc = 0;

	*sp = NULL;
	if (tap)
		tap->complete = 0;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->in = malloc(CF_SRC_INBUF + CF_SRC_SLACK))) {
		rc = DW_ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	s->tap = tap;
	s->fd = -1;
	s->read_cap = test_read_cap;
	s->next = s->in;
	s->end = end;
	s->gzip_hint = gzip;
	if (start > 0 && (gzip < 0 || strcmp(path, "-") == 0)) {
		rc = DW_EINVAL;
		snprintf(err, errlen, "a range needs a file and its compression");
		goto out;
	}
	if (strcmp(path, "-") == 0) {
		s->fd = STDIN_FILENO;
	} else {
		s->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (s->fd < 0) {
			rc = errno == ENOENT ? DW_ENOENT : DW_EIO;
			snprintf(err, errlen, "%s", strerror(errno));
			goto out;
		}
		s->own_fd = 1;
		/* Tell the kernel to read ahead hard; ignored on pipes. */
		(void)posix_fadvise(s->fd, (off_t)start, 0, POSIX_FADV_SEQUENTIAL);
		if (start > 0) {
			if (lseek(s->fd, (off_t)start, SEEK_SET) < 0) {
				rc = DW_EIO;
				snprintf(err, errlen, "cannot seek to offset %llu: %s",
				         (unsigned long long)start, strerror(errno));
				goto out;
			}
			s->raw_off = start;
		}
	}
	if (gzip == 0) {
		/* The caller knows: plain (a range of a plain file). */
		s->kind = KIND_PLAIN;
		goto out;
	}

	/* Sniff: two bytes decide gzip. A pipe may deliver one at a time. */
	while (s->avail < 2 && !s->eof) {
		ssize_t got = fill(s);
		if (got < 0) {
			rc = (int)got;
			snprintf(err, errlen, "%s", s->msg);
			goto out;
		}
	}
	if (s->avail < 2 || s->in[0] != 0x1f || s->in[1] != 0x8b) {
		if (gzip == 1) {
			rc = DW_EGZIP;
			snprintf(err, errlen, "no gzip member starts at compressed offset %llu",
			         (unsigned long long)start);
			goto out;
		}
		s->kind = KIND_PLAIN;
		goto out;
	}

	if (which == CF_INFLATE_AUTO)
		which = cf_src_default_inflater();
	if (which == CF_INFLATE_AUTO)
		which = cf_have_isal() ? CF_INFLATE_ISAL : CF_INFLATE_ZLIB;
	if (which == CF_INFLATE_ISAL) {
#if defined(RL_HAVE_ISAL)
		s->kind = KIND_ISAL;
		s->isal = malloc(sizeof(*s->isal));
		if (!s->isal) {
			rc = DW_ENOMEM;
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		isal_inflate_init(s->isal);
		s->isal->crc_flag = ISAL_GZIP;
#else
		rc = DW_EINVAL;
		snprintf(err, errlen, "ISA-L inflate not built in");
		goto out;
#endif
	} else {
		s->kind = KIND_ZLIB;
		/* 16 + MAX_WBITS: gzip wrapper only, header and trailer checked. */
		if (inflateInit2(&s->z, 16 + MAX_WBITS) != Z_OK) {
			rc = DW_ENOMEM;
			snprintf(err, errlen, "zlib inflateInit2 failed");
			goto out;
		}
		s->z_ready = 1;
	}
	/* Not yet inside the member: gzip_read() starts it at the magic (and
	 * first checks the range end, which may be this very offset). */
	s->in_member = 0;
out:
	/* gzip is inflated ahead; plain input is read ahead only for a tap
	 * (otherwise the thread would add a copy and save nothing). */
	if (rc == 0 && (s->kind != KIND_PLAIN || s->tap) && want_thread() &&
	    (rc = cf_pf_start(&s->pf, s)) < 0)
		snprintf(err, errlen, "cannot start the read-ahead thread");
	if (rc < 0) {
		cf_src_close(s);
		return rc;
	}
	*sp = s;
	return 0;
}

int cf_src_open_range(cf_src_t **sp, const char *path, cf_inflater_t which, uint64_t start,
		      uint64_t end, int gzip, char *err, size_t errlen)
{
	return src_open(sp, path, which, start, end, gzip, NULL, err, errlen);
}

int cf_src_open_tap(cf_src_t **sp, const char *path, cf_inflater_t which, cf_tap_t *tap,
		    char *err, size_t errlen)
{
	return src_open(sp, path, which, 0, UINT64_MAX, -1, tap, err, errlen);
}

const char *cf_src_errmsg(const cf_src_t *s)
{
	return s->err ? s->msg : "";
}

int cf_src_is_gzip(const cf_src_t *s)
{
	return s->kind != KIND_PLAIN;
}

const char *cf_src_inflater(const cf_src_t *s)
{
	switch (s->kind) {
	case KIND_ZLIB: return "zlib";
	case KIND_ISAL: return "isal";
	default: return "none";
	}
}

uint64_t cf_src_raw_offset(const cf_src_t *s)
{
	uint64_t off = s->pf ? cf_pf_raw_offset(s->pf) : s->raw_off;
	/* gzip reads ahead of a range's end into the next member */
	return off > s->end ? s->end : off;
}

uint64_t cf_src_raw_offset_direct(const cf_src_t *s)
{
	return s->raw_off;
}


void cf_src_close(cf_src_t *s)
{
	if (!s)
		return;
	cf_pf_stop(s->pf); /* before anything the worker uses goes */
	/* The worker has been joined: its reads, and its taps, are done.
	 * eof is set by a read(2) returning 0 (or at a plain range's end,
	 * but a tap is only ever on a whole file): every byte before that
	 * went to the tap. */
	if (s->tap)
		s->tap->complete = s->eof;
	if (s->own_fd && s->fd >= 0)
		close(s->fd);
	if (s->z_ready)
		inflateEnd(&s->z);
#if defined(RL_HAVE_ISAL)
	free(s->isal);
#endif
	free(s->in);
	free(s);
}
