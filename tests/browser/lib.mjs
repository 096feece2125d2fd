// lib.mjs - start Debian's Chromium through playwright-core (never a
// downloaded browser), log in, take screenshots, and record what a test must
// never see: page errors, console errors, JavaScript dialogs, CSP violations.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.ZQ_CHROMIUM || '/usr/bin/chromium';
export const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
  '--no-first-run', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

export function env(name, fallback) {
  const v = process.env[name];
  if (v === undefined || v === '') {
    if (fallback !== undefined) return fallback;
    throw new Error(`missing environment variable ${name}`);
  }
  return v;
}

/** A fresh browser profile; returns {context, page, events, close}. */
export async function launch({ width = 1280, height = 900, locale = 'en-US' } = {}) {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zq-chromium-'));
  const context = await chromium.launchPersistentContext(userDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width, height },
    locale,
    timezoneId: process.env.ZQ_BROWSER_TZ || 'Asia/Shanghai',
  });
  context.setDefaultTimeout(Number(process.env.ZQ_UI_TIMEOUT_MS || 20000));
  const events = { pageErrors: [], consoleErrors: [], dialogs: [], cspViolations: [], requests401: [] };
  const watch = (page) => {
    page.on('pageerror', (e) => events.pageErrors.push(String(e && e.message ? e.message : e)));
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      const text = m.text();
      // Failed API calls a test provokes on purpose (401 login, 409 delete) are
      // logged by Chromium as resource errors; they are not script errors.
      if (/Failed to load resource/.test(text)) return;
      if (/Content Security Policy/i.test(text)) events.cspViolations.push(text);
      events.consoleErrors.push(text);
    });
    page.on('dialog', async (d) => {
      events.dialogs.push({ type: d.type(), message: d.message() });
      try { await d.dismiss(); } catch (e) { /* already closed */ }
    });
  };
  context.on('page', watch);
  const page = context.pages()[0] || await context.newPage();
  watch(page);
  async function close() {
    try { await context.close(); } finally { fs.rmSync(userDir, { recursive: true, force: true }); }
  }
  return { context, page, events, close };
}

let shotDir = null;
export function screenshotDir() {
  if (!shotDir) {
    shotDir = env('ZQ_SHOTS', path.join(os.tmpdir(), 'zq-screenshots'));
    fs.mkdirSync(shotDir, { recursive: true });
  }
  return shotDir;
}

export async function shot(page, name, opts = {}) {
  const file = path.join(screenshotDir(), `${name}.png`);
  await page.screenshot({ path: file, fullPage: opts.fullPage !== false });
  return file;
}

/** Log in through the login form; waits for the task list. */
export async function login(page, base, user, pass) {
  await page.goto(`${base}/#/login`);
  await page.fill('#login-username', user);
  await page.fill('#login-password', pass);
  await page.click('#login-submit');
  await page.waitForSelector('#tasks-table, .empty', { timeout: 30000 });
}

/** Poll fn() until it returns a truthy value. */
export async function until(fn, { timeout = 60000, interval = 250, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/** The task list row of the task with that name (top-level or sub-task). */
export function rowOf(page, name) {
  return page.locator(`#tasks-table tr[data-task-name="${name.replace(/["\\]/g, '\\$&')}"]`);
}
