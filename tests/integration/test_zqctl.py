"""zqctl, the command-line client (README "zqctl"), against the real stack:
trigger --wait exits with the run's outcome, --json output parses, plain
http:// to another host is refused before connecting, usage errors exit 2,
and login saves the token in a 0600 file."""
import json
import os
import re
import shutil
import stat
import subprocess
import tempfile

import pytest

from api_util import create, manual_body


@pytest.fixture(scope="module")
def ctl(stack):
    binary = stack.bin("zqctl")
    if not os.path.exists(binary):
        pytest.skip("zqctl is not built")
    home = tempfile.mkdtemp(prefix="zqctl-home-")

    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home,
            "ZQ_URL": stack.url, "ZQ_TOKEN": stack.token("admin"),
            "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", ""),
            "LSAN_OPTIONS": os.environ.get("LSAN_OPTIONS", "")}

    def run(*args, env=None, input=None, timeout=120):
        e = dict(base)
        e.update(env or {})
        return subprocess.run([binary, *args], capture_output=True, text=True, env=e,
                              input=input, timeout=timeout)
    run.home = home
    run.binary, run.env = binary, base
    yield run
    shutil.rmtree(home, ignore_errors=True)


def test_trigger_wait_exits_with_the_runs_status(ctl, stack, admin):
    ok = create(admin, stack, manual_body(config={"command": "echo hi"}))
    bad = create(admin, stack, manual_body(config={"command": "echo no >&2; exit 7"}))
    r = ctl("trigger", str(ok["id"]), "--wait")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "success" in r.stdout
    r = ctl("trigger", str(bad["id"]), "--wait")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "failed" in r.stdout
    r = ctl("--json", "trigger", str(ok["id"]), "--wait")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["status"] == "success"


def test_trigger_follow_prints_every_line_once_in_order(ctl, stack, admin):
    """--follow: the run's live output as it comes (both streams, each on
    zqctl's own), the summary on stderr, the run's outcome as exit code."""
    cmd = "for i in $(seq 1 30); do echo line-$i; sleep 0.1; done; echo warn >&2"
    t = create(admin, stack, manual_body(config={"command": cmd}))
    r = ctl("trigger", str(t["id"]), "--follow")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines() == [f"line-{i}" for i in range(1, 31)], r.stdout
    assert "warn" in r.stderr and "success" in r.stderr
    eid = re.search(r"execution (\d+): success", r.stderr).group(1)
    # zqctl output: what is kept, and --follow on an ended run exits with its outcome
    r = ctl("output", str(t["id"]), eid)
    assert r.returncode == 0 and r.stdout.splitlines() == [f"line-{i}" for i in range(1, 31)]
    r = ctl("output", str(t["id"]), eid, "--follow")
    assert r.returncode == 0 and r.stdout.count("line-30\n") == 1
    r = ctl("--json", "output", str(t["id"]), eid)
    assert json.loads(r.stdout)["stderr"]["data"] == "warn\n"


def test_follow_prints_before_the_run_ends(ctl, stack, admin):
    """The first line reaches zqctl's stdout while the run is still going
    (live output, not the settled tail at the end)."""
    t = create(admin, stack, manual_body(config={"command": "echo first; sleep 4; echo last"}))
    p = subprocess.Popen([ctl.binary, "trigger", str(t["id"]), "--follow"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=ctl.env)
    try:
        assert p.stdout.readline() == "first\n"
        h = admin.get(f"{stack.api_url}/scheduler/tasks/{t['id']}/executions", timeout=10).json()
        assert h["executions"][0]["status"] == "running", h["executions"][0]
        assert p.stdout.read() == "last\n"
        assert p.wait(timeout=60) == 0
    finally:
        if p.poll() is None:
            p.kill()
        p.communicate()


def test_trigger_wait_follow_of_a_failing_run_exits_1(ctl, stack, admin):
    t = create(admin, stack, manual_body(config={"command": "echo out-1; sleep 0.3; "
                                                            "echo err-1 >&2; exit 5"}))
    r = ctl("trigger", str(t["id"]), "--wait", "--follow")
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stdout == "out-1\n"
    assert "err-1" in r.stderr and "failed" in r.stderr


def test_json_output_parses(ctl, stack, admin):
    t = create(admin, stack, manual_body())
    for args, key in ((["tasks"], "tasks"), (["tasks", "--type", "manual_task"], "tasks"),
                      (["show", str(t["id"])], "id"), (["history", str(t["id"])], "executions"),
                      (["stats"], "total_executions"), (["nodes"], "nodes")):
        r = ctl("--json", *args)
        assert r.returncode == 0, (args, r.stderr)
        assert key in json.loads(r.stdout), args
    r = ctl("tasks", "--name", t["name"])
    assert r.returncode == 0 and t["name"] in r.stdout


def test_actions_and_api_errors(ctl, stack, admin):
    t = create(admin, stack, manual_body())
    for action in ("disable", "enable", "pause", "resume"):
        r = ctl(action, str(t["id"]))
        assert r.returncode == 0, (action, r.stderr)
    r = ctl("show", "999999999")
    assert r.returncode == 4 and "404" in r.stderr
    r = ctl("tasks", env={"ZQ_TOKEN": "not-a-token"})
    assert r.returncode == 4 and "401" in r.stderr


def test_plain_http_to_another_host_is_refused(ctl):
    # 192.0.2.1 is TEST-NET-1: nothing answers there, so a refusal that connected would hang
    r = ctl("tasks", env={"ZQ_URL": "http://192.0.2.1:8080"}, timeout=20)
    assert r.returncode == 2 and "http://" in r.stderr
    r = ctl("--url", "ftp://127.0.0.1/", "tasks", timeout=20)
    assert r.returncode == 2


@pytest.mark.parametrize("args", [[], ["bogus"], ["show"], ["show", "x"], ["trigger", "1", "--zz"],
                                  ["output", "1"], ["output", "1", "x"], ["output", "1", "2", "--zz"],
                                  ["tasks", "--type"], ["cancel", "1"], ["--nope", "tasks"]])
def test_usage_errors_exit_2(ctl, args):
    assert ctl(*args).returncode == 2


def test_login_saves_a_private_config(ctl, stack):
    pw = stack.user("zqctl-op", "operator")
    conf = os.path.join(ctl.home, ".config", "zq", "zqctl.conf")
    r = ctl("login", "zqctl-op", input=pw + "\n", env={"ZQ_TOKEN": ""})
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(os.stat(conf).st_mode) == 0o600
    with open(conf, encoding="utf-8") as f:
        text = f.read()
    assert "token = " in text and pw not in text
    # the saved token works without ZQ_TOKEN
    r = ctl("--json", "tasks", env={"ZQ_TOKEN": ""})
    assert r.returncode == 0, r.stderr
    r = ctl("login", "zqctl-op", input="wrong\n", env={"ZQ_TOKEN": ""})
    assert r.returncode == 4
    os.remove(conf)
