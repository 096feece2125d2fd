// task-form.js - create / edit a task. The form is a list of section modules
// (pages/task-form/), each with the same small interface:
//
//   create(form) -> {
//     el,                 the element it puts in the form
//     fill(task),         show a task (null: a new task's defaults)
//     read(),             -> {fields: the request body's fields it owns,
//                             errors: [[field, message, element to focus?]]}
//     apiErrors?(err),    -> errors to show for an API refusal it owns, or null
//     focus?(), dispose?()
//   }
//
// `form` (task-form/form.js) is what they share: the field registry and
// error display, which field an API error names, and the events 'type' (the
// task type changed) and 'config' (the config JSON was edited by hand). A new
// section (alerts, say) is one more module here and one line in the layout.
//
// An edit is optimistic: the PUT carries If-Match with the version the form
// was filled from, and a 412 (someone saved since) says so instead of
// overwriting; the optional change comment goes as X-Zq-Change-Comment.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { get, post, put } from '../api.js';
import { pageHeader, errorBox, toast, loading } from '../ui.js';
import { writeHeaders, isStale, COMMENT_MAX } from '../versions-common.js';
import { createForm } from './task-form/form.js';
import * as basics from './task-form/basics.js';
import * as schedule from './task-form/schedule.js';
import * as calendar from './task-form/calendar.js';
import * as config from './task-form/config.js';
import * as workflow from './task-form/workflow.js';
import * as params from './task-form/params.js';
import * as limits from './task-form/limits.js';
import * as alerts from './task-form/alerts.js';

// Created, filled and read in this order: local errors are listed in it.
export const SECTIONS = { basics, schedule, calendar, config, workflow, params, limits, alerts };

export function render(main, ctx) {
  const editing = ctx.params.id ? Number(ctx.params.id) : null;
  let disposed = false;
  const form = createForm(editing);
  const s = Object.fromEntries(Object.entries(SECTIONS).map(([name, mod]) => [name, mod.create(form)]));
  const sections = Object.values(s);
  const submitBtn = h('button', { type: 'submit', class: 'btn btn-primary', id: 'task-submit' }, editing ? t('form.save') : t('form.create'));
  const comment = h('input', { type: 'text', id: 'change-comment', name: 'change_comment', maxlength: COMMENT_MAX, autocomplete: 'off' });
  let loadedVersion = null;  // the version the form was filled from (If-Match)

  function fill(task) {
    loadedVersion = task && task.version !== undefined ? task.version : null;
    for (const x of sections) x.fill(task);
    form.emit('type', { user: false });
  }

  async function onSubmit(e) {
    e.preventDefault();
    form.clearErrors();
    delete form.summary.dataset.stale;
    const reads = sections.map((x) => x.read());
    const errs = reads.flatMap((r) => r.errors);
    if (errs.length) { form.showErrors(errs); return; }
    submitBtn.disabled = true;
    try {
      const b = Object.assign({}, ...reads.map((r) => r.fields));
      const headers = writeHeaders(editing ? loadedVersion : null, comment.value);
      const res = editing ? await put(`/scheduler/tasks/${editing}`, b, { headers }) : await post('/scheduler/tasks', b, { headers });
      toast(editing ? t('form.saved', { name: b.name }) : t('form.created', { name: b.name, id: res && res.id }), 'ok');
      ctx.navigate('#/tasks');
    } catch (err) {
      if (isStale(err)) { showStale(err); return; }
      const owned = sections.map((x) => (x.apiErrors ? x.apiErrors(err) : null)).find(Boolean);
      const f = form.fieldOf(err.detail) || (err.status === 409 ? 'name' : null);
      if (owned) form.showErrors(owned);
      else if (f && form.fields[f]) form.showErrors([[f, err.detail]]);
      else form.showMessage(err.detail || String(err));
    } finally {
      submitBtn.disabled = false;
    }
  }

  /** A 412: say so, with a link that reloads the form (the edits here are not kept). */
  function showStale(err) {
    const now = err.body && err.body.version;
    form.showMessage(t(now !== undefined && now !== null ? 'form.stale_at' : 'form.stale', { v: now, mine: loadedVersion }));
    form.summary.dataset.stale = '1';
    form.summary.append(h('p', {}, h('button', {
      type: 'button', class: 'btn', id: 'form-reload', onclick: () => ctx.navigate(`#/tasks/${editing}/edit`),
    }, t('form.reload')), ' ', h('a', { href: `#/tasks/${editing}/history?tab=changes` }, t('form.see_changes'))));
  }

  // ---- layout ---------------------------------------------------------------------------
  const el = h('form', { class: 'card task-form', id: 'task-form', onsubmit: onSubmit, novalidate: true },
    form.summary,
    s.basics.el,
    s.schedule.el,
    s.calendar.el,
    h('fieldset', {}, h('legend', {}, t('form.config')), s.workflow.el, s.params.el, s.config.el),
    s.limits.el,
    s.alerts.el,
    h('div', { class: 'field change-comment' }, h('label', { for: 'change-comment' }, t('form.change_comment')), comment,
      h('div', { class: 'hint' }, t('form.change_comment_hint'))),
    h('div', { class: 'form-actions' },
      submitBtn, h('a', { class: 'btn', href: '#/tasks' }, t('action.cancel'))));

  main.append(pageHeader(editing ? t('form.edit_title', { id: editing }) : t('form.new_title')));
  const body0 = h('div', {});
  main.append(body0);

  if (editing) {
    loading(body0);
    get(`/scheduler/tasks/${editing}`).then((task) => {
      if (disposed) return;
      replace(body0, el);
      fill(task);
      s.basics.focus();
    }).catch((e) => replace(body0, errorBox(e)));
  } else {
    replace(body0, el);
    fill(null);
    s.basics.focus();
  }

  return () => {
    disposed = true;
    for (const x of sections) if (x.dispose) x.dispose();
  };
}
