"""Platform: the stack comes up, health through nginx, migrations, seed,
zq-db users and tokens, start-up checks, DB outages, node heartbeat."""
import os
import re
import subprocess
import time

import requests

from zqstack import Stack, wait_for


def test_health_ok_through_nginx(stack):
    r = requests.get(stack.api_url + "/health", timeout=5)
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["db"] == "ok"
    assert re.match(r"^\d+\.\d+\.\d+", body["version"])


def test_admin_pages_served_by_nginx(stack):
    r = requests.get(stack.url + "/", timeout=5)
    assert r.status_code == 200
    assert "text/html" in r.headers["Content-Type"]
    assert "<html" in r.text.lower()
    assert r.headers.get("X-Content-Type-Options") == "nosniff"


def test_migrate_twice_is_a_noop(stack):
    before = stack.sql("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
    rc, out, _ = stack.zq_db("migrate")
    assert rc == 0 and "(0 migrations applied)" in out
    after = stack.sql("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
    assert before == after and before[0][1] == "001_init"


def fresh_database(stack, name):
    """A private database on the stack's server and a config pointing at it."""
    stack._root_sql(f"DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name};"
                    f"GRANT ALL ON {name}.* TO 'zq'@'localhost';")
    return stack.write_config(os.path.join(stack.tmp, name + ".conf"), db__name=name)


def task_names(stack, db):
    return [r[0] for r in stack._root_sql("SELECT name FROM scheduled_tasks ORDER BY id", db=db)]


def test_seed_creates_examples_and_workflows(stack):
    conf = fresh_database(stack, "zq_seed1")
    rc, out, _ = stack.zq_db("seed", config=conf)
    assert rc == 0
    rows = stack._root_sql("SELECT task_type, COUNT(*) FROM scheduled_tasks GROUP BY task_type "
                           "ORDER BY task_type", db="zq_seed1")
    counts = {t: int(n) for t, n in rows}
    assert counts["workflow"] == 3
    # 5 examples (4 example/common/manual kinds) + 4 workflow base tasks + 3 workflows
    # + the quant examples (sync_trading_calendar manual, two common sync tasks on SSE)
    assert sum(counts.values()) == 5 + 4 + 3 + 3
    assert counts["example_task"] == 3 and counts["common_task"] == 1 + 2
    # the workflows reference their base tasks, and what fires has a next run
    assert stack._root_sql("SELECT COUNT(*) FROM workflow_nodes", db="zq_seed1") == [["10"]]
    # (a calendar's tasks stop past its data: test_examples checks those)
    due = stack._root_sql("SELECT COUNT(*) FROM scheduled_tasks WHERE task_type <> 'manual_task' "
                          "AND next_run_at IS NULL AND calendar_id IS NULL", db="zq_seed1")
    assert due == [["0"]]
    # running it again keeps what exists
    rc, out, _ = stack.zq_db("seed", config=conf)
    assert "created 0 tasks, kept 15 existing" in out


def test_seed_force_recreates(stack):
    conf = fresh_database(stack, "zq_seed2")
    stack.zq_db("seed", config=conf)
    ids_before = stack._root_sql("SELECT id FROM scheduled_tasks ORDER BY id", db="zq_seed2")
    stack._root_sql("UPDATE scheduled_tasks SET description = 'edited' WHERE name='example-quick'",
                    db="zq_seed2")
    rc, out, _ = stack.zq_db("seed", "--force", config=conf)
    assert rc == 0 and "created 15 tasks" in out
    ids_after = stack._root_sql("SELECT id FROM scheduled_tasks ORDER BY id", db="zq_seed2")
    assert len(ids_after) == 15 and not set(map(tuple, ids_before)) & set(map(tuple, ids_after))
    desc = stack._root_sql("SELECT description FROM scheduled_tasks WHERE name='example-quick'",
                           db="zq_seed2")
    assert desc[0][0] != "edited"


def test_seed_only_flags(stack):
    conf = fresh_database(stack, "zq_seed3")
    rc, out, _ = stack.zq_db("seed", "--tables-only", config=conf)
    assert rc == 0
    assert task_names(stack, "zq_seed3") == []  # tables exist (the query works), no tasks
    stack.zq_db("seed", "--examples-only", config=conf)
    names = task_names(stack, "zq_seed3")
    assert len(names) == 5 and all(n.startswith("example-") for n in names)
    stack.zq_db("seed", "--workflow-only", config=conf)
    names = task_names(stack, "zq_seed3")
    assert len(names) == 12
    rc, _, err = stack.zq_db("seed", "--tables-only", "--examples-only", config=conf, check=False)
    assert rc == 2 and "exclude each other" in err


def test_wrong_db_password_is_a_clear_error_and_exit_2(stack):
    conf = stack.write_config(os.path.join(stack.tmp, "badpw.conf"), db__password="wrong-password")
    for argv in ([stack.bin("zq-db"), "--config", conf, "migrate"],
                 [stack.bin("zq-api"), "--config", conf],
                 [stack.bin("zq-scheduler"), "--config", conf]):
        r = subprocess.run(argv, capture_output=True, timeout=60, env=stack.env("badpw"))
        err = r.stderr.decode()
        assert r.returncode == 2, (argv, err)
        assert "Access denied" in err and "'zq'" in err, err
        assert "wrong-password" not in err  # secrets never printed


def _closed_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once it is closed


def test_unreachable_database_says_where_and_why_and_that_it_waits(stack):
    port = _closed_port()
    conf = stack.write_config(os.path.join(stack.tmp, "refused.conf"), db__socket="",
                              db__host="127.0.0.1", db__port=str(port), db__startup_wait="6")
    t0 = time.monotonic()
    r = subprocess.run([stack.bin("zq-db"), "--config", conf, "migrate"], capture_output=True,
                       timeout=60, env=stack.env("refused"))
    took = time.monotonic() - t0
    err = r.stderr.decode()
    assert r.returncode == 1, err  # unreachable, not a configuration mistake
    where = f"127.0.0.1:{port}"
    # said at once, then every ~5 s, then the reason it gave up
    assert f"waiting up to 6 s for the database at {where}: Connection refused" in err, err
    assert f"still waiting for the database at {where} (5 s of 6 s): Connection refused" in err
    assert f"cannot connect to MariaDB at {where}: Connection refused" in err, err
    assert "(115)" not in err and 6 <= took < 20, (took, err)
    assert err.index("waiting up to") < err.index("still waiting") < err.index("cannot connect")

    sock = os.path.join(stack.tmp, "no-such-dir", "mysqld.sock")
    conf = stack.write_config(os.path.join(stack.tmp, "nosock.conf"), db__socket=sock,
                              db__startup_wait="0")
    for argv in ([stack.bin("zq-db"), "--config", conf, "migrate"],
                 [stack.bin("zq-api"), "--config", conf],
                 [stack.bin("zq-scheduler"), "--config", conf]):
        r = subprocess.run(argv, capture_output=True, timeout=60, env=stack.env("nosock"))
        err = r.stderr.decode()
        assert r.returncode != 0, (argv, err)
        assert f"cannot connect to MariaDB at {sock}: No such file or directory" in err, err
        assert "waiting up to" not in err  # db.startup_wait = 0: no wait


def test_bad_config_file_names_line_and_key(stack):
    path = os.path.join(stack.tmp, "broken.conf")
    with open(path, "w") as f:
        f.write("[db]\nuser = zq\n[api]\nthreads = many\n")
    for binary in ("zq-db", "zq-api", "zq-scheduler"):
        argv = [stack.bin(binary), "--config", path] + (["migrate"] if binary == "zq-db" else [])
        r = subprocess.run(argv, capture_output=True, timeout=30, env=stack.env("badconf"))
        assert r.returncode == 2
        assert f"{path}:4: api.threads: must be an integer 1-256, got 'many'" in r.stderr.decode()
    r = subprocess.run([stack.bin("zq-api"), "--config", "/nonexistent.conf"], capture_output=True,
                       timeout=30, env=stack.env("badconf"))
    assert r.returncode == 2 and b"/nonexistent.conf: cannot open" in r.stderr


def test_daemons_refuse_an_unmigrated_schema(stack):
    stack._root_sql("DROP DATABASE IF EXISTS zq_empty; CREATE DATABASE zq_empty;"
                    "GRANT ALL ON zq_empty.* TO 'zq'@'localhost';")
    conf = stack.write_config(os.path.join(stack.tmp, "empty.conf"), db__name="zq_empty",
                              api__listen="unix:" + os.path.join(stack.tmp, "x.sock"))
    for binary in ("zq-api", "zq-scheduler"):
        r = subprocess.run([stack.bin(binary), "--config", conf], capture_output=True, timeout=60,
                           env=stack.env("schema"))
        assert r.returncode == 2
        assert "run `zq-db migrate" in r.stderr.decode()


def test_user_add_and_passwd(stack):
    rc, out, _ = stack.zq_db("user", "add", "plat-op", "--role", "operator",
                             input="a-strong-password\n")
    assert rc == 0 and "created user 'plat-op' with role operator" in out
    assert "a-strong-password" not in out
    row = stack.sql("SELECT role, password_hash FROM users WHERE username='plat-op'")[0]
    assert row[0] == "operator" and row[1].startswith("$argon2id$")
    # duplicate
    rc, _, err = stack.zq_db("user", "add", "plat-op", "--role", "viewer", input="another-pass\n",
                             check=False)
    assert rc == 1 and "already exists" in err
    # generated password printed once when stdin gives none
    rc, out, _ = stack.zq_db("user", "add", "plat-gen", "--role", "viewer", input="")
    assert re.search(r"^password: \S{20}$", out, re.M)
    # too short / bad role / bad name
    assert stack.zq_db("user", "add", "plat-x", "--role", "viewer", input="short\n",
                       check=False)[0] == 2
    assert stack.zq_db("user", "add", "plat-y", "--role", "root", input="long-enough-pw\n",
                       check=False)[0] == 2
    assert stack.zq_db("user", "add", "bad name!", "--role", "viewer", input="long-enough-pw\n",
                       check=False)[0] == 2
    # passwd changes the hash and ends the user's sessions
    uid = stack.sql_value("SELECT id FROM users WHERE username='plat-op'")
    stack.sql(f"INSERT INTO api_tokens (token_hash, prefix, kind, user_id, role) "
              f"VALUES (UNHEX(SHA2('x', 256)), 'zqs_x', 'session', {uid}, 'operator')")
    old_hash = row[1]
    rc, out, _ = stack.zq_db("user", "passwd", "plat-op", input="a-new-password\n")
    assert rc == 0
    assert stack.sql_value("SELECT password_hash FROM users WHERE username='plat-op'") != old_hash
    assert stack.sql_value(f"SELECT COUNT(*) FROM api_tokens WHERE user_id={uid}") == "0"
    assert stack.zq_db("user", "passwd", "nobody-here", input="a-new-password\n",
                       check=False)[0] == 1


def test_token_create_stores_only_a_hash(stack):
    rc, out, _ = stack.zq_db("token", "create", "ci-bot", "--role", "operator")
    token = out.strip().splitlines()[-1]
    assert rc == 0 and token.startswith("zqt_") and len(token) >= 40
    rows = stack.sql("SELECT HEX(token_hash), prefix, kind, role FROM api_tokens "
                     "WHERE name='ci-bot'")
    assert len(rows) == 1
    hexhash, prefix, kind, role = rows[0]
    assert kind == "api" and role == "operator" and token.startswith(prefix)
    assert token not in hexhash and len(hexhash) == 64
    dump = subprocess.run(["mariadb-dump", "--no-defaults", "-uroot", "-p" + stack.root_pw, "-S",
                           stack.sock, "zq", "api_tokens"], capture_output=True).stdout.decode("latin-1")
    assert token[4:] not in dump
    assert stack.zq_db("token", "create", "x", "--role", "god", check=False)[0] == 2


def test_scheduler_registers_and_heartbeats_its_node(stack):
    rows = wait_for(lambda: stack.sql("SELECT id, heartbeat_at, state FROM scheduler_nodes "
                                      "WHERE state='running'"), what="node row")
    node_id, first_beat, _ = rows[0]
    wait_for(lambda: stack.sql_value(f"SELECT heartbeat_at FROM scheduler_nodes "
                                     f"WHERE id={node_id}") > first_beat,
             timeout=15, what="a later heartbeat")


def test_secrets_never_logged(stack):
    for name in os.listdir(stack.log_dir):
        with open(os.path.join(stack.log_dir, name), errors="replace") as f:
            text = f.read()
        assert stack.db_pw not in text, name
        for tok in stack._tokens.values():
            assert tok not in text, name


def test_health_503_while_mariadb_down_then_recovers():
    """Stop MariaDB under a running stack: health turns 503 (JSON detail),
    and comes back to 200 after MariaDB restarts, with the same zq-api."""
    s = Stack().start()
    try:
        api_pid = s.api.pid
        s.stop_mariadb()
        wait_for(lambda: s.health_status() == 503, timeout=30, what="503")
        r = requests.get(s.api_url + "/health", timeout=10)
        assert r.status_code == 503 and r.json()["detail"]
        s.start_mariadb()
        wait_for(lambda: s.health_status() == 200, timeout=30, what="200 again")
        assert s.api.pid == api_pid and s.api.alive()
        # every API thread recovers, not just one: several requests in a row
        for _ in range(20):
            assert s.health_status() == 200
    finally:
        statuses = s.stop()
        reports = s.sanitizer_reports()
        s.cleanup()
    assert not reports, reports
    assert statuses.get("zq-api") == 0
