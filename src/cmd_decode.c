/*
 * cmd_decode.c - `rootlens decode`: one line per DNS message, or counts.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "rootlens/common.h"
#include "rootlens/dnsfeed.h"

static const char decode_help[] =
	"usage: rootlens decode [-n] [--port N]... [--stats] [--quiet] FILE...\n"
	"\n"
	"Reads captures (pcap or pcapng, plain or gzip; '-' is stdin) and prints\n"
	"one tab-separated line per DNS message after a '#' header line:\n"
	"  time transport ipver src sport dst dport qr id opcode rcode aa tc rd ra\n"
	"  ad cd qdcount ancount nscount arcount qname qclass qtype edns do udpsize\n"
	"  len malformed\n"
	"\n"
	"  -n, --numeric     numbers instead of mnemonics for opcode, rcode, class, type\n"
	"  -p, --port N      also treat port N as DNS (repeatable; 53 always is)\n"
	"  -s, --stats       print per-file counts instead of messages\n"
	"  -q, --quiet       no progress on stderr\n"
	"  -h, --help        this text\n"
	"\n"
	"Exit status: 0 ok, 1 an input was missing or damaged (all before the\n"
	"damage was processed), 2 usage error, 3 fatal error.\n";

typedef struct decode_opts {
	int numeric;
	int stats;
	int quiet;
	FILE *out;
} decode_opts_t;

static const char *num(uint32_t v, char buf[16])
{
	snprintf(buf, 16, "%" PRIu32, v);
	return buf;
}

static void print_header(FILE *out)
{
	fputs("#time\ttransport\tipver\tsrc\tsport\tdst\tdport\tqr\tid\topcode\trcode"
	      "\taa\ttc\trd\tra\tad\tcd\tqdcount\tancount\tnscount\tarcount"
	      "\tqname\tqclass\tqtype\tedns\tdo\tudpsize\tlen\tmalformed\n", out);
}

static void print_msg(const nl_dns_t *pkt, const dw_msg_t *m, void *user)
{
	const decode_opts_t *o = user;
	FILE *out = o->out;
	char src[RL_ADDR_STRMAX], dst[RL_ADDR_STRMAX];
	char b1[16], b2[16], b3[16], b4[16];

	fprintf(out, "%" PRId64 ".%09" PRIu32 "\t%s\t%u\t%s\t%u\t%s\t%u\t", pkt->ts_sec,
		pkt->ts_nsec, pkt->transport == NL_TCP ? "tcp" : "udp", pkt->ipver,
		rl_addr_str(pkt->ipver, pkt->src, src), pkt->sport,
		rl_addr_str(pkt->ipver, pkt->dst, dst), pkt->dport);
	if (m->have_header) {
		uint16_t rc = m->have_edns ? m->rcode_full : m->rcode;
		fprintf(out, "%u\t%u\t%s\t%s\t%u\t%u\t%u\t%u\t%u\t%u\t%u\t%u\t%u\t%u\t", m->qr,
			m->id, o->numeric ? num(m->opcode, b1) : dw_opcode_str(m->opcode, b1),
			o->numeric ? num(rc, b2) : dw_rcode_str(rc, b2), m->aa, m->tc, m->rd,
			m->ra, m->ad, m->cd, m->qdcount, m->ancount, m->nscount, m->arcount);
	} else {
		fputs("-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t", out);
	}
	if (m->have_question) {
		char name[DW_NAME_STRMAX];
		dw_name_to_str(m->qname, m->qname_len, name, sizeof(name));
		fprintf(out, "%s\t%s\t%s\t", name,
			o->numeric ? num(m->qclass, b3) : dw_class_str(m->qclass, b3),
			o->numeric ? num(m->qtype, b4) : dw_rrtype_str(m->qtype, b4));
	} else {
		fputs("-\t-\t-\t", out);
	}
	if (m->have_edns)
		fprintf(out, "%u\t%u\t%u\t", m->edns_version, m->edns_do, m->edns_udpsize);
	else
		fputs("-\t-\t-\t", out);
	fprintf(out, "%zu\t%s\n", pkt->wire_len, m->bad ? dw_bad_name(m->bad) : "-");
}

static void kv(FILE *out, const char *k, uint64_t v)
{
	fprintf(out, "%-36s %" PRIu64 "\n", k, v);
}

static void print_stats(FILE *out, const char *what, const rl_feed_stats_t *s)
{
	char key[64];
	fprintf(out, "%-36s %s\n", "file", what);
	kv(out, "packets", s->packets);
	kv(out, "dns_messages", rl_feed_stats_messages(s));
	kv(out, "dns_udp_ipv4", s->messages[0][0]);
	kv(out, "dns_udp_ipv6", s->messages[0][1]);
	kv(out, "dns_tcp_ipv4", s->messages[1][0]);
	kv(out, "dns_tcp_ipv6", s->messages[1][1]);
	kv(out, "dns_queries", s->queries);
	kv(out, "dns_responses", s->responses);
	kv(out, "dns_messages_snapped", s->snapped);
	uint64_t bad = 0;
	for (int i = 1; i < DW_BAD__COUNT; i++)
		bad += s->malformed[i];
	kv(out, "malformed", bad);
	for (int i = 1; i < DW_BAD__COUNT; i++) {
		if (!s->malformed[i])
			continue;
		snprintf(key, sizeof(key), "malformed.%s", dw_bad_name((dw_bad_t)i));
		kv(out, key, s->malformed[i]);
	}
	uint64_t nondns = s->unsupported_link;
	for (int i = 0; i < NL_SKIP__COUNT; i++)
		nondns += s->net.skipped[i];
	kv(out, "packets_without_dns", nondns);
	for (int i = 0; i < NL_SKIP__COUNT; i++) {
		if (!s->net.skipped[i])
			continue;
		snprintf(key, sizeof(key), "packets_without_dns.%s", nl_skip_name((nl_skip_t)i));
		kv(out, key, s->net.skipped[i]);
	}
	if (s->unsupported_link)
		kv(out, "packets_without_dns.unsupported_link", s->unsupported_link);
	kv(out, "packets_snapped", s->net.snapped);
	kv(out, "ip_fragments_reassembled", s->net.frag_datagrams);
	kv(out, "ip_fragments_evicted", s->net.frag_evicted);
	kv(out, "ip_fragments_timeout", s->net.frag_timeout);
	kv(out, "ip_fragments_bad", s->net.frag_bad);
	kv(out, "tcp_flows", s->net.tcp_flows);
	kv(out, "tcp_flows_evicted", s->net.tcp_evicted);
	kv(out, "tcp_flows_timeout", s->net.tcp_timeout);
	kv(out, "tcp_gaps", s->net.tcp_gap);
	kv(out, "tcp_overflow", s->net.tcp_overflow);
	kv(out, "tcp_retransmissions", s->net.tcp_retrans);
	kv(out, "tcp_partial_at_end", s->net.tcp_partial_at_end);
}

typedef struct tick_ctx {
	cli_progress_t prog;
	unsigned file_no, files;
	uint64_t bytes_before, packets_before;
} tick_ctx_t;

static void on_tick(const rl_feed_stats_t *st, void *user)
{
	tick_ctx_t *t = user;
	cli_progress_update(&t->prog, t->file_no, t->files, t->bytes_before + st->bytes,
			    t->packets_before + st->packets);
}

int cmd_decode(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "numeric", no_argument, NULL, 'n' },
		{ "port", required_argument, NULL, 'p' },
		{ "stats", no_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	decode_opts_t o = { .out = stdout };
	nl_config_t cfg;
	int c, rc, status = RL_EXIT_OK;

	nl_config_default(&cfg);
	optind = 1;
	while ((c = getopt_long(argc, argv, "np:sqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': o.numeric = 1; break;
		case 's': o.stats = 1; break;
		case 'q': o.quiet = 1; break;
		case 'p': {
			uint16_t port;
			if (cli_parse_port(optarg, &port) < 0)
				return cli_usage_error("decode", "bad port '%s'", optarg);
			if (cfg.nports >= NL_MAX_PORTS)
				return cli_usage_error("decode", "at most %d ports", NL_MAX_PORTS - 1);
			cfg.ports[cfg.nports++] = port;
			break;
		}
		case 'h': fputs(decode_help, stdout); return RL_EXIT_OK;
		default: return cli_usage_error("decode", "bad option");
		}
	}
	if (optind >= argc)
		return cli_usage_error("decode", "no input files");

	rl_feed_t *feed;
	if ((rc = rl_feed_new(&feed, &cfg)) < 0) {
		cli_err("decode", "%s", dw_strerror(rc));
		return RL_EXIT_FATAL;
	}
	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));

	tick_ctx_t t = { .files = (unsigned)(argc - optind) };
	uint64_t total_bytes = 0;
	for (int i = optind; i < argc; i++) {
		struct stat sb;
		if (strcmp(argv[i], "-") && stat(argv[i], &sb) == 0)
			total_bytes += (uint64_t)sb.st_size;
	}
	cli_progress_init(&t.prog, o.quiet, total_bytes);
	rl_feed_set_tick(feed, on_tick, &t);

	if (!o.stats)
		print_header(stdout);
	rl_feed_stats_t st, total;
	memset(&total, 0, sizeof(total));
	total.unsupported_linktype = -1;
	for (int i = optind; i < argc; i++) {
		char err[512];
		t.file_no = (unsigned)(i - optind + 1);
		rc = rl_feed_file(feed, argv[i], o.stats ? NULL : print_msg, &o, &st, err,
				  sizeof(err));
		t.bytes_before += st.bytes;
		t.packets_before += st.packets;
		if (rc < 0) {
			fflush(stdout);
			cli_progress_done(&t.prog);
			cli_err("decode", "%s", err);
			status = RL_EXIT_DAMAGED;
		}
		if (i == argc - 1)
			rl_feed_finish(feed, o.stats ? NULL : print_msg, &o, &st);
		if (o.stats) {
			print_stats(stdout, argv[i], &st);
			if (rc < 0)
				fprintf(stdout, "%-36s %s\n", "error", err);
			fputc('\n', stdout);
		}
		rl_feed_stats_add(&total, &st);
	}
	cli_progress_done(&t.prog);
	if (o.stats && argc - optind > 1)
		print_stats(stdout, "(total)", &total);
	rl_feed_free(feed);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_err("decode", "writing output failed");
		return RL_EXIT_FATAL;
	}
	return status;
}
