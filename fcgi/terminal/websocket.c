/*
 * websocket.c — RFC 6455 without sockets: the opening handshake's accept
 * key, an incremental frame parser that hands out whole messages, and
 * frame headers for what the server sends. No extensions are negotiated,
 * so every RSV bit must be clear; a server's parser requires masking.
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "terminal.h"

#define WS_GUID	"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

enum op_err
ws_accept_key(const char *key, char out[29])
{
	unsigned char	 digest[SHA_DIGEST_LENGTH];
	char		 buf[24 + sizeof(WS_GUID)];
	size_t		 i;

	out[0] = '\0';
	/* The base64 of 16 bytes: 22 characters, "==", and the last
	 * character before the padding carrying no stray bits. */
	if (key == NULL || strlen(key) != 24 || strcmp(key + 22, "==") != 0)
		return OP_EINVAL;
	for (i = 0; i < 22; i++)
		if (strchr(b64, key[i]) == NULL)
			return OP_EINVAL;
	if (((strchr(b64, key[21]) - b64) & 0x0f) != 0)
		return OP_EINVAL;
	memcpy(buf, key, 24);
	memcpy(buf + 24, WS_GUID, sizeof(WS_GUID) - 1);
	SHA1((const unsigned char *)buf, 24 + sizeof(WS_GUID) - 1, digest);
	EVP_EncodeBlock((unsigned char *)out, digest, sizeof(digest));
	return OP_OK;
}

int
ws_utf8_valid(const unsigned char *s, size_t len)
{
	size_t		i = 0, n, k;
	uint32_t	cp;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			n = 1;
			cp = s[i] & 0x1f;
		} else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			n = 2;
			cp = s[i] & 0x0f;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			n = 3;
			cp = s[i] & 0x07;
		} else
			return 0;	/* a continuation byte, 0xc0/c1, > f4 */
		if (len - i <= n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		/* Overlong forms, surrogates, past U+10FFFF. */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return 0;
		i += n + 1;
	}
	return 1;
}

void
ws_parser_init(struct ws_parser *p, unsigned char *buf, size_t cap,
    int require_mask)
{
	memset(p, 0, sizeof(*p));
	p->msg = buf;
	p->cap = cap;
	p->require_mask = require_mask;
	p->hwant = 2;
}

static enum ws_result
fail(struct ws_parser *p, int code, int *close_code)
{
	p->error = code;
	*close_code = code;
	return WS_ERROR;
}

/* The first two bytes are in: check what they promise. */
static int
check_start(struct ws_parser *p)
{
	unsigned	len7 = p->head[1] & 0x7f;

	p->fin = (p->head[0] & 0x80) != 0;
	p->opcode = p->head[0] & 0x0f;
	p->masked = (p->head[1] & 0x80) != 0;
	if (p->head[0] & 0x70)
		return WS_CLOSE_PROTOCOL;	/* RSV bits: no extension */
	if (p->require_mask && !p->masked)
		return WS_CLOSE_PROTOCOL;
	switch (p->opcode) {
	case WS_CLOSE:
	case WS_PING:
	case WS_PONG:
		if (!p->fin || len7 > WS_CONTROL_MAX)
			return WS_CLOSE_PROTOCOL;
		break;
	case WS_CONT:
		if (p->msg_opcode == 0)
			return WS_CLOSE_PROTOCOL;	/* nothing to continue */
		break;
	case WS_TEXT:
	case WS_BINARY:
		if (p->msg_opcode != 0)
			return WS_CLOSE_PROTOCOL;	/* one still open */
		break;
	default:
		return WS_CLOSE_PROTOCOL;
	}
	p->hwant = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) +
	    (p->masked ? 4 : 0);
	return 0;
}

/* The whole header is in: the payload length, the key, the size caps. */
static int
check_header(struct ws_parser *p)
{
	unsigned	len7 = p->head[1] & 0x7f;
	uint64_t	len = len7;
	size_t		i, at = 2;

	if (len7 == 126) {
		len = (uint64_t)p->head[2] << 8 | p->head[3];
		at = 4;
	} else if (len7 == 127) {
		if (p->head[2] & 0x80)
			return WS_CLOSE_PROTOCOL;	/* the top bit is 0 */
		for (len = 0, i = 2; i < 10; i++)
			len = len << 8 | p->head[i];
		at = 10;
	}
	if (p->masked)
		memcpy(p->key, p->head + at, 4);
	p->kpos = 0;
	p->left = len;
	if (p->opcode >= WS_CLOSE) {
		p->ctl_len = 0;
		return 0;
	}
	/* Before any payload arrives: a message past the cap is refused. */
	if (len > p->cap || p->msg_len > p->cap - len)
		return WS_CLOSE_TOO_BIG;
	if (p->opcode != WS_CONT)
		p->msg_opcode = p->opcode;
	return 0;
}

/* A frame ended: a whole message for *m, or 0 when more is to come. */
static int
frame_end(struct ws_parser *p, struct ws_message *m, int *code)
{
	memset(m, 0, sizeof(*m));
	if (p->opcode >= WS_CLOSE) {
		m->opcode = p->opcode;
		m->data = p->ctl;
		m->len = p->ctl_len;
		if (p->opcode != WS_CLOSE)
			return 1;
		m->close_code = WS_CLOSE_NO_STATUS;
		if (p->ctl_len == 1) {
			*code = WS_CLOSE_PROTOCOL;
			return -1;
		}
		if (p->ctl_len >= 2) {
			m->close_code = p->ctl[0] << 8 | p->ctl[1];
			/* Codes a peer may send: 1000-1003, 1007-1011,
			 * 3000-4999. */
			if (m->close_code < 1000 || (m->close_code > 1003 &&
			    m->close_code < 1007) || (m->close_code > 1011 &&
			    m->close_code < 3000) || m->close_code > 4999) {
				*code = WS_CLOSE_PROTOCOL;
				return -1;
			}
			if (!ws_utf8_valid(p->ctl + 2, p->ctl_len - 2)) {
				*code = WS_CLOSE_BAD_DATA;
				return -1;
			}
			m->data = p->ctl + 2;
			m->len = p->ctl_len - 2;
		}
		return 1;
	}
	if (!p->fin)
		return 0;
	if (p->msg_opcode == WS_TEXT && !ws_utf8_valid(p->msg, p->msg_len)) {
		*code = WS_CLOSE_BAD_DATA;
		return -1;
	}
	m->opcode = p->msg_opcode;
	m->data = p->msg;
	m->len = p->msg_len;
	p->msg_opcode = 0;
	p->msg_done = 1;	/* msg is the caller's until the next call */
	return 1;
}

enum ws_result
ws_parse(struct ws_parser *p, const unsigned char *data, size_t len,
    size_t *used, struct ws_message *m, int *close_code)
{
	unsigned char	*dst;
	size_t		 i = 0, take, k;
	int		 code = 0, r;

	*used = 0;
	*close_code = 0;
	memset(m, 0, sizeof(*m));
	if (p->error != 0)
		return fail(p, p->error, close_code);
	if (p->msg_done) {	/* the last message was handed out */
		p->msg_done = 0;
		p->msg_len = 0;
	}
	for (;;) {
		/* A frame ends as soon as its payload is in: an empty one
		 * without a byte more. */
		if (p->in_payload && p->left == 0) {
			p->in_payload = 0;
			p->hlen = 0;
			p->hwant = 2;
			if ((r = frame_end(p, m, &code)) < 0)
				return fail(p, code, close_code);
			if (r > 0) {
				*used = i;
				return WS_MESSAGE;
			}
			continue;
		}
		if (i == len)
			break;
		if (!p->in_payload) {
			p->head[p->hlen++] = data[i++];
			if (p->hlen == 2 && (code = check_start(p)) != 0)
				return fail(p, code, close_code);
			if (p->hlen == p->hwant) {
				if ((code = check_header(p)) != 0)
					return fail(p, code, close_code);
				p->in_payload = 1;
			}
			continue;
		}
		take = len - i;
		if ((uint64_t)take > p->left)
			take = (size_t)p->left;
		if (p->opcode >= WS_CLOSE) {
			dst = p->ctl + p->ctl_len;
			p->ctl_len += take;
		} else {
			dst = p->msg + p->msg_len;
			p->msg_len += take;
		}
		for (k = 0; k < take; k++)
			dst[k] = p->masked ? data[i + k] ^ p->key[p->kpos++ & 3] :
			    data[i + k];
		i += take;
		p->left -= take;
	}
	*used = i;
	return WS_MORE;
}

size_t
ws_frame_header(unsigned char out[WS_HEADER_MAX], int opcode, int fin,
    uint64_t len)
{
	size_t	n, i;

	out[0] = (unsigned char)((fin ? 0x80 : 0) | (opcode & 0x0f));
	if (len < 126) {
		out[1] = (unsigned char)len;
		return 2;
	}
	if (len <= 0xffff) {
		out[1] = 126;
		out[2] = (unsigned char)(len >> 8);
		out[3] = (unsigned char)len;
		return 4;
	}
	out[1] = 127;
	for (n = 2, i = 0; i < 8; i++)
		out[n++] = (unsigned char)(len >> (56 - 8 * i));
	return n;
}
