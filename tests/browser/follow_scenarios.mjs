// follow_scenarios.mjs - the execution page's Follow view (exec-follow.js)
// while a command runs (scenarios.mjs re-exports these; run.mjs runs one by
// name). test_follow_page.py asserts.
import fs from 'node:fs';
import { env, login, shot, until } from './lib.mjs';

const liveLog = (page) => page.evaluate(() => {
  const el = document.getElementById('exec-follow');
  const log = document.getElementById('follow-log');
  return el && log && el.dataset.live !== undefined ? { live: el.dataset.live === '1', text: log.textContent } : null;
});
const count = (s) => (s.text.match(/line-/g) || []).length;

/** Open a running execution as a viewer. The run waits for the page: it prints
 * nothing until the view has answered live and empty (then the scenario creates
 * p.go), then a line every 200 ms until the view has shown lines arrive twice
 * while live (then p.stop); what shows once it ended. Every step waits for what
 * the user sees, with a deadline, never for a time. */
export async function follow_live(page, p) {
  await login(page, p.base, env('ZQ_VIEWER_USER'), env('ZQ_VIEWER_PASS'));
  await page.goto(`${p.base}/#/tasks/${p.task_id}/executions/${p.exec_id}`);
  await page.waitForSelector('#exec-follow #follow-log');
  const before = await until(async () => {
    const s = await liveLog(page);
    return s && s.live ? s : null;
  }, { what: 'the view live before any output' });
  fs.writeFileSync(p.go, '');
  const first = await until(async () => {
    const s = await liveLog(page);
    return s && s.live && /line-2\n/.test(s.text) ? s : null;
  }, { what: 'a line while live' });
  const later = await until(async () => {
    const s = await liveLog(page);
    return s && s.live && count(s) > count(first) ? s : null;
  }, { what: 'more lines while live' });
  await shot(page, 'execution-follow');
  fs.writeFileSync(p.stop, '');
  const ended = await until(async () => {
    const s = await liveLog(page);
    return s && !s.live && /done\n/.test(s.text) ? s : null;
  }, { what: 'the run to end' });
  return {
    before: before.text, first: first.text, later: later.text, ended: ended.text,
    state: (await page.textContent('#follow-state')).trim(),
  };
}
