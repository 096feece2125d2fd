/* fuzz_request.c - libFuzzer target for everything zq-api parses from a
 * request before a handler touches the database: the route match against
 * the real route table, the query string and its typed getters, the
 * Content-Type and Authorization headers, the body as JSON (task create and
 * update bodies, workflow configs, field lists) or as a form.
 *
 * Input: NUL-separated fields "method\0path\0query\0content-type\0
 * authorization\0body" (missing fields are empty). Besides sanitizer
 * reports it checks what must hold: a matched route's parameters are
 * non-negative, errors carry a message, and every string the parsers
 * accepted, written back by the JSON writer, parses as JSON to the same
 * bytes (invalid UTF-8 repaired). */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "handlers.h"
#include "http.h"
#include "jsonin.h"
#include "jsonw.h"
#include "router.h"
#include "task.h"
#include "task_input.h"
#include "timeutil.h"
#include "utf8.h"
#include "wf_graph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The route table's handlers are never called here. */
#define STUB(name) \
	int name(zq_ctx *c) { (void)c; return 0; }
STUB(h_login) STUB(h_logout) STUB(h_me) STUB(h_users_list) STUB(h_user_create)
STUB(h_user_update) STUB(h_user_delete) STUB(h_tokens_list) STUB(h_token_create)
STUB(h_token_delete) STUB(h_tasks_list) STUB(h_task_create) STUB(h_task_get)
STUB(h_task_update) STUB(h_task_delete) STUB(h_task_enable) STUB(h_task_disable)
STUB(h_task_pause) STUB(h_task_resume) STUB(h_task_trigger) STUB(h_executions_list)
STUB(h_execution_get) STUB(h_execution_cancel) STUB(h_workflow_get)
STUB(h_workflow_validate) STUB(h_health) STUB(h_metrics) STUB(h_openapi) STUB(h_stats)
STUB(h_cron_preview) STUB(h_nodes) STUB(h_audit)

#define NFIELDS 6

static void check(int cond)
{
	if (!cond)
		abort();
}

/* Split data into NUL-terminated fields (copies). */
static void split(const uint8_t *data, size_t size, char **f, size_t *len)
{
	size_t start = 0, k = 0;

	for (size_t i = 0; i <= size && k < NFIELDS; i++) {
		if (i == size || (data[i] == 0 && k < NFIELDS - 1)) {
			len[k] = i - start;
			f[k] = malloc(len[k] + 1);
			memcpy(f[k], data + start, len[k]);
			f[k][len[k]] = '\0';
			k++;
			start = i + 1;
		}
	}
	for (; k < NFIELDS; k++) {
		f[k] = calloc(1, 1);
		len[k] = 0;
	}
}

static void route(const char *method, const char *path)
{
	zq_route_match m;
	int n, rc;
	const zq_route *routes = zq_api_routes(&n);

	rc = zq_router_match(routes, n, method, path, &m);
	check(rc == 0 || rc == ZQ_ENOTFOUND || rc == ZQ_EUNSUPPORTED);
	if (rc == 0)
		for (int i = 0; i < m.nparams; i++)
			check(m.params[i] >= 0);
	if (rc == ZQ_EUNSUPPORTED)
		check(m.allow[0] != '\0');
}

/* A string written by the JSON writer must parse back to itself. */
static void roundtrip(const char *s, size_t n)
{
	zq_buf b = ZQ_BUF_INIT(ZQ_BUF_NOCAP);
	zq_jw w;
	cJSON *j;

	jw_init(&w, &b);
	jw_strn(&w, s, n);
	j = cJSON_Parse(b.data);
	check(j && cJSON_IsString(j));
	if (zq_utf8_check(s, n, NULL) == 0 && !memchr(s, 0, n))
		check(strcmp(j->valuestring, s) == 0);
	cJSON_Delete(j);
	zq_buf_release(&b);
}

static void query(const char *q, size_t n, const char *what)
{
	zq_err err = ZQ_ERR_INIT;
	zq_query qs;
	int64_t v;
	int b;
	const char *s;

	if (zq_query_parse(&qs, q, n, what, &err) < 0) {
		check(err.msg[0] != '\0');
		zq_query_release(&qs);
		return;
	}
	zq_query_int(&qs, "limit", 100, 1, 1000, &v, &err);
	zq_query_int(&qs, "task_id", 0, 1, INT64_MAX, &v, &err);
	zq_query_bool(&qs, "enabled", 0, &b, &err);
	zq_query_time(&qs, "start_time_from", &v, &err);
	zq_query_str(&qs, "name", 512, &s, &err);
	for (int i = 0; i < qs.n; i++)
		roundtrip(qs.kv[i].val, strlen(qs.kv[i].val));
	zq_query_release(&qs);
}

static void task_body(const cJSON *body, int is_create)
{
	zq_err err = ZQ_ERR_INIT;
	zq_workflow wf;
	unsigned mask;
	zq_task t;

	zq_task_init(&t);
	zq_workflow_init(&wf);
	if (!is_create) {
		strcpy(t.name, "stored");
		strcpy(t.cron_expression, "0 18 * * *");
		zq_task_set_config(&t, "{\"command\":\"true\"}");
	}
	if (task_input_apply(&t, body, is_create, &mask, &err) == 0) {
		if (task_input_check(&t, &wf, &err) == 0 && t.type == ZQ_TASK_WORKFLOW)
			check(wf.order != NULL);
		else
			check(err.code == 0 || err.msg[0] != '\0');
		if (t.config) {
			cJSON *c = cJSON_Parse(t.config);
			check(c != NULL);
			cJSON_Delete(c);
		}
	} else {
		check(err.msg[0] != '\0');
	}
	zq_workflow_release(&wf);
	zq_task_release(&t);
}

static void workflow(const cJSON *cfg)
{
	zq_wf_errors errs;
	zq_workflow wf;
	zq_err err = ZQ_ERR_INIT;
	int rc;

	zq_workflow_init(&wf);
	zq_wf_errors_init(&errs);
	rc = zq_workflow_from_json(&wf, cfg, "", &errs);
	check((rc == 0) == (errs.n == 0));
	if (rc == 0) {
		/* the order is a permutation that respects every dependency */
		char *placed = calloc((size_t)wf.n + 1, 1);
		for (int i = 0; i < wf.n; i++) {
			const zq_wf_node *nd = &wf.nodes[wf.order[i]];
			check(!placed[wf.order[i]]);
			for (int k = 0; k < nd->ndeps; k++)
				check(placed[nd->dep_idx[k]]);
			placed[wf.order[i]] = 1;
		}
		free(placed);
	} else {
		zq_wf_errors_to_err(&errs, &err);
		check(err.msg[0] != '\0');
	}
	zq_wf_errors_release(&errs);
	zq_workflow_release(&wf);
}

static void body(const char *ct, const char *b, size_t n)
{
	static const char *const allowed[] = {"username", "password", NULL};
	zq_err err = ZQ_ERR_INIT;
	char media[64];
	cJSON *j;

	zq_http_media_type(ct, media, sizeof(media));
	if (strcmp(media, "application/x-www-form-urlencoded") == 0) {
		query(b, n, "body");
		return;
	}
	if (jin_parse(b, n, &j, &err) < 0) {
		check(err.msg[0] != '\0');
		return;
	}
	if (cJSON_IsObject(j)) {
		jin_check_fields(j, "", allowed, NULL, &err);
		task_body(j, 1);
		task_body(j, 0);
		workflow(j);
		task_config_check(ZQ_TASK_COMMON, j, NULL, &err);
		task_config_check(ZQ_TASK_EXAMPLE, j, NULL, &err);
	}
	cJSON_Delete(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *f[NFIELDS];
	size_t len[NFIELDS];

	if (size > 1 << 16)
		return 0;
	split(data, size, f, len);
	route(f[0], f[1]);
	query(f[2], len[2], "query");
	zq_http_bearer(f[4]);
	body(f[3], f[5], len[5]);
	roundtrip(f[5], len[5]);
	for (int i = 0; i < NFIELDS; i++)
		free(f[i]);
	return 0;
}
