/*
 * arena_int.h — private to lib/: the request arena.
 */
#ifndef ARENA_INT_H
#define ARENA_INT_H

#include <stddef.h>

struct op_arena;

/* A new empty arena; NULL when out of memory. */
struct op_arena	*op_arena_new(void);
/* Free everything the arena handed out, and the arena. Accepts NULL. */
void		 op_arena_free(struct op_arena *);
/* n bytes aligned for any type, zeroed; NULL past the arena's cap. */
void		*op_arena_alloc(struct op_arena *, size_t n);

#endif
