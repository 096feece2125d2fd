/* task_http.c - the task writer, If-Match and ETag of the task handlers. */
#include "task_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "user_store.h"
#include "utf8.h"
#include "version_store.h"
#include "views.h"

int task_http_check_comment(zq_ctx *c, const char *what, const char *s)
{
	size_t chars = 0;

	if (!s)
		return 0;
	if (zq_utf8_check(s, strlen(s), &chars) < 0)
		return zq_errf(&c->err, ZQ_EINVAL, "%s: must be UTF-8 text", what);
	if (chars > TASK_COMMENT_MAX)
		return zq_errf(&c->err, ZQ_EINVAL, "%s: at most %d characters", what,
			       TASK_COMMENT_MAX);
	return 0;
}

int task_http_writer(zq_ctx *c, task_writer *w)
{
	const char *comment = c->req->change_comment;

	memset(w, 0, sizeof(*w));
	w->db = c->db;
	w->actor = c->who.authenticated ? c->who.actor : NULL;
	w->client_addr = c->req->remote_addr && *c->req->remote_addr ? c->req->remote_addr : NULL;
	w->default_tz = c->api->cfg->timezone;
	w->err = &c->err;
	w->comment = comment && *comment ? comment : NULL;
	return task_http_check_comment(c, "X-Zq-Change-Comment", w->comment);
}

int task_http_if_match(zq_ctx *c, int *version)
{
	const char *s = c->req->if_match, *p;
	char *end = NULL;
	int quoted = 0;
	long v = 0;

	*version = 0;
	if (!s || !*s || strcmp(s, "*") == 0)
		return 0;
	p = strncmp(s, "W/", 2) == 0 ? s + 2 : s;
	if (*p == '"') {
		quoted = 1;
		p++;
	}
	if (*p >= '0' && *p <= '9')
		v = strtol(p, &end, 10);
	if (end && quoted && *end == '"')
		end++;
	else if (quoted)
		v = 0;
	if (v <= 0 || v > 2000000000 || *end)
		return zq_errf(&c->err, ZQ_EINVAL, "If-Match: must be a task version (3, \"3\" "
			       "or W/\"3\")");
	*version = (int)v;
	return 0;
}

void task_http_etag(zq_ctx *c, int version)
{
	char tag[24];

	snprintf(tag, sizeof(tag), "\"%d\"", version);
	zq_http_resp_header(c->resp, "ETag", tag);
}

int task_http_respond(zq_ctx *c, int64_t id, int status)
{
	task_store_row row;
	int rc = task_store_get_row(c->db, id, &row, &c->err);

	if (rc == 0) {
		api_status(c, status);
		task_http_etag(c, row.t.version);
		view_task(&c->w, &row, c->who.role >= ZQ_ROLE_ADMIN);
	}
	task_store_row_release(&row);
	return rc;
}

int task_http_failed(zq_ctx *c, int64_t id, int rc)
{
	char detail[ZQ_ERR_MSG_MAX];
	zq_err err = ZQ_ERR_INIT;
	int version = 0;

	if (rc != ZQ_ESTALE)
		return rc;
	zq_strlcpy(detail, c->err.msg, sizeof(detail));
	if (version_store_task_version(c->db, id, &version, &err) < 0)
		version = 0; /* gone meanwhile: the detail still says what was stale */
	api_status(c, 412);
	if (version)
		task_http_etag(c, version);
	jw_obj_begin(&c->w);
	jw_kstr(&c->w, "detail", detail);
	jw_kint(&c->w, "version", version);
	jw_obj_end(&c->w);
	return 0;
}
