/*
 * manifest.c - build and write a capture file's manifest (manifest.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "manifest.h"
#include "rootlens/common.h"

static const char *const close_names[] = { "rotation", "window end", "signal", "hup", "error" };

void mf_time(int64_t sec, uint32_t usec, char buf[64])
{
	char t[RL_TIME_STRMAX];
	rl_time_iso8601(sec, t);
	size_t n = strlen(t);
	if (usec && n > 1 && t[n - 1] == 'Z') {
		t[n - 1] = '\0';
		snprintf(buf, 64, "%s.%06uZ", t, (unsigned)usec);
	} else {
		snprintf(buf, 64, "%s", t);
	}
}

/* Packet times always carry six digits, as tshark and pcap hold them. */
static json_t *pkt_time(int64_t sec, uint32_t usec)
{
	char t[RL_TIME_STRMAX], buf[64];
	rl_time_iso8601(sec, t);
	size_t n = strlen(t);
	if (n > 1 && t[n - 1] == 'Z')
		t[n - 1] = '\0';
	snprintf(buf, sizeof(buf), "%s.%06uZ", t, (unsigned)usec);
	return json_string(buf);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *time_obj(int64_t sec, uint32_t usec)
{
	char buf[64];
	mf_time(sec, usec, buf);
	return json_string(buf);
}

json_t *mf_build(const wr_config_t *cfg, const mf_file_t *f)
{
	json_t *o = json_object();
	json_t *ifs = json_array();
	json_t *members = json_array();
	if (!o || !ifs || !members) {
		json_decref(o);
		json_decref(ifs);
		json_decref(members);
		return NULL;
	}
	for (int i = 0; i < cfg->ninterfaces; i++)
		json_array_append_new(ifs, json_string(cfg->interfaces[i]));

	int64_t fs = 0, ls = 0;
	uint32_t fu = 0, lu = 0;
	int have = gzf_first_last(f->gz, &fs, &fu, &ls, &lu);
	char sha[65];
	gzf_sha256_hex(f->gz, sha);

	json_object_set_new(o, "schema", json_string(MANIFEST_SCHEMA));
	json_object_set_new(o, "server", json_string(cfg->server));
	json_object_set_new(o, "instance", json_string(cfg->instance));
	json_object_set_new(o, "phase", str_or_null(cfg->phase));
	json_object_set_new(o, "host", json_string(cfg->host));
	json_object_set_new(o, "rootlens_version", json_string(RL_VERSION));
	json_object_set_new(o, "interfaces", ifs);
	json_object_set_new(o, "linktype", json_integer(cfg->linktype));
	json_object_set_new(o, "snaplen", json_integer(cfg->snaplen));
	json_object_set_new(o, "filter", json_string(cfg->filter));
	json_t *period = json_object();
	json_object_set_new(period, "start", time_obj(f->start_sec, f->start_usec));
	json_object_set_new(period, "end", time_obj(f->end_sec, f->end_usec));
	json_object_set_new(o, "period", period);
	json_object_set_new(o, "first_packet", have ? pkt_time(fs, fu) : json_null());
	json_object_set_new(o, "last_packet", have ? pkt_time(ls, lu) : json_null());
	json_object_set_new(o, "packets", json_integer((json_int_t)gzf_packets(f->gz)));
	json_object_set_new(o, "bytes_captured", json_integer((json_int_t)gzf_bytes_captured(f->gz)));
	json_object_set_new(o, "file_bytes", json_integer((json_int_t)gzf_file_bytes(f->gz)));
	json_t *drops = json_object();
	json_object_set_new(drops, "kernel", json_integer((json_int_t)f->drops.kernel));
	json_object_set_new(drops, "interface", json_integer((json_int_t)f->drops.interface));
	json_object_set_new(drops, "application", json_integer((json_int_t)f->drops.application));
	json_object_set_new(drops, "anonymizer", json_integer((json_int_t)f->drops.anonymizer));
	json_object_set_new(o, "drops", drops);
	json_object_set_new(o, "gzip_engine", json_string(cfg->gzip_engine == GZF_ISAL ? "isal" : "zlib"));
	json_object_set_new(o, "gzip_level", json_integer(cfg->gzip_level));
	json_object_set_new(o, "flush", json_real(cfg->flush));
	json_object_set_new(o, "anonymization", str_or_null(cfg->anonymization));
	json_object_set_new(o, "sha256", json_string(sha));
	json_object_set_new(o, "error", str_or_null(f->error));
	if (f->error)
		json_object_set_new(o, "lost_on_error", json_integer((json_int_t)f->lost_on_error));
	json_object_set_new(o, "closed_by", json_string(close_names[f->closed_by]));

	size_t n;
	const gzf_member_t *m = gzf_members(f->gz, &n);
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_object();
		json_object_set_new(e, "offset", json_integer((json_int_t)m[i].offset));
		json_object_set_new(e, "first_packet",
				    m[i].packets ? pkt_time(m[i].first_sec, m[i].first_usec)
						 : json_null());
		json_object_set_new(e, "packets", json_integer((json_int_t)m[i].packets));
		json_array_append_new(members, e);
	}
	json_object_set_new(o, "members", members);
	return o;
}

int mf_write(int dirfd, const char *name, const json_t *doc)
{
	char tmp[512];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", name) >= (int)sizeof(tmp))
		return ENAMETOOLONG;
	char *text = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	if (!text)
		return ENOMEM;
	int e = 0;
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		e = errno;
		free(text);
		return e;
	}
	size_t len = strlen(text);
	const char *p = text;
	size_t left = len;
	while (left && !e) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			e = w < 0 ? errno : EIO;
		else {
			p += w;
			left -= (size_t)w;
		}
	}
	if (!e && write(fd, "\n", 1) != 1)
		e = errno ? errno : EIO;
	if (!e && fsync(fd) != 0)
		e = errno;
	if (close(fd) != 0 && !e)
		e = errno;
	free(text);
	if (!e && renameat(dirfd, tmp, dirfd, name) != 0)
		e = errno;
	if (e) {
		unlinkat(dirfd, tmp, 0);
		return e;
	}
	return fsync(dirfd) != 0 ? errno : 0;
}
