// params-rows.js - the params editor's rows (params-editor.js) as data:
// a declaration read into a row of input texts, and a row turned back into
// the declaration it stands for. Pure: no DOM.

const KNOWN = new Set(['type', 'description', 'default', 'required', 'pattern', 'max_length', 'min', 'max', 'values']);

const intOrText = (s) => (/^-?\d+$/.test(String(s).trim()) ? Number(String(s).trim()) : String(s));

function textOf(v) {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** A row of the editor (every field as its input's text) for one declaration. */
export function newRow(key, name = '', spec = { type: 'string' }) {
  const extra = {};
  for (const [k, v] of Object.entries(spec || {})) if (!KNOWN.has(k)) extra[k] = v;
  return {
    key,
    name: String(name),
    type: typeof spec.type === 'string' ? spec.type : 'string',
    description: textOf(spec.description),
    default: textOf(spec.default),
    required: typeof spec.required === 'boolean' ? spec.required : null,
    pattern: textOf(spec.pattern),
    max_length: textOf(spec.max_length),
    min: textOf(spec.min),
    max: textOf(spec.max),
    values: Array.isArray(spec.values) ? spec.values.join(', ') : textOf(spec.values),
    extra,
  };
}

export function defaultOf(r) {
  if (r.default === '') return undefined;
  if (r.type === 'int') return intOrText(r.default);
  if (r.type === 'bool') return r.default === 'true' ? true : r.default === 'false' ? false : r.default;
  return r.default;
}

export function valuesOf(r) {
  return r.values.trim() === '' ? [] : r.values.split(',').map((x) => x.trim());
}

/** The declaration a row stands for (only its type's fields). */
export function specOf(r) {
  const s = { type: r.type };
  if (r.description.trim()) s.description = r.description.trim();
  const d = defaultOf(r);
  if (d !== undefined) s.default = d;
  if (r.type === 'string') {
    if (r.pattern !== '') s.pattern = r.pattern;
    if (r.max_length.trim() !== '') s.max_length = intOrText(r.max_length);
  } else if (r.type === 'int') {
    if (r.min.trim() !== '') s.min = intOrText(r.min);
    if (r.max.trim() !== '') s.max = intOrText(r.max);
  } else if (r.type === 'enum') {
    s.values = valuesOf(r);
  }
  // Only when it differs from what it defaults to (required unless there is a default).
  if (r.required !== null && r.required !== (d === undefined)) s.required = r.required;
  return { ...s, ...r.extra };
}

export function effectiveRequired(r) {
  return r.required !== null ? r.required : defaultOf(r) === undefined;
}
