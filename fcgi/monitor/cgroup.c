/*
 * cgroup.c — a container's resource use read straight from the kernel,
 * the cheap way: its cgroup's files (v1 under /sys/fs/cgroup/<controller>/
 * docker/<id>, v2 under /sys/fs/cgroup/system.slice/docker-<id>.scope or
 * /sys/fs/cgroup/docker/<id>) and its network namespace's /proc/<pid>/
 * net/dev. No engine call: a few small reads per container, where the
 * engine's stats take it a good part of a second on a busy host.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "monitor.h"

#define CGROOT	"/sys/fs/cgroup"

/* The first unsigned number in a file (or "max" as 0). */
static int
read_u64(const char *path, uint64_t *out)
{
	unsigned long long	 v;
	FILE			*f;
	int			 ok;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	ok = fscanf(f, "%llu", &v) == 1;
	fclose(f);
	*out = ok ? (uint64_t)v : 0;
	return ok;
}

/* The value of "key N" in a flat-keyed file (memory.stat, cpu.stat). */
static uint64_t
read_key(const char *path, const char *key)
{
	char			 line[256], k[128];
	unsigned long long	 v;
	uint64_t		 out = 0;
	FILE			*f;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%127s %llu", k, &v) == 2 &&
		    strcmp(k, key) == 0) {
			out = (uint64_t)v;
			break;
		}
	fclose(f);
	return out;
}

/* Bytes read and written: v1 blkio.throttle.io_service_bytes lines
 * "MAJ:MIN Read N", v2 io.stat lines "MAJ:MIN rbytes=N wbytes=N …". */
static void
read_io(const char *path, int v2, uint64_t *rd, uint64_t *wr)
{
	char			 line[512], op[32], *p;
	unsigned long long	 v;
	FILE			*f;

	*rd = *wr = 0;
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (!v2) {
			if (sscanf(line, "%*s %31s %llu", op, &v) != 2)
				continue;
			if (strcmp(op, "Read") == 0)
				*rd += v;
			else if (strcmp(op, "Write") == 0)
				*wr += v;
			continue;
		}
		if ((p = strstr(line, "rbytes=")) != NULL &&
		    sscanf(p, "rbytes=%llu", &v) == 1)
			*rd += v;
		if ((p = strstr(line, "wbytes=")) != NULL &&
		    sscanf(p, "wbytes=%llu", &v) == 1)
			*wr += v;
	}
	fclose(f);
}

/* Bytes through the interfaces of pid's network namespace, but lo. */
static int
read_net(pid_t pid, uint64_t *rx, uint64_t *tx)
{
	char			 path[64], line[512], name[64];
	unsigned long long	 r, t, skip[7];
	FILE			*f;

	*rx = *tx = 0;
	snprintf(path, sizeof(path), "/proc/%ld/net/dev", (long)pid);
	if (pid <= 0 || (f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, " %63[^:]: %llu %llu %llu %llu %llu %llu %llu"
		    " %llu %llu", name, &r, &skip[0], &skip[1], &skip[2],
		    &skip[3], &skip[4], &skip[5], &skip[6], &t) == 10 &&
		    strcmp(name, "lo") != 0) {
			*rx += r;
			*tx += t;
		}
	fclose(f);
	return 1;
}

static int
v1_read(const char *id, struct cgroup_sample *c)
{
	char	p[PATH_MAX];

	snprintf(p, sizeof(p), CGROOT "/cpuacct/docker/%s/cpuacct.usage", id);
	if (!read_u64(p, &c->cpu_ns))
		return 0;
	snprintf(p, sizeof(p), CGROOT "/memory/docker/%s/memory.usage_in_bytes",
	    id);
	(void)read_u64(p, &c->mem);
	snprintf(p, sizeof(p), CGROOT "/memory/docker/%s/memory.stat", id);
	c->mem -= c->mem > read_key(p, "total_inactive_file") ?
	    read_key(p, "total_inactive_file") : c->mem;
	snprintf(p, sizeof(p), CGROOT "/memory/docker/%s/memory.limit_in_bytes",
	    id);
	(void)read_u64(p, &c->mem_limit);
	snprintf(p, sizeof(p), CGROOT "/blkio/docker/%s/"
	    "blkio.throttle.io_service_bytes", id);
	read_io(p, 0, &c->blk_read, &c->blk_write);
	snprintf(p, sizeof(p), CGROOT "/pids/docker/%s/pids.current", id);
	(void)read_u64(p, &c->pids);
	return 1;
}

static int
v2_read(const char *id, struct cgroup_sample *c)
{
	char	dir[PATH_MAX], p[PATH_MAX + 32];

	snprintf(dir, sizeof(dir), CGROOT "/system.slice/docker-%s.scope", id);
	if (access(dir, R_OK) != 0)
		snprintf(dir, sizeof(dir), CGROOT "/docker/%s", id);
	snprintf(p, sizeof(p), "%s/cpu.stat", dir);
	if (access(p, R_OK) != 0)
		return 0;
	c->cpu_ns = read_key(p, "usage_usec") * 1000;
	snprintf(p, sizeof(p), "%s/memory.current", dir);
	(void)read_u64(p, &c->mem);
	snprintf(p, sizeof(p), "%s/memory.stat", dir);
	c->mem -= c->mem > read_key(p, "inactive_file") ?
	    read_key(p, "inactive_file") : c->mem;
	snprintf(p, sizeof(p), "%s/memory.max", dir);
	if (!read_u64(p, &c->mem_limit))	/* "max": no limit */
		c->mem_limit = 0;
	snprintf(p, sizeof(p), "%s/io.stat", dir);
	read_io(p, 1, &c->blk_read, &c->blk_write);
	snprintf(p, sizeof(p), "%s/pids.current", dir);
	(void)read_u64(p, &c->pids);
	return 1;
}

enum op_err
cgroup_read(const char *docker_id, pid_t pid, struct cgroup_sample *out)
{
	struct cgroup_sample	c;
	struct host_sample	h;
	size_t			i;

	memset(&c, 0, sizeof(c));
	/* A full engine id: 64 hex digits, nothing to climb out with. */
	for (i = 0; docker_id[i] != '\0'; i++)
		if (!((docker_id[i] >= '0' && docker_id[i] <= '9') ||
		    (docker_id[i] >= 'a' && docker_id[i] <= 'f')))
			return OP_EINVAL;
	if (i != 64)
		return OP_EINVAL;
	if (!v1_read(docker_id, &c) && !v2_read(docker_id, &c))
		return OP_ENOTFOUND;
	if (!read_net(pid, &c.net_rx, &c.net_tx))
		return OP_ENOTFOUND;	/* not this pid, or not visible */
	/* No limit (or v1's "unlimited"): the host's memory bounds it. */
	if ((c.mem_limit == 0 || c.mem_limit >= (uint64_t)1 << 62) &&
	    host_read(&h) == OP_OK)
		c.mem_limit = h.mem_total;
	*out = c;
	return OP_OK;
}
