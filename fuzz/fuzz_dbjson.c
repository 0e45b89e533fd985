/*
 * fuzz_dbjson.c — a row written straight into the answer (op_reply_row,
 * op_reply_page) from any column values: the first byte picks each
 * column's type, the rest are the values. The text is always JSON; for
 * values the tree path takes (valid UTF-8, finite numbers), it is the
 * tree's very JSON.
 */
#include "fuzz.h"

#include "openpanel.h"

/* text, varchar, bool, int4, int8, float8, numeric, json, jsonb,
 * timestamptz */
static const Oid types[] = { 25, 1043, 16, 23, 20, 701, 1700, 114, 3802,
	1184 };
#define NTYPES	(sizeof(types) / sizeof(types[0]))
#define NCOLS	3

static PGresult *
result(const uint8_t pick, char **v)
{
	PGresult	*res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	PGresAttDesc	 a[NCOLS];
	char		 names[NCOLS][4] = { "id", "a", "b" };
	int		 c;

	memset(a, 0, sizeof(a));
	for (c = 0; c < NCOLS; c++) {
		a[c].name = names[c];
		a[c].typid = c == 0 ? 25 : types[(pick >> (c * 4)) % NTYPES];
		a[c].typlen = -1;
		a[c].atttypmod = -1;
	}
	FUZZ_ASSERT(res != NULL && PQsetResultAttrs(res, NCOLS, a) == 1);
	for (c = 0; c < NCOLS; c++)
		FUZZ_ASSERT(PQsetvalue(res, 0, c, v[c], (pick & 1) && c == 2 ?
		    -1 : (int)strlen(v[c])) == 1);
	return res;
}

/* The rows of tree's page (or tree itself, a row): 0 when the tree path
 * dropped the row, as it does for a value jansson refuses. */
static size_t
rows(json_t *tree, int page)
{
	if (tree == NULL)
		return 0;
	return page ? json_array_size(json_object_get(tree, "items")) : 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_parts	 p;
	struct op_req		 r;
	PGresult		*res;
	json_t			*tree, *text;
	char			*dump;
	int			 page;

	if (size < 1)
		return 0;
	page = data[0] & 2;
	fuzz_split(data + 1, size - 1, NCOLS, &p);
	res = result(data[0], p.part);
	memset(&r, 0, sizeof(r));
	op_buf_init(&r.text, 1 << 20);
	FUZZ_ASSERT((page ? op_reply_page(&r, 200, res, 1) :
	    op_reply_row(&r, 200, res, 0)) == OP_OK);
	text = json_loads(r.text.data, 0, NULL);
	FUZZ_ASSERT(text != NULL);
	tree = page ? op_db_page_json(res, 1, NULL) : op_db_row_json(res, 0);
	if (rows(tree, page) == 1) {
		dump = json_dumps(tree, JSON_COMPACT);
		FUZZ_ASSERT(dump != NULL && strcmp(dump, r.text.data) == 0);
		free(dump);
	}
	json_decref(tree);
	json_decref(text);
	op_buf_clear(&r.text);
	PQclear(res);
	free(p.buf);
	return 0;
}
