// calendars.js - the Calendars page: every business calendar (zone, weekend,
// coverage, how many holidays and workdays it lists, how many tasks follow
// it), a link to each one's year view; admins add one (calendar-common.js's
// dialog). Viewers and operators read.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { auth } from '../api.js';
import { timeEl } from '../format.js';
import { pageHeader, errorBox } from '../ui.js';
import { loadCalendars, weekendText, coverageText, openCalendarDialog } from '../calendar-common.js';

const count = (c, key, list) => String(c[key] ?? (Array.isArray(c[list]) ? c[list].length : '—'));

function row(c) {
  const href = `#/calendars/${c.id}`;
  return h('tr', { dataset: { calendarId: c.id, calendarName: c.name } },
    h('td', {}, h('a', { href, class: 'cal-link' }, h('strong', {}, c.name)),
      c.description ? h('div', { class: 'muted small' }, c.description) : null),
    h('td', {}, c.timezone || 'UTC'),
    h('td', { dataset: { col: 'weekend' } }, weekendText(c.weekend)),
    h('td', { class: 'nw', dataset: { col: 'coverage' } }, coverageText(c)),
    h('td', { class: 'num', dataset: { col: 'holidays' } }, count(c, 'holiday_count', 'holidays')),
    h('td', { class: 'num', dataset: { col: 'workdays' } }, count(c, 'workday_count', 'workdays')),
    h('td', { class: 'num', dataset: { col: 'tasks' } }, String(c.tasks ?? 0)),
    h('td', {}, timeEl(c.updated_at)),
    h('td', { class: 'actions' }, h('a', { class: 'btn btn-small', href }, t('cal.open'))));
}

export function render(main, ctx) {
  let disposed = false;
  const box = h('div', { class: 'table-box' }, h('p', { class: 'muted' }, t('common.loading')));

  async function load() {
    let items;
    try { items = await loadCalendars(); } catch (e) { if (!disposed) replace(box, errorBox(e)); return; }
    if (disposed) return;
    const col = (k, cls) => h('th', { scope: 'col', class: cls }, t(k));
    replace(box, items.length ? h('table', { class: 'grid', id: 'calendars-table' },
      h('caption', { class: 'sr-only' }, t('cal.title')),
      h('thead', {}, h('tr', {}, col('col.name'), col('cal.col.timezone'), col('cal.col.weekend'), col('cal.col.coverage'),
        col('cal.col.holidays', 'num'), col('cal.col.workdays', 'num'), col('cal.col.tasks', 'num'), col('cal.col.updated'),
        col('col.actions'))),
      h('tbody', {}, items.map(row))) : h('p', { class: 'empty', id: 'calendars-none' }, t('cal.none')));
  }

  main.append(pageHeader(t('cal.title'),
    auth.can('admin') ? h('button', {
      type: 'button', class: 'btn btn-primary', id: 'add-calendar', 'aria-haspopup': 'dialog',
      onclick: () => openCalendarDialog({ onSaved: (saved) => (saved && saved.id ? ctx.navigate(`#/calendars/${saved.id}`) : load()) }),
    }, t('cal.add')) : null),
  h('p', { class: 'muted intro' }, t('cal.intro')), box);
  load();
  return () => { disposed = true; };
}
