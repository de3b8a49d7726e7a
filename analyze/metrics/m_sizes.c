/*
 * m_sizes.c - "sizes": message size distributions, RSSAC002v3 section 2.3
 * ("udp-request-sizes", "udp-response-sizes", "tcp-request-sizes",
 * "tcp-response-sizes"). The size is the DNS message's length on the wire
 * (o->pkt->wire_len: without the TCP length prefix, and the real length of
 * a UDP datagram that snaplen cut). Bins are 16 bytes wide, "0-15",
 * "16-31", ...; requests end with the open bin "288-", responses with
 * "4096-", as RSSAC002 has it. Signed zones make responses larger, so
 * this is where DNSSEC shows first.
 *
 * Bins are listed in ascending order, empty ones left out, and the maps
 * are never cut: a histogram with a hole in it would mislead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metric.h"

#define BIN 16
#define REQ_OPEN 288   /* RSSAC002v3 2.3: requests, last bin "288-" */
#define RESP_OPEN 4096 /* responses, last bin "4096-" */
#define REQ_BINS (REQ_OPEN / BIN + 1)
#define RESP_BINS (RESP_OPEN / BIN + 1)

typedef struct sizes {
	uint64_t req[2][REQ_BINS];   /* [0 udp, 1 tcp][bin] */
	uint64_t resp[2][RESP_BINS];
} sizes_t;

/* Map keys in the order of the state: [qr][tr]. */
static const char *const map_key[2][2] = {
	{ "udp-request-sizes", "tcp-request-sizes" },
	{ "udp-response-sizes", "tcp-response-sizes" },
};

static uint64_t *bins(sizes_t *s, unsigned qr, unsigned tr, unsigned *n)
{
	*n = qr ? RESP_BINS : REQ_BINS;
	return qr ? s->resp[tr] : s->req[tr];
}

static int sizes_init(void *st, const an_cfg_t *cfg)
{
	(void)st;
	(void)cfg;
	return 0;
}

static void sizes_observe(void *st, const an_obs_t *o)
{
	sizes_t *s = st;
	size_t len = o->pkt->wire_len;
	unsigned tr = o->tr & 1;
	if (o->msg->qr) {
		size_t b = len >= RESP_OPEN ? RESP_BINS - 1 : len / BIN;
		s->resp[tr][b]++;
	} else {
		size_t b = len >= REQ_OPEN ? REQ_BINS - 1 : len / BIN;
		s->req[tr][b]++;
	}
}

static int sizes_merge(void *dst, const void *src)
{
	sizes_t *d = dst;
	const sizes_t *s = src;
	for (unsigned t = 0; t < 2; t++) {
		for (unsigned i = 0; i < REQ_BINS; i++)
			d->req[t][i] += s->req[t][i];
		for (unsigned i = 0; i < RESP_BINS; i++)
			d->resp[t][i] += s->resp[t][i];
	}
	return 0;
}

/* "lo-hi" for closed bins, "lo-" for the last (open) one. */
static void bin_name(unsigned i, unsigned n, char buf[24])
{
	if (i == n - 1)
		snprintf(buf, 24, "%u-", i * BIN);
	else
		snprintf(buf, 24, "%u-%u", i * BIN, i * BIN + BIN - 1);
}

static int sizes_emit(const void *st, json_t *figures)
{
	const sizes_t *s = st;
	json_t *all = json_object();
	if (all == NULL || json_object_set_new(figures, "sizes", all) < 0)
		return DW_ENOMEM;
	/* RSSAC002's order: udp requests, udp responses, tcp ... */
	for (unsigned tr = 0; tr < 2; tr++)
		for (unsigned qr = 0; qr < 2; qr++) {
			unsigned n = qr ? RESP_BINS : REQ_BINS;
			const uint64_t *c = qr ? s->resp[tr] : s->req[tr];
			json_t *m = json_object();
			if (m == NULL || json_object_set_new(all, map_key[qr][tr], m) < 0)
				return DW_ENOMEM;
			for (unsigned i = 0; i < n; i++) {
				char name[24];
				if (c[i] == 0)
					continue;
				bin_name(i, n, name);
				if (an_json_set_u64(m, name, c[i]) < 0)
					return DW_ENOMEM;
			}
		}
	return 0;
}

static int sizes_save(const void *st, json_t *sketch)
{
	(void)st;
	(void)sketch;
	return 0;
}

/* A key must be exactly a bin name of its map: "lo-hi" or the open "lo-". */
static int bin_index(const char *key, unsigned n, unsigned *idx)
{
	char *end;
	if (key[0] < '0' || key[0] > '9')
		return -1;
	unsigned long lo = strtoul(key, &end, 10);
	if (lo % BIN != 0 || lo / BIN >= n)
		return -1;
	char want[24];
	bin_name((unsigned)(lo / BIN), n, want);
	if (strcmp(key, want) != 0)
		return -1;
	*idx = (unsigned)(lo / BIN);
	return 0;
}

static int sizes_load(void *st, const json_t *figures, const json_t *sketch)
{
	sizes_t *s = st;
	(void)sketch;
	const json_t *all = json_object_get(figures, "sizes");
	if (all == NULL)
		return 0;
	if (!json_is_object(all))
		return DW_EFORMAT;
	for (unsigned qr = 0; qr < 2; qr++)
		for (unsigned tr = 0; tr < 2; tr++) {
			json_t *m = json_object_get(all, map_key[qr][tr]);
			if (m == NULL)
				continue;
			if (!json_is_object(m))
				return DW_EFORMAT;
			unsigned n, i;
			uint64_t *c = bins(s, qr, tr, &n);
			const char *key;
			json_t *val;
			json_object_foreach(m, key, val) {
				if (bin_index(key, n, &i) < 0 || !json_is_integer(val) ||
				    json_integer_value(val) < 0)
					return DW_EFORMAT;
				c[i] += (uint64_t)json_integer_value(val);
			}
		}
	return 0;
}

static void sizes_fini(void *st)
{
	(void)st;
}

const metric_ops_t m_sizes = {
	.name = "sizes",
	.size = sizeof(sizes_t),
	.init = sizes_init,
	.observe = sizes_observe,
	.merge = sizes_merge,
	.emit = sizes_emit,
	.save = sizes_save,
	.load = sizes_load,
	.fini = sizes_fini,
	/* counters: merge is exact, observe the same in both scopes */
	.fold_into_total = 1,
};
