/*
 * plots.c - the plot table (plots.h): for each plot, the .dat it draws
 * from and the .gp that draws it.
 *
 * Data files hold the counts as the documents give them (summed where
 * several documents cover one line and interval) next to the values
 * drawn (rates, shares), so a reader can check one against the other and
 * restyle without recomputing. Time columns: the interval start in seconds
 * since the epoch (drawn at the interval's middle, $1 + iv/2) and the
 * same as ISO 8601 text. Several curves in one file are blocks separated
 * by two blank lines (gnuplot's `index`), each headed by a comment naming
 * it.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpwrite.h"
#include "plots.h"
#include "rootlens/common.h"
#include "rootlens/errcode.h"

#define W 1000 /* image width, pixels */
#define H1 500 /* one panel */
#define H2 760 /* two panels, one above the other */
#define LMARGIN "0.09"

static void time_cols(rp_out_t *d, int64_t t)
{
	char ts[RL_TIME_STRMAX];
	rp_out_printf(d, "%lld %s", (long long)t, rl_time_iso8601(t, ts));
}

/* The plot clause separator: "plot " first, ", \\\n     " after. */
static void clause(rp_out_t *g, int *n)
{
	rp_out_puts(g, (*n)++ ? ", \\\n     " : "plot ");
}

static void title_of(rp_out_t *g, const char *label)
{
	rp_out_puts(g, " title ");
	rp_gp_str(g, label, 48);
}

/* The right edge of the plot area (screen fraction) leaving room for a key
 * whose longest title is @p maxlen characters (about 7 pixels each at the
 * 11-point font, plus the line sample and the box). */
static double right_edge(size_t maxlen)
{
	double r = 1.0 - (95.0 + 8.0 * (double)maxlen) / W;
	return r < 0.55 ? 0.55 : r > 0.86 ? 0.86 : r;
}

static void key_at(rp_out_t *g, double r)
{
	rp_out_printf(g, "set key at screen %.3f, graph 1.0 left top\n", r + 0.015);
}

static void two_panels(rp_out_t *g, const char *title, size_t maxlen)
{
	double r = right_edge(maxlen);
	rp_out_puts(g, "set multiplot layout 2,1 title ");
	rp_gp_str(g, title, 200);
	rp_out_printf(g,
		      " font \",13\" margins screen " LMARGIN ", screen %.3f, screen 0.08, "
		      "screen 0.93 spacing screen 0, screen 0.07\nunset title\n",
		      r);
	key_at(g, r);
}

static void one_panel(rp_out_t *g, size_t maxlen)
{
	double r = right_edge(maxlen);
	rp_out_printf(g,
		      "set lmargin at screen " LMARGIN "\nset rmargin at screen %.3f\n"
		      "set tmargin 4\nset title offset 0,1\n",
		      r);
	key_at(g, r);
}

/* The longest line label. */
static size_t line_maxlen(const rp_model_t *m)
{
	size_t n = 0;
	for (size_t i = 0; i < m->nlines; i++)
		if (strlen(m->lines[i].label) > n)
			n = strlen(m->lines[i].label);
	return n > 48 ? 48 : n;
}

/* Whole-number tics when the largest count drawn is small. */
static void count_tics(rp_out_t *g, uint64_t max)
{
	if (max < 8)
		rp_out_puts(g, "set ytics 1\n");
	else
		rp_out_puts(g, "set ytics autofreq\n");
}

/* ---- per-line time series ------------------------------------------------ */

/* A value of one interval of one line; NAN: nothing to draw there. */
typedef double (*line_val_fn)(const rp_point_t *p, int which);

/* Write the points of line @p i as a block: its header, then for each
 * interval @p row writes the columns after the time. An interval missing
 * from the series (a gap between documents, or a quiet interval) leaves a
 * blank line, so that gnuplot does not draw across it. */
typedef void (*row_fn)(rp_out_t *d, const rp_model_t *m, const rp_point_t *p);

static void line_blocks(rp_out_t *d, const rp_model_t *m, row_fn row)
{
	size_t blocks = 0;
	for (size_t i = 0; i < m->nlines; i++) {
		const rp_line_t *l = &m->lines[i];
		if (l->s.n == 0)
			continue;
		if (blocks++ > 0)
			rp_out_puts(d, "\n\n");
		rp_out_printf(d, "# block %zu: line ", blocks - 1);
		rp_dat_str(d, l->label);
		rp_out_puts(d, "\n");
		for (size_t j = 0; j < l->s.n; j++) {
			if (j > 0 && l->s.p[j].t - l->s.p[j - 1].t > m->interval)
				rp_out_puts(d, "\n");
			time_cols(d, l->s.p[j].t);
			row(d, m, &l->s.p[j]);
			rp_out_puts(d, "\n");
		}
	}
}

/* Which lines have a finite value of @p fn(which) somewhere. */
static int line_has(const rp_line_t *l, line_val_fn fn, int which)
{
	for (size_t j = 0; j < l->s.n; j++)
		if (isfinite(fn(&l->s.p[j], which)))
			return 1;
	return 0;
}

/* One panel of per-line series: column @p col of each line's block.
 * Panel @p k of @p npanels: the key on the first only, the x label on
 * the last only. @return the lines drawn (0: a "no data" panel). */
static int line_panel(rp_out_t *g, const rp_model_t *m, const char *dat, int col, line_val_fn fn,
		      int which, int k, int npanels, const char *ylabel, const char *yrange,
		      const char *nothing, size_t *left_out)
{
	int n = 0;
	size_t block = 0;

	if (k > 0)
		rp_out_puts(g, "unset key\n");
	rp_out_puts(g, "set ylabel ");
	rp_gp_str(g, ylabel, 0);
	rp_out_puts(g, "\n");
	if (m->all.n == 0) {
		rp_gp_nodata(g, "no data: the documents have no series");
		return 0;
	}
	rp_gp_time_axis(g, m);
	if (k < npanels - 1)
		rp_out_puts(g, "unset xlabel\n");
	/* all values zero: gnuplot would warn about an empty y range */
	double max = 0;
	for (size_t i = 0; i < m->nlines; i++)
		for (size_t j = 0; j < m->lines[i].s.n; j++) {
			double v = fn(&m->lines[i].s.p[j], which);
			if (isfinite(v) && v > max)
				max = v;
		}
	rp_out_printf(g, "set yrange %s\n",
		      max <= 0 && !strcmp(yrange, "[0:*]") ? "[0:1]" : yrange);
	for (size_t i = 0; i < m->nlines; i++) {
		const rp_line_t *l = &m->lines[i];
		if (l->s.n == 0)
			continue;
		if (line_has(l, fn, which)) {
			clause(g, &n);
			rp_out_printf(g, "'%s' index %zu using ($1+iv/2.0):%d with %s lt %d", dat,
				      block, col, rp_gp_with(m), rp_gp_lt(i));
			title_of(g, l->label);
		} else if (left_out) {
			(*left_out)++;
		}
		block++;
	}
	if (n) {
		rp_out_puts(g, "\n");
	} else {
		rp_gp_time_axis_off(g, m);
		rp_gp_nodata(g, nothing);
	}
	return n;
}

static double v_tcp_pct(const rp_point_t *p, int which)
{
	(void)which;
	return rp_fig_tcp_pct(&p->f);
}

static double v_rate(const rp_point_t *p, int which)
{
	return (double)(p->f.q[which][0] + p->f.q[which][1]);
}

static double v_sources(const rp_point_t *p, int which)
{
	return (double)p->f.us[which];
}

static double v_share(const rp_point_t *p, int which)
{
	return rp_fig_pct(&p->f, which ? p->f.dobit : p->f.edns);
}

static void note_left_out(rp_plotinfo_t *info, size_t n, const char *why)
{
	if (n == 0)
		return;
	size_t len = strlen(info->note);
	snprintf(info->note + len, sizeof(info->note) - len, "%s%zu line%s without %s not drawn.",
		 len ? " " : "", n, n == 1 ? "" : "s", why);
}

static void row_tcp(rp_out_t *d, const rp_model_t *m, const rp_point_t *p)
{
	const rp_fig_t *f = &p->f;
	(void)m;
	rp_out_printf(d, " %llu %llu ", (unsigned long long)(f->q[RP_UDP][0] + f->q[RP_UDP][1]),
		      (unsigned long long)(f->q[RP_TCP][0] + f->q[RP_TCP][1]));
	rp_dat_num(d, rp_fig_tcp_pct(f));
}

static int p_tcp_share(const rp_model_t *m, const rp_opts_t *o, rp_out_t *d, rp_out_t *g,
		       rp_plotinfo_t *info)
{
	size_t left = 0;
	(void)o;
	rp_dat_header(d, "tcp_share.dat", "TCP queries as a percentage of UDP queries, per line");
	rp_out_puts(d, "# tcp_pct_of_udp: NaN without UDP queries\n"
		       "# columns: t_start time udp_queries tcp_queries tcp_pct_of_udp\n");
	line_blocks(d, m, row_tcp);
	rp_gp_begin(g, m, "tcp_share", "TCP queries as % of UDP queries",
		    "TCP queries as a percentage of UDP queries, per line", W, H1);
	one_panel(g, line_maxlen(m));
	rp_out_puts(g, "set yrange [0:*]\nset offsets 0, 0, graph 0.1, 0\n");
	info->empty = line_panel(g, m, "tcp_share.dat", 5, v_tcp_pct, 0, 0, 1,
				 "TCP queries (% of UDP queries)", "[0:*]",
				 "no data: no UDP queries in any interval", &left) == 0;
	note_left_out(info, left, "UDP queries");
	rp_gp_end(g);
	return 0;
}

static void row_rate(rp_out_t *d, const rp_model_t *m, const rp_point_t *p)
{
	const rp_fig_t *f = &p->f;
	rp_out_printf(d, " %llu %llu %llu %llu ", (unsigned long long)f->q[0][0],
		      (unsigned long long)f->q[0][1], (unsigned long long)f->q[1][0],
		      (unsigned long long)f->q[1][1]);
	rp_dat_num(d, (double)(f->q[0][0] + f->q[0][1]) / (double)m->interval);
	rp_out_puts(d, " ");
	rp_dat_num(d, (double)(f->q[1][0] + f->q[1][1]) / (double)m->interval);
}

static int p_query_rate(const rp_model_t *m, const rp_opts_t *o, rp_out_t *d, rp_out_t *g,
			rp_plotinfo_t *info)
{
	static const char *const panel[2] = { "UDP queries/s", "TCP queries/s" };
	(void)o;
	rp_dat_header(d, "query_rate.dat", "queries per interval and per second, per line");
	rp_out_puts(d, "# columns: t_start time udp_ipv4 udp_ipv6 tcp_ipv4 tcp_ipv6 "
		       "udp_per_s tcp_per_s\n");
	line_blocks(d, m, row_rate);
	rp_gp_begin(g, m, "query_rate", "Queries per second, UDP and TCP",
		    "query rate per line, UDP (top) and TCP (bottom)", W, H2);
	two_panels(g, "Queries per second, UDP (top) and TCP (bottom)", line_maxlen(m));
	rp_out_puts(g, "set yrange [0:*]\nset offsets 0, 0, graph 0.1, 0\n");
	info->empty = 1;
	for (int t = 0; t < 2; t++) {
		if (line_panel(g, m, "query_rate.dat", 7 + t, v_rate, t, t, 2, panel[t], "[0:*]",
			       "no data", NULL))
			info->empty = 0;
	}
	rp_out_puts(g, "unset multiplot\n");
	rp_gp_end(g);
	return 0;
}

static void row_share(rp_out_t *d, const rp_model_t *m, const rp_point_t *p)
{
	const rp_fig_t *f = &p->f;
	(void)m;
	rp_out_printf(d, " %llu %llu %llu ", (unsigned long long)rp_fig_queries(f),
		      (unsigned long long)f->edns, (unsigned long long)f->dobit);
	rp_dat_num(d, rp_fig_pct(f, f->edns));
	rp_out_puts(d, " ");
	rp_dat_num(d, rp_fig_pct(f, f->dobit));
}

static int p_edns_do(const rp_model_t *m, const rp_opts_t *o, rp_out_t *d, rp_out_t *g,
		     rp_plotinfo_t *info)
{
	static const char *const panel[2] = { "queries with EDNS (%)", "queries with DO (%)" };
	(void)o;
	rp_dat_header(d, "edns_do.dat", "EDNS and DO shares of queries, per line");
	rp_out_puts(d, "# edns_pct, do_pct: NaN without queries\n"
		       "# columns: t_start time queries edns do edns_pct do_pct\n");
	line_blocks(d, m, row_share);
	rp_gp_begin(g, m, "edns_do", "EDNS and DO-bit share of queries",
		    "EDNS share (top) and DO share (bottom) of queries, per line", W, H2);
	two_panels(g, "Queries with EDNS (top) and with the DO bit (bottom)", line_maxlen(m));
	rp_out_puts(g, "set yrange [0:105]\nset ytics 0,20,100\n");
	info->empty = 1;
	for (int k = 0; k < 2; k++)
		if (line_panel(g, m, "edns_do.dat", 6 + k, v_share, k, k, 2, panel[k], "[0:105]",
			       "no data: no queries", NULL))
			info->empty = 0;
	rp_out_puts(g, "unset multiplot\n");
	rp_gp_end(g);
	return 0;
}

static void row_sources(rp_out_t *d, const rp_model_t *m, const rp_point_t *p)
{
	(void)m;
	rp_out_printf(d, " %llu %llu %llu", (unsigned long long)p->f.us[0],
		      (unsigned long long)p->f.us[1], (unsigned long long)p->f.us[2]);
}

static int p_unique(const rp_model_t *m, const rp_opts_t *o, rp_out_t *d, rp_out_t *g,
		    rp_plotinfo_t *info)
{
	static const char *const panel[2] = { "distinct IPv4 sources", "distinct IPv6 sources" };
	(void)o;
	rp_dat_header(d, "unique_sources.dat",
		      "distinct query sources per interval (HyperLogLog estimates), per line");
	rp_out_puts(d, "# columns: t_start time ipv4 ipv6 ipv6_64\n");
	line_blocks(d, m, row_sources);
	rp_gp_begin(g, m, "unique_sources", "Distinct query sources per interval",
		    "distinct IPv4 (top) and IPv6 (bottom) query sources per interval, per line", W,
		    H2);
	two_panels(g, "Distinct query sources per interval, IPv4 (top) and IPv6 (bottom)",
		   line_maxlen(m));
	rp_out_puts(g, "set yrange [0:*]\nset offsets 0, 0, graph 0.1, 0\n");
	info->empty = 1;
	for (int k = 0; k < 2; k++) {
		uint64_t max = 0;
		for (size_t i = 0; i < m->nlines; i++)
			for (size_t j = 0; j < m->lines[i].s.n; j++)
				if (m->lines[i].s.p[j].f.us[k] > max)
					max = m->lines[i].s.p[j].f.us[k];
		count_tics(g, max);
		if (line_panel(g, m, "unique_sources.dat", 3 + k, v_sources, k, k, 2, panel[k],
			       "[0:*]", "no data", NULL))
			info->empty = 0;
	}
	rp_out_puts(g, "unset multiplot\n");
	rp_gp_end(g);
	return 0;
}

/* ---- response sizes ------------------------------------------------------ */

static uint64_t group_total(const rp_group_t *gr, int t)
{
	uint64_t s = 0;
	for (int b = 0; b < RP_SIZE_BINS; b++)
		s += gr->resp[t][b];
	return s;
}

/* The x range: up to the end of the largest non-empty bin (at least 512). */
static int size_xmax(const rp_model_t *m)
{
	int last = 0;
	for (size_t i = 0; i < m->ngroups; i++)
		for (int t = 0; t < 2; t++)
			for (int b = 0; b < RP_SIZE_BINS; b++)
				if (m->groups[i].resp[t][b] && b > last)
					last = b;
	int x = (last + 2) * RP_BIN; /* one empty bin of margin */
	return x < 512 ? 512 : x;
}

static void size_dat(const rp_model_t *m, rp_out_t *d, int cdf)
{
	for (size_t i = 0; i < m->ngroups; i++) {
		const rp_group_t *gr = &m->groups[i];
		uint64_t tot[2] = { group_total(gr, 0), group_total(gr, 1) }, cum[2] = { 0, 0 };
		if (i)
			rp_out_puts(d, "\n\n");
		rp_out_printf(d, "# block %zu: group ", i);
		rp_dat_str(d, gr->name);
		rp_out_printf(d, " (udp responses %llu, tcp responses %llu)\n",
			      (unsigned long long)tot[0], (unsigned long long)tot[1]);
		for (int b = 0; b < RP_SIZE_BINS; b++) {
			rp_out_printf(d, "%d %d", b * RP_BIN, b * RP_BIN + RP_BIN - 1);
			for (int t = 0; t < 2; t++) {
				cum[t] += gr->resp[t][b];
				uint64_t v = cdf ? cum[t] : gr->resp[t][b];
				rp_out_printf(d, " %llu ", (unsigned long long)v);
				rp_dat_num(d, tot[t] ? (double)v * 100.0 / (double)tot[t] : NAN);
			}
			rp_out_puts(d, "\n");
		}
	}
}

static int sizes_plot(const rp_model_t *m, rp_out_t *d, rp_out_t *g, rp_plotinfo_t *info, int cdf)
{
	static const char *const tname[2] = { "UDP", "TCP" };
	const char *name = cdf ? "sizes_cdf" : "sizes_hist";
	const char *title =
		cdf ? "Response sizes, cumulative" : "Response sizes (RSSAC002 16-byte bins)";
	char dn[32];
	snprintf(dn, sizeof(dn), "%s.dat", name);
	rp_dat_header(d, dn,
		      cdf ? "responses up to each size, per group (phase)"
			  : "responses per RSSAC002 size bin, per group (phase)");
	rp_out_printf(d,
		      "# the last bin (4096-4111) is RSSAC002's open bin \"4096-\"\n"
		      "# columns: bin_lo bin_hi udp_%s udp_pct tcp_%s tcp_pct\n",
		      cdf ? "responses_upto_bin_hi" : "responses",
		      cdf ? "responses_upto_bin_hi" : "responses");
	size_dat(m, d, cdf);
	rp_gp_begin(g, m, name, title,
		    cdf ? "cumulative response sizes, UDP (top) and TCP (bottom), per phase"
			: "response-size histogram, UDP (top) and TCP (bottom), per phase",
		    W, H2);
	size_t maxlen = 0;
	for (size_t i = 0; i < m->ngroups; i++)
		if (strlen(m->groups[i].name) > maxlen)
			maxlen = strlen(m->groups[i].name) > 48 ? 48 : strlen(m->groups[i].name);
	two_panels(g,
		   cdf ? "Response sizes, cumulative: UDP (top) and TCP (bottom)"
		       : "Response sizes in RSSAC002 16-byte bins: UDP (top) and TCP (bottom)",
		   maxlen);
	rp_out_puts(g, "set grid xtics ytics\n");
	info->empty = 1;
	for (int t = 0; t < 2; t++) {
		int n = 0, xmax = size_xmax(m);
		rp_out_printf(g, "set xrange [0:%d]\nset xtics 0,%d\nset mxtics 2\n", xmax,
			      xmax > 2048   ? 512
			      : xmax > 1024 ? 256
					    : 128);
		if (t == 0)
			rp_out_puts(g, "unset xlabel\n");
		else
			rp_out_puts(g, "unset key\nset xlabel \"response size (bytes; the DNS "
				       "message, without the TCP length prefix)\"\n");
		rp_out_printf(g, "set ylabel \"%s %s\"\n", tname[t],
			      cdf ? "responses up to the size (%)" : "responses in the bin (%)");
		rp_out_puts(g, cdf ? "set yrange [0:105]\nset ytics 0,20,100\n"
				   : "set yrange [0:*]\nset ytics autofreq\n");
		for (size_t i = 0; i < m->ngroups; i++) {
			if (group_total(&m->groups[i], t) == 0)
				continue;
			clause(g, &n);
			if (cdf)
				rp_out_printf(g, "'%s' index %zu using ($2+1):%d with steps lt %d",
					      dn, i, 4 + 2 * t, rp_gp_lt(i));
			else
				rp_out_printf(g,
					      "'%s' index %zu using ($1+%d):%d with histeps lt %d "
					      "dt solid lw 1.6",
					      dn, i, RP_BIN / 2, 4 + 2 * t, rp_gp_lt(i));
			title_of(g, m->groups[i].name);
		}
		if (n) {
			rp_out_puts(g, "\n");
			info->empty = 0;
		} else {
			char why[64];
			snprintf(why, sizeof(why), "no data: no %s responses", tname[t]);
			rp_gp_nodata(g, why);
		}
	}
	rp_out_puts(g, "unset multiplot\n");
	rp_gp_end(g);
	return 0;
}

static int p_sizes_hist(const rp_model_t *m, const rp_opts_t *o, rp_out_t *d, rp_out_t *g,
			rp_plotinfo_t *info)
{
	(void)o;
	return sizes_plot(m, d, g, info, 0);
}

static int p_sizes_cdf(const rp_model_t *m, const rp_opts_t *o, rp_out_t *d, rp_out_t *g,
		       rp_plotinfo_t *info)
{
	(void)o;
	return sizes_plot(m, d, g, info, 1);
}

/* ---- stacked maps over time (all lines added up) -------------------------- */

/* Columns: t_start time NAME... other total; stacked boxes, per second. */
static int stack_plot(const rp_model_t *m, rp_out_t *d, rp_out_t *g, rp_plotinfo_t *info,
		      rp_mapid_t mid, unsigned k, const char *name, const char *title,
		      const char *what, const char *ylabel, const char *nothing)
{
	rp_kv_t top[64];
	size_t nt;
	char dn[32];
	int have = 0;

	if (k > 64)
		k = 64;
	nt = rp_map_top(m, &m->totals[mid], k, "other", top);
	snprintf(dn, sizeof(dn), "%s.dat", name);
	rp_dat_header(d, dn, what);
	rp_out_puts(d, "# other: the rest of the interval's map (its \"other\" included)\n"
		       "# columns: t_start time");
	for (size_t i = 0; i < nt; i++) {
		rp_out_puts(d, " ");
		rp_dat_str(d, rp_name(m, top[i].id));
	}
	rp_out_puts(d, " other total\n");
	for (size_t j = 0; j < m->all.n; j++) {
		const rp_point_t *p = &m->all.p[j];
		uint64_t sum = rp_map_sum(&p->map[mid]), listed = 0;
		time_cols(d, p->t);
		for (size_t i = 0; i < nt; i++) {
			uint64_t v = rp_map_get(&p->map[mid], top[i].id);
			listed += v;
			rp_out_printf(d, " %llu", (unsigned long long)v);
		}
		rp_out_printf(d, " %llu %llu\n", (unsigned long long)(sum - listed),
			      (unsigned long long)sum);
		if (sum)
			have = 1;
	}

	rp_gp_begin(g, m, name, title, what, W, H1);
	size_t maxlen = 20; /* the key's title */
	for (size_t i = 0; i < nt; i++)
		if (strlen(rp_name(m, top[i].id)) > maxlen)
			maxlen = strlen(rp_name(m, top[i].id)) > 48 ? 48
								    : strlen(rp_name(m, top[i].id));
	one_panel(g, maxlen);
	rp_out_printf(g, "set ylabel \"%s\"\nset yrange [0:*]\n", ylabel);
	if (!have) {
		info->empty = 1;
		rp_gp_nodata(g, nothing);
		rp_gp_end(g);
		return 0;
	}
	rp_gp_time_axis(g, m);
	/* thin borders between the layers while the boxes are wide enough */
	rp_out_puts(g, m->all.n <= 200
			       ? "set boxwidth iv*0.8 absolute\n"
			       : "set boxwidth iv absolute\nset style fill solid 0.85 noborder\n");
	rp_out_puts(g, "set key title \"top of the stack first\" font \",9\"\n");
	/* drawn top layer first: each box reaches from 0 to its cumulative sum */
	int n = 0;
	for (size_t layer = nt + 1; layer-- > 0;) {
		int other = layer == nt;
		uint64_t any = other ? 0 : 1;
		if (other) /* "other" only when it holds something */
			for (size_t j = 0; j < m->all.n && !any; j++) {
				uint64_t s = rp_map_sum(&m->all.p[j].map[mid]), l = 0;
				for (size_t i = 0; i < nt; i++)
					l += rp_map_get(&m->all.p[j].map[mid], top[i].id);
				any = s - l;
			}
		if (!any)
			continue;
		clause(g, &n);
		rp_out_printf(g, "'%s' using ($1+iv/2.0):((", dn);
		for (size_t c = 0; c <= layer; c++)
			rp_out_printf(g, "%s$%zu", c ? "+" : "", c + 3);
		rp_out_printf(g, ")/iv) with boxes lw 1 dt solid fc rgb \"%s\"",
			      rp_gp_fill(layer, other));
		title_of(g, other                                    ? "other"
			    : strcmp(rp_name(m, top[layer].id), ".") ? rp_name(m, top[layer].id)
								     : ". (root)");
	}
	rp_out_puts(g, "\n");
	rp_gp_end(g);
	return 0;
}

static int p_qtype(const rp_model_t *m, const rp_opts_t *o, rp_out_t *d, rp_out_t *g,
		   rp_plotinfo_t *info)
{
	return stack_plot(m, d, g, info, RP_MAP_QTYPE, o->types, "qtype",
			  "Queries per second by query type",
			  "queries per second by type, all lines added up (stacked)",
			  "queries/s (stacked by type)", "no data: no queries");
}

static int p_dnskey_time(const rp_model_t *m, const rp_opts_t *o, rp_out_t *d, rp_out_t *g,
			 rp_plotinfo_t *info)
{
	return stack_plot(m, d, g, info, RP_MAP_DNSKEY, o->tld_lines, "dnskey_time",
			  "DNSKEY queries per second by TLD",
			  "DNSKEY queries per second by TLD, all lines added up (stacked)",
			  "DNSKEY queries/s (stacked by TLD)", "no data: no DNSKEY queries");
}

static int p_dnskey_tld(const rp_model_t *m, const rp_opts_t *o, rp_out_t *d, rp_out_t *g,
			rp_plotinfo_t *info)
{
	rp_kv_t top[64];
	unsigned k = o->tlds > 64 ? 64 : o->tlds;
	size_t nt = rp_map_top(m, &m->totals[RP_MAP_DNSKEY], k, "other", top);
	uint64_t all = rp_map_sum(&m->totals[RP_MAP_DNSKEY]);
	char title[128];

	rp_dat_header(d, "dnskey_tld.dat", "DNSKEY queries by TLD, whole window, largest first");
	rp_out_printf(d,
		      "# DNSKEY queries in all: %llu (\".\" is the root; \"other\" left out)\n"
		      "# columns: rank queries tld\n",
		      (unsigned long long)all);
	for (size_t i = 0; i < nt; i++) {
		rp_out_printf(d, "%zu %llu ", i + 1, (unsigned long long)top[i].n);
		rp_dat_str(d, rp_name(m, top[i].id));
		rp_out_puts(d, "\n");
	}
	size_t named = m->totals[RP_MAP_DNSKEY].n; /* TLDs with queries, "other" aside */
	for (size_t i = 0; i < m->totals[RP_MAP_DNSKEY].n; i++)
		if (m->totals[RP_MAP_DNSKEY].kv[i].n == 0 ||
		    !strcmp(rp_name(m, m->totals[RP_MAP_DNSKEY].kv[i].id), "other"))
			named--;
	if (named > nt)
		snprintf(title, sizeof(title),
			 "DNSKEY queries by TLD: the %zu TLDs with the most (of %llu queries)", nt,
			 (unsigned long long)all);
	else
		snprintf(title, sizeof(title), "DNSKEY queries by TLD (%llu queries)",
			 (unsigned long long)all);
	rp_gp_begin(g, m, "dnskey_tld", nt ? title : "DNSKEY queries by TLD",
		    "DNSKEY queries by TLD, the largest (bars)", W, H1);
	rp_out_puts(g, "set ylabel \"DNSKEY queries\"\n"
		       "set xlabel \"TLD\"\n"
		       "unset key\n");
	if (nt == 0) {
		info->empty = 1;
		rp_gp_nodata(g, "no data: no DNSKEY queries");
		rp_gp_end(g);
		return 0;
	}
	count_tics(g, top[0].n);
	/* room for at least 10 bars, so that a few do not grow fat */
	rp_out_printf(g,
		      "set xrange [0.3:%zu.7]\nset yrange [0:*]\nset offsets 0,0,graph 0.08,0\n"
		      "set xtics rotate by 45 right nomirror scale 0 font \",11\"\n"
		      "set boxwidth 0.7 absolute\n"
		      "plot 'dnskey_tld.dat' using 1:2:xtic(strcol(3) eq \".\" ? \". (root)\" : "
		      "strcol(3)) with boxes fc rgb \"#0072B2\", \\\n"
		      "     '' using 1:2:2 with labels offset 0,0.8 font \",9\"\n",
		      nt < 10 ? 10 : nt);
	rp_gp_end(g);
	return 0;
}

/* ---- top sources and prefixes ---------------------------------------------- */

static int top_plot(const rp_model_t *m, const rp_opts_t *o, rp_out_t *d, rp_out_t *g,
		    rp_plotinfo_t *info, rp_mapid_t mid)
{
	const int src = mid == RP_MAP_SOURCES;
	const char *name = src ? "top_sources" : "top_prefixes";
	const char *title =
		src ? "Top sources: share of all queries" : "Top prefixes: share of all queries";
	rp_kv_t top[64];
	uint32_t subj[96];
	int flagged[96];
	size_t ns, nflag_shown = 0, blocks = 0;
	unsigned k = o->top > 64 ? 64 : o->top;
	char dn[32];
	int n = 0, any_flag = 0;

	/* the largest over the window, those in no interval's list left out
	 * (nothing to draw) */
	size_t nt = rp_map_top(m, &m->totals[mid], k, NULL, top);
	ns = 0;
	for (size_t i = 0; i < nt; i++) {
		int listed = 0;
		for (size_t j = 0; j < m->all.n && !listed; j++)
			listed = rp_map_get(&m->all.p[j].map[mid], top[i].id) > 0;
		if (listed)
			subj[ns++] = top[i].id;
	}
	/* flagged subjects are drawn even when not among the largest, if some
	 * interval's list has them: the first four in the order of the flags
	 * (more would bury the plot; the page lists them all) */
	size_t extra_max = ns + 4;
	for (size_t f = 0; f < m->nflags && ns < extra_max; f++) {
		int64_t id = rp_name_id(m, m->flags[f].subject);
		int seen = 0;
		int listed = 0;
		for (size_t j = 0; j < m->all.n && id >= 0 && !listed; j++)
			listed = rp_map_get(&m->all.p[j].map[mid], (uint32_t)id) > 0;
		if (!listed) /* in no top list of this kind: nothing to draw */
			continue;
		for (size_t i = 0; i < ns && !seen; i++)
			seen = subj[i] == (uint32_t)id;
		if (!seen)
			subj[ns++] = (uint32_t)id;
	}
	for (size_t i = 0; i < ns; i++) {
		flagged[i] = rp_model_flagged(m, rp_name(m, subj[i]));
		any_flag |= flagged[i];
	}

	snprintf(dn, sizeof(dn), "%s.dat", name);
	rp_dat_header(d, dn,
		      src ? "share of all queries of the largest sources, per interval"
			  : "share of all queries of the largest prefixes, per interval");
	rp_out_puts(d, "# queries: as the interval's top list gives them (an upper bound, see\n"
		       "# its \"error\"), NaN when the subject is not in that list;\n"
		       "# all_queries: every line added up\n"
		       "# columns: t_start time queries all_queries share_pct\n");
	for (size_t i = 0; i < ns; i++) {
		if (blocks++)
			rp_out_puts(d, "\n\n");
		rp_out_printf(d, "# block %zu: %s ", i, src ? "source" : "prefix");
		rp_dat_str(d, rp_name(m, subj[i]));
		rp_out_puts(d, flagged[i] ? " flagged\n" : "\n");
		for (size_t j = 0; j < m->all.n; j++) {
			const rp_point_t *p = &m->all.p[j];
			uint64_t v = rp_map_get(&p->map[mid], subj[i]), q = rp_fig_queries(&p->f);
			if (j > 0 && p->t - m->all.p[j - 1].t > m->interval)
				rp_out_puts(d, "\n"); /* no interval in between: a gap */
			time_cols(d, p->t);
			if (v) {
				rp_out_printf(d, " %llu %llu ", (unsigned long long)v,
					      (unsigned long long)q);
				rp_dat_num(d, rp_fig_pct(&p->f, v));
			} else {
				rp_out_printf(d, " NaN %llu NaN", (unsigned long long)q);
			}
			rp_out_puts(d, "\n");
		}
	}
	/* the flagged intervals of the subjects drawn, as markers */
	if (any_flag) {
		rp_out_printf(
			d, "\n\n# block %zu: flagged intervals (t_start time share_pct subject)\n",
			ns);
		for (size_t f = 0; f < m->nflags; f++) {
			const rp_flag_t *fl = &m->flags[f];
			int64_t id = rp_name_id(m, fl->subject);
			double share = fl->share_pct;
			int shown = 0;
			for (size_t i = 0; i < ns && !shown; i++)
				shown = id >= 0 && subj[i] == (uint32_t)id;
			if (!shown || !fl->have_t)
				continue;
			/* on the drawn point when the interval's list has the subject,
			 * else at the share the flag gives */
			for (size_t j = 0; j < m->all.n; j++) {
				uint64_t v = rp_map_get(&m->all.p[j].map[mid], (uint32_t)id);
				if (m->all.p[j].t == fl->t && v > 0)
					share = rp_fig_pct(&m->all.p[j].f, v);
			}
			if (!isfinite(share))
				continue;
			time_cols(d, fl->t);
			rp_out_puts(d, " ");
			rp_dat_num(d, share);
			rp_out_puts(d, " ");
			rp_dat_str(d, fl->subject);
			rp_out_puts(d, "\n");
			nflag_shown++;
		}
	}

	rp_gp_begin(
		g, m, name, title,
		src ? "share of all queries of the largest sources over time; flagged ones bold"
		    : "share of all queries of the largest prefixes over time; flagged ones bold",
		W, H1);
	size_t maxlen = 16; /* "flagged interval" */
	for (size_t i = 0; i < ns; i++) {
		size_t len = strlen(rp_name(m, subj[i])) + (flagged[i] ? 10 : 0);
		if (len > maxlen)
			maxlen = len > 48 ? 48 : len;
	}
	one_panel(g, maxlen);
	rp_out_puts(g, "set ylabel \"share of all queries (%)\"\nset yrange [0:*]\n");
	if (ns == 0 || m->all.n == 0) {
		info->empty = 1;
		rp_gp_nodata(g, src ? "no data: no top sources" : "no data: no top prefixes");
		rp_gp_end(g);
		return 0;
	}
	rp_gp_time_axis(g, m);
	for (size_t i = 0; i < ns; i++) {
		char label[128];
		clause(g, &n);
		/* flagged: a thick solid line; the others thinner when some are */
		rp_out_printf(g, "'%s' index %zu using ($1+iv/2.0):5 with %s lt %d %s", dn, i,
			      rp_gp_with(m), rp_gp_lt(i),
			      flagged[i] ? "lw 4 dt solid"
			      : any_flag ? "lw 1.2"
					 : "lw 2");
		snprintf(label, sizeof(label), "%s%s", rp_name(m, subj[i]),
			 flagged[i] ? " (flagged)" : "");
		title_of(g, label);
	}
	if (nflag_shown) {
		clause(g, &n);
		rp_out_printf(g,
			      "'%s' index %zu using ($1+iv/2.0):3 with points pt 6 ps 3 lw 3 "
			      "lc rgb \"#D55E00\" title 'flagged interval'",
			      dn, ns);
	}
	rp_out_puts(g, "\n");
	rp_gp_end(g);
	if (m->nflags)
		snprintf(info->note, sizeof(info->note),
			 "%zu flag%s in the documents; flagged "
			 "subjects are drawn bold.",
			 m->nflags, m->nflags == 1 ? "" : "s");
	return 0;
}

static int p_top_sources(const rp_model_t *m, const rp_opts_t *o, rp_out_t *d, rp_out_t *g,
			 rp_plotinfo_t *info)
{
	return top_plot(m, o, d, g, info, RP_MAP_SOURCES);
}

static int p_top_prefixes(const rp_model_t *m, const rp_opts_t *o, rp_out_t *d, rp_out_t *g,
			  rp_plotinfo_t *info)
{
	return top_plot(m, o, d, g, info, RP_MAP_PREFIXES);
}

/* ---- the table ------------------------------------------------------------ */

const rp_plot_t rp_plots[] = {
	{ "tcp_share", "TCP queries as % of UDP queries",
	  "TCP queries as a percentage of UDP queries in each interval, one line per "
	  "instance (or server); shaded bands are the phases. The chart the 2010 root "
	  "signing was judged by: truncated signed answers move resolvers to TCP.",
	  p_tcp_share },
	{ "query_rate", "Queries per second, UDP and TCP",
	  "Query rate per instance over time: UDP above, TCP below.", p_query_rate },
	{ "edns_do", "EDNS and DO-bit share of queries",
	  "Share of queries with an EDNS OPT record (above) and with the DO bit set "
	  "(below), per instance.",
	  p_edns_do },
	{ "sizes_hist", "Response sizes",
	  "Responses per RSSAC002 size bin (16 bytes wide; the last, 4096-, open), as a "
	  "percentage of each phase's responses: UDP above, TCP below; one curve per phase.",
	  p_sizes_hist },
	{ "sizes_cdf", "Response sizes, cumulative",
	  "The share of responses up to each size (the end of its RSSAC002 bin), one curve "
	  "per phase: UDP above, TCP below. Signed responses are larger.",
	  p_sizes_cdf },
	{ "qtype", "Queries by type",
	  "Queries per second by query type, all instances added up, stacked; the "
	  "smaller types and each interval's \"other\" on top.",
	  p_qtype },
	{ "dnskey_tld", "DNSKEY queries by TLD",
	  "DNSKEY queries over the whole window for the TLDs with the most (\".\" is the "
	  "root zone's own DNSKEY set).",
	  p_dnskey_tld },
	{ "dnskey_time", "DNSKEY queries over time",
	  "DNSKEY queries per second by TLD, all instances added up, stacked.", p_dnskey_time },
	{ "top_sources", "Top sources",
	  "The share of all queries that each of the largest sources sent, per interval "
	  "(from the per-interval top lists: a gap means the source was not in that "
	  "interval's list). Flagged sources are drawn bold.",
	  p_top_sources },
	{ "top_prefixes", "Top prefixes",
	  "The same for source prefixes (IPv4 /24 and IPv6 /48 unless analyze was told "
	  "otherwise).",
	  p_top_prefixes },
	{ "unique_sources", "Unique sources",
	  "Distinct query sources per interval (HyperLogLog estimates, about 1.6 % "
	  "standard error), IPv4 above, IPv6 below, per instance.",
	  p_unique },
};
const size_t rp_nplots = sizeof(rp_plots) / sizeof(rp_plots[0]);

int rp_plots_write(const rp_model_t *m, const rp_opts_t *o, const char *dir, rp_plotinfo_t *info,
		   char *err, size_t errlen)
{
	for (size_t i = 0; i < rp_nplots; i++) {
		rp_out_t d, g;
		char fn[64];
		int rc;

		memset(&info[i], 0, sizeof(info[i]));
		snprintf(fn, sizeof(fn), "%s.dat", rp_plots[i].name);
		if ((rc = rp_out_open(&d, dir, fn)) < 0) {
			snprintf(err, errlen, "%s/%s: cannot create: %s", dir, fn, strerror(errno));
			return rc;
		}
		snprintf(fn, sizeof(fn), "%s.gp", rp_plots[i].name);
		if ((rc = rp_out_open(&g, dir, fn)) < 0) {
			snprintf(err, errlen, "%s/%s: cannot create: %s", dir, fn, strerror(errno));
			rp_out_discard(&d);
			return rc;
		}
		rc = rp_plots[i].write(m, o, &d, &g, &info[i]);
		if (rc < 0) {
			rp_out_discard(&d);
			rp_out_discard(&g);
			return rc;
		}
		snprintf(fn, sizeof(fn), "%s.dat", rp_plots[i].name);
		if (rp_out_close(&d) < 0) {
			snprintf(err, errlen, "%s/%s: writing failed: %s", dir, fn,
				 strerror(errno));
			rp_out_discard(&g);
			return DW_EIO;
		}
		snprintf(fn, sizeof(fn), "%s.gp", rp_plots[i].name);
		if (rp_out_close(&g) < 0) {
			snprintf(err, errlen, "%s/%s: writing failed: %s", dir, fn,
				 strerror(errno));
			return DW_EIO;
		}
	}
	return 0;
}
