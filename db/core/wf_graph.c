/* wf_graph.c - workflow config parsing, validation (fields, duplicates,
 * dependencies, cycles by depth-first search) and topological order.
 *
 * Design: parse everything we can and collect every error, so the validate
 * endpoint can show the user all problems at once; then, on the resolved
 * dependency graph, a DFS names each cycle it meets (one per back edge) and
 * Kahn's algorithm with a list-order tie-break yields the run order. */
#include "wf_graph.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jsonin.h"
#include "mem.h"

#define NAME_MAX_CHARS 128
#define ID_MAX 9007199254740991LL  /* 2^53 - 1: exact in a JSON number */

static const char *const node_fields[] = {"task_id", "name", "dependencies", NULL};
static const char *const wf_fields[] = {"workflow_type", "tasks", "on_failure", NULL};

void zq_workflow_init(zq_workflow *wf)
{
	memset(wf, 0, sizeof(*wf));
}

void zq_workflow_release(zq_workflow *wf)
{
	for (int i = 0; i < wf->n; i++) {
		free(wf->nodes[i].name);
		free(wf->nodes[i].deps);
		free(wf->nodes[i].dep_idx);
	}
	free(wf->nodes);
	free(wf->order);
	zq_workflow_init(wf);
}

void zq_wf_errors_init(zq_wf_errors *e)
{
	memset(e, 0, sizeof(*e));
}

void zq_wf_errors_release(zq_wf_errors *e)
{
	for (int i = 0; i < e->n; i++)
		free(e->msg[i]);
	zq_wf_errors_init(e);
}

void zq_wf_errors_add(zq_wf_errors *e, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;

	if (e->n == ZQ_WF_MAX_ERRORS) {
		e->more = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	e->msg[e->n++] = zq_strdup(tmp);
}

const char *zq_wf_type_name(int type)
{
	return type == ZQ_WF_PARALLEL ? "parallel" : "serial";
}

const char *zq_wf_on_failure_name(int f)
{
	return f == ZQ_WF_CONTINUE ? "continue" : "stop";
}

int zq_workflow_find(const zq_workflow *wf, int64_t task_id)
{
	for (int i = 0; i < wf->n; i++)
		if (wf->nodes[i].task_id == task_id)
			return i;
	return -1;
}

static const char *dot(const char *prefix)
{
	return *prefix ? "." : "";
}

/* A positive integer that fits task ids. */
static int get_id(const cJSON *v, int64_t *out)
{
	zq_err err = ZQ_ERR_INIT;  /* the caller words the message */

	return jin_int(v, "task_id", 1, ID_MAX, out, &err) < 0 ? -1 : 0;
}

/* Unknown or repeated members of an object. */
static void check_members(const cJSON *obj, const char *const *allowed, const char *where,
			  zq_wf_errors *errs)
{
	for (const cJSON *a = obj->child; a; a = a->next) {
		int ok = 0;
		for (const char *const *f = allowed; *f; f++)
			ok |= a->string && strcmp(a->string, *f) == 0;
		if (!ok)
			zq_wf_errors_add(errs, "%s%.100s: unknown field", where,
					 a->string ? a->string : "");
		for (const cJSON *b = obj->child; ok && b != a; b = b->next)
			if (strcmp(b->string, a->string) == 0)
				zq_wf_errors_add(errs, "%s%.100s: given twice", where, a->string);
	}
}

static void parse_deps(zq_wf_node *node, const cJSON *deps, const char *where, zq_wf_errors *errs)
{
	int n, k = 0;

	if (!deps || cJSON_IsNull(deps))
		return;
	if (!cJSON_IsArray(deps)) {
		zq_wf_errors_add(errs, "%sdependencies: must be a list of task ids", where);
		return;
	}
	n = cJSON_GetArraySize(deps);
	if (n > ZQ_WF_MAX_NODES) {
		zq_wf_errors_add(errs, "%sdependencies: at most %d", where, ZQ_WF_MAX_NODES);
		return;
	}
	node->deps = zq_calloc((size_t)n + 1, sizeof(int64_t));
	node->dep_idx = zq_calloc((size_t)n + 1, sizeof(int));
	for (const cJSON *d = deps->child; d; d = d->next, k++) {
		int64_t id;
		if (get_id(d, &id) < 0) {
			zq_wf_errors_add(errs, "%sdependencies[%d]: must be a positive integer task id",
					 where, k);
			continue;
		}
		for (int j = 0; j < node->ndeps; j++)
			if (node->deps[j] == id) {
				zq_wf_errors_add(errs, "%sdependencies[%d]: task %lld is listed twice",
						 where, k, (long long)id);
				id = 0;
				break;
			}
		if (id)
			node->deps[node->ndeps++] = id;
	}
}

static void parse_node(zq_wf_node *node, const cJSON *item, const char *where, zq_wf_errors *errs)
{
	const cJSON *v;

	if (!cJSON_IsObject(item)) {
		zq_wf_errors_add(errs, "%s: must be an object with task_id", where);
		return;
	}
	char w[200];
	snprintf(w, sizeof(w), "%s.", where);
	check_members(item, node_fields, w, errs);
	v = cJSON_GetObjectItemCaseSensitive(item, "task_id");
	if (!v)
		zq_wf_errors_add(errs, "%stask_id: required", w);
	else if (get_id(v, &node->task_id) < 0)
		zq_wf_errors_add(errs, "%stask_id: must be a positive integer", w);
	v = cJSON_GetObjectItemCaseSensitive(item, "name");
	if (v && !cJSON_IsNull(v)) {
		zq_err err = ZQ_ERR_INIT;  /* the message is the one below */
		const char *name;

		if (jin_string(v, "name", 1, NAME_MAX_CHARS, 1, &name, &err) < 0)
			zq_wf_errors_add(errs, "%sname: must be a string of 1-%d characters", w,
					 NAME_MAX_CHARS);
		else
			node->name = zq_strdup(name);
	}
	parse_deps(node, cJSON_GetObjectItemCaseSensitive(item, "dependencies"), w, errs);
}

static void parse_enum(const cJSON *cfg, const char *key, const char *a, const char *b, int def,
		       int *out, const char *prefix, zq_wf_errors *errs)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, key);

	*out = def;
	if (!v) {
		if (def < 0)
			zq_wf_errors_add(errs, "%s%s%s: required (%s or %s)", prefix, dot(prefix), key,
					 a, b);
		return;
	}
	if (cJSON_IsString(v) && strcmp(v->valuestring, a) == 0)
		*out = 0;
	else if (cJSON_IsString(v) && strcmp(v->valuestring, b) == 0)
		*out = 1;
	else
		zq_wf_errors_add(errs, "%s%s%s: must be %s or %s", prefix, dot(prefix), key, a, b);
}

/* Resolve dependency ids to node indexes; flag duplicates and strangers. */
static void resolve(zq_workflow *wf, const char *prefix, zq_wf_errors *errs)
{
	for (int i = 0; i < wf->n; i++) {
		zq_wf_node *nd = &wf->nodes[i];
		int first = nd->task_id ? zq_workflow_find(wf, nd->task_id) : i;
		if (first != i)
			zq_wf_errors_add(errs, "%s%stasks[%d].task_id: task %lld is listed twice (also "
					 "tasks[%d])", prefix, dot(prefix), i, (long long)nd->task_id,
					 first);
		for (int k = 0; k < nd->ndeps; k++) {
			int j = zq_workflow_find(wf, nd->deps[k]);
			nd->dep_idx[k] = j;
			if (nd->deps[k] == nd->task_id)
				zq_wf_errors_add(errs, "%s%stasks[%d].dependencies: task %lld depends on "
						 "itself", prefix, dot(prefix), i, (long long)nd->task_id);
			else if (j < 0)
				zq_wf_errors_add(errs, "%s%stasks[%d].dependencies: task %lld is not in "
						 "this workflow", prefix, dot(prefix), i,
						 (long long)nd->deps[k]);
		}
	}
}

enum { WHITE = 0, GRAY = 1, BLACK = 2 };

struct dfs {
	const zq_workflow *wf;
	unsigned char *color;
	int *stack;
	int depth;
	zq_wf_errors *errs;
	int cycles;
};

static void report_cycle(struct dfs *d, int to)
{
	zq_buf b = ZQ_BUF_INIT(4096);
	int k = d->depth - 1;

	while (k > 0 && d->stack[k] != to)
		k--;
	zq_buf_puts(&b, "cycle: ");
	for (int i = k; i < d->depth; i++)
		zq_buf_printf(&b, "%lld \xE2\x86\x92 ", (long long)d->wf->nodes[d->stack[i]].task_id);
	zq_buf_printf(&b, "%lld", (long long)d->wf->nodes[to].task_id);
	zq_wf_errors_add(d->errs, "%s", b.data);
	zq_buf_release(&b);
	d->cycles++;
}

static void visit(struct dfs *d, int u)
{
	const zq_wf_node *nd = &d->wf->nodes[u];

	d->color[u] = GRAY;
	d->stack[d->depth++] = u;
	for (int k = 0; k < nd->ndeps; k++) {
		int v = nd->dep_idx[k];
		if (v < 0 || v == u)
			continue;
		if (d->color[v] == GRAY && d->cycles < 5)
			report_cycle(d, v);
		else if (d->color[v] == WHITE)
			visit(d, v);
	}
	d->depth--;
	d->color[u] = BLACK;
}

static int find_cycles(const zq_workflow *wf, zq_wf_errors *errs)
{
	struct dfs d = {wf, zq_calloc((size_t)wf->n + 1, 1), zq_calloc((size_t)wf->n + 1, sizeof(int)),
			0, errs, 0};

	for (int i = 0; i < wf->n; i++)
		if (d.color[i] == WHITE)
			visit(&d, i);
	free(d.color);
	free(d.stack);
	return d.cycles;
}

/* Kahn's algorithm; among ready nodes the first listed goes next. */
static void topo_order(zq_workflow *wf)
{
	unsigned char *placed = zq_calloc((size_t)wf->n + 1, 1);
	int count = 0;

	wf->order = zq_calloc((size_t)wf->n + 1, sizeof(int));
	while (count < wf->n) {
		int pick = -1;
		for (int i = 0; i < wf->n && pick < 0; i++) {
			int ready = !placed[i];
			for (int k = 0; ready && k < wf->nodes[i].ndeps; k++)
				ready = placed[wf->nodes[i].dep_idx[k]];
			if (ready)
				pick = i;
		}
		if (pick < 0)
			break; /* cannot happen on an acyclic graph */
		placed[pick] = 1;
		wf->order[count++] = pick;
	}
	free(placed);
}

int zq_workflow_from_json(zq_workflow *wf, const cJSON *cfg, const char *prefix,
			  zq_wf_errors *errs)
{
	const cJSON *tasks;
	char where[160];
	int n, i = 0;

	zq_workflow_release(wf);
	if (!cJSON_IsObject(cfg)) {
		zq_wf_errors_add(errs, "%s: must be an object with workflow_type and tasks",
				 *prefix ? prefix : "config");
		return ZQ_EINVAL;
	}
	snprintf(where, sizeof(where), "%s%s", prefix, dot(prefix));
	check_members(cfg, wf_fields, where, errs);
	parse_enum(cfg, "workflow_type", "serial", "parallel", -1, &wf->type, prefix, errs);
	parse_enum(cfg, "on_failure", "stop", "continue", ZQ_WF_STOP, &wf->on_failure, prefix, errs);
	tasks = cJSON_GetObjectItemCaseSensitive(cfg, "tasks");
	if (!cJSON_IsArray(tasks) || (n = cJSON_GetArraySize(tasks)) == 0) {
		zq_wf_errors_add(errs, "%stasks: required, a non-empty list of {task_id, name, "
				 "dependencies}", where);
		return ZQ_EINVAL;
	}
	if (n > ZQ_WF_MAX_NODES) {
		zq_wf_errors_add(errs, "%stasks: at most %d tasks, got %d", where, ZQ_WF_MAX_NODES, n);
		return ZQ_EINVAL;
	}
	wf->nodes = zq_calloc((size_t)n, sizeof(zq_wf_node));
	wf->n = n;
	for (const cJSON *item = tasks->child; item; item = item->next, i++) {
		char w[180];
		snprintf(w, sizeof(w), "%stasks[%d]", where, i);
		parse_node(&wf->nodes[i], item, w, errs);
	}
	resolve(wf, prefix, errs);
	if (errs->n == 0 && find_cycles(wf, errs) == 0)
		topo_order(wf);
	return errs->n ? ZQ_EINVAL : 0;
}

int zq_workflow_parse(zq_workflow *wf, const char *json, const char *prefix, zq_wf_errors *errs)
{
	cJSON *cfg = cJSON_Parse(json ? json : "");
	int rc;

	if (!cfg) {
		zq_wf_errors_add(errs, "%s: not valid JSON", *prefix ? prefix : "config");
		return ZQ_EINVAL;
	}
	rc = zq_workflow_from_json(wf, cfg, prefix, errs);
	cJSON_Delete(cfg);
	return rc;
}

int zq_wf_errors_to_err(const zq_wf_errors *e, zq_err *err)
{
	zq_buf b = ZQ_BUF_INIT(ZQ_ERR_MSG_MAX - 1);

	for (int i = 0; i < e->n; i++)
		if (zq_buf_printf(&b, "%s%s", i ? "; " : "", e->msg[i]) < 0)
			break;
	if (e->more)
		zq_buf_puts(&b, " (and more)");
	zq_errf(err, ZQ_EINVAL, "%s", b.data);
	zq_buf_release(&b);
	return ZQ_EINVAL;
}
