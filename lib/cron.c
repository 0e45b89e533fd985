/*
 * cron.c — five-field cron expressions (minute hour day-of-month month
 * day-of-week) and the next time one fires in a given time zone.
 *
 * Each field is "*", a value, a range "a-b", any of those with a step
 * "/n", or a comma-separated list of them. Day of week is 0-7 (0 and 7
 * are Sunday). As in Vixie cron, when both day fields are restricted a
 * day matches if either does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "openpanel.h"

#define CRON_MAX	256		/* bytes of one expression */
#define TZ_MAX		64		/* bytes of a time zone name */
#define SEARCH_STEPS	100000		/* bound on op_cron_next's walk */

struct field_def {
	const char	*why;		/* the message when it is bad */
	int		 min, max;
};

static const struct field_def defs[5] = {
	{ "bad minute field (0-59, *, a-b, */n, lists)", 0, 59 },
	{ "bad hour field (0-23, *, a-b, */n, lists)", 0, 23 },
	{ "bad day-of-month field (1-31, *, a-b, */n, lists)", 1, 31 },
	{ "bad month field (1-12, *, a-b, */n, lists)", 1, 12 },
	{ "bad day-of-week field (0-7, Sunday 0 or 7, *, a-b, */n, lists)",
	  0, 7 },
};

/* A number in [min, max] at *p, advancing *p. */
static int
number(const char **p, int min, int max, int *out)
{
	long	v = 0;
	int	n = 0;

	while (**p >= '0' && **p <= '9' && n < 3) {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	if (n == 0 || (**p >= '0' && **p <= '9') || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

/* One field's text [s, end) into the bit set *bits; *star when "*". */
static enum op_err
field_parse(const char *s, const char *end, const struct field_def *d,
    uint64_t *bits, int *star, const char **why)
{
	const char	*p = s;
	int		 lo, hi, step, v;

	*bits = 0;
	*star = (end - s == 1 && *s == '*');
	while (p < end) {
		step = 1;
		if (*p == '*') {
			lo = d->min;
			hi = d->max;
			p++;
		} else {
			if (number(&p, d->min, d->max, &lo) != 0)
				goto bad;
			hi = lo;
			if (p < end && *p == '-') {
				p++;
				if (number(&p, d->min, d->max, &hi) != 0 ||
				    hi < lo)
					goto bad;
			}
		}
		if (p < end && *p == '/') {
			p++;
			if (number(&p, 1, d->max, &step) != 0)
				goto bad;
		}
		for (v = lo; v <= hi; v += step)
			*bits |= (uint64_t)1 << v;
		if (p < end && *p == ',' && p + 1 < end)
			p++;
		else if (p != end)
			goto bad;
	}
	if (*bits == 0)
		goto bad;
	return OP_OK;
bad:
	*why = d->why;
	return OP_EINVAL;
}

enum op_err
op_cron_parse(const char *s, struct op_cron *out, const char **why)
{
	struct op_cron	 c;
	const char	*p = s, *start;
	uint64_t	 bits;
	int		 i, star;
	enum op_err	 er;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	*why = "must be five fields: minute hour day-of-month month "
	    "day-of-week";
	if (s == NULL || strlen(s) > CRON_MAX)
		return OP_EINVAL;
	for (i = 0; i < 5; i++) {
		while (*p == ' ' || *p == '\t')
			p++;
		start = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		if (p == start)
			return OP_EINVAL;
		if ((er = field_parse(start, p, &defs[i], &bits, &star, why)) !=
		    OP_OK)
			return er;
		switch (i) {
		case 0: c.minutes = bits; break;
		case 1: c.hours = (uint32_t)bits; break;
		case 2: c.days = (uint32_t)bits; c.days_star = star; break;
		case 3: c.months = (uint16_t)bits; break;
		default:
			if (bits & (1u << 7))	/* 7 is Sunday too */
				bits |= 1u;
			c.weekdays = (uint8_t)(bits & 0x7f);
			c.weekdays_star = star;
		}
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '\0') {
		*why = "must be five fields: minute hour day-of-month month "
		    "day-of-week";
		return OP_EINVAL;
	}
	*out = c;
	*why = NULL;
	return OP_OK;
}

enum op_err
op_valid_cron(const char *s, const char **why)
{
	struct op_cron	c;

	/* Stored and shown as given: no tab or other control byte. */
	if (!op_utf8_clean(s, strlen(s), 0)) {
		*why = "must be five fields separated by spaces, without control "
		    "characters";
		return OP_EINVAL;
	}
	return op_cron_parse(s, &c, why);
}

enum op_err
op_valid_timezone(const char *s, const char **why)
{
	char		 path[256];
	struct stat	 st;
	size_t		 i, n = strlen(s);

	*why = "must be an IANA time zone such as UTC or Europe/Lisbon";
	if (n == 0 || n > TZ_MAX || s[0] == '/' || s[0] == '.' ||
	    strstr(s, "..") != NULL || strstr(s, "//") != NULL)
		return OP_EINVAL;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '/' ||
		    s[i] == '_' || s[i] == '-' || s[i] == '+'))
			return OP_EINVAL;
	snprintf(path, sizeof(path), "%s/%s",
	    getenv("TZDIR") ? getenv("TZDIR") : "/usr/share/zoneinfo", s);
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return OP_EINVAL;
	*why = NULL;
	return OP_OK;
}

/* Does the day in tm match the day fields? */
static int
day_matches(const struct op_cron *c, const struct tm *tm)
{
	int	dom = (c->days >> tm->tm_mday) & 1;
	int	dow = (c->weekdays >> tm->tm_wday) & 1;

	if (c->days_star || c->weekdays_star)
		return dom && dow;
	return dom || dow;
}

/* Normalise tm (local time) through mktime; the epoch time. */
static time_t
normalise(struct tm *tm)
{
	time_t	t;

	tm->tm_isdst = -1;
	t = mktime(tm);
	localtime_r(&t, tm);
	return t;
}

/* Run with TZ set to tz, restoring the old one after. */
static enum op_err
next_in_zone(const struct op_cron *c, int64_t after, int64_t *out)
{
	struct tm	tm;
	time_t		t = (time_t)(after - (after % 60) + 60);
	int		i;

	localtime_r(&t, &tm);
	tm.tm_sec = 0;
	for (i = 0; i < SEARCH_STEPS; i++) {
		if (!((c->months >> (tm.tm_mon + 1)) & 1)) {
			tm.tm_mon++;
			tm.tm_mday = 1;
			tm.tm_hour = tm.tm_min = 0;
		} else if (!day_matches(c, &tm)) {
			tm.tm_mday++;
			tm.tm_hour = tm.tm_min = 0;
		} else if (!((c->hours >> tm.tm_hour) & 1)) {
			tm.tm_hour++;
			tm.tm_min = 0;
		} else if (!((c->minutes >> tm.tm_min) & 1)) {
			tm.tm_min++;
		} else {
			t = mktime(&tm);
			if (t > (time_t)after) {
				*out = (int64_t)t;
				return OP_OK;
			}
			tm.tm_min++;	/* a repeated hour: move on */
		}
		t = normalise(&tm);
	}
	return OP_EINVAL;	/* e.g. 30 February: never fires */
}

enum op_err
op_tz_enter(const char *tz, char **saved)
{
	const char	*why;
	const char	*old = getenv("TZ");

	*saved = NULL;
	if (op_valid_timezone(tz, &why) != OP_OK)
		return OP_EINVAL;
	/* "" stands for "TZ was unset". */
	if ((*saved = strdup(old != NULL ? old : "")) == NULL)
		return OP_ENOMEM;
	if (setenv("TZ", tz, 1) != 0) {
		free(*saved);
		*saved = NULL;
		return OP_ENOMEM;
	}
	tzset();
	return OP_OK;
}

void
op_tz_leave(char *saved)
{
	if (saved == NULL)
		return;
	if (*saved != '\0')
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved);
}

enum op_err
op_cron_next(const struct op_cron *c, const char *tz, int64_t after,
    int64_t *out)
{
	char		*saved;
	enum op_err	 er;

	*out = 0;
	if ((er = op_tz_enter(tz, &saved)) != OP_OK)
		return er;
	er = next_in_zone(c, after, out);
	op_tz_leave(saved);
	return er;
}
