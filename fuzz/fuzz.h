/*
 * fuzz.h — what every libFuzzer target shares: the input cut into C
 * strings, and a check that stops the run with a message when a property
 * fails (libFuzzer keeps the input that did it).
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_PARTS_MAX	4

/* The input split at NUL bytes into at most n strings (the last takes the
 * rest, NULs and all, up to its first NUL); missing parts are "". */
struct fuzz_parts {
	char	*buf;
	char	*part[FUZZ_PARTS_MAX];
};

static inline void
fuzz_split(const uint8_t *data, size_t size, int n, struct fuzz_parts *p)
{
	char	*s, *end;
	int	 i;

	if ((p->buf = malloc(size + 1)) == NULL)
		abort();
	memcpy(p->buf, data, size);
	p->buf[size] = '\0';
	s = p->buf;
	end = p->buf + size;
	for (i = 0; i < n && i < FUZZ_PARTS_MAX; i++) {
		p->part[i] = s;
		if (s < end)
			s += strlen(s) + (s + strlen(s) < end);
	}
}

/* Stop the run when cond is false: a property of the code under test. */
#define FUZZ_ASSERT(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: property failed: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

#endif /* FUZZ_H */
