"""The database goes away under a running scheduler, the way it does in
production: MariaDB stopped and restarted, MariaDB killed with -9, one of two
daemons frozen (SIGSTOP) past its lease, one daemon cut off from the database
by the network past its lease. After each, with runs in flight and cron
tasks firing every 2 s:

- no execution failed for a lease reason ("could not renew its lease",
  "scheduler node lost") unless a peer really reaped it, and then the run
  was retried and the frozen / cut-off daemon recorded nothing over it;
- nothing is left pending or running (cron disabled, within 2 leases);
- no scheduled slot ran twice, and every slot after the recovery exists;
- during an outage the API answers 503 JSON, and 200 within 5 s after.

The four stacks run at once (one thread each); each test waits for its own
and reports it. Stacks: heartbeat_s = 1, lease_s = 6 (tests/zqstack.py),
kill_grace_s = 1, so a daemon that cannot renew stops its runs 4 s after
its last renewal (lease - kill_grace - 1 s) and a peer reaps them after 6 s
plus one heartbeat."""
import os
import re
import select
import shutil
import signal
import socket
import threading
import time
import traceback

import pytest
import requests

from zqstack import Stack, command_dir, wait_for
from sched_util import pid_alive

HEARTBEAT_S, LEASE_S, KILL_GRACE_S = 1, 6, 1
ABORT_S = LEASE_S - KILL_GRACE_S - 1       # a daemon without lease stops its runs then
SETTLE_BOUND_S = 2 * LEASE_S + 10          # nothing pending/running after this
SCENARIO_TIMEOUT_S = 170                   # hard bound for one scenario thread
LEASE_REASON = ("(error_message LIKE '%could not renew its lease%' "
                "OR error_message LIKE 'scheduler node lost%')")
ACTIVE = "status IN ('pending', 'running')"
_START_LOCK = threading.Lock()


# ---- a stack with the fault tools ---------------------------------------------------

class Fault:
    def __init__(self, name, threads=4):
        self.name = name
        self.notes = []
        self.stack = Stack(scheduler=False, sched_threads=threads)
        self.daemons = {}
        self.dirs = []
        self.proxy = None

    def note(self, msg):
        self.notes.append(f"[{self.name} {time.strftime('%H:%M:%S')}] {msg}")

    def start(self):
        with _START_LOCK:  # mariadb-install-db fails when two run at once
            self.stack.start()
        self.admin = self.stack.session("admin")
        return self

    def daemon(self, name, **overrides):
        cfg = self.stack.write_config(os.path.join(self.stack.tmp, name + ".conf"),
                                      scheduler__kill_grace_s=str(KILL_GRACE_S), **overrides)
        p = self.stack.start_scheduler(cfg, name)
        wait_for(lambda: "START node=" in p.output_since_start() or not p.alive(), timeout=30,
                 what=f"{name} start")
        assert p.alive(), p.output()
        p.node_id = int(re.search(r"START node=(\d+)", p.output_since_start()).group(1))
        self.daemons[name] = p
        return p

    def close(self):
        if self.proxy:
            self.proxy.restore()
        for p in self.daemons.values():
            p.send(signal.SIGCONT)
        if not self.stack.mariadb:
            self.stack.start_mariadb()
        statuses = self.stack.stop()
        if self.proxy:
            self.proxy.close()
        reports = self.stack.sanitizer_reports()
        self.stack.cleanup()
        for d in self.dirs:
            shutil.rmtree(d, ignore_errors=True)
        bad = {k: v for k, v in statuses.items() if v not in (0, None)}
        assert not reports, "sanitizer reports:\n" + "\n".join(reports)
        assert not bad, f"daemons exited badly on SIGTERM: {bad}"

    # ----- API and SQL ---------------------------------------------------------
    def api(self, method, path, **kw):
        return self.admin.request(method, self.stack.api_url + path, timeout=15, **kw)

    def task(self, name, task_type="manual_task", **body):
        body = {"name": f"{self.name}-{name}", "task_type": task_type, **body}
        if task_type != "manual_task" and "cron_expression" not in body:
            body["cron_expression"] = "0 0 1 1 *"
        r = self.api("POST", "/scheduler/tasks", json=body)
        assert r.status_code == 201, r.text
        return r.json()["id"]

    def cron_task(self, name, command="true"):
        return self.task(name, "common_task", cron_expression="*/2 * * * * *",
                         config={"command": command}, max_retries=0)

    def trigger(self, task_id):
        r = self.api("POST", f"/scheduler/tasks/{task_id}/trigger")
        assert r.status_code == 200, r.text
        return r.json()["execution_id"]

    def disable(self, task_id):
        r = self.api("PUT", f"/scheduler/tasks/{task_id}", json={"enabled": False})
        assert r.status_code == 200, r.text

    def sql(self, q):
        return self.stack.sql(q)

    def count(self, where):
        return int(self.stack.sql_value(f"SELECT COUNT(*) FROM task_executions WHERE {where}"))

    def rows(self, where, cols="id, task_id, status, trigger_type, node_id, error_message"):
        return self.sql(f"SELECT {cols} FROM task_executions WHERE {where} ORDER BY id")

    def wait(self, pred, timeout, what, interval=0.1):
        return wait_for(pred, timeout=timeout, interval=interval, what=f"{self.name}: {what}")

    # ----- the API during and after an outage -------------------------------------
    def api_is_503_json(self):
        r = self.admin.get(self.stack.api_url + "/scheduler/tasks", timeout=30)
        assert r.status_code == 503, (r.status_code, r.text[:300])
        assert r.headers.get("Content-Type", "").startswith("application/json"), r.headers
        assert r.json()["detail"].startswith("database unavailable"), r.text

    def api_back_within(self, seconds, since):
        def ok():
            try:
                return self.admin.get(self.stack.api_url + "/scheduler/tasks",
                                      timeout=2).status_code == 200
            except requests.RequestException:
                return False
        wait_for(ok, timeout=seconds + 2, interval=0.05, what=f"{self.name}: API 200")
        took = time.time() - since
        assert took <= seconds, f"API answered 200 only {took:.1f} s after the database was back"
        self.note(f"API 200 {took * 1000:.0f} ms after the database was back")
        return took

    # ----- invariants ----------------------------------------------------------------
    def check_after(self, crons, recovered, reaped=(), post_slots_s=2):
        """Disable the cron tasks once slots after the recovery have run, then
        assert the invariants (see the module docstring). reaped: executions a
        peer legitimately failed 'scheduler node lost'."""
        first_slot = (int(recovered) // 2 + 3) * 2   # the daemon resumed by then
        for t in crons:
            self.wait(lambda: self.count(f"task_id = {t} AND trigger_type = 'schedule' AND "
                                         f"status = 'success' AND scheduled_time >= "
                                         f"FROM_UNIXTIME({first_slot + post_slots_s})") >= 1,
                      timeout=30, what="cron runs after the recovery")
        for t in crons:
            self.disable(t)
        disabled = time.time()
        self.wait(lambda: self.count(ACTIVE) == 0, timeout=SETTLE_BOUND_S,
                  what=f"nothing pending or running {SETTLE_BOUND_S} s after", interval=0.25)
        self.note(f"all executions final {time.time() - disabled:.1f} s after cron was disabled")
        lease = [r for r in self.rows(LEASE_REASON) if int(r[0]) not in set(reaped)]
        assert not lease, f"executions failed for a lease reason: {lease}"
        renew = self.rows("error_message LIKE '%could not renew its lease%'")
        assert not renew, f"a stopped copy's outcome was recorded: {renew}"
        dup = self.sql("SELECT task_id, fire_key, COUNT(*) FROM task_executions WHERE "
                       "fire_key IS NOT NULL GROUP BY task_id, fire_key HAVING COUNT(*) > 1")
        assert not dup, f"duplicate fire keys: {dup}"
        dup = self.sql("SELECT task_id, scheduled_time, COUNT(*) FROM task_executions WHERE "
                       "trigger_type = 'schedule' GROUP BY task_id, scheduled_time "
                       "HAVING COUNT(*) > 1")
        assert not dup, f"a slot ran twice: {dup}"
        last_slot = int(disabled) // 2 * 2 - 2
        for t in crons:
            have = {int(float(v[0])) for v in self.sql(
                f"SELECT UNIX_TIMESTAMP(scheduled_time) FROM task_executions WHERE task_id = {t} "
                f"AND trigger_type = 'schedule'")}
            want = set(range(first_slot, last_slot + 1, 2))
            assert want <= have, f"task {t}: slots after the recovery missing: {sorted(want - have)}"
        bad = self.rows("trigger_type = 'schedule' AND status NOT IN ('success', 'skipped')")
        assert not bad, f"cron runs that did not succeed: {bad}"

    def daemon_log_numbers(self, p):
        out = p.output()
        ups = re.findall(r"DB UP: reconnected after (\d+) ms", out)
        if ups:
            self.note(f"{p.name}: DB UP after {', '.join(ups)} ms")
        return out


class Proxy:
    """A TCP proxy to MariaDB that can be cut (every connection closed, new
    ones accepted and never answered: a blackhole) and restored."""

    def __init__(self, target_port):
        self.target = target_port
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(128)
        self.lsock.settimeout(0.2)
        self.port = self.lsock.getsockname()[1]
        self.lock = threading.Lock()
        self.is_cut = False
        self.closed = False
        self.pairs = []
        self.held = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.closed:
            try:
                c, _ = self.lsock.accept()
            except (socket.timeout, OSError):
                continue
            with self.lock:
                if self.is_cut:
                    self.held.append(c)
                    continue
            try:
                u = socket.create_connection(("127.0.0.1", self.target), timeout=5)
            except OSError:
                c.close()
                continue
            with self.lock:
                self.pairs.append((c, u))
            threading.Thread(target=self._pump, args=(c, u), daemon=True).start()

    def _pump(self, a, b):
        peer = {a: b, b: a}
        try:
            while True:
                r, _, _ = select.select([a, b], [], [], 0.5)
                if self.closed:
                    break
                done = False
                for s in r:
                    data = s.recv(65536)
                    if not data:
                        done = True
                        break
                    peer[s].sendall(data)
                if done:
                    break
        except OSError:
            pass
        finally:
            with self.lock:
                if (a, b) in self.pairs:
                    self.pairs.remove((a, b))
            for s in (a, b):
                try:
                    s.close()
                except OSError:
                    pass

    def cut(self):
        with self.lock:
            self.is_cut = True
            pairs = list(self.pairs)
        for pair in pairs:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def restore(self):
        with self.lock:
            self.is_cut = False
            held, self.held = self.held, []
        for s in held:
            s.close()

    def close(self):
        self.closed = True
        self.cut()
        self.restore()
        self.lsock.close()


# ---- the scenarios (each in its own thread, its own stack) ------------------------------

def _sleep_until(t):
    d = t - time.time()
    if d > 0:
        time.sleep(d)


def scenario_mariadb_restart(f):
    """MariaDB stopped (SIGTERM) for ~20 s (3x the lease) under two daemons,
    with runs in flight, runs waiting, and a cron task every 2 s; then
    started again. Neither daemon may reap the other's runs (all nodes were
    silent for 20 s by the database clock) nor fail its own."""
    f.start()
    ds = [f.daemon("sched", scheduler__threads="2"), f.daemon("sched2", scheduler__threads="2")]
    man = f.task("sleep3", config={"command": "sleep 3"}, max_retries=0)
    cron = f.cron_task("cron")
    f.wait(lambda: f.count(f"task_id = {cron} AND status = 'success'") >= 1, 30, "a cron run")
    ids = [f.trigger(man) for _ in range(8)]   # 4 run, 4 wait: due when the database is back
    f.wait(lambda: f.count(f"task_id = {man} AND status = 'running'") == 4, 20, "4 running")
    time.sleep(1.0)                            # they end 2 s into the outage, before the abort
    down = time.time()
    f.stack.stop_mariadb()
    f.note(f"MariaDB stopped in {time.time() - down:.1f} s")
    f.api_is_503_json()
    h = requests.get(f.stack.api_url + "/health", timeout=30)
    assert h.status_code == 503 and h.json()["db"] == "down", h.text
    _sleep_until(down + 20)
    f.stack.start_mariadb()
    up = time.time()
    f.note(f"MariaDB down {up - down:.1f} s")
    f.api_back_within(5, up)
    f.wait(lambda: f.count(f"id IN ({','.join(map(str, ids))}) AND {ACTIVE}") == 0, 30,
           "the manual runs to end")
    runs = f.rows(f"id IN ({','.join(map(str, ids))})")
    assert all(r[2] == "success" for r in runs), runs
    assert len({r[4] for r in runs}) == 2, runs   # both daemons ran some
    for d in ds:
        out = f.daemon_log_numbers(d)
        assert "lease renewed after an outage" in out, out[-3000:]
    f.check_after([cron], up)
    assert all(d.alive() for d in ds)


def scenario_mariadb_kill9(f):
    """kill -9 of mariadbd as six cron tasks fire (mid-tick), runs in flight;
    restarted at once (crash recovery): an outage shorter than the lease."""
    f.start()
    d = f.daemon("sched", scheduler__threads="8")
    man = f.task("sleep4", config={"command": "sleep 4"}, max_retries=0)
    crons = [f.cron_task(f"cron{i}") for i in range(6)]
    f.wait(lambda: f.count(f"task_id = {crons[-1]} AND status = 'success'") >= 1, 30,
           "cron runs")
    ids = [f.trigger(man) for _ in range(2)]
    f.wait(lambda: f.count(f"task_id = {man} AND status = 'running'") == 2, 20, "2 running")
    _sleep_until((int(time.time()) // 2 + 1) * 2 + 0.004)  # the tick that fires six tasks
    down = time.time()
    f.stack.mariadb.kill9()
    f.stack.mariadb = None
    f.api_is_503_json()
    f.stack.start_mariadb()
    up = time.time()
    f.note(f"MariaDB down {up - down:.1f} s (kill -9, crash recovery)")
    f.api_back_within(5, up)
    f.wait(lambda: f.count(f"id IN ({','.join(map(str, ids))}) AND {ACTIVE}") == 0, 30,
           "the manual runs to end")
    runs = f.rows(f"id IN ({','.join(map(str, ids))})")
    assert all(r[2] == "success" for r in runs), runs
    f.daemon_log_numbers(d)
    f.check_after(crons, up)
    assert d.alive()


def _peer_setup(f, a_overrides):
    """Daemon A with three long runs (pid files), then daemon B; a cron task
    and a task for runs after the fault."""
    f.start()
    tmp = command_dir("zq-fault-")
    f.dirs.append(tmp)
    a = f.daemon("a", scheduler__threads="4", **a_overrides)
    long = f.task("long", config={"command": f'if [ "$ZQ_RETRY_COUNT" = 0 ]; then '
                                             f'echo $$ > {tmp}/$ZQ_EXECUTION_ID.pid; '
                                             f'exec sleep 60; fi; echo retried'},
                  max_retries=1, retry_interval=1)
    quick = f.task("quick", config={"command": "sleep 0.2"}, max_retries=0)
    ids = [f.trigger(long) for _ in range(3)]
    f.wait(lambda: all((tmp / f"{i}.pid").exists() and (tmp / f"{i}.pid").read_text().strip()
                       for i in ids), 20, "A runs three commands")
    pids = [int((tmp / f"{i}.pid").read_text()) for i in ids]
    # A has recorded where the commands run (what a same-host peer kills)
    f.wait(lambda: f.count(f"id IN ({','.join(map(str, ids))}) AND proc_pid IS NOT NULL") == 3,
           10, "A records its runs' processes")
    b = f.daemon("b", scheduler__threads="4")
    cron = f.cron_task("cron")
    f.wait(lambda: f.count(f"task_id = {cron} AND status = 'success'") >= 1, 30, "a cron run")
    return a, b, long, quick, cron, ids, pids


def _peer_reaped(f, a, b, ids, since, what):
    idl = ",".join(map(str, ids))
    f.wait(lambda: f.count(f"id IN ({idl}) AND status = 'failed'") == 3, 3 * LEASE_S,
           f"B reaps A's runs ({what})")
    f.note(f"B reaped A's runs {time.time() - since:.1f} s after the {what}")
    reaped = f.rows(f"id IN ({idl})", "id, status, error_message, end_time, node_id")
    assert all(r[1] == "failed" and r[2] == "scheduler node lost" and r[4] == str(a.node_id)
               for r in reaped), reaped
    f.wait(lambda: f.count(f"trigger_type = 'retry' AND status = 'success' AND "
                           f"node_id = {b.node_id}") == 3, 20, "B runs the retries")
    return reaped


def _peer_after(f, a, b, long, quick, cron, ids, reaped, recovered):
    idl = ",".join(map(str, ids))
    # A dropped its copies' outcomes: nothing recorded over B's
    f.wait(lambda: all(f"REAP exec={i} " in a.output() for i in ids), 15,
           "A drops its outcomes")
    assert f.rows(f"id IN ({idl})", "id, status, error_message, end_time, node_id") == reaped
    retries = f.rows(f"task_id = {long} AND trigger_type = 'retry'", "status, node_id, retry_count")
    assert retries == [["success", str(b.node_id), "1"]] * 3, retries
    # A takes work again: its node row is live, runs after the fault succeed
    f.wait(lambda: f.sql(f"SELECT state FROM scheduler_nodes WHERE id = {a.node_id}")
           == [["running"]], 10, "A's node row running again")
    more = [f.trigger(quick) for _ in range(6)]
    f.wait(lambda: f.count(f"id IN ({','.join(map(str, more))}) AND status = 'success'") == 6,
           20, "runs after the fault")
    f.daemon_log_numbers(a)
    f.check_after([cron], recovered, reaped=ids)
    assert a.alive() and b.alive()


def scenario_sigstop_peer(f):
    """SIGSTOP of daemon A (of two) for longer than its lease, then SIGCONT."""
    a, b, long, quick, cron, ids, pids = _peer_setup(f, {})
    stopped = time.time()
    a.send(signal.SIGSTOP)
    reaped = _peer_reaped(f, a, b, ids, stopped, "SIGSTOP")
    # A is frozen, but B is on the same host: it KILLed A's commands before
    # reaping them, so their retries never ran beside them
    assert not any(pid_alive(p) for p in pids)
    cont = time.time()
    a.send(signal.SIGCONT)
    f.wait(lambda: not any(pid_alive(p) for p in pids), 3, "A stops its copies at once",
           interval=0.02)
    f.note(f"A stopped its copies {(time.time() - cont) * 1000:.0f} ms after SIGCONT "
           f"(frozen {cont - stopped:.1f} s)")
    _peer_after(f, a, b, long, quick, cron, ids, reaped, cont)


def scenario_partition(f):
    """Daemon A reaches MariaDB over TCP through a proxy that is cut (every
    connection closed, new ones blackholed) for longer than the lease."""
    f.proxy = Proxy(f.stack.db_port)
    a, b, long, quick, cron, ids, pids = _peer_setup(
        f, {"db__host": "127.0.0.1", "db__port": str(f.proxy.port)})
    assert f.count(f"id IN ({','.join(map(str, ids))}) AND node_id = {a.node_id}") == 3
    cut = time.time()
    f.proxy.cut()
    f.wait(lambda: not any(pid_alive(p) for p in pids), LEASE_S + 1,
           "A stops its runs before its lease ends", interval=0.05)
    f.note(f"A stopped its runs {time.time() - cut:.1f} s after the cut (abort at "
           f"{ABORT_S} s after the last renewal)")
    reaped = _peer_reaped(f, a, b, ids, cut, "cut")
    _sleep_until(cut + 2 * LEASE_S)
    f.proxy.restore()
    restored = time.time()
    f.note(f"partition {restored - cut:.1f} s")
    f.wait(lambda: f.sql(f"SELECT state, heartbeat_at > UTC_TIMESTAMP(3) - INTERVAL 1 SECOND "
                         f"FROM scheduler_nodes WHERE id = {a.node_id}") == [["running", "1"]],
           15, "A renews its lease")
    f.note(f"A renewed its lease {time.time() - restored:.1f} s after the restore")
    _peer_after(f, a, b, long, quick, cron, ids, reaped, restored)


def scenario_node_row_deleted(f):
    """The daemon's scheduler_nodes row deleted under it (by hand, or purged
    after the node was lost for a week): it registers again and works on;
    what it ran under the old row is stopped, reaped and retried."""
    f.start()
    tmp = command_dir("zq-fault-")
    f.dirs.append(tmp)
    d = f.daemon("sched", scheduler__threads="2")
    long = f.task("long", config={"command": f'if [ "$ZQ_RETRY_COUNT" = 0 ]; then '
                                             f'echo $$ > {tmp}/pid; exec sleep 60; fi'},
                  max_retries=1, retry_interval=1)
    quick = f.task("quick", config={"command": "true"}, max_retries=0)
    eid = f.trigger(long)
    f.wait(lambda: (tmp / "pid").exists() and (tmp / "pid").read_text().strip(), 20,
           "the command runs")
    pid = int((tmp / "pid").read_text())
    deleted = time.time()
    f.sql(f"DELETE FROM scheduler_nodes WHERE id = {d.node_id}")
    f.wait(lambda: f.sql("SELECT COUNT(*) FROM scheduler_nodes WHERE state = 'running'")
           == [["1"]], 5, "the daemon registers again")
    f.wait(lambda: not pid_alive(pid), 5, "the old node's run stopped")
    f.note(f"registered again and stopped the old node's run {time.time() - deleted:.1f} s "
           f"after the row was deleted")
    more = [f.trigger(quick) for _ in range(4)]
    f.wait(lambda: f.count(f"id IN ({','.join(map(str, more))}) AND status = 'success'") == 4,
           10, "runs after the row came back")
    f.wait(lambda: f.count(f"task_id = {long} AND trigger_type = 'retry' AND "
                           f"status = 'success'") == 1, 3 * LEASE_S, "the old run retried")
    row = f.rows(f"id = {eid}", "status, error_message")
    assert row[0][0] == "failed" and row[0][1].startswith("scheduler node lost"), row
    f.wait(lambda: f.count(ACTIVE) == 0, SETTLE_BOUND_S, "nothing pending or running")
    assert d.alive()


SCENARIOS = {  # key: (scenario, stack name, the test that reports it)
    "restart": (scenario_mariadb_restart, "db-restart",
                "test_mariadb_stopped_3x_the_lease_and_restarted"),
    "kill9": (scenario_mariadb_kill9, "db-kill9", "test_mariadb_killed_mid_tick"),
    "sigstop": (scenario_sigstop_peer, "sigstop",
                "test_daemon_frozen_past_its_lease_is_reaped_and_records_nothing_on_wake"),
    "partition": (scenario_partition, "partition",
                  "test_daemon_cut_off_from_the_database_past_its_lease"),
    "rowgone": (scenario_node_row_deleted, "row-gone",
                "test_daemon_whose_node_row_is_deleted_registers_again"),
}


def _run(fn, name):
    f = Fault(name, threads=8 if name == "db-kill9" else 4)
    t0 = time.time()
    err = None
    try:
        fn(f)
    except BaseException as e:  # reported by the test, with the daemons' logs
        err = "".join(traceback.format_exception(e))
        for p in f.daemons.values():
            err += f"\n--- {p.name} log (tail)\n" + p.output()[-4000:]
    finally:
        try:
            f.close()
        except BaseException as e:
            err = (err or "") + "\nteardown: " + "".join(traceback.format_exception(e))
    f.note(f"scenario took {time.time() - t0:.1f} s")
    return err, f.notes


class _Scenario(threading.Thread):
    """A scenario in a daemon thread: a hung one cannot hold up the run."""

    def __init__(self, fn, name):
        super().__init__(name=name, daemon=True)
        self.fn, self.stack_name, self.outcome = fn, name, None

    def run(self):
        self.outcome = _run(self.fn, self.stack_name)


@pytest.fixture(scope="module")
def scenarios(request):
    """Start every selected scenario at once, each on its own stack."""
    selected = {item.name for item in request.session.items}
    threads = {k: _Scenario(fn, name) for k, (fn, name, test) in SCENARIOS.items()
               if test in selected}
    started = time.monotonic()
    for t in threads.values():
        t.start()
    yield threads, started


def _result(scenarios, key):
    threads, started = scenarios
    t = threads[key]
    t.join(max(1.0, started + SCENARIO_TIMEOUT_S - time.monotonic()))
    assert t.outcome is not None, f"{key}: not done after {SCENARIO_TIMEOUT_S} s"
    err, notes = t.outcome
    print("\n".join(notes))
    assert err is None, err


def test_mariadb_stopped_3x_the_lease_and_restarted(scenarios):
    _result(scenarios, "restart")


def test_mariadb_killed_mid_tick(scenarios):
    _result(scenarios, "kill9")


def test_daemon_frozen_past_its_lease_is_reaped_and_records_nothing_on_wake(scenarios):
    _result(scenarios, "sigstop")


def test_daemon_cut_off_from_the_database_past_its_lease(scenarios):
    _result(scenarios, "partition")


def test_daemon_whose_node_row_is_deleted_registers_again(scenarios):
    _result(scenarios, "rowgone")
