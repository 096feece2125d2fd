// params-editor.js - declare a task's parameters (config.params) without
// typing JSON: add / remove, name, type, description, default, required and
// the type's own fields (pattern and max length, min / max, values). Checked
// in the browser with the API's rules; kept in sync with the config JSON by
// the form (onChange gives the params object, setParams takes one).
import { h, nextId, rerenderKeepingFocus } from './dom.js';
import { t } from './i18n.js';
import { showFieldError } from './ui.js';
import { PARAM_TYPES, MAX_PARAMS, specProblems } from './params.js';
import { newRow as newRowOf, valuesOf, specOf, effectiveRequired } from './params-rows.js';

export function createParamsEditor({ onChange }) {
  let rows = [];
  let keySeq = 0;
  let showAll = false;
  const touched = new Set();     // "key.field" the user has left
  const apiErrors = new Map();   // "key.field" -> message from the API
  let refs = new Map();          // key -> {field: {input, error}, rowError, required}

  const listBox = h('div', { class: 'params-rows' });
  const status = h('div', { class: 'params-status muted', id: 'params-status', 'aria-live': 'polite' });
  const addBtn = h('button', { type: 'button', class: 'btn', id: 'param-add', onclick: () => add() }, t('param.add'));
  const el = h('fieldset', { class: 'params-editor', id: 'params-editor' },
    h('legend', {}, t('param.title')),
    h('p', { class: 'hint' }, t('param.intro')),
    listBox,
    h('div', { class: 'btn-row' }, addBtn, status));

  function newRow(name, spec) {
    keySeq += 1;
    return newRowOf(`p${keySeq}`, name, spec);
  }

  function entries() {
    return rows.map((r) => [r.name.trim(), specOf(r)]);
  }

  /** The params object for config.params (null when none are declared). */
  function params() {
    if (!rows.length) return null;
    const out = {};
    for (const [name, spec] of entries()) if (name) out[name] = spec;
    return out;
  }

  function problems() {
    return specProblems(entries()).map((p) => ({ ...p, key: rows[p.index] ? rows[p.index].key : null }));
  }

  function changed({ redraw = false } = {}) {
    if (redraw) draw();
    showProblems();
    updateStatus();
    onChange(params());
  }

  function updateStatus() {
    status.textContent = t('param.count', { n: rows.length, max: MAX_PARAMS });
    addBtn.disabled = rows.length >= MAX_PARAMS;
    for (const r of rows) {
      const ref = refs.get(r.key);
      if (ref && ref.required) ref.required.checked = effectiveRequired(r);
    }
  }

  function showProblems() {
    const list = problems();
    for (const [key, ref] of refs) {
      const msgs = new Map();
      for (const p of list) {
        if (p.key !== key) continue;
        const id = `${key}.${p.field}`;
        if (!showAll && !touched.has(id)) continue;
        if (!msgs.has(p.field)) msgs.set(p.field, p.message);
      }
      for (const [id, m] of apiErrors) if (id.startsWith(`${key}.`)) msgs.set(id.slice(key.length + 1), m);
      const rowMsgs = [];
      for (const [field, f] of Object.entries(ref.field)) {
        showFieldError(f, msgs.get(field) || '');
        msgs.delete(field);
      }
      for (const [field, m] of msgs) rowMsgs.push(`${field}: ${m}`);
      ref.rowError.textContent = rowMsgs.join(' ');
      ref.rowError.hidden = !rowMsgs.length;
    }
    return list;
  }

  function add() {
    if (rows.length >= MAX_PARAMS) return;
    const r = newRow();
    rows.push(r);
    changed({ redraw: true });
    const ref = refs.get(r.key);
    if (ref) ref.field.name.input.focus();
  }

  function remove(r) {
    rows = rows.filter((x) => x !== r);
    for (const id of [...apiErrors.keys()]) if (id.startsWith(`${r.key}.`)) apiErrors.delete(id);
    changed({ redraw: true });
    addBtn.focus();
  }

  // ---- drawing ---------------------------------------------------------------------
  function rowEl(r, index) {
    const ref = { field: {}, rowError: null, required: null };
    refs.set(r.key, ref);
    const fk = (f) => `${r.key}-${f}`;
    const edited = (field, opts) => () => {
      apiErrors.delete(`${r.key}.${field}`);
      changed(opts);
    };
    const leave = (field) => () => { touched.add(`${r.key}.${field}`); showProblems(); };

    function fieldEl(field, label, input, cls) {
      const id = nextId(`pe-${field}`);
      input.id = id;
      input.dataset.pfield = field;
      input.dataset.focusKey = fk(field);
      const error = h('div', { class: 'field-error', id: `${id}-err`, hidden: true });
      input.setAttribute('aria-describedby', error.id);
      const wrap = h('div', { class: ['field', cls] }, h('label', { for: id }, label), input, error);
      ref.field[field] = { input, error, wrap };
      return wrap;
    }

    const text = (field, attrs = {}) => h('input', {
      type: 'text', autocomplete: 'off', spellcheck: 'false', value: r[field], ...attrs,
      oninput: (e) => { r[field] = e.target.value; edited(field)(); },
      onchange: leave(field),
    });
    const number = (field) => h('input', {
      type: 'number', step: 1, class: 'short', value: r[field],
      oninput: (e) => { r[field] = e.target.value; edited(field)(); },
      onchange: leave(field),
    });

    const types = PARAM_TYPES.includes(r.type) ? PARAM_TYPES : [...PARAM_TYPES, r.type];
    const typeSel = h('select', {
      onchange: (e) => {
        r.type = e.target.value;
        r.default = '';  // a default of the old type means nothing in the new one
        touched.add(`${r.key}.type`);
        edited('type', { redraw: true })();
      },
    }, types.map((x) => h('option', { value: x, selected: x === r.type },
      PARAM_TYPES.includes(x) ? t(`param.type.${x}`) : x)));

    let dflt;
    if (r.type === 'bool' || r.type === 'enum') {
      const opts = r.type === 'bool' ? ['true', 'false'] : valuesOf(r).filter(Boolean);
      if (r.default !== '' && !opts.includes(r.default)) opts.push(r.default);
      dflt = h('select', {
        onchange: (e) => { r.default = e.target.value; touched.add(`${r.key}.default`); edited('default')(); },
      }, h('option', { value: '' }, t('param.no_default')),
      opts.map((v) => h('option', { value: v, selected: v === r.default },
        r.type === 'bool' ? t(`param.bool.${v}`) : v)));
    } else if (r.type === 'int') {
      dflt = number('default');
    } else if (r.type === 'date') {
      dflt = h('input', {
        type: 'date', value: r.default,
        oninput: (e) => { r.default = e.target.value; edited('default')(); },
        onchange: (e) => { r.default = e.target.value; leave('default')(); edited('default')(); },
      });
    } else {
      dflt = text('default');
    }

    const reqId = nextId('pe-req');
    const reqBox = h('input', {
      type: 'checkbox', id: reqId, checked: effectiveRequired(r), dataset: { pfield: 'required', focusKey: fk('required') },
      onchange: (e) => { r.required = e.target.checked; edited('required')(); },
    });
    ref.required = reqBox;

    const specific = [];
    if (r.type === 'string') {
      specific.push(fieldEl('pattern', t('param.pattern'), text('pattern', { class: 'mono', placeholder: '^[0-9]{6}$' }), 'grow'));
      specific.push(fieldEl('max_length', t('param.max_length'), number('max_length')));
    } else if (r.type === 'int') {
      specific.push(fieldEl('min', t('param.min'), number('min')));
      specific.push(fieldEl('max', t('param.max'), number('max')));
    } else if (r.type === 'enum') {
      const values = text('values', { placeholder: 'a, b, c' });
      // The default's choices follow the values once the user leaves the field.
      values.addEventListener('change', () => draw());
      specific.push(fieldEl('values', t('param.values'), values, 'grow'));
    }

    ref.rowError = h('div', { class: 'field-error param-row-error', hidden: true });
    const title = r.name.trim() || t('param.unnamed', { n: index + 1 });
    return h('fieldset', { class: 'param-row', dataset: { prow: index, key: r.key } },
      h('legend', { class: 'sr-only' }, t('param.row', { n: index + 1 })),
      h('div', { class: 'row wrap' },
        fieldEl('name', t('param.name'), text('name', { maxlength: 32, class: 'mono', placeholder: 'ts_code' })),
        fieldEl('type', t('param.type'), typeSel),
        fieldEl('default', t('param.default'), dflt),
        h('div', { class: 'field end' }, h('span', { class: 'check' }, reqBox, h('label', { for: reqId }, t('param.required')))),
        h('div', { class: 'field end' }, h('button', {
          type: 'button', class: 'btn btn-small btn-danger', dataset: { action: 'remove-param', focusKey: fk('remove') },
          'aria-label': t('param.remove', { name: title }), onclick: () => remove(r),
        }, t('action.remove')))),
      h('div', { class: 'row wrap' },
        fieldEl('description', t('param.description'), text('description'), 'grow'),
        specific),
      ref.rowError);
  }

  function draw() {
    refs = new Map();
    rerenderKeepingFocus(listBox, () => (rows.length ? rows.map(rowEl)
      : h('p', { class: 'muted', id: 'params-none' }, t('param.none'))));
    showProblems();
    updateStatus();
  }

  /** Show the rows of a params object (from the config JSON). */
  function setParams(p) {
    const list = p && typeof p === 'object' && !Array.isArray(p) ? Object.entries(p) : [];
    // Keep the row keys (and so what the user touched) of rows that are still there by position.
    const old = rows;
    rows = list.map(([name, spec], i) => {
      const r = newRow(name, spec && typeof spec === 'object' ? spec : {});
      if (old[i]) r.key = old[i].key;
      return r;
    });
    apiErrors.clear();
    draw();
  }

  /** Every problem shown (submit), returned as [{index, name, field, message, focus}]. */
  function validate() {
    showAll = true;
    const list = showProblems();
    return list.map((p) => {
      const ref = refs.get(p.key);
      const f = ref && (ref.field[p.field] || ref.field.name);
      return { ...p, focus: f ? f.input : null };
    });
  }

  /** An API error "config.params.NAME.FIELD: ..." shown at that field; the element to focus. */
  function showApiError(name, field, message) {
    const r = rows.find((x) => x.name.trim() === name) || (name ? null : rows[0]);
    if (!r) return null;
    const ref = refs.get(r.key);
    const f = ref && ref.field[field] ? field : 'name';
    apiErrors.set(`${r.key}.${f}`, message);
    showProblems();
    return ref ? ref.field[f].input : null;
  }

  draw();
  return { el, setParams, params, validate, showApiError, dispose() {} };
}
