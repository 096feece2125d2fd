// static_checks.mjs - checks of www/ that need no browser: both languages
// define every key the pages use, the cron describer's words, and no code
// path turns strings into markup. Prints one JSON object.
import fs from 'node:fs';
import path from 'node:path';
import url from 'node:url';

const here = path.dirname(url.fileURLToPath(import.meta.url));
const www = path.resolve(here, '..', '..', 'www');
const en = (await import(path.join(www, 'js/locales/en.js'))).default;
const zh = (await import(path.join(www, 'js/locales/zh.js'))).default;
const { describeCron, cronProblem } = await import(path.join(www, 'js/cron.js'));

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? walk(p) : [p];
  });
}

const jsFiles = walk(path.join(www, 'js')).filter((f) => f.endsWith('.js') && !f.includes('locales'));
const used = new Set();
const dynamic = [];
const markupSinks = [];
const NS = /^(app|lang|nav|title|common|error|user|role|auth|action|type|status|sstatus|state|trigger|unit|time|schedule|refresh|filter|pager|progress|tasks|col|task|form|wf|history|exec|stats|nodes|audit|users|tokens|step|param|alerts|cal|bf|ver|del)\./;
for (const f of jsFiles) {
  const src = fs.readFileSync(f, 'utf8');
  for (const m of src.matchAll(/\bt(?:Or)?\(\s*'([^']+)'/g)) used.add(m[1]);
  for (const m of src.matchAll(/'([a-z_]+\.[a-z_.]+)'/g)) if (NS.test(m[1])) used.add(m[1]);
  for (const m of src.matchAll(/\bt(?:Or)?\(\s*`([^`]+)`/g)) dynamic.push(m[1]);
  for (const m of src.matchAll(/\b(innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function|createContextualFragment|DOMParser)\b/g)) {
    markupSinks.push(`${path.relative(www, f)}: ${m[1]}`);
  }
}

// Dynamic keys: every value they can take.
const expand = {
  'type.': ['manual_task', 'common_task', 'workflow', 'example_task'],
  'status.': ['pending', 'running', 'success', 'failed', 'completed', 'terminated', 'skipped'],
  'sstatus.': ['pending', 'running', 'success', 'failed', 'paused', 'disabled'],
  'trigger.': ['schedule', 'manual', 'retry', 'workflow', 'backfill'],
  'role.': ['admin', 'operator', 'viewer'],
  'action.': ['enable', 'disable', 'pause', 'resume', 'trigger'],
  'task.done.': ['enable', 'disable', 'pause', 'resume', 'delete'],
  'nav.': ['tasks', 'stats', 'nodes', 'alerts', 'calendars', 'audit', 'users', 'tokens'],
  'title.': ['login', 'tasks', 'stats', 'nodes', 'alerts', 'calendars', 'audit', 'users', 'tokens'],
  'unit.short.': ['s', 'm', 'h', 'd'],
  'unit.long.': ['s', 'm', 'h', 'd'],
  'form.kind.': ['cron', 'interval', 'once', 'none'],
  'form.config_hint.': ['manual_task', 'common_task', 'workflow', 'example_task'],
  'wf.type.': ['serial', 'parallel'],
  'param.type.': ['string', 'int', 'bool', 'date', 'enum'],
  'param.bool.': ['true', 'false'],
  'param.field.': ['name', 'type', 'description', 'default', 'required', 'pattern', 'max_length', 'min', 'max', 'values'],
  'wf.on_failure.': ['stop', 'continue'],
  'state.': ['enabled', 'disabled', 'paused'],
  'step.': ['running', 'completed', 'failed'],
  'nodes.state.': ['running', 'stopping', 'stopped', 'lost'],
  'audit.action.': ['login', 'login_failed', 'logout', 'create', 'update', 'delete', 'enable', 'disable', 'pause',
    'resume', 'trigger', 'cancel'],
  'alerts.tab.': ['open', 'history', 'channels', 'rules'],
  'alerts.kind.': ['on_failure', 'on_timeout', 'on_recovery', 'on_skipped', 'deadline', 'not_started', 'duration', 'scheduler_down'],
  'alerts.kind_hint.': ['on_failure', 'on_timeout', 'on_recovery', 'on_skipped', 'deadline', 'not_started', 'duration', 'scheduler_down'],
  'alerts.chan.': ['webhook', 'dingtalk', 'wecom', 'feishu', 'slack', 'email'],
  'alerts.event.': ['failure', 'timeout', 'recovery', 'skipped', 'deadline', 'not_started', 'duration', 'scheduler_down',
    'scheduler_up', 'test'],
  'alerts.estatus.': ['pending', 'sending', 'sent', 'failed', 'silenced'],
  'alerts.state.': ['open', 'closed', 'all'],
  'alerts.closed.': ['recovered', 'succeeded', 'started', 'finished', 'up', 'rule_deleted', 'other'],
  'alerts.lang.': ['en', 'zh'],
  'alerts.tls.': ['auto', 'starttls', 'tls', 'none'],
  'alerts.cfg.': ['url', 'secret', 'headers', 'smtp_url', 'tls', 'username', 'password', 'from', 'to'],
  'alerts.f.after_hint.': ['not_started', 'scheduler_down'],
  'alerts.test_': ['sent', 'failed'],
  'cal.wd.': ['1', '2', '3', '4', '5', '6', '7'],
  'cal.kind.': ['business', 'weekend', 'holiday', 'workday', 'outside', 'normal'],
  'cal.rule.': ['only', 'next', 'previous'],
  'cal.rule_hint.': ['only', 'next', 'previous'],
  'cal.sched.': ['only', 'next', 'previous'],
  'bf.mode.': ['missing', 'failed', 'all'],
  'bf.mode_hint.': ['missing', 'failed', 'all'],
  'bf.status.': ['running', 'done', 'cancelled'],
  'history.tab.': ['runs', 'changes'],
  'ver.action.': ['baseline', 'create', 'update', 'enable', 'disable', 'pause', 'resume', 'restore', 'import', 'delete'],
};
for (const [prefix, vals] of Object.entries(expand)) vals.forEach((v) => used.add(prefix + v));

const missing = { en: [...used].filter((k) => !(k in en)).sort(), zh: [...used].filter((k) => !(k in zh)).sort() };
const onlyEn = Object.keys(en).filter((k) => !(k in zh));
const onlyZh = Object.keys(zh).filter((k) => !(k in en));
const placeholders = Object.keys(en).filter((k) => k in zh).filter((k) => {
  const ph = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(',');
  return ph(en[k]) !== ph(zh[k]);
});
const untranslated = Object.keys(en).filter((k) => k in zh && en[k] === zh[k] && /[a-z]{4,}/i.test(en[k]));

const CRON = ['0 18 * * *', '0 9 * * 1-5', '0 */2 * * *', '*/30 * * * *', '0 0 1 * *', '0 0 * * 1', '0 0 L * *',
  '0 10 * * 5#2', '30 0 12 * * *', '*/15 9-17 * * MON-FRI', '0 0 1,15 * 1', '5 4 * JAN-MAR SUN', '* * * * *'];
const cron = Object.fromEntries(CRON.map((e) => [e, { en: describeCron(e, 'en'), zh: describeCron(e, 'zh') }]));
const bad = Object.fromEntries(['61 * * * *', '* * *', '0 0 32 * *', '0 0 * 13 *', '0 0 ? * * *x', '0 0 * * 8']
  .map((e) => [e, { en: describeCron(e, 'en'), problem: cronProblem(e) }]));

console.log(JSON.stringify({
  used: used.size, dynamic, missing, onlyEn, onlyZh, placeholders, untranslated, markupSinks, cron, bad,
}));
