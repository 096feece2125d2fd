"""Helpers for the scheduler tests and benchmark: a private MariaDB (no API,
no nginx) with zq-scheduler daemons started on demand, tasks and executions
written straight into the database as the API would (data contract in the
brief), and polling helpers.

    env = SchedEnv(); env.start()
    tid = env.task("t1", "example_task", {"duration_seconds": 0}, interval_seconds=2,
                   next_run_at=env.now_ms() + 1000)
    d = env.daemon()                    # zq-scheduler with the default test config
    env.wait(lambda: env.value("SELECT COUNT(*) ...") == "1", what="a run")
    env.stop_daemon(d)                  # SIGTERM; asserts exit status 0
    env.close()                         # asserts no sanitizer reports
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from zqstack import Proc, Stack, wait_for  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_state import refresh_sql, transaction  # noqa: E402

FINAL = ("success", "failed", "completed", "terminated", "skipped")


def lit(v):
    """A SQL literal for a Python value (tests only; values are ours)."""
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, (dict, list)):
        v = json.dumps(v)
    return "'" + str(v).replace("\\", "\\\\").replace("'", "\\'") + "'"


def ms_lit(ms):
    """DATETIME(3) literal for an epoch-ms instant (UTC)."""
    if ms is None:
        return "NULL"
    return "FROM_UNIXTIME(%d.%03d)" % (ms // 1000, ms % 1000)


class SchedEnv:
    def __init__(self, threads=4, mariadb_cnf=None, **config):
        self.stack = Stack(scheduler=False, sched_threads=threads, mariadb_cnf=mariadb_cnf)
        self.base_config = {"scheduler__heartbeat_s": "1", "scheduler__lease_s": "6",
                            "scheduler__poll_ms": "500", "scheduler__kill_grace_s": "2",
                            "scheduler__progress_ms": "200"}
        self.base_config.update(config)
        self.daemons = []
        self.bad_exits = {}

    # ----- life ---------------------------------------------------------------
    def start(self):
        s = self.stack
        try:
            s.start_mariadb()
            s.create_database()
            s.write_config()
            s.zq_db("migrate")
            self.sql("SET GLOBAL time_zone = '+00:00'")
        except Exception:
            s.stop()
            s.cleanup()
            raise
        return self

    def close(self):
        for d in list(self.daemons):
            if d.alive():
                self.stop_daemon(d, check=False)
        self.stack.stop()
        reports = self.stack.sanitizer_reports()
        self.stack.cleanup()
        assert not reports, "sanitizer reports:\n" + "\n".join(reports)
        assert not self.bad_exits, f"daemons exited badly: {self.bad_exits}"

    @property
    def wakeup_dir(self):
        return os.path.join(self.stack.run_dir, "wakeup")

    def config(self, name, **overrides):
        values = dict(self.base_config)
        values.update(overrides)
        return self.stack.write_config(os.path.join(self.stack.tmp, name + ".conf"), **values)

    def daemon(self, name=None, env_extra=None, build=None, **overrides):
        """Start a zq-scheduler with the test config plus overrides
        (scheduler__threads="8", ...) and wait for its START line."""
        name = name or f"sched-{len(self.stack.schedulers)}"
        cfg = self.config(name, **overrides)
        env = self.stack.env(name)
        env.update(env_extra or {})
        binary = os.path.join(build, "zq-scheduler") if build else self.stack.bin("zq-scheduler")
        p = Proc(name, [binary, "--config", cfg], os.path.join(self.stack.log_dir, name + ".log"),
                 env=env)
        self.stack.schedulers.append(p)
        self.daemons.append(p)
        # its own START line: a restart under the same name appends to the
        # log, whose earlier START would pass for a daemon about to exit
        wait_for(lambda: "START node=" in p.output_since_start() or not p.alive(), timeout=30,
                 what=f"{name} start")
        assert p.alive(), p.output()
        return p

    def stop_daemon(self, p, timeout=60, check=True):
        rc = p.stop(timeout=timeout)
        if p in self.daemons:
            self.daemons.remove(p)
        if rc != 0:
            self.bad_exits[p.name] = rc
            if check:
                raise AssertionError(f"{p.name} exited {rc}:\n{p.output()[-3000:]}")
        return rc

    def kill9(self, p):
        p.kill9()
        if p in self.daemons:
            self.daemons.remove(p)

    # ----- SQL ----------------------------------------------------------------
    def sql(self, q):
        return self.stack.sql(q)

    def value(self, q):
        return self.stack.sql_value(q)

    def rows(self, q):
        """Rows as dicts (column names from the query)."""
        s = self.stack
        argv = ["mariadb", "--no-defaults", "-uroot", "-S", s.sock, "--batch",
                "-p" + s.root_pw, "zq"]
        r = subprocess.run(argv, input=q.encode(), capture_output=True)
        if r.returncode != 0:
            raise RuntimeError(f"SQL failed: {q[:200]}: {r.stderr.decode()}")
        lines = r.stdout.decode("utf-8", "replace").splitlines()
        if not lines:
            return []
        cols = lines[0].split("\t")
        return [dict(zip(cols, [None if c == "NULL" else _unescape(c) for c in line.split("\t")]))
                for line in lines[1:]]

    def now_ms(self):
        return int(time.time() * 1000)

    def reset(self):
        """Remove every task (executions, steps, output, stats cascade)."""
        self.sql("DELETE FROM scheduled_tasks; DELETE FROM scheduler_nodes;")

    def task(self, name, task_type, config, next_run_at=None, **cols):
        """Insert a task as the API would; next_run_at in epoch ms."""
        values = {"name": name, "job_id": name[:64], "task_type": task_type, "config": config}
        values.update(cols)
        names = list(values) + ["next_run_at"]
        vals = [lit(v) for v in values.values()] + [ms_lit(next_run_at)]
        self.sql(f"INSERT INTO scheduled_tasks ({', '.join(names)}) VALUES ({', '.join(vals)})")
        return int(self.value(f"SELECT id FROM scheduled_tasks WHERE name = {lit(name)}"))

    def trigger(self, task_id, config_override=None, not_before_ms=None, created_by="test",
                wake=True):
        """A manual trigger exactly as the API writes it (with the task's run
        state, in one transaction); returns the execution id."""
        nb = ms_lit(not_before_ms) if not_before_ms else "UTC_TIMESTAMP(3)"
        q = transaction(
            f"INSERT INTO task_executions (task_id, trigger_type, status, scheduled_time, "
            f"not_before, config_override, created_by) VALUES ({task_id}, 'manual', 'pending', "
            f"{nb}, {nb}, {lit(config_override)}, {lit(created_by)}); SELECT LAST_INSERT_ID(); "
            + refresh_sql(f"t.id = {task_id}"))
        eid = int(self.sql(q)[0][0])
        if wake:
            self.wake()
        return eid

    def cancel(self, exec_id):
        self.sql(f"UPDATE task_executions SET cancel_requested = 1 WHERE id = {exec_id} "
                 f"AND status IN ('pending', 'running')")
        self.wake()

    def wake(self):
        """zq_wakeup_notify: one datagram to every scheduler socket."""
        d = self.wakeup_dir
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            for name in os.listdir(d):
                if name.startswith("zq-sched-") and name.endswith(".sock"):
                    try:
                        s.sendto(b"w", os.path.join(d, name))
                    except OSError:
                        pass

    def execution(self, exec_id):
        r = self.rows(f"SELECT *, UNIX_TIMESTAMP(scheduled_time) * 1000 AS sched_ms, "
                      f"UNIX_TIMESTAMP(start_time) * 1000 AS start_ms, "
                      f"UNIX_TIMESTAMP(end_time) * 1000 AS end_ms, "
                      f"UNIX_TIMESTAMP(not_before) * 1000 AS nb_ms "
                      f"FROM task_executions WHERE id = {exec_id}")
        return r[0] if r else None

    def executions(self, task_id):
        return self.rows(f"SELECT *, UNIX_TIMESTAMP(scheduled_time) * 1000 AS sched_ms, "
                         f"UNIX_TIMESTAMP(start_time) * 1000 AS start_ms, "
                         f"UNIX_TIMESTAMP(not_before) * 1000 AS nb_ms "
                         f"FROM task_executions WHERE task_id = {task_id} ORDER BY id")

    def wait_final(self, exec_id, timeout=30):
        return wait_for(lambda: (lambda e: e if e and e["status"] in FINAL else None)(
            self.execution(exec_id)), timeout=timeout, interval=0.1,
            what=f"execution {exec_id} to end")

    def wait(self, pred, timeout=30, what="condition", interval=0.2):
        return wait_for(pred, timeout=timeout, interval=interval, what=what)

    def count(self, where):
        return int(self.value(f"SELECT COUNT(*) FROM task_executions WHERE {where}"))

    @staticmethod
    def rss_kb(pid, field="VmRSS"):
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return 0


def _unescape(s):
    """Undo the mariadb client's batch-mode escapes (\\n \\t \\0 \\\\)."""
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            out.append({"n": "\n", "t": "\t", "0": "\0", "\\": "\\"}.get(s[i + 1], s[i + 1]))
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is gone for our purposes
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


__all__ = ["SchedEnv", "FINAL", "lit", "ms_lit", "pid_alive", "wait_for", "signal"]


def clean_between_tests(env):
    """The body of a module's autouse fixture (`yield from` it): a clean
    database before each test, no daemon left running after it."""
    env.reset()
    yield
    for d in list(env.daemons):
        env.stop_daemon(d)
