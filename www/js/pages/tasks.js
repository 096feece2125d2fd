// tasks.js - the task list: filters, search, pagination, workflow rows that
// expand into their sub-tasks, row actions, auto-refresh every 5 s.
import { h, rerenderKeepingFocus, nextId } from '../dom.js';
import { t } from '../i18n.js';
import { get, auth } from '../api.js';
import { timeEl, relTime, parseTime, fmtDateTime } from '../format.js';
import { badge, pager, pageHeader, errorBox, toastError } from '../ui.js';
import {
  TASK_TYPES, SCHEDULE_STATUSES, scheduleCell, latestRun, nextRunOf, taskAction, deleteTask,
} from '../tasks-common.js';
import { triggerButtons } from '../trigger-dialog.js';

const REFRESH_MS = 5000;
const AUTO_KEY = 'zq.autorefresh';
const expanded = new Set();  // workflow ids whose sub-tasks are shown (kept across refreshes)

function autoRefreshOn() {
  try { return localStorage.getItem(AUTO_KEY) !== 'off'; } catch (e) { return true; }
}

function setAutoRefresh(on) {
  try { localStorage.setItem(AUTO_KEY, on ? 'on' : 'off'); } catch (e) { /* storage disabled */ }
}

/** Sub-tasks of a workflow, in workflow order, as full task objects. */
async function loadSubtasks(wf) {
  const res = await get(`/scheduler/tasks/${wf.id}/workflow`);
  const nodes = (res && (res.nodes || res.tasks)) || [];
  // The node list names the tasks; the rows need the full task (state, schedule, latest run).
  return Promise.all(nodes.map(async (n) => {
    const id = n.task_id ?? n.id;
    try {
      return { ...(await get(`/scheduler/tasks/${id}`)), _deps: n.dependencies || [] };
    } catch (e) {
      return { id, name: n.task_name || n.name || `#${id}`, _missing: true, _deps: n.dependencies || [] };
    }
  }));
}

export function render(main, ctx) {
  const q = ctx.query;
  const state = {
    skip: Math.max(0, Number(q.skip) || 0),
    limit: [10, 20, 50, 100].includes(Number(q.limit)) ? Number(q.limit) : 20,
    type: q.type || '',
    status: q.status || '',
    search: q.q || '',
    data: null,
    subtasks: new Map(),
    error: null,
    inflight: 0,
    updated: null,
  };
  let seq = 0;  // the newest load wins; older answers are dropped
  let timer = null;
  let disposed = false;
  let searchTimer = null;

  const tableBox = h('div', { class: 'table-box', 'aria-live': 'off' });
  const pagerBox = h('div', { class: 'pager-box' });
  const updatedEl = h('span', { class: 'muted updated', 'aria-live': 'off' });
  const autoBtn = h('button', {
    type: 'button', class: 'btn', id: 'auto-refresh', 'aria-pressed': String(autoRefreshOn()),
    onclick: () => {
      const on = !autoRefreshOn();
      setAutoRefresh(on);
      syncAuto();
    },
  });

  function syncAuto() {
    const on = autoRefreshOn();
    autoBtn.textContent = on ? t('refresh.stop') : t('refresh.start');
    autoBtn.setAttribute('aria-pressed', String(on));
    clearInterval(timer);
    // A tick is skipped while the tab is hidden or a load is still running.
    timer = on ? setInterval(() => { if (!document.hidden && !state.inflight) load(); }, REFRESH_MS) : null;
  }

  function persistQuery() {
    ctx.setQuery({
      type: state.type, status: state.status, q: state.search,
      skip: state.skip || '', limit: state.limit !== 20 ? state.limit : '',
    });
  }

  async function load() {
    if (disposed) return;
    const mine = (seq += 1);
    state.inflight += 1;
    try {
      const query = { skip: state.skip, limit: state.limit };
      if (state.type) query.task_type = state.type;
      if (state.status) query.status = state.status;
      if (state.search) query.name = state.search;
      const data = await get('/scheduler/tasks', query);
      if (!(data.tasks || []).length && state.skip > 0 && Number(data.total) > 0 && mine === seq && !disposed) {
        // The page emptied (deletes elsewhere): show the last one that has rows.
        state.skip = Math.max(0, Math.floor((Number(data.total) - 1) / state.limit) * state.limit);
        persistQuery();
        load();
        return;
      }
      const subs = new Map();
      await Promise.all((data.tasks || []).filter((task) => task.task_type === 'workflow' && expanded.has(task.id))
        .map(async (task) => {
          try { subs.set(task.id, await loadSubtasks(task)); } catch (e) { subs.set(task.id, e); }
        }));
      if (disposed || mine !== seq) return;
      state.data = data;
      state.subtasks = subs;
      state.error = null;
      state.updated = Date.now();
    } catch (e) {
      if (disposed || mine !== seq) return;
      state.error = e;
    } finally {
      state.inflight -= 1;
    }
    draw();
  }

  async function act(task, action) {
    if (action === 'delete') {
      if (await deleteTask(task)) load();
      return;
    }
    if (await taskAction(task, action)) load();
  }

  function actionsCell(task, sub) {
    const key = (a) => `${task.id}-${a}`;
    const btn = (action, label, kind) => h('button', {
      type: 'button', class: ['btn', 'btn-small', kind && `btn-${kind}`], 'data-focus-key': key(action),
      dataset: { action }, onclick: () => act(task, action),
    }, label);
    const link = (action, href, label) => h('a', {
      class: 'btn btn-small btn-link', href, 'data-focus-key': key(action), dataset: { action },
    }, label);
    const out = [];
    if (task._missing) return h('td', { class: 'actions' });
    if (auth.can('admin')) out.push(link('edit', `#/tasks/${task.id}/edit`, t('action.edit')));
    if (auth.can('operator')) {
      out.push(...triggerButtons(task, {
        plain: () => btn('trigger', t('action.trigger'), 'primary'),
        withParams: (open) => h('button', {
          type: 'button', class: 'btn btn-small btn-primary', 'data-focus-key': key('trigger-params'),
          dataset: { action: 'trigger-params' }, 'aria-haspopup': 'dialog', onclick: open,
        }, t('action.trigger_params')),
        onTriggered: () => load(),
      }));
      out.push(task.enabled ? btn('disable', t('action.disable')) : btn('enable', t('action.enable')));
      // Pausing stops schedule fires; a manual task has none (unless it is paused already).
      if (task.enabled && (task.task_type !== 'manual_task' || task.paused)) {
        out.push(task.paused ? btn('resume', t('action.resume')) : btn('pause', t('action.pause')));
      }
    }
    out.push(link('history', `#/tasks/${task.id}/history`, t('action.history')));
    out.push(link('stats', `#/tasks/${task.id}/stats`, t('action.stats')));
    if (auth.can('admin')) out.push(btn('delete', t('action.delete'), 'danger'));
    return h('td', { class: 'actions' }, h('div', { class: 'btn-row', role: 'group', 'aria-label': t('task.actions_for', { name: task.name }) }, out));
  }

  function expandCell(task) {
    if (task.task_type !== 'workflow') return h('td', { class: 'expand' });
    const open = expanded.has(task.id);
    return h('td', { class: 'expand' }, h('button', {
      type: 'button', class: 'btn-expand', 'aria-expanded': String(open),
      'aria-label': t(open ? 'task.collapse' : 'task.expand', { name: task.name }),
      'data-focus-key': `${task.id}-expand`, dataset: { action: 'expand' },
      onclick: () => {
        if (open) expanded.delete(task.id); else expanded.add(task.id);
        load();
      },
    }, open ? '−' : '+'));
  }

  function row(task, depth, parent) {
    const latest = latestRun(task);
    const next = parseTime(nextRunOf(task));
    const cls = ['task-row', depth ? 'subtask' : null, task.task_type === 'workflow' ? 'workflow-row' : null];
    const col = (name, attrs, ...kids) => h('td', { ...attrs, dataset: { col: name } }, ...kids);
    return h('tr', { class: cls, dataset: { taskId: task.id, taskName: task.name || '', parent: parent ? parent.id : '' } },
      depth ? h('td', { class: 'expand' }) : expandCell(task),
      col('id', { class: 'num' }, String(task.id)),
      col('name', { class: 'name-cell' },
        h('div', { class: depth ? 'indent' : null },
          depth ? h('span', { class: 'tree-mark', 'aria-hidden': 'true' }, '└ ') : null,
          h('span', { class: 'task-name', title: task.description || '' }, task.name || ''),
          depth ? h('span', { class: 'sr-only' }, ` ${t('task.subtask_of', { name: parent.name })}`) : null),
        h('div', { class: ['meta', depth ? 'indent' : null] },
          task._missing ? null : h('span', { class: ['type-tag', `type-${task.task_type}`], dataset: { type: task.task_type } }, t(`type.${task.task_type}`)),
          task.description ? h('span', { class: 'desc muted' }, task.description) : null)),
      col('schedule', {}, task._missing ? '' : scheduleCell(task)),
      col('next', {}, Number.isFinite(next)
        ? h('div', {}, timeEl(nextRunOf(task)), h('div', { class: 'muted small' }, relTime(next)))
        : h('span', { class: 'muted' }, '—')),
      col('status', {}, task._missing ? '—' : h('div', { class: 'state' },
        task.schedule_status ? badge(task.schedule_status, 'sstatus') : null,
        h('span', { class: 'state-line', dataset: { enabled: task.enabled ? '1' : '0', paused: task.paused ? '1' : '0' } },
          task.enabled ? t('state.enabled') : t('state.disabled'),
          task.enabled && task.paused ? ` · ${t('state.paused')}` : ''))),
      col('latest', {}, latest ? h('div', { class: 'latest' },
        latest.status ? badge(latest.status) : null, latest.time ? timeEl(latest.time) : null)
        : h('span', { class: 'muted' }, t('task.never_run'))),
      col('retries', { class: 'num' }, task.max_retries != null ? String(task.max_retries) : ''),
      col('created', {}, timeEl(task.created_at)),
      actionsCell(task, depth > 0));
  }

  function table() {
    const data = state.data;
    const tasks = (data && data.tasks) || [];
    if (!tasks.length) {
      return h('p', { class: 'empty' }, state.search || state.type || state.status ? t('tasks.none_match') : t('tasks.none'));
    }
    const rows = [];
    for (const task of tasks) {
      rows.push(row(task, 0, null));
      if (task.task_type === 'workflow' && expanded.has(task.id)) {
        const subs = state.subtasks.get(task.id);
        if (subs instanceof Error) {
          rows.push(h('tr', { class: 'subtask' }, h('td', { colspan: 10 }, errorBox(subs))));
        } else if (subs && subs.length) {
          for (const s of subs) rows.push(row(s, 1, task));
        } else {
          rows.push(h('tr', { class: 'subtask' }, h('td', {}), h('td', { colspan: 9, class: 'muted' }, t('tasks.no_subtasks'))));
        }
      }
    }
    const col = (key, cls) => h('th', { scope: 'col', class: cls }, t(key));
    return h('table', { class: 'grid tasks-table', id: 'tasks-table' },
      h('caption', { class: 'sr-only' }, t('tasks.caption')),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', class: 'expand' }, h('span', { class: 'sr-only' }, t('task.expand_col'))),
        col('col.id', 'num'), col('col.name_type'), col('col.schedule'), col('col.next_run'),
        col('col.status'), col('col.latest'), col('col.retries', 'num'), col('col.created'),
        col('col.actions'))),
      h('tbody', {}, rows));
  }

  function draw() {
    if (disposed) return;
    rerenderKeepingFocus(tableBox, () => [state.error ? errorBox(state.error) : null,
      state.data ? table() : h('p', { class: 'muted' }, t('common.loading'))]);
    const total = state.data ? Number(state.data.total) || 0 : 0;
    rerenderKeepingFocus(pagerBox, () => (state.data ? pager({
      skip: state.skip, limit: state.limit, total, capped: !!(state.data && state.data.total_capped),
      onChange: (skip, limit) => { state.skip = skip; state.limit = limit; persistQuery(); load(); },
    }) : []));
    updatedEl.textContent = state.updated ? t('refresh.updated', { time: fmtDateTime(state.updated).slice(11) }) : '';
  }

  // ---- toolbar -------------------------------------------------------------------
  const typeId = nextId('f');
  const statusId = nextId('f');
  const searchId = nextId('f');
  const typeSel = h('select', {
    id: typeId, onchange: (e) => { state.type = e.target.value; state.skip = 0; persistQuery(); load(); },
  }, h('option', { value: '' }, t('filter.all_types')),
  TASK_TYPES.map((x) => h('option', { value: x, selected: x === state.type }, t(`type.${x}`))));
  const statusSel = h('select', {
    id: statusId, onchange: (e) => { state.status = e.target.value; state.skip = 0; persistQuery(); load(); },
  }, h('option', { value: '' }, t('filter.all_statuses')),
  SCHEDULE_STATUSES.map((x) => h('option', { value: x, selected: x === state.status }, t(`sstatus.${x}`))));
  const searchIn = h('input', {
    id: searchId, type: 'search', value: state.search, placeholder: t('filter.search_placeholder'),
    oninput: (e) => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(() => { state.search = e.target.value.trim(); state.skip = 0; persistQuery(); load(); }, 300);
    },
  });

  main.append(
    pageHeader(t('tasks.title'),
      auth.can('admin') ? h('a', { class: 'btn btn-primary', href: '#/tasks/new', id: 'create-task' }, t('tasks.create')) : null,
      h('a', { class: 'btn', href: '#/stats' }, t('tasks.global_stats')),
      h('a', { class: 'btn', href: '#/tasks/deleted', id: 'deleted-tasks' }, t('tasks.deleted'))),
    h('div', { class: 'toolbar', role: 'search' },
      h('div', { class: 'field-inline' }, h('label', { for: searchId }, t('filter.search')), searchIn),
      h('div', { class: 'field-inline' }, h('label', { for: typeId }, t('filter.type')), typeSel),
      h('div', { class: 'field-inline' }, h('label', { for: statusId }, t('filter.status')), statusSel),
      h('div', { class: 'toolbar-right' },
        updatedEl,
        h('button', { type: 'button', class: 'btn', id: 'refresh', onclick: () => load() }, t('refresh.now')),
        autoBtn)),
    tableBox, pagerBox);
  syncAuto();
  draw();
  load().catch((e) => toastError(e));

  return () => {
    disposed = true;
    clearInterval(timer);
    clearTimeout(searchTimer);
  };
}
