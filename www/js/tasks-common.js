// tasks-common.js - what several pages need to know about a task: its
// schedule in words, its latest run, the state-changing actions.
import { h } from './dom.js';
import { t, getLang } from './i18n.js';
import { post, del, get } from './api.js';
import { describeCron } from './cron.js';
import { fmtInterval, timeEl } from './format.js';
import { confirmDialog, toast, toastError } from './ui.js';

export const TASK_TYPES = ['example_task', 'common_task', 'manual_task', 'workflow'];
export const SCHEDULE_STATUSES = ['pending', 'running', 'success', 'failed', 'paused', 'disabled'];
export const EXEC_STATUSES = ['pending', 'running', 'success', 'failed', 'completed', 'terminated', 'skipped'];

export function isActive(status) {
  return status === 'pending' || status === 'running';
}

/** Schedule cell: cron + words, "every 1 h", one-off time, or "manual". */
/** "on SSE business days" under a schedule that follows a calendar. */
function calendarLine(task) {
  if (!task.calendar) return null;
  const rule = ['next', 'previous'].includes(task.calendar_rule) ? task.calendar_rule : 'only';
  return h('div', { class: 'sched-cal muted', dataset: { calendar: task.calendar, rule } }, t(`cal.sched.${rule}`, { cal: task.calendar }));
}

export function scheduleCell(task) {
  if (task.cron_expression) {
    const words = describeCron(task.cron_expression, getLang());
    return h('div', { class: 'sched' },
      h('code', { class: 'cron' }, task.cron_expression),
      words ? h('div', { class: 'sched-words' }, words) : null,
      task.timezone && task.timezone !== 'UTC' ? h('div', { class: 'sched-tz muted' }, task.timezone) : null,
      calendarLine(task));
  }
  if (task.interval_seconds) {
    return h('div', { class: 'sched' }, h('span', {}, fmtInterval(task.interval_seconds)), calendarLine(task));
  }
  if (task.run_at) {
    return h('div', { class: 'sched' }, h('span', {}, t('schedule.once')), ' ', timeEl(task.run_at));
  }
  return h('span', { class: 'muted' }, t('schedule.manual'));
}

/** The latest execution of a task as {status, time, id} (field names vary). */
export function latestRun(task) {
  const le = task.latest_execution || task.last_execution || task.latest_run || null;
  if (le && typeof le === 'object') {
    return {
      id: le.id ?? le.execution_id ?? null,
      status: le.status || null,
      time: le.start_time || le.end_time || le.scheduled_time || le.created_at || null,
    };
  }
  const status = task.latest_execution_status || null;
  const time = task.latest_execution_time || null;
  return status || time ? { id: task.latest_execution_id ?? null, status, time } : null;
}

/** When the task fires next (null when it is not due). */
export function nextRunOf(task) {
  return task.next_run_time ?? task.next_run_at ?? null;
}

/** enable/disable/pause/resume/trigger; returns the API's answer. */
export async function taskAction(task, action) {
  try {
    const res = await post(`/scheduler/tasks/${task.id}/${action}`, {});
    if (action === 'trigger') {
      toast(t('task.triggered', { name: task.name, id: res && res.execution_id != null ? res.execution_id : '?' }), 'ok');
    } else {
      toast(t(`task.done.${action}`, { name: task.name }), 'ok');
    }
    return res;
  } catch (e) {
    toastError(e, t(`action.${action}`));
    return null;
  }
}

/** Confirm, then DELETE; a 409 (used by a workflow) is shown. */
export async function deleteTask(task) {
  const ok = await confirmDialog(t('task.delete_title'), t('task.delete_confirm', { name: task.name }), t('action.delete'));
  if (!ok) return false;
  try {
    await del(`/scheduler/tasks/${task.id}`);
    toast(t('task.done.delete', { name: task.name }), 'ok');
    return true;
  } catch (e) {
    toastError(e, e.status === 409 ? t('task.delete_conflict') : t('action.delete'));
    return false;
  }
}

export async function loadTask(id) {
  return get(`/scheduler/tasks/${id}`);
}

/** Title line used on history/stats pages: "#3 name (type)". */
export function taskTitle(task) {
  return [h('span', { class: 'muted' }, `#${task.id} `), h('span', { class: 'task-name' }, task.name)];
}
