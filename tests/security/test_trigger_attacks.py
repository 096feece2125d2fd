"""Attacks through a task's config and its manual trigger.

Before: an operator's trigger body was merged over the task's config, so
`{"command": "id; cat var/zq.conf"}` (or env LD_PRELOAD / BASH_ENV, or
work_dir) ran anything as the daemon's user; a config with a key given
twice ran its first value while the page showed the last; a config nested
31 deep was a 500; viewers read every env value (API keys); a disabled task
ran when triggered. Now a trigger takes declared parameter values only
(checked, passed as ZQ_PARAM_* environment variables), an admin's one-off
override is explicit and audited, bodies with duplicate keys or deeper than
30 levels are 400s, env values are "***" below admin, and a disabled task's
trigger is a 409. Each test is the attack and asserts what the attacker got.
"""
import json
import os
import secrets
import shutil
import time

import pytest

from api_util import create, unique
from zqstack import command_dir

FINAL = {"success", "failed", "completed", "terminated", "skipped"}


def url(stack, *parts):
    return stack.api_url + "/scheduler/tasks" + "".join("/" + str(p) for p in parts)


@pytest.fixture(scope="module")
def op(stack):
    return stack.session("operator")


@pytest.fixture(scope="module")
def viewer(stack):
    return stack.session("viewer")


@pytest.fixture()
def cdir():
    d = command_dir("zq-sec-trig-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def executions(stack, tid):
    return int(stack.sql_value(f"SELECT COUNT(*) FROM task_executions WHERE task_id = {tid}"))


def wait_final(session, stack, tid, eid, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        e = session.get(url(stack, tid, "executions", eid), timeout=10).json()
        if e["status"] in FINAL:
            return e
        time.sleep(0.1)
    raise AssertionError(f"execution {eid} not finished: {e}")


def post_raw(session, u, text):
    return session.post(u, data=text.encode(), headers={"Content-Type": "application/json"},
                        timeout=10)


def manual(admin, stack, command, **config):
    return create(admin, stack, {"name": unique("sec-trig"), "task_type": "manual_task",
                                 "config": {"command": command, **config}})


# ---- operator trigger bodies ------------------------------------------------------------

def test_operator_cannot_choose_command_env_work_dir_or_timeout(stack, admin, op, cdir):
    evil = cdir / "evil.sh"
    evil.write_text(f"touch {cdir}/pwned-bash-env\n")
    os.chmod(evil, 0o644)
    t = manual(admin, stack, f"bash -c true; touch {cdir}/control")
    attacks = {
        "command": {"command": f"id; cat var/zq.conf; touch {cdir}/pwned-command"},
        "env": {"env": {"BASH_ENV": str(evil)}},
        "env ": {"env": {"LD_PRELOAD": "/tmp/evil.so"}},
        "work_dir": {"work_dir": "/"},
        "timeout_seconds": {"timeout_seconds": 1},
        "override": {"override": {"command": f"touch {cdir}/pwned-override"}},
    }
    for key, body in attacks.items():
        r = op.post(url(stack, t["id"], "trigger"), json=body, timeout=10)
        assert r.status_code == 400, (key, r.text)
        detail = r.json()["detail"]
        if key.strip() != "override":
            assert detail == (f"trigger: '{key.strip()}' cannot be set by an operator; "
                              "declare a parameter"), detail
        else:
            assert "'override' is for admins" in detail, detail
    # a declared-params body with a smuggled key is refused as a whole
    r = op.post(url(stack, t["id"], "trigger"),
                json={"params": {}, "command": f"touch {cdir}/pwned-mixed"}, timeout=10)
    assert r.status_code == 400 and "'command' cannot be set" in r.json()["detail"]
    assert executions(stack, t["id"]) == 0, "a refused trigger wrote an execution row"
    # the control: the same operator's plain trigger runs the task as configured
    r = op.post(url(stack, t["id"], "trigger"), timeout=10)
    assert r.status_code == 200, r.text
    e = wait_final(op, stack, t["id"], r.json()["execution_id"])
    assert e["status"] == "success" and (cdir / "control").exists()
    assert sorted(p.name for p in cdir.iterdir()) == ["control", "evil.sh"], \
        "an attack body ran something"
    assert executions(stack, t["id"]) == 1


# ---- parameters: declaration and values ---------------------------------------------------

PARAMS = {
    "ts_code": {"type": "string", "pattern": "^[0-9]{6}\\.(SZ|SH)$",
                "description": "security code"},
    "start_date": {"type": "date", "default": "2025-01-01"},
    "n": {"type": "int", "min": 1, "max": 10, "default": 3},
    "full": {"type": "bool", "default": False},
    "mode": {"type": "enum", "values": ["incr", "all"], "default": "incr"},
}


def test_trigger_params_are_checked_against_their_declarations(stack, admin, op, cdir):
    t = manual(admin, stack, f"touch {cdir}/ran", params=PARAMS)
    bad = [
        ({"ts_code": "000001.SZ; id"}, "params.ts_code: does not match the pattern"),
        ({"ts_code": "000001.SZ", "start_date": "2025-02-30"},
         "params.start_date: must be a calendar date YYYY-MM-DD"),
        ({"ts_code": "000001.SZ", "start_date": "20250101"}, "params.start_date:"),
        ({"ts_code": "000001.SZ", "n": 11}, "params.n: must be an integer 1-10"),
        ({"ts_code": "000001.SZ", "n": "5"}, "params.n: must be an integer 1-10"),
        ({"ts_code": "000001.SZ", "full": "yes"}, "params.full: must be true or false"),
        ({"ts_code": "000001.SZ", "mode": "drop"}, "params.mode: must be one of incr, all"),
        ({"ts_code": "000001.SZ", "zzz": 1}, "params.zzz: unknown parameter"),
        ({"n": 2}, "params.ts_code: required"),
        ({}, "params.ts_code: required"),
    ]
    for params, want in bad:
        r = op.post(url(stack, t["id"], "trigger"), json={"params": params}, timeout=10)
        assert r.status_code == 400 and r.json()["detail"].startswith(want), (params, r.text)
    r = op.post(url(stack, t["id"], "trigger"), timeout=10)  # no body: ts_code is required
    assert r.status_code == 400 and r.json()["detail"].startswith("params.ts_code: required")
    r = op.post(url(stack, t["id"], "trigger"), json={"params": ["x"]}, timeout=10)
    assert r.status_code == 400 and r.json()["detail"].startswith("params:")
    assert executions(stack, t["id"]) == 0 and not (cdir / "ran").exists()


def test_bad_declarations_are_refused_naming_the_field(stack, admin):
    def body(params, **over):
        b = {"name": unique("sec-decl"), "task_type": "manual_task",
             "config": {"command": "true", "params": params}}
        b.update(over)
        return b
    cases = [
        ({"ts_code": {"type": "string", "pattern": "(["}}, "config.params.ts_code.pattern: "),
        ({"Bad": {"type": "string"}}, "config.params.Bad: "),
        ({"x": {"type": "float"}}, "config.params.x.type: "),
        ({"x": {"type": "enum"}}, "config.params.x.values: required"),
        ({"x": {"type": "enum", "values": []}}, "config.params.x.values: "),
        ({"x": {"type": "int", "pattern": "^1$"}}, "config.params.x.pattern: only for string"),
        ({"x": {"type": "int", "min": 5, "max": 1}}, "config.params.x.max: "),
        ({"x": {"type": "date", "default": "2025-13-01"}}, "config.params.x.default: "),
        ({"x": {"type": "string", "pattern": "^a+$", "default": "b"}},
         "config.params.x.default: does not match"),
        ({"x": {"type": "string", "secret": True}}, "config.params.x.secret: unknown field"),
        ({f"p{i}": {"type": "bool", "default": True} for i in range(33)}, "config.params: at most 32"),
    ]
    for params, want in cases:
        r = admin.post(stack.api_url + "/scheduler/tasks", json=body(params), timeout=10)
        assert r.status_code == 400 and r.json()["detail"].startswith(want), (params, r.text)
    # a task that fires by itself gives no values: a required parameter needs a default
    r = admin.post(stack.api_url + "/scheduler/tasks",
                   json=body({"x": {"type": "string"}}, task_type="common_task",
                             cron_expression="0 0 1 1 *"), timeout=10)
    assert r.status_code == 400 and r.json()["detail"].startswith("config.params.x.default")


def test_param_values_reach_the_command_only_as_literal_environment(stack, admin, op, cdir):
    tok = secrets.token_hex(4)
    t = manual(admin, stack,
               "printf 'x=[%s]\\n' \"$ZQ_PARAM_X\"; "
               "printf 'n=%s full=%s day=%s mode=%s\\n' \"$ZQ_PARAM_N\" \"$ZQ_PARAM_FULL\" "
               "\"$ZQ_PARAM_START_DATE\" \"$ZQ_PARAM_MODE\"",
               params={"x": {"type": "string", "max_length": 300}, **{
                   k: v for k, v in PARAMS.items() if k != "ts_code"}})
    evil = (f"$(id) `touch {cdir}/pwned-{tok}-tick`; touch {cdir}/pwned-{tok}; "
            f"\" ' $HOME ${{IFS}} \\ *")
    r = op.post(url(stack, t["id"], "trigger"),
                json={"params": {"x": evil, "n": 7, "full": True}}, timeout=10)
    assert r.status_code == 200, r.text
    want = {"x": evil, "start_date": "2025-01-01", "n": 7, "full": True, "mode": "incr"}
    assert r.json()["params"] == want
    e = wait_final(op, stack, t["id"], r.json()["execution_id"])
    assert e["status"] == "success", e
    assert e["output"]["stdout"] == (f"x=[{evil}]\n"
                                     "n=7 full=true day=2025-01-01 mode=incr\n"), e["output"]
    assert list(cdir.iterdir()) == [], "a parameter value was run as shell text"
    assert e["params"] == want and e["config_override"] is None
    listed = op.get(url(stack, t["id"], "executions"), timeout=10).json()["executions"][0]
    assert listed["id"] == e["id"] and listed["params"] == want
    stored = stack.sql_value(f"SELECT params FROM task_executions WHERE id = {e['id']}")
    assert json.loads(stored) == want


def test_example_task_gets_its_params(stack, admin, op):
    t = create(admin, stack, {"name": unique("sec-ex"), "task_type": "example_task",
                              "cron_expression": "0 0 1 1 *",
                              "config": {"duration_seconds": 0, "steps": 1,
                                         "params": {"who": {"type": "string", "default": "nobody"}}}})
    r = op.post(url(stack, t["id"], "trigger"), json={"params": {"who": "$(id)"}}, timeout=10)
    assert r.status_code == 200, r.text
    e = wait_final(op, stack, t["id"], r.json()["execution_id"])
    assert e["status"] == "success" and e["result"]["params"] == {"who": "$(id)"}


# ---- JSON that two readers read differently --------------------------------------------------

def nested(depth):
    """A JSON object `depth` levels deep ({} is 1)."""
    return "{\"a\": " * (depth - 1) + "{}" + "}" * (depth - 1)


def test_duplicate_keys_and_deep_nesting_are_refused_and_nothing_is_written(stack, admin, op):
    name = unique("sec-dup")
    tasks = lambda: int(stack.sql_value(
        f"SELECT COUNT(*) FROM scheduled_tasks WHERE name = '{name}'"))
    base = f'"name": "{name}", "task_type": "manual_task"'
    r = post_raw(admin, stack.api_url + "/scheduler/tasks",
                 '{' + base + ', "config": {"command": "echo FIRST", "command": "echo SECOND"}}')
    assert r.status_code == 400 and r.json()["detail"] == "body.config: key 'command' given twice"
    r = post_raw(admin, stack.api_url + "/scheduler/tasks",
                 '{' + base + ', "name": "other", "config": {"command": "true"}}')
    assert r.status_code == 400 and r.json()["detail"] == "body: key 'name' given twice"
    r = post_raw(admin, stack.api_url + "/scheduler/tasks",
                 '{' + base + ', "config": {"command": "true", "env": {"A": "1", "B": "2", '
                 '"A": "3"}}}')
    assert r.status_code == 400 and r.json()["detail"] == "body.config.env: key 'A' given twice"
    # MariaDB's JSON stops at 32 levels: a config 31 deep was a 500
    r = post_raw(admin, stack.api_url + "/scheduler/tasks",
                 '{' + base + ', "config": {"command": "true", "deep": ' + nested(30) + '}}')
    assert r.status_code == 400, r.text
    assert r.json()["detail"].endswith("nested deeper than 30 levels"), r.text
    assert tasks() == 0
    # the deepest body accepted (30 levels) is stored and read back as sent
    r = post_raw(admin, stack.api_url + "/scheduler/tasks",
                 '{' + base + ', "config": {"command": "true", "deep": ' + nested(28) + '}}')
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    assert json.dumps(r.json()["config"]["deep"]).count("{") == 28
    # an update with a duplicate leaves the stored config as it was
    r = admin.put(url(stack, tid), data=b'{"config": {"command": "echo A", "command": "echo B"}}',
                  headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 400 and "given twice" in r.json()["detail"]
    assert admin.get(url(stack, tid), timeout=10).json()["config"]["command"] == "true"
    # and a trigger body too
    for text in ('{"params": {"x": "1", "x": "2"}}', '{"params": {}, "params": {}}',
                 '{"params": ' + nested(30) + '}'):
        r = post_raw(op, url(stack, tid, "trigger"), text)
        assert r.status_code == 400, (text, r.text)
    assert executions(stack, tid) == 0


# ---- secrets in configs -------------------------------------------------------------------

def test_env_values_are_write_only_below_admin(stack, admin, op, viewer):
    secret = "sk-" + secrets.token_hex(16)
    t = manual(admin, stack, "true", env={"API_KEY": secret, "REGION": "eu"})
    for who in (viewer, op):
        got = who.get(url(stack, t["id"]), timeout=10).json()["config"]
        assert got["env"] == {"API_KEY": "***", "REGION": "***"} and got["command"] == "true"
        page = who.get(stack.api_url + "/scheduler/tasks", params={"name": t["name"]},
                       timeout=10).json()["tasks"]
        assert page[0]["config"]["env"]["API_KEY"] == "***"
        assert secret not in who.get(url(stack, t["id"]), timeout=10).text
    assert admin.get(url(stack, t["id"]), timeout=10).json()["config"]["env"]["API_KEY"] == secret
    # the admin page's form sends "***" back: the stored value stays
    r = admin.put(url(stack, t["id"]), json={"config": {"command": "true",
                                                        "env": {"API_KEY": "***", "REGION": "us"}}},
                  timeout=10)
    assert r.status_code == 200, r.text
    assert r.json()["config"]["env"] == {"API_KEY": secret, "REGION": "us"}
    r = admin.put(url(stack, t["id"]), json={"config": {"command": "true",
                                                        "env": {"NEW": "***"}}}, timeout=10)
    assert r.status_code == 400 and r.json()["detail"].startswith("config.env.NEW:")
    # an admin's override with a secret: masked in the execution for the others
    r = admin.post(url(stack, t["id"], "trigger"),
                   json={"override": {"env": {"API_KEY": "***", "TOKEN": secret + "-2"}}},
                   timeout=10)
    assert r.status_code == 200, r.text
    eid = r.json()["execution_id"]
    assert viewer.get(url(stack, t["id"], "executions", eid), timeout=10).json()[
        "config_override"] == {"env": {"API_KEY": "***", "TOKEN": "***"}}
    assert admin.get(url(stack, t["id"], "executions", eid), timeout=10).json()[
        "config_override"] == {"env": {"API_KEY": secret, "TOKEN": secret + "-2"}}
    wait_final(admin, stack, t["id"], eid)
    logs = "".join(open(os.path.join(stack.log_dir, f), errors="replace").read()
                   for f in os.listdir(stack.log_dir) if f.startswith("zq-"))
    assert secret not in logs, "an env value reached a daemon's log"


# ---- disabled tasks and admin overrides -------------------------------------------------------

def test_trigger_of_a_disabled_task_is_a_409_and_runs_nothing(stack, admin, op, cdir):
    t = manual(admin, stack, f"touch {cdir}/ran")
    assert op.post(url(stack, t["id"], "disable"), timeout=10).status_code == 200
    r = op.post(url(stack, t["id"], "trigger"), timeout=10)
    assert r.status_code == 409 and r.json() == {"detail": "task is disabled: enable it first"}
    assert admin.post(url(stack, t["id"], "trigger"), json={}, timeout=10).status_code == 409
    assert executions(stack, t["id"]) == 0 and not (cdir / "ran").exists()
    assert op.post(url(stack, t["id"], "enable"), timeout=10).status_code == 200
    r = op.post(url(stack, t["id"], "trigger"), timeout=10)
    assert r.status_code == 200
    assert wait_final(op, stack, t["id"], r.json()["execution_id"])["status"] == "success"
    assert (cdir / "ran").exists()


def test_admin_override_runs_once_and_is_audited_with_keys_and_values(stack, admin, cdir):
    tok = secrets.token_hex(4)
    t = manual(admin, stack, "echo configured", params={"day": {"type": "date",
                                                                "default": "2025-01-01"}})
    r = admin.post(url(stack, t["id"], "trigger"), json={"command": f"echo {tok}"}, timeout=10)
    assert r.status_code == 400 and "{\"override\":" in r.json()["detail"], r.text
    over = {"command": f"echo override-{tok} \"$ZQ_PARAM_DAY\" \"$PASS\"",
            "env": {"PASS": "hunter2-" + tok}}
    r = admin.post(url(stack, t["id"], "trigger"),
                   json={"override": over, "params": {"day": "2024-02-29"}}, timeout=10)
    assert r.status_code == 200, r.text
    eid = r.json()["execution_id"]
    e = wait_final(admin, stack, t["id"], eid)
    assert e["output"]["stdout"] == f"override-{tok} 2024-02-29 hunter2-{tok}\n"
    detail = stack.sql_value(f"SELECT detail FROM audit_log WHERE action = 'trigger' "
                             f"AND target_id = {eid}")
    assert f'"command":"echo override-{tok} \\"$ZQ_PARAM_DAY\\" \\"$PASS\\""' in detail, detail
    assert '"env":{"PASS":"***"}' in detail and "hunter2" not in detail, detail
    assert '"day":"2024-02-29"' in detail, detail
    # the task itself is unchanged: the next plain run is the configured one
    r = admin.post(url(stack, t["id"], "trigger"), timeout=10)
    e = wait_final(admin, stack, t["id"], r.json()["execution_id"])
    assert e["output"]["stdout"] == "configured\n" and e["params"] == {"day": "2025-01-01"}
