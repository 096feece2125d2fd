// calendar.js - task form section "Business calendar": which calendar the
// schedule follows (none, or one by name) and its rule (only / next /
// previous, shown only with a calendar). Hidden for one-off and manual
// tasks (they may have none). Sets form.calendar() for the schedule
// section's preview and emits 'calendar' when either changes; also words
// the preview's skipped / moved slots (skippedItem).
import { h, nextId } from '../../dom.js';
import { t } from '../../i18n.js';
import { loadCalendars, RULES } from '../../calendar-common.js';
import { fmtDateTime, parseTime, isoUtc } from '../../format.js';

/** One preview line for a slot the calendar skipped or moved (struck through). */
export function skippedItem(s, zone) {
  const ms = parseTime(s.time);
  const utc = isoUtc(ms);
  const moved = s.moved_to ? parseTime(s.moved_to) : NaN;
  const why = t(`cal.kind.${{ weekend: 'weekend', holiday: 'holiday' }[s.reason] || 'outside'}`);
  return h('li', { class: ['preview-skipped', Number.isFinite(moved) ? 'preview-moved' : null], dataset: { date: s.date || '', reason: s.reason || '' } },
    h('del', {}, h('time', { datetime: utc, title: `UTC ${utc.replace('T', ' ').replace('Z', '')}` }, fmtDateTime(ms, zone))),
    ' ', h('span', { class: 'skip-why' }, Number.isFinite(moved)
      ? t('cal.preview_moved', { date: s.date || '', why, to: fmtDateTime(moved, zone) })
      : t('cal.preview_skipped', { date: s.date || '', why })));
}

export function create(form) {
  let disposed = false;
  let kind = 'cron';
  let want = null;        // the task's calendar name, until the list has loaded
  let known = [];
  form.claimApiFields({ calendar: 'calendar', calendar_rule: 'calendar_rule' });
  const calSel = h('select', { name: 'calendar', id: nextId('f-calendar') }, h('option', { value: '' }, t('cal.none_picked')));
  const ruleSel = h('select', { name: 'calendar_rule', id: nextId('f-rule') },
    RULES.map((r) => h('option', { value: r }, t(`cal.rule.${r}`))));
  const ruleHint = h('div', { class: 'hint', id: 'calendar-rule-hint' });
  const link = h('a', { class: 'small', href: '#/calendars', id: 'calendar-link' }, t('cal.manage'));
  const changed = () => { sync(); form.emit('calendar'); };
  calSel.addEventListener('change', changed);
  ruleSel.addEventListener('change', changed);

  const el = h('fieldset', { id: 'task-calendar' }, h('legend', {}, t('cal.section')),
    h('div', { class: 'row wrap' },
      form.field('calendar', t('cal.f.calendar'), calSel, { hint: t('cal.f.calendar_hint'), extra: link }),
      form.field('calendar_rule', t('cal.f.rule'), ruleSel, { extra: ruleHint })));

  function options(names) {
    const cur = calSel.value || want || '';
    while (calSel.options.length > 1) calSel.remove(1);
    for (const n of names) calSel.append(h('option', { value: n }, n));
    if (cur && !names.includes(cur)) calSel.append(h('option', { value: cur }, cur));
    calSel.value = cur;
  }

  function sync() {
    const on = kind === 'cron' || kind === 'interval';
    el.hidden = !on && !calSel.value;
    form.fields.calendar_rule.wrap.hidden = !calSel.value;
    ruleHint.textContent = t(`cal.rule_hint.${ruleSel.value || 'only'}`);
  }

  form.on('kind', (k) => { kind = k; sync(); });
  form.calendar = () => (calSel.value && (kind === 'cron' || kind === 'interval')
    ? { calendar: calSel.value, calendar_rule: ruleSel.value || 'only' } : null);

  loadCalendars().then((items) => {
    if (disposed) return;
    known = items.map((c) => c.name);
    options(known);
    sync();
    if (calSel.value) form.emit('calendar');
  }).catch(() => { /* no calendars to pick: "none" only */ });

  function fill(task) {
    want = (task && task.calendar) || null;
    options(known);
    ruleSel.value = (task && task.calendar_rule) || 'only';
    sync();
  }

  function read() {
    const c = form.calendar();
    const errors = [];
    if (calSel.value && !(kind === 'cron' || kind === 'interval')) errors.push(['calendar', t('cal.err.kind')]);
    return { fields: { calendar: c ? c.calendar : null, calendar_rule: c ? c.calendar_rule : null }, errors };
  }

  return { el, fill, read, dispose() { disposed = true; } };
}
