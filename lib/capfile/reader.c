/*
 * reader.c - capture-file reader: open, format detection, the record
 * buffer, errors. The formats themselves are in pcap.c and pcapng.c.
 *
 * The format is told by the first four bytes only (a file called x.pcap
 * may hold pcapng, and stdin has no name at all):
 *
 *   a1 b2 c3 d4 / d4 c3 b2 a1   pcap, microseconds, big / little endian
 *   a1 b2 3c 4d / 4d 3c b2 a1   pcap, nanoseconds,  big / little endian
 *   0a 0d 0d 0a                 pcapng Section Header Block
 *
 * (after gzip, if any, is peeled off by the source).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader_int.h"

static const char *display_name(const char *path)
{
	return strcmp(path, "-") == 0 ? "stdin" : path;
}

int cf_rd_fail(cf_reader_t *r, int code, const char *fmt, ...)
{
	char what[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(r->errmsg, sizeof(r->errmsg), "%s: %s", r->path, what);
	r->err = code;
	return code;
}

int cf_rd_need(cf_reader_t *r, size_t n)
{
	while (r->end - r->start < n) {
		if (r->eof)
			return 0;
		/* Move the unfinished tail to the front, so that the refill
		 * gets at least CF_OUT_CHUNK bytes of room. */
		size_t tail = r->end - r->start;
		if (r->start) {
			memmove(r->buf, r->buf + r->start, tail);
			r->base += r->start;
			r->start = 0;
			r->end = tail;
		}
		ssize_t got = cf_src_read(r->src, r->buf + r->end, CF_BUF_SIZE - r->end);
		if (got == 0) {
			r->eof = 1;
			return 0;
		}
		if (got < 0) {
			unsigned long long at = (unsigned long long)(r->base + r->end);
			if (!cf_src_is_gzip(r->src))
				return cf_rd_fail(r, (int)got, "%s at offset %llu",
				                  cf_src_errmsg(r->src), at);
			if (r->range_start)
				return cf_rd_fail(r, (int)got,
				                  "%s (uncompressed offset %llu from the member at "
				                  "compressed offset %llu)",
				                  cf_src_errmsg(r->src), at,
				                  (unsigned long long)r->range_start);
			return cf_rd_fail(r, (int)got, "%s (uncompressed offset %llu)",
			                  cf_src_errmsg(r->src), at);
		}
		r->end += (size_t)got;
	}
	return 1;
}

int cf_rd_ended(cf_reader_t *r, const char *what, size_t want)
{
	size_t have = r->end - r->start;
	if (have == 0)
		return 0;
	if (r->range_end != UINT64_MAX && !cf_src_is_gzip(r->src))
		return cf_rd_fail(r, DW_ETRUNCFILE,
		                  "part ends at offset %llu inside %s at offset %llu "
		                  "(%zu of %zu bytes): not a record boundary",
		                  (unsigned long long)r->range_end, what, cf_rd_off(r), have, want);
	return cf_rd_fail(r, DW_ETRUNCFILE, "file ends inside %s at offset %llu (%zu of %zu bytes)",
	                  what, cf_rd_off(r), have, want);
}

static int reader_open(cf_reader_t **rp, const char *path, const cf_reader_t *proto,
		       uint64_t start, uint64_t end, cf_tap_t *tap, char *errbuf, size_t errlen)
{
	cf_reader_t *r = NULL;
	char msg[256] = "";
	int rc;

	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (!rp || !path) {
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "cf_reader_open: no path");
		return DW_EINVAL;
	}
	*rp = NULL;
	rc = DW_ENOMEM;
	if (!(r = calloc(1, sizeof(*r))) || !(r->path = strdup(display_name(path))) ||
	    !(r->buf = malloc(CF_BUF_SIZE)) ||
	    !(r->ifaces = calloc(CF_MAX_IFACES, sizeof(*r->ifaces)))) {
		snprintf(msg, sizeof(msg), "%s: out of memory", display_name(path));
		goto out;
	}
	r->linktype = -1;
	r->is_stdin = strcmp(path, "-") == 0;
	r->range_start = start;
	r->range_end = end;
	if (start > 0) {
		/* Mid-file: no header here; the file's is taken from proto. */
		if (!proto || proto->format != CF_FMT_PCAP || proto->is_stdin || r->is_stdin) {
			rc = cf_rd_fail(r, DW_EINVAL, "a range at offset %llu needs a classic "
			                "pcap file opened before", (unsigned long long)start);
			goto out;
		}
		if ((rc = cf_src_open_range(&r->src, path, CF_INFLATE_AUTO, start, end,
		                            cf_src_is_gzip(proto->src), msg, sizeof(msg))) < 0) {
			cf_rd_fail(r, rc, "%s", msg);
			goto out;
		}
		r->format = CF_FMT_PCAP;
		r->be = proto->be;
		r->nsec = proto->nsec;
		r->snaplen = proto->snaplen;
		r->linktype = proto->linktype;
		/* Plain: offsets stay file offsets. gzip: the uncompressed
		 * offset of the member at start is unknown; count from it. */
		r->base = cf_src_is_gzip(r->src) ? 0 : start;
		goto out;
	}
	/* A tap comes only from cf_reader_open_tap(): the whole file. */
	rc = tap && end == UINT64_MAX
		? cf_src_open_tap(&r->src, path, CF_INFLATE_AUTO, tap, msg, sizeof(msg))
		: cf_src_open_range(&r->src, path, CF_INFLATE_AUTO, 0, end, -1, msg, sizeof(msg));
	if (rc < 0) {
		cf_rd_fail(r, rc, "%s", msg);
		goto out;
	}

	if ((rc = cf_rd_need(r, 4)) < 0)
		goto out;
	if (rc == 0) {
		if (r->end == 0)
			rc = cf_rd_fail(r, DW_EFORMAT, "empty file, not a pcap or pcapng file");
		else
			rc = cf_rd_fail(r, DW_EFORMAT, "not a pcap or pcapng file (only %zu bytes)",
			                r->end);
		goto out;
	}

	dw_cur_t c;
	dw_cur_init(&c, r->buf, 4);
	uint32_t magic = dw_cur_u32(&c); /* in file order, for the message */
	switch (magic) {
	case 0xa1b2c3d4: case 0xd4c3b2a1: case 0xa1b23c4d: case 0x4d3cb2a1:
		r->format = CF_FMT_PCAP;
		rc = cf_pcap_open(r);
		break;
	case 0x0a0d0d0a:
		r->format = CF_FMT_PCAPNG;
		rc = cf_ng_open(r);
		break;
	default:
		rc = cf_rd_fail(r, DW_EFORMAT, "not a pcap or pcapng file (magic 0x%08x)",
		                (unsigned)magic);
	}
out:
	if (rc < 0) {
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "%s", r && r->err ? r->errmsg : msg);
		cf_reader_close(r);
		return rc;
	}
	/* r->err may be set: damage found while looking ahead for the first
	 * pcapng interface, which the first cf_reader_next() reports. */
	*rp = r;
	return 0;
}

int cf_reader_open(cf_reader_t **rp, const char *path, char *errbuf, size_t errlen)
{
	return reader_open(rp, path, NULL, 0, UINT64_MAX, NULL, errbuf, errlen);
}

int cf_reader_open_tap(cf_reader_t **rp, const char *path, cf_tap_t *tap, char *errbuf,
		       size_t errlen)
{
	if (tap)
		tap->complete = 0; /* also when the open fails before the source */
	return reader_open(rp, path, NULL, 0, UINT64_MAX, tap, errbuf, errlen);
}

int cf_reader_open_range(cf_reader_t **rp, const char *path, const cf_reader_t *proto,
			 uint64_t start, uint64_t end, char *errbuf, size_t errlen)
{
	if (end < start) {
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "%s: empty range %llu..%llu", path ? path : "",
			         (unsigned long long)start, (unsigned long long)end);
		if (rp)
			*rp = NULL;
		return DW_EINVAL;
	}
	return reader_open(rp, path, proto, start, end, NULL, errbuf, errlen);
}

int cf_reader_splittable(const cf_reader_t *r)
{
	return r->format == CF_FMT_PCAP && !r->is_stdin;
}

int cf_reader_next(cf_reader_t *r, cf_pkt_t *p)
{
	if (r->err)
		return r->err;
	int rc = r->format == CF_FMT_PCAP ? cf_pcap_next(r, p) : cf_ng_next(r, p);
	if (rc < 0 && !r->err)
		r->err = rc;
	if (rc > 0 && !r->have_first) {
		r->have_first = 1;
		r->first_sec = p->ts_sec;
	}
	return rc;
}

const char *cf_reader_errmsg(const cf_reader_t *r)
{
	return r->err ? r->errmsg : "";
}

const char *cf_reader_format(const cf_reader_t *r)
{
	return r->format == CF_FMT_PCAP ? "pcap" : "pcapng";
}

const char *cf_reader_compression(const cf_reader_t *r)
{
	return cf_src_is_gzip(r->src) ? "gzip" : "none";
}

const char *cf_reader_inflater(const cf_reader_t *r)
{
	return cf_src_inflater(r->src);
}

uint64_t cf_reader_raw_offset(const cf_reader_t *r)
{
	return cf_src_raw_offset(r->src);
}

int cf_reader_linktype(const cf_reader_t *r)
{
	return r->linktype;
}

void cf_reader_close(cf_reader_t *r)
{
	if (!r)
		return;
	cf_src_close(r->src);
	free(r->ifaces);
	free(r->buf);
	free(r->path);
	free(r);
}
