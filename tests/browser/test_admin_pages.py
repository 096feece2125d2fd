"""End-to-end tests of the admin pages in a real Chromium against a real stack.

Each test drives the browser through one scenario of scenarios.mjs (log in
through the form, click what a user clicks) and asserts on what the page
showed. Every scenario also fails on uncaught page errors, console errors,
JavaScript dialogs and CSP violations (conftest.UI)."""
import re
import time

import pytest
import requests

from ui_helpers import unique

EXAMPLE_SLOW = {"duration_seconds": 8, "steps": 8, "success_rate": 1.0, "message": "ui test done"}


def create(admin, stack, **body):
    body.setdefault("task_type", "example_task")
    body.setdefault("config", {"duration_seconds": 1, "steps": 1, "success_rate": 1.0})
    if body["task_type"] != "manual_task":
        body.setdefault("interval_seconds", 86400)
    r = admin.post(stack.api_url + "/scheduler/tasks", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def workflow(admin, stack, name, task_ids, **extra):
    cfg = {"workflow_type": "serial", "on_failure": "stop",
           "tasks": [{"task_id": t, "name": f"t{t}", "dependencies": [task_ids[i - 1]] if i else []}
                     for i, t in enumerate(task_ids)]}
    return create(admin, stack, name=name, task_type="workflow", config=cfg, **extra)


def manual(admin, stack, name):
    return create(admin, stack, name=name, task_type="manual_task",
                  config={"command": "echo \"##progress 1/1 ok\""})


# ---------------------------------------------------------------------------------
def test_login_logout_and_401(ui):
    r = ui("login_flow")
    assert r["redirected_to_login"]
    assert r["still_on_login"] and r["bad_password_message"], r
    assert "ui-admin" in r["whoami"]
    # The token lives in sessionStorage only: no cookie, nothing in localStorage.
    assert r["storage"] == {"token": True, "local_token": [], "cookies": ""}
    assert "#/login" in r["after_401_url"] and r["after_401_token"] is None
    assert r["after_logout_token"] is None
    assert r["old_token_status"] == 401, "sign-out must revoke the session token"


def test_create_task_with_cron_preview(ui, admin, stack):
    existing = create(admin, stack, name=unique("ui-existing"))
    name = unique("ui-created")
    cfg = {"duration_seconds": 2, "steps": 2, "success_rate": 1.0, "message": "made in the form"}
    r = ui("create_task", name=name, existing_name=existing["name"], cron="*/10 * * * *",
           timezone="Asia/Shanghai", config=cfg)
    assert '"duration_seconds"' in r["template"], "example tasks get an example template"
    assert "min" in r["cron_client_error"] or "61" in r["cron_client_error"]
    assert r["cron_words"] == "Every 10 minutes"
    # Five fire times from the API, 10 minutes apart, shown in the chosen zone
    # with the UTC instant in the title.
    assert len(r["preview"]) == 5
    utc = [time.mktime(time.strptime(p["utc"][:19], "%Y-%m-%dT%H:%M:%S")) for p in r["preview"]]
    assert all(b - a == 600 for a, b in zip(utc, utc[1:])), r["preview"]
    for p in r["preview"]:
        assert "Asia/Shanghai" in p["text"] and p["title"].startswith("UTC ")
        # 10:20 UTC is 18:20 in Shanghai
        local_hm = re.search(r"(\d\d):(\d\d):\d\d", p["text"]).groups()
        utc_hm = re.search(r"T(\d\d):(\d\d)", p["utc"]).groups()
        assert (int(local_hm[0]) - int(utc_hm[0])) % 24 == 8 and local_hm[1] == utc_hm[1]
    assert "JSON" in r["config_error"]
    assert r["name_error"] and r["name_invalid"] == "true", "409 on a duplicate name shows at the name field"
    assert "max_retries" in r["max_retries_error"], r
    assert r["row"]["type"] == "Example"
    assert "*/10 * * * *" in r["row"]["schedule"] and "Every 10 minutes" in r["row"]["schedule"]
    assert r["row"]["next_run_title"].startswith("UTC ")
    assert r["edit"]["cron"] == "*/10 * * * *" and r["edit"]["timezone"] == "Asia/Shanghai"
    assert r["edit"]["retries"] == "2" and r["edit"]["config"] == cfg
    assert r["interval_words"] == "every 2 h" and "every 2 h" in r["after_edit_schedule"]
    # and the API agrees
    tasks = admin.get(stack.api_url + "/scheduler/tasks", params={"search": name}).json()["tasks"]
    saved = [t for t in tasks if t["name"] == name][0]
    assert saved["cron_expression"] is None and saved["interval_seconds"] == 7200  # edited
    assert saved["timezone"] == "Asia/Shanghai"
    assert saved["max_retries"] == 2 and saved["config"] == cfg


def test_trigger_shows_progress_until_success(ui, admin, stack):
    task = create(admin, stack, name=unique("ui-progress"), config=EXAMPLE_SLOW)
    r = ui("trigger_progress", name=task["name"], role="operator")
    assert re.search(r"#\d+", r["toast"])
    running = [s for s in r["seen"] if s["status"] == "running" and s["percent"] is not None]
    assert running, f"never saw a running progress bar: {r['seen']}"
    assert any(0 < s["percent"] < 100 for s in running), f"no intermediate progress: {r['seen']}"
    assert any(re.search(r"step \d+/8", s.get("text", "")) for s in running), r["seen"]
    assert r["final"]["status"] == "success", r
    assert r["final"]["percent"] == 100 and "100%" in r["final_cell"] and "8/8" in r["final_cell"]
    assert r["final_badge"] == "Success"
    assert r["poll_note_while_done"] == "0" and r["requests_after_done"] == 0, \
        "the history page must stop polling once nothing runs"
    assert r["detail"]["steps"] == 8 and r["detail"]["status"] == "Success"
    assert not r["detail"]["cancel_button"]
    assert "Success" in r["list_latest"] and r["list_status"] == "success"


def test_cancel_running_execution(ui, admin, stack):
    task = create(admin, stack, name=unique("ui-cancel"),
                  config={"duration_seconds": 60, "steps": 60, "success_rate": 1.0})
    r = ui("cancel_run", task_id=task["id"])
    assert r["final"] == "terminated", r


def test_workflow_builder_and_tree(ui, admin, stack):
    tok = unique("wft")
    a = manual(admin, stack, f"ui-{tok}-a")
    b = manual(admin, stack, f"ui-{tok}-b")
    name = f"ui-{tok}"
    r = ui("workflow_tree", name=name, search=tok, task_ids=[a["id"], b["id"]])
    assert r["status_ok"] and len(r["stages"]) == 2, r  # serial: a, then b
    # checked live by the API (id 0: a workflow not saved yet)
    assert r["validations"] and all(v["url"] == "/api/v1/scheduler/tasks/0/workflow/validate" for v in r["validations"])
    assert r["validations"][-1]["status"] == 200 and r["validations"][-1]["body"]["valid"] is True
    assert "Circular" in r["cycle_message"] and a["name"] in r["cycle_message"]
    cfg = r["config"]
    assert cfg["workflow_type"] == "parallel" and cfg["on_failure"] == "continue"
    assert [t["task_id"] for t in cfg["tasks"]] == [a["id"], b["id"]]
    assert cfg["tasks"][1]["dependencies"] == [a["id"]]
    # Sub-tasks are hidden at the top level and shown, indented, under (+).
    assert name in r["top_level_names"]
    assert a["name"] not in r["top_level_names"] and b["name"] not in r["top_level_names"]
    assert r["expand_label"] == "+" and r["expanded"] == "true"
    assert [s["name"] for s in r["subtasks"]] == [a["name"], b["name"]]
    for s in r["subtasks"]:
        assert s["parent"] == r["workflow_id"]
        assert float(s["indent"].rstrip("px")) > 0
        assert {"edit", "trigger", "history", "delete"} <= set(s["actions"])
    assert r["still_expanded"] == 2, "auto-refresh keeps the workflow expanded"
    saved = admin.get(f"{stack.api_url}/scheduler/tasks/{r['workflow_id']}").json()
    assert saved["task_type"] == "workflow" and saved["config"]["tasks"][1]["dependencies"] == [a["id"]]


def test_workflow_run_shows_child_runs(ui, admin, stack):
    a = manual(admin, stack, unique("ui-wfr-a"))
    b = manual(admin, stack, unique("ui-wfr-b"))
    wf = workflow(admin, stack, unique("ui-wfr"), [a["id"], b["id"]], interval_seconds=86400)
    r = ui("workflow_run", workflow_id=wf["id"])
    if r["final"] == "skipped" and "no workflow engine" in r["error"]:
        # zq-scheduler records workflow runs as skipped with this reason until
        # its workflow engine lands; then this test runs in full.
        pytest.skip(f"zq-scheduler has no workflow engine yet: {r['error']}")
    assert r["final"] == "success", r
    assert [c["name"] for c in r["children"]] == [a["name"], b["name"]], r
    assert all(c["status"] == "success" for c in r["children"])


def test_disable_enable_pause_delete(ui, admin, stack):
    task = create(admin, stack, name=unique("ui-life"), cron_expression="0 3 * * *", interval_seconds=None)
    used = manual(admin, stack, unique("ui-used"))
    wf = workflow(admin, stack, unique("ui-life-wf"), [used["id"]])
    r = ui("lifecycle", name=task["name"], used_name=used["name"], workflow_name=wf["name"])
    assert r["initial"]["state"] == "enabled" and r["initial"]["next_run"] != "—"
    assert r["disabled"]["state"] == "disabled" and r["disabled"]["schedule_status"] == "disabled"
    assert r["disabled"]["next_run"] == "—", "a disabled task has no next run"
    assert r["enabled"]["state"] == "enabled" and r["enabled"]["next_run"] != "—"
    assert r["paused"]["paused"] and r["paused"]["schedule_status"] == "paused"
    assert not r["resumed"]["paused"]
    assert used["name"] in r["confirm_text"]
    assert r["conflict_toast"] and r["used_still_there"] == 1, r
    assert r["after_cancel"] == 1 and r["after_delete"] == 0
    assert admin.get(f"{stack.api_url}/scheduler/tasks/{task['id']}").status_code == 404
    assert admin.get(f"{stack.api_url}/scheduler/tasks/{used['id']}").status_code == 200


def test_viewer_sees_no_write_controls(ui, admin, stack):
    tok = unique("view")
    task = create(admin, stack, name=f"ui-{tok}-task")
    base = manual(admin, stack, f"ui-{tok}-sub")
    wf = workflow(admin, stack, f"ui-{tok}-wf", [base["id"]])
    r = ui("viewer", task_id=task["id"], workflow_name=wf["name"], search=tok)
    assert r["role_badge"] == "viewer"
    assert set(r["actions"]) <= {"history", "stats", "expand"}, r["actions"]
    assert "history" in r["actions"]
    assert r["create_button"] == 0
    assert "users" not in r["nav"] and "tokens" not in r["nav"]
    assert r["history_trigger"] == 0 and r["history_cancel"] == 0
    assert r["new_form_present"] == 0 and r["users_page_present"] == 0

    # An operator runs and switches tasks but does not edit, create or delete them.
    r = ui("viewer", role="operator", task_id=task["id"], workflow_name=wf["name"], search=tok)
    assert r["role_badge"] == "operator"
    assert {"trigger", "disable", "pause", "history", "stats"} <= set(r["actions"]), r["actions"]
    assert not {"edit", "delete"} & set(r["actions"]), r["actions"]
    assert r["create_button"] == 0 and r["history_trigger"] == 1
    assert "users" not in r["nav"] and "tokens" not in r["nav"]


def test_markup_in_names_is_text(ui, admin, stack):
    name = "<img src=x onerror=alert(1)>"
    desc = "<script>alert(2)</script><b onmouseover=alert(3)>bold</b>"
    existing = [t for t in admin.get(stack.api_url + "/scheduler/tasks", params={"limit": 100}).json()["tasks"]
                if t["name"] == name]
    task = existing[0] if existing else create(admin, stack, name=name, description=desc)
    r = ui("xss", name=name, task_id=task["id"])
    assert r["name_text"] == name
    assert r["desc_text"] == desc
    assert r["imgs_in_table"] == 0 and r["imgs_anywhere"] == 0
    assert name in r["toast"] and name in r["history_title"]
    assert r["form_name"] == name
    assert r["alerts"] == []


def test_chinese_translates_the_page(ui, admin, stack):
    task = create(admin, stack, name=unique("ui-zh"), cron_expression="*/5 * * * *", interval_seconds=None)
    r = ui("i18n", name=task["name"])
    assert r["en"]["nav"][0] == "Tasks"
    zh = r["zh"]
    assert zh["lang"] == "zh-CN"
    assert zh["nav"][:2] == ["任务", "统计"] and zh["h1"] == "定时任务"
    assert "名称 / 类型" in zh["headers"] and "下次执行" in zh["headers"] and "操作" in zh["headers"]
    assert "触发" in zh["buttons"] and "执行历史" in zh["buttons"]
    assert "每5分钟" in zh["schedule"]
    assert zh["refresh"] in ("停止自动刷新", "开启自动刷新")
    assert zh["time_title"].startswith("UTC ")
    # nothing English left in the visible chrome
    for text in zh["nav"] + [zh["h1"]] + zh["headers"][1:] + zh["buttons"]:
        assert not re.search(r"[A-Za-z]{3,}", text) or text.startswith("API"), text
    assert r["zh_after_reload"]["h1"] == "定时任务" and r["stored"] == "zh"
    assert r["zh_cron_words"] == "周一至周五 09:00"
    assert "任务信息" in r["zh_legend"] and "执行计划" in r["zh_legend"]
    assert r["en_cron_words"] == "At 09:00, Monday through Friday"


def test_content_security_policy(ui, stack):
    page = requests.get(stack.url + "/", timeout=10)
    csp = page.headers.get("Content-Security-Policy", "")
    directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";") if d.strip()}
    assert directives.get("script-src") == "script-src 'self'", csp
    assert directives.get("default-src") == "default-src 'none'", csp
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'", csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert page.headers.get("X-Content-Type-Options") == "nosniff"
    assert page.headers.get("Cache-Control") == "no-cache"
    assert "<script" in page.text and not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page.text), \
        "index.html must not carry inline scripts"
    assert not re.search(r"\son\w+\s*=", page.text) and "style=" not in page.text
    for path, kind in (("/js/main.js", "javascript"), ("/css/app.css", "css")):
        r = requests.get(stack.url + path, timeout=10)
        assert r.status_code == 200 and kind in r.headers["Content-Type"], path
        assert r.headers.get("X-Content-Type-Options") == "nosniff"
        assert r.headers.get("Cache-Control") == "no-cache" and r.headers.get("ETag"), path
        again = requests.get(stack.url + path, headers={"If-None-Match": r.headers["ETag"]}, timeout=10)
        assert again.status_code == 304, "assets revalidate cheaply"
    icon = requests.get(stack.url + "/favicon.svg", timeout=10)
    assert "max-age=" in icon.headers.get("Cache-Control", "")
    assert requests.get(stack.url + "/.git/config", timeout=10).status_code == 404
    r = ui("csp", allow_csp_violations=True)
    for h, counts in r["inline"].items():
        assert counts == {"inline_scripts": 0, "handler_attrs": 0, "javascript_urls": 0}, (h, counts)
    assert r["injected"]["ran"] is False and r["injected"]["violated"], r["injected"]


def test_every_page_renders(ui, admin, stack):
    task = create(admin, stack, name=unique("ui-tour"), config={"duration_seconds": 1, "steps": 2, "success_rate": 1.0})
    trig = admin.post(f"{stack.api_url}/scheduler/tasks/{task['id']}/trigger")
    assert trig.status_code == 200, trig.text
    eid = trig.json()["execution_id"]
    cmd = create(admin, stack, name=unique("ui-cmd"), task_type="common_task", config={
        "command": "echo '##progress 1/2 first half'; echo hello-out; echo oops-err >&2; "
                   "echo '##progress 2/2 second half'; exit 3"})
    cmd_eid = admin.post(f"{stack.api_url}/scheduler/tasks/{cmd['id']}/trigger").json()["execution_id"]
    for tid, xid in ((task["id"], eid), (cmd["id"], cmd_eid)):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            e = admin.get(f"{stack.api_url}/scheduler/tasks/{tid}/executions/{xid}").json()
            if e["status"] not in ("pending", "running"):
                break
            time.sleep(0.5)
    r = ui("tour", task_id=task["id"], execution_id=eid, command_task_id=cmd["id"], command_execution_id=cmd_eid)
    out = r["command_output"]
    assert "hello-out" in (out["stdout"] or "") and "oops-err" in (out["stderr"] or ""), out
    assert "exit code 3" in (out["error"] or ""), out
    for name, p in r["pages"].items():
        assert p["h1"], name
        assert p["error_boxes"] == [], (name, p["error_boxes"])
    assert r["pages"]["global-stats"]["h1"] == "Global statistics"
    assert len(r["charts"]) == 2 and r["charts"][0]["rects"] > 0 and r["charts"][1]["dots"] > 0, r["charts"]
    assert int(r["stat_cards"]["total"].replace(",", "")) >= 1
    assert r["narrow_width"] <= 1024, "no sideways scrolling at 1024 px"
    assert r["narrow_table"]["scroll"] <= r["narrow_table"]["client"] + 1, ("the task table fits at 1024 px",
                                                                           r["narrow_table"])
    assert r["history_tomorrow"] == 0 and r["history_today"] == 1 and "from=" in r["history_url"]


def test_auto_refresh_toggle(ui, admin, stack):
    task = create(admin, stack, name=unique("ui-auto"))
    base = f"{stack.api_url}/scheduler/tasks/{task['id']}"
    r = ui("auto_refresh", name=task["name"], token=stack.token("admin"),
           api_disable=base + "/disable", api_enable=base + "/enable")
    assert r["initial"] == "1"
    assert r["toggle_initial"] == {"text": "Stop auto-refresh", "pressed": "true"}
    assert r["toggle_stopped"] == {"text": "Start auto-refresh", "pressed": "false"}
    assert r["while_stopped"] == "0", "a stopped list must not refresh by itself"
    assert r["after_refresh"] == "1"
    assert r["toggle_after_reload"] == "Start auto-refresh" and r["toggle_restarted"] == "Stop auto-refresh"


def test_users_and_tokens(ui, users):
    new_user = unique("ui-user")
    token_name = unique("ui-token")
    r = ui("users_tokens", new_user=new_user, new_password="a-long-password-1", token_name=token_name,
           me=users["admin"][0])
    assert r["new_role"] == "operator" and r["changed_role"] == "viewer"
    assert r["self_controls"] == 0, "an admin cannot delete themself from the page"
    assert len(r["token_value"]) >= 20
    assert token_name in r["token_row"] and r["token_value"] not in r["token_row"], "the secret is shown once"
    assert r["token_works"] == 200 and r["token_after_revoke"] == 401


def test_filters_search_and_pages(ui, admin, stack):
    prefix = unique("ui-flt")
    for i in range(11):
        create(admin, stack, name=f"{prefix}-{i:02d}")
    cmd = create(admin, stack, name=f"{prefix}-cmd", task_type="common_task", config={"command": "true"})
    off = create(admin, stack, name=f"{prefix}-off", enabled=False)
    r = ui("filters", prefix=prefix, expect_type=cmd["name"], expect_status=off["name"])
    assert len(r["search"]) == 13 and r["range"] == "1–13 of 13", r
    assert len(r["page1"]) == 10 and len(r["page2"]) == 3 and r["range2"] == "11–13 of 13"
    assert r["by_type"] == [cmd["name"]]
    assert r["by_status"] == [off["name"]]
    assert "status=disabled" in r["url"] and f"q={prefix}" in r["url"]
    assert r["after_reload"] == [off["name"]]
    assert r["inputs_after_reload"] == {"search": prefix, "status": "disabled"}


def test_manual_and_one_off_tasks_through_the_form(ui, admin, stack):
    manual_name, once_name = unique("ui-manual"), unique("ui-once")
    day = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 3 * 86400))
    r = ui("once_and_manual", manual_name=manual_name, once_name=once_name,
           timezone="Asia/Shanghai", run_at_wall=f"{day}T09:30")
    # manual tasks take no schedule; the other types need one
    assert r["manual_kinds"] == ["none"] and "none" not in r["example_kinds"]
    assert "command" in r["manual_template"] and "command" in r["manual_hint"]
    assert r["manual_schedule"] == "manual only"
    tasks = admin.get(stack.api_url + "/scheduler/tasks", params={"name": "ui-", "include_subtasks": "true",
                                                                   "limit": 1000}).json()["tasks"]
    once = [t for t in tasks if t["name"] == once_name][0]
    # 09:30 in Shanghai (UTC+8) is 01:30 UTC
    assert once["run_at"].startswith(f"{day}T01:30:00"), once["run_at"]
    assert once["timezone"] == "Asia/Shanghai"
    assert r["once_next_title"] == f"UTC {day} 01:30:00.000"
    assert r["once_edit_wall"] == f"{day}T09:30" and r["once_edit_kind"]


PARAM_CMD = 'echo "code=$ZQ_PARAM_TS_CODE start=$ZQ_PARAM_START_DATE full=$ZQ_PARAM_FULL"'


def _params_api_or_skip(admin, stack):
    """Skip (saying why) while the API does not take task parameters yet."""
    base = stack.api_url + "/scheduler/tasks"
    r = admin.post(base, json={"name": unique("ui-probe"), "task_type": "manual_task",
                               "config": {"command": "true", "params": {"x": {"type": "nope"}}}})
    if r.status_code == 201:
        admin.delete(f"{base}/{r.json()['id']}")
        pytest.skip("the API does not check config.params yet (task parameters have not landed in fcgi/)")
    assert r.status_code == 400 and "config.params.x.type" in r.json()["detail"], r.text
    t = create(admin, stack, name=unique("ui-probe"), task_type="manual_task",
               config={"command": "true", "params": {"x": {"type": "string"}}})
    r = admin.post(f"{base}/{t['id']}/trigger", json={"params": {"nope": "1"}})
    admin.delete(f"{base}/{t['id']}")
    if r.status_code == 200:
        pytest.skip("the trigger does not take {\"params\": ...} yet (task parameters have not landed in fcgi/)")
    assert r.status_code == 400 and "params.nope" in r.json()["detail"], r.text


def test_task_params_editor_trigger_dialog_and_masked_env(ui, admin, stack):
    _params_api_or_skip(admin, stack)
    name = unique("ui-params")
    secret = unique("s3cret")
    r = ui("task_params", name=name, secret=secret, command=PARAM_CMD)

    # The editor: checks as the API does, names the field, writes config.params.
    assert r["rows_before"] == 0
    assert "Lower-case letters" in r["bad_name_error"] and r["name_error_after_fix"] == ""
    assert r["full_required"] is False, "a param with a default is not required"
    assert r["enum_default_choices"] == ["", "fast", "slow"], "an enum's default is picked from its values"
    assert "twice" in r["enum_error"] and "mode" in r["summary"] and r["url_after_bad_submit"].endswith("#/tasks/new")
    cfg = r["config_from_editor"]
    assert cfg["command"] == PARAM_CMD and cfg["env"] == {"API_SECRET": secret}, "the rest of the config is kept"
    assert cfg["params"] == {
        "ts_code": {"type": "string", "description": "Stock code, e.g. 000001.SZ", "pattern": r"^[0-9]{6}\.(SZ|SH)$"},
        "start_date": {"type": "date", "description": "First trading day"},
        "full": {"type": "bool", "default": False},
        "note": {"type": "string", "default": "ok", "pattern": "^[[:alpha:]]*$"},
    }, cfg["params"]
    assert r["param_order"] == ["ts_code", "start_date", "full", "note"]
    assert r["editor_from_json"] == "Reload everything", "JSON edited by hand shows in the editor"
    assert "config.params.ts_code.pattern" in r["api_pattern_error"], "the API's 400 is shown at the field"
    assert "config.params.ts_code.pattern" in r["api_summary"]
    saved = [t for t in admin.get(stack.api_url + "/scheduler/tasks", params={"name": name}).json()["tasks"]
             if t["name"] == name][0]
    assert saved["config"]["params"]["ts_code"]["pattern"] == r"^[0-9]{6}\.(SZ|SH)$"
    assert saved["config"]["params"]["full"] == {"type": "bool", "default": False, "description": "Reload everything"}
    # Required params without defaults: no one-click trigger, only the dialog.
    assert "trigger-params" in r["admin_actions"] and "trigger" not in r["admin_actions"], r["admin_actions"]
    assert r["edit_names"] == ["ts_code", "start_date", "full", "note"]
    assert r["edit_types"] == ["string", "date", "bool", "string"]
    assert r["edit_env"] == {"API_SECRET": secret}, "an admin edits the real env value"

    # The operator's dialog: one input per param, defaults, required marked, descriptions.
    assert "trigger-params" in r["operator_actions"] and "edit" not in r["operator_actions"]
    d = {f["name"]: f for f in r["dialog"]}
    assert [f["name"] for f in r["dialog"]] == ["ts_code", "start_date", "full", "note"]
    assert d["ts_code"]["type"] == "text" and d["ts_code"]["required"] and d["ts_code"]["label"].endswith("*")
    assert d["ts_code"]["pattern"] == r"^[0-9]{6}\.(SZ|SH)$" and "Stock code" in d["ts_code"]["hint"]
    assert d["start_date"]["type"] == "date" and d["start_date"]["required"]
    assert d["full"]["type"] == "checkbox" and d["full"]["value"] is False and not d["full"]["required"]
    assert d["note"]["value"] == "ok" and not d["note"]["label"].endswith("*")
    assert r["dialog_focus"] == "param-ts_code"
    assert "Must match" in r["bad_value_error"] and r["posts_after_bad"] == 0, "a bad value is not sent"
    # A value only the API can judge (POSIX class): its 400 shows in the dialog, which stays open.
    assert "params.note" in r["api_value_error"] and "params.note" in r["api_value_field_error"]
    assert r["dialog_open_after_400"] == 1
    assert name in r["toast"] and r["dialog_closed"]
    assert r["posts"][-1] == {"params": {"ts_code": "000001.SZ", "start_date": "2024-01-15", "full": True, "note": "abc"}}
    assert len(r["posts"]) == 2

    # The run: the literal values reached the command; history and detail show them.
    assert r["history_status"] == "success", r
    assert r["stdout"] == "code=000001.SZ start=2024-01-15 full=true", r["stdout"]
    for shown in (r["history_params"], r["detail_params"]):
        assert "ts_code = 000001.SZ" in shown and "start_date = 2024-01-15" in shown and "full = true" in shown, shown
    e = admin.get(f"{stack.api_url}/scheduler/tasks/{saved['id']}/executions/{r['execution_id']}").json()
    assert e["params"] == {"ts_code": "000001.SZ", "start_date": "2024-01-15", "full": True, "note": "abc"}

    # A viewer: the configuration with env values masked, no trigger.
    assert not {"trigger", "trigger-params"} & set(r["viewer_actions"])
    assert r["viewer_trigger_buttons"] == 0
    assert r["viewer_env"] and all(x["masked"] == "1" and secret not in x["text"] for x in r["viewer_env"]), r["viewer_env"]
    assert r["viewer_sees_secret"] is False
    assert r["viewer_api_env"] == {"API_SECRET": "***"}, "the API masks env values for viewers"
    assert r["viewer_params"] == ["ts_code", "start_date", "full", "note"]
    assert r["viewer_command"] == PARAM_CMD


def test_a_capped_history_count_reads_as_a_bound(ui, admin, stack):
    # the API stops counting a task's history at 1,000 (total_capped): the
    # pager must not claim an exact "of 1000" for a task with 1,200 runs
    big = create(admin, stack, name=unique("ui-cap-big"), enabled=False)
    small = create(admin, stack, name=unique("ui-cap-small"), enabled=False)
    for task, n in ((big, 1200), (small, 3)):
        stack.sql("INSERT INTO task_executions (task_id, status, trigger_type, not_before, start_time, "
                  "end_time) SELECT %d, 'success', 'manual', NOW(3), NOW(3), NOW(3) FROM "
                  "seq_1_to_%d" % (task["id"], n))
    r = admin.get(f"{stack.api_url}/scheduler/tasks/{big['id']}/executions?limit=20").json()
    assert r["total"] == 1000 and r["total_capped"] is True, r
    seen = ui("capped_pager", big_id=big["id"], small_id=small["id"])
    assert seen["big"] == "1–20 of 1000+", seen
    assert seen["big_page2"] == "21–40 of 1000+", seen
    assert seen["small"] == "1–3 of 3" and seen["small_next_disabled"] is True, seen
