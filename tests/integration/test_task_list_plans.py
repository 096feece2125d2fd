"""The plans and the answers of GET /scheduler/tasks at scale.

A private stack (no scheduler) gets 50,000 tasks (tests/bench/bench_tasks.py's
load(), in SQL: the four types, disabled, paused, workflows with sub-tasks, a
fifth with an execution and its task_run_state row). With MariaDB's general
log on, every list shape the bench measures (each filter of the API and the
tasks page, combined, a deep page) is asked through the API; each SELECT
zq-api ran for it is taken from the log and run again under ANALYZE
FORMAT=JSON, which must show:
  * scheduled_tasks and task_run_state read through the index meant for that
    filter (db/store/task_list.c's drives), never a scan of the table (ALL);
    status=running / success / failed, alone or with other filters, read
    ix_runstate_status (migration 090) alone, one status's entries in id
    order, in one statement with the count;
  * the index entries read bounded (a few thousand, for a count capped at
    1,000): the old plans counted every task (50,000) for each page;
  * whole rows read by primary key only for the page (skip + limit);
  * a name substring that matches few tasks reads ix_tasks_list alone
    (the index, never a row) - all of it, once.
The answers are checked against SQL written independently (schedule_status
as the README defines it): the same ids in id order, the total exact below
the cap and capped above it with total_capped, a next page always known."""
import json
import os
import re
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "bench"))
sys.path.insert(0, os.path.dirname(HERE))
from bench_tasks import load  # noqa: E402
from test_query_plans import accesses  # noqa: E402  (the ANALYZE tree walk)
from zqstack import session_stack  # noqa: E402

N = 50000
CAP = 1000                     # ZQ_DB_COUNT_CAP (db/store/db.h)
BOUND = 8000                   # index entries one statement may read (N / 6)

# (params, the index that drives it: scheduled_tasks t or task_run_state s)
SHAPES = [
    ({}, ("t", "PRIMARY")),
    ({"skip": 950}, ("t", "PRIMARY")),
    ({"include_subtasks": "true"}, ("t", "PRIMARY")),
    ({"task_type": "workflow"}, ("t", "ix_tasks_type")),
    ({"task_type": "manual_task"}, ("t", "ix_tasks_type")),
    ({"enabled": "false"}, ("t", "ix_tasks_enabled")),
    ({"enabled": "true", "task_type": "example_task"}, ("t", "ix_tasks_type")),
    ({"enabled": "false", "task_type": "common_task"}, ("t", "ix_tasks_enabled")),
    ({"name": "sync_d"}, ("t", "ix_tasks_list")),
    ({"name": "0004242"}, ("t", "ix_tasks_list")),
    ({"status": "disabled"}, ("t", "ix_tasks_enabled")),
    ({"status": "paused"}, ("t", "ix_tasks_paused")),
    ({"status": "pending"}, ("t", "ix_tasks_paused")),
    ({"status": "running"}, ("s", "ix_runstate_status")),
    ({"status": "failed"}, ("s", "ix_runstate_status")),
    ({"status": "failed", "skip": 300}, ("s", "ix_runstate_status")),
    ({"status": "success"}, ("s", "ix_runstate_status")),
    ({"status": "success", "skip": 2000}, ("s", "ix_runstate_status")),
    ({"task_type": "common_task", "enabled": "true", "status": "failed"},
     ("s", "ix_runstate_status")),
    ({"status": "success", "name": "report"}, ("s", "ix_runstate_status")),
    ({"status": "running", "name": "backup"}, ("s", "ix_runstate_status")),
    ({"status": "pending", "name": "etl_lo"}, ("t", "ix_tasks_list")),
]
RARE_NAME = "0004242"


@pytest.fixture(scope="module")
def plans_stack():
    # no alert thread: its claims (FOR UPDATE SKIP LOCKED, every sweep) share the zq
    # account and would land in the general log between a request's statements
    gen = session_stack(scheduler=False, extra_config="[alerts]\nenabled = false\n")
    s = next(gen)
    s.plan_ids = load(s.sql, N, prefix="p-")
    s.sql("SET GLOBAL log_output = 'TABLE'; SET GLOBAL general_log = 1")
    yield s
    s.sql("SET GLOBAL general_log = 0")
    next(gen, None)


def issued(s, session, params):
    """The SELECTs zq-api ran to answer the list with params (as executed:
    LIMIT parameters the log leaves as ? put back), and the answer."""
    s.sql("TRUNCATE TABLE mysql.general_log")
    q = dict(params, limit=params.get("limit", 50))
    r = session.get(s.api_url + "/scheduler/tasks", params=q, timeout=120)
    assert r.status_code == 200, (params, r.text)
    rows = s.sql("SELECT HEX(argument) FROM mysql.general_log WHERE command_type IN "
                 "('Execute', 'Query') AND user_host LIKE 'zq[zq]%' ORDER BY event_time")
    skip, limit = int(q.get("skip", 0)), int(q["limit"])
    count_limit = max(CAP, skip + limit + 1) + 1
    out = []
    for (h,) in rows:
        stmt = bytes.fromhex(h).decode()
        if not stmt.lstrip().upper().startswith("SELECT") or "scheduled_tasks" not in stmt:
            continue
        stmt = stmt.replace("LIMIT ? OFFSET ?", f"LIMIT {limit} OFFSET {skip}")
        out.append(stmt.replace("LIMIT ?", f"LIMIT {count_limit}"))
    return out, r.json()


def analyze(s, q):
    r = subprocess.run(["mariadb", "--no-defaults", "-uroot", "-p" + s.root_pw, "-S", s.sock,
                        "--batch", "--skip-column-names", "zq"],
                       input=("ANALYZE FORMAT=JSON " + q).encode(), capture_output=True)
    assert r.returncode == 0, (q, r.stderr.decode())
    text = re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "0": "\0"}.get(m.group(1),
                                                                            m.group(1)),
                  r.stdout.decode().rstrip("\n"))
    return accesses(json.loads(text))


def rows_read(a):
    return float(a.get("r_rows") or 0) * float(a.get("r_loops") or 1)


def truth(s, params):
    """The matching ids in id order, from SQL written apart from zq's."""
    where = ["1 = 1"]
    if "task_type" in params:
        where.append(f"t.task_type = '{params['task_type']}'")
    if "enabled" in params:
        where.append(f"t.enabled = {1 if params['enabled'] == 'true' else 0}")
    if "name" in params:
        where.append(f"LOCATE('{params['name']}', t.name) > 0")
    if params.get("include_subtasks") != "true":
        where.append("NOT EXISTS (SELECT 1 FROM workflow_nodes w WHERE w.task_id = t.id)")
    if "status" in params:
        where.append("(CASE WHEN NOT t.enabled THEN 'disabled' WHEN t.paused THEN 'paused' "
                     "WHEN COALESCE(s.active, 0) > 0 THEN 'running' "
                     "WHEN s.last_finished_status = 'success' THEN 'success' "
                     "WHEN s.last_finished_status IS NOT NULL THEN 'failed' "
                     f"ELSE 'pending' END) = '{params['status']}'")
    rows = s.sql("SELECT t.id FROM scheduled_tasks t IGNORE INDEX (ix_tasks_list) LEFT JOIN "
                 f"task_run_state s ON s.task_id = t.id WHERE {' AND '.join(where)} "
                 "ORDER BY t.id")
    return [int(r[0]) for r in rows]


def test_every_task_list_shape_reads_its_index_a_page_at_a_time(plans_stack):
    s, viewer = plans_stack, plans_stack.session("viewer")
    for params, (alias, drive) in SHAPES:
        stmts, body = issued(s, viewer, params)
        assert stmts, params
        skip, limit = int(params.get("skip", 0)), 50
        keys = set()
        for q in stmts:
            for a in analyze(s, q):
                t = a["table_name"]
                if t not in ("t", "s"):
                    continue
                key = a.get("key")
                keys.add((t, key))
                assert a["access_type"] != "ALL" and key, (params, q, a)
                if key == "ix_runstate_status":
                    # one status's entries, the index alone (never a state row)
                    assert a["access_type"] == "ref" and a.get("using_index") is True, \
                        (params, q, a)
                n = rows_read(a)
                if t == "t" and key == "PRIMARY":
                    # whole rows: the page and the entries before it (and
                    # the sub-tasks among them, 2 % of the tasks, hidden)
                    assert n <= (skip + limit) * 1.05 + 2, (params, q, a)
                elif params.get("name") == RARE_NAME and key == "ix_tasks_list":
                    # a rare substring reads the whole index, but only it
                    assert a.get("using_index") is True, (params, q, a)
                else:
                    assert n <= BOUND, (params, q, a)
        assert (alias, drive) in keys, (params, keys, stmts)
        allowed = {("t", "PRIMARY"), ("t", "ix_tasks_list"), ("s", "PRIMARY"), (alias, drive)}
        if drive == "ix_runstate_status":
            # one drive per status (090's run_status) in id order: the page
            # with its count in one statement (081's state indexes unread)
            assert len(stmts) == 1, (params, stmts)
        if drive == "PRIMARY":
            allowed.add(("t", "ix_tasks_type"))   # the count: the narrowest index
        assert keys <= allowed, (params, keys)


def test_task_list_answers_match_sql_exact_below_the_cap_capped_above(plans_stack):
    s, viewer = plans_stack, plans_stack.session("viewer")
    seen_capped = seen_exact = 0
    for params, _ in SHAPES:
        want = truth(s, params)
        skip = int(params.get("skip", 0))
        body = viewer.get(s.api_url + "/scheduler/tasks", params=dict(params, limit=50),
                          timeout=120).json()
        got = [t["id"] for t in body["tasks"]]
        assert got == want[skip:skip + 50], (params, got[:5], want[skip:skip + 5])
        bound = max(CAP, skip + 50 + 1)
        if len(want) > bound:
            seen_capped += 1
            assert (body["total"], body["total_capped"]) == (bound, True), params
        else:
            seen_exact += 1
            assert (body["total"], body["total_capped"]) == (len(want), False), params
        # a next page is known from the envelope alone
        assert (skip + 50 < body["total"]) == (len(want) > skip + 50), params
        if "status" in params:
            assert all(t["schedule_status"] == params["status"] for t in body["tasks"]), params
        assert set(body) == {"tasks", "total", "total_capped", "skip", "limit"}
    assert seen_capped >= 5 and seen_exact >= 5, (seen_capped, seen_exact)
    # past the end of a capped list: an empty page, the count one row past it
    body = viewer.get(s.api_url + "/scheduler/tasks", params={"skip": N, "limit": 10},
                      timeout=60).json()
    assert body["tasks"] == [] and body["total"] < N + 11 and body["total_capped"] is False
