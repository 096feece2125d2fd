// alerts.js - task form section "Alerts": the rules of this task (GET
// /alert-rules?task_id=N) with add and remove. Rules are saved at once by
// their own API calls, not with the form: the section reads no task fields.
// A new task has none yet (save it first).
import { h, replace } from '../../dom.js';
import { t } from '../../i18n.js';
import { get, del } from '../../api.js';
import { errorBox, toast, toastError, confirmDialog } from '../../ui.js';
import { itemsOf, rulesTable, loadChannels, paramsText } from '../../alerts-common.js';
import { openRuleDialog } from '../../alert-rule-form.js';

export function create(form) {
  let disposed = false;
  let task = null;
  let channels = [];
  const box = h('div', { class: 'task-alerts-list' });
  const addBtn = h('button', {
    type: 'button', class: 'btn', id: 'task-add-rule', hidden: true, 'aria-haspopup': 'dialog',
    onclick: () => openRuleDialog({ task: { id: task.id, name: task.name }, channels, onSaved: load }),
  }, t('alerts.add_rule'));
  const el = h('fieldset', { class: 'task-alerts', id: 'task-alerts' }, h('legend', {}, t('alerts.section')),
    h('p', { class: 'muted small' }, t('alerts.section_intro'), ' ', h('a', { href: '#/alerts?tab=rules' }, t('alerts.all_rules'))),
    box, h('div', { class: 'form-actions' }, addBtn));

  async function remove(r) {
    if (!(await confirmDialog(t('alerts.delete_rule'), t('alerts.delete_rule_confirm', { what: t(`alerts.kind.${r.kind}`) }), t('action.remove')))) return;
    try { await del(`/alert-rules/${r.id}`); toast(t('alerts.rule_deleted'), 'ok'); } catch (e) { toastError(e); }
    load();
  }

  async function load() {
    if (!task || disposed) return;
    let rules;
    try {
      // applies_to: the task's own rules and the global ones, each with whether it applies
      const [res, chans] = await Promise.all([get('/alert-rules', { applies_to: task.id }), loadChannels(true)]);
      rules = itemsOf(res);
      channels = chans;
    } catch (e) {
      if (!disposed) replace(box, errorBox(e));
      return;
    }
    if (disposed) return;
    const own = rules.filter((r) => r.task_id === task.id);
    const global = rules.filter((r) => r.task_id === null || r.task_id === undefined);
    replace(box, own.length ? rulesTable(own, {
      channels, id: 'task-rules', onEdit: (rule) => openRuleDialog({ rule, channels, onSaved: load }), onDelete: remove,
    }) : h('p', { class: 'muted', id: 'task-rules-none' }, t('alerts.task_no_rules')),
    global.length ? h('div', { class: 'global-applies' }, h('h3', {}, t('alerts.global_rules')),
      h('ul', { id: 'task-global-rules' }, global.map((r) => h('li', { dataset: { ruleId: r.id, applies: r.applies ? '1' : '0' } },
        t(`alerts.kind.${r.kind}`), ' ', h('span', { class: 'muted small' }, paramsText(r.kind, r.params)), ' ',
        h('span', { class: ['badge', r.applies ? 'badge-ok' : 'badge-off'] },
          t(r.applies ? 'alerts.applies' : r.enabled ? 'alerts.replaced' : 'state.disabled')))))) : null);
    addBtn.hidden = false;
  }

  return {
    el,
    fill(x) {
      task = x && x.id && form.editing ? x : null;
      addBtn.hidden = true;
      if (!task) { replace(box, h('p', { class: 'muted' }, t('alerts.save_first'))); return; }
      replace(box, h('p', { class: 'muted' }, t('common.loading')));
      load();
    },
    read() { return { fields: {}, errors: [] }; },
    dispose() { disposed = true; },
  };
}
