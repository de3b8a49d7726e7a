/*
 * split.c - places where a classic pcap file can be cut, so that several
 * readers (cf_reader_open_range) can each read a part of one file.
 *
 * A pcap record has no marker and no checksum (pcap.c), so a record
 * boundary found in the middle of a file is a guess, made safe by asking
 * much of it: CF_SPLIT_CHAIN record headers in a row, each plausible for
 * this file (fraction below one second, caplen <= len <= 262144, caplen
 * within the snaplen, time near the first packet's). Packet data that
 * looks like eight such headers chained by their lengths does not occur
 * in DNS traffic. Should a guess still be wrong, the part before it ends
 * inside a record and its reader says so (DW_ETRUNCFILE, "not a record
 * boundary"): never a silent miscount.
 *
 * In gzip a part can only start where a member starts (the inflater needs
 * no history there), and only if the member also starts a record, as
 * `rootlens capture` writes them. A member header is 1f 8b 08 and a flag
 * byte with the reserved bits clear (RFC 1952 2.3.1); one found by
 * scanning is verified by inflating its start (with zlib: this is a probe,
 * not the hot path) and checking the record chain there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "reader_int.h"

#define PCAP_FILE_HDR 24u
#define SPLIT_WIN (1024u * 1024u)       /* places tried per read */
#define SPLIT_LOOK (1024u * 1024u)      /* bytes after them, for the chain */
#define GZ_VERIFY_IN (1024u * 1024u)    /* compressed bytes inflated per probe */
#define GZ_VERIFY_OUT (512u * 1024u)    /* of which this much output is checked */
#define MAX_LEN 262144u                 /* libpcap's MAXIMUM_SNAPLEN */

typedef struct chk {
	int be, nsec;
	uint32_t snaplen;
	int have_first;
	int64_t first;
} chk_t;

static uint32_t rd32(const uint8_t *p, int be)
{
	return be ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
		  : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* A record header at @p h that this file could have written. */
static int plausible(const chk_t *c, const uint8_t *h, uint32_t *caplen)
{
	uint32_t sec = rd32(h, c->be), frac = rd32(h + 4, c->be);
	uint32_t cap = rd32(h + 8, c->be), len = rd32(h + 12, c->be);

	if (frac >= (c->nsec ? 1000000000u : 1000000u))
		return 0;
	if (cap > len || len > MAX_LEN || cap > CF_MAX_CAPLEN)
		return 0;
	if (c->snaplen >= 16 && c->snaplen < MAX_LEN && cap > c->snaplen)
		return 0;
	if (c->have_first && ((int64_t)sec < c->first - 86400 ||
			      (int64_t)sec > c->first + 400 * 86400))
		return 0;
	*caplen = cap;
	return 1;
}

/*
 * CF_SPLIT_CHAIN plausible records in a row from @p buf; @p at_end: the
 * data ends with @p buf (the chain may then stop early, exactly there).
 * A chain cut by the end of the buffer (more data follows) needs three.
 */
static int chain_ok(const chk_t *c, const uint8_t *buf, size_t n, int at_end)
{
	size_t pos = 0;
	unsigned count = 0;

	while (count < CF_SPLIT_CHAIN) {
		uint32_t cap;
		if (pos == n && at_end)
			return count > 0;
		if (n - pos < 16)
			return !at_end && count >= 3;
		if (!plausible(c, buf + pos, &cap))
			return 0;
		if (n - pos - 16 < cap)
			return !at_end && count >= 3;
		pos += 16 + (size_t)cap;
		count++;
	}
	return 1;
}

static ssize_t pread_full(int fd, uint8_t *buf, size_t n, uint64_t off)
{
	size_t got = 0;
	while (got < n) {
		ssize_t k = pread(fd, buf + got, n - got, (off_t)(off + got));
		if (k == 0)
			break;
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)k;
	}
	return (ssize_t)got;
}

static int find_plain(int fd, uint64_t size, const chk_t *c, uint64_t from, uint64_t limit,
		      cf_split_t *out, uint8_t *buf)
{
	if (from < PCAP_FILE_HDR)
		from = PCAP_FILE_HDR;
	for (uint64_t pos = from; pos < limit && pos < size; pos += SPLIT_WIN) {
		ssize_t got = pread_full(fd, buf, SPLIT_WIN + SPLIT_LOOK, pos);
		if (got < 0)
			return DW_EIO;
		int at_end = pos + (uint64_t)got >= size;
		uint64_t tries = (uint64_t)got < SPLIT_WIN ? (uint64_t)got : SPLIT_WIN;
		if (tries > limit - pos)
			tries = limit - pos;
		for (size_t i = 0; i < tries; i++) {
			if (chain_ok(c, buf + i, (size_t)got - i, at_end)) {
				out->offset = pos + i;
				out->ts_sec = rd32(buf + i, c->be);
				return 1;
			}
		}
	}
	return 0;
}

/* Does a member that starts a record begin at @p off? 1 yes, 0 no, < 0 error. */
static int gz_member_ok(int fd, uint64_t size, const chk_t *c, uint64_t off, uint8_t *in,
			uint8_t *outb, int64_t *ts)
{
	ssize_t got = pread_full(fd, in, GZ_VERIFY_IN, off);
	z_stream z;
	int ok = 0, at_end = 0;
	size_t produced;

	if (got < 0)
		return DW_EIO;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return DW_ENOMEM;
	z.next_in = in;
	z.avail_in = (uInt)got;
	z.next_out = outb;
	z.avail_out = GZ_VERIFY_OUT;
	for (;;) {
		int zr = inflate(&z, Z_NO_FLUSH);
		if (zr == Z_STREAM_END) {
			/* The member ended: go on into the next one, if any. */
			if (z.avail_in && z.next_in[0] == 0x1f && z.avail_out) {
				if (inflateReset(&z) != Z_OK)
					break;
				continue;
			}
			at_end = z.avail_in == 0 && off + (uint64_t)got >= size;
			ok = 1;
			break;
		}
		if (zr == Z_OK && z.avail_out && z.avail_in)
			continue;
		/* Output full, or input used up inside a member: enough seen
		 * (unless the file itself ended there: a truncated member). */
		ok = (zr == Z_OK || zr == Z_BUF_ERROR) &&
		     !(z.avail_in == 0 && off + (uint64_t)got >= size);
		break;
	}
	produced = GZ_VERIFY_OUT - z.avail_out;
	inflateEnd(&z);
	if (!ok || !chain_ok(c, outb, produced, at_end))
		return 0;
	*ts = rd32(outb, c->be);
	return 1;
}

static int find_gzip(int fd, uint64_t size, const chk_t *c, uint64_t from, uint64_t limit,
		     cf_split_t *out, uint8_t *buf, uint8_t *in, uint8_t *outb)
{
	if (from < 1)
		from = 1; /* offset 0 is the file start, with the file header */
	for (uint64_t pos = from; pos < limit && pos < size; pos += SPLIT_WIN) {
		ssize_t got = pread_full(fd, buf, SPLIT_WIN + 4, pos);
		if (got < 0)
			return DW_EIO;
		size_t tries = (size_t)got < SPLIT_WIN ? (size_t)got : SPLIT_WIN;
		if (tries > limit - pos)
			tries = (size_t)(limit - pos);
		for (size_t i = 0; i < tries; i++) {
			const uint8_t *h = memchr(buf + i, 0x1f, tries - i);
			if (!h)
				break;
			i = (size_t)(h - buf);
			if (i + 4 > (size_t)got || h[1] != 0x8b || h[2] != 8 || (h[3] & 0xe0))
				continue;
			int64_t ts;
			int rc = gz_member_ok(fd, size, c, pos + i, in, outb, &ts);
			if (rc < 0)
				return rc;
			if (rc) {
				out->offset = pos + i;
				out->ts_sec = ts;
				return 1;
			}
		}
	}
	return 0;
}

int cf_split_find(const cf_reader_t *r, uint64_t from, uint64_t limit, cf_split_t *out,
		  char *errbuf, size_t errlen)
{
	uint8_t *buf = NULL, *in = NULL, *outb = NULL;
	struct stat sb;
	int fd, rc;
	int gz = cf_src_is_gzip(r->src);
	chk_t c = { r->be, r->nsec, r->snaplen, r->have_first, r->first_sec };

	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (!cf_reader_splittable(r)) {
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "%s: only a classic pcap file can be cut", r->path);
		return DW_EINVAL;
	}
	if ((fd = open(r->path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "%s: %s", r->path, strerror(errno));
		return DW_EIO;
	}
	if (fstat(fd, &sb) < 0) {
		rc = DW_EIO;
		goto out;
	}
	rc = DW_ENOMEM;
	if (!(buf = malloc(SPLIT_WIN + SPLIT_LOOK)))
		goto out;
	if (gz && (!(in = malloc(GZ_VERIFY_IN)) || !(outb = malloc(GZ_VERIFY_OUT))))
		goto out;
	if (gz)
		rc = find_gzip(fd, (uint64_t)sb.st_size, &c, from, limit, out, buf, in, outb);
	else
		rc = find_plain(fd, (uint64_t)sb.st_size, &c, from, limit, out, buf);
out:
	if (rc < 0 && errbuf && errlen)
		snprintf(errbuf, errlen, "%s: looking for a split point: %s", r->path,
			 rc == DW_ENOMEM ? "out of memory" : strerror(errno));
	free(buf);
	free(in);
	free(outb);
	close(fd);
	return rc;
}
