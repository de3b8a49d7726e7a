/*
 * inputs.c - checksums and manifest labels of the captures read.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "inputs.h"
#include "rootlens/common.h"

#define HASH_BUF (1 << 20) /* big reads: hashing runs near memory speed */

static const char *const label_keys[] = { "server", "instance", "phase", NULL };

static void hex_digest(const unsigned char *md, unsigned mdlen, char hex[65])
{
	for (unsigned i = 0; i < mdlen && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[64] = '\0';
}

/* SHA-256 of the open file @p f as 64 hex digits; @p bytes gets its size. */
static int sha256_file(FILE *f, char hex[65], unsigned long long *bytes)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *buf = malloc(HASH_BUF);
	int rc = -1;
	size_t n;

	*bytes = 0;
	if (!ctx || !buf || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto out;
	while ((n = fread(buf, 1, HASH_BUF, f)) > 0) {
		if (EVP_DigestUpdate(ctx, buf, n) != 1)
			goto out;
		*bytes += n;
	}
	if (ferror(f) || EVP_DigestFinal_ex(ctx, md, &mdlen) != 1)
		goto out;
	hex_digest(md, mdlen, hex);
	rc = 0;
out:
	free(buf);
	EVP_MD_CTX_free(ctx);
	return rc;
}

json_t *in_file_entry(const char *path, char *err, size_t errlen)
{
	json_t *e = json_object();
	char hex[65];
	unsigned long long bytes;
	FILE *f;

	if (!e || json_object_set_new(e, "file", json_string(path)) < 0)
		goto nomem;
	if (!strcmp(path, "-")) {
		/* The feed consumes stdin; hashing it too would need a tee
		 * through the reader. Documented as null. */
		if (json_object_set_new(e, "bytes", json_null()) < 0 ||
		    json_object_set_new(e, "sha256", json_null()) < 0)
			goto nomem;
		return e;
	}
	if (!(f = fopen(path, "rb"))) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		json_decref(e);
		return NULL;
	}
	int rc = sha256_file(f, hex, &bytes);
	int saved = errno;
	fclose(f);
	if (rc < 0) {
		snprintf(err, errlen, "%s: checksum failed: %s", path, strerror(saved));
		json_decref(e);
		return NULL;
	}
	if (json_object_set_new(e, "bytes", json_integer((json_int_t)bytes)) < 0 ||
	    json_object_set_new(e, "sha256", json_string(hex)) < 0)
		goto nomem;
	return e;
nomem:
	snprintf(err, errlen, "%s: out of memory", path);
	json_decref(e);
	return NULL;
}

struct in_hash {
	EVP_MD_CTX *ctx;
	unsigned long long bytes;
	int failed;
};

in_hash_t *in_hash_new(void)
{
	in_hash_t *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	if (!(h->ctx = EVP_MD_CTX_new()) || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		in_hash_free(h);
		return NULL;
	}
	return h;
}

void in_hash_tap(void *user, const uint8_t *p, size_t n)
{
	in_hash_t *h = user;
	if (EVP_DigestUpdate(h->ctx, p, n) != 1)
		h->failed = 1;
	h->bytes += n;
}

json_t *in_hash_entry(in_hash_t *h, const char *path)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char hex[65];
	json_t *e;

	if (h->failed || EVP_DigestFinal_ex(h->ctx, md, &mdlen) != 1 || mdlen != 32)
		return NULL;
	h->failed = 1; /* finalised: a second entry would be wrong */
	hex_digest(md, mdlen, hex);
	if (!(e = json_object()))
		return NULL;
	if (json_object_set_new(e, "file", json_string(path)) < 0 ||
	    json_object_set_new(e, "bytes", json_integer((json_int_t)h->bytes)) < 0 ||
	    json_object_set_new(e, "sha256", json_string(hex)) < 0) {
		json_decref(e);
		return NULL;
	}
	return e;
}

void in_hash_free(in_hash_t *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

int in_manifest_labels(const char *path, json_t *labels, char *err, size_t errlen)
{
	json_error_t je;
	json_t *m;
	size_t len = strlen(path) + sizeof(".json");
	char *mpath;

	if (!strcmp(path, "-"))
		return 0;
	if (!(mpath = malloc(len))) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	snprintf(mpath, len, "%s.json", path);
	FILE *f = fopen(mpath, "rb");
	if (!f) {
		free(mpath);
		return 0; /* no manifest: labels come from the command line only */
	}
	m = json_loadf(f, 0, &je);
	fclose(f);
	if (!json_is_object(m)) {
		if (m)
			snprintf(err, errlen, "%s: manifest is not a JSON object", mpath);
		else
			snprintf(err, errlen, "%s:%d:%d: %s", mpath, je.line, je.column, je.text);
		json_decref(m);
		free(mpath);
		return -1;
	}
	for (size_t i = 0; label_keys[i]; i++) {
		json_t *v = json_object_get(m, label_keys[i]);
		if (json_is_string(v))
			json_object_set(labels, label_keys[i], v);
	}
	json_decref(m);
	free(mpath);
	return 1;
}

/* "2010-05-05T00:00:00.123456Z" (fraction dropped) into seconds. */
static int parse_first_packet(const char *s, int64_t *sec)
{
	char buf[64];
	size_t n = strcspn(s, ".");
	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (s[n] == '.') {
		const char *z = s + n + 1 + strspn(s + n + 1, "0123456789");
		if (strlen(z) + n + 1 > sizeof(buf))
			return -1;
		strcat(buf, z);
	}
	return rl_time_parse(buf, sec) < 0 ? -1 : 0;
}

int in_manifest_members(const char *path, in_member_t **out)
{
	json_error_t je;
	json_t *m = NULL, *arr, *e;
	size_t len = strlen(path) + sizeof(".json"), i, n = 0;
	char *mpath;
	in_member_t *v = NULL;

	*out = NULL;
	if (!strcmp(path, "-"))
		return 0;
	if (!(mpath = malloc(len)))
		return -1;
	snprintf(mpath, len, "%s.json", path);
	m = json_load_file(mpath, 0, &je);
	free(mpath);
	arr = json_object_get(m, "members");
	if (!json_is_array(arr) || json_array_size(arr) == 0)
		goto none;
	if (!(v = calloc(json_array_size(arr), sizeof(*v)))) {
		json_decref(m);
		return -1;
	}
	json_array_foreach(arr, i, e) {
		json_t *o = json_object_get(e, "offset");
		const char *t = json_string_value(json_object_get(e, "first_packet"));
		if (!json_is_integer(o) || json_integer_value(o) < 0)
			goto none;
		v[n].offset = (uint64_t)json_integer_value(o);
		if (n && v[n].offset <= v[n - 1].offset)
			goto none;
		v[n].have_time = t && parse_first_packet(t, &v[n].first_sec) == 0;
		n++;
	}
	json_decref(m);
	*out = v;
	return (int)n;
none:
	free(v);
	json_decref(m);
	return 0;
}

/* json_dumpf to stdout, or to FILE.tmp renamed to FILE once complete (a
 * FILE that exists and is not a regular file is written in place). */
int in_write_doc(const char *cmd, const json_t *doc, const char *path, int compact)
{
	/* 15 digits: the 4-decimal percentages print as written (0.6, not
	 * 0.59999999999999998). */
	size_t flags = (compact ? JSON_COMPACT : JSON_INDENT(1)) | JSON_REAL_PRECISION(15);
	char *tmp = NULL;
	FILE *f = stdout;

	struct stat st;
	if (path && stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* /dev/null, a FIFO, a terminal: written in place (renaming a
		 * file over a device would replace the device) */
		if (!(f = fopen(path, "w"))) {
			cli_err(cmd, "%s: cannot open: %s", path, strerror(errno));
			return -1;
		}
		int bad = json_dumpf(doc, f, flags) < 0 || fputc('\n', f) == EOF;
		bad |= fclose(f) != 0;
		if (bad)
			cli_err(cmd, "%s: writing failed: %s", path, strerror(errno));
		return bad ? -1 : 0;
	}
	if (path) {
		size_t len = strlen(path) + sizeof(".tmp");
		if (!(tmp = malloc(len)))
			return -1;
		snprintf(tmp, len, "%s.tmp", path);
		if (!(f = fopen(tmp, "w"))) {
			cli_err(cmd, "%s: cannot create: %s", tmp, strerror(errno));
			free(tmp);
			return -1;
		}
	}
	int bad = json_dumpf(doc, f, flags) < 0 || fputc('\n', f) == EOF;
	bad |= fflush(f) != 0 || ferror(f);
	if (path) {
		bad |= fclose(f) != 0;
		if (!bad && rename(tmp, path) < 0)
			bad = 1;
		if (bad) {
			cli_err(cmd, "%s: writing failed: %s", path, strerror(errno));
			unlink(tmp);
		}
		free(tmp);
	} else if (bad) {
		cli_err(cmd, "writing output failed");
	}
	return bad ? -1 : 0;
}
