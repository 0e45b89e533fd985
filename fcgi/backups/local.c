/*
 * local.c — local directory targets: only inside a directory an instance
 * admin allowed (OP_BACKUP_LOCAL_DIRS, comma-separated absolute paths).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backups.h"

/* Is path equal to dir or below it? Both canonical. */
static int
inside(const char *dir, const char *path)
{
	size_t	n = strlen(dir);

	if (n == 1 && dir[0] == '/')
		return 1;
	return strncmp(dir, path, n) == 0 && (path[n] == '\0' ||
	    path[n] == '/');
}

/* mkdir -p path (mode 0700 for what it makes). */
static int
mkdirs(const char *path)
{
	char	buf[PATH_MAX];
	size_t	i, n = strlen(path);

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++)
		if (buf[i] == '/' || buf[i] == '\0') {
			buf[i] = '\0';
			if (mkdir(buf, 0700) != 0 && errno != EEXIST)
				return -1;
			buf[i] = path[i];
		}
	return 0;
}

enum op_err
local_resolve(const char *path, char **out, const char **why)
{
	const char	*list = op_config_get("OP_BACKUP_LOCAL_DIRS", "");
	char		 dir[PATH_MAX], real_dir[PATH_MAX], real[PATH_MAX];
	const char	*p, *end;
	size_t		 n;

	*out = NULL;
	*why = "is outside the directories an instance admin allowed "
	    "(OP_BACKUP_LOCAL_DIRS)";
	if (op_valid_abs_path(path, why) != OP_OK)
		return OP_EINVAL;
	for (p = list; *p != '\0'; p = *end ? end + 1 : end) {
		end = p + strcspn(p, ",");
		while (p < end && *p == ' ')
			p++;
		n = (size_t)(end - p);
		while (n > 1 && (p[n - 1] == ' ' || p[n - 1] == '/'))
			n--;
		if (n == 0 || n >= sizeof(dir) || p[0] != '/')
			continue;
		memcpy(dir, p, n);
		dir[n] = '\0';
		/* Lexically inside first, so nothing is made elsewhere. */
		if (!inside(dir, path) || realpath(dir, real_dir) == NULL)
			continue;
		if (mkdirs(path) != 0) {
			*why = "cannot be created";
			return OP_EINVAL;
		}
		/* And really inside: no symbolic link leads out. */
		if (realpath(path, real) == NULL || !inside(real_dir, real))
			continue;
		if ((*out = strdup(real)) == NULL)
			return OP_ENOMEM;
		*why = NULL;
		return OP_OK;
	}
	return OP_EINVAL;
}
