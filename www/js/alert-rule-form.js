// alert-rule-form.js - the dialog that adds or edits one alert rule (admin):
// scope (every task, or one task found by name), kind and the kind's params,
// channels, repeat, enabled, silence. Used by the Alerts page's Rules tab and
// by the task form's Alerts section (scope fixed to that task). The API
// judges the values; its 400 detail shows at the field it names.
import { h, nextId, replace } from './dom.js';
import { t } from './i18n.js';
import { get, post, put } from './api.js';
import { openDialog, toast } from './ui.js';
import { RULE_KINDS, SILENCE_HOURS, hoursFromNow, isoToLocal, localToIso } from './alerts-common.js';

const num = (name, value, attrs = {}) => h('input', {
  type: 'number', name, class: 'short', value: value === undefined || value === null ? '' : String(value), ...attrs,
});

function labelled(name, label, input, hint) {
  const id = input.id || nextId(`r-${name}`);
  input.id = id;
  return h('div', { class: 'field', dataset: { field: name } },
    h('label', { for: id }, label), input, hint ? h('div', { class: 'hint' }, hint) : null);
}

function checkField(name, label, checked) {
  const input = h('input', { type: 'checkbox', name, checked: !!checked, id: nextId(`r-${name}`) });
  return { input, el: h('div', { class: 'field', dataset: { field: name } }, h('span', { class: 'check' }, input, h('label', { for: input.id }, label))) };
}

/** The params inputs of one kind: {el, read() -> params}. */
function paramsFields(kind, p) {
  const q = p || {};
  if (kind === 'on_failure') {
    const c = checkField('params.each_attempt', t('alerts.f.each_attempt'), q.each_attempt);
    return { el: c.el, read: () => ({ each_attempt: c.input.checked }) };
  }
  if (kind === 'deadline') {
    const time = h('input', { type: 'time', name: 'params.time', value: q.time || '08:45' });
    const tz = h('input', { name: 'params.timezone', value: q.timezone || '', placeholder: t('alerts.p.task_zone'), autocomplete: 'off' });
    const days = h('input', { name: 'params.days', value: q.days || '*', class: 'short', autocomplete: 'off' });
    return {
      el: h('div', { class: 'row wrap' }, labelled('params.time', t('alerts.f.time'), time),
        labelled('params.timezone', t('alerts.f.timezone'), tz), labelled('params.days', t('alerts.f.days'), days, t('alerts.f.days_hint'))),
      read: () => Object.assign({ time: time.value },
        tz.value.trim() ? { timezone: tz.value.trim() } : {}, days.value.trim() ? { days: days.value.trim() } : {}),
    };
  }
  if (kind === 'not_started' || kind === 'scheduler_down') {
    const after = num('params.after', q.after ?? (kind === 'not_started' ? 300 : 60), { min: 1 });
    return {
      el: labelled('params.after', t('alerts.f.after'), after, t(`alerts.f.after_hint.${kind}`)),
      read: () => (after.value.trim() ? { after: Number(after.value) } : {}),
    };
  }
  if (kind === 'duration') {
    const max = num('params.max_seconds', q.max_seconds || '', { min: 1 });
    const factor = num('params.factor', q.factor || '', { min: 1, step: 0.1 });
    const minRuns = num('params.min_runs', q.min_runs ?? '', { min: 1, placeholder: '5' });
    return {
      el: h('div', {}, h('div', { class: 'row wrap' }, labelled('params.max_seconds', t('alerts.f.max_seconds'), max),
        labelled('params.factor', t('alerts.f.factor'), factor), labelled('params.min_runs', t('alerts.f.min_runs'), minRuns)),
      h('div', { class: 'hint' }, t('alerts.f.duration_hint'))),
      read: () => Object.assign({}, max.value.trim() ? { max_seconds: Number(max.value) } : {},
        factor.value.trim() ? { factor: Number(factor.value) } : {}, minRuns.value.trim() ? { min_runs: Number(minRuns.value) } : {}),
    };
  }
  return { el: h('p', { class: 'muted small' }, t('alerts.f.no_params')), read: () => ({}) };
}

/** Task picker: a name with suggestions; resolves to {id, name} or null. */
function taskPicker(initial) {
  const listId = nextId('tasks');
  const input = h('input', { name: 'task_name', list: listId, autocomplete: 'off', value: initial ? initial.name || '' : '' });
  const list = h('datalist', { id: listId });
  const known = new Map(initial ? [[initial.name, initial.id]] : []);
  let timer = null;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      try {
        const res = await get('/scheduler/tasks', { search: input.value.trim(), limit: 20 });
        const tasks = (res && res.tasks) || [];
        tasks.forEach((x) => known.set(x.name, x.id));
        replace(list, tasks.map((x) => h('option', { value: x.name })));
      } catch (e) { /* suggestions are a help only */ }
    }, 250);
  });
  async function resolve() {
    const name = input.value.trim();
    if (!name) return null;
    if (known.has(name)) return { id: known.get(name), name };
    const res = await get('/scheduler/tasks', { search: name, limit: 50 });
    const hit = ((res && res.tasks) || []).find((x) => x.name === name);
    return hit ? { id: hit.id, name } : null;
  }
  return { input, list, resolve };
}

/**
 * openRuleDialog({rule?, task?: {id, name}, scope?: 'global'|'task', channels, onSaved})
 * task fixes the scope to that task (the task form); rule edits an existing one.
 */
export function openRuleDialog(o) {
  const rule = o.rule || null;
  const scope = rule ? (rule.task_id === null || rule.task_id === undefined ? 'global' : 'task') : (o.task ? 'task' : o.scope || 'global');
  const fixedTask = o.task || (rule && rule.task_id != null ? { id: rule.task_id, name: rule.task_name } : null);
  const picker = scope === 'task' && !fixedTask ? taskPicker(null) : null;
  const kinds = RULE_KINDS.filter((k) => scope === 'global' || k !== 'scheduler_down');
  const kindSel = h('select', { name: 'kind' }, kinds.map((k) => h('option', { value: k, selected: rule ? rule.kind === k : k === 'on_failure' }, t(`alerts.kind.${k}`))));
  const kindHint = h('div', { class: 'hint' });
  const paramsBox = h('div', { class: 'rule-params' });
  let params = null;
  const showKind = () => {
    params = paramsFields(kindSel.value, rule && rule.kind === kindSel.value ? rule.params : null);
    replace(paramsBox, params.el);
    kindHint.textContent = t(`alerts.kind_hint.${kindSel.value}`);
  };
  kindSel.addEventListener('change', showKind);
  showKind();
  const chosen = new Set(rule ? rule.channels || [] : (o.channels.length === 1 ? [o.channels[0].id] : []));
  const chanBoxes = o.channels.map((c) => {
    const input = h('input', { type: 'checkbox', name: 'channels', value: String(c.id), checked: chosen.has(c.id), id: nextId('rc') });
    return { c, input, el: h('span', { class: 'check' }, input, h('label', { for: input.id }, c.name, ' ', h('span', { class: 'muted small' }, t(`alerts.chan.${c.kind}`)))) };
  });
  const chans = h('fieldset', { class: 'field rule-channels', dataset: { field: 'channels' } }, h('legend', {}, t('alerts.col.channels')),
    chanBoxes.length ? h('div', { class: 'radios' }, chanBoxes.map((b) => b.el)) : h('p', { class: 'muted small' }, t('alerts.f.no_channels')));
  const repeat = num('repeat_every', rule ? rule.repeat_every : 0, { min: 0 });
  const enabled = checkField('enabled', t('alerts.f.enabled'), rule ? rule.enabled : true);
  const silence = h('input', {
    type: 'datetime-local', name: 'silenced_until', id: nextId('r-sil'), value: rule ? isoToLocal(rule.silenced_until) : '',
  });
  const err = h('p', { class: 'form-error', role: 'alert', hidden: true, id: 'rule-error' });
  const scopeText = scope === 'global' ? t('alerts.scope_global') : null;

  const body = h('form', { class: 'rule-form', id: 'rule-form', onsubmit: (e) => e.preventDefault() },
    scopeText ? h('p', { class: 'muted' }, scopeText) : null,
    picker ? labelled('task_id', t('alerts.f.task'), picker.input, t('alerts.f.task_hint')) : null,
    picker ? picker.list : null,
    fixedTask ? h('p', {}, t('alerts.f.for_task'), ' ', h('strong', {}, fixedTask.name || `#${fixedTask.id}`)) : null,
    labelled('kind', t('alerts.col.kind'), kindSel), kindHint, paramsBox, chans,
    labelled('repeat_every', t('alerts.f.repeat'), repeat, t('alerts.f.repeat_hint')),
    enabled.el,
    h('div', { class: 'field', dataset: { field: 'silenced_until' } },
      h('label', { for: silence.id }, t('alerts.f.silenced_until')),
      h('div', { class: 'inline' }, silence,
        SILENCE_HOURS.map((n) => h('button', { type: 'button', class: 'btn btn-small', onclick: () => { silence.value = isoToLocal(hoursFromNow(n)); } }, t('alerts.silence_for', { n }))),
        h('button', { type: 'button', class: 'btn btn-small', onclick: () => { silence.value = ''; } }, t('alerts.f.clear')))),
    err);

  function fail(message) {
    body.querySelectorAll('.field.has-error').forEach((f) => f.classList.remove('has-error'));
    err.textContent = message;
    err.hidden = false;
    const names = [...body.querySelectorAll('[data-field]')].map((f) => f.dataset.field);
    const named = message.replace(/^body\./, '');   // the API names body fields "body.params.time: ..."
    const hit = names.filter((n) => named.startsWith(`${n}:`) || named.startsWith(`${n}[`) || named.startsWith(`${n} `))
      .sort((a, b) => b.length - a.length)[0];
    if (hit) body.querySelector(`[data-field="${hit}"]`).classList.add('has-error');
    return false;
  }

  async function save() {
    err.hidden = true;
    let taskId = null;
    if (fixedTask) taskId = fixedTask.id;
    else if (picker) {
      let found;
      try { found = await picker.resolve(); } catch (e) { return fail(e.detail || String(e)); }
      if (!found) return fail(`task_id: ${t('alerts.err.no_task')}`);
      taskId = found.id;
    }
    const b = {
      task_id: taskId, kind: kindSel.value, enabled: enabled.input.checked, params: params.read(),
      channels: chanBoxes.filter((x) => x.input.checked).map((x) => x.c.id),
      repeat_every: Number(repeat.value || 0), silenced_until: localToIso(silence.value),
    };
    if (!b.channels.length) return fail(`channels: ${t('alerts.err.channels')}`);
    try {
      const saved = rule ? await put(`/alert-rules/${rule.id}`, b) : await post('/alert-rules', b);
      toast(t(rule ? 'alerts.rule_saved' : 'alerts.rule_created', { kind: t(`alerts.kind.${b.kind}`) }), 'ok');
      if (o.onSaved) o.onSaved(saved);
      return true;
    } catch (e) {
      return fail(e.detail || String(e));
    }
  }

  const { dialog } = openDialog(rule ? t('alerts.edit_rule', { id: rule.id }) : t('alerts.add_rule'), body, [
    { label: t('action.cancel'), onclick: () => true },
    { label: rule ? t('action.save') : t('action.create'), kind: 'primary', onclick: save },
  ]);
  dialog.classList.add('dialog-wide');
  (picker ? picker.input : kindSel).focus();
}
