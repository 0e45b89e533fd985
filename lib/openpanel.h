/*
 * openpanel.h — the one public header of lib/, for the services in fcgi/.
 *
 * Conventions: fallible functions return enum op_err (OP_OK == 0);
 * out-parameters are zeroed on entry and filled only on success; whatever
 * a request allocates hangs off struct op_req and is freed when it ends.
 */
#ifndef OPENPANEL_H
#define OPENPANEL_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>
#include <libpq-fe.h>

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ errors */

/*
 * Every fallible call answers one of these. Only the request layer turns
 * them into HTTP statuses (op_err_status); it logs a failure once.
 */
enum op_err {
	OP_OK = 0,
	OP_EBADREQ,	/* 400 malformed request */
	OP_EUNAUTH,	/* 401 unauthenticated */
	OP_EFORBIDDEN,	/* 403 forbidden */
	OP_ENOTFOUND,	/* 404 absent, or not yours */
	OP_EMETHOD,	/* 405 method not allowed */
	OP_ECONFLICT,	/* 409 conflict */
	OP_ETOOLARGE,	/* 413 too large */
	OP_EMEDIA,	/* 415 wrong content type */
	OP_EINVAL,	/* 422 invalid value */
	OP_ERATE,	/* 429 rate limited */
	OP_EUNAVAIL,	/* 503 a dependency is down */
	OP_ENOMEM,	/* out of memory: 503, the worker carries on */
	OP_ETIMEOUT,	/* a call ran out of time */
	OP_EIO,		/* a local I/O failure */
	OP_EINTERNAL,	/* a broken invariant: 500 and a log line */
	OP_ERR__MAX
};

/* The HTTP status an error answers with, and its default code word. */
int		 op_err_status(enum op_err);
const char	*op_err_code(enum op_err);

/* ------------------------------------------------------------------ config */

/*
 * Configuration: the file named by OP_CONFIG (default
 * /etc/openpanel/openpanel.conf, "KEY = value" lines), overridden by OP_*
 * environment variables of the same name. Keys are upper case, e.g.
 * OP_DB, OP_REDIS, OP_SECRET_KEY_FILE.
 */
enum op_err	 op_config_load(const char *path);
/* The value of key, or def when unset. The string lives until exit. */
const char	*op_config_get(const char *key, const char *def);
/* An integer in [min, max], or def when unset or out of range. */
long long	 op_config_int(const char *key, long long def, long long min,
		    long long max);

/* ------------------------------------------------------------------ log */

enum op_log_level { OP_LOG_DEBUG, OP_LOG_INFO, OP_LOG_WARN, OP_LOG_ERROR,
	OP_LOG__MAX };

/* Name this process in every log line ("auth", "auth-worker"). */
void	op_log_init(const char *service, enum op_log_level min);
/* The request id printed with every line until the next call (NULL clears). */
void	op_log_request_id(const char *id);
/*
 * One JSON object per line to stderr: time, level, service, pid,
 * request_id, msg. The formatted message is escaped; never log secrets.
 */
void	op_log(enum op_log_level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
#define op_debug(...)	op_log(OP_LOG_DEBUG, __VA_ARGS__)
#define op_info(...)	op_log(OP_LOG_INFO, __VA_ARGS__)
#define op_warn(...)	op_log(OP_LOG_WARN, __VA_ARGS__)
#define op_error(...)	op_log(OP_LOG_ERROR, __VA_ARGS__)

/* ------------------------------------------------------------------ buf */

/* A growable byte buffer that refuses to grow past its maximum. */
struct op_buf {
	char	*data;		/* always NUL-terminated when non-NULL */
	size_t	 len;
	size_t	 cap;
	size_t	 max;
};

void		 op_buf_init(struct op_buf *, size_t max);
enum op_err	 op_buf_add(struct op_buf *, const void *, size_t);
enum op_err	 op_buf_addf(struct op_buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
/* Free the contents and forget the maximum: the buffer is as if new. */
void		 op_buf_clear(struct op_buf *);
/* Empty the buffer (freeing its memory) but keep its maximum. */
void		 op_buf_reset(struct op_buf *);

/* ------------------------------------------------------------------ crypto */

#define OP_KEY_LEN	32	/* AES-256 and HS256 keys */

/* Fill buf with n bytes from the kernel's CSPRNG. */
enum op_err	 op_random(void *buf, size_t n);
/* A random token: nbytes of randomness, base64url without padding, in out
 * (outsz >= 4 * nbytes / 3 + 2). */
enum op_err	 op_random_token(char *out, size_t outsz, size_t nbytes);
/* Constant-time equality of two buffers of the same length. */
int		 op_ct_equal(const void *, const void *, size_t);
/* SHA-256 of data as 64 lower-case hex digits plus NUL in out[65]. */
void		 op_sha256_hex(const void *data, size_t len, char out[65]);
/* HMAC-SHA256 into out[32]. */
void		 op_hmac_sha256(const void *key, size_t keylen,
		    const void *data, size_t len, unsigned char out[32]);
/* Overwrite n bytes in a way the compiler keeps. */
void		 op_wipe(void *, size_t);

/* A random (version 4) UUID, lower-case, in out[37]. */
enum op_err	 op_uuid(char out[37]);

/* Read a key file: exactly OP_KEY_LEN raw bytes, or 64 hex digits. */
enum op_err	 op_key_load(const char *path, unsigned char key[OP_KEY_LEN]);

/*
 * Argon2id password hashing (libsodium), at most `slots` hashes at once
 * across the whole pool (a semaphore the master shares with its workers);
 * a caller that waits longer than a second gets OP_EUNAVAIL.
 */
enum op_err	 op_password_init(unsigned slots);
/* Hash password into out (a libsodium string, outsz >= 128). */
enum op_err	 op_password_hash(const char *password, char *out,
		    size_t outsz);
/* OP_OK when password matches hash, OP_EUNAUTH when it does not. */
enum op_err	 op_password_verify(const char *hash, const char *password);

/*
 * Secret box: AES-256-GCM under the master key. The sealed form is text:
 * "v1." + base64url(nonce || ciphertext || tag). op_secret_open returns
 * OP_EINVAL for anything altered or sealed under another key.
 */
enum op_err	 op_secret_init(const unsigned char key[OP_KEY_LEN]);
/* *out is malloc'd; the caller frees it. */
enum op_err	 op_secret_seal(const void *plain, size_t len, char **out);
/* *out is malloc'd, NUL-terminated, *outlen bytes; the caller wipes and
 * frees it. */
enum op_err	 op_secret_open(const char *sealed, unsigned char **out,
		    size_t *outlen);

/* ------------------------------------------------------------------ base32 */

/* RFC 4648 base32 without padding. Return the length written, or -1. */
ssize_t		 op_base32_encode(const unsigned char *, size_t, char *,
		    size_t);
ssize_t		 op_base32_decode(const char *, unsigned char *, size_t);

/* ------------------------------------------------------------------ totp */

#define OP_TOTP_SECRET_LEN	20	/* 160-bit seeds, as RFC 4226 advises */
#define OP_TOTP_STEP		30
#define OP_TOTP_DIGITS		6

/* The 6-digit code of secret for time step `counter`. */
uint32_t	 op_totp_code(const unsigned char *secret, size_t len,
		    uint64_t counter);
/*
 * Check a 6-digit code at time now with one step of drift either way,
 * refusing steps at or before last_step (replay). On OP_OK *step holds
 * the step that matched.
 */
enum op_err	 op_totp_verify(const unsigned char *secret, size_t len,
		    const char *code, int64_t now, int64_t last_step,
		    int64_t *step);

/* ------------------------------------------------------------------ jwt */

enum op_token_kind { OP_TOKEN_ACCESS, OP_TOKEN_KIND__MAX };

struct op_claims {
	char	 sub[64];	/* user id */
	char	 sid[64];	/* session id */
	int64_t	 iat;
	int64_t	 exp;
};

/* Pin the HS256 key and the issuer/audience every token carries. */
enum op_err	 op_jwt_init(const unsigned char key[OP_KEY_LEN],
		    const char *issuer, const char *audience);
/* A signed access token for (sub, sid) valid for ttl seconds from now.
 * *out is malloc'd; the caller frees it. */
enum op_err	 op_jwt_issue(const char *sub, const char *sid, int64_t now,
		    int ttl, char **out);
/*
 * Verify token at time now: algorithm HS256 only, signature, typ "access",
 * iss, aud, exp, nbf. Anything else is OP_EUNAUTH; never a crash.
 */
enum op_err	 op_jwt_verify(const char *token, int64_t now,
		    struct op_claims *out);

/* ------------------------------------------------------------------ exec */

struct op_exec {
	const char	*const *argv;	/* argv[0] is an absolute path */
	const char	*const *envp;	/* NULL: PATH=/usr/bin:/bin only */
	const char	*cwd;		/* NULL: unchanged */
	const void	*in;		/* written to stdin, then closed */
	size_t		 inlen;
	int		 timeout_ms;	/* killed (SIGKILL) past it */
	size_t		 out_max;	/* cap on captured stdout+stderr */
	/* When set, stdout goes piece by piece to sink (a non-zero return
	 * stops it: the program is killed) and only stderr is captured. */
	int		(*sink)(void *arg, const char *data, size_t len);
	void		*sink_arg;
};

struct op_exec_result {
	int		 status;	/* exit status, or 128+signal */
	int		 timed_out;
	struct op_buf	 out;		/* stdout and stderr, interleaved */
};

/*
 * The one way to run an external program: fork and execve with an argv
 * (no shell ever), a minimal environment, a timeout and an output cap.
 * Output past out_max is discarded (out.len stops growing). The caller
 * frees res->out with op_buf_clear.
 */
enum op_err	 op_exec_run(const struct op_exec *, struct op_exec_result *res);

/* ------------------------------------------------------------------ fd */

/*
 * Write all of buf to fd, blocking or not, within timeout_ms; while it
 * waits for room the signal mask is waitmask (NULL: left as it is).
 * OP_ETIMEOUT when time ran out, OP_EIO when fd failed (the peer went
 * away). Needs only libc (fd.c).
 */
enum op_err	 op_fd_write_all(int fd, const void *buf, size_t len,
		    int timeout_ms, const sigset_t *waitmask);
/* Milliseconds on the monotonic clock, for deadlines. */
long long	 op_mono_ms(void);

/* ------------------------------------------------------------------ db */

struct op_db;

/*
 * The conninfo of service: OP_DB_<SERVICE> when set, else OP_DB with
 * " user=op_<service>" appended (each service connects as its own role).
 * Written to out (outsz bytes); OP_EINVAL when it does not fit.
 */
enum op_err	 op_db_conninfo(const char *service, char *out, size_t outsz);
/*
 * The environment for a libpq client program (pg_dump, psql) connecting
 * by conninfo: PATH=/usr/bin:/bin and each setting in its PG* variable,
 * never in argv. *env is NULL-terminated, for op_exec's envp; free it with
 * op_pgenv_free (which wipes it). OP_EINVAL, with *why, when conninfo
 * does not parse or holds a setting no variable carries.
 */
enum op_err	 op_pgenv(const char *conninfo, char ***env, const char **why);
void		 op_pgenv_free(char **env);
/* A handle for conninfo; it connects on first use, and again after the
 * server went away. */
enum op_err	 op_db_open(const char *conninfo, struct op_db **out);
void		 op_db_close(struct op_db *);
/* The raw connection, for LISTEN and the socket. */
PGconn		*op_db_conn(struct op_db *);

/*
 * Run sql with n text parameters (NULL is SQL NULL). On OP_OK *res holds
 * the result (the caller PQclear()s it; pass NULL to discard). A dropped
 * connection is reset once and the statement retried when outside a
 * transaction; unique violations are OP_ECONFLICT; the server being down
 * is OP_EUNAVAIL.
 */
enum op_err	 op_db_exec(struct op_db *, PGresult **res, const char *sql,
		    int n, const char *const *params);
#define op_db_execv(db, res, sql, ...)					\
	op_db_exec((db), (res), (sql),					\
	    (int)(sizeof((const char *[]){ __VA_ARGS__ }) /		\
	    sizeof(const char *)), (const char *[]){ __VA_ARGS__ })

enum op_err	 op_db_begin(struct op_db *);
enum op_err	 op_db_commit(struct op_db *);
/* Is a transaction open on this handle? */
int		 op_db_in_tx(struct op_db *);
/* Roll back if a transaction is open; safe to call at any time. */
void		 op_db_rollback(struct op_db *);

/* Row r of res as a JSON object, each column typed by its OID
 * (timestamps as RFC 3339 UTC, json/jsonb inline). New reference. */
json_t		*op_db_row_json(const PGresult *, int row);
/*
 * A keyset page: {"items": the first limit rows of res as JSON (row(res,
 * i), or op_db_row_json when row is NULL), "next": the "id" of the last
 * of them when res holds more (the query asked for limit + 1), else
 * null}. New reference.
 */
json_t		*op_db_page_json(const PGresult *, long long limit,
		    json_t *(*row)(const PGresult *, int));
/* Column value by name, or NULL when SQL NULL or absent. */
const char	*op_db_get(const PGresult *, int row, const char *col);

/*
 * Apply the numbered *.sql files of dir to schema, in order, each once,
 * inside one transaction under an advisory lock, recording them in
 * <schema>.migrations.
 */
enum op_err	 op_migrate(struct op_db *, const char *schema,
		    const char *dir);

/* ------------------------------------------------------------------ redis */

struct redisContext;
/* Connect to OP_REDIS ("unix:/path" or "host:port") with a timeout. */
enum op_err	 op_redis_open(const char *addr, int timeout_ms,
		    struct redisContext **out);
/* OP_OK when the server answers PING. */
enum op_err	 op_redis_ping(struct redisContext *);
/* Create the consumer group of stream (and the stream), reading from
 * start ("0": its beginning, "$": what comes next), unless it exists. */
enum op_err	 op_redis_group_ensure(struct redisContext *,
		    const char *stream, const char *group, const char *start);
/* The value of field in a stream entry [id, [k, v, …]], or NULL. */
struct redisReply;
const char	*op_redis_entry_field(const struct redisReply *entry,
		    const char *field);

/* ------------------------------------------------------------------ docker */

struct op_docker;

/* A client for the engine at socket_path (it connects on each call and
 * keeps the connection between calls). */
enum op_err	 op_docker_open(const char *socket_path, struct op_docker **out);
void		 op_docker_close(struct op_docker *);

/* What op_docker_open set up for the process (libcurl's global state):
 * once every client is closed, with no other thread left calling. */
void		 op_docker_cleanup(void);

/* Asked while a call runs: non-zero abandons it. */
typedef int (*op_docker_cancel)(void *arg);
/*
 * From now on every call on this client asks fn(arg), about once a second
 * even while the engine sends nothing, and gives up (OP_EUNAVAIL, not
 * logged) once it answers non-zero: a thread that must stop is never held
 * by a stream or a hung engine for longer than that.
 */
void		 op_docker_cancel_on(struct op_docker *, op_docker_cancel fn,
		    void *arg);

/*
 * One API call: method, path under the pinned version ("/containers/json"),
 * an optional JSON body; *status is the HTTP status and *reply the parsed
 * answer (NULL when empty; the caller decrefs). The engine unreachable is
 * OP_EUNAVAIL, a call past timeout_ms OP_ETIMEOUT; a 4xx/5xx from the
 * engine is OP_OK with that status.
 */
enum op_err	 op_docker_call(struct op_docker *, const char *method,
		    const char *path, json_t *body, int timeout_ms,
		    long *status, json_t **reply);

/* A streaming sink: return non-zero to stop the stream. */
typedef int (*op_docker_sink)(void *arg, const char *data, size_t len);

/* A call whose answer goes chunk by chunk to sink; body of type `type`. */
enum op_err	 op_docker_stream(struct op_docker *, const char *method,
		    const char *path, const char *type, const void *body,
		    size_t bodylen, int timeout_ms, op_docker_sink sink,
		    void *arg, long *status);

/* Registry credentials for the next call only (a pull): the engine's
 * X-Registry-Auth header. */
enum op_err	 op_docker_registry_auth(struct op_docker *, const char *user,
		    const char *password, const char *server);

/* The engine's error message in reply, or a generic one. */
const char	*op_docker_message(json_t *reply);

/*
 * A connection of the caller's own to the engine's unix socket (at
 * OP_DOCKER_SOCKET), for what libcurl cannot carry: a hijacked exec
 * stream, a request body pushed piece by piece. The fd (close-on-exec;
 * the caller closes it), or -1.
 */
int		 op_docker_dial(void);

/*
 * A blocking, close-on-exec connection to the unix stream socket at path:
 * the fd (the caller closes it), or -1 with errno (ENAMETOOLONG when path
 * does not fit a socket address).
 */
int		 op_unix_dial(const char *path);

/* State of a multiplexed (non-TTY) log or attach stream. */
struct op_docker_demux {
	unsigned char	head[8];
	size_t		hlen;
	size_t		want;	/* payload bytes left in this frame */
	int		stream;	/* 1 stdout, 2 stderr */
};

/*
 * Feed len bytes of a multiplexed stream; each payload piece goes to
 * out(arg, stream, data, len) as it completes. OP_EINVAL on a bad frame.
 */
enum op_err	 op_docker_demux(struct op_docker_demux *, const char *data,
		    size_t len, void (*out)(void *, int stream, const char *,
		    size_t), void *arg);

/* ------------------------------------------------------------------ listen */

/*
 * The listening socket of a server: fd 3 when systemd passed it
 * (LISTEN_FDS, *owned 0), else a new unix socket bound at path with the
 * mode OP_SOCKET_MODE sets, renamed over whatever path held (*owned 1: the
 * caller releases it at the end with op_listen_release).
 * key names the setting in error messages. -1 on failure, logged.
 */
int		 op_listen(const char *path, int backlog, const char *key,
		    int *owned);
/*
 * Does path still lead to the socket op_listen bound (not unlinked, not
 * taken over by a successor's op_listen since)? op_listen_release unlinks
 * path only then: a successor's socket is never removed.
 */
int		 op_listen_holds(const char *path);
void		 op_listen_release(const char *path);
/*
 * How long a server on a socket systemd holds goes without work before it
 * stops, in seconds (the socket starts it again on the next connection):
 * OP_IDLE_EXIT_S, 60 by default, 0 for never. A server on a socket it
 * bound itself never stops: nothing would start it again.
 */
unsigned	 op_idle_exit_s(void);

/* Handle sig with handler, without SA_RESTART, so blocking calls wake. */
void		 op_signal(int sig, void (*handler)(int));

/* ------------------------------------------------------------------ pool */

struct op_req;
struct op_route;
struct op_arena;
struct op_owned;

#define OP_SVC_JWT	0x01	/* issues and checks access tokens */
#define OP_SVC_PASSWORDS 0x02	/* hashes passwords (a capped resource) */

struct op_service {
	const char		*name;		/* "auth" */
	const char		*schema;	/* its PostgreSQL schema */
	const struct op_route	*routes;
	size_t			 nroutes;
	unsigned		 needs;		/* OP_SVC_* */
	/* The worker's own loop beside the outbox relay, until *stop;
	 * NULL when the relay is all the worker does. */
	enum op_err		(*work)(const struct op_service *,
				    struct op_db *, volatile int *stop);
	/* Commands of its own: the exit status, or -1 when argv[1] is
	 * not one of them. NULL when there are none. */
	int			(*command)(int argc, char *argv[]);
	const char		*usage;		/* of those commands */
};

/*
 * The main() of every service binary:
 *	op-<name> serve		the FastCGI pool on OP_SOCKET, OP_WORKERS
 *	op-<name> work		the outbox relay and svc->work, until SIGTERM
 *	op-<name> migrate	apply OP_SQL_DIR/<schema>/ and exit
 * plus svc->command's own. Returns the process's exit status.
 */
int		 op_service_main(const struct op_service *, int argc,
		    char *argv[]);

/* How many workers a pool runs (OP_WORKERS_MIN, OP_WORKERS and
 * OP_WORKERS_IDLE_S), and how long it lives without a request
 * (OP_IDLE_EXIT_S). */
struct op_pool_size {
	unsigned	min;		/* always kept */
	unsigned	max;		/* at most, while every one is busy */
	unsigned	hashing;	/* of max, only while as many hash */
	unsigned	idle_s;		/* a spare beyond one retires after */
	unsigned	exit_s;		/* on systemd's socket, the pool
					 * stops after as long without a
					 * request (0: never) */
};

/*
 * The prefork FastCGI pool: bind the unix socket at path (or take fd 3
 * from systemd when LISTEN_FDS is set), fork workers that each serve
 * requests through the router (size->min of them, one more whenever all
 * are busy, up to size->max less the size->hashing no worker is hashing
 * in; spares retire when idle), replace any that die, and on SIGTERM stop
 * accepting, let in-flight requests finish, and exit. SIGHUP replaces the
 * workers one by one. On a socket systemd holds, a pool that has had no
 * request for size->exit_s seconds stops as on SIGTERM: the socket starts
 * it again on the next connection, which waits in its queue meanwhile.
 * Returns only when the pool has stopped; OP_EINVAL
 * for a size out of 1 <= min <= max - hashing, max <= 256.
 */
enum op_err	 op_pool_run(const struct op_service *, const char *path,
		    const struct op_pool_size *size);

/* In a pool's worker, say whether this request is now hashing a password
 * (or queued for a slot to); elsewhere, nothing. */
void		 op_pool_hashing(int on);

/*
 * The pool's write generation, shared by its workers: 0 outside a pool's
 * worker (cache nothing there). op_pool_changed moves it on; the request
 * layer calls it for every request but a GET or HEAD, before the answer
 * leaves. What a worker read while the generation was g may be reused
 * while it still is g: nothing was written through the pool since.
 */
uint64_t	 op_pool_generation(void);
void		 op_pool_changed(void);

/* ------------------------------------------------------------------ request */

enum op_scope { OP_SCOPE_NONE, OP_SCOPE_READ, OP_SCOPE_WRITE,
	OP_SCOPE_METRICS };	/* reads /api/metrics only */

/* Who is calling, as op-auth's auth_request told nginx. */
struct op_identity {
	int		 authenticated;
	char		 user_id[40];
	char		 session_id[40];	/* empty for API tokens */
	char		 token_id[40];		/* empty for sessions */
	enum op_scope	 scope;
	int		 admin;			/* instance admin */
};

struct op_error_detail {
	int		 set;
	const char	*code;
	const char	*message;
	const char	*field;
};

#define OP_PATH_PARAMS	4

struct op_req {
	void			*fcgi;		/* FCGX_Request */
	struct op_db		*db;
	const struct op_service	*service;
	const char		*method;
	const char		*path;		/* without the query string */
	const char		*log_path;	/* logged instead, when set */
	const char		*query;
	const char		*request_id;
	const char		*remote_addr;
	const char		*user_agent;
	int			 tls;
	struct op_identity	 auth;
	const char		*params[OP_PATH_PARAMS];	/* :id, … */
	json_t			*body;		/* parsed JSON body, or NULL */
	const char		*body_raw;	/* its bytes, as sent (arena) */
	size_t			 body_len;
	struct op_error_detail	 err;
	int			 status;
	json_t			*reply;		/* owned */
	struct op_buf		 text;		/* a text reply instead */
	const char		*content_type;
	int			 streamed;	/* headers already sent */
	const struct op_route	*route;		/* the route matched, or NULL */
	int			 failure_recorded; /* the handler left its event */
	struct op_buf		 headers;	/* extra "Name: value\r\n" */
	struct op_arena		*arena;
	struct op_owned		*owned;		/* JSON freed at the end */
};

/*
 * A request-shaped context for background work (workers, reconcilers):
 * no FastCGI stream, no caller, the given service and database. End it
 * with op_system_req_end, which frees what it allocated.
 */
enum op_err	 op_system_req(struct op_req *, const struct op_service *,
		    struct op_db *);
void		 op_system_req_end(struct op_req *);

/* A FastCGI param (SERVER/HTTP variable), or NULL. */
const char	*op_req_param(struct op_req *, const char *name);
/* A request header by its CGI name ("HTTP_COOKIE"), or NULL. */
#define op_req_header(r, n)	op_req_param((r), (n))
/* A query-string argument, percent-decoded, or NULL. OP_EBADREQ when the
 * argument is malformed (bad escape, control byte). */
enum op_err	 op_req_query(struct op_req *, const char *name,
		    const char **out);
/* A cookie value, or NULL. */
const char	*op_req_cookie(struct op_req *, const char *name);

/* Request-lifetime memory: freed when the request ends. */
void		*op_req_alloc(struct op_req *, size_t);
char		*op_req_strdup(struct op_req *, const char *);
char		*op_req_printf(struct op_req *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* s percent-encoded for a URL query or path segment, in the arena. */
char		*op_req_urlencode(struct op_req *, const char *s);

/* The request takes a reference of j, dropped when it ends. */
enum op_err	 op_req_own_json(struct op_req *, json_t *j);

/* Record the error detail answered for er; returns er. */
enum op_err	 op_fail(struct op_req *, enum op_err er, const char *code,
		    const char *message, const char *field);

/* Answer status with the JSON value j (the request takes the reference). */
enum op_err	 op_reply_json(struct op_req *, int status, json_t *j);
/* Answer 204 No Content. */
enum op_err	 op_reply_empty(struct op_req *, int status);
/*
 * Answer row `row` of res (op_reply_row), or a keyset page of its first
 * limit rows (op_reply_page), as op_db_row_json and op_db_page_json
 * render them, written straight into the answer without the tree (a
 * byte that is not valid UTF-8 is sent as U+FFFD). res may be cleared
 * once they return.
 */
enum op_err	 op_reply_row(struct op_req *, int status, const PGresult *,
		    int row);
enum op_err	 op_reply_page(struct op_req *, int status, const PGresult *,
		    long long limit);
/* Answer a text body with the given content type. */
enum op_err	 op_reply_text(struct op_req *, int status, const char *type,
		    const char *body, size_t len);
/*
 * A streamed answer: the status and headers go out at once, then each
 * op_reply_stream_write goes out as it comes (nginx passes it on); for
 * exports too large to hold. After op_reply_stream_begin the handler
 * must not fail with an error: it can only stop writing.
 */
enum op_err	 op_reply_stream_begin(struct op_req *, int status,
		    const char *type);
enum op_err	 op_reply_stream_write(struct op_req *, const char *data,
		    size_t len);

/* Add a response header; name and value must be free of CR and LF. */
enum op_err	 op_reply_header(struct op_req *, const char *name,
		    const char *value);

/* ------------------------------------------------------------------ router */

/* Route flags: who may call it. */
#define OP_R_PUBLIC	0x01	/* no identity needed */
#define OP_R_ADMIN	0x02	/* instance admins only */
#define OP_R_INTERNAL	0x04	/* never routed by the gateway */
#define OP_R_SESSION	0x08	/* a signed-in session, not an API token */
#define OP_R_SECRET_PATH 0x10	/* the path holds a credential: log the pattern */

typedef enum op_err (*op_handler)(struct op_req *);

struct op_route {
	const char	*method;	/* "GET", … */
	const char	*pattern;	/* "/api/teams/:id/members/:id" */
	op_handler	 handler;
	unsigned	 flags;
};

/*
 * Find the route for (method, path): OP_ENOTFOUND when no pattern
 * matches, OP_EMETHOD when one matches under another method. Fills
 * params[] with pointers into the request arena.
 */
enum op_err	 op_router_match(struct op_req *, const struct op_route *,
		    size_t n, const struct op_route **out);

/* ------------------------------------------------------------------ fields */

enum op_ftype {
	OP_FT_STRING,
	OP_FT_INT,
	OP_FT_BOOL,
	OP_FT_TIME,	/* RFC 3339 timestamp string */
	OP_FT_NUMBER,	/* integer or real, in [min, max] */
	OP_FT_ARRAY,	/* an array of min..max items, checked by the caller */
	OP_FT_OBJECT,	/* an object of min..max members, checked by the caller */
	OP_FT__MAX
};

#define OP_FF_REQUIRED	0x01
#define OP_FF_NULLABLE	0x02
#define OP_FF_SECRET	0x04	/* never echoed in errors or logs */

/* A validator: OP_OK, or OP_EINVAL with *why a constant message. */
typedef enum op_err (*op_validator)(const char *, const char **why);

/* One declared input field: name, type, bounds, pattern. */
struct op_field {
	const char	*name;
	enum op_ftype	 type;
	unsigned	 flags;
	long long	 min;	/* string: bytes; int: value */
	long long	 max;
	op_validator	 check;	/* strings: NULL or a validator from valid.c */
};

struct op_value {
	int		 set;	/* present in the input */
	int		 null;	/* present and null */
	const char	*s;	/* string and time fields */
	long long	 i;	/* int and bool fields; time as epoch seconds */
	double		 d;	/* number fields */
	json_t		*j;	/* array and object fields (borrowed) */
};

/*
 * Unpack the request's JSON object body against fields[]: unknown fields,
 * wrong types, missing required fields, out-of-bounds and invalid values
 * fail with the field named (op_fail); nothing is partly unpacked.
 * vals[] runs parallel to fields[]. Requires a JSON body.
 */
enum op_err	 op_fields_body(struct op_req *, const struct op_field *,
		    size_t n, struct op_value *vals);
/* The same for query-string arguments (unknown ones are refused too). */
enum op_err	 op_fields_query(struct op_req *, const struct op_field *,
		    size_t n, struct op_value *vals);

/* ------------------------------------------------------------------ valid */

/* One validator per kind of value, used everywhere. */
enum op_err	 op_valid_text(const char *, const char **why);
enum op_err	 op_valid_name(const char *, const char **why);
enum op_err	 op_valid_slug(const char *, const char **why);
enum op_err	 op_valid_email(const char *, const char **why);
enum op_err	 op_valid_uuid(const char *, const char **why);
enum op_err	 op_valid_password(const char *, const char **why);
enum op_err	 op_valid_hostname(const char *, const char **why);
/* PEM text of one or more certificates (a CA bundle). */
enum op_err	 op_valid_pem_certs(const char *, const char **why);
/* A public domain name to route (IDN allowed, no wildcard, no address). */
enum op_err	 op_valid_domain(const char *, const char **why);
#define OP_DOMAIN_MAX	253
/* Its ASCII form (punycode, lower case) in out[OP_DOMAIN_MAX + 1]. */
enum op_err	 op_domain_ascii(const char *, char *out, const char **why);
enum op_err	 op_valid_url(const char *, const char **why);
enum op_err	 op_valid_role(const char *, const char **why);
enum op_err	 op_valid_scope(const char *, const char **why);
enum op_err	 op_valid_totp_code(const char *, const char **why);
enum op_err	 op_valid_env_key(const char *, const char **why);
enum op_err	 op_valid_volume_name(const char *, const char **why);
enum op_err	 op_valid_container_path(const char *, const char **why);
enum op_err	 op_valid_label_key(const char *, const char **why);
/* valid_swarm.c: a service's placement constraint (node.role==worker,
 * node.labels.zone!=eu), a node label's key and its value, a node id as
 * Swarm makes them (10 to 64 of a-z and 0-9). */
enum op_err	 op_valid_placement(const char *, const char **why);
enum op_err	 op_valid_node_label_key(const char *, const char **why);
enum op_err	 op_valid_node_label_value(const char *, const char **why);
enum op_err	 op_valid_node_id(const char *, const char **why);
/* May a node of role and state (a node's Spec.Role and Status.State)
 * leave the swarm's node list? OP_OK for a worker that is down, else
 * OP_ECONFLICT with the error code (node_manager, node_up) and why. */
enum op_err	 op_valid_node_removal(const char *role, const char *state,
		    const char **code, const char **why);
/* An image reference: [registry[:port]/]name[:tag][@sha256:digest]. */
enum op_err	 op_valid_image(const char *, const char **why);
/* valid_git.c: https://, http://, ssh:// or user@host:path, never a
 * local path, an option or a transport helper. */
enum op_err	 op_valid_git_url(const char *, const char **why);
/* A branch, tag or commit (git check-ref-format rules, no leading '-'). */
enum op_err	 op_valid_git_ref(const char *, const char **why);
/* A relative path inside a repository, without "..". */
enum op_err	 op_valid_repo_path(const char *, const char **why);
/* Is s a commit id (7 to 64 lower-case hex digits)? */
int		 op_git_is_commit(const char *s);
/* UTF-8 without NUL or control bytes (tab excepted when allow_tab). */
int		 op_utf8_clean(const char *, size_t, int allow_tab);
/* The length of the well-formed UTF-8 sequence at s (at most n bytes),
 * or 0 when it is not one: no overlong forms, no surrogates, nothing
 * past U+10FFFF (RFC 3629). */
size_t		 op_utf8_seq(const unsigned char *s, size_t n);
/* Parse a base-10 integer in [min, max]; strtonum-style. */
enum op_err	 op_strtonum(const char *, long long min, long long max,
		    long long *out);
/* Parse an RFC 3339 timestamp to epoch seconds. */
enum op_err	 op_parse_time(const char *, int64_t *out);

/* ------------------------------------------------------------------ roles */

enum op_role { OP_ROLE_VIEWER, OP_ROLE_DEVELOPER, OP_ROLE_ADMIN,
	OP_ROLE_OWNER, OP_ROLE__MAX };

/* What a team member may do; the permission table lives in perm.c. */
enum op_action {
	OP_ACT_READ,		/* see the team's objects */
	OP_ACT_OPERATE,		/* start, stop, deploy */
	OP_ACT_EDIT,		/* create and change objects */
	OP_ACT_DELETE,		/* delete objects */
	OP_ACT_SECRETS,		/* manage and reveal secrets */
	OP_ACT_MEMBERS,		/* invite, change roles, remove members */
	OP_ACT_TEAM,		/* rename or delete the team */
	OP_ACT__MAX
};

const char	*op_role_name(enum op_role);
enum op_err	 op_role_parse(const char *, enum op_role *out);
int		 op_role_allows(enum op_role, enum op_action);

/*
 * The caller's role in team_id, read from auth.team_members. A team the
 * caller is not in is OP_ENOTFOUND (instance admins see every team as
 * owner). Then OP_EFORBIDDEN when the role does not allow act, or when a
 * read-scoped token asks for anything but OP_ACT_READ.
 */
enum op_err	 op_team_authorize(struct op_req *, const char *team_id,
		    enum op_action act, enum op_role *role);

/*
 * A project (projects.projects_v) the caller may act on: its team id in
 * *team_id (arena copy). No such project, or another team's, is
 * OP_ENOTFOUND; a role that does not allow act is OP_EFORBIDDEN.
 */
enum op_err	 op_project_authorize(struct op_req *, const char *project_id,
		    enum op_action act, const char **team_id);

/* ------------------------------------------------------------------ events */

/*
 * Write an event to <service schema>.outbox in the caller's transaction,
 * with the common envelope (id, type, time, team_id, actor, subject,
 * request_id, data). Steals data (may be NULL). team_id and subject_id
 * may be NULL.
 */
enum op_err	 op_event_emit(struct op_req *, const char *type,
		    const char *team_id, const char *subject_kind,
		    const char *subject_id, json_t *data);

/*
 * The relay: publish the schema's unsent outbox rows to the Redis stream
 * op:events in order, marking each sent after XADD succeeds. Runs until
 * *stop is set; wakes on NOTIFY <schema>_outbox or every second.
 */
enum op_err	 op_outbox_relay(const char *conninfo, const char *schema,
		    const char *redis_addr, volatile int *stop);

/* ------------------------------------------------------------------ job */

/*
 * A table of jobs (job.c, DESIGN.md §4): rows with id, status ('queued',
 * 'running', then the service's own), attempts, run_after, created_at,
 * started_at, a column naming the lease's holder and lease_until. Every
 * string is a compile-time constant of the owning service (the SQL is
 * put together from them); values travel only as parameters. The
 * fragments see the table as t in a claim.
 */
struct op_job_queue {
	const char	*table;		/* "builds.builds" */
	const char	*holder;	/* the lease's column: "lease_owner" */
	const char	*order;		/* claims take the first by this */
	const char	*lapsed;	/* also true of a running row whose lease
					 * lapsed, to claim it again; or NULL */
	const char	*ready;		/* also true of any row claimed (may use
					 * $3…, the claim's extras); or NULL */
	const char	*claimed;	/* more of a claim's SET, or NULL */
	const char	*claim_returns;	/* a claim's RETURNING (NULL: t.id) */
	const char	*renewed;	/* more of a renewal's SET ($4…), or NULL */
	const char	*renew_returns;	/* a renewal's RETURNING (NULL: id) */
	const char	*requeued;	/* more of a re-queue's SET ($4…), or NULL */
};

/*
 * Claim the first due row of q (queued with run_after come, or running
 * under a lapsed lease) for holder, under a lease of lease_s seconds:
 * status 'running', attempts + 1, started_at set once. Parameters are
 * $1 holder, $2 lease_s, then the nextra extra[] for q->ready. On OP_OK
 * *row holds the row as q->claim_returns says (the caller PQclear()s
 * it); OP_ENOTFOUND when none is due.
 */
enum op_err	 op_job_claim(struct op_db *, const struct op_job_queue *,
		    const char *holder, int lease_s, int nextra,
		    const char *const *extra, PGresult **row);
/* The claim's SQL for q into out (outsz bytes); OP_EINVAL when q lacks
 * a table, holder or order, or the text does not fit. */
enum op_err	 op_job_claim_sql(const struct op_job_queue *, char *out,
		    size_t outsz);
/*
 * Extend the lease of row id, still running and held by holder, to
 * lease_s seconds from now, with q->renewed ($4… from extra[]). *row
 * (when row is not NULL) holds q->renew_returns. OP_ECONFLICT when the
 * row is no longer holder's: the lease is lost.
 */
enum op_err	 op_job_renew(struct op_db *, const struct op_job_queue *,
		    const char *id, const char *holder, int lease_s,
		    int nextra, const char *const *extra, PGresult **row);
/* Lock row id in the open transaction if it is running and holder's;
 * OP_ECONFLICT when it is not (another worker took it over). */
enum op_err	 op_job_owned(struct op_db *, const struct op_job_queue *,
		    const char *id, const char *holder);
/*
 * Put row id, running and held by holder, back in the queue to run again
 * after delay_s seconds, its holder cleared, with q->requeued ($4… from
 * extra[]). OP_ECONFLICT when the row is no longer holder's.
 */
enum op_err	 op_job_requeue(struct op_db *, const struct op_job_queue *,
		    const char *id, const char *holder, int delay_s,
		    int nextra, const char *const *extra);
/* The wait after try number attempts failed: first_s after the first,
 * factor times longer after each one more, capped at max_s. */
long long	 op_job_backoff_s(int attempts, long long first_s, int factor,
		    long long max_s);

/* ------------------------------------------------------------------ stream */

/*
 * A consumer of op:events in a group of its own (lib/stream.c), for a
 * worker that acts on other services' events. Zero it, set group and
 * consumer (a stable name: a restarted consumer finds its own pending),
 * and start if a new group must not read the stream from its beginning
 * ("$": only what comes next, for live views).
 */
struct op_stream {
	const char		*group;
	const char		*consumer;
	const char		*start;	/* NULL: "0" */
	const char		*text;	/* while fn runs: the event as sent */
	struct redisContext	*rc;
	int			 backlog;
};
/* Deal with one event envelope: OP_OK done, OP_EINVAL skipped, anything
 * else: keep it pending and stop the pass. Must be idempotent. */
typedef enum op_err (*op_stream_fn)(void *arg, json_t *event);
/* One pass: pending, reclaimed, else new entries (up to block_ms). */
enum op_err	 op_stream_poll(struct op_stream *, int block_ms,
		    op_stream_fn fn, void *arg);
void		 op_stream_close(struct op_stream *);

/* ------------------------------------------------------------------ health */

/*
 * Ask the FastCGI pool at socket path for FCGI_GET_VALUES: OP_OK when a
 * worker answers within timeout_ms.
 */
enum op_err	 op_fcgi_ping(const char *path, int timeout_ms);
/*
 * Ping every pool named in OP_POOLS ("name=/socket,…"), setting out[name]
 * to "ok" or "down"; self (the answering service) counts as up. Non-zero
 * when all are up.
 */
int		 op_pools_check(const char *self, json_t *out);

/* ------------------------------------------------------------------ live */

/*
 * Live streams (DESIGN.md §7): nchan in the gateway carries them to
 * subscribers under /api/live/<kind>/<id>; services publish here. A
 * channel is "<kind>/<uuid>", kind one of logs, metrics, builds, events.
 */
/* OP_OK when channel is well formed, else OP_EINVAL. */
enum op_err	 op_live_channel_check(const char *channel);
/*
 * Publish one message (len bytes of data) to channel through nchan's
 * publisher on the unix socket OP_LIVE_SOCKET. OP_EINVAL for a bad
 * channel; OP_EUNAVAIL (or OP_ETIMEOUT) when the gateway does not take it
 * within about a second: the message is dropped, never queued.
 */
enum op_err	 op_live_publish(const char *channel, const char *data,
		    size_t len);
/*
 * The calling thread's publishing handle, and libcurl's global state if
 * publishing set it up: for a process's main thread as it ends, once no
 * other thread publishes (another thread's handle goes as it exits).
 * Nothing is published afterwards.
 */
void		 op_live_cleanup(void);

/* ------------------------------------------------------------------ reqstats */

/*
 * The panel's own requests, counted in a file each pool shares with its
 * workers (<OP_STATS_DIR>/<service>.reqstats; nothing when unset).
 * op_reqstats_open: the pool's master, before it forks. op_reqstats_record:
 * each answered request, ms its duration (lock-free). op_reqstats_expose:
 * every pool's counters as Prometheus text families
 * openpanel_http_requests_total and openpanel_http_request_duration_seconds.
 */
enum op_err	 op_reqstats_open(const struct op_service *);
void		 op_reqstats_record(const struct op_req *, double ms);
enum op_err	 op_reqstats_expose(struct op_buf *);

/* ------------------------------------------------------------------ internal */

/*
 * One service asking another through the gateway's internal socket
 * (OP_INTERNAL_SOCKET): method path with a JSON body (may be NULL), for
 * at most timeout_ms, carrying request_id (may be NULL). *status is the
 * HTTP status, *reply the JSON answer (new reference, or NULL). Any
 * answer is OP_OK; OP_EUNAVAIL when the gateway cannot be reached,
 * OP_ETIMEOUT past the deadline. Only OP_R_INTERNAL routes take these.
 */
enum op_err	 op_internal_call(const char *request_id, const char *method,
		    const char *path, json_t *body, int timeout_ms,
		    long *status, json_t **reply);

/* ------------------------------------------------------------------ proxy */

/*
 * The gateway's generated routing (lib/proxy.c): files under OP_ROUTES_DIR
 * that nginx includes, "upstreams/<name>.conf" and "sites/<name>.conf".
 */
struct op_proxy_change {
	const char	*rel;	/* "upstreams/<name>.conf", "sites/<name>.conf",
				 * "certs/<name>.crt|.key" (keys 0600) */
	const char	*text;	/* the new contents; NULL removes the file */
};

/* The routing directory (OP_ROUTES_DIR), or NULL when there is none. */
const char	*op_proxy_dir(void);
/*
 * Apply n changes as one: write each atomically, check the gateway's whole
 * configuration (OP_PROXY_CHECK argv, e.g. nginx -t) and reload it
 * (OP_PROXY_RELOAD argv). A failed check puts every file back and answers
 * OP_EINVAL with the checker's output added to why (may be NULL); a check
 * that could not ask the gateway (it timed out, or exited 75) puts them back
 * too and answers OP_EUNAVAIL; a failed reload keeps the valid files and
 * answers OP_EUNAVAIL. Serialised across processes by a lock file in the
 * directory.
 */
enum op_err	 op_proxy_apply(const struct op_proxy_change *, size_t n,
		    struct op_buf *why);
/* Is s one word that cannot end a directive or open a block? */
int		 op_proxy_word_ok(const char *s);
/* "op_ct_<32 hex>_<port>": the upstream of one port of a container. */
void		 op_proxy_upstream_name(const char *container_id, long port,
		    char out[64]);
/* The upstreams file of a container from its published ports
 * ([{container, host, protocol}]); malloc'd, NULL on an unusable value. */
char		*op_proxy_upstreams_text(const char *container_id,
		    json_t *ports);

/* Remove a deleted container's generated site and (unless still used)
 * its upstreams file. */
void		 op_proxy_forget(const char *container_id);

/* One proxied site: a hostname (and path) served from an upstream. */
struct op_proxy_site {
	const char	*hostname;
	const char	*path;		/* location prefix; NULL is "/" */
	const char	*upstream;	/* op_proxy_upstream_name */
	int		 body_max_mb;	/* 0: 64 */
	int		 read_timeout_s;	/* 0: 60 */
	/* Zero for a plain-HTTP site. */
	const char	*tls_name;	/* certs/<tls_name>.crt|.key: HTTPS too,
					 * on OP_PROXY_LISTEN_TLS */
	int		 redirect_https;	/* HTTP answers 301 to HTTPS */
	int		 redirect_www;	/* www.<hostname>: 301 to hostname */
	int		 acme;		/* HTTP-01 from OP_ACME_WEBROOT */
};

/* The server blocks of a site, listening on OP_PROXY_LISTEN (and
 * OP_PROXY_LISTEN_TLS with tls_name); malloc'd, NULL when a value is
 * unsafe to render or a setting it needs is unset. */
char		*op_proxy_site_text(const struct op_proxy_site *);
/* Does a site file other than except (a rel, or NULL) name the upstreams
 * of container_id? Such a file must not be removed. */
int		 op_proxy_upstreams_used(const char *container_id,
		    const char *except);

/* ------------------------------------------------------------------ cron */

/* A parsed five-field cron expression: one bit per allowed value. */
struct op_cron {
	uint64_t	 minutes;	/* bits 0-59 */
	uint32_t	 hours;		/* bits 0-23 */
	uint32_t	 days;		/* bits 1-31 */
	uint16_t	 months;	/* bits 1-12 */
	uint8_t		 weekdays;	/* bits 0-6, Sunday 0 */
	int		 days_star, weekdays_star;
};

/* Parse "minute hour day-of-month month day-of-week" (each *, a, a-b,
 * with /n, or lists of them). OP_EINVAL with *why naming the field. */
enum op_err	 op_cron_parse(const char *, struct op_cron *out,
		    const char **why);
/* The first time after `after` (epoch seconds) that c fires, on the wall
 * clock of time zone tz. OP_EINVAL when tz is unknown or c never fires. */
enum op_err	 op_cron_next(const struct op_cron *c, const char *tz,
		    int64_t after, int64_t *out);
/* Make tz (validated) the process's time zone for a while; give *saved
 * to op_tz_leave, which puts the old one back. Single-threaded only. */
enum op_err	 op_tz_enter(const char *tz, char **saved);
void		 op_tz_leave(char *saved);
/* Validators: a cron expression; an IANA time zone name that exists. */
enum op_err	 op_valid_cron(const char *, const char **why);
enum op_err	 op_valid_timezone(const char *, const char **why);

/* ------------------------------------------------------------------ storage */

/* Where backups go (valid_storage.c): an S3 bucket name (3-63, DNS-like),
 * an object key prefix (no leading '/', no '.'/'..' segments), a region,
 * an endpoint (http(s)://host[:port], no path), an absolute path without
 * '.' or '..' segments. */
enum op_err	 op_valid_bucket(const char *, const char **why);
enum op_err	 op_valid_object_prefix(const char *, const char **why);
enum op_err	 op_valid_region(const char *, const char **why);
enum op_err	 op_valid_endpoint(const char *, const char **why);
enum op_err	 op_valid_abs_path(const char *, const char **why);

/* ------------------------------------------------------------------ retention */

/* How many generations to keep; 0 means that rule is off. */
struct op_retention {
	int	last;		/* the newest N */
	int	daily;		/* the newest of each of the last N days */
	int	weekly;		/* … ISO weeks */
	int	monthly;	/* … months */
};

/*
 * Which of n backups (times[], epoch seconds, newest first) policy p
 * keeps, days counted on the wall clock of tz: keep[i] is 1 or 0. With
 * every rule off everything is kept. OP_EINVAL for an unknown tz or
 * times out of order.
 */
enum op_err	 op_retention_keep(const int64_t *times, size_t n,
		    const char *tz, const struct op_retention *p,
		    unsigned char *keep);

#endif /* OPENPANEL_H */
