/*
 * fuzz_cron.c — a cron expression and a time zone, as a backup schedule
 * carries them. The parser accepts or names the field at fault; an
 * accepted expression's next firing is after the given time, on a minute,
 * and found without looping forever.
 */
#include "fuzz.h"

#include "openpanel.h"

#define T0	1767323045LL	/* 2026-01-02T03:04:05Z */

static void
next_in(const struct op_cron *c, const char *tz, int64_t after)
{
	int64_t		 at;
	enum op_err	 er;

	er = op_cron_next(c, tz, after, &at);
	if (er != OP_OK) {
		FUZZ_ASSERT(er == OP_EINVAL);
		return;
	}
	FUZZ_ASSERT(at > after);
	FUZZ_ASSERT(at % 60 == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_parts	 p;
	struct op_cron		 c;
	const char		*why = NULL;
	int64_t			 after;

	if (size < 1)
		return 0;
	after = T0 + (int64_t)data[0] * 86400 * 3;
	fuzz_split(data + 1, size - 1, 2, &p);
	if (op_cron_parse(p.part[0], &c, &why) == OP_OK) {
		/* Stored text holds no tab; the parser reads one as a space. */
		FUZZ_ASSERT((op_valid_cron(p.part[0], &why) == OP_OK) ==
		    (strchr(p.part[0], '\t') == NULL));
		next_in(&c, "UTC", after);
		if (op_valid_timezone(p.part[1], &why) == OP_OK)
			next_in(&c, p.part[1], after);
	} else
		FUZZ_ASSERT(why != NULL);
	free(p.buf);
	return 0;
}
