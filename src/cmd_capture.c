/*
 * cmd_capture.c - `rootlens capture`: the collector. Records DNS traffic
 * on one or more interfaces for a window into clock-aligned, rotated gzip
 * pcap files with manifests (capture/: live devices, writer thread,
 * manifests, anonymizer, privilege drop). This file owns the command
 * line, signals, the capture loop, status lines and exit codes.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "anon.h"
#include "cli.h"
#include "gzfile.h"
#include "live.h"
#include "privdrop.h"
#include "ring.h"
#include "rootlens/common.h"
#include "window.h"
#include "writer.h"

#define CMD "capture"
#define MAX_IFACES 16
#define MAX_SNAPLEN 262144
/* A boundary (rotation, SIGHUP, end) is crossed by the first packet at or
 * after it, so packets still in the kernel buffer with earlier times go to
 * the file before it; on a quiet link, this long after it by the clock. */
#define BOUNDARY_GRACE_US 500000
#define US 1000000

static volatile sig_atomic_t got_stop, got_hup;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_stop = sig;
}

typedef struct cap {
	ring_t *ring;
	writer_t *wr;
	live_t *live;
	anon_t *anon;
	int linktype;
	int64_t rotate;         /* seconds, 0: never */
	/* times in microseconds since the epoch */
	int started;            /* the first file is open (window started) */
	int64_t first_us;       /* window start: earlier packets are not kept */
	int64_t next_us;        /* next file boundary: clock or SIGHUP */
	uint32_t next_reason;   /* WR_CLOSE_ROTATION or WR_CLOSE_HUP */
	int64_t end_us;         /* window end or the signal's time; INT64_MAX */
	uint32_t end_reason;    /* WR_CLOSE_WINDOW_END or WR_CLOSE_SIGNAL */
	int stop;               /* WR_CLOSE_* + 1 when the loop must end */
	uint64_t packets, bytes;
	uint64_t app_drops, anon_drops;
	wr_drops_t sent;        /* drop totals already reported in a manifest */
} cap_t;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: rootlens capture -i IFACE [-i IFACE...] --server NAME -o DIR [options]\n"
		"\n"
		"Record DNS traffic for a window into DIR/<server>/<instance>/<UTC start>.pcap.gz,\n"
		"rotated on the clock, each file with a JSON manifest beside it.\n"
		"\n"
		"  -i, --interface IFACE  capture on IFACE (repeatable; same link type)\n"
		"  -f, --filter EXPR      BPF filter; IP fragments are added unless --no-fragments\n"
		"                         (default: " LIVE_DEFAULT_FILTER ")\n"
		"      --no-fragments     use the filter as given\n"
		"  -s, --snaplen N        bytes kept per packet (default and max 262144)\n"
		"  -B, --buffer-size MIB  kernel capture buffer (default 64)\n"
		"      --no-promisc       do not put the interface into promiscuous mode\n"
		"      --server NAME      service name, e.g. k.root-servers.net (required)\n"
		"      --instance ID      capture point (default: the host name)\n"
		"      --phase LABEL      phase label, e.g. pre-durz\n"
		"  -o, --out DIR          output directory (required)\n"
		"      --start TIME       UTC start (YYYY-MM-DDTHH:MM:SSZ); waits until then\n"
		"      --duration D       window length: 48h, 90m, 30s, 2d, 1h30m, or seconds\n"
		"      --end TIME         UTC end instead of --duration (default: until a signal)\n"
		"      --rotate SECS      file length, aligned to the clock (default 600; 0 never)\n"
		"      --gzip-level N     zlib: 1..9 (default 6); isal: 0..3 (default 1)\n"
		"      --gzip-engine E    zlib (default) or isal (ISA-L igzip, several times faster)\n"
		"      --flush SECS       end a gzip member and fsync at least this often (default 1)\n"
		"      --queue-size MIB   writer queue (default 64)\n"
		"      --user USER        run as USER after opening the devices (default nobody)\n"
		"      --chroot DIR       chroot to DIR before dropping privileges\n"
		"      --anonymize MODE   truncate or cryptopan (default: off)\n"
		"      --anon-bits V4/V6  bits kept by truncate (default 24/48)\n"
		"      --key FILE         Crypto-PAn key: 32 bytes, or 64 hex digits\n"
		"      --stats-interval N a status line every N s (default 10 on a terminal)\n"
		"  -q, --quiet            no status lines\n"
		"  -h, --help             this help\n"
		"\n"
		"SIGINT/SIGTERM finish the current file and exit; SIGHUP starts a new file.\n"
		"Exit status: 0 window complete or stopped by a signal, 1 write error (the\n"
		"current file is closed valid), 2 usage error, 3 could not start.\n");
}

static int parse_int(const char *s, long lo, long hi, long *v)
{
	char *end;
	errno = 0;
	long x = strtol(s, &end, 10);
	if (!*s || *end || errno || x < lo || x > hi)
		return -1;
	*v = x;
	return 0;
}

/* A label used as a directory name: no '/', not "." or "..", printable. */
static int label_ok(const char *s)
{
	if (!*s || !strcmp(s, ".") || !strcmp(s, "..") || strlen(s) > 128)
		return 0;
	for (const char *p = s; *p; p++)
		if (*p == '/' || (unsigned char)*p < 0x21 || *p == 0x7f)
			return 0;
	return 1;
}

static void now_real(int64_t *sec, uint32_t *usec)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	*sec = ts.tv_sec;
	*usec = (uint32_t)(ts.tv_nsec / 1000);
}

/* Drops since the last manifest, for the file now closing. */
static wr_drops_t drops_delta(cap_t *c)
{
	wr_drops_t now = { 0 }, d;
	live_drops(c->live, &now.kernel, &now.interface);
	now.application = c->app_drops;
	now.anonymizer = c->anon_drops;
	d.kernel = now.kernel - c->sent.kernel;
	d.interface = now.interface - c->sent.interface;
	d.application = now.application - c->sent.application;
	d.anonymizer = now.anonymizer - c->sent.anonymizer;
	c->sent = now;
	return d;
}

/* Queue a control record; they use the ring's reserve, so this waits only
 * when many are queued at once (and gives up if the writer has stopped). */
static int send_ctl(cap_t *c, uint32_t type, uint32_t reason, int64_t sec, uint32_t usec)
{
	wrec_ctl_t r = { 0 };
	r.type = type;
	r.reason = reason;
	r.at_sec = sec;
	r.at_usec = usec;
	r.drops = drops_delta(c);
	void *p;
	while (!(p = ring_reserve(c->ring, sizeof(r), 1))) {
		if (wr_failed(c->wr))
			return -1;
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	memcpy(p, &r, sizeof(r));
	ring_commit(c->ring, sizeof(r));
	return 0;
}

/* The clock boundary after @p from_us (or none), never past the end. */
static void set_next_boundary(cap_t *c, int64_t from_us)
{
	int64_t sec = from_us / US;
	c->next_us = c->rotate ? win_next_boundary(sec, c->rotate) * US : INT64_MAX;
	c->next_reason = WR_CLOSE_ROTATION;
	if (c->next_us > c->end_us)
		c->next_us = c->end_us;
}

static void boundary(cap_t *c, int64_t at_us, uint32_t type, uint32_t reason)
{
	if (send_ctl(c, type, reason, at_us / US, (uint32_t)(at_us % US)) != 0)
		c->stop = WR_CLOSE_ERROR + 1;
}

static void start_window(cap_t *c)
{
	c->started = 1;
	boundary(c, c->first_us, WREC_NEWFILE, WR_CLOSE_ROTATION);
	set_next_boundary(c, c->first_us);
}

/* Cross the boundary at c->next_us: a new file, or the end. */
static void cross(cap_t *c)
{
	if (c->next_us >= c->end_us) {
		c->stop = (int)c->end_reason + 1;
		return;
	}
	int64_t at = c->next_us;
	boundary(c, at, WREC_NEWFILE, c->next_reason);
	set_next_boundary(c, at);
}

static void on_packet(unsigned char *user, const struct pcap_pkthdr *h, const unsigned char *bytes)
{
	cap_t *c = (cap_t *)(void *)user;
	int64_t sec = h->ts.tv_sec;
	int64_t t = sec * US + h->ts.tv_usec;
	if (c->stop)
		return;
	if (!c->started) {
		if (t < c->first_us)
			return; /* before the window */
		start_window(c);
	}
	while (t >= c->next_us && !c->stop)
		cross(c);
	if (c->stop) {
		live_breakloop(c->live);
		return;
	}
	uint32_t caplen = h->caplen > MAX_SNAPLEN ? MAX_SNAPLEN : h->caplen;
	uint8_t *p = ring_reserve(c->ring, sizeof(wrec_pkt_t) + caplen, 0);
	if (!p) {
		c->app_drops++;
		return;
	}
	uint8_t *data = p + sizeof(wrec_pkt_t);
	memcpy(data, bytes, caplen);
	if (c->anon && anon_packet(c->anon, c->linktype, data, caplen) != 0) {
		c->anon_drops++;
		return; /* never committed: the ring forgets it */
	}
	wrec_pkt_t r = { WREC_PKT, caplen, sec, (uint32_t)h->ts.tv_usec, h->len };
	memcpy(p, &r, sizeof(r));
	ring_commit(c->ring, sizeof(wrec_pkt_t) + caplen);
	c->packets++;
	c->bytes += caplen;
}

/* mkdir -p, each new directory given to @p uid/@p gid. Prints its failure. */
static int make_dirs(const char *path, uid_t uid, gid_t gid)
{
	char buf[4096];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
		cli_err(CMD, "%s: path too long", path);
		return -1;
	}
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(buf, 0755) == 0) {
			if (chown(buf, uid, gid) != 0) {
				cli_err(CMD, "chown %s: %s", buf, strerror(errno));
				return -1;
			}
		} else if (errno != EEXIST) {
			cli_err(CMD, "mkdir %s: %s", buf, strerror(errno));
			return -1;
		}
		*p = saved;
		if (!saved)
			break;
	}
	return 0;
}

static void status_line(cap_t *c, double t0, double *last_t, uint64_t *last_p)
{
	double now = cli_now();
	uint64_t k, i;
	live_drops(c->live, &k, &i);
	double rate = now > *last_t ? (double)(c->packets - *last_p) / (now - *last_t) : 0;
	fprintf(stderr,
		"rootlens capture: %.0f s, %llu packets (%.0f/s), %u files; drops: kernel %llu, "
		"interface %llu, application %llu, anonymizer %llu; queue %zu KiB\n",
		now - t0, (unsigned long long)c->packets, rate, wr_files(c->wr),
		(unsigned long long)k, (unsigned long long)i, (unsigned long long)c->app_drops,
		(unsigned long long)c->anon_drops, ring_used(c->ring) / 1024);
	*last_t = now;
	*last_p = c->packets;
}

int cmd_capture(int argc, char **argv)
{
	const char *ifaces[MAX_IFACES];
	int nifaces = 0;
	const char *user_filter = NULL, *server = NULL, *instance = NULL, *phase = NULL;
	const char *out = NULL, *user = "nobody", *chroot_dir = NULL, *anon_mode = NULL;
	const char *key_file = NULL, *anon_bits = "24/48";
	int no_frag = 0, promisc = 1, quiet = 0;
	long snaplen = MAX_SNAPLEN, buffer_mib = 64, rotate = 600, level = -1, queue_mib = 64;
	int engine = GZF_ZLIB;
	long stats_interval = -1;
	double flush = 1.0;
	int64_t start = 0, end = 0, duration = 0;
	int have_start = 0, have_end = 0;

	enum { O_NOFRAG = 256, O_PROMISC, O_SERVER, O_INSTANCE, O_PHASE, O_START, O_DURATION,
	       O_END, O_ROTATE, O_LEVEL, O_FLUSH, O_QUEUE, O_USER, O_CHROOT, O_ANON, O_BITS,
	       O_KEY, O_STATS, O_ENGINE };
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "filter", required_argument, NULL, 'f' },
		{ "no-fragments", no_argument, NULL, O_NOFRAG },
		{ "snaplen", required_argument, NULL, 's' },
		{ "buffer-size", required_argument, NULL, 'B' },
		{ "no-promisc", no_argument, NULL, O_PROMISC },
		{ "server", required_argument, NULL, O_SERVER },
		{ "instance", required_argument, NULL, O_INSTANCE },
		{ "phase", required_argument, NULL, O_PHASE },
		{ "out", required_argument, NULL, 'o' },
		{ "start", required_argument, NULL, O_START },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "end", required_argument, NULL, O_END },
		{ "rotate", required_argument, NULL, O_ROTATE },
		{ "gzip-level", required_argument, NULL, O_LEVEL },
		{ "gzip-engine", required_argument, NULL, O_ENGINE },
		{ "flush", required_argument, NULL, O_FLUSH },
		{ "queue-size", required_argument, NULL, O_QUEUE },
		{ "user", required_argument, NULL, O_USER },
		{ "chroot", required_argument, NULL, O_CHROOT },
		{ "anonymize", required_argument, NULL, O_ANON },
		{ "anon-bits", required_argument, NULL, O_BITS },
		{ "key", required_argument, NULL, O_KEY },
		{ "stats-interval", required_argument, NULL, O_STATS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "i:f:s:B:o:qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'i':
			if (nifaces == MAX_IFACES)
				return cli_usage_error(CMD, "at most %d interfaces", MAX_IFACES);
			ifaces[nifaces++] = optarg;
			break;
		case 'f': user_filter = optarg; break;
		case O_NOFRAG: no_frag = 1; break;
		case 's':
			if (parse_int(optarg, 64, MAX_SNAPLEN, &snaplen))
				return cli_usage_error(CMD, "--snaplen: 64..%d, not '%s'", MAX_SNAPLEN, optarg);
			break;
		case 'B':
			if (parse_int(optarg, 1, 2047, &buffer_mib))
				return cli_usage_error(CMD, "--buffer-size: 1..2047 MiB, not '%s'", optarg);
			break;
		case O_PROMISC: promisc = 0; break;
		case O_SERVER: server = optarg; break;
		case O_INSTANCE: instance = optarg; break;
		case O_PHASE: phase = optarg; break;
		case 'o': out = optarg; break;
		case O_START:
			if (rl_time_parse(optarg, &start) != 0)
				return cli_usage_error(CMD, "--start: not a UTC time: '%s'", optarg);
			have_start = 1;
			break;
		case O_DURATION:
			if (win_parse_duration(optarg, &duration) != 0)
				return cli_usage_error(CMD, "--duration: not a duration: '%s'", optarg);
			break;
		case O_END:
			if (rl_time_parse(optarg, &end) != 0)
				return cli_usage_error(CMD, "--end: not a UTC time: '%s'", optarg);
			have_end = 1;
			break;
		case O_ROTATE:
			if (parse_int(optarg, 0, 7 * 86400, &rotate))
				return cli_usage_error(CMD, "--rotate: 0..604800 seconds, not '%s'", optarg);
			break;
		case O_LEVEL:
			if (parse_int(optarg, 0, 9, &level))
				return cli_usage_error(CMD, "--gzip-level: 1..9 (isal: 0..3), not '%s'", optarg);
			break;
		case O_ENGINE:
			if (!strcmp(optarg, "zlib"))
				engine = GZF_ZLIB;
			else if (!strcmp(optarg, "isal") && gzf_have_isal())
				engine = GZF_ISAL;
			else
				return cli_usage_error(CMD, "--gzip-engine: zlib%s, not '%s'",
						       gzf_have_isal() ? " or isal" : " (built without ISA-L)", optarg);
			break;
		case O_FLUSH: {
			char *e;
			flush = strtod(optarg, &e);
			if (!*optarg || *e || !(flush >= 0.01 && flush <= 3600))
				return cli_usage_error(CMD, "--flush: 0.01..3600 seconds, not '%s'", optarg);
			break;
		}
		case O_QUEUE:
			if (parse_int(optarg, 1, 65536, &queue_mib))
				return cli_usage_error(CMD, "--queue-size: 1..65536 MiB, not '%s'", optarg);
			break;
		case O_USER: user = optarg; break;
		case O_CHROOT: chroot_dir = optarg; break;
		case O_ANON:
			if (strcmp(optarg, "truncate") && strcmp(optarg, "cryptopan"))
				return cli_usage_error(CMD, "--anonymize: truncate or cryptopan, not '%s'", optarg);
			anon_mode = optarg;
			break;
		case O_BITS: anon_bits = optarg; break;
		case O_KEY: key_file = optarg; break;
		case O_STATS:
			if (parse_int(optarg, 0, 86400, &stats_interval))
				return cli_usage_error(CMD, "--stats-interval: 0..86400 seconds, not '%s'", optarg);
			break;
		case 'q': quiet = 1; break;
		case 'h': usage(stdout); return RL_EXIT_OK;
		default: return cli_usage_error(CMD, "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
	if (!nifaces)
		return cli_usage_error(CMD, "no interface (-i IFACE)");
	if (!server || !out)
		return cli_usage_error(CMD, "--server and --out are required");
	char host[256] = "unknown";
	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	if (!instance)
		instance = host;
	if (!label_ok(server) || !label_ok(instance))
		return cli_usage_error(CMD, "--server and --instance name directories: no '/', "
					    "spaces or control characters, not '.' or '..'");
	if (level < 0)
		level = engine == GZF_ISAL ? 1 : 6;
	if (engine == GZF_ZLIB ? level < 1 : level > 3)
		return cli_usage_error(CMD, "--gzip-level %ld: zlib takes 1..9, isal 0..3", level);
	if (duration && have_end)
		return cli_usage_error(CMD, "--duration and --end exclude each other");
	unsigned bits4 = 24, bits6 = 48;
	if (anon_mode) {
		if (sscanf(anon_bits, "%u/%u", &bits4, &bits6) != 2 || bits4 > 32 || bits6 > 128)
			return cli_usage_error(CMD, "--anon-bits: V4/V6 bits kept, e.g. 24/48, not '%s'",
					       anon_bits);
		if (!strcmp(anon_mode, "cryptopan") && !key_file)
			return cli_usage_error(CMD, "--anonymize cryptopan needs --key FILE");
	} else if (key_file) {
		return cli_usage_error(CMD, "--key without --anonymize cryptopan");
	}
	if (stats_interval < 0)
		stats_interval = !quiet && isatty(STDERR_FILENO) ? 10 : 0;

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: poll and sleeps return */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	char err[512];
	priv_user_t pu;
	if (priv_lookup(user, &pu, err, sizeof(err)) != 0) {
		cli_err(CMD, "--user: %s", err);
		return RL_EXIT_USAGE;
	}
	cap_t c = { 0 };
	if (anon_mode) {
		if (!strcmp(anon_mode, "truncate")) {
			c.anon = anon_new_truncate(bits4, bits6);
			snprintf(err, sizeof(err), "out of memory");
		} else {
			uint8_t key[32];
			if (anon_load_key(key_file, key, err, sizeof(err)) == 0)
				c.anon = anon_new_cryptopan(key, err, sizeof(err));
			memset(key, 0, sizeof(key));
		}
		if (!c.anon) {
			cli_err(CMD, "--anonymize %s: %s", anon_mode, err);
			return RL_EXIT_FATAL;
		}
	}

	/* packets are kept from this moment (or --start) on: every packet the
	 * devices hand over is younger, so the first file holds nothing older
	 * than its period */
	int64_t t0s;
	uint32_t t0u;
	now_real(&t0s, &t0u);
	c.first_us = t0s * US + t0u;
	if (have_start && start * US > c.first_us)
		c.first_us = start * US; /* (a --start in the past, as after a restart: now) */
	int64_t end_s = duration ? (have_start ? start : t0s) + duration : have_end ? end : 0;
	c.end_us = end_s ? end_s * US : INT64_MAX;
	c.end_reason = WR_CLOSE_WINDOW_END;
	c.next_us = INT64_MAX;
	if (c.end_us <= c.first_us || c.end_us <= t0s * US + t0u) {
		anon_free(c.anon);
		return cli_usage_error(CMD, "the window ends before it starts");
	}

	char *filter = live_filter(user_filter, no_frag);
	live_opts_t lo = { (int)snaplen, (int)buffer_mib, promisc, filter };
	int rc = RL_EXIT_OK;
	int dirfd = -1;
	char dir[4096];
	c.live = filter ? live_open(ifaces, nifaces, &lo, err, sizeof(err)) : NULL;
	if (!c.live) {
		cli_err(CMD, "%s", filter ? err : "out of memory");
		rc = RL_EXIT_FATAL;
		goto done;
	}
	if (*live_warnings(c.live))
		cli_err(CMD, "warning: %s", live_warnings(c.live));
	c.linktype = live_linktype(c.live);
	if (snprintf(dir, sizeof(dir), "%s/%s/%s", out, server, instance) >= (int)sizeof(dir) ||
	    make_dirs(dir, pu.uid, pu.gid) != 0) {
		rc = RL_EXIT_FATAL;
		goto done;
	}
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		cli_err(CMD, "%s: %s", dir, strerror(errno));
		rc = RL_EXIT_FATAL;
		goto done;
	}
	if (getuid() == 0 && pu.uid != 0 && fchown(dirfd, pu.uid, pu.gid) != 0) {
		cli_err(CMD, "chown %s: %s", dir, strerror(errno));
		rc = RL_EXIT_FATAL;
		goto done;
	}
	if ((getuid() == 0 || chroot_dir) && priv_drop(&pu, chroot_dir, err, sizeof(err)) != 0) {
		cli_err(CMD, "%s", err);
		rc = RL_EXIT_FATAL;
		goto done;
	}

	c.ring = ring_new((size_t)queue_mib << 20);
	if (!c.ring) {
		cli_err(CMD, "out of memory for a %ld MiB queue", queue_mib);
		rc = RL_EXIT_FATAL;
		goto done;
	}
	wr_config_t wc = { 0 };
	wc.dirfd = dirfd;
	wc.server = server;
	wc.instance = instance;
	wc.phase = phase;
	wc.host = host;
	wc.interfaces = ifaces;
	wc.ninterfaces = nifaces;
	wc.linktype = c.linktype;
	wc.snaplen = (uint32_t)snaplen;
	wc.filter = filter;
	wc.gzip_engine = engine;
	wc.gzip_level = (int)level;
	wc.flush = flush;
	wc.anonymization = c.anon ? anon_describe(c.anon) : NULL;
	wc.member_max = 8u << 20;
	/* signals go to this thread, whose poll they interrupt */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	c.wr = wr_start(&wc, c.ring, err, sizeof(err));
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!c.wr) {
		cli_err(CMD, "%s", err);
		rc = RL_EXIT_FATAL;
		goto done;
	}

	c.rotate = rotate;
	if (have_start && !quiet && c.first_us > t0s * US + t0u)
		fprintf(stderr, "rootlens capture: devices open; the window starts at %s\n",
			rl_time_iso8601(start, (char[RL_TIME_STRMAX]){ 0 }));
	double mono0 = cli_now(), last_t = mono0, next_stat = mono0 + (double)stats_interval;
	uint64_t last_p = 0;
	int live_failed = 0;
	while (!c.stop) {
		if (live_dispatch(c.live, 100, on_packet, (unsigned char *)&c, err, sizeof(err)) < 0) {
			cli_err(CMD, "capture failed: %s", err);
			live_failed = 1;
			c.stop = WR_CLOSE_ERROR + 1;
		}
		int64_t s;
		uint32_t u;
		now_real(&s, &u);
		int64_t now = s * US + u;
		if (!c.stop && !c.started && (now >= c.first_us || got_stop)) {
			if (got_stop && now < c.first_us) {
				break; /* stopped before the window opened: no file */
			}
			start_window(&c);
		}
		if (c.stop)
			break;
		if (got_stop && c.end_reason != WR_CLOSE_SIGNAL) {
			/* end at the signal: what the kernel still holds from before
			 * it is written; the first later packet (or the clock) ends */
			if (now < c.end_us) {
				c.end_us = now;
				c.end_reason = WR_CLOSE_SIGNAL;
				if (c.next_us > c.end_us)
					c.next_us = c.end_us;
			}
		}
		if (got_hup) {
			got_hup = 0;
			if (now < c.next_us) {
				c.next_us = now;
				c.next_reason = WR_CLOSE_HUP;
			}
		}
		/* a quiet link: the clock crosses the boundary */
		while (!c.stop && c.next_us != INT64_MAX && now - c.next_us >= BOUNDARY_GRACE_US)
			cross(&c);
		if (c.stop || wr_failed(c.wr))
			break;
		if (stats_interval && cli_now() >= next_stat) {
			status_line(&c, mono0, &last_t, &last_p);
			next_stat += (double)stats_interval;
		}
	}
	if (!wr_failed(c.wr)) {
		/* (before the window opened, END finds no file and just ends) */
		uint32_t why = c.stop ? (uint32_t)(c.stop - 1) : WR_CLOSE_SIGNAL;
		int64_t at = c.end_us;
		if (why == WR_CLOSE_ERROR || at == INT64_MAX) {
			/* the device failed, not the file: close it now */
			int64_t s;
			uint32_t u;
			now_real(&s, &u);
			at = s * US + u;
			why = WR_CLOSE_SIGNAL;
		}
		boundary(&c, at, WREC_END, why);
	}
	if (stats_interval)
		status_line(&c, mono0, &last_t, &last_p);
	wr_join(c.wr);
	int failed = wr_failed(c.wr);
	unsigned files = wr_files(c.wr);
	uint64_t written = wr_packets(c.wr);
	wr_drops_t total = c.sent;
	if (failed) {
		cli_err(CMD, "%s", wr_error(c.wr));
		rc = RL_EXIT_DAMAGED;
	} else if (live_failed) {
		rc = RL_EXIT_DAMAGED;
	}
	if (!quiet)
		fprintf(stderr,
			"rootlens capture: %llu packets captured, %llu written in %u files; drops: "
			"kernel %llu, interface %llu, application %llu, anonymizer %llu\n",
			(unsigned long long)c.packets, (unsigned long long)written, files,
			(unsigned long long)total.kernel, (unsigned long long)total.interface,
			(unsigned long long)total.application, (unsigned long long)total.anonymizer);
done:
	wr_free(c.wr);
	if (dirfd >= 0)
		close(dirfd);
	live_close(c.live);
	ring_free(c.ring);
	anon_free(c.anon);
	free(filter);
	return rc;
}
