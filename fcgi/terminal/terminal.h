/*
 * terminal.h — private to op-terminal, the web terminal's WebSocket
 * bridge: the HTTP upgrade, the WebSocket codec, tickets, Docker exec
 * sessions, and the pump between them.
 */
#ifndef TERMINAL_H
#define TERMINAL_H

#include <signal.h>
#include <stdint.h>

#include "openpanel.h"

/* Limits on what a client sends; tight, since none of it is trusted. */
#define HEAD_MAX		8192	/* request line and headers, bytes */
#define HEADERS_MAX		48	/* header lines */
#define WS_MESSAGE_MAX		65536	/* a whole (reassembled) message */
#define WS_CONTROL_MAX		125	/* a control frame's payload */
#define WS_HEADER_MAX		14	/* a frame header, mask included */
#define IO_CHUNK		16384	/* bytes read from either side at once */
#define TICKET_LEN		47	/* "opt_" + 43 base64url characters */

#define HANDSHAKE_MS		10000	/* for the whole request head */
#define ENGINE_MS		10000	/* per Docker call */
#define PING_SECONDS		30	/* a ping to the client this often */
#define IDLE_SECONDS		75	/* silent this long: the client is gone */
#define CLOSE_MS		3000	/* for the closing handshake */
#define HANGUP_MS		2000	/* for a command to end after ^C ^D */

/* Set by SIGTERM; ppoll() waits with waitmask, SIGTERM blocked elsewhere. */
extern volatile sig_atomic_t	 terminal_stop;
extern sigset_t			 terminal_waitmask;

/* ------------------------------------------------------------ http.c */

struct http_header {
	const char	*name;		/* as sent; compare case-insensitively */
	const char	*value;		/* without surrounding white space */
};

/* A request head, split in place inside buf. */
struct http_request {
	char			 buf[HEAD_MAX + 1];
	size_t			 len;		/* bytes in buf */
	size_t			 head_len;	/* up to the blank line, included */
	const char		*method;
	const char		*path;		/* the target before '?' */
	const char		*query;		/* after '?', or "" */
	struct http_header	 headers[HEADERS_MAX];
	size_t			 nheaders;
};

/*
 * Read an HTTP head (up to and including the blank line) from fd into
 * buf (cap bytes) within timeout_ms. Bytes past it stay in buf after
 * *head_len. OP_ETOOLARGE when cap fills first, OP_ETIMEOUT, OP_EIO when
 * the peer goes away, OP_EUNAVAIL when SIGTERM came.
 */
enum op_err	 http_read_head(int fd, char *buf, size_t cap, int timeout_ms,
		    size_t *len, size_t *head_len);
/*
 * Parse the head in req->buf: request line, then header lines with
 * names of token characters and values free of control bytes, every
 * line ending in CRLF and no bare CR or LF anywhere (one would hide a
 * header inside another's value); headers that must be single (Host,
 * Origin, Upgrade, Sec-WebSocket-Key and -Version) are refused when
 * repeated. OP_EBADREQ when malformed.
 */
enum op_err	 http_parse_request(struct http_request *);
/* A header's value, or NULL. */
const char	*http_header(const struct http_request *, const char *name);
/* Whether a comma-separated header (Connection, Upgrade) lists token. */
int		 http_header_has(const struct http_request *, const char *name,
		    const char *token);
/*
 * The query argument name, percent-decoded into out (outsz bytes).
 * OP_ENOTFOUND when absent, OP_EBADREQ when repeated, malformed, too
 * long or holding a control byte.
 */
enum op_err	 http_query(const struct http_request *, const char *name,
		    char *out, size_t outsz);
/*
 * Whether a browser at origin may open a terminal here: origin is
 * "http://" or "https://" followed by host (the Host header), or one of
 * the comma-separated origins in allowed (may be NULL). Case-insensitive.
 */
int		 http_origin_allowed(const char *origin, const char *host,
		    const char *allowed);
/* Answer an error {"error": {code, message}} and nothing more. */
void		 http_error(int fd, int status, const char *code,
		    const char *message, const char *extra_headers);
/* The status of an HTTP/1.x response head ("HTTP/1.1 101 …"), or -1. */
int		 http_status(const char *head, size_t len);

/* ------------------------------------------------------------ websocket.c */

enum ws_opcode {
	WS_CONT = 0x0, WS_TEXT = 0x1, WS_BINARY = 0x2,
	WS_CLOSE = 0x8, WS_PING = 0x9, WS_PONG = 0xa
};

/* Close codes (RFC 6455 §7.4.1). */
#define WS_CLOSE_NORMAL		1000
#define WS_CLOSE_GOING_AWAY	1001
#define WS_CLOSE_PROTOCOL	1002
#define WS_CLOSE_UNSUPPORTED	1003
#define WS_CLOSE_NO_STATUS	1005	/* never sent: "there was none" */
#define WS_CLOSE_BAD_DATA	1007
#define WS_CLOSE_POLICY		1008
#define WS_CLOSE_TOO_BIG	1009
#define WS_CLOSE_INTERNAL	1011

/* The incremental frame parser: bytes in, whole messages out. */
struct ws_parser {
	unsigned char	*msg;		/* the caller's message buffer */
	size_t		 cap;		/* its size: the largest message */
	int		 require_mask;	/* a server's parser: clients mask */
	unsigned char	 head[WS_HEADER_MAX];
	size_t		 hlen;		/* header bytes read */
	size_t		 hwant;		/* header bytes this frame has */
	int		 in_payload;	/* the header is in */
	int		 fin;
	int		 opcode;
	int		 masked;
	unsigned char	 key[4];
	size_t		 kpos;
	uint64_t	 left;		/* payload bytes still to come */
	int		 msg_opcode;	/* WS_TEXT/BINARY being assembled */
	size_t		 msg_len;
	int		 msg_done;	/* msg holds a delivered message */
	unsigned char	 ctl[WS_CONTROL_MAX];
	size_t		 ctl_len;
	int		 error;		/* the close code once it failed */
};

struct ws_message {
	int			 opcode;	/* TEXT, BINARY, CLOSE, PING, PONG */
	const unsigned char	*data;		/* until the next ws_parse */
	size_t			 len;
	int			 close_code;	/* CLOSE: its code, or 1005 */
};

enum ws_result { WS_MORE, WS_MESSAGE, WS_ERROR };

/* A parser assembling messages of up to cap bytes into buf. */
void		 ws_parser_init(struct ws_parser *, unsigned char *buf,
		    size_t cap, int require_mask);
/*
 * Feed len bytes. WS_MESSAGE: *m holds a whole message and *used says
 * how many bytes were taken (feed the rest next). WS_MORE: all were
 * taken. WS_ERROR: the peer broke the protocol; *close_code is what to
 * close with (1002 protocol, 1007 bad UTF-8, 1009 too big), and every
 * later call fails the same way.
 */
enum ws_result	 ws_parse(struct ws_parser *, const unsigned char *data,
		    size_t len, size_t *used, struct ws_message *m,
		    int *close_code);
/* The header of an unmasked frame into out: its length in bytes. */
size_t		 ws_frame_header(unsigned char out[WS_HEADER_MAX], int opcode,
		    int fin, uint64_t len);
/* Sec-WebSocket-Accept for key in out[29]; OP_EINVAL when key is not
 * the base64 of 16 bytes. */
enum op_err	 ws_accept_key(const char *key, char out[29]);
/* Whether len bytes are well-formed UTF-8. */
int		 ws_utf8_valid(const unsigned char *, size_t len);

/* ------------------------------------------------------------ ticket.c */

/* What a consumed ticket grants. */
struct ticket {
	char	 container_id[37];
	char	 user_id[37];
	char	 team_id[37];
	char	 docker_id[72];
	json_t	*command;		/* the argv (owned) */
	int	 cols, rows;
};

/* Whether s has a ticket's shape ("opt_" and 43 base64url characters). */
int		 ticket_wellformed(const char *s);
/*
 * Use ticket once: mark it used when it is unused and unexpired, and say
 * what it grants (docker_id is empty when the engine has no container
 * for it). OP_EUNAUTH when it is unknown, used or expired, OP_EUNAVAIL
 * when the database is down. The caller ticket_clear()s *out.
 */
enum op_err	 ticket_consume(const char *ticket, struct ticket *out);
void		 ticket_clear(struct ticket *);

/* ------------------------------------------------------------ exec.c */

/* A Docker exec session with a TTY, its raw stream on fd. */
struct exec_session {
	struct op_docker	*docker;
	char			 id[72];	/* the exec's id */
	int			 fd;		/* -1 until started */
	unsigned char		 early[HEAD_MAX];	/* output read with */
	size_t			 nearly;		/* the 101 head */
	const char		*why;		/* a failure, for the client */
};

/*
 * Create and start command in the engine's container docker_id with a
 * TTY, and take over the connection as its raw stream. OP_ECONFLICT when
 * the container is not running (or gone), OP_EUNAVAIL when the engine is
 * not answering; s->why says which.
 */
enum op_err	 exec_open(struct exec_session *, const char *docker_id,
		    json_t *command);
/* Tell the TTY its new size. */
enum op_err	 exec_resize(struct exec_session *, int cols, int rows);
/* The exit code once the command ended (-1 when the engine cannot say). */
int		 exec_exit_code(struct exec_session *);
/*
 * End a command whose terminal closed before it did. The engine keeps a
 * TTY exec running when its client goes (it closes the command's stdin
 * only without a TTY), and offers no way to kill an exec: so type what a
 * person would, ^C then ^D, and wait a moment for the stream to end. A
 * command that ignores both is logged and left running.
 */
void		 exec_hangup(struct exec_session *);
/* Close the stream and free the engine client. */
void		 exec_close(struct exec_session *);

/* ------------------------------------------------------------ bridge.c */

struct bridge_stats {
	uint64_t	 in;		/* bytes to the command */
	uint64_t	 out;		/* bytes from it */
	int		 exit_code;	/* -1 when it did not end by itself */
	const char	*reason;	/* why the session ended */
};

/*
 * Pump between the client's WebSocket (fd, with early bytes already
 * read) and the exec session until either side ends, SIGTERM, or the
 * client goes silent; then close the WebSocket with a proper frame.
 */
void		 bridge_run(int client, const unsigned char *early,
		    size_t nearly, struct exec_session *,
		    struct bridge_stats *);

/* ------------------------------------------------------------ session.c */

/* Serve one connection: check, upgrade, attach, pump, close. */
void		 session_run(int fd);

#endif
