/*
 * test_ar_names.c - what may name a server, an instance, a file or a
 * phase in the archive: one path component, nothing that climbs out of
 * the archive, hides among its own files or looks like an option.
 */
#include <string.h>

#include "ar_names.h"
#include "cu_main.h"
#include "rootlens/errcode.h"

static int name_ok(const char *s)
{
	char err[256] = "";
	int rc = ar_name_check(s, "server", err, sizeof(err));
	/* a refusal always says why, naming what was checked */
	if (rc < 0)
		CU_ASSERT(strstr(err, "server") != NULL);
	return rc == 0;
}

static int file_ok(const char *s)
{
	char err[256] = "";
	int rc = ar_file_name_check(s, err, sizeof(err));
	if (rc < 0)
		CU_ASSERT(err[0] != '\0');
	return rc == 0;
}

static void test_good_names(void)
{
	static const char *const good[] = {
		"k.root-servers.net", "ams1", "a", "A_B-c.d", "x..y", "a.", "ams~1", "name with space",
		"20100505T000000Z.pcap.gz", "caf\xc3\xa9", "\xe6\x9d\xb1\xe4\xba\xac", "\xf0\x9f\x98\x80",
		NULL,
	};
	for (int i = 0; good[i]; i++) {
		if (!name_ok(good[i]))
			fprintf(stderr, "refused: %s\n", good[i]);
		CU_ASSERT(name_ok(good[i]));
	}
	char longest[AR_NAME_MAX + 1];
	memset(longest, 'x', AR_NAME_MAX);
	longest[AR_NAME_MAX] = '\0';
	CU_ASSERT(name_ok(longest));
}

static void test_bad_names(void)
{
	static const char *const bad[] = {
		"", ".", "..", "../x", "../../etc", "a/b", "/abs", "a/", "x/..", ".hidden", ".lock",
		".catalog.sqlite", "-rf", "--help", "a\nb", "a\tb", "\x7f", "a\x1b[31m", "\r",
		"\xc3", "\xc3\x28", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
		"\xff", "\xc2\x85", /* U+0085, a C1 control */
		NULL,
	};
	for (int i = 0; bad[i]; i++) {
		if (name_ok(bad[i]))
			fprintf(stderr, "accepted: index %d\n", i);
		CU_ASSERT(!name_ok(bad[i]));
	}
	char toolong[AR_NAME_MAX + 2];
	memset(toolong, 'x', AR_NAME_MAX + 1);
	toolong[AR_NAME_MAX + 1] = '\0';
	CU_ASSERT(!name_ok(toolong));
	CU_ASSERT(!name_ok(NULL));
}

static void test_file_names(void)
{
	CU_ASSERT(file_ok("20100505T000000Z.pcap.gz"));
	CU_ASSERT(file_ok("a.pcapng"));
	CU_ASSERT(file_ok("json"));
	CU_ASSERT(file_ok("a.json.gz"));
	/* manifests and files being written are not capture files */
	CU_ASSERT(!file_ok("a.pcap.gz.json"));
	CU_ASSERT(!file_ok("x.json"));
	CU_ASSERT(!file_ok("a.pcap.gz.part"));
	CU_ASSERT(!file_ok("a.pcap.gz.json.tmp"));
	CU_ASSERT(!file_ok(".a.pcap.gz.tmp.abc"));
	CU_ASSERT(!file_ok("../a.pcap"));
	CU_ASSERT(!file_ok("-a.pcap"));
}

static void test_labels(void)
{
	char err[256];
	/* a phase is not a path component: '/' and a leading '.' are fine */
	CU_ASSERT(ar_label_check("before/after", "phase", err, sizeof(err)) == 0);
	CU_ASSERT(ar_label_check(".x", "phase", err, sizeof(err)) == 0);
	CU_ASSERT(ar_label_check("durz step 2", "phase", err, sizeof(err)) == 0);
	CU_ASSERT(ar_label_check("a\nb", "phase", err, sizeof(err)) == DW_EINVAL);
	CU_ASSERT(strstr(err, "phase") && strstr(err, "control"));
	CU_ASSERT(ar_label_check("", "phase", err, sizeof(err)) == DW_EINVAL);
	CU_ASSERT(ar_label_check("\xc3", "phase", err, sizeof(err)) == DW_EINVAL);
	/* what is shown of a bad name is printable */
	CU_ASSERT(ar_name_check("a\x1b[2Jb", "instance", err, sizeof(err)) == DW_EINVAL);
	CU_ASSERT(strchr(err, '\x1b') == NULL);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "good names", test_good_names },
		{ "bad names", test_bad_names },
		{ "file names", test_file_names },
		{ "labels", test_labels },
		CU_TEST_INFO_NULL,
	};
	return cu_run("ar_names", tests);
}
