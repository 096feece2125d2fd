// rules.js - Alerts tab "Rules": the global rules (every task's default of
// their kind, and scheduler_down) and the rules of single tasks. Everyone
// reads them; admins add, edit and remove (alert-rule-form.js).
import { h, replace } from '../../dom.js';
import { t } from '../../i18n.js';
import { get, del, auth } from '../../api.js';
import { errorBox, toast, toastError, confirmDialog } from '../../ui.js';
import { itemsOf, rulesTable, loadChannels } from '../../alerts-common.js';
import { openRuleDialog } from '../../alert-rule-form.js';

export function render(panel) {
  let disposed = false;
  const admin = auth.can('admin');
  const globalBox = h('div', { class: 'table-box' }, h('p', { class: 'muted' }, t('common.loading')));
  const taskBox = h('div', { class: 'table-box' });
  let channels = [];

  async function remove(r) {
    const what = r.task_name ? t('alerts.rule_of_task', { kind: t(`alerts.kind.${r.kind}`), name: r.task_name }) : t(`alerts.kind.${r.kind}`);
    if (!(await confirmDialog(t('alerts.delete_rule'), t('alerts.delete_rule_confirm', { what }), t('action.delete')))) return;
    try { await del(`/alert-rules/${r.id}`); toast(t('alerts.rule_deleted'), 'ok'); } catch (e) { toastError(e); }
    load();
  }

  const write = admin ? {
    onEdit: (rule) => openRuleDialog({ rule, channels, onSaved: load }),
    onDelete: remove,
  } : {};

  async function load() {
    let rules;
    try {
      const [res, chans] = await Promise.all([get('/alert-rules'), loadChannels(admin)]);
      rules = itemsOf(res);
      channels = chans;
    } catch (e) {
      if (!disposed) { replace(globalBox, errorBox(e)); replace(taskBox); }
      return;
    }
    if (disposed) return;
    const global = rules.filter((r) => r.task_id === null || r.task_id === undefined);
    const own = rules.filter((r) => !(r.task_id === null || r.task_id === undefined));
    replace(globalBox, global.length ? rulesTable(global, { channels, id: 'global-rules-table', ...write })
      : h('p', { class: 'empty' }, t('alerts.no_global_rules')));
    replace(taskBox, own.length ? rulesTable(own, { channels, showTask: true, id: 'task-rules-table', ...write })
      : h('p', { class: 'empty' }, t('alerts.no_task_rules')));
  }

  const add = (scope, id) => (admin ? h('button', {
    type: 'button', class: 'btn btn-primary', id, 'aria-haspopup': 'dialog',
    onclick: () => openRuleDialog({ scope, channels, onSaved: load }),
  }, t(scope === 'global' ? 'alerts.add_global_rule' : 'alerts.add_task_rule')) : null);

  panel.append(
    h('div', { class: 'toolbar' }, h('div', {}, h('h2', {}, t('alerts.global_rules')), h('p', { class: 'muted small' }, t('alerts.global_intro'))),
      h('div', { class: 'toolbar-right' }, add('global', 'add-global-rule'))), globalBox,
    h('div', { class: 'toolbar' }, h('div', {}, h('h2', {}, t('alerts.task_rules')), h('p', { class: 'muted small' }, t('alerts.task_intro'))),
      h('div', { class: 'toolbar-right' }, add('task', 'add-task-rule'))), taskBox);
  load();
  return () => { disposed = true; };
}
