// task-form.js - create / edit a task: every field, cron with a live preview
// (API) and plain-words description (browser), interval with a unit picker,
// time zone picker, config editor with per-type templates and JSON checks,
// the workflow builder, the params editor (command tasks), and API errors
// shown next to the field they name.
import { h, replace, nextId } from '../dom.js';
import { t, tOr, getLang } from '../i18n.js';
import { get, post, put } from '../api.js';
import { describeCron, cronProblem, CRON_EXAMPLES } from '../cron.js';
import { fmtDateTime, isoUtc, parseTime, fmtInterval } from '../format.js';
import { zoneList, isValidZone, browserZone, wallToInstant, instantToWall } from '../tz.js';
import { pageHeader, errorBox, toast, loading } from '../ui.js';
import { TASK_TYPES } from '../tasks-common.js';
import { createWorkflowBuilder } from '../workflow-builder.js';
import { createParamsEditor } from '../params-editor.js';
import { paramOfDetail } from '../params.js';

// Types whose config may declare params (a command reads them as ZQ_PARAM_*).
const PARAM_TYPES_OF_TASK = ['common_task', 'manual_task', 'example_task'];

const TEMPLATES = {
  example_task: { duration_seconds: 10, steps: 10, success_rate: 1.0, message: 'example done' },
  common_task: {
    command: 'echo "##progress 1/2 working"; sleep 1; echo "##progress 2/2 done"; echo \'##result {"rows": 2}\'',
    work_dir: '/tmp', env: {},
  },
  manual_task: { command: 'echo hello from zq', work_dir: '/tmp', env: {} },
  workflow: { workflow_type: 'serial', tasks: [], on_failure: 'stop' },
};

const UNITS = [['s', 1], ['m', 60], ['h', 3600], ['d', 86400]];

// API field name -> the form field that shows its error.
const FIELD_OF = {
  name: 'name', task_type: 'task_type', description: 'description',
  cron_expression: 'cron', expression: 'cron', interval_seconds: 'interval', start_at: 'interval',
  run_at: 'run_at', timezone: 'timezone', config: 'config', workflow_type: 'config', on_failure: 'config',
  tasks: 'config', dependencies: 'config', task_id: 'config', max_retries: 'max_retries',
  retry_interval: 'retry_interval', timeout_seconds: 'timeout_seconds', max_instances: 'max_instances',
  misfire_grace_seconds: 'misfire_grace_seconds', coalesce: 'coalesce', enabled: 'enabled',
  schedule: 'schedule',
};

/** Which form field an API error message names (earliest mention wins). */
export function fieldOfDetail(detail) {
  let best = null;
  let at = Infinity;
  for (const name of Object.keys(FIELD_OF)) {
    const m = new RegExp(`(^|[^a-z_])${name}([^a-z_]|$)`, 'i').exec(detail || '');
    if (m && m.index < at) { at = m.index; best = name; }
  }
  return best ? FIELD_OF[best] : null;
}

function splitInterval(seconds) {
  const s = Number(seconds) || 0;
  for (let i = UNITS.length - 1; i >= 0; i -= 1) {
    if (s && s % UNITS[i][1] === 0) return { n: s / UNITS[i][1], unit: UNITS[i][0] };
  }
  return { n: s || 60, unit: s ? 's' : 'm' };
}

function scheduleKindOf(task) {
  if (task.cron_expression) return 'cron';
  if (task.interval_seconds) return 'interval';
  if (task.run_at) return 'once';
  return 'none';
}

export function render(main, ctx) {
  const editing = ctx.params.id ? Number(ctx.params.id) : null;
  let disposed = false;
  let builder = null;
  let paramsEd = null;
  let previewTimer = null;
  let previewSeq = 0;
  const fields = {};      // name -> {wrap, input, error}
  const errSummary = h('div', { class: 'error-box', role: 'alert', id: 'form-errors', hidden: true });

  // ---- field factory ---------------------------------------------------------------
  function field(name, label, input, opts = {}) {
    const id = input.id || nextId(`f-${name}`);
    input.id = id;
    const errId = `${id}-err`;
    const hintId = opts.hint ? `${id}-hint` : null;
    const error = h('div', { class: 'field-error', id: errId, hidden: true, dataset: { field: name } });
    input.setAttribute('aria-describedby', [hintId, errId].filter(Boolean).join(' '));
    const wrap = h('div', { class: ['field', opts.cls], dataset: { field: name } },
      opts.inline ? null : h('label', { for: id }, label, opts.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
      opts.inline ? h('span', { class: 'check' }, input, h('label', { for: id }, label)) : input,
      opts.extra || null,
      hintId ? h('div', { class: 'hint', id: hintId }, opts.hint) : null,
      error);
    fields[name] = { wrap, input, error };
    return wrap;
  }

  function scheduleField() {
    const error = h('div', { class: 'field-error', id: `${kindName}-err`, hidden: true, dataset: { field: 'schedule' } });
    kindGroup.setAttribute('aria-describedby', error.id);
    const wrap = h('div', { class: 'field', dataset: { field: 'schedule' } },
      h('span', { class: 'label', id: `${kindName}-l` }, t('form.schedule_kind')), kindGroup, error);
    fields.schedule = { wrap, input: kindRadios.cron, error };
    return wrap;
  }

  function setError(name, message) {
    const f = fields[name];
    if (!f) return false;
    f.error.textContent = message || '';
    f.error.hidden = !message;
    if (message) f.input.setAttribute('aria-invalid', 'true');
    else f.input.removeAttribute('aria-invalid');
    f.wrap.classList.toggle('has-error', !!message);
    return true;
  }

  function clearErrors() {
    for (const name of Object.keys(fields)) setError(name, '');
    errSummary.hidden = true;
    replace(errSummary);
  }

  // ---- inputs ---------------------------------------------------------------------
  const nameIn = h('input', { name: 'name', maxlength: 128, required: true, autocomplete: 'off' });
  const typeSel = h('select', { name: 'task_type' },
    TASK_TYPES.map((x) => h('option', { value: x }, t(`type.${x}`))));
  const descIn = h('textarea', { name: 'description', rows: 2 });
  const kindName = nextId('kind');
  const kindRadios = {};
  const kindGroup = h('div', { class: 'radios', role: 'radiogroup', 'aria-labelledby': `${kindName}-l`, id: kindName },
    ['cron', 'interval', 'once', 'none'].map((k) => {
      const id = `${kindName}-${k}`;
      kindRadios[k] = h('input', { type: 'radio', name: kindName, id, value: k, onchange: syncKind });
      return h('span', { class: 'radio' }, kindRadios[k], h('label', { for: id }, t(`form.kind.${k}`)));
    }));
  const cronIn = h('input', {
    name: 'cron_expression', class: 'mono', autocomplete: 'off', spellcheck: 'false', placeholder: '0 18 * * *',
    oninput: () => schedulePreview(),
  });
  const cronWords = h('div', { class: 'cron-words', id: 'cron-words', 'aria-live': 'polite' });
  const previewList = h('ol', { class: 'preview-list', id: 'cron-preview', 'aria-live': 'polite' });
  const examples = h('div', { class: 'chips' }, h('span', { class: 'muted' }, t('form.examples')), ' ',
    CRON_EXAMPLES.map((ex) => h('button', {
      type: 'button', class: 'chip chip-btn', title: describeCron(ex, getLang()) || '',
      onclick: () => { cronIn.value = ex; schedulePreview(); cronIn.focus(); },
    }, ex)));
  const intervalN = h('input', { type: 'number', min: 1, step: 1, name: 'interval_n', value: '1', class: 'short' });
  const unitId = nextId('unit');
  const intervalUnit = h('select', { id: unitId, 'aria-label': t('form.interval_unit') },
    UNITS.map(([u]) => h('option', { value: u }, t(`unit.long.${u}`))));
  const intervalWords = h('span', { class: 'muted', 'aria-live': 'polite' });
  const startAtIn = h('input', { type: 'datetime-local', name: 'start_at' });
  const runAtIn = h('input', { type: 'datetime-local', name: 'run_at' });
  const zones = zoneList();
  const zoneListId = nextId('zones');
  const tzIn = h('input', {
    name: 'timezone', list: zoneListId, value: 'UTC', autocomplete: 'off', spellcheck: 'false',
    onchange: () => { checkZone(); schedulePreview(); }, oninput: () => schedulePreview(),
  });
  const zoneData = h('datalist', { id: zoneListId }, zones.map((z) => h('option', { value: z })));
  const enabledIn = h('input', { type: 'checkbox', name: 'enabled', checked: true });
  const configIn = h('textarea', {
    name: 'config', rows: 8, class: 'mono', spellcheck: 'false', oninput: () => onConfigInput(),
  });
  const configState = h('div', { class: 'config-state', 'aria-live': 'polite', id: 'config-state' });
  const templateBtn = h('button', { type: 'button', class: 'btn btn-small', id: 'config-template', onclick: () => applyTemplate(true) }, t('form.template'));
  const formatBtn = h('button', { type: 'button', class: 'btn btn-small', onclick: formatConfig }, t('form.format_json'));
  const num = (name, min, value) => h('input', { type: 'number', name, min, step: 1, value: value == null ? '' : String(value), class: 'short' });
  const retriesIn = num('max_retries', 0, 0);
  const retryIntIn = num('retry_interval', 1, 60);
  const timeoutIn = num('timeout_seconds', 0, '');
  const instancesIn = num('max_instances', 1, 1);
  const graceIn = num('misfire_grace_seconds', 0, 60);
  const coalesceIn = h('input', { type: 'checkbox', name: 'coalesce', checked: true });
  const builderBox = h('div', { class: 'builder-box' });
  const paramsBox = h('div', { class: 'params-box' });
  const envNote = h('div', { class: 'env-note', id: 'env-note', hidden: true }, t('param.env_kept'));
  const submitBtn = h('button', { type: 'submit', class: 'btn btn-primary', id: 'task-submit' }, editing ? t('form.save') : t('form.create'));
  let lastTemplateType = null;

  // ---- behaviours ------------------------------------------------------------------
  function kind() {
    return Object.keys(kindRadios).find((k) => kindRadios[k].checked) || 'none';
  }

  function syncKind() {
    // manual_task never fires by itself; every other type needs exactly one schedule.
    const manual = typeSel.value === 'manual_task';
    if (manual) kindRadios.none.checked = true;
    else if (kind() === 'none') kindRadios.cron.checked = true;
    for (const k of ['cron', 'interval', 'once']) kindRadios[k].closest('.radio').hidden = manual;
    kindRadios.none.closest('.radio').hidden = !manual;
    const k = kind();
    fields.cron.wrap.hidden = k !== 'cron';
    fields.interval.wrap.hidden = k !== 'interval';
    fields.run_at.wrap.hidden = k !== 'once';
    fields.timezone.wrap.hidden = k === 'none';
    if (k === 'cron') schedulePreview();
    updateIntervalWords();
  }

  function updateIntervalWords() {
    const s = Number(intervalN.value) * (UNITS.find(([u]) => u === intervalUnit.value) || UNITS[0])[1];
    intervalWords.textContent = s > 0 ? fmtInterval(s) : '';
  }
  intervalN.addEventListener('input', updateIntervalWords);
  intervalUnit.addEventListener('change', updateIntervalWords);

  function checkZone() {
    const ok = isValidZone(tzIn.value.trim());
    setError('timezone', ok ? '' : t('form.err.zone', { zone: tzIn.value.trim() }));
    return ok;
  }

  function schedulePreview() {
    clearTimeout(previewTimer);
    const expr = cronIn.value.trim();
    const words = expr ? describeCron(expr, getLang()) : null;
    cronWords.textContent = words || '';
    if (!expr || kind() !== 'cron') {
      replace(previewList);
      setError('cron', '');
      return;
    }
    const problem = cronProblem(expr);
    if (problem) {
      setError('cron', problem);
      replace(previewList);
      return;
    }
    setError('cron', '');
    if (!previewList.querySelector('time')) replace(previewList, h('li', { class: 'muted' }, t('common.loading')));
    previewTimer = setTimeout(loadPreview, 300);
  }

  async function loadPreview() {
    const seq = (previewSeq += 1);
    const expr = cronIn.value.trim();
    const tz = tzIn.value.trim() || 'UTC';
    try {
      const res = await get('/scheduler/cron/preview', { expression: expr, timezone: tz, count: 5 });
      if (seq !== previewSeq || disposed) return;
      const times = previewTimes(res);
      const zone = isValidZone(tz) ? tz : 'UTC';
      replace(previewList, times.length ? times.map((v) => {
        const ms = parseTime(v);
        const utc = isoUtc(ms);
        return h('li', {}, h('time', { datetime: utc, title: `UTC ${utc.replace('T', ' ').replace('Z', '')}` },
          `${fmtDateTime(ms, zone)} `), h('span', { class: 'muted' }, zone));
      }) : h('li', { class: 'muted' }, t('form.preview_none')));
      setError('cron', '');
    } catch (e) {
      if (seq !== previewSeq || disposed) return;
      replace(previewList);
      const target = fieldOfDetail(e.detail) === 'timezone' ? 'timezone' : 'cron';
      setError(target, e.detail || String(e));
    }
  }

  function previewTimes(res) {
    if (Array.isArray(res)) return res.map((x) => (typeof x === 'object' ? x.utc || x.time || x.at : x));
    for (const k of ['next_run_times', 'next_fire_times', 'times', 'next', 'fire_times', 'runs']) {
      if (Array.isArray(res && res[k])) return previewTimes(res[k]);
    }
    return [];
  }

  function parseConfig() {
    const text = configIn.value.trim();
    if (!text) return { value: {} };
    try {
      const v = JSON.parse(text);
      if (!v || typeof v !== 'object' || Array.isArray(v)) return { error: t('form.err.config_object') };
      return { value: v };
    } catch (e) {
      return { error: t('form.err.json', { msg: e.message }) };
    }
  }

  function onConfigInput() {
    const r = parseConfig();
    setError('config', r.error || '');
    configState.textContent = r.error ? '' : t('form.json_ok');
    configState.className = r.error ? 'config-state' : 'config-state ok';
    if (!r.error && builder && typeSel.value === 'workflow') builder.setConfig(r.value);
    if (!r.error && paramsEd) paramsEd.setParams(r.value.params);
    noteMaskedEnv(r.value);
  }

  // A viewer's or operator's copy of env reads "***": sent back as it is, the API keeps the value.
  function noteMaskedEnv(cfg) {
    const env = cfg && cfg.env && typeof cfg.env === 'object' ? Object.values(cfg.env) : [];
    envNote.hidden = !env.includes('***');
  }

  /** The params editor changed: put its params into the config JSON (the rest kept as it is). */
  function writeParams(p) {
    const r = parseConfig();
    if (r.error) {
      setError('config', `${r.error} ${t('param.fix_json')}`);
      return;
    }
    const cfg = { ...r.value };
    if (p) cfg.params = p;
    else delete cfg.params;
    configIn.value = JSON.stringify(cfg, null, 2);
    setError('config', '');
    configState.textContent = t('form.json_ok');
    configState.className = 'config-state ok';
  }

  function formatConfig() {
    const r = parseConfig();
    if (r.error) { setError('config', r.error); return; }
    configIn.value = JSON.stringify(r.value, null, 2);
    onConfigInput();
  }

  /** Put the type's template in the editor (always when forced, else only over an untouched one). */
  function applyTemplate(force) {
    const type = typeSel.value;
    const current = configIn.value.trim();
    const untouched = !current || current === '{}' ||
      (lastTemplateType && current === JSON.stringify(TEMPLATES[lastTemplateType], null, 2));
    if (force || untouched) {
      configIn.value = JSON.stringify(TEMPLATES[type], null, 2);
      lastTemplateType = type;
      onConfigInput();
    }
  }

  function syncType() {
    const type = typeSel.value;
    if (type === 'workflow' && !builder) {
      builder = createWorkflowBuilder({
        selfId: editing,
        onChange: (cfg) => {
          configIn.value = JSON.stringify(cfg, null, 2);
          setError('config', '');
          configState.textContent = t('form.json_ok');
        },
      });
      replace(builderBox, builder.el);
      const r = parseConfig();
      if (!r.error) builder.setConfig(r.value.tasks ? r.value : TEMPLATES.workflow);
    } else if (type !== 'workflow' && builder) {
      builder.dispose();
      builder = null;
      replace(builderBox);
    }
    if (PARAM_TYPES_OF_TASK.includes(type) && !paramsEd) {
      paramsEd = createParamsEditor({ onChange: writeParams });
      replace(paramsBox, paramsEd.el);
      const r = parseConfig();
      if (!r.error) paramsEd.setParams(r.value.params);
    } else if (!PARAM_TYPES_OF_TASK.includes(type) && paramsEd) {
      paramsEd.dispose();
      paramsEd = null;
      replace(paramsBox);
    }
    syncKind();
  }

  function syncHint() {
    const hint = fields.config && fields.config.wrap.querySelector('.hint');
    if (hint) hint.textContent = t(`form.config_hint.${typeSel.value}`);
  }

  typeSel.addEventListener('change', () => { applyTemplate(false); syncType(); syncHint(); });

  // ---- load / fill ---------------------------------------------------------------------
  function fill(task) {
    nameIn.value = task.name || '';
    typeSel.value = task.task_type || 'example_task';
    descIn.value = task.description || '';
    const k = scheduleKindOf(task);
    kindRadios[k].checked = true;
    cronIn.value = task.cron_expression || '';
    const tz = task.timezone || 'UTC';
    tzIn.value = tz;
    const iv = splitInterval(task.interval_seconds);
    intervalN.value = String(iv.n);
    intervalUnit.value = iv.unit;
    const zone = isValidZone(tz) ? tz : 'UTC';
    if (task.start_at) startAtIn.value = instantToWall(parseTime(task.start_at), zone);
    if (task.run_at) runAtIn.value = instantToWall(parseTime(task.run_at), zone);
    enabledIn.checked = task.enabled !== false && task.enabled !== 0;
    let cfg = task.config;
    if (cfg === undefined && task.config_json) {
      try { cfg = JSON.parse(task.config_json); } catch (e) { cfg = {}; }
    }
    if (typeof cfg === 'string') {
      try { cfg = JSON.parse(cfg); } catch (e) { /* keep the text */ }
    }
    configIn.value = typeof cfg === 'string' ? cfg : JSON.stringify(cfg || {}, null, 2);
    retriesIn.value = String(task.max_retries ?? 0);
    retryIntIn.value = String(task.retry_interval ?? 60);
    timeoutIn.value = task.timeout_seconds ? String(task.timeout_seconds) : '';
    instancesIn.value = String(task.max_instances ?? 1);
    graceIn.value = String(task.misfire_grace_seconds ?? 60);
    coalesceIn.checked = task.coalesce !== false && task.coalesce !== 0;
    onConfigInput();
    syncType();
    syncHint();
  }

  function intOrNull(input) {
    const v = input.value.trim();
    return v === '' ? null : Number(v);
  }

  function body() {
    const k = kind();
    const tz = tzIn.value.trim() || 'UTC';
    const zone = isValidZone(tz) ? tz : 'UTC';
    const unit = (UNITS.find(([u]) => u === intervalUnit.value) || UNITS[0])[1];
    const wallIso = (input) => {
      if (!input.value) return null;
      const ms = wallToInstant(input.value, zone);
      return Number.isFinite(ms) ? isoUtc(ms) : input.value;
    };
    const b = {
      name: nameIn.value.trim(),
      task_type: typeSel.value,
      description: descIn.value.trim() || null,
      cron_expression: k === 'cron' ? cronIn.value.trim() : null,
      interval_seconds: k === 'interval' ? Math.round(Number(intervalN.value) * unit) : null,
      start_at: k === 'interval' ? wallIso(startAtIn) : null,
      run_at: k === 'once' ? wallIso(runAtIn) : null,
      timezone: tz,
      enabled: enabledIn.checked,
      config: parseConfig().value || {},
      max_retries: intOrNull(retriesIn) ?? 0,
      retry_interval: intOrNull(retryIntIn) ?? 60,
      timeout_seconds: intOrNull(timeoutIn),
      max_instances: intOrNull(instancesIn) ?? 1,
      misfire_grace_seconds: intOrNull(graceIn) ?? 60,
      coalesce: coalesceIn.checked,
    };
    return b;
  }

  function localErrors() {
    const errs = [];
    if (!nameIn.value.trim()) errs.push(['name', t('form.err.required')]);
    const k = kind();
    if (k === 'cron') {
      const p = cronIn.value.trim() ? cronProblem(cronIn.value.trim()) : t('form.err.required');
      if (p) errs.push(['cron', p]);
    }
    if (k === 'interval' && !(Number(intervalN.value) > 0)) errs.push(['interval', t('form.err.positive')]);
    if (k === 'once' && !runAtIn.value) errs.push(['run_at', t('form.err.required')]);
    if (k !== 'none' && !isValidZone(tzIn.value.trim())) errs.push(['timezone', t('form.err.zone', { zone: tzIn.value.trim() })]);
    const c = parseConfig();
    if (c.error) errs.push(['config', c.error]);
    if (paramsEd) {
      for (const p of paramsEd.validate()) {
        errs.push(['params', `${p.name || t('param.unnamed', { n: p.index + 1 })} · ${tOr(`param.field.${p.field}`, p.field)}: ${p.message}`, p.focus]);
      }
    }
    return errs;
  }

  /** errs: [[field, message, element to focus (optional: the field's input)], ...] */
  function showErrors(errs) {
    replace(errSummary, h('p', {}, t('form.err.summary')), h('ul', {}, errs.map(([f, m, el]) => h('li', {},
      h('a', {
        href: '#',
        onclick: (e) => {
          e.preventDefault();
          if (el) el.focus(); else if (fields[f]) fields[f].input.focus();
        },
      }, `${fieldLabel(f)}: `), m))));
    errSummary.hidden = false;
    errs.forEach(([f, m]) => {
      setError(f, m);
      const d = fields[f] && fields[f].wrap.closest('details');
      if (d) d.open = true;  // an error inside "advanced" must be seen
    });
    const first = errs.find(([f, , el]) => el || fields[f]);
    if (first) (first[2] || fields[first[0]].input).focus();
  }

  function fieldLabel(f) {
    if (f === 'params') return t('param.title');
    const lbl = fields[f] && fields[f].wrap.querySelector('label');
    return lbl ? lbl.textContent.replace(/\s*\*$/, '') : f;
  }

  async function onSubmit(e) {
    e.preventDefault();
    clearErrors();
    const errs = localErrors();
    if (errs.length) { showErrors(errs); return; }
    submitBtn.disabled = true;
    try {
      const b = body();
      const res = editing ? await put(`/scheduler/tasks/${editing}`, b) : await post('/scheduler/tasks', b);
      toast(editing ? t('form.saved', { name: b.name }) : t('form.created', { name: b.name, id: res && res.id }), 'ok');
      ctx.navigate('#/tasks');
    } catch (err) {
      const pd = err.status === 400 ? paramOfDetail(err.detail, 'config.params') : null;
      const f = fieldOfDetail(err.detail) || (err.status === 409 ? 'name' : null);
      if (pd && paramsEd) {
        // "config.params.NAME.FIELD: ..." next to that field of the params editor
        showErrors([['params', err.detail, paramsEd.showApiError(pd.name, pd.field, err.detail)]]);
      } else if (f && fields[f]) showErrors([[f, err.detail]]);
      else {
        replace(errSummary, h('p', {}, err.detail || String(err)));
        errSummary.hidden = false;
        errSummary.focus();
      }
    } finally {
      submitBtn.disabled = false;
    }
  }

  // ---- layout ---------------------------------------------------------------------------
  const form = h('form', { class: 'card task-form', id: 'task-form', onsubmit: onSubmit, novalidate: true },
    errSummary,
    h('fieldset', {}, h('legend', {}, t('form.basics')),
      h('div', { class: 'row' },
        field('name', t('col.name'), nameIn, { required: true, cls: 'grow' }),
        field('task_type', t('col.type'), typeSel)),
      field('description', t('form.description'), descIn),
      field('enabled', t('form.enabled'), enabledIn, { inline: true })),
    h('fieldset', {}, h('legend', {}, t('form.schedule')),
      scheduleField(),
      field('cron', t('form.cron'), cronIn, {
        hint: t('form.cron_hint'),
        extra: h('div', { class: 'cron-extra' }, cronWords, examples,
          h('div', { class: 'preview' }, h('h3', {}, t('form.preview')), previewList)),
      }),
      field('interval', t('form.interval'), intervalN, {
        extra: h('div', { class: 'inline' }, intervalUnit, ' ', intervalWords,
          h('div', { class: 'field sub' }, h('label', { for: 'start-at' }, t('form.start_at')), startAtIn)),
      }),
      field('run_at', t('form.run_at'), runAtIn, { hint: t('form.run_at_hint') }),
      field('timezone', t('form.timezone'), tzIn, { hint: t('form.timezone_hint', { zone: browserZone() }), extra: zoneData })),
    h('fieldset', {}, h('legend', {}, t('form.config')),
      builderBox,
      paramsBox,
      field('config', t('form.config_json'), configIn, {
        extra: h('div', {}, h('div', { class: 'btn-row' }, templateBtn, formatBtn, configState), envNote),
        hint: t('form.config_hint.example_task'),
      })),
    h('details', { class: 'advanced', open: editing ? true : null },
      h('summary', {}, t('form.advanced')),
      h('div', { class: 'row wrap' },
        field('max_retries', t('col.retries'), retriesIn),
        field('retry_interval', t('form.retry_interval'), retryIntIn),
        field('timeout_seconds', t('form.timeout'), timeoutIn, { hint: t('form.timeout_hint') }),
        field('max_instances', t('form.max_instances'), instancesIn),
        field('misfire_grace_seconds', t('form.misfire_grace'), graceIn)),
      field('coalesce', t('form.coalesce'), coalesceIn, { inline: true })),
    h('div', { class: 'form-actions' },
      submitBtn, h('a', { class: 'btn', href: '#/tasks' }, t('action.cancel'))));
  startAtIn.id = 'start-at';
  errSummary.tabIndex = -1;

  main.append(pageHeader(editing ? t('form.edit_title', { id: editing }) : t('form.new_title')));
  const body0 = h('div', {});
  main.append(body0);

  if (editing) {
    loading(body0);
    get(`/scheduler/tasks/${editing}`).then((task) => {
      if (disposed) return;
      replace(body0, form);
      fill(task);
      nameIn.focus();
    }).catch((e) => replace(body0, errorBox(e)));
  } else {
    replace(body0, form);
    typeSel.value = 'example_task';
    kindRadios.cron.checked = true;
    cronIn.value = '*/5 * * * *';
    intervalUnit.value = 'h';
    const tz = browserZone();
    tzIn.value = isValidZone(tz) ? tz : 'UTC';
    applyTemplate(true);
    syncType();
    syncHint();
    nameIn.focus();
  }

  return () => {
    disposed = true;
    clearTimeout(previewTimer);
    if (builder) builder.dispose();
    if (paramsEd) paramsEd.dispose();
  };
}
