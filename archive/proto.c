/*
 * proto.c - framing of the archive protocol (ar_proto.h).
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ar_proto.h"
#include "rootlens/errcode.h"

#ifndef RL_VERSION
#define RL_VERSION "0"
#endif

void ar_rd_init(ar_rd_t *r, int fd)
{
	r->fd = fd;
	r->off = r->len = 0;
}

/* Refill when empty. @return bytes buffered, 0 at the end, -1 errno. */
static ssize_t fill(ar_rd_t *r)
{
	if (r->off < r->len)
		return (ssize_t)(r->len - r->off);
	for (;;) {
		ssize_t n = read(r->fd, r->buf, sizeof(r->buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n;
		r->off = 0;
		r->len = (size_t)n;
		return n;
	}
}

int ar_rd_line(ar_rd_t *r, char *line, size_t max)
{
	size_t have = 0;
	for (;;) {
		ssize_t n = fill(r);
		if (n < 0)
			return DW_EIO;
		if (n == 0) {
			line[have] = '\0';
			return have ? DW_ETRUNC : 0;
		}
		unsigned char *p = r->buf + r->off;
		unsigned char *nl = memchr(p, '\n', (size_t)n);
		size_t take = nl ? (size_t)(nl - p) : (size_t)n;
		if (have + take > max - 1) {
			line[have] = '\0';
			return DW_ETOOBIG;
		}
		memcpy(line + have, p, take);
		have += take;
		r->off += take + (nl ? 1 : 0);
		if (nl) {
			line[have] = '\0';
			return 1;
		}
	}
}

ssize_t ar_rd_bytes(ar_rd_t *r, void *dst, size_t n)
{
	if (n == 0)
		return 0;
	if (r->off < r->len) {
		size_t k = r->len - r->off < n ? r->len - r->off : n;
		memcpy(dst, r->buf + r->off, k);
		r->off += k;
		return (ssize_t)k;
	}
	for (;;) {
		/* Large reads go straight to the caller's buffer. */
		ssize_t k = read(r->fd, dst, n);
		if (k < 0 && errno == EINTR)
			continue;
		return k;
	}
}

int ar_rd_exact(ar_rd_t *r, void *dst, size_t n)
{
	unsigned char *p = dst;
	while (n) {
		ssize_t k = ar_rd_bytes(r, p, n);
		if (k < 0)
			return DW_EIO;
		if (k == 0)
			return DW_ETRUNC;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int ar_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Dump @p o compactly with a '\n' into @p out; takes @p o. */
static int dump_line(json_t *o, int bad, char *out, size_t max)
{
	char *s = bad || !o ? NULL : json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s)
		return bad ? DW_EINVAL : DW_ENOMEM;
	size_t n = strlen(s);
	if (n + 2 > max) {
		free(s);
		return DW_ETOOBIG;
	}
	memcpy(out, s, n);
	out[n] = '\n';
	out[n + 1] = '\0';
	free(s);
	return (int)(n + 1);
}

/* json_string() refuses invalid UTF-8: that is a bad argument here. */
static int set_str(json_t *o, const char *k, const char *v)
{
	json_t *s = json_string(v);
	return s ? json_object_set_new(o, k, s) : -1;
}

int ar_hdr_encode(const ar_hdr_t *h, char *out, size_t max)
{
	json_t *o = json_object();
	int bad = !o;
	bad |= set_str(o, "file", h->file) < 0;
	bad |= set_str(o, "server", h->server) < 0;
	bad |= set_str(o, "instance", h->instance) < 0;
	bad |= (h->have_phase ? set_str(o, "phase", h->phase)
			      : json_object_set_new(o, "phase", json_null())) < 0;
	bad |= json_object_set_new(o, "size", json_integer((json_int_t)h->size)) < 0;
	bad |= set_str(o, "sha256", h->sha256) < 0;
	bad |= json_object_set_new(o, "manifest_size", json_integer((json_int_t)h->manifest_size)) < 0;
	return dump_line(o, bad, out, max);
}

static int get_str(json_t *o, const char *k, char *dst, size_t cap, int optional, char *err,
		   size_t errlen)
{
	json_t *v = json_object_get(o, k);
	if (optional && (!v || json_is_null(v))) {
		dst[0] = '\0';
		return 0;
	}
	if (!json_is_string(v)) {
		snprintf(err, errlen, "\"%s\" missing or not a string", k);
		return DW_EFORMAT;
	}
	if (json_string_length(v) >= cap || strlen(json_string_value(v)) != json_string_length(v)) {
		snprintf(err, errlen, "\"%s\" too long or with a NUL", k);
		return DW_EFORMAT;
	}
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 1;
}

static int get_u64(json_t *o, const char *k, uint64_t *v, char *err, size_t errlen)
{
	json_t *j = json_object_get(o, k);
	if (!json_is_integer(j) || json_integer_value(j) < 0) {
		snprintf(err, errlen, "\"%s\" missing or not an integer >= 0", k);
		return DW_EFORMAT;
	}
	*v = (uint64_t)json_integer_value(j);
	return 0;
}

static json_t *load_obj(const char *line, char *err, size_t errlen)
{
	json_error_t je;
	json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(o)) {
		if (o)
			snprintf(err, errlen, "not a JSON object");
		else
			snprintf(err, errlen, "not JSON (%.100s)", je.text);
		json_decref(o);
		return NULL;
	}
	return o;
}

int ar_hdr_decode(const char *line, ar_hdr_t *h, char *err, size_t errlen)
{
	json_t *o = load_obj(line, err, errlen);
	int rc = DW_EFORMAT;

	memset(h, 0, sizeof(*h));
	if (!o)
		return DW_EFORMAT;
	if (get_str(o, "file", h->file, sizeof(h->file), 0, err, errlen) < 0 ||
	    get_str(o, "server", h->server, sizeof(h->server), 0, err, errlen) < 0 ||
	    get_str(o, "instance", h->instance, sizeof(h->instance), 0, err, errlen) < 0 ||
	    get_str(o, "sha256", h->sha256, sizeof(h->sha256), 0, err, errlen) < 0 ||
	    get_u64(o, "size", &h->size, err, errlen) < 0 ||
	    get_u64(o, "manifest_size", &h->manifest_size, err, errlen) < 0)
		goto out;
	int p = get_str(o, "phase", h->phase, sizeof(h->phase), 1, err, errlen);
	if (p < 0)
		goto out;
	h->have_phase = p;
	if (strlen(h->sha256) != 64 || strspn(h->sha256, "0123456789abcdef") != 64) {
		snprintf(err, errlen, "\"sha256\" is not 64 lowercase hex digits");
		goto out;
	}
	rc = 0;
out:
	json_decref(o);
	return rc;
}

int ar_ans_encode(const ar_ans_t *a, char *out, size_t max)
{
	json_t *o = json_object();
	int bad = !o;
	bad |= set_str(o, "file", a->file) < 0;
	bad |= set_str(o, "status", a->status) < 0;
	if (a->sha256[0])
		bad |= set_str(o, "sha256", a->sha256) < 0;
	if (a->error[0])
		bad |= set_str(o, "error", a->error) < 0;
	return dump_line(o, bad, out, max);
}

int ar_ans_decode(const char *line, ar_ans_t *a, char *err, size_t errlen)
{
	json_t *o = load_obj(line, err, errlen);
	int rc = DW_EFORMAT;

	memset(a, 0, sizeof(*a));
	if (!o)
		return DW_EFORMAT;
	if (get_str(o, "file", a->file, sizeof(a->file), 0, err, errlen) < 0 ||
	    get_str(o, "status", a->status, sizeof(a->status), 0, err, errlen) < 0 ||
	    get_str(o, "sha256", a->sha256, sizeof(a->sha256), 1, err, errlen) < 0 ||
	    get_str(o, "error", a->error, sizeof(a->error), 1, err, errlen) < 0)
		goto out;
	if (strcmp(a->status, "send") && strcmp(a->status, "stored") &&
	    strcmp(a->status, "exists") && strcmp(a->status, "refused") &&
	    strcmp(a->status, "failed")) {
		snprintf(err, errlen, "unknown status \"%s\"", a->status);
		goto out;
	}
	rc = 0;
out:
	json_decref(o);
	return rc;
}

int ar_hello_encode(char *out, size_t max)
{
	json_t *o = json_object();
	int bad = !o;
	bad |= set_str(o, "protocol", AR_PROTOCOL) < 0;
	bad |= set_str(o, "rootlens", RL_VERSION) < 0;
	return dump_line(o, bad, out, max);
}

int ar_hello_check(const char *line, char *err, size_t errlen)
{
	char e2[128];
	json_t *o = load_obj(line, e2, sizeof(e2));
	const char *p = o ? json_string_value(json_object_get(o, "protocol")) : NULL;
	int ok = p && !strcmp(p, AR_PROTOCOL);
	if (!ok) {
		if (p)
			snprintf(err, errlen, "the remote speaks %s, not %s", p, AR_PROTOCOL);
		else
			snprintf(err, errlen, "the remote did not answer as `rootlens archive "
				 "receive`; it said: %.200s", line);
	}
	json_decref(o);
	return ok ? 0 : DW_EFORMAT;
}
