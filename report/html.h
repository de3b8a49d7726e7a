/*
 * html.h - the report's index.html: a summary of the documents (window,
 * instances, phases, queries, TCP share, DO share, unique sources, flags)
 * and every plot (its PNG, with links to the SVG, the script and the
 * data). One self-contained file, no scripts, no external resources.
 */
#ifndef ROOTLENS_RP_HTML_H
#define ROOTLENS_RP_HTML_H

#include <stddef.h>

#include "model.h"
#include "plots.h"

/**
 * Write DIR/index.html for the finished model @p m and the plots of
 * rp_plots[] (@p info: what each turned out to be; @p failed: NULL, or
 * per plot nonzero when its images could not be drawn). @p title heads
 * the page (NULL: "rootlens report").
 * @return 0; DW_EIO with errno set and a message in @p err; DW_ENOMEM.
 */
int rp_html_write(const rp_model_t *m, const rp_plotinfo_t *info, const int *failed,
		  const char *dir, const char *title, char *err, size_t errlen);

#endif
