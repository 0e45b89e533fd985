/*
 * fuzz_websocket.c — op-terminal's WebSocket frame parser, fed what a
 * client sends. Whatever the bytes: a message never exceeds its caps, a
 * text message or close reason is UTF-8, a failure closes with 1002, 1007
 * or 1009 and stays failed. And the parser is incremental for real: the
 * same bytes fed whole and in pieces (sizes from the input's first byte)
 * give the same messages and the same end.
 */
#include "fuzz.h"

#include "terminal.h"

/* http.c's SIGTERM flag and wait mask live in main.c, not linked here. */
volatile sig_atomic_t	terminal_stop;
sigset_t		terminal_waitmask;

#define CAP		1024	/* the fuzzed parser's largest message */
#define TRACE_MAX	64	/* messages compared between the two runs */

/* What one run saw: each message's opcode, length and bytes' sum, and
 * how it ended (0: wanting more). */
struct trace {
	int		 n;
	int		 opcode[TRACE_MAX];
	size_t		 len[TRACE_MAX];
	unsigned	 sum[TRACE_MAX];
	int		 close_code;
};

static void
check_message(const struct ws_message *m)
{
	switch (m->opcode) {
	case WS_TEXT:
		FUZZ_ASSERT(ws_utf8_valid(m->data, m->len));
		/* FALLTHROUGH */
	case WS_BINARY:
		FUZZ_ASSERT(m->len <= CAP);
		break;
	case WS_CLOSE:
		FUZZ_ASSERT(m->len <= WS_CONTROL_MAX - 2);
		FUZZ_ASSERT(ws_utf8_valid(m->data, m->len));
		FUZZ_ASSERT(m->close_code == WS_CLOSE_NO_STATUS ||
		    (m->close_code >= 1000 && m->close_code <= 4999));
		break;
	case WS_PING:
	case WS_PONG:
		FUZZ_ASSERT(m->len <= WS_CONTROL_MAX);
		break;
	default:
		FUZZ_ASSERT(!"an opcode a message cannot have");
	}
}

static void
record(struct trace *t, const struct ws_message *m)
{
	unsigned	s = 0;
	size_t		i;

	check_message(m);
	if (t->n == TRACE_MAX)
		return;
	for (i = 0; i < m->len; i++)
		s = s * 31 + m->data[i];
	t->opcode[t->n] = m->opcode;
	t->len[t->n] = m->len;
	t->sum[t->n] = s;
	t->n++;
}

/* Feed data in pieces of at most step bytes, recording into t. */
static void
run(const unsigned char *data, size_t size, size_t step, struct trace *t)
{
	static unsigned char	 buf[CAP];
	struct ws_parser	 p;
	struct ws_message	 m;
	enum ws_result		 res;
	size_t			 at = 0, piece, used;
	int			 code;

	memset(t, 0, sizeof(*t));
	ws_parser_init(&p, buf, sizeof(buf), 1);
	while (at < size) {
		piece = size - at < step ? size - at : step;
		res = ws_parse(&p, data + at, piece, &used, &m, &code);
		FUZZ_ASSERT(used <= piece);
		if (res == WS_ERROR) {
			FUZZ_ASSERT(code == WS_CLOSE_PROTOCOL ||
			    code == WS_CLOSE_BAD_DATA ||
			    code == WS_CLOSE_TOO_BIG);
			t->close_code = code;
			/* Failed stays failed, with the same code. */
			FUZZ_ASSERT(ws_parse(&p, data, size, &used, &m,
			    &code) == WS_ERROR && code == t->close_code);
			return;
		}
		if (res == WS_MESSAGE)
			record(t, &m);
		else
			FUZZ_ASSERT(used == piece);
		at += used;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace	 whole, pieces;
	size_t		 step;

	if (size < 1)
		return 0;
	step = data[0] % 16 + 1;
	run(data + 1, size - 1, size, &whole);
	run(data + 1, size - 1, step, &pieces);
	FUZZ_ASSERT(whole.n == pieces.n);
	FUZZ_ASSERT(whole.close_code == pieces.close_code);
	FUZZ_ASSERT(memcmp(whole.opcode, pieces.opcode,
	    sizeof(whole.opcode)) == 0);
	FUZZ_ASSERT(memcmp(whole.len, pieces.len, sizeof(whole.len)) == 0);
	FUZZ_ASSERT(memcmp(whole.sum, pieces.sum, sizeof(whole.sum)) == 0);
	return 0;
}
