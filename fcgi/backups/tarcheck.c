/*
 * tarcheck.c — a tar stream passed through untouched, each entry checked
 * on the way: its name must lie inside root/ (not absolute, no ".."),
 * a symbolic link must not point out of it, a hard link must name an
 * entry inside it, and no device node. PAX ('x') and GNU long-name
 * ('L', 'K') records are read, since they carry the real names.
 */
#include <stdlib.h>
#include <string.h>

#include "backups.h"

#define BLOCK		512
#define LONG_MAX_LEN	65536		/* bytes of a PAX or long-name record */
#define DEPTH_MAX	256

enum tar_state { TAR_HEAD, TAR_DATA, TAR_END };

struct tarcheck {
	char		 root[256];
	bk_sink		 sink;
	void		*arg;
	enum tar_state	 state;
	unsigned char	 head[BLOCK];
	size_t		 hlen;
	uint64_t	 left;		/* payload bytes to pass, padded */
	uint64_t	 size;		/* the payload's own size */
	char		 type;		/* of the entry whose payload runs */
	struct op_buf	 rec;		/* a PAX or long-name payload */
	char		*next_name;	/* from a record, for the next entry */
	char		*next_link;
	int		 zeros;		/* zero blocks in a row */
	const char	*why;
};

/* Does a path (as components) stay inside root? For a link, base is the
 * entry's directory; the target is resolved against it. */
static int
walk(const char *root, const char *base, const char *path)
{
	const char	*parts[2] = { base, path };
	char		 first[256] = "";
	int		 depth = 0, i;
	size_t		 n;

	for (i = 0; i < 2; i++) {
		const char	*p = parts[i];

		if (p == NULL)
			continue;
		while (*p != '\0') {
			n = strcspn(p, "/");
			if (n == 0 || (n == 1 && p[0] == '.'))
				;	/* "" or "." */
			else if (n == 2 && p[0] == '.' && p[1] == '.') {
				if (--depth < 1)
					return 0;	/* out of root */
			} else {
				if (depth == 0) {
					if (n >= sizeof(first))
						return 0;
					memcpy(first, p, n);
					first[n] = '\0';
				}
				if (++depth > DEPTH_MAX)
					return 0;
			}
			p += n;
			if (*p == '/')
				p++;
		}
	}
	return depth >= 1 && strcmp(first, root) == 0;
}

int
tarcheck_name_ok(const char *root, const char *name)
{
	if (name == NULL || name[0] == '\0' || name[0] == '/')
		return 0;
	return walk(root, NULL, name);
}

int
tarcheck_link_ok(const char *root, const char *entry, const char *target)
{
	char	dir[4096];
	char	*slash;

	if (target == NULL || target[0] == '\0' || target[0] == '/' ||
	    strlen(entry) >= sizeof(dir))
		return 0;
	memcpy(dir, entry, strlen(entry) + 1);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	else
		dir[0] = '\0';
	return walk(root, dir, target);
}

enum op_err
tarcheck_new(const char *root, bk_sink sink, void *arg, struct tarcheck **out)
{
	struct tarcheck	*t;

	*out = NULL;
	if (strlen(root) == 0 || strlen(root) >= 256 || strchr(root, '/') ||
	    strcmp(root, "..") == 0 || strcmp(root, ".") == 0)
		return OP_EINVAL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return OP_ENOMEM;
	memcpy(t->root, root, strlen(root) + 1);
	t->sink = sink;
	t->arg = arg;
	op_buf_init(&t->rec, LONG_MAX_LEN);
	*out = t;
	return OP_OK;
}

void
tarcheck_free(struct tarcheck *t)
{
	if (t == NULL)
		return;
	op_buf_clear(&t->rec);
	free(t->next_name);
	free(t->next_link);
	free(t);
}

static enum op_err
refuse(struct tarcheck *t, const char *why)
{
	t->why = why;
	return OP_EINVAL;
}

/* An octal (or base-256) number field. */
static int
tar_number(const unsigned char *f, size_t n, uint64_t *out)
{
	uint64_t	v = 0;
	size_t		i = 0;

	if (f[0] & 0x80) {		/* base-256 */
		if (f[0] != 0x80)
			return -1;
		for (i = 1; i < n; i++) {
			if (v >> 56)
				return -1;
			v = (v << 8) | f[i];
		}
		*out = v;
		return 0;
	}
	while (i < n && f[i] == ' ')
		i++;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v >> 60)
			return -1;
		v = v * 8 + (uint64_t)(f[i] - '0');
	}
	if (i < n && f[i] != '\0' && f[i] != ' ')
		return -1;
	*out = v;
	return 0;
}

/* A NUL-terminated copy of a fixed-size field. */
static void
field(const unsigned char *f, size_t n, char *out)
{
	size_t	i;

	for (i = 0; i < n && f[i] != '\0'; i++)
		out[i] = (char)f[i];
	out[i] = '\0';
}

/* A PAX record set: take path= and linkpath= for the next entry. */
static enum op_err
pax_parse(struct tarcheck *t)
{
	const char	*p = t->rec.data, *end;
	char		*val;
	long		 len;
	char		*num_end;

	if (t->rec.len == 0)	/* an empty record set: nothing to take */
		return OP_OK;
	end = p + t->rec.len;
	while (p < end) {
		len = strtol(p, &num_end, 10);
		if (num_end == p || *num_end != ' ' || len <= 0 ||
		    len > end - p || p[len - 1] != '\n')
			return refuse(t, "a malformed PAX header");
		num_end++;
		if ((size_t)(p + len - num_end) > 5 &&
		    strncmp(num_end, "path=", 5) == 0) {
			if ((val = strndup(num_end + 5,
			    (size_t)(p + len - 1 - num_end - 5))) == NULL)
				return OP_ENOMEM;
			free(t->next_name);
			t->next_name = val;
		} else if ((size_t)(p + len - num_end) > 9 &&
		    strncmp(num_end, "linkpath=", 9) == 0) {
			if ((val = strndup(num_end + 9,
			    (size_t)(p + len - 1 - num_end - 9))) == NULL)
				return OP_ENOMEM;
			free(t->next_link);
			t->next_link = val;
		}
		p += len;
	}
	return OP_OK;
}

/* A payload ended: records become the next entry's names. */
static enum op_err
record_done(struct tarcheck *t)
{
	char		*s;
	enum op_err	 er = OP_OK;

	if (t->type == 'x')
		er = pax_parse(t);
	else if (t->type == 'L' || t->type == 'K') {
		if ((s = strndup(t->rec.data ? t->rec.data : "",
		    t->rec.len)) == NULL)
			return OP_ENOMEM;
		if (t->type == 'L') {
			free(t->next_name);
			t->next_name = s;
		} else {
			free(t->next_link);
			t->next_link = s;
		}
	}
	op_buf_reset(&t->rec);
	return er;
}

/* One header block: check the entry it starts. */
static enum op_err
header(struct tarcheck *t)
{
	const unsigned char	*h = t->head;
	char			 name[100 + 1 + 155 + 1], pre[156], link[101];
	const char		*n, *l;
	uint64_t		 size, sum, calc = 0;
	size_t			 i;

	for (i = 0; i < BLOCK && h[i] == 0; i++)
		;
	if (i == BLOCK) {		/* a zero block: the end, twice */
		if (++t->zeros == 2)
			t->state = TAR_END;
		return OP_OK;
	}
	if (t->zeros > 0)
		return refuse(t, "an entry after an end-of-archive block");
	for (i = 0; i < BLOCK; i++)
		calc += (i >= 148 && i < 156) ? ' ' : h[i];
	if (tar_number(h + 148, 8, &sum) != 0 || sum != calc ||
	    tar_number(h + 124, 12, &size) != 0)
		return refuse(t, "a damaged tar header");
	t->type = (char)h[156];
	t->size = size;
	t->left = (size + BLOCK - 1) / BLOCK * BLOCK;
	if (t->type == 'x' || t->type == 'L' || t->type == 'K') {
		if (size > LONG_MAX_LEN)
			return refuse(t, "an oversized tar record");
		return OP_OK;
	}
	if (t->type == 'g')
		return OP_OK;
	field(h + 345, 155, pre);
	field(h, 100, name);
	if (pre[0] != '\0' && memcmp(h + 257, "ustar", 5) == 0) {
		memmove(name + strlen(pre) + 1, name, strlen(name) + 1);
		memcpy(name, pre, strlen(pre));
		name[strlen(pre)] = '/';
	}
	field(h + 157, 100, link);
	n = t->next_name ? t->next_name : name;
	l = t->next_link ? t->next_link : link;
	if (!tarcheck_name_ok(t->root, n))
		return refuse(t, "an entry outside the restore target");
	if (t->type == '2' && !tarcheck_link_ok(t->root, n, l))
		return refuse(t, "a symbolic link out of the restore target");
	if (t->type == '1' && !tarcheck_name_ok(t->root, l))
		return refuse(t, "a hard link out of the restore target");
	if (t->type == '3' || t->type == '4')
		return refuse(t, "a device node");
	free(t->next_name);
	free(t->next_link);
	t->next_name = t->next_link = NULL;
	return OP_OK;
}

enum op_err
tarcheck_write(void *p, const void *data, size_t len)
{
	struct tarcheck		*t = p;
	const unsigned char	*d = data;
	enum op_err		 er;
	size_t			 n, keep;

	if ((er = t->sink(t->arg, data, len)) != OP_OK)
		return er;
	while (len > 0) {
		if (t->state == TAR_END)
			return OP_OK;	/* trailing padding */
		if (t->left > 0) {
			n = len < t->left ? len : (size_t)t->left;
			if (t->type == 'x' || t->type == 'L' ||
			    t->type == 'K') {
				keep = t->rec.len < t->size ?
				    (size_t)(t->size - t->rec.len) : 0;
				if ((er = op_buf_add(&t->rec, d,
				    n < keep ? n : keep)) != OP_OK)
					return er;
			}
			d += n;
			len -= n;
			t->left -= n;
			if (t->left == 0 && (er = record_done(t)) != OP_OK)
				return er;
			continue;
		}
		n = BLOCK - t->hlen;
		n = len < n ? len : n;
		memcpy(t->head + t->hlen, d, n);
		t->hlen += n;
		d += n;
		len -= n;
		if (t->hlen < BLOCK)
			continue;
		t->hlen = 0;
		if ((er = header(t)) != OP_OK)
			return er;
		if (t->left == 0 && (t->type == 'x' || t->type == 'L' ||
		    t->type == 'K') && (er = record_done(t)) != OP_OK)
			return er;
	}
	return OP_OK;
}

enum op_err
tarcheck_finish(struct tarcheck *t, const char **why)
{
	*why = t->why;
	if (t->why != NULL)
		return OP_EINVAL;
	if (t->state != TAR_END && !(t->zeros == 1 && t->hlen == 0 &&
	    t->left == 0)) {
		*why = "a tar archive cut short";
		return OP_EINVAL;
	}
	return OP_OK;
}
