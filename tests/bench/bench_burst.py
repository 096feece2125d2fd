"""bench_burst.py - the 18:00 burst: many tasks due at the same second, and a
daemon with a million tasks defined.

Run by `./zq bench` (ZQ_BUILD_DIR = an optimised build), or directly:
    ZQ_BUILD_DIR=build/bench /usr/bin/python3 tests/bench/bench_burst.py [--quick]
(--quick or ZQ_BENCH_QUICK=1: 5,000 burst tasks and 50,000 defined, a smoke run;
ZQ_BENCH_PHASES=burst or =defined runs one of the two)

A private MariaDB (the config ./zq bench passes) with durable commits, no API.

burst    BURST tasks (100,000) with the market-close schedule `0 18 * * 1-5` in
         Asia/Shanghai, trivial example_task runs (duration 0, 1 step), loaded
         with one INSERT ... SELECT; next_run_at is set to a whole second a
         few seconds ahead (as if that second were 18:00:00) while one daemon
         is idle. Figures, all from SQL: the first start_time after that
         second, the last one (all started within), executions per task at
         that second (none doubled, none missing), skipped rows (none), and
         each task's next_run_at afterwards (the next weekday 18:00 in
         Shanghai, 10:00 UTC).
defined  DEFINED tasks (1,000,000) of the same schedule, not due, plus one
         unrelated every-second task (six-field `* * * * * *`, created once the
         daemon runs): its fire lateness (start_time - scheduled_time) p50/p99
         over SECONDS seconds, the daemon's RSS (VmRSS after that time, VmHWM)
         and how long it took to start (its run-state check, which reads every task,
         runs between its ticks: the every-second task's lateness includes it).
"""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
from sched_util import SchedEnv  # noqa: E402
import benchlib  # noqa: E402

QUICK = "--quick" in sys.argv or os.environ.get("ZQ_BENCH_QUICK") == "1"
BURST = 5000 if QUICK else 100000
DEFINED = 50000 if QUICK else 1000000
SECONDS = 10 if QUICK else 30
THREADS = os.environ.get("ZQ_BENCH_THREADS", "32")
TRIVIAL = '{"duration_seconds": 0, "steps": 1}'
CRON = "0 18 * * 1-5"
TZ = "Asia/Shanghai"
LOAD_CHUNK = 100000
PHASES = os.environ.get("ZQ_BENCH_PHASES", "burst,defined").split(",")


def pct(values, p):
    v = sorted(values)
    if not v:
        return float("nan")
    k = min(len(v) - 1, max(0, int(round(p / 100.0 * (len(v) - 1)))))
    return v[k]


def load(env, n, prefix, next_run_sql):
    """n tasks of the market-close schedule, INSERT ... SELECT in chunks."""
    t0 = time.time()
    for lo in range(0, n, LOAD_CHUNK):
        hi = min(n, lo + LOAD_CHUNK)
        env.sql("INSERT INTO scheduled_tasks (name, job_id, task_type, config, cron_expression, "
                "timezone, next_run_at) SELECT CONCAT('" + prefix + "', seq), "
                "CONCAT('" + prefix + "', seq), 'example_task', '" + TRIVIAL + "', '" + CRON +
                "', '" + TZ + "', " + next_run_sql + f" FROM seq_{lo + 1}_to_{hi}")
    return time.time() - t0


def burst(env):
    env.reset()
    # not due yet: the daemon starts idle, with the burst's tasks defined
    secs = load(env, BURST, "burst-", "UTC_TIMESTAMP() + INTERVAL 1 DAY")
    print(f"loaded {BURST:,} tasks `{CRON}` {TZ} in {secs:.1f} s", flush=True)
    d = env.daemon("burst", scheduler__threads=THREADS)
    time.sleep(2)
    # the UPDATE of every row must commit before that second (on a loaded box
    # 100,000 rows take seconds): the margin, and how long it took, are printed
    due = int(time.time()) + (4 if QUICK else 15)
    t0 = time.time()
    env.sql(f"UPDATE scheduled_tasks SET next_run_at = FROM_UNIXTIME({due}) "
            "WHERE name LIKE 'burst-%'")
    print(f"next_run_at set to a second {due - t0:.1f} s ahead in {time.time() - t0:.1f} s"
          + (" (after that second: the first start is late by the UPDATE)"
             if time.time() > due else ""), flush=True)
    env.wake()  # the daemon's sleep ends at the earliest next_run_at anyway
    deadline = due + 300
    done = 0
    while time.time() < deadline:
        done = int(env.value("SELECT COUNT(*) FROM task_executions WHERE status = 'success'"))
        if done >= BURST:
            break
        time.sleep(0.5)
    hwm = SchedEnv.rss_kb(d.pid, "VmHWM")
    env.stop_daemon(d)
    r = env.rows(
        "SELECT (UNIX_TIMESTAMP(MIN(start_time)) - " + str(due) + ") * 1000 AS first_ms, "
        "(UNIX_TIMESTAMP(MAX(start_time)) - " + str(due) + ") AS last_s, "
        "(UNIX_TIMESTAMP(MAX(end_time)) - " + str(due) + ") AS end_s, "
        "COUNT(*) AS n, COUNT(DISTINCT task_id) AS tasks, SUM(status = 'skipped') AS skipped, "
        "SUM(status <> 'success') AS not_success, "
        f"SUM(scheduled_time <> FROM_UNIXTIME({due})) AS other_time "
        "FROM task_executions")[0]
    missing = int(env.value(
        "SELECT COUNT(*) FROM scheduled_tasks t WHERE t.name LIKE 'burst-%' AND NOT EXISTS "
        f"(SELECT 1 FROM task_executions e WHERE e.task_id = t.id AND e.scheduled_time = "
        f"FROM_UNIXTIME({due}))"))
    doubled = int(env.value(
        "SELECT COUNT(*) FROM (SELECT task_id FROM task_executions GROUP BY task_id, "
        "scheduled_time HAVING COUNT(*) > 1) x"))
    # the next fire of each: the next weekday 18:00 in Shanghai (10:00 UTC)
    bad_next = int(env.value(
        "SELECT COUNT(*) FROM scheduled_tasks WHERE name LIKE 'burst-%' AND (next_run_at IS NULL "
        "OR TIME(next_run_at) <> '10:00:00' OR WEEKDAY(next_run_at) > 4 OR "
        "next_run_at <= UTC_TIMESTAMP())"))
    state_wrong = int(env.value(
        "SELECT COUNT(*) FROM scheduled_tasks t LEFT JOIN task_run_state s ON s.task_id = t.id "
        "WHERE t.name LIKE 'burst-%' AND (s.task_id IS NULL OR s.active <> 0 OR "
        "s.latest_status <> 'success' OR s.latest_execution_id <> (SELECT MAX(e.id) FROM "
        "task_executions e WHERE e.task_id = t.id))"))
    first_ms, last_s = float(r["first_ms"] or "nan"), float(r["last_s"] or "nan")
    print(f"burst of {BURST:,} due at one second: first start +{first_ms:.0f} ms, all started "
          f"within {last_s:.1f} s (last end +{float(r['end_s'] or 'nan'):.1f} s; "
          f"{BURST / max(last_s, 1e-3):.0f} starts/s); {r['n']} executions of {r['tasks']} tasks, "
          f"{doubled} doubled, {missing} missing, {r['skipped']} skipped, "
          f"{r['not_success']} not success, {r['other_time']} at another scheduled time; "
          f"{bad_next} with a wrong next_run_at, {state_wrong} with a wrong task_run_state; "
          f"daemon peak RSS {hwm / 1024:.1f} MB", flush=True)
    return first_ms, last_s, doubled + missing + int(r["skipped"] or 0) + int(r["other_time"] or 0)


def defined(env):
    env.reset()
    secs = load(env, DEFINED, "def-", "UTC_TIMESTAMP() + INTERVAL 1 DAY")
    print(f"loaded {DEFINED:,} tasks `{CRON}` {TZ} (not due) in {secs:.1f} s", flush=True)
    t0 = time.time()
    d = env.daemon("defined", scheduler__threads=THREADS)
    started = time.time() - t0
    start = [ln for ln in d.output().splitlines() if "run state:" in ln]
    print(f"daemon started in {started:.1f} s ({start[-1].split('run state: ')[-1] if start else 'its run state check goes on between ticks'})",
          flush=True)
    # the every-second task is created once the daemon runs: its lateness is
    # the steady state beside a million tasks, not the daemon's start-up
    first = int(time.time()) + 2
    env.sql("INSERT INTO scheduled_tasks (name, job_id, task_type, config, cron_expression, "
            f"next_run_at) VALUES ('every-second', 'every-second', 'example_task', '{TRIVIAL}', "
            f"'* * * * * *', FROM_UNIXTIME({first}))")
    env.wake()
    time.sleep(SECONDS + 2)
    rss, hwm = SchedEnv.rss_kb(d.pid), SchedEnv.rss_kb(d.pid, "VmHWM")
    check = [ln for ln in d.output().splitlines() if "refreshed at start" in ln]
    print("start-up run state check (between ticks, while the every-second task ran): "
          + (check[-1].split("run state: ")[-1] if check else "not done yet"), flush=True)
    env.stop_daemon(d)
    rows = env.rows("SELECT (UNIX_TIMESTAMP(e.start_time) - UNIX_TIMESTAMP(e.scheduled_time)) "
                    "* 1000 AS late FROM task_executions e JOIN scheduled_tasks t ON t.id = "
                    "e.task_id WHERE t.name = 'every-second' AND e.status = 'success'")
    late = [float(x["late"]) for x in rows]
    skipped = int(env.value("SELECT COUNT(*) FROM task_executions WHERE status = 'skipped'"))
    print(f"{DEFINED:,} tasks defined: daemon RSS {rss / 1024:.1f} MB (peak {hwm / 1024:.1f} MB); "
          f"every-second task lateness p50 {pct(late, 50):.1f} ms, p99 {pct(late, 99):.1f} ms, "
          f"max {max(late) if late else float('nan'):.1f} ms ({len(late)} runs, "
          f"{skipped} skipped)", flush=True)
    return hwm, pct(late, 99)


def main():
    env = SchedEnv(mariadb_cnf=benchlib.mariadb_cnf()).start()
    try:
        print("server:", env.value("SELECT VERSION()"), "innodb_flush_log_at_trx_commit =",
              env.value("SELECT @@innodb_flush_log_at_trx_commit"))
        print(f"build: {env.stack.build}; threads: {THREADS}; trivial task: example_task "
              f"{TRIVIAL}", flush=True)
        if "burst" in PHASES:
            first_ms, last_s, wrong = burst(env)
            size = f"{BURST // 1000}k"
            benchlib.target(f"burst {size}: first start after its second", first_ms, "ms", "<=",
                            50)
            benchlib.target(f"burst {size}: all started within", last_s, "s", "<=", 30)
            benchlib.target(f"burst {size}: doubled + missing + skipped runs", wrong, "", "<=", 0)
        if "defined" not in PHASES:
            return
        hwm, p99 = defined(env)
        size = f"{DEFINED // 1000}k"
        benchlib.target(f"{size} tasks defined: daemon peak RSS", hwm / 1024, "MB", "<=", 64)
        benchlib.target(f"{size} tasks defined: every-second task lateness p99", p99, "ms", "<=",
                        50)
    finally:
        env.close()


if __name__ == "__main__":
    main()
