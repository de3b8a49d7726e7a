/* lib/dnswire: names (RFC 1035 3.1, 4.1.4; RFC 4343). Every packet is
 * written out by hand below; expected lengths and strings are counted
 * from those bytes, not taken from the parser's output. */
#include <string.h>

#include "cu_main.h"
#include "rootlens/dnswire.h"

/* Parse the name at @p at in buf[0..len). */
static int parse_at(const uint8_t *buf, size_t len, size_t at, uint8_t *out,
		    size_t *outlen, dw_cur_t *c)
{
	dw_cur_init(c, buf, len);
	dw_cur_seek(c, at);
	return dw_name_parse(c, out, outlen);
}

/* Append a label of n copies of ch at buf[*p]. */
static void put_label(uint8_t *buf, size_t *p, size_t n, uint8_t ch)
{
	buf[(*p)++] = (uint8_t)n;
	memset(buf + *p, ch, n);
	*p += n;
}

static void test_plain(void)
{
	/* www.Example.com. = 3 www 7 Example 3 com 0: 1+3+1+7+1+3+1 = 17 */
	static const uint8_t w[] = {
		3, 'w', 'w', 'w', 7, 'E', 'x', 'a', 'm', 'p', 'l', 'e',
		3, 'c', 'o', 'm', 0, 0xee, /* 0xee: a byte after the name */
	};
	uint8_t out[DW_NAME_MAXLEN];
	size_t olen = 0;
	dw_cur_t c;
	CU_ASSERT_EQUAL(parse_at(w, sizeof(w), 0, out, &olen, &c), 0);
	CU_ASSERT_EQUAL(olen, 17);
	CU_ASSERT_EQUAL(c.pos, 17);
	CU_ASSERT_EQUAL(c.err, 0);
	CU_ASSERT_EQUAL(memcmp(out, w, 17), 0); /* case kept */
	CU_ASSERT_EQUAL(dw_name_labels(out, olen), 3);
}

static void test_root(void)
{
	static const uint8_t w[] = { 0 };
	uint8_t out[DW_NAME_MAXLEN];
	size_t olen = 0;
	dw_cur_t c;
	out[0] = 0x55;
	CU_ASSERT_EQUAL(parse_at(w, 1, 0, out, &olen, &c), 0);
	CU_ASSERT_EQUAL(olen, 1);
	CU_ASSERT_EQUAL(out[0], 0);
	CU_ASSERT_EQUAL(c.pos, 1);
	CU_ASSERT_EQUAL(dw_name_labels(out, olen), 0);
}

static void test_null_out(void)
{
	static const uint8_t w[] = { 1, 'a', 0, 9 };
	size_t olen = 0;
	dw_cur_t c;
	CU_ASSERT_EQUAL(parse_at(w, sizeof(w), 0, NULL, &olen, &c), 0);
	CU_ASSERT_EQUAL(olen, 3);
	CU_ASSERT_EQUAL(c.pos, 3);
	CU_ASSERT_EQUAL(parse_at(w, sizeof(w), 0, NULL, NULL, &c), 0);
	CU_ASSERT_EQUAL(c.pos, 3);
}

static void test_compression(void)
{
	static const uint8_t w[] = {
		/*  0 */ 3, 'c', 'o', 'm', 0,
		/*  5 */ 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0xc0, 0x00,
		/* 15 */ 3, 'w', 'w', 'w', 0xc0, 0x05,
		/* 21 */ 0xc0, 0x0f, 0x77, /* pointer-only name, then junk */
	};
	static const uint8_t expect[] = {
		3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		3, 'c', 'o', 'm', 0,
	};
	uint8_t out[DW_NAME_MAXLEN];
	size_t olen = 0;
	dw_cur_t c;

	CU_ASSERT_EQUAL(parse_at(w, sizeof(w), 5, out, &olen, &c), 0);
	CU_ASSERT_EQUAL(olen, 13);
	CU_ASSERT_EQUAL(c.pos, 15); /* just past the pointer, not the target */
	CU_ASSERT_EQUAL(memcmp(out, expect + 4, 13), 0);

	/* two hops: www -> example -> com */
	CU_ASSERT_EQUAL(parse_at(w, sizeof(w), 15, out, &olen, &c), 0);
	CU_ASSERT_EQUAL(olen, 17);
	CU_ASSERT_EQUAL(c.pos, 21);
	CU_ASSERT_EQUAL(memcmp(out, expect, 17), 0);

	/* a name that is only a pointer: three hops */
	CU_ASSERT_EQUAL(parse_at(w, sizeof(w), 21, out, &olen, &c), 0);
	CU_ASSERT_EQUAL(olen, 17);
	CU_ASSERT_EQUAL(c.pos, 23);
	CU_ASSERT_EQUAL(dw_cur_u8(&c), 0x77);
}

static void test_self_pointer(void)
{
	static const uint8_t w[] = { 0xc0, 0x00 };
	size_t olen = 0;
	dw_cur_t c;
	CU_ASSERT_EQUAL(parse_at(w, sizeof(w), 0, NULL, &olen, &c), DW_ELOOP);
	CU_ASSERT_EQUAL(c.err, DW_ELOOP);
	CU_ASSERT_EQUAL(c.pos, c.len);
	/* the same at a later offset: 00 at 0, self pointer at 1 */
	static const uint8_t w2[] = { 0x00, 0xc0, 0x01 };
	CU_ASSERT_EQUAL(parse_at(w2, sizeof(w2), 1, NULL, &olen, &c), DW_ELOOP);
}

static void test_forward_pointer(void)
{
	/* pointer at 0 to a valid root name at 2 */
	static const uint8_t w[] = { 0xc0, 0x02, 0x00 };
	dw_cur_t c;
	CU_ASSERT_EQUAL(parse_at(w, sizeof(w), 0, NULL, NULL, &c), DW_ELOOP);
	CU_ASSERT_EQUAL(c.err, DW_ELOOP);
	/* pointer past the end of the buffer */
	static const uint8_t w2[] = { 0xff, 0xff };
	CU_ASSERT_EQUAL(parse_at(w2, sizeof(w2), 0, NULL, NULL, &c), DW_ELOOP);
}

static void test_pointer_loops(void)
{
	/* A at 0 -> B at 2, B -> A: from B the first hop is backwards, then
	 * A's pointer is forward of the segment it sits in. */
	static const uint8_t ab[] = { 0xc0, 0x02, 0xc0, 0x00 };
	dw_cur_t c;
	CU_ASSERT_EQUAL(parse_at(ab, sizeof(ab), 0, NULL, NULL, &c), DW_ELOOP);
	CU_ASSERT_EQUAL(parse_at(ab, sizeof(ab), 2, NULL, NULL, &c), DW_ELOOP);

	/* label then a pointer back to that label: the target (0) is before
	 * the pointer (2) but inside its own segment, so following it would
	 * re-read the same pointer forever */
	static const uint8_t self_seg[] = { 1, 'a', 0xc0, 0x00 };
	CU_ASSERT_EQUAL(parse_at(self_seg, sizeof(self_seg), 0, NULL, NULL, &c),
			DW_ELOOP);

	/* 2 labels then a pointer into the middle of them */
	static const uint8_t mid[] = { 1, 'a', 1, 'b', 0xc0, 0x02 };
	CU_ASSERT_EQUAL(parse_at(mid, sizeof(mid), 0, NULL, NULL, &c), DW_ELOOP);

	/* after a jump to 2, a pointer at 6 back to 2 (its own segment) */
	static const uint8_t jmp[] = {
		/* 0 */ 0xff, 0xff,
		/* 2 */ 1, 'x', 1, 'y', 0xc0, 0x02,
		/* 8 */ 0xc0, 0x02,
	};
	CU_ASSERT_EQUAL(parse_at(jmp, sizeof(jmp), 8, NULL, NULL, &c), DW_ELOOP);

	/* a pointer into the data of the name's own first label: it would
	 * terminate ("\001b\000" then "b"), but no compressor writes it and
	 * the segment rule refuses it (see name.c) */
	static const uint8_t inlabel[] = { 3, 0x01, 'b', 0x00, 0xc0, 0x01 };
	CU_ASSERT_EQUAL(parse_at(inlabel, sizeof(inlabel), 0, NULL, NULL, &c),
			DW_ELOOP);
	/* the same target from a name that starts after it is fine */
	size_t olen = 0;
	CU_ASSERT_EQUAL(parse_at(inlabel, sizeof(inlabel), 4, NULL, &olen, &c), 0);
	CU_ASSERT_EQUAL(olen, 3); /* 01 'b' 00 */
}

/*
 * Pointer chain: 00 at offset 0, then pointers p_k at 2k-1 to p_(k-1)
 * (p_0 = 0). Starting at p_n follows exactly n pointers.
 */
static size_t build_chain(uint8_t *buf, unsigned n)
{
	size_t prev = 0;
	buf[0] = 0;
	for (unsigned k = 1; k <= n; k++) {
		size_t at = 2 * k - 1;
		buf[at] = (uint8_t)(0xc0 | prev >> 8);
		buf[at + 1] = (uint8_t)prev;
		prev = at;
	}
	return prev;
}

static void test_hop_cap(void)
{
	uint8_t buf[1 + 2 * (DW_MAX_PTR_HOPS + 1)];
	size_t olen = 0;
	dw_cur_t c;

	size_t start = build_chain(buf, DW_MAX_PTR_HOPS);
	CU_ASSERT_EQUAL(parse_at(buf, sizeof(buf), start, NULL, &olen, &c), 0);
	CU_ASSERT_EQUAL(olen, 1);
	CU_ASSERT_EQUAL(c.pos, start + 2);

	start = build_chain(buf, DW_MAX_PTR_HOPS + 1);
	CU_ASSERT_EQUAL(parse_at(buf, sizeof(buf), start, NULL, &olen, &c), DW_ELOOP);
	CU_ASSERT_EQUAL(c.err, DW_ELOOP);
}

static void test_name_255(void)
{
	/* 3 x (1+63) + (1+61) + root = 192 + 62 + 1 = 255 */
	uint8_t buf[300], out[DW_NAME_MAXLEN];
	size_t p = 0, olen = 0;
	dw_cur_t c;
	put_label(buf, &p, 63, 'a');
	put_label(buf, &p, 63, 'b');
	put_label(buf, &p, 63, 'c');
	put_label(buf, &p, 61, 'd');
	buf[p++] = 0;
	CU_ASSERT_EQUAL(p, 255);
	CU_ASSERT_EQUAL(parse_at(buf, p, 0, out, &olen, &c), 0);
	CU_ASSERT_EQUAL(olen, 255);
	CU_ASSERT_EQUAL(memcmp(out, buf, 255), 0);
	CU_ASSERT_EQUAL(dw_name_labels(out, olen), 4);

	/* same with the last label one longer: 256 */
	p = 0;
	put_label(buf, &p, 63, 'a');
	put_label(buf, &p, 63, 'b');
	put_label(buf, &p, 63, 'c');
	put_label(buf, &p, 62, 'd');
	buf[p++] = 0;
	CU_ASSERT_EQUAL(p, 256);
	CU_ASSERT_EQUAL(parse_at(buf, p, 0, out, &olen, &c), DW_ENAMELEN);
	CU_ASSERT_EQUAL(c.err, DW_ENAMELEN);
	CU_ASSERT_EQUAL(parse_at(buf, p, 0, NULL, &olen, &c), DW_ENAMELEN);
}

static void test_name_long_by_pointer(void)
{
	/* a 255-byte name at 0, then "x" + pointer to it: 2 + 255 = 257 */
	uint8_t buf[300];
	size_t p = 0;
	dw_cur_t c;
	put_label(buf, &p, 63, 'a');
	put_label(buf, &p, 63, 'b');
	put_label(buf, &p, 63, 'c');
	put_label(buf, &p, 61, 'd');
	buf[p++] = 0;
	buf[p++] = 1;
	buf[p++] = 'x';
	buf[p++] = 0xc0;
	buf[p++] = 0x00;
	CU_ASSERT_EQUAL(parse_at(buf, p, 255, NULL, NULL, &c), DW_ENAMELEN);
	/* but a pointer to the same name's second label fits: 2 + 191 */
	buf[p - 1] = 64;
	size_t olen = 0;
	CU_ASSERT_EQUAL(parse_at(buf, p, 255, NULL, &olen, &c), 0);
	CU_ASSERT_EQUAL(olen, 2 + 191);
}

static void test_127_labels(void)
{
	/* 127 one-byte labels + root = 255, the most labels a name has */
	uint8_t buf[256], out[DW_NAME_MAXLEN];
	size_t p = 0, olen = 0;
	dw_cur_t c;
	for (int i = 0; i < 127; i++)
		put_label(buf, &p, 1, 'z');
	buf[p++] = 0;
	CU_ASSERT_EQUAL(parse_at(buf, p, 0, out, &olen, &c), 0);
	CU_ASSERT_EQUAL(olen, 255);
	CU_ASSERT_EQUAL(dw_name_labels(out, olen), 127);
}

static void test_label_len(void)
{
	uint8_t buf[80], out[DW_NAME_MAXLEN];
	size_t p = 0, olen = 0;
	dw_cur_t c;
	put_label(buf, &p, 63, 'q');
	buf[p++] = 0;
	CU_ASSERT_EQUAL(parse_at(buf, p, 0, out, &olen, &c), 0);
	CU_ASSERT_EQUAL(olen, 65);
	/* 64 = 0x40: not a long label but extended label type 01 */
	p = 0;
	put_label(buf, &p, 64, 'q');
	buf[p++] = 0;
	CU_ASSERT_EQUAL(parse_at(buf, p, 0, out, &olen, &c), DW_ELABEL);
	CU_ASSERT_EQUAL(c.err, DW_ELABEL);
}

static void test_label_types(void)
{
	/* 0x41: RFC 2673 bit-string label; 0x7f; 0x80 and 0xbf: type 10 */
	static const uint8_t t01[] = { 0x41, 0x08, 0xaa, 0x00 };
	static const uint8_t t01b[] = { 0x7f, 0x00 };
	static const uint8_t t10[] = { 0x80, 0x00 };
	static const uint8_t t10b[] = { 1, 'a', 0xbf, 0x00 };
	dw_cur_t c;
	CU_ASSERT_EQUAL(parse_at(t01, sizeof(t01), 0, NULL, NULL, &c), DW_ELABEL);
	CU_ASSERT_EQUAL(parse_at(t01b, sizeof(t01b), 0, NULL, NULL, &c), DW_ELABEL);
	CU_ASSERT_EQUAL(parse_at(t10, sizeof(t10), 0, NULL, NULL, &c), DW_ELABEL);
	CU_ASSERT_EQUAL(parse_at(t10b, sizeof(t10b), 0, NULL, NULL, &c), DW_ELABEL);
	/* a bad label reached through a pointer */
	static const uint8_t via[] = { 0x80, 0x00, 0xc0, 0x00 };
	CU_ASSERT_EQUAL(parse_at(via, sizeof(via), 2, NULL, NULL, &c), DW_ELABEL);
	CU_ASSERT_EQUAL(c.err, DW_ELABEL);
}

static void test_truncated(void)
{
	static const uint8_t midlabel[] = { 3, 'w', 'w' };
	static const uint8_t noroot[] = { 3, 'c', 'o', 'm' };
	static const uint8_t halfptr[] = { 3, 'c', 'o', 'm', 0xc0 };
	/* pointer at 3 to 0; the label there, 04 'a' 'b' c0 00, runs out */
	static const uint8_t viaptr[] = { 4, 'a', 'b', 0xc0, 0x00 };
	uint8_t out[DW_NAME_MAXLEN];
	dw_cur_t c;
	CU_ASSERT_EQUAL(parse_at(midlabel, sizeof(midlabel), 0, out, NULL, &c), DW_ETRUNC);
	CU_ASSERT_EQUAL(c.err, DW_ETRUNC);
	CU_ASSERT_EQUAL(parse_at(noroot, sizeof(noroot), 0, out, NULL, &c), DW_ETRUNC);
	CU_ASSERT_EQUAL(parse_at(halfptr, sizeof(halfptr), 0, out, NULL, &c), DW_ETRUNC);
	CU_ASSERT_EQUAL(parse_at(viaptr, sizeof(viaptr), 3, out, NULL, &c), DW_ETRUNC);
	CU_ASSERT_EQUAL(c.err, DW_ETRUNC);
	CU_ASSERT_EQUAL(parse_at(noroot, 0, 0, out, NULL, &c), DW_ETRUNC);
	CU_ASSERT_EQUAL(parse_at(midlabel, sizeof(midlabel), 0, NULL, NULL, &c), DW_ETRUNC);
}

static void test_failed_cursor(void)
{
	static const uint8_t w[] = { 0 };
	dw_cur_t c;
	dw_cur_init(&c, w, 1);
	dw_cur_fail(&c, DW_ELABEL);
	CU_ASSERT_EQUAL(dw_name_parse(&c, NULL, NULL), DW_ELABEL);
}

static void test_offset_base(void)
{
	/* the cursor's base is the message start: pointers count from it */
	static const uint8_t w[] = {
		0xde, 0xad, /* 0: not part of any name */
		2, 'n', 'l', 0, /* 2 */
		2, 'n', 'u', 0xc0, 0x02, /* 6: nu.nl. */
	};
	uint8_t out[DW_NAME_MAXLEN];
	size_t olen;
	dw_cur_t c;
	CU_ASSERT_EQUAL(parse_at(w, sizeof(w), 6, out, &olen, &c), 0);
	CU_ASSERT_EQUAL(olen, 7);
	CU_ASSERT_EQUAL(memcmp(out, "\2nu\2nl", 7), 0); /* incl. the NUL */
}

/* ---- presentation ------------------------------------------------------- */

static void test_str_plain(void)
{
	static const uint8_t w[] = { 3, 'w', 'w', 'w', 7, 'E', 'x', 'a', 'm',
				     'p', 'l', 'e', 3, 'c', 'o', 'M', 0 };
	char buf[DW_NAME_STRMAX];
	CU_ASSERT_EQUAL(dw_name_to_str(w, sizeof(w), buf, sizeof(buf)), 16);
	CU_ASSERT_STRING_EQUAL(buf, "www.Example.coM.");
	static const uint8_t root[] = { 0 };
	CU_ASSERT_EQUAL(dw_name_to_str(root, 1, buf, sizeof(buf)), 1);
	CU_ASSERT_STRING_EQUAL(buf, ".");
}

static void test_str_escapes(void)
{
	char buf[DW_NAME_STRMAX];
	struct {
		uint8_t wire[8];
		size_t wlen;
		const char *text;
	} cases[] = {
		{ { 3, 'a', '.', 'b', 0 }, 5, "a\\.b." },
		{ { 1, '\\', 0 }, 3, "\\\\." },
		{ { 1, ' ', 0 }, 3, "\\032." },
		{ { 1, 0x00, 0 }, 3, "\\000." },
		{ { 1, 0xff, 0 }, 3, "\\255." },
		{ { 1, 0x7f, 0 }, 3, "\\127." },
		{ { 1, 0x0a, 0 }, 3, "\\010." },
		{ { 1, '"', 0 }, 3, "\\\"." },
		{ { 2, '(', ')', 0 }, 4, "\\(\\)." },
		{ { 3, ';', '@', '$', 0 }, 5, "\\;\\@\\$." },
		/* 0x21 and 0x7e are the printable edges: plain */
		{ { 3, '!', '~', '-', 0 }, 5, "!~-." },
		{ { 2, '_', '*', 1, 'X', 0 }, 6, "_*.X." },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = dw_name_to_str(cases[i].wire, cases[i].wlen, buf, sizeof(buf));
		CU_ASSERT_STRING_EQUAL(buf, cases[i].text);
		CU_ASSERT_EQUAL(n, strlen(cases[i].text));
	}
}

static void test_str_worst_case(void)
{
	/* 255-byte name of 0xff bytes: 3 x 63 + 61 = 250 bytes as \255 (4
	 * chars) plus 4 dots = 1004 chars, fits DW_NAME_STRMAX */
	uint8_t w[300];
	size_t p = 0;
	char buf[DW_NAME_STRMAX];
	put_label(w, &p, 63, 0xff);
	put_label(w, &p, 63, 0xff);
	put_label(w, &p, 63, 0xff);
	put_label(w, &p, 61, 0xff);
	w[p++] = 0;
	memset(buf, 'Z', sizeof(buf));
	CU_ASSERT_EQUAL(dw_name_to_str(w, p, buf, sizeof(buf)), 1004);
	CU_ASSERT_EQUAL(strlen(buf), 1004);
	CU_ASSERT_EQUAL(memcmp(buf, "\\255\\255", 8), 0);
	CU_ASSERT_EQUAL(buf[1003], '.');
}

static void test_str_small_buf(void)
{
	static const uint8_t w[] = { 3, 'w', 'w', 'w', 3, 'c', 'o', 'm', 0 };
	static const uint8_t e[] = { 2, 'a', 0xff, 0 };
	char buf[16];
	memset(buf, 'Z', sizeof(buf));
	CU_ASSERT_EQUAL(dw_name_to_str(w, sizeof(w), buf, 5), 4);
	CU_ASSERT_STRING_EQUAL(buf, "www.");
	CU_ASSERT_EQUAL(dw_name_to_str(w, sizeof(w), buf, 4), 3);
	CU_ASSERT_STRING_EQUAL(buf, "www");
	/* an escape is never split: "a\255." needs 6 + NUL */
	CU_ASSERT_EQUAL(dw_name_to_str(e, sizeof(e), buf, 5), 1);
	CU_ASSERT_STRING_EQUAL(buf, "a");
	CU_ASSERT_EQUAL(dw_name_to_str(e, sizeof(e), buf, 6), 5);
	CU_ASSERT_STRING_EQUAL(buf, "a\\255");
	CU_ASSERT_EQUAL(dw_name_to_str(w, sizeof(w), buf, 1), 0);
	CU_ASSERT_STRING_EQUAL(buf, "");
	buf[0] = 'Z';
	CU_ASSERT_EQUAL(dw_name_to_str(w, sizeof(w), buf, 0), 0);
	CU_ASSERT_EQUAL(buf[0], 'Z'); /* nothing written */
	/* root in a 1-byte buffer: "" */
	CU_ASSERT_EQUAL(dw_name_to_str(w + 8, 1, buf, 1), 0);
	CU_ASSERT_STRING_EQUAL(buf, "");
}

static void test_str_malformed(void)
{
	/* label runs past wlen: the name ends there */
	static const uint8_t over[] = { 1, 'a', 5, 'b' };
	/* a pointer byte is not valid in uncompressed form */
	static const uint8_t ptr[] = { 1, 'a', 0xc0, 0x00 };
	char buf[64];
	CU_ASSERT_EQUAL(dw_name_to_str(over, sizeof(over), buf, sizeof(buf)), 2);
	CU_ASSERT_STRING_EQUAL(buf, "a.");
	CU_ASSERT_EQUAL(dw_name_to_str(ptr, sizeof(ptr), buf, sizeof(buf)), 2);
	CU_ASSERT_STRING_EQUAL(buf, "a.");
	CU_ASSERT_EQUAL(dw_name_to_str(over, 0, buf, sizeof(buf)), 1);
	CU_ASSERT_STRING_EQUAL(buf, ".");
	CU_ASSERT_EQUAL(dw_name_labels(over, sizeof(over)), 1);
	CU_ASSERT_EQUAL(dw_name_tld(over, sizeof(over), buf, sizeof(buf)), 1);
	CU_ASSERT_STRING_EQUAL(buf, "a");
}

static void test_tld(void)
{
	static const uint8_t w[] = { 3, 'W', 'w', 'W', 7, 'E', 'x', 'a', 'm',
				     'p', 'l', 'e', 3, 'C', 'O', 'm', 0 };
	static const uint8_t idn[] = { 8, 'X', 'N', '-', '-', 'P', '1', 'A', 'I', 0 };
	static const uint8_t root[] = { 0 };
	static const uint8_t esc[] = { 1, 'a', 3, 'B', '.', 0xc8, 0 };
	char buf[DW_NAME_STRMAX];
	CU_ASSERT_EQUAL(dw_name_tld(w, sizeof(w), buf, sizeof(buf)), 3);
	CU_ASSERT_STRING_EQUAL(buf, "com");
	CU_ASSERT_EQUAL(dw_name_tld(idn, sizeof(idn), buf, sizeof(buf)), 8);
	CU_ASSERT_STRING_EQUAL(buf, "xn--p1ai");
	CU_ASSERT_EQUAL(dw_name_tld(root, 1, buf, sizeof(buf)), 1);
	CU_ASSERT_STRING_EQUAL(buf, ".");
	/* escapes apply; only ASCII A-Z is lowercased (0xc8 stays \200) */
	CU_ASSERT_EQUAL(dw_name_tld(esc, sizeof(esc), buf, sizeof(buf)), 7);
	CU_ASSERT_STRING_EQUAL(buf, "b\\.\\200");
	/* small buffer: truncated, NUL-terminated */
	CU_ASSERT_EQUAL(dw_name_tld(idn, sizeof(idn), buf, 4), 3);
	CU_ASSERT_STRING_EQUAL(buf, "xn-");
	CU_ASSERT_EQUAL(dw_name_tld(root, 1, buf, 1), 0);
	CU_ASSERT_STRING_EQUAL(buf, "");
}

static CU_TestInfo tests[] = {
	{ "plain name", test_plain },
	{ "root name", test_root },
	{ "NULL out validates", test_null_out },
	{ "compression", test_compression },
	{ "self pointer", test_self_pointer },
	{ "forward pointer", test_forward_pointer },
	{ "pointer loops", test_pointer_loops },
	{ "hop cap", test_hop_cap },
	{ "255 ok, 256 too long", test_name_255 },
	{ "too long through a pointer", test_name_long_by_pointer },
	{ "127 labels", test_127_labels },
	{ "label 63 ok, 64 is a label type", test_label_len },
	{ "label types 01 and 10", test_label_types },
	{ "truncation", test_truncated },
	{ "failed cursor", test_failed_cursor },
	{ "pointers from the buffer base", test_offset_base },
	{ "to_str plain and root", test_str_plain },
	{ "to_str escapes", test_str_escapes },
	{ "to_str worst case", test_str_worst_case },
	{ "to_str small buffer", test_str_small_buf },
	{ "to_str malformed input", test_str_malformed },
	{ "tld", test_tld },
	CU_TEST_INFO_NULL,
};

int main(void)
{
	return cu_run("dw_name", tests);
}
