// audit.js - who did what to which task, when, from where.
import { h, rerenderKeepingFocus, nextId } from '../dom.js';
import { t, tOr } from '../i18n.js';
import { get } from '../api.js';
import { timeEl } from '../format.js';
import { pageHeader, errorBox, pager } from '../ui.js';

const ACTIONS = ['login', 'login_failed', 'logout', 'create', 'update', 'delete', 'enable', 'disable', 'pause', 'resume', 'trigger', 'cancel'];

function listOf(res) {
  return (res && (res.entries || res.audit || res.items || res.events)) || (Array.isArray(res) ? res : []);
}

export function render(main, ctx) {
  const state = {
    skip: Math.max(0, Number(ctx.query.skip) || 0),
    limit: [10, 20, 50, 100].includes(Number(ctx.query.limit)) ? Number(ctx.query.limit) : 50,
    actor: ctx.query.actor || '',
    action: ctx.query.action || '',
    task_id: ctx.query.task_id || '',
  };
  let disposed = false;
  let debounce = null;
  const box = h('div', { class: 'table-box' }, h('p', { class: 'muted' }, t('common.loading')));
  const pagerBox = h('div', {});

  function persist() {
    ctx.setQuery({
      actor: state.actor, action: state.action, task_id: state.task_id,
      skip: state.skip || '', limit: state.limit !== 50 ? state.limit : '',
    });
  }

  async function load() {
    let res;
    try {
      const q = { skip: state.skip, limit: state.limit };
      if (state.actor) q.actor = state.actor;
      if (state.action) q.action = state.action;
      if (state.task_id) q.task_id = state.task_id;
      res = await get('/scheduler/audit', q);
    } catch (e) {
      if (!disposed) rerenderKeepingFocus(box, () => errorBox(e));
      return;
    }
    if (disposed) return;
    const rows = listOf(res);
    rerenderKeepingFocus(box, () => (rows.length ? h('table', { class: 'grid', id: 'audit-table' },
      h('caption', { class: 'sr-only' }, t('audit.title')),
      h('thead', {}, h('tr', {}, ['audit.at', 'audit.actor', 'audit.action', 'audit.target', 'audit.task', 'audit.detail', 'audit.from']
        .map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, rows.map((r) => h('tr', {},
        h('td', {}, timeEl(r.at || r.created_at || r.time)),
        h('td', {}, r.actor || '—'),
        h('td', {}, h('span', { class: 'tag' }, tOr(`audit.action.${r.action}`, r.action || ''))),
        h('td', {}, r.target_type ? `${r.target_type}${r.target_id != null ? ` #${r.target_id}` : ''}` : ''),
        h('td', {}, r.task_id ? h('a', { href: `#/tasks/${r.task_id}/history` }, r.task_name ? `${r.task_name} (#${r.task_id})` : `#${r.task_id}`) : ''),
        h('td', { class: 'detail-cell' }, typeof r.detail === 'object' && r.detail !== null ? JSON.stringify(r.detail) : (r.detail || '')),
        h('td', {}, r.client_addr || r.ip || ''))))) : h('p', { class: 'empty' }, t('audit.none'))));
    rerenderKeepingFocus(pagerBox, () => pager({
      skip: state.skip, limit: state.limit, total: Number(res.total) || rows.length, capped: !!res.total_capped,
      onChange: (skip, limit) => { state.skip = skip; state.limit = limit; persist(); load(); },
    }));
  }

  const actorId = nextId('f');
  const actionId = nextId('f');
  const taskIdId = nextId('f');
  const typed = (key) => (e) => {
    clearTimeout(debounce);
    debounce = setTimeout(() => { state[key] = e.target.value.trim(); state.skip = 0; persist(); load(); }, 300);
  };
  main.append(pageHeader(t('audit.title'), h('button', { type: 'button', class: 'btn', onclick: () => load() }, t('refresh.now'))),
    h('div', { class: 'toolbar', role: 'search' },
      h('div', { class: 'field-inline' }, h('label', { for: actorId }, t('audit.actor')),
        h('input', { id: actorId, value: state.actor, oninput: typed('actor') })),
      h('div', { class: 'field-inline' }, h('label', { for: actionId }, t('audit.action')),
        h('select', { id: actionId, onchange: (e) => { state.action = e.target.value; state.skip = 0; persist(); load(); } },
          h('option', { value: '' }, t('filter.all')),
          ACTIONS.map((a) => h('option', { value: a, selected: a === state.action }, tOr(`audit.action.${a}`, a))))),
      h('div', { class: 'field-inline' }, h('label', { for: taskIdId }, t('audit.task_id')),
        h('input', { id: taskIdId, type: 'number', min: 1, class: 'short', value: state.task_id, oninput: typed('task_id') }))),
    box, pagerBox);
  load();
  return () => { disposed = true; clearTimeout(debounce); };
}
