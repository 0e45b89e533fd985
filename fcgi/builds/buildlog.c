/*
 * buildlog.c — a build's output: one row a line in builds.build_logs, in
 * the order it came, and each line to the build's live channel.
 *
 * Output comes from git and from the engine's build, which print what
 * the Dockerfile's commands print: any bytes at all. A line is kept as
 * UTF-8 text without control characters (anything else becomes '?',
 * escape sequences included), at most BUILD_LOG_LINE_MAX bytes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builds.h"

/* The length of the valid UTF-8 sequence at p (of n bytes), or 0. */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	size_t	need, i;

	if (*p >= 0xc2 && *p <= 0xdf)
		need = 2;
	else if (*p >= 0xe0 && *p <= 0xef)
		need = 3;
	else if (*p >= 0xf0 && *p <= 0xf4)
		need = 4;
	else
		return 0;
	if (need > n)
		return 0;
	for (i = 1; i < need; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return need;
}

/* Line (len bytes) as clean text into out (BUILD_LOG_LINE_MAX + 1). */
static void
clean_line(const char *line, size_t len, char *out)
{
	const unsigned char	*p = (const unsigned char *)line;
	size_t			 i = 0, o = 0, seq;

	while (i < len && o < BUILD_LOG_LINE_MAX) {
		if (p[i] == '\t' || (p[i] >= 0x20 && p[i] < 0x7f)) {
			out[o++] = (char)p[i++];
		} else if (p[i] >= 0x80 && (seq = utf8_seq(p + i, len - i)) > 0 &&
		    o + seq <= BUILD_LOG_LINE_MAX) {
			memcpy(out + o, p + i, seq);
			o += seq;
			i += seq;
		} else {
			if (p[i] != '\r')
				out[o++] = '?';
			i++;
		}
	}
	out[o] = '\0';
}

enum op_err
buildlog_add(struct op_req *r, const char *id, const char *text, size_t len)
{
	json_t		*lines = json_array();
	char		 clean[BUILD_LOG_LINE_MAX + 1], *js;
	const char	*p = text, *end = text + len, *nl;
	enum op_err	 er;

	if (lines == NULL)
		return OP_ENOMEM;
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		clean_line(p, (size_t)(nl - p), clean);
		json_array_append_new(lines, json_string(clean));
		/* Live watchers get it now; the rows are the record. */
		(void)op_live_publish(op_req_printf(r, "builds/%s", id), clean,
		    strlen(clean));
		p = nl + 1;
	}
	if (json_array_size(lines) == 0 ||
	    (js = json_dumps(lines, JSON_COMPACT)) == NULL) {
		er = json_array_size(lines) == 0 ? OP_OK : OP_ENOMEM;
		json_decref(lines);
		return er;
	}
	json_decref(lines);
	er = op_db_execv(r->db, NULL, "INSERT INTO builds.build_logs"
	    " (build_id, line) SELECT $1, value FROM"
	    " jsonb_array_elements_text($2::jsonb) WITH ORDINALITY"
	    " ORDER BY ordinality", id, js);
	free(js);
	return er;
}

enum op_err
buildlog_printf(struct op_req *r, const char *id, const char *fmt, ...)
{
	va_list	ap;
	char	line[BUILD_LOG_LINE_MAX];
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return OP_EINVAL;
	return buildlog_add(r, id, line, strlen(line));
}
