/*
 * arena.c — request-lifetime memory: one chain of blocks, freed at once.
 */
#include <stdlib.h>
#include <string.h>

#include "arena_int.h"

#define ARENA_BLOCK	8192
#define ARENA_MAX	(16u * 1024 * 1024)	/* a request never needs more */

struct block {
	struct block	*next;
	size_t		 used;
	size_t		 size;
	_Alignas(max_align_t) unsigned char data[];
};

struct op_arena {
	struct block	*head;
	size_t		 total;
};

struct op_arena *
op_arena_new(void)
{
	return calloc(1, sizeof(struct op_arena));
}

void
op_arena_free(struct op_arena *a)
{
	struct block	*b, *next;

	if (a == NULL)
		return;
	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

void *
op_arena_alloc(struct op_arena *a, size_t n)
{
	struct block	*b;
	size_t		 size;
	void		*p;

	n = (n + _Alignof(max_align_t) - 1) & ~(_Alignof(max_align_t) - 1);
	if (n == 0 || n > ARENA_MAX || a->total + n > ARENA_MAX)
		return NULL;
	b = a->head;
	if (b == NULL || b->size - b->used < n) {
		size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		if ((b = malloc(sizeof(*b) + size)) == NULL)
			return NULL;
		b->size = size;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	p = b->data + b->used;
	b->used += n;
	a->total += n;
	memset(p, 0, n);
	return p;
}
