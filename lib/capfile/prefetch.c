/*
 * prefetch.c - inflate on a second thread, ahead of the reader.
 *
 * Decompression is the floor of every analysis (DESIGN.md, "Speed"); with
 * inflate and decode on one thread the run costs their sum. Here a worker
 * thread inflates into a small ring of fixed blocks while the caller
 * decodes the previous ones, so the run costs about the larger of the
 * two. Memory is fixed at start (PF_BLOCKS x PF_BLOCK bytes); nothing is
 * allocated per block or per packet.
 *
 * Order of results is kept: a block carries the bytes inflated before
 * any damage, and the status (end or error) travels after them, so the
 * caller sees every good byte before the error, as with a direct read.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "source_int.h"

#define PF_BLOCKS 4
#define PF_BLOCK (1024u * 1024u)

typedef struct pf_block {
	uint8_t *data;
	size_t len;       /* bytes filled */
	int status;       /* 0 more to come; 1 clean end; < 0 error after data */
	uint64_t raw_off; /* compressed bytes consumed when it was filled */
} pf_block_t;

struct cf_pf {
	cf_src_t *src;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pf_block_t blk[PF_BLOCKS];
	unsigned head;    /* next block the worker fills */
	unsigned tail;    /* block the reader consumes */
	unsigned filled;  /* blocks ready for the reader */
	int stop;         /* reader is closing: worker must return */
	size_t pos;       /* read position in blk[tail] */
	uint64_t raw_off; /* as of the block being consumed */
	int final;        /* status already delivered to the caller */
};

static void *worker(void *arg)
{
	cf_pf_t *pf = arg;
	for (;;) {
		pthread_mutex_lock(&pf->mu);
		while (pf->filled == PF_BLOCKS && !pf->stop)
			pthread_cond_wait(&pf->cv, &pf->mu);
		int stop = pf->stop;
		pf_block_t *b = &pf->blk[pf->head];
		pthread_mutex_unlock(&pf->mu);
		if (stop)
			return NULL;

		/* Fill this block outside the lock: it is the worker's alone. */
		b->len = 0;
		b->status = 0;
		while (b->len < PF_BLOCK) {
			ssize_t got = cf_src_read_direct(pf->src, b->data + b->len,
							 PF_BLOCK - b->len);
			if (got > 0) {
				b->len += (size_t)got;
				continue;
			}
			b->status = got == 0 ? 1 : (int)got;
			break;
		}
		b->raw_off = cf_src_raw_offset_direct(pf->src);

		pthread_mutex_lock(&pf->mu);
		pf->head = (pf->head + 1) % PF_BLOCKS;
		pf->filled++;
		pthread_cond_broadcast(&pf->cv);
		pthread_mutex_unlock(&pf->mu);
		if (b->status != 0)
			return NULL;
	}
}

int cf_pf_start(cf_pf_t **out, cf_src_t *src)
{
	cf_pf_t *pf = calloc(1, sizeof(*pf));
	int rc = DW_ENOMEM;
	unsigned i;

	*out = NULL;
	if (!pf)
		return DW_ENOMEM;
	pf->src = src;
	for (i = 0; i < PF_BLOCKS; i++)
		if (!(pf->blk[i].data = malloc(PF_BLOCK)))
			goto fail;
	if (pthread_mutex_init(&pf->mu, NULL) != 0)
		goto fail;
	if (pthread_cond_init(&pf->cv, NULL) != 0) {
		pthread_mutex_destroy(&pf->mu);
		goto fail;
	}
	if (pthread_create(&pf->thread, NULL, worker, pf) != 0) {
		pthread_cond_destroy(&pf->cv);
		pthread_mutex_destroy(&pf->mu);
		rc = DW_EIO;
		goto fail;
	}
	*out = pf;
	return 0;
fail:
	for (i = 0; i < PF_BLOCKS; i++)
		free(pf->blk[i].data);
	free(pf);
	return rc;
}

ssize_t cf_pf_read(cf_pf_t *pf, uint8_t *dst, size_t n)
{
	for (;;) {
		pthread_mutex_lock(&pf->mu);
		while (pf->filled == 0)
			pthread_cond_wait(&pf->cv, &pf->mu);
		pf_block_t *b = &pf->blk[pf->tail];
		pthread_mutex_unlock(&pf->mu);

		pf->raw_off = b->raw_off;
		if (pf->pos < b->len) {
			size_t k = b->len - pf->pos;
			if (k > n)
				k = n;
			memcpy(dst, b->data + pf->pos, k);
			pf->pos += k;
			return (ssize_t)k;
		}
		if (b->status != 0) {
			/* The last block stays: every later call sees the status. */
			return b->status == 1 ? 0 : b->status;
		}
		pthread_mutex_lock(&pf->mu);
		pf->tail = (pf->tail + 1) % PF_BLOCKS;
		pf->filled--;
		pf->pos = 0;
		pthread_cond_broadcast(&pf->cv);
		pthread_mutex_unlock(&pf->mu);
	}
}

uint64_t cf_pf_raw_offset(const cf_pf_t *pf)
{
	return pf->raw_off;
}

void cf_pf_stop(cf_pf_t *pf)
{
	if (!pf)
		return;
	pthread_mutex_lock(&pf->mu);
	pf->stop = 1;
	pthread_cond_broadcast(&pf->cv);
	pthread_mutex_unlock(&pf->mu);
	pthread_join(pf->thread, NULL);
	pthread_cond_destroy(&pf->cv);
	pthread_mutex_destroy(&pf->mu);
	for (unsigned i = 0; i < PF_BLOCKS; i++)
		free(pf->blk[i].data);
	free(pf);
}
