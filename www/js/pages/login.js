// login.js - username + password -> bearer token in sessionStorage.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { api, auth, get, normalizeMe } from '../api.js';

export function render(main, ctx) {
  const err = h('p', { class: 'form-error', role: 'alert', id: 'login-error', hidden: true });
  const user = h('input', {
    id: 'login-username', name: 'username', autocomplete: 'username', required: true,
    autocapitalize: 'none', spellcheck: 'false',
  });
  const pass = h('input', {
    id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true,
  });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'login-submit' }, t('auth.login'));

  async function onSubmit(e) {
    e.preventDefault();
    err.hidden = true;
    submit.disabled = true;
    try {
      const res = await api('POST', '/auth/login', {
        body: { username: user.value.trim(), password: pass.value }, anonymous: true,
      });
      auth.set(res.access_token, null);
      try {
        auth.setMe(normalizeMe(await get('/auth/me')));
      } catch (e2) {
        auth.setMe({ username: user.value.trim(), role: 'viewer' });
      }
      const next = ctx.query.next && ctx.query.next.startsWith('/') && !ctx.query.next.startsWith('/login')
        ? ctx.query.next : '/tasks';
      ctx.navigate(`#${next}`);
    } catch (e2) {
      err.textContent = e2.status === 401 || e2.status === 400 ? t('auth.bad_credentials')
        : e2.status === 429 ? t('auth.rate_limited', { detail: e2.detail }) : `${t('auth.failed')}: ${e2.detail}`;
      err.hidden = false;
      pass.select();
      pass.focus();
    } finally {
      submit.disabled = false;
    }
  }

  if (auth.token()) auth.clear();
  main.appendChild(h('div', { class: 'login-wrap' },
    h('form', { class: 'card login', onsubmit: onSubmit, 'aria-labelledby': 'login-title', novalidate: false },
      h('h1', { id: 'login-title' }, t('auth.title')),
      h('p', { class: 'muted' }, t('auth.subtitle')),
      h('div', { class: 'field' }, h('label', { for: 'login-username' }, t('auth.username')), user),
      h('div', { class: 'field' }, h('label', { for: 'login-password' }, t('auth.password')), pass),
      err,
      h('div', { class: 'form-actions' }, submit))));
  setTimeout(() => user.focus(), 0);
}
