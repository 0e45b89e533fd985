/*
 * reqstats.c — the panel's own requests, counted where they are served.
 * A pool's master maps a small file, <OP_STATS_DIR>/<service>.reqstats,
 * shared before it forks its workers; each worker adds every request it
 * answers there (by route and status, with a latency histogram) with
 * atomic increments: no lock, no system call, no round trip. op-monitor
 * maps every pool's file read-only and exposes the counters to
 * Prometheus. A restarted pool carries the counts of the file it replaces
 * (rs_carry): pools stop when idle and start again on demand.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "openpanel.h"

#define RS_MAGIC	"OPRSTAT1"
#define RS_FILES_MAX	32
#define DURATION	"openpanel_http_request_duration_seconds"

/* The statuses counted one by one; any other is counted as "other". */
static const int rs_statuses[] = { 200, 201, 202, 204, 301, 302, 304, 400,
	401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 502, 503, 0 };
#define RS_NSTATUS	nitems(rs_statuses)

/* Upper bounds of the latency buckets, in milliseconds. */
static const double rs_bounds_ms[] = { 1, 2.5, 5, 10, 25, 50, 100, 250,
	500, 1000, 2500, 5000, 10000 };
#define RS_NBUCKETS	nitems(rs_bounds_ms)

struct rs_header {
	char		magic[8];
	uint32_t	nroutes;	/* the table's, plus one: unmatched */
	uint32_t	nstatus;
	uint32_t	nbuckets;
	char		service[36];
};

struct rs_route {
	char	method[8];
	char	pattern[120];
};

struct rs_cell {
	uint64_t	count;
	uint64_t	sum_us;
	uint64_t	bucket[RS_NBUCKETS];	/* not cumulative */
};

/* This pool's map (after op_reqstats_open), inherited by its workers. */
static struct rs_header	*rs_map;
static size_t		 rs_size;

static size_t
rs_bytes(uint32_t nroutes)
{
	return sizeof(struct rs_header) + nroutes * sizeof(struct rs_route) +
	    (size_t)nroutes * RS_NSTATUS * sizeof(struct rs_cell);
}

static struct rs_route *
rs_routes(struct rs_header *h)
{
	return (struct rs_route *)(h + 1);
}

static struct rs_cell *
rs_cells(struct rs_header *h)
{
	return (struct rs_cell *)(rs_routes(h) + h->nroutes);
}

/* Map one file read-only if it is a complete stats file of ours. */
static struct rs_header *
rs_map_file(const char *path, size_t *size)
{
	struct rs_header	*h;
	struct stat		 st;
	int			 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	h = fstat(fd, &st) == 0 && (size_t)st.st_size >=
	    sizeof(struct rs_header) ? mmap(NULL, (size_t)st.st_size,
	    PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
	close(fd);
	if (h == MAP_FAILED)
		return NULL;
	if (memcmp(h->magic, RS_MAGIC, sizeof(h->magic)) != 0 ||
	    h->nstatus != RS_NSTATUS || h->nbuckets != RS_NBUCKETS ||
	    h->nroutes == 0 || h->nroutes > 4096 ||
	    rs_bytes(h->nroutes) != (size_t)st.st_size ||
	    memchr(h->service, '\0', sizeof(h->service)) == NULL) {
		munmap(h, (size_t)st.st_size);
		return NULL;
	}
	*size = (size_t)st.st_size;
	return h;
}

/*
 * Carry the counts of the stats file at path into h, the new file of the
 * same size, when it has the same routes: a pool that stopped idle (or
 * was restarted) goes on counting where it left off, so its counters only
 * ever grow, as Prometheus expects between restarts of the exporter. A
 * pool still serving from the old file (a takeover) is read as it stands;
 * what it adds after is not carried.
 */
static void
rs_carry(struct rs_header *h, size_t size, const char *path)
{
	struct rs_header	*old;
	size_t			 old_size;

	if ((old = rs_map_file(path, &old_size)) == NULL)
		return;
	if (old_size == size && old->nroutes == h->nroutes &&
	    memcmp(rs_routes(old), rs_routes(h), h->nroutes *
	    sizeof(struct rs_route)) == 0)
		memcpy(rs_cells(h), rs_cells(old), (size_t)h->nroutes *
		    RS_NSTATUS * sizeof(struct rs_cell));
	munmap(old, old_size);
}

enum op_err
op_reqstats_open(const struct op_service *svc)
{
	const char	*dir = op_config_get("OP_STATS_DIR", NULL);
	struct rs_header *h;
	struct rs_route	*rt;
	char		 path[512], tmp[540];
	uint32_t	 n = (uint32_t)svc->nroutes + 1;
	size_t		 i, size = rs_bytes(n);
	int		 fd;

	if (dir == NULL || *dir == '\0')
		return OP_OK;		/* not counted */
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.reqstats", dir,
	    svc->name) >= sizeof(path))
		return OP_EINVAL;
	/* A new file, renamed over the old one once filled in: a pool that
	 * takes over from another must not truncate the file the old
	 * pool's workers still write to (they would die of SIGBUS). */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%ld", path,
	    (long)getpid()) >= sizeof(tmp))
		return OP_EINVAL;
	if ((fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		return OP_EIO;
	/* Readable by op-monitor whatever the pool's umask. */
	h = fchmod(fd, 0644) == 0 && ftruncate(fd, (off_t)size) == 0 ? mmap(NULL, size, PROT_READ |
	    PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
	close(fd);
	if (h == MAP_FAILED) {
		op_warn("reqstats %s: cannot map it", tmp);
		unlink(tmp);
		return OP_EIO;
	}
	h->nroutes = n;
	h->nstatus = RS_NSTATUS;
	h->nbuckets = RS_NBUCKETS;
	snprintf(h->service, sizeof(h->service), "%s", svc->name);
	rt = rs_routes(h);
	for (i = 0; i + 1 < n; i++) {
		snprintf(rt[i].method, sizeof(rt[i].method), "%s",
		    svc->routes[i].method);
		snprintf(rt[i].pattern, sizeof(rt[i].pattern), "%s",
		    svc->routes[i].pattern);
	}
	snprintf(rt[n - 1].method, sizeof(rt[n - 1].method), "-");
	snprintf(rt[n - 1].pattern, sizeof(rt[n - 1].pattern), "unmatched");
	rs_carry(h, size, path);
	memcpy(h->magic, RS_MAGIC, sizeof(h->magic));	/* last: complete */
	if (rename(tmp, path) != 0) {
		op_warn("reqstats %s: cannot put it in place", path);
		munmap(h, size);
		unlink(tmp);
		return OP_EIO;
	}
	rs_map = h;
	rs_size = size;
	return OP_OK;
}

void
op_reqstats_record(const struct op_req *r, double ms)
{
	struct rs_cell	*c;
	size_t		 route, st, b;

	if (rs_map == NULL)
		return;
	route = r->route != NULL ? (size_t)(r->route - r->service->routes) :
	    rs_map->nroutes - 1;
	if (route >= rs_map->nroutes)
		route = rs_map->nroutes - 1;
	for (st = 0; st + 1 < RS_NSTATUS && rs_statuses[st] != r->status; st++)
		;
	for (b = 0; b < RS_NBUCKETS && ms > rs_bounds_ms[b]; b++)
		;
	c = &rs_cells(rs_map)[route * RS_NSTATUS + st];
	__atomic_fetch_add(&c->count, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->sum_us, (uint64_t)(ms * 1000.0),
	    __ATOMIC_RELAXED);
	if (b < RS_NBUCKETS)
		__atomic_fetch_add(&c->bucket[b], 1, __ATOMIC_RELAXED);
}

/* "<family>{service=…,method=…,route=…" of route i of h (no closing). */
static void
rs_series(struct op_buf *b, const char *family, struct rs_header *h,
    size_t i)
{
	struct rs_route	*rt = &rs_routes(h)[i];

	(void)op_buf_addf(b, "%s{service=\"%s\",method=\"%.*s\","
	    "route=\"%.*s\"", family, h->service,
	    (int)strnlen(rt->method, sizeof(rt->method)), rt->method,
	    (int)strnlen(rt->pattern, sizeof(rt->pattern)), rt->pattern);
}

static void
rs_requests(struct op_buf *b, struct rs_header *h)
{
	struct rs_cell	*c;
	size_t		 i, s;

	for (i = 0; i < h->nroutes; i++)
		for (s = 0; s < RS_NSTATUS; s++) {
			c = &rs_cells(h)[i * RS_NSTATUS + s];
			if (c->count == 0)
				continue;
			rs_series(b, "openpanel_http_requests_total", h, i);
			if (rs_statuses[s] != 0)
				(void)op_buf_addf(b, ",status=\"%d\"} %llu\n",
				    rs_statuses[s], (unsigned long long)c->count);
			else
				(void)op_buf_addf(b, ",status=\"other\"} %llu\n",
				    (unsigned long long)c->count);
		}
}

/* The latency histogram of each route, over every status. */
static void
rs_durations(struct op_buf *b, struct rs_header *h)
{
	struct rs_cell	*c;
	uint64_t	 count, sum, cum[RS_NBUCKETS];
	size_t		 i, s, k;

	for (i = 0; i < h->nroutes; i++) {
		memset(cum, 0, sizeof(cum));
		count = sum = 0;
		for (s = 0; s < RS_NSTATUS; s++) {
			c = &rs_cells(h)[i * RS_NSTATUS + s];
			count += c->count;
			sum += c->sum_us;
			for (k = 0; k < RS_NBUCKETS; k++)
				cum[k] += c->bucket[k];
		}
		if (count == 0)
			continue;
		for (k = 1; k < RS_NBUCKETS; k++)
			cum[k] += cum[k - 1];
		for (k = 0; k < RS_NBUCKETS; k++) {
			rs_series(b, DURATION "_bucket", h, i);
			(void)op_buf_addf(b, ",le=\"%g\"} %llu\n",
			    rs_bounds_ms[k] / 1000.0,
			    (unsigned long long)cum[k]);
		}
		rs_series(b, DURATION "_bucket", h, i);
		(void)op_buf_addf(b, ",le=\"+Inf\"} %llu\n",
		    (unsigned long long)count);
		rs_series(b, DURATION "_sum", h, i);
		(void)op_buf_addf(b, "} %.6f\n", (double)sum / 1e6);
		rs_series(b, DURATION "_count", h, i);
		(void)op_buf_addf(b, "} %llu\n", (unsigned long long)count);
	}
}

enum op_err
op_reqstats_expose(struct op_buf *b)
{
	const char		*dir = op_config_get("OP_STATS_DIR", NULL);
	struct rs_header	*maps[RS_FILES_MAX];
	size_t			 sizes[RS_FILES_MAX], n = 0, i, len;
	struct dirent		*e;
	char			 path[512];
	DIR			*d;

	if (dir == NULL || (d = opendir(dir)) == NULL)
		return OP_EUNAVAIL;
	while ((e = readdir(d)) != NULL && n < RS_FILES_MAX) {
		len = strlen(e->d_name);
		if (len <= 9 || strcmp(e->d_name + len - 9, ".reqstats") != 0 ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    e->d_name) >= sizeof(path))
			continue;
		if ((maps[n] = rs_map_file(path, &sizes[n])) != NULL)
			n++;
	}
	closedir(d);
	(void)op_buf_addf(b, "# HELP openpanel_http_requests_total Requests the"
	    " panel's pools answered, by service, route and status.\n"
	    "# TYPE openpanel_http_requests_total counter\n");
	for (i = 0; i < n; i++)
		rs_requests(b, maps[i]);
	(void)op_buf_addf(b, "# HELP openpanel_http_request_duration_seconds"
	    " Time the pools took to answer, by service and route.\n"
	    "# TYPE openpanel_http_request_duration_seconds histogram\n");
	for (i = 0; i < n; i++)
		rs_durations(b, maps[i]);
	for (i = 0; i < n; i++)
		munmap(maps[i], sizes[i]);
	return OP_OK;
}
