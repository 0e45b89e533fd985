/*
 * retention.c — which generations of a series of backups a policy keeps:
 * the newest N, and the newest of each of the last D days, W ISO weeks
 * and M months that have one, on the wall clock of a time zone.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "openpanel.h"

enum period { DAY, WEEK, MONTH };

/* The period of tm as text: a day, an ISO week or a month. */
static void
period_key(enum period p, const struct tm *tm, char out[32])
{
	switch (p) {
	case DAY:
		strftime(out, 32, "%Y-%m-%d", tm);
		break;
	case WEEK:
		strftime(out, 32, "%G-W%V", tm);
		break;
	default:
		strftime(out, 32, "%Y-%m", tm);
	}
}

/* Keep the newest entry of each of the first `count` distinct periods
 * met from newest to oldest. */
static void
keep_periods(const int64_t *times, size_t n, enum period p, int count,
    unsigned char *keep)
{
	char		last[32] = "", key[32];
	struct tm	tm;
	time_t		t;
	size_t		i;
	int		seen = 0;

	for (i = 0; i < n && seen < count; i++) {
		t = (time_t)times[i];
		localtime_r(&t, &tm);
		period_key(p, &tm, key);
		if (strcmp(key, last) == 0)
			continue;
		memcpy(last, key, sizeof(last));
		keep[i] = 1;
		seen++;
	}
}

enum op_err
op_retention_keep(const int64_t *times, size_t n, const char *tz,
    const struct op_retention *p, unsigned char *keep)
{
	char		*saved;
	enum op_err	 er;
	size_t		 i;

	if (p->last <= 0 && p->daily <= 0 && p->weekly <= 0 &&
	    p->monthly <= 0) {
		memset(keep, 1, n);	/* no policy: keep everything */
		return OP_OK;
	}
	for (i = 1; i < n; i++)
		if (times[i] > times[i - 1])
			return OP_EINVAL;	/* newest first, please */
	memset(keep, 0, n);
	for (i = 0; i < n && (int)i < p->last; i++)
		keep[i] = 1;
	if ((er = op_tz_enter(tz, &saved)) != OP_OK)
		return er;
	keep_periods(times, n, DAY, p->daily, keep);
	keep_periods(times, n, WEEK, p->weekly, keep);
	keep_periods(times, n, MONTH, p->monthly, keep);
	op_tz_leave(saved);
	return OP_OK;
}
