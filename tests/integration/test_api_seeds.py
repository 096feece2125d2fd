"""The product brief's Python client snippets (seeds 001 and 004), run
verbatim against zq: only BASE_URL and TOKEN are substituted. A private
stack, so the snippets' hard-coded task ids 1 and 2 are ours."""
import os
import re
import subprocess
import sys
import textwrap

import pytest
import requests

from zqstack import SRC, Stack, wait_for

# The product brief lives in shared/ beside the checkout (CI lays a copy there).
SEEDS = os.environ.get("ZQ_SEEDS_DIR") or next(
    (d for d in (os.path.join(os.path.dirname(SRC), "shared", "seeds"), "/work/shared/seeds")
     if os.path.isdir(d)), "/work/shared/seeds")


def snippets(prefix):
    """The ```python blocks of the seed file whose name starts with prefix."""
    names = [n for n in os.listdir(SEEDS) if n.startswith(prefix)] if os.path.isdir(SEEDS) else []
    if not names:
        pytest.skip(f"seed {prefix}* not found in {SEEDS}")
    with open(os.path.join(SEEDS, names[0]), encoding="utf-8") as f:
        text = f.read()
    return re.findall(r"```python\n(.*?)```", text, re.S)


def substitute(code, base_url, token):
    code = re.sub(r'BASE_URL = "[^"]*"', f'BASE_URL = "{base_url}"', code)
    return re.sub(r'TOKEN = "[^"]*"', f'TOKEN = "{token}"', code)


def run(code, timeout=120):
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=timeout)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


@pytest.fixture(scope="module")
def seed_stack():
    s = Stack().start()
    yield s
    statuses = s.stop()
    reports = s.sanitizer_reports()
    s.cleanup()
    assert not reports, "sanitizer reports:\n" + "\n".join(reports)
    assert all(v in (0, None) for v in statuses.values()), statuses


def test_seed_001_trigger_history_and_workflow(seed_stack):
    s = seed_stack
    admin = s.session("admin")
    for name in ("同步股票列表", "同步交易日历"):  # become tasks 1 and 2
        r = admin.post(s.api_url + "/scheduler/tasks", timeout=10, json={
            "name": name, "task_type": "manual_task", "config": {"command": "echo " + name}})
        assert r.status_code == 201, r.text
    assert [t["id"] for t in admin.get(s.api_url + "/scheduler/tasks",
                                       timeout=10).json()["tasks"]] == [1, 2]
    blocks = snippets("001_")
    assert len(blocks) == 3
    # the three blocks share one session: the later ones use BASE_URL and HEADERS
    code = substitute("\n".join(blocks), s.url, s.token("admin"))
    out = run(code)
    assert "任务已成功触发" in out
    assert re.search(r"执行ID: \d+, 状态: \w+, 开始时间: ", out), out
    assert "编排任务创建成功" in out
    wf = admin.get(s.api_url + "/scheduler/tasks", params={"task_type": "workflow"},
                   timeout=10).json()["tasks"]
    assert [w["name"] for w in wf] == ["数据同步编排任务"] and wf[0]["node_count"] == 2
    # the sub-tasks are now hidden from the default list
    assert admin.get(s.api_url + "/scheduler/tasks", timeout=10).json()["total"] == 1


def scheduler_runs_example_tasks(s):
    """Can this build's zq-scheduler run an example task to the end?"""
    admin = s.session("admin")
    t = admin.post(s.api_url + "/scheduler/tasks", timeout=10, json={
        "name": "probe", "task_type": "example_task", "cron_expression": "0 0 1 1 *", "config": {"duration_seconds": 0.2,
                                                                 "steps": 1}}).json()
    if "id" not in t:
        return False
    eid = admin.post(s.api_url + f"/scheduler/tasks/{t['id']}/trigger",
                     timeout=10).json()["execution_id"]
    try:
        wait_for(lambda: admin.get(s.api_url + f"/scheduler/tasks/{t['id']}/executions/{eid}",
                                   timeout=10).json()["status"] in ("success", "failed"),
                 timeout=30, what="example task")
        return True
    except TimeoutError:
        return False


def test_seed_004_create_trigger_and_watch_progress(seed_stack):
    s = seed_stack
    admin = s.session("admin")
    admin.post(s.api_url + "/scheduler/tasks", timeout=10, json={
        "name": "probe-base", "task_type": "manual_task", "config": {"command": "true"}})
    if not scheduler_runs_example_tasks(s):
        pytest.skip("zq-scheduler of this build does not run example tasks yet "
                    "(progress polling needs it)")
    blocks = [b for b in snippets("004_") if "API实时进度测试" in b]
    assert len(blocks) == 1
    out = run(substitute(blocks[0], s.url, s.token("admin")), timeout=180)
    assert "任务创建成功，ID:" in out and "任务已触发" in out
    assert re.search(r"\[运行中\] 进度: \d+% \| 步骤: \d+/30 \| ", out), out
    assert "[成功] 任务执行完成" in out
    result = out.split("执行结果: ", 1)[1]
    assert '"progress_percent": 100' in result and '"total_steps": 30' in result
    assert '"steps": [' in result
