// channel-form.js - the dialog that adds or edits an alert channel (admin):
// name, kind, language, enabled, and the kind's settings. Secrets (signing
// secret, SMTP password, robot URLs with their token) are write-only: a
// stored one shows as "***", and "***" sent back keeps it; emptied, it goes.
import { h, nextId, replace } from '../../dom.js';
import { t } from '../../i18n.js';
import { post, put } from '../../api.js';
import { openDialog, toast } from '../../ui.js';
import { CHANNEL_KINDS } from '../../alerts-common.js';

const MASK = '***';
const URL_FIELD = { key: 'url', type: 'url', required: true };
const SECRET_URL = { key: 'url', type: 'url', secret: true, required: true };
const SIGN = { key: 'secret', type: 'password', secret: true };
// per kind: the config keys in order
const FIELDS = {
  webhook: [URL_FIELD, SIGN, { key: 'headers', type: 'headers' }],
  dingtalk: [SECRET_URL, SIGN],
  wecom: [SECRET_URL],
  feishu: [SECRET_URL, SIGN],
  slack: [SECRET_URL],
  email: [
    { key: 'smtp_url', type: 'text', required: true, placeholder: 'smtp://mail.example.com:587' },
    { key: 'tls', type: 'tls' }, { key: 'username', type: 'text' },
    { key: 'password', type: 'password', secret: true },
    { key: 'from', type: 'text', required: true, placeholder: 'zq@example.com' },
    { key: 'to', type: 'list', required: true, placeholder: 'ops@example.com' },
  ],
};
const TLS = ['', 'starttls', 'tls', 'none'];

function headersText(hd) {
  return Object.entries(hd || {}).map(([k, v]) => `${k}: ${v}`).join('\n');
}

/** "Name: value" lines -> {Name: value}; a line without ':' -> an error naming it. */
function parseHeaders(text) {
  const out = {};
  for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const i = line.indexOf(':');
    if (i <= 0) return { error: t('alerts.err.header', { line }) };
    out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return { value: out };
}

/** One config input: {el, read() -> [value, error]} (value undefined: leave the key out). */
function configInput(f, cfg) {
  const id = nextId(`ch-${f.key}`);
  const stored = cfg[f.key];
  let input;
  if (f.type === 'headers') {
    input = h('textarea', { id, name: 'config.headers', rows: 3, class: 'mono', placeholder: 'X-Team: ops', value: headersText(stored) });
  } else if (f.type === 'list') {
    input = h('input', { id, name: `config.${f.key}`, placeholder: f.placeholder, value: (stored || []).join(', ') });
  } else if (f.type === 'tls') {
    input = h('select', { id, name: 'config.tls' }, TLS.map((v) => h('option', { value: v, selected: (stored || '') === v }, t(`alerts.tls.${v || 'auto'}`))));
  } else {
    input = h('input', {
      id, name: `config.${f.key}`, type: f.type === 'password' ? 'password' : 'text', autocomplete: f.secret ? 'new-password' : 'off',
      placeholder: f.placeholder || (f.type === 'url' ? 'https://' : ''), value: stored === undefined || stored === null ? '' : String(stored),
    });
  }
  let hint = null;
  if (f.secret) {
    if (stored === MASK) hint = cfg.url_host ? t('alerts.secret_kept_host', { host: cfg.url_host }) : t('alerts.secret_kept');
    else hint = t(f.key === 'url' ? 'alerts.url_secret' : 'alerts.secret_hint');
  } else if (f.type === 'headers') hint = t('alerts.headers_hint');
  else if (f.type === 'list') hint = t('alerts.to_hint');
  const el = h('div', { class: ['field', f.type === 'headers' || f.type === 'url' ? 'grow' : null], dataset: { field: `config.${f.key}` } },
    h('label', { for: id }, t(`alerts.cfg.${f.key}`), f.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
    input, hint ? h('div', { class: 'hint' }, hint) : null);
  function read() {
    const v = input.value.trim();
    if (f.type === 'headers') {
      const r = parseHeaders(input.value);
      return r.error ? [undefined, r.error] : [Object.keys(r.value).length ? r.value : undefined];
    }
    if (f.type === 'list') return [v ? v.split(/[\s,;]+/).filter(Boolean) : undefined];
    if (v === '') return [undefined, f.required ? t('alerts.err.required') : null];
    return [v];
  }
  return { el, read, key: f.key };
}

/** openChannelDialog({channel?, onSaved(channel)}) */
export function openChannelDialog(o) {
  const ch = o.channel || null;
  const nameIn = h('input', { name: 'name', id: nextId('ch'), value: ch ? ch.name : '', maxlength: 128, autocomplete: 'off', required: true });
  const kindSel = h('select', { name: 'kind', id: nextId('ch'), disabled: !!ch },
    CHANNEL_KINDS.map((k) => h('option', { value: k, selected: ch ? ch.kind === k : k === 'webhook' }, t(`alerts.chan.${k}`))));
  const langSel = h('select', { name: 'lang', id: nextId('ch') },
    ['en', 'zh'].map((l) => h('option', { value: l, selected: (ch ? ch.lang : 'en') === l }, t(`alerts.lang.${l}`))));
  const enabledIn = h('input', { type: 'checkbox', name: 'enabled', id: nextId('ch'), checked: ch ? !!ch.enabled : true });
  const cfgBox = h('div', { class: 'row wrap channel-config' });
  let inputs = [];
  function showKind() {
    const cfg = ch && ch.kind === kindSel.value ? ch.config || {} : {};
    inputs = FIELDS[kindSel.value].map((f) => configInput(f, cfg));
    replace(cfgBox, inputs.map((x) => x.el));
  }
  kindSel.addEventListener('change', showKind);
  showKind();
  const err = h('p', { class: 'form-error', role: 'alert', hidden: true, id: 'channel-error' });
  const field = (label, input, name) => h('div', { class: 'field', dataset: { field: name } }, h('label', { for: input.id }, label), input);
  const body = h('form', { class: 'channel-form', id: 'channel-form', onsubmit: (e) => e.preventDefault() },
    h('div', { class: 'row wrap' }, h('div', { class: 'grow' }, field(t('alerts.col.name'), nameIn, 'name')),
      field(t('alerts.col.kind'), kindSel, 'kind'), field(t('alerts.col.lang'), langSel, 'lang')),
    h('fieldset', {}, h('legend', {}, t('alerts.settings')), cfgBox),
    h('span', { class: 'check' }, enabledIn, h('label', { for: enabledIn.id }, t('alerts.f.enabled'))),
    err);

  function fail(message) {
    body.querySelectorAll('.field.has-error').forEach((f) => f.classList.remove('has-error'));
    err.textContent = message;
    err.hidden = false;
    const named = message.replace(/^body\./, '');   // the API names body fields "body.config.url: ..."
    const hit = [...body.querySelectorAll('[data-field]')].map((f) => f.dataset.field)
      .filter((n) => named.startsWith(`${n}:`) || named.startsWith(`${n} `)).sort((a, b) => b.length - a.length)[0];
    if (hit) body.querySelector(`[data-field="${hit}"]`).classList.add('has-error');
    return false;
  }

  async function save() {
    err.hidden = true;
    const config = {};
    for (const x of inputs) {
      const [v, e] = x.read();
      if (e) return fail(`config.${x.key}: ${e}`);
      if (v !== undefined) config[x.key] = v;
    }
    if (!nameIn.value.trim()) return fail(`name: ${t('alerts.err.required')}`);
    const b = { name: nameIn.value.trim(), kind: kindSel.value, lang: langSel.value, enabled: enabledIn.checked, config };
    try {
      const saved = ch ? await put(`/alert-channels/${ch.id}`, b) : await post('/alert-channels', b);
      toast(t(ch ? 'alerts.channel_saved' : 'alerts.channel_created', { name: b.name }), 'ok');
      if (o.onSaved) o.onSaved(saved);
      return true;
    } catch (e) {
      return fail(e.detail || String(e));
    }
  }

  const { dialog } = openDialog(ch ? t('alerts.edit_channel', { name: ch.name }) : t('alerts.add_channel'), body, [
    { label: t('action.cancel'), onclick: () => true },
    { label: ch ? t('action.save') : t('action.create'), kind: 'primary', onclick: save },
  ]);
  dialog.classList.add('dialog-wide');
  nameIn.focus();
}
