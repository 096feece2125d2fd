// history.js - execution history of one task. Running rows show a progress
// bar; the page polls every 2 s while anything is pending or running and
// stops once nothing is. Each run's business date, a filter by it, and the
// task's backfills (backfill.js: the Backfill dialog, progress, Cancel).
// Two tabs: the executions and the History of changes (history/changes.js:
// the task's versions, their diff, Restore); ?tab=changes opens the second.
// The heading and the window title name the tab shown.
import { h, rerenderKeepingFocus, replace, nextId } from '../dom.js';
import { t } from '../i18n.js';
import { get, auth } from '../api.js';
import { timeEl } from '../format.js';
import { badge, pager, pageHeader, errorBox, toastError } from '../ui.js';
import { EXEC_STATUSES, isActive, taskAction, taskTitle } from '../tasks-common.js';
import { triggerOf, resultCell, durationText, cancelExecution } from '../exec-common.js';
import { paramsInline, taskConfigView } from '../params.js';
import { triggerButtons } from '../trigger-dialog.js';
import { openBackfillDialog, backfillPanel } from '../backfill.js';
import * as changesTab from './history/changes.js';

const POLL_MS = 2000;

export function render(main, ctx) {
  const taskId = Number(ctx.params.id);
  const state = {
    skip: Math.max(0, Number(ctx.query.skip) || 0),
    limit: [10, 20, 50, 100].includes(Number(ctx.query.limit)) ? Number(ctx.query.limit) : 20,
    status: ctx.query.status || '',
    from: /^\d{4}-\d{2}-\d{2}$/.test(ctx.query.from || '') ? ctx.query.from : '',
    to: /^\d{4}-\d{2}-\d{2}$/.test(ctx.query.to || '') ? ctx.query.to : '',
    bfrom: /^\d{4}-\d{2}-\d{2}$/.test(ctx.query.bfrom || '') ? ctx.query.bfrom : '',
    bto: /^\d{4}-\d{2}-\d{2}$/.test(ctx.query.bto || '') ? ctx.query.bto : '',
    task: null,
    data: null,
    error: null,
  };
  let timer = null;
  let disposed = false;
  let seq = 0;  // the newest load wins; older answers are dropped
  let changesCleanup = null;
  let tab = 'runs';  // the tab shown: its name heads the page and titles the window
  const runsPanel = h('div', { class: 'tab-panel', role: 'tabpanel', id: 'runs-panel', 'aria-labelledby': 'task-tab-runs' });
  const changesPanel = h('div', { class: 'tab-panel', role: 'tabpanel', id: 'changes-panel', 'aria-labelledby': 'task-tab-changes' });

  const head = h('div', {});
  const cfgBox = h('div', {});
  const tableBox = h('div', { class: 'table-box' });
  const pagerBox = h('div', {});
  const backfills = backfillPanel(taskId, () => load());
  const pollNote = h('span', { class: 'muted poll-note', id: 'poll-note', role: 'status' });

  function schedule(active) {
    clearTimeout(timer);
    timer = null;
    pollNote.textContent = active ? t('exec.polling') : '';
    pollNote.dataset.polling = active ? '1' : '0';
    if (active && !disposed && !runsPanel.hidden) timer = setTimeout(load, POLL_MS);
  }

  async function load() {
    if (disposed) return;
    const mine = (seq += 1);
    clearTimeout(timer);
    try {
      const query = { skip: state.skip, limit: state.limit };
      if (state.status) query.status = state.status;
      if (state.bfrom) query.business_date_from = state.bfrom;
      if (state.bto) query.business_date_to = state.bto;
      // Days picked in the browser's zone: [from 00:00, to+1 00:00) local, sent as UTC.
      if (state.from) query.start_time_from = new Date(`${state.from}T00:00:00`).toISOString();
      if (state.to) {
        const end = new Date(`${state.to}T00:00:00`);
        end.setDate(end.getDate() + 1);
        query.start_time_to = end.toISOString();
      }
      const [task, data] = await Promise.all([
        state.task ? Promise.resolve(state.task) : get(`/scheduler/tasks/${taskId}`),
        get(`/scheduler/tasks/${taskId}/executions`, query),
      ]);
      // Rows the list gives without progress: ask for the running ones' detail.
      const execs = data.executions || [];
      await Promise.all(execs.map(async (e, i) => {
        if (e.status === 'running' && e.result === undefined && e.progress_percent === undefined) {
          try { execs[i] = { ...e, ...(await get(`/scheduler/tasks/${taskId}/executions/${e.id}`)) }; } catch (err) { /* keep row */ }
        }
      }));
      if (disposed || mine !== seq) return;
      state.task = task;
      state.data = data;
      state.error = null;
    } catch (e) {
      if (disposed || mine !== seq) return;
      state.error = e;
    }
    draw();
    // A passing network error keeps the poll going; a gone task stops it.
    const gone = state.error && (state.error.status === 404 || state.error.status === 403);
    const active = !gone && !!state.data && (state.data.executions || []).some((e) => isActive(e.status));
    schedule(active);
  }

  function row(e) {
    const canCancel = auth.can('operator') && isActive(e.status) && !e.cancel_requested;
    return h('tr', { dataset: { execId: e.id, status: e.status } },
      h('td', { class: 'num' }, h('a', { href: `#/tasks/${taskId}/executions/${e.id}` }, `#${e.id}`)),
      h('td', {}, badge(e.status)),
      h('td', { class: 'trigger-cell' }, t(`trigger.${triggerOf(e)}`), paramsInline(e.params)),
      h('td', { class: 'nw', dataset: { col: 'business_date' } }, e.business_date || '—'),
      h('td', {}, timeEl(e.start_time, { empty: e.status === 'pending' ? t('exec.not_started') : '—' })),
      h('td', {}, timeEl(e.end_time)),
      h('td', { class: 'num' }, durationText(e)),
      h('td', { class: 'num' }, String(e.retry_count ?? 0)),
      h('td', { class: 'result-cell' }, resultCell(e)),
      h('td', { class: 'error-cell' }, e.error_message ? h('span', { class: 'err-text', title: e.error_message }, e.error_message) : ''),
      h('td', { class: 'actions' }, h('div', { class: 'btn-row' },
        h('a', { class: 'btn btn-small btn-link', href: `#/tasks/${taskId}/executions/${e.id}`, 'data-focus-key': `${e.id}-detail` }, t('exec.details')),
        canCancel ? h('button', {
          type: 'button', class: 'btn btn-small btn-danger', 'data-focus-key': `${e.id}-cancel`, dataset: { action: 'cancel' },
          onclick: async () => { if (await cancelExecution(taskId, e)) load(); },
        }, t('exec.cancel')) : null)));
  }

  function drawHead() {
    const title = t(tab === 'changes' ? 'ver.title' : 'history.title');
    document.title = `${title}${state.task ? `: ${state.task.name}` : ''} · zq`;
    if (!state.task) return;
    replace(head, pageHeader([title, ': ', ...taskTitle(state.task)],
      auth.can('operator') ? triggerButtons(state.task, {
        plain: () => h('button', {
          type: 'button', class: 'btn btn-primary', id: 'history-trigger',
          onclick: async () => { if (await taskAction(state.task, 'trigger')) load(); },
        }, t('action.trigger')),
        withParams: (open) => h('button', {
          type: 'button', class: 'btn btn-primary', id: 'history-trigger-params', 'aria-haspopup': 'dialog', onclick: open,
        }, t('action.trigger_params')),
        onTriggered: () => load(),
      }) : null,
      auth.can('operator') ? h('button', {
        type: 'button', class: 'btn', id: 'history-backfill', 'aria-haspopup': 'dialog',
        onclick: () => openBackfillDialog(state.task, () => { backfills.load(); load(); }),
      }, t('bf.button')) : null,
      h('a', { class: 'btn', href: `#/tasks/${taskId}/stats` }, t('action.stats')),
      h('a', { class: 'btn', href: '#/tasks' }, t('nav.back_tasks'))));
  }

  function draw() {
    if (disposed) return;
    if (state.task && !cfgBox.firstChild) {
      // Drawn once: it stays open or closed while the history polls.
      const view = taskConfigView(state.task);
      if (view) {
        replace(cfgBox, h('details', { class: 'card task-config-box', id: 'task-config' },
          h('summary', {}, t('param.view.title')), view));
      }
    }
    drawHead();
    rerenderKeepingFocus(tableBox, () => {
      if (state.error) return errorBox(state.error);
      if (!state.data) return h('p', { class: 'muted' }, t('common.loading'));
      const execs = state.data.executions || [];
      if (!execs.length) return h('p', { class: 'empty' }, t('history.none'));
      const col = (k, cls) => h('th', { scope: 'col', class: cls }, t(k));
      return h('table', { class: 'grid history-table', id: 'history-table' },
        h('caption', { class: 'sr-only' }, t('history.title')),
        h('thead', {}, h('tr', {}, col('col.id', 'num'), col('col.status'), col('col.trigger'), col('col.business_date'), col('col.start'),
          col('col.end'), col('col.duration', 'num'), col('col.retry', 'num'), col('col.result'), col('col.error'), col('col.actions'))),
        h('tbody', {}, execs.map(row)));
    });
    rerenderKeepingFocus(pagerBox, () => (state.data ? pager({
      skip: state.skip, limit: state.limit, total: Number(state.data.total) || 0, capped: !!state.data.total_capped,
      onChange: (skip, limit) => { state.skip = skip; state.limit = limit; persist(); load(); },
    }) : []));
  }

  function persist() {
    if (runsPanel.hidden) return;
    ctx.setQuery({
      status: state.status, from: state.from, to: state.to, bfrom: state.bfrom, bto: state.bto, skip: state.skip || '', limit: state.limit !== 20 ? state.limit : '',
    });
  }

  const statusId = nextId('f');
  const fromId = nextId('f');
  const toId = nextId('f');
  const bfromId = nextId('f');
  const btoId = nextId('f');
  const dateChange = (key) => (e) => { state[key] = e.target.value; state.skip = 0; persist(); load(); };
  runsPanel.append(h('div', { class: 'toolbar' },
    h('div', { class: 'field-inline' }, h('label', { for: statusId }, t('filter.status')),
      h('select', {
        id: statusId, onchange: (e) => { state.status = e.target.value; state.skip = 0; persist(); load(); },
      }, h('option', { value: '' }, t('filter.all_statuses')),
      EXEC_STATUSES.map((s) => h('option', { value: s, selected: s === state.status }, t(`status.${s}`))))),
    h('div', { class: 'field-inline' }, h('label', { for: fromId }, t('history.from')),
      h('input', { id: fromId, type: 'date', value: state.from, onchange: dateChange('from') })),
    h('div', { class: 'field-inline' }, h('label', { for: toId }, t('history.to')),
      h('input', { id: toId, type: 'date', value: state.to, onchange: dateChange('to') })),
    h('div', { class: 'field-inline' }, h('label', { for: bfromId }, t('history.biz_from')),
      h('input', { id: bfromId, name: 'business_date_from', type: 'date', value: state.bfrom, onchange: dateChange('bfrom') })),
    h('div', { class: 'field-inline' }, h('label', { for: btoId }, t('history.to')),
      h('input', { id: btoId, name: 'business_date_to', type: 'date', value: state.bto, onchange: dateChange('bto') })),
    h('div', { class: 'toolbar-right' }, pollNote,
      h('button', { type: 'button', class: 'btn', id: 'history-refresh', onclick: () => load() }, t('refresh.now')))),
  backfills.el, tableBox, pagerBox);
  const tabs = ['runs', 'changes'];
  const tabButtons = tabs.map((key, i) => h('button', {
    type: 'button', role: 'tab', class: 'tab', id: `task-tab-${key}`, 'aria-controls': `${key}-panel`, dataset: { tab: key },
    onclick: () => showTab(key),
    onkeydown: (e) => {
      if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
      e.preventDefault();
      const j = (i + 1) % tabs.length;
      showTab(tabs[j]);
      tabButtons[j].focus();
    },
  }, t(`history.tab.${key}`)));

  function showTab(key, query = {}) {
    tabButtons.forEach((b) => {
      const on = b.dataset.tab === key;
      b.setAttribute('aria-selected', on ? 'true' : 'false');
      b.tabIndex = on ? 0 : -1;
      b.classList.toggle('active', on);
    });
    runsPanel.hidden = key !== 'runs';
    changesPanel.hidden = key !== 'changes';
    tab = key;
    drawHead();
    if (key === 'runs') { persist(); load().catch((e) => toastError(e)); return; }
    clearTimeout(timer);
    if (!state.task) {
      get(`/scheduler/tasks/${taskId}`).then((task) => { if (!state.task) { state.task = task; draw(); } }).catch((e) => toastError(e));
    }
    if (changesCleanup) return ctx.setQuery({ tab: 'changes' });
    ctx.setQuery({ tab: 'changes', from: query.from, to: query.to, vskip: query.vskip });
    changesCleanup = changesTab.render(changesPanel, {
      ...ctx, query, taskId, task: () => state.task,
      setQuery: (q) => ctx.setQuery({ tab: 'changes', ...q }),
      onTaskChanged: (task) => { state.task = task; replace(cfgBox); draw(); },
    }) || null;
  }

  main.append(head, cfgBox, h('div', { class: 'tabs', role: 'tablist', 'aria-label': t('history.tabs') }, tabButtons),
    runsPanel, changesPanel);
  const first = ctx.query.tab === 'changes' ? 'changes' : 'runs';
  draw();
  if (first === 'changes') showTab('changes', ctx.query);
  else showTab('runs');
  backfills.load();

  return () => {
    disposed = true;
    clearTimeout(timer);
    backfills.dispose();
    if (changesCleanup) changesCleanup();
  };
}
