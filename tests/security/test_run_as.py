"""Task commands do not run as the daemon (scheduler.run_as): a command that
anyone with the operator role can schedule tries to read the configuration
with the database password, to become root again, and to reach MariaDB as
root; a root zq-scheduler that would hand commands root refuses to start.

The suite's stack runs its daemons as root (CI does), so its scheduler runs
commands as zq-run (tests/zqstack.py). Tests that start differently
configured daemons use a private database on the same MariaDB."""
import json
import os
import pwd
import shutil
import signal
import stat
import subprocess
import time

import pytest

from api_util import create, unique
from zqstack import RUN_AS, Proc, command_dir, wait_for

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="run_as needs a root zq-scheduler (CI runs the suites as root)")

FINAL = ("success", "failed", "completed", "terminated", "skipped")


def run_command(stack, admin, command, **config):
    """Create and trigger a manual task running command; its final execution."""
    task = create(admin, stack, {"name": unique("runas"), "task_type": "manual_task",
                                 "max_retries": 0, "config": {"command": command, **config}})
    url = f"{stack.api_url}/scheduler/tasks/{task['id']}"
    r = admin.post(url + "/trigger", timeout=10)
    assert r.status_code == 200, r.text
    eid = r.json()["execution_id"]

    def final():
        e = admin.get(f"{url}/executions/{eid}", timeout=10).json()
        return e if e["status"] in FINAL else None
    return wait_for(final, timeout=30, what=f"execution {eid}")


def everything(e):
    """All the text an execution shows its viewers."""
    out = e.get("output") or {}
    return "\n".join(str(x) for x in (out.get("stdout"), out.get("stderr"), e.get("error_message"),
                                      e.get("result")))


def test_a_command_cannot_read_the_config_file(stack, admin):
    assert stack.db_pw in open(stack.config).read()  # the secret is there to be stolen
    e = run_command(stack, admin, f"cat {stack.config}; cat /proc/1/environ")
    assert e["status"] == "failed", e
    assert e["output"]["exit_code"] == 1, e["output"]
    assert "Permission denied" in e["output"]["stderr"], e["output"]
    assert e["error_message"] == "exit code 1"
    text = everything(e)
    assert stack.db_pw not in text and stack.root_pw not in text


def test_a_command_runs_as_the_unprivileged_user(stack, admin):
    u = pwd.getpwnam(RUN_AS)
    e = run_command(stack, admin, 'id -u; id -g; id -G; echo "$HOME|$USER|$LOGNAME"')
    assert e["status"] == "success", e
    uid, gid, groups, env = e["output"]["stdout"].splitlines()
    assert int(uid) == u.pw_uid != 0
    assert int(gid) == u.pw_gid and "0" not in groups.split()
    assert env == f"{u.pw_dir}|{RUN_AS}|{RUN_AS}"


def test_a_command_cannot_regain_root(stack, admin):
    """os.setuid(0) fails; a setuid-root program gains nothing (no_new_privs),
    though the same program does make zq-run root when run without it."""
    d = command_dir("zq-suid-")
    try:
        suid = d / "id"
        shutil.copy("/usr/bin/id", suid)
        os.chown(suid, 0, 0)
        os.chmod(suid, 0o4755)
        control = subprocess.run(["setpriv", f"--reuid={RUN_AS}", f"--regid={RUN_AS}",
                                  "--clear-groups", str(suid), "-u"],
                                 capture_output=True, text=True)
        assert control.stdout.strip() == "0", "the setuid bit works here: " + control.stderr
        e = run_command(stack, admin,
                        f"{suid} -u; grep -E '^(NoNewPrivs|CapEff):' /proc/self/status; "
                        "/usr/bin/python3 -c 'import os; os.setuid(0)'")
        assert e["status"] == "failed", e
        out = e["output"]
        assert out["stdout"].splitlines()[0] == str(pwd.getpwnam(RUN_AS).pw_uid), out
        assert "NoNewPrivs:\t1" in out["stdout"] and "CapEff:\t0000000000000000" in out["stdout"]
        assert "PermissionError" in out["stderr"], out
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_a_command_cannot_reach_mariadb_as_root(stack, admin):
    # every root account has the password (none left empty by mariadb-install-db)
    assert stack._root_sql("SELECT User, Host FROM mysql.user WHERE User = 'root' AND "
                           "authentication_string = ''") == []
    e = run_command(stack, admin, " ; ".join([
        f"mariadb --no-defaults -uroot -h127.0.0.1 -P{stack.db_port} --protocol=TCP -e 'SELECT 1'",
        f"mariadb --no-defaults -uroot -S {stack.sock} -e 'SELECT 1'",
        f"mariadb --no-defaults -uzq -h127.0.0.1 -P{stack.db_port} --protocol=TCP -e 'SELECT 1'",
        f"ls {stack.tmp}",
        "echo done"]))
    out = e["output"]
    assert out["stdout"] == "done\n", out
    assert out["stderr"].count("Access denied for user") == 2, out["stderr"]
    assert "Permission denied" in out["stderr"]  # the socket's directory, and the stack's


def test_the_stack_runs_commands_as_zq_run_and_says_so(stack):
    log = stack.schedulers[0].output()
    assert f"RUN_AS commands run as {RUN_AS} (uid {pwd.getpwnam(RUN_AS).pw_uid}" in log
    assert "WARN" not in log.split("RUN_AS")[0].splitlines()[-1]


# ---- a task's own run_as (scheduler.run_as_allowed) ------------------------------------------

ALLOWED = "nobody"   # the one user the suite's scheduler lets a task name, for this section


@pytest.fixture(scope="module")
def allow_list(stack):
    """The suite's scheduler with scheduler.run_as_allowed = nobody, through a
    SIGHUP (and back to no list afterwards, the same way)."""
    sched = stack.schedulers[0]

    def reload(*, allowed):
        before = sched.output().count("SIGHUP: RUN_AS")
        stack.write_config(**({"scheduler__run_as_allowed": allowed} if allowed else {}))
        sched.send(signal.SIGHUP)
        wait_for(lambda: sched.output().count("SIGHUP: RUN_AS") > before, timeout=10,
                 what="the SIGHUP reload")
        return sched.output().rsplit("SIGHUP: RUN_AS", 1)[1].splitlines()[0]

    line = reload(allowed=ALLOWED)
    assert f"a task's run_as may also be: {ALLOWED}" in line, line
    yield
    assert "tasks may not choose another user" in reload(allowed="")


@pytest.fixture()
def open_dir():
    """A directory any user may write in: a marker a command leaves there
    shows it ran, whoever it ran as."""
    d = command_dir("zq-runas-task-")
    os.chmod(d, 0o1777)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def executions(admin, stack, task_id):
    r = admin.get(f"{stack.api_url}/scheduler/tasks/{task_id}/executions", timeout=10)
    assert r.status_code == 200, r.text
    body = r.json()
    return body["executions"]


def test_a_task_runs_as_the_allowed_user_it_names(stack, admin, allow_list, open_dir):
    u = pwd.getpwnam(ALLOWED)
    e = run_command(stack, admin, f'id -u; echo "$USER"; touch {open_dir}/ran', run_as=ALLOWED)
    assert e["status"] == "success", e
    assert e["output"]["stdout"] == f"{u.pw_uid}\n{ALLOWED}\n", e["output"]
    assert os.stat(open_dir / "ran").st_uid == u.pw_uid
    # and a task naming none still runs as scheduler.run_as
    e = run_command(stack, admin, "id -u")
    assert e["output"]["stdout"] == f"{pwd.getpwnam(RUN_AS).pw_uid}\n", e


@pytest.mark.parametrize("who", ["root", "0", "daemon"])
def test_a_task_naming_a_user_not_allowed_never_runs(stack, admin, allow_list, open_dir, who):
    """root, uid 0 and an existing user outside the list: the run fails with
    the reason, the command never starts, and it is not retried."""
    task = create(admin, stack, {"name": unique("runas-deny"), "task_type": "manual_task",
                                 "max_retries": 3, "retry_interval": 1,
                                 "config": {"command": f"touch {open_dir}/ran", "run_as": who}})
    url = f"{stack.api_url}/scheduler/tasks/{task['id']}"
    r = admin.post(url + "/trigger", timeout=10)
    assert r.status_code == 200, r.text
    eid = r.json()["execution_id"]
    e = wait_for(lambda: (lambda x: x if x["status"] in FINAL else None)(
        admin.get(f"{url}/executions/{eid}", timeout=10).json()), timeout=30, what="the run")
    assert e["status"] == "failed", e
    assert e["error_message"] == f"run_as {who} is not in scheduler.run_as_allowed", e
    # a retry row would be written with the failure, in the same transaction
    assert [x["id"] for x in executions(admin, stack, task["id"])] == [eid]
    assert not os.path.exists(open_dir / "ran")


def test_an_operator_cannot_override_run_as(stack, admin, allow_list, open_dir):
    task = create(admin, stack, {"name": unique("runas-op"), "task_type": "manual_task",
                                 "config": {"command": f"touch {open_dir}/ran"}})
    url = f"{stack.api_url}/scheduler/tasks/{task['id']}/trigger"
    op = stack.session("operator")
    for body in ({"override": {"run_as": ALLOWED}}, {"override": {"run_as": "root"}},
                 {"run_as": "root"}, {"config": {"run_as": "root"}}):
        r = op.post(url, json=body, timeout=10)
        assert r.status_code == 400, (body, r.text)
    assert "'override' is for admins" in op.post(url, json={"override": {"run_as": "root"}},
                                                 timeout=10).text
    assert executions(admin, stack, task["id"]) == []
    assert not os.path.exists(open_dir / "ran")


def test_an_admin_override_of_run_as_is_checked_against_the_list(stack, admin, allow_list,
                                                                 open_dir):
    task = create(admin, stack, {"name": unique("runas-adm"), "task_type": "manual_task",
                                 "max_retries": 0,
                                 "config": {"command": f"id -u; touch {open_dir}/ran-$(id -u)"}})
    url = f"{stack.api_url}/scheduler/tasks/{task['id']}"

    def trigger(run_as):
        r = admin.post(url + "/trigger", json={"override": {"run_as": run_as}}, timeout=10)
        assert r.status_code == 200, r.text   # the API cannot know the scheduler's list
        eid = r.json()["execution_id"]
        return wait_for(lambda: (lambda x: x if x["status"] in FINAL else None)(
            admin.get(f"{url}/executions/{eid}", timeout=10).json()), timeout=30, what="the run")

    e = trigger("root")
    assert e["status"] == "failed", e
    assert e["error_message"] == "run_as root is not in scheduler.run_as_allowed", e
    assert list(open_dir.iterdir()) == []
    e = trigger(ALLOWED)
    assert e["status"] == "success", e
    uid = pwd.getpwnam(ALLOWED).pw_uid
    assert e["output"]["stdout"] == f"{uid}\n"
    assert [p.name for p in open_dir.iterdir()] == [f"ran-{uid}"]


# ---- daemons that must not start, and the ways that do -------------------------------------

@pytest.fixture(scope="module")
def private_db(stack):
    """A migrated database of its own, so the daemons below never claim the
    suite's work."""
    name = "zq_runas"
    stack._root_sql(f"DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name};"
                    f"GRANT ALL ON {name}.* TO 'zq'@'localhost';"
                    f"GRANT ALL ON {name}.* TO 'zq'@'127.0.0.1';")
    stack.zq_db("migrate", config=stack.write_config(os.path.join(stack.tmp, name + ".conf"),
                                                        db__name=name))
    return name


def scheduler_once(stack, name, **overrides):
    """Run zq-scheduler with a config of overrides; (exit code, stderr)."""
    conf = stack.write_config(os.path.join(stack.tmp, name + ".conf"), **overrides)
    r = subprocess.run([stack.bin("zq-scheduler"), "--config", conf], capture_output=True,
                       text=True, timeout=30, env=stack.env(name))
    return r.returncode, r.stderr


def test_a_root_daemon_without_run_as_refuses_to_start(stack):
    t0 = time.monotonic()
    rc, err = scheduler_once(stack, "runas-unset", scheduler__run_as="")
    assert rc == 2, err
    assert ("zq-scheduler: config: scheduler.run_as is not set and zq-scheduler runs as root"
            in err), err
    assert "scheduler.allow_root_commands = true" in err
    assert time.monotonic() - t0 < 10  # before waiting for the database


def test_run_as_naming_no_user_refuses_to_start(stack):
    rc, err = scheduler_once(stack, "runas-nouser", scheduler__run_as="zq-no-such-user")
    assert rc == 2, err
    assert "zq-scheduler: config: scheduler.run_as: no such user 'zq-no-such-user'" in err
    rc, err = scheduler_once(stack, "runas-root", scheduler__run_as="root")
    assert rc == 2 and "scheduler.run_as: names root (uid 0)" in err, err
    rc, err = scheduler_once(stack, "runas-allowed", scheduler__run_as_allowed="zq-no-such-user")
    assert rc == 2, err
    assert "scheduler.run_as_allowed: 'zq-no-such-user': no such user" in err


def start_and_stop(stack, name, conf, argv_prefix=(), env_extra=None):
    env = stack.env(name)
    env.update(env_extra or {})
    p = Proc(name, [*argv_prefix, stack.bin("zq-scheduler"), "--config", conf],
             os.path.join(stack.log_dir, name + ".log"), env=env)
    try:
        wait_for(lambda: "START node=" in p.output() or not p.alive(), timeout=30,
                 what=f"{name} start")
        assert p.alive(), p.output()
    finally:
        rc = p.stop(timeout=30)
    assert rc == 0, p.output()
    return p.output()


def test_allow_root_commands_starts_and_warns(stack, private_db):
    conf = stack.write_config(os.path.join(stack.tmp, "runas-allow-root.conf"),
                              db__name=private_db, scheduler__run_as="",
                              scheduler__allow_root_commands="true")
    log = start_and_stop(stack, "runas-allow-root", conf)
    warn = [line for line in log.splitlines() if "RUN_AS" in line]
    assert len(warn) == 1 and " WARN " in warn[0], log
    assert "commands run as root (uid 0), the daemon's own user" in warn[0]
    assert "can read this daemon's configuration (db.password)" in warn[0]


def test_a_non_root_daemon_needs_nothing_and_cannot_switch(stack, private_db):
    """The Debian package's way: the daemon itself runs as an unprivileged
    user with run_as unset; naming another user is refused."""
    d = command_dir("zq-nonroot-")
    try:
        u = pwd.getpwnam(RUN_AS)
        conf = str(d / "zq.conf")
        common = dict(db__name=private_db, db__socket="", db__host="127.0.0.1",
                      scheduler__wakeup_dir="")
        stack.write_config(conf, scheduler__run_as="", **common)
        os.chown(conf, u.pw_uid, u.pw_gid)
        as_user = ("setpriv", f"--reuid={RUN_AS}", f"--regid={RUN_AS}", "--init-groups")
        san = {"ASAN_OPTIONS": f"detect_leaks=1:abort_on_error=0:log_path={d}/asan"}
        log = start_and_stop(stack, "runas-nonroot", conf, as_user, san)
        assert f"RUN_AS commands run as the daemon's own user {RUN_AS} (uid {u.pw_uid})" in log
        stack.write_config(conf, scheduler__run_as="nobody", **common)
        r = subprocess.run([*as_user, stack.bin("zq-scheduler"), "--config", conf],
                           capture_output=True, text=True, timeout=30,
                           env={**stack.env("runas-nonroot-2"), **san})
        assert r.returncode == 2, r.stderr
        assert (f"scheduler.run_as: zq-scheduler runs as {RUN_AS} (uid {u.pw_uid}), not root, "
                "and cannot run commands as another user") in r.stderr
        reports = [f.name for f in d.iterdir() if f.name.startswith("asan")]
        assert reports == [], [open(d / f).read() for f in reports]
    finally:
        shutil.rmtree(d, ignore_errors=True)


# ---- a non-root daemon given CAP_SETUID, CAP_SETGID and CAP_KILL (the package's unit) --------

CAPS = ("setuid", "setgid", "kill")


def capable(user, caps=CAPS):
    """setpriv as systemd starts User=USER AmbientCapabilities=... with
    NoNewPrivileges=yes."""
    c = ",".join("+" + x for x in caps)
    gid = pwd.getpwnam(user).pw_gid
    return ("setpriv", f"--reuid={user}", f"--regid={gid}", "--init-groups",
            f"--inh-caps={c}", f"--ambient-caps={c}", "--no-new-privs")


def private_trigger(stack, db, command, **config):
    """A manual task and its pending execution in db, as zq-api writes them."""
    from run_state import refresh_sql, transaction
    name = unique("runas-caps")
    cfg = json.dumps({"command": command, **config}).replace("\\", "\\\\").replace("'", "\\'")
    stack._root_sql(f"INSERT INTO scheduled_tasks (name, job_id, task_type, config, max_retries) "
                    f"VALUES ('{name}', '{name[:64]}', 'manual_task', '{cfg}', 0)", db=db)
    tid = stack._root_sql(f"SELECT id FROM scheduled_tasks WHERE name = '{name}'", db=db)[0][0]
    return stack._root_sql(transaction(
        f"INSERT INTO task_executions (task_id, trigger_type, status, scheduled_time, not_before, "
        f"created_by) VALUES ({tid}, 'manual', 'pending', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), "
        f"'test'); SELECT LAST_INSERT_ID(); " + refresh_sql(f"t.id = {tid}")), db=db)[0][0]


def private_result(stack, db, eid):
    """(status, error_message, stdout, stderr) once it has ended (hex: one line)."""
    q = (f"SELECT e.status, HEX(e.error_message), HEX(o.stdout_tail), HEX(o.stderr_tail) "
         f"FROM task_executions e LEFT JOIN execution_output o ON o.execution_id = e.id "
         f"WHERE e.id = {eid}")

    def final():
        rows = stack._root_sql(q, db=db)
        if not rows or rows[0][0] not in FINAL:
            return None
        return [rows[0][0]] + [bytes.fromhex(c or "").decode() for c in rows[0][1:]]
    return wait_for(final, timeout=30, what=f"execution {eid}")


def test_a_capable_non_root_daemon_runs_commands_as_run_as_with_no_capability(stack, private_db):
    """zq-scheduler as nobody holding CAP_SETUID/CAP_SETGID/CAP_KILL (ambient,
    no_new_privs) runs commands as zq-run: the command holds no capability,
    cannot become root or read the daemon's config, and a timeout still
    stops it (CAP_KILL). Without CAP_KILL it refuses to start."""
    d = command_dir("zq-capable-")
    try:
        daemon, u = pwd.getpwnam("nobody"), pwd.getpwnam(RUN_AS)
        os.chown(d, daemon.pw_uid, daemon.pw_gid)
        conf = str(d / "zq.conf")
        stack.write_config(conf, db__name=private_db, db__socket="", db__host="127.0.0.1",
                           scheduler__wakeup_dir="", scheduler__kill_grace_s="1",
                           scheduler__run_as=RUN_AS)
        os.chown(conf, daemon.pw_uid, daemon.pw_gid)   # 0600: only the daemon reads it
        san = {"ASAN_OPTIONS": f"detect_leaks=1:abort_on_error=0:log_path={d}/asan"}
        env = {**stack.env("runas-capable"), **san}
        r = subprocess.run([*capable("nobody", ("setuid", "setgid")), stack.bin("zq-scheduler"),
                            "--config", conf], capture_output=True, text=True, timeout=30, env=env)
        assert r.returncode == 2, r.stderr
        assert "holds CAP_SETUID and CAP_SETGID but not CAP_KILL" in r.stderr, r.stderr
        p = Proc("runas-capable", [*capable("nobody"), stack.bin("zq-scheduler"), "--config", conf],
                 os.path.join(stack.log_dir, "runas-capable.log"), env=env)
        try:
            wait_for(lambda: "START node=" in p.output() or not p.alive(), timeout=30,
                     what="the capable daemon's start")
            assert p.alive(), p.output()
            with open(f"/proc/{p.pid}/status") as f:
                status = f.read()
            assert "CapEff:\t00000000000000e0" in status and "CapAmb:\t00000000000000e0" in status
            assert (f"RUN_AS commands run as {RUN_AS} (uid {u.pw_uid}" in p.output() and
                    "switched to by nobody" in p.output()), p.output()
            ran = private_trigger(stack, private_db, (
                "id -u; grep -E '^(Cap(Inh|Prm|Eff|Amb)|NoNewPrivs):' /proc/self/status; "
                f"cat {conf}; /usr/bin/python3 -c 'import os; os.setuid(0)'"))
            slow = private_trigger(stack, private_db, "sleep 30", timeout_seconds=1)
            status_, error, out, err = private_result(stack, private_db, ran)
            assert status_ == "failed", (error, out, err)
            lines = out.splitlines()
            assert lines[0] == str(u.pw_uid), out
            for cap in ("CapInh", "CapPrm", "CapEff", "CapAmb"):
                assert f"{cap}:\t0000000000000000" in lines, out
            assert "NoNewPrivs:\t1" in lines and stack.db_pw not in out, out
            assert f"cat: {conf}: Permission denied" in err and "PermissionError" in err, err
            t0 = time.monotonic()
            status_, error, out, err = private_result(stack, private_db, slow)
            assert (status_, error) == ("failed", "timed out after 1 s"), (status_, error, err)
            assert time.monotonic() - t0 < 10
            # nothing of the command is left (the TERM reached zq-run's group)
            assert [pid for pid in os.listdir("/proc") if pid.isdigit() and
                    os.path.exists(f"/proc/{pid}/cmdline") and
                    open(f"/proc/{pid}/cmdline", "rb").read() == b"sleep\0" + b"30\0" and
                    os.stat(f"/proc/{pid}").st_uid == u.pw_uid] == []
        finally:
            rc = p.stop(timeout=30)
        assert rc == 0, p.output()
        reports = [f.name for f in d.iterdir() if f.name.startswith("asan")]
        assert reports == [], [open(d / f).read() for f in reports]
    finally:
        shutil.rmtree(d, ignore_errors=True)


def launcher(var, fn):
    """Run one function of ./zq (with its helpers) against var/ as VAR."""
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
        __file__)))), "zq")
    script = (f"set -euo pipefail; source <(sed -n '/^RUN_AS_USER=/p;/^say()/p;/^die()/p;"
              f"/^{fn}()/,/^}}/p' {src}); VAR={var}; {fn}")
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True)


def test_an_upgraded_zq_up_config_gets_run_as(tmp_path_factory):
    """./zq up on a var/zq.conf from before run_as adds it, so the root
    scheduler it restarts starts (and runs commands as zq-run), once."""
    d = tmp_path_factory.mktemp("var")
    conf = d / "zq.conf"
    conf.write_text("timezone = UTC\n\n[db]\npassword = \"pw\"\n\n[scheduler]\nthreads = 8\n"
                    "\n[api]\nthreads = 4\n")
    os.chmod(conf, 0o600)
    r = launcher(d, "add_run_as")
    assert r.returncode == 0, r.stderr
    assert f"added run_as = {RUN_AS} to [scheduler]" in r.stdout
    text = conf.read_text()
    assert f"[scheduler]\nrun_as = {RUN_AS}\nthreads = 8\n" in text, text
    assert stat.S_IMODE(os.stat(conf).st_mode) == 0o600
    assert launcher(d, "add_run_as").stdout == "" and conf.read_text() == text  # once
    # an operator's own choice stays
    conf.write_text("[scheduler]\nallow_root_commands = true\n")
    assert launcher(d, "add_run_as").returncode == 0
    assert conf.read_text() == "[scheduler]\nallow_root_commands = true\n"
    conf.write_text("db.name = zq\n")
    launcher(d, "add_run_as")
    assert conf.read_text() == f"db.name = zq\n\n[scheduler]\nrun_as = {RUN_AS}\n"
