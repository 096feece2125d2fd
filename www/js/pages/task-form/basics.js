// basics.js - task form section: name, type, description, enabled. A change
// of type is announced to the other sections (form 'type' event).
import { h } from '../../dom.js';
import { t } from '../../i18n.js';
import { TASK_TYPES } from '../../tasks-common.js';

export function create(form) {
  const nameIn = h('input', { name: 'name', maxlength: 128, required: true, autocomplete: 'off' });
  const typeSel = h('select', { name: 'task_type' },
    TASK_TYPES.map((x) => h('option', { value: x }, t(`type.${x}`))));
  const descIn = h('textarea', { name: 'description', rows: 2 });
  const enabledIn = h('input', { type: 'checkbox', name: 'enabled', checked: true });
  typeSel.addEventListener('change', () => form.emit('type', { user: true }));
  form.claimApiFields({ name: 'name', task_type: 'task_type', description: 'description', enabled: 'enabled' });

  const el = h('fieldset', {}, h('legend', {}, t('form.basics')),
    h('div', { class: 'row' },
      form.field('name', t('col.name'), nameIn, { required: true, cls: 'grow' }),
      form.field('task_type', t('col.type'), typeSel)),
    form.field('description', t('form.description'), descIn),
    form.field('enabled', t('form.enabled'), enabledIn, { inline: true }));

  return {
    el,
    fill(task) {
      if (!task) {
        typeSel.value = 'example_task';
        return;
      }
      nameIn.value = task.name || '';
      typeSel.value = task.task_type || 'example_task';
      descIn.value = task.description || '';
      enabledIn.checked = task.enabled !== false && task.enabled !== 0;
    },
    read() {
      const errors = nameIn.value.trim() ? [] : [['name', t('form.err.required')]];
      return {
        fields: {
          name: nameIn.value.trim(),
          task_type: typeSel.value,
          description: descIn.value.trim() || null,
          enabled: enabledIn.checked,
        },
        errors,
      };
    },
    focus() { nameIn.focus(); },
  };
}
