/*
 * cli.h - what every subcommand shares: exit codes, messages, progress.
 * Only the command layer prints or exits.
 */
#ifndef ROOTLENS_CLI_H
#define ROOTLENS_CLI_H

#include <stdint.h>
#include <stdio.h>

/* Exit codes (documented in rootlens(1) and README.md). */
enum {
	RL_EXIT_OK = 0,      /* everything read and written */
	RL_EXIT_DAMAGED = 1, /* some input missing or damaged; the rest was processed */
	RL_EXIT_USAGE = 2,   /* bad command line */
	RL_EXIT_FATAL = 3,   /* could not run: out of memory, output not writable */
};

/** "rootlens decode: <message>\n" on stderr. */
void cli_err(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** Print "try --help" for @p cmd and return RL_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** Parse a port number 1..65535. @return 0 or -1. */
int cli_parse_port(const char *s, uint16_t *port);

/* Progress line on stderr, only when stderr is a terminal. */
typedef struct cli_progress {
	int enabled;
	double t0, last;
	uint64_t total_bytes; /* of all inputs, 0 when unknown */
} cli_progress_t;

void cli_progress_init(cli_progress_t *p, int quiet, uint64_t total_bytes);
/** Redraw at most a few times a second. */
void cli_progress_update(cli_progress_t *p, unsigned file_no, unsigned files,
			 uint64_t bytes_done, uint64_t packets);
void cli_progress_done(cli_progress_t *p);

/** Monotonic seconds. */
double cli_now(void);

/* Subcommands. */
int cmd_decode(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_flags(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int cmd_archive(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
