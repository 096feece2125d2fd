// alerts.js - the Alerts page: tabs Open alerts (ack, silence), History (the
// delivery of every event), Channels (admin: where messages go, Send test)
// and Rules (when to tell). Each tab is a module of pages/alerts/ with the
// page interface render(panel, ctx) -> cleanup; the tab is in the query
// (#/alerts?tab=history) so a reload or a link opens it again.
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { auth } from '../api.js';
import { pageHeader } from '../ui.js';
import * as openTab from './alerts/open.js';
import * as historyTab from './alerts/history.js';
import * as channelsTab from './alerts/channels.js';
import * as rulesTab from './alerts/rules.js';

const TABS = [
  { key: 'open', mod: openTab },
  { key: 'history', mod: historyTab },
  { key: 'channels', mod: channelsTab, role: 'admin' },
  { key: 'rules', mod: rulesTab },
];

export function render(main, ctx) {
  const tabs = TABS.filter((x) => !x.role || auth.can(x.role));
  let current = tabs.find((x) => x.key === ctx.query.tab) || tabs[0];
  let cleanup = null;
  const panel = h('div', { class: 'tab-panel', role: 'tabpanel', id: 'alerts-panel' });
  const buttons = tabs.map((x) => h('button', {
    type: 'button', role: 'tab', class: 'tab', id: `alerts-tab-${x.key}`, 'aria-controls': 'alerts-panel', dataset: { tab: x.key },
    onclick: () => show(x, {}),
    onkeydown: (e) => {
      const i = tabs.indexOf(x);
      const j = e.key === 'ArrowRight' ? (i + 1) % tabs.length : e.key === 'ArrowLeft' ? (i + tabs.length - 1) % tabs.length : -1;
      if (j < 0) return;
      e.preventDefault();
      show(tabs[j], {});
      buttons[j].focus();
    },
  }, t(`alerts.tab.${x.key}`)));

  function show(tab, query) {
    if (cleanup) { try { cleanup(); } catch (e) { /* ignore */ } cleanup = null; }
    current = tab;
    buttons.forEach((b, i) => {
      const on = tabs[i] === tab;
      b.setAttribute('aria-selected', on ? 'true' : 'false');
      b.tabIndex = on ? 0 : -1;
      b.classList.toggle('active', on);
    });
    panel.setAttribute('aria-labelledby', `alerts-tab-${tab.key}`);
    replace(panel);
    // A tab's own query keys ride along with tab=...
    const setQuery = (q) => ctx.setQuery({ tab: tab.key === 'open' ? '' : tab.key, ...q });
    setQuery(query === ctx.query ? Object.fromEntries(Object.entries(query).filter(([k]) => k !== 'tab')) : {});
    cleanup = tab.mod.render(panel, { ...ctx, query, setQuery }) || null;
  }

  main.append(pageHeader(t('alerts.title')),
    h('div', { class: 'tabs', role: 'tablist', 'aria-label': t('alerts.title') }, buttons), panel);
  show(current, ctx.query);
  return () => { if (cleanup) cleanup(); };
}
