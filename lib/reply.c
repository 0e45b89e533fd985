/*
 * reply.c — what a request answers: JSON, text or nothing, with headers,
 * written to the FastCGI stream in one piece.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>

#include "openpanel.h"
#include "req_int.h"

enum op_err
op_reply_json(struct op_req *r, int status, json_t *j)
{
	if (j == NULL)
		return OP_ENOMEM;
	json_decref(r->reply);
	r->reply = j;
	r->status = status;
	return OP_OK;
}

enum op_err
op_reply_empty(struct op_req *r, int status)
{
	json_decref(r->reply);
	r->reply = NULL;
	op_buf_reset(&r->text);
	r->status = status;
	return OP_OK;
}

void
op_reply_text_start(struct op_req *r, int status, const char *type)
{
	json_decref(r->reply);
	r->reply = NULL;
	op_buf_reset(&r->text);
	r->content_type = type;
	r->status = status;
}

enum op_err
op_reply_text(struct op_req *r, int status, const char *type,
    const char *body, size_t len)
{
	op_reply_text_start(r, status, type);
	return op_buf_add(&r->text, body, len);
}

static int
header_safe(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '\r' || *s == '\n')
			return 0;
	return 1;
}

enum op_err
op_reply_header(struct op_req *r, const char *name, const char *value)
{
	if (!header_safe(name) || !header_safe(value))
		return OP_EINTERNAL;
	return op_buf_addf(&r->headers, "%s: %s\r\n", name, value);
}

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default:  return status < 400 ? "OK" : "Error";
	}
}

enum op_err
op_reply_stream_begin(struct op_req *r, int status, const char *type)
{
	FCGX_Request	*f = r->fcgi;
	char		 head[256];
	int		 n;

	if (r->streamed)
		return OP_EINTERNAL;
	n = snprintf(head, sizeof(head), "Status: %d %s\r\n", status,
	    reason(status));
	FCGX_PutStr(head, n, f->out);
	if (r->headers.len > 0)
		FCGX_PutStr(r->headers.data, (int)r->headers.len, f->out);
	n = snprintf(head, sizeof(head), "Content-Type: %s\r\n\r\n", type);
	FCGX_PutStr(head, n, f->out);
	r->streamed = 1;
	r->status = status;
	return OP_OK;
}

enum op_err
op_reply_stream_write(struct op_req *r, const char *data, size_t len)
{
	FCGX_Request	*f = r->fcgi;

	if (!r->streamed || len > INT32_MAX)
		return OP_EINTERNAL;
	if (FCGX_PutStr(data, (int)len, f->out) < 0)
		return OP_EIO;		/* the client went away */
	return OP_OK;
}

void
op_reply_send(struct op_req *r)
{
	FCGX_Request	*f = r->fcgi;
	char		*json = NULL;
	const char	*body = NULL, *type = NULL;
	size_t		 len = 0;
	char		 head[256];
	int		 n;

	if (r->streamed)
		return;		/* everything went out as it came */
	if (r->status == 0)
		r->status = 500;
	if (r->reply != NULL) {
		json = json_dumps(r->reply, JSON_COMPACT);
		if (json == NULL) {	/* out of memory: say so, tersely */
			r->status = 503;
			body = "{\"error\":{\"code\":\"unavailable\","
			    "\"message\":\"out of memory\"}}";
		} else
			body = json;
		len = strlen(body);
		type = "application/json";
	} else if (r->text.data != NULL) {
		body = r->text.data;
		len = r->text.len;
		type = r->content_type;
	}
	/* Caching headers are the gateway's: it marks every API answer. */
	n = snprintf(head, sizeof(head), "Status: %d %s\r\n", r->status,
	    reason(r->status));
	FCGX_PutStr(head, n, f->out);
	if (r->headers.len > 0)
		FCGX_PutStr(r->headers.data, (int)r->headers.len, f->out);
	if (body != NULL && r->status != 204) {
		n = snprintf(head, sizeof(head), "Content-Type: %s\r\n"
		    "Content-Length: %zu\r\n\r\n", type ? type : "text/plain",
		    len);
		FCGX_PutStr(head, n, f->out);
		FCGX_PutStr(body, (int)len, f->out);
	} else
		FCGX_PutStr("\r\n", 2, f->out);
	free(json);
}
