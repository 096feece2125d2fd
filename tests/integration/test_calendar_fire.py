"""zq-scheduler firing with business calendars, on a private stack (API and
daemon): a fire on a holiday does not happen (`only`), the next fire goes
past tomorrow's holiday, a fire moved by `next` keeps its slot as fire key
with the moved scheduled_time and the target day as business_date, a
calendar changed behind the daemon's back (SQL + version bump) is picked up,
the business-date environment reaches the command (calendar and none),
retries keep the business_date, the manual trigger's business_date (default,
given, refused with the field named), and the history filters.

Days are driven without waiting for them: a fire is made due by setting the
task's next_run_at to an instant that has just passed (as if the daemon had
computed it), and a cron slot is the current minute."""
import datetime as dt
import time

import pytest

from api_util import unique
from zqstack import Stack

CAL = "/scheduler/calendars"
TASKS = "/scheduler/tasks"
UTC = dt.timezone.utc


@pytest.fixture(scope="module")
def cs():
    s = Stack(scheduler=True).start()
    yield s
    statuses = s.stop()
    reports = s.sanitizer_reports()
    s.cleanup()
    assert not reports, "sanitizer reports:\n" + "\n".join(reports)
    assert all(v in (0, None) for v in statuses.values()), statuses


@pytest.fixture()
def adm(cs):
    return cs.session("admin")


@pytest.fixture(autouse=True)
def away_from_midnight():
    """Today and tomorrow (UTC) must not change under a test."""
    now = dt.datetime.now(UTC)
    left = (now.replace(hour=23, minute=59, second=59) - now).total_seconds()
    if left < 150:
        time.sleep(left + 3)


def today():
    return dt.datetime.now(UTC).date()


def day(n):
    return (today() + dt.timedelta(days=n)).isoformat()


def make_cal(adm, s, holidays=(), **body):
    body.setdefault("name", unique("cal").replace("-", "_"))
    body.setdefault("timezone", "UTC")
    body.setdefault("weekend", [])
    body.setdefault("covered_from", day(-40))
    body.setdefault("covered_until", day(400))
    body["holidays"] = list(holidays)
    r = adm.post(s.api_url + CAL, json=body, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()


def make_task(adm, s, command="true", **body):
    body.setdefault("name", unique("cf"))
    body.setdefault("task_type", "common_task")
    body.setdefault("timezone", "UTC")
    if "interval_seconds" not in body:
        body.setdefault("cron_expression", "0 0 1 1 *")
    body.setdefault("config", {"command": command, "timeout_seconds": 20})
    r = adm.post(s.api_url + TASKS, json=body, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()


def wait(pred, timeout=30, what="condition"):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.2)
    raise AssertionError("timed out waiting for " + what)


def execs(s, tid, cols="id, status, trigger_type, DATE_FORMAT(fire_key, '%Y-%m-%d %H:%i'), "
          "DATE_FORMAT(scheduled_time, '%Y-%m-%d %H:%i'), business_date"):
    return s.sql(f"SELECT {cols} FROM task_executions WHERE task_id = {tid} ORDER BY id")


def next_run(s, tid):
    return s.sql_value(f"SELECT DATE_FORMAT(next_run_at, '%Y-%m-%d %H:%i') FROM scheduled_tasks "
                       f"WHERE id = {tid}")


def due_now(s, tid, at="UTC_TIMESTAMP(3) - INTERVAL 1 SECOND"):
    s.sql(f"UPDATE scheduled_tasks SET misfire_grace_seconds = 3600, next_run_at = {at} "
          f"WHERE id = {tid}")


def this_minute():
    now = dt.datetime.now(UTC).replace(second=0, microsecond=0)
    return now, now.strftime("%Y-%m-%d %H:%M")


def test_only_no_fire_on_a_holiday_interval(cs, adm):
    c = make_cal(adm, cs, holidays=[day(0)])
    t = make_task(adm, cs, interval_seconds=2, calendar=c["name"])
    ctl = make_task(adm, cs, interval_seconds=2)
    # the API's first fire is already past today; the daemon never fires today
    assert next_run(cs, t["id"]) >= day(1), next_run(cs, t["id"])
    wait(lambda: len(execs(cs, ctl["id"])) >= 2, what="the control task's runs")
    assert execs(cs, t["id"]) == []
    # a next_run_at set today (as if computed before the holiday was known):
    # that one fire happens, the next one is tomorrow's, and no other today
    due_now(cs, t["id"])
    rows = wait(lambda: execs(cs, t["id"]), what="the forced fire")
    wait(lambda: (next_run(cs, t["id"]) or "") >= day(1), what="next_run_at moving to tomorrow")
    time.sleep(3)
    assert len(execs(cs, t["id"])) == 1, execs(cs, t["id"])
    assert rows[0][2] == "schedule" and rows[0][5] == day(0)
    assert rows[0][3] == rows[0][4]           # not moved: fire_key = scheduled_time


def test_cron_holiday_tomorrow_fires_the_day_after(cs, adm):
    now, slot = this_minute()
    c = make_cal(adm, cs, holidays=[day(1)])
    t = make_task(adm, cs, cron_expression=f"{now.minute} {now.hour} * * *",
                  calendar=c["name"])
    due_now(cs, t["id"], at=f"'{slot}:00'")
    rows = wait(lambda: execs(cs, t["id"]), what="today's fire")
    assert rows[0][3] == slot and rows[0][4] == slot and rows[0][5] == day(0), rows
    # tomorrow is the holiday: the next fire is the day after, same wall time
    wait(lambda: next_run(cs, t["id"]) == f"{day(2)} {slot[11:]}",
         what="next_run_at = the day after tomorrow (%s)" % next_run(cs, t["id"]))
    e = wait(lambda: adm.get(cs.api_url + f"{TASKS}/{t['id']}/executions", timeout=10).json(),
             what="history")
    assert e["executions"][0]["business_date"] == day(0)


def test_next_moves_a_fire_keeping_its_slot(cs, adm):
    now, slot = this_minute()
    yday = now - dt.timedelta(days=1)
    dow = (yday.weekday() + 1) % 7            # cron: 0 = Sunday
    c = make_cal(adm, cs, holidays=[day(-1)])
    t = make_task(adm, cs, cron_expression=f"{now.minute} {now.hour} * * {dow}",
                  calendar=c["name"], calendar_rule="next")
    # yesterday's slot (a holiday) moved to today, same wall time: due now
    due_now(cs, t["id"], at=f"'{slot}:00'")
    rows = wait(lambda: execs(cs, t["id"]), what="the moved fire")
    key = yday.strftime("%Y-%m-%d %H:%M")
    assert rows[0][3] == key, rows            # fire_key: the original slot
    assert rows[0][4] == slot, rows           # scheduled_time: the moved fire
    assert rows[0][5] == day(0), rows         # business_date: the day it moved to
    wait(lambda: next_run(cs, t["id"]) == (yday + dt.timedelta(days=7)).strftime("%Y-%m-%d %H:%M"),
         what="next week's slot (%s)" % next_run(cs, t["id"]))


def test_calendar_change_is_picked_up_by_the_daemon(cs, adm):
    c = make_cal(adm, cs)
    t = make_task(adm, cs, interval_seconds=2, calendar=c["name"])
    due_now(cs, t["id"])
    wait(lambda: len(execs(cs, t["id"])) >= 2, what="runs on a business day")
    # behind the API's back: today becomes a holiday, the version moves
    cs.sql(f"INSERT INTO calendar_days (calendar_id, day, kind) VALUES ({c['id']}, "
           f"'{day(0)}', 'holiday')")
    cs.sql(f"UPDATE calendars SET version = version + 1 WHERE id = {c['id']}")
    wait(lambda: (next_run(cs, t["id"]) or "") >= day(1), what="next_run_at = tomorrow")
    n = len(execs(cs, t["id"]))
    time.sleep(3)
    assert len(execs(cs, t["id"])) == n


def output(s, eid):
    return s.sql_value(f"SELECT stdout_tail FROM execution_output WHERE execution_id = {eid}")


def final(s, eid):
    return wait(lambda: s.sql_value(f"SELECT status FROM task_executions WHERE id = {eid} AND "
                                    f"status IN ('success', 'failed', 'terminated')"),
                what=f"execution {eid} to end")


ENV_CMD = ('echo "biz=$ZQ_BIZ_DATE prev=$ZQ_PREV_BIZ_DATE next=$ZQ_NEXT_BIZ_DATE '
           'cal=$ZQ_CALENDAR."')


def trigger(adm, s, tid, status=200, **body):
    r = adm.post(s.api_url + f"{TASKS}/{tid}/trigger", json=body, timeout=10)
    assert r.status_code == status, r.text
    return r.json()


def test_env_vars_reach_the_command_and_retries_keep_the_date(cs, adm):
    # business days around day(-3): day(-5) (day(-4) a holiday) and day(-2)
    c = make_cal(adm, cs, holidays=[day(-4)])
    t = make_task(adm, cs, command=ENV_CMD, calendar=c["name"])
    r = trigger(adm, cs, t["id"], business_date=day(-3))
    assert r["business_date"] == day(-3)
    assert final(cs, r["execution_id"]) == "success"
    assert output(cs, r["execution_id"]).strip() == (
        f"biz={day(-3)} prev={day(-5)} next={day(-2)} cal={c['name']}.")
    # without a calendar: the adjacent calendar days, ZQ_CALENDAR empty
    u = make_task(adm, cs, command=ENV_CMD)
    r = trigger(adm, cs, u["id"], business_date="2024-03-01")
    assert final(cs, r["execution_id"]) == "success"
    assert output(cs, r["execution_id"]).strip() == (
        "biz=2024-03-01 prev=2024-02-29 next=2024-03-02 cal=.")
    # a failed run's retry runs for the same business date
    f = make_task(adm, cs, command="exit 3", calendar=c["name"], max_retries=1, retry_interval=1)
    r = trigger(adm, cs, f["id"], business_date=day(-5))
    rows = wait(lambda: [x for x in execs(cs, f["id"], "trigger_type, status, business_date")
                         if x[0] == "retry" and x[1] in ("failed", "success")],
                what="the retry")
    assert rows[0][2] == day(-5)


def test_manual_trigger_business_date(cs, adm):
    # today a holiday: the default is the previous business day (day(-1))
    c = make_cal(adm, cs, holidays=[day(0), day(-2)], covered_until=day(10))
    t = make_task(adm, cs, calendar=c["name"])
    r = trigger(adm, cs, t["id"])
    assert r["business_date"] == day(-1)
    got = adm.get(cs.api_url + f"{TASKS}/{t['id']}/executions/{r['execution_id']}",
                  timeout=10).json()
    assert got["business_date"] == day(-1) and got["trigger"] == "manual"
    # BI reads it too (111: bi_executions gains business_date at the end)
    assert cs.sql_value("SELECT DATE_FORMAT(business_date, '%Y-%m-%d') FROM bi_executions "
                        f"WHERE execution_id = {r['execution_id']}") == day(-1)
    assert trigger(adm, cs, t["id"], business_date=day(-3))["business_date"] == day(-3)
    for bad, words in [("2026-13-01", "YYYY-MM-DD"), ("yesterday", "YYYY-MM-DD"), (20260101, "YYYY"),
                       (day(-2), "not a business day"), (day(20), "has no data after")]:
        r = trigger(adm, cs, t["id"], status=400, business_date=bad)
        assert r["detail"].startswith("body.business_date") and words in r["detail"], r
    # no calendar: today by default, any date given
    u = make_task(adm, cs)
    assert trigger(adm, cs, u["id"])["business_date"] == day(0)
    assert trigger(adm, cs, u["id"], business_date=day(0))["business_date"] == day(0)
    assert trigger(adm, cs, u["id"], business_date="2025-12-25")["business_date"] == "2025-12-25"


def test_history_filters_by_business_date(cs, adm):
    t = make_task(adm, cs)
    for d in ("2026-01-05", "2026-01-06", "2026-01-06", "2026-01-08"):
        trigger(adm, cs, t["id"], business_date=d)

    def dates(q):
        r = adm.get(cs.api_url + f"{TASKS}/{t['id']}/executions?{q}", timeout=10)
        assert r.status_code == 200, r.text
        return [e["business_date"] for e in r.json()["executions"]]

    assert dates("business_date=2026-01-06") == ["2026-01-06", "2026-01-06"]
    assert dates("business_date_from=2026-01-06") == ["2026-01-08", "2026-01-06", "2026-01-06"]
    assert dates("business_date_to=2026-01-06") == ["2026-01-06", "2026-01-06", "2026-01-05"]
    assert dates("business_date_from=2026-01-06&business_date_to=2026-01-07&limit=1") == [
        "2026-01-06"]
    assert len(dates("")) == 4
    for q, field in [("business_date=2026-1-6", "business_date"),
                     ("business_date_from=x", "business_date_from"),
                     ("business_date_from=2026-01-08&business_date_to=2026-01-05",
                      "business_date_to")]:
        r = adm.get(cs.api_url + f"{TASKS}/{t['id']}/executions?{q}", timeout=10)
        assert r.status_code == 400 and r.json()["detail"].startswith(field), r.text


def test_schedule_stops_at_the_coverage_limit(cs, adm):
    # the calendar ends today: after today's fire there is none to compute
    now, slot = this_minute()
    c = make_cal(adm, cs, covered_until=day(0))
    t = make_task(adm, cs, cron_expression=f"{now.minute} {now.hour} * * *", calendar=c["name"])
    due_now(cs, t["id"], at=f"'{slot}:00'")
    wait(lambda: execs(cs, t["id"]), what="today's fire")
    wait(lambda: cs.sql_value(f"SELECT next_run_at IS NULL FROM scheduled_tasks "
                              f"WHERE id = {t['id']}") == "1", what="next_run_at NULL")
    line = (f"task {t['id']} ({t['name']}): calendar {c['name']} has no data after {day(0)}: "
            f"not scheduled further")
    wait(lambda: line in cs.schedulers[0].output(), what="the warning: " + line)
    got = adm.get(cs.api_url + f"{TASKS}/{t['id']}", timeout=10).json()
    assert "has no data after" in got["schedule_status"], got
