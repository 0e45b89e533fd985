/*
 * monitor.h — private to op-monitor: the handlers, the worker's parts,
 * and what they share.
 */
#ifndef MONITOR_H
#define MONITOR_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "openpanel.h"

#define FOLLOWERS_MAX	1024	/* containers followed at once */

/* Handlers, one file per group. */
enum op_err	metrics_get(struct op_req *);		/* metrics.c */
enum op_err	history_get(struct op_req *);		/* history.c */
enum op_err	health_live(struct op_req *);		/* health.c */
enum op_err	health_ready(struct op_req *);
enum op_err	stats_get(struct op_req *);		/* stats.c */
enum op_err	logs_get(struct op_req *);		/* logs.c */
enum op_err	alerts_list(struct op_req *);		/* alerts.c */
enum op_err	alerts_create(struct op_req *);
enum op_err	alerts_get(struct op_req *);
enum op_err	alerts_update(struct op_req *);
enum op_err	alerts_delete(struct op_req *);
enum op_err	channels_list(struct op_req *);		/* channels.c */
enum op_err	channels_create(struct op_req *);
enum op_err	channels_get(struct op_req *);
enum op_err	channels_update(struct op_req *);
enum op_err	channels_delete(struct op_req *);
enum op_err	channels_test(struct op_req *);
enum op_err	channels_deliveries(struct op_req *);

/*
 * The team of the rule or channel (table "rules" or "channels") whose id
 * is the path's :id, if the caller may act on it: OP_ENOTFOUND (failed
 * with not_found) when absent or another team's (owner.c).
 */
enum op_err	monitor_owner(struct op_req *, const char *table,
		    enum op_action, const char **team);
/* GET …?team_id=: every row sql answers for that team ($1), for any of
 * its members, as a list (owner.c). */
enum op_err	monitor_team_list(struct op_req *, const char *sql);

/* The job queues of builds, backups and infra (jobs.c). Per queue:
 * queue, queued, running, failed, oldest_queued_seconds, finished,
 * seconds (their sum). */
enum op_err	jobs_summary(struct op_db *, PGresult **);
/* Their families in the Prometheus exposition. */
enum op_err	jobs_expose(struct op_db *, struct op_buf *);

/* The worker: followers, sampler, event relay (worker.c). It ends once
 * *stop is set, with every thread it started joined. */
enum op_err	monitor_work(const struct op_service *, struct op_db *,
		    volatile int *stop);
/* Sleep up to ms, waking within a tenth of a second of *stop being set. */
void		monitor_nap(volatile int *stop, int ms);
/* A thread running fn, with every signal blocked in it (they are the
 * worker thread's), into *t: OP_ENOMEM when none can be had. */
enum op_err	monitor_thread_start(pthread_t *t, void *(*fn)(void *));

/* A running container the worker watches. */
struct watched {
	char	id[37];		/* projects.containers_v.id */
	char	team_id[37];
	char	docker_id[72];	/* a Swarm service's id when swarm */
	int	swarm;		/* runs as a Swarm service (mode swarm) */
};

/* An engine container sampled this tick: a plain container, or one
 * task of a swarm container on this node (tasks.c). */
struct target {
	size_t	w;		/* its watched container: w[this] */
	char	docker_id[72];	/* the engine container's id */
};
#define TARGETS_MAX	FOLLOWERS_MAX

/*
 * The engine containers behind w[0..n), at most max of them, into t:
 * each plain container itself, and each running task container of each
 * swarm container that runs on this node (all found in one engine call,
 * made only when w holds a swarm container). Returns how many.
 */
size_t		targets_list(struct op_docker *, const struct watched *w,
		    size_t n, struct target *t, size_t max);

/* Log followers, one thread per running container (follow.c); a swarm
 * container's follows its service's logs (every task, on every node).
 * Each leaves its stream within about a second of *stop being set. */
struct followers;
enum op_err	followers_new(volatile int *stop, struct followers **);
/* Follow exactly the n containers of w: start new ones, stop gone ones. */
void		followers_sync(struct followers *, const struct watched *w,
		    size_t n);
/* Stop every follower, wait for each to end (about a second), free. */
void		followers_free(struct followers *);

/* The team event stream into events/<team_id> (relay.c), in a thread
 * (*t, for the caller to join) that ends soon after *stop is set. */
enum op_err	relay_start(volatile int *stop, pthread_t *t);

/* Alert rules, evaluated by the worker (evaluate.c). */
enum op_err	alerts_evaluate(const struct op_service *, struct op_db *);

/* The notifier thread: queued deliveries to channels (notify.c), in a
 * thread (*t, for the caller to join) that ends soon after *stop is set,
 * abandoning a delivery under way (its lease brings it back later). */
enum op_err	notify_start(volatile int *stop, pthread_t *t);

/* Container and host samples (sample.c): one tick publishes and stores;
 * its engine calls give up once *stop is set. */
struct sampler;
enum op_err	sampler_new(volatile int *stop, struct sampler **);
enum op_err	sampler_tick(struct sampler *, struct op_db *,
		    const struct watched *w, size_t n);
void		sampler_free(struct sampler *);

/* The host, from /proc and statvfs (host.c). */
struct host_sample {
	double		cpu_busy_seconds;	/* all CPUs, since boot */
	double		cpu_idle_seconds;
	int		cpus;
	double		load1, load5, load15;
	uint64_t	mem_total, mem_available;
	uint64_t	disk_total, disk_free;	/* of OP_MONITOR_DISK_PATH */
	uint64_t	net_rx, net_tx;		/* bytes, all but lo */
};
enum op_err	host_read(struct host_sample *);

/* A container's counters from its cgroup and network namespace
 * (cgroup.c): OP_ENOTFOUND when this host does not show them. */
struct cgroup_sample {
	uint64_t	cpu_ns;
	uint64_t	mem, mem_limit;
	uint64_t	net_rx, net_tx;
	uint64_t	blk_read, blk_write;
	uint64_t	pids;
};
enum op_err	cgroup_read(const char *docker_id, pid_t pid,
		    struct cgroup_sample *);
const char	*host_disk_path(void);

#endif /* MONITOR_H */
