/*
 * html.c - the report's index.html (html.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gpwrite.h"
#include "html.h"
#include "rootlens/common.h"
#include "rootlens/errcode.h"

#define RP_HTML_FLAGS 100 /* flags listed on the page */

#ifndef RL_VERSION
#define RL_VERSION "?"
#endif

static const char css[] =
	"body{font-family:'DejaVu Sans',Verdana,sans-serif;margin:1.5em auto;max-width:1060px;"
	"color:#222;background:#fff;padding:0 1em}\n"
	"h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}\n"
	"p.sub{color:#555;margin-top:0}\n"
	"table{border-collapse:collapse;font-size:.9em;margin:.5em 0}\n"
	"th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}\n"
	"th{background:#f2f2f2}td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
	"td.w,td.n{white-space:nowrap}td.p{overflow-wrap:anywhere}\n"
	"table.facts th{width:11em}tr.inst td:first-child{padding-left:1.6em;color:#555}\n"
	"tr.total td{font-weight:bold;border-top:2px solid #999}\n"
	"nav a{margin-right:.9em;white-space:nowrap}\n"
	"figure{margin:1.5em 0 2.5em 0}figure img{max-width:100%;height:auto;"
	"border:1px solid #ddd}\n"
	"figcaption{font-size:.9em;color:#333;margin-top:.4em}\n"
	"figcaption .files a{margin-right:.7em}.empty{color:#a33}.note{color:#555}\n"
	".failed{color:#a00;font-weight:bold}\n";

/* Text from a document, escaped for HTML (control bytes as '?'). */
static void esc(rp_out_t *o, const char *s)
{
	char buf[256];
	size_t n = 0;
	for (; s && *s; s++) {
		const char *r = NULL;
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': r = "&amp;"; break;
		case '<': r = "&lt;"; break;
		case '>': r = "&gt;"; break;
		case '"': r = "&quot;"; break;
		case '\'': r = "&#39;"; break;
		default: break;
		}
		if (n + 8 > sizeof(buf)) {
			buf[n] = '\0';
			rp_out_puts(o, buf);
			n = 0;
		}
		if (r) {
			memcpy(buf + n, r, strlen(r));
			n += strlen(r);
		} else {
			buf[n++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
		}
	}
	buf[n] = '\0';
	rp_out_puts(o, buf);
}

/* A label cell: the label, or an em dash for null, "*" as "(several)". */
static void label_cell(rp_out_t *o, const char *s)
{
	rp_out_puts(o, "<td>");
	if (s == NULL)
		rp_out_puts(o, "&mdash;");
	else if (!strcmp(s, "*"))
		rp_out_puts(o, "<i>several</i>");
	else
		esc(o, s);
	rp_out_puts(o, "</td>");
}

static void pct_cell(rp_out_t *o, double v, int decimals)
{
	if (isfinite(v))
		rp_out_printf(o, "<td class=\"n\">%.*f&nbsp;%%</td>", decimals, v);
	else
		rp_out_puts(o, "<td class=\"n\">&mdash;</td>");
}

static void window_text(rp_out_t *o, int have, int64_t start, int64_t end)
{
	char a[RL_TIME_STRMAX], b[RL_TIME_STRMAX];
	if (!have) {
		rp_out_puts(o, "&mdash;");
		return;
	}
	rl_time_iso8601(start, a);
	rl_time_iso8601(end, b);
	/* the end without its date when it is the same day */
	rp_out_printf(o, "%s&nbsp;&ndash; %s", a, strncmp(a, b, 10) ? b : b + 11);
}

static void fig_cells(rp_out_t *o, const rp_fig_t *f)
{
	uint64_t q = rp_fig_queries(f);
	rp_out_printf(o, "<td class=\"n\">%llu</td>", (unsigned long long)q);
	pct_cell(o, rp_fig_tcp_pct(f), 3);
	pct_cell(o, rp_fig_pct(f, f->dobit), 1);
	rp_out_printf(o, "<td class=\"n\" title=\"IPv4 %llu, IPv6 %llu, IPv6 /64 %llu\">%llu</td>",
		      (unsigned long long)f->us[0], (unsigned long long)f->us[1],
		      (unsigned long long)f->us[2], (unsigned long long)(f->us[0] + f->us[1]));
}

static void summary(rp_out_t *o, const rp_model_t *m)
{
	size_t ndocs_flags = 0;
	rp_out_puts(o, "<h2 id=\"summary\">Summary</h2>\n<table "
		       "class=\"facts\">\n<tr><th>window</th><td>");
	window_text(o, m->have_span, m->start, m->end);
	rp_out_printf(o, " (%lld-s intervals)</td></tr>\n", (long long)m->interval);
	rp_out_printf(o, "<tr><th>documents</th><td>%zu</td></tr>\n", m->ndocs);
	rp_out_printf(o, "<tr><th>instances</th><td>%zu: ", m->nlines);
	for (size_t i = 0; i < m->nlines; i++) {
		if (i)
			rp_out_puts(o, ", ");
		esc(o, m->lines[i].label);
	}
	rp_out_puts(o, "</td></tr>\n<tr><th>phases</th><td>");
	if (m->nphases == 0)
		rp_out_puts(o, "none");
	for (size_t i = 0; i < m->nphases; i++) {
		if (i)
			rp_out_puts(o, "; ");
		rp_out_puts(o, "<b>");
		esc(o, m->phases[i].name);
		rp_out_puts(o, "</b> ");
		window_text(o, m->phases[i].have_span, m->phases[i].start, m->phases[i].end);
	}
	rp_out_printf(o,
		      "</td></tr>\n<tr><th>queries</th><td>%llu (UDP %llu, TCP %llu)</td></tr>\n",
		      (unsigned long long)rp_fig_queries(&m->total),
		      (unsigned long long)(m->total.q[0][0] + m->total.q[0][1]),
		      (unsigned long long)(m->total.q[1][0] + m->total.q[1][1]));
	rp_out_puts(o, "<tr><th>TCP share</th><td>");
	if (isfinite(rp_fig_tcp_pct(&m->total)))
		rp_out_printf(o, "%.3f&nbsp;%% of UDP queries", rp_fig_tcp_pct(&m->total));
	else
		rp_out_puts(o, "&mdash; (no UDP queries)");
	rp_out_puts(o, "</td></tr>\n<tr><th>DO share</th><td>");
	if (isfinite(rp_fig_pct(&m->total, m->total.dobit)))
		rp_out_printf(o, "%.1f&nbsp;%% of queries (EDNS: %.1f&nbsp;%%)",
			      rp_fig_pct(&m->total, m->total.dobit),
			      rp_fig_pct(&m->total, m->total.edns));
	else
		rp_out_puts(o, "&mdash; (no queries)");
	rp_out_printf(o,
		      "</td></tr>\n<tr><th>unique sources</th><td>%s%llu (IPv4 %llu, IPv6 %llu)%s"
		      "</td></tr>\n",
		      m->ndocs > 1 ? "at most " : "",
		      (unsigned long long)(m->total.us[0] + m->total.us[1]),
		      (unsigned long long)m->total.us[0], (unsigned long long)m->total.us[1],
		      m->ndocs > 1 ? ": the sum over the documents; a source seen in several "
				     "counts more than once"
				   : "");
	for (size_t i = 0; i < m->ndocs; i++)
		for (size_t r = 0; r < m->nrows; r++)
			if (m->rows[r].doc == i && !m->rows[r].is_instance && m->rows[r].flags)
				ndocs_flags++;
	rp_out_printf(o, "<tr><th>flags</th><td>%zu", m->nflags);
	if (m->nflags)
		rp_out_printf(o, " in %zu document%s (<a href=\"#flags\">list</a>)", ndocs_flags,
			      ndocs_flags == 1 ? "" : "s");
	else
		rp_out_puts(o, " (none in the documents)");
	rp_out_puts(o, "</td></tr>\n");
	if (m->overlaps)
		rp_out_printf(o,
			      "<tr><th>note</th><td>%zu interval%s of one instance came from "
			      "several documents: their counters were added, their unique sources "
			      "are the larger of the two (merge such documents with "
			      "<code>rootlens merge</code> for exact figures)</td></tr>\n",
			      m->overlaps, m->overlaps == 1 ? "" : "s");
	rp_out_puts(o, "</table>\n");
}

static void rows(rp_out_t *o, const rp_model_t *m)
{
	rp_out_puts(o,
		    "<h2 id=\"documents\">Documents</h2>\n<table class=\"rows\">\n"
		    "<tr><th>document</th><th>server</th><th>instance</th><th>phase</th>"
		    "<th>window</th><th>queries</th><th>TCP share<br>(% of UDP)</th>"
		    "<th>DO share</th><th>unique sources<br>(IPv4+IPv6)</th><th>flags</th></tr>\n");
	for (size_t r = 0; r < m->nrows; r++) {
		const rp_row_t *row = &m->rows[r];
		const rp_doc_t *d = &m->docs[row->doc];
		rp_out_printf(o, "<tr%s><td class=\"p\">", row->is_instance ? " class=\"inst\"" : "");
		if (row->is_instance)
			rp_out_puts(o, "&#8627; instance");
		else
			esc(o, d->path);
		rp_out_puts(o, "</td>");
		label_cell(o, row->server);
		label_cell(o, row->instance);
		label_cell(o, row->phase);
		rp_out_puts(o, "<td class=\"w\">");
		if (!row->is_instance)
			window_text(o, d->have_span, d->start, d->end);
		rp_out_puts(o, "</td>");
		fig_cells(o, &row->f);
		if (row->is_instance)
			rp_out_puts(o, "<td></td></tr>\n");
		else
			rp_out_printf(o, "<td class=\"n\">%zu</td></tr>\n", row->flags);
	}
	if (m->ndocs > 1) {
		rp_out_puts(o, "<tr class=\"total\"><td>all "
			       "documents</td><td></td><td></td><td></td><td class=\"w\">");
		window_text(o, m->have_span, m->start, m->end);
		rp_out_puts(o, "</td>");
		fig_cells(o, &m->total);
		rp_out_printf(o, "<td class=\"n\">%zu</td></tr>\n", m->nflags);
	}
	rp_out_puts(o, "</table>\n");
}

static void flags(rp_out_t *o, const rp_model_t *m)
{
	char ts[RL_TIME_STRMAX];
	if (m->nflags == 0)
		return;
	rp_out_puts(o, "<h2 id=\"flags\">Flags</h2>\n<table>\n<tr><th>subject</th><th>kind</th>"
		       "<th>interval</th><th>reason</th><th>share of queries</th><th>document</th>"
		       "</tr>\n");
	/* a long window can have thousands: the first ones here, all of them
	 * in the documents (rootlens flags lists them by impact) */
	for (size_t i = 0; i < m->nflags && i < RP_HTML_FLAGS; i++) {
		const rp_flag_t *f = &m->flags[i];
		rp_out_puts(o, "<tr><td>");
		esc(o, f->subject);
		rp_out_puts(o, "</td><td>");
		if (f->kind)
			esc(o, f->kind);
		else
			rp_out_puts(o, "&mdash;");
		rp_out_printf(o, "</td><td>%s</td><td>",
			      f->have_t ? rl_time_iso8601(f->t, ts) : "&mdash;");
		if (f->reason)
			esc(o, f->reason);
		else
			rp_out_puts(o, "&mdash;");
		rp_out_puts(o, "</td>");
		pct_cell(o, f->share_pct, 2);
		rp_out_puts(o, "<td>");
		esc(o, m->docs[f->doc].path);
		rp_out_puts(o, "</td></tr>\n");
	}
	rp_out_puts(o, "</table>\n");
	if (m->nflags > RP_HTML_FLAGS)
		rp_out_printf(o, "<p class=\"note\">The first %d of %zu flags, in the documents' "
				 "order.</p>\n",
			      RP_HTML_FLAGS, m->nflags);
}

int rp_html_write(const rp_model_t *m, const rp_plotinfo_t *info, const int *failed,
		  const char *dir, const char *title, char *err, size_t errlen)
{
	rp_out_t o;
	int rc;

	if (title == NULL)
		title = "rootlens report";
	if ((rc = rp_out_open(&o, dir, "index.html")) < 0) {
		snprintf(err, errlen, "%s/index.html: cannot create: %s", dir, strerror(errno));
		return rc;
	}
	rp_out_puts(&o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
			"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
			"<title>");
	esc(&o, title);
	rp_out_printf(&o, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", css);
	esc(&o, title);
	rp_out_printf(&o,
		      "</h1>\n<p class=\"sub\">Written by rootlens %s report from %zu "
		      "rootlens.stats/1 document%s. Each plot links its SVG, its gnuplot "
		      "script and its data: edit the script and run <code>gnuplot NAME.gp</code> "
		      "in this directory to redraw it.</p>\n",
		      RL_VERSION, m->ndocs, m->ndocs == 1 ? "" : "s");
	rp_out_puts(&o,
		    "<nav><a href=\"#summary\">summary</a>\n<a href=\"#documents\">documents</a>");
	if (m->nflags)
		rp_out_puts(&o, "\n<a href=\"#flags\">flags</a>");
	for (size_t i = 0; i < rp_nplots; i++)
		rp_out_printf(&o, "\n<a href=\"#%s\">%s</a>", rp_plots[i].name, rp_plots[i].title);
	rp_out_puts(&o, "</nav>\n");
	summary(&o, m);
	rows(&o, m);
	flags(&o, m);
	rp_out_puts(&o, "<h2 id=\"plots\">Plots</h2>\n");
	for (size_t i = 0; i < rp_nplots; i++) {
		const rp_plot_t *p = &rp_plots[i];
		rp_out_printf(&o, "<figure id=\"%s\">\n<h3>%s</h3>\n", p->name, p->title);
		if (failed && failed[i])
			rp_out_printf(&o,
				      "<p class=\"failed\">gnuplot failed on %s.gp: no image "
				      "(see the error rootlens report printed).</p>\n",
				      p->name);
		else
			rp_out_printf(&o, "<img src=\"%s.png\" alt=\"%s\">\n", p->name, p->title);
		rp_out_puts(&o, "<figcaption>");
		esc(&o, p->caption);
		if (info[i].empty)
			rp_out_puts(&o, " <span class=\"empty\">No data to draw in these "
					"documents.</span>");
		if (info[i].note[0]) {
			rp_out_puts(&o, " <span class=\"note\">");
			esc(&o, info[i].note);
			rp_out_puts(&o, "</span>");
		}
		rp_out_printf(&o,
			      "<br><span class=\"files\"><a href=\"%s.svg\">SVG</a>"
			      "<a href=\"%s.gp\">%s.gp</a><a href=\"%s.dat\">%s.dat</a></span>"
			      "</figcaption>\n</figure>\n",
			      p->name, p->name, p->name, p->name, p->name);
	}
	rp_out_puts(&o, "</body>\n</html>\n");
	if (rp_out_close(&o) < 0) {
		snprintf(err, errlen, "%s/index.html: writing failed: %s", dir, strerror(errno));
		return DW_EIO;
	}
	return 0;
}
