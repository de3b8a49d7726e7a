/*
 * ring.c - single-producer single-consumer record queue (see ring.h).
 *
 * head and tail count bytes since the start and only grow; a position in
 * the buffer is the count masked by the capacity. Every record starts with
 * a size word; a record that would cross the end of the buffer is preceded
 * by a pad record filling the rest, so every record is contiguous. The
 * producer publishes head with release order after writing the record; the
 * consumer reads head with acquire order, and the same for tail.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ring.h"

#define RING_PAD 0xffffffffu /* size word of a pad record */

struct ring {
	uint8_t *buf;
	size_t cap, mask;
	_Atomic uint64_t head; /* producer */
	_Atomic uint64_t tail; /* consumer */
	_Atomic int sleeping;  /* consumer waits in ring_wait */
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static size_t round8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

ring_t *ring_new(size_t bytes)
{
	size_t cap = 65536;
	while (cap < bytes && cap < ((size_t)1 << 40))
		cap <<= 1;
	ring_t *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	if (posix_memalign((void **)&r->buf, 64, cap) != 0) {
		free(r);
		return NULL;
	}
	r->cap = cap;
	r->mask = cap - 1;
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	atomic_init(&r->sleeping, 0);
	pthread_mutex_init(&r->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cv, &ca);
	pthread_condattr_destroy(&ca);
	return r;
}

void ring_free(ring_t *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	free(r->buf);
	free(r);
}

size_t ring_capacity(const ring_t *r)
{
	return r->cap;
}

size_t ring_used(const ring_t *r)
{
	uint64_t h = atomic_load_explicit(&((ring_t *)(uintptr_t)r)->head, memory_order_acquire);
	uint64_t t = atomic_load_explicit(&((ring_t *)(uintptr_t)r)->tail, memory_order_acquire);
	return (size_t)(h - t);
}

void *ring_reserve(ring_t *r, size_t len, int control)
{
	size_t need = round8(len + 8); /* size word + record, aligned */
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	size_t used = (size_t)(head - tail);
	size_t reserve = control ? 0 : RING_CTL_RESERVE;
	size_t pos = (size_t)head & r->mask;
	size_t pad = pos + need > r->cap ? r->cap - pos : 0;
	if (need + pad + reserve > r->cap - used)
		return NULL;
	if (pad) {
		/* a pad record to the end of the buffer; published with the record */
		uint32_t w = RING_PAD;
		memcpy(r->buf + pos, &w, 4);
		pos = 0;
	}
	return r->buf + pos + 8;
}

void ring_commit(ring_t *r, size_t len)
{
	size_t need = round8(len + 8);
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	size_t pos = (size_t)head & r->mask;
	if (pos + need > r->cap) {
		head += r->cap - pos; /* skip the pad written by ring_reserve */
		pos = 0;
	}
	uint32_t w = (uint32_t)len;
	memcpy(r->buf + pos, &w, 4);
	atomic_store_explicit(&r->head, head + need, memory_order_release);
	if (atomic_load_explicit(&r->sleeping, memory_order_acquire)) {
		pthread_mutex_lock(&r->mu);
		pthread_cond_signal(&r->cv);
		pthread_mutex_unlock(&r->mu);
	}
}

void *ring_peek(ring_t *r, size_t *len)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	if (tail == head)
		return NULL;
	size_t pos = (size_t)tail & r->mask;
	uint32_t w;
	memcpy(&w, r->buf + pos, 4);
	if (w == RING_PAD) {
		tail += r->cap - pos;
		atomic_store_explicit(&r->tail, tail, memory_order_release);
		if (tail == head)
			return NULL;
		pos = 0;
		memcpy(&w, r->buf, 4);
	}
	*len = w;
	return r->buf + pos + 8;
}

void ring_release(ring_t *r, size_t len)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	atomic_store_explicit(&r->tail, tail + round8(len + 8), memory_order_release);
}

void ring_wait(ring_t *r, int timeout_ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->mu);
	atomic_store_explicit(&r->sleeping, 1, memory_order_seq_cst);
	/* re-check after announcing: a commit before this point is seen here */
	while (atomic_load_explicit(&r->head, memory_order_seq_cst) ==
	       atomic_load_explicit(&r->tail, memory_order_relaxed)) {
		if (pthread_cond_timedwait(&r->cv, &r->mu, &ts) == ETIMEDOUT)
			break;
	}
	atomic_store_explicit(&r->sleeping, 0, memory_order_relaxed);
	pthread_mutex_unlock(&r->mu);
}
