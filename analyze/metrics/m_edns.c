/*
 * m_edns.c - "edns": EDNS(0) among queries (RFC 6891).
 *
 * The share of queries with the DO bit (RFC 3225) is what tells how much
 * of the traffic would get DNSSEC records once a zone is signed (50-60 %
 * at signed TLDs in 2010); the advertised UDP payload size (OPT CLASS,
 * RFC 6891 6.2.3) tells whether those larger answers fit or fall back to
 * TCP. Version (RFC 6891 6.1.3) shows clients probing beyond EDNS0.
 * Both maps are cut in interval scope; a cut one is saved whole (packed)
 * in the sketch, and load prefers that copy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metric.h"

#define UDPSIZES 65536u

typedef struct edns {
	const an_cfg_t *cfg;
	uint64_t queries;        /* all queries: the DO share's denominator */
	uint64_t opt;            /* queries with an OPT RR */
	uint64_t dobit;          /* ... and DO=1 */
	uint64_t version[256];
	uint64_t version_other;  /* "other" of a cut map read back */
	uint64_t *udp_size;      /* [UDPSIZES]: 512 KiB, so allocated in init */
	uint64_t udp_size_other;
} edns_t;

static int edns_init(void *st, const an_cfg_t *cfg)
{
	edns_t *s = st;
	s->cfg = cfg;
	s->udp_size = calloc(UDPSIZES, sizeof(*s->udp_size));
	return s->udp_size ? 0 : DW_ENOMEM;
}

static void edns_observe(void *st, const an_obs_t *o)
{
	edns_t *s = st;
	const dw_msg_t *m = o->msg;
	if (m->qr)
		return;
	s->queries++;
	if (!m->have_edns)
		return;
	s->opt++;
	if (m->edns_do)
		s->dobit++;
	s->version[m->edns_version]++;
	s->udp_size[m->edns_udpsize]++;
}

static int edns_merge(void *dst, const void *src)
{
	edns_t *d = dst;
	const edns_t *s = src;
	d->queries += s->queries;
	d->opt += s->opt;
	d->dobit += s->dobit;
	for (unsigned i = 0; i < 256; i++)
		d->version[i] += s->version[i];
	d->version_other += s->version_other;
	for (unsigned i = 0; i < UDPSIZES; i++)
		d->udp_size[i] += s->udp_size[i];
	d->udp_size_other += s->udp_size_other;
	return 0;
}

/* The non-zero counters under decimal keys, and "other": into @p figures
 * as a map cut in interval scope (an_json_map), or, with @p sketch, whole
 * into the sketch when the figures cut it (an_map_save). */
static int put_counts(json_t *figures, json_t *sketch, const char *key,
		      const uint64_t *c, unsigned n, uint64_t other, unsigned topk)
{
	size_t used = 0;
	for (unsigned i = 0; i < n; i++)
		used += c[i] != 0;
	an_kv_t *kv = malloc((used + 1) * sizeof(*kv));
	char (*names)[12] = malloc((used + 1) * sizeof(*names));
	int rc = DW_ENOMEM;
	if (kv == NULL || names == NULL)
		goto out;
	size_t k = 0;
	for (unsigned i = 0; i < n; i++) {
		if (c[i] == 0)
			continue;
		snprintf(names[k], sizeof(names[k]), "%u", i);
		kv[k].key = names[k];
		kv[k].n = c[i];
		k++;
	}
	kv[k].key = "other";
	kv[k].n = other;
	if (sketch != NULL) {
		rc = an_map_save(sketch, key, kv, k + 1, topk);
	} else {
		json_t *o = an_json_map(kv, k + 1, topk);
		if (o != NULL && json_object_set_new(figures, key, o) == 0)
			rc = 0;
	}
out:
	free(kv);
	free(names);
	return rc;
}

static unsigned cut_of(const edns_t *s)
{
	return s->cfg->scope == AN_SCOPE_INTERVAL ? s->cfg->map_topk_interval : 0;
}

static int edns_emit(const void *st, json_t *figures)
{
	const edns_t *s = st;
	unsigned topk = cut_of(s);
	json_t *e = json_object();
	if (e == NULL || json_object_set_new(figures, "edns", e) < 0)
		return DW_ENOMEM;
	if (an_json_set_u64(e, "queries", s->opt) < 0 ||
	    an_json_set_u64(e, "do", s->dobit) < 0 ||
	    json_object_set_new(e, "do_share_pct",
				an_json_pct(s->dobit, s->queries)) < 0 ||
	    put_counts(e, NULL, "version", s->version, 256, s->version_other,
		       topk) < 0 ||
	    put_counts(e, NULL, "udp_size", s->udp_size, UDPSIZES,
		       s->udp_size_other, topk) < 0)
		return DW_ENOMEM;
	return 0;
}

/* A per-interval map that the figures cut is kept whole in the sketch, so
 * that merging intervals stays exact (doc/stats-json.md, SKETCH). */
static int edns_save(const void *st, json_t *sketch)
{
	const edns_t *s = st;
	unsigned topk = cut_of(s);
	if (put_counts(NULL, sketch, "version", s->version, 256, s->version_other,
		       topk) < 0 ||
	    put_counts(NULL, sketch, "udp_size", s->udp_size, UDPSIZES,
		       s->udp_size_other, topk) < 0)
		return DW_ENOMEM;
	return 0;
}

/* Keys are decimal numbers below @p n, or "other". */
static int load_counts(json_t *obj, uint64_t *c, unsigned n, uint64_t *other)
{
	if (obj == NULL)
		return 0;
	if (!json_is_object(obj))
		return DW_EFORMAT;
	const char *key;
	json_t *val;
	json_object_foreach(obj, key, val) {
		if (!json_is_integer(val) || json_integer_value(val) < 0)
			return DW_EFORMAT;
		uint64_t v = (uint64_t)json_integer_value(val);
		if (strcmp(key, "other") == 0) {
			*other += v;
			continue;
		}
		char *end;
		if (key[0] < '0' || key[0] > '9')
			return DW_EFORMAT;
		unsigned long i = strtoul(key, &end, 10);
		if (*end != '\0' || i >= n)
			return DW_EFORMAT;
		c[i] += v;
	}
	return 0;
}

/* Map @p key of the edns figures @p e: from the sketch when it kept the
 * full map, else from the figures. */
static int load_one(const json_t *e, const json_t *sketch, const char *key,
		    uint64_t *c, unsigned n, uint64_t *other)
{
	json_t *full;
	int rc = an_map_load(sketch, key, &full);
	if (rc < 0)
		return rc;
	rc = load_counts(full ? full : json_object_get(e, key), c, n, other);
	json_decref(full);
	return rc;
}

/*
 * The DO share's denominator (all queries, with or without OPT) is not
 * among the edns figures; it is the "messages" query total that
 * m_traffic writes beside them (doc/stats-json.md), so read it there.
 */
static int edns_load(void *st, const json_t *figures, const json_t *sketch)
{
	edns_t *s = st;
	const json_t *e = json_object_get(figures, "edns");
	int rc;
	if (e != NULL && !json_is_object(e))
		return DW_EFORMAT;
	if (an_json_get_u64(e, "queries", &s->opt) < 0 ||
	    an_json_get_u64(e, "do", &s->dobit) < 0)
		return DW_EFORMAT;
	if ((rc = load_one(e, sketch, "version", s->version, 256,
			   &s->version_other)) < 0 ||
	    (rc = load_one(e, sketch, "udp_size", s->udp_size, UDPSIZES,
			   &s->udp_size_other)) < 0)
		return rc == DW_ENOMEM ? rc : DW_EFORMAT;
	const json_t *q = json_object_get(json_object_get(figures, "messages"),
					  "queries");
	static const char *const tr[2] = { "udp", "tcp" };
	static const char *const ip[2] = { "ipv4", "ipv6" };
	for (unsigned t = 0; t < 2; t++)
		for (unsigned v = 0; v < 2; v++) {
			uint64_t n;
			if (an_json_get_u64(json_object_get(q, tr[t]), ip[v], &n) < 0)
				return DW_EFORMAT;
			s->queries += n;
		}
	return 0;
}

static void edns_fini(void *st)
{
	edns_t *s = st;
	free(s->udp_size);
	s->udp_size = NULL;
}

const metric_ops_t m_edns = {
	.name = "edns",
	.size = sizeof(edns_t),
	.init = edns_init,
	.observe = edns_observe,
	.merge = edns_merge,
	.emit = edns_emit,
	.save = edns_save,
	.load = edns_load,
	.fini = edns_fini,
	/* counters: merge is exact, observe the same in both scopes */
	.fold_into_total = 1,
};
