/*
 * fuzz_dw_msg.c - libFuzzer harness for dw_msg_parse and the name
 * formatters. Beyond "no crash", it checks the view's invariants and
 * that formatted names are NUL-terminated within their buffers;
 * any violation abort()s so the fuzzer reports it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rootlens/dnswire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Formatting into a buffer padded with a canary: the function must stop
 * inside bufsz and leave a NUL at the length it returned. */
static void check_str(size_t (*fmt)(const uint8_t *, size_t, char *, size_t),
		      const uint8_t *w, size_t wlen, size_t bufsz)
{
	char buf[DW_NAME_STRMAX + 16];
	memset(buf, 0x5a, sizeof(buf));
	size_t n = fmt(w, wlen, buf, bufsz);
	if (bufsz == 0) {
		if (n != 0 || buf[0] != 0x5a)
			abort();
		return;
	}
	if (n >= bufsz || buf[n] != '\0' || strlen(buf) != n)
		abort();
	for (size_t i = bufsz; i < sizeof(buf); i++)
		if (buf[i] != 0x5a)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dw_msg_t m;
	int rc = dw_msg_parse(&m, data, size);

	/* only a bad OPT fails a message that was walked to the end */
	if ((rc == 0 || m.bad == DW_BAD_OPT) != (m.reached == DW_SEC_END))
		abort();
	if ((rc == DW_EOPT) != (m.bad == DW_BAD_OPT))
		abort();
	if (rc == 0 && m.bad != DW_BAD_NONE && m.bad != DW_BAD_TRAILING)
		abort();
	if (rc < 0 && (m.bad == DW_BAD_NONE || m.bad == DW_BAD_TRAILING))
		abort();
	if (m.bad >= DW_BAD__COUNT || m.questions > m.qdcount)
		abort();
	if (m.rrs > (unsigned)m.ancount + m.nscount + m.arcount)
		abort();
	if (!m.have_edns && m.rcode_full != m.rcode)
		abort();
	if (!m.have_question)
		return 0;

	/* the qname is a well-formed uncompressed name */
	if (m.qname_len < 1 || m.qname[m.qname_len - 1] != 0)
		abort();
	unsigned labels = dw_name_labels(m.qname, m.qname_len);
	if (labels > 127)
		abort();

	char str[DW_NAME_STRMAX], tld[DW_NAME_STRMAX];
	size_t n = dw_name_to_str(m.qname, m.qname_len, str, sizeof(str));
	if (n == 0 || n >= sizeof(str) || str[n] != '\0' || str[n - 1] != '.')
		abort();
	size_t t = dw_name_tld(m.qname, m.qname_len, tld, sizeof(tld));
	if (t == 0 || t > n || tld[t] != '\0')
		abort();

	/* short buffers: sizes derived from the input to explore cut points */
	size_t small = size ? data[size - 1] % 64 : 0;
	check_str(dw_name_to_str, m.qname, m.qname_len, small);
	check_str(dw_name_tld, m.qname, m.qname_len, small);
	/* and the formatters on raw, untrusted bytes */
	check_str(dw_name_to_str, data, size, DW_NAME_STRMAX);
	check_str(dw_name_tld, data, size, DW_NAME_STRMAX);
	(void)dw_name_labels(data, size);
	return 0;
}
