// alerts-common.js - what the Alerts page and the task form's Alerts section
// share: the alerts API's vocabulary (rule kinds, channel kinds, event
// statuses) and its wording, event badges, links to tasks and runs, the
// rules table, silence choices, and the before_id pager.
import { h, nextId } from './dom.js';
import { t } from './i18n.js';
import { get } from './api.js';
import { fmtDuration, fmtInterval, timeEl, parseTime, fmtDateTime } from './format.js';
import { openDialog } from './ui.js';

export const RULE_KINDS = ['on_failure', 'on_timeout', 'on_recovery', 'on_skipped', 'deadline', 'not_started',
  'duration', 'scheduler_down'];
export const CHANNEL_KINDS = ['webhook', 'dingtalk', 'wecom', 'feishu', 'slack', 'email'];
export const EVENT_STATUSES = ['pending', 'sending', 'sent', 'failed', 'silenced'];
export const SILENCE_HOURS = [1, 4, 24];
const ESTATUS_CLASS = { sent: 'ok', failed: 'bad', pending: 'idle', sending: 'run', silenced: 'off' };

export const itemsOf = (res) => (res && res.items) || [];

/** All channels (admins only may read them); [] for other roles or on error. */
export async function loadChannels(canRead) {
  if (!canRead) return [];
  try { return itemsOf(await get('/alert-channels')); } catch (e) { return []; }
}

/** An event's delivery status as a coloured badge. */
export function eventBadge(status) {
  const s = status || 'pending';
  return h('span', { class: ['badge', `badge-${ESTATUS_CLASS[s] || 'idle'}`], dataset: { status: s } },
    t(`alerts.estatus.${s}`));
}

export function taskLink(id, name) {
  if (id === null || id === undefined) return h('span', { class: 'muted' }, t('alerts.no_task'));
  return h('a', { href: `#/tasks/${id}/history`, class: 'task-link' }, name || `#${id}`);
}

export function execLink(taskId, eid) {
  if (!eid || taskId === null || taskId === undefined) return null;
  return h('a', { href: `#/tasks/${taskId}/executions/${eid}`, class: 'exec-link' }, `#${eid}`);
}

/** A rule's params in a few words. */
export function paramsText(kind, p) {
  const q = p || {};
  switch (kind) {
    case 'on_failure': return q.each_attempt ? t('alerts.p.each_attempt') : t('alerts.p.last_attempt');
    case 'deadline': return t('alerts.p.deadline', {
      time: q.time || '', tz: q.timezone || t('alerts.p.task_zone'), days: q.days || '*',
    });
    case 'not_started': case 'scheduler_down': return t('alerts.p.after', { t: fmtDuration(q.after ?? (kind === 'not_started' ? 300 : 60)) });
    case 'duration': return [
      q.max_seconds ? t('alerts.p.max', { t: fmtDuration(q.max_seconds) }) : null,
      q.factor ? t('alerts.p.factor', { f: q.factor, n: q.min_runs ?? 5 }) : null,
    ].filter(Boolean).join(' · ');
    default: return '';
  }
}

/** ISO UTC n hours from now. */
export const hoursFromNow = (n) => new Date(Date.now() + n * 3600e3).toISOString();

/** <input type=datetime-local> value (browser zone) <-> ISO UTC. */
export function localToIso(v) {
  const ms = v ? new Date(v).getTime() : NaN;
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}
export function isoToLocal(iso) {
  const ms = parseTime(iso);
  return Number.isFinite(ms) ? fmtDateTime(ms).replace(' ', 'T').slice(0, 16) : '';
}

/** "silenced until …" when in the future, else null. */
export function silencedNote(until) {
  const ms = parseTime(until);
  if (!Number.isFinite(ms) || ms <= Date.now()) return null;
  return h('span', { class: 'silenced-note muted' }, t('alerts.silenced_until'), ' ', timeEl(until));
}

/** Silence dialog: 1 h / 4 h / 24 h or a time; calls submit(isoUntil), which returns false to stay open. */
export function silenceDialog(title, submit) {
  const id = nextId('sil');
  const input = h('input', { id, type: 'datetime-local', name: 'silence_until', value: isoToLocal(hoursFromNow(4)) });
  const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const quick = SILENCE_HOURS.map((n) => ({
    label: t('alerts.silence_for', { n }), onclick: () => submit(hoursFromNow(n)),
  }));
  openDialog(title, [
    h('p', {}, t('alerts.silence_intro')),
    h('div', { class: 'field' }, h('label', { for: id }, t('alerts.silence_until_label')), input), err,
  ], [
    { label: t('action.cancel'), onclick: () => true },
    ...quick,
    {
      label: t('alerts.silence'), kind: 'primary',
      onclick: () => {
        const iso = localToIso(input.value);
        if (!iso) { err.textContent = t('alerts.err.time'); err.hidden = false; return false; }
        return submit(iso);
      },
    },
  ]);
}

/** Newer / older pages of a list paged with before_id (the API's next_before_id). */
export function cursorPager(cur, nextBefore, onMove) {
  return h('nav', { class: 'pager', 'aria-label': t('pager.label') },
    h('button', {
      type: 'button', class: 'btn btn-small', disabled: !cur.stack.length, 'data-focus-key': 'pager-newer',
      onclick: () => { cur.before = cur.stack.pop() ?? null; onMove(); },
    }, t('alerts.newer')),
    h('span', { class: 'pager-range' }, t('alerts.page_n', { n: cur.stack.length + 1 })),
    h('button', {
      type: 'button', class: 'btn btn-small', disabled: !nextBefore, 'data-focus-key': 'pager-older', dataset: { action: 'older' },
      onclick: () => { cur.stack.push(cur.before); cur.before = nextBefore; onMove(); },
    }, t('alerts.older')));
}

function channelNames(ids, channels) {
  const byId = Object.fromEntries(channels.map((c) => [c.id, c]));
  return (ids || []).map((id) => h('span', { class: 'tag', dataset: { channel: id } }, byId[id] ? byId[id].name : `#${id}`));
}

/**
 * Rules as a table. opts: {channels, showTask, onEdit?(rule), onDelete?(rule), id}.
 * Without onEdit/onDelete (roles that may not write) there is no actions column.
 */
export function rulesTable(rules, opts) {
  const write = !!(opts.onEdit || opts.onDelete);
  const cols = ['col.id', opts.showTask ? 'alerts.col.task' : null, 'alerts.col.kind', 'alerts.col.params',
    'alerts.col.channels', 'alerts.col.repeat', 'col.state', write ? 'col.actions' : null].filter(Boolean);
  return h('table', { class: 'grid alert-rules-table', id: opts.id || null },
    h('thead', {}, h('tr', {}, cols.map((k) => h('th', { scope: 'col' }, t(k))))),
    h('tbody', {}, rules.map((r) => h('tr', { dataset: { ruleId: r.id, kind: r.kind } },
      h('td', { class: 'num' }, String(r.id)),
      opts.showTask ? h('td', {}, taskLink(r.task_id, r.task_name)) : null,
      h('td', {}, t(`alerts.kind.${r.kind}`)),
      h('td', { class: 'params-cell' }, paramsText(r.kind, r.params)),
      h('td', {}, h('span', { class: 'chips' }, channelNames(r.channels, opts.channels || []))),
      h('td', {}, r.repeat_every ? fmtInterval(r.repeat_every) : t('alerts.repeat_never')),
      h('td', {}, h('div', { class: 'state' },
        h('span', { class: ['badge', r.enabled ? 'badge-ok' : 'badge-off'] }, t(r.enabled ? 'state.enabled' : 'state.disabled')),
        silencedNote(r.silenced_until))),
      write ? h('td', { class: 'actions' }, h('div', { class: 'btn-row' },
        opts.onEdit ? h('button', { type: 'button', class: 'btn btn-small', dataset: { action: 'edit-rule' }, onclick: () => opts.onEdit(r) }, t('action.edit')) : null,
        opts.onDelete ? h('button', { type: 'button', class: 'btn btn-small btn-danger', dataset: { action: 'delete-rule' }, onclick: () => opts.onDelete(r) }, t('action.remove')) : null)) : null))));
}
