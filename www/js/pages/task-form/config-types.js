// config-types.js - what the task form knows per task type: the config
// template the JSON editor starts from, and which helper sections apply
// (params: the params editor, a command reads them as ZQ_PARAM_*; builder:
// the workflow builder). The hint under the editor is form.config_hint.TYPE.
export const CONFIG_TYPES = {
  example_task: {
    template: { duration_seconds: 10, steps: 10, success_rate: 1.0, message: 'example done' },
    params: true,
  },
  common_task: {
    template: {
      command: 'echo "##progress 1/2 working"; sleep 1; echo "##progress 2/2 done"; echo \'##result {"rows": 2}\'',
      work_dir: '/tmp', env: {},
    },
    params: true,
  },
  manual_task: {
    template: { command: 'echo hello from zq', work_dir: '/tmp', env: {} },
    params: true,
  },
  workflow: {
    template: { workflow_type: 'serial', tasks: [], on_failure: 'stop' },
    builder: true,
  },
};

export const templateOf = (type) => (CONFIG_TYPES[type] || {}).template;
export const hasParams = (type) => !!(CONFIG_TYPES[type] && CONFIG_TYPES[type].params);
export const hasBuilder = (type) => !!(CONFIG_TYPES[type] && CONFIG_TYPES[type].builder);
