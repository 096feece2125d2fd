// cron.js - a plain-words description of a cron expression, in English and
// Simplified Chinese, computed in the browser. The syntax is zq's (README
// "Schedules: cron, time zones, DST"):
// five fields `min hour dom month dow`, or six with seconds first; `*` `,` `-`
// `/` `?`, month and day names, dow 0-7 (0 and 7 Sunday), `L` in
// day-of-month, `#` in day-of-week; with a business calendar, the
// day-of-month tokens `B1`..`B23` (N-th business day), `BL`, `BL-1`..`BL-22`. The server stays the judge of validity;
// this module only explains (and returns null when it cannot parse).
// This file parses; cron-words.js words the parsed fields. Pure modules: no
// DOM, no i18n import (node runs them in the tests).
import { describeEn, describeZh } from './cron-words.js';

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const FIELDS = {
  sec: { min: 0, max: 59 },
  min: { min: 0, max: 59 },
  hour: { min: 0, max: 23 },
  dom: { min: 1, max: 31 },
  mon: { min: 1, max: 12, names: MONTHS, base: 1 },
  dow: { min: 0, max: 7, names: DAYS, base: 0 },
};

class CronSyntaxError extends Error {
  constructor(field, msg) {
    super(`${field}: ${msg}`);
    this.field = field;
  }
}

function parseValue(text, name) {
  const spec = FIELDS[name];
  const up = text.toUpperCase();
  if (spec.names) {
    const i = spec.names.indexOf(up);
    if (i >= 0) return i + spec.base;
  }
  if (!/^\d+$/.test(text)) throw new CronSyntaxError(name, `bad value "${text}"`);
  const v = Number(text);
  if (v < spec.min || v > spec.max) throw new CronSyntaxError(name, `${v} out of range ${spec.min}-${spec.max}`);
  return name === 'dow' && v === 7 ? 0 : v;
}

/** One field -> list of items {type: any|val|range|step|last|nth}. */
function parseField(text, name) {
  if (text === '') throw new CronSyntaxError(name, 'empty');
  return text.split(',').map((part) => {
    if (part === '*' || part === '?') {
      if (part === '?' && name !== 'dom' && name !== 'dow') throw new CronSyntaxError(name, '"?" only in day fields');
      return { type: 'any' };
    }
    const b = /^B(\d+|L(?:-(\d+))?)$/i.exec(part);
    if (b) {
      if (name !== 'dom') throw new CronSyntaxError(name, `"${part}" only in day-of-month`);
      const n = /^\d+$/.test(b[1]) ? Number(b[1]) : -Number(b[2] || 0);
      if (n > 23 || n === 0 && /^\d+$/.test(b[1]) || n < -22) throw new CronSyntaxError(name, `bad business day "${part}"`);
      return { type: 'bday', n };
    }
    if (part === 'L' || part === 'l') {
      if (name !== 'dom') throw new CronSyntaxError(name, '"L" only in day-of-month');
      return { type: 'last' };
    }
    if (part.includes('#')) {
      if (name !== 'dow') throw new CronSyntaxError(name, '"#" only in day-of-week');
      const [d, n] = part.split('#');
      const nth = Number(n);
      if (!/^[1-5]$/.test(n)) throw new CronSyntaxError(name, `bad "#${n}"`);
      return { type: 'nth', v: parseValue(d, name), n: nth };
    }
    const slash = part.split('/');
    if (slash.length > 2) throw new CronSyntaxError(name, `bad step "${part}"`);
    const [rangeText, stepText] = slash;
    let from = null; let to = null;
    if (rangeText !== '*') {
      const dash = rangeText.split('-');
      if (dash.length > 2) throw new CronSyntaxError(name, `bad range "${rangeText}"`);
      from = parseValue(dash[0], name);
      if (dash.length === 2) {
        to = parseValue(dash[1], name);
        if (name === 'dow' && to === 0 && dash[1] !== '0') to = 7;  // MON-SUN
      }
    }
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) throw new CronSyntaxError(name, `bad step "${stepText}"`);
      return { type: 'step', from, to, step: Number(stepText) };
    }
    if (from === null) return { type: 'any' };
    if (to === null) return { type: 'val', v: from };
    return { type: 'range', a: from, b: to };
  });
}

/** Parse into {sec|null, min, hour, dom, mon, dow}; throws CronSyntaxError. */
export function parseCron(expr) {
  const parts = String(expr || '').trim().split(/\s+/).filter(Boolean);
  if (parts.length !== 5 && parts.length !== 6) {
    throw new CronSyntaxError('cron_expression', `expected 5 or 6 fields, got ${parts.length}`);
  }
  const names = parts.length === 6 ? ['sec', 'min', 'hour', 'dom', 'mon', 'dow'] : ['min', 'hour', 'dom', 'mon', 'dow'];
  const out = { sec: null };
  names.forEach((n, i) => { out[n] = parseField(parts[i], n); });
  const bdays = out.dom.filter((x) => x.type === 'bday').length;
  if (bdays && bdays !== out.dom.length) throw new CronSyntaxError('dom', 'business days (B1, BL) do not mix with other days');
  if (bdays && !out.dow.every((x) => x.type === 'any')) throw new CronSyntaxError('dow', 'must be * or ? with business days (B1, BL)');
  return out;
}

/** Plain words for expr in lang ('en' | 'zh'); null when it cannot parse. */
export function describeCron(expr, lang = 'en') {
  let c;
  try { c = parseCron(expr); } catch (e) { return null; }
  return lang === 'zh' ? describeZh(c) : describeEn(c);
}

/** Does expr use business-day tokens (B1, BL, BL-2)? They need a calendar. */
export function usesBusinessDays(expr) {
  try { return parseCron(expr).dom.some((x) => x.type === 'bday'); } catch (e) { return false; }
}

/** The syntax problem of expr as "field: message", or null when it parses. */
export function cronProblem(expr) {
  try { parseCron(expr); return null; } catch (e) { return e.message; }
}

export const CRON_EXAMPLES = ['0 18 * * *', '0 9 * * 1-5', '0 */2 * * *', '*/30 * * * *', '0 0 1 * *', '0 0 * * 1'];
