// api.js - the REST client. The login token lives in sessionStorage (this tab
// only, gone when it closes) and goes out as a bearer header: no cookies, so
// there is nothing for another site to ride on (no CSRF). Any 401 drops the
// token and sends the user back to the login page.

const BASE = '/api/v1';
const TOKEN_KEY = 'zq.token';
const ME_KEY = 'zq.me';

export class ApiError extends Error {
  constructor(status, detail, body) {
    super(detail || `HTTP ${status}`);
    this.status = status;
    this.detail = detail || '';
    this.body = body;
  }
}

let onUnauthorized = () => {};

export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

export const auth = {
  token() {
    try { return sessionStorage.getItem(TOKEN_KEY); } catch (e) { return null; }
  },
  me() {
    try { return JSON.parse(sessionStorage.getItem(ME_KEY) || 'null'); } catch (e) { return null; }
  },
  set(token, me) {
    sessionStorage.setItem(TOKEN_KEY, token);
    if (me) sessionStorage.setItem(ME_KEY, JSON.stringify(me));
  },
  setMe(me) {
    sessionStorage.setItem(ME_KEY, JSON.stringify(me));
  },
  clear() {
    try {
      sessionStorage.removeItem(TOKEN_KEY);
      sessionStorage.removeItem(ME_KEY);
    } catch (e) { /* storage disabled */ }
  },
  role() {
    const me = auth.me();
    return (me && me.role) || 'viewer';
  },
  /** viewer < operator < admin */
  can(need) {
    const rank = { viewer: 0, operator: 1, admin: 2 };
    return (rank[auth.role()] ?? 0) >= (rank[need] ?? 9);
  },
};

/** /auth/me -> {username, role, id} whatever the exact envelope. */
export function normalizeMe(me) {
  const u = (me && (me.user || me)) || {};
  return { username: u.username || u.name || '', role: u.role || 'viewer', id: u.id ?? null };
}

function buildUrl(path, query) {
  const url = new URL(BASE + path, window.location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v === undefined || v === null || v === '') continue;
    url.searchParams.set(k, String(v));
  }
  return url.pathname + url.search;
}

/** The message of a JSON error body: {"detail": "..."} (FastAPI-style lists too). */
function detailOf(body, status) {
  if (body && typeof body.detail === 'string') return body.detail;
  if (body && Array.isArray(body.detail)) {
    return body.detail.map((d) => (d && (d.msg || d.message)) || JSON.stringify(d)).join('; ');
  }
  if (body && typeof body.message === 'string') return body.message;
  return `HTTP ${status}`;
}

/**
 * api('GET', '/scheduler/tasks', {query: {skip: 0}}) -> parsed JSON.
 * opts.headers: extra request headers (If-Match, X-Zq-Change-Comment).
 * Throws ApiError (status, detail) for non-2xx answers and for network errors
 * (status 0).
 */
export async function api(method, path, opts = {}) {
  const headers = { Accept: 'application/json', ...(opts.headers || {}) };
  const token = auth.token();
  if (token && !opts.anonymous) headers.Authorization = `Bearer ${token}`;
  let body;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res;
  try {
    res = await fetch(buildUrl(path, opts.query), {
      method, headers, body, signal: opts.signal, cache: 'no-store', credentials: 'omit',
    });
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError(0, e && e.message ? e.message : 'network error');
  }
  let data = null;
  const text = await res.text();
  if (text) {
    try { data = JSON.parse(text); } catch (e) { data = { detail: text.slice(0, 300) }; }
  }
  if (res.status === 401 && !opts.anonymous) {
    auth.clear();
    onUnauthorized();
    throw new ApiError(401, detailOf(data, 401), data);
  }
  if (!res.ok) throw new ApiError(res.status, detailOf(data, res.status), data);
  return data;
}

export const get = (path, query, opts) => api('GET', path, { ...opts, query });
export const post = (path, body, opts) => api('POST', path, { ...opts, body });
export const put = (path, body, opts) => api('PUT', path, { ...opts, body });
export const patch = (path, body, opts) => api('PATCH', path, { ...opts, body });
export const del = (path, opts) => api('DELETE', path, opts);
