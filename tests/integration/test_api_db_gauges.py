"""zq-api's /metrics: the gauges read from the database (tasks by state,
executions running / pending, the oldest pending age, nodes alive), the same
whichever process answers, cached ~2 s per process (README "Metrics")."""
import os
import sys

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_util import create, example_body, insert_execution  # noqa: E402
from zqstack import wait_for  # noqa: E402


def gauges(stack):
    out = {}
    for line in requests.get(stack.api_url + "/metrics", timeout=10).text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
    return out


def test_database_gauges_follow_the_tables(stack, admin):
    before = gauges(stack)
    for k in ('zq_tasks{state="enabled"}', 'zq_tasks{state="disabled"}', 'zq_tasks{state="paused"}',
              'zq_executions{status="running"}', 'zq_executions{status="pending"}',
              "zq_executions_oldest_pending_seconds", "zq_nodes_alive"):
        assert k in before, k
    create(admin, stack, example_body())
    off = create(admin, stack, example_body(enabled=False))
    paused = create(admin, stack, example_body())
    assert admin.post(f"{stack.api_url}/scheduler/tasks/{paused['id']}/pause",
                      timeout=10).status_code < 300
    insert_execution(stack, off["id"])  # pending, not before 2099: nobody claims it

    def moved():
        g = gauges(stack)
        d = {k: g[k] - before[k] for k in before if k.startswith("zq_tasks") or
             k.startswith("zq_executions{")}
        return d if (d['zq_tasks{state="enabled"}'] == 1 and d['zq_tasks{state="disabled"}'] == 1
                     and d['zq_tasks{state="paused"}'] == 1
                     and d['zq_executions{status="pending"}'] == 1) else None
    # cached at most ZQ_METRICS_DB_TTL_MS (2 s) per process
    wait_for(moved, timeout=20, interval=0.5, what="the database gauges")
    g = gauges(stack)
    assert g["zq_executions_oldest_pending_seconds"] >= 0
    assert g["zq_nodes_alive"] >= 0
