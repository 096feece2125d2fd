// users.js - (admin) users: create, change role, disable / enable, set a new
// password, delete.
import { h, replace, nextId } from '../dom.js';
import { t } from '../i18n.js';
import { get, post, patch, del, auth } from '../api.js';
import { timeEl } from '../format.js';
import {
  pageHeader, errorBox, toast, toastError, confirmDialog, openDialog,
} from '../ui.js';

const ROLES = ['viewer', 'operator', 'admin'];

function listOf(res) {
  return (res && (res.users || res.items)) || (Array.isArray(res) ? res : []);
}

export function render(main) {
  let disposed = false;
  const box = h('div', { class: 'table-box' }, h('p', { class: 'muted' }, t('common.loading')));
  const me = auth.me() || {};

  async function load() {
    let res;
    try { res = await get('/users'); } catch (e) { if (!disposed) replace(box, errorBox(e)); return; }
    if (disposed) return;
    const users = listOf(res);
    replace(box, h('table', { class: 'grid', id: 'users-table' },
      h('caption', { class: 'sr-only' }, t('users.title')),
      h('thead', {}, h('tr', {}, ['col.id', 'users.username', 'users.role', 'col.state', 'col.created', 'users.last_login', 'col.actions']
        .map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, users.map((u) => {
        const self = u.username === me.username;
        const roleId = nextId('role');
        return h('tr', { dataset: { user: u.username } },
          h('td', { class: 'num' }, String(u.id)),
          h('td', {}, u.username, self ? h('span', { class: 'muted' }, ` (${t('users.you')})`) : null),
          h('td', {}, h('label', { for: roleId, class: 'sr-only' }, t('users.role_of', { name: u.username })),
            h('select', {
              id: roleId, disabled: self,
              onchange: async (e) => {
                try { await patch(`/users/${u.id}`, { role: e.target.value }); toast(t('users.saved', { name: u.username }), 'ok'); } catch (err) { toastError(err); }
                load();
              },
            }, ROLES.map((r) => h('option', { value: r, selected: r === u.role }, t(`role.${r}`))))),
          h('td', {}, h('span', { class: ['badge', u.disabled ? 'badge-off' : 'badge-ok'] }, u.disabled ? t('state.disabled') : t('state.enabled'))),
          h('td', {}, timeEl(u.created_at)),
          h('td', {}, timeEl(u.last_login_at)),
          h('td', { class: 'actions' }, h('div', { class: 'btn-row' },
            self ? null : h('button', {
              type: 'button', class: 'btn btn-small',
              onclick: async () => {
                try { await patch(`/users/${u.id}`, { disabled: !u.disabled }); } catch (err) { toastError(err); }
                load();
              },
            }, u.disabled ? t('action.enable') : t('action.disable')),
            h('button', { type: 'button', class: 'btn btn-small', onclick: () => passwordDialog(u) }, t('users.set_password')),
            self ? null : h('button', {
              type: 'button', class: 'btn btn-small btn-danger',
              onclick: async () => {
                if (!(await confirmDialog(t('users.delete_title'), t('users.delete_confirm', { name: u.username }), t('action.delete')))) return;
                try { await del(`/users/${u.id}`); toast(t('users.deleted', { name: u.username }), 'ok'); } catch (err) { toastError(err); }
                load();
              },
            }, t('action.delete')))));
      }))));
  }

  function passwordDialog(u) {
    const id = nextId('pw');
    const input = h('input', { id, type: 'password', autocomplete: 'new-password', minlength: 8 });
    openDialog(t('users.set_password_for', { name: u.username }),
      h('div', { class: 'field' }, h('label', { for: id }, t('auth.password')), input), [
        { label: t('action.cancel'), onclick: () => true },
        {
          label: t('action.save'), kind: 'primary',
          onclick: async () => {
            try {
              await patch(`/users/${u.id}`, { password: input.value });
              toast(t('users.saved', { name: u.username }), 'ok');
              return true;
            } catch (err) { toastError(err); return false; }
          },
        },
      ]);
    input.focus();
  }

  const nameId = nextId('nu');
  const pwId = nextId('nu');
  const roleId = nextId('nu');
  const nameIn = h('input', { id: nameId, required: true, autocomplete: 'off', maxlength: 64 });
  const pwIn = h('input', { id: pwId, type: 'password', required: true, autocomplete: 'new-password', minlength: 8 });
  const roleSel = h('select', { id: roleId }, ROLES.map((r) => h('option', { value: r }, t(`role.${r}`))));
  const formErr = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const form = h('form', {
    class: 'card inline-form', 'aria-label': t('users.create'),
    onsubmit: async (e) => {
      e.preventDefault();
      formErr.hidden = true;
      try {
        await post('/users', { username: nameIn.value.trim(), password: pwIn.value, role: roleSel.value });
        toast(t('users.created', { name: nameIn.value.trim() }), 'ok');
        nameIn.value = ''; pwIn.value = '';
        load();
      } catch (err) {
        formErr.textContent = err.detail || String(err);
        formErr.hidden = false;
      }
    },
  }, h('h2', {}, t('users.create')),
  h('div', { class: 'row wrap' },
    h('div', { class: 'field' }, h('label', { for: nameId }, t('users.username')), nameIn),
    h('div', { class: 'field' }, h('label', { for: pwId }, t('auth.password')), pwIn),
    h('div', { class: 'field' }, h('label', { for: roleId }, t('users.role')), roleSel),
    h('div', { class: 'field end' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('action.create')))),
  formErr);

  main.append(pageHeader(t('users.title')), box, form);
  load();
  return () => { disposed = true; };
}
