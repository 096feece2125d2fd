// ui.js - small shared widgets: status badges, progress bars, confirmation
// dialog, toasts, pager, page header, and how errors are shown (the API's
// detail in a toast or a box, a message at a form field).
import { h, nextId, replace } from './dom.js';
import { t, tOr } from './i18n.js';

const STATUS_CLASS = {
  success: 'ok', completed: 'warn', failed: 'bad', terminated: 'bad', running: 'run',
  pending: 'idle', skipped: 'idle', disabled: 'off', paused: 'warn', enabled: 'ok',
};

/** A coloured badge with the translated status word. */
export function badge(status, prefix = 'status') {
  const s = status || 'unknown';
  const cls = prefix === 'step' && s === 'completed' ? 'ok' : STATUS_CLASS[s] || 'idle';
  return h('span', { class: ['badge', `badge-${cls}`], dataset: { status: s } },
    tOr(`${prefix}.${s}`, s));
}

/** Progress bar with percent, "step i/n" and message (running executions). */
export function progressBar(percent, step, total, message) {
  const p = Math.max(0, Math.min(100, Math.round(Number(percent) || 0)));
  const label = t('progress.label', { p });
  const bar = h('div', {
    class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100,
    'aria-valuenow': p, 'aria-label': label,
  }, h('div', { class: 'progress-fill', style: { width: `${p}%` } }));
  const meta = [h('span', { class: 'progress-pct' }, `${p}%`)];
  const stepText = total ? t('progress.step', { i: step ?? 0, n: total }) : '';
  if (total) meta.push(h('span', { class: 'progress-step' }, stepText));
  const out = h('div', { class: 'progress-wrap' }, bar, h('div', { class: 'progress-meta' }, meta));
  // A message that only repeats "step i/n" adds nothing.
  const msg = message ? String(message).trim() : '';
  const same = (a, b) => a.toLowerCase().replace(/\s+/g, '') === b.toLowerCase().replace(/\s+/g, '');
  if (msg && !(stepText && same(msg, stepText)) && !same(msg, `step ${step ?? 0}/${total}`)) {
    out.appendChild(h('div', { class: 'progress-msg' }, msg));
  }
  return out;
}

// ---- toasts -----------------------------------------------------------------
export function toast(message, kind = 'info') {
  const box = document.getElementById('toasts');
  if (!box) return;
  const el = h('div', { class: ['toast', `toast-${kind}`], role: kind === 'error' ? 'alert' : 'status' }, message);
  box.appendChild(el);
  setTimeout(() => el.remove(), kind === 'error' ? 8000 : 4000);
}

/** What an error says: the API's detail, else the message. */
export function errorText(err) {
  return err && err.detail ? err.detail : String(err && err.message ? err.message : err);
}

/** Toast an API error (the detail the API sent). */
export function toastError(err, what) {
  const detail = errorText(err);
  toast(what ? `${what}: ${detail}` : detail, 'error');
}

// ---- modal dialogs (native <dialog>: focus trap and Esc for free) --------------
export function openDialog(title, body, buttons) {
  const titleId = nextId('dlg');
  const dlg = h('dialog', { class: 'dialog', 'aria-labelledby': titleId });
  const close = () => { dlg.close(); };
  dlg.addEventListener('close', () => dlg.remove());
  const footer = h('div', { class: 'dialog-actions' }, buttons.map((b) => h('button', {
    type: 'button', class: ['btn', b.kind && `btn-${b.kind}`],
    onclick: async () => { if ((await b.onclick(close)) !== false) close(); },
  }, b.label)));
  dlg.append(h('h2', { id: titleId }, title), h('div', { class: 'dialog-body' }, body), footer);
  document.body.appendChild(dlg);
  dlg.showModal();
  return { dialog: dlg, close };
}

/** Resolves true when the user confirms. */
export function confirmDialog(title, message, confirmLabel, kind = 'danger') {
  return new Promise((resolve) => {
    let answered = false;
    const { dialog } = openDialog(title, h('p', {}, message), [
      { label: t('action.cancel'), onclick: () => { answered = true; resolve(false); } },
      { label: confirmLabel, kind, onclick: () => { answered = true; resolve(true); } },
    ]);
    dialog.addEventListener('close', () => { if (!answered) resolve(false); });
    const btns = dialog.querySelectorAll('.dialog-actions button');
    if (btns.length) btns[0].focus();
  });
}

// ---- pager -------------------------------------------------------------------------
/** Prev / next with "x–y of total" and a page-size picker; a capped total (the API
 * stopped counting: `total_capped`) reads "x–y of total+" in both languages. */
export function pager({ skip, limit, total, capped, onChange }) {
  const from = total === 0 ? 0 : skip + 1;
  const to = Math.min(skip + limit, total);
  const sizeId = nextId('size');
  return h('nav', { class: 'pager', 'aria-label': t('pager.label') },
    h('button', {
      type: 'button', class: 'btn btn-small', disabled: skip <= 0,
      onclick: () => onChange(Math.max(0, skip - limit), limit), 'data-focus-key': 'pager-prev',
    }, t('pager.prev')),
    h('span', { class: 'pager-range' }, t(capped ? 'pager.range_capped' : 'pager.range', { from, to, total })),
    h('button', {
      type: 'button', class: 'btn btn-small', disabled: skip + limit >= total,
      onclick: () => onChange(skip + limit, limit), 'data-focus-key': 'pager-next',
    }, t('pager.next')),
    h('label', { for: sizeId, class: 'pager-size' }, t('pager.size')),
    h('select', {
      id: sizeId, onchange: (e) => onChange(0, Number(e.target.value)),
    }, [10, 20, 50, 100].map((n) => h('option', { value: String(n), selected: n === limit }, String(n)))));
}

/** Page title row: <h1> plus right-aligned tools. */
export function pageHeader(title, ...tools) {
  return h('div', { class: 'page-head' }, h('h1', {}, title), h('div', { class: 'page-tools' }, tools));
}

export function errorBox(err) {
  const detail = errorText(err);
  return h('div', { class: 'error-box', role: 'alert' }, t('error.load'), ' ', h('span', {}, detail));
}

/**
 * Show (or, with no message, clear) the error of one form field:
 * {wrap: the .field, input, error: its .field-error}.
 */
export function showFieldError({ wrap, input, error }, message) {
  error.textContent = message || '';
  error.hidden = !message;
  if (message) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
  wrap.classList.toggle('has-error', !!message);
}

export function loading(el) {
  return replace(el, h('p', { class: 'muted loading', role: 'status' }, t('common.loading')));
}

/** A small definition list from [label, value] pairs. */
export function dl(pairs) {
  return h('dl', { class: 'kv' }, pairs.filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}
