// limits.js - task form section "Advanced" (folded for a new task, open when
// editing): retries and their interval, timeout, concurrent instances,
// misfire grace, coalescing of missed runs.
import { h } from '../../dom.js';
import { t } from '../../i18n.js';

const num = (name, min, value) => h('input', { type: 'number', name, min, step: 1, value: value == null ? '' : String(value), class: 'short' });

function intOrNull(input) {
  const v = input.value.trim();
  return v === '' ? null : Number(v);
}

export function create(form) {
  const retriesIn = num('max_retries', 0, 0);
  const retryIntIn = num('retry_interval', 1, 60);
  const timeoutIn = num('timeout_seconds', 0, '');
  const instancesIn = num('max_instances', 1, 1);
  const graceIn = num('misfire_grace_seconds', 0, 60);
  const coalesceIn = h('input', { type: 'checkbox', name: 'coalesce', checked: true });
  form.claimApiFields({
    max_retries: 'max_retries', retry_interval: 'retry_interval', timeout_seconds: 'timeout_seconds',
    max_instances: 'max_instances', misfire_grace_seconds: 'misfire_grace_seconds', coalesce: 'coalesce',
  });

  const el = h('details', { class: 'advanced', open: form.editing ? true : null },
    h('summary', {}, t('form.advanced')),
    h('div', { class: 'row wrap' },
      form.field('max_retries', t('col.retries'), retriesIn),
      form.field('retry_interval', t('form.retry_interval'), retryIntIn),
      form.field('timeout_seconds', t('form.timeout'), timeoutIn, { hint: t('form.timeout_hint') }),
      form.field('max_instances', t('form.max_instances'), instancesIn),
      form.field('misfire_grace_seconds', t('form.misfire_grace'), graceIn)),
    form.field('coalesce', t('form.coalesce'), coalesceIn, { inline: true }));

  return {
    el,
    fill(task) {
      if (!task) return;
      retriesIn.value = String(task.max_retries ?? 0);
      retryIntIn.value = String(task.retry_interval ?? 60);
      timeoutIn.value = task.timeout_seconds ? String(task.timeout_seconds) : '';
      instancesIn.value = String(task.max_instances ?? 1);
      graceIn.value = String(task.misfire_grace_seconds ?? 60);
      coalesceIn.checked = task.coalesce !== false && task.coalesce !== 0;
    },
    read() {
      return {
        fields: {
          max_retries: intOrNull(retriesIn) ?? 0,
          retry_interval: intOrNull(retryIntIn) ?? 60,
          timeout_seconds: intOrNull(timeoutIn),
          max_instances: intOrNull(instancesIn) ?? 1,
          misfire_grace_seconds: intOrNull(graceIn) ?? 60,
          coalesce: coalesceIn.checked,
        },
        errors: [],
      };
    },
  };
}
