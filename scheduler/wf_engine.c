/* wf_engine.c - the workflow engine (see wf_engine.h): the loop's hooks, reading a run's
 * state from the store (wf_store.c), the decision (wf_decide.c), and
 * writing it back, all in the caller's transaction.
 *
 * A run's life: wf_claimed checks the plan (valid, every task exists and is
 * enabled, no nesting loop) and turns the parent running with a
 * workflow_runs row due now; wf_advance, later in the same tick, starts its
 * first nodes. Each child that ends queues the run (wf_children_settled,
 * in the transaction that records the end); the daemon that settled it
 * advances it in the same tick, any daemon can after that. A run whose
 * cancel was requested or whose deadline passed stops its children and
 * ends once none is active. When a nested run ends, the run it belongs to
 * is queued in turn. */
#include "wf_engine.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert_detect.h"
#include "exec_store.h"
#include "mem.h"
#include "sched_metrics.h"
#include "task.h"
#include "timeutil.h"
#include "wf_decide.h"
#include "wf_store.h"
#include "wf_graph.h"

#define IDS_LOGGED 20              /* node ids named per log line */

/* ---- claim ------------------------------------------------------------- */

static int fail_claim(run *r, const char *why, zq_buf *events)
{
	run_end(r, ZQ_EXEC_FAILED, 0, why, NULL);
	zq_buf_printf(events, "CLAIM exec=%lld task=%lld workflow not started: %.300s\n",
		      (long long)r->job.id, (long long)r->job.task_id, r->error ? r->error : why);
	return 1;
}

static void put_ids(zq_buf *b, const char *what, const int64_t *ids, int n)
{
	zq_buf_printf(b, "%s%s: ", b->len ? "; " : "", what);
	for (int i = 0; i < n; i++)
		zq_buf_printf(b, "%s%lld", i ? ", " : "", (long long)ids[i]);
}

/* Every task the plan names exists and is enabled (the API checks the
 * same on save; a task may have changed since, or a trigger's
 * config_override may name others). Problems go to why. */
static int check_tasks(zq_db *db, const zq_workflow *wf, zq_buf *why, zq_err *err)
{
	int64_t *ids = zq_calloc((size_t)wf->n + 1, sizeof(int64_t));
	int64_t *missing = zq_calloc((size_t)wf->n + 1, sizeof(int64_t));
	int64_t *disabled = zq_calloc((size_t)wf->n + 1, sizeof(int64_t));
	wf_store_task *tasks = NULL;
	int got = 0, nm = 0, nd = 0, rc;

	for (int i = 0; i < wf->n; i++)
		ids[i] = wf->nodes[i].task_id;
	if ((rc = wf_store_tasks(db, ids, wf->n, &tasks, &got, err)) < 0)
		goto out;
	for (int i = 0; i < wf->n; i++) {
		const wf_store_task *t = NULL;
		for (int k = 0; k < got && !t; k++)
			t = tasks[k].id == ids[i] ? &tasks[k] : NULL;
		if (!t)
			missing[nm++] = ids[i];
		else if (!t->enabled)
			disabled[nd++] = ids[i];
	}
	if (nm)
		put_ids(why, "these tasks do not exist", missing, nm);
	if (nd)
		put_ids(why, "these tasks are disabled", disabled, nd);
out:
	wf_store_tasks_free(tasks, got);
	free(ids);
	free(missing);
	free(disabled);
	return rc;
}

/* A nested run (a node of another run): its workflow must not be running
 * around it already (the API refuses such configs; this guards against a
 * race with an edit), and nesting stays bounded. */
static int check_nesting(zq_db *db, const run *r, zq_buf *why, zq_err *err)
{
	int64_t up[WF_NEST_MAX + 1];
	int n = 0, rc;

	if (!r->job.parent_id)
		return 0;
	if ((rc = wf_store_ancestors(db, r->job.id, WF_NEST_MAX + 1, up, &n, err)) < 0)
		return rc;
	for (int i = 0; i < n; i++)
		if (up[i] == r->job.task_id) {
			zq_buf_printf(why, "workflow %lld would run inside itself",
				      (long long)r->job.task_id);
			return 0;
		}
	if (n >= WF_NEST_MAX)
		zq_buf_printf(why, "workflows nested more than %d deep", WF_NEST_MAX);
	return 0;
}

/* Why the run cannot start (why stays empty when it can). */
static int check_plan(zq_db *db, const run *r, zq_workflow *wf, zq_buf *why, zq_err *err)
{
	zq_wf_errors errs;
	zq_err e = ZQ_ERR_INIT;
	int rc = 0;

	zq_wf_errors_init(&errs);
	if (!r->config) {
		zq_buf_printf(why, "invalid workflow: %s", r->config_error ? r->config_error : "config");
	} else if (zq_workflow_from_json(wf, r->config, "config", &errs) < 0) {
		zq_wf_errors_to_err(&errs, &e);
		zq_buf_printf(why, "invalid workflow: %s", e.msg);
	} else if ((rc = check_tasks(db, wf, why, err)) == 0 && why->len == 0) {
		rc = check_nesting(db, r, why, err);
	}
	zq_wf_errors_release(&errs);
	return rc;
}

int wf_claimed(tick_tx *tx, run *r, zq_err *err)
{
	zq_db *db = tx->db;
	int64_t now_ms = tx->now_ms;
	zq_buf *events = &tx->events;
	zq_buf why = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	int64_t deadline = r->timeout_s > 0 ? now_ms + r->timeout_s * 1000LL : ZQ_TIME_NONE;
	char msg[64], *plan = NULL;
	zq_workflow wf;
	int rc;

	zq_workflow_init(&wf);
	if ((rc = check_plan(db, r, &wf, &why, err)) < 0)
		goto out;
	if (why.len) {
		rc = fail_claim(r, why.data, events);
		goto out;
	}
	plan = cJSON_PrintUnformatted(r->config);
	snprintf(msg, sizeof(msg), "starting; 0/%d nodes finished", wf.n);
	if ((rc = wf_store_mark_running(db, r->job.id, now_ms, wf.n, msg, err)) < 0 ||
	    (rc = wf_store_create(db, r->job.id, plan ? plan : "{}", deadline, now_ms, err)) < 0)
		goto out;
	zq_buf_printf(events, "CLAIM exec=%lld task=%lld trigger=%s retry=%d late_ms=%lld workflow=%s "
		      "nodes=%d on_failure=%s timeout_s=%d\n", (long long)r->job.id,
		      (long long)r->job.task_id, zq_trigger_name(r->job.trigger), r->job.retry_count,
		      (long long)(now_ms - r->job.scheduled_ms), zq_wf_type_name(wf.type), wf.n,
		      zq_wf_on_failure_name(wf.on_failure), r->timeout_s);
	rc = 0;
out:
	zq_workflow_release(&wf);
	zq_buf_release(&why);
	free(plan);
	return rc;
}

/* ---- children ended ---------------------------------------------------- */

int wf_children_settled(tick_tx *tx, run *const *runs, int n, const int *lost, int *queued,
			zq_err *err)
{
	int64_t *ids = zq_calloc((size_t)n + 1, sizeof(int64_t));
	int k = 0, changed = 0, rc;

	for (int i = 0; i < n; i++)
		if (runs[i]->job.parent_id && !lost[i])
			ids[k++] = runs[i]->job.parent_id;
	rc = wf_store_queue(tx->db, ids, k, tx->now_ms, &changed, err);
	*queued = rc == 0 ? k : 0;
	free(ids);
	return rc;
}

/* ---- advance ----------------------------------------------------------- */

/* Everything one advance reads and decides; released by adv_release. */
struct adv {
	wf_store_run run;
	zq_workflow wf;
	wf_store_child *children;
	int nchildren;
	wf_store_task *tasks;
	int ntasks;
	wf_node_run *nodes;
	const wf_store_child **latest;  /* per node: its latest attempt, or NULL */
	wf_decision d;
	int decided;
};

static void adv_release(struct adv *a)
{
	wf_store_run_release(&a->run);
	zq_workflow_release(&a->wf);
	wf_store_children_free(a->children, a->nchildren);
	wf_store_tasks_free(a->tasks, a->ntasks);
	free(a->nodes);
	free(a->latest);
	if (a->decided)
		wf_decision_release(&a->d);
}

static const wf_store_task *task_of(const struct adv *a, int64_t id)
{
	for (int i = 0; i < a->ntasks; i++)
		if (a->tasks[i].id == id)
			return &a->tasks[i];
	return NULL;
}

static const wf_store_child *child_of(const struct adv *a, int64_t task_id)
{
	for (int i = 0; i < a->nchildren; i++)
		if (a->children[i].task_id == task_id)
			return &a->children[i];
	return NULL;
}

/* Children and tasks of the plan's nodes, and each node's state. */
static int load_nodes(zq_db *db, struct adv *a, zq_err *err)
{
	int64_t *ids = zq_calloc((size_t)a->wf.n + 1, sizeof(int64_t));
	int rc;

	for (int i = 0; i < a->wf.n; i++)
		ids[i] = a->wf.nodes[i].task_id;
	if ((rc = wf_store_children(db, a->run.id, &a->children, &a->nchildren, err)) < 0 ||
	    (rc = wf_store_tasks(db, ids, a->wf.n, &a->tasks, &a->ntasks, err)) < 0)
		goto out;
	a->nodes = zq_calloc((size_t)a->wf.n + 1, sizeof(wf_node_run));
	a->latest = zq_calloc((size_t)a->wf.n + 1, sizeof(wf_store_child *));
	for (int i = 0; i < a->wf.n; i++) {
		const wf_store_task *t = task_of(a, ids[i]);
		const wf_store_child *c = child_of(a, ids[i]);
		wf_node_run *nd = &a->nodes[i];
		a->latest[i] = c;
		nd->name = a->wf.nodes[i].name ? a->wf.nodes[i].name : t ? t->name : NULL;
		if (c) {
			nd->state = wf_node_state_of(c->status);
			nd->cancelled = c->status == ZQ_EXEC_TERMINATED;
			nd->error = c->error;
		} else if (!t) {
			nd->state = WF_NODE_FAILED;
			nd->error = "its task no longer exists";
		}
	}
out:
	free(ids);
	return rc;
}

static void node_json(cJSON *arr, const struct adv *a, int i)
{
	cJSON *o = cJSON_CreateObject();
	const wf_store_child *c = a->latest[i];
	int st = a->nodes[i].state;

	cJSON_AddNumberToObject(o, "task_id", (double)a->wf.nodes[i].task_id);
	if (c && wf_node_state_of(c->status) == st)
		cJSON_AddStringToObject(o, "status", zq_exec_status_name(c->status));
	else if (st == WF_NODE_SKIPPED)
		cJSON_AddStringToObject(o, "status", "skipped");
	else if (st == WF_NODE_FAILED)
		cJSON_AddStringToObject(o, "status", "failed");
	else
		cJSON_AddNullToObject(o, "status");
	if (c && wf_node_state_of(c->status) == st)
		cJSON_AddNumberToObject(o, "execution_id", (double)c->id);
	else
		cJSON_AddNullToObject(o, "execution_id");
	cJSON_AddItemToArray(arr, o);
}

/* The ended run's result: outcome, counts, and each node's status. */
static char *result_json(const struct adv *a, int64_t duration_ms)
{
	cJSON *o = cJSON_CreateObject(), *nodes = cJSON_CreateArray();
	const wf_decision *d = &a->d;
	char *s;

	cJSON_AddBoolToObject(o, "success", d->final_status == ZQ_EXEC_SUCCESS);
	cJSON_AddStringToObject(o, "workflow_type", zq_wf_type_name(a->wf.type));
	cJSON_AddStringToObject(o, "on_failure", zq_wf_on_failure_name(a->wf.on_failure));
	cJSON_AddNumberToObject(o, "duration_seconds", (double)duration_ms / 1000.0);
	cJSON_AddNumberToObject(o, "nodes_total", d->total);
	cJSON_AddNumberToObject(o, "nodes_succeeded", d->ok);
	cJSON_AddNumberToObject(o, "nodes_failed", d->failed);
	cJSON_AddNumberToObject(o, "nodes_skipped", d->skipped);
	cJSON_AddNumberToObject(o, "nodes_not_run", d->total - d->finished - d->active);
	for (int k = 0; k < a->wf.n; k++)
		node_json(nodes, a, a->wf.order[k]);
	cJSON_AddItemToObject(o, "nodes", nodes);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!s) {
		fprintf(stderr, "wf: out of memory rendering a result\n");
		abort();
	}
	return s;
}

static int percent_of(const wf_decision *d)
{
	return d->total ? d->finished * 100 / d->total : 0;
}

/* The run ends: final row, stats, no more checks, and the run it is a
 * node of (if nested) is queued. */
static int end_run(zq_db *db, struct adv *a, int64_t now_ms, zq_buf *events, zq_err *err)
{
	int64_t duration = a->run.start_ms != ZQ_TIME_NONE ? now_ms - a->run.start_ms : -1;
	char *result = result_json(a, duration < 0 ? 0 : duration);
	exec_final f = {a->run.id, a->d.final_status, now_ms, duration, result, a->d.error,
			percent_of(&a->d), a->d.finished, a->d.total, a->d.message};
	int rc, queued = 0;
	alert_settled al = {a->run.id, a->run.task_id, a->d.final_status, 1,
			    a->d.error && strncmp(a->d.error, "timed out after", 15) == 0};

	if ((rc = exec_store_finish(db, &f, 1, err)) < 0 ||
	    (rc = alert_detect_settle(db, &al, 1, err)) < 0 ||
	    (rc = wf_store_set_check(db, a->run.id, ZQ_TIME_NONE, err)) < 0 ||
	    (a->run.parent_id &&
	     (rc = wf_store_queue(db, &a->run.parent_id, 1, now_ms, &queued, err)) < 0))
		goto out;
	if (a->d.final_status == ZQ_EXEC_FAILED)
		zq_buf_printf(events, "FAIL exec=%lld task=%lld workflow duration_ms=%lld error=\"%.200s\"\n",
			      (long long)a->run.id, (long long)a->run.task_id, (long long)duration,
			      a->d.error ? a->d.error : "");
	else
		zq_buf_printf(events, "DONE exec=%lld task=%lld workflow status=%s duration_ms=%lld%s%.200s\n",
			      (long long)a->run.id, (long long)a->run.task_id,
			      zq_exec_status_name(a->d.final_status), (long long)duration,
			      a->d.error ? " reason=" : "", a->d.error ? a->d.error : "");
out:
	free(result);
	return rc;
}

static void log_nodes(zq_buf *b, const char *what, const zq_workflow *wf, const int *idx, int n)
{
	if (!n)
		return;
	zq_buf_printf(b, " %s=", what);
	for (int i = 0; i < n && i < IDS_LOGGED; i++)
		zq_buf_printf(b, "%s%lld", i ? "," : "", (long long)wf->nodes[idx[i]].task_id);
	if (n > IDS_LOGGED)
		zq_buf_printf(b, ",...(%d)", n);
}

/* Insert the children the decision starts and the skipped rows. */
static int start_nodes(zq_db *db, struct adv *a, int64_t now_ms, zq_err *err)
{
	const wf_decision *d = &a->d;
	wf_store_node *rows = zq_calloc((size_t)(d->nstart + d->nskip) + 1, sizeof(*rows));
	int n = 0, rc = 0;

	for (int i = 0; i < d->nstart; i++)
		rows[n++] = (wf_store_node){a->wf.nodes[d->start[i]].task_id, NULL};
	for (int i = 0; i < d->nskip; i++)
		rows[n++] = (wf_store_node){a->wf.nodes[d->skip[i]].task_id, d->skip_reason[i]};
	if (n)
		rc = wf_store_start(db, a->run.id, rows, n, now_ms, a->run.created_by, err);
	free(rows);
	return rc;
}

/* When to look at a run that goes on: soon after its deadline, and every
 * WF_RECHECK_MS anyway (children that end queue it sooner). */
static int64_t next_check(const wf_store_run *r, int64_t now_ms)
{
	int64_t next = now_ms + WF_RECHECK_MS;

	if (r->deadline_ms != ZQ_TIME_NONE && r->deadline_ms > now_ms && r->deadline_ms < next)
		next = r->deadline_ms;
	return next;
}

/* Daily stats for what the decision ended (skipped nodes, the run itself),
 * and the tasks whose executions it inserted or ended. Added only once
 * everything is written (the stats batch cannot roll back). */
static void account(const struct adv *a, tick_tx *tx)
{
	const wf_decision *d = &a->d;
	int64_t now_ms = tx->now_ms;

	for (int i = 0; i < d->nstart; i++)
		run_state_ids_add(&tx->touched, a->wf.nodes[d->start[i]].task_id);
	for (int i = 0; i < d->nskip; i++) {
		stats_batch_add(&tx->stats, a->wf.nodes[d->skip[i]].task_id, ZQ_EXEC_SKIPPED, now_ms,
				-1);
		run_state_ids_add(&tx->touched, a->wf.nodes[d->skip[i]].task_id);
	}
	if (d->final_status >= 0) {
		stats_batch_add(&tx->stats, a->run.task_id, d->final_status, now_ms,
				a->run.start_ms != ZQ_TIME_NONE ? now_ms - a->run.start_ms : -1);
		run_state_ids_add(&tx->touched, a->run.task_id);
	}
	/* counted once the tick commits (sched_metrics.h) */
	metrics_wf_ended(tx->db, a->run.task_id, d->final_status,
			 a->run.start_ms != ZQ_TIME_NONE ? now_ms - a->run.start_ms : -1, d->nskip);
}

static int write_decision(zq_db *db, struct adv *a, int64_t now_ms, zq_buf *events, zq_err *err)
{
	const wf_decision *d = &a->d;
	int rc;

	if ((rc = start_nodes(db, a, now_ms, err)) < 0 ||
	    (d->cancel && (rc = wf_store_cancel_children(db, a->run.id, d->cancel == WF_CANCEL_ALL,
							   err)) < 0) ||
	    (d->cancel == WF_CANCEL_ALL && (rc = wf_store_queue_nested(db, a->run.id, now_ms,
								      err)) < 0))
		return rc;
	if (d->nstart || d->nskip || d->cancel) {
		zq_buf_printf(events, "WORKFLOW exec=%lld task=%lld", (long long)a->run.id,
			      (long long)a->run.task_id);
		log_nodes(events, "start", &a->wf, d->start, d->nstart);
		log_nodes(events, "skip", &a->wf, d->skip, d->nskip);
		if (d->cancel)
			zq_buf_printf(events, " cancel=%s", d->cancel == WF_CANCEL_ALL ? "all" : "pending");
		zq_buf_printf(events, " finished=%d/%d\n", d->finished, d->total);
	}
	if (d->final_status >= 0)
		return end_run(db, a, now_ms, events, err);
	if ((rc = exec_store_progress(db, a->run.id, percent_of(d), d->finished, d->total,
				      d->message, err)) < 0)
		return rc;
	return wf_store_set_check(db, a->run.id, next_check(&a->run, now_ms), err);
}

/* The run ends failed for why, whatever its nodes say: its stored plan no
 * longer parses (edited by hand), or the database refuses to advance it. */
static int fail_run(zq_db *db, struct adv *a, const char *why, int64_t now_ms, zq_buf *events,
		    zq_err *err)
{
	zq_workflow_release(&a->wf);
	free(a->nodes);
	free(a->latest);
	if (a->decided)
		wf_decision_release(&a->d);
	memset(&a->d, 0, sizeof(a->d));
	a->decided = 1;
	a->d.final_status = ZQ_EXEC_FAILED;
	a->d.error = zq_strdup(why);
	a->latest = NULL;
	a->nodes = NULL;  /* wf is empty: the result lists no nodes */
	return end_run(db, a, now_ms, events, err);
}

static int halt_of(const wf_store_run *r, int64_t now_ms)
{
	if (r->cancel_requested)
		return WF_HALT_CANCEL;
	if (r->deadline_ms != ZQ_TIME_NONE && now_ms >= r->deadline_ms)
		return WF_HALT_TIMEOUT;
	return WF_GO;
}

static int advance_one(tick_tx *tx, int64_t id, zq_err *err)
{
	zq_db *db = tx->db;
	int64_t now_ms = tx->now_ms;
	struct adv a;
	zq_wf_errors errs;
	int rc, timeout_s;

	memset(&a, 0, sizeof(a));
	zq_workflow_init(&a.wf);
	zq_wf_errors_init(&errs);
	if ((rc = wf_store_load(db, id, &a.run, err)) < 0) {
		if (rc == ZQ_ENOTFOUND)  /* deleted with its task meanwhile */
			rc = 0;
		goto out;
	}
	if (a.run.status != ZQ_EXEC_RUNNING) {  /* ended by other means: stop looking */
		rc = wf_store_set_check(db, id, ZQ_TIME_NONE, err);
		goto out;
	}
	if (zq_workflow_parse(&a.wf, a.run.plan, "plan", &errs) < 0) {
		zq_err e = ZQ_ERR_INIT;
		char why[ZQ_ERR_MSG_MAX + 32];
		zq_wf_errors_to_err(&errs, &e);
		snprintf(why, sizeof(why), "invalid workflow plan: %s", e.msg);
		if ((rc = fail_run(db, &a, why, now_ms, &tx->events, err)) == 0)
			account(&a, tx);
		goto out;
	}
	if ((rc = load_nodes(db, &a, err)) < 0)
		goto out;
	timeout_s = a.run.deadline_ms != ZQ_TIME_NONE && a.run.start_ms != ZQ_TIME_NONE
			    ? (int)((a.run.deadline_ms - a.run.start_ms) / 1000) : 0;
	wf_decide(&a.wf, a.nodes, halt_of(&a.run, now_ms), timeout_s, &a.d);
	a.decided = 1;
	if ((rc = write_decision(db, &a, now_ms, &tx->events, err)) == 0)
		account(&a, tx);
out:
	adv_release(&a);
	zq_wf_errors_release(&errs);
	return rc;
}

/* Fail run id with why (its row is locked by the caller). */
static int fail_by_id(tick_tx *tx, int64_t id, const char *why, zq_err *err)
{
	struct adv a;
	int rc;

	memset(&a, 0, sizeof(a));
	zq_workflow_init(&a.wf);
	if ((rc = wf_store_load(tx->db, id, &a.run, err)) == 0 &&
	    (rc = fail_run(tx->db, &a, why, tx->now_ms, &tx->events, err)) == 0)
		account(&a, tx);
	adv_release(&a);
	return rc == ZQ_ENOTFOUND ? 0 : rc;
}

static int transient(int rc)
{
	return rc == ZQ_EBUSY || rc == ZQ_EDBDOWN;
}

/* Advance run id inside a savepoint, so that an error the database keeps
 * giving for one run (anything but a lock conflict or an outage, which the
 * tick retries whole) cannot stall every tick of the daemon: the run ends
 * failed with the reason instead, or if even that is refused, is put off
 * for WF_RECHECK_MS. */
static int advance_isolated(tick_tx *tx, int64_t id, zq_err *err)
{
	zq_db *db = tx->db;
	zq_buf *events = &tx->events;
	size_t mark = events->len;
	char why[ZQ_ERR_MSG_MAX + 64];
	zq_err e = ZQ_ERR_INIT;
	int rc;

	if ((rc = zq_db_exec(db, "SAVEPOINT zq_wf", err)) < 0 ||
	    (rc = advance_one(tx, id, &e)) == 0)
		return rc;
	if (transient(rc)) {
		*err = e;
		return rc;
	}
	if ((rc = zq_db_exec(db, "ROLLBACK TO SAVEPOINT zq_wf", err)) < 0)
		return rc;
	zq_buf_truncate(events, mark);
	zq_buf_printf(events, "WORKFLOW exec=%lld could not be advanced: %.300s\n", (long long)id,
		      e.msg);
	snprintf(why, sizeof(why), "workflow engine: %s", e.msg);
	zq_err_clear(&e);
	if ((rc = fail_by_id(tx, id, why, &e)) == 0 || transient(rc)) {
		if (rc)
			*err = e;
		return rc;
	}
	zq_buf_truncate(events, mark);
	zq_buf_printf(events, "WORKFLOW exec=%lld could not be advanced nor failed, retry in %d s: "
		      "%.300s\n", (long long)id, WF_RECHECK_MS / 1000, e.msg);
	if ((rc = zq_db_exec(db, "ROLLBACK TO SAVEPOINT zq_wf", err)) < 0)
		return rc;
	return wf_store_set_check(db, id, tx->now_ms + WF_RECHECK_MS, err);
}

int wf_advance(tick_tx *tx, int limit, int cancels, int *more, zq_err *err)
{
	zq_db *db = tx->db;
	int64_t now_ms = tx->now_ms;
	int64_t *ids = zq_calloc((size_t)limit * 2 + 1, sizeof(int64_t));
	int n = 0, nc = 0, rc;

	*more = 0;
	if ((rc = wf_store_lock_due(db, now_ms, limit, ids, &n, err)) < 0)
		goto out;
	*more = n == limit;
	if (cancels && (rc = wf_store_lock_cancelled(db, now_ms, limit, ids + n, &nc, err)) < 0)
		goto out;
	for (int i = 0; i < n + nc && rc == 0; i++)
		rc = advance_isolated(tx, ids[i], err);
out:
	free(ids);
	return rc;
}
