/*
 * buf.c — a growable byte buffer that refuses to grow past its maximum.
 *
 * b->len bytes of content, never more than b->max; b->cap bytes allocated,
 * always room for the content plus a terminating NUL, so b->data can be
 * read as a string whenever it is non-NULL.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openpanel.h"

#define BUF_MIN		64	/* first allocation */

/*
 * Make room for n more bytes of content and the NUL: OP_ETOOLARGE when
 * that would pass b->max, OP_ENOMEM when realloc fails. Doubles the
 * allocation so a run of small appends stays linear; never allocates
 * more than b->max + 1. On failure the buffer is unchanged.
 */
static enum op_err
buf_reserve(struct op_buf *b, size_t n)
{
	size_t	 need, ncap;
	char	*p;

	if (n > b->max - b->len || b->len + n == SIZE_MAX)
		return OP_ETOOLARGE;
	need = b->len + n + 1;
	if (need <= b->cap)
		return OP_OK;

	ncap = b->cap > 0 ? b->cap : BUF_MIN;
	while (ncap < need && ncap <= SIZE_MAX / 2)
		ncap *= 2;
	if (ncap < need)
		ncap = need;
	if (ncap - 1 > b->max)		/* cap at max + 1, which fits need */
		ncap = b->max + 1;

	if ((p = realloc(b->data, ncap)) == NULL)
		return OP_ENOMEM;
	if (b->data == NULL)
		p[0] = '\0';
	b->data = p;
	b->cap = ncap;
	return OP_OK;
}

/* An empty buffer that will hold at most max bytes. Allocates nothing. */
void
op_buf_init(struct op_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

/*
 * Append n bytes of p. OP_ETOOLARGE when the content would pass b->max,
 * OP_ENOMEM when out of memory; either way the buffer is unchanged. After
 * a success b->data is non-NULL and NUL-terminated, even when n == 0.
 */
enum op_err
op_buf_add(struct op_buf *b, const void *p, size_t n)
{
	enum op_err	 er;

	if ((er = buf_reserve(b, n)) != OP_OK)
		return er;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return OP_OK;
}

/*
 * Append printf-style output, all of it or nothing: the same limits as
 * op_buf_add, and OP_EINVAL when the format cannot be rendered.
 */
enum op_err
op_buf_addf(struct op_buf *b, const char *fmt, ...)
{
	va_list		 ap;
	int		 n;
	size_t		 room;
	enum op_err	 er;

	/* Try the space we already have; most appends fit. */
	room = b->cap > b->len ? b->cap - b->len : 0;
	va_start(ap, fmt);
	n = vsnprintf(room > 0 ? b->data + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		er = OP_EINVAL;
		goto out;
	}
	if ((size_t)n < room) {		/* cap <= max + 1: within max */
		b->len += (size_t)n;
		er = OP_OK;
		goto out;
	}

	if ((er = buf_reserve(b, (size_t)n)) != OP_OK)
		goto out;
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		er = OP_EINVAL;		/* rendered differently twice */
		goto out;
	}
	b->len += (size_t)n;
	er = OP_OK;
out:
	/* A refused or truncated attempt may have written past len. */
	if (b->data != NULL)
		b->data[b->len] = '\0';
	return er;
}

/* Free the content and zero the buffer, maximum included. */
void
op_buf_clear(struct op_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void
op_buf_reset(struct op_buf *b)
{
	size_t	max = b->max;

	op_buf_clear(b);
	b->max = max;
}
