"""GET /scheduler/stats for all tasks reads task_stats_daily_all
(080_stats_all_tasks.sql), which the scheduler keeps in the transaction that
adds a run's counts to task_stats_daily (db/store/stats_store.c). A run's counts
appear in its task's figures and in the global ones, exactly once; the
global figures keep the runs of a task deleted later."""
import time

from api_util import create, example_body
from zqstack import wait_for

# every counter, all tasks: the rollup minus the per-task rows, one read view
DIFF = ("SELECT (SELECT COALESCE(SUM(runs), 0) FROM task_stats_daily_all) - "
        "(SELECT COALESCE(SUM(runs), 0) FROM task_stats_daily), "
        "(SELECT COALESCE(SUM(successes), 0) FROM task_stats_daily_all) - "
        "(SELECT COALESCE(SUM(successes), 0) FROM task_stats_daily), "
        "(SELECT COALESCE(SUM(failures), 0) FROM task_stats_daily_all) - "
        "(SELECT COALESCE(SUM(failures), 0) FROM task_stats_daily), "
        "(SELECT COALESCE(SUM(total_duration_ms), 0) FROM task_stats_daily_all) - "
        "(SELECT COALESCE(SUM(total_duration_ms), 0) FROM task_stats_daily)")
GLOBAL = ("SELECT COALESCE(SUM(runs), 0), COALESCE(SUM(successes), 0), "
          "COALESCE(SUM(failures), 0) FROM task_stats_daily_all")


def run(stack, admin, tid, n):
    ids = []
    for _ in range(n):
        r = admin.post(f"{stack.api_url}/scheduler/tasks/{tid}/trigger", timeout=10)
        assert r.status_code == 200, r.text
        ids.append(r.json()["execution_id"])
    return ids


def finished(stack, ids):
    return int(stack.sql_value(
        "SELECT COUNT(*) FROM task_executions WHERE id IN (%s) AND status IN "
        "('success', 'failed')" % ", ".join(map(str, ids)))) == len(ids)


def stable_global(stack, admin):
    """The API's global figures, read when no run ended around the read
    (other suites' tasks may still fire), and the SQL sums they must equal."""
    for _ in range(50):
        a = admin.get(stack.api_url + "/scheduler/stats?days=2", timeout=10).json()
        sql = tuple(int(x) for x in stack.sql(GLOBAL)[0])
        b = admin.get(stack.api_url + "/scheduler/stats?days=2", timeout=10).json()
        if a == b:
            return a, sql
        time.sleep(0.2)
    raise AssertionError("global stats never steady")


def test_a_run_counts_once_in_its_task_and_in_the_global_figures(stack, admin):
    ok = create(admin, stack, example_body(config={"duration_seconds": 0, "success_rate": 1}))
    bad = create(admin, stack, example_body(config={"duration_seconds": 0, "success_rate": 0}))
    diff0 = stack.sql(DIFF)[0]
    g0, _ = stable_global(stack, admin)
    ids = run(stack, admin, ok["id"], 3) + run(stack, admin, bad["id"], 2)
    wait_for(lambda: finished(stack, ids), timeout=60, what="the five runs to end")

    # per task: exactly these runs
    for tid, succ, fail in ((ok["id"], 3, 0), (bad["id"], 0, 2)):
        s = admin.get(stack.api_url + "/scheduler/stats", params={"task_id": tid, "days": 2},
                      timeout=10).json()
        assert (s["finished_count"], s["success_count"], s["failed_count"]) == (
            succ + fail, succ, fail), s
        assert sum(d["runs"] for d in s["daily"]) == succ + fail
    # all tasks: the rollup moved with the task rows, in the same transactions
    # (the difference of every counter unchanged, whatever else ran meanwhile)
    assert stack.sql(DIFF)[0] == diff0
    g1, sql = stable_global(stack, admin)
    assert (g1["finished_count"], g1["success_count"], g1["failed_count"]) == sql
    assert g1["success_count"] - g0["success_count"] >= 3
    assert g1["failed_count"] - g0["failed_count"] >= 2
    assert g1["daily"][-1]["runs"] - g0["daily"][-1]["runs"] >= 5 or \
        g1["daily"][-1]["day"] != g0["daily"][-1]["day"]
    assert sum(d["runs"] for d in g1["daily"]) <= g1["finished_count"]

    # a deleted task's runs stay in the global figures (they happened)
    assert admin.delete(f"{stack.api_url}/scheduler/tasks/{bad['id']}",
                        timeout=10).status_code in (200, 204)
    g2, sql = stable_global(stack, admin)
    assert (g2["finished_count"], g2["success_count"], g2["failed_count"]) == sql
    assert g2["failed_count"] >= g1["failed_count"]


def test_global_stats_read_a_few_rows_per_day(stack, admin):
    """The all-tasks figures do not grow with the number of tasks: 90 days
    of them are at most 4 rows a day (one per writer slot)."""
    rows = int(stack.sql_value("SELECT COUNT(*) FROM task_stats_daily_all WHERE "
                               "day >= UTC_DATE() - INTERVAL 89 DAY"))
    assert rows <= 4 * 90
    for _ in range(20):   # other suites' tasks may end a run between the two reads
        s = admin.get(stack.api_url + "/scheduler/stats?days=90", timeout=10).json()
        assert s["task_id"] is None and len(s["daily"]) == 90
        want = stack.sql("SELECT day, SUM(runs) FROM task_stats_daily_all WHERE "
                         "day >= UTC_DATE() - INTERVAL 89 DAY GROUP BY day")
        got = {d["day"]: d["runs"] for d in s["daily"] if d["runs"]}
        if got == {str(d): int(r) for d, r in want if int(r)}:
            break
        time.sleep(0.2)
    assert got == {str(d): int(r) for d, r in want if int(r)}
