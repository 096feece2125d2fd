// changes.js - the task page's "History of changes" tab: the task's versions
// newest first (version, action, actor, time, comment, the fields it
// changed), two of them picked (default: the newest against the one before
// it; "Compare" on a row: that one against the one before it) and their
// side-by-side diff; admins restore a version (a new version equal to it).
// The pair is in the query (#/tasks/3/history?tab=changes&from=2&to=4).
import { h, rerenderKeepingFocus, replace } from '../../dom.js';
import { t } from '../../i18n.js';
import { get, auth } from '../../api.js';
import { timeEl } from '../../format.js';
import { pager, errorBox, toast } from '../../ui.js';
import { versionsPath, actionText, diffTable, restoreDialog, secretsNotice } from '../../versions-common.js';

const LIMIT = 20;
const num = (x) => (/^\d+$/.test(String(x ?? '')) ? Number(x) : null);

/** ctx: {taskId, task() -> the task shown, onTaskChanged(task), query, setQuery} */
export function render(panel, ctx) {
  const taskId = ctx.taskId;
  const state = {
    skip: Math.max(0, Number(ctx.query.vskip) || 0),
    from: num(ctx.query.from),
    to: num(ctx.query.to),
    data: null, error: null, diff: null, diffError: null,
  };
  let disposed = false;
  let seq = 0;      // the newest list load wins
  let diffSeq = 0;  // the newest diff load wins
  const listBox = h('div', { class: 'table-box', id: 'versions-box' }, h('p', { class: 'muted' }, t('common.loading')));
  const pagerBox = h('div', {});
  const diffBox = h('section', { class: 'card version-diff', id: 'version-diff', 'aria-live': 'polite' });

  const items = () => (state.data && state.data.items) || [];
  const newest = () => (state.skip === 0 && items().length ? items()[0].version : null);
  const persist = () => ctx.setQuery({ from: state.from ?? '', to: state.to ?? '', vskip: state.skip || '' });

  /** The version before v: the next row of the list, else v - 1 (null for the first one). */
  function before(v) {
    const i = items().findIndex((x) => x.version === v);
    if (i >= 0 && i + 1 < items().length) return items()[i + 1].version;
    if (i >= 0 && state.skip + i + 1 >= Number(state.data.total)) return null;
    return v > 1 ? v - 1 : null;
  }

  async function load(select) {
    const mine = (seq += 1);
    try {
      const data = await get(versionsPath(taskId), { skip: state.skip, limit: LIMIT });
      if (disposed || mine !== seq) return;
      state.data = data;
      state.error = null;
    } catch (e) {
      if (disposed || mine !== seq) return;
      state.error = e;
    }
    if (select === 'newest' || (state.to === null && items().length)) {
      state.to = items().length ? items()[0].version : null;
      state.from = state.to !== null ? before(state.to) : null;
      persist();
    }
    drawList();
    loadDiff();
  }

  async function loadDiff() {
    const { from, to } = state;
    const mine = (diffSeq += 1);
    state.diff = null;
    state.diffError = null;
    drawDiff();
    if (from === null || to === null || from === to) return;
    try {
      const d = await get(`${versionsPath(taskId)}/${from}/diff`, { to });
      if (disposed || mine !== diffSeq) return;
      state.diff = d;
    } catch (e) {
      if (disposed || mine !== diffSeq) return;
      state.diffError = e;
    }
    drawDiff();
  }

  function pick(from, to) {
    state.from = from;
    state.to = to;
    persist();
    drawList();
    loadDiff();
  }

  async function restore(v) {
    const task = ctx.task();
    const current = newest() ?? (task && task.version);
    const res = await restoreDialog(task || { id: taskId, name: `#${taskId}` }, v, current);
    if (!res || disposed) return;
    toast(t('ver.restored', { v, n: res.version ?? '?' }), 'ok');
    secretsNotice(res);
    if (ctx.onTaskChanged) ctx.onTaskChanged(res);
    state.skip = 0;
    load('newest');
  }

  function radio(which, v) {
    const checked = state[which] === v;
    return h('input', {
      type: 'radio', name: `ver-${which}`, value: String(v), checked, 'data-focus-key': `${which}-${v}`,
      'aria-label': t(which === 'from' ? 'ver.pick_from' : 'ver.pick_to', { v }),
      onchange: () => pick(which === 'from' ? v : state.from, which === 'to' ? v : state.to),
    });
  }

  function row(x) {
    const isNewest = x.version === newest();
    const changes = Array.isArray(x.changes) ? x.changes : [];
    const sel = x.version === state.to ? 'to' : x.version === state.from ? 'from' : null;
    return h('tr', { class: ['version-row', sel && `sel-${sel}`], dataset: { version: x.version, verAction: x.action || '' } },
      h('td', { class: 'pick' }, radio('from', x.version)),
      h('td', { class: 'pick' }, radio('to', x.version)),
      h('td', { class: 'num', dataset: { col: 'version' } }, `v${x.version}`, isNewest ? h('span', { class: 'badge badge-ok ver-current' }, t('ver.current')) : null),
      h('td', { dataset: { col: 'action' } }, actionText(x.action)),
      h('td', { dataset: { col: 'actor' } }, x.actor || '—'),
      h('td', { dataset: { col: 'at' } }, timeEl(x.at)),
      h('td', { class: 'ver-comment', dataset: { col: 'comment' } }, x.comment || ''),
      h('td', { class: 'ver-changes', dataset: { col: 'changes' } }, changes.length
        ? changes.map((p) => h('code', { class: 'ver-path' }, p)) : h('span', { class: 'muted' }, '—')),
      h('td', { class: 'actions' }, h('div', { class: 'btn-row' },
        h('button', {
          type: 'button', class: 'btn btn-small', dataset: { action: 'compare' }, 'data-focus-key': `cmp-${x.version}`,
          onclick: () => pick(before(x.version), x.version),
        }, t('ver.compare')),
        auth.can('admin') && !isNewest ? h('button', {
          type: 'button', class: 'btn btn-small', dataset: { action: 'restore' }, 'data-focus-key': `rst-${x.version}`,
          'aria-haspopup': 'dialog', onclick: () => restore(x.version),
        }, t('ver.restore')) : null)));
  }

  function drawList() {
    if (disposed) return;
    rerenderKeepingFocus(listBox, () => {
      if (state.error) return errorBox(state.error);
      if (!state.data) return h('p', { class: 'muted' }, t('common.loading'));
      if (!items().length) return h('p', { class: 'empty' }, t('ver.none'));
      const col = (k, cls) => h('th', { scope: 'col', class: cls }, t(k));
      return h('table', { class: 'grid versions-table', id: 'versions-table' },
        h('caption', { class: 'sr-only' }, t('ver.tab')),
        h('thead', {}, h('tr', {}, col('ver.col.from', 'pick'), col('ver.col.to', 'pick'), col('ver.col.version', 'num'),
          col('ver.col.action'), col('ver.col.actor'), col('ver.col.at'), col('ver.col.comment'), col('ver.col.changes'),
          col('col.actions'))),
        h('tbody', {}, items().map(row)));
    });
    rerenderKeepingFocus(pagerBox, () => (state.data && Number(state.data.total) > LIMIT ? pager({
      skip: state.skip, limit: LIMIT, total: Number(state.data.total) || 0,
      onChange: (skip) => { state.skip = skip; persist(); load(); },
    }) : []));
  }

  function drawDiff() {
    if (disposed) return;
    const { from, to } = state;
    const label = (v) => t('ver.version', { v });
    const title = h('h2', { id: 'version-diff-title' }, from !== null && to !== null
      ? t('ver.diff_title', { a: from, b: to }) : t('ver.diff'));
    let body;
    if (to === null) body = h('p', { class: 'muted' }, t('ver.pick_two'));
    else if (from === null) body = h('p', { class: 'muted', id: 'version-diff-first' }, t('ver.first', { v: to }));
    else if (from === to) body = h('p', { class: 'muted', id: 'version-diff-same' }, t('ver.same'));
    else if (state.diffError) body = errorBox(state.diffError);
    else if (!state.diff) body = h('p', { class: 'muted' }, t('common.loading'));
    else if (!(state.diff.changes || []).length) body = h('p', { class: 'empty', id: 'version-diff-none' }, t('ver.no_diff'));
    else body = diffTable(state.diff.changes, label(state.diff.from ?? from), label(state.diff.to ?? to));
    replace(diffBox, title, body);
    diffBox.dataset.from = from ?? '';
    diffBox.dataset.to = to ?? '';
    diffBox.dataset.ready = state.diff || state.diffError || from === null || to === null || from === to ? '1' : '0';
  }

  panel.append(h('p', { class: 'muted intro' }, t('ver.intro')), listBox, pagerBox, diffBox);
  drawDiff();
  load();
  return () => { disposed = true; };
}
