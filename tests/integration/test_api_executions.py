"""Manual trigger (with and without a body, an admin's one-off config override,
a disabled task refused), the
execution list (newest first, filters, paging) and detail (result in the
seed's shape, steps, output tails, workflow children), cancel, and the
statistics (rollups + live counts, per-day series).

Rows the scheduler would write are inserted directly where a test needs a
precise state; pending rows are given a not_before far in the future so no
scheduler claims them."""
import json

import requests

from api_util import create, example_body, insert_execution, manual_body, set_execution_status


def url(stack, *parts):
    return stack.api_url + "/scheduler/tasks" + "".join("/" + str(p) for p in parts)


def test_trigger_without_body_and_json_content_type(stack, admin):
    t = create(admin, stack, manual_body())
    r = admin.post(url(stack, t["id"], "trigger"), headers={"Content-Type": "application/json"},
                   timeout=10)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "pending" and body["task_id"] == t["id"]
    row = stack.sql(f"SELECT trigger_type, status IN ('pending','running','success'), fire_key, "
                    f"config_override, created_by, task_id FROM task_executions "
                    f"WHERE id = {body['execution_id']}")[0]
    assert row == ["manual", "1", None, None, "token:test-admin", str(t["id"])]
    audit = stack.sql(f"SELECT action, target_type, target_id FROM audit_log WHERE "
                      f"task_id = {t['id']} AND action = 'trigger'")
    assert audit == [["trigger", "execution", str(body["execution_id"])]]


def test_trigger_with_overrides(stack, admin):
    t = create(admin, stack, manual_body(config={"command": "true", "timeout_seconds": 5}))
    r = admin.post(url(stack, t["id"], "trigger"), json={"override": {"command": "echo override"}},
                   timeout=10)
    assert r.status_code == 200, r.text
    got = stack.sql_value("SELECT config_override FROM task_executions WHERE id = %d"
                          % r.json()["execution_id"])
    assert json.loads(got) == {"command": "echo override"}
    # the old shape (config keys at the top) is not silently taken for an override
    r = admin.post(url(stack, t["id"], "trigger"), json={"command": "echo override"}, timeout=10)
    assert r.status_code == 400 and "override" in r.json()["detail"], r.text
    r = admin.post(url(stack, t["id"], "trigger"), json={"override": {"command": ""}}, timeout=10)
    assert r.status_code == 400 and r.json()["detail"].startswith("config.command")
    r = admin.post(url(stack, t["id"], "trigger"), json=[1], timeout=10)
    assert r.status_code == 400
    r = admin.post(url(stack, t["id"], "trigger"), json={}, timeout=10)
    assert r.status_code == 200
    r = admin.post(url(stack, t["id"], "trigger"), data="x=1",
                   headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
    assert r.status_code == 400
    assert admin.post(url(stack, 999999999, "trigger"), timeout=10).status_code == 404
    assert stack.session("viewer").post(url(stack, t["id"], "trigger"),
                                        timeout=10).status_code == 403


def test_trigger_of_a_disabled_task_is_409_and_runs_nothing(stack, admin):
    t = create(admin, stack, manual_body(enabled=False))
    r = stack.session("operator").post(url(stack, t["id"], "trigger"), timeout=10)
    assert r.status_code == 409 and r.json()["detail"] == "task is disabled: enable it first"
    assert stack.sql_value(f"SELECT COUNT(*) FROM task_executions WHERE task_id = {t['id']}") == "0"


def test_execution_list_newest_first_with_filters(stack, admin):
    t = create(admin, stack, example_body())
    tid = t["id"]
    ids = [insert_execution(stack, tid, st, start_time=f"2026-01-{d:02d} 10:00:00",
                            end_time=f"2026-01-{d:02d} 10:00:05", duration_ms=5000)
           for d, st in ((10, "success"), (11, "failed"), (12, "success"), (13, "skipped"))]
    page = admin.get(url(stack, tid, "executions"), params={"skip": 0, "limit": 10},
                     timeout=10).json()
    assert [e["id"] for e in page["executions"]] == ids[::-1]
    assert page["total"] == 4 and page["total_capped"] is False and page["limit"] == 10
    e = page["executions"][1]
    assert e["status"] == "success" and e["duration_seconds"] == 5.0
    assert e["start_time"] == "2026-01-12T10:00:00.000Z" and e["trigger"] == "schedule"
    assert e["result"] == {"status": "success"}
    get = lambda **p: [x["id"] for x in admin.get(url(stack, tid, "executions"), params=p,
                                                  timeout=10).json()["executions"]]
    assert get(status="success") == [ids[2], ids[0]]
    assert get(start_time_from="2026-01-11T00:00:00Z", start_time_to="2026-01-13") == \
        [ids[2], ids[1]]
    assert get(limit=1, skip=1) == [ids[2]]
    assert get(before_id=ids[2]) == [ids[1], ids[0]]
    r = admin.get(url(stack, tid, "executions"), params={"status": "done"}, timeout=10)
    assert r.status_code == 400 and r.json()["detail"].startswith("status:")
    r = admin.get(url(stack, tid, "executions"), params={"start_time_from": "yesterday"},
                  timeout=10)
    assert r.status_code == 400 and r.json()["detail"].startswith("start_time_from:")
    assert admin.get(url(stack, 999999999, "executions"), timeout=10).status_code == 404


def test_execution_detail_in_the_seed_shape(stack, admin):
    t = create(admin, stack, example_body())
    eid = insert_execution(stack, t["id"], "pending", current_step=2, total_steps=3,
                           progress_percent=66, progress_message="步骤 2/3 处理中")
    stack.sql(f"INSERT INTO execution_steps (execution_id, step, status, message, at) VALUES "
              f"({eid}, 1, 'completed', '步骤 1/3 处理完成', UTC_TIMESTAMP(3)),"
              f"({eid}, 2, 'running', '步骤 2/3 处理中', UTC_TIMESTAMP(3))")
    e = admin.get(url(stack, t["id"], "executions", eid), timeout=10).json()
    assert e["status"] == "pending" and e["error_message"] is None and e["retry_count"] == 0
    assert e["result"] == {"current_step": 2, "total_steps": 3, "progress_percent": 66,
                           "message": "步骤 2/3 处理中", "status": "pending",
                           "steps": [{"step": 1, "status": "completed", "message": "步骤 1/3 处理完成"},
                                     {"step": 2, "status": "running", "message": "步骤 2/3 处理中"}]}
    assert e["output"] is None and e["children"] == []
    # a finished command: the stored summary wins over the progress message
    done = insert_execution(stack, t["id"], "failed", progress_message="last line",
                            result='{"success": false, "exit_code": 3, "message": "exit code 3", '
                                   '"summary": {"rows": 5}}',
                            error_message="exit code 3", duration_ms=1234, retry_count=1)
    stack.sql(f"INSERT INTO execution_output (execution_id, stdout_tail, stderr_tail, "
              f"stdout_bytes, stderr_bytes, exit_code) VALUES ({done}, 'out\\nline', 'oops', "
              f"100000, 4, 3)")
    e = admin.get(url(stack, t["id"], "executions", done), timeout=10).json()
    assert e["result"]["message"] == "exit code 3" and e["result"]["summary"] == {"rows": 5}
    assert e["result"]["status"] == "failed" and e["result"]["steps"] == []
    assert e["error_message"] == "exit code 3" and e["duration_seconds"] == 1.234
    assert e["retry_count"] == 1
    assert e["output"] == {"stdout": "out\nline", "stderr": "oops", "stdout_bytes": 100000,
                           "stderr_bytes": 4, "stdout_truncated": True,
                           "stderr_truncated": False, "exit_code": 3, "term_signal": None}
    # an execution of another task is not reachable through this one
    other = create(admin, stack, example_body())
    assert admin.get(url(stack, other["id"], "executions", done), timeout=10).status_code == 404


def test_workflow_run_lists_its_children(stack, admin):
    a = create(admin, stack, manual_body())
    wf = create(admin, stack, {"name": "wf-" + a["name"], "task_type": "workflow",
                               "cron_expression": "0 0 1 1 *",
                               "config": {"workflow_type": "serial",
                                          "tasks": [{"task_id": a["id"]}]}})
    parent = insert_execution(stack, wf["id"], "success")
    child = insert_execution(stack, a["id"], "success", trigger_type="workflow",
                             parent_execution_id=parent)
    e = admin.get(url(stack, wf["id"], "executions", parent), timeout=10).json()
    assert [(c["id"], c["task_id"], c["status"]) for c in e["children"]] == \
        [(child, a["id"], "success")]
    c = admin.get(url(stack, a["id"], "executions", child), timeout=10).json()
    assert c["parent_execution_id"] == parent and c["trigger"] == "workflow"


def test_cancel(stack, admin):
    t = create(admin, stack, example_body())
    eid = insert_execution(stack, t["id"], "pending")
    op = stack.session("operator")
    r = op.post(url(stack, t["id"], "executions", eid, "cancel"), timeout=10)
    assert r.status_code == 202, r.text
    assert r.json() == {"execution_id": eid, "task_id": t["id"], "status": "pending",
                        "cancel_requested": True}
    assert stack.sql_value(f"SELECT cancel_requested FROM task_executions WHERE id = {eid}") == "1"
    assert stack.sql_value(f"SELECT actor FROM audit_log WHERE action = 'cancel' "
                           f"AND target_id = {eid}") == "token:test-operator"
    done = insert_execution(stack, t["id"], "success")
    r = op.post(url(stack, t["id"], "executions", done, "cancel"), timeout=10)
    assert r.status_code == 409 and "already finished (success)" in r.json()["detail"]
    r = op.post(url(stack, t["id"], "executions", 999999999, "cancel"), timeout=10)
    assert r.status_code == 404
    r = stack.session("viewer").post(url(stack, t["id"], "executions", eid, "cancel"), timeout=10)
    assert r.status_code == 403


def test_stats_from_rollups_and_live_counts(stack, admin):
    t = create(admin, stack, example_body())
    tid = t["id"]
    stack.sql(f"INSERT INTO task_stats_daily (task_id, day, runs, successes, failures, "
              f"terminations, skipped, total_duration_ms, max_duration_ms) VALUES "
              f"({tid}, UTC_DATE(), 4, 3, 1, 0, 2, 8000, 3000),"
              f"({tid}, UTC_DATE() - INTERVAL 2 DAY, 6, 3, 2, 1, 0, 6000, 2500),"
              f"({tid}, UTC_DATE() - INTERVAL 40 DAY, 10, 10, 0, 0, 0, 10000, 1000)")
    # ...and the all-tasks rollup beside them, as the scheduler writes both (080)
    stack.sql("INSERT INTO task_stats_daily_all (day, slot, runs, successes, failures, "
              "terminations, skipped, total_duration_ms, max_duration_ms) VALUES "
              "(UTC_DATE(), 3, 20, 16, 3, 1, 2, 24000, 3000) ON DUPLICATE KEY UPDATE "
              "runs = runs + 20, successes = successes + 16, failures = failures + 3, "
              "terminations = terminations + 1, skipped = skipped + 2, "
              "total_duration_ms = total_duration_ms + 24000")
    insert_execution(stack, tid, "pending")
    # a running row no reaper touches: heartbeat in the future, no node
    last = insert_execution(stack, tid, "running", start_time="2026-01-20 10:00:00",
                            heartbeat_at="2099-01-01 00:00:00")
    s = admin.get(stack.api_url + "/scheduler/stats", params={"task_id": tid, "days": 7},
                  timeout=10).json()
    assert s["task_id"] == tid
    assert (s["success_count"], s["failed_count"], s["terminated_count"]) == (16, 3, 1)
    assert (s["running_count"], s["pending_count"], s["skipped_count"]) == (1, 1, 2)
    assert s["finished_count"] == 20 and s["total_executions"] == 22
    assert s["success_rate"] == 80.0 and s["avg_duration_seconds"] == 1.2
    assert s["max_duration_seconds"] == 3.0
    assert s["latest_execution_id"] == last and s["latest_execution_status"] == "running"
    assert s["latest_execution_time"] == "2026-01-20T10:00:00.000Z"
    assert s["days"] == 7 and len(s["daily"]) == 7
    assert s["daily"][-1]["runs"] == 4 and s["daily"][-1]["avg_duration_seconds"] == 2.0
    assert s["daily"][-3]["failures"] == 2 and s["daily"][-2]["runs"] == 0
    assert s["daily"][0]["day"] < s["daily"][-1]["day"]
    g = admin.get(stack.api_url + "/scheduler/stats", timeout=10).json()
    assert g["task_id"] is None and g["success_count"] >= 16 and len(g["daily"]) == 30
    assert admin.get(stack.api_url + "/scheduler/stats?task_id=999999999",
                     timeout=10).status_code == 404
    assert admin.get(stack.api_url + "/scheduler/stats?days=999", timeout=10).status_code == 400
    set_execution_status(stack, last, "failed")


def test_stats_for_a_task_without_runs(stack, admin):
    t = create(admin, stack, example_body())
    s = admin.get(stack.api_url + "/scheduler/stats", params={"task_id": t["id"], "days": 0},
                  timeout=10).json()
    assert s["total_executions"] == 0 and s["success_rate"] == 0
    assert s["latest_execution_time"] is None and s["daily"] == []
