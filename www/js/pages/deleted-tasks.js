// deleted-tasks.js - the Deleted tasks page (from the task list): every
// deleted task (name, type, when and by whom, its last version); admins
// restore one (POST /tasks/{id}/restore: the task comes back with its id and
// its history). Secret env values that could not come back are listed.
import { h, replace, rerenderKeepingFocus } from '../dom.js';
import { t } from '../i18n.js';
import { get, post, auth } from '../api.js';
import { timeEl } from '../format.js';
import { pageHeader, errorBox, pager, confirmDialog, toast, toastError } from '../ui.js';
import { secretsNotice } from '../versions-common.js';

export function render(main, ctx) {
  const state = { skip: Math.max(0, Number(ctx.query.skip) || 0), limit: 20, data: null, error: null };
  let disposed = false;
  const box = h('div', { class: 'table-box' }, h('p', { class: 'muted' }, t('common.loading')));
  const pagerBox = h('div', {});

  async function load() {
    try {
      state.data = await get('/scheduler/tasks/deleted', { skip: state.skip, limit: state.limit });
      state.error = null;
    } catch (e) {
      state.error = e;
    }
    if (!disposed) draw();
  }

  async function restore(x) {
    const ok = await confirmDialog(t('del.restore_title'), t('del.restore_confirm', { name: x.name, id: x.id }), t('del.restore'), 'primary');
    if (!ok) return;
    let task;
    try {
      task = await post(`/scheduler/tasks/${x.id}/restore`, {});
    } catch (e) {
      toastError(e, t('del.restore'));
      return;
    }
    toast(t('del.restored', { name: task.name || x.name, id: task.id ?? x.id }), 'ok');
    secretsNotice(task);
    load();
  }

  function row(x) {
    return h('tr', { dataset: { taskId: x.id, taskName: x.name || '' } },
      h('td', { class: 'num' }, String(x.id)),
      h('td', { dataset: { col: 'name' } }, h('strong', {}, x.name || '')),
      h('td', {}, x.task_type ? t(`type.${x.task_type}`) : '—'),
      h('td', { dataset: { col: 'deleted_at' } }, timeEl(x.deleted_at)),
      h('td', { dataset: { col: 'deleted_by' } }, x.deleted_by || '—'),
      h('td', { class: 'num', dataset: { col: 'version' } }, x.version != null ? `v${x.version}` : '—'),
      h('td', { class: 'actions' }, auth.can('admin') ? h('button', {
        type: 'button', class: 'btn btn-small btn-primary', dataset: { action: 'restore' }, 'data-focus-key': `restore-${x.id}`,
        onclick: () => restore(x),
      }, t('del.restore')) : null));
  }

  function draw() {
    rerenderKeepingFocus(box, () => {
      if (state.error) return errorBox(state.error);
      const items = (state.data && state.data.items) || [];
      if (!items.length) return h('p', { class: 'empty', id: 'deleted-none' }, t('del.none'));
      const col = (k, cls) => h('th', { scope: 'col', class: cls }, t(k));
      return h('table', { class: 'grid', id: 'deleted-table' },
        h('caption', { class: 'sr-only' }, t('del.title')),
        h('thead', {}, h('tr', {}, col('col.id', 'num'), col('col.name'), col('del.col.type'), col('del.col.deleted_at'),
          col('del.col.deleted_by'), col('del.col.version', 'num'), col('col.actions'))),
        h('tbody', {}, items.map(row)));
    });
    replace(pagerBox, state.data ? pager({
      skip: state.skip, limit: state.limit, total: Number(state.data.total) || 0,
      onChange: (skip, limit) => { state.skip = skip; state.limit = limit; ctx.setQuery({ skip: skip || '' }); load(); },
    }) : []);
  }

  main.append(pageHeader(t('del.title'), h('a', { class: 'btn', href: '#/tasks' }, t('nav.back_tasks'))),
    h('p', { class: 'muted intro' }, t(auth.can('admin') ? 'del.intro' : 'del.intro_viewer')), box, pagerBox);
  load();
  return () => { disposed = true; };
}
