// exec-common.js - what the history and detail pages share about executions.
import { h } from './dom.js';
import { t, tOr } from './i18n.js';
import { post } from './api.js';
import { progressBar, confirmDialog, toast, toastError } from './ui.js';
import { fmtDuration, parseTime } from './format.js';

export function triggerOf(e) {
  return e.trigger_type || e.trigger || '';
}

/** Result object (API merges progress into it); tolerate a JSON string. */
export function resultOf(e) {
  let r = e.result;
  if (typeof r === 'string') {
    try { r = JSON.parse(r); } catch (err) { r = { message: r }; }
  }
  return r && typeof r === 'object' ? r : {};
}

export function progressOf(e) {
  const r = resultOf(e);
  const pick = (...vals) => vals.find((v) => v !== undefined && v !== null);
  return {
    percent: pick(e.progress_percent, r.progress_percent, e.status === 'success' ? 100 : 0),
    step: pick(e.current_step, r.current_step, null),
    total: pick(e.total_steps, r.total_steps, null),
    message: pick(e.progress_message, r.message, ''),
  };
}

export function durationOf(e) {
  if (e.duration_seconds !== undefined && e.duration_seconds !== null) return Number(e.duration_seconds);
  if (e.duration_ms !== undefined && e.duration_ms !== null) return Number(e.duration_ms) / 1000;
  const a = parseTime(e.start_time);
  const b = parseTime(e.end_time);
  return Number.isFinite(a) && Number.isFinite(b) ? (b - a) / 1000 : null;
}

/** Running: the progress bar. Finished: a one-line summary. */
export function resultCell(e) {
  const st = e.status;
  if (st === 'running') {
    const p = progressOf(e);
    return progressBar(p.percent, p.step, p.total, p.message);
  }
  if (st === 'pending') {
    return h('span', { class: 'muted' }, e.cancel_requested ? t('exec.cancel_requested') : t('exec.waiting'));
  }
  const r = resultOf(e);
  const parts = [];
  if (r.message) parts.push(String(r.message));
  if (r.exit_code !== undefined && r.exit_code !== null) parts.push(t('exec.exit_code', { code: r.exit_code }));
  if (r.summary && typeof r.summary === 'object') parts.push(JSON.stringify(r.summary));
  const text = parts.join(' · ');
  const p = progressOf(e);
  const hasProgress = (p.total !== null && p.total !== undefined) || (e.progress_percent ?? r.progress_percent) != null;
  if (hasProgress && st !== 'skipped') {
    // Where the run ended: 100% step n/n for a success, where it stopped otherwise.
    return h('div', { class: ['final-progress', `final-${st}`] },
      progressBar(p.percent, p.step, p.total, null),
      text ? h('div', { class: 'result-text', title: text }, text) : null);
  }
  return text ? h('span', { class: 'result-text', title: text }, text) : h('span', { class: 'muted' }, '—');
}

export function durationText(e) {
  const d = durationOf(e);
  return d === null ? '' : fmtDuration(d);
}

export function statusLabel(s) {
  return tOr(`status.${s}`, s);
}

export async function cancelExecution(taskId, e) {
  const ok = await confirmDialog(t('exec.cancel_title'), t('exec.cancel_confirm', { id: e.id }), t('exec.cancel'));
  if (!ok) return false;
  try {
    await post(`/scheduler/tasks/${taskId}/executions/${e.id}/cancel`, {});
    toast(t('exec.cancel_sent', { id: e.id }), 'ok');
    return true;
  } catch (err) {
    toastError(err, t('exec.cancel'));
    return false;
  }
}
