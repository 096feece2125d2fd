"""Alert rules turned into alerts and outbox rows (db/store/alert_detect*.c,
db/notify/alert_sweep.c, the hooks in scheduler/settle.c and fire.c): final
failures after the retries (each_attempt: every attempt), recovery, timeouts,
skipped fires, missed deadlines, fires not started while no daemon runs,
long runs, scheduler_down / up, a task's own rules over the global ones, one
event per channel with three processes sweeping, and one delivery to a
receiver. Assertions read the alerts and alert_events rows."""
import json
import os
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from alert_receivers import ALERT_CONFIG, HttpReceiver, make_channel  # noqa: E402
from api_util import create, manual_body, unique  # noqa: E402
from zqstack import wait_for, Stack  # noqa: E402

RULES_RECHECK_S = 2.5   # ALERT_RULES_RECHECK_MS: how long a process may miss the first rule


@pytest.fixture(scope="module")
def stack():
    s = Stack(extra_config=ALERT_CONFIG).start()
    s.killed = set()
    yield s
    statuses = s.stop()
    reports = s.sanitizer_reports()
    s.cleanup()
    bad = {k: v for k, v in statuses.items() if v not in (0, None) and k not in s.killed}
    assert not reports, "sanitizer reports:\n" + "\n".join(reports)
    assert not bad, f"daemons exited badly on SIGTERM: {bad}"


@pytest.fixture(scope="module")
def rx():
    r = HttpReceiver().start()
    yield r
    r.stop()


@pytest.fixture(scope="module")
def adm(stack):
    return stack.session("admin")


@pytest.fixture(scope="module")
def chans(stack, rx, adm):
    """Two webhook channels at the receiver, and a first enabled rule, so
    every process's "any rule?" flag is up before the tests run."""
    rx.expect("/sink", "webhook")
    ids = [make_channel(stack, unique("ch"), "webhook", {"url": rx.url("/sink")})
           for _ in range(2)]
    t = task(stack, adm, "true")
    rule(stack, adm, "on_failure", ids[:1], task_id=t)
    time.sleep(RULES_RECHECK_S)
    return ids


# ---- helpers ---------------------------------------------------------------------------

def task(stack, adm, command, **over):
    body = manual_body(config={"command": command}, **over)
    return create(adm, stack, body)["id"]


def rule(stack, adm, kind, channels, **over):
    body = {"kind": kind, "channels": channels}
    body.update(over)
    r = adm.post(stack.api_url + "/alert-rules", json=body, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def delete_rule(stack, adm, rid):
    r = adm.delete(stack.api_url + f"/alert-rules/{rid}", timeout=10)
    assert r.status_code in (200, 204), r.text


def trigger(stack, adm, tid, override=None):
    body = {"override": override} if override else None
    r = adm.post(stack.api_url + f"/scheduler/tasks/{tid}/trigger", json=body, timeout=10)
    assert r.status_code in (200, 201, 202), r.text
    return r.json().get("execution_id")


def count(stack, where):
    return int(stack.sql_value(f"SELECT COUNT(*) FROM alert_events WHERE {where}"))


def alerts_of(stack, where):
    cols = ("id", "rule_id", "kind", "state", "slot", "execution_id", "closed_reason",
            "summary", "last_sent_at")
    rows = stack.sql(f"SELECT {', '.join(cols)} FROM alerts WHERE {where} ORDER BY id")
    return [dict(zip(cols, r)) for r in rows]


def ended(stack, tid, n, status=None):
    """Wait until task tid has n ended executions and none pending/running."""
    cond = f"status = '{status}'" if status else "status NOT IN ('pending', 'running')"

    def done():
        rows = stack.sql(f"SELECT SUM({cond}), SUM(status IN ('pending', 'running')) "
                         f"FROM task_executions WHERE task_id = {tid}")
        return rows and rows[0][0] is not None and int(rows[0][0]) >= n and int(rows[0][1]) == 0
    wait_for(done, timeout=60, interval=0.2, what=f"{n} ended runs of task {tid}")


def settle(stack, where, n, timeout=30):
    """Wait for exactly n events matching where, then make sure no more come."""
    wait_for(lambda: count(stack, where) >= n, timeout=timeout, interval=0.2,
             what=f"{n} events where {where}")
    time.sleep(1.0)
    assert count(stack, where) == n, where


def facts(stack, where):
    return [json.loads(r[0]) for r in
            stack.sql(f"SELECT facts FROM alert_events WHERE {where} ORDER BY id")]


# ---- failures, retries, recovery ------------------------------------------------------------

def test_failure_after_the_last_retry_is_one_event_per_channel(stack, adm, chans):
    t = task(stack, adm, "exit 3", max_retries=2, retry_interval=1)
    r = rule(stack, adm, "on_failure", chans, task_id=t)
    trigger(stack, adm, t)
    ended(stack, t, 3, "failed")
    settle(stack, f"rule_id = {r}", 2)
    last = int(stack.sql_value(f"SELECT MAX(id) FROM task_executions WHERE task_id = {t}"))
    assert count(stack, f"rule_id = {r} AND event = 'failure' AND execution_id = {last}") == 2
    assert sorted(int(x[0]) for x in stack.sql(
        f"SELECT channel_id FROM alert_events WHERE rule_id = {r}")) == sorted(chans)
    a = alerts_of(stack, f"rule_id = {r}")
    assert len(a) == 1 and a[0]["state"] == "open" and a[0]["kind"] == "on_failure", a
    assert a[0]["slot"] == str(last) and a[0]["execution_id"] == str(last), a
    f = facts(stack, f"rule_id = {r}")[0]
    assert f["event"] == "failure" and f["rule_kind"] == "on_failure" and f["repeat"] is False
    assert f["alert_id"] == int(a[0]["id"]) and f["rule_id"] == r
    assert f["task"]["id"] == t and f["task"]["type"] == "manual_task"
    e = f["execution"]
    assert e["id"] == last and e["status"] == "failed" and e["retry_count"] == 2
    assert e["max_retries"] == 2 and e["trigger_type"] == "retry" and "3" in e["error"]
    for k in ("start_time", "end_time"):
        assert len(e[k]) == 24 and e[k].endswith("Z") and e[k][19] == ".", e[k]
    assert f["detected_at"].endswith("Z") and len(f["detected_at"]) == 24


def test_each_attempt_writes_an_event_per_failed_attempt(stack, adm, chans):
    t = task(stack, adm, "exit 1", max_retries=2, retry_interval=1)
    r = rule(stack, adm, "on_failure", chans[:1], task_id=t, params={"each_attempt": True})
    trigger(stack, adm, t)
    ended(stack, t, 3, "failed")
    settle(stack, f"rule_id = {r} AND event = 'failure'", 3)
    assert len(alerts_of(stack, f"rule_id = {r}")) == 3


def test_recovery_closes_the_failure_alert(stack, adm, chans):
    t = task(stack, adm, "exit 1")
    rf = rule(stack, adm, "on_failure", chans[:1], task_id=t)
    rr = rule(stack, adm, "on_recovery", chans, task_id=t)
    trigger(stack, adm, t)
    ended(stack, t, 1, "failed")
    settle(stack, f"rule_id = {rf}", 1)
    assert count(stack, f"rule_id = {rr}") == 0
    trigger(stack, adm, t, override={"command": "true"})
    ended(stack, t, 1, "success")
    settle(stack, f"rule_id = {rr} AND event = 'recovery'", 2)
    a = alerts_of(stack, f"rule_id = {rf}")
    assert a[0]["state"] == "closed" and a[0]["closed_reason"] == "recovered", a
    f = facts(stack, f"rule_id = {rr}")[0]
    assert f["alert_id"] == int(a[0]["id"]) and f["execution"]["status"] == "success"
    # a second success: nothing open, no event
    trigger(stack, adm, t, override={"command": "true"})
    ended(stack, t, 2, "success")
    time.sleep(0.5)
    assert count(stack, f"rule_id = {rr}") == 2


def test_timeout_is_on_timeout_else_a_failure(stack, adm, chans):
    t1 = task(stack, adm, "sleep 20", timeout_seconds=1)
    rt = rule(stack, adm, "on_timeout", chans[:1], task_id=t1)
    rf = rule(stack, adm, "on_failure", chans[:1], task_id=t1)
    t2 = task(stack, adm, "sleep 20", timeout_seconds=1)
    rf2 = rule(stack, adm, "on_failure", chans[:1], task_id=t2)
    trigger(stack, adm, t1)
    trigger(stack, adm, t2)
    ended(stack, t1, 1, "failed")
    ended(stack, t2, 1, "failed")
    settle(stack, f"rule_id = {rt} AND event = 'timeout'", 1)
    assert count(stack, f"rule_id = {rf}") == 0
    settle(stack, f"rule_id = {rf2} AND event = 'failure'", 1)
    assert facts(stack, f"rule_id = {rt}")[0]["execution"]["error"].startswith("timed out after")


def test_skipped_fire_max_instances(stack, adm, chans):
    t = task(stack, adm, "sleep 3", task_type="common_task", interval_seconds=1,
             max_instances=1)
    r = rule(stack, adm, "on_skipped", chans[:1], task_id=t)
    wait_for(lambda: count(stack, f"rule_id = {r} AND event = 'skipped'") >= 1, timeout=30,
             interval=0.2, what="a skipped event")
    assert adm.post(stack.api_url + f"/scheduler/tasks/{t}/disable", timeout=10).status_code < 300
    n_skipped = int(stack.sql_value(
        f"SELECT COUNT(*) FROM task_executions WHERE task_id = {t} AND status = 'skipped'"))
    time.sleep(0.5)
    assert count(stack, f"rule_id = {r}") == n_skipped
    f = facts(stack, f"rule_id = {r}")[0]
    assert f["event"] == "skipped" and f["execution"]["status"] == "skipped"
    assert "max_instances" in f["execution"]["error"]


# ---- rules of a task over the global ones ----------------------------------------------------

def test_global_default_and_task_override(stack, adm, chans):
    g = rule(stack, adm, "on_failure", chans[:1])
    try:
        a = task(stack, adm, "exit 1")
        b = task(stack, adm, "exit 1")
        own = rule(stack, adm, "on_failure", chans[1:], task_id=b)
        c = task(stack, adm, "exit 1")
        rule(stack, adm, "on_failure", chans, task_id=c, enabled=False)
        for t in (a, b, c):
            trigger(stack, adm, t)
        for t in (a, b, c):
            ended(stack, t, 1, "failed")
        settle(stack, f"task_id = {a} AND rule_id = {g}", 1)
        settle(stack, f"task_id = {b} AND rule_id = {own}", 1)
        assert count(stack, f"task_id = {b} AND rule_id = {g}") == 0
        assert count(stack, f"task_id = {c}") == 0
    finally:
        delete_rule(stack, adm, g)


# ---- clock rules -----------------------------------------------------------------------------

def test_duration_max_seconds_opens_then_closes_when_finished(stack, adm, chans):
    t = task(stack, adm, "sleep 4")
    r = rule(stack, adm, "duration", chans, task_id=t, params={"max_seconds": 1})
    trigger(stack, adm, t)
    settle(stack, f"rule_id = {r} AND event = 'duration'", 2, timeout=20)
    a = alerts_of(stack, f"rule_id = {r}")
    assert len(a) == 1 and a[0]["state"] == "open" and "max_seconds" in a[0]["summary"], a
    ended(stack, t, 1, "success")
    wait_for(lambda: alerts_of(stack, f"rule_id = {r}")[0]["state"] == "closed", timeout=10,
             interval=0.2, what="duration alert closed")
    assert alerts_of(stack, f"rule_id = {r}")[0]["closed_reason"] == "finished"


def test_duration_factor_of_the_median(stack, adm, chans):
    t = task(stack, adm, "sleep 3")
    stack.sql(f"INSERT INTO task_executions (task_id, trigger_type, status, not_before, "
              f"start_time, end_time, duration_ms) SELECT {t}, 'manual', 'success', NOW(3), "
              f"NOW(3), NOW(3), 400 FROM seq_1_to_3")
    few = rule(stack, adm, "duration", chans[:1], task_id=t,
               params={"factor": 2.0, "min_runs": 3})
    trigger(stack, adm, t)
    settle(stack, f"rule_id = {few} AND event = 'duration'", 1, timeout=20)
    a = alerts_of(stack, f"rule_id = {few}")
    assert "median 0.4 s of the last 3 successes" in a[0]["summary"], a
    ended(stack, t, 4, "success")


def _backdate(stack, rid, tid):
    stack.sql(f"UPDATE alert_rules SET created_at = NOW(3) - INTERVAL 1 HOUR WHERE id = {rid}; "
              f"UPDATE scheduled_tasks SET created_at = NOW(3) - INTERVAL 1 HOUR WHERE id = {tid}")


def test_deadline_missed_is_one_event_and_none_after_a_success(stack, adm, chans):
    now = stack.sql_value("SELECT DATE_FORMAT(NOW() - INTERVAL 1 MINUTE, '%H:%i')")
    if now.startswith("00:00") or now == "23:59":
        pytest.skip("too close to midnight UTC")
    params = {"time": now, "timezone": "UTC", "days": "*"}
    missed = task(stack, adm, "true")
    kept = task(stack, adm, "true")
    stack.sql(f"INSERT INTO task_executions (task_id, trigger_type, status, not_before, "
              f"start_time, end_time, duration_ms) VALUES ({kept}, 'manual', 'success', "
              f"NOW(3) - INTERVAL 3 MINUTE, NOW(3) - INTERVAL 3 MINUTE, "
              f"NOW(3) - INTERVAL 2 MINUTE, 60000)")
    rm = rule(stack, adm, "deadline", chans, task_id=missed, params=params)
    rk = rule(stack, adm, "deadline", chans, task_id=kept, params=params)
    _backdate(stack, rm, missed)
    _backdate(stack, rk, kept)
    settle(stack, f"rule_id = {rm} AND event = 'deadline'", 2)
    assert count(stack, f"rule_id = {rk}") == 0
    a = alerts_of(stack, f"rule_id = {rm}")
    today = stack.sql_value("SELECT DATE_FORMAT(NOW(), '%Y-%m-%d')")
    assert len(a) == 1 and a[0]["slot"] == today and a[0]["state"] == "open", a
    f = facts(stack, f"rule_id = {rm}")[0]
    assert f["detail"] == f"no success by {now} UTC" and f["execution"] is None
    trigger(stack, adm, missed)
    ended(stack, missed, 1, "success")
    wait_for(lambda: alerts_of(stack, f"rule_id = {rm}")[0]["state"] == "closed", timeout=10,
             interval=0.2, what="deadline alert closed")
    assert alerts_of(stack, f"rule_id = {rm}")[0]["closed_reason"] == "succeeded"
    assert count(stack, f"rule_id = {rm}") == 2


def test_deadline_of_a_task_on_a_business_calendar_skips_its_holidays(stack, adm, chans):
    """A task on a calendar: a deadline on a day the calendar says is no
    business day (today, a holiday) says nothing; on a business day it does."""
    now = stack.sql_value("SELECT DATE_FORMAT(NOW() - INTERVAL 1 MINUTE, '%H:%i')")
    if now.startswith("00:00") or now == "23:59":
        pytest.skip("too close to midnight UTC")
    today = stack.sql_value("SELECT DATE_FORMAT(NOW(), '%Y-%m-%d')")
    params = {"time": now, "timezone": "UTC", "days": "*"}
    cals = {}
    for name, holidays in (("dl-hol", [today]), ("dl-biz", [])):
        r = adm.post(stack.api_url + "/scheduler/calendars", json={
            "name": name, "timezone": "UTC", "weekend": [], "holidays": holidays,
            "covered_from": "2020-01-01", "covered_until": "2099-12-31"}, timeout=10)
        assert r.status_code == 201, r.text
        cals[name] = r.json()["id"]
    off = task(stack, adm, "true", task_type="common_task", cron_expression="0 0 1 1 *",
               timezone="UTC", calendar="dl-hol")
    on = task(stack, adm, "true", task_type="common_task", cron_expression="0 0 1 1 *",
              timezone="UTC", calendar="dl-biz")
    roff = rule(stack, adm, "deadline", chans, task_id=off, params=params)
    ron = rule(stack, adm, "deadline", chans, task_id=on, params=params)
    _backdate(stack, roff, off)
    _backdate(stack, ron, on)
    settle(stack, f"rule_id = {ron} AND event = 'deadline'", 2)
    assert count(stack, f"rule_id = {roff}") == 0
    assert alerts_of(stack, f"rule_id = {roff}") == []


def test_a_calendar_that_ran_out_alerts_at_once_and_closes_when_extended(stack, adm, chans):
    """A task stopped at its calendar's coverage will never start: the
    not_started rule says so at once (not `after` s past a fire that is not
    coming), and the alert closes when the calendar is extended."""
    r = adm.post(stack.api_url + "/scheduler/calendars", json={
        "name": "ns-short", "timezone": "UTC", "weekend": [6, 7], "holidays": [],
        "covered_from": "2020-01-01", "covered_until": "2021-12-31"}, timeout=10)
    assert r.status_code == 201, r.text
    cal = r.json()["id"]
    t = task(stack, adm, "true", task_type="common_task", cron_expression="0 18 * * *",
             timezone="UTC", calendar="ns-short")
    assert stack.sql_value(f"SELECT next_run_at IS NULL FROM scheduled_tasks WHERE id = {t}") == "1"
    ns = rule(stack, adm, "not_started", chans[:1], task_id=t, params={"after": 3600})
    settle(stack, f"rule_id = {ns} AND event = 'not_started'", 1, timeout=30)
    a = alerts_of(stack, f"rule_id = {ns}")
    assert len(a) == 1 and a[0]["slot"] == "calendar:ns-short:2021-12-31", a
    f = facts(stack, f"rule_id = {ns}")[0]
    assert f["detail"] == "calendar ns-short has no data after 2021-12-31: not scheduled further", f
    r = adm.put(stack.api_url + f"/scheduler/calendars/{cal}",
                json={"covered_until": "2099-12-31"}, timeout=10)
    assert r.status_code == 200, r.text
    wait_for(lambda: alerts_of(stack, f"rule_id = {ns}")[0]["state"] == "closed", timeout=15,
             interval=0.2, what="the calendar alert to close")
    assert alerts_of(stack, f"rule_id = {ns}")[0]["closed_reason"] == "scheduled"


def test_not_started_and_scheduler_down_while_no_daemon_runs(stack, adm, chans):
    down = rule(stack, adm, "scheduler_down", chans[:1], params={"after": 2})
    try:
        t = task(stack, adm, "true", task_type="common_task", interval_seconds=3600)
        ns = rule(stack, adm, "not_started", chans[:1], task_id=t, params={"after": 2})
        d = stack.schedulers[0]
        assert d.stop(timeout=60) == 0
        stack.schedulers.remove(d)
        stack.sql(f"UPDATE scheduled_tasks SET next_run_at = NOW(3) - INTERVAL 1 SECOND "
                  f"WHERE id = {t}")
        # zq-api's alert thread sweeps alone
        settle(stack, f"rule_id = {ns} AND event = 'not_started'", 1, timeout=30)
        settle(stack, f"rule_id = {down} AND event = 'scheduler_down'", 1, timeout=30)
        a = alerts_of(stack, f"rule_id = {ns}")
        assert len(a) == 1 and a[0]["slot"].endswith("Z") and a[0]["state"] == "open", a
        stack.start_scheduler()
        ended(stack, t, 1, "success")
        wait_for(lambda: alerts_of(stack, f"rule_id = {ns}")[0]["state"] == "closed",
                 timeout=20, interval=0.2, what="not_started alert closed")
        assert alerts_of(stack, f"rule_id = {ns}")[0]["closed_reason"] == "started"
        settle(stack, f"rule_id = {down} AND event = 'scheduler_up'", 1, timeout=30)
        a = alerts_of(stack, f"rule_id = {down}")
        assert a[-1]["state"] == "closed" and a[-1]["closed_reason"] == "up", a
        assert count(stack, f"rule_id = {ns}") == 1
    finally:
        delete_rule(stack, adm, down)


# ---- several processes ------------------------------------------------------------------------

def test_three_processes_alert_once(stack, adm, chans):
    extra = stack.start_scheduler(name="zq-scheduler-extra")
    try:
        wait_for(lambda: int(stack.sql_value(
            "SELECT COUNT(*) FROM scheduler_nodes WHERE state = 'running' "
            "AND heartbeat_at > NOW(3) - INTERVAL 3 SECOND")) >= 2, timeout=30,
            what="two schedulers")
        time.sleep(RULES_RECHECK_S)
        t = task(stack, adm, "exit 1")
        rf = rule(stack, adm, "on_failure", chans, task_id=t)
        long = task(stack, adm, "sleep 4")
        rd = rule(stack, adm, "duration", chans, task_id=long, params={"max_seconds": 1})
        trigger(stack, adm, t)
        trigger(stack, adm, long)
        ended(stack, t, 1, "failed")
        settle(stack, f"rule_id = {rf}", 2)
        ended(stack, long, 1, "success")
        settle(stack, f"rule_id = {rd}", 2)
        assert len(alerts_of(stack, f"rule_id = {rd}")) == 1
    finally:
        assert extra.stop(timeout=60) == 0
        stack.schedulers.remove(extra)


def test_a_failure_reaches_the_receiver(stack, adm, chans, rx):
    rx.expect("/e2e", "webhook", "e2e-secret")
    cid = make_channel(stack, unique("e2e"), "webhook",
                       {"url": rx.url("/e2e"), "secret": "e2e-secret"})
    t = task(stack, adm, "echo boom >&2; exit 7")
    r = rule(stack, adm, "on_failure", [cid], task_id=t)
    eid = trigger(stack, adm, t)
    got = rx.wait_for(1, path="/e2e", timeout=30)[0]
    assert got.verified, got.verify_error
    body = got.json
    assert body["event"] == "failure" and body["rule_id"] == r and body["version"] == 1
    assert body["task"]["id"] == t and body["execution"]["status"] == "failed"
    if eid:
        assert body["execution"]["id"] == eid
    row = stack.sql(f"SELECT id FROM alert_events WHERE rule_id = {r}")
    assert len(row) == 1 and got.headers["x-zq-event-id"] == row[0][0]


# ---- repeats, ack, silence ------------------------------------------------------------------

def test_repeats_until_acked_and_a_silenced_rule(stack, adm, chans):
    t = task(stack, adm, "exit 1")
    r = rule(stack, adm, "on_failure", chans[:1], task_id=t, repeat_every=1)
    q = task(stack, adm, "exit 1")
    rq = rule(stack, adm, "on_failure", chans[:1], task_id=q,
              silenced_until="2099-01-01T00:00:00.000Z")
    trigger(stack, adm, t)
    trigger(stack, adm, q)
    wait_for(lambda: count(stack, f"rule_id = {r} AND is_repeat = 1") >= 2, timeout=20,
             interval=0.2, what="two repeats")
    f = facts(stack, f"rule_id = {r} AND is_repeat = 1")[0]
    assert f["repeat"] is True and f["event"] == "failure"
    aid = alerts_of(stack, f"rule_id = {r}")[0]["id"]
    assert adm.post(stack.api_url + f"/alerts/{aid}/ack", timeout=10).status_code < 300
    time.sleep(0.5)
    n = count(stack, f"rule_id = {r}")
    time.sleep(2.5)
    assert count(stack, f"rule_id = {r}") == n
    settle(stack, f"rule_id = {rq}", 1)
    assert stack.sql_value(f"SELECT status FROM alert_events WHERE rule_id = {rq}") == "silenced"


# ---- workflows ---------------------------------------------------------------------------------

def test_a_failed_workflow_run_alerts_by_its_own_rules(stack, adm, chans):
    ok = task(stack, adm, "true")
    bad = task(stack, adm, "exit 4")
    wf = create(adm, stack, {
        "name": unique("wf"), "task_type": "workflow", "cron_expression": "0 0 1 1 *",
        "config": {"workflow_type": "serial", "on_failure": "stop",
                   "tasks": [{"task_id": ok, "dependencies": []},
                             {"task_id": bad, "dependencies": [ok]}]}})["id"]
    rw = rule(stack, adm, "on_failure", chans[:1], task_id=wf)
    rb = rule(stack, adm, "on_failure", chans[:1], task_id=bad)
    eid = trigger(stack, adm, wf)
    ended(stack, wf, 1, "failed")
    settle(stack, f"rule_id = {rw} AND event = 'failure'", 1)
    assert facts(stack, f"rule_id = {rw}")[0]["execution"]["id"] == eid
    assert facts(stack, f"rule_id = {rw}")[0]["task"]["type"] == "workflow"
    settle(stack, f"rule_id = {rb} AND event = 'failure'", 1)
    assert count(stack, f"task_id = {ok}") == 0
