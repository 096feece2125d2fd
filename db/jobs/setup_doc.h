/* setup_doc.h - setup documents: a whole setup (tasks, calendars, alert
 * channels and rules) as one YAML or JSON document, out of a database
 * (export) and into one (import: validate, plan, apply in one transaction).
 *
 * The document (README "Export and import"):
 *   zq_setup: 1
 *   calendars:      [{name, description, timezone, weekend, covered_from,
 *                     covered_until, days: [{day, kind}]}]
 *   alert_channels: [{name, kind, enabled, lang, config}]   (no secrets)
 *   alert_rules:    [{task: NAME | null, kind, enabled, params,
 *                     repeat_every, channels: [NAME]}]
 *   tasks:          [task_def_json(t, 1), a workflow's nodes naming their
 *                     tasks: {"task": NAME, "name", "dependencies": [NAME]}]
 * Each list sorted by name (rules by task name, then kind); keys in that
 * order. Everything refers to everything else by name, never by id.
 *
 * Import: every error is collected with its path in the document
 * ("tasks[3].cron_expression") and rejects the whole document; tasks are
 * written by task_write_* (the API's rules, versions with action "import");
 * the same document imported twice plans every item "unchanged" and writes
 * nothing. An item's fields left out keep the target's values (the API's
 * PUT); env values "***" keep the target's secret. A list the document
 * leaves out is not managed by it: prune deletes only kinds it lists. */
#ifndef ZQ_SETUP_DOC_H
#define ZQ_SETUP_DOC_H

#include <cjson/cJSON.h>

#include "db.h"

#define SETUP_VERSION 1

typedef struct netaddr_list netaddr_list;   /* netaddr.h */

typedef struct setup_filter {
	const char *name;        /* task name substring (case-insensitive), NULL = any */
	int type;                /* enum zq_task_type, -1 = any */
	int no_channels;         /* leave alert_channels out (the caller may not read them) */
} setup_filter;

/* The document of what db holds (a new object), filtered: a selected
 * workflow pulls in its nodes (nested too), and the calendars, rules and
 * channels of the selected tasks come along (all of them, and the global
 * rules, without a filter). no_channels: no alert_channels list at all. */
int setup_export(zq_db *db, const setup_filter *f, cJSON **doc, zq_err *err);

/* Text of a document: yaml 1 = YAML (setup_yaml.h), 0 = JSON (cJSON's
 * formatted print, newline-terminated). Heap string, free(). */
char *setup_doc_text(const cJSON *doc, int yaml);

/* Parse a document: YAML or JSON (yaml -1: sniffed, a '{' first = JSON).
 * *doc owned by the caller. ZQ_EINVAL / ZQ_ETOOBIG with the path. */
int setup_doc_parse(const char *text, size_t len, int yaml, cJSON **doc, zq_err *err);

typedef struct setup_opts {
	const char *actor;           /* "import:FILE" */
	const char *client_addr;     /* NULL = none */
	const char *default_tz;      /* a created task's zone when its item has none */
	const netaddr_list *allow;   /* alert channel checks (alerts.allow) */
	int deny_private;
	int dry_run;                 /* plan only: everything rolls back */
	int prune;                   /* delete what the document does not name */
} setup_opts;

/* Validate doc against db, plan and (unless dry_run) apply it, in one
 * transaction of its own. *plan: [{"kind": "task|calendar|alert_channel|
 * alert_rule", "name", "action": "create|update|unchanged|delete",
 * "changes": [{path, from, to}]}]. ZQ_EINVAL when the document has
 * errors: *errors = [{"path", "detail"}] and nothing is written. Other
 * codes are the database's (err). Both arrays are new (cJSON_Delete). */
int setup_import(zq_db *db, const setup_opts *o, const cJSON *doc, cJSON **plan,
		 cJSON **errors, zq_err *err);

#endif
