/*
 * gpwrite.c - gnuplot data and script writing (gpwrite.h).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpwrite.h"
#include "rootlens/common.h"
#include "rootlens/errcode.h"

/* Okabe & Ito's colour-blind-safe palette, ordered so that neighbours
 * differ in lightness; each line type also has its own dash pattern and
 * point type, which is what keeps lines apart on a greyscale print. */
static const struct {
	const char *rgb, *dash;
	int pt;
	double ps;
} palette[RP_NCOLORS] = {
	{ "#000000", "solid", 7, 0.9 },          /* black, filled circle */
	{ "#E69F00", "(7,3)", 5, 0.9 },          /* orange, filled square */
	{ "#0072B2", "(2,2)", 9, 1.1 },          /* blue, filled triangle */
	{ "#009E73", "(9,3,2,3)", 13, 1.2 },     /* green, filled diamond */
	{ "#CC79A7", "(4,3)", 6, 1.0 },          /* purple, circle */
	{ "#56B4E9", "(12,3,2,3,2,3)", 4, 1.0 }, /* sky blue, square */
	{ "#D55E00", "(1,2)", 8, 1.1 },          /* vermillion, triangle */
	{ "#7F7F7F", "(14,4)", 12, 1.2 },        /* grey, diamond */
};

/* Stack fills: lightness alternating dark/light so that neighbouring
 * layers differ in greyscale too. */
static const char *const fills[] = {
	"#0072B2", "#F0E442", "#D55E00", "#56B4E9", "#009E73",
	"#E69F00", "#CC79A7", "#B3DE69", "#8C564B", "#FDB4C8",
};
#define NFILLS (sizeof(fills) / sizeof(fills[0]))

/* Phase bands: light tints of distinct lightness. */
static const char *const bands[] = { "#DCE6F2", "#F6E3C5", "#DDEFD8", "#EADBEF", "#F0F0F0" };
#define NBANDS (sizeof(bands) / sizeof(bands[0]))

#define BAND_ID 100 /* gnuplot object/label/arrow numbers of the bands */
#define NODATA_ID 99

int rp_out_open(rp_out_t *o, const char *dir, const char *name)
{
	size_t len = strlen(dir) + strlen(name) + 2;
	memset(o, 0, sizeof(*o));
	if ((o->path = malloc(len)) == NULL)
		return DW_ENOMEM;
	snprintf(o->path, len, "%s/%s", dir, name);
	if ((o->f = fopen(o->path, "w")) == NULL) {
		int e = errno;
		free(o->path);
		o->path = NULL;
		errno = e;
		return DW_EIO;
	}
	return 0;
}

void rp_out_printf(rp_out_t *o, const char *fmt, ...)
{
	va_list ap;
	if (o->err)
		return;
	va_start(ap, fmt);
	if (vfprintf(o->f, fmt, ap) < 0)
		o->err = errno ? errno : EIO;
	va_end(ap);
}

void rp_out_puts(rp_out_t *o, const char *s)
{
	if (!o->err && fputs(s, o->f) == EOF)
		o->err = errno ? errno : EIO;
}

int rp_out_close(rp_out_t *o)
{
	int err = o->err;
	if (o->f != NULL) {
		if (fflush(o->f) != 0 && !err)
			err = errno ? errno : EIO;
		if (fclose(o->f) != 0 && !err)
			err = errno ? errno : EIO;
	}
	free(o->path);
	memset(o, 0, sizeof(*o));
	if (err) {
		errno = err;
		return DW_EIO;
	}
	return 0;
}

void rp_out_discard(rp_out_t *o)
{
	int e = errno;
	if (o->f != NULL)
		fclose(o->f);
	if (o->path != NULL)
		unlink(o->path);
	free(o->path);
	memset(o, 0, sizeof(*o));
	errno = e;
}

void rp_gp_str(rp_out_t *o, const char *s, size_t max)
{
	char buf[512];
	size_t n = 0, len = strlen(s);
	int cut = max > 0 && len > max;
	if (cut)
		len = max;
	buf[n++] = '\'';
	for (size_t i = 0; i < len && n < sizeof(buf) - 8; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\'')
			buf[n++] = '\'';
		buf[n++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (cut || n >= sizeof(buf) - 8) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n++] = '\'';
	buf[n] = '\0';
	rp_out_puts(o, buf);
}

const char *rp_dat_label(const char *s, char *buf, size_t len)
{
	size_t n = 0;
	if (len == 0)
		return "";
	for (; *s && n + 1 < len; s++) {
		unsigned char c = (unsigned char)*s;
		buf[n++] = c < '!' || c > '~' || c == '"' ? '_' : (char)c;
	}
	buf[n] = '\0';
	return buf;
}

void rp_dat_str(rp_out_t *o, const char *s)
{
	char buf[300];
	rp_out_printf(o, "\"%s\"", rp_dat_label(s, buf, sizeof(buf)));
}

void rp_dat_num(rp_out_t *o, double v)
{
	if (!isfinite(v))
		rp_out_puts(o, "NaN");
	else
		rp_out_printf(o, "%.10g", v);
}

void rp_dat_header(rp_out_t *o, const char *name, const char *what)
{
	rp_out_printf(o, "# %s - written by rootlens report (rootlens %s)\n", name,
#ifdef RL_VERSION
		      RL_VERSION
#else
		      "?"
#endif
	);
	rp_out_printf(o, "# %s\n", what);
}

int rp_gp_lt(size_t i)
{
	return (int)(i % RP_NCOLORS) + 1;
}

const char *rp_gp_with(const rp_model_t *m)
{
	return m->all.n <= 150 ? "linespoints" : "lines";
}

const char *rp_gp_fill(size_t i, int other)
{
	return other ? "#D9D9D9" : fills[i % NFILLS];
}

void rp_gp_begin(rp_out_t *o, const rp_model_t *m, const char *name, const char *title,
		 const char *what, int w, int h)
{
	static const char font[] = "font \"DejaVu Sans,11\" linewidth 1.3 background rgb \"white\"";
	rp_out_printf(o,
		      "# %s.gp - %s\n"
		      "# Written by rootlens report. Data: %s.dat (its header names the columns).\n"
		      "# Redraw in this directory:  gnuplot %s.gp   (%s.png and %s.svg)\n"
		      "#                  one format: gnuplot -e \"fmts='svg'\" %s.gp\n"
		      "if (!exists(\"fmts\")) fmts = \"png svg\"\n"
		      "iv = %lld   # the interval in seconds: counts / iv = per second\n"
		      "do for [fmt in fmts] {\n"
		      "if (fmt eq \"png\") { set terminal pngcairo size %d,%d noenhanced %s; "
		      "set output \"%s.png\" }\n"
		      "if (fmt eq \"svg\") { set terminal svg size %d,%d dynamic noenhanced %s; "
		      "set output \"%s.svg\" }\n",
		      name, what, name, name, name, name, name, (long long)m->interval, w, h, font,
		      name, w, h, font, name);
	for (int i = 0; i < RP_NCOLORS; i++)
		rp_out_printf(o, "set linetype %d lc rgb \"%s\" lw 2 dt %s pt %d ps %.1f\n", i + 1,
			      palette[i].rgb, palette[i].dash, palette[i].pt, palette[i].ps);
	rp_out_printf(o,
		      "set linetype cycle %d\n"
		      "set border 3 lc rgb \"#404040\"\n"
		      "set tics nomirror out scale 0.6\n"
		      "set grid ytics lc rgb \"#D8D8D8\" lw 1 dt solid\n"
		      "set key outside right top vertical Left reverse samplen 3 spacing 1.2 "
		      "box lc rgb \"#B0B0B0\"\n"
		      "set title font \",13\"\n"
		      "set style fill solid 0.85 border lc rgb \"#303030\"\n",
		      RP_NCOLORS);
	rp_out_puts(o, "set title ");
	rp_gp_str(o, title, 200);
	rp_out_puts(o, "\n");
}

void rp_gp_end(rp_out_t *o)
{
	rp_out_puts(o, "unset output\n}\n");
}

void rp_gp_time_axis(rp_out_t *o, const rp_model_t *m)
{
	char d0[RL_TIME_STRMAX], d1[RL_TIME_STRMAX];
	int64_t span;
	const char *fmt;

	if (!m->have_span)
		return;
	span = m->end - m->start;
	fmt = span <= 900          ? "%H:%M:%S"
	      : span <= 2 * 86400  ? "%H:%M"
	      : span <= 14 * 86400 ? "%d %b\\n%H:%M"
				   : "%Y-%m-%d";
	/* about seven tics at most, at round steps (they fall on multiples of
	 * the step in UTC) */
	static const int64_t steps[] = { 1,     2,     5,     10,    15,     30,    60,
					 120,   300,   600,   900,   1800,   3600,  7200,
					 10800, 21600, 43200, 86400, 172800, 604800 };
	int64_t step = 0;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]) && step == 0; i++)
		if (span / steps[i] <= 7)
			step = steps[i];
	if (step == 0) /* longer than seven weeks: whole days */
		step = (span / 7 + 86399) / 86400 * 86400;
	rl_time_iso8601(m->start, d0);
	rl_time_iso8601(m->end - 1, d1);
	d0[10] = d1[10] = '\0';
	rp_out_printf(o,
		      "set xdata time\n"
		      "set timefmt \"%%s\"\n"
		      "set format x \"%s\"\n"
		      "set xrange [%lld:%lld]\n"
		      "set xtics %lld\n",
		      fmt, (long long)m->start, (long long)m->end, (long long)step);
	if (!strcmp(d0, d1))
		rp_out_printf(o, "set xlabel \"time (UTC) on %s, %lld-s intervals\"\n", d0,
			      (long long)m->interval);
	else
		rp_out_printf(o, "set xlabel \"time (UTC), %s to %s, %lld-s intervals\"\n", d0, d1,
			      (long long)m->interval);
	for (size_t i = 0; i < m->nphases; i++) {
		const rp_group_t *p = &m->phases[i];
		if (!p->have_span)
			continue;
		rp_out_printf(o,
			      "set object %zu rect from %lld, graph 0 to %lld, graph 1 behind "
			      "fc rgb \"%s\" fs transparent solid 0.7 noborder\n",
			      BAND_ID + i, (long long)p->start, (long long)p->end,
			      bands[i % NBANDS]);
		rp_out_printf(o,
			      "set arrow %zu from %lld, graph 0 to %lld, graph 1 nohead back "
			      "lc rgb \"#808080\" lw 1 dt (4,4)\n",
			      BAND_ID + i, (long long)p->start, (long long)p->start);
		rp_out_printf(o, "set label %zu ", BAND_ID + i);
		rp_gp_str(o, p->name, 40);
		rp_out_printf(o,
			      " at %lld, graph 1.0 center offset 0,0.55 front font \",10\" "
			      "tc rgb \"#303030\"\n",
			      (long long)(p->start + (p->end - p->start) / 2));
	}
}

void rp_gp_time_axis_off(rp_out_t *o, const rp_model_t *m)
{
	rp_out_puts(o, "set xdata\nset format x \"%h\"\nset autoscale x\nset xtics autofreq\n"
		       "unset xlabel\n");
	for (size_t i = 0; i < m->nphases; i++)
		if (m->phases[i].have_span)
			rp_out_printf(o, "unset object %zu\nunset arrow %zu\nunset label %zu\n",
				      BAND_ID + i, BAND_ID + i, BAND_ID + i);
}

void rp_gp_nodata(rp_out_t *o, const char *why)
{
	rp_out_printf(o, "set label %d ", NODATA_ID);
	rp_gp_str(o, why, 200);
	rp_out_printf(o,
		      " at graph 0.5, graph 0.5 center front font \",14\" tc rgb \"#606060\"\n"
		      "set xrange [0:1]\nset yrange [0:1]\nunset xtics\nunset ytics\n"
		      "set key nobox\nplot NaN notitle\nset key box\n"
		      "unset label %d\nset xtics\nset ytics\nset autoscale xy\n",
		      NODATA_ID);
}
