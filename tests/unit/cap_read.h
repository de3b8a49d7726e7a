/*
 * cap_read.h - what the collector tests share: reading a capture file back
 * with zlib's own gzip reader (independent of the project's reader) into
 * its pcap records, checking where gzip members start, and a file's
 * SHA-256 read back from disk.
 */
#ifndef ROOTLENS_TEST_CAP_READ_H
#define ROOTLENS_TEST_CAP_READ_H

#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef struct cr_rec {
	uint32_t sec, usec, caplen, len;
	uint8_t data[2048];
} cr_rec_t;

typedef struct cr_file {
	uint32_t magic, snaplen, linktype;
	uint16_t vmaj, vmin;
	size_t n;
	cr_rec_t *recs;
	int error; /* trailing garbage, short record, or a gzip error */
} cr_file_t;

/* The whole file through gzread (which reads every member in turn). */
static inline int cr_read(const char *path, cr_file_t *f)
{
	memset(f, 0, sizeof(*f));
	gzFile z = gzopen(path, "rb");
	if (!z)
		return -1;
	uint8_t hdr[24];
	if (gzread(z, hdr, 24) != 24) {
		gzclose(z);
		return -1;
	}
	memcpy(&f->magic, hdr, 4);
	memcpy(&f->vmaj, hdr + 4, 2);
	memcpy(&f->vmin, hdr + 6, 2);
	memcpy(&f->snaplen, hdr + 16, 4);
	memcpy(&f->linktype, hdr + 20, 4);
	size_t cap = 0;
	for (;;) {
		uint32_t r[4];
		int got = gzread(z, r, 16);
		if (got == 0)
			break;
		if (got != 16 || r[2] > 2048) {
			f->error = 1;
			break;
		}
		if (f->n == cap) {
			cap = cap ? 2 * cap : 64;
			f->recs = realloc(f->recs, cap * sizeof(*f->recs));
		}
		cr_rec_t *c = &f->recs[f->n];
		c->sec = r[0];
		c->usec = r[1];
		c->caplen = r[2];
		c->len = r[3];
		if (gzread(z, c->data, c->caplen) != (int)c->caplen) {
			f->error = 1;
			break;
		}
		f->n++;
	}
	int zerr;
	gzerror(z, &zerr);
	if (zerr != Z_OK && zerr != Z_BUF_ERROR)
		f->error = 1;
	gzclose(z);
	return 0;
}

/* True when a gzip member header (1f 8b 08) starts at @p off of @p path. */
static inline int cr_member_at(const char *path, uint64_t off)
{
	FILE *fp = fopen(path, "rb");
	uint8_t b[3] = { 0 };
	int ok = fp && fseeko(fp, (off_t)off, SEEK_SET) == 0 && fread(b, 1, 3, fp) == 3 &&
		 b[0] == 0x1f && b[1] == 0x8b && b[2] == 8;
	if (fp)
		fclose(fp);
	return ok;
}

static inline long cr_size(const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return -1;
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fclose(fp);
	return n;
}

/* SHA-256 of the file at @p path as lowercase hex ("" when unreadable). */
static inline void cr_sha256(const char *path, char out[65])
{
	FILE *fp = fopen(path, "rb");
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned char md[32];
	unsigned int l = 0;
	uint8_t buf[4096];
	size_t n;
	out[0] = '\0';
	if (!fp || !c || !EVP_DigestInit_ex(c, EVP_sha256(), NULL)) {
		if (fp)
			fclose(fp);
		EVP_MD_CTX_free(c);
		return;
	}
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		EVP_DigestUpdate(c, buf, n);
	fclose(fp);
	if (EVP_DigestFinal_ex(c, md, &l) && l == 32)
		for (int i = 0; i < 32; i++)
			snprintf(out + 2 * i, 3, "%02x", md[i]);
	EVP_MD_CTX_free(c);
}

#endif
