"""zq-scheduler running executions: example progress, commands (output,
progress protocol, result, environment), retries, timeouts that kill the
whole process group, cancel, an output bomb that must not grow the daemon."""
import json
import os
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sched_util import SchedEnv, pid_alive  # noqa: E402


@pytest.fixture(scope="module")
def env():
    e = SchedEnv().start()
    e.reset()
    e.d = e.daemon(env_extra={"ZQ_TEST_SECRET": "hunter2", "VISIBLE_TO_TASKS": "yes"})
    yield e
    e.close()


@pytest.fixture(autouse=True)
def alive(env):
    yield
    assert env.d.alive(), env.d.output()[-3000:]


def test_example_task_shows_progress_while_running(env):
    tid = env.task("progress", "example_task", {"duration_seconds": 3, "steps": 3})
    eid = env.trigger(tid)
    seen = set()
    deadline = time.time() + 30
    while time.time() < deadline:
        e = env.execution(eid)
        if e["status"] == "running" and e["current_step"]:
            seen.add((e["current_step"], e["progress_message"]))
            steps = env.rows(f"SELECT step, status FROM execution_steps WHERE execution_id = {eid}")
            assert steps, "step rows appear while the run is going"
        if e["status"] != "running" and e["status"] != "pending":
            break
        time.sleep(0.1)
    assert e["status"] == "success"
    assert len(seen) >= 2, seen
    assert ("2", "step 2/3") in seen or ("3", "step 3/3") in seen, seen
    assert e["progress_percent"] == "100" and e["current_step"] == "3"
    assert 2500 <= int(e["duration_ms"]) < 10000


def test_command_output_progress_result_and_environment(env, tmp_path):
    script = (
        "echo \"id=$ZQ_EXECUTION_ID task=$ZQ_TASK_ID trig=$ZQ_TRIGGER\"; "
        "echo \"secret=${ZQ_TEST_SECRET:-none} visible=$VISIBLE_TO_TASKS mine=$MINE pwd=$(pwd)\"; "
        "echo '##progress 1/3 loading'; sleep 0.3; echo '##progress 2/3 syncing 000001.SZ'; "
        "sleep 0.3; echo '##progress 66% almost'; echo '##result {\"rows\": 42, \"ok\": true}'; "
        "echo warn >&2")
    tid = env.task("cmd", "common_task", {"command": script, "work_dir": str(tmp_path),
                                          "env": {"MINE": "from-config", "N": 5}})
    eid = env.trigger(tid)
    e = env.wait_final(eid)
    assert e["status"] == "success", e
    out = env.rows(f"SELECT * FROM execution_output WHERE execution_id = {eid}")[0]
    assert f"id={eid} task={tid} trig=manual" in out["stdout_tail"]
    assert "secret=none visible=yes mine=from-config" in out["stdout_tail"]
    assert f"pwd={tmp_path}" in out["stdout_tail"]
    assert out["stderr_tail"] == "warn\n" and out["exit_code"] == "0"
    assert int(out["stdout_bytes"]) == len(out["stdout_tail"].encode())
    res = json.loads(e["result"])
    assert res["success"] is True and res["exit_code"] == 0
    assert res["summary"] == {"rows": 42, "ok": True}
    assert res["command"] == script and res["work_dir"] == str(tmp_path)
    assert "error_summary" not in res
    assert (e["current_step"], e["total_steps"], e["progress_percent"]) == ("2", "3", "100")
    assert e["progress_message"] == "almost"
    steps = env.rows(f"SELECT step, status, message FROM execution_steps "
                     f"WHERE execution_id = {eid} ORDER BY step")
    assert [(s["step"], s["status"], s["message"]) for s in steps] == [
        ("1", "completed", "loading"), ("2", "completed", "syncing 000001.SZ")]


def test_failing_command_reports_exit_code_and_first_500_chars_of_stderr(env):
    tid = env.task("fail", "common_task",
                   {"command": "printf 'E%.0s' $(seq 1 800) >&2; echo '##progress 1/2 x'; exit 3"})
    e = env.wait_final(env.trigger(tid))
    assert e["status"] == "failed" and e["error_message"] == "exit code 3"
    res = json.loads(e["result"])
    assert res["success"] is False and res["exit_code"] == 3
    assert res["error_summary"] == "E" * 500
    step = env.rows(f"SELECT status FROM execution_steps WHERE execution_id = {e['id']}")
    assert step == [{"status": "failed"}]


def test_command_killed_by_a_signal(env):
    tid = env.task("sig", "common_task", {"command": "kill -9 $$"})
    e = env.wait_final(env.trigger(tid))
    assert e["status"] == "failed" and e["error_message"] == "killed by signal 9"
    out = env.rows(f"SELECT exit_code, term_signal FROM execution_output "
                   f"WHERE execution_id = {e['id']}")[0]
    assert out == {"exit_code": None, "term_signal": "9"}


def test_bad_config_fails_clearly_without_retry(env):
    tid = env.task("nocmd", "common_task", {"nothing": 1}, max_retries=3, retry_interval=0)
    e = env.wait_final(env.trigger(tid))
    assert e["status"] == "failed" and e["error_message"].startswith("config.command: required")
    tid = env.task("baddir", "common_task", {"command": "true", "work_dir": "/nonexistent/dir"})
    e = env.wait_final(env.trigger(tid))
    assert e["status"] == "failed"
    assert e["error_message"] == "work_dir '/nonexistent/dir': No such file or directory"
    time.sleep(1)
    assert env.count(f"task_id IN (SELECT id FROM scheduled_tasks WHERE name = 'nocmd') "
                     f"AND trigger_type = 'retry'") == 0


def test_retries_count_up_to_max_retries(env):
    tid = env.task("retry", "common_task", {"command": "echo try $ZQ_RETRY_COUNT; exit 1"},
                   max_retries=3, retry_interval=1)
    first = env.trigger(tid)
    env.wait(lambda: env.count(f"task_id = {tid} AND status = 'failed'") == 4, timeout=60,
             what="four failed attempts")
    time.sleep(1.5)
    ex = env.executions(tid)
    assert len(ex) == 4
    assert [int(e["retry_count"]) for e in ex] == [0, 1, 2, 3]
    assert [e["trigger_type"] for e in ex] == ["manual", "retry", "retry", "retry"]
    assert ex[0]["id"] == str(first)
    assert all(e["created_by"] == "test" for e in ex)
    # not_before = end of the previous attempt + retry_interval
    for prev, cur in zip(ex, ex[1:]):
        end_prev = float(env.execution(int(prev["id"]))["end_ms"])
        assert float(cur["nb_ms"]) - end_prev >= 990, (prev, cur)
        assert float(cur["start_ms"]) >= float(cur["nb_ms"])
    stats = env.rows(f"SELECT runs, failures FROM task_stats_daily WHERE task_id = {tid}")
    assert sum(int(s["failures"]) for s in stats) == 4


def test_retry_succeeds_on_a_later_attempt_with_backoff(env, tmp_path):
    counter = tmp_path / "n"
    cmd = f"n=$(cat {counter} 2>/dev/null || echo 0); echo $((n+1)) > {counter}; [ $n -ge 2 ]"
    tid = env.task("flaky", "common_task", {"command": cmd, "retry_backoff": 2},
                   max_retries=5, retry_interval=1)
    env.trigger(tid)
    env.wait(lambda: env.count(f"task_id = {tid} AND status = 'success'") == 1, timeout=60,
             what="the successful attempt")
    ex = env.executions(tid)
    assert [e["status"] for e in ex] == ["failed", "failed", "success"]
    gap2 = float(ex[2]["nb_ms"]) - float(env.execution(int(ex[1]["id"]))["end_ms"])
    assert 1990 <= gap2 < 4000, gap2  # 1 s * 2^1


def test_timeout_kills_the_whole_process_group(env, tmp_path):
    pidfile = tmp_path / "bg.pid"
    cmd = f"sleep 300 & echo $! > {pidfile}; echo started; sleep 300"
    tid = env.task("timeout", "common_task", {"command": cmd, "timeout_seconds": 2},
                   max_retries=0)
    t0 = time.time()
    e = env.wait_final(env.trigger(tid), timeout=30)
    took = time.time() - t0
    assert e["status"] == "failed" and e["error_message"] == "timed out after 2 s"
    assert took < 2 + 2 + 5, took
    bg = int(pidfile.read_text())
    env.wait(lambda: not pid_alive(bg), timeout=5, what="background sleep gone")
    out = env.rows(f"SELECT stdout_tail, term_signal FROM execution_output "
                   f"WHERE execution_id = {e['id']}")[0]
    assert out["stdout_tail"] == "started\n" and out["term_signal"] == "15"


def test_task_timeout_column_applies_when_smaller(env):
    tid = env.task("timeout-col", "example_task", {"duration_seconds": 30, "steps": 3},
                   timeout_seconds=1, max_retries=1, retry_interval=60)
    e = env.wait_final(env.trigger(tid), timeout=20)
    assert e["status"] == "failed" and e["error_message"] == "timed out after 1 s"
    # a timeout counts as a failure for retries
    env.wait(lambda: env.count(f"task_id = {tid} AND trigger_type = 'retry' "
                               f"AND status = 'pending'") == 1, what="the retry row")


def test_cancel_stops_a_running_command_and_does_not_retry(env, tmp_path):
    pidfile = tmp_path / "c.pid"
    tid = env.task("cancel", "common_task",
                   {"command": f"sleep 300 & echo $! > {pidfile}; wait"}, max_retries=3)
    eid = env.trigger(tid)
    env.wait(lambda: pidfile.exists() and pidfile.read_text().strip(), what="the command runs")
    env.cancel(eid)
    e = env.wait_final(eid, timeout=15)
    assert e["status"] == "terminated" and e["error_message"] == "cancelled"
    assert not pid_alive(int(pidfile.read_text()))
    time.sleep(1)
    assert env.count(f"task_id = {tid}") == 1
    stats = env.rows(f"SELECT terminations FROM task_stats_daily WHERE task_id = {tid}")
    assert stats == [{"terminations": "1"}]


def test_cancel_of_a_running_example_task(env):
    tid = env.task("cancel-ex", "example_task", {"duration_seconds": 60, "steps": 60})
    eid = env.trigger(tid)
    env.wait(lambda: env.execution(eid)["status"] == "running", what="running")
    env.cancel(eid)
    e = env.wait_final(eid, timeout=10)
    assert e["status"] == "terminated"
    assert json.loads(e["result"])["success"] is False


def test_pending_cancel_never_runs(env):
    tid = env.task("cancel-pending", "common_task", {"command": "touch /tmp/zq-must-not-run"})
    eid = env.trigger(tid, not_before_ms=env.now_ms() + 3600 * 1000, wake=False)
    env.cancel(eid)
    e = env.wait_final(eid, timeout=15)
    assert e["status"] == "terminated" and e["start_time"] is None
    assert not os.path.exists("/tmp/zq-must-not-run")


def test_output_bomb_keeps_daemon_memory_flat(env):
    pid = env.d.pid
    tid = env.task("bomb", "common_task",
                   {"command": "head -c 1073741824 /dev/zero; echo done; echo end >&2"})
    warm = env.wait_final(env.trigger(tid, config_override={"command": "seq 1 1000"}))
    assert warm["status"] == "success"
    before = SchedEnv.rss_kb(pid)
    e = env.wait_final(env.trigger(tid), timeout=300)
    after = SchedEnv.rss_kb(pid)
    assert e["status"] == "success", e
    out = env.rows(f"SELECT stdout_bytes, CHAR_LENGTH(stdout_tail) AS n, stderr_tail "
                   f"FROM execution_output WHERE execution_id = {e['id']}")[0]
    assert int(out["stdout_bytes"]) == 1073741824 + 5
    assert int(out["n"]) <= 64 * 1024 and out["stderr_tail"] == "end\n"
    print(f"daemon VmRSS before {before} kB, after {after} kB")
    assert after - before < 16 * 1024, (before, after)


def test_stats_rollup_counts_final_statuses(env):
    tid = env.task("stats", "example_task", {"duration_seconds": 0, "steps": 1})
    ids = [env.trigger(tid) for _ in range(3)]
    ids.append(env.trigger(tid, config_override={"success_rate": 0}))
    for i in ids:
        env.wait_final(i)
    s = env.rows(f"SELECT runs, successes, failures, terminations, skipped, last_end_at "
                 f"FROM task_stats_daily WHERE task_id = {tid}")
    assert len(s) == 1
    assert (s[0]["runs"], s[0]["successes"], s[0]["failures"]) == ("4", "3", "1")


def test_deleting_a_running_task_stops_its_command(env, tmp_path):
    pidfile = tmp_path / "d.pid"
    tid = env.task("deleted", "common_task",
                   {"command": f"sleep 300 & echo $! > {pidfile}; wait"}, max_retries=2)
    env.trigger(tid)
    env.wait(lambda: pidfile.exists() and pidfile.read_text().strip(), what="the command runs")
    env.sql(f"DELETE FROM scheduled_tasks WHERE id = {tid}")  # executions cascade
    bg = int(pidfile.read_text())
    env.wait(lambda: not pid_alive(bg), timeout=15, what="the orphaned command stopped")
    assert env.count(f"task_id = {tid}") == 0
    env.wait(lambda: "no longer running on this node" in env.d.output(), what="the log line")


def test_an_outcome_the_database_refuses_does_not_block_the_others(env):
    poison = env.task("poison", "example_task", {"duration_seconds": 0, "steps": 1})
    fine = env.task("fine", "example_task", {"duration_seconds": 0, "steps": 1})
    env.sql(f"""DELIMITER //
CREATE TRIGGER zq_test_poison BEFORE UPDATE ON task_executions FOR EACH ROW
IF NEW.status = 'success' AND NEW.task_id = {poison} THEN
  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'poisoned outcome';
END IF//
DELIMITER ;""")
    try:
        ids = [env.trigger(poison), env.trigger(fine), env.trigger(fine)]
        bad, *good = [env.wait_final(i) for i in ids]
    finally:
        env.sql("DROP TRIGGER IF EXISTS zq_test_poison")
    assert bad["status"] == "failed", bad
    assert bad["error_message"].startswith("could not record the outcome"), bad
    assert "poisoned outcome" in bad["error_message"]
    assert all(g["status"] == "success" for g in good), good
    e = env.wait_final(env.trigger(poison))
    assert e["status"] == "success"
