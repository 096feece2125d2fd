// scenarios.mjs - what a user does in zq's admin pages, one exported function
// per scenario: (page, params) -> a JSON-able record of what the user saw.
// Assertions live in the pytest files; a scenario throws only when the page
// never reaches a state it waits for.
import { env, login, shot, until, rowOf } from './lib.mjs';

// The Calendars pages, the task form's calendar pickers, Backfill.
export * from './calendar_scenarios.mjs';
// The execution page's Follow view.
export * from './follow_scenarios.mjs';
// A task's History of changes, the edit form's If-Match, Deleted tasks.
export * from './version_scenarios.mjs';

const creds = (role) => [env(`ZQ_${role.toUpperCase()}_USER`), env(`ZQ_${role.toUpperCase()}_PASS`)];

async function loginAs(page, p, role = 'admin') {
  const [u, pw] = creds(role);
  await login(page, p.base, u, pw);
}

async function gotoTasks(page, p, query = '') {
  await page.goto(`${p.base}/#/tasks${query}`);
  await page.waitForSelector('#tasks-table, .empty');
}

/** The task list searched for `search` (default: the name), with that row shown. */
async function showRow(page, p, name, search = name) {
  await gotoTasks(page, p, `?q=${encodeURIComponent(search)}`);
  await until(async () => (await rowOf(page, name).count()) === 1, { what: `row ${name}` });
  return rowOf(page, name);
}

/** Text of every element matching sel. */
const texts = (page, sel) => page.$$eval(sel, (els) => els.map((e) => e.textContent.trim()));

async function waitToast(page, re) {
  return until(async () => {
    const all = await texts(page, '#toasts .toast');
    return all.find((x) => re.test(x)) || null;
  }, { timeout: 20000, what: `toast ${re}` });
}

// ---- login, logout, 401 ------------------------------------------------------------
export async function login_flow(page, p) {
  const [user, pass] = creds('admin');
  const out = {};
  await page.goto(`${p.base}/`);
  await page.waitForSelector('#login-username');
  out.redirected_to_login = page.url().includes('#/login');
  await shot(page, 'login');
  // Keyboard only: the username field has focus; Tab to the password; Enter submits.
  await page.keyboard.type(user);
  await page.keyboard.press('Tab');
  await page.keyboard.type(`${pass}-wrong`);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#login-error:not([hidden])');
  out.bad_password_message = (await page.textContent('#login-error')).trim();
  out.still_on_login = page.url().includes('#/login');
  await page.fill('#login-password', pass);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#tasks-table, .empty');
  out.whoami = (await page.textContent('.whoami')).trim();
  out.storage = await page.evaluate(() => ({
    token: !!sessionStorage.getItem('zq.token'),
    local_token: Object.keys(localStorage).filter((k) => /token/i.test(k)),
    cookies: document.cookie,
  }));
  await shot(page, 'tasks-after-login');

  // A token the API no longer accepts: any 401 goes back to the login page.
  await page.evaluate(() => sessionStorage.setItem('zq.token', 'zq_not_a_valid_token'));
  await page.goto(`${p.base}/#/nodes`);
  await page.waitForSelector('#login-username');
  out.after_401_url = page.url();
  out.after_401_token = await page.evaluate(() => sessionStorage.getItem('zq.token'));

  // Sign out revokes the session: the old token stops working.
  await page.fill('#login-username', user);
  await page.fill('#login-password', pass);
  await page.click('#login-submit');
  await page.waitForSelector('[data-testid=logout]');
  const token = await page.evaluate(() => sessionStorage.getItem('zq.token'));
  await page.click('[data-testid=logout]');
  await page.waitForSelector('#login-username');
  out.after_logout_token = await page.evaluate(() => sessionStorage.getItem('zq.token'));
  out.old_token_status = await page.evaluate(async (tok) => (await fetch('/api/v1/auth/me', {
    headers: { Authorization: `Bearer ${tok}` },
  })).status, token);
  return out;
}

// ---- create a task through the form ---------------------------------------------------
export async function create_task(page, p) {
  const out = {};
  await loginAs(page, p);
  await page.click('#create-task');
  await page.waitForSelector('#task-form');
  await page.fill('input[name=name]', p.existing_name);
  await page.selectOption('select[name=task_type]', 'example_task');
  out.template = await page.inputValue('textarea[name=config]');
  await page.check('input[type=radio][value=cron]');
  await page.fill('input[name=timezone]', p.timezone);
  await page.dispatchEvent('input[name=timezone]', 'change');
  await page.fill('input[name=cron_expression]', '61 * * * *');
  await page.waitForSelector('.field[data-field=cron] .field-error:not([hidden])');
  out.cron_client_error = (await page.textContent('.field[data-field=cron] .field-error')).trim();
  await page.fill('input[name=cron_expression]', p.cron);
  await until(async () => (await page.$$('#cron-preview li time')).length === 5, { what: 'five preview times' });
  out.cron_words = (await page.textContent('#cron-words')).trim();
  out.preview = await page.$$eval('#cron-preview li', (lis) => lis.map((li) => ({
    text: li.textContent.trim(), utc: li.querySelector('time').getAttribute('datetime'),
    title: li.querySelector('time').getAttribute('title'),
  })));
  await shot(page, 'form-cron-preview');

  // JSON check in the config editor, then the template back.
  await page.fill('textarea[name=config]', '{"duration_seconds": 3,');
  await page.waitForSelector('.field[data-field=config] .field-error:not([hidden])');
  out.config_error = (await page.textContent('.field[data-field=config] .field-error')).trim();
  await page.fill('textarea[name=config]', JSON.stringify(p.config, null, 2));

  // An API error (duplicate name: 409) lands next to the name field.
  await page.click('#task-submit');
  await page.waitForSelector('.field[data-field=name] .field-error:not([hidden])');
  out.name_error = (await page.textContent('.field[data-field=name] .field-error')).trim();
  out.name_invalid = await page.getAttribute('input[name=name]', 'aria-invalid');
  await page.fill('input[name=name]', p.name);

  // A field the browser does not check: the API's 400 names it.
  await page.click('details.advanced summary');
  await page.fill('input[name=max_retries]', '-1');
  await page.click('#task-submit');
  await page.waitForSelector('.field[data-field=max_retries] .field-error:not([hidden])');
  out.max_retries_error = (await page.textContent('.field[data-field=max_retries] .field-error')).trim();
  await shot(page, 'form-api-error');
  await page.fill('input[name=max_retries]', '2');

  await page.click('#task-submit');
  await page.waitForSelector('#tasks-table, .empty');
  const row = await showRow(page, p, p.name);
  out.row = {
    type: (await row.locator('td[data-col=name] .type-tag').textContent()).trim(),
    schedule: (await row.locator('td[data-col=schedule]').textContent()).trim(),
    next_run: (await row.locator('td[data-col=next]').textContent()).trim(),
    next_run_title: await row.locator('td[data-col=next] time').getAttribute('title').catch(() => null),
  };
  await shot(page, 'tasks-after-create');

  // The edit form shows what was saved.
  await row.locator('[data-action=edit]').click();
  await page.waitForSelector('#task-form');
  await until(async () => (await page.inputValue('input[name=name]')) === p.name, { what: 'edit form filled' });
  out.edit = {
    cron: await page.inputValue('input[name=cron_expression]'),
    timezone: await page.inputValue('input[name=timezone]'),
    retries: await page.inputValue('input[name=max_retries]'),
    config: JSON.parse(await page.inputValue('textarea[name=config]')),
  };
  await until(async () => (await page.$$('#cron-preview li time')).length === 5, { what: 'preview on edit' });
  await shot(page, 'form-edit');
  // Switch the schedule to an interval with the unit picker and save (PUT).
  await page.check('input[type=radio][value=interval]');
  await page.fill('input[name=interval_n]', '2');
  await page.selectOption('.field[data-field=interval] select', 'h');
  out.interval_words = (await page.textContent('.field[data-field=interval] .inline > span.muted')).trim();
  await page.click('#task-submit');
  await page.waitForSelector('#tasks-table, .empty');
  await showRow(page, p, p.name);
  await until(async () => /every 2 h/.test(await rowOf(page, p.name).locator('td[data-col=schedule]').textContent()),
    { what: 'interval schedule in the list' });
  out.after_edit_schedule = (await rowOf(page, p.name).locator('td[data-col=schedule]').textContent()).trim();
  return out;
}

// ---- trigger and watch the progress ------------------------------------------------
export async function trigger_progress(page, p) {
  const out = { seen: [] };
  await loginAs(page, p, p.role || 'admin');
  await showRow(page, p, p.name);
  await rowOf(page, p.name).locator('[data-action=trigger]').click();
  out.toast = await waitToast(page, /#\d+/);
  await rowOf(page, p.name).locator('[data-action=history]').click();
  await page.waitForSelector('#history-table');
  const execRequests = [];
  page.on('request', (r) => { if (/\/executions(\?|$)/.test(r.url())) execRequests.push(Date.now()); });
  let shotRunning = false;
  const final = await until(async () => {
    const row = await page.$('#history-table tbody tr');
    if (!row) return null;
    const status = await row.getAttribute('data-status');
    const bar = await row.$('[role=progressbar]');
    const snap = { status, percent: bar ? Number(await bar.getAttribute('aria-valuenow')) : null };
    if (bar) snap.text = (await (await row.$('.result-cell')).textContent()).trim();
    const last = out.seen[out.seen.length - 1];
    if (!last || last.status !== snap.status || last.percent !== snap.percent) out.seen.push(snap);
    if (status === 'running' && bar && snap.percent > 0 && !shotRunning) {
      shotRunning = true;
      await shot(page, 'history-running');
    }
    return ['success', 'failed', 'terminated', 'completed'].includes(status) ? snap : null;
  }, { timeout: p.timeout_ms || 120000, interval: 200, what: 'execution to finish' });
  out.final = final;
  out.final_cell = (await page.textContent('#history-table tbody tr .result-cell')).trim();
  out.final_badge = (await page.textContent('#history-table tbody tr .badge')).trim();
  out.poll_note_while_done = await page.getAttribute('#poll-note', 'data-polling');
  await shot(page, 'history-done');
  // Once nothing runs the page stops asking.
  const before = execRequests.length;
  await page.waitForTimeout(4500);
  out.requests_after_done = execRequests.length - before;

  await page.click('#history-table tbody tr a');
  await page.waitForSelector('#execution .kv');
  await until(async () => (await page.$$('#exec-steps tbody tr')).length > 0, { timeout: 10000, what: 'steps' }).catch(() => null);
  out.detail = {
    steps: (await page.$$('#exec-steps tbody tr')).length,
    status: (await page.textContent('#execution .kv .badge')).trim(),
    result: await page.textContent('#exec-result').catch(() => null),
    cancel_button: !!(await page.$('#exec-cancel')),
  };
  await shot(page, 'execution-detail');

  const row = await showRow(page, p, p.name);
  out.list_latest = (await row.locator('.latest').textContent()).trim();
  out.list_status = await row.locator('td[data-col=latest] .badge').getAttribute('data-status');
  return out;
}

// ---- cancel a running execution -------------------------------------------------------
export async function cancel_run(page, p) {
  const out = {};
  await loginAs(page, p);
  await page.goto(`${p.base}/#/tasks/${p.task_id}/history`);
  await page.waitForSelector('#history-trigger');
  await page.click('#history-trigger');
  await until(async () => {
    const st = await page.getAttribute('#history-table tbody tr', 'data-status').catch(() => null);
    return st === 'running' ? st : null;
  }, { timeout: 60000, what: 'running execution' });
  await page.click('#history-table tbody tr a');
  await page.waitForSelector('#exec-cancel');
  await shot(page, 'execution-running');
  await page.click('#exec-cancel');
  await page.waitForSelector('dialog[open]');
  await page.click('dialog[open] .btn-danger');
  out.final = await until(async () => {
    const s = await page.$eval('#execution .kv .badge', (b) => b.dataset.status).catch(() => null);
    return ['terminated', 'failed', 'success'].includes(s) ? s : null;
  }, { timeout: 60000, what: 'cancelled execution' });
  out.error = await page.textContent('#execution .kv .err-text').catch(() => null);
  return out;
}

// ---- workflow builder and tree -------------------------------------------------------
export async function workflow_tree(page, p) {
  const out = { validations: [] };
  page.on('response', async (r) => {
    if (/\/workflow\/validate$/.test(new URL(r.url()).pathname)) {
      try { out.validations.push({ url: new URL(r.url()).pathname, status: r.status(), body: await r.json() }); } catch (e) { /* ignore */ }
    }
  });
  await loginAs(page, p);
  await page.goto(`${p.base}/#/tasks/new`);
  await page.waitForSelector('#task-form');
  await page.fill('input[name=name]', p.name);
  await page.selectOption('select[name=task_type]', 'workflow');
  await page.waitForSelector('#wf-builder');
  await page.check('input[type=radio][value=cron]');
  await page.fill('input[name=cron_expression]', '0 3 1 1 *');
  const addSel = '#wf-builder .wf-add select';
  await until(async () => (await page.$$eval(`${addSel} option`, (o) => o.length)) > 1, { what: 'task choices' });
  for (const id of p.task_ids) {
    await page.selectOption(addSel, String(id));
    await page.click('#wf-add');
  }
  await until(async () => (await page.getAttribute('#wf-status', 'data-state')) === 'ok', { what: 'valid workflow' });
  out.status_ok = (await page.textContent('#wf-status')).trim();
  out.stages = await texts(page, '#wf-builder .stages li');
  // A cycle: make the first task depend on the last.
  const firstRow = page.locator(`#wf-builder tr[data-task-id="${p.task_ids[0]}"]`);
  await firstRow.locator(`input[data-dep="${p.task_ids[p.task_ids.length - 1]}"]`).check();
  await until(async () => (await page.getAttribute('#wf-status', 'data-state')) === 'bad', { what: 'cycle reported' });
  out.cycle_message = (await page.textContent('#wf-status')).trim();
  await shot(page, 'workflow-builder-cycle');
  await firstRow.locator(`input[data-dep="${p.task_ids[p.task_ids.length - 1]}"]`).uncheck();
  await until(async () => (await page.getAttribute('#wf-status', 'data-state')) === 'ok', { what: 'valid again' });
  await page.click('#wf-builder input[type=radio][value=parallel]');
  await page.selectOption('#wf-builder .row select', 'continue');
  await until(async () => (await page.getAttribute('#wf-status', 'data-state')) === 'ok', { what: 'valid parallel' });
  out.config = JSON.parse(await page.inputValue('textarea[name=config]'));
  await shot(page, 'workflow-builder');
  await page.click('#task-submit');
  await page.waitForSelector('#tasks-table, .empty');
  await showRow(page, p, p.name, p.search);  // the search matches the workflow and its tasks
  out.top_level_names = await page.$$eval('#tasks-table tbody tr:not(.subtask)', (rs) => rs.map((r) => r.dataset.taskName));
  const wf = rowOf(page, p.name);
  const expand = wf.locator('[data-action=expand]');
  out.expand_label = await expand.textContent();
  // Keyboard: focus the (+) and press Enter.
  await expand.focus();
  await page.keyboard.press('Enter');
  await until(async () => (await page.$$('#tasks-table tr.subtask[data-task-name]')).length === p.task_ids.length, { what: 'sub-task rows' });
  out.expanded = await expand.getAttribute('aria-expanded');
  out.subtasks = await page.$$eval('#tasks-table tr.subtask[data-task-name]', (rs) => rs.map((r) => ({
    name: r.dataset.taskName, parent: r.dataset.parent,
    indent: getComputedStyle(r.querySelector('.name-cell > div')).paddingLeft,
    actions: [...r.querySelectorAll('[data-action]')].map((b) => b.dataset.action),
  })));
  out.workflow_id = await wf.getAttribute('data-task-id');
  await shot(page, 'tasks-workflow-expanded');
  // Still expanded after an auto-refresh cycle.
  await page.waitForTimeout(5600);
  out.still_expanded = (await page.$$('#tasks-table tr.subtask[data-task-name]')).length;
  return out;
}

/** Trigger a workflow and look at its run: the parent and its child runs. */
export async function workflow_run(page, p) {
  const out = {};
  await loginAs(page, p);
  await page.goto(`${p.base}/#/tasks/${p.workflow_id}/history`);
  await page.waitForSelector('#history-trigger');
  await page.click('#history-trigger');
  out.final = await until(async () => {
    const st = await page.getAttribute('#history-table tbody tr', 'data-status').catch(() => null);
    return ['success', 'failed', 'completed', 'terminated', 'skipped'].includes(st) ? st : null;
  }, { timeout: p.timeout_ms || 120000, what: 'workflow run to finish' });
  out.error = (await page.textContent('#history-table tbody tr .error-cell')).trim();
  await page.click('#history-table tbody tr a');
  await page.waitForSelector('#execution .kv');
  await page.waitForSelector('#exec-children', { timeout: 15000 }).catch(() => null);
  out.children = await page.$$eval('#exec-children tbody tr', (rs) => rs.map((r) => ({
    status: r.dataset.status, name: r.children[1].textContent.trim(),
  })));
  await shot(page, 'workflow-execution');
  return out;
}

// ---- disable, enable, pause, delete (with a 409) ---------------------------------------
export async function lifecycle(page, p) {
  const out = {};
  await loginAs(page, p);
  await showRow(page, p, p.name);
  const row = () => rowOf(page, p.name);
  const stateOf = async () => {
    const line = row().locator('td[data-col=status] .state-line');
    return {
      state: (await line.getAttribute('data-enabled')) === '1' ? 'enabled' : 'disabled',
      paused: (await line.getAttribute('data-paused')) === '1',
      schedule_status: await row().locator('td[data-col=status] .badge').getAttribute('data-status'),
      next_run: (await row().locator('td[data-col=next]').textContent()).trim(),
    };
  };
  const click = async (action) => {
    await row().locator(`[data-action=${action}]`).click();
    await waitToast(page, new RegExp(p.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  };
  out.initial = await stateOf();
  await click('disable');
  await until(async () => (await stateOf()).state === 'disabled', { what: 'disabled' });
  out.disabled = await stateOf();
  await shot(page, 'tasks-disabled');
  await click('enable');
  await until(async () => (await stateOf()).state === 'enabled', { what: 'enabled' });
  out.enabled = await stateOf();
  await click('pause');
  await until(async () => (await stateOf()).paused, { what: 'paused' });
  out.paused = await stateOf();
  await click('resume');
  await until(async () => !(await stateOf()).paused, { what: 'resumed' });
  out.resumed = await stateOf();

  // Deleting a task a workflow uses: the API's 409 is shown, the task stays.
  const wf = await showRow(page, p, p.workflow_name);
  await wf.locator('[data-action=expand]').click();
  const sub = page.locator(`#tasks-table tr.subtask[data-task-name="${p.used_name}"]`);
  await sub.waitFor();
  await sub.locator('[data-action=delete]').click();
  await page.waitForSelector('dialog[open]');
  out.confirm_text = (await page.textContent('dialog[open] .dialog-body')).trim();
  await page.click('dialog[open] .btn-danger');
  out.conflict_toast = await until(async () => (await texts(page, '#toasts .toast-error'))[0] || null, { what: '409 toast' });
  await shot(page, 'tasks-delete-409');
  out.used_still_there = await sub.count();

  // Delete: cancel first (nothing happens), then confirm.
  await showRow(page, p, p.name);
  await row().locator('[data-action=delete]').click();
  await page.waitForSelector('dialog[open]');
  await page.keyboard.press('Escape');
  await page.waitForSelector('dialog[open]', { state: 'detached' });
  out.after_cancel = await row().count();
  await row().locator('[data-action=delete]').click();
  await page.waitForSelector('dialog[open]');
  await page.click('dialog[open] .btn-danger');
  await until(async () => (await row().count()) === 0, { what: 'row gone' });
  out.after_delete = await row().count();
  return out;
}

// ---- a viewer (or operator) sees no controls it may not use ---------------------------
export async function viewer(page, p) {
  const out = {};
  await loginAs(page, p, p.role || 'viewer');
  const wf = await showRow(page, p, p.workflow_name, p.search);
  await wf.locator('[data-action=expand]').click();
  await page.waitForSelector('#tasks-table tr.subtask');
  out.role_badge = (await page.textContent('.whoami .role')).trim();
  out.actions = await page.$$eval('#tasks-table [data-action]', (b) => [...new Set(b.map((x) => x.dataset.action))].sort());
  out.create_button = await page.$$eval('#create-task', (x) => x.length);
  out.nav = await page.$$eval('.mainnav a', (as) => as.map((a) => a.dataset.nav));
  await shot(page, `tasks-${p.role || 'viewer'}`);
  await page.goto(`${p.base}/#/tasks/${p.task_id}/history`);
  await page.waitForSelector('#history-refresh');
  await page.waitForTimeout(500);
  out.history_trigger = await page.$$eval('#history-trigger', (x) => x.length);
  out.history_cancel = await page.$$eval('#history-table [data-action=cancel]', (x) => x.length);
  await page.goto(`${p.base}/#/tasks/new`);
  await page.waitForSelector('#tasks-table, .empty');
  out.new_form_url = page.url();
  out.new_form_present = await page.$$eval('#task-form', (x) => x.length);
  await page.goto(`${p.base}/#/users`);
  await page.waitForSelector('#tasks-table, .empty');
  out.users_page_present = await page.$$eval('#users-table', (x) => x.length);
  return out;
}

// ---- markup in data stays text ------------------------------------------------------------
export async function xss(page, p) {
  const out = {};
  await page.addInitScript(() => {
    window.__zqAlerts = [];
    const keep = (k) => { const f = window[k]; window[k] = (...a) => { window.__zqAlerts.push([k, String(a[0])]); return f && undefined; }; };
    ['alert', 'confirm', 'prompt'].forEach(keep);
  });
  await loginAs(page, p);
  const row = await showRow(page, p, p.name);
  out.name_text = (await row.locator('.task-name').first().textContent()).trim();
  out.desc_text = (await row.locator('.desc').textContent()).trim();
  out.type_text = (await row.locator('.type-tag').textContent()).trim();
  out.imgs_in_table = await page.$$eval('#tasks-table img, #tasks-table script', (x) => x.length);
  await row.locator('[data-action=trigger]').click();
  out.toast = await waitToast(page, /#\d+/);
  await shot(page, 'tasks-xss');
  await row.locator('[data-action=history]').click();
  await page.waitForSelector('#history-table, .empty');
  out.history_title = (await page.textContent('h1')).trim();
  await page.goto(`${p.base}/#/tasks/${p.task_id}/edit`);
  await page.waitForSelector('#task-form');
  await until(async () => (await page.inputValue('input[name=name]')) !== '', { what: 'form filled' });
  out.form_name = await page.inputValue('input[name=name]');
  await page.goto(`${p.base}/#/audit`);
  await page.waitForSelector('#audit-table, .empty');
  out.imgs_anywhere = await page.$$eval('main img, main script', (x) => x.length);
  await page.waitForTimeout(1000);
  out.alerts = await page.evaluate(() => window.__zqAlerts);
  return out;
}

// ---- English / Chinese ---------------------------------------------------------------------
export async function i18n(page, p) {
  const out = {};
  await loginAs(page, p);
  await showRow(page, p, p.name);
  out.en = { nav: await texts(page, '.mainnav a'), h1: (await page.textContent('h1')).trim() };
  await page.selectOption('#lang-select', 'zh');
  await until(async () => (await page.textContent('h1')).trim() !== out.en.h1, { what: 'translated h1' });
  await page.waitForSelector('#tasks-table');
  const grab = async () => ({
    lang: await page.evaluate(() => document.documentElement.lang),
    nav: await texts(page, '.mainnav a'),
    h1: (await page.textContent('h1')).trim(),
    headers: await texts(page, '#tasks-table thead th'),
    buttons: await page.$$eval('#tasks-table [data-action]', (b) => [...new Set(b.map((x) => x.textContent.trim()))]),
    schedule: await page.$$eval('#tasks-table .sched-words', (x) => x.map((e) => e.textContent.trim())),
    refresh: (await page.textContent('#auto-refresh')).trim(),
    time_title: await page.getAttribute('#tasks-table time', 'title'),
  });
  out.zh = await grab();
  await shot(page, 'tasks-zh');
  await page.reload();
  await page.waitForSelector('#tasks-table');
  out.zh_after_reload = await grab();
  out.stored = await page.evaluate(() => localStorage.getItem('zq.lang'));
  await page.goto(`${p.base}/#/tasks/new`);
  await page.waitForSelector('#task-form');
  await page.fill('input[name=cron_expression]', '0 9 * * 1-5');
  await until(async () => (await page.textContent('#cron-words')).trim().length > 0, { what: 'zh cron words' });
  out.zh_cron_words = (await page.textContent('#cron-words')).trim();
  out.zh_legend = await texts(page, '#task-form legend');
  await until(async () => (await page.$$('#cron-preview li time')).length === 5, { what: 'zh preview' });
  await shot(page, 'form-zh');
  await page.selectOption('#lang-select', 'en');
  await page.waitForSelector('#task-form');
  await page.fill('input[name=cron_expression]', '0 9 * * 1-5');
  await until(async () => /Monday/.test(await page.textContent('#cron-words')), { what: 'en cron words' });
  out.en_cron_words = (await page.textContent('#cron-words')).trim();
  return out;
}

// ---- Content-Security-Policy in the browser -----------------------------------------------
export async function csp(page, p) {
  const out = {};
  await loginAs(page, p);
  const pages = ['#/tasks', '#/tasks/new', '#/stats', '#/nodes', '#/alerts', '#/calendars', '#/audit', '#/users', '#/tokens'];
  out.inline = {};
  for (const h of pages) {
    await page.goto(`${p.base}/${h}`);
    await page.waitForTimeout(600);
    out.inline[h] = await page.evaluate(() => ({
      inline_scripts: [...document.scripts].filter((s) => !s.src).length,
      handler_attrs: [...document.querySelectorAll('*')].filter((el) => [...el.attributes].some((a) => /^on/i.test(a.name))).length,
      javascript_urls: [...document.querySelectorAll('[href^="javascript:" i], [src^="javascript:" i]')].length,
    }));
  }
  // An injected inline script must be refused by the policy.
  out.injected = await page.evaluate(() => new Promise((resolve) => {
    let violated = null;
    document.addEventListener('securitypolicyviolation', (e) => { violated = e.violatedDirective; }, { once: true });
    const s = document.createElement('script');
    s.textContent = 'window.__zqInline = 1;';
    document.body.appendChild(s);
    setTimeout(() => resolve({ ran: window.__zqInline === 1, violated }), 300);
  }));
  return out;
}

// ---- a screenshot of every page -------------------------------------------------------------
export async function tour(page, p) {
  const out = { pages: {} };
  await loginAs(page, p);
  const visit = async (name, hash, sel) => {
    await page.goto(`${p.base}/${hash}`);
    await page.waitForSelector(sel, { timeout: 20000 });
    await page.waitForTimeout(700);
    out.pages[name] = {
      h1: (await page.textContent('h1')).trim(),
      error_boxes: await texts(page, 'main .error-box:not([hidden])'),
      width: await page.evaluate(() => document.documentElement.scrollWidth),
    };
    await shot(page, `page-${name}`);
  };
  await visit('tasks', '#/tasks', '#tasks-table');
  await visit('create', '#/tasks/new', '#task-form');
  await visit('edit', `#/tasks/${p.task_id}/edit`, '#task-form');
  await visit('history', `#/tasks/${p.task_id}/history`, '#history-table, .empty');
  // Filter by start day: tomorrow has nothing, today has the run. Days are
  // the browser's (its time zone, not this process's: they differ in date
  // for part of every day).
  const localDay = (ms) => page.evaluate((t) => {
    const d = new Date(t);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  }, ms);
  const dates = page.locator('.toolbar input[type=date]');
  const started = Date.parse(await page.getAttribute('#history-table tbody tr time', 'datetime'));
  await dates.nth(0).fill(await localDay(started + 86400000));
  await page.waitForSelector('main .empty');
  out.history_tomorrow = await page.$$eval('#history-table tbody tr', (x) => x.length);
  await dates.nth(0).fill(await localDay(started));
  await dates.nth(1).fill(await localDay(started));
  await page.waitForSelector('#history-table');
  out.history_today = await page.$$eval('#history-table tbody tr', (x) => x.length);
  out.history_url = page.url();
  if (p.execution_id) await visit('execution', `#/tasks/${p.task_id}/executions/${p.execution_id}`, '#execution .kv');
  if (p.command_execution_id) {
    await visit('execution-command', `#/tasks/${p.command_task_id}/executions/${p.command_execution_id}`, '#execution .kv');
    out.command_output = {
      stdout: await page.textContent('#stdout').catch(() => null),
      stderr: await page.textContent('#stderr').catch(() => null),
      steps: await texts(page, '#exec-steps tbody tr'),
      error: await page.textContent('#execution .kv .err-text').catch(() => null),
    };
  }
  await visit('task-stats', `#/tasks/${p.task_id}/stats`, '#stats .stat-cards');
  await visit('global-stats', '#/stats', '#stats .stat-cards');
  await visit('nodes', '#/nodes', '#nodes-table, .empty');
  await visit('calendars', '#/calendars', '#calendars-table, #calendars-none');
  await visit('audit', '#/audit', '#audit-table, .empty');
  await visit('users', '#/users', '#users-table');
  await visit('tokens', '#/tokens', '#tokens-table, .empty');
  for (const tab of ['open', 'history', 'channels', 'rules']) {
    await visit(`alerts-${tab}`, `#/alerts?tab=${tab}`, `#alerts-tab-${tab}[aria-selected=true]`);
  }
  await page.goto(`${p.base}/#/stats`);
  await page.waitForSelector('#stats svg.chart');
  out.charts = await page.$$eval('#stats svg.chart', (s) => s.map((x) => ({
    label: x.getAttribute('aria-label'), rects: x.querySelectorAll('rect:not(.hit)').length, dots: x.querySelectorAll('circle').length,
  })));
  out.stat_cards = await page.$$eval('#stats .stat', (s) => Object.fromEntries(s.map((x) => [x.dataset.stat, x.querySelector('.stat-value').textContent.trim()])));
  // Narrow window: 1024 px still works without sideways scrolling of the page.
  await page.setViewportSize({ width: 1024, height: 800 });
  await page.goto(`${p.base}/#/tasks`);
  await page.waitForSelector('#tasks-table');
  await page.waitForTimeout(500);
  out.narrow_width = await page.evaluate(() => document.documentElement.scrollWidth);
  out.narrow_table = await page.evaluate(() => {
    const box = document.querySelector('.table-box');
    return {
      client: box.clientWidth, scroll: box.scrollWidth,
      columns: [...document.querySelectorAll('#tasks-table thead th')].map((th) => Math.round(th.getBoundingClientRect().width)),
    };
  });
  await shot(page, 'page-tasks-1024');
  await page.goto(`${p.base}/#/tasks/new`);
  await page.waitForSelector('#task-form');
  await shot(page, 'page-create-1024');
  return out;
}

// ---- auto-refresh every 5 s, stop / start, refresh now ---------------------------------------
export async function auto_refresh(page, p) {
  const out = {};
  await loginAs(page, p);
  await page.evaluate(() => localStorage.removeItem('zq.autorefresh'));
  await showRow(page, p, p.name);
  const line = rowOf(page, p.name).locator('td[data-col=status] .state-line');
  await line.waitFor();
  out.initial = await line.getAttribute('data-enabled');
  out.toggle_initial = { text: (await page.textContent('#auto-refresh')).trim(), pressed: await page.getAttribute('#auto-refresh', 'aria-pressed') };
  // Changed elsewhere: the list shows it within one refresh period, untouched.
  await fetch(p.api_disable, { method: 'POST', headers: { Authorization: `Bearer ${p.token}` } });
  const t0 = Date.now();
  await until(async () => (await line.getAttribute('data-enabled')) === '0', { timeout: 30000, what: 'auto-refreshed row' });
  out.seen_after_ms = Date.now() - t0;
  // Stop: changes no longer appear by themselves ...
  await page.click('#auto-refresh');
  out.toggle_stopped = { text: (await page.textContent('#auto-refresh')).trim(), pressed: await page.getAttribute('#auto-refresh', 'aria-pressed') };
  await fetch(p.api_enable, { method: 'POST', headers: { Authorization: `Bearer ${p.token}` } });
  await page.waitForTimeout(7000);
  out.while_stopped = await line.getAttribute('data-enabled');
  // ... until Refresh is pressed.
  await page.click('#refresh');
  await until(async () => (await line.getAttribute('data-enabled')) === '1', { timeout: 10000, what: 'manual refresh' });
  out.after_refresh = await line.getAttribute('data-enabled');
  // The choice is remembered.
  await page.reload();
  await page.waitForSelector('#tasks-table');
  out.toggle_after_reload = (await page.textContent('#auto-refresh')).trim();
  await page.click('#auto-refresh');
  out.toggle_restarted = (await page.textContent('#auto-refresh')).trim();
  return out;
}

// ---- users and API tokens (admin) ----------------------------------------------------------
export async function users_tokens(page, p) {
  const out = {};
  await loginAs(page, p);
  await page.click('.mainnav a[data-nav=users]');
  await page.waitForSelector('#users-table');
  await page.fill('.inline-form input[autocomplete=off]', p.new_user);
  await page.fill('.inline-form input[type=password]', p.new_password);
  await page.selectOption('.inline-form select', 'operator');
  await page.click('.inline-form button[type=submit]');
  const row = page.locator(`#users-table tr[data-user="${p.new_user}"]`);
  await row.waitFor();
  out.new_role = await row.locator('select').inputValue();
  await row.locator('select').selectOption('viewer');
  await waitToast(page, new RegExp(p.new_user));
  await page.waitForTimeout(300);
  out.changed_role = await page.locator(`#users-table tr[data-user="${p.new_user}"] select`).inputValue();
  out.self_controls = await page.$$eval(`#users-table tr[data-user="${p.me}"] .btn-danger`, (x) => x.length);
  await shot(page, 'page-users-after');

  await page.click('.mainnav a[data-nav=tokens]');
  await page.waitForSelector('.inline-form');
  await page.fill('.inline-form input[autocomplete=off]', p.token_name);
  await page.selectOption('.inline-form select', 'operator');
  await page.fill('.inline-form input[type=number]', '30');
  await page.click('.inline-form button[type=submit]');
  await page.waitForSelector('dialog[open] input[readonly]');
  out.token_value = await page.inputValue('dialog[open] input[readonly]');
  await shot(page, 'tokens-created');
  await page.click('dialog[open] .btn-primary');
  await page.waitForSelector('#tokens-table');
  const trow = page.locator('#tokens-table tbody tr', { hasText: p.token_name });
  await trow.waitFor();
  out.token_row = (await trow.textContent()).trim();
  out.token_works = await page.evaluate(async (tok) => (await fetch('/api/v1/auth/me', { headers: { Authorization: `Bearer ${tok}` } })).status, out.token_value);
  await trow.locator('.btn-danger').click();
  await page.click('dialog[open] .btn-danger');
  await until(async () => (await trow.count()) === 0, { what: 'token revoked' });
  out.token_after_revoke = await page.evaluate(async (tok) => (await fetch('/api/v1/auth/me', { headers: { Authorization: `Bearer ${tok}` } })).status, out.token_value);
  return out;
}

// ---- filters, search, pages ------------------------------------------------------------------
export async function filters(page, p) {
  const out = {};
  await loginAs(page, p);
  await gotoTasks(page, p);
  const names = async () => page.$$eval('#tasks-table tbody tr[data-task-name]', (rs) => rs.map((r) => r.dataset.taskName));
  const settle = async (pred, what) => until(async () => { const n = await names(); return pred(n) ? n : null; }, { what });
  await page.fill('input[type=search]', p.prefix);
  out.search = await settle((n) => n.length > 0 && n.every((x) => x.startsWith(p.prefix)), 'search results');
  out.range = (await page.textContent('.pager-range')).trim();
  await page.selectOption('.pager select', '10');
  out.page1 = await settle((n) => n.length === 10, 'page of 10');
  await page.click('.pager button >> nth=1');
  out.page2 = await settle((n) => n.length > 0 && n.length < 10, 'second page');
  out.range2 = (await page.textContent('.pager-range')).trim();
  await page.click('.pager button >> nth=0');
  await settle((n) => n.length === 10, 'back to page 1');
  const only = (name) => (n) => n.length === 1 && n[0] === name;
  await page.selectOption('.toolbar select >> nth=0', 'common_task');
  out.by_type = await settle(only(p.expect_type), 'type filter');
  await page.selectOption('.toolbar select >> nth=0', '');
  await settle((n) => n.length === 10, 'all types again');
  await page.selectOption('.toolbar select >> nth=1', 'disabled');
  out.by_status = await settle(only(p.expect_status), 'status filter');
  out.url = page.url();
  await page.reload();
  await page.waitForSelector('#tasks-table');
  out.after_reload = await settle(only(p.expect_status), 'filters kept on reload');
  out.inputs_after_reload = {
    search: await page.inputValue('input[type=search]'),
    status: await page.inputValue('.toolbar select >> nth=1'),
  };
  await shot(page, 'tasks-filtered');
  return out;
}

// ---- a manual task and a one-off task through the form ------------------------------------------
export async function once_and_manual(page, p) {
  const out = {};
  await loginAs(page, p);
  await page.goto(`${p.base}/#/tasks/new`);
  await page.waitForSelector('#task-form');
  await page.fill('input[name=name]', p.manual_name);
  await page.selectOption('select[name=task_type]', 'manual_task');
  out.manual_kinds = await page.$$eval('#task-form .radios .radio:not([hidden]) input', (x) => x.map((i) => i.value));
  out.manual_template = JSON.parse(await page.inputValue('textarea[name=config]'));
  out.manual_hint = (await page.textContent('.field[data-field=config] .hint')).trim();
  await page.click('#task-submit');
  await page.waitForSelector('#tasks-table, .empty');
  await showRow(page, p, p.manual_name);
  out.manual_schedule = (await rowOf(page, p.manual_name).locator('td[data-col=schedule]').textContent()).trim();

  await page.goto(`${p.base}/#/tasks/new`);
  await page.waitForSelector('#task-form');
  await page.fill('input[name=name]', p.once_name);
  out.example_kinds = await page.$$eval('#task-form .radios .radio:not([hidden]) input', (x) => x.map((i) => i.value));
  await page.check('input[type=radio][value=once]');
  await page.fill('input[name=timezone]', p.timezone);
  await page.dispatchEvent('input[name=timezone]', 'change');
  await page.fill('input[name=run_at]', p.run_at_wall);
  await page.click('#task-submit');
  await page.waitForSelector('#tasks-table, .empty');
  const row = await showRow(page, p, p.once_name);
  out.once_schedule = (await row.locator('td[data-col=schedule]').textContent()).trim();
  out.once_next_title = await row.locator('td[data-col=next] time').getAttribute('title');
  // Back in the form the wall time reads the same in the task's zone.
  await row.locator('[data-action=edit]').click();
  await page.waitForSelector('#task-form');
  await until(async () => (await page.inputValue('input[name=name]')) === p.once_name, { what: 'edit form' });
  out.once_edit_wall = await page.inputValue('input[name=run_at]');
  out.once_edit_kind = await page.$eval('input[type=radio][value=once]', (r) => r.checked);
  return out;
}

// ---- task parameters: declared in the form, given in the trigger dialog -----------------------
async function logout(page) {
  await page.click('[data-testid=logout]');
  await page.waitForSelector('#login-username');
}

const prow = (i) => `#params-editor .param-row[data-prow="${i}"]`;
const pfield = (i, f) => `${prow(i)} [data-pfield=${f}]`;
const fieldError = async (page, i, f) => page.$eval(pfield(i, f),
  (el) => { const e = el.closest('.field').querySelector('.field-error'); return e && !e.hidden ? e.textContent.trim() : ''; })
  .catch(() => '');

export async function task_params(page, p) {
  const out = {};
  // ---- an admin declares the parameters with the editor -----------------------------------
  await loginAs(page, p);
  await page.goto(`${p.base}/#/tasks/new`);
  await page.waitForSelector('#task-form');
  await page.fill('input[name=name]', p.name);
  await page.selectOption('select[name=task_type]', 'manual_task');
  await page.waitForSelector('#params-editor');
  await page.fill('textarea[name=config]', JSON.stringify({ command: p.command, work_dir: '/tmp', env: { API_SECRET: p.secret } }, null, 2));
  out.rows_before = await page.$$eval('#params-editor .param-row', (x) => x.length);

  await page.click('#param-add');
  await page.fill(pfield(0, 'name'), 'Bad-Name');
  await page.press(pfield(0, 'name'), 'Tab');
  out.bad_name_error = await until(() => fieldError(page, 0, 'name'), { what: 'name error' });
  await page.fill(pfield(0, 'name'), 'ts_code');
  await page.fill(pfield(0, 'description'), 'Stock code, e.g. 000001.SZ');
  await page.fill(pfield(0, 'pattern'), '^[0-9]{6}\\.(SZ|SH)$');
  out.name_error_after_fix = await fieldError(page, 0, 'name');

  await page.click('#param-add');
  await page.fill(pfield(1, 'name'), 'start_date');
  await page.selectOption(pfield(1, 'type'), 'date');
  await page.waitForSelector(`${pfield(1, 'default')}[type=date]`);
  await page.fill(pfield(1, 'description'), 'First trading day');

  await page.click('#param-add');
  await page.fill(pfield(2, 'name'), 'full');
  await page.selectOption(pfield(2, 'type'), 'bool');
  await page.selectOption(pfield(2, 'default'), 'false');
  out.full_required = await page.isChecked(pfield(2, 'required'));

  // A POSIX class the browser does not check: the API does, on trigger.
  await page.click('#param-add');
  await page.fill(pfield(3, 'name'), 'note');
  await page.fill(pfield(3, 'pattern'), '^[[:alpha:]]*$');
  await page.fill(pfield(3, 'default'), 'ok');

  // An enum with a default outside its values: the editor says so on submit.
  await page.click('#param-add');
  await page.fill(pfield(4, 'name'), 'mode');
  await page.selectOption(pfield(4, 'type'), 'enum');
  await page.fill(pfield(4, 'values'), 'fast, slow');
  await page.press(pfield(4, 'values'), 'Tab');
  out.enum_default_choices = await page.$$eval(`${pfield(4, 'default')} option`, (o) => o.map((x) => x.value));
  await page.fill(pfield(4, 'values'), 'fast, fast');
  await page.click('#task-submit');
  await page.waitForSelector('#form-errors:not([hidden])');
  out.enum_error = await fieldError(page, 4, 'values');
  out.summary = (await page.textContent('#form-errors')).trim();
  out.url_after_bad_submit = page.url();
  await page.click(`${prow(4)} [data-action=remove-param]`);

  out.config_from_editor = JSON.parse(await page.inputValue('textarea[name=config]'));
  // ... and the other way: the JSON edited by hand shows in the editor.
  out.param_order = Object.keys(out.config_from_editor.params || {});
  const cfg = JSON.parse(JSON.stringify(out.config_from_editor));
  cfg.params.full.description = 'Reload everything';
  await page.fill('textarea[name=config]', JSON.stringify(cfg, null, 2));
  out.editor_from_json = await page.inputValue(pfield(2, 'description'));
  await shot(page, 'form-params-editor');

  // The API's 400 for a declaration lands at that field (POSIX has no (?:...)).
  await page.fill(pfield(0, 'pattern'), '(?:x)');
  await page.click('#task-submit');
  out.api_pattern_error = await until(() => fieldError(page, 0, 'pattern'), { timeout: 15000, what: 'API pattern error' });
  out.api_summary = (await page.textContent('#form-errors')).trim();
  await page.fill(pfield(0, 'pattern'), '^[0-9]{6}\\.(SZ|SH)$');
  await page.click('#task-submit');
  await page.waitForSelector('#tasks-table, .empty');
  let row = await showRow(page, p, p.name);
  out.admin_actions = await row.locator('[data-action]').evaluateAll((b) => b.map((x) => x.dataset.action));
  // The edit form reads the declarations back into the editor.
  await row.locator('[data-action=edit]').click();
  await page.waitForSelector('#task-form');
  await until(async () => (await page.$$('#params-editor .param-row')).length === 4, { what: 'params in the edit form' });
  out.edit_names = await page.$$eval('#params-editor [data-pfield=name]', (x) => x.map((i) => i.value));
  out.edit_types = await page.$$eval('#params-editor [data-pfield=type]', (x) => x.map((i) => i.value));
  out.edit_env = JSON.parse(await page.inputValue('textarea[name=config]')).env;
  await logout(page);

  // ---- an operator triggers it with values ------------------------------------------------
  await loginAs(page, p, 'operator');
  row = await showRow(page, p, p.name);
  out.operator_actions = await row.locator('[data-action]').evaluateAll((b) => b.map((x) => x.dataset.action));
  const triggers = [];
  page.on('request', (r) => { if (/\/trigger$/.test(r.url()) && r.method() === 'POST') triggers.push(r.postData()); });
  await row.locator('[data-action=trigger-params]').click();
  await page.waitForSelector('#trigger-dialog[open]');
  const dlg = '#trigger-dialog';
  out.dialog = await page.$$eval(`${dlg} .field[data-param]`, (fs) => fs.map((f) => {
    const i = f.querySelector('input, select');
    return {
      name: f.dataset.param, label: f.querySelector('label').textContent.trim(), tag: i.tagName.toLowerCase(),
      type: i.type, value: i.type === 'checkbox' ? i.checked : i.value, required: i.required,
      pattern: i.getAttribute('pattern'), hint: (f.querySelector('.hint') || { textContent: '' }).textContent.trim(),
    };
  }));
  out.dialog_focus = await page.evaluate(() => document.activeElement && document.activeElement.name);
  await page.fill(`${dlg} input[name=param-ts_code]`, '12345.SZ');
  await page.fill(`${dlg} input[name=param-start_date]`, '2024-01-15');
  await page.click(`${dlg} .dialog-actions .btn-primary`);
  await page.waitForSelector(`${dlg} .field[data-param=ts_code] .field-error:not([hidden])`);
  out.bad_value_error = (await page.textContent(`${dlg} .field[data-param=ts_code] .field-error`)).trim();
  out.posts_after_bad = triggers.length;
  await shot(page, 'trigger-params-invalid');

  await page.fill(`${dlg} input[name=param-ts_code]`, '000001.SZ');
  await page.check(`${dlg} input[name=param-full]`);
  await page.fill(`${dlg} input[name=param-note]`, 'abc1');
  await page.click(`${dlg} .dialog-actions .btn-primary`);
  await page.waitForSelector(`${dlg} #trigger-error:not([hidden])`);
  out.api_value_error = (await page.textContent(`${dlg} #trigger-error`)).trim();
  out.api_value_field_error = (await page.textContent(`${dlg} .field[data-param=note] .field-error`)).trim();
  out.dialog_open_after_400 = await page.$$eval(`${dlg}[open]`, (x) => x.length);
  await page.fill(`${dlg} input[name=param-note]`, 'abc');
  await page.click(`${dlg} .dialog-actions .btn-primary`);
  out.toast = await waitToast(page, /execution #\d+/);
  out.execution_id = Number(/execution #(\d+)/.exec(out.toast)[1]);
  out.posts = triggers.map((x) => JSON.parse(x));
  out.dialog_closed = (await page.$$eval(`${dlg}[open]`, (x) => x.length)) === 0;

  // The history shows the run's params; its detail page shows them and the output.
  row = await showRow(page, p, p.name);
  await row.locator('[data-action=history]').click();
  await page.waitForSelector(`#history-table tr[data-exec-id="${out.execution_id}"]`);
  const hrow = `#history-table tr[data-exec-id="${out.execution_id}"]`;
  out.history_params = await page.$$eval(`${hrow} .param-values li`, (li) => li.map((x) => x.textContent.trim()));
  await until(async () => ['success', 'failed', 'terminated'].includes(await page.getAttribute(hrow, 'data-status')),
    { timeout: 30000, what: 'the run to finish' });
  out.history_status = await page.getAttribute(hrow, 'data-status');
  await page.click(`${hrow} a`);
  await page.waitForSelector('#execution .kv');
  await until(async () => (await page.$$('#stdout')).length > 0, { timeout: 10000, what: 'stdout' });
  out.stdout = (await page.textContent('#stdout')).trim();
  out.detail_params = await page.$$eval('#exec-params li', (li) => li.map((x) => x.textContent.trim()));
  out.task_url = page.url();
  await shot(page, 'execution-params');
  await logout(page);

  // ---- a viewer reads the task's configuration: env values masked ----------------------
  await loginAs(page, p, 'viewer');
  row = await showRow(page, p, p.name);
  out.viewer_actions = await row.locator('[data-action]').evaluateAll((b) => b.map((x) => x.dataset.action));
  await row.locator('[data-action=history]').click();
  await page.waitForSelector('#task-config');
  await page.click('#task-config summary');
  out.viewer_env = await page.$$eval('#cfg-env li', (li) => li.map((x) => ({ name: x.dataset.env, masked: x.dataset.masked, text: x.textContent.trim() })));
  out.viewer_params = await page.$$eval('#cfg-params tbody tr', (tr) => tr.map((x) => x.dataset.param));
  out.viewer_command = (await page.textContent('#cfg-command')).trim();
  out.viewer_sees_secret = await page.evaluate((s) => document.body.innerText.includes(s), p.secret);
  // What the API itself gave the viewer (masked or not).
  out.viewer_api_env = await page.evaluate(async (id) => {
    const r = await fetch(`/api/v1/scheduler/tasks/${id}`, { headers: { Authorization: `Bearer ${sessionStorage.getItem('zq.token')}` } });
    return ((await r.json()).config || {}).env || null;
  }, Number(/#\/tasks\/(\d+)\//.exec(out.task_url)[1]));
  out.viewer_trigger_buttons = await page.$$eval('#history-trigger, #history-trigger-params', (x) => x.length);
  await shot(page, 'history-config-viewer');
  return out;
}

// ---- the task form's section modules, one by one -----------------------------------------
// Builds every section of pages/task-form.js's SECTIONS outside the page, as
// the page does (one shared form context), and reports what each rendered
// and read, for a new task and for each task type.
export async function form_sections(page, p) {
  await loginAs(page, p);
  return page.evaluate(async (types) => {
    const { SECTIONS } = await import('/js/pages/task-form.js');
    const { createForm } = await import('/js/pages/task-form/form.js');
    const form = createForm(null);
    const host = document.createElement('div');
    document.body.append(host);
    const out = { names: Object.keys(SECTIONS), sections: {}, types: {} };
    const made = {};
    for (const [name, mod] of Object.entries(SECTIONS)) {
      made[name] = mod.create(form);
      const x = made[name];
      out.sections[name] = {
        element: x.el instanceof Element, fill: typeof x.fill, read: typeof x.read,
        connected_before: x.el.isConnected,
      };
      host.append(x.el);
    }
    for (const x of Object.values(made)) x.fill(null);
    form.emit('type', { user: false });
    for (const [name, x] of Object.entries(made)) {
      const r = x.read();
      Object.assign(out.sections[name], {
        fields: Object.keys(r.fields), errors: r.errors.map((e) => e[0]),
        text: x.el.textContent.trim().length > 0,
      });
    }
    const sel = form.fields.task_type.input;
    for (const type of types) {
      sel.value = type;
      sel.dispatchEvent(new Event('change'));
      const cfg = JSON.parse(form.fields.config.input.value);
      out.types[type] = {
        builder: !!host.querySelector('#wf-builder'),
        params: !!host.querySelector('#params-editor'),
        kinds: [...host.querySelectorAll('[data-field=schedule] .radio:not([hidden]) input')].map((i) => i.value),
        config_keys: Object.keys(cfg).sort(),
        hint: form.fields.config.wrap.querySelector('.hint').textContent,
      };
    }
    for (const x of Object.values(made)) if (x.dispose) x.dispose();
    host.remove();
    return out;
  }, ['example_task', 'common_task', 'manual_task', 'workflow']);
}

// ---- a capped count shows as a bound ------------------------------------------------
export async function capped_pager(page, p) {
  const out = {};
  await loginAs(page, p);
  for (const [key, id] of [['big', p.big_id], ['small', p.small_id]]) {
    await page.goto(`${p.base}/#/tasks/${id}/history`);
    await page.waitForSelector('#history-table');
    out[key] = (await page.textContent('.pager-range')).trim();
  }
  out.small_next_disabled = await page.$eval('.pager-range ~ button', (b) => b.disabled);
  await page.goto(`${p.base}/#/tasks/${p.big_id}/history`);
  await page.waitForSelector('#history-table');
  await page.click('.pager-range ~ button');
  await until(async () => /^21–40/.test((await page.textContent('.pager-range')).trim()) || null,
    { what: 'second page' });
  out.big_page2 = (await page.textContent('.pager-range')).trim();
  return out;
}

// ---- alerts: a channel, its test message, the history ------------------------------------
const dlg = (sel) => `dialog[open] ${sel}`;

async function alertsTab(page, p, tab) {
  await page.goto(`${p.base}/#/alerts?tab=${tab}`);
  await page.waitForSelector(`#alerts-tab-${tab}[aria-selected=true]`);
}

export async function alerts_channel_test(page, p) {
  const out = {};
  await loginAs(page, p);
  await page.click('.mainnav a[data-nav=alerts]');
  await page.waitForSelector('#alerts-tab-open[aria-selected=true]');
  out.tabs = await page.$$eval('.tabs [role=tab]', (x) => x.map((e) => e.dataset.tab));
  await page.click('#alerts-tab-channels');
  await page.waitForSelector('#alert-channels-table, #channels-none');
  out.url_tab = page.url();
  // A private address that alerts.allow does not list: the API's 400 lands at the URL field.
  await page.click('#add-channel');
  await page.fill(dlg('input[name=name]'), p.name);
  await page.selectOption(dlg('select[name=kind]'), 'webhook');
  await page.fill(dlg('input[name="config.url"]'), p.bad_url);
  await page.click(dlg('.dialog-actions .btn-primary'));
  await page.waitForSelector('#channel-error:not([hidden])');
  out.bad_url_error = (await page.textContent('#channel-error')).trim();
  out.bad_url_field = await page.$$eval(dlg('.field.has-error'), (x) => x.map((e) => e.dataset.field));
  await page.fill(dlg('input[name="config.url"]'), p.url);
  await page.fill(dlg('input[name="config.secret"]'), p.secret);
  await page.fill(dlg('textarea[name="config.headers"]'), 'X-Team: ops');
  await shot(page, 'alerts-channel-form');
  await page.click(dlg('.dialog-actions .btn-primary'));
  const row = page.locator(`#alert-channels-table tr[data-channel-name="${p.name}"]`);
  await row.waitFor();
  out.channel_id = Number(await row.getAttribute('data-channel-id'));
  out.row = (await row.textContent()).trim();

  // Send test: the page polls the event until it is sent (or failed).
  const sendTest = async () => {
    await page.locator(`#alert-channels-table tr[data-channel-id="${out.channel_id}"] [data-action=test]`).click();
    const res = page.locator(`[data-test-result="${out.channel_id}"]`);
    await until(async () => (await res.getAttribute('data-event-id')) || null, { what: 'test event id' });
    let status = null;
    try {
      status = await until(async () => {
        const s = await res.getAttribute('data-status');
        return ['sent', 'failed', 'silenced'].includes(s) ? s : null;
      }, { timeout: p.test_wait_ms || 60000, interval: 300, what: 'test delivered' });
    } catch (e) {
      status = await res.getAttribute('data-status');
    }
    return { status, event_id: Number(await res.getAttribute('data-event-id')), text: (await res.textContent()).trim() };
  };
  out.test = await sendTest();
  await shot(page, 'alerts-channel-tested');

  // Edit: the secret shows as ***; saved unchanged, the stored secret stays.
  await page.locator(`#alert-channels-table tr[data-channel-id="${out.channel_id}"] [data-action=edit]`).click();
  await page.waitForSelector(dlg('#channel-form'));
  out.edit_secret = await page.inputValue(dlg('input[name="config.secret"]'));
  out.edit_url = await page.inputValue(dlg('input[name="config.url"]'));
  out.edit_headers = await page.inputValue(dlg('textarea[name="config.headers"]'));
  await page.selectOption(dlg('select[name=lang]'), 'zh');
  await page.click(dlg('.dialog-actions .btn-primary'));
  await waitToast(page, new RegExp(p.name));
  out.test2 = await sendTest();

  // History: the test events with their status, code and latency.
  await page.click('#alerts-tab-history');
  await page.waitForSelector('#alert-events-table');
  const ev = page.locator(`#alert-events-table tr[data-event-id="${out.test.event_id}"]`);
  await ev.waitFor();
  out.history = {
    status: await ev.getAttribute('data-status'),
    event: await ev.getAttribute('data-event'),
    badge: (await ev.locator('.badge').textContent()).trim(),
    badge_class: await ev.locator('.badge').getAttribute('class'),
    code: (await ev.locator('td[data-col=code]').textContent()).trim(),
    text: (await ev.textContent()).trim(),
  };
  // Filtered by status and channel.
  await page.selectOption('select[name=status]', 'failed');
  await until(async () => (await page.$$(`#alert-events-table tr[data-event-id="${out.test.event_id}"]`)).length === 0 || null,
    { what: 'status filter' });
  await page.selectOption('select[name=status]', '');
  await page.selectOption('select[name=channel_id]', String(out.channel_id));
  await until(async () => {
    const ch = await page.$$eval('#alert-events-table tbody tr', (r) => r.length);
    return ch >= 2 || null;
  }, { what: 'channel filter' });
  out.filtered_url = page.url();
  out.filtered_rows = await page.$$eval('#alert-events-table tbody tr', (r) => r.map((x) => x.dataset.eventId));
  await shot(page, 'alerts-history');
  return out;
}

// ---- alerts: a task's rules from the task form ----------------------------------------------
export async function alerts_task_rule(page, p) {
  const out = {};
  await loginAs(page, p);
  await page.goto(`${p.base}/#/tasks/new`);
  await page.waitForSelector('#task-alerts');
  out.new_task_text = (await page.textContent('#task-alerts')).trim();
  out.new_task_add = await page.isVisible('#task-add-rule');
  await page.goto(`${p.base}/#/tasks/${p.task_id}/edit`);
  await page.waitForSelector('#task-rules-none, #task-rules');
  out.before = (await page.textContent('#task-alerts')).trim();
  const addRule = async (kind, fill) => {
    await page.click('#task-add-rule');
    await page.waitForSelector(dlg('#rule-form'));
    await page.selectOption(dlg('select[name=kind]'), kind);
    if (fill) await fill();
    await page.check(dlg(`input[name=channels][value="${p.channel_id}"]`));
    await page.click(dlg('.dialog-actions .btn-primary'));
  };
  await addRule('on_failure', () => page.fill(dlg('input[name=repeat_every]'), '600'));
  await page.waitForSelector('#task-rules tr[data-kind=on_failure]');
  // A value the API refuses: its detail shows in the dialog, at the field.
  await addRule('deadline', () => page.fill(dlg('input[name="params.days"]'), '9'));
  await page.waitForSelector('#rule-error:not([hidden])');
  out.bad_days_error = (await page.textContent('#rule-error')).trim();
  out.bad_days_field = await page.$$eval(dlg('.field.has-error'), (x) => x.map((e) => e.dataset.field));
  await page.fill(dlg('input[name="params.days"]'), '1-5');
  await page.click(dlg('.dialog-actions .btn-primary'));
  await page.waitForSelector('#task-rules tr[data-kind=deadline]');
  await shot(page, 'task-form-alerts');
  out.rows = await page.$$eval('#task-rules tbody tr', (r) => r.map((x) => ({ kind: x.dataset.kind, id: Number(x.dataset.ruleId), text: x.textContent.trim() })));
  // Remove the deadline rule again.
  await page.click('#task-rules tr[data-kind=deadline] [data-action=delete-rule]');
  await page.click(dlg('.dialog-actions .btn-danger'));
  await until(async () => (await page.$$('#task-rules tr[data-kind=deadline]')).length === 0 || null, { what: 'rule removed' });
  out.after = await page.$$eval('#task-rules tbody tr', (r) => r.map((x) => x.dataset.kind));
  out.global_applies = await page.$$eval('#task-global-rules li', (li) => li.map((x) => ({ id: Number(x.dataset.ruleId), applies: x.dataset.applies, text: x.textContent.trim() })));
  // The Rules tab lists it with the task.
  await alertsTab(page, p, 'rules');
  await page.waitForSelector('#task-rules-table');
  out.rules_tab = await page.$$eval('#task-rules-table tbody tr', (r) => r.map((x) => ({ id: Number(x.dataset.ruleId), text: x.textContent.trim() })));
  return out;
}

// ---- alerts: roles (viewer reads, operator acks and silences) ----------------------------------
export async function alerts_roles(page, p) {
  const out = {};
  await loginAs(page, p, p.role);
  out.nav = await page.$$eval('.mainnav a', (as) => as.map((a) => a.dataset.nav));
  await alertsTab(page, p, 'open');
  const row = page.locator(`#alerts-table tr[data-alert-id="${p.alert_id}"]`);
  await row.waitFor();
  out.tabs = await page.$$eval('.tabs [role=tab]', (x) => x.map((e) => e.dataset.tab));
  out.actions = await row.locator('[data-action]').evaluateAll((b) => b.map((x) => x.dataset.action));
  out.row = (await row.textContent()).trim();
  if (p.role === 'operator') {
    await row.locator('[data-action=ack]').click();
    await waitToast(page, new RegExp(`#${p.alert_id}`));
    await until(async () => (await page.$$(`#alerts-table tr[data-alert-id="${p.alert_id}"] [data-acked]`)).length === 1 || null, { what: 'acked' });
    await page.locator(`#alerts-table tr[data-alert-id="${p.alert_id}"] [data-action=silence]`).click();
    await page.waitForSelector(dlg('input[name=silence_until]'));
    await page.click(dlg('.dialog-actions .btn:nth-child(2)'));   // "1 h"
    await until(async () => (await page.$$(`#alerts-table tr[data-alert-id="${p.alert_id}"] .silenced-note`)).length === 1 || null, { what: 'silenced' });
    out.after = (await page.locator(`#alerts-table tr[data-alert-id="${p.alert_id}"]`).textContent()).trim();
    out.after_actions = await page.locator(`#alerts-table tr[data-alert-id="${p.alert_id}"] [data-action]`).evaluateAll((b) => b.map((x) => x.dataset.action));
    await page.locator(`#alerts-table tr[data-alert-id="${p.alert_id}"] [data-action=unsilence]`).click();
    await until(async () => (await page.$$(`#alerts-table tr[data-alert-id="${p.alert_id}"] .silenced-note`)).length === 0 || null, { what: 'unsilenced' });
    out.silence_ended = await waitToast(page, /silence ended/);
  }
  await page.click('#alerts-tab-rules');
  await page.waitForSelector('#global-rules-table, #task-rules-table');
  out.rule_buttons = await page.$$eval('#add-global-rule, #add-task-rule, [data-action=edit-rule], [data-action=delete-rule]', (x) => x.length);
  await page.goto(`${p.base}/#/alerts?tab=channels`);
  await page.waitForSelector('#alerts-tab-open[aria-selected=true]');
  out.channels_tab_fallback = await page.$$eval('#alert-channels-table, #add-channel', (x) => x.length);
  await shot(page, `alerts-${p.role}`);
  return out;
}

// ---- alerts in Chinese -------------------------------------------------------------------------
export async function alerts_zh(page, p) {
  const out = {};
  await loginAs(page, p);
  await page.selectOption('#lang-select', 'zh');
  await until(async () => (await page.evaluate(() => document.documentElement.lang)) === 'zh-CN' || null, { what: 'zh' });
  for (const tab of ['open', 'history', 'channels', 'rules']) {
    await alertsTab(page, p, tab);
    await page.waitForSelector('#alerts-panel table, #alerts-panel .empty');
    await page.waitForTimeout(300);
    out[tab] = {
      headers: await texts(page, '#alerts-panel thead th'),
      buttons: await texts(page, '#alerts-panel button'),
      labels: await texts(page, '#alerts-panel label, #alerts-panel h2'),
      badges: await texts(page, '#alerts-panel .badge'),
    };
    await shot(page, `alerts-zh-${tab}`);
  }
  out.h1 = (await page.textContent('h1')).trim();
  out.nav = await texts(page, '.mainnav a[data-nav=alerts]');
  out.tabs = await texts(page, '.tabs [role=tab]');
  out.title = await page.title();
  await alertsTab(page, p, 'channels');
  await page.click('#add-channel');
  await page.waitForSelector(dlg('#channel-form'));
  out.channel_form = await texts(page, 'dialog[open] label, dialog[open] h2, dialog[open] button, dialog[open] option');
  await page.click(dlg('.dialog-actions .btn'));
  await alertsTab(page, p, 'rules');
  await page.click('#add-global-rule');
  await page.waitForSelector(dlg('#rule-form'));
  out.rule_form = await texts(page, 'dialog[open] label, dialog[open] h2, dialog[open] legend, dialog[open] option');
  await shot(page, 'alerts-zh-rule-form');
  return out;
}

// ---- alerts: a test that fails, and paging the history with before_id ------------------------
export async function alerts_fail_and_pages(page, p) {
  const out = {};
  await loginAs(page, p);
  await alertsTab(page, p, 'channels');
  await page.locator(`#alert-channels-table tr[data-channel-id="${p.disabled_id}"] [data-action=test]`).click();
  const res = page.locator(`[data-test-result="${p.disabled_id}"]`);
  out.test_status = await until(async () => {
    const s = await res.getAttribute('data-status');
    return ['sent', 'failed', 'silenced'].includes(s) ? s : null;
  }, { timeout: 60000, interval: 300, what: 'test judged' });
  out.test_text = (await res.textContent()).trim();
  out.toast = await waitToast(page, /failed/);
  await page.goto(`${p.base}/#/alerts?tab=history&channel_id=${p.many_id}`);
  await page.waitForSelector('#alert-events-table');
  const ids = () => page.$$eval('#alert-events-table tbody tr', (r) => r.map((x) => Number(x.dataset.eventId)));
  out.page1 = await ids();
  out.range1 = (await page.textContent('.pager-range')).trim();
  await page.click('.pager [data-action=older]');
  await until(async () => ((await ids())[0] !== out.page1[0]) || null, { what: 'older page' });
  out.page2 = await ids();
  out.range2 = (await page.textContent('.pager-range')).trim();
  out.older_disabled = await page.$eval('.pager [data-action=older]', (b) => b.disabled);
  await page.click('.pager [data-focus-key=pager-newer]');
  await until(async () => ((await ids())[0] === out.page1[0]) || null, { what: 'newer page' });
  out.back = await ids();
  out.badges = await page.$$eval('#alert-events-table .badge', (b) => [...new Set(b.map((x) => x.className))]);
  return out;
}

// ---- alerts: the per-kind channel forms (email, DingTalk) ---------------------------------------
export async function alerts_channel_kinds(page, p) {
  const out = {};
  await loginAs(page, p);
  await alertsTab(page, p, 'channels');
  const add = async (name, kind, fields) => {
    await page.click('#add-channel');
    await page.waitForSelector(dlg('#channel-form'));
    await page.fill(dlg('input[name=name]'), name);
    await page.selectOption(dlg('select[name=kind]'), kind);
    const labels = await texts(page, 'dialog[open] .channel-config label');
    for (const [sel, v] of fields) {
      if (sel.startsWith('select')) await page.selectOption(dlg(sel), v);
      else await page.fill(dlg(sel), v);
    }
    await page.click(dlg('.dialog-actions .btn-primary'));
    const row = page.locator(`#alert-channels-table tr[data-channel-name="${name}"]`);
    await row.waitFor();
    return { labels, id: Number(await row.getAttribute('data-channel-id')), row: (await row.textContent()).trim() };
  };
  out.email = await add(p.email_name, 'email', [['input[name="config.smtp_url"]', p.smtp_url], ['select[name="config.tls"]', 'none'],
    ['input[name="config.username"]', 'zq'], ['input[name="config.password"]', 'pw-secret'],
    ['input[name="config.from"]', 'zq@example.com'], ['input[name="config.to"]', 'a@example.com, b@example.com']]);
  out.ding = await add(p.ding_name, 'dingtalk', [['input[name="config.url"]', p.ding_url], ['input[name="config.secret"]', 'SECding']]);
  await page.locator(`#alert-channels-table tr[data-channel-id="${out.ding.id}"] [data-action=edit]`).click();
  await page.waitForSelector(dlg('#channel-form'));
  out.ding_edit = {
    url: await page.inputValue(dlg('input[name="config.url"]')),
    secret: await page.inputValue(dlg('input[name="config.secret"]')),
    hints: await texts(page, 'dialog[open] .channel-config .hint'),
    kind_disabled: await page.$eval(dlg('select[name=kind]'), (s) => s.disabled),
  };
  // Empty the optional secret: saved without it.
  await page.fill(dlg('input[name="config.secret"]'), '');
  await page.click(dlg('.dialog-actions .btn-primary'));
  await waitToast(page, new RegExp(`${p.ding_name} saved`));
  await shot(page, 'alerts-channel-kinds');
  return out;
}
