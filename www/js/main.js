// main.js - boot, hash router, top bar. Pages are modules exporting
// render(container, ctx) -> cleanup(); the router runs the cleanup (timers,
// listeners) before the next page renders and when the language changes.
import { h, replace } from './dom.js';
import { t, getLang, setLang, onLangChange, LANGS } from './i18n.js';
import { auth, get, post, setUnauthorizedHandler, normalizeMe } from './api.js';
import { toast } from './ui.js';

import * as loginPage from './pages/login.js';
import * as tasksPage from './pages/tasks.js';
import * as formPage from './pages/task-form.js';
import * as historyPage from './pages/history.js';
import * as executionPage from './pages/execution.js';
import * as statsPage from './pages/stats.js';
import * as nodesPage from './pages/nodes.js';
import * as auditPage from './pages/audit.js';
import * as usersPage from './pages/users.js';
import * as tokensPage from './pages/tokens.js';
import * as alertsPage from './pages/alerts.js';
import * as calendarsPage from './pages/calendars.js';
import * as calendarPage from './pages/calendar.js';
import * as deletedPage from './pages/deleted-tasks.js';

const ROUTES = [
  { re: /^\/login$/, page: loginPage, anonymous: true },
  { re: /^\/tasks$/, page: tasksPage, nav: 'tasks' },
  { re: /^\/tasks\/new$/, page: formPage, nav: 'tasks', role: 'admin' },
  { re: /^\/tasks\/deleted$/, page: deletedPage, nav: 'tasks' },
  { re: /^\/tasks\/(\d+)\/edit$/, page: formPage, nav: 'tasks', keys: ['id'], role: 'admin' },
  { re: /^\/tasks\/(\d+)\/history$/, page: historyPage, nav: 'tasks', keys: ['id'] },
  { re: /^\/tasks\/(\d+)\/executions\/(\d+)$/, page: executionPage, nav: 'tasks', keys: ['id', 'eid'] },
  { re: /^\/tasks\/(\d+)\/stats$/, page: statsPage, nav: 'tasks', keys: ['id'] },
  { re: /^\/stats$/, page: statsPage, nav: 'stats' },
  { re: /^\/nodes$/, page: nodesPage, nav: 'nodes' },
  { re: /^\/alerts$/, page: alertsPage, nav: 'alerts' },
  { re: /^\/calendars$/, page: calendarsPage, nav: 'calendars' },
  { re: /^\/calendars\/([^/]+)$/, page: calendarPage, nav: 'calendars', keys: ['id'] },
  { re: /^\/audit$/, page: auditPage, nav: 'audit' },
  { re: /^\/users$/, page: usersPage, nav: 'users', role: 'admin' },
  { re: /^\/tokens$/, page: tokensPage, nav: 'tokens', role: 'admin' },
];

const NAV = [
  { key: 'tasks', href: '#/tasks' },
  { key: 'stats', href: '#/stats' },
  { key: 'nodes', href: '#/nodes' },
  { key: 'alerts', href: '#/alerts' },
  { key: 'calendars', href: '#/calendars' },
  { key: 'audit', href: '#/audit' },
  { key: 'users', href: '#/users', role: 'admin' },
  { key: 'tokens', href: '#/tokens', role: 'admin' },
];

let cleanup = null;
let lastHash = null;

function parseHash() {
  const raw = window.location.hash.replace(/^#/, '') || '/tasks';
  const [path, qs] = raw.split('?');
  const query = Object.fromEntries(new URLSearchParams(qs || ''));
  return { path: path || '/tasks', query };
}

export function navigate(hash) {
  if (window.location.hash === hash) route(true);
  else window.location.hash = hash;
}

/** Replace the query of the current route without adding history entries. */
function setQuery(q) {
  const { path } = parseHash();
  const qs = new URLSearchParams(Object.entries(q).filter(([, v]) => v !== '' && v !== null && v !== undefined));
  const s = qs.toString();
  const hash = `#${path}${s ? `?${s}` : ''}`;
  lastHash = hash;
  window.history.replaceState(null, '', hash);
}

function topbar(active) {
  const me = auth.me();
  const langId = 'lang-select';
  return h('div', { class: 'topbar-inner' },
    h('a', { class: 'brand', href: '#/tasks' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, 'zq'),
      h('span', { class: 'brand-text' }, t('app.title'))),
    me ? h('nav', { class: 'mainnav', 'aria-label': t('nav.label') },
      NAV.filter((n) => !n.role || auth.can(n.role)).map((n) => h('a', {
        href: n.href, class: n.key === active ? 'active' : null,
        'aria-current': n.key === active ? 'page' : null, dataset: { nav: n.key },
      }, t(`nav.${n.key}`)))) : h('span', { class: 'spacer' }),
    h('div', { class: 'topbar-right' },
      h('label', { for: langId, class: 'sr-only' }, t('lang.label')),
      h('select', {
        id: langId, class: 'lang-select', 'data-testid': 'lang',
        onchange: (e) => setLang(e.target.value),
      }, Object.entries(LANGS).map(([k, name]) => h('option', { value: k, selected: k === getLang(), lang: k === 'zh' ? 'zh-CN' : 'en' }, name))),
      me ? h('span', { class: 'whoami', title: t('user.role_title') },
        h('span', { class: 'whoami-name' }, me.username || ''), ' ',
        h('span', { class: ['role', `role-${me.role}`] }, t(`role.${me.role}`))) : null,
      me ? h('button', { type: 'button', class: 'btn btn-small', onclick: logout, 'data-testid': 'logout' }, t('auth.logout')) : null));
}

async function logout() {
  try { await post('/auth/logout', {}); } catch (e) { /* token may be gone already */ }
  auth.clear();
  navigate('#/login');
}

function renderTopbar(active) {
  const bar = document.getElementById('topbar');
  replace(bar, topbar(active));
  const skip = document.getElementById('skip');
  if (skip) skip.textContent = t('app.skip');
}

async function ensureMe() {
  if (auth.me()) return true;
  try {
    const me = await get('/auth/me');
    auth.setMe(normalizeMe(me));
    return true;
  } catch (e) {
    return false;
  }
}

async function route(force = false) {
  const hash = window.location.hash;
  if (!force && hash === lastHash) return;
  lastHash = hash;
  const { path, query } = parseHash();
  let match = null;
  let params = {};
  for (const r of ROUTES) {
    const m = r.re.exec(path);
    if (m) {
      match = r;
      params = Object.fromEntries((r.keys || []).map((k, i) => [k, m[i + 1]]));
      break;
    }
  }
  if (!match) {
    navigate('#/tasks');
    return;
  }
  if (!match.anonymous) {
    if (!auth.token()) {
      navigate(`#/login?next=${encodeURIComponent(hash.replace(/^#/, ''))}`);
      return;
    }
    if (!(await ensureMe())) {
      if (!auth.token()) return;  // the 401 handler already navigated
    }
    if (match.role && !auth.can(match.role)) {
      toast(t('error.forbidden'), 'error');
      navigate('#/tasks');
      return;
    }
  }
  if (cleanup) { try { cleanup(); } catch (e) { /* ignore */ } cleanup = null; }
  renderTopbar(match.nav);
  const main = document.getElementById('main');
  replace(main);
  const ctx = { params, query, navigate, setQuery, path };
  // The section's title first: a page may name itself more precisely (a task's tab).
  document.title = `${t(`title.${match.nav || 'login'}`)} · zq`;
  cleanup = match.page.render(main, ctx) || null;
  if (!force) main.focus({ preventScroll: true });
}

function boot() {
  setUnauthorizedHandler(() => {
    const { path } = parseHash();
    if (path !== '/login') {
      toast(t('auth.expired'), 'error');
      navigate(`#/login?next=${encodeURIComponent(path)}`);
    }
  });
  onLangChange(() => route(true));
  window.addEventListener('hashchange', () => route());
  const skip = document.getElementById('skip');
  if (skip) {
    skip.addEventListener('click', (e) => { e.preventDefault(); document.getElementById('main').focus(); });
  }
  route(true);
}

boot();
