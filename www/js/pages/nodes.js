// nodes.js - scheduler daemons: state, heartbeat age, busy / total threads.
import { h, rerenderKeepingFocus } from '../dom.js';
import { t, tOr } from '../i18n.js';
import { get } from '../api.js';
import { timeEl, parseTime, fmtDuration } from '../format.js';
import { pageHeader, errorBox } from '../ui.js';

const REFRESH_MS = 5000;

function listOf(res) {
  return (res && (res.nodes || res.items)) || (Array.isArray(res) ? res : []);
}

function ageSeconds(n, serverNow) {
  if (n.heartbeat_age_seconds !== undefined && n.heartbeat_age_seconds !== null) return Number(n.heartbeat_age_seconds);
  const hb = parseTime(n.heartbeat_at);
  return Number.isFinite(hb) ? Math.max(0, (serverNow - hb) / 1000) : null;
}

export function render(main) {
  let disposed = false;
  let timer = null;
  const box = h('div', { class: 'table-box' }, h('p', { class: 'muted' }, t('common.loading')));
  main.append(pageHeader(t('nodes.title'), h('button', { type: 'button', class: 'btn', onclick: () => load() }, t('refresh.now'))), box);

  async function load() {
    let res;
    let serverNow = Date.now();
    try {
      res = await get('/scheduler/nodes');
      const now = parseTime(res && (res.now || res.server_time));
      if (Number.isFinite(now)) serverNow = now;
    } catch (e) {
      if (!disposed) rerenderKeepingFocus(box, () => errorBox(e));
      return;
    }
    if (disposed) return;
    const nodes = listOf(res);
    rerenderKeepingFocus(box, () => (nodes.length ? h('table', { class: 'grid', id: 'nodes-table' },
      h('caption', { class: 'sr-only' }, t('nodes.title')),
      h('thead', {}, h('tr', {}, ['col.id', 'nodes.name', 'nodes.host', 'nodes.pid', 'nodes.version', 'col.state',
        'nodes.started', 'nodes.heartbeat', 'nodes.load'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, nodes.map((n) => {
        const age = ageSeconds(n, serverNow);
        const threads = Number(n.threads) || 0;
        const busy = Number(n.busy) || 0;
        const pct = threads ? Math.round((busy / threads) * 100) : 0;
        const state = n.state || 'running';
        return h('tr', { dataset: { nodeId: n.id } },
          h('td', { class: 'num' }, String(n.id)),
          h('td', {}, n.name || ''),
          h('td', {}, n.host || ''),
          h('td', { class: 'num' }, n.pid != null ? String(n.pid) : ''),
          h('td', {}, n.version || ''),
          h('td', {}, h('span', { class: ['badge', state === 'running' ? 'badge-ok' : state === 'lost' ? 'badge-bad' : 'badge-off'] },
            tOr(`nodes.state.${state}`, state))),
          h('td', {}, timeEl(n.started_at)),
          h('td', {}, age === null ? '—' : h('span', { class: age > 30 && state === 'running' ? 'stale' : null },
            t('time.ago', { t: fmtDuration(age) }), ' ', h('span', { class: 'muted small' }, timeEl(n.heartbeat_at)))),
          h('td', { class: 'load-cell' },
            h('div', {
              class: 'progress small', role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': threads,
              'aria-valuenow': busy, 'aria-label': t('nodes.busy_of', { busy, threads }),
            }, h('div', { class: 'progress-fill', style: { width: `${pct}%` } })),
            h('span', { class: 'small' }, t('nodes.busy_of', { busy, threads }))));
      }))) : h('p', { class: 'empty' }, t('nodes.none'))));
    clearTimeout(timer);
    timer = setTimeout(load, REFRESH_MS);
  }

  load();
  return () => { disposed = true; clearTimeout(timer); };
}

