"""The reporting schema (migration 130, README "Reporting (BI)"): the views
against their data dictionary and the README, the reports' numbers on a known
small history, local times across DST changes, and the reports' plans.

A private stack without a scheduler; the history is written in SQL relative
to the database's UTC date (runs 1-20 days back), task_stats_daily rebuilt
from it as the scheduler would have written it."""
import datetime
import os
import sys
from zoneinfo import ZoneInfo

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "bench"))
sys.path.insert(0, os.path.dirname(HERE))
from bi_reports import (INDEX_ONLY, REPORTS, dictionary_markdown, explain_access,  # noqa: E402
                        index_only, readme_dictionary)
from zqstack import SRC, Stack, session_stack  # noqa: E402

FAMILY = {"tinyint": "int", "smallint": "int", "int": "int", "bigint": "int",
          "decimal": "decimal", "double": "decimal", "float": "decimal",
          "varchar": "string", "char": "string", "text": "string", "mediumtext": "string",
          "longtext": "string", "datetime": "datetime", "timestamp": "datetime", "date": "date"}
VIEWS_SQL = ("SELECT table_name FROM information_schema.views WHERE table_schema = 'zq' "
             "AND table_name LIKE 'bi\\_%' ORDER BY table_name")


def q(v):
    return "NULL" if v is None else "'" + str(v).replace("'", "''") + "'"


def ts(d):
    return None if d is None else d.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


class History:
    """Tasks and runs written in SQL; what each report must say about them."""

    def __init__(self, s):
        self.s = s
        self.today = datetime.date.fromisoformat(s.sql_value("SELECT UTC_DATE()"))
        self.runs = []      # (task, status, start, end, lateness s, duration s)

    def at(self, days_ago, hour, minute=0, second=0.0):
        d = self.today - datetime.timedelta(days=days_ago)
        return (datetime.datetime(d.year, d.month, d.day, hour, minute)
                + datetime.timedelta(seconds=second))

    def task(self, name, task_type="common_task", tz="UTC", **cols):
        names = ", ".join(["name", "job_id", "task_type", "timezone", "config", *cols])
        vals = ", ".join([q(name), q(name), q(task_type), q(tz), q('{"command": "true"}'),
                          *(q(v) for v in cols.values())])
        self.s.sql(f"INSERT INTO scheduled_tasks ({names}) VALUES ({vals})")
        return int(self.s.sql_value(f"SELECT id FROM scheduled_tasks WHERE name = {q(name)}"))

    def run(self, task, status, scheduled, late=0.0, duration=1.0, parent=None, result=None,
            trigger="schedule", node=None, retry=0):
        start = scheduled + datetime.timedelta(seconds=late)
        end = start + datetime.timedelta(seconds=duration)
        rows = self.s.sql(
            "INSERT INTO task_executions (task_id, parent_execution_id, trigger_type, status, "
            "scheduled_time, not_before, start_time, end_time, duration_ms, result, node_id, "
            f"retry_count) VALUES ({task}, {q(parent)}, {q(trigger)}, {q(status)}, "
            f"{q(ts(scheduled))}, {q(ts(scheduled))}, {q(ts(start))}, {q(ts(end))}, "
            f"{round(duration * 1000)}, {q(result)}, {q(node)}, {retry}); "
            "SELECT LAST_INSERT_ID()")
        self.runs.append((task, status, start, end, late, duration))
        return int(rows[0][0])

    def rollup(self, ids):
        """task_stats_daily as the scheduler writes it (db/store/stats_store.c)."""
        self.s.sql("INSERT INTO task_stats_daily (task_id, day, runs, successes, failures, "
                   "terminations, skipped, total_duration_ms, max_duration_ms, last_end_at) "
                   "SELECT task_id, DATE(end_time), SUM(status <> 'skipped'), "
                   "SUM(status = 'success'), SUM(status = 'failed'), "
                   "SUM(status = 'terminated'), SUM(status = 'skipped'), "
                   "SUM(IF(status <> 'skipped', duration_ms, 0)), "
                   "MAX(IF(status <> 'skipped', duration_ms, 0)), MAX(end_time) "
                   f"FROM task_executions WHERE task_id IN ({', '.join(map(str, ids))}) "
                   "GROUP BY task_id, DATE(end_time)")


def monday(d):
    d = d.date() if isinstance(d, datetime.datetime) else d
    return d - datetime.timedelta(days=d.weekday())


def percentile_cont(values, p):
    v = sorted(values)
    pos = p * (len(v) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


@pytest.fixture(scope="module")
def bi():
    gen = session_stack(scheduler=False)
    s = next(gen)
    h = History(s)
    s.sql("INSERT INTO scheduler_nodes (name, host, pid, version, started_at, heartbeat_at) "
          "VALUES ('node-a', 'host-a', 1, 'test', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))")
    node = int(s.sql_value("SELECT MAX(id) FROM scheduler_nodes"))
    s.sql("INSERT INTO calendars (name, timezone) VALUES ('known-cal', 'UTC')")
    cal = int(s.sql_value("SELECT id FROM calendars WHERE name = 'known-cal'"))
    a = h.task("known-a", cron_expression="0 10 * * *", calendar_id=cal, calendar_rule="only",
               created_by="alice")
    b = h.task("known-b", interval_seconds=300)
    c = h.task("known-c")
    # A: one run a day 2..11 days back at 10:00, 1..10 s long, failed 3 and 5 days back;
    # the one 2 days back started 75 s late
    for i, days in enumerate(range(2, 12)):
        h.run(a, "failed" if days in (3, 5) else "success", h.at(days, 10),
              late=75.0 if days == 2 else 0.0, duration=float(i + 1), node=node)
    # B: 2..7 days back at 14:00, 3 failed; 61.5 s late 3 days back
    for days in range(2, 8):
        h.run(b, "failed" if days % 2 else "success", h.at(days, 14),
              late=61.5 if days == 3 else 0.0, duration=2.0)
    # C: manual runs; 45 s late (not late enough) and 300 s late
    h.run(c, "success", h.at(4, 14), late=45.0, trigger="manual")
    h.run(c, "success", h.at(6, 14, 30), late=300.0, trigger="manual")
    # a workflow W of two nodes: runs of 100 s 8..20 days back, then 200, 140
    # and 151 s 1, 2 and 3 days back
    n1, n2 = h.task("known-n1"), h.task("known-n2")
    w = h.task("known-w", task_type="workflow")
    result = ('{"success": true, "nodes_total": 2, "nodes_succeeded": 2, "nodes_failed": 0, '
              '"nodes_skipped": 0, "nodes_not_run": 0}')
    plan = (f'{{"workflow_type": "serial", "tasks": [{{"task_id": {n1}, "dependencies": []}}, '
            f'{{"task_id": {n2}, "dependencies": [{n1}]}}]}}')
    wf_runs = {}
    for days, wall in [(d, 100.0) for d in range(8, 21)] + [(1, 200.0), (2, 140.0), (3, 151.0)]:
        rid = h.run(w, "success", h.at(days, 12), duration=wall, result=result)
        s.sql(f"INSERT INTO workflow_runs (execution_id, plan) VALUES ({rid}, {q(plan)})")
        wf_runs[days] = (rid, wall)
    rid = wf_runs[1][0]
    h.run(n1, "success", h.at(1, 12, 0, 1), duration=50.0, parent=rid, trigger="workflow")
    h.run(n2, "success", h.at(1, 12, 0, 60), duration=120.0, parent=rid, trigger="workflow")
    # a parallel workflow: c after a and b -> critical path b + c; and a chain
    # 7 nodes deep, past what the view follows
    pa, pb, pc = h.task("known-pa"), h.task("known-pb"), h.task("known-pc")
    wp = h.task("known-wp", task_type="workflow")
    plan = (f'{{"workflow_type": "parallel", "tasks": [{{"task_id": {pa}, "dependencies": []}}, '
            f'{{"task_id": {pb}}}, {{"task_id": {pc}, "dependencies": [{pa}, {pb}]}}]}}')
    prun = h.run(wp, "success", h.at(1, 9), duration=40.0, result=result)
    s.sql(f"INSERT INTO workflow_runs (execution_id, plan) VALUES ({prun}, {q(plan)})")
    h.run(pa, "failed", h.at(1, 9, 0, 1), duration=4.0, parent=prun, trigger="workflow")
    h.run(pa, "success", h.at(1, 9, 0, 6), duration=6.0, parent=prun, trigger="retry",
          retry=1)
    h.run(pb, "success", h.at(1, 9, 0, 1), duration=30.0, parent=prun, trigger="workflow")
    h.run(pc, "success", h.at(1, 9, 0, 32), duration=5.0, parent=prun, trigger="workflow")
    chain = [h.task(f"known-chain{i}") for i in range(7)]
    deep = ('{"workflow_type": "parallel", "tasks": [' + ", ".join(
        f'{{"task_id": {t}, "dependencies": [{chain[i - 1]}]}}' if i else f'{{"task_id": {t}}}'
        for i, t in enumerate(chain)) + "]}")
    drun = h.run(wp, "success", h.at(1, 11), duration=10.0, result=result)
    s.sql(f"INSERT INTO workflow_runs (execution_id, plan) VALUES ({drun}, {q(deep)})")
    h.wf_parallel, h.wf_deep = prun, drun
    # America/New_York across both DST changes of 2025 (March 9, November 2)
    ny = h.task("known-ny", tz="America/New_York", cron_expression="30 1 * * *")
    ny_utc = [datetime.datetime(2025, 3, 9, 6, 30), datetime.datetime(2025, 3, 9, 6, 59, 59),
              datetime.datetime(2025, 3, 9, 7, 0), datetime.datetime(2025, 3, 9, 7, 30),
              datetime.datetime(2025, 11, 2, 5, 30), datetime.datetime(2025, 11, 2, 5, 59, 59),
              datetime.datetime(2025, 11, 2, 6, 0), datetime.datetime(2025, 11, 2, 6, 30)]
    ny_runs = [h.run(ny, "success", t, duration=1800.0) for t in ny_utc]
    h.rollup([a, b, c, n1, n2, w])
    s.sql("INSERT INTO alert_rules (task_id, kind, params) VALUES "
          f"({a}, 'on_failure', '{{}}')")
    rule = int(s.sql_value("SELECT MAX(id) FROM alert_rules"))
    s.sql("INSERT INTO alerts (rule_id, task_id, slot, kind, state, summary, opened_at, "
          f"closed_at, closed_reason) VALUES ({rule}, {a}, 'x', 'on_failure', 'closed', "
          f"'known-a failed', {q(ts(h.at(3, 10, 1)))}, {q(ts(h.at(2, 10, 2)))}, 'recovered')")
    # task_run_state as the writers keep it
    from run_state import refresh_sql, transaction
    s.sql(transaction(refresh_sql("t.name LIKE 'known-%'")))
    h.ids = {"a": a, "b": b, "c": c, "w": w, "ny": ny, "n1": n1, "n2": n2}
    h.wf_runs, h.ny_utc, h.ny_runs, h.node = wf_runs, ny_utc, ny_runs, node
    s.h = h
    yield s
    next(gen, None)


def rows_of(s, name, **params):
    sql = dict(REPORTS)[name]
    return s.sql(sql.format(**params))


# ----- the reports on the known history --------------------------------------------
def test_success_rate_by_task_by_week(bi):
    h = bi.h
    want = {}
    for task, status, start, end, _, _ in h.runs:
        if task in (h.ids["a"], h.ids["b"]):
            k = (str(task), str(monday(end)))
            r, ok = want.get(k, (0, 0))
            want[k] = (r + 1, ok + (status == "success"))
    got = {(r[0], r[2]): (int(r[3]), int(r[4]), r[5]) for r in
           rows_of(bi, "success rate by task by week") if r[0] in (str(h.ids["a"]), str(h.ids["b"]))}
    assert got == {k: (n, ok, f"{ok / n:.4f}") for k, (n, ok) in want.items()}


def test_p95_duration_trend_of_a_task(bi):
    h = bi.h
    weeks = {}
    for task, _, start, _, _, dur in h.runs:
        if task == h.ids["a"]:
            weeks.setdefault(str(monday(start)), []).append(dur)
    got = [(r[0], int(r[1]), r[2]) for r in
           rows_of(bi, "p95 duration trend of a task, by week", task_id=h.ids["a"])]
    assert got == [(w, len(d), f"{percentile_cont(d, 0.95):.3f}") for w, d in sorted(weeks.items())]


def test_top_failing_tasks(bi):
    h = bi.h
    got = rows_of(bi, "top 10 failing tasks in 30 days")
    assert got == [[str(h.ids["b"]), "known-b", "3", "6", "0.5000"],
                   [str(h.ids["a"]), "known-a", "2", "10", "0.2000"]]


def test_late_starts_by_hour(bi):
    got = rows_of(bi, "late starts (> 60 s) by hour of day")
    assert got == [["10", "1", "75.0", "75.000"], ["14", "2", "180.8", "300.000"]]


def test_workflow_runs_longer_than_usual(bi):
    h = bi.h
    got = [(r[0], r[2], r[4], r[5], r[6]) for r in rows_of(bi, "workflow runs longer than usual")]
    assert got == [(str(h.wf_runs[1][0]), "known-w", "200.0000", "100.000", "2.00"),
                   (str(h.wf_runs[3][0]), "known-w", "151.0000", "100.000", "1.51")]


# ----- the views ---------------------------------------------------------------------
def test_every_view_returns_rows(bi):
    views = [r[0] for r in bi.sql(VIEWS_SQL)]
    assert {"bi_meta", "bi_dictionary", "bi_tasks", "bi_executions", "bi_execution_facts",
            "bi_task_daily", "bi_task_daily_p95", "bi_workflow_runs", "bi_alerts"} <= set(views)
    for v in views:
        assert int(bi.sql_value(f"SELECT COUNT(*) FROM {v}")) > 0, v


def test_meta_and_tasks(bi):
    h = bi.h
    assert bi.sql("SELECT schema_version, since_migration, times_in, tz_tables_loaded "
                  "FROM bi_meta") == [["2", "130", "UTC", "1"]]
    got = {r[0]: r[1:] for r in bi.sql(
        "SELECT task_name, schedule_kind, schedule_text, calendar_name, owner, state, "
        "active_executions FROM bi_tasks WHERE task_name LIKE 'known-%'")}
    assert got["known-a"] == ["cron", "cron 0 10 * * * (UTC), calendar known-cal (only)",
                              "known-cal", "alice", "success", "0"]
    assert got["known-b"][:2] == ["interval", "every 300 s"]
    assert got["known-b"][4] == "failed"        # the newest finished run by id (7 days back)
    assert got["known-c"][:2] == ["manual", "manual"]
    assert got["known-ny"][1] == "cron 30 1 * * * (America/New_York)"
    bi.sql(f"UPDATE scheduled_tasks SET paused = 1 WHERE id = {h.ids['b']}")
    bi.sql(f"UPDATE scheduled_tasks SET enabled = 0 WHERE id = {h.ids['c']}")
    try:
        assert bi.sql("SELECT task_name, state FROM bi_tasks WHERE task_name IN "
                      "('known-b', 'known-c') ORDER BY task_name") == [
            ["known-b", "paused"], ["known-c", "disabled"]]
    finally:
        bi.sql(f"UPDATE scheduled_tasks SET paused = 0, enabled = 1 WHERE id IN "
               f"({h.ids['b']}, {h.ids['c']})")


def test_executions_columns(bi):
    h = bi.h
    rid = h.wf_runs[1][0]
    rows = bi.sql("SELECT task_name, trigger_type, workflow_task_id, workflow_name, "
                  "parent_execution_id FROM bi_executions WHERE parent_execution_id = "
                  f"{rid} ORDER BY execution_id")
    assert rows == [["known-n1", "workflow", str(h.ids["w"]), "known-w", str(rid)],
                    ["known-n2", "workflow", str(h.ids["w"]), "known-w", str(rid)]]
    r = bi.sql("SELECT lateness_seconds, node_name, node_host, duration_seconds FROM "
               f"bi_executions WHERE task_id = {h.ids['a']} AND lateness_seconds > 0")
    assert r == [["75.000", "node-a", "host-a", "1.0000"]]
    # the columns of 001/111 keep their order, first
    cols = [c[0] for c in bi.sql("SELECT column_name FROM information_schema.columns WHERE "
                                 "table_schema = 'zq' AND table_name = 'bi_executions' "
                                 "ORDER BY ordinal_position")]
    assert cols[:16] == ["execution_id", "task_id", "task_name", "task_type", "trigger_type",
                         "status", "scheduled_time", "start_time", "end_time",
                         "duration_seconds", "retry_count", "error_message",
                         "parent_execution_id", "node_id", "business_date", "backfill_id"]
    cols = [c[0] for c in bi.sql("SELECT column_name FROM information_schema.columns WHERE "
                                 "table_schema = 'zq' AND table_name = 'bi_task_daily' "
                                 "ORDER BY ordinal_position")]
    assert cols[:12] == ["day", "task_id", "task_name", "task_type", "runs", "successes",
                         "failures", "terminations", "skipped", "success_rate",
                         "avg_duration_seconds", "max_duration_seconds"]


def test_workflow_runs_and_daily_p95(bi):
    h = bi.h
    rid = h.wf_runs[1][0]
    assert bi.sql("SELECT workflow_name, status, wall_seconds, workflow_type, nodes_total, "
                  "nodes_succeeded, node_runs, nodes_span_seconds, nodes_busy_seconds "
                  f"FROM bi_workflow_runs WHERE execution_id = {rid}") == [
        ["known-w", "success", "200.0000", "serial", "2", "2", "2", "179.0000", "170.0000"]]
    # serial: every node's run time; parallel: a's two attempts (10) < b (30), then c
    assert bi.sql("SELECT execution_id, critical_path_seconds, nodes_busy_seconds FROM "
                  "bi_workflow_runs WHERE execution_id IN "
                  f"({rid}, {h.wf_parallel}, {h.wf_deep}) ORDER BY execution_id") == [
        [str(rid), "170.0000", "170.0000"], [str(h.wf_parallel), "35.0000", "45.0000"],
        [str(h.wf_deep), None, None]]
    a = h.ids["a"]
    durs = {}
    for task, status, _, end, _, dur in h.runs:
        if task == a:
            durs.setdefault(str(end.date()), []).append(dur)
    got = bi.sql(f"SELECT day, runs, p95_duration_seconds FROM bi_task_daily_p95 WHERE "
                 f"task_id = {a} ORDER BY day")
    assert [(r[0], int(r[1]), float(r[2])) for r in got] == [
        (d, len(v), pytest.approx(percentile_cont(v, 0.95))) for d, v in sorted(durs.items())]
    assert bi.sql(f"SELECT task_name, kind, state, open_seconds, closed_reason FROM bi_alerts "
                  f"WHERE task_id = {a}") == [["known-a", "on_failure", "closed",
                                               "86460.0000", "recovered"]]


def test_local_times_across_dst(bi):
    h = bi.h
    zone = ZoneInfo("America/New_York")
    rows = bi.sql("SELECT execution_id, timezone, scheduled_time_local, start_time_local, "
                  f"end_time_local FROM bi_executions WHERE task_id = {h.ids['ny']} "
                  "ORDER BY execution_id")
    assert [int(r[0]) for r in rows] == h.ny_runs

    def local(t):
        return (t.replace(tzinfo=datetime.timezone.utc).astimezone(zone)
                .replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.000"))
    for r, t in zip(rows, h.ny_utc):
        end = t + datetime.timedelta(seconds=1800)
        assert r[1:] == ["America/New_York", local(t), local(t), local(end)], (t, r)
    # the four instants the changes make special, by hand: 01:59:59 EST is
    # followed by 03:00:00 EDT; 01:59:59 EDT by 01:00:00 EST
    got = [r[2] for r in rows]
    assert got[1:3] == ["2025-03-09 01:59:59.000", "2025-03-09 03:00:00.000"]
    assert got[5:7] == ["2025-11-02 01:59:59.000", "2025-11-02 01:00:00.000"]


def test_views_work_without_tz_tables(tmp_path):
    """A server without time zone tables: the views answer, *_local NULL for
    zones other than UTC, bi_meta says so."""
    s = Stack(scheduler=False, tz_tables=False)
    try:
        s.start_mariadb()
        s.create_database()
        s.write_config()
        s.zq_db("migrate")
        assert not s.tz_tables_loaded()
        s.sql("INSERT INTO scheduled_tasks (name, job_id, task_type, timezone, config) VALUES "
              "('ny', 'ny', 'common_task', 'America/New_York', '{}'), "
              "('utc', 'utc', 'common_task', 'UTC', '{}')")
        s.sql("INSERT INTO task_executions (task_id, trigger_type, status, scheduled_time, "
              "not_before, start_time) SELECT id, 'manual', 'running', '2025-03-09 07:00:00', "
              "'2025-03-09 07:00:00', '2025-03-09 07:00:00' FROM scheduled_tasks")
        assert s.sql("SELECT task_name, start_time_local FROM bi_executions ORDER BY "
                     "task_name") == [["ny", None], ["utc", "2025-03-09 07:00:00.000"]]
        assert s.sql_value("SELECT tz_tables_loaded FROM bi_meta") == "0"
        for (v,) in s.sql(VIEWS_SQL):
            s.sql(f"SELECT * FROM {v}")
    finally:
        s.stop()
        s.cleanup()


# ----- the dictionary ----------------------------------------------------------------
def test_dictionary_matches_the_views(bi):
    """information_schema.columns of every bi_* view == bi_dictionary."""
    views = [r[0] for r in bi.sql(VIEWS_SQL)]
    actual = bi.sql("SELECT table_name, ordinal_position, column_name, data_type FROM "
                    "information_schema.columns WHERE table_schema = 'zq' AND table_name IN "
                    f"({', '.join(q(v) for v in views)}) ORDER BY table_name, ordinal_position")
    actual = sorted([t, int(p), c, FAMILY.get(d, d)] for t, p, c, d in actual)
    documented = sorted([v, int(p), c, t] for v, p, c, t in bi.sql(
        "SELECT view_name, position, column_name, type FROM bi_dictionary"))
    assert actual == documented
    assert not bi.sql("SELECT view_name, column_name FROM bi_dictionary WHERE meaning = ''")


def test_readme_has_the_generated_dictionary(bi):
    """README.md's data dictionary == bi_dictionary (regenerate it with
    tests/integration/bi_reports.py)."""
    with open(os.path.join(SRC, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    if "## Reporting (BI)" not in readme:
        pytest.xfail('README.md has no "## Reporting (BI)" section yet (the lead pastes '
                     "/tmp/readme-bi.md)")
    got = readme_dictionary(readme)
    assert got is not None, "README.md's Reporting (BI) section lacks the dictionary markers"
    assert got == dictionary_markdown(bi.sql)


def test_readme_has_the_reports(bi):
    with open(os.path.join(SRC, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    if "## Reporting (BI)" not in readme:
        pytest.xfail('README.md has no "## Reporting (BI)" section yet')
    for name, sql in REPORTS:
        assert "\n".join("   " + line for line in sql.split("\n")) in readme, name


# ----- the plans ----------------------------------------------------------------------
def test_reports_read_indexes(bi):
    """Over 60,000 more executions (bench_history's load), each report reads
    the base tables through indexes: no full scan of any, and no whole-index
    scan of task_executions. Runs last: the reports' numbers above are for
    the known history alone."""
    from bench_history import load
    ids, _, _ = load(bi.sql, 60000, tasks=20, audit=0, prefix="plan-")
    bi.sql("ANALYZE TABLE task_executions, scheduled_tasks, task_stats_daily, workflow_runs")
    bad = {}
    for name, sql in REPORTS:
        for table, access, key in explain_access(bi.sql, sql.format(task_id=ids[3])):
            if table.startswith("<"):
                continue            # a derived table of the query itself
            if access == "ALL" or (table in ("e", "p", "c") and access == "index"):
                bad.setdefault(name, []).append((table, access, key))
        # the two over many executions read one index and no row (a row
        # lookup per run made them seconds long at 5,000,000 executions)
        if name in INDEX_ONLY and INDEX_ONLY[name] not in \
                index_only(bi.sql, sql.format(task_id=ids[3])):
            bad.setdefault(name, []).append(("not index-only", INDEX_ONLY[name]))
    assert bad == {}
