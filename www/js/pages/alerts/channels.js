// channels.js - Alerts tab "Channels" (admin): where messages go. List, add
// and edit (channel-form.js), delete (asks again when rules use it), and
// Send test: POST .../test writes a `test` event; the page then polls that
// event until the alert thread has sent it or given up, and shows the result.
import { h, replace } from '../../dom.js';
import { t } from '../../i18n.js';
import { get, post, del } from '../../api.js';
import { timeEl } from '../../format.js';
import { errorBox, toast, toastError, confirmDialog } from '../../ui.js';
import { itemsOf, eventBadge } from '../../alerts-common.js';
import { openChannelDialog } from './channel-form.js';

const TEST_POLL_MS = 1000;
const TEST_WAIT_MS = 120000;
const DONE = ['sent', 'failed', 'silenced'];

function target(c) {
  const cfg = c.config || {};
  if (c.kind === 'email') return [cfg.smtp_url || '', cfg.to && cfg.to.length ? ` → ${cfg.to.join(', ')}` : ''].join('');
  if (cfg.url && cfg.url !== '***') return cfg.url;
  return cfg.url_host || '***';
}

export function render(panel) {
  let disposed = false;
  const timers = new Set();
  const results = new Map();   // channel id -> the result element of its last test
  const box = h('div', { class: 'table-box' }, h('p', { class: 'muted' }, t('common.loading')));

  function resultEl(id) {
    if (!results.has(id)) results.set(id, h('div', { class: 'test-result', dataset: { testResult: id }, 'aria-live': 'polite' }));
    return results.get(id);
  }

  function showEvent(el, e) {
    replace(el, eventBadge(e.status),
      e.last_code !== null && e.last_code !== undefined ? h('span', { class: 'small', dataset: { code: e.last_code } }, ` ${t('alerts.col.code')} ${e.last_code}`) : null,
      e.latency_ms !== null && e.latency_ms !== undefined ? h('span', { class: 'small muted' }, ` ${t('unit.short.ms', { n: e.latency_ms })}`) : null,
      e.last_error ? h('div', { class: 'err-text small' }, e.last_error) : null,
      h('a', { class: 'small', href: `#/alerts?tab=history&channel_id=${e.channel_id}` }, t('alerts.in_history')));
    el.dataset.status = e.status;
  }

  async function sendTest(c) {
    const el = resultEl(c.id);
    el.dataset.status = 'requested';
    replace(el, h('span', { class: 'muted small' }, t('alerts.test_sending')));
    let eventId;
    try { eventId = (await post(`/alert-channels/${c.id}/test`, {})).event_id; } catch (e) {
      el.dataset.status = 'error';
      replace(el, h('span', { class: 'err-text small' }, e.detail || String(e)));
      return;
    }
    el.dataset.eventId = eventId;
    const end = Date.now() + TEST_WAIT_MS;
    const poll = async () => {
      if (disposed) return;
      let ev = null;
      try { ev = await get(`/alert-events/${eventId}`); } catch (e) { /* try again */ }
      if (disposed) return;
      if (ev) showEvent(el, ev);
      if (ev && DONE.includes(ev.status)) {
        toast(t(`alerts.test_${ev.status === 'sent' ? 'sent' : 'failed'}`, { name: c.name }), ev.status === 'sent' ? 'ok' : 'error');
        return;
      }
      if (Date.now() < end) {
        const tm = setTimeout(() => { timers.delete(tm); poll(); }, TEST_POLL_MS);
        timers.add(tm);
      }
    };
    poll();
  }

  async function remove(c) {
    if (!(await confirmDialog(t('alerts.delete_channel'), t('alerts.delete_channel_confirm', { name: c.name }), t('action.delete')))) return;
    try {
      await del(`/alert-channels/${c.id}`);
    } catch (e) {
      if (e.status !== 409) { toastError(e); return; }
      if (!(await confirmDialog(t('alerts.delete_channel'), `${e.detail} ${t('alerts.delete_force')}`, t('alerts.delete_anyway')))) return;
      try { await del(`/alert-channels/${c.id}`, { query: { force: 'true' } }); } catch (e2) { toastError(e2); return; }
    }
    toast(t('alerts.channel_deleted', { name: c.name }), 'ok');
    load();
  }

  function row(c) {
    return h('tr', { dataset: { channelId: c.id, channelName: c.name, kind: c.kind } },
      h('td', { class: 'num' }, String(c.id)),
      h('td', {}, h('strong', {}, c.name)),
      h('td', {}, t(`alerts.chan.${c.kind}`)),
      h('td', { class: 'detail-cell mono' }, target(c)),
      h('td', {}, t(`alerts.lang.${c.lang || 'en'}`)),
      h('td', {}, h('span', { class: ['badge', c.enabled ? 'badge-ok' : 'badge-off'] }, t(c.enabled ? 'state.enabled' : 'state.disabled'))),
      h('td', {}, timeEl(c.updated_at)),
      h('td', { class: 'actions' }, h('div', { class: 'btn-row' },
        h('button', { type: 'button', class: 'btn btn-small', dataset: { action: 'test' }, onclick: () => sendTest(c) }, t('alerts.send_test')),
        h('button', { type: 'button', class: 'btn btn-small', dataset: { action: 'edit' }, onclick: () => openChannelDialog({ channel: c, onSaved: load }) }, t('action.edit')),
        h('button', { type: 'button', class: 'btn btn-small btn-danger', dataset: { action: 'delete' }, onclick: () => remove(c) }, t('action.delete'))),
      resultEl(c.id)));
  }

  async function load() {
    let res;
    try { res = await get('/alert-channels'); } catch (e) { if (!disposed) replace(box, errorBox(e)); return; }
    if (disposed) return;
    const items = itemsOf(res);
    replace(box, items.length ? h('table', { class: 'grid', id: 'alert-channels-table' },
      h('caption', { class: 'sr-only' }, t('alerts.tab.channels')),
      h('thead', {}, h('tr', {}, ['col.id', 'alerts.col.name', 'alerts.col.kind', 'alerts.col.target', 'alerts.col.lang', 'col.state',
        'alerts.col.updated', 'col.actions'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, items.map(row))) : h('p', { class: 'empty', id: 'channels-none' }, t('alerts.no_channels')));
  }

  panel.append(h('div', { class: 'toolbar' }, h('p', { class: 'muted' }, t('alerts.channels_intro')),
    h('div', { class: 'toolbar-right' }, h('button', {
      type: 'button', class: 'btn btn-primary', id: 'add-channel', 'aria-haspopup': 'dialog',
      onclick: () => openChannelDialog({ onSaved: load }),
    }, t('alerts.add_channel')))), box);
  load();
  return () => { disposed = true; timers.forEach((x) => clearTimeout(x)); };
}
