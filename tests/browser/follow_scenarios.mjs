// follow_scenarios.mjs - the execution page's Follow view (exec-follow.js)
// while a command runs (scenarios.mjs re-exports these; run.mjs runs one by
// name). test_follow_page.py asserts.
import { env, login, shot, until } from './lib.mjs';

const liveLog = (page) => page.evaluate(() => {
  const el = document.getElementById('exec-follow');
  const log = document.getElementById('follow-log');
  return el && log ? { live: el.dataset.live === '1', text: log.textContent } : null;
});

/** Open a running execution as a viewer: the lines seen while it is live,
 * twice (the second later and longer), then what shows once it ended. */
export async function follow_live(page, p) {
  await login(page, p.base, env('ZQ_VIEWER_USER'), env('ZQ_VIEWER_PASS'));
  await page.goto(`${p.base}/#/tasks/${p.task_id}/executions/${p.exec_id}`);
  await page.waitForSelector('#exec-follow #follow-log');
  const first = await until(async () => {
    const s = await liveLog(page);
    return s && s.live && /line-2\n/.test(s.text) ? s : null;
  }, { timeout: 30000, what: 'a line while live' });
  const n = (first.text.match(/line-/g) || []).length;
  const later = await until(async () => {
    const s = await liveLog(page);
    return s && s.live && (s.text.match(/line-/g) || []).length > n ? s : null;
  }, { timeout: 30000, what: 'more lines while live' });
  await shot(page, 'execution-follow');
  const ended = await until(async () => {
    const s = await liveLog(page);
    return s && !s.live && /done\n/.test(s.text) ? s : null;
  }, { timeout: 60000, what: 'the run to end' });
  return {
    first: first.text, later: later.text, ended: ended.text,
    state: (await page.textContent('#follow-state')).trim(),
  };
}
