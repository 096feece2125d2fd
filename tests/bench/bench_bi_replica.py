"""bench_bi_replica.py - what the reporting replica costs the scheduler, and
what a heavy report on it costs.

Run by `./zq bench`, or directly:
    ZQ_BUILD_DIR=build/bench /usr/bin/python3 tests/bench/bench_bi_replica.py [--quick]
    ZQ_BENCH_REPEAT (default 3), ZQ_BENCH_N (due tasks per run; 2000 quick, 10000 else)

Two private servers as bench_scheduler.py makes them (its throughput run,
one daemon, trivial example tasks), side by side and interleaved run by run:
  off       the primary as ./zq up runs it without a replica (--skip-log-bin)
  logonly   a primary with db/mariadb-primary.cnf.in and no replica: the
            binary log's own cost
  binlog    the primary with db/mariadb-primary.cnf.in (log_bin, ROW,
            sync_binlog = 1) and a GTID replica following it, idle
  report    the same, while a deliberately heavy report runs on the replica
            without pause as a reporting user (a self-join of bi_executions
            over a preloaded history, max_statement_time 120 s)
  primary   the same report on the primary instead (what the replica spares)
Printed, not asserted: the medians of the runs, exec/s and the ratio to
"off". On one machine the replica shares the CPUs and the disk with the
primary; on its own host (README "Reporting (BI)") only the binary log and
the replication thread's reads remain.
"""
import os
import statistics
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import bench_scheduler  # noqa: E402
import benchlib  # noqa: E402
from sched_util import SchedEnv  # noqa: E402
from zqreplica import Replica, bi_create, bi_sql  # noqa: E402

QUICK = "--quick" in sys.argv or bool(os.environ.get("ZQ_BENCH_QUICK"))
N = int(os.environ.get("ZQ_BENCH_N", "2000" if QUICK else "10000"))
REPEAT = int(os.environ.get("ZQ_BENCH_REPEAT", "3"))
HISTORY = 3000 if QUICK else 20000
REPORT = ("SELECT a.task_type, COUNT(*), SUM(CRC32(CONCAT(a.execution_id, '-', b.execution_id))) "
          "FROM bi_executions a JOIN bi_executions b ON b.task_id BETWEEN a.task_id AND "
          "a.task_id + 40 GROUP BY a.task_type")


def keep_history(env):
    """throughput() resets the tasks before each run: keep the history's."""
    env.reset = lambda: env.sql("DELETE FROM scheduled_tasks WHERE name NOT LIKE 'hist-%'; "
                                "DELETE FROM scheduler_nodes")


def load_history(env, n):
    """n disabled tasks with one old failed run each: rows for the report to
    read, and none that the throughput run counts (not success, one per task)."""
    env.sql("INSERT INTO scheduled_tasks (name, job_id, task_type, config, enabled) "
            "SELECT CONCAT('hist-', seq), CONCAT('hist-', seq), 'example_task', '{}', 0 "
            f"FROM seq_1_to_{n}")
    env.sql("INSERT INTO task_executions (task_id, trigger_type, status, scheduled_time, "
            "not_before, start_time, end_time, duration_ms, created_by) "
            "SELECT id, 'schedule', 'failed', '2025-01-01 00:00:00' + INTERVAL id MINUTE, "
            "'2025-01-01 00:00:00' + INTERVAL id MINUTE, '2025-01-01 00:00:01' + INTERVAL id MINUTE, "
            "'2025-01-01 00:00:03' + INTERVAL id MINUTE, 2000, 'bench' "
            "FROM scheduled_tasks WHERE name LIKE 'hist-%'")


class Reporter:
    """The heavy report in a loop on one server, until stopped."""

    def __init__(self, port, user, pw):
        self.port, self.user, self.pw = port, user, pw
        self.stop_ev = threading.Event()
        self.done, self.secs, self.errors = 0, [], []
        self.t = threading.Thread(target=self.loop, daemon=True)

    def loop(self):
        while not self.stop_ev.is_set():
            t0 = time.monotonic()
            rows, err, msg = bi_sql(self.port, self.user, self.pw, REPORT, timeout=300)
            if err is not None:
                self.errors.append(msg.strip().splitlines()[-1])
                time.sleep(0.5)
                continue
            self.done += 1
            self.secs.append(time.monotonic() - t0)

    def __enter__(self):
        self.t.start()
        time.sleep(1.0)   # the report is running when the run starts
        return self

    def __exit__(self, *exc):
        self.stop_ev.set()
        self.t.join(timeout=320)


def main():
    plain = SchedEnv(mariadb_cnf=benchlib.mariadb_cnf())
    logged = SchedEnv(mariadb_cnf=benchlib.mariadb_cnf())
    logged.stack.binlog = True
    logonly = SchedEnv(mariadb_cnf=benchlib.mariadb_cnf())
    logonly.stack.binlog = True
    replica = None
    try:
        plain.start()
        logged.start()
        logonly.start()
        for env in (plain, logged, logonly):
            load_history(env, HISTORY)
            keep_history(env)
        replica = Replica(logged.stack).start()
        pw, _ = bi_create(logged.stack, "bi_bench", "--max-statement-time", "120")
        print("server:", logged.value("SELECT VERSION()"), "| binlog primary: log_bin",
              logged.value("SELECT @@log_bin"), "binlog_format",
              logged.value("SELECT @@binlog_format"), "sync_binlog",
              logged.value("SELECT @@sync_binlog"), "| plain primary: log_bin",
              plain.value("SELECT @@log_bin"))
        print(f"build: {plain.stack.build}; {N} due trivial tasks per run, 1 daemon, "
              f"{bench_scheduler.THREADS} threads; history {HISTORY} runs; {REPEAT} rounds")
        runs = {k: [] for k in ("off", "logonly", "binlog", "report", "primary")}
        reports = {"report": [], "primary": []}
        for _ in range(REPEAT):
            runs["off"].append(bench_scheduler.throughput(plain, 1, N)["rate"])
            runs["logonly"].append(bench_scheduler.throughput(logonly, 1, N)["rate"])
            runs["binlog"].append(bench_scheduler.throughput(logged, 1, N)["rate"])
            for label, port in (("report", replica.port), ("primary", logged.stack.db_port)):
                with Reporter(port, "bi_bench", pw) as rep:
                    runs[label].append(bench_scheduler.throughput(logged, 1, N)["rate"])
                reports[label].append(rep)
            print("  round:", ", ".join(f"{k} {v[-1]:.0f}" for k, v in runs.items()), flush=True)
        base = statistics.median(runs["off"])
        for label, text in (("off", "no binary log, no replica"),
                            ("logonly", "binary log, no replica"),
                            ("binlog", "binary log + idle GTID replica"),
                            ("report", "binary log + heavy report on the replica"),
                            ("primary", "binary log + heavy report on the primary")):
            med = statistics.median(runs[label])
            extra = ""
            if label in reports:
                secs = [s for r in reports[label] for s in r.secs]
                errs = [e for r in reports[label] for e in r.errors]
                extra = (f"; {sum(r.done for r in reports[label])} reports, median "
                         f"{statistics.median(secs) if secs else float('nan'):.1f} s each"
                         f"{'; errors: ' + errs[0] if errs else ''}")
            print(f"{text:45s} {med:7.0f} exec/s ({med / base:.2f}x; runs "
                  f"{', '.join('%.0f' % r for r in runs[label])}){extra}")
        st = replica.slave_status()
        print(f"replica after the runs: IO {st.get('Slave_IO_Running')}, SQL "
              f"{st.get('Slave_SQL_Running')}, Seconds_Behind_Master "
              f"{st.get('Seconds_Behind_Master')}")
    finally:
        if replica:
            replica.stop()
        for env in (logonly, logged, plain):
            try:
                env.close()
            except Exception as e:   # noqa: BLE001 - report, keep closing
                print("close:", e)


if __name__ == "__main__":
    main()
