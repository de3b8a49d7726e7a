/*
 * ring.h - the bounded queue between the capture loop and the writer
 * thread: one producer, one consumer, variable-size records in one byte
 * buffer allocated at start. The producer never waits: a packet that does
 * not fit is refused (the caller counts it as an application drop).
 * Control records (new file, end) use a reserve that packets may not take,
 * so they always fit while fewer than RING_CTL_RESERVE bytes of them are
 * queued.
 */
#ifndef ROOTLENS_CAPTURE_RING_H
#define ROOTLENS_CAPTURE_RING_H

#include <stddef.h>
#include <stdint.h>

#define RING_CTL_RESERVE 4096u

typedef struct ring ring_t;

/** A ring of @p bytes (rounded up to a power of two, at least 64 KiB). */
ring_t *ring_new(size_t bytes);
void ring_free(ring_t *r);
size_t ring_capacity(const ring_t *r);

/**
 * Producer: room for a record of @p len bytes, contiguous, 8-byte aligned.
 * @p control: may use the reserve. @return the space, or NULL when the
 * ring is full (nothing changed). Commit it with ring_commit(r, len).
 */
void *ring_reserve(ring_t *r, size_t len, int control);
void ring_commit(ring_t *r, size_t len);

/**
 * Consumer: the oldest record and its length, or NULL when empty.
 * Release it with ring_release(r, len) when done with it.
 */
void *ring_peek(ring_t *r, size_t *len);
void ring_release(ring_t *r, size_t len);

/** Consumer: wait until a record is queued or @p timeout_ms passed. */
void ring_wait(ring_t *r, int timeout_ms);

/** Bytes queued now (either side; approximate while the other moves). */
size_t ring_used(const ring_t *r);

#endif
