"""Export / import of a whole setup (README "Export and import"): a setup
built over the API on one stack, exported as YAML and JSON, imported into a
second fresh stack (whose export is then byte-identical), imported again
(all unchanged, no new versions), dry runs, an edit, prune, invalid
documents (422 with every error's path, nothing written), and zq-db
export / import giving the API's results."""
import json
import os
import tempfile

import pytest
import yaml

from zqstack import session_stack


@pytest.fixture(scope="module")
def src():
    yield from session_stack(scheduler=False)


@pytest.fixture(scope="module")
def dst():
    yield from session_stack(scheduler=False)


def post(s, stack, path, body, status=201):
    r = s.post(stack.api_url + path, json=body, timeout=20)
    assert r.status_code == status, r.text
    return r.json()


def export(s, stack, fmt="yaml", **params):
    r = s.get(stack.api_url + "/scheduler/export", params={"format": fmt, **params}, timeout=30)
    assert r.status_code == 200, r.text
    return r.text


def do_import(s, stack, text, ctype="application/yaml", status=200, **params):
    params = {k: str(v).lower() for k, v in params.items()}
    r = s.post(stack.api_url + "/scheduler/import", data=text.encode(), params=params,
               headers={"Content-Type": ctype}, timeout=60)
    assert r.status_code == status, r.text
    return r.json()


def versions(stack):
    return int(stack.sql_value("SELECT COUNT(*) FROM task_versions"))


def actions(res):
    return {(p["kind"], p["name"]): p["action"] for p in res["plan"]}


@pytest.fixture(scope="module")
def setup(src):
    s = src.session("admin")
    post(s, src, "/scheduler/calendars", {
        "name": "XSHG", "description": "test exchange", "timezone": "Asia/Shanghai",
        "weekend": [6, 7], "holidays": ["2026-10-01", "2026-10-02"],
        "workdays": ["2026-10-10"], "covered_until": "2026-12-31"})
    a = post(s, src, "/scheduler/tasks", {
        "name": "extract", "task_type": "common_task", "cron_expression": "0 2 * * *",
        "description": "yes\nmulti-line: # not a comment",
        "config": {"command": "echo 'a: b' | wc -l", "env": {"TOKEN": "s3cret"}}})
    b = post(s, src, "/scheduler/tasks", {
        "name": "load", "task_type": "example_task", "interval_seconds": 600,
        "config": {"duration_seconds": 1, "steps": 2, "message": "0123"}})
    post(s, src, "/scheduler/tasks", {
        "name": "manual one", "task_type": "manual_task", "config": {"command": "true"}})
    post(s, src, "/scheduler/tasks", {
        "name": "daily on business days", "task_type": "common_task",
        "cron_expression": "30 9 * * *", "timezone": "Asia/Shanghai", "calendar": "XSHG",
        "config": {"command": "date"}})
    post(s, src, "/scheduler/tasks", {
        "name": "pipeline", "task_type": "workflow", "cron_expression": "0 3 * * *",
        "config": {"workflow_type": "serial", "tasks": [
            {"task_id": a["id"], "name": "extract"},
            {"task_id": b["id"], "dependencies": [a["id"]]}]}})
    ch = post(s, src, "/alert-channels", {
        "name": "ops hook", "kind": "webhook",
        "config": {"url": "https://hooks.example.com/zq", "secret": "sig-s3cret"}})
    post(s, src, "/alert-rules", {"task_id": a["id"], "kind": "on_failure",
                                  "channels": [ch["id"]]})
    return s


def test_export_yaml_and_json_agree(src, setup):
    y = export(setup, src, "yaml")
    j = export(setup, src, "json")
    doc = json.loads(j)
    assert yaml.safe_load(y) == doc  # a YAML 1.1 reader sees the same tree
    assert doc["zq_setup"] == 1
    assert [t["name"] for t in doc["tasks"]] == sorted(t["name"] for t in doc["tasks"])
    wf = next(t for t in doc["tasks"] if t["name"] == "pipeline")
    assert wf["config"]["tasks"][1] == {"task": "load", "dependencies": ["extract"]}
    ext = next(t for t in doc["tasks"] if t["name"] == "extract")
    assert ext["config"]["env"]["TOKEN"] == "***"
    assert "s3cret" not in y and "s3cret" not in j  # env and the channel's secret
    assert doc["alert_channels"][0]["config"] == {"url": "https://hooks.example.com/zq"}
    assert doc["alert_rules"][0]["task"] == "extract"
    assert doc["alert_rules"][0]["channels"] == ["ops hook"]
    assert doc["calendars"][0]["days"][0] == {"day": "2026-10-01", "kind": "holiday"}
    # a filter: the workflow pulls in its nodes, the calendar is not used
    sel = json.loads(export(setup, src, "json", name="pipe"))
    assert sorted(t["name"] for t in sel["tasks"]) == ["extract", "load", "pipeline"]
    assert sel["calendars"] == [] and sel["alert_channels"][0]["name"] == "ops hook"
    # channels are admin-only in the API: a viewer's export leaves them out
    view = json.loads(export(src.session("viewer"), src, "json"))
    assert "alert_channels" not in view and view["tasks"] == doc["tasks"]
    r = src.session("viewer").post(src.api_url + "/scheduler/import", data=y, timeout=10)
    assert r.status_code == 403


def test_round_trip_into_a_fresh_stack(src, dst, setup):
    y = export(setup, src, "yaml")
    d = dst.session("admin")
    # a task new to the target with a masked secret is an error at its path
    res = do_import(d, dst, y, status=422)
    paths = [e["path"] for e in res["errors"]]
    assert any(p.startswith("tasks[") and "config.env.TOKEN" in p for p in paths), res
    assert versions(dst) == 0
    doc = yaml.safe_load(y)
    for t in doc["tasks"]:
        if t["name"] == "extract":
            t["config"]["env"]["TOKEN"] = "s3cret"
    y2 = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    dry = do_import(d, dst, y2, dry_run=True)
    assert dry["dry_run"] is True and dry["applied"] is False
    assert set(actions(dry).values()) == {"create"}
    assert versions(dst) == 0 and dst.sql_value("SELECT COUNT(*) FROM scheduled_tasks") == "0"
    res = do_import(d, dst, y2)
    assert res["applied"] and len(res["plan"]) == len(dry["plan"])
    assert export(d, dst, "yaml") == y
    assert export(d, dst, "json") == export(setup, src, "json")
    assert dst.sql_value("SELECT COUNT(*) FROM task_versions WHERE action = 'import' "
                         "AND actor = 'import:api'") == str(len(doc["tasks"]))
    # the same file again: all unchanged, nothing written
    before = versions(dst)
    again = do_import(d, dst, y)
    assert set(actions(again).values()) == {"unchanged"}, again
    assert versions(dst) == before


def test_edit_is_an_update_with_that_diff(dst):
    d = dst.session("admin")
    doc = yaml.safe_load(export(d, dst, "yaml"))
    for t in doc["tasks"]:
        if t["name"] == "load":
            t["interval_seconds"] = 900
    text = yaml.safe_dump(doc, sort_keys=False)
    before = versions(dst)
    res = do_import(d, dst, text, dry_run=True)
    upd = [p for p in res["plan"] if p["action"] == "update"]
    assert upd == [{"kind": "task", "name": "load", "action": "update", "changes": [
        {"path": "interval_seconds", "from": 600, "to": 900}]}]
    assert versions(dst) == before
    res = do_import(d, dst, text)
    assert versions(dst) == before + 1
    tasks = json.loads(export(d, dst, "json"))["tasks"]
    assert next(t for t in tasks if t["name"] == "load")["interval_seconds"] == 900


def test_invalid_document_names_each_path(dst):
    d = dst.session("admin")
    doc = json.loads(export(d, dst, "json"))
    before = export(d, dst, "json")
    nv = versions(dst)
    doc["tasks"][1]["cron_expression"] = "61 * * * *"
    doc["tasks"][1]["interval_seconds"] = None
    doc["tasks"][0]["colour"] = "red"
    wf = next(i for i, t in enumerate(doc["tasks"]) if t["name"] == "pipeline")
    doc["tasks"][wf]["config"]["tasks"][0]["task"] = "no such task"
    doc["tasks"][wf]["config"]["tasks"][1]["dependencies"] = [12]
    doc["alert_rules"][0]["channels"] = [1]
    doc["calendars"][0]["days"][0]["note"] = "National Day"
    doc["calendars"][0]["days"][1]["day"] = "2026-02-30"
    doc["alert_channels"][0]["colour"] = "red"
    doc["alert_rules"].append(dict(doc["alert_rules"][0], channels=["ops hook"]))
    doc["tasks"].append(dict(doc["tasks"][2]))
    dup = len(doc["tasks"]) - 1
    res = do_import(d, dst, json.dumps(doc), ctype="application/json", status=422)
    paths = [e["path"] for e in res["errors"]]
    assert res["detail"] == f"{len(paths)} errors"
    assert "tasks[1].cron_expression" in paths, res
    assert "tasks[0].colour" in paths, res
    assert f"tasks[{wf}].config.tasks[0].task" in paths, res
    assert f"tasks[{wf}].config.tasks[1].dependencies[0]" in paths, res
    assert "alert_rules[0].channels[0]" in paths, res
    assert "alert_rules[1]" in paths and f"tasks[{dup}].name" in paths, res
    assert "calendars[0].days[0].note" in paths, res
    assert "alert_channels[0].colour" in paths, res
    assert export(d, dst, "json") == before and versions(dst) == nv
    # the API's workflow checks, naming tasks by name: a node that is disabled
    doc = json.loads(before)
    next(t for t in doc["tasks"] if t["name"] == "load")["enabled"] = False
    doc["tasks"].append({"name": "pipeline 2", "task_type": "workflow",
                         "cron_expression": "0 4 * * *", "config": {
                             "workflow_type": "serial", "tasks": [{"task": "load"}]}})
    res = do_import(d, dst, json.dumps(doc), ctype="application/json", status=422)
    new = len(doc["tasks"]) - 1
    assert res["errors"] == [{"path": f"tasks[{new}]",
                              "detail": "these tasks are disabled: 'load'"}], res
    assert export(d, dst, "json") == before and versions(dst) == nv
    bad = do_import(d, dst, "zq_setup: 2\nextra: 1\n", status=422)
    assert sorted(e["path"] for e in bad["errors"]) == ["extra", "zq_setup"]
    bad = do_import(d, dst, "a: &x 1\n", status=422)
    assert bad["errors"][0]["path"] == "a"


def test_prune_deletes_only_what_is_missing(dst):
    d = dst.session("admin")
    post(d, dst, "/scheduler/tasks", {"name": "stray", "task_type": "manual_task",
                                      "config": {"command": "true"}})
    doc = json.loads(export(d, dst, "json"))
    doc["tasks"] = [t for t in doc["tasks"] if t["name"] != "stray"]
    text = json.dumps(doc)
    res = do_import(d, dst, text, ctype="application/json", prune=True, dry_run=True)
    assert [p for p in res["plan"] if p["action"] == "delete"] == [
        {"kind": "task", "name": "stray", "action": "delete", "changes": []}]
    assert "stray" in export(d, dst, "json")
    res = do_import(d, dst, text, ctype="application/json", prune=True)
    assert set(actions(res).values()) == {"unchanged", "delete"}
    assert json.loads(export(d, dst, "json")) == doc


def test_zq_db_export_and_import(src, dst, setup):
    api = export(setup, src, "yaml")
    _, out, _ = src.zq_db("export")
    assert out == api
    _, out, _ = src.zq_db("export", "--format", "json", "--name", "pipe")
    assert out == export(setup, src, "json", name="pipe")
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(export(dst.session("admin"), dst, "yaml"))
        path = f.name
    try:
        before = versions(src)
        rc, out, err = src.zq_db("import", path, "--dry-run")
        assert rc == 0 and "dry run (nothing written)" in out, err
        assert "update    task load: interval_seconds" in out, out
        assert versions(src) == before
        rc, out, err = src.zq_db("import", path)
        assert rc == 0 and "applied" in out, err
        assert "unchanged alert_channel ops hook" in out, out  # its secret is kept
        assert "sig-s3cret" in src.sql_value("SELECT secrets FROM alert_channels")
        assert versions(src) == before + 1
        assert src.sql_value("SELECT actor FROM task_versions ORDER BY at DESC, version DESC "
                             "LIMIT 1") == "import:" + path
        with open(path, "a") as f:
            f.write("bogus: 1\n")
        rc, out, err = src.zq_db("import", path, check=False)
        assert rc == 1 and "bogus: unknown key" in err and "nothing written" in err
    finally:
        os.unlink(path)


def test_every_kind_updates_and_prunes(dst):
    d = dst.session("admin")
    doc = json.loads(export(d, dst, "json"))
    doc["calendars"][0]["days"].append({"day": "2026-12-25", "kind": "holiday"})
    doc["alert_channels"][0]["lang"] = "zh"
    doc["alert_rules"][0]["enabled"] = False
    wf = next(t for t in doc["tasks"] if t["name"] == "pipeline")
    wf["config"]["tasks"][1]["dependencies"] = []
    res = do_import(d, dst, json.dumps(doc), ctype="application/json")
    ch = {(p["kind"], p["name"]): [c["path"] for c in p["changes"]]
          for p in res["plan"] if p["action"] == "update"}
    assert ch == {("calendar", "XSHG"): ["days"], ("alert_channel", "ops hook"): ["lang"],
                  ("alert_rule", "extract/on_failure"): ["enabled"],
                  ("task", "pipeline"): ["config.tasks"]}, res
    assert json.loads(export(d, dst, "json")) == doc
    # a list left out is not the document's: prune keeps those kinds
    part = {"zq_setup": 1, "tasks": doc["tasks"]}
    res = do_import(d, dst, json.dumps(part), ctype="application/json", prune=True,
                    dry_run=True)
    assert {p["action"] for p in res["plan"]} == {"unchanged"}
    # prune: drop the rule, the channel, the calendar (and its task), a workflow
    doc["alert_rules"] = []
    doc["alert_channels"] = []
    doc["calendars"] = []
    doc["tasks"] = [t for t in doc["tasks"]
                    if t["name"] not in ("daily on business days", "pipeline")]
    res = do_import(d, dst, json.dumps(doc), ctype="application/json", prune=True)
    assert sorted((p["kind"], p["name"]) for p in res["plan"] if p["action"] == "delete") == [
        ("alert_channel", "ops hook"), ("alert_rule", "extract/on_failure"),
        ("calendar", "XSHG"), ("task", "daily on business days"), ("task", "pipeline")]
    assert json.loads(export(d, dst, "json")) == doc
    rows = dst.sql("SELECT name FROM task_versions WHERE action = 'delete' "
                   "AND actor = 'import:api' ORDER BY name")
    assert [r[0] for r in rows] == ["daily on business days", "pipeline", "stray"]
    r = d.get(dst.api_url + "/scheduler/tasks/deleted", timeout=10)
    assert {"pipeline", "stray"} <= {t["name"] for t in r.json()["items"]}
