/*
 * builds.h — private to op-builds: git sources and webhooks, builds and
 * deployments as jobs, and the worker that runs them.
 */
#ifndef BUILDS_H
#define BUILDS_H

#include "openpanel.h"

#define GIT_TIMEOUT_MS		(5 * 60 * 1000)	/* one clone */
#define BUILD_LOG_LINE_MAX	4096		/* bytes kept of one line */

/* Handlers, one file per group. */
enum op_err	sources_get(struct op_req *);		/* sources.c */
enum op_err	sources_put(struct op_req *);
enum op_err	sources_delete(struct op_req *);
enum op_err	sources_deploy_key(struct op_req *);
enum op_err	webhook_get(struct op_req *);
enum op_err	webhook_rotate(struct op_req *);
enum op_err	builds_create(struct op_req *);		/* builds.c */
enum op_err	builds_list(struct op_req *);
enum op_err	builds_get(struct op_req *);
enum op_err	builds_logs(struct op_req *);
enum op_err	builds_cancel(struct op_req *);
enum op_err	deployments_create(struct op_req *);	/* deployments.c */
enum op_err	deployments_list(struct op_req *);
enum op_err	deployments_get(struct op_req *);
enum op_err	deployments_rollback(struct op_req *);
enum op_err	webhooks_github(struct op_req *);	/* webhooks.c */
enum op_err	webhooks_gitlab(struct op_req *);
enum op_err	webhooks_bitbucket(struct op_req *);
enum op_err	webhooks_generic(struct op_req *);

/* page.c — row id as sql (one $1, the id) selects it, as JSON (new
 * reference), or NULL when there is none. */
json_t		*row_json(struct op_req *, const char *sql, const char *id);
/*
 * Reply with a page of rows for sql, made by PAGE_SQL: the
 * newest first of project (when set: the caller must be able to read it)
 * or else of the caller's teams, with status (when not NULL and set),
 * after the row of id after, at most limit (50).
 */
#define PAGE_SQL(columns, table, a)					\
	"SELECT " columns " FROM " table " " a " WHERE ($1::uuid IS NULL" \
	" OR " a ".project_id = $1) AND ($2::text IS NULL OR " a	\
	".status = $2) AND ($5 OR " a ".team_id IN (SELECT team_id FROM" \
	" auth.team_members_v WHERE user_id = $6)) AND ($3::uuid IS NULL" \
	" OR (" a ".created_at, " a ".id) < (SELECT created_at, id FROM " \
	table " WHERE id = $3)) ORDER BY " a ".created_at DESC, " a	\
	".id DESC LIMIT $4::int"
enum op_err	page_reply(struct op_req *, const char *sql,
		    const struct op_value *project,
		    const struct op_value *status,
		    const struct op_value *limit,
		    const struct op_value *after);

/* builds.c: a git URL a source may use (network, or local under
 * OP_GIT_LOCAL_ROOT); build arguments (an object of KEY: text) at field. */
enum op_err	valid_source_url(const char *, const char **why);
enum op_err	build_args_check(struct op_req *, json_t *args,
		    const char *field);

/*
 * The row id that sql (one $1, selecting project_id) finds, in a project
 * the caller may act on: its project and team ids. None, or another
 * team's, is OP_ENOTFOUND "no such <what>".
 */
enum op_err	row_authorize(struct op_req *, const char *sql,
		    const char *what, const char *id, enum op_action act,
		    const char **project_id, const char **team_id);

/* What a new build is made of (strings borrowed). */
struct build_input {
	const char	*project_id;
	const char	*team_id;
	const char	*git_url;
	const char	*git_ref;
	const char	*dockerfile;
	const char	*context;
	json_t		*build_args;	/* borrowed; NULL is {} */
	int		 deploy;
	const char	*trigger;	/* "api" | "webhook" */
};

/*
 * Queue a build in the open transaction (one is begun when none is):
 * its row, build.queued's place in the log, and the supersession of the
 * project's other queued builds. The id goes to id[37]. The caller
 * commits.
 */
enum op_err	build_enqueue(struct op_req *, const struct build_input *,
		    char id[37]);
/* The build as the API answers it (new reference), or NULL. */
json_t		*build_json(struct op_req *, const char *id);

/* What a new deployment is made of. */
struct deploy_input {
	const char	*project_id;
	const char	*team_id;
	const char	*build_id;	/* NULL for an image */
	const char	*image;
	const char	*kind;		/* "deploy" | "rollback" */
	const char	*rollback_of;	/* NULL unless a rollback */
};

/* Queue a deployment in the open transaction; id[37]. The container,
 * port and probe come from the deployment a rollback undoes, else from
 * the project's source (defaults otherwise). */
enum op_err	deploy_enqueue(struct op_req *, const struct deploy_input *,
		    char id[37]);
json_t		*deployment_json(struct op_req *, const char *id);

/* sources.c: the sealed secret of project's webhook (plain, malloc'd)
 * and its project and team, by hook id; OP_ENOTFOUND when none. */
struct hook {
	const char	*project_id;
	const char	*team_id;
	const char	*git_ref;	/* the branch pushes build */
	int		 auto_deploy;	/* pushes deploy what they build */
	char		*secret;	/* malloc'd; wiped and freed by caller */
	size_t		 secret_len;
};
enum op_err	hook_find(struct op_req *, const char *hook_id, struct hook *);

/* payload.c: a delivery read without the database. Does header
 * ("sha256=<64 lower-case hex>") sign body with secret? Is header
 * (GitLab's token) the secret itself? Both in constant time. */
int		payload_signed(const char *secret, size_t secret_len,
		    const char *body, size_t body_len, const char *header);
int		payload_token(const char *secret, size_t secret_len,
		    const char *header);
enum payload_kind {
	PAYLOAD_GITHUB, PAYLOAD_GITLAB, PAYLOAD_BITBUCKET, PAYLOAD_GENERIC
};
/* The ref and commit (each NULL when absent) a push of kind names in
 * body; 0 for a Bitbucket change that is not to a branch. */
int		payload_push(enum payload_kind, json_t *body, const char **ref,
		    const char **commit);
/* What a pushed ref is; *branch the ref without refs/heads/. */
enum payload_ref {
	PAYLOAD_BRANCH,		/* a branch */
	PAYLOAD_NO_REF,		/* the push names no ref */
	PAYLOAD_NOT_BRANCH	/* a tag or another kind of ref */
};
enum payload_ref payload_branch(const char *ref, const char **branch);

/* The generated hostname of a deployed container. */
const char	*deploy_hostname(struct op_req *, const char *container,
		    const char *project_id);

/* --- the worker ---------------------------------------------------- */

/* A job claimed under a lease: which table, which row, who holds it. */
struct job {
	const char	*table;		/* "builds" | "deployments" */
	char		 id[37];
	char		 owner[64];	/* this worker */
	int		 attempts;	/* which try this claim is */
	volatile int	 lost;		/* the lease could not be renewed */
	volatile int	 cancel;	/* the row asks to stop */
	volatile int	*stop;		/* the worker's: SIGTERM came */
};

/* queue.c — is j to be left as it is, now: its lease lost, or the worker
 * stopping? Nothing more of it is written; its lease runs out and a
 * worker takes it over, as after a crash. */
int		job_abandoned(const struct job *);

/* queue.c — claim the next ready job of table (OP_ENOTFOUND: none). */
enum op_err	job_claim(struct op_req *, const char *table, struct job *);
/* Renew j's lease every few seconds on a connection of its own until
 * job_release; sets j->lost, j->cancel as the row says. */
enum op_err	job_hold(struct job *);
void		job_release(struct job *);
/* Finish j in the open transaction: OP_ECONFLICT when its lease is no
 * longer ours (another worker took it over). */
enum op_err	job_owned(struct op_req *, struct job *);
/* Put j back with a delay after a failure it may recover from. */
enum op_err	job_retry(struct op_req *, struct job *, const char *why);
/* The loop of `op-builds work`, beside the outbox relay. */
enum op_err	worker_run(const struct op_service *, struct op_db *,
		    volatile int *stop);

/* buildlog.c — append text (one or more lines) to build id's log and
 * its live channel. */
enum op_err	buildlog_add(struct op_req *, const char *id, const char *text,
		    size_t len);
enum op_err	buildlog_printf(struct op_req *, const char *id,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* git.c — fetch url at ref into dir/repo (shallow) and write the tree of
 * the commit (or its subdirectory context) as a tar to dir/context.tar;
 * the commit id to commit[65]. Failures are logged to the build log and
 * answered as OP_EINVAL with a reason in *why (arena). */
struct git_source {
	const char	*url;
	const char	*ref;
	const char	*context;
	const char	*token;		/* plain, or NULL */
	const char	*ssh_key;	/* plain private key, or NULL */
	const char	*known_hosts;	/* the project's host keys (a path of
					 * ours): the first key seen is kept */
};
enum op_err	git_fetch(struct op_req *, const char *build_id,
		    const char *dir, const struct git_source *,
		    char commit[65], const char **why);

/* image.c — build dir/context.tar into tag through the engine, streaming
 * its output into the build log; *why (arena) on failure. */
enum op_err	image_build(struct op_req *, struct job *, const char *dir,
		    const char *dockerfile, json_t *build_args,
		    const char *tag, char image_id[80], const char **why);
/* Remove the project's images beyond the newest keep (never one a
 * deployment runs now). */
void		image_prune(struct op_req *, const char *project_id, int keep);

/* health.c — wait until the new container is ready for traffic: the
 * image's health check, else an HTTP probe of health_path on host_port,
 * else a TCP connect to it, else still running. *why (arena) when not. */
struct health_target {
	const char	*docker_id;
	long		 host_port;	/* 0: none published */
	const char	*health_path;	/* NULL: no HTTP probe */
};
enum op_err	health_wait(struct op_req *, struct job *, struct op_docker *,
		    const struct health_target *, const char **why);

/* swarm_wait.c — follow the rolling update of a swarm container's
 * service until Swarm ends it: OP_OK when the service runs image,
 * OP_EINVAL with *why (arena) when it rolled back, paused or took past
 * OP_DEPLOY_SWARM_TIMEOUT_S. */
enum op_err	swarm_wait(struct op_req *, struct job *, struct op_docker *,
		    const char *service_id, const char *image,
		    const char **why);

/* git.c: may url name a local repository (under OP_GIT_LOCAL_ROOT)? */
int		git_local_allowed(const char *url);

/* The engine client of this process (NULL when it cannot be made). */
struct op_docker *builds_engine(void);

/* run_build.c / run_deploy.c — one claimed job, start to end. */
void		build_run(struct op_req *, struct job *);
void		deploy_run(struct op_req *, struct job *);

#endif
