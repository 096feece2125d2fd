// workflow.js - task form section: the workflow builder (workflow-builder.js)
// while the type is a workflow. It edits the config through form.config and
// follows hand edits of the JSON (form 'config' event).
import { h, replace } from '../../dom.js';
import { createWorkflowBuilder } from '../../workflow-builder.js';
import { hasBuilder, templateOf } from './config-types.js';

export function create(form) {
  let builder = null;
  const el = h('div', { class: 'builder-box' });

  form.on('config', (cfg) => {
    if (builder && hasBuilder(form.type())) builder.setConfig(cfg);
  });

  form.on('type', () => {
    const type = form.type();
    if (hasBuilder(type) && !builder) {
      builder = createWorkflowBuilder({
        selfId: form.editing,
        onChange: (cfg) => form.config.write(cfg),
      });
      replace(el, builder.el);
      const r = form.config.parse();
      if (!r.error) builder.setConfig(r.value.tasks ? r.value : templateOf(type));
    } else if (!hasBuilder(type) && builder) {
      builder.dispose();
      builder = null;
      replace(el);
    }
  });

  return {
    el,
    fill() {},
    read() { return { fields: {}, errors: [] }; },
    dispose() { if (builder) builder.dispose(); },
  };
}
