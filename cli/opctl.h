/*
 * opctl.h — the command-line client of the OpenPanel API: what its files
 * share. opctl is a client like the web UI: it speaks only the public REST
 * API (docs/openapi.yaml) and the live streams (docs/live.md), with
 * libcurl and jansson, and links nothing of lib/.
 */
#ifndef OPCTL_H
#define OPCTL_H

#include <stddef.h>
#include <stdio.h>

#include <curl/curl.h>
#include <jansson.h>

/* Exit statuses: what a script can rely on (docs/opctl.md). */
enum opctl_exit {
	OPCTL_OK = 0,		/* done */
	OPCTL_EAPI = 1,		/* the API refused: 4xx, not found, conflict */
	OPCTL_EUSAGE = 2,	/* bad command line */
	OPCTL_EAUTH = 3,	/* not signed in, bad or expired credentials */
	OPCTL_ENET = 4,		/* the panel unreachable, 5xx, 429 */
	OPCTL_EFAILED = 5,	/* a followed build or deployment failed */
};

#define OPCTL_URL_DEFAULT	"http://127.0.0.1:8080"
#define OPCTL_VALUE_MAX		8192	/* bytes in one config value */
#define OPCTL_CONFIG_MAX	65536	/* bytes in the config file */
#define OPCTL_BODY_MAX		(64u * 1024 * 1024)	/* bytes of an answer */
#define OPCTL_EVENT_MAX		(1024u * 1024)	/* bytes of one stream event */
#define OPCTL_POS_MAX		8	/* positional arguments of a command */
#define OPCTL_ID_LEN		36	/* a UUID's text */

/* --- config.c: ~/.config/openpanel/config and the environment ---------- */

/* Where the panel is and how opctl proves who it is. Strings are owned
 * (NULL when unset). The first five are the file's; the environment's
 * (OPENPANEL_URL, OPENPANEL_TOKEN, OPENPANEL_CA) override them and are
 * never saved. */
struct opctl_config {
	char	*url;
	char	*access_token;	/* a session's JWT */
	char	*refresh_token;	/* the session's single-use refresh token */
	char	*token;		/* an API token (opk_…) */
	char	*ca_file;	/* CA certificates to trust for https */
	char	*env_url;
	char	*env_token;
	char	*env_ca;
};

/* The CA file in force (the environment's OPENPANEL_CA, the file's
 * ca_file), or NULL for the system's store. */
const char	*opctl_config_ca(const struct opctl_config *c);

/* The panel's base URL in force: the environment's, the file's, or
 * OPCTL_URL_DEFAULT. */
const char	*opctl_config_url(const struct opctl_config *c);

/* The bearer credential in force (the environment's token, the file's API
 * token, or the session's access token), or NULL: not signed in. */
const char	*opctl_config_bearer(const struct opctl_config *c);

/* The config file's path for these XDG_CONFIG_HOME and HOME values (either
 * may be NULL) into out: 0, or -1 when neither is usable. */
int	 opctl_config_path(const char *xdg, const char *home, char *out,
	    size_t outlen);

/* Parse the text of a config file (len bytes) into c, which starts
 * zeroed. 0, or -1 with a message naming the line in err. Unknown keys
 * are skipped, so an older opctl reads a newer file. */
int	 opctl_config_parse(const char *text, size_t len,
	    struct opctl_config *c, char *err, size_t errlen);

/* The file's text for c (the file's own fields, never the env's): a
 * malloc'd string, or NULL on allocation failure. */
char	*opctl_config_format(const struct opctl_config *c);

/* Load path into c (absent: all unset), then apply the environment.
 * 0, or -1 with a message printed. */
int	 opctl_config_load(struct opctl_config *c, const char *path);

/* Write c to path atomically with mode 0600 (its directory made 0700).
 * 0, or -1 with a message printed. */
int	 opctl_config_save(const struct opctl_config *c, const char *path);

/* Replace *slot with a copy of v (NULL clears): 0, or -1 (no memory). */
int	 opctl_config_set(char **slot, const char *v);

void	 opctl_config_clear(struct opctl_config *c);

/* --- args.c: options of a command ------------------------------------- */

enum opctl_opt_kind {
	OPCTL_OPT_FLAG,		/* --name: *(int *)dest = 1 */
	OPCTL_OPT_VALUE,	/* --name VALUE or --name=VALUE: *(char **)dest */
};

struct opctl_opt {
	const char		*name;	/* without the dashes */
	enum opctl_opt_kind	 kind;
	void			*dest;
};

/* What parsing left: positionals in order, and the options every command
 * takes (--json, -h/--help). */
struct opctl_args {
	char	*pos[OPCTL_POS_MAX];
	int	 npos;
	int	 json;
	int	 help;
};

/* Parse argv[0..argc) against opts (ended by a NULL name). Options and
 * positionals may mix; "--" ends options. 0, or -1 with a message in err
 * (an unknown option, a missing value, too many positionals). */
int	 opctl_args_parse(struct opctl_args *a, int argc, char **argv,
	    const struct opctl_opt *opts, char *err, size_t errlen);

/* A whole decimal number in [min, max] into *out: 0, or -1. */
int	 opctl_args_number(const char *s, long long min, long long max,
	    long long *out);

/* s is a UUID in its canonical lower-case text. */
int	 opctl_is_uuid(const char *s);

/* --- output.c: tables, fields, JSON ----------------------------------- */

enum opctl_fmt {
	OPCTL_FMT_TEXT,		/* as it is (control bytes shown as '?') */
	OPCTL_FMT_TIME,		/* RFC 3339 → "YYYY-MM-DD HH:MM:SS" */
	OPCTL_FMT_SHORT,	/* the first 12 characters (commits) */
	OPCTL_FMT_MS,		/* milliseconds → "12.3s" */
	OPCTL_FMT_BYTES,	/* bytes → "1.2 MiB" */
};

/* One column of a table (or one line of a record): title, the member's
 * dotted path in each object ("actor.user_id"), how it reads. */
struct opctl_col {
	const char	*title;
	const char	*path;
	enum opctl_fmt	 fmt;
};

/* The cell text of v formatted as fmt into out (always terminated): "-"
 * for null or absent, at most outlen - 1 bytes, cut on a UTF-8 boundary. */
void	 opctl_cell(const json_t *v, enum opctl_fmt fmt, char *out,
	    size_t outlen);

/* The member at a dotted path of obj, or NULL. */
json_t	*opctl_path(const json_t *obj, const char *path);

/* The string at a dotted path of obj, or dflt when it is not a string. */
const char	*opctl_str(const json_t *obj, const char *path, const char *dflt);

/* items (a JSON array of objects) as an aligned table under a header
 * line; "(none)" for an empty array. */
void	 opctl_table(FILE *f, const json_t *items, const struct opctl_col *cols);

/* One object as "Title:  value" lines, in the order of cols. */
void	 opctl_record(FILE *f, const json_t *obj, const struct opctl_col *cols);

/* v as indented JSON and a newline. */
void	 opctl_json(FILE *f, const json_t *v);

/* s with every control byte but tab shown as '?', and a newline. */
void	 opctl_line(FILE *f, const char *s);

/* --- http.c: the API over libcurl --------------------------------------- */

/* One invocation: its configuration, its output mode and its handle. */
struct opctl {
	struct opctl_config	 cfg;
	char			 cfg_path[4096];
	int			 json;	/* --json: the API's JSON on stdout */
	CURL			*curl;
};

/* An answer: status, body (NUL-terminated), the request id. */
struct opctl_resp {
	long	 status;
	char	*body;
	size_t	 len, cap;
	char	 request_id[80];
};

void	 opctl_resp_clear(struct opctl_resp *r);

/* The exit status an HTTP status means (2xx → OPCTL_OK). */
enum opctl_exit	opctl_exit_for(long status);

/* The one line that tells what an error answer says: "message (code,
 * field f; HTTP n, request id)" into out. */
void	 opctl_error_text(long status, const char *body, const char *rid,
	    char *out, size_t outlen);

/* METHOD path (with its query) with body (JSON, or NULL), authenticated
 * by the configured credentials; a session's expired access token is
 * refreshed once. Fills r for any answer. Returns OPCTL_OK for 2xx, else
 * the exit status after printing what went wrong. */
enum opctl_exit	opctl_call(struct opctl *o, const char *method,
	    const char *path, json_t *body, struct opctl_resp *r);

/* One call as it is, no renewal: OPCTL_OK when an answer came (whatever
 * its status, in r), else OPCTL_ENET after saying why. */
enum opctl_exit	opctl_call_raw(struct opctl *o, const char *method,
	    const char *path, json_t *body, struct opctl_resp *r);

/* Say what an answer that is not 2xx means; its exit status. */
enum opctl_exit	opctl_report(struct opctl *o, const struct opctl_resp *r);

/* opctl_call, then the 2xx answer parsed into *out (caller decrefs). */
enum opctl_exit	opctl_call_json(struct opctl *o, const char *method,
	    const char *path, json_t *body, json_t **out);

/* A list route, every page (limit 200, following `next`), into one
 * {"items": [...], "next": null} in *out. */
enum opctl_exit	opctl_list_all(struct opctl *o, const char *path,
	    json_t **out);

/* Set up h for a request to path on the panel with our credentials
 * (caller frees *hdrs with curl_slist_free_all). 0, or -1. */
int	 opctl_http_prepare(struct opctl *o, CURL *h, const char *path,
	    struct curl_slist **hdrs);

/* Trade the refresh token for a new pair and save it (under a lock, so
 * that two opctl at once do not spend it twice). OPCTL_OK, or
 * OPCTL_EAUTH after saying so. */
enum opctl_exit	opctl_refresh(struct opctl *o);

/* path with "key=value" appended as a query parameter, value escaped
 * (NULL value: path unchanged). Frees path; NULL on allocation failure. */
char	*opctl_query(char *path, const char *key, const char *value);

/* Append n bytes of p to *buf (*len bytes in *cap, kept NUL-terminated),
 * growing it, at most max bytes in all: 0, or -1 (too long, no memory). */
int	 opctl_append(char **buf, size_t *len, size_t *cap, const char *p,
	    size_t n, size_t max);

/* printf into a new string (caller frees), or NULL. */
char	*opctl_strf(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/* Print "opctl: ..." to stderr; returns code (for `return opctl_fail(..)`). */
enum opctl_exit	opctl_fail(enum opctl_exit code, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* --- sse.c: EventSource (text/event-stream) ----------------------------- */

typedef void (*opctl_sse_fn)(const char *data, size_t len, void *arg);

/* A parser of an event stream: bytes in, each event's data out. */
struct opctl_sse {
	char		*line;		/* the line being read */
	size_t		 linelen, linecap;
	char		*data;		/* the event being gathered */
	size_t		 datalen, datacap;
	int		 has_data;
	int		 overflow;	/* the event passed OPCTL_EVENT_MAX */
	int		 line_overflow;	/* the line did: skip to its end */
	opctl_sse_fn	 fn;
	void		*arg;
};

void	 opctl_sse_init(struct opctl_sse *s, opctl_sse_fn fn, void *arg);

/* Feed n bytes: calls fn for every event they complete (its data lines
 * joined by "\n"; comments, ids and event names skipped; an event over
 * OPCTL_EVENT_MAX dropped). 0, or -1 when out of memory. */
int	 opctl_sse_feed(struct opctl_sse *s, const char *p, size_t n);

void	 opctl_sse_clear(struct opctl_sse *s);

/* A subscription to /api/live/KIND/ID on a handle of its own, to be
 * driven by a curl multi handle (follow.c) or alone (opctl_stream_run). */
struct opctl_stream {
	CURL			*h;
	char			*path;
	struct curl_slist	*hdrs;
	struct opctl_sse	 sse;
	long			 status;	/* the answer's status, once known */
	char			*errbody;	/* a refusal's body */
	size_t			 errlen, errcap;
};

/* Open (not yet start) the stream of path; events go to fn. 0, or -1. */
int	 opctl_stream_open(struct opctl *o, struct opctl_stream *st,
	    const char *path, opctl_sse_fn fn, void *arg);

/* Run the stream until it ends: OPCTL_OK when the server closed it
 * after a 200, else the exit status after saying why. */
enum opctl_exit	opctl_stream_run(struct opctl *o, struct opctl_stream *st);

/* Explain a stream's refusal or failure (curl result cr) and give the
 * exit status. */
enum opctl_exit	opctl_stream_error(struct opctl_stream *st, CURLcode cr);

void	 opctl_stream_close(struct opctl_stream *st);

/* --- prompt.c: the terminal ------------------------------------------- */

/* Ask on the terminal (/dev/tty) with prompt, echo off when secret; the
 * answer without its newline into out. 0, or -1 (no terminal, EOF). */
int	 opctl_prompt(const char *prompt, int secret, char *out, size_t outlen);

/* One line of stdin without its newline into out: 0, or -1. */
int	 opctl_read_stdin_line(char *out, size_t outlen);

/* --- resolve.c: names to ids --------------------------------------------- */

/* The id of a project (or container) given by id or by name: 0 with the
 * id in out (OPCTL_ID_LEN + 1), else the exit status after saying why. */
enum opctl_exit	opctl_resolve(struct opctl *o, const char *kind,
	    const char *arg, char *out);

/* The id of a team given by id or name, or (arg NULL) the caller's only
 * team. */
enum opctl_exit	opctl_resolve_team(struct opctl *o, const char *arg,
	    char *out);

/* --- follow.c: a build or a deployment to its end --------------------- */

/* Print build id's log live until the build ends, then its outcome.
 * OPCTL_OK when it succeeded, OPCTL_EFAILED when it failed or was
 * cancelled, else the exit status of what went wrong. *build gets the
 * build's last state (caller decrefs) when not NULL. */
enum opctl_exit	opctl_follow_build(struct opctl *o, const char *id,
	    json_t **build);

/* Where in a build's record (n lines at text) to go on after the stream
 * showed `shown` lines, the last of them `last`: after that line where
 * the count says it is (the stream brought a prefix), else after its last
 * occurrence, else n (it is not in the record: show nothing more). */
size_t	 opctl_follow_resume(const char *text, size_t n, size_t shown,
	    const char *last);

/* Wait for deployment id to end, telling its status as it changes.
 * OPCTL_OK when it succeeded, OPCTL_EFAILED when not. */
enum opctl_exit	opctl_follow_deployment(struct opctl *o, const char *id,
	    json_t **dep);

/* --- commands: one file per group --------------------------------------- */

struct opctl_cmd;

/* A command: its arguments are what follows its name (and verb). */
typedef enum opctl_exit	opctl_cmd_run(struct opctl *o,
    const struct opctl_cmd *cmd, int argc, char **argv);
typedef opctl_cmd_run	*opctl_cmd_fn;

struct opctl_cmd {
	const char	*group;		/* "projects" */
	const char	*verb;		/* "list", or NULL for a lone command */
	opctl_cmd_fn	 fn;
	const char	*usage;		/* "projects list [--team TEAM]" */
	const char	*summary;
};

extern const struct opctl_cmd	opctl_auth_cmds[];
extern const struct opctl_cmd	opctl_project_cmds[];
extern const struct opctl_cmd	opctl_container_cmds[];
extern const struct opctl_cmd	opctl_source_cmds[];
extern const struct opctl_cmd	opctl_deploy_cmds[];
extern const struct opctl_cmd	opctl_backup_cmds[];
extern const struct opctl_cmd	opctl_audit_cmds[];

/* Parse a command's arguments, printing its usage for -h/--help or after a
 * usage error: OPCTL_OK to go on, or the status to return at once (a help
 * request returns -1 as "done", mapped to OPCTL_OK by the caller). */
int	 opctl_cmd_args(struct opctl *o, const struct opctl_cmd *cmd,
	    struct opctl_args *a, int argc, char **argv,
	    const struct opctl_opt *opts, int minpos, int maxpos);

/* In a command function (o, cmd, argc, argv and a struct opctl_args a
 * in scope): parse its arguments, or return what that says. */
#define OPCTL_ARGS(opts, min, max) do {					\
	int	 rc_ = opctl_cmd_args(o, cmd, &a, argc, argv, (opts),	\
		    (min), (max));					\
	if (rc_ != 0)							\
		return rc_ < 0 ? OPCTL_OK : (enum opctl_exit)rc_;	\
} while (0)

/* The command of table cmds named group (and verb, for a group). */
const struct opctl_cmd	*opctl_cmd_find(const struct opctl_cmd *cmds,
	    const char *group, const char *verb);

/* Print a list answer: a table in human mode, the JSON with --json. */
enum opctl_exit	opctl_show_list(struct opctl *o, json_t *list,
	    const struct opctl_col *cols);

/* Print one object: a record in human mode, the JSON with --json. */
enum opctl_exit	opctl_show_one(struct opctl *o, json_t *obj,
	    const struct opctl_col *cols);

#endif
