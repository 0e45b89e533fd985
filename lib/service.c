/*
 * service.c — the main() every service binary shares: configuration,
 * keys, and the serve / work / migrate commands.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "openpanel.h"

static volatile int	stop_work;

static void
on_term(int sig)
{
	stop_work = 1;
}

static int
usage(const struct op_service *svc)
{
	fprintf(stderr, "usage: op-%s serve | work | migrate%s%s\n", svc->name,
	    svc->usage ? " | " : "", svc->usage ? svc->usage : "");
	return 2;
}

/* The keys this service needs; OP_OK or a logged failure. */
static enum op_err
keys_load(const struct op_service *svc)
{
	unsigned char	key[OP_KEY_LEN];
	enum op_err	er = OP_OK;

	if (op_key_load(op_config_get("OP_SECRET_KEY_FILE",
	    "/etc/openpanel/secret.key"), key) != OP_OK ||
	    op_secret_init(key) != OP_OK) {
		op_error("cannot load the key in OP_SECRET_KEY_FILE");
		er = OP_EIO;
	} else if ((svc->needs & OP_SVC_JWT) &&
	    (op_key_load(op_config_get("OP_JWT_KEY_FILE",
	    "/etc/openpanel/jwt.key"), key) != OP_OK ||
	    op_jwt_init(key, op_config_get("OP_JWT_ISSUER", "openpanel"),
	    "openpanel-api") != OP_OK)) {
		op_error("cannot load the key in OP_JWT_KEY_FILE");
		er = OP_EIO;
	}
	op_wipe(key, sizeof(key));
	return er;
}

/*
 * `migrate`: the service's schema brought up to date. A database that
 * cannot be reached is tried again each second for up to
 * OP_MIGRATE_WAIT_S (30): under systemd this runs before every start of
 * the pool, on demand too, and a start that failed at once while
 * PostgreSQL restarts would fail five times in ten seconds, after which
 * systemd gives up on the unit and closes its socket.
 */
static int
cmd_migrate(const struct op_service *svc)
{
	struct op_db	*db = NULL;
	char		 dir[4096], conninfo[1024];
	long long	 until;
	enum op_err	 er;

	snprintf(dir, sizeof(dir), "%s/%s", op_config_get("OP_SQL_DIR",
	    "/usr/local/share/openpanel/sql"), svc->schema);
	until = op_mono_ms() + op_config_int("OP_MIGRATE_WAIT_S", 30, 0,
	    3600) * 1000LL;
	if ((er = op_db_conninfo(svc->name, conninfo, sizeof(conninfo))) ==
	    OP_OK && (er = op_db_open(conninfo, &db)) == OP_OK)
		while ((er = op_migrate(db, svc->schema, dir)) ==
		    OP_EUNAVAIL && op_mono_ms() < until)
			sleep(1);
	op_db_close(db);
	return er == OP_OK ? 0 : 1;
}

struct relay_args {
	const char	*conninfo;
	const char	*schema;
};

static void *
relay_main(void *p)
{
	struct relay_args	*a = p;

	(void)op_outbox_relay(a->conninfo, a->schema, op_config_get(
	    "OP_REDIS", "127.0.0.1:6379"), &stop_work);
	return NULL;
}

/* The relay in a thread of its own, svc->work (if any) in this one; both
 * end soon after SIGTERM, and the relay is joined. */
static int
cmd_work(const struct op_service *svc)
{
	struct sigaction	 sa;
	struct relay_args	 a;
	struct op_db		*db = NULL;
	pthread_t		 relay;
	sigset_t		 block, old;
	char			 conninfo[1024];
	enum op_err		 er = OP_OK;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (op_db_conninfo(svc->name, conninfo, sizeof(conninfo)) != OP_OK)
		return 1;
	a.conninfo = conninfo;
	a.schema = svc->schema;
	/* The relay thread never takes the signals: this thread must wake. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	if (pthread_create(&relay, NULL, relay_main, &a) != 0)
		return 1;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (svc->work != NULL && (er = op_db_open(conninfo, &db)) == OP_OK)
		er = svc->work(svc, db, &stop_work);
	while (!stop_work && er == OP_OK)
		pause();
	stop_work = 1;
	pthread_join(relay, NULL);
	op_db_close(db);
	/* Every thread is gone (svc->work joins its own): libcurl's state
	 * can go, so a leak checker at exit sees only what was lost. */
	op_live_cleanup();
	op_docker_cleanup();
	return er == OP_OK ? 0 : 1;
}

/*
 * The pool's size from OP_WORKERS_MIN, OP_WORKERS and OP_WORKERS_IDLE_S
 * (a minimum above the maximum is the maximum), and its idle exit from
 * OP_IDLE_EXIT_S (on systemd's socket only). A pool that hashes
 * passwords has room for twice its hashing slots more, used only while
 * workers hash: a worker hashing, or queued for a slot, holds its request
 * for up to a second, and a burst of sign-ins must not take every worker
 * the auth check on each request needs (it took reads from 1340 to
 * 90 req/s in the bench).
 */
static const struct op_pool_size *
pool_size(const struct op_service *svc, unsigned hash_slots,
    struct op_pool_size *size)
{
	size->max = (unsigned)op_config_int("OP_WORKERS", 4, 1, 128);
	size->min = (unsigned)op_config_int("OP_WORKERS_MIN", 1, 1, 128);
	if (size->min > size->max)
		size->min = size->max;
	size->hashing = svc->needs & OP_SVC_PASSWORDS ? 2 * hash_slots : 0;
	size->max += size->hashing;
	size->idle_s = (unsigned)op_config_int("OP_WORKERS_IDLE_S", 10, 1,
	    3600);
	size->exit_s = op_idle_exit_s();
	return size;
}

int
op_service_main(const struct op_service *svc, int argc, char *argv[])
{
	struct op_pool_size	size;
	char			name[64];
	unsigned		slots;
	int			rc;

	if (argc < 2)
		return usage(svc);
	snprintf(name, sizeof(name), "%s%s", svc->name,
	    strcmp(argv[1], "work") == 0 ? "-worker" : "");
	op_log_init(name, OP_LOG_INFO);
	if (op_config_load(getenv("OP_CONFIG") ? getenv("OP_CONFIG") :
	    "/etc/openpanel/openpanel.conf") != OP_OK)
		return 1;
	if (strcmp(argv[1], "migrate") == 0)
		return cmd_migrate(svc);
	if (svc->command != NULL && (rc = svc->command(argc, argv)) >= 0)
		return rc;
	if (keys_load(svc) != OP_OK)
		return 1;
	if (strcmp(argv[1], "serve") == 0) {
		slots = (unsigned)op_config_int("OP_HASH_SLOTS", 2, 1, 64);
		if ((svc->needs & OP_SVC_PASSWORDS) &&
		    op_password_init(slots) != OP_OK)
			return 1;
		return op_pool_run(svc, op_config_get("OP_SOCKET", NULL),
		    pool_size(svc, slots, &size)) == OP_OK ? 0 : 1;
	}
	if (strcmp(argv[1], "work") == 0)
		return cmd_work(svc);
	return usage(svc);
}
