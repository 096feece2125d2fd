"""zq-scheduler claims: how many executions one tick takes.

While its workers turn over short runs, a tick claims beyond its free
workers (they queue for the next free worker; README "Scheduler daemon",
"Performance"); with long runs it claims only what free workers start at
once, so a busy daemon never holds executions a peer could run."""
import os
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sched_util import SchedEnv  # noqa: E402

THREADS = 2


@pytest.fixture(scope="module")
def env():
    e = SchedEnv().start()
    e.reset()
    e.d = e.daemon(scheduler__threads=str(THREADS), scheduler__batch="200")
    yield e
    e.close()


def make_due(env, n, prefix, config):
    env.sql("INSERT INTO scheduled_tasks (name, job_id, task_type, config, interval_seconds, "
            f"next_run_at) SELECT CONCAT('{prefix}', seq), CONCAT('{prefix}', seq), "
            f"'example_task', '{config}', 86400, UTC_TIMESTAMP(3) FROM seq_1_to_{n}")
    env.wake()


def biggest_claim(env, prefix):
    """The most executions of these tasks one tick marked running (a claim
    sets start_time to the tick's time: one value per tick)."""
    return int(env.value(
        "SELECT COALESCE(MAX(c), 0) FROM (SELECT COUNT(*) AS c FROM task_executions e JOIN "
        f"scheduled_tasks t ON t.id = e.task_id WHERE t.name LIKE '{prefix}%' GROUP BY "
        "e.node_id, e.start_time) x"))


def test_short_runs_are_claimed_ahead_of_free_workers_and_each_runs_once(env):
    make_due(env, 400, "short-", '{"duration_seconds": 0, "steps": 1}')
    env.wait(lambda: env.count("status = 'success'") >= 400, timeout=60, what="400 short runs")
    assert biggest_claim(env, "short-") > THREADS
    assert env.value("SELECT COUNT(*) - COUNT(DISTINCT task_id) FROM task_executions") == "0"
    assert env.count("status <> 'success'") == 0


def test_long_runs_are_claimed_only_by_free_workers(env):
    time.sleep(0.5)  # the short runs of the test before are settled: the daemon is idle
    make_due(env, 6, "long-", '{"duration_seconds": 1.2, "steps": 1}')
    most = 0
    deadline = time.time() + 30
    while time.time() < deadline:
        running = env.count("status = 'running'")
        most = max(most, running)
        if int(env.value("SELECT COUNT(*) FROM task_executions e JOIN scheduled_tasks t ON "
                         "t.id = e.task_id WHERE t.name LIKE 'long-%' AND e.status = "
                         "'success'")) == 6:
            break
        time.sleep(0.05)
    assert most <= THREADS, f"{most} running on a daemon with {THREADS} workers"
    assert biggest_claim(env, "long-") <= THREADS
    assert env.count("status <> 'success'") == 0
