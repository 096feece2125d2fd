"""The workflow engine in zq-scheduler (README "Workflows"), against a private
MariaDB with daemons started per test: serial order without overlap, parallel
branches that overlap, joins that wait for every dependency, stop / continue
with skipped dependants, child retries, cancel, the run's timeout, progress,
nested workflows, and the faults: kill -9 of the daemon mid-run, two daemons
advancing the same runs. Node commands append "<start> <end>" lines to a file
per node, so "ran once" is what the processes did, not only what the rows say.
"""
import json
import os
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sched_util import SchedEnv, clean_between_tests, lit  # noqa: E402


@pytest.fixture(scope="module")
def env():
    e = SchedEnv().start()
    yield e
    e.close()


@pytest.fixture(autouse=True)
def clean(env):
    yield from clean_between_tests(env)


# ---- helpers -------------------------------------------------------------------------

def node(env, tmp_path, name, secs=0.0, code=0, **cols):
    """A manual task that records when it ran, prints progress, sleeps, exits code."""
    log = tmp_path / f"{name}.runs"
    cmd = (f"s=$(date +%s.%N); echo '##progress 1/2 {name} working'; sleep {secs}; "
           f"echo \"$s $(date +%s.%N)\" >> {log}; exit {code}")
    return env.task(name, "manual_task", {"command": cmd}, **cols)


def runs_of(tmp_path, name):
    """[(start, end)] of every time node `name`'s command ran to its end."""
    f = tmp_path / f"{name}.runs"
    if not f.exists():
        return []
    return [tuple(float(x) for x in line.split()) for line in f.read_text().splitlines()]


def workflow(env, name, wf_type, nodes, on_failure=None, **cols):
    """nodes: [(task_id, [dependency task ids])]."""
    cfg = {"workflow_type": wf_type,
           "tasks": [{"task_id": t, "name": f"n{t}", "dependencies": deps} for t, deps in nodes]}
    if on_failure:
        cfg["on_failure"] = on_failure
    return env.task(name, "workflow", cfg, **cols)


def children(env, parent):
    return env.rows(
        "SELECT id, task_id, status, trigger_type, retry_count, error_message, node_id, "
        "cancel_requested, created_by, UNIX_TIMESTAMP(start_time) AS st, "
        "UNIX_TIMESTAMP(end_time) AS en FROM task_executions "
        f"WHERE parent_execution_id = {parent} ORDER BY id")


def by_task(rows):
    out = {}
    for r in rows:
        out.setdefault(int(r["task_id"]), []).append(r)
    return out


def run(env, wf_id, timeout=60, **kw):
    eid = env.trigger(wf_id, **kw)
    return eid, env.wait_final(eid, timeout=timeout)


def overlap(a, b):
    return a[0] < b[1] and b[0] < a[1]


# ---- order ---------------------------------------------------------------------------

def test_serial_runs_one_node_at_a_time_in_topological_order(env, tmp_path):
    env.daemon()
    a, b, c, d = (node(env, tmp_path, n, secs=0.5) for n in ("sa", "sb", "sc", "sd"))
    # c needs b, b needs a; d and a are free: ties go by list order, so d
    # (listed before a) runs first, then a, b, c
    wf = workflow(env, "serial", "serial", [(c, [b]), (d, []), (b, [a]), (a, [])])
    eid, parent = run(env, wf)
    assert parent["status"] == "success", parent
    assert parent["error_message"] is None
    kids = children(env, eid)
    assert [int(k["task_id"]) for k in kids] == [d, a, b, c]
    assert all(k["status"] == "success" and k["trigger_type"] == "workflow" for k in kids)
    assert all(k["created_by"] == "test" for k in kids)  # the trigger's actor, passed down
    spans = [runs_of(tmp_path, n) for n in ("sd", "sa", "sb", "sc")]
    assert all(len(s) == 1 for s in spans), spans
    for prev, nxt in zip(spans, spans[1:]):
        assert nxt[0][0] >= prev[0][1], f"serial nodes overlapped: {spans}"
    assert parent["current_step"] == "4" and parent["total_steps"] == "4"
    assert parent["progress_percent"] == "100"
    assert parent["node_id"] is None, "a workflow parent holds no worker, so no node"
    result = json.loads(parent["result"])
    assert result["success"] is True and result["nodes_succeeded"] == 4
    assert [n["task_id"] for n in result["nodes"]] == [d, a, b, c]
    assert [n["execution_id"] for n in result["nodes"]] == [int(k["id"]) for k in kids]
    stats = env.rows(f"SELECT runs, successes FROM task_stats_daily WHERE task_id = {wf}")
    assert stats == [{"runs": "1", "successes": "1"}]


def test_parallel_branches_overlap_and_a_join_waits_for_both(env, tmp_path):
    env.daemon()
    a = node(env, tmp_path, "pa", secs=2)
    b = node(env, tmp_path, "pb", secs=3)
    c = node(env, tmp_path, "pc", secs=0)
    d = node(env, tmp_path, "pd", secs=0)
    wf = workflow(env, "parallel", "parallel", [(a, []), (b, []), (c, [a, b]), (d, [c])])
    eid, parent = run(env, wf)
    assert parent["status"] == "success", parent
    ra, rb, rc, rd = (runs_of(tmp_path, n)[0] for n in ("pa", "pb", "pc", "pd"))
    assert overlap(ra, rb), f"independent branches ran one after the other: {ra} {rb}"
    assert rc[0] >= max(ra[1], rb[1]), "the join started before both dependencies ended"
    assert rd[0] >= rc[1]
    kids = by_task(children(env, eid))
    assert all(len(v) == 1 for v in kids.values()) and len(kids) == 4


def test_parallel_is_bounded_by_the_pool_and_the_parent_needs_no_worker(env, tmp_path):
    # one worker: the parent must not hold it, or its children could never run
    env.daemon(scheduler__threads="1")
    names = [f"q{i}" for i in range(4)]
    ids = [node(env, tmp_path, n, secs=0.3) for n in names]
    wf = workflow(env, "bounded", "parallel", [(t, []) for t in ids])
    eid, parent = run(env, wf)
    assert parent["status"] == "success", parent
    spans = sorted(runs_of(tmp_path, n)[0] for n in names)
    for x, y in zip(spans, spans[1:]):
        assert y[0] >= x[1], f"more children ran at once than there are workers: {spans}"


# ---- failures --------------------------------------------------------------------------

def test_stop_ends_failed_lets_running_nodes_finish_and_starts_no_more(env, tmp_path):
    env.daemon()
    bad = node(env, tmp_path, "xbad", secs=0, code=3)
    slow = node(env, tmp_path, "xslow", secs=3)
    after_bad = node(env, tmp_path, "xafter", secs=0)
    after_slow = node(env, tmp_path, "xnext", secs=0)
    wf = workflow(env, "stopper", "parallel",
                  [(bad, []), (slow, []), (after_bad, [bad]), (after_slow, [slow])],
                  on_failure="stop")
    eid, parent = run(env, wf)
    assert parent["status"] == "failed", parent
    assert parent["error_message"] == f"task {bad} (n{bad}) failed: exit code 3"
    kids = by_task(children(env, eid))
    assert set(kids) == {bad, slow}, "nothing new starts after a failure"
    assert kids[slow][0]["status"] == "success", "a running node finishes"
    assert float(parent["end_ms"]) / 1000 >= runs_of(tmp_path, "xslow")[0][1] - 0.01
    assert runs_of(tmp_path, "xafter") == [] and runs_of(tmp_path, "xnext") == []
    result = json.loads(parent["result"])
    assert result["nodes_failed"] == 1 and result["nodes_not_run"] == 2


def test_serial_stop_is_the_default(env, tmp_path):
    env.daemon()
    a = node(env, tmp_path, "da", code=0)
    b = node(env, tmp_path, "db", code=1)
    c = node(env, tmp_path, "dc", code=0)
    wf = workflow(env, "default-stop", "serial", [(a, []), (b, [a]), (c, [b])])
    eid, parent = run(env, wf)
    assert parent["status"] == "failed" and "exit code 1" in parent["error_message"]
    assert sorted(by_task(children(env, eid))) == [a, b]


def test_continue_skips_dependants_and_runs_independent_branches(env, tmp_path):
    env.daemon()
    bad = node(env, tmp_path, "cbad", code=2)
    good = node(env, tmp_path, "cgood", secs=0.5)
    dep = node(env, tmp_path, "cdep")          # needs bad: skipped
    dep2 = node(env, tmp_path, "cdep2")        # needs dep: skipped in turn
    ok2 = node(env, tmp_path, "cok2")          # needs good: runs
    wf = workflow(env, "continuer", "parallel",
                  [(bad, []), (good, []), (dep, [bad]), (dep2, [dep]), (ok2, [good])],
                  on_failure="continue")
    eid, parent = run(env, wf)
    assert parent["status"] == "completed", parent
    assert parent["error_message"].startswith("1 of 5 nodes failed, 2 skipped; first: "
                                              f"task {bad} (n{bad}) failed: exit code 2")
    kids = by_task(children(env, eid))
    assert kids[bad][0]["status"] == "failed"
    assert kids[good][0]["status"] == "success" and kids[ok2][0]["status"] == "success"
    assert kids[dep][0]["status"] == "skipped"
    assert kids[dep][0]["error_message"] == f"dependency {bad} failed"
    assert kids[dep2][0]["status"] == "skipped"
    assert kids[dep2][0]["error_message"] == f"dependency {dep} was skipped"
    assert runs_of(tmp_path, "cdep") == [] and runs_of(tmp_path, "cdep2") == []
    skipped = env.value(f"SELECT SUM(skipped) FROM task_stats_daily WHERE task_id IN ({dep}, {dep2})")
    assert skipped == "2"
    # nothing failed: continue ends success
    wf2 = workflow(env, "continuer-ok", "parallel", [(good, []), (ok2, [good])],
                   on_failure="continue")
    _, parent2 = run(env, wf2)
    assert parent2["status"] == "success", parent2


def test_child_retries_happen_before_a_node_counts_as_failed(env, tmp_path):
    env.daemon()
    marker = tmp_path / "flaky.once"
    flaky = env.task("flaky", "manual_task", {
        "command": f"if [ -e {marker} ]; then exit 0; else touch {marker}; exit 5; fi"},
        max_retries=2, retry_interval=1)
    after = node(env, tmp_path, "rafter")
    wf = workflow(env, "retrying", "serial", [(flaky, []), (after, [flaky])])
    eid, parent = run(env, wf)
    assert parent["status"] == "success", parent
    kids = by_task(children(env, eid))
    assert [(k["status"], k["trigger_type"], k["retry_count"]) for k in kids[flaky]] == [
        ("failed", "workflow", "0"), ("success", "retry", "1")]
    assert float(kids[after][0]["st"]) >= float(kids[flaky][1]["en"])
    # retries used up: the node fails, and so does the run (stop)
    always = env.task("always-bad", "manual_task", {"command": "exit 4"}, max_retries=1,
                      retry_interval=0)
    wf2 = workflow(env, "retry-out", "serial", [(always, []), (after, [always])])
    eid2, parent2 = run(env, wf2)
    assert parent2["status"] == "failed" and "exit code 4" in parent2["error_message"]
    kids2 = by_task(children(env, eid2))
    assert [k["status"] for k in kids2[always]] == ["failed", "failed"] and after not in kids2


# ---- cancel, timeout, progress -----------------------------------------------------------

def test_cancel_stops_running_children_and_starts_no_more(env, tmp_path):
    env.daemon()
    long_ = node(env, tmp_path, "klong", secs=60)
    side = node(env, tmp_path, "kside", secs=60)
    later = node(env, tmp_path, "klater")
    wf = workflow(env, "cancelled", "parallel", [(long_, []), (side, []), (later, [long_])])
    eid = env.trigger(wf)
    env.wait(lambda: env.count(f"parent_execution_id = {eid} AND status = 'running'") == 2,
             what="two children running")
    running = env.execution(eid)
    assert running["status"] == "running" and running["current_step"] == "0"
    assert running["total_steps"] == "3"
    msg = running["progress_message"]
    assert msg.startswith("running ") and f"n{long_}" in msg and f"n{side}" in msg, msg
    t0 = time.time()
    env.cancel(eid)
    parent = env.wait_final(eid, timeout=30)
    assert parent["status"] == "terminated" and parent["error_message"] == "cancelled"
    assert time.time() - t0 < 15
    kids = by_task(children(env, eid))
    assert set(kids) == {long_, side}
    assert all(k[0]["status"] == "terminated" for k in kids.values())
    assert env.count("status IN ('pending', 'running')") == 0
    stats = env.rows(f"SELECT terminations FROM task_stats_daily WHERE task_id = {wf}")
    assert stats == [{"terminations": "1"}]


def test_the_tasks_timeout_covers_the_whole_run(env, tmp_path):
    env.daemon()
    steps = [node(env, tmp_path, f"t{i}", secs=1.5) for i in range(3)]
    wf = workflow(env, "timed", "serial", [(t, []) for t in steps], timeout_seconds=2)
    eid, parent = run(env, wf, timeout=30)
    assert parent["status"] == "failed", parent
    assert parent["error_message"] == "timed out after 2 s"
    kids = by_task(children(env, eid))
    assert kids[steps[0]][0]["status"] == "success"
    assert kids[steps[1]][0]["status"] == "terminated"  # stopped by the run's limit
    assert steps[2] not in kids
    assert env.count(f"task_id = {wf}") == 1, "a workflow run is not retried as a whole"


def test_a_run_longer_than_the_lease_is_never_reaped(env, tmp_path):
    env.daemon()
    a = node(env, tmp_path, "lease-a", secs=8)   # lease_s is 6
    b = node(env, tmp_path, "lease-b", secs=0)
    wf = workflow(env, "long", "serial", [(a, []), (b, [a])])
    eid, parent = run(env, wf, timeout=60)
    assert parent["status"] == "success", parent
    assert len(children(env, eid)) == 2


# ---- plans that cannot run -------------------------------------------------------------

def test_a_plan_that_cannot_run_fails_at_once_with_the_reason(env, tmp_path):
    env.daemon()
    a = node(env, tmp_path, "ia")
    off = node(env, tmp_path, "ioff", enabled=False)
    wf = workflow(env, "uses-disabled", "serial", [(a, []), (off, [a])])
    eid, parent = run(env, wf)
    assert parent["status"] == "failed"
    assert parent["error_message"] == f"these tasks are disabled: {off}"
    assert children(env, eid) == []
    # a trigger's config_override is part of the plan, and checked like it
    eid, parent = run(env, wf, config_override={"tasks": [{"task_id": 999999}]})
    assert parent["error_message"] == "these tasks do not exist: 999999"
    eid, parent = run(env, wf, config_override={"workflow_type": "zigzag"})
    assert parent["error_message"] == ("invalid workflow: config.workflow_type: must be "
                                       "serial or parallel")
    eid, parent = run(env, wf, config_override={"tasks": [{"task_id": a}]})
    assert parent["status"] == "success", "an override can also pick the nodes of one run"
    assert [int(k["task_id"]) for k in children(env, eid)] == [a]


# ---- nesting -------------------------------------------------------------------------------

def test_a_workflow_node_runs_as_a_child_workflow(env, tmp_path):
    env.daemon()
    a = node(env, tmp_path, "na", secs=0.5)
    b = node(env, tmp_path, "nb", secs=0.5)
    c = node(env, tmp_path, "nc")
    d = node(env, tmp_path, "nd")
    inner = workflow(env, "inner", "serial", [(a, []), (b, [a])])
    outer = workflow(env, "outer", "parallel", [(inner, []), (c, []), (d, [inner])])
    eid, parent = run(env, outer)
    assert parent["status"] == "success", parent
    kids = by_task(children(env, eid))
    inner_run = kids[inner][0]
    assert inner_run["status"] == "success" and inner_run["trigger_type"] == "workflow"
    grandkids = by_task(children(env, int(inner_run["id"])))
    assert sorted(grandkids) == [a, b]
    assert float(kids[d][0]["st"]) >= float(inner_run["en"]), "d waited for the whole inner run"
    # a failing inner run fails its node in the outer run
    bad = node(env, tmp_path, "nbad", code=1)
    inner2 = workflow(env, "inner-bad", "serial", [(bad, [])])
    outer2 = workflow(env, "outer-bad", "serial", [(inner2, []), (c, [inner2])],
                      on_failure="continue")
    eid2, parent2 = run(env, outer2)
    assert parent2["status"] == "completed", parent2
    kids2 = by_task(children(env, eid2))
    assert kids2[inner2][0]["status"] == "failed" and kids2[c][0]["status"] == "skipped"


def test_cancel_reaches_nested_runs(env, tmp_path):
    env.daemon()
    slow = node(env, tmp_path, "ncslow", secs=60)
    inner = workflow(env, "nc-inner", "serial", [(slow, [])])
    outer = workflow(env, "nc-outer", "serial", [(inner, [])])
    eid = env.trigger(outer)
    env.wait(lambda: env.count(f"task_id = {slow} AND status = 'running'") == 1,
             what="the nested node running")
    t0 = time.time()
    env.cancel(eid)
    parent = env.wait_final(eid, timeout=30)
    assert parent["status"] == "terminated", parent
    assert time.time() - t0 < 15
    inner_run = children(env, eid)[0]
    assert inner_run["status"] == "terminated"
    assert children(env, int(inner_run["id"]))[0]["status"] == "terminated"
    assert runs_of(tmp_path, "ncslow") == []


def test_a_workflow_that_would_run_inside_itself_is_stopped(env, tmp_path):
    # the API refuses such configs; the engine still never loops if one gets in
    env.daemon()
    a = node(env, tmp_path, "loop-a")
    w1 = workflow(env, "loop-1", "serial", [(a, [])])
    w2 = workflow(env, "loop-2", "serial", [(w1, [])])
    env.sql(f"UPDATE scheduled_tasks SET config = {lit({'workflow_type': 'serial', 'tasks': [{'task_id': w2}]})} "
            f"WHERE id = {w1}")
    eid, parent = run(env, w2, timeout=30)
    assert parent["status"] == "failed", parent
    inner = children(env, eid)
    assert len(inner) == 1 and inner[0]["status"] == "failed"
    nested = children(env, int(inner[0]["id"]))
    assert len(nested) == 1 and nested[0]["error_message"] == f"workflow {w2} would run inside itself"


# ---- faults --------------------------------------------------------------------------------

def test_kill9_mid_workflow_then_restart_completes_each_node_once(env, tmp_path):
    victim = env.daemon("wf-victim")
    a = node(env, tmp_path, "ka", secs=0.2)
    b = node(env, tmp_path, "kb", secs=4, max_retries=1, retry_interval=0)
    c = node(env, tmp_path, "kc", secs=0.2)
    wf = workflow(env, "survivor", "serial", [(a, []), (b, [a]), (c, [b])])
    eid = env.trigger(wf)
    env.wait(lambda: env.count(f"parent_execution_id = {eid} AND task_id = {b} AND "
                               "status = 'running'") == 1, what="b running")
    env.kill9(victim)
    env.daemon("wf-after")
    parent = env.wait_final(eid, timeout=60)
    assert parent["status"] == "success", parent
    kids = by_task(children(env, eid))
    assert len(kids[a]) == 1 and len(kids[c]) == 1, "finished nodes are not run again"
    # b was running on the dead daemon: reaped, then retried once
    assert [(k["status"], k["error_message"]) for k in kids[b]] == [
        ("failed", "scheduler node lost"), ("success", None)]
    assert len(runs_of(tmp_path, "ka")) == 1 and len(runs_of(tmp_path, "kc")) == 1
    assert len(runs_of(tmp_path, "kb")) == 1, "the killed attempt never finished"


def test_kill9_while_a_run_waits_then_restart_resumes_it(env, tmp_path):
    victim = env.daemon("wf-victim2")
    marker = tmp_path / "wait.once"
    a = env.task("wa", "manual_task", {
        "command": f"echo x >> {tmp_path}/wa.runs; if [ -e {marker} ]; then exit 0; "
                   f"else touch {marker}; exit 1; fi"}, max_retries=1, retry_interval=3)
    b = node(env, tmp_path, "wb")
    wf = workflow(env, "waiter", "serial", [(a, []), (b, [a])])
    eid = env.trigger(wf)
    # a failed once; its retry waits 3 s; nothing is running when the daemon dies
    env.wait(lambda: env.count(f"parent_execution_id = {eid} AND trigger_type = 'retry' AND "
                               "status = 'pending'") == 1, what="retry waiting")
    assert env.count("status = 'running' AND node_id IS NOT NULL") == 0
    env.kill9(victim)
    env.daemon("wf-after2")
    parent = env.wait_final(eid, timeout=60)
    assert parent["status"] == "success", parent
    kids = by_task(children(env, eid))
    assert [k["status"] for k in kids[a]] == ["failed", "success"] and len(kids[b]) == 1
    assert (tmp_path / "wa.runs").read_text().count("x") == 2
    assert len(runs_of(tmp_path, "wb")) == 1


def test_two_daemons_advancing_the_same_runs_start_no_node_twice(env, tmp_path):
    daemons = [env.daemon(f"wf-ha-{i}", scheduler__threads="4") for i in range(2)]
    names = [f"h{i}" for i in range(6)]
    ids = [node(env, tmp_path, n, secs=0.2) for n in names]
    h0, h1, h2, h3, h4, h5 = ids
    shape = [(h0, []), (h1, []), (h2, [h0, h1]), (h3, [h0]), (h4, [h2, h3]), (h5, [])]
    wfs = [workflow(env, f"ha-{i}", "parallel", shape) for i in range(8)]
    parents = [env.trigger(w, wake=False) for w in wfs]
    env.wake()
    for p in parents:
        assert env.wait_final(p, timeout=120)["status"] == "success"
    rows = env.rows("SELECT parent_execution_id AS p, COUNT(*) AS n, COUNT(DISTINCT task_id) AS t "
                    "FROM task_executions WHERE parent_execution_id IS NOT NULL GROUP BY p")
    assert len(rows) == 8 and all(r["n"] == "6" and r["t"] == "6" for r in rows), rows
    for n in names:
        assert len(runs_of(tmp_path, n)) == 8, f"{n} ran {len(runs_of(tmp_path, n))} times for 8 runs"
    # and the database itself refuses a second first attempt of a node
    with pytest.raises(RuntimeError, match="Duplicate entry"):
        env.sql("INSERT INTO task_executions (task_id, parent_execution_id, trigger_type, status, "
                f"not_before) VALUES ({h0}, {parents[0]}, 'workflow', 'pending', UTC_TIMESTAMP(3))")
    nodes = env.value("SELECT COUNT(DISTINCT node_id) FROM task_executions "
                      "WHERE parent_execution_id IS NOT NULL")
    advanced = [d.output().count("WORKFLOW exec=") for d in daemons]
    print(f"children ran on {nodes} daemons; WORKFLOW decisions per daemon: {advanced}")
    assert all(d.alive() for d in daemons)


def test_a_run_the_database_refuses_fails_alone(env, tmp_path):
    # the database refuses to start one node (a trigger stands for any such
    # error): that run fails with the reason, the daemon and other runs go on
    env.daemon()
    poison = node(env, tmp_path, "poison")
    fine = node(env, tmp_path, "fine", secs=0.2)
    bad_wf = workflow(env, "refused", "serial", [(fine, []), (poison, [fine])])
    good_wf = workflow(env, "unaffected", "parallel", [(fine, [])])
    env.sql(f"""DELIMITER //
CREATE TRIGGER zq_test_wf_poison BEFORE INSERT ON task_executions FOR EACH ROW
IF NEW.task_id = {poison} AND NEW.parent_execution_id IS NOT NULL THEN
  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'poisoned start';
END IF//
DELIMITER ;""")
    try:
        bad = env.trigger(bad_wf)
        good = [env.trigger(good_wf) for _ in range(3)]
        bad_end = env.wait_final(bad)
        good_ends = [env.wait_final(g) for g in good]
    finally:
        env.sql("DROP TRIGGER IF EXISTS zq_test_wf_poison")
    assert bad_end["status"] == "failed", bad_end
    assert bad_end["error_message"].startswith("workflow engine: "), bad_end
    assert "poisoned start" in bad_end["error_message"]
    assert by_task(children(env, bad)).keys() == {fine}
    assert all(g["status"] == "success" for g in good_ends), good_ends
    _, again = run(env, bad_wf)
    assert again["status"] == "success", again
