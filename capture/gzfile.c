/*
 * gzfile.c - capture file writer: whole gzip members only (see gzfile.h).
 */
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#if defined(RL_HAVE_ISAL)
#include <isa-l/igzip_lib.h>
#endif

#include "gzfile.h"

#define STAGE_BYTES (512u * 1024u) /* uncompressed records per deflate call */
#define ZLIB_SLACK (128u * 1024u)  /* output zlib may still hold back */

struct gzfile {
	gzf_engine_t engine;
	int level;
	z_stream zs;
	int zinit;
#if defined(RL_HAVE_ISAL)
	struct isal_zstream is;
	uint8_t *level_buf;
#endif
	int fd;
	uint8_t *stage;
	size_t stage_len;
	uint8_t *mbuf; /* compressed member being built */
	size_t mlen, mcap;

	/* member being built (staged or compressed, not on disk) */
	uint64_t p_packets, p_bytes;
	int64_t p_first_sec, p_last_sec;
	uint32_t p_first_usec, p_last_usec;
	double p_since;

	/* on disk */
	uint64_t off, packets, bytes;
	int64_t first_sec, last_sec;
	uint32_t first_usec, last_usec;
	gzf_member_t *members;
	size_t nmembers, members_cap;
	EVP_MD_CTX *sha;
};

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int gzf_have_isal(void)
{
#if defined(RL_HAVE_ISAL)
	return 1;
#else
	return 0;
#endif
}

#if defined(RL_HAVE_ISAL)
static size_t isal_level_buf_size(int level)
{
	switch (level) {
	case 1: return ISAL_DEF_LVL1_DEFAULT;
	case 2: return ISAL_DEF_LVL2_DEFAULT;
	case 3: return ISAL_DEF_LVL3_DEFAULT;
	default: return 0;
	}
}
#endif

#if defined(RL_HAVE_ISAL)
/* A new gzip stream. isal_deflate_reset() would keep the settings but, at
 * levels above 0, not write the next stream's gzip header: start afresh. */
static void isal_start(gzfile_t *g)
{
	isal_deflate_init(&g->is);
	g->is.level = (uint32_t)g->level;
	g->is.gzip_flag = IGZIP_GZIP;
	g->is.flush = NO_FLUSH;
	if (g->level_buf) {
		g->is.level_buf = g->level_buf;
		g->is.level_buf_size = (uint32_t)isal_level_buf_size(g->level);
	}
}
#endif

static int engine_init(gzfile_t *g)
{
	if (g->engine == GZF_ZLIB) {
		if (g->level < 1 || g->level > 9)
			return -1;
		/* windowBits 15 + 16: a gzip header and trailer around each stream */
		if (deflateInit2(&g->zs, g->level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			return -1;
		g->zinit = 1;
		return 0;
	}
#if defined(RL_HAVE_ISAL)
	if (g->level < 0 || g->level > 3)
		return -1;
	size_t n = isal_level_buf_size(g->level);
	if (n && !(g->level_buf = malloc(n)))
		return -1;
	isal_start(g);
	return 0;
#else
	return -1;
#endif
}

static void engine_reset(gzfile_t *g)
{
#if defined(RL_HAVE_ISAL)
	if (g->engine == GZF_ISAL) {
		isal_start(g);
		return;
	}
#endif
	deflateReset(&g->zs);
}

gzfile_t *gzf_new(gzf_engine_t engine, int level, size_t member_max)
{
	gzfile_t *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	if (member_max < 4 * STAGE_BYTES)
		member_max = 4 * STAGE_BYTES;
	g->engine = engine;
	g->level = level;
	g->fd = -1;
	g->mcap = member_max;
	g->stage = malloc(STAGE_BYTES);
	g->mbuf = malloc(g->mcap);
	g->sha = EVP_MD_CTX_new();
	if (g->stage && g->mbuf && g->sha && engine_init(g) == 0)
		return g;
	gzf_free(g);
	return NULL;
}

void gzf_free(gzfile_t *g)
{
	if (!g)
		return;
	if (g->zinit)
		deflateEnd(&g->zs);
#if defined(RL_HAVE_ISAL)
	free(g->level_buf);
#endif
	EVP_MD_CTX_free(g->sha);
	free(g->members);
	free(g->stage);
	free(g->mbuf);
	free(g);
}

/* Compress the staged records into the member buffer; @p finish ends the member. */
static int compress_stage(gzfile_t *g, int finish)
{
#if defined(RL_HAVE_ISAL)
	if (g->engine == GZF_ISAL) {
		g->is.next_in = g->stage;
		g->is.avail_in = (uint32_t)g->stage_len;
		g->is.next_out = g->mbuf + g->mlen;
		g->is.avail_out = (uint32_t)(g->mcap - g->mlen);
		g->is.end_of_stream = (uint16_t)(finish ? 1 : 0);
		int rc = isal_deflate(&g->is);
		g->mlen = g->mcap - g->is.avail_out;
		if (rc != COMP_OK || g->is.avail_in ||
		    (finish && g->is.internal_state.state != ZSTATE_END))
			return ENOBUFS;
		g->stage_len = 0;
		return 0;
	}
#endif
	g->zs.next_in = g->stage;
	g->zs.avail_in = (uInt)g->stage_len;
	g->zs.next_out = g->mbuf + g->mlen;
	g->zs.avail_out = (uInt)(g->mcap - g->mlen);
	int rc = deflate(&g->zs, finish ? Z_FINISH : Z_NO_FLUSH);
	g->mlen = g->mcap - g->zs.avail_out;
	/* running out of member buffer cannot happen with the slack gzf_add keeps */
	if (finish ? rc != Z_STREAM_END : rc == Z_STREAM_ERROR || g->zs.avail_in)
		return ENOBUFS;
	g->stage_len = 0;
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (w == 0)
			return EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* End the member being built (even without packets), write it, fsync. */
static int end_member(gzfile_t *g)
{
	int e = compress_stage(g, 1);
	if (!e)
		e = write_all(g->fd, g->mbuf, g->mlen);
	if (!e && fsync(g->fd) != 0)
		e = errno;
	if (e)
		return e;
	if (g->nmembers == g->members_cap) {
		size_t cap = g->members_cap ? 2 * g->members_cap : 64;
		gzf_member_t *m = realloc(g->members, cap * sizeof(*m));
		if (!m)
			return ENOMEM;
		g->members = m;
		g->members_cap = cap;
	}
	gzf_member_t *m = &g->members[g->nmembers++];
	m->offset = g->off;
	m->packets = g->p_packets;
	m->first_sec = g->p_first_sec;
	m->first_usec = g->p_first_usec;
	EVP_DigestUpdate(g->sha, g->mbuf, g->mlen);
	g->off += g->mlen;
	if (g->p_packets) {
		if (!g->packets) {
			g->first_sec = g->p_first_sec;
			g->first_usec = g->p_first_usec;
		}
		g->last_sec = g->p_last_sec;
		g->last_usec = g->p_last_usec;
	}
	g->packets += g->p_packets;
	g->bytes += g->p_bytes;
	g->p_packets = g->p_bytes = 0;
	g->mlen = 0;
	engine_reset(g);
	return 0;
}

int gzf_open(gzfile_t *g, int fd, uint32_t linktype, uint32_t snaplen)
{
	g->fd = fd;
	g->stage_len = g->mlen = 0;
	g->p_packets = g->p_bytes = 0;
	g->off = g->packets = g->bytes = 0;
	g->nmembers = 0;
	engine_reset(g);
	EVP_DigestInit_ex(g->sha, EVP_sha256(), NULL);
	/* classic pcap, microseconds, this host's byte order */
	uint32_t hdr[6] = { 0xa1b2c3d4u, 0, 0, 0, snaplen, linktype };
	uint16_t ver[2] = { 2, 4 }; /* major, minor */
	memcpy(&hdr[1], ver, 4);
	memcpy(g->stage, hdr, sizeof(hdr));
	g->stage_len = sizeof(hdr);
	return end_member(g);
}

int gzf_add(gzfile_t *g, int64_t sec, uint32_t usec, const uint8_t *data, uint32_t caplen,
	    uint32_t wirelen)
{
	size_t need = 16 + (size_t)caplen;
	if (need > STAGE_BYTES)
		return EFBIG; /* snaplen is capped below this by the caller */
	if (g->stage_len + need > STAGE_BYTES) {
		int e = compress_stage(g, 0);
		if (e)
			return e;
		/* keep room for one more stage and what zlib holds back */
		if (g->mlen + 2 * STAGE_BYTES + ZLIB_SLACK > g->mcap && (e = end_member(g)))
			return e;
	}
	uint32_t rec[4] = { (uint32_t)sec, usec, caplen, wirelen };
	memcpy(g->stage + g->stage_len, rec, 16);
	memcpy(g->stage + g->stage_len + 16, data, caplen);
	g->stage_len += need;
	if (!g->p_packets) {
		g->p_first_sec = sec;
		g->p_first_usec = usec;
		g->p_since = mono_now();
	}
	g->p_last_sec = sec;
	g->p_last_usec = usec;
	g->p_packets++;
	g->p_bytes += caplen;
	return 0;
}

int gzf_pending(const gzfile_t *g)
{
	return g->p_packets != 0;
}

uint64_t gzf_pending_packets(const gzfile_t *g)
{
	return g->p_packets;
}

double gzf_pending_since(const gzfile_t *g)
{
	return g->p_since;
}

int gzf_flush(gzfile_t *g)
{
	return g->p_packets ? end_member(g) : 0;
}

int gzf_recover(gzfile_t *g)
{
	g->stage_len = g->mlen = 0;
	g->p_packets = g->p_bytes = 0;
	engine_reset(g);
	if (ftruncate(g->fd, (off_t)g->off) != 0)
		return errno;
	if (lseek(g->fd, (off_t)g->off, SEEK_SET) < 0)
		return errno;
	return fsync(g->fd) != 0 ? errno : 0;
}

uint64_t gzf_file_bytes(const gzfile_t *g)
{
	return g->off;
}

uint64_t gzf_packets(const gzfile_t *g)
{
	return g->packets;
}

uint64_t gzf_bytes_captured(const gzfile_t *g)
{
	return g->bytes;
}

const gzf_member_t *gzf_members(const gzfile_t *g, size_t *n)
{
	*n = g->nmembers;
	return g->members;
}

int gzf_first_last(const gzfile_t *g, int64_t *fs, uint32_t *fu, int64_t *ls, uint32_t *lu)
{
	if (!g->packets)
		return 0;
	*fs = g->first_sec;
	*fu = g->first_usec;
	*ls = g->last_sec;
	*lu = g->last_usec;
	return 1;
}

void gzf_sha256_hex(gzfile_t *g, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (c && EVP_MD_CTX_copy_ex(c, g->sha) && EVP_DigestFinal_ex(c, md, &n) && n == 32) {
		for (unsigned i = 0; i < 32; i++) {
			static const char hex[] = "0123456789abcdef";
			out[2 * i] = hex[md[i] >> 4];
			out[2 * i + 1] = hex[md[i] & 15];
		}
		out[64] = '\0';
	} else {
		out[0] = '\0';
	}
	EVP_MD_CTX_free(c);
}
