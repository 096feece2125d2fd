// calendar.js - one business calendar: its settings, the year view (twelve
// months coloured by kind of day, a legend, previous / next year within the
// coverage; the year is in the query), and for admins: a click on a day
// toggles it (a weekday <-> holiday, a weekend day <-> workday, a listed day
// back to normal: PATCH .../days), Import CSV (a file or pasted `date,kind`
// lines, optionally replacing every day), Edit, Delete (a 409 lists the tasks
// that follow it).
import { h, replace, rerenderKeepingFocus, nextId } from '../dom.js';
import { t } from '../i18n.js';
import { get, post, patch, del, auth } from '../api.js';
import { pageHeader, errorBox, dl, toast, toastError, confirmDialog, openDialog } from '../ui.js';
import { calPath, weekendText, coverageText, openCalendarDialog } from '../calendar-common.js';
import { yearView, legend, countYear } from '../calendar-year.js';
import { toggleOf, coveredYears, csvCheck } from '../cal-days.js';

function todayIn(tz) {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  } catch (e) {
    return new Date().toISOString().slice(0, 10);
  }
}

/** Import CSV: pasted or read from a file; calls done(result) after the import. */
function importDialog(cal, done) {
  const fileId = nextId('csvfile');
  const file = h('input', { type: 'file', id: fileId, name: 'csv_file', accept: '.csv,.txt,text/csv,text/plain' });
  const text = h('textarea', { name: 'csv', id: nextId('csv'), rows: 10, class: 'mono', placeholder: 'date,kind\n2026-10-01,holiday\n2026-10-10,workday' });
  const replaceBox = h('input', { type: 'checkbox', name: 'replace', id: nextId('rep') });
  const check = h('p', { class: 'hint', id: 'csv-check', 'aria-live': 'polite' });
  const err = h('p', { class: 'form-error', role: 'alert', hidden: true, id: 'import-error' });
  const recheck = () => {
    const r = csvCheck(text.value);
    check.textContent = r.bad ? t('cal.import_bad_line', { n: r.bad }) : t('cal.import_lines', { n: r.ok });
  };
  text.addEventListener('input', recheck);
  file.addEventListener('change', () => {
    const f = file.files && file.files[0];
    if (!f) return;
    const rd = new FileReader();
    rd.onload = () => { text.value = String(rd.result || ''); recheck(); };
    rd.readAsText(f);
  });
  const body = h('form', { id: 'import-form', onsubmit: (e) => e.preventDefault() },
    h('p', {}, t('cal.import_intro')),
    h('div', { class: 'field' }, h('label', { for: fileId }, t('cal.import_file')), file),
    h('div', { class: 'field' }, h('label', { for: text.id }, t('cal.import_text')), text, check),
    h('span', { class: 'check' }, replaceBox, h('label', { for: replaceBox.id }, t('cal.import_replace'))),
    err);
  openDialog(t('cal.import_title', { name: cal.name }), body, [
    { label: t('action.cancel'), onclick: () => true },
    {
      label: t('cal.import'), kind: 'primary',
      onclick: async () => {
        err.hidden = true;
        if (!text.value.trim()) { err.textContent = t('cal.import_empty'); err.hidden = false; return false; }
        try {
          const r = await post(`${calPath(cal)}/import`, { csv: text.value }, { query: { replace: replaceBox.checked ? 'true' : '' } });
          done(r || {});
          return true;
        } catch (e) {
          err.textContent = e.detail || String(e);
          err.hidden = false;
          return false;
        }
      },
    },
  ]).dialog.classList.add('dialog-wide');
}

function inUseDialog(e) {
  const ids = (e.body && Array.isArray(e.body.tasks)) ? e.body.tasks : [];
  openDialog(t('cal.delete'), h('div', { id: 'calendar-in-use' }, h('p', {}, e.detail),
    ids.length ? h('ul', {}, ids.map((id) => h('li', {}, h('a', { href: `#/tasks/${id}/edit`, dataset: { taskId: id } }, `#${id}`)))) : null),
  [{ label: t('action.close'), onclick: () => true }]);
}

export function render(main, ctx) {
  const key = decodeURIComponent(ctx.params.id);
  const admin = auth.can('admin');
  let disposed = false;
  let cal = null;
  let year = Number(ctx.query.year) || null;
  const head = h('div', {});
  const info = h('div', {});
  const yearBox = h('section', { class: 'card', id: 'cal-year-card' });
  main.append(head, info, yearBox);

  async function load() {
    try { cal = await get(calPath(key)); } catch (e) { if (!disposed) replace(info, errorBox(e)); return; }
    if (disposed) return;
    const [a, b] = coveredYears(cal, Number(todayIn(cal.timezone || 'UTC').slice(0, 4)));
    if (!year) year = Number(todayIn(cal.timezone || 'UTC').slice(0, 4));
    year = Math.min(Math.max(year, a), b);
    draw();
  }

  async function toggle(day, dayInfo) {
    const body = toggleOf(day, dayInfo);
    try {
      await patch(`${calPath(cal)}/days`, body);
    } catch (e) { toastError(e); return; }
    const what = body.add.length ? t(`cal.kind.${body.add[0].kind}`) : t('cal.kind.normal');
    toast(t('cal.day_set', { day, kind: what }), 'ok');
    await load();
  }

  async function remove() {
    if (!(await confirmDialog(t('cal.delete'), t('cal.delete_confirm', { name: cal.name }), t('action.delete')))) return;
    try { await del(calPath(cal)); } catch (e) {
      if (e.status === 409) inUseDialog(e); else toastError(e);
      return;
    }
    toast(t('cal.deleted', { name: cal.name }), 'ok');
    ctx.navigate('#/calendars');
  }

  function draw() {
    replace(head, pageHeader([t('cal.one_title'), ': ', h('span', { class: 'cal-name' }, cal.name)],
      admin ? h('button', { type: 'button', class: 'btn', id: 'cal-import', 'aria-haspopup': 'dialog', onclick: () => importDialog(cal, (r) => {
        toast(t('cal.imported', { n: r.added ?? 0, until: r.covered_until || '—' }), 'ok');
        load();
      }) }, t('cal.import')) : null,
      admin ? h('button', { type: 'button', class: 'btn', id: 'cal-edit', 'aria-haspopup': 'dialog', onclick: () => openCalendarDialog({ calendar: cal, onSaved: () => load() }) }, t('action.edit')) : null,
      admin ? h('button', { type: 'button', class: 'btn btn-danger', id: 'cal-delete', onclick: remove }, t('action.delete')) : null,
      h('a', { class: 'btn', href: '#/calendars' }, t('cal.back'))));
    replace(info, h('section', { class: 'card', id: 'cal-info' }, dl([
      cal.description ? [t('cal.f.description'), cal.description] : null,
      [t('cal.col.timezone'), cal.timezone || 'UTC'],
      [t('cal.col.weekend'), weekendText(cal.weekend)],
      [t('cal.col.coverage'), h('span', { id: 'cal-coverage' }, coverageText(cal))],
      [t('cal.col.holidays'), String((cal.holidays || []).length)],
      [t('cal.col.workdays'), String((cal.workdays || []).length)],
      [t('cal.col.tasks'), String(cal.tasks ?? 0)],
    ])));
    const [a, b] = coveredYears(cal, year);
    rerenderKeepingFocus(yearBox, () => [
      h('div', { class: 'toolbar cal-nav' },
        h('button', { type: 'button', class: 'btn btn-small', id: 'cal-prev', disabled: year <= a, 'data-focus-key': 'prev', onclick: () => go(year - 1) }, t('cal.prev_year')),
        h('h2', { id: 'cal-year-title', 'aria-live': 'polite' }, String(year)),
        h('button', { type: 'button', class: 'btn btn-small', id: 'cal-next', disabled: year >= b, 'data-focus-key': 'next', onclick: () => go(year + 1) }, t('cal.next_year')),
        h('div', { class: 'toolbar-right' }, legend(countYear(cal, year)))),
      admin ? h('p', { class: 'hint' }, t('cal.click_hint')) : h('p', { class: 'hint' }, t('cal.read_only')),
      yearView(cal, year, { onDay: admin ? toggle : null, today: todayIn(cal.timezone || 'UTC') }),
    ]);
  }

  function go(y) {
    year = y;
    ctx.setQuery({ year: y });
    draw();
  }

  replace(info, h('p', { class: 'muted' }, t('common.loading')));
  load();
  return () => { disposed = true; };
}
