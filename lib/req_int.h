/*
 * req_int.h — private to lib/: how the pool hands a request to the
 * request layer.
 */
#ifndef REQ_INT_H
#define REQ_INT_H

#include "openpanel.h"

/* Largest request body any service accepts; nginx enforces it too. */
#define OP_BODY_MAX	(1024 * 1024)

/*
 * Serve one accepted FastCGI request (an FCGX_Request *) end to end:
 * build the request object, route, authorise, run the handler, answer,
 * log, free. Never fails: every outcome is an HTTP answer.
 */
void	op_req_serve(const struct op_service *, void *fcgi, struct op_db *);

/* Make r's answer status with an empty text body of type, for the
 * caller to write into r->text. */
void	op_reply_text_start(struct op_req *, int status, const char *type);

/* Write the response of r to its FastCGI stream. */
void	op_reply_send(struct op_req *);

#endif
