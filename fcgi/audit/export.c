/*
 * export.c — GET /api/audit/export?format=csv|jsonl: the whole filtered
 * trail, oldest first (the chain's order), as it stood when the export
 * began. Streamed: rows are read 1000 at a time (keyset on seq) and
 * written as they come, so memory stays bounded by one batch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

#define BATCH		1000
#define FLUSH_AT	(64 * 1024)		/* bytes gathered before a write */
#define ROW_MAX		(4 * 1024 * 1024)	/* one row, however escaped */

/* The CSV columns: AUDIT_COLUMNS by name, data as its JSON text. */
static const char *const csv_columns[] = {
	"seq", "event_id", "time", "action", "outcome", "team_id", "actor_id",
	"actor_ip", "user_agent", "subject_kind", "subject_id", "request_id",
	"data", "hash",
};

/*
 * One CSV cell (RFC 4180): quoted when it holds a comma, a quote, CR or
 * LF, its quotes doubled. A cell a spreadsheet would take for a formula
 * (it starts with = + - @, tab or CR) gets a leading ' so it reads as
 * text. NULL is an empty cell.
 */
static enum op_err
csv_cell(struct op_buf *b, const char *v, int first)
{
	enum op_err	 er = OP_OK;
	const char	*q;
	int		 quote;

	if (!first)
		er = op_buf_add(b, ",", 1);
	if (er != OP_OK || v == NULL || *v == '\0')
		return er;
	quote = strpbrk(v, ",\"\r\n") != NULL;
	if (quote)
		er = op_buf_add(b, "\"", 1);
	if (er == OP_OK && strchr("=+-@\t\r", v[0]) != NULL)
		er = op_buf_add(b, "'", 1);
	while (er == OP_OK && (q = strchr(v, '"')) != NULL) {
		er = op_buf_add(b, v, (size_t)(q - v) + 1);	/* with it */
		if (er == OP_OK)
			er = op_buf_add(b, "\"", 1);		/* doubled */
		v = q + 1;
	}
	if (er == OP_OK)
		er = op_buf_add(b, v, strlen(v));
	if (er == OP_OK && quote)
		er = op_buf_add(b, "\"", 1);
	return er;
}

/* Row i as one CSV record, CRLF-terminated. */
static enum op_err
csv_row(struct op_buf *b, const PGresult *res, int i)
{
	enum op_err	er = OP_OK;
	size_t		k;

	for (k = 0; er == OP_OK && k < nitems(csv_columns); k++)
		er = csv_cell(b, op_db_get(res, i, csv_columns[k]), k == 0);
	return er != OP_OK ? er : op_buf_add(b, "\r\n", 2);
}

/* Row i as one JSON line: the entry as GET /api/audit/logs shows it. */
static enum op_err
jsonl_row(struct op_buf *b, const PGresult *res, int i)
{
	json_t		*j;
	char		*s;
	enum op_err	 er;

	if ((j = audit_entry_json(res, i)) == NULL)
		return OP_ENOMEM;
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (s == NULL)
		return OP_ENOMEM;
	if ((er = op_buf_add(b, s, strlen(s))) == OP_OK)
		er = op_buf_add(b, "\n", 1);
	free(s);
	return er;
}

/* Send what b gathered, and empty it. */
static enum op_err
flush(struct op_req *r, struct op_buf *b)
{
	enum op_err	er = OP_OK;

	if (b->len > 0)
		er = op_reply_stream_write(r, b->data, b->len);
	op_buf_reset(b);
	return er;
}

/* Write the batches from res on, until one comes back short. After the
 * stream began, a failure only stops it (the request layer logs it). */
static enum op_err
stream(struct op_req *r, struct audit_filter *f, int cursor,
    const char *sql, PGresult *res, int csv)
{
	struct op_buf	 b;
	enum op_err	 er = OP_OK;
	size_t		 k;
	int		 i, n;

	op_buf_init(&b, ROW_MAX + FLUSH_AT);
	for (k = 0; csv && er == OP_OK && k < nitems(csv_columns); k++)
		er = csv_cell(&b, csv_columns[k], k == 0);
	if (csv && er == OP_OK)
		er = op_buf_add(&b, "\r\n", 2);
	while (er == OP_OK) {
		n = PQntuples(res);
		for (i = 0; er == OP_OK && i < n; i++) {
			er = csv ? csv_row(&b, res, i) : jsonl_row(&b, res, i);
			if (er == OP_OK && b.len >= FLUSH_AT)
				er = flush(r, &b);
		}
		if (er != OP_OK || n < BATCH)
			break;
		f->params[cursor] = op_req_strdup(r, op_db_get(res, n - 1,
		    "seq"));
		PQclear(res);
		res = NULL;
		if (f->params[cursor] == NULL)
			er = OP_ENOMEM;
		else
			er = op_db_exec(r->db, &res, sql, f->n, f->params);
	}
	if (er == OP_OK)
		er = flush(r, &b);
	PQclear(res);
	op_buf_clear(&b);
	return er;
}

/* GET /api/audit/export — everything is checked, and the first batch
 * read, before the answer starts: until then a failure is a real error
 * answer. */
enum op_err
audit_export(struct op_req *r)
{
	struct audit_filter	 f;
	PGresult		*res = NULL;
	const char		*sql;
	char			 top[32];
	int			 csv, cursor;
	enum op_err		 er;

	if ((er = audit_filter_parse(r, AUDIT_F_FORMAT, &f)) != OP_OK ||
	    (er = audit_filter_range(r, &f)) != OP_OK)
		return er;
	if (f.format == NULL)
		return op_fail(r, OP_EINVAL, "missing_field",
		    "format is required", "format");
	csv = strcmp(f.format, "csv") == 0;
	/* The trail as it stands now: rows appended meanwhile wait for the
	 * next export. */
	if ((er = op_db_exec(r->db, &res, "SELECT COALESCE(max(seq), 0)::text"
	    " FROM audit.entries", 0, NULL)) != OP_OK)
		return er;
	snprintf(top, sizeof(top), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	res = NULL;
	if ((er = audit_filter_and(r, &f, "e.seq <= ", top, "::bigint")) !=
	    OP_OK ||
	    (er = audit_filter_and(r, &f, "e.seq > ", "0", "::bigint")) !=
	    OP_OK)
		return er;
	cursor = f.n - 1;
	if ((sql = op_req_printf(r, "SELECT " AUDIT_COLUMNS " FROM"
	    " audit.entries e WHERE %s ORDER BY e.seq LIMIT %d", f.where,
	    BATCH)) == NULL)
		return OP_ENOMEM;
	if ((er = op_db_exec(r->db, &res, sql, f.n, f.params)) != OP_OK)
		return er;
	if ((er = op_reply_header(r, "Content-Disposition", csv ?
	    "attachment; filename=\"audit.csv\"" :
	    "attachment; filename=\"audit.jsonl\"")) != OP_OK ||
	    (er = op_reply_stream_begin(r, 200, csv ?
	    "text/csv; charset=utf-8; header=present" :
	    "application/x-ndjson")) != OP_OK) {
		PQclear(res);
		return er;
	}
	return stream(r, &f, cursor, sql, res, csv);
}
