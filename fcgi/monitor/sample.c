/*
 * sample.c — once a tick, the resource use of every running container
 * (from its cgroup, else one one-shot stats call, a few at a time: never
 * a stats stream per container; a swarm container's is the sum over its
 * task containers on this node, see tasks.c) and of the host. Each
 * container's sample goes live to metrics/<id>; the latest of each is
 * stored for /api/metrics; and every metric is folded into one-minute
 * rollups, written when the minute ends, pruned past
 * OP_MONITOR_HISTORY_DAYS.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "monitor.h"

#define STATS_MS	2000
#define ACC_MAX		((FOLLOWERS_MAX + 1) * 6)
#define PREV_MAX	TARGETS_MAX
#define PRUNE_EVERY	3600
#define FLUSH_EVERY	10	/* seconds: the minute so far is written */
#define SAMPLERS	4	/* stats calls in flight at once */

/* What the last sample of an engine container was, for rates. */
struct prev {
	char	 docker_id[72];	/* the engine container sampled */
	pid_t	 pid;		/* its init process, for its network */
	double	 cpu_ns;	/* CPU time at the last sample */
	int64_t	 wall_ns;	/* and when it was taken */
};

/* One metric of one subject, over the current minute. */
struct acc {
	char	subject[37];
	char	team_id[37];
	char	metric[16];
	double	sum, max;
	int	n;
};

struct sampler {
	struct op_docker	*docker[SAMPLERS];
	struct prev		 prev[PREV_MAX];
	size_t			 nprev;
	struct host_sample	 host_prev;
	struct acc		 acc[ACC_MAX];
	size_t			 nacc;
	time_t			 minute;	/* the one being accumulated */
	time_t			 flushed;
	time_t			 pruned;
	volatile int		*stop;		/* the worker's */
};

/* The engine clients' cancel question: is the worker stopping? */
static int
stopping(void *arg)
{
	struct sampler	*s = arg;

	return *s->stop != 0;
}

enum op_err
sampler_new(volatile int *stop, struct sampler **out)
{
	struct sampler	*s;
	size_t		 i;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return OP_ENOMEM;
	s->stop = stop;
	for (i = 0; i < SAMPLERS; i++) {
		if (op_docker_open(op_config_get("OP_DOCKER_SOCKET",
		    "/var/run/docker.sock"), &s->docker[i]) != OP_OK) {
			sampler_free(s);
			return OP_EUNAVAIL;
		}
		op_docker_cancel_on(s->docker[i], stopping, s);
	}
	*out = s;
	return OP_OK;
}

void
sampler_free(struct sampler *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < SAMPLERS; i++)
		op_docker_close(s->docker[i]);
	free(s);
}

static void
acc_add(struct sampler *s, const char *subject, const char *team,
    const char *metric, double v)
{
	struct acc	*a = NULL;
	size_t		 i;

	for (i = 0; i < s->nacc && a == NULL; i++)
		if (strcmp(s->acc[i].subject, subject) == 0 &&
		    strcmp(s->acc[i].metric, metric) == 0)
			a = &s->acc[i];
	if (a == NULL) {
		if (s->nacc == ACC_MAX)
			return;
		a = &s->acc[s->nacc++];
		memset(a, 0, sizeof(*a));
		snprintf(a->subject, sizeof(a->subject), "%s", subject);
		snprintf(a->team_id, sizeof(a->team_id), "%s", team ? team : "");
		snprintf(a->metric, sizeof(a->metric), "%s", metric);
		a->max = v;
	}
	a->sum += v;
	a->n++;
	if (v > a->max)
		a->max = v;
}

/*
 * Write the minute's rollups so far in one statement (again and again
 * as the minute goes on: each write replaces the last).
 */
static void
acc_flush(struct sampler *s, struct op_db *db)
{
	json_t		*rows;
	char		*text = NULL, minute[32];
	struct tm	 tm;
	size_t		 i;

	if (s->nacc > 0 && (rows = json_array()) != NULL) {
		gmtime_r(&s->minute, &tm);
		strftime(minute, sizeof(minute), "%Y-%m-%dT%H:%M:00Z", &tm);
		for (i = 0; i < s->nacc; i++)
			json_array_append_new(rows, json_pack("{s:s, s:s?, s:s,"
			    " s:f, s:f, s:i}", "subject", s->acc[i].subject,
			    "team_id", s->acc[i].team_id[0] ? s->acc[i].team_id :
			    NULL, "metric", s->acc[i].metric, "avg",
			    s->acc[i].sum / s->acc[i].n, "max", s->acc[i].max,
			    "samples", s->acc[i].n));
		text = json_dumps(rows, JSON_COMPACT);
		json_decref(rows);
		if (text != NULL)
			(void)op_db_execv(db, NULL, "INSERT INTO monitor.rollups"
			    " (subject, team_id, metric, minute, avg, max,"
			    " samples) SELECT subject, team_id, metric, $2,"
			    " avg, max, samples FROM jsonb_to_recordset($1)"
			    " AS x(subject text, team_id uuid, metric text,"
			    " avg float8, max float8, samples int)"
			    " ON CONFLICT (subject, metric, minute) DO UPDATE"
			    " SET avg = EXCLUDED.avg, max = EXCLUDED.max,"
			    " samples = EXCLUDED.samples", text, minute);
		free(text);
	}
	s->flushed = time(NULL);
}

static void
history_prune(struct sampler *s, struct op_db *db)
{
	char	days[16];

	if (time(NULL) - s->pruned < PRUNE_EVERY)
		return;
	snprintf(days, sizeof(days), "%lld", op_config_int(
	    "OP_MONITOR_HISTORY_DAYS", 7, 1, 3650));
	(void)op_db_execv(db, NULL, "DELETE FROM monitor.rollups WHERE"
	    " minute < now() - make_interval(days => $1::int)", days);
	s->pruned = time(NULL);
}

/* The previous sample of engine container docker_id (a new one if
 * none; NULL when the table is full). */
static struct prev *
prev_find(struct sampler *s, const char *docker_id)
{
	size_t	i;

	for (i = 0; i < s->nprev; i++)
		if (strcmp(s->prev[i].docker_id, docker_id) == 0)
			return &s->prev[i];
	if (s->nprev == PREV_MAX)
		return NULL;
	memset(&s->prev[s->nprev], 0, sizeof(s->prev[0]));
	snprintf(s->prev[s->nprev].docker_id, sizeof(s->prev[0].docker_id),
	    "%s", docker_id);
	return &s->prev[s->nprev++];
}

static double
num(json_t *o, const char *path)
{
	char	 key[64];
	size_t	 n;

	while (o != NULL && (n = strcspn(path, ".")) < sizeof(key)) {
		memcpy(key, path, n);
		key[n] = '\0';
		o = json_object_get(o, key);
		if (path[n] == '\0')
			return json_is_number(o) ? json_number_value(o) : 0;
		path += n + 1;
	}
	return 0;
}

/* Sum of the read or write entries of a blkio list. */
static double
blkio_sum(json_t *list, const char *op)
{
	json_t	*e;
	size_t	 i;
	double	 sum = 0;

	json_array_foreach(list, i, e)
		if (strcasecmp(json_string_value(json_object_get(e, "op")) ?
		    json_string_value(json_object_get(e, "op")) : "", op) == 0)
			sum += num(e, "value");
	return sum;
}

static int64_t
wall_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Percent of one CPU used since the previous sample p; p moves on. */
static double
cpu_rate(struct prev *p, double cpu_ns)
{
	int64_t	now = wall_ns();
	double	pct = 0;

	if (p == NULL)
		return 0;
	if (p->wall_ns > 0 && now > p->wall_ns && cpu_ns >= p->cpu_ns)
		pct = (cpu_ns - p->cpu_ns) / (double)(now - p->wall_ns) * 100.0;
	p->cpu_ns = cpu_ns;
	p->wall_ns = now;
	return pct;
}

/* The sample row of a container. */
static json_t *
sample_row(const struct watched *w, double pct,
    const struct cgroup_sample *c)
{
	char		 when[40];
	struct timespec	 ts;
	struct tm	 tm;
	size_t		 n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + n, sizeof(when) - n, ".%03ldZ", ts.tv_nsec / 1000000);
	return json_pack("{s:s, s:s, s:s, s:f, s:f, s:I, s:I, s:I, s:I, s:I,"
	    " s:I, s:I}", "time", when,
	    "container_id", w->id, "team_id", w->team_id, "cpu_percent", pct,
	    "cpu_seconds", (double)c->cpu_ns / 1e9,
	    "mem_bytes", (json_int_t)c->mem,
	    "mem_limit", (json_int_t)c->mem_limit,
	    "net_rx_bytes", (json_int_t)c->net_rx,
	    "net_tx_bytes", (json_int_t)c->net_tx,
	    "blk_read_bytes", (json_int_t)c->blk_read,
	    "blk_write_bytes", (json_int_t)c->blk_write,
	    "pids", (json_int_t)c->pids);
}

/* The engine's one-shot stats, when the cgroup files are not to be had. */
static enum op_err
engine_stats(struct op_docker *d, const char *docker_id,
    struct cgroup_sample *c)
{
	json_t		*st = NULL, *nets, *n;
	const char	*k;
	char		 path[160];
	long		 status;
	double		 mem;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "/containers/%s/stats?stream=false"
	    "&one-shot=true", docker_id);
	if (op_docker_call(d, "GET", path, NULL, STATS_MS, &status, &st) !=
	    OP_OK || status != 200 || !json_is_object(st)) {
		json_decref(st);
		return OP_EUNAVAIL;
	}
	c->cpu_ns = (uint64_t)num(st, "cpu_stats.cpu_usage.total_usage");
	nets = json_object_get(st, "networks");
	json_object_foreach(nets, k, n) {
		c->net_rx += (uint64_t)num(n, "rx_bytes");
		c->net_tx += (uint64_t)num(n, "tx_bytes");
	}
	/* Memory in use, without the page cache the kernel can drop. */
	mem = num(st, "memory_stats.usage") -
	    num(st, "memory_stats.stats.total_inactive_file") -
	    num(st, "memory_stats.stats.inactive_file");
	c->mem = mem > 0 ? (uint64_t)mem : 0;
	c->mem_limit = (uint64_t)num(st, "memory_stats.limit");
	c->blk_read = (uint64_t)blkio_sum(json_object_get(json_object_get(st,
	    "blkio_stats"), "io_service_bytes_recursive"), "read");
	c->blk_write = (uint64_t)blkio_sum(json_object_get(json_object_get(st,
	    "blkio_stats"), "io_service_bytes_recursive"), "write");
	c->pids = (uint64_t)num(st, "pids_stats.current");
	json_decref(st);
	return OP_OK;
}

/* The pid of a container's init process, asked of the engine once per
 * container (and again after it restarted). */
static void
pid_learn(struct op_docker *d, struct prev *p)
{
	json_t	*in = NULL;
	char	 path[160];
	long	 status;

	if (p->pid > 0)
		return;
	snprintf(path, sizeof(path), "/containers/%s/json", p->docker_id);
	if (op_docker_call(d, "GET", path, NULL, STATS_MS, &status, &in) ==
	    OP_OK && status == 200)
		p->pid = (pid_t)json_integer_value(json_object_get(
		    json_object_get(in, "State"), "Pid"));
	json_decref(in);
}

/* One engine container's reading: ok, its counters, its CPU rate. */
struct reading {
	int			ok;
	double			pct;
	struct cgroup_sample	c;
};

/*
 * Engine container t's reading into *out: from its cgroup when this host
 * shows it, else from the engine's one-shot stats; the CPU rate from the
 * previous sample p (updated; NULL: none). out->ok stays 0 when there is
 * none (it just stopped). Runs in the sampling threads: it touches only
 * its own handle d and its container's p.
 */
static void
container_sample(struct op_docker *d, struct prev *p, const struct target *t,
    struct reading *out)
{
	memset(out, 0, sizeof(*out));
	if (p != NULL)
		pid_learn(d, p);
	if (p == NULL || cgroup_read(t->docker_id, p->pid, &out->c) != OP_OK) {
		if (p != NULL)
			p->pid = 0;	/* restarted, maybe: ask again */
		if (engine_stats(d, t->docker_id, &out->c) != OP_OK)
			return;
	}
	out->pct = cpu_rate(p, (double)out->c.cpu_ns);
	out->ok = 1;
}

/* Add reading r into sum (a swarm container's tasks add up). */
static void
reading_add(struct reading *sum, const struct reading *r)
{
	if (!r->ok)
		return;
	sum->ok = 1;
	sum->pct += r->pct;
	sum->c.cpu_ns += r->c.cpu_ns;
	sum->c.mem += r->c.mem;
	sum->c.mem_limit += r->c.mem_limit;
	sum->c.net_rx += r->c.net_rx;
	sum->c.net_tx += r->c.net_tx;
	sum->c.blk_read += r->c.blk_read;
	sum->c.blk_write += r->c.blk_write;
	sum->c.pids += r->c.pids;
}

/* Live, and into the minute's rollups. */
static void
container_publish(struct sampler *s, const struct watched *w, json_t *row)
{
	char	 channel[64], *text;

	snprintf(channel, sizeof(channel), "metrics/%s", w->id);
	if ((text = json_dumps(row, JSON_COMPACT)) != NULL) {
		(void)op_live_publish(channel, text, strlen(text));
		free(text);
	}
	acc_add(s, w->id, w->team_id, "cpu_percent",
	    num(row, "cpu_percent"));
	acc_add(s, w->id, w->team_id, "mem_bytes", num(row, "mem_bytes"));
	acc_add(s, w->id, w->team_id, "net_rx_bytes",
	    num(row, "net_rx_bytes"));
	acc_add(s, w->id, w->team_id, "net_tx_bytes",
	    num(row, "net_tx_bytes"));
}

/* Store the latest samples; forget the containers that stopped. */
static void
samples_store(struct op_db *db, json_t *rows)
{
	char	*text;

	if ((text = json_dumps(rows, JSON_COMPACT)) == NULL)
		return;
	if (op_db_begin(db) == OP_OK &&
	    op_db_execv(db, NULL, "DELETE FROM monitor.container_samples"
	    " WHERE container_id NOT IN (SELECT container_id FROM"
	    " jsonb_to_recordset($1) AS x(container_id uuid))", text) ==
	    OP_OK &&
	    op_db_execv(db, NULL, "INSERT INTO monitor.container_samples"
	    " SELECT container_id, team_id, now(), cpu_percent, cpu_seconds,"
	    " mem_bytes, mem_limit, net_rx_bytes, net_tx_bytes,"
	    " blk_read_bytes, blk_write_bytes, pids FROM"
	    " jsonb_to_recordset($1) AS x(container_id uuid, team_id uuid,"
	    " cpu_percent float8, cpu_seconds float8, mem_bytes int8,"
	    " mem_limit int8, net_rx_bytes int8, net_tx_bytes int8,"
	    " blk_read_bytes int8, blk_write_bytes int8, pids int)"
	    " ON CONFLICT (container_id) DO UPDATE SET sampled_at = now(),"
	    " cpu_percent = EXCLUDED.cpu_percent, cpu_seconds ="
	    " EXCLUDED.cpu_seconds, mem_bytes = EXCLUDED.mem_bytes,"
	    " mem_limit = EXCLUDED.mem_limit, net_rx_bytes ="
	    " EXCLUDED.net_rx_bytes, net_tx_bytes = EXCLUDED.net_tx_bytes,"
	    " blk_read_bytes = EXCLUDED.blk_read_bytes, blk_write_bytes ="
	    " EXCLUDED.blk_write_bytes, pids = EXCLUDED.pids", text) == OP_OK)
		(void)op_db_commit(db);
	op_db_rollback(db);
	free(text);
}

/* The host's share of the rollups: CPU from the last tick's counters. */
static void
host_sample(struct sampler *s)
{
	struct host_sample	h;
	double			busy, all;

	if (host_read(&h) != OP_OK)
		return;
	busy = h.cpu_busy_seconds - s->host_prev.cpu_busy_seconds;
	all = busy + h.cpu_idle_seconds - s->host_prev.cpu_idle_seconds;
	if (s->host_prev.cpus > 0 && all > 0)
		acc_add(s, "host", NULL, "cpu_percent", busy / all * 100.0 *
		    h.cpus);
	acc_add(s, "host", NULL, "mem_bytes",
	    (double)(h.mem_total - h.mem_available));
	acc_add(s, "host", NULL, "disk_used_bytes",
	    (double)(h.disk_total - h.disk_free));
	acc_add(s, "host", NULL, "load1", h.load1);
	acc_add(s, "host", NULL, "net_rx_bytes", (double)h.net_rx);
	acc_add(s, "host", NULL, "net_tx_bytes", (double)h.net_tx);
	s->host_prev = h;
}

/* Forget the previous samples of engine containers no longer sampled. */
static void
prev_keep(struct sampler *s, const struct target *t, size_t n)
{
	size_t	i, j, kept = 0;

	for (i = 0; i < s->nprev; i++) {
		for (j = 0; j < n && strcmp(t[j].docker_id,
		    s->prev[i].docker_id) != 0; j++)
			;
		if (j < n)
			s->prev[kept++] = s->prev[i];
	}
	s->nprev = kept;
}

/* One share of a tick's engine containers, sampled by one thread. */
struct share {
	struct op_docker	 *docker;
	const struct target	 *t;
	struct prev		**prev;
	struct reading		 *out;
	size_t			  from, to;
	pthread_t		  thread;
};

static void *
share_main(void *arg)
{
	struct share	*sh = arg;
	size_t		 i;

	for (i = sh->from; i < sh->to; i++)
		container_sample(sh->docker, sh->prev[i], &sh->t[i],
		    &sh->out[i]);
	return NULL;
}

/* Read t[0..n) into out[], SAMPLERS calls at a time: the engine takes
 * tens of milliseconds over each, so one after another would not fit 50
 * containers in a second. */
static void
containers_sample(struct sampler *s, const struct target *t, size_t n,
    struct reading *out)
{
	struct share	 sh[SAMPLERS];
	struct prev	*prev[TARGETS_MAX];
	sigset_t	 block, old;
	size_t		 i, k, per = (n + SAMPLERS - 1) / SAMPLERS;
	int		 started[SAMPLERS] = { 0 };

	for (i = 0; i < n; i++)
		prev[i] = prev_find(s, t[i].docker_id);	/* before the threads */
	sigfillset(&block);	/* signals are the worker thread's */
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (k = 0; k < SAMPLERS; k++) {
		sh[k] = (struct share){ s->docker[k], t, prev, out,
		    k * per < n ? k * per : n, (k + 1) * per < n ?
		    (k + 1) * per : n, 0 };
		if (k > 0 && sh[k].from < sh[k].to)
			started[k] = pthread_create(&sh[k].thread, NULL,
			    share_main, &sh[k]) == 0;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	for (k = 0; k < SAMPLERS; k++)
		if (k == 0 || !started[k])
			share_main(&sh[k]);	/* here, if not in a thread */
	for (k = 1; k < SAMPLERS; k++)
		if (started[k])
			pthread_join(sh[k].thread, NULL);
}

/*
 * The sample rows of w[0..n) into rows: each container's engine
 * containers read (a swarm container's tasks summed), published live
 * and into the rollups. A container with nothing read has no row.
 */
static enum op_err
watched_sample(struct sampler *s, const struct watched *w, size_t n,
    json_t *rows)
{
	static struct target	 t[TARGETS_MAX];	/* the worker's only */
	struct reading		*out = NULL, *sum = NULL;
	json_t			*row;
	size_t			 i, nt;

	nt = targets_list(s->docker[0], w, n, t, nitems(t));
	if ((out = calloc(nt + 1, sizeof(*out))) == NULL ||
	    (sum = calloc(n + 1, sizeof(*sum))) == NULL) {
		free(out);
		return OP_ENOMEM;
	}
	prev_keep(s, t, nt);
	containers_sample(s, t, nt, out);
	for (i = 0; i < nt; i++)
		reading_add(&sum[t[i].w], &out[i]);
	for (i = 0; i < n; i++)
		if (sum[i].ok && (row = sample_row(&w[i], sum[i].pct,
		    &sum[i].c)) != NULL) {
			container_publish(s, &w[i], row);
			json_array_append_new(rows, row);
		}
	free(out);
	free(sum);
	return OP_OK;
}

enum op_err
sampler_tick(struct sampler *s, struct op_db *db, const struct watched *w,
    size_t n)
{
	json_t	*rows;
	time_t	 minute = time(NULL) / 60 * 60;

	if (s->minute != minute) {
		acc_flush(s, db);
		s->minute = minute;
		s->nacc = 0;
	}
	if ((rows = json_array()) == NULL ||
	    watched_sample(s, w, n, rows) != OP_OK) {
		json_decref(rows);
		return OP_ENOMEM;
	}
	samples_store(db, rows);
	json_decref(rows);
	host_sample(s);
	if (time(NULL) - s->flushed >= FLUSH_EVERY)
		acc_flush(s, db);
	history_prune(s, db);
	return OP_OK;
}
