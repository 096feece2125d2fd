/* sched_metrics_task.c - the outcome counters (with the optional task
 * label), the workflow outcomes of the loop's open transaction and the
 * backlog gauges (sched_metrics.h). */
#include "sched_metrics.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mem.h"
#include "metrics_store.h"
#include "timeutil.h"

void metrics_task_labels(metrics *m, int max)
{
	pthread_mutex_lock(&m->tasks_mu);
	for (int i = 0; i < m->ntasks; i++)
		free(m->tasks[i].name);
	free(m->tasks);
	m->tasks = NULL;
	m->ntasks = 0;
	m->tasks_max = max < 0 ? 0 : max > METRICS_TASKS_MAX ? METRICS_TASKS_MAX : max;
	if (m->tasks_max)
		m->tasks = zq_calloc((size_t)m->tasks_max, sizeof(*m->tasks));
	memset(m->tasks_other, 0, sizeof(m->tasks_other));
	pthread_mutex_unlock(&m->tasks_mu);
}

/* The entry of (id, type), a new one while there is room, or NULL (other). */
static metrics_task *task_slot(metrics *m, int64_t id, const char *name, int type)
{
	metrics_task *t;

	for (int i = 0; i < m->ntasks; i++)
		if (m->tasks[i].id == id && m->tasks[i].type == type)
			return &m->tasks[i];
	if (m->ntasks >= m->tasks_max || !name || !name[0])
		return NULL;
	t = &m->tasks[m->ntasks++];
	t->id = id;
	t->type = type;
	t->name = zq_strdup(name);
	return t;
}

void metrics_outcome(metrics *m, int64_t task_id, const char *name, int type, int status)
{
	metrics_task *t;

	if (type < 0 || type >= ZQ_TASK_TYPE_COUNT || status < 0 || status >= ZQ_EXEC_STATUS_COUNT)
		return;
	metrics_count(&m->outcomes[type][status], 1);
	if (!m->tasks_max)
		return;
	pthread_mutex_lock(&m->tasks_mu);
	if ((t = task_slot(m, task_id, name, type)) != NULL)
		t->n[status]++;
	else
		m->tasks_other[type][status]++;
	pthread_mutex_unlock(&m->tasks_mu);
}

/* A label value in the text format: backslash, double quote and line feed
 * escaped. */
static int put_label(zq_buf *b, const char *v)
{
	int rc = 0;

	for (const char *p = v; rc == 0 && *p; p++) {
		if (*p == '\\')
			rc = zq_buf_puts(b, "\\\\");
		else if (*p == '"')
			rc = zq_buf_puts(b, "\\\"");
		else if (*p == '\n')
			rc = zq_buf_puts(b, "\\n");
		else
			rc = zq_buf_putc(b, *p);
	}
	return rc;
}

static int task_lines(zq_buf *b, const char *name, int type, const uint64_t *n)
{
	int rc = 0;

	for (int s = 0; rc == 0 && s < ZQ_EXEC_STATUS_COUNT; s++) {
		if (!zq_exec_status_is_final(s))
			continue;
		if ((rc = zq_buf_puts(b, "zq_scheduler_outcomes_total{task=\"")) == 0 &&
		    (rc = put_label(b, name)) == 0)
			rc = zq_buf_printf(b, "\",type=\"%s\",status=\"%s\"} %llu\n",
					   zq_task_type_name(type), zq_exec_status_name(s),
					   (unsigned long long)n[s]);
	}
	return rc;
}

static int render_by_task(metrics *m, zq_buf *b)
{
	int rc = 0;

	pthread_mutex_lock(&m->tasks_mu);
	for (int i = 0; rc == 0 && i < m->ntasks; i++)
		rc = task_lines(b, m->tasks[i].name, m->tasks[i].type, m->tasks[i].n);
	for (int t = 0; rc == 0 && t < ZQ_TASK_TYPE_COUNT; t++)
		rc = task_lines(b, "other", t, m->tasks_other[t]);
	pthread_mutex_unlock(&m->tasks_mu);
	return rc;
}

int metrics_render_outcomes(metrics *m, zq_buf *b)
{
	int rc = metrics_head(b, "zq_scheduler_outcomes_total", "counter",
			      m->tasks_max ? "Executions whose final state this daemon committed, by "
					     "task (scheduler.metrics_task_labels), type and status."
					   : "Executions whose final state this daemon committed, by "
					     "task type and status.");

	if (rc == 0 && m->tasks_max)
		return render_by_task(m, b);
	for (int t = 0; rc == 0 && t < ZQ_TASK_TYPE_COUNT; t++)
		for (int s = 0; rc == 0 && s < ZQ_EXEC_STATUS_COUNT; s++)
			if (zq_exec_status_is_final(s))
				rc = zq_buf_printf(b, "zq_scheduler_outcomes_total{type=\"%s\",status=\"%s\"} "
						   "%llu\n", zq_task_type_name(t), zq_exec_status_name(s),
						   (unsigned long long)atomic_load_explicit(
							   &m->outcomes[t][s], memory_order_relaxed));
	return rc;
}

/* ---- workflow outcomes of the open transaction ------------------------------------------ */

/* Whether task id already has its entry under the task label. */
static int task_known(metrics *m, int64_t id)
{
	int found = 0;

	pthread_mutex_lock(&m->tasks_mu);
	for (int i = 0; i < m->ntasks && !found; i++)
		found = m->tasks[i].id == id && m->tasks[i].type == ZQ_TASK_WORKFLOW;
	pthread_mutex_unlock(&m->tasks_mu);
	return found;
}

void metrics_wf_ended(zq_db *db, int64_t task_id, int status, int64_t duration_ms, int nskipped)
{
	metrics *m = metrics_global();
	metrics_ended *e;
	char name[ZQ_TASK_NAME_BYTES] = "";
	zq_err err = ZQ_ERR_INIT;

	m->ended_skipped += nskipped;
	if (status < 0)
		return;
	/* the name only for a task the label has no entry for yet: a read by primary key */
	if (m->tasks_max && !task_known(m, task_id) &&
	    metrics_store_task_name(db, task_id, name, sizeof(name), &err) < 0)
		zq_debug("metrics: the name of task %lld: %s", (long long)task_id, err.msg);
	m->ended = zq_grow(m->ended, &m->ended_cap, m->nended + 1, sizeof(*m->ended));
	e = &m->ended[m->nended++];
	e->task_id = task_id;
	e->status = status;
	e->duration_ms = duration_ms;
	e->name = name[0] ? zq_strdup(name) : NULL;
}

static void ended_clear(metrics *m)
{
	for (size_t i = 0; i < m->nended; i++)
		free(m->ended[i].name);
	m->nended = 0;
	m->ended_skipped = 0;
}

void metrics_wf_committed(metrics *m)
{
	for (size_t i = 0; i < m->nended; i++) {
		const metrics_ended *e = &m->ended[i];
		metrics_outcome(m, e->task_id, e->name, ZQ_TASK_WORKFLOW, e->status);
		if (e->duration_ms >= 0)
			metrics_hist_observe(&m->duration, e->duration_ms);
	}
	metrics_count(&m->skipped[METRICS_SKIP_WORKFLOW], (uint64_t)m->ended_skipped);
	ended_clear(m);
}

void metrics_rolled_back(void)
{
	ended_clear(metrics_global());
}

/* ---- backlog ------------------------------------------------------------------------------ */

void metrics_backlog_enable(void)
{
	metrics_global()->backlog_on = 1;
}

void metrics_backlog(zq_db *db, int64_t mono_ms)
{
	metrics *m = metrics_global();
	int64_t pending = 0, due = 0;
	zq_err err = ZQ_ERR_INIT;

	if (!m->backlog_on || mono_ms < m->backlog_next_ms || !zq_db_is_up(db))
		return;
	m->backlog_next_ms = mono_ms + METRICS_BACKLOG_MS;
	if (metrics_store_backlog(db, &pending, &due, &err) < 0) {
		zq_debug("metrics: backlog: %s", err.msg);
		return;
	}
	atomic_store_explicit(&m->pending, pending, memory_order_relaxed);
	atomic_store_explicit(&m->due, due, memory_order_relaxed);
	atomic_store_explicit(&m->backlog_at_s, zq_wall_ms() / 1000, memory_order_relaxed);
}
