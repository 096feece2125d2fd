/* pool.c - bounded queue + mutex/condvar worker pool (see pool.h). */
#include "pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mem.h"

struct worker {
	pool *p;
	int index;
	pthread_t tid;
};

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t nonempty;
	void **queue;          /* ring of queue_cap jobs */
	int queue_cap, head, count;
	int running;           /* jobs being run */
	int stopping;
	pool_ops ops;
	void *ctx;
	int nthreads;
	struct worker *workers;
};

/* Next job, or NULL when the pool stops and the queue is drained. */
static void *take(pool *p)
{
	void *job = NULL;

	pthread_mutex_lock(&p->mu);
	while (!p->count && !p->stopping)
		pthread_cond_wait(&p->nonempty, &p->mu);
	if (p->count) {
		job = p->queue[p->head];
		p->head = (p->head + 1) % p->queue_cap;
		p->count--;
		p->running++;
	}
	pthread_mutex_unlock(&p->mu);
	return job;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	pool *p = w->p;
	void *state = p->ops.thread_init ? p->ops.thread_init(p->ctx, w->index) : NULL;
	void *job;

	while ((job = take(p)) != NULL) {
		p->ops.run(p->ctx, state, job);
		pthread_mutex_lock(&p->mu);
		p->running--;
		pthread_mutex_unlock(&p->mu);
	}
	if (p->ops.thread_end)
		p->ops.thread_end(p->ctx, state);
	return NULL;
}

static void stop_and_join(pool *p, int started)
{
	pthread_mutex_lock(&p->mu);
	p->stopping = 1;
	pthread_cond_broadcast(&p->nonempty);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < started; i++)
		pthread_join(p->workers[i].tid, NULL);
}

static void destroy(pool *p)
{
	pthread_cond_destroy(&p->nonempty);
	pthread_mutex_destroy(&p->mu);
	free(p->queue);
	free(p->workers);
	free(p);
}

pool *pool_new(int threads, int queue_cap, const pool_ops *ops, void *ctx, size_t stack_size,
	       zq_err *err)
{
	pool *p = zq_calloc(1, sizeof(*p));
	pthread_attr_t attr;
	int i, rc = 0;

	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->nonempty, NULL);
	p->queue_cap = queue_cap > 0 ? queue_cap : 1;
	p->queue = zq_calloc((size_t)p->queue_cap, sizeof(void *));
	p->ops = *ops;
	p->ctx = ctx;
	p->nthreads = threads;
	p->workers = zq_calloc((size_t)threads, sizeof(struct worker));
	pthread_attr_init(&attr);
	if (stack_size)
		pthread_attr_setstacksize(&attr, stack_size);
	for (i = 0; i < threads; i++) {
		p->workers[i].p = p;
		p->workers[i].index = i;
		if ((rc = pthread_create(&p->workers[i].tid, &attr, worker_main, &p->workers[i])) != 0)
			break;
	}
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		zq_errf(err, ZQ_EINTERNAL, "scheduler.threads: cannot start worker %d of %d: %s", i + 1,
			threads, strerror(rc));
		stop_and_join(p, i);
		destroy(p);
		return NULL;
	}
	return p;
}

int pool_post(pool *p, void *job)
{
	int rc = 0;

	pthread_mutex_lock(&p->mu);
	if (p->stopping)
		rc = ZQ_EINVAL;
	else if (p->count == p->queue_cap)
		rc = ZQ_EBUSY;
	else {
		p->queue[(p->head + p->count) % p->queue_cap] = job;
		p->count++;
		pthread_cond_signal(&p->nonempty);
	}
	pthread_mutex_unlock(&p->mu);
	return rc;
}

int pool_busy(pool *p)
{
	int n;

	pthread_mutex_lock(&p->mu);
	n = p->count + p->running;
	pthread_mutex_unlock(&p->mu);
	return n;
}

int pool_threads(const pool *p)
{
	return p->nthreads;
}

void pool_free(pool *p)
{
	if (!p)
		return;
	stop_and_join(p, p->nthreads);
	destroy(p);
}
