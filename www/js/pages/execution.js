// execution.js - one execution: summary, progress, steps, output tails,
// result, workflow children, cancel. Polls every 2 s while it is active;
// the Follow view (exec-follow.js) polls the live output every second.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, auth } from '../api.js';
import { timeEl, fmtNumber } from '../format.js';
import { badge, pageHeader, errorBox, dl, progressBar } from '../ui.js';
import { isActive } from '../tasks-common.js';
import { paramsInline } from '../params.js';
import {
  triggerOf, resultOf, progressOf, durationText, cancelExecution,
} from '../exec-common.js';
import { followView } from '../exec-follow.js';

const POLL_MS = 2000;

function outputOf(e) {
  const o = e.output && typeof e.output === 'object' ? e.output : e;
  return {
    stdout: o.stdout_tail ?? o.stdout ?? null,
    stderr: o.stderr_tail ?? o.stderr ?? null,
    stdoutBytes: o.stdout_bytes ?? null,
    stderrBytes: o.stderr_bytes ?? null,
    exitCode: o.exit_code ?? resultOf(e).exit_code ?? null,
    signal: o.term_signal ?? null,
  };
}

function outputBlock(title, text, bytes, id) {
  if (text === null || text === undefined) return null;
  const shown = new TextEncoder().encode(text).length;
  return h('section', { class: 'output', 'aria-labelledby': `${id}-h` },
    h('h3', { id: `${id}-h` }, title,
      bytes !== null && bytes > shown ? h('span', { class: 'muted small' }, ` ${t('exec.tail_of', { shown: fmtNumber(shown), total: fmtNumber(bytes) })}`) : null),
    text ? h('pre', { class: 'log', id, tabindex: 0 }, text) : h('p', { class: 'muted' }, t('exec.no_output')));
}

export function render(main, ctx) {
  const taskId = Number(ctx.params.id);
  const execId = Number(ctx.params.eid);
  let timer = null;
  let disposed = false;
  let task = null;
  let nodeNames = null;  // task_id -> name, for a workflow run's children
  let schedulerName = null;  // the scheduler node that ran it
  const box = h('div', { id: 'execution' });
  const follow = followView(taskId, execId);
  main.append(box);

  async function load() {
    let e;
    let children = null;
    try {
      if (!task) task = await get(`/scheduler/tasks/${taskId}`);
      e = await get(`/scheduler/tasks/${taskId}/executions/${execId}`);
      if (e.node_id && schedulerName === null) {
        schedulerName = '';
        try {
          const nodes = await get('/scheduler/nodes', { all: true });
          const n = ((nodes && nodes.nodes) || []).find((x) => String(x.id) === String(e.node_id));
          if (n) schedulerName = n.name || n.host || '';
        } catch (err) { /* show the id */ }
      }
      if (Array.isArray(e.children) && e.children.length) {
        children = e.children;
        if (!nodeNames) {
          nodeNames = new Map();
          try {
            const wf = await get(`/scheduler/tasks/${taskId}/workflow`);
            for (const n of (wf && wf.nodes) || []) nodeNames.set(String(n.task_id), n.task_name || n.name);
          } catch (err) { /* names stay ids */ }
        }
      }
    } catch (err) {
      if (!disposed) replace(box, errorBox(err));
      return;
    }
    if (disposed) return;
    draw(e, children);
    clearTimeout(timer);
    const active = isActive(e.status) || (children || []).some((c) => isActive(c.status));
    if (active) timer = setTimeout(load, POLL_MS);
  }

  function draw(e, children) {
    // Keep the reader's place in the log tails and focus across refreshes.
    const scroll = Object.fromEntries([...box.querySelectorAll('pre[id]')].map((p) => [p.id, p.scrollTop]));
    const focusId = document.activeElement && box.contains(document.activeElement) ? document.activeElement.id : null;
    build(e, children);
    for (const [id, top] of Object.entries(scroll)) {
      const p = document.getElementById(id);
      if (p) p.scrollTop = top;
    }
    if (focusId && document.getElementById(focusId)) document.getElementById(focusId).focus({ preventScroll: true });
  }

  function build(e, children) {
    const r = resultOf(e);
    const p = progressOf(e);
    const out = outputOf(e);
    const steps = Array.isArray(r.steps) ? r.steps : Array.isArray(e.steps) ? e.steps : [];
    const canCancel = auth.can('operator') && isActive(e.status) && !e.cancel_requested;
    const withAt = steps.some((s) => s.at);
    const { steps: _s, ...rest } = r;
    replace(box,
      pageHeader([t('exec.title', { id: e.id }), ' · ', h('span', { class: 'task-name' }, task.name)],
        canCancel ? h('button', {
          type: 'button', class: 'btn btn-danger', id: 'exec-cancel',
          onclick: async () => { if (await cancelExecution(taskId, e)) load(); },
        }, t('exec.cancel')) : null,
        h('a', { class: 'btn', href: `#/tasks/${taskId}/history` }, t('exec.back_history'))),
      h('div', { class: 'detail-grid' },
        h('section', { class: 'card' },
          dl([
            [t('col.status'), badge(e.status)],
            [t('col.trigger'), t(`trigger.${triggerOf(e)}`)],
            paramsInline(e.params) ? [t('param.title'), h('div', { id: 'exec-params' }, paramsInline(e.params))] : null,
            [t('exec.scheduled'), timeEl(e.scheduled_time)],
            [t('col.business_date'), h('span', { id: 'exec-business-date' }, e.business_date || '—')],
            [t('col.start'), timeEl(e.start_time)],
            [t('col.end'), timeEl(e.end_time)],
            [t('col.duration'), durationText(e) || '—'],
            [t('col.retry'), String(e.retry_count ?? 0)],
            e.node_id ? [t('exec.node'), schedulerName ? `${schedulerName} (#${e.node_id})` : `#${e.node_id}`] : null,
            e.parent_execution_id ? [t('exec.parent'), h('a', { href: `#/tasks/${e.parent_task_id || taskId}/executions/${e.parent_execution_id}` }, `#${e.parent_execution_id}`)] : null,
            out.exitCode !== null ? [t('exec.exit'), String(out.exitCode)] : null,
            out.signal ? [t('exec.signal'), String(out.signal)] : null,
            e.cancel_requested ? [t('exec.cancel'), t('exec.cancel_requested')] : null,
            e.error_message ? [t('col.error'), h('span', { class: 'err-text' }, e.error_message)] : null,
          ])),
        h('section', { class: ['card', `final-${e.status}`] },
          h('h2', {}, t('exec.progress')),
          progressBar(p.percent, p.step, p.total, p.message))),
      children && children.length ? h('section', { class: 'card' },
        h('h2', {}, t('exec.children')),
        h('table', { class: 'grid', id: 'exec-children' },
          h('thead', {}, h('tr', {}, ['col.id', 'col.name', 'col.status', 'col.start', 'col.end', 'col.duration']
            .map((k) => h('th', { scope: 'col' }, t(k))))),
          h('tbody', {}, children.map((c) => h('tr', { dataset: { execId: c.id, status: c.status } },
            h('td', {}, h('a', { href: `#/tasks/${c.task_id}/executions/${c.id}` }, `#${c.id}`)),
            h('td', {}, c.task_name || (nodeNames && nodeNames.get(String(c.task_id))) || `#${c.task_id}`),
            h('td', {}, badge(c.status)),
            h('td', {}, timeEl(c.start_time)), h('td', {}, timeEl(c.end_time)),
            h('td', {}, durationText(c))))))) : null,
      h('section', { class: 'card' },
        h('h2', {}, t('exec.steps')),
        steps.length ? h('table', { class: 'grid steps-table', id: 'exec-steps' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col', class: 'num' }, t('exec.step')),
            h('th', { scope: 'col' }, t('col.status')), h('th', { scope: 'col' }, t('exec.message')),
            withAt ? h('th', { scope: 'col' }, t('exec.at')) : null)),
          h('tbody', {}, steps.map((s) => h('tr', { dataset: { status: s.status } },
            h('td', { class: 'num' }, String(s.step ?? '')),
            h('td', {}, badge(s.status, 'step')),
            h('td', {}, s.message || ''),
            withAt ? h('td', {}, timeEl(s.at)) : null))))
          : h('p', { class: 'muted' }, t('exec.no_steps'))),
      follow.el,
      h('section', { class: 'card' },
        h('h2', {}, t('exec.output')),
        outputBlock(t('exec.stdout'), out.stdout, out.stdoutBytes, 'stdout'),
        outputBlock(t('exec.stderr'), out.stderr, out.stderrBytes, 'stderr'),
        out.stdout === null && out.stderr === null ? h('p', { class: 'muted' }, t('exec.no_output')) : null),
      h('section', { class: 'card' },
        h('h2', {}, t('col.result')),
        Object.keys(rest).length ? h('pre', { class: 'json', id: 'exec-result', tabindex: 0 }, JSON.stringify(rest, null, 2))
          : h('p', { class: 'muted' }, '—')));
  }

  replace(box, h('p', { class: 'muted' }, t('common.loading')));
  load();
  return () => {
    disposed = true;
    clearTimeout(timer);
    follow.dispose();
  };
}
