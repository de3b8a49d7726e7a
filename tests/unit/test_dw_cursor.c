/* lib/dnswire: the bounds-checked, sticky-error cursor (dw_cursor.h).
 * Expected values are computed by hand from the bytes below. */
#include <string.h>

#include "cu_main.h"
#include "rootlens/dw_cursor.h"
#include "rootlens/errcode.h"

static const uint8_t bytes[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07 };

static void test_reads_be(void)
{
	dw_cur_t c;
	dw_cur_init(&c, bytes, sizeof(bytes));
	CU_ASSERT_EQUAL(dw_cur_avail(&c), 7);
	CU_ASSERT_EQUAL(dw_cur_u8(&c), 0x01);
	CU_ASSERT_EQUAL(dw_cur_u16(&c), 0x0203);
	CU_ASSERT_EQUAL(dw_cur_u32(&c), 0x04050607u);
	CU_ASSERT_EQUAL(c.pos, 7);
	CU_ASSERT_EQUAL(c.err, 0);
	CU_ASSERT_EQUAL(dw_cur_avail(&c), 0);
}

static void test_reads_le(void)
{
	dw_cur_t c;
	dw_cur_init(&c, bytes, sizeof(bytes));
	CU_ASSERT_EQUAL(dw_cur_u16le(&c), 0x0201);
	CU_ASSERT_EQUAL(dw_cur_u32le(&c), 0x06050403u);
	CU_ASSERT_EQUAL(c.err, 0);
	CU_ASSERT_EQUAL(dw_cur_avail(&c), 1);
}

static void test_overrun_sticky(void)
{
	dw_cur_t c;
	dw_cur_init(&c, bytes, 3);
	CU_ASSERT_EQUAL(dw_cur_u16(&c), 0x0102);
	/* one byte left: a u16 fails, returns 0, pos goes to len */
	CU_ASSERT_EQUAL(dw_cur_u16(&c), 0);
	CU_ASSERT_EQUAL(c.err, DW_ETRUNC);
	CU_ASSERT_EQUAL(c.pos, 3);
	CU_ASSERT_EQUAL(dw_cur_avail(&c), 0);
	/* sticky: even a u8 that would have fitted before now fails */
	CU_ASSERT_EQUAL(dw_cur_u8(&c), 0);
	CU_ASSERT_EQUAL(dw_cur_u32(&c), 0);
	CU_ASSERT_EQUAL(dw_cur_u16le(&c), 0);
	CU_ASSERT_EQUAL(dw_cur_u32le(&c), 0);
	CU_ASSERT_PTR_NULL(dw_cur_ptr(&c, 0));
	CU_ASSERT_EQUAL(c.err, DW_ETRUNC);
	/* seek does not clear the error */
	dw_cur_seek(&c, 0);
	CU_ASSERT_EQUAL(c.pos, 3);
	CU_ASSERT_EQUAL(dw_cur_u8(&c), 0);
}

static void test_u32_short(void)
{
	dw_cur_t c;
	dw_cur_init(&c, bytes, 3);
	CU_ASSERT_EQUAL(dw_cur_u32(&c), 0);
	CU_ASSERT_EQUAL(c.err, DW_ETRUNC);
	dw_cur_init(&c, bytes, 0);
	CU_ASSERT_EQUAL(dw_cur_u8(&c), 0);
	CU_ASSERT_EQUAL(c.err, DW_ETRUNC);
}

static void test_skip_ptr_copy(void)
{
	dw_cur_t c;
	uint8_t dst[3] = { 0 };
	dw_cur_init(&c, bytes, sizeof(bytes));
	dw_cur_skip(&c, 2);
	CU_ASSERT_EQUAL(c.pos, 2);
	const uint8_t *p = dw_cur_ptr(&c, 2);
	CU_ASSERT_PTR_EQUAL(p, bytes + 2);
	CU_ASSERT_EQUAL(c.pos, 4);
	dw_cur_copy(&c, dst, 3);
	CU_ASSERT_EQUAL(dst[0], 0x05);
	CU_ASSERT_EQUAL(dst[2], 0x07);
	CU_ASSERT_EQUAL(c.err, 0);
	/* a zero-length pointer at the end is fine */
	CU_ASSERT_PTR_NOT_NULL(dw_cur_ptr(&c, 0));
	/* copy past the end leaves dst alone */
	dst[0] = 0xaa;
	dw_cur_copy(&c, dst, 1);
	CU_ASSERT_EQUAL(dst[0], 0xaa);
	CU_ASSERT_EQUAL(c.err, DW_ETRUNC);
}

static void test_skip_huge(void)
{
	dw_cur_t c;
	dw_cur_init(&c, bytes, sizeof(bytes));
	dw_cur_skip(&c, 1);
	/* n so large that pos + n would wrap: must still fail */
	dw_cur_skip(&c, (size_t)-1);
	CU_ASSERT_EQUAL(c.err, DW_ETRUNC);
	CU_ASSERT_EQUAL(c.pos, sizeof(bytes));
}

static void test_seek(void)
{
	dw_cur_t c;
	dw_cur_init(&c, bytes, sizeof(bytes));
	dw_cur_seek(&c, 7); /* == len is allowed */
	CU_ASSERT_EQUAL(c.err, 0);
	CU_ASSERT_EQUAL(dw_cur_avail(&c), 0);
	dw_cur_seek(&c, 5);
	CU_ASSERT_EQUAL(dw_cur_u8(&c), 0x06);
	dw_cur_seek(&c, 8);
	CU_ASSERT_EQUAL(c.err, DW_ETRUNC);
}

static void test_fail_keeps_first(void)
{
	dw_cur_t c;
	dw_cur_init(&c, bytes, sizeof(bytes));
	dw_cur_fail(&c, DW_ELOOP);
	dw_cur_fail(&c, DW_ELABEL);
	CU_ASSERT_EQUAL(c.err, DW_ELOOP);
	CU_ASSERT_EQUAL(c.pos, c.len);
	CU_ASSERT_FALSE(dw_cur_need(&c, 0));
	CU_ASSERT_EQUAL(c.err, DW_ELOOP);
}

static void test_need(void)
{
	dw_cur_t c;
	dw_cur_init(&c, bytes, 2);
	CU_ASSERT_TRUE(dw_cur_need(&c, 2));
	CU_ASSERT_EQUAL(c.pos, 0);
	CU_ASSERT_FALSE(dw_cur_need(&c, 3));
	CU_ASSERT_EQUAL(c.err, DW_ETRUNC);
}

static void test_strerror(void)
{
	CU_ASSERT_STRING_EQUAL(dw_strerror(DW_EOK), "success");
	CU_ASSERT_STRING_EQUAL(dw_strerror(DW_ETRUNC), "data truncated");
	CU_ASSERT_STRING_EQUAL(dw_strerror(DW_ELOOP), "bad compression pointer");
	CU_ASSERT_STRING_EQUAL(dw_strerror(DW_EOPT), "malformed EDNS OPT record");
	CU_ASSERT_STRING_EQUAL(dw_strerror(-5000), "unknown error");
}

static CU_TestInfo tests[] = {
	{ "big-endian reads", test_reads_be },
	{ "little-endian reads", test_reads_le },
	{ "overrun is sticky", test_overrun_sticky },
	{ "u32 and u8 short", test_u32_short },
	{ "skip, ptr, copy", test_skip_ptr_copy },
	{ "skip with wrapping length", test_skip_huge },
	{ "seek", test_seek },
	{ "fail keeps the first error", test_fail_keeps_first },
	{ "need", test_need },
	{ "strerror", test_strerror },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("dw_cursor", tests);
}
