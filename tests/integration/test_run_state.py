"""Each task's run state (task_run_state: what GET /scheduler/tasks shows as
latest_execution_* and schedule_status) stays exactly what its executions
say while three daemons fire, claim, retry, cancel, reap and run workflows
and zq-api triggers runs: it is compared, at any moment and at the end, with
a from-scratch recomputation over task_executions (tests/integration/
run_state.py, written independently of db/store/run_state_store.c)."""
import os
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_state import DIFF_ROWS_SQL  # noqa: E402
from sched_util import SchedEnv, clean_between_tests  # noqa: E402

YEARLY = "0 0 1 1 *"  # a workflow needs a schedule; these run when triggered


@pytest.fixture(scope="module")
def env():
    e = SchedEnv(threads=4).start()
    try:
        e.stack.start_api()
        e.stack.start_nginx()
    except Exception:
        e.close()
        raise
    yield e
    e.close()


@pytest.fixture(autouse=True)
def clean(env):
    yield from clean_between_tests(env)


@pytest.fixture
def admin(env):
    return env.stack.session("admin")


def tasks_url(env, *parts):
    return "/".join([env.stack.api_url + "/scheduler/tasks", *map(str, parts)])


def create(admin, env, **body):
    r = admin.post(tasks_url(env), json=body, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def trigger(admin, env, tid, override=None):
    """A manual run; override: an admin's one-off config change for it."""
    body = {"override": override} if override is not None else None
    r = admin.post(tasks_url(env, tid, "trigger"), json=body, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["execution_id"]


def cancel(admin, env, tid, eid):
    r = admin.post(tasks_url(env, tid, "executions", eid, "cancel"), timeout=30)
    assert r.status_code in (202, 409), r.text  # 409: it finished first


def example(name, **over):
    body = {"name": name, "task_type": "example_task", "interval_seconds": 1,
            "config": {"duration_seconds": 0, "steps": 1, "success_rate": 0.6},
            "max_retries": 2, "retry_interval": 1}
    body.update(over)
    return body


def manual(name, command, **over):
    body = {"name": name, "task_type": "manual_task", "config": {"command": command}}
    body.update(over)
    return body


def assert_exact(env, when):
    diff = env.rows(DIFF_ROWS_SQL)
    assert diff == [], f"task_run_state differs from task_executions {when}: {diff}"


def listed(admin, env, **params):
    r = admin.get(tasks_url(env), params=dict(params, include_subtasks="true", limit=1000),
                  timeout=30)
    assert r.status_code == 200, r.text
    return {t["id"]: t for t in r.json()["tasks"]}


def test_state_stays_exact_through_a_busy_mix(env, admin):
    quick = [create(admin, env, **example(f"quick-{i}")) for i in range(4)]
    slow = create(admin, env, **example("slow", max_instances=1, max_retries=0,
                                        config={"duration_seconds": 2.5, "steps": 2}))
    cmd = create(admin, env, **manual("cmd", "sleep 1"))
    fail = create(admin, env, **manual("fail", "exit 3", max_retries=1, retry_interval=1))
    wa = create(admin, env, **manual("wa", "sleep 0.3"))
    wb = create(admin, env, **manual("wb", "exit 2"))
    wc = create(admin, env, **manual("wc", "true"))
    cont = create(admin, env, name="wf-continue", task_type="workflow", cron_expression=YEARLY,
                  config={"workflow_type": "parallel", "on_failure": "continue",
                          "tasks": [{"task_id": wa}, {"task_id": wb},
                                    {"task_id": wc, "dependencies": [wb]}]})
    serial = create(admin, env, name="wf-serial", task_type="workflow", cron_expression=YEARLY,
                    config={"workflow_type": "serial",
                            "tasks": [{"task_id": wa}, {"task_id": cmd}, {"task_id": wc}]})
    for i in range(3):
        env.daemon(f"rs-{i}", scheduler__threads="4")
    end = time.monotonic() + 12
    checks = 0
    i = 0
    while time.monotonic() < end:
        eid = trigger(admin, env, cmd)
        if i % 2 == 0:
            time.sleep(0.05 * (i % 4))  # pending or already running
            cancel(admin, env, cmd, eid)
        if i % 3 == 0:
            trigger(admin, env, fail)
            trigger(admin, env, cont)
        if i % 5 == 0:
            run = trigger(admin, env, serial)
            time.sleep(0.5)
            cancel(admin, env, serial, run)
        if i % 4 == 0:
            assert_exact(env, "while the daemons work")  # one snapshot: exact at any moment
            checks += 1
        i += 1
        time.sleep(0.2)
    for t in quick + [slow]:
        assert admin.post(tasks_url(env, t, "disable"), timeout=30).status_code == 200
    env.wait(lambda: env.count("status IN ('pending', 'running')") == 0, timeout=120,
             what="every execution to end")
    assert_exact(env, "at the end")
    assert checks >= 3

    # it really was a busy mix: every kind of change happened, on three daemons
    seen = {(r["status"], r["trigger_type"]) for r in env.rows(
        "SELECT DISTINCT status, trigger_type FROM task_executions")}
    statuses = {s for s, _ in seen}
    assert {"success", "failed", "terminated", "skipped", "completed"} <= statuses, seen
    assert {"schedule", "manual", "retry", "workflow"} <= {t for _, t in seen}, seen
    nodes = int(env.value("SELECT COUNT(DISTINCT node_id) FROM task_executions"))
    print(f"{env.count('1 = 1')} executions on {nodes} daemons, {checks} checks while busy")
    assert nodes >= 2

    # and the API shows it: every task's row agrees with its executions
    rows = listed(admin, env)
    for tid in quick + [slow, cmd, fail, wa, wb, wc, cont, serial]:
        want = env.rows(f"SELECT id, status FROM task_executions WHERE task_id = {tid} "
                        "ORDER BY id DESC LIMIT 1")[0]
        finished = env.value(f"SELECT status FROM task_executions WHERE task_id = {tid} AND "
                             "status NOT IN ('skipped') ORDER BY id DESC LIMIT 1")
        got = rows[tid]
        assert (got["latest_execution_id"], got["latest_execution_status"]) == \
            (int(want["id"]), want["status"]), got
        verdict = ("disabled" if tid in quick + [slow] else "pending" if finished is None
                   else "success" if finished == "success" else "failed")
        assert got["schedule_status"] == verdict, (got, finished)
    assert rows[fail]["schedule_status"] == "failed"
    assert rows[quick[0]]["schedule_status"] == "disabled"


def test_list_row_shows_a_run_while_it_runs_and_how_it_ended(env, admin):
    tid = create(admin, env, **manual("watched", "sleep 2"))
    env.daemon()
    row = lambda **p: listed(admin, env, name="watched", **p).get(tid)  # noqa: E731
    assert row()["schedule_status"] == "pending" and row()["latest_execution_id"] is None
    eid = trigger(admin, env, tid)
    env.wait(lambda: row()["latest_execution_status"] == "running", timeout=30,
             what="the row to show the run running", interval=0.05)
    got = row(status="running")
    assert got["latest_execution_id"] == eid and got["schedule_status"] == "running"
    assert got["latest_execution_time"] is not None
    one = admin.get(tasks_url(env, tid), timeout=30).json()
    assert (one["latest_execution_status"], one["schedule_status"]) == ("running", "running")
    env.wait(lambda: row()["latest_execution_status"] == "success", timeout=30,
             what="the row to show the run's end")
    assert row(status="success")["schedule_status"] == "success"
    eid = trigger(admin, env, tid, {"command": "exit 4"})
    env.wait(lambda: row()["latest_execution_status"] == "failed", timeout=30,
             what="the failed run")
    got = row(status="failed")
    assert got["latest_execution_id"] == eid and got["schedule_status"] == "failed"
    assert_exact(env, "after the runs")


def test_state_stays_exact_when_a_peer_reaps_a_dead_daemons_runs(env, admin):
    """A claim keeps a task's stored newest finished status (the refresh does
    not search the history for it, db/store/run_state_store.c): it must still be
    the newest finished one while the next run is claimed and runs, after
    kill -9 of its daemon, when a peer reaps the run (failed, and its retry)
    and when the retries end."""
    ok = create(admin, env, **manual("was-ok", "true", max_retries=1, retry_interval=1))
    bad = create(admin, env, **manual("was-bad", "exit 4", max_retries=1, retry_interval=1))
    victim = env.daemon("rs-victim")
    for tid in (ok, bad):
        trigger(admin, env, tid)
    env.wait(lambda: env.count("status IN ('pending', 'running')") == 0, timeout=60,
             what="the first runs (and the failed one's retry) to end")
    assert_exact(env, "after the first runs")
    runs = [trigger(admin, env, tid, override={"command": "sleep 300"}) for tid in (ok, bad)]
    env.wait(lambda: env.count(f"id IN ({runs[0]}, {runs[1]}) AND status = 'running'") == 2,
             what="both claimed")
    assert_exact(env, "while the claimed runs run")
    assert {r["task_id"]: r["last_finished_status"] for r in env.rows(
        f"SELECT task_id, last_finished_status FROM task_run_state WHERE task_id IN ({ok}, {bad})")} \
        == {str(ok): "success", str(bad): "failed"}
    env.kill9(victim)
    env.daemon("rs-reaper")
    for eid in runs:
        e = env.wait_final(eid, timeout=60)
        assert e["error_message"] == "scheduler node lost", e
    assert_exact(env, "after the reap")
    env.wait(lambda: env.count(f"task_id IN ({ok}, {bad}) AND trigger_type = 'retry' AND "
                               f"id > {max(runs)}") == 2, timeout=60, what="the reaped runs' retries")
    for tid in (ok, bad):
        for e in env.rows(f"SELECT id FROM task_executions WHERE task_id = {tid} AND "
                          "status IN ('pending', 'running')"):
            cancel(admin, env, tid, e["id"])
    env.wait(lambda: env.count("status IN ('pending', 'running')") == 0, timeout=60,
             what="the retries to end")
    assert_exact(env, "at the end")


def test_a_starting_daemon_corrects_state_left_behind_across_every_task_id(env):
    """What a previous release's binaries left behind (executions written
    without refreshing task_run_state, a stale active count) is corrected by
    a daemon after it starts, over the whole task id range: the check runs
    between its ticks, a span of task ids at a time (scheduler/duties.c)."""
    env.sql("INSERT INTO scheduled_tasks (name, job_id, task_type, config, interval_seconds, "
            "enabled) SELECT CONCAT('many-', seq), CONCAT('many-', seq), 'example_task', "
            "'{\"duration_seconds\": 0}', 86400, 0 FROM seq_1_to_7000")
    lo, hi = (int(v) for v in env.rows("SELECT MIN(id) AS lo, MAX(id) AS hi FROM "
                                       "scheduled_tasks")[0].values())
    mid = lo + 3500
    # old binaries: executions without their state; a state row counting a run long gone
    now = "UTC_TIMESTAMP(3)"
    env.sql("INSERT INTO task_executions (task_id, trigger_type, status, scheduled_time, "
            f"not_before, start_time, end_time) VALUES ({lo}, 'manual', 'success', {now}, {now}, "
            f"{now}, {now}), ({mid}, 'manual', 'failed', {now}, {now}, {now}, {now}), "
            f"({hi}, 'schedule', 'skipped', {now}, {now}, NULL, {now}); "
            f"INSERT INTO task_run_state (task_id, active) VALUES ({mid + 1}, 1)")
    assert len(env.rows(DIFF_ROWS_SQL)) == 4
    d = env.daemon("rs-start")
    env.wait(lambda: "refreshed at start" in d.output(), timeout=60,
             what="the start-up run state check to end")
    assert_exact(env, "after the start-up check")
    assert "run state: 4 tasks refreshed at start" in d.output(), d.output()[-2000:]
