/*
 * main.c - the rootlens command: dispatch to subcommands.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "rootlens/capfile.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *what;
} commands[] = {
	{ "capture", cmd_capture, "record DNS traffic for a window into rotated gzip pcap files" },
	{ "decode", cmd_decode, "print DNS messages in captures, one per line, or counts" },
	{ "analyze", cmd_analyze, "per-interval and whole-run statistics as JSON" },
	{ "merge", cmd_merge, "merge analyze outputs (partials) into one document" },
	{ "flags", cmd_flags, "misbehaving sources flagged by analyze, sorted by impact" },
	{ "export", cmd_export, "write RSSAC002v3 YAML files per day from an analysis" },
	{ "archive", cmd_archive, "contributed captures: submit (local or over ssh), verify, list, analyze" },
	{ "report", cmd_report, "plots and an HTML page from analyses (gnuplot)" },
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: rootlens COMMAND [OPTIONS] [FILE...]\n"
		"\n"
		"Capture and analysis of DNS traffic at root and TLD name servers.\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].what);
	fprintf(out,
		"\n"
		"rootlens COMMAND --help describes each; man rootlens-COMMAND.\n"
		"Exit status: 0 ok, 1 input damaged or missing (the rest processed),\n"
		"2 usage error, 3 fatal error.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return RL_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return RL_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("rootlens %s (gzip: %s)\n", RL_VERSION, cf_have_isal() ? "isa-l, zlib" : "zlib");
		return RL_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "rootlens: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return RL_EXIT_USAGE;
}
