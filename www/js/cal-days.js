// cal-days.js - pure: calendar dates as "YYYY-MM-DD" strings, ISO weekdays,
// month grids and what a day of a business calendar is (the API's rule:
// business day = (weekday not in weekend and not a holiday) or a workday).
// No DOM, no i18n, no API: node runs it in the tests.

const pad = (n) => String(n).padStart(2, '0');

export const isDay = (s) => /^\d{4}-\d{2}-\d{2}$/.test(String(s || ''))
  && ymd(...String(s).split('-').map(Number)) === s;

/** ymd(2026, 10, 1) -> "2026-10-01" (month 1..12; overflow normalised). */
export function ymd(y, m, d) {
  const t = new Date(Date.UTC(y, m - 1, d));
  return `${String(t.getUTCFullYear()).padStart(4, '0')}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/** ISO weekday of "YYYY-MM-DD": 1 = Monday .. 7 = Sunday. */
export function isoWeekday(day) {
  const [y, m, d] = day.split('-').map(Number);
  const w = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return w === 0 ? 7 : w;
}

export function daysInMonth(y, m) {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/**
 * The weeks of a month, Monday first: arrays of 7 cells, each a "YYYY-MM-DD"
 * of that month or null (the blanks before the 1st and after the last day).
 */
export function monthWeeks(y, m) {
  const first = isoWeekday(ymd(y, m, 1));
  const cells = Array(first - 1).fill(null);
  for (let d = 1; d <= daysInMonth(y, m); d += 1) cells.push(ymd(y, m, d));
  while (cells.length % 7) cells.push(null);
  const weeks = [];
  for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
  return weeks;
}

/** "6,7" / [6, 7] -> Set {6, 7} */
export function weekendSet(w) {
  const list = Array.isArray(w) ? w : String(w ?? '').split(',').filter((x) => x.trim() !== '');
  return new Set(list.map(Number).filter((n) => n >= 1 && n <= 7));
}

/**
 * A calendar as the API returns it ({weekend, holidays, workdays,
 * covered_from, covered_until}) -> day(s) -> {kind, business, covered}, kind
 * one of 'holiday', 'workday', 'weekend', 'business' (what the year view colours).
 */
export function dayModel(cal) {
  const weekend = weekendSet(cal.weekend ?? [6, 7]);
  const holidays = new Set(cal.holidays || []);
  const workdays = new Set(cal.workdays || []);
  const from = cal.covered_from || '0000-01-01';
  const until = cal.covered_until || '9999-12-31';
  return (day) => {
    const covered = day >= from && day <= until;
    if (workdays.has(day)) return { kind: 'workday', business: true, covered, listed: 'workday' };
    if (holidays.has(day)) return { kind: 'holiday', business: false, covered, listed: 'holiday' };
    if (weekend.has(isoWeekday(day))) return { kind: 'weekend', business: false, covered, listed: null };
    return { kind: 'business', business: true, covered, listed: null };
  };
}

/**
 * What a click on a day does to its listed kind: a listed day goes back to
 * normal; a normal weekday becomes a holiday, a normal weekend day a workday.
 * -> {add: [{date, kind}], remove: [date]} (the PATCH .../days body)
 */
export function toggleOf(day, info) {
  if (info.listed) return { add: [], remove: [day] };
  return { add: [{ date: day, kind: info.kind === 'weekend' ? 'workday' : 'holiday' }], remove: [] };
}

/** "date,kind" lines: how many look right, the first one that does not (1-based), or 0. */
export function csvCheck(text) {
  let ok = 0;
  let bad = 0;
  String(text || '').split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#') || (i === 0 && /^date\s*[, ]\s*kind$/i.test(line))) return;
    const m = /^(\d{4}-\d{2}-\d{2})\s*[, ]\s*(holiday|workday)$/i.exec(line);
    if (m && isDay(m[1])) ok += 1;
    else if (!bad) bad = i + 1;
  });
  return { ok, bad };
}

/** The years [a..b] a calendar covers, clamped to the years around `today`'s when it has no bound. */
export function coveredYears(cal, todayYear) {
  const a = cal.covered_from ? Number(cal.covered_from.slice(0, 4)) : todayYear - 1;
  const b = cal.covered_until ? Number(cal.covered_until.slice(0, 4)) : todayYear + 1;
  return [Math.max(a, 1970), Math.max(Math.max(a, 1970), b)];
}
