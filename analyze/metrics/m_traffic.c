/*
 * m_traffic.c - "messages", "tcp_udp_query_ratio_pct", "tc_responses".
 *
 * Messages by direction (QR bit, RFC 1035 4.1.1), transport and IP
 * version. The TCP/UDP query ratio is the figure the 2010 root signing
 * watched (it peaked near 0.6 %): resolvers that get TC=1 (RFC 1035
 * 4.2.1, RFC 7766) retry over TCP, so tc_responses is counted beside it.
 */
#include <string.h>

#include "metric.h"

typedef struct traffic {
	uint64_t n[2][2][2]; /* [qr][0 udp, 1 tcp][0 IPv4, 1 IPv6] */
	uint64_t tc;         /* responses with TC=1 */
} traffic_t;

static const char *const dir_key[2] = { "queries", "responses" };
static const char *const tr_key[2] = { "udp", "tcp" };
static const char *const ip_key[2] = { "ipv4", "ipv6" };

static int traffic_init(void *st, const an_cfg_t *cfg)
{
	(void)st;
	(void)cfg;
	return 0;
}

static void traffic_observe(void *st, const an_obs_t *o)
{
	traffic_t *s = st;
	unsigned qr = o->msg->qr ? 1 : 0;
	s->n[qr][o->tr & 1][o->v6 & 1]++;
	if (qr && o->msg->tc)
		s->tc++;
}

static int traffic_merge(void *dst, const void *src)
{
	traffic_t *d = dst;
	const traffic_t *s = src;
	for (unsigned q = 0; q < 2; q++)
		for (unsigned t = 0; t < 2; t++)
			for (unsigned v = 0; v < 2; v++)
				d->n[q][t][v] += s->n[q][t][v];
	d->tc += s->tc;
	return 0;
}

static int traffic_emit(const void *st, json_t *figures)
{
	const traffic_t *s = st;
	json_t *msgs = json_object();
	if (msgs == NULL || json_object_set_new(figures, "messages", msgs) < 0)
		return DW_ENOMEM;
	for (unsigned q = 0; q < 2; q++) {
		json_t *dir = json_object();
		if (dir == NULL || json_object_set_new(msgs, dir_key[q], dir) < 0)
			return DW_ENOMEM;
		for (unsigned t = 0; t < 2; t++) {
			json_t *tr = json_object();
			if (tr == NULL || json_object_set_new(dir, tr_key[t], tr) < 0)
				return DW_ENOMEM;
			for (unsigned v = 0; v < 2; v++)
				if (an_json_set_u64(tr, ip_key[v], s->n[q][t][v]) < 0)
					return DW_ENOMEM;
		}
	}
	uint64_t udp = s->n[0][0][0] + s->n[0][0][1];
	uint64_t tcp = s->n[0][1][0] + s->n[0][1][1];
	if (json_object_set_new(figures, "tcp_udp_query_ratio_pct",
				an_json_pct(tcp, udp)) < 0)
		return DW_ENOMEM;
	return an_json_set_u64(figures, "tc_responses", s->tc);
}

static int traffic_save(const void *st, json_t *sketch)
{
	(void)st;
	(void)sketch;
	return 0;
}

/* The ratio is not read back: it is recomputed from the counters. */
static int traffic_load(void *st, const json_t *figures, const json_t *sketch)
{
	traffic_t *s = st;
	(void)sketch;
	const json_t *msgs = json_object_get(figures, "messages");
	if (msgs != NULL && !json_is_object(msgs))
		return DW_EFORMAT;
	for (unsigned q = 0; q < 2; q++) {
		const json_t *dir = json_object_get(msgs, dir_key[q]);
		if (dir != NULL && !json_is_object(dir))
			return DW_EFORMAT;
		for (unsigned t = 0; t < 2; t++) {
			const json_t *tr = json_object_get(dir, tr_key[t]);
			for (unsigned v = 0; v < 2; v++)
				if (an_json_get_u64(tr, ip_key[v], &s->n[q][t][v]) < 0)
					return DW_EFORMAT;
		}
	}
	return an_json_get_u64(figures, "tc_responses", &s->tc);
}

static void traffic_fini(void *st)
{
	(void)st;
}

const metric_ops_t m_traffic = {
	.name = "traffic",
	.size = sizeof(traffic_t),
	.init = traffic_init,
	.observe = traffic_observe,
	.merge = traffic_merge,
	.emit = traffic_emit,
	.save = traffic_save,
	.load = traffic_load,
	.fini = traffic_fini,
	/* counters: merge is exact, observe the same in both scopes */
	.fold_into_total = 1,
};
