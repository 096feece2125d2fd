// calendar-common.js - what the Calendars pages and the task form share
// about business calendars: the API's paths, the list (for pickers), weekday
// names, weekend and coverage wording, and the dialog that creates or edits
// a calendar (name, description, zone, weekend, coverage; no day lists: the
// year view and the import edit those).
import { h, nextId } from './dom.js';
import { t } from './i18n.js';
import { get, post, put } from './api.js';
import { openDialog, toast } from './ui.js';
import { zoneList, isValidZone } from './tz.js';
import { weekendSet } from './cal-days.js';

export const CAL_PATH = '/scheduler/calendars';
export const calPath = (cal) => `${CAL_PATH}/${encodeURIComponent(cal.id ?? cal)}`;
export const RULES = ['only', 'next', 'previous'];

/** Every calendar (no days), by name; [] when the API has none (or no calendars yet). */
export async function loadCalendars() {
  const res = await get(CAL_PATH);
  const items = (res && (res.items || res.calendars)) || [];
  return items.slice().sort((a, b) => String(a.name).localeCompare(String(b.name)));
}

/** Short weekday name, ISO 1 = Monday. */
export const weekdayName = (d) => t(`cal.wd.${d}`);

export function weekendText(w) {
  const s = [...weekendSet(w)].sort();
  return s.length ? s.map(weekdayName).join(t('cal.list_sep')) : t('cal.no_weekend');
}

export function coverageText(cal) {
  if (!cal.covered_from && !cal.covered_until) return '—';
  return `${cal.covered_from || '…'} – ${cal.covered_until || '…'}`;
}

/** The dialog's field: label, input, the line an API error naming it lands on. */
function field(name, label, input, hint) {
  input.id = input.id || nextId(`cal-${name}`);
  return h('div', { class: 'field', dataset: { field: name } }, h('label', { for: input.id }, label), input,
    hint ? h('div', { class: 'hint' }, hint) : null);
}

/** openCalendarDialog({calendar?, onSaved(saved)}): create, or edit one calendar's settings. */
export function openCalendarDialog(o) {
  const c = o.calendar || null;
  const year = new Date().getFullYear();
  const nameIn = h('input', { name: 'name', value: c ? c.name : '', maxlength: 64, autocomplete: 'off', spellcheck: 'false' });
  const descIn = h('textarea', { name: 'description', rows: 2, value: (c && c.description) || '' });
  const zones = zoneList();
  const listId = nextId('calzones');
  const tzIn = h('input', { name: 'timezone', list: listId, value: (c && c.timezone) || 'Asia/Shanghai', autocomplete: 'off', spellcheck: 'false' });
  const wk = weekendSet(c ? c.weekend : [6, 7]);
  const boxes = [1, 2, 3, 4, 5, 6, 7].map((d) => h('input', { type: 'checkbox', name: 'weekend', value: String(d), id: nextId('wk'), checked: wk.has(d) }));
  const fromIn = h('input', { type: 'date', name: 'covered_from', value: c ? c.covered_from || '' : `${year}-01-01` });
  const untilIn = h('input', { type: 'date', name: 'covered_until', value: c ? c.covered_until || '' : `${year}-12-31` });
  const err = h('p', { class: 'form-error', role: 'alert', hidden: true, id: 'calendar-error' });
  const body = h('form', { class: 'calendar-form', id: 'calendar-form', onsubmit: (e) => e.preventDefault() },
    h('div', { class: 'row wrap' }, h('div', { class: 'grow' }, field('name', t('cal.f.name'), nameIn)),
      h('div', { class: 'grow' }, field('timezone', t('cal.f.timezone'), tzIn, t('cal.f.timezone_hint')),
        h('datalist', { id: listId }, zones.map((z) => h('option', { value: z }))))),
    field('description', t('cal.f.description'), descIn),
    h('fieldset', { class: 'field', dataset: { field: 'weekend' } }, h('legend', {}, t('cal.f.weekend')),
      h('div', { class: 'checks' }, boxes.map((b, i) => h('span', { class: 'check' }, b, h('label', { for: b.id }, weekdayName(i + 1)))))),
    h('div', { class: 'row wrap' }, field('covered_from', t('cal.f.covered_from'), fromIn),
      field('covered_until', t('cal.f.covered_until'), untilIn)),
    h('p', { class: 'hint' }, t('cal.f.coverage_hint')),
    err);

  function fail(message) {
    body.querySelectorAll('.has-error').forEach((f) => f.classList.remove('has-error'));
    err.textContent = message;
    err.hidden = false;
    const named = message.replace(/^body\./, '');
    const hit = [...body.querySelectorAll('[data-field]')].map((f) => f.dataset.field)
      .find((n) => named.startsWith(`${n}:`) || named.startsWith(`${n} `));
    if (hit) body.querySelector(`[data-field="${hit}"]`).classList.add('has-error');
    return false;
  }

  async function save() {
    err.hidden = true;
    const name = nameIn.value.trim();
    if (!name) return fail(`name: ${t('cal.err.required')}`);
    const tz = tzIn.value.trim();
    if (!isValidZone(tz)) return fail(`timezone: ${t('form.err.zone', { zone: tz })}`);
    const b = {
      name, description: descIn.value.trim() || null, timezone: tz,
      weekend: boxes.filter((x) => x.checked).map((x) => Number(x.value)),
    };
    // An emptied bound falls back to the API's default (the listed days' years).
    b.covered_from = fromIn.value || null;
    b.covered_until = untilIn.value || null;
    if (!c) { b.holidays = []; b.workdays = []; }
    try {
      const saved = c ? await put(calPath(c), b) : await post(CAL_PATH, b);
      toast(t(c ? 'cal.saved' : 'cal.created', { name }), 'ok');
      if (o.onSaved) o.onSaved(saved || { ...c, ...b });
      return true;
    } catch (e) {
      return fail(e.detail || String(e));
    }
  }

  const { dialog } = openDialog(c ? t('cal.edit_title', { name: c.name }) : t('cal.new_title'), body, [
    { label: t('action.cancel'), onclick: () => true },
    { label: c ? t('action.save') : t('action.create'), kind: 'primary', onclick: save },
  ]);
  dialog.classList.add('dialog-wide');
  nameIn.focus();
}
