// versions-common.js - a task's versions (the REST API's vocabulary): the
// headers of an optimistic write (If-Match, X-Zq-Change-Comment), what a 412
// says, a value of a definition as text, the side-by-side diff table
// (field | from | to, every value a text node), the restore dialog and what
// a restore says about secrets it could not bring back.
import { h, nextId } from './dom.js';
import { t } from './i18n.js';
import { post } from './api.js';
import { openDialog, errorText } from './ui.js';

export const VERSION_ACTIONS = ['baseline', 'create', 'update', 'enable', 'disable', 'pause', 'resume', 'restore', 'import', 'delete'];
export const COMMENT_MAX = 512;

export const versionsPath = (id) => `/scheduler/tasks/${id}/versions`;

/** The request headers of a write: If-Match (the version the user saw) and the change comment. */
export function writeHeaders(ifMatch, comment) {
  const out = {};
  if (ifMatch !== null && ifMatch !== undefined && ifMatch !== '') out['If-Match'] = String(ifMatch);
  const c = Array.from((comment || '').trim()).slice(0, COMMENT_MAX).join('');
  // fetch takes a header value as bytes (one per char <= 0xFF): the comment goes as its UTF-8
  // bytes, which the API reads as UTF-8 text. Control characters become spaces.
  if (c) out['X-Zq-Change-Comment'] = String.fromCharCode(...new TextEncoder().encode(c.replace(/[\x00-\x1f\x7f]/g, ' ')));
  return out;
}

/** A 412: someone else changed the task since this page read it. */
export const isStale = (err) => !!err && err.status === 412;

/** The message for a 412 (with the task's version now, when the answer says it). */
export function staleText(err) {
  const v = err && err.body && err.body.version;
  return v !== undefined && v !== null ? t('ver.stale_at', { v }) : t('ver.stale');
}

/** A version's action in words. */
export const actionText = (a) => (VERSION_ACTIONS.includes(a) ? t(`ver.action.${a}`) : String(a || '—'));

/** A definition's value as text: strings as they are, the rest as JSON; absent or null: null. */
export function valueText(v) {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  return JSON.stringify(v, null, 2);
}

function valueCell(v, cls) {
  const s = valueText(v);
  return h('td', { class: ['diff-val', cls] }, s === null
    ? h('span', { class: 'muted diff-absent' }, t('ver.absent'))
    : h('pre', { class: 'diff-pre' }, s === '' ? h('span', { class: 'muted' }, t('ver.empty')) : s));
}

/** changes: [{path, from, to}] -> a table "field | version a | version b". */
export function diffTable(changes, fromLabel, toLabel) {
  const th = (text, cls) => h('th', { scope: 'col', class: cls }, text);
  return h('table', { class: 'grid diff-table', id: 'version-diff-table' },
    h('caption', { class: 'sr-only' }, t('ver.diff_caption', { a: fromLabel, b: toLabel })),
    h('thead', {}, h('tr', {}, th(t('ver.col.field'), 'diff-path-col'), th(fromLabel, 'diff-col'), th(toLabel, 'diff-col'))),
    h('tbody', {}, changes.map((c) => h('tr', { dataset: { path: c.path } },
      h('th', { scope: 'row', class: 'diff-path' }, h('code', {}, c.path)),
      valueCell(c.from, 'diff-from'), valueCell(c.to, 'diff-to')))));
}

/** After a restore: the env values that came back empty ("secrets_cleared"), to be set again. */
export function secretsNotice(task) {
  const cleared = Array.isArray(task && task.secrets_cleared) ? task.secrets_cleared : [];
  if (!cleared.length) return;
  openDialog(t('del.secrets_title'), h('div', { id: 'secrets-cleared' },
    h('p', {}, t('del.secrets_text', { name: task.name })),
    h('ul', {}, cleared.map((p) => h('li', {}, h('code', {}, p)))),
    h('p', {}, h('a', { href: `#/tasks/${task.id}/edit`, id: 'secrets-edit' }, t('del.secrets_edit')))),
  [{ label: t('del.close'), kind: 'primary', onclick: () => {} }]);
}

/**
 * Ask, then POST .../versions/{v}/restore with the comment (body) and If-Match
 * (the task's version this page shows). Resolves the new task, or null.
 */
export function restoreDialog(task, version, current) {
  return new Promise((resolve) => {
    const id = nextId('f');
    const input = h('textarea', { id, rows: 2, maxlength: COMMENT_MAX, class: 'restore-comment' });
    const err = h('div', { class: 'error-box', role: 'alert', hidden: true, id: 'restore-error' });
    let done = null;
    const body = h('div', { class: 'restore-form' },
      h('p', { id: 'restore-question' }, t('ver.restore_confirm', { v: version, name: task.name, n: current })),
      h('div', { class: 'field' }, h('label', { for: id }, t('ver.comment_optional')), input),
      err);
    const { dialog } = openDialog(t('ver.restore_title', { v: version }), body, [
      { label: t('action.cancel'), onclick: () => {} },
      {
        label: t('ver.restore'),
        kind: 'primary',
        onclick: async () => {
          const comment = input.value.trim();
          try {
            done = await post(`${versionsPath(task.id)}/${version}/restore`, comment ? { comment } : {},
              { headers: writeHeaders(current) });
            return true;
          } catch (e) {
            err.textContent = isStale(e) ? staleText(e) : errorText(e);
            err.hidden = false;
            return false;
          }
        },
      },
    ]);
    dialog.classList.add('restore-dialog');
    dialog.addEventListener('close', () => resolve(done));
    input.focus();
  });
}
