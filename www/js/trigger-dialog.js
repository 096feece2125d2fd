// trigger-dialog.js - "Trigger with parameters…": a dialog with one input
// per declared param (defaults filled in, required marked, descriptions
// shown), checked with params.js's rules before anything is sent; the API's
// 400 is shown in it. Also the trigger buttons of a task row or page header.
import { h, nextId, replace } from './dom.js';
import { t } from './i18n.js';
import { post } from './api.js';
import { openDialog, toast, toastError, showFieldError } from './ui.js';
import {
  PARAM_TYPES, STRING_DEFAULT_LENGTH, posixOnly, isInt, isRequired, hasDefault, hasParams, needsInput,
  paramsOf, valueProblem, paramOfDetail,
} from './params.js';

// ---- "Trigger with parameters…" --------------------------------------------------------
/** An input for one param; returns {el, input, read(): {value}|{error}, setError}. */
function paramInput(name, spec) {
  const id = nextId('tp');
  const required = isRequired(spec) && !hasDefault(spec);
  const dflt = hasDefault(spec) ? spec.default : undefined;
  let input;
  switch (spec.type) {
  case 'int':
    input = h('input', {
      type: 'number', step: 1, min: isInt(spec.min) ? spec.min : null, max: isInt(spec.max) ? spec.max : null,
      value: dflt !== undefined ? String(dflt) : '',
    });
    break;
  case 'bool':
    input = h('input', { type: 'checkbox', checked: dflt === true });
    break;
  case 'date':
    input = h('input', { type: 'date', value: typeof dflt === 'string' ? dflt : '' });
    break;
  case 'enum':
    input = h('select', {},
      required && dflt === undefined ? h('option', { value: '' }, t('param.pick')) : null,
      !required && dflt === undefined ? h('option', { value: '' }, '—') : null,
      (Array.isArray(spec.values) ? spec.values : []).map((v) => h('option', { value: String(v), selected: v === dflt }, String(v))));
    break;
  default: {
    const attrs = { type: 'text', autocomplete: 'off', spellcheck: 'false', value: typeof dflt === 'string' ? dflt : '' };
    attrs.maxlength = isInt(spec.max_length) ? spec.max_length : STRING_DEFAULT_LENGTH;
    // The HTML pattern matches the whole value; the API searches. They agree
    // for an anchored pattern, which is the only kind put on the element.
    if (typeof spec.pattern === 'string' && /^\^.*\$$/.test(spec.pattern) && !posixOnly(spec.pattern)) {
      try { new RegExp(spec.pattern, 'v'); attrs.pattern = spec.pattern; } catch (e) { /* the check below still runs */ }
    }
    input = h('input', attrs);
  }
  }
  input.id = id;
  input.name = `param-${name}`;
  input.dataset.param = name;
  if (required) { input.required = true; input.setAttribute('aria-required', 'true'); }
  const error = h('div', { class: 'field-error', id: `${id}-err`, hidden: true });
  const hintText = [spec.description || '', spec.type === 'string' && spec.pattern ? t('param.desc.pattern', { pattern: spec.pattern }) : '']
    .filter(Boolean).join(' · ');
  const hint = hintText ? h('div', { class: 'hint', id: `${id}-hint` }, hintText) : null;
  input.setAttribute('aria-describedby', [hint && hint.id, error.id].filter(Boolean).join(' '));
  const label = h('label', { for: id }, h('code', {}, name),
    h('span', { class: 'muted small' }, ` (${t(`param.type.${PARAM_TYPES.includes(spec.type) ? spec.type : 'string'}`)})`),
    required ? h('span', { class: 'req', title: t('param.required') }, ' *') : null);
  const el = h('div', { class: ['field', spec.type === 'bool' ? 'field-check' : null], dataset: { param: name } },
    spec.type === 'bool' ? h('span', { class: 'check' }, input, label) : [label, input], hint, error);

  const setError = (msg) => showFieldError({ wrap: el, input, error }, msg);

  /** {value} to send, {} to leave out (the API fills the default), or {error}. */
  function read() {
    let v;
    if (spec.type === 'bool') v = input.checked;
    else if (spec.type === 'int') {
      const s = input.value.trim();
      if (s === '') v = undefined;
      else if (!/^-?\d+$/.test(s) || input.validity.badInput) return { error: t('param.err.int') };
      else v = Number(s);
      if (input.validity.badInput) return { error: t('param.err.int') };
    } else v = input.value === '' ? undefined : input.value;
    if (v === undefined) return isRequired(spec) && !hasDefault(spec) ? { error: t('form.err.required') } : {};
    const p = valueProblem(spec, v);
    return p ? { error: p } : { value: v };
  }

  return { el, input, read, setError };
}

/** The run's business date (optional: the API's default is today, or the last business day before it). */
function bizDateInput(task) {
  const input = h('input', { type: 'date', name: 'business_date', id: 'trigger-business-date' });
  const error = h('div', { class: 'field-error', id: 'trigger-business-date-err', hidden: true });
  const el = h('div', { class: 'field', dataset: { field: 'business_date' } },
    h('label', { for: input.id }, t('col.business_date')), input,
    h('div', { class: 'hint' }, task.calendar ? t('cal.biz_hint_cal', { cal: task.calendar }) : t('cal.biz_hint')), error);
  return { el, input, setError: (msg) => showFieldError({ wrap: el, input, error }, msg) };
}

/**
 * The dialog: one input per param (defaults filled in, required marked,
 * descriptions shown), checked before it is sent; the API's 400 is shown in
 * it. Resolves with the trigger's answer, or null when nothing was started.
 */
export function openTriggerDialog(task) {
  return new Promise((resolve) => {
    const params = paramsOf(task);
    const inputs = params.map(([name, spec]) => [name, paramInput(name, spec)]);
    const apiError = h('div', { class: 'error-box', role: 'alert', id: 'trigger-error', hidden: true });
    const biz = bizDateInput(task);
    let busy = false;
    let done = false;
    const form = h('form', { class: 'trigger-form', id: 'trigger-form', novalidate: true },
      h('p', { class: 'muted' }, t('param.dialog_intro')),
      apiError, inputs.map(([, x]) => x.el), biz.el);

    async function submit(close) {
      if (busy) return false;
      apiError.hidden = true;
      const values = {};
      let first = null;
      for (const [name, x] of inputs) {
        const r = x.read();
        x.setError(r.error || '');
        if (r.error && !first) first = x.input;
        if (r.value !== undefined) values[name] = r.value;
      }
      if (first) { first.focus(); return false; }
      busy = true;
      try {
        const body = { params: values };
        if (biz.input.value) body.business_date = biz.input.value;
        const res = await post(`/scheduler/tasks/${task.id}/trigger`, body);
        toast(t('task.triggered', { name: task.name, id: res && res.execution_id != null ? res.execution_id : '?' }), 'ok');
        done = true;
        resolve(res);
        close();
        return true;
      } catch (e) {
        if (e.status === 400) {
          replace(apiError, e.detail || String(e));
          apiError.hidden = false;
          const which = paramOfDetail(e.detail);
          const hit = which && which.name && inputs.find(([n]) => n === which.name);
          if (hit) { hit[1].setError(e.detail); hit[1].input.focus(); } else if (/business_date/.test(e.detail || '')) { biz.setError(e.detail); biz.input.focus(); }
          return false;
        }
        toastError(e, t('action.trigger'));
        close();
        return true;
      } finally {
        busy = false;
      }
    }

    const { dialog, close } = openDialog(t('param.dialog_title', { name: task.name }), form, [
      { label: t('action.cancel'), onclick: () => true },
      { label: t('action.trigger'), kind: 'primary', onclick: (c) => submit(c).then(() => false) },
    ]);
    dialog.classList.add('trigger-dialog');
    dialog.id = 'trigger-dialog';
    form.addEventListener('submit', (e) => { e.preventDefault(); submit(close); });
    // Enter in a text field submits (the form has no submit button of its own).
    form.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && e.target.tagName === 'INPUT' && e.target.type !== 'checkbox') {
        e.preventDefault();
        submit(close);
      }
    });
    dialog.addEventListener('close', () => { if (!done) resolve(null); });
    const firstIn = inputs.length ? inputs[0][1].input : null;
    if (firstIn) firstIn.focus();
  });
}

/** Row / header buttons for triggering: plain (unless a param needs a value) and "with parameters…". */
export function triggerButtons(task, { onTriggered, plain, withParams }) {
  const out = [];
  if (!needsInput(task)) out.push(plain());
  if (hasParams(task) || task.calendar) {
    out.push(withParams(async () => {
      const res = await openTriggerDialog(task);
      if (res && onTriggered) onTriggered(res);
    }));
  }
  return out;
}
