"""Tasks: create / list / get / partial update / delete, the state actions,
validation naming the field, mass-assignment attempts, metacharacters kept
intact, schedule_status and next_run_time, workflow sub-tasks hidden, and an
audit row for every change."""
import datetime as dt

import pytest

from api_util import create, example_body, insert_execution, manual_body, unique

NASTY = ["'; DROP TABLE scheduled_tasks; --", "<script>alert(1)</script>", "\" OR \"1\"=\"1",
         "back\\slash", "100% _wild_", "中文任务 ✓ 🚀", "${HOME} $(id) `id`", "a&b<c>d"]

TASK_FIELDS = {"id", "name", "job_id", "task_type", "cron_expression", "interval_seconds",
               "start_at", "run_at", "timezone", "enabled", "paused", "description", "config",
               "max_retries", "retry_interval", "timeout_seconds", "max_instances",
               "misfire_grace_seconds", "coalesce", "next_run_time", "last_fire_at", "version",
               "created_by", "created_at", "updated_at", "latest_execution_id",
               "latest_execution_time", "latest_execution_status", "schedule_status",
               "node_count", "calendar", "calendar_rule"}


def url(stack, *parts):
    return stack.api_url + "/scheduler/tasks" + "".join("/" + str(p) for p in parts)


def iso(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def test_create_returns_the_task_with_computed_fields(stack, admin):
    body = example_body(cron_expression="0 18 * * *", timezone="Asia/Shanghai",
                        description="desc", max_retries=2, retry_interval=15,
                        timeout_seconds=120, max_instances=2, misfire_grace_seconds=30,
                        coalesce=False)
    t = create(admin, stack, body)
    assert set(t) == TASK_FIELDS
    assert t["name"] == body["name"] and t["task_type"] == "example_task"
    assert t["config"] == body["config"]
    assert (t["max_retries"], t["retry_interval"], t["timeout_seconds"]) == (2, 15, 120)
    assert (t["max_instances"], t["misfire_grace_seconds"], t["coalesce"]) == (2, 30, False)
    assert t["enabled"] is True and t["paused"] is False and t["version"] == 1
    assert t["schedule_status"] == "pending" and t["latest_execution_id"] is None
    assert t["created_by"] == "token:test-admin" and t["job_id"].startswith("zq-")
    nxt = iso(t["next_run_time"])
    assert nxt.astimezone(dt.timezone(dt.timedelta(hours=8))).hour == 18  # 18:00 Shanghai
    assert nxt.minute == 0 and nxt > dt.datetime.now(dt.timezone.utc)
    assert admin.get(url(stack, t["id"]), timeout=10).json() == t
    audit = stack.sql(f"SELECT actor, action, target_type, client_addr FROM audit_log "
                      f"WHERE task_id = {t['id']}")
    assert audit == [["token:test-admin", "create", "task", "127.0.0.1"]]


def test_create_defaults(stack, admin):
    t = create(admin, stack, {"name": unique(), "task_type": "example_task",
                              "interval_seconds": 3600})
    assert t["config"] == {} and t["timezone"] == "UTC" and t["max_retries"] == 0
    assert t["retry_interval"] == 60 and t["timeout_seconds"] is None
    m = create(admin, stack, manual_body())
    assert m["next_run_time"] is None and m["cron_expression"] is None
    once = create(admin, stack, example_body(cron_expression=None,
                                             run_at="2030-05-01T08:30:00+02:00"))
    assert once["run_at"] == "2030-05-01T06:30:00.000Z" == once["next_run_time"]
    off = create(admin, stack, example_body(enabled=False))
    assert off["next_run_time"] is None and off["schedule_status"] == "disabled"


@pytest.mark.parametrize("over,field", [
    ({"name": ""}, "name: must be 1-128 characters"),
    ({"name": "x" * 129}, "name: must be 1-128 characters"),
    ({"task_type": "shell"}, "task_type: must be"),
    ({"cron_expression": "61 * * * *"}, "cron_expression: minute field"),
    ({"cron_expression": "0 0 30 2 *"}, "cron_expression:"),
    ({"cron_expression": None, "interval_seconds": 0}, "interval_seconds: must be an integer"),
    ({"interval_seconds": 60}, "schedule: set only one"),
    ({"cron_expression": None}, "schedule: example_task needs one of"),
    ({"timezone": "Mars/Base"}, "timezone:"),
    ({"max_retries": 101}, "max_retries: must be an integer 0-100"),
    ({"retry_interval": 0}, "retry_interval: must be an integer"),
    ({"timeout_seconds": -1}, "timeout_seconds: must be an integer"),
    ({"config": {"success_rate": 2}}, "config.success_rate"),
    ({"config": "{}"}, "config: must be a JSON object"),
    ({"enabled": "true"}, "enabled: must be true or false"),
    ({"run_at": "soon", "cron_expression": None}, "run_at: must be an ISO-8601 time"),
])
def test_create_validation_names_the_field(stack, admin, over, field):
    body = example_body(**over)
    r = admin.post(url(stack), json=body, timeout=10)
    assert r.status_code == 400, r.text
    assert r.json()["detail"].startswith(field), r.text
    assert stack.sql_value("SELECT COUNT(*) FROM scheduled_tasks WHERE name = '%s'"
                           % str(body.get("name", "")).replace("'", "''")) == "0"


def test_type_specific_rules(stack, admin):
    r = admin.post(url(stack), json=manual_body(cron_expression="* * * * *"), timeout=10)
    assert r.status_code == 400 and "manual_task never fires" in r.json()["detail"]
    r = admin.post(url(stack), json={"name": unique(), "task_type": "common_task",
                                     "interval_seconds": 60, "config": {}}, timeout=10)
    assert r.status_code == 400 and r.json()["detail"].startswith("config.command: required")
    r = admin.post(url(stack), json={"name": unique(), "task_type": "common_task",
                                     "interval_seconds": 60}, timeout=10)
    assert r.status_code == 400 and r.json()["detail"] == "config: required for common_task"


def test_duplicate_name_is_409(stack, admin):
    t = create(admin, stack, example_body())
    r = admin.post(url(stack), json=example_body(name=t["name"]), timeout=10)
    assert r.status_code == 409
    assert r.json()["detail"] == f"name: a task named '{t['name']}' already exists"
    other = create(admin, stack, example_body())
    r = admin.put(url(stack, other["id"]), json={"name": t["name"]}, timeout=10)
    assert r.status_code == 409 and r.json()["detail"].startswith("name:")


@pytest.mark.parametrize("field,value", [
    ("id", 1), ("created_at", "2020-01-01T00:00:00Z"), ("updated_at", "2020-01-01T00:00:00Z"),
    ("next_run_at", "2020-01-01T00:00:00Z"), ("next_run_time", "2020-01-01T00:00:00Z"),
    ("version", 99), ("created_by", "mallory"), ("schedule_status", "success"),
    ("latest_execution_status", "success"), ("last_fire_at", "2020-01-01T00:00:00Z"),
    ("job_id", "stolen"), ("is_admin", True), ("role", "admin"), ("Name", "case"),
])
def test_mass_assignment_is_rejected(stack, admin, field, value):
    t = create(admin, stack, example_body())
    before = admin.get(url(stack, t["id"]), timeout=10).json()
    r = admin.put(url(stack, t["id"]), json={"description": "changed", field: value}, timeout=10)
    assert r.status_code == 400
    assert r.json()["detail"].startswith(field + ":"), r.text
    assert admin.get(url(stack, t["id"]), timeout=10).json() == before
    r = admin.post(url(stack), json=example_body(**{field: value}), timeout=10)
    if field == "job_id":
        assert r.status_code == 201  # writable on create only
    else:
        assert r.status_code == 400 and r.json()["detail"].startswith(field + ":")


def test_metacharacters_are_stored_and_returned_intact(stack, admin):
    for s in NASTY:
        body = example_body(name=unique() + s, description=s + "\n" + s,
                            config={"message": s, "duration_seconds": 1, "steps": 1, s: s})
        t = create(admin, stack, body)
        got = admin.get(url(stack, t["id"]), timeout=10).json()
        assert got["name"] == body["name"] and got["description"] == body["description"]
        assert got["config"] == body["config"]
        assert "<script>" not in admin.get(url(stack, t["id"]), timeout=10).text
        found = admin.get(url(stack), params={"name": s, "limit": 1000}, timeout=10).json()
        assert t["id"] in [x["id"] for x in found["tasks"]]
    cmd = create(admin, stack, manual_body(config={"command": "echo '; rm -rf / #' \"$X\" `id`",
                                                   "env": {"X": "<&>"}}))
    assert admin.get(url(stack, cmd["id"]), timeout=10).json()["config"]["env"]["X"] == "<&>"
    assert stack.sql_value("SELECT COUNT(*) FROM information_schema.tables WHERE "
                           "table_name = 'scheduled_tasks'") == "1"


def test_name_search_treats_wildcards_literally(stack, admin):
    tag = unique("lit")
    a = create(admin, stack, example_body(name=tag + "-100%"))
    b = create(admin, stack, example_body(name=tag + "-100x"))
    ids = [t["id"] for t in admin.get(url(stack), params={"name": tag + "-100%"},
                                      timeout=10).json()["tasks"]]
    assert ids == [a["id"]]
    ids = [t["id"] for t in admin.get(url(stack), params={"name": tag.upper() + "-100"},
                                      timeout=10).json()["tasks"]]
    assert ids == [a["id"], b["id"]]  # case-insensitive, id order


def test_list_filters_and_pagination(stack, admin):
    tag = unique("flt")
    made = [create(admin, stack, example_body(name=f"{tag}-{i}", enabled=i % 2 == 0))
            for i in range(5)]
    made.append(create(admin, stack, manual_body(name=f"{tag}-m")))
    get = lambda **p: admin.get(url(stack), params=dict(p, name=tag), timeout=10).json()
    page = get(limit=2, skip=1)
    assert page["total"] == 6 and page["skip"] == 1 and page["limit"] == 2
    assert [t["id"] for t in page["tasks"]] == [made[1]["id"], made[2]["id"]]
    assert get(task_type="manual_task")["total"] == 1
    assert get(enabled="false")["total"] == 2
    assert get(enabled="true", task_type="example_task")["total"] == 3
    assert {t["id"] for t in get(status="disabled")["tasks"]} == {made[1]["id"], made[3]["id"]}
    assert get(status="pending")["total"] == 4
    assert get(skip=100)["tasks"] == []


def test_schedule_status_follows_executions(stack, admin):
    t = create(admin, stack, example_body())
    tid = t["id"]
    get = lambda: admin.get(url(stack, tid), timeout=10).json()
    assert get()["schedule_status"] == "pending"
    insert_execution(stack, tid, "success", start_time="2026-01-20 10:00:01",
                     end_time="2026-01-20 10:00:03")
    assert get()["schedule_status"] == "success"
    eid = insert_execution(stack, tid, "failed", start_time="2026-01-20 11:00:00")
    got = get()
    assert got["schedule_status"] == "failed" and got["latest_execution_id"] == eid
    assert got["latest_execution_status"] == "failed"
    assert got["latest_execution_time"] == "2026-01-20T11:00:00.000Z"
    insert_execution(stack, tid, "skipped")  # skipped does not change the verdict
    assert get()["schedule_status"] == "failed"
    insert_execution(stack, tid, "pending")
    assert get()["schedule_status"] == "running"
    listed = admin.get(url(stack), params={"name": t["name"]}, timeout=10).json()["tasks"][0]
    assert listed["schedule_status"] == "running" and listed["latest_execution_status"] == "pending"
    assert admin.post(url(stack, tid, "pause"), timeout=10).json()["schedule_status"] == "paused"
    assert admin.post(url(stack, tid, "disable"), timeout=10).json()["schedule_status"] == "disabled"


def test_state_actions(stack, admin):
    t = create(admin, stack, example_body())
    tid = t["id"]
    r = admin.post(url(stack, tid, "disable"), timeout=10).json()
    assert r["enabled"] is False and r["next_run_time"] is None and r["version"] == 2
    again = admin.post(url(stack, tid, "disable"), timeout=10).json()
    assert again["version"] == 2  # already disabled: nothing changed
    r = admin.post(url(stack, tid, "enable"), timeout=10).json()
    assert r["enabled"] is True and r["next_run_time"] == t["next_run_time"] and r["version"] == 3
    r = admin.post(url(stack, tid, "pause"), timeout=10).json()
    assert r["paused"] is True and r["next_run_time"] is None
    r = admin.post(url(stack, tid, "resume"), timeout=10).json()
    assert r["paused"] is False and r["next_run_time"] == t["next_run_time"]
    actions = [a[0] for a in stack.sql(f"SELECT action FROM audit_log WHERE task_id = {tid} "
                                       "ORDER BY id")]
    assert actions == ["create", "disable", "enable", "pause", "resume"]
    for act in ("enable", "disable", "pause", "resume"):
        assert admin.post(url(stack, 999999999, act), timeout=10).status_code == 404
    # operators may, viewers may not
    op = stack.session("operator")
    assert op.post(url(stack, tid, "pause"), timeout=10).status_code == 200
    assert stack.session("viewer").post(url(stack, tid, "resume"), timeout=10).status_code == 403


def test_partial_update(stack, admin):
    t = create(admin, stack, example_body())
    tid = t["id"]
    r = admin.put(url(stack, tid), json={"description": "only this"}, timeout=10)
    assert r.status_code == 200
    u = r.json()
    assert u["description"] == "only this" and u["version"] == 2
    assert u["next_run_time"] == t["next_run_time"] and u["config"] == t["config"]
    u = admin.put(url(stack, tid), json={"interval_seconds": 120}, timeout=10).json()
    assert u["cron_expression"] is None and u["interval_seconds"] == 120
    nxt = iso(u["next_run_time"]) - dt.datetime.now(dt.timezone.utc)
    assert dt.timedelta(seconds=100) < nxt <= dt.timedelta(seconds=121)
    # a bad field leaves everything as it was: never a half-written row
    before = admin.get(url(stack, tid), timeout=10).json()
    r = admin.put(url(stack, tid), json={"name": unique(), "cron_expression": "bad"}, timeout=10)
    assert r.status_code == 400 and r.json()["detail"].startswith("cron_expression:")
    assert admin.get(url(stack, tid), timeout=10).json() == before
    assert admin.put(url(stack, tid), json={}, timeout=10).status_code == 400
    assert admin.put(url(stack, 999999999), json={"description": "x"}, timeout=10).status_code == 404
    u = admin.put(url(stack, tid), json={"task_type": "manual_task", "interval_seconds": None,
                                         "config": {"command": "true"}}, timeout=10).json()
    assert u["task_type"] == "manual_task" and u["next_run_time"] is None
    detail = stack.sql_value(f"SELECT detail FROM audit_log WHERE task_id = {tid} "
                             "AND action = 'update' ORDER BY id DESC LIMIT 1")
    assert detail == "task_type, schedule, config"


def test_delete(stack, admin):
    t = create(admin, stack, example_body())
    insert_execution(stack, t["id"], "success")
    r = admin.delete(url(stack, t["id"]), timeout=10)
    assert r.status_code == 200 and r.json() == {"deleted": True, "id": t["id"]}
    assert admin.get(url(stack, t["id"]), timeout=10).status_code == 404
    assert stack.sql_value(f"SELECT COUNT(*) FROM task_executions WHERE task_id = {t['id']}") == "0"
    assert admin.delete(url(stack, t["id"]), timeout=10).status_code == 404
    assert stack.sql_value(f"SELECT action FROM audit_log WHERE task_id = {t['id']} "
                           "ORDER BY id DESC LIMIT 1") == "delete"


def test_subtasks_hidden_and_delete_conflict(stack, admin):
    a = create(admin, stack, manual_body())
    b = create(admin, stack, manual_body())
    wf = create(admin, stack, {"name": unique("wf"), "task_type": "workflow",
                               "cron_expression": "0 1 * * *",
                               "config": {"workflow_type": "serial", "on_failure": "stop",
                                          "tasks": [{"task_id": a["id"], "name": "A"},
                                                    {"task_id": b["id"], "name": "B",
                                                     "dependencies": [a["id"]]}]}})
    assert wf["node_count"] == 2 and a["node_count"] is None
    ids = lambda **p: [t["id"] for t in admin.get(url(stack), params=dict(p, limit=1000),
                                                  timeout=10).json()["tasks"]]
    shown = ids()
    assert wf["id"] in shown and a["id"] not in shown and b["id"] not in shown
    assert {a["id"], b["id"]} <= set(ids(include_subtasks="true"))
    r = admin.delete(url(stack, a["id"]), timeout=10)
    assert r.status_code == 409
    body = r.json()
    assert "used by 1 workflow" in body["detail"]
    assert body["workflows"] == [{"id": wf["id"], "name": wf["name"]}]
    # drop A from the workflow: A shows up again and can go
    admin.put(url(stack, wf["id"]), json={"config": {"workflow_type": "serial", "tasks": [
        {"task_id": b["id"]}]}}, timeout=10)
    assert a["id"] in ids()
    assert admin.get(url(stack, wf["id"]), timeout=10).json()["node_count"] == 1
    assert admin.delete(url(stack, a["id"]), timeout=10).status_code == 200
    # deleting the workflow frees its nodes
    assert admin.delete(url(stack, wf["id"]), timeout=10).status_code == 200
    assert b["id"] in ids()
