// calendar-year.js - a business calendar's year: twelve month grids (Monday
// first), every day coloured by what it is (business day, weekend, holiday,
// workday, outside the coverage) with a legend. Days are buttons when the
// caller can edit (onDay(day, info)); otherwise plain cells. The colours are
// classes of app.css (cal-business, cal-weekend, cal-holiday, cal-workday,
// cal-outside), the kind is in data-kind, the date in data-date.
import { h } from './dom.js';
import { t, locale } from './i18n.js';
import { monthWeeks, dayModel } from './cal-days.js';
import { weekdayName } from './calendar-common.js';

export const KINDS = ['business', 'weekend', 'holiday', 'workday', 'outside'];

function monthName(y, m) {
  return new Intl.DateTimeFormat(locale(), { month: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, 1)));
}

function dayCell(day, info, onDay, today) {
  const kind = info.covered ? info.kind : 'outside';
  const title = [day, t(`cal.kind.${kind}`), info.covered && info.listed ? t('cal.click_remove') : null]
    .filter(Boolean).join(' · ');
  const attrs = {
    class: ['cal-day', `cal-${kind}`, day === today ? 'cal-today' : null],
    dataset: { date: day, kind, listed: info.listed || '' }, title,
  };
  const text = String(Number(day.slice(8)));
  if (!onDay || !info.covered) return h('td', {}, h('span', attrs, text));
  return h('td', {}, h('button', {
    ...attrs, type: 'button', 'aria-label': title, 'data-focus-key': `day-${day}`, onclick: () => onDay(day, info),
  }, text));
}

function monthGrid(y, m, model, onDay, today) {
  const cap = `${monthName(y, m)} ${y}`;
  return h('table', { class: 'cal-month', dataset: { month: m } },
    h('caption', {}, monthName(y, m), h('span', { class: 'sr-only' }, ` ${y}`)),
    h('thead', {}, h('tr', {}, [1, 2, 3, 4, 5, 6, 7].map((d) => h('th', { scope: 'col', abbr: weekdayName(d) }, weekdayName(d))))),
    h('tbody', { 'aria-label': cap }, monthWeeks(y, m).map((w) => h('tr', {},
      w.map((day) => (day ? dayCell(day, model(day), onDay, today) : h('td', { class: 'cal-blank' })))))));
}

/** The legend: one swatch per kind, the counts of this year's days when given. */
export function legend(counts) {
  return h('div', { class: 'legend cal-legend', id: 'cal-legend' }, KINDS.map((k) => h('span', { class: 'legend-item', dataset: { kind: k } },
    h('span', { class: ['cal-swatch', `cal-${k}`], 'aria-hidden': 'true' }),
    t(`cal.kind.${k}`), counts && counts[k] !== undefined ? h('span', { class: 'muted' }, ` (${counts[k]})`) : null)));
}

/** How many days of the year are of each kind. */
export function countYear(cal, y) {
  const model = dayModel(cal);
  const out = Object.fromEntries(KINDS.map((k) => [k, 0]));
  for (let m = 1; m <= 12; m += 1) {
    for (const w of monthWeeks(y, m)) {
      for (const day of w) {
        if (!day) continue;
        const i = model(day);
        out[i.covered ? i.kind : 'outside'] += 1;
      }
    }
  }
  return out;
}

/** yearView(cal, 2026, {onDay?, today?}) -> element with the twelve months. */
export function yearView(cal, y, o = {}) {
  const model = dayModel(cal);
  return h('div', { class: 'cal-year', id: 'cal-year', dataset: { year: y } },
    Array.from({ length: 12 }, (_, i) => monthGrid(y, i + 1, model, o.onDay || null, o.today || '')));
}
