/*
 * fuzz_cf_reader.c - libFuzzer harness for the capture-file reader.
 *
 * The reader takes a path, so each input goes into one memfd made once per
 * process and is opened as /proc/self/fd/N (a fresh open file description,
 * offset 0, every time). Every packet is checked against the API's
 * promises and every byte of it is read, so ASan sees any out-of-bounds
 * data pointer. The last input byte picks the inflater, so both the ISA-L
 * and the zlib paths are fuzzed.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rootlens/capfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd = -1;
static char path[64];

static int put(const uint8_t *data, size_t size)
{
	if (memfd < 0) {
		memfd = memfd_create("fuzz_cf_reader", MFD_CLOEXEC);
		if (memfd < 0)
			return -1;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	}
	if (ftruncate(memfd, 0) < 0)
		return -1;
	size_t off = 0;
	while (off < size) {
		ssize_t w = pwrite(memfd, data + off, size - off, (off_t)off);
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

static int known_error(int rc)
{
	return rc == DW_ETRUNCFILE || rc == DW_EGZIP || rc == DW_EFORMAT || rc == DW_ETOOBIG ||
	       rc == DW_EIO || rc == DW_ENOMEM;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (put(data, size) < 0)
		abort();
	cf_set_inflater(size && (data[size - 1] & 1) ? CF_INFLATE_ZLIB : CF_INFLATE_AUTO);

	char err[512];
	cf_reader_t *r = NULL;
	int rc = cf_reader_open(&r, path, err, sizeof(err));
	if (rc < 0) {
		if (r != NULL || !known_error(rc) || err[0] == '\0')
			abort();
		return 0;
	}
	if (r == NULL)
		abort();

	cf_pkt_t p;
	volatile uint8_t sink = 0;
	uint64_t last_off = 0, n = 0;
	while ((rc = cf_reader_next(r, &p)) == 1) {
		if (p.caplen > CF_MAX_CAPLEN || (p.caplen && !p.data) || p.ts_nsec >= 1000000000u)
			abort();
		if (n++ && p.offset <= last_off)
			abort();
		last_off = p.offset;
		for (uint32_t i = 0; i < p.caplen; i++)
			sink ^= p.data[i];
	}
	(void)sink;
	if (rc < 0) {
		if (!known_error(rc) || cf_reader_errmsg(r)[0] == '\0')
			abort();
		/* Errors are sticky. */
		if (cf_reader_next(r, &p) != rc)
			abort();
	} else if (rc != 0 || cf_reader_errmsg(r)[0] != '\0' || cf_reader_next(r, &p) != 0) {
		abort();
	}
	cf_reader_close(r);
	return 0;
}
