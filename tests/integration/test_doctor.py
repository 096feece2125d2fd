"""zq-db doctor: a healthy stack is all ok and exits 0; each thing an operator
gets wrong is a fail (exit 1) or a warn that names it, with a fix line.

Runs on the shared stack. Every broken state lives in a private database on
its server (or a private config file / account), so the shared zq database,
its daemons and its config are never touched."""
import json
import os
import re
import shutil
import subprocess

import pytest

from zqstack import free_port

DB_CHECKS = ["grants", "schema", "skip locked", "clock", "scheduler nodes",
             "pending executions", "overdue tasks"]


def doctor(stack, config, *args, env=None):
    """Run zq-db doctor; returns (rc, stdout, stderr)."""
    e = stack.env("zq-db-doctor")
    e.pop("ZQ_DB_PASSWORD", None)
    e.update(env or {})
    r = subprocess.run([stack.bin("zq-db"), "--config", config, "doctor", *args],
                       capture_output=True, env=e, timeout=60)
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


def report(stack, config, env=None):
    """doctor --json as {check: {status, detail, fix}}, plus the exit status."""
    rc, out, err = doctor(stack, config, "--json", env=env)
    rows = json.loads(out)
    by = {r["check"]: r for r in rows}
    assert len(by) == len(rows), "check names are unique"
    for r in rows:
        assert r["status"] in ("ok", "warn", "fail", "skip"), r
        assert (r["fix"] is not None) == (r["status"] in ("warn", "fail")), r
    return rc, by, out + err


@pytest.fixture()
def private_db(stack):
    """Factory: a database of its own on the stack's server, migrated by the
    zq account unless migrate=False, and a config for it (with overrides,
    e.g. another account); dropped afterwards."""
    made = []

    def make(name, migrate=True, **overrides):
        stack._root_sql(f"DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name};"
                        f"GRANT ALL ON {name}.* TO 'zq'@'localhost';")
        made.append(name)
        conf = stack.write_config(os.path.join(stack.tmp, name + ".conf"), db__name=name)
        if migrate:
            stack.zq_db("migrate", config=conf)
        if overrides:
            conf = stack.write_config(os.path.join(stack.tmp, name + "-as.conf"), db__name=name,
                                      **overrides)
        return conf

    yield make
    for name in made:
        stack._root_sql(f"DROP DATABASE IF EXISTS {name}")


def sql(stack, db, text):
    return stack._root_sql(text, db=db)


def add_node(stack, db, name, age_s, state="running", version="0.1.0"):
    sql(stack, db, "INSERT INTO scheduler_nodes (name, host, pid, version, state, started_at, "
                   f"heartbeat_at) VALUES ('{name}', 'doc-host', 4242, '{version}', '{state}', "
                   f"UTC_TIMESTAMP(3) - INTERVAL 1 DAY, UTC_TIMESTAMP(3) - INTERVAL {age_s} SECOND)")


def add_task(stack, db, name, zone="UTC", next_run_ago_s=None):
    nxt = "NULL" if next_run_ago_s is None else \
        f"UTC_TIMESTAMP(3) - INTERVAL {next_run_ago_s} SECOND"
    sql(stack, db, "INSERT INTO scheduled_tasks (name, job_id, task_type, config, timezone, "
                   f"interval_seconds, next_run_at) VALUES ('{name}', '{name}', 'example_task', "
                   f"'{{}}', '{zone}', 3600, {nxt})")


# ----- a healthy stack -----------------------------------------------------------------

def test_healthy_stack_is_all_ok_and_exits_0(stack):
    rc, by, _ = report(stack, stack.config)
    assert rc == 0
    for check in ["config", "config permissions", "db password", "connection", "grants",
                  "schema", "skip locked", "time zones", "clock", "scheduler nodes"]:
        assert by[check]["status"] == "ok", by[check]
    assert by["config"]["detail"] == "loaded from " + stack.config
    assert "ALL PRIVILEGES on `zq`.*; no global privileges" in by["grants"]["detail"]
    assert "scheduling needs no server time zone tables" in by["time zones"]["detail"]
    assert re.search(r"^\d+ alive", by["scheduler nodes"]["detail"])
    nodes = [r for k, r in by.items() if k.startswith("node ")]
    assert any(r["status"] == "ok" and r["detail"].startswith("alive") for r in nodes), nodes
    # Other modules' tests share this stack (killed daemons, queued work): what
    # they may leave behind is a warning, never a failure.
    for k, r in by.items():
        assert r["status"] == "ok" or (r["status"] == "warn" and (
            k.startswith("node ") or k in ("pending executions", "overdue tasks"))), r


def test_text_output_is_one_line_per_check_with_fix_lines(stack, private_db):
    conf = private_db("zq_doc_text")  # no scheduler ever ran here: a fail with a fix
    rc, out, err = doctor(stack, conf)
    assert rc == 1 and err == ""
    lines = out.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^(ok|warn|fail|skip)  ([a-z ]+|node \S+): \S", line)
        if m:
            has_fix = i + 1 < len(lines) and lines[i + 1].startswith("      fix: ")
            assert has_fix == (m.group(1) in ("warn", "fail")), line
        else:
            assert line.startswith("      fix: "), line
    assert "fail  scheduler nodes: none registered: no zq-scheduler has ever run" in out
    assert stack.db_pw not in out


def test_usage_errors_exit_2(stack):
    rc, _, err = doctor(stack, stack.config, "--verbose")
    assert rc == 2 and "doctor: unknown option" in err and "doctor [--json]" in err


# ----- (a) the config file ---------------------------------------------------------

@pytest.mark.parametrize("mode,group,status", [
    (0o644, None, "fail"),       # every user can read the password
    (0o604, None, "fail"),
    (0o640, "users", "warn"),    # a login group can read it
    (0o640, "root", "ok"),       # a group that is no one's login group
    (0o600, None, "ok"),
])
def test_config_permissions(stack, mode, group, status):
    path = stack.write_config(os.path.join(stack.tmp, f"perm-{mode:o}-{group}.conf"))
    os.chmod(path, mode)
    if group:
        shutil.chown(path, group=group)
    rc, by, text = report(stack, path)
    perm = by["config permissions"]
    assert perm["status"] == status, perm
    assert perm["detail"].startswith(f"mode {mode:04o}, owner root:{group or 'root'}")
    assert rc == (1 if status == "fail" else 0)
    if status == "fail":
        assert "every user on this host can read it" in perm["detail"]
        assert f"chmod 0600 {path}" in perm["fix"]
    if status == "warn":
        assert "group 'users' is a login group" in perm["detail"]
    assert stack.db_pw not in text


def test_world_readable_config_without_a_password_is_fine(stack):
    """The password from the environment, the file holds none: mode 0644 is ok."""
    path = stack.write_config(os.path.join(stack.tmp, "nopw.conf"), db__password="")
    os.chmod(path, 0o644)
    rc, by, text = report(stack, path, env={"ZQ_DB_PASSWORD": stack.db_pw})
    assert rc == 0, text
    assert by["config permissions"]["status"] == "ok"
    assert "holds no db.password" in by["config permissions"]["detail"]
    assert by["db password"]["detail"] == "from environment ZQ_DB_PASSWORD"
    assert by["connection"]["status"] == "ok"
    assert stack.db_pw not in text


def test_environment_password_overrides_the_file(stack):
    path = stack.write_config(os.path.join(stack.tmp, "envpw.conf"),
                              db__password="stale-file-password")
    rc, by, text = report(stack, path, env={"ZQ_DB_PASSWORD": stack.db_pw})
    assert rc == 0 and by["connection"]["status"] == "ok"
    assert by["db password"]["detail"] == \
        f"from environment ZQ_DB_PASSWORD (it overrides db.password in {path})"
    assert "stale-file-password" not in text and stack.db_pw not in text


# ----- (d) the connection -------------------------------------------------------------

def assert_rest_skipped(by):
    for check in DB_CHECKS:
        assert by[check]["status"] == "skip", by[check]
        assert by[check]["detail"] == "needs the database connection"
    assert not [k for k in by if k.startswith("node ")]


def test_wrong_password_fails_the_connection_and_skips_the_rest(stack):
    path = stack.write_config(os.path.join(stack.tmp, "doc-badpw.conf"),
                              db__password="wrong-doctor-pw")
    rc, by, text = report(stack, path)
    assert rc == 1
    conn = by["connection"]
    assert conn["status"] == "fail" and "Access denied for user 'zq'" in conn["detail"]
    assert "db.password" in conn["fix"]
    assert_rest_skipped(by)
    assert "wrong-doctor-pw" not in text and stack.db_pw not in text


def test_unreachable_server_fails_the_connection_and_skips_the_rest(stack):
    """What a stopped server looks like: nothing listens at the configured address."""
    path = stack.write_config(os.path.join(stack.tmp, "doc-down.conf"), db__socket="",
                              db__host="127.0.0.1", db__port=str(free_port()))
    rc, by, text = report(stack, path)
    assert rc == 1
    conn = by["connection"]
    assert conn["status"] == "fail" and "Connection refused" in conn["detail"]
    assert "is the database server running?" in conn["fix"]
    assert_rest_skipped(by)
    assert stack.db_pw not in text


# ----- grants --------------------------------------------------------------------------

@pytest.fixture()
def account(stack):
    """Factory: a MariaDB account with the given grants; dropped afterwards."""
    made = []

    def make(name, *grants):
        pw = "pw-" + name
        stack._root_sql(f"DROP USER IF EXISTS '{name}'@'localhost';"
                        f"CREATE USER '{name}'@'localhost' IDENTIFIED BY '{pw}';" +
                        "".join(f"GRANT {g} TO '{name}'@'localhost';" for g in grants))
        made.append(name)
        return {"db__user": name, "db__password": pw}

    yield make
    for name in made:
        stack._root_sql(f"DROP USER IF EXISTS '{name}'@'localhost'")


def test_grants_dml_only_warns_that_migrations_will_fail(stack, private_db, account):
    creds = account("zqdoc_dml", "SELECT, INSERT, UPDATE, DELETE ON `zq\\_doc\\_grants`.*")
    conf = private_db("zq_doc_grants", **creds)
    add_node(stack, "zq_doc_grants", "doc-live", 0)
    rc, by, _ = report(stack, conf)
    g = by["grants"]
    assert g["status"] == "warn" and rc == 0, g
    assert "missing CREATE, ALTER, INDEX, DROP, CREATE VIEW on `zq_doc_grants`.*: " \
           "migrations will fail" in g["detail"]
    assert "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE" in g["fix"]
    assert "TO 'zqdoc_dml'@'localhost'" in g["fix"]


def test_grants_missing_dml_fails(stack, private_db, account):
    creds = account("zqdoc_ro", "SELECT ON `zq_doc_ro`.*")
    conf = private_db("zq_doc_ro", **creds)
    rc, by, text = report(stack, conf)
    assert rc == 1
    g = by["grants"]
    assert g["status"] == "fail", g
    assert "missing INSERT, UPDATE, DELETE on `zq_doc_ro`.*: zq cannot use its tables" in g["detail"]
    pwhash = stack._root_sql("SELECT PASSWORD('pw-zqdoc_ro')")[0][0]
    assert "IDENTIFIED" not in text and pwhash not in text  # grant lines are never printed


def test_grants_global_privileges_warn(stack, private_db, account):
    creds = account("zqdoc_root", "ALL PRIVILEGES ON *.*")
    conf = private_db("zq_doc_global", **creds)
    add_node(stack, "zq_doc_global", "doc-live", 0)
    rc, by, _ = report(stack, conf)
    g = by["grants"]
    assert g["status"] == "warn" and rc == 0, g
    assert "global privileges (ALL PRIVILEGES ON *.*)" in g["detail"]
    assert g["fix"].startswith("least privilege: REVOKE ALL PRIVILEGES")


# ----- (e) the schema version ------------------------------------------------------------

def test_schema_older_and_newer_than_the_binary(stack, private_db):
    conf = private_db("zq_doc_schema")
    expected = int(sql(stack, "zq_doc_schema", "SELECT MAX(version) FROM schema_migrations")[0][0])
    sql(stack, "zq_doc_schema", f"DELETE FROM schema_migrations WHERE version = {expected}")
    rc, by, _ = report(stack, conf)
    s = by["schema"]
    assert rc == 1 and s["status"] == "fail", s
    assert f"this zq-db expects {expected}" in s["detail"]
    assert s["fix"] == f"run `zq-db --config {conf} migrate`"
    assert by["scheduler nodes"]["status"] != "skip"  # the tables are there: still read

    sql(stack, "zq_doc_schema", f"INSERT INTO schema_migrations (version, name) VALUES "
                                f"({expected}, 'x'), (999, '999_future')")
    rc, by, _ = report(stack, conf)
    s = by["schema"]
    assert rc == 1 and s["status"] == "fail"
    assert s["detail"] == f"version 999 is newer than this zq-db ({expected})"
    assert "upgrade the binaries" in s["fix"]


def test_unmigrated_database_fails_and_skips_the_table_checks(stack, private_db):
    conf = private_db("zq_doc_empty", migrate=False)
    rc, by, _ = report(stack, conf)
    assert rc == 1
    assert by["schema"]["status"] == "fail" and "migrate" in by["schema"]["fix"]
    for check in ("scheduler nodes", "pending executions", "overdue tasks"):
        assert by[check]["status"] == "skip"
        assert by[check]["detail"] == "needs the zq tables (schema not migrated)"


# ----- (b) scheduler nodes ---------------------------------------------------------------

def test_no_node_ever_registered_fails(stack, private_db):
    conf = private_db("zq_doc_nonode")
    rc, by, _ = report(stack, conf)
    assert rc == 1
    n = by["scheduler nodes"]
    assert n["status"] == "fail" and "no zq-scheduler has ever run" in n["detail"]
    assert "start zq-scheduler" in n["fix"]


def test_stale_heartbeat_is_a_lost_node_and_nothing_fires(stack, private_db):
    """A scheduler that stopped beating 10 minutes ago (lease 6 s), and one a
    peer already marked lost: both named; no live node is a fail."""
    conf = private_db("zq_doc_nodes")
    add_node(stack, "zq_doc_nodes", "doc-stale", 600)
    add_node(stack, "zq_doc_nodes", "doc-marked-lost", 1200, state="lost")
    add_node(stack, "zq_doc_nodes", "doc-stopped", 3600, state="stopped")
    rc, by, _ = report(stack, conf)
    assert rc == 1
    n = by["scheduler nodes"]
    assert n["status"] == "fail" and "nothing will fire" in n["detail"], n
    assert "3 registered, lease 6 s" in n["detail"]
    stale = by["node doc-stale"]
    assert stale["status"] == "warn"
    assert stale["detail"].startswith("lost: last heartbeat 10 min ago, longer than the lease (6 s)")
    assert "doc-host" in stale["fix"] and "4242" in stale["fix"]
    assert by["node doc-marked-lost"]["status"] == "warn"
    assert "marked lost by a peer" in by["node doc-marked-lost"]["detail"]
    assert "node doc-stopped" not in by  # a clean stop is not news

    # a live node next to the stale one: the stale one is still a warning,
    # and a node running another zq version is named
    add_node(stack, "zq_doc_nodes", "doc-alive-old", 0, version="0.0.1")
    rc, by, _ = report(stack, conf)
    assert rc == 0
    assert by["scheduler nodes"]["status"] == "ok"
    assert by["scheduler nodes"]["detail"].startswith("1 alive (4 registered")
    assert by["node doc-stale"]["status"] == "warn"
    old = by["node doc-alive-old"]
    assert old["status"] == "warn" and "version 0.0.1 but this zq-db is" in old["detail"]


# ----- (c) overdue work, time zones ------------------------------------------------------

def test_overdue_pending_execution_and_task(stack, private_db):
    db = "zq_doc_pending"
    conf = private_db(db)
    add_node(stack, db, "doc-live", 0)
    add_task(stack, db, "doc-late-task", next_run_ago_s=3600)  # grace 60 s + 60 s long gone
    add_task(stack, db, "doc-fresh-task", next_run_ago_s=30)   # within grace: not reported
    sql(stack, db, "INSERT INTO task_executions (task_id, trigger_type, status, not_before) "
                   "SELECT id, 'manual', 'pending', UTC_TIMESTAMP(3) - INTERVAL 120 SECOND "
                   "FROM scheduled_tasks WHERE name = 'doc-late-task'")
    rc, by, _ = report(stack, conf)
    assert rc == 0  # warnings only: a node is alive
    p = by["pending executions"]
    assert p["status"] == "warn", p
    assert re.fullmatch(r"1 waiting more than 60 s past their start time; the oldest, "
                        r"execution \d+ of task 'doc-late-task', for 2 min", p["detail"]), p
    assert "not keeping up" in p["fix"]
    o = by["overdue tasks"]
    assert o["status"] == "warn"
    assert "1 enabled task(s)" in o["detail"] and "'doc-late-task', by 60 min" in o["detail"]

    # stuck for 15 minutes with no live node: a failure
    sql(stack, db, "UPDATE scheduler_nodes SET heartbeat_at = UTC_TIMESTAMP(3) - INTERVAL 1 HOUR")
    sql(stack, db, "UPDATE task_executions SET not_before = UTC_TIMESTAMP(3) - INTERVAL 15 MINUTE")
    rc, by, _ = report(stack, conf)
    assert rc == 1
    assert by["pending executions"]["status"] == "fail"
    assert "for 15 min" in by["pending executions"]["detail"]
    assert by["pending executions"]["fix"].startswith("start zq-scheduler")


def test_a_task_zone_that_does_not_load_fails(stack, private_db):
    db = "zq_doc_tz"
    conf = private_db(db)
    add_node(stack, db, "doc-live", 0)
    add_task(stack, db, "doc-berlin", zone="Europe/Berlin")
    add_task(stack, db, "doc-mars", zone="Mars/Base")
    rc, by, _ = report(stack, conf)
    assert rc == 1
    tz = by["time zones"]
    assert tz["status"] == "fail", tz
    assert "zones in use that load: UTC, Europe/Berlin" in tz["detail"]
    assert "1 task uses 'Mars/Base', which does not load" in tz["detail"]
    assert "tzdata" in tz["fix"]
