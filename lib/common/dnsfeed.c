/*
 * dnsfeed.c - the shared read loop: files -> frames -> DNS messages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rootlens/dnsfeed.h"

#define TICK_EVERY 65536

struct rl_feed {
	nl_decoder_t *dec;
	rl_feed_tick_cb tick;
	void *tick_user;
	cf_tap_t *tap;       /* for files read whole; NULL none */
	/* per-file call context, valid during rl_feed_file() */
	rl_feed_msg_cb cb;
	void *user;
	rl_feed_stats_t *st;
	dw_msg_t msg; /* reused: no allocation per message */
};

int rl_feed_new(rl_feed_t **out, const nl_config_t *cfg)
{
	rl_feed_t *f = calloc(1, sizeof(*f));
	if (!f)
		return DW_ENOMEM;
	int rc = nl_decoder_new(&f->dec, cfg);
	if (rc < 0) {
		free(f);
		return rc;
	}
	*out = f;
	return 0;
}

void rl_feed_set_tick(rl_feed_t *f, rl_feed_tick_cb tick, void *user)
{
	f->tick = tick;
	f->tick_user = user;
}

void rl_feed_set_tap(rl_feed_t *f, cf_tap_t *tap)
{
	f->tap = tap;
}

static void on_payload(const nl_dns_t *pkt, void *user)
{
	rl_feed_t *f = user;
	rl_feed_stats_t *st = f->st;
	dw_msg_t *m = &f->msg;

	dw_msg_parse(m, pkt->payload, pkt->len);
	st->messages[pkt->transport == NL_TCP][pkt->ipver == 6]++;
	if (m->have_header) {
		if (m->qr)
			st->responses++;
		else
			st->queries++;
	}
	if (m->bad != DW_BAD_NONE)
		st->malformed[m->bad]++;
	st->snapped += pkt->snapped;
	if (f->cb)
		f->cb(pkt, m, f->user);
}

/* Counter deltas: the decoder's counters are monotonic over the feed's
 * life; a file's share is the difference across the file. */
/* The decoder's counters are all uint64_t: walked as an array below. */
_Static_assert(sizeof(nl_stats_t) % sizeof(uint64_t) == 0,
	       "nl_stats_t must hold only uint64_t counters");

static void net_delta(nl_stats_t *d, const nl_stats_t *now, const nl_stats_t *before)
{
	const uint64_t *a = (const uint64_t *)now, *b = (const uint64_t *)before;
	uint64_t *o = (uint64_t *)d;
	for (size_t i = 0; i < sizeof(*d) / sizeof(uint64_t); i++)
		o[i] = a[i] - b[i];
}

/* a += b, counter by counter. */
static void net_add(nl_stats_t *a, const nl_stats_t *b)
{
	const uint64_t *s = (const uint64_t *)b;
	uint64_t *o = (uint64_t *)a;
	for (size_t i = 0; i < sizeof(*a) / sizeof(uint64_t); i++)
		o[i] += s[i];
}

int rl_feed_file(rl_feed_t *f, const char *path, rl_feed_msg_cb cb, void *user,
		 rl_feed_stats_t *st, char *err, size_t errlen)
{
	return rl_feed_range(f, path, NULL, 0, UINT64_MAX, cb, user, st, err, errlen);
}

/* Raw bytes of the part read so far. */
static uint64_t part_bytes(const cf_reader_t *r, uint64_t start)
{
	uint64_t off = cf_reader_raw_offset(r);
	return off > start ? off - start : 0;
}

static void drop_payload(const nl_dns_t *pkt, void *user)
{
	(void)pkt;
	(void)user;
}

int rl_feed_warmup(rl_feed_t *f, const char *path, const cf_reader_t *proto, uint64_t start,
		   uint64_t end, uint64_t *packets, char *err, size_t errlen)
{
	cf_reader_t *r = NULL;
	cf_pkt_t p;
	uint64_t n = 0;
	int rc;

	err[0] = '\0';
	if ((rc = cf_reader_open_range(&r, path, proto, start, end, err, errlen)) < 0)
		return rc;
	while ((rc = cf_reader_next(r, &p)) > 0) {
		n++;
		(void)nl_decode(f->dec, p.linktype, p.ts_sec, p.ts_nsec, p.data, p.caplen, p.len,
				drop_payload, NULL);
	}
	if (rc < 0)
		snprintf(err, errlen, "%s", cf_reader_errmsg(r));
	if (packets)
		*packets = n;
	cf_reader_close(r);
	return rc < 0 ? rc : 0;
}

int rl_feed_range(rl_feed_t *f, const char *path, const cf_reader_t *proto, uint64_t start,
		  uint64_t end, rl_feed_msg_cb cb, void *user, rl_feed_stats_t *st,
		  char *err, size_t errlen)
{
	cf_reader_t *r = NULL;
	cf_pkt_t p;
	nl_stats_t before = *nl_decoder_stats(f->dec);
	int rc;

	memset(st, 0, sizeof(*st));
	st->unsupported_linktype = -1;
	err[0] = '\0';
	rc = f->tap && start == 0 && end == UINT64_MAX
		? cf_reader_open_tap(&r, path, f->tap, err, errlen)
		: cf_reader_open_range(&r, path, proto, start, end, err, errlen);
	if (rc < 0)
		return rc;

	f->cb = cb;
	f->user = user;
	f->st = st;
	while ((rc = cf_reader_next(r, &p)) > 0) {
		st->packets++;
		if (nl_decode(f->dec, p.linktype, p.ts_sec, p.ts_nsec, p.data, p.caplen,
			      p.len, on_payload, f) == DW_ELINKTYPE) {
			st->unsupported_link++;
			st->unsupported_linktype = p.linktype;
		}
		if (f->tick && (st->packets % TICK_EVERY) == 0) {
			st->bytes = part_bytes(r, start);
			net_delta(&st->net, nl_decoder_stats(f->dec), &before);
			f->tick(st, f->tick_user);
		}
	}
	if (rc < 0)
		snprintf(err, errlen, "%s", cf_reader_errmsg(r));
	else if (st->unsupported_link) {
		snprintf(err, errlen, "%s: unsupported link type %d (%llu of %llu packets)",
			 path, st->unsupported_linktype,
			 (unsigned long long)st->unsupported_link,
			 (unsigned long long)st->packets);
		rc = DW_ELINKTYPE;
	}
	st->bytes = part_bytes(r, start);
	net_delta(&st->net, nl_decoder_stats(f->dec), &before);
	f->cb = NULL;
	f->st = NULL;
	cf_reader_close(r);
	return rc < 0 ? rc : 0;
}

void rl_feed_finish(rl_feed_t *f, rl_feed_msg_cb cb, void *user, rl_feed_stats_t *st)
{
	nl_stats_t before = *nl_decoder_stats(f->dec), delta;
	/* Held TCP data released now still goes through the parse and the
	 * counts, into the stats of the last file. */
	f->cb = cb;
	f->user = user;
	f->st = st;
	nl_flush(f->dec, on_payload, f);
	f->cb = NULL;
	f->st = NULL;
	net_delta(&delta, nl_decoder_stats(f->dec), &before);
	net_add(&st->net, &delta);
}

void rl_feed_stats_add(rl_feed_stats_t *a, const rl_feed_stats_t *b)
{
	a->packets += b->packets;
	a->bytes += b->bytes;
	for (int t = 0; t < 2; t++)
		for (int v = 0; v < 2; v++)
			a->messages[t][v] += b->messages[t][v];
	a->queries += b->queries;
	a->snapped += b->snapped;
	a->responses += b->responses;
	for (int i = 0; i < DW_BAD__COUNT; i++)
		a->malformed[i] += b->malformed[i];
	net_add(&a->net, &b->net);
	a->unsupported_link += b->unsupported_link;
	if (b->unsupported_linktype >= 0)
		a->unsupported_linktype = b->unsupported_linktype;
}

uint64_t rl_feed_stats_messages(const rl_feed_stats_t *st)
{
	return st->messages[0][0] + st->messages[0][1] + st->messages[1][0] +
	       st->messages[1][1];
}

void rl_feed_free(rl_feed_t *f)
{
	if (!f)
		return;
	nl_decoder_free(f->dec);
	free(f);
}
