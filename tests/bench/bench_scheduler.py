"""bench_scheduler.py - zq-scheduler throughput, latency and memory.

Run by `./zq bench` (ZQ_BUILD_DIR = an optimised build), or directly:
    ZQ_BUILD_DIR=build/sched-bench /usr/bin/python3 tests/bench/bench_scheduler.py [--quick]
        [--throughput-only] [--profile] [--before-build DIR]
  --before-build DIR  each throughput run also with DIR's zq-scheduler, interleaved
                      (A/B on the same server and load), with the ratio
  --profile           statements per execution and their server time (slow log)
  ZQ_BENCH_PERF=FILE  `perf record -g` of the daemons during each throughput run
  ZQ_BENCH_REPEAT, ZQ_BENCH_DAEMONS (e.g. "1" or "1,2"), ZQ_BENCH_THREADS

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
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
from sched_util import SchedEnv  # noqa: E402
import benchlib  # noqa: E402

QUICK = "--quick" in sys.argv or bool(os.environ.get("ZQ_BENCH_QUICK"))
# --profile: statements per execution and their server time (slow query log);
# ZQ_BENCH_PERF=FILE: `perf record -g` of the daemons during the run
PROFILE = "--profile" in sys.argv
PERF = os.environ.get("ZQ_BENCH_PERF")
N = 2000 if QUICK else 10000
REPEAT = int(os.environ.get("ZQ_BENCH_REPEAT", "1" if QUICK else "3"))
DAEMONS = [int(d) for d in os.environ.get("ZQ_BENCH_DAEMONS", "1,2").split(",")]
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


def slowlog_on(env):
    """--profile: every statement of the daemons with its server time, from
    the slow query log at long_query_time 0 (MariaDB's performance_schema
    does not aggregate binary-protocol prepared statements, which is all the
    daemon sends). long_query_time is copied into a session when it
    connects (and whether it logs at all): main() turns the log on before
    any daemon starts, and each run reads only what it logged meanwhile."""
    if PROFILE:
        path = os.path.join(env.stack.tmp, "slow.log")
        if os.path.exists(path):
            os.unlink(path)
        env.sql("FLUSH SLOW LOGS")
        return path
    return None


def slowlog_print(env, path, n, daemon_cpu_s):
    """Statements per execution and their server time, by statement shape."""
    if not path:
        return
    os.rename(path, path + ".run")
    env.sql("FLUSH SLOW LOGS")
    path += ".run"
    if os.environ.get("ZQ_BENCH_SLOWLOG_KEEP"):
        subprocess.run(["cp", path, os.environ["ZQ_BENCH_SLOWLOG_KEEP"]])
    stats, user, qtime, rx, text = {}, None, 0.0, 0, []

    def flush():
        if user and user.startswith("zq[") and text:
            q = " ".join(" ".join(text).split())
            q = re.sub(r"'(?:[^'\\]|\\.)*'", "?", q)
            q = re.sub(r"\b\d+(\.\d+)?\b", "N", q)
            q = re.sub(r"(\(?N,? ?)+\)?", "N..", q)[:110]
            v = stats.setdefault(q, [0, 0.0, 0])
            v[0] += 1
            v[1] += qtime
            v[2] += rx
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("# User@Host:"):
                flush()
                user, text = line.split(":", 1)[1].strip(), []
            elif line.startswith("# Query_time:"):
                w = line.split()
                qtime, rx = float(w[2]), int(w[w.index("Rows_examined:") + 1])
            elif line.startswith("#") or line.startswith("SET timestamp=") or \
                    line.startswith("use "):
                continue
            else:
                text.append(line.strip())
    flush()
    d = sorted(((v[1], v[0], v[2], q) for q, v in stats.items()), reverse=True)
    print(f"  server statement time {sum(x[0] for x in d) / n * 1e6:.0f} us/exec, "
          f"{sum(x[1] for x in d) / n:.3f} statements/exec; daemon CPU "
          f"{daemon_cpu_s / n * 1e6:.0f} us/exec; statements by server time:")
    for t, c, rows, q in d[:25]:
        print(f"  {c / n:7.3f}/exec {t / n * 1e6:7.1f} us/exec rows/stmt {rows / c:8.1f}  {q}")


def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")


def throughput(env, daemons, n, task_type="example_task", config=TRIVIAL, build=None):
    env.reset()
    if not build:   # the versions a --before-build run set aside come back
        env.sql("CREATE TABLE IF NOT EXISTS zq_bench_versions LIKE schema_migrations; "
                "INSERT IGNORE INTO schema_migrations SELECT * FROM zq_bench_versions")
    make_tasks(env, n, "tp-", config=config, task_type=task_type)
    start = lambda i: env.daemon(f"tp-{daemons}-{i}", build=build,  # noqa: E731
                                 scheduler__threads=THREADS, scheduler__batch="200",
                                 scheduler__heartbeat_s="2", scheduler__lease_s="30")
    try:
        procs = [start(i) for i in range(daemons)]
    except AssertionError as e:
        # a --before-build older than the schema: the versions it predates are
        # set aside while it runs (same tables and indexes for both builds)
        want = re.search(r"this binary expects \((\d+)\)", str(e))
        if not build or not want:
            raise
        env.sql("CREATE TABLE IF NOT EXISTS zq_bench_versions LIKE schema_migrations")
        env.sql(f"INSERT IGNORE INTO zq_bench_versions SELECT * FROM schema_migrations "
                f"WHERE version > {want.group(1)}")
        env.sql(f"DELETE FROM schema_migrations WHERE version > {want.group(1)}")
        procs = [start(i) for i in range(daemons)]
    time.sleep(1.5)
    slow = slowlog_on(env)
    cpu0 = sum(cpu_s(p.pid) for p in procs)
    perf = None
    if PERF:
        perf = subprocess.Popen(["perf", "record", "-F", "499", "-g", "-o", PERF, "-p",
                                 ",".join(str(p.pid) for p in procs)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
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
    cpu = sum(cpu_s(p.pid) for p in procs) - cpu0
    if perf:
        perf.send_signal(2)
        perf.wait()
    slowlog_print(env, slow, n, cpu)
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
    env = SchedEnv(mariadb_cnf=benchlib.mariadb_cnf()).start()
    try:
        if PROFILE:
            env.sql("SET GLOBAL long_query_time = 0; SET GLOBAL log_slow_verbosity = ''; "
                    f"SET GLOBAL slow_query_log_file = '{env.stack.tmp}/slow.log'; "
                    "SET GLOBAL slow_query_log = ON")
        print("server:", env.value("SELECT VERSION()"),
              "innodb_flush_log_at_trx_commit =",
              env.value("SELECT @@innodb_flush_log_at_trx_commit"),
              "log_bin =", env.value("SELECT @@log_bin"))
        print(f"build: {env.stack.build}; threads per daemon: {THREADS}; trivial task: "
              f"example_task {TRIVIAL}")
        before = None
        if "--before-build" in sys.argv:
            before = sys.argv[sys.argv.index("--before-build") + 1]
        builds = [("before", before), ("after", None)] if before else [("", None)]
        for daemons in DAEMONS:
            runs = {label: [] for label, _ in builds}
            for _ in range(REPEAT):  # A/B interleaved: the same load on the same server
                for label, build in builds:
                    runs[label].append(throughput(env, daemons, N, build=build))
            meds = {}
            for label, _ in builds:
                rs = runs[label]
                med = meds[label] = {k: statistics.median(r[k] for r in rs) for k in rs[0]}
                print(f"{N} due trivial tasks, {daemons} daemon(s){' ' + label if label else ''}: "
                      f"{med['rate']:.0f} exec/s (runs: {', '.join('%.0f' % r['rate'] for r in rs)}); "
                      f"COMMITs/exec {med['commits']:.3f}, redo log writes/exec "
                      f"{med['fsyncs']:.3f}; peak RSS {med['hwm'] / 1024:.1f} MB", flush=True)
            if before:
                print(f"  after/before: {meds['after']['rate'] / meds['before']['rate']:.2f}x")
            rate = meds[builds[-1][0]]["rate"]
            if daemons == 1:
                benchlib.target("scheduler exec/s, 1 daemon", rate, "/s", ">=", 5000)
            else:
                benchlib.target(f"scheduler exec/s, {daemons} daemons", rate, "/s", ">=", 8000)
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
