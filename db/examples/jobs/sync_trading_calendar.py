#!/usr/bin/env python3
"""sync_trading_calendar.py - load an exchange's trading calendar from a CSV
file into zq, through zq's REST API (the seed's sync_trading_calendar job).

    ZQ_API_URL=http://127.0.0.1:8080 ZQ_API_TOKEN=... \\
        python3 sync_trading_calendar.py [--calendar SSE] [--file CSV]
            [--start-date 20260101 --end-date 20261231] [--timezone Asia/Shanghai]

The file has `date,kind` lines (kind holiday | workday), '#' comments and a
`date,kind` header: db/examples/calendars/sse-2024-2026.csv by default. The
calendar is created when missing, else replaced (PUT): its days become the
file's, its coverage the whole years the file lists (Jan 1 of the first ..
Dec 31 of the last). With --start-date/--end-date only that range is
replaced: the calendar's days outside it are kept and the coverage widened to
include it. ZQ_API_TOKEN is an admin's API token (zq-db token create NAME
--role admin): put it in the task's `env`, where only admins see it.
"""
import argparse
import datetime
import json
import os
import urllib.error
import urllib.parse
import urllib.request

from zqjob import EXAMPLES, JobError, main, parse_date, progress, read_csv, result, say

STEPS = 4


def api_base():
    url = os.environ.get("ZQ_API_URL", "http://127.0.0.1:8080").rstrip("/")
    return url if url.endswith("/api/v1") else url + "/api/v1"


def api_token():
    token = os.environ.get("ZQ_API_TOKEN", "")
    if not token:
        raise JobError("ZQ_API_TOKEN is not set: create an admin token (zq-db token create "
                       "NAME --role admin) and put it in the task's env")
    return token


def call(method, path, body=None):
    """(status, JSON body or None); a 4xx/5xx other than 404 is a JobError
    naming the API's detail."""
    token = api_token()
    req = urllib.request.Request(api_base() + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Authorization", "Bearer " + token)
    req.add_header("Accept", "application/json")
    if body is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            text = r.read()
            return r.status, json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        text = e.read().decode(errors="replace")
        if e.code == 404 and method == "GET":
            return 404, None
        try:
            detail = json.loads(text).get("detail", text)
        except ValueError:
            detail = text
        raise JobError(f"{method} {path}: HTTP {e.code}: {detail}") from None
    except (urllib.error.URLError, OSError) as e:
        raise JobError(f"{method} {api_base()}{path}: {getattr(e, 'reason', e)}") from None


def read_days(path, start, end):
    """{date: kind} of the file, within [start, end] when given."""
    days = {}
    for row in read_csv(path, ("date", "kind")):
        d = parse_date(row["date"], f"{path}: line {row['_line']}")
        if row["kind"] not in ("holiday", "workday"):
            raise JobError(f"{path}: line {row['_line']}: kind must be holiday or workday")
        if d.isoformat() in days:
            raise JobError(f"{path}: line {row['_line']}: {d} listed twice")
        if (start is None or d >= start) and (end is None or d <= end):
            days[d.isoformat()] = row["kind"]
    return days


def merge(current, days, start, end):
    """The calendar's days outside [start, end], plus the file's inside."""
    merged = {d: k for k, lst in (("holiday", current.get("holidays") or []),
                                  ("workday", current.get("workdays") or [])) for d in lst
              if not start.isoformat() <= d <= end.isoformat()}
    merged.update(days)
    return merged


def body_for(args, days, cover_from, cover_until):
    return {"name": args.calendar, "description": args.description, "timezone": args.timezone,
            "weekend": [int(x) for x in args.weekend.split(",") if x],
            "covered_from": cover_from, "covered_until": cover_until,
            "holidays": sorted(d for d, k in days.items() if k == "holiday"),
            "workdays": sorted(d for d, k in days.items() if k == "workday")}


def run():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--calendar", default="SSE", help="calendar name (default SSE)")
    p.add_argument("--file", default=os.path.join(EXAMPLES, "calendars", "sse-2024-2026.csv"))
    p.add_argument("--start-date", help="replace only days from this date (YYYYMMDD or YYYY-MM-DD)")
    p.add_argument("--end-date", help="... to this date")
    p.add_argument("--timezone", default="Asia/Shanghai")
    p.add_argument("--weekend", default="6,7", help="ISO weekdays, 1 = Monday (default 6,7)")
    p.add_argument("--description",
                   default="Shanghai Stock Exchange trading days (example data: db/examples)")
    args = p.parse_args()
    start = parse_date(args.start_date, "--start-date") if args.start_date else None
    end = parse_date(args.end_date, "--end-date") if args.end_date else None
    if (start is None) != (end is None):
        raise JobError("--start-date and --end-date go together")
    if start and end < start:
        raise JobError(f"--end-date {end} is before --start-date {start}")
    api_token()

    progress(1, STEPS, f"reading {os.path.basename(args.file)}")
    days = read_days(args.file, start, end)
    if not days and not start:
        raise JobError(f"{args.file}: lists no days")
    years = sorted(int(d[:4]) for d in days)
    cover_from = (start or datetime.date(years[0], 1, 1)).isoformat()
    cover_until = (end or datetime.date(years[-1], 12, 31)).isoformat()
    say(f"{len(days)} days in {args.file} ({cover_from} .. {cover_until})")

    progress(2, STEPS, f"looking up calendar {args.calendar}")
    name = urllib.parse.quote(args.calendar, safe="")
    status, current = call("GET", f"/scheduler/calendars/{name}")

    progress(3, STEPS, ("creating" if status == 404 else "updating") + f" calendar {args.calendar}")
    if status == 404:
        status, saved = call("POST", "/scheduler/calendars",
                             body_for(args, days, cover_from, cover_until))
    else:
        if start:
            days = merge(current, days, start, end)
            cover_from = min(cover_from, current.get("covered_from") or cover_from)
            cover_until = max(cover_until, current.get("covered_until") or cover_until)
        status, saved = call("PUT", f"/scheduler/calendars/{current['id']}",
                             body_for(args, days, cover_from, cover_until))

    progress(4, STEPS, "checking what zq stored")
    _, back = call("GET", f"/scheduler/calendars/{saved['id']}")
    want = body_for(args, days, cover_from, cover_until)
    for key in ("holidays", "workdays", "covered_from", "covered_until"):
        got = sorted(back.get(key) or []) if key.endswith("days") else back.get(key)
        if got != want[key]:
            raise JobError(f"calendar {args.calendar}: zq stored {key} {got!r}, not {want[key]!r}")
    say(f"calendar {back['name']} (id {back['id']}, version {back.get('version')}): "
        f"{len(back['holidays'])} holidays, {len(back['workdays'])} workdays, "
        f"{back['covered_from']} .. {back['covered_until']}, used by {back.get('tasks', 0)} tasks")
    result({"calendar": back["name"], "id": back["id"], "created": status == 201,
            "holidays": len(back["holidays"]), "workdays": len(back["workdays"]),
            "covered_from": back["covered_from"], "covered_until": back["covered_until"],
            "version": back.get("version")})


if __name__ == "__main__":
    main(run)
