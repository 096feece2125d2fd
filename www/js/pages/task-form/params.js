// params.js - task form section: the params editor (params-editor.js) for
// the types whose config may declare params (config-types.js). It writes
// config.params through form.config, follows hand edits of the JSON, checks
// the declarations on submit and shows the API's "config.params.NAME.FIELD"
// errors at that field.
import { h, replace } from '../../dom.js';
import { t, tOr } from '../../i18n.js';
import { createParamsEditor } from '../../params-editor.js';
import { paramOfDetail } from '../../params.js';
import { hasParams } from './config-types.js';

export function create(form) {
  let editor = null;
  const el = h('div', { class: 'params-box' });
  form.setLabel('params', t('param.title'));

  /** The params editor changed: put its params into the config JSON (the rest kept as it is). */
  function writeParams(p) {
    const r = form.config.parse();
    if (r.error) {
      form.setError('config', `${r.error} ${t('param.fix_json')}`);
      return;
    }
    const cfg = { ...r.value };
    if (p) cfg.params = p;
    else delete cfg.params;
    form.config.write(cfg, { markOk: true });
  }

  form.on('config', (cfg) => {
    if (editor) editor.setParams(cfg.params);
  });

  form.on('type', () => {
    const want = hasParams(form.type());
    if (want && !editor) {
      editor = createParamsEditor({ onChange: writeParams });
      replace(el, editor.el);
      const r = form.config.parse();
      if (!r.error) editor.setParams(r.value.params);
    } else if (!want && editor) {
      editor.dispose();
      editor = null;
      replace(el);
    }
  });

  return {
    el,
    fill() {},
    read() {
      const errors = editor ? editor.validate().map((p) => ['params',
        `${p.name || t('param.unnamed', { n: p.index + 1 })} · ${tOr(`param.field.${p.field}`, p.field)}: ${p.message}`, p.focus]) : [];
      return { fields: {}, errors };
    },
    /** "config.params.NAME.FIELD: ..." next to that field of the editor; null if not ours. */
    apiErrors(err) {
      const pd = err.status === 400 ? paramOfDetail(err.detail, 'config.params') : null;
      if (!pd || !editor) return null;
      return [['params', err.detail, editor.showApiError(pd.name, pd.field, err.detail)]];
    },
    dispose() { if (editor) editor.dispose(); },
  };
}
