"""zq-scheduler: a fire its tick has claim room for starts in that tick,
inserted running on the daemon's node (one write, not a pending insert and
its claim: scheduler/claim.h claim_fire), while older pending work still
goes first, and a slot that already has its row is left alone.

How each execution row was first written is recorded by a test-only
AFTER INSERT trigger into zq_test_inserts (the stack is this module's)."""
import os
import re
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_state import DIFF_SQL, refresh_sql, transaction  # noqa: E402
from sched_util import SchedEnv, clean_between_tests, ms_lit  # noqa: E402

QUICK = {"duration_seconds": 0, "steps": 1}
SLOW = {"duration_seconds": 0.6, "steps": 1}


@pytest.fixture(scope="module")
def env():
    e = SchedEnv().start()
    e.sql("CREATE TABLE zq_test_inserts (id BIGINT PRIMARY KEY, status VARCHAR(16)); "
          "CREATE TRIGGER zq_test_insert_status AFTER INSERT ON task_executions FOR EACH ROW "
          "INSERT INTO zq_test_inserts VALUES (NEW.id, NEW.status)")
    yield e
    e.close()


@pytest.fixture(autouse=True)
def clean(env):
    env.sql("DELETE FROM zq_test_inserts")
    yield from clean_between_tests(env)


def inserted_as(env, exec_id):
    return env.value(f"SELECT status FROM zq_test_inserts WHERE id = {exec_id}")


def lines(d, word):
    """(line number, exec, task) of the daemon's FIRE / CLAIM lines."""
    out = []
    for i, ln in enumerate(d.output().splitlines()):
        m = re.search(rf"\b{word} (?:exec=(\d+) )?task=(\d+)", ln)
        if m:
            out.append((i, int(m.group(1) or 0), int(m.group(2))))
    return out


def idle_daemon(env, threads):
    d = env.daemon(scheduler__threads=str(threads))
    env.wait(lambda: env.value("SELECT COUNT(*) FROM scheduler_nodes WHERE state = 'running'")
             == "1", what="node running")
    time.sleep(0.3)  # past its first ticks: the lease is held, nothing is due
    return d


def test_a_fire_with_a_free_worker_is_inserted_running_and_logged_fire_then_claim(env):
    d = idle_daemon(env, 2)
    tid = env.task("now", "example_task", QUICK, interval_seconds=3600, next_run_at=env.now_ms())
    env.wake()
    e = env.wait(lambda: (env.executions(tid) or [None])[0], what="the fire")
    env.wait_final(int(e["id"]))
    e = env.executions(tid)[0]
    assert (e["status"], e["trigger_type"], inserted_as(env, e["id"])) == \
        ("success", "schedule", "running")
    assert e["node_id"] and e["start_ms"] and e["fire_key"]
    fire = [ln for ln in lines(d, "FIRE") if ln[2] == tid]
    claim = [ln for ln in lines(d, "CLAIM") if ln[1] == int(e["id"])]
    assert len(fire) == 1 and len(claim) == 1 and fire[0][0] < claim[0][0], (fire, claim)
    env.wait(lambda: env.value(DIFF_SQL) == "0", timeout=10, what="run state exact")


@pytest.mark.parametrize("pending_first", [True, False])
def test_the_older_of_a_pending_run_and_a_fire_is_claimed_first(env, pending_first):
    """One free worker, a manual trigger pending and a task due, written in
    one transaction: the tick claims whichever is older (not_before, the
    fire's scheduled time), as when the fire was inserted pending and both
    were claimed by not_before; the other waits for the worker."""
    d = idle_daemon(env, 1)
    now = env.now_ms()
    older, newer = now - 20000, now - 10000
    man = env.task("manual", "example_task", SLOW)
    due = env.task("due", "example_task", SLOW, interval_seconds=3600)
    nb, fire_at = (older, newer) if pending_first else (newer, older)
    env.sql(transaction(
        f"INSERT INTO task_executions (task_id, trigger_type, status, scheduled_time, not_before, "
        f"created_by) VALUES ({man}, 'manual', 'pending', {ms_lit(nb)}, {ms_lit(nb)}, 'test'); "
        f"UPDATE scheduled_tasks SET next_run_at = {ms_lit(fire_at)} WHERE id = {due};"))
    env.wake()
    env.wait(lambda: env.count("status = 'success'") == 2, timeout=30, what="both runs")
    m, f = env.executions(man)[0], env.executions(due)[0]
    claims = {t: i for i, _, t in lines(d, "CLAIM")}
    first, second = (m, f) if pending_first else (f, m)
    assert float(first["start_ms"]) < float(second["start_ms"])
    assert claims[int(first["task_id"])] < claims[int(second["task_id"])]
    assert inserted_as(env, m["id"]) == "pending"
    # the fire had the worker: inserted running; it had not: pending, claimed later
    assert inserted_as(env, f["id"]) == ("pending" if pending_first else "running")
    assert env.value(DIFF_SQL) == "0"


def test_a_slot_that_already_has_its_row_is_left_alone_and_the_other_fires_run(env):
    idle_daemon(env, 4)
    at = env.now_ms() - 1000
    taken = env.task("taken", "example_task", QUICK, interval_seconds=3600)
    others = [env.task(f"other{i}", "example_task", QUICK, interval_seconds=3600)
              for i in range(3)]
    env.sql(transaction(
        f"INSERT INTO task_executions (task_id, trigger_type, status, scheduled_time, fire_key, "
        f"not_before, start_time, end_time, result) VALUES ({taken}, 'schedule', 'success', "
        f"{ms_lit(at)}, {ms_lit(at)}, {ms_lit(at)}, {ms_lit(at)}, {ms_lit(at)}, '{{\"kept\": 1}}'); "
        f"UPDATE scheduled_tasks SET next_run_at = {ms_lit(at)} WHERE id IN "
        f"({', '.join(str(t) for t in [taken] + others)}); " + refresh_sql(f"t.id = {taken}")))
    env.wake()
    env.wait(lambda: env.count(f"task_id IN ({', '.join(map(str, others))}) AND status = "
                               "'success'") == 3, what="the other fires")
    rows = env.executions(taken)
    assert [(r["status"], r["result"]) for r in rows] == [("success", '{"kept": 1}')]
    assert env.value("SELECT COUNT(*) - COUNT(DISTINCT task_id, fire_key) FROM task_executions") \
        == "0"
    assert env.value(f"SELECT next_run_at > {ms_lit(at)} FROM scheduled_tasks WHERE id = "
                     f"{taken}") == "1"
    env.wait(lambda: env.value(DIFF_SQL) == "0", timeout=10, what="run state exact")
