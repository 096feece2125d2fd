"""Workflow runs seen through the REST API (the session stack: MariaDB,
zq-api, zq-scheduler, nginx): trigger a workflow, follow the parent's
progress in the seed's result shape, read each node's state in the latest
run from GET .../workflow, cancel a run, and run the seeded examples."""
import time

from api_util import create, manual_body, unique

FINAL = ("success", "failed", "completed", "terminated", "skipped")


def url(stack, *parts):
    return stack.api_url + "/scheduler/tasks" + "".join("/" + str(p) for p in parts)


def step(name, secs=0.5, code=0):
    return manual_body(name=unique(name), config={
        "command": f"echo '##progress 1/1 {name}'; sleep {secs}; exit {code}"})


def wf_body(wf_type, nodes, on_failure="stop"):
    return {"name": unique("wfapi"), "task_type": "workflow", "cron_expression": "0 0 1 1 *",
            "config": {"workflow_type": wf_type, "on_failure": on_failure,
                       "tasks": [{"task_id": t, "dependencies": d} for t, d in nodes]}}


def trigger(session, stack, task_id):
    r = session.post(url(stack, task_id, "trigger"), timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["execution_id"]


def execution(session, stack, task_id, eid):
    r = session.get(url(stack, task_id, "executions", eid), timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def wait_final(session, stack, task_id, eid, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        e = execution(session, stack, task_id, eid)
        if e["status"] in FINAL:
            return e
        time.sleep(0.2)
    raise AssertionError(f"execution {eid} still {e['status']} after {timeout} s: {e}")


def test_a_run_over_the_api_with_progress_and_node_states(stack, admin):
    op = stack.session("operator")
    a, b = create(admin, stack, step("wa")), create(admin, stack, step("wb"))
    c = create(admin, stack, step("wc", secs=0))
    wf = create(admin, stack, wf_body("parallel", [(a["id"], []), (b["id"], []),
                                                   (c["id"], [a["id"], b["id"]])]))
    eid = trigger(op, stack, wf["id"])
    seen_running = None
    deadline = time.time() + 60
    while time.time() < deadline:
        e = execution(admin, stack, wf["id"], eid)
        if e["status"] == "running" and seen_running is None:
            seen_running = e
        if e["status"] in FINAL:
            break
        time.sleep(0.1)
    assert e["status"] == "success", e
    res = e["result"]
    assert res["current_step"] == 3 and res["total_steps"] == 3 and res["progress_percent"] == 100
    assert res["success"] is True and res["nodes_succeeded"] == 3
    assert res["message"] == "succeeded; 3/3 nodes finished"
    if seen_running:  # caught mid-run: the parent names what runs
        assert seen_running["result"]["total_steps"] == 3
        assert "nodes finished" in seen_running["result"]["message"]
    view = admin.get(url(stack, wf["id"], "workflow"), timeout=10).json()
    assert view["latest_execution"] == {"id": eid, "status": "success"}
    assert [n["status"] for n in view["nodes"]] == ["success"] * 3
    kids = {n["task_id"]: n["execution_id"] for n in view["nodes"]}
    child = execution(admin, stack, c["id"], kids[c["id"]])
    assert child["trigger"] == "workflow" and child["parent_execution_id"] == eid
    assert child["status"] == "success"


def test_continue_run_shows_failed_and_skipped_nodes(stack, admin):
    bad = create(admin, stack, step("wbad", secs=0, code=4))
    dep = create(admin, stack, step("wdep", secs=0))
    ok = create(admin, stack, step("wok", secs=0))
    wf = create(admin, stack, wf_body("serial", [(bad["id"], []), (dep["id"], [bad["id"]]),
                                                 (ok["id"], [])], on_failure="continue"))
    eid = trigger(admin, stack, wf["id"])
    e = wait_final(admin, stack, wf["id"], eid)
    assert e["status"] == "completed", e
    assert e["error_message"].startswith("1 of 3 nodes failed, 1 skipped")
    view = admin.get(url(stack, wf["id"], "workflow"), timeout=10).json()
    assert [n["status"] for n in view["nodes"]] == ["failed", "skipped", "success"]
    skipped = execution(admin, stack, dep["id"], view["nodes"][1]["execution_id"])
    assert skipped["error_message"] == f"dependency {bad['id']} failed"


def test_cancel_over_the_api_stops_the_run(stack, admin):
    op = stack.session("operator")
    slow = create(admin, stack, step("wslow", secs=60))
    after = create(admin, stack, step("wafter", secs=0))
    wf = create(admin, stack, wf_body("serial", [(slow["id"], []), (after["id"], [slow["id"]])]))
    eid = trigger(op, stack, wf["id"])
    deadline = time.time() + 30
    while time.time() < deadline:
        view = admin.get(url(stack, wf["id"], "workflow"), timeout=10).json()
        if view["nodes"][0]["status"] == "running":
            break
        time.sleep(0.1)
    assert view["nodes"][0]["status"] == "running", view
    r = op.post(url(stack, wf["id"], "executions", eid, "cancel"), timeout=10)
    assert r.status_code == 202 and r.json()["cancel_requested"] is True, r.text
    e = wait_final(admin, stack, wf["id"], eid, timeout=30)
    assert e["status"] == "terminated" and e["error_message"] == "cancelled"
    view = admin.get(url(stack, wf["id"], "workflow"), timeout=10).json()
    assert [n["status"] for n in view["nodes"]] == ["terminated", None]


def test_the_seeded_examples_run(stack, admin):
    stack.zq_db("seed", "--workflow-only")
    for name, order in (("workflow-serial-example", None),
                        ("workflow-mixed-example", ["wf-extract", "wf-transform", "wf-load",
                                                    "wf-report"])):
        wid = int(stack.sql_value(f"SELECT id FROM scheduled_tasks WHERE name = '{name}'"))
        eid = trigger(admin, stack, wid)
        e = wait_final(admin, stack, wid, eid, timeout=90)
        assert e["status"] == "success", e
        view = admin.get(url(stack, wid, "workflow"), timeout=10).json()
        assert all(n["status"] == "success" for n in view["nodes"]), view
        if order:
            assert [n["task_name"] for n in view["nodes"]] == order
            starts = {n["task_name"]: execution(admin, stack, n["task_id"], n["execution_id"])
                      for n in view["nodes"]}
            load = starts["wf-load"]
            for dep in ("wf-extract", "wf-transform"):
                assert load["start_time"] >= starts[dep]["end_time"], (load, starts[dep])
