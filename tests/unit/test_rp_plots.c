/* report/plots, gpwrite, html: the .dat files hold the model's numbers,
 * the scripts draw "no data" panels when there is nothing to draw, text
 * from the documents is quoted safely, and index.html has the summary.
 *
 * The documents are written here (interval 60 s, T0 = 1273017600 =
 * 2010-05-05T00:00:00Z); the expected lines of each .dat are worked out
 * from their numbers. gnuplot is not run here (tests/e2e/test_report.sh
 * does). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cu_main.h"
#include "gpwrite.h"
#include "html.h"
#include "model.h"
#include "plots.h"
#include "rootlens/errcode.h"

static char dir[] = "/tmp/test_rp_plots.XXXXXX";

/* The contents of DIR/NAME (malloc'd), or NULL. */
static char *slurp(const char *name)
{
	char path[256];
	FILE *f;
	long n;
	char *buf;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	CU_ASSERT_FATAL(buf != NULL);
	CU_ASSERT_FATAL(fread(buf, 1, (size_t)n, f) == (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static json_t *load(const char *text)
{
	json_error_t je;
	json_t *d = json_loads(text, 0, &je);
	if (d == NULL)
		fprintf(stderr, "%d:%d: %s\n", je.line, je.column, je.text);
	CU_ASSERT_FATAL(d != NULL);
	return d;
}

static void add(rp_model_t *m, const char *text, const char *path)
{
	char err[256] = "";
	json_t *d = load(text);
	int rc = rp_model_add(m, d, path, err, sizeof(err));
	if (rc)
		fprintf(stderr, "%s: %s\n", path, err);
	CU_ASSERT_FATAL(rc == 0);
	json_decref(d);
}

#define Q(u4, u6, t4, t6)                                                                          \
	"\"messages\": {\"queries\": {\"udp\": {\"ipv4\": " #u4 ", \"ipv6\": " #u6 "}, "           \
	"\"tcp\": {\"ipv4\": " #t4 ", \"ipv6\": " #t6 "}}}"

/* ams: T0, T0+60, T0+180 (gap); lhr: T0+60 only, no UDP. */
static const char DOC_AMS[] =
	"{\"schema\": \"rootlens.stats/1\", \"interval\": 60,"
	" \"labels\": {\"server\": \"k.root-servers.net\", \"instance\": \"ams\", \"phase\": "
	"\"pre\"},"
	" \"start\": \"2010-05-05T00:00:00Z\", \"end\": \"2010-05-05T00:04:00Z\","
	" \"totals\": {" Q(
		40, 20, 3,
		1) ", \"edns\": {\"queries\": 30, \"do\": 15},"
		   "   \"sizes\": {\"udp-response-sizes\": {\"0-15\": 1, \"96-111\": 3},"
		   "             \"tcp-response-sizes\": {\"4096-\": 2}},"
		   "   \"qtype\": {\"A\": 40, \"NS\": 14, \"DNSKEY\": 9, \"MX\": 1},"
		   "   \"dnskey_by_tld\": {\".\": 6, \"se\": 2, \"x y\\\"z\": 1, \"other\": 5},"
		   "   \"top_sources\": [{\"addr\": \"192.0.2.1\", \"queries\": 30},"
		   "                     {\"addr\": \"192.0.2.7\", \"queries\": 4}],"
		   "   \"top_prefixes\": [{\"prefix\": \"192.0.2.0/24\", \"queries\": 34}]},"
		   " \"series\": ["
		   "  {\"start\": \"2010-05-05T00:00:00Z\", " Q(
			   10, 10, 1,
			   0) ", \"edns\": {\"queries\": 10, \"do\": 5},"
			      "   \"unique_sources\": {\"ipv4\": 3, \"ipv6\": 2, \"ipv6_64\": 1},"
			      "   \"qtype\": {\"A\": 12, \"NS\": 5, \"DNSKEY\": 3, \"MX\": 1},"
			      "   \"dnskey_by_tld\": {\".\": 2, \"se\": 1},"
			      "   \"top_sources\": [{\"addr\": \"192.0.2.1\", \"queries\": 7}]},"
			      "  {\"start\": \"2010-05-05T00:01:00Z\", " Q(
				      20, 0, 2,
				      0) ", \"edns\": {\"queries\": 20, \"do\": 10},"
					 "   \"unique_sources\": {\"ipv4\": 4, \"ipv6\": 0, "
					 "\"ipv6_64\": 0},"
					 "   \"qtype\": {\"A\": 20, \"NS\": 2},"
					 "   \"top_sources\": [{\"addr\": \"192.0.2.1\", "
					 "\"queries\": 20},"
					 "                     {\"addr\": \"192.0.2.7\", "
					 "\"queries\": 2}]},"
					 "  {\"start\": \"2010-05-05T00:03:00Z\", " Q(
						 10, 10, 0,
						 1) ", \"edns\": {\"queries\": 0, \"do\": 0},"
						    "   \"unique_sources\": {\"ipv4\": 1, "
						    "\"ipv6\": 1, \"ipv6_64\": 1},"
						    "   \"qtype\": {\"A\": 8, \"NS\": 7, "
						    "\"DNSKEY\": 6},"
						    "   \"dnskey_by_tld\": {\".\": 4, \"se\": 1, "
						    "\"other\": 1},"
						    "   \"top_sources\": [{\"addr\": "
						    "\"192.0.2.1\", \"queries\": 3}]}],"
						    " \"flags\": [{\"subject\": \"192.0.2.7\", "
						    "\"interval_start\": \"2010-05-05T00:01:00Z\","
						    "              \"reason\": \"burst\", "
						    "\"share_pct\": 8.5},"
						    "             {\"subject\": \"192.0.2.7\", "
						    "\"interval_start\": \"2010-05-05T00:03:00Z\","
						    "              \"kind\": \"source\", "
						    "\"share_pct\": 3.25}]}";

static const char DOC_LHR[] =
	"{\"schema\": \"rootlens.stats/1\", \"interval\": 60,"
	" \"labels\": {\"server\": \"k.root-servers.net\", \"instance\": \"lhr<'x'>\", \"phase\": "
	"\"post\"},"
	" \"start\": \"2010-05-05T00:01:00Z\", \"end\": \"2010-05-05T00:02:00Z\","
	" \"totals\": {" Q(
		0, 0, 5,
		0) ", \"sizes\": {\"tcp-response-sizes\": {\"1024-1039\": 5}},"
		   "   \"qtype\": {\"DNSKEY\": 5}, \"dnskey_by_tld\": {\"se\": 5}},"
		   " \"series\": ["
		   "  {\"start\": \"2010-05-05T00:01:00Z\", " Q(
			   0, 0, 5,
			   0) ", \"edns\": {\"queries\": 5, \"do\": 5},"
			      "   \"unique_sources\": {\"ipv4\": 1, \"ipv6\": 0, \"ipv6_64\": 0},"
			      "   \"qtype\": {\"DNSKEY\": 5}, \"dnskey_by_tld\": {\"se\": 5}}]}";

/* Whether @p text has the line @p line (exactly). */
static int has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return 1;
	return 0;
}

static void write_all(rp_model_t *m, rp_plotinfo_t *info)
{
	rp_opts_t o = RP_OPTS_DEFAULT;
	char err[256] = "";
	int rc = rp_plots_write(m, &o, dir, info, err, sizeof(err));
	if (rc)
		fprintf(stderr, "rp_plots_write: %s\n", err);
	CU_ASSERT_FATAL(rc == 0);
	rc = rp_html_write(m, info, NULL, dir, "test <report>", err, sizeof(err));
	if (rc)
		fprintf(stderr, "rp_html_write: %s\n", err);
	CU_ASSERT_FATAL(rc == 0);
}

static void test_data(void)
{
	rp_model_t m;
	rp_plotinfo_t info[32];
	char *t;

	CU_ASSERT_FATAL(rp_nplots <= 32);
	rp_model_init(&m);
	add(&m, DOC_AMS, "ams.json");
	add(&m, DOC_LHR, "lhr.json");
	CU_ASSERT_FATAL(rp_model_finish(&m) == 0);
	write_all(&m, info);

	/* tcp_share: ams first (label order), a blank line at the gap; lhr
	 * has no UDP: NaN, and the line is left out of the plot */
	t = slurp("tcp_share.dat");
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT(has_line(t, "1273017600 2010-05-05T00:00:00Z 20 1 5"));
	CU_ASSERT(has_line(t, "1273017660 2010-05-05T00:01:00Z 20 2 10"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "10\n\n1273017780 2010-05-05T00:03:00Z 20 1 5\n"));
	CU_ASSERT(has_line(t, "# block 1: line \"lhr<'x'>\""));
	CU_ASSERT(has_line(t, "1273017660 2010-05-05T00:01:00Z 0 5 NaN"));
	free(t);
	t = slurp("tcp_share.gp");
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "index 0 using ($1+iv/2.0):5"));
	CU_ASSERT_PTR_NULL(strstr(t, "index 1 using"));
	CU_ASSERT_PTR_NOT_NULL(
		strstr(t, "set object 100 rect from 1273017600, graph 0 to 1273017840"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "set label 101 'post' at 1273017690"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "iv = 60"));
	free(t);
	CU_ASSERT(!info[0].empty);
	CU_ASSERT_PTR_NOT_NULL(strstr(info[0].note, "1 line without UDP queries"));

	/* query_rate: counts and per-second rates */
	t = slurp("query_rate.dat");
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT(has_line(t,
			   "1273017600 2010-05-05T00:00:00Z 10 10 1 0 0.3333333333 0.01666666667"));
	CU_ASSERT(has_line(t, "1273017660 2010-05-05T00:01:00Z 0 0 5 0 0 0.08333333333"));
	free(t);

	/* edns_do: shares of all queries; NaN-free here */
	t = slurp("edns_do.dat");
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT(has_line(t, "1273017600 2010-05-05T00:00:00Z 21 10 5 47.61904762 23.80952381"));
	CU_ASSERT(has_line(t, "1273017780 2010-05-05T00:03:00Z 21 0 0 0 0"));
	free(t);

	/* unique sources per line */
	t = slurp("unique_sources.dat");
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT(has_line(t, "1273017600 2010-05-05T00:00:00Z 3 2 1"));
	free(t);

	/* qtype: types by whole-window total (A 40, DNSKEY 9 + 5, NS 14, MX 1;
	 * DNSKEY and NS tie at 14: by name), all lines added per interval */
	t = slurp("qtype.dat");
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT(
		has_line(t, "# columns: t_start time \"A\" \"DNSKEY\" \"NS\" \"MX\" other total"));
	CU_ASSERT(has_line(t, "1273017600 2010-05-05T00:00:00Z 12 3 5 1 0 21"));
	CU_ASSERT(has_line(t, "1273017660 2010-05-05T00:01:00Z 20 5 2 0 0 27"));
	free(t);

	/* DNSKEY by TLD: "." 6, "se" 2 + 5 = 7, the odd name quoted safely,
	 * "other" left out */
	t = slurp("dnskey_tld.dat");
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT(has_line(t, "1 7 \"se\""));
	CU_ASSERT(has_line(t, "2 6 \".\""));
	CU_ASSERT(has_line(t, "3 1 \"x_y_z\""));
	CU_ASSERT_PTR_NULL(strstr(t, " \"other\"\n"));
	free(t);
	t = slurp("dnskey_time.dat");
	CU_ASSERT_FATAL(t != NULL);
	/* columns se, ".", "x y\"z"; at T0+180 "other" holds the interval's 1 */
	CU_ASSERT(has_line(t, "1273017780 2010-05-05T00:03:00Z 1 4 0 1 6"));
	CU_ASSERT(has_line(t, "1273017660 2010-05-05T00:01:00Z 5 0 0 0 5"));
	free(t);

	/* sizes: group "pre" then "post"; bins with counts and shares */
	t = slurp("sizes_hist.dat");
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT(has_line(t, "0 15 1 25 0 0"));
	CU_ASSERT(has_line(t, "96 111 3 75 0 0"));
	CU_ASSERT(has_line(t, "4096 4111 0 0 2 100"));
	CU_ASSERT(has_line(t, "# block 1: group \"post\" (udp responses 0, tcp responses 5)"));
	CU_ASSERT(has_line(t, "1024 1039 0 NaN 5 100"));
	free(t);
	t = slurp("sizes_cdf.dat");
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT(has_line(t, "96 111 4 100 0 0"));
	CU_ASSERT(has_line(t, "80 95 1 25 0 0"));
	free(t);
	t = slurp("sizes_hist.gp");
	CU_ASSERT_FATAL(t != NULL);
	/* the post group has no UDP responses: not drawn in the UDP panel */
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "'sizes_hist.dat' index 0 using ($1+8):4"));
	CU_ASSERT_PTR_NULL(strstr(t, "'sizes_hist.dat' index 1 using ($1+8):4"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "'sizes_hist.dat' index 1 using ($1+8):6"));
	free(t);

	/* top sources: shares of all queries; the flagged source drawn bold
	 * with its flagged interval as a marker */
	t = slurp("top_sources.dat");
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT(has_line(t, "# block 0: source \"192.0.2.1\""));
	CU_ASSERT(has_line(t, "1273017600 2010-05-05T00:00:00Z 7 21 33.33333333"));
	CU_ASSERT(has_line(t, "1273017660 2010-05-05T00:01:00Z 20 27 74.07407407"));
	CU_ASSERT(has_line(t, "# block 1: source \"192.0.2.7\" flagged"));
	CU_ASSERT(has_line(t, "1273017600 2010-05-05T00:00:00Z NaN 21 NaN"));
	/* the marker on the drawn point (2 of 27 queries), or where the
	 * interval's list lacks the subject, at the flag's share */
	CU_ASSERT(has_line(t, "1273017660 2010-05-05T00:01:00Z 7.407407407 \"192.0.2.7\""));
	CU_ASSERT(has_line(t, "1273017780 2010-05-05T00:03:00Z 3.25 \"192.0.2.7\""));
	free(t);
	t = slurp("top_sources.gp");
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "title '192.0.2.7 (flagged)'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "index 2 using ($1+iv/2.0):3 with points"));
	free(t);
	CU_ASSERT_PTR_NOT_NULL(strstr(info[8].note, "2 flags"));

	/* the page: title and labels escaped, the summary figures */
	t = slurp("index.html");
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "<h1>test &lt;report&gt;</h1>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "lhr&lt;&#39;x&#39;&gt;"));
	CU_ASSERT_PTR_NULL(strstr(t, "lhr<"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "<tr><th>queries</th><td>69 (UDP 60, TCP 9)</td></tr>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "15.000&nbsp;% of UDP queries"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "<tr><th>flags</th><td>2 in 1 document"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "<td>192.0.2.7</td><td>source</td>"));
	for (size_t i = 0; i < rp_nplots; i++) {
		char img[80];
		snprintf(img, sizeof(img), "<img src=\"%s.png\"", rp_plots[i].name);
		CU_ASSERT_PTR_NOT_NULL(strstr(t, img));
	}
	free(t);
	rp_model_free(&m);
}

/* Nothing to draw: every script draws a "no data" panel instead. */
static void test_empty(void)
{
	rp_model_t m;
	rp_plotinfo_t info[32];
	rp_model_init(&m);
	add(&m,
	    "{\"schema\": \"rootlens.stats/1\", \"interval\": 60, \"start\": null,"
	    " \"end\": null, \"totals\": {}, \"series\": []}",
	    "empty.json");
	CU_ASSERT_FATAL(rp_model_finish(&m) == 0);
	write_all(&m, info);
	for (size_t i = 0; i < rp_nplots; i++) {
		char name[64];
		snprintf(name, sizeof(name), "%s.gp", rp_plots[i].name);
		char *t = slurp(name);
		CU_ASSERT_FATAL(t != NULL);
		CU_ASSERT_PTR_NOT_NULL(strstr(t, "'no data"));
		CU_ASSERT_PTR_NOT_NULL(strstr(t, "plot NaN notitle"));
		CU_ASSERT_PTR_NULL(strstr(t, ".dat' "));
		CU_ASSERT(info[i].empty);
		free(t);
	}
	char *t = slurp("index.html");
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "(none in the documents)"));
	free(t);
	rp_model_free(&m);
}

static void test_quoting(void)
{
	char buf[64];
	CU_ASSERT_STRING_EQUAL(rp_dat_label("a b\"c\td", buf, sizeof(buf)), "a_b_c_d");
	CU_ASSERT_STRING_EQUAL(rp_dat_label("\\131", buf, sizeof(buf)), "\\131");
	CU_ASSERT_STRING_EQUAL(rp_dat_label("abcdef", buf, 4), "abc");

	rp_out_t o;
	CU_ASSERT_FATAL(rp_out_open(&o, dir, "q.txt") == 0);
	rp_gp_str(&o, "it's \"x\"\n{y}", 0);
	rp_out_puts(&o, "\n");
	rp_gp_str(&o, "abcdef", 3);
	rp_out_puts(&o, "\n");
	rp_dat_num(&o, NAN);
	rp_out_puts(&o, " ");
	rp_dat_num(&o, 1.5);
	CU_ASSERT(rp_out_close(&o) == 0);
	char *t = slurp("q.txt");
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_STRING_EQUAL(t, "'it''s \"x\"?{y}'\n'abc...'\nNaN 1.5");
	free(t);

	/* a directory that is not there */
	CU_ASSERT_EQUAL(rp_out_open(&o, "/nonexistent/dir", "x"), DW_EIO);
	CU_ASSERT_EQUAL(errno, ENOENT);
}

static CU_TestInfo tests[] = {
	{ "data files", test_data },
	{ "no data", test_empty },
	{ "quoting", test_quoting },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	int rc = cu_run("rp_plots", tests);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = rc ? rc : 1;
	return rc;
}
