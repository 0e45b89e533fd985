/*
 * password.c — Argon2id password hashing, capped pool-wide.
 *
 * Each hash costs 64 MiB, so the pool master creates a process-shared
 * semaphore before it forks and every worker takes a slot per hash. Next
 * to the semaphore sits a table of the pids holding a slot, so that a
 * worker that dies mid-hash (killed at its timeout, OOM) does not leak
 * its slot for good: a caller that times out reclaims slots of dead
 * holders before giving up.
 */
#include <sys/mman.h>

#include <errno.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "openpanel.h"

#define PW_MAX		1024		/* bytes of password we accept */
#define PW_SLOTS_MAX	64
#define PW_WAIT_NS	1000000000L	/* how long a caller queues */
#define PW_NONE		-1		/* no slot held */
#define PW_UNNAMED	PW_SLOTS_MAX	/* a slot held, no holder entry */

struct pw_gate {
	sem_t		 sem;
	atomic_int	 holder[PW_SLOTS_MAX];	/* pid, or 0 when free */
};

static struct pw_gate	*gate;		/* NULL: no cap (unit tests) */

static enum op_err	 pw_ready(void);
static enum op_err	 pw_acquire(int *);
static void		 pw_release(int);
static int		 pw_reclaim(void);

/*
 * Create the semaphore allowing `slots` (1..64) hashes at once, in shared
 * memory the workers inherit: call it in the master before forking, once.
 */
enum op_err
op_password_init(unsigned slots)
{
	struct pw_gate	*g = MAP_FAILED;
	enum op_err	 er;

	if ((er = pw_ready()) != OP_OK)
		goto out;
	er = OP_EINVAL;
	if (gate != NULL || slots == 0 || slots > PW_SLOTS_MAX)
		goto out;
	er = OP_ENOMEM;
	g = mmap(NULL, sizeof(*g), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (g == MAP_FAILED)
		goto out;
	/* The anonymous mapping is zeroed: every holder slot starts free. */
	er = OP_EINTERNAL;
	if (sem_init(&g->sem, 1, slots) == -1)
		goto out;
	gate = g;
	g = MAP_FAILED;
	er = OP_OK;
out:
	if (g != MAP_FAILED)
		munmap(g, sizeof(*g));
	return er;
}

/*
 * Hash password (at most 1024 bytes) with Argon2id at libsodium's
 * interactive limits into out, a NUL-terminated string of at most
 * crypto_pwhash_STRBYTES (128) bytes. OP_EUNAVAIL when no slot frees
 * within a second; out is the empty string on any failure.
 */
enum op_err
op_password_hash(const char *password, char *out, size_t outsz)
{
	char		 buf[crypto_pwhash_STRBYTES];
	size_t		 len;
	int		 slot = PW_NONE;
	enum op_err	 er = OP_EINVAL;

	if (out != NULL && outsz > 0)
		out[0] = '\0';
	if (password == NULL || out == NULL || outsz < sizeof(buf))
		goto out;
	if ((len = strnlen(password, PW_MAX + 1)) > PW_MAX)
		goto out;
	if ((er = pw_ready()) != OP_OK)
		goto out;
	op_pool_hashing(1);
	if ((er = pw_acquire(&slot)) != OP_OK)
		goto out;
	/* The only failure is the 64 MiB allocation. */
	er = OP_ENOMEM;
	if (crypto_pwhash_str(buf, password, len,
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		goto out;
	memcpy(out, buf, sizeof(buf));
	er = OP_OK;
out:
	pw_release(slot);
	op_pool_hashing(0);
	sodium_memzero(buf, sizeof(buf));
	return er;
}

/*
 * OP_OK when password matches hash, OP_EUNAUTH when it does not;
 * OP_EINVAL for a hash string libsodium cannot parse or a password past
 * 1024 bytes; OP_EUNAVAIL when no slot frees within a second.
 */
enum op_err
op_password_verify(const char *hash, const char *password)
{
	size_t		 len;
	int		 slot = PW_NONE;
	enum op_err	 er = OP_EINVAL;

	if (hash == NULL || password == NULL)
		goto out;
	/* libsodium reads hash as a crypto_pwhash_STRBYTES buffer. */
	if (strnlen(hash, crypto_pwhash_STRBYTES) >= crypto_pwhash_STRBYTES)
		goto out;
	if ((len = strnlen(password, PW_MAX + 1)) > PW_MAX)
		goto out;
	if ((er = pw_ready()) != OP_OK)
		goto out;
	/*
	 * crypto_pwhash_str_verify answers -1 both for a mismatch and for
	 * garbage; parsing the string first tells them apart, cheaply and
	 * before the caller queues for a slot.
	 */
	er = OP_EINVAL;
	if (crypto_pwhash_str_needs_rehash(hash,
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) == -1)
		goto out;
	op_pool_hashing(1);
	if ((er = pw_acquire(&slot)) != OP_OK)
		goto out;
	er = crypto_pwhash_str_verify(hash, password, len) == 0 ?
	    OP_OK : OP_EUNAUTH;
out:
	pw_release(slot);
	op_pool_hashing(0);
	return er;
}

/* Initialise libsodium once; it is idempotent and thread-safe. */
static enum op_err
pw_ready(void)
{
	return sodium_init() < 0 ? OP_EINTERNAL : OP_OK;
}

/*
 * Take a hashing slot, waiting up to PW_WAIT_NS on the monotonic clock
 * (a wall-clock step must not stretch or cut the wait). *slot is what to
 * hand pw_release: a holder index, PW_UNNAMED, or PW_NONE when nothing
 * was taken (no gate, or a failure).
 */
static enum op_err
pw_acquire(int *slot)
{
	struct timespec	 deadline;
	int		 i, expect, r;
	enum op_err	 er = OP_EUNAVAIL;

	*slot = PW_NONE;
	if (gate == NULL) {
		er = OP_OK;
		goto out;
	}
	if (clock_gettime(CLOCK_MONOTONIC, &deadline) == -1) {
		er = OP_EINTERNAL;
		goto out;
	}
	deadline.tv_nsec += PW_WAIT_NS % 1000000000L;
	deadline.tv_sec += PW_WAIT_NS / 1000000000L +
	    deadline.tv_nsec / 1000000000L;
	deadline.tv_nsec %= 1000000000L;

	while ((r = sem_clockwait(&gate->sem, CLOCK_MONOTONIC,
	    &deadline)) == -1 && errno == EINTR)
		continue;
	if (r == -1) {
		if (errno != ETIMEDOUT || pw_reclaim() == 0 ||
		    sem_trywait(&gate->sem) == -1)
			goto out;
	}

	/*
	 * Entries in use never outnumber slots taken, so one is free; the
	 * fallback only guards that reasoning.
	 */
	*slot = PW_UNNAMED;
	for (i = 0; i < PW_SLOTS_MAX; i++) {
		expect = 0;
		if (atomic_compare_exchange_strong(&gate->holder[i], &expect,
		    (int)getpid())) {
			*slot = i;
			break;
		}
	}
	er = OP_OK;
out:
	return er;
}

/* Give back what pw_acquire took; PW_NONE is a no-op. */
static void
pw_release(int slot)
{
	if (gate == NULL || slot == PW_NONE)
		return;
	if (slot != PW_UNNAMED)
		atomic_store(&gate->holder[slot], 0);
	sem_post(&gate->sem);
}

/*
 * Free the slots of holders that no longer exist, returning how many. A
 * recycled pid keeps its slot until that process exits too: we only
 * ever err on the side of fewer slots.
 */
static int
pw_reclaim(void)
{
	int	 i, pid, n = 0;

	for (i = 0; i < PW_SLOTS_MAX; i++) {
		pid = atomic_load(&gate->holder[i]);
		if (pid == 0 || kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		/* Only one reclaimer wins each dead entry. */
		if (atomic_compare_exchange_strong(&gate->holder[i], &pid, 0)) {
			sem_post(&gate->sem);
			n++;
		}
	}
	return n;
}
