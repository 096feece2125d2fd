// stats.js - statistics of one task (#/tasks/:id/stats) or of all tasks
// (#/stats): totals, success rate, average duration, runs per day (stacked
// success / failed) and the duration trend.
import { h, replace, nextId } from '../dom.js';
import { t } from '../i18n.js';
import { get } from '../api.js';
import { timeEl, fmtDuration, fmtNumber, fmtPercent, parseTime } from '../format.js';
import { pageHeader, errorBox } from '../ui.js';
import { stackedBars, lineChart } from '../charts.js';
import { taskTitle } from '../tasks-common.js';
import { durationOf } from '../exec-common.js';

const pick = (o, ...names) => {
  for (const n of names) if (o && o[n] !== undefined && o[n] !== null) return o[n];
  return null;
};

const DAY_MS = 86400000;
const dayKey = (ms) => new Date(ms).toISOString().slice(0, 10);

/** Normalise the API's per-day rows to {day, success, failed, other, avg, max}. */
function normDaily(list) {
  return list.map((d) => {
    const runs = Number(pick(d, 'runs', 'total')) || 0;
    const success = Number(pick(d, 'successes', 'success', 'success_count')) || 0;
    const failed = Number(pick(d, 'failures', 'failed', 'failed_count')) || 0;
    let avg = pick(d, 'avg_duration_seconds', 'avg_duration');
    if (avg === null && pick(d, 'total_duration_ms') !== null && runs) avg = Number(d.total_duration_ms) / runs / 1000;
    return {
      day: String(pick(d, 'day', 'date')).slice(0, 10), success, failed,
      other: Math.max(0, runs - success - failed),
      avg: avg === null || !runs ? NaN : Number(avg),  // no run that day: a gap, not 0 s
      max: Number(pick(d, 'max_duration_seconds')) || NaN,
    };
  });
}

/** Per-day rows from raw executions (when the API gives no series). */
function dailyFromExecutions(execs) {
  const by = new Map();
  for (const e of execs) {
    const end = parseTime(e.end_time);
    if (!Number.isFinite(end) || e.status === 'skipped') continue;
    const k = dayKey(end);
    const row = by.get(k) || { day: k, success: 0, failed: 0, other: 0, sum: 0, n: 0, max: 0 };
    if (e.status === 'success') row.success += 1;
    else if (e.status === 'failed') row.failed += 1;
    else row.other += 1;
    const d = durationOf(e);
    if (d !== null) { row.sum += d; row.n += 1; row.max = Math.max(row.max, d); }
    by.set(k, row);
  }
  return [...by.values()].map((r) => ({ ...r, avg: r.n ? r.sum / r.n : NaN }));
}

/** Fill the last `days` UTC days so empty days show as gaps. */
function fillDays(rows, days) {
  const by = new Map(rows.map((r) => [r.day, r]));
  const out = [];
  const today = Date.parse(`${dayKey(Date.now())}T00:00:00Z`);
  for (let i = days - 1; i >= 0; i -= 1) {
    const k = dayKey(today - i * DAY_MS);
    out.push(by.get(k) || { day: k, success: 0, failed: 0, other: 0, avg: NaN, max: NaN });
  }
  return out;
}

function card(label, value, id) {
  return h('div', { class: 'stat', dataset: { stat: id } }, h('div', { class: 'stat-value' }, value), h('div', { class: 'stat-label' }, label));
}

export function render(main, ctx) {
  const taskId = ctx.params.id ? Number(ctx.params.id) : null;
  const days = [7, 14, 30, 90].includes(Number(ctx.query.days)) ? Number(ctx.query.days) : 14;
  let disposed = false;
  const head = h('div', {});
  const body = h('div', { id: 'stats' }, h('p', { class: 'muted' }, t('common.loading')));
  main.append(head, body);

  const daysId = nextId('days');
  function header(task) {
    replace(head, pageHeader(task ? [t('stats.task_title'), ': ', ...taskTitle(task)] : t('stats.global_title'),
      h('label', { for: daysId }, t('stats.days')),
      h('select', {
        id: daysId, onchange: (e) => ctx.navigate(`#${ctx.path}?days=${e.target.value}`),
      }, [7, 14, 30, 90].map((d) => h('option', { value: String(d), selected: d === days }, t('stats.last_days', { n: d })))),
      task ? h('a', { class: 'btn', href: `#/tasks/${task.id}/history` }, t('action.history')) : null,
      task ? h('a', { class: 'btn', href: '#/stats' }, t('tasks.global_stats')) : null,
      h('a', { class: 'btn', href: '#/tasks' }, t('nav.back_tasks'))));
  }

  async function load() {
    try {
      const task = taskId ? await get(`/scheduler/tasks/${taskId}`) : null;
      header(task);
      const query = { days };
      if (taskId) query.task_id = taskId;
      const s = await get('/scheduler/stats', query);
      let daily = pick(s, 'daily', 'per_day', 'days_series', 'by_day');
      let trend = null;
      if (Array.isArray(daily)) {
        daily = normDaily(daily);
      } else if (taskId) {
        const ex = await get(`/scheduler/tasks/${taskId}/executions`, { skip: 0, limit: 500 });
        const execs = ex.executions || [];
        daily = dailyFromExecutions(execs);
        trend = execs.filter((e) => durationOf(e) !== null).slice(0, 60).reverse();
      } else {
        daily = [];
      }
      if (disposed) return;
      draw(s, fillDays(daily, days), trend);
    } catch (e) {
      if (!disposed) replace(body, errorBox(e));
    }
  }

  function draw(s, daily, trend) {
    const total = pick(s, 'total_executions', 'total', 'runs');
    const success = pick(s, 'success_count', 'success', 'successes');
    const failed = pick(s, 'failed_count', 'failed', 'failures');
    const running = pick(s, 'running_count', 'running');
    const pending = pick(s, 'pending_count', 'pending');
    // success_rate is a percent (0-100) of finished runs.
    const finished = pick(s, 'finished_count');
    let rate = pick(s, 'success_rate');
    rate = rate !== null ? Number(rate) / 100 : finished ? (Number(success) || 0) / Number(finished) : null;
    const avg = pick(s, 'avg_duration_seconds', 'average_duration', 'avg_duration');
    const latest = pick(s, 'latest_execution_time', 'last_execution_time', 'latest_time', 'last_run_at');
    const label = (d) => d.day.slice(5);
    const charts = [];
    charts.push(h('section', { class: 'card' }, h('h2', {}, t('stats.per_day')),
      stackedBars({
        title: t('stats.per_day'),
        desc: t('stats.per_day_desc', { n: daily.length }),
        series: [
          { key: 'success', label: t('status.success'), cls: 's-ok' },
          { key: 'failed', label: t('status.failed'), cls: 's-bad' },
          { key: 'other', label: t('stats.other'), cls: 's-other' },
        ],
        rows: daily.map((d) => ({
          label: label(d),
          title: t('stats.day_title', { day: d.day, ok: d.success, bad: d.failed, other: d.other }),
          values: d,
        })),
      })));
    const points = trend
      ? trend.map((e) => ({
        label: `#${e.id}`, value: durationOf(e),
        title: `#${e.id} ${t(`status.${e.status}`)}: ${fmtDuration(durationOf(e))}`,
      }))
      : daily.map((d) => ({
        label: label(d), value: d.avg,
        title: Number.isFinite(d.avg) ? `${d.day}: ${fmtDuration(d.avg)}` : `${d.day}: —`,
      }));
    charts.push(h('section', { class: 'card' }, h('h2', {}, t('stats.duration_trend')),
      lineChart({
        title: t('stats.duration_trend'),
        desc: trend ? t('stats.trend_runs_desc', { n: points.length }) : t('stats.trend_days_desc', { n: points.length }),
        points,
        fmtY: (v) => fmtDuration(v),
        seriesLabel: trend ? t('stats.duration_per_run') : t('stats.avg_duration'),
      })));
    replace(body,
      h('div', { class: 'stat-cards' },
        card(t('stats.total'), fmtNumber(total), 'total'),
        card(t('status.success'), fmtNumber(success), 'success'),
        card(t('status.failed'), fmtNumber(failed), 'failed'),
        card(t('status.running'), fmtNumber(running), 'running'),
        pending !== null ? card(t('status.pending'), fmtNumber(pending), 'pending') : null,
        card(t('stats.success_rate'), fmtPercent(rate), 'success_rate'),
        card(t('stats.avg_duration'), avg === null ? '—' : fmtDuration(avg), 'avg_duration'),
        card(t('stats.latest'), timeEl(latest), 'latest')),
      h('div', { class: 'chart-grid' }, charts));
  }

  if (!taskId) header(null);
  load();
  return () => { disposed = true; };
}
