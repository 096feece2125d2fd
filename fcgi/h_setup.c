/* h_setup.c - a whole setup as one document (README "Export and import";
 * db/jobs/setup_doc.h): GET /scheduler/export (every role that reads
 * tasks; JSON, or YAML with format=yaml; secrets never in it; alert channels, admin-only
 * in the API, only for admins) and POST /scheduler/import
 * (admin; the body YAML or JSON by Content-Type, or sniffed; dry_run
 * plans only; prune deletes what the document does not name). An invalid
 * document is a 422 listing every error with its path; nothing is
 * written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "log.h"
#include "setup_doc.h"
#include "task.h"
#include "user_store.h"

int h_setup_export(zq_ctx *c)
{
	const zq_query *q = &c->req->query;
	const char *fmt = zq_query_get(q, "format"), *type = zq_query_get(q, "type");
	setup_filter f = {zq_query_get(q, "name"), -1, c->who.role < ZQ_ROLE_ADMIN};
	cJSON *doc;
	char *text;
	int rc, yaml;

	if (fmt && strcmp(fmt, "yaml") != 0 && strcmp(fmt, "json") != 0)
		return zq_errf(&c->err, ZQ_EINVAL, "format: must be yaml or json");
	yaml = fmt && strcmp(fmt, "yaml") == 0;   /* JSON by default, as every other answer */
	if (type && (f.type = zq_task_type_parse(type)) < 0)
		return zq_errf(&c->err, ZQ_EINVAL, "type: must be manual_task, common_task, workflow "
			       "or example_task");
	if (f.name && !*f.name)
		f.name = NULL;
	if ((rc = setup_export(c->db, &f, &doc, &c->err)) < 0)
		return rc;
	text = setup_doc_text(doc, yaml);
	cJSON_Delete(doc);
	c->resp->content_type = yaml ? "application/yaml; charset=utf-8"
				     : "application/json; charset=utf-8";
	rc = zq_buf_puts(&c->resp->body, text);
	free(text);
	return rc < 0 ? zq_errf(&c->err, ZQ_ETOOBIG, "export: too large") : 0;
}

/* 1 YAML, 0 JSON, -1 sniff, -2 another media type. */
static int body_kind(const char *content_type)
{
	char media[64];

	zq_http_media_type(content_type, media, sizeof(media));
	if (!media[0] || strcmp(media, "text/plain") == 0 ||
	    strcmp(media, "application/octet-stream") == 0)
		return -1;
	if (strcmp(media, "application/json") == 0)
		return 0;
	if (strcmp(media, "application/yaml") == 0 || strcmp(media, "text/yaml") == 0 ||
	    strcmp(media, "application/x-yaml") == 0 || strcmp(media, "text/x-yaml") == 0)
		return 1;
	return -2;
}

static void write_json(zq_ctx *c, const cJSON *v)
{
	char *text = cJSON_PrintUnformatted(v);

	jw_json(&c->w, text, strlen(text));
	cJSON_free(text);
}

static void respond_errors(zq_ctx *c, const cJSON *errors)
{
	char detail[40];

	snprintf(detail, sizeof(detail), "%d error%s", cJSON_GetArraySize(errors),
		 cJSON_GetArraySize(errors) == 1 ? "" : "s");
	api_status(c, 422);
	jw_obj_begin(&c->w);
	jw_kstr(&c->w, "detail", detail);
	jw_key(&c->w, "errors");
	write_json(c, errors);
	jw_obj_end(&c->w);
}

static void respond_plan(zq_ctx *c, const setup_opts *o, const cJSON *plan)
{
	jw_obj_begin(&c->w);
	jw_kbool(&c->w, "dry_run", o->dry_run);
	jw_kbool(&c->w, "applied", !o->dry_run);
	jw_key(&c->w, "plan");
	write_json(c, plan);
	jw_obj_end(&c->w);
}

/* A document that does not parse is one error at its path. */
static void parse_error(zq_ctx *c)
{
	cJSON *errs = cJSON_CreateArray(), *e = cJSON_CreateObject();
	const char *colon = strstr(c->err.msg, ": ");

	if (colon) {
		char path[400];
		snprintf(path, sizeof(path), "%.*s", (int)(colon - c->err.msg), c->err.msg);
		cJSON_AddStringToObject(e, "path", path);
		cJSON_AddStringToObject(e, "detail", colon + 2);
	} else {
		cJSON_AddStringToObject(e, "path", "document");
		cJSON_AddStringToObject(e, "detail", c->err.msg);
	}
	cJSON_AddItemToArray(errs, e);
	respond_errors(c, errs);
	cJSON_Delete(errs);
}

int h_setup_import(zq_ctx *c)
{
	const zq_query *q = &c->req->query;
	setup_opts o;
	cJSON *doc = NULL, *plan = NULL, *errors = NULL;
	int kind = body_kind(c->req->content_type), rc;

	memset(&o, 0, sizeof(o));
	if (c->req->body_too_big)
		return zq_errf(&c->err, ZQ_ETOOBIG, "body: larger than %d bytes",
			       c->api->cfg->api_max_body);
	if (kind == -2)
		return zq_errf(&c->err, ZQ_EINVAL, "Content-Type: must be application/yaml or "
			       "application/json, got '%.60s'", c->req->content_type);
	if ((rc = zq_query_bool(q, "dry_run", 0, &o.dry_run, &c->err)) < 0 ||
	    (rc = zq_query_bool(q, "prune", 0, &o.prune, &c->err)) < 0)
		return rc;
	if (setup_doc_parse(c->req->body ? c->req->body : "", c->req->body_len, kind, &doc,
			    &c->err) < 0) {
		parse_error(c);
		return 0;
	}
	o.actor = "import:api";
	o.client_addr = c->req->remote_addr && *c->req->remote_addr ? c->req->remote_addr : NULL;
	o.default_tz = c->api->cfg->timezone;
	o.allow = c->api->alerts_allow;
	o.deny_private = c->api->cfg->alerts_deny_private;
	rc = setup_import(c->db, &o, doc, &plan, &errors, &c->err);
	if (rc == ZQ_EINVAL && errors && errors->child) {
		respond_errors(c, errors);
		rc = 0;
	} else if (rc == 0) {
		zq_info("SETUP IMPORT items=%d dry_run=%d prune=%d by=%s", cJSON_GetArraySize(plan),
			o.dry_run, o.prune, c->who.actor);
		respond_plan(c, &o, plan);
	}
	cJSON_Delete(doc);
	cJSON_Delete(plan);
	cJSON_Delete(errors);
	return rc;
}
