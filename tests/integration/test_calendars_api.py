"""Business calendars through the REST API and zq-db on a private stack (no
scheduler): CRUD by id and by name, validation errors that name the field,
the roles, PATCH of days, the days of a range, the CSV import (API and
zq-db), version bumps; tasks with a calendar and rule: next_run_time skips a
holiday, a calendar change recomputes it in the same request, the
schedule_status at the coverage limit, 409 on deleting a calendar in use;
the cron preview with skipped days."""
import datetime as dt
import os
from zoneinfo import ZoneInfo

import pytest

from api_util import example_body, unique
from zqstack import Stack

CAL = "/scheduler/calendars"


@pytest.fixture(scope="module")
def cstack():
    s = Stack(scheduler=False).start()
    yield s
    statuses = s.stop()
    reports = s.sanitizer_reports()
    s.cleanup()
    assert not reports, "sanitizer reports:\n" + "\n".join(reports)
    assert all(v in (0, None) for v in statuses.values()), statuses


@pytest.fixture()
def adm(cstack):
    return cstack.session("admin")


def cal_name():
    return unique("cal").replace("-", "_")


def make(adm, s, status=201, **body):
    body.setdefault("name", cal_name())
    r = adm.post(s.api_url + CAL, json=body, timeout=10)
    assert r.status_code == status, r.text
    return r.json()


def today(zone):
    return dt.datetime.now(ZoneInfo(zone)).date()


def iso(d):
    return d.isoformat()


def test_crud_by_id_and_name_with_version_bumps(cstack, adm):
    s = cstack
    c = make(adm, s, timezone="Asia/Shanghai", holidays=["2026-10-01", "2026-01-01"],
             workdays=["2026-09-27"], description="test")
    assert c["holidays"] == ["2026-01-01", "2026-10-01"] and c["workdays"] == ["2026-09-27"]
    assert c["weekend"] == [6, 7] and c["timezone"] == "Asia/Shanghai"
    assert (c["covered_from"], c["covered_until"]) == ("2026-01-01", "2026-12-31")
    assert c["version"] == 1 and c["tasks"] == 0
    by_name = adm.get(s.api_url + CAL + "/" + c["name"], timeout=10).json()
    assert by_name["id"] == c["id"] and by_name["holidays"] == c["holidays"]
    items = adm.get(s.api_url + CAL, timeout=10).json()["items"]
    row = [i for i in items if i["id"] == c["id"]][0]
    assert "holidays" not in row and row["holiday_count"] == 2
    assert row["covered_until"] == "2026-12-31"
    r = adm.put(s.api_url + CAL + "/" + c["name"], json={"holidays": ["2027-05-01"],
                                                         "weekend": [5, 6]}, timeout=10)
    assert r.status_code == 200, r.text
    u = r.json()
    assert u["holidays"] == ["2027-05-01"] and u["workdays"] == ["2026-09-27"]
    assert u["weekend"] == [5, 6] and u["version"] == 2
    assert (u["covered_from"], u["covered_until"]) == ("2026-01-01", "2027-12-31")
    r = adm.put(s.api_url + CAL + "/%d" % c["id"], json={"covered_until": "2030-12-31"},
                timeout=10)
    assert r.json()["covered_until"] == "2030-12-31" and r.json()["version"] == 3
    assert adm.delete(s.api_url + CAL + "/" + c["name"], timeout=10).status_code == 204
    assert adm.get(s.api_url + CAL + "/%d" % c["id"], timeout=10).status_code == 404
    assert adm.get(s.api_url + CAL + "/nosuch", timeout=10).status_code == 404


@pytest.mark.parametrize("body,detail", [
    ({"holidays": ["2026-01-01", "2026-01-02", "2026-01-05", "2026-02-30"]},
     "body.holidays[3]: '2026-02-30' is not a date"),
    ({"holidays": ["2026-01-01"], "weekend": [6, 8]}, "body.weekend[1]"),
    ({"holidays": ["2026-01-01"], "weekend": "6,7"}, "body.weekend: "),
    ({"holidays": ["2026-01-01"], "timezone": "Mars/Base"}, "body.timezone: unknown time zone"),
    ({"holidays": ["2026-10-01"], "workdays": ["2026-10-01"]}, "both a holiday and a workday"),
    ({}, "body.covered_until: required when the calendar lists no days"),
    ({"holidays": ["2026-01-01"], "color": "red"}, "body.color: unknown field"),
    ({"holidays": ["2026-01-01"], "version": 3}, "body.version: read-only field"),
    ({"holidays": ["2026-01-01"], "name": "a/b"}, "body.name: "),
    ({"holidays": ["2026-01-01"], "name": "123"}, "body.name: must not be all digits"),
    ({"holidays": ["2026-01-01"], "covered_from": "2027-01-01", "covered_until": "2026-12-31"},
     "body.covered_until: "),
])
def test_validation_errors_name_the_field(cstack, adm, body, detail):
    body = dict(body)
    body.setdefault("name", cal_name())
    r = adm.post(cstack.api_url + CAL, json=body, timeout=10)
    assert r.status_code == 400 and detail in r.json()["detail"], r.text


def test_too_many_days_and_duplicate_name(cstack, adm):
    s = cstack
    start = dt.date(2000, 1, 1)
    days = [iso(start + dt.timedelta(days=i)) for i in range(20001)]
    r = adm.post(s.api_url + CAL, json={"name": cal_name(), "holidays": days}, timeout=30)
    assert r.status_code == 400 and "20000" in r.json()["detail"], r.text
    c = make(adm, s, holidays=["2026-01-01"])
    r = adm.post(s.api_url + CAL, json={"name": c["name"], "holidays": ["2026-01-02"]}, timeout=10)
    assert r.status_code == 409 and "body.name" in r.json()["detail"], r.text


def test_roles_admin_writes_viewer_reads(cstack, adm):
    s = cstack
    c = make(adm, s, holidays=["2026-01-01"])
    viewer, oper = s.session("viewer"), s.session("operator")
    assert viewer.get(s.api_url + CAL, timeout=10).status_code == 200
    assert viewer.get(s.api_url + CAL + "/" + c["name"], timeout=10).status_code == 200
    assert viewer.get(s.api_url + CAL + "/" + c["name"] + "/days?from=2026-01-01&to=2026-01-31",
                      timeout=10).status_code == 200
    assert viewer.post(s.api_url + CAL, json={"name": cal_name(), "holidays": []},
                       timeout=10).status_code == 403
    assert oper.put(s.api_url + CAL + "/" + c["name"], json={"description": "x"},
                    timeout=10).status_code == 403
    assert oper.delete(s.api_url + CAL + "/" + c["name"], timeout=10).status_code == 403
    assert oper.patch(s.api_url + CAL + "/" + c["name"] + "/days", json={"remove": []},
                      timeout=10).status_code == 403


def test_patch_days_and_days_of_a_range(cstack, adm):
    s = cstack
    c = make(adm, s, holidays=["2026-10-01", "2026-10-02"], weekend=[6, 7])
    url = s.api_url + CAL + "/" + c["name"]
    r = adm.patch(url + "/days", json={"add": [{"date": "2026-10-08", "kind": "holiday"},
                                               {"date": "2026-10-10", "kind": "workday"}],
                                       "remove": ["2026-10-02"]}, timeout=10)
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["holidays"] == ["2026-10-01", "2026-10-08"] and p["workdays"] == ["2026-10-10"]
    assert p["version"] == 2
    r = adm.patch(url + "/days", json={"add": [{"date": "2026-13-01"}]}, timeout=10)
    assert r.status_code == 400 and "body.add[0].date" in r.json()["detail"], r.text
    d = adm.get(url + "/days?from=2026-10-01&to=2026-10-11", timeout=10).json()
    assert d["business_days"] == ["2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07",
                                  "2026-10-09", "2026-10-10"]
    assert d["holidays"] == ["2026-10-01", "2026-10-08"] and d["workdays"] == ["2026-10-10"]
    for q, field in [("from=2026-10-01", "to: required"), ("from=2026-10-01&to=2027-01-05", "to: "),
                     ("from=2025-12-31&to=2026-01-05", "from: "), ("from=x&to=2026-01-01", "from: ")]:
        r = adm.get(url + "/days?" + q, timeout=10)
        assert r.status_code == 400 and r.json()["detail"].startswith(field), (q, r.text)


def test_csv_import_api_and_zq_db(cstack, adm):
    s = cstack
    c = make(adm, s, holidays=["2025-05-01"], covered_until="2025-12-31")
    url = s.api_url + CAL + "/" + c["name"] + "/import"
    csv = "date,kind\n# a comment\n2026-01-01,holiday\n\n2026-02-07 workday\n"
    r = adm.post(url, data=csv, headers={"Content-Type": "text/csv"}, timeout=10)
    assert r.status_code == 200, r.text
    assert r.json()["added"] == 2 and r.json()["covered_until"] == "2026-12-31"
    got = adm.get(s.api_url + CAL + "/" + c["name"], timeout=10).json()
    assert got["holidays"] == ["2025-05-01", "2026-01-01"] and got["workdays"] == ["2026-02-07"]
    assert got["version"] == 2
    r = adm.post(url + "?replace=true", json={"csv": "2027-01-01,holiday\n"}, timeout=10)
    assert r.status_code == 200, r.text
    got = adm.get(s.api_url + CAL + "/" + c["name"], timeout=10).json()
    assert got["holidays"] == ["2027-01-01"] and got["workdays"] == []
    r = adm.post(url, data="2026-01-01,holiday\n2026-13-01,holiday\n",
                 headers={"Content-Type": "text/csv"}, timeout=10)
    assert r.status_code == 400 and r.json()["detail"].startswith("body: line 2"), r.text
    # zq-db: creates the calendar when missing, lists it
    name = cal_name()
    path = os.path.join(s.tmp, name + ".csv")
    with open(path, "w") as f:
        f.write("date,kind\n2026-10-01,holiday\n2026-10-11,workday\n")
    _, out, _ = s.zq_db("calendar", "import", name, path, "--timezone", "Asia/Shanghai",
                        "--weekend", "6,7")
    assert "2 days" in out, out
    got = adm.get(s.api_url + CAL + "/" + name, timeout=10).json()
    assert got["holidays"] == ["2026-10-01"] and got["workdays"] == ["2026-10-11"]
    assert got["timezone"] == "Asia/Shanghai"
    _, out, _ = s.zq_db("calendar", "list")
    assert name in out


def at_local(day, hour, zone):
    t = dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=ZoneInfo(zone))
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def test_task_with_calendar_skips_a_holiday_and_follows_changes(cstack, adm):
    s, zone = cstack, "Asia/Shanghai"
    t0 = today(zone)
    d1, d2 = t0 + dt.timedelta(days=1), t0 + dt.timedelta(days=2)
    # today and tomorrow are holidays, no weekend: the next fire is the day after
    c = make(adm, s, timezone=zone, weekend=[], holidays=[iso(t0), iso(d1)],
             covered_until=iso(t0 + dt.timedelta(days=400)))
    body = example_body(cron_expression="0 18 * * *", timezone=zone, calendar=c["name"])
    r = adm.post(s.api_url + "/scheduler/tasks", json=body, timeout=10)
    assert r.status_code == 201, r.text
    task = r.json()
    assert task["calendar"] == c["name"] and task["calendar_rule"] == "only"
    assert task["next_run_time"].startswith(at_local(d2, 18, zone)), task
    # the calendar changes: tomorrow is a business day again, in the same request
    r = adm.patch(s.api_url + CAL + "/" + c["name"] + "/days", json={"remove": [iso(d1)]},
                  timeout=10)
    assert r.status_code == 200 and r.json()["tasks"] == 1, r.text
    got = adm.get(s.api_url + "/scheduler/tasks/%d" % task["id"], timeout=10).json()
    assert got["next_run_time"].startswith(at_local(d1, 18, zone)), got
    # rule and calendar fields
    r = adm.put(s.api_url + "/scheduler/tasks/%d" % task["id"], json={"calendar_rule": "next"},
                timeout=10)
    assert r.status_code == 200 and r.json()["calendar_rule"] == "next", r.text
    r = adm.put(s.api_url + "/scheduler/tasks/%d" % task["id"], json={"calendar_rule": "sideways"},
                timeout=10)
    assert r.status_code == 400 and "calendar_rule" in r.json()["detail"], r.text
    r = adm.post(s.api_url + "/scheduler/tasks", json=example_body(calendar_rule="next"),
                 timeout=10)
    assert r.status_code == 400 and "calendar_rule: needs a calendar" in r.json()["detail"], r.text
    r = adm.post(s.api_url + "/scheduler/tasks", json=example_body(calendar="nosuch_cal"),
                 timeout=10)
    assert r.status_code == 400 and r.json()["detail"].startswith("calendar: "), r.text
    # in use: 409 naming the task
    r = adm.delete(s.api_url + CAL + "/" + c["name"], timeout=10)
    assert r.status_code == 409 and r.json()["tasks"] == [task["id"]], r.text
    assert ("used by tasks: %d" % task["id"]) in r.json()["detail"]
    # calendar removed from the task: the delete goes through
    r = adm.put(s.api_url + "/scheduler/tasks/%d" % task["id"], json={"calendar": None},
                timeout=10)
    assert r.status_code == 200 and r.json()["calendar"] is None, r.text
    assert r.json()["calendar_rule"] is None
    assert adm.delete(s.api_url + CAL + "/" + c["name"], timeout=10).status_code == 204


def test_schedule_status_at_the_coverage_limit(cstack, adm):
    s = cstack
    t0 = today("UTC")
    until = t0 - dt.timedelta(days=1)
    c = make(adm, s, timezone="UTC", covered_from="2020-01-01", covered_until=iso(until))
    task = adm.post(s.api_url + "/scheduler/tasks", timeout=10, json=example_body(
        cron_expression="0 12 * * *", timezone="UTC", calendar=c["name"])).json()
    assert task["next_run_time"] is None, task
    want = "calendar %s has no data after %s" % (c["name"], iso(until))
    assert task["schedule_status"] == want
    listed = adm.get(s.api_url + "/scheduler/tasks?name=" + task["name"], timeout=10).json()
    assert listed["tasks"][0]["schedule_status"] == want
    # more coverage: the schedule resumes in the same request
    adm.put(s.api_url + CAL + "/" + c["name"], json={"covered_until": iso(t0 + dt.timedelta(days=30))},
            timeout=10)
    got = adm.get(s.api_url + "/scheduler/tasks/%d" % task["id"], timeout=10).json()
    assert got["next_run_time"] is not None and got["schedule_status"] == "pending", got


def test_preview_reports_skipped_days(cstack, adm):
    s = cstack
    t0 = today("UTC")
    d1 = t0 + dt.timedelta(days=1)
    c = make(adm, s, timezone="UTC", weekend=[], holidays=[iso(d1)],
             covered_until=iso(t0 + dt.timedelta(days=60)))
    url = s.api_url + "/scheduler/cron/preview"
    q = {"expression": "0 12 * * *", "timezone": "UTC", "calendar": c["name"], "count": 3}
    p = adm.get(url, params=q, timeout=10).json()
    assert len(p["next_run_times"]) == 3 and p["calendar_rule"] == "only"
    assert all(not t.startswith(iso(d1)) for t in p["next_run_times"]), p
    assert [k["date"] for k in p["skipped"]] == [iso(d1)], p
    assert p["skipped"][0]["reason"] == "holiday" and p["skipped"][0]["moved_to"] is None
    p = adm.get(url, params=dict(q, calendar_rule="previous"), timeout=10).json()
    assert p["calendar_rule"] == "previous"
    # a weekly fire on the holiday moves to the next day (which has no fire of its own)
    weekly = dict(q, expression="0 12 * * %d" % (d1.isoweekday() % 7), calendar_rule="next",
                  count=2)
    p = adm.get(url, params=weekly, timeout=10).json()
    d2 = d1 + dt.timedelta(days=1)
    assert p["next_run_times"][0].startswith(iso(d2) + "T12:00:00"), p
    assert p["skipped"][0]["date"] == iso(d1) and p["skipped"][0]["reason"] == "holiday", p
    assert p["skipped"][0]["moved_to"].startswith(iso(d2) + "T12:00:00"), p
    p = adm.get(url, params=dict(q, calendar="nosuch_cal"), timeout=10)
    assert p.status_code == 400 and p.json()["detail"].startswith("calendar: "), p.text
    short = make(adm, s, timezone="UTC", weekend=[], holidays=[iso(d1)],
                 covered_until=iso(t0 + dt.timedelta(days=3)))
    p = adm.get(url, params=dict(q, calendar=short["name"], count=10), timeout=10).json()
    assert len(p["next_run_times"]) <= 3, p
    assert p["stopped"] == "calendar %s has no data after %s" % (
        short["name"], iso(t0 + dt.timedelta(days=3))), p
    plain = adm.get(url, params={"expression": "0 12 * * *"}, timeout=10).json()
    assert "skipped" not in plain
