/*
 * test_cap_window.c - capture window arithmetic: durations and
 * clock-aligned rotation boundaries.
 */
#include "cu_main.h"
#include "window.h"

static void test_durations(void)
{
	int64_t s;
	CU_ASSERT(win_parse_duration("48h", &s) == 0 && s == 172800);
	CU_ASSERT(win_parse_duration("90m", &s) == 0 && s == 5400);
	CU_ASSERT(win_parse_duration("30s", &s) == 0 && s == 30);
	CU_ASSERT(win_parse_duration("2d", &s) == 0 && s == 172800);
	CU_ASSERT(win_parse_duration("1h30m", &s) == 0 && s == 5400);
	CU_ASSERT(win_parse_duration("1d2h3m4s", &s) == 0 && s == 93784);
	CU_ASSERT(win_parse_duration("600", &s) == 0 && s == 600);
	CU_ASSERT(win_parse_duration("", &s) != 0);
	CU_ASSERT(win_parse_duration("0", &s) != 0);
	CU_ASSERT(win_parse_duration("0s", &s) != 0);
	CU_ASSERT(win_parse_duration("-5", &s) != 0);
	CU_ASSERT(win_parse_duration("5x", &s) != 0);
	CU_ASSERT(win_parse_duration("h", &s) != 0);
	CU_ASSERT(win_parse_duration("1h30", &s) != 0);
	CU_ASSERT(win_parse_duration("99999999999d", &s) != 0);
}

static void test_boundaries(void)
{
	/* 2010-05-05T00:00:00Z = 1273017600, a multiple of 600 */
	CU_ASSERT_EQUAL(win_next_boundary(1273017600, 600), 1273018200);
	CU_ASSERT_EQUAL(win_next_boundary(1273017601, 600), 1273018200);
	CU_ASSERT_EQUAL(win_next_boundary(1273018199, 600), 1273018200);
	CU_ASSERT_EQUAL(win_next_boundary(1273017600 + 3599, 3600), 1273017600 + 3600);
	CU_ASSERT_EQUAL(win_next_boundary(7, 5), 10);
	CU_ASSERT_EQUAL(win_next_boundary(-7, 5), -5);
	CU_ASSERT_EQUAL(win_next_boundary(-5, 5), 0);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "durations", test_durations },
		{ "clock-aligned boundaries", test_boundaries },
		CU_TEST_INFO_NULL,
	};
	return cu_run("cap_window", tests);
}
