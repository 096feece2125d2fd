"""zq-scheduler firing: cron with seconds, intervals, one-off, manual triggers,
misfires after a daemon pause or stop (grace x coalesce), max_instances, workflows not run as commands.
Tasks and triggers are written into the database as zq-api writes them."""
import os
import signal
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_state import DIFF_ROWS_SQL, refresh_sql, transaction  # noqa: E402
from sched_util import SchedEnv, clean_between_tests, pid_alive  # noqa: E402

QUICK = {"duration_seconds": 0, "steps": 1}


@pytest.fixture(scope="module")
def env():
    e = SchedEnv().start()
    yield e
    e.close()


@pytest.fixture(autouse=True)
def clean(env):
    yield from clean_between_tests(env)


def test_six_field_cron_fires_on_its_even_seconds(env):
    now = env.now_ms()
    first = (now // 2000 + 2) * 2000
    tid = env.task("cron2s", "example_task", QUICK, cron_expression="*/2 * * * * *",
                   next_run_at=first)
    env.daemon()
    env.wait(lambda: env.count(f"task_id = {tid} AND status = 'success'") >= 4, timeout=30,
             what="four cron runs")
    runs = [e for e in env.executions(tid) if e["status"] != "skipped"]
    sched = [int(float(e["sched_ms"])) for e in runs]
    assert all(s % 2000 == 0 for s in sched), sched
    assert all(b - a == 2000 for a, b in zip(sched, sched[1:])), sched
    assert all(e["trigger_type"] == "schedule" and e["fire_key"] for e in runs)
    # each run started at (not before) its second
    for e in runs[:4]:
        assert 0 <= float(e["start_ms"]) - float(e["sched_ms"]) < 5000, e
    assert env.count(f"task_id = {tid} AND status = 'skipped'") == 0


def test_interval_counts_from_the_scheduled_time(env):
    tid = env.task("every2", "example_task", {"duration_seconds": 0.3, "steps": 1},
                   interval_seconds=2, next_run_at=env.now_ms() + 500)
    env.daemon()
    env.wait(lambda: env.count(f"task_id = {tid} AND status = 'success'") >= 3, timeout=30,
             what="three interval runs")
    sched = [int(float(e["sched_ms"])) for e in env.executions(tid)][:3]
    assert [b - a for a, b in zip(sched, sched[1:])] == [2000, 2000]
    nxt = int(float(env.value(f"SELECT UNIX_TIMESTAMP(next_run_at) * 1000 FROM scheduled_tasks "
                              f"WHERE id = {tid}")))
    assert (nxt - sched[0]) % 2000 == 0


def test_one_off_fires_once_and_then_never(env):
    at = env.now_ms() + 1000
    tid = env.task("once", "example_task", QUICK, run_at=None, next_run_at=at)
    env.sql(f"UPDATE scheduled_tasks SET run_at = next_run_at WHERE id = {tid}")
    env.daemon()
    env.wait(lambda: env.count(f"task_id = {tid} AND status = 'success'") == 1,
             what="the one-off run")
    assert env.value(f"SELECT next_run_at FROM scheduled_tasks WHERE id = {tid}") is None
    assert env.value(f"SELECT UNIX_TIMESTAMP(last_fire_at) * 1000 FROM scheduled_tasks "
                     f"WHERE id = {tid}") is not None
    time.sleep(2.5)
    assert env.count(f"task_id = {tid}") == 1


def test_manual_trigger_runs_with_its_config_override(env):
    tid = env.task("manual-ex", "example_task", {"duration_seconds": 0, "steps": 2,
                                                 "message": "from task"})
    env.daemon()
    eid = env.trigger(tid, config_override={"steps": 4, "message": "from override"})
    e = env.wait_final(eid)
    assert e["status"] == "success", e
    assert e["trigger_type"] == "manual" and e["created_by"] == "test"
    assert (e["current_step"], e["total_steps"], e["progress_percent"]) == ("4", "4", "100")
    assert e["progress_message"] == "from override"
    steps = env.rows(f"SELECT step, status, message FROM execution_steps "
                     f"WHERE execution_id = {eid} ORDER BY step")
    assert [(s["step"], s["status"]) for s in steps] == [(str(i), "completed") for i in range(1, 5)]
    assert steps[2]["message"] == "step 3/4 done"
    import json
    res = json.loads(e["result"])
    assert res == {"success": True, "message": "from override",
                   "duration_seconds": res["duration_seconds"], "steps_total": 4}


def test_manual_task_is_never_fired_by_itself(env):
    # a contract violation repaired: a manual task with next_run_at set
    tid = env.task("manual-cmd", "manual_task", {"command": "true"},
                   next_run_at=env.now_ms() - 1000)
    env.daemon()
    env.wait(lambda: env.value(f"SELECT next_run_at IS NULL FROM scheduled_tasks "
                               f"WHERE id = {tid}") == "1", what="next_run_at cleared")
    assert env.count(f"task_id = {tid}") == 0


def _pause(env, d, seconds):
    d.send(signal.SIGSTOP)
    time.sleep(seconds)
    d.send(signal.SIGCONT)


def test_misfire_after_a_pause_is_coalesced_into_one_run(env):
    # max_instances leaves room for the fires within the grace: they run too
    tid = env.task("coalesce", "example_task", QUICK, interval_seconds=1, max_instances=10,
                   misfire_grace_seconds=3, coalesce_misfires=1, next_run_at=env.now_ms() + 500)
    d = env.daemon(scheduler__lease_s="60")
    env.wait(lambda: env.count(f"task_id = {tid} AND status = 'success'") >= 2, what="two runs")
    _pause(env, d, 8)
    resumed = env.now_ms()
    env.wait(lambda: env.count(f"task_id = {tid} AND status = 'success' AND "
                               f"scheduled_time > FROM_UNIXTIME({resumed / 1000 + 1})") >= 2,
             what="runs after the pause")
    sched = [int(float(e["sched_ms"])) for e in env.executions(tid)]
    gaps = [b - a for a, b in zip(sched, sched[1:])]
    # the ~5 fires of the pause more than 3 s late became ONE run (the first
    # within the grace): one gap of the pause minus the grace
    assert max(gaps) >= 5000, gaps
    assert sum(1 for g in gaps if g >= 2000) == 1, gaps
    assert env.count(f"task_id = {tid} AND status = 'skipped'") == 0
    assert "coalesced=" in d.output()


def test_misfire_without_coalesce_is_one_skipped_row(env):
    tid = env.task("nocoalesce", "example_task", QUICK, interval_seconds=1,
                   misfire_grace_seconds=3, coalesce_misfires=0, next_run_at=env.now_ms() + 500)
    d = env.daemon(scheduler__lease_s="60")
    env.wait(lambda: env.count(f"task_id = {tid} AND status = 'success'") >= 2, what="two runs")
    _pause(env, d, 8)
    env.wait(lambda: env.count(f"task_id = {tid} AND status = 'skipped'") >= 1,
             what="the misfire row")
    time.sleep(1.5)
    skipped = env.rows(f"SELECT error_message FROM task_executions WHERE task_id = {tid} "
                       f"AND status = 'skipped'")
    misfire = [s for s in skipped if s["error_message"].startswith("misfire:")]
    assert len(misfire) == 1, skipped
    assert "fires from" in misfire[0]["error_message"]
    n = int(misfire[0]["error_message"].split("misfire: ")[1].split()[0])
    assert 3 <= n <= 8, misfire  # the fires more than 3 s late of an 8 s pause
    stats = env.rows(f"SELECT skipped FROM task_stats_daily WHERE task_id = {tid}")
    assert sum(int(s["skipped"]) for s in stats) == len(skipped)


def _slots(env, tid):
    """Scheduled times (ms) of a task's schedule runs, and its skipped rows."""
    ex = env.executions(tid)
    runs = sorted(int(float(e["sched_ms"])) for e in ex
                  if e["status"] != "skipped" and e["trigger_type"] == "schedule")
    return runs, [e for e in ex if e["status"] == "skipped"]


def _fire_lines(d, tid):
    return [ln for ln in d.output().splitlines() if f"FIRE task={tid} " in ln]


def test_misfires_across_a_scheduler_stop_follow_grace_and_coalesce(env):
    """README "Misfires": fires within misfire_grace_seconds each run whatever
    coalesce_misfires says; fires late beyond it become one run (coalesce on)
    or one skipped row (off). Four tasks, one 7 s stop of the daemon."""
    start = env.now_ms() + 500
    kw = dict(interval_seconds=1, max_instances=20, next_run_at=start)
    covered_on = env.task("covered-on", "example_task", QUICK, misfire_grace_seconds=60,
                          coalesce_misfires=1, **kw)
    covered_off = env.task("covered-off", "example_task", QUICK, misfire_grace_seconds=60,
                           coalesce_misfires=0, **kw)
    late_on = env.task("late-on", "example_task", QUICK, misfire_grace_seconds=2,
                       coalesce_misfires=1, **kw)
    late_off = env.task("late-off", "example_task", QUICK, misfire_grace_seconds=2,
                        coalesce_misfires=0, **kw)
    tids = (covered_on, covered_off, late_on, late_off)
    d = env.daemon()
    env.wait(lambda: all(env.count(f"task_id = {t} AND status = 'success'") >= 2 for t in tids),
             what="two runs each")
    env.stop_daemon(d)
    time.sleep(7)
    d = env.daemon()
    restarted = env.now_ms()
    env.wait(lambda: all(env.count(f"task_id = {t} AND status = 'success' AND scheduled_time > "
                                   f"FROM_UNIXTIME({restarted / 1000 + 1})") >= 2 for t in tids),
             what="runs after the restart")
    env.stop_daemon(d)

    # grace covers the stop: every slot of the stop ran, coalesce or not
    for t in (covered_on, covered_off):
        runs, skipped = _slots(env, t)
        assert [b - a for a, b in zip(runs, runs[1:])] == [1000] * (len(runs) - 1), (t, runs)
        assert runs[-1] - runs[0] >= 8000, runs  # the stop's slots are among them
        assert skipped == [], skipped

    # grace shorter than the stop, coalesce on: the late fires are one run
    runs, skipped = _slots(env, late_on)
    gaps = [b - a for a, b in zip(runs, runs[1:])]
    assert sorted(gaps)[:-1] == [1000] * (len(gaps) - 1), gaps  # one gap, the rest every slot
    assert max(gaps) >= 4000, gaps   # ~7 s stop minus the 2 s grace
    assert skipped == [], skipped
    merged = [int(ln.split("coalesced=")[1].split()[0]) for ln in _fire_lines(d, late_on)]
    assert max(merged) == max(gaps) // 1000 - 1, (merged, gaps)

    # coalesce off: the late fires are ONE skipped row; the fires within the grace ran
    runs, skipped = _slots(env, late_off)
    gaps = [b - a for a, b in zip(runs, runs[1:])]
    assert sorted(gaps)[:-1] == [1000] * (len(gaps) - 1), gaps
    assert len(skipped) == 1, skipped
    msg = skipped[0]["error_message"]
    assert msg.startswith("misfire: ") and "misfire_grace_seconds (2 s); not run" in msg, msg
    n = int(msg.split("misfire: ")[1].split()[0])
    # the row stands for exactly the slots missing between the runs
    assert max(gaps) == (n + 1) * 1000, (msg, gaps)
    hole = runs[gaps.index(max(gaps))]
    assert int(float(skipped[0]["sched_ms"])) == hole + 1000, (skipped, hole)


def test_fires_beyond_max_instances_are_skipped(env):
    tid = env.task("slow", "example_task", {"duration_seconds": 2.5, "steps": 1},
                   interval_seconds=1, max_instances=1, next_run_at=env.now_ms() + 300)
    env.daemon()
    env.wait(lambda: env.count(f"task_id = {tid} AND status = 'skipped'") >= 2,
             what="skipped fires")
    rows = env.rows(f"SELECT status, error_message FROM task_executions WHERE task_id = {tid} "
                    f"AND status = 'skipped'")
    assert all(r["error_message"].startswith("max_instances (1) reached") for r in rows), rows
    # never two at once
    assert env.count(f"task_id = {tid} AND status IN ('running', 'pending')") <= 1


def test_pending_workflow_is_not_run_as_a_command(env):
    tid = env.task("wf", "workflow", {"workflow_type": "serial", "tasks": [],
                                      "command": "touch /tmp/zq-wf-must-not-run"})
    env.daemon()
    eid = env.trigger(tid)
    e = env.wait_final(eid)
    # the workflow engine refuses the config (no nodes, an unknown member)
    assert e["status"] == "failed"
    assert e["error_message"].startswith("invalid workflow: "), e["error_message"]
    assert not os.path.exists("/tmp/zq-wf-must-not-run")
    assert e["start_time"] is None


def test_node_row_heartbeats_and_stops(env):
    d = env.daemon(scheduler__threads="3")
    pid = d.pid
    row = env.wait(lambda: (env.rows(f"SELECT * FROM scheduler_nodes WHERE pid = {pid}") or
                            [None])[0], what="node row")
    assert row["state"] == "running" and row["threads"] == "3"
    hb1 = env.value(f"SELECT heartbeat_at FROM scheduler_nodes WHERE pid = {pid}")
    env.wait(lambda: env.value(f"SELECT heartbeat_at FROM scheduler_nodes WHERE pid = {pid}")
             != hb1, what="a heartbeat")
    env.stop_daemon(d)
    assert env.value(f"SELECT state FROM scheduler_nodes WHERE pid = {pid}") == "stopped"
    assert not pid_alive(pid)


def test_history_older_than_history_days_is_purged(env):
    tid = env.task("old", "example_task", QUICK)
    gone = env.task("all-old", "example_task", QUICK)  # only old history: all of it goes
    env.sql(transaction(
        f"INSERT INTO task_executions (task_id, trigger_type, status, not_before, created_at, "
        f"end_time) VALUES ({tid}, 'manual', 'success', UTC_TIMESTAMP(3) - INTERVAL 3 DAY, "
        f"UTC_TIMESTAMP(3) - INTERVAL 3 DAY, UTC_TIMESTAMP(3) - INTERVAL 3 DAY), "
        f"({tid}, 'manual', 'failed', UTC_TIMESTAMP(3) - INTERVAL 1 HOUR, "
        f"UTC_TIMESTAMP(3) - INTERVAL 1 HOUR, UTC_TIMESTAMP(3) - INTERVAL 1 HOUR), "
        f"({tid}, 'manual', 'pending', UTC_TIMESTAMP(3) + INTERVAL 1 DAY, "
        f"UTC_TIMESTAMP(3) - INTERVAL 5 DAY, NULL), "
        f"({gone}, 'manual', 'success', UTC_TIMESTAMP(3) - INTERVAL 4 DAY, "
        f"UTC_TIMESTAMP(3) - INTERVAL 4 DAY, UTC_TIMESTAMP(3) - INTERVAL 4 DAY); "
        + refresh_sql(f"t.id IN ({tid}, {gone})")))
    assert env.value(f"SELECT last_finished_status FROM task_run_state WHERE task_id = {gone}") \
        == "success"
    env.daemon(scheduler__history_days="2")
    # The pass at start deletes them; a row another transaction holds at that
    # moment is skipped (SKIP LOCKED) until the next pass, a minute later.
    env.wait(lambda: env.count(f"task_id IN ({tid}, {gone})") == 2, timeout=75,
             what="the purge")
    left = sorted(r["status"] for r in env.rows(f"SELECT status FROM task_executions "
                                                 f"WHERE task_id = {tid}"))
    assert left == ["failed", "pending"]  # recent history and unfinished work stay
    # the tasks' run state follows: nothing left of the second task's history
    assert env.rows(DIFF_ROWS_SQL) == []
    state = env.rows(f"SELECT * FROM task_run_state WHERE task_id = {gone}")[0]
    assert state["latest_execution_id"] is None and state["last_finished_status"] is None
