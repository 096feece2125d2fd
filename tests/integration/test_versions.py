"""Task versions (README "Versions"): every change writes a task_versions
row with the full definition (secrets masked), its action, actor and
comment; list / one / diff; restore of a version; If-Match (412 when
stale, nothing changed); ETag; deleted tasks listed and restored with their
id and history."""
import requests

from api_util import create, manual_body, session

TASKS = "/scheduler/tasks"


def common_body(**over):
    body = manual_body(task_type="common_task", cron_expression="0 0 1 1 *")
    body.update(over)
    return body


def url(stack, *parts):
    return stack.api_url + TASKS + "".join("/" + str(p) for p in parts)


def versions(admin, stack, tid):
    r = admin.get(url(stack, tid, "versions"), timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def put(admin, stack, tid, body, status=200, **headers):
    r = admin.put(url(stack, tid), json=body, headers=headers, timeout=10)
    assert r.status_code == status, r.text
    return r


def test_three_edits_three_versions_with_their_diffs(stack, admin):
    t = create(admin, stack, common_body(description="one"))
    tid = t["id"]
    r = admin.get(url(stack, tid), timeout=10)
    assert r.headers["ETag"] == '"1"'
    assert put(admin, stack, tid, {"cron_expression": "5 4 * * *"}).headers["ETag"] == '"2"'
    put(admin, stack, tid, {"config": {"command": "echo hi"}, "description": "two"})
    put(admin, stack, tid, {"max_retries": 3},
        **{"X-Zq-Change-Comment": "more retries, ticket 42"})
    page = versions(admin, stack, tid)
    assert page["total"] == 4
    items = page["items"]
    assert [i["version"] for i in items] == [4, 3, 2, 1]
    assert [i["action"] for i in items] == ["update", "update", "update", "create"]
    assert items[0]["changes"] == ["max_retries"]
    assert items[1]["changes"] == ["description", "config.command"]
    assert items[2]["changes"] == ["cron_expression"]
    assert items[3]["changes"] == []
    assert items[0]["comment"] == "more retries, ticket 42"
    assert items[1]["comment"] is None
    assert all(i["actor"] == "token:test-admin" and i["at"] for i in items)
    assert items[0]["name"] == t["name"] and items[0]["task_type"] == "common_task"
    # one version, and diffs between any two
    v2 = admin.get(url(stack, tid, "versions", 2), timeout=10).json()
    assert v2["task_id"] == tid and v2["version"] == 2 and v2["action"] == "update"
    assert v2["definition"]["cron_expression"] == "5 4 * * *"
    assert v2["definition"]["config"] == {"command": "true"}
    assert list(v2["definition"])[:3] == ["name", "job_id", "task_type"]
    d = admin.get(url(stack, tid, "versions", 1, "diff"), timeout=10).json()
    assert d["from"] == 1 and d["to"] == 4 and d["task_id"] == tid
    assert d["changes"] == [
        {"path": "cron_expression", "from": "0 0 1 1 *", "to": "5 4 * * *"},
        {"path": "description", "from": "one", "to": "two"},
        {"path": "config.command", "from": "true", "to": "echo hi"},
        {"path": "max_retries", "from": 0, "to": 3}]
    d = admin.get(url(stack, tid, "versions", 3, "diff") + "?to=2", timeout=10).json()
    assert (d["from"], d["to"]) == (3, 2)
    assert [c["path"] for c in d["changes"]] == ["description", "config.command"]
    assert d["changes"][1] == {"path": "config.command", "from": "echo hi", "to": "true"}
    # paging, newest first
    p = admin.get(url(stack, tid, "versions") + "?skip=1&limit=2", timeout=10).json()
    assert [i["version"] for i in p["items"]] == [3, 2] and p["total"] == 4
    assert p["items"][1]["changes"] == ["cron_expression"]
    # restore v1: the task equals v1 again, as a new version
    r = admin.post(url(stack, tid, "versions", 1, "restore"), json={"comment": "back to v1"},
                   timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"5"'
    now = r.json()
    assert now["version"] == 5 and now["cron_expression"] == "0 0 1 1 *"
    assert now["description"] == "one" and now["config"] == {"command": "true"}
    assert now["max_retries"] == 0
    v5 = admin.get(url(stack, tid, "versions", 5), timeout=10).json()
    v1 = admin.get(url(stack, tid, "versions", 1), timeout=10).json()
    assert v5["action"] == "restore" and v5["comment"] == "back to v1"
    assert v5["definition"] == v1["definition"]
    assert admin.get(url(stack, tid, "versions", 1, "diff") + "?to=5",
                     timeout=10).json()["changes"] == []


def test_if_match(stack, admin):
    t = create(admin, stack, manual_body())
    tid = t["id"]
    put(admin, stack, tid, {"description": "b"}, **{"If-Match": '"1"'})
    r = put(admin, stack, tid, {"description": "c"}, status=412, **{"If-Match": "1"})
    assert r.json() == {"detail": f"task {tid} is at version 2, not 1 (If-Match)",
                        "version": 2}
    got = admin.get(url(stack, tid), timeout=10).json()
    assert got["description"] == "b" and got["version"] == 2
    assert versions(admin, stack, tid)["total"] == 2
    put(admin, stack, tid, {"description": "c"}, **{"If-Match": 'W/"2"'})
    put(admin, stack, tid, {"description": "d"}, status=400, **{"If-Match": "two"})
    # the actions, DELETE and a restore honour it too
    r = admin.post(url(stack, tid, "pause"), headers={"If-Match": "2"}, timeout=10)
    assert r.status_code == 412 and r.json()["version"] == 3
    r = admin.post(url(stack, tid, "pause"), headers={"If-Match": "3"}, timeout=10)
    assert r.status_code == 200 and r.json()["paused"] is True and r.headers["ETag"] == '"4"'
    assert versions(admin, stack, tid)["items"][0]["action"] == "pause"
    r = admin.post(url(stack, tid, "versions", 1, "restore"), headers={"If-Match": "3"},
                   timeout=10)
    assert r.status_code == 412
    r = admin.delete(url(stack, tid), headers={"If-Match": "3"}, timeout=10)
    assert r.status_code == 412
    assert admin.get(url(stack, tid), timeout=10).status_code == 200


def test_delete_then_restore_keeps_id_and_history(stack, admin):
    t = create(admin, stack, common_body(cron_expression="0 3 * * *"))
    tid = t["id"]
    put(admin, stack, tid, {"description": "before delete"})
    r = admin.delete(url(stack, tid), timeout=10)
    assert r.status_code == 200
    assert admin.get(url(stack, tid), timeout=10).status_code == 404
    deleted = admin.get(stack.api_url + TASKS + "/deleted", timeout=10).json()
    mine = [d for d in deleted["items"] if d["id"] == tid]
    assert mine and mine[0]["name"] == t["name"] and mine[0]["version"] == 3
    assert mine[0]["deleted_by"] == "token:test-admin" and mine[0]["deleted_at"]
    assert mine[0]["task_type"] == "common_task"
    page = versions(admin, stack, tid)  # the history outlives the task
    assert [i["action"] for i in page["items"]] == ["delete", "update", "create"]
    r = admin.post(url(stack, tid, "restore"), timeout=10)
    assert r.status_code == 201, r.text
    back = r.json()
    assert back["id"] == tid and back["name"] == t["name"] and back["job_id"] == t["job_id"]
    assert back["description"] == "before delete" and back["version"] == 4
    assert back["cron_expression"] == "0 3 * * *" and back["next_run_time"]
    assert back["secrets_cleared"] == []
    assert r.headers["ETag"] == '"4"'
    page = versions(admin, stack, tid)
    assert [i["action"] for i in page["items"]] == ["restore", "delete", "update", "create"]
    assert page["items"][0]["changes"] == []
    ids = [d["id"] for d in admin.get(stack.api_url + TASKS + "/deleted",
                                      timeout=10).json()["items"]]
    assert tid not in ids
    # restoring what exists is a conflict; a task never seen is a 404
    assert admin.post(url(stack, tid, "restore"), timeout=10).status_code == 409
    assert admin.post(url(stack, 987654321, "restore"), timeout=10).status_code == 404
    put(admin, stack, tid, {"description": "after"})
    assert versions(admin, stack, tid)["items"][0]["version"] == 5


def test_restore_name_taken_is_409(stack, admin):
    t = create(admin, stack, manual_body())
    assert admin.delete(url(stack, t["id"]), timeout=10).status_code == 200
    create(admin, stack, manual_body(name=t["name"]))
    r = admin.post(url(stack, t["id"], "restore"), timeout=10)
    assert r.status_code == 409 and "name" in r.json()["detail"]


def test_secrets_are_masked_in_versions_and_kept_by_a_restore(stack, admin):
    body = manual_body(config={"command": "echo $TOKEN", "env": {"TOKEN": "s3cret-v1"}})
    t = create(admin, stack, body)
    tid = t["id"]
    put(admin, stack, tid, {"description": "x"})
    viewer = session(stack.token("viewer"))
    for who in (admin, viewer):
        v = who.get(url(stack, tid, "versions", 1), timeout=10).json()
        assert v["definition"]["config"]["env"] == {"TOKEN": "***"}
    raw = stack.sql(f"SELECT definition FROM task_versions WHERE task_id = {tid}")
    assert "s3cret" not in raw
    # a restore of v1 keeps the stored secret behind "***"
    r = admin.post(url(stack, tid, "versions", 1, "restore"), timeout=10)
    assert r.status_code == 200, r.text
    assert r.json()["config"]["env"] == {"TOKEN": "s3cret-v1"}
    assert r.json()["secrets_cleared"] == []
    assert admin.get(url(stack, tid), timeout=10).json()["config"]["env"]["TOKEN"] == "s3cret-v1"
    # a changed secret shows as a change of path config.env.TOKEN, values masked
    put(admin, stack, tid, {"config": {"command": "echo $TOKEN", "env": {"TOKEN": "v2"}}})
    items = versions(admin, stack, tid)["items"]
    assert items[0]["changes"] == []  # both masked: the definitions are equal
    # a variable the task no longer has: restored as "" and listed
    put(admin, stack, tid, {"config": {"command": "echo none"}})
    r = admin.post(url(stack, tid, "versions", 1, "restore"), timeout=10)
    assert r.status_code == 200, r.text
    assert r.json()["config"] == {"command": "echo $TOKEN", "env": {"TOKEN": ""}}
    assert r.json()["secrets_cleared"] == ["config.env.TOKEN"]
    # a deleted task's secrets are gone: restored as "" and listed
    assert admin.delete(url(stack, tid), timeout=10).status_code == 200
    r = admin.post(url(stack, tid, "restore"), timeout=10)
    assert r.status_code == 201, r.text
    assert r.json()["secrets_cleared"] == ["config.env.TOKEN"]
    assert r.json()["config"]["env"] == {"TOKEN": ""}


def test_roles_and_not_found(stack, admin):
    t = create(admin, stack, manual_body())
    tid = t["id"]
    viewer = session(stack.token("viewer"))
    assert viewer.get(url(stack, tid, "versions"), timeout=10).status_code == 200
    assert viewer.get(url(stack, tid, "versions", 1, "diff"), timeout=10).status_code == 200
    r = viewer.post(url(stack, tid, "versions", 1, "restore"), timeout=10)
    assert r.status_code == 403
    assert viewer.get(stack.api_url + TASKS + "/deleted", timeout=10).status_code == 200
    r = admin.get(url(stack, tid, "versions", 9), timeout=10)
    assert r.status_code == 404 and r.json()["detail"] == f"task {tid} has no version 9"
    assert admin.get(url(stack, tid, "versions", 1, "diff") + "?to=9",
                     timeout=10).status_code == 404
    assert admin.get(url(stack, 987654321, "versions"), timeout=10).status_code == 404
    r = admin.post(url(stack, tid, "versions", 9, "restore"), timeout=10)
    assert r.status_code == 404
    r = put(admin, stack, tid, {"description": "x"}, status=400,
            **{"X-Zq-Change-Comment": "x" * 513})
    assert "X-Zq-Change-Comment" in r.json()["detail"]
    assert versions(admin, stack, tid)["total"] == 1


def test_actions_and_unchanged_actions(stack, admin):
    t = create(admin, stack, manual_body())
    tid = t["id"]
    for what in ("disable", "disable", "enable", "pause", "resume"):
        assert admin.post(url(stack, tid, what), timeout=10).status_code == 200
    items = versions(admin, stack, tid)["items"]
    assert [i["action"] for i in items] == ["resume", "pause", "enable", "disable", "create"]
    assert items[0]["changes"] == ["paused"] and items[2]["changes"] == ["enabled"]


def test_job_id_in_an_update(stack, admin):
    t = create(admin, stack, manual_body())
    put(admin, stack, t["id"], {"job_id": t["job_id"], "description": "same job"})
    r = put(admin, stack, t["id"], {"job_id": "zq-other"}, status=400)
    assert "job_id" in r.json()["detail"]


def test_unauthenticated_is_401(stack):
    r = requests.get(stack.api_url + TASKS + "/deleted", timeout=10)
    assert r.status_code == 401
