/*
 * plots.h - the report's plots: one table entry per plot, each writing
 * NAME.dat (the numbers, with a header naming the columns) and NAME.gp
 * (the gnuplot script that draws NAME.png and NAME.svg from them) into the
 * report directory. Running gnuplot is the command's job.
 */
#ifndef ROOTLENS_RP_PLOTS_H
#define ROOTLENS_RP_PLOTS_H

#include <stddef.h>

#include "model.h"

/** Choices the command passes down. */
typedef struct rp_opts {
	unsigned top;       /**< top sources / prefixes drawn (default 8) */
	unsigned types;     /**< query types stacked (default 8) */
	unsigned tlds;      /**< DNSKEY bars (default 20) */
	unsigned tld_lines; /**< TLDs stacked in DNSKEY over time (default 6) */
} rp_opts_t;

#define RP_OPTS_DEFAULT                                                                            \
	{                                                                                          \
		8, 8, 20, 6                                                                        \
	}

/** What one plot turned out to be, for the page. */
typedef struct rp_plotinfo {
	int empty;      /**< the whole image is a "no data" panel */
	char note[320]; /**< a remark for the page ("" for none) */
} rp_plotinfo_t;

typedef struct rp_out rp_out_t;

/** One plot. */
typedef struct rp_plot {
	const char *name;    /**< file stem: NAME.dat, NAME.gp, NAME.png, NAME.svg */
	const char *title;   /**< the plot's title */
	const char *caption; /**< what it shows, for the page (plain text) */
	int (*write)(const rp_model_t *m, const rp_opts_t *o, rp_out_t *dat, rp_out_t *gp,
		     rp_plotinfo_t *info);
} rp_plot_t;

/** The plots, in page order. */
extern const rp_plot_t rp_plots[];
extern const size_t rp_nplots;

/**
 * Write NAME.dat and NAME.gp of every plot into @p dir (which must exist)
 * for the finished model @p m; @p info has rp_nplots entries.
 * @return 0; DW_EIO with errno set and the file's path in @p err; DW_ENOMEM.
 */
int rp_plots_write(const rp_model_t *m, const rp_opts_t *o, const char *dir, rp_plotinfo_t *info,
		   char *err, size_t errlen);

#endif
