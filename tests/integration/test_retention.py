"""History retention (scheduler.history_days, scheduler/retention.c): which
executions go and which stay, their steps / output / workflow run rows, the
tasks' run state, a pass at once when a SIGHUP lowers history_days, and the
loop firing on time while a pass runs on its own thread. Executions are
written straight into the database, as the bench does; the timing targets
belong to tests/bench/bench_retention.py."""
import os
import re
import signal
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_state import DIFF_ROWS_SQL, DIFF_SQL, refresh_sql, transaction  # noqa: E402
from sched_util import SchedEnv, clean_between_tests  # noqa: E402

QUICK = {"duration_seconds": 0, "steps": 1}
OLD = 10000          # old finished executions over TASKS tasks: several batches
TASKS = 20


@pytest.fixture(scope="module")
def env():
    e = SchedEnv().start()
    yield e
    e.close()


@pytest.fixture(autouse=True)
def clean(env):
    yield from clean_between_tests(env)


def sighup(env, d, name, **overrides):
    env.config(name, **overrides)   # the path the daemon was started with
    d.send(signal.SIGHUP)


def test_sighup_lowering_history_days_purges_at_once_and_keeps_the_rules(env):
    tasks = [env.task(f"ret-{i}", "example_task", QUICK) for i in range(TASKS)]
    lo, hi = tasks[0], tasks[-1]
    assert tasks == list(range(lo, hi + 1))
    keep, gone = tasks[0], tasks[1]   # keep: recent history and unfinished old rows too
    # OLD finished executions 3 to 10 days old over the other tasks, one in
    # three with steps and output; statuses of every finished kind
    env.sql(
        "INSERT INTO task_executions (task_id, trigger_type, status, not_before, created_at, "
        f"end_time) SELECT {lo + 1} + seq MOD {TASKS - 1}, 'schedule', "
        "ELT(1 + seq MOD 5, 'success', 'failed', 'completed', 'terminated', 'skipped'), "
        "UTC_TIMESTAMP(3) - INTERVAL 10 DAY + INTERVAL seq SECOND, "
        "UTC_TIMESTAMP(3) - INTERVAL 10 DAY + INTERVAL seq * 40 SECOND, "
        "UTC_TIMESTAMP(3) - INTERVAL 10 DAY + INTERVAL seq * 40 SECOND "
        f"FROM seq_1_to_{OLD}")
    env.sql("INSERT INTO execution_steps (execution_id, step, status, at) SELECT id, 1, 'success', "
            "created_at FROM task_executions WHERE id MOD 3 = 0; "
            "INSERT INTO execution_output (execution_id, stdout_tail, stdout_bytes) SELECT id, "
            "'out', 3 FROM task_executions WHERE id MOD 3 = 0; "
            "INSERT INTO workflow_runs (execution_id, plan) SELECT id, '{}' FROM task_executions "
            "WHERE status = 'completed' AND id MOD 7 = 0")
    # task `keep`: old finished (goes), recent finished (stays), old pending
    # (stays; no old running row: without a live node it would be reaped,
    # i.e. finished and old)
    env.sql(
        "INSERT INTO task_executions (task_id, trigger_type, status, not_before, created_at, "
        f"end_time) VALUES ({keep}, 'manual', 'success', UTC_TIMESTAMP(3) - INTERVAL 5 DAY, "
        "UTC_TIMESTAMP(3) - INTERVAL 5 DAY, UTC_TIMESTAMP(3) - INTERVAL 5 DAY), "
        f"({keep}, 'manual', 'failed', UTC_TIMESTAMP(3) - INTERVAL 1 HOUR, "
        "UTC_TIMESTAMP(3) - INTERVAL 1 HOUR, UTC_TIMESTAMP(3) - INTERVAL 1 HOUR), "
        f"({keep}, 'manual', 'pending', UTC_TIMESTAMP(3) + INTERVAL 1 DAY, "
        "UTC_TIMESTAMP(3) - INTERVAL 6 DAY, NULL)")
    recent = int(env.value(f"SELECT MAX(id) FROM task_executions WHERE task_id = {keep} "
                           "AND status = 'failed'"))
    env.sql(f"INSERT INTO execution_steps (execution_id, step, status, at) VALUES ({recent}, 1, "
            f"'failed', UTC_TIMESTAMP(3)); INSERT INTO execution_output (execution_id, stdout_tail) "
            f"VALUES ({recent}, 'kept')")
    env.sql(transaction(refresh_sql(f"t.id BETWEEN {lo} AND {hi}")))
    env.sql("INSERT INTO task_stats_daily (task_id, day, runs, successes) SELECT "
            f"{lo} + seq, UTC_DATE() - INTERVAL 10 DAY, 100, 90 FROM seq_0_to_{TASKS - 1}")
    stats = env.rows("SELECT * FROM task_stats_daily ORDER BY task_id, day")
    kept_rows = env.rows(f"SELECT * FROM task_executions WHERE task_id = {keep} AND "
                         "created_at > UTC_TIMESTAMP(3) - INTERVAL 2 DAY ORDER BY id")
    old_gone = env.count(f"task_id = {gone}")
    assert old_gone > 0
    # a cron task every second: the loop must keep firing every slot, once
    first = (env.now_ms() // 1000 + 1) * 1000
    cron = env.task("ret-cron", "example_task", QUICK, cron_expression="* * * * * *",
                    next_run_at=first, max_instances=50)
    d = env.daemon("ret", scheduler__history_days="0")
    time.sleep(2)
    assert env.count(f"task_id BETWEEN {lo} AND {hi}") == OLD + 3   # 0 = keep forever

    mark = len(d.output())
    t0 = time.monotonic()
    sighup(env, d, "ret", scheduler__history_days="2")
    # at once: the first batch commits within seconds, not at the next
    # minute (the daemon started 2 s ago) as the loop's old retention did
    env.wait(lambda: env.count(f"task_id BETWEEN {lo} AND {hi}") < OLD + 3, timeout=15,
             interval=0.1, what="the first batch")
    assert time.monotonic() - t0 < 15
    env.wait(lambda: env.count(f"task_id BETWEEN {lo} AND {hi}") == 2, timeout=90,
             what="the purge")
    env.wait(lambda: "retention: deleted" in d.output()[mark:], what="the pass's log line")
    left = sorted(r["status"] for r in env.rows(
        f"SELECT status FROM task_executions WHERE task_id BETWEEN {lo} AND {hi}"))
    assert left == ["failed", "pending"]    # recent history and unfinished work stay
    assert env.count(f"task_id = {gone}") == 0
    # steps / output / workflow runs of the deleted ones went with them
    assert env.value("SELECT COUNT(*) FROM execution_steps s LEFT JOIN task_executions e "
                     "ON e.id = s.execution_id WHERE e.id IS NULL") == "0"
    assert env.value("SELECT COUNT(*) FROM execution_output o LEFT JOIN task_executions e "
                     "ON e.id = o.execution_id WHERE e.id IS NULL") == "0"
    assert env.value("SELECT COUNT(*) FROM workflow_runs w LEFT JOIN task_executions e "
                     "ON e.id = w.execution_id WHERE e.id IS NULL") == "0"
    assert env.value(f"SELECT COUNT(*) FROM execution_steps WHERE execution_id = {recent}") == "1"
    assert env.value(f"SELECT stdout_tail FROM execution_output WHERE execution_id = {recent}") \
        == "kept"
    # the executions newer than the cut are untouched, the daily statistics too
    assert env.rows(f"SELECT * FROM task_executions WHERE task_id = {keep} AND "
                    "created_at > UTC_TIMESTAMP(3) - INTERVAL 2 DAY ORDER BY id") == kept_rows
    assert env.rows(f"SELECT * FROM task_stats_daily WHERE task_id <> {cron} "
                    "ORDER BY task_id, day") == stats
    # run state exact: the emptied tasks have none, `keep` shows its pending run
    assert env.rows(DIFF_ROWS_SQL) == []
    state = env.rows(f"SELECT * FROM task_run_state WHERE task_id = {gone}")[0]
    assert state["latest_execution_id"] is None and state["last_finished_status"] is None
    state = env.rows(f"SELECT * FROM task_run_state WHERE task_id = {keep}")[0]
    assert state["latest_status"] == "pending" and state["last_finished_status"] == "failed"
    assert state["active"] == "1"
    # the loop fired on time all along (late_ms as the FIRE line logs it)
    time.sleep(1.5)
    late = [int(x) for x in re.findall(rf"FIRE task={cron} scheduled=\S+ late_ms=(-?\d+)",
                                       d.output()[mark:])]
    assert len(late) >= 2, d.output()[mark:][-2000:]
    assert max(late) < 500, late
    env.stop_daemon(d)
    assert int(env.value(DIFF_SQL)) == 0
    # every second from the first fire to the last has exactly one execution
    slots = [int(r["s"]) for r in env.rows(
        "SELECT ROUND(UNIX_TIMESTAMP(scheduled_time)) AS s FROM task_executions "
        f"WHERE task_id = {cron} ORDER BY scheduled_time")]
    # the daemon ran >= 3.5 s (2 s before the SIGHUP, 1.5 s after the pass),
    # however fast the pass: at least 3 slots, with no gap and no duplicate
    assert len(slots) >= 3, slots
    assert slots == list(range(slots[0], slots[0] + len(slots))), slots


def test_raising_history_days_keeps_history_and_zero_keeps_all(env):
    """Raised, history stays (a pass runs and finds nothing); 0 keeps all
    (no pass); from 0, or a new retention_duty, a pass at once."""
    tid = env.task("ret-raise", "example_task", QUICK)
    env.sql(transaction(
        "INSERT INTO task_executions (task_id, trigger_type, status, not_before, created_at, "
        f"end_time) SELECT {tid}, 'manual', 'success', UTC_TIMESTAMP(3) - INTERVAL 5 DAY, "
        "UTC_TIMESTAMP(3) - INTERVAL seq DAY, UTC_TIMESTAMP(3) - INTERVAL seq DAY "
        "FROM seq_3_to_6; " + refresh_sql(f"t.id = {tid}")))
    d = env.daemon("raise", scheduler__history_days="5")   # a pass at start: day 6 goes
    env.wait(lambda: env.count(f"task_id = {tid}") == 2, what="the pass at start")
    mark = len(d.output())
    sighup(env, d, "raise", scheduler__history_days="30")   # raised: a pass, nothing to do
    env.wait(lambda: d.output().count("SIGHUP: configuration reloaded", mark) == 1,
             what="a reload")
    assert "history_days 5 -> 30, retention_duty 25 -> 25: a pass starts now" in d.output()[mark:]
    mark = len(d.output())
    sighup(env, d, "raise", scheduler__history_days="0")    # off
    env.wait(lambda: d.output().count("SIGHUP: configuration reloaded", mark) == 1,
             what="a second reload")
    sighup(env, d, "raise", scheduler__history_days="0")    # unchanged
    env.wait(lambda: d.output().count("SIGHUP: configuration reloaded", mark) == 2,
             what="a third reload")
    time.sleep(1)
    assert env.count(f"task_id = {tid}") == 2
    assert "a pass starts now" not in d.output()[mark:]
    sighup(env, d, "raise", scheduler__history_days="4")    # from off: a pass now
    env.wait(lambda: env.count(f"task_id = {tid}") == 1, timeout=15, what="the pass")
    assert env.rows(DIFF_ROWS_SQL) == []
    mark = len(d.output())
    sighup(env, d, "raise", scheduler__history_days="4", scheduler__retention_duty="60")
    env.wait(lambda: "retention_duty 25 -> 60: a pass starts now" in d.output()[mark:],
             timeout=15, what="a pass for the new duty")
    assert "take effect only after a restart" not in d.output()[mark:]
    env.stop_daemon(d)


def test_workflow_runs_unfinished_work_and_daily_stats_survive_a_pass(env):
    """Old finished rows on both sides of rows that must stay (a chunk that
    deletes by id list, not by range): a finished workflow run with a child
    still pending keeps both, a running workflow run keeps its finished
    children, and task_stats_daily keeps the days retention deleted."""
    tid = env.task("ret-wf", "example_task", QUICK)
    other = env.task("ret-wf-other", "example_task", QUICK)

    def old(status, n=1, parent="NULL", task=tid):
        env.sql("INSERT INTO task_executions (task_id, parent_execution_id, trigger_type, status, "
                "not_before, created_at, end_time, retry_count) SELECT "
                f"{task}, {parent}, 'manual', '{status}', UTC_TIMESTAMP(3) + INTERVAL 1 DAY, "
                "UTC_TIMESTAMP(3) - INTERVAL 9 DAY + INTERVAL seq SECOND, "
                f"IF('{status}' IN ('pending', 'running'), NULL, UTC_TIMESTAMP(3) - INTERVAL 9 DAY) "
                f", seq FROM seq_1_to_{n}")
        return int(env.value("SELECT MAX(id) FROM task_executions"))

    old("success", 1500)
    done_wf = old("completed")                           # finished run, child still pending
    pending_child = old("pending", parent=done_wf, task=other)
    old("failed", 1500)
    live_wf = old("running")                             # running run (no heartbeat: not reaped)
    finished_children = [old("success", parent=live_wf, task=other),
                         old("failed", parent=live_wf, task=tid)]
    old("terminated", 1500)
    keep = [done_wf, pending_child, live_wf] + finished_children
    env.sql("INSERT INTO execution_steps (execution_id, step, status, at) SELECT id, 1, 'success', "
            f"created_at FROM task_executions WHERE task_id IN ({tid}, {other})")
    env.sql("INSERT INTO task_stats_daily (task_id, day, runs, successes) SELECT "
            f"{tid}, UTC_DATE() - INTERVAL seq DAY, 100, 90 FROM seq_8_to_10")
    env.sql(transaction(refresh_sql(f"t.id IN ({tid}, {other})")))
    stats = env.rows(f"SELECT * FROM task_stats_daily WHERE task_id = {tid} ORDER BY day")
    assert env.count(f"task_id IN ({tid}, {other})") == 4500 + len(keep)

    d = env.daemon("ret-wf", scheduler__history_days="2")   # a pass at start
    env.wait(lambda: env.count(f"task_id IN ({tid}, {other})") == len(keep), timeout=60,
             what="the pass")
    env.wait(lambda: "retention: deleted" in d.output(), what="the pass's log line")
    left = sorted(int(r["id"]) for r in env.rows(
        f"SELECT id FROM task_executions WHERE task_id IN ({tid}, {other})"))
    assert left == sorted(keep)
    # the kept rows keep their steps; the deleted ones left none behind
    assert int(env.value("SELECT COUNT(*) FROM execution_steps WHERE execution_id IN "
                         f"({', '.join(map(str, keep))})")) == len(keep)
    assert env.value("SELECT COUNT(*) FROM execution_steps s LEFT JOIN task_executions e "
                     "ON e.id = s.execution_id WHERE e.id IS NULL") == "0"
    # daily statistics are not retention's: every day is still there
    assert env.rows(f"SELECT * FROM task_stats_daily WHERE task_id = {tid} ORDER BY day") == stats
    assert env.rows(DIFF_ROWS_SQL) == []
    env.stop_daemon(d)


def test_alert_history_older_than_history_days_goes_with_a_pass(env):
    """Delivered, failed and silenced events and closed alerts older than
    history_days go; events still to send and open alerts stay, whatever
    their age."""
    tid = env.task("ret-alerts", "example_task", QUICK)
    env.sql("INSERT INTO alert_channels (name, kind, config) VALUES ('ret-ch', 'webhook', "
            "'{\"url\": \"https://hooks.example/x\"}')")
    ch = env.value("SELECT id FROM alert_channels WHERE name = 'ret-ch'")
    env.sql(f"INSERT INTO alert_rules (task_id, kind, params) VALUES ({tid}, 'on_failure', '{{}}')")
    rule = env.value(f"SELECT id FROM alert_rules WHERE task_id = {tid}")
    env.sql("INSERT INTO alerts (rule_id, task_id, slot, kind, state, opened_at, closed_at) VALUES "
            f"({rule}, {tid}, 'old-closed', 'on_failure', 'closed', UTC_TIMESTAMP(3) - INTERVAL 9 DAY, "
            "UTC_TIMESTAMP(3) - INTERVAL 8 DAY), "
            f"({rule}, {tid}, 'old-open', 'on_failure', 'open', UTC_TIMESTAMP(3) - INTERVAL 9 DAY, NULL), "
            f"({rule}, {tid}, 'new-closed', 'on_failure', 'closed', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))")
    old = "UTC_TIMESTAMP(3) - INTERVAL 5 DAY"
    env.sql("INSERT INTO alert_events (channel_id, task_id, event, facts, status, created_at, "
            f"next_at) SELECT {ch}, {tid}, 'failure', '{{}}', ELT(seq, 'sent', 'failed', 'silenced', "
            f"'pending', 'sending'), {old}, UTC_TIMESTAMP(3) + INTERVAL 1 DAY FROM seq_1_to_5")
    env.sql("INSERT INTO alert_events (channel_id, task_id, event, facts, status) VALUES "
            f"({ch}, {tid}, 'failure', '{{}}', 'sent')")
    d = env.daemon("ret-alerts", scheduler__history_days="2")   # a pass at start
    env.wait(lambda: env.value("SELECT COUNT(*) FROM alerts WHERE slot = 'old-closed'") == "0",
             timeout=60, what="the pass to purge the closed alert")
    assert sorted(r["status"] for r in env.rows(
        f"SELECT status FROM alert_events WHERE task_id = {tid}")) == ["pending", "sending", "sent"]
    assert env.value(f"SELECT COUNT(*) FROM alert_events WHERE task_id = {tid} AND status = 'sent' "
                     "AND created_at > UTC_TIMESTAMP(3) - INTERVAL 1 DAY") == "1"
    assert sorted(r["slot"] for r in env.rows(
        f"SELECT slot FROM alerts WHERE task_id = {tid}")) == ["new-closed", "old-open"]
    env.stop_daemon(d)
    env.sql(f"DELETE FROM alert_events WHERE channel_id = {ch}; DELETE FROM alert_channels WHERE id = {ch}")


def test_shutdown_during_a_pass_exits_cleanly_and_the_next_start_resumes(env):
    """SIGTERM while a long pass runs: the daemon stops after the chunk under
    way (exit 0; sanitizer reports are checked when the module ends), what
    is left is consistent, and the next daemon's pass at start finishes."""
    n = 60000
    tid = env.task("ret-stop", "example_task", QUICK)
    env.sql(transaction(
        "INSERT INTO task_executions (task_id, trigger_type, status, not_before, created_at, "
        f"end_time) SELECT {tid}, 'manual', IF(seq MOD 2, 'success', 'failed'), "
        "UTC_TIMESTAMP(3) - INTERVAL 9 DAY, UTC_TIMESTAMP(3) - INTERVAL 9 DAY + INTERVAL seq SECOND, "
        f"UTC_TIMESTAMP(3) - INTERVAL 9 DAY + INTERVAL seq SECOND FROM seq_1_to_{n}; "
        "INSERT INTO task_executions (task_id, trigger_type, status, not_before, created_at, "
        f"end_time) VALUES ({tid}, 'manual', 'success', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), "
        "UTC_TIMESTAMP(3)); " + refresh_sql(f"t.id = {tid}")))
    env.sql("INSERT INTO execution_steps (execution_id, step, status, at) SELECT id, 1, 'success', "
            f"created_at FROM task_executions WHERE task_id = {tid} AND id MOD 3 = 0")
    d = env.daemon("ret-stop", scheduler__history_days="2", scheduler__retention_duty="100")
    env.wait(lambda: env.count(f"task_id = {tid}") < n + 1, timeout=30, interval=0.1,
             what="the first chunk")
    t0 = time.monotonic()
    env.stop_daemon(d)                      # exit 0, or the helper raises
    stopped_in = time.monotonic() - t0
    left = env.count(f"task_id = {tid}")
    assert 1 < left < n + 1, left           # stopped during the pass
    assert stopped_in < 20, stopped_in
    assert "(interrupted)" in d.output_since_start()
    # consistent where it stopped: run state exact, no orphaned steps
    assert env.rows(DIFF_ROWS_SQL) == []
    assert env.value("SELECT COUNT(*) FROM execution_steps s LEFT JOIN task_executions e "
                     "ON e.id = s.execution_id WHERE e.id IS NULL") == "0"
    d = env.daemon("ret-stop", scheduler__history_days="2", scheduler__retention_duty="100")
    env.wait(lambda: env.count(f"task_id = {tid}") == 1, timeout=120, what="the resumed pass")
    assert env.rows(DIFF_ROWS_SQL) == []
    env.stop_daemon(d)


def test_one_pass_at_a_time_per_database(env):
    """A pass needs the session lock zq.retention.<database>: while another
    session holds it, nothing is deleted; once it is free, a SIGHUP that
    changes retention_duty runs the pass."""
    tid = env.task("ret-lock", "example_task", QUICK)
    env.sql(transaction(
        "INSERT INTO task_executions (task_id, trigger_type, status, not_before, created_at, "
        f"end_time) SELECT {tid}, 'manual', 'success', UTC_TIMESTAMP(3) - INTERVAL 9 DAY, "
        "UTC_TIMESTAMP(3) - INTERVAL 9 DAY, UTC_TIMESTAMP(3) - INTERVAL 9 DAY FROM seq_1_to_2000; "
        + refresh_sql(f"t.id = {tid}")))
    name = env.value("SELECT CONCAT('zq.retention.', DATABASE())")
    holder = threading.Thread(target=env.stack.sql,
                              args=(f"SELECT GET_LOCK('{name}', 0); SELECT SLEEP(8)",))
    holder.start()
    try:
        env.wait(lambda: env.value(f"SELECT IS_USED_LOCK('{name}')") is not None, what="the lock")
        d = env.daemon("ret-lock", scheduler__history_days="2", log__level="debug")
        env.wait(lambda: "another daemon is running a pass" in d.output_since_start(),
                 what="the pass to find the lock taken")
        assert env.count(f"task_id = {tid}") == 2000
    finally:
        holder.join()
    mark = len(d.output())
    sighup(env, d, "ret-lock", scheduler__history_days="2", scheduler__retention_duty="50",
           log__level="debug")
    env.wait(lambda: env.count(f"task_id = {tid}") == 0, timeout=30, what="the pass")
    assert "a pass starts now" in d.output()[mark:]
    assert env.rows(DIFF_ROWS_SQL) == []
    env.stop_daemon(d)


def test_a_row_lock_does_not_hold_a_stopping_daemon(env):
    """A chunk that meets a row another session holds gives up after the
    pass's 2 s lock wait (not the server's 50 s): SIGTERM while it waits
    exits within seconds, and nothing of the chunk went; once the lock is
    gone the next start deletes it all."""
    tid = env.task("ret-rowlock", "example_task", QUICK)
    env.sql(transaction(
        "INSERT INTO task_executions (task_id, trigger_type, status, not_before, created_at, "
        f"end_time) SELECT {tid}, 'manual', 'success', UTC_TIMESTAMP(3) - INTERVAL 9 DAY, "
        "UTC_TIMESTAMP(3) - INTERVAL 9 DAY, UTC_TIMESTAMP(3) - INTERVAL 9 DAY FROM seq_1_to_3000; "
        + refresh_sql(f"t.id = {tid}")))
    first = env.value(f"SELECT MIN(id) FROM task_executions WHERE task_id = {tid}")

    def hold():
        try:
            env.stack.sql(f"BEGIN; SELECT id FROM task_executions WHERE id = {first} FOR UPDATE; "
                          "SELECT SLEEP(60) AS zq_ret_hold; COMMIT")
        except RuntimeError:
            pass   # killed below
    holder = threading.Thread(target=hold)
    holder.start()
    holder_sql = ("SELECT trx_mysql_thread_id FROM information_schema.INNODB_TRX "
                  "WHERE trx_query LIKE CONCAT('%zq_ret', '_hold%')")   # not this query
    try:
        env.wait(lambda: env.rows(holder_sql), what="the row lock")
        d = env.daemon("ret-rowlock", scheduler__history_days="2")   # a pass at start
        env.wait(lambda: env.value("SELECT COUNT(*) FROM information_schema.INNODB_TRX "
                                   "WHERE trx_state = 'LOCK WAIT'") != "0",
                 what="the chunk to wait for the row")
        t0 = time.monotonic()
        env.stop_daemon(d)                  # exit 0, or the helper raises
        assert time.monotonic() - t0 < 20
        assert env.count(f"task_id = {tid}") == 3000   # the waiting chunk rolled back
    finally:
        for r in env.rows(holder_sql):
            env.sql(f"KILL {list(r.values())[0]}")
        holder.join()
    d = env.daemon("ret-rowlock", scheduler__history_days="2")
    env.wait(lambda: env.count(f"task_id = {tid}") == 0, timeout=30, what="the pass")
    assert env.rows(DIFF_ROWS_SQL) == []
    env.stop_daemon(d)
