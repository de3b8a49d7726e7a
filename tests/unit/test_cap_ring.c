/*
 * test_cap_ring.c - the capture queue: records come out as they went in,
 * across wraparound, a full ring refuses packets but keeps room for
 * control records, and two threads pass millions of records intact.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "cu_main.h"
#include "ring.h"

static void put(ring_t *r, uint32_t seq, size_t len, int control, int *ok)
{
	uint8_t *p = ring_reserve(r, len, control);
	*ok = p != NULL;
	if (!p)
		return;
	memcpy(p, &seq, 4);
	for (size_t k = 4; k < len; k++)
		p[k] = (uint8_t)(seq + k);
	ring_commit(r, len);
}

static int take(ring_t *r, uint32_t seq, size_t want_len)
{
	size_t len;
	uint8_t *p = ring_peek(r, &len);
	if (!p || len != want_len)
		return 0;
	uint32_t s;
	memcpy(&s, p, 4);
	int ok = s == seq;
	for (size_t k = 4; k < len; k++)
		ok &= p[k] == (uint8_t)(seq + k);
	ring_release(r, len);
	return ok;
}

static void test_fifo_wrap(void)
{
	ring_t *r = ring_new(0); /* 64 KiB */
	CU_ASSERT_FATAL(r != NULL);
	CU_ASSERT_EQUAL(ring_capacity(r), 65536);
	size_t dummy;
	CU_ASSERT_PTR_NULL(ring_peek(r, &dummy));
	/* odd sizes, many times around the buffer */
	uint32_t in = 0, out = 0;
	int bad = 0;
	for (int round = 0; round < 2000; round++) {
		for (int k = 0; k < 7; k++, in++) {
			int ok;
			put(r, in, 100 + (in * 37) % 3000, 0, &ok);
			bad += !ok;
		}
		while (out < in) {
			bad += !take(r, out, 100 + (out * 37) % 3000);
			out++;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(ring_used(r), 0);
	ring_free(r);
}

static void test_full_and_reserve(void)
{
	ring_t *r = ring_new(0);
	int ok = 1, n = 0;
	while (ok) {
		put(r, (uint32_t)n, 1000, 0, &ok);
		n += ok;
	}
	/* 64 KiB less the control reserve holds 1008-byte slots */
	CU_ASSERT_EQUAL(n, (int)((65536 - RING_CTL_RESERVE) / 1008));
	/* packets are refused, a control record still fits */
	put(r, 999999, 1000, 0, &ok);
	CU_ASSERT(!ok);
	put(r, 777777, 64, 1, &ok);
	CU_ASSERT(ok);
	int bad = 0;
	for (int i = 0; i < n; i++)
		bad += !take(r, (uint32_t)i, 1000);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(take(r, 777777, 64));
	/* empty again: a packet fits */
	put(r, 5, 1000, 0, &ok);
	CU_ASSERT(ok);
	ring_free(r);
}

#define NREC 3000000u

static void *consumer(void *arg)
{
	ring_t *r = arg;
	uintptr_t bad = 0;
	for (uint32_t seq = 0; seq < NREC;) {
		size_t len;
		uint8_t *p = ring_peek(r, &len);
		if (!p) {
			ring_wait(r, 10);
			continue;
		}
		uint32_t s;
		memcpy(&s, p, 4);
		bad += s != seq || len != 8 + seq % 120 || p[len - 1] != (uint8_t)(seq + len - 1);
		ring_release(r, len);
		seq++;
	}
	return (void *)bad;
}

static void test_two_threads(void)
{
	ring_t *r = ring_new(1 << 20);
	pthread_t t;
	CU_ASSERT_FATAL(pthread_create(&t, NULL, consumer, r) == 0);
	uint64_t refused = 0;
	for (uint32_t seq = 0; seq < NREC;) {
		int ok;
		put(r, seq, 8 + seq % 120, 0, &ok);
		if (ok)
			seq++;
		else
			refused++; /* full: try again (the collector would count a drop) */
	}
	void *bad;
	pthread_join(t, &bad);
	CU_ASSERT_EQUAL((uintptr_t)bad, 0);
	CU_ASSERT_EQUAL(ring_used(r), 0);
	ring_free(r);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "fifo across wraparound", test_fifo_wrap },
		{ "full ring refuses packets, keeps control reserve", test_full_and_reserve },
		{ "producer and consumer threads", test_two_threads },
		CU_TEST_INFO_NULL,
	};
	return cu_run("cap_ring", tests);
}
