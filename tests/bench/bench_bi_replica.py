"""bench_bi_replica.py - what the reporting replica costs the scheduler, and
what a heavy report on it costs.

Run by `./zq bench`, or directly:
    ZQ_BUILD_DIR=build/bench /usr/bin/python3 tests/bench/bench_bi_replica.py [--quick]
    ZQ_BENCH_REPEAT (default 3), ZQ_BENCH_N (due tasks per run; 2000 quick, 10000 else),
    ZQ_BENCH_REPORTS (the heavy report's loops side by side, default 1)
    ZQ_BENCH_AB=flush   instead of the modes below: three primaries, one
        without the binary log ("off") and two with it, each with one
        idle-priority replica: one at the replica's former
        innodb_flush_log_at_trx_commit = 1, one at db/mariadb-replica.cnf.in's
        2; each idle and with the heavy report on its replica, interleaved
    ZQ_BENCH_AB=one     "off", a primary with one idle-priority replica, and
        the heavy report on that replica
    ZQ_BENCH_PIN=1      (set "one" unless ZQ_BENCH_AB says otherwise) this
        process and so every primary mariadbd and zq-scheduler it starts on
        CPU 0, the replicas on CPU 1 (taskset): a stand-in for "the replica
        on its own host", in every mode alike; ZQ_BENCH_PIN=replica pins the
        replicas alone (what ZQ_REPLICA_CPUS=1 does for ./zq up --replica)
    Each mode prints its median, min-max and interquartile range, and the key
    comparisons whether the medians differ by more than the spread (with the
    rounds' paired ratios).

Private servers as bench_scheduler.py makes them (its throughput run, one
daemon, trivial example tasks), side by side and interleaved run by run:
  off       the primary as ./zq up runs it without a replica (--skip-log-bin)
  logonly   a primary with db/mariadb-primary.cnf.in and no replica: the
            binary log's own cost
  binlog    the primary with db/mariadb-primary.cnf.in (log_bin, ROW,
            sync_binlog = 1) and two GTID replicas following it, idle: one at
            normal priority, one at idle priority (chrt --idle 0, ionice -c 3:
            what ./zq up --replica starts by default)
  normal    the same, while a deliberately heavy report runs on the
            normal-priority replica without pause as a reporting user (a
            self-join of bi_executions over a preloaded history,
            max_statement_time 120 s)
  report    the same report on the idle-priority replica instead
  primary   the same report on the primary instead (what a replica spares)
Printed, not asserted: the medians of the runs, exec/s and the ratio to
"off"; for each report, how long one took and how many ran; for each replica
the report ran on, how far it was behind when the run's last execution had
committed on the primary and how long it took to catch up (gtid_slave_pos
reaching the primary's gtid_binlog_pos, polled every 50 ms while the report
still runs); and per run the machine's CPU busy / iowait / steal and each
replica's CPU share. At idle priority the report and the replica's SQL
thread get only CPU time no normal process wants: that spares the scheduler
only when it wants the CPU. On the 2-core test VM it did not (the primary's
side used about one CPU, bound by commits, not CPU), so normal and idle
measured alike (README "Reporting (BI)" -> "The replica"). On its own host
only the binary log and the replication thread's reads remain.
"""
import os
import statistics
import sys
import subprocess
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
REPORTS = int(os.environ.get("ZQ_BENCH_REPORTS", "1"))   # report loops side by side
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


def gtid_seq(pos):
    """The sequence number of domain 0 in a GTID position ("0-1-123,...")."""
    for g in (pos or "").split(","):
        parts = g.strip().split("-")
        if len(parts) == 3 and parts[0] == "0":
            return int(parts[2])
    return 0


def catch_up(primary, replica, timeout=300):
    """(transactions behind now, seconds until the replica has applied what
    the primary has logged now); None seconds past the timeout."""
    want = gtid_seq(primary.value("SELECT @@GLOBAL.gtid_binlog_pos"))
    t0 = time.monotonic()
    behind = None
    while time.monotonic() - t0 < timeout:
        have = gtid_seq(replica.sql("SELECT @@GLOBAL.gtid_slave_pos")[0][0])
        if behind is None:
            behind = max(0, want - have)
        if have >= want:
            return behind, time.monotonic() - t0
        time.sleep(0.05)
    return behind, None


class LagSampler:
    """How far the replica falls behind during a run: every 0.25 s, the
    primary's logged and the replica's applied GTID sequence numbers, read by
    one long-lived client on each server (no process start per sample). The
    largest difference, in transactions, is kept."""

    def __init__(self, primary, replica):
        self.clients = [self._client(primary.stack.sock, primary.stack.root_pw,
                                     "SELECT @@GLOBAL.gtid_binlog_pos;"),
                        self._client(replica.sock, replica.stack.root_pw,
                                     "SELECT @@GLOBAL.gtid_slave_pos;")]
        self.max_behind, self.stop_ev = 0, threading.Event()
        self.t = threading.Thread(target=self.loop, daemon=True)

    @staticmethod
    def _client(sock, pw, query):
        p = subprocess.Popen(["mariadb", "--no-defaults", "-uroot", "-p" + pw, "-S", sock,
                              "--batch", "--raw", "--skip-column-names", "--unbuffered"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        return p, query

    @staticmethod
    def _ask(client):
        p, query = client
        p.stdin.write(query + "\n")
        p.stdin.flush()
        return gtid_seq(p.stdout.readline().strip())

    def loop(self):
        while not self.stop_ev.wait(0.25):
            logged, applied = (self._ask(c) for c in self.clients)
            self.max_behind = max(self.max_behind, logged - applied)

    def __enter__(self):
        self.t.start()
        return self

    def __exit__(self, *exc):
        self.stop_ev.set()
        self.t.join(timeout=10)
        for p, _ in self.clients:
            p.stdin.close()
            p.wait(timeout=10)


def cpu_now(pids):
    """(time, machine busy / iowait / steal / total ticks, [CPU ticks of each pid])."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = v
    procs = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                st = f.read().rsplit(")", 1)[1].split()
            procs.append(int(st[11]) + int(st[12]))
        except OSError:
            procs.append(0)
    return (time.time(), user + nice + system + irq + softirq, iowait, steal, sum(v), procs)


class CpuSampler:
    """/proc/stat and the replicas' CPU time every 0.1 s during a throughput
    run; window() gives the shares over the run's measured part (the last
    n / rate seconds before its last completion was seen, within ~0.25 s)."""

    def __init__(self, pids):
        self.pids, self.samples = pids, []
        self.stop_ev = threading.Event()
        self.t = threading.Thread(target=self.loop, daemon=True)

    def loop(self):
        while True:
            self.samples.append(cpu_now(self.pids))
            if self.stop_ev.wait(0.1):
                return

    def __enter__(self):
        self.t.start()
        return self

    def __exit__(self, *exc):
        self.end = time.time()
        self.stop_ev.set()
        self.t.join()

    def window(self, secs):
        """{busy, iowait, steal: % of all CPUs; procs: [% of one CPU each]}."""
        t1 = self.end - 0.25
        t0 = t1 - secs
        a = min(self.samples, key=lambda x: abs(x[0] - t0))
        b = min(self.samples, key=lambda x: abs(x[0] - t1))
        total = max(1, b[4] - a[4])
        hz = os.sysconf("SC_CLK_TCK")
        wall = max(1e-3, b[0] - a[0])
        return {"busy": 100.0 * (b[1] - a[1]) / total, "iowait": 100.0 * (b[2] - a[2]) / total,
                "steal": 100.0 * (b[3] - a[3]) / total,
                "procs": [100.0 * (y - x) / hz / wall for x, y in zip(a[5], b[5])]}


def priority(pid):
    """The process's CPU policy and I/O class, as chrt -p and ionice -p say."""
    pol = subprocess.run(["chrt", "-p", str(pid)], capture_output=True, text=True).stdout
    pol = [ln.split(": ", 1)[1] for ln in pol.splitlines() if "policy" in ln]
    io = subprocess.run(["ionice", "-p", str(pid)], capture_output=True, text=True).stdout
    return f"{pol[0] if pol else '?'} / {io.strip() or '?'}"


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


class Reporter:
    """The heavy report in a loop on one server, until stopped: REPORTS
    loops side by side (a dashboard refreshing several panels at once)."""

    def __init__(self, port, user, pw):
        self.port, self.user, self.pw = port, user, pw
        self.stop_ev = threading.Event()
        self.done, self.secs, self.errors = 0, [], []
        self.ts = [threading.Thread(target=self.loop, daemon=True) for _ in range(REPORTS)]

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
        for t in self.ts:
            t.start()
        time.sleep(1.0)   # the report is running when the run starts
        return self

    def __exit__(self, *exc):
        self.stop_ev.set()
        for t in self.ts:
            t.join(timeout=320)


MODES = (("off", "no binary log, no replica"),
         ("logonly", "binary log, no replica"),
         ("binlog", "binary log + 2 idle GTID replicas"),
         ("normal", "+ heavy report on the normal-priority replica"),
         ("report", "+ heavy report on the idle-priority replica"),
         ("primary", "+ heavy report on the primary"))


def spread(xs):
    """(median, min, max, first quartile, third quartile)."""
    q = statistics.quantiles(xs, n=4, method="inclusive") if len(xs) > 1 else [xs[0]] * 3
    return statistics.median(xs), min(xs), max(xs), q[0], q[2]


def fmt_spread(xs, f="%.0f"):
    med, lo, hi, q1, q3 = spread(xs)
    return f"median {f % med}, min-max {f % lo}-{f % hi}, IQR {f % q1}-{f % q3}"


def compare(name_a, a, name_b, b):
    """Whether b's median differs from a's by more than the runs' spread:
    "within noise" when the difference is at most the larger of the two
    interquartile ranges and the ranges overlap. The rounds' paired ratios
    b/a too (the two ran in the same round, minutes apart at most)."""
    ma, _, _, qa1, qa3 = spread(a)
    mb, _, _, qb1, qb3 = spread(b)
    iqr = max(qa3 - qa1, qb3 - qb1)
    overlap = qb1 <= qa3 and qa1 <= qb3
    verdict = "within noise" if abs(mb - ma) <= iqr and overlap else "MORE than the spread"
    if min(len(a), len(b)) < 3:
        verdict = "too few rounds to tell"
    print(f"  {name_b} vs {name_a}: medians {mb:.0f} vs {ma:.0f} exec/s ({mb - ma:+.0f}, "
          f"{mb / ma:.2f}x), larger IQR {iqr:.0f}, IQRs {'overlap' if overlap else 'apart'}: "
          f"{verdict}; per-round {name_b}/{name_a} {fmt_spread([y / x for x, y in zip(a, b)], '%.2f')}")


def summary(runs, reports, lags, cpus):
    base = statistics.median(runs["off"])
    for label, text in MODES:
        med = statistics.median(runs[label])
        extra = ""
        if label in reports:
            secs = [s for r in reports[label] for s in r.secs]
            errs = [e for r in reports[label] for e in r.errors]
            extra = (f"; {sum(r.done for r in reports[label])} reports, median "
                     f"{statistics.median(secs) if secs else float('nan'):.1f} s each"
                     f"{'; errors: ' + errs[0] if errs else ''}")
        med_of = lambda f: statistics.median(f(c) for c in cpus[label])  # noqa: E731
        extra += (f"; CPU busy {med_of(lambda c: c['busy']):.0f} %, iowait "
                  f"{med_of(lambda c: c['iowait']):.0f} %, steal {med_of(lambda c: c['steal']):.0f}"
                  f" %; replicas normal {med_of(lambda c: c['procs'][0]):.0f} % / idle "
                  f"{med_of(lambda c: c['procs'][1]):.0f} % of a CPU")
        print(f"{text:47s} {med:7.0f} exec/s ({med / base:.2f}x; {fmt_spread(runs[label])}; "
              f"runs {', '.join('%.0f' % r for r in runs[label])}){extra}")
    print("within noise? (the medians' difference against the larger interquartile range;"
          " the rounds' paired ratios)")
    compare("binlog", runs["binlog"], "report", runs["report"])
    compare("binlog", runs["binlog"], "normal", runs["normal"])
    print_lags(lags)


def print_lags(lags):
    for label, per in lags.items():
        secs = [x[2] for x in per if x[2] is not None]
        print(f"  '{label}' runs, the replica the report ran on: at most "
              f"{', '.join(str(x[0]) for x in per)} transactions behind during the run; at the "
              f"run's end {', '.join(str(x[1]) for x in per)} behind, caught up in "
              f"{', '.join('%.2f s' % x[2] if x[2] is not None else 'never' for x in per)}"
              f" (median {statistics.median(secs) if secs else float('nan'):.2f} s)")


def run(env, label, reps, runs, cpus):
    """One throughput run, with the machine's and the replicas' CPU over it."""
    with CpuSampler([reps["normal"].proc.pid, reps["idle"].proc.pid]) as cs:
        rate = bench_scheduler.throughput(env, 1, N)["rate"]
    runs[label].append(rate)
    cpus[label].append(cs.window(N / rate))


def measured_round(i, plain, logonly, logged, reps, pw, runs, reports, lags, cpus):
    run(plain, "off", reps, runs, cpus)
    run(logonly, "logonly", reps, runs, cpus)
    run(logged, "binlog", reps, runs, cpus)
    ab = [("normal", reps["normal"].port), ("report", reps["idle"].port)]
    # the two replicas' turns alternate round by round (ABBA): neither always
    # runs second, after the other's report
    for label, port in (ab if i % 2 == 0 else ab[::-1]) + [("primary", logged.stack.db_port)]:
        rp = reps["idle" if label == "report" else "normal"]
        with Reporter(port, "bi_bench", pw) as rep:
            if label == "primary":
                run(logged, label, reps, runs, cpus)
            else:
                with LagSampler(logged, rp) as lag:
                    run(logged, label, reps, runs, cpus)
                # the run is over, the report still runs
                lags[label].append((lag.max_behind, *catch_up(logged, rp)))
        reports[label].append(rep)
    print("  round:", ", ".join(f"{k} {v[-1]:.0f}" for k, v in runs.items()),
          "| lag max/end/catch-up:", ", ".join(
              f"{k} {v[-1][0]}/{v[-1][1]} tx/"
              f"{'never' if v[-1][2] is None else '%.2f s' % v[-1][2]}" for k, v in lags.items()),
          f"| load {load()}", flush=True)
    print("    CPU busy/iowait/steal % of both CPUs, replicas normal/idle % of one CPU:",
          ", ".join(f"{k} {v[-1]['busy']:.0f}/{v[-1]['iowait']:.0f}/{v[-1]['steal']:.0f} "
                    f"{v[-1]['procs'][0]:.0f}/{v[-1]['procs'][1]:.0f}" for k, v in cpus.items()),
          flush=True)


def main():
    plain = SchedEnv(mariadb_cnf=benchlib.mariadb_cnf())
    logged = SchedEnv(mariadb_cnf=benchlib.mariadb_cnf())
    logged.stack.binlog = True
    logonly = SchedEnv(mariadb_cnf=benchlib.mariadb_cnf())
    logonly.stack.binlog = True
    reps = {}
    try:
        plain.start()
        logged.start()
        logonly.start()
        for env in (plain, logged, logonly):
            load_history(env, HISTORY)
            keep_history(env)
        reps["normal"] = Replica(logged.stack, server_id=2, priority="normal").start()
        reps["idle"] = Replica(logged.stack, server_id=3, priority="idle").start()
        pw, _ = bi_create(logged.stack, "bi_bench", "--max-statement-time", "120")
        print("server:", logged.value("SELECT VERSION()"), "| binlog primary: log_bin",
              logged.value("SELECT @@log_bin"), "binlog_format",
              logged.value("SELECT @@binlog_format"), "sync_binlog",
              logged.value("SELECT @@sync_binlog"), "| plain primary: log_bin",
              plain.value("SELECT @@log_bin"))
        print("replicas (CPU policy / I/O class):",
              "; ".join(f"{k} {priority(r.proc.pid)}" for k, r in reps.items()))
        print(f"build: {plain.stack.build}; {N} due trivial tasks per run, 1 daemon, "
              f"{bench_scheduler.THREADS} threads; history {HISTORY} runs; {REPEAT} rounds; "
              f"{REPORTS} report loop{'s' if REPORTS > 1 else ''} side by side; "
              f"load average before {load()}")
        runs = {k: [] for k, _ in MODES}
        reports = {"normal": [], "report": [], "primary": []}
        lags = {"normal": [], "report": []}
        cpus = {k: [] for k, _ in MODES}
        for i in range(REPEAT):
            measured_round(i, plain, logonly, logged, reps, pw, runs, reports, lags, cpus)
        print(f"load average after {load()}")
        summary(runs, reports, lags, cpus)
        for k, r in reps.items():
            behind, secs = catch_up(logged, r)
            st = r.slave_status()
            print(f"{k} replica after the runs, reports stopped: IO {st.get('Slave_IO_Running')}, "
                  f"SQL {st.get('Slave_SQL_Running')}, Seconds_Behind_Master "
                  f"{st.get('Seconds_Behind_Master')}, {behind} transactions behind, "
                  f"caught up in {secs if secs is None else round(secs, 2)} s")
    finally:
        for r in reps.values():
            r.stop()
        for env in (logonly, logged, plain):
            try:
                env.close()
            except Exception as e:   # noqa: BLE001 - report, keep closing
                print("close:", e)


# ----- ZQ_BENCH_AB / ZQ_BENCH_PIN: what couples the primary to a replica ------
AB = os.environ.get("ZQ_BENCH_AB") or ("one" if os.environ.get("ZQ_BENCH_PIN") else "")
PIN = os.environ.get("ZQ_BENCH_PIN", "")   # "", 1 (both sides) or replica (it alone)
OLD_FLUSH = ["--innodb-flush-log-at-trx-commit=1"]   # before db/mariadb-replica.cnf.in said 2
# per set: the primaries with their one idle-priority replica (None: no
# binary log, no replica), then the modes (label, text, primary, report on its
# replica?) and the comparisons printed (a, b: is b within a's noise?)
AB_SETS = {
    "flush": ({"plain": None, "f1": OLD_FLUSH, "f2": []},
              [("off", "no binary log, no replica", "plain", False),
               ("idle-f1", "binlog + idle replica, flush_log_at_trx_commit 1", "f1", False),
               ("idle-f2", "binlog + idle replica, flush_log_at_trx_commit 2", "f2", False),
               ("report-f1", "+ heavy report on that replica (1)", "f1", True),
               ("report-f2", "+ heavy report on that replica (2)", "f2", True)],
              [("idle-f1", "idle-f2"), ("report-f1", "report-f2"), ("idle-f1", "report-f1"),
               ("idle-f2", "report-f2"), ("off", "idle-f2")]),
    "one": ({"plain": None, "rep": []},
            [("off", "no binary log, no replica", "plain", False),
             ("idle", "binlog + idle replica", "rep", False),
             ("report", "+ heavy report on that replica", "rep", True)],
            [("off", "idle"), ("idle", "report"), ("off", "report")]),
}


def ab_start(prims, envs, reps, pws):
    """The primaries, each with its replica (into envs, reps, pws); CPU 0 for
    this process and so for everything it starts but the replicas (CPU 1)
    under ZQ_BENCH_PIN."""
    if PIN and PIN != "replica":
        os.sched_setaffinity(0, {0})
    for i, (name, extra) in enumerate(prims.items()):
        env = envs[name] = SchedEnv(mariadb_cnf=benchlib.mariadb_cnf())
        env.stack.binlog = extra is not None
        env.start()
        load_history(env, HISTORY)
        keep_history(env)
        if extra is not None:
            reps[name] = Replica(env.stack, server_id=2 + i, priority="idle",
                                 cpus="1" if PIN else None, extra=extra).start()
            pws[name], _ = bi_create(env.stack, "bi_bench", "--max-statement-time", "120")


def affinity(pid):
    r = subprocess.run(["taskset", "-p", "-c", str(pid)], capture_output=True, text=True)
    return r.stdout.strip().rsplit(": ", 1)[-1] or "?"


def ab_describe(envs, reps):
    for name, env in envs.items():
        line = (f"{name}: primary log_bin {env.value('SELECT @@log_bin')}, CPUs "
                f"{affinity(env.stack.mariadb.pid)}")
        if name in reps:
            r = reps[name]
            flush, srl, gtid_engine = r.sql(
                "SELECT @@innodb_flush_log_at_trx_commit, @@sync_relay_log, (SELECT ENGINE "
                "FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'mysql' AND "
                "TABLE_NAME = 'gtid_slave_pos')")[0]
            line += (f"; replica {priority(r.proc.pid)}, CPUs {affinity(r.proc.pid)}, "
                     f"innodb_flush_log_at_trx_commit {flush}, sync_relay_log {srl}, "
                     f"relay_log_recovery {r.sql('SELECT @@relay_log_recovery')[0][0]}, "
                     f"mysql.gtid_slave_pos {gtid_engine}")
        print(line)


def ab_run(env, rep, pw, report, res):
    """One throughput run: exec/s, CPU (machine; the primary's mariadbd and
    the replica, % of one CPU), and with the report its lag and catch-up."""
    pids = [env.stack.mariadb.pid] + ([rep.proc.pid] if rep else [])

    def measure():
        with CpuSampler(pids) as cs:
            rate = bench_scheduler.throughput(env, 1, N)["rate"]
        res["runs"].append(rate)
        res["cpus"].append(cs.window(N / rate))

    if not report:
        return measure()
    with Reporter(rep.port, "bi_bench", pw) as r:
        with LagSampler(env, rep) as lag:
            measure()
        # the run is over, the report still runs
        res["lags"].append((lag.max_behind, *catch_up(env, rep)))
    res["reports"].append(r)


def ab_round(i, modes, envs, reps, pws, res):
    """"off" first, then the others, in reverse order every other round."""
    order = [modes[0]] + (modes[1:] if i % 2 == 0 else modes[:0:-1])
    for label, _, prim, report in order:
        ab_run(envs[prim], reps.get(prim), pws.get(prim), report, res[label])
    print(f"  round {i + 1}:", ", ".join(
        f"{m[0]} {res[m[0]]['runs'][-1]:.0f} (CPU {res[m[0]]['cpus'][-1]['busy']:.0f}/"
        f"{res[m[0]]['cpus'][-1]['iowait']:.0f}/{res[m[0]]['cpus'][-1]['steal']:.0f}, "
        f"{'/'.join('%.0f' % p for p in res[m[0]]['cpus'][-1]['procs'])})" for m in modes),
        f"| load {load()}", flush=True)


def ab_summary(modes, comparisons, res):
    base = statistics.median(res["off"]["runs"])
    for label, text, _, report in modes:
        r = res[label]
        med = statistics.median(r["runs"])
        cpu = {k: statistics.median(c[k] for c in r["cpus"]) for k in ("busy", "iowait", "steal")}
        procs = [statistics.median(c["procs"][k] for c in r["cpus"])
                 for k in range(len(r["cpus"][0]["procs"]))]
        extra = ""
        if report:
            secs = [x for rep in r["reports"] for x in rep.secs]
            errs = [e for rep in r["reports"] for e in rep.errors]
            lag = [x[2] for x in r["lags"] if x[2] is not None]
            extra = (f"; {sum(rep.done for rep in r['reports'])} reports, median "
                     f"{statistics.median(secs) if secs else float('nan'):.1f} s"
                     f"{'; errors: ' + errs[0] if errs else ''}; lag at most "
                     f"{max(x[0] for x in r['lags'])} tx, catch-up median "
                     f"{statistics.median(lag) if lag else float('nan'):.2f} s")
        print(f"{label:10s} {text:50s} {med:6.0f} exec/s ({med / base:.2f}x; "
              f"{fmt_spread(r['runs'])}; runs {', '.join('%.0f' % x for x in r['runs'])}); "
              f"CPU busy {cpu['busy']:.0f} %, iowait {cpu['iowait']:.0f} %, steal "
              f"{cpu['steal']:.0f} %; primary mariadbd {procs[0]:.0f} %"
              f"{', replica %.0f %%' % procs[1] if len(procs) > 1 else ''} of a CPU{extra}")
    print("within noise? (the medians' difference against the larger interquartile range;"
          " the rounds' paired ratios)")
    for a, b in comparisons:
        compare(a, res[a]["runs"], b, res[b]["runs"])


def ab_main():
    prims, modes, comparisons = AB_SETS[AB]
    envs, reps, pws = {}, {}, {}
    try:
        ab_start(prims, envs, reps, pws)
        pinned = {"": "no", "replica": "the replicas alone (CPU 1; the rest anywhere)"}.get(
            PIN, "yes (primary, scheduler, this process: CPU 0; replicas: 1)")
        print(f"set {AB}, pinned {pinned};"
              f" server {envs['plain'].value('SELECT VERSION()')}; build {envs['plain'].stack.build}; "
              f"{N} due trivial tasks per run, 1 daemon, {bench_scheduler.THREADS} threads; "
              f"history {HISTORY} runs; {REPEAT} rounds; {REPORTS} report loop(s); "
              f"load average before {load()}")
        ab_describe(envs, reps)
        print("  per run: exec/s (CPU busy/iowait/steal % of all CPUs, primary mariadbd"
              "/replica % of one CPU)")
        res = {m[0]: {"runs": [], "cpus": [], "reports": [], "lags": []} for m in modes}
        for i in range(REPEAT):
            ab_round(i, modes, envs, reps, pws, res)
        print(f"load average after {load()}")
        ab_summary(modes, comparisons, res)
    finally:
        for r in reps.values():
            r.stop()
        for env in envs.values():
            try:
                env.close()
            except Exception as e:   # noqa: BLE001 - report, keep closing
                print("close:", e)

if __name__ == "__main__":
    ab_main() if AB else main()
