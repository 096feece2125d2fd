"""Cron preview, scheduler nodes, the audit log endpoint."""
import datetime as dt

from api_util import create, example_body


def test_cron_preview(stack, admin):
    r = admin.get(stack.api_url + "/scheduler/cron/preview",
                  params={"expression": "30 9 * * 1-5", "timezone": "Asia/Shanghai",
                          "count": 3}, timeout=10)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["expression"] == "30 9 * * 1-5" and body["timezone"] == "Asia/Shanghai"
    times = [dt.datetime.fromisoformat(t.replace("Z", "+00:00")) for t in body["next_run_times"]]
    assert len(times) == 3 and times == sorted(times)
    for t in times:
        assert t.hour == 1 and t.minute == 30 and t.weekday() < 5  # 09:30 +08:00 on weekdays
        assert t > dt.datetime.now(dt.timezone.utc)
    utc = admin.get(stack.api_url + "/scheduler/cron/preview",
                    params={"expression": "*/15 * * * *"}, timeout=10).json()
    assert utc["timezone"] == "UTC" and len(utc["next_run_times"]) == 5
    assert all(t.endswith(("00:00.000Z", "15:00.000Z", "30:00.000Z", "45:00.000Z"))
               for t in utc["next_run_times"])


def test_cron_preview_errors_name_the_field(stack, admin):
    for params, want in (({}, "expression: required"),
                         ({"expression": "61 * * * *"}, "expression: minute field"),
                         ({"expression": "0 0 30 2 *"}, "expression:"),
                         ({"expression": "* * *"}, "expression:"),
                         ({"expression": "* * * * *", "timezone": "Mars/Base"}, "timezone:"),
                         ({"expression": "* * * * *", "count": 0}, "count: must be an integer")):
        r = admin.get(stack.api_url + "/scheduler/cron/preview", params=params, timeout=10)
        assert r.status_code == 400, params
        assert r.json()["detail"].startswith(want), (params, r.text)


def test_nodes_lists_the_scheduler(stack, admin):
    stack.sql("INSERT INTO scheduler_nodes (name, host, pid, version, state, threads, busy, "
              "started_at, heartbeat_at) VALUES ('test-node', 'h1', 4242, '0.1.0', 'running', 8, "
              "2, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3)), ('gone-node', 'h2', 1, '0.1.0', 'stopped', "
              "8, 0, UTC_TIMESTAMP(3) - INTERVAL 3 DAY, UTC_TIMESTAMP(3) - INTERVAL 3 DAY)")
    body = admin.get(stack.api_url + "/scheduler/nodes", timeout=10).json()
    node = [n for n in body["nodes"] if n["name"] == "test-node"][0]
    assert node["alive"] is True and node["threads"] == 8 and node["busy"] == 2
    assert node["pid"] == 4242 and node["running_executions"] == 0
    assert node["heartbeat_age_seconds"] < 60
    assert "gone-node" not in [n["name"] for n in body["nodes"]]
    every = admin.get(stack.api_url + "/scheduler/nodes?all=true", timeout=10).json()
    gone = [n for n in every["nodes"] if n["name"] == "gone-node"][0]
    assert gone["alive"] is False and gone["state"] == "stopped"
    stack.sql("DELETE FROM scheduler_nodes WHERE name IN ('test-node', 'gone-node')")


def test_audit_log_filters_and_pages(stack, admin):
    t = create(admin, stack, example_body())
    admin.put(stack.api_url + f"/scheduler/tasks/{t['id']}", json={"description": "x"}, timeout=10)
    stack.session("operator").post(stack.api_url + f"/scheduler/tasks/{t['id']}/disable",
                                   timeout=10)
    body = admin.get(stack.api_url + "/scheduler/audit", params={"task_id": t["id"]},
                     timeout=10).json()
    assert [e["action"] for e in body["entries"]] == ["disable", "update", "create"]
    assert body["total"] == 3 and body["limit"] == 50 and body["total_capped"] is False
    e = body["entries"][0]
    assert e["actor"] == "token:test-operator" and e["client_addr"] == "127.0.0.1"
    assert e["target_type"] == "task" and e["target_id"] == t["id"] and e["at"].endswith("Z")
    assert body["entries"][1]["detail"] == "description"
    only = admin.get(stack.api_url + "/scheduler/audit",
                     params={"task_id": t["id"], "actor": "token:test-admin", "action": "update"},
                     timeout=10).json()
    assert [e["action"] for e in only["entries"]] == ["update"]
    page = admin.get(stack.api_url + "/scheduler/audit", params={"limit": 1, "skip": 1},
                     timeout=10).json()
    assert len(page["entries"]) == 1 and page["total"] >= 3
    future = admin.get(stack.api_url + "/scheduler/audit",
                       params={"from": "2099-01-01T00:00:00Z"}, timeout=10).json()
    assert future["entries"] == [] and future["total"] == 0
    r = admin.get(stack.api_url + "/scheduler/audit", params={"from": "never"}, timeout=10)
    assert r.status_code == 400 and r.json()["detail"].startswith("from:")
