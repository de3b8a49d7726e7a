/*
 * engine.c - DNS messages in, the rootlens.stats/1 body out.
 *
 * The engine keeps one state set for the whole run and two for the open
 * intervals: the current one and the one before it. Two, because captures
 * are nearly but not exactly in time order (TCP messages take the time of
 * the segment that completed them, pcapng interfaces interleave): a
 * message a little behind the clock still lands in its own interval. Older
 * messages go into the older open interval and are counted as late, so
 * the series stays a function of one pass with bounded state.
 *
 * When a message opens a newer interval, the older open one is closed: its
 * figures and sketch are appended to the series and its states are reset
 * in place (fini + init), so the allocation happens per interval, never
 * per message.
 *
 * Each message is counted once per metric where that is enough: metrics
 * whose merge is exact (fold_into_total, metric.h: the counters) see it in
 * their interval state only, which is merged into the whole-run state as
 * the interval closes; the others see it in both scopes, through
 * observe2() when they have one (one look-up or hash for both).
 */
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "tld_table.h"
#include "rootlens/common.h"

#define SET_ALIGN 64 /* a cache line: each metric's state starts on its own */

const char *const an_reasm_keys[] = {
	"ip_fragments_reassembled", "ip_fragments_evicted", "ip_fragments_timeout",
	"ip_fragments_bad", "tcp_flows", "tcp_flows_evicted", "tcp_flows_timeout",
	"tcp_gaps", "tcp_overflow", "tcp_partial_at_end", NULL,
};
#define N_REASM 10

/* One metric's share of a message (an_engine_observe): two(a, b) when
 * set, else one(a) and, with b, one(b). */
typedef struct obs_step {
	void (*one)(void *st, const an_obs_t *o);
	void (*two)(void *a, void *b, const an_obs_t *o);
	void *a, *b;
} obs_step_t;

struct an_engine {
	/* The states keep pointers to these: they live as long as the engine. */
	an_cfg_t cfg_total, cfg_interval;
	an_set_t total;
	an_set_t iv[2];        /* the open intervals; cur indexes the newer */
	int64_t iv_start[2];
	int iv_open[2];
	uint64_t iv_nohdr[2];  /* messages without a header, per interval */
	unsigned cur;
	int64_t first, last;   /* first and last interval start seen */
	int have_first;
	json_t *series, *sk_series;
	uint64_t nohdr, late;
	/* feed counters (an_engine_add_feed) */
	uint64_t packets, unsupported_link;
	uint64_t skipped[NL_SKIP__COUNT];
	uint64_t reasm[N_REASM];
	int err;               /* first failure while closing an interval */
	char tld[DW_NAME_STRMAX];
	uint8_t lower[256];    /* plain_lower() of every byte */
	/* per open interval slot, what each metric does with a message; valid
	 * while that slot's set is whole (the state pointers never move) */
	obs_step_t plan[2][AN_MAX_METRICS];
};

void an_cfg_default(an_cfg_t *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->interval_s = 60;
	cfg->v4_prefix = 24;
	cfg->v6_prefix = 48;
	cfg->topk = 20;
	cfg->topk_interval = 10;
	cfg->ss_total = 4096;
	cfg->ss_interval = 128;
	cfg->hll_p_total = 14;
	cfg->hll_p_interval = 12;
	cfg->map_topk_interval = 20;
	cfg->tld_other_cap = 1000;
	cfg->tld_other_cap_interval = 100;
	cfg->scope = AN_SCOPE_TOTAL;
	cfg->asn = NULL;
	an_flag_rules_default(&cfg->flag);
	cfg->flag_set = 0; /* an_merge(): the partials' rules */
}

/*
 * Bytes a TLD label shows as themselves in presentation form (dw_name_tld:
 * 0x21..0x7e but the RFC 1035 5.1 specials), lowercased; 0 for the bytes
 * it escapes. Real TLDs never need an escape, so the engine lowercases
 * and hashes those in one pass and leaves the rest to dw_name_tld.
 */
static uint8_t plain_lower(uint8_t ch)
{
	if (ch < 0x21 || ch > 0x7e)
		return 0;
	switch (ch) {
	case '.': case '\\': case '"': case '(': case ')':
	case ';': case '@': case '$':
		return 0;
	}
	return ch >= 'A' && ch <= 'Z' ? (uint8_t)(ch - 'A' + 'a') : ch;
}

/* ---- state sets ---------------------------------------------------------- */

static size_t round_up(size_t n)
{
	return (n + SET_ALIGN - 1) / SET_ALIGN * SET_ALIGN;
}

static int set_init_states(an_set_t *s)
{
	for (size_t i = 0; i < s->n; i++) {
		int rc = an_metrics[i]->init(s->st[i], s->cfg);
		if (rc < 0)
			return rc;
		s->inited = i + 1;
	}
	return 0;
}

int an_set_init(an_set_t *s, const an_cfg_t *cfg)
{
	size_t n = 0, total = 0;
	int rc;

	memset(s, 0, sizeof(*s));
	while (an_metrics[n])
		n++;
	if (n > AN_MAX_METRICS)
		return DW_EINVAL;
	for (size_t i = 0; i < n; i++)
		total += round_up(an_metrics[i]->size ? an_metrics[i]->size : 1);
	s->mem = aligned_alloc(SET_ALIGN, total ? total : SET_ALIGN);
	if (!s->mem)
		return DW_ENOMEM;
	memset(s->mem, 0, total);
	s->cfg = cfg;
	s->n = n;
	total = 0;
	for (size_t i = 0; i < n; i++) {
		s->st[i] = s->mem + total;
		total += round_up(an_metrics[i]->size ? an_metrics[i]->size : 1);
	}
	if ((rc = set_init_states(s)) < 0) {
		an_set_fini(s);
		return rc;
	}
	return 0;
}

static void set_fini_states(an_set_t *s)
{
	for (size_t i = 0; i < s->inited; i++)
		an_metrics[i]->fini(s->st[i]);
	s->inited = 0;
}

void an_set_fini(an_set_t *s)
{
	if (!s->mem)
		return;
	set_fini_states(s);
	free(s->mem);
	memset(s, 0, sizeof(*s));
}

int an_set_reset(an_set_t *s)
{
	size_t total = 0;
	set_fini_states(s);
	for (size_t i = 0; i < s->n; i++)
		total += round_up(an_metrics[i]->size ? an_metrics[i]->size : 1);
	memset(s->mem, 0, total);
	return set_init_states(s);
}

void an_set_observe(an_set_t *s, const an_obs_t *o)
{
	/* inited, not n: after a failed reset only the states that are whole
	 * are touched (the error is reported by an_engine_finish()). */
	for (size_t i = 0; i < s->inited; i++)
		an_metrics[i]->observe(s->st[i], o);
}

/* A set whose reset failed half-way has states that were never set up:
 * it can still count (an_set_observe) but not be read. */
static int set_whole(const an_set_t *s)
{
	return s->mem && s->inited == s->n ? 0 : DW_ENOMEM;
}

int an_set_merge(an_set_t *dst, const an_set_t *src)
{
	if (set_whole(dst) < 0 || set_whole(src) < 0)
		return DW_ENOMEM;
	for (size_t i = 0; i < dst->n; i++) {
		int rc = an_metrics[i]->merge(dst->st[i], src->st[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int an_set_fold(an_set_t *dst, const an_set_t *src)
{
	if (set_whole(dst) < 0 || set_whole(src) < 0)
		return DW_ENOMEM;
	for (size_t i = 0; i < dst->n; i++) {
		if (!an_metrics[i]->fold_into_total)
			continue;
		int rc = an_metrics[i]->merge(dst->st[i], src->st[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int an_set_emit(const an_set_t *s, json_t *figures)
{
	if (set_whole(s) < 0)
		return DW_ENOMEM;
	for (size_t i = 0; i < s->n; i++) {
		int rc = an_metrics[i]->emit(s->st[i], figures);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int an_set_save(const an_set_t *s, json_t *sketch)
{
	if (set_whole(s) < 0)
		return DW_ENOMEM;
	for (size_t i = 0; i < s->n; i++) {
		json_t *o = json_object();
		if (!o)
			return DW_ENOMEM;
		int rc = an_metrics[i]->save(s->st[i], o);
		if (rc < 0) {
			json_decref(o);
			return rc;
		}
		/* Metrics whose figures are enough leave no empty objects behind. */
		if (json_object_size(o) == 0)
			json_decref(o);
		else if (json_object_set_new(sketch, an_metrics[i]->name, o) < 0)
			return DW_ENOMEM;
	}
	return 0;
}

int an_set_load(an_set_t *s, const json_t *figures, const json_t *sketch,
		const char **which)
{
	json_t *empty = json_object();
	int rc = 0;

	if (set_whole(s) < 0 || !empty) {
		json_decref(empty);
		return DW_ENOMEM;
	}
	for (size_t i = 0; i < s->n && rc == 0; i++) {
		const json_t *sk = sketch ? json_object_get(sketch, an_metrics[i]->name) : NULL;
		/* A metric always gets an object: the empty one when it saved
		 * nothing, so load() needs no NULL case. */
		rc = an_metrics[i]->load(s->st[i], figures, sk ? sk : empty);
		if (rc < 0 && which)
			*which = an_metrics[i]->name;
	}
	json_decref(empty);
	return rc;
}

/* ---- map folding ---------------------------------------------------------- */

int an_fold_count(json_t *figures, const char *map, const char *key, uint64_t n)
{
	json_t *m = json_object_get(figures, map), *out;
	const char *k;
	json_t *v;
	an_kv_t *kv;
	size_t nkv = 0;
	int found = 0;

	if (n == 0)
		return 0;
	if (m && !json_is_object(m))
		return DW_EFORMAT;
	kv = malloc(((m ? json_object_size(m) : 0) + 1) * sizeof(*kv));
	if (!kv)
		return DW_ENOMEM;
	if (m) {
		json_object_foreach(m, k, v) {
			if (!json_is_integer(v) || json_integer_value(v) < 0) {
				free(kv);
				return DW_EFORMAT;
			}
			kv[nkv].key = k;
			kv[nkv].n = (uint64_t)json_integer_value(v);
			if (!strcmp(k, key)) {
				kv[nkv].n += n;
				found = 1;
			}
			nkv++;
		}
	}
	if (!found) {
		kv[nkv].key = key;
		kv[nkv].n = n;
		nkv++;
	}
	out = an_json_map(kv, nkv, 0);
	free(kv);
	if (!out || json_object_set_new(figures, map, out) < 0)
		return DW_ENOMEM;
	return 0;
}

/* ---- the engine ------------------------------------------------------------ */

int an_engine_new(an_engine_t **out, const an_cfg_t *cfg)
{
	an_engine_t *e;
	int rc;

	if (cfg->interval_s == 0 || cfg->v4_prefix < 1 || cfg->v4_prefix > 32 ||
	    cfg->v6_prefix < 1 || cfg->v6_prefix > 128)
		return DW_EINVAL;
	if (!(e = calloc(1, sizeof(*e))))
		return DW_ENOMEM;
	e->cfg_total = *cfg;
	e->cfg_total.scope = AN_SCOPE_TOTAL;
	e->cfg_interval = *cfg;
	e->cfg_interval.scope = AN_SCOPE_INTERVAL;
	for (unsigned c = 0; c < 256; c++)
		e->lower[c] = plain_lower((uint8_t)c);
	e->series = json_array();
	e->sk_series = json_array();
	if (!e->series || !e->sk_series) {
		rc = DW_ENOMEM;
		goto fail;
	}
	if ((rc = an_set_init(&e->total, &e->cfg_total)) < 0 ||
	    (rc = an_set_init(&e->iv[0], &e->cfg_interval)) < 0 ||
	    (rc = an_set_init(&e->iv[1], &e->cfg_interval)) < 0)
		goto fail;
	for (unsigned i = 0; i < 2; i++)
		for (size_t k = 0; k < e->total.n; k++) {
			const metric_ops_t *m = an_metrics[k];
			obs_step_t *p = &e->plan[i][k];
			if (m->fold_into_total) {
				p->one = m->observe;
				p->a = e->iv[i].st[k];
			} else if (m->observe2) {
				p->two = m->observe2;
				p->a = e->total.st[k];
				p->b = e->iv[i].st[k];
			} else {
				p->one = m->observe;
				p->a = e->total.st[k];
				p->b = e->iv[i].st[k];
			}
		}
	*out = e;
	return 0;
fail:
	an_engine_free(e);
	return rc;
}

/* Append interval @p i to the series and reset its states for reuse. */
static int close_interval(an_engine_t *e, unsigned i)
{
	char ts[RL_TIME_STRMAX];
	json_t *fig = json_object(), *sk = json_object();
	int rc = DW_ENOMEM;

	e->iv_open[i] = 0;
	/* The whole run's share of the metrics that fold (metric.h). */
	if ((rc = an_set_fold(&e->total, &e->iv[i])) < 0)
		goto out;
	rc = DW_ENOMEM;
	rl_time_iso8601(e->iv_start[i], ts);
	if (!fig || !sk || json_object_set_new(fig, "start", json_string(ts)) < 0 ||
	    json_object_set_new(sk, "start", json_string(ts)) < 0)
		goto out;
	if ((rc = an_set_emit(&e->iv[i], fig)) < 0 ||
	    (rc = an_fold_count(fig, "malformed", dw_bad_name(DW_BAD_SHORT_HEADER),
				e->iv_nohdr[i])) < 0 ||
	    (rc = an_set_save(&e->iv[i], sk)) < 0)
		goto out;
	rc = DW_ENOMEM;
	if (json_array_append(e->series, fig) < 0 || json_array_append(e->sk_series, sk) < 0)
		goto out;
	rc = an_set_reset(&e->iv[i]);
	e->iv_nohdr[i] = 0;
out:
	json_decref(fig);
	json_decref(sk);
	if (rc < 0 && !e->err)
		e->err = rc;
	return rc;
}

static void open_interval(an_engine_t *e, unsigned i, int64_t start)
{
	e->iv_open[i] = 1;
	e->iv_start[i] = start;
	if (!e->have_first || start < e->first)
		e->first = start;
	if (!e->have_first || start > e->last)
		e->last = start;
	e->have_first = 1;
}

/* Which open interval a message at @p ts belongs in (see the top). */
static unsigned route(an_engine_t *e, int64_t ts)
{
	int64_t iv = e->cfg_total.interval_s;
	unsigned c = e->cur, p = c ^ 1;

	/* Nearly every message: inside the current interval, no division. */
	if (e->iv_open[c] && ts >= e->iv_start[c] &&
	    (uint64_t)ts - (uint64_t)e->iv_start[c] < (uint64_t)iv)
		return c;
	/* floor, also before 1970: intervals stay aligned to the clock */
	int64_t k = (ts >= 0 ? ts / iv : -((-ts + iv - 1) / iv)) * iv;

	if (e->iv_open[c] && k == e->iv_start[c])
		return c;
	if (!e->iv_open[c]) {
		open_interval(e, c, k);
		return c;
	}
	if (k > e->iv_start[c]) {
		if (e->iv_open[p])
			close_interval(e, p);
		open_interval(e, p, k);
		e->cur = p;
		return p;
	}
	if (!e->iv_open[p]) {
		/* Nothing closed yet: the older slot is free for it. */
		open_interval(e, p, k);
		return p;
	}
	if (k != e->iv_start[p])
		e->late++;
	return p;
}

/* The lowercased TLD of @p msg's first QNAME into e->tld, as
 * dw_name_tld() writes it; its length and an_tld_hash() into @p o. */
static void find_tld(an_engine_t *e, const dw_msg_t *msg, an_obs_t *o)
{
	const uint8_t *q = msg->qname;
	size_t n = msg->qname_len, pos = 0, last = 0, lastlen = 0;
	uint32_t h = 0x811C9DC5u; /* an_tld_hash(), FNV-1a 32 */

	/* dw_name_tld's walk: labels while they are normal and whole */
	while (pos < n) {
		size_t l = q[pos];
		if (l == 0 || l > DW_LABEL_MAXLEN || n - pos - 1 < l)
			break;
		last = pos + 1;
		lastlen = l;
		pos += 1 + l;
	}
	if (lastlen == 0) {
		e->tld[0] = '.';
		e->tld[1] = '\0';
		lastlen = 1;
		h = (h ^ '.') * 0x01000193u;
	} else {
		for (size_t i = 0; i < lastlen; i++) {
			uint8_t c = e->lower[q[last + i]];
			if (c == 0) {
				/* escapes: the general path */
				lastlen = dw_name_tld(q, n, e->tld, sizeof(e->tld));
				h = an_tld_hash(e->tld, lastlen);
				break;
			}
			e->tld[i] = (char)c;
			h = (h ^ c) * 0x01000193u;
		}
		e->tld[lastlen] = '\0';
	}
	o->tld = e->tld;
	o->tld_len = lastlen;
	o->tld_hash = h;
}

void an_engine_observe(an_engine_t *e, const nl_dns_t *pkt, const dw_msg_t *msg)
{
	unsigned i = route(e, pkt->ts_sec);

	if (!msg->have_header) {
		/* Metrics see messages with a header only; these are still
		 * counted, as "malformed": {"short_header": N}. */
		e->nohdr++;
		e->iv_nohdr[i]++;
		return;
	}
	an_obs_t o = {
		.pkt = pkt,
		.msg = msg,
		.tr = pkt->transport == NL_TCP,
		.v6 = pkt->ipver == 6,
		.tld = NULL,
	};
	if (msg->have_question)
		find_tld(e, msg, &o);

	an_set_t *iv = &e->iv[i];
	if (iv->inited == e->total.n) {
		const obs_step_t *p = e->plan[i];
		for (size_t k = 0; k < e->total.n; k++, p++) {
			if (p->two) {
				p->two(p->a, p->b, &o);
			} else {
				p->one(p->a, &o);
				if (p->b)
					p->one(p->b, &o);
			}
		}
		return;
	}
	/* After a failed reset only the states that are whole are touched
	 * (the error is reported by an_engine_finish()). The whole-run set
	 * is never reset, so all its states are whole. */
	for (size_t k = 0; k < e->total.inited; k++) {
		const metric_ops_t *m = an_metrics[k];
		if (k >= iv->inited) {
			if (!m->fold_into_total)
				m->observe(e->total.st[k], &o);
		} else if (m->fold_into_total) {
			m->observe(iv->st[k], &o);
		} else if (m->observe2) {
			m->observe2(e->total.st[k], iv->st[k], &o);
		} else {
			m->observe(e->total.st[k], &o);
			m->observe(iv->st[k], &o);
		}
	}
}

void an_engine_add_feed(an_engine_t *e, const rl_feed_stats_t *st)
{
	const nl_stats_t *n = &st->net;

	/* Messages, queries and malformed messages are counted by the metrics
	 * from the messages themselves; only what never became a message is
	 * taken from the feed. */
	e->packets += st->packets;
	e->unsupported_link += st->unsupported_link;
	for (int i = 0; i < NL_SKIP__COUNT; i++)
		e->skipped[i] += n->skipped[i];
	const uint64_t r[N_REASM] = {
		n->frag_datagrams, n->frag_evicted, n->frag_timeout, n->frag_bad,
		n->tcp_flows, n->tcp_evicted, n->tcp_timeout, n->tcp_gap,
		n->tcp_overflow, n->tcp_partial_at_end,
	};
	for (int i = 0; i < N_REASM; i++)
		e->reasm[i] += r[i];
}

static int emit_extras(const an_engine_t *e, json_t *fig)
{
	an_kv_t kv[NL_SKIP__COUNT + 1];
	size_t n = 0;
	json_t *m;

	for (int i = 0; i < NL_SKIP__COUNT; i++)
		if (e->skipped[i]) {
			kv[n].key = nl_skip_name((nl_skip_t)i);
			kv[n++].n = e->skipped[i];
		}
	if (e->unsupported_link) {
		kv[n].key = "unsupported_link";
		kv[n++].n = e->unsupported_link;
	}
	if (an_json_set_u64(fig, "packets", e->packets) < 0 || !(m = an_json_map(kv, n, 0)) ||
	    json_object_set_new(fig, "packets_without_dns", m) < 0)
		return DW_ENOMEM;
	if (!(m = json_object()) || json_object_set_new(fig, "reassembly", m) < 0)
		return DW_ENOMEM;
	for (int i = 0; i < N_REASM; i++)
		if (an_json_set_u64(m, an_reasm_keys[i], e->reasm[i]) < 0)
			return DW_ENOMEM;
	return an_json_set_u64(fig, "late_messages", e->late);
}

static json_t *time_or_null(int have, int64_t t)
{
	char buf[RL_TIME_STRMAX];
	return have ? json_string(rl_time_iso8601(t, buf)) : json_null();
}

json_t *an_engine_finish(an_engine_t *e)
{
	unsigned c = e->cur, p = c ^ 1;
	json_t *doc = NULL, *tot = NULL, *sk = NULL, *skt = NULL;

	/* The older first: the series stays in time order. */
	if (e->iv_open[p])
		close_interval(e, p);
	if (e->iv_open[c])
		close_interval(e, c);
	if (e->err)
		return NULL;
	if (!(doc = json_object()) || !(tot = json_object()) || !(sk = json_object()) ||
	    !(skt = json_object()))
		goto fail;
	if (an_set_emit(&e->total, tot) < 0 ||
	    an_fold_count(tot, "malformed", dw_bad_name(DW_BAD_SHORT_HEADER), e->nohdr) < 0 ||
	    emit_extras(e, tot) < 0 || an_set_save(&e->total, skt) < 0)
		goto fail;
	/* json_object_set_new() takes the reference even when it fails:
	 * each pointer is dropped as soon as it is handed over. */
	if (an_json_set_u64(doc, "interval", e->cfg_total.interval_s) < 0 ||
	    json_object_set_new(doc, "start", time_or_null(e->have_first, e->first)) < 0 ||
	    json_object_set_new(doc, "end", time_or_null(e->have_first,
			e->last + (int64_t)e->cfg_total.interval_s)) < 0)
		goto fail;
	int bad = json_object_set_new(doc, "totals", tot) < 0;
	tot = NULL;
	if (bad || json_object_set(doc, "series", e->series) < 0)
		goto fail;
	bad = json_object_set_new(sk, "totals", skt) < 0;
	skt = NULL;
	if (bad || json_object_set(sk, "series", e->sk_series) < 0)
		goto fail;
	bad = json_object_set_new(doc, "sketch", sk) < 0;
	sk = NULL;
	if (bad)
		goto fail;
	return doc;
fail:
	json_decref(doc);
	json_decref(tot);
	json_decref(sk);
	json_decref(skt);
	return NULL;
}

void an_engine_free(an_engine_t *e)
{
	if (!e)
		return;
	an_set_fini(&e->total);
	an_set_fini(&e->iv[0]);
	an_set_fini(&e->iv[1]);
	json_decref(e->series);
	json_decref(e->sk_series);
	free(e);
}
