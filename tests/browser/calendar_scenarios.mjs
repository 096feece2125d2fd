// calendar_scenarios.mjs - the Calendars pages, the task form's calendar
// pickers and the Backfill dialog, as a user does them (scenarios.mjs
// re-exports these; run.mjs runs one by name). Each returns what was seen;
// test_calendar_pages.py asserts.
import { env, login, shot, until } from './lib.mjs';

const creds = (role) => [env(`ZQ_${role.toUpperCase()}_USER`), env(`ZQ_${role.toUpperCase()}_PASS`)];
const loginAs = (page, p, role = 'admin') => login(page, p.base, ...creds(role));
const texts = (page, sel) => page.$$eval(sel, (els) => els.map((e) => e.textContent.trim()));
const dlg = (sel) => `dialog[open] ${sel}`;
const day = (d) => `#cal-year [data-date="${d}"]`;

async function waitToast(page, re) {
  return until(async () => (await texts(page, '#toasts .toast')).find((x) => re.test(x)) || null,
    { timeout: 20000, what: `toast ${re}` });
}

async function openCalendar(page, p, id, year) {
  await page.goto(`${p.base}/#/calendars/${id}${year ? `?year=${year}` : ''}`);
  await page.waitForSelector(year ? `#cal-year[data-year="${year}"]` : '#cal-year');
}

const kindOf = (page, d) => page.getAttribute(day(d), 'data-kind');
const dayKinds = (page, dates) => Promise.all(dates.map(async (d) => [d, await kindOf(page, d)])).then(Object.fromEntries);

/** The colour of each kind of day in the year view (and of its legend swatch). */
async function colours(page) {
  return page.evaluate(() => {
    const out = {};
    for (const k of ['business', 'weekend', 'holiday', 'workday', 'outside']) {
      const cell = document.querySelector(`#cal-year .cal-day.cal-${k}`);
      const sw = document.querySelector(`#cal-legend [data-kind=${k}] .cal-swatch`);
      out[k] = {
        cell: cell ? getComputedStyle(cell).backgroundColor + getComputedStyle(cell).backgroundImage : null,
        swatch: sw ? getComputedStyle(sw).backgroundColor + getComputedStyle(sw).backgroundImage : null,
      };
    }
    return out;
  });
}

// ---- create a calendar in the page, toggle days in the year view ---------------------------------
export async function cal_create_and_year(page, p) {
  const out = {};
  await loginAs(page, p);
  await page.click('.mainnav a[data-nav=calendars]');
  await page.waitForSelector('#calendars-table, #calendars-none');
  out.nav = (await page.textContent('.mainnav a[data-nav=calendars]')).trim();
  // An API refusal lands in the dialog at its field: coverage the wrong way round.
  await page.click('#add-calendar');
  await page.fill(dlg('input[name=name]'), p.name);
  await page.fill(dlg('input[name=timezone]'), 'Asia/Shanghai');
  await page.fill(dlg('input[name=covered_from]'), p.until);
  await page.fill(dlg('input[name=covered_until]'), p.from);
  await page.click(dlg('.dialog-actions .btn-primary'));
  await page.waitForSelector('#calendar-error:not([hidden])');
  out.bad_coverage = (await page.textContent('#calendar-error')).trim();
  await page.fill(dlg('input[name=covered_from]'), p.from);
  await page.fill(dlg('input[name=covered_until]'), p.until);
  await page.fill(dlg('textarea[name=description]'), 'made by the browser test');
  await page.click(dlg('.dialog-actions .btn-primary'));
  await page.waitForSelector('#cal-year');
  out.url = page.url();
  out.h1 = (await page.textContent('h1')).trim();
  out.months = await page.$$eval('#cal-year .cal-month', (m) => m.length);
  out.year = (await page.textContent('#cal-year-title')).trim();
  // Click: a weekday becomes a holiday, a weekend day a workday; clicked again, normal.
  if (p.year) await openCalendar(page, p, out.url.split('/calendars/')[1].split('?')[0], p.year);
  out.before = await dayKinds(page, [p.holiday, p.weekend_day]);
  await page.click(day(p.holiday));
  await until(async () => (await kindOf(page, p.holiday)) === 'holiday' || null, { what: 'holiday marked' });
  await page.click(day(p.weekend_day));
  await until(async () => (await kindOf(page, p.weekend_day)) === 'workday' || null, { what: 'workday marked' });
  out.after = await dayKinds(page, [p.holiday, p.weekend_day]);
  out.colours = await colours(page);
  out.legend = await texts(page, '#cal-legend .legend-item');
  await shot(page, 'calendar-year');
  await page.click(day(p.weekend_day));
  await until(async () => (await kindOf(page, p.weekend_day)) === 'weekend' || null, { what: 'workday removed' });
  out.again = await dayKinds(page, [p.holiday, p.weekend_day]);
  out.prev_disabled = await page.$eval('#cal-prev', (b) => b.disabled);
  out.next_disabled = await page.$eval('#cal-next', (b) => b.disabled);
  out.outside = await page.$$eval('#cal-year .cal-outside', (x) => x.length);
  await page.click('#cal-next');
  await until(async () => (await page.textContent('#cal-year-title')).trim() !== String(p.year) || null, { what: 'next year' });
  out.next_year = (await page.textContent('#cal-year-title')).trim();
  out.next_url = page.url();
  // The list: one holiday, no workday, no task.
  await page.goto(`${p.base}/#/calendars`);
  const row = page.locator(`#calendars-table tr[data-calendar-name="${p.name}"]`);
  await row.waitFor();
  out.row = Object.fromEntries(await Promise.all(['weekend', 'coverage', 'holidays', 'workdays', 'tasks']
    .map(async (c) => [c, (await row.locator(`td[data-col=${c}]`).textContent()).trim()])));
  out.headers = await texts(page, '#calendars-table thead th');
  await shot(page, 'calendars-list');
  return out;
}

// ---- the task form: calendar and rule pickers, the preview marks the skipped day --------------------
async function previewRows(page) {
  return page.$$eval('#cron-preview li', (li) => li.map((x) => ({
    text: x.textContent.trim(), skipped: x.classList.contains('preview-skipped'), moved: x.classList.contains('preview-moved'),
    date: x.dataset.date || null, reason: x.dataset.reason || null,
    struck: !!x.querySelector('del'), time: (x.querySelector('time') || { getAttribute: () => null }).getAttribute('datetime'),
  })));
}

export async function cal_task_form(page, p) {
  const out = {};
  await loginAs(page, p);
  await page.goto(`${p.base}/#/tasks/${p.task_id}/edit`);
  await page.waitForSelector('#task-form');
  await page.fill('input[name=cron_expression]', p.cron);
  await until(async () => (await page.$$('#cron-preview li time')).length === 5, { what: 'plain preview' });
  out.rule_hidden = await page.isHidden('.field[data-field=calendar_rule]');
  out.plain = await previewRows(page);
  out.options = await texts(page, 'select[name=calendar] option');
  await page.selectOption('select[name=calendar]', p.calendar);
  out.rule_shown = await page.isVisible('.field[data-field=calendar_rule]');
  out.rules = await page.$$eval('select[name=calendar_rule] option', (o) => o.map((x) => x.value));
  await until(async () => (await page.$$(`#cron-preview li.preview-skipped[data-date="${p.holiday}"]`)).length === 1 || null,
    { what: 'the holiday skipped in the preview' });
  out.only = await previewRows(page);
  await shot(page, 'task-form-calendar-preview');
  await page.selectOption('select[name=calendar_rule]', 'next');
  await until(async () => (await page.$$(`#cron-preview li.preview-moved[data-date="${p.holiday}"]`)).length === 1 || null,
    { what: 'the holiday moved in the preview' });
  out.next = await previewRows(page);
  out.next_hint = (await page.textContent('#calendar-rule-hint')).trim();
  // B1 needs a calendar: refused in the browser without one, worded with one.
  await page.selectOption('select[name=calendar]', '');
  await page.fill('input[name=cron_expression]', '0 18 B1 * *');
  await page.waitForSelector('.field[data-field=cron] .field-error:not([hidden])');
  out.b1_without = (await page.textContent('.field[data-field=cron] .field-error')).trim();
  await page.selectOption('select[name=calendar]', p.calendar);
  await until(async () => (await page.$$('#cron-preview li time')).length >= 1 || null, { what: 'B1 preview' });
  out.b1_words = (await page.textContent('#cron-words')).trim();
  out.b1_error_hidden = await page.isHidden('.field[data-field=cron] .field-error');
  await page.fill('input[name=cron_expression]', p.cron);
  await page.selectOption('select[name=calendar_rule]', 'only');
  await page.click('#task-submit');
  await page.waitForSelector('#tasks-table, .empty');
  out.saved_toast = await waitToast(page, /Saved/);
  await page.goto(`${p.base}/#/tasks?q=${encodeURIComponent(p.task_name)}`);
  await page.waitForSelector(`#tasks-table tr[data-task-name="${p.task_name}"] .sched-cal`);
  out.list_line = (await page.textContent(`#tasks-table tr[data-task-name="${p.task_name}"] .sched-cal`)).trim();
  // Edited again, the form shows the calendar it saved.
  await page.goto(`${p.base}/#/tasks/${p.task_id}/edit`);
  await page.waitForSelector('#task-form');
  await until(async () => (await page.inputValue('select[name=calendar]')) === p.calendar || null, { what: 'calendar filled' });
  out.filled = { calendar: await page.inputValue('select[name=calendar]'), rule: await page.inputValue('select[name=calendar_rule]') };
  return out;
}

// ---- Import CSV into a calendar, and a line the API refuses -------------------------------------------
export async function cal_import(page, p) {
  const out = {};
  await loginAs(page, p);
  await openCalendar(page, p, p.calendar_id, p.year);
  out.coverage_before = (await page.textContent('#cal-coverage')).trim();
  await page.click('#cal-import');
  await page.waitForSelector(dlg('#import-form'));
  await page.fill(dlg('textarea[name=csv]'), p.bad_csv);
  out.bad_check = (await page.textContent('#csv-check')).trim();
  await page.click(dlg('.dialog-actions .btn-primary'));
  await page.waitForSelector('#import-error:not([hidden])');
  out.bad_error = (await page.textContent('#import-error')).trim();
  // The file input reads the file into the text box.
  await page.setInputFiles(dlg('input[type=file]'), { name: 'days.csv', mimeType: 'text/csv', buffer: Buffer.from(p.csv) });
  await until(async () => (await page.inputValue(dlg('textarea[name=csv]'))) === p.csv || null, { what: 'file read' });
  out.check = (await page.textContent('#csv-check')).trim();
  await page.click(dlg('.dialog-actions .btn-primary'));
  out.toast = await waitToast(page, /Imported/);
  await until(async () => (await page.$$('dialog[open]')).length === 0 || null, { what: 'dialog closed' });
  await until(async () => (await kindOf(page, p.check_days[0])) !== 'business' || null, { what: 'imported days shown' });
  out.kinds = await dayKinds(page, p.check_days);
  out.coverage_after = (await page.textContent('#cal-coverage')).trim();
  await shot(page, 'calendar-imported');
  return out;
}

// ---- a viewer reads; an admin's delete of a calendar in use lists the tasks --------------------------
export async function cal_viewer_and_delete(page, p) {
  const out = {};
  await loginAs(page, p, 'viewer');
  await page.goto(`${p.base}/#/calendars`);
  await page.waitForSelector('#calendars-table');
  out.viewer_add = await page.$$eval('#add-calendar', (x) => x.length);
  await openCalendar(page, p, p.calendar_id, p.year);
  out.viewer_buttons = await page.$$eval('#cal-year button, #cal-import, #cal-edit, #cal-delete', (x) => x.length);
  out.viewer_days = await page.$$eval('#cal-year span.cal-day', (x) => x.length);
  out.viewer_hint = (await page.textContent('#cal-year-card .hint')).trim();
  await page.click('[data-testid=logout]');
  await page.waitForSelector('#login-username');
  await loginAs(page, p);
  await openCalendar(page, p, p.calendar_id, p.year);
  await page.click('#cal-delete');
  await page.click(dlg('.dialog-actions .btn-danger'));
  await page.waitForSelector(dlg('#calendar-in-use'));
  out.in_use = (await page.textContent(dlg('#calendar-in-use p'))).trim();
  out.in_use_tasks = await page.$$eval(dlg('#calendar-in-use a'), (a) => a.map((x) => Number(x.dataset.taskId)));
  await shot(page, 'calendar-in-use');
  await page.click(dlg('.dialog-actions .btn'));
  out.still_there = page.url().includes(`/calendars/${p.calendar_id}`);
  return out;
}

// ---- in Chinese -------------------------------------------------------------------------------------
export async function cal_zh(page, p) {
  const out = {};
  await loginAs(page, p);
  await page.selectOption('#lang-select', 'zh');
  await until(async () => (await page.evaluate(() => document.documentElement.lang)) === 'zh-CN' || null, { what: 'zh' });
  await page.goto(`${p.base}/#/calendars`);
  await page.waitForSelector('#calendars-table');
  out.nav = (await page.textContent('.mainnav a[data-nav=calendars]')).trim();
  out.h1 = (await page.textContent('h1')).trim();
  out.headers = await texts(page, '#calendars-table thead th');
  out.title = await page.title();
  await openCalendar(page, p, p.calendar_id, p.year);
  out.legend = await texts(page, '#cal-legend .legend-item');
  out.caption = (await page.textContent('#cal-year .cal-month caption')).trim();
  out.weekdays = await texts(page, '#cal-year .cal-month:first-child thead th');
  out.buttons = await texts(page, 'main button');
  out.info = await texts(page, '#cal-info dt');
  await shot(page, 'calendar-zh');
  await page.click('#cal-import');
  out.import_dialog = await texts(page, 'dialog[open] h2, dialog[open] label, dialog[open] button');
  await page.click(dlg('.dialog-actions .btn'));
  await page.goto(`${p.base}/#/tasks/${p.task_id}/edit`);
  await page.waitForSelector('#task-calendar');
  await until(async () => (await page.$$(`#cron-preview li.preview-skipped`)).length >= 1 || null, { what: 'zh skipped' });
  out.form = await texts(page, '#task-calendar legend, #task-calendar label, #task-calendar option');
  out.skipped = await texts(page, '#cron-preview li.preview-skipped');
  await shot(page, 'task-form-calendar-zh');
  await page.goto(`${p.base}/#/tasks/${p.task_id}/history`);
  await page.waitForSelector('#history-backfill');
  out.history_headers = await texts(page, '#history-table thead th');
  out.history_labels = await texts(page, '.toolbar label');
  await page.click('#history-backfill');
  await page.waitForSelector(dlg('#backfill-form'));
  out.backfill_dialog = await texts(page, 'dialog[open] h2, dialog[open] label, dialog[open] button, dialog[open] option');
  return out;
}

// ---- Backfill: the dry-run list, then start; progress; business dates in the history ----------------
export async function backfill_dialog(page, p) {
  const out = {};
  await loginAs(page, p, 'operator');
  await page.goto(`${p.base}/#/tasks/${p.task_id}/history`);
  await page.waitForSelector('#history-backfill');
  await page.click('#history-backfill');
  await page.waitForSelector(dlg('#backfill-form'));
  out.intro = (await page.textContent(dlg('#backfill-form > p'))).trim();
  out.start_disabled = await page.$eval('#backfill-start', (b) => b.disabled);
  await page.fill(dlg('input[name=from]'), p.from);
  await page.fill(dlg('input[name=to]'), p.to);
  await page.selectOption(dlg('select[name=mode]'), p.mode || 'all');
  await page.fill(dlg('input[name=concurrency]'), '17');
  await page.click('#backfill-preview-btn');
  await page.waitForSelector('#backfill-error:not([hidden])');
  out.bad_concurrency = (await page.textContent('#backfill-error')).trim();
  await page.fill(dlg('input[name=concurrency]'), String(p.concurrency || 2));
  await page.click('#backfill-preview-btn');
  await page.waitForSelector('#backfill-dates, #backfill-total');
  out.total = (await page.textContent('#backfill-total')).trim();
  out.dates = await page.$$eval('#backfill-dates li[data-date]', (x) => x.map((e) => e.dataset.date));
  out.start_enabled = !(await page.$eval('#backfill-start', (b) => b.disabled));
  await shot(page, 'backfill-preview');
  if (!p.start) return out;
  await page.click('#backfill-start');
  out.started = await waitToast(page, /Backfill #\d+ started/);
  await page.waitForSelector('#backfills-table tbody tr');
  const row = page.locator('#backfills-table tbody tr').first();
  out.backfill_id = Number((await row.getAttribute('data-backfill-id')));
  out.final = await until(async () => {
    const st = await row.getAttribute('data-status');
    return st && st !== 'running' ? st : null;
  }, { timeout: 120000, interval: 500, what: 'backfill finished' });
  out.counts = await row.locator('[data-done]').evaluate((e) => ({ ...e.dataset, text: e.textContent.trim() }));
  await shot(page, 'backfill-done');
  // The runs carry their business dates; filtered to one date, one run.
  await until(async () => (await page.$$('#history-table td[data-col=business_date]')).length >= out.dates.length || null,
    { what: 'backfill runs listed' });
  out.biz_dates = await texts(page, '#history-table td[data-col=business_date]');
  out.triggers = await texts(page, '#history-table td.trigger-cell');
  await page.fill('input[name=business_date_from]', out.dates[0]);
  await page.fill('input[name=business_date_to]', out.dates[0]);
  await until(async () => (await page.$$('#history-table tbody tr')).length === 1 || null, { what: 'filtered by business date' });
  out.filtered = await texts(page, '#history-table td[data-col=business_date]');
  out.filter_url = page.url();
  await page.click('#history-table tbody tr a');
  await page.waitForSelector('#exec-business-date');
  out.exec_business_date = (await page.textContent('#exec-business-date')).trim();
  return out;
}

// ---- business dates in the history (column, filter) and on the execution page ------------------------
export async function biz_date_history(page, p) {
  const out = {};
  // An operator runs the task for a business date (the trigger dialog); a day that is none is refused there.
  await loginAs(page, p, 'operator');
  await page.goto(`${p.base}/#/tasks/${p.task_id}/history`);
  await page.click('#history-trigger-params');
  await page.waitForSelector('#trigger-dialog[open]');
  out.hint = (await page.textContent('#trigger-dialog [data-field=business_date] .hint')).trim();
  await page.fill('#trigger-business-date', p.other);
  await page.click('#trigger-dialog .dialog-actions .btn-primary');
  await page.waitForSelector('#trigger-business-date-err:not([hidden])');
  out.refused = (await page.textContent('#trigger-business-date-err')).trim();
  await page.fill('#trigger-business-date', p.date);
  await page.click('#trigger-dialog .dialog-actions .btn-primary');
  out.triggered = await waitToast(page, /Triggered|#\d+/);
  await page.click('[data-testid=logout]');
  await page.waitForSelector('#login-username');
  await loginAs(page, p, 'viewer');
  await page.goto(`${p.base}/#/tasks/${p.task_id}/history`);
  await page.waitForSelector('#history-table');
  out.headers = await texts(page, '#history-table thead th');
  out.cells = await texts(page, '#history-table td[data-col=business_date]');
  out.backfill_button = await page.$$eval('#history-backfill', (x) => x.length);
  await page.fill('input[name=business_date_from]', p.other);
  await page.fill('input[name=business_date_to]', p.other);
  await page.waitForSelector('main .empty');
  out.other_rows = await page.$$eval('#history-table tbody tr', (x) => x.length);
  await page.fill('input[name=business_date_from]', p.date);
  await page.fill('input[name=business_date_to]', p.date);
  await page.waitForSelector('#history-table');
  out.filtered = await texts(page, '#history-table td[data-col=business_date]');
  out.url = page.url();
  await page.reload();
  await page.waitForSelector('#history-table');
  out.after_reload = { from: await page.inputValue('input[name=business_date_from]'), rows: (await texts(page, '#history-table td[data-col=business_date]')).length };
  await page.click('#history-table tbody tr a');
  await page.waitForSelector('#exec-business-date');
  out.exec = (await page.textContent('#exec-business-date')).trim();
  await shot(page, 'execution-business-date');
  return out;
}

// ---- Cancel a running backfill from the history page ---------------------------------------------------
export async function backfill_cancel(page, p) {
  const out = {};
  await loginAs(page, p, 'operator');
  await page.goto(`${p.base}/#/tasks/${p.task_id}/history`);
  const row = page.locator(`#backfills-table tr[data-backfill-id="${p.backfill_id}"]`);
  await row.waitFor();
  out.before = await row.getAttribute('data-status');
  out.text = (await row.textContent()).trim();
  await row.locator('[data-action=cancel-backfill]').click();
  await page.click(dlg('.dialog-actions .btn-danger'));
  out.toast = await waitToast(page, /cancelled/);
  out.after = await until(async () => {
    const st = await page.getAttribute(`#backfills-table tr[data-backfill-id="${p.backfill_id}"]`, 'data-status');
    return st && st !== 'running' ? st : null;
  }, { timeout: 60000, what: 'backfill cancelled' });
  out.buttons = await page.$$eval(`#backfills-table tr[data-backfill-id="${p.backfill_id}"] [data-action=cancel-backfill]`, (x) => x.length);
  await shot(page, 'backfill-cancelled');
  return out;
}
