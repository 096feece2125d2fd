/* command.c - command executor: spawn, supervise, capture (see command.h). */
#include "command.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "env.h"
#include "exec_store.h"
#include "log.h"
#include "mem.h"
#include "proc.h"
#include "progress.h"
#include "sched_metrics.h"
#include "tail.h"
#include "taskcfg.h"
#include "task.h"
#include "text.h"
#include "timeutil.h"

#define READ_CHUNK (64 << 10)
#define READ_BUDGET (1 << 20)       /* bytes per stream per round before re-checking */
#define HEAD_BYTES 2048             /* enough for 500 characters of stderr */
#define LINE_MAX_BYTES (64 << 10)   /* longest ##progress / ##result line parsed */
#define COMMAND_SHOWN_MAX 1000      /* characters of the command kept in the result */

extern char **environ;

struct cmd {
	run *r;
	proc p;
	tail out, err;
	progress_lines lines;
	char *summary;               /* last ##result object, clean JSON text */
	int summary_bad;             /* a ##result line was not a JSON object */
	const char *command, *work_dir;
	char **envp;
	char *buf;
	int stop;                    /* why we stopped it; 0 = it ended by itself */
	int64_t kill_at;             /* monotonic ms to send KILL; 0 = not scheduled */
	int killed;
	int recorded;                /* record_process done (or not needed) */
	int64_t out_flush_mono;      /* last live output write (or the start) */
	uint64_t flushed_out, flushed_err; /* totals that write carried */
};

/* A run records where its processes are as soon as they exist (one UPDATE
 * per command run): a daemon frozen even in a run's first second must leave
 * a peer on its host what to kill before the retry (a reaper without the
 * record falls back to the lease). Measured with RECORD_AFTER_MS 1000 too:
 * it saved short runs the write, and left that first second uncovered
 * (tests/faults: a daemon SIGSTOPped 0.4 s into its runs). */
#define RECORD_AFTER_MS 0

/* ---- config and environment ---------------------------------------------------- */

static int env_from_config(const cJSON *e, env_list *env, zq_err *err)
{
	char num[64];

	if (!e || cJSON_IsNull(e))
		return 0;
	if (!cJSON_IsObject(e))
		return zq_errf(err, ZQ_EINVAL, "config.env: must be an object of NAME: value");
	for (const cJSON *it = e->child; it; it = it->next) {
		if (!*it->string || strchr(it->string, '='))
			return zq_errf(err, ZQ_EINVAL, "config.env: bad variable name '%s'", it->string);
		if (cJSON_IsString(it))
			env_put(env, it->string, it->valuestring);
		else if (cJSON_IsNumber(it) || cJSON_IsBool(it)) {
			if (cJSON_IsBool(it))
				snprintf(num, sizeof(num), "%s", cJSON_IsTrue(it) ? "true" : "false");
			else
				snprintf(num, sizeof(num), "%.17g", it->valuedouble);
			env_put(env, it->string, num);
		} else
			return zq_errf(err, ZQ_EINVAL, "config.env.%s: must be a string or number",
				       it->string);
	}
	return 0;
}

/* The run's business date, the calendar's business days around it (the
 * adjacent calendar days without a calendar) and the calendar's name. */
static void put_biz_env(env_list *env, const exec_job *j)
{
	env_put_day(env, "ZQ_BIZ_DATE", j->business_day);
	env_put_day(env, "ZQ_PREV_BIZ_DATE", j->prev_day);
	env_put_day(env, "ZQ_NEXT_BIZ_DATE", j->next_day);
	env_put(env, "ZQ_CALENDAR", j->calendar);
}

/* The daemon's environment without ZQ_* (which may carry secrets such as
 * ZQ_DB_PASSWORD), then config.env, then the run's parameters as
 * ZQ_PARAM_<NAME>, then the execution's identity. */
static int build_env(struct cmd *c, zq_err *err)
{
	const exec_job *j = &c->r->job;
	env_list env = {NULL, 0, 0};
	char num[32], ts[32];
	int rc;

	env_put(&env, "PATH", "/usr/local/bin:/usr/bin:/bin");
	/* environ is shared by every worker: read it, never write into it */
	for (char **e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		if (eq && strncmp(*e, "ZQ_", 3) != 0)
			env_putn(&env, *e, (size_t)(eq - *e), eq + 1);
	}
	rc = env_from_config(c->r->cfg.env, &env, err);
	/* parameter values: only ever environment, never command text */
	for (const cJSON *p = c->r->params ? c->r->params->child : NULL; p; p = p->next) {
		char name[64], *value = taskcfg_param_env_value(p);
		taskcfg_param_env_name(p->string, name, sizeof(name));
		env_put(&env, name, value);
		free(value);
	}
	snprintf(num, sizeof(num), "%lld", (long long)j->task_id);
	env_put(&env, "ZQ_TASK_ID", num);
	env_put(&env, "ZQ_TASK_NAME", j->task_name ? j->task_name : "");
	snprintf(num, sizeof(num), "%lld", (long long)j->id);
	env_put(&env, "ZQ_EXECUTION_ID", num);
	env_put(&env, "ZQ_TRIGGER", zq_trigger_name(j->trigger));
	snprintf(num, sizeof(num), "%d", j->retry_count);
	env_put(&env, "ZQ_RETRY_COUNT", num);
	env_put(&env, "ZQ_SCHEDULED_TIME", zq_time_format_iso(j->scheduled_ms, ts, sizeof(ts)));
	put_biz_env(&env, j);
	c->envp = env.v;
	return rc;
}

/* ---- output --------------------------------------------------------------------- */

static void on_line(const char *line, size_t len, void *ctx)
{
	struct cmd *c = ctx;
	progress_line pl;

	switch (progress_parse(line, len, &pl)) {
	case PROGRESS_STEP:
		if (c->r->last_step && c->r->last_step != (int)pl.current)
			run_step_set(c->r, c->r->last_step, EXEC_STEP_COMPLETED, NULL, 0);
		c->r->last_step = pl.current > RUN_STEPS_MAX ? 0 : (int)pl.current;
		run_step_set(c->r, (int)pl.current, EXEC_STEP_RUNNING, pl.text, pl.text_len);
		run_progress(c->r, pl.percent, (int)pl.current, (int)pl.total,
			     pl.text_len ? pl.text : NULL, pl.text_len);
		break;
	case PROGRESS_PERCENT:
		run_progress(c->r, pl.percent, -1, -1, pl.text_len ? pl.text : NULL, pl.text_len);
		break;
	case PROGRESS_RESULT: {
		char *clean = text_clean(pl.text, pl.text_len, TEXT_NO_LIMIT, NULL);
		cJSON *o = cJSON_Parse(clean);
		free(clean);
		free(c->summary);
		c->summary = NULL;
		c->summary_bad = !cJSON_IsObject(o);
		if (!c->summary_bad)
			c->summary = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		break;
	}
	default:
		break;
	}
}

/* Read what is there (up to a budget); closes the fd at EOF. */
static void drain(struct cmd *c, int *fd, tail *t, int is_stdout)
{
	size_t got = 0;
	ssize_t n;

	while (*fd >= 0 && got < READ_BUDGET) {
		n = read(*fd, c->buf, READ_CHUNK);
		if (n > 0) {
			tail_add(t, c->buf, (size_t)n);
			if (is_stdout)
				progress_lines_feed(&c->lines, c->buf, (size_t)n, on_line, c);
			got += (size_t)n;
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			close(*fd);
			*fd = -1;
		} else if (errno == EAGAIN) {
			return;
		}
	}
}

/* ---- live output ---------------------------------------------------------------- */

/* Milliseconds until the next live output write is due: -1 when there is
 * nothing new, live writes are off (scheduler.output_flush_ms = 0) or the
 * run is being stopped (a lost lease: the row may be a peer's now; settle
 * writes what a run that is still ours printed). */
static int64_t output_due_ms(const struct cmd *c)
{
	int64_t ms = c->r->set.output_flush_ms, left;

	if (ms <= 0 || !c->r->db || c->stop ||
	    (c->out.total == c->flushed_out && c->err.total == c->flushed_err))
		return -1;
	left = c->out_flush_mono + ms - zq_mono_ms();
	return left < 0 ? 0 : left;
}

/* The tails so far, at most every output_flush_ms and only when there is
 * new output: one autocommit upsert on the worker's connection (the final
 * write at settle overwrites it). exit_code stays NULL while running. */
static void flush_output(struct cmd *c)
{
	exec_output o = {.exec_id = c->r->job.id, .exit_code = -1};
	zq_err err = ZQ_ERR_INIT;
	char *out, *errt;

	if (output_due_ms(c) != 0)
		return;
	c->out_flush_mono = zq_mono_ms();
	out = tail_text(&c->out, &o.stdout_len);
	errt = tail_text(&c->err, &o.stderr_len);
	o.stdout_tail = out;
	o.stderr_tail = errt;
	o.stdout_bytes = (int64_t)c->out.total;
	o.stderr_bytes = (int64_t)c->err.total;
	if (exec_store_put_output(c->r->db, &o, &err) < 0) {
		zq_debug("OUTPUT exec=%lld not written: %s", (long long)c->r->job.id, err.msg);
	} else {
		c->flushed_out = c->out.total;
		c->flushed_err = c->err.total;
		metrics_count(&metrics_global()->output_flushes, 1);
		zq_debug("OUTPUT exec=%lld stdout_bytes=%lld stderr_bytes=%lld",
			 (long long)c->r->job.id, (long long)o.stdout_bytes,
			 (long long)o.stderr_bytes);
	}
	free(out);
	free(errt);
}

/* ---- supervision ------------------------------------------------------------------ */

static const char *stop_reason_name(int stop)
{
	switch (stop) {
	case RUN_STOP_CANCEL:
		return "cancel requested";
	case RUN_STOP_TIMEOUT:
		return "timeout";
	case RUN_STOP_LEASE:
		return "lease lost";
	case RUN_STOP_ORPHANED:
		return "row gone";
	default:
		return "shutdown";
	}
}

/* Something to do about the process group this round. */
static void supervise(struct cmd *c)
{
	int64_t now = zq_mono_ms();
	int stop = run_check_stop(c->r);

	if (stop && !c->stop && !c->p.exited) {
		c->stop = stop;
		proc_signal_group(&c->p, SIGTERM);
		c->kill_at = now + c->r->set.kill_grace_ms;
		zq_info("exec=%lld stopping: %s (TERM to process group %d)", (long long)c->r->job.id,
			stop_reason_name(stop), (int)c->p.pid);
	}
	if (!c->p.exited && proc_check_exit(&c->p) && !c->kill_at) {
		/* the shell is done: what it left in its group is told to go */
		proc_signal_group(&c->p, SIGTERM);
		c->kill_at = now + c->r->set.kill_grace_ms;
	}
	if (c->kill_at && now >= c->kill_at && !c->killed) {
		proc_signal_group(&c->p, SIGKILL);
		c->killed = 1;
	}
}

static int finished(const struct cmd *c)
{
	/* exited and nobody holds the pipes, or killed and the leader is gone */
	return c->p.exited && ((c->p.out_fd < 0 && c->p.err_fd < 0) || c->killed);
}

static void wait_round(struct cmd *c)
{
	struct pollfd fds[4];
	int nfds = 0;
	int64_t want = 1000, now = zq_mono_ms(), due = output_due_ms(c);
	uint64_t v;

	if (c->kill_at && !c->killed)
		want = c->kill_at - now;
	if (due >= 0 && due < want)
		want = due;
	if (c->p.out_fd >= 0)
		fds[nfds++] = (struct pollfd){c->p.out_fd, POLLIN, 0};
	if (c->p.err_fd >= 0)
		fds[nfds++] = (struct pollfd){c->p.err_fd, POLLIN, 0};
	if (!c->p.exited && c->p.sock >= 0)
		fds[nfds++] = (struct pollfd){c->p.sock, POLLIN, 0};  /* the shim reports the exit */
	if (c->r->wake_fd >= 0)
		fds[nfds++] = (struct pollfd){c->r->wake_fd, POLLIN, 0};
	if (poll(fds, (nfds_t)nfds, (int)run_poll_ms(c->r, want < 0 ? 0 : want)) > 0 &&
	    c->r->wake_fd >= 0 && read(c->r->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		zq_debug("exec=%lld wake read: %s", (long long)c->r->job.id, strerror(errno));
}

static void record_process(struct cmd *c);

static void supervise_loop(struct cmd *c)
{
	while (!finished(c)) {
		if (!c->recorded && !c->p.exited &&
		    zq_mono_ms() - c->r->start_mono >= RECORD_AFTER_MS) {
			c->recorded = 1;
			record_process(c);
		}
		supervise(c);
		if (finished(c))
			break;
		wait_round(c);
		drain(c, &c->p.out_fd, &c->out, 1);
		drain(c, &c->p.err_fd, &c->err, 0);
		run_flush(c->r);
		flush_output(c);
	}
	drain(c, &c->p.out_fd, &c->out, 1);
	drain(c, &c->p.err_fd, &c->err, 0);
	proc_signal_group(&c->p, SIGKILL);  /* nothing of the run outlives it */
	proc_reap(&c->p);
	progress_lines_finish(&c->lines, on_line, c);
}

/* ---- outcome -------------------------------------------------------------------- */

static void put_summary(cJSON *o, const struct cmd *c)
{
	cJSON *s;

	if (c->summary && strlen(c->summary) <= RUN_RESULT_MAX - 8192 &&
	    (s = cJSON_Parse(c->summary)) != NULL)
		cJSON_AddItemToObject(o, "summary", s);
	else if (c->summary)
		cJSON_AddStringToObject(o, "summary_error", "##result object too large; dropped");
	else if (c->summary_bad)
		cJSON_AddStringToObject(o, "summary_error", "##result line is not a JSON object");
}

static char *build_result(struct cmd *c, int success, const char *error_summary)
{
	cJSON *o = cJSON_CreateObject();
	char *cmd = text_clean(c->command, strlen(c->command), COMMAND_SHOWN_MAX, NULL), *s;

	cJSON_AddBoolToObject(o, "success", success);
	if (c->p.exit_code >= 0)
		cJSON_AddNumberToObject(o, "exit_code", c->p.exit_code);
	else
		cJSON_AddNullToObject(o, "exit_code");
	if (c->p.term_signal > 0)
		cJSON_AddNumberToObject(o, "signal", c->p.term_signal);
	cJSON_AddStringToObject(o, "command", cmd);
	if (c->work_dir)
		cJSON_AddStringToObject(o, "work_dir", c->work_dir);
	else
		cJSON_AddNullToObject(o, "work_dir");
	cJSON_AddNumberToObject(o, "duration_seconds",
				(double)(zq_mono_ms() - c->r->start_mono) / 1000.0);
	if (error_summary && *error_summary)
		cJSON_AddStringToObject(o, "error_summary", error_summary);
	put_summary(o, c);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	free(cmd);
	return s;
}

static void keep_output(struct cmd *c)
{
	run *r = c->r;

	r->has_output = 1;
	r->out_text = tail_text(&c->out, &r->out_len);
	r->err_text = tail_text(&c->err, &r->err_len);
	r->out_bytes = (int64_t)c->out.total;
	r->err_bytes = (int64_t)c->err.total;
	r->exit_code = c->p.exit_code;
	r->term_signal = c->p.term_signal;
}

static void end_run(struct cmd *c)
{
	run *r = c->r;
	int ok = !c->stop && c->p.exit_code == 0;
	char *summary = ok ? NULL : tail_head_text(&c->err, COMMAND_ERROR_SUMMARY_CHARS);
	char *res = build_result(c, ok, summary), msg[64];

	keep_output(c);
	if (r->last_step)
		run_step_set(r, r->last_step, ok ? EXEC_STEP_COMPLETED : EXEC_STEP_FAILED, NULL, 0);
	if (ok) {
		run_progress(r, 100, -1, -1, NULL, 0);
		run_end(r, ZQ_EXEC_SUCCESS, 0, NULL, res);
	} else if (c->stop) {
		run_end_stopped(r, c->stop, res);
	} else {
		if (c->p.term_signal > 0)
			snprintf(msg, sizeof(msg), "killed by signal %d", c->p.term_signal);
		else
			snprintf(msg, sizeof(msg), "exit code %d", c->p.exit_code);
		run_end(r, ZQ_EXEC_FAILED, 1, msg, res);
	}
	free(summary);
	cJSON_free(res);
}

static void cmd_release(struct cmd *c)
{
	proc_close(&c->p);
	tail_release(&c->out);
	tail_release(&c->err);
	progress_lines_release(&c->lines);
	free(c->summary);
	env_free(c->envp);
	free(c->buf);
}

/* Where the run's processes are, in its row: a daemon that reaps it after
 * this one died kills what is left on this host before the retry starts
 * (exec_store_set_process). Best effort: without it the lease is the proof. */
static void record_process(struct cmd *c)
{
	exec_process ep;
	zq_err err = ZQ_ERR_INIT;

	memset(&ep, 0, sizeof(ep));
	if (!c->r->db || c->r->start_mono <= 0 || proc_host_id(ep.host, sizeof(ep.host), ep.boot, sizeof(ep.boot)) < 0)
		return;
	ep.pid = c->p.shim;
	ep.start = c->p.shim_start;
	ep.pgid = c->p.pid;
	ep.cgroup = c->p.cgroup[0] ? c->p.cgroup : NULL;
	if (exec_store_set_process(c->r->db, c->r->job.id, c->r->job.node_id, &ep, &err) < 0)
		zq_warn("exec=%lld: process identity not recorded: %s", (long long)c->r->job.id,
			err.msg);
}

void command_run(run *r)
{
	proc_opts opts;
	struct cmd c;
	zq_err err = ZQ_ERR_INIT;

	memset(&c, 0, sizeof(c));
	c.r = r;
	c.p.pid = c.p.shim = -1;
	c.p.sock = c.p.out_fd = c.p.err_fd = -1;
	tail_init(&c.out, (size_t)r->set.output_tail, 0);
	tail_init(&c.err, (size_t)r->set.output_tail, HEAD_BYTES);
	progress_lines_init(&c.lines, LINE_MAX_BYTES);
	if (!r->config) {
		run_end(r, ZQ_EXEC_FAILED, 0, r->config_error, NULL);
		goto out;
	}
	c.command = r->cfg.command;   /* checked by taskcfg_parse: present, non-empty */
	c.work_dir = r->cfg.work_dir;
	/* The task's own config.run_as ("" = scheduler.run_as): proc_spawn_as
	 * checks it against scheduler.run_as_allowed (proc_run_as_check) and
	 * refuses with ZQ_EINVAL "run_as bob is not in scheduler.run_as_allowed",
	 * so the run fails with that message and is not retried (as for any
	 * EINVAL below); a set-up failure after fork (EIO) may be retried. */
	opts.kill_grace_ms = r->set.kill_grace_ms;
	opts.exec_id = r->job.id;
	if (build_env(&c, &err) < 0 ||
	    proc_spawn_opts(&c.p, c.command, c.work_dir, c.envp, r->cfg.run_as, &opts, &err) < 0) {
		run_end(r, ZQ_EXEC_FAILED, err.code != ZQ_EINVAL, err.msg, NULL);
		goto out;
	}
	c.buf = zq_malloc(READ_CHUNK);
	c.out_flush_mono = zq_mono_ms();
	supervise_loop(&c);
	end_run(&c);
out:
	cmd_release(&c);
}
