/*
 * output.c — what a person reads: aligned tables of list answers,
 * "Title: value" records of one object, and the API's JSON for scripts.
 * Every byte that came from the panel is shown without control bytes, so
 * an answer cannot drive the terminal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opctl.h"

#define CELL_MAX	256	/* bytes of one table cell */
#define TABLE_COLS	16	/* columns of one table */

json_t *
opctl_path(const json_t *obj, const char *path)
{
	const char	*dot;
	const json_t	*cur = obj;
	json_t		*v;
	char		 key[64];
	size_t		 len;

	while (json_is_object(cur)) {
		dot = strchr(path, '.');
		len = dot != NULL ? (size_t)(dot - path) : strlen(path);
		if (len >= sizeof(key))
			return NULL;
		memcpy(key, path, len);
		key[len] = '\0';
		v = json_object_get(cur, key);
		if (dot == NULL)
			return v;
		cur = v;
		path = dot + 1;
	}
	return NULL;
}

const char *
opctl_str(const json_t *obj, const char *path, const char *dflt)
{
	const char	*s = json_string_value(opctl_path(obj, path));

	return s != NULL ? s : dflt;
}

/* Copy s into out (outlen), control bytes shown as '?', cut on a UTF-8
 * character boundary. */
static void
clean_copy(const char *s, char *out, size_t outlen)
{
	size_t	 o = 0;

	for (; *s != '\0' && o + 1 < outlen; s++) {
		unsigned char	ch = (unsigned char)*s;

		out[o++] = (ch < 0x20 && ch != '\t') || ch == 0x7f ? '?' :
		    (char)ch;
	}
	/* A cut in the middle of a character drops its leading bytes. */
	if (*s != '\0')
		while (o > 0 && ((unsigned char)out[o - 1] & 0xc0) == 0x80)
			o--;
	if (*s != '\0' && o > 0 && ((unsigned char)out[o - 1] & 0xc0) == 0xc0)
		o--;
	out[o] = '\0';
}

/* "2026-11-29T02:40:00.123Z" → "2026-11-29 02:40:00"; other text as is. */
static void
fmt_time(const char *s, char *out, size_t outlen)
{
	if (strlen(s) >= 19 && s[10] == 'T') {
		snprintf(out, outlen, "%.10s %.8s", s, s + 11);
		return;
	}
	clean_copy(s, out, outlen);
}

static void
fmt_number(const json_t *v, enum opctl_fmt fmt, char *out, size_t outlen)
{
	static const char	*units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double			 d = json_number_value(v);
	size_t			 u = 0;

	if (fmt == OPCTL_FMT_MS) {
		snprintf(out, outlen, "%.1fs", d / 1000.0);
	} else if (fmt == OPCTL_FMT_BYTES) {
		while (d >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
			d /= 1024.0;
			u++;
		}
		snprintf(out, outlen, u == 0 ? "%.0f %s" : "%.1f %s", d,
		    units[u]);
	} else if (json_is_integer(v)) {
		snprintf(out, outlen, "%lld", (long long)json_integer_value(v));
	} else {
		snprintf(out, outlen, "%g", d);
	}
}

void
opctl_cell(const json_t *v, enum opctl_fmt fmt, char *out, size_t outlen)
{
	char	*dump;

	if (outlen == 0)
		return;
	if (v == NULL || json_is_null(v)) {
		snprintf(out, outlen, "-");
	} else if (json_is_string(v)) {
		if (fmt == OPCTL_FMT_TIME)
			fmt_time(json_string_value(v), out, outlen);
		else
			clean_copy(json_string_value(v), out,
			    fmt == OPCTL_FMT_SHORT && outlen > 13 ? 13 : outlen);
		if (out[0] == '\0')
			snprintf(out, outlen, "-");
	} else if (json_is_number(v)) {
		fmt_number(v, fmt, out, outlen);
	} else if (json_is_boolean(v)) {
		snprintf(out, outlen, "%s", json_is_true(v) ? "yes" : "no");
	} else if ((dump = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS)) !=
	    NULL) {
		clean_copy(dump, out, outlen);
		free(dump);
	} else {
		snprintf(out, outlen, "?");
	}
}

/* The width of s on a terminal: its UTF-8 characters. */
static size_t
text_width(const char *s)
{
	size_t	 w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* s, then spaces up to width (none after the last column). */
static void
put_cell(FILE *f, const char *s, size_t width, int last)
{
	size_t	 w = text_width(s);

	fputs(s, f);
	if (last)
		return;
	for (; w < width + 2; w++)
		fputc(' ', f);
}

void
opctl_table(FILE *f, const json_t *items, const struct opctl_col *cols)
{
	size_t	 ncols = 0, width[TABLE_COLS], i, c;
	char	 cell[CELL_MAX];

	if (json_array_size(items) == 0) {
		fputs("(none)\n", f);
		return;
	}
	while (ncols < TABLE_COLS && cols[ncols].title != NULL)
		ncols++;
	for (c = 0; c < ncols; c++)
		width[c] = text_width(cols[c].title);
	for (i = 0; i < json_array_size(items); i++) {
		for (c = 0; c < ncols; c++) {
			opctl_cell(opctl_path(json_array_get(items, i),
			    cols[c].path), cols[c].fmt, cell, sizeof(cell));
			if (text_width(cell) > width[c])
				width[c] = text_width(cell);
		}
	}
	for (c = 0; c < ncols; c++)
		put_cell(f, cols[c].title, width[c], c + 1 == ncols);
	fputc('\n', f);
	for (i = 0; i < json_array_size(items); i++) {
		for (c = 0; c < ncols; c++) {
			opctl_cell(opctl_path(json_array_get(items, i),
			    cols[c].path), cols[c].fmt, cell, sizeof(cell));
			put_cell(f, cell, width[c], c + 1 == ncols);
		}
		fputc('\n', f);
	}
}

void
opctl_record(FILE *f, const json_t *obj, const struct opctl_col *cols)
{
	size_t	 width = 0, c;
	char	 cell[4096];

	for (c = 0; cols[c].title != NULL; c++)
		if (text_width(cols[c].title) > width)
			width = text_width(cols[c].title);
	for (c = 0; cols[c].title != NULL; c++) {
		opctl_cell(opctl_path(obj, cols[c].path), cols[c].fmt, cell,
		    sizeof(cell));
		fprintf(f, "%s:", cols[c].title);
		put_cell(f, "", width - text_width(cols[c].title), 0);
		fprintf(f, "%s\n", cell);
	}
}

void
opctl_json(FILE *f, const json_t *v)
{
	json_dumpf(v, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', f);
}

void
opctl_line(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char	ch = (unsigned char)*s;

		fputc((ch < 0x20 && ch != '\t') || ch == 0x7f ? '?' : ch, f);
	}
	fputc('\n', f);
}
