// version_scenarios.mjs - a task's History of changes (the tab on the task's
// page), the edit form's If-Match (a stale edit's 412) and the Deleted tasks
// page, as a user does them (scenarios.mjs re-exports these; run.mjs runs
// one by name). Each returns what was seen; test_version_pages.py asserts.
import { env, login, shot, until } from './lib.mjs';

const creds = (role) => [env(`ZQ_${role.toUpperCase()}_USER`), env(`ZQ_${role.toUpperCase()}_PASS`)];
const loginAs = (page, p, role = 'admin') => login(page, p.base, ...creds(role));
const texts = (page, sel) => page.$$eval(sel, (els) => els.map((e) => e.textContent.trim()));

async function waitToast(page, re) {
  return until(async () => (await texts(page, '#toasts .toast')).find((x) => re.test(x)) || null,
    { timeout: 20000, what: `toast ${re}` });
}

/** Open the edit form of a task, filled. */
async function openForm(page, p, id) {
  await page.goto(`${p.base}/#/tasks/${id}/edit`);
  await page.waitForSelector('#task-form');
  await until(async () => (await page.inputValue('input[name=name]')) !== '', { what: 'edit form filled' });
}

/** Save the form and wait for the task list (a saved edit goes back to it). */
async function save(page) {
  await page.click('#task-submit');
  await page.waitForSelector('#tasks-table, .empty');
}

/** The versions table as records. */
const versionRows = (page) => page.$$eval('#versions-table tbody tr', (trs) => trs.map((tr) => {
  const cell = (c) => (tr.querySelector(`td[data-col=${c}]`) || {}).textContent || '';
  return {
    version: Number(tr.dataset.version), action: tr.dataset.verAction, label: cell('action').trim(),
    actor: cell('actor').trim(), comment: cell('comment').trim(), at: cell('at').trim(),
    changes: [...tr.querySelectorAll('td[data-col=changes] code')].map((c) => c.textContent),
    restore: tr.querySelectorAll('button[data-action=restore]').length,
    from: tr.querySelector('input[name=ver-from]').checked, to: tr.querySelector('input[name=ver-to]').checked,
  };
}));

/** Wait for the diff of a pair (from, to), then read it: [{path, from, to}] of what the cells show. */
async function readDiff(page, from, to) {
  await page.waitForSelector(`#version-diff[data-from="${from}"][data-to="${to}"][data-ready="1"]`);
  return {
    title: (await page.textContent('#version-diff-title')).trim(),
    heads: await texts(page, '#version-diff thead th'),
    rows: await page.$$eval('#version-diff-table tbody tr', (trs) => trs.map((tr) => ({
      path: tr.dataset.path,
      from: tr.querySelector('td.diff-from').textContent,
      to: tr.querySelector('td.diff-to').textContent,
      from_is_text: !tr.querySelector('td.diff-from *:not(pre):not(span)'),
    }))),
    empty: await page.$$eval('#version-diff-none, #version-diff-first, #version-diff-same', (els) => els.map((e) => e.id)),
    // long values wrap inside their cell (no sideways scroll), user text never became elements
    overflow: await page.$$eval('#version-diff-table pre', (els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).length),
    table_fits: await page.$eval('#version-diff', (e) => e.scrollWidth <= e.clientWidth + 1),
    markup: await page.$$eval('#changes-panel b, #changes-panel i, #changes-panel img', (els) => els.length),
  };
}

async function openChanges(page, p, id, query = '') {
  await page.goto(`${p.base}/#/tasks/${id}/history?tab=changes${query}`);
  await page.waitForSelector('#versions-table, #changes-panel .empty, #changes-panel .error-box');
}

/** Edit a task twice in the form (cron with a comment, then the command), read its History of
 * changes (the default pair, Compare on the first edit, a picked pair), restore the first
 * version with a comment. */
export async function ver_edit_restore(page, p) {
  const out = {};
  await loginAs(page, p);
  await openForm(page, p, p.task_id);
  out.comment_label = (await page.textContent('label[for=change-comment]')).trim();
  await page.fill('input[name=cron_expression]', p.cron2);
  await page.fill('#change-comment', p.comment);
  await save(page);
  await openForm(page, p, p.task_id);
  const cfg = JSON.parse(await page.inputValue('textarea[name=config]'));
  out.config_seen = cfg;
  cfg.command = p.command2;
  await page.fill('textarea[name=config]', JSON.stringify(cfg, null, 2));
  await page.fill('#change-comment', p.comment2);
  await save(page);

  await page.goto(`${p.base}/#/tasks/${p.task_id}/history`);
  await page.waitForSelector('#task-tab-changes');
  out.tabs = await texts(page, '.tabs [role=tab]');
  await page.click('#task-tab-changes');
  await page.waitForSelector('#versions-table');
  out.url = page.url();
  out.rows = await versionRows(page);
  const [v3, v2, v1] = out.rows.map((r) => r.version);
  out.default_diff = await readDiff(page, v2, v3);
  await shot(page, 'versions-default-diff');
  // Compare on the first edit: that version against the one before it.
  await page.click(`#versions-table tr[data-version="${v2}"] [data-action=compare]`);
  out.compare_diff = await readDiff(page, v1, v2);
  // Any two: From the first, To the newest.
  await page.check(`#versions-table tr[data-version="${v1}"] input[name=ver-from]`);
  await page.check(`#versions-table tr[data-version="${v3}"] input[name=ver-to]`);
  out.picked_diff = await readDiff(page, v1, v3);
  out.picked_url = page.url();
  await shot(page, 'versions-picked-diff');
  // A reload keeps the tab and the pair.
  await page.reload();
  await page.waitForSelector('#versions-table');
  out.reloaded_diff = await readDiff(page, v1, v3);

  // Restore the first version.
  await page.click(`#versions-table tr[data-version="${v1}"] [data-action=restore]`);
  await page.waitForSelector('dialog[open] .restore-form');
  out.dialog_title = (await page.textContent('dialog[open] h2')).trim();
  out.dialog_text = (await page.textContent('#restore-question')).trim();
  await page.fill('dialog[open] textarea', p.restore_comment);
  await shot(page, 'versions-restore-dialog');
  await page.click('dialog[open] .btn-primary');
  out.toast = await waitToast(page, /restored/i);
  await until(async () => (await page.$$('#versions-table tbody tr')).length === out.rows.length + 1 || null, { what: 'the new version' });
  out.after = await versionRows(page);
  const v4 = out.after[0].version;
  out.after_diff = await readDiff(page, v3, v4);
  out.config_box = (await page.textContent('#task-config').catch(() => '')) || '';
  await shot(page, 'versions-after-restore');
  return out;
}

/** Open the edit form, let someone else change the task (a PUT from the same page's token),
 * then save: the 412 says so and nothing is overwritten; Reload shows the other edit. */
/** Someone else's edit: a PUT of the description with this page's token (no If-Match). */
const otherEdit = (page, id, description) => page.evaluate(async (a) => {
  const r = await fetch(`/api/v1/scheduler/tasks/${a.id}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${sessionStorage.getItem('zq.token')}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ description: a.description }),
  });
  return { status: r.status, etag: r.headers.get('ETag') };
}, { id, description });

/** ... and the same for a Restore in the History of changes tab (the dialog says so). */
export async function ver_stale_edit(page, p) {
  const out = {};
  await loginAs(page, p);
  await openForm(page, p, p.task_id);
  out.other = await otherEdit(page, p.task_id, p.other_description);
  await page.fill('input[name=cron_expression]', p.stale_cron);
  await page.click('#task-submit');
  await page.waitForSelector('#form-errors[data-stale="1"]:not([hidden])');
  out.message = (await page.textContent('#form-errors')).trim();
  out.still_on_form = page.url().includes('/edit');
  await shot(page, 'form-stale-412');
  await page.click('#form-reload');
  await until(async () => (await page.inputValue('textarea[name=description], input[name=description]').catch(() => '')) === p.other_description || null,
    { what: 'the reloaded form' });
  out.reloaded_cron = await page.inputValue('input[name=cron_expression]');
  out.reloaded_errors_hidden = await page.$eval('#form-errors', (e) => e.hidden);

  await openChanges(page, p, p.task_id);
  out.versions_before = (await versionRows(page)).map((r) => r.version);
  out.other2 = await otherEdit(page, p.task_id, `${p.other_description} again`);
  await page.click('#versions-table tr[data-version="1"] button[data-action=restore]');
  await page.waitForSelector('dialog[open] .restore-form');
  await page.click('dialog[open] .btn-primary');
  await page.waitForSelector('#restore-error:not([hidden])');
  out.restore_error = (await page.textContent('#restore-error')).trim();
  await page.keyboard.press('Escape');
  await page.waitForSelector('dialog[open]', { state: 'detached' });
  return out;
}

/** A viewer (or operator) reads the history and the deleted tasks, restores nothing. */
export async function ver_readonly(page, p) {
  const out = {};
  await loginAs(page, p, p.role || 'viewer');
  await openChanges(page, p, p.task_id);
  await page.waitForSelector('#version-diff[data-ready="1"]');
  out.rows = (await versionRows(page)).length;
  out.restore = await page.$$eval('#changes-panel button[data-action=restore]', (els) => els.length);
  out.whoami = (await page.textContent('.whoami')).trim();
  out.diff_rows = await page.$$eval('#version-diff-table tbody tr', (els) => els.length);
  await page.goto(`${p.base}/#/tasks`);
  await page.waitForSelector('#deleted-tasks');
  await page.click('#deleted-tasks');
  await page.waitForSelector('#deleted-table, #deleted-none, .error-box');
  out.deleted_intro = (await page.textContent('.intro')).trim();
  out.deleted_restore = await page.$$eval('#deleted-table button[data-action=restore]', (els) => els.length);
  out.deleted_error = await page.$$eval('.error-box', (els) => els.map((e) => e.textContent.trim()));
  return out;
}

/** The task list's Deleted tasks: restore one; the secrets that came back empty are listed. */
export async function ver_deleted(page, p) {
  const out = {};
  await loginAs(page, p);
  await page.click('#deleted-tasks');
  await page.waitForSelector('#deleted-table');
  out.h1 = (await page.textContent('h1')).trim();
  out.headers = await texts(page, '#deleted-table thead th');
  const row = `#deleted-table tr[data-task-id="${p.task_id}"]`;
  await page.waitForSelector(row);
  out.row = {
    name: (await page.textContent(`${row} td[data-col=name]`)).trim(),
    by: (await page.textContent(`${row} td[data-col=deleted_by]`)).trim(),
    version: (await page.textContent(`${row} td[data-col=version]`)).trim(),
  };
  await page.click(`${row} [data-action=restore]`);
  await page.waitForSelector('dialog[open]');
  out.confirm = (await page.textContent('dialog[open] .dialog-body')).trim();
  await page.click('dialog[open] .btn-primary');
  out.toast = await waitToast(page, /Restored/);
  await page.waitForSelector('dialog[open] #secrets-cleared');
  out.secrets = await texts(page, '#secrets-cleared li');
  await shot(page, 'deleted-restored-secrets');
  await page.click('dialog[open] .btn-primary');
  await until(async () => (await page.$$(row)).length === 0 || null, { what: 'the row gone' });
  await openChanges(page, p, p.task_id);
  out.history = await versionRows(page);
  return out;
}

/** The tab and its table in Chinese. */
export async function ver_zh(page, p) {
  const out = {};
  await loginAs(page, p);
  await page.selectOption('#lang-select', 'zh');
  await until(async () => (await page.evaluate(() => document.documentElement.lang)) === 'zh-CN' || null, { what: 'zh' });
  await openChanges(page, p, p.task_id);
  await page.waitForSelector('#version-diff[data-ready="1"]');
  out.tabs = await texts(page, '.tabs [role=tab]');
  out.selected = (await page.textContent('.tabs [aria-selected=true]')).trim();
  out.headers = await texts(page, '#versions-table thead th');
  out.actions = await texts(page, '#versions-table td[data-col=action]');
  out.buttons = await texts(page, '#changes-panel button');
  out.diff_title = (await page.textContent('#version-diff-title')).trim();
  out.diff_heads = await texts(page, '#version-diff thead th');
  await shot(page, 'versions-zh');
  await page.goto(`${p.base}/#/tasks/deleted`);
  await page.waitForSelector('#deleted-table, #deleted-none');
  out.deleted_h1 = (await page.textContent('h1')).trim();
  return out;
}

/** Restore a version whose secret env value the task no longer has: the dialog lists it. */
export async function ver_restore_secrets(page, p) {
  const out = {};
  await loginAs(page, p);
  await openChanges(page, p, p.task_id);
  await page.click(`#versions-table tr[data-version="${p.version}"] button[data-action=restore]`);
  await page.waitForSelector('dialog[open] .restore-form');
  await page.click('dialog[open] .btn-primary');
  out.toast = await waitToast(page, /restored/i);
  await page.waitForSelector('dialog[open] #secrets-cleared');
  out.secrets = await texts(page, '#secrets-cleared li');
  out.edit_link = await page.getAttribute('#secrets-edit', 'href');
  await page.click('dialog[open] .btn-primary');
  out.rows = (await versionRows(page)).map((r) => [r.version, r.action]);
  return out;
}

/** The task page's heading and window title on each tab: Executions, History of changes, back,
 * the arrow key, a reload of ?tab=changes, then both tabs in Chinese. */
export async function ver_titles(page, p) {
  const seen = [];
  const read = async (tab) => {
    await page.waitForSelector(`#task-tab-${tab}[aria-selected=true]`);
    await page.waitForSelector('.page-head h1 .task-name');
    seen.push({
      tab: (await page.textContent('.tabs [aria-selected=true]')).trim(),
      h1: (await page.textContent('.page-head h1')).trim(),
      title: await page.title(),
    });
  };
  await loginAs(page, p);
  await page.goto(`${p.base}/#/tasks/${p.task_id}/history`);
  await read('runs');
  await page.click('#task-tab-changes');
  await page.waitForSelector('#versions-table, #changes-panel .empty');
  await read('changes');
  await page.click('#task-tab-runs');
  await read('runs');
  await page.press('#task-tab-runs', 'ArrowRight');
  await read('changes');
  await page.reload();
  await read('changes');
  await page.selectOption('#lang-select', 'zh');
  await until(async () => (await page.textContent('#task-tab-changes[aria-selected=true]').catch(() => '')) === '变更历史' || null,
    { what: 'the tabs in Chinese' });
  await read('changes');
  await shot(page, 'versions-title-zh');
  await page.click('#task-tab-runs');
  await read('runs');
  return { seen };
}
