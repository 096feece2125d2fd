"""Workflows over HTTP: the validate endpoint (structure + database checks,
nothing saved), create/update refusing what validate refuses, and the
workflow view with node tasks, order and the latest run's node states."""
from api_util import create, insert_execution, manual_body, unique


def url(stack, *parts):
    return stack.api_url + "/scheduler/tasks" + "".join("/" + str(p) for p in parts)


def wf_body(tasks, **over):
    body = {"name": unique("wf"), "task_type": "workflow", "cron_expression": "0 0 1 1 *",
            "config": {"workflow_type": "serial", "tasks": tasks, "on_failure": "stop"}}
    body.update(over)
    return body


def validate(stack, admin, config, wid=0):
    r = admin.post(url(stack, wid, "workflow", "validate"), json=config, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def test_validate_accepts_a_good_config_and_orders_it(stack, admin):
    a, b, c = (create(admin, stack, manual_body()) for _ in range(3))
    v = validate(stack, admin, {"workflow_type": "parallel", "on_failure": "continue", "tasks": [
        {"task_id": c["id"], "name": "C", "dependencies": [a["id"], b["id"]]},
        {"task_id": a["id"], "name": "A", "dependencies": []},
        {"task_id": b["id"], "name": "B"}]})
    assert v == {"valid": True, "errors": [], "workflow_type": "parallel",
                 "on_failure": "continue", "order": [a["id"], b["id"], c["id"]]}
    # the same config wrapped as a task body would carry it
    v = validate(stack, admin, {"config": {"workflow_type": "serial",
                                           "tasks": [{"task_id": a["id"]}]}})
    assert v["valid"] is True
    # viewers may validate (it changes nothing)
    r = stack.session("viewer").post(url(stack, 0, "workflow", "validate"),
                                     json={"workflow_type": "serial",
                                           "tasks": [{"task_id": a["id"]}]}, timeout=10)
    assert r.status_code == 200 and r.json()["valid"] is True


def test_validate_reports_every_problem(stack, admin):
    a, b = create(admin, stack, manual_body()), create(admin, stack, manual_body(enabled=False))
    v = validate(stack, admin, {"workflow_type": "serial", "tasks": [
        {"task_id": a["id"], "dependencies": [b["id"]]},
        {"task_id": b["id"], "dependencies": [a["id"]]},
        {"task_id": 999999991}, {"task_id": 999999992}]})
    assert v["valid"] is False and v["order"] is None
    assert f"cycle: {a['id']} → {b['id']} → {a['id']}" in v["errors"]
    v = validate(stack, admin, {"workflow_type": "serial", "tasks": [
        {"task_id": a["id"]}, {"task_id": b["id"]}, {"task_id": 999999991},
        {"task_id": 999999992}]})
    assert v["errors"] == ["these tasks do not exist: 999999991, 999999992",
                           f"these tasks are disabled: {b['id']}"]
    v = validate(stack, admin, {"workflow_type": "sideways", "tasks": [
        {"task_id": a["id"], "dependencies": [a["id"], 77]}, {"task_id": a["id"]}]})
    assert "workflow_type: must be serial or parallel" in v["errors"]
    assert f"tasks[0].dependencies: task {a['id']} depends on itself" in v["errors"]
    assert "tasks[0].dependencies: task 77 is not in this workflow" in v["errors"]
    assert f"tasks[1].task_id: task {a['id']} is listed twice (also tasks[0])" in v["errors"]
    v = validate(stack, admin, {"workflow_type": "serial",
                                "tasks": [{"task_id": i} for i in range(1, 502)]})
    assert v["errors"] == ["tasks: at most 500 tasks, got 501"]
    r = admin.post(url(stack, 0, "workflow", "validate"), timeout=10)
    assert r.status_code == 400
    r = admin.post(url(stack, 999999999, "workflow", "validate"), json={}, timeout=10)
    assert r.status_code == 404


def test_nesting_a_workflow_into_itself_is_refused(stack, admin):
    a = create(admin, stack, manual_body())
    inner = create(admin, stack, wf_body([{"task_id": a["id"]}]))
    outer = create(admin, stack, wf_body([{"task_id": inner["id"]}]))
    # outer -> inner is fine; inner -> outer would close a cycle
    v = validate(stack, admin, {"workflow_type": "serial", "tasks": [{"task_id": outer["id"]}]},
                 wid=inner["id"])
    assert v["valid"] is False
    assert f"workflow {outer['id']} contains this workflow" in v["errors"][0]
    v = validate(stack, admin, {"workflow_type": "serial", "tasks": [{"task_id": inner["id"]}]},
                 wid=inner["id"])
    assert "a workflow cannot contain itself" in v["errors"][0]
    r = admin.put(url(stack, inner["id"]), json={"config": {"workflow_type": "serial", "tasks": [
        {"task_id": outer["id"]}]}}, timeout=10)
    assert r.status_code == 400 and "contains this workflow" in r.json()["detail"]


def test_create_refuses_what_validate_refuses(stack, admin):
    a = create(admin, stack, manual_body())
    r = admin.post(url(stack), json=wf_body([{"task_id": a["id"]}, {"task_id": 999999993}]),
                   timeout=10)
    assert r.status_code == 400
    assert r.json()["detail"] == "these tasks do not exist: 999999993"
    r = admin.post(url(stack), json=wf_body([{"task_id": a["id"], "dependencies": [a["id"]]}]),
                   timeout=10)
    assert r.status_code == 400
    assert r.json()["detail"] == f"config.tasks[0].dependencies: task {a['id']} depends on itself"
    r = admin.post(url(stack), json=wf_body([]), timeout=10)
    assert r.status_code == 400 and r.json()["detail"].startswith("config.tasks: required")


def test_workflow_view(stack, admin):
    a, b = create(admin, stack, manual_body()), create(admin, stack, manual_body())
    wf = create(admin, stack, wf_body([{"task_id": b["id"], "name": "second",
                                        "dependencies": [a["id"]]},
                                       {"task_id": a["id"]}]))
    v = admin.get(url(stack, wf["id"], "workflow"), timeout=10).json()
    assert v["workflow_id"] == wf["id"] and v["workflow_type"] == "serial"
    assert v["on_failure"] == "stop" and v["valid"] is True and v["errors"] == []
    assert v["order"] == [a["id"], b["id"]] and v["latest_execution"] is None
    n0, n1 = v["nodes"]
    assert n0 == {"task_id": b["id"], "name": "second", "exists": True, "task_name": b["name"],
                  "task_type": "manual_task", "enabled": True, "dependencies": [a["id"]],
                  "position": 0, "order": 1, "status": None, "execution_id": None}
    assert n1["name"] == a["name"] and n1["order"] == 0 and n1["dependencies"] == []
    # the latest run's children give each node its state
    run = insert_execution(stack, wf["id"], "success")
    child = insert_execution(stack, a["id"], "success", trigger_type="workflow",
                             parent_execution_id=run)
    v = admin.get(url(stack, wf["id"], "workflow"), timeout=10).json()
    assert v["latest_execution"] == {"id": run, "status": "success"}
    assert v["nodes"][1]["status"] == "success" and v["nodes"][1]["execution_id"] == child
    assert v["nodes"][0]["status"] is None
    assert admin.get(url(stack, a["id"], "workflow"), timeout=10).status_code == 404
    assert admin.get(url(stack, 999999999, "workflow"), timeout=10).status_code == 404
