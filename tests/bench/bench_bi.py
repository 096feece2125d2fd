"""bench_bi.py - the README's "Reporting (BI)" reports over a large history
(./zq bench runs this; figures, not a timed test).

    ZQ_BUILD_DIR=build/bench /usr/bin/python3 tests/bench/bench_bi.py
        [--quick] [--executions N] [--runs 5]

(ZQ_BENCH_QUICK=1 is the same as --quick: 300,000 executions.)

A stack without a scheduler (tests/zqstack.py, MariaDB as ./zq bench
configures it) is loaded in SQL by tests/bench/bench_history.py's load():
200 tasks, N executions (default 5,000,000) over 120 days, task_stats_daily
and task_run_state rebuilt from them. Then 1 execution in 100 is made to start
61-300 s late, and 5 workflows of 3 nodes get a run every 2 hours (3 node
runs each). Each report of tests/integration/bi_reports.py (the README's SQL)
runs --runs times; its median and its EXPLAIN's access paths are printed, and
the median is a benchlib.target() (<= 1000 ms).
"""
import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SRC, "tests"))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
sys.path.insert(0, HERE)
import benchlib  # noqa: E402
from bench_history import load  # noqa: E402
from bi_reports import INDEX_ONLY, REPORTS, explain_access, index_only  # noqa: E402

WORKFLOWS, NODES, WF_EVERY_S = 5, 3, 7200


def add_late_starts(sql):
    """1 execution in 100 starts 61-300 s after its scheduled time."""
    sql("UPDATE task_executions SET start_time = start_time + INTERVAL (61 + id MOD 240) SECOND, "
        "end_time = end_time + INTERVAL (61 + id MOD 240) SECOND "
        "WHERE id MOD 100 = 7 AND start_time IS NOT NULL")


def add_workflow_runs(sql, node_ids, t0, t1, prefix="bi-wf-"):
    """WORKFLOWS workflow tasks over node_ids[:NODES], a run of each every
    WF_EVERY_S from t0 to t1: the parent (its result as the engine writes it),
    its workflow_runs row and one child per node, run one after another
    (durations 20-80 s; 1 run in 50 takes 3 times as long)."""
    plan = ('{"workflow_type": "serial", "on_failure": "stop", "tasks": ['
            + ", ".join(f'{{"task_id": {t}, "dependencies": []}}' for t in node_ids[:NODES])
            + "]}")
    sql("INSERT INTO scheduled_tasks (name, job_id, task_type, config, cron_expression) "
        f"SELECT CONCAT('{prefix}', seq), CONCAT('{prefix}', seq), 'workflow', '{plan}', "
        f"'0 */2 * * *' FROM seq_1_to_{WORKFLOWS}")
    wf = [int(r[0]) for r in sql(f"SELECT id FROM scheduled_tasks WHERE name LIKE '{prefix}%' "
                                 "ORDER BY id")]
    runs = int((t1 - t0).total_seconds()) // WF_EVERY_S
    t0s = t0.strftime("%Y-%m-%d %H:%M:%S")
    # run k of workflow w: starts at t0 + k * WF_EVERY_S + w minutes
    sql("SET SESSION foreign_key_checks = 0; "
        "INSERT INTO task_executions (task_id, trigger_type, status, scheduled_time, fire_key, "
        "not_before, start_time, end_time, duration_ms, result, created_at) "
        "SELECT w.id, 'schedule', 'success', r.ts, r.ts, r.ts, r.ts, r.ts + INTERVAL r.d SECOND, "
        f"r.d * 1000, '{{\"success\": true, \"nodes_total\": {NODES}, \"nodes_succeeded\": "
        f"{NODES}, \"nodes_failed\": 0, \"nodes_skipped\": 0, \"nodes_not_run\": 0}}', r.ts "
        f"FROM (SELECT id, id - {wf[0]} AS w FROM scheduled_tasks WHERE id BETWEEN {wf[0]} AND "
        f"{wf[-1]}) w JOIN (SELECT seq AS k, TIMESTAMP'{t0s}' + INTERVAL seq * {WF_EVERY_S} "
        f"SECOND AS ts, (60 + seq MOD 60) * IF(seq MOD 50 = 0, 3, 1) AS d "
        f"FROM seq_1_to_{runs}) r")
    sql("INSERT INTO workflow_runs (execution_id, plan) SELECT e.id, t.config FROM "
        "task_executions e JOIN scheduled_tasks t ON t.id = e.task_id "
        f"WHERE e.task_id BETWEEN {wf[0]} AND {wf[-1]}")
    for i, node in enumerate(node_ids[:NODES]):
        # node i runs the i-th third of its parent's time
        sql("SET SESSION foreign_key_checks = 0; "
            "INSERT INTO task_executions (task_id, parent_execution_id, trigger_type, status, "
            "scheduled_time, not_before, start_time, end_time, duration_ms, node_id, created_at) "
            f"SELECT {node}, e.id, 'workflow', 'success', e.start_time, e.start_time, "
            f"e.start_time + INTERVAL e.duration_ms * {i} / {NODES} * 1000 MICROSECOND, "
            f"e.start_time + INTERVAL e.duration_ms * {i + 1} / {NODES} * 1000 MICROSECOND, "
            f"e.duration_ms DIV {NODES}, 1, e.start_time FROM task_executions e "
            f"WHERE e.task_id BETWEEN {wf[0]} AND {wf[-1]}")
    return wf


def timed(s, sql, runs):
    times = []
    for _ in range(runs):
        t = time.monotonic()
        s.sql(sql)
        times.append((time.monotonic() - t) * 1000)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    quick = "--quick" in sys.argv or os.environ.get("ZQ_BENCH_QUICK") == "1"
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--executions", type=int, default=300000 if quick else 5000000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    from zqstack import Stack
    build = os.environ.get("ZQ_BUILD_DIR") or os.path.join(SRC, "build", "bench")
    s = Stack(build_dir=build, scheduler=False, extra_config="log.level = warn\n",
              mariadb_cnf=benchlib.mariadb_cnf())
    s.start()
    try:
        print(f"bench_bi: {args.executions:,} executions over 200 tasks and 120 days; "
              f"innodb_buffer_pool_size {benchlib.buffer_pool_mb(s)} MB; {os.cpu_count()} CPUs",
              flush=True)
        started = time.monotonic()
        ids, t0, t1 = load(s.sql, args.executions, audit=0, prefix="bi-",
                           progress=lambda m: print(m, flush=True))
        add_late_starts(s.sql)
        add_workflow_runs(s.sql, ids, t0, t1)
        s.sql("ANALYZE TABLE task_executions, scheduled_tasks, task_stats_daily, workflow_runs")
        print(f"  loaded in {time.monotonic() - started:.0f} s", flush=True)
        params = {"task_id": str(ids[7])}
        cmd = benchlib.command()
        label = f"{args.executions / 1e6:g}M"
        print(f"\n  {'report':44s} {'median':>9s}  access paths (EXPLAIN)")
        for name, sql in REPORTS:
            q = sql.format(**params)
            s.sql(q)   # warm
            ms = timed(s, q, args.runs)
            paths = ", ".join(f"{t}:{a}:{k}" for t, a, k in explain_access(s.sql, q))
            if name in INDEX_ONLY:
                covered = INDEX_ONLY[name] in index_only(s.sql, q)
                paths += " (index-only)" if covered else " (NOT index-only: row lookups)"
            print(f"  {name:44s} {ms:7.1f}ms  {paths}", flush=True)
            benchlib.target(f"bi@{label}: {name} median", ms, "ms", "<=", 1000, cmd=cmd)
            if name in INDEX_ONLY:
                # the same SQL over bi_executions, as before migration 150
                # (its joins make each run a row lookup): the A/B on this data
                old = q.replace("bi_execution_facts", "bi_executions")
                s.sql(old)
                print(f"  {'  the same over bi_executions':44s} "
                      f"{timed(s, old, args.runs):7.1f}ms", flush=True)
    finally:
        s.stop()
        s.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
