// tokens.js - (admin) long-lived API tokens: create (shown once), revoke.
import { h, replace, nextId } from '../dom.js';
import { t } from '../i18n.js';
import { get, post, del } from '../api.js';
import { timeEl } from '../format.js';
import {
  pageHeader, errorBox, toast, toastError, confirmDialog, openDialog,
} from '../ui.js';

const ROLES = ['viewer', 'operator', 'admin'];

function listOf(res) {
  return (res && (res.tokens || res.items)) || (Array.isArray(res) ? res : []);
}

export function render(main) {
  let disposed = false;
  const box = h('div', { class: 'table-box' }, h('p', { class: 'muted' }, t('common.loading')));

  async function load() {
    let res;
    try { res = await get('/tokens'); } catch (e) { if (!disposed) replace(box, errorBox(e)); return; }
    if (disposed) return;
    const tokens = listOf(res).filter((x) => !x.kind || x.kind === 'api');
    replace(box, tokens.length ? h('table', { class: 'grid', id: 'tokens-table' },
      h('caption', { class: 'sr-only' }, t('tokens.title')),
      h('thead', {}, h('tr', {}, ['col.id', 'tokens.name', 'tokens.prefix', 'users.role', 'tokens.created_by', 'col.created',
        'tokens.expires', 'tokens.last_used', 'col.actions'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, tokens.map((x) => h('tr', {},
        h('td', { class: 'num' }, String(x.id)),
        h('td', {}, x.name || ''),
        h('td', {}, h('code', {}, x.prefix ? `${x.prefix}…` : '')),
        h('td', {}, t(`role.${x.role}`)),
        h('td', {}, x.created_by || ''),
        h('td', {}, timeEl(x.created_at)),
        h('td', {}, timeEl(x.expires_at, { empty: t('tokens.never') })),
        h('td', {}, timeEl(x.last_used_at, { empty: t('tokens.never_used') })),
        h('td', { class: 'actions' }, h('button', {
          type: 'button', class: 'btn btn-small btn-danger',
          onclick: async () => {
            if (!(await confirmDialog(t('tokens.revoke_title'), t('tokens.revoke_confirm', { name: x.name || x.id }), t('tokens.revoke')))) return;
            try { await del(`/tokens/${x.id}`); toast(t('tokens.revoked'), 'ok'); } catch (err) { toastError(err); }
            load();
          },
        }, t('tokens.revoke'))))))) : h('p', { class: 'empty' }, t('tokens.none')));
  }

  function showOnce(token) {
    const id = nextId('tok');
    const out = h('input', { id, readonly: true, value: token, class: 'mono wide' });
    openDialog(t('tokens.created_title'), [
      h('p', {}, t('tokens.shown_once')),
      h('label', { for: id }, t('tokens.token')), out,
    ], [
      {
        label: t('tokens.copy'), onclick: async () => {
          try { await navigator.clipboard.writeText(token); toast(t('tokens.copied'), 'ok'); } catch (e) { out.select(); }
          return false;
        },
      },
      { label: t('action.close'), kind: 'primary', onclick: () => true },
    ]);
    out.select();
  }

  const nameId = nextId('nt');
  const roleId = nextId('nt');
  const daysId = nextId('nt');
  const nameIn = h('input', { id: nameId, required: true, maxlength: 128, autocomplete: 'off' });
  const roleSel = h('select', { id: roleId }, ROLES.map((r) => h('option', { value: r }, t(`role.${r}`))));
  const daysIn = h('input', { id: daysId, type: 'number', min: 1, class: 'short', placeholder: t('tokens.never') });
  const formErr = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const form = h('form', {
    class: 'card inline-form', 'aria-label': t('tokens.create'),
    onsubmit: async (e) => {
      e.preventDefault();
      formErr.hidden = true;
      const body = { name: nameIn.value.trim(), role: roleSel.value };
      if (daysIn.value) body.expires_days = Number(daysIn.value);
      try {
        const res = await post('/tokens', body);
        nameIn.value = '';
        showOnce(res.token || res.access_token || '');
        load();
      } catch (err) {
        formErr.textContent = err.detail || String(err);
        formErr.hidden = false;
        toastError(err);
      }
    },
  }, h('h2', {}, t('tokens.create')),
  h('div', { class: 'row wrap' },
    h('div', { class: 'field' }, h('label', { for: nameId }, t('tokens.name')), nameIn),
    h('div', { class: 'field' }, h('label', { for: roleId }, t('users.role')), roleSel),
    h('div', { class: 'field' }, h('label', { for: daysId }, t('tokens.expires_days')), daysIn),
    h('div', { class: 'field end' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('action.create')))),
  formErr);

  main.append(pageHeader(t('tokens.title')), h('p', { class: 'muted' }, t('tokens.intro')), box, form);
  load();
  return () => { disposed = true; };
}
