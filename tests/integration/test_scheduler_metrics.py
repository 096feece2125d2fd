"""zq-scheduler's Prometheus endpoint (scheduler.metrics_listen, README
"Metrics"): counters move exactly with a known sequence of runs, the
lateness histogram has those observations, 404 for other paths, a silent
client does not stop the loop, and it is off by default."""
import os
import re
import socket
import sys
import time

import pytest
import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sched_util import SchedEnv, clean_between_tests  # noqa: E402
from zqstack import free_port, wait_for  # noqa: E402

OK = {"duration_seconds": 0, "steps": 1, "success_rate": 1.0}
BAD = {"duration_seconds": 0, "steps": 1, "success_rate": 0.0}


@pytest.fixture(scope="module")
def env():
    e = SchedEnv().start()
    yield e
    e.close()


@pytest.fixture(autouse=True)
def clean(env):
    yield from clean_between_tests(env)


def scrape(port, path="/metrics"):
    return requests.get(f"http://127.0.0.1:{port}{path}", timeout=10)


def parse(text):
    """{'name{labels}': value} of every sample line."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
    return out


def metrics_daemon(env):
    port = free_port()
    d = env.daemon(scheduler__metrics_listen=f"127.0.0.1:{port}")
    wait_for(lambda: "METRICS listening" in d.output_since_start(), what="the metrics listener")
    return d, port


def test_counters_follow_a_known_sequence_of_runs(env):
    d, port = metrics_daemon(env)
    r = scrape(port)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    before = parse(r.text)
    ok = env.task("m-ok", "example_task", OK, max_retries=0)
    bad = env.task("m-bad", "example_task", BAD, max_retries=0)
    # one fire a minute late, beyond its 1 s grace, not coalesced: one skipped row
    env.task("m-skip", "example_task", OK, interval_seconds=3600, misfire_grace_seconds=1,
             coalesce_misfires=0, next_run_at=env.now_ms() - 60000)
    ids = [env.trigger(ok) for _ in range(3)] + [env.trigger(bad) for _ in range(2)]
    for eid in ids:
        env.wait_final(eid)
    env.wait(lambda: env.count("status = 'skipped'") == 1, what="the misfire row")

    def settled():
        m = parse(scrape(port).text)
        key = 'zq_scheduler_outcomes_total{type="example_task",status="%s"}'
        done = (m[key % "success"] - before[key % "success"] == 3 and
                m[key % "failed"] - before[key % "failed"] == 2)
        return m if done else None
    after = wait_for(settled, timeout=30, interval=0.2, what="the outcomes counted")
    time.sleep(1.0)  # nothing more may arrive
    after = parse(scrape(port).text)

    def delta(k):
        return after[k] - before.get(k, 0)
    assert delta('zq_scheduler_outcomes_total{type="example_task",status="success"}') == 3
    assert delta('zq_scheduler_outcomes_total{type="example_task",status="failed"}') == 2
    assert delta('zq_scheduler_skipped_total{reason="misfire"}') == 1
    assert delta('zq_scheduler_skipped_total{reason="max_instances"}') == 0
    assert delta("zq_scheduler_starts_total") == 5
    assert delta("zq_scheduler_claims_total") == 5
    assert delta("zq_scheduler_fires_total") == 0  # manual triggers are not fires
    assert delta("zq_scheduler_retries_total") == 0
    assert delta("zq_scheduler_fire_lateness_seconds_count") == 5
    assert delta('zq_scheduler_fire_lateness_seconds_bucket{le="+Inf"}') == 5
    assert delta("zq_scheduler_run_duration_seconds_count") == 5
    assert delta("zq_scheduler_fire_lateness_seconds_sum") >= 0
    buckets = [v for k, v in after.items() if k.startswith("zq_scheduler_fire_lateness_seconds_bucket")]
    assert buckets == sorted(buckets)  # cumulative
    assert after["zq_scheduler_ticks_total"] > before["zq_scheduler_ticks_total"]
    assert after["zq_scheduler_workers_total"] == 4
    assert after["zq_scheduler_up"] == 1
    assert not any(re.search(r'task="|exec(ution)?_id', k) for k in after), "no id labels"


def workflow(env, name, nodes, **cfg):
    """A parallel workflow: nodes [(task_id, [dependency task ids])]."""
    cfg.update({"workflow_type": "parallel",
                "tasks": [{"task_id": t, "name": f"n{t}", "dependencies": deps} for t, deps in nodes]})
    return env.task(name, "workflow", cfg, max_retries=0)


def test_workflow_runs_move_the_counters(env):
    """A workflow's final state is committed by the engine, not by a worker's
    settle: it is counted too (type workflow), once its tick commits, and the
    nodes it records skipped under reason workflow."""
    d, port = metrics_daemon(env)
    ok = env.task("wf-ok-node", "example_task", OK, max_retries=0)
    bad = env.task("wf-bad-node", "example_task", BAD, max_retries=0)
    after_bad = env.task("wf-after-bad", "example_task", OK, max_retries=0)
    good = workflow(env, "wf-good", [(ok, [])])
    cont = workflow(env, "wf-continue", [(bad, []), (after_bad, [bad])], on_failure="continue")
    stop = workflow(env, "wf-stop", [(bad, [])])
    before = parse(scrape(port).text)
    ends = {}
    for wf in (good, cont, stop):  # one after the other: bad runs once at a time
        eid = env.trigger(wf)
        r = env.wait_final(eid, timeout=60)
        ends[wf] = (eid, r["status"], r.get("error_message"))
    assert [ends[w][1] for w in (good, cont, stop)] == ["success", "completed", "failed"], ends
    skipped = int(env.value("SELECT COUNT(*) FROM task_executions WHERE parent_execution_id = "
                            f"{ends[cont][0]} AND status = 'skipped'"))
    key = 'zq_scheduler_outcomes_total{type="%s",status="%s"}'

    def counted():
        m = parse(scrape(port).text)
        done = all(m[key % ("workflow", s)] - before[key % ("workflow", s)] == 1
                   for s in ("success", "completed", "failed"))
        return m if done else None
    wait_for(counted, timeout=30, interval=0.2, what="the workflow outcomes counted")
    time.sleep(1.0)
    after = parse(scrape(port).text)

    def delta(k):
        return after[k] - before.get(k, 0)
    for s in ("success", "completed", "failed"):
        assert delta(key % ("workflow", s)) == 1, s
    assert delta(key % ("example_task", "success")) == 1
    assert delta(key % ("example_task", "failed")) == 2
    assert skipped == 1
    assert delta('zq_scheduler_skipped_total{reason="workflow"}') == 1
    assert delta("zq_scheduler_run_duration_seconds_count") == 6  # three nodes, three workflows


def test_task_labels_are_bounded(env):
    """scheduler.metrics_task_labels: the outcome counters carry the task's
    name (escaped) for the first metrics_task_labels_max tasks, the rest
    under task="other"."""
    port = free_port()
    d = env.daemon(scheduler__metrics_listen=f"127.0.0.1:{port}",
                   scheduler__metrics_task_labels="true", scheduler__metrics_task_labels_max=2)
    wait_for(lambda: "METRICS listening" in d.output_since_start(), what="the metrics listener")
    names = ['lab "one" \\ x', "lab-two", "lab-three"]
    ids = [env.task(n, "example_task", OK, max_retries=0) for n in names]
    for t in ids:  # one after the other: the first two seen get the label
        env.wait_final(env.trigger(t))
    first = 'zq_scheduler_outcomes_total{task="lab \\"one\\" \\\\ x",type="example_task",status="success"}'
    second = 'zq_scheduler_outcomes_total{task="lab-two",type="example_task",status="success"}'
    other = 'zq_scheduler_outcomes_total{task="other",type="example_task",status="success"}'
    m = wait_for(lambda: (lambda m: m if m.get(other) == 1 else None)(parse(scrape(port).text)),
                 timeout=30, interval=0.2, what="the labelled outcomes")
    assert m[first] == 1 and m[second] == 1
    assert not any("lab-three" in k for k in m)
    assert not any(k.startswith("zq_scheduler_outcomes_total{type=") for k in m)


def test_backlog_gauges(env):
    """zq_scheduler_executions_pending follows the database within the
    refresh period (5 s); zq_scheduler_tasks_due is served."""
    d, port = metrics_daemon(env)
    t = env.task("m-later", "example_task", OK)
    for _ in range(3):  # pending, not due for an hour: nobody claims them
        env.trigger(t, not_before_ms=env.now_ms() + 3600 * 1000)
    m = wait_for(lambda: (lambda m: m if m.get("zq_scheduler_executions_pending") == 3 else None)(
        parse(scrape(port).text)), timeout=30, interval=0.5, what="the pending gauge")
    assert m["zq_scheduler_tasks_due"] >= 0
    assert m["zq_scheduler_backlog_updated_seconds"] > time.time() - 60


def test_other_paths_are_404_and_other_methods_refused(env):
    d, port = metrics_daemon(env)
    assert listening_inodes(d.pid)  # the check test_off_by_default relies on
    assert scrape(port, "/").status_code == 404
    assert scrape(port, "/metricsx").status_code == 404
    assert scrape(port, "/metrics?x=1").status_code == 200
    assert requests.post(f"http://127.0.0.1:{port}/metrics", timeout=10).status_code == 405
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"X" * 10000)  # no line end within the size cap
        try:
            data = s.recv(4096)
        except ConnectionResetError:  # closed with our excess bytes unread
            data = b""
        assert b"400" in data.split(b"\r\n")[0] or data == b""
    assert scrape(port).status_code == 200


def test_a_silent_client_does_not_stop_the_loop(env):
    d, port = metrics_daemon(env)
    ok = env.task("m-slow", "example_task", OK)
    silent = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(3)]
    try:
        eid = env.trigger(ok)
        assert env.wait_final(eid, timeout=20)["status"] == "success"
    finally:
        for s in silent:
            s.close()
    # and the endpoint still answers once they are gone (each is dropped after its timeout)
    assert wait_for(lambda: scrape(port).status_code == 200, timeout=20, what="a scrape")


def test_off_by_default(env):
    d = env.daemon()
    ok = env.task("m-off", "example_task", OK)
    env.wait_final(env.trigger(ok))
    assert "METRICS" not in d.output_since_start()
    assert not listening_inodes(d.pid), "zq-scheduler listens on TCP without metrics_listen"


def listening_inodes(pid):
    """Inodes of the TCP sockets in LISTEN state that process pid holds."""
    listen = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    cols = line.split()
                    if cols[3] == "0A":
                        listen.add(cols[9])
        except FileNotFoundError:
            pass
    mine = set()
    fd_dir = f"/proc/{pid}/fd"
    for fd in os.listdir(fd_dir):
        try:
            link = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if link.startswith("socket:["):
            mine.add(link[8:-1])
    return mine & listen


SHIPPED = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                       "scheduler", "metrics")


def test_shipped_rules_and_dashboard_name_real_metrics(env):
    """scheduler/metrics/: the alert rules (checked structurally: Debian's
    prometheus package, with promtool, is not a test dependency) and the
    Grafana dashboard use only metric families this daemon serves."""
    import json

    import yaml
    d, port = metrics_daemon(env)
    text = scrape(port).text
    families = {f for f, _ in re.findall(r"^# TYPE (\S+) (\S+)", text, re.M)}
    served = families | {f + s for f in families for s in ("_bucket", "_sum", "_count")} | {"up"}
    rules_path = os.path.join(SHIPPED, "prometheus-rules.yml")
    rules = yaml.safe_load(open(rules_path))
    alerts = {r["alert"]: r for g in rules["groups"] for r in g["rules"]}
    for name in ("ZqSchedulerDown", "ZqSchedulerBacklogGrowing", "ZqSchedulerFailureRate"):
        assert name in alerts, name
    exprs = [r["expr"] for r in alerts.values()]
    for r in alerts.values():
        assert r["labels"]["severity"] in ("critical", "warning")
        assert r["annotations"]["summary"]
    dash = json.load(open(os.path.join(SHIPPED, "grafana-dashboard.json")))
    assert dash["title"] == "zq-scheduler" and dash["panels"]
    exprs += [t["expr"] for p in dash["panels"] for t in p["targets"]]
    for e in exprs:
        assert e.count("(") == e.count(")"), e
        for name in re.findall(r"\b(zq_scheduler_\w+|up)\b(?=\{|\[|\)|\s|$)", e):
            assert name in served, (name, e)
