/* ctl_cmd.c - zqctl's commands: each one request (trigger --wait polls), the
 * API's JSON with --json, else a table or `key: value` lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "ctl.h"
#include "mem.h"

/* an id argument: a positive integer, else a usage error */
static int parse_id(const char *s, long long *id)
{
	char *end;

	*id = s ? strtoll(s, &end, 10) : 0;
	if (!s || *end || *id <= 0)
		return ctl_usage("'%s' is not an id (a positive integer)", s ? s : "");
	return CTL_OK;
}

/* a scalar member as text in buf (numbers without a fraction as integers) */
static const char *val_of(const cJSON *o, const char *k, char *buf, size_t n)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (cJSON_IsString(v))
		return v->valuestring;
	if (cJSON_IsNumber(v)) {
		if (v->valuedouble == (double)(long long)v->valuedouble)
			snprintf(buf, n, "%lld", (long long)v->valuedouble);
		else
			snprintf(buf, n, "%.2f", v->valuedouble);
		return buf;
	}
	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v) ? "true" : "false";
	return "-";
}

/* one table: the array `key` of j, the given columns */
static void table(const cJSON *j, const char *key, const char *const *cols, const int *widths)
{
	const cJSON *row, *arr = cJSON_GetObjectItemCaseSensitive(j, key);
	char buf[64];
	int i;

	for (i = 0; cols[i]; i++)
		printf("%-*s%s", widths[i], cols[i], cols[i + 1] ? "  " : "\n");
	cJSON_ArrayForEach(row, arr) {
		for (i = 0; cols[i]; i++)
			printf("%-*.*s%s", widths[i], cols[i + 1] ? widths[i] : 200,
			       val_of(row, cols[i], buf, sizeof(buf)), cols[i + 1] ? "  " : "\n");
	}
}

/* top-level members as `key: value` (objects and arrays compact) */
static void key_values(const cJSON *j)
{
	const cJSON *v;
	char buf[64];

	cJSON_ArrayForEach(v, j) {
		if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
			char *t = cJSON_PrintUnformatted(v);

			printf("%s: %s\n", v->string, t);
			cJSON_free(t);
		} else {
			printf("%s: %s\n", v->string, val_of(j, v->string, buf, sizeof(buf)));
		}
	}
}

/* GET path; prints the JSON (--json) or calls show(j) */
static int get_and_print(ctl *c, const char *path, void (*show)(const cJSON *))
{
	cJSON *j;
	int rc = ctl_call(c, "GET", path, NULL, &j);

	if (rc == CTL_OK) {
		if (c->json)
			ctl_print_json(j);
		else
			show(j);
	}
	cJSON_Delete(j);
	return rc;
}

static void show_tasks(const cJSON *j)
{
	static const char *const cols[] = {"id", "name", "task_type", "schedule_status",
					   "next_run_time", NULL};
	static const int w[] = {6, 32, 12, 15, 24};

	table(j, "tasks", cols, w);
}

static void add_query(zq_buf *b, const char *name, const char *value)
{
	char *e = ctl_escape(value);

	zq_buf_printf(b, "%c%s=%s", strchr(b->data, '?') ? '&' : '?', name, e);
	free(e);
}

int cmd_tasks(ctl *c, int argc, char **argv)
{
	static const char *const opts[][2] = {{"--type", "task_type"}, {"--status", "status"},
					      {"--name", "name"}, {"--limit", "limit"}};
	zq_buf path = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	int i, k, rc;

	zq_buf_puts(&path, "/scheduler/tasks");
	for (i = 1; i < argc; i++) {
		for (k = 0; k < 4 && strcmp(argv[i], opts[k][0]) != 0; k++)
			;
		if (k == 4 || i + 1 >= argc) {
			zq_buf_release(&path);
			return ctl_usage("tasks [--type T] [--status S] [--name N] [--limit N]");
		}
		add_query(&path, opts[k][1], argv[++i]);
	}
	rc = get_and_print(c, path.data, show_tasks);
	zq_buf_release(&path);
	return rc;
}

int cmd_show(ctl *c, int argc, char **argv)
{
	char path[64];
	long long id;

	if (argc != 2)
		return ctl_usage("show ID");
	if (parse_id(argv[1], &id))
		return CTL_USAGE;
	snprintf(path, sizeof(path), "/scheduler/tasks/%lld", id);
	return get_and_print(c, path, key_values);
}

static void show_history(const cJSON *j)
{
	static const char *const cols[] = {"id", "status", "trigger", "start_time",
					   "duration_seconds", "error_message", NULL};
	static const int w[] = {8, 10, 10, 24, 8, 40};

	table(j, "executions", cols, w);
}

int cmd_history(ctl *c, int argc, char **argv)
{
	char path[96];
	long long id;

	if (argc != 2)
		return ctl_usage("history ID");
	if (parse_id(argv[1], &id))
		return CTL_USAGE;
	snprintf(path, sizeof(path), "/scheduler/tasks/%lld/executions?limit=20", id);
	return get_and_print(c, path, show_history);
}

static void show_nodes(const cJSON *j)
{
	static const char *const cols[] = {"id", "name", "host", "pid", "state", "busy",
					   "threads", "heartbeat_age_seconds", NULL};
	static const int w[] = {4, 24, 20, 8, 8, 5, 7, 8};

	table(j, "nodes", cols, w);
}

int cmd_nodes(ctl *c, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return ctl_usage("nodes");
	return get_and_print(c, "/scheduler/nodes", show_nodes);
}

static void show_stats(const cJSON *j)
{
	static const char *const keys[] = {"total_executions", "success_count", "failed_count",
					   "running_count", "pending_count", "success_rate",
					   "avg_duration_seconds", "max_duration_seconds",
					   "latest_execution_status", NULL};
	char buf[64];
	int i;

	for (i = 0; keys[i]; i++)
		printf("%-24s %s\n", keys[i], val_of(j, keys[i], buf, sizeof(buf)));
}

int cmd_stats(ctl *c, int argc, char **argv)
{
	char path[96] = "/scheduler/stats";
	long long id;

	if (argc > 2)
		return ctl_usage("stats [ID]");
	if (argc == 2) {
		if (parse_id(argv[1], &id))
			return CTL_USAGE;
		snprintf(path, sizeof(path), "/scheduler/stats?task_id=%lld", id);
	}
	return get_and_print(c, path, show_stats);
}

/* POST without a body; prints the answer (--json) or `what` */
static int post_simple(ctl *c, const char *path, const char *what)
{
	cJSON *j;
	int rc = ctl_call(c, "POST", path, NULL, &j);

	if (rc == CTL_OK) {
		if (c->json)
			ctl_print_json(j);
		else
			printf("%s\n", what);
	}
	cJSON_Delete(j);
	return rc;
}

int cmd_cancel(ctl *c, int argc, char **argv)
{
	char path[128];
	long long id, eid;

	if (argc != 3)
		return ctl_usage("cancel ID EID (the task's id and the execution's)");
	if (parse_id(argv[1], &id) || parse_id(argv[2], &eid))
		return CTL_USAGE;
	snprintf(path, sizeof(path), "/scheduler/tasks/%lld/executions/%lld/cancel", id, eid);
	return post_simple(c, path, "cancel requested");
}

/* enable, disable, pause, resume */
int cmd_action(ctl *c, int argc, char **argv)
{
	char path[96], what[64];
	long long id;

	if (argc != 2)
		return ctl_usage("%s ID", argv[0]);
	if (parse_id(argv[1], &id))
		return CTL_USAGE;
	snprintf(path, sizeof(path), "/scheduler/tasks/%lld/%s", id, argv[0]);
	snprintf(what, sizeof(what), "task %lld: %s done", id, argv[0]);
	return post_simple(c, path, what);
}
