// history.js - Alerts tab "History": every event written (one row per
// channel) and how its delivery went: status, attempts, the last code and
// error, latency; filters by status and channel (and by alert or task from a
// link); pages with before_id. Polls while a row on screen is still on its way.
import { h, nextId, rerenderKeepingFocus, replace } from '../../dom.js';
import { t } from '../../i18n.js';
import { get, auth } from '../../api.js';
import { timeEl, relTime, parseTime } from '../../format.js';
import { errorBox } from '../../ui.js';
import {
  EVENT_STATUSES, itemsOf, eventBadge, taskLink, execLink, cursorPager, loadChannels,
} from '../../alerts-common.js';

const LIMIT = 50;
const POLL_MS = 3000;
const idOrEmpty = (v) => (/^\d+$/.test(v || '') ? v : '');

function row(e) {
  const f = e.facts || {};
  const task = f.task || null;
  const active = e.status === 'pending' || e.status === 'sending';
  const next = active && e.next_at && parseTime(e.next_at) > Date.now()
    ? h('span', { class: 'state-line' }, t('alerts.next_attempt', { t: relTime(parseTime(e.next_at)) })) : null;
  return h('tr', { dataset: { eventId: e.id, status: e.status, event: e.event } },
    h('td', { class: 'num' }, String(e.id)),
    h('td', {}, timeEl(e.created_at), e.sent_at ? h('div', { class: 'state-line' }, t('alerts.sent_at'), ' ', timeEl(e.sent_at)) : null),
    h('td', {}, t(`alerts.event.${e.event}`), e.repeat ? h('span', { class: 'tag repeat-tag' }, t('alerts.repeat_tag')) : null),
    h('td', {}, e.task_id ? taskLink(e.task_id, task && task.name) : h('span', { class: 'muted' }, '—'),
      e.execution_id ? [' ', execLink(e.task_id, e.execution_id)] : null),
    h('td', {}, e.channel_name || `#${e.channel_id}`, ' ', h('span', { class: 'muted small' }, t(`alerts.chan.${e.channel_kind}`))),
    h('td', {}, h('div', { class: 'state' }, eventBadge(e.status), next)),
    h('td', { class: 'num' }, String(e.attempts ?? 0)),
    h('td', { class: 'num', dataset: { col: 'code' } }, e.last_code === null || e.last_code === undefined ? '—' : String(e.last_code)),
    h('td', { class: 'error-cell' }, e.last_error ? h('span', { class: 'err-text', title: e.last_error }, e.last_error) : ''),
    h('td', { class: 'num' }, e.latency_ms === null || e.latency_ms === undefined ? '—' : t('unit.short.ms', { n: e.latency_ms })));
}

export function render(panel, ctx) {
  const q = ctx.query;
  const st = {
    status: EVENT_STATUSES.includes(q.status) ? q.status : '', channel: idOrEmpty(q.channel_id),
    alert: idOrEmpty(q.alert_id), task: idOrEmpty(q.task_id), data: null, error: null,
  };
  const cur = { before: null, stack: [] };
  const channels = new Map();   // id -> name, from the channel list (admins) or the rows seen
  let disposed = false;
  let timer = null;
  let seq = 0;
  const box = h('div', { class: 'table-box' }, h('p', { class: 'muted' }, t('common.loading')));
  const pagerBox = h('div', {});
  const chanSel = h('select', { id: nextId('ah'), name: 'channel_id', onchange: (e) => { st.channel = e.target.value; changed(); } });
  const chips = h('div', { class: 'chips' });

  function persist() {
    ctx.setQuery({ status: st.status, channel_id: st.channel, alert_id: st.alert, task_id: st.task });
  }
  function changed() { cur.before = null; cur.stack = []; persist(); load(); }

  function drawChannels() {
    replace(chanSel, h('option', { value: '' }, t('alerts.filter.all_channels')),
      [...channels].sort((a, b) => a[0] - b[0]).map(([id, name]) => h('option', { value: String(id), selected: String(id) === st.channel }, name)));
    replace(chips, [['alert', 'alerts.filter.alert'], ['task', 'alerts.filter.task']].filter(([k]) => st[k]).map(([k, key]) => h('button', {
      type: 'button', class: 'chip chip-btn', title: t('alerts.filter.remove'), dataset: { filter: k },
      onclick: () => { st[k] = ''; drawChannels(); changed(); },
    }, t(key, { id: st[k] }), ' ×')));
  }

  function draw() {
    rerenderKeepingFocus(box, () => {
      if (st.error) return errorBox(st.error);
      if (!st.data) return h('p', { class: 'muted' }, t('common.loading'));
      const items = itemsOf(st.data);
      if (!items.length) return h('p', { class: 'empty' }, t('alerts.no_events'));
      return h('table', { class: 'grid alert-events-table', id: 'alert-events-table' },
        h('caption', { class: 'sr-only' }, t('alerts.tab.history')),
        h('thead', {}, h('tr', {}, ['col.id', 'alerts.col.time', 'alerts.col.event', 'alerts.col.task', 'alerts.col.channel',
          'col.status', 'alerts.col.attempts', 'alerts.col.code', 'col.error', 'alerts.col.latency'].map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, items.map(row)));
    });
    rerenderKeepingFocus(pagerBox, () => (st.data ? cursorPager(cur, st.data.next_before_id, load) : []));
  }

  async function load() {
    if (disposed) return;
    const mine = (seq += 1);
    clearTimeout(timer);
    try {
      const data = await get('/alert-events', {
        status: st.status, channel_id: st.channel, alert_id: st.alert, task_id: st.task, limit: LIMIT, before_id: cur.before,
      });
      if (disposed || mine !== seq) return;
      st.data = data; st.error = null;
      let grew = false;
      for (const e of itemsOf(data)) if (!channels.has(e.channel_id)) { channels.set(e.channel_id, e.channel_name || `#${e.channel_id}`); grew = true; }
      if (grew) drawChannels();
    } catch (e) {
      if (disposed || mine !== seq) return;
      st.error = e;
    }
    draw();
    const active = !!st.data && itemsOf(st.data).some((e) => e.status === 'pending' || e.status === 'sending');
    if (!disposed && active) timer = setTimeout(load, POLL_MS);
  }

  const statusId = nextId('ah');
  panel.append(h('div', { class: 'toolbar' },
    h('div', { class: 'field-inline' }, h('label', { for: statusId }, t('filter.status')),
      h('select', { id: statusId, name: 'status', onchange: (e) => { st.status = e.target.value; changed(); } },
        h('option', { value: '' }, t('filter.all_statuses')),
        EVENT_STATUSES.map((s) => h('option', { value: s, selected: s === st.status }, t(`alerts.estatus.${s}`))))),
    h('div', { class: 'field-inline' }, h('label', { for: chanSel.id }, t('alerts.col.channel')), chanSel),
    chips,
    h('div', { class: 'toolbar-right' },
      h('button', { type: 'button', class: 'btn', id: 'events-refresh', onclick: () => load() }, t('refresh.now')))),
  box, pagerBox);
  drawChannels();
  loadChannels(auth.can('admin')).then((list) => {
    if (disposed) return;
    list.forEach((c) => channels.set(c.id, c.name));
    if (st.channel && !channels.has(Number(st.channel))) channels.set(Number(st.channel), `#${st.channel}`);
    drawChannels();
  });
  load();
  return () => { disposed = true; clearTimeout(timer); };
}
