/*
 * main.c — op-gateway: the one door through which the panel's unprivileged
 * workers have the gateway (nginx, run by root) check and reload its
 * configuration after they change the routing under OP_ROUTES_DIR.
 *
 * Under systemd, openpanel-gateway-control.socket (group openpanel-routes,
 * mode 0660) accepts each connection and starts `op-gateway serve` as root
 * with the connection on its standard input and output. The client side,
 * `op-gateway check` and `op-gateway reload`, is what OP_PROXY_CHECK and
 * OP_PROXY_RELOAD name: it sends its verb, prints what went wrong, and
 * exits 0 only when the answer is "ok".
 *
 * The served side takes those two verbs and nothing else: which nginx, which
 * configuration and which master come from its own environment
 * (OP_GATEWAY_NGINX, OP_GATEWAY_CONF, OP_GATEWAY_PID), never from a
 * client. A reload answers "ok" only once the gateway runs the new
 * configuration (reload.c): a route the panel has just added is served.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gateway.h"

#define VERB_MAX	16
#define ANSWER_MAX	4096
#define IO_TIMEOUT_MS	5000
#define NGINX_TIMEOUT_MS 30000
#define ANSWER_WAIT_MS	60000	/* a check, then a reload's wait */
#define EXIT_TEMPFAIL	75	/* sysexits' EX_TEMPFAIL */

/*
 * Read up to cap-1 bytes from fd into buf, NUL-terminated, until EOF (or,
 * with line set, the first newline); -1 when nothing comes within wait_ms.
 */
static ssize_t
read_some(int fd, char *buf, size_t cap, int line, int wait_ms)
{
	struct pollfd	 p = { .fd = fd, .events = POLLIN };
	size_t		 n = 0;
	ssize_t		 r;

	while (n + 1 < cap && !(line && memchr(buf, '\n', n) != NULL)) {
		if (poll(&p, 1, wait_ms) != 1)
			return -1;
		if ((r = read(fd, buf + n, cap - 1 - n)) == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	return (ssize_t)n;
}

/* Write all of s (len bytes) to fd, in IO_TIMEOUT_MS at most. */
static enum op_err
say(int fd, const char *s, size_t len)
{
	return op_fd_write_all(fd, s, len, IO_TIMEOUT_MS, NULL);
}

/* nginx -t on the gateway's configuration; nginx's words on failure (its
 * error log before the configuration names one is stderr, captured). */
static int
check(struct op_buf *why)
{
	const char		*nginx = op_config_get("OP_GATEWAY_NGINX",
				    "/usr/sbin/nginx");
	const char		*conf = op_config_get("OP_GATEWAY_CONF",
				    "/etc/openpanel/nginx/nginx.conf");
	const char		*argv[] = { nginx, "-t", "-q", "-e", "stderr",
				    "-c", conf, NULL };
	struct op_exec		 x = { .argv = argv, .timeout_ms =
				    NGINX_TIMEOUT_MS, .out_max = ANSWER_MAX - 64 };
	struct op_exec_result	 res;
	int			 ok;

	if (op_exec_run(&x, &res) != OP_OK) {
		(void)op_buf_addf(why, "cannot run %s", nginx);
		return -1;
	}
	ok = res.status == 0 && !res.timed_out;
	if (!ok)
		(void)op_buf_add(why, res.out.data, res.out.len);
	op_buf_clear(&res.out);
	return ok ? 0 : -1;
}

/* Carry out one verb; its failure explained in why. */
static int
act(const char *verb, struct op_buf *why)
{
	if (strcmp(verb, "check") == 0)
		return check(why);
	if (strcmp(verb, "reload") == 0)
		return check(why) == 0 ? gateway_reload(op_config_get(
		    "OP_GATEWAY_PID", "/run/openpanel-gateway/nginx.pid"),
		    (int)op_config_int("OP_GATEWAY_RELOAD_S", 20, 1, 300) *
		    1000, why) : -1;
	(void)op_buf_addf(why, "unknown verb");
	return -1;
}

/* serve: one verb from standard input, one answer to standard output. */
static int
serve(void)
{
	char		 verb[VERB_MAX] = "";
	struct op_buf	 why;
	int		 rc = -1;

	op_buf_init(&why, ANSWER_MAX);
	if (read_some(STDIN_FILENO, verb, sizeof(verb), 1, IO_TIMEOUT_MS) < 0)
		(void)op_buf_addf(&why, "no verb");
	else {
		verb[strcspn(verb, "\n")] = '\0';
		rc = act(verb, &why);
	}
	if (rc == 0)
		(void)say(STDOUT_FILENO, "ok\n", 3);
	else {
		(void)say(STDOUT_FILENO, "error: ", 7);
		(void)say(STDOUT_FILENO, why.data ? why.data : "", why.len);
		(void)say(STDOUT_FILENO, "\n", 1);
		op_error("gateway %s refused: %.*s", verb, (int)why.len,
		    why.data ? why.data : "");
	}
	op_buf_clear(&why);
	return rc == 0 ? 0 : 1;
}

/* check, reload: ask the door at path; 0 only on "ok", EXIT_TEMPFAIL when
 * the door cannot be reached or does not answer (lib/proxy.c tells that
 * from a refusal). */
static int
ask(const char *verb, const char *path)
{
	char			 answer[ANSWER_MAX];
	int			 fd;

	if ((fd = op_unix_dial(path)) == -1) {
		fprintf(stderr, "op-gateway: %s: %s\n", path, strerror(errno));
		return EXIT_TEMPFAIL;
	}
	if (say(fd, verb, strlen(verb)) != OP_OK ||
	    say(fd, "\n", 1) != OP_OK || shutdown(fd, SHUT_WR) == -1 ||
	    read_some(fd, answer, sizeof(answer), 0, ANSWER_WAIT_MS) <= 0) {
		fprintf(stderr, "op-gateway: no answer from %s\n", path);
		close(fd);
		return EXIT_TEMPFAIL;
	}
	close(fd);
	if (strcmp(answer, "ok\n") == 0)
		return 0;
	fprintf(stderr, "%s", answer);
	return 1;
}

/*
 *	op-gateway serve
 *	op-gateway check|reload [DOOR]
 * DOOR, the control socket, is OP_GATEWAY_CONTROL's by default. A routing
 * service runs the client without its environment (no OP_CONFIG), so a
 * door other than the one /etc/openpanel/openpanel.conf names is given
 * here (make run's).
 */
int
main(int argc, char *argv[])
{
	if (argc < 2 || argc > 3 || (argc == 3 &&
	    strcmp(argv[1], "serve") == 0)) {
		fprintf(stderr, "usage: op-gateway serve | check|reload "
		    "[DOOR]\n");
		return 2;
	}
	if (op_config_load(getenv("OP_CONFIG") ? getenv("OP_CONFIG") :
	    "/etc/openpanel/openpanel.conf") != OP_OK)
		return 1;
	if (strcmp(argv[1], "serve") == 0)
		return serve();
	if (strcmp(argv[1], "check") == 0 || strcmp(argv[1], "reload") == 0)
		return ask(argv[1], argc == 3 ? argv[2] : op_config_get(
		    "OP_GATEWAY_CONTROL", "/run/openpanel/gateway-control.sock"));
	fprintf(stderr, "usage: op-gateway serve | check|reload [DOOR]\n");
	return 2;
}
