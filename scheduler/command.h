/* command.h - the command executor for common_task and manual_task.
 *
 * Config (after config_override is merged): {"command": "...", "work_dir",
 * "env": {"NAME": "value"}, "timeout_seconds"}. Runs `/bin/sh -c command`
 * in its own process group (proc.h) with the daemon's environment minus its
 * own ZQ_* variables (they may hold the database password), plus `env`,
 * plus ZQ_TASK_ID, ZQ_TASK_NAME, ZQ_EXECUTION_ID, ZQ_TRIGGER,
 * ZQ_RETRY_COUNT and ZQ_SCHEDULED_TIME.
 *
 * stdout and stderr are read without blocking into capped tails (tail.h);
 * stdout lines in the progress protocol (progress.h) update progress, steps
 * and the result summary. Exit 0 is success; anything else fails with the
 * exit code or signal and the first 500 characters of stderr as
 * error_summary. A timeout, cancel, lease loss or shutdown sends TERM to the
 * whole group, then KILL after kill_grace. When the shell exits by itself,
 * whatever it left running in its group gets TERM, and KILL once the output
 * pipes close (or after kill_grace): a run leaves no process behind. */
#ifndef ZQ_SCHED_COMMAND_H
#define ZQ_SCHED_COMMAND_H

#include "run.h"

#define COMMAND_ERROR_SUMMARY_CHARS 500

/* Run r on the calling worker thread; always ends it (run_end). */
void command_run(run *r);

#endif
