// schedule.js - task form section: when the task fires. Cron with its
// plain-words description (browser) and the next fire times (API, in the
// chosen zone, with the slots a business calendar skips or moves struck
// through: calendar.js), interval with a unit picker and optional anchor,
// one-off time, time zone picker; manual tasks have no schedule. Emits
// 'kind' when the schedule kind changes.
import { h, replace, nextId } from '../../dom.js';
import { t, getLang } from '../../i18n.js';
import { get } from '../../api.js';
import { describeCron, cronProblem, usesBusinessDays, CRON_EXAMPLES } from '../../cron.js';
import { fmtDateTime, isoUtc, parseTime, fmtInterval } from '../../format.js';
import { zoneList, isValidZone, browserZone, wallToInstant, instantToWall } from '../../tz.js';
import { skippedItem } from './calendar.js';

const UNITS = [['s', 1], ['m', 60], ['h', 3600], ['d', 86400]];

function splitInterval(seconds) {
  const s = Number(seconds) || 0;
  for (let i = UNITS.length - 1; i >= 0; i -= 1) {
    if (s && s % UNITS[i][1] === 0) return { n: s / UNITS[i][1], unit: UNITS[i][0] };
  }
  return { n: s || 60, unit: s ? 's' : 'm' };
}

function scheduleKindOf(task) {
  if (task.cron_expression) return 'cron';
  if (task.interval_seconds) return 'interval';
  if (task.run_at) return 'once';
  return 'none';
}

/** The fire times of a /cron/preview answer, whatever its envelope. */
function previewTimes(res) {
  if (Array.isArray(res)) return res.map((x) => (typeof x === 'object' ? x.utc || x.time || x.at : x));
  for (const k of ['next_run_times', 'next_fire_times', 'times', 'next', 'fire_times', 'runs']) {
    if (Array.isArray(res && res[k])) return previewTimes(res[k]);
  }
  return [];
}

export function create(form) {
  const { fields } = form;
  let disposed = false;
  let previewTimer = null;
  let previewSeq = 0;
  form.claimApiFields({
    cron_expression: 'cron', expression: 'cron', interval_seconds: 'interval', start_at: 'interval',
    run_at: 'run_at', timezone: 'timezone', schedule: 'schedule',
  });

  const kindName = nextId('kind');
  const kindRadios = {};
  const kindGroup = h('div', { class: 'radios', role: 'radiogroup', 'aria-labelledby': `${kindName}-l`, id: kindName },
    ['cron', 'interval', 'once', 'none'].map((k) => {
      const id = `${kindName}-${k}`;
      kindRadios[k] = h('input', { type: 'radio', name: kindName, id, value: k, onchange: syncKind });
      return h('span', { class: 'radio' }, kindRadios[k], h('label', { for: id }, t(`form.kind.${k}`)));
    }));
  const cronIn = h('input', {
    name: 'cron_expression', class: 'mono', autocomplete: 'off', spellcheck: 'false', placeholder: '0 18 * * *',
    oninput: () => schedulePreview(),
  });
  const cronWords = h('div', { class: 'cron-words', id: 'cron-words', 'aria-live': 'polite' });
  const previewList = h('ol', { class: 'preview-list', id: 'cron-preview', 'aria-live': 'polite' });
  const examples = h('div', { class: 'chips' }, h('span', { class: 'muted' }, t('form.examples')), ' ',
    CRON_EXAMPLES.map((ex) => h('button', {
      type: 'button', class: 'chip chip-btn', title: describeCron(ex, getLang()) || '',
      onclick: () => { cronIn.value = ex; schedulePreview(); cronIn.focus(); },
    }, ex)));
  const intervalN = h('input', { type: 'number', min: 1, step: 1, name: 'interval_n', value: '1', class: 'short' });
  const unitId = nextId('unit');
  const intervalUnit = h('select', { id: unitId, 'aria-label': t('form.interval_unit') },
    UNITS.map(([u]) => h('option', { value: u }, t(`unit.long.${u}`))));
  const intervalWords = h('span', { class: 'muted', 'aria-live': 'polite' });
  const startAtIn = h('input', { type: 'datetime-local', name: 'start_at' });
  const runAtIn = h('input', { type: 'datetime-local', name: 'run_at' });
  const zones = zoneList();
  const zoneListId = nextId('zones');
  const tzIn = h('input', {
    name: 'timezone', list: zoneListId, value: 'UTC', autocomplete: 'off', spellcheck: 'false',
    onchange: () => { checkZone(); schedulePreview(); }, oninput: () => schedulePreview(),
  });
  const zoneData = h('datalist', { id: zoneListId }, zones.map((z) => h('option', { value: z })));

  function kind() {
    return Object.keys(kindRadios).find((k) => kindRadios[k].checked) || 'none';
  }

  function syncKind() {
    // manual_task never fires by itself; every other type needs exactly one schedule.
    const manual = form.type() === 'manual_task';
    if (manual) kindRadios.none.checked = true;
    else if (kind() === 'none') kindRadios.cron.checked = true;
    for (const k of ['cron', 'interval', 'once']) kindRadios[k].closest('.radio').hidden = manual;
    kindRadios.none.closest('.radio').hidden = !manual;
    const k = kind();
    fields.cron.wrap.hidden = k !== 'cron';
    fields.interval.wrap.hidden = k !== 'interval';
    fields.run_at.wrap.hidden = k !== 'once';
    fields.timezone.wrap.hidden = k === 'none';
    form.emit('kind', k);
    if (k === 'cron') schedulePreview();
    updateIntervalWords();
  }
  form.on('type', syncKind);
  form.on('calendar', () => schedulePreview());
  const calendar = () => (form.calendar ? form.calendar() : null);
  /** A cron problem the browser sees: syntax, or business days (B1) without a calendar. */
  const problemOf = (expr) => cronProblem(expr) || (usesBusinessDays(expr) && !calendar() ? t('cal.err.btoken') : null);

  function unitSeconds() {
    return (UNITS.find(([u]) => u === intervalUnit.value) || UNITS[0])[1];
  }

  function updateIntervalWords() {
    const s = Number(intervalN.value) * unitSeconds();
    intervalWords.textContent = s > 0 ? fmtInterval(s) : '';
  }
  intervalN.addEventListener('input', updateIntervalWords);
  intervalUnit.addEventListener('change', updateIntervalWords);

  function checkZone() {
    const ok = isValidZone(tzIn.value.trim());
    form.setError('timezone', ok ? '' : t('form.err.zone', { zone: tzIn.value.trim() }));
    return ok;
  }

  function schedulePreview() {
    clearTimeout(previewTimer);
    const expr = cronIn.value.trim();
    const words = expr ? describeCron(expr, getLang()) : null;
    cronWords.textContent = words || '';
    if (!expr || kind() !== 'cron') {
      replace(previewList);
      form.setError('cron', '');
      return;
    }
    const problem = problemOf(expr);
    if (problem) {
      form.setError('cron', problem);
      replace(previewList);
      return;
    }
    form.setError('cron', '');
    if (!previewList.querySelector('time')) replace(previewList, h('li', { class: 'muted' }, t('common.loading')));
    previewTimer = setTimeout(loadPreview, 300);
  }

  async function loadPreview() {
    const seq = (previewSeq += 1);
    const expr = cronIn.value.trim();
    const tz = tzIn.value.trim() || 'UTC';
    try {
      const res = await get('/scheduler/cron/preview', { expression: expr, timezone: tz, count: 5, ...(calendar() || {}) });
      if (seq !== previewSeq || disposed) return;
      const times = previewTimes(res);
      const zone = isValidZone(tz) ? tz : 'UTC';
      const fires = times.map((v) => {
        const ms = parseTime(v);
        const utc = isoUtc(ms);
        return [ms, h('li', {}, h('time', { datetime: utc, title: `UTC ${utc.replace('T', ' ').replace('Z', '')}` },
          `${fmtDateTime(ms, zone)} `), h('span', { class: 'muted' }, zone))];
      });
      // Slots the calendar skipped or moved, in time order among the fires (no later than the last fire).
      const last = fires.length ? fires[fires.length - 1][0] : Infinity;
      const skips = (Array.isArray(res && res.skipped) ? res.skipped : []).map((x) => [parseTime(x.time), skippedItem(x, zone)])
        .filter(([ms]) => ms <= last);
      const all = fires.concat(skips).sort((a, b) => a[0] - b[0]).map((x) => x[1]);
      if (res && res.stopped) all.push(h('li', { class: 'preview-stopped err-text', id: 'cron-preview-stopped' }, res.stopped));
      replace(previewList, all.length ? all : h('li', { class: 'muted' }, t('form.preview_none')));
      form.setError('cron', '');
    } catch (e) {
      if (seq !== previewSeq || disposed) return;
      replace(previewList);
      const target = form.fieldOf(e.detail) === 'timezone' ? 'timezone' : 'cron';
      form.setError(target, e.detail || String(e));
    }
  }

  // The schedule kind's own field: its error line belongs to the radio group.
  function kindField() {
    const error = h('div', { class: 'field-error', id: `${kindName}-err`, hidden: true, dataset: { field: 'schedule' } });
    kindGroup.setAttribute('aria-describedby', error.id);
    const wrap = h('div', { class: 'field', dataset: { field: 'schedule' } },
      h('span', { class: 'label', id: `${kindName}-l` }, t('form.schedule_kind')), kindGroup, error);
    form.register('schedule', { wrap, input: kindRadios.cron, error });
    return wrap;
  }

  const el = h('fieldset', {}, h('legend', {}, t('form.schedule')),
    kindField(),
    form.field('cron', t('form.cron'), cronIn, {
      hint: t('form.cron_hint'),
      extra: h('div', { class: 'cron-extra' }, cronWords, examples,
        h('div', { class: 'preview' }, h('h3', {}, t('form.preview')), previewList)),
    }),
    form.field('interval', t('form.interval'), intervalN, {
      extra: h('div', { class: 'inline' }, intervalUnit, ' ', intervalWords,
        h('div', { class: 'field sub' }, h('label', { for: 'start-at' }, t('form.start_at')), startAtIn)),
    }),
    form.field('run_at', t('form.run_at'), runAtIn, { hint: t('form.run_at_hint') }),
    form.field('timezone', t('form.timezone'), tzIn, { hint: t('form.timezone_hint', { zone: browserZone() }), extra: zoneData }));
  startAtIn.id = 'start-at';

  function fill(task) {
    if (!task) {
      kindRadios.cron.checked = true;
      cronIn.value = '*/5 * * * *';
      intervalUnit.value = 'h';
      const tz = browserZone();
      tzIn.value = isValidZone(tz) ? tz : 'UTC';
      return;
    }
    kindRadios[scheduleKindOf(task)].checked = true;
    cronIn.value = task.cron_expression || '';
    const tz = task.timezone || 'UTC';
    tzIn.value = tz;
    const iv = splitInterval(task.interval_seconds);
    intervalN.value = String(iv.n);
    intervalUnit.value = iv.unit;
    const zone = isValidZone(tz) ? tz : 'UTC';
    if (task.start_at) startAtIn.value = instantToWall(parseTime(task.start_at), zone);
    if (task.run_at) runAtIn.value = instantToWall(parseTime(task.run_at), zone);
  }

  function errors() {
    const errs = [];
    const k = kind();
    if (k === 'cron') {
      const p = cronIn.value.trim() ? problemOf(cronIn.value.trim()) : t('form.err.required');
      if (p) errs.push(['cron', p]);
    }
    if (k === 'interval' && !(Number(intervalN.value) > 0)) errs.push(['interval', t('form.err.positive')]);
    if (k === 'once' && !runAtIn.value) errs.push(['run_at', t('form.err.required')]);
    if (k !== 'none' && !isValidZone(tzIn.value.trim())) errs.push(['timezone', t('form.err.zone', { zone: tzIn.value.trim() })]);
    return errs;
  }

  function read() {
    const k = kind();
    const tz = tzIn.value.trim() || 'UTC';
    const zone = isValidZone(tz) ? tz : 'UTC';
    const wallIso = (input) => {
      if (!input.value) return null;
      const ms = wallToInstant(input.value, zone);
      return Number.isFinite(ms) ? isoUtc(ms) : input.value;
    };
    return {
      fields: {
        cron_expression: k === 'cron' ? cronIn.value.trim() : null,
        interval_seconds: k === 'interval' ? Math.round(Number(intervalN.value) * unitSeconds()) : null,
        start_at: k === 'interval' ? wallIso(startAtIn) : null,
        run_at: k === 'once' ? wallIso(runAtIn) : null,
        timezone: tz,
      },
      errors: errors(),
    };
  }

  return {
    el,
    fill,
    read,
    dispose() {
      disposed = true;
      clearTimeout(previewTimer);
    },
  };
}
