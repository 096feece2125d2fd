"""bench_tasks.py - the task list and zq-api's per-request cost with 1,000,000
tasks defined (./zq bench runs this; figures, not a timed test).

    ZQ_BUILD_DIR=build/h-api-rel /usr/bin/python3 tests/bench/bench_tasks.py
        [--quick] [--tasks N] [--runs 3] [--duration 5] [--connections 8]
        [--only SUBSTRING] [--before-build DIR [--before-drop 081|none|T.IX,...]
        [--interleave]]

(ZQ_BENCH_QUICK=1 is the same as --quick: 50,000 tasks, one run of 2 s per
request, for a smoke run; ./zq bench passes no arguments.)

A Release stack (tests/zqstack.py, no scheduler) is loaded in SQL with
multi-row INSERTs: N tasks (default 1,000,000) of the four types, 3 %
disabled, 1 % paused, one in a hundred a workflow of the two tasks after it
(so sub-tasks are hidden from the default list), a fifth with an execution
(mostly success, some failed / terminated / running / pending) and its
task_run_state row. Then wrk (8 connections) asks every list shape the API
and the tasks page offer (first page; deep page; each filter: task_type,
enabled, name substring common / rare / absent, each schedule_status,
include_subtasks; combined), one task, and the per-request shapes (health,
auth/me), and prints p50 / p95 / p99 (medians of the runs) with the targets
(the two shapes that read a whole index per request - a rare or absent name -
last and with one connection; after each shape the bench waits until zq-api
has finished the requests wrk left in flight):
  GET /scheduler/tasks?limit=50                        p95 <= 30 ms
  the same with each filter                            p95 <= 50 ms
  GET /scheduler/tasks/{id}, the pages' load requests  p95 <= 30 ms
--before-build DIR then measures the same data with DIR's zq-api (its
schema version set back, the 081 indexes dropped): before / after in one load
(--before-runs, default 1: its list requests take seconds each).
--before-drop says which indexes the before build is run without (081: those
five, the default; none; or TABLE.INDEX,...). --interleave alternates the two
builds run by run, each in turn first (--runs of each; back on this build
after `zq-db migrate`, which re-creates only what the before build's schema
version lacks), so a shared machine's load falls on both alike; each run
prints the load average.

load() and cases() are also used by tests/integration/test_task_list_plans.py
(over a small data set).
"""
import argparse
import os
import random
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(SRC, "tests"))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))

import benchlib  # noqa: E402
from bench_history import wrk  # noqa: E402

PREFIXES = ("sync_daily_", "report_", "etl_load_", "backup_", "import_quotes_")
INDEXES_081 = (("scheduled_tasks", "ix_tasks_enabled"), ("scheduled_tasks", "ix_tasks_paused"),
               ("task_run_state", "ix_runstate_finished"), ("task_run_state", "ix_runstate_active"),
               ("scheduled_tasks", "ix_tasks_list"))


def _chunks(n, size):
    lo = 1
    while lo <= n:
        hi = min(n, lo + size - 1)
        yield lo, hi
        lo = hi + 1


def load(sql, n, prefix="", progress=None, chunk=50000):
    """Load n tasks (and executions for a fifth of them, with their
    task_run_state rows) through sql(text), a root client on the zq
    database. Returns the ids (contiguous)."""
    say = progress or (lambda msg: None)
    base = int(sql("SELECT COALESCE(MAX(id), 0) + 1 FROM scheduled_tasks")[0][0])
    started = time.monotonic()
    # per seq: h type bucket, g state bucket (CRC32: fixed, spread)
    names = ", ".join(f"'{prefix}{p}'" for p in PREFIXES)
    sel = ("SELECT {base} - 1 + seq, CONCAT(ELT(1 + seq MOD {np}, {names}), LPAD(seq, 7, '0')), "
           "CONCAT('{prefix}bench-', seq), "
           "CASE WHEN seq MOD 100 = 1 THEN 'workflow' WHEN h < 150 THEN 'manual_task' "
           "WHEN h < 190 THEN 'example_task' ELSE 'common_task' END, "
           "IF(seq MOD 100 <> 1 AND h < 150, NULL, '0 18 * * 1-5'), 'Asia/Shanghai', "
           "IF(g < 30, 0, 1), IF(g >= 30 AND g < 40, 1, 0), "
           "CASE WHEN seq MOD 100 = 1 THEN CONCAT('{{\"workflow_type\": \"serial\", "
           "\"on_failure\": \"stop\", \"tasks\": [{{\"task_id\": ', {base} + seq, "
           "', \"name\": \"a\", \"dependencies\": []}}, {{\"task_id\": ', {base} + seq + 1, "
           "', \"name\": \"b\", \"dependencies\": [', {base} + seq, ']}}]}}') "
           "WHEN h < 190 AND h >= 150 THEN '{{\"duration_seconds\": 1, \"steps\": 3}}' "
           "ELSE '{{\"command\": \"sync_daily_data --ts-code 000001.SZ\"}}' END, "
           "'admin' FROM (SELECT seq, CRC32(CONCAT('h', seq)) MOD 1000 AS h, "
           "CRC32(CONCAT('g', seq)) MOD 1000 AS g FROM seq_{lo}_to_{hi}) s")
    sql("SET GLOBAL innodb_flush_log_at_trx_commit = 2")
    for lo, hi in _chunks(n, chunk):
        sql("SET SESSION unique_checks = 0; SET SESSION foreign_key_checks = 0; "
            "INSERT INTO scheduled_tasks (id, name, job_id, task_type, cron_expression, timezone, "
            "enabled, paused, config, created_by) "
            + sel.format(base=base, np=len(PREFIXES), names=names, prefix=prefix, lo=lo, hi=hi))
        say(f"  tasks {hi:,}/{n:,} ({time.monotonic() - started:.0f} s)")
    last = base + n - 1
    # workflows use the two tasks after them (sub-tasks: hidden by default)
    sql("INSERT INTO workflow_nodes (workflow_id, task_id, position) "
        f"SELECT t.id, t.id + k.k, k.k - 1 FROM scheduled_tasks t JOIN (SELECT 1 AS k UNION "
        f"SELECT 2) k WHERE t.id BETWEEN {base} AND {last} AND t.task_type = 'workflow' "
        f"AND t.id + k.k <= {last}")
    # a fifth (not by name: any name has some) have run once: 85 % success, 10 % failed, 2 % terminated,
    # 2 % running, 1 % pending
    for lo, hi in _chunks(n, chunk * 4):
        sql("SET SESSION unique_checks = 0; SET SESSION foreign_key_checks = 0; "
            "INSERT INTO task_executions (task_id, trigger_type, status, scheduled_time, "
            "not_before, start_time, end_time, duration_ms, node_id, created_at) "
            f"SELECT {base} - 1 + seq, 'schedule', CASE WHEN e < 850 THEN 'success' "
            "WHEN e < 950 THEN 'failed' WHEN e < 970 THEN 'terminated' WHEN e < 990 THEN 'running' "
            "ELSE 'pending' END, ts, ts, IF(e < 990, ts, NULL), IF(e < 970, ts + INTERVAL 2 SECOND, "
            "NULL), IF(e < 970, 2000, NULL), IF(e < 990, 1, NULL), ts "
            "FROM (SELECT seq, CRC32(CONCAT('e', seq)) MOD 1000 AS e, "
            "UTC_TIMESTAMP(3) - INTERVAL (seq MOD 86400) SECOND AS ts "
            f"FROM seq_{lo}_to_{hi} WHERE CRC32(CONCAT('x', seq)) MOD 5 = 0) s")
    # one execution each: the state rows follow from it alone
    sql("INSERT INTO task_run_state (task_id, latest_execution_id, latest_status, latest_time, "
        "last_finished_status, active) SELECT e.task_id, e.id, e.status, "
        "COALESCE(e.start_time, e.created_at), IF(e.status IN ('success', 'failed', 'completed', "
        "'terminated'), e.status, NULL), IF(e.status IN ('pending', 'running'), 1, 0) "
        f"FROM task_executions e WHERE e.task_id BETWEEN {base} AND {last}")
    sql("SET GLOBAL innodb_flush_log_at_trx_commit = 1")
    sql("ANALYZE TABLE scheduled_tasks, task_run_state, workflow_nodes, task_executions")
    say(f"  loaded in {time.monotonic() - started:.0f} s")
    return list(range(base, last + 1))


def cases(ids, prefix="", rnd=random):
    """(name, target p95 in ms, [paths]) for every request shape: paths under
    /api/v1, a few hundred per shape."""
    def task():
        return rnd.choice(ids)

    def rare():   # one task's number: one match
        return f"{rnd.choice(ids) - ids[0] + 1:07d}"

    def fixed(s):
        return lambda: s

    L = "/scheduler/tasks?limit=50"
    shapes = [
        ("tasks first page", 30, fixed(L)),
        ("tasks page 20 (skip=950)", 50, fixed(L + "&skip=950")),
        ("tasks include_subtasks", 50, fixed(L + "&include_subtasks=true")),
        ("tasks task_type=<any>", 50, lambda: L + "&task_type=" + rnd.choice(
            ("manual_task", "common_task", "workflow", "example_task"))),
        ("tasks task_type=workflow", 50, fixed(L + "&task_type=workflow")),
        ("tasks enabled=false", 50, fixed(L + "&enabled=false")),
        ("tasks enabled=true", 50, fixed(L + "&enabled=true")),
        ("tasks name common (prefix word)", 50, lambda: L + "&name=" + rnd.choice(PREFIXES)[:6]),
        ("tasks status=disabled", 50, fixed(L + "&status=disabled")),
        ("tasks status=paused", 50, fixed(L + "&status=paused")),
        ("tasks status=running", 50, fixed(L + "&status=running")),
        ("tasks status=failed", 50, fixed(L + "&status=failed")),
        ("tasks status=success", 50, fixed(L + "&status=success")),
        ("tasks status=pending", 50, fixed(L + "&status=pending")),
        ("tasks type+enabled+status", 50,
         fixed(L + "&task_type=common_task&enabled=true&status=failed")),
        ("tasks name+status", 50, lambda: L + "&status=success&name=" + rnd.choice(PREFIXES)[:6]),
        ("one task", 30, lambda: f"/scheduler/tasks/{task()}"),
        ("dashboard: stats", 30, fixed("/scheduler/stats")),
        ("dashboard: nodes", 30, fixed("/scheduler/nodes")),
        ("dashboard: executions (audit page 1)", 30, fixed("/scheduler/audit?limit=20")),
        ("auth/me", 30, fixed("/auth/me")),
        ("health (public)", 30, fixed("/health")),
        # last: each reads the whole of its index (the requests wrk leaves
        # behind would still hold zq-api's threads during the next shape)
        ("tasks name rare (one task)", 50, lambda: L + "&name=" + rare()),
        ("tasks name absent", 50, fixed(L + "&name=no-such-task")),
    ]
    return [(name, target, [gen() for _ in range(300)]) for name, target, gen in shapes]


def check_responses(session, api_url, shapes):
    """Each shape answers 200 with its envelope (a bench of 400s would be
    fast and useless)."""
    for name, _, paths in shapes:
        r = session.get(api_url + paths[0], timeout=300)
        assert r.status_code == 200, (name, paths[0], r.status_code, r.text[:300])


# Shapes that read a whole index per request: one connection, so the
# requests wrk leaves unanswered at the end of a run are one, not eight.
WHOLE_INDEX = ("tasks name rare (one task)", "tasks name absent")


def drain(s, session, timeout=180):
    """Wait until zq-api has finished what the last wrk run left in flight
    (nginx passes on requests whose client has gone): a cheap request must
    answer quickly again, so one shape's backlog is not the next's latency."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        t = time.monotonic()
        try:
            session.get(s.api_url + "/auth/me", timeout=timeout)
        except Exception:
            pass
        if time.monotonic() - t < 0.2:
            return
        time.sleep(0.5)


def measure(s, shapes, token, args, tmp, runs):
    from zqstack import wait_for
    wait_for(lambda: s.health_status() == 200, what="zq-api")
    viewer = s.session("viewer")
    check_responses(viewer, s.api_url, shapes)
    res = {name: [] for name, _, _ in shapes}
    for run in range(runs):
        for name, _, paths in shapes:
            conns = 1 if name in WHOLE_INDEX else args.connections
            wrk(s.url, paths, token, conns, 1, tmp)   # warm
            drain(s, viewer)
            res[name].append(wrk(s.url, paths, token, conns, args.duration, tmp))
            drain(s, viewer)
        print(f"{s.build}: run {run + 1}/{runs} done (load average "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())})", flush=True)
    return res


def report(label, shapes, res, targets):
    print(f"\n  {label}")
    print(f"  {'request':40s} {'req/s':>7s} {'p50':>8s} {'p95':>8s} {'p99':>8s}  target p95")
    for name, target, _ in shapes:
        rows = res[name]
        med = {k: statistics.median(r[k] for r in rows) for k in ("rps", "p50", "p95", "p99")}
        errs = sum(r["errors"] for r in rows)
        print(f"  {name:40s} {med['rps']:7.0f} {med['p50']:6.1f}ms {med['p95']:6.1f}ms "
              f"{med['p99']:6.1f}ms  <= {target} ms"
              f"{f'  ({errs} non-2xx/errors)' if errs else ''}", flush=True)
        if targets:
            benchlib.target(f"tasks@{targets} {name} p95", med["p95"], "ms", "<=", target)


def interleaved(s, build, shapes, token, args, tmp, drops, cmd):
    """--runs runs of each build, alternately and in turn first (A B, B A,
    A B...: the first run after the load is the cold one)."""
    res = {b: {name: [] for name, _, _ in shapes} for b in (build, args.before_build)}
    on = build
    for run in range(args.runs):
        for b in ((build, args.before_build) if run % 2 == 0 else (args.before_build, build)):
            if b != on and b == build:
                s.build = build
                s.zq_db("migrate")
                benchlib.api_on(s, build)
            elif b != on:
                benchlib.api_on(s, b, drops)
            on = b
            for name, r in measure(s, shapes, token, args, tmp, 1).items():
                res[b][name] += r
    print(f"\nmedians over {args.runs} run(s) of each build, interleaved, wrk "
          f"{args.connections} connections, {args.duration} s per shape\n(command: {cmd}):")
    report(build, shapes, res[build], targets=None if args.only else f"{args.tasks / 1e6:g}M")
    report(args.before_build, shapes, res[args.before_build], targets=False)
    return 0


def main():
    ap = argparse.ArgumentParser()
    quick = "--quick" in sys.argv or os.environ.get("ZQ_BENCH_QUICK") == "1"
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--tasks", type=int, default=50000 if quick else 1000000)
    ap.add_argument("--runs", type=int, default=1 if quick else 3)
    ap.add_argument("--duration", type=int, default=2 if quick else 5)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--only", default="", help="run only the shapes whose name contains this")
    ap.add_argument("--before-runs", type=int, default=1,
                    help="runs of --before-build (its list requests take seconds each)")
    ap.add_argument("--before-build", default="",
                    help="then measure the same data with this build's zq-api (its schema "
                         "version set back, the 081 indexes dropped)")
    ap.add_argument("--before-drop", default="081",
                    help="the indexes --before-build runs without: 081 (the default), none, "
                         "or TABLE.INDEX,...")
    ap.add_argument("--interleave", action="store_true",
                    help="alternate this build and --before-build run by run")
    args = ap.parse_args()
    drops = (INDEXES_081 if args.before_drop == "081" else () if args.before_drop == "none"
             else tuple(tuple(x.split(".", 1)) for x in args.before_drop.split(",")))
    if not benchlib.have_wrk("bench_tasks"):
        return 0
    with benchlib.api_stack("bench_tasks") as (s, build, tmp):
        print(f"bench_tasks: {args.tasks:,} tasks; build {build}; innodb_buffer_pool_size "
              f"{benchlib.buffer_pool_mb(s)} MB; "
              f"{os.cpu_count()} CPUs", flush=True)
        ids = load(s.sql, args.tasks, progress=lambda m: print(m, flush=True))
        size = s.sql("SELECT ROUND(data_length / 1048576), ROUND(index_length / 1048576) FROM "
                     "information_schema.tables WHERE table_schema = 'zq' AND "
                     "table_name = 'scheduled_tasks'")[0]
        print(f"scheduled_tasks: {size[0]} MB data, {size[1]} MB indexes", flush=True)
        shapes = [c for c in cases(ids, rnd=random.Random(1)) if args.only in c[0]]
        token = s.token("viewer")
        cmd = (f"ZQ_BUILD_DIR={build} /usr/bin/python3 tests/bench/bench_tasks.py"
               + (" --quick" if quick else f" --tasks {args.tasks}")
               + (f" --before-build {args.before_build}" if args.before_build else "")
               + (f" --before-drop {args.before_drop}" if args.before_build and
                  args.before_drop != "081" else "")
               + (" --interleave" if args.interleave else "")
               + (f" --only '{args.only}'" if args.only else ""))
        if args.interleave and args.before_build:
            return interleaved(s, build, shapes, token, args, tmp, drops, cmd)
        res = measure(s, shapes, token, args, tmp, args.runs)
        # printed at once: the before build's figures take long to gather
        print(f"\nmedians over {args.runs} run(s), wrk {args.connections} connections, "
              f"{args.duration} s per shape\n(command: {cmd}):")
        report(build, shapes, res, targets=None if args.only else f"{args.tasks / 1e6:g}M")
        if args.before_build:
            benchlib.api_on(s, args.before_build, drops)
            res = measure(s, shapes, token, args, tmp, args.before_runs)
            print(f"\nbefore: medians over {args.before_runs} run(s), same data and shapes:")
            report(args.before_build, shapes, res, targets=False)
        return 0


if __name__ == "__main__":
    sys.exit(main())
