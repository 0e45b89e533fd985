/*
 * fields.c — declared-field unpacking: the only way a handler sees input.
 *
 * A service declares each field it accepts (name, type, bounds,
 * validator); the body or query string is checked against the whole
 * table before the handler sees any value. Unknown fields are refused.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "openpanel.h"

static const char *const type_names[OP_FT__MAX] = {
	[OP_FT_STRING] = "a string",
	[OP_FT_INT] = "an integer",
	[OP_FT_BOOL] = "true or false",
	[OP_FT_TIME] = "an RFC 3339 time",
	[OP_FT_NUMBER] = "a number",
	[OP_FT_ARRAY] = "an array",
	[OP_FT_OBJECT] = "an object",
};

/* Check one string value against its declaration. */
static enum op_err
check_string(struct op_req *r, const struct op_field *f, const char *s,
    struct op_value *v)
{
	const char	*why = NULL;
	size_t		 n = strlen(s);
	int64_t		 t;

	if ((long long)n < f->min || (f->max > 0 && (long long)n > f->max))
		return op_fail(r, OP_EINVAL, "invalid_length",
		    op_req_printf(r, "%s must be %lld to %lld bytes long",
		    f->name, f->min, f->max), f->name);
	if (f->type == OP_FT_TIME) {
		if (op_parse_time(s, &t) != OP_OK)
			return op_fail(r, OP_EINVAL, "invalid_time",
			    op_req_printf(r, "%s must be an RFC 3339 time",
			    f->name), f->name);
		v->i = t;
	} else if (f->check != NULL && f->check(s, &why) != OP_OK)
		return op_fail(r, OP_EINVAL, op_req_printf(r, "invalid_%s",
		    f->name), op_req_printf(r, "%s %s", f->name, why),
		    f->name);
	else if (f->check == NULL && op_valid_text(s, &why) != OP_OK)
		return op_fail(r, OP_EINVAL, op_req_printf(r, "invalid_%s",
		    f->name), op_req_printf(r, "%s %s", f->name, why),
		    f->name);
	v->s = s;
	return OP_OK;
}

static enum op_err
check_int(struct op_req *r, const struct op_field *f, long long i,
    struct op_value *v)
{
	if (i < f->min || i > f->max)
		return op_fail(r, OP_EINVAL, "out_of_range",
		    op_req_printf(r, "%s must be from %lld to %lld", f->name,
		    f->min, f->max), f->name);
	v->i = i;
	return OP_OK;
}

/* A number field's value d: in [min, max]. */
static enum op_err
check_number(struct op_req *r, const struct op_field *f, double d,
    struct op_value *v)
{
	if (!(d >= (double)f->min && d <= (double)f->max))
		return op_fail(r, OP_EINVAL, "out_of_range",
		    op_req_printf(r, "%s must be from %lld to %lld",
		    f->name, f->min, f->max), f->name);
	v->d = d;
	return OP_OK;
}

/* An array's items or an object's members: min..max of them. */
static enum op_err
check_count(struct op_req *r, const struct op_field *f, json_t *j,
    struct op_value *v)
{
	size_t	n = json_is_array(j) ? json_array_size(j) : json_object_size(j);

	if ((long long)n < f->min || (long long)n > f->max)
		return op_fail(r, OP_EINVAL, "invalid_length",
		    op_req_printf(r, "%s must have %lld to %lld entries",
		    f->name, f->min, f->max), f->name);
	v->j = j;
	return OP_OK;
}

static enum op_err
wrong_type(struct op_req *r, const struct op_field *f)
{
	return op_fail(r, OP_EINVAL, "wrong_type", op_req_printf(r,
	    "%s must be %s", f->name, type_names[f->type]), f->name);
}

/* Unpack one JSON value into v. */
static enum op_err
unpack_json(struct op_req *r, const struct op_field *f, json_t *j,
    struct op_value *v)
{
	v->set = 1;
	if (json_is_null(j)) {
		if (!(f->flags & OP_FF_NULLABLE))
			return wrong_type(r, f);
		v->null = 1;
		return OP_OK;
	}
	switch (f->type) {
	case OP_FT_STRING:
	case OP_FT_TIME:
		if (!json_is_string(j))
			return wrong_type(r, f);
		return check_string(r, f, json_string_value(j), v);
	case OP_FT_INT:
		if (!json_is_integer(j))
			return wrong_type(r, f);
		return check_int(r, f, json_integer_value(j), v);
	case OP_FT_BOOL:
		if (!json_is_boolean(j))
			return wrong_type(r, f);
		v->i = json_is_true(j);
		return OP_OK;
	case OP_FT_NUMBER:
		if (!json_is_number(j))
			return wrong_type(r, f);
		return check_number(r, f, json_number_value(j), v);
	case OP_FT_ARRAY:
	case OP_FT_OBJECT:
		if (f->type == OP_FT_ARRAY ? !json_is_array(j) :
		    !json_is_object(j))
			return wrong_type(r, f);
		return check_count(r, f, j, v);
	default:
		return OP_EINTERNAL;
	}
}

static const struct op_field *
find(const struct op_field *fields, size_t n, const char *name, size_t *idx)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(fields[i].name, name) == 0) {
			*idx = i;
			return &fields[i];
		}
	return NULL;
}

static enum op_err
require(struct op_req *r, const struct op_field *fields, size_t n,
    const struct op_value *vals)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if ((fields[i].flags & OP_FF_REQUIRED) && !vals[i].set)
			return op_fail(r, OP_EINVAL, "missing_field",
			    op_req_printf(r, "%s is required", fields[i].name),
			    fields[i].name);
	return OP_OK;
}

enum op_err
op_fields_body(struct op_req *r, const struct op_field *fields, size_t n,
    struct op_value *vals)
{
	const struct op_field	*f;
	const char		*key;
	json_t			*j;
	size_t			 idx;
	enum op_err		 er;

	memset(vals, 0, n * sizeof(*vals));
	if (r->body == NULL)
		return op_fail(r, OP_EBADREQ, "body_required",
		    "a JSON object body is required", NULL);
	if (!json_is_object(r->body))
		return op_fail(r, OP_EBADREQ, "body_not_object",
		    "the body must be a JSON object", NULL);
	json_object_foreach(r->body, key, j) {
		if ((f = find(fields, n, key, &idx)) == NULL) {
			if (!op_utf8_clean(key, strlen(key), 0) ||
			    strlen(key) > 64)
				key = "?";
			er = op_fail(r, OP_EBADREQ, "unknown_field",
			    op_req_printf(r, "unknown field %s", key),
			    op_req_strdup(r, key));
			goto fail;
		}
		if ((er = unpack_json(r, f, j, &vals[idx])) != OP_OK)
			goto fail;
	}
	if ((er = require(r, fields, n, vals)) != OP_OK)
		goto fail;
	return OP_OK;
fail:
	memset(vals, 0, n * sizeof(*vals));
	return er;
}

/* Parse a query value for its field. */
static enum op_err
unpack_query(struct op_req *r, const struct op_field *f, const char *s,
    struct op_value *v)
{
	long long	 i;
	double		 d;
	char		*end;

	v->set = 1;
	switch (f->type) {
	case OP_FT_STRING:
	case OP_FT_TIME:
		return check_string(r, f, s, v);
	case OP_FT_INT:
		if (op_strtonum(s, f->min, f->max, &i) != OP_OK)
			return op_fail(r, OP_EINVAL, "out_of_range",
			    op_req_printf(r, "%s must be an integer from %lld "
			    "to %lld", f->name, f->min, f->max), f->name);
		v->i = i;
		return OP_OK;
	case OP_FT_BOOL:
		if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0)
			return wrong_type(r, f);
		v->i = strcmp(s, "true") == 0;
		return OP_OK;
	case OP_FT_NUMBER:
		errno = 0;
		d = strtod(s, &end);
		if (end == s || *end != '\0' || errno != 0 ||
		    !(isdigit((unsigned char)*s) || *s == '-'))
			return wrong_type(r, f);
		return check_number(r, f, d, v);
	default:	/* no array or object fits in a query argument */
		return wrong_type(r, f);
	}
}

enum op_err
op_fields_query(struct op_req *r, const struct op_field *fields, size_t n,
    struct op_value *vals)
{
	const char	*q = r->query, *amp, *eq, *s;
	char		 name[65];
	size_t		 len, klen, idx;
	enum op_err	 er;

	memset(vals, 0, n * sizeof(*vals));
	while (q != NULL && *q != '\0') {
		amp = strchr(q, '&');
		len = amp ? (size_t)(amp - q) : strlen(q);
		eq = memchr(q, '=', len);
		klen = eq ? (size_t)(eq - q) : len;
		if (klen > 0) {
			if (klen >= sizeof(name)) {	/* no field is so long */
				er = op_fail(r, OP_EBADREQ, "unknown_parameter",
				    "unknown query parameter", NULL);
				goto fail;
			}
			memcpy(name, q, klen);
			name[klen] = '\0';
			if (find(fields, n, name, &idx) == NULL) {
				er = op_fail(r, OP_EBADREQ, "unknown_parameter",
				    "unknown query parameter", NULL);
				goto fail;
			}
			if (vals[idx].set) {	/* which one would count? */
				er = op_fail(r, OP_EBADREQ, "repeated_parameter",
				    "a query parameter is given twice",
				    fields[idx].name);
				goto fail;
			}
			if ((er = op_req_query(r, fields[idx].name, &s)) !=
			    OP_OK)
				goto fail;
			if (s == NULL)
				s = "";
			if ((er = unpack_query(r, &fields[idx], s,
			    &vals[idx])) != OP_OK)
				goto fail;
		}
		q += len;
		if (*q == '&')
			q++;
	}
	if ((er = require(r, fields, n, vals)) != OP_OK)
		goto fail;
	return OP_OK;
fail:
	memset(vals, 0, n * sizeof(*vals));
	return er;
}
