/*
 * manifest.c - reading capture manifests, writing the archive's own
 * (ar_manifest.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ar_manifest.h"
#include "rootlens/common.h"
#include "rootlens/errcode.h"

int ar_time_parse_ns(const char *s, int64_t *ns)
{
	char buf[48];
	int64_t sec;
	uint32_t frac = 0;
	size_t n = strcspn(s, ".");

	if (n >= sizeof(buf) - 2)
		return DW_EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (s[n] == '.') {
		const char *f = s + n + 1;
		size_t digits = strspn(f, "0123456789");
		if (digits == 0 || digits > 9 || strcmp(f + digits, "Z") != 0)
			return DW_EINVAL;
		for (size_t i = 0; i < 9; i++)
			frac = frac * 10 + (uint32_t)(i < digits ? f[i] - '0' : 0);
		strcat(buf, "Z");
	}
	/* rl_time_parse also takes bare dates and epoch seconds; a manifest
	 * time is always a full date and time. */
	if (strlen(buf) != 20 || buf[10] != 'T' || buf[19] != 'Z' || rl_time_parse(buf, &sec) < 0)
		return DW_EINVAL;
	if (sec < -9223372036LL || sec > 9223372035LL)
		return DW_EINVAL;
	*ns = sec * 1000000000LL + (int64_t)frac;
	return 0;
}

void ar_time_format_us(int64_t sec, uint32_t nsec, char buf[48])
{
	char t[RL_TIME_STRMAX];
	rl_time_iso8601(sec, t);
	size_t n = strlen(t);
	if (n > 1 && t[n - 1] == 'Z')
		t[n - 1] = '\0';
	snprintf(buf, 48, "%.30s.%06uZ", t, (unsigned)(nsec / 1000) % 1000000u);
}

void ar_manifest_free(ar_manifest_t *m)
{
	json_decref(m->doc);
	memset(m, 0, sizeof(*m));
}

static int bad(ar_manifest_t *m, char *err, size_t errlen, const char *key, const char *why)
{
	snprintf(err, errlen, "manifest: \"%s\" %s", key, why);
	ar_manifest_free(m);
	return DW_EFORMAT;
}

static int opt_count(ar_manifest_t *m, const char *key, int64_t *v, char *err, size_t errlen)
{
	json_t *j = json_object_get(m->doc, key);
	*v = -1;
	if (!j || json_is_null(j))
		return 0;
	if (!json_is_integer(j) || json_integer_value(j) < 0)
		return bad(m, err, errlen, key, "is not an integer >= 0");
	*v = json_integer_value(j);
	return 0;
}

int ar_manifest_parse(const void *bytes, size_t len, ar_manifest_t *m, char *err,
		      size_t errlen)
{
	json_error_t je;
	json_t *j;

	memset(m, 0, sizeof(*m));
	m->doc = json_loadb(bytes, len, JSON_REJECT_DUPLICATES, &je);
	if (!m->doc) {
		snprintf(err, errlen, "manifest is not JSON (line %d, column %d: %s)", je.line,
			 je.column, je.text);
		return DW_EFORMAT;
	}
	if (!json_is_object(m->doc)) {
		snprintf(err, errlen, "manifest is not a JSON object");
		ar_manifest_free(m);
		return DW_EFORMAT;
	}
	static const char *const names[] = { "server", "instance" };
	for (int i = 0; i < 2; i++) {
		j = json_object_get(m->doc, names[i]);
		if (j && !json_is_string(j))
			return bad(m, err, errlen, names[i], "is not a string");
		*(i ? &m->instance : &m->server) = json_string_value(j);
	}
	j = json_object_get(m->doc, "phase");
	if (j && !json_is_string(j) && !json_is_null(j))
		return bad(m, err, errlen, "phase", "is neither a string nor null");
	m->phase = json_string_value(j);

	j = json_object_get(m->doc, "sha256");
	if (j && !json_is_null(j)) {
		const char *h = json_string_value(j);
		if (!h || strlen(h) != 64 || strspn(h, "0123456789abcdefABCDEF") != 64)
			return bad(m, err, errlen, "sha256", "is not 64 hex digits");
		for (int i = 0; i < 64; i++)
			m->sha256[i] = (char)(h[i] >= 'A' && h[i] <= 'F' ? h[i] - 'A' + 'a' : h[i]);
		m->sha256[64] = '\0';
	}
	if (opt_count(m, "packets", &m->packets, err, errlen) < 0 ||
	    opt_count(m, "file_bytes", &m->file_bytes, err, errlen) < 0)
		return DW_EFORMAT;

	static const char *const times[] = { "first_packet", "last_packet" };
	int have = 0;
	for (int i = 0; i < 2; i++) {
		j = json_object_get(m->doc, times[i]);
		if (!j || json_is_null(j))
			continue;
		const char *t = json_string_value(j);
		int64_t ns;
		if (!t || ar_time_parse_ns(t, &ns) < 0)
			return bad(m, err, errlen, times[i], "is not an ISO 8601 UTC time");
		if (i == 0) {
			m->first_packet = t;
			m->first_ns = ns;
		} else {
			m->last_packet = t;
			m->last_ns = ns;
		}
		have++;
	}
	m->have_time = have == 2;
	if (m->have_time && m->last_ns < m->first_ns)
		return bad(m, err, errlen, "last_packet", "is before first_packet");
	const char *origin = json_string_value(json_object_get(m->doc, "origin"));
	m->archive_made = origin && !strcmp(origin, AR_ORIGIN);
	return 0;
}

int ar_manifest_make(const char *server, const char *instance, const char *phase,
		     const ar_info_t *info, char **out, size_t *len)
{
	json_t *o = json_object();
	char a[48], b[48];
	int bad_ = !o;

	*out = NULL;
	if (info->have_time) {
		ar_time_format_us(info->first_sec, info->first_nsec, a);
		ar_time_format_us(info->last_sec, info->last_nsec, b);
	}
	bad_ |= json_object_set_new(o, "schema", json_string("rootlens.capture/1")) < 0;
	bad_ |= json_object_set_new(o, "origin", json_string(AR_ORIGIN)) < 0;
	bad_ |= json_object_set_new(o, "server", json_string(server)) < 0;
	bad_ |= json_object_set_new(o, "instance", json_string(instance)) < 0;
	bad_ |= json_object_set_new(o, "phase", phase ? json_string(phase) : json_null()) < 0;
	bad_ |= json_object_set_new(o, "format", json_string(info->format ? info->format : "pcap")) < 0;
	bad_ |= json_object_set_new(o, "compression", json_string(info->gzip ? "gzip" : "none")) < 0;
	bad_ |= json_object_set_new(o, "linktype", json_integer(info->linktype)) < 0;
	bad_ |= json_object_set_new(o, "first_packet", info->have_time ? json_string(a) : json_null()) < 0;
	bad_ |= json_object_set_new(o, "last_packet", info->have_time ? json_string(b) : json_null()) < 0;
	bad_ |= json_object_set_new(o, "packets", json_integer((json_int_t)info->packets)) < 0;
	bad_ |= json_object_set_new(o, "file_bytes", json_integer((json_int_t)info->bytes)) < 0;
	bad_ |= json_object_set_new(o, "sha256", json_string(info->sha256)) < 0;
	char *text = bad_ ? NULL : json_dumps(o, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!text)
		return DW_ENOMEM;
	size_t n = strlen(text);
	char *t2 = realloc(text, n + 2);
	if (!t2) {
		free(text);
		return DW_ENOMEM;
	}
	t2[n] = '\n';
	t2[n + 1] = '\0';
	*out = t2;
	*len = n + 1;
	return 0;
}

int ar_read_small(int dirfd, const char *name, size_t max, char **out, size_t *len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	char *buf = NULL;
	size_t have = 0, cap;

	*out = NULL;
	*len = 0;
	if (fd < 0)
		return errno == ENOENT ? DW_ENOENT : DW_EIO;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return DW_EIO;
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return DW_ETOOBIG;
	}
	cap = (size_t)st.st_size + 1;
	if (!(buf = malloc(cap + 1))) {
		close(fd);
		return DW_ENOMEM;
	}
	for (;;) {
		if (have == cap) {
			/* grew since fstat */
			if (cap > max) {
				free(buf);
				close(fd);
				return DW_ETOOBIG;
			}
			char *nb = realloc(buf, cap * 2 + 1);
			if (!nb) {
				free(buf);
				close(fd);
				return DW_ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + have, cap - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			free(buf);
			close(fd);
			errno = e;
			return DW_EIO;
		}
		if (n == 0)
			break;
		have += (size_t)n;
	}
	close(fd);
	if (have > max) {
		free(buf);
		return DW_ETOOBIG;
	}
	buf[have] = '\0';
	*out = buf;
	*len = have;
	return 0;
}
