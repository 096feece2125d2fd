/* loop.h - the scheduler daemon's loop: one thread that owns a database
 * connection and, each tick, in ONE short transaction, settles the runs
 * workers finished, reaps executions of lost nodes, fires due tasks and
 * claims pending executions up to the number of free workers; then posts
 * the claimed runs to the worker pool (pool.h). Around the tick it
 * heartbeats its node row and its running executions, passes cancel
 * requests to workers, and sleeps on CLOCK_MONOTONIC
 * until the earliest due time, a wake-up datagram, a finished run, or the
 * poll interval. Old history is purged by a thread of its own
 * (retention.h). loop.c has the loop itself, settle.c the queue of runs to
 * settle, duties.c the heartbeat and the other duties around the tick; all
 * three share struct loop (loop_priv.h), and a tick's transaction is a
 * tick_tx (tick_tx.h).
 *
 * Threads: the loop thread runs loop_run; workers only run executors and
 * hand finished runs back through a mutex-guarded queue plus an eventfd.
 * Signals: the caller blocks SIGTERM/SIGINT/SIGHUP in every thread before
 * loop_new; the loop unblocks them only while it sleeps (ppoll) and reads
 * the flags the handlers set. */
#ifndef ZQ_SCHED_LOOP_H
#define ZQ_SCHED_LOOP_H

#include <signal.h>

#include "config.h"
#include "err.h"

typedef struct loop loop;

/* Flags set by the signal handlers (main.c). */
typedef struct loop_signals {
	volatile sig_atomic_t *term;  /* SIGTERM / SIGINT: drain and exit */
	volatile sig_atomic_t *hup;   /* SIGHUP: reload the configuration */
} loop_signals;

/* Connect (waiting up to db.startup_wait), check the server and schema,
 * register the node, bind the wake-up socket, start the workers. cfg is
 * kept by pointer and must outlive the loop. NULL + err on failure. */
loop *loop_new(const zq_config *cfg, const loop_signals *sig, zq_err *err);
/* Run until SIGTERM has drained the running work. 0, or a ZQ_E* code. */
int loop_run(loop *L);
/* Stop workers, unregister, free. NULL is ok. */
void loop_free(loop *L);

#endif
