#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

void cli_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "rootlens %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "rootlens %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'rootlens %s --help'.\n", cmd);
	return RL_EXIT_USAGE;
}

int cli_parse_port(const char *s, uint16_t *port)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 1 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

double cli_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_progress_init(cli_progress_t *p, int quiet, uint64_t total_bytes)
{
	p->enabled = !quiet && isatty(STDERR_FILENO);
	p->t0 = p->last = cli_now();
	p->total_bytes = total_bytes;
}

void cli_progress_update(cli_progress_t *p, unsigned file_no, unsigned files,
			 uint64_t bytes_done, uint64_t packets)
{
	if (!p->enabled)
		return;
	double now = cli_now();
	if (now - p->last < 0.25)
		return;
	p->last = now;
	double el = now - p->t0;
	double rate = el > 0 ? (double)packets / el : 0;
	fprintf(stderr, "\r\033[Kfile %u/%u  %.1f MB  %llu packets  %.0f pkt/s",
		file_no, files, (double)bytes_done / 1e6, (unsigned long long)packets, rate);
	if (p->total_bytes > 0 && bytes_done > 0 && bytes_done <= p->total_bytes) {
		double eta = el * (double)(p->total_bytes - bytes_done) / (double)bytes_done;
		fprintf(stderr, "  %.0f%%  ETA %.0fs",
			100.0 * (double)bytes_done / (double)p->total_bytes, eta);
	}
}

void cli_progress_done(cli_progress_t *p)
{
	if (p->enabled)
		fprintf(stderr, "\r\033[K");
}
