// config.js - task form section: the config JSON editor. A template per task
// type (config-types.js), the type's hint, JSON checked as you type, a
// format button, the note about masked env values. The helper sections
// (workflow builder, params editor) write into it with form.config.write()
// and hear of hand edits through the form's 'config' event.
import { h } from '../../dom.js';
import { t } from '../../i18n.js';
import { templateOf } from './config-types.js';

export function create(form) {
  let lastTemplateType = null;
  form.claimApiFields({
    config: 'config', workflow_type: 'config', on_failure: 'config', tasks: 'config',
    dependencies: 'config', task_id: 'config',
  });

  const configIn = h('textarea', {
    name: 'config', rows: 8, class: 'mono', spellcheck: 'false', oninput: () => onConfigInput(),
  });
  const configState = h('div', { class: 'config-state', 'aria-live': 'polite', id: 'config-state' });
  const templateBtn = h('button', { type: 'button', class: 'btn btn-small', id: 'config-template', onclick: () => applyTemplate(true) }, t('form.template'));
  const formatBtn = h('button', { type: 'button', class: 'btn btn-small', onclick: formatConfig }, t('form.format_json'));
  const envNote = h('div', { class: 'env-note', id: 'env-note', hidden: true }, t('param.env_kept'));

  /** {value: the config object} or {error: why the text is not one}. */
  function parse() {
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
    const r = parse();
    form.setError('config', r.error || '');
    configState.textContent = r.error ? '' : t('form.json_ok');
    configState.className = r.error ? 'config-state' : 'config-state ok';
    if (!r.error) form.emit('config', r.value);
    noteMaskedEnv(r.value);
  }

  // A viewer's or operator's copy of env reads "***": sent back as it is, the API keeps the value.
  function noteMaskedEnv(cfg) {
    const env = cfg && cfg.env && typeof cfg.env === 'object' ? Object.values(cfg.env) : [];
    envNote.hidden = !env.includes('***');
  }

  /**
   * A helper section made this config: show it as JSON, without the 'config'
   * event. markOk: also colour the "JSON OK" line (the params editor does;
   * the workflow builder leaves the colour as it was).
   */
  function write(cfg, { markOk = false } = {}) {
    configIn.value = JSON.stringify(cfg, null, 2);
    form.setError('config', '');
    configState.textContent = t('form.json_ok');
    if (markOk) configState.className = 'config-state ok';
  }

  function formatConfig() {
    const r = parse();
    if (r.error) { form.setError('config', r.error); return; }
    configIn.value = JSON.stringify(r.value, null, 2);
    onConfigInput();
  }

  /** Put the type's template in the editor (always when forced, else only over an untouched one). */
  function applyTemplate(force) {
    const type = form.type();
    const current = configIn.value.trim();
    const untouched = !current || current === '{}' ||
      (lastTemplateType && current === JSON.stringify(templateOf(lastTemplateType), null, 2));
    if (force || untouched) {
      configIn.value = JSON.stringify(templateOf(type), null, 2);
      lastTemplateType = type;
      onConfigInput();
    }
  }

  function syncHint() {
    const hint = form.fields.config.wrap.querySelector('.hint');
    if (hint) hint.textContent = t(`form.config_hint.${form.type()}`);
  }

  form.on('type', ({ user }) => {
    if (user) applyTemplate(false);
    syncHint();
  });
  form.config = { parse, write };

  const el = form.field('config', t('form.config_json'), configIn, {
    extra: h('div', {}, h('div', { class: 'btn-row' }, templateBtn, formatBtn, configState), envNote),
    hint: t('form.config_hint.example_task'),
  });

  function fill(task) {
    if (!task) {
      applyTemplate(true);
      return;
    }
    let cfg = task.config;
    if (cfg === undefined && task.config_json) {
      try { cfg = JSON.parse(task.config_json); } catch (e) { cfg = {}; }
    }
    if (typeof cfg === 'string') {
      try { cfg = JSON.parse(cfg); } catch (e) { /* keep the text */ }
    }
    configIn.value = typeof cfg === 'string' ? cfg : JSON.stringify(cfg || {}, null, 2);
    onConfigInput();
  }

  function read() {
    const r = parse();
    return { fields: { config: r.value || {} }, errors: r.error ? [['config', r.error]] : [] };
  }

  return { el, fill, read };
}
