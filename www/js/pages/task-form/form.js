// form.js - what the task form's sections share: the field factory and
// registry (label, input, hint, error under it), the error summary at the top
// of the form, which field an API error names, and a small event bus
// ('type': the task type changed; 'config': the config JSON was edited).
import { h, replace, nextId } from '../../dom.js';
import { t } from '../../i18n.js';
import { showFieldError } from '../../ui.js';

/** Which form field an API error message names (earliest mention wins). */
export function fieldOfDetail(detail, fieldOf) {
  let best = null;
  let at = Infinity;
  for (const name of Object.keys(fieldOf)) {
    const m = new RegExp(`(^|[^a-z_])${name}([^a-z_]|$)`, 'i').exec(detail || '');
    if (m && m.index < at) { at = m.index; best = name; }
  }
  return best ? fieldOf[best] : null;
}

/** The form's shared state; editing: the task id, or null for a new task. */
export function createForm(editing) {
  const fields = {};      // name -> {wrap, input, error}
  const labels = {};      // names that are no field (params) -> label
  const apiFields = {};   // API field name -> the form field that shows its error
  const listeners = {};
  const summary = h('div', { class: 'error-box', role: 'alert', id: 'form-errors', hidden: true });

  const form = {
    editing,
    fields,
    summary,
    config: null,   // {parse, write}: the config JSON editor's, set by config.js

    /** A labelled field: input, optional hint and extra content, and its error line. */
    field(name, label, input, opts = {}) {
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
    },

    /** A field built by its section (wrap, input, error) joins the registry. */
    register(name, f) { fields[name] = f; },
    /** The summary's name for errors that belong to no single field. */
    setLabel(name, label) { labels[name] = label; },
    /** Map API field names to form fields ({api_name: field}). */
    claimApiFields(map) { Object.assign(apiFields, map); },
    fieldOf(detail) { return fieldOfDetail(detail, apiFields); },

    type() { return fields.task_type ? fields.task_type.input.value : ''; },

    on(event, fn) { (listeners[event] = listeners[event] || []).push(fn); },
    emit(event, ...args) { (listeners[event] || []).forEach((fn) => fn(...args)); },

    setError(name, message) {
      const f = fields[name];
      if (!f) return false;
      showFieldError(f, message);
      return true;
    },

    clearErrors() {
      for (const name of Object.keys(fields)) form.setError(name, '');
      summary.hidden = true;
      replace(summary);
    },

    label(name) {
      if (labels[name]) return labels[name];
      const lbl = fields[name] && fields[name].wrap.querySelector('label');
      return lbl ? lbl.textContent.replace(/\s*\*$/, '') : name;
    },

    /** errs: [[field, message, element to focus (optional: the field's input)], ...] */
    showErrors(errs) {
      replace(summary, h('p', {}, t('form.err.summary')), h('ul', {}, errs.map(([f, m, el]) => h('li', {},
        h('a', {
          href: '#',
          onclick: (e) => {
            e.preventDefault();
            if (el) el.focus(); else if (fields[f]) fields[f].input.focus();
          },
        }, `${form.label(f)}: `), m))));
      summary.hidden = false;
      errs.forEach(([f, m]) => {
        form.setError(f, m);
        const d = fields[f] && fields[f].wrap.closest('details');
        if (d) d.open = true;  // an error inside "advanced" must be seen
      });
      const first = errs.find(([f, , el]) => el || fields[f]);
      if (first) (first[2] || fields[first[0]].input).focus();
    },

    /** A message that names no field, in the summary. */
    showMessage(text) {
      replace(summary, h('p', {}, text));
      summary.hidden = false;
      summary.focus();
    },
  };
  summary.tabIndex = -1;
  return form;
}
