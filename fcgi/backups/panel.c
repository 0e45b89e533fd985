/*
 * panel.c — the panel's own backup, so that a lost server can be
 * rebuilt: its configuration file, its keys (only into an encrypted
 * archive), and a pg_dump of its database (every service's schema),
 * streamed through lib/exec.c with an argv. The archive is a sequence
 * of named files, each in length-prefixed chunks (the dump's length is
 * not known before it ends):
 *
 *	"OPPANEL1\n"
 *	"F <name>\n" then "<hex length>\n<bytes>"… then "0\n"	per file
 *	"E\n"
 *
 * `op-backups restore-panel` unpacks one on the rebuilt server.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backups.h"

#define PANEL_MAGIC	"OPPANEL1\n"
#define NAME_MAX_LEN	200
#define CHUNK_MAX	(1u << 24)	/* what a reader accepts per chunk */
#define DUMP_MS		(6 * 3600 * 1000)

/* The keys of the panel, by the configuration key naming each file. */
static const char *const key_settings[] = {
	"OP_SECRET_KEY_FILE", "OP_JWT_KEY_FILE", "OP_BACKUP_KEY_FILE",
};

const char *
panel_config_path(void)
{
	return getenv("OP_CONFIG") ? getenv("OP_CONFIG") :
	    "/etc/openpanel/openpanel.conf";
}

/* ---- writing ---- */

struct writer {
	bk_sink		 sink;
	void		*arg;
	struct job	*j;
	enum op_err	 er;		/* the first failure */
};

static enum op_err
put(struct writer *w, const void *data, size_t len)
{
	if (w->er == OP_OK && len > 0)
		w->er = w->sink(w->arg, data, len);
	return w->er;
}

static enum op_err
put_chunk(struct writer *w, const void *data, size_t len)
{
	char	head[32];

	snprintf(head, sizeof(head), "%zx\n", len);
	if (put(w, head, strlen(head)) != OP_OK)
		return w->er;
	return put(w, data, len);
}

/* The exec helper's sink: pg_dump's stdout, one chunk per read (the
 * job's sink keeps its lease). */
static int
dump_chunk(void *arg, const char *data, size_t len)
{
	struct writer	*w = arg;

	return put_chunk(w, data, len) != OP_OK;
}

/* One whole file from disk as section name. */
static enum op_err
put_file(struct writer *w, const char *name, const char *path)
{
	char	buf[16384], head[NAME_MAX_LEN + 8];
	ssize_t	n;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return OP_ENOTFOUND;
	snprintf(head, sizeof(head), "F %s\n", name);
	(void)put(w, head, strlen(head));
	while (w->er == OP_OK && (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			w->er = OP_EIO;
			break;
		}
		(void)put_chunk(w, buf, (size_t)n);
	}
	close(fd);
	return put(w, "0\n", 2);
}

/* pg_dump of the panel's database as section database.sql, as op-backups'
 * own role (which sql/bootstrap.sql lets read every schema); its
 * connection settings go in pg_dump's environment, not its argv. */
static enum op_err
put_dump(struct writer *w, const char **why)
{
	char			 conninfo[1024], **env = NULL;
	const char *const	 argv[] = { op_config_get("OP_PG_DUMP",
				    "/usr/bin/pg_dump"), "--clean",
				    "--if-exists", "--no-password", NULL };
	struct op_exec		 x = { .argv = argv, .timeout_ms = DUMP_MS,
				       .out_max = 2048, .sink = dump_chunk,
				       .sink_arg = w };
	struct op_exec_result	 res;
	enum op_err		 er;

	if (op_db_conninfo("backups", conninfo, sizeof(conninfo)) != OP_OK) {
		*why = "the panel's database settings are too long";
		return OP_EINVAL;
	}
	er = op_pgenv(conninfo, &env, why);
	op_wipe(conninfo, sizeof(conninfo));
	if (er != OP_OK)
		return er;
	x.envp = (const char *const *)env;
	if ((er = put(w, "F database.sql\n", 15)) != OP_OK)
		goto out;
	if ((er = op_exec_run(&x, &res)) != OP_OK) {
		*why = w->er == OP_ECONFLICT ? "the lease was lost to another "
		    "worker" : "the panel's database could not be dumped";
		er = w->er != OP_OK ? w->er : er;
		goto out;
	}
	if (res.status != 0) {
		job_log(w->j, "pg_dump exited with %d: %.300s", res.status,
		    res.out.data);
		*why = "pg_dump of the panel's database failed";
		er = OP_EUNAVAIL;
	}
	op_buf_clear(&res.out);
	if (er == OP_OK)
		er = put(w, "0\n", 2);
out:
	op_pgenv_free(env);
	return er;
}

enum op_err
panel_dump(struct op_req *r, struct job *j, int encrypted, bk_sink sink,
    void *arg, const char **why)
{
	struct writer	 w = { sink, arg, j, OP_OK };
	const char	*path;
	char		*copy, name[NAME_MAX_LEN];
	size_t		 i;

	job_log(j, "archiving the panel: configuration, %s, database",
	    encrypted ? "keys" : "no keys");
	(void)put(&w, PANEL_MAGIC, strlen(PANEL_MAGIC));
	if (put_file(&w, "openpanel.conf", panel_config_path()) ==
	    OP_ENOTFOUND) {
		*why = "the panel's configuration file cannot be read";
		return OP_ENOTFOUND;
	}
	for (i = 0; encrypted && i < nitems(key_settings); i++) {
		if ((path = op_config_get(key_settings[i], NULL)) == NULL ||
		    (copy = op_req_strdup(r, path)) == NULL)
			continue;
		snprintf(name, sizeof(name), "keys/%s", basename(copy));
		if (put_file(&w, name, path) == OP_OK)
			job_log(j, "key %s included (%s)", name,
			    key_settings[i]);
	}
	if (!encrypted)
		job_log(j, "keys left out: the archive is not encrypted");
	if (w.er == OP_OK && put_dump(&w, why) != OP_OK)
		return w.er != OP_OK ? w.er : OP_EUNAVAIL;
	if (put(&w, "E\n", 2) != OP_OK && *why == NULL)
		*why = "the archive could not be written";
	return w.er;
}

/* ---- reading (restore-panel) ---- */

/* A name of the archive that may be written under the output directory:
 * openpanel.conf, database.sql, keys/<plain name>. */
int
panel_name_ok(const char *name)
{
	const char	*k;

	if (strcmp(name, "openpanel.conf") == 0 ||
	    strcmp(name, "database.sql") == 0)
		return 1;
	if (strncmp(name, "keys/", 5) != 0)
		return 0;
	k = name + 5;
	return *k != '\0' && *k != '.' && strspn(k, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == strlen(k);
}

struct reader {
	const char	*dir;
	int		 state;		/* 0 magic, 1 section, 2 length, 3 data,
					   4 ended */
	char		 line[NAME_MAX_LEN + 8];
	size_t		 llen;
	uint64_t	 left;		/* bytes of the current chunk */
	int		 fd;		/* the file being written, or -1 */
	const char	*why;
};

/* Open the file of section name under dir (0600, keys/ made 0700). */
static enum op_err
section_open(struct reader *x, const char *name)
{
	char	path[4096];

	if (!panel_name_ok(name)) {
		x->why = "the archive names a file it may not write";
		return OP_EINVAL;
	}
	if (strncmp(name, "keys/", 5) == 0) {
		snprintf(path, sizeof(path), "%s/keys", x->dir);
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			return OP_EIO;
	}
	snprintf(path, sizeof(path), "%s/%s", x->dir, name);
	if ((x->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) < 0) {
		x->why = "cannot write into the output directory";
		return OP_EIO;
	}
	printf("%s\n", path);
	return OP_OK;
}

/* One complete line of the framing. */
static enum op_err
frame_line(struct reader *x)
{
	char		*end;
	uint64_t	 n;

	x->line[x->llen] = '\0';
	x->llen = 0;
	switch (x->state) {
	case 0:
		x->state = 1;
		return strcmp(x->line, "OPPANEL1") == 0 ? OP_OK : OP_EINVAL;
	case 1:
		if (strcmp(x->line, "E") == 0) {
			x->state = 4;
			return OP_OK;
		}
		if (strncmp(x->line, "F ", 2) != 0)
			return OP_EINVAL;
		x->state = 2;
		return section_open(x, x->line + 2);
	default:
		errno = 0;
		n = strtoull(x->line, &end, 16);
		if (errno != 0 || *end != '\0' || end == x->line ||
		    n > CHUNK_MAX)
			return OP_EINVAL;
		if (n == 0) {
			close(x->fd);
			x->fd = -1;
			x->state = 1;
		} else {
			x->left = n;
			x->state = 3;
		}
		return OP_OK;
	}
}

/* The decoder's sink: the framed archive into files under dir. */
static enum op_err
unpack(void *arg, const void *data, size_t len)
{
	struct reader	*x = arg;
	const char	*p = data;
	size_t		 n;
	ssize_t		 w;
	enum op_err	 er;

	while (len > 0) {
		if (x->state == 4)
			return OP_EINVAL;	/* bytes past the end */
		if (x->state == 3) {
			n = len < x->left ? len : (size_t)x->left;
			if ((w = write(x->fd, p, n)) < 0)
				return OP_EIO;
			p += w;
			len -= (size_t)w;
			if ((x->left -= (uint64_t)w) == 0)
				x->state = 2;
			continue;
		}
		if (*p == '\n') {
			if ((er = frame_line(x)) != OP_OK)
				return er;
		} else if (x->llen + 1 >= sizeof(x->line))
			return OP_EINVAL;
		else
			x->line[x->llen++] = *p;
		p++;
		len--;
	}
	return OP_OK;
}

/* Stream the file at path through the decoder into x. */
static enum op_err
decode_file(const char *path, struct reader *x)
{
	struct codec	*c = NULL;
	unsigned char	 buf[65536];
	char		 sha[65];
	uint64_t	 size;
	ssize_t		 n;
	int		 fd, encrypted;
	enum op_err	 er;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		x->why = "cannot read the archive";
		return OP_ENOTFOUND;
	}
	/* Sealed archives start with the codec's magic, plain ones are
	 * gzip. */
	n = read(fd, buf, 5);
	encrypted = n == 5 && memcmp(buf, "OPBK1", 5) == 0;
	if (lseek(fd, 0, SEEK_SET) != 0 || (er = codec_dec_new(encrypted,
	    unpack, x, &c)) != OP_OK) {
		close(fd);
		return OP_EIO;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if ((er = codec_write(c, buf, (size_t)n)) != OP_OK)
			break;
	if (n < 0)
		er = OP_EIO;
	if (er == OP_OK)
		er = codec_finish(c, sha, &size);
	if (er == OP_OK) {
		fprintf(stderr, "archive sha256 %s, %llu bytes\n", sha,
		    (unsigned long long)size);
		fflush(stderr);
	}
	codec_free(c);
	close(fd);
	if (er != OP_OK && x->why == NULL)
		x->why = "the archive is damaged, not a panel backup, or "
		    "sealed under another key (OP_BACKUP_KEY_FILE)";
	return er;
}

/* Load dir/database.sql into the database at conninfo with psql (its
 * connection settings in psql's environment, not its argv). */
static enum op_err
load_database(const char *dir, const char *conninfo, const char **why)
{
	char			 file[4096], **env;
	const char *const	 argv[] = { op_config_get("OP_PSQL",
				    "/usr/bin/psql"), "-X", "-q", "-v",
				    "ON_ERROR_STOP=1", "--single-transaction",
				    "--no-password", "-f", file, NULL };
	struct op_exec		 x = { .argv = argv, .timeout_ms = DUMP_MS,
				       .out_max = 8192 };
	struct op_exec_result	 res;
	enum op_err		 er;

	snprintf(file, sizeof(file), "%s/database.sql", dir);
	if ((er = op_pgenv(conninfo, &env, why)) != OP_OK)
		return er;
	x.envp = (const char *const *)env;
	er = op_exec_run(&x, &res);
	op_pgenv_free(env);
	if (er != OP_OK) {
		*why = "psql could not be run";
		return er;
	}
	if (res.status != 0) {
		fprintf(stderr, "%s", res.out.data);
		*why = "psql did not load the database";
		er = OP_EUNAVAIL;
	}
	op_buf_clear(&res.out);
	return er;
}

int
panel_restore_command(int argc, char *argv[])
{
	struct reader	 x;
	const char	*why = NULL;
	enum op_err	 er;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: op-backups restore-panel <archive> "
		    "<output directory> [<database conninfo>]\n");
		return 2;
	}
	memset(&x, 0, sizeof(x));
	x.dir = argv[3];
	x.fd = -1;
	if (mkdir(x.dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "restore-panel: cannot make %s\n", x.dir);
		return 1;
	}
	(void)codec_init();	/* only a sealed archive needs the key */
	er = decode_file(argv[2], &x);
	if (x.fd >= 0)
		close(x.fd);
	if (er == OP_OK && x.state != 4) {
		x.why = "the archive ends early";
		er = OP_EINVAL;
	}
	if (er != OP_OK) {
		fprintf(stderr, "restore-panel: %s\n", x.why ? x.why :
		    "failed");
		return 1;
	}
	if (argc == 5 && load_database(x.dir, argv[4], &why) != OP_OK) {
		fprintf(stderr, "restore-panel: %s\n", why);
		return 1;
	}
	if (argc == 5)
		fprintf(stderr, "restore-panel: the database is loaded\n");
	return 0;
}
