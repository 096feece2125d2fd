"""Helpers shared by the test_api_*.py suites (zq-api's REST tests)."""
import itertools
import os
import subprocess

import requests

from run_state import refresh_sql, transaction

_seq = itertools.count(1)


def unique(prefix="t"):
    """A task / user name no other test uses."""
    return f"{prefix}-{os.getpid()}-{next(_seq)}"


def example_body(**over):
    body = {"name": unique("ex"), "task_type": "example_task", "cron_expression": "0 0 1 1 *",
            "config": {"duration_seconds": 1, "steps": 2, "success_rate": 1.0}}
    body.update(over)
    return body


def manual_body(**over):
    body = {"name": unique("man"), "task_type": "manual_task", "config": {"command": "true"}}
    body.update(over)
    return body


def create(session, stack, body, status=201):
    r = session.post(stack.api_url + "/scheduler/tasks", json=body, timeout=10)
    assert r.status_code == status, r.text
    return r.json()


def routes(stack):
    """The route table as (method, path, role) from `zq-api --routes`."""
    out = subprocess.run([stack.bin("zq-api"), "--routes"], capture_output=True, text=True,
                         check=True, env=stack.env("zq-api-routes")).stdout
    rows = []
    for line in out.splitlines():
        method, path, role = line.split("\t")[:3]
        rows.append((method, path, role))
    return rows


def session(token):
    s = requests.Session()
    s.headers["Authorization"] = "Bearer " + token
    return s


def login(stack, username, password):
    r = requests.post(stack.api_url + "/auth/login",
                      json={"username": username, "password": password}, timeout=30)
    return r


def insert_execution(stack, task_id, status="pending", not_before="2099-01-01 00:00:00", **cols):
    """A task_executions row written as the scheduler would (tests only):
    with the task's run state recomputed in the same transaction."""
    values = {"task_id": task_id, "trigger_type": "schedule", "status": status,
              "scheduled_time": "2026-01-20 10:00:00", "not_before": not_before}
    values.update(cols)
    names = ", ".join(values)
    vals = ", ".join("NULL" if v is None else (str(v) if isinstance(v, int) else
                     "'" + str(v).replace("\\", "\\\\").replace("'", "''") + "'")
                     for v in values.values())
    return int(stack.sql_value(transaction(
        f"INSERT INTO task_executions ({names}) VALUES ({vals}); SELECT LAST_INSERT_ID(); "
        + refresh_sql(f"t.id = {task_id}"))))


def set_execution_status(stack, exec_id, status):
    """Change an execution's status as the scheduler would (tests only)."""
    tid = int(stack.sql_value(f"SELECT task_id FROM task_executions WHERE id = {exec_id}"))
    stack.sql(transaction(f"UPDATE task_executions SET status = '{status}' WHERE id = {exec_id}; "
                          + refresh_sql(f"t.id = {tid}")))
