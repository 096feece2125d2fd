// backfill.js - run a task over a range of business dates (operator+): the
// Backfill dialog (from, to, mode, concurrency; Preview = a dry run listing
// the dates, then Start) and the task's backfills with their progress
// (done / total, failed, running) and Cancel, polled while one runs.
import { h, nextId, replace, rerenderKeepingFocus } from './dom.js';
import { t } from './i18n.js';
import { get, post, auth } from './api.js';
import { timeEl } from './format.js';
import { openDialog, toast, toastError, confirmDialog, progressBar } from './ui.js';
import { isDay, ymd } from './cal-days.js';

export const MODES = ['missing', 'failed', 'all'];
const POLL_MS = 2000;
const SHOW_DATES = 60;

function monthAgo() {
  const d = new Date();
  return [ymd(d.getFullYear(), d.getMonth(), d.getDate()), ymd(d.getFullYear(), d.getMonth() + 1, d.getDate() - 1)];
}

/** openBackfillDialog(task, onStarted(backfill)) */
export function openBackfillDialog(task, onStarted) {
  const [a, b] = monthAgo();
  const fromIn = h('input', { type: 'date', name: 'from', id: nextId('bf'), value: a });
  const toIn = h('input', { type: 'date', name: 'to', id: nextId('bf'), value: b });
  const modeSel = h('select', { name: 'mode', id: nextId('bf') }, MODES.map((m) => h('option', { value: m }, t(`bf.mode.${m}`))));
  const concIn = h('input', { type: 'number', name: 'concurrency', id: nextId('bf'), min: 1, max: 16, step: 1, value: '1', class: 'short' });
  const modeHint = h('div', { class: 'hint' });
  const result = h('div', { id: 'backfill-preview', 'aria-live': 'polite' });
  const err = h('p', { class: 'form-error', role: 'alert', hidden: true, id: 'backfill-error' });
  let previewed = null;   // the request body the shown list belongs to
  const field = (label, input, extra) => h('div', { class: 'field', dataset: { field: input.name } }, h('label', { for: input.id }, label), input, extra || null);
  const syncHint = () => { modeHint.textContent = t(`bf.mode_hint.${modeSel.value}`); };
  modeSel.addEventListener('change', syncHint);
  syncHint();

  function bodyOf(dry) {
    return { from: fromIn.value, to: toIn.value, mode: modeSel.value, concurrency: Number(concIn.value) || 1, dry_run: dry };
  }
  function fail(message) { err.textContent = message; err.hidden = false; return false; }
  function local() {
    if (!isDay(fromIn.value)) return `from: ${t('bf.err.date')}`;
    if (!isDay(toIn.value)) return `to: ${t('bf.err.date')}`;
    if (toIn.value < fromIn.value) return `to: ${t('bf.err.order')}`;
    const c = Number(concIn.value);
    if (!(Number.isInteger(c) && c >= 1 && c <= 16)) return `concurrency: ${t('bf.err.concurrency')}`;
    return null;
  }

  async function preview() {
    err.hidden = true;
    const bad = local();
    if (bad) return fail(bad);
    const body = bodyOf(true);
    let r;
    try { r = await post(`/scheduler/tasks/${task.id}/backfill`, body); } catch (e) { return fail(e.detail || String(e)); }
    const dates = (r && r.dates) || [];
    previewed = JSON.stringify({ ...body, dry_run: false });
    replace(result, h('p', { id: 'backfill-total' }, t('bf.would_run', { n: r.total ?? dates.length })),
      dates.length ? h('ol', { class: 'chips bf-dates', id: 'backfill-dates' }, dates.slice(0, SHOW_DATES).map((d) => h('li', { class: 'chip', dataset: { date: d } }, d)),
        dates.length > SHOW_DATES ? h('li', { class: 'muted' }, t('bf.more', { n: dates.length - SHOW_DATES })) : null) : null);
    startBtn.disabled = !dates.length;
    return false;   // the dialog stays open
  }

  async function start() {
    err.hidden = true;
    const body = bodyOf(false);
    if (previewed !== JSON.stringify(body)) { await preview(); return false; }
    try {
      const r = await post(`/scheduler/tasks/${task.id}/backfill`, body);
      toast(t('bf.started', { n: r.total ?? (r.dates || []).length, id: r.id }), 'ok');
      if (onStarted) onStarted(r);
      return true;
    } catch (e) { return fail(e.detail || String(e)); }
  }

  const reset = () => { previewed = null; startBtn.disabled = true; replace(result); };
  const form = h('form', { id: 'backfill-form', onsubmit: (e) => e.preventDefault(), oninput: reset, onchange: reset },
    h('p', {}, task.calendar ? t('bf.intro_cal', { cal: task.calendar }) : t('bf.intro')),
    h('div', { class: 'row wrap' }, field(t('bf.from'), fromIn), field(t('bf.to'), toIn), field(t('bf.concurrency'), concIn)),
    field(t('bf.mode'), modeSel, modeHint), err, result);
  const { dialog } = openDialog(t('bf.title', { name: task.name }), form, [
    { label: t('action.cancel'), onclick: () => true },
    { label: t('bf.preview'), onclick: preview },
    { label: t('bf.start'), kind: 'primary', onclick: start },
  ]);
  dialog.classList.add('dialog-wide');
  const btns = dialog.querySelectorAll('.dialog-actions button');
  btns[1].id = 'backfill-preview-btn';
  const startBtn = btns[2];
  startBtn.id = 'backfill-start';
  startBtn.disabled = true;
  fromIn.focus();
}

/**
 * The task's backfills, newest first: {el, load(), dispose()}; polls while one
 * runs and calls onProgress() when their counts change (the history reloads).
 */
export function backfillPanel(taskId, onProgress) {
  let timer = null;
  let disposed = false;
  let seen = null;
  const el = h('section', { class: 'card backfills', id: 'backfills', hidden: true });

  async function cancel(b) {
    if (!(await confirmDialog(t('bf.cancel_title'), t('bf.cancel_confirm', { id: b.id }), t('bf.cancel')))) return;
    try { await post(`/scheduler/backfills/${b.id}/cancel`, {}); } catch (e) { toastError(e); return; }
    toast(t('bf.cancelled', { id: b.id }), 'ok');
    load();
  }

  function row(b) {
    const total = Number(b.total) || 0;
    const done = Number(b.done) || 0;
    return h('tr', { dataset: { backfillId: b.id, status: b.status } },
      h('td', { class: 'num' }, `#${b.id}`),
      h('td', { class: 'nw' }, `${b.from} – ${b.to}`),
      h('td', {}, t(`bf.mode.${b.mode}`)),
      h('td', {}, h('span', { class: ['badge', b.status === 'running' ? 'badge-run' : b.status === 'done' ? 'badge-ok' : 'badge-off'] }, t(`bf.status.${b.status}`))),
      h('td', { class: 'bf-progress' }, progressBar(total ? (100 * done) / total : 100, null, null, null),
        h('div', { class: 'small', dataset: { done, total, failed: b.failed ?? 0, running: b.running ?? 0 } },
          t('bf.counts', { done, total, failed: b.failed ?? 0, running: b.running ?? 0 }))),
      h('td', {}, timeEl(b.created_at)),
      h('td', { class: 'actions' }, b.status === 'running' && auth.can('operator') ? h('button', {
        type: 'button', class: 'btn btn-small btn-danger', dataset: { action: 'cancel-backfill' }, 'data-focus-key': `bf-${b.id}`, onclick: () => cancel(b),
      }, t('bf.cancel')) : null));
  }

  async function load() {
    clearTimeout(timer);
    let res;
    try { res = await get(`/scheduler/tasks/${taskId}/backfills`); } catch (e) { return; }   // none yet, or no API: no panel
    if (disposed) return;
    const items = (res && (res.items || res.backfills)) || (Array.isArray(res) ? res : []);
    el.hidden = !items.length;
    const now = JSON.stringify(items.map((b) => [b.id, b.status, b.done, b.running]));
    if (seen !== null && now !== seen && onProgress) onProgress();
    seen = now;
    rerenderKeepingFocus(el, () => [h('h2', {}, t('bf.list_title')), h('table', { class: 'grid', id: 'backfills-table' },
      h('thead', {}, h('tr', {}, ['col.id', 'bf.range', 'bf.mode', 'col.status', 'exec.progress', 'col.created', 'col.actions']
        .map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, items.slice(0, 10).map(row)))]);
    if (items.some((b) => b.status === 'running') && !disposed) timer = setTimeout(load, POLL_MS);
  }

  return { el, load, dispose() { disposed = true; clearTimeout(timer); } };
}
