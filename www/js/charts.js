// charts.js - small SVG charts built with DOM calls (no library, no markup
// strings): stacked bars for runs per day, a line for the duration trend.
import { svg, h } from './dom.js';

const W = 640;
const H = 220;
const PAD = { l: 56, r: 12, t: 12, b: 34 }; // room for "500 ms"-wide y labels

/** A top for the y axis that splits into 4 readable ticks. */
function niceMax(v, integer) {
  if (integer) return Math.max(4, Math.ceil(v / 4) * 4);
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 4, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function axes(maxY, fmtY, labels) {
  const g = svg('g', { class: 'axes' });
  const innerH = H - PAD.t - PAD.b;
  for (let i = 0; i <= 4; i += 1) {
    const v = (maxY * i) / 4;
    const y = PAD.t + innerH - (innerH * i) / 4;
    g.append(svg('line', { x1: PAD.l, x2: W - PAD.r, y1: y, y2: y, class: i ? 'grid-line' : 'axis-line' }),
      svg('text', { x: PAD.l - 6, y: y + 4, 'text-anchor': 'end', class: 'tick' }, fmtY(v)));
  }
  const innerW = W - PAD.l - PAD.r;
  const n = labels.length;
  const every = Math.max(1, Math.ceil(n / 8));
  labels.forEach((lab, i) => {
    if (i % every !== 0 && i !== n - 1) return;
    const x = PAD.l + (innerW * (i + 0.5)) / n;
    g.append(svg('text', { x, y: H - PAD.b + 16, 'text-anchor': 'middle', class: 'tick' }, lab));
  });
  return g;
}

/**
 * Stacked bars. series: [{key, label, cls}], rows: [{label, title, values: {key: n}}].
 */
export function stackedBars({ series, rows, title, desc }) {
  const maxY = niceMax(Math.max(0, ...rows.map((r) => series.reduce((s, x) => s + (Number(r.values[x.key]) || 0), 0))), true);
  const innerW = W - PAD.l - PAD.r;
  const innerH = H - PAD.t - PAD.b;
  const bw = innerW / Math.max(1, rows.length);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': `${title}. ${desc || ''}` },
    svg('title', {}, title),
    axes(maxY, (v) => String(Math.round(v * 10) / 10), rows.map((r) => r.label)));
  rows.forEach((r, i) => {
    let y = PAD.t + innerH;
    const g = svg('g', { class: 'bar' }, svg('title', {}, r.title));
    for (const s of series) {
      const v = Number(r.values[s.key]) || 0;
      if (!v) continue;
      const bh = (innerH * v) / maxY;
      y -= bh;
      g.append(svg('rect', {
        x: PAD.l + i * bw + bw * 0.15, y, width: Math.max(1, bw * 0.7), height: bh, class: s.cls,
      }));
    }
    g.append(svg('rect', { x: PAD.l + i * bw, y: PAD.t, width: bw, height: innerH, class: 'hit' }));
    root.append(g);
  });
  return h('figure', { class: 'chart-fig' }, root,
    h('figcaption', { class: 'legend' }, series.map((s) => h('span', { class: 'legend-item' },
      h('span', { class: ['swatch', s.cls], 'aria-hidden': 'true' }), s.label))));
}

/** A line (with points). points: [{label, value, title}]. */
export function lineChart({ points, title, desc, fmtY, seriesLabel }) {
  const vals = points.map((p) => p.value).filter((v) => Number.isFinite(v));
  const maxY = niceMax(Math.max(0, ...vals));
  const innerW = W - PAD.l - PAD.r;
  const innerH = H - PAD.t - PAD.b;
  const n = points.length;
  const xy = (i, v) => [PAD.l + (innerW * (i + 0.5)) / Math.max(1, n), PAD.t + innerH - (innerH * v) / maxY];
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': `${title}. ${desc || ''}` },
    svg('title', {}, title),
    axes(maxY, fmtY || ((v) => String(Math.round(v * 10) / 10)), points.map((p) => p.label)));
  let d = '';
  let pen = false;
  points.forEach((p, i) => {
    if (!Number.isFinite(p.value)) { pen = false; return; }
    const [x, y] = xy(i, p.value);
    d += `${pen ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)} `;
    pen = true;
  });
  if (d) root.append(svg('path', { d: d.trim(), class: 'line' }));
  points.forEach((p, i) => {
    if (!Number.isFinite(p.value)) return;
    const [x, y] = xy(i, p.value);
    root.append(svg('circle', { cx: x, cy: y, r: 3.5, class: 'dot' }, svg('title', {}, p.title)));
  });
  return h('figure', { class: 'chart-fig' }, root,
    h('figcaption', { class: 'legend' }, h('span', { class: 'legend-item' },
      h('span', { class: 'swatch s-line', 'aria-hidden': 'true' }), seriesLabel || title)));
}
