"""A task's History of changes, the edit form's If-Match and the Deleted tasks
page in a real Chromium against a real stack (version_scenarios.mjs).

A task edited twice in the form has three versions, newest first, with the
form's change comment; the diff of two shows exactly the changed field with
its old and new value; Restore (admin) makes a new version equal to the old
one (checked through the API too); a save after someone else's edit gets the
412 message and overwrites nothing; a viewer sees the history but no Restore;
a deleted task comes back from the Deleted tasks page with its history and
the secrets it lost listed; the tab reads in Chinese."""
import pytest

from ui_helpers import unique

CRON1, CRON2 = "0 1 * * *", "0 2 * * *"
CMD1 = "echo one"
# markup and a long line: shown as text, wrapped in its cell
CMD2 = "echo '<i>two</i>' && echo " + "x" * 300
COMMENT = "<b>later</b> at night"


def api_task(admin, stack, name, **extra):
    body = {"name": name, "task_type": "common_task", "cron_expression": CRON1, "timezone": "UTC",
            "enabled": False, "config": {"command": CMD1}, **extra}
    r = admin.post(stack.api_url + "/scheduler/tasks", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def versions(admin, stack, tid):
    r = admin.get(f"{stack.api_url}/scheduler/tasks/{tid}/versions")
    if r.status_code == 404 and "versions" not in r.text:
        pytest.skip("GET /scheduler/tasks/{id}/versions is not in this zq-api yet")
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture(scope="module")
def edited(ui, admin, stack):
    """A task edited twice in the form, then version 1 restored in the page."""
    t = api_task(admin, stack, unique("ui-ver"))
    versions(admin, stack, t["id"])
    r = ui("ver_edit_restore", task_id=t["id"], cron2=CRON2, command2=CMD2, comment=COMMENT,
           comment2="改为 echo two (UTF-8)",
           restore_comment="back to one")
    return t, r


def test_history_lists_the_form_edits_newest_first(edited, admin, stack, users):
    t, r = edited
    assert r["tabs"] == ["Executions", "History of changes"] and "tab=changes" in r["url"]
    assert r["comment_label"] == "Change comment (optional)"
    assert "***" not in str(r["config_seen"])
    rows = r["rows"]
    assert [x["version"] for x in rows] == [3, 2, 1], rows
    assert [x["action"] for x in rows] == ["update", "update", "create"], rows
    assert [x["label"] for x in rows] == ["edited", "edited", "created"]
    assert rows[1]["comment"] == COMMENT and rows[0]["comment"] == "改为 echo two (UTF-8)", rows
    assert rows[2]["comment"] == "", rows
    assert rows[0]["actor"] == users["admin"][0], rows
    assert rows[0]["changes"] == ["config.command"] and rows[1]["changes"] == ["cron_expression"], rows
    assert rows[0]["to"] and rows[1]["from"] and not rows[2]["from"], "default: the newest against the one before"
    assert all(x["restore"] == (0 if x["version"] == 3 else 1) for x in rows), "no Restore of the current version"


def test_diff_shows_exactly_the_changed_field(edited):
    t, r = edited
    d = r["default_diff"]
    assert d["title"] == "Version 2 → version 3" and d["heads"] == ["Field", "Version 2", "Version 3"]
    assert d["rows"] == [{"path": "config.command", "from": CMD1, "to": CMD2, "from_is_text": True}], d
    c = r["compare_diff"]["rows"]
    assert [(x["path"], x["from"], x["to"]) for x in c] == [("cron_expression", CRON1, CRON2)], c
    p = r["picked_diff"]["rows"]
    assert sorted((x["path"], x["from"], x["to"]) for x in p) == [("config.command", CMD1, CMD2),
                                                                   ("cron_expression", CRON1, CRON2)], p
    for k in ("default_diff", "compare_diff", "picked_diff"):
        assert r[k]["overflow"] == 0 and r[k]["table_fits"] and r[k]["markup"] == 0, (k, r[k])
    assert "from=1" in r["picked_url"] and "to=3" in r["picked_url"]
    assert r["reloaded_diff"]["rows"] == r["picked_diff"]["rows"]


def test_restore_brings_back_the_old_values(edited, admin, stack):
    t, r = edited
    assert r["dialog_title"] == "Restore version 1" and "version 1" in r["dialog_text"] and t["name"] in r["dialog_text"]
    assert "Version 1 restored as version 4" in r["toast"], r["toast"]
    top = r["after"][0]
    assert top["version"] == 4 and top["action"] == "restore" and top["comment"] == "back to one", top
    assert top["to"] and r["after"][1]["from"], "after a restore the page shows the new version"
    got = sorted((x["path"], x["from"], x["to"]) for x in r["after_diff"]["rows"])
    assert got == [("config.command", CMD2, CMD1), ("cron_expression", CRON2, CRON1)], got
    assert CMD1 in r["config_box"], "the task's config box shows the restored command"
    task = admin.get(f"{stack.api_url}/scheduler/tasks/{t['id']}").json()
    assert task["cron_expression"] == CRON1 and task["config"]["command"] == CMD1 and task["version"] == 4, task
    v = versions(admin, stack, t["id"])
    assert v["total"] == 4 and v["items"][0]["action"] == "restore" and v["items"][0]["comment"] == "back to one", v


def test_stale_edit_shows_412_and_overwrites_nothing(ui, admin, stack):
    t = api_task(admin, stack, unique("ui-ver-stale"))
    versions(admin, stack, t["id"])
    r = ui("ver_stale_edit", task_id=t["id"], other_description="changed elsewhere", stale_cron="0 5 * * *")
    assert r["other"]["status"] == 200, r["other"]
    assert "changed by someone else since you opened it" in r["message"], r["message"]
    assert "reload to see the new version" in r["message"] and "version 1" in r["message"], r["message"]
    assert r["still_on_form"] is True
    got = admin.get(f"{stack.api_url}/scheduler/tasks/{t['id']}").json()
    assert got["cron_expression"] == CRON1 and got["description"] == "changed elsewhere again", got
    assert r["reloaded_cron"] == CRON1 and r["reloaded_errors_hidden"] is True
    # a Restore from a page that missed an edit: 412 in the dialog, no new version
    assert r["versions_before"] == [2, 1] and r["other2"]["status"] == 200, r
    assert "changed by someone else" in r["restore_error"] and "version 3" in r["restore_error"], r["restore_error"]
    v = versions(admin, stack, t["id"])
    assert v["total"] == 3 and v["items"][0]["action"] == "update", v


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_viewer_and_operator_see_history_but_no_restore(ui, edited, role):
    t, _ = edited
    r = ui("ver_readonly", task_id=t["id"], role=role)
    assert r["whoami"] == f"ui-{role} {role}", r
    assert r["rows"] == 4 and r["restore"] == 0 and r["diff_rows"] == 2, r
    assert r["deleted_restore"] == 0, r


def test_deleted_task_restored_from_the_list(ui, admin, stack):
    t = api_task(admin, stack, unique("ui-ver-del"), config={"command": CMD1, "env": {"API_KEY": "s3cret", "MODE": "x"}})
    versions(admin, stack, t["id"])
    assert admin.delete(f"{stack.api_url}/scheduler/tasks/{t['id']}").status_code in (200, 204)
    r = ui("ver_deleted", task_id=t["id"])
    assert r["h1"] == "Deleted tasks" and r["row"]["name"] == t["name"], r
    assert "Restore" in r["confirm"] and t["name"] in r["confirm"]
    assert t["name"] in r["toast"]
    assert "config.env.API_KEY" in r["secrets"], r["secrets"]
    got = admin.get(f"{stack.api_url}/scheduler/tasks/{t['id']}").json()
    assert got["name"] == t["name"] and got["config"]["command"] == CMD1, got
    assert [x["action"] for x in r["history"]][:2] == ["restore", "delete"], r["history"]


def test_restore_of_a_version_lists_the_secrets_it_cleared(ui, admin, stack):
    t = api_task(admin, stack, unique("ui-ver-sec"), config={"command": CMD1, "env": {"API_KEY": "s3cret"}})
    versions(admin, stack, t["id"])
    r = admin.put(f"{stack.api_url}/scheduler/tasks/{t['id']}", json={"config": {"command": CMD1}})
    assert r.status_code == 200, r.text
    r = ui("ver_restore_secrets", task_id=t["id"], version=1)
    assert "Version 1 restored as version 3" in r["toast"], r
    assert r["secrets"] == ["config.env.API_KEY"] and r["edit_link"] == f"#/tasks/{t['id']}/edit", r
    assert r["rows"][0] == [3, "restore"], r
    got = admin.get(f"{stack.api_url}/scheduler/tasks/{t['id']}").json()
    assert "API_KEY" in got["config"].get("env", {}), got


def test_chinese(ui, edited):
    t, _ = edited
    r = ui("ver_zh", task_id=t["id"])
    assert r["tabs"] == ["执行记录", "变更历史"] and r["selected"] == "变更历史", r
    assert "版本" in r["headers"] and "变更的字段" in r["headers"] and "操作人" in r["headers"], r["headers"]
    assert r["actions"][0] == "还原" and "创建" in r["actions"], r["actions"]
    assert "比较" in r["buttons"] and "还原" in r["buttons"], r["buttons"]
    assert r["diff_title"] == "版本 3 → 版本 4" and r["diff_heads"] == ["字段", "版本 3", "版本 4"], r
    assert r["deleted_h1"] == "已删除的任务"
    leftover = [x for k in ("headers", "actions", "buttons") for x in r[k]
                if any(w in x for w in ("Version", "Restore", "Compare", "edited", "created"))]
    assert not leftover, leftover


def test_each_tab_titles_the_page(ui, admin, stack):
    """The heading and the window title name the tab shown (not "Execution history" on the
    History of changes), back and forth, by click, arrow key and reload, in both languages."""
    t = api_task(admin, stack, unique("ui-ver-title"))
    r = ui("ver_titles", task_id=t["id"])
    name, tid = t["name"], t["id"]

    def want(tab, heading):
        return {"tab": tab, "h1": f"{heading}: #{tid} {name}", "title": f"{heading}: {name} · zq"}

    runs, changes = want("Executions", "Execution history"), want("History of changes", "History of changes")
    assert r["seen"] == [runs, changes, runs, changes, changes,
                         want("变更历史", "变更历史"), want("执行记录", "执行历史")], r["seen"]
