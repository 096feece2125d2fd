/* test_pool.c - the worker pool: every posted job runs exactly once on a
 * worker with that worker's own state, a full queue is an error rather than
 * a wait, and freeing the pool finishes queued work first. Run under TSan
 * (-DZQ_TSAN=ON) to check the locking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "pool.h"

struct ctx {
	atomic_int inits, ends, ran;
	atomic_int running, max_running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int gate_open;        /* jobs wait for this when gated */
	int gated;
};

struct job {
	int id;
	int runs;             /* written by the worker that ran it */
	int thread_index;
};

static void *t_init(void *c, int index)
{
	struct ctx *x = c;
	int *st = malloc(sizeof(int));

	*st = index;
	atomic_fetch_add(&x->inits, 1);
	return st;
}

static void t_end(void *c, void *st)
{
	struct ctx *x = c;

	atomic_fetch_add(&x->ends, 1);
	free(st);
}

static void t_run(void *c, void *st, void *j)
{
	struct ctx *x = c;
	struct job *job = j;
	int now = atomic_fetch_add(&x->running, 1) + 1, m;

	while (now > (m = atomic_load(&x->max_running)) &&
	       !atomic_compare_exchange_weak(&x->max_running, &m, now))
		;
	if (x->gated) {
		pthread_mutex_lock(&x->mu);
		while (!x->gate_open)
			pthread_cond_wait(&x->cv, &x->mu);
		pthread_mutex_unlock(&x->mu);
	}
	job->runs++;
	job->thread_index = *(int *)st;
	atomic_fetch_sub(&x->running, 1);
	atomic_fetch_add(&x->ran, 1);
}

static const pool_ops ops = {t_init, t_run, t_end};

static void ctx_init(struct ctx *x, int gated)
{
	memset(x, 0, sizeof(*x));
	pthread_mutex_init(&x->mu, NULL);
	pthread_cond_init(&x->cv, NULL);
	x->gated = gated;
}

static void open_gate(struct ctx *x)
{
	pthread_mutex_lock(&x->mu);
	x->gate_open = 1;
	pthread_cond_broadcast(&x->cv);
	pthread_mutex_unlock(&x->mu);
}

static void every_job_runs_once_with_thread_state(void **state)
{
	struct ctx x;
	struct job jobs[2000];
	zq_err err = ZQ_ERR_INIT;
	pool *p;
	int posted = 0;

	(void)state;
	ctx_init(&x, 0);
	memset(jobs, 0, sizeof(jobs));
	p = pool_new(4, 16, &ops, &x, 0, &err);
	assert_non_null(p);
	while (posted < 2000) {
		jobs[posted].id = posted;
		if (pool_post(p, &jobs[posted]) == 0)
			posted++;
		else
			sched_yield();
	}
	pool_free(p);
	assert_int_equal(atomic_load(&x.ran), 2000);
	for (int i = 0; i < 2000; i++) {
		assert_int_equal(jobs[i].runs, 1);
		assert_true(jobs[i].thread_index >= 0 && jobs[i].thread_index < 4);
	}
	assert_int_equal(atomic_load(&x.inits), 4);
	assert_int_equal(atomic_load(&x.ends), 4);
	assert_true(atomic_load(&x.max_running) <= 4);
}

static void full_queue_is_ebusy_and_busy_counts(void **state)
{
	struct ctx x;
	struct job jobs[5];
	zq_err err = ZQ_ERR_INIT;
	pool *p;

	(void)state;
	ctx_init(&x, 1);
	memset(jobs, 0, sizeof(jobs));
	p = pool_new(2, 2, &ops, &x, 0, &err);
	assert_non_null(p);
	assert_int_equal(pool_threads(p), 2);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pool_post(p, &jobs[i]), 0);
	while (atomic_load(&x.running) < 2)  /* both workers hold a job at the gate */
		sched_yield();
	assert_int_equal(pool_post(p, &jobs[2]), 0);
	assert_int_equal(pool_post(p, &jobs[3]), 0);
	assert_int_equal(pool_post(p, &jobs[4]), ZQ_EBUSY);
	assert_int_equal(pool_busy(p), 4);
	open_gate(&x);
	pool_free(p);  /* queued jobs still run */
	for (int i = 0; i < 4; i++)
		assert_int_equal(jobs[i].runs, 1);
	assert_int_equal(jobs[4].runs, 0);
}

static void free_waits_for_running_jobs(void **state)
{
	struct ctx x;
	struct job jobs[3];
	zq_err err = ZQ_ERR_INIT;
	pool *p;
	struct timespec ts = {0, 20 * 1000000L};

	(void)state;
	ctx_init(&x, 1);
	memset(jobs, 0, sizeof(jobs));
	p = pool_new(3, 3, &ops, &x, 0, &err);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pool_post(p, &jobs[i]), 0);
	nanosleep(&ts, NULL);
	open_gate(&x);
	pool_free(p);
	assert_int_equal(atomic_load(&x.ran), 3);
	assert_int_equal(atomic_load(&x.running), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_job_runs_once_with_thread_state),
		cmocka_unit_test(full_queue_is_ebusy_and_busy_counts),
		cmocka_unit_test(free_waits_for_running_jobs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
