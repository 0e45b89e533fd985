/*
 * git.c — a build's source: a shallow fetch of exactly one ref, and the
 * tree of its commit as the build context (git archive: a tar of the
 * tracked files only, never .git, never what a checkout would run).
 *
 * git runs through the exec helper with an argv and "--" before every
 * URL or ref, in an environment we write whole: no system or global
 * configuration, no prompts, only the transports we allow
 * (GIT_ALLOW_PROTOCOL, which also rules out "ext::" and "fd::"), a
 * timeout on each step. A token travels as an HTTP header in the
 * environment (never in the URL, the argv or the log); a deploy key in
 * a 0600 file of the build's own directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builds.h"

#define GIT		"/usr/bin/git"
#define GIT_OUT_MAX	(64 * 1024)
#define ENV_MAX		16

/* The environment of every git step, built once per fetch. */
struct git_env {
	const char	*vars[ENV_MAX + 1];
	size_t		 n;
};

static void
env_put(struct git_env *e, const char *var)
{
	if (e->n < ENV_MAX && var != NULL)
		e->vars[e->n++] = var;
	e->vars[e->n] = NULL;
}

/* An absolute file:// or / path under OP_GIT_LOCAL_ROOT, when an instance
 * admin set one. */
int
git_local_allowed(const char *url)
{
	const char	*root = op_config_get("OP_GIT_LOCAL_ROOT", NULL);
	const char	*path = url;
	char		 real[PATH_MAX], rroot[PATH_MAX];
	size_t		 n;

	if (root == NULL || root[0] != '/')
		return 0;
	if (strncmp(path, "file://", 7) == 0)
		path += 7;
	if (path[0] != '/' || realpath(path, real) == NULL ||
	    realpath(root, rroot) == NULL)
		return 0;
	n = strlen(rroot);
	return strncmp(real, rroot, n) == 0 && (real[n] == '/' ||
	    real[n] == '\0');
}

static enum op_err
env_build(struct op_req *r, struct git_env *e, const char *dir,
    const struct git_source *src)
{
	char	*b64, *pair;
	size_t	 cap;

	e->n = 0;
	env_put(e, "PATH=/usr/bin:/bin");
	env_put(e, op_req_printf(r, "HOME=%s", dir));
	env_put(e, "LC_ALL=C");
	env_put(e, "GIT_TERMINAL_PROMPT=0");
	env_put(e, "GIT_CONFIG_NOSYSTEM=1");
	env_put(e, "GIT_CONFIG_GLOBAL=/dev/null");
	env_put(e, git_local_allowed(src->url) ?
	    "GIT_ALLOW_PROTOCOL=http:https:ssh:file" :
	    "GIT_ALLOW_PROTOCOL=http:https:ssh");
	if (src->token != NULL) {
		pair = op_req_printf(r, "x-access-token:%s", src->token);
		cap = sodium_base64_ENCODED_LEN(strlen(pair),
		    sodium_base64_VARIANT_ORIGINAL);
		if ((b64 = op_req_alloc(r, cap)) == NULL)
			return OP_ENOMEM;
		sodium_bin2base64(b64, cap, (unsigned char *)pair, strlen(pair),
		    sodium_base64_VARIANT_ORIGINAL);
		op_wipe(pair, strlen(pair));
		env_put(e, "GIT_CONFIG_COUNT=1");
		env_put(e, "GIT_CONFIG_KEY_0=http.extraHeader");
		env_put(e, op_req_printf(r, "GIT_CONFIG_VALUE_0=Authorization: "
		    "Basic %s", b64));
	}
	if (src->ssh_key != NULL)
		/* Only our own paths: git hands this to a shell. */
		env_put(e, op_req_printf(r, "GIT_SSH_COMMAND=ssh -i "
		    "%s/deploy_key -o IdentitiesOnly=yes -o BatchMode=yes"
		    " -o StrictHostKeyChecking=accept-new"
		    " -o UserKnownHostsFile=%s", dir, src->known_hosts));
	return OP_OK;
}

/* Run git with argv[1..] (NULL-terminated); its output to the build log
 * (out, when not NULL, gets a copy: arena). OP_EINVAL when it failed. */
static enum op_err
git(struct op_req *r, const char *build_id, struct git_env *e,
    const char *const *argv, const char **out)
{
	struct op_exec		x;
	struct op_exec_result	res;
	enum op_err		er;

	memset(&x, 0, sizeof(x));
	x.argv = argv;
	x.envp = e->vars;
	x.timeout_ms = GIT_TIMEOUT_MS;
	x.out_max = GIT_OUT_MAX;
	if ((er = op_exec_run(&x, &res)) != OP_OK)
		return er;
	if (res.out.len > 0 && out == NULL)
		(void)buildlog_add(r, build_id, res.out.data, res.out.len);
	if (out != NULL)
		*out = op_req_strdup(r, res.out.data != NULL ? res.out.data : "");
	er = res.timed_out ? OP_ETIMEOUT : res.status != 0 ? OP_EINVAL : OP_OK;
	op_buf_clear(&res.out);
	return er;
}

/* The deploy key into dir/deploy_key, readable by us only. */
static enum op_err
key_write(const char *dir, const char *key)
{
	char	path[PATH_MAX];
	size_t	len = strlen(key);
	int	fd, ok;

	snprintf(path, sizeof(path), "%s/deploy_key", dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) < 0)
		return OP_EIO;
	ok = write(fd, key, len) == (ssize_t)len &&
	    (len > 0 && key[len - 1] == '\n' ? 1 : write(fd, "\n", 1) == 1);
	close(fd);
	return ok ? OP_OK : OP_EIO;
}

/* Fetch ref: shallow first; a commit the server will not hand out by
 * id is found in a full fetch of its branches. */
static enum op_err
fetch(struct op_req *r, const char *build_id, struct git_env *e,
    const char *repo, const struct git_source *src)
{
	const char	*shallow[] = { GIT, "-C", repo, "fetch", "--quiet",
	    "--no-tags", "--depth", "1", "--", src->url, src->ref, NULL };
	const char	*full[] = { GIT, "-C", repo, "fetch", "--quiet",
	    "--no-tags", "--", src->url, "+refs/heads/*:refs/remotes/src/*",
	    NULL };
	enum op_err	 er;

	if ((er = git(r, build_id, e, shallow, NULL)) != OP_EINVAL ||
	    !op_git_is_commit(src->ref))
		return er;
	(void)buildlog_printf(r, build_id, "the server will not send commit "
	    "%s alone; fetching its branches", src->ref);
	return git(r, build_id, e, full, NULL);
}

/* Is what the fetch brought over OP_GIT_MAX_MB (git count-objects)? */
static int
too_large(struct op_req *r, const char *build_id, struct git_env *e,
    const char *repo)
{
	const char	*argv[] = { GIT, "-C", repo, "count-objects", "-v", NULL };
	const char	*out = NULL, *p;
	long long	 kib = 0, max = op_config_int("OP_GIT_MAX_MB", 1024, 1,
	    1024 * 1024);

	if (git(r, build_id, e, argv, &out) != OP_OK)
		return 0;
	for (p = out; (p = strstr(p, "size")) != NULL; p++) {
		long long	v = 0;

		/* "size: N" (loose) and "size-pack: N", in KiB */
		if (sscanf(p, "size: %lld", &v) == 1 ||
		    sscanf(p, "size-pack: %lld", &v) == 1)
			kib += v;
	}
	return kib > max * 1024;
}

enum op_err
git_fetch(struct op_req *r, const char *build_id, const char *dir,
    const struct git_source *src, char commit[65], const char **why)
{
	struct git_env	 e;
	const char	*repo = op_req_printf(r, "%s/repo", dir);
	const char	*tar = op_req_printf(r, "%s/context.tar", dir);
	const char	*rev, *tree, *out = NULL;
	enum op_err	 er;

	*why = NULL;
	if ((er = env_build(r, &e, dir, src)) != OP_OK)
		return er;
	if (src->ssh_key != NULL && (er = key_write(dir, src->ssh_key)) !=
	    OP_OK)
		return er;
	{
		const char *init[] = { GIT, "init", "--quiet", "--", repo,
		    NULL };

		if ((er = git(r, build_id, &e, init, NULL)) != OP_OK) {
			*why = "git init failed";
			return er;
		}
	}
	(void)buildlog_printf(r, build_id, "fetching %s at %s", src->url,
	    src->ref);
	if ((er = fetch(r, build_id, &e, repo, src)) != OP_OK) {
		*why = er == OP_ETIMEOUT ? "the fetch took too long" :
		    "the repository or the ref could not be fetched";
		return OP_EINVAL;
	}
	if (too_large(r, build_id, &e, repo)) {
		*why = "the repository is larger than OP_GIT_MAX_MB";
		return OP_EINVAL;
	}
	rev = op_git_is_commit(src->ref) ? op_req_printf(r, "%s^{commit}",
	    src->ref) : "FETCH_HEAD^{commit}";
	{
		const char *parse[] = { GIT, "-C", repo, "rev-parse", "--verify",
		    "--quiet", "--end-of-options", rev, NULL };

		if (git(r, build_id, &e, parse, &out) != OP_OK ||
		    strlen(out) < 40) {
			*why = "the ref names no commit";
			return OP_EINVAL;
		}
	}
	snprintf(commit, 65, "%.*s", (int)strcspn(out, "\n"), out);
	(void)buildlog_printf(r, build_id, "commit %s", commit);
	tree = strcmp(src->context, ".") == 0 ? commit :
	    op_req_printf(r, "%s:%s", commit, src->context);
	{
		const char *archive[] = { GIT, "-C", repo, "archive",
		    "--format=tar", "-o", tar, "--end-of-options", tree, NULL };

		if (git(r, build_id, &e, archive, NULL) != OP_OK) {
			*why = "the build context could not be made (is the "
			    "context directory in the repository?)";
			return OP_EINVAL;
		}
	}
	return OP_OK;
}
