"""bench_history.py - a task's execution history, the statistics and the audit
log at scale (./zq bench runs this; figures, not a timed test).

    ZQ_BUILD_DIR=build/scale-rel /usr/bin/python3 tests/bench/bench_history.py
        [--quick] [--executions N] [--runs 3] [--duration 5] [--connections 8]

(ZQ_BENCH_QUICK=1 is the same as --quick: 500,000 executions, one run of 2 s
per request, for a smoke run; ./zq bench passes no arguments.)

A Release stack (tests/zqstack.py: MariaDB as it configures it, no
scheduler) is loaded in SQL: TASKS tasks, N executions (default 10,000,000)
spread evenly over DAYS days up to now, ids in time order as the scheduler
writes them, with a mix of statuses and triggers; task_stats_daily and
task_run_state are rebuilt from them, and an audit log of N / 10 rows. Then
wrk (8 connections) asks each request shape for a random task / day per
request, and the p50 / p95 / p99 of the medians of the runs are printed
next to the targets:
  history first page, and with each filter the API and the history page
  offer (status, time range from / to / both, recent and two months back,
  combined with status)                           p95 <= 20 ms / <= 50 ms
  GET /scheduler/stats, global and per task, 30 and 90 days   p95 <= 20 ms
  the audit list, unfiltered and with each filter               p95 <= 50 ms
--before-build DIR then measures the same data with DIR's zq-api (the 070
indexes dropped, or kept with --before-indexes keep; the schema version set
back): before / after in one load.
MariaDB: the config ./zq bench passes (ZQ_BENCH_MARIADB_CNF, ./zq up's
sizing; `./zq mariadb-conf FILE` writes one), else the tests' 128 MB server.
Each shape's p95 is also printed as a benchlib.target() line (./zq bench's
closing table).
A shape with no answer within a run's duration prints as inf.

load() and the request shapes are also used by tests/integration/
test_query_plans.py (over a small data set).
"""
import argparse
import datetime
import os
import random
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SRC, "tests"))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
import benchlib  # noqa: E402

N_LABEL = ""

TASKS = 200
DAYS = 120
STATUSES = ("success", "failed", "terminated", "skipped")
ACTORS = ("admin", "alice", "bob", "token:ci", "token:deploy")
ACTIONS = ("trigger", "update", "login", "pause", "resume", "cancel", "create", "delete")


def _chunks(n, size):
    lo = 1
    while lo <= n:
        hi = min(n, lo + size - 1)
        yield lo, hi
        lo = hi + 1


def load(sql, n, tasks=TASKS, days=DAYS, audit=None, prefix="hist-", progress=None):
    """Load tasks, n executions and an audit log through sql(text) (a root
    client on the zq database). Returns (task ids, t0 and t1 as UTC
    datetimes: the executions' start times lie in [t0, t1))."""
    audit = n // 10 if audit is None else audit
    say = progress or (lambda msg: None)
    sql("INSERT INTO scheduled_tasks (name, job_id, task_type, config, cron_expression) "
        f"SELECT CONCAT('{prefix}', seq), CONCAT('{prefix}', seq), 'example_task', "
        f"'{{\"duration_seconds\": 1, \"steps\": 3}}', '0 0 1 1 *' FROM seq_1_to_{tasks}")
    ids = [int(r[0]) for r in sql(f"SELECT id FROM scheduled_tasks WHERE name LIKE '{prefix}%' "
                                  "ORDER BY id")]
    base = ids[0]
    assert ids == list(range(base, base + tasks)), "task ids not contiguous"
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)
    t1 = now - datetime.timedelta(minutes=5)
    t0 = t1 - datetime.timedelta(days=days)
    step_us = days * 86400 * 1000000 // n          # between consecutive executions
    t0s = t0.strftime("%Y-%m-%d %H:%M:%S")
    # h: trigger bucket, g: status bucket, d: duration (fixed pseudo-random
    # per row, independent of the task)
    cols = ("task_id, trigger_type, status, scheduled_time, fire_key, not_before, start_time, "
            "end_time, duration_ms, retry_count, result, error_message, node_id, created_by, "
            "created_at, updated_at")
    sel = (f"SELECT {base} + s.n MOD {tasks}, "
           "CASE WHEN s.h < 900 THEN 'schedule' WHEN s.h < 950 THEN 'manual' "
           "WHEN s.h < 990 THEN 'retry' ELSE 'workflow' END, "
           "CASE WHEN s.g < 880 THEN 'success' WHEN s.g < 960 THEN 'failed' "
           "WHEN s.g < 975 THEN 'terminated' ELSE 'skipped' END, "
           "s.ts, IF(s.h < 900, s.ts, NULL), s.ts, IF(s.g >= 975, NULL, s.ts), "
           "s.ts + INTERVAL s.d MICROSECOND, s.d DIV 1000, IF(s.h >= 950 AND s.h < 990, 1, 0), "
           "CASE WHEN s.g < 880 THEN '{\"success\": true, \"message\": \"done\"}' "
           "WHEN s.g < 960 THEN '{\"success\": false, \"exit_code\": 1}' END, "
           "IF(s.g >= 880 AND s.g < 960, 'exit code 1: connection refused by upstream', NULL), "
           "IF(s.g >= 975, NULL, 1), IF(s.h >= 900 AND s.h < 950, 'admin', NULL), s.ts, "
           "s.ts + INTERVAL s.d MICROSECOND "
           "FROM (SELECT seq - 1 AS n, CRC32(seq) MOD 1000 AS h, "
           "CRC32(CONCAT('s', seq)) MOD 1000 AS g, "
           "(CRC32(CONCAT('d', seq)) MOD 97 + 3) * 1000000 AS d, "
           f"TIMESTAMP'{t0s}' + INTERVAL ((seq - 1) * {step_us}) MICROSECOND AS ts "
           "FROM seq_@LO@_to_@HI@) s")
    started = time.monotonic()
    sql("SET GLOBAL innodb_flush_log_at_trx_commit = 2")
    for lo, hi in _chunks(n, 250000):
        sql("SET SESSION unique_checks = 0; SET SESSION foreign_key_checks = 0; "
            f"INSERT INTO task_executions ({cols}) "
            + sel.replace("@LO@", str(lo)).replace("@HI@", str(hi)))
        say(f"  executions {hi:,}/{n:,} ({time.monotonic() - started:.0f} s)")
    # the newest of each of a few tasks are still running / pending
    sql("UPDATE task_executions SET status = IF(id MOD 2 = 0, 'running', 'pending'), "
        "end_time = NULL, duration_ms = NULL, result = NULL, error_message = NULL "
        "WHERE id > (SELECT MAX(id) - 20 FROM task_executions)")
    say("  task_stats_daily")
    sql("INSERT INTO task_stats_daily (task_id, day, runs, successes, failures, terminations, "
        "skipped, total_duration_ms, max_duration_ms, last_end_at) "
        "SELECT task_id, DATE(end_time), SUM(status <> 'skipped'), SUM(status = 'success'), "
        "SUM(status = 'failed'), SUM(status = 'terminated'), SUM(status = 'skipped'), "
        "SUM(IF(status <> 'skipped', duration_ms, 0)), "
        "MAX(IF(status <> 'skipped', duration_ms, 0)), "
        f"MAX(end_time) FROM task_executions WHERE task_id BETWEEN {base} AND {base + tasks - 1} "
        "AND status IN ('success', 'failed', 'completed', 'terminated', 'skipped') "
        "GROUP BY task_id, DATE(end_time) "
        "ON DUPLICATE KEY UPDATE runs = VALUES(runs)")
    # the all-tasks rollup the writers keep beside it (080_stats_all_tasks.sql)
    sql("DELETE FROM task_stats_daily_all; "
        "INSERT INTO task_stats_daily_all (day, slot, runs, successes, failures, terminations, "
        "skipped, total_duration_ms, max_duration_ms, last_end_at) "
        "SELECT day, 0, SUM(runs), SUM(successes), SUM(failures), SUM(terminations), "
        "SUM(skipped), SUM(total_duration_ms), MAX(max_duration_ms), MAX(last_end_at) "
        "FROM task_stats_daily GROUP BY day")
    say("  task_run_state")
    from run_state import refresh_sql, transaction
    sql(transaction(refresh_sql(f"t.id BETWEEN {base} AND {base + tasks - 1}")))
    if audit:
        astep = days * 86400 * 1000000 // audit
        say(f"  audit_log {audit:,}")
        for lo, hi in _chunks(audit, 250000):
            sql("INSERT INTO audit_log (at, actor, action, target_type, target_id, task_id, "
                "detail, client_addr) SELECT "
                f"TIMESTAMP'{t0s}' + INTERVAL ((seq - 1) * {astep}) MICROSECOND, "
                f"ELT(1 + CRC32(CONCAT('u', seq)) MOD {len(ACTORS)}, "
                f"{', '.join(repr(a) for a in ACTORS)}), "
                f"ELT(1 + CRC32(CONCAT('a', seq)) MOD {len(ACTIONS)}, "
                f"{', '.join(repr(a) for a in ACTIONS)}), 'task', "
                f"{base} + seq MOD {tasks}, {base} + seq MOD {tasks}, 'fields: description', "
                f"'10.0.0.1' FROM seq_{lo}_to_{hi}")
    sql("SET GLOBAL innodb_flush_log_at_trx_commit = 1")
    sql("ANALYZE TABLE task_executions, task_stats_daily, task_stats_daily_all, audit_log")
    say(f"  loaded in {time.monotonic() - started:.0f} s")
    return ids, t0, t1


def iso(d):
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def cases(ids, t1, rnd=random):
    """(name, target p95 in ms, [paths]) for every request shape: paths
    under /api/v1, a few hundred per shape, random task / day."""
    def task():
        return rnd.choice(ids)

    def day(back):
        d = (t1 - datetime.timedelta(days=back)).replace(hour=0, minute=0, second=0)
        return iso(d), iso(d + datetime.timedelta(days=1))

    def hist(q):
        return lambda: f"/scheduler/tasks/{task()}/executions?limit=20{q()}"

    def fixed(s):
        return lambda: s

    def rand_status():
        return rnd.choice(STATUSES)

    shapes = [
        ("history first page", 20, hist(fixed(""))),
        ("history page 5 (skip=80)", 50, hist(fixed("&skip=80"))),
        ("history status=failed", 50, hist(fixed("&status=failed"))),
        ("history status=<any>", 50, hist(lambda: f"&status={rand_status()}")),
        ("history yesterday (from+to)", 50,
         hist(lambda: "&start_time_from=%s&start_time_to=%s" % day(1))),
        ("history one day 2 months ago", 50,
         hist(lambda: "&start_time_from=%s&start_time_to=%s" % day(60))),
        ("history start_time_to 2 months ago", 50,
         hist(lambda: "&start_time_to=%s" % day(60)[0])),
        ("history start_time_from yesterday", 50,
         hist(lambda: "&start_time_from=%s" % day(1)[0])),
        ("history start_time_from 2 months ago", 50,
         hist(lambda: "&start_time_from=%s" % day(60)[0])),
        ("history failed, one day 2 months ago", 50,
         hist(lambda: "&status=failed&start_time_from=%s&start_time_to=%s" % day(60))),
        ("history <any status>, to 2 months ago", 50,
         hist(lambda: f"&status={rand_status()}&start_time_to=%s" % day(60)[0])),
        ("stats global 30 days", 20, fixed("/scheduler/stats?days=30")),
        ("stats global 90 days", 20, fixed("/scheduler/stats?days=90")),
        ("stats per task 30 days", 20, lambda: f"/scheduler/stats?task_id={task()}&days=30"),
        ("stats per task 90 days", 20, lambda: f"/scheduler/stats?task_id={task()}&days=90"),
        ("audit first page", 20, fixed("/scheduler/audit?limit=50")),
        ("audit task_id", 50, lambda: f"/scheduler/audit?limit=50&task_id={task()}"),
        ("audit actor", 50, lambda: f"/scheduler/audit?limit=50&actor={rnd.choice(ACTORS)}"),
        ("audit action", 50, lambda: f"/scheduler/audit?limit=50&action={rnd.choice(ACTIONS)}"),
        ("audit actor+action", 50, lambda: "/scheduler/audit?limit=50&actor=%s&action=%s" % (
            rnd.choice(ACTORS), rnd.choice(ACTIONS))),
        ("audit task_id+action", 50, lambda: "/scheduler/audit?limit=50&task_id=%d&action=%s" % (
            task(), rnd.choice(ACTIONS))),
        ("audit one day 2 months ago", 50,
         lambda: "/scheduler/audit?limit=50&from=%s&to=%s" % day(60)),
        ("audit actor, one day 2 months ago", 50,
         lambda: "/scheduler/audit?limit=50&actor=%s&from=%s&to=%s" % ((rnd.choice(ACTORS),)
                                                                       + day(60))),
        ("audit task_id, to 2 months ago", 50,
         lambda: "/scheduler/audit?limit=50&task_id=%d&to=%s" % (task(), day(60)[0])),
    ]
    return [(name, target, [gen() for _ in range(300)]) for name, target, gen in shapes]


LUA = """
local paths = {%s}
local headers = {["Authorization"] = "Bearer %s"}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1], headers)
end
done = function(summary, latency, requests)
  io.write(string.format("ZQ %%d %%d %%d %%d %%d %%d\\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), summary.duration))
end
"""


def wrk(base, paths, token, connections, duration, tmp):
    script = os.path.join(tmp, "paths.lua")
    with open(script, "w") as f:
        f.write(LUA % (", ".join('"/api/v1%s"' % p for p in paths), token))
    out = subprocess.run(["wrk", f"-t{min(2, connections)}", f"-c{connections}",
                          f"-d{duration}s", "--timeout", "20s", "-s", script, base],
                         capture_output=True, text=True, check=True).stdout
    m = re.search(r"^ZQ (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$", out, re.M)
    if not m:
        raise RuntimeError("wrk: no summary:\n" + out)
    reqs, errs, p50, p95, p99, dur = (int(x) for x in m.groups())
    if not reqs:   # not one answer within the duration
        inf = float("inf")
        return {"rps": 0.0, "errors": errs, "p50": inf, "p95": inf, "p99": inf}
    return {"rps": reqs / (dur / 1e6), "errors": errs, "p50": p50 / 1000.0, "p95": p95 / 1000.0,
            "p99": p99 / 1000.0}


def check_responses(session, api_url, shapes):
    """Each shape answers 200 (a bench of 400s would be fast and useless)."""
    for name, _, paths in shapes:
        r = session.get(api_url + paths[0], timeout=120)
        assert r.status_code == 200, (name, paths[0], r.status_code, r.text[:300])


INDEXES_070 = (("task_executions", "ix_exec_task_start"),
               ("task_executions", "ix_exec_task_status_start"),
               ("task_stats_daily", "ix_stats_day_sums"),
               ("audit_log", "ix_audit_task_at"), ("audit_log", "ix_audit_actor_at"),
               ("audit_log", "ix_audit_action_at"), ("audit_log", "ix_audit_task_action_at"),
               ("audit_log", "ix_audit_actor_action_at"))


def measure(s, shapes, token, args, tmp):
    from zqstack import wait_for
    wait_for(lambda: s.health_status() == 200, what="zq-api")
    check_responses(s.session("viewer"), s.api_url, shapes)
    res = {name: [] for name, _, _ in shapes}
    for run in range(args.runs):
        for name, _, paths in shapes:
            wrk(s.url, paths, token, args.connections, 1, tmp)   # warm
            res[name].append(wrk(s.url, paths, token, args.connections, args.duration, tmp))
        print(f"{s.build}: run {run + 1}/{args.runs} done", flush=True)
    return res


def report(label, shapes, res, cmd=None):
    print(f"\n  {label}")
    print(f"  {'request':42s} {'req/s':>7s} {'p50':>8s} {'p95':>8s} {'p99':>8s}  target p95")
    missed = 0
    for name, target, _ in shapes:
        rows = res[name]
        med = {k: statistics.median(r[k] for r in rows) for k in ("rps", "p50", "p95", "p99")}
        ok = med["p95"] <= target
        missed += not ok
        errs = sum(r["errors"] for r in rows)
        print(f"  {name:42s} {med['rps']:7.0f} {med['p50']:6.1f}ms {med['p95']:6.1f}ms "
              f"{med['p99']:6.1f}ms  <= {target} ms {'PASS' if ok else 'MISS'}"
              f"{f'  ({errs} non-2xx/errors)' if errs else ''}")
    print(f"  {len(shapes) - missed}/{len(shapes)} within target", flush=True)
    if cmd:   # the build measured, not a --before-build
        for name, target, _ in shapes:
            p95 = statistics.median(r["p95"] for r in res[name])
            benchlib.target(f"history@{N_LABEL}: {name} p95", p95 if p95 != float("inf")
                            else None, "ms", "<=", target, cmd=cmd)


def main():
    ap = argparse.ArgumentParser()
    quick = "--quick" in sys.argv or os.environ.get("ZQ_BENCH_QUICK") == "1"
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--executions", type=int, default=500000 if quick else 10000000)
    ap.add_argument("--runs", type=int, default=1 if quick else 3)
    ap.add_argument("--duration", type=int, default=2 if quick else 5)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--only", default="", help="run only the shapes whose name contains this")
    ap.add_argument("--before-build", default="",
                    help="then measure the same data with this build's zq-api, without the "
                         "070 indexes (before/after in one load)")
    ap.add_argument("--before-indexes", choices=("drop", "keep"), default="drop",
                    help="with --before-build: drop the 070 indexes first (a build from "
                         "before 070), or keep them (a build with 070, e.g. before 080)")
    ap.add_argument("--index-build", action="store_true",
                    help="then time an online index build over the loaded table")
    args = ap.parse_args()
    if not benchlib.have_wrk("bench_history"):
        return 0
    with benchlib.api_stack("bench_history") as (s, build, tmp):
        print(f"bench_history: {args.executions:,} executions over {TASKS} tasks and {DAYS} days, "
              f"audit {args.executions // 10:,} rows; build {build}; "
              f"innodb_buffer_pool_size {benchlib.buffer_pool_mb(s)} MB; "
              f"{os.cpu_count()} CPUs", flush=True)
        ids, _, t1 = load(s.sql, args.executions, progress=lambda m: print(m, flush=True))
        size = s.sql("SELECT ROUND(data_length / 1048576), ROUND(index_length / 1048576) FROM "
                     "information_schema.tables WHERE table_schema = 'zq' AND "
                     "table_name = 'task_executions'")[0]
        print(f"task_executions: {size[0]} MB data, {size[1]} MB indexes", flush=True)
        shapes = [c for c in cases(ids, t1, random.Random(1)) if args.only in c[0]]
        token = s.token("viewer")
        results = [(build, measure(s, shapes, token, args, tmp))]
        if args.before_build:
            # the same data under the previous zq-api and schema: the indexes
            # of 070_history_indexes.sql dropped unless it has them
            benchlib.api_on(s, args.before_build,
                            INDEXES_070 if args.before_indexes == "drop" else ())
            results.append((args.before_build, measure(s, shapes, token, args, tmp)))
        cmd = (f"ZQ_BUILD_DIR={build} /usr/bin/python3 tests/bench/bench_history.py"
               + (" --quick" if quick else f" --executions {args.executions}")
               + (f" --before-build {args.before_build} --before-indexes "
                  f"{args.before_indexes}" if args.before_build else ""))
        print(f"\nmedians over {args.runs} run(s), wrk {args.connections} connections, "
              f"{args.duration} s per shape, random task/day per request\n(command: {cmd}):")
        global N_LABEL
        N_LABEL = f"{args.executions / 1e6:g}M"
        for i, (label, res) in enumerate(results):
            report(label, shapes, res, cmd=None if i else cmd)
        if args.index_build:
            # as 070_history_indexes.sql builds its indexes on an upgrade
            t = time.monotonic()
            s.sql("ALTER TABLE task_executions ADD INDEX zq_bench_tmp (task_id, start_time), "
                  "ALGORITHM=INPLACE, LOCK=NONE")
            print(f"online index build (task_id, start_time) over {args.executions:,} "
                  f"executions: {time.monotonic() - t:.0f} s")
            s.sql("ALTER TABLE task_executions DROP INDEX zq_bench_tmp")
        return 0


if __name__ == "__main__":
    sys.exit(main())
