/*
 * pool.c - fixed-size chunk pools for the reassembly buffers.
 *
 * Both reassemblers need byte storage whose total is bounded and which is
 * never allocated per packet. A pool is one block cut into equal chunks
 * with a free list threaded through an index array; an owner keeps the
 * chunks it holds on its own list through the same array. Equal chunks
 * cannot fragment, so a partial datagram or a stream never fails to get
 * memory while any is free, and getting or freeing one is O(1).
 */
#include <stdlib.h>

#include "nl_int.h"

/** Carve @p bytes into chunks of @p csize. @return 0, DW_EINVAL, DW_ENOMEM. */
int nl_pool_init(nl_pool_t *p, size_t bytes, uint32_t csize)
{
	size_t n = bytes / csize;

	memset(p, 0, sizeof(*p));
	if (n == 0 || n >= NL_NONE)
		return DW_EINVAL;
	p->mem = malloc(n * csize);
	p->next = malloc(n * sizeof(*p->next));
	if (!p->mem || !p->next) {
		nl_pool_fini(p);
		return DW_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		p->next[i] = i + 1 < n ? (uint32_t)(i + 1) : NL_NONE;
	p->free = 0;
	p->nfree = p->n = (uint32_t)n;
	p->csize = csize;
	return 0;
}

void nl_pool_fini(nl_pool_t *p)
{
	free(p->mem);
	free(p->next);
	memset(p, 0, sizeof(*p));
}
