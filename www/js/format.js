// format.js - dates (browser zone, UTC on hover), durations, intervals.
import { h } from './dom.js';
import { t, locale } from './i18n.js';
import { wallParts } from './tz.js';

const pad = (n, w = 2) => String(n).padStart(w, '0');

export function parseTime(v) {
  if (v === null || v === undefined || v === '') return NaN;
  if (typeof v === 'number') return v;
  let s = String(v);
  // "2026-01-20T10:00:00" without a zone is UTC in zq's API.
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) s = s.replace(' ', 'T') + 'Z';
  return Date.parse(s);
}

/** "2026-01-20 18:00:00" in the browser's zone (or in tz when given). */
export function fmtDateTime(ms, tz) {
  if (!Number.isFinite(ms)) return '';
  if (tz) {
    const p = wallParts(ms, tz);
    return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
  }
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** ISO UTC with milliseconds, for titles: "2026-01-20T10:00:00.123Z". */
export function isoUtc(ms) {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : '';
}

/** A <time> element: local text, UTC in the title. Empty value -> "—". */
export function timeEl(value, opts = {}) {
  const ms = parseTime(value);
  if (!Number.isFinite(ms)) return h('span', { class: 'muted' }, opts.empty ?? '—');
  const utc = isoUtc(ms);
  const [day, clock] = fmtDateTime(ms, opts.tz).split(' ');
  // Two unbreakable halves: narrow columns wrap between date and time only.
  return h('time', { datetime: utc, title: `UTC ${utc.replace('T', ' ').replace('Z', '')}` },
    h('span', { class: 'nw' }, day), ' ', h('span', { class: 'nw' }, clock));
}

/** "in 5 min" / "3 s ago" style relative time. */
export function relTime(ms, now = Date.now()) {
  if (!Number.isFinite(ms)) return '';
  const diff = Math.round((ms - now) / 1000);
  const abs = Math.abs(diff);
  let n; let unit;
  if (abs < 60) { n = abs; unit = 's'; } else if (abs < 3600) { n = Math.round(abs / 60); unit = 'm'; } else if (abs < 86400) { n = Math.round(abs / 3600); unit = 'h'; } else { n = Math.round(abs / 86400); unit = 'd'; }
  const amount = t(`unit.short.${unit}`, { n });
  return diff >= 0 ? t('time.in', { t: amount }) : t('time.ago', { t: amount });
}

/** 1.5 -> "1.5 s", 75 -> "1 min 15 s". */
export function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined || seconds === '' || !Number.isFinite(Number(seconds))) return '';
  const s = Number(seconds);
  if (s > 0 && s < 1) return t('unit.short.ms', { n: Math.round(s * 1000) });
  if (s < 10) return t('unit.short.s', { n: (Math.round(s * 100) / 100).toString() });
  if (s < 60) return t('unit.short.s', { n: (Math.round(s * 10) / 10).toString() });
  const total = Math.round(s);
  const hh = Math.floor(total / 3600);
  const mm = Math.floor((total % 3600) / 60);
  const ss = total % 60;
  const parts = [];
  if (hh) parts.push(t('unit.short.h', { n: hh }));
  if (mm) parts.push(t('unit.short.m', { n: mm }));
  if (ss && !hh) parts.push(t('unit.short.s', { n: ss }));
  return parts.join(' ');
}

/** 3600 -> "every 1 h" (largest exact unit). */
export function fmtInterval(seconds) {
  const s = Number(seconds);
  if (!Number.isFinite(s) || s <= 0) return '';
  let n = s; let unit = 's';
  if (s % 86400 === 0) { n = s / 86400; unit = 'd'; } else if (s % 3600 === 0) { n = s / 3600; unit = 'h'; } else if (s % 60 === 0) { n = s / 60; unit = 'm'; }
  return t('schedule.every', { t: t(`unit.short.${unit}`, { n }) });
}

export function fmtNumber(n, digits = 0) {
  if (n === null || n === undefined || !Number.isFinite(Number(n))) return '—';
  return Number(n).toLocaleString(locale(), { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function fmtPercent(ratio) {
  if (ratio === null || ratio === undefined || !Number.isFinite(Number(ratio))) return '—';
  const r = Number(ratio);
  return `${(Math.round(r * 1000) / 10).toLocaleString(locale())}%`;
}
