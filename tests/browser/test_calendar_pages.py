"""The Calendars pages, the task form's calendar and rule pickers and the
Backfill dialog in a real Chromium against a real stack (calendar_scenarios.mjs).

A calendar made in the page gets a holiday and a workday by clicking its year
view (each kind of day in its own colour, the legend's); a task edited in the
form follows a calendar and its preview strikes the holiday through
(skipped, or moved with rule `next`); days are imported from a CSV file; a
viewer only reads; deleting a calendar in use lists its tasks; everything
reads in Chinese; the Backfill dialog's dry run lists the business dates and
a started backfill shows its progress and its runs' business dates."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from ui_helpers import unique

ZONE = ZoneInfo("Asia/Shanghai")


def today():
    return dt.datetime.now(ZONE).date()


def next_weekday(d, iso):
    """The first day >= d with that ISO weekday."""
    return d + dt.timedelta(days=(iso - d.isoweekday()) % 7)


def a_holiday():
    """A weekday at least two days ahead (so the next five 18:00 fires reach it), not early January."""
    d = today() + dt.timedelta(days=2)
    if d.isoweekday() > 5:
        d = next_weekday(d, 1)
    if d.month == 1 and d.day < 3:
        d = next_weekday(d.replace(day=3), 1)
    return d


def api_calendar(admin, stack, name=None, holidays=(), year=None, **extra):
    y = year or a_holiday().year
    body = {"name": name or unique("ui-cal"), "timezone": "Asia/Shanghai", "weekend": [6, 7],
            "covered_from": f"{y}-01-02", "covered_until": f"{y + 1}-12-31",
            "holidays": [str(h) for h in holidays], "workdays": [], **extra}
    r = admin.post(stack.api_url + "/scheduler/calendars", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def api_task(admin, stack, name, calendar=None, enabled=False, **extra):
    """An example task at 18:00 Shanghai (enabled: it may be triggered and backfilled)."""
    body = {"name": name, "task_type": "example_task", "cron_expression": "0 18 * * *",
            "timezone": "Asia/Shanghai", "enabled": enabled,
            "config": {"duration_seconds": 0, "steps": 1, "success_rate": 1.0}, **extra}
    if calendar:
        body["calendar"] = calendar
    r = admin.post(stack.api_url + "/scheduler/tasks", json=body)
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture(scope="module")
def cal_task(admin, stack):
    """A calendar with a holiday two days ahead and a task (cron 18:00 Shanghai) that follows it."""
    hol = a_holiday()
    cal = api_calendar(admin, stack, holidays=[hol])
    task = api_task(admin, stack, unique("ui-cal-task"), calendar=cal["name"], enabled=True)
    return {"cal": cal, "task": task, "holiday": hol}


def test_create_calendar_toggle_days_and_colours(ui, admin, stack):
    hol = a_holiday()
    y = hol.year
    sat = next_weekday(hol, 6)
    if sat.year != y:
        sat -= dt.timedelta(days=7)
    name = unique("ui-cal-new")
    r = ui("cal_create_and_year", name=name, **{"from": f"{y}-01-02"}, until=f"{y + 1}-12-31",
           year=y, holiday=str(hol), weekend_day=str(sat))
    assert r["nav"] == "Calendars"
    assert "covered" in r["bad_coverage"], r["bad_coverage"]
    assert "/calendars/" in r["url"] and name in r["h1"] and r["months"] == 12
    assert r["before"] == {str(hol): "business", str(sat): "weekend"}
    assert r["after"] == {str(hol): "holiday", str(sat): "workday"}
    assert r["again"] == {str(hol): "holiday", str(sat): "weekend"}
    # every kind of day has its own colour, and its legend swatch the same one
    c = r["colours"]
    cells = {k: v["cell"] for k, v in c.items() if k != "outside"}
    assert all(cells.values()) and len(set(cells.values())) == 4, c
    assert c["outside"]["cell"] is not None, "January 1 is before the coverage"
    assert len({v["swatch"] for v in c.values()}) == 5, c
    assert all(v["cell"] == v["swatch"] for v in c.values()), c
    assert [x.split(" (")[0] for x in r["legend"]] == ["business day", "weekend", "holiday",
                                                       "weekend workday", "no data"]
    assert r["outside"] == 1 and r["prev_disabled"] is True and r["next_disabled"] is False
    assert r["next_year"] == str(y + 1) and f"year={y + 1}" in r["next_url"]
    saved = admin.get(f"{stack.api_url}/scheduler/calendars/{name}").json()
    assert saved["holidays"] == [str(hol)] and saved["workdays"] == [], saved
    assert saved["description"] == "made by the browser test" and saved["timezone"] == "Asia/Shanghai"
    assert r["row"] == {"weekend": "Sat, Sun", "coverage": f"{y}-01-02 – {y + 1}-12-31",
                        "holidays": "1", "workdays": "0", "tasks": "0"}, r["row"]


def test_task_form_calendar_preview_skips_the_holiday(ui, admin, stack):
    hol = a_holiday()
    cal = api_calendar(admin, stack, holidays=[hol])
    task = api_task(admin, stack, unique("ui-cal-form"))
    # weekly on the holiday's weekday: rule next can move it (the next day has no run of its own)
    cron = f"0 18 * * {hol.isoweekday() % 7}"
    r = ui("cal_task_form", task_id=task["id"], task_name=task["name"], calendar=cal["name"], holiday=str(hol), cron=cron)
    assert r["rule_hidden"] is True and r["rule_shown"] is True
    assert r["rules"] == ["only", "next", "previous"]
    assert cal["name"] in r["options"] and r["options"][0].startswith("—")
    assert not any(x["skipped"] for x in r["plain"]) and len(r["plain"]) == 5
    skipped = [x for x in r["only"] if x["skipped"]]
    fires = [x for x in r["only"] if not x["skipped"]]
    assert len(fires) == 5, r["only"]
    h = [x for x in skipped if x["date"] == str(hol)]
    assert len(h) == 1 and h[0]["struck"] and h[0]["reason"] == "holiday", skipped
    assert f"{hol} holiday — skipped" in h[0]["text"], h
    # no fire on the holiday nor on a weekend (18:00 Shanghai is 10:00 UTC the same day)
    fire_days = [dt.date.fromisoformat(x["time"][:10]) for x in fires]
    assert str(hol) not in [str(d) for d in fire_days] and all(d.isoweekday() == hol.isoweekday() for d in fire_days)
    assert [x["date"] for x in skipped] == [str(hol)], skipped
    # rule next: the holiday's run moves to the next business day
    m = [x for x in r["next"] if x["moved"] and x["date"] == str(hol)]
    nxt = hol + dt.timedelta(days=1 if hol.isoweekday() < 5 else 3)
    assert len(m) == 1 and f"moved to {nxt} 18:00:00" in m[0]["text"], r["next"]
    assert f"{nxt}T10:00:00" in str([x["time"] for x in r["next"] if not x["skipped"]]), r["next"]
    assert "next business day" in r["next_hint"]
    assert "calendar" in r["b1_without"], r["b1_without"]
    assert "1st business day" in r["b1_words"] and r["b1_error_hidden"] is True
    assert r["saved_toast"] and r["list_line"] == f"on {cal['name']} business days", r.get("list_line")
    got = admin.get(f"{stack.api_url}/scheduler/tasks/{task['id']}").json()
    assert got["calendar"] == cal["name"] and got["calendar_rule"] == "only", got
    assert r["filled"] == {"calendar": cal["name"], "rule": "only"}


def test_import_csv(ui, admin, stack):
    y = a_holiday().year
    cal = api_calendar(admin, stack, year=y, covered_until=f"{y}-12-31")
    wd = next_weekday(dt.date(y, 3, 2), 3)          # a Wednesday in March
    sat = next_weekday(dt.date(y, 3, 2), 6)         # a Saturday
    csv = f"date,kind\n# from the exchange\n{wd},holiday\n{sat},workday\n{y + 1}-05-01,holiday\n"
    r = ui("cal_import", calendar_id=cal["id"], year=y, csv=csv, bad_csv=f"{y}-13-01,holiday",
           check_days=[str(wd), str(sat)])
    assert r["bad_check"] == "line 1 is not \"date,kind\"", r
    assert "line 1" in r["bad_error"] and f"{y}-13-01" in r["bad_error"], r["bad_error"]
    assert r["check"] == "3 days to import"
    assert "Imported 3 days" in r["toast"] and f"{y + 1}-12-31" in r["toast"], r["toast"]
    assert r["kinds"] == {str(wd): "holiday", str(sat): "workday"}
    assert r["coverage_before"] == f"{y}-01-02 – {y}-12-31"
    # the coverage grows to the imported years: Jan 1 of the first, Dec 31 of the last
    assert r["coverage_after"] == f"{y}-01-01 – {y + 1}-12-31", r["coverage_after"]
    saved = admin.get(f"{stack.api_url}/scheduler/calendars/{cal['id']}").json()
    assert saved["holidays"] == [str(wd), f"{y + 1}-05-01"] and saved["workdays"] == [str(sat)], saved


def test_viewer_reads_and_delete_in_use_lists_tasks(ui, admin, stack, cal_task):
    c, t = cal_task["cal"], cal_task["task"]
    r = ui("cal_viewer_and_delete", calendar_id=c["id"], year=cal_task["holiday"].year)
    assert r["viewer_add"] == 0 and r["viewer_buttons"] == 0 and r["viewer_days"] > 300
    assert "Only admins" in r["viewer_hint"]
    assert str(t["id"]) in r["in_use"] and c["name"] in r["in_use"], r["in_use"]
    assert r["in_use_tasks"] == [t["id"]] and r["still_there"] is True
    assert admin.get(f"{stack.api_url}/scheduler/calendars/{c['id']}").status_code == 200


def test_business_date_in_history_and_execution(ui, admin, stack, cal_task):
    t, hol = cal_task["task"], cal_task["holiday"]
    day = hol - dt.timedelta(days=1 if hol.isoweekday() > 1 else 3)   # the business day before the holiday
    r = ui("biz_date_history", task_id=t["id"], date=str(day), other=str(hol))
    assert cal_task["cal"]["name"] in r["hint"]
    assert "business_date" in r["refused"] and str(hol) in r["refused"], r["refused"]
    assert "Business date" in r["headers"] and str(day) in r["cells"], r
    assert r["backfill_button"] == 0, "a viewer starts no backfill"
    assert r["other_rows"] == 0 and r["filtered"] and set(r["filtered"]) == {str(day)}
    assert f"bfrom={day}" in r["url"] and r["after_reload"]["from"] == str(day)
    assert r["exec"] == str(day)


def test_chinese(ui, admin, stack, cal_task):
    t = cal_task["task"]
    if not admin.get(f"{stack.api_url}/scheduler/tasks/{t['id']}/executions").json().get("executions"):
        assert admin.post(f"{stack.api_url}/scheduler/tasks/{t['id']}/trigger", json={}).status_code in (200, 201, 202)
    r = ui("cal_zh", calendar_id=cal_task["cal"]["id"], task_id=cal_task["task"]["id"], year=cal_task["holiday"].year)
    assert r["nav"] == "日历" and r["h1"] == "业务日历" and r["title"].startswith("日历")
    assert "时区" in r["headers"] and "使用它的任务" in r["headers"]
    assert [x.split(" (")[0] for x in r["legend"]] == ["工作日", "周末", "节假日", "调休工作日", "无数据"]
    assert "月" in r["caption"] and r["weekdays"] == ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
    assert "‹ 上一年" in r["buttons"] and "导入 CSV" in r["buttons"]
    assert "业务日历" in r["form"] and "遇到非工作日" in r["form"] and "跳过本次" in r["form"], r["form"]
    assert any(f"{cal_task['holiday']} 节假日 — 跳过" in x for x in r["skipped"]), r["skipped"]
    assert "业务日期" in r["history_headers"] and "业务日期从" in r["history_labels"]
    assert "预览" in r["backfill_dialog"] and "开始" in r["backfill_dialog"], r["backfill_dialog"]
    leftover = [x for k in ("headers", "legend", "buttons", "info", "form", "import_dialog", "backfill_dialog")
                for x in r[k] if any(w in x for w in ("Calendar", "holiday", "Import", "Preview", "Backfill", "Start"))]
    assert not leftover, leftover


def backfill_api(admin, stack, task_id):
    r = admin.post(f"{stack.api_url}/scheduler/tasks/{task_id}/backfill",
                   json={"from": str(today()), "to": str(today()), "mode": "all", "dry_run": True})
    if r.status_code in (404, 405):
        pytest.skip(f"POST /scheduler/tasks/{{id}}/backfill is not in this zq-api yet ({r.status_code})")
    return r


def test_backfill_dry_run_then_start(ui, admin, stack):
    """Past business dates of a calendar with a holiday: the dry run lists them without it; started,
    the runs (trigger backfill) carry them as business dates."""
    d0 = today() - dt.timedelta(days=12)
    d1 = today() - dt.timedelta(days=3)
    hol = next_weekday(d0 + dt.timedelta(days=1), 2)   # a Tuesday inside the range
    cal = api_calendar(admin, stack, holidays=[hol], year=d0.year)
    task = api_task(admin, stack, unique("ui-backfill"), calendar=cal["name"], enabled=True)
    backfill_api(admin, stack, task["id"])
    want = [str(d0 + dt.timedelta(days=i)) for i in range((d1 - d0).days + 1)]
    want = [d for d in want if dt.date.fromisoformat(d).isoweekday() <= 5 and d != str(hol)]
    r = ui("backfill_dialog", task_id=task["id"], **{"from": str(d0)}, to=str(d1), mode="all", concurrency=2, start=True)
    assert cal["name"] in r["intro"] and r["start_disabled"] is True
    assert "concurrency" in r["bad_concurrency"]
    assert r["dates"] == want and r["total"] == f"It would run {len(want)} dates, oldest first:", r
    assert r["start_enabled"] is True
    assert r["final"] == "done", r
    assert r["counts"]["done"] == str(len(want)) and r["counts"]["total"] == str(len(want)), r["counts"]
    assert sorted(r["biz_dates"])[-len(want):] == sorted(want) or set(want) <= set(r["biz_dates"]), r["biz_dates"]
    assert all("Backfill" in x for x in r["triggers"]), r["triggers"]
    assert r["filtered"] == [want[0]] and f"bfrom={want[0]}" in r["filter_url"]
    assert r["exec_business_date"] in want


def test_backfill_cancel(ui, admin, stack):
    task = api_task(admin, stack, unique("ui-bf-cancel"), enabled=True,
                    config={"duration_seconds": 3, "steps": 1, "success_rate": 1.0})
    d0, d1 = today() - dt.timedelta(days=20), today() - dt.timedelta(days=1)
    r = backfill_api(admin, stack, task["id"])
    r = admin.post(f"{stack.api_url}/scheduler/tasks/{task['id']}/backfill",
                   json={"from": str(d0), "to": str(d1), "mode": "all", "concurrency": 1})
    assert r.status_code == 201, r.text
    bid = r.json()["id"]
    r = ui("backfill_cancel", task_id=task["id"], backfill_id=bid)
    assert r["before"] == "running" and "running" in r["text"], r
    assert f"#{bid}" in r["toast"] and r["after"] == "cancelled" and r["buttons"] == 0, r
    b = admin.get(f"{stack.api_url}/scheduler/backfills/{bid}").json()
    assert b["status"] == "cancelled" and b["done"] < b["total"] == 20, b
