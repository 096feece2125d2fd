"""The plans of the history, statistics and audit queries zq-api issues.

A private stack (no scheduler) gets 200,000 executions of 10 tasks over 120
days and 50,000 audit rows (tests/bench/bench_history.py's load(), in SQL).
With MariaDB's general log on, every request shape the bench measures (each
filter of the history page and the API, the statistics, the audit list) is
asked through the API; each SELECT zq-api ran for it is taken from the log
(as executed, parameters in place) and run again under ANALYZE FORMAT=JSON,
which must show:
  * task_executions and audit_log read through the index meant for that
    filter (db/store/exec_api.c, db/store/audit_store.c), never a full scan (ALL,
    or a whole index, of task_executions or audit_log);
  * the rows read bounded by the page (skip + limit) for page queries and by
    the count's limit for counts: a plan that reads the task's whole history
    (20,000 rows) or the table (200,000) fails;
  * task_stats_daily through its primary key for one task, and for all
    tasks task_stats_daily_all (080: a few rows per day) instead.
The totals the API reports are checked against SQL counts (exact below the
cap, capped above it, a next page always known)."""
import json
import os
import random
import re
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "bench"))
sys.path.insert(0, os.path.dirname(HERE))
from bench_history import DAYS, cases, load  # noqa: E402
from zqstack import session_stack  # noqa: E402

N, TASKS = 200000, 10          # 20,000 executions per task: past the count cap
CAP = 1000                     # ZQ_DB_COUNT_CAP (db/store/db.h)

# The index each history / audit shape must read (count and page alike).
HISTORY_INDEX = {
    "history first page": "ix_exec_task_id",
    "history page 5 (skip=80)": "ix_exec_task_id",
    "history status=failed": "ix_exec_task_status",
    "history status=<any>": "ix_exec_task_status",
    "history yesterday (from+to)": "ix_exec_task_start",
    "history one day 2 months ago": "ix_exec_task_start",
    "history start_time_to 2 months ago": "ix_exec_task_start",
    "history start_time_from yesterday": "ix_exec_task_start",
    "history start_time_from 2 months ago": "ix_exec_task_start",
    "history failed, one day 2 months ago": "ix_exec_task_status_start",
    "history <any status>, to 2 months ago": "ix_exec_task_status_start",
}
AUDIT_INDEX = {
    "audit first page": "ix_audit_at",
    "audit task_id": "ix_audit_task_at",
    "audit actor": "ix_audit_actor_at",
    "audit action": "ix_audit_action_at",
    "audit actor+action": "ix_audit_actor_action_at",
    "audit task_id+action": "ix_audit_task_action_at",
    "audit one day 2 months ago": "ix_audit_at",
    "audit actor, one day 2 months ago": "ix_audit_actor_at",
    "audit task_id, to 2 months ago": "ix_audit_task_at",
}
# Statistics: the live counts read the status-first indexes of
# task_executions (pending / running rows only); the newest execution is
# one row from the end of ix_exec_task_id or of the primary key.
STATS_EXEC_INDEXES = {"ix_exec_task_status", "ix_exec_claim",
                      "ix_exec_task_id", "PRIMARY"}


@pytest.fixture(scope="module")
def plans_stack():
    # no alert thread: its claims (FOR UPDATE SKIP LOCKED, every sweep) share the zq
    # account and would land in the general log between a request's statements
    gen = session_stack(scheduler=False, extra_config="[alerts]\nenabled = false\n")
    s = next(gen)
    ids, t0, t1 = load(s.sql, N, tasks=TASKS, audit=50000, prefix="plan-")
    s.plan_ids, s.plan_t1 = ids, t1
    s.sql("SET GLOBAL log_output = 'TABLE'; SET GLOBAL general_log = 1")
    yield s
    s.sql("SET GLOBAL general_log = 0")
    next(gen, None)


def issued(s, session, path):
    """The SELECTs zq-api ran to answer GET path (and the answer)."""
    s.sql("TRUNCATE TABLE mysql.general_log")
    r = session.get(s.api_url + path, timeout=60)
    assert r.status_code == 200, (path, r.text)
    rows = s.sql("SELECT HEX(argument) FROM mysql.general_log WHERE command_type IN "
                 "('Execute', 'Query') AND user_host LIKE 'zq[zq]%' ORDER BY event_time")
    stmts = [bytes.fromhex(h).decode() for (h,) in rows]
    return [q for q in stmts if q.lstrip().upper().startswith("SELECT")], r.json()


def accesses(node, out=None):
    """Every table access in an ANALYZE FORMAT=JSON tree."""
    out = [] if out is None else out
    if isinstance(node, dict):
        if "table_name" in node and "access_type" in node:
            out.append(node)
        for v in node.values():
            accesses(v, out)
    elif isinstance(node, list):
        for v in node:
            accesses(v, out)
    return out


def analyze(s, q):
    """The table accesses of q as run (ANALYZE executes it)."""
    r = subprocess.run(["mariadb", "--no-defaults", "-uroot", "-p" + s.root_pw, "-S", s.sock,
                        "--batch", "--skip-column-names", "zq"],
                       input=("ANALYZE FORMAT=JSON " + q).encode(), capture_output=True,
                       check=True)
    text = re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "0": "\0"}.get(m.group(1),
                                                                            m.group(1)),
                  r.stdout.decode().rstrip("\n"))
    return accesses(json.loads(text))


def rows_read(a):
    return float(a.get("r_rows") or 0) * float(a.get("r_loops") or 1)


def page_bound(q):
    """skip + limit of a page query (its last LIMIT ? OFFSET ?)."""
    limit, skip = re.findall(r"LIMIT (\d+)(?: OFFSET (\d+))?", q)[-1]
    return int(limit) + int(skip or 0)


@pytest.fixture(scope="module")
def shapes(plans_stack):
    return cases(plans_stack.plan_ids, plans_stack.plan_t1, random.Random(7))


def check_list_plans(s, stmts, table, alias, index):
    """Every count and page of table: read through index, never more rows
    than the page (or the count's bound). A page past the start (skip > 0)
    of the history finds its ids in the index (alias i) and then reads only
    the page's rows by the primary key (alias e)."""
    assert stmts, "no statement captured"
    checked = 0
    pages = []
    for q in stmts:
        if f"FROM {table} " not in q:
            continue
        count = q.startswith("SELECT COUNT(*) FROM (SELECT 1")
        deferred = ") k JOIN " in q
        pages += [] if count else [q]
        bound = CAP + 1 if count else page_bound(q) + 1
        for a in analyze(s, q):
            if deferred and a["table_name"] == alias:
                limit = int(re.findall(r"LIMIT (\d+)", q)[-1])
                assert (a.get("key"), a["access_type"]) == ("PRIMARY", "eq_ref"), (q, a)
                assert rows_read(a) <= limit, (q, a)
                continue
            if a["table_name"] != (("i" if deferred else alias)):
                continue
            checked += 1
            assert a.get("key") == index, (q, a)
            # no filter at all (the audit log's first page): the index from
            # its end, stopped by the LIMIT, as the row bound checks
            unfiltered = re.search(r"WHERE 1 = 1 (ORDER|LIMIT)", q)
            assert a["access_type"] in (("ref", "range", "index") if unfiltered
                                        else ("ref", "range")), (q, a)
            assert rows_read(a) <= bound, (q, a)
    # the page always; the count only after a full page (a short one is its
    # own exact total)
    assert pages and checked >= 1, f"no page of {table} captured: {stmts}"
    return pages


def test_history_lists_read_their_index_a_page_at_a_time(plans_stack, shapes):
    viewer = plans_stack.session("viewer")
    for name, _, paths in shapes:
        if name not in HISTORY_INDEX:
            continue
        stmts, body = issued(plans_stack, viewer, paths[0])
        assert body["executions"], (name, paths[0])
        pages = check_list_plans(plans_stack, stmts, "task_executions", "e", HISTORY_INDEX[name])
        assert (") k JOIN " in pages[0]) == ("skip=" in paths[0]), pages
        counted = any(q.startswith("SELECT COUNT(*)") for q in stmts)
        # a full page is counted (capped); a short one is its own exact total
        assert counted == (len(body["executions"]) == 20), (name, len(body["executions"]), stmts)
        if not counted:
            assert (body["total"], body["total_capped"]) == (len(body["executions"]), False)
    assert set(HISTORY_INDEX) <= {n for n, _, _ in shapes}


def test_history_by_business_date_reads_its_index(plans_stack):
    """business_date, business_date_from / _to (and a page past the start):
    ix_exec_task_bizdate (task_id, business_date, id), a page at
    a time, newest business date first."""
    s, viewer = plans_stack, plans_stack.session("viewer")
    tid = s.plan_ids[-1]
    s.sql(f"UPDATE task_executions SET business_date = DATE(scheduled_time) WHERE task_id = {tid}")
    day = s.sql_value(f"SELECT MAX(business_date) - INTERVAL 30 DAY FROM task_executions "
                      f"WHERE task_id = {tid}")
    base = f"/scheduler/tasks/{tid}/executions?limit=20"
    for q in (f"&business_date={day}", f"&business_date_from={day}", f"&business_date_to={day}",
              f"&business_date_to={day}&skip=40"):
        stmts, body = issued(s, viewer, base + q)
        assert body["executions"], q
        dates = [e["business_date"] for e in body["executions"]]
        assert dates == sorted(dates, reverse=True), (q, dates)
        check_list_plans(s, stmts, "task_executions", "e", "ix_exec_task_bizdate")


def test_audit_lists_read_their_index_a_page_at_a_time(plans_stack, shapes):
    viewer = plans_stack.session("viewer")
    for name, _, paths in shapes:
        if name not in AUDIT_INDEX:
            continue
        stmts, body = issued(plans_stack, viewer, paths[0])
        assert body["entries"], (name, paths[0])
        check_list_plans(plans_stack, stmts, "audit_log", "audit_log", AUDIT_INDEX[name])
    assert set(AUDIT_INDEX) <= {n for n, _, _ in shapes}


def test_statistics_read_rollups_and_few_execution_rows(plans_stack, shapes):
    viewer = plans_stack.session("viewer")
    seen = 0
    for name, _, paths in shapes:
        if not name.startswith("stats"):
            continue
        per_task = "task_id=" in paths[0]
        stmts, body = issued(plans_stack, viewer, paths[0])
        assert body["total_executions"] > 0 and body["daily"], (name, body)
        for q in stmts:
            for a in analyze(plans_stack, q):
                t, key = a["table_name"], a.get("key")
                if t in ("task_stats_daily", "task_stats_daily_all"):
                    # one task: its rows by the primary key; all tasks: the
                    # all-tasks rollup (080), at most 4 rows a day, never
                    # every (task, day) row
                    seen += 1
                    assert t == ("task_stats_daily" if per_task else "task_stats_daily_all"), \
                        (q, a)
                    assert key == "PRIMARY", (q, a)
                    assert rows_read(a) <= 4 * (DAYS + 1), (q, a)
                elif t == "task_executions":
                    seen += 1
                    assert key in STATS_EXEC_INDEXES, (q, a)
                    assert a["access_type"] != "ALL" and rows_read(a) <= 100, (q, a)
                elif t == "scheduled_tasks":
                    assert key == "PRIMARY", (q, a)
    assert seen >= 8


def test_totals_exact_below_the_cap_capped_above_with_a_next_page(plans_stack):
    s, viewer = plans_stack, plans_stack.session("viewer")
    tid = s.plan_ids[3]
    url = f"{s.api_url}/scheduler/tasks/{tid}/executions"
    per_task = int(s.sql_value(f"SELECT COUNT(*) FROM task_executions WHERE task_id = {tid}"))
    assert per_task > CAP
    body = viewer.get(url, params={"limit": 20}, timeout=30).json()
    assert (body["total"], body["total_capped"], len(body["executions"])) == (CAP, True, 20)
    # a page ending past the cap: the count goes one row further, so a next page shows
    body = viewer.get(url, params={"limit": 50, "skip": 12000}, timeout=30).json()
    assert body["total"] == 12051 and body["total_capped"] is True
    want = s.sql(f"SELECT id FROM task_executions WHERE task_id = {tid} "
                 "ORDER BY id DESC LIMIT 50 OFFSET 12000")
    assert [e["id"] for e in body["executions"]] == [int(r[0]) for r in want]
    # the last page: exact, no next page
    body = viewer.get(url, params={"limit": 50, "skip": per_task - 30}, timeout=30).json()
    assert (body["total"], body["total_capped"], len(body["executions"])) == (per_task, False, 30)
    # a day: exact, newest start first
    day, end = s.sql(f"SELECT d, d + INTERVAL 1 DAY FROM (SELECT DATE(MAX(start_time)) - "
                     f"INTERVAL 10 DAY AS d FROM task_executions WHERE task_id = {tid}) x")[0]
    want = s.sql(f"SELECT id FROM task_executions WHERE task_id = {tid} AND status = 'failed' "
                 f"AND start_time >= '{day}' AND start_time < '{end}' "
                 f"ORDER BY start_time DESC, id DESC")
    body = viewer.get(url, params={"status": "failed", "start_time_from": day,
                                   "start_time_to": end, "limit": 1000}, timeout=30).json()
    assert [e["id"] for e in body["executions"]] == [int(r[0]) for r in want]
    assert body["total"] == len(want) > 0 and body["total_capped"] is False
    # ...and a page of it past the start (ids from the index, then the rows)
    body = viewer.get(url, params={"start_time_from": day, "start_time_to": end, "skip": 5,
                                   "limit": 7}, timeout=30).json()
    want = s.sql(f"SELECT id FROM task_executions WHERE task_id = {tid} "
                 f"AND start_time >= '{day}' AND start_time < '{end}' "
                 f"ORDER BY start_time DESC, id DESC LIMIT 7 OFFSET 5")
    assert [e["id"] for e in body["executions"]] == [int(r[0]) for r in want] and len(want) == 7
    # the audit log: the same rule
    audit = viewer.get(f"{s.api_url}/scheduler/audit", params={"limit": 10}, timeout=30).json()
    assert (audit["total"], audit["total_capped"]) == (CAP, True)
    at = [e["at"] for e in audit["entries"]]
    assert at == sorted(at, reverse=True)
