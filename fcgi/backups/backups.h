/*
 * backups.h — private to op-backups: storage targets, the archive codec,
 * the Docker streams, jobs, and the handlers.
 */
#ifndef BACKUPS_H
#define BACKUPS_H

#include "openpanel.h"

#define ENGINE_MS	(6 * 3600 * 1000)	/* a dump may stream for long */
#define LOG_MAX		8192			/* bytes of a job's log kept */

/* Where a pipeline's bytes go: OP_OK, or an error that stops it. */
typedef enum op_err (*bk_sink)(void *arg, const void *data, size_t len);

/* ---- storage.c, s3.c, local.c: where archives are kept ---- */

/* A storage row, its secret opened (wiped by target_clear). */
struct target {
	char		 id[37];
	char		 team_id[37];
	char		 type[8];		/* "s3" or "local" */
	char		*endpoint, *region, *bucket, *prefix, *path;
	char		*access_key, *secret_key;
	int		 path_style;
};

/* Load storage id (any team: the caller scoped it) into *t. */
enum op_err	target_load(struct op_db *, const char *id, struct target *t);
void		target_clear(struct target *);
/* Can the target be written? *why says what failed for the caller. */
enum op_err	target_check(struct target *, const char **why);

/* One object being written; nothing is visible under key until commit. */
struct target_writer;
/* on_upload(arg, upload_id) is told an S3 multipart upload's id as soon
 * as it exists (so that a crash can be cleaned up); may be NULL. */
enum op_err	target_writer_open(struct target *, const char *key,
		    enum op_err (*on_upload)(void *, const char *), void *arg,
		    struct target_writer **out);
enum op_err	target_writer_write(void *w, const void *, size_t);
/* Commit (complete the upload, rename the file) or, when !commit,
 * abort and remove what was written. Frees w. */
enum op_err	target_writer_close(struct target_writer *w, int commit);
/* Remove what a crashed run left behind at key: its S3 multipart upload
 * (upload_id, when one had begun) or its local partial file. */
enum op_err	target_abort_upload(struct target *, const char *key,
		    const char *upload_id);
/* Stream the object at key to sink. OP_ENOTFOUND when absent. */
enum op_err	target_read(struct target *, const char *key, bk_sink sink,
		    void *arg);
enum op_err	target_delete(struct target *, const char *key);

/* s3.c — S3 requests signed by libcurl's SigV4. */
enum op_err	s3_check(struct target *, const char **why);
enum op_err	s3_upload_begin(struct target *, const char *key,
		    char **upload_id);
enum op_err	s3_upload_part(struct target *, const char *key,
		    const char *upload_id, int part, const void *data,
		    size_t len, char **etag);
enum op_err	s3_upload_complete(struct target *, const char *key,
		    const char *upload_id, char *const *etags, int nparts);
enum op_err	s3_upload_abort(struct target *, const char *key,
		    const char *upload_id);
enum op_err	s3_get(struct target *, const char *key, bk_sink sink,
		    void *arg);
enum op_err	s3_delete(struct target *, const char *key);

/* local.c — a directory inside OP_BACKUP_LOCAL_DIRS. */
/* The directory real path for path, when it is inside an allowed one;
 * *why otherwise. *out malloc'd. */
enum op_err	local_resolve(const char *path, char **out, const char **why);

/* ---- codec.c: gzip, optional AES-256-GCM, SHA-256 of what is stored ---- */

/* The key archives are encrypted with (OP_BACKUP_KEY_FILE, or derived
 * from the master key). */
enum op_err	codec_init(void);

struct codec;
/* Encoder: plain bytes in; compressed, maybe encrypted bytes to sink. */
enum op_err	codec_enc_new(int encrypt, bk_sink sink, void *arg,
		    struct codec **out);
/* Decoder: stored bytes in; the plain bytes to sink. */
enum op_err	codec_dec_new(int encrypted, bk_sink sink, void *arg,
		    struct codec **out);
enum op_err	codec_write(void *c, const void *, size_t);
/* Flush; the SHA-256 (hex) and size of the stored form. OP_EINVAL when
 * a decoder's input was damaged (tag, gzip). */
enum op_err	codec_finish(struct codec *, char sha[65], uint64_t *size);
void		codec_free(struct codec *);

/* A streaming SHA-256 (verify before restore). */
struct hasher;
enum op_err	hasher_new(struct hasher **);
enum op_err	hasher_write(void *h, const void *, size_t);
void		hasher_end(struct hasher *, char sha[65], uint64_t *size);

/* ---- engine.c: Docker streams beyond lib's client ---- */

/* Run argv in the container, stdout to sink, stderr into errlog; the
 * exit code in *exit_code. */
enum op_err	engine_exec_out(struct op_docker *, const char *docker_id,
		    json_t *argv, bk_sink sink, void *arg, struct op_buf *errlog,
		    int *exit_code);
/* GET a path of the container (path_q URL-encoded) as a tar stream. */
enum op_err	engine_archive_get(struct op_docker *, const char *docker_id,
		    const char *path_q, bk_sink sink, void *arg);

/* A stream into the engine: an exec's stdin, or a tar being extracted. */
struct engine_pipe;
enum op_err	engine_exec_in(const char *docker_id, json_t *argv,
		    struct op_docker *, struct engine_pipe **out);
enum op_err	engine_archive_put(const char *docker_id, const char *path_q,
		    struct engine_pipe **out);
enum op_err	engine_pipe_write(void *p, const void *, size_t);
/* End the input and wait: the exec's exit code (or 0 for a tar that was
 * extracted, else an error) and what it printed, into log. Frees p. */
enum op_err	engine_pipe_close(struct engine_pipe *, struct op_buf *log,
		    int *exit_code);

/* ---- tarcheck.c: a tar stream filter for restores ---- */

struct tarcheck;
/* Pass a tar stream through to sink, refusing any entry outside root/
 * (absolute, "..", or a link escaping it): OP_EINVAL with *why. */
enum op_err	tarcheck_new(const char *root, bk_sink sink, void *arg,
		    struct tarcheck **out);
enum op_err	tarcheck_write(void *t, const void *, size_t);
enum op_err	tarcheck_finish(struct tarcheck *, const char **why);
void		tarcheck_free(struct tarcheck *);
/* Is name (a tar entry) inside root? link for a link's target. */
int		tarcheck_name_ok(const char *root, const char *name);
int		tarcheck_link_ok(const char *root, const char *entry,
		    const char *target);

/* ---- jobs.c: rows claimed under a lease ---- */

struct job {
	const char	*table;		/* "backups" or "restores" */
	char		 id[37];
	char		 token[48];	/* this claim's lease */
	int		 attempts, max_attempts;
	int64_t		 last_beat;	/* monotonic seconds */
	int		 lost;		/* the lease went to another worker */
	struct op_buf	 log;		/* appended as it runs */
	PGresult	*row;		/* the claimed row */
};

/* Claim the next due job of table: OP_ENOTFOUND when none. */
enum op_err	job_claim(struct op_db *, const char *table, struct job *);
/* Extend the lease when due; OP_ECONFLICT once the lease is lost. */
enum op_err	job_heartbeat(struct op_db *, struct job *);
/* Append a line to the job's log (also written to the row). */
void		job_log(struct job *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* The job failed with why: re-queued with backoff while attempts last
 * (and it is not permanent), else failed for good (*final = 1, and the
 * caller reports it). OP_ECONFLICT when the lease was lost. */
enum op_err	job_fail(struct op_req *, struct job *, const char *why,
		    int permanent, int *final);
/* Record the failure (job_fail) and, when final, report it with event
 * (data, taken, gets the error too) in the same transaction. */
void		job_failed(struct op_req *, struct job *, const char *why,
		    int permanent, const char *event, json_t *data);
/* Fail for good the running jobs whose lease expired with no attempt
 * left, emitting <kind>.failed; re-queue is the claim's business. */
enum op_err	job_sweep(struct op_req *, const char *table,
		    const char *event);
void		job_clear(struct job *);
/* Seconds of a lease (OP_BACKUP_LEASE_S). */
int		job_lease_s(void);

/* ---- run.c, restore.c: what the worker does with a job ---- */

enum op_err	backup_run(struct op_req *, struct op_docker *, struct job *);
/* Remove what failed backups left in their storage, and forget it. */
enum op_err	backup_leftovers_sweep(struct op_req *);
enum op_err	restore_run(struct op_req *, struct op_docker *, struct job *);
/* Object key of a backup. */
char		*backup_object_key(struct op_req *, const struct target *,
		    const char *team_id, const char *backup_id,
		    const char *kind, int encrypted);

/* The dump and restore commands of one database engine. */
struct db_tool {
	const char	*engine;
	const char	*dump[12];	/* argv; "@USER@", "@DB@" replaced */
	const char	*restore[12];	/* NULL[0]: not restorable here */
	const char	*ext;
	/* A drill's check: prints what the database holds (tables, keys)
	 * as one number, exit 0 when the database answers. */
	const char	*check[12];
};
const struct db_tool	*db_tool_find(const char *engine);
/* The argv of a template for (user, db), new reference (NULL: no memory). */
json_t		*db_tool_argv(const char *const *tmpl, const char *user,
		    const char *db);

/* ---- panel.c: the panel's own backup ---- */

/* The configuration file the services read ($OP_CONFIG or the default). */
const char	*panel_config_path(void);
/* Stream the panel's archive (configuration, the keys when encrypted,
 * a pg_dump of its database) to sink, saying in j's log what went in.
 * *why when it fails. */
enum op_err	panel_dump(struct op_req *, struct job *j, int encrypted,
		    bk_sink sink, void *arg, const char **why);
/* May the archive write name under the output directory? */
int		panel_name_ok(const char *name);
/* op-backups restore-panel <archive> <dir> [<conninfo>]: unpack the
 * archive into dir and load its database into conninfo. Exit status. */
int		panel_restore_command(int argc, char *argv[]);

/* ---- scratch.c: new database containers, through op-projects ---- */

/* A new, empty database called name beside the one in container source
 * (same engine, image, project): *container_id (arena). OP_ENOTFOUND
 * with *why when op-projects refused (not worth a retry), OP_EUNAVAIL
 * when it could not be asked. A database of that name made earlier by
 * the same job is answered again. */
enum op_err	scratch_create(struct op_req *, const char *source,
		    const char *name, const char **container_id,
		    const char **why);
/* Wait (the lease kept) until the container is healthy; *why if not. */
enum op_err	scratch_wait_ready(struct op_req *, struct job *,
		    const char *container_id, const char **why);
/* Remove the database container (and its volume) made for a restore. */
enum op_err	scratch_remove(struct op_req *, const char *container_id);

/* ---- schedules.c: the scheduler and retention ---- */

/* The next time (cron, tz) fires after now, RFC 3339 (arena); NULL when
 * never. */
const char	*next_run(struct op_req *, const char *cron, const char *tz);

/* In one transaction: each(r, rows, i) for every row select (locking
 * the due schedules it finds) returns. */
enum op_err	schedules_due(struct op_req *, const char *select,
		    enum op_err (*each)(struct op_req *, PGresult *, int));
/* Queue the backups of every due schedule and move them on. */
enum op_err	schedules_tick(struct op_req *);
/* Delete the generations of schedule_id that its retention drops. */
enum op_err	retention_apply(struct op_req *, const char *schedule_id);
/* Queue one backup of a schedule now: *id the new backup. */
enum op_err	schedule_enqueue(struct op_req *, PGresult *sched, int row,
		    char id[37]);

/* ---- drills.c: restore drills ---- */

/* Queue a drill for every schedule whose drill is due (the latest
 * completed backup into a scratch container) and move it on. */
enum op_err	drills_tick(struct op_req *);
/* After a drill's restore into container into (may be NULL) of engine:
 * unless it failed with why, check it; record the result, remove the
 * container, emit backup.drill_completed or backup.drill_failed. */
void		drill_finish(struct op_req *, struct op_docker *, struct job *,
		    const char *into, const char *engine, const char *why);
/* GET /api/backup-schedules/:id/drills */
enum op_err	schedules_drills(struct op_req *);

/* worker.c */
enum op_err	worker_run(const struct op_service *, struct op_db *,
		    volatile int *stop);

/* ---- objects.c: what the handlers share ---- */

/* Authorise act on row id of backups.<table> through its team (*team,
 * in the arena); absent and another team's are the same 404 (what is
 * its message, e.g. "no such backup"). */
enum op_err	object_authorize(struct op_req *, const char *table,
		    const char *id, enum op_action act, const char *what,
		    const char **team);
/* Answer status with the row select ($1 = id) finds, or a 404. */
enum op_err	object_reply(struct op_req *, int status, const char *select,
		    const char *id, const char *what);
/* GET ?team_id=&limit=&after= : select takes $1 team, $2 after (or
 * NULL), $3 limit + 1, and pages by created_at, id. */
enum op_err	object_list(struct op_req *, const char *select);
/* GET of row :id of backups.<table>: authorised to read, answered with
 * select ($1 = id). */
enum op_err	object_get(struct op_req *, const char *table,
		    const char *what, const char *select);
/* DELETE of row :id of backups.<table> under act: in one transaction
 * guard (may be NULL) refuses (its error answered) or clears the way,
 * then the row goes with the event <subject>.deleted; 204. */
enum op_err	object_delete(struct op_req *, const char *table,
		    enum op_action act, const char *what, const char *subject,
		    enum op_err (*guard)(struct op_req *, const char *id));

/* ---- handlers ---- */
/* storage.c */
enum op_err	storage_create(struct op_req *);
enum op_err	storage_list(struct op_req *);
enum op_err	storage_get(struct op_req *);
enum op_err	storage_delete(struct op_req *);
/* Authorise act on storage id; 404 for another team's. */
enum op_err	storage_authorize(struct op_req *, const char *id,
		    enum op_action act, const char **team_id);
/* api.c */
enum op_err	backups_create(struct op_req *);
enum op_err	backups_list(struct op_req *);
enum op_err	backups_get(struct op_req *);
enum op_err	backups_delete(struct op_req *);
enum op_err	backups_restore(struct op_req *);
enum op_err	restores_get(struct op_req *);
/* Check that what a backup names exists in team (a panel backup names
 * nothing, and only an instance admin asks): *engine for a database
 * (arena). Fails with the error answered. */
enum op_err	backup_source_check(struct op_req *, const char *team_id,
		    const char *kind, const char *container_id,
		    const char *volume, const char **engine);
/* schedules.c */
enum op_err	schedules_create(struct op_req *);
enum op_err	schedules_list(struct op_req *);
enum op_err	schedules_get(struct op_req *);
enum op_err	schedules_update(struct op_req *);
enum op_err	schedules_delete(struct op_req *);
enum op_err	schedules_run(struct op_req *);

#endif
