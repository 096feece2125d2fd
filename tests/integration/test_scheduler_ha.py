"""zq-scheduler with several daemons and faults: three daemons split 1,000
due fires with no duplicate and no loss; kill -9 of a daemon with running
work; SIGTERM drains; MariaDB restarted under running work; SIGHUP."""
import os
import signal
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sched_util import FINAL, SchedEnv, clean_between_tests, pid_alive  # noqa: E402


@pytest.fixture(scope="module")
def env():
    e = SchedEnv().start()
    yield e
    e.close()


@pytest.fixture(autouse=True)
def clean(env):
    yield from clean_between_tests(env)


def test_three_daemons_split_1000_due_fires_without_duplicates_or_loss(env):
    due = env.now_ms() + 3000
    env.sql("INSERT INTO scheduled_tasks (name, job_id, task_type, config, interval_seconds, "
            "next_run_at) SELECT CONCAT('bulk-', seq), CONCAT('bulk-', seq), 'example_task', "
            "'{\"duration_seconds\": 0, \"steps\": 1}', 86400, "
            f"FROM_UNIXTIME({due / 1000}) FROM seq_1_to_1000")
    daemons = [env.daemon(f"ha-{i}", scheduler__threads="4", scheduler__batch="50")
               for i in range(3)]
    env.wait(lambda: env.count("status IN ('success')") >= 1000, timeout=180, interval=0.5,
             what="1000 runs")
    time.sleep(1)
    rows = env.rows("SELECT COUNT(*) AS n, COUNT(DISTINCT task_id) AS tasks, "
                    "SUM(status = 'success') AS ok, COUNT(DISTINCT node_id) AS nodes "
                    "FROM task_executions")[0]
    assert rows["n"] == "1000" and rows["tasks"] == "1000" and rows["ok"] == "1000", rows
    assert env.value("SELECT COUNT(*) FROM scheduled_tasks WHERE name LIKE 'bulk-%' AND "
                     f"next_run_at = FROM_UNIXTIME({(due + 86400000) / 1000})") == "1000"
    stats = env.value("SELECT SUM(runs) FROM task_stats_daily")
    assert stats == "1000"
    print(f"runs per node: {env.rows('SELECT node_id, COUNT(*) AS n FROM task_executions GROUP BY node_id')}")
    for d in daemons:
        assert d.alive()


def test_kill9_with_running_work_settles_within_the_lease(env, tmp_path):
    a = env.daemon("victim", scheduler__threads="4")
    long_ex = env.task("long-ex", "example_task", {"duration_seconds": 120, "steps": 120},
                       max_retries=1, retry_interval=0)
    long_cmd = env.task("long-cmd", "common_task",
                        {"command": f"echo $$ > {tmp_path}/sh.pid; sleep 300"}, max_retries=0)
    ids = [env.trigger(long_ex), env.trigger(long_ex), env.trigger(long_cmd)]
    env.wait(lambda: env.count("status = 'running'") == 3, what="three running")
    # 'running' is set at the claim: wait for the command itself to have started
    env.wait(lambda: (tmp_path / "sh.pid").exists() and (tmp_path / "sh.pid").read_text().strip(),
             what="the command started")
    node = env.value(f"SELECT node_id FROM task_executions WHERE id = {ids[0]}")
    env.kill9(a)
    killed_at = time.time()
    b = env.daemon("survivor", scheduler__threads="4")
    lease = 6
    for eid in ids:
        e = env.wait_final(eid, timeout=lease + 10)
        assert e["status"] == "failed" and e["error_message"] == "scheduler node lost", e
    took = time.time() - killed_at
    assert took < lease + 1 + 5, took  # lease + one sweep (+ slack for a loaded box)
    assert env.value(f"SELECT state FROM scheduler_nodes WHERE id = {node}") == "lost"
    # the example task had a retry left: it runs again, on the survivor
    env.wait(lambda: env.count(f"task_id = {long_ex} AND trigger_type = 'retry' AND "
                               f"status = 'running'") == 2, what="retries running")
    assert env.count(f"task_id = {long_cmd}") == 1
    # the orphaned shell was ended by its shim when the daemon died
    sh = int((tmp_path / "sh.pid").read_text())
    env.wait(lambda: not pid_alive(sh), timeout=5, what="orphaned command gone")
    assert b.alive()
    assert env.count(f"status = 'running' AND node_id = {node}") == 0


def test_sigterm_lets_running_work_finish_and_claims_nothing_new(env):
    d = env.daemon(scheduler__shutdown_grace_s="30")
    tid = env.task("drain", "example_task", {"duration_seconds": 3, "steps": 3})
    eid = env.trigger(tid)
    env.wait(lambda: env.execution(eid)["status"] == "running", what="running")
    d.send(signal.SIGTERM)
    time.sleep(0.5)
    late = env.trigger(tid)
    rc = d.p.wait(timeout=30)
    env.daemons.remove(d)
    d.log.close()
    assert rc == 0, d.output()
    assert env.execution(eid)["status"] == "success"
    assert env.execution(late)["status"] == "pending"
    assert "STOP requested" in d.output()
    node = env.rows(f"SELECT state FROM scheduler_nodes WHERE pid = {d.pid}")[0]
    assert node["state"] == "stopped"


def test_sigterm_grace_over_stops_work_and_records_why(env, tmp_path):
    d = env.daemon(scheduler__shutdown_grace_s="1", scheduler__kill_grace_s="1")
    tid = env.task("too-long", "common_task",
                   {"command": f"trap '' TERM; echo $$ > {tmp_path}/p; sleep 300"},
                   max_retries=1, retry_interval=0)
    eid = env.trigger(tid)
    env.wait(lambda: (tmp_path / "p").exists(), what="running")
    t0 = time.time()
    d.send(signal.SIGTERM)
    rc = d.p.wait(timeout=30)
    env.daemons.remove(d)
    d.log.close()
    assert rc == 0, d.output()
    assert time.time() - t0 < 1 + 1 + 5
    e = env.execution(eid)
    assert e["status"] == "failed" and e["error_message"].startswith("scheduler shutting down")
    assert env.count(f"task_id = {tid} AND trigger_type = 'retry' AND status = 'pending'") == 1
    assert not pid_alive(int((tmp_path / "p").read_text()))


def test_mariadb_restart_mid_run_leaves_no_stuck_rows(env):
    d = env.daemon(scheduler__lease_s="20")
    tick = env.task("tick", "example_task", {"duration_seconds": 0, "steps": 1},
                    interval_seconds=1, next_run_at=env.now_ms() + 500)
    slow = env.task("slow-run", "example_task", {"duration_seconds": 4, "steps": 4},
                    max_retries=2, retry_interval=1)
    cmd = env.task("slow-cmd", "common_task", {"command": "sleep 3; echo ok"}, max_retries=2,
                   retry_interval=1)
    runs = [env.trigger(slow), env.trigger(cmd)]
    env.wait(lambda: env.count("status = 'running'") >= 2, what="work running")
    env.stack.stop_mariadb()
    time.sleep(3)
    env.stack.start_mariadb()
    restarted = env.now_ms()
    # the daemon reconnects and fires again
    env.wait(lambda: env.count(f"task_id = {tick} AND status = 'success' AND "
                               f"end_time > FROM_UNIXTIME({restarted / 1000})") >= 2,
             timeout=60, what="fires after the restart")
    for eid in runs:
        e = env.wait_final(eid, timeout=60)
        assert e["status"] in FINAL
    # the slow tasks end (success, or failed and retried to success)
    for t in (slow, cmd):
        env.wait(lambda: env.count(f"task_id = {t} AND status = 'success'") >= 1, timeout=60,
                 what=f"task {t} succeeded")
    time.sleep(2)
    stuck = env.rows("SELECT id, status, node_id FROM task_executions "
                     f"WHERE status = 'running' AND task_id <> {tick}")
    assert not stuck, stuck
    assert d.alive()
    assert "DB UP" in d.output() or "DB DOWN" in d.output()


def test_sighup_reloads_the_configuration(env):
    d = env.daemon()
    cfg = os.path.join(env.stack.tmp, d.name + ".conf")
    with open(cfg, "a") as f:
        f.write('log.level = "debug"\nscheduler.poll_ms = "700"\n')
    d.send(signal.SIGHUP)
    env.wait(lambda: "configuration reloaded" in d.output(), what="reload")
    assert "poll_ms=700" in d.output()
    tid = env.task("hup", "example_task", {"duration_seconds": 1.5, "steps": 3})
    env.wait_final(env.trigger(tid))
    assert "DEBUG zq-scheduler" in d.output() and "PROGRESS exec=" in d.output()
    with open(cfg, "a") as f:
        f.write("scheduler.poll_ms = lots\n")
    d.send(signal.SIGHUP)
    env.wait(lambda: "configuration not reloaded" in d.output(), what="refused reload")
    assert d.alive()


def test_a_lost_lease_stops_running_commands_before_the_lease_ends(env, tmp_path):
    # lease 6 s, kill grace 1 s: runs are stopped 4 s after the last renewed lease
    d = env.daemon(scheduler__lease_s="6", scheduler__kill_grace_s="1")
    pidfile = tmp_path / "l.pid"
    tid = env.task("lease", "common_task", {"command": f"sleep 300 & echo $! > {pidfile}; wait"},
                   max_retries=1, retry_interval=0)
    eid = env.trigger(tid)
    env.wait(lambda: pidfile.exists() and pidfile.read_text().strip(), what="the command runs")
    bg = int(pidfile.read_text())
    t0 = time.time()
    env.stack.stop_mariadb()
    env.wait(lambda: not pid_alive(bg), timeout=15, what="the command stopped")
    stopped_after = time.time() - t0
    assert stopped_after < 6 + 2, stopped_after  # within the lease (+ slack for a busy box)
    env.stack.start_mariadb()
    e = env.wait_final(eid, timeout=60)
    assert e["status"] == "failed" and e["error_message"].startswith("scheduler node lost"), e
    env.wait(lambda: env.count(f"task_id = {tid} AND trigger_type = 'retry'") == 1,
             what="the retry")
    assert "lease not renewed" in d.output()
    assert d.alive()
