// exec-follow.js - the Follow view of an execution (like `tail -f`): polls
// GET .../executions/{eid}/output?stream=&after= every second while the run
// is live, appends what is new (a timestamp per chunk in its title), keeps
// the end in view unless paused, stdout / stderr / both, and says how many
// bytes were lost to the cap. The element survives the page's redraws.
import { h, clear } from './dom.js';
import { t } from './i18n.js';
import { get } from './api.js';
import { fmtNumber } from './format.js';

const FOLLOW_MS = 1000;

export function followView(taskId, execId) {
  const path = `/scheduler/tasks/${taskId}/executions/${execId}/output`;
  let which = 'stdout';
  let after = { stdout: 0, stderr: 0 };
  let timer = null;
  let disposed = false;
  let gen = 0;  // a stream change ends the polls of the one before

  const log = h('pre', { class: 'log follow-log', id: 'follow-log', tabindex: 0, 'aria-live': 'off' });
  const pause = h('input', { type: 'checkbox', id: 'follow-pause' });
  const state = h('span', { class: 'muted small', id: 'follow-state' });
  const select = h('select', { id: 'follow-stream', onchange: () => restart(select.value) },
    h('option', { value: 'stdout' }, t('follow.stdout')),
    h('option', { value: 'stderr' }, t('follow.stderr')),
    h('option', { value: 'both' }, t('follow.both')));
  const el = h('section', { class: 'card', id: 'exec-follow' },
    h('h2', {}, t('follow.title'), ' ', state),
    h('div', { class: 'toolbar' },
      h('label', {}, t('follow.stream'), ' ', select),
      h('label', {}, pause, ' ', t('follow.pause'))),
    log);

  function add(stream, b) {
    if (b.dropped) {
      log.append(h('span', { class: 'muted follow-dropped' },
        `${t('follow.dropped', { n: fmtNumber(b.offset_start - after[stream]) })}\n`));
    }
    if (b.data) {
      log.append(h('span', {
        class: stream === 'stderr' ? 'follow-chunk err-text' : 'follow-chunk',
        title: new Date().toLocaleTimeString(),
      }, b.data));
    }
    after[stream] = b.offset_end;
  }

  async function poll(my) {
    const streams = which === 'both' ? ['stdout', 'stderr'] : [which];
    let live = false;
    try {
      for (const s of streams) {
        const b = await get(path, { stream: s, after: after[s] });
        if (disposed || my !== gen) return;
        add(s, b);
        live = live || b.running;
      }
    } catch (err) {
      if (disposed || my !== gen) return;
      state.textContent = err.message || String(err);
      live = true;  // try again
    }
    if (!pause.checked) log.scrollTop = log.scrollHeight;
    state.textContent = live ? t('follow.live') : t('follow.ended');
    el.dataset.live = live ? '1' : '0';
    if (live) timer = setTimeout(() => poll(my), FOLLOW_MS);
  }

  function restart(s) {
    which = s;
    after = { stdout: 0, stderr: 0 };
    clearTimeout(timer);
    clear(log);
    gen += 1;
    poll(gen);
  }

  restart(which);
  return {
    el,
    dispose() { disposed = true; clearTimeout(timer); },
  };
}
