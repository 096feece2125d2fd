"""task_run_state.run_status (migration 090: a column generated from active
and last_finished_status, read by the task list's status filters through
ix_runstate_status) says, for every history an execution can leave, what
schedule_status says of an enabled, unpaused task - with the state written
only by SQL that never names the column (tests/integration/run_state.py's
recomputation, as a writer of the previous release would), and again after
those histories change. Each status filter lists exactly the tasks whose
schedule_status, derived here from the executions alone, is that status."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_state import DIFF_ROWS_SQL, refresh_sql, transaction  # noqa: E402
from zqstack import session_stack  # noqa: E402

FINISHED = ("success", "failed", "completed", "terminated")

# name: (enabled, paused, executions' statuses oldest first)
HISTORIES = {
    "none": (1, 0, []),
    "skipped": (1, 0, ["skipped"]),
    "pending": (1, 0, ["pending"]),
    "running": (1, 0, ["running"]),
    "success": (1, 0, ["success"]),
    "failed": (1, 0, ["failed"]),
    "completed": (1, 0, ["completed"]),
    "terminated": (1, 0, ["terminated"]),
    "success-then-failed": (1, 0, ["success", "failed"]),
    "failed-then-success": (1, 0, ["failed", "success"]),
    "success-then-running": (1, 0, ["success", "running"]),
    "failed-then-pending": (1, 0, ["failed", "pending"]),
    "success-then-skipped": (1, 0, ["success", "skipped"]),
    "two-running": (1, 0, ["running", "pending"]),
    "disabled-running": (0, 0, ["running"]),
    "disabled-failed": (0, 1, ["failed"]),
    "paused-success": (1, 1, ["success"]),
    "paused-none": (1, 1, []),
}
STATUSES = ("disabled", "paused", "running", "failed", "success", "pending")


def schedule_status(enabled, paused, history):
    """README "REST API": disabled, paused, running, the newest finished
    (success, else failed), else pending."""
    if not enabled:
        return "disabled"
    if paused:
        return "paused"
    if any(st in ("pending", "running") for st in history):
        return "running"
    done = [st for st in history if st in FINISHED]
    if done:
        return "success" if done[-1] == "success" else "failed"
    return "pending"


def run_status(history):
    """The column: schedule_status of the task were it enabled and unpaused."""
    return schedule_status(1, 0, history)


@pytest.fixture(scope="module")
def stack():
    yield from session_stack(scheduler=False)


def write(s, tid, enabled, paused, history):
    """Replace task tid's executions with history and recompute its state
    row the way zq's writers do, in one transaction, never naming
    run_status."""
    values = ", ".join(
        f"({tid}, 'manual', '{st}', NOW(3), NOW(3), IF('{st}' = 'pending', NULL, NOW(3)), "
        f"IF('{st}' IN ('pending', 'running', 'skipped'), NULL, NOW(3)), NOW(3))"
        for st in history)
    sql = f"DELETE FROM task_executions WHERE task_id = {tid}; "
    if values:
        sql += ("INSERT INTO task_executions (task_id, trigger_type, status, scheduled_time, "
                f"not_before, start_time, end_time, created_at) VALUES {values}; ")
    s.sql(transaction(sql + refresh_sql(f"t.id = {tid}")))
    s.sql(f"UPDATE scheduled_tasks SET enabled = {enabled}, paused = {paused} WHERE id = {tid}")


def check(s, admin, ids, histories):
    assert s.sql(DIFF_ROWS_SQL) == []
    stored = dict((int(a), b) for a, b in s.sql(
        "SELECT task_id, run_status FROM task_run_state WHERE task_id IN ("
        + ", ".join(map(str, ids.values())) + ")"))
    want_by_status = {st: [] for st in STATUSES}
    for name, tid in sorted(ids.items(), key=lambda kv: kv[1]):
        enabled, paused, history = histories[name]
        want = schedule_status(enabled, paused, history)
        want_by_status[want].append(tid)
        if tid in stored:
            assert stored[tid] == run_status(history), (name, history, stored[tid])
        else:
            assert not history, name   # no state row: no executions
        got = admin.get(f"{s.api_url}/scheduler/tasks/{tid}", timeout=30).json()
        assert got["schedule_status"] == want, (name, got["schedule_status"], want)
    for st in STATUSES:
        for extra in ({}, {"name": "rs-"}):
            body = admin.get(f"{s.api_url}/scheduler/tasks", timeout=30,
                             params=dict(extra, status=st, limit=100)).json()
            got = [t["id"] for t in body["tasks"] if t["id"] in ids.values()]
            assert got == want_by_status[st], (st, extra, got, want_by_status[st])


def test_run_status_is_schedule_status_for_every_history(stack):
    s, admin = stack, stack.session("admin")
    ids = {}
    for name in HISTORIES:
        r = admin.post(s.api_url + "/scheduler/tasks", timeout=30, json={
            "name": "rs-" + name, "task_type": "manual_task", "config": {"command": "true"}})
        assert r.status_code == 201, r.text
        ids[name] = r.json()["id"]
    for name, (enabled, paused, history) in HISTORIES.items():
        write(s, ids[name], enabled, paused, history)
    check(s, admin, ids, HISTORIES)

    # the histories move on (runs end, new ones start, history is deleted):
    # the column follows writers that never name it
    names = list(HISTORIES)
    moved = {}
    for i, name in enumerate(names):
        enabled, paused, history = HISTORIES[name]
        nxt = HISTORIES[names[(i + 7) % len(names)]][2]
        moved[name] = (enabled, paused, [st if st not in ("pending", "running") else "success"
                                         for st in history] + nxt)
        write(s, ids[name], *moved[name])
    moved["none"] = (1, 0, [])
    write(s, ids["none"], *moved["none"])
    check(s, admin, ids, moved)
