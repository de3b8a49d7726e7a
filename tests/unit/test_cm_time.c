/* lib/common: time and address formatting. Expected epoch values are from
 * GNU date (`date -u -d 2010-05-05T00:00:00Z +%s`), independent of rootlens. */
#include <string.h>

#include "cu_main.h"
#include "rootlens/common.h"
#include "rootlens/errcode.h"

static void test_parse(void)
{
	int64_t t;
	CU_ASSERT_EQUAL(rl_time_parse("2010-05-05T00:00:00Z", &t), 0);
	CU_ASSERT_EQUAL(t, 1273017600);
	CU_ASSERT_EQUAL(rl_time_parse("2010-05-05", &t), 0);
	CU_ASSERT_EQUAL(t, 1273017600);
	CU_ASSERT_EQUAL(rl_time_parse("2000-02-29 23:59:59", &t), 0);
	CU_ASSERT_EQUAL(t, 951868799);
	CU_ASSERT_EQUAL(rl_time_parse("1969-12-31T23:59:59Z", &t), 0);
	CU_ASSERT_EQUAL(t, -1);
	CU_ASSERT_EQUAL(rl_time_parse("@1273017600", &t), 0);
	CU_ASSERT_EQUAL(t, 1273017600);
}

static void test_parse_bad(void)
{
	int64_t t;
	CU_ASSERT_EQUAL(rl_time_parse("", &t), DW_EINVAL);
	CU_ASSERT_EQUAL(rl_time_parse("2010-13-01", &t), DW_EINVAL);
	CU_ASSERT_EQUAL(rl_time_parse("2010-05-05T25:00:00Z", &t), DW_EINVAL);
	CU_ASSERT_EQUAL(rl_time_parse("2010-05-05Tjunk", &t), DW_EINVAL);
	CU_ASSERT_EQUAL(rl_time_parse("yesterday", &t), DW_EINVAL);
}

static void test_format(void)
{
	char buf[RL_TIME_STRMAX];
	CU_ASSERT_STRING_EQUAL(rl_time_iso8601(1273017600, buf), "2010-05-05T00:00:00Z");
	CU_ASSERT_STRING_EQUAL(rl_time_iso8601(951868799, buf), "2000-02-29T23:59:59Z");
}

static void test_addr(void)
{
	char buf[RL_ADDR_STRMAX];
	const uint8_t v4[4] = { 192, 0, 2, 1 };
	const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	CU_ASSERT_STRING_EQUAL(rl_addr_str(4, v4, buf), "192.0.2.1");
	CU_ASSERT_STRING_EQUAL(rl_addr_str(6, v6, buf), "2001:db8::1");
}

static CU_TestInfo tests[] = {
	{ "parse", test_parse },
	{ "parse_bad", test_parse_bad },
	{ "format", test_format },
	{ "addr", test_addr },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("cm_time", tests);
}
