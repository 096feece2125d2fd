/* task_http.h - what the task handlers (h_tasks.c) and the version
 * handlers (h_versions.c) share: a task_writer for the caller, the
 * If-Match and X-Zq-Change-Comment headers, the task answer with its ETag
 * and the 412 of a stale If-Match. */
#ifndef ZQ_TASK_HTTP_H
#define ZQ_TASK_HTTP_H

#include "api.h"
#include "task_write.h"

#define TASK_COMMENT_MAX 512  /* characters of X-Zq-Change-Comment / a restore's comment */

/* w for the caller (actor, client address, the api's default zone,
 * c->err) with the X-Zq-Change-Comment header as its comment: ZQ_EINVAL
 * naming the header when it is longer than TASK_COMMENT_MAX characters or
 * not UTF-8. */
int task_http_writer(zq_ctx *c, task_writer *w);
/* A comment (header or body field `what`) checked as above. */
int task_http_check_comment(zq_ctx *c, const char *what, const char *s);

/* The If-Match header: 3, "3" or W/"3" -> *version (0 when absent or *).
 * ZQ_EINVAL naming If-Match otherwise. */
int task_http_if_match(zq_ctx *c, int *version);

/* ETag: "<version>" */
void task_http_etag(zq_ctx *c, int version);
/* Respond with task id as stored now (status, ETag). */
int task_http_respond(zq_ctx *c, int64_t id, int status);
/* After a write failed with rc: a stale If-Match (ZQ_ESTALE) becomes a 412
 * {"detail", "version": current} written here (returns 0); other codes are
 * returned as they are. */
int task_http_failed(zq_ctx *c, int64_t id, int rc);

#endif
