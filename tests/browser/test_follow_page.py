"""The execution page's Follow view in a real Chromium against a real stack
(follow_scenarios.mjs): a command printing a line every 200 ms is followed
by a viewer, new lines show while the run is live, then it says ended."""
from ui_helpers import unique


def test_follow_shows_new_lines_while_live(ui, admin, stack):
    cmd = "for i in $(seq 1 40); do echo line-$i; sleep 0.2; done; echo done"
    r = admin.post(stack.api_url + "/scheduler/tasks", json={
        "name": unique("ui-follow"), "task_type": "manual_task",
        "config": {"command": cmd, "timeout_seconds": 120}})
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    r = admin.post(f"{stack.api_url}/scheduler/tasks/{tid}/trigger")
    assert r.status_code == 200, r.text
    got = ui("follow_live", task_id=tid, exec_id=r.json()["execution_id"])
    assert got["first"].startswith("line-1\nline-2\n"), got
    assert got["later"].startswith(got["first"]) and len(got["later"]) > len(got["first"])
    lines = got["ended"].splitlines()
    assert lines == [f"line-{i}" for i in range(1, 41)] + ["done"], lines
    assert got["state"] == "ended"
