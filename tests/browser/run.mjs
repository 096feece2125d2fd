// run.mjs - `node run.mjs <scenario>`: run one browser scenario against the
// stack named by the environment (ZQ_URL, ZQ_ADMIN_USER/PASS, ZQ_VIEWER_USER/
// PASS, ZQ_SHOTS, ZQ_PARAMS as JSON) and print one JSON line with what it saw,
// plus the page errors, console errors, JavaScript dialogs and CSP
// violations of the whole run (the pytest side asserts on all of it).
import { launch, shot } from './lib.mjs';
import * as scenarios from './scenarios.mjs';

const name = process.argv[2];
const fn = scenarios[name];
if (!fn) {
  console.log(JSON.stringify({ ok: false, error: `unknown scenario ${name}` }));
  process.exit(2);
}

const params = JSON.parse(process.env.ZQ_PARAMS || '{}');
const b = await launch({ width: Number(params.width || 1280), height: Number(params.height || 900) });
let out;
let rc = 0;
try {
  const result = await fn(b.page, { ...params, base: process.env.ZQ_URL, browser: b });
  out = { ok: true, result };
} catch (e) {
  rc = 1;
  let failure = null;
  try { failure = await shot(b.page, `FAILED-${name}`); } catch (e2) { /* page gone */ }
  out = { ok: false, error: String(e && e.stack ? e.stack : e), failure_screenshot: failure, url: b.page.url() };
}
out.events = b.events;
await b.close();
console.log(JSON.stringify(out));
process.exit(rc);
