/* example.h - the example_task executor: simulated work with progress.
 *
 * Config: duration_seconds (default 3), steps (default 5), success_rate
 * (0-1, default 1.0), message. Sleeps duration/steps per step (a cancel,
 * timeout or lease loss interrupts the sleep), reports "step i/N" progress
 * and a step row per step, then succeeds with probability success_rate.
 * Result: {"success", "message", "duration_seconds", "steps_total"}. */
#ifndef ZQ_SCHED_EXAMPLE_H
#define ZQ_SCHED_EXAMPLE_H

#include "run.h"

/* Run r on the calling worker thread; always ends it (run_end). */
void example_run(run *r);

#endif
