// workflow-builder.js - build a workflow's config without typing JSON: pick
// tasks, set each one's dependencies, serial/parallel, on_failure. Checked in
// the browser (unknown tasks, cycles) and live by the API's validate endpoint.
import { h, replace, nextId } from './dom.js';
import { t } from './i18n.js';
import { get, post } from './api.js';

/** All tasks a workflow may use (sub-tasks included), every page of them. */
async function loadCandidates(selfId) {
  const out = [];
  let skip = 0;
  for (let guard = 0; guard < 50; guard += 1) {
    const page = await get('/scheduler/tasks', { skip, limit: 100, include_subtasks: true });
    const tasks = (page && page.tasks) || [];
    out.push(...tasks);
    skip += tasks.length;
    if (!tasks.length || skip >= (Number(page.total) || 0)) break;
  }
  // Any task but the workflow itself (the API rejects nesting cycles).
  return out.filter((x) => String(x.id) !== String(selfId))
    .sort((a, b) => String(a.name).localeCompare(String(b.name)));
}

/** Stages of a DAG (Kahn): [[ids...], ...]; throws {cycle: [ids]} on a cycle. */
export function stagesOf(nodes) {
  const ids = nodes.map((n) => n.task_id);
  const deps = new Map(nodes.map((n) => [n.task_id, (n.dependencies || []).filter((d) => ids.includes(d))]));
  const done = new Set();
  const stages = [];
  while (done.size < ids.length) {
    const ready = ids.filter((id) => !done.has(id) && deps.get(id).every((d) => done.has(d)));
    if (!ready.length) {
      const err = new Error('cycle');
      err.cycle = ids.filter((id) => !done.has(id));
      throw err;
    }
    ready.forEach((id) => done.add(id));
    stages.push(ready);
  }
  return stages;
}

export function createWorkflowBuilder({ selfId, onChange }) {
  const state = {
    workflow_type: 'serial',
    on_failure: 'stop',
    nodes: [],  // {task_id, name, dependencies: []}
    candidates: [],
    loaded: false,
  };
  let validateTimer = null;
  let validateSeq = 0;

  const typeName = nextId('wft');
  const onFailId = nextId('wfo');
  const addId = nextId('wfa');
  const nodesBox = h('div', { class: 'wf-nodes' });
  const stagesBox = h('div', { class: 'wf-stages', 'aria-live': 'polite' });
  const status = h('div', { class: 'wf-status', role: 'status', id: 'wf-status' });
  const addSel = h('select', { id: addId });
  const onFailSel = h('select', {
    id: onFailId, onchange: (e) => { state.on_failure = e.target.value; changed(); },
  }, ['stop', 'continue'].map((v) => h('option', { value: v }, t(`wf.on_failure.${v}`))));

  const typeRadios = ['serial', 'parallel'].map((v) => {
    const id = nextId('wfr');
    return h('span', { class: 'radio' },
      h('input', {
        type: 'radio', name: typeName, id, value: v, checked: state.workflow_type === v,
        onchange: () => { state.workflow_type = v; changed(); },
      }),
      h('label', { for: id }, t(`wf.type.${v}`)));
  });

  function nameOf(id) {
    const c = state.candidates.find((x) => String(x.id) === String(id));
    const n = state.nodes.find((x) => String(x.task_id) === String(id));
    return (c && c.name) || (n && n.name) || `#${id}`;
  }

  function config() {
    return {
      workflow_type: state.workflow_type,
      tasks: state.nodes.map((n) => ({ task_id: n.task_id, name: nameOf(n.task_id), dependencies: [...n.dependencies] })),
      on_failure: state.on_failure,
    };
  }

  function changed() {
    drawNodes();
    drawStages();
    onChange(config());
    scheduleValidate();
  }

  function localProblem() {
    if (!state.nodes.length) return t('wf.err.empty');
    for (const n of state.nodes) {
      const c = state.candidates.find((x) => String(x.id) === String(n.task_id));
      if (state.loaded && !c) return t('wf.err.missing', { id: n.task_id });
      if (c && c.enabled === false) return t('wf.err.disabled', { name: c.name });
    }
    try { stagesOf(state.nodes); } catch (e) {
      return t('wf.err.cycle', { names: e.cycle.map(nameOf).join(', ') });
    }
    return null;
  }

  function showStatus(kind, text) {
    status.className = `wf-status wf-${kind}`;
    status.dataset.state = kind;
    status.textContent = text;
  }

  function scheduleValidate() {
    clearTimeout(validateTimer);
    const problem = localProblem();
    if (problem) {
      showStatus('bad', problem);
      return;
    }
    showStatus('busy', t('wf.validating'));
    validateTimer = setTimeout(validateRemote, 350);
  }

  async function validateRemote() {
    const seq = (validateSeq += 1);
    try {
      const res = await post(`/scheduler/tasks/${selfId || 0}/workflow/validate`, config());
      if (seq !== validateSeq) return;
      const valid = !!(res && res.valid);
      const msg = res && (Array.isArray(res.errors) && res.errors.length ? res.errors.join('; ') : res.detail || '');
      showStatus(valid ? 'ok' : 'bad', valid ? t('wf.valid') : (msg || t('wf.invalid')));
    } catch (e) {
      if (seq !== validateSeq) return;
      showStatus('bad', e.detail || String(e));
    }
  }

  function move(i, d) {
    const j = i + d;
    if (j < 0 || j >= state.nodes.length) return;
    [state.nodes[i], state.nodes[j]] = [state.nodes[j], state.nodes[i]];
    changed();
  }

  function drawNodes() {
    if (!state.nodes.length) {
      replace(nodesBox, h('p', { class: 'muted' }, t('wf.no_nodes')));
      return;
    }
    const rows = state.nodes.map((n, i) => {
      const others = state.nodes.filter((o) => o.task_id !== n.task_id);
      return h('tr', { dataset: { taskId: n.task_id } },
        h('td', { class: 'num' }, String(i + 1)),
        h('th', { scope: 'row' }, h('span', { class: 'task-name' }, nameOf(n.task_id)), h('span', { class: 'muted' }, ` #${n.task_id}`)),
        h('td', {}, others.length ? h('fieldset', { class: 'deps' },
          h('legend', { class: 'sr-only' }, t('wf.deps_of', { name: nameOf(n.task_id) })),
          others.map((o) => {
            const id = nextId('dep');
            return h('span', { class: 'check' },
              h('input', {
                type: 'checkbox', id, checked: n.dependencies.includes(o.task_id), dataset: { dep: o.task_id },
                onchange: (e) => {
                  if (e.target.checked) n.dependencies.push(o.task_id);
                  else n.dependencies = n.dependencies.filter((d) => d !== o.task_id);
                  changed();
                },
              }),
              h('label', { for: id }, nameOf(o.task_id)));
          })) : h('span', { class: 'muted' }, '—')),
        h('td', { class: 'actions' }, h('div', { class: 'btn-row' },
          h('button', { type: 'button', class: 'btn btn-small', disabled: i === 0, 'aria-label': t('wf.up', { name: nameOf(n.task_id) }), onclick: () => move(i, -1) }, '↑'),
          h('button', { type: 'button', class: 'btn btn-small', disabled: i === state.nodes.length - 1, 'aria-label': t('wf.down', { name: nameOf(n.task_id) }), onclick: () => move(i, 1) }, '↓'),
          h('button', {
            type: 'button', class: 'btn btn-small btn-danger', 'aria-label': t('wf.remove', { name: nameOf(n.task_id) }),
            onclick: () => {
              state.nodes = state.nodes.filter((x) => x !== n);
              state.nodes.forEach((x) => { x.dependencies = x.dependencies.filter((d) => d !== n.task_id); });
              changed();
            },
          }, t('action.remove')))));
    });
    replace(nodesBox, h('table', { class: 'grid wf-table' },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', class: 'num' }, '#'), h('th', { scope: 'col' }, t('wf.col.task')),
        h('th', { scope: 'col' }, t('wf.col.deps')), h('th', { scope: 'col' }, t('col.actions')))),
      h('tbody', {}, rows)));
  }

  function drawStages() {
    let stages;
    try { stages = stagesOf(state.nodes); } catch (e) { replace(stagesBox); return; }
    if (!stages.length) { replace(stagesBox); return; }
    replace(stagesBox, h('ol', { class: 'stages', 'aria-label': t('wf.order') }, stages.map((ids, i) => h('li', {},
      h('span', { class: 'stage-label' }, t('wf.stage', { n: i + 1 })),
      ids.map((id) => h('span', { class: 'chip' }, nameOf(id)))))));
  }

  function drawAdd() {
    const used = new Set(state.nodes.map((n) => String(n.task_id)));
    replace(addSel, h('option', { value: '' }, state.loaded ? t('wf.pick') : t('common.loading')),
      state.candidates.filter((c) => !used.has(String(c.id))).map((c) => h('option', { value: String(c.id) },
        `${c.name} (#${c.id}, ${t(`type.${c.task_type}`)}${c.enabled === false ? `, ${t('state.disabled')}` : ''})`)));
  }

  function add() {
    const id = Number(addSel.value);
    if (!id) return;
    const deps = state.workflow_type === 'serial' && state.nodes.length
      ? [state.nodes[state.nodes.length - 1].task_id] : [];
    state.nodes.push({ task_id: id, name: nameOf(id), dependencies: deps });
    drawAdd();
    changed();
    addSel.focus();
  }

  function chain() {
    state.nodes.forEach((n, i) => { n.dependencies = i ? [state.nodes[i - 1].task_id] : []; });
    changed();
  }

  function unchain() {
    state.nodes.forEach((n) => { n.dependencies = []; });
    changed();
  }

  const el = h('fieldset', { class: 'wf-builder', id: 'wf-builder' },
    h('legend', {}, t('wf.title')),
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('span', { class: 'label', id: `${typeName}-l` }, t('wf.type')),
        h('div', { class: 'radios', role: 'radiogroup', 'aria-labelledby': `${typeName}-l` }, typeRadios)),
      h('div', { class: 'field' }, h('label', { for: onFailId }, t('wf.on_failure')), onFailSel)),
    h('div', { class: 'row wf-add' },
      h('div', { class: 'field grow' }, h('label', { for: addId }, t('wf.add_task')), addSel),
      h('button', { type: 'button', class: 'btn', id: 'wf-add', onclick: add }, t('wf.add')),
      h('button', { type: 'button', class: 'btn', onclick: chain, title: t('wf.chain_hint') }, t('wf.chain')),
      h('button', { type: 'button', class: 'btn', onclick: unchain }, t('wf.unchain'))),
    nodesBox, stagesBox, status);

  function setConfig(cfg) {
    if (!cfg || typeof cfg !== 'object') return;
    state.workflow_type = cfg.workflow_type === 'parallel' ? 'parallel' : 'serial';
    state.on_failure = cfg.on_failure === 'continue' ? 'continue' : 'stop';
    state.nodes = Array.isArray(cfg.tasks) ? cfg.tasks.filter((x) => x && x.task_id != null).map((x) => ({
      task_id: Number(x.task_id), name: x.name || '', dependencies: Array.isArray(x.dependencies) ? x.dependencies.map(Number) : [],
    })) : [];
    el.querySelectorAll(`input[name="${typeName}"]`).forEach((r) => { r.checked = r.value === state.workflow_type; });
    onFailSel.value = state.on_failure;
    drawAdd();
    drawNodes();
    drawStages();
    scheduleValidate();
  }

  loadCandidates(selfId).then((c) => {
    state.candidates = c;
    state.loaded = true;
    drawAdd();
    drawNodes();
    drawStages();
    if (state.nodes.length) scheduleValidate();
  }).catch((e) => showStatus('bad', e.detail || String(e)));
  drawAdd();
  drawNodes();

  return {
    el,
    setConfig,
    config,
    dispose() { clearTimeout(validateTimer); validateSeq += 1; },
  };
}
