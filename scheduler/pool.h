/* pool.h - a fixed set of worker threads fed by a bounded job queue
 * (like nginx' ngx_thread_pool and libuv's threadpool).
 *
 * Locking: one mutex guards the queue and the counters; workers sleep on a
 * condition variable while the queue is empty. ops->run is called with no
 * lock held, so a job may block for as long as it likes (a child process,
 * a DB call). ops->thread_init / thread_end run on each worker thread at
 * its start and end (e.g. to open and close that thread's DB connection).
 * Threads start with the creating thread's signal mask: block the signals
 * the daemon handles before pool_new.
 *
 * pool_post never blocks: a full queue is ZQ_EBUSY. pool_free is the
 * shutdown sentinel: no more posts, queued and running jobs finish, the
 * threads are joined. Every function may be called from any thread except
 * pool_free, which must not be called from a worker. */
#ifndef ZQ_SCHED_POOL_H
#define ZQ_SCHED_POOL_H

#include <stddef.h>

#include "err.h"

typedef struct pool pool;

typedef struct pool_ops {
	void *(*thread_init)(void *ctx, int index);   /* per-thread state, may be NULL */
	void (*run)(void *ctx, void *thread_state, void *job);
	void (*thread_end)(void *ctx, void *thread_state);
} pool_ops;

/* Start `threads` workers with a queue of queue_cap jobs; stack_size 0 =
 * the system default. ops is copied. Returns NULL and fills err when a
 * thread cannot be created (the ones already started are joined). */
pool *pool_new(int threads, int queue_cap, const pool_ops *ops, void *ctx, size_t stack_size,
	       zq_err *err);
/* Queue a job. 0, ZQ_EBUSY when the queue is full, ZQ_EINVAL once the pool
 * is stopping. */
int pool_post(pool *p, void *job);
/* Jobs queued or running now. */
int pool_busy(pool *p);
int pool_threads(const pool *p);
/* Finish queued and running jobs, join the threads, free. NULL is ok. */
void pool_free(pool *p);

#endif
