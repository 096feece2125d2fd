// params.js - a task's declared parameters (config.params): the rules a
// declaration and a value must follow (the API's, checked in the browser
// first), and how a run's params and a task's env are shown. The "Trigger
// with parameters…" dialog is trigger-dialog.js.
import { h } from './dom.js';
import { t } from './i18n.js';
import { auth } from './api.js';

export const PARAM_TYPES = ['string', 'int', 'bool', 'date', 'enum'];
export const PARAM_NAME_RE = /^[a-z][a-z0-9_]{0,31}$/;
export const MAX_PARAMS = 32;
// The API's limits (db/core/taskcfg.c).
export const STRING_DEFAULT_LENGTH = 256;
const STRING_MAX_LENGTH = 4096;
const PATTERN_MAX = 512;
const DESCRIPTION_MAX = 1000;
const ENUM_VALUES_MAX = 100;
const ENUM_VALUE_MAX = 256;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
// Which optional spec fields each type takes.
const TYPE_FIELDS = { string: ['pattern', 'max_length'], int: ['min', 'max'], bool: [], date: [], enum: ['values'] };
const COMMON_FIELDS = ['type', 'description', 'default', 'required'];

/** The task's config as an object (the API sends one; tolerate a JSON string). */
export function configOf(task) {
  let cfg = task && task.config;
  if (typeof cfg === 'string') {
    try { cfg = JSON.parse(cfg); } catch (e) { cfg = null; }
  }
  return cfg && typeof cfg === 'object' && !Array.isArray(cfg) ? cfg : {};
}

/** [[name, spec], ...] in declaration order (empty when none are declared). */
export function paramsOf(task) {
  const p = configOf(task).params;
  if (!p || typeof p !== 'object' || Array.isArray(p)) return [];
  return Object.entries(p).filter(([, s]) => s && typeof s === 'object');
}

export function hasParams(task) {
  return paramsOf(task).length > 0;
}

export function hasDefault(spec) {
  return spec.default !== undefined && spec.default !== null;
}

/** required defaults to true when there is no default. */
export function isRequired(spec) {
  return typeof spec.required === 'boolean' ? spec.required : !hasDefault(spec);
}

/** True when a plain trigger (no params) cannot work: a required param has no default. */
export function needsInput(task) {
  return paramsOf(task).some(([, s]) => isRequired(s) && !hasDefault(s));
}

export function isValidDate(s) {
  const m = DATE_RE.exec(String(s));
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= days[mo - 1];
}

/**
 * A pattern (POSIX extended, as the API compiles it) as a RegExp with the
 * same search semantics as regexec, or null when JavaScript cannot compile
 * it. `posixOnly` is true for patterns whose POSIX meaning JavaScript does
 * not share ([[:digit:]] classes): those are left to the API.
 */
export function compilePattern(p) {
  try { return new RegExp(p); } catch (e) { return null; }
}
export const posixOnly = (p) => /\[[:=.]/.test(p);

export const isInt = (v) => typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER;
const codePoints = (s) => [...s].length;
const hasControl = (s) => /[\u0000-\u001f\u007f]/.test(s);

/**
 * What is wrong with a value for a param (null when it is fine). `value` is
 * typed: string for string/date/enum, number for int, boolean for bool.
 */
export function valueProblem(spec, value) {
  switch (spec.type) {
  case 'string': {
    if (typeof value !== 'string') return t('param.err.string');
    const most = isInt(spec.max_length) ? spec.max_length : STRING_DEFAULT_LENGTH;
    if (codePoints(value) > most) return t('param.err.too_long', { n: most });
    if (hasControl(value)) return t('param.err.control');
    if (typeof spec.pattern === 'string' && !posixOnly(spec.pattern)) {
      const re = compilePattern(spec.pattern);
      if (re && !re.test(value)) return t('param.err.pattern', { pattern: spec.pattern });
    }
    return null;
  }
  case 'int':
    if (!isInt(value)) return t('param.err.int');
    if (isInt(spec.min) && value < spec.min) return t('param.err.min', { n: spec.min });
    if (isInt(spec.max) && value > spec.max) return t('param.err.max', { n: spec.max });
    return null;
  case 'bool':
    return typeof value === 'boolean' ? null : t('param.err.bool');
  case 'date':
    return typeof value === 'string' && isValidDate(value) ? null : t('param.err.date');
  case 'enum':
    return Array.isArray(spec.values) && spec.values.includes(value) ? null
      : t('param.err.enum', { values: (spec.values || []).join(', ') });
  default:
    return null;
  }
}

/**
 * Problems of a list of declarations [[name, spec], ...]:
 * [{index, name, field, message}] (field: name, type, description, default,
 * required, pattern, max_length, min, max, values). Mirrors the API's checks.
 */
export function specProblems(entries) {
  const out = [];
  const add = (index, name, field, message) => out.push({ index, name, field, message });
  if (entries.length > MAX_PARAMS) add(MAX_PARAMS, entries[MAX_PARAMS][0], 'name', t('param.err.too_many', { n: MAX_PARAMS }));
  const seen = new Set();
  entries.forEach(([name, spec], i) => {
    if (!PARAM_NAME_RE.test(name || '')) add(i, name, 'name', name ? t('param.err.name') : t('form.err.required'));
    else if (seen.has(name)) add(i, name, 'name', t('param.err.duplicate'));
    seen.add(name);
    if (!spec || typeof spec !== 'object' || Array.isArray(spec)) {
      add(i, name, 'type', t('param.err.spec_object'));
      return;
    }
    if (!PARAM_TYPES.includes(spec.type)) {
      add(i, name, 'type', t('param.err.type', { types: PARAM_TYPES.join(', ') }));
      return;
    }
    const allowed = new Set([...COMMON_FIELDS, ...TYPE_FIELDS[spec.type]]);
    const known = new Set([...COMMON_FIELDS, ...Object.values(TYPE_FIELDS).flat()]);
    for (const k of Object.keys(spec)) {
      if (!known.has(k)) add(i, name, k, t('param.err.unknown_field', { field: k }));
      else if (!allowed.has(k)) add(i, name, k, t('param.err.not_for_type', { field: k, type: spec.type }));
    }
    if (spec.description !== undefined && (typeof spec.description !== 'string' || codePoints(spec.description) > DESCRIPTION_MAX)) {
      add(i, name, 'description', t('param.err.text_max', { n: DESCRIPTION_MAX }));
    }
    if (spec.required !== undefined && typeof spec.required !== 'boolean') add(i, name, 'required', t('param.err.bool'));
    if (spec.type === 'string') {
      if (spec.pattern !== undefined && (typeof spec.pattern !== 'string' || !spec.pattern ||
          codePoints(spec.pattern) > PATTERN_MAX || (!posixOnly(spec.pattern) && !compilePattern(spec.pattern)))) {
        add(i, name, 'pattern', t('param.err.regex'));
      }
      if (spec.max_length !== undefined && !(isInt(spec.max_length) && spec.max_length >= 1 && spec.max_length <= STRING_MAX_LENGTH)) {
        add(i, name, 'max_length', t('param.err.range', { lo: 1, hi: STRING_MAX_LENGTH }));
      }
    }
    if (spec.type === 'int') {
      if (spec.min !== undefined && !isInt(spec.min)) add(i, name, 'min', t('param.err.int'));
      if (spec.max !== undefined && !isInt(spec.max)) add(i, name, 'max', t('param.err.int'));
      if (isInt(spec.min) && isInt(spec.max) && spec.min > spec.max) add(i, name, 'max', t('param.err.min_max'));
    }
    if (spec.type === 'enum') {
      const v = spec.values;
      if (!Array.isArray(v) || !v.length || v.length > ENUM_VALUES_MAX) add(i, name, 'values', t('param.err.values', { n: ENUM_VALUES_MAX }));
      else if (v.some((x) => typeof x !== 'string' || !x || codePoints(x) > ENUM_VALUE_MAX || hasControl(x))) {
        add(i, name, 'values', t('param.err.value_text', { n: ENUM_VALUE_MAX }));
      }
      else if (new Set(v).size !== v.length) add(i, name, 'values', t('param.err.values_dup'));
    }
    if (hasDefault(spec) && !out.some((p) => p.index === i && p.field !== 'default' && p.field !== 'description')) {
      const p = valueProblem(spec, spec.default);
      if (p) add(i, name, 'default', p);
    }
  });
  return out;
}

/** "params.NAME: ..." / "config.params.NAME.FIELD: ..." -> {name, field} (either may be null). */
export function paramOfDetail(detail, prefix = 'params') {
  const re = new RegExp(`(?:^|[^a-z_.])${prefix.replace('.', '\\.')}(?:\\.([a-z][a-z0-9_]*))?(?:\\.([a-z_]+))?`);
  const m = re.exec(detail || '');
  return m ? { name: m[1] || null, field: m[2] || null } : null;
}

// ---- shown on pages ---------------------------------------------------------------
/** A run's params as "name = value" items (null when the run has none). */
export function paramsInline(params) {
  if (!params || typeof params !== 'object') return null;
  const entries = Object.entries(params);
  if (!entries.length) return null;
  return h('ul', { class: 'param-values' }, entries.map(([k, v]) => h('li', { dataset: { param: k } },
    h('code', { class: 'param-name' }, k), ' = ',
    h('code', { class: 'param-value' }, typeof v === 'string' ? v : JSON.stringify(v)))));
}

const MASK = '••••••';

/**
 * A read-only view of a task's config for every role: command, work dir, env
 * (values masked for non-admins: the API sends them as "***"), declared params.
 */
export function taskConfigView(task) {
  const cfg = configOf(task);
  const admin = auth.can('admin');
  const rows = [];
  const kv = (k, v) => rows.push(h('dt', {}, k), h('dd', {}, v));
  if (typeof cfg.command === 'string') kv(t('param.view.command'), h('pre', { class: 'json cmd', id: 'cfg-command' }, cfg.command));
  if (typeof cfg.work_dir === 'string') kv(t('param.view.work_dir'), h('code', {}, cfg.work_dir));
  const env = cfg.env && typeof cfg.env === 'object' ? Object.entries(cfg.env) : [];
  if (env.length) {
    kv(t('param.view.env'), h('ul', { class: 'env-list', id: 'cfg-env' }, env.map(([k, v]) => {
      const masked = !admin || v === '***';
      return h('li', { dataset: { env: k, masked: masked ? '1' : '0' } }, h('code', {}, k), ' = ',
        masked ? h('span', { class: 'masked', title: t('param.view.env_masked') }, MASK,
          h('span', { class: 'sr-only' }, ` ${t('param.view.env_masked')}`))
          : h('code', {}, String(v)));
    })));
  }
  const params = paramsOf(task);
  if (params.length) {
    kv(t('param.title'), h('table', { class: 'grid params-table', id: 'cfg-params' },
      h('thead', {}, h('tr', {}, ['param.name', 'param.type', 'param.default', 'param.required', 'param.description']
        .map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, params.map(([name, s]) => h('tr', { dataset: { param: name } },
        h('td', {}, h('code', {}, name)),
        h('td', {}, typeDescription(s)),
        h('td', {}, hasDefault(s) ? h('code', {}, String(s.default)) : '—'),
        h('td', {}, isRequired(s) ? t('param.yes') : t('param.no')),
        h('td', {}, s.description || ''))))));
  }
  if (!rows.length) return null;
  return h('dl', { class: 'kv task-config' }, rows);
}

function typeDescription(s) {
  const bits = [t(`param.type.${PARAM_TYPES.includes(s.type) ? s.type : 'string'}`)];
  if (s.type === 'string' && s.pattern) bits.push(t('param.desc.pattern', { pattern: s.pattern }));
  if (s.type === 'string' && s.max_length) bits.push(t('param.desc.max_length', { n: s.max_length }));
  if (s.type === 'int' && (s.min !== undefined || s.max !== undefined)) {
    bits.push(`${s.min ?? '−∞'} … ${s.max ?? '∞'}`);
  }
  if (s.type === 'enum' && Array.isArray(s.values)) bits.push(s.values.join(' | '));
  return bits.join(' · ');
}
