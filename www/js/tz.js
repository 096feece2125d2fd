// tz.js - IANA time zones with Intl only (no tz database shipped): the list
// of zones, the wall time of an instant in a zone, and the instant of a wall
// time in a zone (for one-off run_at entered in the task's zone).

export function browserZone() {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch (e) { return 'UTC'; }
}

export function zoneList() {
  let zones = [];
  try { zones = Intl.supportedValuesOf('timeZone'); } catch (e) { zones = []; }
  const set = new Set(zones);
  for (const z of ['UTC', 'Asia/Shanghai', 'Europe/London', 'America/New_York', browserZone()]) set.add(z);
  return [...set].sort((a, b) => (a === 'UTC' ? -1 : b === 'UTC' ? 1 : a.localeCompare(b)));
}

export function isValidZone(tz) {
  if (!tz) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch (e) {
    return false;
  }
}

const partCache = new Map();
function partsFormatter(tz) {
  let f = partCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    partCache.set(tz, f);
  }
  return f;
}

/** {year, month, day, hour, minute, second} of instant ms in zone tz. */
export function wallParts(ms, tz) {
  const out = {};
  for (const p of partsFormatter(tz).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  if (out.hour === 24) out.hour = 0;
  return out;
}

/** Offset of zone tz at instant ms, in ms (UTC+8 -> 28800000). */
export function zoneOffset(ms, tz) {
  const p = wallParts(ms, tz);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * Instant (ms) of wall time "YYYY-MM-DDTHH:MM[:SS]" in zone tz. A wall time a
 * DST jump skips resolves after the jump; one that occurs twice, to the first.
 */
export function wallToInstant(wall, tz) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(wall || '');
  if (!m) return NaN;
  const guess = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
  const o1 = zoneOffset(guess - zoneOffset(guess, tz), tz);
  const cand1 = guess - o1;
  const o2 = zoneOffset(cand1, tz);
  const first = Math.min(guess - o1, guess - o2);
  const check = wallParts(first, tz);
  const same = check.hour === +m[4] && check.minute === +m[5];
  return same ? first : Math.max(guess - o1, guess - o2);
}

/** "YYYY-MM-DDTHH:MM" of instant ms in zone tz (for datetime-local inputs). */
export function instantToWall(ms, tz) {
  const p = wallParts(ms, tz);
  const pad = (n) => String(n).padStart(2, '0');
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}
