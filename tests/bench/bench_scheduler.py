"""bench_scheduler.py - zq-scheduler throughput, latency and memory.

Run by `./zq bench` (ZQ_BUILD_DIR = an optimised build), or directly:
    ZQ_BUILD_DIR=build/sched-bench /usr/bin/python3 tests/bench/bench_scheduler.py [--quick]

A private MariaDB with durable commits (innodb_flush_log_at_trx_commit=1,
checked and printed), no API, no nginx. The "trivial task" is an
example_task with duration 0 and 1 step: the executor does no work, so the
figures measure the scheduler (fire, claim, settle, stats) and the database,
not a child process. A `true` command is measured too, for comparison.

Figures (medians of the repeated runs):
  exec/s           10,000 due tasks made due at once, until all 10,000 are
                   recorded success; one daemon, then two on the same DB
  commits/exec     server COMMIT statements (Com_commit, which includes the
                   read-only ticks) and redo log writes (Innodb_log_writes,
                   each a durable write) during that run, per execution
  trigger->running a manual trigger written as zq-api writes it (INSERT of a
                   pending row + wake-up datagram) until the row is seen
                   running by a client polling it; also start_time -
                   not_before as recorded by the daemon
  cron lateness    every-second six-field cron tasks: start_time -
                   scheduled_time, p50 / p99
  RSS              daemon VmRSS idle with no tasks, idle with 100,000
                   scheduled tasks, and VmHWM (peak) after the 10k run
"""
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
from sched_util import SchedEnv  # noqa: E402

QUICK = "--quick" in sys.argv
N = 2000 if QUICK else 10000
REPEAT = 1 if QUICK else 3
THREADS = os.environ.get("ZQ_BENCH_THREADS", "32")
TRIVIAL = '{"duration_seconds": 0, "steps": 1}'


def pct(values, p):
    v = sorted(values)
    if not v:
        return float("nan")
    k = min(len(v) - 1, max(0, int(round(p / 100.0 * (len(v) - 1)))))
    return v[k]


def status(env, name):
    return int(env.rows(f"SHOW GLOBAL STATUS LIKE '{name}'")[0]["Value"])


class Client:
    """A persistent mariadb client: one connection, one statement per line."""

    def __init__(self, env):
        s = env.stack
        self.p = subprocess.Popen(
            ["mariadb", "--no-defaults", "-uroot", "-p" + s.root_pw, "-S", s.sock, "--batch",
             "--raw", "--skip-column-names", "-n", "zq"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            bufsize=1)

    def one(self, q):
        self.p.stdin.write(q.rstrip(";") + ";\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().rstrip("\n")

    def close(self):
        self.p.stdin.close()
        self.p.wait()


def make_tasks(env, n, prefix, config=TRIVIAL, task_type="example_task"):
    env.sql("INSERT INTO scheduled_tasks (name, job_id, task_type, config, interval_seconds) "
            f"SELECT CONCAT('{prefix}', seq), CONCAT('{prefix}', seq), '{task_type}', "
            f"'{config}', 86400 FROM seq_1_to_{n}")


def throughput(env, daemons, n, task_type="example_task", config=TRIVIAL):
    env.reset()
    make_tasks(env, n, "tp-", config=config, task_type=task_type)
    procs = [env.daemon(f"tp-{daemons}-{i}", scheduler__threads=THREADS, scheduler__batch="200",
                        scheduler__heartbeat_s="2", scheduler__lease_s="30")
             for i in range(daemons)]
    time.sleep(1.5)
    commits0, fsyncs0 = status(env, "Com_commit"), status(env, "Innodb_log_writes")
    t0 = float(env.value("SELECT UNIX_TIMESTAMP(UTC_TIMESTAMP(3)) + 0"))
    env.sql("UPDATE scheduled_tasks SET next_run_at = UTC_TIMESTAMP(3) WHERE name LIKE 'tp-%'")
    env.wake()
    deadline = time.time() + 600
    while time.time() < deadline:
        done = int(env.value("SELECT COUNT(*) FROM task_executions WHERE status = 'success'"))
        if done >= n:
            break
        time.sleep(0.2)
    t1 = float(env.value("SELECT UNIX_TIMESTAMP(MAX(end_time)) FROM task_executions"))
    commits = status(env, "Com_commit") - commits0
    fsyncs = status(env, "Innodb_log_writes") - fsyncs0
    dup = int(env.value("SELECT COUNT(*) - COUNT(DISTINCT task_id) FROM task_executions"))
    hwm = max(SchedEnv.rss_kb(p.pid, "VmHWM") for p in procs)
    for p in procs:
        env.stop_daemon(p)
    assert dup == 0 and done >= n, (dup, done)
    return {"rate": n / (t1 - t0), "commits": commits / n, "fsyncs": fsyncs / n, "hwm": hwm}


def trigger_latency(env, samples):
    env.reset()
    tid = env.task("lat", "example_task", {"duration_seconds": 0.05, "steps": 1})
    d = env.daemon("lat", scheduler__threads="4")
    c = Client(env)
    seen, recorded = [], []
    for _ in range(samples):
        eid = int(c.one(f"INSERT INTO task_executions (task_id, trigger_type, status, "
                        f"scheduled_time, not_before, created_by) VALUES ({tid}, 'manual', "
                        f"'pending', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), 'bench'); "
                        f"SELECT LAST_INSERT_ID()"))
        t0 = time.perf_counter()
        env.wake()
        while c.one(f"SELECT status FROM task_executions WHERE id = {eid}") == "pending":
            pass
        seen.append((time.perf_counter() - t0) * 1000)
        recorded.append(float(c.one(
            f"SELECT (UNIX_TIMESTAMP(start_time) - UNIX_TIMESTAMP(not_before)) * 1000 "
            f"FROM task_executions WHERE id = {eid}")))
        time.sleep(0.08)
    c.close()
    env.stop_daemon(d)
    return seen, recorded


def cron_lateness(env, tasks, seconds):
    env.reset()
    first = (int(time.time()) + 2) * 1000
    env.sql("INSERT INTO scheduled_tasks (name, job_id, task_type, config, cron_expression, "
            f"next_run_at) SELECT CONCAT('cron-', seq), CONCAT('cron-', seq), 'example_task', "
            f"'{TRIVIAL}', '* * * * * *', FROM_UNIXTIME({first / 1000}) FROM seq_1_to_{tasks}")
    d = env.daemon("cron", scheduler__threads=THREADS)
    time.sleep(seconds + 2)
    env.stop_daemon(d)
    rows = env.rows("SELECT (UNIX_TIMESTAMP(start_time) - UNIX_TIMESTAMP(scheduled_time)) * 1000 "
                    "AS late FROM task_executions WHERE status = 'success'")
    skipped = int(env.value("SELECT COUNT(*) FROM task_executions WHERE status = 'skipped'"))
    return [float(r["late"]) for r in rows], skipped


def rss_idle(env, tasks):
    env.reset()
    if tasks:
        env.sql("INSERT INTO scheduled_tasks (name, job_id, task_type, config, interval_seconds, "
                "next_run_at) SELECT CONCAT('idle-', seq), CONCAT('idle-', seq), 'example_task', "
                f"'{TRIVIAL}', 3600, UTC_TIMESTAMP(3) + INTERVAL 1 HOUR FROM seq_1_to_{tasks}")
    d = env.daemon("idle", scheduler__threads=THREADS)
    time.sleep(3)
    rss = SchedEnv.rss_kb(d.pid)
    env.stop_daemon(d)
    return rss


def main():
    env = SchedEnv().start()
    try:
        print("server:", env.value("SELECT VERSION()"),
              "innodb_flush_log_at_trx_commit =",
              env.value("SELECT @@innodb_flush_log_at_trx_commit"),
              "log_bin =", env.value("SELECT @@log_bin"))
        print(f"build: {env.stack.build}; threads per daemon: {THREADS}; trivial task: "
              f"example_task {TRIVIAL}")
        results = {}
        for daemons in (1, 2):
            runs = [throughput(env, daemons, N) for _ in range(REPEAT)]
            results[daemons] = runs
            med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            print(f"{N} due trivial tasks, {daemons} daemon(s): {med['rate']:.0f} exec/s "
                  f"(runs: {', '.join('%.0f' % r['rate'] for r in runs)}); "
                  f"COMMITs/exec {med['commits']:.3f}, redo log writes/exec {med['fsyncs']:.3f}; "
                  f"peak RSS {med['hwm'] / 1024:.1f} MB")
        if "--throughput-only" in sys.argv:
            return
        cmd = throughput(env, 1, N // 5, task_type="common_task", config='{"command": "true"}')
        print(f"{N // 5} due `true` commands, 1 daemon: {cmd['rate']:.0f} exec/s, "
              f"COMMITs/exec {cmd['commits']:.3f}")
        seen, rec = trigger_latency(env, 60 if QUICK else 200)
        print(f"trigger->running (client sees running): p50 {pct(seen, 50):.1f} ms, "
              f"p99 {pct(seen, 99):.1f} ms; daemon start_time - not_before: "
              f"p50 {pct(rec, 50):.1f} ms, p99 {pct(rec, 99):.1f} ms ({len(seen)} triggers)")
        late, skipped = cron_lateness(env, 20, 10 if QUICK else 30)
        print(f"cron lateness (start_time - scheduled_time, 20 every-second tasks): "
              f"p50 {pct(late, 50):.1f} ms, p99 {pct(late, 99):.1f} ms, max {max(late):.1f} ms "
              f"({len(late)} runs, {skipped} skipped)")
        print(f"daemon RSS idle: {rss_idle(env, 0) / 1024:.1f} MB with no tasks, "
              f"{rss_idle(env, 100000) / 1024:.1f} MB with 100,000 scheduled tasks")
    finally:
        env.close()


if __name__ == "__main__":
    main()
