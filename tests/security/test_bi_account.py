"""The reporting (BI) account as the attacker: a user made by `zq-db bi-user
create`, holding its password, connecting over TCP as a BI tool would. It may
read every bi_* view; every other read, every write, every DDL, every grant
and every server setting fails with MariaDB's own error, and the test checks
that nothing was gained (no row read, nothing changed). Its resource limits
hold: one connection past MAX_USER_CONNECTIONS is refused, a statement past
MAX_STATEMENT_TIME is stopped."""
import os
import select
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from api_util import create, manual_body  # noqa: E402
from zqreplica import admin_args, bi_create, bi_sql, bi_views  # noqa: E402

# MariaDB's error numbers
ER_ACCESS_DENIED = 1045          # login refused
ER_DBACCESS_DENIED = 1044        # a database the account has nothing in
ER_TABLEACCESS_DENIED = 1142     # SELECT / INSERT / UPDATE / DELETE / CREATE / DROP / GRANT
ER_SPECIFIC_ACCESS_DENIED = 1227  # SET GLOBAL, CREATE USER, FILE (INTO OUTFILE)
ER_USER_LIMIT_REACHED = 1226     # max_user_connections
ER_STATEMENT_TIMEOUT = 1969      # max_statement_time exceeded
ER_COLUMNACCESS_DENIED = 1143

NAME = "bi_attacker"


@pytest.fixture(scope="module")
def bi(stack):
    # one run so the views have a row to read
    create(stack.session("admin"), stack, manual_body(name="bi-sec-task", enabled=False))
    pw, out = bi_create(stack, NAME)
    yield pw, out
    stack.zq_db("bi-user", "drop", NAME, *admin_args(stack), check=False)


def as_bi(stack, pw, sql, db="zq"):
    return bi_sql(stack.db_port, NAME, pw, sql, db=db)


def denied(stack, pw, sql, code, db="zq"):
    rows, err, msg = as_bi(stack, pw, sql, db=db)
    assert rows is None, f"{sql!r} was allowed: {rows}"
    assert err == code, f"{sql!r}: expected error {code}, got {err}: {msg}"


def test_create_reports_limits_and_password_once(stack, bi):
    pw, out = bi
    assert f"'{NAME}'@'%'" in out and "at most 5 connections" in out and "30 s" in out
    assert out.count(pw) == 1
    assert len(pw) >= 20 and pw.isalnum()
    _, listing, _ = stack.zq_db("bi-user", "list", *admin_args(stack))
    line = [ln for ln in listing.splitlines() if ln.startswith(NAME + " ")]
    assert line and line[0].split()[1:] == ["%", "5", "30.000"], listing
    assert pw not in listing
    # the account holds the role and nothing else
    grants = stack.sql(f"SHOW GRANTS FOR '{NAME}'@'%'")
    text = " ".join(g[0] for g in grants)
    assert "GRANT `zq_bi_zq` TO" in text and "GRANT USAGE ON *.*" in text, text
    assert "ON `zq`.*" not in text and "ALL PRIVILEGES" not in text, text


def test_reads_every_bi_view(stack, bi):
    pw, _ = bi
    views = bi_views(stack.sql)
    assert {"bi_executions", "bi_task_daily"} <= set(views), views
    for v in views:
        rows, err, msg = as_bi(stack, pw, f"SELECT COUNT(*) FROM {v}")
        assert err is None, f"{v}: {msg}"
        assert rows[0][0] == stack.sql_value(f"SELECT COUNT(*) FROM {v}"), v
    # what information_schema shows it: the views, no table
    rows, err, _ = as_bi(stack, pw, "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES "
                                    "WHERE TABLE_SCHEMA = 'zq' ORDER BY 1")
    assert err is None
    assert sorted(r[0] for r in rows) == sorted(views)
    assert {r[1] for r in rows} == {"VIEW"}


def test_reads_nothing_else(stack, bi):
    pw, _ = bi
    tables = [r[0] for r in stack.sql(
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'zq' "
        "AND TABLE_TYPE = 'BASE TABLE'")]
    for t in ("users", "api_tokens", "scheduled_tasks", "task_executions"):
        assert t in tables
    for t in tables:
        denied(stack, pw, f"SELECT * FROM {t} LIMIT 1", ER_TABLEACCESS_DENIED)
    denied(stack, pw, "SELECT password_hash FROM zq.users", ER_TABLEACCESS_DENIED)
    denied(stack, pw, "SELECT User, Password FROM mysql.user", ER_TABLEACCESS_DENIED)
    denied(stack, pw, "SELECT * FROM mysql.global_priv", ER_TABLEACCESS_DENIED)
    # a join through a view does not open the table behind it
    denied(stack, pw, "SELECT e.* FROM bi_executions e JOIN users u ON 1 = 1 LIMIT 1",
           ER_TABLEACCESS_DENIED)
    # no file reads either: LOAD_FILE answers NULL without the FILE privilege
    rows, err, _ = as_bi(stack, pw, "SELECT LOAD_FILE('/etc/passwd') IS NULL")
    assert err is None and rows == [["1"]]
    denied(stack, pw, "SELECT 1", ER_DBACCESS_DENIED, db="mysql")


def snapshot(stack):
    """What a write could have changed, as root sees it."""
    return [stack.sql(f"CHECKSUM TABLE {t}") for t in
            ("users", "api_tokens", "scheduled_tasks", "task_executions")] + [
        stack.sql("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'zq' "
                  "ORDER BY 1"),
        stack.sql("SELECT User, Host FROM mysql.user ORDER BY 1, 2"),
        stack.sql("SELECT @@GLOBAL.max_connections, @@GLOBAL.read_only, @@GLOBAL.general_log")]


def test_writes_ddl_and_grants_refused(stack, bi):
    pw, _ = bi
    task_id = stack.sql_value("SELECT id FROM scheduled_tasks WHERE name = 'bi-sec-task'")
    before = snapshot(stack)
    attempts = [
        ("INSERT INTO bi_executions (task_id) VALUES (1)", ER_TABLEACCESS_DENIED),
        ("UPDATE bi_executions SET status = 'success'", ER_TABLEACCESS_DENIED),
        ("DELETE FROM bi_executions", ER_TABLEACCESS_DENIED),
        ("DELETE FROM bi_task_daily", ER_TABLEACCESS_DENIED),
        ("INSERT INTO users (username, password_hash, role) VALUES ('evil', 'x', 'admin')",
         ER_TABLEACCESS_DENIED),
        (f"UPDATE scheduled_tasks SET enabled = 1 WHERE id = {task_id}", ER_TABLEACCESS_DENIED),
        (f"DELETE FROM scheduled_tasks WHERE id = {task_id}", ER_TABLEACCESS_DENIED),
        ("DELETE FROM api_tokens", ER_TABLEACCESS_DENIED),
        (f"INSERT INTO task_executions (task_id, status) VALUES ({task_id}, 'pending')",
         ER_TABLEACCESS_DENIED),
        ("CREATE TABLE evil (id INT)", ER_TABLEACCESS_DENIED),
        ("CREATE VIEW evil AS SELECT * FROM users", ER_TABLEACCESS_DENIED),
        ("DROP VIEW bi_executions", ER_TABLEACCESS_DENIED),
        ("ALTER TABLE users ADD COLUMN evil INT", ER_TABLEACCESS_DENIED),
        ("TRUNCATE TABLE task_executions", ER_TABLEACCESS_DENIED),
        ("CREATE DATABASE evil", ER_DBACCESS_DENIED),
        ("SET GLOBAL max_connections = 1", ER_SPECIFIC_ACCESS_DENIED),
        ("SET GLOBAL read_only = ON", ER_SPECIFIC_ACCESS_DENIED),
        ("SET GLOBAL general_log = ON", ER_SPECIFIC_ACCESS_DENIED),
        (f"GRANT SELECT ON zq.users TO '{NAME}'@'%'", ER_TABLEACCESS_DENIED),
        (f"GRANT ALL ON zq.* TO '{NAME}'@'%'", ER_DBACCESS_DENIED),
        ("CREATE USER 'evil'@'%' IDENTIFIED BY 'evil-password'", ER_SPECIFIC_ACCESS_DENIED),
        (f"ALTER USER '{NAME}'@'%' WITH MAX_USER_CONNECTIONS 0", ER_SPECIFIC_ACCESS_DENIED),
        ("SELECT * FROM bi_executions INTO OUTFILE '/tmp/zq-bi-evil.txt'", ER_SPECIFIC_ACCESS_DENIED),
    ]
    for sql, code in attempts:
        denied(stack, pw, sql, code)
    assert snapshot(stack) == before
    assert not os.path.exists("/tmp/zq-bi-evil.txt")
    assert stack.sql_value(f"SELECT enabled FROM scheduled_tasks WHERE id = {task_id}") == "0"


class Session:
    """One open connection of a user (the client reads statements from stdin)."""

    def __init__(self, port, user, pw):
        self.p = subprocess.Popen(
            ["mariadb", "--no-defaults", "-h", "127.0.0.1", "-P", str(port), "-u", user,
             "-p" + pw, "--batch", "--unbuffered", "--skip-column-names", "zq"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.p.stdin.write("SELECT 'connected';\n")
        self.p.stdin.flush()
        ready, _, _ = select.select([self.p.stdout], [], [], 30)
        if not ready:
            self.p.kill()
        assert ready and self.p.stdout.readline().strip() == "connected", self.p.stderr.read()

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=30)


def test_connection_limit_and_statement_time(stack, bi):
    name = "bi_limited"
    pw, out = bi_create(stack, name, "--max-connections", "2", "--max-statement-time", "1")
    try:
        assert "at most 2 connections" in out and "after 1 s" in out
        held = [Session(stack.db_port, name, pw) for _ in range(2)]
        rows, err, msg = bi_sql(stack.db_port, name, pw, "SELECT 1")
        assert err == ER_USER_LIMIT_REACHED, msg
        for s in held:
            s.close()
        rows, err, msg = bi_sql(stack.db_port, name, pw, "SELECT 1")
        assert rows == [["1"]], msg
        # a report that runs too long is stopped by the server
        t0 = time.monotonic()
        rows, err, msg = bi_sql(stack.db_port, name, pw, "SELECT SLEEP(3) FROM bi_task_daily "
                                                         "UNION ALL SELECT SLEEP(3)")
        took = time.monotonic() - t0
        assert err == ER_STATEMENT_TIMEOUT, msg
        assert took < 2.9, took
    finally:
        stack.zq_db("bi-user", "drop", name, *admin_args(stack), check=False)


def test_bad_names_and_hosts_are_usage_errors(stack):
    cases = [
        (["x'; DROP USER root; --"], "NAME may hold"),
        (["a" * 33], "NAME must be 1-32"),
        (["root"], "not a reporting user"),
        (["zq"], "not a reporting user"),
        (["ok", "--host", "a'b"], "--host"),
        (["ok", "--host", ""], "--host must be"),
        (["ok", "--host", "10.0.0.0/"], "netmask"),
        (["ok", "--host", "x" * 256], "--host must be"),
        (["ok", "--max-connections", "0"], "--max-connections"),
        (["ok", "--max-connections", "2.5"], "--max-connections"),
        (["ok", "--max-statement-time", "abc"], "--max-statement-time"),
        (["ok", "--max-statement-time", "0"], "--max-statement-time"),
        (["ok", "--bogus", "1"], "unknown option"),
    ]
    users = stack.sql("SELECT User, Host FROM mysql.user ORDER BY 1, 2")
    for args, msg in cases:
        rc, out, err = stack.zq_db("bi-user", "create", *args, *admin_args(stack), check=False)
        assert rc == 2, (args, out, err)
        assert msg in err, (args, err)
        assert "password" not in out
    assert stack.sql("SELECT User, Host FROM mysql.user ORDER BY 1, 2") == users


def test_the_zq_account_cannot_create_users(stack):
    rc, out, err = stack.zq_db("bi-user", "create", "bi_nope", check=False)
    assert rc == 1, (out, err)
    assert "--admin-user" in err, err
    assert not stack.sql("SELECT 1 FROM mysql.user WHERE User = 'bi_nope'")


def test_drop_only_drops_reporting_users(stack):
    stack._root_sql("CREATE USER 'not_bi'@'%' IDENTIFIED BY 'some-password-1'")
    try:
        rc, _, err = stack.zq_db("bi-user", "drop", "not_bi", *admin_args(stack), check=False)
        assert rc == 1 and "not a reporting user" in err, err
        assert stack._root_sql("SELECT COUNT(*) FROM mysql.user WHERE User = 'not_bi'") == [["1"]]
    finally:
        stack._root_sql("DROP USER 'not_bi'@'%'")
    pw, _ = bi_create(stack, "bi_gone", "--host", "127.0.0.1")
    assert bi_sql(stack.db_port, "bi_gone", pw, "SELECT 1")[0] == [["1"]]
    # a second create neither replaces the account nor changes its password
    rc, out, err = stack.zq_db("bi-user", "create", "bi_gone", "--host", "127.0.0.1",
                               *admin_args(stack), check=False)
    assert rc == 1 and "exists already" in err and "password" not in out, (out, err)
    assert bi_sql(stack.db_port, "bi_gone", pw, "SELECT 1")[0] == [["1"]]
    rc, out, _ = stack.zq_db("bi-user", "drop", "bi_gone", "--host", "127.0.0.1",
                             *admin_args(stack))
    assert "dropped" in out
    assert bi_sql(stack.db_port, "bi_gone", pw, "SELECT 1")[1] == ER_ACCESS_DENIED


def test_grant_adds_views_a_migration_added(stack, bi):
    pw, _ = bi
    stack.sql("CREATE VIEW bi_zz_later AS SELECT COUNT(*) AS n FROM scheduled_tasks")
    try:
        denied(stack, pw, "SELECT n FROM bi_zz_later", ER_TABLEACCESS_DENIED)
        _, listing, _ = stack.zq_db("bi-user", "list", *admin_args(stack))
        assert "not granted yet: bi_zz_later" in listing
        _, out, _ = stack.zq_db("bi-user", "grant", *admin_args(stack))
        assert "role zq_bi_zq: SELECT on" in out
        rows, err, msg = as_bi(stack, pw, "SELECT n FROM bi_zz_later")
        assert err is None, msg
        # the view reads the table as its definer; the table itself stays closed
        denied(stack, pw, "SELECT COUNT(*) FROM scheduled_tasks", ER_TABLEACCESS_DENIED)
    finally:
        stack.sql("DROP VIEW bi_zz_later")
