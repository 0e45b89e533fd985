/*
 * dbjson.c — a query's rows as JSON, each column typed by its OID
 * (timestamps as RFC 3339 UTC, json and jsonb inline): as a jansson tree
 * (op_db_row_json, op_db_page_json) for a handler that adds to it, or
 * written straight into the answer (op_reply_row, op_reply_page), the
 * same JSON without building the tree. Building and dumping the tree of
 * a page of 50 projects took a third of its pool's time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openpanel.h"
#include "req_int.h"

/* Type OIDs rendered specially (pg_type.h). */
#define OID_BOOL	16
#define OID_INT8	20
#define OID_INT2	21
#define OID_INT4	23
#define OID_JSON	114
#define OID_FLOAT4	700
#define OID_FLOAT8	701
#define OID_TIMESTAMPTZ	1184
#define OID_NUMERIC	1700
#define OID_JSONB	3802

/* "2026-11-29 02:40:00.123+00" as "2026-11-29T02:40:00.123Z" in buf;
 * v itself when it is not in that form. */
static const char *
utc_time(const char *v, char buf[64])
{
	size_t	n = strlen(v);

	if (n < 19 || n >= 64 || strcmp(v + n - 3, "+00") != 0)
		return v;
	memcpy(buf, v, n - 3);
	buf[10] = 'T';
	buf[n - 3] = 'Z';
	buf[n - 2] = '\0';
	return buf;
}

static json_t *
value_json(const PGresult *res, int row, int col)
{
	const char	*v;
	json_t		*j;
	char		 buf[64];

	if (PQgetisnull(res, row, col))
		return json_null();
	v = PQgetvalue(res, row, col);
	switch (PQftype(res, col)) {
	case OID_BOOL:
		return json_boolean(v[0] == 't');
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
		return json_integer(strtoll(v, NULL, 10));
	case OID_FLOAT4:
	case OID_FLOAT8:
	case OID_NUMERIC:
		return json_real(strtod(v, NULL));
	case OID_JSON:
	case OID_JSONB:
		j = json_loads(v, JSON_DECODE_ANY, NULL);
		return j ? j : json_null();
	case OID_TIMESTAMPTZ:
		return json_string(utc_time(v, buf));
	default:
		return json_string(v);
	}
}

json_t *
op_db_row_json(const PGresult *res, int row)
{
	json_t	*o;
	int	 c;

	if ((o = json_object()) == NULL)
		return NULL;
	for (c = 0; c < PQnfields(res); c++)
		if (json_object_set_new(o, PQfname(res, c),
		    value_json(res, row, c)) != 0) {
			json_decref(o);
			return NULL;
		}
	return o;
}

json_t *
op_db_page_json(const PGresult *res, long long limit,
    json_t *(*row)(const PGresult *, int))
{
	json_t	*items = json_array(), *next = json_null();
	int	 i, n = PQntuples(res);

	if (row == NULL)
		row = op_db_row_json;
	for (i = 0; i < n && i < limit; i++)
		json_array_append_new(items, row(res, i));
	if (n > limit)
		next = json_string(op_db_get(res, (int)limit - 1, "id"));
	return json_pack("{s:o, s:o}", "items", items, "next", next);
}

/* s as a JSON string, escaped as jansson does; a byte that is not part
 * of valid UTF-8 becomes U+FFFD. */
static enum op_err
put_string(struct op_buf *b, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s, *run, *end;
	size_t			 n;
	enum op_err		 er = op_buf_add(b, "\"", 1);

	end = p + strlen(s);
	while (er == OP_OK && *p != '\0') {
		for (run = p; *p >= 0x20 && *p != '"' && *p != '\\' &&
		    (n = op_utf8_seq(p, (size_t)(end - p))) > 0; p += n)
			;
		if (p > run && (er = op_buf_add(b, run, (size_t)(p - run))) !=
		    OP_OK)
			break;
		if (*p == '\0')
			break;
		switch (*p) {
		case '"':	er = op_buf_add(b, "\\\"", 2); break;
		case '\\':	er = op_buf_add(b, "\\\\", 2); break;
		case '\b':	er = op_buf_add(b, "\\b", 2); break;
		case '\f':	er = op_buf_add(b, "\\f", 2); break;
		case '\n':	er = op_buf_add(b, "\\n", 2); break;
		case '\r':	er = op_buf_add(b, "\\r", 2); break;
		case '\t':	er = op_buf_add(b, "\\t", 2); break;
		default:
			er = *p < 0x20 ? op_buf_addf(b, "\\u%04X", *p) :
			    op_buf_add(b, "\xef\xbf\xbd", 3);
		}
		p++;
	}
	return er == OP_OK ? op_buf_add(b, "\"", 1) : er;
}

/* A value the tree path renders (numbers as jansson prints reals, json
 * re-encoded compact), through it: rare in answers, not worth a copy. */
static enum op_err
put_tree(struct op_buf *b, const PGresult *res, int row, int col)
{
	json_t		*j = value_json(res, row, col);
	char		*s;
	enum op_err	 er;

	s = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	json_decref(j);
	er = op_buf_add(b, s ? s : "null", s ? strlen(s) : 4);
	free(s);
	return er;
}

static enum op_err
put_value(struct op_buf *b, const PGresult *res, int row, int col)
{
	const char	*v;
	char		 buf[64];

	if (PQgetisnull(res, row, col))
		return op_buf_add(b, "null", 4);
	v = PQgetvalue(res, row, col);
	switch (PQftype(res, col)) {
	case OID_BOOL:
		return v[0] == 't' ? op_buf_add(b, "true", 4) :
		    op_buf_add(b, "false", 5);
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
		return op_buf_addf(b, "%lld", strtoll(v, NULL, 10));
	case OID_FLOAT4:
	case OID_FLOAT8:
	case OID_NUMERIC:
	case OID_JSON:
	case OID_JSONB:
		return put_tree(b, res, row, col);
	case OID_TIMESTAMPTZ:
		return put_string(b, utc_time(v, buf));
	default:
		return put_string(b, v);
	}
}

static enum op_err
put_row(struct op_buf *b, const PGresult *res, int row)
{
	enum op_err	er = op_buf_add(b, "{", 1);
	int		c;

	for (c = 0; er == OP_OK && c < PQnfields(res); c++)
		if ((c == 0 || (er = op_buf_add(b, ",", 1)) == OP_OK) &&
		    (er = put_string(b, PQfname(res, c))) == OP_OK &&
		    (er = op_buf_add(b, ":", 1)) == OP_OK)
			er = put_value(b, res, row, c);
	return er == OP_OK ? op_buf_add(b, "}", 1) : er;
}

enum op_err
op_reply_row(struct op_req *r, int status, const PGresult *res, int row)
{
	op_reply_text_start(r, status, "application/json");
	return put_row(&r->text, res, row);
}

enum op_err
op_reply_page(struct op_req *r, int status, const PGresult *res,
    long long limit)
{
	const char	*next = NULL;
	enum op_err	 er;
	int		 i, n = PQntuples(res);

	op_reply_text_start(r, status, "application/json");
	er = op_buf_add(&r->text, "{\"items\":[", 10);
	for (i = 0; er == OP_OK && i < n && i < limit; i++)
		if (i == 0 || (er = op_buf_add(&r->text, ",", 1)) == OP_OK)
			er = put_row(&r->text, res, i);
	if (n > limit)
		next = op_db_get(res, (int)limit - 1, "id");
	if (er == OP_OK)
		er = op_buf_add(&r->text, "],\"next\":", 9);
	if (er == OP_OK)
		er = next ? put_string(&r->text, next) :
		    op_buf_add(&r->text, "null", 4);
	return er == OP_OK ? op_buf_add(&r->text, "}", 1) : er;
}
