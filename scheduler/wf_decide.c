/* wf_decide.c - what a workflow run does next (see wf_decide.h). */
#include "wf_decide.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"
#include "task.h"
#include "text.h"
#include "utf8.h"

#define MSG_MAX 1000          /* characters of progress_message (run.h RUN_MSG_MAX) */
#define ERR_MAX 2000          /* characters of a run's error_message (run.h RUN_ERROR_MAX) */
#define NAMES_LISTED 10       /* active nodes named in the message ... */
#define NAMES_CHARS 600       /* ... while it is shorter than this (names <= 128) */

int wf_node_state_of(int exec_status)
{
	switch (exec_status) {
	case ZQ_EXEC_PENDING:
	case ZQ_EXEC_RUNNING:
		return WF_NODE_ACTIVE;
	case ZQ_EXEC_SUCCESS:
		return WF_NODE_OK;
	case ZQ_EXEC_SKIPPED:
		return WF_NODE_SKIPPED;
	default:  /* failed, terminated, completed (a nested run had failures) */
		return WF_NODE_FAILED;
	}
}

static void count(const zq_workflow *wf, const wf_node_run *nodes, wf_decision *d)
{
	d->total = wf->n;
	d->finished = d->active = d->ok = d->failed = d->skipped = 0;
	for (int i = 0; i < wf->n; i++) {
		switch (nodes[i].state) {
		case WF_NODE_ACTIVE:
			d->active++;
			break;
		case WF_NODE_OK:
			d->ok++;
			break;
		case WF_NODE_FAILED:
			d->failed++;
			break;
		case WF_NODE_SKIPPED:
			d->skipped++;
			break;
		default:
			break;
		}
	}
	d->finished = d->ok + d->failed + d->skipped;
}

/* "task 12 (extract)" or "task 12". */
static void put_label(zq_buf *b, const zq_workflow *wf, const wf_node_run *nodes, int i)
{
	zq_buf_printf(b, "task %lld", (long long)wf->nodes[i].task_id);
	if (nodes[i].name && *nodes[i].name)
		zq_buf_printf(b, " (%s)", nodes[i].name);
}

/* The failure that explains the run: the first failed node in order that
 * was not merely cancelled, else the first failed node; -1 if none. */
static int first_failure(const zq_workflow *wf, const wf_node_run *nodes)
{
	int any = -1;

	for (int k = 0; k < wf->n; k++) {
		int i = wf->order[k];
		if (nodes[i].state != WF_NODE_FAILED)
			continue;
		if (!nodes[i].cancelled)
			return i;
		if (any < 0)
			any = i;
	}
	return any;
}

static void put_failure(zq_buf *b, const zq_workflow *wf, const wf_node_run *nodes, int i)
{
	put_label(b, wf, nodes, i);
	zq_buf_printf(b, " failed%s%s", nodes[i].error ? ": " : "",
		      nodes[i].error ? nodes[i].error : "");
}

/* Hand over b's text cut to ERR_MAX characters. */
static char *error_text(zq_buf *b)
{
	char *s = text_clean(b->data, b->len, ERR_MAX, NULL);

	zq_buf_release(b);
	return s;
}

static char *stop_error(const zq_workflow *wf, const wf_node_run *nodes, const wf_decision *d)
{
	zq_buf b = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	int i = first_failure(wf, nodes);

	if (i >= 0)
		put_failure(&b, wf, nodes, i);
	if (d->failed > 1)
		zq_buf_printf(&b, " (and %d more failed)", d->failed - 1);
	return error_text(&b);
}

static char *completed_error(const zq_workflow *wf, const wf_node_run *nodes,
			     const wf_decision *d)
{
	zq_buf b = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	int i = first_failure(wf, nodes);

	zq_buf_printf(&b, "%d of %d nodes failed", d->failed, d->total);
	if (d->skipped)
		zq_buf_printf(&b, ", %d skipped", d->skipped);
	if (i >= 0) {
		zq_buf_puts(&b, "; first: ");
		put_failure(&b, wf, nodes, i);
	}
	return error_text(&b);
}

/* "running extract, task 7; 2/5 nodes finished" */
static char *progress_message(const zq_workflow *wf, const wf_node_run *nodes,
			      const wf_decision *d, const char *state)
{
	zq_buf b = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	int listed = 0;
	char *s;

	zq_buf_puts(&b, state);
	for (int k = 0; k < wf->n && d->final_status < 0; k++) {
		int i = wf->order[k];
		if (nodes[i].state != WF_NODE_ACTIVE)
			continue;
		if (listed == NAMES_LISTED || zq_utf8_chars(b.data) > NAMES_CHARS) {
			zq_buf_printf(&b, " and %d more", d->active - listed);
			break;
		}
		zq_buf_puts(&b, listed++ ? ", " : " ");
		if (nodes[i].name && *nodes[i].name)
			zq_buf_puts(&b, nodes[i].name);
		else
			zq_buf_printf(&b, "task %lld", (long long)wf->nodes[i].task_id);
	}
	zq_buf_printf(&b, "; %d/%d nodes finished", d->finished, d->total);
	s = text_clean(b.data, b.len, MSG_MAX, NULL);
	zq_buf_release(&b);
	return s;
}

static void end_run(wf_decision *d, int status, char *error)
{
	d->final_status = status;
	d->error = error;
}

static void decide_halt(wf_decision *d, int halt, int timeout_s)
{
	zq_buf b = ZQ_BUF_INIT(200);

	if (d->active) {
		d->cancel = WF_CANCEL_ALL;
		return;
	}
	if (halt == WF_HALT_CANCEL) {
		end_run(d, ZQ_EXEC_TERMINATED, zq_strdup("cancelled"));
		return;
	}
	zq_buf_printf(&b, "timed out after %d s", timeout_s);
	end_run(d, ZQ_EXEC_FAILED, zq_buf_detach(&b, NULL));
}

static void decide_stopping(const zq_workflow *wf, const wf_node_run *nodes, wf_decision *d)
{
	if (d->active) {
		d->cancel = WF_CANCEL_PENDING;
		return;
	}
	end_run(d, ZQ_EXEC_FAILED, stop_error(wf, nodes, d));
}

/* The first dependency of node i that failed or was skipped, or -1; *ready
 * receives whether every dependency succeeded. */
static int bad_dependency(const zq_workflow *wf, const wf_node_run *nodes, int i, int *ready)
{
	const zq_wf_node *nd = &wf->nodes[i];

	*ready = 1;
	for (int k = 0; k < nd->ndeps; k++) {
		int st = nodes[nd->dep_idx[k]].state;
		if (st == WF_NODE_FAILED || st == WF_NODE_SKIPPED)
			return nd->dep_idx[k];
		if (st != WF_NODE_OK)
			*ready = 0;
	}
	return -1;
}

static void skip_node(const zq_workflow *wf, wf_node_run *nodes, int i, int dep, wf_decision *d)
{
	zq_buf b = ZQ_BUF_INIT(200);

	zq_buf_printf(&b, "dependency %lld %s", (long long)wf->nodes[dep].task_id,
		      nodes[dep].state == WF_NODE_SKIPPED ? "was skipped" : "failed");
	nodes[i].state = WF_NODE_SKIPPED;
	d->skip[d->nskip] = i;
	d->skip_reason[d->nskip++] = zq_buf_detach(&b, NULL);
}

static void decide_next(const zq_workflow *wf, wf_node_run *nodes, wf_decision *d)
{
	int busy = d->active > 0;

	for (int k = 0; k < wf->n; k++) {
		int i = wf->order[k], ready, dep;
		if (nodes[i].state != WF_NODE_WAITING)
			continue;
		if ((dep = bad_dependency(wf, nodes, i, &ready)) >= 0) {
			skip_node(wf, nodes, i, dep, d);
			continue;
		}
		if (!ready || (wf->type == ZQ_WF_SERIAL && busy))
			continue;
		nodes[i].state = WF_NODE_ACTIVE;
		d->start[d->nstart++] = i;
		busy = 1;
	}
	count(wf, nodes, d);
	if (d->active)
		return;
	if (d->finished < d->total) {  /* cannot happen with a valid plan: never stall */
		end_run(d, ZQ_EXEC_FAILED,
			zq_strdup("internal: workflow cannot make progress (nodes wait for nothing)"));
		return;
	}
	if (d->failed)
		end_run(d, ZQ_EXEC_COMPLETED, completed_error(wf, nodes, d));
	else
		end_run(d, ZQ_EXEC_SUCCESS, NULL);
}

static const char *state_word(const wf_decision *d, int halt)
{
	switch (d->final_status) {
	case ZQ_EXEC_SUCCESS:
		return "succeeded";
	case ZQ_EXEC_COMPLETED:
		return "completed with failures";
	case ZQ_EXEC_TERMINATED:
		return "cancelled";
	case ZQ_EXEC_FAILED:
		return halt == WF_HALT_TIMEOUT ? "timed out" : "failed";
	default:
		break;
	}
	if (halt)
		return halt == WF_HALT_CANCEL ? "cancelling, waiting for" : "timed out, waiting for";
	if (d->cancel == WF_CANCEL_PENDING)
		return "stopping after a failure, waiting for";
	return d->active ? "running" : "waiting";
}

void wf_decide(const zq_workflow *wf, wf_node_run *nodes, int halt, int timeout_s,
	       wf_decision *d)
{
	memset(d, 0, sizeof(*d));
	d->final_status = -1;
	d->start = zq_calloc((size_t)wf->n + 1, sizeof(int));
	d->skip = zq_calloc((size_t)wf->n + 1, sizeof(int));
	d->skip_reason = zq_calloc((size_t)wf->n + 1, sizeof(char *));
	count(wf, nodes, d);
	if (halt)
		decide_halt(d, halt, timeout_s);
	else if (wf->on_failure == ZQ_WF_STOP && d->failed)
		decide_stopping(wf, nodes, d);
	else
		decide_next(wf, nodes, d);
	count(wf, nodes, d);
	d->message = progress_message(wf, nodes, d, state_word(d, halt));
}

void wf_decision_release(wf_decision *d)
{
	for (int i = 0; i < d->nskip; i++)
		free(d->skip_reason[i]);
	free(d->skip_reason);
	free(d->skip);
	free(d->start);
	free(d->error);
	free(d->message);
	memset(d, 0, sizeof(*d));
}
