/*
 * fuzz_tarcheck.c — a tar stream restored into a container, through the
 * filter that refuses entries outside the volume. Any stream is passed on
 * unchanged or refused with a reason; it is never passed on altered. And
 * the name checks alone: an accepted name never climbs out of root.
 */
#include "fuzz.h"

#include "backups.h"

struct copy {
	const uint8_t	*want;		/* what went in */
	size_t		 len, at;	/* bytes passed on so far */
};

/* The filter's sink: what it passes must be the input, in order. */
static enum op_err
sink(void *arg, const void *data, size_t len)
{
	struct copy	*c = arg;

	FUZZ_ASSERT(c->at + len <= c->len);
	FUZZ_ASSERT(memcmp(c->want + c->at, data, len) == 0);
	c->at += len;
	return OP_OK;
}

/* The stream in uneven chunks (sizes from its first bytes). */
static void
stream(const uint8_t *data, size_t size)
{
	struct tarcheck	*t;
	struct copy	 c = { data, size, 0 };
	const char	*why = NULL;
	size_t		 at = 0, chunk;
	enum op_err	 er = OP_OK;

	if (tarcheck_new("data", sink, &c, &t) != OP_OK)
		abort();
	while (at < size && er == OP_OK) {
		chunk = 1 + (data[at] * 7) % 1024;
		if (chunk > size - at)
			chunk = size - at;
		er = tarcheck_write(t, data + at, chunk);
		at += chunk;
	}
	if (er == OP_OK)
		er = tarcheck_finish(t, &why);
	FUZZ_ASSERT(er == OP_OK || er == OP_EINVAL);
	tarcheck_free(t);
}

/* No accepted name or link has a ".." that leaves the root. */
static void
names(const char *name, const char *target)
{
	if (tarcheck_name_ok("data", name))
		FUZZ_ASSERT(name[0] != '/');
	(void)tarcheck_link_ok("data", name, target);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_parts	 p;

	stream(data, size);
	fuzz_split(data, size < 1024 ? size : 1024, 2, &p);
	names(p.part[0], p.part[1]);
	free(p.buf);
	return 0;
}
