// open.js - Alerts tab "Open alerts": what is wrong now (one row per open
// alert: task, kind, slot, opened, last sent) with Ack and Silence for
// operators and admins; closed and all alerts with the state filter.
import { h, nextId, rerenderKeepingFocus } from '../../dom.js';
import { t } from '../../i18n.js';
import { get, post, auth } from '../../api.js';
import { timeEl } from '../../format.js';
import { errorBox, toast, toastError } from '../../ui.js';
import { itemsOf, taskLink, execLink, silenceDialog, silencedNote, cursorPager } from '../../alerts-common.js';

const STATES = ['open', 'closed', 'all'];
const LIMIT = 50;
const POLL_MS = 10000;

function stateCell(a) {
  const out = [h('span', { class: ['badge', a.state === 'open' ? 'badge-bad' : 'badge-off'] }, t(`alerts.state.${a.state === 'open' ? 'open' : 'closed'}`))];
  if (a.acked_at) out.push(h('span', { class: 'state-line', dataset: { acked: '1' } }, t('alerts.acked_by', { who: a.acked_by || '?' }), ' ', timeEl(a.acked_at)));
  const sil = silencedNote(a.silenced_until);
  if (sil) out.push(sil);
  if (a.closed_at) out.push(h('span', { class: 'state-line' }, t(`alerts.closed.${a.closed_reason || 'other'}`), ' ', timeEl(a.closed_at)));
  return h('td', {}, h('div', { class: 'state' }, out));
}

export function render(panel, ctx) {
  const st = { state: STATES.includes(ctx.query.state) ? ctx.query.state : 'open', data: null, error: null };
  const cur = { before: null, stack: [] };
  const canAct = auth.can('operator');
  let disposed = false;
  let timer = null;
  let seq = 0;
  const box = h('div', { class: 'table-box' }, h('p', { class: 'muted' }, t('common.loading')));
  const pagerBox = h('div', {});

  async function act(a, path, body, done) {
    try {
      await post(`/alerts/${a.id}/${path}`, body);
      toast(done, 'ok');
      load();
      return true;
    } catch (e) { toastError(e); return false; }
  }

  function row(a) {
    const open = a.state === 'open';
    return h('tr', { dataset: { alertId: a.id, kind: a.kind, state: a.state } },
      h('td', { class: 'num' }, String(a.id)),
      h('td', {}, taskLink(a.task_id, a.task_name), a.execution_id ? [' ', execLink(a.task_id, a.execution_id)] : null),
      h('td', {}, t(`alerts.kind.${a.kind}`)),
      h('td', {}, h('code', {}, a.slot || '—')),
      h('td', { class: 'detail-cell' }, a.summary || ''),
      h('td', {}, timeEl(a.opened_at)),
      h('td', {}, timeEl(a.last_sent_at)),
      stateCell(a),
      h('td', { class: 'actions' }, h('div', { class: 'btn-row' },
        canAct && open && !a.acked_at ? h('button', {
          type: 'button', class: 'btn btn-small', dataset: { action: 'ack' }, 'data-focus-key': `${a.id}-ack`,
          onclick: () => act(a, 'ack', {}, t('alerts.acked', { id: a.id })),
        }, t('alerts.ack')) : null,
        canAct && open ? h('button', {
          type: 'button', class: 'btn btn-small', dataset: { action: 'silence' }, 'data-focus-key': `${a.id}-silence`, 'aria-haspopup': 'dialog',
          onclick: () => silenceDialog(t('alerts.silence_title', { id: a.id }),
            (until) => act(a, 'silence', { until }, t('alerts.silenced', { id: a.id }))),
        }, t('alerts.silence')) : null,
        canAct && open && silencedNote(a.silenced_until) ? h('button', {
          type: 'button', class: 'btn btn-small', dataset: { action: 'unsilence' }, 'data-focus-key': `${a.id}-unsilence`,
          onclick: () => act(a, 'silence', { until: null }, t('alerts.unsilenced', { id: a.id })),
        }, t('alerts.unsilence')) : null,
        h('a', { class: 'btn btn-small btn-link', href: `#/alerts?tab=history&alert_id=${a.id}` }, t('alerts.events')))));
  }

  function draw() {
    rerenderKeepingFocus(box, () => {
      if (st.error) return errorBox(st.error);
      if (!st.data) return h('p', { class: 'muted' }, t('common.loading'));
      const items = itemsOf(st.data);
      if (!items.length) return h('p', { class: 'empty', id: 'alerts-none' }, t(st.state === 'open' ? 'alerts.none_open' : 'alerts.none'));
      return h('table', { class: 'grid alerts-table', id: 'alerts-table' },
        h('caption', { class: 'sr-only' }, t('alerts.tab.open')),
        h('thead', {}, h('tr', {}, ['col.id', 'alerts.col.task', 'alerts.col.kind', 'alerts.col.slot', 'alerts.col.summary',
          'alerts.col.opened', 'alerts.col.last_sent', 'col.state', 'col.actions'].map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, items.map(row)));
    });
    rerenderKeepingFocus(pagerBox, () => (st.data ? cursorPager(cur, st.data.next_before_id, load) : []));
  }

  async function load() {
    if (disposed) return;
    const mine = (seq += 1);
    clearTimeout(timer);
    try {
      const data = await get('/alerts', { state: st.state, limit: LIMIT, before_id: cur.before });
      if (disposed || mine !== seq) return;
      st.data = data; st.error = null;
    } catch (e) {
      if (disposed || mine !== seq) return;
      st.error = e;
    }
    draw();
    if (!disposed) timer = setTimeout(load, POLL_MS);
  }

  const stateId = nextId('as');
  panel.append(h('div', { class: 'toolbar' },
    h('div', { class: 'field-inline' }, h('label', { for: stateId }, t('alerts.filter.state')),
      h('select', {
        id: stateId, name: 'state',
        onchange: (e) => { st.state = e.target.value; cur.before = null; cur.stack = []; ctx.setQuery({ state: st.state === 'open' ? '' : st.state }); load(); },
      }, STATES.map((s) => h('option', { value: s, selected: s === st.state }, t(`alerts.state.${s}`))))),
    h('div', { class: 'toolbar-right' },
      h('button', { type: 'button', class: 'btn', id: 'alerts-refresh', onclick: () => load() }, t('refresh.now')))),
  box, pagerBox);
  load();
  return () => { disposed = true; clearTimeout(timer); };
}
