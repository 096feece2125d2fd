"""bench_retention.py - history retention at scale (./zq bench runs this;
figures, not a timed test).

    ZQ_BUILD_DIR=build/scale-ret-rel /usr/bin/python3 tests/bench/bench_retention.py
        [--quick] [--executions N] [--runs 3] [--connections 8] [--duty PCT]

(--duty sets scheduler.retention_duty for the daemon. --curve 100,50,25
measures the trade-off instead: one load, then passes of 6 days each under
the same wrk load, the duty values taking turns (a daemon restarted for
each), each pass's API p99 against the p99 just before it; medians per
value. Its lines are not targets.)

(ZQ_BENCH_QUICK=1 is the same as --quick: 300,000 executions, one run.)

A Release stack (tests/zqstack.py: MariaDB, zq-api, nginx, one
zq-scheduler started with scheduler.history_days = 0, i.e. keep all) is
loaded in SQL as tests/bench/bench_history.py loads it: N executions
(default 2,000,000) over 200 tasks and 120 days, one in four with an output
row and three steps. A cron task fires every second (example_task,
no work, max_instances 50 so that no fire is skipped for a slow one). Then two passes, each started by rewriting history_days in the
config and a SIGHUP: 0 -> 90 days with no API load (a quarter of the
executions go), then 90 -> 80 days with wrk asking for history pages
(8 connections) all the while. Printed per pass, medians of the runs, next
to the targets:
  start       SIGHUP until the first batch is committed       <= 1 s
  rows/s      executions deleted per second, first to last    >= 20,000
  lateness    the cron task's start_time - scheduled_time while the pass
              ran: p50 / p95 / p99 / max                      p99 <= 50 ms
and the history page's API p99 during the second pass vs under the same
wrk load before any pass (<= 1.5 x; both the median of 2-second wrk
runs' p99), with the cron lateness then,
and checked: every old execution gone, all the newer ones kept, no steps or
output left without their execution, task_run_state exact (DIFF_SQL).
"""
import argparse
import os
import random
import signal
import statistics
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SRC, "tests"))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
sys.path.insert(0, HERE)
import benchlib  # noqa: E402

DAYS_IDLE = 90      # first pass, no API load: 30 of bench_history's 120 days go
KEEP_DAYS = 80      # second pass, under API load: 10 more (a third as many rows: it is slow)


def pct(values, p):
    v = sorted(values)
    if not v:
        return float("nan")
    return v[min(len(v) - 1, max(0, int(round(p / 100.0 * (len(v) - 1)))))]


def load(s, n, say):
    from bench_history import load as load_history
    s.sql("SET SESSION foreign_key_checks = 0; TRUNCATE execution_steps; TRUNCATE execution_output; "
          "TRUNCATE workflow_runs; TRUNCATE task_executions; TRUNCATE task_run_state; "
          "TRUNCATE task_stats_daily; TRUNCATE audit_log; SET SESSION foreign_key_checks = 1; "
          "DELETE FROM scheduled_tasks")
    ids, _, _ = load_history(s.sql, n, audit=0, progress=say)
    say("  output and steps for one execution in four")
    s.sql("SET GLOBAL innodb_flush_log_at_trx_commit = 2")
    s.sql("SET SESSION foreign_key_checks = 0; INSERT INTO execution_output (execution_id, "
          "stdout_tail, stdout_bytes, exit_code) SELECT id, 'step 1 done\\nstep 2 done\\n', 24, 0 "
          "FROM task_executions WHERE id MOD 4 = 0")
    for step in (1, 2, 3):
        s.sql("SET SESSION foreign_key_checks = 0; INSERT INTO execution_steps (execution_id, step, "
              f"status, message, at) SELECT id, {step}, 'success', 'ok', created_at "
              "FROM task_executions WHERE id MOD 4 = 0")
    s.sql("SET GLOBAL innodb_flush_log_at_trx_commit = 1")
    return ids


DUTY = None   # --duty: scheduler.retention_duty
CRON_SQL = ("INSERT INTO scheduled_tasks (name, job_id, task_type, config, cron_expression, "
            "max_instances, next_run_at) VALUES ('ret-cron', 'ret-cron', 'example_task', "
            "'{\"duration_seconds\": 0, \"steps\": 1}', '* * * * * *', 50, UTC_TIMESTAMP(3))")


def write_config(s, path, days, threads):
    extra, s.extra_config = s.extra_config, ""   # the API's log.level = warn: not here
    more = {} if DUTY is None else {"scheduler__retention_duty": str(DUTY)}
    try:
        return s.write_config(path, scheduler__history_days=str(days),
                              scheduler__threads=str(threads), log__level="info", **more)
    finally:
        s.extra_config = extra


def api_load(s, paths, token, connections, stop, out, tmp):
    from bench_history import wrk
    while not stop.is_set():
        out.append(wrk(s.url, paths, token, connections, 2, tmp))


def cpu_s(pid):
    """User + system CPU seconds of a process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def lock_counts(s):
    """InnoDB's row lock waits and deadlocks so far (server-wide)."""
    rows = s.sql("SHOW GLOBAL STATUS WHERE Variable_name IN ('Innodb_row_lock_waits', "
                 "'Innodb_deadlocks')")
    return sum(int(r[1]) for r in rows)


def phase(s, p, conf, cron, days, api, tmp, timeout, maxid):
    """Lower history_days to days by SIGHUP and wait for the pass; with api
    = (paths, token, connections), wrk runs all the while."""
    cutoff = f"UTC_TIMESTAMP(3) - INTERVAL {days} DAY"
    lo0 = int(s.sql_value("SELECT MIN(id) FROM task_executions"))
    boundary = int(s.sql_value(f"SELECT MAX(id) FROM task_executions WHERE created_at < {cutoff}"))
    old = int(s.sql_value(f"SELECT COUNT(*) FROM task_executions WHERE created_at < {cutoff}"))
    newer = int(s.sql_value(f"SELECT COUNT(*) FROM task_executions WHERE id > {boundary} "
                            f"AND id <= {maxid}"))
    stop, chunks = threading.Event(), []
    th = None
    if api:
        th = threading.Thread(target=api_load, args=(s,) + api + (stop, chunks, tmp))
        th.start()
        time.sleep(2)
    write_config(s, conf, days, 8)
    cpu0 = cpu_s(s.mariadb.pid) + cpu_s(p.pid)
    locks0 = lock_counts(s)
    t0 = time.time()
    p.send(signal.SIGHUP)
    first, lo = None, lo0
    while time.time() < t0 + timeout and lo <= boundary:
        time.sleep(0.1)
        lo = int(s.sql_value("SELECT COALESCE(MIN(id), 0) FROM task_executions"))
        if first is None and lo > lo0:
            first = time.time()
    t1 = time.time()
    cpu1 = cpu_s(s.mariadb.pid) + cpu_s(p.pid)
    locks = lock_counts(s) - locks0
    stop.set()
    if th:
        th.join()
    time.sleep(2.5)
    return {"old": old, "boundary": boundary, "newer": newer, "done": lo > boundary, "start": (first or t1) - t0,
            "rate": old / max(1e-3, t1 - (first or t0)), "wall": t1 - t0,
            "cpu_us": (cpu1 - cpu0) / max(1, old) * 1e6, "locks": locks,
            "late": late_between(s, cron, t0, t1), "gaps": fire_gaps(s, cron, t0, t1),
            "api_p99": statistics.median(c["p99"] for c in chunks) if chunks else float("nan")}


def one_run(s, args, tmp, say):
    from run_state import DIFF_SQL
    from zqstack import wait_for
    ids = load(s, args.executions, say)
    say("  task_executions has %s secondary indexes (each costs a deleted row about as much)"
        % s.sql_value("SELECT COUNT(DISTINCT index_name) FROM information_schema.statistics "
                      "WHERE table_schema = DATABASE() AND table_name = 'task_executions' "
                      "AND index_name <> 'PRIMARY'"))
    total = int(s.sql_value("SELECT COUNT(*) FROM task_executions"))
    maxid = int(s.sql_value("SELECT MAX(id) FROM task_executions"))
    s.sql(CRON_SQL)
    cron = int(s.sql_value("SELECT id FROM scheduled_tasks WHERE name = 'ret-cron'"))
    conf = os.path.join(s.tmp, "sched.conf")
    write_config(s, conf, 0, 8)
    p = s.start_scheduler(config=conf, name=f"sched-{len(s.schedulers)}")
    wait_for(lambda: "START node=" in p.output_since_start() or not p.alive(), timeout=60, what="START")
    assert p.alive(), p.output()[-2000:]
    rnd = random.Random(1)
    paths = [f"/scheduler/tasks/{rnd.choice(ids)}/executions?limit=20" for _ in range(300)]
    token = s.token("viewer")
    time.sleep(4)
    t_idle = time.time()
    idle, stop = [], threading.Event()   # API load, no pass: 2-second wrk runs as in a pass
    th = threading.Thread(target=api_load, args=(s, paths, token, args.connections, stop, idle, tmp))
    th.start()
    time.sleep(6)
    stop.set()
    th.join()
    idle_late = late_between(s, cron, t_idle, time.time())
    quiet = phase(s, p, conf, cron, DAYS_IDLE, None, tmp, args.timeout, maxid)
    busy = phase(s, p, conf, cron, KEEP_DAYS, (paths, token, args.connections), tmp, args.timeout,
                 maxid)
    # kept: the loaded executions newer than the cutoff at the SIGHUP (a
    # daemon that recomputes its cutoff during a pass takes a few more)
    left = int(s.sql_value(f"SELECT COUNT(*) FROM task_executions WHERE id > {busy['boundary']} "
                           f"AND id <= {maxid}"))
    want = busy["newer"]
    stale = int(s.sql_value(f"SELECT COUNT(*) FROM task_executions WHERE id <= {busy['boundary']}"))
    diff = int(s.sql_value(DIFF_SQL))
    orphans = int(s.sql_value(
        "SELECT (SELECT COUNT(*) FROM execution_steps x LEFT JOIN task_executions e ON "
        "e.id = x.execution_id WHERE e.id IS NULL) + (SELECT COUNT(*) FROM execution_output x "
        "LEFT JOIN task_executions e ON e.id = x.execution_id WHERE e.id IS NULL)"))
    p.stop(timeout=60)
    s.schedulers.remove(p)
    return {"total": total, "quiet": quiet, "busy": busy, "idle_late": idle_late,
            "idle_p99": statistics.median(c["p99"] for c in idle), "checks": quiet["done"] and busy["done"] and diff == 0 and
            orphans == 0 and stale == 0 and want - 5 <= left <= want,
            "diff": diff, "orphans": orphans, "left": left, "want": want, "stale": stale}


def curve(s, args, tmp, say):
    """Rows/s and API p99 ratio per duty value, passes taking turns."""
    from zqstack import wait_for
    global DUTY
    duties = [int(x) for x in args.curve.split(",")]
    ids = load(s, args.executions, say)
    maxid = int(s.sql_value("SELECT MAX(id) FROM task_executions"))
    s.sql(CRON_SQL)
    cron = int(s.sql_value("SELECT id FROM scheduled_tasks WHERE name = 'ret-cron'"))
    rnd = random.Random(1)
    paths = [f"/scheduler/tasks/{rnd.choice(ids)}/executions?limit=20" for _ in range(300)]
    token = s.token("viewer")
    conf = os.path.join(s.tmp, "sched.conf")
    res = {d: [] for d in duties}
    days, p = 118, None
    for rnd_i in range(args.rounds):
        for d in duties:
            if days - 6 < 2:
                break
            DUTY = d
            if p:
                p.stop(timeout=60)
                s.schedulers.remove(p)
            write_config(s, conf, days, 8)
            p = s.start_scheduler(config=conf, name=f"sched-{len(s.schedulers)}")
            wait_for(lambda: "START node=" in p.output_since_start() or not p.alive(), timeout=60, what="START")
            time.sleep(2)
            idle, stop = [], threading.Event()
            th = threading.Thread(target=api_load, args=(s, paths, token, args.connections, stop,
                                                         idle, tmp))
            th.start()
            time.sleep(6)
            stop.set()
            th.join()
            days -= 6
            q = phase(s, p, conf, cron, days, (paths, token, args.connections), tmp, args.timeout,
                      maxid)
            ratio = q["api_p99"] / statistics.median(c["p99"] for c in idle)
            res[d].append((q["rate"], ratio, pct(q["late"], 99)))
            say(f"  duty {d:3d}%: {q['old']:,} rows at {q['rate']:,.0f} rows/s, API p99 "
                f"{ratio:.2f} x idle, lateness p99 {pct(q['late'], 99):.0f} ms")
    if p:
        p.stop(timeout=60)
        s.schedulers.remove(p)
    say(f"\ncurve, medians per duty (command: {__import__('benchlib').command()}):")
    for d in duties:
        if res[d]:
            say(f"  scheduler.retention_duty = {d:3d}: {statistics.median(r[0] for r in res[d]):8,.0f} "
                f"rows/s under API load, API p99 {statistics.median(r[1] for r in res[d]):.2f} x "
                f"idle, lateness p99 {statistics.median(r[2] for r in res[d]):.0f} ms "
                f"({len(res[d])} passes)")


def fire_gaps(s, cron, t0, t1):
    """(missed, duplicated) slots of the every-second task in [t0, t1)."""
    rows = s.sql("SELECT ROUND(UNIX_TIMESTAMP(scheduled_time)) FROM task_executions WHERE "
                 f"task_id = {cron} AND scheduled_time >= FROM_UNIXTIME({int(t0) + 1}) AND "
                 f"scheduled_time < FROM_UNIXTIME({int(t1) - 1})")
    got = [int(r[0]) for r in rows]
    want = int(t1) - 1 - (int(t0) + 1)
    return max(0, want - len(set(got))), len(got) - len(set(got))


def late_between(s, cron, t0, t1):
    rows = s.sql("SELECT (UNIX_TIMESTAMP(start_time) - UNIX_TIMESTAMP(scheduled_time)) * 1000 "
                 f"FROM task_executions WHERE task_id = {cron} AND start_time IS NOT NULL AND "
                 f"scheduled_time BETWEEN FROM_UNIXTIME({t0:.3f}) AND FROM_UNIXTIME({t1:.3f})")
    return [float(r[0]) for r in rows]


def main():
    quick = "--quick" in sys.argv or os.environ.get("ZQ_BENCH_QUICK") == "1"
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--executions", type=int, default=300000 if quick else 2000000)
    ap.add_argument("--runs", type=int, default=1 if quick else 3)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--timeout", type=int, default=1800, help="give a pass this long (s)")
    ap.add_argument("--curve", default=None, help="duty values, e.g. 100,50,25 (see above)")
    ap.add_argument("--rounds", type=int, default=3, help="--curve: passes per duty value")
    ap.add_argument("--duty", type=int, default=None,
                    help="scheduler.retention_duty for the daemon (default: its own)")
    args = ap.parse_args()
    global DUTY
    DUTY = args.duty
    if not benchlib.have_wrk("bench_retention"):
        return 0
    with benchlib.api_stack("bench_retention") as (s, build, tmp):
        return measure_passes(s, build, tmp, args)


def measure_passes(s, build, tmp, args):
    say = lambda m: print(m, flush=True)   # noqa: E731
    say(f"bench_retention: {args.executions:,} executions over 200 tasks and 120 days, "
        f"history_days 0 -> {DAYS_IDLE} -> {KEEP_DAYS} by SIGHUP; build {build}; {os.cpu_count()} CPUs")
    if args.curve:
        curve(s, args, tmp, say)
        return 0
    res = []
    for run in range(args.runs):
        r = one_run(s, args, tmp, say)
        res.append(r)
        for k in ("quiet", "busy"):
            q = r[k]
            say(f"run {run + 1}/{args.runs} {k}: {q['old']:,} deleted "
                f"{'in' if q['done'] else 'NOT DONE after'} {q['wall']:.1f} s; start "
                f"{q['start']:.2f} s, {q['rate']:,.0f} rows/s; lateness p99 "
                f"{pct(q['late'], 99):.0f} ms max {max(q['late'], default=float('nan')):.0f} ms "
                f"({len(q['late'])} fires); API p99 {q['api_p99']:.1f} ms; MariaDB + daemon CPU "
                f"{q['cpu_us']:.0f} us per row; lock waits + deadlocks {q['locks']}; fires missed "
                f"{q['gaps'][0]}, duplicated {q['gaps'][1]}")
        say(f"run {run + 1}/{args.runs}: API p99 idle {r['idle_p99']:.1f} ms; run state diff "
            f"{r['diff']}, orphan steps/output {r['orphans']}, old left {r['stale']}, "
            f"newer executions kept {r['left']:,} of {r['want']:,}")
    med = lambda f: statistics.median(f(r) for r in res)   # noqa: E731
    say(f"\nmedians over {len(res)} run(s) (command: {benchlib.command()}):")
    rows = []
    for k, what in (("quiet", f"history_days 0 -> {DAYS_IDLE}, no API load"),
                    ("busy", f"{DAYS_IDLE} -> {KEEP_DAYS}, wrk {args.connections} conns")):
        start, rate = med(lambda r: r[k]["start"]), med(lambda r: r[k]["rate"])
        lat = {x: med(lambda r: pct(r[k]["late"], x)) for x in (50, 95, 99)}
        lmax = med(lambda r: max(r[k]["late"], default=float("nan")))
        rows.append((f"{what}:", "", "", None))
        rows.append(("  start after SIGHUP", f"{start:.2f} s", "<= 1 s", start <= 1))
        rows.append(("  executions deleted per second", f"{rate:,.0f}", ">= 20,000",
                     rate >= 20000))
        rows.append(("  cron start lateness p50/p95/p99/max",
                     f"{lat[50]:.0f}/{lat[95]:.0f}/{lat[99]:.0f}/{lmax:.0f} ms",
                     "p99 <= 50 ms", lat[99] <= 50))
    cpu = med(lambda r: r["quiet"]["cpu_us"])
    rows.append(("MariaDB + daemon CPU per row, no load", f"{cpu:.0f} us", "", None))
    rows.append(("  i.e. rows/s on one free core", f"{1e6 / cpu:,.0f}", "", None))
    idle99 = med(lambda r: pct(r["idle_late"], 99))
    api_idle, api_busy = med(lambda r: r["idle_p99"]), med(lambda r: r["busy"]["api_p99"])
    rows.append(("cron lateness p99, API load, no pass", f"{idle99:.0f} ms", "", None))
    rows.append(("API p99 history page, idle -> pass", f"{api_idle:.1f} -> {api_busy:.1f} ms",
                 "<= 1.5 x idle", api_busy <= 1.5 * api_idle))
    gaps = [r[k]["gaps"] for r in res for k in ("quiet", "busy")]
    rows.append(("every-second task: slots missed / doubled", f"{sum(g[0] for g in gaps)} / "
                 f"{sum(g[1] for g in gaps)}", "0 / 0", not any(g[0] or g[1] for g in gaps)))
    checks = all(r["checks"] for r in res)
    rows.append(("old gone, rest kept, run state exact", "yes" if checks else "NO", "yes",
                 checks))
    for name, val, target, ok in rows:
        say(f"  {name:38s} {val:>24s}  {target:>14s} "
            f"{'' if ok is None else 'PASS' if ok else 'MISS'}")
    q_rate, b_rate = med(lambda r: r["quiet"]["rate"]), med(lambda r: r["busy"]["rate"])
    late99 = max(med(lambda r: pct(r[k]["late"], 99)) for k in ("quiet", "busy"))
    benchlib.target("retention rows/s, no API load", q_rate, "rows/s", ">=", 20000)
    benchlib.target("retention rows/s, under API load", b_rate, "rows/s", ">=", 20000)
    benchlib.target("retention: fire lateness p99 during a pass", late99, "ms", "<=", 50)
    benchlib.target("retention: API p99 during a pass / idle", api_busy / api_idle, "x", "<=", 1.5)
    benchlib.target("retention: SIGHUP to first batch", max(med(lambda r: r[k]["start"])
                    for k in ("quiet", "busy")), "s", "<=", 1)
    if not checks:
        say("bench_retention: CHECKS FAILED (old rows left, newer rows lost or run state off)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
