"""The execution page's Follow view in a real Chromium against a real stack
(follow_scenarios.mjs): a viewer follows a command that prints a line every
200 ms; new lines show while the run is live, then it says ended.

The run waits for the page (files the scenario creates), so a slow machine
(Chromium's start, the login) cannot let it end before the view has seen it
live: it prints nothing until the view has answered live and empty, and
stops once the view has shown lines arriving twice. Its loops are bounded, so
a failed scenario leaves no endless run. The files are in a command_dir:
a root test daemon runs commands as zq-run, which cannot enter pytest's
private tmp_path."""
import shlex
import shutil

import pytest

from ui_helpers import unique
from zqstack import command_dir


@pytest.fixture
def gate():
    d = command_dir("zq-follow-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_follow_shows_new_lines_while_live(ui, admin, stack, gate):
    go, stop = shlex.quote(str(gate / "go")), shlex.quote(str(gate / "stop"))
    cmd = (f"n=0; while [ ! -e {go} ] && [ $n -lt 1200 ]; do n=$((n+1)); sleep 0.1; done; "
           f"i=0; while [ ! -e {stop} ] && [ $i -lt 600 ]; do i=$((i+1)); echo line-$i; sleep 0.2; done; "
           "echo done")
    r = admin.post(stack.api_url + "/scheduler/tasks", json={
        "name": unique("ui-follow"), "task_type": "manual_task",
        "config": {"command": cmd, "timeout_seconds": 400}})
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    r = admin.post(f"{stack.api_url}/scheduler/tasks/{tid}/trigger")
    assert r.status_code == 200, r.text
    got = ui("follow_live", task_id=tid, exec_id=r.json()["execution_id"],
             go=str(gate / "go"), stop=str(gate / "stop"))
    assert got["before"] == "", got
    assert got["first"].startswith("line-1\nline-2\n"), got
    assert got["later"].startswith(got["first"]) and len(got["later"]) > len(got["first"])
    lines = got["ended"].splitlines()
    n = len(got["later"].splitlines())
    assert len(lines) > n and lines == [f"line-{i}" for i in range(1, len(lines))] + ["done"], lines
    assert got["state"] == "ended"
