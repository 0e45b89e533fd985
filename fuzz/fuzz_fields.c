/*
 * fuzz_fields.c — a JSON request body, parsed as op_req_serve parses one,
 * unpacked against a declared table with a field of every type and the
 * common validators. Whatever the body, the answer is OP_OK or a client
 * error with its detail set, and an accepted field meets its bounds.
 */
#include "fuzz.h"

#include "arena_int.h"
#include "openpanel.h"

static const struct op_field	 fields[] = {
	{ "name", OP_FT_STRING, OP_FF_REQUIRED, 1, 63, op_valid_name },
	{ "slug", OP_FT_STRING, 0, 1, 63, op_valid_slug },
	{ "note", OP_FT_STRING, OP_FF_NULLABLE, 0, 200, op_valid_text },
	{ "email", OP_FT_STRING, 0, 3, 254, op_valid_email },
	{ "host", OP_FT_STRING, 0, 1, 253, op_valid_hostname },
	{ "count", OP_FT_INT, 0, -5, 1000, NULL },
	{ "on", OP_FT_BOOL, OP_FF_NULLABLE, 0, 0, NULL },
	{ "at", OP_FT_TIME, 0, 20, 40, NULL },
	{ "ratio", OP_FT_NUMBER, 0, 0, 1, NULL },
	{ "tags", OP_FT_ARRAY, 0, 0, 8, NULL },
	{ "meta", OP_FT_OBJECT, OP_FF_NULLABLE, 0, 4, NULL },
	{ "password", OP_FT_STRING, OP_FF_SECRET, 8, 128, op_valid_password },
};
#define NFIELDS	(sizeof(fields) / sizeof(fields[0]))

/* An accepted value meets its field's declaration. */
static void
check_value(const struct op_field *f, const struct op_value *v)
{
	if (!v->set || v->null)
		return;
	switch (f->type) {
	case OP_FT_STRING:
		FUZZ_ASSERT(v->s != NULL);
		FUZZ_ASSERT((long long)strlen(v->s) >= f->min);
		FUZZ_ASSERT((long long)strlen(v->s) <= f->max);
		break;
	case OP_FT_INT:
		FUZZ_ASSERT(v->i >= f->min && v->i <= f->max);
		break;
	case OP_FT_NUMBER:
		FUZZ_ASSERT(v->d >= f->min && v->d <= f->max);
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct op_req	 req;
	struct op_value	 vals[NFIELDS];
	json_error_t	 jerr;
	enum op_err	 er;
	size_t		 i;

	memset(&req, 0, sizeof(req));
	if ((req.arena = op_arena_new()) == NULL)
		abort();
	req.body_raw = (const char *)data;
	req.body_len = size;
	req.body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES,
	    &jerr);
	er = op_fields_body(&req, fields, NFIELDS, vals);
	if (er == OP_OK) {
		FUZZ_ASSERT(json_is_object(req.body));
		for (i = 0; i < NFIELDS; i++)
			check_value(&fields[i], &vals[i]);
	} else
		FUZZ_ASSERT((er == OP_EINVAL || er == OP_EBADREQ) && req.err.set);
	json_decref(req.body);
	op_arena_free(req.arena);
	return 0;
}
