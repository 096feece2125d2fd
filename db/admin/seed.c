/* seed.c - the example tasks `zq-db seed` creates: five examples that show
 * each task type, and three workflows (serial, parallel, mixed) over four
 * manual base tasks; seed_quant.c adds the SSE calendar and the sync jobs. */
#include "seed_int.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "buf.h"
#include "calendar_store.h"
#include "mem.h"
#include "task.h"
#include "task_store.h"
#include "timeutil.h"

static const struct seed_task examples[] = {
	{"example-quick", ZQ_TASK_EXAMPLE, "*/5 * * * *", 0, 1, 0, 60,
	 "Example task: 5 steps in 5 seconds, every 5 minutes.",
	 "{\"duration_seconds\": 5, \"steps\": 5, \"success_rate\": 1.0, "
	 "\"message\": \"quick example done\"}", NULL, NULL},
	{"example-progress-30s", ZQ_TASK_EXAMPLE, NULL, 120, 1, 0, 60,
	 "Example task: 30 steps over 30 seconds, every 2 minutes; watch its progress bar.",
	 "{\"duration_seconds\": 30, \"steps\": 30, \"success_rate\": 1.0, "
	 "\"message\": \"long example done\"}", NULL, NULL},
	{"example-flaky", ZQ_TASK_EXAMPLE, "0 * * * *", 0, 1, 2, 10,
	 "Example task that fails 30% of the time and retries twice, 10 s apart.",
	 "{\"duration_seconds\": 3, \"steps\": 3, \"success_rate\": 0.7, "
	 "\"message\": \"flaky example done\"}", NULL, NULL},
	/* sync_daily_data --ts-code 000001.SZ --start-date 20250101, made safe: a
	 * trigger passes {"params": {"ts_code": ..., "start_date": ...}}, checked
	 * against these declarations, and the values reach the shell only as
	 * "$ZQ_PARAM_*" (quoted), never as command text */
	{"example-command", ZQ_TASK_COMMON, "0 2 * * *", 0, 1, 1, 60,
	 "Shell command with parameters (ts_code, start_date, full) that reports progress "
	 "with ##progress lines and a ##result summary.",
	 "{\"command\": \"printf 'sync_daily_data --ts-code %s --start-date %s --full "
	 "%s\\\\n' \\\"$ZQ_PARAM_TS_CODE\\\" \\\"$ZQ_PARAM_START_DATE\\\" "
	 "\\\"$ZQ_PARAM_FULL\\\"; for i in 1 2 3 4 5; do echo \\\"##progress $i/5 syncing "
	 "$ZQ_PARAM_TS_CODE batch $i\\\"; sleep 1; done; echo '##result {\\\"rows\\\": "
	 "5}'\", \"timeout_seconds\": 60, \"params\": {\"ts_code\": {\"type\": \"string\", "
	 "\"description\": \"security code, e.g. 000001.SZ\", \"pattern\": "
	 "\"^[0-9]{6}\\\\.(SZ|SH)$\", \"default\": \"000001.SZ\"}, \"start_date\": "
	 "{\"type\": \"date\", \"description\": \"first day to sync\", \"default\": "
	 "\"2025-01-01\"}, \"full\": {\"type\": \"bool\", \"description\": \"full re-sync "
	 "instead of incremental\", \"default\": false}}}", NULL, NULL},
	{"example-manual", ZQ_TASK_MANUAL, NULL, 0, 1, 0, 60,
	 "Manual task: runs only when triggered.",
	 "{\"command\": \"echo started at $(date -u +%FT%TZ); uname -a\"}", NULL, NULL},
};

#define WF_STEP_CMD(what)                                                            \
	"{\"command\": \"echo \\\"##progress 1/2 " what " started\\\"; sleep 1; echo " \
	"\\\"##progress 2/2 " what " done\\\"\"}"

static const struct seed_task wf_bases[] = {
	{"wf-extract", ZQ_TASK_MANUAL, NULL, 0, 1, 0, 60, "Workflow step: extract.",
	 WF_STEP_CMD("extract"), NULL, NULL},
	{"wf-transform", ZQ_TASK_MANUAL, NULL, 0, 1, 0, 60, "Workflow step: transform.",
	 WF_STEP_CMD("transform"), NULL, NULL},
	{"wf-load", ZQ_TASK_MANUAL, NULL, 0, 1, 0, 60, "Workflow step: load.",
	 WF_STEP_CMD("load"), NULL, NULL},
	{"wf-report", ZQ_TASK_MANUAL, NULL, 0, 1, 0, 60, "Workflow step: report.",
	 WF_STEP_CMD("report"), NULL, NULL},
};

/* Workflows reference the base tasks by index into wf_bases: deps[i] lists
 * (as a bitmask) the nodes node i depends on. */
struct seed_workflow {
	const char *name, *cron, *type, *on_failure, *description;
	int nodes[4];
	int nnodes;
	unsigned deps[4];
};

static const struct seed_workflow workflows[] = {
	{"workflow-serial-example", "0 3 * * *", "serial", "stop",
	 "Serial workflow: extract -> transform -> load.", {0, 1, 2}, 3, {0, 1u << 0, 1u << 1}},
	{"workflow-parallel-example", "30 3 * * *", "parallel", "continue",
	 "Parallel workflow: extract, transform and load at once.", {0, 1, 2}, 3, {0, 0, 0}},
	{"workflow-mixed-example", "0 4 * * *", "parallel", "stop",
	 "Mixed workflow: extract and transform in parallel, then load, then report.",
	 {0, 1, 2, 3}, 4, {0, 0, (1u << 0) | (1u << 1), 1u << 2}},
};

static int remove_by_name(zq_db *db, const char *name, zq_err *err)
{
	zq_stmt *st = zq_db_prepare(db, "DELETE FROM scheduled_tasks WHERE name = ?", err);
	int rc;

	if (!st)
		return err->code;
	zq_stmt_bind_str(st, 0, name);
	rc = zq_stmt_exec(st, err);
	zq_stmt_done(st);
	return rc;
}

static int exists(zq_db *db, const char *name, int64_t *id, zq_err *err)
{
	zq_task t;
	int rc;

	zq_task_init(&t);
	rc = task_store_get_by_name(db, name, &t, err);
	*id = t.id;
	zq_task_release(&t);
	if (rc == ZQ_ENOTFOUND)
		return 0;
	return rc < 0 ? rc : 1;
}

static int create_one(zq_db *db, const struct seed_task *s, const char *config, int64_t *id,
		      zq_err *err)
{
	zq_calendar cal;
	zq_task t;
	int rc = 0;

	zq_task_init(&t);
	zq_cal_init(&cal);
	zq_strlcpy(t.name, s->name, sizeof(t.name));
	t.type = s->type;
	if (s->cron)
		zq_strlcpy(t.cron_expression, s->cron, sizeof(t.cron_expression));
	if (s->timezone)
		zq_strlcpy(t.timezone, s->timezone, sizeof(t.timezone));
	t.interval_seconds = s->interval;
	t.enabled = s->enabled;
	t.max_retries = s->max_retries;
	t.retry_interval = s->retry_interval;
	zq_strlcpy(t.created_by, "zq-db seed", sizeof(t.created_by));
	zq_task_set_description(&t, s->description);
	zq_task_set_config(&t, config ? config : s->config);
	if (s->calendar) {
		rc = calendar_store_load(db, 0, s->calendar, &cal, err);
		t.calendar_id = cal.id;
		zq_strlcpy(t.calendar, s->calendar, sizeof(t.calendar));
		t.calendar_rule = ZQ_CAL_RULE_ONLY;
	}
	if (rc == 0)
		rc = zq_task_first_run(&t, zq_wall_ms(), s->calendar ? &cal : NULL,
				       &t.next_run_at_ms, err);
	if (rc == 0)
		rc = task_store_insert(db, &t, err);
	*id = t.id;
	zq_task_release(&t);
	zq_cal_release(&cal);
	return rc;
}

int seed_ensure_task(zq_db *db, const struct seed_task *s, const char *config, int force,
		     int64_t *id, zq_seed_report *rep, zq_err *err)
{
	int rc = exists(db, s->name, id, err);

	if (rc < 0)
		return rc;
	if (rc == 1 && !force) {
		rep->skipped++;
		return 0;
	}
	if (rc == 1 && (rc = remove_by_name(db, s->name, err)) < 0)
		return rc;
	if ((rc = create_one(db, s, config, id, err)) < 0)
		return zq_err_prefix(err, "%s: ", s->name);
	rep->created++;
	return 0;
}

static void workflow_config(const struct seed_workflow *w, const int64_t *base_ids, zq_buf *b)
{
	zq_buf_printf(b, "{\"workflow_type\": \"%s\", \"on_failure\": \"%s\", \"tasks\": [", w->type,
		      w->on_failure);
	for (int i = 0; i < w->nnodes; i++) {
		int n = w->nodes[i];
		const char *sep = "";
		zq_buf_printf(b, "%s{\"task_id\": %lld, \"name\": \"%s\", \"dependencies\": [",
			      i ? ", " : "", (long long)base_ids[n], wf_bases[n].name);
		for (int j = 0; j < w->nnodes; j++)
			if (w->deps[i] & (1u << j)) {
				zq_buf_printf(b, "%s%lld", sep, (long long)base_ids[w->nodes[j]]);
				sep = ", ";
			}
		zq_buf_puts(b, "]}");
	}
	zq_buf_puts(b, "]}");
}

static int add_nodes(zq_db *db, int64_t wf_id, const struct seed_workflow *w,
		     const int64_t *base_ids, zq_err *err)
{
	for (int i = 0; i < w->nnodes; i++) {
		zq_stmt *st = zq_db_prepare(
			db,
			"INSERT IGNORE INTO workflow_nodes (workflow_id, task_id, position) VALUES (?, ?, ?)",
			err);
		int rc;
		if (!st)
			return err->code;
		zq_stmt_bind_i64(st, 0, wf_id);
		zq_stmt_bind_i64(st, 1, base_ids[w->nodes[i]]);
		zq_stmt_bind_i64(st, 2, i);
		rc = zq_stmt_exec(st, err);
		zq_stmt_done(st);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int seed_workflows(zq_db *db, int force, zq_seed_report *rep, zq_err *err)
{
	int64_t base_ids[4], id;
	int rc;

	/* workflows first when forcing: bases cannot be dropped while referenced
	 * by a seeded workflow's nodes (they cascade with the workflow) */
	if (force)
		for (size_t i = 0; i < sizeof(workflows) / sizeof(workflows[0]); i++)
			if ((rc = remove_by_name(db, workflows[i].name, err)) < 0)
				return rc;
	for (int i = 0; i < 4; i++)
		if ((rc = seed_ensure_task(db, &wf_bases[i], NULL, force, &base_ids[i], rep,
					   err)) < 0)
			return rc;
	for (size_t i = 0; i < sizeof(workflows) / sizeof(workflows[0]); i++) {
		const struct seed_workflow *w = &workflows[i];
		struct seed_task s = {w->name, ZQ_TASK_WORKFLOW, w->cron, 0, 1, 0, 60, w->description,
				      NULL, NULL, NULL};
		zq_buf cfg = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
		int before = rep->created;
		workflow_config(w, base_ids, &cfg);
		rc = seed_ensure_task(db, &s, cfg.data, 0, &id, rep, err);
		zq_buf_release(&cfg);
		if (rc < 0)
			return rc;
		if (rep->created > before && (rc = add_nodes(db, id, w, base_ids, err)) < 0)
			return rc;
	}
	return 0;
}

int zq_seed(zq_db *db, unsigned what, int force, zq_seed_report *rep, zq_err *err)
{
	int64_t id;
	int rc;

	rep->created = rep->skipped = 0;
	rep->calendar = -1;
	if ((rc = zq_db_begin(db, err)) < 0)
		return rc;
	if (what & ZQ_SEED_EXAMPLES)
		for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++)
			if ((rc = seed_ensure_task(db, &examples[i], NULL, force, &id, rep, err)) < 0)
				goto out;
	if ((what & ZQ_SEED_WORKFLOWS) && (rc = seed_workflows(db, force, rep, err)) < 0)
		goto out;
	if ((what & ZQ_SEED_QUANT) && (rc = seed_quant(db, force, rep, err)) < 0)
		goto out;
	rc = zq_db_commit(db, err);
out:
	if (rc < 0)
		zq_db_rollback(db);
	return rc;
}
