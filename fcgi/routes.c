/* routes.c - the route table: every endpoint of zq-api, who may call it,
 * and whether it takes a body. Roles (README "Authentication and roles"): viewer reads; operator
 * also triggers, cancels, enables, disables, pauses, resumes; admin also
 * creates, updates, deletes tasks and manages users and tokens. Alerts:
 * channels are admin only (they hold secrets), rules admin writes and
 * viewer reads, alerts and events viewer reads, ack / silence operator.
 * fcgi/openapi.json must list exactly these (a test checks it). */
#include "api.h"
#include "handlers.h"

#define PUB ZQ_ACCESS_PUBLIC
#define VIEW ZQ_ACCESS_VIEWER
#define OPER ZQ_ACCESS_OPERATOR
#define ADMIN ZQ_ACCESS_ADMIN
#define BODY ZQ_ROUTE_BODY
#define FORM (ZQ_ROUTE_BODY | ZQ_ROUTE_FORM)
#define NAME ZQ_ROUTE_NAME

static const zq_route routes[] = {
	{"GET", "/health", PUB, 0, h_health, "liveness and database reachability"},
	{"GET", "/metrics", PUB, 0, h_metrics, "Prometheus metrics"},
	{"GET", "/openapi.json", PUB, 0, h_openapi, "this API's OpenAPI 3.0 document"},

	/* JSON only: a foreign page can post a form cross-site without a preflight */
	{"POST", "/auth/login", PUB, BODY, h_login, "log in: username + password -> bearer token"},
	{"POST", "/auth/logout", VIEW, 0, h_logout, "end the current session"},
	{"GET", "/auth/me", VIEW, 0, h_me, "who the token belongs to"},

	{"GET", "/users", ADMIN, 0, h_users_list, "list users"},
	{"POST", "/users", ADMIN, BODY, h_user_create, "create a user"},
	{"PATCH", "/users/{id}", ADMIN, BODY, h_user_update, "change role, password or disabled"},
	{"DELETE", "/users/{id}", ADMIN, 0, h_user_delete, "delete a user"},

	{"GET", "/tokens", ADMIN, 0, h_tokens_list, "list API tokens"},
	{"POST", "/tokens", ADMIN, BODY, h_token_create, "create an API token (shown once)"},
	{"DELETE", "/tokens/{id}", ADMIN, 0, h_token_delete, "revoke an API token"},

	{"GET", "/scheduler/tasks", VIEW, 0, h_tasks_list, "list tasks"},
	{"POST", "/scheduler/tasks", ADMIN, BODY, h_task_create, "create a task"},
	{"GET", "/scheduler/tasks/{id}", VIEW, ZQ_ROUTE_TASK_WITH_TOKEN, h_task_get, "one task"},
	{"PUT", "/scheduler/tasks/{id}", ADMIN, BODY, h_task_update, "update a task (partial)"},
	{"DELETE", "/scheduler/tasks/{id}", ADMIN, 0, h_task_delete, "delete a task"},
	{"POST", "/scheduler/tasks/{id}/enable", OPER, 0, h_task_enable, "enable a task"},
	{"POST", "/scheduler/tasks/{id}/disable", OPER, 0, h_task_disable, "disable a task"},
	{"POST", "/scheduler/tasks/{id}/pause", OPER, 0, h_task_pause, "pause a task"},
	{"POST", "/scheduler/tasks/{id}/resume", OPER, 0, h_task_resume, "resume a task"},
	{"POST", "/scheduler/tasks/{id}/trigger", OPER, BODY, h_task_trigger,
	 "run a task now (optional declared params; admins: one-off override)"},

	/* versions (README "Versions"): every role that reads tasks reads them */
	{"GET", "/scheduler/tasks/deleted", VIEW, 0, h_tasks_deleted,
	 "deleted tasks (their versions stay), newest delete first"},
	{"POST", "/scheduler/tasks/{id}/restore", ADMIN, BODY, h_task_undelete,
	 "re-create a deleted task with its id from its last version"},
	{"GET", "/scheduler/tasks/{id}/versions", VIEW, 0, h_task_versions,
	 "a task's versions, newest first, with the fields each changed"},
	{"GET", "/scheduler/tasks/{id}/versions/{v}", VIEW, 0, h_task_version_get,
	 "one version with its definition (secrets masked)"},
	{"GET", "/scheduler/tasks/{id}/versions/{v}/diff", VIEW, 0, h_task_version_diff,
	 "what changed from version v to ?to (default: the latest)"},
	{"POST", "/scheduler/tasks/{id}/versions/{v}/restore", ADMIN, BODY, h_task_version_restore,
	 "make version v the task's definition again (a new version)"},

	{"GET", "/scheduler/tasks/{id}/executions", VIEW, 0, h_executions_list,
	 "a task's executions, newest first"},
	{"GET", "/scheduler/tasks/{id}/executions/{eid}", VIEW, 0, h_execution_get,
	 "one execution with progress, steps and output"},
	{"GET", "/scheduler/tasks/{id}/executions/{eid}/output", VIEW, 0, h_execution_output,
	 "a run's output after a byte offset (live while it runs)"},
	{"POST", "/scheduler/tasks/{id}/executions/{eid}/cancel", OPER, 0, h_execution_cancel,
	 "stop a pending or running execution"},

	/* backfills (README "Calendars and business dates"): operators start and cancel */
	{"POST", "/scheduler/tasks/{id}/backfill", OPER, BODY, h_task_backfill,
	 "run a task for past business dates (dry_run: only list them)"},
	{"GET", "/scheduler/tasks/{id}/backfills", VIEW, 0, h_task_backfills,
	 "a task's backfills, newest first"},
	{"GET", "/scheduler/backfills/{id}", VIEW, 0, h_backfill_get,
	 "one backfill with its progress and dates"},
	{"POST", "/scheduler/backfills/{id}/cancel", OPER, 0, h_backfill_cancel,
	 "cancel a backfill (planned dates, pending and running runs)"},

	{"GET", "/scheduler/tasks/{id}/workflow", VIEW, 0, h_workflow_get,
	 "a workflow's nodes and their state in the latest run"},
	{"POST", "/scheduler/tasks/{id}/workflow/validate", VIEW, BODY, h_workflow_validate,
	 "check a workflow config without saving it"},

	{"GET", "/scheduler/stats", VIEW, 0, h_stats, "execution statistics, totals and per day"},
	{"GET", "/scheduler/cron/preview", VIEW, 0, h_cron_preview,
	 "next fire times of a cron (with a calendar: and the skipped slots)"},
	{"GET", "/scheduler/nodes", VIEW, 0, h_nodes, "scheduler daemons and their load"},
	{"GET", "/scheduler/audit", VIEW, 0, h_audit, "audit log"},

	/* setup documents (README "Export and import"): the body may be YAML */
	{"GET", "/scheduler/export", VIEW, 0, h_setup_export,
	 "every task, calendar and alert channel / rule as one document (YAML or JSON)"},
	{"POST", "/scheduler/import", ADMIN, 0, h_setup_import,
	 "validate, plan and apply a setup document (dry_run, prune)"},

	/* business calendars (README "Calendars and business dates"): {id} may be the name */
	{"GET", "/scheduler/calendars", VIEW, 0, h_calendars_list, "business calendars (no days)"},
	{"POST", "/scheduler/calendars", ADMIN, BODY, h_calendar_create, "create a calendar"},
	{"GET", "/scheduler/calendars/{id}", VIEW, NAME, h_calendar_get,
	 "one calendar with its holidays and workdays (by id or name)"},
	{"PUT", "/scheduler/calendars/{id}", ADMIN, BODY | NAME, h_calendar_update,
	 "update a calendar (partial; a day list given replaces that list)"},
	{"DELETE", "/scheduler/calendars/{id}", ADMIN, NAME, h_calendar_delete,
	 "delete a calendar (409 naming the tasks that use it)"},
	{"PATCH", "/scheduler/calendars/{id}/days", ADMIN, BODY | NAME, h_calendar_days_patch,
	 "add or remove days of a calendar"},
	{"GET", "/scheduler/calendars/{id}/days", VIEW, NAME, h_calendar_days,
	 "business days, holidays and workdays of a date range"},
	{"POST", "/scheduler/calendars/{id}/import", ADMIN, NAME, h_calendar_import,
	 "import date,kind lines (text/csv or {\"csv\"}; replace=true replaces all days)"},

	/* alerts (README "Alerts"): channels hold secrets, admins only */
	{"GET", "/alert-channels", ADMIN, 0, h_alert_channels_list, "alert channels (secrets masked)"},
	{"POST", "/alert-channels", ADMIN, BODY, h_alert_channel_create, "create an alert channel"},
	{"GET", "/alert-channels/{id}", ADMIN, 0, h_alert_channel_get, "one alert channel"},
	{"PUT", "/alert-channels/{id}", ADMIN, BODY, h_alert_channel_update,
	 "update an alert channel (partial; \"***\" keeps a secret)"},
	{"DELETE", "/alert-channels/{id}", ADMIN, 0, h_alert_channel_delete,
	 "delete an alert channel (409 when rules use it, unless force=true)"},
	{"POST", "/alert-channels/{id}/test", ADMIN, 0, h_alert_channel_test,
	 "queue a test message to a channel"},
	{"GET", "/alert-rules", VIEW, 0, h_alert_rules_list, "alert rules (a task's, global, or all)"},
	{"POST", "/alert-rules", ADMIN, BODY, h_alert_rule_create, "create an alert rule"},
	{"GET", "/alert-rules/{id}", VIEW, 0, h_alert_rule_get, "one alert rule"},
	{"PUT", "/alert-rules/{id}", ADMIN, BODY, h_alert_rule_update, "update an alert rule (partial)"},
	{"DELETE", "/alert-rules/{id}", ADMIN, 0, h_alert_rule_delete, "delete an alert rule"},
	{"GET", "/alerts", VIEW, 0, h_alerts_list, "alerts, newest first"},
	{"POST", "/alerts/{id}/ack", OPER, 0, h_alert_ack, "acknowledge an alert (no more repeats)"},
	{"POST", "/alerts/{id}/silence", OPER, BODY, h_alert_silence, "silence an alert until a time"},
	{"GET", "/alert-events", VIEW, 0, h_alert_events_list, "alert events (the outbox), newest first"},
	{"GET", "/alert-events/{id}", VIEW, 0, h_alert_event_get, "one alert event with its facts"},
};

const zq_route *zq_api_routes(int *n)
{
	*n = (int)(sizeof(routes) / sizeof(routes[0]));
	return routes;
}
