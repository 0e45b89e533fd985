/*
 * log.c — structured logs: one JSON object per line on stderr.
 *
 * {"time":"2026-11-29T02:40:00.123Z","level":"info","service":"auth",
 *  "pid":123,"request_id":"...","msg":"..."}
 *
 * Every string is escaped here, whatever bytes it holds, so a caller may
 * log untrusted input; a line is written with one write(2) so the lines
 * of concurrent workers sharing stderr do not interleave.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "openpanel.h"

#define LOG_MSG_MAX	4096	/* formatted message, truncated past it */
#define LOG_NAME_MAX	64	/* service name and request id */
#define LOG_TIME_MAX	32
/* Escaping turns a byte into at most six ("\u00XX"). */
#define LOG_LINE_MAX	(6 * (LOG_MSG_MAX + 2 * LOG_NAME_MAX) + 256)

static const char *const levels[OP_LOG__MAX] = {
	[OP_LOG_DEBUG] = "debug",
	[OP_LOG_INFO] = "info",
	[OP_LOG_WARN] = "warn",
	[OP_LOG_ERROR] = "error",
};

static char			log_service[LOG_NAME_MAX + 1] = "openpanel";
static enum op_log_level	log_min = OP_LOG_INFO;
static char			log_reqid[LOG_NAME_MAX + 1];

struct line {
	char	 buf[LOG_LINE_MAX];
	size_t	 len;
};

/* Copy at most max bytes of s into dst[max + 1]; NULL empties it. */
static void
copy_bounded(char *dst, size_t max, const char *s)
{
	size_t	 n;

	n = s == NULL ? 0 : strnlen(s, max);
	if (n > 0)
		memcpy(dst, s, n);
	dst[n] = '\0';
}

/* Append n bytes; the buffer is sized so this never truncates. */
static void
put(struct line *l, const char *s, size_t n)
{
	if (n > sizeof(l->buf) - l->len)
		n = sizeof(l->buf) - l->len;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void
puts_raw(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

/*
 * Append s[0..n) as a JSON string, quotes included: '"' and '\' escaped,
 * control bytes and DEL as \u00XX (or their short forms), each byte of
 * malformed UTF-8 as U+FFFD.
 */
static void
put_json(struct line *l, const char *s, size_t n)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)s;
	char			 esc[6];
	size_t			 i, k;

	put(l, "\"", 1);
	for (i = 0; i < n; i += k) {
		k = 1;
		switch (p[i]) {
		case '"':
			put(l, "\\\"", 2);
			continue;
		case '\\':
			put(l, "\\\\", 2);
			continue;
		case '\n':
			put(l, "\\n", 2);
			continue;
		case '\r':
			put(l, "\\r", 2);
			continue;
		case '\t':
			put(l, "\\t", 2);
			continue;
		default:
			break;
		}
		if (p[i] < 0x20 || p[i] == 0x7f) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[p[i] >> 4];
			esc[5] = hex[p[i] & 0xf];
			put(l, esc, sizeof(esc));
		} else if ((k = op_utf8_seq(p + i, n - i)) == 0) {
			put(l, "\\ufffd", 6);
			k = 1;
		} else
			put(l, s + i, k);
	}
	put(l, "\"", 1);
}

/* "2026-11-29T02:40:00.123Z" into out[LOG_TIME_MAX]. */
static void
format_time(char *out)
{
	struct timespec	 ts;
	struct tm	 tm;
	size_t		 n;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1 ||
	    gmtime_r(&ts.tv_sec, &tm) == NULL) {
		copy_bounded(out, LOG_TIME_MAX - 1, "1970-01-01T00:00:00.000Z");
		return;
	}
	n = strftime(out, LOG_TIME_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, LOG_TIME_MAX - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

/*
 * Name this process in every line from now on (at most 64 bytes kept)
 * and drop lines below min.
 */
void
op_log_init(const char *service, enum op_log_level min)
{
	copy_bounded(log_service, LOG_NAME_MAX, service);
	if ((unsigned)min >= OP_LOG__MAX)
		min = OP_LOG_ERROR;
	log_min = min;
}

/* Tag every line with id (a copy of at most 64 bytes); NULL clears it. */
void
op_log_request_id(const char *id)
{
	copy_bounded(log_reqid, LOG_NAME_MAX, id);
}

/*
 * Write one line at level, unless it is below the minimum. The message
 * is formatted into a bounded buffer (truncated at 4 KiB) and escaped.
 * Leaves errno as it found it, so a caller can log and then report it.
 */
void
op_log(enum op_log_level level, const char *fmt, ...)
{
	struct line	 l;
	char		 msg[LOG_MSG_MAX], ts[LOG_TIME_MAX], pid[24];
	va_list		 ap;
	int		 n, saved;
	size_t		 mlen, off;
	ssize_t		 w;

	saved = errno;
	if ((unsigned)level >= OP_LOG__MAX)
		level = OP_LOG_ERROR;
	if (level < log_min)
		goto out;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* The length, not strlen: "%c" may have put a NUL in the middle. */
	if (n < 0)
		mlen = 0;
	else if ((size_t)n >= sizeof(msg))
		mlen = sizeof(msg) - 1;
	else
		mlen = (size_t)n;

	format_time(ts);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());

	l.len = 0;
	puts_raw(&l, "{\"time\":\"");
	puts_raw(&l, ts);
	puts_raw(&l, "\",\"level\":\"");
	puts_raw(&l, levels[level]);
	puts_raw(&l, "\",\"service\":");
	put_json(&l, log_service, strlen(log_service));
	puts_raw(&l, ",\"pid\":");
	puts_raw(&l, pid);
	if (log_reqid[0] != '\0') {
		puts_raw(&l, ",\"request_id\":");
		put_json(&l, log_reqid, strlen(log_reqid));
	}
	puts_raw(&l, ",\"msg\":");
	put_json(&l, msg, mlen);
	puts_raw(&l, "}\n");

	/*
	 * One write; a short one (a full pipe, a signal) is finished rather
	 * than lost, even though the rest may then land after another line.
	 */
	for (off = 0; off < l.len; off += (size_t)w) {
		w = write(STDERR_FILENO, l.buf + off, l.len - off);
		if (w == -1 && errno == EINTR)
			w = 0;
		else if (w <= 0)
			break;
	}
out:
	errno = saved;
}
