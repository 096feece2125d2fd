/* handlers.h - one function per route (routes.c maps them). Each returns 0
 * after writing its response, or a negative ZQ_E* code with c->err set
 * (the pipeline in api.c turns that into {"detail": ...}). */
#ifndef ZQ_HANDLERS_H
#define ZQ_HANDLERS_H

#include "api.h"

/* h_auth.c: sessions, users, API tokens */
int h_login(zq_ctx *c);
int h_logout(zq_ctx *c);
int h_me(zq_ctx *c);
int h_users_list(zq_ctx *c);
int h_user_create(zq_ctx *c);
int h_user_update(zq_ctx *c);
int h_user_delete(zq_ctx *c);
int h_tokens_list(zq_ctx *c);
int h_token_create(zq_ctx *c);
int h_token_delete(zq_ctx *c);

/* h_tasks.c */
int h_tasks_list(zq_ctx *c);
int h_task_create(zq_ctx *c);
int h_task_get(zq_ctx *c);
int h_task_update(zq_ctx *c);
int h_task_delete(zq_ctx *c);
int h_task_enable(zq_ctx *c);
int h_task_disable(zq_ctx *c);
int h_task_pause(zq_ctx *c);
int h_task_resume(zq_ctx *c);

/* h_versions.c */
int h_task_versions(zq_ctx *c);
int h_task_version_get(zq_ctx *c);
int h_task_version_diff(zq_ctx *c);
int h_task_version_restore(zq_ctx *c);
int h_tasks_deleted(zq_ctx *c);
int h_task_undelete(zq_ctx *c);

/* h_exec.c */
int h_task_trigger(zq_ctx *c);
int h_executions_list(zq_ctx *c);
int h_execution_get(zq_ctx *c);
int h_execution_cancel(zq_ctx *c);

/* h_output.c */
int h_execution_output(zq_ctx *c);

/* h_workflow.c */
int h_workflow_get(zq_ctx *c);
int h_workflow_validate(zq_ctx *c);

/* h_misc.c */
int h_health(zq_ctx *c);
int h_metrics(zq_ctx *c);
int h_openapi(zq_ctx *c);
int h_stats(zq_ctx *c);
int h_nodes(zq_ctx *c);
int h_audit(zq_ctx *c);

/* h_backfill.c */
int h_task_backfill(zq_ctx *c);
int h_task_backfills(zq_ctx *c);
int h_backfill_get(zq_ctx *c);
int h_backfill_cancel(zq_ctx *c);

/* h_preview.c */
int h_cron_preview(zq_ctx *c);

/* h_calendars.c */
int h_calendars_list(zq_ctx *c);
int h_calendar_create(zq_ctx *c);
int h_calendar_get(zq_ctx *c);
int h_calendar_update(zq_ctx *c);
int h_calendar_delete(zq_ctx *c);

/* h_setup.c */
int h_setup_export(zq_ctx *c);
int h_setup_import(zq_ctx *c);

/* h_calendar_days.c */
int h_calendar_days_patch(zq_ctx *c);
int h_calendar_days(zq_ctx *c);
int h_calendar_import(zq_ctx *c);

/* h_alert_channels.c */
int h_alert_channels_list(zq_ctx *c);
int h_alert_channel_create(zq_ctx *c);
int h_alert_channel_get(zq_ctx *c);
int h_alert_channel_update(zq_ctx *c);
int h_alert_channel_delete(zq_ctx *c);
int h_alert_channel_test(zq_ctx *c);

/* h_alert_rules.c */
int h_alert_rules_list(zq_ctx *c);
int h_alert_rule_create(zq_ctx *c);
int h_alert_rule_get(zq_ctx *c);
int h_alert_rule_update(zq_ctx *c);
int h_alert_rule_delete(zq_ctx *c);

/* h_alerts.c */
int h_alerts_list(zq_ctx *c);
int h_alert_ack(zq_ctx *c);
int h_alert_silence(zq_ctx *c);
int h_alert_events_list(zq_ctx *c);
int h_alert_event_get(zq_ctx *c);

#endif
