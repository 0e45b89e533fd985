/*
 * err.c — what each error answers over HTTP: a status and a code word.
 */
#include "openpanel.h"

static const struct {
	int		 status;
	const char	*code;
} errs[OP_ERR__MAX] = {
	[OP_OK] =		{ 200, "ok" },
	[OP_EBADREQ] =		{ 400, "bad_request" },
	[OP_EUNAUTH] =		{ 401, "unauthenticated" },
	[OP_EFORBIDDEN] =	{ 403, "forbidden" },
	[OP_ENOTFOUND] =	{ 404, "not_found" },
	[OP_EMETHOD] =		{ 405, "method_not_allowed" },
	[OP_ECONFLICT] =	{ 409, "conflict" },
	[OP_ETOOLARGE] =	{ 413, "too_large" },
	[OP_EMEDIA] =		{ 415, "unsupported_media_type" },
	[OP_EINVAL] =		{ 422, "invalid" },
	[OP_ERATE] =		{ 429, "rate_limited" },
	[OP_EUNAVAIL] =		{ 503, "unavailable" },
	[OP_ENOMEM] =		{ 503, "unavailable" },
	[OP_ETIMEOUT] =		{ 503, "unavailable" },
	[OP_EIO] =		{ 500, "internal" },
	[OP_EINTERNAL] =	{ 500, "internal" },
};

/*
 * The HTTP status er answers with. An error missing from the table, or
 * outside the enum, is a broken invariant: 500.
 */
int
op_err_status(enum op_err er)
{
	if ((unsigned)er >= nitems(errs) || errs[er].code == NULL)
		return 500;
	return errs[er].status;
}

/* The default code word of er ("not_found"); a static string. */
const char *
op_err_code(enum op_err er)
{
	if ((unsigned)er >= nitems(errs) || errs[er].code == NULL)
		return "internal";
	return errs[er].code;
}
