/*
 * target.c — one interface over the two kinds of storage target: write
 * an object as a stream (committed whole or not at all), read it back as
 * a stream, delete it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backups.h"

#define PART_MIN	(5 * 1024 * 1024)	/* S3's smallest part */
#define PARTS_MAX	10000
#define PART_TRIES	4

static char *
dup_or_null(const PGresult *res, const char *col)
{
	const char	*v = op_db_get(res, 0, col);

	return v != NULL ? strdup(v) : NULL;
}

enum op_err
target_load(struct op_db *db, const char *id, struct target *t)
{
	PGresult	*res = NULL;
	unsigned char	*secret = NULL;
	size_t		 len = 0;
	enum op_err	 er;

	memset(t, 0, sizeof(*t));
	if ((er = op_db_execv(db, &res, "SELECT id, team_id, type, endpoint,"
	    " region, bucket, prefix, path_style, access_key, secret_key, path"
	    " FROM backups.storage WHERE id = $1", id)) != OP_OK)
		return er;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return OP_ENOTFOUND;
	}
	snprintf(t->id, sizeof(t->id), "%s", op_db_get(res, 0, "id"));
	snprintf(t->team_id, sizeof(t->team_id), "%s",
	    op_db_get(res, 0, "team_id"));
	snprintf(t->type, sizeof(t->type), "%s", op_db_get(res, 0, "type"));
	t->endpoint = dup_or_null(res, "endpoint");
	t->region = dup_or_null(res, "region");
	t->bucket = dup_or_null(res, "bucket");
	t->prefix = dup_or_null(res, "prefix");
	t->path = dup_or_null(res, "path");
	t->access_key = dup_or_null(res, "access_key");
	t->path_style = strcmp(op_db_get(res, 0, "path_style"), "t") == 0;
	if (op_db_get(res, 0, "secret_key") != NULL) {
		if ((er = op_secret_open(op_db_get(res, 0, "secret_key"),
		    &secret, &len)) != OP_OK) {
			PQclear(res);
			target_clear(t);
			return OP_EINTERNAL;
		}
		t->secret_key = (char *)secret;	/* NUL-terminated */
	}
	PQclear(res);
	return OP_OK;
}

void
target_clear(struct target *t)
{
	free(t->endpoint);
	free(t->region);
	free(t->bucket);
	free(t->prefix);
	free(t->path);
	free(t->access_key);
	if (t->secret_key != NULL) {
		op_wipe(t->secret_key, strlen(t->secret_key));
		free(t->secret_key);
	}
	memset(t, 0, sizeof(*t));
}

static int
is_s3(const struct target *t)
{
	return strcmp(t->type, "s3") == 0;
}

/* The file of key under a local target's directory, in out. */
static enum op_err
local_file(const struct target *t, const char *key, char out[PATH_MAX])
{
	const char	*why;

	if (op_valid_object_prefix(key, &why) != OP_OK ||
	    snprintf(out, PATH_MAX, "%s/%s", t->path, key) >= PATH_MAX)
		return OP_EINVAL;
	return OP_OK;
}

enum op_err
target_check(struct target *t, const char **why)
{
	char	*real = NULL;
	char	 probe[PATH_MAX];
	int	 fd;

	if (is_s3(t))
		return s3_check(t, why);
	if (local_resolve(t->path, &real, why) != OP_OK)
		return OP_EINVAL;
	snprintf(probe, sizeof(probe), "%s/.openpanel-probe", real);
	free(real);
	if ((fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0) {
		*why = "cannot be written by the panel";
		return OP_EINVAL;
	}
	close(fd);
	unlink(probe);
	return OP_OK;
}

struct target_writer {
	struct target	*t;
	char		*key;
	/* s3 */
	char		*upload_id;
	char		**etags;
	int		 nparts;
	struct op_buf	 part;
	/* local */
	int		 fd;
	char		 tmp[PATH_MAX + 16], dst[PATH_MAX];
};

static size_t
part_size(void)
{
	return (size_t)op_config_int("OP_BACKUP_PART_MB", 8, 5, 512) *
	    1024 * 1024;
}

/* mkdir -p of the directories of file (under the target's own). */
static int
parent_dirs(const char *file, size_t skip)
{
	char	buf[PATH_MAX];
	size_t	i;

	snprintf(buf, sizeof(buf), "%s", file);
	for (i = skip + 1; buf[i] != '\0'; i++)
		if (buf[i] == '/') {
			buf[i] = '\0';
			if (mkdir(buf, 0700) != 0 && errno != EEXIST)
				return -1;
			buf[i] = '/';
		}
	return 0;
}

enum op_err
target_writer_open(struct target *t, const char *key,
    enum op_err (*on_upload)(void *, const char *), void *arg,
    struct target_writer **out)
{
	struct target_writer	*w;
	enum op_err		 er = OP_OK;

	*out = NULL;
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->key = strdup(key)) == NULL) {
		free(w);
		return OP_ENOMEM;
	}
	w->t = t;
	w->fd = -1;
	if (is_s3(t)) {
		op_buf_init(&w->part, part_size());
		if ((er = s3_upload_begin(t, key, &w->upload_id)) == OP_OK &&
		    on_upload != NULL &&
		    (er = on_upload(arg, w->upload_id)) != OP_OK)
			(void)s3_upload_abort(t, key, w->upload_id);
	} else if ((er = local_file(t, key, w->dst)) == OP_OK) {
		if (snprintf(w->tmp, sizeof(w->tmp), "%s.partial", w->dst) >=
		    (int)sizeof(w->tmp))
			er = OP_EINVAL;
		else if (parent_dirs(w->dst, strlen(t->path)) != 0 ||
		    (w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC |
		    O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
			op_warn("backup file %s: %s", w->tmp, strerror(errno));
			er = OP_EIO;
		}
	}
	if (er != OP_OK) {
		free(w->upload_id);
		free(w->key);
		op_buf_clear(&w->part);
		free(w);
		return er;
	}
	*out = w;
	return OP_OK;
}

/* Upload the buffered part, retried with backoff. */
static enum op_err
flush_part(struct target_writer *w)
{
	char		**etags, *etag = NULL;
	enum op_err	  er = OP_EUNAVAIL;
	int		  try;

	if (w->nparts >= PARTS_MAX)
		return OP_ETOOLARGE;
	for (try = 0; try < PART_TRIES; try++) {
		if (try > 0)
			sleep(1u << (try - 1));
		er = s3_upload_part(w->t, w->key, w->upload_id, w->nparts + 1,
		    w->part.data, w->part.len, &etag);
		if (er == OP_OK || er == OP_ENOMEM || er == OP_EFORBIDDEN)
			break;
	}
	if (er != OP_OK)
		return er;
	if ((etags = realloc(w->etags, sizeof(*etags) *
	    (size_t)(w->nparts + 1))) == NULL) {
		free(etag);
		return OP_ENOMEM;
	}
	w->etags = etags;
	w->etags[w->nparts++] = etag;
	op_buf_reset(&w->part);
	return OP_OK;
}

enum op_err
target_writer_write(void *p, const void *data, size_t len)
{
	struct target_writer	*w = p;
	const char		*d = data;
	size_t			 room, n;
	ssize_t			 k;
	enum op_err		 er;

	if (!is_s3(w->t)) {
		while (len > 0) {
			if ((k = write(w->fd, d, len)) < 0) {
				if (errno == EINTR)
					continue;
				return OP_EIO;
			}
			d += k;
			len -= (size_t)k;
		}
		return OP_OK;
	}
	while (len > 0) {
		room = w->part.max - w->part.len;
		n = len < room ? len : room;
		if ((er = op_buf_add(&w->part, d, n)) != OP_OK)
			return er;
		d += n;
		len -= n;
		if (w->part.len == w->part.max &&
		    (er = flush_part(w)) != OP_OK)
			return er;
	}
	return OP_OK;
}

/* Commit a local file: synced, renamed into place, directory synced. */
static enum op_err
local_commit(struct target_writer *w)
{
	char	dir[PATH_MAX], *slash;
	int	dfd;

	if (fsync(w->fd) != 0 || close(w->fd) != 0) {
		w->fd = -1;
		return OP_EIO;
	}
	w->fd = -1;
	if (rename(w->tmp, w->dst) != 0)
		return OP_EIO;
	snprintf(dir, sizeof(dir), "%s", w->dst);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return OP_OK;
}

enum op_err
target_writer_close(struct target_writer *w, int commit)
{
	enum op_err	er = OP_OK;
	int		i;

	if (w == NULL)
		return OP_OK;
	if (is_s3(w->t)) {
		if (commit && (w->part.len > 0 || w->nparts == 0))
			er = flush_part(w);
		if (commit && er == OP_OK)
			er = s3_upload_complete(w->t, w->key, w->upload_id,
			    w->etags, w->nparts);
		if (!commit || er != OP_OK)
			(void)s3_upload_abort(w->t, w->key, w->upload_id);
	} else {
		if (commit)
			er = local_commit(w);
		if (w->fd >= 0)
			close(w->fd);
		if (!commit || er != OP_OK)
			unlink(w->tmp);
	}
	for (i = 0; i < w->nparts; i++)
		free(w->etags[i]);
	free(w->etags);
	free(w->upload_id);
	free(w->key);
	op_buf_clear(&w->part);
	free(w);
	return er;
}

enum op_err
target_abort_upload(struct target *t, const char *key, const char *upload_id)
{
	char	file[PATH_MAX];

	if (is_s3(t))
		return upload_id == NULL ? OP_OK :
		    s3_upload_abort(t, key, upload_id);
	char	tmp[PATH_MAX + 16];

	if (local_file(t, key, file) == OP_OK) {
		snprintf(tmp, sizeof(tmp), "%s.partial", file);
		unlink(tmp);
	}
	return OP_OK;
}

enum op_err
target_read(struct target *t, const char *key, bk_sink sink, void *arg)
{
	char		 file[PATH_MAX], buf[65536];
	ssize_t		 n;
	enum op_err	 er;
	int		 fd;

	if (is_s3(t))
		return s3_get(t, key, sink, arg);
	if ((er = local_file(t, key, file)) != OP_OK)
		return er;
	if ((fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return errno == ENOENT ? OP_ENOTFOUND : OP_EIO;
	er = OP_OK;
	while (er == OP_OK && (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0)
			er = errno == EINTR ? OP_OK : OP_EIO;
		else
			er = sink(arg, buf, (size_t)n);
	}
	close(fd);
	return er;
}

enum op_err
target_delete(struct target *t, const char *key)
{
	char		file[PATH_MAX];
	enum op_err	er;

	if (is_s3(t))
		return s3_delete(t, key);
	if ((er = local_file(t, key, file)) != OP_OK)
		return er;
	if (unlink(file) != 0 && errno != ENOENT)
		return OP_EIO;
	return OP_OK;
}
