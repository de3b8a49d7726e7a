/*
 * gpwrite.h - writing gnuplot data (.dat) and scripts (.gp) for the
 * report: files with a sticky error, quoting of text taken from the
 * documents, and the pieces every script shares (terminals, palette,
 * time axis, phase bands, the "no data" panel).
 *
 * Every script draws its PNG (pngcairo) and SVG from one body, in a loop
 * over the formats named in the gnuplot variable `fmts` (default
 * "png svg"), so `gnuplot NAME.gp` in the report directory redraws both
 * and `gnuplot -e "fmts='svg'" NAME.gp` one.
 */
#ifndef ROOTLENS_RP_GPWRITE_H
#define ROOTLENS_RP_GPWRITE_H

#include <stdio.h>

#include "model.h"

#define RP_NCOLORS 8

/** A file being written; the first failure sticks (errno in err). */
typedef struct rp_out {
	FILE *f;
	char *path; /**< DIR/NAME */
	int err;    /**< errno of the first failure, or 0 */
} rp_out_t;

/** Create DIR/NAME. @return 0, DW_EIO (errno set), DW_ENOMEM. */
int rp_out_open(rp_out_t *o, const char *dir, const char *name);

void rp_out_printf(rp_out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rp_out_puts(rp_out_t *o, const char *s);

/** Close. @return 0, or DW_EIO with errno set to the first failure. */
int rp_out_close(rp_out_t *o);

/** Remove a file being written after a failure, and close it. */
void rp_out_discard(rp_out_t *o);

/**
 * Text from a document as a gnuplot string: single-quoted (a quote
 * doubled), bytes below 0x20 and 0x7f as '?', at most @p max bytes
 * (0: no limit; longer text ends in "...").
 */
void rp_gp_str(rp_out_t *o, const char *s, size_t max);

/**
 * Text from a document as one datafile column: double-quoted, with every
 * byte outside '!'..'~' and every '"' written as '_' (gnuplot's datafile
 * strings have no escapes). rp_dat_label() gives the same text.
 */
void rp_dat_str(rp_out_t *o, const char *s);

/** The text rp_dat_str() writes between its quotes, into @p buf. */
const char *rp_dat_label(const char *s, char *buf, size_t len);

/** A number for a datafile: "NaN" when not finite, else %.10g. */
void rp_dat_num(rp_out_t *o, double v);

/** "# key: value" header lines and the column names of a .dat file. */
void rp_dat_header(rp_out_t *o, const char *name, const char *what);

/**
 * The start of script NAME.gp: a comment naming its data and how to rerun
 * it, `iv` (the interval in seconds), the format loop and terminal
 * (@p w x @p h pixels for PNG, the same for SVG), the palette (line types
 * 1..RP_NCOLORS: colours of distinct lightness, each with its own dash
 * pattern and point type, so lines stay apart in greyscale), the grid,
 * and @p title. Close with rp_gp_end().
 */
void rp_gp_begin(rp_out_t *o, const rp_model_t *m, const char *name, const char *title,
		 const char *what, int w, int h);

/** The end of the format loop. */
void rp_gp_end(rp_out_t *o);

/**
 * A time x axis over the model's window (UTC, tick format by its length,
 * label "time (UTC), N-s intervals") and the phase bands: each phase with
 * a span is a shaded rectangle behind the data with its name at the top
 * and a dashed line at its start.
 */
void rp_gp_time_axis(rp_out_t *o, const rp_model_t *m);

/** Remove the time axis settings and phase bands again (before a plot
 *  that has no time axis, in a multiplot). */
void rp_gp_time_axis_off(rp_out_t *o, const rp_model_t *m);

/**
 * An empty panel with @p why ("no data: ...") in its middle, in place of a
 * plot (a whole plot, or one panel of a multiplot). Keeps the axes' labels
 * of the panel so it still says what it would show.
 */
void rp_gp_nodata(rp_out_t *o, const char *why);

/** Line type for the @p i-th line (0-based): 1..RP_NCOLORS. */
int rp_gp_lt(size_t i);

/** "linespoints" when the series are short enough to show points, else "lines". */
const char *rp_gp_with(const rp_model_t *m);

/** A fill colour for the @p i-th layer of a stack ("#rrggbb"), lightness
 *  alternating so neighbours stay apart in greyscale; @p other: the grey
 *  of the remainder. */
const char *rp_gp_fill(size_t i, int other);

#endif
